/* schedpol.c - scheduling policy: due times, refresh ends, reloads (pure). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "schedpol.h"

void
schedpol_init(struct schedpol_clan *c)
{
	c->state = SCHEDPOL_NEW;
	c->backoff = 0;
	c->failures = 0;
}

double
schedpol_spread(double now, double interval, size_t k, size_t n)
{
	double over = interval < SCHEDPOL_SPREAD_MAX ? interval :
	    SCHEDPOL_SPREAD_MAX;

	return now + over * (double)k / (double)n;
}

double
schedpol_next(const struct schedpol_clan *c, double now, double interval,
    double jitter, double u)
{
	double		 max = interval * SCHEDPOL_BACKOFF_MAX;
	double		 base = interval, d;
	unsigned	 k;

	for (k = 0; k < c->backoff && base < max; k++)
		base *= 2;
	if (base > max)
		base = max;
	d = base + (2 * u - 1) * jitter;
	return now + (d < SCHEDPOL_DELAY_MIN ? SCHEDPOL_DELAY_MIN : d);
}

int
schedpol_ended(struct schedpol_clan *c, enum schedpol_end end,
    enum schedpol_mode mode)
{
	int was_backing_off = c->state == SCHEDPOL_BACKOFF;

	switch (end) {
	case SCHEDPOL_WRITTEN:
		c->state = SCHEDPOL_OK;
		c->backoff = 0;
		c->failures = 0;
		break;
	case SCHEDPOL_NOT_READ:
		c->state = SCHEDPOL_BACKOFF;
		c->backoff++;
		c->failures++;
		break;
	case SCHEDPOL_NOT_WRITTEN:
	case SCHEDPOL_ABANDONED:
		c->state = SCHEDPOL_FAILING;
		c->backoff = 0;
		c->failures++;
		break;
	}
	return mode == SCHEDPOL_RUN && (was_backing_off ||
	    c->state == SCHEDPOL_BACKOFF);
}

void
schedpol_restart(struct schedpol_clan *c)
{
	if (c->state == SCHEDPOL_BACKOFF) {
		c->state = SCHEDPOL_FAILING;
		c->backoff = 0;
	}
}

enum schedpol_read
schedpol_member(const struct schedpol_member *m)
{
	double margin = m->seen_margin;

	if (!m->reuse_unseen)
		return SCHEDPOL_READ_OFF;
	if (!m->stored)
		return SCHEDPOL_READ_NEW;
	if (m->now < m->read_at ||
	    (double)(m->now - m->read_at) >= m->profile_max_age)
		return SCHEDPOL_READ_OLD;
	if (m->maintenance != 0 && m->maintenance >= m->read_at)
		return SCHEDPOL_READ_MAINT;
	if (!m->seen_known)
		return SCHEDPOL_READ_UNSEEN;
	if (m->seen > m->now)
		return SCHEDPOL_READ_FUTURE;
	if (m->max_age > 0 && (double)m->max_age > margin)
		margin = (double)m->max_age;
	/* Compared as doubles: a margin of years cannot wrap around. */
	if ((double)m->seen >= (double)m->read_at - margin)
		return SCHEDPOL_READ_SEEN;
	return SCHEDPOL_REUSE;
}

int
schedpol_failing(const struct schedpol_clan *c)
{
	return c->state == SCHEDPOL_FAILING || c->state == SCHEDPOL_BACKOFF;
}

int
schedpol_unwritten(const struct schedpol_clan *c)
{
	return c->state != SCHEDPOL_OK;
}

static int
cur_cmp(const void *a, const void *b)
{
	const struct schedpol_cur *x = *(const struct schedpol_cur *const *)a;
	const struct schedpol_cur *y = *(const struct schedpol_cur *const *)b;

	return strcmp(x->tag, y->tag);
}

/*
 * Match want against cur by tag: each step's act is ADD, or KEEP with its
 * index in cur; *kept[i] is set for each cur[i] matched.  byt is cur
 * sorted by tag.
 */
