/*
 * confdata.h - what clanpopd.yaml says, as conf_load hands it over: the
 * struct the key table of confkeys.c fills and conf.h's users read.
 */
#ifndef CLANPOPD_CONFDATA_H
#define CLANPOPD_CONFDATA_H

#include <stddef.h>

#include "tag.h"

struct conf_clan {
	char	 tag[TAG_MAX];	/* normalised, with the '#' */
	char	*name;		/* optional label, NULL when not given */
	double	 interval;	/* seconds; schedule.interval when not given */
};

struct conf {
	char	*path;		/* the file as given */

	/* api */
	char	*base_url;	/* http:// or https://, no trailing '/' */
	char	*token_file;	/* resolved against the config's directory */
	double	 timeout;	/* seconds, whole request */
	double	 connect_timeout;	/* seconds */
	char	*user_agent;

	/* limits */
	int	 max_concurrent;	/* 1..1024 */
	double	 requests_per_second;	/* 0 = no rate limit */
	double	 burst;		/* >= 1 */
	int	 max_retries;	/* 0..20 */

	/* schedule */
	double	 interval;	/* seconds, >= 10 */
	double	 jitter;	/* a fraction of the interval when jitter_pct,
				   else seconds */
	int	 jitter_pct;
	double	 stop_grace;	/* seconds */
	int	 reuse_unseen;	/* reuse profiles of members not seen since */
	double	 profile_max_age;	/* seconds, >= every clan's interval */
	double	 seen_margin;	/* seconds */

	/* output */
	char	*out_dir;
	int	 history;	/* snapshots kept per clan besides the latest */
	char	*database;	/* inside out_dir, plain names joined by '/';
				   "" = no history database */
	double	 retention;	/* seconds of rows kept; 0 = all */
	double	 trend_window;	/* seconds, > 0 */

	struct conf_clan *clans;
	size_t	 nclans;
};

#endif
