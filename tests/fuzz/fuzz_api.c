/*
 * fuzz_api.c - libFuzzer harness for api.c: every input is given, as an
 * exact-size buffer, to api_parse_clan, api_parse_player,
 * api_error_reason and api_utf8_sanitize, and each result is checked
 * against its contract in api.h.  The player is also checked against a
 * plain json-c parse of the whole body, the oracle for api.c's shortcuts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api.h"
#include "tag.h"
#include "fuzz.h"

#define REASON_MAX	512	/* bytes: the long reason buffer */
#define JSON_DEPTH	64	/* as API_JSON_DEPTH in api.c */

/* A NUL-terminated string that is valid UTF-8 (so without inner NULs). */
static void
check_text(const char *s)
{
	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(fuzz_utf8_valid(s, strlen(s)));
}

static void
check_err(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);

	FUZZ_CHECK(n > 0 && n < errlen);
}

static void
check_clan(const uint8_t *data, size_t size)
{
	struct api_clan clan;
	char err[256], again[TAG_MAX], terr[128];
	size_t i, j;

	err[0] = '\0';
	memset(&clan, 0xa5, sizeof(clan));
	if (api_parse_clan((const char *)data, size, &clan, err,
	    sizeof(err)) == -1) {
		check_err(err, sizeof(err));
		FUZZ_CHECK(clan.name == NULL && clan.tags == NULL);
		FUZZ_CHECK(clan.ntags == 0 && clan.nlisted == 0 &&
		    clan.ninvalid == 0 && clan.nduplicate == 0);
		return;
	}
	FUZZ_CHECK(clan.ntags + clan.ninvalid + clan.nduplicate ==
	    clan.nlisted);
	FUZZ_CHECK(clan.nlisted <= API_MEMBERS_MAX);
	FUZZ_CHECK(clan.ninvalid == 0 || clan.first_invalid < clan.nlisted);
	FUZZ_CHECK((clan.tags == NULL) == (clan.ntags == 0));
	if (clan.name != NULL)
		check_text(clan.name);
	for (i = 0; i < clan.ntags; i++) {
		FUZZ_CHECK(strnlen(clan.tags[i], TAG_MAX) < TAG_MAX);
		FUZZ_CHECK(tag_normalize(clan.tags[i], "player", again, terr,
		    sizeof(terr)) == 0);
		FUZZ_CHECK(strcmp(again, clan.tags[i]) == 0);
	}
	/* Distinct: the quadratic check is cheap for fuzz-sized bodies. */
	for (i = 0; i < clan.ntags && clan.ntags <= 4096; i++)
		for (j = i + 1; j < clan.ntags; j++)
			FUZZ_CHECK(strcmp(clan.tags[i], clan.tags[j]) != 0);
	api_clan_free(&clan);
	FUZZ_CHECK(clan.name == NULL && clan.tags == NULL && clan.ntags == 0);
}

/* A byte of JSON white space. */
static int
ref_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Parse the whole body with json-c as api.h describes it: one JSON value,
 * then only white space.  Returns the value (NULL for JSON null) or sets
 * *bad.
 */
static struct json_object *
ref_parse(const uint8_t *data, size_t size, int *bad)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end, i;

	*bad = 1;
	if (size == 0 || (tok = json_tokener_new_ex(JSON_DEPTH)) == NULL)
		return NULL;
	obj = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = size;
		/* An open object or array ended in a comment: not JSON. */
		for (i = 0; i < size && ref_ws(data[i]); i++)
			continue;
		if (obj != NULL && i < size && (data[i] == '{' ||
		    data[i] == '[')) {
			json_object_put(obj);
			obj = NULL;
			jerr = json_tokener_error_parse_eof;
		}
	}
	json_tokener_free(tok);
	if (obj == NULL && jerr != json_tokener_success)
		return NULL;
	for (; end < size; end++)
		if (data[end] != ' ' && data[end] != '\t' &&
		    data[end] != '\n' && data[end] != '\r') {
			json_object_put(obj);
			return NULL;
		}
	*bad = 0;
	return obj;
}

/* The bound api.c puts on a body before json-c builds it. */
static size_t
ref_values(const uint8_t *data, size_t size)
{
	size_t n = 1, i;

	for (i = 0; i < size; i++)
		if (data[i] == ',' || data[i] == '[' || data[i] == '{')
			n++;
	return n;
}

