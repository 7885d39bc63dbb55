/* throttle.h - the one gate for every request: semaphore + a token bucket per key (pure). */
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
	int			 key;		/* set by throttle_next: the key
						   it starts on, from 0 */
};

struct throttle;

/* What the throttle knows of one API key. */
enum throttle_key_state {
	THROTTLE_KEY_NEW,	/* no answer yet */
	THROTTLE_KEY_OK,	/* answered, not refused */
	THROTTLE_KEY_REFUSED	/* refused by the API (403) */
};

struct throttle_key_info {
	enum throttle_key_state	 state;
	double			 paused;	/* seconds of pause left */
	double			 rate;		/* effective requests/s, 0 =
						   unlimited */
	int			 in_flight;
};

/*
 * A throttle admitting at most max_concurrent requests in flight and,
 * when rate > 0, at most burst + rate * t request starts on each key in
 * any window of t seconds (a token bucket of capacity burst per key, full
 * at creation).  rate 0 means no rate limit.  It starts with one key (see
 * throttle_set_keys).  now is a monotonic time in seconds.  Returns NULL
 * on out of memory.  Free with throttle_free.
 */
struct throttle	*throttle_new(int max_concurrent, double rate, double burst,
		    double now);
void		 throttle_free(struct throttle *);

/*
 * Change the limits of a running throttle (on reload).  Requests in flight
 * are kept; if more are in flight than the new max_concurrent, no new
 * request starts until enough have been released.  Every key's adaptive
 * rate is reset to the new configured rate.
 */
void		 throttle_set_limits(struct throttle *, int max_concurrent,
		    double rate, double burst, double now);

/*
 * Use n >= 1 keys from now on (on reload): key k takes over the bucket,
 * pause and adaptive rate of the old key from[k], or, when from[k] is -1,
 * starts new with a full bucket.  A refused key taken over is tried
 * again; old keys not taken over are dropped (release their requests in
 * flight with key -1).  Returns 0, or -1 on out of memory (nothing
 * changed).
 */
int		 throttle_set_keys(struct throttle *, size_t n, const int *from,
		    double now);

/* Queue w at the back, or at the front when front is non-zero. */
void		 throttle_enqueue(struct throttle *, struct throttle_waiter *w,
		    int front);
/* Take w out of the queue (a cancelled request); a no-op if not queued. */
void		 throttle_remove(struct throttle *, struct throttle_waiter *w);

/*
 * If the first queued waiter may start at now on some key (a free
 * permit; on that key a token and no pause in force), take the permit and
 * the token, dequeue the waiter, set its key and return it.  The key is
 * the usable one that can start soonest, ties going round-robin; a key is
 * usable unless refused (when every key is refused, all are used), and
 * while there are several keys, one with no answer yet carries at most
 * one request.  Otherwise return NULL and set *wait to the seconds after
 * which calling again may succeed, or to -1 when nothing will change
 * until a permit is released or a waiter is queued.  Call repeatedly
 * until NULL.
 */
struct throttle_waiter *throttle_next(struct throttle *, double now,
		    double *wait);

/*
 * Give back the permit of a request that has finished on key (-1: a key
 * dropped since it started).
 */
void		 throttle_release(struct throttle *, int key);

/* The API answered a request on key with anything but a refusal. */
void		 throttle_answered(struct throttle *, int key);

/*
 * The API refused key (403): it carries no more requests until
 * throttle_set_keys, unless every key is refused.  Returns the number of
 * keys not refused.
 */
size_t		 throttle_refused(struct throttle *, int key);

/*
 * The server answered 429 on key: no request starts on it before now +
 * pause (a longer pause already in force is kept), and its effective rate
 * drops (halved, never below 1/s; with no configured rate, to half the
 * rate of starts on it seen in the last second, never below 1/s).  Other
 * keys go on as before.
 */
void		 throttle_throttled(struct throttle *, int key, double now,
		    double pause);

/*
 * The effective rate in requests per second at now (0 = unlimited): the
 * sum over the usable keys.  A key's rate climbs back towards the
 * configured rate while no 429 arrives, never above it.
 */
double		 throttle_rate(struct throttle *, double now);

int		 throttle_in_flight(const struct throttle *);
size_t		 throttle_queued(const struct throttle *);
/* Seconds until the first usable key's pause ends, 0 when one has none. */
double		 throttle_paused(const struct throttle *, double now);

/* The number of keys. */
size_t		 throttle_keys(const struct throttle *);
/* What key (0 to throttle_keys() - 1) is at now, into *ki. */
void		 throttle_key(const struct throttle *, int key, double now,
		    struct throttle_key_info *ki);

#endif
