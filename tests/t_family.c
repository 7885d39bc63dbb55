/* t_family.c - unit tests for family.c: cards.json's exact text. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "family.h"
#include "figures.h"
#include "outdir.h"
#include "tally.h"
#include "tap.h"
#include "tfile.h"

#include <json-c/json.h>

#define CARD(id, name, players, clans) \
	"    {\n" \
	"      \"id\": " #id ",\n" \
	"      \"name\": " name ",\n" \
	"      \"players\": " #players ",\n" \
	"      \"clans\": " #clans "\n" \
	"    }"

/*
 * The family of the fixtures: Knight in two clans, a tie of 2 players
 * ordered by name, a tie of 1 player with a named card first and two
 * nameless ones by id; #2PYLQ has no snapshot and counts for nothing.
 * Their decks: Knight in three clans, The Log summed over two, a tie of 7
 * players where the name (Fireball) goes before the lower id (Valkyrie),
 * a tie of 1 player, named first, then nameless by id.
 */
#define FAMILY_TEXT \
	"{\n" \
	"  \"generated_at\": \"2026-11-21T22:26:40Z\",\n" \
	"  \"clans\": 4,\n" \
	"  \"players\": 15,\n" \
	"  \"favourite_cards\": [\n" \
	CARD(26000000, "\"Knight\"", 5, 2) ",\n" \
	CARD(26000001, "\"Archers\"", 3, 1) ",\n" \
	CARD(28000011, "\"The Log\"", 2, 1) ",\n" \
	CARD(26000017, "\"Wizard\"", 2, 1) ",\n" \
	CARD(26000015, "\"Baby \\\"Dragon\\\" \\\\ ⭐\"", 1, 1) ",\n" \
	CARD(26000098, "null", 1, 1) ",\n" \
	CARD(26000099, "null", 1, 1) "\n" \
	"  ],\n" \
	"  \"deck_cards\": [\n" \
	CARD(28000011, "\"The Log\"", 10, 2) ",\n" \
	CARD(28000000, "\"Fireball\"", 7, 2) ",\n" \
	CARD(26000011, "\"Valkyrie\"", 7, 2) ",\n" \
	CARD(26000000, "\"Knight\"", 6, 3) ",\n" \
	CARD(26000001, "\"Archers\"", 3, 1) ",\n" \
	CARD(28000004, "\"Goblin Barrel\"", 1, 1) ",\n" \
	CARD(26000098, "null", 1, 1) ",\n" \
	CARD(26000099, "null", 1, 1) "\n" \
	"  ]\n" \
	"}\n"

/* Count n players of the card id in t. */
static void
add(struct tally *t, long long id, const char *name, int n)
{
	while (n-- > 0)
		if (tally_add(t, id, name) == -1)
			abort();
}

/* The text family_write gives for fig at when (caller frees). */
static char *
family_text(time_t when, const struct clan_figures *const *fig, size_t n)
{
	FILE	*fp;
	char	*txt = NULL;
	size_t	 len;

	if ((fp = open_memstream(&txt, &len)) == NULL)
		return NULL;
	tap_int(family_write(fp, when, fig, n), 0, "family_write succeeds");
	fclose(fp);
	return txt;
}

/*
 * Many distinct cards, past the merge index's first sizes: clan x holds
 * ids 1..200 with 1 player each, clan y ids 101..300 with 2 each, so
 * cards.json lists 101..200 (3 players, 2 clans), then 201..300 (2, 1),
 * then 1..100 (1, 1), each run by id (no names).  Returns the entries
 * that differ from that (0: all as expected), or -1 when unreadable.
 */
