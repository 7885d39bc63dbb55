/* easy.h - one GET on a libcurl easy handle: options, body, errors. */
#ifndef CLANPOPD_EASY_H
#define CLANPOPD_EASY_H

#include <stddef.h>

#include <curl/curl.h>

#define EASY_BODY_MAX	(4 * 1024 * 1024)	/* bytes of a body, at most */

/* The body of an answer, capped at EASY_BODY_MAX bytes, NUL-terminated. */
struct easy_body {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 too_large;	/* the cap was hit: the transfer stopped */
};

/* What one GET needs; the strings must outlive the transfer. */
struct easy_opts {
	const char		*url;
	struct curl_slist	*headers;
	const char		*user_agent;
	double			 timeout;		/* seconds, whole */
	double			 connect_timeout;	/* seconds */
};

/*
 * An easy handle for GET opts->url: the body goes to body (emptied
 * first), libcurl's error text to errbuf (CURL_ERROR_SIZE bytes), and
 * private is its CURLOPT_PRIVATE.  HTTP and HTTPS only, certificates
 * verified, no redirects, stalled transfers ended.  NULL on out of memory.
 */
CURL	*easy_get(const struct easy_opts *opts, struct easy_body *body,
	    char *errbuf, void *private);

/*
 * The seconds the answer's Retry-After asks for (a number or an
 * HTTP-date), at most max; -1 when there is none or it cannot be read.
 */
double	 easy_retry_after(CURL *, double max);

/*
 * The answer's Cache-Control max-age in seconds (http_max_age), or -1
 * when it has none.
 */
long	 easy_max_age(CURL *);

/* 1 when another try cannot fix the transport error rc. */
int	 easy_permanent(CURLcode rc);

/*
 * A sentence for an attempt that ended with rc and HTTP status (with
 * the API's reason, or ""), into out.
 */
void	 easy_describe(CURLcode rc, long status, const char *reason,
	    const struct easy_body *body, const char *errbuf, char *out,
	    size_t outlen);

#endif
