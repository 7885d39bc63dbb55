/* throttle.c - counting semaphore, token buckets per key, 429 back-off (pure). */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"

/*
 * The adaptive rate.  A 429 at time t4 with pause p sets
 *
 *	pause_end = max(pause_end, t4 + p)
 *	base      = max(1, r / 2)	r = effective rate at t4
 *
 * where, when the effective rate at t4 is unlimited, r is the number of
 * starts in the last second (estimated from two 1-second buckets).  The
 * effective rate is then base until pause_end, and from there climbs
 * linearly towards a top:
 *
 *	rate(t) = base + slope * (t - pause_end),  capped at top
 *
 * With a configured rate R > 0: top = R and slope = max(0.5, 0.05 * R)
 * requests/s per second; the rate never exceeds R, and when base would
 * not be below R (R <= 1) the 429 only pauses.  With no configured rate:
 * top = 4 * base (twice the rate that drew the 429), slope =
 * max(0.5, 0.05 * top), and once the climb reaches top the rate is
 * unlimited again.  A later 429 cuts from the effective rate at its time.
 * rate(t) depends only on the state left by the last 429 and on t, so
 * throttle_rate() is deterministic.
 *
 * Tokens accrue at exactly the integral of rate(t) and are capped at the
 * configured burst; rate(t) <= R always, so no window of t seconds sees
 * more than burst + R * t starts.  While the rate is unlimited the bucket
 * stays full.
 *
 * Each API key has all of this to itself (a struct tbucket): its tokens,
 * its pause and its adaptive rate, so a 429 on one key slows that key
 * only.  The semaphore and the FIFO queue are the throttle's, shared by
 * every key: the request at the head of the queue starts on the key that
 * can start it soonest, ties going to the next key after the last one
 * chosen (round-robin).
 */
#define THROTTLE_RATE_MIN	1.0	/* requests/s: a 429 never cuts below */
#define THROTTLE_CLIMB_FRAC	0.05	/* of top, requests/s per second */
#define THROTTLE_CLIMB_MIN	0.5	/* requests/s per second */
#define THROTTLE_CEIL_MULT	4.0	/* no configured rate: top = 4 x base */

/* One key's token bucket, pause and adaptive rate. */
struct tbucket {
	/* Configured limits, the same for every key. */
	double			 rate;		/* requests/s, 0 = unlimited */
	double			 burst;		/* tokens, >= 1 */

	/* The token bucket, as it was at time last. */
	double			 tokens;
	double			 last;

	double			 pause_end;	/* no start before this */

	/* The adaptive rate left by the last 429 (see above). */
	int			 adapting;
	double			 base;		/* requests/s */
	double			 climb_start;	/* the pause end it set */
	double			 slope;		/* requests/s per second */
	double			 top;		/* requests/s */

	/* Starts in the 1-second buckets [bucket, +1) and [bucket - 1, +1). */
	double			 bucket;
	unsigned long		 cur;
	unsigned long		 prev;

	int			 in_flight;
	enum throttle_key_state	 state;
};

struct throttle {
	/* The semaphore and its FIFO queue. */
	int			 max_concurrent;
	int			 in_flight;
	struct throttle_waiter	*head;
	struct throttle_waiter	*tail;
	size_t			 nqueued;

	struct tbucket		*keys;
	size_t			 nkeys;		/* at least 1 */
	size_t			 refused;	/* keys refused */
	size_t			 rr;		/* the next key in turn */
};

static double
climb_end(const struct tbucket *b)
{
	return b->climb_start + (b->top - b->base) / b->slope;
}

/* Tokens earned by the adaptive rate from climb_start to x <= climb_end. */
static double
climb_area(const struct tbucket *b, double x)
{
	double	d = x - b->climb_start;

	if (d <= 0)
		return b->base * d;
	return b->base * d + b->slope * d * d / 2;
}

