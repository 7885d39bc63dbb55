/* apiint.h - what api.c lends apiplayer.c: json-c helpers (pure). */
#ifndef CLANPOPD_APIINT_H
#define CLANPOPD_APIINT_H

#include <stddef.h>

#include <json-c/json.h>

/*
 * Parse the len bytes at body as one JSON value, allowing only white
 * space after it and at most API_JSON_VALUES_MAX values.  json-c's
 * leniencies stay (trailing commas, closed comments), but for an object
 * or array cut short by a comment that runs to the end, which json-c
 * would take for the value the comment was in.  Returns 0 and sets
 * *objp (NULL for a JSON null), or -1 with a sentence about the
 * response called what in err.
 */
int	api_json_parse(const char *body, size_t len, const char *what,
	    struct json_object **objp, char *err, size_t errlen);

/* The member key of obj when it is a string, else NULL. */
struct json_object *api_json_string(struct json_object *obj,
	    const char *key);

/* A copy of the JSON string s, sanitised (api_utf8_sanitize), or NULL. */
char	*api_json_sanitize(struct json_object *s);

/*
 * api_utf8_sanitize into out: returns the sanitised length n of the len
 * bytes at s (or len, a lower bound, when len >= outsize); out holds
 * the text when n < outsize.
 */
size_t	api_utf8_fit(const char *s, size_t len, char *out, size_t outsize);

#endif
