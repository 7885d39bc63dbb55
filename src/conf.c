/* conf.c - clanpopd.yaml -> a validated struct conf. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "conf.h"
#include "tag.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* bytes of YAML read */
#define CONF_QUOTE_MAX	60		/* input bytes quoted in an error */
#define CONF_UA_MAX	200		/* bytes of user_agent */
#define CONF_PATH_MAX	128		/* bytes of a key path in a message */

#define DEF_BASE_URL	"https://api.clashroyale.com/v1"
#define DEF_TOKEN_FILE	SYSCONFDIR "/clanpopd/token"
#define DEF_OUT_DIR	"/var/lib/clanpopd"
#define DEF_USER_AGENT	"clanpopd/" PACKAGE_VERSION

#define INTERVAL_MIN	10.0		/* seconds */
#define INTERVAL_MAX	(7 * 86400.0)	/* seconds */
#define HOUR		3600.0		/* seconds */

#define DURATION_HINT	"use 500ms, 10s, 15m, 1h or a number of seconds"

enum node_type {
	NODE_SCALAR,
	NODE_SEQ,
	NODE_MAP,
	NODE_ALIAS
};

/* One YAML node; the parse is kept whole so errors come in file order. */
struct node {
	enum node_type	  type;
	char		 *str;	/* scalar value or alias name */
	size_t		  len;
	int		  plain;	/* an untagged plain scalar */
	size_t		  line, col;	/* 1-based */
	struct node	**kid;	/* items; or keys and values, alternating */
	size_t		  nkid, kidcap;
	struct node	 *all;	/* every node, for freeing */
};

struct msg {
	size_t	 line, col;	/* 0 when the message has no position */
	char	*text;
};

struct loader {
	const char		*path;
	const struct conf_env	*env;
	char			*buf;	/* the file */
	size_t			 buflen;
	size_t			*lines;	/* byte offset of each line, or NULL */
	size_t			 nlines;
	struct node		*all;
	struct msg		*msg;
	size_t			 nmsg, msgcap;
	struct conf_warn	*warn;
	size_t			 nwarn, warncap;
	int			 oom;
	struct conf		*cf;
};

/* The clan being read by the clan mapping's key functions. */
struct clan_ctx {
	struct conf_clan	*clan;
	struct node		*tag;	/* the tag's node, once valid */
	int			 interval_set;
};

/* Parsed values with their nodes, for the checks that span keys. */
struct seen {
	struct node	*timeout, *connect_timeout, *burst, *jitter;
	struct node	*token_file, *directory, *clans;
	struct node	*interval;
	int		 timeout_ok, interval_ok;
	struct clan_ctx	*clan;
};

struct keydef {
	const char	*name;
	void		(*fn)(struct loader *, struct seen *, const char *,
			    struct node *);
};

struct dupslot {
	const char	*str;	/* NULL: an empty slot */
	size_t		 len;
	size_t		 idx;	/* the caller's index of the string */
};

/*
 * The strings seen so far, for the duplicate checks: an open-addressing
 * hash set, so that a file of 70,000 clans or keys is checked in linear
 * time instead of comparing each with every earlier one.
 */
struct dupset {
	struct dupslot	*slot;
	size_t		 mask;	/* slots - 1, slots a power of two */
};

/* strlcat without its return value: glibc before 2.38 lacks it. */
static void
append(char *out, const char *s, size_t outlen)
{
	size_t o = strlen(out), n = strlen(s);

	if (o + 1 >= outlen)
		return;
	if (n > outlen - o - 1)
		n = outlen - o - 1;
	memcpy(out + o, s, n);
	out[o + n] = '\0';
}

/*
 * Append s to out as printable ASCII: '"' and '\\' escaped, other bytes
 * as \xNN, cut with "..." after CONF_QUOTE_MAX bytes.
 */
static void
escape(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, o;
	unsigned char c;

	o = strlen(out);
	for (i = 0; i < len && o + 8 < outlen; i++) {
		if (i == CONF_QUOTE_MAX) {
			o += (size_t)snprintf(out + o, outlen - o, "...");
			break;
		}
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02X",
			    c);
		else
			out[o++] = (char)c;
		out[o] = '\0';
	}
}

/* The scalar n quoted for a message, written to out. */
static const char *
quote(const struct node *n, char *out, size_t outlen)
{
	snprintf(out, outlen, "\"");
	escape(out, outlen, n->str, n->len);
	append(out, "\"", outlen);
	return out;
}

static void
add_msg(struct loader *ld, size_t line, size_t col, char *text)
{
	struct msg *m;
	size_t cap;

	if (text == NULL) {
		ld->oom = 1;
		return;
	}
	if (ld->nmsg == ld->msgcap) {
		cap = ld->msgcap ? 2 * ld->msgcap : 16;
		m = reallocarray(ld->msg, cap, sizeof(*m));
		if (m == NULL) {
			free(text);
			ld->oom = 1;
			return;
		}
		ld->msg = m;
		ld->msgcap = cap;
	}
	ld->msg[ld->nmsg].line = line;
	ld->msg[ld->nmsg].col = col;
	ld->msg[ld->nmsg].text = text;
	ld->nmsg++;
}

/* Report "FILE:LINE:COL: path: sentence" at line, col. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void
error_at(struct loader *ld, size_t line, size_t col, const char *path,
    const char *fmt, ...)
{
	va_list ap;
	char *s, *text;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		ld->oom = 1;
		return;
	}
	if (asprintf(&text, "%s:%zu:%zu: %s%s%s", ld->path, line, col,
	    path ? path : "", path ? ": " : "", s) == -1)
		text = NULL;
	free(s);
	add_msg(ld, line, col, text);
}

#define error_node(ld, n, path, ...) \
	error_at((ld), (n)->line, (n)->col, (path), __VA_ARGS__)

/* Record a warning about the value n of key path. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
warn_node(struct loader *ld, const struct node *n, const char *path,
    const char *fmt, ...)
{
	struct conf_warn *w;
	va_list ap;
	char *where, *text;
	size_t cap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		text = NULL;
	va_end(ap);
	if (asprintf(&where, "%s:%zu:%zu: %s", ld->path, n->line, n->col,
	    path) == -1)
		where = NULL;
	if (ld->nwarn == ld->warncap && where != NULL && text != NULL) {
		cap = ld->warncap ? 2 * ld->warncap : 4;
		if ((w = reallocarray(ld->warn, cap, sizeof(*w))) != NULL) {
			ld->warn = w;
			ld->warncap = cap;
		}
	}
	if (where == NULL || text == NULL || ld->nwarn == ld->warncap) {
		free(where);
		free(text);
		ld->oom = 1;
		return;
	}
	ld->warn[ld->nwarn].where = where;
	ld->warn[ld->nwarn].text = text;
	ld->nwarn++;
}

static void *
xalloc(struct loader *ld, size_t size)
{
	void *p;

	if ((p = calloc(1, size)) == NULL)
		ld->oom = 1;
	return p;
}

static char *
xstrdup(struct loader *ld, const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		ld->oom = 1;
	return p;
}

/* A set for up to n strings, at most half full; -1 when out of memory. */
static int
dupset_init(struct loader *ld, struct dupset *ds, size_t n)
{
	size_t slots;

	for (slots = 2; slots / 2 < n; slots *= 2)
		continue;
	ds->mask = slots - 1;
	if ((ds->slot = calloc(slots, sizeof(*ds->slot))) == NULL) {
		ld->oom = 1;
		return -1;
	}
	return 0;
}

