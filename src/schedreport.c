/* schedreport.c - what the reports and systemd's STATUS= say of the scheduler. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "conf.h"
#include "fetch.h"
#include "history.h"
#include "log.h"
#include "notify.h"
#include "profstore.h"
#include "report.h"
#include "sched.h"
#include "schedint.h"
#include "snap.h"

void
sched_report_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	sched_write_reports(w->data);
}

void
sched_reports_soon(struct sched *s)
{
	if (!s->once && !ev_is_active(&s->report_timer)) {
		ev_timer_set(&s->report_timer, SCHED_REPORT_DELAY, 0.);
		ev_timer_start(s->loop, &s->report_timer);
	}
}

void
sched_keys_changed(void *arg)
{
	sched_reports_soon(arg);
}

void
sched_count_reload(struct sched *s, int ok)
{
	if (ok)
		s->reloads_ok++;
	else
		s->reloads_failed++;
	sched_reports_soon(s);
}

/*
 * What the reports say of the history database h (NULL: off), whose
 * output.database is database; the strings point into h and database.
 */
static void
fill_history(const struct history *h, const char *database,
    struct report_history *out)
{
	struct history_stats st;

	history_stats(h, &st);
	memset(out, 0, sizeof(*out));
	if (!st.enabled)
		return;
	out->database = database;
	out->error = st.error;
	out->writes_ok = st.writes_ok;
	out->writes_failed = st.writes_failed;
}

/* trends/family.json, with cards.json: the history's worker builds it. */
static void
write_family(struct sched *s)
{
	const char	**tags;
	size_t		  i;

	if (s->hist == NULL)
		return;
	if ((tags = calloc(s->n + 1, sizeof(*tags))) == NULL) {
		log_warnx("family trends: out of memory");
		return;
	}
	for (i = 0; i < s->n; i++)
		tags[i] = s->clans[i]->tag;
	history_family(s->hist, tags, s->n, time(NULL),
	    s->conf->trend_window);
	free(tags);
}

void
sched_write_reports(struct sched *s)
{
	struct report_clan	*ci;
	struct report_daemon	 di;
	struct fetch_key_stats	*ks;
	char			 err[1024];
	size_t			 i, nk = fetcher_nkeys(s->f);

	ev_timer_stop(s->loop, &s->report_timer);
	ci = calloc(s->n, sizeof(*ci));
	ks = calloc(nk, sizeof(*ks));
	if (ci == NULL || ks == NULL) {
		log_warnx("out of memory writing the reports");
		free(ci);
		free(ks);
		return;
	}
	for (i = 0; i < nk; i++)
		fetcher_key_stats(s->f, i, &ks[i]);
	for (i = 0; i < s->n; i++) {
		const struct sched_clan *sc = s->clans[i];

		ci[i].tag = sc->tag;
		ci[i].label = sc->label;
		ci[i].name = sc->name;
		ci[i].last_success = sc->last_success;
		ci[i].last_attempt = sc->last_attempt;
		ci[i].last_error = sc->last_error;
		ci[i].consecutive_failures = sc->pol.failures;
		ci[i].interval = sc->interval;
		ci[i].has_result = sc->has_result;
		ci[i].complete = sc->complete;
		ci[i].duration = sc->duration;
		ci[i].skipped = sc->skipped;
		ci[i].fig = sc->snap_known ? &sc->fig : NULL;
	}
	memset(&di, 0, sizeof(di));
	di.version = PACKAGE_VERSION;
	di.started = s->started;
	di.fetch = fetcher_stats(s->f);
	di.rate = fetcher_rate(s->f);
	di.keys = ks;
	di.nkeys = nk;
	di.skipped = s->skipped;
	di.reloads_ok = s->reloads_ok;
	di.reloads_failed = s->reloads_failed;
	di.players_read = s->players_read;
	di.players_reused = s->players_reused;
	di.profiles = profstore_count(s->store);
	di.lag = &s->lag.st;
	fill_history(s->hist, s->conf->database, &di.history);
	if (report_write(s->od, &di, ci, s->n, err,
	    sizeof(err)) == -1)
		log_errx("reports: %s", err);
	write_family(s);
	free(ci);
	free(ks);
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
		if (schedpol_unwritten(&s->clans[i]->pol))
			n++;
	return n;
}

void
sched_status(const struct sched *s, char *buf, size_t len)
{
	struct fetch_key_stats	 ks;
	char		 when[16] = "never";
	struct tm	 tm;
	size_t		 i, failing = 0, usable = 0, nk = fetcher_nkeys(s->f);

	for (i = 0; i < s->n; i++)
		if (schedpol_failing(&s->clans[i]->pol))
			failing++;
	for (i = 0; i < nk; i++) {
		fetcher_key_stats(s->f, i, &ks);
		if (!ks.refused)
			usable++;
	}
	if (s->last_time != 0) {
		gmtime_r(&s->last_time, &tm);
		strftime(when, sizeof(when), "%H:%M:%SZ", &tm);
	}
	snprintf(buf, len, "%zu clans, %zu refreshing, last refresh %s%s%s, "
	    "%zu failing, %zu of %zu API key%s usable", s->n, s->active,
	    s->last_tag[0] ? s->last_tag : "", s->last_tag[0] ? " at " : "",
	    when, failing, usable, nk, nk == 1 ? "" : "s");
}
