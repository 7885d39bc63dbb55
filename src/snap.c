/* snap.c - the files clanpopd writes, each written atomically. */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "isotime.h"
#include "layout.h"
#include "outdir.h"
#include "snap.h"
#include "tag.h"
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

/* Write the snapshot sc as dfd's name (the directory shown as dpath). */
static int
write_snapshot(int dfd, const char *dpath, const char *name,
    const struct snap_clan *sc, char *err, size_t errlen)
{
	struct span	 sp;
	char		*json;
	int		 rc;

	if ((json = snap_clan_json(sc)) == NULL) {
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

/* The cards of t as the snapshot lists them, or NULL on out of memory. */
static struct json_object *
cards_json(const struct tally *t)
{
	struct json_object	*cards, *ci;
	size_t			 i;

	if ((cards = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < t->n; i++) {
		if ((ci = json_object_new_object()) == NULL) {
			json_object_put(cards);
			return NULL;
		}
		json_object_object_add(ci, "name", jstr(t->cards[i].name));
		json_object_object_add(ci, "id",
		    json_object_new_int64(t->cards[i].id));
		json_object_object_add(ci, "count",
		    json_object_new_int64(t->cards[i].count));
		json_object_array_add(cards, ci);
	}
	return cards;
}

char *
snap_clan_json(const struct snap_clan *sc)
{
	struct json_object	*o, *players, *cards, *deck;
	char			 stamp[ISOTIME_LEN], *out = NULL;
	const char		*txt;

	isotime_utc(sc->fetched_at, stamp);
	o = json_object_new_object();
	players = json_object_new_object();
	cards = cards_json(&sc->fig->cards);
	deck = cards_json(&sc->fig->deck_cards);
	if (o == NULL || players == NULL || cards == NULL || deck == NULL)
		goto done;
	json_object_object_add(o, "tag", json_object_new_string(sc->tag));
	json_object_object_add(o, "name", jstr(sc->name));
	json_object_object_add(o, "fetched_at",
	    json_object_new_string(stamp));
	json_object_object_add(o, "duration_ms",
	    json_object_new_int64((int64_t)(sc->duration * 1000 + 0.5)));
	json_object_object_add(o, "members",
	    json_object_new_int64((int64_t)sc->fig->members));
	json_object_object_add(players, "fetched",
	    json_object_new_int64((int64_t)sc->fig->fetched));
	json_object_object_add(players, "reused",
	    json_object_new_int64((int64_t)sc->fig->reused));
	json_object_object_add(players, "failed",
	    json_object_new_int64((int64_t)sc->fig->failed));
	json_object_object_add(players, "without_favourite",
	    json_object_new_int64((int64_t)sc->fig->without_favourite));
	json_object_object_add(players, "without_deck",
	    json_object_new_int64((int64_t)sc->fig->without_deck));
	json_object_object_add(o, "players", players);
	players = NULL;
	json_object_object_add(o, "complete",
	    json_object_new_boolean(sc->fig->failed == 0));
	json_object_object_add(o, "favourite_cards", cards);
	cards = NULL;
	json_object_object_add(o, "deck_cards", deck);
	deck = NULL;
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (txt != NULL && (out = malloc(strlen(txt) + 2)) != NULL)
		sprintf(out, "%s\n", txt);
done:
	json_object_put(players);
	json_object_put(cards);
	json_object_put(deck);
	json_object_put(o);
	return out;
}

int
snap_write_clan(const struct outdir *od, const struct snap_clan *sc,
    char *err, size_t errlen)
{
	char	 dpath[PATH_MAX], name[TAG_MAX + 8];
	int	 dfd, rc;

	if ((dfd = outdir_subdir(od, LAYOUT_CLANS, 1, err, errlen)) == -1)
		return -1;
	snprintf(dpath, sizeof(dpath), "%s/clans", od->path);
	snprintf(name, sizeof(name), "%s" LAYOUT_JSON, sc->tag + 1);
	rc = write_snapshot(dfd, dpath, name, sc, err, errlen);
	close(dfd);
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
snap_write_history(const struct outdir *od, const struct snap_clan *sc,
    int keep, char *err, size_t errlen)
{
	char		 rel[TAG_MAX + 16], dpath[PATH_MAX], name[64];
	struct tm	 tm;
	int		 dfd, rc;

	snprintf(rel, sizeof(rel), LAYOUT_HISTORY "/%s", sc->tag + 1);
	if ((dfd = outdir_subdir(od, rel, 1, err, errlen)) == -1)
		return -1;
	snprintf(dpath, sizeof(dpath), "%s/%s", od->path, rel);
	gmtime_r(&sc->fetched_at, &tm);
	strftime(name, sizeof(name), "%Y%m%dT%H%M%SZ.json", &tm);
	rc = write_snapshot(dfd, dpath, name, sc, err, errlen);
	if (rc == 0)
		rc = prune_history(dfd, dpath, keep, err, errlen);
	close(dfd);
	return rc;
}

/* o's member key as an integer in [lo, hi], or -1 when it is not one. */
static int
jint(struct json_object *o, const char *key, int64_t lo, int64_t hi,
    int64_t *v)
{
	struct json_object *m;

	if (!json_object_object_get_ex(o, key, &m) ||
	    !json_object_is_type(m, json_type_int))
		return -1;
	*v = json_object_get_int64(m);
	return *v >= lo && *v <= hi ? 0 : -1;
}

/* Add a snapshot's list key (favourite_cards, deck_cards) to t. */
static int
read_cards(struct json_object *o, const char *key, struct tally *t)
{
	struct json_object	*arr, *e, *v;
	const char		*name;
	int64_t			 id, count;
	size_t			 i, k;

	if (!json_object_object_get_ex(o, key, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		if (jint(e, "id", 1, TALLY_ID_MAX, &id) == -1 ||
		    jint(e, "count", 1, UINT_MAX, &count) == -1)
			continue;
		name = json_object_object_get_ex(e, "name", &v) &&
		    json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : NULL;
		if (tally_add(t, id, name) == -1)
			return -1;
		/* tally_add counted one; a repeated id adds up. */
		for (k = 0; t->cards[k].id != id; k++)
			;
		t->cards[k].count += (unsigned)count - 1;
	}
	return 0;
}

/* Fill rd from the snapshot o; -1 when o is not one or out of memory. */
static int
read_snapshot(struct json_object *o, struct snap_read *rd)
{
	struct json_object	*v, *players = NULL;
	struct tm		 tm;
	const char		*s, *end;
	int64_t			 n;

	memset(rd, 0, sizeof(*rd));
	if (!json_object_object_get_ex(o, "fetched_at", &v) ||
	    !json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	rd->fetched_at = timegm(&tm);
	rd->complete = json_object_object_get_ex(o, "complete", &v) &&
	    json_object_get_boolean(v);
	json_object_object_get_ex(o, "players", &players);
	if (jint(o, "members", 0, INT64_MAX, &n) == 0)
		rd->fig.members = (size_t)n;
	if (players != NULL && jint(players, "failed", 0, INT64_MAX, &n) == 0)
		rd->fig.failed = (size_t)n;
	if (players != NULL && jint(players, "fetched", 0, INT64_MAX, &n) == 0)
		rd->fig.fetched = (size_t)n;
	/* Absent from snapshots written before profiles were reused. */
	if (players != NULL && jint(players, "reused", 0, INT64_MAX, &n) == 0)
		rd->fig.reused = (size_t)n;
	if (players != NULL &&
	    jint(players, "without_favourite", 0, INT64_MAX, &n) == 0)
		rd->fig.without_favourite = (size_t)n;
	/* Absent from snapshots written before decks were counted. */
	if (players != NULL &&
	    jint(players, "without_deck", 0, INT64_MAX, &n) == 0)
		rd->fig.without_deck = (size_t)n;
	if (json_object_object_get_ex(o, "name", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    (rd->name = strdup(json_object_get_string(v))) == NULL)
		return -1;
	if (read_cards(o, "favourite_cards", &rd->fig.cards) == -1 ||
	    read_cards(o, "deck_cards", &rd->fig.deck_cards) == -1) {
		free(rd->name);
		figures_free(&rd->fig);
		return -1;
	}
	return 0;
}

int
snap_read_clan(const struct outdir *od, const char *tag,
    struct snap_read *rd)
{
	struct json_object	*o;
	char			 fname[TAG_MAX + 8], err[512], *buf;
	size_t			 len;
	int			 dfd, rc;

	if ((dfd = outdir_subdir(od, LAYOUT_CLANS, 0, err, sizeof(err))) == -1)
		return -1;
	snprintf(fname, sizeof(fname), "%s" LAYOUT_JSON, tag + 1);
	rc = outdir_read(dfd, fname, &buf, &len);
	close(dfd);
	if (rc == -1)
		return -1;
	o = json_tokener_parse(buf);
	free(buf);
	if (o == NULL)
		return -1;
	rc = read_snapshot(o, rd);
	json_object_put(o);
	return rc;
}
