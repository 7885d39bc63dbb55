/* apiplayer.c - a player body -> its favourite card and its deck (pure). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api.h"
#include "apiint.h"
#include "jsonscan.h"

#define API_WHAT_MAX	48	/* bytes of "the name of its deck's card N" */

/*
 * A card's id, a JSON value that is there and not null: 0 with *out set
 * when it is a JSON integer from 1 to API_CARD_ID_MAX, else
 * API_CARD_REFUSED with "<what> is ..." in err.  Every other form (0,
 * negative, too large, a fraction or an exponent, not a number) is one
 * case, so that no odd id is counted apart from the others.
 */
static int
card_id_of(struct json_object *id, const char *what, uint64_t *out,
    char *err, size_t errlen)
{
	const char	*is;

	switch (json_object_get_type(id)) {
	case json_type_int:
		/*
		 * json-c keeps integers above INT64_MAX as uint64 (clamped
		 * on overflow) and clamps get_int64 to INT64_MAX, so read
		 * the unsigned value to tell a large id from a negative one.
		 */
		if (json_object_get_int64(id) <= 0)
			is = "0 or negative";
		else if ((*out = json_object_get_uint64(id)) > API_CARD_ID_MAX)
			is = "larger than 2147483647";
		else
			return 0;
		break;
	case json_type_double:
		is = "a number with a fraction or an exponent";
		break;
	case json_type_string:
		is = "a string";
		break;
	case json_type_boolean:
		is = "true or false";
		break;
	case json_type_array:
		is = "an array";
		break;
	default:
		is = "an object";
		break;
	}
	snprintf(err, errlen, "%s is %s (a card id is a whole number from 1 "
	    "to %d)", what, is, API_CARD_ID_MAX);
	return API_CARD_REFUSED;
}

/* A sanitised card name of n bytes is within the rules: 1 to 100. */
static int
name_fits(size_t n)
{
	return n > 0 && n <= API_CARD_NAME_MAX;
}

/*
 * A card's name as sanitised (NULL: none); 0, or API_CARD_REFUSED with
 * "<what> is ..." in err (name freed) when it is empty or too long.
 */
static int
card_name_check(char **name, const char *what, char *err, size_t errlen)
{
	size_t namelen;

	if (*name == NULL || name_fits(namelen = strlen(*name)))
		return 0;
	if (namelen == 0)
		snprintf(err, errlen, "%s is empty", what);
	else
		snprintf(err, errlen, "%s is %zu bytes long (at most %d are "
		    "accepted)", what, namelen, API_CARD_NAME_MAX);
	free(*name);
	*name = NULL;
	return API_CARD_REFUSED;
}

/*
 * Fill out from a currentFavouriteCard value.  Returns 0 (a usable card,
 * or none), API_CARD_REFUSED with a sentence in err when the card breaks
 * the limits, or -1 on out of memory.
 */
static int
favourite_of(struct json_object *fav, struct api_player *out, char *err,
    size_t errlen)
{
	struct json_object	*id, *name;
	uint64_t		 u;

	/* The API leaves out what it has not: no id is no favourite. */
	if (!json_object_is_type(fav, json_type_object) ||
	    !json_object_object_get_ex(fav, "id", &id) || id == NULL)
		return 0;
	if (card_id_of(id, "its favourite card's id", &u, err, errlen) != 0)
		return API_CARD_REFUSED;
	if ((name = api_json_string(fav, "name")) != NULL &&
	    (out->card_name = api_json_sanitize(name)) == NULL)
		return -1;
	if (card_name_check(&out->card_name, "its favourite card's name", err,
	    errlen) != 0)
		return API_CARD_REFUSED;
	out->has_favourite = 1;
	out->card_id = (int64_t)u;
	return 0;
}

/* Forget out's deck, with reason (a sentence) when it was refused. */
static void
deck_drop(struct api_player *out, const char *reason)
{
	memset(out->deck_ids, 0, sizeof(out->deck_ids));
	memset(out->deck_names, 0, sizeof(out->deck_names));
	out->ndeck = 0;
	snprintf(out->deck_refused, sizeof(out->deck_refused), "%s", reason);
}

#if API_DECK_MAX != 8
#error "deck_put compares 8 slots"
#endif

/*
 * Add the deck's card id (usable) named by the namelen bytes at name
 * (checked; NULL: none) to out, unless the id is in it already.
 */
