/* confkeys.c - the keys of clanpopd.yaml: one table row each (pure). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confdata.h"
#include "confkeys.h"
#include "confval.h"
#include "diag.h"
#include "dupset.h"
#include "layout.h"
#include "tag.h"
#include "yamltree.h"

#define CONFKEYS_UA_MAX		200	/* bytes of user_agent */
#define CONFKEYS_BASE_URL	"https://api.clashroyale.com/v1"

#define INTERVAL_MIN	10.0			/* seconds */
#define INTERVAL_MAX	(7 * 86400.0)		/* seconds */
#define HOUR		CONFVAL_HOUR		/* seconds */
#define DAY		CONFVAL_DAY		/* seconds */
#define CENTURY		(36500 * DAY)		/* seconds */

#define CONF(field)	offsetof(struct conf, field)
#define CLAN(field)	offsetof(struct conf_clan, field)

static int	confkeys_base_url(struct confval_walk *, const char *,
		    const struct yamltree_node *, void *);
static int	confkeys_user_agent(struct confval_walk *, const char *,
		    const struct yamltree_node *, void *);
static int	confkeys_jitter(struct confval_walk *, const char *,
		    const struct yamltree_node *, void *);
static int	confkeys_database(struct confval_walk *, const char *,
		    const struct yamltree_node *, void *);
static int	confkeys_clans(struct confval_walk *, const char *,
		    const struct yamltree_node *, void *);
static int	confkeys_tag(struct confval_walk *, const char *,
		    const struct yamltree_node *, void *);

/*
 * A key with a .read function is checked by it; the others by their
 * type.  Adding a key: a row here, its field in struct conf, and the
 * documents (tests/t_man.sh reads this table).
 */