/* Tokens earned over [from, to]; HUGE_VAL once the rate is unlimited. */
static double
gain(const struct tbucket *b, double from, double to)
{
	double	end;

	if (!b->adapting)
		return b->rate > 0 ? b->rate * (to - from) : HUGE_VAL;
	end = climb_end(b);
	if (b->rate == 0 && to >= end)
		return HUGE_VAL;
	if (to <= end)
		return climb_area(b, to) - climb_area(b, from);
	if (from >= end)
		return b->rate * (to - from);
	return climb_area(b, end) - climb_area(b, from) +
	    b->rate * (to - end);
}

static double
tokens_at(const struct tbucket *b, double when)
{
	if (when <= b->last)
		return b->tokens;
	return fmin(b->burst, b->tokens + gain(b, b->last, when));
}

static void
refill(struct tbucket *b, double now)
{
	if (now <= b->last)
		return;
	b->tokens = tokens_at(b, now);
	b->last = now;
	/* Past the climb the rate is the configured one again. */
	if (b->adapting && now >= climb_end(b))
		b->adapting = 0;
}

static double
rate_at(const struct tbucket *b, double when)
{
	double	d;

	if (!b->adapting || when >= climb_end(b))
		return b->rate;
	d = when - b->climb_start;
	return d <= 0 ? b->base : b->base + b->slope * d;
}

/*
 * The earliest time at which the bucket, refilled to now and short of a
 * token, holds one token, before floating point rounding.
 */
static double
token_time(const struct tbucket *b, double now)
{
	double	need = 1 - b->tokens, x = now, end, r0, g;

	if (b->adapting) {
		if (x < b->climb_start) {
			g = b->base * (b->climb_start - x);
			if (g >= need)
				return x + need / b->base;
			need -= g;
			x = b->climb_start;
		}
		end = climb_end(b);
		if (x < end) {
			r0 = b->base + b->slope * (x - b->climb_start);
			g = (r0 + b->top) / 2 * (end - x);
			/* The root of r0 * d + slope * d^2 / 2 = need. */
			if (g >= need)
				return x + 2 * need /
				    (r0 + sqrt(r0 * r0 + 2 * b->slope * need));
			need -= g;
			x = end;
		}
		if (b->rate == 0)
			return x;
	}
	return x + need / b->rate;
}

/*
 * Seconds to wait from now until a start is possible.  The analytic
 * answer is nudged up until waking at now + wait really finds the pause
 * over and a whole token, so a caller never wakes a hair too early.
 */
static double
start_wait(const struct tbucket *b, double now, int limited)
{
	double	target, w, step;

	target = b->pause_end;
	if (limited && b->tokens < 1)
		target = fmax(target, token_time(b, now));
	w = fmax(0, target - now);
	step = nextafter(now + w, HUGE_VAL) - (now + w);
	while (now + w < b->pause_end ||
	    (limited && tokens_at(b, now + w) < 1)) {
		w += step;
		step *= 2;
	}
	return w;
}

static void
count_start(struct tbucket *b, double now)
{
	double	sec = floor(now);

	if (sec == b->bucket) {
		b->cur++;
		return;
	}
	b->prev = sec == b->bucket + 1 ? b->cur : 0;
	b->cur = 1;
	b->bucket = sec;
}

/* Starts in (now - 1, now], weighting the previous bucket by its overlap. */
static double
recent_starts(const struct tbucket *b, double now)
{
	double	sec = floor(now), frac = now - sec;

	if (sec <= b->bucket)
		return (double)b->cur + (double)b->prev * (1 - frac);
	if (sec == b->bucket + 1)
		return (double)b->cur * (1 - frac);
	return 0;
}

static void
bucket_init(struct tbucket *b, double rate, double burst, double now)
{
	memset(b, 0, sizeof(*b));
	b->rate = rate;
	b->burst = burst;
	b->tokens = burst;
	b->last = now;
	b->pause_end = now;
	b->bucket = floor(now);
	b->state = THROTTLE_KEY_NEW;
}

static void
bucket_set_limits(struct tbucket *b, double rate, double burst, double now)
{
	int	unlimited;

	refill(b, now);
	unlimited = !b->adapting && b->rate == 0;
	b->rate = rate;
	b->burst = burst;
	b->adapting = 0;
	/* An unlimited bucket is full, and full means the new burst. */
	b->tokens = unlimited ? burst : fmin(b->tokens, burst);
}

