/* t_schedpol.c - unit tests for the scheduling policy, on a fake clock. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rng.h"
#include "schedpol.h"
#include "tap.h"

/* Every time below is a sum of binary fractions: exact in a double. */
static void
tap_time(double got, double want, const char *what)
{
	if (!tap_ok(got == want, "%s", what))
		printf("#   got:  %.17g\n#   want: %.17g\n", got, want);
}

/* The state, back-off and failures of c, in one comparison. */
static void
tap_pol(const struct schedpol_clan *c, enum schedpol_state state,
    unsigned backoff, unsigned failures, const char *what)
{
	if (!tap_ok(c->state == state && c->backoff == backoff &&
	    c->failures == failures, "%s", what))
		printf("#   got:  state %d, backoff %u, failures %u\n"
		    "#   want: state %d, backoff %u, failures %u\n", c->state,
		    c->backoff, c->failures, state, backoff, failures);
}

static void
test_spread(void)
{
	tap_time(schedpol_spread(1000, 10, 0, 4), 1000,
	    "spread: the first of 4 runs at once");
	tap_time(schedpol_spread(1000, 10, 1, 4), 1002.5,
	    "spread: the second of 4 over 10 s at 2.5 s");
	tap_time(schedpol_spread(1000, 10, 3, 4), 1007.5,
	    "spread: the last of 4 over 10 s at 7.5 s");
	tap_time(schedpol_spread(1000, 60, 3, 4), 1045,
	    "spread: interval 60 s spreads over 60 s");
	tap_time(schedpol_spread(1000, 3600, 1, 4), 1015,
	    "spread: interval 1 h spreads over 60 s at most");
	tap_time(schedpol_spread(1000, 3600, 0, 1), 1000,
	    "spread: a single clan runs at once");
}

static void
test_next(void)
{
	struct schedpol_clan c;

	schedpol_init(&c);
	tap_pol(&c, SCHEDPOL_NEW, 0, 0, "init: new, no back-off, no failures");
	tap_time(schedpol_next(&c, 100, 10, 0, 0.25), 110,
	    "next: no jitter: now + interval");
	tap_time(schedpol_next(&c, 100, 10, 2, 0), 108,
	    "next: u = 0: interval - jitter, the lower bound");
	tap_time(schedpol_next(&c, 100, 10, 2, 0.5), 110,
	    "next: u = 0.5: the interval itself");
	tap_time(schedpol_next(&c, 100, 10, 2, 0.9375), 111.75,
	    "next: u = 15/16: 7/8 of the jitter later");
	tap_time(schedpol_next(&c, 100, 10, 10, 0), 101,
	    "next: never sooner than 1 s after now");
	tap_time(schedpol_next(&c, 100, 10, 12, 0), 101,
	    "next: a jitter over the interval still waits 1 s");
}

static void
test_backoff(void)
{
	struct schedpol_clan	c;
	unsigned		k;
	static const double	want[] = { 20, 40, 80, 80, 80, 80 };
	char			what[64];

	schedpol_init(&c);
	for (k = 0; k < 6; k++) {
		snprintf(what, sizeof(what), "backoff: failure %u re-times",
		    k + 1);
		tap_int(schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_RUN),
		    1, "%s", what);
		snprintf(what, sizeof(what), "backoff: after %u failures, "
		    "%.0f s", k + 1, want[k]);
		tap_time(schedpol_next(&c, 0, 10, 0, 0.5), want[k], what);
	}
	tap_pol(&c, SCHEDPOL_BACKOFF, 6, 6, "backoff: 6 failures counted");
	tap_time(schedpol_next(&c, 0, 10, 1, 0), 79,
	    "backoff: jitter applies to the capped wait");
	tap_int(SCHEDPOL_BACKOFF_MAX, 8, "backoff: the cap is 8 intervals");

	tap_int(schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_RUN), 1,
	    "success after back-off: re-timed");
	tap_pol(&c, SCHEDPOL_OK, 0, 0,
	    "success: ok, back-off and failures reset");
	tap_time(schedpol_next(&c, 0, 10, 0, 0.5), 10,
	    "success: back to the interval");
	tap_int(schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_RUN), 0,
	    "success after success: the timer stands");
	tap_int(schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_RUN), 1,
	    "failure after success: re-timed");
	tap_pol(&c, SCHEDPOL_BACKOFF, 1, 1, "failure after success: backoff 1");
}

