/* family.h - cards.json: the favourite and deck cards of all clans together. */
#ifndef CLANPOPD_FAMILY_H
#define CLANPOPD_FAMILY_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct clan_figures;
struct outdir;

/*
 * Write cards.json's text to fp for the n configured clans, generated at
 * now, from the clans' latest snapshots (fig[i], NULL for a clan without
 * one, which counts for nothing).  favourite_cards: each favourite card
 * with the players whose favourite it is, summed, and the clans that
 * have it among their favourites; deck_cards: each card of the members'
 * current decks with the players whose deck holds it, summed, and the
 * clans that have it among their deck cards.  Both are sorted by players
 * descending, then name ascending (no name last), then id.  The players
 * at the top are the members with a favourite card, summed.  Returns 0,
 * or -1 on a write error or out of memory.
 */
int	family_write(FILE *fp, time_t now,
	    const struct clan_figures *const *fig, size_t n);

/*
 * Write cards.json in od atomically, generated now.  Returns 0, or -1
 * with a sentence in err.
 */
int	family_write_file(const struct outdir *od,
	    const struct clan_figures *const *fig, size_t n, char *err,
	    size_t errlen);

#endif
