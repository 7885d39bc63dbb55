/* fetch.c - HTTP GETs on libcurl's multi-socket API, driven by libev. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <ev.h>

#include "curlev.h"
#include "easy.h"
#include "fetch.h"
#include "fetchint.h"
#include "httppolicy.h"
#include "log.h"
#include "monotime.h"
#include "rng.h"
#include "throttle.h"


static void	start_admitted(struct fetcher *);

static struct fetch_req *
req_of(struct throttle_waiter *w)
{
	return (struct fetch_req *)(void *)w;
}

/* Exponential backoff with full jitter for the n-th wait (n >= 1). */
static double
backoff(struct fetcher *f, unsigned n)
{
	double cap = FETCH_BACKOFF_BASE * pow(2.0, (double)(n - 1));

	if (cap > FETCH_BACKOFF_CAP)
		cap = FETCH_BACKOFF_CAP;
	return cap * rng_uniform(&f->rng);
}

/* Run start_admitted() from the loop soon, outside whatever is calling us. */
static void
start_soon(struct fetcher *f)
{
	ev_timer_stop(f->loop, &f->start_timer);
	ev_timer_set(&f->start_timer, 0., 0.);
	ev_timer_start(f->loop, &f->start_timer);
}

/* --- one request ------------------------------------------------------ */

static void
req_free(struct fetch_req *r)
{
	struct fetcher *f = r->f;

	if (r->easy != NULL) {
		curl_multi_remove_handle(f->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	ev_timer_stop(f->loop, &r->retry_timer);
	fetchkey_hdrs_unref(r->hdrs);
	free(r->body.data);
	free(r->path);
	free(r->url);
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		f->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	free(r);
	f->pending--;
}

static int
req_start(struct fetch_req *r)
{
	struct fetcher		*f = r->f;
	struct easy_opts	 eo;
	CURL			*e;
	char			*url;
	size_t			 len;

	len = strlen(f->base_url) + strlen(r->path) + 1;
	if ((url = malloc(len)) == NULL)
		return -1;
	snprintf(url, len, "%s%s", f->base_url, r->path);
	free(r->url);
	r->url = url;
	fetchkey_hdrs_unref(r->hdrs);
	r->hdrs = fetchkey_take(r);
	eo.url = url;
	eo.headers = r->hdrs->list;
	eo.user_agent = f->user_agent;
	eo.timeout = f->opts.timeout;
	eo.connect_timeout = f->opts.connect_timeout;
	if ((e = easy_get(&eo, &r->body, r->errbuf, r)) == NULL)
		return -1;
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return -1;
	}
	r->easy = e;
	r->state = FETCH_RUNNING;
	r->attempts++;
	f->stats.requests++;
	return 0;
}

static void
req_finish(struct fetch_req *r, struct fetch_result *res)
{
	fetch_done_cb	*done = r->done;
	void		*arg = r->arg;
	char		*body = r->body.data, *url = r->url, *path = r->path;

	res->body = body;
	res->len = r->body.len;
	res->url = url != NULL ? url : path;
	res->attempts = r->attempts;
	res->retries = r->retries;
	res->refused = r->refused;
	/* The request is gone before the callback, which may free arg. */
	r->body.data = NULL;
	r->url = NULL;
	r->path = NULL;
	req_free(r);
	done(arg, res);
	free(body);
	free(url);
	free(path);
}

static void
retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fetch_req *r = w->data;

	r->state = FETCH_QUEUED;
	throttle_enqueue(r->f->throttle, &r->waiter, 1);
	start_admitted(r->f);
}

/*
 * The API's reason for an error answer into out, without a trace of any
 * key: a server or proxy may echo the Authorization header back.  The
 * whole reason is redacted before it is cut to fit.
 */
static void
server_reason(struct fetcher *f, const struct fetch_req *r, char *out,
    size_t outlen)
{
	char	*full;
	size_t	 cap;

	out[0] = '\0';
	/* Sanitising turns a byte into at most 3 (U+FFFD). */
	if (r->body.len == 0 || r->body.len > (SIZE_MAX - 1) / 3)
		return;
	cap = 3 * r->body.len + 1;
	if ((full = malloc(cap)) == NULL)
		return;
	if (f->opts.reason_of != NULL &&
	    f->opts.reason_of(r->body.data, r->body.len, full, cap) == 0 &&
	    fetchkey_redact(r, full, out, outlen) == -1)
		out[0] = '\0';
	free(full);
}