static void
test_disk(void)
{
	struct schedpol_clan c;

	schedpol_init(&c);
	tap_int(schedpol_ended(&c, SCHEDPOL_NOT_WRITTEN, SCHEDPOL_RUN), 0,
	    "disk: a first snapshot not written: the timer stands");
	tap_pol(&c, SCHEDPOL_FAILING, 0, 1, "disk: failing, no back-off");
	tap_int(schedpol_ended(&c, SCHEDPOL_NOT_WRITTEN, SCHEDPOL_RUN), 0,
	    "disk: again: the timer stands");
	tap_pol(&c, SCHEDPOL_FAILING, 0, 2, "disk: 2 failures, no back-off");
	tap_time(schedpol_next(&c, 0, 10, 0, 0.5), 10,
	    "disk: next on the interval");
	tap_int(schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_RUN), 1,
	    "disk then API: re-timed");
	tap_pol(&c, SCHEDPOL_BACKOFF, 1, 3,
	    "disk then API: backoff 1, 3 failures");
	tap_int(schedpol_ended(&c, SCHEDPOL_NOT_WRITTEN, SCHEDPOL_RUN), 1,
	    "API then disk: re-timed, the back-off ends");
	tap_pol(&c, SCHEDPOL_FAILING, 0, 4,
	    "API then disk: failing, 4 failures");
	tap_time(schedpol_next(&c, 0, 10, 0, 0.5), 10,
	    "API then disk: next on the interval");
	tap_int(schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_RUN), 0,
	    "disk then success: the timer stands");
	tap_pol(&c, SCHEDPOL_OK, 0, 0, "disk then success: ok");

	schedpol_init(&c);
	tap_int(schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_RUN), 0,
	    "first success: the timer stands");
	tap_pol(&c, SCHEDPOL_OK, 0, 0, "first success: ok");
}

/* The predicates behind sched_failed() and STATUS='s "failing". */
static void
test_failed(void)
{
	struct schedpol_clan c;

	schedpol_init(&c);
	tap_ok(schedpol_unwritten(&c) && !schedpol_failing(&c),
	    "failed: new: no snapshot yet, not failing");
	schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_RUN);
	tap_ok(!schedpol_unwritten(&c) && !schedpol_failing(&c),
	    "failed: ok: a new snapshot, not failing");
	schedpol_ended(&c, SCHEDPOL_NOT_WRITTEN, SCHEDPOL_RUN);
	tap_ok(schedpol_unwritten(&c) && schedpol_failing(&c),
	    "failed: a success, then a snapshot not written: counted");
	schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_RUN);
	tap_ok(!schedpol_unwritten(&c), "failed: then a success: not counted");
	schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_RUN);
	tap_ok(schedpol_unwritten(&c) && schedpol_failing(&c),
	    "failed: backing off: counted, failing");
	schedpol_restart(&c);
	tap_ok(schedpol_unwritten(&c) && schedpol_failing(&c),
	    "failed: a restart leaves it failing");
}

static void
test_modes(void)
{
	struct schedpol_clan c;

	schedpol_init(&c);
	tap_int(schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_ONCE), 0,
	    "once: a failure is not timed again");
	tap_pol(&c, SCHEDPOL_BACKOFF, 1, 1, "once: the failure is counted");
	tap_int(schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_STOPPING), 0,
	    "stop: a failure is not timed again");
	tap_int(schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_STOPPING), 0,
	    "stop: the end of a back-off is not timed again");
	tap_pol(&c, SCHEDPOL_OK, 0, 0, "stop: a success still counts");
	tap_int(schedpol_ended(&c, SCHEDPOL_ABANDONED, SCHEDPOL_STOPPING), 0,
	    "stop: an abandoned refresh is not timed again");
	tap_pol(&c, SCHEDPOL_FAILING, 0, 1, "stop: abandoned: a failure");
	schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_RUN);
	schedpol_ended(&c, SCHEDPOL_ABANDONED, SCHEDPOL_STOPPING);
	tap_pol(&c, SCHEDPOL_FAILING, 0, 3,
	    "stop: abandoned while backing off: failing, 3 failures");
}

