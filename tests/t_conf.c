/* t_conf.c - unit tests of the configuration loader and the token file. */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "confval.h"
#include "tap.h"
#include "token.h"

static const struct {
	const char	*in;
	int		 rv;
	double		 secs;
} dur[] = {
	{ "500ms", 0, 0.5 },
	{ "10s", 0, 10 },
	{ "15m", 0, 900 },
	{ "1h", 0, 3600 },
	{ "90", 0, 90 },
	{ "1.5s", 0, 1.5 },
	{ "0.25h", 0, 900 },
	{ ".5m", 0, 30 },
	{ "2.", 0, 2 },
	{ "0", 0, 0 },
	{ "0ms", 0, 0 },
	{ "100ms", 0, 0.1 },
	{ "", -1, 0 },
	{ "s", -1, 0 },
	{ "ms", -1, 0 },
	{ ".", -1, 0 },
	{ "-1s", -1, 0 },
	{ "-5", -1, 0 },
	{ "+5s", -1, 0 },
	{ "10 s", -1, 0 },
	{ " 10s", -1, 0 },
	{ "10s ", -1, 0 },
	{ "10sec", -1, 0 },
	{ "10S", -1, 0 },
	{ "1d", 0, 86400 },
	{ "90d", 0, 7776000 },
	{ "0.5d", 0, 43200 },
	{ "1D", -1, 0 },
	{ "1dd", -1, 0 },
	{ "1h30m", -1, 0 },
	{ "1e3", -1, 0 },
	{ "0x10", -1, 0 },
	{ "inf", -1, 0 },
	{ "nan", -1, 0 },
	{ "infs", -1, 0 },
	{ "1..5s", -1, 0 },
	{ "15 minutes", -1, 0 },
	{ NULL, -1, 0 },
};

/* A bad configuration and every message it must produce, in order. */
struct bad {
	const char	*name;
	const char	*yaml;
	const char	*msg[12];
};

