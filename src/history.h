/* history.h - the history database: one row per snapshot, in SQLite. */
#ifndef CLANPOPD_HISTORY_H
#define CLANPOPD_HISTORY_H

#include <stddef.h>
#include <time.h>

#include <ev.h>
#include <sqlite3.h>

#define HISTORY_VERSION		2	/* PRAGMA user_version this code writes */
#define HISTORY_BUSY_MS		100	/* busy_timeout, milliseconds */
#define HISTORY_RETRY		60.0	/* seconds between tries of a failing
					   database */
#define HISTORY_PRUNE_EVERY	3600.0	/* seconds, at most (less when the
					   retention is shorter) */
#define HISTORY_PRUNE_BATCH	500	/* refreshes removed per transaction */
#define HISTORY_CHECKPOINT_PAGES 1000	/* WAL pages that ask for a
					   checkpoint (SQLite's default) */

struct outdir;
struct snap_clan;
struct history;

/* What index.json and metrics.prom say of the database. */
struct history_stats {
	int		 enabled;	/* 0: output.database is "" */
	int		 ok;		/* the last open or write worked */
	const char	*error;		/* the last fault, NULL when ok */
	unsigned long	 writes_ok;	/* refreshes recorded */
	unsigned long	 writes_failed;	/* refreshes not recorded */
	unsigned long	 pruned;	/* refreshes removed by retention */
};

/*
 * Open (creating or migrating when needed) the database relpath inside
 * od: plain names joined by '/', parents made as outdir_subdir makes
 * them.  Never through a symbolic link, and only a regular file owned by
 * clanpopd's user (or root), writable by its owner and by nobody else;
 * the same holds for its -wal, -shm and -journal files.  Sets WAL mode,
 * synchronous=NORMAL, foreign_keys=ON and a busy timeout of
 * HISTORY_BUSY_MS.  A file that is not a database, is corrupt, or has a
 * user_version above HISTORY_VERSION is left exactly as it is.
 * Returns the history (free with history_close), or NULL only when out
 * of memory.  When the database cannot be used, err holds the sentence
 * (also history_stats' error), history_db() returns NULL and
 * history_write tries again later; otherwise err is "".  od must
 * outlive the history.
 */
struct history	*history_open(const struct outdir *od, const char *relpath,
		    char *err, size_t errlen);

/* Stop any pruning, close the database, free h.  NULL is allowed. */
void		 history_close(struct history *h);

/*
 * The open database, for readers of the history (trends); NULL while it
 * is unavailable.  Valid until the next history_write, history_close or
 * history_open of the same history.
 */
sqlite3		*history_db(struct history *h);

/*
 * Record the snapshot sc in one transaction: the names of its cards
 * (inserted, or updated when the API renamed one), one refreshes row and
 * its favourites rows (sc->cards), and what became of the members'
 * profiles (sc->changes, with sc->store; none when sc->store is NULL).
 * On failure everything is rolled back.  Does not log and does not retry.  Returns 0, or -1 with a sentence in
 * err (also when the database is unavailable).
 */
int		 history_record(struct history *h, const struct snap_clan *sc,
		    char *err, size_t errlen);

/*
 * Retention's statements.  HISTORY_SQL_PRUNE removes the oldest
 * refreshes fetched before ?1, at most ?2, lowest ids first (a refresh
 * is recorded as it ends, so ids follow time unless the clock stepped
 * back).  HISTORY_SQL_REMOVED, in the same transaction when any went,
 * counts the prunings in store_state's "removals": famseries.c reads
 * whether rows went from it, whatever ids they had.
 */
#define HISTORY_SQL_PRUNE \
    "DELETE FROM refreshes WHERE id IN (SELECT id FROM refreshes " \
    "WHERE fetched_at < ?1 ORDER BY id LIMIT ?2)"
#define HISTORY_SQL_REMOVED \
    "INSERT INTO store_state (key, value) VALUES ('removals', 1) " \
    "ON CONFLICT (key) DO UPDATE SET value = value + 1"

/*
 * Remove at most limit of the oldest refreshes fetched before cutoff
 * (with their favourites and decks) and count the pruning when any went,
 * in one transaction.  Returns how many were removed, or -1 with a
 * sentence in err.
 */
int		 history_prune_batch(struct history *h, time_t cutoff,
		    int limit, char *err, size_t errlen);

/*
 * The daemon's write after a snapshot: open the database again when it
 * failed and HISTORY_RETRY seconds have passed (ev_now of loop), record
 * sc, and when retention (seconds, 0 = keep all) is set and due (at most
 * every min(HISTORY_PRUNE_EVERY, retention)), remove the refreshes older
 * than it, HISTORY_PRUNE_BATCH at a time from an ev_idle watcher on
 * loop.  A fault is logged once (one line: what, the file, what to do)
 * and the database is closed until the next try; a recovery is logged.
 * Returns 0 when sc was recorded, -1 otherwise.
 */
int		 history_write(struct history *h, struct ev_loop *loop,
		    const struct snap_clan *sc, double retention);

/*
 * Write trends/TAG.json of tag (with '#') into h's output directory, as
 * trends_write does
 * at now over window, after history_write recorded its refresh: on the
 * worker thread, whose own connection reads the database and which logs
 * a failure; on the loop, logging a failure, when no thread could be
 * started.
 */
void		 history_trends(struct history *h, const char *tag,
		    time_t now, double window);

/*
 * Write trends/family.json of the clans tags (n of them) into h's output
 * directory, as famtrends_write does at now over window: on the worker
 * thread, from the series it keeps between two writes, logging a
 * failure; on the loop, read whole, when no thread could be started.
 */
void		 history_family(struct history *h, const char *const *tags,
		    size_t n, time_t now, double window);

/*
 * Log the fault history_open found in h, as history_write would; with
 * old (the history h replaces at a reload, or NULL), not when old
 * logged that very fault already, and saying so when old's is gone.
 */
void		 history_log_open(struct history *h,
		    const struct history *old);

/* The figures for the reports; error points into h. */
void		 history_stats(const struct history *h,
		    struct history_stats *st);

#endif