const struct confval_key confkeys[CONFKEY_N] = {
	[CONFKEY_API] = { .section = "", .name = "api",
	    .type = CONFVAL_SECTION },
	[CONFKEY_BASE_URL] = { .section = "api", .name = "base_url",
	    .type = CONFVAL_STRING, .def_str = CONFKEYS_BASE_URL,
	    .off = CONF(base_url), .read = confkeys_base_url },
	/* Default: $CREDENTIALS_DIRECTORY/token, else under SYSCONFDIR. */
	[CONFKEY_TOKEN_FILE] = { .section = "api", .name = "token_file",
	    .type = CONFVAL_STRING, .off = CONF(token_file),
	    .want = "the path of the file holding the API key" },
	[CONFKEY_TIMEOUT] = { .section = "api", .name = "timeout",
	    .type = CONFVAL_DURATION, .lo = 1, .hi = HOUR, .def = 10,
	    .off = CONF(timeout) },
	/* The default is cut to api.timeout when that is shorter. */
	[CONFKEY_CONNECT_TIMEOUT] = {
	    .section = "api", .name = "connect_timeout",
	    .type = CONFVAL_DURATION, .lo = 0.1, .hi = HOUR, .def = 5,
	    .off = CONF(connect_timeout) },
	[CONFKEY_USER_AGENT] = { .section = "api", .name = "user_agent",
	    .type = CONFVAL_STRING, .def_str = "clanpopd/" PACKAGE_VERSION,
	    .off = CONF(user_agent), .read = confkeys_user_agent },

	[CONFKEY_LIMITS] = { .section = "", .name = "limits",
	    .type = CONFVAL_SECTION },
	[CONFKEY_MAX_CONCURRENT] = {
	    .section = "limits", .name = "max_concurrent",
	    .type = CONFVAL_INT, .lo = 1, .hi = 1024, .def = 8,
	    .off = CONF(max_concurrent) },
	[CONFKEY_REQUESTS_PER_SECOND] = {
	    .section = "limits", .name = "requests_per_second",
	    .type = CONFVAL_NUMBER, .lo = 0, .hi = 10000, .def = 10,
	    .off = CONF(requests_per_second) },
	/*
	 * Default 1: with a full bucket of one token a key's starts are
	 * 1/rate apart, so no second sees more than the rate
	 * (docs/OPERATIONS.md).
	 */
	[CONFKEY_BURST] = { .section = "limits", .name = "burst",
	    .type = CONFVAL_NUMBER, .lo = 1, .hi = 10000, .def = 1,
	    .off = CONF(burst) },
	[CONFKEY_MAX_RETRIES] = { .section = "limits", .name = "max_retries",
	    .type = CONFVAL_INT, .lo = 0, .hi = 20, .def = 4,
	    .off = CONF(max_retries) },

	[CONFKEY_SCHEDULE] = { .section = "", .name = "schedule",
	    .type = CONFVAL_SECTION },
	[CONFKEY_INTERVAL] = { .section = "schedule", .name = "interval",
	    .type = CONFVAL_DURATION, .lo = INTERVAL_MIN, .hi = INTERVAL_MAX,
	    .def = 15 * 60, .off = CONF(interval) },
	/* The default, 10%, is a fraction: conf.c sets jitter_pct. */
	[CONFKEY_JITTER] = { .section = "schedule", .name = "jitter",
	    .type = CONFVAL_NUMBER, .def = 0.10, .off = CONF(jitter),
	    .read = confkeys_jitter },
	[CONFKEY_STOP_GRACE] = { .section = "schedule", .name = "stop_grace",
	    .type = CONFVAL_DURATION, .lo = 0, .hi = HOUR, .def = 10,
	    .off = CONF(stop_grace) },
	[CONFKEY_REUSE_UNSEEN] = {
	    .section = "schedule", .name = "reuse_unseen",
	    .type = CONFVAL_BOOL, .def = 1, .off = CONF(reuse_unseen) },
	/* At least the longest interval: conf.c checks. */
	[CONFKEY_PROFILE_MAX_AGE] = {
	    .section = "schedule", .name = "profile_max_age",
	    .type = CONFVAL_DURATION, .lo = INTERVAL_MIN, .hi = 30 * DAY,
	    .def = DAY, .off = CONF(profile_max_age) },
	[CONFKEY_SEEN_MARGIN] = {
	    .section = "schedule", .name = "seen_margin",
	    .type = CONFVAL_DURATION, .lo = 0, .hi = DAY, .def = HOUR,
	    .off = CONF(seen_margin) },

	[CONFKEY_OUTPUT] = { .section = "", .name = "output",
	    .type = CONFVAL_SECTION },
	/* Default: the first of $STATE_DIRECTORY, else /var/lib/clanpopd. */
	[CONFKEY_DIRECTORY] = { .section = "output", .name = "directory",
	    .type = CONFVAL_STRING, .off = CONF(out_dir),
	    .want = "the directory for the snapshots" },
	[CONFKEY_HISTORY] = { .section = "output", .name = "history",
	    .type = CONFVAL_INT, .lo = 0, .hi = 10000, .def = 0,
	    .off = CONF(history) },
	[CONFKEY_DATABASE] = { .section = "output", .name = "database",
	    .type = CONFVAL_STRING, .def_str = LAYOUT_DATABASE,
	    .off = CONF(database), .read = confkeys_database },
	[CONFKEY_RETENTION] = { .section = "output", .name = "retention",
	    .type = CONFVAL_DURATION, .lo = 0, .hi = CENTURY,
	    .def = 90 * DAY, .off = CONF(retention) },
	[CONFKEY_TREND_WINDOW] = {
	    .section = "output", .name = "trend_window",
	    .type = CONFVAL_DURATION, .lo = 1, .hi = CENTURY,
	    .def = 30 * DAY, .off = CONF(trend_window) },

	[CONFKEY_CLANS] = { .section = "", .name = "clans",
	    .type = CONFVAL_OTHER, .read = confkeys_clans },
	[CONFKEY_CLAN_TAG] = { .section = "clans[]", .name = "tag",
	    .type = CONFVAL_OTHER, .off = CLAN(tag), .read = confkeys_tag },
	[CONFKEY_CLAN_NAME] = { .section = "clans[]", .name = "name",
	    .type = CONFVAL_STRING, .off = CLAN(name),
	    .want = "a label for the clan" },
	/* -1: schedule.interval, filled in by conf.c. */
	[CONFKEY_CLAN_INTERVAL] = { .section = "clans[]", .name = "interval",
	    .type = CONFVAL_DURATION, .lo = INTERVAL_MIN, .hi = INTERVAL_MAX,
	    .def = -1, .off = CLAN(interval) },
};

/*
 * Whether the URL s holds userinfo: an '@' before the first '/' after
 * "scheme://", or from the start when there is no "://".  Checked before
 * anything quotes the value, so that no message repeats a password.
 */
static int
confkeys_has_userinfo(const char *s, size_t len)
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
confkeys_is_loopback(const char *a, size_t len)
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

/* Warn when the URL v sends the key in clear text off this machine. */
static void
confkeys_warn_http(struct diag *dg, const char *path,
    const struct yamltree_node *v, const char *host)
{
	char q[DIAG_QUOTE_SIZE];
	size_t alen = strcspn(host, "/");

	if (host != v->str + 7 || confkeys_is_loopback(host, alen))
		return;
	diag_warn(dg, v->line, v->col, path, "plain http:// sends the API key "
	    "in clear text to %s; use https://, or a proxy on this machine "
	    "(127.0.0.1, ::1 or localhost)", diag_quote(host, alen, q,
	    sizeof(q)));
}

