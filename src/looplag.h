/* looplag.h - how long the event loop is held: a prepare/check probe. */
#ifndef CLANPOPD_LOOPLAG_H
#define CLANPOPD_LOOPLAG_H

#include <ev.h>

#define LOOPLAG_BUCKETS	8	/* histogram buckets, +Inf apart */

/* The upper bounds of the buckets, seconds, ascending. */
#define LOOPLAG_BOUNDS	{ 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0 }

/* The loop's turns: each the time from its ev_check to its next ev_prepare. */
struct looplag_stats {
	unsigned long	le[LOOPLAG_BUCKETS];	/* turns <= bound (cumulative) */
	unsigned long	count;			/* turns in all */
	double		sum;			/* seconds */
	double		max;			/* seconds, the longest turn */
};

struct looplag {
	ev_prepare		prepare;
	ev_check		check;
	double			since;	/* monotime of the last check, or 0 */
	struct looplag_stats	st;
};

/*
 * Start measuring every turn of loop on lag (zeroed first): the time
 * its callbacks hold the loop, from the moment the loop wakes (ev_check)
 * to the moment it waits again (ev_prepare), on the monotonic clock.
 */
void	looplag_start(struct looplag *lag, struct ev_loop *loop);

/* Stop measuring; the figures stay. */
void	looplag_stop(struct looplag *lag, struct ev_loop *loop);

#endif
