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

static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, data, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int
snap_write_file(const char *dir, const char *name, const char *data,
    size_t len, char *err, size_t errlen)
{
	char	 tmp[PATH_MAX], dst[PATH_MAX];
	int	 fd, dfd, saved;

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
	if (write_all(fd, data, len) == -1 || fchmod(fd, 0644) == -1 ||
	    fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s (for %s): %s; the "
		    "previous %s is kept", tmp, dst, strerror(saved), name);
		return -1;
	}
	if (close(fd) == -1) {
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

char *
snap_index_json(const struct snap_daemon_info *d,
    const struct snap_clan_info *c, size_t n)
{
	struct json_object	*o, *clans, *e;
	char			 file[TAG_MAX + 16], *out = NULL;
	const char		*txt;
	size_t			 i;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if ((clans = json_object_new_array()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "version", json_object_new_string(d->version));
	json_object_object_add(o, "started_at", jtime(d->started));
	json_object_object_add(o, "generated_at", jtime(time(NULL)));
	for (i = 0; i < n; i++) {
		if ((e = json_object_new_object()) == NULL)
			goto done;
		snprintf(file, sizeof(file), "clans/%s.json", c[i].tag + 1);
		json_object_object_add(e, "tag", json_object_new_string(c[i].tag));
		json_object_object_add(e, "name", jstr(c[i].name));
		json_object_object_add(e, "label", jstr(c[i].label));
		json_object_object_add(e, "snapshot", c[i].last_success ?
		    json_object_new_string(file) : NULL);
		json_object_object_add(e, "last_success",
		    jtime(c[i].last_success));
		json_object_object_add(e, "last_attempt",
		    jtime(c[i].last_attempt));
		json_object_object_add(e, "last_error", jstr(c[i].last_error));
		json_object_object_add(e, "consecutive_failures",
		    json_object_new_int64(c[i].consecutive_failures));
		json_object_object_add(e, "complete", c[i].has_result ||
		    c[i].last_success ? json_object_new_boolean(c[i].complete) :
		    NULL);
		json_object_array_add(clans, e);
	}
	json_object_object_add(o, "clans", clans);
	clans = NULL;
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (txt != NULL && (out = malloc(strlen(txt) + 2)) != NULL)
		sprintf(out, "%s\n", txt);
done:
	json_object_put(clans);
	json_object_put(o);
	return out;
}

/* A growing text buffer; on out of memory it stops growing and fails. */
struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

static void bprintf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*ns;
	size_t	 want;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL,
		    b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		want = b->cap ? b->cap * 2 : 4096;
		while (want < b->len + (size_t)n + 1)
			want *= 2;
		if ((ns = realloc(b->s, want)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = want;
	}
}

/* A label value escaped per the Prometheus text format. */
static void
blabel(struct buf *b, const char *v)
{
	for (; v != NULL && *v != '\0'; v++) {
		if (*v == '\\')
			bprintf(b, "\\\\");
		else if (*v == '"')
			bprintf(b, "\\\"");
		else if (*v == '\n')
			bprintf(b, "\\n");
		else
			bprintf(b, "%c", *v);
	}
}

static void
bhead(struct buf *b, const char *name, const char *type, const char *help)
{
	bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
bclan(struct buf *b, const char *metric, const char *tag)
{
	bprintf(b, "%s{clan=\"", metric);
	blabel(b, tag);
	bprintf(b, "\"");
}

char *
snap_metrics_text(const struct snap_daemon_info *d,
    const struct snap_clan_info *c, size_t n)
{
	static const char *states[] = { "fetched", "failed",
	    "without_favourite" };
	struct buf	 b;
	size_t		 i, j, k, v;

	memset(&b, 0, sizeof(b));
	bhead(&b, "clanpopd_start_time_seconds", "gauge",
	    "Unix time the daemon started.");
	bprintf(&b, "clanpopd_start_time_seconds %lld\n",
	    (long long)d->started);
	bhead(&b, "clanpopd_clans", "gauge", "Clans configured.");
	bprintf(&b, "clanpopd_clans %zu\n", n);
	bhead(&b, "clanpopd_requests_total", "counter",
	    "Requests sent to the API, by HTTP status class (error: no "
	    "status, a transport error).");
	bprintf(&b, "clanpopd_requests_total{status=\"2xx\"} %lu\n"
	    "clanpopd_requests_total{status=\"4xx\"} %lu\n"
	    "clanpopd_requests_total{status=\"429\"} %lu\n"
	    "clanpopd_requests_total{status=\"5xx\"} %lu\n"
	    "clanpopd_requests_total{status=\"other\"} %lu\n"
	    "clanpopd_requests_total{status=\"error\"} %lu\n",
	    d->fetch->status_2xx, d->fetch->status_4xx, d->fetch->status_429,
	    d->fetch->status_5xx, d->fetch->status_other,
	    d->fetch->transport_errors);
	bhead(&b, "clanpopd_retries_total", "counter",
	    "Requests retried after an error.");
	bprintf(&b, "clanpopd_retries_total %lu\n", d->fetch->retries);
	bhead(&b, "clanpopd_throttle_pauses_total", "counter",
	    "Pauses of every request after a 429.");
	bprintf(&b, "clanpopd_throttle_pauses_total %lu\n", d->fetch->pauses);
	bhead(&b, "clanpopd_request_rate", "gauge",
	    "Effective request rate limit in requests per second (0: none).");
	bprintf(&b, "clanpopd_request_rate %g\n", d->rate);
	bhead(&b, "clanpopd_refreshes_skipped_total", "counter",
	    "Refreshes skipped because the previous one was still running.");
	bprintf(&b, "clanpopd_refreshes_skipped_total %lu\n", d->skipped);
	bhead(&b, "clanpopd_reloads_total", "counter",
	    "Configuration reloads, by result.");
	bprintf(&b, "clanpopd_reloads_total{result=\"success\"} %lu\n"
	    "clanpopd_reloads_total{result=\"failure\"} %lu\n",
	    d->reloads_ok, d->reloads_failed);

	bhead(&b, "clanpopd_clan_last_success_timestamp_seconds", "gauge",
	    "Unix time of the clan's last snapshot (0: none yet).");
	for (i = 0; i < n; i++) {
		bclan(&b, "clanpopd_clan_last_success_timestamp_seconds",
		    c[i].tag);
		bprintf(&b, "} %lld\n", (long long)c[i].last_success);
	}
	bhead(&b, "clanpopd_clan_consecutive_failures", "gauge",
	    "Failed refreshes of the clan since its last success.");
	for (i = 0; i < n; i++) {
		bclan(&b, "clanpopd_clan_consecutive_failures", c[i].tag);
		bprintf(&b, "} %u\n", c[i].consecutive_failures);
	}
	bhead(&b, "clanpopd_clan_refresh_duration_seconds", "gauge",
	    "Duration of the clan's last successful refresh.");
	for (i = 0; i < n; i++) {
		if (!c[i].has_result)
			continue;
		bclan(&b, "clanpopd_clan_refresh_duration_seconds", c[i].tag);
		bprintf(&b, "} %.3f\n", c[i].duration);
	}
	bhead(&b, "clanpopd_clan_members", "gauge",
	    "Members in the clan's last snapshot.");
	for (i = 0; i < n; i++) {
		if (!c[i].has_result)
			continue;
		bclan(&b, "clanpopd_clan_members", c[i].tag);
		bprintf(&b, "} %zu\n", c[i].members);
	}
	bhead(&b, "clanpopd_clan_players", "gauge",
	    "Players in the clan's last snapshot, by state.");
	for (i = 0; i < n; i++) {
		if (!c[i].has_result)
			continue;
		for (j = 0; j < 3; j++) {
			v = j == 0 ? c[i].fetched : j == 1 ? c[i].failed :
			    c[i].without_favourite;
			bclan(&b, "clanpopd_clan_players", c[i].tag);
			bprintf(&b, ",state=\"%s\"} %zu\n", states[j], v);
		}
	}
	bhead(&b, "clanpopd_favourite_card_players", "gauge",
	    "Players of the clan whose favourite card this is.");
	for (i = 0; i < n; i++) {
		if (!c[i].has_result || c[i].cards == NULL)
			continue;
		for (k = 0; k < c[i].cards->n; k++) {
			const struct tally_card *tc = &c[i].cards->cards[k];

			bclan(&b, "clanpopd_favourite_card_players", c[i].tag);
			bprintf(&b, ",card=\"");
			blabel(&b, tc->name);
			bprintf(&b, "\",card_id=\"%lld\"} %u\n",
			    (long long)tc->id, tc->count);
		}
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

int
snap_write_reports(const char *out_dir, const struct snap_daemon_info *d,
    const struct snap_clan_info *c, size_t n, char *err, size_t errlen)
{
	char	*txt, err2[512];
	int	 rc = 0;

	if ((txt = snap_index_json(d, c, n)) == NULL) {
		snprintf(err, errlen, "out of memory writing index.json");
		return -1;
	}
	if (snap_write_file(out_dir, "index.json", txt, strlen(txt), err,
	    errlen) == -1)
		rc = -1;
	free(txt);
	if ((txt = snap_metrics_text(d, c, n)) == NULL) {
		snprintf(err, errlen, "out of memory writing metrics.prom");
		return -1;
	}
	if (snap_write_file(out_dir, "metrics.prom", txt, strlen(txt),
	    rc == 0 ? err : err2, rc == 0 ? errlen : sizeof(err2)) == -1)
		rc = -1;
	free(txt);
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
