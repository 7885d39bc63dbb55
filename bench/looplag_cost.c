/*
 * looplag_cost.c - benchmark 9's probe: how long the history database's
 * work after each refresh holds the event loop, as the daemon does it
 * (src/history.c, src/histwork.c and src/trends.c, the daemon's code), on
 * the database in DIR.
 *
 *   looplag_cost DIR NAME MODE N CLANS T0 STEP RATE WINDOW
 *
 * A libev loop runs a timer RATE times a second; each tick is one
 * refresh's history work: history_write (the refresh recorded: 12
 * favourite cards of a 50-member clan, clan (i % CLANS) at T0 + (i /
 * CLANS) * STEP), then its trends file over WINDOW seconds.  MODE
 * "after" is the daemon's way (history_trends: trends and WAL checkpoints
 * on the worker thread); MODE "before" is the way before it, on the loop:
 * trends_write through the loop's connection, and SQLite's automatic
 * checkpoint (every 1,000 WAL pages) in the committing refresh.  An
 * ev_check at the highest priority and an ev_prepare at the lowest time
 * every turn of the loop, as src/looplag.c does, on the monotonic clock
 * and on the loop thread's CPU clock (which tells work from waiting: for
 * the disk, or for a CPU the machine's other processes hold).  Prints one
 * line of JSON: the turns, their p50, p99 and max in microseconds, how
 * many took over 10 ms, the same of their CPU time, the loop thread's
 * context switches in the turns over 10 ms (voluntary: it waited for a
 * lock or the disk; involuntary: it was preempted), and the seconds
 * history_close took to finish the queue.
 */
#include "config.h"

#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>
#include <sqlite3.h>

#include "history.h"
#include "outdir.h"
#include "snap.h"
#include "tally.h"
#include "trends.h"

#define CARDS	12	/* favourite cards of one refresh */

struct run {
	struct outdir		*od;
	struct history		*h;
	int			 after;
	long			 i, n, clans, base, step;
	double			 window;
	double			 since;		/* monotonic, 0: none */
	double			 cpu_since;	/* thread CPU clock */
	struct rusage		 ru_since;	/* the loop thread's */
	long			 slow_vol, slow_invol;	/* switches in
						   turns over 10 ms */
	double			*turns;		/* microseconds */
	double			*cpu;		/* microseconds */
	size_t			 nturns, cap;
};

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
mono(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	struct run *r = w->data;

	(void)loop;
	(void)revents;
	r->since = mono();
	r->cpu_since = clock_s(CLOCK_THREAD_CPUTIME_ID);
	getrusage(RUSAGE_THREAD, &r->ru_since);
}

static void
prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct run	*r = w->data;
	struct rusage	 ru;
	double		*nt, *nc;

	(void)loop;
	(void)revents;
	if (r->since == 0)
		return;
	if (r->nturns == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		if ((nt = realloc(r->turns, r->cap * sizeof(*nt))) == NULL ||
		    (r->turns = nt, nc = realloc(r->cpu, r->cap *
		    sizeof(*nc))) == NULL) {
			fprintf(stderr, "looplag_cost: out of memory\n");
			exit(1);
		}
		r->cpu = nc;
	}
	r->cpu[r->nturns] = (clock_s(CLOCK_THREAD_CPUTIME_ID) -
	    r->cpu_since) * 1e6;
	r->turns[r->nturns] = (mono() - r->since) * 1e6;
	/* A slow turn: blocked (voluntary switches) or preempted? */
	if (r->turns[r->nturns++] > 10000) {
		getrusage(RUSAGE_THREAD, &ru);
		r->slow_vol += ru.ru_nvcsw - r->ru_since.ru_nvcsw;
		r->slow_invol += ru.ru_nivcsw - r->ru_since.ru_nivcsw;
	}
	r->since = 0;
}