/*
 * Add the len bytes at str (which must outlive the set) under idx, unless
 * the same bytes are there already.  Returns the idx they were first
 * added under: idx itself when they are new.
 */
static size_t
dupset_add(struct dupset *ds, const char *str, size_t len, size_t idx)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)str[i];
		h *= 16777619u;
	}
	for (i = h & ds->mask; ds->slot[i].str != NULL;
	    i = (i + 1) & ds->mask)
		if (ds->slot[i].len == len &&
		    memcmp(ds->slot[i].str, str, len) == 0)
			return ds->slot[i].idx;
	ds->slot[i].str = str;
	ds->slot[i].len = len;
	ds->slot[i].idx = idx;
	return idx;
}

/* A new string a + "/" + b, without doubling a '/' that a ends with. */
static char *
path_join(struct loader *ld, const char *a, size_t alen, const char *b)
{
	char *p;
	int sep = alen > 0 && a[alen - 1] != '/';

	if (asprintf(&p, "%.*s%s%s", (int)alen, a, sep ? "/" : "", b) == -1) {
		ld->oom = 1;
		return NULL;
	}
	return p;
}

/* Line and column (1-based) of byte offset off of the file. */
static void
offset_pos(const struct loader *ld, size_t off, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < ld->buflen; i++) {
		if (ld->buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)ld->buf[i] & 0xC0) != 0x80)
			(*col)++;
	}
}

/*
 * The byte offset of line, col (1-based) in the file, or buflen.  Where
 * each line starts is found once, since a large file can need this for
 * tens of thousands of errors.
 */
static size_t
pos_offset(struct loader *ld, size_t line, size_t col)
{
	size_t i, n, c = 1;

	if (ld->lines == NULL) {
		for (i = 0, n = 1; i < ld->buflen; i++)
			n += ld->buf[i] == '\n';
		if ((ld->lines = reallocarray(NULL, n,
		    sizeof(*ld->lines))) == NULL) {
			ld->oom = 1;
			return ld->buflen;
		}
		ld->lines[0] = 0;
		for (i = 0, n = 1; i < ld->buflen; i++)
			if (ld->buf[i] == '\n')
				ld->lines[n++] = i + 1;
		ld->nlines = n;
	}
	i = line >= 1 && line <= ld->nlines ? ld->lines[line - 1] :
	    ld->buflen;
	while (i < ld->buflen && c < col && ld->buf[i] != '\n') {
		i++;
		while (i < ld->buflen &&
		    ((unsigned char)ld->buf[i] & 0xC0) == 0x80)
			i++;
		c++;
	}
	return i;
}

/* A new node at mark, linked into ld->all. */
static struct node *
new_node(struct loader *ld, enum node_type type, const yaml_mark_t *mark)
{
	struct node *n;

	if ((n = xalloc(ld, sizeof(*n))) == NULL)
		return NULL;
	n->type = type;
	n->line = mark->line + 1;
	n->col = mark->column + 1;
	n->all = ld->all;
	ld->all = n;
	return n;
}

static int
add_kid(struct loader *ld, struct node *parent, struct node *kid)
{
	struct node **k;
	size_t cap;

	if (parent->nkid == parent->kidcap) {
		cap = parent->kidcap ? 2 * parent->kidcap : 8;
		k = reallocarray(parent->kid, cap, sizeof(*k));
		if (k == NULL) {
			ld->oom = 1;
			return -1;
		}
		parent->kid = k;
		parent->kidcap = cap;
	}
	parent->kid[parent->nkid++] = kid;
	return 0;
}

