/* api.c - Clash Royale JSON bodies -> plain structs (pure, no I/O). */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api.h"
#include "apiint.h"
#include "jsonscan.h"
#include "tag.h"

#define API_TIME_LEN	20	/* bytes of "20210617T113925.000Z" */

/*
 * An upper bound on the values json-c would build from len bytes: every
 * value but the first follows a ',' or opens a container, and every
 * container holds at most one value not preceded by a ','.  Counting the
 * bytes (in strings too) only raises the bound.
 */
static size_t
values_bound(const char *body, size_t len)
{
	size_t	n = 1, i;

	for (i = 0; i < len; i++)
		if (body[i] == ',' || body[i] == '[' || body[i] == '{')
			n++;
	return n;
}

/* 1 when c is JSON white space. */
static int
json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* 1 when body's first byte but white space opens an object or array. */
static int
json_open(const char *body, size_t len)
{
	size_t i;

	for (i = 0; i < len && json_ws(body[i]); i++)
		continue;
	return i < len && (body[i] == '{' || body[i] == '[');
}

/*
 * The end of a body json-c still wants more of: a bare number at the
 * very end may still continue, and a NUL byte tells json-c the input is
 * over, as json_tokener_parse does with its terminating NUL.  An object
 * or array ends at its bracket, where json-c has already returned it:
 * one that gets this far ends in a comment (json-c's own leniency), and
 * json-c would hand back the value the comment was in, not the whole.
 * Returns 0 with *objp and *jerr as json-c leaves them, or -1 with a
 * sentence in err.
 */
static int
json_at_end(struct json_tokener *tok, const char *body, size_t len,
    const char *what, struct json_object **objp,
    enum json_tokener_error *jerr, char *err, size_t errlen)
{
	*objp = json_tokener_parse_ex(tok, "", 1);
	*jerr = json_tokener_get_error(tok);
	if (*objp == NULL && *jerr == json_tokener_continue) {
		snprintf(err, errlen, "the %s response is not JSON: it ends "
		    "in the middle of a value (%zu bytes)", what, len);
		return -1;
	}
	if (*objp != NULL && json_open(body, len)) {
		json_object_put(*objp);
		*objp = NULL;
		snprintf(err, errlen, "the %s response is not JSON: a comment "
		    "runs to its end (%zu bytes)", what, len);
		return -1;
	}
	return 0;
}

int
api_json_parse(const char *body, size_t len, const char *what,
    struct json_object **objp, char *err, size_t errlen)
{
	struct json_tokener	*tok;
	struct json_object	*obj;
	enum json_tokener_error	 jerr;
	size_t			 end;

	if (len == 0) {
		snprintf(err, errlen, "the %s response is not JSON: it is empty",
		    what);
		return -1;
	}
	if (len > INT_MAX) {
		snprintf(err, errlen, "the %s response is not JSON: "
		    "it is too large (%zu bytes)", what, len);
		return -1;
	}
	if (values_bound(body, len) > API_JSON_VALUES_MAX) {
		snprintf(err, errlen, "the %s response holds more than %d "
		    "JSON values, far more than a real one; refusing it", what,
		    API_JSON_VALUES_MAX);
		return -1;
	}
	if ((tok = json_tokener_new_ex(JSONSCAN_DEPTH)) == NULL) {
		snprintf(err, errlen, "out of memory parsing the %s response",
		    what);
		return -1;
	}
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		if (json_at_end(tok, body, len, what, &obj, &jerr, err,
		    errlen) == -1) {
			json_tokener_free(tok);
			return -1;
		}
		end = len;
	}
	json_tokener_free(tok);
	if (obj == NULL && jerr != json_tokener_success) {
		snprintf(err, errlen, "the %s response is not JSON: %s "
		    "at byte %zu", what, json_tokener_error_desc(jerr), end);
		return -1;
	}
	for (; end < len; end++) {
		if (!json_ws(body[end])) {
			json_object_put(obj);
			snprintf(err, errlen, "the %s response is not JSON: "
			    "unexpected data after the value at byte %zu",
			    what, end);
			return -1;
		}
	}
	*objp = obj;
	return 0;
}

struct json_object *
api_json_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return v;
}

char *
api_json_sanitize(struct json_object *s)
{
	return api_utf8_sanitize(json_object_get_string(s),
	    (size_t)json_object_get_string_len(s));
}

/*
 * Add tag, last seen at seen, to clan->tags and clan->seen unless already
 * there, using the open-addressing
 * set slots (nslots a power of two, SIZE_MAX marks an empty slot).
 */
