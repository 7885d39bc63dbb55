/* histwork.h - the history database's slow work, on a thread of its own. */
#ifndef CLANPOPD_HISTWORK_H
#define CLANPOPD_HISTWORK_H

#include <stddef.h>
#include <time.h>

#define HISTWORK_BUSY_MS	1000	/* busy_timeout of the thread's
					   connection, milliseconds */
#define HISTWORK_NICE		10	/* the thread's nice value */
#define HISTWORK_CACHE_KIB	256	/* the connection's page cache, KiB */
#define HISTWORK_LINGER		5	/* seconds the connection stays open
					   with nothing to do */

struct outdir;
struct histwork;

/*
 * Start the thread that does the history database's slow work (trends
 * files, the family's, WAL checkpoints) off the event loop, with a connection of its
 * own to rel inside od (shown as shown), opened when it has work and
 * checked as history_open checks the file, closed when its queue has
 * been empty for HISTWORK_LINGER seconds or at histwork_drop.  od, rel and shown must outlive it.  Returns the worker (stop it with histwork_stop), or NULL
 * when no thread could be made.
 */
struct histwork	*histwork_start(const struct outdir *od, const char *rel,
		    const char *shown);

/*
 * Ask for trends/TAG.json of tag (as trends_write writes it, at now over
 * window); one still waiting for the same tag is replaced.  A failure is
 * logged by the thread ("TAG: trends: ...").
 */
void		 histwork_trends(struct histwork *w, const char *tag,
		    time_t now, double window);

/*
 * Ask for trends/family.json of the clans tags (n of them, copied), as
 * famtrends_write writes it at now over window, from the series the
 * thread keeps; one still waiting is replaced.  A failure is logged by
 * the thread ("family trends: ...").
 */
void		 histwork_family(struct histwork *w, const char *const *tags,
		    size_t n, time_t now, double window);

/*
 * Ask for a passive WAL checkpoint (one asked while one waits is the
 * same); it never blocks the event loop's connection.
 */
void		 histwork_checkpoint(struct histwork *w);

/*
 * Have the thread close its connection (soon, without waiting for it),
 * as the loop's connection closed: a database the loop finds again is
 * never read through the old one.
 */
void		 histwork_drop(struct histwork *w);

/*
 * Finish the work asked for, then end the thread and free w.  NULL is
 * allowed.
 */
void		 histwork_stop(struct histwork *w);

#endif
