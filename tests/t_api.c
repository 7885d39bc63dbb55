/* t_api.c - unit tests for api.c on fixture files and inline bodies. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "tap.h"

static char *
xmalloc(size_t len)
{
	char *b;

	if ((b = malloc(len > 0 ? len : 1)) == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	return b;
}

/* Bodies are handed over in exact-size buffers: no NUL to lean on. */
static char *
copy_body(const char *s, size_t len)
{
	return memcpy(xmalloc(len), s, len);
}

static char *
read_fixture(const char *name, size_t *lenp)
{
	const char	*dir;
	char		 path[4096], *buf = NULL;
	FILE		*fp;
	long		 n;

	if ((dir = getenv("FIXTURES")) == NULL)
		dir = "fixtures";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "rb")) == NULL ||
	    fseek(fp, 0, SEEK_END) == -1 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) == -1 ||
	    (buf = malloc(n > 0 ? (size_t)n : 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		printf("Bail out! cannot read %s (set FIXTURES to the "
		    "tests/fixtures directory)\n", path);
		exit(1);
	}
	fclose(fp);
	*lenp = (size_t)n;
	return buf;
}

static int
clan_str(const char *s, struct api_clan *c, char *err, size_t errlen)
{
	size_t	 len = strlen(s);
	char	*b = copy_body(s, len);
	int	 rc;

	rc = api_parse_clan(b, len, c, err, errlen);
	free(b);
	return rc;
}

static int
player_str(const char *s, struct api_player *p, char *err, size_t errlen)
{
	size_t	 len = strlen(s);
	char	*b = copy_body(s, len);
	int	 rc;

	rc = api_parse_player(b, len, p, err, errlen);
	free(b);
	return rc;
}

static int
reason_str(const char *s, char *reason, size_t reasonlen)
{
	size_t	 len = strlen(s);
	char	*b = copy_body(s, len);
	int	 rc;

	rc = api_error_reason(b, len, reason, reasonlen);
	free(b);
	return rc;
}

static void
test_clan_fixture(void)
{
	struct api_clan	 c;
	char		 err[256] = "", *body;
	size_t		 len;

	body = read_fixture("clan.json", &len);
	tap_int(len, 13243, "clan.json is a realistic 13 KB body");
	tap_int(api_parse_clan(body, len, &c, err, sizeof(err)), 0,
	    "clan.json parses");
	tap_str(c.name, "AUSCLAN", "clan.json name");
	tap_int(c.nlisted, 50, "clan.json nlisted");
	tap_int(c.ntags, 50, "clan.json ntags");
	tap_int(c.ninvalid, 0, "clan.json ninvalid");
	tap_int(c.nduplicate, 0, "clan.json nduplicate");
	tap_str(c.tags[0], "#VYPU8YCUV", "clan.json first tag");
	tap_str(c.tags[1], "#UPJR28209", "clan.json second tag");
	tap_str(c.tags[49], "#R8JQCV9R2", "clan.json last tag");
	tap_int(c.seen[0], 1623624199, "clan.json first lastSeen: "
	    "20210613T224319.000Z");
	tap_int(c.seen[1], 1623664346, "clan.json second lastSeen");
	tap_int(c.seen[49], 1623946866, "clan.json last lastSeen");
	api_clan_free(&c);
	tap_ok(c.name == NULL && c.tags == NULL && c.ntags == 0,
	    "api_clan_free leaves an empty struct");

	/* Cut in the middle: the tokener wants more. */
	tap_int(api_parse_clan(body, len / 2, &c, err, sizeof(err)), -1,
	    "clan.json cut in half fails");
	tap_str(err, "the clan response is not JSON: unexpected end of data "
	    "at byte 6621", "clan.json cut in half: error");
	tap_ok(c.name == NULL && c.tags == NULL, "failed parse leaves "
	    "an empty struct");
	free(body);
}

static void
test_clan_unicode(void)
{
	struct api_clan	 c;
	char		 err[256] = "", *body;
	size_t		 len;

	body = read_fixture("clan_unicode.json", &len);
	tap_int(api_parse_clan(body, len, &c, err, sizeof(err)), 0,
	    "clan_unicode.json parses (trailing newline allowed)");
	tap_str(c.name, "\"Les Rois\" \\ \xf0\x9f\x91\x91 \xf0\x9f\x94\xa5 "
	    "\xd9\x85\xd9\x84\xd9\x88\xd9\x83 "
	    "\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8 "
	    "\xe2\x80\x8f\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d // end",
	    "unicode name: quotes, backslash, emoji, surrogate pair, RTL");
	tap_int(c.ntags, 1, "unicode clan ntags");
	tap_str(c.tags[0], "#9V2Y", "unicode clan tag");
	api_clan_free(&c);
	free(body);

	body = read_fixture("clan_bad_utf8.json", &len);
	tap_int(api_parse_clan(body, len, &c, err, sizeof(err)), 0,
	    "clan_bad_utf8.json parses");
	tap_str(c.name, "A\xef\xbf\xbd\xef\xbf\xbd" "B"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "C\xef\xbf\xbd" "D"
	    "\xef\xbf\xbd" "E\xef\xbf\xbd",
	    "invalid UTF-8 name sanitised exactly, \\u0000 as U+FFFD");
	tap_int(c.nlisted, 0, "bad UTF-8 clan nlisted");
	tap_ok(c.tags == NULL, "empty memberList gives tags NULL");
	api_clan_free(&c);
	free(body);
}

static void
tap_time(const char *s, int64_t want, const char *what)
{
	int64_t t = 0;

	if (want == -1)
		tap_int(api_parse_time(s, strlen(s), &t), -1, "time: %s: %s",
		    what, s);
	else {
		tap_int(api_parse_time(s, strlen(s), &t), 0, "time: %s: %s",
		    what, s);
		tap_int(t, want, "time: %s: the seconds", what);
	}
}