/*
 * Whether key k may carry requests: not refused, unless every key is (then
 * all of them are tried, and fail as one key would).
 */
static int
key_usable(const struct throttle *t, size_t k)
{
	return t->keys[k].state != THROTTLE_KEY_REFUSED ||
	    t->refused == t->nkeys;
}

/*
 * Seconds from now until key k can start a request (0: now), or -1 when
 * only a release can change that: a key never answered yet carries one
 * request at a time while there are other keys, so that a refused key
 * costs one request.
 */
static double
key_wait(struct throttle *t, size_t k, double now)
{
	struct tbucket	*b = &t->keys[k];
	int		 limited;

	if (!key_usable(t, k) || (t->nkeys > 1 &&
	    b->state == THROTTLE_KEY_NEW && b->in_flight > 0))
		return -1;
	refill(b, now);
	limited = b->adapting || b->rate > 0;
	if (now < b->pause_end || (limited && b->tokens < 1))
		return start_wait(b, now, limited);
	return 0;
}

struct throttle *
throttle_new(int max_concurrent, double rate, double burst, double now)
{
	struct throttle	*t;

	assert(max_concurrent >= 1 && rate >= 0 && burst >= 1);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->keys = calloc(1, sizeof(*t->keys))) == NULL) {
		free(t);
		return NULL;
	}
	t->nkeys = 1;
	t->max_concurrent = max_concurrent;
	bucket_init(&t->keys[0], rate, burst, now);
	return t;
}

void
throttle_free(struct throttle *t)
{
	struct throttle_waiter	*w, *next;

	if (t == NULL)
		return;
	for (w = t->head; w != NULL; w = next) {
		next = w->next;
		w->next = w->prev = NULL;
		w->queued = 0;
	}
	free(t->keys);
	free(t);
}

void
throttle_set_limits(struct throttle *t, int max_concurrent, double rate,
    double burst, double now)
{
	size_t	k;

	assert(max_concurrent >= 1 && rate >= 0 && burst >= 1);
	t->max_concurrent = max_concurrent;
	for (k = 0; k < t->nkeys; k++)
		bucket_set_limits(&t->keys[k], rate, burst, now);
}

int
throttle_set_keys(struct throttle *t, size_t n, const int *from, double now)
{
	struct tbucket	*keys;
	size_t		 k;

	assert(n >= 1);
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return -1;
	t->refused = 0;
	for (k = 0; k < n; k++) {
		if (from[k] >= 0 && (size_t)from[k] < t->nkeys) {
			keys[k] = t->keys[from[k]];
			/* A refused key still in the file is tried again. */
			if (keys[k].state == THROTTLE_KEY_REFUSED)
				keys[k].state = THROTTLE_KEY_NEW;
		} else
			bucket_init(&keys[k], t->keys[0].rate,
			    t->keys[0].burst, now);
	}
	free(t->keys);
	t->keys = keys;
	t->nkeys = n;
	t->rr = 0;
	return 0;
}

void
throttle_enqueue(struct throttle *t, struct throttle_waiter *w, int front)
{
	assert(!w->queued);
	if (front) {
		w->prev = NULL;
		w->next = t->head;
		if (t->head != NULL)
			t->head->prev = w;
		else
			t->tail = w;
		t->head = w;
	} else {
		w->next = NULL;
		w->prev = t->tail;
		if (t->tail != NULL)
			t->tail->next = w;
		else
			t->head = w;
		t->tail = w;
	}
	w->queued = 1;
	t->nqueued++;
}

void
throttle_remove(struct throttle *t, struct throttle_waiter *w)
{
	if (!w->queued)
		return;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		t->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		t->tail = w->prev;
	w->next = w->prev = NULL;
	w->queued = 0;
	t->nqueued--;
}

