/*
 * history.c - the history database: one SQLite row per snapshot written,
 * its schema and migrations, retention, and what a fault does.
 */
#include "config.h"


#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <sqlite3.h>

#include "famtrends.h"
#include "histfile.h"
#include "histprof.h"
#include "histwork.h"
#include "history.h"
#include "log.h"
#include "outdir.h"
#include "snap.h"
#include "trends.h"

#define HIST_ERR_MAX	768	/* bytes of a fault's sentence */

struct history {
	const struct outdir	*od;
	char			*rel;		/* relpath as configured */
	char			*shown;		/* od->path/rel, for messages */
	sqlite3			*db;		/* NULL while unavailable */
	sqlite3_stmt		*s_card, *s_refresh, *s_fav, *s_deck, *s_prune;
	char			 error[HIST_ERR_MAX];	/* "" when ok */
	char			 logged[HIST_ERR_MAX];	/* last logged fault */
	double			 retry_at;	/* ev_now of the next try */
	double			 prune_at;	/* ev_now of the next pruning */
	time_t			 cutoff;	/* of the running pruning */
	struct ev_loop		*loop;		/* while pruning */
	ev_idle			 pruner;
	struct histwork		*work;		/* NULL: no thread */
	unsigned long		 writes_ok, writes_failed, pruned;
};

/*
 * The schema of version 1, exactly as clanpopd-files(5) documents it:
 * readers depend on it, so it changes only through a new migration.
 */
static const char hist_schema_1[] =
    "CREATE TABLE cards (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
    "CREATE TABLE refreshes (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  clan TEXT NOT NULL,\n"
    "  clan_name TEXT NOT NULL,\n"
    "  fetched_at INTEGER NOT NULL,\n"
    "  members INTEGER NOT NULL, fetched INTEGER NOT NULL, "
    "failed INTEGER NOT NULL,\n"
    "  without_favourite INTEGER NOT NULL, complete INTEGER NOT NULL, "
    "duration_ms INTEGER NOT NULL);\n"
    "CREATE INDEX refreshes_clan_time ON refreshes (clan, fetched_at);\n"
    "CREATE TABLE favourites (\n"
    "  refresh_id INTEGER NOT NULL REFERENCES refreshes (id) "
    "ON DELETE CASCADE,\n"
    "  card_id INTEGER NOT NULL REFERENCES cards (id),\n"
    "  players INTEGER NOT NULL,\n"
    "  PRIMARY KEY (refresh_id, card_id)) WITHOUT ROWID;\n";

/*
 * Version 2: the profile store (what each member's last read said, see
 * profstore.h: the favourite and the current deck's card ids, separated
 * by spaces), the time of the last maintenance, how many members each
 * refresh counted from stored profiles, and the members' decks as a
 * second measure (without_deck is NULL in the refreshes of version 1,
 * which did not count decks), and the refreshes by time for the family's
 * trends (famtrends.c).
 */
static const char hist_schema_2[] =
    "CREATE TABLE profiles (\n"
    "  tag TEXT PRIMARY KEY,\n"
    "  clan TEXT NOT NULL,\n"
    "  read_at INTEGER NOT NULL,\n"
    "  max_age INTEGER,\n"
    "  card_id INTEGER,\n"
    "  card_name TEXT,\n"
    "  deck TEXT) WITHOUT ROWID;\n"
    "CREATE INDEX profiles_clan ON profiles (clan);\n"
    "CREATE TABLE store_state (key TEXT PRIMARY KEY, "
    "value INTEGER NOT NULL) WITHOUT ROWID;\n"
    "ALTER TABLE refreshes ADD COLUMN reused INTEGER NOT NULL "
    "DEFAULT 0;\n"
    "ALTER TABLE refreshes ADD COLUMN without_deck INTEGER;\n"
    "CREATE TABLE decks (\n"
    "  refresh_id INTEGER NOT NULL REFERENCES refreshes (id) "
    "ON DELETE CASCADE,\n"
    "  card_id INTEGER NOT NULL REFERENCES cards (id),\n"
    "  players INTEGER NOT NULL,\n"
    "  PRIMARY KEY (refresh_id, card_id)) WITHOUT ROWID;\n"
    "CREATE INDEX refreshes_time ON refreshes (fetched_at);\n";

