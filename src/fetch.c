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

#include "api.h"
#include "fetch.h"
#include "log.h"
#include "redact.h"
#include "rng.h"
#include "throttle.h"

#define FETCH_STALL_SPEED	64	/* bytes/s below which a transfer stalls */
#define FETCH_STALL_TIME	5	/* seconds of stall that end a transfer */

/* Headers shared by requests; kept alive while a request uses them. */
struct fetch_hdrs {
	struct curl_slist	*list;
	int			 refs;
};

struct fetcher {
	struct ev_loop		*loop;
	CURLM			*multi;
	ev_timer		 curl_timer;	/* CURLMOPT_TIMERFUNCTION */
	ev_timer		 pump_timer;	/* next throttle decision */
	struct throttle		*throttle;
	struct fetch_opts	 opts;		/* strings owned below */
	char			*base_url;
	char			*user_agent;
	char			*token;		/* secret: only to redact it */
	struct fetch_hdrs	*hdrs;		/* for requests starting now */
	double			 logged_rate;
	unsigned		 throttled_streak;	/* 429s since a success */
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
	struct throttle_waiter	 waiter;	/* first: see req_of() */
	struct fetcher		*f;
	enum fetch_state	 state;
	char			*path;
	char			*url;		/* of the last attempt */
	fetch_done_cb		*done;
	void			*arg;
	CURL			*easy;
	struct fetch_hdrs	*hdrs;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*body;
	size_t			 len;
	size_t			 cap;
	int			 too_large;
	ev_timer		 retry_timer;
	unsigned		 attempts;
	unsigned		 retries;
	unsigned		 throttled;	/* 429s in a row */
	struct fetch_req	*next;		/* in fetcher.reqs */
	struct fetch_req	*prev;
};

/* One ev_io per socket libcurl tells us about. */
struct fetch_sock {
	struct fetcher	*f;
	ev_io		 io;
};

static void	pump(struct fetcher *);

/* The throttle's clock: monotonic, unlike ev_now(), which follows the wall. */
static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

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

static void
hdrs_unref(struct fetch_hdrs *h)
{
	if (h != NULL && --h->refs == 0) {
		curl_slist_free_all(h->list);
		free(h);
	}
}

static struct fetch_hdrs *
hdrs_new(const char *token)
{
	struct fetch_hdrs	*h;
	struct curl_slist	*l = NULL, *n;
	char			*auth;
	size_t			 len;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	len = strlen(token) + sizeof("Authorization: Bearer ");
	if ((auth = malloc(len)) == NULL) {
		free(h);
		return NULL;
	}
	snprintf(auth, len, "Authorization: Bearer %s", token);
	n = curl_slist_append(l, auth);
	explicit_bzero(auth, len);
	free(auth);
	if (n == NULL)
		goto fail;
	l = n;
	if ((n = curl_slist_append(l, "Accept: application/json")) == NULL)
		goto fail;
	h->list = n;
	h->refs = 1;
	return h;
fail:
	curl_slist_free_all(l);
	free(h);
	return NULL;
}

static void
free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* --- libcurl <-> libev glue ------------------------------------------- */

/* Run pump() from the loop soon, outside whatever is calling us. */
static void
pump_soon(struct fetcher *f)
{
	ev_timer_stop(f->loop, &f->pump_timer);
	ev_timer_set(&f->pump_timer, 0., 0.);
	ev_timer_start(f->loop, &f->pump_timer);
}

static void	check_done(struct fetcher *);

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fetch_sock	*s = w->data;
	struct fetcher		*f = s->f;	/* s may be freed below */
	int			 action = 0, running;

	if (revents & EV_READ)
		action |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(f->multi, w->fd, action, &running);
	check_done(f);
}

static void
curl_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fetcher	*f = w->data;
	int		 running;

	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
}

/* CURLMOPT_TIMERFUNCTION: never calls libcurl back from here. */
static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetcher *f = userp;

	ev_timer_stop(f->loop, &f->curl_timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&f->curl_timer, timeout_ms / 1000.0, 0.);
		ev_timer_start(f->loop, &f->curl_timer);
	}
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION */
static int
multi_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *sockp)
{
	struct fetcher		*f = userp;
	struct fetch_sock	*s = sockp;
	int			 events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			ev_io_stop(f->loop, &s->io);
			free(s);
			curl_multi_assign(f->multi, fd, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			fatal("socket state");
		s->f = f;
		s->io.data = s;
		ev_io_init(&s->io, io_cb, fd, events);
		curl_multi_assign(f->multi, fd, s);
	} else {
		ev_io_stop(f->loop, &s->io);
		ev_io_set(&s->io, fd, events);
	}
	ev_io_start(f->loop, &s->io);
	return 0;
}

