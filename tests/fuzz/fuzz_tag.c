/* fuzz_tag.c - libFuzzer harness for tag_normalize and tag_url_encode. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tag.h"
#include "fuzz.h"

/* An error is one printable ASCII line, cut to fit errlen. */
static void
check_err(const char *err, size_t errlen)
{
	size_t i, n = strnlen(err, errlen);

	FUZZ_CHECK(n > 0 && n < errlen);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(err[i] >= 0x20 && err[i] < 0x7f);
}

/* out is "#" and TAG_MIN..TAG_MAXCHARS of TAG_CHARS, and a fixed point. */
static void
check_tag(const char *out)
{
	char again[TAG_MAX], url[TAG_URL_MAX], err[256];
	size_t n = strnlen(out, TAG_MAX);

	FUZZ_CHECK(n < TAG_MAX);
	FUZZ_CHECK(out[0] == '#');
	FUZZ_CHECK(n >= 1 + TAG_MIN && n <= 1 + TAG_MAXCHARS);
	FUZZ_CHECK(strspn(out + 1, TAG_CHARS) == n - 1);
	FUZZ_CHECK(tag_normalize(out, "player", again, err,
	    sizeof(err)) == 0);
	FUZZ_CHECK(strcmp(again, out) == 0);
	FUZZ_CHECK(tag_url_encode(out, url, sizeof(url)) == 0);
	FUZZ_CHECK(memcmp(url, "%23", 3) == 0 && strcmp(url + 3, out + 1) == 0);
	/* One byte short of the encoding must fail, not truncate. */
	FUZZ_CHECK(tag_url_encode(out, url, 3 + n - 1) == -1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const whats[] = { "clan", "player", NULL };
	char out[TAG_MAX], url[TAG_URL_MAX + 8], err[256], tiny[8];
	char *s;
	size_t i, outlen;
	int rv;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	for (i = 0; i < sizeof(whats) / sizeof(whats[0]); i++) {
		memset(out, 0x55, sizeof(out));
		err[0] = '\0';
		if (tag_normalize(s, whats[i], out, err, sizeof(err)) == 0)
			check_tag(out);
		else
			check_err(err, sizeof(err));
	}
	/* A short error buffer is cut, never overrun. */
	if (tag_normalize(s, "clan", out, tiny, sizeof(tiny)) == -1)
		check_err(tiny, sizeof(tiny));

	/* Encoding accepts exactly the normalised tags. */
	outlen = size > 0 ? data[0] % sizeof(url) : sizeof(url);
	rv = tag_url_encode(s, url, outlen);
	if (rv == 0) {
		FUZZ_CHECK(tag_normalize(s, NULL, out, err, sizeof(err)) == 0);
		FUZZ_CHECK(strcmp(out, s) == 0);
		FUZZ_CHECK(strlen(url) < outlen);
		FUZZ_CHECK(memcmp(url, "%23", 3) == 0 &&
		    strcmp(url + 3, s + 1) == 0);
	} else if (tag_url_encode(s, url, sizeof(url)) == 0)
		FUZZ_CHECK(outlen < 3 + strlen(s + 1) + 1);
	free(s);
	return 0;
}
