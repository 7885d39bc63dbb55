/* t_redact.c - unit tests for redact.c: no trace of the token survives. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "tap.h"

#define TOKEN	"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.c2VjcmV0LXBheWxvYWQ.sig_-x"

static const char *
red(const char *s, const char *secret, size_t outlen)
{
	static char out[4096];

	if (redact(s, &secret, 1, out, outlen) == -1)
		return "(out of memory)";
	return out;
}

int
main(void)
{
	static const struct {
		const char	*in;
		const char	*out;
		const char	*what;
	} cases[] = {
		{ "Invalid authorization", "Invalid authorization",
		  "text without the token is kept" },
		{ "header was: Authorization: Bearer " TOKEN,
		  "header was: Authorization: Bearer [redacted]",
		  "the header echoed whole" },
		{ "key " TOKEN " refused", "key [redacted] refused",
		  "the token alone" },
		{ "key=" TOKEN ";", "key=[redacted];",
		  "the token inside a word" },
		{ "prefix eyJ0eXAiOiJKV1QiLCJh", "prefix [redacted]",
		  "a cut-off start of the token" },
		{ "tail LXBheWxvYWQ.sig_-x end", "tail [redacted] end",
		  "the end of the token" },
		{ "short eyJ0eXA ok", "short eyJ0eXA ok",
		  "7 bytes of the token are not a trace" },
		{ "twice " TOKEN TOKEN " done", "twice [redacted] done",
		  "adjacent copies give one mark" },
		{ "BEARER other-key-123 and bearer\tx", "BEARER [redacted] and "
		  "bearer\t[redacted]", "any Bearer word, any case" },
		{ "Bearer", "Bearer", "Bearer with no word" },
		{ "\"Bearer abc\"", "\"Bearer [redacted]\"",
		  "a quote ends the Bearer word" },
		{ "Zoë eyJ0eXAiOiJKV1Qi Zoë", "Zoë [redacted] Zoë",
		  "UTF-8 around a trace is kept" },
	};
	char	 big[300];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_str(red(cases[i].in, TOKEN, 4096), cases[i].out, "%s",
		    cases[i].what);

	/* A short secret is redacted whole, not its pieces. */
	tap_str(red("k=abc, ab, abcd", "abc", 4096), "k=[redacted], ab, "
	    "[redacted]d", "a 3-byte secret");
	tap_str(red("Bearer x " TOKEN, NULL, 4096), "Bearer [redacted] " TOKEN,
	    "without a secret only the Bearer rule applies");
	tap_str(red("Bearer x", "", 4096), "Bearer [redacted]",
	    "an empty secret is no secret");

	/* Cutting to fit: never inside a character or a mark. */
	tap_str(red("ab " TOKEN, TOKEN, 8), "ab ",
	    "a mark that does not fit is left out whole");
	tap_str(red("abcdé", TOKEN, 6), "abcd",
	    "a character that does not fit is left out whole");
	tap_str(red("abc", TOKEN, 1), "", "a buffer of one byte");

	/* Several keys: a trace of any of them goes, whichever it is. */
	{
		const char	*keys[3] = { "KEYone-0123456789", TOKEN,
				    "KEYthree-abcdefgh" };
		char		 out[256];

		tap_int(redact("1 KEYone-0123456789 2 " TOKEN " 3 cdefgh "
		    "three-abcdefgh end", keys, 3, out, sizeof(out)), 0,
		    "three keys: redacted");
		tap_str(out, "1 [redacted] 2 [redacted] 3 cdefgh [redacted] end",
		    "three keys: every key's trace, and 6 bytes are not one");
		tap_int(redact("Bearer x", keys, 0, out, sizeof(out)), 0,
		    "no keys: redacted");
		tap_str(out, "Bearer [redacted]", "no keys: the Bearer rule");
	}

	/* A trace that reaches the cut is still a trace. */
	memset(big, 'x', sizeof(big));
	memcpy(big + 250, TOKEN, 49);
	big[299] = '\0';
	tap_int(strstr(red(big, TOKEN, 64), "eyJ0") == NULL, 1,
	    "a cut after the token's start leaves no piece of it");
	return tap_done();
}
