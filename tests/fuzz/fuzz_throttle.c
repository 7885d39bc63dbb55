/*
 * fuzz_throttle.c - libFuzzer harness for throttle.c: the input is a
 * sequence of operations (enqueue at the front or back, remove, start
 * what may start at an advancing time, release, 429 on a key, new limits,
 * a key refused, a new set of keys) run against a throttle of 1 to 4 keys
 * and a model of it.  Checked: FIFO order, the counts, no start beyond
 * max_concurrent, the window bound of each key (no window of t seconds
 * sees more than burst + rate * t starts on one key at the configured
 * rate), and that waking after the wait throttle_next asked for starts
 * the head waiter.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "throttle.h"
#include "fuzz.h"

#define NWAITERS	32
#define NKEYS		4	/* at most */
#define NSTARTS		1024	/* starts kept per key for the window check */
#define SLACK		1e-6	/* requests: floating point rounding */

enum wstate {
	W_FREE,
	W_QUEUED,
	W_FLIGHT
};

struct model {
	struct throttle		*t;
	struct throttle_waiter	 w[NWAITERS];
	enum wstate		 state[NWAITERS];
	int			 queue[NWAITERS];	/* indices, head first */
	size_t			 nqueued;
	int			 in_flight;

	int			 max_concurrent;
	double			 rate;
	double			 burst;
	double			 now;

	/* Start times per key since the limits or keys changed, rate > 0. */
	int			 nkeys;
	double			 starts[NKEYS][NSTARTS];
	size_t			 nstarts[NKEYS];

	const uint8_t		*in;
	size_t			 len, off;
};

static unsigned
byte(struct model *m)
{
	return m->off < m->len ? m->in[m->off++] : 0;
}

/* Limits from three bytes: 1..8 permits, 0 or 0.1..25.5/s, burst 1..64.75. */
static void
limits(struct model *m)
{
	unsigned a = byte(m), b = byte(m), c = byte(m);

	m->max_concurrent = 1 + (int)(a % 8);
	m->rate = b * 0.1;
	m->burst = 1 + c * 0.25;
	memset(m->nstarts, 0, sizeof(m->nstarts));
}

/*
 * A new set of 1..NKEYS keys, each taking over an old one or new; the
 * requests in flight follow their key as fetch makes them.  Every key is
 * marked answered, so none is held to one request at a time.
 */
static void
new_keys(struct model *m)
{
	int	from[NKEYS], to[NKEYS], n = 1 + (int)(byte(m) % NKEYS), k, i;

	for (k = 0; k < NKEYS; k++)
		to[k] = -1;
	for (k = 0; k < n; k++) {
		from[k] = (int)(byte(m) % (unsigned)(m->nkeys + 1)) - 1;
		if (from[k] >= 0 && to[from[k]] == -1)
			to[from[k]] = k;
		else
			from[k] = -1;
	}
	if (throttle_set_keys(m->t, (size_t)n, from, m->now) == -1)
		return;
	for (i = 0; i < NWAITERS; i++)
		if (m->state[i] == W_FLIGHT && m->w[i].key >= 0)
			m->w[i].key = to[m->w[i].key];
	m->nkeys = n;
	for (k = 0; k < n; k++)
		throttle_answered(m->t, k);
	memset(m->nstarts, 0, sizeof(m->nstarts));
}

static int
free_waiter(const struct model *m)
{
	int i;

	for (i = 0; i < NWAITERS; i++)
		if (m->state[i] == W_FREE)
			return i;
	return -1;
}

static void
enqueue(struct model *m, int front)
{
	int i = free_waiter(m);

	if (i == -1)
		return;
	throttle_enqueue(m->t, &m->w[i], front);
	if (front) {
		memmove(m->queue + 1, m->queue, m->nqueued * sizeof(int));
		m->queue[0] = i;
	} else
		m->queue[m->nqueued] = i;
	m->nqueued++;
	m->state[i] = W_QUEUED;
}

static void
remove_waiter(struct model *m, int i)
{
	size_t k;

	throttle_remove(m->t, &m->w[i]);
	if (m->state[i] != W_QUEUED)
		return;
	for (k = 0; m->queue[k] != i; k++)
		continue;
	memmove(m->queue + k, m->queue + k + 1,
	    (m->nqueued - k - 1) * sizeof(int));
	m->nqueued--;
	m->state[i] = W_FREE;
}

