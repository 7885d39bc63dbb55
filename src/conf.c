/*
 * conf.c - clanpopd.yaml -> a validated struct conf: the file is read,
 * parsed, walked by the key table (confkeys.c), then given the defaults
 * that come from other keys or the environment, and cross-checked.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "confkeys.h"
#include "confval.h"
#include "diag.h"
#include "yamltree.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* bytes of YAML read */

#define DEF_TOKEN_FILE	SYSCONFDIR "/clanpopd/token"
#define DEF_OUT_DIR	"/var/lib/clanpopd"

/* One conf_load. */
struct conf_loader {
	const char		*path;
	const struct conf_env	*env;
	char			*buf;	/* the file */
	size_t			 buflen;
	struct diag		 dg;
	struct yamltree		 tree;
	struct confval_seen	 seen[CONFKEY_N];	/* all but a clan's */
	struct confval_walk	 walk;
	struct conf		*cf;
};

/* A new string a + "/" + b, without doubling a '/' that a ends with. */
static char *
conf_path_join(struct conf_loader *ld, const char *a, size_t alen,
    const char *b)
{
	char *p;
	int sep = alen > 0 && a[alen - 1] != '/';

	if (asprintf(&p, "%.*s%s%s", (int)alen, a, sep ? "/" : "", b) == -1) {
		ld->dg.nomem = 1;
		return NULL;
	}
	return p;
}

static char *
conf_strdup(struct conf_loader *ld, const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		ld->dg.nomem = 1;
	return p;
}

/*
 * Make a configured path usable: "~/" becomes $HOME, and a relative path
 * is taken from the directory of the configuration file.
 */
static void
conf_resolve(struct conf_loader *ld, const char *path,
    const struct yamltree_node *v, char **p)
{
	const char *slash, *home = ld->env->home;
	char *s, q[DIAG_QUOTE_SIZE];

	if (strncmp(*p, "~/", 2) == 0) {
		if (home == NULL || home[0] == '\0') {
			confval_error(&ld->dg, v, path, "%s needs $HOME, which "
			    "is not set; write the full path",
			    diag_quote(v->str, v->len, q, sizeof(q)));
			return;
		}
		if ((s = conf_path_join(ld, home, strlen(home), *p + 2)) ==
		    NULL)
			return;
		free(*p);
		*p = s;
	}
	if ((*p)[0] == '/' || (slash = strrchr(ld->path, '/')) == NULL)
		return;
	if ((s = conf_path_join(ld, ld->path, slash == ld->path ? 1 :
	    (size_t)(slash - ld->path), *p)) == NULL)
		return;
	free(*p);
	*p = s;
}

/* The token file and the output directory: given, or from the environment. */
static void
conf_paths(struct conf_loader *ld)
{
	const struct confval_seen *tf = &ld->seen[CONFKEY_TOKEN_FILE];
	const struct confval_seen *dir = &ld->seen[CONFKEY_DIRECTORY];
	const char *cred = ld->env->credentials_directory;
	const char *state = ld->env->state_directory;
	struct conf *cf = ld->cf;

	if (tf->ok)
		conf_resolve(ld, "api.token_file", tf->node, &cf->token_file);
	else if (cred != NULL && cred[0] != '\0')
		cf->token_file = conf_path_join(ld, cred, strlen(cred),
		    "token");
	else
		cf->token_file = conf_strdup(ld, DEF_TOKEN_FILE);
	if (dir->ok)
		conf_resolve(ld, "output.directory", dir->node, &cf->out_dir);
	else if (state != NULL && state[0] != '\0' && state[0] != ':')
		cf->out_dir = strndup(state, strcspn(state, ":"));
	else
		cf->out_dir = conf_strdup(ld, DEF_OUT_DIR);
	if (cf->out_dir == NULL)
		ld->dg.nomem = 1;
}

/*
 * A stored profile must outlive at least one interval of every clan, or
 * no refresh could ever reuse it.  Without schedule.profile_max_age, the
 * longest interval in use when it is longer than the default.
 */
