/*
 * fetchint.h - the fetcher's state, shared by fetch.c (the requests and
 * their lives) and fetchkey.c (the API keys: headers, counters, refusals,
 * 429s and reloads).  Not for other modules.
 */
#ifndef CLANPOPD_FETCHINT_H
#define CLANPOPD_FETCHINT_H

#include <stdint.h>

#include <curl/curl.h>
#include <ev.h>

#include "easy.h"
#include "fetch.h"
#include "throttle.h"

/*
 * A key's headers, shared by the requests using it and kept alive while
 * one does, with the key itself so that what a server echoes of it is
 * redacted even after a reload dropped it.
 */
struct fetch_hdrs {
	struct curl_slist	*list;
	char			*secret;
	int			 refs;
};

/* One API key of the token file. */
struct fetch_key {
	struct fetch_hdrs	*hdrs;		/* NULL for none */
	unsigned		 line;		/* "key N" is its line N */
	unsigned long		 requests;
	unsigned long		 status_429;
};

struct fetcher {
	struct ev_loop		*loop;
	struct curlev		*cv;		/* libcurl on the loop */
	CURLM			*multi;		/* cv's multi handle */
	ev_timer		 start_timer;	/* next throttle decision */
	struct throttle		*throttle;
	struct fetch_opts	 opts;		/* strings owned below */
	char			*base_url;
	char			*user_agent;
	char			*token_file;
	struct fetch_key	*keys;		/* the throttle's keys, in order */
	size_t			 nkeys;
	void			(*key_cb)(void *);	/* a key paused or
							   refused */
	void			*key_cb_arg;
	double			 logged_rate;
	unsigned		 throttled_streak;	/* 429s since a success */
	time_t			 maintenance;	/* last inMaintenance, or 0 */
	uint64_t		 rng;
	struct fetch_stats	 stats;
	size_t			 pending;
	struct fetch_req	*reqs;		/* every live request */
};

enum fetch_state {
	FETCH_QUEUED,		/* waiting in the throttle's queue */
	FETCH_BACKOFF,		/* waiting for its retry timer */
	FETCH_RUNNING,		/* an easy handle in the multi handle */
};

struct fetch_req {
	struct throttle_waiter	 waiter;	/* first: see req_of(); its
						   key while running */
	struct fetcher		*f;
	enum fetch_state	 state;
	char			*path;
	char			*url;		/* of the last attempt */
	fetch_done_cb		*done;
	void			*arg;
	CURL			*easy;
	struct fetch_hdrs	*hdrs;
	char			 errbuf[CURL_ERROR_SIZE];
	struct easy_body	 body;
	ev_timer		 retry_timer;
	unsigned		 attempts;
	unsigned		 retries;
	unsigned		 refused;	/* attempts on a key then left out */
	unsigned		 throttled;	/* 429s in a row */
	struct fetch_req	*next;		/* in fetcher.reqs */
	struct fetch_req	*prev;
};

/* Drop a reference to h, freeing it (and its key) with the last. */
void	fetchkey_hdrs_unref(struct fetch_hdrs *h);

/*
 * Use the keys opts names from now on (keys with the same bytes keep
 * their counters and the throttle's state; requests running on a key
 * that is gone finish on it).  Returns 0, or -1 on out of memory
 * (nothing changed).
 */
int	fetchkey_set(struct fetcher *, const struct fetch_opts *opts);
/* Free the keys. */
void	fetchkey_free(struct fetcher *);

/* The headers of r's key for its next attempt, counted as a request. */
struct fetch_hdrs *fetchkey_take(struct fetch_req *r);

/*
 * text, the API's reason for an answer to r, into out without a trace of
 * any key.  Returns 0, or -1 on out of memory (out is then empty).
 */
int	fetchkey_redact(const struct fetch_req *r, const char *text, char *out,
	    size_t outlen);

/*
 * r's key was refused (a 403 with the API's reason): when other keys are
 * left, the key carries no more requests (logged once), r is queued again
 * and 1 is returned; with no key left, 0 (r fails as with one key).
 */
int	fetchkey_refused(struct fetch_req *r, const char *reason);

/*
 * A 429 on r's key: pause and slow that key for wait seconds.  Returns
 * what is paused, for the log: "every request" with one key, "key N"
 * with several.
 */
const char *fetchkey_throttled(struct fetch_req *r, double wait, char *buf,
	    size_t buflen);

/* Log the effective rate when it moved far enough from the last logged. */
void	fetchkey_log_rate(struct fetcher *, double now);

#endif
