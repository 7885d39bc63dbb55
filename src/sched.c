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
#include "histprof.h"
#include "history.h"
#include "log.h"
#include "profstore.h"
#include "refresh.h"
#include "rng.h"
#include "sched.h"
#include "schedint.h"
#include "schedpol.h"
#include "snap.h"
#include "tally.h"

static void	sched_pump(struct sched *);

static enum schedpol_mode
sched_mode(const struct sched *s)
{
	if (s->stopping)
		return SCHEDPOL_STOPPING;
	return s->once ? SCHEDPOL_ONCE : SCHEDPOL_RUN;
}

/* Refreshing, or waiting for capacity. */
static int
sclan_busy(const struct sched_clan *sc)
{
	return sc->rf != NULL || sc->ready;
}

/* Arm c's timer for the time due on the loop's clock. */
static void
arm_at(struct sched_clan *sc, double due)
{
	struct ev_loop *loop = sc->s->loop;

	ev_timer_stop(loop, &sc->timer);
	ev_timer_set(&sc->timer, due - ev_now(loop), 0.);
	ev_timer_start(loop, &sc->timer);
}

/* Arm c's timer for its next refresh; returns the wait in seconds. */
static double
arm_next(struct sched_clan *sc)
{
	struct sched	*s = sc->s;
	double		 now = ev_now(s->loop), due;

	due = schedpol_next(&sc->pol, now, sc->interval,
	    conf_jitter(s->conf, sc->interval), rng_uniform(&s->rng));
	arm_at(sc, due);
	return due - now;
}

static void
ready_push(struct sched *s, struct sched_clan *sc)
{
	sc->ready = 1;
	sc->rnext = NULL;
	if (s->rtail != NULL)
		s->rtail->rnext = sc;
	else
		s->rhead = sc;
	s->rtail = sc;
}

static struct sched_clan *
ready_pop(struct sched *s)
{
	struct sched_clan *sc;

	if ((sc = s->rhead) == NULL)
		return NULL;
	if ((s->rhead = sc->rnext) == NULL)
		s->rtail = NULL;
	sc->ready = 0;
	sc->rnext = NULL;
	return sc;
}

static void
ready_remove(struct sched *s, struct sched_clan *sc)
{
	struct sched_clan **pp, *prev = NULL;

	for (pp = &s->rhead; *pp != NULL; prev = *pp, pp = &(*pp)->rnext) {
		if (*pp == sc) {
			*pp = sc->rnext;
			if (s->rtail == sc)
				s->rtail = prev;
			break;
		}
	}
	sc->ready = 0;
	sc->rnext = NULL;
}

static void
check_idle(struct sched *s)
{
	if (s->idle_called || s->active > 0 || s->rhead != NULL)
		return;
	if (sched_mode(s) == SCHEDPOL_RUN)
		return;
	s->idle_called = 1;
	ev_timer_stop(s->loop, &s->grace_timer);
	if (s->idle != NULL)
		s->idle(s->arg);
}

static void
set_error(struct sched_clan *sc, const char *msg)
{
	free(sc->last_error);
	sc->last_error = msg != NULL ? strdup(msg) : NULL;
}

/*
 * Write res's snapshot and its history copy.  Returns how the refresh
 * ended; when the snapshot could not be written, res->error says why.
 */
static enum schedpol_end
clan_write(struct sched *s, struct refresh_result *res)
{
	struct snap_clan	 snap = { res->tag, res->name, res->fetched_at,
				    res->duration, &res->fig, s->store,
				    res->changes, res->nchanges };
	char			 err[1024];

	if (!res->ok)
		return SCHEDPOL_NOT_READ;
	if (snap_write_clan(s->od, &snap, err, sizeof(err)) == -1) {
		snprintf(res->error, sizeof(res->error), "%s", err);
		return SCHEDPOL_NOT_WRITTEN;
	}
	if (s->conf->history > 0 && snap_write_history(s->od, &snap,
	    s->conf->history, err, sizeof(err)) == -1)
		log_warnx("%s: history: %s", res->tag, err);
	if (s->hist != NULL && history_write(s->hist, s->loop, &snap,
	    s->conf->retention) == 0)
		history_trends(s->hist, res->tag, res->fetched_at,
		    s->conf->trend_window);
	return SCHEDPOL_WRITTEN;
}

/* The configured clans' tags, sorted, for sched_follows. */
struct followed {
	const char	**tag;
	size_t		  n;
};

