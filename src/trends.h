/* trends.h - trends/TAG.json: a clan's favourite and deck cards over time. */
#ifndef CLANPOPD_TRENDS_H
#define CLANPOPD_TRENDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

#include "trendset.h"

struct outdir;

/*
 * Read the trends of the clan tag ("#9V2Y") from the history database db
 * (read only, in one savepoint) over the window [now - window, now]
 * (from 1970-01-01 when window <= 0 or reaches further): the refreshes
 * in it, sampled to at most TRENDS_POINTS_MAX by time (always the first
 * and the latest), and the cards: the TRENDS_TOP of the latest refresh in
 * tally_rank's order, then the cards that were in a refresh's top
 * TRENDS_TOP in the window, the most recently there first (ties: in
 * their order at that refresh), up to TRENDS_CARDS_MAX; the same for the
 * deck cards (the decks table) by the same rules, at the same points.
 * Names come from the cards table.  Returns the trends (free with
 * trends_free), or NULL with a sentence in err (also when db is NULL).
 */
struct trends	*trends_build(sqlite3 *db, const char *tag, time_t now,
		    double window, char *err, size_t errlen);
void		 trends_free(struct trends *);

/*
 * Write t's text (trends/TAG.json) to fp.  Returns 0, or -1 on a write
 * error or out of memory.
 */
int		 trends_print(FILE *fp, const struct trends *t);

/*
 * Build the trends of tag as trends_build does and write them to
 * trends/<TAG without '#'>.json in od atomically, making trends/ when
 * missing.  Returns 0, or -1 with a sentence in err (the previous file is
 * kept).
 */
int		 trends_write(const struct outdir *od, sqlite3 *db,
		    const char *tag, time_t now, double window, char *err,
		    size_t errlen);

#endif
