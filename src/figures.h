/* figures.h - a clan's figures: what one refresh counted of its members. */
#ifndef CLANPOPD_FIGURES_H
#define CLANPOPD_FIGURES_H

#include <stddef.h>

#include "tally.h"

/*
 * The one value every stage hands on: the refresh counts it, the
 * scheduler keeps the latest, the snapshot, the history database, the
 * reports and cards.json write it.  members is fetched + reused + failed;
 * the cards' counts add up to fetched + reused - without_favourite.
 * Whoever holds the struct itself owns cards (tally_free); the others
 * point to it.
 */
struct clan_figures {
	size_t		 members;	/* distinct members, see api.h */
	size_t		 fetched;	/* profiles read in the refresh */
	size_t		 reused;	/* members counted from stored profiles */
	size_t		 failed;	/* members neither read nor reused */
	size_t		 without_favourite;	/* read or reused, no card */
	struct tally	 cards;		/* favourite cards, sorted */
};

#endif