static void
test_time(void)
{
	struct api_clan	 c;
	char		 err[256] = "";

	tap_time("19700101T000000.000Z", 0, "the epoch");
	tap_time("20210617T113925.000Z", 1623929965, "API.md's example");
	tap_time("20210617T113925.999Z", 1623929965, "milliseconds dropped");
	tap_time("20240229T235959.000Z", 1709251199, "a leap day");
	tap_time("20000229T120000.000Z", 951825600, "2000 is a leap year");
	tap_time("19000301T000000.000Z", -1, "before 1970");
	tap_time("20230229T000000.000Z", -1, "February 29 of 2023");
	tap_time("21000229T000000.000Z", -1, "2100 is no leap year");
	tap_time("20210617T243925.000Z", -1, "hour 24");
	tap_time("20210617T116025.000Z", -1, "minute 60");
	tap_time("20210617T113960.000Z", -1, "second 60");
	tap_time("20211317T113925.000Z", -1, "month 13");
	tap_time("20210600T113925.000Z", -1, "day 0");
	tap_time("20210617T113925.000+0200", -1, "an offset");
	tap_time("20210617T113925Z", -1, "no milliseconds");
	tap_time("2021-06-17T11:39:25.000Z", -1, "extended format");
	tap_time("20210617T113925.00xZ", -1, "a letter in the milliseconds");
	tap_time("2021061 T113925.000Z", -1, "a space");
	tap_time("", -1, "empty");

	tap_int(clan_str("{\"memberList\":[{\"tag\":\"#9V2Y\",\"lastSeen\":"
	    "\"20210617T113925.000Z\"},{\"tag\":\"#8QLP\"},{\"tag\":"
	    "\"#2Y0\",\"lastSeen\":20210617},{\"tag\":\"#2Y2\",\"lastSeen\":"
	    "\"20210617T113925.000+0000\"},{\"tag\":\"#9v2y\",\"lastSeen\":"
	    "\"20220101T000000.000Z\"},{\"tag\":\"#2Y8\",\"lastSeen\":"
	    "\"20210617T113925.000Z\\u0000\"}]}", &c, err, sizeof(err)), 0,
	    "lastSeen of several shapes parses");
	tap_int(c.ntags, 5, "lastSeen: 5 distinct members");
	tap_int(c.seen[0], 1623929965, "lastSeen: a time stamp");
	tap_ok(c.seen[1] == API_SEEN_NONE, "lastSeen: absent");
	tap_ok(c.seen[2] == API_SEEN_NONE, "lastSeen: a number");
	tap_ok(c.seen[3] == API_SEEN_NONE, "lastSeen: with an offset");
	tap_ok(c.seen[4] == API_SEEN_NONE, "lastSeen: with a NUL after it");
	tap_int(c.nduplicate, 1, "lastSeen: the repeated tag is a duplicate");
	api_clan_free(&c);
	tap_ok(c.seen == NULL, "api_clan_free frees seen");
}

static void
test_clan_members(void)
{
	struct api_clan	 c;
	char		 err[256] = "", *body;
	size_t		 len;

	body = read_fixture("clan_members.json", &len);
	tap_int(api_parse_clan(body, len, &c, err, sizeof(err)), 0,
	    "clan_members.json parses");
	tap_str(c.name, "Mixed bag", "clan_members.json name");
	tap_int(c.nlisted, 22, "nlisted counts every entry, not members");
	tap_int(c.ntags, 5, "ntags");
	tap_int(c.ninvalid, 14, "ninvalid: non-objects, missing, "
	    "ill-typed, bad and NUL-bearing tags");
	tap_int(c.nduplicate, 3, "nduplicate: after normalisation");
	tap_str(c.tags[0], "#9V2Y", "tags[0]");
	tap_str(c.tags[1], "#9V2YY", "tags[1]");
	tap_str(c.tags[2], "#009", "tags[2]: 'O' read as zero");
	tap_str(c.tags[3], "#0289PYLQGRJCUV", "tags[3]: 14 characters");
	tap_str(c.tags[4], "#PYLQGRJC", "tags[4]");
	api_clan_free(&c);
	free(body);

	tap_int(clan_str("{\"memberList\":[{\"tag\":7},null,{\"tag\":"
	    "\"#!!!\"}]}", &c, err, sizeof(err)), 0,
	    "only invalid members parses");
	tap_int(c.nlisted, 3, "only invalid members: nlisted");
	tap_int(c.ninvalid, 3, "only invalid members: ninvalid");
	tap_int(c.ntags, 0, "only invalid members: ntags");
	tap_ok(c.tags == NULL, "only invalid members: tags NULL");
	api_clan_free(&c);

	tap_int(clan_str("{\"members\":50,\"memberList\":[{\"tag\":\"#9V2Y\"}]}",
	    &c, err, sizeof(err)), 0, "members lying high parses");
	tap_int(c.nlisted, 1, "members lying high: nlisted from memberList");
	tap_int(c.ntags, 1, "members lying high: ntags");
	api_clan_free(&c);
	tap_int(clan_str("{\"memberList\":[{\"tag\":\"#9V2Y\"},{\"tag\":"
	    "\"#8QLP\"}],\"members\":0}", &c, err, sizeof(err)), 0,
	    "members lying low parses");
	tap_int(c.ntags, 2, "members lying low: ntags");
	tap_str(c.tags[1], "#8QLP", "members lying low: tags[1]");
	api_clan_free(&c);
	tap_int(clan_str("{\"members\":\"many\",\"memberList\":[]}",
	    &c, err, sizeof(err)), 0, "members ill-typed is ignored");
	api_clan_free(&c);
}