static int
confkeys_base_url(struct confval_walk *w, const char *path,
    const struct yamltree_node *v, void *base)
{
	struct conf *cf = base;
	char q[DIAG_QUOTE_SIZE];
	const char *host;
	size_t i, n;

	if (confval_scalar(w->dg, path, v, "a URL such as " CONFKEYS_BASE_URL)
	    == -1)
		return -1;
	if (confkeys_has_userinfo(v->str, v->len)) {
		confval_error(w->dg, v, path, "a user name or password in the "
		    "URL (user:password@host) is not allowed, as it would be "
		    "logged; remove it and use a proxy's own authentication "
		    "or the API token (api.token_file)");
		return -1;
	}
	diag_quote(v->str, v->len, q, sizeof(q));
	if (strncmp(v->str, "https://", 8) == 0)
		host = v->str + 8;
	else if (strncmp(v->str, "http://", 7) == 0)
		host = v->str + 7;
	else {
		confval_error(w->dg, v, path, "%s is not an http:// or "
		    "https:// URL; use one such as " CONFKEYS_BASE_URL, q);
		return -1;
	}
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] <= 0x20 || v->str[i] == 0x7f) {
			confval_error(w->dg, v, path, "%s contains a space or "
			    "a control character; remove it (or "
			    "percent-encode it)", q);
			return -1;
		}
	if (strpbrk(v->str, "?#") != NULL) {
		confval_error(w->dg, v, path, "%s contains '?' or '#'; give "
		    "only the base of the API (such as " CONFKEYS_BASE_URL ")",
		    q);
		return -1;
	}
	n = v->len;
	while (n > (size_t)(host - v->str) && v->str[n - 1] == '/')
		n--;
	if (*host == '/' || n == (size_t)(host - v->str)) {
		confval_error(w->dg, v, path, "%s has no host name; use a URL "
		    "such as " CONFKEYS_BASE_URL, q);
		return -1;
	}
	free(cf->base_url);
	if ((cf->base_url = strndup(v->str, n)) == NULL)
		w->dg->nomem = 1;
	confkeys_warn_http(w->dg, path, v, host);
	return 0;
}

static int
confkeys_user_agent(struct confval_walk *w, const char *path,
    const struct yamltree_node *v, void *base)
{
	struct conf *cf = base;
	size_t i;

	if (confval_scalar(w->dg, path, v, "a string") == -1)
		return -1;
	if (v->len == 0 || v->len > CONFKEYS_UA_MAX) {
		confval_error(w->dg, v, path, "is %s; give 1..%d printable "
		    "characters or remove the key to use the default",
		    v->len ? "too long" : "empty", CONFKEYS_UA_MAX);
		return -1;
	}
	for (i = 0; i < v->len; i++)
		if ((unsigned char)v->str[i] < 0x20 ||
		    (unsigned char)v->str[i] > 0x7e) {
			confval_error(w->dg, v, path, "byte %zu is not "
			    "printable ASCII; use only printable ASCII "
			    "characters (it is sent as an HTTP header)", i + 1);
			return -1;
		}
	return confval_string(w->dg, path, v, "a string", &cf->user_agent);
}

/*
 * The database's path inside output.directory: plain names joined by '/',
 * so that it cannot leave the directory or land among the files clanpopd
 * rewrites; "" turns the history database off.
 */
static int
confkeys_database(struct confval_walk *w, const char *path,
    const struct yamltree_node *v, void *base)
{
	static const char *const own[] = LAYOUT_OWN;
	struct conf *cf = base;
	char q[DIAG_QUOTE_SIZE];
	const char *p, *e;
	size_t i, n;

	if (v->type == YAMLTREE_SCALAR && !yamltree_is_null(v) &&
	    v->len == 0) {
		free(cf->database);
		if ((cf->database = strdup("")) == NULL)
			w->dg->nomem = 1;
		return cf->database != NULL ? 0 : -1;
	}
	if (confval_scalar(w->dg, path, v, "a path inside output.directory, "
	    "or \"\" for none") == -1)
		return -1;
	diag_quote(v->str, v->len, q, sizeof(q));
	if (v->str[0] == '/') {
		confval_error(w->dg, v, path, "%s is an absolute path; give "
		    "a path inside output.directory, such as history.sqlite",
		    q);
		return -1;
	}
	for (p = v->str; ; p = e + 1) {
		e = memchr(p, '/', v->len - (size_t)(p - v->str));
		n = e != NULL ? (size_t)(e - p) : v->len -
		    (size_t)(p - v->str);
		if (n == 0 || (n <= 2 && strncmp(p, "..", n) == 0) ||
		    memchr(p, '\0', n) != NULL) {
			confval_error(w->dg, v, path, "%s is not a plain "
			    "path: use names joined by '/', without '.', "
			    "'..' or empty parts, such as history.sqlite", q);
			return -1;
		}
		if (e == NULL)
			break;
	}
	n = strcspn(v->str, "/");
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strlen(own[i]) == n && strncmp(v->str, own[i], n) == 0) {
			confval_error(w->dg, v, path, "%s is among the files "
			    "clanpopd writes (%s); choose another name, such "
			    "as history.sqlite", q, own[i]);
			return -1;
		}
	return confval_string(w->dg, path, v, "a string", &cf->database);
}

