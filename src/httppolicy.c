/* httppolicy.c - what each HTTP answer means, decided in one table (pure). */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "httppolicy.h"

/* Checked in order: the first range that holds the status decides. */
static const struct http_rule {
	long			 lo, hi;
	enum http_action	 action;
} http_rules[] = {
	{ 200, 299, HTTP_DONE },
	{ 403, 403, HTTP_REFUSED },
	{ 429, 429, HTTP_PAUSE },
	{ 400, 499, HTTP_FAIL },
	{ 500, 599, HTTP_RETRY },
};

enum http_action
http_action(long status, int permanent)
{
	size_t i;

	if (status == 0)
		return permanent ? HTTP_FAIL : HTTP_RETRY;
	for (i = 0; i < sizeof(http_rules) / sizeof(http_rules[0]); i++)
		if (status >= http_rules[i].lo && status <= http_rules[i].hi)
			return http_rules[i].action;
	return HTTP_FAIL;
}

int
http_ip_refused(const char *reason)
{
	return strcmp(reason, "accessDenied.invalidIp") == 0;
}

const char *
http_hint(long status, const char *reason, int clan)
{
	if (status == 403 && http_ip_refused(reason))
		return "the API key does not allow this host's IP address: "
		    "add the address to the key on the developer portal, or "
		    "use a proxy base_url with a key made for the proxy";
	if (status == 403)
		return "the API refused the token: check that the token file "
		    "holds a valid, unrevoked key";
	if (status == 404 && clan)
		return "there is no clan with this tag; check the tag in the "
		    "configuration";
	return NULL;
}

long
http_max_age(const char *v)
{
	const char	*p = v;
	long		 secs;
	size_t		 n;

	while (*p != '\0') {
		p += strspn(p, " \t,");
		if (strncasecmp(p, "max-age", 7) == 0 &&
		    p[7 + strspn(p + 7, " \t")] == '=') {
			p += 7 + strspn(p + 7, " \t") + 1;
			p += strspn(p, " \t");
			if (*p == '"')
				p++;
			if ((n = strspn(p, "0123456789")) == 0)
				return -1;
			if (n > 9)
				return 999999999;
			for (secs = 0; n > 0; n--, p++)
				secs = secs * 10 + (*p - '0');
			return secs;
		}
		p += strcspn(p, ",");
	}
	return -1;
}
