/* jsonscan.c - a strict JSON scanner that builds nothing (pure). */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "jsonscan.h"

/*
 * A strict JSON scanner that builds nothing: it checks the syntax of a
 * whole body and finds the value of one top-level member (a player's
 * "currentFavouriteCard", so that json-c parses only that small object
 * instead of the 25-60 KB body; a clan's "memberList", to count it before
 * anything is built).  Anything it is not sure about (escaped
 * keys, json-c's lenient extensions, errors, deep nesting) makes it give
 * up, and the full json-c parse decides, with its own messages.
 */
struct scan {
	const unsigned char	*p;
	const unsigned char	*end;
	const char		*key;	/* the top-level member sought */
	size_t			 keylen;
	const unsigned char	*span;	/* its last value, NULL if none */
	size_t			 spanlen;
};

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

/* Skip a string at sc->p ('"'); *escaped is set when it holds a '\\'. */
static int
scan_string(struct scan *sc, int *escaped)
{
	const unsigned char *p = sc->p + 1;

	*escaped = 0;
	for (; p < sc->end; p++) {
		/* Most bytes are plain: skip them four at a time. */
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

static int	scan_value(struct scan *, int);

/* Skip the object or array at sc->p, at depth. */
static int
scan_container(struct scan *sc, int depth)
{
	const unsigned char	*key, *val;
	int			 escaped;
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
		if (close == '}') {
			scan_ws(sc);
			if (sc->p >= sc->end || *sc->p != '"')
				return -1;
			key = sc->p + 1;
			if (scan_string(sc, &escaped) == -1 ||
			    (escaped && depth == 1))
				return -1;
			scan_ws(sc);
			if (sc->p >= sc->end || *sc->p != ':')
				return -1;
			sc->p++;
		}
		scan_ws(sc);
		val = sc->p;
		if (scan_value(sc, depth + 1) == -1)
			return -1;
		if (depth == 1 && key != NULL &&
		    (size_t)(val - key) > sc->keylen &&
		    memcmp(key, sc->key, sc->keylen) == 0 &&
		    key[sc->keylen] == '"') {
			sc->span = val;
			sc->spanlen = (size_t)(sc->p - val);
		}
		scan_ws(sc);
		if (sc->p >= sc->end)
			return -1;
		if (*sc->p == ',') {
			sc->p++;
			continue;
		}
		if (*sc->p != close)
			return -1;
		sc->p++;
		return 0;
	}
}

/*
 * Skip one value at depth (1 = the body's own).  At depth 1, the span of
 * the last member named sc->key is stored in sc->span and sc->spanlen.
 */
static int
scan_value(struct scan *sc, int depth)
{
	int escaped;

	scan_ws(sc);
	if (sc->p >= sc->end)
		return -1;
	switch (*sc->p) {
	case '"':
		return scan_string(sc, &escaped);
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

/*
 * Returns 1 when body is strict JSON, an object, and the scan is sure of
 * its top-level member key (*span NULL when there is none); 0 when the
 * full parse must decide.
 */
int
jsonscan_member(const char *body, size_t len, const char *key,
    const char **span, size_t *spanlen)
{
	struct scan sc;

	memset(&sc, 0, sizeof(sc));
	sc.p = (const unsigned char *)body;
	sc.end = sc.p + len;
	sc.key = key;
	sc.keylen = strlen(key);
	*span = NULL;
	*spanlen = 0;
	scan_ws(&sc);
	if (sc.p >= sc.end || *sc.p != '{')
		return 0;
	if (scan_value(&sc, 1) == -1)
		return 0;
	scan_ws(&sc);
	if (sc.p != sc.end)
		return 0;
	*span = (const char *)sc.span;
	*spanlen = sc.spanlen;
	return 1;
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
	while (scan_value(&sc, 2) == 0) {
		n++;
		scan_ws(&sc);
		if (sc.p >= sc.end || *sc.p != ',')
			break;
		sc.p++;
	}
	return n;
}