static void
test_clan_shapes(void)
{
	static const struct {
		const char	*body;
		const char	*err;
	} bad[] = {
		{ "{\"name\":\"x\"}",
		  "the clan response has no memberList array" },
		{ "{\"memberList\":{\"0\":{\"tag\":\"#9V2Y\"}}}",
		  "the clan response has no memberList array" },
		{ "{\"memberList\":\"#9V2Y\"}",
		  "the clan response has no memberList array" },
		{ "{\"memberList\":null}",
		  "the clan response has no memberList array" },
		{ "{\"memberList\":50}",
		  "the clan response has no memberList array" },
		{ "{\"MemberList\":[]}",
		  "the clan response has no memberList array" },
		{ "[{\"memberList\":[]}]",
		  "the clan response is not a JSON object" },
		{ "\"memberList\"", "the clan response is not a JSON object" },
		{ "null", "the clan response is not a JSON object" },
		{ "42", "the clan response is not a JSON object" },
		{ "", "the clan response is not JSON: it is empty" },
		{ " \r\n", "the clan response is not JSON: unexpected end of "
		  "data at byte 3" },
		{ "<html><body>502 Bad Gateway</body></html>",
		  "the clan response is not JSON: unexpected character "
		  "at byte 0" },
		{ "{\"memberList\":[]} x", "the clan response is not JSON: "
		  "unexpected data after the value at byte 18" },
		{ "{\"memberList\":[]}{}", "the clan response is not JSON: "
		  "unexpected data after the value at byte 17" },
		{ "{\"memberList\":[]}]", "the clan response is not JSON: "
		  "unexpected data after the value at byte 17" },
		{ "{\"memberList\":[", "the clan response is not JSON: "
		  "unexpected end of data at byte 15" },
		{ "{\"name\":\"AUS", "the clan response is not JSON: "
		  "unexpected end of data at byte 12" },
		/* json-c alone took the inner object: a clan of none. */
		{ "{\"memberList\":[{\"tag\":\"#9V2Y\"}],"
		  "\"x\":{\"memberList\":[]}//",
		  "the clan response is not JSON: a comment runs to its end "
		  "(55 bytes)" },
		{ "{\"memberList\":[]}//", "the clan response is not JSON: "
		  "a comment runs to its end (19 bytes)" },
	};
	struct api_clan	 c;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(err, "unset");
		tap_int(clan_str(bad[i].body, &c, err, sizeof(err)), -1,
		    "bad clan body %zu fails", i);
		tap_str(err, bad[i].err, "bad clan body %zu: error", i);
		tap_ok(c.name == NULL && c.tags == NULL && c.nlisted == 0,
		    "bad clan body %zu: struct left empty", i);
	}

	tap_int(clan_str("{\"memberList\":[]} \t\r\n", &c, err, sizeof(err)),
	    0, "trailing white space is fine");
	tap_int(c.nlisted, 0, "empty memberList: nlisted");
	tap_int(c.ntags, 0, "empty memberList: ntags");
	tap_ok(c.name == NULL, "absent name is NULL");
	api_clan_free(&c);

	/* json-c is lenient here; the API never sends it, and it is harmless. */
	tap_int(clan_str("{\"memberList\":[{\"tag\":\"#9V2Y\"},],}", &c, err,
	    sizeof(err)), 0, "trailing commas are accepted");
	tap_int(c.ntags, 1, "trailing commas: ntags");
	api_clan_free(&c);

	tap_int(clan_str("{\"name\":42,\"memberList\":[]}", &c, err,
	    sizeof(err)), 0, "name as a number parses");
	tap_ok(c.name == NULL, "name as a number is NULL");
	api_clan_free(&c);
	tap_int(clan_str("{\"name\":null,\"memberList\":[]}", &c, err,
	    sizeof(err)), 0, "name null parses");
	tap_ok(c.name == NULL, "name null is NULL");
	api_clan_free(&c);
	tap_int(clan_str("{\"name\":{\"en\":\"x\"},\"memberList\":[]}", &c,
	    err, sizeof(err)), 0, "name as an object parses");
	tap_ok(c.name == NULL, "name as an object is NULL");
	api_clan_free(&c);
	tap_int(clan_str("{\"name\":\"\",\"memberList\":[]}", &c, err,
	    sizeof(err)), 0, "empty name parses");
	tap_str(c.name, "", "empty name is the empty string");
	api_clan_free(&c);

	/* The error buffer may be tiny or absent. */
	tap_int(clan_str("{}", &c, err, 8), -1, "small err buffer");
	tap_str(err, "the cla", "small err buffer is truncated");
	tap_int(clan_str("{}", &c, NULL, 0), -1, "no err buffer");
	tap_int(api_parse_clan(NULL, 0, &c, err, sizeof(err)), -1,
	    "NULL body of length 0");
}

static void
test_clan_deep(void)
{
	struct api_clan	 c;
	char		 err[256], *b;
	size_t		 i, depth = 10000, off;
	const char	*pre = "{\"memberList\":";

	off = strlen(pre);
	b = xmalloc(off + 2 * depth + 1);
	memcpy(b, pre, off);
	for (i = 0; i < depth; i++) {
		b[off + i] = '[';
		b[off + depth + i] = ']';
	}
	b[off + 2 * depth] = '}';
	tap_int(api_parse_clan(b, off + 2 * depth + 1, &c, err, sizeof(err)),
	    -1, "clan nested 10,000 deep fails");
	tap_str(err, "the clan response is not JSON: nesting too deep "
	    "at byte 77", "clan nested 10,000 deep: error");

	/* Just within the limit: 63 arrays inside the top-level object. */
	memset(b + off, '[', 63);
	memset(b + off + 63, ']', 63);
	b[off + 126] = '}';
	tap_int(api_parse_clan(b, off + 127, &c, err, sizeof(err)), 0,
	    "clan nested 64 deep parses");
	tap_int(c.nlisted, 1, "clan nested 64 deep: one entry");
	tap_int(c.ninvalid, 1, "clan nested 64 deep: entry is invalid");
	api_clan_free(&c);
	free(b);
}

/* Tag number i, 8 characters of the tag alphabet after "#2". */
static void
make_tag(char *out, unsigned long i)
{
	static const char	*alpha = "0289PYLQGRJCUV";
	int			 k;

	out[0] = '#';
	out[1] = '2';
	for (k = 8; k >= 2; k--) {
		out[k] = alpha[i % 14];
		i /= 14;
	}
	out[9] = '\0';
}

