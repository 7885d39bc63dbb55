/* t_trends.c - unit tests for trends.c: trends/TAG.json from a database. */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "outdir.h"
#include "tap.h"
#include "tfile.h"
#include "thist.h"
#include "trends.h"

/* trends_print's text of tag's trends (caller frees), or NULL. */
static char *
text(sqlite3 *db, const char *tag, time_t now, double window)
{
	struct trends	*t;
	FILE		*fp;
	char		*txt = NULL, err[512];
	size_t		 len;

	if ((t = trends_build(db, tag, now, window, err, sizeof(err))) ==
	    NULL) {
		printf("# trends_build: %s\n", err);
		return NULL;
	}
	if ((fp = open_memstream(&txt, &len)) == NULL)
		abort();
	tap_int(trends_print(fp, t), 0, "trends_print succeeds");
	fclose(fp);
	trends_free(t);
	return txt;
}

/* tag's trends over window up to NOW, or NULL after a failed test point. */
static struct trends *
build(sqlite3 *db, const char *tag, double window)
{
	struct trends	*t;
	char		 err[512];

	if ((t = trends_build(db, tag, NOW, window, err, sizeof(err))) ==
	    NULL)
		tap_ok(0, "trends_build: %s", err);
	return t;
}

#define R1	"[\"2026-11-18T10:06:40Z\", "
#define R2	"[\"2026-11-18T10:36:40Z\", "
#define R3	"[\"2026-11-18T11:06:40Z\", "
#define SERIES(name, id, a, b, c) \
	"    {\"id\": " #id ", \"name\": \"" name "\", \"points\": [" \
	R1 #a "], " R2 #b "], " R3 #c "]]}"
#define SERIES_AND(name, id, a, b, c, sep) SERIES(name, id, a, b, c) sep

/*
 * The window [NOW - 1 h, NOW] holds three refreshes of #9V2Y; one before
 * it, one after NOW and another clan's are left out.  The latest has 12
 * cards, of which the top 10 by players then name come first; then the
 * cards of earlier top 10s, the most recent first: Witch and Hog Rider
 * (the second refresh, in their order there), then card 26000080 under
 * its new name.  Valkyrie was never in a top 10.  The deck cards follow
 * the same rules on the decks rows: Giant and Goblins tie and go by name,
 * then Hog Rider, then Archers and Knight (a tie at the first refresh).
 */
#define EXACT_TEXT \
	"{\n" \
	"  \"tag\": \"#9V2Y\",\n" \
	"  \"name\": \"Alpha \\\"Wolves\\\" ⭐\",\n" \
	"  \"from\": \"2026-11-18T10:06:40Z\",\n" \
	"  \"to\": \"2026-11-18T11:06:40Z\",\n" \
	"  \"refreshes\": 3,\n" \
	"  \"cards\": [\n" \
	SERIES("Knight", 26000000, 2, 4, 5) ",\n" \
	SERIES("Archers", 26000001, 0, 1, 4) ",\n" \
	SERIES("Goblins", 26000002, 0, 0, 4) ",\n" \
	SERIES("Giant", 26000003, 0, 0, 3) ",\n" \
	SERIES("P.E.K.K.A", 26000004, 0, 0, 3) ",\n" \
	SERIES("Balloon", 26000006, 0, 0, 2) ",\n" \
	SERIES("Minions", 26000005, 0, 0, 2) ",\n" \
	SERIES("Barbarians", 26000008, 0, 0, 1) ",\n" \
	SERIES("Golem", 26000009, 0, 0, 1) ",\n" \
	SERIES("Skeletons", 26000010, 0, 0, 1) ",\n" \
	SERIES("Witch", 26000007, 0, 6, 1) ",\n" \
	SERIES("Hog Rider", 26000021, 0, 5, 0) ",\n" \
	SERIES("New \\\\ Name", 26000080, 9, 0, 0) "\n" \
	"  ],\n" \
	"  \"deck_cards\": [\n" \
	SERIES_AND("Giant", 26000003, 0, 0, 7, ",\n") \
	SERIES_AND("Goblins", 26000002, 0, 0, 7, ",\n") \
	SERIES_AND("P.E.K.K.A", 26000004, 0, 0, 1, ",\n") \
	SERIES_AND("Hog Rider", 26000021, 0, 3, 0, ",\n") \
	SERIES_AND("Archers", 26000001, 8, 0, 0, ",\n") \
	SERIES_AND("Knight", 26000000, 8, 0, 0, "\n") \
	"  ]\n" \
	"}\n"

