/* jsonitems.c - a walk of an array's object items for fields (pure). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jsonscan.h"
#include "jsonscanint.h"

/*
 * The array value of a walked member (a player's currentDeck: about
 * 2.5 KB, of which two scalars in each item are wanted) is read as the
 * scan reaches it, 64 bytes at a time as jsonscan.c skips a thrown-away
 * value, with masks of colons and escaped bytes besides.  A ':'
 * outside strings at an object item's own level ends a member's key,
 * compared with the fields where it ends (and read back to its opening
 * quote when it may hold a backslash); only the values of the fields
 * sought are checked strictly, the rest as a thrown-away value is.  A
 * colon mask filtered by the quotes (a field key's quote is its length
 * before its ':') keeps the other members from costing anything.  So
 * the walk costs little more than the skip it replaces (bench/parse_cost
 * times the difference).
 */

#define WALK_DEPTH	2	/* the array's: a top-level member's value */
#define WALK_ODD	0xaaaaaaaaaaaaaaaaULL	/* the odd bits of a mask */

#if JSONSCAN_FIELDS_MAX != 4
#error "walk_colons shifts by four gaps"
#endif

/* One walk: what it seeks, the item read, where the bits stand. */
struct walk {
	struct scan			*sc;
	const struct jsonscan_walk	*w;
	size_t				 flens[JSONSCAN_FIELDS_MAX];
	const char			*spans[JSONSCAN_FIELDS_MAX];
	size_t				 lens[JSONSCAN_FIELDS_MAX];
	struct skip			 k;	/* level 1: the array's own */
	uint64_t			 escnext;	/* the next block's first
							   byte is escaped */
	size_t				 index;		/* the array's commas
							   so far */
	const unsigned char		*between;	/* after the array's
							   '[' or last item */
	const unsigned char		*keyfloor;	/* a key's string opens
							   after it */
	int				 bsopen;	/* the string open at
							   the block's end has
							   a backslash */
	unsigned			 gaps[JSONSCAN_FIELDS_MAX];
	size_t				 ngaps;		/* a field key's quote
							   is gaps[i] before
							   its ':' */
	uint64_t			 edge;		/* bits whose gaps
							   reach back out of
							   the block */
};

/*
 * The bytes of a block escaped by a backslash, bs its backslashes: an
 * odd run of backslashes escapes the byte after it, also across blocks.
 */
static uint64_t
walk_escaped(struct walk *wk, uint64_t bs)
{
	uint64_t	pe, code, escaped;

	if (bs == 0) {
		escaped = wk->escnext;
		wk->escnext = 0;
		return escaped;
	}
	pe = bs & ~wk->escnext;
	code = (((pe << 1) | WALK_ODD) - pe) ^ WALK_ODD;
	escaped = code ^ (bs | wk->escnext);
	wk->escnext = (code & bs) >> 63;
	return escaped;
}

static int
walk_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The plain forms of a field's value at sc->p, sc->p then after it: a
 * whole number without a sign, or a string.  Returns 0, or -1 (sc->p
 * unchanged) for jsonscan_value to read it.
 */
static int
walk_plain(struct scan *sc)
{
	const unsigned char	*v = sc->p;
	int			 escaped;

	if (v < sc->end && *v == '"')
		return jsonscan_string(sc, &escaped);
	if (v >= sc->end || *v < '1' || *v > '9')
		return -1;
	while (++v < sc->end && *v >= '0' && *v <= '9')
		continue;
	if (v == sc->end || (*v != ',' && *v != '}' && !walk_ws(*v)))
		return -1;
	sc->p = v;
	return 0;
}

/* The n bytes at a (n > 0) are those of s: ends first, then the rest. */
static int
walk_same(const unsigned char *a, const char *s, size_t n)
{
	return a[0] == (unsigned char)s[0] &&
	    a[n - 1] == (unsigned char)s[n - 1] &&
	    (n <= 2 || memcmp(a + 1, s + 1, n - 2) == 0);
}

/*
 * The field whose key (with its quotes) ends at e, when that key is
 * spelt plainly there: its index, or nfields.
 */