static void
syntax_error(struct loader *ld, const yaml_parser_t *p)
{
	size_t line, col;
	char ctx[160] = "";

	if (p->error == YAML_MEMORY_ERROR) {
		ld->oom = 1;
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		offset_pos(ld, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			error_at(ld, line, col, NULL, "invalid YAML: %s "
			    "(byte 0x%02X); save the file as UTF-8 text "
			    "without control characters",
			    p->problem ? p->problem : "unreadable input",
			    (unsigned)p->problem_value & 0xFF);
		else
			error_at(ld, line, col, NULL, "invalid YAML: %s; save "
			    "the file as UTF-8 text without control "
			    "characters",
			    p->problem ? p->problem : "unreadable input");
		return;
	}
	if (ld->buf[pos_offset(ld, p->problem_mark.line + 1,
	    p->problem_mark.column + 1)] == '\t') {
		error_at(ld, p->problem_mark.line + 1,
		    p->problem_mark.column + 1, NULL, "invalid YAML: a tab "
		    "character; YAML indents with spaces only");
		return;
	}
	if (p->context != NULL)
		snprintf(ctx, sizeof(ctx), " %s at line %zu", p->context,
		    p->context_mark.line + 1);
	error_at(ld, p->problem_mark.line + 1, p->problem_mark.column + 1,
	    NULL, "invalid YAML: %s%s; check the indentation and the quoting",
	    p->problem ? p->problem : "syntax error", ctx);
}

/*
 * Parse the file into a tree of nodes.  Returns the root of the first
 * document, NULL for an empty stream; sets *bad on a syntax error.
 */
static struct node *
parse(struct loader *ld, int *bad)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct node *root = NULL, *n, **stack = NULL, **ns;
	size_t depth = 0, cap = 0, ndocs = 0;
	int done = 0;

	*bad = 0;
	if (!yaml_parser_initialize(&p)) {
		ld->oom = 1;
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)ld->buf,
	    ld->buflen);
	while (!done && !ld->oom) {
		if (!yaml_parser_parse(&p, &ev)) {
			syntax_error(ld, &p);
			*bad = 1;
			break;
		}
		n = NULL;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				error_at(ld, ev.start_mark.line + 1,
				    ev.start_mark.column + 1, NULL,
				    "a second YAML document starts here; keep "
				    "the whole configuration in one document");
				done = 1;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_SCALAR_EVENT:
			if ((n = new_node(ld, NODE_SCALAR,
			    &ev.start_mark)) == NULL)
				break;
			n->len = ev.data.scalar.length;
			if ((n->str = malloc(n->len + 1)) == NULL) {
				ld->oom = 1;
				break;
			}
			memcpy(n->str, ev.data.scalar.value, n->len);
			n->str[n->len] = '\0';
			n->plain = ev.data.scalar.style ==
			    YAML_PLAIN_SCALAR_STYLE && ev.data.scalar.tag == NULL;
			break;
		case YAML_ALIAS_EVENT:
			if ((n = new_node(ld, NODE_ALIAS,
			    &ev.start_mark)) == NULL)
				break;
			n->str = xstrdup(ld, (char *)ev.data.alias.anchor);
			n->len = n->str ? strlen(n->str) : 0;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = new_node(ld, ev.type == YAML_SEQUENCE_START_EVENT ?
			    NODE_SEQ : NODE_MAP, &ev.start_mark);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		if (n != NULL) {
			if (depth == 0 && root == NULL)
				root = n;
			else if (depth > 0)
				add_kid(ld, stack[depth - 1], n);
			if (n->type == NODE_SEQ || n->type == NODE_MAP) {
				if (depth == cap) {
					cap = cap ? 2 * cap : 16;
					ns = reallocarray(stack, cap,
					    sizeof(*ns));
					if (ns == NULL) {
						ld->oom = 1;
						yaml_event_delete(&ev);
						break;
					}
					stack = ns;
				}
				stack[depth++] = n;
			}
		}
		yaml_event_delete(&ev);
	}
	free(stack);
	yaml_parser_delete(&p);
	return root;
}

static int
is_null(const struct node *n)
{
	return n->type == NODE_SCALAR && n->plain && (n->len == 0 ||
	    strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	    strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

static int
is_bool(const struct node *n)
{
	static const char *const words[] = {
		"true", "True", "TRUE", "false", "False", "FALSE",
		"yes", "Yes", "YES", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF"
	};
	size_t i;

	if (n->type != NODE_SCALAR || !n->plain)
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(n->str, words[i]) == 0)
			return 1;
	return 0;
}

/* "a list", "a mapping", ...: what n is, for "must be X, not Y". */
static const char *
kind(const struct node *n)
{
	switch (n->type) {
	case NODE_SEQ:
		return "a list";
	case NODE_MAP:
		return "a mapping";
	case NODE_ALIAS:
		return "an alias";
	default:
		break;
	}
	if (is_null(n))
		return "empty";
	if (is_bool(n))
		return "a boolean";
	return "a string";
}

/*
 * Check that value is a scalar with something in it.  Reports the error
 * and returns -1 otherwise; want says what belongs there.
 */
static int
want_scalar(struct loader *ld, const char *path, struct node *v,
    const char *want)
{
	if (v->type == NODE_ALIAS) {
		error_node(ld, v, path, "aliases (*%s) are not supported; "
		    "write the value out in full", v->str ? v->str : "");
		return -1;
	}
	if (v->type != NODE_SCALAR) {
		error_node(ld, v, path, "must be %s, not %s", want, kind(v));
		return -1;
	}
	if (is_null(v)) {
		error_node(ld, v, path, "no value; give %s or remove the key",
		    want);
		return -1;
	}
	return 0;
}

/* A decimal number: digits with an optional fraction, optional sign. */
static int
parse_number(const char *s, size_t len, double *d)
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
conf_parse_duration(const char *s, double *secs)
{
	static const struct {
		const char	*suffix;
		double		 scale;
	} units[] = {
		{ "ms", 0.001 }, { "s", 1 }, { "m", 60 }, { "h", HOUR }
	};
	size_t len, i, n;
	double d;

	if (s == NULL || s[0] == '-' || s[0] == '+')
		return -1;
	len = strlen(s);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		n = strlen(units[i].suffix);
		if (len > n && strcmp(s + len - n, units[i].suffix) == 0 &&
		    parse_number(s, len - n, &d) == 0) {
			*secs = d * units[i].scale;
			return isfinite(*secs) ? 0 : -1;
		}
	}
	if (parse_number(s, len, &d) == -1)
		return -1;
	*secs = d;
	return 0;
}

/* Whether d is a whole multiple of unit; d is at most 7 days here. */
static int
multiple(double d, double unit)
{
	return (double)(long long)(d / unit) * unit == d;
}

/* Format a duration the way a user would write it. */
static const char *
fmt_dur(double d, char *out, size_t outlen)
{
	if (d >= HOUR && multiple(d, HOUR))
		snprintf(out, outlen, "%gh", d / HOUR);
	else if (d >= 60 && multiple(d, 60))
		snprintf(out, outlen, "%gm", d / 60);
	else if (d > 0 && d < 1)
		snprintf(out, outlen, "%gms", d * 1000);
	else
		snprintf(out, outlen, "%gs", d);
	return out;
}

static int
get_int(struct loader *ld, const char *path, struct node *v, int lo, int hi,
    int *out)
{
	char want[64], q[CONF_QUOTE_MAX * 4 + 8];
	long long x;
	size_t i;
	double d;

	snprintf(want, sizeof(want), "a whole number in %d..%d", lo, hi);
	if (want_scalar(ld, path, v, want) == -1)
		return -1;
	if (is_bool(v)) {
		error_node(ld, v, path, "must be %s, not a boolean", want);
		return -1;
	}
	i = (v->str[0] == '-' || v->str[0] == '+') ? 1 : 0;
	if (v->str[i] == '\0' || strspn(v->str + i, "0123456789") !=
	    v->len - i) {
		if (parse_number(v->str, v->len, &d) == 0)
			error_node(ld, v, path, "%s is not a whole number; "
			    "use %s", quote(v, q, sizeof(q)), want);
		else
			error_node(ld, v, path, "%s is not a number; use %s",
			    quote(v, q, sizeof(q)), want);
		return -1;
	}
	errno = 0;
	x = strtoll(v->str, NULL, 10);
	if (errno == ERANGE || x < lo || x > hi) {
		error_node(ld, v, path, "%s is out of range (%d..%d)", v->str,
		    lo, hi);
		return -1;
	}
	*out = (int)x;
	return 0;
}

