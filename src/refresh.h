/* refresh.h - one clan's refresh: clan -> members -> players -> tally. */
#ifndef CLANPOPD_REFRESH_H
#define CLANPOPD_REFRESH_H

#include <stddef.h>
#include <time.h>

#include "tag.h"
#include "tally.h"

struct fetcher;
struct refresh;

struct refresh_result {
	char		 tag[TAG_MAX];
	int		 ok;		/* the clan was read: a snapshot is due */
	char		*name;		/* the clan's name, NULL if none */
	char		 error[1024];	/* why !ok; else the first player error */
	size_t		 members;	/* distinct members, see api.h */
	size_t		 fetched;	/* players whose JSON was read */
	size_t		 failed;	/* players not read after retries */
	size_t		 without_favourite;
	struct tally	 cards;		/* sorted when ok */
	time_t		 fetched_at;	/* wall clock when it ended */
	double		 duration;	/* seconds from start to end */
	unsigned	 requests;	/* requests sent, retries included */
	unsigned	 retries;
	long		 status;	/* HTTP status of a failed clan request */
};

/* Called once when the refresh ends; res is valid during the call only. */
typedef void	 refresh_done_cb(void *arg, struct refresh_result *res);

/*
 * Start refreshing the clan tag (normalised) through f.  done is called
 * once, later, from the event loop, unless refresh_cancel is called first.
 * Returns NULL on out of memory.
 */
struct refresh	*refresh_start(struct fetcher *f, const char *tag,
		    refresh_done_cb *done, void *arg);
/* Abort a running refresh: its requests are cancelled, done is not called. */
void		 refresh_cancel(struct refresh *);

#endif
