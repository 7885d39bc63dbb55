/* tally.h - count cards by id (pure; the event loop's alone). */
#ifndef CLANPOPD_TALLY_H
#define CLANPOPD_TALLY_H

#include <stddef.h>
#include <stdint.h>

#define TALLY_NAMES_MAX	65536	/* distinct card names kept, in all */

struct tally_card {
	int64_t	 id;
	const char *name;	/* first non-NULL name seen for the id, or NULL:
				   one copy shared by every tally, kept until
				   exit; past TALLY_NAMES_MAX new names, NULL */
	unsigned count;
};

struct tally {
	struct tally_card	*cards;
	size_t			 n;
	size_t			 cap;
};

void	tally_init(struct tally *);
/* Count one player whose favourite card is id; returns 0, -1 on ENOMEM. */
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
