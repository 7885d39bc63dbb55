/* refresh.h - one clan's refresh: clan -> members -> players -> tally. */
#ifndef CLANPOPD_REFRESH_H
#define CLANPOPD_REFRESH_H

#include <stddef.h>
#include <time.h>

#include "figures.h"
#include "profstore.h"
#include "tag.h"

struct fetcher;
struct refresh;

/* How a refresh may reuse stored profiles (schedule.* of the config). */
struct refresh_opts {
	struct profstore	*store;	/* shared by every refresh; kept */
	int			 reuse_unseen;
	double			 profile_max_age;	/* seconds */
	double			 seen_margin;		/* seconds */
};

struct refresh_result {
	char		 tag[TAG_MAX];
	int		 ok;		/* the clan was read: a snapshot is due */
	char		*name;		/* the clan's name, NULL if none */
	char		 error[1024];	/* why !ok; else the first player error */
	struct clan_figures fig;	/* cards sorted when ok */
	time_t		 fetched_at;	/* wall clock when it ended */
	double		 duration;	/* seconds from start to end */
	unsigned	 requests;	/* requests sent, retries included */
	unsigned	 retries;
	unsigned	 refused_key;	/* of them, on a key then left out */
	struct profstore_change *changes;	/* what became of each
					   profile, when ok */
	size_t		 nchanges;
	long		 status;	/* HTTP status of a failed clan request */
};

/* Called once when the refresh ends; res is valid during the call only. */
typedef void	 refresh_done_cb(void *arg, struct refresh_result *res);

/*
 * Start refreshing the clan tag (normalised) through f.  A member whose
 * stored profile schedpol_member() lets stand is counted from it without
 * a request; every profile read goes into opts->store, a failed one is
 * forgotten, and so is that of a player the clan no longer lists.  done
 * is called once, later, from the event loop, unless refresh_cancel is
 * called first.  Returns NULL on out of memory.
 */
struct refresh	*refresh_start(struct fetcher *f, const char *tag,
		    const struct refresh_opts *opts, refresh_done_cb *done,
		    void *arg);
/* Abort a running refresh: its requests are cancelled, done is not called. */
void		 refresh_cancel(struct refresh *);

#endif
