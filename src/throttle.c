/* throttle.c - counting semaphore, token bucket and 429 back-off (pure). */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

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
 */
#define THROTTLE_RATE_MIN	1.0	/* requests/s: a 429 never cuts below */
#define THROTTLE_CLIMB_FRAC	0.05	/* of top, requests/s per second */
#define THROTTLE_CLIMB_MIN	0.5	/* requests/s per second */
#define THROTTLE_CEIL_MULT	4.0	/* no configured rate: top = 4 x base */

struct throttle {
	/* The semaphore and its FIFO queue. */
	int			 max_concurrent;
	int			 in_flight;
	struct throttle_waiter	*head;
	struct throttle_waiter	*tail;
	size_t			 nqueued;

	/* Configured limits. */
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
};

static double
climb_end(const struct throttle *t)
{
	return t->climb_start + (t->top - t->base) / t->slope;
}

/* Tokens earned by the adaptive rate from climb_start to x <= climb_end. */
static double
climb_area(const struct throttle *t, double x)
{
	double	d = x - t->climb_start;

	if (d <= 0)
		return t->base * d;
	return t->base * d + t->slope * d * d / 2;
}

/* Tokens earned over [from, to]; HUGE_VAL once the rate is unlimited. */
static double
gain(const struct throttle *t, double from, double to)
{
	double	end;

	if (!t->adapting)
		return t->rate > 0 ? t->rate * (to - from) : HUGE_VAL;
	end = climb_end(t);
	if (t->rate == 0 && to >= end)
		return HUGE_VAL;
	if (to <= end)
		return climb_area(t, to) - climb_area(t, from);
	if (from >= end)
		return t->rate * (to - from);
	return climb_area(t, end) - climb_area(t, from) +
	    t->rate * (to - end);
}

static double
tokens_at(const struct throttle *t, double when)
{
	if (when <= t->last)
		return t->tokens;
	return fmin(t->burst, t->tokens + gain(t, t->last, when));
}

static void
refill(struct throttle *t, double now)
{
	if (now <= t->last)
		return;
	t->tokens = tokens_at(t, now);
	t->last = now;
	/* Past the climb the rate is the configured one again. */
	if (t->adapting && now >= climb_end(t))
		t->adapting = 0;
}

static double
rate_at(const struct throttle *t, double when)
{
	double	d;

	if (!t->adapting || when >= climb_end(t))
		return t->rate;
	d = when - t->climb_start;
	return d <= 0 ? t->base : t->base + t->slope * d;
}

/*
 * The earliest time at which the bucket, refilled to now and short of a
 * token, holds one token, before floating point rounding.
 */
static double
token_time(const struct throttle *t, double now)
{
	double	need = 1 - t->tokens, x = now, end, r0, g;

	if (t->adapting) {
		if (x < t->climb_start) {
			g = t->base * (t->climb_start - x);
			if (g >= need)
				return x + need / t->base;
			need -= g;
			x = t->climb_start;
		}
		end = climb_end(t);
		if (x < end) {
			r0 = t->base + t->slope * (x - t->climb_start);
			g = (r0 + t->top) / 2 * (end - x);
			/* The root of r0 * d + slope * d^2 / 2 = need. */
			if (g >= need)
				return x + 2 * need /
				    (r0 + sqrt(r0 * r0 + 2 * t->slope * need));
			need -= g;
			x = end;
		}
		if (t->rate == 0)
			return x;
	}
	return x + need / t->rate;
}

/*
 * Seconds to wait from now until a start is possible.  The analytic
 * answer is nudged up until waking at now + wait really finds the pause
 * over and a whole token, so a caller never wakes a hair too early.
 */
static double
start_wait(const struct throttle *t, double now, int limited)
{
	double	target, w, step;

	target = t->pause_end;
	if (limited && t->tokens < 1)
		target = fmax(target, token_time(t, now));
	w = fmax(0, target - now);
	step = nextafter(now + w, HUGE_VAL) - (now + w);
	while (now + w < t->pause_end ||
	    (limited && tokens_at(t, now + w) < 1)) {
		w += step;
		step *= 2;
	}
	return w;
}

static void
count_start(struct throttle *t, double now)
{
	double	b = floor(now);

	if (b == t->bucket) {
		t->cur++;
		return;
	}
	t->prev = b == t->bucket + 1 ? t->cur : 0;
	t->cur = 1;
	t->bucket = b;
}

/* Starts in (now - 1, now], weighting the previous bucket by its overlap. */
static double
recent_starts(const struct throttle *t, double now)
{
	double	b = floor(now), frac = now - b;

	if (b <= t->bucket)
		return (double)t->cur + (double)t->prev * (1 - frac);
	if (b == t->bucket + 1)
		return (double)t->cur * (1 - frac);
	return 0;
}

struct throttle *
throttle_new(int max_concurrent, double rate, double burst, double now)
{
	struct throttle	*t;

	assert(max_concurrent >= 1 && rate >= 0 && burst >= 1);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->max_concurrent = max_concurrent;
	t->rate = rate;
	t->burst = burst;
	t->tokens = burst;
	t->last = now;
	t->pause_end = now;
	t->bucket = floor(now);
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
	free(t);
}

void
throttle_set_limits(struct throttle *t, int max_concurrent, double rate,
    double burst, double now)
{
	int	unlimited;

	assert(max_concurrent >= 1 && rate >= 0 && burst >= 1);
	refill(t, now);
	unlimited = !t->adapting && t->rate == 0;
	t->max_concurrent = max_concurrent;
	t->rate = rate;
	t->burst = burst;
	t->adapting = 0;
	/* An unlimited bucket is full, and full means the new burst. */
	t->tokens = unlimited ? burst : fmin(t->tokens, burst);
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
	int			 limited;

	if (t->head == NULL || t->in_flight >= t->max_concurrent) {
		*wait = -1;
		return NULL;
	}
	refill(t, now);
	limited = t->adapting || t->rate > 0;
	if (now < t->pause_end || (limited && t->tokens < 1)) {
		*wait = start_wait(t, now, limited);
		return NULL;
	}
	if (limited)
		t->tokens -= 1;
	t->in_flight++;
	count_start(t, now);
	w = t->head;
	throttle_remove(t, w);
	*wait = 0;
	return w;
}

void
throttle_release(struct throttle *t)
{
	assert(t->in_flight > 0);
	if (t->in_flight > 0)
		t->in_flight--;
}

void
throttle_throttled(struct throttle *t, double now, double pause)
{
	double	r;

	refill(t, now);
	t->pause_end = fmax(t->pause_end, now + pause);
	r = rate_at(t, now);
	if (r == 0)
		r = recent_starts(t, now);
	t->base = fmax(THROTTLE_RATE_MIN, r / 2);
	t->climb_start = t->pause_end;
	if (t->rate > 0) {
		if (t->base >= t->rate) {
			t->adapting = 0;
			return;
		}
		t->top = t->rate;
	} else
		t->top = THROTTLE_CEIL_MULT * t->base;
	t->slope = fmax(THROTTLE_CLIMB_MIN, THROTTLE_CLIMB_FRAC * t->top);
	t->adapting = 1;
}

double
throttle_rate(struct throttle *t, double now)
{
	return rate_at(t, now);
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
	return fmax(0, t->pause_end - now);
}
