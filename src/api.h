/* api.h - Clash Royale JSON bodies -> plain structs (pure, no I/O). */
#ifndef CLANPOPD_API_H
#define CLANPOPD_API_H

#include <stddef.h>
#include <stdint.h>

#include "tag.h"

/*
 * Limits on what the API may send.  json-c spends up to ~800 bytes on a
 * value (an empty object has its own hash table), so API_JSON_VALUES_MAX
 * bounds one parse to about 13 MB; a 50-member clan body holds about 800
 * values and a 60 KB player body about 3,000.
 */
#define API_JSON_VALUES_MAX	16384	/* values json-c builds from a body */
#define API_MEMBERS_MAX		100	/* memberList entries; a clan has 50 */
#define API_CARD_NAME_MAX	100	/* bytes of a card's name */
#define API_CARD_ID_MAX		INT32_MAX	/* card ids are 1..2^31-1 */
#define API_DECK_MAX		8	/* distinct cards in a deck */

struct api_clan {
	char	 *name;		/* valid UTF-8, NULL when absent */
	char	(*tags)[TAG_MAX];	/* distinct usable member tags, normalised,
				   in memberList order; NULL when ntags is 0 */
	size_t	  ntags;
	size_t	  nlisted;	/* entries in memberList */
	size_t	  ninvalid;	/* entries without a usable tag */
	size_t	  first_invalid;	/* index of the first, when ninvalid */
	size_t	  nduplicate;	/* entries repeating an earlier tag */
	int64_t	 *seen;		/* per tag: its lastSeen in Unix seconds, or
				   API_SEEN_NONE; NULL when ntags is 0 */
};

/* A member's lastSeen that is absent or not in the API's form. */
#define API_SEEN_NONE	INT64_MIN

struct api_player {
	int	 has_favourite;	/* 1 when currentFavouriteCard.id is usable */
	int64_t	 card_id;	/* > 0; 0 without a favourite */
	char	*card_name;	/* valid UTF-8, NULL when absent or ill-typed
				   and always without a favourite */
	size_t	 ndeck;		/* distinct cards of currentDeck; 0: no deck */
	int64_t	 deck_ids[API_DECK_MAX];	/* in the deck's order */
	char	 deck_names[API_DECK_MAX][API_CARD_NAME_MAX + 1];
					/* as card_name; "" when absent */
	char	 deck_refused[200];	/* why a deck was not counted, or "" */
};

/*
 * Parse the API's time stamp, ISO 8601 basic in UTC with milliseconds
 * ("20210617T113925.000Z"), the len bytes at s, into Unix seconds (the
 * milliseconds dropped).  Only that form is taken: another length, an
 * offset instead of 'Z', a field out of range (February 30, hour 24, a
 * year before 1970) give -1.
 */
int	api_parse_time(const char *s, size_t len, int64_t *secs);

/*
 * Parse a clan body.  Returns 0 and fills out (free with api_clan_free),
 * or -1 with a sentence in err when the body is not a JSON object, has
 * no memberList array, lists more than 100 members (counted before
 * anything is built), holds more than API_JSON_VALUES_MAX JSON values (or
 * on out of memory); out is then left empty and needs no freeing.  Ill-typed fields never fail the parse: a member
 * whose tag is missing or not a tag counts in ninvalid; a lastSeen
 * that is missing or not a time stamp api_parse_time takes is
 * API_SEEN_NONE (of a repeated tag, the first entry's counts).  Only white space
 * may follow the JSON value; the body need not be NUL-terminated.
 */
int	api_parse_clan(const char *body, size_t len, struct api_clan *out,
	    char *err, size_t errlen);
void	api_clan_free(struct api_clan *);

/* api_parse_player: the favourite card breaks clanpopd's limits. */
#define API_CARD_REFUSED	(-2)

/*
 * Parse a player body.  Returns 0 and fills out (free with
 * api_player_free), or -1 with a sentence in err when the body is not a
 * JSON object, holds more than API_JSON_VALUES_MAX values (or on out of
 * memory; out is then left empty).  A currentFavouriteCard that is
 * absent, null or not an object, or whose id is absent or null, gives
 * has_favourite 0.  One rule for every other id: an id that is not a JSON
 * integer from 1 to API_CARD_ID_MAX (0, negative, larger, with a fraction
 * or an exponent such as 1.5 or 1e999, a string, true, an array or an
 * object) gives API_CARD_REFUSED with "its favourite card's id is ... (a
 * card id is a whole number from 1 to 2147483647)" in err; so does a name
 * that is a string of 0 or more than 100 bytes (after UTF-8 sanitising).
 * out is then left empty: such a player cannot be counted (the caller
 * counts it as failed).
 *
 * The deck is currentDeck's cards (not currentDeckSupportCards, the
 * tower card): one entry per distinct id, in the deck's order, the name
 * of its first entry.  A currentDeck that is absent, null or not an
 * array, or holds no entry with an id, is no deck (ndeck 0); so are an
 * entry that is not an object or whose id is absent or null (skipped).
 * A deck is refused, never the player: an id or a name that breaks the
 * rules above for the favourite, or more than API_DECK_MAX distinct
 * cards, gives ndeck 0 and a sentence in deck_refused.
 *
 * Like the body's other objects and arrays (cards, badges), a currentDeck
 * array is read only as far as its entries' id and name need: elsewhere
 * in it only brackets that match and strings that close are checked, so
 * a body whose faults lie only there is read, as if they were not.
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
 * Return a copy of the len bytes at s as valid UTF-8 without NUL: every
 * invalid sequence and every NUL byte becomes U+FFFD, so a name keeps
 * its length and its NUL stays visible in every output.  Caller frees.
 * NULL on out of memory.
 */
char	*api_utf8_sanitize(const char *s, size_t len);

#endif