static int
tag_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* 1 when clan is one of the clans followed (arg: a struct followed). */
static int
sched_follows(void *arg, const char *clan)
{
	const struct followed *f = arg;

	return bsearch(&clan, f->tag, f->n, sizeof(*f->tag), tag_cmp) != NULL;
}

/*
 * Forget the profiles of clans no longer configured, then add those of
 * h's database.  By a sorted list: 50,000 profiles of 1,000 clans would
 * take 50 million comparisons one by one, at a reload, on the loop.
 */
void
sched_set_history(struct sched *s, struct history *h)
{
	struct followed	 f;
	char		 err[512];
	size_t		 i;

	s->hist = h;
	s->maint_saved = 0;
	if ((f.tag = calloc(s->n + 1, sizeof(*f.tag))) == NULL)
		fatal("clans");
	for (i = 0; i < s->n; i++)
		f.tag[i] = s->clans[i]->tag;
	f.n = s->n;
	qsort(f.tag, f.n, sizeof(*f.tag), tag_cmp);
	profstore_keep_clans(s->store, sched_follows, &f);
	if (history_db(h) != NULL && histprof_load(history_db(h), s->store,
	    sched_follows, &f, err, sizeof(err)) == -1)
		log_warnx("history: %s; those members are read again", err);
	free(f.tag);
}

/* Keep the figures of res's snapshot; its tally and name move to sc. */
static void
clan_keep(struct sched_clan *sc, struct refresh_result *res)
{
	sc->last_success = res->fetched_at;
	sc->has_result = 1;
	sc->snap_known = 1;
	sc->complete = res->fig.failed == 0;
	sc->duration = res->duration;
	figures_move(&sc->fig, &res->fig);
	free(sc->name);
	sc->name = res->name;
	res->name = NULL;
}

/* " (1 on a refused key)" when a request went to a key left out. */
static const char *
refused_note(const struct refresh_result *res, char *buf, size_t len)
{
	if (res->refused_key == 0)
		return "";
	snprintf(buf, len, " (%u on a refused key)", res->refused_key);
	return buf;
}

/* Set c's last error and log how its refresh ended. */
static void
clan_report(struct sched_clan *sc, const struct refresh_result *res,
    enum schedpol_end end)
{
	char msg[1200], note[64];

	if (end == SCHEDPOL_WRITTEN) {
		if (res->fig.failed > 0) {
			snprintf(msg, sizeof(msg), "%zu of %zu players could "
			    "not be read; the first: %s", res->fig.failed,
			    res->fig.members, res->error);
			set_error(sc, msg);
		} else
			set_error(sc, NULL);
		log_info("%s: %zu members, %zu read, %zu unchanged since "
		    "read, %zu failed, %zu without favourite, %zu without "
		    "deck, %u requests%s, %u retries, %.2f s", res->tag,
		    res->fig.members, res->fig.fetched, res->fig.reused,
		    res->fig.failed, res->fig.without_favourite,
		    res->fig.without_deck, res->requests,
		    refused_note(res, note, sizeof(note)), res->retries,
		    res->duration);
		return;
	}
	set_error(sc, res->error);
	if (sched_mode(sc->s) != SCHEDPOL_RUN)
		log_errx("%s: refresh failed, no snapshot written: %s",
		    res->tag, res->error);
	else
		log_errx("%s: refresh failed (%u in a row), the previous "
		    "snapshot is kept: %s", res->tag, sc->pol.failures,
		    res->error);
}

/*
 * Keep the time of a maintenance the fetcher met in the database at
 * once: the first refresh after it must read everyone, also after a
 * restart before the next snapshot.
 */
static void
save_maintenance(struct sched *s)
{
	int64_t t = (int64_t)fetcher_maintenance(s->f);

	profstore_set_maintenance(s->store, t);
	if (t > s->maint_saved && history_db(s->hist) != NULL &&
	    histprof_maintenance(history_db(s->hist), t) == SQLITE_OK)
		s->maint_saved = t;
}

static void
clan_done_cb(void *arg, struct refresh_result *res)
{
	struct sched_clan		*sc = arg;
	struct sched		*s = sc->s;
	enum schedpol_end	 end;
	double			 wait;
	int			 retime;

	sc->rf = NULL;
	s->active--;
	sc->last_attempt = time(NULL);
	s->players_read += res->fig.fetched;
	s->players_reused += res->fig.reused;
	save_maintenance(s);
	end = clan_write(s, res);
	if (end == SCHEDPOL_WRITTEN)
		clan_keep(sc, res);
	retime = schedpol_ended(&sc->pol, end, sched_mode(s));
	clan_report(sc, res, end);
	if (retime) {
		wait = arm_next(sc);
		if (end != SCHEDPOL_WRITTEN)
			log_info("%s: next try in %.0f s", sc->tag, wait);
	}
	snprintf(s->last_tag, sizeof(s->last_tag), "%s", sc->tag);
	s->last_time = sc->last_attempt;
	sched_reports_soon(s);
	sched_pump(s);
	check_idle(s);
}

