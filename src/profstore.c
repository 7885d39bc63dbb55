/* profstore.c - the profile store: what each member's last read said (pure). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profstore.h"
#include "tag.h"

#define PROFSTORE_SLOTS_MIN	64	/* a power of two */

/*
 * The profiles are kept in one dense array, found through an
 * open-addressing index of their places (linear probing, at most half
 * full; a removal shifts later entries of its run back, so no tombstones
 * build up, and the last profile moves into the removed one's place).
 * The index costs 4 bytes a slot where slots of whole profiles cost 88:
 * 2.9 MB at 10,000 players became 1.4 at most.
 */
struct profstore {
	struct profile	*ent;		/* the profiles, dense */
	size_t		 n, cap;
	uint32_t	*slot;		/* place in ent + 1; 0: empty */
	size_t		 nslots;
	int64_t		 maintenance;
	struct profstore_card *cards;	/* card n is cards[n - 1] */
	size_t		 ncards, cardcap;
	uint16_t	*cardslot;	/* by id, linear probing: 0 empty */
	size_t		 ncardslots;	/* a power of two, or 0 */
};

struct profstore *
profstore_new(void)
{
	struct profstore *ps;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return NULL;
	if ((ps->slot = calloc(PROFSTORE_SLOTS_MIN, sizeof(*ps->slot))) ==
	    NULL) {
		free(ps);
		return NULL;
	}
	ps->nslots = PROFSTORE_SLOTS_MIN;
	return ps;
}

void
profstore_free(struct profstore *ps)
{
	size_t i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++)
		free(ps->ent[i].card_name);
	for (i = 0; i < ps->ncards; i++)
		free(ps->cards[i].name);
	free(ps->ent);
	free(ps->cards);
	free(ps->cardslot);
	free(ps->slot);
	free(ps);
}

/* The slot holding tag, or the empty slot where it would go. */
static size_t
ps_find(const struct profstore *ps, const char *tag)
{
	size_t mask = ps->nslots - 1, i;

	for (i = tag_hash(tag) & mask; ps->slot[i] != 0; i = (i + 1) & mask)
		if (strcmp(ps->ent[ps->slot[i] - 1].tag, tag) == 0)
			return i;
	return i;
}

const struct profile *
profstore_get(const struct profstore *ps, const char *tag)
{
	size_t i = ps_find(ps, tag);

	return ps->slot[i] != 0 ? &ps->ent[ps->slot[i] - 1] : NULL;
}

/*
 * Room for one more profile: the array grown by half, the index doubled
 * when it would be more than half full.  Returns 0, or -1 on out of
 * memory (the store is unchanged).
 */
static int
ps_room(struct profstore *ps)
{
	struct profile	*ent;
	uint32_t	*slot;
	size_t		 cap, nslots, i;

	if (ps->n == ps->cap) {
		cap = ps->cap + ps->cap / 2 + 64;
		if (cap > UINT32_MAX - 1 ||
		    (ent = reallocarray(ps->ent, cap, sizeof(*ent))) == NULL)
			return -1;
		ps->ent = ent;
		ps->cap = cap;
	}
	if ((ps->n + 1) * 2 <= ps->nslots)
		return 0;
	nslots = ps->nslots * 2;
	if ((slot = calloc(nslots, sizeof(*slot))) == NULL)
		return -1;
	free(ps->slot);
	ps->slot = slot;
	ps->nslots = nslots;
	for (i = 0; i < ps->n; i++)
		ps->slot[ps_find(ps, ps->ent[i].tag)] = (uint32_t)i + 1;
	return 0;
}

int
profstore_put(struct profstore *ps, const struct profile *p, int newer_only)
{
	struct profile	*e;
	char		*name = NULL;
	size_t		 i;

	i = ps_find(ps, p->tag);
	if (ps->slot[i] != 0 && newer_only &&
	    ps->ent[ps->slot[i] - 1].read_at >= p->read_at)
		return 0;
	if (p->card_name != NULL && (name = strdup(p->card_name)) == NULL)
		return -1;
	if (ps->slot[i] == 0) {
		if (ps_room(ps) == -1) {
			free(name);
			return -1;
		}
		i = ps_find(ps, p->tag);
		ps->slot[i] = (uint32_t)++ps->n;
		e = &ps->ent[ps->n - 1];
	} else {
		e = &ps->ent[ps->slot[i] - 1];
		free(e->card_name);
	}
	*e = *p;
	e->card_name = name;
	return 0;
}

void
profstore_move(struct profstore *ps, const char *tag, const char *clan)
{
	size_t		 i = ps_find(ps, tag);
	struct profile	*e;

	if (ps->slot[i] != 0) {
		e = &ps->ent[ps->slot[i] - 1];
		snprintf(e->clan, sizeof(e->clan), "%s", clan);
	}
}

/*
 * Empty slot i, shift back the slots of its run that may move, and fill
 * the removed profile's place with the last one.
 */
static void
ps_remove_at(struct profstore *ps, size_t i)
{
	size_t		mask = ps->nslots - 1, j = i, home;
	uint32_t	gone = ps->slot[i];

	free(ps->ent[gone - 1].card_name);
	for (;;) {
		ps->slot[i] = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (ps->slot[j] == 0)
				goto moved;
			home = tag_hash(ps->ent[ps->slot[j] - 1].tag) & mask;
			/* Stays when its home lies cyclically in (i, j]. */
			if (i <= j ? (i < home && home <= j) :
			    (i < home || home <= j))
				continue;
			break;
		}
		ps->slot[i] = ps->slot[j];
		i = j;
	}