static int
many_cards(time_t when)
{
	struct clan_figures		 x, y;
	const struct clan_figures	*fig[2] = { &x, &y };
	struct json_object		*o, *arr, *e, *v;
	char				*txt;
	int64_t				 want_id, want_players, want_clans;
	size_t				 i;
	int				 bad = 0;

	figures_init(&x);
	figures_init(&y);
	for (i = 1; i <= 200; i++)
		add(&x.deck_cards, (long long)i, NULL, 1);
	for (i = 101; i <= 300; i++)
		add(&y.deck_cards, (long long)i, NULL, 2);
	tally_sort(&x.deck_cards);
	tally_sort(&y.deck_cards);
	txt = family_text(when, fig, 2);
	o = txt != NULL ? json_tokener_parse(txt) : NULL;
	free(txt);
	figures_free(&x);
	figures_free(&y);
	if (!json_object_object_get_ex(o, "deck_cards", &arr) ||
	    json_object_array_length(arr) != 300) {
		json_object_put(o);
		return -1;
	}
	for (i = 0; i < 300; i++) {
		e = json_object_array_get_idx(arr, i);
		want_id = i < 100 ? 101 + (int64_t)i : i < 200 ?
		    101 + (int64_t)i : (int64_t)i - 199;
		want_players = i < 100 ? 3 : i < 200 ? 2 : 1;
		want_clans = i < 100 ? 2 : 1;
		if (!json_object_object_get_ex(e, "id", &v) ||
		    json_object_get_int64(v) != want_id ||
		    !json_object_object_get_ex(e, "players", &v) ||
		    json_object_get_int64(v) != want_players ||
		    !json_object_object_get_ex(e, "clans", &v) ||
		    json_object_get_int64(v) != want_clans ||
		    !json_object_object_get_ex(e, "name", &v) || v != NULL) {
			printf("# entry %zu: %s\n", i,
			    json_object_to_json_string(e));
			bad++;
		}
	}
	json_object_put(o);
	return bad;
}

