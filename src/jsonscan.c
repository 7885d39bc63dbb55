/* jsonscan.c - a strict JSON scanner that builds nothing (pure). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jsonscan.h"
#include "jsonscanint.h"

/*
 * A strict JSON scanner that builds nothing: it checks the syntax of a
 * whole body and finds the value of one top-level member (a player's
 * "currentFavouriteCard", so that json-c parses only that small object
 * instead of the 25-60 KB body; a clan's "memberList", to count it before
 * anything is built).  Anything it is not sure about (escaped
 * keys, json-c's lenient extensions, errors, deep nesting) makes it give
 * up, and the full json-c parse decides, with its own messages.
 *
 * The object or array value of any other top-level member (a player's
 * cards, badges and achievements: most of the body) is thrown away, so
 * only what finding its end needs is checked there: brackets that match,
 * strings that close, the nesting limit.  That skip reads 64 bytes at a
 * time (SSE2 where the compiler has it, a byte loop otherwise).  The
 * array of a walked member (a player's "currentDeck") is read as the
 * scan reaches it, in the same way, by jsonitems.c.
 */

/* Bytes a string scan must look at: controls, '"' and '\\'. */
static const unsigned char scan_special[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1,
	[0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1,
	[0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1,
	[0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
	[0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
	[0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

static void
scan_ws(struct scan *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\n' ||
	    *sc->p == '\r' || *sc->p == '\t'))
		sc->p++;
}

int
jsonscan_string(struct scan *sc, int *escaped)
{
	const unsigned char *p = sc->p + 1;

	*escaped = 0;
	for (; p < sc->end; p++) {
#ifdef __SSE2__
		/* Most bytes are plain: skip them 16 at a time. */
		while (sc->end - p >= 16) {
			const __m128i	v = _mm_loadu_si128(
			    (const __m128i *)(const void *)p);
			int		m = _mm_movemask_epi8(_mm_or_si128(
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
			    _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)),
			    v)));

			if (m != 0) {
				p += __builtin_ctz((unsigned)m);
				break;
			}
			p += 16;
		}
#endif
		/* Skip plain bytes four at a time. */
		while (sc->end - p >= 4 && !scan_special[p[0]] &&
		    !scan_special[p[1]] && !scan_special[p[2]] &&
		    !scan_special[p[3]])
			p += 4;
		while (p < sc->end && !scan_special[*p])
			p++;
		if (p >= sc->end)
			break;
		if (*p == '"') {
			sc->p = p + 1;
			return 0;
		}
		if (*p < 0x20)
			return -1;
		if (*p == '\\') {
			*escaped = 1;
			if (++p >= sc->end)
				return -1;
			if (*p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (p + i >= sc->end ||
					    !((p[i] >= '0' && p[i] <= '9') ||
					    ((p[i] | 0x20) >= 'a' &&
					    (p[i] | 0x20) <= 'f')))
						return -1;
				p += 4;
			} else if (strchr("\"\\/bfnrt", *p) == NULL || *p == 0)
				return -1;
		}
	}
	return -1;
}

static int
scan_digits(struct scan *sc)
{
	const unsigned char *start = sc->p;

	while (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9')
		sc->p++;
	return sc->p > start ? 0 : -1;
}

static int
scan_number(struct scan *sc)
{
	if (sc->p < sc->end && *sc->p == '-')
		sc->p++;
	if (sc->p < sc->end && *sc->p == '0')
		sc->p++;
	else if (scan_digits(sc) == -1)
		return -1;
	if (sc->p < sc->end && *sc->p == '.') {
		sc->p++;
		if (scan_digits(sc) == -1)
			return -1;
	}
	if (sc->p < sc->end && (*sc->p == 'e' || *sc->p == 'E')) {
		sc->p++;
		if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-'))
			sc->p++;
		if (scan_digits(sc) == -1)
			return -1;
	}
	/* json-c reads "01" or "1x" its own way: leave those to it. */
	if (sc->p == sc->end)
		return 0;
	switch (*sc->p) {
	case ' ': case '\t': case '\r': case '\n': case ',': case ']': case '}':
		return 0;
	default:
		return -1;
	}
}

/*
 * Skip the bytes from p to stop one at a time.  Returns where the value
 * ended with *rc 1, where it broke with *rc -1, or stop with *rc 0.
 */
static const unsigned char *
skip_bytes(struct skip *k, const unsigned char *p, const unsigned char *stop,
    int depth, int *rc)
{
	for (*rc = 0; p < stop; p++) {
		if (k->esc)
			k->esc = 0;
		else if (k->instr) {
			if (*p == '\\')
				k->esc = 1;
			else if (*p == '"')
				k->instr = 0;
		} else if (*p == '"')
			k->instr = 1;
		else if ((*rc = jsonscan_bracket(k, *p, depth)) != 0)
			return p + 1;
	}
	return p;
}

/*
 * The brackets of one 64-byte block at p without a backslash.  Returns
 * as skip_bytes does.
 */
static const unsigned char *
skip_block(struct skip *k, const unsigned char *p, const struct skip_block *b,
    int depth, int *rc)
{
	uint64_t	in, s;
	int		i;

	in = jsonscan_prefix_xor(b->quote) ^ (k->instr ? ~(uint64_t)0 : 0);
	k->instr = (int)(in >> 63);
	for (s = b->bracket & ~in, *rc = 0; s != 0; s &= s - 1) {
		i = __builtin_ctzll(s);
		if ((*rc = jsonscan_bracket(k, p[i], depth)) != 0)
			return p + i + 1;
	}
	return p + 64;
}

/*
 * Skip the object or array at sc->p (depth: that of the value), checking
 * only its brackets, its strings' ends and the nesting limit.
 */
static int
scan_skip(struct scan *sc, int depth)
{
	struct skip		 k;
	struct skip_block	 b;
	const unsigned char	*p = sc->p;
	int			 rc = 0;

	memset(&k, 0, sizeof(k));
	while (rc == 0 && sc->end - p >= 64) {
		jsonscan_classify(p, &b, 0);
		if (b.bslash != 0 || k.esc)
			p = skip_bytes(&k, p, p + 64, depth, &rc);
		else
			p = skip_block(&k, p, &b, depth, &rc);
	}
	if (rc == 0)
		p = skip_bytes(&k, p, sc->end, depth, &rc);
	if (rc != 1)
		return -1;
	sc->p = p;
	return 0;
}

/*
 * A member's key and its ':' at sc->p: its text is the *keylen bytes at
 * *key, *escaped set when it holds a '\\'.
 */
static int
scan_key(struct scan *sc, const unsigned char **key, size_t *keylen,
    int *escaped)
{
	scan_ws(sc);
	if (sc->p >= sc->end || *sc->p != '"')
		return -1;
	*key = sc->p + 1;
	if (jsonscan_string(sc, escaped) == -1)
		return -1;
	*keylen = (size_t)(sc->p - 1 - *key);
	scan_ws(sc);
	if (sc->p >= sc->end || *sc->p != ':')
		return -1;
	sc->p++;
	return 0;
}

/* After a value: 1 at a ',' (skipped), 0 at close (skipped), else -1. */
static int
scan_next(struct scan *sc, char close)
{
	scan_ws(sc);
	if (sc->p >= sc->end)
		return -1;
	if (*sc->p == ',') {
		sc->p++;
		return 1;
	}
	if (*sc->p != close)
		return -1;
	sc->p++;
	return 0;
}

/* The sought member whose key (after its '"') ends before val, or NULL. */
static struct jsonscan_key *
scan_sought(struct scan *sc, const unsigned char *key, const unsigned char *val)
{
	size_t i, n;

	for (i = 0; i < sc->nkeys; i++) {
		n = strlen(sc->keys[i].key);
		if ((size_t)(val - key) > n && memcmp(key, sc->keys[i].key,
		    n) == 0 && key[n] == '"')
			return &sc->keys[i];
	}
	return NULL;
}

/* Skip the object or array at sc->p, at depth. */
static int
scan_container(struct scan *sc, int depth)
{
	const unsigned char	*key, *val;
	struct jsonscan_key	*sought;
	size_t			 n;
	int			 escaped, rc;
	char			 close;

	if (depth >= JSONSCAN_DEPTH)
		return -1;
	close = *sc->p == '{' ? '}' : ']';
	sc->p++;
	scan_ws(sc);
	if (sc->p < sc->end && *sc->p == close) {
		sc->p++;
		return 0;
	}
	for (;;) {
		key = NULL;
		sought = NULL;
		if (close == '}' && (scan_key(sc, &key, &n, &escaped) == -1 ||
		    (escaped && depth == 1)))
			return -1;
		scan_ws(sc);
		val = sc->p;
		if (depth == 1 && key != NULL)
			sought = scan_sought(sc, key, val);
		/* json-c keeps the last value: a walk of the first is wrong. */
		if (sought != NULL && sought->walk != NULL &&
		    sought->span != NULL)
			return -1;
		if (sought != NULL && sought->walk != NULL && val < sc->end &&
		    *val == '[') {
			if (jsonscan_walk(sc, sought->walk) == -1)
				return -1;
		} else if (depth == 1 && sought == NULL && val < sc->end &&
		    (*val == '[' || *val == '{')) {
			if (scan_skip(sc, depth + 1) == -1)
				return -1;
		} else if (jsonscan_value(sc, depth + 1) == -1)
			return -1;
		if (sought != NULL) {
			sought->span = (const char *)val;
			sought->spanlen = (size_t)(sc->p - val);
		}
		if ((rc = scan_next(sc, close)) != 1)
			return rc;
	}
}

/*
 * Skip one value at depth (1 = the body's own).  At depth 1, the span of
 * the last member named by each of sc->keys is stored in it.
 */
int
jsonscan_value(struct scan *sc, int depth)
{
	int escaped;

	scan_ws(sc);
	if (sc->p >= sc->end)
		return -1;
	switch (*sc->p) {
	case '"':
		return jsonscan_string(sc, &escaped);
	case '{':
	case '[':
		return scan_container(sc, depth);
	case 't':
		if (sc->end - sc->p < 4 || memcmp(sc->p, "true", 4) != 0)
			return -1;
		sc->p += 4;
		return 0;
	case 'f':
		if (sc->end - sc->p < 5 || memcmp(sc->p, "false", 5) != 0)
			return -1;
		sc->p += 5;
		return 0;
	case 'n':
		if (sc->end - sc->p < 4 || memcmp(sc->p, "null", 4) != 0)
			return -1;
		sc->p += 4;
		return 0;
	default:
		return scan_number(sc);
	}
}

int
jsonscan_members(const char *body, size_t len, struct jsonscan_key *keys,
    size_t nkeys)
{
	struct scan	sc;
	size_t		i;

	memset(&sc, 0, sizeof(sc));
	sc.p = (const unsigned char *)body;
	sc.end = sc.p + len;
	sc.keys = keys;
	sc.nkeys = nkeys;
	for (i = 0; i < nkeys; i++) {
		keys[i].span = NULL;
		keys[i].spanlen = 0;
	}
	scan_ws(&sc);
	if (sc.p >= sc.end || *sc.p != '{')
		return 0;
	if (jsonscan_value(&sc, 1) == -1)
		return sc.ended ? -1 : 0;
	scan_ws(&sc);
	return sc.p == sc.end;
}

int
jsonscan_member(const char *body, size_t len, const char *key,
    const char **span, size_t *spanlen)
{
	struct jsonscan_key	k;
	int			rc;

	memset(&k, 0, sizeof(k));
	k.key = key;
	rc = jsonscan_members(body, len, &k, 1);
	*span = rc ? k.span : NULL;
	*spanlen = rc ? k.spanlen : 0;
	return rc;
}

/* The items of the array at span (already scanned), or 0 if no array. */
size_t
jsonscan_count_items(const char *span, size_t len)
{
	struct scan	 sc;
	size_t		 n = 0;

	memset(&sc, 0, sizeof(sc));
	sc.p = (const unsigned char *)span;
	sc.end = sc.p + len;
	if (sc.p >= sc.end || *sc.p != '[')
		return 0;
	sc.p++;
	scan_ws(&sc);
	if (sc.p < sc.end && *sc.p == ']')
		return 0;
	while (jsonscan_value(&sc, 2) == 0) {
		n++;
		scan_ws(&sc);
		if (sc.p >= sc.end || *sc.p != ',')
			break;
		sc.p++;
	}
	return n;
}