/* One refresh's history work, as sched.c's clan_write does it. */
static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct run		*r = w->data;
	struct tally_card	 cards[CARDS];
	struct clan_figures	 f = { 50, 50, 0, 0, 2, { cards, CARDS, CARDS } };
	struct snap_clan	 sc;
	char			 tag[32], name[64], err[1024];
	long			 k;

	(void)revents;
	snprintf(tag, sizeof(tag), "#C%ld", r->i % r->clans);
	snprintf(name, sizeof(name), "Clan %ld", r->i % r->clans);
	memset(&sc, 0, sizeof(sc));
	sc.tag = tag;
	sc.name = name;
	sc.duration = 2.5;
	sc.fig = &f;
	sc.fetched_at = (time_t)(r->base + (r->i / r->clans) * r->step);
	for (k = 0; k < CARDS; k++) {
		cards[k].id = 26000000 + (r->i * 3 + k * 7) % 100;
		cards[k].name = (char *)"Card";
		cards[k].count = 4;
	}
	if (history_write(r->h, loop, &sc, 0) == -1) {
		fprintf(stderr, "looplag_cost: the history write failed\n");
		exit(1);
	}
	if (r->after)
		history_trends(r->h, tag, sc.fetched_at, r->window);
	else if (trends_write(r->od, history_db(r->h), tag, sc.fetched_at,
	    r->window, err, sizeof(err)) == -1) {
		fprintf(stderr, "looplag_cost: trends: %s\n", err);
		exit(1);
	}
	if (++r->i == r->n) {
		ev_timer_stop(loop, w);
		ev_break(loop, EVBREAK_ALL);
	}
}

/* "PREFIXp50_us": ..., p99, max and over_10ms of the n values at v. */
static void
print_stats(const char *prefix, double *v, size_t n)
{
	size_t k, over = 0;

	for (k = 0; k < n; k++)
		over += v[k] > 10000;
	qsort(v, n, sizeof(*v), cmp_double);
	printf("\"%sp50_us\": %.1f, \"%sp99_us\": %.1f, \"%smax_us\": %.1f, "
	    "\"%sover_10ms\": %zu, ", prefix, v[n / 2], prefix,
	    v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], prefix, v[n - 1],
	    prefix, over);
}

static void
usage(void)
{
	fprintf(stderr, "usage: looplag_cost DIR NAME before|after N CLANS "
	    "T0 STEP RATE WINDOW\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct ev_loop	*loop = EV_DEFAULT;
	struct run	 r;
	ev_check	 check;
	ev_prepare	 prepare;
	ev_timer	 tick;
	char		 err[1024];
	double		 rate, drain;
	size_t		 n;

	if (argc != 10 || (strcmp(argv[3], "before") != 0 &&
	    strcmp(argv[3], "after") != 0))
		usage();
	memset(&r, 0, sizeof(r));
	r.after = strcmp(argv[3], "after") == 0;
	r.n = atol(argv[4]);
	r.clans = atol(argv[5]);
	r.base = atol(argv[6]);
	r.step = atol(argv[7]);
	rate = atof(argv[8]);
	r.window = atof(argv[9]);
	if (r.n < 1 || r.clans < 1 || rate <= 0)
		usage();
	if ((r.od = outdir_open(argv[1], err, sizeof(err))) == NULL ||
	    (r.h = history_open(r.od, argv[2], err, sizeof(err))) == NULL ||
	    history_db(r.h) == NULL) {
		fprintf(stderr, "looplag_cost: %s\n", err);
		return 1;
	}
	/* Before: SQLite checkpoints in the committing refresh again. */
	if (!r.after)
		sqlite3_wal_autocheckpoint(history_db(r.h),
		    HISTORY_CHECKPOINT_PAGES);
	ev_check_init(&check, check_cb);
	ev_prepare_init(&prepare, prepare_cb);
	check.data = prepare.data = &r;
	ev_set_priority(&check, EV_MAXPRI);
	ev_set_priority(&prepare, EV_MINPRI);
	ev_check_start(loop, &check);
	ev_prepare_start(loop, &prepare);
	ev_timer_init(&tick, tick_cb, 1.0 / rate, 1.0 / rate);
	tick.data = &r;
	ev_timer_start(loop, &tick);
	ev_run(loop, 0);
	ev_check_stop(loop, &check);
	ev_prepare_stop(loop, &prepare);
	drain = mono();
	history_close(r.h);
	drain = mono() - drain;
	outdir_close(r.od);
	if ((n = r.nturns) == 0)
		return 1;
	printf("{\"mode\": \"%s\", \"refreshes\": %ld, \"turns\": %zu, ",
	    argv[3], r.n, n);
	print_stats("", r.turns, n);
	print_stats("cpu_", r.cpu, n);
	printf("\"slow_voluntary\": %ld, \"slow_involuntary\": %ld, "
	    "\"close_s\": %.3f}\n", r.slow_vol, r.slow_invol, drain);
	free(r.turns);
	free(r.cpu);
	return 0;
}
