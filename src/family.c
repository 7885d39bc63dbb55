/* family.c - cards.json: the favourite and deck cards of all clans together. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "family.h"
#include "isotime.h"
#include "layout.h"
#include "outdir.h"
#include "figures.h"
#include "tally.h"

/* One card of all clans. */
struct family_card {
	int64_t		 id;
	const char	*name;		/* the first clan's with a name */
	uint64_t	 players;
	size_t		 clans;
};

/*
 * The cards being merged: distinct cards in the order first seen, and
 * an index of them by id.  The clans' tallies hold about 120 distinct
 * cards between them, so this is a few KB where a copy of every clan's
 * tally was 2.4 MB at 1,000 clans.
 */
struct family_merge {
	struct family_card	*cards;
	size_t			 n, cap;
	struct tally_index	 ix;
};

_Static_assert(offsetof(struct family_card, id) == 0,
    "tally_index reads a card's id at its start");

/* By players descending, then name ascending (none last), then id. */
static int
by_players(const void *a, const void *b)
{
	const struct family_card *x = a, *y = b;

	return tally_rank(x->players, x->name, x->id, y->players, y->name,
	    y->id);
}

/* The tally of f that cards.json lists: its deck cards or favourites. */
static const struct tally *
family_tally(const struct clan_figures *f, int decks)
{
	return decks ? &f->deck_cards : &f->cards;
}

/* Room in fm for one more card.  Returns 0, or -1 on out of memory. */
static int
merge_room(struct family_merge *fm)
{
	struct family_card	*cards;

	if (fm->n == fm->cap) {
		if (fm->cap > SIZE_MAX / 2 / sizeof(*cards) ||
		    (cards = realloc(fm->cards, (fm->cap ? fm->cap * 2 : 64) *
		    sizeof(*cards))) == NULL)
			return -1;
		fm->cards = cards;
		fm->cap = fm->cap ? fm->cap * 2 : 64;
	}
	return tally_index_room(&fm->ix, fm->n + 1, fm->cards,
	    sizeof(*fm->cards));
}

/* Add one clan's card tc to fm.  Returns 0, or -1 on out of memory. */
static int
merge_add(struct family_merge *fm, const struct tally_card *tc)
{
	struct family_card	*m;
	size_t			 i;

	if (merge_room(fm) == -1)
		return -1;
	i = tally_index_find(&fm->ix, tc->id, fm->cards, sizeof(*fm->cards));
	if (fm->ix.slot[i] == 0) {
		m = &fm->cards[fm->n++];
		memset(m, 0, sizeof(*m));
		m->id = tc->id;
		fm->ix.slot[i] = (uint32_t)fm->n;
	} else
		m = &fm->cards[fm->ix.slot[i] - 1];
	if (m->name == NULL)
		m->name = tc->name;
	m->players += tc->count;
	m->clans++;
	return 0;
}

/*
 * The favourite cards (decks 0) or deck cards (decks 1) of the clans'
 * latest snapshots, one entry per id (named by the first clan, in fig's
 * order, that names it), sorted for cards.json, into *out (caller frees)
 * and *nout.  Returns 0, or -1 on out of memory.
 */
static int
family_merge(const struct clan_figures *const *fig, size_t n, int decks,
    struct family_card **out, size_t *nout)
{
	struct family_merge	 fm;
	const struct tally	*t;
	size_t			 i, k;

	memset(&fm, 0, sizeof(fm));
	for (i = 0; i < n; i++) {
		if (fig[i] == NULL)
			continue;
		t = family_tally(fig[i], decks);
		for (k = 0; k < t->n; k++)
			if (merge_add(&fm, &t->cards[k]) == -1) {
				free(fm.cards);
				free(fm.ix.slot);
				return -1;
			}
	}
	free(fm.ix.slot);
	if (fm.n > 1)
		qsort(fm.cards, fm.n, sizeof(*fm.cards), by_players);
	*out = fm.cards;
	*nout = fm.n;
	return 0;
}

/* One card's entry of favourite_cards or deck_cards (NULL: no memory). */
static struct json_object *
family_entry(const struct family_card *c)
{
	struct json_object *e;

	if ((e = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(e, "id", json_object_new_int64(c->id));
	json_object_object_add(e, "name", c->name != NULL ?
	    json_object_new_string(c->name) : NULL);
	json_object_object_add(e, "players",
	    json_object_new_int64((int64_t)c->players));
	json_object_object_add(e, "clans",
	    json_object_new_int64((int64_t)c->clans));
	return e;
}

/*
 * Add to o the array key of the clans' favourite cards (decks 0) or deck
 * cards (decks 1).  Returns 0, or -1 on out of memory.
 */
static int
family_cards(struct json_object *o, const char *key,
    const struct clan_figures *const *fig, size_t n, int decks)
{
	struct json_object	*arr, *e;
	struct family_card	*fc;
	size_t			 nfc, i;
	int			 rc = -1;

	if (family_merge(fig, n, decks, &fc, &nfc) == -1)
		return -1;
	if ((arr = json_object_new_array()) == NULL)
		goto done;
	json_object_object_add(o, key, arr);
	for (i = 0; i < nfc; i++) {
		if ((e = family_entry(&fc[i])) == NULL)
			goto done;
		json_object_array_add(arr, e);
	}
	rc = 0;
done:
	free(fc);
	return rc;
}

int
family_write(FILE *fp, time_t now, const struct clan_figures *const *fig,
    size_t n)
{
	struct json_object	*o;
	const char		*txt;
	char			 stamp[ISOTIME_LEN];
	uint64_t		 players = 0;
	size_t			 i;
	int			 rc = -1;

	for (i = 0; i < n; i++)
		if (fig[i] != NULL && fig[i]->fetched +
		    fig[i]->reused > fig[i]->without_favourite)
			players += fig[i]->fetched + fig[i]->reused -
			    fig[i]->without_favourite;
	isotime_utc(now, stamp);
	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "generated_at",
	    json_object_new_string(stamp));
	json_object_object_add(o, "clans", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "players",
	    json_object_new_int64((int64_t)players));
	if (family_cards(o, "favourite_cards", fig, n, 0) == -1 ||
	    family_cards(o, "deck_cards", fig, n, 1) == -1)
		goto done;
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (txt != NULL && fprintf(fp, "%s\n", txt) >= 0 && !ferror(fp))
		rc = 0;
done:
	json_object_put(o);
	return rc;
}

/* The arguments of family_write, for outdir_write. */
struct family_args {
	const struct clan_figures *const *fig;
	size_t				 n;
};

static int
fill_family(FILE *fp, void *arg)
{
	const struct family_args *fa = arg;

	return family_write(fp, time(NULL), fa->fig, fa->n);
}

int
family_write_file(const struct outdir *od,
    const struct clan_figures *const *fig,
    size_t n, char *err, size_t errlen)
{
	struct family_args fa = { fig, n };

	return outdir_write(od->fd, od->path, LAYOUT_CARDS, fill_family, &fa,
	    err, errlen);
}
