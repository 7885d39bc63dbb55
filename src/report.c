/*
 * report.c - the reports: index.json and metrics.prom (every clan at a
 * glance, the daemon's counters, each API key), and cards.json through
 * family.c, written at most a second after a change.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "family.h"
#include "isotime.h"
#include "layout.h"
#include "looplag.h"
#include "outdir.h"
#include "report.h"
#include "tag.h"
#include "tally.h"

static struct json_object *
report_jstr(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

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

static void
keys_index(FILE *fp, const struct report_daemon *d)
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

static void
keys_metrics(FILE *fp, const struct report_daemon *d)
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

static struct json_object *
jtime(time_t t)
{
	char buf[ISOTIME_LEN];

	if (t == 0)
		return NULL;
	isotime_utc(t, buf);
	return json_object_new_string(buf);
}

/* One clan's entry of index.json, as a json-c object (caller puts). */
static struct json_object *
index_entry(const struct report_clan *ci)
{
	struct json_object	*e;
	char			 file[TAG_MAX + 16];

	if ((e = json_object_new_object()) == NULL)
		return NULL;
	snprintf(file, sizeof(file), LAYOUT_CLANS "/%s" LAYOUT_JSON,
	    ci->tag + 1);
	json_object_object_add(e, "tag", json_object_new_string(ci->tag));
	json_object_object_add(e, "name", report_jstr(ci->name));
	json_object_object_add(e, "label", report_jstr(ci->label));
	json_object_object_add(e, "snapshot", ci->last_success ?
	    json_object_new_string(file) : NULL);
	json_object_object_add(e, "last_success", jtime(ci->last_success));
	json_object_object_add(e, "last_attempt", jtime(ci->last_attempt));
	json_object_object_add(e, "last_error", report_jstr(ci->last_error));
	json_object_object_add(e, "consecutive_failures",
	    json_object_new_int64(ci->consecutive_failures));
	/* Whole seconds: what a dashboard needs to call a clan stale. */
	json_object_object_add(e, "interval_s",
	    json_object_new_int64((int64_t)(ci->interval + 0.5)));
	json_object_object_add(e, "complete", ci->has_result ||
	    ci->last_success ? json_object_new_boolean(ci->complete) : NULL);
	json_object_object_add(e, "reused", ci->has_result ?
	    json_object_new_int64((int64_t)ci->fig->reused) : NULL);
	return e;
}

/*
 * index.json, written clan by clan so that memory does not grow with the
 * number of clans.
 */
/* index.json's "history" member: null when there is no database. */
static int
index_history(FILE *fp, const struct report_history *h)
{
	struct json_object	*o;
	const char		*txt;

	if (h->database == NULL) {
		fprintf(fp, "  \"history\": null,\n");
		return 0;
	}
	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "database", report_jstr(h->database));
	json_object_object_add(o, "ok", json_object_new_boolean(h->error ==
	    NULL));
	json_object_object_add(o, "error", report_jstr(h->error));
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (txt != NULL)
		fprintf(fp, "  \"history\": %s,\n", txt);
	json_object_put(o);
	return txt != NULL ? 0 : -1;
}

int
report_index_write(FILE *fp, const struct report_daemon *d,
    const struct report_clan *ci, size_t n)
{
	struct json_object	*e;
	const char		*txt, *nl;
	char			 started[ISOTIME_LEN] = "", now[ISOTIME_LEN];
	size_t			 i;

	if (d->started != 0)
		isotime_utc(d->started, started);
	isotime_utc(time(NULL), now);
	fprintf(fp, "{\n  \"version\": \"%s\",\n", d->version);
	if (d->started != 0)
		fprintf(fp, "  \"started_at\": \"%s\",\n", started);
	else
		fprintf(fp, "  \"started_at\": null,\n");
	fprintf(fp, "  \"generated_at\": \"%s\",\n", now);
	keys_index(fp, d);
	fprintf(fp, "  \"profiles\": {\"stored\": %zu, \"read_total\": %lu, "
	    "\"reused_total\": %lu},\n", d->profiles, d->players_read,
	    d->players_reused);
	if (index_history(fp, &d->history) == -1)
		return -1;
	fprintf(fp, "  \"clans\": [");
	for (i = 0; i < n; i++) {
		if ((e = index_entry(&ci[i])) == NULL)
			return -1;
		txt = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PRETTY |
		    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (txt == NULL) {
			json_object_put(e);
			return -1;
		}
		fprintf(fp, "%s\n", i == 0 ? "" : ",");
		/* Indent the entry's lines by two levels. */
		for (; *txt != '\0'; txt = nl + 1) {
			if ((nl = strchr(txt, '\n')) == NULL)
				nl = txt + strlen(txt) - 1;
			fprintf(fp, "    %.*s", (int)(nl - txt + 1), txt);
		}
		json_object_put(e);
	}
	fprintf(fp, "%s]\n}\n", n > 0 ? "\n  " : "");
	return ferror(fp) ? -1 : 0;
}

