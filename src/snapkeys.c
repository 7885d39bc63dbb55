/* snapkeys.c - what index.json and metrics.prom say of the API keys. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "isotime.h"
#include "reqstats.h"
#include "snap.h"
#include "snapkeys.h"

/* A key's state word in index.json. */
static const char *
key_state(const struct fetch_key_stats *k)
{
	if (k->refused)
		return "refused";
	return k->paused > 0 ? "paused" : "usable";
}

/* When a paused key's pause ends, Unix time; 0 when it is not paused. */
static time_t
paused_until(const struct fetch_key_stats *k)
{
	if (k->refused || k->paused <= 0)
		return 0;
	return time(NULL) + (time_t)ceil(k->paused);
}

void
snapkeys_index(FILE *fp, const struct snap_daemon_info *d)
{
	const struct fetch_key_stats	*k;
	char				 until[ISOTIME_LEN + 2];
	time_t				 t;
	char				 stamp[ISOTIME_LEN];
	size_t				 i;

	fprintf(fp, "  \"keys\": [");
	for (i = 0; i < d->nkeys; i++) {
		k = &d->keys[i];
		if ((t = paused_until(k)) != 0) {
			isotime_utc(t, stamp);
			snprintf(until, sizeof(until), "\"%s\"", stamp);
		} else
			snprintf(until, sizeof(until), "null");
		fprintf(fp, "%s\n    { \"key\": %u, \"state\": \"%s\", "
		    "\"paused_until\": %s }", i == 0 ? "" : ",", k->line,
		    key_state(k), until);
	}
	fprintf(fp, "%s],\n", d->nkeys > 0 ? "\n  " : "");
}

/* What a per-key metric shows of a key. */
enum key_value { KV_REQUESTS, KV_THROTTLED, KV_RATE, KV_USABLE, KV_PAUSED };

/* The per-key metrics of metrics.prom, in this order. */
static const struct key_metric {
	const char	*name, *type, *help;
	enum key_value	 value;
} key_metrics[] = {
	{ "clanpopd_key_requests_total", "counter", "Requests sent with the "
	  "API key on line N of the token file.", KV_REQUESTS },
	{ "clanpopd_key_throttled_total", "counter", "429 answers to "
	  "requests sent with the key.", KV_THROTTLED },
	{ "clanpopd_key_request_rate", "gauge", "Effective request rate "
	  "limit of the key in requests per second (0: none).", KV_RATE },
	{ "clanpopd_key_usable", "gauge", "1 while the key may carry "
	  "requests, 0 once the API refused it (until a reload).",
	  KV_USABLE },
	{ "clanpopd_key_paused_until_timestamp_seconds", "gauge", "Unix time "
	  "the key's pause after a 429 ends (0: not paused).", KV_PAUSED },
};

void
snapkeys_metrics(FILE *fp, const struct snap_daemon_info *d)
{
	const struct key_metric		*km;
	const struct fetch_key_stats	*k;
	size_t				 i, j;

	for (j = 0; j < sizeof(key_metrics) / sizeof(*km); j++) {
		km = &key_metrics[j];
		fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", km->name, km->help,
		    km->name, km->type);
		for (i = 0; i < d->nkeys; i++) {
			k = &d->keys[i];
			fprintf(fp, "%s{key=\"%u\"} ", km->name, k->line);
			if (km->value == KV_REQUESTS)
				fprintf(fp, "%lu\n", k->requests);
			else if (km->value == KV_THROTTLED)
				fprintf(fp, "%lu\n", k->status_429);
			else if (km->value == KV_RATE)
				fprintf(fp, "%g\n", k->rate);
			else if (km->value == KV_USABLE)
				fprintf(fp, "%d\n", !k->refused);
			else
				fprintf(fp, "%lld\n", (long long)paused_until(k));
		}
	}
}
