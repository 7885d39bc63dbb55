/* t_famtrends.c - unit tests for famtrends.c: trends/family.json. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "famseries.h"
#include "famtrends.h"
#include "history.h"
#include "outdir.h"
#include "tap.h"
#include "tfile.h"
#include "thist.h"
#include "trends.h"
#include "trendset.h"

/* famtrends_print's text of the family (caller frees), or NULL. */
static char *
ftext(struct famtrends *f, sqlite3 *db, const char *const *tags, size_t n,
    time_t now, double window)
{
	struct trends	*t;
	FILE		*fp;
	char		*txt = NULL, err[512];
	size_t		 len;

	if ((t = famtrends_build(f, db, tags, n, now, window, err,
	    sizeof(err))) == NULL) {
		printf("# famtrends_build: %s\n", err);
		return NULL;
	}
	if ((fp = open_memstream(&txt, &len)) == NULL)
		abort();
	if (famtrends_print(fp, t) != 0)
		printf("# famtrends_print failed\n");
	fclose(fp);
	trends_free(t);
	return txt;
}

#define P1	"[\"2026-11-18T10:16:40Z\", "
#define P2	"[\"2026-11-18T10:33:20Z\", "
#define P3	"[\"2026-11-18T10:41:40Z\", "
#define P4	"[\"2026-11-18T10:50:00Z\", "
#define FAM(name, id, a, b, c, d) \
	"    {\"id\": " #id ", \"name\": \"" name "\", \"points\": [" \
	P1 #a "], " P2 #b "], " P3 #c "], " P4 #d "]]}"

/*
 * Three clans configured: #9V2Y, #2PYLQ (a refresh before the window
 * counts until its next) and #CUV (none until its first, 0 before).
 * #8Q is no longer configured: its refresh is neither a time nor summed;
 * #2PYLQ's refresh after now is left out.  The times are the 4 refreshes
 * in the window; Archers and Knight tie at the latest and go by name,
 * Hog Rider was in the top at the third time.
 */
#define FAMILY_TEXT \
	"{\n" \
	"  \"from\": \"2026-11-18T10:06:40Z\",\n" \
	"  \"to\": \"2026-11-18T11:06:40Z\",\n" \
	"  \"clans\": 3,\n" \
	"  \"refreshes\": 4,\n" \
	"  \"cards\": [\n" \
	FAM("Archers", 26000001, 8, 4, 4, 3) ",\n" \
	FAM("Knight", 26000000, 4, 4, 6, 3) ",\n" \
	FAM("Hog Rider", 26000021, 2, 2, 2, 0) "\n" \
	"  ],\n" \
	"  \"deck_cards\": [\n" \
	FAM("Goblins", 26000002, 9, 2, 4, 5) ",\n" \
	FAM("Giant", 26000003, 5, 5, 7, 3) "\n" \
	"  ]\n" \
	"}\n"

