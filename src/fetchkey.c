/* fetchkey.c - the fetcher's API keys: headers, counters, refusals, 429s, reloads. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch.h"
#include "fetchint.h"
#include "httppolicy.h"
#include "log.h"
#include "monotime.h"
#include "redact.h"
#include "throttle.h"
#include "token.h"

static void	key_changed(struct fetcher *);

void
fetchkey_hdrs_unref(struct fetch_hdrs *h)
{
	if (h != NULL && --h->refs == 0) {
		curl_slist_free_all(h->list);
		redact_free(h->secret);
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
	if ((auth = malloc(len)) == NULL || (h->secret = strdup(token)) ==
	    NULL) {
		free(auth);
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
	redact_free(h->secret);
	free(h);
	return NULL;
}

/* The index of the key s among f's keys, or -1. */
static int
key_find(const struct fetcher *f, const char *s)
{
	size_t i;

	for (i = 0; i < f->nkeys; i++)
		if (strcmp(f->keys[i].hdrs->secret, s) == 0)
			return (int)i;
	return -1;
}

static void
keys_free(struct fetch_key *keys, size_t n)
{
	size_t i;

	for (i = 0; keys != NULL && i < n; i++)
		fetchkey_hdrs_unref(keys[i].hdrs);
	free(keys);
}

/* Running requests follow their key to its new place (-1: dropped). */
static void
remap_running(struct fetcher *f, const int *from, size_t n, int *to)
{
	struct fetch_req	*r;
	size_t			 i;

	for (i = 0; i < f->nkeys; i++)
		to[i] = -1;
	for (i = 0; i < n; i++)
		if (from[i] >= 0)
			to[from[i]] = (int)i;
	for (r = f->reqs; r != NULL; r = r->next)
		if (r->state == FETCH_RUNNING && r->waiter.key >= 0)
			r->waiter.key = to[r->waiter.key];
}

int
fetchkey_set(struct fetcher *f, const struct fetch_opts *opts)
{
	const struct token_keys	*tk = opts->keys;
	struct fetch_key	*keys;
	int			*from, *to;
	size_t			 i;

	keys = calloc(tk->n, sizeof(*keys));
	from = calloc(tk->n, sizeof(*from));
	to = calloc(f->nkeys + 1, sizeof(*to));
	if (keys == NULL || from == NULL || to == NULL)
		goto fail;
	for (i = 0; i < tk->n; i++) {
		keys[i].line = tk->line[i];
		if ((from[i] = key_find(f, tk->key[i])) >= 0) {
			keys[i] = f->keys[from[i]];
			keys[i].line = tk->line[i];
			keys[i].hdrs->refs++;
		} else if ((keys[i].hdrs = hdrs_new(tk->key[i])) == NULL)
			goto fail;
	}
	if (throttle_set_keys(f->throttle, tk->n, from, monotime_now()) == -1)
		goto fail;
	remap_running(f, from, tk->n, to);
	keys_free(f->keys, f->nkeys);
	f->keys = keys;
	f->nkeys = tk->n;
	free(from);
	free(to);
	return 0;
fail:
	keys_free(keys, tk->n);
	free(from);
	free(to);
	return -1;
}

void
fetchkey_free(struct fetcher *f)
{
	keys_free(f->keys, f->nkeys);
	f->keys = NULL;
	f->nkeys = 0;
}

struct fetch_hdrs *
fetchkey_take(struct fetch_req *r)
{
	struct fetch_key *k = &r->f->keys[r->waiter.key];

	k->requests++;
	k->hdrs->refs++;
	return k->hdrs;
}

int
fetchkey_redact(const struct fetch_req *r, const char *text, char *out,
    size_t outlen)
{
	const struct fetcher	 *f = r->f;
	const char		**secrets;
	size_t			  i;
	int			  rc;

	if ((secrets = calloc(f->nkeys + 1, sizeof(*secrets))) == NULL) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	for (i = 0; i < f->nkeys; i++)
		secrets[i] = f->keys[i].hdrs->secret;
	secrets[i] = r->hdrs != NULL ? r->hdrs->secret : NULL;
	rc = redact(text, secrets, f->nkeys + 1, out, outlen);
	free(secrets);
	return rc;
}

/* Keys not refused; every key when all are (they are all still used). */
static size_t
keys_in_use(const struct fetcher *f)
{
	struct throttle_key_info	ki;
	size_t				i, n = 0;
	double				now = monotime_now();

	for (i = 0; i < f->nkeys; i++) {
		throttle_key(f->throttle, (int)i, now, &ki);
		if (ki.state != THROTTLE_KEY_REFUSED)
			n++;
	}
	return n > 0 ? n : f->nkeys;
}

