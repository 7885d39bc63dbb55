/* t_snap.c - unit tests for snap.c: snapshot, index and metrics texts,
   atomic writes, stale temp files, history retention. */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "refresh.h"
#include "snap.h"
#include "tally.h"
#include "tap.h"

static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((buf = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

static int
count_entries(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
result(struct refresh_result *r, time_t when)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->tag, sizeof(r->tag), "#9V2Y");
	r->ok = 1;
	r->name = strdup("Les \"Étoiles\" \\ ⭐");
	r->members = 5;
	r->fetched = 4;
	r->failed = 1;
	r->without_favourite = 1;
	r->fetched_at = when;
	r->duration = 0.8125;
	tally_init(&r->cards);
	tally_add(&r->cards, 26000017, "Wizard");
	tally_add(&r->cards, 28000011, "The Log");
	tally_add(&r->cards, 26000017, "Wizard");
	tally_sort(&r->cards);
}

int
main(void)
{
	struct refresh_result	 r;
	struct snap_clan_info	 ci[2];
	struct snap_daemon_info	 di;
	struct fetch_stats	 fs;
	char			 tmpl[] = "/tmp/t_snap.XXXXXX", *dir, path[512];
	char			 err[1024], *txt;
	time_t			 when = 1795300000;	/* 2026-11-21T22:26:40Z */
	time_t			 got_t = 0;
	int			 complete = -1, i;
	char			*got_name = NULL;
	size_t			 txtlen;
	FILE			*fp;

	if ((dir = mkdtemp(tmpl)) == NULL)
		return 1;

	/* The snapshot's exact text. */
	result(&r, when);
	txt = snap_clan_json(&r);
	tap_str(txt,
	    "{\n"
	    "  \"tag\": \"#9V2Y\",\n"
	    "  \"name\": \"Les \\\"Étoiles\\\" \\\\ ⭐\",\n"
	    "  \"fetched_at\": \"2026-11-21T22:26:40Z\",\n"
	    "  \"duration_ms\": 813,\n"
	    "  \"members\": 5,\n"
	    "  \"players\": {\n"
	    "    \"fetched\": 4,\n"
	    "    \"failed\": 1,\n"
	    "    \"without_favourite\": 1\n"
	    "  },\n"
	    "  \"complete\": false,\n"
	    "  \"favourite_cards\": [\n"
	    "    {\n"
	    "      \"name\": \"Wizard\",\n"
	    "      \"id\": 26000017,\n"
	    "      \"count\": 2\n"
	    "    },\n"
	    "    {\n"
	    "      \"name\": \"The Log\",\n"
	    "      \"id\": 28000011,\n"
	    "      \"count\": 1\n"
	    "    }\n"
	    "  ]\n"
	    "}\n", "snapshot text is exact, names escaped");
	free(txt);

	/* Atomic writes: the file appears, is replaced, no temp is left. */
	tap_int(snap_write_clan(dir, &r, err, sizeof(err)), 0,
	    "snap_write_clan succeeds");
	snprintf(path, sizeof(path), "%s/clans/9V2Y.json", dir);
	txt = slurp(path);
	tap_ok(txt != NULL && strncmp(txt, "{\n  \"tag\": \"#9V2Y\"", 18) == 0,
	    "clans/9V2Y.json written");
	free(txt);
	snprintf(path, sizeof(path), "%s/clans", dir);
	tap_int(count_entries(path), 1, "only the snapshot in clans/");
	tap_int(snap_read_clan(dir, "#9V2Y", &got_t, &complete, &got_name), 0,
	    "snap_read_clan reads it back");
	tap_int(got_t, when, "fetched_at read back");
	tap_int(complete, 0, "complete read back");
	tap_str(got_name, r.name, "name read back");
	free(got_name);
	tap_int(snap_read_clan(dir, "#2PYLQ", &got_t, &complete, &got_name),
	    -1, "snap_read_clan without a snapshot");

	/* A write that cannot happen leaves the old file and says why. */
	snprintf(path, sizeof(path), "%s/afile", dir);
	fp = fopen(path, "w");
	fclose(fp);
	tap_int(snap_write_file(path, "x.json", "{}", 2, err, sizeof(err)), -1,
	    "writing into a non-directory fails");
	{
		char want[1024];

		snprintf(want, sizeof(want), "cannot create a temporary file "
		    "in %s for x.json: Not a directory; the previous x.json "
		    "is kept", path);
		tap_str(err, want, "the error names the temporary file");
	}
	tap_int(snap_mkdirs(path, err, sizeof(err)), -1,
	    "snap_mkdirs over a file fails");

	/* Stale temp files are removed, nothing else. */
	snprintf(path, sizeof(path), "%s/clans/" SNAP_TMP_PREFIX "a.json.1",
	    dir);
	fp = fopen(path, "w");
	fclose(fp);
	snprintf(path, sizeof(path), "%s/clans/keep.json", dir);
	fp = fopen(path, "w");
	fclose(fp);
	snprintf(path, sizeof(path), "%s/clans", dir);
	tap_int(snap_clean_temps(path, err, sizeof(err)), 1,
	    "one stale temp file removed");
	tap_int(count_entries(path), 2, "the other files stay");

	/* History keeps the newest N. */
	for (i = 0; i < 4; i++) {
		r.fetched_at = when + i;
		tap_int(snap_write_history(dir, &r, 2, err, sizeof(err)), 0,
		    "history write %d", i);
	}
	snprintf(path, sizeof(path), "%s/history/9V2Y", dir);
	tap_int(count_entries(path), 2, "history keeps 2");
	snprintf(path, sizeof(path), "%s/history/9V2Y/20261121T222643Z.json",
	    dir);
	tap_ok(access(path, F_OK) == 0, "the newest is kept");
	snprintf(path, sizeof(path), "%s/history/9V2Y/20261121T222641Z.json",
	    dir);
	tap_ok(access(path, F_OK) == -1 && errno == ENOENT,
	    "an older one is removed");

	/* index.json and metrics.prom. */
	memset(ci, 0, sizeof(ci));
	memset(&fs, 0, sizeof(fs));
	memset(&di, 0, sizeof(di));
	fs.status_2xx = 51;
	fs.status_429 = 2;
	fs.retries = 3;
	fs.pauses = 2;
	di.version = "0.1.0";
	di.started = when;
	di.fetch = &fs;
	di.rate = 5;
	di.reloads_ok = 1;
	ci[0].tag = "#9V2Y";
	ci[0].label = "Friends";
	ci[0].name = r.name;
	ci[0].last_success = when;
	ci[0].last_attempt = when;
	ci[0].has_result = 1;
	ci[0].complete = 0;
	ci[0].last_error = "1 of 5 players could not be read";
	ci[0].duration = 0.8125;
	ci[0].members = 5;
	ci[0].fetched = 4;
	ci[0].failed = 1;
	ci[0].without_favourite = 1;
	free(r.cards.cards[1].name);
	r.cards.cards[1].name = strdup("Odd \"card\" \\ name\nline");
	ci[0].cards = &r.cards;
	ci[1].tag = "#2PYLQ";
	ci[1].consecutive_failures = 3;
	ci[1].last_attempt = when;
	ci[1].last_error = "HTTP 503 (inMaintenance) after 4 retries";
	txt = NULL;
	fp = open_memstream(&txt, &txtlen);
	tap_int(snap_metrics_write(fp, &di, ci, 2), 0, "metrics written");
	fclose(fp);
	tap_ok(txt != NULL && strstr(txt,
	    "clanpopd_favourite_card_players{clan=\"#9V2Y\",card=\"Odd "
	    "\\\"card\\\" \\\\ name\\nline\",card_id=\"28000011\"} 1\n") != NULL,
	    "metrics: label values escaped");
	tap_ok(txt != NULL && strstr(txt,
	    "clanpopd_clan_players{clan=\"#9V2Y\",state=\"without_favourite\"} "
	    "1\n") != NULL, "metrics: players by state");
	tap_ok(txt != NULL && strstr(txt,
	    "clanpopd_requests_total{status=\"429\"} 2\n") != NULL,
	    "metrics: requests by status");
	tap_ok(txt != NULL && strstr(txt,
	    "clanpopd_clan_last_success_timestamp_seconds{clan=\"#2PYLQ\"} "
	    "0\n") != NULL, "metrics: never-refreshed clan at 0");
	tap_ok(txt != NULL && strstr(txt,
	    "clanpopd_clan_members{clan=\"#2PYLQ\"}") == NULL,
	    "metrics: no member count for a clan never read");
	free(txt);
	txt = NULL;
	fp = open_memstream(&txt, &txtlen);
	tap_int(snap_index_write(fp, &di, ci, 2), 0, "index written");
	fclose(fp);
	tap_ok(txt != NULL && strstr(txt,
	    "    {\n"
	    "      \"tag\": \"#2PYLQ\",\n"
	    "      \"name\": null,\n"
	    "      \"label\": null,\n"
	    "      \"snapshot\": null,\n"
	    "      \"last_success\": null,\n"
	    "      \"last_attempt\": \"2026-11-21T22:26:40Z\",\n"
	    "      \"last_error\": \"HTTP 503 (inMaintenance) after 4 retries\",\n"
	    "      \"consecutive_failures\": 3,\n"
	    "      \"complete\": null\n"
	    "    }\n") != NULL, "index: a failing clan, exact");
	tap_ok(txt != NULL && strstr(txt,
	    "      \"snapshot\": \"clans/9V2Y.json\",\n") != NULL,
	    "index: snapshot path of a refreshed clan");
	free(txt);
	tap_int(snap_write_reports(dir, &di, ci, 2, err, sizeof(err)), 0,
	    "reports written");
	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
	tap_ok(access(path, F_OK) == 0, "metrics.prom exists");
	snprintf(path, sizeof(path), "%s/index.json", dir);
	tap_ok(access(path, F_OK) == 0, "index.json exists");

	free(r.name);
	tally_free(&r.cards);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