static void
test_restart(void)
{
	struct schedpol_clan c;

	schedpol_init(&c);
	schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_RUN);
	schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_RUN);
	schedpol_restart(&c);
	tap_pol(&c, SCHEDPOL_FAILING, 0, 2,
	    "restart: back-off over, failures kept");
	tap_time(schedpol_next(&c, 0, 10, 0, 0.5), 10,
	    "restart: then on the interval");
	schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_RUN);
	schedpol_restart(&c);
	tap_pol(&c, SCHEDPOL_OK, 0, 0, "restart: an ok clan is unchanged");
	schedpol_init(&c);
	schedpol_restart(&c);
	tap_pol(&c, SCHEDPOL_NEW, 0, 0, "restart: a new clan is unchanged");
}

/*
 * One clan's life on a fake clock, as sched.c drives it: when it falls
 * due its next time is set, and when its refresh ends 2 s later the
 * policy says whether that time is set again from the end.
 */
static void
test_clock(void)
{
	struct schedpol_clan	c;
	double			due, now;

	schedpol_init(&c);
	now = 0;
	due = schedpol_spread(now, 10, 0, 1);
	tap_time(due, 0, "clock: the first refresh at once");
	due = schedpol_next(&c, now = due, 10, 0, 0.5);
	if (schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_RUN))
		due = schedpol_next(&c, now + 2, 10, 0, 0.5);
	tap_time(due, 22, "clock: failed at 2 s: next at 22 s");
	due = schedpol_next(&c, now = due, 10, 0, 0.5);
	tap_time(due, 42,
	    "clock: falls due at 22 s, backing off: next at 42 s");
	if (schedpol_ended(&c, SCHEDPOL_NOT_READ, SCHEDPOL_RUN))
		due = schedpol_next(&c, now + 2, 10, 0, 0.5);
	tap_time(due, 64, "clock: failed again at 24 s: next at 64 s");
	due = schedpol_next(&c, now = due, 10, 0, 0.5);
	if (schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_RUN))
		due = schedpol_next(&c, now + 2, 10, 0, 0.5);
	tap_time(due, 76, "clock: success at 66 s: next at 76 s");
	due = schedpol_next(&c, now = due, 10, 0, 0.5);
	if (schedpol_ended(&c, SCHEDPOL_WRITTEN, SCHEDPOL_RUN))
		due = schedpol_next(&c, now + 2, 10, 0, 0.5);
	tap_time(due, 86, "clock: success at 78 s: still due at 86 s");
}

/* A clan of a running schedule for the plan tests. */
#define CUR(tag, iv, pol, busy)	{ (tag), (iv), (pol), (busy) }

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void
tap_step(const struct schedpol_step *st, enum schedpol_act act, size_t cur,
    double due, const char *fmt, ...)
{
	va_list	ap;
	char	what[160];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!tap_ok(st->act == act && (act == SCHEDPOL_ADD || st->cur ==
	    cur) && st->due == due, "%s", what))
		printf("#   got:  act %d, cur %zu, due %.17g\n"
		    "#   want: act %d, cur %zu, due %.17g\n", st->act, st->cur,
		    st->due, act, cur, due);
}

/* Clans in every state, busy and idle, for the reload plans. */
static struct schedpol_clan	p_ok, p_backoff, p_failing;

static void
plan_states(void)
{
	schedpol_init(&p_ok);
	schedpol_ended(&p_ok, SCHEDPOL_WRITTEN, SCHEDPOL_RUN);
	schedpol_init(&p_backoff);
	schedpol_ended(&p_backoff, SCHEDPOL_NOT_READ, SCHEDPOL_RUN);
	schedpol_ended(&p_backoff, SCHEDPOL_NOT_READ, SCHEDPOL_RUN);
	schedpol_init(&p_failing);
	schedpol_ended(&p_failing, SCHEDPOL_NOT_WRITTEN, SCHEDPOL_RUN);
}