/* A label value escaped per the Prometheus text format. */
static void
plabel(FILE *fp, const char *v)
{
	for (; v != NULL && *v != '\0'; v++) {
		if (*v == '\\')
			fputs("\\\\", fp);
		else if (*v == '"')
			fputs("\\\"", fp);
		else if (*v == '\n')
			fputs("\\n", fp);
		else
			putc(*v, fp);
	}
}

static void
phead(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
pclan(FILE *fp, const char *metric, const char *tag)
{
	fprintf(fp, "%s{clan=\"", metric);
	plabel(fp, tag);
	putc('"', fp);
}

/* A daemon-wide metric's sample lines (after its HELP and TYPE). */
typedef void	 daemon_lines_fn(FILE *, const char *,
		    const struct report_daemon *, size_t);
/* A clan's sample lines of a per-clan metric. */
typedef void	 clan_lines_fn(FILE *, const char *,
		    const struct report_clan *);

static void
m_started(FILE *fp, const char *m, const struct report_daemon *d,
    size_t n)
{
	fprintf(fp, "%s %lld\n", m, (long long)d->started);
}

static void
m_clans(FILE *fp, const char *m, const struct report_daemon *d, size_t n)
{
	fprintf(fp, "%s %zu\n", m, n);
}

static void
m_requests(FILE *fp, const char *m, const struct report_daemon *d,
    size_t n)
{
	const struct fetch_stats *fs = d->fetch;

	fprintf(fp, "%s{status=\"2xx\"} %lu\n%s{status=\"4xx\"} %lu\n"
	    "%s{status=\"429\"} %lu\n%s{status=\"5xx\"} %lu\n"
	    "%s{status=\"other\"} %lu\n%s{status=\"error\"} %lu\n",
	    m, fs->status_2xx, m, fs->status_4xx, m, fs->status_429, m,
	    fs->status_5xx, m, fs->status_other, m, fs->transport_errors);
}

static void
m_rate(FILE *fp, const char *m, const struct report_daemon *d, size_t n)
{
	fprintf(fp, "%s %g\n", m, d->rate);
}

static void
m_skipped(FILE *fp, const char *m, const struct report_daemon *d,
    size_t n)
{
	fprintf(fp, "%s %lu\n", m, d->skipped);
}

static void
m_reloads(FILE *fp, const char *m, const struct report_daemon *d,
    size_t n)
{
	fprintf(fp, "%s{result=\"success\"} %lu\n%s{result=\"failure\"} "
	    "%lu\n", m, d->reloads_ok, m, d->reloads_failed);
}

static void
m_read(FILE *fp, const char *m, const struct report_daemon *d, size_t n)
{
	fprintf(fp, "%s %lu\n", m, d->players_read);
}

static void
m_reused(FILE *fp, const char *m, const struct report_daemon *d, size_t n)
{
	fprintf(fp, "%s %lu\n", m, d->players_reused);
}

static void
m_profiles(FILE *fp, const char *m, const struct report_daemon *d,
    size_t n)
{
	fprintf(fp, "%s %zu\n", m, d->profiles);
}

static void
m_history(FILE *fp, const char *m, const struct report_daemon *d,
    size_t n)
{
	fprintf(fp, "%s{result=\"success\"} %lu\n%s{result=\"failure\"} "
	    "%lu\n", m, d->history.writes_ok, m, d->history.writes_failed);
}

static void
m_history_ok(FILE *fp, const char *m, const struct report_daemon *d,
    size_t n)
{
	fprintf(fp, "%s %d\n", m, d->history.database != NULL &&
	    d->history.error == NULL);
}

static void
m_loop_lag(FILE *fp, const char *m, const struct report_daemon *d,
    size_t n)
{
	static const double bounds[LOOPLAG_BUCKETS] = LOOPLAG_BOUNDS;
	static const struct looplag_stats none;
	const struct looplag_stats *st = d->lag != NULL ? d->lag : &none;
	int i;

	for (i = 0; i < LOOPLAG_BUCKETS; i++)
		fprintf(fp, "%s_bucket{le=\"%g\"} %lu\n", m, bounds[i],
		    st->le[i]);
	fprintf(fp, "%s_bucket{le=\"+Inf\"} %lu\n%s_sum %.6f\n%s_count %lu\n",
	    m, st->count, m, st->sum, m, st->count);
}

static void
m_last_success(FILE *fp, const char *m, const struct report_clan *ci)
{
	pclan(fp, m, ci->tag);
	fprintf(fp, "} %lld\n", (long long)ci->last_success);
}

static void
m_failures(FILE *fp, const char *m, const struct report_clan *ci)
{
	pclan(fp, m, ci->tag);
	fprintf(fp, "} %u\n", ci->consecutive_failures);
}

static void
m_interval(FILE *fp, const char *m, const struct report_clan *ci)
{
	pclan(fp, m, ci->tag);
	fprintf(fp, "} %lld\n", (long long)(ci->interval + 0.5));
}

static void
m_duration(FILE *fp, const char *m, const struct report_clan *ci)
{
	pclan(fp, m, ci->tag);
	fprintf(fp, "} %.3f\n", ci->duration);
}

static void
m_members(FILE *fp, const char *m, const struct report_clan *ci)
{
	pclan(fp, m, ci->tag);
	fprintf(fp, "} %zu\n", ci->fig->members);
}

static void
m_players(FILE *fp, const char *m, const struct report_clan *ci)
{
	const struct clan_figures *f = ci->fig;
	const struct {
		const char	*state;
		size_t		 v;
	} states[] = {
		{ "fetched", f->fetched },
		{ "reused", f->reused },
		{ "failed", f->failed },
		{ "without_favourite", f->without_favourite },
		{ "without_deck", f->without_deck },
	};
	size_t j;

	for (j = 0; j < sizeof(states) / sizeof(*states); j++) {
		pclan(fp, m, ci->tag);
		fprintf(fp, ",state=\"%s\"} %zu\n", states[j].state,
		    states[j].v);
	}
}

/* A clan's lines of a card metric: one per card of the tally t. */
static void
card_lines(FILE *fp, const char *m, const char *tag, const struct tally *t)
{
	size_t k;

	for (k = 0; k < t->n; k++) {
		const struct tally_card *tc = &t->cards[k];

		pclan(fp, m, tag);
		fputs(",card=\"", fp);
		plabel(fp, tc->name);
		fprintf(fp, "\",card_id=\"%lld\"} %u\n", (long long)tc->id,
		    tc->count);
	}
}

static void
m_cards(FILE *fp, const char *m, const struct report_clan *ci)
{
	card_lines(fp, m, ci->tag, &ci->fig->cards);
}

static void
m_deck_cards(FILE *fp, const char *m, const struct report_clan *ci)
{
	card_lines(fp, m, ci->tag, &ci->fig->deck_cards);
}

/*
 * metrics.prom, in this order: the daemon's metrics, then the clans'.  A
 * metric without lines is the fetch_stats counter at offset stat.
 */
static const struct daemon_metric {
	const char	*name, *type, *help;
	daemon_lines_fn	*lines;
	size_t		 stat;
} daemon_metrics[] = {
	{ "clanpopd_start_time_seconds", "gauge",
	  "Unix time the daemon started.", m_started, 0 },
	{ "clanpopd_clans", "gauge", "Clans configured.", m_clans, 0 },
	{ "clanpopd_requests_total", "counter", "Requests sent to the API, "
	  "by HTTP status class (error: no status, a transport error).",
	  m_requests, 0 },
	{ "clanpopd_retries_total", "counter",
	  "Requests retried after an error.", NULL,
	  offsetof(struct fetch_stats, retries) },
	{ "clanpopd_throttle_pauses_total", "counter",
	  "Pauses of every request after a 429.", NULL,
	  offsetof(struct fetch_stats, pauses) },
	{ "clanpopd_throttled_given_up_total", "counter",
	  "Requests given up after limits.max_retries 429s in a row.", NULL,
	  offsetof(struct fetch_stats, throttled_out) },
	{ "clanpopd_request_rate", "gauge", "Effective request rate limit in "
	  "requests per second (0: none).", m_rate, 0 },
	{ "clanpopd_refreshes_skipped_total", "counter", "Refreshes skipped "
	  "because the previous one was still running.", m_skipped, 0 },
	{ "clanpopd_reloads_total", "counter",
	  "Configuration reloads, by result.", m_reloads, 0 },
	{ "clanpopd_players_read_total", "counter", "Player profiles read "
	  "from the API.", m_read, 0 },
	{ "clanpopd_players_reused_total", "counter", "Players counted from "
	  "their stored profile instead, each a request saved.", m_reused, 0 },
	{ "clanpopd_profiles_stored", "gauge", "Player profiles in the "
	  "store.", m_profiles, 0 },
	{ "clanpopd_history_writes_total", "counter", "Snapshots recorded in "
	  "the history database, by result.", m_history, 0 },
	{ "clanpopd_history_ok", "gauge", "1 when the history database is "
	  "in use, 0 when it fails or is off.", m_history_ok, 0 },
	{ "clanpopd_loop_lag_seconds", "histogram", "Turns of the event loop "
	  "by how long their work held it.", m_loop_lag, 0 },
};

static const struct clan_metric {
	const char	*name, *type, *help;
	int		 known;		/* only for clans with a result */
	clan_lines_fn	*lines;
} clan_metrics[] = {
	{ "clanpopd_clan_last_success_timestamp_seconds", "gauge",
	  "Unix time of the clan's last snapshot (0: none yet).", 0,
	  m_last_success },
	{ "clanpopd_clan_consecutive_failures", "gauge",
	  "Failed refreshes of the clan since its last success.", 0,
	  m_failures },
	{ "clanpopd_clan_interval_seconds", "gauge",
	  "Seconds between the clan's refreshes, as configured.", 0,
	  m_interval },
	{ "clanpopd_clan_refresh_duration_seconds", "gauge",
	  "Duration of the clan's last successful refresh.", 1, m_duration },
	{ "clanpopd_clan_members", "gauge",
	  "Members in the clan's last snapshot.", 1, m_members },
	{ "clanpopd_clan_players", "gauge",
	  "Players in the clan's last snapshot, by state.", 1, m_players },
	{ "clanpopd_favourite_card_players", "gauge",
	  "Players of the clan whose favourite card this is.", 1, m_cards },
	{ "clanpopd_deck_card_players", "gauge",
	  "Players of the clan whose current deck holds this card.", 1,
	  m_deck_cards },
};

int
report_metrics_write(FILE *fp, const struct report_daemon *d,
    const struct report_clan *ci, size_t n)
{
	const struct daemon_metric	*dm;
	const struct clan_metric	*cm;
	size_t				 i, k;

	for (k = 0; k < sizeof(daemon_metrics) / sizeof(*dm); k++) {
		dm = &daemon_metrics[k];
		phead(fp, dm->name, dm->type, dm->help);
		if (dm->lines != NULL)
			dm->lines(fp, dm->name, d, n);
		else
			fprintf(fp, "%s %lu\n", dm->name, *(const unsigned long *)
			    (const void *)((const char *)d->fetch + dm->stat));
	}
	keys_metrics(fp, d);
	for (k = 0; k < sizeof(clan_metrics) / sizeof(*cm); k++) {
		cm = &clan_metrics[k];
		phead(fp, cm->name, cm->type, cm->help);
		for (i = 0; i < n; i++)
			if (!cm->known || ci[i].has_result)
				cm->lines(fp, cm->name, &ci[i]);
	}
	return ferror(fp) ? -1 : 0;
}

/* The arguments of the report writers, for write_atomic(). */
struct report {
	const struct report_daemon	*d;
	const struct report_clan	*ci;
	size_t				 n;
};

static int
fill_index(FILE *fp, void *arg)
{
	const struct report *r = arg;

	return report_index_write(fp, r->d, r->ci, r->n);
}

static int
fill_metrics(FILE *fp, void *arg)
{
	const struct report *r = arg;

	return report_metrics_write(fp, r->d, r->ci, r->n);
}

int
report_write(const struct outdir *od, const struct report_daemon *d,
    const struct report_clan *ci, size_t n, char *err, size_t errlen)
{
	const struct clan_figures **fig;
	struct report	 r = { d, ci, n };
	char		 err2[512];
	size_t		 i;
	int		 rc = 0;

	if (outdir_write(od->fd, od->path, LAYOUT_INDEX, fill_index, &r, err,
	    errlen) == -1)
		rc = -1;
	if (outdir_write(od->fd, od->path, LAYOUT_METRICS, fill_metrics, &r,
	    rc == 0 ? err : err2, rc == 0 ? errlen : sizeof(err2)) == -1)
		rc = -1;
	if ((fig = calloc(n + 1, sizeof(*fig))) == NULL) {
		snprintf(rc == 0 ? err : err2, rc == 0 ? errlen : sizeof(err2),
		    "out of memory writing " LAYOUT_CARDS);
		return -1;
	}
	for (i = 0; i < n; i++)
		fig[i] = ci[i].fig;
	if (family_write_file(od, fig, n, rc == 0 ? err : err2,
	    rc == 0 ? errlen : sizeof(err2)) == -1)
		rc = -1;
	free(fig);
	return rc;
}