/* --- one request ------------------------------------------------------ */

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct fetch_req	*r = userp;
	size_t			 n = size * nmemb, want;
	char			*nb;

	if (r->len + n > FETCH_BODY_MAX) {
		r->too_large = 1;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		want = r->cap ? r->cap : 32768;
		while (want < r->len + n + 1)
			want *= 2;
		if (want > FETCH_BODY_MAX + 1)
			want = FETCH_BODY_MAX + 1;
		if ((nb = realloc(r->body, want)) == NULL)
			return 0;
		r->body = nb;
		r->cap = want;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static void
req_free(struct fetch_req *r)
{
	struct fetcher *f = r->f;

	if (r->easy != NULL) {
		curl_multi_remove_handle(f->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	ev_timer_stop(f->loop, &r->retry_timer);
	hdrs_unref(r->hdrs);
	free(r->body);
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
	struct fetcher	*f = r->f;
	CURL		*e;
	char		*url;
	size_t		 len;
	int		 rc;

	len = strlen(f->base_url) + strlen(r->path) + 1;
	if ((url = malloc(len)) == NULL)
		return -1;
	snprintf(url, len, "%s%s", f->base_url, r->path);
	if ((e = curl_easy_init()) == NULL) {
		free(url);
		return -1;
	}
	free(r->url);
	r->url = url;
	hdrs_unref(r->hdrs);
	r->hdrs = f->hdrs;
	r->hdrs->refs++;
	r->easy = e;
	r->len = 0;
	r->too_large = 0;
	r->errbuf[0] = '\0';

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs->list);
	curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(f->opts.timeout * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(f->opts.connect_timeout * 1000));
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)FETCH_STALL_SPEED);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)FETCH_STALL_TIME);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)FETCH_BODY_MAX);
	/*
	 * Waiting to multiplex pays only where TLS can offer HTTP/2.  Over
	 * plain HTTP libcurl learns nothing until the first response, so
	 * every new request would wait behind it, and fail if it hangs.
	 */
	if (strncmp(f->base_url, "https:", 6) == 0)
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_2TLS);
	rc = curl_multi_add_handle(f->multi, e);
	if (rc != CURLM_OK) {
		curl_easy_cleanup(e);
		r->easy = NULL;
		return -1;
	}
	r->state = FETCH_RUNNING;
	r->attempts++;
	f->stats.requests++;
	return 0;
}

/* Seconds the server asked us to wait in Retry-After, or -1. */
static double
retry_after(CURL *e)
{
	struct curl_header	*h;
	char			*end;
	double			 secs;
	time_t			 when;

	if (curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &h) !=
	    CURLHE_OK)
		return -1;
	errno = 0;
	secs = strtod(h->value, &end);
	if (end != h->value && *end == '\0' && errno == 0 && secs >= 0)
		return secs > FETCH_RETRY_AFTER_MAX ? FETCH_RETRY_AFTER_MAX :
		    secs;
	if ((when = curl_getdate(h->value, NULL)) == -1)
		return -1;
	secs = difftime(when, time(NULL));
	if (secs < 0)
		secs = 0;
	return secs > FETCH_RETRY_AFTER_MAX ? FETCH_RETRY_AFTER_MAX : secs;
}

static void
finish(struct fetch_req *r, struct fetch_result *res)
{
	fetch_done_cb	*done = r->done;
	void		*arg = r->arg;
	char		*body = r->body, *url = r->url, *path = r->path;

	res->body = body;
	res->len = r->len;
	res->url = url != NULL ? url : path;
	res->attempts = r->attempts;
	res->retries = r->retries;
	/* The request is gone before the callback, which may free arg. */
	r->body = NULL;
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
	pump(r->f);
}

/* Curl errors that another try cannot fix. */
static int
curl_permanent(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_BAD_CONTENT_ENCODING:
		return 1;
	default:
		return 0;
	}
}

