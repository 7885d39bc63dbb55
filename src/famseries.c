/*
 * famseries.c - the family's series kept between two writes of
 * trends/family.json: the points and the sums, brought up to date by
 * reading only what changed.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "famseries.h"
#include "trendset.h"

/*
 * The clan's refreshes by clan and time use refreshes_clan_time, the
 * refreshes of every clan by time refreshes_time, the rest a primary key.
 */
const char *const famseries_sql[FAM_NSQL] = {
	"SELECT count(*) FROM refreshes WHERE clan = ?1 AND "
	"fetched_at BETWEEN ?2 AND ?3",
	"SELECT id, clan, fetched_at FROM refreshes WHERE fetched_at "
	"BETWEEN ?1 AND ?2 AND (fetched_at, id) > (?3, ?4) "
	"ORDER BY fetched_at, id",
	"SELECT id, clan, fetched_at FROM refreshes WHERE fetched_at "
	"BETWEEN ?1 AND ?2 ORDER BY fetched_at DESC, id DESC",
	"SELECT id, fetched_at FROM refreshes WHERE clan = ?1 AND "
	"fetched_at <= ?2 AND id <= ?3 ORDER BY fetched_at DESC, id DESC "
	"LIMIT 1",
	"SELECT id, clan, fetched_at FROM refreshes WHERE id > ?1 "
	"ORDER BY id",
	"SELECT (SELECT min(id) FROM refreshes), "
	"(SELECT max(id) FROM refreshes), "
	"(SELECT value FROM store_state WHERE key = 'removals')",
	"SELECT card_id, players FROM favourites WHERE refresh_id = ?1",
	"SELECT card_id, players FROM decks WHERE refresh_id = ?1",
	"SELECT name FROM cards WHERE id = ?1",
	"SELECT id, fetched_at FROM refreshes WHERE clan = ?1 AND "
	"fetched_at > ?2 AND fetched_at <= ?3 ORDER BY fetched_at, id",
};


/* Forget the clans and everything kept of them. */
void
famseries_reset(struct famtrends *f)
{
	size_t i;

	for (i = 0; i < f->ntags; i++)
		free(f->tags[i]);
	free(f->tags);
	free(f->cand);
	free(f->stamp);
	free(f->meas[0].cards);
	free(f->meas[1].cards);
	f->tags = NULL;
	f->cand = NULL;
	f->stamp = NULL;
	f->ntags = 0;
	memset(f->meas, 0, sizeof(f->meas));
	f->valid = 0;
}

static int
fam_tag_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The index of clan in f->tags, or SIZE_MAX when not a clan summed. */
static size_t
fam_clan(const struct famtrends *f, const char *clan)
{
	char	**p;

	if (clan == NULL || f->ntags == 0)
		return SIZE_MAX;
	p = bsearch(&clan, f->tags, f->ntags, sizeof(*f->tags), fam_tag_cmp);
	return p != NULL ? (size_t)(p - f->tags) : SIZE_MAX;
}

/*
 * 1 when tags (any order, perhaps repeated) are f's clans, else 0; -1
 * when out of memory.  With set, make them f's clans (all else reset).
 */
static int
fam_tags(struct famtrends *f, const char *const *tags, size_t ntags,
    int set)
{
	const char	**s;
	size_t		  i, n = 0;
	int		  same;

	if ((s = calloc(ntags + 1, sizeof(*s))) == NULL)
		return -1;
	if (ntags > 0)
		memcpy(s, tags, ntags * sizeof(*s));
	qsort(s, ntags, sizeof(*s), fam_tag_cmp);
	for (i = 0; i < ntags; i++)
		if (n == 0 || strcmp(s[n - 1], s[i]) != 0)
			s[n++] = s[i];
	same = n == f->ntags;
	for (i = 0; same && i < n; i++)
		same = strcmp(s[i], f->tags[i]) == 0;
	if (set) {
		famseries_reset(f);
		if ((f->tags = calloc(n + 1, sizeof(*f->tags))) == NULL ||
		    (f->cand = calloc(n + 1, sizeof(*f->cand))) == NULL ||
		    (f->stamp = calloc(n + 1, sizeof(*f->stamp))) == NULL)
			same = -1;
		for (i = 0; same != -1 && i < n; i++) {
			if ((f->tags[i] = strdup(s[i])) == NULL)
				same = -1;
			else
				f->ntags++;
		}
	}
	free(s);
	return same;
}

