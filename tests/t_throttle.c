/* t_throttle.c - unit tests for the throttle, driven by a fake clock. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"
#include "tap.h"

#define NEAR	1e-9	/* seconds or requests/s */

static void
tap_near(double got, double want, const char *what)
{
	if (!tap_ok(fabs(got - want) <= NEAR, "%s", what))
		printf("#   got:  %.17g\n#   want: %.17g\n", got, want);
}

/* Queue every waiter of w[0..n) at the back. */
static void
enqueue_all(struct throttle *t, struct throttle_waiter *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		throttle_enqueue(t, &w[i], 0);
}

/* Start as many waiters as the throttle allows at now; return how many. */
static int
drain(struct throttle *t, double now, double *wait)
{
	int	n = 0;

	while (throttle_next(t, now, wait) != NULL)
		n++;
	return n;
}

static void
test_semaphore(void)
{
	struct throttle_waiter	 w[8] = { { NULL, NULL, 0, 0 } };
	struct throttle		*t;
	double			 wait;
	int			 i;

	t = throttle_new(3, 0, 1, 0);
	tap_ok(t != NULL, "semaphore: throttle_new");
	tap_ok(throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "semaphore: empty queue gives NULL, wait -1");
	enqueue_all(t, w, 5);
	tap_int(throttle_queued(t), 5, "semaphore: 5 queued");
	tap_int(w[2].queued, 1, "semaphore: queued flag set");
	for (i = 0; i < 3; i++)
		tap_ok(throttle_next(t, 0, &wait) == &w[i],
		    "semaphore: permit %d goes to waiter %d", i + 1, i);
	tap_int(w[0].queued, 0, "semaphore: queued flag cleared on start");
	tap_ok(throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "semaphore: 4th of 3 permits waits with wait -1");
	tap_int(throttle_in_flight(t), 3, "semaphore: 3 in flight");
	tap_int(throttle_queued(t), 2, "semaphore: 2 still queued");

	throttle_release(t, 0);
	tap_ok(throttle_next(t, 0, &wait) == &w[3],
	    "semaphore: release starts the next in FIFO order");
	tap_ok(throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "semaphore: full again");

	throttle_enqueue(t, &w[5], 1);
	throttle_release(t, 0);
	tap_ok(throttle_next(t, 0, &wait) == &w[5],
	    "semaphore: a front-queued waiter goes first");
	throttle_release(t, 0);
	tap_ok(throttle_next(t, 0, &wait) == &w[4],
	    "semaphore: then the back of the queue");
	tap_ok(throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "semaphore: queue empty, all permits taken");

	/* Cancellation: out of the middle, the head and the tail. */
	throttle_release(t, 0);
	throttle_release(t, 0);
	throttle_release(t, 0);
	tap_int(throttle_in_flight(t), 0, "semaphore: all released");
	enqueue_all(t, w, 5);
	throttle_remove(t, &w[2]);
	tap_int(throttle_queued(t), 4, "remove: middle leaves 4 queued");
	tap_int(w[2].queued, 0, "remove: flag cleared");
	throttle_remove(t, &w[2]);
	tap_int(throttle_queued(t), 4, "remove: removing again is a no-op");
	throttle_remove(t, &w[0]);
	throttle_remove(t, &w[4]);
	tap_int(throttle_queued(t), 2, "remove: head and tail leave 2 queued");
	tap_ok(throttle_next(t, 0, &wait) == &w[1] &&
	    throttle_next(t, 0, &wait) == &w[3] &&
	    throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "remove: the others start in order");
	throttle_remove(t, &w[1]);
	tap_int(throttle_in_flight(t), 2, "remove: a started waiter is left alone");
	throttle_enqueue(t, &w[6], 0);
	throttle_remove(t, &w[6]);
	tap_ok(throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "remove: the only waiter removed leaves an empty queue");

	/* A lowered max: in-flight requests stay, nothing starts. */
	throttle_enqueue(t, &w[7], 0);
	tap_ok(throttle_next(t, 0, &wait) == &w[7], "lower max: fill 3 of 3");
	throttle_set_limits(t, 1, 0, 1, 0);
	tap_int(throttle_in_flight(t), 3, "lower max: 3 still in flight");
	enqueue_all(t, w, 2);
	throttle_release(t, 0);
	tap_ok(throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "lower max: 2 in flight over max 1, nothing starts");
	throttle_release(t, 0);
	tap_ok(throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "lower max: 1 in flight at max 1, nothing starts");
	throttle_release(t, 0);
	tap_ok(throttle_next(t, 0, &wait) == &w[0] &&
	    throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "lower max: 0 in flight, exactly one starts");
	throttle_free(t);
	tap_int(w[1].queued, 0, "throttle_free unlinks the waiters left");
}

