/*
 * thist.h - a history database built by hand for the trends tests: its
 * schema, and cards and refreshes with their favourites and decks.
 */
#ifndef CLANPOPD_THIST_H
#define CLANPOPD_THIST_H

#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

/*
 * The history database's schema: version 1 exactly as issue 12 gives it,
 * then version 2's decks and refreshes_time, as clanpopd-files(5) gives
 * them.
 */
#define SCHEMA \
	"CREATE TABLE cards (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" \
	"CREATE TABLE refreshes (" \
	"  id INTEGER PRIMARY KEY," \
	"  clan TEXT NOT NULL," \
	"  clan_name TEXT NOT NULL," \
	"  fetched_at INTEGER NOT NULL," \
	"  members INTEGER NOT NULL, fetched INTEGER NOT NULL," \
	"  failed INTEGER NOT NULL," \
	"  without_favourite INTEGER NOT NULL, complete INTEGER NOT NULL," \
	"  duration_ms INTEGER NOT NULL);" \
	"CREATE INDEX refreshes_clan_time ON refreshes (clan, fetched_at);" \
	"CREATE TABLE favourites (" \
	"  refresh_id INTEGER NOT NULL REFERENCES refreshes (id)" \
	"    ON DELETE CASCADE," \
	"  card_id INTEGER NOT NULL REFERENCES cards (id)," \
	"  players INTEGER NOT NULL," \
	"  PRIMARY KEY (refresh_id, card_id)) WITHOUT ROWID;" \
	"CREATE TABLE decks (" \
	"  refresh_id INTEGER NOT NULL REFERENCES refreshes (id)" \
	"    ON DELETE CASCADE," \
	"  card_id INTEGER NOT NULL REFERENCES cards (id)," \
	"  players INTEGER NOT NULL," \
	"  PRIMARY KEY (refresh_id, card_id)) WITHOUT ROWID;" \
	"CREATE INDEX refreshes_time ON refreshes (fetched_at);" \
	"CREATE TABLE store_state (key TEXT PRIMARY KEY, " \
	"  value INTEGER NOT NULL) WITHOUT ROWID;"

#define NOW	1795000000	/* 2026-11-18T11:06:40Z */
#define HOUR	3600.0

/* One favourite of a refresh: card id and players; id 0 ends a list. */
struct fav {
	long long	id;
	int		players;
};

static inline void
sql(sqlite3 *db, const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK) {
		printf("Bail out! %s: %s\n", q, msg);
		exit(1);
	}
}

static inline sqlite3 *
db_new(const char *path)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	sql(db, SCHEMA);
	return db;
}

/* Name (or rename) the card id. */
static inline void
card(sqlite3 *db, long long id, const char *name)
{
	char *q;

	q = sqlite3_mprintf("INSERT INTO cards (id, name) VALUES (%lld, %Q) "
	    "ON CONFLICT (id) DO UPDATE SET name = excluded.name", id, name);
	sql(db, q);
	sqlite3_free(q);
}

/* The rows f of the latest refresh in table (favourites or decks). */
static inline void
rows(sqlite3 *db, const char *table, const struct fav *f)
{
	long long	 rid = (long long)sqlite3_last_insert_rowid(db);
	char		*q;

	for (; f != NULL && f->id != 0; f++) {
		q = sqlite3_mprintf("INSERT INTO %s (refresh_id, card_id, "
		    "players) VALUES (%lld, %lld, %d)", table, rid, f->id,
		    f->players);
		sql(db, q);
		sqlite3_free(q);
	}
}

/* A refresh of clan at t with the favourites f (cards already named). */
static inline void
refresh(sqlite3 *db, const char *clan, const char *name, long long t,
    const struct fav *f)
{
	char *q;

	q = sqlite3_mprintf("INSERT INTO refreshes (clan, clan_name, "
	    "fetched_at, members, fetched, failed, without_favourite, "
	    "complete, duration_ms) VALUES (%Q, %Q, %lld, 50, 50, 0, 0, 1, "
	    "900)", clan, name, t);
	sql(db, q);
	sqlite3_free(q);
	rows(db, "favourites", f);
}

/* The same, with the deck cards d. */
static inline void
refresh_decks(sqlite3 *db, const char *clan, const char *name, long long t,
    const struct fav *f, const struct fav *d)
{
	refresh(db, clan, name, t, f);
	rows(db, "decks", d);
}

#endif