static void
test_clan_large(void)
{
	struct api_clan	 c;
	char		 err[256], tag[16], want[16], *b, *p;
	size_t		 i, k, n, len;

	/*
	 * 50 distinct members, then all again in reverse order with
	 * lower-case tags, then one bad entry: 101 entries, one too many;
	 * without the bad one, 100: just within the limit.
	 */
	n = 50;
	b = p = xmalloc(64 + 40 * 2 * n + 32);
	p += sprintf(p, "{\"members\":50,\"memberList\":[");
	for (i = 0; i < n; i++) {
		make_tag(tag, i);
		p += sprintf(p, "{\"tag\":\"%s\",\"role\":\"member\"},", tag);
	}
	for (i = n; i-- > 0;) {
		make_tag(tag, i);
		for (k = 0; tag[k] != '\0'; k++)
			tag[k] = (char)tolower((unsigned char)tag[k]);
		p += sprintf(p, "{\"tag\":\"%s\"}%s", tag, i > 0 ? "," : "");
	}
	len = (size_t)(p - b);
	memcpy(p, "]}", 2);
	tap_int(api_parse_clan(b, len + 2, &c, err, sizeof(err)), 0,
	    "100 entries (50 members and their duplicates) parse");
	tap_int(c.nlisted, 2 * n, "100 entries: nlisted");
	tap_int(c.ntags, n, "100 entries: ntags");
	tap_int(c.nduplicate, n, "100 entries: nduplicate");
	make_tag(want, 0);
	tap_str(c.tags[0], want, "100 entries: first tag");
	make_tag(want, n - 1);
	tap_str(c.tags[n - 1], want, "100 entries: last tag");
	api_clan_free(&c);
	memcpy(p, ",{\"tag\":\"#9V2Q!\"}]}", 19);
	tap_int(api_parse_clan(b, len + 19, &c, err, sizeof(err)), -1,
	    "101 entries are refused");
	tap_str(err, "the API listed 101 members (at most 100 are possible); "
	    "refusing the response", "101 entries: the message");
	tap_ok(c.tags == NULL && c.nlisted == 0, "101 entries: struct empty");
	/* json-c's leniency (a trailing comma) takes the other path. */
	memcpy(p, ",{\"tag\":\"#9V2Q!\"},]}", 20);
	tap_int(api_parse_clan(b, len + 20, &c, err, sizeof(err)), -1,
	    "101 entries and a trailing comma are refused");
	tap_str(err, "the API listed 101 members (at most 100 are possible); "
	    "refusing the response", "... with the same message");
	free(b);

	/* 4 MiB of empty members: refused before anything is built. */
	n = 1398100;
	b = p = xmalloc(32 + 3 * n);
	p += sprintf(p, "{\"memberList\":[");
	for (i = 0; i < n; i++) {
		memcpy(p, i + 1 < n ? "{}," : "{}", 3);
		p += i + 1 < n ? 3 : 2;
	}
	memcpy(p, "]}", 2);
	p += 2;
	tap_int(api_parse_clan(b, (size_t)(p - b), &c, err, sizeof(err)), -1,
	    "1,398,100 empty members are refused");
	tap_str(err, "the API listed 1398100 members (at most 100 are "
	    "possible); refusing the response", "... and counted exactly");
	free(b);

	/* Values elsewhere in the body are bounded too. */
	n = API_JSON_VALUES_MAX;
	b = p = xmalloc(64 + 3 * n);
	p += sprintf(p, "{\"memberList\":[],\"junk\":[");
	for (i = 0; i < n; i++) {
		memcpy(p, i + 1 < n ? "[]," : "[]", 3);
		p += i + 1 < n ? 3 : 2;
	}
	memcpy(p, "]}", 2);
	p += 2;
	tap_int(api_parse_clan(b, (size_t)(p - b), &c, err, sizeof(err)), -1,
	    "16,384 arrays beside memberList are refused");
	tap_str(err, "the clan response holds more than 16384 JSON values, "
	    "far more than a real one; refusing it", "... and why");
	free(b);
}

static void
test_player(void)
{
	struct api_player	 p;
	char			 err[256] = "", *body;
	size_t			 len;

	body = read_fixture("player.json", &len);
	tap_int(len, 28707, "player.json is a realistic 28 KB body");
	tap_int(api_parse_player(body, len, &p, err, sizeof(err)), 0,
	    "player.json parses");
	tap_int(p.has_favourite, 1, "player.json has a favourite");
	tap_int(p.card_id, 26000055, "player.json card id");
	tap_str(p.card_name, "Mega Knight", "player.json card name");
	api_player_free(&p);
	tap_ok(p.card_name == NULL && p.has_favourite == 0,
	    "api_player_free leaves an empty struct");

	tap_int(api_parse_player(body, len - 1, &p, err, sizeof(err)), -1,
	    "player.json without its last byte fails");
	tap_str(err, "the player response is not JSON: unexpected end of "
	    "data at byte 28706", "player.json truncated: error");
	free(body);

	body = read_fixture("player_nofav.json", &len);
	tap_int(api_parse_player(body, len, &p, err, sizeof(err)), 0,
	    "player_nofav.json parses");
	tap_int(p.has_favourite, 0, "player_nofav.json: no favourite");
	tap_int(p.card_id, 0, "player_nofav.json: card id 0");
	tap_ok(p.card_name == NULL, "player_nofav.json: card name NULL");
	api_player_free(&p);
	free(body);
}

