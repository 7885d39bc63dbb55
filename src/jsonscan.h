/* jsonscan.h - a strict JSON scanner that builds nothing (pure). */
#ifndef CLANPOPD_JSONSCAN_H
#define CLANPOPD_JSONSCAN_H

#include <stddef.h>

#define JSONSCAN_DEPTH	64	/* nesting levels; real bodies use about 4 */

/*
 * Check that the len bytes at body are one JSON object (white space around
 * it allowed, nested at most JSONSCAN_DEPTH deep) and find the value of
 * its last top-level member named key: *span and *spanlen (NULL and 0
 * when there is none).  All of it is checked as strict JSON except the
 * object and array values of the other top-level members, which are
 * thrown away: of those, only matching brackets and closed strings.
 * Returns 1 when sure, 0 when a full parse must decide (not JSON so
 * checked, an escaped top-level key, too deep).
 */
int	jsonscan_member(const char *body, size_t len, const char *key,
	    const char **span, size_t *spanlen);

/* A top-level member jsonscan_members seeks. */
struct jsonscan_key {
	const char	*key;
	int		 later;		/* its object or array value is checked
					   as a thrown-away one: the caller
					   walks it with jsonscan_items */
	const char	*span;		/* out: its last value, NULL if none */
	size_t		 spanlen;
};

/*
 * jsonscan_member for the nkeys members of keys at once, in one pass.
 * Returns 1 when sure (each key's span set, NULL when absent), 0 when a
 * full parse must decide (also when a "later" key is there twice: only
 * its last value is walked).
 */
int	jsonscan_members(const char *body, size_t len,
	    struct jsonscan_key *keys, size_t nkeys);

#define JSONSCAN_FIELDS_MAX	4	/* fields jsonscan_items looks for */

/*
 * Called for the index-th item of an array when it is an object, with the
 * spans of its last members named fields[i] (spans[i] NULL when absent).
 * Returns 0 to go on, or -1 to end the walk (jsonscan_items returns -1).
 */
typedef int	 jsonscan_item_cb(void *arg, size_t index,
		    const char *const *spans, const size_t *lens);

/*
 * Check the value at span (the span of a "later" key) as strictly as
 * jsonscan_members checks a body, at the depth of a top-level member's
 * value, and when it is an array call cb for each of its object items.
 * Returns 1 when sure (also when span is no array: no call then), 0 when
 * a full parse must decide (not strict JSON, an escaped key in an item,
 * too deep, more than JSONSCAN_FIELDS_MAX fields), or -1 when cb ended
 * the walk.
 */
int	jsonscan_items(const char *span, size_t len,
	    const char *const *fields, size_t nfields, jsonscan_item_cb *cb,
	    void *arg);

/*
 * The items of the JSON array at span (a span jsonscan_member found), or
 * 0 when it is not an array.
 */
size_t	jsonscan_count_items(const char *span, size_t len);

#endif