static void
test_bucket(void)
{
	struct throttle_waiter	 w[2000] = { { NULL, NULL, 0, 0 } };
	struct throttle		*t;
	double			 now, wait;
	int			 i, ok, n;

	t = throttle_new(1000, 10, 10, 0);
	enqueue_all(t, w, 40);
	tap_int(drain(t, 0, &wait), 10, "bucket 10/s burst 10: 10 start at 0");
	tap_near(wait, 0.1, "bucket: then wait 0.1");
	tap_near(throttle_rate(t, 0), 10, "bucket: rate is the configured 10");
	n = drain(t, 0.05, &wait);
	tap_int(n, 0, "bucket: none at 0.05");
	tap_near(wait, 0.05, "bucket: wait 0.05 at 0.05");
	now = 0.05;
	ok = 1;
	for (i = 1; i <= 10; i++) {
		now += wait;
		if (fabs(now - i * 0.1) > NEAR || drain(t, now, &wait) != 1 ||
		    fabs(wait - 0.1) > NEAR)
			ok = 0;
	}
	tap_ok(ok, "bucket: then exactly one per 0.1 s");
	tap_int(drain(t, 100, &wait), 10,
	    "bucket: after a long idle, the burst again and no more");
	tap_near(wait, 0.1, "bucket: and wait 0.1");
	throttle_free(t);

	/* A fractional rate. */
	t = throttle_new(10, 0.5, 1, 0);
	enqueue_all(t, w, 5);
	tap_int(drain(t, 0, &wait), 1, "0.5/s burst 1: one at 0");
	tap_near(wait, 2, "0.5/s: wait 2");
	tap_int(drain(t, 1, &wait), 0, "0.5/s: none at 1");
	tap_near(wait, 1, "0.5/s: wait 1 at 1");
	tap_int(drain(t, 2, &wait), 1, "0.5/s: one at 2");
	tap_near(wait, 2, "0.5/s: wait 2 again");
	throttle_free(t);

	/* A fractional burst: 2 start, half a token is left. */
	t = throttle_new(10, 1, 2.5, 0);
	enqueue_all(t, w, 5);
	tap_int(drain(t, 0, &wait), 2, "1/s burst 2.5: two at 0");
	tap_near(wait, 0.5, "burst 2.5: wait 0.5");
	tap_int(drain(t, 0.5, &wait), 1, "burst 2.5: one at 0.5");
	tap_near(wait, 1, "burst 2.5: wait 1");
	throttle_free(t);

	/* Never a start on 0.999... of a token, and no wake too early. */
	t = throttle_new(10, 3, 1, 0);
	enqueue_all(t, w, 5);
	(void)drain(t, 0, &wait);
	tap_near(wait, 1.0 / 3, "3/s: wait 1/3");
	tap_int(drain(t, 1.0 / 3 - 1e-12, &wait), 0,
	    "3/s: nothing 1e-12 s before the token");
	tap_ok(wait > 0 && wait <= 2e-12,
	    "3/s: and a wait of about 1e-12 (%g)", wait);
	throttle_free(t);

	t = throttle_new(2000, 7, 1, 1e6);
	enqueue_all(t, w, 2000);
	now = 1e6;
	ok = 1;
	(void)drain(t, now, &wait);
	for (i = 0; i < 1999; i++) {
		now += wait;
		if (drain(t, now, &wait) != 1)
			ok = 0;
	}
	tap_ok(ok, "7/s at now = 1e6: waking at now + wait always starts one");
	/*
	 * Times near 1e6 are multiples of 2^-33 s; with burst 1 the part of
	 * a grid step that overshoots the token is capped away, so each
	 * start may lose up to one step, never gain one.
	 */
	tap_ok(now >= 1e6 + 1999 / 7.0 &&
	    now <= 1e6 + 1999 / 7.0 + 1999 * ldexp(1, -33),
	    "7/s at now = 1e6: 1999 s/7 later, within one 2^-33 s per start");
	throttle_free(t);
}

/* A 64-bit LCG (Knuth's MMIX constants): a fixed, portable sequence. */
static uint64_t	lcg_state;