static void
test_player_shapes(void)
{
	static const struct {
		const char	*body;
		int		 has;
		int64_t		 id;
		const char	*name;
	} cases[] = {
		{ "{}", 0, 0, NULL },
		/* The scanner's edges: json-c's answers, fast path or not. */
		{ "{\"currentFavouriteCard\":{\"id\":1,\"name\":\"A\"},"
		  "\"currentFavouriteCard\":{\"id\":2,\"name\":\"B\"}}",
		  1, 2, "B" },
		{ "{\"\\u0063urrentFavouriteCard\":{\"id\":3,\"name\":\"C\"}}",
		  1, 3, "C" },
		{ "{\"x\":{\"currentFavouriteCard\":{\"id\":4}}}", 0, 0, NULL },
		{ "{\"x\":\"\\\"currentFavouriteCard\\\":{\\\"id\\\":5}\"}",
		  0, 0, NULL },
		{ "{\"currentFavouriteCard\":{\"id\":6,\"name\":\"F\"},}",
		  1, 6, "F" },
		{ "{\"currentFavouriteCardX\":{\"id\":7}}", 0, 0, NULL },
		{ "{\"currentFavouriteCar\":{\"id\":7}}", 0, 0, NULL },
		{ "{\"a\":[1,2,{\"b\":null},true,false,\"s\\n\"],"
		  "\"currentFavouriteCard\":{\"id\":8,\"name\":\"H\\u00e9\"},"
		  "\"c\":-1.5e3}", 1, 8, "H\xc3\xa9" },
		{ " \n{\"currentFavouriteCard\" : { \"id\" : 9 } } \n",
		  1, 9, NULL },
		{ "{\"currentFavouriteCard\":{\"id\":10,\"name\":\"J\"},"
		  "\"n\":01}", 1, 10, "J" },
		{ "{\"currentFavouriteCard\":null}", 0, 0, NULL },
		{ "{\"currentFavouriteCard\":\"Mega Knight\"}", 0, 0, NULL },
		{ "{\"currentFavouriteCard\":[26000055]}", 0, 0, NULL },
		{ "{\"currentFavouriteCard\":26000055}", 0, 0, NULL },
		{ "{\"currentFavouriteCard\":true}", 0, 0, NULL },
		{ "{\"currentFavouriteCard\":{}}", 0, 0, NULL },
		{ "{\"currentFavouriteCard\":{\"name\":\"Zap\"}}", 0, 0, NULL },
		{ "{\"currentFavouriteCard\":{\"id\":null,\"name\":\"Zap\"}}",
		  0, 0, NULL },
		{ "{\"currentFavouriteCard\":{\"id\":2147483647}}",
		  1, 2147483647, NULL },
		{ "{\"currentFavouriteCard\":{\"id\":1}}", 1, 1, NULL },
		{ "{\"currentFavouriteCard\":{\"id\":28000008}}",
		  1, 28000008, NULL },
		{ "{\"currentFavouriteCard\":{\"id\":28000008,\"name\":42}}",
		  1, 28000008, NULL },
		{ "{\"currentFavouriteCard\":{\"id\":28000008,\"name\":null}}",
		  1, 28000008, NULL },
		{ "{\"currentFavouriteCard\":{\"id\":28000008,"
		  "\"name\":[\"Zap\"]}}", 1, 28000008, NULL },
		{ "{\"currentFavouriteCard\":{\"name\":\"X-Bow\","
		  "\"id\":27000008,\"maxLevel\":9,\"new\":{}}}",
		  1, 27000008, "X-Bow" },
		{ "{\"currentFavouriteCard\":{\"id\":159000000,"
		  "\"name\":\"Tower Princess\"}}", 1, 159000000,
		  "Tower Princess" },
		{ "{\"currentFavouriteCard\":{\"id\":28000011,"
		  "\"name\":\"The \\\"Log\\\" \\\\ \\u0000\\ud83e\\udeb5\"}}",
		  1, 28000011, "The \"Log\" \\ \xef\xbf\xbd\xf0\x9f\xaa\xb5" },
		{ "{\"currentFavouriteCard\":{\"id\":26000004,"
		  "\"name\":\"P.E.K.K.A\xff\xc3\"}}",
		  1, 26000004, "P.E.K.K.A\xef\xbf\xbd\xef\xbf\xbd" },
		{ "{\"currentFavouriteCard\":{\"id\":26000000,"
		  "\"name\":\"\\u0000\"}}", 1, 26000000, "\xef\xbf\xbd" },
		{ "{\"cards\":[],\"currentFavouriteCard\":{\"id\":26000055,"
		  "\"name\":\"Mega Knight\"},\"badges\":{}}",
		  1, 26000055, "Mega Knight" },
	};
	struct api_player	 p;
	char			 err[256];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tap_int(player_str(cases[i].body, &p, err, sizeof(err)), 0,
		    "player body %zu parses", i);
		tap_int(p.has_favourite, cases[i].has,
		    "player body %zu: has_favourite", i);
		tap_int(p.card_id, cases[i].id, "player body %zu: card_id", i);
		tap_str(p.card_name, cases[i].name,
		    "player body %zu: card_name", i);
		api_player_free(&p);
	}
}

/* The sentence for an odd favourite card id: one form for every kind. */
#define ODD(is)		"its favourite card's id is " is " (a card id is a " \
			"whole number from 1 to 2147483647)"
#define LARGER		ODD("larger than 2147483647")
#define FRACTION	ODD("a number with a fraction or an exponent")

