/* sched.h - per-clan timers, refreshes as capacity frees up, reload, stop. */
#ifndef CLANPOPD_SCHED_H
#define CLANPOPD_SCHED_H

#include <stddef.h>
#include <time.h>

#include <ev.h>

struct conf;
struct fetcher;
struct history;
struct outdir;
struct sched;

typedef void	 sched_idle_cb(void *arg);

/*
 * A scheduler for the clans of conf, refreshing through f and writing in
 * od.  With once set,
 * every clan is due at once, nothing repeats, and idle is called when
 * the last refresh has ended; otherwise each clan has its own timer, first
 * refreshes spread over min(interval, 60 s).  conf and od must stay valid
 * until sched_apply gets new ones or sched_free.  Returns NULL on out of
 * memory.
 */
struct sched	*sched_new(struct ev_loop *loop, struct fetcher *f,
		    const struct conf *conf, const struct outdir *od, int once,
		    sched_idle_cb *idle, void *arg);

/*
 * Switch to a new configuration (a reload): clans are added, removed
 * (running refreshes aborted, snapshots left on disk) or rescheduled;
 * refreshes of unchanged clans go on undisturbed.  Writes a log line with
 * what changed.  Returns 0, or -1 on out of memory (the old state stays).
 */
int		 sched_apply(struct sched *, const struct conf *conf,
		    const struct outdir *od);

/*
 * Stop scheduling; let running refreshes end for up to grace seconds,
 * then abort the rest.  idle (from sched_new) is called once all are done.
 */
void		 sched_stop(struct sched *, double grace);

/*
 * Record each snapshot written from now on in h (NULL: none) as well;
 * h must stay valid until the next call or sched_free.
 */
void		 sched_set_history(struct sched *, struct history *h);

/* Count a reload's outcome for the reports. */
void		 sched_count_reload(struct sched *, int ok);

/*
 * Write index.json and metrics.prom now, and update systemd's STATUS=
 * (both also happen at most a second after each refresh).
 */
void		 sched_write_reports(struct sched *);

/* Clans whose last refresh gave no new snapshot, or that have none yet. */
size_t		 sched_failed(const struct sched *);
/* A short line for systemd's STATUS=. */
void		 sched_status(const struct sched *, char *buf, size_t len);

void		 sched_free(struct sched *);

#endif