static void
plan_match(const struct schedpol_cur *cur, const struct schedpol_cur **byt,
    size_t ncur, const struct schedpol_want *want, size_t nwant,
    struct schedpol_step *step, unsigned char *kept)
{
	struct schedpol_cur		 key;
	const struct schedpol_cur	*kp = &key, **found;
	size_t				 i;

	for (i = 0; i < nwant; i++) {
		key.tag = want[i].tag;
		found = bsearch(&kp, byt, ncur, sizeof(*byt), cur_cmp);
		step[i].due = -1;
		if (found == NULL) {
			step[i].act = SCHEDPOL_ADD;
			step[i].cur = 0;
		} else {
			step[i].act = SCHEDPOL_KEEP;
			step[i].cur = (size_t)(*found - cur);
			kept[step[i].cur] = 1;
		}
	}
}

/*
 * Decide what each kept clan needs and time the clans that run soon: the
 * new ones, and the backed-off idle ones whose back-off the reload ends.
 */
static void
plan_time(const struct schedpol_cur *cur, const struct schedpol_want *want,
    size_t nwant, enum schedpol_mode mode, double now, uint64_t *rng,
    struct schedpol_plan *p)
{
	const struct schedpol_cur	*c;
	struct schedpol_step		*st;
	size_t				 i, k, nsoon = 0;

	for (i = 0; i < nwant; i++) {
		st = &p->step[i];
		if (st->act == SCHEDPOL_ADD) {
			p->added++;
			nsoon++;
			continue;
		}
		c = &cur[st->cur];
		if (c->interval != want[i].interval) {
			p->retimed++;
			st->act = SCHEDPOL_RETIME;
		}
		if (c->pol->state == SCHEDPOL_BACKOFF && !c->busy) {
			st->act = SCHEDPOL_RESTART;
			nsoon++;
		} else if (st->act == SCHEDPOL_RETIME && !c->busy &&
		    mode != SCHEDPOL_STOPPING)
			st->due = schedpol_next(c->pol, now, want[i].interval,
			    want[i].jitter, rng_uniform(rng));
	}
	for (i = 0, k = 0; i < nwant; i++) {
		st = &p->step[i];
		if (st->act != SCHEDPOL_ADD && st->act != SCHEDPOL_RESTART)
			continue;
		if (mode != SCHEDPOL_STOPPING)
			st->due = schedpol_spread(now, want[i].interval, k,
			    nsoon);
		k++;
	}
}

int
schedpol_plan(const struct schedpol_cur *cur, size_t ncur,
    const struct schedpol_want *want, size_t nwant, enum schedpol_mode mode,
    double now, uint64_t *rng, struct schedpol_plan *p)
{
	const struct schedpol_cur	**byt;
	unsigned char			 *kept;
	size_t				  i;

	memset(p, 0, sizeof(*p));
	byt = calloc(ncur ? ncur : 1, sizeof(*byt));
	kept = calloc(ncur ? ncur : 1, 1);
	p->step = calloc(nwant ? nwant : 1, sizeof(*p->step));
	p->gone = calloc(ncur ? ncur : 1, sizeof(*p->gone));
	if (byt == NULL || kept == NULL || p->step == NULL ||
	    p->gone == NULL) {
		free(byt);
		free(kept);
		schedpol_plan_free(p);
		return -1;
	}
	for (i = 0; i < ncur; i++)
		byt[i] = &cur[i];
	qsort(byt, ncur, sizeof(*byt), cur_cmp);
	plan_match(cur, byt, ncur, want, nwant, p->step, kept);
	for (i = 0; i < ncur; i++)
		if (!kept[byt[i] - cur])
			p->gone[p->ngone++] = (size_t)(byt[i] - cur);
	plan_time(cur, want, nwant, mode, now, rng, p);
	free(byt);
	free(kept);
	return 0;
}

void
schedpol_plan_free(struct schedpol_plan *p)
{
	free(p->step);
	free(p->gone);
	p->step = NULL;
	p->gone = NULL;
	p->ngone = 0;
}