static const struct bad bad[] = {
	{ "empty file",
	    "", {
		"bad.yaml:1:1: the configuration is empty; it must be a "
		"mapping with a \"clans\" key",
		NULL } },
	{ "only a comment",
	    "# nothing here\n", {
		"bad.yaml:1:1: the configuration is empty; it must be a "
		"mapping with a \"clans\" key",
		NULL } },
	{ "null document",
	    "--- ~\n", {
		"bad.yaml:1:5: the configuration is empty; it must be a "
		"mapping with a \"clans\" key",
		NULL } },
	{ "a scalar document",
	    "hello\n", {
		"bad.yaml:1:1: the configuration must be a mapping with a "
		"\"clans\" key",
		NULL } },
	{ "a sequence document",
	    "- \"#9V2Y\"\n", {
		"bad.yaml:1:1: the configuration must be a mapping with a "
		"\"clans\" key",
		NULL } },
	{ "missing clans",
	    "api:\n"
	    "  timeout: 10s\n", {
		"bad.yaml:1:1: clans: missing; add a \"clans\" list with at "
		"least one clan tag, such as clans: [\"#9V2Y\"]",
		NULL } },
	{ "clans null",
	    "clans:\n", {
		"bad.yaml:1:7: clans: no clans listed; list at least one tag, "
		"such as - \"#9V2Y\"",
		NULL } },
	{ "clans empty list",
	    "clans: []\n", {
		"bad.yaml:1:8: clans: the list is empty; list at least one "
		"clan tag, such as - \"#9V2Y\"",
		NULL } },
	{ "clans a string",
	    "clans: 9V2Y\n", {
		"bad.yaml:1:8: clans: must be a list of clan tags (lines of - "
		"\"#9V2Y\"), not a string",
		NULL } },
	{ "clans a mapping",
	    "clans:\n"
	    "  tag: 9V2Y\n", {
		"bad.yaml:2:3: clans: must be a list of clan tags (lines of - "
		"\"#9V2Y\"), not a mapping",
		NULL } },
	{ "the YAML comment trap",
	    "clans:\n"
	    "  - \"#9V2Y\"\n"
	    "  - #2PYLQ\n"
	    "  - 8QRUL\n", {
		"bad.yaml:3:5: clans[1]: empty item: an unquoted \"- #2PYLQ\" "
		"is a YAML comment, so this item is null; quote the tag "
		"(\"#2PYLQ\") or drop the '#' (2PYLQ)",
		NULL } },
	{ "an empty item",
	    "clans:\n"
	    "  -\n"
	    "  - 2PYLQ\n", {
		"bad.yaml:2:4: clans[0]: empty item: write a clan tag here, "
		"quoted (\"#9V2Y\") or without the '#' (9V2Y); an unquoted "
		"'#' starts a YAML comment",
		NULL } },
	{ "a comment that is not a tag",
	    "clans:\n"
	    "  - # the main clan\n", {
		"bad.yaml:2:4: clans[0]: empty item: write a clan tag here, "
		"quoted (\"#9V2Y\") or without the '#' (9V2Y); an unquoted "
		"'#' starts a YAML comment",
		NULL } },
	{ "bad tag characters",
	    "clans:\n"
	    "  - \"#9V2Y\"\n"
	    "  - \"#9V2Q!\"\n"
	    "  - \"#9VA2\"\n", {
		"bad.yaml:3:5: clans[1]: \"#9V2Q!\" is not a clan tag "
		"(allowed characters: 0289PYLQGRJCUV)",
		"bad.yaml:4:5: clans[2]: \"#9VA2\" is not a clan tag (allowed "
		"characters: 0289PYLQGRJCUV)",
		NULL } },
	{ "tags too short and too long",
	    "clans:\n"
	    "  - \"#9V\"\n"
	    "  - 0289PYLQGRJCUV2\n"
	    "  - \"\"\n", {
		"bad.yaml:2:5: clans[0]: \"#9V\" is too short for a clan tag "
		"(it needs 3..14 characters after the '#')",
		"bad.yaml:3:5: clans[1]: \"0289PYLQGRJCUV2\" is too long for "
		"a clan tag (it needs 3..14 characters after the '#')",
		"bad.yaml:4:5: clans[2]: empty clan tag (write 3..14 "
		"characters of 0289PYLQGRJCUV, such as #9V2Y)",
		NULL } },
	{ "a tag listed twice",
	    "clans:\n"
	    "  - \"#9V2Y\"\n"
	    "  - 2PYLQ\n"
	    "  - 9v2y\n"
	    "  - tag: \"#2PYL0\"\n"
	    "  - tag: 2pylq\n", {
		"bad.yaml:4:5: clans[2]: \"#9V2Y\" is listed twice (first at "
		"line 2); remove one",
		"bad.yaml:6:10: clans[4].tag: \"#2PYLQ\" is listed twice "
		"(first at line 3); remove one",
		NULL } },
	{ "a clan mapping without a tag",
	    "clans:\n"
	    "  - name: Friends\n"
	    "    interval: 5m\n", {
		"bad.yaml:2:5: clans[0]: no \"tag\" key; add one, such as "
		"tag: \"#9V2Y\"",
		NULL } },
	{ "unknown keys in a clan mapping",
	    "clans:\n"
	    "  - tag: 9V2Y\n"
	    "    nmae: Friends\n"
	    "    colour: red\n"
	    "    intreval: 5m\n", {
		"bad.yaml:3:5: clans[0].nmae: unknown key (did you mean "
		"\"name\"?)",
		"bad.yaml:4:5: clans[0].colour: unknown key (valid keys: tag, "
		"name, interval)",
		"bad.yaml:5:5: clans[0].intreval: unknown key (did you mean "
		"\"interval\"?)",
		NULL } },
	{ "the comment trap in a tag mapping",
	    "clans:\n"
	    "  - tag: #8QRUL\n"
	    "    name: Friends\n"
	    "  - tag:\n"
	    "    name: Others\n", {
		"bad.yaml:2:10: clans[0].tag: empty tag: an unquoted \"tag: "
		"#8QRUL\" is a YAML comment, so the tag is null; quote the "
		"tag (\"#8QRUL\") or drop the '#' (8QRUL)",
		"bad.yaml:4:9: clans[1].tag: empty tag: write a clan tag "
		"here, quoted (\"#9V2Y\") or without the '#' (9V2Y); an "
		"unquoted '#' starts a YAML comment",
		NULL } },
	{ "clan interval out of range",
	    "clans:\n"
	    "  - tag: 9V2Y\n"
	    "    interval: 5s\n"
	    "  - tag: 2PYLQ\n"
	    "    interval: 169h\n", {
		"bad.yaml:3:15: clans[0].interval: 5s is out of range "
		"(10s..7d)",
		"bad.yaml:5:15: clans[1].interval: 169h is out of range "
		"(10s..7d)",
		NULL } },
	{ "clan name empty or a list",
	    "clans:\n"
	    "  - tag: 9V2Y\n"
	    "    name: \"\"\n"
	    "  - tag: 2PYLQ\n"
	    "    name: [a, b]\n"
	    "  - tag: 8QRUL\n"
	    "    name:\n", {
		"bad.yaml:3:11: clans[0].name: is empty; give a label for the "
		"clan or remove the key",
		"bad.yaml:5:11: clans[1].name: must be a label for the clan, "
		"not a list",
		"bad.yaml:7:10: clans[2].name: no value; give a label for the "
		"clan or remove the key",
		NULL } },
	{ "a clan item that is a list",
	    "clans:\n"
	    "  - [9V2Y]\n"
	    "  - 2PYLQ\n", {
		"bad.yaml:2:5: clans[0]: must be a clan tag or a mapping with "
		"a \"tag\" key, not a list",
		NULL } },
	{ "a clan tag that is a mapping",
	    "clans:\n"
	    "  - tag: {a: 1}\n", {
		"bad.yaml:2:10: clans[0].tag: must be a clan tag (such as "
		"\"#9V2Y\"), not a mapping",
		NULL } },
	{ "misspelt top-level key",
	    "clan:\n"
	    "  - 9V2Y\n", {
		"bad.yaml:1:1: clan: unknown key (did you mean \"clans\"?)",
		"bad.yaml:1:1: clans: missing; add a \"clans\" list with at "
		"least one clan tag, such as clans: [\"#9V2Y\"]",
		NULL } },
	{ "unknown top-level key",
	    "api: {}\n"
	    "foo: 1\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:1: foo: unknown key (valid keys: api, limits, "
		"schedule, output, clans)",
		NULL } },
	{ "misspelt limits key",
	    "limits:\n"
	    "  max_concurent: 3\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:3: limits.max_concurent: unknown key (did you "
		"mean \"max_concurrent\"?)",
		NULL } },
	{ "unknown key without a near miss",
	    "schedule:\n"
	    "  every: 5m\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:3: schedule.every: unknown key (valid keys: "
		"interval, jitter, stop_grace, reuse_unseen, profile_max_age, "
		"seen_margin)",
		NULL } },
	{ "an ambiguous prefix",
	    "limits:\n"
	    "  max: 3\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:3: limits.max: unknown key (valid keys: "
		"max_concurrent, requests_per_second, burst, max_retries)",
		NULL } },
	{ "max_concurrent out of range",
	    "limits:\n"
	    "  max_concurrent: 0\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:19: limits.max_concurrent: 0 is out of range "
		"(1..1024)",
		NULL } },
	{ "max_concurrent too big",
	    "limits:\n"
	    "  max_concurrent: 1025\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:19: limits.max_concurrent: 1025 is out of range "
		"(1..1024)",
		NULL } },
	{ "integers of the wrong kind",
	    "limits:\n"
	    "  max_concurrent: 8.5\n"
	    "  max_retries: four\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:19: limits.max_concurrent: \"8.5\" is not a whole "
		"number; use a whole number in 1..1024",
		"bad.yaml:3:16: limits.max_retries: \"four\" is not a number; "
		"use a whole number in 0..20",
		NULL } },
	{ "a boolean and a mapping for numbers",
	    "limits:\n"
	    "  max_concurrent: true\n"
	    "  requests_per_second: {x: 1}\n"
	    "  burst: [1]\n"
	    "  max_retries: 99999999999999999999\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:19: limits.max_concurrent: must be a whole number "
		"in 1..1024, not a boolean",
		"bad.yaml:3:24: limits.requests_per_second: must be a number "
		"in 0..10000, not a mapping",
		"bad.yaml:4:10: limits.burst: must be a number in 1..10000, "
		"not a list",
		"bad.yaml:5:16: limits.max_retries: 99999999999999999999 is "
		"out of range (0..20)",
		NULL } },
	{ "requests_per_second negative and bad",
	    "limits:\n"
	    "  requests_per_second: -1\n"
	    "  burst: fast\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:24: limits.requests_per_second: -1 is out of "
		"range (0..10000)",
		"bad.yaml:3:10: limits.burst: \"fast\" is not a number; use a "
		"number in 1..10000",
		NULL } },
	{ "burst and max_retries out of range",
	    "limits:\n"
	    "  burst: 0\n"
	    "  max_retries: 21\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:10: limits.burst: 0 is out of range (1..10000)",
		"bad.yaml:3:16: limits.max_retries: 21 is out of range "
		"(0..20)",
		NULL } },
	{ "interval not a duration",
	    "schedule:\n"
	    "  interval: 15 minutes\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: schedule.interval: \"15 minutes\" is not a "
		"duration (use 500ms, 10s, 15m, 1h, 90d or a number of seconds)",
		NULL } },
	{ "interval out of range",
	    "schedule:\n"
	    "  interval: 5s\n"
	    "  stop_grace: 2h\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: schedule.interval: 5s is out of range "
		"(10s..7d)",
		"bad.yaml:3:15: schedule.stop_grace: 2h is out of range "
		"(0s..1h)",
		NULL } },
	{ "reuse_unseen not a boolean",
	    "schedule:\n"
	    "  reuse_unseen: yes\n"
	    "  seen_margin: 2d\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:17: schedule.reuse_unseen: \"yes\" is not a "
		"boolean; use true or false",
		"bad.yaml:3:16: schedule.seen_margin: 2d is out of range "
		"(0s..1d)",
		NULL } },
	{ "profile_max_age shorter than an interval",
	    "schedule:\n"
	    "  interval: 1h\n"
	    "  profile_max_age: 2h\n"
	    "clans:\n"
	    "  - 9V2Y\n"
	    "  - tag: 2PYLQ\n"
	    "    interval: 3h\n", {
		"bad.yaml:3:20: schedule.profile_max_age: 2h is shorter than "
		"the longest interval in use (3h), so no profile could ever be "
		"reused; make it at least that long",
		NULL } },
	{ "profile_max_age out of range",
	    "schedule:\n"
	    "  profile_max_age: 5s\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:20: schedule.profile_max_age: 5s is out of range "
		"(10s..30d)",
		NULL } },
	{ "interval too long",
	    "schedule:\n"
	    "  interval: 200h\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: schedule.interval: 200h is out of range "
		"(10s..7d)",
		NULL } },
	{ "jitter percentage out of range",
	    "schedule:\n"
	    "  jitter: 60%\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:11: schedule.jitter: 60% is out of range "
		"(0%..50%)",
		NULL } },
	{ "jitter not a percentage or duration",
	    "schedule:\n"
	    "  jitter: \"x%\"\n"
	    "  stop_grace: -1s\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:11: schedule.jitter: \"x%\" is not a percentage; "
		"use 0%..50% (such as 10%) or a duration",
		"bad.yaml:3:15: schedule.stop_grace: \"-1s\" is not a "
		"duration (use 500ms, 10s, 15m, 1h, 90d or a number of seconds)",
		NULL } },
	{ "jitter nonsense",
	    "schedule:\n"
	    "  jitter: often\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:11: schedule.jitter: \"often\" is neither a "
		"percentage nor a duration (use a percentage such as 10%, or "
		"500ms, 10s, 15m, 1h, 90d or a number of seconds)",
		NULL } },
	{ "jitter too long for the interval",
	    "schedule:\n"
	    "  interval: 15m\n"
	    "  jitter: 8m\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:3:11: schedule.jitter: 8m must be less than half "
		"the shortest interval in use (15m); lower it or give a "
		"percentage such as 10%",
		NULL } },
	{ "jitter too long for a clan's interval",
	    "schedule:\n"
	    "  jitter: 3m\n"
	    "clans:\n"
	    "  - 9V2Y\n"
	    "  - tag: 2PYLQ\n"
	    "    interval: 5m\n", {
		"bad.yaml:2:11: schedule.jitter: 3m must be less than half "
		"the shortest interval in use (5m); lower it or give a "
		"percentage such as 10%",
		NULL } },
	{ "timeout out of range and empty",
	    "api:\n"
	    "  timeout: 0.5s\n"
	    "  connect_timeout:\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:12: api.timeout: 0.5s is out of range (1s..1h)",
		"bad.yaml:3:19: api.connect_timeout: no value; give a "
		"duration (use 500ms, 10s, 15m, 1h, 90d or a number of seconds) or "
		"remove the key",
		NULL } },
	{ "connect_timeout longer than timeout",
	    "api:\n"
	    "  timeout: 10s\n"
	    "  connect_timeout: 30s\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:3:20: api.connect_timeout: 30s is longer than "
		"api.timeout (10s); make it shorter",
		NULL } },
	{ "connect_timeout too short",
	    "api:\n"
	    "  connect_timeout: 50ms\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:20: api.connect_timeout: 50ms is out of range "
		"(100ms..1h)",
		NULL } },
	{ "base_url not http",
	    "api:\n"
	    "  base_url: ftp://example.com/v1\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: api.base_url: \"ftp://example.com/v1\" is not "
		"an http:// or https:// URL; use one such as "
		"https://api.clashroyale.com/v1",
		NULL } },
	{ "base_url with a space",
	    "api:\n"
	    "  base_url: \"https://example.com/a b\"\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: api.base_url: \"https://example.com/a b\" "
		"contains a space or a control character; remove it (or "
		"percent-encode it)",
		NULL } },
	{ "base_url without a host",
	    "api:\n"
	    "  base_url: https:///v1\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: api.base_url: \"https:///v1\" has no host "
		"name; use a URL such as https://api.clashroyale.com/v1",
		NULL } },
	{ "base_url with a fragment",
	    "api:\n"
	    "  base_url: \"https://example.com/v1#x\"\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: api.base_url: \"https://example.com/v1#x\" "
		"contains '?' or '#'; give only the base of the API (such as "
		"https://api.clashroyale.com/v1)",
		NULL } },
	{ "user_agent with a newline",
	    "api:\n"
	    "  user_agent: \"clanpopd\\r\\nX-Evil: 1\"\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:15: api.user_agent: byte 9 is not printable "
		"ASCII; use only printable ASCII characters (it is sent as an "
		"HTTP header)",
		NULL } },
	{ "user_agent too long",
	    "api:\n"
	    "  user_agent: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaa\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:15: api.user_agent: is too long; give 1..200 "
		"printable characters or remove the key to use the default",
		NULL } },
	{ "user_agent not ASCII",
	    "api:\n"
	    "  user_agent: \"clanpopd \xc3\xa9\"\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:15: api.user_agent: byte 10 is not printable "
		"ASCII; use only printable ASCII characters (it is sent as an "
		"HTTP header)",
		NULL } },
	{ "user_agent empty, then a second document",
	    "api:\n"
	    "  user_agent: \"\"\n"
	    "clans: [9V2Y]\n"
	    "---\n", {
		"bad.yaml:2:15: api.user_agent: is empty; give 1..200 "
		"printable characters or remove the key to use the default",
		"bad.yaml:4:1: a second YAML document starts here; keep the "
		"whole configuration in one document",
		NULL } },
	{ "token_file empty",
	    "api:\n"
	    "  token_file: \"\"\n"
	    "output:\n"
	    "  directory: [a]\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:15: api.token_file: is empty; give the path of "
		"the file holding the API key or remove the key",
		"bad.yaml:4:14: output.directory: must be the directory for "
		"the snapshots, not a list",
		NULL } },
	{ "directory with ~ and no HOME",
	    "output:\n"
	    "  directory: ~/clanpopd\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:14: output.directory: \"~/clanpopd\" needs $HOME, "
		"which is not set; write the full path",
		NULL } },
	{ "history out of range",
	    "output:\n"
	    "  history: -1\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:12: output.history: -1 is out of range (0..10000)",
		NULL } },
	{ "database outside the output directory",
	    "output:\n"
	    "  database: /var/lib/h.sqlite\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: output.database: \"/var/lib/h.sqlite\" is an "
		"absolute path; give a path inside output.directory, such as "
		"history.sqlite",
		NULL } },
	{ "database paths that are not plain",
	    "output:\n"
	    "  database: ../h.sqlite\n"
	    "  retention: -1d\n"
	    "  trend_window: 0\n"
	    "clans: [9V2Y]\n"
	    "---\n"
	    "output: {database: a//h.sqlite}\n", {
		"bad.yaml:2:13: output.database: \"../h.sqlite\" is not a "
		"plain path: use names joined by '/', without '.', '..' or "
		"empty parts, such as history.sqlite",
		"bad.yaml:3:14: output.retention: \"-1d\" is not a duration "
		"(use 500ms, 10s, 15m, 1h, 90d or a number of seconds)",
		"bad.yaml:4:17: output.trend_window: 0 is out of range "
		"(1s..36500d)",
		"bad.yaml:6:1: a second YAML document starts here; keep the "
		"whole configuration in one document",
		NULL } },
	{ "database starting with '.'",
	    "output:\n"
	    "  database: ./h.sqlite\n"
	    "clans: [9V2Y]\n"
	    "---\n", {
		"bad.yaml:2:13: output.database: \"./h.sqlite\" is not a "
		"plain path: use names joined by '/', without '.', '..' or "
		"empty parts, such as history.sqlite",
		"bad.yaml:4:1: a second YAML document starts here; keep the "
		"whole configuration in one document",
		NULL } },
	{ "database with a trailing '/'",
	    "output:\n"
	    "  database: db/\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: output.database: \"db/\" is not a plain path: "
		"use names joined by '/', without '.', '..' or empty parts, "
		"such as history.sqlite",
		NULL } },
	{ "database among clanpopd's own files",
	    "output:\n"
	    "  database: clans/h.sqlite\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: output.database: \"clans/h.sqlite\" is among "
		"the files clanpopd writes (clans); choose another name, such "
		"as history.sqlite",
		NULL } },
	{ "database named as index.json, empty, a list",
	    "output:\n"
	    "  database: index.json\n"
	    "  retention: 36501d\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:13: output.database: \"index.json\" is among the "
		"files clanpopd writes (index.json); choose another name, such "
		"as history.sqlite",
		"bad.yaml:3:14: output.retention: 36501d is out of range "
		"(0s..36500d)",
		NULL } },
	{ "database with no value or a list",
	    "output:\n"
	    "  database:\n"
	    "  trend_window: [1d]\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:12: output.database: no value; give a path inside "
		"output.directory, or \"\" for none or remove the key",
		"bad.yaml:3:17: output.trend_window: must be a duration (use "
		"500ms, 10s, 15m, 1h, 90d or a number of seconds), not a list",
		NULL } },
	{ "sections of the wrong type",
	    "api: 5\n"
	    "limits: [1]\n"
	    "schedule: true\n"
	    "output: \"x\"\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:1:6: api: must be a mapping of settings (indented "
		"\"key: value\" lines), not a string",
		"bad.yaml:2:9: limits: must be a mapping of settings "
		"(indented \"key: value\" lines), not a list",
		"bad.yaml:3:11: schedule: must be a mapping of settings "
		"(indented \"key: value\" lines), not a boolean",
		"bad.yaml:4:9: output: must be a mapping of settings "
		"(indented \"key: value\" lines), not a string",
		NULL } },
	{ "duplicate keys",
	    "api:\n"
	    "  timeout: 10s\n"
	    "  timeout: 20s\n"
	    "clans: [9V2Y]\n"
	    "clans: [2PYLQ]\n", {
		"bad.yaml:3:3: api.timeout: duplicate key (first at line 2); "
		"remove one",
		"bad.yaml:5:1: clans: duplicate key (first at line 4); remove "
		"one",
		NULL } },
	{ "a tab for indentation",
	    "api:\n"
	    "\ttimeout: 10s\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:2:1: invalid YAML: a tab character; YAML indents "
		"with spaces only",
		NULL } },
	{ "an unclosed quote",
	    "limits:\n"
	    "  max_concurrent: 0\n"
	    "clans:\n"
	    "  - \"9V2Y\n", {
		"bad.yaml:5:1: invalid YAML: found unexpected end of stream "
		"while scanning a quoted scalar at line 4; check the "
		"indentation and the quoting",
		NULL } },
	{ "a mapping in a plain value",
	    "clans:\n"
	    "  - a: b: c\n", {
		"bad.yaml:2:9: invalid YAML: mapping values are not allowed "
		"in this context; check the indentation and the quoting",
		NULL } },
	{ "two documents",
	    "clans: [9V2Y]\n"
	    "---\n"
	    "clans: [2PYLQ]\n", {
		"bad.yaml:2:1: a second YAML document starts here; keep the "
		"whole configuration in one document",
		NULL } },
	{ "an alias",
	    "limits:\n"
	    "  max_retries: &n 3\n"
	    "  max_concurrent: *n\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:3:19: limits.max_concurrent: aliases (*n) are not "
		"supported; write the value out in full",
		NULL } },
	{ "invalid UTF-8",
	    "clans:\n"
	    "  - \"9V2Y\xff\"\n", {
		"bad.yaml:2:10: invalid YAML: invalid leading UTF-8 octet "
		"(byte 0xFF); save the file as UTF-8 text without control "
		"characters",
		NULL } },
	{ "a key that is a list",
	    "? [a]\n"
	    ": 1\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:1:3: keys must be plain names, not a list",
		NULL } },
	{ "an unprintable key",
	    "\"a\\tb\": 1\n"
	    "clans: [9V2Y]\n", {
		"bad.yaml:1:1: a\\x09b: unknown key (did you mean \"api\"?)",
		NULL } },
	{ "many errors, in file order",
	    "api:\n"
	    "  timeout: 0\n"
	    "  base_url: gopher://x\n"
	    "limits:\n"
	    "  max_concurent: 3\n"
	    "  burst: 0\n"
	    "schedule:\n"
	    "  interval: 15 minutes\n"
	    "output:\n"
	    "  history: many\n"
	    "clans:\n"
	    "  - \"#9V2Y\"\n"
	    "  - #2PYLQ\n"
	    "  - \"#9V2Q!\"\n"
	    "  - 9v2y\n"
	    "  - tag: 8QRUL\n"
	    "    interval: 1s\n", {
		"bad.yaml:2:12: api.timeout: 0 is out of range (1s..1h)",
		"bad.yaml:3:13: api.base_url: \"gopher://x\" is not an "
		"http:// or https:// URL; use one such as "
		"https://api.clashroyale.com/v1",
		"bad.yaml:5:3: limits.max_concurent: unknown key (did you "
		"mean \"max_concurrent\"?)",
		"bad.yaml:6:10: limits.burst: 0 is out of range (1..10000)",
		"bad.yaml:8:13: schedule.interval: \"15 minutes\" is not a "
		"duration (use 500ms, 10s, 15m, 1h, 90d or a number of seconds)",
		"bad.yaml:10:12: output.history: \"many\" is not a number; "
		"use a whole number in 0..10000",
		"bad.yaml:13:5: clans[1]: empty item: an unquoted \"- "
		"#2PYLQ\" is a YAML comment, so this item is null; quote the "
		"tag (\"#2PYLQ\") or drop the '#' (2PYLQ)",
		"bad.yaml:14:5: clans[2]: \"#9V2Q!\" is not a clan tag "
		"(allowed characters: 0289PYLQGRJCUV)",
		"bad.yaml:15:5: clans[3]: \"#9V2Y\" is listed twice (first at "
		"line 12); remove one",
		"bad.yaml:17:15: clans[4].interval: 1s is out of range "
		"(10s..7d)",
		NULL } },
};

