/*
 * family_cost.c - benchmark 6's second probe: what trends/family.json
 * costs (src/famtrends.c, src/history.c: the daemon's own code) on the
 * database in DIR.
 *
 *   family_cost DIR NAME CLANS NOW ROUNDS
 *
 * Clans are "#C0" .. "#C<CLANS-1>", the window 30 days up to NOW.  Times
 * one build of the whole on a connection of its own, then ROUNDS times:
 * a refresh of the next clan recorded at NOW + round (a copy of its
 * latest, favourites and decks) and the build that follows from what was
 * kept; then what the event loop spends asking the worker for the file
 * (history_family, ROUNDS calls) and how long the worker takes to finish
 * (history_close).  Prints one line of JSON, times in milliseconds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "famtrends.h"
#include "history.h"
#include "outdir.h"

#define WINDOW	(30 * 86400.0)

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Record a copy of clan's latest refresh at t. */
static void
copy_refresh(sqlite3 *db, const char *clan, long t)
{
	char *q = sqlite3_mprintf(
	    "BEGIN;"
	    "CREATE TEMP TABLE IF NOT EXISTS last (id INTEGER);"
	    "DELETE FROM last;"
	    "INSERT INTO last SELECT id FROM refreshes WHERE clan = %Q "
	    "ORDER BY fetched_at DESC, id DESC LIMIT 1;"
	    "INSERT INTO refreshes (clan, clan_name, fetched_at, members, "
	    "fetched, failed, without_favourite, complete, duration_ms) "
	    "VALUES (%Q, 'Clan', %ld, 50, 50, 0, 2, 1, 2500);"
	    "INSERT INTO favourites SELECT last_insert_rowid(), card_id, "
	    "players FROM favourites WHERE refresh_id = (SELECT id FROM last);"
	    "INSERT INTO decks SELECT (SELECT max(id) FROM refreshes), "
	    "card_id, players FROM decks WHERE refresh_id = (SELECT id FROM "
	    "last);"
	    "COMMIT;", clan, clan, t);

	if (sqlite3_exec(db, q, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "copy: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_free(q);
}

int
main(int argc, char *argv[])
{
	struct famtrends	*f;
	struct trends		*t;
	struct outdir		*od;
	struct history		*h;
	sqlite3			*db;
	char			**tags, err[1024], path[4096];
	double			*inc, *loop, t0, full, drain;
	long			 clans, now, rounds, i;
	size_t			 ncards = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: family_cost DIR NAME CLANS NOW "
		    "ROUNDS\n");
		return 2;
	}
	clans = atol(argv[3]);
	now = atol(argv[4]);
	rounds = atol(argv[5]);
	tags = calloc(clans, sizeof(*tags));
	inc = calloc(rounds, sizeof(*inc));
	loop = calloc(rounds, sizeof(*loop));
	for (i = 0; i < clans; i++)
		if (asprintf(&tags[i], "#C%ld", i) == -1)
			return 1;
	snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 1;
	sqlite3_busy_timeout(db, 5000);
	f = famtrends_new();
	t0 = now_ms();
	t = famtrends_build(f, db, (const char *const *)tags, clans, now,
	    WINDOW, err, sizeof(err));
	full = now_ms() - t0;
	if (t == NULL) {
		fprintf(stderr, "famtrends_build: %s\n", err);
		return 1;
	}
	printf("{\"refreshes\": %zu, \"points\": %zu, ", t->refreshes,
	    t->npoints);
	trends_free(t);
	for (i = 0; i < rounds; i++) {
		copy_refresh(db, tags[i % clans], now + i + 1);
		t0 = now_ms();
		t = famtrends_build(f, db, (const char *const *)tags, clans,
		    now + i + 1, WINDOW, err, sizeof(err));
		inc[i] = now_ms() - t0;
		if (t == NULL) {
			fprintf(stderr, "famtrends_build: %s\n", err);
			return 1;
		}
		ncards = t->ncards + t->ndeck_cards;
		trends_free(t);
	}
	qsort(inc, rounds, sizeof(*inc), cmp_double);
	printf("\"full_ms\": %.1f, \"whole_reads\": %lu, \"cards\": %zu, "
	    "\"inc_p50_ms\": %.2f, \"inc_p99_ms\": %.2f, \"inc_max_ms\": "
	    "%.2f, ", full, famtrends_full_builds(f), ncards,
	    inc[rounds / 2], inc[rounds * 99 / 100], inc[rounds - 1]);
	famtrends_free(f);
	sqlite3_close(db);
	if ((od = outdir_open(argv[1], err, sizeof(err))) == NULL ||
	    (h = history_open(od, argv[2], err, sizeof(err))) == NULL ||
	    err[0] != '\0') {
		fprintf(stderr, "history_open: %s\n", err);
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		t0 = now_ms();
		history_family(h, (const char *const *)tags, clans,
		    now + rounds, WINDOW);
		loop[i] = now_ms() - t0;
	}
	t0 = now_ms();
	history_close(h);
	drain = now_ms() - t0;
	outdir_close(od);
	qsort(loop, rounds, sizeof(*loop), cmp_double);
	printf("\"loop_p99_ms\": %.4f, \"loop_max_ms\": %.4f, "
	    "\"worker_drain_ms\": %.1f}\n", loop[rounds * 99 / 100],
	    loop[rounds - 1], drain);
	return 0;
}