static void
test_exact(void)
{
	static const struct fav	 before[] = { { 26000090, 30 }, { 0, 0 } };
	static const struct fav	 r1[] = { { 26000080, 9 }, { 26000000, 2 },
				    { 0, 0 } };
	static const struct fav	 r2[] = { { 26000007, 6 }, { 26000021, 5 },
				    { 26000000, 4 }, { 26000001, 1 },
				    { 0, 0 } };
	static const struct fav	 r3[] = { { 26000000, 5 }, { 26000001, 4 },
				    { 26000002, 4 }, { 26000003, 3 },
				    { 26000004, 3 }, { 26000005, 2 },
				    { 26000006, 2 }, { 26000007, 1 },
				    { 26000008, 1 }, { 26000009, 1 },
				    { 26000010, 1 }, { 26000011, 1 },
				    { 0, 0 } };
	static const struct fav	 later[] = { { 26000091, 40 }, { 0, 0 } };
	static const struct fav	 d1[] = { { 26000000, 8 }, { 26000001, 8 },
				    { 0, 0 } };
	static const struct fav	 d2[] = { { 26000021, 3 }, { 0, 0 } };
	static const struct fav	 d3[] = { { 26000004, 1 }, { 26000002, 7 },
				    { 26000003, 7 }, { 0, 0 } };
	static const char	*names[] = { "Knight", "Archers", "Goblins",
				    "Giant", "P.E.K.K.A", "Minions", "Balloon",
				    "Witch", "Barbarians", "Golem", "Skeletons",
				    "Valkyrie" };
	sqlite3			*db = db_new(":memory:");
	char			*txt, err[512];
	size_t			 i;

	for (i = 0; i < 12; i++)
		card(db, 26000000 + (long long)i, names[i]);
	card(db, 26000021, "Hog Rider");
	card(db, 26000080, "Old Name");
	card(db, 26000090, "Outside");
	card(db, 26000091, "Future");
	refresh_decks(db, "#9V2Y", "Alpha", NOW - 3601, before, before);
	refresh_decks(db, "#9V2Y", "Alpha", NOW - 3600, r1, d1);
	refresh_decks(db, "#2PYLQ", "Other", NOW - 3000, later, later);
	refresh_decks(db, "#9V2Y", "Alpha", NOW - 1800, r2, d2);
	refresh_decks(db, "#9V2Y", "Alpha \"Wolves\" ⭐", NOW, r3, d3);
	refresh_decks(db, "#9V2Y", "Later", NOW + 1, later, later);
	/* The API renamed the card since: the new name is shown. */
	card(db, 26000080, "New \\ Name");
	txt = text(db, "#9V2Y", NOW, HOUR);
	tap_str(txt, EXACT_TEXT, "trends text is exact: window bounds, top 10 "
	    "by players then name, former top cards, zeros, renamed card, "
	    "deck cards by the same rules");
	free(txt);

	txt = text(db, "#CUV", NOW, HOUR);
	tap_str(txt, "{\n"
	    "  \"tag\": \"#CUV\",\n"
	    "  \"name\": null,\n"
	    "  \"from\": \"2026-11-18T10:06:40Z\",\n"
	    "  \"to\": \"2026-11-18T11:06:40Z\",\n"
	    "  \"refreshes\": 0,\n"
	    "  \"cards\": [],\n"
	    "  \"deck_cards\": []\n"
	    "}\n", "a clan without refreshes in the window: no cards");
	free(txt);
	sqlite3_close(db);
	tap_ok(trends_build(NULL, "#9V2Y", NOW, HOUR, err, sizeof(err)) ==
	    NULL, "no database: no trends");
	tap_str(err, "the history database is not open, so the trends of "
	    "#9V2Y cannot be read", "and the reason");
}

