/* fetch.h - HTTP GETs on libcurl's multi-socket API, driven by libev. */
#ifndef CLANPOPD_FETCH_H
#define CLANPOPD_FETCH_H

#include <stddef.h>
#include <time.h>

#include <ev.h>

#include "reqstats.h"

#define FETCH_BACKOFF_BASE	0.5	/* seconds */
#define FETCH_BACKOFF_CAP	30.0	/* seconds */
#define FETCH_RETRY_AFTER_MAX	900.0	/* seconds: Retry-After is capped */

struct token_keys;

struct fetch_opts {
	const char	*base_url;	/* "https://host/v1", no trailing '/' */
	const struct token_keys *keys;	/* secret: never logged */
	const char	*token_file;	/* where the keys are, for the log */
	const char	*user_agent;
	double		 timeout;	/* seconds, whole request */
	double		 connect_timeout;	/* seconds */
	int		 max_concurrent;	/* in flight, all keys together */
	double		 rate;		/* requests per second per key,
					   0 = unlimited */
	double		 burst;		/* per key */
	int		 max_retries;	/* after errors; and 429s in a row */
	/*
	 * Copy the "reason" of an error body into reason (api_error_reason):
	 * the transport does not read the game's bodies itself.  NULL: none.
	 */
	int		(*reason_of)(const char *body, size_t len, char *reason,
			    size_t reasonlen);
};

/* How a request ended, as handed to its done callback. */
struct fetch_result {
	int		 ok;		/* a 2xx answer with its whole body */
	long		 status;	/* HTTP status, 0 when none arrived */
	const char	*body;		/* the body (also for errors); valid
					   only during the callback */
	size_t		 len;
	const char	*url;		/* what was asked for; no secret in it */
	char		 reason[64];	/* the API's "reason", or "" */
	char		 error[384];	/* when !ok, a sentence without URL */
	unsigned	 attempts;	/* requests sent for this fetch */
	unsigned	 retries;	/* of them, retries after errors */
	unsigned	 refused;	/* of them, answered by a 403 that left
					   their key out; sent again on another */
	long		 max_age;	/* when ok: the answer's Cache-Control
					   max-age, seconds; -1: none */
};

struct fetcher;
struct fetch_req;

typedef void	 fetch_done_cb(void *arg, const struct fetch_result *);

/*
 * A fetcher on loop with the given options (copied, keys too).  Every
 * request it makes passes one throttle built from opts, with a token
 * bucket per key.  Returns NULL with a sentence in err on failure.
 * fetcher_free aborts whatever is still running without calling
 * callbacks.
 */
struct fetcher	*fetcher_new(struct ev_loop *loop,
		    const struct fetch_opts *opts, char *err, size_t errlen);
void		 fetcher_free(struct fetcher *);

/*
 * Apply new options (a reload): requests that start from now on use the
 * new keys, URL and timeouts; requests running finish on their key.  A
 * key still in the token file keeps its bucket, pause and counters (and
 * is tried again if it was refused); limits apply to the running
 * throttle.  Returns 0, or -1 on out of memory (the old options stay).
 */
int		 fetcher_configure(struct fetcher *,
		    const struct fetch_opts *opts);

/*
 * Queue GET base_url + path (path starts with '/', already URL-encoded).
 * done is called exactly once, later, from the event loop, unless the
 * request is cancelled first.  Returns NULL on out of memory.
 */
struct fetch_req *fetch_get(struct fetcher *, const char *path,
		    fetch_done_cb *done, void *arg);

/* Abort a request that has not completed; its callback is not called. */
void		 fetch_cancel(struct fetch_req *);

const struct fetch_stats *fetcher_stats(const struct fetcher *);
/* The throttle's effective rate now, requests/s (0 = unlimited). */
double		 fetcher_rate(const struct fetcher *);
/*
 * Call cb(arg) whenever a key is paused by a 429 or refused by the API,
 * so that the reports show it; cb NULL: none.
 */
void		 fetcher_on_key_change(struct fetcher *, void (*cb)(void *),
		    void *arg);
/*
 * The wall-clock time of the last 503 inMaintenance answer, or 0 when
 * none came since the fetcher was made.
 */
time_t		 fetcher_maintenance(const struct fetcher *);
/* The number of API keys. */
size_t		 fetcher_nkeys(const struct fetcher *);
/* What key i (0 to fetcher_nkeys() - 1, in file order) is now, into *ks. */
void		 fetcher_key_stats(const struct fetcher *, size_t i,
		    struct fetch_key_stats *ks);

#endif