static void
describe(struct fetch_req *r, CURLcode rc, long status,
    struct fetch_result *res)
{
	if (rc == CURLE_OK) {
		if (res->reason[0] != '\0')
			snprintf(res->error, sizeof(res->error),
			    "HTTP %ld (%s)", status, res->reason);
		else
			snprintf(res->error, sizeof(res->error), "HTTP %ld",
			    status);
	} else if (r->too_large || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(res->error, sizeof(res->error),
		    "the response is larger than %d MiB",
		    FETCH_BODY_MAX / (1024 * 1024));
	else
		snprintf(res->error, sizeof(res->error), "%s",
		    r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
}

/*
 * The API's reason for an error answer into out, without a trace of the
 * token: a server or proxy may echo the Authorization header back.  The
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
	if (r->len == 0 || r->len > (SIZE_MAX - 1) / 3)
		return;
	cap = 3 * r->len + 1;
	if ((full = malloc(cap)) == NULL)
		return;
	if (api_error_reason(r->body, r->len, full, cap) == 0 &&
	    redact(full, f->token, out, outlen) == -1)
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

static void
req_done(struct fetch_req *r, CURLcode rc)
{
	struct fetcher		*f = r->f;
	struct fetch_result	 res;
	long			 status = 0;
	double			 wait, now = mono_now();

	memset(&res, 0, sizeof(res));
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		status = 0;
	res.status = status;
	throttle_release(f->throttle);

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

	if (status >= 200 && status < 300) {
		f->throttled_streak = 0;
		res.ok = 1;
		finish(r, &res);
		return;
	}
	if (status != 0)
		server_reason(f, r, res.reason, sizeof(res.reason));
	describe(r, rc, status, &res);

	if (status == 429) {
		/* The server asks us to wait: not a failure of this request. */
		r->throttled++;
		f->throttled_streak++;
		/*
		 * Without Retry-After, at least a second: a throttled key is
		 * commonly blocked for much longer, and the adaptive rate
		 * does the rest.
		 */
		if ((wait = retry_after(r->easy)) < 0)
			wait = 1.0 + backoff(f, f->throttled_streak);
		throttle_throttled(f->throttle, now, wait);
		f->stats.pauses++;
		if (r->throttled <= (unsigned)f->opts.max_retries) {
			log_warnx("GET %s: %s: pausing every request for "
			    "%.1f s", r->url, res.error, wait);
			requeue(r);
			return;
		}
		/* The pause stands; only this request stops asking. */
		f->stats.throttled_out++;
		log_warnx("GET %s: %s: pausing every request for %.1f s; "
		    "this request met %u 429s in a row and is given up "
		    "(limits.max_retries is %d)", r->url, res.error, wait,
		    r->throttled, f->opts.max_retries);
		snprintf(res.error + strlen(res.error), sizeof(res.error) -
		    strlen(res.error), " %u times in a row; given up "
		    "(limits.max_retries is %d)", r->throttled,
		    f->opts.max_retries);
		finish(r, &res);
		return;
	}
	r->throttled = 0;
	if ((status == 0 ? !curl_permanent(rc) : status >= 500) &&
	    r->retries < (unsigned)f->opts.max_retries) {
		r->retries++;
		f->stats.retries++;
		wait = backoff(f, r->retries);
		log_debug("GET %s: %s: retry %u of %d in %.2f s", r->url,
		    res.error, r->retries, f->opts.max_retries, wait);
		curl_multi_remove_handle(f->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		r->state = FETCH_BACKOFF;
		ev_timer_set(&r->retry_timer, wait, 0.);
		ev_timer_start(f->loop, &r->retry_timer);
		return;
	}
	if (r->retries > 0) {
		size_t l = strlen(res.error);

		snprintf(res.error + l, sizeof(res.error) - l,
		    " after %u %s", r->retries,
		    r->retries == 1 ? "retry" : "retries");
	}
	finish(r, &res);
}

/* Drain libcurl's completions, then let waiting requests start. */
static void
check_done(struct fetcher *f)
{
	CURLMsg			*msg;
	struct fetch_req	*r;
	int			 left;

	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
		req_done(r, msg->data.result);
	}
	pump(f);
}