static double
lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL +
	    1442695040888963407ULL;
	return (double)(lcg_state >> 11) / 9007199254740992.0;
}

#define SIM_N	2500	/* requests */

/*
 * Drive a throttle like the daemon would: requests arrive in random
 * clumps, last a random time, the loop wakes at the next arrival, release
 * or now + wait.  Every start time is recorded and every window checked.
 * With p429 > 0 that share of responses is a 429 with a random pause.
 */
static void
simulate(double rate, double burst, int k, double p429, uint64_t seed)
{
	static struct throttle_waiter	w[SIM_N];
	static double			arrive[SIM_N], starts[SIM_N];
	static double			done[SIM_N];
	struct throttle			*t;
	struct throttle_waiter		*s;
	double				 now = 0, wake = -1, wait, next, gap;
	double				 dmax;
	size_t				 i, j, narr = 0, nstart = 0, nrun = 0;
	size_t				 steps = 0;
	int				 flying_ok = 1, wake_ok = 1, bound_ok = 1;
	int				 first;

	lcg_state = seed;
	dmax = 3.0 * k / rate;
	for (i = 0; i < SIM_N; i++) {
		/* Mostly faster than the rate, with quiet spells. */
		gap = lcg() < 0.01 ? 2 + 3 * lcg() : lcg() * 0.8 / rate;
		arrive[i] = (i == 0 ? 0 : arrive[i - 1]) + gap;
		w[i].queued = 0;
	}
	t = throttle_new(k, rate, burst, 0);
	/* Each arrival, release or wake is one step; a livelock is not. */
	while (nstart < SIM_N && steps++ < 10 * SIM_N) {
		for (i = 0; i < nrun; ) {
			if (done[i] <= now) {
				throttle_release(t, 0);
				if (p429 > 0 && lcg() < p429)
					throttle_throttled(t, 0, now, lcg());
				done[i] = done[--nrun];
			} else
				i++;
		}
		while (narr < SIM_N && arrive[narr] <= now)
			throttle_enqueue(t, &w[narr++], 0);
		first = 1;
		while ((s = throttle_next(t, now, &wait)) != NULL) {
			starts[nstart++] = now;
			done[nrun++] = now + lcg() * dmax;
			first = 0;
		}
		if (first && now == wake)
			wake_ok = 0;
		if (throttle_in_flight(t) != (int)nrun || (int)nrun > k)
			flying_ok = 0;
		wake = wait >= 0 ? now + wait : -1;
		next = wake >= 0 ? wake : HUGE_VAL;
		if (narr < SIM_N && arrive[narr] < next)
			next = arrive[narr];
		for (i = 0; i < nrun; i++)
			if (done[i] < next)
				next = done[i];
		if (next == HUGE_VAL)
			break;
		now = next;
	}
	for (i = 0; i < nstart && bound_ok; i++)
		for (j = i; j < nstart; j++)
			if ((double)(j - i + 1) >
			    burst + rate * (starts[j] - starts[i]) + 1e-9) {
				printf("# %zu starts in [%.17g, %.17g]\n",
				    j - i + 1, starts[i], starts[j]);
				bound_ok = 0;
				break;
			}
	tap_int(nstart, SIM_N, "sim rate %g burst %g K %d p429 %g: all start",
	    rate, burst, k, p429);
	tap_ok(bound_ok, "sim rate %g burst %g K %d p429 %g: every window "
	    "holds <= burst + rate * t starts", rate, burst, k, p429);
	tap_ok(flying_ok, "sim rate %g burst %g K %d p429 %g: never more "
	    "than K in flight", rate, burst, k, p429);
	tap_ok(wake_ok, "sim rate %g burst %g K %d p429 %g: waking at "
	    "now + wait always starts one", rate, burst, k, p429);
	throttle_free(t);
}