static const struct conf_env noenv;

static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(text, 1, len, fp) != len || fclose(fp) != 0 ||
	    chmod(path, mode) == -1) {
		perror(path);
		exit(99);
	}
}

static void
write_str(const char *path, const char *text)
{
	write_file(path, text, strlen(text), 0644);
}

/* Load path and check it fails with exactly the messages in want. */
static void
check_errors(const char *name, const char *path,
    const struct conf_env *env, const char *const *want)
{
	struct conf_errs errs;
	struct conf *cf;
	size_t i, n;

	for (n = 0; want[n] != NULL; n++)
		;
	memset(&errs, 0, sizeof(errs));
	cf = conf_load(path, env, &errs);
	tap_ok(cf == NULL, "%s: refused", name);
	tap_int(errs.n, n, "%s: %zu message(s)", name, n);
	tap_int(errs.nwarn, 0, "%s: no warnings", name);
	for (i = 0; i < n || i < errs.n; i++)
		tap_str(i < errs.n ? errs.msg[i] : NULL,
		    i < n ? want[i] : NULL, "%s: message %zu", name, i + 1);
	conf_free(cf);
	conf_errs_free(&errs);
	tap_ok(errs.msg == NULL && errs.n == 0, "%s: errs freed", name);
}

/* Load path and check it succeeds without messages. */
static struct conf *
load_ok(const char *name, const char *path, const struct conf_env *env)
{
	struct conf_errs errs;
	struct conf *cf;
	size_t i;

	memset(&errs, 0, sizeof(errs));
	cf = conf_load(path, env, &errs);
	tap_ok(cf != NULL, "%s: loads", name);
	tap_int(errs.n, 0, "%s: no messages", name);
	for (i = 0; i < errs.n; i++)
		printf("#   %s\n", errs.msg[i]);
	tap_int(errs.nwarn, 0, "%s: no warnings", name);
	for (i = 0; i < errs.nwarn; i++)
		printf("#   %s: %s\n", errs.warn[i].where, errs.warn[i].text);
	conf_errs_free(&errs);
	return cf;
}