/*
 * A card's id and name as api.h's one rule takes them: 1 for a usable
 * card (*id, *name set; *name NULL when none or ill-typed, else
 * sanitised, free it), 0 when it is refused.
 */
static int
ref_card(struct json_object *jid, struct json_object *jname, int64_t *id,
    char **name)
{
	*id = json_object_get_int64(jid);
	*name = NULL;
	if (!json_object_is_type(jid, json_type_int) ||
	    json_object_get_int64(jid) <= 0 ||
	    json_object_get_uint64(jid) > API_CARD_ID_MAX)
		return 0;
	if (jname != NULL && json_object_is_type(jname, json_type_string)) {
		*name = api_utf8_sanitize(json_object_get_string(jname),
		    (size_t)json_object_get_string_len(jname));
		FUZZ_CHECK(*name != NULL);
		if (strlen(*name) == 0 || strlen(*name) > API_CARD_NAME_MAX) {
			free(*name);
			*name = NULL;
			return 0;
		}
	}
	return 1;
}

/* The oracle's deck from a currentDeck value, as api.h describes it. */
static void
ref_deck(struct json_object *deck, struct api_player *ref)
{
	struct json_object *item, *jid, *jname;
	size_t i, j, n;
	int64_t id;
	char *name;

	if (!json_object_is_type(deck, json_type_array))
		return;
	n = json_object_array_length(deck);
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(deck, i);
		if (!json_object_is_type(item, json_type_object) ||
		    !json_object_object_get_ex(item, "id", &jid) ||
		    jid == NULL)
			continue;
		if (!json_object_object_get_ex(item, "name", &jname))
			jname = NULL;
		if (!ref_card(jid, jname, &id, &name)) {
			ref->ndeck = 0;
			strcpy(ref->deck_refused, "refused");
			return;
		}
		for (j = 0; j < ref->ndeck && ref->deck_ids[j] != id; j++)
			;
		if (j == ref->ndeck && ref->ndeck == API_DECK_MAX) {
			free(name);
			ref->ndeck = 0;
			strcpy(ref->deck_refused, "refused");
			return;
		}
		if (j == ref->ndeck) {
			ref->deck_ids[j] = id;
			memset(ref->deck_names[j], 0, sizeof(ref->deck_names[j]));
			if (name != NULL)
				strcpy(ref->deck_names[j], name);
			ref->ndeck++;
		}
		free(name);
	}
}

/*
 * The oracle: what api_parse_player must give, from the full parse.
 * Returns -1 when the body is not a JSON object, API_CARD_REFUSED when
 * the favourite breaks the limits.
 */
static int
ref_player(const uint8_t *data, size_t size, struct api_player *ref)
{
	struct json_object *root, *fav, *id, *name;
	int bad, rv = 0;

	memset(ref, 0, sizeof(*ref));
	root = ref_parse(data, size, &bad);
	if (bad || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -1;
	}
	if (json_object_object_get_ex(root, "currentDeck", &fav))
		ref_deck(fav, ref);
	if (json_object_object_get_ex(root, "currentFavouriteCard", &fav) &&
	    json_object_is_type(fav, json_type_object) &&
	    json_object_object_get_ex(fav, "id", &id) && id != NULL) {
		/* One rule for every id but a JSON integer in 1..2^31-1. */
		ref->has_favourite = 1;
		ref->card_id = json_object_get_int64(id);
		if (!json_object_is_type(id, json_type_int) ||
		    json_object_get_int64(id) <= 0 ||
		    json_object_get_uint64(id) > API_CARD_ID_MAX)
			rv = API_CARD_REFUSED;
		if (json_object_object_get_ex(fav, "name", &name) &&
		    json_object_is_type(name, json_type_string))
			ref->card_name = api_utf8_sanitize(
			    json_object_get_string(name),
			    (size_t)json_object_get_string_len(name));
		if (rv == 0 && ref->card_name != NULL &&
		    (strlen(ref->card_name) == 0 ||
		    strlen(ref->card_name) > API_CARD_NAME_MAX))
			rv = API_CARD_REFUSED;
	}
	json_object_put(root);
	if (rv != 0)
		api_player_free(ref);
	return rv;
}

