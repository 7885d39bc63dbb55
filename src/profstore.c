/* profstore.c - the profile store: what each member's last read said (pure). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profstore.h"
#include "tag.h"
#include "tally.h"

#define PROFSTORE_SLOTS_MIN	64	/* a power of two */

/*
 * The profiles are kept in one dense array, found through an
 * open-addressing index of their places (linear probing, at most half
 * full; a removal shifts later entries of its run back, so no tombstones
 * build up, and the last profile moves into the removed one's place).
 * The index costs 4 bytes a slot where slots of whole profiles cost 88:
 * 2.9 MB at 10,000 players became 1.4 at most.
 *
 * Each clan's profiles are also a doubly linked list, its head in a
 * second open-addressing table by clan tag, so that a clan's refresh
 * prunes its own profiles only: a scan of every profile took 4.3 ms of
 * the event loop at each refresh with 10,000 clans of 50.  A clan whose
 * list empties keeps its head (0) until profstore_keep_clans, which
 * builds the table again.
 */
struct ps_link {
	uint32_t	 prev, next;	/* places + 1 in the clan's list;
					   0: its end */
};

struct ps_clan {
	char		 tag[TAG_MAX];	/* '\0': empty slot */
	uint32_t	 head;		/* place + 1 of its first profile; 0 */
};

struct profstore {
	struct profile	*ent;		/* the profiles, dense */
	struct ps_link	*link;		/* [i]: ent[i]'s in its clan's list */
	size_t		 n, cap;
	uint32_t	*slot;		/* place in ent + 1; 0: empty */
	size_t		 nslots;
	struct ps_clan	*clan;		/* the clans' lists, by tag */
	size_t		 nclans, nclanslots;
	int64_t		 maintenance;
	struct profstore_card *cards;	/* card n is cards[n - 1] */
	size_t		 ncards, cardcap;
	struct tally_index cardix;	/* the cards by id */
};

_Static_assert(offsetof(struct profstore_card, id) == 0,
    "tally_index reads a card's id at its start");

