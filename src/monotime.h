/* monotime.h - the one monotonic clock, in seconds. */
#ifndef CLANPOPD_MONOTIME_H
#define CLANPOPD_MONOTIME_H

/*
 * Seconds on CLOCK_MONOTONIC: unlike ev_now() or the wall clock it never
 * jumps, so it times throttles and durations.
 */
double	monotime_now(void);

#endif