static int
get_num(struct loader *ld, const char *path, struct node *v, double lo,
    double hi, double *out)
{
	char want[64], q[CONF_QUOTE_MAX * 4 + 8];
	double d;

	snprintf(want, sizeof(want), "a number in %g..%g", lo, hi);
	if (want_scalar(ld, path, v, want) == -1)
		return -1;
	if (is_bool(v)) {
		error_node(ld, v, path, "must be %s, not a boolean", want);
		return -1;
	}
	if (parse_number(v->str, v->len, &d) == -1) {
		error_node(ld, v, path, "%s is not a number; use %s",
		    quote(v, q, sizeof(q)), want);
		return -1;
	}
	if (d < lo || d > hi) {
		error_node(ld, v, path, "%s is out of range (%g..%g)", v->str,
		    lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int
get_dur(struct loader *ld, const char *path, struct node *v, double lo,
    double hi, double *out)
{
	char q[CONF_QUOTE_MAX * 4 + 8], a[32], b[32];
	double d;

	if (want_scalar(ld, path, v, "a duration (" DURATION_HINT ")") == -1)
		return -1;
	if (strlen(v->str) != v->len ||
	    conf_parse_duration(v->str, &d) == -1) {
		error_node(ld, v, path, "%s is not a duration (" DURATION_HINT
		    ")", quote(v, q, sizeof(q)));
		return -1;
	}
	if (d < lo || d > hi) {
		error_node(ld, v, path, "%s is out of range (%s..%s)", v->str,
		    fmt_dur(lo, a, sizeof(a)), fmt_dur(hi, b, sizeof(b)));
		return -1;
	}
	*out = d;
	return 0;
}

/* A string without control characters; *out is replaced on success. */
static int
get_str(struct loader *ld, const char *path, struct node *v,
    const char *want, char **out)
{
	size_t i;
	char *s;

	if (want_scalar(ld, path, v, want) == -1)
		return -1;
	if (v->len == 0) {
		error_node(ld, v, path, "is empty; give %s or remove the key",
		    want);
		return -1;
	}
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 || v->str[i] == 0x7f) {
			error_node(ld, v, path, "contains a control character "
			    "(byte %zu); remove it", i + 1);
			return -1;
		}
	if ((s = xstrdup(ld, v->str)) == NULL)
		return -1;
	free(*out);
	*out = s;
	return 0;
}

/* Edit distance, for "did you mean". */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[32], prev, tmp;

	if (la >= sizeof(d) / sizeof(d[0]) || lb >= sizeof(d) / sizeof(d[0]))
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (tmp + 1 < d[j])
				d[j] = tmp + 1;
			prev = tmp;
		}
	}
	return d[lb];
}

static void
unknown_key(struct loader *ld, const char *path, struct node *k,
    const struct keydef *keys)
{
	const struct keydef *kd, *best = NULL, *prefix = NULL;
	size_t d, bestd = 3, nprefix = 0, n;
	char list[256] = "";

	for (kd = keys; kd->name != NULL; kd++) {
		d = distance(k->str, kd->name);
		if (d < bestd) {
			bestd = d;
			best = kd;
		}
		n = strlen(k->str) < strlen(kd->name) ? strlen(k->str) :
		    strlen(kd->name);
		if (n > 0 && strncmp(k->str, kd->name, n) == 0) {
			prefix = kd;
			nprefix++;
		}
		if (list[0] != '\0')
			append(list, ", ", sizeof(list));
		append(list, kd->name, sizeof(list));
	}
	if (best == NULL && nprefix == 1)
		best = prefix;
	if (best != NULL)
		error_node(ld, k, path, "unknown key (did you mean \"%s\"?)",
		    best->name);
	else
		error_node(ld, k, path, "unknown key (valid keys: %s)", list);
}

/*
 * Walk the mapping m, calling each known key's function in file order;
 * reports non-scalar, duplicate and unknown keys.  base is the path of
 * m ("" at the top).
 */
static void
walk_map(struct loader *ld, struct seen *sn, const char *base,
    struct node *m, const struct keydef *keys)
{
	const struct keydef *kd;
	struct dupset seen;
	struct node *k, *v;
	char path[CONF_PATH_MAX];
	size_t i, j;

	if (dupset_init(ld, &seen, m->nkid / 2) == -1)
		return;
	for (i = 0; i + 1 < m->nkid; i += 2) {
		k = m->kid[i];
		v = m->kid[i + 1];
		if (k->type != NODE_SCALAR) {
			error_node(ld, k, base[0] ? base : NULL, "keys must be "
			    "plain names, not %s", kind(k));
			continue;
		}
		snprintf(path, sizeof(path), "%s%s", base, base[0] ? "." : "");
		if (k->len == 0)
			append(path, "\"\"", sizeof(path));
		else
			escape(path, sizeof(path), k->str, k->len);
		if ((j = dupset_add(&seen, k->str, k->len, i)) != i) {
			error_node(ld, k, path, "duplicate key (first at line "
			    "%zu); remove one", m->kid[j]->line);
			continue;
		}
		for (kd = keys; kd->name != NULL; kd++)
			if (strlen(kd->name) == k->len &&
			    strcmp(kd->name, k->str) == 0)
				break;
		if (kd->name == NULL)
			unknown_key(ld, path, k, keys);
		else
			kd->fn(ld, sn, path, v);
	}
	free(seen.slot);
}

/*
 * Whether the URL s holds userinfo: an '@' before the first '/' after
 * "scheme://", or from the start when there is no "://".  Checked before
 * anything quotes the value, so that no message repeats a password.
 */
static int
has_userinfo(const char *s, size_t len)
{
	const char *a, *end = s + len;

	if ((a = memmem(s, len, "://", 3)) == NULL)
		a = s;
	else
		a += 3;
	for (; a < end && *a != '/'; a++)
		if (*a == '@')
			return 1;
	return 0;
}

/*
 * Whether the authority a (a host and an optional port, len bytes) is
 * this machine: localhost, 127.0.0.0/8 or ::1.  Only literal addresses
 * count, so that a name such as 127.0.0.1.example.com does not.
 */