moved:
	if (gone != ps->n) {
		ps->ent[gone - 1] = ps->ent[ps->n - 1];
		ps->slot[ps_find(ps, ps->ent[gone - 1].tag)] = gone;
	}
	ps->n--;
}

void
profstore_del(struct profstore *ps, const char *tag)
{
	size_t i = ps_find(ps, tag);

	if (ps->slot[i] != 0)
		ps_remove_at(ps, i);
}

/* 1 when tag is among the n tags. */
static int
ps_listed(const char (*tags)[TAG_MAX], size_t n, const char *tag)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tags[i], tag) == 0)
			return 1;
	return 0;
}

/*
 * Remove every profile for which drop(arg, profile) is 1, calling gone
 * with its tag first.  A removal moves the last profile into the place
 * just looked at, so that place is looked at again.
 */
static size_t
ps_remove_if(struct profstore *ps,
    int (*drop)(void *, const struct profile *), void *arg,
    void (*gone)(void *, const char *), void *gonearg)
{
	size_t i = 0, n = 0;

	while (i < ps->n) {
		if (!drop(arg, &ps->ent[i])) {
			i++;
			continue;
		}
		if (gone != NULL)
			gone(gonearg, ps->ent[i].tag);
		ps_remove_at(ps, ps_find(ps, ps->ent[i].tag));
		n++;
	}
	return n;
}

struct ps_clan_list {
	const char		 *clan;
	const char		(*tags)[TAG_MAX];
	size_t			  n;
};

static int
ps_not_listed(void *arg, const struct profile *p)
{
	struct ps_clan_list *cl = arg;

	return strcmp(p->clan, cl->clan) == 0 &&
	    !ps_listed(cl->tags, cl->n, p->tag);
}

size_t
profstore_prune_clan(struct profstore *ps, const char *clan,
    const char (*tags)[TAG_MAX], size_t n,
    void (*gone)(void *, const char *), void *arg)
{
	struct ps_clan_list cl = { clan, tags, n };

	return ps_remove_if(ps, ps_not_listed, &cl, gone, arg);
}

struct ps_keep {
	int	(*keep)(void *, const char *);
	void	 *arg;
};

static int
ps_not_kept(void *arg, const struct profile *p)
{
	struct ps_keep *k = arg;

	return !k->keep(k->arg, p->clan);
}

size_t
profstore_keep_clans(struct profstore *ps, int (*keep)(void *, const char *),
    void *arg)
{
	struct ps_keep k = { keep, arg };

	return ps_remove_if(ps, ps_not_kept, &k, NULL, NULL);
}

/* The slot of card id in ps->cardslot, or the empty one where it goes. */
static size_t
ps_card_find(const struct profstore *ps, int64_t id)
{
	size_t		mask = ps->ncardslots - 1, i;
	uint64_t	h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;

	for (i = (size_t)(h >> 32) & mask; ps->cardslot[i] != 0;
	    i = (i + 1) & mask)
		if (ps->cards[ps->cardslot[i] - 1].id == id)
			return i;
	return i;
}

/* Room for one more card: the list and its index grown. */
static int
ps_card_room(struct profstore *ps)
{
	struct profstore_card	*c;
	uint16_t		*old = ps->cardslot;
	size_t			 nold = ps->ncardslots, i;

	if (ps->ncards == ps->cardcap) {
		if ((c = reallocarray(ps->cards, ps->cardcap ? ps->cardcap * 2 :
		    64, sizeof(*c))) == NULL)
			return -1;
		ps->cards = c;
		ps->cardcap = ps->cardcap ? ps->cardcap * 2 : 64;
	}
	if ((ps->ncards + 1) * 2 <= nold)
		return 0;
	if ((ps->cardslot = calloc(nold ? nold * 2 : 128,
	    sizeof(*ps->cardslot))) == NULL) {
		ps->cardslot = old;
		return -1;
	}
	ps->ncardslots = nold ? nold * 2 : 128;
	for (i = 0; i < nold; i++)
		if (old[i] != 0)
			ps->cardslot[ps_card_find(ps,
			    ps->cards[old[i] - 1].id)] = old[i];
	free(old);
	return 0;
}

unsigned
profstore_card(struct profstore *ps, int64_t id, const char *name)
{
	struct profstore_card	*c;
	char			*copy;
	size_t			 i;

	if (ps->ncardslots > 0 && ps->cardslot[i = ps_card_find(ps, id)] != 0)
		c = &ps->cards[ps->cardslot[i] - 1];
	else {
		if (ps->ncards == PROFSTORE_CARDS_MAX || ps_card_room(ps) == -1)
			return 0;
		c = &ps->cards[ps->ncards++];
		c->id = id;
		c->name = NULL;
		ps->cardslot[ps_card_find(ps, id)] = (uint16_t)ps->ncards;
	}
	if (name != NULL && (c->name == NULL || strcmp(c->name, name) != 0) &&
	    (copy = strdup(name)) != NULL) {
		free(c->name);
		c->name = copy;
	}
	return (unsigned)(c - ps->cards) + 1;
}

const struct profstore_card *
profstore_card_at(const struct profstore *ps, unsigned n)
{
	return n >= 1 && n <= ps->ncards ? &ps->cards[n - 1] : NULL;
}

size_t
profstore_count(const struct profstore *ps)
{
	return ps->n;
}

int64_t
profstore_maintenance(const struct profstore *ps)
{
	return ps->maintenance;
}

void
profstore_set_maintenance(struct profstore *ps, int64_t t)
{
	if (t > ps->maintenance)
		ps->maintenance = t;
}