/*
 * A card of measure m into *out, added with zero sums on first sight, or
 * NULL when FAM_CARDS_MAX cards are kept already (an API that sends that
 * many ids is not to be believed; the family's series leave the others
 * out, so its memory stays bounded).  Returns 0, or -1 on out of memory.
 */
static int
fam_card(struct fam_measure *m, int64_t id, struct fam_card **out)
{
	struct fam_card	*cards;
	size_t		 lo = 0, hi = m->n, mid, ncap;

	*out = NULL;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (m->cards[mid].id == id) {
			*out = &m->cards[mid];
			return 0;
		}
		if (m->cards[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (m->n == FAM_CARDS_MAX)
		return 0;
	/* A card is 1.6 KB: grow by a quarter, not twice the room. */
	if (m->n == m->cap) {
		ncap = m->cap + m->cap / 4 + 16;
		if ((cards = reallocarray(m->cards, ncap,
		    sizeof(*m->cards))) == NULL)
			return -1;
		m->cards = cards;
		m->cap = ncap;
	}
	memmove(&m->cards[lo + 1], &m->cards[lo],
	    (m->n - lo) * sizeof(*m->cards));
	m->n++;
	memset(&m->cards[lo], 0, sizeof(*m->cards));
	m->cards[lo].id = id;
	*out = &m->cards[lo];
	return 0;
}

/*
 * Add (sign 1) or take away (-1) refresh id's rows at points k to last
 * (k <= last), reading them once.
 */
static int
fam_apply(struct famtrends *f, size_t k, size_t last, int64_t id, int sign)
{
	struct fam_card	*c;
	sqlite3_stmt	*st;
	int64_t		 v;
	size_t		 j;
	int		 i, rc;

	for (i = 0; i < 2; i++) {
		st = f->st[i == 0 ? FAM_FAV : FAM_DECK];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (fam_card(&f->meas[i], sqlite3_column_int64(st, 0),
			    &c) == -1)
				return -1;
			v = sign * sqlite3_column_int64(st, 1);
			for (j = k; c != NULL && j <= last; j++)
				c->sum[j] += v;
		}
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/*
 * The next row of st (id, clan, fetched_at) of a clan summed into ref:
 * 0, 1 when there is none, -1 on an error.
 */
static int
fam_next(struct famtrends *f, sqlite3_stmt *st, struct fam_ref *ref)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ref->id = sqlite3_column_int64(st, 0);
		ref->t = sqlite3_column_int64(st, 2);
		ref->c = fam_clan(f, (const char *)sqlite3_column_text(st, 1));
		if (ref->c != SIZE_MAX)
			return 0;
	}
	return rc == SQLITE_DONE ? 1 : -1;
}

/* (a.t, a.id) against (b.t, b.id). */
static int
ref_cmp(const struct fam_ref *a, const struct fam_ref *b)
{
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Bind ?1 .. ?4 of FAM_TIME and reset it. */
static sqlite3_stmt *
fam_time(struct famtrends *f, int64_t lo, int64_t hi, int64_t after_t,
    int64_t after_id)
{
	sqlite3_stmt *st = f->st[FAM_TIME];

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	sqlite3_bind_int64(st, 3, after_t);
	sqlite3_bind_int64(st, 4, after_id);
	return st;
}

/*
 * The points of the n refreshes in [from, to] into f->pt and f->m, as
 * trendset_pick picks them, by seeking: the last FAM_M refreshes bound
 * each point (one left for each later point), the rest are searches.
 */
static int
fam_points(struct famtrends *f, time_t from, time_t to, size_t n)
{
	struct fam_ref	 tail[FAM_M], cand;
	sqlite3_stmt	*st = f->st[FAM_TAIL];
	int64_t		 t0, span, target, lo;
	size_t		 nt = 0, k;
	int		 rc = 0;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)to);
	while (nt < FAM_M && (rc = fam_next(f, st, &tail[nt])) == 0)
		nt++;
	if (rc == -1)
		return -1;
	if (n <= FAM_M || nt < FAM_M) {
		for (f->m = 0; f->m < nt; f->m++)
			f->pt[f->m] = tail[nt - 1 - f->m];
		return 0;
	}
	if (fam_next(f, fam_time(f, from, to, (int64_t)from - 1, 0),
	    &cand) != 0)
		return -1;
	t0 = cand.t;
	span = tail[0].t - t0;
	for (k = 0; k < FAM_M; k++) {
		target = t0 + span * (int64_t)k / (FAM_M - 1);
		if (k == 0)
			f->pt[0] = cand;
		else if (k == FAM_M - 1)
			f->pt[k] = tail[0];
		else {
			lo = target > f->pt[k - 1].t ? target : f->pt[k - 1].t;
			rc = fam_next(f, fam_time(f, lo, to, f->pt[k - 1].t,
			    f->pt[k - 1].id), &cand);
			if (rc == -1)
				return -1;
			f->pt[k] = rc == 0 && ref_cmp(&cand,
			    &tail[FAM_M - 1 - k]) <= 0 ? cand :
			    tail[FAM_M - 1 - k];
		}
	}
	f->m = FAM_M;
	return 0;
}