static void
add_tag(struct api_clan *clan, size_t *slots, size_t nslots, const char *tag,
    int64_t seen)
{
	size_t i;

	for (i = tag_hash(tag) & (nslots - 1); slots[i] != SIZE_MAX;
	    i = (i + 1) & (nslots - 1)) {
		if (strcmp(clan->tags[slots[i]], tag) == 0) {
			clan->nduplicate++;
			return;
		}
	}
	slots[i] = clan->ntags;
	clan->seen[clan->ntags] = seen;
	memcpy(clan->tags[clan->ntags++], tag, TAG_MAX);
}

static void
too_many_members(size_t n, char *err, size_t errlen)
{
	snprintf(err, errlen, "the API listed %zu members (at most %d are "
	    "possible); refusing the response", n, API_MEMBERS_MAX);
}

/* A member's lastSeen, or API_SEEN_NONE. */
static int64_t
member_seen(struct json_object *m)
{
	struct json_object	*v;
	int64_t			 t;

	if ((v = api_json_string(m, "lastSeen")) == NULL ||
	    api_parse_time(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), &t) == -1)
		return API_SEEN_NONE;
	return t;
}

/*
 * Fill out->tags from the nlisted entries of list: distinct usable tags in
 * order, the others counted.  Returns 0, or -1 on out of memory.
 */
static int
clan_members(struct json_object *list, struct api_clan *out)
{
	struct json_object	*m, *v;
	size_t			*slots, nslots, i;
	char			 tag[TAG_MAX], tagerr[128];

	/* A set at most half full keeps the probes short. */
	for (nslots = 2; nslots / 2 < out->nlisted; nslots *= 2)
		continue;
	if ((slots = malloc(nslots * sizeof(*slots))) == NULL)
		return -1;
	if ((out->tags = calloc(out->nlisted, sizeof(*out->tags))) == NULL ||
	    (out->seen = calloc(out->nlisted, sizeof(*out->seen))) == NULL) {
		free(slots);
		return -1;
	}
	memset(slots, 0xff, nslots * sizeof(*slots));
	for (i = 0; i < out->nlisted; i++) {
		m = json_object_array_get_idx(list, i);
		/* A tag with an embedded NUL would be cut short, so refuse it. */
		if (!json_object_is_type(m, json_type_object) ||
		    (v = api_json_string(m, "tag")) == NULL ||
		    strlen(json_object_get_string(v)) !=
		    (size_t)json_object_get_string_len(v) ||
		    tag_normalize(json_object_get_string(v), "player", tag,
		    tagerr, sizeof(tagerr)) == -1) {
			if (out->ninvalid++ == 0)
				out->first_invalid = i;
			continue;
		}
		add_tag(out, slots, nslots, tag, member_seen(m));
	}
	free(slots);
	if (out->ntags == 0) {
		free(out->tags);
		free(out->seen);
		out->tags = NULL;
		out->seen = NULL;
	}
	return 0;
}

/* The n decimal digits at s as a number, or -1 when one is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
month_days(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int
api_parse_time(const char *s, size_t len, int64_t *secs)
{
	int y, mo, d, h, mi, sec;

	if (len != API_TIME_LEN || s[8] != 'T' || s[15] != '.' ||
	    s[19] != 'Z' || digits(s + 16, 3) < 0)
		return -1;
	y = digits(s, 4);
	mo = digits(s + 4, 2);
	d = digits(s + 6, 2);
	h = digits(s + 9, 2);
	mi = digits(s + 11, 2);
	sec = digits(s + 13, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return -1;
	*secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

int
api_parse_clan(const char *body, size_t len, struct api_clan *out,
    char *err, size_t errlen)
{
	struct json_object	*root, *list, *v;
	size_t			 spanlen, n;
	const char		*span;

	memset(out, 0, sizeof(*out));
	/*
	 * Count the members before json-c builds anything: a 4 MiB body of
	 * a million empty members would take a gigabyte to build.
	 */
	if (jsonscan_member(body, len, "memberList", &span, &spanlen) &&
	    span != NULL &&
	    (n = jsonscan_count_items(span, spanlen)) > API_MEMBERS_MAX) {
		too_many_members(n, err, errlen);
		return -1;
	}
	if (api_json_parse(body, len, "clan", &root, err, errlen) == -1)
		return -1;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "the clan response is not a JSON object");
		goto fail;
	}
	if (!json_object_object_get_ex(root, "memberList", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		snprintf(err, errlen,
		    "the clan response has no memberList array");
		goto fail;
	}
	if ((n = json_object_array_length(list)) > API_MEMBERS_MAX) {
		too_many_members(n, err, errlen);
		goto fail;
	}
	out->nlisted = n;
	if (((v = api_json_string(root, "name")) != NULL &&
	    (out->name = api_json_sanitize(v)) == NULL) ||
	    (n > 0 && clan_members(list, out) == -1)) {
		snprintf(err, errlen, "out of memory parsing the clan response");
		goto fail;
	}
	json_object_put(root);
	return 0;
fail:
	json_object_put(root);
	api_clan_free(out);
	return -1;
}

