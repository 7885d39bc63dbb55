/* dupset.h - a set of byte strings that says which came first (pure). */
#ifndef CLANPOPD_DUPSET_H
#define CLANPOPD_DUPSET_H

#include <stddef.h>

struct dupset_slot {
	const char	*str;	/* NULL: an empty slot */
	size_t		 len;
	size_t		 idx;	/* the caller's index of the string */
};

/*
 * The strings seen so far, for the duplicate checks: an open-addressing
 * hash set, so that a file of 70,000 clans or keys is checked in linear
 * time instead of comparing each with every earlier one.
 */
struct dupset {
	struct dupset_slot	*slot;
	size_t			 mask;	/* slots - 1, slots a power of two */
};

/* A set for up to n strings; -1 when out of memory.  Free with dupset_free. */
int	dupset_init(struct dupset *ds, size_t n);
void	dupset_free(struct dupset *ds);

/*
 * Add the len bytes at str (which must outlive the set) under idx, unless
 * the same bytes are there already.  Returns the idx they were first
 * added under: idx itself when they are new.  At most the n strings of
 * dupset_init may be added.
 */
size_t	dupset_add(struct dupset *ds, const char *str, size_t len,
	    size_t idx);

#endif
