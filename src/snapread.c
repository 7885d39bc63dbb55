/* snapread.c - a snapshot on disk read back at a restart (see snap.h). */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "outdir.h"
#include "snap.h"
#include "tag.h"
#include "tally.h"

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

/* Add a snapshot's favourite_cards to t, with their counts. */
static int
read_cards(struct json_object *o, struct tally *t)
{
	struct json_object	*arr, *e, *v;
	const char		*name;
	int64_t			 id, count;
	size_t			 i, k;

	if (!json_object_object_get_ex(o, "favourite_cards", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		if (jint(e, "id", INT64_MIN, INT64_MAX, &id) == -1 ||
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
	if (json_object_object_get_ex(o, "name", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    (rd->name = strdup(json_object_get_string(v))) == NULL)
		return -1;
	if (read_cards(o, &rd->fig.cards) == -1) {
		free(rd->name);
		tally_free(&rd->fig.cards);
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

	if ((dfd = outdir_subdir(od, "clans", 0, err, sizeof(err))) == -1)
		return -1;
	snprintf(fname, sizeof(fname), "%s.json", tag + 1);
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
