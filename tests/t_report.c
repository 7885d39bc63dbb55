/* t_report.c - unit tests for report.c: index.json and metrics.prom
   byte for byte, with and without a history database, written atomically. */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "figures.h"
#include "outdir.h"
#include "report.h"
#include "tally.h"
#include "tap.h"
#include "tfile.h"

/* What report.c writes for the fixtures below, byte for byte. */
#define METRICS_TEXT \
	"# HELP clanpopd_start_time_seconds Unix time the daemon started.\n" \
	"# TYPE clanpopd_start_time_seconds gauge\n" \
	"clanpopd_start_time_seconds 1795300000\n" \
	"# HELP clanpopd_clans Clans configured.\n" \
	"# TYPE clanpopd_clans gauge\n" \
	"clanpopd_clans 2\n" \
	"# HELP clanpopd_requests_total Requests sent to the API, by HTTP status class (error: no status, a transport error).\n" \
	"# TYPE clanpopd_requests_total counter\n" \
	"clanpopd_requests_total{status=\"2xx\"} 51\n" \
	"clanpopd_requests_total{status=\"4xx\"} 0\n" \
	"clanpopd_requests_total{status=\"429\"} 2\n" \
	"clanpopd_requests_total{status=\"5xx\"} 0\n" \
	"clanpopd_requests_total{status=\"other\"} 0\n" \
	"clanpopd_requests_total{status=\"error\"} 0\n" \
	"# HELP clanpopd_retries_total Requests retried after an error.\n" \
	"# TYPE clanpopd_retries_total counter\n" \
	"clanpopd_retries_total 3\n" \
	"# HELP clanpopd_throttle_pauses_total Pauses of every request after a 429.\n" \
	"# TYPE clanpopd_throttle_pauses_total counter\n" \
	"clanpopd_throttle_pauses_total 2\n" \
	"# HELP clanpopd_throttled_given_up_total Requests given up after limits.max_retries 429s in a row.\n" \
	"# TYPE clanpopd_throttled_given_up_total counter\n" \
	"clanpopd_throttled_given_up_total 1\n" \
	"# HELP clanpopd_request_rate Effective request rate limit in requests per second (0: none).\n" \
	"# TYPE clanpopd_request_rate gauge\n" \
	"clanpopd_request_rate 5\n" \
	"# HELP clanpopd_refreshes_skipped_total Refreshes skipped because the previous one was still running.\n" \
	"# TYPE clanpopd_refreshes_skipped_total counter\n" \
	"clanpopd_refreshes_skipped_total 0\n" \
	"# HELP clanpopd_reloads_total Configuration reloads, by result.\n" \
	"# TYPE clanpopd_reloads_total counter\n" \
	"clanpopd_reloads_total{result=\"success\"} 1\n" \
	"clanpopd_reloads_total{result=\"failure\"} 0\n" \
	"# HELP clanpopd_players_read_total Player profiles read from the API.\n" \
	"# TYPE clanpopd_players_read_total counter\n" \
	"clanpopd_players_read_total 48\n" \
	"# HELP clanpopd_players_reused_total Players counted from their stored profile instead, each a request saved.\n" \
	"# TYPE clanpopd_players_reused_total counter\n" \
	"clanpopd_players_reused_total 12\n" \
	"# HELP clanpopd_profiles_stored Player profiles in the store.\n" \
	"# TYPE clanpopd_profiles_stored gauge\n" \
	"clanpopd_profiles_stored 4\n" \
	"# HELP clanpopd_history_writes_total Snapshots recorded in the history database, by result.\n" \
	"# TYPE clanpopd_history_writes_total counter\n" \
	"clanpopd_history_writes_total{result=\"success\"} 7\n" \
	"clanpopd_history_writes_total{result=\"failure\"} 1\n" \
	"# HELP clanpopd_history_ok 1 when the history database is in use, 0 when it fails or is off.\n" \
	"# TYPE clanpopd_history_ok gauge\n" \
	"clanpopd_history_ok 0\n" \
	"# HELP clanpopd_loop_lag_seconds Turns of the event loop by how long their work held it.\n" \
	"# TYPE clanpopd_loop_lag_seconds histogram\n" \
	"clanpopd_loop_lag_seconds_bucket{le=\"0.0005\"} 0\n" \
	"clanpopd_loop_lag_seconds_bucket{le=\"0.001\"} 0\n" \
	"clanpopd_loop_lag_seconds_bucket{le=\"0.005\"} 0\n" \
	"clanpopd_loop_lag_seconds_bucket{le=\"0.01\"} 0\n" \
	"clanpopd_loop_lag_seconds_bucket{le=\"0.05\"} 0\n" \
	"clanpopd_loop_lag_seconds_bucket{le=\"0.1\"} 0\n" \
	"clanpopd_loop_lag_seconds_bucket{le=\"0.5\"} 0\n" \
	"clanpopd_loop_lag_seconds_bucket{le=\"1\"} 0\n" \
	"clanpopd_loop_lag_seconds_bucket{le=\"+Inf\"} 0\n" \
	"clanpopd_loop_lag_seconds_sum 0.000000\n" \
	"clanpopd_loop_lag_seconds_count 0\n" \
	"# HELP clanpopd_key_requests_total Requests sent with the API key on line N of the token file.\n" \
	"# TYPE clanpopd_key_requests_total counter\n" \
	"clanpopd_key_requests_total{key=\"1\"} 55\n" \
	"clanpopd_key_requests_total{key=\"3\"} 1\n" \
	"# HELP clanpopd_key_throttled_total 429 answers to requests sent with the key.\n" \
	"# TYPE clanpopd_key_throttled_total counter\n" \
	"clanpopd_key_throttled_total{key=\"1\"} 2\n" \
	"clanpopd_key_throttled_total{key=\"3\"} 0\n" \
	"# HELP clanpopd_key_request_rate Effective request rate limit of the key in requests per second (0: none).\n" \
	"# TYPE clanpopd_key_request_rate gauge\n" \
	"clanpopd_key_request_rate{key=\"1\"} 2.5\n" \
	"clanpopd_key_request_rate{key=\"3\"} 2.5\n" \
	"# HELP clanpopd_key_usable 1 while the key may carry requests, 0 once the API refused it (until a reload).\n" \
	"# TYPE clanpopd_key_usable gauge\n" \
	"clanpopd_key_usable{key=\"1\"} 1\n" \
	"clanpopd_key_usable{key=\"3\"} 0\n" \
	"# HELP clanpopd_key_paused_until_timestamp_seconds Unix time the key's pause after a 429 ends (0: not paused).\n" \
	"# TYPE clanpopd_key_paused_until_timestamp_seconds gauge\n" \
	"clanpopd_key_paused_until_timestamp_seconds{key=\"1\"} 0\n" \
	"clanpopd_key_paused_until_timestamp_seconds{key=\"3\"} 0\n" \
	"# HELP clanpopd_clan_last_success_timestamp_seconds Unix time of the clan's last snapshot (0: none yet).\n" \
	"# TYPE clanpopd_clan_last_success_timestamp_seconds gauge\n" \
	"clanpopd_clan_last_success_timestamp_seconds{clan=\"#9V2Y\"} 1795300000\n" \
	"clanpopd_clan_last_success_timestamp_seconds{clan=\"#2PYLQ\"} 0\n" \
	"# HELP clanpopd_clan_consecutive_failures Failed refreshes of the clan since its last success.\n" \
	"# TYPE clanpopd_clan_consecutive_failures gauge\n" \
	"clanpopd_clan_consecutive_failures{clan=\"#9V2Y\"} 0\n" \
	"clanpopd_clan_consecutive_failures{clan=\"#2PYLQ\"} 3\n" \
	"# HELP clanpopd_clan_interval_seconds Seconds between the clan's refreshes, as configured.\n" \
	"# TYPE clanpopd_clan_interval_seconds gauge\n" \
	"clanpopd_clan_interval_seconds{clan=\"#9V2Y\"} 900\n" \
	"clanpopd_clan_interval_seconds{clan=\"#2PYLQ\"} 60\n" \
	"# HELP clanpopd_clan_refresh_duration_seconds Duration of the clan's last successful refresh.\n" \
	"# TYPE clanpopd_clan_refresh_duration_seconds gauge\n" \
	"clanpopd_clan_refresh_duration_seconds{clan=\"#9V2Y\"} 0.812\n" \
	"# HELP clanpopd_clan_members Members in the clan's last snapshot.\n" \
	"# TYPE clanpopd_clan_members gauge\n" \
	"clanpopd_clan_members{clan=\"#9V2Y\"} 5\n" \
	"# HELP clanpopd_clan_players Players in the clan's last snapshot, by state.\n" \
	"# TYPE clanpopd_clan_players gauge\n" \
	"clanpopd_clan_players{clan=\"#9V2Y\",state=\"fetched\"} 3\n" \
	"clanpopd_clan_players{clan=\"#9V2Y\",state=\"reused\"} 1\n" \
	"clanpopd_clan_players{clan=\"#9V2Y\",state=\"failed\"} 1\n" \
	"clanpopd_clan_players{clan=\"#9V2Y\",state=\"without_favourite\"} 1\n" \
	"clanpopd_clan_players{clan=\"#9V2Y\",state=\"without_deck\"} 2\n" \
	"# HELP clanpopd_favourite_card_players Players of the clan whose favourite card this is.\n" \
	"# TYPE clanpopd_favourite_card_players gauge\n" \
	"clanpopd_favourite_card_players{clan=\"#9V2Y\",card=\"Wizard\",card_id=\"26000017\"} 2\n" \
	"clanpopd_favourite_card_players{clan=\"#9V2Y\",card=\"Odd \\\"card\\\" \\\\ name\\nline\",card_id=\"28000011\"} 1\n" \
	"# HELP clanpopd_deck_card_players Players of the clan whose current deck holds this card.\n" \
	"# TYPE clanpopd_deck_card_players gauge\n" \
	"clanpopd_deck_card_players{clan=\"#9V2Y\",card=\"Hog Rider\",card_id=\"26000021\"} 2\n" \
	"clanpopd_deck_card_players{clan=\"#9V2Y\",card=\"Fireball\",card_id=\"28000000\"} 1\n" \
	"clanpopd_deck_card_players{clan=\"#9V2Y\",card=\"Mini \\\"P.E.K.K.A\\\"\",card_id=\"26000018\"} 1\n" \
	"clanpopd_deck_card_players{clan=\"#9V2Y\",card=\"\",card_id=\"26000099\"} 1\n"

