/*
 * trendset.h - the cards of a trends file, shared by a clan's (trends.c)
 * and the family's (famtrends.c): which cards, their series, their text.
 */
#ifndef CLANPOPD_TRENDSET_H
#define CLANPOPD_TRENDSET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

#define TRENDS_TOP		10	/* cards of the latest refresh */
#define TRENDS_CARDS_MAX	20	/* cards in all */
#define TRENDS_POINTS_MAX	200	/* points of a series */

/* One card's series: players[i] at the refresh times[i] of struct trends. */
struct trends_card {
	int64_t		 id;
	char		*name;
	unsigned	*players;
};

/*
 * A clan's trends over one window, as trends/TAG.json holds them (or the
 * family's, as trends/family.json does: no tag nor name, and clans).
 */
struct trends {
	char			*tag;		/* with '#' */
	char			*name;		/* latest, or NULL */
	time_t			 from, to;	/* the window */
	size_t			 clans;		/* family.json: clans summed */
	size_t			 refreshes;	/* in the window */
	time_t			*times;		/* the sampled refreshes */
	size_t			 npoints;
	struct trends_card	*cards;		/* the favourites */
	size_t			 ncards;
	struct trends_card	*deck_cards;	/* the current decks */
	size_t			 ndeck_cards;
};

/* A card seen in the window. */
struct trendset_known {
	int64_t	 id;
	char	*name;
	size_t	 last;		/* 1 + the last refresh it was in a top 10 */
	size_t	 rank;		/* its place in that refresh's top 10 */
};

/* One card's players at one refresh, or at a sampled one (sample). */
struct trendset_row {
	int64_t		 id;
	const char	*name;
	unsigned	 players;
	size_t		 sample;
};

/*
 * One measure (favourites or decks) as a reader gathers it, refresh by
 * refresh in time order: the cards seen, the rows of the refresh being
 * read, the rows of the sampled refreshes, the latest refresh's top.
 * All zero to start.
 */
struct trendset {
	struct trendset_known	*known;		/* sorted by id */
	size_t			 nknown, capknown;
	struct trendset_row	*rows;
	size_t			 nrows, caprows;
	struct trendset_row	*srows;
	size_t			 nsrows, capsrows;
	int64_t			 top[TRENDS_TOP];
	size_t			 ntop;
};

/*
 * Make room for need items of size bytes in the array *p (a pointer to
 * the array's pointer) of capacity *cap.  Returns 0, or -1 when out of
 * memory (*p unchanged).
 */
int	trendset_grow(void *p, size_t *cap, size_t need, size_t size);

/*
 * The points of n refreshes at times (oldest first) into sample, and how
 * many: all of them up to TRENDS_POINTS_MAX; else for k = 0 .. M-1 (M =
 * TRENDS_POINTS_MAX) the first refresh at or after first + (latest -
 * first) * k / (M - 1) seconds (rounded down), after the one taken for
 * k - 1 and leaving one for each later k; the last is the latest.
 */
size_t	trendset_pick(const time_t *times, size_t n, size_t *sample);

/*
 * The card id of set, added on first sight with its name read through
 * name_st ("SELECT name FROM cards WHERE id = ?1").  Returns NULL with
 * a sentence in err.
 */
struct trendset_known *trendset_card(struct trendset *set,
	    sqlite3_stmt *name_st, int64_t id, char *err, size_t errlen);

/*
 * Keep k's players at the refresh being read, which is point s (SIZE_MAX:
 * not a point).  Returns 0, or -1 when out of memory.
 */
int	trendset_row(struct trendset *set, size_t s,
	    const struct trendset_known *k, unsigned players);

/*
 * The rows of refresh ri are all read: mark its top TRENDS_TOP (by
 * tally_rank), kept as the latest's when latest is set.
 */
void	trendset_done(struct trendset *set, size_t ri, int latest);

/*
 * The cards of a file of n refreshes and npoints points into *cards
 * (TRENDS_CARDS_MAX allocated) and *ncards: the latest refresh's top,
 * then the cards of earlier tops, the most recently there first (ties:
 * in their order there), up to TRENDS_CARDS_MAX, each with its series.
 * Returns 0, or -1 when out of memory (what was added is in *cards).
 */
int	trendset_choose(struct trendset *set, size_t n, size_t npoints,
	    struct trends_card **cards, size_t *ncards);

/* Free what set holds (not set). */
void	trendset_free(struct trendset *set);

/* s as a JSON string, or null, to fp.  Returns 0 or -1. */
int	trendset_str(FILE *fp, const char *s);

/*
 * The end of a trends file from `"cards": [` on: the series of t's
 * cards and deck cards at its times.  Returns 0, or -1 on a write error
 * or out of memory.
 */
int	trendset_print(FILE *fp, const struct trends *t);

#endif
