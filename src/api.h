/* api.h - Clash Royale JSON bodies -> plain structs (pure, no I/O). */
#ifndef CLANPOPD_API_H
#define CLANPOPD_API_H

#include <stddef.h>
#include <stdint.h>

#include "tag.h"

struct api_clan {
	char	 *name;		/* valid UTF-8, NULL when absent */
	char	(*tags)[TAG_MAX];	/* distinct usable member tags, normalised,
				   in memberList order; NULL when ntags is 0 */
	size_t	  ntags;
	size_t	  nlisted;	/* entries in memberList */
	size_t	  ninvalid;	/* entries without a usable tag */
	size_t	  nduplicate;	/* entries repeating an earlier tag */
};

struct api_player {
	int	 has_favourite;	/* 1 when currentFavouriteCard.id is usable */
	int64_t	 card_id;	/* > 0; 0 without a favourite */
	char	*card_name;	/* valid UTF-8, NULL when absent or ill-typed
				   and always without a favourite */
};

/*
 * Parse a clan body.  Returns 0 and fills out (free with api_clan_free),
 * or -1 with a sentence in err when the body is not a JSON object or has
 * no memberList array (or on out of memory); out is then left empty and
 * needs no freeing.  Ill-typed fields never fail the parse: a member
 * whose tag is missing or not a tag counts in ninvalid.  Only white space
 * may follow the JSON value; the body need not be NUL-terminated.
 */
int	api_parse_clan(const char *body, size_t len, struct api_clan *out,
	    char *err, size_t errlen);
void	api_clan_free(struct api_clan *);

/*
 * Parse a player body.  Returns 0 and fills out (free with
 * api_player_free), or -1 with a sentence in err when the body is not a
 * JSON object (or on out of memory; out is then left empty).  An absent,
 * null or malformed currentFavouriteCard (or one whose id is not a JSON
 * integer in 1..INT64_MAX) gives has_favourite 0.
 */
int	api_parse_player(const char *body, size_t len, struct api_player *out,
	    char *err, size_t errlen);
void	api_player_free(struct api_player *);

/*
 * Copy the "reason" of an API error body into reason (sanitised to
 * printable UTF-8: control characters become '?'; truncated to fit, never
 * inside a character).  Returns 0, or -1 when the body is not JSON, has
 * no non-empty string reason, or reasonlen is 0.
 */
int	api_error_reason(const char *body, size_t len, char *reason,
	    size_t reasonlen);

/*
 * Return a copy of the len bytes at s as valid UTF-8: every invalid
 * sequence becomes U+FFFD, NUL bytes are dropped.  Caller frees.  NULL on
 * out of memory.
 */
char	*api_utf8_sanitize(const char *s, size_t len);

#endif