static void
conf_check_max_age(struct conf_loader *ld)
{
	const struct confval_seen *seen = &ld->seen[CONFKEY_PROFILE_MAX_AGE];
	struct conf *cf = ld->cf;
	char a[32];
	double longest = cf->interval;
	size_t i;

	for (i = 0; i < cf->nclans; i++)
		if (cf->clans[i].interval > longest)
			longest = cf->clans[i].interval;
	if (seen->node == NULL) {
		if (cf->profile_max_age < longest)
			cf->profile_max_age = longest;
	} else if (seen->ok && cf->profile_max_age < longest)
		confval_error(&ld->dg, seen->node, "schedule.profile_max_age",
		    "%s is shorter than the longest interval in use (%s), so "
		    "no profile could ever be reused; make it at least that "
		    "long", seen->node->str,
		    confval_format_duration(longest, a, sizeof(a)));
}

/* The defaults that come from other keys, and the checks across keys. */
static void
conf_check(struct conf_loader *ld, const struct yamltree_node *root)
{
	const struct confval_seen *seen = ld->seen;
	const struct yamltree_node *ct = seen[CONFKEY_CONNECT_TIMEOUT].node;
	const struct yamltree_node *jitter = seen[CONFKEY_JITTER].node;
	struct conf *cf = ld->cf;
	char a[32];
	double shortest;
	size_t i;

	if (seen[CONFKEY_CLANS].node == NULL)
		confval_error(&ld->dg, root, "clans", "missing; add a "
		    "\"clans\" list with at least one clan tag, such as "
		    "clans: [\"#9V2Y\"]");
	if (!seen[CONFKEY_CONNECT_TIMEOUT].ok) {
		if (cf->connect_timeout > cf->timeout)
			cf->connect_timeout = cf->timeout;
	} else if ((seen[CONFKEY_TIMEOUT].node == NULL ||
	    seen[CONFKEY_TIMEOUT].ok) && cf->connect_timeout > cf->timeout)
		confval_error(&ld->dg, ct, "api.connect_timeout", "%s is "
		    "longer than api.timeout (%s); make it shorter", ct->str,
		    confval_format_duration(cf->timeout, a, sizeof(a)));

	shortest = cf->interval;
	for (i = 0; i < cf->nclans; i++) {
		if (cf->clans[i].interval < 0)
			cf->clans[i].interval = cf->interval;
		if (i == 0 || cf->clans[i].interval < shortest)
			shortest = cf->clans[i].interval;
	}
	conf_check_max_age(ld);
	if (seen[CONFKEY_JITTER].ok && !cf->jitter_pct &&
	    (seen[CONFKEY_INTERVAL].node == NULL ||
	    seen[CONFKEY_INTERVAL].ok) && cf->jitter >= shortest / 2)
		confval_error(&ld->dg, jitter, "schedule.jitter", "%s must be "
		    "less than half the shortest interval in use (%s); lower "
		    "it or give a percentage such as 10%%", jitter->str,
		    confval_format_duration(shortest, a, sizeof(a)));
}

static void
conf_validate(struct conf_loader *ld)
{
	const struct yamltree_node *root = ld->tree.root;

	if (root == NULL || yamltree_is_null(root)) {
		diag_error(&ld->dg, root ? root->line : 1, root ? root->col : 1,
		    NULL, "the configuration is empty; it must be a mapping "
		    "with a \"clans\" key");
		return;
	}
	if (root->type != YAMLTREE_MAP) {
		confval_error(&ld->dg, root, NULL, "the configuration must be "
		    "a mapping with a \"clans\" key");
		return;
	}
	confval_map(&ld->walk, "", "", root, ld->cf);
	conf_check(ld, root);
	conf_paths(ld);
}

