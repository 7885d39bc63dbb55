/* schedpol.h - scheduling policy: due times, refresh ends, reloads (pure). */
#ifndef CLANPOPD_SCHEDPOL_H
#define CLANPOPD_SCHEDPOL_H

#include <stddef.h>
#include <stdint.h>

#define SCHEDPOL_SPREAD_MAX	60.0	/* seconds to spread first runs over */
#define SCHEDPOL_BACKOFF_MAX	8	/* times the interval, at most */
#define SCHEDPOL_DELAY_MIN	1.0	/* seconds */

/* What the scheduler is doing; only SCHEDPOL_RUN repeats refreshes. */
enum schedpol_mode {
	SCHEDPOL_RUN,		/* the daemon: each clan on its timer */
	SCHEDPOL_ONCE,		/* --once: each clan once, nothing repeats */
	SCHEDPOL_STOPPING	/* nothing starts or is timed again */
};

/* Where a clan stands, after the last refresh that ended. */
enum schedpol_state {
	SCHEDPOL_NEW,		/* no refresh has ended yet */
	SCHEDPOL_OK,		/* the last one wrote a snapshot */
	SCHEDPOL_FAILING,	/* the last one gave no snapshot; the next
				   one comes on time */
	SCHEDPOL_BACKOFF	/* the last `backoff` ones failed at the API;
				   the next one waits longer */
};

struct schedpol_clan {
	enum schedpol_state	 state;
	unsigned		 backoff;	/* >= 1 in SCHEDPOL_BACKOFF */
	unsigned		 failures;	/* no snapshot, in a row */
};

/* How a refresh ended. */
enum schedpol_end {
	SCHEDPOL_WRITTEN,	/* the clan was read, its snapshot written */
	SCHEDPOL_NOT_WRITTEN,	/* the clan was read, its snapshot not
				   written (the disk) */
	SCHEDPOL_NOT_READ,	/* the API did not give the clan */
	SCHEDPOL_ABANDONED	/* cancelled when clanpopd stopped */
};

/* A clan that has not refreshed yet: SCHEDPOL_NEW, no failures. */
void	schedpol_init(struct schedpol_clan *);

/*
 * The time of the k-th of n clans' first refreshes (k < n) when they
 * start together at now: spread evenly over min(interval, 60 s).
 */
double	schedpol_spread(double now, double interval, size_t k, size_t n);

/*
 * The time of the clan's next refresh after one that fell due (or ended)
 * at now: its interval, doubled for each refresh in a row that failed at
 * the API up to SCHEDPOL_BACKOFF_MAX times the interval, plus or minus
 * jitter seconds (u, uniform in [0, 1), picks where), and at least
 * SCHEDPOL_DELAY_MIN seconds after now.
 */
double	schedpol_next(const struct schedpol_clan *, double now,
	    double interval, double jitter, double u);

/*
 * Record how the clan's refresh ended.  Only a failure of the API backs
 * the clan off; anything written resets the failures.  Returns 1 when,
 * in mode, its next refresh must be timed again from now (its back-off
 * began, grew or ended: see schedpol_next), 0 when the time set when it
 * fell due stands.
 */
int	schedpol_ended(struct schedpol_clan *, enum schedpol_end,
	    enum schedpol_mode mode);

/*
 * A reload may have fixed what made a backed-off clan fail (the token,
 * the base URL): its back-off ends, its failures are still counted.
 */
void	schedpol_restart(struct schedpol_clan *);

/* 1 when the clan's last refresh gave no snapshot (none ended: 0). */
int	schedpol_failing(const struct schedpol_clan *);
/* 1 when the clan has no new snapshot: it failed or none has ended yet. */
int	schedpol_unwritten(const struct schedpol_clan *);

/*
 * Whether a member's stored profile may stand for reading it again: what
 * the decision needs, all times in Unix seconds of clanpopd's clock.
 */
