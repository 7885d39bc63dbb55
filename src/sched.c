/* sched.c - per-clan timers, refreshes as capacity frees up, reload, stop. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "conf.h"
#include "fetch.h"
#include "log.h"
#include "notify.h"
#include "refresh.h"
#include "rng.h"
#include "sched.h"
#include "snap.h"
#include "tally.h"

#define SCHED_SPREAD_MAX	60.0	/* seconds over which first runs spread */
#define SCHED_BACKOFF_MAX	8	/* times the interval, at most */
#define SCHED_REPORT_DELAY	1.0	/* seconds between report writes */
#define SCHED_DELAY_MIN		1.0	/* seconds */

struct sclan {
	struct sched	*s;
	char		 tag[TAG_MAX];
	char		*label;
	double		 interval;
	ev_timer	 timer;
	struct refresh	*rf;		/* running, or NULL */
	int		 ready;		/* waiting in the ready queue */
	struct sclan	*rnext;
	int		 last_ok;	/* its last refresh wrote a snapshot */
	int		 kept;		/* sched_apply: in the new config */

	/* What the reports say. */
	char		*name;
	time_t		 last_success;
	time_t		 last_attempt;
	char		*last_error;
	unsigned	 failures;	/* refreshes without a snapshot */
	unsigned	 backoff;	/* of them, failures of the API */
	int		 has_result;
	int		 complete;
	double		 duration;
	size_t		 members, fetched, failed, without_favourite;
	struct tally	 cards;
	unsigned long	 skipped;
};

struct sched {
	struct ev_loop		*loop;
	struct fetcher		*f;
	const struct conf	*conf;
	const struct outdir	*od;
	int			 once;
	sched_idle_cb		*idle;
	void			*arg;
	struct sclan		**clans;	/* in configuration order */
	size_t			 n;
	struct sclan		*rhead;		/* ready queue */
	struct sclan		*rtail;
	size_t			 active;
	int			 stopping;
	int			 idle_called;
	ev_timer		 grace_timer;
	ev_timer		 report_timer;
	time_t			 started;
	unsigned long		 skipped;
	unsigned long		 reloads_ok;
	unsigned long		 reloads_failed;
	char			 last_tag[TAG_MAX];
	time_t			 last_time;
	uint64_t		 rng;
};

static void	pump(struct sched *);

/* The wait before c's next refresh: its interval, backed off, jittered. */
static double
next_delay(struct sclan *c)
{
	struct sched	*s = c->s;
	double		 base = c->interval, j, d;
	unsigned	 k;

	for (k = 0; k < c->backoff && base < c->interval * SCHED_BACKOFF_MAX;
	    k++)
		base *= 2;
	if (base > c->interval * SCHED_BACKOFF_MAX)
		base = c->interval * SCHED_BACKOFF_MAX;
	j = conf_jitter(s->conf, c->interval);
	d = base + (2 * rng_uniform(&s->rng) - 1) * j;
	return d < SCHED_DELAY_MIN ? SCHED_DELAY_MIN : d;
}

static void
arm(struct sclan *c, double delay)
{
	ev_timer_stop(c->s->loop, &c->timer);
	ev_timer_set(&c->timer, delay, 0.);
	ev_timer_start(c->s->loop, &c->timer);
}

static void
ready_push(struct sched *s, struct sclan *c)
{
	c->ready = 1;
	c->rnext = NULL;
	if (s->rtail != NULL)
		s->rtail->rnext = c;
	else
		s->rhead = c;
	s->rtail = c;
}

static struct sclan *
ready_pop(struct sched *s)
{
	struct sclan *c;

	if ((c = s->rhead) == NULL)
		return NULL;
	if ((s->rhead = c->rnext) == NULL)
		s->rtail = NULL;
	c->ready = 0;
	c->rnext = NULL;
	return c;
}