static void
test_durations(void)
{
	double secs;
	size_t i;
	int rv;

	for (i = 0; i < sizeof(dur) / sizeof(dur[0]); i++) {
		secs = -42;
		rv = confval_parse_duration(dur[i].in, &secs);
		tap_int(rv, dur[i].rv, "duration \"%s\" returns %d",
		    dur[i].in ? dur[i].in : "(null)", dur[i].rv);
		if (dur[i].rv == 0)
			tap_ok(secs == dur[i].secs, "duration \"%s\" is %g s",
			    dur[i].in, dur[i].secs);
		else
			tap_ok(secs == -42, "duration \"%s\" leaves secs",
			    dur[i].in ? dur[i].in : "(null)");
	}
}

/* The installed example: every default, three clans, no errors. */
static void
test_example(const char *top)
{
	struct conf_env env = { "/run/credentials/clanpopd.service",
	    "/var/lib/clanpopd:/var/cache/clanpopd", "/root" };
	struct conf *cf;
	char path[4096];

	snprintf(path, sizeof(path), "%s/etc/clanpopd.yaml", top);
	if ((cf = load_ok("example", path, &noenv)) == NULL)
		return;
	tap_str(cf->path, path, "example: path");
	tap_str(cf->base_url, "https://api.clashroyale.com/v1",
	    "example: base_url");
	tap_str(cf->token_file, SYSCONFDIR "/clanpopd/token",
	    "example: token_file");
	tap_ok(cf->timeout == 10, "example: timeout");
	tap_ok(cf->connect_timeout == 5, "example: connect_timeout");
	tap_str(cf->user_agent, "clanpopd/" PACKAGE_VERSION,
	    "example: user_agent");
	tap_int(cf->max_concurrent, 8, "example: max_concurrent");
	tap_ok(cf->requests_per_second == 10, "example: requests_per_second");
	tap_ok(cf->burst == 1, "example: burst");
	tap_int(cf->max_retries, 4, "example: max_retries");
	tap_ok(cf->interval == 900, "example: interval");
	tap_ok(cf->jitter == 0.10, "example: jitter");
	tap_int(cf->jitter_pct, 1, "example: jitter_pct");
	tap_ok(cf->stop_grace == 10, "example: stop_grace");
	tap_int(cf->reuse_unseen, 1, "example: reuse_unseen");
	tap_ok(cf->profile_max_age == 86400, "example: profile_max_age");
	tap_ok(cf->seen_margin == 3600, "example: seen_margin");
	tap_str(cf->out_dir, "/var/lib/clanpopd", "example: directory");
	tap_int(cf->history, 0, "example: history");
	tap_str(cf->database, "history.sqlite", "example: database");
	tap_ok(cf->retention == 90 * 86400, "example: retention");
	tap_ok(cf->trend_window == 30 * 86400, "example: trend_window");
	tap_int(cf->nclans, 3, "example: 3 clans");
	if (cf->nclans == 3) {
		tap_str(cf->clans[0].tag, "#9V2Y", "example: clan 0 tag");
		tap_str(cf->clans[0].name, NULL, "example: clan 0 name");
		tap_ok(cf->clans[0].interval == 900,
		    "example: clan 0 interval");
		tap_str(cf->clans[1].tag, "#2PYLQ", "example: clan 1 tag");
		tap_str(cf->clans[1].name, NULL, "example: clan 1 name");
		tap_ok(cf->clans[1].interval == 900,
		    "example: clan 1 interval");
		tap_str(cf->clans[2].tag, "#8QRUL", "example: clan 2 tag");
		tap_str(cf->clans[2].name, "Friends", "example: clan 2 name");
		tap_ok(cf->clans[2].interval == 300,
		    "example: clan 2 interval");
	}
	conf_free(cf);

	/* Under systemd the credential and state directory apply. */
	if ((cf = load_ok("example under systemd", path, &env)) == NULL)
		return;
	tap_str(cf->token_file, "/run/credentials/clanpopd.service/token",
	    "example under systemd: token_file");
	tap_str(cf->out_dir, "/var/lib/clanpopd",
	    "example under systemd: directory");
	conf_free(cf);
}