static int
is_loopback(const char *a, size_t len)
{
	struct in_addr in4;
	struct in6_addr in6;
	const char *end;
	char host[64];
	size_t n;

	if (len > 0 && a[0] == '[') {
		if ((end = memchr(a, ']', len)) == NULL)
			return 0;
		n = (size_t)(end - a) - 1;
		if (n >= sizeof(host))
			return 0;
		memcpy(host, a + 1, n);
		host[n] = '\0';
		return inet_pton(AF_INET6, host, &in6) == 1 &&
		    IN6_IS_ADDR_LOOPBACK(&in6);
	}
	n = (end = memchr(a, ':', len)) != NULL ? (size_t)(end - a) : len;
	if (n >= sizeof(host))
		return 0;
	memcpy(host, a, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	return inet_pton(AF_INET, host, &in4) == 1 &&
	    (ntohl(in4.s_addr) >> 24) == 127;
}

static void
k_base_url(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	char q[CONF_QUOTE_MAX * 4 + 8];
	const char *host;
	size_t i, n, alen;

	(void)sn;
	if (want_scalar(ld, path, v, "a URL such as " DEF_BASE_URL) == -1)
		return;
	if (has_userinfo(v->str, v->len)) {
		error_node(ld, v, path, "a user name or password in the URL "
		    "(user:password@host) is not allowed, as it would be "
		    "logged; remove it and use a proxy's own authentication "
		    "or the API token (api.token_file)");
		return;
	}
	quote(v, q, sizeof(q));
	if (strncmp(v->str, "https://", 8) == 0)
		host = v->str + 8;
	else if (strncmp(v->str, "http://", 7) == 0)
		host = v->str + 7;
	else {
		error_node(ld, v, path, "%s is not an http:// or https:// URL; "
		    "use one such as " DEF_BASE_URL, q);
		return;
	}
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] <= 0x20 || v->str[i] == 0x7f) {
			error_node(ld, v, path, "%s contains a space or a "
			    "control character; remove it (or percent-encode "
			    "it)", q);
			return;
		}
	if (strpbrk(v->str, "?#") != NULL) {
		error_node(ld, v, path, "%s contains '?' or '#'; give only "
		    "the base of the API (such as " DEF_BASE_URL ")", q);
		return;
	}
	n = v->len;
	while (n > (size_t)(host - v->str) && v->str[n - 1] == '/')
		n--;
	if (*host == '/' || n == (size_t)(host - v->str)) {
		error_node(ld, v, path, "%s has no host name; use a URL such "
		    "as " DEF_BASE_URL, q);
		return;
	}
	free(ld->cf->base_url);
	if ((ld->cf->base_url = strndup(v->str, n)) == NULL)
		ld->oom = 1;
	alen = strcspn(host, "/");
	if (host == v->str + 7 && !is_loopback(host, alen)) {
		snprintf(q, sizeof(q), "\"");
		escape(q, sizeof(q), host, alen);
		append(q, "\"", sizeof(q));
		warn_node(ld, v, path, "plain http:// sends the API key in "
		    "clear text to %s; use https://, or a proxy on this "
		    "machine (127.0.0.1, ::1 or localhost)", q);
	}
}

static void
k_token_file(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	if (get_str(ld, path, v, "the path of the file holding the API key",
	    &ld->cf->token_file) == 0)
		sn->token_file = v;
}

static void
k_timeout(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	sn->timeout = v;
	sn->timeout_ok = get_dur(ld, path, v, 1, HOUR, &ld->cf->timeout) == 0;
}

static void
k_connect_timeout(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	if (get_dur(ld, path, v, 0.1, HOUR, &ld->cf->connect_timeout) == 0)
		sn->connect_timeout = v;
}

static void
k_user_agent(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	size_t i;

	(void)sn;
	if (want_scalar(ld, path, v, "a string") == -1)
		return;
	if (v->len == 0 || v->len > CONF_UA_MAX) {
		error_node(ld, v, path, "is %s; give 1..%d printable "
		    "characters or remove the key to use the default",
		    v->len ? "too long" : "empty", CONF_UA_MAX);
		return;
	}
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 ||
		    (unsigned char)v->str[i] > 0x7e) {
			error_node(ld, v, path, "byte %zu is not printable "
			    "ASCII; use only printable ASCII characters (it "
			    "is sent as an HTTP header)", i + 1);
			return;
		}
	get_str(ld, path, v, "a string", &ld->cf->user_agent);
}

static void
k_max_concurrent(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	(void)sn;
	get_int(ld, path, v, 1, 1024, &ld->cf->max_concurrent);
}

static void
k_requests_per_second(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	(void)sn;
	get_num(ld, path, v, 0, 10000, &ld->cf->requests_per_second);
}

static void
k_burst(struct loader *ld, struct seen *sn, const char *path, struct node *v)
{
	if (get_num(ld, path, v, 1, 10000, &ld->cf->burst) == 0)
		sn->burst = v;
}

static void
k_max_retries(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	(void)sn;
	get_int(ld, path, v, 0, 20, &ld->cf->max_retries);
}

static void
k_interval(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	sn->interval = v;
	sn->interval_ok = get_dur(ld, path, v, INTERVAL_MIN, INTERVAL_MAX,
	    &ld->cf->interval) == 0;
}

static void
k_jitter(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	char q[CONF_QUOTE_MAX * 4 + 8];
	double d;

	if (want_scalar(ld, path, v, "a percentage (such as 10%) or a "
	    "duration") == -1)
		return;
	quote(v, q, sizeof(q));
	if (v->len > 1 && v->str[v->len - 1] == '%') {
		if (parse_number(v->str, v->len - 1, &d) == -1) {
			error_node(ld, v, path, "%s is not a percentage; use "
			    "0%%..50%% (such as 10%%) or a duration", q);
			return;
		}
		if (d < 0 || d > 50) {
			error_node(ld, v, path, "%s is out of range "
			    "(0%%..50%%)", v->str);
			return;
		}
		ld->cf->jitter = d / 100;
		ld->cf->jitter_pct = 1;
		return;
	}
	if (strlen(v->str) != v->len ||
	    conf_parse_duration(v->str, &d) == -1) {
		error_node(ld, v, path, "%s is neither a percentage nor a "
		    "duration (use a percentage such as 10%%, or 500ms, 10s, "
		    "15m, 1h or a number of seconds)", q);
		return;
	}
	ld->cf->jitter = d;
	ld->cf->jitter_pct = 0;
	sn->jitter = v;
}

