/* trends.c - trends/TAG.json: a clan's favourite and deck cards over time. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "isotime.h"
#include "layout.h"
#include "outdir.h"
#include "trends.h"
#include "trendset.h"

/*
 * The refreshes in the window, oldest first.  The index refreshes_clan_time
 * covers this query (the rowid is in every index), so it reads no table.
 */
#define TRENDS_SQL_REFRESHES \
	"SELECT id, fetched_at FROM refreshes WHERE clan = ?1 AND " \
	"fetched_at BETWEEN ?2 AND ?3 ORDER BY fetched_at, id"
#define TRENDS_SQL_NAME \
	"SELECT clan_name FROM refreshes WHERE id = ?1"
/* The same refreshes, in the same order, with their rows of table. */
#define TRENDS_SQL_COUNTS(table) \
	"SELECT f.refresh_id, f.card_id, f.players FROM refreshes AS r " \
	"CROSS JOIN " table " AS f ON f.refresh_id = r.id WHERE " \
	"r.clan = ?1 AND r.fetched_at BETWEEN ?2 AND ?3 " \
	"ORDER BY r.fetched_at, r.id"
#define TRENDS_SQL_CARD \
	"SELECT name FROM cards WHERE id = ?1"

/* What trends_build gathers while it reads. */
struct trends_scan {
	sqlite3			*db;
	sqlite3_stmt		*card_st;
	int64_t			*ids;		/* refreshes, oldest first */
	time_t			*times;
	size_t			 n;
	size_t			*sample;	/* each point's refresh */
	size_t			 m;
	struct trendset		 fav, deck;	/* the two measures */
};

static int
trends_sqlerr(struct trends_scan *sc, const char *tag, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "cannot read the history of %s from the "
	    "database: %s", tag, sqlite3_errmsg(sc->db));
	return -1;
}