/* A start at m->now: the model's head, within the limits. */
static void
started(struct model *m, struct throttle_waiter *w)
{
	size_t k, n, *ns;
	double *st;
	int i;

	FUZZ_CHECK(m->nqueued > 0);
	i = m->queue[0];
	FUZZ_CHECK(w == &m->w[i]);
	FUZZ_CHECK(!w->queued);
	memmove(m->queue, m->queue + 1, (m->nqueued - 1) * sizeof(int));
	m->nqueued--;
	m->state[i] = W_FLIGHT;
	m->in_flight++;
	FUZZ_CHECK(throttle_in_flight(m->t) == m->in_flight);
	FUZZ_CHECK(m->in_flight <= m->max_concurrent);
	FUZZ_CHECK(w->key >= 0 && w->key < m->nkeys);

	ns = &m->nstarts[w->key];
	st = m->starts[w->key];
	if (m->rate == 0 || *ns == NSTARTS)
		return;
	st[(*ns)++] = m->now;
	for (k = 0; k < *ns; k++) {
		n = *ns - k;
		FUZZ_CHECK((double)n <= m->burst +
		    m->rate * (m->now - st[k]) + SLACK);
	}
}

/* Start all that may start now; returns the last wait asked for. */
static double
drain(struct model *m)
{
	struct throttle_waiter *w;
	double wait;

	while ((w = throttle_next(m->t, m->now, &wait)) != NULL) {
		FUZZ_CHECK(wait == 0);
		started(m, w);
	}
	if (wait == -1)
		FUZZ_CHECK(m->nqueued == 0 || m->in_flight >= m->max_concurrent);
	else {
		FUZZ_CHECK(m->nqueued > 0 && m->in_flight < m->max_concurrent);
		FUZZ_CHECK(isfinite(wait) && wait > 0);
	}
	return wait;
}

static void
release(struct model *m)
{
	int i;

	if (m->in_flight == 0)
		return;
	for (i = 0; m->state[i] != W_FLIGHT; i++)
		continue;
	m->state[i] = W_FREE;
	m->in_flight--;
	throttle_release(m->t, m->w[i].key);
}

static void
check_state(struct model *m)
{
	double r = throttle_rate(m->t, m->now);

	FUZZ_CHECK(throttle_in_flight(m->t) == m->in_flight);
	FUZZ_CHECK(throttle_queued(m->t) == m->nqueued);
	FUZZ_CHECK(isfinite(r) && r >= 0);
	if (m->rate > 0)
		FUZZ_CHECK(r <= m->rate * m->nkeys);
	FUZZ_CHECK(throttle_paused(m->t, m->now) >= 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m;
	struct throttle_waiter *w;
	double wait, when;
	unsigned op, p;

	memset(&m, 0, sizeof(m));
	m.in = data;
	m.len = size;
	limits(&m);
	m.now = byte(&m) * 1000.0 + 0.5;
	if ((m.t = throttle_new(m.max_concurrent, m.rate, m.burst,
	    m.now)) == NULL)
		return 0;
	m.nkeys = 1;
	throttle_answered(m.t, 0);

	while (m.off < m.len) {
		op = byte(&m);
		switch (op % 10) {
		case 0:
		case 1:
			enqueue(&m, op % 8);
			break;
		case 2:
			remove_waiter(&m, (int)(byte(&m) % NWAITERS));
			break;
		case 3:
			p = byte(&m);
			m.now += p == 255 ? 1000 : p / 16.0;
			drain(&m);
			break;
		case 4:
			release(&m);
			break;
		case 5:
			p = byte(&m);
			throttle_throttled(m.t, (int)(p % (unsigned)m.nkeys),
			    m.now, byte(&m) / 8.0);
			break;
		case 6:
			limits(&m);
			throttle_set_limits(m.t, m.max_concurrent, m.rate,
			    m.burst, m.now);
			break;
		case 7:
			/* Wake exactly when told: the head must start then. */
			if ((wait = drain(&m)) <= 0)
				break;
			when = m.now + wait;
			m.now = when;
			w = throttle_next(m.t, m.now, &wait);
			FUZZ_CHECK(w != NULL);
			started(&m, w);
			drain(&m);
			break;
		case 8:
			throttle_refused(m.t, (int)(byte(&m) %
			    (unsigned)m.nkeys));
			break;
		case 9:
			new_keys(&m);
			break;
		}
		check_state(&m);
	}
	throttle_free(m.t);
	return 0;
}