static void
deck_put(struct api_player *out, uint64_t id, const char *name,
    size_t namelen)
{
	const int64_t	*d = out->deck_ids;
	int64_t		 v = (int64_t)id;

	/* All the slots (the unused are 0, no id), written out: no loop. */
	if ((d[0] == v) | (d[1] == v) | (d[2] == v) | (d[3] == v) |
	    (d[4] == v) | (d[5] == v) | (d[6] == v) | (d[7] == v))
		return;
	if (out->ndeck == API_DECK_MAX) {
		deck_drop(out, "its deck holds more than 8 distinct cards");
		return;
	}
	out->deck_ids[out->ndeck] = (int64_t)id;
	if (name != NULL) {
		memcpy(out->deck_names[out->ndeck], name, namelen);
		out->deck_names[out->ndeck][namelen] = '\0';
	}
	out->ndeck++;
}

/*
 * The index-th entry of currentDeck from its id (NULL: none, or JSON
 * null) and its name (NULL unless a JSON string), json-c values.  A
 * refused deck takes no more entries.  Returns 0, or -1 on out of memory.
 */
static int
deck_entry(struct api_player *out, size_t index, struct json_object *id,
    struct json_object *jname)
{
	char		 what[API_WHAT_MAX], err[sizeof(out->deck_refused)];
	char		*name = NULL;
	uint64_t	 u;

	if (out->deck_refused[0] != '\0' || id == NULL)
		return 0;
	snprintf(what, sizeof(what), "the id of its deck's card %zu",
	    index + 1);
	if (card_id_of(id, what, &u, err, sizeof(err)) != 0) {
		deck_drop(out, err);
		return 0;
	}
	if (jname != NULL && (name = api_json_sanitize(jname)) == NULL)
		return -1;
	snprintf(what, sizeof(what), "the name of its deck's card %zu",
	    index + 1);
	if (card_name_check(&name, what, err, sizeof(err)) != 0) {
		deck_drop(out, err);
		return 0;
	}
	deck_put(out, u, name, name != NULL ? strlen(name) : 0);
	free(name);
	return 0;
}

/* The currentDeck value of a full parse into out. */
static int
deck_of(struct json_object *deck, struct api_player *out)
{
	struct json_object	*item, *id;
	size_t			 i, n;

	if (!json_object_is_type(deck, json_type_array))
		return 0;
	n = json_object_array_length(deck);
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(deck, i);
		if (!json_object_is_type(item, json_type_object) ||
		    !json_object_object_get_ex(item, "id", &id))
			continue;
		if (deck_entry(out, i, id, api_json_string(item, "name")) == -1)
			return -1;
	}
	return 0;
}

/*
 * The 8 digits at s as a number (the first the most significant), or
 * UINT64_MAX when they are not all digits.  Read as one little-endian
 * word: a byte is a digit when its high nibble is 3, also after adding 6.
 */
static uint64_t
eight_digits(const char *s)
{
	uint64_t x;

	memcpy(&x, s, 8);
	if (((x & 0xf0f0f0f0f0f0f0f0ULL) | (((x + 0x0606060606060606ULL) &
	    0xf0f0f0f0f0f0f0f0ULL) >> 4)) != 0x3333333333333333ULL)
		return UINT64_MAX;
	x = (x & 0x0f0f0f0f0f0f0f0fULL) * 2561 >> 8;
	x = (x & 0x00ff00ff00ff00ffULL) * 6553601 >> 16;
	return (x & 0x0000ffff0000ffffULL) * 42949672960001ULL >> 32;
}

/* A JSON integer from 1 to API_CARD_ID_MAX spelt plainly, or 0. */
static uint64_t
plain_id(const char *s, size_t len)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0 || len > 10 || s[0] == '0')
		return 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Card ids are 8 digits (26000000): one word, no loop. */
	if (len == 8)
		return (v = eight_digits(s)) == UINT64_MAX ? 0 : v;
#endif
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v <= API_CARD_ID_MAX ? v : 0;
}

/* A name span that is a JSON string without escapes, as plain bytes. */
static int
plain_name(const char *s, size_t len)
{
	return len >= 2 && s[0] == '"' && memchr(s, '\\', len) == NULL;
}

#define BYTES_1		0x0101010101010101ULL	/* 1 in each byte */
#define BYTES_80	0x8080808080808080ULL	/* 0x80 in each byte */

/* The 8 bytes x hold a NUL, a '\\' or a byte of 0x80 or more. */
static int
ascii_odd(uint64_t x)
{
	uint64_t bs = x ^ (BYTES_1 * '\\');

	return ((x | ((x - BYTES_1) & ~x) | ((bs - BYTES_1) & ~bs)) &
	    BYTES_80) != 0;
}

