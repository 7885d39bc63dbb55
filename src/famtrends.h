/*
 * famtrends.h - trends/family.json: the configured clans' favourite and
 * deck cards summed, over time, kept up to date between two writes.
 */
#ifndef CLANPOPD_FAMTRENDS_H
#define CLANPOPD_FAMTRENDS_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

#include "trends.h"

struct outdir;
struct famtrends;

/*
 * A new, empty family series (the first build reads it whole).  Returns
 * NULL when out of memory; free with famtrends_free.
 */
struct famtrends	*famtrends_new(void);
void			 famtrends_free(struct famtrends *f);

/*
 * The family's trends over [now - window, now] (from 1970-01-01 when
 * window <= 0 or reaches further), read from db in one savepoint: the
 * clans tags (with '#', any order) summed.  The times are the clans'
 * refreshes in the window, sampled as a clan's file samples its own
 * (trendset_pick); at each, a card's value is the sum over the clans of
 * its count in that clan's latest refresh at or before it (of any time,
 * 0 for a clan with none).  The cards of each measure are chosen as a
 * clan's are, from these sums (a card is at a time when its sum is above
 * 0).  f keeps the times and the sums: a build with the clans and
 * window of the one before reads only the refreshes since, those that
 * left the window and, for each time that moved, the clans with a
 * refresh between its old and new time (their refresh at either time
 * is looked up); the whole is read again at the first build, when the clans or
 * the window changed, when refreshes were deleted (retention) or after
 * an error.  Returns the trends (free with trends_free), or NULL with a
 * sentence in err.
 */
struct trends	*famtrends_build(struct famtrends *f, sqlite3 *db,
		    const char *const *tags, size_t ntags, time_t now,
		    double window, char *err, size_t errlen);

/* How many builds read the whole (for the tests and benchmark 6). */
unsigned long	 famtrends_full_builds(const struct famtrends *f);

/*
 * Write t (from famtrends_build) as trends/family.json's text to fp.
 * Returns 0, or -1 on a write error or out of memory.
 */
int		 famtrends_print(FILE *fp, const struct trends *t);

/*
 * famtrends_build, then trends/family.json in od atomically (trends/
 * made when missing).  Returns 0, or -1 with a sentence in err (the
 * previous file is kept).
 */
int		 famtrends_write(const struct outdir *od, struct famtrends *f,
		    sqlite3 *db, const char *const *tags, size_t ntags,
		    time_t now, double window, char *err, size_t errlen);

#endif
