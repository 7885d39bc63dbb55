/*
 * trendset.c - the cards of a trends file, shared by a clan's and the
 * family's: which cards, their series, their text.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "isotime.h"
#include "tally.h"
#include "trendset.h"

int
trendset_grow(void *p, size_t *cap, size_t need, size_t size)
{
	void	**pp = p, *q;
	size_t	  ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap < 16 ? 16 : *cap;
	while (ncap < need)
		ncap *= 2;
	if ((q = reallocarray(*pp, ncap, size)) == NULL)
		return -1;
	*pp = q;
	*cap = ncap;
	return 0;
}

size_t
trendset_pick(const time_t *times, size_t n, size_t *sample)
{
	const size_t	 m = TRENDS_POINTS_MAX;
	int64_t		 span, target;
	size_t		 k, i = 0;

	if (n <= m) {
		for (k = 0; k < n; k++)
			sample[k] = k;
		return n;
	}
	span = (int64_t)times[n - 1] - (int64_t)times[0];
	for (k = 0; k < m; k++) {
		target = (int64_t)times[0] + span * (int64_t)k /
		    (int64_t)(m - 1);
		while (i < n - m + k && (int64_t)times[i] < target)
			i++;
		if (k == m - 1)
			i = n - 1;
		sample[k] = i++;
	}
	return m;
}

static int
known_cmp(const void *key, const void *elem)
{
	const int64_t			*id = key;
	const struct trendset_known	*k = elem;

	return *id < k->id ? -1 : *id > k->id;
}

/* The card id among those seen, or NULL (never a NULL base to bsearch). */
static struct trendset_known *
known_find(const struct trendset *set, int64_t id)
{
	if (set->nknown == 0)
		return NULL;
	return bsearch(&id, set->known, set->nknown, sizeof(*set->known),
	    known_cmp);
}

