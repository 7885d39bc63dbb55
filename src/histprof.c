/* histprof.c - the profile store's rows in the history database. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "histprof.h"
#include "profstore.h"

#define HISTPROF_SQL_LOAD \
    "SELECT tag, clan, read_at, max_age, card_id, card_name, deck " \
    "FROM profiles"
#define HISTPROF_SQL_PUT \
    "INSERT INTO profiles (tag, clan, read_at, max_age, card_id, " \
    "card_name, deck) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT " \
    "(tag) DO UPDATE SET clan = excluded.clan, read_at = " \
    "excluded.read_at, max_age = excluded.max_age, card_id = " \
    "excluded.card_id, card_name = excluded.card_name, deck = excluded.deck"
#define HISTPROF_SQL_NAME	"SELECT name FROM cards WHERE id = ?1"

/* Bytes of a deck column: 8 ids of up to 10 digits and their spaces. */
#define HISTPROF_DECK_LEN	(PROFSTORE_DECK_MAX * 11)
#define HISTPROF_SQL_MOVE \
    "UPDATE profiles SET clan = ?2 WHERE tag = ?1 AND clan <> ?2"
#define HISTPROF_SQL_DEL	"DELETE FROM profiles WHERE tag = ?1"
#define HISTPROF_SQL_DROP	"DELETE FROM profiles WHERE clan = ?1"
#define HISTPROF_SQL_MAINT_GET \
    "SELECT value FROM store_state WHERE key = 'maintenance_at'"
#define HISTPROF_SQL_MAINT \
    "INSERT INTO store_state (key, value) VALUES ('maintenance_at', ?1) " \
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value " \
    "WHERE excluded.value > value"

/* A text column as a tag: NULL when it does not fit. */
static const char *
col_tag(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL && strlen(s) < TAG_MAX ? s : NULL;
}

/*
 * The deck column s ("26000000 28000001 ...", NULL: none) into p, its
 * cards numbered in ps.  Returns 0, 1 when it is not such a list (the
 * row is left out: the member is read again), or -1 on out of memory.
 */
static int
load_deck(const char *s, struct profstore *ps, struct profile *p)
{
	unsigned long long	 id;
	unsigned		 n;
	char			*end;

	if (s == NULL)
		return 0;
	for (;;) {
		if (*s < '1' || *s > '9' || p->ndeck == PROFSTORE_DECK_MAX)
			return 1;
		id = strtoull(s, &end, 10);
		if (id > INT32_MAX || (*end != ' ' && *end != '\0'))
			return 1;
		if ((n = profstore_card(ps, (int64_t)id, NULL)) == 0)
			return -1;
		p->deck[p->ndeck++] = (uint16_t)n;
		if (*end == '\0')
			return 0;
		s = end + 1;
	}
}

/* One profiles row into ps, or its clan onto the list to drop. */
static int
load_row(sqlite3_stmt *st, struct profstore *ps,
    int (*keep)(void *, const char *), void *arg, char (**drop)[TAG_MAX],
    size_t *ndrop)
{
	const char	*tag = col_tag(st, 0), *clan = col_tag(st, 1);
	struct profile	 p;
	void		*grown;
	sqlite3_int64	 v;
	int		 rc;

	if (tag == NULL || clan == NULL)
		return 0;
	if (!keep(arg, clan)) {
		if (*ndrop > 0 && strcmp((*drop)[*ndrop - 1], clan) == 0)
			return 0;
		if ((grown = reallocarray(*drop, *ndrop + 1,
		    sizeof(**drop))) == NULL)
			return -1;
		*drop = grown;
		snprintf((*drop)[(*ndrop)++], TAG_MAX, "%s", clan);
		return 0;
	}
	memset(&p, 0, sizeof(p));
	snprintf(p.tag, sizeof(p.tag), "%s", tag);
	snprintf(p.clan, sizeof(p.clan), "%s", clan);
	p.read_at = sqlite3_column_int64(st, 2);
	/*
	 * The API's max-age is at most 999999999 (http_max_age); a larger
	 * one in a row is kept as the largest, so it still forbids reuse.
	 */
	v = sqlite3_column_int64(st, 3);
	p.max_age = sqlite3_column_type(st, 3) == SQLITE_NULL || v < 0 ? -1 :
	    v > INT32_MAX ? INT32_MAX : (int32_t)v;
	p.card_id = sqlite3_column_int64(st, 4);
	/* No answer gives a larger id (api.h): the member is read again. */
	if (p.card_id > INT32_MAX)
		return 0;
	if (p.card_id > 0 && sqlite3_column_type(st, 5) != SQLITE_NULL) {
		if ((p.card_name = strdup((const char *)
		    sqlite3_column_text(st, 5))) == NULL)
			return -1;
	} else if (p.card_id < 0)
		p.card_id = 0;
	if ((rc = load_deck((const char *)sqlite3_column_text(st, 6), ps,
	    &p)) == 0)
		rc = profstore_put(ps, &p, 1);
	free(p.card_name);
	return rc == -1 ? -1 : 0;
}

