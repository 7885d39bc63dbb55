/* t_tally.c - unit tests for tally.c. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tally.h"
#include "tap.h"

static void
test_empty(void)
{
	struct tally t;

	tally_init(&t);
	tap_int(t.n, 0, "empty tally has no cards");
	tap_int(tally_total(&t), 0, "empty tally totals 0");
	tally_sort(&t);
	tap_int(t.n, 0, "sorting an empty tally is fine");
	tally_free(&t);
	tap_ok(t.cards == NULL && t.n == 0 && t.cap == 0,
	    "tally_free leaves an empty tally");

	/*
	 * Freed twice, a tally that held named cards: the second call frees
	 * nothing again (the sanitizer build would abort), and the tally is
	 * as new.
	 */
	tap_int(tally_add(&t, 26000055, "Mega Knight"), 0,
	    "add to a freed tally");
	tap_int(tally_add(&t, 28000011, "The Log"), 0, "add a second card");
	tally_free(&t);
	tally_free(&t);
	tap_ok(t.cards == NULL && t.n == 0 && t.cap == 0,
	    "tally_free twice leaves an empty tally");
	tap_int(tally_add(&t, 28000011, "The Log"), 0,
	    "add after a double free");
	tap_int(t.n, 1, "after a double free: one card");
	tap_str(t.cards[0].name, "The Log", "after a double free: its name");
	tap_int(tally_total(&t), 1, "after a double free: total 1");
	tally_free(&t);
}

static void
test_counting(void)
{
	struct tally	t;
	char		name[16];

	tally_init(&t);
	tap_int(tally_add(&t, 26000055, "Mega Knight"), 0, "add Mega Knight");
	tap_int(tally_add(&t, 28000011, "The Log"), 0, "add The Log");
	tap_int(tally_add(&t, 26000055, "Mega Knight"), 0,
	    "add Mega Knight again");
	tap_int(t.n, 2, "two distinct cards");
	tap_int(t.cards[0].id, 26000055, "first card id");
	tap_int(t.cards[0].count, 2, "first card counted twice");
	tap_int(t.cards[1].count, 1, "second card counted once");
	tap_int(tally_total(&t), 3, "total 3");

	/* The name is a copy, not the caller's pointer. */
	strcpy(name, "X-Bow");
	tap_int(tally_add(&t, 27000008, name), 0, "add X-Bow from a buffer");
	strcpy(name, "changed");
	tap_str(t.cards[2].name, "X-Bow", "name copied, not borrowed");
	tally_free(&t);
}

static void
test_names(void)
{
	struct tally t;

	tally_init(&t);
	tally_add(&t, 26000004, NULL);
	tap_ok(t.cards[0].name == NULL, "unnamed card has NULL name");
	tally_add(&t, 26000004, "P.E.K.K.A");
	tap_str(t.cards[0].name, "P.E.K.K.A", "first non-NULL name taken");
	tally_add(&t, 26000004, "PEKKA");
	tap_str(t.cards[0].name, "P.E.K.K.A", "first name kept over a later one");
	tally_add(&t, 26000004, NULL);
	tap_str(t.cards[0].name, "P.E.K.K.A", "NULL does not erase the name");
	tap_int(t.cards[0].count, 4, "every add counted, named or not");
	tally_add(&t, 28000008, "");
	tap_str(t.cards[1].name, "", "empty name kept as a name");
	tally_add(&t, 28000008, "Zap");
	tap_str(t.cards[1].name, "", "empty name is not replaced");
	tally_free(&t);
}

static void
test_sort(void)
{
	static const struct {
		int64_t		 id;
		const char	*name;
		unsigned	 count;
	} adds[] = {
		{ 26000001, "Archers", 1 },
		{ 28000011, "The Log", 3 },
		{ 26000099, NULL, 3 },
		{ 26000055, "Mega Knight", 5 },
		{ 26000098, NULL, 3 },
		{ 27000008, "X-Bow", 3 },
		{ 26000000, "Knight", 5 },
		{ 28000000, "Fireball", 3 },
		{ 26000077, "Knight", 5 },	/* same name, higher id */
		{ 26000010, "Skeletons", 2 },
		{ 159000000, "Tower Princess", 1 },
		{ 26000004, "P.E.K.K.A", 3 },
		{ 26000018, "Mini P.E.K.K.A", 3 },
		{ 26000097, "knight", 5 },	/* strcmp: upper case first */
	};
	static const struct {
		int64_t		 id;
		unsigned	 count;
	} want[] = {
		{ 26000000, 5 },	/* Knight */
		{ 26000077, 5 },	/* Knight */
		{ 26000055, 5 },	/* Mega Knight */
		{ 26000097, 5 },	/* knight */
		{ 28000000, 3 },	/* Fireball */
		{ 26000018, 3 },	/* Mini P.E.K.K.A */
		{ 26000004, 3 },	/* P.E.K.K.A */
		{ 28000011, 3 },	/* The Log */
		{ 27000008, 3 },	/* X-Bow */
		{ 26000098, 3 },	/* NULL */
		{ 26000099, 3 },	/* NULL */
		{ 26000010, 2 },	/* Skeletons */
		{ 26000001, 1 },	/* Archers */
		{ 159000000, 1 },	/* Tower Princess */
	};
	struct tally	t;
	size_t		i;
	unsigned	k, same, total = 0;
	int		rc = 0;

	tally_init(&t);
	/* Interleave the adds so insertion order says nothing. */
	for (k = 0; k < 5; k++)
		for (i = sizeof(adds) / sizeof(adds[0]); i-- > 0;)
			if (adds[i].count > k) {
				rc |= tally_add(&t, adds[i].id, adds[i].name);
				total++;
			}
	tap_int(rc, 0, "all adds succeed");
	tap_int(t.n, 14, "14 distinct cards");
	tap_int(tally_total(&t), total, "total before sorting");
	tally_sort(&t);
	tap_int(tally_total(&t), total, "total after sorting");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		tap_int(t.cards[i].id, want[i].id, "sorted[%zu] id", i);
		tap_int(t.cards[i].count, want[i].count, "sorted[%zu] count", i);
	}
	tap_str(t.cards[0].name, "Knight", "sorted[0] name");
	tap_ok(t.cards[9].name == NULL && t.cards[10].name == NULL,
	    "NULL names after named cards of the same count");
	tally_sort(&t);
	for (i = 0, same = 0; i < sizeof(want) / sizeof(want[0]); i++)
		same += t.cards[i].id == want[i].id;
	tap_int(same, 14, "sorting again changes nothing");
	tally_free(&t);
}

