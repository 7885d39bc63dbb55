/* tally.h - count favourite cards by id (pure). */
#ifndef CLANPOPD_TALLY_H
#define CLANPOPD_TALLY_H

#include <stddef.h>
#include <stdint.h>

struct tally_card {
	int64_t	 id;
	char	*name;		/* first non-NULL name seen for the id, or NULL */
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
/* Sort by count descending, then name ascending (NULL last), then id. */
void	tally_sort(struct tally *);
/* Sum of all counts. */
unsigned tally_total(const struct tally *);
void	tally_free(struct tally *);

#endif
