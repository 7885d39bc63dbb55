/* t_profstore.c - unit tests for the profile store. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profstore.h"
#include "tap.h"

static struct profile
prof(const char *tag, const char *clan, int64_t read_at, int64_t id,
    const char *name)
{
	struct profile p;

	memset(&p, 0, sizeof(p));
	snprintf(p.tag, sizeof(p.tag), "%s", tag);
	snprintf(p.clan, sizeof(p.clan), "%s", clan);
	p.read_at = read_at;
	p.max_age = -1;
	p.card_id = id;
	p.card_name = (char *)(uintptr_t)name;
	return p;
}

static void
test_put_get(void)
{
	struct profstore	*ps = profstore_new();
	struct profile		 p = prof("#2Y0", "#9V2Y", 100, 26000017, "Wizard");
	char			 name[16] = "Wizard";
	const struct profile	*g;

	p.card_name = name;
	tap_int(profstore_put(ps, &p, 0), 0, "put: a new profile");
	name[0] = 'X';
	g = profstore_get(ps, "#2Y0");
	tap_ok(g != NULL && g->read_at == 100 && g->card_id == 26000017 &&
	    strcmp(g->clan, "#9V2Y") == 0, "get: what was put");
	tap_str(g != NULL ? g->card_name : NULL, "Wizard",
	    "get: the name was copied");
	tap_ok(profstore_get(ps, "#2Y2") == NULL, "get: another tag: none");
	p = prof("#2Y0", "#9V2Y", 90, 26000000, "Knight");
	profstore_put(ps, &p, 1);
	tap_int(profstore_get(ps, "#2Y0")->read_at, 100,
	    "put newer_only: an older read does not replace");
	p = prof("#2Y0", "#9V2Y", 100, 26000000, "Knight");
	profstore_put(ps, &p, 1);
	tap_int(profstore_get(ps, "#2Y0")->card_id, 26000017,
	    "put newer_only: a read at the same second does not replace");
	p = prof("#2Y0", "#PQL9", 120, 0, NULL);
	profstore_put(ps, &p, 1);
	g = profstore_get(ps, "#2Y0");
	tap_ok(g->read_at == 120 && g->card_id == 0 && g->card_name == NULL &&
	    strcmp(g->clan, "#PQL9") == 0,
	    "put newer_only: a later read replaces, without favourite too");
	tap_int(profstore_count(ps), 1, "count: one player");
	profstore_move(ps, "#2Y0", "#9V2Y");
	tap_str(profstore_get(ps, "#2Y0")->clan, "#9V2Y",
	    "move: the profile is now the other clan's");
	profstore_del(ps, "#2Y0");
	tap_ok(profstore_get(ps, "#2Y0") == NULL && profstore_count(ps) == 0,
	    "del: gone");
	profstore_del(ps, "#2Y0");
	tap_int(profstore_count(ps), 0, "del: of a tag not kept changes nothing");
	profstore_free(ps);
}

/* A tag of the alphabet for i, distinct for distinct i. */
static void
tag_of(unsigned i, char *out)
{
	static const char a[] = "0289PYLQGRJCUV";
	int k = 0;

	out[k++] = '#';
	do {
		out[k++] = a[i % 14];
		i /= 14;
	} while (i > 0);
	while (k < 5)
		out[k++] = '0';
	out[k] = '\0';
}

static void
collect(void *arg, const char *tag)
{
	unsigned *n = arg;

	(*n)++;
	(void)tag;
}

static int
keep_9v2y(void *arg, const char *clan)
{
	(void)arg;
	return strcmp(clan, "#9V2Y") == 0;
}

