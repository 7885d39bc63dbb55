/* httppolicy.h - what each HTTP answer means, decided in one table (pure). */
#ifndef CLANPOPD_HTTPPOLICY_H
#define CLANPOPD_HTTPPOLICY_H

/* What clanpopd does with an answer; docs/ARCHITECTURE.md has the table. */
enum http_action {
	HTTP_DONE,	/* 2xx: the body is the answer */
	HTTP_RETRY,	/* 5xx, a transport error: back off, retry */
	HTTP_PAUSE,	/* 429: pause every request, then retry */
	HTTP_FAIL,	/* 400, 404, other answers: this request fails */
	HTTP_REFUSED	/* 403: the key is refused: the clan's refresh ends */
};

/*
 * The action for an answer with HTTP status (0: none came, a transport
 * error, which is retried unless permanent is set).
 */
enum http_action	http_action(long status, int permanent);

/*
 * Whether the API's reason for a 403 says that the key does not allow
 * this host's IP address ("accessDenied.invalidIp"), rather than that the
 * key itself is not valid: 1 or 0.
 */
int			 http_ip_refused(const char *reason);

/*
 * What to tell the operator about a failed request with this status and
 * the API's reason (may be ""), for a clan request (clan set) or a player
 * request; NULL when the status needs no advice.
 */
const char		*http_hint(long status, const char *reason, int clan);

/*
 * The max-age directive of a Cache-Control header value, in seconds
 * (directives are comma-separated, names case-insensitive; a value of
 * more than 9 digits is taken as 999999999), or -1 when there is none,
 * it has no value, or the value is not decimal digits.
 */
long			 http_max_age(const char *cache_control);

#endif
