/* tag.h - Clash Royale tag normalisation and URL encoding (pure). */
#ifndef CLANPOPD_TAG_H
#define CLANPOPD_TAG_H

#include <stddef.h>

#define TAG_CHARS	"0289PYLQGRJCUV"
#define TAG_MIN		3	/* characters after '#' */
#define TAG_MAXCHARS	14	/* characters after '#' */
#define TAG_MAX		(1 + TAG_MAXCHARS + 1)	/* '#', characters, NUL */
#define TAG_URL_MAX	(3 + TAG_MAXCHARS + 1)	/* "%23", characters, NUL */

/*
 * Normalise a tag as typed by a person or sent by the API: trim white
 * space, upper-case, map 'O' to '0', drop one leading '#', then require
 * TAG_MIN..TAG_MAXCHARS characters of TAG_CHARS.  On success writes
 * "#TAG" to out and returns 0.  On failure returns -1 and writes a
 * sentence (no file position, no trailing newline) to err, for example
 * "\"#9V2Q!\" is not a clan tag (allowed characters: 0289PYLQGRJCUV)"
 * when what is "clan"; what names the kind of tag ("clan", "player").
 */
int	tag_normalize(const char *in, const char *what, char out[TAG_MAX],
	    char *err, size_t errlen);

/*
 * Write the URL path form of a normalised tag ("#9V2Y" -> "%239V2Y") to
 * out.  Returns 0, or -1 if out is too small or tag is not normalised.
 */
int	tag_url_encode(const char *tag, char *out, size_t outlen);

/* A hash of the string tag (FNV-1a), enough to spread tags in a table. */
size_t	tag_hash(const char *tag);

#endif