static void
test_plan(void)
{
	const struct schedpol_cur cur[] = {
		CUR("#9V2Y", 10, &p_ok, 0),		/* 0: kept */
		CUR("#YYY", 10, &p_ok, 1),		/* 1: removed, busy */
		CUR("#2PYLQ", 10, &p_backoff, 0),	/* 2: restarted */
		CUR("#8QRUL", 10, &p_backoff, 1),	/* 3: left running */
		CUR("#PQL9", 10, &p_failing, 0),	/* 4: kept */
		CUR("#GGG", 10, &p_ok, 0),		/* 5: removed */
		CUR("#LLL", 20, &p_ok, 1),		/* 6: new interval */
	};
	const struct schedpol_want want[] = {
		{ "#LLL", 40, 0 },	/* busy: nothing armed */
		{ "#C0C", 120, 0 },	/* added: 60 s * 0/4 */
		{ "#2PYLQ", 12, 0 },	/* restarted: 12 s * 1/4 */
		{ "#8QRUL", 10, 0 },
		{ "#UUU", 8, 0 },	/* added: 8 s * 2/4 */
		{ "#PQL9", 10, 0 },
		{ "#9V2Y", 10, 0 },
		{ "#RRR", 40, 0 },	/* added: 40 s * 3/4 */
	};
	struct schedpol_plan	p;
	uint64_t		rng = 42;
	int			mode;

	plan_states();
	for (mode = 0; mode < 2; mode++) {
		const char *m = mode ? "stopping" : "run";
		int stop = mode == 1;

		tap_int(schedpol_plan(cur, 7, want, 8, stop ?
		    SCHEDPOL_STOPPING : SCHEDPOL_RUN, 1000, &rng, &p), 0,
		    "plan %s: made", m);
		tap_step(&p.step[0], SCHEDPOL_RETIME, 6, -1,
		    stop ? "plan stopping: new interval, nothing armed" :
		    "plan run: new interval of a busy clan, nothing armed");
		tap_step(&p.step[1], SCHEDPOL_ADD, 0, stop ? -1 : 1000,
		    stop ? "plan stopping: added, not armed" :
		    "plan run: added, first of 4 spread, at once");
		tap_step(&p.step[2], SCHEDPOL_RESTART, 2, stop ? -1 : 1003,
		    stop ? "plan stopping: backed off and idle restarted, not "
		    "armed" : "plan run: backed off and idle restarted, "
		    "second of 4 at 12 s * 1/4");
		tap_step(&p.step[3], SCHEDPOL_KEEP, 3, -1,
		    "plan %s: backed off but running: left alone", m);
		tap_step(&p.step[4], SCHEDPOL_ADD, 0, stop ? -1 : 1004,
		    stop ? "plan stopping: added, not armed" :
		    "plan run: added, third of 4 at 8 s * 2/4");
		tap_step(&p.step[5], SCHEDPOL_KEEP, 4, -1,
		    "plan %s: failing, not backed off: left alone", m);
		tap_step(&p.step[6], SCHEDPOL_KEEP, 0, -1,
		    "plan %s: unchanged: left alone", m);
		tap_step(&p.step[7], SCHEDPOL_ADD, 0, stop ? -1 : 1030,
		    stop ? "plan stopping: added, not armed" :
		    "plan run: added, fourth of 4 at 40 s * 3/4");
		tap_ok(p.ngone == 2 && p.gone[0] == 5 && p.gone[1] == 1,
		    "plan %s: #GGG and #YYY removed, in tag order", m);
		tap_ok(p.added == 3 && p.retimed == 2,
		    "plan %s: 3 added, 2 with a new interval", m);
		tap_int(rng, 42, "plan %s: no number drawn", m);
		schedpol_plan_free(&p);
	}
}

