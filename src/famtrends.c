/*
 * famtrends.c - trends/family.json: the configured clans' favourite and
 * deck cards summed, over time, kept up to date between two writes.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "famseries.h"
#include "famtrends.h"
#include "isotime.h"
#include "layout.h"
#include "outdir.h"
#include "trends.h"
#include "trendset.h"

struct famtrends *
famtrends_new(void)
{
	return calloc(1, sizeof(struct famtrends));
}

void
famtrends_free(struct famtrends *f)
{
	if (f == NULL)
		return;
	famseries_reset(f);
	free(f->late);
	free(f);
}

unsigned long
famtrends_full_builds(const struct famtrends *f)
{
	return f->full;
}

/* One measure's cards at the points, chosen as a clan's are. */
static int
fam_choose(struct famtrends *f, int i, struct trends_card **cards,
    size_t *ncards)
{
	struct fam_measure	*m = &f->meas[i];
	struct trendset		 set;
	struct trendset_known	*k;
	size_t			 c, p;
	int			 rc = 0;
	char			 err[256];

	memset(&set, 0, sizeof(set));
	for (p = 0; rc == 0 && p < f->m; p++) {
		for (c = 0; rc == 0 && c < m->n; c++) {
			if (m->cards[c].sum[p] <= 0)
				continue;
			if ((k = trendset_card(&set, f->st[FAM_CARD],
			    m->cards[c].id, err, sizeof(err))) == NULL ||
			    trendset_row(&set, p, k, m->cards[c].sum[p] >
			    UINT_MAX ? UINT_MAX : (unsigned)m->cards[c].sum[p]))
				rc = -1;
		}
		trendset_done(&set, p, p == f->m - 1);
	}
	if (rc == 0 && f->m > 0)
		rc = trendset_choose(&set, f->m, f->m, cards, ncards);
	trendset_free(&set);
	return rc;
}

/* The trends of f's state. */
static struct trends *
fam_output(struct famtrends *f)
{
	struct trends	*t;
	size_t		 k;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->times = calloc(f->m + 1, sizeof(*t->times))) == NULL) {
		free(t);
		return NULL;
	}
	t->from = f->from;
	t->to = f->to;
	t->clans = f->ntags;
	t->refreshes = f->n;
	for (k = 0; k < f->m; k++)
		t->times[k] = (time_t)f->pt[k].t;
	t->npoints = f->m;
	if (fam_choose(f, 0, &t->cards, &t->ncards) == -1 ||
	    fam_choose(f, 1, &t->deck_cards, &t->ndeck_cards) == -1) {
		trends_free(t);
		return NULL;
	}
	return t;
}

struct trends *
famtrends_build(struct famtrends *f, sqlite3 *db, const char *const *tags,
    size_t ntags, time_t now, double window, char *err, size_t errlen)
{
	struct trends	*t = NULL;
	time_t		 from;
	int		 i, rc = 0;

	if (db == NULL) {
		snprintf(err, errlen, "the history database is not open, so "
		    "the family's trends cannot be read");
		return NULL;
	}
	from = window > 0 && window < (double)now ? now - (time_t)window : 0;
	f->db = db;
	/* A savepoint, so that the queries read one state of the file. */
	if (sqlite3_exec(db, "SAVEPOINT famtrends", NULL, NULL, NULL) !=
	    SQLITE_OK)
		rc = -1;
	for (i = 0; rc == 0 && i < FAM_NSQL; i++)
		if (sqlite3_prepare_v2(db, famseries_sql[i], -1, &f->st[i], NULL) !=
		    SQLITE_OK)
			rc = -1;
	if (rc == 0 && (rc = famseries_update(f, tags, ntags, from, now,
	    window)) == 0 && (t = fam_output(f)) == NULL)
		snprintf(err, errlen, "out of memory");
	if (rc == -1)
		snprintf(err, errlen, "cannot read the family's history from "
		    "the database: %s", sqlite3_errmsg(db));
	for (i = 0; i < FAM_NSQL; i++) {
		sqlite3_finalize(f->st[i]);
		f->st[i] = NULL;
	}
	sqlite3_exec(db, "RELEASE famtrends", NULL, NULL, NULL);
	f->db = NULL;
	return t;
}

int
famtrends_print(FILE *fp, const struct trends *t)
{
	char from[ISOTIME_LEN], to[ISOTIME_LEN];

	isotime_utc(t->from, from);
	isotime_utc(t->to, to);
	fprintf(fp, "{\n  \"from\": \"%s\",\n  \"to\": \"%s\",\n"
	    "  \"clans\": %zu,\n  \"refreshes\": %zu,\n", from, to, t->clans,
	    t->refreshes);
	if (trendset_print(fp, t) == -1)
		return -1;
	return ferror(fp) ? -1 : 0;
}

static int
fill_famtrends(FILE *fp, void *arg)
{
	return famtrends_print(fp, arg);
}

int
famtrends_write(const struct outdir *od, struct famtrends *f, sqlite3 *db,
    const char *const *tags, size_t ntags, time_t now, double window,
    char *err, size_t errlen)
{
	struct trends	*t;
	char		 dpath[PATH_MAX];
	int		 dfd, rc;

	if ((t = famtrends_build(f, db, tags, ntags, now, window, err,
	    errlen)) == NULL)
		return -1;
	if ((dfd = outdir_subdir(od, LAYOUT_TRENDS, 1, err, errlen)) == -1) {
		trends_free(t);
		return -1;
	}
	snprintf(dpath, sizeof(dpath), "%s/" LAYOUT_TRENDS, od->path);
	rc = outdir_write(dfd, dpath, LAYOUT_FAMILY, fill_famtrends, t, err,
	    errlen);
	close(dfd);
	trends_free(t);
	return rc;
}

