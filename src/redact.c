/* redact.c - remove every trace of a secret from text (pure). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"

static int
gram_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The g bytes at p (g <= 8) as one number. */
static uint64_t
gram_at(const unsigned char *p, size_t g)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < g; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Mark in mark[] every byte of s that belongs to a run of g bytes also
 * found in secret.  A run of g or more bytes of the secret is covered by
 * its g-byte windows, so checking each window of s is enough.
 */
static int
mark_secret(const char *s, size_t n, const char *secret, char *mark)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint64_t		*grams, v;
	size_t			 slen, g, ng, i, k;

	if (secret == NULL || (slen = strlen(secret)) == 0)
		return 0;
	g = slen < REDACT_RUN_MIN ? slen : REDACT_RUN_MIN;
	if (n < g)
		return 0;
	ng = slen - g + 1;
	if ((grams = calloc(ng, sizeof(*grams))) == NULL)
		return -1;
	for (i = 0; i < ng; i++)
		grams[i] = gram_at((const unsigned char *)secret + i, g);
	qsort(grams, ng, sizeof(*grams), gram_cmp);
	for (i = 0; i + g <= n; i++) {
		v = gram_at(u + i, g);
		if (bsearch(&v, grams, ng, sizeof(*grams), gram_cmp) != NULL)
			for (k = i; k < i + g; k++)
				mark[k] = 1;
	}
	free(grams);
	return 0;
}

/* Mark the word after each "Bearer" followed by white space. */
static void
mark_bearer(const char *s, size_t n, char *mark)
{
	size_t i, k;

	for (i = 0; i + 6 < n; i++) {
		if (strncasecmp(s + i, "bearer", 6) != 0 ||
		    (s[i + 6] != ' ' && s[i + 6] != '\t'))
			continue;
		for (k = i + 6; k < n && (s[k] == ' ' || s[k] == '\t'); k++)
			continue;
		for (; k < n && s[k] != ' ' && s[k] != '\t' && s[k] != '"' &&
		    s[k] != '\'' && s[k] != ',' && s[k] != ';'; k++)
			mark[k] = 1;
	}
}

/* Bytes in the UTF-8 character led by c (1 for a stray byte). */
static size_t
char_len(unsigned char c)
{
	return c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 &&
	    c < 0xe0 ? 2 : 1;
}

int
redact(const char *s, const char *const *secrets, size_t nsecrets, char *out,
    size_t outlen)
{
	size_t	 n = strlen(s), i, o = 0, clen;
	char	*mark;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if ((mark = calloc(n + 1, 1)) == NULL)
		return -1;
	for (i = 0; i < nsecrets; i++)
		if (mark_secret(s, n, secrets[i], mark) == -1) {
			free(mark);
			return -1;
		}
	mark_bearer(s, n, mark);
	/* A character partly marked goes whole with its mark. */
	for (i = 0; i < n; i += clen) {
		if ((clen = char_len((unsigned char)s[i])) > n - i)
			clen = n - i;
		if (memchr(mark + i, 1, clen) != NULL)
			memset(mark + i, 1, clen);
	}
	for (i = 0; i < n; i += clen) {
		if (mark[i]) {
			for (clen = 0; i + clen < n && mark[i + clen]; clen++)
				continue;
			if (sizeof(REDACT_MARK) - 1 > outlen - 1 - o)
				break;
			memcpy(out + o, REDACT_MARK, sizeof(REDACT_MARK) - 1);
			o += sizeof(REDACT_MARK) - 1;
			continue;
		}
		if ((clen = char_len((unsigned char)s[i])) > n - i)
			clen = n - i;
		if (clen > outlen - 1 - o)
			break;
		memcpy(out + o, s + i, clen);
		o += clen;
	}
	out[o] = '\0';
	free(mark);
	return 0;
}

void
redact_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
