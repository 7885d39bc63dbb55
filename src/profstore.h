/* profstore.h - the profile store: what each member's last read said (pure). */
#ifndef CLANPOPD_PROFSTORE_H
#define CLANPOPD_PROFSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "tag.h"

/* What a successful read of a player's profile said, and when. */
struct profile {
	char	 tag[TAG_MAX];	/* the player, normalised */
	char	 clan[TAG_MAX];	/* the clan whose refresh read or reused it */
	int64_t	 read_at;	/* Unix seconds when the answer arrived */
	int64_t	 max_age;	/* the answer's Cache-Control max-age, s; -1 */
	int64_t	 card_id;	/* the favourite card; 0: none */
	char	*card_name;	/* its name, NULL when none */
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

/* How many profiles are kept. */
size_t	profstore_count(const struct profstore *);

/*
 * The time of the last inMaintenance answer seen (0: none), and its
 * update: set keeps the later of the two.
 */
int64_t	profstore_maintenance(const struct profstore *);
void	profstore_set_maintenance(struct profstore *, int64_t t);

#endif