#define INDEX_TEXT \
	"{\n" \
	"  \"version\": \"0.1.0\",\n" \
	"  \"started_at\": \"2026-11-21T22:26:40Z\",\n" \
	"  \"generated_at\": \"GENERATED\",\n" \
	"  \"keys\": [\n" \
	"    { \"key\": 1, \"state\": \"usable\", \"paused_until\": null },\n" \
	"    { \"key\": 3, \"state\": \"refused\", \"paused_until\": null }\n" \
	"  ],\n" \
	"  \"profiles\": {\"stored\": 4, \"read_total\": 48, " \
	"\"reused_total\": 12},\n" \
	"  \"history\": { \"database\": \"db/h.sqlite\", \"ok\": false, " \
	"\"error\": \"db/h.sqlite: the \\\"disk\\\" is full\" },\n" \
	"  \"clans\": [\n" \
	"    {\n" \
	"      \"tag\": \"#9V2Y\",\n" \
	"      \"name\": \"Les \\\"Étoiles\\\" \\\\ ⭐\",\n" \
	"      \"label\": \"Friends\",\n" \
	"      \"snapshot\": \"clans/9V2Y.json\",\n" \
	"      \"last_success\": \"2026-11-21T22:26:40Z\",\n" \
	"      \"last_attempt\": \"2026-11-21T22:26:40Z\",\n" \
	"      \"last_error\": \"1 of 5 players could not be read\",\n" \
	"      \"consecutive_failures\": 0,\n" \
	"      \"interval_s\": 900,\n" \
	"      \"complete\": false,\n" \
	"      \"reused\": 1\n" \
	"    },\n" \
	"    {\n" \
	"      \"tag\": \"#2PYLQ\",\n" \
	"      \"name\": null,\n" \
	"      \"label\": null,\n" \
	"      \"snapshot\": null,\n" \
	"      \"last_success\": null,\n" \
	"      \"last_attempt\": \"2026-11-21T22:26:40Z\",\n" \
	"      \"last_error\": \"HTTP 503 (inMaintenance) after 4 retries\",\n" \
	"      \"consecutive_failures\": 3,\n" \
	"      \"interval_s\": 60,\n" \
	"      \"complete\": null,\n" \
	"      \"reused\": null\n" \
	"    }\n" \
	"  ]\n" \
	"}\n"