static const char good_yaml[] =
    "# every key, none at its default\n"
    "api:\n"
    "  base_url: \"http://127.0.0.1:8080/v1//\"\n"
    "  token_file: secret/token\n"
    "  timeout: 1.5m\n"
    "  connect_timeout: 2500ms\n"
    "  user_agent: \"clanpopd-test/1 (+https://example.org)\"\n"
    "limits:\n"
    "  max_concurrent: 16\n"
    "  requests_per_second: 2.5\n"
    "  burst: 5\n"
    "  max_retries: 0\n"
    "schedule:\n"
    "  interval: 1h\n"
    "  jitter: 2m\n"
    "  stop_grace: 0\n"
    "  reuse_unseen: false\n"
    "  profile_max_age: 2h\n"
    "  seen_margin: 0\n"
    "output:\n"
    "  directory: out\n"
    "  history: 24\n"
    "  database: db/clanpopd/h.sqlite\n"
    "  retention: 30s\n"
    "  trend_window: 7d\n"
    "clans:\n"
    "  - \"#9V2Y\"\n"
    "  - 2pylq\n"
    "  - tag: \"#8qruo\"\n"
    "    name: \"Friends \\\"F\\\" \xc3\xbc\"\n"
    "    interval: 300\n"
    "  - {tag: YV9GU2VG, interval: 10m, name: Ten}\n";

static void
check_good(const char *name, const struct conf *cf, const char *dir)
{
	char want[4096];

	tap_str(cf->base_url, "http://127.0.0.1:8080/v1", "%s: base_url",
	    name);
	snprintf(want, sizeof(want), "%s%ssecret/token", dir,
	    dir[0] ? "/" : "");
	tap_str(cf->token_file, want, "%s: token_file", name);
	tap_ok(cf->timeout == 90, "%s: timeout", name);
	tap_ok(cf->connect_timeout == 2.5, "%s: connect_timeout", name);
	tap_str(cf->user_agent, "clanpopd-test/1 (+https://example.org)",
	    "%s: user_agent", name);
	tap_int(cf->max_concurrent, 16, "%s: max_concurrent", name);
	tap_ok(cf->requests_per_second == 2.5, "%s: requests_per_second",
	    name);
	tap_ok(cf->burst == 5, "%s: burst", name);
	tap_int(cf->max_retries, 0, "%s: max_retries", name);
	tap_ok(cf->interval == 3600, "%s: interval", name);
	tap_ok(cf->jitter == 120, "%s: jitter", name);
	tap_int(cf->jitter_pct, 0, "%s: jitter_pct", name);
	tap_ok(conf_jitter(cf, 3600) == 120, "%s: conf_jitter", name);
	tap_ok(cf->stop_grace == 0, "%s: stop_grace", name);
	tap_int(cf->reuse_unseen, 0, "%s: reuse_unseen", name);
	tap_ok(cf->profile_max_age == 7200, "%s: profile_max_age", name);
	tap_ok(cf->seen_margin == 0, "%s: seen_margin", name);
	snprintf(want, sizeof(want), "%s%sout", dir, dir[0] ? "/" : "");
	tap_str(cf->out_dir, want, "%s: directory", name);
	tap_int(cf->history, 24, "%s: history", name);
	tap_str(cf->database, "db/clanpopd/h.sqlite", "%s: database", name);
	tap_ok(cf->retention == 30, "%s: retention", name);
	tap_ok(cf->trend_window == 7 * 86400, "%s: trend_window", name);
	tap_int(cf->nclans, 4, "%s: 4 clans", name);
	if (cf->nclans != 4)
		return;
	tap_str(cf->clans[0].tag, "#9V2Y", "%s: clan 0 tag", name);
	tap_str(cf->clans[0].name, NULL, "%s: clan 0 name", name);
	tap_ok(cf->clans[0].interval == 3600, "%s: clan 0 interval", name);
	tap_str(cf->clans[1].tag, "#2PYLQ", "%s: clan 1 tag", name);
	tap_ok(cf->clans[1].interval == 3600, "%s: clan 1 interval", name);
	tap_str(cf->clans[2].tag, "#8QRU0", "%s: clan 2 tag", name);
	tap_str(cf->clans[2].name, "Friends \"F\" \xc3\xbc",
	    "%s: clan 2 name", name);
	tap_ok(cf->clans[2].interval == 300, "%s: clan 2 interval", name);
	tap_str(cf->clans[3].tag, "#YV9GU2VG", "%s: clan 3 tag", name);
	tap_str(cf->clans[3].name, "Ten", "%s: clan 3 name", name);
	tap_ok(cf->clans[3].interval == 600, "%s: clan 3 interval", name);
}

/* Relative paths are taken from the directory of the configuration. */
static void
test_good(const char *tmp)
{
	char path[4096];
	struct conf *cf;

	write_str("good.yaml", good_yaml);
	if ((cf = load_ok("good", "good.yaml", &noenv)) != NULL) {
		tap_str(cf->path, "good.yaml", "good: path");
		check_good("good", cf, "");
	}
	conf_free(cf);

	if (mkdir("sub", 0755) == -1 && errno != EEXIST) {
		perror("sub");
		exit(99);
	}
	write_str("sub/good.yaml", good_yaml);
	if ((cf = load_ok("./sub/good", "./sub/good.yaml", &noenv)) != NULL)
		check_good("./sub/good", cf, "./sub");
	conf_free(cf);

	snprintf(path, sizeof(path), "%s/sub/good.yaml", tmp);
	if ((cf = load_ok("absolute", path, &noenv)) != NULL) {
		snprintf(path, sizeof(path), "%s/sub", tmp);
		check_good("absolute", cf, path);
	}
	conf_free(cf);
	unlink("sub/good.yaml");
	rmdir("sub");
	unlink("good.yaml");
}