static void
test_player_refused(void)
{
	static const struct {
		const char	*body;
		const char	*err;
	} cases[] = {
		{ "{\"currentFavouriteCard\":{\"id\":2147483648}}",
		  LARGER },
		{ "{\"currentFavouriteCard\":{\"id\":9223372036854775807}}",
		  LARGER },
		{ "{\"currentFavouriteCard\":{\"id\":9223372036854775808}}",
		  LARGER },
		{ "{\"currentFavouriteCard\":{\"id\":"
		  "99999999999999999999999999}}",
		  LARGER },
		{ "{\"currentFavouriteCard\":{\"id\":-1}}", ODD("0 or negative") },
		{ "{\"currentFavouriteCard\":{\"id\":-28000008}}",
		  ODD("0 or negative") },
		{ "{\"currentFavouriteCard\":{\"id\":0}}", ODD("0 or negative") },
		{ "{\"currentFavouriteCard\":{\"id\":-0}}", ODD("0 or negative") },
		{ "{\"currentFavouriteCard\":{\"id\":"
		  "-99999999999999999999999999}}", ODD("0 or negative") },
		{ "{\"currentFavouriteCard\":{\"id\":1.5}}", FRACTION },
		{ "{\"currentFavouriteCard\":{\"id\":28000008.0,"
		  "\"name\":\"Zap\"}}", FRACTION },
		{ "{\"currentFavouriteCard\":{\"id\":2.8e7}}", FRACTION },
		{ "{\"currentFavouriteCard\":{\"id\":1e400}}", FRACTION },
		{ "{\"currentFavouriteCard\":{\"id\":1e999}}", FRACTION },
		{ "{\"currentFavouriteCard\":{\"id\":-1e999}}", FRACTION },
		{ "{\"currentFavouriteCard\":{\"id\":\"28000008\","
		  "\"name\":\"Zap\"}}", ODD("a string") },
		{ "{\"currentFavouriteCard\":{\"id\":true}}", ODD("true or false") },
		{ "{\"currentFavouriteCard\":{\"id\":[28000008]}}",
		  ODD("an array") },
		{ "{\"currentFavouriteCard\":{\"id\":{}}}", ODD("an object") },
		/* The id is read before the name: an odd id is the reason. */
		{ "{\"currentFavouriteCard\":{\"id\":-1,\"name\":\"\"}}",
		  ODD("0 or negative") },
		{ "{\"currentFavouriteCard\":{\"id\":26000000,\"name\":\"\"}}",
		  "its favourite card's name is empty" },
		/* json-c's lenient path says the same. */
		{ "{\"currentFavouriteCard\":{\"id\":26000000,\"name\":\"\"},}",
		  "its favourite card's name is empty" },
	};
	struct api_player	 p;
	char			 err[256], *b, name[40000];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcpy(err, "unset");
		tap_int(player_str(cases[i].body, &p, err, sizeof(err)),
		    API_CARD_REFUSED, "refused card %zu", i);
		tap_str(err, cases[i].err, "refused card %zu: error", i);
		tap_ok(p.has_favourite == 0 && p.card_name == NULL,
		    "refused card %zu: struct left empty", i);
	}

	/* Names: 100 bytes is the most, counted after sanitising. */
	memset(name, 'a', 100);
	name[100] = '\0';
	b = xmalloc(40200);
	snprintf(b, 40200, "{\"currentFavouriteCard\":{\"id\":26000000,"
	    "\"name\":\"%s\"}}", name);
	tap_int(player_str(b, &p, err, sizeof(err)), 0, "a 100-byte name");
	tap_str(p.card_name, name, "a 100-byte name is kept whole");
	api_player_free(&p);
	snprintf(b, 40200, "{\"currentFavouriteCard\":{\"id\":26000000,"
	    "\"name\":\"%sa\"}}", name);
	tap_int(player_str(b, &p, err, sizeof(err)), API_CARD_REFUSED,
	    "a 101-byte name is refused");
	tap_str(err, "its favourite card's name is 101 bytes long (at most "
	    "100 are accepted)", "a 101-byte name: error");
	/* 34 bytes that are not UTF-8 become 34 U+FFFD: 102 bytes. */
	memset(name, '\xff', 34);
	name[34] = '\0';
	snprintf(b, 40200, "{\"currentFavouriteCard\":{\"id\":26000000,"
	    "\"name\":\"%s\"}}", name);
	tap_int(player_str(b, &p, err, sizeof(err)), API_CARD_REFUSED,
	    "a name over 100 bytes once sanitised is refused");
	tap_str(err, "its favourite card's name is 102 bytes long (at most "
	    "100 are accepted)", "... counted after sanitising");
	memset(name, 'n', 39990);
	name[39990] = '\0';
	snprintf(b, 40200, "{\"currentFavouriteCard\":{\"id\":26000000,"
	    "\"name\":\"%s\"}}", name);
	tap_int(player_str(b, &p, err, sizeof(err)), API_CARD_REFUSED,
	    "a 39,990-byte name is refused");
	tap_str(err, "its favourite card's name is 39990 bytes long (at most "
	    "100 are accepted)", "a 39,990-byte name: error");
	free(b);
}

/*
 * A player body of 130 cards, card i named i % 67 'a's then tail, and a
 * favourite after them.  Returns its length.
 */
static size_t
long_player(char *b, size_t cap, const char *tail)
{
	size_t	i, off;

	off = (size_t)snprintf(b, cap, "{\"cards\":[");
	for (i = 0; i < 130; i++)
		off += (size_t)snprintf(b + off, cap - off, "%s{\"name\":"
		    "\"%.*s%s\",\"id\":%zu,\"u\":{}}", i ? "," : "",
		    (int)(i % 67), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaa", tail, i);
	off += (size_t)snprintf(b + off, cap - off, "],\"currentFavouriteCard\":"
	    "{\"id\":26000055,\"name\":\"Mega Knight\"},\"badges\":[[{}]]}");
	return off;
}

/*
 * The values the scanner throws away (every top-level object or array but
 * the favourite) are checked only for matching brackets and closed
 * strings; the long bodies put their quotes, backslashes and brackets at
 * every offset of the 64-byte blocks the skip reads.
 */
static void
test_player_skip(void)
{
	static const struct {
		const char	*body;
		int64_t		 id;
	} kept[] = {
		{ "{\"cards\":[1 2 x :],\"currentFavouriteCard\":{\"id\":5}}",
		  5 },
		{ "{\"cards\":[{\"n\":\"]}\\\"[{\\\\\"}],\"badges\":{\"\x01\":[]},"
		  "\"currentFavouriteCard\":{\"id\":6}}", 6 },
		{ "{\"cards\":[\"\\u\"],\"currentFavouriteCard\":{\"id\":7}}",
		  7 },
	};
	static const struct {
		const char	*body;
		const char	*err;
	} bad[] = {
		{ "{\"cards\":[{]},\"currentFavouriteCard\":{\"id\":5}}",
		  "the player response is not JSON: quoted object property "
		  "name expected at byte 11" },
		{ "{\"cards\":[\"],\"currentFavouriteCard\":{\"id\":5}}",
		  "the player response is not JSON: array value separator "
		  "',' expected at byte 14" },
		{ "{\"cards\":[[]],\"currentFavouriteCard\":{\"id\":5}",
		  "the player response is not JSON: unexpected end of data "
		  "at byte 45" },
	};
	struct api_player	 p;
	char			 err[256], *b;
	size_t			 i, off, cap = 64 * 1024;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		tap_int(player_str(kept[i].body, &p, err, sizeof(err)), 0,
		    "skipped garbage %zu parses", i);
		tap_int(p.card_id, kept[i].id, "skipped garbage %zu: card_id",
		    i);
		api_player_free(&p);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(err, "unset");
		tap_int(player_str(bad[i].body, &p, err, sizeof(err)), -1,
		    "broken skipped value %zu fails", i);
		tap_str(err, bad[i].err, "broken skipped value %zu: error", i);
	}
	b = xmalloc(cap);
	off = long_player(b, cap, "\\\"]}\\\\");
	tap_int(api_parse_player(b, off, &p, err, sizeof(err)), 0,
	    "a long body with escapes at every offset parses");
	tap_int(p.card_id, 26000055, "... and finds the favourite after it");
	tap_str(p.card_name, "Mega Knight", "... with its name");
	api_player_free(&p);
	/* Without backslashes, the skip's 64-byte path reads it all. */
	off = long_player(b, cap, "]}[{");
	tap_int(api_parse_player(b, off, &p, err, sizeof(err)), 0,
	    "a long body without escapes parses");
	tap_int(p.card_id, 26000055, "... and finds the favourite after it");
	api_player_free(&p);
	/* One bracket too many, far in: json-c's answer. */
	b[9] = '{';
	strcpy(err, "unset");
	tap_int(api_parse_player(b, off, &p, err, sizeof(err)), -1,
	    "a long body with a broken bracket fails");
	tap_str(err, "the player response is not JSON: quoted object property "
	    "name expected at byte 10", "... with json-c's error");
	free(b);
}