static void
ready_remove(struct sched *s, struct sclan *c)
{
	struct sclan **pp, *prev = NULL;

	for (pp = &s->rhead; *pp != NULL; prev = *pp, pp = &(*pp)->rnext) {
		if (*pp == c) {
			*pp = c->rnext;
			if (s->rtail == c)
				s->rtail = prev;
			break;
		}
	}
	c->ready = 0;
	c->rnext = NULL;
}

static void
report_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	sched_write_reports(w->data);
}

static void
reports_soon(struct sched *s)
{
	if (!s->once && !ev_is_active(&s->report_timer)) {
		ev_timer_set(&s->report_timer, SCHED_REPORT_DELAY, 0.);
		ev_timer_start(s->loop, &s->report_timer);
	}
}

static void
check_idle(struct sched *s)
{
	if (s->idle_called || s->active > 0 || s->rhead != NULL)
		return;
	if (!s->once && !s->stopping)
		return;
	s->idle_called = 1;
	ev_timer_stop(s->loop, &s->grace_timer);
	if (s->idle != NULL)
		s->idle(s->arg);
}

static void
set_error(struct sclan *c, const char *msg)
{
	free(c->last_error);
	c->last_error = msg != NULL ? strdup(msg) : NULL;
}

static void
clan_done_cb(void *arg, struct refresh_result *res)
{
	struct sclan	*c = arg;
	struct sched	*s = c->s;
	char		 err[1024], msg[1200];
	unsigned	 was_backing_off = c->backoff;
	int		 ok = res->ok;

	c->rf = NULL;
	s->active--;
	c->last_attempt = time(NULL);
	/*
	 * Only failures of the API back the clan off; a snapshot that could
	 * not be written (disk full) is tried again next period.
	 */
	if (!ok)
		c->backoff++;
	else
		c->backoff = 0;
	if (ok && snap_write_clan(s->od, res, err,
	    sizeof(err)) == -1) {
		ok = 0;
		snprintf(res->error, sizeof(res->error), "%s", err);
	}
	if (ok) {
		/* Before the tally and name move out of res below. */
		if (s->conf->history > 0 && snap_write_history(s->od,
		    res, s->conf->history, err, sizeof(err)) == -1)
			log_warnx("%s: history: %s", res->tag, err);
		c->failures = 0;
		c->last_success = res->fetched_at;
		c->has_result = 1;
		c->complete = res->failed == 0;
		c->duration = res->duration;
		c->members = res->members;
		c->fetched = res->fetched;
		c->failed = res->failed;
		c->without_favourite = res->without_favourite;
		tally_free(&c->cards);
		c->cards = res->cards;
		tally_init(&res->cards);
		free(c->name);
		c->name = res->name;
		res->name = NULL;
		if (res->failed > 0) {
			snprintf(msg, sizeof(msg), "%zu of %zu players could "
			    "not be read; the first: %s", res->failed,
			    res->members, res->error);
			set_error(c, msg);
		} else
			set_error(c, NULL);
		log_info("%s: %zu members, %zu fetched, %zu failed, "
		    "%zu without favourite, %u requests, %u retries, %.2f s",
		    res->tag, res->members, res->fetched, res->failed,
		    res->without_favourite, res->requests, res->retries,
		    res->duration);
	} else {
		c->failures++;
		set_error(c, res->error);
		if (s->once || s->stopping)
			log_errx("%s: refresh failed, no snapshot written: %s",
			    res->tag, res->error);
		else
			log_errx("%s: refresh failed (%u in a row), the "
			    "previous snapshot is kept: %s", res->tag,
			    c->failures, res->error);
	}
	c->last_ok = ok;
	snprintf(s->last_tag, sizeof(s->last_tag), "%s", c->tag);
	s->last_time = c->last_attempt;
	if (!s->once && !s->stopping && (c->backoff > 0 || was_backing_off)) {
		double d = next_delay(c);

		arm(c, d);
		if (!ok)
			log_info("%s: next try in %.0f s", c->tag, d);
	}
	reports_soon(s);
	pump(s);
	check_idle(s);
}