static void
due_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sched_clan	*sc = w->data;
	struct sched	*s = sc->s;

	if (sclan_busy(sc)) {
		sc->skipped++;
		s->skipped++;
		log_warnx("%s: the previous refresh is still %s; skipping "
		    "this one", sc->tag, sc->rf != NULL ? "running" : "waiting "
		    "for capacity");
		sched_reports_soon(s);
	} else
		ready_push(s, sc);
	arm_next(sc);
	sched_pump(s);
}

/*
 * Start waiting clans while fewer than max(2, max_concurrent) refresh, so
 * the queue of player requests stays bounded however many clans are due.
 */
static void
sched_pump(struct sched *s)
{
	struct sched_clan	*sc;
	size_t		 max = s->conf->max_concurrent < 2 ? 2 :
			    (size_t)s->conf->max_concurrent;
	struct refresh_opts	 opts = { s->store, s->conf->reuse_unseen,
				    s->conf->profile_max_age,
				    s->conf->seen_margin };

	while (!s->stopping && s->active < max &&
	    (sc = ready_pop(s)) != NULL) {
		if ((sc->rf = refresh_start(s->f, sc->tag, &opts,
		    clan_done_cb, sc)) == NULL)
			fatal("refresh %s", sc->tag);
		s->active++;
	}
}

static struct sched_clan *
sclan_new(struct sched *s, const struct conf_clan *cc)
{
	struct sched_clan	*sc;
	struct snap_read	 rd;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return NULL;
	if (cc->name != NULL && (sc->label = strdup(cc->name)) == NULL) {
		free(sc);
		return NULL;
	}
	sc->s = s;
	memcpy(sc->tag, cc->tag, TAG_MAX);
	sc->interval = cc->interval;
	ev_timer_init(&sc->timer, due_cb, 0., 0.);
	sc->timer.data = sc;
	schedpol_init(&sc->pol);
	figures_init(&sc->fig);
	/* After a restart, the reports start from what is on disk. */
	if (snap_read_clan(s->od, sc->tag, &rd) == 0) {
		sc->snap_known = 1;
		sc->last_success = rd.fetched_at;
		sc->complete = rd.complete;
		sc->name = rd.name;
		figures_move(&sc->fig, &rd.fig);
		/* STATUS= names the newest snapshot until a refresh ends. */
		if (rd.fetched_at > s->last_time) {
			memcpy(s->last_tag, sc->tag, TAG_MAX);
			s->last_time = rd.fetched_at;
		}
	}
	return sc;
}