static void
test_429(void)
{
	struct throttle_waiter	 w[100] = { { NULL, NULL, 0, 0 } };
	struct throttle		*t;
	double			 wait, x, r;
	int			 ok, i;

	/* The pause is honoured to the instant. */
	t = throttle_new(100, 10, 10, 0);
	enqueue_all(t, w, 30);
	throttle_throttled(t, 0, 0, 2);
	tap_near(throttle_paused(t, 0), 2, "429: paused 2 at 0");
	tap_near(throttle_paused(t, 1.5), 0.5, "429: paused 0.5 at 1.5");
	tap_near(throttle_paused(t, 3), 0, "429: paused 0 at 3");
	tap_int(drain(t, 0, &wait), 0, "429: nothing at 0");
	tap_near(wait, 2, "429: wait 2, to the end of the pause");
	tap_int(drain(t, 2 - 1e-9, &wait), 0, "429: nothing 1e-9 s before");
	tap_near(wait, 1e-9, "429: wait 1e-9 then");
	tap_int(drain(t, 2, &wait), 10, "429: the full burst at 2");
	/* From 0 tokens at rate 5 climbing 0.5/s per s: 5d + d^2/4 = 1. */
	tap_near(wait, 2 * (sqrt(26) - 5), "429: then the climbing rate's wait");
	tap_int(drain(t, 2 + wait, &wait), 1, "429: one start at that time");

	/* A longer pause in force is kept, a longer new one extends it. */
	throttle_throttled(t, 0, 3, 5);
	throttle_throttled(t, 0, 4, 1);
	tap_near(throttle_paused(t, 4), 4, "429: a longer pause is kept");
	throttle_throttled(t, 0, 5, 10);
	tap_near(throttle_paused(t, 5), 10, "429: a longer new pause wins");
	throttle_free(t);

	/* Successive 429s halve, never below 1/s. */
	t = throttle_new(10, 10, 10, 0);
	throttle_throttled(t, 0, 0, 0);
	tap_near(throttle_rate(t, 0), 5, "429: 10 -> 5");
	throttle_throttled(t, 0, 0, 0);
	tap_near(throttle_rate(t, 0), 2.5, "429: 5 -> 2.5");
	throttle_throttled(t, 0, 0, 0);
	tap_near(throttle_rate(t, 0), 1.25, "429: 2.5 -> 1.25");
	throttle_throttled(t, 0, 0, 0);
	tap_near(throttle_rate(t, 0), 1, "429: 1.25 -> 1");
	throttle_throttled(t, 0, 0, 0);
	tap_near(throttle_rate(t, 0), 1, "429: 1 -> 1");
	throttle_free(t);

	/* The climb: +max(0.5, 5% of 10) = 0.5/s per s from the pause end. */
	t = throttle_new(10, 10, 10, 0);
	throttle_throttled(t, 0, 0, 2);
	tap_near(throttle_rate(t, 1), 5, "climb 10/s: 5 during the pause");
	tap_near(throttle_rate(t, 2), 5, "climb 10/s: 5 at the pause end");
	tap_near(throttle_rate(t, 4), 6, "climb 10/s: 6 two s later");
	tap_near(throttle_rate(t, 7), 7.5, "climb 10/s: 7.5 at 7");
	tap_near(throttle_rate(t, 11.9), 9.95, "climb 10/s: 9.95 at 11.9");
	tap_near(throttle_rate(t, 12), 10, "climb 10/s: 10 at 12");
	ok = 1;
	for (x = 0; x < 100; x += 0.125)
		if (throttle_rate(t, x) > 10)
			ok = 0;
	tap_ok(ok, "climb 10/s: never above 10");
	/* A 429 mid-climb cuts from the rate at its time. */
	throttle_throttled(t, 0, 4, 1);
	tap_near(throttle_rate(t, 4), 3, "climb 10/s: 429 at 6/s -> 3");
	tap_near(throttle_rate(t, 7), 4, "climb 10/s: 4 two s after the pause");
	tap_near(throttle_rate(t, 19), 10, "climb 10/s: 10 at 19");
	throttle_free(t);

	t = throttle_new(10, 200, 200, 0);
	throttle_throttled(t, 0, 0, 1);
	tap_near(throttle_rate(t, 3), 120, "climb 200/s: 10/s per s, 120 at 3");
	tap_near(throttle_rate(t, 11), 200, "climb 200/s: 200 at 11");
	tap_near(throttle_rate(t, 50), 200, "climb 200/s: 200 at 50");
	throttle_free(t);

	/* Below 1/s a 429 only pauses. */
	t = throttle_new(10, 0.5, 1, 0);
	throttle_throttled(t, 0, 0, 3);
	tap_near(throttle_rate(t, 0), 0.5, "0.5/s: a 429 keeps 0.5");
	tap_near(throttle_paused(t, 0), 3, "0.5/s: but pauses 3");
	throttle_free(t);

	/* A wait spanning the pause (at 5/s) and the climb. */
	t = throttle_new(10, 10, 1, 0);
	enqueue_all(t, w, 3);
	tap_int(drain(t, 0, &wait), 1, "span: one at 0");
	throttle_throttled(t, 0, 0, 0.1);
	(void)drain(t, 0, &wait);
	tap_near(wait, 0.1 + 2 * (sqrt(25.5) - 5),
	    "span: 0.5 token in the pause, 0.5 in the climb");
	tap_int(drain(t, wait, &wait), 1, "span: one start at that time");
	throttle_free(t);

	/* A wait spanning the climb's end: 1/s + 0.5/s per s up to 2/s. */
	t = throttle_new(10, 2, 1, 0);
	throttle_throttled(t, 0, 0, 0);
	enqueue_all(t, w, 3);
	tap_int(drain(t, 1.9, &wait), 1, "climb end: one at 1.9");
	tap_near(wait, 0.50125, "climb end: 0.1975 climbing, 0.8025 at 2/s");
	tap_int(drain(t, 1.9 + wait, &wait), 1, "climb end: one then");
	tap_near(wait, 0.5, "climb end: then 2/s");
	throttle_free(t);

	/* No configured rate: half the starts of the last second. */
	t = throttle_new(100, 0, 10, 99);
	enqueue_all(t, w, 20);
	tap_int(drain(t, 99.2, &wait), 20, "unlimited: 20 at 99.2");
	tap_ok(wait == -1, "unlimited: queue empty, wait -1");
	for (i = 0; i < 20; i++)
		throttle_release(t, 0);
	enqueue_all(t, w, 10);
	tap_int(drain(t, 100.25, &wait), 10, "unlimited: 10 at 100.25");
	for (i = 0; i < 10; i++)
		throttle_release(t, 0);
	enqueue_all(t, w + 10, 40);
	tap_near(throttle_rate(t, 100.25), 0, "unlimited: rate 0");
	throttle_throttled(t, 0, 100.25, 1);
	/* 10 + 20 * 0.75 = 25 starts in the last second. */
	tap_near(throttle_rate(t, 100.25), 12.5, "unlimited: 429 -> 12.5");
	tap_near(throttle_rate(t, 103.25), 17.5,
	    "unlimited: +2.5/s per s (5% of 4 x 12.5)");
	tap_near(throttle_rate(t, 116), 49.375, "unlimited: 49.375 at 116");
	tap_near(throttle_rate(t, 116.25), 0, "unlimited: unlimited at 116.25");
	tap_int(drain(t, 100.5, &wait), 0, "unlimited: nothing in the pause");
	tap_near(wait, 0.75, "unlimited: wait for the pause end");
	tap_int(drain(t, 101.25, &wait), 10, "unlimited: the burst of 10");
	tap_near(wait, (sqrt(12.5 * 12.5 + 5) - 12.5) / 2.5,
	    "unlimited: then the climbing rate's wait");
	tap_int(drain(t, 116.25, &wait), 30, "unlimited: all 30 left at 116.25");
	throttle_free(t);

	/* No configured rate and no recent starts: 1/s climbing to 4/s. */
	t = throttle_new(100, 0, 1, 0);
	throttle_throttled(t, 0, 10, 0);
	tap_near(throttle_rate(t, 10), 1, "unlimited idle: 429 -> 1");
	tap_near(throttle_rate(t, 12), 2, "unlimited idle: 2 at 12");
	tap_near(throttle_rate(t, 15.5), 3.75, "unlimited idle: 3.75 at 15.5");
	tap_near(throttle_rate(t, 16), 0, "unlimited idle: unlimited at 16");
	/* A second 429 mid-climb halves the current rate. */
	r = throttle_rate(t, 14);
	throttle_throttled(t, 0, 14, 0);
	tap_near(throttle_rate(t, 14), r / 2, "unlimited idle: 3 -> 1.5");
	tap_near(throttle_rate(t, 16), 2.5,
	    "unlimited idle: +0.5/s per s towards 6");
	tap_near(throttle_rate(t, 23), 0, "unlimited idle: unlimited at 23");
	throttle_free(t);
}