static void
test_defaults(void)
{
	struct conf_env sysd = { "/run/credentials/clanpopd.service",
	    "/var/lib/clanpopd:/var/lib/other", "/home/u" };
	struct conf_env home = { "", "", "/home/u/" };
	struct conf *cf;

	/* Empty sections, no environment: the built-in defaults. */
	write_str("d.yaml", "api:\nlimits: {}\nschedule:\noutput:\n"
	    "clans: [9V2Y]\n");
	if ((cf = load_ok("defaults", "d.yaml", &noenv)) != NULL) {
		tap_str(cf->base_url, "https://api.clashroyale.com/v1",
		    "defaults: base_url");
		tap_str(cf->token_file, SYSCONFDIR "/clanpopd/token",
		    "defaults: token_file");
		tap_ok(cf->timeout == 10, "defaults: timeout");
		tap_ok(cf->connect_timeout == 5, "defaults: connect_timeout");
		tap_str(cf->user_agent, "clanpopd/" PACKAGE_VERSION,
		    "defaults: user_agent");
		tap_int(cf->max_concurrent, 8, "defaults: max_concurrent");
		tap_ok(cf->requests_per_second == 10,
		    "defaults: requests_per_second");
		tap_ok(cf->burst == 1, "defaults: burst");
		tap_int(cf->max_retries, 4, "defaults: max_retries");
		tap_ok(cf->interval == 900, "defaults: interval");
		tap_ok(cf->jitter == 0.10, "defaults: jitter");
		tap_int(cf->jitter_pct, 1, "defaults: jitter_pct");
		tap_ok(conf_jitter(cf, 600) == 60, "defaults: conf_jitter");
		tap_ok(cf->stop_grace == 10, "defaults: stop_grace");
		tap_int(cf->reuse_unseen, 1, "defaults: reuse_unseen");
		tap_ok(cf->profile_max_age == 86400,
		    "defaults: profile_max_age");
		tap_ok(cf->seen_margin == 3600, "defaults: seen_margin");
		tap_str(cf->out_dir, "/var/lib/clanpopd", "defaults: directory");
		tap_int(cf->history, 0, "defaults: history");
		tap_str(cf->database, "history.sqlite", "defaults: database");
		tap_ok(cf->retention == 90 * 86400, "defaults: retention");
		tap_ok(cf->trend_window == 30 * 86400,
		    "defaults: trend_window");
		tap_int(cf->nclans, 1, "defaults: 1 clan");
		tap_str(cf->clans[0].tag, "#9V2Y", "defaults: clan tag");
		tap_str(cf->clans[0].name, NULL, "defaults: clan name");
		tap_ok(cf->clans[0].interval == 900, "defaults: clan interval");
	}
	conf_free(cf);

	/* Without profile_max_age, an interval longer than 24h sets it. */
	write_str("long.yaml", "schedule:\n  interval: 2d\nclans:\n"
	    "  - 9V2Y\n  - {tag: 2PYLQ, interval: 3d}\n");
	if ((cf = load_ok("long intervals", "long.yaml", &noenv)) != NULL)
		tap_ok(cf->profile_max_age == 3 * 86400, "long intervals: "
		    "profile_max_age is the longest interval, 3d");
	conf_free(cf);

	/* A NULL env is the same as an empty one. */
	if ((cf = load_ok("NULL env", "d.yaml", NULL)) != NULL)
		tap_str(cf->token_file, SYSCONFDIR "/clanpopd/token",
		    "NULL env: token_file");
	conf_free(cf);

	/* systemd's directories; the first of several state directories. */
	if ((cf = load_ok("systemd", "d.yaml", &sysd)) != NULL) {
		tap_str(cf->token_file,
		    "/run/credentials/clanpopd.service/token",
		    "systemd: token_file");
		tap_str(cf->out_dir, "/var/lib/clanpopd", "systemd: directory");
	}
	conf_free(cf);

	/* Empty variables count as unset. */
	if ((cf = load_ok("empty env", "d.yaml", &home)) != NULL) {
		tap_str(cf->token_file, SYSCONFDIR "/clanpopd/token",
		    "empty env: token_file");
		tap_str(cf->out_dir, "/var/lib/clanpopd",
		    "empty env: directory");
	}
	conf_free(cf);

	/* Keys given win over the environment; "~/" is $HOME. */
	write_str("d.yaml", "api:\n  token_file: ~/.clanpopd/token\n"
	    "output:\n  directory: ~/snaps\nclans: [9V2Y]\n");
	if ((cf = load_ok("tilde", "d.yaml", &sysd)) != NULL) {
		tap_str(cf->token_file, "/home/u/.clanpopd/token",
		    "tilde: token_file");
		tap_str(cf->out_dir, "/home/u/snaps", "tilde: directory");
	}
	conf_free(cf);
	if ((cf = load_ok("tilde, HOME with '/'", "d.yaml", &home)) != NULL) {
		tap_str(cf->token_file, "/home/u/.clanpopd/token",
		    "tilde, HOME with '/': token_file");
		tap_str(cf->out_dir, "/home/u/snaps",
		    "tilde, HOME with '/': directory");
	}
	conf_free(cf);

	write_str("d.yaml", "api:\n  token_file: /etc/k\noutput:\n"
	    "  directory: /srv/c/\nclans: [9V2Y]\n");
	if ((cf = load_ok("absolute paths", "d.yaml", &sysd)) != NULL) {
		tap_str(cf->token_file, "/etc/k", "absolute paths: token_file");
		tap_str(cf->out_dir, "/srv/c/", "absolute paths: directory");
	}
	conf_free(cf);

	/* "" turns the history database off; 0 keeps every row. */
	write_str("d.yaml", "output:\n  database: \"\"\n  retention: 0\n"
	    "clans: [9V2Y]\n");
	if ((cf = load_ok("no database", "d.yaml", &noenv)) != NULL) {
		tap_str(cf->database, "", "no database: database");
		tap_ok(cf->retention == 0, "no database: retention");
	}
	conf_free(cf);

	/* connect_timeout follows a short timeout; burst stays 1. */
	write_str("d.yaml", "api:\n  timeout: 2s\nlimits:\n"
	    "  requests_per_second: 25\nclans: [9V2Y]\n");
	if ((cf = load_ok("short timeout", "d.yaml", &noenv)) != NULL) {
		tap_ok(cf->connect_timeout == 2,
		    "short timeout: connect_timeout is the timeout");
		tap_ok(cf->burst == 1,
		    "short timeout: burst is 1 whatever the rate");
	}
	conf_free(cf);
	write_str("d.yaml", "limits:\n  requests_per_second: 0\n"
	    "schedule:\n  jitter: 50%\nclans: [9V2Y]\n");
	if ((cf = load_ok("no rate limit", "d.yaml", &noenv)) != NULL) {
		tap_ok(cf->requests_per_second == 0,
		    "no rate limit: requests_per_second");
		tap_ok(cf->burst == 1, "no rate limit: burst is 1");
		tap_ok(cf->jitter == 0.5, "no rate limit: jitter 50%%");
		tap_ok(conf_jitter(cf, 60) == 30,
		    "no rate limit: conf_jitter");
	}
	conf_free(cf);
	write_str("d.yaml", "limits:\n  requests_per_second: 0.5\n"
	    "schedule:\n  interval: 20s\n  jitter: 9.5s\nclans: [9V2Y]\n");
	if ((cf = load_ok("slow rate", "d.yaml", &noenv)) != NULL) {
		tap_ok(cf->burst == 1, "slow rate: burst is 1");
		tap_ok(cf->jitter == 9.5, "slow rate: jitter 9.5s");
		tap_ok(conf_jitter(cf, 20) == 9.5, "slow rate: conf_jitter");
	}
	conf_free(cf);
	unlink("d.yaml");
}

static void
test_bad(void)
{
	static const char *const missing[] = {
		"nope.yaml: cannot read: No such file or directory", NULL
	};
	static const char *const isdir[] = {
		".: cannot read: Is a directory", NULL
	};
	static const char *const huge[] = {
		"big.yaml: the file is larger than 1 MiB; give the path of the "
		"YAML configuration", NULL
	};
	static const char *const nohome[] = {
		"bad.yaml:2:15: api.token_file: \"~/token\" needs $HOME, which "
		"is not set; write the full path", NULL
	};
	char *big;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_str("bad.yaml", bad[i].yaml);
		check_errors(bad[i].name, "bad.yaml", &noenv, bad[i].msg);
	}
	check_errors("missing file", "nope.yaml", &noenv, missing);
	check_errors("a directory", ".", &noenv, isdir);
	if ((big = malloc(1024 * 1024 + 1)) == NULL)
		return;
	memset(big, '#', 1024 * 1024 + 1);
	write_file("big.yaml", big, 1024 * 1024 + 1, 0644);
	free(big);
	check_errors("over 1 MiB", "big.yaml", &noenv, huge);
	unlink("big.yaml");
	write_str("bad.yaml", "api:\n  token_file: ~/token\nclans: [9V2Y]\n");
	check_errors("~ without HOME", "bad.yaml", &noenv, nohome);
	unlink("bad.yaml");
}

/*
 * Duplicates among many clans and many keys: each reported once, naming
 * the first occurrence, in file order.
 */