/*
 * The migrations: step i takes a database from user_version i to i + 1,
 * in one transaction with the new user_version.  Version 0 is a new,
 * empty file.
 */
static const char *const hist_steps[HISTORY_VERSION] = {
	hist_schema_1,
	hist_schema_2,
};

/* The name of a card as stored: a card the API sent without one is "". */
#define HIST_SQL_CARD \
    "INSERT INTO cards (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO " \
    "UPDATE SET name = excluded.name WHERE excluded.name <> '' AND " \
    "name <> excluded.name"
#define HIST_SQL_REFRESH \
    "INSERT INTO refreshes (clan, clan_name, fetched_at, members, " \
    "fetched, failed, without_favourite, complete, duration_ms, " \
    "reused, without_deck) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, " \
    "?10, ?11)"
#define HIST_SQL_FAV \
    "INSERT INTO favourites (refresh_id, card_id, players) " \
    "VALUES (?1, ?2, ?3)"
#define HIST_SQL_DECK \
    "INSERT INTO decks (refresh_id, card_id, players) VALUES (?1, ?2, ?3)"
/*
 * The sentence for a failed SQLite call rc on h's database: what is
 * wrong, the file, and what to do.
 */
static void
hist_fault(struct history *h, int rc, const char *what, char *err,
    size_t errlen)
{
	const char *msg = h->db != NULL ? sqlite3_errmsg(h->db) :
	    sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_FULL:
		snprintf(err, errlen, "%s: the disk is full (%s: %s); free "
		    "some space", h->shown, what, msg);
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		snprintf(err, errlen, "%s is corrupt or not an SQLite "
		    "database (%s: %s); clanpopd leaves it untouched: move it "
		    "away (a new one is then made) or set output.database to "
		    "another file", h->shown, what, msg);
		break;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		snprintf(err, errlen, "%s cannot be written (%s: %s); make it "
		    "and its directory writable by clanpopd's user",
		    h->shown, what, msg);
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(err, errlen, "%s is locked by another program (%s: "
		    "%s); end that program's write transaction", h->shown,
		    what, msg);
		break;
	default:
		snprintf(err, errlen, "%s: %s failed: %s (SQLite error %d)",
		    h->shown, what, msg, rc);
		break;
	}
}

/* Run sql (no rows); 0, or -1 with the fault in err. */
static int
hist_exec(struct history *h, const char *sql, const char *what, char *err,
    size_t errlen)
{
	int rc;

	if ((rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL)) != SQLITE_OK) {
		hist_fault(h, sqlite3_extended_errcode(h->db), what, err,
		    errlen);
		return -1;
	}
	return 0;
}

