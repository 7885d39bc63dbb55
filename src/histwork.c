/* histwork.c - the history database's slow work, on a thread of its own. */
#include "config.h"

#include <sys/resource.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "famtrends.h"
#include "histfile.h"
#include "histwork.h"
#include "log.h"
#include "tag.h"
#include "trends.h"

/* One clan's trends file to write; a newer refresh replaces it. */
struct histwork_job {
	struct histwork_job	*next;
	char			 tag[TAG_MAX];
	time_t			 now;
	double			 window;
};

/* trends/family.json to write; a newer one replaces it. */
struct histwork_family {
	char	**tags;
	size_t	  n;
	time_t	  now;
	double	  window;
};

struct histwork {
	const struct outdir	*od;
	const char		*rel, *shown;	/* the history's, outlive w */
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct histwork_job	*head, *tail;	/* under mu */
	struct histwork_family	*family;	/* under mu: one is asked */
	struct famtrends	*fam;		/* the thread's */
	int			 checkpoint;	/* under mu: one is asked */
	int			 drop;		/* under mu: close the connection */
	int			 stop;		/* under mu */
};

/*
 * The thread's own connection, opened as the history's is (the same
 * checks, never through a symbolic link) but never creating the file:
 * the event loop's connection made it.  NULL with a sentence in err.
 */
static sqlite3 *
work_open(struct histwork *w, char *err, size_t errlen)
{
	char	 path[PATH_MAX], sql[64];
	sqlite3	*db = NULL;

	if (histfile_check(w->od, w->rel, w->shown, path, sizeof(path), err,
	    errlen) == -1)
		return NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: opening it for the trends: %s",
		    w->shown, db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, HISTWORK_BUSY_MS);
	/*
	 * Its reads are one clan's refreshes or lookups spread over the
	 * file: a cache holds little of a file larger than it, and SQLite's
	 * default (2 MiB) only grew the resident set by as much (benchmark
	 * 4).  The kernel's page cache serves the rest.  A failure here
	 * only leaves the default.
	 */
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d",
	    HISTWORK_CACHE_KIB);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	return db;
}

/* Free fj, its tags and their array; NULL is allowed. */
static void
family_free(struct histwork_family *fj)
{
	while (fj != NULL && fj->n > 0)
		free(fj->tags[--fj->n]);
	if (fj != NULL)
		free(fj->tags);
	free(fj);
}

/*
 * Carry out one batch, outside the lock: a checkpoint, then one trends
 * file, then the family's, on the thread's connection (opened when
 * needed).
 */
static void
work_do(struct histwork *w, sqlite3 **db, struct histwork_job *job,
    int checkpoint, struct histwork_family *fj)
{
	char	err[1024];
	int	rc;

	if (*db == NULL && (*db = work_open(w, err, sizeof(err))) == NULL) {
		if (job != NULL)
			log_warnx("%s: trends: %s", job->tag, err);
		if (fj != NULL)
			log_warnx("family trends: %s", err);
		return;
	}
	if (checkpoint && (rc = sqlite3_wal_checkpoint_v2(*db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL)) != SQLITE_OK &&
	    rc != SQLITE_BUSY)
		log_warnx("history: %s: checkpoint: %s", w->shown,
		    sqlite3_errmsg(*db));
	if (job != NULL && trends_write(w->od, *db, job->tag, job->now,
	    job->window, err, sizeof(err)) == -1)
		log_warnx("%s: trends: %s", job->tag, err);
	if (fj != NULL && w->fam == NULL && (w->fam = famtrends_new()) == NULL)
		log_warnx("family trends: out of memory");
	else if (fj != NULL && famtrends_write(w->od, w->fam, *db,
	    (const char *const *)fj->tags, fj->n, fj->now, fj->window, err,
	    sizeof(err)) == -1)
		log_warnx("family trends: %s", err);
}

/*
 * With w->mu held and nothing to do, wait for work.  An open connection
 * first waits HISTWORK_LINGER seconds for the next job (*lingering and
 * *until keep the wait's end across wake-ups): opening it again reads
 * the schema anew, which costs more than a small trends file.  Then it
 * is closed: idle, the thread holds no file of the database.
 */
