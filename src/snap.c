/* snap.c - the files clanpopd writes, each written atomically. */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fetch.h"
#include "outdir.h"
#include "refresh.h"
#include "snap.h"
#include "tally.h"

/* Data for fill_buffer(). */
struct span {
	const char	*data;
	size_t		 len;
};

static int
fill_buffer(FILE *fp, void *arg)
{
	const struct span *sp = arg;

	return fwrite(sp->data, 1, sp->len, fp) == sp->len ? 0 : -1;
}

/* Write res's snapshot as dfd's name (the directory shown as dpath). */
static int
write_snapshot(int dfd, const char *dpath, const char *name,
    const struct refresh_result *res, char *err, size_t errlen)
{
	struct span	 sp;
	char		*json;
	int		 rc;

	if ((json = snap_clan_json(res)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sp.data = json;
	sp.len = strlen(json);
	rc = outdir_write(dfd, dpath, name, fill_buffer, &sp, err, errlen);
	free(json);
	return rc;
}

static struct json_object *
jstr(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

char *
snap_clan_json(const struct refresh_result *res)
{
	struct json_object	*o, *players, *cards, *c;
	char			 stamp[32], *out = NULL;
	const char		*txt;
	struct tm		 tm;
	size_t			 i;

	gmtime_r(&res->fetched_at, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_object_new_object();
	players = json_object_new_object();
	cards = json_object_new_array();
	if (o == NULL || players == NULL || cards == NULL)
		goto done;
	json_object_object_add(o, "tag", json_object_new_string(res->tag));
	json_object_object_add(o, "name", jstr(res->name));
	json_object_object_add(o, "fetched_at",
	    json_object_new_string(stamp));
	json_object_object_add(o, "duration_ms",
	    json_object_new_int64((int64_t)(res->duration * 1000 + 0.5)));
	json_object_object_add(o, "members",
	    json_object_new_int64((int64_t)res->members));
	json_object_object_add(players, "fetched",
	    json_object_new_int64((int64_t)res->fetched));
	json_object_object_add(players, "failed",
	    json_object_new_int64((int64_t)res->failed));
	json_object_object_add(players, "without_favourite",
	    json_object_new_int64((int64_t)res->without_favourite));
	json_object_object_add(o, "players", players);
	players = NULL;
	json_object_object_add(o, "complete",
	    json_object_new_boolean(res->failed == 0));
	for (i = 0; i < res->cards.n; i++) {
		const struct tally_card *tc = &res->cards.cards[i];

		if ((c = json_object_new_object()) == NULL)
			goto done;
		json_object_object_add(c, "name", jstr(tc->name));
		json_object_object_add(c, "id", json_object_new_int64(tc->id));
		json_object_object_add(c, "count",
		    json_object_new_int64(tc->count));
		json_object_array_add(cards, c);
	}
	json_object_object_add(o, "favourite_cards", cards);
	cards = NULL;
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (txt != NULL && (out = malloc(strlen(txt) + 2)) != NULL)
		sprintf(out, "%s\n", txt);
done:
	json_object_put(players);
	json_object_put(cards);
	json_object_put(o);
	return out;
}

int
snap_write_clan(const struct outdir *od, const struct refresh_result *res,
    char *err, size_t errlen)
{
	char	 dpath[PATH_MAX], name[TAG_MAX + 8];
	int	 dfd, rc;

	if ((dfd = outdir_subdir(od, "clans", 1, err, errlen)) == -1)
		return -1;
	snprintf(dpath, sizeof(dpath), "%s/clans", od->path);
	snprintf(name, sizeof(name), "%s.json", res->tag + 1);
	rc = write_snapshot(dfd, dpath, name, res, err, errlen);
	close(dfd);
	return rc;
}

static void
iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static struct json_object *
jtime(time_t t)
{
	char buf[32];

	if (t == 0)
		return NULL;
	iso_time(t, buf, sizeof(buf));
	return json_object_new_string(buf);
}

/* One clan's entry of index.json, as a json-c object (caller puts). */
static struct json_object *
index_entry(const struct snap_clan_info *c)
{
	struct json_object	*e;
	char			 file[TAG_MAX + 16];

	if ((e = json_object_new_object()) == NULL)
		return NULL;
	snprintf(file, sizeof(file), "clans/%s.json", c->tag + 1);
	json_object_object_add(e, "tag", json_object_new_string(c->tag));
	json_object_object_add(e, "name", jstr(c->name));
	json_object_object_add(e, "label", jstr(c->label));
	json_object_object_add(e, "snapshot", c->last_success ?
	    json_object_new_string(file) : NULL);
	json_object_object_add(e, "last_success", jtime(c->last_success));
	json_object_object_add(e, "last_attempt", jtime(c->last_attempt));
	json_object_object_add(e, "last_error", jstr(c->last_error));
	json_object_object_add(e, "consecutive_failures",
	    json_object_new_int64(c->consecutive_failures));
	json_object_object_add(e, "complete", c->has_result ||
	    c->last_success ? json_object_new_boolean(c->complete) : NULL);
	return e;
}

/*
 * index.json, written clan by clan so that memory does not grow with the
 * number of clans.
 */
int
snap_index_write(FILE *fp, const struct snap_daemon_info *d,
    const struct snap_clan_info *c, size_t n)
{
	struct json_object	*e;
	const char		*txt, *nl;
	char			 started[32] = "", now[32];
	size_t			 i;

	if (d->started != 0)
		iso_time(d->started, started, sizeof(started));
	iso_time(time(NULL), now, sizeof(now));
	fprintf(fp, "{\n  \"version\": \"%s\",\n", d->version);
	if (d->started != 0)
		fprintf(fp, "  \"started_at\": \"%s\",\n", started);
	else
		fprintf(fp, "  \"started_at\": null,\n");
	fprintf(fp, "  \"generated_at\": \"%s\",\n  \"clans\": [", now);
	for (i = 0; i < n; i++) {
		if ((e = index_entry(&c[i])) == NULL)
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

int
snap_metrics_write(FILE *fp, const struct snap_daemon_info *d,
    const struct snap_clan_info *c, size_t n)
{
	static const char *states[] = { "fetched", "failed",
	    "without_favourite" };
	size_t		 i, j, k, v;

	phead(fp, "clanpopd_start_time_seconds", "gauge",
	    "Unix time the daemon started.");
	fprintf(fp, "clanpopd_start_time_seconds %lld\n",
	    (long long)d->started);
	phead(fp, "clanpopd_clans", "gauge", "Clans configured.");
	fprintf(fp, "clanpopd_clans %zu\n", n);
	phead(fp, "clanpopd_requests_total", "counter",
	    "Requests sent to the API, by HTTP status class (error: no "
	    "status, a transport error).");
	fprintf(fp, "clanpopd_requests_total{status=\"2xx\"} %lu\n"
	    "clanpopd_requests_total{status=\"4xx\"} %lu\n"
	    "clanpopd_requests_total{status=\"429\"} %lu\n"
	    "clanpopd_requests_total{status=\"5xx\"} %lu\n"
	    "clanpopd_requests_total{status=\"other\"} %lu\n"
	    "clanpopd_requests_total{status=\"error\"} %lu\n",
	    d->fetch->status_2xx, d->fetch->status_4xx, d->fetch->status_429,
	    d->fetch->status_5xx, d->fetch->status_other,
	    d->fetch->transport_errors);
	phead(fp, "clanpopd_retries_total", "counter",
	    "Requests retried after an error.");
	fprintf(fp, "clanpopd_retries_total %lu\n", d->fetch->retries);
	phead(fp, "clanpopd_throttle_pauses_total", "counter",
	    "Pauses of every request after a 429.");
	fprintf(fp, "clanpopd_throttle_pauses_total %lu\n", d->fetch->pauses);
	phead(fp, "clanpopd_throttled_given_up_total", "counter",
	    "Requests given up after limits.max_retries 429s in a row.");
	fprintf(fp, "clanpopd_throttled_given_up_total %lu\n",
	    d->fetch->throttled_out);
	phead(fp, "clanpopd_request_rate", "gauge",
	    "Effective request rate limit in requests per second (0: none).");
	fprintf(fp, "clanpopd_request_rate %g\n", d->rate);
	phead(fp, "clanpopd_refreshes_skipped_total", "counter",
	    "Refreshes skipped because the previous one was still running.");
	fprintf(fp, "clanpopd_refreshes_skipped_total %lu\n", d->skipped);
	phead(fp, "clanpopd_reloads_total", "counter",
	    "Configuration reloads, by result.");
	fprintf(fp, "clanpopd_reloads_total{result=\"success\"} %lu\n"
	    "clanpopd_reloads_total{result=\"failure\"} %lu\n",
	    d->reloads_ok, d->reloads_failed);

	phead(fp, "clanpopd_clan_last_success_timestamp_seconds", "gauge",
	    "Unix time of the clan's last snapshot (0: none yet).");
	for (i = 0; i < n; i++) {
		pclan(fp, "clanpopd_clan_last_success_timestamp_seconds",
		    c[i].tag);
		fprintf(fp, "} %lld\n", (long long)c[i].last_success);
	}
	phead(fp, "clanpopd_clan_consecutive_failures", "gauge",
	    "Failed refreshes of the clan since its last success.");
	for (i = 0; i < n; i++) {
		pclan(fp, "clanpopd_clan_consecutive_failures", c[i].tag);
		fprintf(fp, "} %u\n", c[i].consecutive_failures);
	}
	phead(fp, "clanpopd_clan_refresh_duration_seconds", "gauge",
	    "Duration of the clan's last successful refresh.");
	for (i = 0; i < n; i++) {
		if (!c[i].has_result)
			continue;
		pclan(fp, "clanpopd_clan_refresh_duration_seconds", c[i].tag);
		fprintf(fp, "} %.3f\n", c[i].duration);
	}
	phead(fp, "clanpopd_clan_members", "gauge",
	    "Members in the clan's last snapshot.");
	for (i = 0; i < n; i++) {
		if (!c[i].has_result)
			continue;
		pclan(fp, "clanpopd_clan_members", c[i].tag);
		fprintf(fp, "} %zu\n", c[i].members);
	}
	phead(fp, "clanpopd_clan_players", "gauge",
	    "Players in the clan's last snapshot, by state.");
	for (i = 0; i < n; i++) {
		if (!c[i].has_result)
			continue;
		for (j = 0; j < 3; j++) {
			v = j == 0 ? c[i].fetched : j == 1 ? c[i].failed :
			    c[i].without_favourite;
			pclan(fp, "clanpopd_clan_players", c[i].tag);
			fprintf(fp, ",state=\"%s\"} %zu\n", states[j], v);
		}
	}
	phead(fp, "clanpopd_favourite_card_players", "gauge",
	    "Players of the clan whose favourite card this is.");
	for (i = 0; i < n; i++) {
		if (!c[i].has_result || c[i].cards == NULL)
			continue;
		for (k = 0; k < c[i].cards->n; k++) {
			const struct tally_card *tc = &c[i].cards->cards[k];

			pclan(fp, "clanpopd_favourite_card_players", c[i].tag);
			fputs(",card=\"", fp);
			plabel(fp, tc->name);
			fprintf(fp, "\",card_id=\"%lld\"} %u\n",
			    (long long)tc->id, tc->count);
		}
	}
	return ferror(fp) ? -1 : 0;
}

/* The arguments of the report writers, for write_atomic(). */
struct report {
	const struct snap_daemon_info	*d;
	const struct snap_clan_info	*c;
	size_t				 n;
};

static int
fill_index(FILE *fp, void *arg)
{
	const struct report *r = arg;

	return snap_index_write(fp, r->d, r->c, r->n);
}

static int
fill_metrics(FILE *fp, void *arg)
{
	const struct report *r = arg;

	return snap_metrics_write(fp, r->d, r->c, r->n);
}

int
snap_write_reports(const struct outdir *od, const struct snap_daemon_info *d,
    const struct snap_clan_info *c, size_t n, char *err, size_t errlen)
{
	struct report	 r = { d, c, n };
	char		 err2[512];
	int		 rc = 0;

	if (outdir_write(od->fd, od->path, "index.json", fill_index, &r, err,
	    errlen) == -1)
		rc = -1;
	if (outdir_write(od->fd, od->path, "metrics.prom", fill_metrics, &r,
	    rc == 0 ? err : err2, rc == 0 ? errlen : sizeof(err2)) == -1)
		rc = -1;
	return rc;
}

/* "YYYYMMDDTHHMMSSZ.json": the names of history files, and only those. */
static int
is_history_name(const char *s)
{
	static const char	*shape = "ddddddddTddddddZ.json";
	size_t			 i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' :
		    s[i] != shape[i])
			return 0;
	}
	return s[i] == '\0';
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Remove the oldest history files of dfd (shown as dpath) beyond keep:
 * regular files named as snap_write_history names them, nothing else.
 */
static int
prune_history(int dfd, const char *dpath, int keep, char *err,
    size_t errlen)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, **nn;
	size_t		 n = 0, cap = 0, i;
	int		 fd, rc = 0;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "cannot read directory %s: %s", dpath,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!is_history_name(de->d_name) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nn = reallocarray(names, cap, sizeof(*names))) ==
			    NULL) {
				rc = -1;
				break;
			}
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = -1;
			break;
		}
		n++;
	}
	if (rc == -1)
		snprintf(err, errlen, "out of memory listing %s", dpath);
	else if (n > (size_t)keep) {
		/* UTC timestamps as names: sorted by name is sorted by time. */
		qsort(names, n, sizeof(*names), name_cmp);
		for (i = 0; i < n - (size_t)keep; i++) {
			if (unlinkat(dfd, names[i], 0) == -1 &&
			    errno != ENOENT) {
				snprintf(err, errlen, "cannot remove %s/%s: %s",
				    dpath, names[i], strerror(errno));
				rc = -1;
			}
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int
snap_write_history(const struct outdir *od, const struct refresh_result *res,
    int keep, char *err, size_t errlen)
{
	char		 rel[TAG_MAX + 16], dpath[PATH_MAX], name[64];
	struct tm	 tm;
	int		 dfd, rc;

	snprintf(rel, sizeof(rel), "history/%s", res->tag + 1);
	if ((dfd = outdir_subdir(od, rel, 1, err, errlen)) == -1)
		return -1;
	snprintf(dpath, sizeof(dpath), "%s/%s", od->path, rel);
	gmtime_r(&res->fetched_at, &tm);
	strftime(name, sizeof(name), "%Y%m%dT%H%M%SZ.json", &tm);
	rc = write_snapshot(dfd, dpath, name, res, err, errlen);
	if (rc == 0)
		rc = prune_history(dfd, dpath, keep, err, errlen);
	close(dfd);
	return rc;
}

int
snap_read_clan(const struct outdir *od, const char *tag, time_t *fetched_at,
    int *complete, char **name)
{
	struct json_object	*o, *v;
	struct tm		 tm;
	const char		*s, *end;
	char			 fname[TAG_MAX + 8], err[512], *buf;
	size_t			 len;
	int			 dfd, rc = -1;

	if ((dfd = outdir_subdir(od, "clans", 0, err, sizeof(err))) == -1)
		return -1;
	snprintf(fname, sizeof(fname), "%s.json", tag + 1);
	rc = outdir_read(dfd, fname, &buf, &len);
	close(dfd);
	if (rc == -1)
		return -1;
	rc = -1;
	o = json_tokener_parse(buf);
	free(buf);
	if (o == NULL)
		return -1;
	if (json_object_object_get_ex(o, "fetched_at", &v) &&
	    json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (end != NULL && *end == '\0') {
			*fetched_at = timegm(&tm);
			*complete = json_object_object_get_ex(o, "complete",
			    &v) && json_object_get_boolean(v);
			*name = json_object_object_get_ex(o, "name", &v) &&
			    json_object_is_type(v, json_type_string) ?
			    strdup(json_object_get_string(v)) : NULL;
			rc = 0;
		}
	}
	json_object_put(o);
	return rc;
}