static void
test_plan_retime(void)
{
	const struct schedpol_cur cur[] = {
		CUR("#9V2Y", 10, &p_ok, 0),
		CUR("#PQL9", 10, &p_failing, 0),
	};
	const struct schedpol_want want[] = {
		{ "#9V2Y", 20, 2 },
		{ "#PQL9", 16, 0 },
	};
	struct schedpol_plan	p;
	uint64_t		rng = 42, r = 42;
	double			u;

	u = rng_uniform(&r);
	tap_int(schedpol_plan(cur, 2, want, 2, SCHEDPOL_RUN, 1000, &rng, &p),
	    0, "retime: plan made");
	tap_step(&p.step[0], SCHEDPOL_RETIME, 0, 1000 + (20 + (2 * u - 1) * 2),
	    "retime: idle: from now on the new interval, jittered by the "
	    "first number drawn");
	tap_ok(p.step[0].due >= 1018 && p.step[0].due < 1022,
	    "retime: within the new interval's jitter");
	tap_step(&p.step[1], SCHEDPOL_RETIME, 1, 1016,
	    "retime: failing, not backed off: from now on the new interval");
	rng_uniform(&r);
	tap_ok(rng == r, "retime: one number drawn per re-timed clan");
	tap_int(p.retimed, 2, "retime: 2 with a new interval");
	schedpol_plan_free(&p);
}

static void
test_plan_ends(void)
{
	const struct schedpol_cur cur[] = {
		CUR("#9V2Y", 10, &p_ok, 0),
		CUR("#2PYLQ", 10, &p_backoff, 1),
	};
	const struct schedpol_want want[] = {
		{ "#9V2Y", 10, 0 },
		{ "#2PYLQ", 10, 0 },
	};
	struct schedpol_plan	p;
	uint64_t		rng = 42;

	tap_int(schedpol_plan(NULL, 0, want, 2, SCHEDPOL_RUN, 0, &rng, &p), 0,
	    "from nothing: plan made");
	tap_step(&p.step[0], SCHEDPOL_ADD, 0, 0,
	    "from nothing: the first added runs at once, like a start");
	tap_step(&p.step[1], SCHEDPOL_ADD, 0, 5,
	    "from nothing: the second added at 10 s * 1/2");
	tap_ok(p.added == 2 && p.ngone == 0 && p.retimed == 0,
	    "from nothing: 2 added");
	schedpol_plan_free(&p);

	tap_int(schedpol_plan(cur, 2, NULL, 0, SCHEDPOL_RUN, 0, &rng, &p), 0,
	    "to nothing: plan made");
	tap_ok(p.ngone == 2 && p.gone[0] == 1 && p.gone[1] == 0 &&
	    p.added == 0, "to nothing: both removed, by tag");
	schedpol_plan_free(&p);

	tap_int(schedpol_plan(cur, 2, want, 2, SCHEDPOL_RUN, 0, &rng, &p), 0,
	    "same list: plan made");
	tap_step(&p.step[0], SCHEDPOL_KEEP, 0, -1, "same list: ok clan kept");
	tap_step(&p.step[1], SCHEDPOL_KEEP, 1, -1,
	    "same list: backed-off clan running: kept, untouched");
	tap_ok(p.ngone == 0 && p.added == 0 && p.retimed == 0,
	    "same list: nothing added, removed or re-timed");
	schedpol_plan_free(&p);
	schedpol_plan_free(&p);
	tap_ok(p.step == NULL && p.gone == NULL,
	    "schedpol_plan_free twice is harmless");
}

/* A member read at 100000 with defaults: reuse on, 24h, 1h, no max-age. */
static struct schedpol_member
member(int64_t now, int64_t seen)
{
	struct schedpol_member m;

	memset(&m, 0, sizeof(m));
	m.reuse_unseen = 1;
	m.profile_max_age = 86400;
	m.seen_margin = 3600;
	m.now = now;
	m.stored = 1;
	m.read_at = 100000;
	m.max_age = -1;
	m.seen_known = 1;
	m.seen = seen;
	return m;
}

static void
tap_read(enum schedpol_read got, enum schedpol_read want, const char *what)
{
	tap_int(got, want, "reuse: %s", what);
}