/*
 * A name span that is a JSON string of 1 to API_CARD_NAME_MAX ASCII
 * bytes, no escape and no NUL among them: its text is its sanitised
 * text as it stands.  Read 8 bytes at a time, the last 8 again.
 */
static int
ascii_name(const char *s, size_t len)
{
	uint64_t	x;
	size_t		i, n = len - 2;

	if (len < 3 || !name_fits(n) || s[0] != '"')
		return 0;
	if (n < 8) {
		for (i = 1; i <= n; i++)
			if ((unsigned char)s[i] - 1u >= 0x7fu || s[i] == '\\')
				return 0;
		return 1;
	}
	for (i = 1; i + 8 <= n + 1; i += 8) {
		memcpy(&x, s + i, 8);
		if (ascii_odd(x))
			return 0;
	}
	memcpy(&x, s + n - 7, 8);
	return !ascii_odd(x);
}

/*
 * The scanner's view of one currentDeck entry: its id and name spans
 * (strict JSON).  The plain cases are read here; any other id or name
 * goes through json-c, so that one rule decides every form.
 */
static int
deck_item_cb(void *arg, size_t index, const char *const *spans,
    const size_t *lens)
{
	struct api_player	*out = arg;
	struct json_object	*id = NULL, *name = NULL;
	uint64_t		 u;
	char			 s[API_CARD_NAME_MAX + 1], err[8];
	size_t			 n;
	int			 rc;

	if (out->deck_refused[0] != '\0' || spans[0] == NULL)
		return 0;
	if ((u = plain_id(spans[0], lens[0])) != 0 && spans[1] == NULL) {
		deck_put(out, u, NULL, 0);
		return 0;
	}
	if (u != 0 && ascii_name(spans[1], lens[1])) {
		deck_put(out, u, spans[1] + 1, lens[1] - 2);
		return 0;
	}
	if (u != 0 && plain_name(spans[1], lens[1]) && name_fits(n =
	    api_utf8_fit(spans[1] + 1, lens[1] - 2, s, sizeof(s)))) {
		deck_put(out, u, s, n);
		return 0;
	}
	/* The odd cases: the values as json-c reads them (null: NULL). */
	if (api_json_parse(spans[0], lens[0], "player", &id, err,
	    sizeof(err)) == -1 || (spans[1] != NULL && api_json_parse(spans[1],
	    lens[1], "player", &name, err, sizeof(err)) == -1)) {
		json_object_put(id);
		return -1;
	}
	rc = deck_entry(out, index, id, json_object_is_type(name,
	    json_type_string) ? name : NULL);
	json_object_put(id);
	json_object_put(name);
	return rc;
}

/* The fields the scanner gives deck_item_cb. */
static const char *const deck_fields[] = { "id", "name" };

int
api_parse_player(const char *body, size_t len, struct api_player *out,
    char *err, size_t errlen)
{
	struct jsonscan_key	 keys[2];
	struct jsonscan_walk	 walk = { deck_fields, 2, deck_item_cb, out };
	struct json_object	*root, *fav, *deck;
	int			 rc;

	memset(out, 0, sizeof(*out));
	memset(keys, 0, sizeof(keys));
	keys[0].key = "currentFavouriteCard";
	keys[1].key = "currentDeck";
	keys[1].walk = &walk;
	if ((rc = jsonscan_members(body, len, keys, 2)) == -1)
		goto done;
	if (rc == 1) {
		rc = 0;
		if (keys[0].span == NULL)
			return 0;
		if (api_json_parse(keys[0].span, keys[0].spanlen, "player",
		    &fav, err, errlen) == -1) {
			api_player_free(out);
			return -1;
		}
		rc = favourite_of(fav, out, err, errlen);
		json_object_put(fav);
		goto done;
	}
	/* Not sure: what the walk read of the deck is forgotten. */
	api_player_free(out);
	if (api_json_parse(body, len, "player", &root, err, errlen) == -1)
		return -1;
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		snprintf(err, errlen,
		    "the player response is not a JSON object");
		return -1;
	}
	rc = 0;
	if (json_object_object_get_ex(root, "currentDeck", &deck))
		rc = deck_of(deck, out);
	if (rc == 0 && json_object_object_get_ex(root, "currentFavouriteCard",
	    &fav))
		rc = favourite_of(fav, out, err, errlen);
	json_object_put(root);
done:
	if (rc != 0)
		api_player_free(out);
	if (rc == -1)
		snprintf(err, errlen,
		    "out of memory parsing the player response");
	return rc;
}

void
api_player_free(struct api_player *player)
{
	free(player->card_name);
	memset(player, 0, sizeof(*player));
}