static void
due_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sclan	*c = w->data;
	struct sched	*s = c->s;

	if (c->rf != NULL || c->ready) {
		c->skipped++;
		s->skipped++;
		log_warnx("%s: the previous refresh is still %s; skipping "
		    "this one", c->tag, c->rf != NULL ? "running" : "waiting "
		    "for capacity");
		reports_soon(s);
	} else
		ready_push(s, c);
	arm(c, next_delay(c));
	pump(s);
}

/*
 * Start waiting clans while fewer than max(2, max_concurrent) refresh, so
 * the queue of player requests stays bounded however many clans are due.
 */
static void
pump(struct sched *s)
{
	struct sclan	*c;
	size_t		 max = s->conf->max_concurrent < 2 ? 2 :
			    (size_t)s->conf->max_concurrent;

	while (!s->stopping && s->active < max &&
	    (c = ready_pop(s)) != NULL) {
		if ((c->rf = refresh_start(s->f, c->tag, clan_done_cb, c)) ==
		    NULL)
			fatal("refresh %s", c->tag);
		s->active++;
	}
}

static struct sclan *
sclan_new(struct sched *s, const struct conf_clan *cc)
{
	struct sclan *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (cc->name != NULL && (c->label = strdup(cc->name)) == NULL) {
		free(c);
		return NULL;
	}
	c->s = s;
	memcpy(c->tag, cc->tag, TAG_MAX);
	c->interval = cc->interval;
	ev_timer_init(&c->timer, due_cb, 0., 0.);
	c->timer.data = c;
	tally_init(&c->cards);
	/* After a restart, the reports start from what is on disk. */
	snap_read_clan(s->od, c->tag, &c->last_success,
	    &c->complete, &c->name);
	return c;
}

static void
sclan_free(struct sclan *c)
{
	struct sched *s = c->s;

	ev_timer_stop(s->loop, &c->timer);
	if (c->rf != NULL) {
		refresh_cancel(c->rf);
		c->rf = NULL;
		s->active--;
	}
	if (c->ready)
		ready_remove(s, c);
	tally_free(&c->cards);
	free(c->label);
	free(c->name);
	free(c->last_error);
	free(c);
}

/* First runs of clans first..n-1 spread evenly over min(interval, 60 s). */
static void
spread(struct sched *s, size_t first)
{
	size_t	 i, k = s->n - first;
	double	 over;

	for (i = first; i < s->n; i++) {
		over = s->clans[i]->interval < SCHED_SPREAD_MAX ?
		    s->clans[i]->interval : SCHED_SPREAD_MAX;
		arm(s->clans[i], over * (double)(i - first) / (double)k);
	}
}

struct sched *
sched_new(struct ev_loop *loop, struct fetcher *f, const struct conf *conf,
    const struct outdir *od, int once, sched_idle_cb *idle, void *arg)
{
	struct sched	*s;
	size_t		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->loop = loop;
	s->f = f;
	s->conf = conf;
	s->od = od;
	s->once = once;
	s->idle = idle;
	s->arg = arg;
	s->started = time(NULL);
	s->rng = rng_seed();
	ev_timer_init(&s->grace_timer, NULL, 0., 0.);
	ev_timer_init(&s->report_timer, report_cb, 0., 0.);
	s->report_timer.data = s;
	if ((s->clans = calloc(conf->nclans, sizeof(*s->clans))) == NULL) {
		free(s);
		return NULL;
	}
	for (i = 0; i < conf->nclans; i++) {
		if ((s->clans[i] = sclan_new(s, &conf->clans[i])) == NULL) {
			s->n = i;
			sched_free(s);
			return NULL;
		}
	}
	s->n = conf->nclans;
	if (once) {
		for (i = 0; i < s->n; i++)
			ready_push(s, s->clans[i]);
		pump(s);
	} else
		spread(s, 0);
	return s;
}

static int
tag_cmp(const void *a, const void *b)
{
	const struct sclan *x = *(struct sclan *const *)a;
	const struct sclan *y = *(struct sclan *const *)b;

	return strcmp(x->tag, y->tag);
}

