/* tally.h - count cards by id (pure; the event loop's alone). */
#ifndef CLANPOPD_TALLY_H
#define CLANPOPD_TALLY_H

#include <stddef.h>
#include <stdint.h>

#define TALLY_NAMES_MAX	65536	/* distinct card names kept, in all */
#define TALLY_ID_MAX	INT32_MAX	/* card ids are 1..2^31-1 (api.h) */

/*
 * 16 bytes: every clan's latest tallies stay in memory, a deck tally
 * holds 60 to 80 cards, and a card id fits in 32 bits (api.h).
 */
struct tally_card {
	const char *name;	/* first non-NULL name seen for the id, or NULL:
				   one copy shared by every tally, kept until
				   exit; past TALLY_NAMES_MAX new names, NULL */
	int32_t	 id;		/* 1 to TALLY_ID_MAX */
	unsigned count;
};

struct tally {
	struct tally_card	*cards;
	size_t			 n;
	size_t			 cap;
};

/*
 * An index of cards by id over an array its user keeps, whose elements
 * each begin with their int64_t id: places + 1 in open addressing
 * (linear probing), at most half full.  cards.json's merge and the
 * profile store's deck cards both number cards this way.
 */
struct tally_index {
	uint32_t	*slot;		/* place + 1; 0: empty */
	size_t		 nslots;	/* a power of two, or 0 */
};

/*
 * The slot of id among the elements at base (size bytes each): the one
 * holding its place, or the empty one where it goes.  nslots > 0.
 */
size_t	tally_index_find(const struct tally_index *, int64_t id,
	    const void *base, size_t size);
/*
 * Room for n places (the first n elements at base): twice the slots,
 * from 128, while n would fill more than half.  Returns 0, or -1 on out
 * of memory (the index unchanged).
 */
int	tally_index_room(struct tally_index *, size_t n, const void *base,
	    size_t size);

void	tally_init(struct tally *);
/*
 * Count one player whose card is id.  Returns 0, or -1 with errno EINVAL
 * when id is not from 1 to TALLY_ID_MAX (nothing counted), ENOMEM when
 * out of memory.
 */
int	tally_add(struct tally *, int64_t id, const char *name);
/*
 * The order of cards everywhere: count descending, then name ascending
 * (NULL last), then id.  Returns <0, 0 or >0 as x goes before, with or
 * after y.
 */
int	tally_rank(uint64_t xcount, const char *xname, int64_t xid,
	    uint64_t ycount, const char *yname, int64_t yid);
/*
 * Sort by count descending, then name ascending (NULL last), then id; the
 * tally's room is trimmed to its cards (it is final).
 */
void	tally_sort(struct tally *);
/* Sum of all counts. */
unsigned tally_total(const struct tally *);
void	tally_free(struct tally *);

#endif
