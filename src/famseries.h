/*
 * famseries.h - the family's series kept between two writes of
 * trends/family.json: the points and each card's sums at them.
 * Only for famseries.c and famtrends.c.
 */
#ifndef CLANPOPD_FAMSERIES_H
#define CLANPOPD_FAMSERIES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "trendset.h"

#define FAM_M	TRENDS_POINTS_MAX
#define FAM_CARDS_MAX	4096	/* cards of one measure the series keep:
				   1.6 KB each, 6.4 MiB at most */

/* The statements of one build, in f->st. */
enum fam_sql {
	FAM_COUNT, FAM_TIME, FAM_TAIL, FAM_LATEST, FAM_NEW, FAM_IDS,
	FAM_FAV, FAM_DECK, FAM_CARD, FAM_RUN, FAM_NSQL
};

/* A refresh of clan c (an index into f->tags) at t; id 0: none. */
struct fam_ref {
	int64_t	id;
	int64_t	t;
	size_t	c;
};

/* A card's sum over the clans at each point. */
struct fam_card {
	int64_t	id;
	int64_t	sum[FAM_M];
};

/* One measure's cards, sorted by id. */
struct fam_measure {
	struct fam_card	*cards;
	size_t		 n, cap;
};

/* The family's series (famtrends.h's handle). */
struct famtrends {
	char			**tags;		/* sorted, distinct */
	size_t			  ntags;
	double			  window;
	int			  valid;	/* the state below holds */
	int64_t			  minid, maxid;	/* of the refreshes read */
	int64_t			  removals;	/* retention's prunings then */
	time_t			  from, to;
	size_t			  n;		/* refreshes in the window */
	struct fam_ref		  pt[FAM_M];	/* the points */
	size_t			  m;
	struct fam_measure	  meas[2];	/* favourites, decks */
	struct fam_ref		 *late;		/* read, after the window */
	size_t			  nlate, caplate;
	size_t			 *cand;		/* clans a point's move looks at */
	unsigned		 *stamp;	/* [c]: point + 1 when in cand */
	unsigned long		  full;
	sqlite3			 *db;		/* during a build */
	sqlite3_stmt		 *st[FAM_NSQL];
};

/* The statements' text, prepared into f->st for one build. */
extern const char *const famseries_sql[FAM_NSQL];

/* Forget the clans and everything kept of them (f stays usable). */
void	famseries_reset(struct famtrends *f);

/*
 * Bring f to the clans tags (any order) over [from, to] of window, with
 * f->st prepared on the database: from what it kept when it can, else by
 * reading the whole (f->full counts those).  Returns 0, or -1 on a
 * database error or out of memory (f then reads the whole next time).
 */
int	famseries_update(struct famtrends *f, const char *const *tags,
	    size_t ntags, time_t from, time_t to, double window);

#endif
