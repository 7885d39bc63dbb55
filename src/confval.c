/*
 * confval.c - typed configuration values from YAML nodes, with their range
 * checks and messages; a mapping read into a struct by a table of keys.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confval.h"
#include "diag.h"
#include "dupset.h"
#include "yamltree.h"

#define DURATION_HINT	"use 500ms, 10s, 15m, 1h, 90d or a number of seconds"

const char *
confval_kind(const struct yamltree_node *v)
{
	switch (v->type) {
	case YAMLTREE_SEQ:
		return "a list";
	case YAMLTREE_MAP:
		return "a mapping";
	case YAMLTREE_ALIAS:
		return "an alias";
	default:
		break;
	}
	if (yamltree_is_null(v))
		return "empty";
	if (yamltree_is_bool(v))
		return "a boolean";
	return "a string";
}

int
confval_scalar(struct diag *dg, const char *path,
    const struct yamltree_node *v, const char *want)
{
	if (v->type == YAMLTREE_ALIAS) {
		confval_error(dg, v, path, "aliases (*%s) are not supported; "
		    "write the value out in full", v->str ? v->str : "");
		return -1;
	}
	if (v->type != YAMLTREE_SCALAR) {
		confval_error(dg, v, path, "must be %s, not %s", want,
		    confval_kind(v));
		return -1;
	}
	if (yamltree_is_null(v)) {
		confval_error(dg, v, path, "no value; give %s or remove the "
		    "key", want);
		return -1;
	}
	return 0;
}

int
confval_parse_number(const char *s, size_t len, double *d)
{
	size_t i = 0, digits = 0;
	char buf[64];

	if (len >= sizeof(buf))
		return -1;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0 || i != len)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*d = strtod(buf, NULL);
	return isfinite(*d) ? 0 : -1;
}

int
confval_parse_duration(const char *s, double *secs)
{
	static const struct {
		const char	*suffix;
		double		 scale;
	} units[] = {
		{ "ms", 0.001 }, { "s", 1 }, { "m", 60 }, { "h", CONFVAL_HOUR },
		{ "d", CONFVAL_DAY }
	};
	size_t len, i, n;
	double d;

	if (s == NULL || s[0] == '-' || s[0] == '+')
		return -1;
	len = strlen(s);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		n = strlen(units[i].suffix);
		if (len > n && strcmp(s + len - n, units[i].suffix) == 0 &&
		    confval_parse_number(s, len - n, &d) == 0) {
			*secs = d * units[i].scale;
			return isfinite(*secs) ? 0 : -1;
		}
	}
	if (confval_parse_number(s, len, &d) == -1)
		return -1;
	*secs = d;
	return 0;
}

/* Whether d is a whole multiple of unit; d is at most 100 years here. */
static int
confval_multiple(double d, double unit)
{
	return (double)(long long)(d / unit) * unit == d;
}

const char *
confval_format_duration(double d, char *out, size_t outlen)
{
	if (d >= CONFVAL_DAY && confval_multiple(d, CONFVAL_DAY))
		snprintf(out, outlen, "%gd", d / CONFVAL_DAY);
	else if (d >= CONFVAL_HOUR && confval_multiple(d, CONFVAL_HOUR))
		snprintf(out, outlen, "%gh", d / CONFVAL_HOUR);
	else if (d >= 60 && confval_multiple(d, 60))
		snprintf(out, outlen, "%gm", d / 60);
	else if (d > 0 && d < 1)
		snprintf(out, outlen, "%gms", d * 1000);
	else
		snprintf(out, outlen, "%gs", d);
	return out;
}

/* Check that v is a scalar that can be a number: not a boolean. */
static int
confval_numeral(struct diag *dg, const char *path,
    const struct yamltree_node *v, const char *want)
{
	if (confval_scalar(dg, path, v, want) == -1)
		return -1;
	if (yamltree_is_bool(v)) {
		confval_error(dg, v, path, "must be %s, not a boolean", want);
		return -1;
	}
	return 0;
}

int
confval_bool(struct diag *dg, const char *path, const struct yamltree_node *v,
    int *out)
{
	static const char *const words[] = { "false", "False", "FALSE",
	    "true", "True", "TRUE" };
	char	q[DIAG_QUOTE_SIZE];
	size_t	i;

	if (confval_scalar(dg, path, v, "true or false") == -1)
		return -1;
	for (i = 0; v->plain && i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(v->str, words[i]) == 0) {
			*out = i >= 3;
			return 0;
		}
	}
	diag_quote(v->str, v->len, q, sizeof(q));
	confval_error(dg, v, path, "%s is not a boolean; use true or false",
	    q);
	return -1;
}