/* Only the latest 20 cards: the top 10, then the most recent former ones. */
static void
test_cap(void)
{
	struct fav	 f[3] = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
	struct fav	 latest[11];
	static const long long want[] = { 26000000, 26000001, 26000002,
			    26000003, 26000004, 26000005, 26000006, 26000007,
			    26000008, 26000009, 27000014, 27000100, 27000013,
			    27000012, 27000011, 27000010, 27000009, 27000008,
			    27000007, 27000006 };
	struct trends	*t;
	sqlite3		*db = db_new(":memory:");
	char		 name[32];
	size_t		 i, same = 0;

	card(db, 27000100, "Extra");
	for (i = 0; i < 15; i++) {
		snprintf(name, sizeof(name), "Former %02zu", i);
		card(db, 27000000 + (long long)i, name);
		f[0].id = 27000000 + (long long)i;
		f[0].players = 50;
		f[1].id = i == 14 ? 27000100 : 0;
		f[1].players = 40;
		refresh(db, "#9V2Y", "Alpha", NOW - 1000 + 10 * (long long)i,
		    f);
	}
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "Top %02zu", i);
		card(db, 26000000 + (long long)i, name);
		latest[i].id = 26000000 + (long long)i;
		latest[i].players = 20 - (int)i;
	}
	latest[10].id = 0;
	refresh(db, "#9V2Y", "Alpha", NOW, latest);
	t = build(db, "#9V2Y", HOUR);
	tap_int(t != NULL ? (long long)t->ncards : -1, 20,
	    "25 cards were in a top 10: 20 are kept");
	for (i = 0; t != NULL && i < t->ncards && i < 20; i++)
		same += t->cards[i].id == want[i];
	tap_int(same, 20, "the latest top 10, then former top cards, most "
	    "recent first, in their order at that refresh");
	tap_int(t != NULL ? (long long)t->npoints : -1, 16, "16 refreshes, "
	    "16 points");
	trends_free(t);
	sqlite3_close(db);
}

/*
 * 399 refreshes a minute apart: the 200 points are every other refresh,
 * the first and the latest included, each a refresh's own count; a card
 * only in the skipped refreshes shows 0 throughout.  The deck card is
 * sampled at the same refreshes.
 */
static void
test_downsample_even(void)
{
	struct fav	 f[2] = { { 0, 0 }, { 0, 0 } };
	struct fav	 d[2] = { { 26000001, 0 }, { 0, 0 } };
	struct trends	*t;
	sqlite3		*db = db_new(":memory:");
	size_t		 i, times = 0, counts = 0, zeros = 0, decks = 0;

	card(db, 26000000, "Knight");
	card(db, 26000001, "Archers");
	sql(db, "BEGIN");
	for (i = 0; i < 399; i++) {
		f[0].id = i % 2 == 0 ? 26000000 : 26000001;
		f[0].players = i % 2 == 0 ? (int)(i % 7) + 1 : 3;
		d[0].players = (int)(i % 5) + 1;
		refresh_decks(db, "#9V2Y", "Alpha", NOW - 60 * (398 -
		    (long long)i), f, d);
	}
	sql(db, "COMMIT");
	if ((t = build(db, "#9V2Y", 24 * HOUR)) == NULL) {
		sqlite3_close(db);
		return;
	}
	tap_int(t->refreshes, 399, "399 refreshes in the window");
	tap_int(t->npoints, TRENDS_POINTS_MAX, "exactly 200 points");
	tap_int(t->ncards, 2, "two cards");
	for (i = 0; i < t->npoints && t->ncards == 2; i++) {
		times += t->times[i] == NOW - 60 * (398 - 2 * (time_t)i);
		counts += t->cards[0].players[i] == (2 * i) % 7 + 1;
		zeros += t->cards[1].players[i] == 0;
		decks += t->ndeck_cards == 1 &&
		    t->deck_cards[0].players[i] == (2 * i) % 5 + 1;
	}
	tap_int(times, 200, "the points are refreshes 0, 2, ..., 398");
	tap_int(t->times[199], NOW, "the last point is the latest refresh");
	tap_int(counts, 200, "each point is its refresh's own count");
	tap_int(zeros, 200, "a card absent from the sampled refreshes is 0");
	tap_int(decks, 200, "the deck card's points are the same refreshes' "
	    "own counts");
	trends_free(t);
	sqlite3_close(db);
}