/* Read the whole file into ld->buf; report and return -1 on failure. */
static int
conf_read_file(struct conf_loader *ld)
{
	FILE *fp;
	size_t n = 0, cap = 0;
	char *p;
	int e;

	if ((fp = fopen(ld->path, "r")) == NULL)
		goto fail;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if ((p = realloc(ld->buf, cap + 1)) == NULL) {
				fclose(fp);
				ld->dg.nomem = 1;
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
		diag_file_error(&ld->dg, "the file is larger than 1 MiB; give "
		    "the path of the YAML configuration");
		return -1;
	}
	ld->buflen = n;
	ld->buf[n] = '\0';
	return 0;
 fail:
	diag_file_error(&ld->dg, "cannot read: %s", strerror(errno));
	return -1;
}

/* A new struct conf from the file read: NULL when out of memory. */
static struct conf *
conf_build(struct conf_loader *ld)
{
	struct conf *cf;
	char err[512];

	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		ld->dg.nomem = 1;
		return NULL;
	}
	ld->cf = cf;
	cf->path = conf_strdup(ld, ld->path);
	ld->walk.dg = &ld->dg;
	ld->walk.tree = &ld->tree;
	ld->walk.keys = confkeys;
	ld->walk.nkeys = CONFKEY_N;
	ld->walk.seen = ld->seen;
	confval_defaults(&ld->walk, "", cf);
	cf->jitter_pct = 1;	/* schedule.jitter's default is 10% */
	if (yamltree_parse(&ld->tree, ld->buf, ld->buflen, err,
	    sizeof(err)) == -1) {
		if (!ld->tree.nomem)
			diag_error(&ld->dg, ld->tree.err_line,
			    ld->tree.err_col, NULL, "%s", err);
		return cf;
	}
	if (ld->tree.next_line != 0)
		diag_error(&ld->dg, ld->tree.next_line, ld->tree.next_col, NULL,
		    "a second YAML document starts here; keep the whole "
		    "configuration in one document");
	if (!ld->dg.nomem)
		conf_validate(ld);
	return cf;
}

/* Move the warnings to errs; -1 when out of memory. */
static int
conf_give_warnings(struct diag *dg, struct conf_errs *errs)
{
	struct conf_warn *w;
	size_t i;

	if (dg->nwarn == 0 || errs == NULL)
		return 0;
	w = reallocarray(errs->warn, errs->nwarn + dg->nwarn, sizeof(*w));
	if (w == NULL)
		return -1;
	errs->warn = w;
	for (i = 0; i < dg->nwarn; i++) {
		errs->warn[errs->nwarn].where = dg->warn[i].where;
		errs->warn[errs->nwarn++].text = dg->warn[i].text;
	}
	dg->nwarn = 0;
	return 0;
}

/* Move the errors, sorted, to errs (when there is room). */
static void
conf_give_errors(struct diag *dg, struct conf_errs *errs)
{
	char **v;
	size_t i;

	diag_sort(dg);
	if (dg->nmsg == 0 || errs == NULL)
		return;
	v = reallocarray(errs->msg, errs->n + dg->nmsg, sizeof(*v));
	if (v == NULL)
		return;
	errs->msg = v;
	for (i = 0; i < dg->nmsg; i++)
		errs->msg[errs->n++] = dg->msg[i].text;
	dg->nmsg = 0;
}

struct conf *
conf_load(const char *path, const struct conf_env *env,
    struct conf_errs *errs)
{
	static const struct conf_env noenv;
	struct conf_loader ld;
	struct conf *cf = NULL;

	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.env = env ? env : &noenv;
	ld.dg.file = path;
	if (conf_read_file(&ld) == 0)
		cf = conf_build(&ld);
	if (ld.tree.nomem)
		ld.dg.nomem = 1;
	yamltree_free(&ld.tree);
	free(ld.buf);
	if (ld.dg.nmsg == 0 && !ld.dg.nomem &&
	    conf_give_warnings(&ld.dg, errs) == -1)
		ld.dg.nomem = 1;
	if (ld.dg.nmsg > 0 || ld.dg.nomem) {
		conf_free(cf);
		cf = NULL;
	}
	conf_give_errors(&ld.dg, errs);
	diag_free(&ld.dg);
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
	free(cf->database);
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