/*
 * Clan c's latest refresh at or before t among those of id at most
 * bound into *ref (id 0: none).  Returns 0, or -1 on an error.
 */
static int
fam_latest(struct famtrends *f, size_t c, int64_t t, int64_t bound,
    struct fam_ref *ref)
{
	sqlite3_stmt	*st = f->st[FAM_LATEST];
	int		 rc;

	memset(ref, 0, sizeof(*ref));
	ref->c = c;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, f->tags[c], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t);
	sqlite3_bind_int64(st, 3, bound);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ref->id = sqlite3_column_int64(st, 0);
		ref->t = sqlite3_column_int64(st, 1);
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Each clan's latest refresh at or before each point, and the sums: the
 * clan's refresh at the first point, then its refreshes up to the last
 * in time order, each refresh's rows read once for the run of points it
 * counts at.
 */
static int
fam_whole(struct famtrends *f, int64_t maxid)
{
	sqlite3_stmt	*st = f->st[FAM_RUN];
	struct fam_ref	 cur, row;
	size_t		 c, k, first;
	int		 rc;

	for (c = 0; c < f->ntags && f->m > 0; c++) {
		if (fam_latest(f, c, f->pt[0].t, maxid, &cur) == -1)
			return -1;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, f->tags[c], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, f->pt[0].t);
		sqlite3_bind_int64(st, 3, f->pt[f->m - 1].t);
		rc = sqlite3_step(st);
		for (first = 0, k = 1; k < f->m; k++) {
			row = cur;
			while (rc == SQLITE_ROW &&
			    sqlite3_column_int64(st, 1) <= f->pt[k].t) {
				row.id = sqlite3_column_int64(st, 0);
				rc = sqlite3_step(st);
			}
			if (row.id == cur.id)
				continue;
			if (cur.id != 0 &&
			    fam_apply(f, first, k - 1, cur.id, 1) == -1)
				return -1;
			cur = row;
			first = k;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return -1;
		if (cur.id != 0 && fam_apply(f, first, f->m - 1, cur.id, 1) == -1)
			return -1;
	}
	return 0;
}