static void
work_idle(struct histwork *w, sqlite3 **db, int *lingering,
    struct timespec *until)
{
	if (*db == NULL) {
		pthread_cond_wait(&w->cv, &w->mu);
		return;
	}
	if (!*lingering) {
		clock_gettime(CLOCK_MONOTONIC, until);
		until->tv_sec += HISTWORK_LINGER;
		*lingering = 1;
	}
	if (pthread_cond_timedwait(&w->cv, &w->mu, until) != ETIMEDOUT)
		return;
	pthread_mutex_unlock(&w->mu);
	sqlite3_close(*db);
	*db = NULL;
	pthread_mutex_lock(&w->mu);
	*lingering = 0;
}

static void *
work_main(void *arg)
{
	struct histwork		*w = arg;
	struct histwork_job	*job;
	struct histwork_family	*fj;
	struct timespec		 until;
	sqlite3			*db = NULL;
	int			 checkpoint, lingering = 0;

	/*
	 * The loop comes first: on Linux a thread has a nice value of its
	 * own, and the worker's work can always wait.
	 */
	setpriority(PRIO_PROCESS, (id_t)gettid(), HISTWORK_NICE);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (w->drop) {
			w->drop = 0;
			pthread_mutex_unlock(&w->mu);
			sqlite3_close(db);
			db = NULL;
			/*
			 * The history was closed (a reload, a fault): the
			 * next file may be another, so what the family's
			 * series kept of this one goes too.
			 */
			famtrends_free(w->fam);
			w->fam = NULL;
			pthread_mutex_lock(&w->mu);
			lingering = 0;
			continue;
		}
		if (w->head == NULL && !w->checkpoint && w->family == NULL) {
			if (w->stop)
				break;
			work_idle(w, &db, &lingering, &until);
			continue;
		}
		lingering = 0;
		if ((job = w->head) != NULL && (w->head = job->next) == NULL)
			w->tail = NULL;
		checkpoint = w->checkpoint;
		w->checkpoint = 0;
		fj = w->family;
		w->family = NULL;
		pthread_mutex_unlock(&w->mu);
		work_do(w, &db, job, checkpoint, fj);
		free(job);
		family_free(fj);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	sqlite3_close(db);
	return NULL;
}

struct histwork *
histwork_start(const struct outdir *od, const char *rel, const char *shown)
{
	struct histwork		*w;
	pthread_condattr_t	 ca;
	sigset_t		 all, old;
	int			 rc;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->od = od;
	w->rel = rel;
	w->shown = shown;
	pthread_mutex_init(&w->mu, NULL);
	/* The thread's timed wait counts on the monotonic clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals are the loop's (ev_signal): the thread blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, work_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

void
histwork_trends(struct histwork *w, const char *tag, time_t now,
    double window)
{
	struct histwork_job	*job;

	pthread_mutex_lock(&w->mu);
	for (job = w->head; job != NULL; job = job->next)
		if (strcmp(job->tag, tag) == 0)
			break;
	if (job == NULL && (job = calloc(1, sizeof(*job))) != NULL) {
		snprintf(job->tag, sizeof(job->tag), "%s", tag);
		if (w->tail != NULL)
			w->tail->next = job;
		else
			w->head = job;
		w->tail = job;
	}
	if (job != NULL) {
		job->now = now;
		job->window = window;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	if (job == NULL)
		log_warnx("%s: trends: out of memory", tag);
}

void
histwork_family(struct histwork *w, const char *const *tags, size_t n,
    time_t now, double window)
{
	struct histwork_family	*fj, *old;

	if ((fj = calloc(1, sizeof(*fj))) == NULL ||
	    (fj->tags = calloc(n + 1, sizeof(*fj->tags))) == NULL) {
		free(fj);
		log_warnx("family trends: out of memory");
		return;
	}
	for (fj->n = 0; fj->n < n; fj->n++)
		if ((fj->tags[fj->n] = strdup(tags[fj->n])) == NULL) {
			family_free(fj);
			log_warnx("family trends: out of memory");
			return;
		}
	fj->now = now;
	fj->window = window;
	pthread_mutex_lock(&w->mu);
	old = w->family;
	w->family = fj;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	family_free(old);
}

void
histwork_checkpoint(struct histwork *w)
{
	pthread_mutex_lock(&w->mu);
	if (!w->checkpoint) {
		w->checkpoint = 1;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
}

void
histwork_drop(struct histwork *w)
{
	pthread_mutex_lock(&w->mu);
	w->drop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
histwork_stop(struct histwork *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	famtrends_free(w->fam);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