static void
test_set_limits(void)
{
	struct throttle_waiter	 w[20] = { { NULL, NULL, 0, 0 } };
	struct throttle		*t;
	double			 wait;

	t = throttle_new(2, 10, 10, 0);
	enqueue_all(t, w, 8);
	tap_int(drain(t, 0, &wait), 2, "reload: 2 of max 2 at 0");
	throttle_throttled(t, 0, 0, 3);
	throttle_set_limits(t, 4, 20, 2, 1);
	tap_near(throttle_paused(t, 1), 2, "reload: the pause is kept");
	tap_int(throttle_queued(t), 6, "reload: the queue is kept");
	tap_int(throttle_in_flight(t), 2, "reload: in flight is kept");
	tap_near(throttle_rate(t, 1), 20, "reload: the rate is the new 20");
	tap_int(drain(t, 1, &wait), 0, "reload: nothing during the pause");
	tap_near(wait, 2, "reload: wait 2");
	tap_int(drain(t, 3, &wait), 2,
	    "reload: at the pause end the new burst 2 (and max 4)");
	tap_ok(wait == -1, "reload: max 4 reached, wait -1");
	throttle_release(t, 0);
	tap_int(drain(t, 3, &wait), 0, "reload: no token left");
	tap_near(wait, 0.05, "reload: wait 1/20");
	throttle_free(t);

	/* Unlimited to limited: the bucket starts full at the new burst. */
	t = throttle_new(20, 0, 1, 0);
	enqueue_all(t, w, 20);
	throttle_remove(t, &w[0]);
	tap_int(throttle_queued(t), 19, "reload unlimited: 19 queued");
	throttle_set_limits(t, 20, 1, 3, 0.5);
	tap_int(drain(t, 0.5, &wait), 3, "reload 0 -> 1/s burst 3: 3 start");
	tap_near(wait, 1, "reload 0 -> 1/s: wait 1");
	throttle_set_limits(t, 20, 0, 1, 0.75);
	tap_int(drain(t, 0.75, &wait), 16, "reload 1/s -> 0: the 16 left");
	throttle_free(t);
}

