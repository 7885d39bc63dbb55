/* tag.c - Clash Royale tag normalisation and URL encoding (pure). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tag.h"

#define TAG_QUOTE_MAX	40	/* input bytes quoted in an error */
#define TAG_QUOTE_LEN	(4 * TAG_QUOTE_MAX + 6)	/* quotes, "...", NUL */

static int
tag_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\r';
}

/*
 * Quote s for an error message: '"' and '\\' are escaped, bytes outside
 * printable ASCII become \xNN and long input is cut with "...", so the
 * message stays one printable line.  out holds TAG_QUOTE_LEN bytes.
 */
static void
tag_quote(const char *s, char out[TAG_QUOTE_LEN])
{
	size_t i, o = 0;
	unsigned char c;

	out[o++] = '"';
	for (i = 0; s[i] != '\0'; i++) {
		if (i == TAG_QUOTE_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(out + o, 5, "\\x%02X", c);
			o += 4;
		} else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

int
tag_normalize(const char *in, const char *what, char out[TAG_MAX],
    char *err, size_t errlen)
{
	char noun[32], q[TAG_QUOTE_LEN], buf[TAG_MAX];
	const char *s, *e;
	size_t n, i;
	int c;

	snprintf(noun, sizeof(noun), "%s%stag", what ? what : "",
	    what ? " " : "");
	if (in == NULL)
		in = "";
	s = in;
	e = in + strlen(in);
	while (s < e && tag_isspace((unsigned char)*s))
		s++;
	while (e > s && tag_isspace((unsigned char)e[-1]))
		e--;
	if (s < e && *s == '#')
		s++;
	n = (size_t)(e - s);
	if (n == 0) {
		snprintf(err, errlen, "empty %s (write %d..%d characters of "
		    "%s, such as #9V2Y)", noun, TAG_MIN, TAG_MAXCHARS,
		    TAG_CHARS);
		return -1;
	}
	tag_quote(in, q);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c == 'O')
			c = '0';
		if (c == '\0' || strchr(TAG_CHARS, c) == NULL) {
			snprintf(err, errlen, "%s is not a %s (allowed "
			    "characters: %s)", q, noun, TAG_CHARS);
			return -1;
		}
		if (i < TAG_MAXCHARS)
			buf[1 + i] = (char)c;
	}
	if (n < TAG_MIN || n > TAG_MAXCHARS) {
		snprintf(err, errlen, "%s is too %s for a %s (it needs %d..%d "
		    "characters after the '#')", q,
		    n < TAG_MIN ? "short" : "long", noun, TAG_MIN,
		    TAG_MAXCHARS);
		return -1;
	}
	buf[0] = '#';
	buf[1 + n] = '\0';
	memcpy(out, buf, n + 2);
	return 0;
}

int
tag_url_encode(const char *tag, char *out, size_t outlen)
{
	size_t n;

	if (tag == NULL || tag[0] != '#')
		return -1;
	n = strlen(tag + 1);
	if (n < TAG_MIN || n > TAG_MAXCHARS ||
	    strspn(tag + 1, TAG_CHARS) != n || outlen < 3 + n + 1)
		return -1;
	memcpy(out, "%23", 3);
	memcpy(out + 3, tag + 1, n + 1);
	return 0;
}

size_t
tag_hash(const char *tag)
{
	uint32_t h = 2166136261u;

	for (; *tag != '\0'; tag++) {
		h ^= (unsigned char)*tag;
		h *= 16777619u;
	}
	return h;
}