/* Delete the rows of the n clans no longer followed. */
static int
drop_clans(sqlite3 *db, char (*drop)[TAG_MAX], size_t n)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(db, HISTPROF_SQL_DROP, -1, &st,
	    NULL)) != SQLITE_OK)
		return rc;
	for (i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_bind_text(st, 1, drop[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK :
		    sqlite3_extended_errcode(db);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The names the cards table gives the deck cards ps numbers. */
static int
load_names(sqlite3 *db, struct profstore *ps)
{
	const struct profstore_card	*c;
	const char			*name;
	sqlite3_stmt			*st;
	unsigned			 n;
	int				 rc;

	if ((rc = sqlite3_prepare_v2(db, HISTPROF_SQL_NAME, -1, &st,
	    NULL)) != SQLITE_OK)
		return rc;
	for (n = 1; (c = profstore_card_at(ps, n)) != NULL; n++) {
		sqlite3_bind_int64(st, 1, c->id);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
		    (name = (const char *)sqlite3_column_text(st, 0)) != NULL &&
		    name[0] != '\0')
			profstore_card(ps, c->id, name);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
histprof_load(sqlite3 *db, struct profstore *ps,
    int (*keep)(void *, const char *), void *arg, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	char		(*drop)[TAG_MAX] = NULL;
	size_t		 ndrop = 0;
	int		 rc, oom = 0;

	if ((rc = sqlite3_prepare_v2(db, HISTPROF_SQL_LOAD, -1, &st,
	    NULL)) != SQLITE_OK)
		goto fail;
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW)
		oom = load_row(st, ps, keep, arg, &drop, &ndrop) == -1;
	sqlite3_finalize(st);
	if (oom) {
		free(drop);
		snprintf(err, errlen, "out of memory loading the profiles");
		return -1;
	}
	if (rc != SQLITE_DONE ||
	    (rc = load_names(db, ps)) != SQLITE_OK ||
	    (rc = drop_clans(db, drop, ndrop)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(db, HISTPROF_SQL_MAINT_GET, -1, &st,
	    NULL)) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		profstore_set_maintenance(ps, sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	free(drop);
	return 0;
fail:
	free(drop);
	snprintf(err, errlen, "reading the stored profiles: %s",
	    sqlite3_errmsg(db));
	return -1;
}

/* Bind and run one change with the prepared statements put, move, del. */
static int
write_one(sqlite3_stmt *put, sqlite3_stmt *move, sqlite3_stmt *del,
    const struct profstore *ps, const char *clan,
    const struct profstore_change *c)
{
	const struct profile		*p;
	const struct profstore_card	*card;
	sqlite3_stmt			*st;
	char				 deck[HISTPROF_DECK_LEN + 1];
	size_t				 i, o = 0;

	switch (c->op) {
	case PROFSTORE_READ:
		if ((p = profstore_get(ps, c->tag)) == NULL)
			return SQLITE_OK;
		st = put;
		sqlite3_bind_text(st, 1, p->tag, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p->clan, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, p->read_at);
		if (p->max_age >= 0)
			sqlite3_bind_int64(st, 4, p->max_age);
		else
			sqlite3_bind_null(st, 4);
		if (p->card_id > 0)
			sqlite3_bind_int64(st, 5, p->card_id);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_text(st, 6, p->card_name, -1, SQLITE_STATIC);
		for (i = 0; i < p->ndeck; i++) {
			if ((card = profstore_card_at(ps, p->deck[i])) == NULL)
				return SQLITE_INTERNAL;
			o += (size_t)snprintf(deck + o, sizeof(deck) - o,
			    "%s%lld", i > 0 ? " " : "", (long long)card->id);
		}
		if (p->ndeck > 0)
			sqlite3_bind_text(st, 7, deck, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 7);
		break;
	case PROFSTORE_REUSED:
		st = move;
		sqlite3_bind_text(st, 1, c->tag, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, clan, -1, SQLITE_STATIC);
		break;
	default:
		st = del;
		sqlite3_bind_text(st, 1, c->tag, -1, SQLITE_STATIC);
		break;
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return sqlite3_extended_errcode(sqlite3_db_handle(st));
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return SQLITE_OK;
}

int
histprof_write(sqlite3 *db, const struct profstore *ps, const char *clan,
    const struct profstore_change *c, size_t n)
{
	sqlite3_stmt	*put = NULL, *move = NULL, *del = NULL;
	size_t		 i;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(db, HISTPROF_SQL_PUT, -1, &put,
	    NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(db, HISTPROF_SQL_MOVE, -1, &move,
	    NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(db, HISTPROF_SQL_DEL, -1, &del,
	    NULL)) != SQLITE_OK)
		goto done;
	for (i = 0; rc == SQLITE_OK && i < n; i++)
		rc = write_one(put, move, del, ps, clan, &c[i]);
	if (rc == SQLITE_OK)
		rc = histprof_maintenance(db, profstore_maintenance(ps));
done:
	sqlite3_finalize(put);
	sqlite3_finalize(move);
	sqlite3_finalize(del);
	return rc;
}

int
histprof_maintenance(sqlite3 *db, int64_t t)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (t <= 0)
		return SQLITE_OK;
	if ((rc = sqlite3_prepare_v2(db, HISTPROF_SQL_MAINT, -1, &st,
	    NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, t);
	rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK :
	    sqlite3_extended_errcode(db);
	sqlite3_finalize(st);
	return rc;
}
