/* trends.c - trends/TAG.json: a clan's favourite cards over time. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "isotime.h"
#include "layout.h"
#include "outdir.h"
#include "tally.h"
#include "trends.h"

/*
 * The refreshes in the window, oldest first.  The index refreshes_clan_time
 * covers this query (the rowid is in every index), so it reads no table.
 */
#define TRENDS_SQL_REFRESHES \
	"SELECT id, fetched_at FROM refreshes WHERE clan = ?1 AND " \
	"fetched_at BETWEEN ?2 AND ?3 ORDER BY fetched_at, id"
#define TRENDS_SQL_NAME \
	"SELECT clan_name FROM refreshes WHERE id = ?1"
/* The same refreshes, in the same order, with their favourites. */
#define TRENDS_SQL_FAVOURITES \
	"SELECT f.refresh_id, f.card_id, f.players FROM refreshes AS r " \
	"CROSS JOIN favourites AS f ON f.refresh_id = r.id WHERE " \
	"r.clan = ?1 AND r.fetched_at BETWEEN ?2 AND ?3 " \
	"ORDER BY r.fetched_at, r.id"
#define TRENDS_SQL_CARD \
	"SELECT name FROM cards WHERE id = ?1"

/* A card seen in the window. */
struct trends_known {
	int64_t	 id;
	char	*name;
	size_t	 last;		/* 1 + the last refresh it was in a top 10 */
	size_t	 rank;		/* its place in that refresh's top 10 */
};

/* One favourites row: of the refresh being read, or of a sampled one. */
struct trends_row {
	int64_t		 id;
	const char	*name;
	unsigned	 players;
	size_t		 sample;
};

/* What trends_build gathers while it reads. */
struct trends_scan {
	sqlite3			*db;
	sqlite3_stmt		*card_st;
	int64_t			*ids;		/* refreshes, oldest first */
	time_t			*times;
	size_t			 n;
	size_t			*sample;	/* each point's refresh */
	size_t			 m;
	struct trends_known	*known;		/* sorted by id */
	size_t			 nknown, capknown;
	struct trends_row	*rows;		/* the refresh being read */
	size_t			 nrows, caprows;
	struct trends_row	*srows;		/* the points' rows */
	size_t			 nsrows, capsrows;
	int64_t			 top[TRENDS_TOP]; /* of the latest refresh */
	size_t			 ntop;
};