static void
test_many(void)
{
	struct conf_errs errs;
	struct conf *cf;
	FILE *fp;
	char tag[16];
	size_t i, k, x;

	/*
	 * 3000 distinct tags ("2" and 5 characters counted in base 14), then
	 * two repeats (one in lower case) and one new tag.
	 */
	if ((fp = fopen("many.yaml", "w")) == NULL) {
		perror("many.yaml");
		exit(99);
	}
	fprintf(fp, "clans:\n");
	for (i = 0; i < 3000; i++) {
		for (k = 0, x = i; k < 5; k++, x /= 14)
			tag[4 - k] = "0289PYLQGRJCUV"[x % 14];
		tag[5] = '\0';
		fprintf(fp, "  - \"#2%s\"\n", tag);
	}
	fprintf(fp, "  - 200000\n  - tag: 200qrj\n    name: again\n"
	    "  - 2022PP\n");
	if (fclose(fp) != 0) {
		perror("many.yaml");
		exit(99);
	}
	memset(&errs, 0, sizeof(errs));
	cf = conf_load("many.yaml", &noenv, &errs);
	tap_ok(cf == NULL, "3000 clans and 2 repeats: refused");
	tap_int(errs.n, 2, "3000 clans and 2 repeats: 2 messages");
	if (errs.n == 2) {
		tap_str(errs.msg[0], "many.yaml:3002:5: clans[3000]: "
		    "\"#200000\" is listed twice (first at line 2); remove one",
		    "3000 clans and 2 repeats: message 1");
		tap_str(errs.msg[1], "many.yaml:3003:10: clans[3001].tag: "
		    "\"#200QRJ\" is listed twice (first at line 1510); remove "
		    "one", "3000 clans and 2 repeats: message 2");
	}
	conf_free(cf);
	conf_errs_free(&errs);

	/* One mapping of 3000 keys, then two repeats. */
	if ((fp = fopen("many.yaml", "w")) == NULL) {
		perror("many.yaml");
		exit(99);
	}
	fprintf(fp, "clans: [9V2Y]\noutput:\n");
	for (i = 0; i < 3000; i++)
		fprintf(fp, "  k%zu: 1\n", i);
	fprintf(fp, "  k1499: 2\n  k0: 2\n");
	if (fclose(fp) != 0) {
		perror("many.yaml");
		exit(99);
	}
	memset(&errs, 0, sizeof(errs));
	cf = conf_load("many.yaml", &noenv, &errs);
	tap_ok(cf == NULL, "3000 keys and 2 repeats: refused");
	tap_int(errs.n, 3002, "3000 keys and 2 repeats: 3002 messages");
	if (errs.n == 3002) {
		tap_str(errs.msg[0], "many.yaml:3:3: output.k0: unknown key "
		    "(valid keys: directory, history, database, retention, "
		    "trend_window)",
		    "3000 keys and 2 repeats: the first unknown key");
		tap_str(errs.msg[3000], "many.yaml:3003:3: output.k1499: "
		    "duplicate key (first at line 1502); remove one",
		    "3000 keys and 2 repeats: message 3001");
		tap_str(errs.msg[3001], "many.yaml:3004:3: output.k0: "
		    "duplicate key (first at line 3); remove one",
		    "3000 keys and 2 repeats: message 3002");
	}
	conf_free(cf);
	conf_errs_free(&errs);
	unlink("many.yaml");
}

/* A URL with a user name or password: refused, the password never shown. */
static void
test_userinfo(void)
{
	static const char *const urls[] = {
		"http://user:Pa55w0rd@proxy.example/v1",
		"https://user:Pa55w0rd@proxy.example:8443",
		"https://Pa55w0rd@proxy.example/v1",
		"https://user:Pa55w0rd@/v1",
		"http://user:Pa55w0rd@proxy.example/a b",
		"https://user:Pa55w0rd@proxy.example/v1?x#y",
		"ftp://user:Pa55w0rd@proxy.example/v1",
		"user:Pa55w0rd@proxy.example/v1",
		NULL
	};
	static const char want[] = "bad.yaml:2:13: api.base_url: a user name "
	    "or password in the URL (user:password@host) is not allowed, as it "
	    "would be logged; remove it and use a proxy's own authentication "
	    "or the API token (api.token_file)";
	struct conf_errs errs;
	struct conf *cf;
	char yaml[512];
	size_t i, j;
	int shown;

	for (i = 0; urls[i] != NULL; i++) {
		snprintf(yaml, sizeof(yaml), "api:\n  base_url: \"%s\"\n"
		    "clans: [9V2Y]\n", urls[i]);
		write_str("bad.yaml", yaml);
		memset(&errs, 0, sizeof(errs));
		cf = conf_load("bad.yaml", &noenv, &errs);
		tap_ok(cf == NULL, "userinfo %s: refused", urls[i]);
		tap_int(errs.n, 1, "userinfo %s: one message", urls[i]);
		tap_str(errs.n > 0 ? errs.msg[0] : NULL, want,
		    "userinfo %s: message", urls[i]);
		for (j = 0, shown = 0; j < errs.n; j++)
			if (strstr(errs.msg[j], "Pa55w0rd") != NULL)
				shown = 1;
		tap_int(shown, 0, "userinfo %s: the password is not shown",
		    urls[i]);
		conf_free(cf);
		conf_errs_free(&errs);
	}

	/* An '@' after the host is part of the path. */
	write_str("d.yaml", "api:\n  base_url: https://proxy.example/v1/@me\n"
	    "clans: [9V2Y]\n");
	if ((cf = load_ok("'@' in the path", "d.yaml", &noenv)) != NULL)
		tap_str(cf->base_url, "https://proxy.example/v1/@me",
		    "'@' in the path: base_url");
	conf_free(cf);
	unlink("d.yaml");
	unlink("bad.yaml");
}

/* Plain http:// to another host is accepted with one warning. */
static void
test_plain_http(void)
{
	static const struct {
		const char	*url;
		const char	*shown;	/* the host in the warning, or NULL */
	} urls[] = {
		{ "http://proxy.example/v1", "proxy.example" },
		{ "http://proxy.example:8080/v1/", "proxy.example:8080" },
		{ "http://192.0.2.7", "192.0.2.7" },
		{ "http://128.0.0.1/v1", "128.0.0.1" },
		{ "http://127.0.0.1.example.com/v1", "127.0.0.1.example.com" },
		{ "http://127.1/v1", "127.1" },
		{ "http://localhost.example/v1", "localhost.example" },
		{ "http://[::2]:8080/v1", "[::2]:8080" },
		{ "http://[::1/v1", "[::1" },
		{ "https://proxy.example/v1", NULL },
		{ "https://192.0.2.7:8443", NULL },
		{ "http://127.0.0.1:8080/v1", NULL },
		{ "http://127.255.3.4/v1", NULL },
		{ "http://localhost/v1", NULL },
		{ "http://LocalHost:8080", NULL },
		{ "http://[::1]:8080/v1", NULL },
		{ "http://[::1]", NULL },
		{ "http://[0:0:0:0:0:0:0:1]/v1", NULL },
	};
	struct conf_errs errs;
	struct conf *cf;
	char yaml[512], want[512];
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		snprintf(yaml, sizeof(yaml), "api:\n  base_url: \"%s\"\n"
		    "clans: [9V2Y]\n", urls[i].url);
		write_str("w.yaml", yaml);
		memset(&errs, 0, sizeof(errs));
		cf = conf_load("w.yaml", &noenv, &errs);
		tap_ok(cf != NULL && errs.n == 0, "%s: loads", urls[i].url);
		tap_int(errs.nwarn, urls[i].shown ? 1 : 0,
		    "%s: %s warning", urls[i].url, urls[i].shown ? "one" :
		    "no");
		if (urls[i].shown != NULL && errs.nwarn > 0) {
			tap_str(errs.warn[0].where, "w.yaml:2:13: api.base_url",
			    "%s: where", urls[i].url);
			snprintf(want, sizeof(want), "plain http:// sends the "
			    "API key in clear text to \"%s\"; use https://, or "
			    "a proxy on this machine (127.0.0.1, ::1 or "
			    "localhost)", urls[i].shown);
			tap_str(errs.warn[0].text, want, "%s: warning",
			    urls[i].url);
		}
		conf_free(cf);
		conf_errs_free(&errs);
		tap_ok(errs.warn == NULL && errs.nwarn == 0,
		    "%s: warnings freed", urls[i].url);
	}

	/* A refused file gets its errors only. */
	write_str("w.yaml", "api:\n  base_url: http://proxy.example\n"
	    "  timeout: 0\nclans: [9V2Y]\n");
	memset(&errs, 0, sizeof(errs));
	cf = conf_load("w.yaml", &noenv, &errs);
	tap_ok(cf == NULL, "http:// and an error: refused");
	tap_int(errs.n, 1, "http:// and an error: one error");
	tap_int(errs.nwarn, 0, "http:// and an error: no warning");
	conf_free(cf);
	conf_errs_free(&errs);
	unlink("w.yaml");
}

/*
 * Read the mode-0 file "tok" as a user who may not: root reads anything,
 * so under root the read runs in a child that has dropped to nobody
 * (65534).  The child sends back token_read's result and message,
 * and whether it could read "tok2" (mode 0644) in the same directory:
 * then the refusal is the file's mode, not the way to it.
 */