/* Thousands of players through growth, pruning and removals. */
static void
test_many(void)
{
	struct profstore	*ps = profstore_new();
	struct profile		 p;
	char			 tag[TAG_MAX], (*keep)[TAG_MAX];
	unsigned		 i, gone = 0, found = 0, right = 0;

	for (i = 0; i < 5000; i++) {
		tag_of(i, tag);
		p = prof(tag, i % 2 ? "#9V2Y" : "#PQL9", i, 26000000 + i, "C");
		profstore_put(ps, &p, 0);
	}
	tap_int(profstore_count(ps), 5000, "5000 players kept");
	keep = calloc(100, sizeof(*keep));
	for (i = 0; i < 100; i++)
		tag_of(2 * i + 1, keep[i]);
	tap_int(profstore_prune_clan(ps, "#9V2Y",
	    (const char (*)[TAG_MAX])keep, 100, collect, &gone), 2400,
	    "prune_clan: the clan's 2500 less the 100 it lists");
	tap_int(gone, 2400, "prune_clan: each forgotten tag passed on once");
	for (i = 0; i < 5000; i++) {
		const struct profile *g;

		tag_of(i, tag);
		if ((g = profstore_get(ps, tag)) == NULL)
			continue;
		found++;
		if (g->card_id == 26000000 + i && g->read_at == i)
			right++;
	}
	tap_int(found, 2600, "after pruning: 2500 of one clan and 100 listed");
	tap_int(right, 2600, "after pruning: every one still says its own card");
	tap_int(profstore_keep_clans(ps, keep_9v2y, NULL), 2500,
	    "keep_clans: the clan no longer followed is forgotten");
	tap_int(profstore_count(ps), 100, "keep_clans: 100 left");
	free(keep);
	profstore_free(ps);
}

/* What the model says a tag holds: its card id + 1 (0: not kept), clan. */
struct model {
	int64_t	 want[3000];
	int	 clan[3000];
	char	 expect[3000];	/* 1: the prune under way is to forget it */
	size_t	 n, gone, wrong_gone;
};

static void
model_gone(void *arg, const char *tag)
{
	struct model	*m = arg;
	size_t		 i = (size_t)atol(tag + 1) - 200000;

	m->gone++;
	if (i >= 3000 || m->expect[i] != 1)
		m->wrong_gone++;
	else
		m->expect[i] = 0;
}

/* Keep the even clans only. */
static int
model_keep(void *arg, const char *clan)
{
	(void)arg;
	return atoi(clan + 2) % 2 == 0;
}

/*
 * 40,000 random puts, deletions, moves between 30 clans and prunes of a
 * clan against plain arrays of what each tag should hold, and twice the
 * odd clans dropped: after each step the count, and after every 500
 * each tag's profile (or none) and clan are as the arrays say; a prune
 * forgets exactly the clan's members it does not list.  The store's
 * index shifts runs back on removal, its last profile fills the hole,
 * and each clan's list follows both: a wrong link or slot would lose,
 * keep or mix profiles here.
 */
static void
test_model(void)
{
	struct profstore	*ps = profstore_new();
	static struct model	 m;
	static char		 listed[3000][TAG_MAX];
	const struct profile	*g;
	struct profile		 p;
	unsigned long		 x = 12345;
	size_t			 step, i, nl, want_gone, countbad = 0, bad = 0;
	size_t			 prunebad = 0, pruned = 0;
	char			 tag[TAG_MAX], name[16], clan[TAG_MAX];
	int			 c, op;

	for (step = 1; step <= 40000; step++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		i = (size_t)(x >> 33) % 3000;
		c = (int)((x >> 45) % 30);
		snprintf(tag, sizeof(tag), "#%zu", 200000 + i);
		snprintf(clan, sizeof(clan), "#C%d", c);
		op = (int)((x >> 20) % 20);
		if (op < 12) {
			snprintf(name, sizeof(name), "C%lu", (x >> 40) % 97);
			p = prof(tag, clan, (int64_t)step, 26000000 +
			    (int64_t)((x >> 40) % 97), name);
			if (profstore_put(ps, &p, 0) == 0) {
				m.n += m.want[i] == 0;
				m.want[i] = p.card_id + 1;
				m.clan[i] = c;
			}
		} else if (op < 16) {
			profstore_del(ps, tag);
			m.n -= m.want[i] != 0;
			m.want[i] = 0;
		} else if (op < 19) {
			profstore_move(ps, tag, clan);
			if (m.want[i] != 0)
				m.clan[i] = c;
		} else {
			/* Prune clan c, listing about half its members. */
			nl = 0;
			want_gone = 0;
			for (i = 0; i < 3000; i++) {
				if (m.want[i] == 0 || m.clan[i] != c)
					continue;
				if ((i ^ step) % 2 == 0)
					snprintf(listed[nl++], TAG_MAX, "#%zu",
					    200000 + i);
				else {
					m.expect[i] = 1;
					m.want[i] = 0;
					m.n--;
					want_gone++;
				}
			}
			m.gone = 0;
			pruned += want_gone;
			prunebad += profstore_prune_clan(ps, clan,
			    (const char (*)[TAG_MAX])listed, nl, model_gone,
			    &m) != want_gone || m.gone != want_gone;
		}
		if (step == 15000 || step == 30000) {
			for (i = 0; i < 3000; i++)
				if (m.want[i] != 0 && m.clan[i] % 2 != 0) {
					m.want[i] = 0;
					m.n--;
				}
			profstore_keep_clans(ps, model_keep, NULL);
		}
		countbad += profstore_count(ps) != m.n;
		if (step % 500 != 0)
			continue;
		for (i = 0; i < 3000; i++) {
			snprintf(tag, sizeof(tag), "#%zu", 200000 + i);
			snprintf(clan, sizeof(clan), "#C%d", m.clan[i]);
			g = profstore_get(ps, tag);
			if (m.want[i] == 0 ? g != NULL : g == NULL ||
			    g->card_id + 1 != m.want[i] ||
			    strcmp(g->tag, tag) != 0 ||
			    strcmp(g->clan, clan) != 0 || g->card_name == NULL ||
			    atoll(g->card_name + 1) != m.want[i] - 1 - 26000000)
				bad++;
		}
	}
	tap_int(countbad, 0, "model: the count after each of 40000 steps");
	tap_int(bad, 0, "model: every tag's profile and clan, or none, every "
	    "500 steps");
	tap_int(pruned, 17352, "model: the prunes forgot 17352 profiles in "
	    "all (this seed's)");
	tap_int(prunebad + m.wrong_gone, 0, "model: each prune forgets the "
	    "clan's unlisted members, each passed on once, no other");
	profstore_free(ps);
}