/* Put r back in the throttle's queue after a 429 answer. */
static void
requeue(struct fetch_req *r)
{
	struct fetcher *f = r->f;

	curl_multi_remove_handle(f->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	r->state = FETCH_QUEUED;
	throttle_enqueue(f->throttle, &r->waiter, 1);
}

/* Count an answer in the daemon-wide statistics. */
static void
count_status(struct fetcher *f, long status)
{
	if (status == 0)
		f->stats.transport_errors++;
	else if (status >= 200 && status < 300)
		f->stats.status_2xx++;
	else if (status == 429)
		f->stats.status_429++;
	else if (status >= 400 && status < 500)
		f->stats.status_4xx++;
	else if (status >= 500 && status < 600)
		f->stats.status_5xx++;
	else
		f->stats.status_other++;
}

/*
 * A 429: pause r's key (with one key, every request) and queue r again,
 * unless it met more than max_retries 429s in a row.  Returns 1 when r
 * was queued again, 0 when it is given up (res->error says so).
 */
static int
req_throttled(struct fetch_req *r, struct fetch_result *res)
{
	struct fetcher	*f = r->f;
	const char	*what;
	char		 buf[32];
	double		 wait;

	/* The server asks us to wait: not a failure of this request. */
	r->throttled++;
	f->throttled_streak++;
	/*
	 * Without Retry-After, at least a second: a throttled key is
	 * commonly blocked for much longer, and the adaptive rate does the
	 * rest.
	 */
	if ((wait = easy_retry_after(r->easy, FETCH_RETRY_AFTER_MAX)) < 0)
		wait = 1.0 + backoff(f, f->throttled_streak);
	what = fetchkey_throttled(r, wait, buf, sizeof(buf));
	f->stats.pauses++;
	if (r->throttled <= (unsigned)f->opts.max_retries) {
		log_warnx("GET %s: %s: pausing %s for %.1f s", r->url,
		    res->error, what, wait);
		requeue(r);
		return 1;
	}
	/* The pause stands; only this request stops asking. */
	f->stats.throttled_out++;
	log_warnx("GET %s: %s: pausing %s for %.1f s; this request met %u "
	    "429s in a row and is given up (limits.max_retries is %d)",
	    r->url, res->error, what, wait, r->throttled,
	    f->opts.max_retries);
	snprintf(res->error + strlen(res->error), sizeof(res->error) -
	    strlen(res->error), " %u times in a row; given up "
	    "(limits.max_retries is %d)", r->throttled, f->opts.max_retries);
	return 0;
}

/*
 * Try r again after a back-off, unless its retries are used up.  Returns
 * 1 when a retry is due, else 0.
 */
static int
req_retry(struct fetch_req *r, const struct fetch_result *res)
{
	struct fetcher	*f = r->f;
	double		 wait;

	if (r->retries < (unsigned)f->opts.max_retries) {
		r->retries++;
		f->stats.retries++;
		wait = backoff(f, r->retries);
		log_debug("GET %s: %s: retry %u of %d in %.2f s", r->url,
		    res->error, r->retries, f->opts.max_retries, wait);
		curl_multi_remove_handle(f->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		r->state = FETCH_BACKOFF;
		ev_timer_set(&r->retry_timer, wait, 0.);
		ev_timer_start(f->loop, &r->retry_timer);
		return 1;
	}
	return 0;
}

/* One attempt of r ended: finish it, or try it again (httppolicy.c). */
static void
req_done(struct fetch_req *r, CURLcode rc)
{
	struct fetcher		*f = r->f;
	struct fetch_result	 res;
	enum http_action	 action;
	long			 status = 0;

	memset(&res, 0, sizeof(res));
	res.max_age = -1;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		status = 0;
	res.status = status;
	throttle_release(f->throttle, r->waiter.key);
	count_status(f, status);
	action = http_action(status, rc != CURLE_OK && easy_permanent(rc));
	if (status != 0 && action != HTTP_REFUSED)
		throttle_answered(f->throttle, r->waiter.key);
	if (action == HTTP_DONE) {
		f->throttled_streak = 0;
		res.ok = 1;
		res.max_age = easy_max_age(r->easy);
		req_finish(r, &res);
		return;
	}
	if (status != 0)
		server_reason(f, r, res.reason, sizeof(res.reason));
	/* A game update may change profiles without a login: see refresh.c. */
	if (status == 503 && strcmp(res.reason, "inMaintenance") == 0)
		f->maintenance = time(NULL);
	easy_describe(rc, status, res.reason, &r->body, r->errbuf, res.error,
	    sizeof(res.error));
	if (action == HTTP_PAUSE) {
		if (req_throttled(r, &res))
			return;
		req_finish(r, &res);
		return;
	}
	/* Another key may be accepted: neither a failure nor a retry. */
	if (action == HTTP_REFUSED && fetchkey_refused(r, res.reason)) {
		r->refused++;
		requeue(r);
		return;
	}
	r->throttled = 0;
	if (action == HTTP_RETRY && req_retry(r, &res))
		return;
	if (r->retries > 0)
		snprintf(res.error + strlen(res.error), sizeof(res.error) -
		    strlen(res.error), " after %u %s", r->retries,
		    r->retries == 1 ? "retry" : "retries");
	req_finish(r, &res);
}

/* curlev: a transfer ended. */
static void
transfer_done_cb(void *arg, CURL *easy, CURLcode result)
{
	struct fetch_req *r;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, &r);
	req_done(r, result);
}

/* curlev: the completions are handled; let waiting requests start. */
static void
transfers_turn_cb(void *arg)
{
	start_admitted(arg);
}

/* Start every request the throttle admits; re-arm for the next one. */
static void
start_admitted(struct fetcher *f)
{
	struct throttle_waiter	*w;
	struct fetch_req	*r;
	double			 wait, now;

	now = monotime_now();
	ev_timer_stop(f->loop, &f->start_timer);
	while ((w = throttle_next(f->throttle, now, &wait)) != NULL) {
		r = req_of(w);
		if (req_start(r) == -1) {
			struct fetch_result res;

			throttle_release(f->throttle, w->key);
			memset(&res, 0, sizeof(res));
			snprintf(res.error, sizeof(res.error),
			    "out of memory starting the request");
			req_finish(r, &res);
		}
	}
	if (wait > 0) {
		ev_timer_set(&f->start_timer, wait, 0.);
		ev_timer_start(f->loop, &f->start_timer);
	}
	fetchkey_log_rate(f, now);
}

static void
start_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	start_admitted(w->data);
}