static void
test_exact(void)
{
	static const struct fav	 bf[] = { { 26000001, 7 }, { 0, 0 } };
	static const struct fav	 bd[] = { { 26000002, 9 }, { 0, 0 } };
	static const struct fav	 a1f[] = { { 26000000, 4 }, { 26000021, 2 },
				    { 26000001, 1 }, { 0, 0 } };
	static const struct fav	 a1d[] = { { 26000003, 5 }, { 0, 0 } };
	static const struct fav	 gone[] = { { 26000000, 50 },
				    { 26000003, 50 }, { 0, 0 } };
	static const struct fav	 b2f[] = { { 26000001, 3 }, { 0, 0 } };
	static const struct fav	 b2d[] = { { 26000002, 2 }, { 0, 0 } };
	static const struct fav	 cf[] = { { 26000000, 2 }, { 0, 0 } };
	static const struct fav	 cd[] = { { 26000003, 2 }, { 26000002, 2 },
				    { 0, 0 } };
	static const struct fav	 a2f[] = { { 26000000, 1 }, { 0, 0 } };
	static const struct fav	 a2d[] = { { 26000003, 1 }, { 26000002, 1 },
				    { 0, 0 } };
	static const struct fav	 late[] = { { 26000001, 40 },
				    { 26000002, 40 }, { 0, 0 } };
	static const char *const tags[] = { "#CUV", "#9V2Y", "#2PYLQ",
				    "#9V2Y" };
	static const char *const none[] = { "#PG" };
	struct famtrends	*f = famtrends_new();
	sqlite3			*db = db_new(":memory:");
	char			*txt;

	static const struct {
		const char		*clan;
		long long		 dt;
		const struct fav	*f, *d;
	} rs[] = {
		{ "#2PYLQ", -3700, bf, bd }, { "#9V2Y", -3000, a1f, a1d },
		{ "#8Q", -2500, gone, gone }, { "#2PYLQ", -2000, b2f, b2d },
		{ "#CUV", -1500, cf, cd }, { "#9V2Y", -1000, a2f, a2d },
		{ "#2PYLQ", 5, late, late },
	};
	static const char *const names[] = { "Knight", "Archers", "Goblins",
				    "Giant" };
	size_t			 i;

	for (i = 0; i < 4; i++)
		card(db, 26000000 + (long long)i, names[i]);
	card(db, 26000021, "Hog Rider");
	for (i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		refresh_decks(db, rs[i].clan, "Clan", NOW + rs[i].dt, rs[i].f,
		    rs[i].d);
	txt = ftext(f, db, tags, 4, NOW, HOUR);
	tap_str(txt, FAMILY_TEXT, "family text is exact: configured clans "
	    "summed at each refresh time, 0 before a clan's first, an "
	    "earlier refresh counts, a removed clan left out, both measures");
	free(txt);
	txt = ftext(f, db, tags, 3, NOW, HOUR);
	tap_str(txt, FAMILY_TEXT, "built again from what it kept: the same");
	tap_int(famtrends_full_builds(f), 1, "and without reading the whole");
	free(txt);
	txt = ftext(f, db, none, 1, NOW, HOUR);
	tap_str(txt, "{\n  \"from\": \"2026-11-18T10:06:40Z\",\n"
	    "  \"to\": \"2026-11-18T11:06:40Z\",\n  \"clans\": 1,\n"
	    "  \"refreshes\": 0,\n  \"cards\": [],\n  \"deck_cards\": []\n}\n",
	    "a clan without refreshes in the window: no times, no cards");
	free(txt);
	tap_int(famtrends_full_builds(f), 2, "other clans: the whole is read");
	famtrends_free(f);
	sqlite3_close(db);
}

/* The times of the clans tags' refreshes in [from, to], sampled. */
static size_t
want_times(sqlite3 *db, time_t from, time_t to, time_t *out)
{
	sqlite3_stmt	*st;
	time_t		 all[4096];
	size_t		 n = 0, sample[4096], m, k;

	sqlite3_prepare_v2(db, "SELECT fetched_at FROM refreshes WHERE "
	    "clan <> '#8Q' AND fetched_at BETWEEN ?1 AND ?2 ORDER BY "
	    "fetched_at, id", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while (n < 4096 && sqlite3_step(st) == SQLITE_ROW)
		all[n++] = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	m = trendset_pick(all, n, sample);
	for (k = 0; k < m; k++)
		out[k] = all[sample[k]];
	return m;
}

/*
 * Retention's statements, as history_prune_batch runs them: how many
 * refreshes went.
 */
static int
prune(sqlite3 *db, time_t cutoff)
{
	sqlite3_stmt	*st;
	int		 n = -1;

	if (sqlite3_prepare_v2(db, HISTORY_SQL_PRUNE, -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)cutoff);
	sqlite3_bind_int(st, 2, HISTORY_PRUNE_BATCH);
	if (sqlite3_step(st) == SQLITE_DONE)
		n = sqlite3_changes(db);
	sqlite3_finalize(st);
	if (n > 0)
		sql(db, HISTORY_SQL_REMOVED);
	return n;
}

/*
 * 70 rounds of 8 refreshes of 7 clans (one not configured) a minute
 * apart, recorded out of time order and often in the same second, over
 * a 40-minute window that slides: each build from what was kept equals
 * a build of the whole, its times are trendset_pick's, and only the
 * first reads the whole.  From round 30 retention prunes inside the
 * window by the daemon's statements, its cutoff 30 s on and then 90 s on
 * each round: at times it removes refreshes recorded after the one of
 * the smallest id, which stays (telling removals by that id alone left
 * 9 of the builds wrong); each pruning is seen and the whole read again.
 */
static void
test_steps(void)
{
	static const char *const tags[] = { "#9V2Y", "#2PYLQ", "#CUV",
				    "#8C", "#9L", "#PG" };
	static const char *const all[] = { "#9V2Y", "#2PYLQ", "#CUV", "#8C",
				    "#9L", "#PG", "#8Q" };
	struct famtrends	*kept = famtrends_new(), *whole;
	struct trends		*t;
	struct fav		 fv[4], dk[5];
	sqlite3			*db = db_new(":memory:");
	time_t			 now = NOW - 70 * 60, want[TRENDS_POINTS_MAX];
	unsigned long		 x = 7;
	char			*a, *b, err[256];
	size_t			 round, i, j, same = 0, times = 0, sampled = 0;
	int			 pruned = 0;

	for (i = 0; i < 30; i++)
		card(db, 26000000 + (long long)i, "Card");
	for (round = 0; round < 70; round++) {
		now += 60;
		sql(db, "BEGIN");
		for (i = 0; i < 8; i++) {
			for (j = 0; j < 5; j++) {
				x = x * 6364136223846793005UL + 1;
				if (j < 3)
					fv[j] = (struct fav){ 26000000 +
					    (long long)((x >> 33) % 30),
					    (int)(x >> 59) + 1 };
				dk[j] = (struct fav){ 26000000 + (long long)
				    ((x >> 40) % 30), (int)(x >> 60) + 1 };
			}
			fv[3].id = dk[4].id = 0;
			if (fv[1].id == fv[0].id || fv[2].id == fv[0].id ||
			    fv[2].id == fv[1].id)
				fv[1].id = 0;
			dk[1].id = dk[1].id == dk[0].id ? 0 : dk[1].id;
			dk[2].id = 0;
			refresh_decks(db, all[(x >> 20) % 7], "X", now -
			    (time_t)((x >> 24) % 90), fv, dk);
		}
		sql(db, "COMMIT");
		if (round >= 30)
			pruned += prune(db, now - 1800 -
			    30 * (time_t)(round % 2));
		whole = famtrends_new();
		a = ftext(kept, db, tags, 6, now, 2400);
		b = ftext(whole, db, tags, 6, now, 2400);
		same += a != NULL && b != NULL && strcmp(a, b) == 0;
		free(a);
		free(b);
		famtrends_free(whole);
		if ((t = famtrends_build(kept, db, tags, 6, now, 2400, err,
		    sizeof(err))) == NULL)
			continue;
		times += t->npoints == want_times(db, now - 2400, now, want) &&
		    memcmp(t->times, want, t->npoints * sizeof(*want)) == 0;
		sampled += t->npoints == TRENDS_POINTS_MAX;
		trends_free(t);
	}
	tap_int(same, 70, "70 builds from what was kept equal builds of the "
	    "whole");
	tap_int(times, 70, "their times are trendset_pick's of the clans' "
	    "refreshes");
	tap_int(sampled, 42, "42 of them sample 200 times of more "
	    "refreshes");
	tap_int(pruned, 319, "retention removed 319 refreshes");
	tap_int(famtrends_full_builds(kept), 40, "the whole is read at the "
	    "first and after each of the 39 prunings that removed any");
	famtrends_free(kept);
	sqlite3_close(db);
}

/*
 * A refresh whose decks name FAM_CARDS_MAX + 1 cards: the series keep the
 * first FAM_CARDS_MAX by id and leave the last out, however many play it.
 */
static void
test_cap(void)
{
	static const char *const tags[] = { "#9V2Y" };
	struct famtrends	*f = famtrends_new();
	struct trends		*t;
	sqlite3			*db = db_new(":memory:");
	char			 err[512], *q;
	long long		 i;

	card(db, 26000000, "Knight");
	refresh(db, "#9V2Y", "Alpha", NOW, NULL);
	sql(db, "BEGIN");
	for (i = 1; i <= FAM_CARDS_MAX + 1; i++) {
		q = sqlite3_mprintf("INSERT INTO decks VALUES ((SELECT max(id) "
		    "FROM refreshes), %lld, %d)", 1000000 + i,
		    i == FAM_CARDS_MAX + 1 ? 50 : i <= 2 ? 40 - (int)i : 1);
		sql(db, q);
		sqlite3_free(q);
	}
	sql(db, "COMMIT");
	t = famtrends_build(f, db, tags, 1, NOW, HOUR, err, sizeof(err));
	tap_ok(t != NULL, "cap: built");
	tap_int(t != NULL && t->ndeck_cards > 0 ? t->deck_cards[0].id : 0,
	    1000001, "cap: the card past FAM_CARDS_MAX is left out, however "
	    "many play it; the first kept one leads");
	if (t != NULL)
		trends_free(t);
	famtrends_free(f);
	sqlite3_close(db);
}

/* famtrends_write: trends/family.json is famtrends_print's text. */
static void
test_write(const char *top)
{
	static const struct fav	 f[] = { { 26000000, 3 }, { 0, 0 } };
	static const char *const tags[] = { "#9V2Y" };
	struct famtrends	*fam = famtrends_new();
	struct outdir		*od;
	sqlite3			*db = db_new(":memory:");
	char			 dir[256], path[512], err[1024], *got, *txt;

	card(db, 26000000, "Knight");
	refresh_decks(db, "#9V2Y", "Alpha", NOW, f, f);
	snprintf(dir, sizeof(dir), "%s/out", top);
	if ((od = outdir_open(dir, err, sizeof(err))) == NULL) {
		tap_ok(0, "outdir_open: %s", err);
		return;
	}
	tap_int(famtrends_write(od, fam, db, tags, 1, NOW, HOUR, err,
	    sizeof(err)), 0, "famtrends_write succeeds");
	snprintf(path, sizeof(path), "%s/trends/family.json", dir);
	got = tfile_slurp(path);
	txt = ftext(fam, db, tags, 1, NOW, HOUR);
	tap_str(got, txt, "trends/family.json is famtrends_print's text");
	free(got);
	free(txt);
	tap_ok(famtrends_build(fam, NULL, tags, 1, NOW, HOUR, err,
	    sizeof(err)) == NULL, "no database: no family trends");
	tap_str(err, "the history database is not open, so the family's "
	    "trends cannot be read", "and the reason");
	outdir_close(od);
	famtrends_free(fam);
	sqlite3_close(db);
}

int
main(void)
{
	char	top[] = "/tmp/t_famtrends.XXXXXX", rm[600];

	test_exact();
	test_steps();
	test_cap();
	if (mkdtemp(top) != NULL) {
		test_write(top);
		snprintf(rm, sizeof(rm), "rm -rf '%s'", top);
		if (system(rm) != 0)
			printf("# could not remove %s\n", top);
	} else
		tap_ok(0, "a directory for test_write: mkdtemp failed");
	return tap_done();
}
