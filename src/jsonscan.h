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

#define JSONSCAN_FIELDS_MAX	4	/* fields an item walk looks for */

/*
 * Called for the index-th item of a walked array when it is an object,
 * with the spans of its last members named fields[i] (spans[i] NULL when
 * absent).  Returns 0 to go on, or -1 to end the walk.
 */
typedef int	 jsonscan_item_cb(void *arg, size_t index,
		    const char *const *spans, const size_t *lens);

/*
 * How the array value of a top-level member is walked, as the scan
 * reaches it.  The array is checked as a thrown-away value is (brackets
 * that match, strings that close, the nesting limit) but for what finds
 * the fields: in each object item, a ':' outside strings and inner
 * brackets, after white space and a string, ends a member whose key is
 * that string.  The value of a member whose key is one of the nfields
 * fields (plain bytes: no '"', no '\\') is checked as strict JSON and
 * must be followed by white space and ',' or '}'; of a field there twice,
 * the last value counts.  Everything else in the item is thrown away.
 * An item's key holding a '\\' (an escape may spell a field) or a '\\'
 * outside strings makes the full parse decide.  cb is called at the end
 * of each object item, index counting the commas outside strings at the
 * array's own level before it (its place in the array, when the array
 * is JSON).
 */
struct jsonscan_walk {
	const char *const	*fields;
	size_t			 nfields;	/* at most JSONSCAN_FIELDS_MAX */
	jsonscan_item_cb	*cb;
	void			*arg;
};

/* A top-level member jsonscan_members seeks. */
struct jsonscan_key {
	const char			*key;
	const struct jsonscan_walk	*walk;	/* NULL, or how its value
						   is walked when an array */
	const char			*span;	/* out: its last value, NULL
						   if none */
	size_t				 spanlen;
};

/*
 * jsonscan_member for the nkeys members of keys at once, in one pass,
 * walking the array values of those with a walk as the scan reaches
 * them (any other value of theirs is checked as strict JSON).  Returns
 * 1 when sure (each key's span set, NULL when absent), 0 when a full
 * parse must decide (also when a walked key is there twice: json-c
 * keeps only the last), or -1 when a walk's callback ended the scan.
 * Whatever the callbacks did is to be forgotten unless 1 is returned.
 */
int	jsonscan_members(const char *body, size_t len,
	    struct jsonscan_key *keys, size_t nkeys);

/*
 * The items of the JSON array at span (a span jsonscan_member found), or
 * 0 when it is not an array.
 */
size_t	jsonscan_count_items(const char *span, size_t len);

#endif
