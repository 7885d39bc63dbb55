/* conf.h - clanpopd.yaml -> a validated struct conf. */
#ifndef CLANPOPD_CONF_H
#define CLANPOPD_CONF_H

#include <stddef.h>

#include "confdata.h"

/* What conf_load takes from the environment, passed in for testability. */
struct conf_env {
	const char	*credentials_directory;	/* $CREDENTIALS_DIRECTORY or NULL */
	const char	*state_directory;	/* $STATE_DIRECTORY or NULL */
	const char	*home;			/* $HOME or NULL */
};

/* A warning about a configuration that is accepted all the same. */
struct conf_warn {
	char	*where;		/* "FILE:LINE:COL: key.path" */
	char	*text;		/* what is risky and what to do, a sentence */
};

/* Every message conf_load produced. */
struct conf_errs {
	char		**msg;	/* errors, each a whole line without '\n' */
	size_t		  n;
	struct conf_warn *warn;
	size_t		  nwarn;
};

/*
 * Read and validate the YAML file at path.  Returns a new struct conf
 * (free with conf_free) or NULL; in both cases errs receives every error
 * found, in file order, as "FILE:LINE:COL: key.path: sentence".  When it
 * returns a conf, errs->warn also receives each warning about it, once
 * (a plain http:// base_url to another host); a refused file gets none.
 * errs must be zeroed by the caller and freed with conf_errs_free.
 * Relative token_file and output.directory are resolved against the
 * directory of path.  Does no logging.
 */
struct conf	*conf_load(const char *path, const struct conf_env *env,
		    struct conf_errs *errs);
void		 conf_free(struct conf *);
void		 conf_errs_free(struct conf_errs *);

/* The jitter of conf in seconds for a clan with the given interval. */
double		 conf_jitter(const struct conf *, double interval);

#endif