static void
k_stop_grace(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	(void)sn;
	get_dur(ld, path, v, 0, HOUR, &ld->cf->stop_grace);
}

static void
k_directory(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	if (get_str(ld, path, v, "the directory for the snapshots",
	    &ld->cf->out_dir) == 0)
		sn->directory = v;
}

static void
k_history(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	(void)sn;
	get_int(ld, path, v, 0, 10000, &ld->cf->history);
}

/* A section: null is an empty section, anything else must be a mapping. */
static void
section(struct loader *ld, struct seen *sn, const char *path, struct node *v,
    const struct keydef *keys)
{
	if (is_null(v))
		return;
	if (v->type == NODE_ALIAS) {
		want_scalar(ld, path, v, "");
		return;
	}
	if (v->type != NODE_MAP) {
		error_node(ld, v, path, "must be a mapping of settings "
		    "(indented \"key: value\" lines), not %s", kind(v));
		return;
	}
	walk_map(ld, sn, path, v, keys);
}

static void
k_api(struct loader *ld, struct seen *sn, const char *path, struct node *v)
{
	static const struct keydef keys[] = {
		{ "base_url", k_base_url },
		{ "token_file", k_token_file },
		{ "timeout", k_timeout },
		{ "connect_timeout", k_connect_timeout },
		{ "user_agent", k_user_agent },
		{ NULL, NULL }
	};

	section(ld, sn, path, v, keys);
}

static void
k_limits(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	static const struct keydef keys[] = {
		{ "max_concurrent", k_max_concurrent },
		{ "requests_per_second", k_requests_per_second },
		{ "burst", k_burst },
		{ "max_retries", k_max_retries },
		{ NULL, NULL }
	};

	section(ld, sn, path, v, keys);
}

static void
k_schedule(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	static const struct keydef keys[] = {
		{ "interval", k_interval },
		{ "jitter", k_jitter },
		{ "stop_grace", k_stop_grace },
		{ NULL, NULL }
	};

	section(ld, sn, path, v, keys);
}

static void
k_output(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	static const struct keydef keys[] = {
		{ "directory", k_directory },
		{ "history", k_history },
		{ NULL, NULL }
	};

	section(ld, sn, path, v, keys);
}

/* Whether mapping m has the key name. */
static int
has_key(const struct node *m, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < m->nkid; i += 2)
		if (m->kid[i]->type == NODE_SCALAR &&
		    strcmp(m->kid[i]->str, name) == 0)
			return 1;
	return 0;
}

/*
 * An empty list item, or an empty "tag:" when item is 0.  When the line
 * shows the YAML comment trap ("- #9V2Y"), point at the '#' and show both
 * fixes with that tag.
 */
static void
empty_item(struct loader *ld, const char *path, struct node *v, int item)
{
	size_t off, end, col = v->col;
	char word[TAG_MAXCHARS + 8];

	off = pos_offset(ld, v->line, v->col);
	while (off < ld->buflen && (ld->buf[off] == ' ' ||
	    ld->buf[off] == '\t')) {
		off++;
		col++;
	}
	if (off < ld->buflen && ld->buf[off] == '#') {
		for (end = off + 1; end < ld->buflen && end - off - 1 <
		    sizeof(word) - 1 && ld->buf[end] > 0x20 &&
		    ld->buf[end] < 0x7f && ld->buf[end] != '"'; end++)
			;
		if (end > off + 1 && (end == ld->buflen ||
		    ld->buf[end] <= 0x20)) {
			memcpy(word, ld->buf + off + 1, end - off - 1);
			word[end - off - 1] = '\0';
			error_at(ld, v->line, col, path, "empty %s: an "
			    "unquoted \"%s#%s\" is a YAML comment, so %s is "
			    "null; quote the tag (\"#%s\") or drop the '#' "
			    "(%s)", item ? "item" : "tag", item ? "- " :
			    "tag: ", word, item ? "this item" : "the tag",
			    word, word);
			return;
		}
	}
	error_node(ld, v, path, "empty %s: write a clan tag here, quoted "
	    "(\"#9V2Y\") or without the '#' (9V2Y); an unquoted '#' starts a "
	    "YAML comment", item ? "item" : "tag");
}

static int
clan_tag(struct loader *ld, const char *path, struct node *v,
    struct conf_clan *c)
{
	char err[256];

	if (is_null(v)) {
		empty_item(ld, path, v, 0);
		return -1;
	}
	if (want_scalar(ld, path, v, "a clan tag (such as \"#9V2Y\")") == -1)
		return -1;
	if (strlen(v->str) != v->len ||
	    tag_normalize(v->str, "clan", c->tag, err, sizeof(err)) == -1) {
		if (strlen(v->str) != v->len)
			snprintf(err, sizeof(err), "the clan tag contains a "
			    "NUL byte; remove it");
		error_node(ld, v, path, "%s", err);
		return -1;
	}
	return 0;
}

static void
k_clan_tag(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	if (clan_tag(ld, path, v, sn->clan->clan) == 0)
		sn->clan->tag = v;
}

static void
k_clan_name(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	get_str(ld, path, v, "a label for the clan", &sn->clan->clan->name);
}

static void
k_clan_interval(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	if (get_dur(ld, path, v, INTERVAL_MIN, INTERVAL_MAX,
	    &sn->clan->clan->interval) == 0)
		sn->clan->interval_set = 1;
}

static void
k_clans(struct loader *ld, struct seen *sn, const char *path,
    struct node *v)
{
	static const struct keydef keys[] = {
		{ "tag", k_clan_tag },
		{ "name", k_clan_name },
		{ "interval", k_clan_interval },
		{ NULL, NULL }
	};
	struct conf *cf = ld->cf;
	struct clan_ctx ctx;
	struct dupset seen;
	struct node *it, **tagnode;
	struct conf_clan *c;
	char ipath[CONF_PATH_MAX];
	size_t i, j;

