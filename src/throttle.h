/* throttle.h - the one gate for every request: semaphore + token bucket (pure). */
#ifndef CLANPOPD_THROTTLE_H
#define CLANPOPD_THROTTLE_H

#include <stddef.h>

/*
 * A waiter is embedded in the caller's request struct; the throttle only
 * links it into its FIFO queue.  It never allocates per waiter.
 */
struct throttle_waiter {
	struct throttle_waiter	*next;
	struct throttle_waiter	*prev;
	int			 queued;	/* 1 while in the queue */
};

struct throttle;

/*
 * A throttle admitting at most max_concurrent requests in flight and,
 * when rate > 0, at most burst + rate * t request starts in any window of
 * t seconds (a token bucket of capacity burst, full at creation).  rate 0
 * means no rate limit.  now is a monotonic time in seconds.  Returns NULL
 * on out of memory.  Free with throttle_free.
 */
struct throttle	*throttle_new(int max_concurrent, double rate, double burst,
		    double now);
void		 throttle_free(struct throttle *);

/*
 * Change the limits of a running throttle (on reload).  Requests in flight
 * are kept; if more are in flight than the new max_concurrent, no new
 * request starts until enough have been released.  The adaptive rate is
 * reset to the new configured rate.
 */
void		 throttle_set_limits(struct throttle *, int max_concurrent,
		    double rate, double burst, double now);

/* Queue w at the back, or at the front when front is non-zero. */
void		 throttle_enqueue(struct throttle *, struct throttle_waiter *w,
		    int front);
/* Take w out of the queue (a cancelled request); a no-op if not queued. */
void		 throttle_remove(struct throttle *, struct throttle_waiter *w);

/*
 * If the first queued waiter may start at now (a free permit, a token,
 * no pause in force), take a permit and a token, dequeue it and return it.
 * Otherwise return NULL and set *wait to the seconds after which calling
 * again may succeed, or to -1 when nothing will change until a permit is
 * released or a waiter is queued.  Call repeatedly until NULL.
 */
struct throttle_waiter *throttle_next(struct throttle *, double now,
		    double *wait);

/* Give back the permit of a request that has finished. */
void		 throttle_release(struct throttle *);

/*
 * The server answered 429: no request starts before now + pause (a
 * longer pause already in force is kept), and the effective rate drops
 * (halved, never below 1/s; with no configured rate, to half the rate of
 * starts seen in the last second, never below 1/s).
 */
void		 throttle_throttled(struct throttle *, double now, double pause);

/*
 * The effective rate in requests per second at now (0 = unlimited).  It
 * climbs back towards the configured rate while no 429 arrives, never
 * above it.
 */
double		 throttle_rate(struct throttle *, double now);

int		 throttle_in_flight(const struct throttle *);
size_t		 throttle_queued(const struct throttle *);
/* Seconds of pause remaining at now, 0 when none. */
double		 throttle_paused(const struct throttle *, double now);

#endif