/* One start of a multi-key run: when, on which key, which waiter. */
struct start {
	double	at;
	int	key;
	size_t	waiter;
};

/*
 * Run n waiters through t, waking exactly when throttle_next asks, until
 * all started or until is passed; record the starts in st.  Every key
 * has answered before (no one-at-a-time trial).  Returns the starts.
 */
static size_t
run_keys(struct throttle *t, struct throttle_waiter *w, size_t n,
    double until, struct start *st)
{
	struct throttle_waiter	*got;
	double			 now = 0, wait;
	size_t			 ns = 0;

	enqueue_all(t, w, n);
	while (ns < n && now <= until) {
		while ((got = throttle_next(t, now, &wait)) != NULL) {
			st[ns].at = now;
			st[ns].key = got->key;
			st[ns].waiter = (size_t)(got - w);
			ns++;
		}
		if (wait < 0)
			break;
		now += wait;
	}
	return ns;
}

/* The most starts on key in any window [x, x + len) over st[0..ns). */
static size_t
busiest(const struct start *st, size_t ns, int key, double len)
{
	size_t	i, j, c, most = 0;

	for (i = 0; i < ns; i++) {
		if (st[i].key != key)
			continue;
		for (c = 0, j = i; j < ns && st[j].at < st[i].at + len; j++)
			if (st[j].key == key)
				c++;
		if (c > most)
			most = c;
	}
	return most;
}

static void
test_keys(void)
{
	static struct throttle_waiter	 w[1000];
	static struct start		 st[1000];
	struct throttle			*t;
	int				 from[3] = { -1, -1, -1 }, k, ok;
	size_t				 ns, i, per[3] = { 0, 0, 0 };

	t = throttle_new(1000, 10, 5, 0);
	tap_int(throttle_set_keys(t, 3, from, 0), 0, "keys: three keys");
	tap_int(throttle_keys(t), 3, "keys: throttle_keys says 3");
	for (k = 0; k < 3; k++)
		throttle_answered(t, k);
	ns = run_keys(t, w, 1000, 10 + 1e-9, st);
	/* Each key: its burst of 5 at 0, then 10/s for 10 s. */
	tap_int(ns, 3 * (5 + 100), "keys 3 x 10/s burst 5: 315 starts by 10 s");
	for (i = 0; i < ns; i++)
		per[st[i].key]++;
	tap_ok(per[0] == 105 && per[1] == 105 && per[2] == 105,
	    "keys: 105 starts on each key (%zu %zu %zu)", per[0], per[1],
	    per[2]);
	ok = 1;
	for (k = 0; k < 3; k++)
		if (busiest(st, ns, k, 1) > 5 + 10 ||
		    busiest(st, ns, k, 3) > 5 + 30 ||
		    busiest(st, ns, k, 0.25) > 5 + 2)
			ok = 0;
	tap_ok(ok, "keys: no window of any key over burst + rate x length "
	    "(busiest second of key 1: %zu)", busiest(st, ns, 0, 1));
	ok = 1;
	for (i = 0; i < ns; i++)
		if (st[i].waiter != i)
			ok = 0;
	tap_ok(ok, "keys: the waiters start in FIFO order");
	ok = 1;
	for (i = 0; i < 15; i++)
		if (st[i].at != 0 || st[i].key != (int)(i % 3))
			ok = 0;
	tap_ok(ok, "keys: the bursts at 0 go round-robin: 0 1 2 0 1 2 ...");
	ok = 1;
	for (i = 0; i + 3 <= ns; i += 3)
		if (st[i].key == st[i + 1].key || st[i].key == st[i + 2].key ||
		    st[i + 1].key == st[i + 2].key)
			ok = 0;
	tap_ok(ok, "keys: every 3 starts in a row use the 3 keys");
	tap_near(throttle_rate(t, 10), 30, "keys: the rate is the sum, 30/s");
	throttle_free(t);
}