static size_t
walk_field(const struct walk *wk, const unsigned char *e)
{
	const unsigned char	*k;
	size_t			 i;

	for (i = 0; i < wk->w->nfields; i++) {
		if (e - wk->keyfloor <= (ptrdiff_t)wk->flens[i] + 1)
			continue;
		k = e - wk->flens[i];
		if (k[-1] == '"' && k[-2] != '\\' &&
		    walk_same(k, wk->w->fields[i], wk->flens[i]))
			return i;
	}
	return i;
}

/*
 * The ':' at c, outside strings at an object item's own level; plain is
 * where its block starts when no key ending in the block can hold a
 * backslash, else NULL.  When the string before it is a field's key,
 * check the value after it and keep its span, sc->p then at the ',' or
 * '}' after the value: returns 1.  Returns 0 for any other key, -1 when
 * a full parse must decide.
 */
static int
walk_member(struct walk *wk, const unsigned char *c,
    const unsigned char *plain)
{
	struct scan		*sc = wk->sc;
	const unsigned char	*e = c - 1, *j, *val;
	size_t			 i;

	while (e > wk->keyfloor && walk_ws(*e))
		e--;
	if (e <= wk->keyfloor || *e != '"') {
		wk->keyfloor = c;
		return 0;
	}
	/* A key that ends before the block is not known to be plain. */
	if ((i = walk_field(wk, e)) == wk->w->nfields &&
	    (plain == NULL || e < plain)) {
		/*
		 * e closes a string that opened after keyfloor.  An escape
		 * may spell a field: a key with a '\\' is the full parse's.
		 */
		for (j = e - 1; j > wk->keyfloor && *j != '"'; j--)
			if (*j == '\\')
				return -1;
		if (j <= wk->keyfloor || j[-1] == '\\')
			return -1;
	}
	wk->keyfloor = c;
	if (i == wk->w->nfields)
		return 0;
	for (sc->p = c + 1; sc->p < sc->end && walk_ws(*sc->p); sc->p++)
		continue;
	val = sc->p;
	if (walk_plain(sc) == -1 && jsonscan_value(sc, WALK_DEPTH + 2) == -1)
		return -1;
	wk->spans[i] = (const char *)val;
	wk->lens[i] = (size_t)(sc->p - val);
	while (sc->p < sc->end && walk_ws(*sc->p))
		sc->p++;
	if (sc->p >= sc->end || (*sc->p != ',' && *sc->p != '}'))
		return -1;
	wk->keyfloor = sc->p;
	return 1;
}

/* The commas outside strings from a to b, at the array's own level. */
static size_t
walk_commas(const unsigned char *a, const unsigned char *b)
{
	size_t	n = 0;
	int	instr = 0;

	if (b - a == 1 && *a == ',')
		return 1;
	for (; a < b; a++) {
		if (instr && *a == '\\')
			a++;
		else if (*a == '"')
			instr = !instr;
		else if (!instr && *a == ',')
			n++;
	}
	return n;
}

/*
 * The bracket at c: an item's start or end.  Returns as jsonscan_bracket
 * does; -1 also when the callback ended the walk.
 */
static int
walk_bracket(struct walk *wk, const unsigned char *c)
{
	int	level = wk->k.level, rc;

	if ((*c == '[' || *c == '{') && level == 1) {
		wk->index += walk_commas(wk->between, c);
		memset(wk->spans, 0, sizeof(wk->spans));
		memset(wk->lens, 0, sizeof(wk->lens));
		wk->keyfloor = c;
	}
	if ((rc = jsonscan_bracket(&wk->k, *c, WALK_DEPTH)) == -1 ||
	    wk->k.level != 1 || level == 1)
		return rc;
	wk->between = c + 1;
	if (level == 2 && *c == '}' && wk->w->cb(wk->w->arg, wk->index,
	    wk->spans, wk->lens) != 0) {
		wk->sc->ended = 1;
		return -1;
	}
	return rc;
}

/*
 * The colons of a block (q: its real quotes, colon its colons) that may
 * end a field's key: all of them unless plain (no key ending in the
 * block holds a backslash), else those after white space (or at the
 * block's start) and those with a quote a field key's length before
 * them.  A plain key that ends otherwise is no field.
 */
static uint64_t
walk_colons(const struct walk *wk, int plain, uint64_t q, uint64_t colon)
{
	uint64_t	at = wk->edge;

	if (!plain)
		return colon;
	/* Unused gaps repeat the first: four shifts, no loop. */
	at |= q << wk->gaps[0] | q << wk->gaps[1] | q << wk->gaps[2] |
	    q << wk->gaps[3];
	return colon & (~(q << 1) | at);
}