static void
test_player_bad(void)
{
	static const struct {
		const char	*body;
		const char	*err;
	} bad[] = {
		{ "[]", "the player response is not a JSON object" },
		{ "null", "the player response is not a JSON object" },
		{ "26000055", "the player response is not a JSON object" },
		{ "\"Mega Knight\"", "the player response is not a JSON object" },
		{ "", "the player response is not JSON: it is empty" },
		{ "<!DOCTYPE html>\n<html><body>503</body></html>",
		  "the player response is not JSON: unexpected character "
		  "at byte 0" },
		{ "{\"currentFavouriteCard\":{\"id\":26000055}",
		  "the player response is not JSON: unexpected end of data "
		  "at byte 39" },
		{ "{} trailing", "the player response is not JSON: "
		  "unexpected data after the value at byte 3" },
		{ "{}\n<html>", "the player response is not JSON: "
		  "unexpected data after the value at byte 3" },
		{ "{\"x\":{\"currentFavouriteCard\":{\"id\":26000000}}//",
		  "the player response is not JSON: a comment runs to its "
		  "end (47 bytes)" },
	};
	struct api_player	 p;
	char			 err[256], *b;
	size_t			 i, depth = 10000, off;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(err, "unset");
		tap_int(player_str(bad[i].body, &p, err, sizeof(err)), -1,
		    "bad player body %zu fails", i);
		tap_str(err, bad[i].err, "bad player body %zu: error", i);
		tap_ok(p.has_favourite == 0 && p.card_name == NULL,
		    "bad player body %zu: struct left empty", i);
	}

	/* Nested objects: {"a":{"a":...{}...}} */
	b = xmalloc(6 * depth + 2);
	for (i = 0, off = 0; i < depth; i++) {
		memcpy(b + off, "{\"a\":", 5);
		off += 5;
	}
	b[off++] = '{';
	memset(b + off, '}', depth + 1);
	off += depth + 1;
	strcpy(err, "unset");
	tap_int(api_parse_player(b, off, &p, err, sizeof(err)), -1,
	    "player nested 10,000 deep fails");
	tap_str(err, "the player response is not JSON: nesting too deep "
	    "at byte 320", "player nested 10,000 deep: error");
	free(b);

	/* An embedded NUL ends nothing early and is not white space. */
	b = copy_body("{}\0{}", 5);
	tap_int(api_parse_player(b, 5, &p, err, sizeof(err)), -1,
	    "NUL after the object fails");
	tap_str(err, "the player response is not JSON: unexpected data "
	    "after the value at byte 2", "NUL after the object: error");
	free(b);
}

static void
test_error_reason(void)
{
	char	 reason[64], *body;
	size_t	 len;

	body = read_fixture("error_invalidip.json", &len);
	tap_int(api_error_reason(body, len, reason, sizeof(reason)), 0,
	    "error_invalidip.json has a reason");
	tap_str(reason, "accessDenied.invalidIp", "error_invalidip.json reason");
	free(body);

	body = read_fixture("error_message_only.json", &len);
	strcpy(reason, "unset");
	tap_int(api_error_reason(body, len, reason, sizeof(reason)), -1,
	    "error_message_only.json has no reason");
	free(body);

	body = read_fixture("error_503.html", &len);
	tap_int(api_error_reason(body, len, reason, sizeof(reason)), -1,
	    "error_503.html is not JSON");
	free(body);

	tap_int(api_error_reason("", 0, reason, sizeof(reason)), -1,
	    "empty error body");
	tap_int(api_error_reason(NULL, 0, reason, sizeof(reason)), -1,
	    "NULL error body");
	tap_int(reason_str("{\"reason\":\"notFound\"}", reason,
	    sizeof(reason)), 0, "reason only");
	tap_str(reason, "notFound", "reason only: value");
	tap_int(reason_str("{\"message\":\"x\",\"reason\":\"requestThrottled\","
	    "\"detail\":{}}", reason, sizeof(reason)), 0, "reason after message");
	tap_str(reason, "requestThrottled", "reason after message: value");
	tap_int(reason_str("{\"reason\":503}", reason, sizeof(reason)), -1,
	    "reason as a number");
	tap_int(reason_str("{\"reason\":null}", reason, sizeof(reason)), -1,
	    "reason null");
	tap_int(reason_str("{\"reason\":\"\"}", reason, sizeof(reason)), -1,
	    "reason empty");
	tap_int(reason_str("[\"reason\"]", reason, sizeof(reason)), -1,
	    "error body an array");
	tap_int(reason_str("{\"reason\":\"x\"", reason, sizeof(reason)), -1,
	    "error body truncated");

	tap_int(reason_str("{\"reason\":\"a\\u001b[31mb\\u0007c\\u007fd"
	    "\\u009be\\nf\\u0000g\"}", reason, sizeof(reason)), 0,
	    "reason with control characters");
	tap_str(reason, "a?[31mb?c?d?e?f\xef\xbf\xbdg",
	    "control characters become ?, NUL U+FFFD as in names");
	tap_int(reason_str("{\"reason\":\"caf\\u00e9 \xff \xe2\x82\xac\"}",
	    reason, sizeof(reason)), 0, "reason with UTF-8");
	tap_str(reason, "caf\xc3\xa9 \xef\xbf\xbd \xe2\x82\xac",
	    "reason keeps valid UTF-8 and replaces invalid bytes");

	tap_int(reason_str("{\"reason\":\"accessDenied\"}", reason, 5), 0,
	    "reason truncated");
	tap_str(reason, "acce", "reason truncated to fit");
	tap_int(reason_str("{\"reason\":\"accessDenied\"}", reason, 1), 0,
	    "reason in one byte");
	tap_str(reason, "", "reason in one byte is empty");
	tap_int(reason_str("{\"reason\":\"accessDenied\"}", reason, 0), -1,
	    "reason in no bytes");
	tap_int(reason_str("{\"reason\":\"ab\xe2\x82\xac\"}", reason, 5), 0,
	    "reason cut before a multi-byte character");
	tap_str(reason, "ab", "reason never cut inside a character");
	tap_int(reason_str("{\"reason\":\"ab\xe2\x82\xac\"}", reason, 6), 0,
	    "reason fits exactly");
	tap_str(reason, "ab\xe2\x82\xac", "reason fits exactly: value");
}