/* 429s, refusals and reloads of single keys among several. */
static void
test_keys_apart(void)
{
	struct throttle_waiter		 w[40] = { { NULL, NULL, 0, 0 } };
	struct throttle_waiter		*got;
	struct throttle_key_info	 ki;
	struct throttle			*t;
	int				 from[3] = { -1, -1, -1 }, keys[3];
	int				 from2[3] = { 2, -1, 0 }, n, ok;
	double				 wait, now;
	size_t				 i;

	t = throttle_new(100, 10, 2, 0);
	throttle_set_keys(t, 3, from, 0);
	enqueue_all(t, w, 40);
	/* Keys not yet answered carry one request each. */
	for (i = 0; i < 3; i++)
		keys[i] = (got = throttle_next(t, 0, &wait)) ? got->key : -9;
	tap_ok(keys[0] == 0 && keys[1] == 1 && keys[2] == 2,
	    "new keys: one request on each (%d %d %d)", keys[0], keys[1],
	    keys[2]);
	tap_ok(throttle_next(t, 0, &wait) == NULL && wait == -1,
	    "new keys: then nothing until an answer");
	throttle_answered(t, 0);
	throttle_release(t, 0);
	tap_ok((got = throttle_next(t, 0, &wait)) != NULL && got->key == 0,
	    "new keys: an answered key carries on");

	/* Key 1 refused: the others carry on, it is never chosen again. */
	tap_int(throttle_refused(t, 1), 2, "refused: 2 keys left");
	tap_int(throttle_refused(t, 1), 2, "refused: counted once");
	throttle_release(t, 1);
	throttle_answered(t, 2);
	throttle_release(t, 2);
	tap_ok((got = throttle_next(t, 0, &wait)) != NULL && got->key == 2,
	    "refused: the next start skips key 1 for key 2");
	tap_ok(throttle_next(t, 0, &wait) == NULL && fabs(wait - 0.1) <= NEAR,
	    "refused: keys 0 and 2 out of tokens, wait 0.1 (%g)", wait);
	tap_near(throttle_rate(t, 0), 20, "refused: the rate of 2 keys, 20/s");
	throttle_key(t, 1, 0, &ki);
	tap_int(ki.state, THROTTLE_KEY_REFUSED, "refused: its state");

	/* A 429 on key 0 pauses key 0 only and halves its rate. */
	throttle_throttled(t, 0, 0.1, 3);
	tap_near(throttle_paused(t, 0.1), 0, "429 on one key: key 2 unpaused");
	throttle_key(t, 0, 0.1, &ki);
	tap_near(ki.paused, 3, "429 on one key: key 0 paused 3 s");
	tap_near(ki.rate, 5, "429 on one key: key 0 at 5/s");
	tap_near(throttle_rate(t, 0.1), 15, "429 on one key: 5 + 10 = 15/s");
	n = 0;
	ok = 1;
	for (now = 0.1; now < 2.95; now += wait)
		while ((got = throttle_next(t, now, &wait)) != NULL) {
			n++;
			ok = ok && got->key == 2;
		}
	tap_ok(ok && n == 29, "429 on one key: key 2 carries every start "
	    "meanwhile, one per 0.1 s (%d)", n);

	/* Every key refused: all are used again, as a single key is. */
	throttle_refused(t, 0);
	tap_int(throttle_refused(t, 2), 0, "all refused: no key left");
	tap_ok((got = throttle_next(t, 5, &wait)) != NULL,
	    "all refused: requests still start");
	tap_near(throttle_rate(t, 5), 5 + 0.5 * 1.9 + 10 + 10,
	    "all refused: the rate counts every key");

	/* A reload: key 0 takes old key 2, key 2 old key 0, key 1 is new. */
	tap_int(throttle_set_keys(t, 3, from2, 5), 0, "reload: keys remapped");
	throttle_key(t, 2, 5, &ki);
	tap_int(ki.state, THROTTLE_KEY_NEW,
	    "reload: a refused key still in the file is tried again");
	tap_near(ki.rate, 5.95, "reload: it keeps its climbing rate");
	throttle_key(t, 1, 5, &ki);
	tap_ok(ki.state == THROTTLE_KEY_NEW && ki.paused == 0 && ki.rate == 10,
	    "reload: a new key starts fresh");
	n = throttle_in_flight(t);
	throttle_release(t, -1);
	tap_int(throttle_in_flight(t), n - 1,
	    "reload: a request of a dropped key gives its permit back");
	throttle_free(t);
}

