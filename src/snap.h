/* snap.h - the files clanpopd writes, each written atomically. */
#ifndef CLANPOPD_SNAP_H
#define CLANPOPD_SNAP_H

#include <stddef.h>
#include <stdio.h>

#include <time.h>

#include "figures.h"
#include "reqstats.h"

struct looplag_stats;
struct outdir;
struct profstore;
struct profstore_change;

/* One clan's snapshot: what a refresh that read the clan found. */
struct snap_clan {
	const char		*tag;		/* normalised, with the '#' */
	const char		*name;		/* from the API, or NULL */
	time_t			 fetched_at;	/* wall clock at the end */
	double			 duration;	/* seconds */
	const struct clan_figures *fig;	/* what it counted */
	/* For the history database: what became of each profile. */
	const struct profstore	*store;
	const struct profstore_change *changes;
	size_t			 nchanges;
};

/*
 * Write clans/<TAG without '#'>.json under od.  Returns 0, or -1 with a
 * sentence in err.
 */
int	snap_write_clan(const struct outdir *od, const struct snap_clan *sc,
	    char *err, size_t errlen);

/* The snapshot as a JSON text (caller frees), or NULL on out of memory. */
char	*snap_clan_json(const struct snap_clan *sc);

/* What index.json and metrics.prom say of one clan. */
struct snap_clan_info {
	const char	*tag;
	const char	*label;		/* the configuration's name, or NULL */
	const char	*name;		/* the clan's name from the API, or NULL */
	time_t		 last_success;	/* 0 = never */
	time_t		 last_attempt;	/* 0 = never */
	const char	*last_error;	/* NULL when the last refresh was clean */
	unsigned	 consecutive_failures;
	double		 interval;	/* seconds between its refreshes */
	int		 has_result;	/* a refresh since start wrote fig */
	int		 complete;
	double		 duration;	/* seconds */
	/*
	 * The latest snapshot's figures, also of one read back from disk at
	 * start (cards.json counts those too); NULL when the clan has none.
	 */
	const struct clan_figures *fig;
	unsigned long	 skipped;
};

/* What they say of the history database. */
struct snap_history {
	const char	*database;	/* output.database; NULL: off */
	const char	*error;		/* the current fault, NULL when none */
	unsigned long	 writes_ok;	/* refreshes recorded */
	unsigned long	 writes_failed;	/* snapshots not recorded */
};

/* What they say of the daemon. */
struct snap_daemon_info {
	const char		*version;
	time_t			 started;
	const struct fetch_stats *fetch;
	double			 rate;	/* effective requests/s, 0 = unlimited */
	const struct fetch_key_stats *keys;	/* the API keys, in file order */
	size_t			 nkeys;
	unsigned long		 skipped;
	unsigned long		 reloads_ok;
	unsigned long		 reloads_failed;
	unsigned long		 players_read;	/* profiles read, since start */
	unsigned long		 players_reused;	/* counted from the store
						   instead: requests saved */
	size_t			 profiles;	/* profiles in the store now */
	struct snap_history	 history;
	const struct looplag_stats *lag;	/* NULL: none measured */
};

/*
 * Write index.json's text to fp, clan by clan.  Returns 0, or -1 on a
 * write error or out of memory.
 */
int	snap_index_write(FILE *fp, const struct snap_daemon_info *,
	    const struct snap_clan_info *, size_t n);
/* Write metrics.prom's text to fp.  Returns 0, or -1 on a write error. */
int	snap_metrics_write(FILE *fp, const struct snap_daemon_info *,
	    const struct snap_clan_info *, size_t n);

/*
 * Write index.json, metrics.prom and cards.json in od.  Returns 0, or -1
 * with a sentence in err (all are attempted).
 */
int	snap_write_reports(const struct outdir *od,
	    const struct snap_daemon_info *, const struct snap_clan_info *,
	    size_t n, char *err, size_t errlen);

/*
 * Keep a copy of the snapshot as history/<TAG>/<UTC time>.json under od
 * and remove the oldest copies beyond keep (only regular files named like
 * those copies).  Returns 0, or -1 with err.
 */
int	snap_write_history(const struct outdir *od,
	    const struct snap_clan *sc, int keep, char *err, size_t errlen);

/* What a snapshot on disk says, read back at a restart. */
struct snap_read {
	time_t		 fetched_at;
	int		 complete;
	char		*name;		/* NULL when none */
	struct clan_figures fig;	/* cards in the snapshot's order */
};

/*
 * Read what the snapshot of tag already on disk says into *rd, for a
 * restart; the caller frees rd->name and tally_free()s rd->fig.cards.
 * Entries of favourite_cards without an integer id and a positive count
 * are left out.  Returns 0, or -1 when there is no readable snapshot or
 * on out of memory (nothing is left to free then).
 */
int	snap_read_clan(const struct outdir *od, const char *tag,
	    struct snap_read *rd);

#endif