/*
 * 250 refreshes a second apart, then 50 more a day later: the points go
 * to the first refresh at or after each even step, but leave one refresh
 * for each later point, so the first burst gives refresh 0 and 101..249.
 */
static void
test_downsample_burst(void)
{
	struct trends	*t;
	sqlite3		*db = db_new(":memory:");
	time_t		 base = NOW - 100049, want;
	size_t		 i, ok = 0;

	sql(db, "BEGIN");
	for (i = 0; i < 300; i++)
		refresh(db, "#9V2Y", "Alpha", base + (i < 250 ? (long long)i :
		    100000 + (long long)i - 250), NULL);
	sql(db, "COMMIT");
	if ((t = build(db, "#9V2Y", 48 * HOUR)) == NULL) {
		sqlite3_close(db);
		return;
	}
	tap_int(t->npoints, TRENDS_POINTS_MAX, "exactly 200 points of 300 "
	    "uneven refreshes");
	for (i = 0; i < t->npoints; i++) {
		want = i == 0 ? base : i < 150 ? base + 100 + (time_t)i :
		    base + 100000 + (time_t)i - 150;
		ok += t->times[i] == want;
	}
	tap_int(ok, 200, "the points are refreshes 0 and 101 to 299");
	tap_int(t->ncards, 0, "refreshes without favourites: no cards");
	trends_free(t);
	sqlite3_close(db);
}

/* The names in dir, sorted and joined by spaces, into buf. */
static const char *
listing(const char *dir, char *buf, size_t len)
{
	struct dirent	**de;
	int		  n, i;

	buf[0] = '\0';
	if ((n = scandir(dir, &de, NULL, alphasort)) == -1)
		return "(none)";
	for (i = 0; i < n; i++) {
		if (de[i]->d_name[0] != '.' || strlen(de[i]->d_name) > 2)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			    buf[0] != '\0' ? " " : "", de[i]->d_name);
		free(de[i]);
	}
	free(de);
	return buf;
}

/*
 * trends_write: the file in trends/, exactly trends_print's text, no
 * temporary file left; a link planted as trends/ is refused, at write and
 * at open; outdir_open removes a temporary file left in trends/.
 */
static void
test_write(const char *top)
{
	static const struct fav	 f[] = { { 26000000, 3 }, { 0, 0 } };
	struct outdir		*od;
	sqlite3			*db = db_new(":memory:");
	char			 dir[512], path[600], err[1024], want[1200];
	char			 names[256], *got, *txt;

	card(db, 26000000, "Knight");
	refresh(db, "#9V2Y", "Alpha", NOW, f);
	snprintf(dir, sizeof(dir), "%s/out", top);
	if ((od = outdir_open(dir, err, sizeof(err))) == NULL) {
		tap_ok(0, "outdir_open: %s", err);
		return;
	}
	tap_int(trends_write(od, db, "#9V2Y", NOW, HOUR, err, sizeof(err)),
	    0, "trends_write succeeds");
	snprintf(path, sizeof(path), "%s/trends/9V2Y.json", dir);
	got = tfile_slurp(path);
	txt = text(db, "#9V2Y", NOW, HOUR);
	tap_str(got, txt, "trends/9V2Y.json is trends_print's text");
	free(got);
	free(txt);
	snprintf(path, sizeof(path), "%s/trends", dir);
	tap_str(listing(path, names, sizeof(names)), "9V2Y.json",
	    "trends/ holds the file and no temporary file");
	snprintf(want, sizeof(want), "%s/.clanpopd-tmp-9V2Y.json.AbC123",
	    path);
	fclose(fopen(want, "w"));
	outdir_close(od);
	od = outdir_open(dir, err, sizeof(err));
	tap_str(listing(path, names, sizeof(names)), "9V2Y.json",
	    "outdir_open removes a temporary file left in trends/");
	snprintf(want, sizeof(want), "%s/trends.moved", dir);
	rename(path, want);
	symlink(want, path);
	tap_int(trends_write(od, db, "#9V2Y", NOW, HOUR, err, sizeof(err)),
	    -1, "trends/ replaced by a symbolic link: the write is refused");
	snprintf(want, sizeof(want), "%s/trends is a symbolic link; clanpopd "
	    "never follows one in its output directory: remove it", dir);
	tap_str(err, want, "and says so");
	outdir_close(od);
	tap_ok(outdir_open(dir, err, sizeof(err)) == NULL, "outdir_open "
	    "refuses a trends/ that is a symbolic link");
	tap_str(err, want, "with the same sentence");
	sqlite3_close(db);
}