/*
 * Replace the value of "generated_at" in txt (in place) by "GENERATED",
 * keeping the value in stamp.  Returns txt.
 */
static char *
cut_generated(char *txt, char *stamp, size_t stamplen)
{
	static const char	*key = "\"generated_at\": \"";
	char			*p, *q;

	stamp[0] = '\0';
	if ((p = strstr(txt, key)) == NULL ||
	    (q = strchr(p + strlen(key), '"')) == NULL)
		return txt;
	p += strlen(key);
	snprintf(stamp, stamplen, "%.*s", (int)(q - p), p);
	memmove(p + 9, q, strlen(q) + 1);
	memcpy(p, "GENERATED", 9);
	return txt;
}

/* Without a history database: "history": null, history_ok 0. */
static void
test_history_off(const struct report_daemon *on,
    const struct report_clan *ci)
{
	struct report_daemon	 di = *on;
	char			*txt = NULL, stamp[32], want[8192];
	const char		*p, *q;
	size_t			 len;
	FILE			*fp;

	memset(&di.history, 0, sizeof(di.history));
	p = strstr(INDEX_TEXT, "  \"history\": {");
	q = p != NULL ? strstr(p, "},\n") : NULL;
	if (q == NULL)
		exit(99);
	snprintf(want, sizeof(want), "%.*s  \"history\": null,\n%s",
	    (int)(p - INDEX_TEXT), INDEX_TEXT, q + 3);
	fp = open_memstream(&txt, &len);
	tap_int(report_index_write(fp, &di, ci, 2), 0, "history off: index "
	    "written");
	fclose(fp);
	tap_str(txt != NULL ? cut_generated(txt, stamp, sizeof(stamp)) : NULL,
	    want, "history off: index.json says \"history\": null");
	free(txt);
}

