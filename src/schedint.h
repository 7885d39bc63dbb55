/*
 * schedint.h - the scheduler's state, shared by sched.c (timers, refreshes,
 * reload, stop) and schedreport.c (what index.json, metrics.prom and
 * systemd's STATUS= say of it).  Not for other modules.
 */
#ifndef CLANPOPD_SCHEDINT_H
#define CLANPOPD_SCHEDINT_H

#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "looplag.h"
#include "sched.h"
#include "schedpol.h"
#include "tag.h"
#include "figures.h"

#define SCHED_REPORT_DELAY	1.0	/* seconds between report writes */

struct sched_clan {
	struct sched	*s;
	char		 tag[TAG_MAX];
	char		*label;
	double		 interval;
	ev_timer	 timer;
	struct refresh	*rf;		/* running, or NULL */
	int		 ready;		/* waiting in the ready queue */
	struct sched_clan	*rnext;
	struct schedpol_clan pol;	/* state, back-off, failures */

	/* What the reports say. */
	char		*name;
	time_t		 last_success;
	time_t		 last_attempt;
	char		*last_error;
	int		 complete;
	int		 has_result;	/* the figures below are from a
					   snapshot written by this run */
	int		 snap_known;	/* or from one read back at start */
	double		 duration;
	struct clan_figures fig;	/* of the latest snapshot */
	unsigned long	 skipped;
};

struct sched {
	struct ev_loop		*loop;
	struct fetcher		*f;
	const struct conf	*conf;
	const struct outdir	*od;
	struct history		*hist;		/* NULL: no history database */
	struct profstore	*store;		/* the members' profiles */
	int64_t			 maint_saved;	/* maintenance time in hist */
	unsigned long		 players_read;	/* since start */
	unsigned long		 players_reused;
	int			 once;
	sched_idle_cb		*idle;
	void			*arg;
	struct sched_clan		**clans;	/* in configuration order */
	size_t			 n;
	struct sched_clan		*rhead;		/* ready queue */
	struct sched_clan		*rtail;
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
	struct looplag		 lag;		/* the loop's turns */
};

/* The timer callback that writes the reports. */
void	sched_report_cb(struct ev_loop *loop, ev_timer *w, int revents);
/* Write the reports within SCHED_REPORT_DELAY (not with --once). */
void	sched_reports_soon(struct sched *);

#endif