/* The string at data + key (with its quotes) is lit, a literal. */
#define REF_IS(lit, key, i) \
    ((i) - (key) == sizeof(lit) - 1 && memcmp(data + (key), lit, \
    sizeof(lit) - 1) == 0)

/*
 * Where the value of a deck item's id or name at data + v ends: a string
 * at its closing quote, an object or array at its closing bracket, else
 * at white space, ',', ']' or '}' (the scanner checked it strictly).
 */
static size_t
ref_value_end(const uint8_t *data, size_t size, size_t v)
{
	int level = 0, instr = 0;

	if (v < size && data[v] != '"' && data[v] != '[' && data[v] != '{') {
		while (v < size && !ref_ws(data[v]) && data[v] != ',' &&
		    data[v] != ']' && data[v] != '}')
			v++;
		return v;
	}
	for (; v < size; v++) {
		if (instr) {
			if (data[v] == '\\')
				v++;
			else if (data[v] == '"')
				instr = 0;
		} else if (data[v] == '"')
			instr = 1;
		else if (data[v] == '[' || data[v] == '{')
			level++;
		else if (data[v] == ']' || data[v] == '}')
			level--;
		if (level == 0 && !instr)
			return v + 1;
	}
	return v;
}

/*
 * The oracle's view of a currentDeck array at data + *ip ('['), which
 * the scanner walks as a thrown-away value but for the id and name of
 * its object items: written to out + *op as an array of those items,
 * each with only its id and name members, in order.  A member's key is
 * the string just before a ':' (past white space) outside strings at an
 * item's own level.  Returns -1 when the brackets do not match or a
 * string does not close, else 0 with *ip after the array.
 */
static int
ref_deck_strip(const uint8_t *data, size_t size, size_t *ip, char *out,
    size_t *op)
{
	char stack[JSON_DEPTH * 2];
	size_t i, o = *op, qs = 0, qe = 0, e, v, end;
	int level = 0, instr = 0, items = 0, fields = 0;

	for (i = *ip; i < size; i++) {
		uint8_t c = data[i];

		if (instr) {
			if (c == '\\')
				i++;
			else if (c == '"') {
				instr = 0;
				qe = i;
			}
		} else if (c == '"') {
			instr = 1;
			qs = i;
		} else if (c == '[' || c == '{') {
			if (level == (int)sizeof(stack))
				return -1;
			stack[level++] = (char)c;
			if (level == 1)
				out[o++] = '[';
			if (level == 2 && c == '{') {
				if (items++ > 0)
					out[o++] = ',';
				out[o++] = '{';
				fields = 0;
			}
		} else if (c == ']' || c == '}') {
			if (level == 0 || stack[--level] != (c == ']' ? '[' : '{'))
				return -1;
			if (level == 1 && c == '}')
				out[o++] = '}';
			if (level == 0) {
				out[o++] = ']';
				*ip = i + 1;
				*op = o;
				return 0;
			}
		} else if (c == ':' && level == 2 && stack[1] == '{') {
			for (e = i; e > *ip && ref_ws(data[e - 1]); e--)
				continue;
			if (e - 1 != qe || data[qe] != '"' ||
			    !(REF_IS("\"id\"", qs, qe + 1) ||
			    REF_IS("\"name\"", qs, qe + 1)))
				continue;
			for (v = i + 1; v < size && ref_ws(data[v]); v++)
				continue;
			end = ref_value_end(data, size, v);
			if (fields++ > 0)
				out[o++] = ',';
			memcpy(out + o, data + qs, qe + 1 - qs);
			o += qe + 1 - qs;
			out[o++] = ':';
			memcpy(out + o, data + v, end - v);
			o += end - v;
			i = end - 1;
		}
	}
	return -1;
}

/*
 * The oracle's view of what api.c's scanner may throw away: a copy of
 * the body with the object or array value of each top-level member but
 * currentFavouriteCard and currentDeck replaced by 0 when its brackets
 * match and its strings close (all the scanner checks of such a value),
 * and a currentDeck array as ref_deck_strip reads it.  Walked here byte
 * by byte, apart from the scanner.  NULL when the body is not an object
 * so walkable; free the copy, *outlen bytes.
 */