#define BIG_REFRESHES	8640	/* 90 days, every 15 minutes */

/*
 * Fill db with BIG_REFRESHES refreshes of #9V2Y and of #2PYLQ, 15 min
 * apart up to NOW, each of 50 players whose favourites lean to the first
 * of 60 cards, and whose decks hold all 60 cards.
 */
static void
big_db(sqlite3 *db)
{
	sqlite3_stmt	*rs, *fs, *ds;
	unsigned long	 x = 12345;
	int		 n[60], i, c, k;

	for (c = 0; c < 60; c++) {
		char name[16];

		snprintf(name, sizeof(name), "Card %02d", c);
		card(db, 26000000 + c, name);
	}
	sql(db, "BEGIN");
	if (sqlite3_prepare_v2(db, "INSERT INTO refreshes (clan, clan_name, "
	    "fetched_at, members, fetched, failed, without_favourite, "
	    "complete, duration_ms) VALUES (?1, 'Big', ?2, 50, 50, 0, 0, 1, "
	    "900)", -1, &rs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO favourites (refresh_id, "
	    "card_id, players) VALUES (?1, ?2, ?3)", -1, &fs, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, "INSERT INTO decks "
	    "(refresh_id, card_id, players) VALUES (?1, ?2, ?3)", -1, &ds,
	    NULL) != SQLITE_OK)
		abort();
	for (i = 0; i < 2 * BIG_REFRESHES; i++) {
		sqlite3_bind_text(rs, 1, i % 2 ? "#2PYLQ" : "#9V2Y", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(rs, 2, NOW - 900LL * (BIG_REFRESHES - 1 -
		    i / 2));
		sqlite3_step(rs);
		sqlite3_reset(rs);
		memset(n, 0, sizeof(n));
		for (k = 0; k < 50; k++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			n[(x >> 33) % 60 * ((x >> 20) % 60) / 60]++;
		}
		for (c = 0; c < 60; c++) {
			sqlite3_bind_int64(ds, 1,
			    sqlite3_last_insert_rowid(db));
			sqlite3_bind_int64(ds, 2, 26000000 + c);
			sqlite3_bind_int(ds, 3, (c * 7 + i) % 50 + 1);
			sqlite3_step(ds);
			sqlite3_reset(ds);
		}
		for (c = 0; c < 60; c++) {
			if (n[c] == 0)
				continue;
			sqlite3_bind_int64(fs, 1,
			    sqlite3_last_insert_rowid(db));
			sqlite3_bind_int64(fs, 2, 26000000 + c);
			sqlite3_bind_int(fs, 3, n[c]);
			sqlite3_step(fs);
			sqlite3_reset(fs);
		}
	}
	sqlite3_finalize(rs);
	sqlite3_finalize(fs);
	sqlite3_finalize(ds);
	sql(db, "COMMIT");
}

/* The statements trends_build runs, as a trace callback keeps them. */
struct traced {
	char	*sql[16];
	int	 n;
};

static int
trace_cb(unsigned type, void *ctx, void *p, void *x)
{
	struct traced	*tr = ctx;
	const char	*q = sqlite3_sql(p);
	int		 i;

	(void)type;
	(void)x;
	for (i = 0; i < tr->n; i++)
		if (strcmp(tr->sql[i], q) == 0)
			return 0;
	if (tr->n < 16 && strncmp(q, "SELECT", 6) == 0)
		tr->sql[tr->n++] = strdup(q);
	return 0;
}

/* The query plan of q, its lines joined by " | ", into buf. */
static const char *
plan(sqlite3 *db, const char *q, char *buf, size_t len)
{
	sqlite3_stmt	*st;
	char		*eq = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", q);

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, eq, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			    buf[0] != '\0' ? " | " : "",
			    (const char *)sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
	}
	sqlite3_free(eq);
	return buf;
}

static double
elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/* The fastest of 5 builds of #9V2Y's trends over window, in ms. */
static double
time_build(sqlite3 *db, double window, struct trends **last)
{
	struct timespec	 t0;
	char		 err[512];
	double		 ms, best = 1e9;
	int		 i;

	for (i = 0; i < 5; i++) {
		trends_free(*last);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		*last = trends_build(db, "#9V2Y", NOW, window, err,
		    sizeof(err));
		ms = elapsed_ms(&t0);
		if (*last == NULL)
			printf("# trends_build: %s\n", err);
		if (ms < best)
			best = ms;
	}
	return best;
}

/*
 * 90 days of refreshes every 15 minutes: every query is a search of an
 * index (no scan, no sort), the trends are whole, and the time a build
 * takes on the event loop is reported.
 */
static void
test_big(const char *top)
{
	static const char	*want[] = {
	    "SEARCH refreshes USING COVERING INDEX refreshes_clan_time "
	    "(clan=? AND fetched_at>? AND fetched_at<?)",
	    "SEARCH refreshes USING INTEGER PRIMARY KEY (rowid=?)",
	    "SEARCH r USING COVERING INDEX refreshes_clan_time "
	    "(clan=? AND fetched_at>? AND fetched_at<?) | "
	    "SEARCH f USING PRIMARY KEY (refresh_id=?)",
	    "SEARCH cards USING INTEGER PRIMARY KEY (rowid=?)",
	    "SEARCH r USING COVERING INDEX refreshes_clan_time "
	    "(clan=? AND fetched_at>? AND fetched_at<?) | "
	    "SEARCH f USING PRIMARY KEY (refresh_id=?)" };
	struct traced		 tr = { { NULL }, 0 };
	struct trends		*t = NULL;
	sqlite3			*db;
	char			 path[512], buf[512];
	double			 ms90, ms30;
	int			 i;

	snprintf(path, sizeof(path), "%s/big.sqlite", top);
	db = db_new(path);
	sql(db, "PRAGMA journal_mode = WAL");
	big_db(db);
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace_cb, &tr);
	ms90 = time_build(db, 90 * 24 * HOUR, &t);
	sqlite3_trace_v2(db, 0, NULL, NULL);
	tap_int(tr.n, 5, "trends_build runs five queries");
	for (i = 0; i < tr.n && i < 5; i++) {
		tap_str(plan(db, tr.sql[i], buf, sizeof(buf)), want[i],
		    "query %d searches an index", i + 1);
		free(tr.sql[i]);
	}
	tap_int(t != NULL ? (long long)t->refreshes : -1, BIG_REFRESHES,
	    "8640 refreshes in a 90-day window");
	tap_int(t != NULL ? (long long)t->npoints : -1, TRENDS_POINTS_MAX,
	    "200 points");
	tap_int(t != NULL ? (long long)t->times[TRENDS_POINTS_MAX - 1] : -1,
	    NOW, "the last is the latest refresh");
	tap_int(t != NULL ? (long long)t->ncards : -1, TRENDS_CARDS_MAX,
	    "20 cards");
	tap_int(t != NULL ? (long long)t->ndeck_cards : -1, TRENDS_CARDS_MAX,
	    "20 deck cards");
	ms30 = time_build(db, 30 * 24 * HOUR, &t);
	tap_int(t != NULL ? (long long)t->refreshes : -1, 2881,
	    "2881 refreshes in a 30-day window (its start included)");
	printf("# trends_build of one clan: %.1f ms at 8640 refreshes (90 "
	    "days), %.1f ms at 2881 (30 days)\n", ms90, ms30);
	trends_free(t);
	sqlite3_close(db);
}

int
main(void)
{
	char top[] = "/tmp/t_trends.XXXXXX", path[600];

	if (mkdtemp(top) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	test_exact();
	test_cap();
	test_downsample_even();
	test_downsample_burst();
	test_write(top);
	test_big(top);
	snprintf(path, sizeof(path), "rm -rf '%s'", top);
	if (system(path) != 0)
		printf("# could not remove %s\n", top);
	return tap_done();
}
