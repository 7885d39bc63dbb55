/* t_httppolicy.c - unit tests for httppolicy.c: the table of answers. */
#include "config.h"

#include <stdio.h>

#include "httppolicy.h"
#include "tap.h"

static void
test_max_age(void)
{
	static const struct {
		const char	*v;
		long		 want;
	} cases[] = {
		{ "max-age=60", 60 },
		{ "public, max-age=120", 120 },
		{ "MAX-AGE=5, public", 5 },
		{ "max-age = 7", 7 },
		{ "max-age=\"30\"", 30 },
		{ "max-age=0", 0 },
		{ "max-age=1234567890", 999999999 },
		{ "s-maxage=60", -1 },
		{ "no-cache", -1 },
		{ "max-age", -1 },
		{ "max-age=", -1 },
		{ "max-age=-5", -1 },
		{ "max-age=x", -1 },
		{ "", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_int(http_max_age(cases[i].v), cases[i].want,
		    "max-age of \"%s\"", cases[i].v);
}

int
main(void)
{
	test_max_age();
	static const struct {
		long	status;
		int	permanent;
		int	action;
	} cases[] = {
		{ 200, 0, HTTP_DONE }, { 204, 0, HTTP_DONE },
		{ 299, 0, HTTP_DONE }, { 400, 0, HTTP_FAIL },
		{ 401, 0, HTTP_FAIL }, { 403, 0, HTTP_REFUSED },
		{ 404, 0, HTTP_FAIL }, { 429, 0, HTTP_PAUSE },
		{ 499, 0, HTTP_FAIL }, { 500, 0, HTTP_RETRY },
		{ 503, 0, HTTP_RETRY }, { 599, 0, HTTP_RETRY },
		{ 0, 0, HTTP_RETRY }, { 0, 1, HTTP_FAIL },
		{ 100, 0, HTTP_FAIL }, { 301, 0, HTTP_FAIL },
		{ 600, 0, HTTP_FAIL }, { 429, 1, HTTP_PAUSE },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_int(http_action(cases[i].status, cases[i].permanent),
		    cases[i].action, "HTTP %ld%s", cases[i].status,
		    cases[i].permanent ? " (permanent)" : "");
	tap_int(http_ip_refused("accessDenied.invalidIp"), 1,
	    "accessDenied.invalidIp: the address is refused");
	tap_int(http_ip_refused("accessDenied"), 0,
	    "accessDenied: the key is refused, not the address");
	tap_int(http_ip_refused(""), 0, "no reason: not the address");
	tap_str(http_hint(403, "accessDenied.invalidIp", 0), "the API key "
	    "does not allow this host's IP address: add the address to the key "
	    "on the developer portal, or use a proxy base_url with a key made "
	    "for the proxy", "403 invalidIp: add the address");
	tap_str(http_hint(403, "accessDenied", 1), "the API refused the token: "
	    "check that the token file holds a valid, unrevoked key",
	    "403: check the token");
	tap_str(http_hint(403, "", 0), "the API refused the token: check that "
	    "the token file holds a valid, unrevoked key",
	    "403 without a reason: check the token");
	tap_str(http_hint(404, "notFound", 1), "there is no clan with this "
	    "tag; check the tag in the configuration", "404 clan: the tag");
	tap_str(http_hint(404, "notFound", 0), NULL,
	    "404 player: no advice (a member may have left)");
	tap_str(http_hint(503, "inMaintenance", 1), NULL, "503: no advice");
	return tap_done();
}