static void
test_member(void)
{
	struct schedpol_member m;

	m = member(100900, 96399);
	tap_read(schedpol_member(&m), SCHEDPOL_REUSE,
	    "seen 1 s before read time - margin: reused");
	m = member(100900, 96400);
	tap_read(schedpol_member(&m), SCHEDPOL_READ_SEEN,
	    "seen exactly at read time - margin: read");
	m = member(100900, 100500);
	tap_read(schedpol_member(&m), SCHEDPOL_READ_SEEN,
	    "seen after the read: read");
	m = member(100900, 96399);
	m.reuse_unseen = 0;
	tap_read(schedpol_member(&m), SCHEDPOL_READ_OFF,
	    "reuse_unseen false: read");
	m = member(100900, 96399);
	m.stored = 0;
	tap_read(schedpol_member(&m), SCHEDPOL_READ_NEW,
	    "no stored profile (new, failed, restarted): read");
	m = member(100000 + 86399, 96399);
	tap_read(schedpol_member(&m), SCHEDPOL_REUSE,
	    "profile 1 s younger than profile_max_age: reused");
	m = member(100000 + 86400, 96399);
	tap_read(schedpol_member(&m), SCHEDPOL_READ_OLD,
	    "profile exactly profile_max_age old: read");
	m = member(99999, 96399);
	tap_read(schedpol_member(&m), SCHEDPOL_READ_OLD,
	    "read_at after now (the clock went back): read");
	m = member(100900, 0);
	m.seen_known = 0;
	tap_read(schedpol_member(&m), SCHEDPOL_READ_UNSEEN,
	    "lastSeen missing or malformed: read");
	m = member(100900, 100901);
	tap_read(schedpol_member(&m), SCHEDPOL_READ_FUTURE,
	    "lastSeen 1 s in the future: read");
	m = member(100900, 96399);
	m.max_age = 7200;
	tap_read(schedpol_member(&m), SCHEDPOL_READ_SEEN,
	    "max-age 2 h above seen_margin 1 h: the margin is 2 h, read");
	m = member(100900, 92799);
	m.max_age = 7200;
	tap_read(schedpol_member(&m), SCHEDPOL_REUSE,
	    "max-age 2 h: seen 1 s before read time - 2 h, reused");
	m = member(100900, 92800);
	m.max_age = 7200;
	tap_read(schedpol_member(&m), SCHEDPOL_READ_SEEN,
	    "max-age 2 h: seen exactly at read time - 2 h, read");
	m = member(100900, 96399);
	m.max_age = 60;
	tap_read(schedpol_member(&m), SCHEDPOL_REUSE,
	    "max-age 60 s below seen_margin: the margin stays 1 h");
	m = member(100900, 99939);
	m.seen_margin = 0;
	m.max_age = 60;
	tap_read(schedpol_member(&m), SCHEDPOL_REUSE,
	    "seen_margin 0, max-age 60: seen 61 s before the read, reused");
	m = member(100900, 99940);
	m.seen_margin = 0;
	m.max_age = 60;
	tap_read(schedpol_member(&m), SCHEDPOL_READ_SEEN,
	    "seen_margin 0, max-age 60: seen 60 s before the read, read");
	m = member(100900, 99999);
	m.seen_margin = 0;
	tap_read(schedpol_member(&m), SCHEDPOL_REUSE,
	    "seen_margin 0, no max-age: seen 1 s before the read, reused");
	m = member(100900, 100000);
	m.seen_margin = 0;
	tap_read(schedpol_member(&m), SCHEDPOL_READ_SEEN,
	    "seen_margin 0: seen in the second of the read, read");
	m = member(100900, 96399);
	m.maintenance = 100000;
	tap_read(schedpol_member(&m), SCHEDPOL_READ_MAINT,
	    "a maintenance in the second of the read: read");
	m = member(100900, 96399);
	m.maintenance = 100500;
	tap_read(schedpol_member(&m), SCHEDPOL_READ_MAINT,
	    "a maintenance after the read: read");
	m = member(100900, 96399);
	m.maintenance = 99999;
	tap_read(schedpol_member(&m), SCHEDPOL_REUSE,
	    "a maintenance before the read: reused");
}

int
main(void)
{
	test_member();
	test_spread();
	test_next();
	test_backoff();
	test_disk();
	test_failed();
	test_modes();
	test_restart();
	test_clock();
	test_plan();
	test_plan_retime();
	test_plan_ends();
	return tap_done();
}