/* Read the whole: the count, the points, the sums. */
static int
fam_full(struct famtrends *f, const char *const *tags, size_t ntags,
    time_t from, time_t to, int64_t maxid)
{
	sqlite3_stmt	*st = f->st[FAM_COUNT];
	size_t		 c;

	f->full++;
	if (fam_tags(f, tags, ntags, 1) == -1)
		return -1;
	for (f->n = 0, c = 0; c < f->ntags; c++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, f->tags[c], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)to);
		if (sqlite3_step(st) != SQLITE_ROW)
			return -1;
		f->n += (size_t)sqlite3_column_int64(st, 0);
	}
	return fam_points(f, from, to, f->n) == -1 ? -1 : fam_whole(f, maxid);
}

/* Clan c is to be looked at again for the point being moved. */
static void
fam_mark(struct famtrends *f, size_t c, unsigned stamp, size_t *ncand)
{
	if (f->stamp[c] != stamp) {
		f->stamp[c] = stamp;
		f->cand[(*ncand)++] = c;
	}
}

/*
 * Move point k from the time base, where its sums count each clan's
 * latest refresh of id at most was (the last build's newest, or this
 * one's for a point that starts as a copy), to its time now, where they
 * count each clan's latest of id at most maxid.  Only a clan with a
 * refresh between the two times, or one read since (fresh, nfresh), can
 * differ: the database says which refresh each such clan had at either
 * time, so nothing per clan and point is kept.
 */
static int
fam_move(struct famtrends *f, size_t k, int64_t base, int64_t was,
    int64_t maxid, const struct fam_ref *fresh, size_t nfresh)
{
	struct fam_ref	 ref, old;
	sqlite3_stmt	*st;
	int64_t		 lo, hi;
	size_t		 i, ncand = 0;
	unsigned	 stamp = (unsigned)k + 1;
	int		 rc = 1;

	lo = base < f->pt[k].t ? base : f->pt[k].t;
	hi = base < f->pt[k].t ? f->pt[k].t : base;
	for (i = 0; i < f->ntags; i++)
		f->stamp[i] = 0;
	if (lo < hi) {
		st = fam_time(f, lo + 1, hi, lo, 0);
		while ((rc = fam_next(f, st, &ref)) == 0)
			fam_mark(f, ref.c, stamp, &ncand);
		if (rc == -1)
			return -1;
	}
	for (i = 0; i < nfresh; i++)
		if (fresh[i].t <= hi)
			fam_mark(f, fresh[i].c, stamp, &ncand);
	for (i = 0; i < ncand; i++) {
		if (fam_latest(f, f->cand[i], base, was, &old) == -1 ||
		    fam_latest(f, f->cand[i], f->pt[k].t, maxid, &ref) == -1)
			return -1;
		if (old.id == ref.id)
			continue;
		if ((old.id != 0 && fam_apply(f, k, k, old.id, -1) == -1) ||
		    (ref.id != 0 && fam_apply(f, k, k, ref.id, 1) == -1))
			return -1;
	}
	return 0;
}

/* Point k starts as point j (k > j): its sums. */
static void
fam_copy(struct famtrends *f, size_t k, size_t j)
{
	size_t i, c;

	for (i = 0; i < 2; i++)
		for (c = 0; c < f->meas[i].n; c++)
			f->meas[i].cards[c].sum[k] = f->meas[i].cards[c].sum[j];
}

/* The refreshes read since the last build (the later ones before). */
static int
fam_fresh(struct famtrends *f, struct fam_ref **fresh, size_t *n)
{
	struct fam_ref	 ref;
	sqlite3_stmt	*st = f->st[FAM_NEW];
	size_t		 cap = f->nlate;
	int		 rc;

	if ((*fresh = calloc(cap + 1, sizeof(**fresh))) == NULL)
		return -1;
	if (f->nlate > 0)
		memcpy(*fresh, f->late, f->nlate * sizeof(**fresh));
	*n = f->nlate;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, f->maxid);
	while ((rc = fam_next(f, st, &ref)) == 0) {
		if (trendset_grow(fresh, &cap, *n + 1, sizeof(ref)) == -1)
			return -1;
		(*fresh)[(*n)++] = ref;
	}
	return rc == -1 ? -1 : 0;
}