/* Make room for need items of size bytes in *p (capacity *cap). */
static int
trends_grow(void *p, size_t *cap, size_t need, size_t size)
{
	void	**pp = p, *q;
	size_t	  ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap < 16 ? 16 : *cap;
	while (ncap < need)
		ncap *= 2;
	if ((q = reallocarray(*pp, ncap, size)) == NULL)
		return -1;
	*pp = q;
	*cap = ncap;
	return 0;
}

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
		if (trends_grow(&sc->ids, &cap, sc->n + 1,
		    sizeof(*sc->ids)) == -1 || trends_grow(&sc->times, &capt,
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
 * The points of n refreshes at times (oldest first) into sample, and how
 * many: all of them up to TRENDS_POINTS_MAX; else for k = 0 .. M-1 (M =
 * TRENDS_POINTS_MAX) the first refresh at or after first + (latest -
 * first) * k / (M - 1) seconds (rounded down), after the one taken for
 * k - 1 and leaving one for each later k; the last is the latest.
 */
static size_t
trends_pick(const time_t *times, size_t n, size_t *sample)
{
	const size_t	 m = TRENDS_POINTS_MAX;
	int64_t		 span, target;
	size_t		 k, i = 0;

	if (n <= m) {
		for (k = 0; k < n; k++)
			sample[k] = k;
		return n;
	}
	span = (int64_t)times[n - 1] - (int64_t)times[0];
	for (k = 0; k < m; k++) {
		target = (int64_t)times[0] + span * (int64_t)k /
		    (int64_t)(m - 1);
		while (i < n - m + k && (int64_t)times[i] < target)
			i++;
		if (k == m - 1)
			i = n - 1;
		sample[k] = i++;
	}
	return m;
}

static int
known_cmp(const void *key, const void *elem)
{
	const int64_t			*id = key;
	const struct trends_known	*k = elem;

	return *id < k->id ? -1 : *id > k->id;
}

/* The card id among those seen, or NULL (never a NULL base to bsearch). */
static struct trends_known *
known_find(const struct trends_scan *sc, int64_t id)
{
	if (sc->nknown == 0)
		return NULL;
	return bsearch(&id, sc->known, sc->nknown, sizeof(*sc->known),
	    known_cmp);
}

/*
 * The card id with its name from the cards table, added on first sight.
 * Returns NULL with a sentence in err.
 */
static struct trends_known *
trends_card(struct trends_scan *sc, int64_t id, char *err, size_t errlen)
{
	struct trends_known	*k;
	const unsigned char	*s;
	size_t			 at = 0;
	int			 rc;

	if ((k = known_find(sc, id)) != NULL)
		return k;
	while (at < sc->nknown && sc->known[at].id < id)
		at++;
	if (trends_grow(&sc->known, &sc->capknown, sc->nknown + 1,
	    sizeof(*k)) == -1) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memmove(&sc->known[at + 1], &sc->known[at],
	    (sc->nknown - at) * sizeof(*k));
	sc->nknown++;
	k = &sc->known[at];
	memset(k, 0, sizeof(*k));
	k->id = id;
	sqlite3_reset(sc->card_st);
	sqlite3_bind_int64(sc->card_st, 1, id);
	rc = sqlite3_step(sc->card_st);
	if (rc == SQLITE_ROW && (s = sqlite3_column_text(sc->card_st, 0)) !=
	    NULL && (k->name = strdup((const char *)s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "cannot read the name of card %lld from "
		    "the database: %s", (long long)id, sqlite3_errmsg(sc->db));
		return NULL;
	}
	return k;
}

static int
row_rank(const void *a, const void *b)
{
	const struct trends_row *x = a, *y = b;

	return tally_rank(x->players, x->name, x->id, y->players, y->name,
	    y->id);
}

/*
 * The rows of refresh ri are all read: mark its top TRENDS_TOP, and keep
 * them in sc->top when it is the latest.  The top is picked by insertion,
 * as a sort of every row would cost more than all the rest on a long
 * window.
 */
static void
trends_refresh_done(struct trends_scan *sc, size_t ri)
{
	struct trends_row	 top[TRENDS_TOP];
	struct trends_known	*k;
	size_t			 i, j, n = 0;

	for (i = 0; i < sc->nrows; i++) {
		if (n == TRENDS_TOP && row_rank(&sc->rows[i], &top[n - 1]) >= 0)
			continue;
		j = n < TRENDS_TOP ? n++ : n - 1;
		for (; j > 0 && row_rank(&sc->rows[i], &top[j - 1]) < 0; j--)
			top[j] = top[j - 1];
		top[j] = sc->rows[i];
	}
	for (i = 0; i < n; i++) {
		if ((k = known_find(sc, top[i].id)) == NULL)
			continue;
		k->last = ri + 1;
		k->rank = i;
		if (ri == sc->n - 1)
			sc->top[sc->ntop++] = k->id;
	}
	sc->nrows = 0;
}

/* Keep one favourites row of refresh ri (point s, or none: s = SIZE_MAX). */
static int
trends_row(struct trends_scan *sc, size_t s, const struct trends_known *k,
    unsigned players)
{
	struct trends_row r = { k->id, k->name, players, s };

	if (trends_grow(&sc->rows, &sc->caprows, sc->nrows + 1,
	    sizeof(r)) == -1)
		return -1;
	sc->rows[sc->nrows++] = r;
	if (s == SIZE_MAX)
		return 0;
	if (trends_grow(&sc->srows, &sc->capsrows, sc->nsrows + 1,
	    sizeof(r)) == -1)
		return -1;
	sc->srows[sc->nsrows++] = r;
	return 0;
}

/* Read the favourites of the window's refreshes, refresh by refresh. */
static int
trends_favourites(struct trends_scan *sc, const struct trends *t,
    char *err, size_t errlen)
{
	sqlite3_stmt		*st;
	struct trends_known	*k;
	sqlite3_int64		 players;
	size_t			 ri = 0, s = 0, cur = SIZE_MAX;
	int			 rc;

	if (sqlite3_prepare_v2(sc->db, TRENDS_SQL_CARD, -1, &sc->card_st,
	    NULL) != SQLITE_OK || sqlite3_prepare_v2(sc->db,
	    TRENDS_SQL_FAVOURITES, -1, &st, NULL) != SQLITE_OK)
		return trends_sqlerr(sc, t->tag, err, errlen);
	trends_bind(st, t->tag, t->from, t->to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		while (ri < sc->n && sc->ids[ri] != sqlite3_column_int64(st, 0))
			ri++;
		if (ri == sc->n)
			break;
		if (ri != cur) {
			if (cur != SIZE_MAX)
				trends_refresh_done(sc, cur);
			cur = ri;
			while (s < sc->m && sc->sample[s] < ri)
				s++;
		}
		players = sqlite3_column_int64(st, 2);
		if ((k = trends_card(sc, sqlite3_column_int64(st, 1), err,
		    errlen)) == NULL || trends_row(sc, s < sc->m &&
		    sc->sample[s] == ri ? s : SIZE_MAX, k, players < 0 ? 0 :
		    players > UINT_MAX ? UINT_MAX : (unsigned)players) == -1) {
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
		trends_refresh_done(sc, cur);
	return 0;
}

/* The former top cards: the most recently in a top 10 first. */
static int
former_cmp(const void *a, const void *b)
{
	const struct trends_known *x = a, *y = b;

	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Add the card k to t with its series from the sampled rows. */
static int
trends_add(struct trends *t, const struct trends_scan *sc,
    const struct trends_known *k)
{
	struct trends_card	*c = &t->cards[t->ncards];
	size_t			 i;

	c->id = k->id;
	if ((c->players = calloc(t->npoints ? t->npoints : 1,
	    sizeof(*c->players))) == NULL ||
	    (k->name != NULL && (c->name = strdup(k->name)) == NULL))
		return -1;
	t->ncards++;
	for (i = 0; i < sc->nsrows; i++)
		if (sc->srows[i].id == k->id)
			c->players[sc->srows[i].sample] = sc->srows[i].players;
	return 0;
}

/* Choose t's cards and fill their series. */
static int
trends_choose(struct trends_scan *sc, struct trends *t)
{
	struct trends_known	*former, *k;
	size_t			 i, n = 0;

	if ((t->cards = calloc(TRENDS_CARDS_MAX, sizeof(*t->cards))) == NULL ||
	    (former = calloc(sc->nknown ? sc->nknown : 1,
	    sizeof(*former))) == NULL)
		return -1;
	for (i = 0; i < sc->ntop; i++) {
		k = known_find(sc, sc->top[i]);
		if (k != NULL && trends_add(t, sc, k) == -1)
			goto fail;
	}
	for (i = 0; i < sc->nknown; i++)
		if (sc->known[i].last > 0 && sc->known[i].last < sc->n)
			former[n++] = sc->known[i];
	qsort(former, n, sizeof(*former), former_cmp);
	for (i = 0; i < n && t->ncards < TRENDS_CARDS_MAX; i++)
		if (trends_add(t, sc, &former[i]) == -1)
			goto fail;
	free(former);
	return 0;
fail:
	free(former);
	return -1;
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
	sc->m = trends_pick(sc->times, sc->n, sc->sample);
	for (t->npoints = 0; t->npoints < sc->m; t->npoints++)
		t->times[t->npoints] = sc->times[sc->sample[t->npoints]];
	if (trends_favourites(sc, t, err, errlen) == -1)
		return -1;
	if (trends_choose(sc, t) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void
trends_scan_free(struct trends_scan *sc)
{
	size_t i;

	sqlite3_finalize(sc->card_st);
	for (i = 0; i < sc->nknown; i++)
		free(sc->known[i].name);
	free(sc->known);
	free(sc->ids);
	free(sc->times);
	free(sc->sample);
	free(sc->rows);
	free(sc->srows);
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
	free(t->cards);
	free(t->times);
	free(t->name);
	free(t->tag);
	free(t);
}

/* s as a JSON string, or null. */
static int
trends_str(FILE *fp, const char *s)
{
	struct json_object	*o;
	const char		*txt;
	int			 rc;

	if (s == NULL)
		return fputs("null", fp) == EOF ? -1 : 0;
	if ((o = json_object_new_string(s)) == NULL)
		return -1;
	txt = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = txt == NULL || fputs(txt, fp) == EOF ? -1 : 0;
	json_object_put(o);
	return rc;
}

/* One card of "cards", on one line. */
static int
trends_print_card(FILE *fp, const struct trends *t,
    const struct trends_card *c, char (*stamps)[ISOTIME_LEN])
{
	size_t i;

	fprintf(fp, "    {\"id\": %lld, \"name\": ", (long long)c->id);
	if (trends_str(fp, c->name) == -1)
		return -1;
	fputs(", \"points\": [", fp);
	for (i = 0; i < t->npoints; i++)
		fprintf(fp, "%s[\"%s\", %u]", i > 0 ? ", " : "", stamps[i],
		    c->players[i]);
	fputs("]}", fp);
	return 0;
}

int
trends_print(FILE *fp, const struct trends *t)
{
	char	 from[ISOTIME_LEN], to[ISOTIME_LEN], (*stamps)[ISOTIME_LEN];
	size_t	 i;
	int	 rc = 0;

	if ((stamps = calloc(t->npoints ? t->npoints : 1,
	    sizeof(*stamps))) == NULL)
		return -1;
	for (i = 0; i < t->npoints; i++)
		isotime_utc(t->times[i], stamps[i]);
	isotime_utc(t->from, from);
	isotime_utc(t->to, to);
	fputs("{\n  \"tag\": ", fp);
	if (trends_str(fp, t->tag) == -1)
		rc = -1;
	fputs(",\n  \"name\": ", fp);
	if (trends_str(fp, t->name) == -1)
		rc = -1;
	fprintf(fp, ",\n  \"from\": \"%s\",\n  \"to\": \"%s\",\n"
	    "  \"refreshes\": %zu,\n  \"cards\": [", from, to, t->refreshes);
	for (i = 0; rc == 0 && i < t->ncards; i++) {
		fputs(i > 0 ? ",\n" : "\n", fp);
		rc = trends_print_card(fp, t, &t->cards[i], stamps);
	}
	fputs(t->ncards > 0 ? "\n  ]\n}\n" : "]\n}\n", fp);
	free(stamps);
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
