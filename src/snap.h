/* snap.h - the files clanpopd writes, each written atomically. */
#ifndef CLANPOPD_SNAP_H
#define CLANPOPD_SNAP_H

#include <stddef.h>
#include <stdio.h>

#include <time.h>

#include "reqstats.h"
#include "tally.h"

struct outdir;

/* One clan's snapshot: what a refresh that read the clan found. */
struct snap_clan {
	const char		*tag;		/* normalised, with the '#' */
	const char		*name;		/* from the API, or NULL */
	time_t			 fetched_at;	/* wall clock at the end */
	double			 duration;	/* seconds */
	size_t			 members;
	size_t			 fetched;
	size_t			 failed;
	size_t			 without_favourite;
	const struct tally	*cards;		/* sorted */
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
	int		 has_result;	/* the fields below are known */
	int		 complete;
	double		 duration;	/* seconds */
	size_t		 members;
	size_t		 fetched;
	size_t		 failed;
	size_t		 without_favourite;
	const struct tally *cards;	/* NULL when not known */
	unsigned long	 skipped;
};

/* What they say of the daemon. */
struct snap_daemon_info {
	const char		*version;
	time_t			 started;
	const struct fetch_stats *fetch;
	double			 rate;	/* effective requests/s, 0 = unlimited */
	unsigned long		 skipped;
	unsigned long		 reloads_ok;
	unsigned long		 reloads_failed;
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
 * Write index.json and metrics.prom in od.  Returns 0, or -1 with a
 * sentence in err (both are attempted).
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

/*
 * Read what the snapshot of tag already on disk says, for a restart:
 * its fetched_at into *fetched_at, its complete flag into *complete and
 * its name into *name (caller frees; NULL when none).  Returns 0, or -1
 * when there is no readable snapshot (nothing is set then).
 */
int	snap_read_clan(const struct outdir *od, const char *tag,
	    time_t *fetched_at, int *complete, char **name);

#endif