void
api_clan_free(struct api_clan *clan)
{
	free(clan->name);
	free(clan->tags);
	free(clan->seen);
	memset(clan, 0, sizeof(*clan));
}

int
api_error_reason(const char *body, size_t len, char *reason,
    size_t reasonlen)
{
	struct json_object	*root, *v;
	const char		*rep;
	char			*s;
	size_t			 i, o, clen, rlen;
	unsigned char		 c;

	if (reasonlen == 0)
		return -1;
	if (api_json_parse(body, len, "error", &root, NULL, 0) == -1)
		return -1;
	if (!json_object_is_type(root, json_type_object) ||
	    (v = api_json_string(root, "reason")) == NULL ||
	    (s = api_json_sanitize(v)) == NULL) {
		json_object_put(root);
		return -1;
	}
	json_object_put(root);
	if (*s == '\0') {
		free(s);
		return -1;
	}

	/*
	 * s is valid UTF-8 now, so its lead bytes give each character's
	 * length.  Controls (C0, DEL and C1, U+0080..U+009F) become '?' so
	 * the reason is safe to log, and the copy stops before a character
	 * that does not fit whole.
	 */
	for (i = 0, o = 0; s[i] != '\0'; i += clen) {
		c = (unsigned char)s[i];
		clen = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && (unsigned char)s[i + 1] <= 0x9f)) {
			rep = "?";
			rlen = 1;
		} else {
			rep = s + i;
			rlen = clen;
		}
		if (rlen > reasonlen - 1 - o)
			break;
		memcpy(reason + o, rep, rlen);
		o += rlen;
	}
	reason[o] = '\0';
	free(s);
	return 0;
}

/*
 * Decode the UTF-8 at s and write the sanitised form to out when it is
 * not NULL.  Returns the output length.  Invalid input is replaced as the
 * WHATWG decoder does: one U+FFFD per maximal prefix of a valid sequence,
 * so a byte that cannot start or continue a sequence is one U+FFFD.
 */
static size_t
utf8_walk(const unsigned char *s, size_t len, char *out)
{
	static const char	 fffd[3] = { '\xef', '\xbf', '\xbd' };
	size_t			 i = 0, o = 0, need, k;
	unsigned char		 c, lo, hi;

	while (i < len) {
		c = s[i];
		lo = 0x80;
		hi = 0xbf;
		if (c < 0x80)
			need = 0;
		else if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;	/* overlong */
			else if (c == 0xed)
				hi = 0x9f;	/* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;	/* overlong */
			else if (c == 0xf4)
				hi = 0x8f;	/* above U+10FFFF */
		} else {
			if (out != NULL)
				memcpy(out + o, fffd, 3);
			o += 3;
			i++;
			continue;
		}
		for (k = 1; k <= need; k++) {
			if (i + k >= len || s[i + k] < lo || s[i + k] > hi)
				break;
			lo = 0x80;
			hi = 0xbf;
		}
		if (k <= need) {
			if (out != NULL)
				memcpy(out + o, fffd, 3);
			o += 3;
			i += k;
			continue;
		}
		/*
		 * A NUL would end the C string that carries the name to
		 * every output, silently cutting it: it is shown as U+FFFD.
		 */
		if (c == '\0') {
			if (out != NULL)
				memcpy(out + o, fffd, 3);
			o += 3;
		} else {
			if (out != NULL)
				memcpy(out + o, s + i, need + 1);
			o += need + 1;
		}
		i += need + 1;
	}
	return o;
}

size_t
api_utf8_fit(const char *s, size_t len, char *out, size_t outsize)
{
	size_t n;

	/* Each input byte gives at least 1 output byte. */
	if (len >= outsize)
		return len;
	n = utf8_walk((const unsigned char *)s, len, NULL);
	if (n < outsize) {
		utf8_walk((const unsigned char *)s, len, out);
		out[n] = '\0';
	}
	return n;
}

char *
api_utf8_sanitize(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*out;
	size_t			 n;

	/* Each input byte gives at most 3 output bytes (U+FFFD). */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	if (len == 0)
		u = (const unsigned char *)"";
	n = utf8_walk(u, len, NULL);
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	utf8_walk(u, len, out);
	out[n] = '\0';
	return out;
}
