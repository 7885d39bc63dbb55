/* report.h - what index.json and metrics.prom say of the daemon and its clans. */
#ifndef CLANPOPD_REPORT_H
#define CLANPOPD_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "figures.h"
#include "reqstats.h"

struct looplag_stats;
struct outdir;

/* What the reports say of one clan. */
struct report_clan {
	const char	*tag;
	const char	*label;		/* the configuration's name, or NULL */
	const char	*name;		/* the clan's name from the API, or NULL */
	time_t		 last_success;	/* 0 = never */
	time_t		 last_attempt;	/* 0 = never */
	const char	*last_error;	/* NULL when the last refresh was clean */
	unsigned	 consecutive_failures;
	double		 interval;	/* seconds between its refreshes */
	int		 has_result;	/* a refresh since start wrote fig */
	int		 complete;
	double		 duration;	/* seconds */
	/*
	 * The latest snapshot's figures, also of one read back from disk at
	 * start (cards.json counts those too); NULL when the clan has none.
	 */
	const struct clan_figures *fig;
	unsigned long	 skipped;
};

/* What they say of the history database. */
struct report_history {
	const char	*database;	/* output.database; NULL: off */
	const char	*error;		/* the current fault, NULL when none */
	unsigned long	 writes_ok;	/* refreshes recorded */
	unsigned long	 writes_failed;	/* snapshots not recorded */
};

/* What they say of the daemon. */
struct report_daemon {
	const char		*version;
	time_t			 started;
	const struct fetch_stats *fetch;
	double			 rate;	/* effective requests/s, 0 = unlimited */
	const struct fetch_key_stats *keys;	/* the API keys, in file order */
	size_t			 nkeys;
	unsigned long		 skipped;
	unsigned long		 reloads_ok;
	unsigned long		 reloads_failed;
	unsigned long		 players_read;	/* profiles read, since start */
	unsigned long		 players_reused;	/* counted from the store
						   instead: requests saved */
	size_t			 profiles;	/* profiles in the store now */
	struct report_history	 history;
	const struct looplag_stats *lag;	/* NULL: none measured */
};

/*
 * Write index.json's text to fp, clan by clan.  Returns 0, or -1 on a
 * write error or out of memory.
 */
int	report_index_write(FILE *fp, const struct report_daemon *,
	    const struct report_clan *, size_t n);
/* Write metrics.prom's text to fp.  Returns 0, or -1 on a write error. */
int	report_metrics_write(FILE *fp, const struct report_daemon *,
	    const struct report_clan *, size_t n);

/*
 * Write index.json, metrics.prom and cards.json in od.  Returns 0, or -1
 * with a sentence in err (all are attempted).
 */
int	report_write(const struct outdir *od,
	    const struct report_daemon *, const struct report_clan *,
	    size_t n, char *err, size_t errlen);

#endif