static void
test_maintenance(void)
{
	struct profstore *ps = profstore_new();

	tap_int(profstore_maintenance(ps), 0, "maintenance: none at first");
	profstore_set_maintenance(ps, 500);
	profstore_set_maintenance(ps, 400);
	tap_int(profstore_maintenance(ps), 500,
	    "maintenance: the later time stays");
	profstore_free(ps);
}

/* Deck cards are numbered from 1, named by the latest name, bounded. */
static void
test_cards(void)
{
	struct profstore		*ps = profstore_new();
	const struct profstore_card	*c;
	unsigned			 n, last = 0;
	int				 ok = 1;

	if (ps == NULL)
		exit(99);
	tap_int(profstore_card(ps, 26000000, NULL), 1, "cards: the first is 1");
	tap_int(profstore_card(ps, 28000011, "The Log"), 2,
	    "cards: the second is 2");
	tap_int(profstore_card(ps, 26000000, "Knight"), 1,
	    "cards: a known one keeps its number");
	c = profstore_card_at(ps, 1);
	tap_str(c != NULL ? c->name : "(none)", "Knight",
	    "cards: a name learnt later");
	profstore_card(ps, 26000000, "Sir Knight");
	profstore_card(ps, 26000000, NULL);
	tap_str(profstore_card_at(ps, 1)->name, "Sir Knight",
	    "cards: renamed by the latest name; NULL keeps it");
	tap_ok(profstore_card_at(ps, 0) == NULL &&
	    profstore_card_at(ps, 3) == NULL, "cards: no card 0 nor 3");
	for (n = 3; n <= PROFSTORE_CARDS_MAX; n++)
		if ((last = profstore_card(ps, 1000 + n, NULL)) != n)
			ok = 0;
	tap_ok(ok && last == PROFSTORE_CARDS_MAX,
	    "cards: numbered up to %d", PROFSTORE_CARDS_MAX);
	tap_int(profstore_card(ps, 999, "Extra"), 0,
	    "cards: one more is refused (0)");
	tap_int(profstore_card(ps, 1000 + 40000, NULL), 40000,
	    "cards: a known one still has its number when full");
	c = profstore_card_at(ps, PROFSTORE_CARDS_MAX);
	tap_int(c != NULL ? c->id : 0, 1000 + PROFSTORE_CARDS_MAX,
	    "cards: the last one's id");
	profstore_free(ps);
}

int
main(void)
{
	test_put_get();
	test_many();
	test_model();
	test_maintenance();
	test_cards();
	return tap_done();
}