#define FLOOD_N	64	/* waiters queued at once */

/*
 * Keep FLOOD_N waiters queued on one key from t0 (its bucket full) and
 * start each as early as the throttle allows, for span seconds: the worst
 * case for a window.  Returns the starts in the first second [t0, t0 + 1)
 * and sets *busiest to the most in any second [s, s + 1) from a start s.
 */
static int
flood(double rate, double burst, double t0, double span, int *busiest)
{
	struct throttle_waiter	 w[FLOOD_N] = { { NULL, NULL, 0, 0 } };
	struct throttle		*t;
	double			 starts[FLOOD_N], now = t0, wait = 0;
	int			 i, j, n = 0, first = 0;

	t = throttle_new(FLOOD_N, rate, burst, t0);
	enqueue_all(t, w, FLOOD_N);
	while (n < FLOOD_N && now < t0 + span && wait >= 0) {
		while (n < FLOOD_N && throttle_next(t, now, &wait) != NULL)
			starts[n++] = now;
		now += wait;
	}
	throttle_free(t);
	*busiest = 0;
	for (i = 0; i < n; i++) {
		if (starts[i] < t0 + 1)
			first++;
		for (j = i; j < n && starts[j] < starts[i] + 1; j++)
			;
		if (j - i > *busiest)
			*busiest = j - i;
	}
	return first;
}

/*
 * The default burst, 1 (conf.c): a key never starts more than its rate in
 * a second (the next whole number for a fractional rate), the first
 * second included.  The old default, burst = rate, did not.
 */
static void
test_default_burst(void)
{
	static const struct {
		double	rate, t0;
		int	most;
	} c[] = {
		{ 10, 0, 10 }, { 3, 0, 3 }, { 2.5, 0, 3 }, { 0.5, 0, 1 },
		{ 7, 1e6, 7 }, { 10, 1e6, 10 },
	};
	size_t	i;
	int	first, busiest;

	for (i = 0; i < sizeof(c) / sizeof(*c); i++) {
		first = flood(c[i].rate, 1, c[i].t0, 5, &busiest);
		tap_ok(first == c[i].most && busiest == c[i].most,
		    "burst 1 at %g/s from %g: %d in the first second, at most "
		    "%d in any second (%d, %d)", c[i].rate, c[i].t0, c[i].most,
		    c[i].most, first, busiest);
	}
	first = flood(10, 10, 0, 5, &busiest);
	tap_ok(first == 19 && busiest == 19, "burst 10 at 10/s: 19 in the "
	    "first second, twice the rate (%d, %d)", first, busiest);
}

int
main(void)
{
	test_semaphore();
	test_bucket();
	test_default_burst();
	test_429();
	test_set_limits();
	test_keys();
	test_keys_apart();
	simulate(10, 10, 4, 0, 1);
	simulate(50, 1, 8, 0, 2);
	simulate(200, 200, 64, 0, 3);
	simulate(0.5, 1, 2, 0, 4);
	simulate(3.7, 2.5, 3, 0, 5);
	simulate(10, 10, 4, 0.05, 6);
	simulate(200, 200, 64, 0.02, 7);
	return tap_done();
}
