/* figures.h - a clan's figures: what one refresh counted of its members. */
#ifndef CLANPOPD_FIGURES_H
#define CLANPOPD_FIGURES_H

#include <stddef.h>
#include <string.h>

#include "tally.h"

/*
 * The one value every stage hands on: the refresh counts it, the
 * scheduler keeps the latest, the snapshot, the history database, the
 * reports and cards.json write it.  members is fetched + reused + failed;
 * the favourite cards' counts add up to fetched + reused -
 * without_favourite.  A deck card counts each member whose current deck
 * holds it (at most API_DECK_MAX cards a member), so deck_cards' counts
 * add up to at most API_DECK_MAX x (fetched + reused - without_deck).
 * Whoever holds the struct itself owns the tallies (figures_free); the
 * others point to it.
 */
struct clan_figures {
	size_t		 members;	/* distinct members, see api.h */
	size_t		 fetched;	/* profiles read in the refresh */
	size_t		 reused;	/* members counted from stored profiles */
	size_t		 failed;	/* members neither read nor reused */
	size_t		 without_favourite;	/* read or reused, no card */
	struct tally	 cards;		/* favourite cards, sorted */
	size_t		 without_deck;	/* read or reused, no usable deck */
	struct tally	 deck_cards;	/* cards of current decks, sorted */
};

/* Empty figures with empty tallies. */
static inline void
figures_init(struct clan_figures *f)
{
	memset(f, 0, sizeof(*f));
	tally_init(&f->cards);
	tally_init(&f->deck_cards);
}

static inline void
figures_free(struct clan_figures *f)
{
	tally_free(&f->cards);
	tally_free(&f->deck_cards);
}

/*
 * dst takes src's figures and tallies (dst's are freed); src keeps its
 * counts, but its tallies are empty now.
 */
static inline void
figures_move(struct clan_figures *dst, struct clan_figures *src)
{
	figures_free(dst);
	*dst = *src;
	tally_init(&src->cards);
	tally_init(&src->deck_cards);
}

#endif