/*
 * The window's count now: those read since that are in it, less those
 * counted before that left it.
 */
static int
fam_count(struct famtrends *f, time_t from, time_t to,
    const struct fam_ref *fresh, size_t nfresh)
{
	struct fam_ref	 ref;
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc = 1;

	for (i = 0; i < nfresh; i++)
		if (fresh[i].t >= from && fresh[i].t <= to)
			f->n++;
	if (from <= f->from)
		return 0;
	st = fam_time(f, f->from, (int64_t)from - 1, (int64_t)f->from - 1, 0);
	while ((rc = fam_next(f, st, &ref)) == 0)
		if (ref.id <= f->maxid && ref.t <= f->to && f->n > 0)
			f->n--;
	return rc == -1 ? -1 : 0;
}

/* Bring the kept series to [from, to]; 1 when the whole must be read. */
static int
fam_step(struct famtrends *f, time_t from, time_t to, int64_t maxid,
    const struct fam_ref *fresh, size_t nfresh)
{
	struct fam_ref	old[FAM_M];
	size_t		om = f->m, k;
	int64_t		base;

	if (from < f->from || to < f->to || om == 0)
		return 1;
	memcpy(old, f->pt, sizeof(old));
	if (fam_count(f, from, to, fresh, nfresh) == -1 ||
	    fam_points(f, from, to, f->n) == -1)
		return -1;
	for (k = 0; k < f->m; k++) {
		/* A new point starts as the last one, already moved. */
		if (k >= om)
			fam_copy(f, k, om - 1);
		base = k < om ? old[k].t : f->pt[om - 1].t;
		if (fam_move(f, k, base, k < om ? f->maxid : maxid, maxid,
		    fresh, nfresh) == -1)
			return -1;
	}
	return 0;
}

/* The refreshes of the clans after to: counted when the window has them. */
static int
fam_late(struct famtrends *f, time_t to)
{
	struct fam_ref	 ref;
	sqlite3_stmt	*st;
	int		 rc;

	f->nlate = 0;
	st = fam_time(f, (int64_t)to + 1, INT64_MAX, to, 0);
	while ((rc = fam_next(f, st, &ref)) == 0) {
		if (trendset_grow(&f->late, &f->caplate, f->nlate + 1,
		    sizeof(ref)) == -1)
			return -1;
		f->late[f->nlate++] = ref;
	}
	return rc == -1 ? -1 : 0;
}

int
famseries_update(struct famtrends *f, const char *const *tags,
    size_t ntags, time_t from, time_t to, double window)
{
	sqlite3_stmt	*st = f->st[FAM_IDS];
	struct fam_ref	*fresh = NULL;
	size_t		 nfresh = 0;
	int64_t		 minid, maxid, removals;
	int		 rc = 1;

	if (sqlite3_step(st) != SQLITE_ROW)
		return -1;
	minid = sqlite3_column_int64(st, 0);
	maxid = sqlite3_column_int64(st, 1);
	removals = sqlite3_column_int64(st, 2);
	if (f->valid && window == f->window && minid == f->minid &&
	    removals == f->removals && fam_tags(f, tags, ntags, 0) == 1) {
		if (fam_fresh(f, &fresh, &nfresh) == -1)
			rc = -1;
		else
			rc = fam_step(f, from, to, maxid, fresh, nfresh);
		free(fresh);
	}
	f->valid = 0;
	if (rc == 1)
		rc = fam_full(f, tags, ntags, from, to, maxid);
	if (rc == -1 || fam_late(f, to) == -1)
		return -1;
	f->valid = 1;
	f->window = window;
	f->minid = minid;
	f->removals = removals;
	f->maxid = maxid;
	f->from = from;
	f->to = to;
	return 0;
}