#define S(lit)	lit, sizeof(lit) - 1

static void
test_utf8(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*want;
		const char	*what;
	} cases[] = {
		{ S(""), "", "empty" },
		{ S("Goku"), "Goku", "ASCII" },
		{ S("\xc3\xa9"), "\xc3\xa9", "2-byte U+00E9" },
		{ S("\xe2\x82\xac"), "\xe2\x82\xac", "3-byte U+20AC" },
		{ S("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80", "4-byte U+1F600" },
		{ S("\xc2\x80"), "\xc2\x80", "U+0080, lowest 2-byte" },
		{ S("\xe0\xa0\x80"), "\xe0\xa0\x80", "U+0800, lowest 3-byte" },
		{ S("\xf0\x90\x80\x80"), "\xf0\x90\x80\x80",
		  "U+10000, lowest 4-byte" },
		{ S("\xed\x9f\xbf"), "\xed\x9f\xbf", "U+D7FF, below surrogates" },
		{ S("\xee\x80\x80"), "\xee\x80\x80", "U+E000, above surrogates" },
		{ S("\xef\xbf\xbf"), "\xef\xbf\xbf", "U+FFFF noncharacter kept" },
		{ S("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf", "U+10FFFF" },
		{ S("\xd9\x85\xd9\x84\xd9\x88\xd9\x83"),
		  "\xd9\x85\xd9\x84\xd9\x88\xd9\x83", "Arabic (RTL)" },
		{ S("\xc0\x80"), "\xef\xbf\xbd\xef\xbf\xbd", "overlong NUL" },
		{ S("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd", "overlong '/'" },
		{ S("\xc1\xbf"), "\xef\xbf\xbd\xef\xbf\xbd", "overlong 2-byte" },
		{ S("\xe0\x80\xaf"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		  "overlong 3-byte" },
		{ S("\xe0\x9f\xbf"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		  "overlong U+07FF" },
		{ S("\xf0\x8f\xbf\xbf"),
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		  "overlong 4-byte" },
		{ S("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		  "surrogate U+D800" },
		{ S("\xed\xbf\xbf"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		  "surrogate U+DFFF" },
		{ S("\xed\xa0\xbd\xed\xb8\x80"),
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "CESU-8 pair" },
		{ S("\xf4\x90\x80\x80"),
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		  "U+110000" },
		{ S("\xf5\x80\x80\x80"),
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		  "lead byte F5" },
		{ S("a\xfe" "b\xff"), "a\xef\xbf\xbd" "b\xef\xbf\xbd",
		  "bytes FE and FF" },
		{ S("a\xc3"), "a\xef\xbf\xbd", "2-byte truncated at end" },
		{ S("a\xe2\x82"), "a\xef\xbf\xbd", "3-byte truncated at end" },
		{ S("\xf0\x9f\x98"), "\xef\xbf\xbd", "4-byte truncated at end" },
		{ S("\xe2\x82" "a"), "\xef\xbf\xbd" "a",
		  "3-byte truncated before ASCII" },
		{ S("\xf0\x9f\xe2\x82\xac"), "\xef\xbf\xbd\xe2\x82\xac",
		  "4-byte truncated before a 3-byte" },
		{ S("\x80"), "\xef\xbf\xbd", "stray continuation" },
		{ S("a\xbf\xbf" "b"), "a\xef\xbf\xbd\xef\xbf\xbd" "b",
		  "two stray continuations" },
		{ S("\xc3\xa9\xa9"), "\xc3\xa9\xef\xbf\xbd",
		  "continuation after a whole character" },
		{ S("a\0b"), "a\xef\xbf\xbd" "b", "NUL shown as U+FFFD" },
		{ S("\0"), "\xef\xbf\xbd", "lone NUL shown as U+FFFD" },
		{ S("\0\xc3\xa9\0"), "\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd",
		  "NULs around a character" },
		{ S("\xc3\0"), "\xef\xbf\xbd\xef\xbf\xbd",
		  "NUL cuts a sequence short, and is shown too" },
	};
	char	*out, *in;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in = copy_body(cases[i].in, cases[i].len);
		out = api_utf8_sanitize(in, cases[i].len);
		tap_str(out, cases[i].want, "utf8_sanitize: %s", cases[i].what);
		free(out);
		free(in);
	}
	out = api_utf8_sanitize(NULL, 0);
	tap_str(out, "", "utf8_sanitize: NULL of length 0");
	free(out);
}

int
main(void)
{
	test_clan_fixture();
	test_clan_unicode();
	test_clan_members();
	test_time();
	test_clan_shapes();
	test_clan_deep();
	test_clan_large();
	test_player();
	test_player_shapes();
	test_player_refused();
	test_player_skip();
	test_player_bad();
	test_error_reason();
	test_utf8();
	return tap_done();
}