int
sched_apply(struct sched *s, const struct conf *conf,
    const struct outdir *od)
{
	struct sclan	**old, **nc, key, *kp, **found;
	size_t		 i, k = 0, added = 0, removed = 0, changed = 0, nadd = 0;

	if ((old = reallocarray(NULL, s->n ? s->n : 1, sizeof(*old))) == NULL)
		return -1;
	if ((nc = calloc(conf->nclans, sizeof(*nc))) == NULL) {
		free(old);
		return -1;
	}
	memcpy(old, s->clans, s->n * sizeof(*old));
	qsort(old, s->n, sizeof(*old), tag_cmp);
	s->conf = conf;
	s->od = od;

	/* Kept clans first, in the new order; new ones are made after. */
	for (i = 0; i < s->n; i++)
		old[i]->kept = 0;
	for (i = 0; i < conf->nclans; i++) {
		memcpy(key.tag, conf->clans[i].tag, TAG_MAX);
		kp = &key;
		found = bsearch(&kp, old, s->n, sizeof(*old), tag_cmp);
		if (found != NULL) {
			nc[i] = *found;
			nc[i]->kept = 1;
		}
	}
	for (i = 0; i < s->n; i++) {
		if (!old[i]->kept) {
			log_info("%s: removed from the configuration; its "
			    "snapshot stays on disk", old[i]->tag);
			sclan_free(old[i]);
			removed++;
		}
	}
	free(old);
	for (i = 0; i < conf->nclans; i++) {
		const struct conf_clan *cc = &conf->clans[i];
		struct sclan *c = nc[i];
		char *label;

		if (c == NULL)
			continue;
		if ((cc->name == NULL) != (c->label == NULL) ||
		    (cc->name != NULL && strcmp(cc->name, c->label) != 0)) {
			label = cc->name ? strdup(cc->name) : NULL;
			if (cc->name == NULL || label != NULL) {
				free(c->label);
				c->label = label;
			}
		}
		if (cc->interval != c->interval) {
			c->interval = cc->interval;
			changed++;
			if (!s->stopping && c->rf == NULL && !c->ready)
				arm(c, next_delay(c));
		}
	}
	/*
	 * The new list in the new order: kept clans keep their timers and
	 * running refreshes; new clans are made in their place.
	 */
	free(s->clans);
	s->clans = nc;
	s->n = conf->nclans;
	/*
	 * New clans, and failing ones (the reload may have fixed what made
	 * them fail: the token, the base URL), start soon, spread out like
	 * the first runs at start.
	 */
	for (i = 0; i < conf->nclans; i++)
		if (nc[i] == NULL || (nc[i]->backoff > 0 && nc[i]->rf == NULL &&
		    !nc[i]->ready))
			nadd++;
	for (i = 0; i < conf->nclans; i++) {
		double over;

		if (nc[i] == NULL) {
			if ((nc[i] = sclan_new(s, &conf->clans[i])) == NULL)
				fatal("clan %s", conf->clans[i].tag);
			log_info("%s: added to the configuration", nc[i]->tag);
			added++;
		} else if (nc[i]->backoff == 0 || nc[i]->rf != NULL ||
		    nc[i]->ready)
			continue;
		else
			nc[i]->backoff = 0;
		over = nc[i]->interval < SCHED_SPREAD_MAX ? nc[i]->interval :
		    SCHED_SPREAD_MAX;
		if (!s->stopping)
			arm(nc[i], over * (double)k / (double)nadd);
		k++;
	}
	log_info("configuration applied: %zu clans (%zu added, %zu removed, "
	    "%zu with a new interval)", s->n, added, removed, changed);
	reports_soon(s);
	pump(s);
	return 0;
}

static void
grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sched	*s = w->data;
	size_t		 i;

	for (i = 0; i < s->n; i++) {
		struct sclan *c = s->clans[i];

		if (c->rf == NULL)
			continue;
		log_warnx("%s: refresh abandoned at stop; its previous "
		    "snapshot is kept", c->tag);
		refresh_cancel(c->rf);
		c->rf = NULL;
		s->active--;
		c->failures++;
		c->last_ok = 0;
		set_error(c, "the refresh was abandoned when clanpopd stopped");
	}
	check_idle(s);
}