struct throttle_waiter *
throttle_next(struct throttle *t, double now, double *wait)
{
	struct throttle_waiter	*w;
	struct tbucket		*b;
	double			 kw, best_wait = -1;
	size_t			 i, k, best = 0;

	*wait = -1;
	if (t->head == NULL || t->in_flight >= t->max_concurrent)
		return NULL;
	/* From the key in turn on, so that the first of equals wins. */
	for (i = 0; i < t->nkeys; i++) {
		k = (t->rr + i) % t->nkeys;
		if ((kw = key_wait(t, k, now)) < 0)
			continue;
		if (best_wait < 0 || kw < best_wait) {
			best = k;
			best_wait = kw;
		}
	}
	if (best_wait != 0) {
		*wait = best_wait;
		return NULL;
	}
	b = &t->keys[best];
	if (b->adapting || b->rate > 0)
		b->tokens -= 1;
	b->in_flight++;
	t->in_flight++;
	count_start(b, now);
	t->rr = (best + 1) % t->nkeys;
	w = t->head;
	throttle_remove(t, w);
	w->key = (int)best;
	*wait = 0;
	return w;
}

void
throttle_release(struct throttle *t, int key)
{
	assert(t->in_flight > 0);
	if (t->in_flight > 0)
		t->in_flight--;
	if (key >= 0 && (size_t)key < t->nkeys && t->keys[key].in_flight > 0)
		t->keys[key].in_flight--;
}

void
throttle_answered(struct throttle *t, int key)
{
	if (key >= 0 && (size_t)key < t->nkeys &&
	    t->keys[key].state == THROTTLE_KEY_NEW)
		t->keys[key].state = THROTTLE_KEY_OK;
}

size_t
throttle_refused(struct throttle *t, int key)
{
	if (key >= 0 && (size_t)key < t->nkeys &&
	    t->keys[key].state != THROTTLE_KEY_REFUSED) {
		t->keys[key].state = THROTTLE_KEY_REFUSED;
		t->refused++;
	}
	return t->nkeys - t->refused;
}

void
throttle_throttled(struct throttle *t, int key, double now, double pause)
{
	struct tbucket	*b;
	double		 r;

	if (key < 0 || (size_t)key >= t->nkeys)
		return;
	b = &t->keys[key];
	refill(b, now);
	b->pause_end = fmax(b->pause_end, now + pause);
	r = rate_at(b, now);
	if (r == 0)
		r = recent_starts(b, now);
	b->base = fmax(THROTTLE_RATE_MIN, r / 2);
	b->climb_start = b->pause_end;
	if (b->rate > 0) {
		if (b->base >= b->rate) {
			b->adapting = 0;
			return;
		}
		b->top = b->rate;
	} else
		b->top = THROTTLE_CEIL_MULT * b->base;
	b->slope = fmax(THROTTLE_CLIMB_MIN, THROTTLE_CLIMB_FRAC * b->top);
	b->adapting = 1;
}

double
throttle_rate(struct throttle *t, double now)
{
	double	r, sum = 0;
	size_t	k;

	for (k = 0; k < t->nkeys; k++) {
		if (!key_usable(t, k))
			continue;
		if ((r = rate_at(&t->keys[k], now)) == 0)
			return 0;
		sum += r;
	}
	return sum;
}

int
throttle_in_flight(const struct throttle *t)
{
	return t->in_flight;
}

size_t
throttle_queued(const struct throttle *t)
{
	return t->nqueued;
}

double
throttle_paused(const struct throttle *t, double now)
{
	double	p, least = HUGE_VAL;
	size_t	k;

	for (k = 0; k < t->nkeys; k++)
		if (key_usable(t, k) &&
		    (p = fmax(0, t->keys[k].pause_end - now)) < least)
			least = p;
	return least;
}

size_t
throttle_keys(const struct throttle *t)
{
	return t->nkeys;
}

void
throttle_key(const struct throttle *t, int key, double now,
    struct throttle_key_info *ki)
{
	const struct tbucket *b = &t->keys[key];

	ki->state = b->state;
	ki->paused = fmax(0, b->pause_end - now);
	ki->rate = rate_at(b, now);
	ki->in_flight = b->in_flight;
}
