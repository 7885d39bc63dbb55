/* confkeys.h - the keys of clanpopd.yaml: one table row each (pure). */
#ifndef CLANPOPD_CONFKEYS_H
#define CLANPOPD_CONFKEYS_H

#include "confval.h"

/*
 * The rows of confkeys, in the order the messages list them: a section's
 * row, then its keys.  "clans[]" is the section of a clan's mapping.
 */
enum confkey {
	CONFKEY_API,
	CONFKEY_BASE_URL,
	CONFKEY_TOKEN_FILE,
	CONFKEY_TIMEOUT,
	CONFKEY_CONNECT_TIMEOUT,
	CONFKEY_USER_AGENT,
	CONFKEY_LIMITS,
	CONFKEY_MAX_CONCURRENT,
	CONFKEY_REQUESTS_PER_SECOND,
	CONFKEY_BURST,
	CONFKEY_MAX_RETRIES,
	CONFKEY_SCHEDULE,
	CONFKEY_INTERVAL,
	CONFKEY_JITTER,
	CONFKEY_STOP_GRACE,
	CONFKEY_REUSE_UNSEEN,
	CONFKEY_PROFILE_MAX_AGE,
	CONFKEY_SEEN_MARGIN,
	CONFKEY_OUTPUT,
	CONFKEY_DIRECTORY,
	CONFKEY_HISTORY,
	CONFKEY_DATABASE,
	CONFKEY_RETENTION,
	CONFKEY_TREND_WINDOW,
	CONFKEY_CLANS,
	CONFKEY_CLAN_TAG,
	CONFKEY_CLAN_NAME,
	CONFKEY_CLAN_INTERVAL,
	CONFKEY_N
};

/*
 * Every key, read by confval_map into a struct conf (a clan's keys into a
 * struct conf_clan).  What depends on more than one key (defaults from
 * other keys or the environment, checks across keys) is conf.c's.
 */
extern const struct confval_key confkeys[CONFKEY_N];

#endif