struct schedpol_member {
	int		 reuse_unseen;	/* schedule.reuse_unseen */
	double		 profile_max_age;	/* seconds */
	double		 seen_margin;	/* seconds */
	int64_t		 now;
	int		 stored;	/* a profile read successfully is kept */
	int64_t		 read_at;	/* when its answer arrived */
	int64_t		 max_age;	/* that answer's Cache-Control max-age,
					   seconds; -1: none */
	int		 seen_known;	/* lastSeen was sent and parsed */
	int64_t		 seen;		/* the member's lastSeen */
	int64_t		 maintenance;	/* the last inMaintenance answer; 0:
					   none seen */
};

/* The decision, and why: each reason to read is its own value. */
enum schedpol_read {
	SCHEDPOL_REUSE,		/* counted from the stored profile */
	SCHEDPOL_READ_OFF,	/* schedule.reuse_unseen is false */
	SCHEDPOL_READ_NEW,	/* no stored profile (new member, failed
				   read, restart without a database) */
	SCHEDPOL_READ_OLD,	/* stored profile_max_age ago or more, or
				   read "later" than now (the clock moved) */
	SCHEDPOL_READ_UNSEEN,	/* no usable lastSeen */
	SCHEDPOL_READ_FUTURE,	/* lastSeen after now */
	SCHEDPOL_READ_SEEN,	/* seen at or after read_at - margin */
	SCHEDPOL_READ_MAINT	/* a maintenance at or after read_at */
};

/*
 * Decide whether member m's profile is read or reused.  Reused only when
 * reuse_unseen is set, a profile is stored, now - read_at is less than
 * profile_max_age (and not negative), no maintenance was seen at or after
 * read_at, lastSeen parsed, is not after now, and is before read_at -
 * margin, where margin is the larger of seen_margin and the stored
 * answer's max-age (an answer may be that much older than its arrival).
 * Anything in doubt reads.
 */
enum schedpol_read schedpol_member(const struct schedpol_member *m);

/* A clan of the running schedule, as a reload sees it. */
struct schedpol_cur {
	const char			*tag;
	double				 interval;	/* seconds */
	const struct schedpol_clan	*pol;
	/* Refreshing, or waiting for capacity. */
	int				 busy;
};

/* A clan of the new configuration. */
struct schedpol_want {
	const char	*tag;
	double		 interval;	/* seconds */
	double		 jitter;	/* seconds, for that interval */
};

enum schedpol_act {
	SCHEDPOL_ADD,		/* new: make it */
	SCHEDPOL_KEEP,		/* unchanged: timer and refresh go on */
	SCHEDPOL_RETIME,	/* a new interval */
	SCHEDPOL_RESTART	/* backed off and idle: schedpol_restart it,
				   to run soon (its interval may be new) */
};

struct schedpol_step {
	enum schedpol_act	 act;
	size_t			 cur;	/* index in cur, unless added */
	double			 due;	/* arm its timer for this time;
					   -1: leave the timer alone */
};

/* What a reload changes, for the scheduler to apply. */
struct schedpol_plan {
	struct schedpol_step	*step;	/* one per wanted clan, in order */
	size_t			*gone;	/* in cur, of removed clans, by tag */
	size_t			 ngone;
	size_t			 added;
	size_t			 retimed;	/* kept, with a new interval */
};

/*
 * Plan the switch from the clans cur[0..ncur) to want[0..nwant) (tags
 * unique in each) at now: clans are matched by tag; added and restarted
 * clans run soon, spread over min(interval, 60 s) in the new order like
 * first refreshes; an idle clan with a new interval is timed again from
 * now with one number drawn from rng; a busy one is left to end its
 * refresh, and nothing is armed while stopping.  Returns 0 and fills
 * plan (free with schedpol_plan_free), or -1 on out of memory.
 */
int	schedpol_plan(const struct schedpol_cur *cur, size_t ncur,
	    const struct schedpol_want *want, size_t nwant,
	    enum schedpol_mode mode, double now, uint64_t *rng,
	    struct schedpol_plan *plan);
void	schedpol_plan_free(struct schedpol_plan *);

#endif
