/* reqstats.h - the daemon-wide request counters, for logs and metrics. */
#ifndef CLANPOPD_REQSTATS_H
#define CLANPOPD_REQSTATS_H

/* Kept by fetch, written out by snap. */
struct fetch_stats {
	unsigned long	 requests;	/* requests sent */
	unsigned long	 status_2xx;
	unsigned long	 status_4xx;	/* without 429 */
	unsigned long	 status_429;
	unsigned long	 status_5xx;
	unsigned long	 status_other;
	unsigned long	 transport_errors;	/* no HTTP status */
	unsigned long	 retries;
	unsigned long	 pauses;	/* throttle pauses after a 429 */
	unsigned long	 throttled_out;	/* requests given up after max_retries
					   429s in a row */
};

/* One API key, as the reports show it; kept by fetch, written by snap. */
struct fetch_key_stats {
	unsigned	 line;		/* its line in the token file: key N */
	int		 refused;	/* by the API, until a reload */
	double		 paused;	/* seconds of pause left after a 429 */
	double		 rate;		/* effective requests/s, 0 = unlimited */
	unsigned long	 requests;	/* sent with it */
	unsigned long	 status_429;	/* 429s it drew */
};

#endif