static char *
ref_strip(const uint8_t *data, size_t size, size_t *outlen)
{
	char *out, stack[JSON_DEPTH * 2];
	size_t i = 0, o = 0, key = 0, e;
	int level = 0, instr = 0, sought = 0, deck = 0, closed;

	/* ref_deck_strip writes ",{" for a bare '{': 2 bytes for 1. */
	if ((out = malloc(2 * size + 3)) == NULL)
		return NULL;
	while (i < size) {
		uint8_t c = data[i];

		if (instr) {
			out[o++] = (char)c;
			if (c == '\\' && i + 1 < size)
				out[o++] = (char)data[++i];
			else if (c == '"')
				instr = 0;
			i++;
			continue;
		}
		if (c == '"' && level == 1)
			key = i;
		if (c == ':' && level == 1) {
			/* The key ends at its closing quote, not the ':'. */
			for (e = i; e > key && ref_ws(data[e - 1]); e--)
				continue;
			deck = REF_IS("\"currentDeck\"", key, e);
			sought = deck ||
			    REF_IS("\"currentFavouriteCard\"", key, e);
		}
		if (c == '[' && level == 1 && deck) {
			if (ref_deck_strip(data, size, &i, out, &o) == -1) {
				free(out);
				return NULL;
			}
			continue;
		}
		if ((c == '[' || c == '{') && level == 1 && !sought) {
			/* A thrown-away value: only its end is sought. */
			closed = 0;
			for (level = 0; i < size && !closed; i++) {
				if (instr) {
					if (data[i] == '\\')
						i++;
					else if (data[i] == '"')
						instr = 0;
				} else if (data[i] == '"')
					instr = 1;
				else if (data[i] == '[' || data[i] == '{') {
					if (level == (int)sizeof(stack))
						break;
					stack[level++] = (char)data[i];
				} else if (data[i] == ']' || data[i] == '}') {
					if (stack[--level] != (data[i] == ']' ?
					    '[' : '{'))
						break;
					closed = level == 0;
				}
			}
			if (!closed) {
				free(out);
				return NULL;
			}
			out[o++] = '0';
			level = 1;
			continue;
		}
		if (c == '"')
			instr = 1;
		else if (c == '[' || c == '{')
			level++;
		else if (c == ']' || c == '}')
			level--;
		out[o++] = (char)c;
		i++;
	}
	*outlen = o;
	return out;
}

static void
check_player(const uint8_t *data, size_t size)
{
	struct api_player player, ref;
	char err[256];
	size_t i;
	int rv, refrv;

	err[0] = '\0';
	memset(&player, 0xa5, sizeof(player));
	rv = api_parse_player((const char *)data, size, &player, err,
	    sizeof(err));
	refrv = ref_player(data, size, &ref);
	/*
	 * A body too big for json-c is refused whole where api.c's scanner
	 * could not take its shortcut; the oracle parses it regardless.
	 */
	if (rv == -1 && refrv != -1 && ref_values(data, size) >
	    API_JSON_VALUES_MAX) {
		api_player_free(&ref);
		return;
	}
	/*
	 * A body json-c refuses may still be read when its faults lie only
	 * in values the scanner throws away: then it must read as the body
	 * without them.
	 */
	if (refrv == -1 && rv != -1) {
		size_t striplen;
		char *strip = ref_strip(data, size, &striplen);

		FUZZ_CHECK(strip != NULL);
		refrv = ref_player((const uint8_t *)strip, striplen, &ref);
		free(strip);
	}
	FUZZ_CHECK(rv == refrv);
	if (rv == 0) {
		FUZZ_CHECK(player.has_favourite == ref.has_favourite);
		FUZZ_CHECK(player.card_id == ref.card_id);
		FUZZ_CHECK((player.card_name == NULL) ==
		    (ref.card_name == NULL));
		FUZZ_CHECK(player.card_name == NULL ||
		    strcmp(player.card_name, ref.card_name) == 0);
		FUZZ_CHECK(player.ndeck == ref.ndeck);
		FUZZ_CHECK((player.deck_refused[0] == '\0') ==
		    (ref.deck_refused[0] == '\0'));
		for (i = 0; i < player.ndeck; i++) {
			FUZZ_CHECK(player.deck_ids[i] == ref.deck_ids[i]);
			FUZZ_CHECK(strcmp(player.deck_names[i],
			    ref.deck_names[i]) == 0);
		}
	}
	api_player_free(&ref);
	if (rv == -1 || rv == API_CARD_REFUSED) {
		check_err(err, sizeof(err));
		FUZZ_CHECK(player.has_favourite == 0 && player.card_id == 0 &&
		    player.card_name == NULL);
		return;
	}
	FUZZ_CHECK(player.ndeck <= API_DECK_MAX);
	for (i = 0; i < player.ndeck; i++) {
		FUZZ_CHECK(player.deck_ids[i] > 0 &&
		    player.deck_ids[i] <= API_CARD_ID_MAX);
		if (player.deck_names[i][0] != '\0')
			check_text(player.deck_names[i]);
	}
	FUZZ_CHECK(player.ndeck == 0 || player.deck_refused[0] == '\0');
	if (player.has_favourite) {
		FUZZ_CHECK(player.has_favourite == 1);
		FUZZ_CHECK(player.card_id > 0);
		if (player.card_name != NULL)
			check_text(player.card_name);
	} else {
		FUZZ_CHECK(player.card_id == 0);
		FUZZ_CHECK(player.card_name == NULL);
	}
	api_player_free(&player);
}