static void
test_many(void)
{
	struct tally	t;
	unsigned	i, j, bad = 0;
	int		rc = 0;
	char		name[32];

	/* 300 cards, card i added i % 7 + 1 times: 1,197 adds in all. */
	tally_init(&t);
	for (j = 0; j < 7; j++)
		for (i = 0; i < 300; i++)
			if (i % 7 >= j) {
				snprintf(name, sizeof(name), "Card %03u", i);
				rc |= tally_add(&t, 26000000 + i, name);
			}
	tap_int(rc, 0, "1,197 adds succeed");
	tap_int(t.n, 300, "300 distinct cards");
	tap_int(tally_total(&t), 1197, "total 1,197");
	tally_sort(&t);
	for (i = 1; i < t.n; i++)
		if (t.cards[i - 1].count < t.cards[i].count ||
		    (t.cards[i - 1].count == t.cards[i].count &&
		    strcmp(t.cards[i - 1].name, t.cards[i].name) >= 0))
			bad++;
	tap_int(bad, 0, "300 cards in order");
	tap_int(t.cards[0].id, 26000006, "most counted first");
	tap_str(t.cards[0].name, "Card 006", "most counted first: name");
	tap_int(t.cards[0].count, 7, "most counted first: count");
	tap_int(t.cards[299].id, 26000294, "least counted, last name, last");
	tap_int(t.cards[299].count, 1, "last count");
	tally_free(&t);
}

/*
 * Names are shared: two tallies point to one copy; a sorted tally has no
 * spare room; past TALLY_NAMES_MAX distinct names, cards count unnamed.
 * Runs last: it fills the process's table of names.
 */
static void
test_interned(void)
{
	struct tally	a, b;
	char		name[32];
	int		i, rc = 0;

	tally_init(&a);
	tally_init(&b);
	strcpy(name, "Knight");
	tally_add(&a, 26000000, name);
	strcpy(name, "Knight");
	tally_add(&b, 26000000, name);
	tap_ok(a.cards[0].name == b.cards[0].name && a.cards[0].name != name,
	    "interned: two tallies share one copy of a name");
	tally_add(&a, 26000001, "Archers");
	tally_add(&a, 26000002, NULL);
	tally_sort(&a);
	tap_int((int)a.cap, 3, "interned: a sorted tally's room is its cards");
	tap_int(tally_add(&a, 26000003, "Giant"), 0,
	    "interned: a sorted tally still takes a card");
	tally_free(&a);
	tally_free(&b);
	for (i = 0; i < TALLY_NAMES_MAX; i++) {
		snprintf(name, sizeof(name), "Card %d", i);
		rc |= tally_add(&a, i + 1, name);
		if (a.n > 1000)
			tally_free(&a);
	}
	tally_free(&a);
	tap_int(rc, 0, "interned: %d distinct names kept", TALLY_NAMES_MAX);
	tap_int(tally_add(&a, 1, "One more"), 0,
	    "interned: one more name is no error");
	tap_str(a.cards[0].name, NULL, "interned: its card counts unnamed");
	tally_add(&a, 2, "Card 7");
	tap_str(a.cards[1].name, "Card 7", "interned: a kept name still comes");
	tally_free(&a);
}

/* Ids outside 1..2^31-1 are refused (EINVAL), counting nothing. */
static void
test_ids(void)
{
	static const int64_t	 bad[] = { 0, -1, INT64_MIN,
				    (int64_t)INT32_MAX + 1, INT64_MAX };
	struct tally		 t;
	size_t			 i, refused = 0;

	tally_init(&t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		refused += tally_add(&t, bad[i], "Odd") == -1 &&
		    errno == EINVAL;
	}
	tap_int(refused, 5, "ids 0, -1, -2^63, 2^31 and 2^63-1: refused, "
	    "EINVAL");
	tap_int(t.n, 0, "refused ids count nothing");
	tap_int(tally_add(&t, INT32_MAX, "Top") == 0 && tally_add(&t, 1,
	    NULL) == 0 && t.n == 2 && t.cards[0].id == INT32_MAX &&
	    t.cards[1].id == 1, 1, "ids 2^31-1 and 1: counted as they are");
	tally_free(&t);
}

int
main(void)
{
	test_empty();
	test_counting();
	test_names();
	test_sort();
	test_many();
	test_interned();
	test_ids();
	return tap_done();
}