/* A percentage of the interval (jitter_pct) or a duration in seconds. */
static int
confkeys_jitter(struct confval_walk *w, const char *path,
    const struct yamltree_node *v, void *base)
{
	struct conf *cf = base;
	char q[DIAG_QUOTE_SIZE];
	double d;

	if (confval_scalar(w->dg, path, v, "a percentage (such as 10%) or a "
	    "duration") == -1)
		return -1;
	diag_quote(v->str, v->len, q, sizeof(q));
	if (v->len > 1 && v->str[v->len - 1] == '%') {
		if (confval_parse_number(v->str, v->len - 1, &d) == -1) {
			confval_error(w->dg, v, path, "%s is not a percentage; "
			    "use 0%%..50%% (such as 10%%) or a duration", q);
			return -1;
		}
		if (d < 0 || d > 50) {
			confval_error(w->dg, v, path, "%s is out of range "
			    "(0%%..50%%)", v->str);
			return -1;
		}
		cf->jitter = d / 100;
		cf->jitter_pct = 1;
		return 0;
	}
	if (strlen(v->str) != v->len ||
	    confval_parse_duration(v->str, &d) == -1) {
		confval_error(w->dg, v, path, "%s is neither a percentage nor "
		    "a duration (use a percentage such as 10%%, or 500ms, "
		    "10s, 15m, 1h, 90d or a number of seconds)", q);
		return -1;
	}
	cf->jitter = d;
	cf->jitter_pct = 0;
	return 0;
}

/*
 * An empty list item, or an empty "tag:" when item is 0.  When the line
 * shows the YAML comment trap ("- #9V2Y"), point at the '#' and show both
 * fixes with that tag.
 */
static void
confkeys_empty(struct confval_walk *w, const char *path,
    const struct yamltree_node *v, int item)
{
	const char *buf = w->tree->buf;
	size_t off, end, col = v->col, len = w->tree->len;
	char word[TAG_MAXCHARS + 8];

	off = yamltree_offset(w->tree, v->line, v->col);
	for (; off < len && (buf[off] == ' ' || buf[off] == '\t'); off++)
		col++;
	if (off < len && buf[off] == '#') {
		for (end = off + 1; end < len && end - off - 1 <
		    sizeof(word) - 1 && buf[end] > 0x20 && buf[end] < 0x7f &&
		    buf[end] != '"'; end++)
			;
		if (end > off + 1 && (end == len || buf[end] <= 0x20)) {
			memcpy(word, buf + off + 1, end - off - 1);
			word[end - off - 1] = '\0';
			diag_error(w->dg, v->line, col, path, "empty %s: an "
			    "unquoted \"%s#%s\" is a YAML comment, so %s is "
			    "null; quote the tag (\"#%s\") or drop the '#' "
			    "(%s)", item ? "item" : "tag", item ? "- " :
			    "tag: ", word, item ? "this item" : "the tag",
			    word, word);
			return;
		}
	}
	confval_error(w->dg, v, path, "empty %s: write a clan tag here, quoted "
	    "(\"#9V2Y\") or without the '#' (9V2Y); an unquoted '#' starts a "
	    "YAML comment", item ? "item" : "tag");
}

/* A clan tag, given alone as a list item or as a clan's "tag:". */
static int
confkeys_tag(struct confval_walk *w, const char *path,
    const struct yamltree_node *v, void *base)
{
	struct conf_clan *c = base;
	char err[256];

	if (yamltree_is_null(v)) {
		confkeys_empty(w, path, v, 0);
		return -1;
	}
	if (confval_scalar(w->dg, path, v, "a clan tag (such as \"#9V2Y\")") ==
	    -1)
		return -1;
	if (strlen(v->str) != v->len ||
	    tag_normalize(v->str, "clan", c->tag, err, sizeof(err)) == -1) {
		if (strlen(v->str) != v->len)
			snprintf(err, sizeof(err), "the clan tag contains a "
			    "NUL byte; remove it");
		confval_error(w->dg, v, path, "%s", err);
		return -1;
	}
	return 0;
}