struct profstore *
profstore_new(void)
{
	struct profstore *ps;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return NULL;
	if ((ps->slot = calloc(PROFSTORE_SLOTS_MIN, sizeof(*ps->slot))) ==
	    NULL || (ps->clan = calloc(PROFSTORE_SLOTS_MIN,
	    sizeof(*ps->clan))) == NULL) {
		free(ps->slot);
		free(ps);
		return NULL;
	}
	ps->nslots = ps->nclanslots = PROFSTORE_SLOTS_MIN;
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
	free(ps->link);
	free(ps->clan);
	free(ps->cards);
	free(ps->cardix.slot);
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

/* The clan table's slot of clan, or the empty one where it would go. */
static size_t
ps_clan_find(const struct ps_clan *table, size_t nslots, const char *clan)
{
	size_t mask = nslots - 1, i;

	for (i = tag_hash(clan) & mask; table[i].tag[0] != '\0';
	    i = (i + 1) & mask)
		if (strcmp(table[i].tag, clan) == 0)
			return i;
	return i;
}

/* The head of clan's list, or NULL when it has none. */
static uint32_t *
ps_head(struct profstore *ps, const char *clan)
{
	size_t i = ps_clan_find(ps->clan, ps->nclanslots, clan);

	return ps->clan[i].tag[0] != '\0' ? &ps->clan[i].head : NULL;
}

/*
 * Room in the clan table for one more clan: twice the slots when it
 * would be more than half full.  Returns 0, or -1 on out of memory.
 */
static int
ps_clan_room(struct profstore *ps)
{
	struct ps_clan	*table;
	size_t		 nslots = ps->nclanslots * 2, i;

	if ((ps->nclans + 1) * 2 <= ps->nclanslots)
		return 0;
	if ((table = calloc(nslots, sizeof(*table))) == NULL)
		return -1;
	for (i = 0; i < ps->nclanslots; i++)
		if (ps->clan[i].tag[0] != '\0')
			table[ps_clan_find(table, nslots, ps->clan[i].tag)] =
			    ps->clan[i];
	free(ps->clan);
	ps->clan = table;
	ps->nclanslots = nslots;
	return 0;
}

/* Put the profile at place i first in its clan's list (room is made). */
static void
ps_link_in(struct profstore *ps, size_t i)
{
	size_t		 c = ps_clan_find(ps->clan, ps->nclanslots,
			    ps->ent[i].clan);
	uint32_t	 head;

	if (ps->clan[c].tag[0] == '\0') {
		memcpy(ps->clan[c].tag, ps->ent[i].clan, TAG_MAX);
		ps->clan[c].head = 0;
		ps->nclans++;
	}
	head = ps->clan[c].head;
	ps->link[i].prev = 0;
	ps->link[i].next = head;
	if (head != 0)
		ps->link[head - 1].prev = (uint32_t)i + 1;
	ps->clan[c].head = (uint32_t)i + 1;
}

/* Take the profile at place i out of its clan's list. */
static void
ps_link_out(struct profstore *ps, size_t i)
{
	struct ps_link	*l = &ps->link[i];
	uint32_t	*head;

	if (l->prev != 0)
		ps->link[l->prev - 1].next = l->next;
	else if ((head = ps_head(ps, ps->ent[i].clan)) != NULL)
		*head = l->next;
	if (l->next != 0)
		ps->link[l->next - 1].prev = l->prev;
}

/*
 * Room for one more profile: the arrays grown by half, the index doubled
 * when it would be more than half full, room for one more clan.  Returns
 * 0, or -1 on out of memory (the store is unchanged).
 */
static int
ps_room(struct profstore *ps)
{
	struct profile	*ent;
	struct ps_link	*link;
	uint32_t	*slot;
	size_t		 cap, nslots, i;

	if (ps->n == ps->cap) {
		cap = ps->cap + ps->cap / 2 + 64;
		if (cap > UINT32_MAX - 1 ||
		    (link = reallocarray(ps->link, cap, sizeof(*link))) == NULL)
			return -1;
		ps->link = link;
		if ((ent = reallocarray(ps->ent, cap, sizeof(*ent))) == NULL)
			return -1;
		ps->ent = ent;
		ps->cap = cap;
	}
	if (ps_clan_room(ps) == -1)
		return -1;
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
	size_t		 i, place;

	i = ps_find(ps, p->tag);
	if (ps->slot[i] != 0 && newer_only &&
	    ps->ent[ps->slot[i] - 1].read_at >= p->read_at)
		return 0;
	if ((p->card_name != NULL && (name = strdup(p->card_name)) == NULL) ||
	    (ps->slot[i] == 0 ? ps_room(ps) : ps_clan_room(ps)) == -1) {
		free(name);
		return -1;
	}
	if (ps->slot[i] == 0) {
		i = ps_find(ps, p->tag);
		ps->slot[i] = (uint32_t)++ps->n;
		place = ps->n - 1;
	} else {
		place = ps->slot[i] - 1;
		ps_link_out(ps, place);
		free(ps->ent[place].card_name);
	}
	e = &ps->ent[place];
	*e = *p;
	e->card_name = name;
	ps_link_in(ps, place);
	return 0;
}

void
profstore_move(struct profstore *ps, const char *tag, const char *clan)
{
	size_t	i = ps_find(ps, tag), place;

	/*
	 * Out of memory for a new clan's list: the profile stays the old
	 * clan's, whose next refresh forgets it (read again, not lost).
	 */
	if (ps->slot[i] == 0 || ps_clan_room(ps) == -1)
		return;
	place = ps->slot[i] - 1;
	ps_link_out(ps, place);
	snprintf(ps->ent[place].clan, sizeof(ps->ent[place].clan), "%s",
	    clan);
	ps_link_in(ps, place);
}

/*
 * Empty slot i, shift back the slots of its run that may move, and fill
 * the removed profile's place with the last one.
 */
static void
ps_remove_at(struct profstore *ps, size_t i)
{
	size_t		mask = ps->nslots - 1, j = i, home;
	uint32_t	gone = ps->slot[i], last, *head;

	free(ps->ent[gone - 1].card_name);
	ps_link_out(ps, gone - 1);
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
	last = (uint32_t)ps->n;
	if (gone != last) {
		/* The last profile takes the place: its neighbours follow. */
		ps->ent[gone - 1] = ps->ent[last - 1];
		ps->link[gone - 1] = ps->link[last - 1];
		if (ps->link[gone - 1].prev != 0)
			ps->link[ps->link[gone - 1].prev - 1].next = gone;
		else if ((head = ps_head(ps, ps->ent[gone - 1].clan)) != NULL)
			*head = gone;
		if (ps->link[gone - 1].next != 0)
			ps->link[ps->link[gone - 1].next - 1].prev = gone;
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

size_t
profstore_prune_clan(struct profstore *ps, const char *clan,
    const char (*tags)[TAG_MAX], size_t n,
    void (*gone)(void *, const char *), void *arg)
{
	uint32_t	*head, at, next, last;
	size_t		 removed = 0;

	if ((head = ps_head(ps, clan)) == NULL)
		return 0;
	for (at = *head; at != 0; at = next) {
		next = ps->link[at - 1].next;
		if (ps_listed(tags, n, ps->ent[at - 1].tag))
			continue;
		if (gone != NULL)
			gone(arg, ps->ent[at - 1].tag);
		last = (uint32_t)ps->n;
		ps_remove_at(ps, ps_find(ps, ps->ent[at - 1].tag));
		/* The last profile moved into the removed one's place. */
		if (next == last)
			next = at;
		removed++;
	}
	return removed;
}

/*
 * The clan table built again from the profiles, without the clans whose
 * lists emptied; on out of memory the old one stays (it is still right).
 */
static void
ps_clans_again(struct profstore *ps)
{
	struct ps_clan	*old = ps->clan;
	size_t		 nold = ps->nclanslots, nold_clans = ps->nclans, i;

	/* The clans left are at most those there were. */
	for (ps->nclanslots = PROFSTORE_SLOTS_MIN;
	    ps->nclanslots < 2 * (nold_clans + 1); ps->nclanslots *= 2)
		;
	if ((ps->clan = calloc(ps->nclanslots, sizeof(*ps->clan))) == NULL) {
		ps->clan = old;
		ps->nclanslots = nold;
		ps->nclans = nold_clans;
		return;
	}
	free(old);
	ps->nclans = 0;
	for (i = 0; i < ps->n; i++)
		ps_link_in(ps, i);
}

size_t
profstore_keep_clans(struct profstore *ps, int (*keep)(void *, const char *),
    void *arg)
{
	size_t i = 0, n = 0;

	while (i < ps->n) {
		if (keep(arg, ps->ent[i].clan)) {
			i++;
			continue;
		}
		/* The last profile moves into place i: it is looked at next. */
		ps_remove_at(ps, ps_find(ps, ps->ent[i].tag));
		n++;
	}
	ps_clans_again(ps);
	return n;
}

/* Room for one more card: the list and its index grown. */
static int
ps_card_room(struct profstore *ps)
{
	struct profstore_card *c;

	if (ps->ncards == ps->cardcap) {
		if ((c = reallocarray(ps->cards, ps->cardcap ? ps->cardcap * 2 :
		    64, sizeof(*c))) == NULL)
			return -1;
		ps->cards = c;
		ps->cardcap = ps->cardcap ? ps->cardcap * 2 : 64;
	}
	return tally_index_room(&ps->cardix, ps->ncards + 1, ps->cards,
	    sizeof(*ps->cards));
}

unsigned
profstore_card(struct profstore *ps, int64_t id, const char *name)
{
	struct profstore_card	*c;
	char			*copy;
	size_t			 i;

	if (ps->cardix.nslots > 0 && ps->cardix.slot[i = tally_index_find(
	    &ps->cardix, id, ps->cards, sizeof(*ps->cards))] != 0)
		c = &ps->cards[ps->cardix.slot[i] - 1];
	else {
		if (ps->ncards == PROFSTORE_CARDS_MAX || ps_card_room(ps) == -1)
			return 0;
		c = &ps->cards[ps->ncards++];
		c->id = id;
		c->name = NULL;
		ps->cardix.slot[tally_index_find(&ps->cardix, id, ps->cards,
		    sizeof(*ps->cards))] = (uint32_t)ps->ncards;
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
