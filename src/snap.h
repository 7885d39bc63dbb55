/* snap.h - the files clanpopd writes, each written atomically. */
#ifndef CLANPOPD_SNAP_H
#define CLANPOPD_SNAP_H

#include <stddef.h>
#include <stdio.h>

#include <time.h>

#include "figures.h"
#include "reqstats.h"

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
 * restart; the caller frees rd->name and figures_free()s rd->fig.
 * Entries of favourite_cards and deck_cards without an integer id and a
 * positive count are left out.  Returns 0, or -1 when there is no readable snapshot or
 * on out of memory (nothing is left to free then).
 */
int	snap_read_clan(const struct outdir *od, const char *tag,
	    struct snap_read *rd);

#endif