static void
sclan_free(struct sched_clan *sc)
{
	struct sched *s = sc->s;

	ev_timer_stop(s->loop, &sc->timer);
	if (sc->rf != NULL) {
		refresh_cancel(sc->rf);
		sc->rf = NULL;
		s->active--;
	}
	if (sc->ready)
		ready_remove(s, sc);
	figures_free(&sc->fig);
	free(sc->label);
	free(sc->name);
	free(sc->last_error);
	free(sc);
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
	looplag_start(&s->lag, loop);
	s->f = f;
	s->conf = conf;
	s->od = od;
	s->once = once;
	s->idle = idle;
	s->arg = arg;
	s->started = time(NULL);
	s->rng = rng_seed();
	ev_timer_init(&s->grace_timer, NULL, 0., 0.);
	ev_timer_init(&s->report_timer, sched_report_cb, 0., 0.);
	s->report_timer.data = s;
	if ((s->store = profstore_new()) == NULL ||
	    (s->clans = calloc(conf->nclans, sizeof(*s->clans))) == NULL) {
		profstore_free(s->store);
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
	/*
	 * A refresh consults the profile store only when its clan's body
	 * arrives, from the loop: after sched_set_history filled it.
	 */
	if (once) {
		for (i = 0; i < s->n; i++)
			ready_push(s, s->clans[i]);
		sched_pump(s);
	} else
		for (i = 0; i < s->n; i++)
			arm_at(s->clans[i], schedpol_spread(ev_now(loop),
			    s->clans[i]->interval, i, s->n));
	return s;
}

/* Give sc the configuration's name for it (on out of memory, the old). */
static void
sclan_relabel(struct sched_clan *sc, const char *name)
{
	char *label;

	if ((name == NULL) == (sc->label == NULL) &&
	    (name == NULL || strcmp(name, sc->label) == 0))
		return;
	label = name != NULL ? strdup(name) : NULL;
	if (name == NULL || label != NULL) {
		free(sc->label);
		sc->label = label;
	}
}

/* The policy's plan for switching s to the clans of conf. */
static int
sched_plan(struct sched *s, const struct conf *conf,
    struct schedpol_plan *plan)
{
	struct schedpol_cur	*cur;
	struct schedpol_want	*want;
	size_t			 i;
	int			 rc = -1;

	cur = calloc(s->n ? s->n : 1, sizeof(*cur));
	want = calloc(conf->nclans ? conf->nclans : 1, sizeof(*want));
	if (cur != NULL && want != NULL) {
		for (i = 0; i < s->n; i++) {
			cur[i].tag = s->clans[i]->tag;
			cur[i].interval = s->clans[i]->interval;
			cur[i].pol = &s->clans[i]->pol;
			cur[i].busy = sclan_busy(s->clans[i]);
		}
		for (i = 0; i < conf->nclans; i++) {
			want[i].tag = conf->clans[i].tag;
			want[i].interval = conf->clans[i].interval;
			want[i].jitter = conf_jitter(conf,
			    conf->clans[i].interval);
		}
		rc = schedpol_plan(cur, s->n, want, conf->nclans,
		    sched_mode(s), ev_now(s->loop), &s->rng, plan);
	}
	free(cur);
	free(want);
	return rc;
}

/* Carry out a reload plan's step for the clan cc; returns its clan. */
static struct sched_clan *
sched_step(struct sched *s, const struct conf_clan *cc,
    const struct schedpol_step *st)
{
	struct sched_clan *sc;

	if (st->act == SCHEDPOL_ADD) {
		if ((sc = sclan_new(s, cc)) == NULL)
			fatal("clan %s", cc->tag);
		log_info("%s: added to the configuration", sc->tag);
	} else {
		sc = s->clans[st->cur];
		sclan_relabel(sc, cc->name);
		sc->interval = cc->interval;
		if (st->act == SCHEDPOL_RESTART)
			schedpol_restart(&sc->pol);
	}
	if (st->due >= 0)
		arm_at(sc, st->due);
	return sc;
}

int
sched_apply(struct sched *s, const struct conf *conf,
    const struct outdir *od)
{
	struct schedpol_plan	  plan;
	struct sched_clan		**nc, *sc;
	size_t			  i;

	if (sched_plan(s, conf, &plan) == -1)
		return -1;
	if ((nc = calloc(conf->nclans, sizeof(*nc))) == NULL) {
		schedpol_plan_free(&plan);
		return -1;
	}
	s->conf = conf;
	s->od = od;
	for (i = 0; i < plan.ngone; i++) {
		sc = s->clans[plan.gone[i]];
		log_info("%s: removed from the configuration; its snapshot "
		    "stays on disk", sc->tag);
		sclan_free(sc);
	}
	/*
	 * The new list in the new order: kept clans keep their timers and
	 * running refreshes; new clans are made in their place.
	 */
	for (i = 0; i < conf->nclans; i++)
		nc[i] = sched_step(s, &conf->clans[i], &plan.step[i]);
	free(s->clans);
	s->clans = nc;
	s->n = conf->nclans;
	log_info("configuration applied: %zu clans (%zu added, %zu removed, "
	    "%zu with a new interval)", s->n, plan.added, plan.ngone,
	    plan.retimed);
	schedpol_plan_free(&plan);
	sched_reports_soon(s);
	sched_pump(s);
	return 0;
}

static void
grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sched	*s = w->data;
	size_t		 i;

	for (i = 0; i < s->n; i++) {
		struct sched_clan *sc = s->clans[i];

		if (sc->rf == NULL)
			continue;
		log_warnx("%s: refresh abandoned at stop; its previous "
		    "snapshot is kept", sc->tag);
		refresh_cancel(sc->rf);
		sc->rf = NULL;
		s->active--;
		schedpol_ended(&sc->pol, SCHEDPOL_ABANDONED, sched_mode(s));
		set_error(sc, "the refresh was abandoned when clanpopd stopped");
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
sched_free(struct sched *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		sclan_free(s->clans[i]);
	ev_timer_stop(s->loop, &s->grace_timer);
	ev_timer_stop(s->loop, &s->report_timer);
	looplag_stop(&s->lag, s->loop);
	free(s->clans);
	profstore_free(s->store);
	free(s);
}