int
main(void)
{
	struct clan_figures	 fig;
	struct report_clan	 ci[2];
	struct report_daemon	 di;
	struct fetch_stats	 fs;
	struct fetch_key_stats	 keys[2];
	char			 tmpl[] = "/tmp/t_report.XXXXXX", *dir, path[512];
	char			 err[1024], *txt, stamp[32];
	time_t			 when = 1795300000;	/* 2026-11-21T22:26:40Z */
	size_t			 txtlen;
	FILE			*fp;
	struct outdir		*od;
	time_t			 before = time(NULL);

	if ((dir = mkdtemp(tmpl)) == NULL ||
	    (od = outdir_open(dir, err, sizeof(err))) == NULL)
		return 1;
	/* The figures of t_snap's snapshot: 5 members, 2 cards. */
	figures_init(&fig);
	fig.members = 5;
	fig.fetched = 3;
	fig.reused = 1;
	fig.failed = 1;
	fig.without_favourite = 1;
	tally_add(&fig.cards, 26000017, "Wizard");
	tally_add(&fig.cards, 28000011, "The Log");
	tally_add(&fig.cards, 26000017, "Wizard");
	tally_sort(&fig.cards);
	/*
	 * Two members with a deck: a tie of 1 player, names first (an odd
	 * one among them, escaped) and the nameless card last.
	 */
	fig.without_deck = 2;
	tally_add(&fig.deck_cards, 26000099, NULL);
	tally_add(&fig.deck_cards, 26000018, "Mini \"P.E.K.K.A\"");
	tally_add(&fig.deck_cards, 26000021, "Hog Rider");
	tally_add(&fig.deck_cards, 28000000, "Fireball");
	tally_add(&fig.deck_cards, 26000021, "Hog Rider");
	tally_sort(&fig.deck_cards);

	/* index.json and metrics.prom. */
	memset(ci, 0, sizeof(ci));
	memset(&fs, 0, sizeof(fs));
	memset(&di, 0, sizeof(di));
	fs.status_2xx = 51;
	fs.status_429 = 2;
	fs.retries = 3;
	fs.pauses = 2;
	fs.throttled_out = 1;
	di.version = "0.1.0";
	di.started = when;
	di.fetch = &fs;
	di.rate = 5;
	/* Key 1 slowed by a 429 whose pause is over; key 3 refused. */
	memset(keys, 0, sizeof(keys));
	keys[0].line = 1;
	keys[0].rate = 2.5;
	keys[0].requests = 55;
	keys[0].status_429 = 2;
	keys[1].line = 3;
	keys[1].refused = 1;
	keys[1].rate = 2.5;
	keys[1].requests = 1;
	di.keys = keys;
	di.nkeys = 2;
	di.reloads_ok = 1;
	di.players_read = 48;
	di.players_reused = 12;
	di.profiles = 4;
	di.history.database = "db/h.sqlite";
	di.history.error = "db/h.sqlite: the \"disk\" is full";
	di.history.writes_ok = 7;
	di.history.writes_failed = 1;
	ci[0].tag = "#9V2Y";
	ci[0].label = "Friends";
	ci[0].name = "Les \"Étoiles\" \\ ⭐";
	ci[0].last_success = when;
	ci[0].last_attempt = when;
	ci[0].interval = 900;
	ci[0].has_result = 1;
	ci[0].complete = 0;
	ci[0].last_error = "1 of 5 players could not be read";
	ci[0].duration = 0.8125;
	fig.cards.cards[1].name = "Odd \"card\" \\ name\nline";
	ci[0].fig = &fig;
	ci[1].tag = "#2PYLQ";
	ci[1].consecutive_failures = 3;
	ci[1].interval = 59.6;
	ci[1].last_attempt = when;
	ci[1].last_error = "HTTP 503 (inMaintenance) after 4 retries";
	txt = NULL;
	fp = open_memstream(&txt, &txtlen);
	tap_int(report_metrics_write(fp, &di, ci, 2), 0, "metrics written");
	fclose(fp);
	tap_str(txt, METRICS_TEXT, "metrics.prom text is exact");
	free(txt);
	txt = NULL;
	fp = open_memstream(&txt, &txtlen);
	tap_int(report_index_write(fp, &di, ci, 2), 0, "index written");
	fclose(fp);
	/* generated_at is the time of writing: compare it apart. */
	tap_str(txt != NULL ? cut_generated(txt, stamp, sizeof(stamp)) : NULL,
	    INDEX_TEXT, "index.json text is exact");
	tap_ok(tfile_iso_between(stamp, before, time(NULL)),
	    "index.json generated_at is the time of writing");
	free(txt);
	test_history_off(&di, ci);
	tap_int(report_write(od, &di, ci, 2, err, sizeof(err)), 0,
	    "reports written");
	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
	txt = tfile_slurp(path);
	tap_str(txt, METRICS_TEXT, "metrics.prom on disk is exact");
	free(txt);
	snprintf(path, sizeof(path), "%s/index.json", dir);
	txt = tfile_slurp(path);
	tap_str(txt != NULL ? cut_generated(txt, stamp, sizeof(stamp)) : NULL,
	    INDEX_TEXT, "index.json on disk is exact");
	free(txt);
	tap_str(tfile_list(dir), "cards.json clans index.json metrics.prom",
	    "the output directory holds only what was written");
	outdir_close(od);
	figures_free(&fig);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
