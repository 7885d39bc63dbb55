/* tally.c - count favourite cards by id (pure). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

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
	char			*copy = NULL;
	size_t			 i, cap;

	for (i = 0; i < t->n; i++) {
		c = &t->cards[i];
		if (c->id != id)
			continue;
		if (c->name == NULL && name != NULL) {
			if ((copy = strdup(name)) == NULL)
				return -1;
			c->name = copy;
		}
		c->count++;
		return 0;
	}

	if (name != NULL && (copy = strdup(name)) == NULL)
		return -1;
	if (t->n == t->cap) {
		cap = t->cap == 0 ? 32 : t->cap * 2;
		if (cap > SIZE_MAX / sizeof(*cards)) {
			free(copy);
			errno = ENOMEM;
			return -1;
		}
		if ((cards = realloc(t->cards, cap * sizeof(*cards))) == NULL) {
			free(copy);
			return -1;
		}
		t->cards = cards;
		t->cap = cap;
	}
	c = &t->cards[t->n++];
	c->id = id;
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
	if (t->n > 1)
		qsort(t->cards, t->n, sizeof(*t->cards), card_cmp);
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
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->cards[i].name);
	free(t->cards);
	memset(t, 0, sizeof(*t));
}
