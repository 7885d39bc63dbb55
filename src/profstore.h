/* profstore.h - the profile store: what each member's last read said (pure). */
#ifndef CLANPOPD_PROFSTORE_H
#define CLANPOPD_PROFSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "tag.h"

#define PROFSTORE_DECK_MAX	8	/* cards of a deck, as API_DECK_MAX */
#define PROFSTORE_CARDS_MAX	65535	/* deck cards the store can number */

/* What a successful read of a player's profile said, and when. */
struct profile {
	char	 tag[TAG_MAX];	/* the player, normalised */
	char	 clan[TAG_MAX];	/* the clan whose refresh read or reused it */
	int64_t	 read_at;	/* Unix seconds when the answer arrived */
	int64_t	 card_id;	/* the favourite card; 0: none */
	char	*card_name;	/* its name, NULL when none */
	int32_t	 max_age;	/* the answer's Cache-Control max-age, s (at
				   most 999999999, http_max_age); -1: none */
	uint8_t	 ndeck;		/* cards of its current deck; 0: no deck */
	uint16_t deck[PROFSTORE_DECK_MAX];	/* their profstore_card()
					   numbers, in the deck's order */
};

/* A deck card the store has numbered. */
struct profstore_card {
	int64_t	 id;
	char	*name;		/* the latest name read, NULL when none */
};

struct profstore;

/* What one refresh did with a player's profile, for the database. */
enum profstore_op {
	PROFSTORE_READ,		/* read now: the store holds the answer */
	PROFSTORE_REUSED,	/* counted from the store, now in this clan */
	PROFSTORE_FAILED,	/* not read: forgotten */
	PROFSTORE_GONE		/* no longer a member: forgotten */
};

struct profstore_change {
	char			 tag[TAG_MAX];
	enum profstore_op	 op;
};

/* An empty store, or NULL on out of memory. */
struct profstore	*profstore_new(void);
void			 profstore_free(struct profstore *);

/* The stored profile of player tag, or NULL; valid until the next change. */
const struct profile	*profstore_get(const struct profstore *,
			    const char *tag);

/*
 * Store a copy of p (its name copied too), replacing the player's
 * profile; with newer_only, only when none is stored or the stored one
 * was read before p.  Returns 0, or -1 on out of memory (the store is
 * then unchanged).
 */
int	profstore_put(struct profstore *, const struct profile *p,
	    int newer_only);

/* The player is now counted in clan (its reused profile stays as read). */
void	profstore_move(struct profstore *, const char *tag, const char *clan);

/* Forget the player's profile, if any. */
void	profstore_del(struct profstore *, const char *tag);

/*
 * Forget the profiles kept for clan whose player is not among the n
 * tags (the clan's member list).  Each forgotten player's tag is passed
 * to gone(arg, tag) when gone is not NULL.  Returns how many.
 */
size_t	profstore_prune_clan(struct profstore *, const char *clan,
	    const char (*tags)[TAG_MAX], size_t n,
	    void (*gone)(void *, const char *), void *arg);

/*
 * Forget the profiles kept for clans for which keep(arg, clan) returns 0.
 * Returns how many.
 */
size_t	profstore_keep_clans(struct profstore *,
	    int (*keep)(void *, const char *), void *arg);

/*
 * The number (1 to PROFSTORE_CARDS_MAX) of deck card id, given it when
 * new; a name that is not NULL becomes its name.  Decks are kept as
 * these numbers (2 bytes a card), and a reused deck's cards are named
 * by the latest name read.  Returns 0 when PROFSTORE_CARDS_MAX cards are
 * numbered already or on out of memory: the deck cannot be kept then.
 */
unsigned	profstore_card(struct profstore *, int64_t id, const char *name);

/* The card numbered n by profstore_card(), or NULL. */
const struct profstore_card *profstore_card_at(const struct profstore *,
		    unsigned n);

/* How many profiles are kept. */
size_t	profstore_count(const struct profstore *);

/*
 * The time of the last inMaintenance answer seen (0: none), and its
 * update: set keeps the later of the two.
 */
int64_t	profstore_maintenance(const struct profstore *);
void	profstore_set_maintenance(struct profstore *, int64_t t);

#endif