struct trendset_known *
trendset_card(struct trendset *set, sqlite3_stmt *name_st, int64_t id,
    char *err, size_t errlen)
{
	struct trendset_known	*k;
	const unsigned char	*s;
	size_t			 at = 0;
	int			 rc;

	if ((k = known_find(set, id)) != NULL)
		return k;
	while (at < set->nknown && set->known[at].id < id)
		at++;
	if (trendset_grow(&set->known, &set->capknown, set->nknown + 1,
	    sizeof(*k)) == -1) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memmove(&set->known[at + 1], &set->known[at],
	    (set->nknown - at) * sizeof(*k));
	set->nknown++;
	k = &set->known[at];
	memset(k, 0, sizeof(*k));
	k->id = id;
	sqlite3_reset(name_st);
	sqlite3_bind_int64(name_st, 1, id);
	rc = sqlite3_step(name_st);
	if (rc == SQLITE_ROW && (s = sqlite3_column_text(name_st, 0)) !=
	    NULL && (k->name = strdup((const char *)s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "cannot read the name of card %lld from "
		    "the database: %s", (long long)id,
		    sqlite3_errmsg(sqlite3_db_handle(name_st)));
		return NULL;
	}
	return k;
}

static int
row_rank(const void *a, const void *b)
{
	const struct trendset_row *x = a, *y = b;

	return tally_rank(x->players, x->name, x->id, y->players, y->name,
	    y->id);
}

/*
 * The top is picked by insertion, as a sort of every row would cost more
 * than all the rest on a long window.
 */
void
trendset_done(struct trendset *set, size_t ri, int latest)
{
	struct trendset_row	 top[TRENDS_TOP];
	struct trendset_known	*k;
	size_t			 i, j, n = 0;

	for (i = 0; i < set->nrows; i++) {
		if (n == TRENDS_TOP &&
		    row_rank(&set->rows[i], &top[n - 1]) >= 0)
			continue;
		j = n < TRENDS_TOP ? n++ : n - 1;
		for (; j > 0 && row_rank(&set->rows[i], &top[j - 1]) < 0; j--)
			top[j] = top[j - 1];
		top[j] = set->rows[i];
	}
	for (i = 0; i < n; i++) {
		if ((k = known_find(set, top[i].id)) == NULL)
			continue;
		k->last = ri + 1;
		k->rank = i;
		if (latest)
			set->top[set->ntop++] = k->id;
	}
	set->nrows = 0;
}

int
trendset_row(struct trendset *set, size_t s, const struct trendset_known *k,
    unsigned players)
{
	struct trendset_row r = { k->id, k->name, players, s };

	if (trendset_grow(&set->rows, &set->caprows, set->nrows + 1,
	    sizeof(r)) == -1)
		return -1;
	set->rows[set->nrows++] = r;
	if (s == SIZE_MAX)
		return 0;
	if (trendset_grow(&set->srows, &set->capsrows, set->nsrows + 1,
	    sizeof(r)) == -1)
		return -1;
	set->srows[set->nsrows++] = r;
	return 0;
}

/* The former top cards: the most recently in a top 10 first. */
static int
former_cmp(const void *a, const void *b)
{
	const struct trendset_known *x = a, *y = b;

	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Add the card k to cards with its series from the sampled rows. */
static int
trendset_add(struct trends_card *cards, size_t *ncards, size_t npoints,
    const struct trendset *set, const struct trendset_known *k)
{
	struct trends_card	*c = &cards[*ncards];
	size_t			 i;

	c->id = k->id;
	if ((c->players = calloc(npoints ? npoints : 1,
	    sizeof(*c->players))) == NULL ||
	    (k->name != NULL && (c->name = strdup(k->name)) == NULL))
		return -1;
	(*ncards)++;
	for (i = 0; i < set->nsrows; i++)
		if (set->srows[i].id == k->id)
			c->players[set->srows[i].sample] = set->srows[i].players;
	return 0;
}

int
trendset_choose(struct trendset *set, size_t n, size_t npoints,
    struct trends_card **cards, size_t *ncards)
{
	struct trendset_known	*former, *k;
	size_t			 i, nf = 0;

	if ((*cards = calloc(TRENDS_CARDS_MAX, sizeof(**cards))) == NULL ||
	    (former = calloc(set->nknown ? set->nknown : 1,
	    sizeof(*former))) == NULL)
		return -1;
	for (i = 0; i < set->ntop; i++) {
		k = known_find(set, set->top[i]);
		if (k != NULL && trendset_add(*cards, ncards, npoints, set,
		    k) == -1)
			goto fail;
	}
	for (i = 0; i < set->nknown; i++)
		if (set->known[i].last > 0 && set->known[i].last < n)
			former[nf++] = set->known[i];
	qsort(former, nf, sizeof(*former), former_cmp);
	for (i = 0; i < nf && *ncards < TRENDS_CARDS_MAX; i++)
		if (trendset_add(*cards, ncards, npoints, set,
		    &former[i]) == -1)
			goto fail;
	free(former);
	return 0;
fail:
	free(former);
	return -1;
}

void
trendset_free(struct trendset *set)
{
	while (set->nknown > 0)
		free(set->known[--set->nknown].name);
	free(set->known);
	free(set->rows);
	free(set->srows);
}

int
trendset_str(FILE *fp, const char *s)
{
	struct json_object	*o;
	const char		*txt;
	int			 rc;

	if (s == NULL)
		return fputs("null", fp) == EOF ? -1 : 0;
	if ((o = json_object_new_string(s)) == NULL)
		return -1;
	txt = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = txt == NULL || fputs(txt, fp) == EOF ? -1 : 0;
	json_object_put(o);
	return rc;
}

/* One card of a series list, on one line. */
static int
print_card(FILE *fp, size_t npoints, const struct trends_card *c,
    char (*stamps)[ISOTIME_LEN])
{
	size_t i;

	fprintf(fp, "    {\"id\": %lld, \"name\": ", (long long)c->id);
	if (trendset_str(fp, c->name) == -1)
		return -1;
	fputs(", \"points\": [", fp);
	for (i = 0; i < npoints; i++)
		fprintf(fp, "%s[\"%s\", %u]", i > 0 ? ", " : "", stamps[i],
		    c->players[i]);
	fputs("]}", fp);
	return 0;
}

/* "key": [ the cards ] of one measure. */
static int
print_list(FILE *fp, const char *key, const struct trends_card *cards,
    size_t n, size_t npoints, char (*stamps)[ISOTIME_LEN])
{
	size_t	i;
	int	rc = 0;

	fprintf(fp, "  \"%s\": [", key);
	for (i = 0; rc == 0 && i < n; i++) {
		fputs(i > 0 ? ",\n" : "\n", fp);
		rc = print_card(fp, npoints, &cards[i], stamps);
	}
	fputs(n > 0 ? "\n  ]" : "]", fp);
	return rc;
}

int
trendset_print(FILE *fp, const struct trends *t)
{
	char	(*stamps)[ISOTIME_LEN];
	size_t	 i;
	int	 rc;

	if ((stamps = calloc(t->npoints ? t->npoints : 1,
	    sizeof(*stamps))) == NULL)
		return -1;
	for (i = 0; i < t->npoints; i++)
		isotime_utc(t->times[i], stamps[i]);
	rc = print_list(fp, "cards", t->cards, t->ncards, t->npoints, stamps);
	fputs(",\n", fp);
	if (rc == 0)
		rc = print_list(fp, "deck_cards", t->deck_cards, t->ndeck_cards,
		    t->npoints, stamps);
	fputs("\n}\n", fp);
	free(stamps);
	return rc;
}