/* Start every request the throttle admits; re-arm for the next one. */
static void
pump(struct fetcher *f)
{
	struct throttle_waiter	*w;
	struct fetch_req	*r;
	double			 wait, now, rate, cur, last, conf, step;

	now = mono_now();
	ev_timer_stop(f->loop, &f->pump_timer);
	while ((w = throttle_next(f->throttle, now, &wait)) != NULL) {
		r = req_of(w);
		if (req_start(r) == -1) {
			struct fetch_result res;

			throttle_release(f->throttle);
			memset(&res, 0, sizeof(res));
			snprintf(res.error, sizeof(res.error),
			    "out of memory starting the request");
			finish(r, &res);
		}
	}
	if (wait > 0) {
		ev_timer_set(&f->pump_timer, wait, 0.);
		ev_timer_start(f->loop, &f->pump_timer);
	}
	/*
	 * Log the effective rate when it drops, when it is back where it was
	 * configured, and in steps of a tenth of the configured rate (at
	 * least 1/s) while it climbs: not on every pass.
	 */
	rate = throttle_rate(f->throttle, now);
	cur = rate == 0 ? INFINITY : rate;
	last = f->logged_rate == 0 ? INFINITY : f->logged_rate;
	conf = f->opts.rate == 0 ? INFINITY : f->opts.rate;
	step = f->opts.rate / 10 > 1 ? f->opts.rate / 10 : 1;
	if (cur != last && (cur < last || cur >= conf || cur - last >= step)) {
		if (rate == 0 && f->opts.rate == 0)
			log_info("request rate back to unlimited, as configured");
		else if (rate >= f->opts.rate && f->opts.rate > 0)
			log_info("request rate back to the configured %g/s",
			    f->opts.rate);
		else if (f->opts.rate == 0)
			log_info("request rate now %.2f/s after a 429 "
			    "(configured: unlimited)", rate);
		else
			log_info("request rate now %.2f/s after a 429 "
			    "(configured %g/s)", rate, f->opts.rate);
		f->logged_rate = rate;
	}
}

static void
pump_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	pump(w->data);
}

/* --- the fetcher ------------------------------------------------------ */

static int
set_opts(struct fetcher *f, const struct fetch_opts *opts)
{
	struct fetch_hdrs	*h;
	char			*base, *ua, *token;

	if ((h = hdrs_new(opts->token)) == NULL)
		return -1;
	base = strdup(opts->base_url);
	ua = strdup(opts->user_agent);
	token = strdup(opts->token);
	if (base == NULL || ua == NULL || token == NULL) {
		free(base);
		free(ua);
		free_secret(token);
		hdrs_unref(h);
		return -1;
	}
	hdrs_unref(f->hdrs);
	free(f->base_url);
	free(f->user_agent);
	free_secret(f->token);
	f->token = token;
	f->hdrs = h;
	f->base_url = base;
	f->user_agent = ua;
	f->opts = *opts;
	f->opts.token = NULL;
	f->opts.base_url = base;
	f->opts.user_agent = ua;
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
	if ((f->multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "cannot initialise libcurl");
		free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, multi_sock_cb);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	ev_timer_init(&f->curl_timer, curl_timer_cb, 0., 0.);
	f->curl_timer.data = f;
	ev_timer_init(&f->pump_timer, pump_cb, 0., 0.);
	f->pump_timer.data = f;
	f->rng = rng_seed();
	f->throttle = throttle_new(opts->max_concurrent, opts->rate,
	    opts->burst, mono_now());
	if (f->throttle == NULL || set_opts(f, opts) == -1) {
		snprintf(err, errlen, "out of memory");
		fetcher_free(f);
		return NULL;
	}
	f->logged_rate = throttle_rate(f->throttle, mono_now());
	return f;
}

int
fetcher_configure(struct fetcher *f, const struct fetch_opts *opts)
{
	if (set_opts(f, opts) == -1)
		return -1;
	throttle_set_limits(f->throttle, opts->max_concurrent, opts->rate,
	    opts->burst, mono_now());
	f->logged_rate = throttle_rate(f->throttle, mono_now());
	pump_soon(f);
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
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	ev_timer_stop(f->loop, &f->curl_timer);
	ev_timer_stop(f->loop, &f->pump_timer);
	throttle_free(f->throttle);
	hdrs_unref(f->hdrs);
	free(f->base_url);
	free(f->user_agent);
	free_secret(f->token);
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
	pump_soon(f);
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
		throttle_release(f->throttle);
		pump_soon(f);
		break;
	}
	req_free(r);
}

const struct fetch_stats *
fetcher_stats(const struct fetcher *f)
{
	return &f->stats;
}

double
fetcher_rate(const struct fetcher *f)
{
	return throttle_rate(f->throttle, mono_now());
}