/* The string open at the block's end (b, real quotes q) has a '\\'. */
static int
walk_bsopen(const struct walk *wk, const struct skip_block *b, uint64_t q)
{
	unsigned last;

	if (!wk->k.instr)
		return 0;
	if (b->bslash == 0)
		return wk->bsopen && q == 0;
	if (q == 0)
		return wk->bsopen || b->bslash != 0;
	last = 63 - (unsigned)__builtin_clzll(q);
	return last < 63 && (b->bslash >> (last + 1)) != 0;
}

/*
 * The n bytes of the block at p (blk: p, or a copy padded with spaces
 * to 64).  Returns 1 when the array ended there (sc->p after it), 0 to
 * go on at *next, -1 when a full parse must decide or the walk ended.
 */
static int
walk_block(struct walk *wk, const unsigned char *p, const unsigned char *blk,
    size_t n, const unsigned char **next)
{
	struct skip_block	 b;
	uint64_t		 q, in, ev;
	unsigned		 i;
	int			 plain, rc;

	jsonscan_classify(blk, &b, 1);
	q = b.quote & ~walk_escaped(wk, b.bslash);
	in = jsonscan_prefix_xor(q) ^ (wk->k.instr ? ~(uint64_t)0 : 0);
	/* A '\\' outside strings is no JSON, and the masks read it amiss. */
	if ((b.bslash & ~in) != 0)
		return -1;
	plain = b.bslash == 0 && !wk->bsopen;
	ev = (b.bracket | walk_colons(wk, plain, q, b.colon)) & ~in;
	wk->k.instr = (int)(in >> 63);
	while (ev != 0) {
		i = (unsigned)__builtin_ctzll(ev);
		ev &= ev - 1;
		if (blk[i] != ':')
			rc = walk_bracket(wk, p + i);
		else if (wk->k.level != 2 || ((wk->k.kinds >> 1) & 1) == 0)
			continue;
		else if ((rc = walk_member(wk, p + i, plain ? p : NULL)) == 1 &&
		    wk->sc->p < p + n) {
			/*
			 * The strict value read the strings as the masks do:
			 * they still hold after it.
			 */
			ev &= ~(uint64_t)0 << (wk->sc->p - p);
			continue;
		} else if (rc == 1) {
			/* Go on after the value, outside strings. */
			*next = wk->sc->p;
			wk->k.instr = 0;
			wk->escnext = 0;
			wk->bsopen = 0;
			return 0;
		}
		if (rc == 1)
			wk->sc->p = p + i + 1;
		if (rc != 0)
			return rc;
	}
	wk->bsopen = walk_bsopen(wk, &b, q);
	*next = p + n;
	return 0;
}

int
jsonscan_walk(struct scan *sc, const struct jsonscan_walk *w)
{
	struct walk		 wk;
	unsigned char		 tail[64];
	const unsigned char	*p = sc->p, *next;
	size_t			 i, n;
	int			 rc;

	if (w->nfields > JSONSCAN_FIELDS_MAX)
		return -1;
	memset(&wk, 0, sizeof(wk));
	wk.sc = sc;
	wk.w = w;
	wk.keyfloor = wk.between = p;
	for (i = 0; i < w->nfields; i++) {
		if ((wk.flens[i] = strlen(w->fields[i])) == 0)
			return -1;
		if (wk.flens[i] > 61)
			wk.edge = ~(uint64_t)0;
		else {
			wk.gaps[wk.ngaps++] = (unsigned)wk.flens[i] + 2;
			wk.edge |= ((uint64_t)1 << (wk.flens[i] + 2)) - 1;
		}
	}
	for (i = wk.ngaps; i < JSONSCAN_FIELDS_MAX; i++)
		wk.gaps[i] = wk.gaps[0];
	for (;;) {
		if ((n = (size_t)(sc->end - p)) >= 64)
			rc = walk_block(&wk, p, p, 64, &next);
		else {
			/* The body's last bytes, padded with white space. */
			memset(tail, ' ', sizeof(tail));
			memcpy(tail, p, n);
			if ((rc = walk_block(&wk, p, tail, n, &next)) == 0 &&
			    next == sc->end)
				return -1;
		}
		if (rc != 0)
			return rc == 1 ? 0 : -1;
		p = next;
	}
}