	sn->clans = v;
	if (v->type != NODE_SEQ) {
		if (is_null(v))
			error_node(ld, v, path, "no clans listed; list at "
			    "least one tag, such as - \"#9V2Y\"");
		else if (v->type == NODE_ALIAS)
			want_scalar(ld, path, v, "");
		else
			error_node(ld, v, path, "must be a list of clan tags "
			    "(lines of - \"#9V2Y\"), not %s", kind(v));
		return;
	}
	if (v->nkid == 0) {
		error_node(ld, v, path, "the list is empty; list at least one "
		    "clan tag, such as - \"#9V2Y\"");
		return;
	}
	cf->clans = xalloc(ld, v->nkid * sizeof(*cf->clans));
	tagnode = xalloc(ld, v->nkid * sizeof(*tagnode));
	if (cf->clans == NULL || tagnode == NULL ||
	    dupset_init(ld, &seen, v->nkid) == -1) {
		free(tagnode);
		return;
	}
	for (i = 0; i < v->nkid; i++) {
		it = v->kid[i];
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		c = &cf->clans[cf->nclans];
		memset(&ctx, 0, sizeof(ctx));
		ctx.clan = c;
		if (it->type == NODE_MAP) {
			sn->clan = &ctx;
			walk_map(ld, sn, ipath, it, keys);
			sn->clan = NULL;
			if (!has_key(it, "tag"))
				error_node(ld, it, ipath, "no \"tag\" key; "
				    "add one, such as tag: \"#9V2Y\"");
		} else if (is_null(it)) {
			empty_item(ld, ipath, it, 1);
		} else if (it->type == NODE_SCALAR) {
			if (clan_tag(ld, ipath, it, c) == 0)
				ctx.tag = it;
		} else if (it->type == NODE_ALIAS) {
			want_scalar(ld, ipath, it, "");
		} else {
			error_node(ld, it, ipath, "must be a clan tag or a "
			    "mapping with a \"tag\" key, not %s", kind(it));
		}
		if (ctx.tag == NULL) {
			free(c->name);
			memset(c, 0, sizeof(*c));
			continue;
		}
		/*
		 * The set points at c->tag: an accepted clan never moves, and
		 * a refused one is never added.
		 */
		if ((j = dupset_add(&seen, c->tag, strlen(c->tag),
		    cf->nclans)) != cf->nclans) {
			if (it->type == NODE_MAP)
				append(ipath, ".tag", sizeof(ipath));
			error_node(ld, ctx.tag, ipath, "\"%s\" is listed "
			    "twice (first at line %zu); remove one", c->tag,
			    tagnode[j]->line);
			free(c->name);
			memset(c, 0, sizeof(*c));
			continue;
		}
		if (!ctx.interval_set)
			c->interval = -1;
		tagnode[cf->nclans++] = ctx.tag;
	}
	free(seen.slot);
	free(tagnode);
}

/*
 * Make a configured path usable: "~/" becomes $HOME, and a relative path
 * is taken from the directory of the configuration file.
 */
static void
resolve_path(struct loader *ld, const char *path, struct node *v, char **p)
{
	const char *slash, *home = ld->env->home;
	char *s, q[CONF_QUOTE_MAX * 4 + 8];

	if (strncmp(*p, "~/", 2) == 0) {
		if (home == NULL || home[0] == '\0') {
			error_node(ld, v, path, "%s needs $HOME, which is not "
			    "set; write the full path", quote(v, q, sizeof(q)));
			return;
		}
		if ((s = path_join(ld, home, strlen(home), *p + 2)) == NULL)
			return;
		free(*p);
		*p = s;
	}
	if ((*p)[0] == '/' || (slash = strrchr(ld->path, '/')) == NULL)
		return;
	if ((s = path_join(ld, ld->path, slash == ld->path ? 1 :
	    (size_t)(slash - ld->path), *p)) == NULL)
		return;
	free(*p);
	*p = s;
}

/* Defaults, and the checks that involve more than one key. */
static void
finish(struct loader *ld, struct seen *sn, struct node *root)
{
	struct conf *cf = ld->cf;
	const char *cred = ld->env->credentials_directory;
	const char *state = ld->env->state_directory;
	char a[32], b[32];
	double shortest;
	size_t i;

	if (sn->clans == NULL)
		error_node(ld, root, "clans", "missing; add a \"clans\" list "
		    "with at least one clan tag, such as clans: [\"#9V2Y\"]");
	if (sn->connect_timeout == NULL) {
		if (cf->connect_timeout > cf->timeout)
			cf->connect_timeout = cf->timeout;
	} else if ((sn->timeout == NULL || sn->timeout_ok) &&
	    cf->connect_timeout > cf->timeout)
		error_node(ld, sn->connect_timeout, "api.connect_timeout",
		    "%s is longer than api.timeout (%s); make it shorter",
		    sn->connect_timeout->str, fmt_dur(cf->timeout, a,
		    sizeof(a)));
	if (sn->burst == NULL)
		cf->burst = cf->requests_per_second < 1 ? 1 :
		    cf->requests_per_second;

	shortest = cf->interval;
	for (i = 0; i < cf->nclans; i++) {
		if (cf->clans[i].interval < 0)
			cf->clans[i].interval = cf->interval;
		if (i == 0 || cf->clans[i].interval < shortest)
			shortest = cf->clans[i].interval;
	}
	if (sn->jitter != NULL && (sn->interval == NULL || sn->interval_ok) &&
	    cf->jitter >= shortest / 2)
		error_node(ld, sn->jitter, "schedule.jitter", "%s must be less "
		    "than half the shortest interval in use (%s); lower it or "
		    "give a percentage such as 10%%", sn->jitter->str,
		    fmt_dur(shortest, b, sizeof(b)));

	if (cf->base_url == NULL)
		cf->base_url = xstrdup(ld, DEF_BASE_URL);
	if (cf->user_agent == NULL)
		cf->user_agent = xstrdup(ld, DEF_USER_AGENT);
	if (sn->token_file != NULL)
		resolve_path(ld, "api.token_file", sn->token_file,
		    &cf->token_file);
	else if (cred != NULL && cred[0] != '\0')
		cf->token_file = path_join(ld, cred, strlen(cred), "token");
	else
		cf->token_file = xstrdup(ld, DEF_TOKEN_FILE);
	if (sn->directory != NULL)
		resolve_path(ld, "output.directory", sn->directory,
		    &cf->out_dir);
	else if (state != NULL && state[0] != '\0' && state[0] != ':')
		cf->out_dir = strndup(state, strcspn(state, ":"));
	else
		cf->out_dir = xstrdup(ld, DEF_OUT_DIR);
	if (cf->out_dir == NULL)
		ld->oom = 1;
}