/* A reason is printable UTF-8: no C0, DEL or C1 controls. */
static void
check_reason(const char *r, size_t reasonlen)
{
	const unsigned char *u = (const unsigned char *)r;
	size_t i, n = strnlen(r, reasonlen);

	FUZZ_CHECK(n < reasonlen);
	FUZZ_CHECK(fuzz_utf8_valid(r, n));
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(u[i] >= 0x20 && u[i] != 0x7f);
		FUZZ_CHECK(!(u[i] == 0xc2 && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0x9f));
	}
}

static void
check_error_reason(const uint8_t *data, size_t size)
{
	char full[REASON_MAX], *cut;
	size_t cutlen;
	int rv;

	/* A short buffer, its length taken from the input. */
	cutlen = size > 0 ? (size_t)data[size - 1] % 24 : 0;
	if ((cut = malloc(cutlen > 0 ? cutlen : 1)) == NULL)
		return;
	rv = api_error_reason((const char *)data, size, full, sizeof(full));
	if (rv == 0) {
		check_reason(full, sizeof(full));
		FUZZ_CHECK(full[0] != '\0');
	}
	if (api_error_reason((const char *)data, size, cut, cutlen) == 0) {
		FUZZ_CHECK(rv == 0 && cutlen > 0);
		check_reason(cut, cutlen);
		/* Truncation keeps whole characters of the same reason. */
		FUZZ_CHECK(strncmp(cut, full, strlen(cut)) == 0);
		FUZZ_CHECK(strlen(cut) == strlen(full) ||
		    strlen(cut) + 4 > cutlen - 1);
	} else
		FUZZ_CHECK(rv == -1 || cutlen == 0);
	free(cut);
}

static void
check_sanitize(const uint8_t *data, size_t size)
{
	char *s, *again;
	size_t n;

	if ((s = api_utf8_sanitize((const char *)data, size)) == NULL)
		return;
	n = strlen(s);
	check_text(s);
	/* Each input byte gives at most 3 output bytes. */
	FUZZ_CHECK(n <= 3 * size);
	/* Valid input comes back unchanged but for each NUL: U+FFFD. */
	if (fuzz_utf8_valid((const char *)data, size)) {
		size_t i, o = 0;

		for (i = 0; i < size && o <= n; i++)
			if (data[i] == '\0') {
				FUZZ_CHECK(n - o >= 3 &&
				    memcmp(s + o, "\xef\xbf\xbd", 3) == 0);
				o += 3;
			} else
				FUZZ_CHECK(o < n && (uint8_t)s[o++] == data[i]);
		FUZZ_CHECK(o == n);
	}
	/* Sanitised text is a fixed point. */
	if ((again = api_utf8_sanitize(s, n)) != NULL) {
		FUZZ_CHECK(strcmp(again, s) == 0);
		free(again);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_clan(data, size);
	check_player(data, size);
	check_error_reason(data, size);
	check_sanitize(data, size);
	return 0;
}
