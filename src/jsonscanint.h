/* jsonscanint.h - what jsonscan.c shares with jsonitems.c (pure). */
#ifndef CLANPOPD_JSONSCANINT_H
#define CLANPOPD_JSONSCANINT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jsonscan.h"

/* A scan of one body: where it is, what it seeks, how it went. */
struct scan {
	const unsigned char	*p;
	const unsigned char	*end;
	struct jsonscan_key	*keys;	/* the top-level members sought */
	size_t			 nkeys;
	int			 ended;		/* an item callback ended it */
};

/* Where a skipped value stands: its open brackets, in a string or not. */
struct skip {
	uint64_t	kinds;	/* bit i: the bracket at level i is '{' */
	int		level;	/* brackets open */
	int		instr;	/* inside a string */
	int		esc;	/* the next byte is escaped */
};

/*
 * The bits of 64 bytes: quotes, backslashes, bracket candidates, and
 * colons (when asked for).
 */
struct skip_block {
	uint64_t	quote, bslash, bracket, colon;
};

#ifdef __SSE2__
/* The bits of the 16 bytes at p into b, from bit shift on. */
static inline void
jsonscan_lane(const unsigned char *p, struct skip_block *b, int shift,
    int colons)
{
	const __m128i	v = _mm_loadu_si128((const __m128i *)(const void *)p);

	b->quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
	    _mm_set1_epi8('"'))) << shift;
	b->bslash |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
	    _mm_set1_epi8('\\'))) << shift;
	b->bracket |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
	    _mm_or_si128(v, _mm_set1_epi8(0x26)), _mm_set1_epi8(0x7f))) <<
	    shift;
	if (colons)
		b->colon |= (uint64_t)(uint16_t)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, _mm_set1_epi8(':'))) << shift;
}
#endif

/*
 * Classify the 64 bytes at p into b (b->colon only when colons is not
 * 0: a constant, so that the skip pays nothing for it).  The bracket
 * candidates are the bytes c with (c | 0x26) == 0x7f: the four
 * brackets, and 'Y', '_', 'y' and DEL, which jsonscan_bracket ignores.
 */
static inline void
jsonscan_classify(const unsigned char *p, struct skip_block *b, int colons)
{
	b->quote = b->bslash = b->bracket = b->colon = 0;
#ifdef __SSE2__
	/* Written out: the compiler leaves the loop a loop. */
	jsonscan_lane(p, b, 0, colons);
	jsonscan_lane(p + 16, b, 16, colons);
	jsonscan_lane(p + 32, b, 32, colons);
	jsonscan_lane(p + 48, b, 48, colons);
#else
	int i;

	for (i = 0; i < 64; i++) {
		b->quote |= (uint64_t)(p[i] == '"') << i;
		b->bslash |= (uint64_t)(p[i] == '\\') << i;
		b->bracket |= (uint64_t)((p[i] | 0x26) == 0x7f) << i;
		b->colon |= (uint64_t)(colons && p[i] == ':') << i;
	}
#endif
}

/* Bit i of the result: an odd number of x's bits 0..i are set. */
static inline uint64_t
jsonscan_prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/*
 * The byte c outside strings, in a value skipped from depth.  Returns 1
 * when it closes the value, -1 when it breaks the brackets or the
 * nesting limit, 0 otherwise.
 */
static inline int
jsonscan_bracket(struct skip *k, unsigned char c, int depth)
{
	if (c == '[' || c == '{') {
		if (depth + k->level >= JSONSCAN_DEPTH)
			return -1;
		k->kinds &= ~((uint64_t)1 << k->level);
		k->kinds |= (uint64_t)(c == '{') << k->level;
		k->level++;
		return 0;
	}
	if (c != ']' && c != '}')
		return 0;
	if (k->level == 0)
		return -1;
	k->level--;
	if ((int)((k->kinds >> k->level) & 1) != (c == '}'))
		return -1;
	return k->level == 0;
}

/*
 * Check the string at sc->p ('"') as strict JSON, sc->p then after it;
 * *escaped is set when it holds a '\\'.  Returns 0, or -1 when it is no
 * string so checked.
 */
int	jsonscan_string(struct scan *sc, int *escaped);

/*
 * Check the value at sc->p, at depth (1: the body's own), as strict
 * JSON, sc->p then after it; at depth 1, the members of sc->keys are
 * sought.  Returns 0, or -1 when a full parse must decide.
 */
int	jsonscan_value(struct scan *sc, int depth);

/*
 * Walk the array at sc->p ('['), the value of a top-level member, with
 * w (see struct jsonscan_walk), sc->p then after it.  Returns 0, or -1
 * when a full parse must decide or w's callback ended the walk (then
 * sc->ended is set).
 */
int	jsonscan_walk(struct scan *sc, const struct jsonscan_walk *w);

#endif