/* The integer the one-row, one-column sql returns into *v. */
static int
hist_int(struct history *h, const char *sql, const char *what,
    sqlite3_int64 *v, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL)) ==
	    SQLITE_OK) {
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			*v = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK)
		hist_fault(h, sqlite3_extended_errcode(h->db), what, err,
		    errlen);
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Bring the database to HISTORY_VERSION, or refuse one it cannot read. */
static int
hist_migrate(struct history *h, char *err, size_t errlen)
{
	char		 sql[64];
	sqlite3_int64	 v, objects;

	if (hist_int(h, "PRAGMA user_version", "reading its version", &v,
	    err, errlen) == -1)
		return -1;
	if (v > HISTORY_VERSION || v < 0) {
		snprintf(err, errlen, "%s was made by a newer clanpopd (schema "
		    "version %lld; this one reads up to %d); clanpopd leaves "
		    "it untouched: upgrade clanpopd, or set output.database to "
		    "another file", h->shown, (long long)v, HISTORY_VERSION);
		return -1;
	}
	if (v == 0) {
		if (hist_int(h, "SELECT count(*) FROM sqlite_master",
		    "reading its tables", &objects, err, errlen) == -1)
			return -1;
		if (objects > 0) {
			snprintf(err, errlen, "%s is an SQLite database of "
			    "another program (it has tables, but no clanpopd "
			    "schema version); clanpopd leaves it untouched: "
			    "set output.database to another file", h->shown);
			return -1;
		}
	}
	if (hist_exec(h, "PRAGMA journal_mode = WAL", "setting WAL mode",
	    err, errlen) == -1 ||
	    hist_exec(h, "PRAGMA synchronous = NORMAL; "
	    "PRAGMA foreign_keys = ON", "setting its pragmas", err,
	    errlen) == -1)
		return -1;
	for (; v < HISTORY_VERSION; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld",
		    (long long)v + 1);
		if (hist_exec(h, "BEGIN IMMEDIATE", "migrating", err,
		    errlen) == -1)
			return -1;
		if (hist_exec(h, hist_steps[v], "migrating", err,
		    errlen) == -1 ||
		    hist_exec(h, sql, "migrating", err, errlen) == -1 ||
		    hist_exec(h, "COMMIT", "migrating", err, errlen) == -1) {
			sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

/* Close the database (if open) and its statements; a pruning stops. */
static void
hist_shut(struct history *h)
{
	if (h->loop != NULL) {
		ev_idle_stop(h->loop, &h->pruner);
		h->loop = NULL;
	}
	sqlite3_finalize(h->s_card);
	sqlite3_finalize(h->s_refresh);
	sqlite3_finalize(h->s_fav);
	sqlite3_finalize(h->s_deck);
	sqlite3_finalize(h->s_prune);
	h->s_card = h->s_refresh = h->s_fav = h->s_deck = h->s_prune = NULL;
	sqlite3_close(h->db);
	h->db = NULL;
	if (h->work != NULL)
		histwork_drop(h->work);
}

/*
 * After each commit: a WAL of HISTORY_CHECKPOINT_PAGES or more is
 * checkpointed by the worker's connection, not by this one (setting the
 * hook turns SQLite's automatic checkpoint off).
 */
static int
hist_wal_cb(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct history *h = arg;

	(void)db;
	(void)name;
	if (pages >= HISTORY_CHECKPOINT_PAGES)
		histwork_checkpoint(h->work);
	return SQLITE_OK;
}

/* Open, check, migrate and prepare; on failure h->db stays NULL. */
static int
hist_connect(struct history *h, char *err, size_t errlen)
{
	char	path[PATH_MAX];
	int	rc;

	if (histfile_check(h->od, h->rel, h->shown, path, sizeof(path), err,
	    errlen) == -1)
		return -1;
	rc = sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc == SQLITE_CANTOPEN_SYMLINK ||
	    sqlite3_extended_errcode(h->db) == SQLITE_CANTOPEN_SYMLINK) {
		snprintf(err, errlen, "%s: a symbolic link appeared in its "
		    "path since clanpopd checked it; clanpopd never opens its "
		    "database through one: remove it", h->shown);
		hist_shut(h);
		return -1;
	}
	if (rc != SQLITE_OK) {
		hist_fault(h, rc, "opening", err, errlen);
		hist_shut(h);
		return -1;
	}
	sqlite3_extended_result_codes(h->db, 1);
	sqlite3_busy_timeout(h->db, HISTORY_BUSY_MS);
	if (h->work != NULL)
		sqlite3_wal_hook(h->db, hist_wal_cb, h);
	if (hist_migrate(h, err, errlen) == -1 ||
	    (rc = sqlite3_prepare_v3(h->db, HIST_SQL_CARD, -1,
	    SQLITE_PREPARE_PERSISTENT, &h->s_card, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v3(h->db, HIST_SQL_REFRESH, -1,
	    SQLITE_PREPARE_PERSISTENT, &h->s_refresh, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v3(h->db, HIST_SQL_FAV, -1,
	    SQLITE_PREPARE_PERSISTENT, &h->s_fav, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v3(h->db, HIST_SQL_DECK, -1,
	    SQLITE_PREPARE_PERSISTENT, &h->s_deck, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v3(h->db, HISTORY_SQL_PRUNE, -1,
	    SQLITE_PREPARE_PERSISTENT, &h->s_prune, NULL)) != SQLITE_OK) {
		if (rc != SQLITE_OK)
			hist_fault(h, rc, "preparing its statements", err,
			    errlen);
		hist_shut(h);
		return -1;
	}
	return 0;
}

struct history *
history_open(const struct outdir *od, const char *relpath, char *err,
    size_t errlen)
{
	struct history	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->rel = strdup(relpath)) == NULL ||
	    asprintf(&h->shown, "%s/%s", od->path, relpath) == -1) {
		if (h != NULL)
			free(h->rel);
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->od = od;
	if ((h->work = histwork_start(od, h->rel, h->shown)) == NULL)
		log_warnx("history: no thread could be started for the "
		    "trends and checkpoints: the event loop does them");
	ev_idle_init(&h->pruner, NULL);
	h->pruner.data = h;
	err[0] = '\0';
	if (hist_connect(h, h->error, sizeof(h->error)) == -1)
		snprintf(err, errlen, "%s", h->error);
	return h;
}

void
history_close(struct history *h)
{
	if (h == NULL)
		return;
	histwork_stop(h->work);
	h->work = NULL;
	hist_shut(h);
	free(h->rel);
	free(h->shown);
	free(h);
}

sqlite3 *
history_db(struct history *h)
{
	return h != NULL ? h->db : NULL;
}

/* Run the bound statement st to its end, then reset it. */
static int
hist_step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The names of t's cards into the cards table. */
static int
hist_names(struct history *h, const struct tally *t)
{
	const struct tally_card	*tc;
	size_t			 i;
	int			 rc = SQLITE_OK;

	for (i = 0; rc == SQLITE_OK && i < t->n; i++) {
		tc = &t->cards[i];
		sqlite3_bind_int64(h->s_card, 1, tc->id);
		sqlite3_bind_text(h->s_card, 2, tc->name != NULL ? tc->name :
		    "", -1, SQLITE_STATIC);
		rc = hist_step(h->s_card);
	}
	return rc;
}

/* t's cards as rows of refresh rid, through st (favourites or decks). */
static int
hist_counts(sqlite3_stmt *st, sqlite3_int64 rid, const struct tally *t)
{
	const struct tally_card	*tc;
	size_t			 i;
	int			 rc = SQLITE_OK;

	for (i = 0; rc == SQLITE_OK && i < t->n; i++) {
		tc = &t->cards[i];
		sqlite3_bind_int64(st, 1, rid);
		sqlite3_bind_int64(st, 2, tc->id);
		sqlite3_bind_int64(st, 3, tc->count);
		rc = hist_step(st);
	}
	return rc;
}

/*
 * The card names, the refresh, its favourites and its decks, inside a
 * transaction.
 */
static int
hist_insert(struct history *h, const struct snap_clan *sc)
{
	sqlite3_int64	rid;
	int		rc;

	if ((rc = hist_names(h, &sc->fig->cards)) != SQLITE_OK ||
	    (rc = hist_names(h, &sc->fig->deck_cards)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(h->s_refresh, 1, sc->tag, -1, SQLITE_STATIC);
	sqlite3_bind_text(h->s_refresh, 2, sc->name != NULL ? sc->name : "",
	    -1, SQLITE_STATIC);
	sqlite3_bind_int64(h->s_refresh, 3, (sqlite3_int64)sc->fetched_at);
	sqlite3_bind_int64(h->s_refresh, 4, (sqlite3_int64)sc->fig->members);
	sqlite3_bind_int64(h->s_refresh, 5, (sqlite3_int64)sc->fig->fetched);
	sqlite3_bind_int64(h->s_refresh, 6, (sqlite3_int64)sc->fig->failed);
	sqlite3_bind_int64(h->s_refresh, 7,
	    (sqlite3_int64)sc->fig->without_favourite);
	sqlite3_bind_int(h->s_refresh, 8, sc->fig->failed == 0);
	/* Rounded as the snapshot's duration_ms is. */
	sqlite3_bind_int64(h->s_refresh, 9,
	    (sqlite3_int64)(sc->duration * 1000 + 0.5));
	sqlite3_bind_int64(h->s_refresh, 10, (sqlite3_int64)sc->fig->reused);
	sqlite3_bind_int64(h->s_refresh, 11,
	    (sqlite3_int64)sc->fig->without_deck);
	if ((rc = hist_step(h->s_refresh)) != SQLITE_OK)
		return rc;
	rid = sqlite3_last_insert_rowid(h->db);
	if ((rc = hist_counts(h->s_fav, rid, &sc->fig->cards)) == SQLITE_OK)
		rc = hist_counts(h->s_deck, rid, &sc->fig->deck_cards);
	if (rc == SQLITE_OK && sc->store != NULL)
		rc = histprof_write(h->db, sc->store, sc->tag, sc->changes,
		    sc->nchanges);
	return rc;
}

/* Roll back what is open after a failure; the fault goes to err. */
static int
hist_abort(struct history *h, int rc, const char *what, char *err,
    size_t errlen)
{
	hist_fault(h, rc, what, err, errlen);
	if (!sqlite3_get_autocommit(h->db))
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Without a database: the fault that closed it, as a sentence. */
static int
hist_unavailable(struct history *h, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", h->error[0] != '\0' ? h->error :
	    "the history database is not open");
	return -1;
}

int
history_record(struct history *h, const struct snap_clan *sc, char *err,
    size_t errlen)
{
	int rc;

	if (h->db == NULL)
		return hist_unavailable(h, err, errlen);
	if ((rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL)) != SQLITE_OK)
		return hist_abort(h, sqlite3_extended_errcode(h->db),
		    "starting a transaction", err, errlen);
	if ((rc = hist_insert(h, sc)) != SQLITE_OK)
		return hist_abort(h, sqlite3_extended_errcode(h->db),
		    "recording a refresh", err, errlen);
	if ((rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL)) !=
	    SQLITE_OK)
		return hist_abort(h, sqlite3_extended_errcode(h->db),
		    "committing a refresh", err, errlen);
	return 0;
}

int
history_prune_batch(struct history *h, time_t cutoff, int limit, char *err,
    size_t errlen)
{
	int rc, n;

	if (h->db == NULL)
		return hist_unavailable(h, err, errlen);
	if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return hist_abort(h, sqlite3_extended_errcode(h->db),
		    "starting a transaction", err, errlen);
	sqlite3_bind_int64(h->s_prune, 1, (sqlite3_int64)cutoff);
	sqlite3_bind_int(h->s_prune, 2, limit);
	if ((rc = hist_step(h->s_prune)) != SQLITE_OK)
		return hist_abort(h, sqlite3_extended_errcode(h->db),
		    "removing old refreshes", err, errlen);
	n = sqlite3_changes(h->db);
	if (n > 0 && sqlite3_exec(h->db, HISTORY_SQL_REMOVED, NULL, NULL,
	    NULL) != SQLITE_OK)
		return hist_abort(h, sqlite3_extended_errcode(h->db),
		    "counting the removal of old refreshes", err, errlen);
	if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return hist_abort(h, sqlite3_extended_errcode(h->db),
		    "committing the removal of old refreshes", err, errlen);
	return n;
}

/* Log h's fault unless that very fault was the last one logged. */
static void
hist_log(struct history *h)
{
	if (h->error[0] == '\0' || strcmp(h->logged, h->error) == 0)
		return;
	log_warnx("history: %s; snapshots are still written, and clanpopd "
	    "tries the database again within a minute and at each reload",
	    h->error);
	snprintf(h->logged, sizeof(h->logged), "%s", h->error);
}

/* A fault: close the database, log it unless already logged, retry later. */
static void
hist_failed(struct history *h, double now, const char *err)
{
	hist_shut(h);
	snprintf(h->error, sizeof(h->error), "%s", err);
	hist_log(h);
	h->retry_at = now + HISTORY_RETRY;
}

void
history_log_open(struct history *h, const struct history *old)
{
	if (h == NULL)
		return;
	if (old != NULL)
		snprintf(h->logged, sizeof(h->logged), "%s", old->logged);
	if (h->error[0] != '\0')
		hist_log(h);
	else if (old != NULL && old->error[0] != '\0')
		log_info("history: %s works again", h->shown);
}

/* One batch of a pruning; the watcher stops when none is left. */
static void
hist_prune_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct history	*h = w->data;
	char		 err[HIST_ERR_MAX];
	int		 n;

	n = history_prune_batch(h, h->cutoff, HISTORY_PRUNE_BATCH, err,
	    sizeof(err));
	if (n == -1) {
		hist_failed(h, ev_now(loop), err);
		return;
	}
	h->pruned += (unsigned long)n;
	if (n < HISTORY_PRUNE_BATCH) {
		ev_idle_stop(loop, w);
		h->loop = NULL;
		log_debug("history: %s: retention done", h->shown);
	}
}

/* Start a pruning of what is older than retention, when one is due. */
static void
hist_prune_due(struct history *h, struct ev_loop *loop, time_t wall,
    double retention)
{
	double now = ev_now(loop);

	if (retention <= 0 || h->loop != NULL || now < h->prune_at)
		return;
	h->prune_at = now + fmin(HISTORY_PRUNE_EVERY, retention);
	h->cutoff = wall - (time_t)retention;
	h->loop = loop;
	ev_set_cb(&h->pruner, hist_prune_cb);
	ev_idle_start(loop, &h->pruner);
}

int
history_write(struct history *h, struct ev_loop *loop,
    const struct snap_clan *sc, double retention)
{
	char	err[HIST_ERR_MAX];
	double	now = ev_now(loop);

	if (h->db == NULL) {
		if (now < h->retry_at) {
			h->writes_failed++;
			return -1;
		}
		if (hist_connect(h, err, sizeof(err)) == -1) {
			h->writes_failed++;
			hist_failed(h, now, err);
			return -1;
		}
	}
	if (history_record(h, sc, err, sizeof(err)) == -1) {
		h->writes_failed++;
		hist_failed(h, now, err);
		return -1;
	}
	h->writes_ok++;
	if (h->error[0] != '\0') {
		log_info("history: %s works again", h->shown);
		h->error[0] = h->logged[0] = '\0';
	}
	hist_prune_due(h, loop, sc->fetched_at, retention);
	return 0;
}

void
history_trends(struct history *h, const char *tag, time_t now,
    double window)
{
	char err[1024];

	if (h->work != NULL)
		histwork_trends(h->work, tag, now, window);
	else if (trends_write(h->od, h->db, tag, now, window, err,
	    sizeof(err)) == -1)
		log_warnx("%s: trends: %s", tag, err);
}

void
history_family(struct history *h, const char *const *tags, size_t n,
    time_t now, double window)
{
	struct famtrends	*f = NULL;
	char			 err[1024] = "out of memory";

	if (h->work != NULL)
		histwork_family(h->work, tags, n, now, window);
	else if ((f = famtrends_new()) == NULL || famtrends_write(h->od, f,
	    h->db, tags, n, now, window, err, sizeof(err)) == -1)
		log_warnx("family trends: %s", err);
	famtrends_free(f);
}

void
history_stats(const struct history *h, struct history_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (h == NULL)
		return;
	st->enabled = 1;
	st->ok = h->error[0] == '\0';
	st->error = st->ok ? NULL : h->error;
	st->writes_ok = h->writes_ok;
	st->writes_failed = h->writes_failed;
	st->pruned = h->pruned;
}
