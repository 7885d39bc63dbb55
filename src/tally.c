/* tally.c - count cards by id (pure; the event loop's alone). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tag.h"
#include "tally.h"

/*
 * Card names are interned: every tally points to the one copy of each
 * name.  A clan's deck tally names 60 to 80 cards, and 10,000 clans kept
 * as many copies each (39 MiB of 43 that decks cost in benchmark 4).  The
 * copies live until exit; TALLY_NAMES_MAX bounds them.  Not for threads:
 * only the event loop counts.
 */
static struct {
	char	**slot;		/* open addressing, at most half full */
	size_t	  nslots, n;
} tally_names;

/* The slot of name in table (of nslots), or the empty one it goes in. */
static size_t
name_find(char **table, size_t nslots, const char *name)
{
	size_t i;

	for (i = tag_hash(name) & (nslots - 1); table[i] != NULL;
	    i = (i + 1) & (nslots - 1))
		if (strcmp(table[i], name) == 0)
			return i;
	return i;
}

/*
 * The interned copy of name; NULL when TALLY_NAMES_MAX are kept already
 * (errno 0: the card is counted without a name) or out of memory (errno
 * ENOMEM).
 */
static const char *
name_intern(const char *name)
{
	char	**table;
	size_t	  nslots, i;

	errno = 0;
	if (tally_names.nslots > 0) {
		i = name_find(tally_names.slot, tally_names.nslots, name);
		if (tally_names.slot[i] != NULL)
			return tally_names.slot[i];
	}
	if (tally_names.n == TALLY_NAMES_MAX)
		return NULL;
	if ((tally_names.n + 1) * 2 > tally_names.nslots) {
		nslots = tally_names.nslots ? tally_names.nslots * 2 : 256;
		if ((table = calloc(nslots, sizeof(*table))) == NULL)
			return NULL;
		for (i = 0; i < tally_names.nslots; i++)
			if (tally_names.slot[i] != NULL)
				table[name_find(table, nslots,
				    tally_names.slot[i])] = tally_names.slot[i];
		free(tally_names.slot);
		tally_names.slot = table;
		tally_names.nslots = nslots;
	}
	i = name_find(tally_names.slot, tally_names.nslots, name);
	if ((tally_names.slot[i] = strdup(name)) == NULL)
		return NULL;
	tally_names.n++;
	return tally_names.slot[i];
}

/* The id of the element at place i of base. */
static int64_t
index_id(const void *base, size_t size, size_t i)
{
	int64_t id;

	memcpy(&id, (const char *)base + i * size, sizeof(id));
	return id;
}

size_t
tally_index_find(const struct tally_index *ix, int64_t id, const void *base,
    size_t size)
{
	size_t		mask = ix->nslots - 1, i;
	uint64_t	h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;

	for (i = (size_t)(h >> 32) & mask; ix->slot[i] != 0;
	    i = (i + 1) & mask)
		if (index_id(base, size, ix->slot[i] - 1) == id)
			return i;
	return i;
}

int
tally_index_room(struct tally_index *ix, size_t n, const void *base,
    size_t size)
{
	struct tally_index	new;
	size_t			i;

	if (n * 2 <= ix->nslots)
		return 0;
	if (n > UINT32_MAX - 1) {
		errno = ENOMEM;
		return -1;
	}
	for (new.nslots = ix->nslots ? ix->nslots * 2 : 128; n * 2 >
	    new.nslots; new.nslots *= 2)
		;
	if ((new.slot = calloc(new.nslots, sizeof(*new.slot))) == NULL)
		return -1;
	for (i = 0; i < ix->nslots; i++)
		if (ix->slot[i] != 0)
			new.slot[tally_index_find(&new, index_id(base, size,
			    ix->slot[i] - 1), base, size)] = ix->slot[i];
	free(ix->slot);
	*ix = new;
	return 0;
}

void
tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
}

/*
 * A linear search: a tally holds one entry per distinct card, and there
 * are only about 120 cards, so this beats a hash on every real input.
 */
int
tally_add(struct tally *t, int64_t id, const char *name)
{
	struct tally_card	*c, *cards;
	const char		*copy = NULL;
	size_t			 i, cap;

	if (id < 1 || id > TALLY_ID_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < t->n; i++) {
		c = &t->cards[i];
		if (c->id != id)
			continue;
		if (c->name == NULL && name != NULL) {
			if ((copy = name_intern(name)) == NULL && errno != 0)
				return -1;
			c->name = copy;
		}
		c->count++;
		return 0;
	}

	if (name != NULL && (copy = name_intern(name)) == NULL && errno != 0)
		return -1;
	if (t->n == t->cap) {
		cap = t->cap == 0 ? 32 : t->cap * 2;
		if (cap > SIZE_MAX / sizeof(*cards)) {
			errno = ENOMEM;
			return -1;
		}
		if ((cards = realloc(t->cards, cap * sizeof(*cards))) == NULL)
			return -1;
		t->cards = cards;
		t->cap = cap;
	}
	c = &t->cards[t->n++];
	c->id = (int32_t)id;
	c->name = copy;
	c->count = 1;
	return 0;
}

int
tally_rank(uint64_t xcount, const char *xname, int64_t xid,
    uint64_t ycount, const char *yname, int64_t yid)
{
	int r;

	if (xcount != ycount)
		return xcount > ycount ? -1 : 1;
	if (xname != NULL && yname != NULL) {
		if ((r = strcmp(xname, yname)) != 0)
			return r;
	} else if (xname != NULL)
		return -1;
	else if (yname != NULL)
		return 1;
	return xid < yid ? -1 : xid > yid;
}

static int
card_cmp(const void *a, const void *b)
{
	const struct tally_card *x = a, *y = b;

	return tally_rank(x->count, x->name, x->id, y->count, y->name, y->id);
}

void
tally_sort(struct tally *t)
{
	struct tally_card *cards;

	if (t->n > 1)
		qsort(t->cards, t->n, sizeof(*t->cards), card_cmp);
	/* A sorted tally is kept as it is: no room for more. */
	if (t->n > 0 && t->n < t->cap &&
	    (cards = realloc(t->cards, t->n * sizeof(*cards))) != NULL) {
		t->cards = cards;
		t->cap = t->n;
	}
}

unsigned
tally_total(const struct tally *t)
{
	unsigned	total = 0;
	size_t		i;

	for (i = 0; i < t->n; i++)
		total += t->cards[i].count;
	return total;
}

void
tally_free(struct tally *t)
{
	free(t->cards);
	memset(t, 0, sizeof(*t));
}