/*
 * Read the list item it at path into c, with seen (w->nkeys of them) for
 * its keys.  Returns the node of its tag, or NULL when it is refused.
 */
static const struct yamltree_node *
confkeys_clan(struct confval_walk *w, struct confval_seen *seen,
    const char *path, const struct yamltree_node *it, struct conf_clan *c)
{
	struct confval_walk cw = *w;

	if (confval_defaults(w, "clans[]", c) == -1)
		return NULL;
	if (it->type == YAMLTREE_MAP) {
		memset(seen, 0, w->nkeys * sizeof(*seen));
		cw.seen = seen;
		confval_map(&cw, "clans[]", path, it, c);
		if (seen[CONFKEY_CLAN_TAG].node == NULL)
			confval_error(w->dg, it, path, "no \"tag\" key; add "
			    "one, such as tag: \"#9V2Y\"");
		return seen[CONFKEY_CLAN_TAG].ok ?
		    seen[CONFKEY_CLAN_TAG].node : NULL;
	}
	if (yamltree_is_null(it))
		confkeys_empty(w, path, it, 1);
	else if (it->type == YAMLTREE_SCALAR)
		return confkeys_tag(w, path, it, c) == 0 ? it : NULL;
	else if (it->type == YAMLTREE_ALIAS)
		confval_scalar(w->dg, path, it, "");
	else
		confval_error(w->dg, it, path, "must be a clan tag or a "
		    "mapping with a \"tag\" key, not %s", confval_kind(it));
	return NULL;
}

/* Whether v can be the clan list; reports why not. */
static int
confkeys_clan_list(struct diag *dg, const char *path,
    const struct yamltree_node *v)
{
	if (v->type != YAMLTREE_SEQ) {
		if (yamltree_is_null(v))
			confval_error(dg, v, path, "no clans listed; list at "
			    "least one tag, such as - \"#9V2Y\"");
		else if (v->type == YAMLTREE_ALIAS)
			confval_scalar(dg, path, v, "");
		else
			confval_error(dg, v, path, "must be a list of clan "
			    "tags (lines of - \"#9V2Y\"), not %s",
			    confval_kind(v));
		return -1;
	}
	if (v->nkid == 0) {
		confval_error(dg, v, path, "the list is empty; list at least "
		    "one clan tag, such as - \"#9V2Y\"");
		return -1;
	}
	return 0;
}

static int
confkeys_clans(struct confval_walk *w, const char *path,
    const struct yamltree_node *v, void *base)
{
	struct conf *cf = base;
	const struct yamltree_node **tagnode = NULL, *tag;
	struct confval_seen *seen = NULL;
	struct conf_clan *c;
	struct dupset tags = { NULL, 0 };
	char ipath[CONFVAL_PATH_MAX];
	size_t i, j;

	if (confkeys_clan_list(w->dg, path, v) == -1)
		return -1;
	if ((cf->clans = calloc(v->nkid, sizeof(*cf->clans))) == NULL ||
	    (tagnode = calloc(v->nkid, sizeof(*tagnode))) == NULL ||
	    (seen = calloc(w->nkeys, sizeof(*seen))) == NULL ||
	    dupset_init(&tags, v->nkid) == -1) {
		w->dg->nomem = 1;
		goto done;
	}
	for (i = 0; i < v->nkid; i++) {
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		c = &cf->clans[cf->nclans];
		tag = confkeys_clan(w, seen, ipath, v->kid[i], c);
		if (tag != NULL && (j = dupset_add(&tags, c->tag,
		    strlen(c->tag), cf->nclans)) != cf->nclans) {
			if (v->kid[i]->type == YAMLTREE_MAP)
				diag_append(ipath, ".tag", sizeof(ipath));
			confval_error(w->dg, tag, ipath, "\"%s\" is listed "
			    "twice (first at line %zu); remove one", c->tag,
			    tagnode[j]->line);
			tag = NULL;
		}
		/*
		 * The set points at c->tag: an accepted clan never moves, and
		 * a refused one is never added.
		 */
		if (tag == NULL) {
			free(c->name);
			memset(c, 0, sizeof(*c));
			continue;
		}
		tagnode[cf->nclans++] = tag;
	}
 done:
	dupset_free(&tags);
	free(seen);
	free(tagnode);
	return 0;
}
