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

/*
 * The items of the JSON array at span (a span jsonscan_member found), or
 * 0 when it is not an array.
 */
size_t	jsonscan_count_items(const char *span, size_t len);

#endif
