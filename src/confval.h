/*
 * confval.h - typed configuration values from YAML nodes, with their range
 * checks and messages; a mapping read into a struct by a table of keys.
 */
#ifndef CLANPOPD_CONFVAL_H
#define CLANPOPD_CONFVAL_H

#include <stddef.h>

#include "diag.h"
#include "yamltree.h"

#define CONFVAL_HOUR	3600.0		/* seconds */
#define CONFVAL_DAY	86400.0		/* seconds */
#define CONFVAL_PATH_MAX 128		/* bytes of a key path in a message */

/* What a key's field is, and so how it is read and defaulted. */
enum confval_type {
	CONFVAL_SECTION,	/* a mapping of the keys whose section is its
				   name, read into the same struct */
	CONFVAL_INT,		/* int, lo..hi */
	CONFVAL_NUMBER,		/* double, lo..hi */
	CONFVAL_DURATION,	/* double seconds, lo..hi */
	CONFVAL_STRING,		/* char *, without control characters */
	CONFVAL_BOOL,		/* int 0 or 1, from true or false */
	CONFVAL_OTHER		/* only the key's read function knows */
};

struct confval_walk;

/* One key of the configuration: a row of the table. */
struct confval_key {
	const char	*section;	/* "" at the top */
	const char	*name;
	enum confval_type type;
	double		 lo, hi;	/* INT, NUMBER, DURATION: the range */
	double		 def;		/* INT, NUMBER, DURATION: the default */
	const char	*def_str;	/* STRING: the default, or NULL */
	const char	*want;		/* STRING: what belongs there */
	size_t		 off;		/* offsetof the field in the struct */
	int		(*read)(struct confval_walk *, const char *path,
			    const struct yamltree_node *v, void *base);
			/* when set, reads the value instead of the type's
			   reader: 0, or -1 after reporting why not */
};

/* What a walk found for one key. */
struct confval_seen {
	const struct yamltree_node *node;	/* its value; NULL: absent */
	int			    ok;		/* the value was taken */
};

struct confval_walk {
	struct diag			*dg;
	struct yamltree			*tree;	/* for readers that look at
						   the text */
	const struct confval_key	*keys;
	size_t				 nkeys;
	struct confval_seen		*seen;	/* nkeys, as keys */
};

/* Report an error about node n at key path path (NULL: none). */
#define confval_error(dg, n, path, ...) \
	diag_error((dg), (n)->line, (n)->col, (path), __VA_ARGS__)

/*
 * Set the default of every key of section and of the sections in it,
 * in the struct at base.  Returns 0, or -1 when out of memory (a string
 * default), which also sets w->dg->nomem.
 */
int		 confval_defaults(struct confval_walk *w, const char *section,
		    void *base);

/*
 * Read the mapping m, whose key path is path ("" at the top), into the
 * struct at base by the keys of section, in file order.  Reports keys
 * that are not scalars, duplicate and unknown keys, and every bad value;
 * records each known key's value and whether it was taken in w->seen.
 */
void		 confval_map(struct confval_walk *w, const char *section,
		    const char *path, const struct yamltree_node *m,
		    void *base);

/*
 * Check that v is a scalar with something in it.  Reports the error and
 * returns -1 otherwise; want says what belongs there.
 */
int		 confval_scalar(struct diag *, const char *path,
		    const struct yamltree_node *v, const char *want);

/*
 * The typed readers: each checks v, sets *out and returns 0, or reports
 * the error at path and returns -1 leaving *out alone.
 */
int		 confval_int(struct diag *, const char *path,
		    const struct yamltree_node *v, int lo, int hi, int *out);
int		 confval_number(struct diag *, const char *path,
		    const struct yamltree_node *v, double lo, double hi,
		    double *out);
int		 confval_duration(struct diag *, const char *path,
		    const struct yamltree_node *v, double lo, double hi,
		    double *out);
/* true or false (plain, any of the three cases YAML allows) as 1 or 0. */
int		 confval_bool(struct diag *, const char *path,
		    const struct yamltree_node *v, int *out);
/* A string without control characters; the old *out is freed. */
int		 confval_string(struct diag *, const char *path,
		    const struct yamltree_node *v, const char *want,
		    char **out);

/* "a list", "a mapping", ...: what v is, for "must be X, not Y". */
const char	*confval_kind(const struct yamltree_node *v);

/*
 * A decimal number of len bytes at s: digits with an optional fraction
 * and sign, finite.  Returns 0 and sets *d, or -1.
 */
int		 confval_parse_number(const char *s, size_t len, double *d);

/*
 * Parse a duration: "500ms", "10s", "15m", "1h", "90d", or a bare number of
 * seconds (fractions allowed).  Returns 0 and sets *secs, or -1.
 */
int		 confval_parse_duration(const char *s, double *secs);

/* Write the duration d the way a user would ("15m", "500ms"); out. */
const char	*confval_format_duration(double d, char *out, size_t outlen);

#endif