int
main(void)
{
	const struct clan_figures *ci[4], *two[2];
	struct clan_figures	 a, c, d, none, named;
	struct outdir		*od;
	char			 tmpl[] = "/tmp/t_family.XXXXXX", *dir;
	char			 path[512], err[1024], *txt, *p, stamp[32];
	time_t			 when = 1795300000; /* 2026-11-21T22:26:40Z */
	time_t			 before = time(NULL);

	figures_init(&a);
	figures_init(&c);
	figures_init(&d);
	add(&a.cards, 26000000, "Knight", 3);
	add(&a.cards, 26000017, "Wizard", 2);
	add(&a.cards, 26000099, NULL, 1);
	tally_sort(&a.cards);
	add(&c.cards, 26000001, "Archers", 3);
	add(&c.cards, 26000000, "Knight", 2);
	add(&c.cards, 28000011, "The Log", 2);
	add(&c.cards, 26000098, NULL, 1);
	add(&c.cards, 26000015, "Baby \"Dragon\" \\ ⭐", 1);
	tally_sort(&c.cards);
	add(&a.deck_cards, 26000011, "Valkyrie", 5);
	add(&a.deck_cards, 28000000, "Fireball", 4);
	add(&a.deck_cards, 28000011, "The Log", 4);
	add(&a.deck_cards, 26000000, "Knight", 3);
	add(&a.deck_cards, 26000099, NULL, 1);
	tally_sort(&a.deck_cards);
	add(&c.deck_cards, 28000011, "The Log", 6);
	add(&c.deck_cards, 28000000, "Fireball", 3);
	add(&c.deck_cards, 26000001, "Archers", 3);
	add(&c.deck_cards, 26000011, "Valkyrie", 2);
	add(&c.deck_cards, 26000000, "Knight", 1);
	add(&c.deck_cards, 26000098, NULL, 1);
	add(&c.deck_cards, 28000004, "Goblin Barrel", 1);
	tally_sort(&c.deck_cards);
	add(&d.deck_cards, 26000000, "Knight", 2);
	/* Players read and reused count alike. */
	a.fetched = 5;
	a.reused = 2;
	a.without_favourite = 1;
	/* Players without a deck change nothing in cards.json. */
	a.without_deck = 1;
	ci[0] = &a;
	/* Without a snapshot, a clan is not counted. */
	ci[1] = NULL;
	c.fetched = 10;
	c.without_favourite = 1;
	c.without_deck = 2;
	ci[2] = &c;
	/* A snapshot where nobody has a favourite card, but decks. */
	d.fetched = 2;
	d.without_favourite = 2;
	ci[3] = &d;

	txt = family_text(when, ci, 4);
	tap_str(txt, FAMILY_TEXT, "cards.json text is exact: favourite and "
	    "deck cards, sums, ties, null names, a clan without snapshot");
	free(txt);

	txt = family_text(when, ci, 0);
	tap_str(txt, "{\n"
	    "  \"generated_at\": \"2026-11-21T22:26:40Z\",\n"
	    "  \"clans\": 0,\n"
	    "  \"players\": 0,\n"
	    "  \"favourite_cards\": [\n"
	    "  ],\n"
	    "  \"deck_cards\": [\n"
	    "  ]\n"
	    "}\n", "cards.json without clans");
	free(txt);

	/* Favourites but no deck counted: deck_cards is empty. */
	figures_init(&none);
	figures_init(&named);
	add(&named.cards, 26000010, "Skeleton Army", 1);
	named.fetched = 1;
	two[0] = &named;
	txt = family_text(when, two, 1);
	tap_str(txt, "{\n"
	    "  \"generated_at\": \"2026-11-21T22:26:40Z\",\n"
	    "  \"clans\": 1,\n"
	    "  \"players\": 1,\n"
	    "  \"favourite_cards\": [\n"
	    CARD(26000010, "\"Skeleton Army\"", 1, 1) "\n"
	    "  ],\n"
	    "  \"deck_cards\": [\n"
	    "  ]\n"
	    "}\n", "favourites without deck cards: deck_cards is empty");
	free(txt);

	/* A card's name comes from the first clan that has one. */
	add(&none.cards, 26000010, NULL, 2);
	add(&none.deck_cards, 26000010, NULL, 2);
	add(&none.deck_cards, 26000011, "Valkyrie", 1);
	tally_sort(&none.deck_cards);
	add(&named.deck_cards, 26000011, NULL, 1);
	add(&named.deck_cards, 26000010, "Skeleton Army", 1);
	tally_sort(&named.deck_cards);
	none.fetched = 2;
	two[0] = &none;
	two[1] = &named;
	txt = family_text(when, two, 2);
	tap_str(txt, "{\n"
	    "  \"generated_at\": \"2026-11-21T22:26:40Z\",\n"
	    "  \"clans\": 2,\n"
	    "  \"players\": 3,\n"
	    "  \"favourite_cards\": [\n"
	    CARD(26000010, "\"Skeleton Army\"", 3, 2) "\n"
	    "  ],\n"
	    "  \"deck_cards\": [\n"
	    CARD(26000010, "\"Skeleton Army\"", 3, 2) ",\n"
	    CARD(26000011, "\"Valkyrie\"", 2, 2) "\n"
	    "  ]\n"
	    "}\n", "a nameless card takes another clan's name for it, "
	    "favourite or deck card");
	free(txt);

	tap_int(many_cards(when), 0, "300 distinct deck cards of two clans: "
	    "every entry's id, players and clans, in order");

	/* On disk, atomically, generated at the time of writing. */
	if ((dir = mkdtemp(tmpl)) == NULL ||
	    (od = outdir_open(dir, err, sizeof(err))) == NULL) {
		printf("Bail out! cannot make the output directory\n");
		return 1;
	}
	tap_int(family_write_file(od, ci, 4, err, sizeof(err)), 0,
	    "family_write_file succeeds");
	snprintf(path, sizeof(path), "%s/cards.json", dir);
	txt = tfile_slurp(path);
	/* The time of writing is compared apart, then the fixture's put. */
	stamp[0] = '\0';
	if (txt != NULL && (p = strstr(txt, "\"generated_at\": \"")) != NULL &&
	    strlen(p) > 37) {
		memcpy(stamp, p + 17, 20);
		stamp[20] = '\0';
		memcpy(p + 17, "2026-11-21T22:26:40Z", 20);
	}
	tap_ok(tfile_iso_between(stamp, before, time(NULL)),
	    "cards.json generated_at is the time of writing");
	tap_str(txt, FAMILY_TEXT, "cards.json on disk is exact");
	free(txt);
	outdir_close(od);

	figures_free(&a);
	figures_free(&c);
	figures_free(&d);
	figures_free(&none);
	figures_free(&named);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
