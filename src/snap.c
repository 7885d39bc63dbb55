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
#include "refresh.h"
#include "snap.h"
#include "tally.h"

int
snap_mkdirs(const char *dir, char *err, size_t errlen)
{
	char		 path[PATH_MAX], *p;
	size_t		 len;
	struct stat	 st;

	if ((len = strlen(dir)) == 0 || len >= sizeof(path)) {
		snprintf(err, errlen, "%s: not a usable directory name", dir);
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		int last = *p == '\0';

		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create directory %s: %s "
			    "(create it or fix output.directory)", path,
			    strerror(errno));
			return -1;
		}
		if (last)
			break;
		*p = '/';
	}
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory (fix "
		    "output.directory)", path);
		return -1;
	}
	return 0;
}

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

/*
 * Replace dir/name atomically with what fill writes to fp: a temporary
 * file in dir, synced, renamed over the target, then dir synced.
 */
static int
write_atomic(const char *dir, const char *name, int (*fill)(FILE *, void *),
    void *arg, char *err, size_t errlen)
{
	char	 tmp[PATH_MAX], dst[PATH_MAX];
	FILE	*fp;
	int	 fd, dfd, saved, rc;

	if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >=
	    sizeof(dst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/" SNAP_TMP_PREFIX
	    "%s.XXXXXX", dir, name) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot create a temporary file in %s "
		    "for %s: %s; the previous %s is kept", dir, name,
		    strerror(errno), name);
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s (for %s): %s; the "
		    "previous %s is kept", tmp, dst, strerror(saved), name);
		return -1;
	}
	errno = 0;
	rc = fill(fp, arg);
	if (rc == -1 || fflush(fp) == EOF || ferror(fp) ||
	    fchmod(fd, 0644) == -1 || fsync(fd) == -1) {
		saved = errno != 0 ? errno : EIO;
		fclose(fp);
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s (for %s): %s; the "
		    "previous %s is kept", tmp, dst, strerror(saved), name);
		return -1;
	}
	if (fclose(fp) == EOF) {
		saved = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s (for %s): %s; the "
		    "previous %s is kept", tmp, dst, strerror(saved), name);
		return -1;
	}
	if (rename(tmp, dst) == -1) {
		saved = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot rename %s to %s: %s; the "
		    "previous %s is kept", tmp, dst, strerror(saved), name);
		return -1;
	}
	/* The rename is durable only once the directory is on disk. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (fsync(dfd) == -1 && errno != EINVAL) {
			saved = errno;
			close(dfd);
			snprintf(err, errlen, "cannot sync directory %s after "
			    "writing %s: %s", dir, name, strerror(saved));
			return -1;
		}
		close(dfd);
	}
	return 0;
}

int
snap_write_file(const char *dir, const char *name, const char *data,
    size_t len, char *err, size_t errlen)
{
	struct span sp = { data, len };

	return write_atomic(dir, name, fill_buffer, &sp, err, errlen);
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
snap_write_clan(const char *out_dir, const struct refresh_result *res,
    char *err, size_t errlen)
{
	char	 dir[PATH_MAX], name[TAG_MAX + 8], *json;
	int	 rc;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/clans", out_dir) >=
	    sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", out_dir);
		return -1;
	}
	if (snap_mkdirs(dir, err, errlen) == -1)
		return -1;
	snprintf(name, sizeof(name), "%s.json", res->tag + 1);
	if ((json = snap_clan_json(res)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = snap_write_file(dir, name, json, strlen(json), err, errlen);
	free(json);
	return rc;
}

int
snap_clean_temps(const char *dir, char *err, size_t errlen)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, SNAP_TMP_PREFIX,
		    sizeof(SNAP_TMP_PREFIX) - 1) != 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
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
snap_write_reports(const char *out_dir, const struct snap_daemon_info *d,
    const struct snap_clan_info *c, size_t n, char *err, size_t errlen)
{
	struct report	 r = { d, c, n };
	char		 err2[512];
	int		 rc = 0;

	if (write_atomic(out_dir, "index.json", fill_index, &r, err,
	    errlen) == -1)
		rc = -1;
	if (write_atomic(out_dir, "metrics.prom", fill_metrics, &r,
	    rc == 0 ? err : err2, rc == 0 ? errlen : sizeof(err2)) == -1)
		rc = -1;
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Remove the oldest history files of dir beyond keep. */
static int
prune_history(const char *dir, int keep, char *err, size_t errlen)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **nn;
	size_t		 n = 0, cap = 0, i;
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "cannot read directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 6 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
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
		snprintf(err, errlen, "out of memory listing %s", dir);
	else if (n > (size_t)keep) {
		/* UTC timestamps as names: sorted by name is sorted by time. */
		qsort(names, n, sizeof(*names), name_cmp);
		for (i = 0; i < n - (size_t)keep; i++) {
			if (unlinkat(dirfd(d), names[i], 0) == -1 &&
			    errno != ENOENT) {
				snprintf(err, errlen, "cannot remove %s/%s: %s",
				    dir, names[i], strerror(errno));
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
snap_write_history(const char *out_dir, const struct refresh_result *res,
    int keep, char *err, size_t errlen)
{
	char		 dir[PATH_MAX], name[64], *json;
	struct tm	 tm;
	int		 rc;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/history/%s", out_dir,
	    res->tag + 1) >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", out_dir);
		return -1;
	}
	if (snap_mkdirs(dir, err, errlen) == -1)
		return -1;
	gmtime_r(&res->fetched_at, &tm);
	strftime(name, sizeof(name), "%Y%m%dT%H%M%SZ.json", &tm);
	if ((json = snap_clan_json(res)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = snap_write_file(dir, name, json, strlen(json), err, errlen);
	free(json);
	if (rc == 0)
		rc = prune_history(dir, keep, err, errlen);
	return rc;
}

int
snap_read_clan(const char *out_dir, const char *tag, time_t *fetched_at,
    int *complete, char **name)
{
	char			 path[PATH_MAX];
	struct json_object	*o, *v;
	struct tm		 tm;
	const char		*s, *end;
	int			 rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/clans/%s.json", out_dir,
	    tag + 1) >= sizeof(path))
		return -1;
	if ((o = json_object_from_file(path)) == NULL)
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