static void
unreadable_token(void)
{
	struct {
		int	rv;
		int	uid;
		int	readable_rv;
		char	err[512];
	} got;
	struct token_keys tk;
	char err2[512];
	pid_t pid;
	int fd[2], loose, status;
	ssize_t n;

	if (pipe(fd) == -1 || (pid = fork()) == -1) {
		perror("unreadable token");
		exit(99);
	}
	if (pid == 0) {
		close(fd[0]);
		memset(&got, 0, sizeof(got));
		/* The directory must let nobody reach the file. */
		if (geteuid() == 0 && (chmod(".", 0711) == -1 ||
		    setgroups(0, NULL) == -1 || setgid(65534) == -1 ||
		    setuid(65534) == -1))
			_exit(2);
		got.uid = (int)geteuid();
		got.rv = token_read("tok", &tk, &loose, got.err,
		    sizeof(got.err));
		got.readable_rv = token_read("tok2", &tk, &loose,
		    err2, sizeof(err2));
		if (write(fd[1], &got, sizeof(got)) != (ssize_t)sizeof(got))
			_exit(3);
		_exit(0);
	}
	close(fd[1]);
	n = read(fd[0], &got, sizeof(got));
	unlink("tok2");
	close(fd[0]);
	if (waitpid(pid, &status, 0) == -1)
		status = -1;
	chmod(".", 0700);
	tap_int(status, 0, "unreadable token: the reader exits 0");
	if (n != (ssize_t)sizeof(got))
		return;
	tap_ok(got.uid != 0, "unreadable token: read by uid %d, not root",
	    got.uid);
	tap_int(got.readable_rv, 0, "unreadable token: that user reads a "
	    "mode 0644 token in the same directory");
	tap_int(got.rv, -1, "unreadable token: fails");
	tap_str(got.err, "tok: cannot read the API token: Permission "
	    "denied (make it readable by the clanpopd user)",
	    "unreadable token: message");
}

/* The keys of tk joined as "line:key line:key ...", for one comparison. */
static const char *
keys_text(const struct token_keys *tk)
{
	static char	buf[512];
	size_t		i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < tk->n && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u:%s",
		    i ? " " : "", tk->line[i], tk->key[i]);
	return buf;
}

static void
test_token(void)
{
	struct token_keys tk;
	char err[512], *big;
	size_t i;
	int loose, rv;

	write_file("tok", " \t SECRETabc.DEF-123_x \r\n\n", 25, 0600);
	strcpy(err, "unset");
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, 0, "token: read");
	tap_str(keys_text(&tk), "1:SECRETabc.DEF-123_x", "token: trimmed");
	tap_int(loose, 0, "token: 0600 is not loose");
	tap_str(err, "unset", "token: err untouched");
	token_keys_free(&tk);
	tap_int(tk.n, 0, "token: freed keys are empty");

	/* A group may read a file root owns (root:clanpopd 0640), no more. */
	chmod("tok", 0640);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, 0, "token 0640: read");
	tap_int(loose, geteuid() == 0 ? 0 : 1, "token 0640 owned by uid %d: "
	    "%s", (int)geteuid(), geteuid() == 0 ? "not loose" : "loose");
	token_keys_free(&tk);
	chmod("tok", 0620);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(loose, 1, "token 0620: loose");
	token_keys_free(&tk);
	chmod("tok", 0602);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(loose, 1, "token 0602: loose");
	token_keys_free(&tk);

	write_file("tok", "# portal keys\nKEYone\n\n  # old: none\n"
	    "\tKEYtwo  \r\nKEYthree", 55, 0600);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, 0, "three keys: read");
	tap_str(keys_text(&tk), "2:KEYone 5:KEYtwo 6:KEYthree",
	    "three keys: each with its line, comments and blanks left out");
	token_keys_free(&tk);

	write_file("tok", "KEYone\nKEYtwo\n\nKEYone\n", 22, 0600);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, -1, "duplicate key: fails");
	tap_int(tk.n, 0, "duplicate key: no keys");
	tap_str(err, "tok: lines 1 and 4 hold the same key; remove one of them "
	    "(each key counts once)", "duplicate key: both lines named");

	write_file("tok", "# only a comment\n\n", 18, 0600);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, -1, "comments only: fails");
	tap_str(err, "tok: the token file holds no key, only comments (paste "
	    "the key from the developer portal into it, one key per line)",
	    "comments only: message");

	write_file("tok", " \n\t\n", 4, 0600);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, -1, "empty token: fails");
	tap_int(tk.n, 0, "empty token: no token");
	tap_str(err, "tok: the token file is empty (paste the key from the "
	    "developer portal into it)", "empty token: message");

	write_file("tok", "KEYok\nSECRETabc SECRETdef\n", 26, 0600);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, -1, "two words: fails");
	tap_str(err, "tok: line 2 holds white space, a control character or "
	    "a non-ASCII byte inside a key (write each key alone on its own "
	    "line)", "two words: message");
	tap_ok(strstr(err, "SECRET") == NULL, "two words: no secret in err");

	write_file("tok", "SECRET\0abc", 10, 0600);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, -1, "NUL byte: fails");
	tap_ok(strstr(err, "SECRET") == NULL, "NUL byte: no secret in err");

	if ((big = malloc(TOKEN_FILE_MAX + 1)) == NULL)
		exit(99);
	memset(big, 'A', TOKEN_FILE_MAX + 1);
	memcpy(big, "SECRET", 6);
	write_file("tok", big, TOKEN_FILE_MAX + 1, 0600);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, -1, "64 KiB + 1 bytes: fails");
	tap_str(err, "tok: the token file is larger than 64 KiB (it must "
	    "hold only API keys, one per line)", "64 KiB + 1 bytes: message");
	write_file("tok", big, TOKEN_FILE_MAX, 0600);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, 0, "64 KiB: read");
	tap_int(tk.n == 1 ? strlen(tk.key[0]) : 0, TOKEN_FILE_MAX,
	    "64 KiB: one key, whole");
	token_keys_free(&tk);
	/* 101 keys of 6 bytes and a newline each. */
	for (i = 0; i < TOKEN_KEYS_MAX + 1; i++)
		snprintf(big + 7 * i, 8, "K%05zu\n", i);
	write_file("tok", big, 7 * (TOKEN_KEYS_MAX + 1), 0600);
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, -1, "101 keys: fails");
	tap_str(err, "tok: line 101: more than 100 keys (clanpopd uses at "
	    "most 100; remove the others)", "101 keys: message");
	free(big);

	unlink("tok");
	rv = token_read("tok", &tk, &loose, err, sizeof(err));
	tap_int(rv, -1, "missing token: fails");
	tap_str(err, "tok: cannot read the API token: No such file or "
	    "directory (create it holding the key from the developer portal, "
	    "readable by the user clanpopd runs as: for the systemd unit, "
	    "install -m 640 -g clanpopd /dev/null tok, then write the key "
	    "into it; or point api.token_file at it)", "missing token: message");

	rv = token_read(".", &tk, &loose, err, sizeof(err));
	tap_int(rv, -1, "directory token: fails");
	tap_str(err, ".: the token file is not a regular file (point "
	    "api.token_file at the file holding the key)",
	    "directory token: message");

	/*
	 * A FIFO without a writer blocked the open for ever; the alarm makes
	 * that a failure (SIGALRM ends the test) instead of a hung test run.
	 */
	if (mkfifo("fifo", 0600) == -1) {
		perror("fifo");
		exit(99);
	}
	fflush(stdout);
	alarm(10);
	rv = token_read("fifo", &tk, &loose, err, sizeof(err));
	alarm(0);
	tap_int(rv, -1, "FIFO token: fails");
	tap_str(err, "fifo: the token file is not a regular file (point "
	    "api.token_file at the file holding the key)",
	    "FIFO token: message");
	unlink("fifo");

	write_file("tok", "SECRETabc\n", 10, 0);
	write_file("tok2", "SECRETabc\n", 10, 0644);
	unreadable_token();
	unlink("tok");
}

int
main(void)
{
	const char *top, *tmpdir;
	char tmp[2048];

	if ((top = getenv("TOP_SRCDIR")) == NULL)
		top = "..";
	if ((tmpdir = getenv("TMPDIR")) == NULL || tmpdir[0] == '\0')
		tmpdir = "/tmp";

	test_durations();
	test_example(top);

	snprintf(tmp, sizeof(tmp), "%s/t_conf.XXXXXX", tmpdir);
	if (mkdtemp(tmp) == NULL || chdir(tmp) == -1) {
		perror(tmp);
		return 99;
	}
	test_good(tmp);
	test_defaults();
	test_bad();
	test_many();
	test_userinfo();
	test_plain_http();
	test_token();
	if (chdir("/") == -1 || rmdir(tmp) == -1)
		perror(tmp);

	return tap_done();
}