int
confval_int(struct diag *dg, const char *path, const struct yamltree_node *v,
    int lo, int hi, int *out)
{
	char want[64], q[DIAG_QUOTE_SIZE];
	long long x;
	size_t i;
	double d;

	snprintf(want, sizeof(want), "a whole number in %d..%d", lo, hi);
	if (confval_numeral(dg, path, v, want) == -1)
		return -1;
	i = (v->str[0] == '-' || v->str[0] == '+') ? 1 : 0;
	if (v->str[i] == '\0' || strspn(v->str + i, "0123456789") !=
	    v->len - i) {
		diag_quote(v->str, v->len, q, sizeof(q));
		if (confval_parse_number(v->str, v->len, &d) == 0)
			confval_error(dg, v, path, "%s is not a whole number; "
			    "use %s", q, want);
		else
			confval_error(dg, v, path, "%s is not a number; use %s",
			    q, want);
		return -1;
	}
	errno = 0;
	x = strtoll(v->str, NULL, 10);
	if (errno == ERANGE || x < lo || x > hi) {
		confval_error(dg, v, path, "%s is out of range (%d..%d)",
		    v->str, lo, hi);
		return -1;
	}
	*out = (int)x;
	return 0;
}

int
confval_number(struct diag *dg, const char *path,
    const struct yamltree_node *v, double lo, double hi, double *out)
{
	char want[64], q[DIAG_QUOTE_SIZE];
	double d;

	snprintf(want, sizeof(want), "a number in %g..%g", lo, hi);
	if (confval_numeral(dg, path, v, want) == -1)
		return -1;
	if (confval_parse_number(v->str, v->len, &d) == -1) {
		confval_error(dg, v, path, "%s is not a number; use %s",
		    diag_quote(v->str, v->len, q, sizeof(q)), want);
		return -1;
	}
	if (d < lo || d > hi) {
		confval_error(dg, v, path, "%s is out of range (%g..%g)",
		    v->str, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

int
confval_duration(struct diag *dg, const char *path,
    const struct yamltree_node *v, double lo, double hi, double *out)
{
	char q[DIAG_QUOTE_SIZE], a[32], b[32];
	double d;

	if (confval_scalar(dg, path, v, "a duration (" DURATION_HINT ")") ==
	    -1)
		return -1;
	if (strlen(v->str) != v->len ||
	    confval_parse_duration(v->str, &d) == -1) {
		confval_error(dg, v, path, "%s is not a duration ("
		    DURATION_HINT ")", diag_quote(v->str, v->len, q,
		    sizeof(q)));
		return -1;
	}
	if (d < lo || d > hi) {
		confval_error(dg, v, path, "%s is out of range (%s..%s)",
		    v->str, confval_format_duration(lo, a, sizeof(a)),
		    confval_format_duration(hi, b, sizeof(b)));
		return -1;
	}
	*out = d;
	return 0;
}

int
confval_string(struct diag *dg, const char *path,
    const struct yamltree_node *v, const char *want, char **out)
{
	size_t i;
	char *s;

	if (confval_scalar(dg, path, v, want) == -1)
		return -1;
	if (v->len == 0) {
		confval_error(dg, v, path, "is empty; give %s or remove the "
		    "key", want);
		return -1;
	}
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 || v->str[i] == 0x7f) {
			confval_error(dg, v, path, "contains a control "
			    "character (byte %zu); remove it", i + 1);
			return -1;
		}
	if ((s = strdup(v->str)) == NULL) {
		dg->nomem = 1;
		return -1;
	}
	free(*out);
	*out = s;
	return 0;
}

int
confval_defaults(struct confval_walk *w, const char *section, void *base)
{
	const struct confval_key *k;
	char *field, *s;

	for (k = w->keys; k < w->keys + w->nkeys; k++) {
		if (strcmp(k->section, section) != 0)
			continue;
		field = (char *)base + k->off;
		switch (k->type) {
		case CONFVAL_SECTION:
			if (confval_defaults(w, k->name, base) == -1)
				return -1;
			break;
		case CONFVAL_INT:
		case CONFVAL_BOOL:
			*(int *)(void *)field = (int)k->def;
			break;
		case CONFVAL_NUMBER:
		case CONFVAL_DURATION:
			*(double *)(void *)field = k->def;
			break;
		case CONFVAL_STRING:
			if (k->def_str == NULL)
				break;
			if ((s = strdup(k->def_str)) == NULL) {
				w->dg->nomem = 1;
				return -1;
			}
			free(*(char **)(void *)field);
			*(char **)(void *)field = s;
			break;
		case CONFVAL_OTHER:
			break;
		}
	}
	return 0;
}

/* A section: null is an empty section, anything else must be a mapping. */
static int
confval_section(struct confval_walk *w, const struct confval_key *k,
    const char *path, const struct yamltree_node *v, void *base)
{
	if (yamltree_is_null(v))
		return 0;
	if (v->type == YAMLTREE_ALIAS)
		return confval_scalar(w->dg, path, v, "");
	if (v->type != YAMLTREE_MAP) {
		confval_error(w->dg, v, path, "must be a mapping of settings "
		    "(indented \"key: value\" lines), not %s",
		    confval_kind(v));
		return -1;
	}
	confval_map(w, k->name, path, v, base);
	return 0;
}

/* Read v, the value of key k at path, into the struct at base. */
static int
confval_read(struct confval_walk *w, const struct confval_key *k,
    const char *path, const struct yamltree_node *v, void *base)
{
	char *field = (char *)base + k->off;

	if (k->read != NULL)
		return k->read(w, path, v, base);
	switch (k->type) {
	case CONFVAL_SECTION:
		return confval_section(w, k, path, v, base);
	case CONFVAL_INT:
		return confval_int(w->dg, path, v, (int)k->lo, (int)k->hi,
		    (int *)(void *)field);
	case CONFVAL_NUMBER:
		return confval_number(w->dg, path, v, k->lo, k->hi,
		    (double *)(void *)field);
	case CONFVAL_DURATION:
		return confval_duration(w->dg, path, v, k->lo, k->hi,
		    (double *)(void *)field);
	case CONFVAL_STRING:
		return confval_string(w->dg, path, v, k->want,
		    (char **)(void *)field);
	case CONFVAL_BOOL:
		return confval_bool(w->dg, path, v, (int *)(void *)field);
	case CONFVAL_OTHER:
		break;
	}
	return -1;
}

/* The key of section named by node n, or NULL. */
static const struct confval_key *
confval_find(const struct confval_walk *w, const char *section,
    const struct yamltree_node *n)
{
	const struct confval_key *k;

	for (k = w->keys; k < w->keys + w->nkeys; k++)
		if (strcmp(k->section, section) == 0 &&
		    strlen(k->name) == n->len && strcmp(k->name, n->str) == 0)
			return k;
	return NULL;
}

/* Report the unknown key n: the key meant, or the keys there are. */
static void
confval_unknown(struct confval_walk *w, const char *section,
    const char *path, const struct yamltree_node *n)
{
	const struct confval_key *k;
	const char **names, *best;
	char list[256] = "";
	size_t nnames = 0;

	if ((names = reallocarray(NULL, w->nkeys, sizeof(*names))) == NULL) {
		w->dg->nomem = 1;
		return;
	}
	for (k = w->keys; k < w->keys + w->nkeys; k++) {
		if (strcmp(k->section, section) != 0)
			continue;
		names[nnames++] = k->name;
		if (list[0] != '\0')
			diag_append(list, ", ", sizeof(list));
		diag_append(list, k->name, sizeof(list));
	}
	if ((best = diag_nearest(n->str, names, nnames)) != NULL)
		confval_error(w->dg, n, path, "unknown key (did you mean "
		    "\"%s\"?)", best);
	else
		confval_error(w->dg, n, path, "unknown key (valid keys: %s)",
		    list);
	free(names);
}

/* The key path of key in a mapping whose key path is base. */
static void
confval_path(char *out, size_t outlen, const char *base,
    const struct yamltree_node *key)
{
	snprintf(out, outlen, "%s%s", base, base[0] ? "." : "");
	if (key->len == 0)
		diag_append(out, "\"\"", outlen);
	else
		diag_escape(out, outlen, key->str, key->len);
}

void
confval_map(struct confval_walk *w, const char *section, const char *path,
    const struct yamltree_node *m, void *base)
{
	const struct confval_key *k;
	const struct yamltree_node *key;
	struct dupset keys;
	char kpath[CONFVAL_PATH_MAX];
	size_t i, j;

	if (dupset_init(&keys, m->nkid / 2) == -1) {
		w->dg->nomem = 1;
		return;
	}
	for (i = 0; i + 1 < m->nkid; i += 2) {
		key = m->kid[i];
		if (key->type != YAMLTREE_SCALAR) {
			confval_error(w->dg, key, path[0] ? path : NULL, "keys "
			    "must be plain names, not %s", confval_kind(key));
			continue;
		}
		confval_path(kpath, sizeof(kpath), path, key);
		if ((j = dupset_add(&keys, key->str, key->len, i)) != i)
			confval_error(w->dg, key, kpath, "duplicate key (first "
			    "at line %zu); remove one", m->kid[j]->line);
		else if ((k = confval_find(w, section, key)) == NULL)
			confval_unknown(w, section, kpath, key);
		else {
			j = (size_t)(k - w->keys);
			w->seen[j].node = m->kid[i + 1];
			w->seen[j].ok = confval_read(w, k, kpath,
			    m->kid[i + 1], base) == 0;
		}
	}
	dupset_free(&keys);
}