static void
validate(struct loader *ld, struct node *root)
{
	static const struct keydef keys[] = {
		{ "api", k_api },
		{ "limits", k_limits },
		{ "schedule", k_schedule },
		{ "output", k_output },
		{ "clans", k_clans },
		{ NULL, NULL }
	};
	struct seen sn;

	memset(&sn, 0, sizeof(sn));
	if (root == NULL || is_null(root)) {
		error_at(ld, root ? root->line : 1, root ? root->col : 1, NULL,
		    "the configuration is empty; it must be a mapping with a "
		    "\"clans\" key");
		return;
	}
	if (root->type != NODE_MAP) {
		error_node(ld, root, NULL, "the configuration must be a "
		    "mapping with a \"clans\" key");
		return;
	}
	walk_map(ld, &sn, "", root, keys);
	finish(ld, &sn, root);
}

/* Read the whole file into ld->buf; report and return -1 on failure. */
static int
read_file(struct loader *ld)
{
	FILE *fp;
	size_t n = 0, cap = 0;
	char *text, *p;
	int e;

	if ((fp = fopen(ld->path, "r")) == NULL)
		goto fail;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if ((p = realloc(ld->buf, cap + 1)) == NULL) {
				fclose(fp);
				ld->oom = 1;
				return -1;
			}
			ld->buf = p;
		}
		n += fread(ld->buf + n, 1, cap - n, fp);
	} while (n == cap && n <= CONF_FILE_MAX);
	if (ferror(fp)) {
		e = errno;
		fclose(fp);
		errno = e;
		goto fail;
	}
	fclose(fp);
	if (n > CONF_FILE_MAX) {
		if (asprintf(&text, "%s: the file is larger than 1 MiB; give "
		    "the path of the YAML configuration", ld->path) == -1)
			text = NULL;
		add_msg(ld, 0, 0, text);
		return -1;
	}
	ld->buflen = n;
	ld->buf[n] = '\0';
	return 0;
 fail:
	if (asprintf(&text, "%s: cannot read: %s", ld->path,
	    strerror(errno)) == -1)
		text = NULL;
	add_msg(ld, 0, 0, text);
	return -1;
}

/* Move the warnings to errs; -1 when out of memory. */
static int
hand_over_warnings(struct loader *ld, struct conf_errs *errs)
{
	struct conf_warn *w;
	size_t i;

	if (ld->nwarn == 0 || errs == NULL)
		return 0;
	w = reallocarray(errs->warn, errs->nwarn + ld->nwarn, sizeof(*w));
	if (w == NULL)
		return -1;
	errs->warn = w;
	for (i = 0; i < ld->nwarn; i++)
		errs->warn[errs->nwarn++] = ld->warn[i];
	ld->nwarn = 0;
	return 0;
}

/* Move the messages to errs, in file order; "out of memory" alone. */
static void
hand_over(struct loader *ld, struct conf_errs *errs)
{
	struct msg m;
	char **v;
	size_t i, j;

	if (ld->oom) {
		for (i = 0; i < ld->nmsg; i++)
			free(ld->msg[i].text);
		ld->nmsg = 0;
		ld->oom = 0;
		if (asprintf(&m.text, "%s: out of memory", ld->path) == -1)
			return;
		add_msg(ld, 0, 0, m.text);
	}
	for (i = 1; i < ld->nmsg; i++) {
		m = ld->msg[i];
		for (j = i; j > 0 && (ld->msg[j - 1].line > m.line ||
		    (ld->msg[j - 1].line == m.line &&
		    ld->msg[j - 1].col > m.col)); j--)
			ld->msg[j] = ld->msg[j - 1];
		ld->msg[j] = m;
	}
	if (ld->nmsg == 0)
		return;
	v = errs == NULL ? NULL :
	    reallocarray(errs->msg, errs->n + ld->nmsg, sizeof(*v));
	if (v == NULL) {
		for (i = 0; i < ld->nmsg; i++)
			free(ld->msg[i].text);
		return;
	}
	errs->msg = v;
	for (i = 0; i < ld->nmsg; i++)
		errs->msg[errs->n++] = ld->msg[i].text;
}

struct conf *
conf_load(const char *path, const struct conf_env *env,
    struct conf_errs *errs)
{
	static const struct conf_env noenv;
	struct loader ld;
	struct node *root, *n, *next;
	struct conf *cf = NULL;
	size_t i;
	int bad;

	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.env = env ? env : &noenv;
	if (read_file(&ld) == -1)
		goto done;
	if ((cf = xalloc(&ld, sizeof(*cf))) == NULL)
		goto done;
	ld.cf = cf;
	cf->path = xstrdup(&ld, path);
	cf->timeout = 10;
	cf->connect_timeout = 5;
	cf->max_concurrent = 8;
	cf->requests_per_second = 10;
	cf->max_retries = 4;
	cf->interval = 15 * 60;
	cf->jitter = 0.10;
	cf->jitter_pct = 1;
	cf->stop_grace = 10;
	cf->history = 0;
	root = parse(&ld, &bad);
	if (!bad && !ld.oom)
		validate(&ld, root);
	for (n = ld.all; n != NULL; n = next) {
		next = n->all;
		free(n->str);
		free(n->kid);
		free(n);
	}
 done:
	free(ld.buf);
	free(ld.lines);
	if (ld.nmsg == 0 && !ld.oom && hand_over_warnings(&ld, errs) == -1)
		ld.oom = 1;
	if (ld.nmsg > 0 || ld.oom) {
		conf_free(cf);
		cf = NULL;
	}
	for (i = 0; i < ld.nwarn; i++) {
		free(ld.warn[i].where);
		free(ld.warn[i].text);
	}
	free(ld.warn);
	hand_over(&ld, errs);
	free(ld.msg);
	return cf;
}

void
conf_free(struct conf *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	free(cf->path);
	free(cf->base_url);
	free(cf->token_file);
	free(cf->user_agent);
	free(cf->out_dir);
	if (cf->clans != NULL)
		for (i = 0; i < cf->nclans; i++)
			free(cf->clans[i].name);
	free(cf->clans);
	free(cf);
}

void
conf_errs_free(struct conf_errs *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = 0;
	for (i = 0; i < errs->nwarn; i++) {
		free(errs->warn[i].where);
		free(errs->warn[i].text);
	}
	free(errs->warn);
	errs->warn = NULL;
	errs->nwarn = 0;
}

double
conf_jitter(const struct conf *cf, double interval)
{
	return cf->jitter_pct ? cf->jitter * interval : cf->jitter;
}