/* Bind the clan and the window to the statement's ?1, ?2, ?3. */
static void
trends_bind(sqlite3_stmt *st, const char *tag, time_t from, time_t to)
{
	sqlite3_bind_text(st, 1, tag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
}

/* Read the refreshes of the window into sc->ids and sc->times. */
static int
trends_refreshes(struct trends_scan *sc, const struct trends *t, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0, capt = 0;
	int		 rc;

	if (sqlite3_prepare_v2(sc->db, TRENDS_SQL_REFRESHES, -1, &st,
	    NULL) != SQLITE_OK)
		return trends_sqlerr(sc, t->tag, err, errlen);
	trends_bind(st, t->tag, t->from, t->to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (trendset_grow(&sc->ids, &cap, sc->n + 1,
		    sizeof(*sc->ids)) == -1 || trendset_grow(&sc->times, &capt,
		    sc->n + 1, sizeof(*sc->times)) == -1) {
			sqlite3_finalize(st);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		sc->ids[sc->n] = sqlite3_column_int64(st, 0);
		sc->times[sc->n++] = (time_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return trends_sqlerr(sc, t->tag, err, errlen);
	return 0;
}

/* The clan's name at refresh id into t->name. */
static int
trends_name(struct trends_scan *sc, struct trends *t, int64_t id,
    char *err, size_t errlen)
{
	sqlite3_stmt		*st;
	const unsigned char	*s;
	int			 rc;

	if (sqlite3_prepare_v2(sc->db, TRENDS_SQL_NAME, -1, &st, NULL) !=
	    SQLITE_OK)
		return trends_sqlerr(sc, t->tag, err, errlen);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    (s = sqlite3_column_text(st, 0)) != NULL &&
	    (t->name = strdup((const char *)s)) == NULL) {
		sqlite3_finalize(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return trends_sqlerr(sc, t->tag, err, errlen);
	return 0;
}

/*
 * Read the rows of the window's refreshes that sql (TRENDS_SQL_COUNTS)
 * returns into set, refresh by refresh.
 */
static int
trends_counts(struct trends_scan *sc, const struct trends *t,
    const char *sql, struct trendset *set, char *err, size_t errlen)
{
	sqlite3_stmt		*st;
	struct trendset_known	*k;
	sqlite3_int64		 players;
	size_t			 ri = 0, s = 0, cur = SIZE_MAX;
	int			 rc;

	if (sqlite3_prepare_v2(sc->db, sql, -1, &st, NULL) != SQLITE_OK)
		return trends_sqlerr(sc, t->tag, err, errlen);
	trends_bind(st, t->tag, t->from, t->to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		while (ri < sc->n && sc->ids[ri] != sqlite3_column_int64(st, 0))
			ri++;
		if (ri == sc->n)
			break;
		if (ri != cur) {
			if (cur != SIZE_MAX)
				trendset_done(set, cur, cur == sc->n - 1);
			cur = ri;
			while (s < sc->m && sc->sample[s] < ri)
				s++;
		}
		players = sqlite3_column_int64(st, 2);
		if ((k = trendset_card(set, sc->card_st,
		    sqlite3_column_int64(st, 1), err, errlen)) == NULL ||
		    trendset_row(set, s < sc->m && sc->sample[s] == ri ? s :
		    SIZE_MAX, k, players < 0 ? 0 : players > UINT_MAX ?
		    UINT_MAX : (unsigned)players) == -1) {
			if (k != NULL)
				snprintf(err, errlen, "out of memory");
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return trends_sqlerr(sc, t->tag, err, errlen);
	if (cur != SIZE_MAX)
		trendset_done(set, cur, cur == sc->n - 1);
	return 0;
}

/* Everything trends_build reads, inside its savepoint. */
static int
trends_scan(struct trends_scan *sc, struct trends *t, char *err,
    size_t errlen)
{
	if (trends_refreshes(sc, t, err, errlen) == -1)
		return -1;
	t->refreshes = sc->n;
	if (sc->n == 0)
		return 0;
	if (trends_name(sc, t, sc->ids[sc->n - 1], err, errlen) == -1)
		return -1;
	if ((sc->sample = calloc(sc->n, sizeof(*sc->sample))) == NULL ||
	    (t->times = calloc(sc->n < TRENDS_POINTS_MAX ? sc->n :
	    TRENDS_POINTS_MAX, sizeof(*t->times))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sc->m = trendset_pick(sc->times, sc->n, sc->sample);
	for (t->npoints = 0; t->npoints < sc->m; t->npoints++)
		t->times[t->npoints] = sc->times[sc->sample[t->npoints]];
	if (sqlite3_prepare_v2(sc->db, TRENDS_SQL_CARD, -1, &sc->card_st,
	    NULL) != SQLITE_OK)
		return trends_sqlerr(sc, t->tag, err, errlen);
	if (trends_counts(sc, t, TRENDS_SQL_COUNTS("favourites"), &sc->fav,
	    err, errlen) == -1 || trends_counts(sc, t,
	    TRENDS_SQL_COUNTS("decks"), &sc->deck, err, errlen) == -1)
		return -1;
	if (trendset_choose(&sc->fav, sc->n, t->npoints, &t->cards,
	    &t->ncards) == -1 || trendset_choose(&sc->deck, sc->n,
	    t->npoints, &t->deck_cards, &t->ndeck_cards) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void
trends_scan_free(struct trends_scan *sc)
{
	sqlite3_finalize(sc->card_st);
	trendset_free(&sc->fav);
	trendset_free(&sc->deck);
	free(sc->ids);
	free(sc->times);
	free(sc->sample);
}

struct trends *
trends_build(sqlite3 *db, const char *tag, time_t now, double window,
    char *err, size_t errlen)
{
	struct trends_scan	 sc;
	struct trends		*t;
	int			 rc;

	memset(&sc, 0, sizeof(sc));
	sc.db = db;
	if (db == NULL) {
		snprintf(err, errlen, "the history database is not open, so "
		    "the trends of %s cannot be read", tag);
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->tag = strdup(tag)) == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->to = now;
	t->from = window > 0 && window < (double)now ? now - (time_t)window :
	    0;
	/* A savepoint, so that the queries read one state of the file. */
	if (sqlite3_exec(db, "SAVEPOINT trends", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		trends_sqlerr(&sc, tag, err, errlen);
		trends_free(t);
		return NULL;
	}
	rc = trends_scan(&sc, t, err, errlen);
	sqlite3_exec(db, "RELEASE trends", NULL, NULL, NULL);
	trends_scan_free(&sc);
	if (rc == -1) {
		trends_free(t);
		return NULL;
	}
	return t;
}

void
trends_free(struct trends *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncards; i++) {
		free(t->cards[i].name);
		free(t->cards[i].players);
	}
	for (i = 0; i < t->ndeck_cards; i++) {
		free(t->deck_cards[i].name);
		free(t->deck_cards[i].players);
	}
	free(t->cards);
	free(t->deck_cards);
	free(t->times);
	free(t->name);
	free(t->tag);
	free(t);
}

int
trends_print(FILE *fp, const struct trends *t)
{
	char	from[ISOTIME_LEN], to[ISOTIME_LEN];
	int	rc = 0;

	isotime_utc(t->from, from);
	isotime_utc(t->to, to);
	fputs("{\n  \"tag\": ", fp);
	if (trendset_str(fp, t->tag) == -1)
		rc = -1;
	fputs(",\n  \"name\": ", fp);
	if (trendset_str(fp, t->name) == -1)
		rc = -1;
	fprintf(fp, ",\n  \"from\": \"%s\",\n  \"to\": \"%s\",\n"
	    "  \"refreshes\": %zu,\n", from, to, t->refreshes);
	if (trendset_print(fp, t) == -1)
		rc = -1;
	return rc == -1 || ferror(fp) ? -1 : 0;
}

static int
fill_trends(FILE *fp, void *arg)
{
	return trends_print(fp, arg);
}

int
trends_write(const struct outdir *od, sqlite3 *db, const char *tag,
    time_t now, double window, char *err, size_t errlen)
{
	struct trends	*t;
	char		 dpath[PATH_MAX], name[NAME_MAX + 1];
	int		 dfd, rc;

	if ((t = trends_build(db, tag, now, window, err, errlen)) == NULL)
		return -1;
	if ((dfd = outdir_subdir(od, LAYOUT_TRENDS, 1, err, errlen)) == -1) {
		trends_free(t);
		return -1;
	}
	snprintf(dpath, sizeof(dpath), "%s/trends", od->path);
	snprintf(name, sizeof(name), "%s" LAYOUT_JSON, tag[0] == '#' ? tag + 1 : tag);
	rc = outdir_write(dfd, dpath, name, fill_trends, t, err, errlen);
	close(dfd);
	trends_free(t);
	return rc;
}