int
fetchkey_refused(struct fetch_req *r, const char *reason)
{
	struct fetcher			*f = r->f;
	struct throttle_key_info	 ki;
	const struct fetch_key		*k;
	const char			*why;
	char				 others[48];
	size_t				 left;
	int				 key = r->waiter.key;

	/* A key dropped by a reload meanwhile: try the keys there are now. */
	if (key < 0)
		return 1;
	throttle_key(f->throttle, key, monotime_now(), &ki);
	left = throttle_refused(f->throttle, key);
	if (f->nkeys == 1 || ki.state == THROTTLE_KEY_REFUSED)
		return left > 0;
	key_changed(f);
	k = &f->keys[key];
	why = http_ip_refused(reason) ?
	    "it is not allowed from this address" :
	    "it is not a valid key (wrong, revoked or expired)";
	f->logged_rate = -1;
	if (left == 0) {
		log_errx("key %u (line %u of %s): refused by the API (%s): %s; "
		    "no key is left: every request fails until the token file "
		    "holds a key the API accepts and clanpopd is reloaded",
		    k->line, k->line, f->token_file, reason[0] ? reason :
		    "HTTP 403", why);
		return 0;
	}
	snprintf(others, sizeof(others), "the other %zu keys carry on", left);
	log_warnx("key %u (line %u of %s): refused by the API (%s): %s; %s",
	    k->line, k->line, f->token_file, reason[0] ? reason : "HTTP 403",
	    why, left == 1 ? "the other key carries on" : others);
	return 1;
}

const char *
fetchkey_throttled(struct fetch_req *r, double wait, char *buf,
    size_t buflen)
{
	struct fetcher	*f = r->f;
	int		 key = r->waiter.key;

	throttle_throttled(f->throttle, key, monotime_now(), wait);
	if (key < 0)
		return "no key (its key left the token file)";
	f->keys[key].status_429++;
	key_changed(f);
	if (f->nkeys == 1)
		return "every request";
	snprintf(buf, buflen, "key %u", f->keys[key].line);
	return buf;
}

/*
 * Log the effective rate when it drops, when it is back where it was
 * configured, and in steps of a tenth of the configured rate (at least
 * 1/s) while it climbs: not on every pass.  With several keys the rates
 * are those of all the keys in use together.
 */
void
fetchkey_log_rate(struct fetcher *f, double now)
{
	double	rate, cur, last, conf, step, configured;

	configured = f->opts.rate * (double)keys_in_use(f);
	rate = throttle_rate(f->throttle, now);
	if (f->logged_rate < 0) {
		f->logged_rate = rate;
		return;
	}
	cur = rate == 0 ? INFINITY : rate;
	last = f->logged_rate == 0 ? INFINITY : f->logged_rate;
	conf = configured == 0 ? INFINITY : configured;
	step = configured / 10 > 1 ? configured / 10 : 1;
	if (cur == last || (cur > last && cur < conf && cur - last < step))
		return;
	if (rate == 0 && configured == 0)
		log_info("request rate back to unlimited, as configured");
	else if (rate >= configured && configured > 0)
		log_info("request rate back to the configured %g/s", configured);
	else if (configured == 0)
		log_info("request rate now %.2f/s after a 429 (configured: "
		    "unlimited)", rate);
	else
		log_info("request rate now %.2f/s after a 429 (configured "
		    "%g/s)", rate, configured);
	f->logged_rate = rate;
}

void
fetcher_on_key_change(struct fetcher *f, void (*cb)(void *), void *arg)
{
	f->key_cb = cb;
	f->key_cb_arg = arg;
}

static void
key_changed(struct fetcher *f)
{
	if (f->key_cb != NULL)
		f->key_cb(f->key_cb_arg);
}

size_t
fetcher_nkeys(const struct fetcher *f)
{
	return f->nkeys;
}

void
fetcher_key_stats(const struct fetcher *f, size_t i,
    struct fetch_key_stats *ks)
{
	struct throttle_key_info	ki;

	throttle_key(f->throttle, (int)i, monotime_now(), &ki);
	ks->line = f->keys[i].line;
	ks->refused = ki.state == THROTTLE_KEY_REFUSED;
	ks->paused = ki.paused;
	ks->rate = ki.rate;
	ks->requests = f->keys[i].requests;
	ks->status_429 = f->keys[i].status_429;
}