/* --- the fetcher ------------------------------------------------------ */

static int
set_opts(struct fetcher *f, const struct fetch_opts *opts)
{
	char	*base, *ua, *tf;

	base = strdup(opts->base_url);
	ua = strdup(opts->user_agent);
	tf = strdup(opts->token_file);
	if (base == NULL || ua == NULL || tf == NULL ||
	    fetchkey_set(f, opts) == -1) {
		free(base);
		free(ua);
		free(tf);
		return -1;
	}
	free(f->base_url);
	free(f->user_agent);
	free(f->token_file);
	f->base_url = base;
	f->user_agent = ua;
	f->token_file = tf;
	f->opts = *opts;
	f->opts.keys = NULL;
	f->opts.base_url = base;
	f->opts.user_agent = ua;
	f->opts.token_file = tf;
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)opts->max_concurrent);
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS,
	    (long)opts->max_concurrent);
	return 0;
}

struct fetcher *
fetcher_new(struct ev_loop *loop, const struct fetch_opts *opts, char *err,
    size_t errlen)
{
	struct fetcher	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->loop = loop;
	if ((f->cv = curlev_new(loop, transfer_done_cb, transfers_turn_cb,
	    f)) == NULL) {
		snprintf(err, errlen, "cannot initialise libcurl");
		free(f);
		return NULL;
	}
	f->multi = curlev_multi(f->cv);
	ev_timer_init(&f->start_timer, start_cb, 0., 0.);
	f->start_timer.data = f;
	f->rng = rng_seed();
	f->throttle = throttle_new(opts->max_concurrent, opts->rate,
	    opts->burst, monotime_now());
	if (f->throttle == NULL || set_opts(f, opts) == -1) {
		snprintf(err, errlen, "out of memory");
		fetcher_free(f);
		return NULL;
	}
	f->logged_rate = throttle_rate(f->throttle, monotime_now());
	return f;
}

int
fetcher_configure(struct fetcher *f, const struct fetch_opts *opts)
{
	if (set_opts(f, opts) == -1)
		return -1;
	throttle_set_limits(f->throttle, opts->max_concurrent, opts->rate,
	    opts->burst, monotime_now());
	f->logged_rate = throttle_rate(f->throttle, monotime_now());
	start_soon(f);
	return 0;
}

void
fetcher_free(struct fetcher *f)
{
	if (f == NULL)
		return;
	if (f->pending != 0)
		log_debug("aborting %zu requests", f->pending);
	while (f->reqs != NULL)
		fetch_cancel(f->reqs);
	curlev_free(f->cv);
	ev_timer_stop(f->loop, &f->start_timer);
	fetchkey_free(f);
	throttle_free(f->throttle);
	free(f->base_url);
	free(f->user_agent);
	free(f->token_file);
	free(f);
}

struct fetch_req *
fetch_get(struct fetcher *f, const char *path, fetch_done_cb *done,
    void *arg)
{
	struct fetch_req *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->path = strdup(path)) == NULL) {
		free(r);
		return NULL;
	}
	r->f = f;
	r->done = done;
	r->arg = arg;
	r->state = FETCH_QUEUED;
	ev_timer_init(&r->retry_timer, retry_cb, 0., 0.);
	r->retry_timer.data = r;
	f->pending++;
	if ((r->next = f->reqs) != NULL)
		r->next->prev = r;
	f->reqs = r;
	throttle_enqueue(f->throttle, &r->waiter, 0);
	start_soon(f);
	return r;
}

void
fetch_cancel(struct fetch_req *r)
{
	struct fetcher *f = r->f;

	switch (r->state) {
	case FETCH_QUEUED:
		throttle_remove(f->throttle, &r->waiter);
		break;
	case FETCH_BACKOFF:
		break;
	case FETCH_RUNNING:
		throttle_release(f->throttle, r->waiter.key);
		start_soon(f);
		break;
	}
	req_free(r);
}

const struct fetch_stats *
fetcher_stats(const struct fetcher *f)
{
	return &f->stats;
}

time_t
fetcher_maintenance(const struct fetcher *f)
{
	return f->maintenance;
}

double
fetcher_rate(const struct fetcher *f)
{
	return throttle_rate(f->throttle, monotime_now());
}