void
sched_stop(struct sched *s, double grace)
{
	size_t i;

	s->stopping = 1;
	for (i = 0; i < s->n; i++)
		ev_timer_stop(s->loop, &s->clans[i]->timer);
	while (ready_pop(s) != NULL)
		;
	if (s->active > 0) {
		log_info("stopping: waiting up to %.1f s for %zu running "
		    "refreshes", grace, s->active);
		ev_timer_init(&s->grace_timer, grace_cb, grace, 0.);
		s->grace_timer.data = s;
		ev_timer_start(s->loop, &s->grace_timer);
	}
	check_idle(s);
}

void
sched_count_reload(struct sched *s, int ok)
{
	if (ok)
		s->reloads_ok++;
	else
		s->reloads_failed++;
	reports_soon(s);
}

void
sched_write_reports(struct sched *s)
{
	struct snap_clan_info	*ci;
	struct snap_daemon_info	 di;
	char			 err[1024];
	size_t			 i;

	ev_timer_stop(s->loop, &s->report_timer);
	if ((ci = calloc(s->n, sizeof(*ci))) == NULL) {
		log_warnx("out of memory writing the reports");
		return;
	}
	for (i = 0; i < s->n; i++) {
		const struct sclan *c = s->clans[i];

		ci[i].tag = c->tag;
		ci[i].label = c->label;
		ci[i].name = c->name;
		ci[i].last_success = c->last_success;
		ci[i].last_attempt = c->last_attempt;
		ci[i].last_error = c->last_error;
		ci[i].consecutive_failures = c->failures;
		ci[i].has_result = c->has_result;
		ci[i].complete = c->complete;
		ci[i].duration = c->duration;
		ci[i].members = c->members;
		ci[i].fetched = c->fetched;
		ci[i].failed = c->failed;
		ci[i].without_favourite = c->without_favourite;
		ci[i].cards = c->has_result ? &c->cards : NULL;
		ci[i].skipped = c->skipped;
	}
	memset(&di, 0, sizeof(di));
	di.version = PACKAGE_VERSION;
	di.started = s->started;
	di.fetch = fetcher_stats(s->f);
	di.rate = fetcher_rate(s->f);
	di.skipped = s->skipped;
	di.reloads_ok = s->reloads_ok;
	di.reloads_failed = s->reloads_failed;
	if (snap_write_reports(s->od, &di, ci, s->n, err,
	    sizeof(err)) == -1)
		log_errx("reports: %s", err);
	free(ci);
	/* systemd's STATUS= follows the reports, at most once a second. */
	if (!s->once) {
		sched_status(s, err, sizeof(err));
		notify_status("%s", err);
	}
}

size_t
sched_failed(const struct sched *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (!s->clans[i]->last_ok)
			n++;
	return n;
}

void
sched_status(const struct sched *s, char *buf, size_t len)
{
	char		 when[16] = "never";
	struct tm	 tm;
	size_t		 i, failing = 0;

	for (i = 0; i < s->n; i++)
		if (s->clans[i]->failures > 0)
			failing++;
	if (s->last_time != 0) {
		gmtime_r(&s->last_time, &tm);
		strftime(when, sizeof(when), "%H:%M:%SZ", &tm);
	}
	snprintf(buf, len, "%zu clans, %zu refreshing, last refresh %s%s%s, "
	    "%zu failing", s->n, s->active, s->last_tag[0] ? s->last_tag : "",
	    s->last_tag[0] ? " at " : "", when, failing);
}

void
sched_free(struct sched *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		sclan_free(s->clans[i]);
	ev_timer_stop(s->loop, &s->grace_timer);
	ev_timer_stop(s->loop, &s->report_timer);
	free(s->clans);
	free(s);
}
