/* easy.c - one GET on a libcurl easy handle: options, body, errors. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "easy.h"
#include "httppolicy.h"

#define EASY_STALL_SPEED	64	/* bytes/s below which a transfer stalls */
#define EASY_STALL_TIME		5	/* seconds of stall that end a transfer */

static size_t
body_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct easy_body	*b = userp;
	size_t			 n = size * nmemb, want;
	char			*nb;

	if (b->len + n > EASY_BODY_MAX) {
		b->too_large = 1;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		want = b->cap ? b->cap : 32768;
		while (want < b->len + n + 1)
			want *= 2;
		if (want > EASY_BODY_MAX + 1)
			want = EASY_BODY_MAX + 1;
		if ((nb = realloc(b->data, want)) == NULL)
			return 0;
		b->data = nb;
		b->cap = want;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

CURL *
easy_get(const struct easy_opts *o, struct easy_body *body, char *errbuf,
    void *private)
{
	CURL *e;

	if ((e = curl_easy_init()) == NULL)
		return NULL;
	body->len = 0;
	body->too_large = 0;
	errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, o->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, private);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, o->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent);
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
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(o->connect_timeout * 1000));
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)EASY_STALL_SPEED);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)EASY_STALL_TIME);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)EASY_BODY_MAX);
	/*
	 * Waiting to multiplex pays only where TLS can offer HTTP/2.  Over
	 * plain HTTP libcurl learns nothing until the first response, so
	 * every new request would wait behind it, and fail if it hangs.
	 */
	if (strncmp(o->url, "https:", 6) == 0)
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_2TLS);
	return e;
}

double
easy_retry_after(CURL *e, double max)
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
		return secs > max ? max : secs;
	if ((when = curl_getdate(h->value, NULL)) == -1)
		return -1;
	secs = difftime(when, time(NULL));
	if (secs < 0)
		secs = 0;
	return secs > max ? max : secs;
}

long
easy_max_age(CURL *e)
{
	struct curl_header *h;

	if (curl_easy_header(e, "Cache-Control", 0, CURLH_HEADER, -1, &h) !=
	    CURLHE_OK)
		return -1;
	return http_max_age(h->value);
}

int
easy_permanent(CURLcode rc)
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

void
easy_describe(CURLcode rc, long status, const char *reason,
    const struct easy_body *body, const char *errbuf, char *out,
    size_t outlen)
{
	if (rc == CURLE_OK) {
		if (reason[0] != '\0')
			snprintf(out, outlen, "HTTP %ld (%s)", status, reason);
		else
			snprintf(out, outlen, "HTTP %ld", status);
	} else if (body->too_large || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(out, outlen, "the response is larger than %d MiB",
		    EASY_BODY_MAX / (1024 * 1024));
	else
		snprintf(out, outlen, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
}
