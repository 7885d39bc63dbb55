/* t_deck.c - unit tests for apiplayer.c's reading of currentDeck. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "tap.h"

#define ODD_ID(n, is) "the id of its deck's card " n " is " is " (a card " \
    "id is a whole number from 1 to 2147483647)"

/*
 * The deck as "id name|id name" ("id -" for a card without a name), or
 * "refused: <reason>", or "no deck".
 */
static void
show(const struct api_player *p, char *buf, size_t len)
{
	size_t	i, o = 0;

	buf[0] = '\0';
	if (p->deck_refused[0] != '\0') {
		snprintf(buf, len, "refused: %s", p->deck_refused);
		return;
	}
	if (p->ndeck == 0) {
		snprintf(buf, len, "no deck");
		return;
	}
	for (i = 0; i < p->ndeck && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%lld %s",
		    i > 0 ? "|" : "", (long long)p->deck_ids[i],
		    p->deck_names[i][0] != '\0' ? p->deck_names[i] : "-");
}

/*
 * The two ways a body is read: as it is (the scanner's way), and after a
 * top-level key with an escape, which makes the scanner give up (json-c's).
 */
static const char *const deck_pre[2] = { "{", "{\"\\u0078\":1," };
static const char *const deck_how[2] = { "scanner", "full parse" };

/*
 * Parse pre, then "currentDeck": deck and a '}', in an exact-size buffer,
 * into p (its bytes spoilt first): api_parse_player's return.
 */
static int
parse_deck(const char *pre, const char *deck, struct api_player *p,
    char *err, size_t errlen)
{
	char	*body;
	size_t	 len;
	int	 rc;

	len = strlen(pre) + strlen("\"currentDeck\":") + strlen(deck) + 1;
	if ((body = malloc(len + 1)) == NULL)
		exit(99);
	snprintf(body, len + 1, "%s\"currentDeck\":%s}", pre, deck);
	memset(p, 0xa5, sizeof(*p));
	rc = api_parse_player(body, len, p, err, errlen);
	free(body);
	return rc;
}

/*
 * Parse {"currentDeck": deck} in an exact-size buffer, twice: as it is
 * (the scanner's way) and after a top-level key with an escape (which
 * makes the scanner give up: json-c's way).  Both must give want.
 */
static void
deck_case(const char *deck, const char *want, const char *name)
{
	struct api_player	 p;
	char			 err[256], got[2048];
	int			 i, rc;

	for (i = 0; i < 2; i++) {
		rc = parse_deck(deck_pre[i], deck, &p, err, sizeof(err));
		tap_int(rc, 0, "%s (%s): the player is read", name,
		    deck_how[i]);
		show(&p, got, sizeof(got));
		tap_str(got, want, "%s (%s): the deck", name, deck_how[i]);
		api_player_free(&p);
	}
}

static void
test_shapes(void)
{
	deck_case("[{\"name\":\"Knight\",\"id\":26000000,\"level\":11,"
	    "\"iconUrls\":{\"medium\":\"https://x/k.png\"}},"
	    "{\"name\":\"Arrows\",\"id\":28000001},"
	    "{\"name\":\"Fireball\",\"id\":28000000},"
	    "{\"name\":\"Hog Rider\",\"id\":26000021},"
	    "{\"name\":\"Musketeer\",\"id\":26000014},"
	    "{\"name\":\"The Log\",\"id\":28000011},"
	    "{\"name\":\"Ice Spirit\",\"id\":26000030},"
	    "{\"name\":\"Cannon\",\"id\":27000000}]",
	    "26000000 Knight|28000001 Arrows|28000000 Fireball|"
	    "26000021 Hog Rider|26000014 Musketeer|28000011 The Log|"
	    "26000030 Ice Spirit|27000000 Cannon", "8 distinct cards");
	deck_case("[{\"name\":\"Knight\",\"id\":26000000},"
	    "{\"name\":\"Arrows\",\"id\":28000001},"
	    "{\"name\":\"Sir Knight\",\"id\":26000000}]",
	    "26000000 Knight|28000001 Arrows",
	    "a repeated card counts once, with its first name");
	deck_case("[{\"id\":1},{\"id\":2},{\"id\":3},{\"id\":4},{\"id\":5},"
	    "{\"id\":6},{\"id\":7},{\"id\":8},{\"id\":9}]",
	    "refused: its deck holds more than 8 distinct cards",
	    "a 9th distinct card refuses the deck");
	deck_case("[{\"id\":1},{\"id\":2},{\"id\":3},{\"id\":4},{\"id\":5},"
	    "{\"id\":6},{\"id\":7},{\"id\":8},{\"id\":8},{\"id\":1}]",
	    "1 -|2 -|3 -|4 -|5 -|6 -|7 -|8 -",
	    "10 entries, 8 distinct cards");
	deck_case("null", "no deck", "null");
	deck_case("[]", "no deck", "an empty array");
	deck_case("{\"id\":26000000}", "no deck", "an object");
	deck_case("\"Knight\"", "no deck", "a string");
	deck_case("26000000", "no deck", "a number");
	deck_case("[7,\"x\",null,true,[{\"id\":3}],{},{\"name\":\"No id\"},"
	    "{\"id\":null,\"name\":\"Null id\"},{\"id\":5,\"name\":\"Five\"}]",
	    "5 Five", "entries that are no objects or have no id are skipped");
	deck_case("[{\"id\":1,\"id\":2,\"name\":\"A\",\"name\":\"B\"}]",
	    "2 B", "a repeated key: the last one, as json-c takes it");
	deck_case("[{\"\\u0069d\":3,\"name\":\"Escaped\"}]", "3 Escaped",
	    "an escaped key spells id");
	deck_case("[{\"id\":26000000,\"name\":12}]", "26000000 -",
	    "a name that is no string is none");
	deck_case("[{\"id\":4,\"name\":\"Caf\\u00e9 \\\"A\\\"\"}]",
	    "4 Caf\xc3\xa9 \"A\"", "an escaped name");
	deck_case("[{\"id\":4,\"name\":\"A\\u0000B\\u0007\xff\"}]",
	    "4 A\xef\xbf\xbd" "B\x07\xef\xbf\xbd",
	    "a NUL and a bad byte in a name become U+FFFD");
	deck_case("[{\"id\":2147483647}]", "2147483647 -",
	    "the largest id");
	deck_case("[{\"id\":1,\"iconUrls\":{\"a\":[1,{\"b\":\"}]\"}]}},"
	    "{\"id\":2,\"x\":[[[]]]}]", "1 -|2 -",
	    "containers beside id and name are skipped whole");
}

/*
 * Parse {"currentDeck": deck} as deck_case does, when the deck is not
 * JSON but its faults lie only where the scanner reads a thrown-away
 * value: the scanner reads want (rc 0), the full parse refuses the body.
 * A want of NULL: the scanner gives up too (rc -1 both ways).
 */
static void
loose_case(const char *deck, const char *want, const char *name)
{
	struct api_player	 p;
	char			 err[256], got[2048];
	int			 i, rc;

	for (i = 0; i < 2; i++) {
		rc = parse_deck(deck_pre[i], deck, &p, err, sizeof(err));
		if (i == 1 || want == NULL) {
			tap_int(rc, -1, "%s (%s): json-c refuses the body",
			    name, deck_how[i]);
			continue;
		}
		tap_int(rc, 0, "%s (%s): the player is read", name,
		    deck_how[i]);
		show(&p, got, sizeof(got));
		tap_str(got, want, "%s (%s): the deck", name, deck_how[i]);
		api_player_free(&p);
	}
}

/*
 * The scanner reads a deck 64 bytes at a time from its '[': a card
 * after a thrown-away string of 0 to 140 bytes (pad, between pre and
 * post) puts each of its bytes at
 * each place in a block (a key split by a block's end, a ':' first in a
 * block, a name last in one).  The first length that reads otherwise
 * than want, or -1.
 */
static int
first_misread(const char *pre, const char *post, const char *want)
{
	struct api_player	 p;
	char			 pad[160], deck[512], body[600], err[256];
	char			 got[256];
	int			 n, len, rc;

	for (n = 0; n <= 140; n++) {
		memset(pad, 'a', (size_t)n);
		pad[n] = '\0';
		snprintf(deck, sizeof(deck), "%s%s%s", pre, pad, post);
		len = snprintf(body, sizeof(body), "{\"currentDeck\":%s,"
		    "\"tag\":\"#2PP\"}", deck);
		memset(&p, 0xa5, sizeof(p));
		rc = api_parse_player(body, (size_t)len, &p, err, sizeof(err));
		show(&p, got, sizeof(got));
		if (rc != 0 || strcmp(got, want) != 0)
			return n;
		api_player_free(&p);
	}
	return -1;
}

/* What the scanner's walk of a deck treats apart, read exactly. */
static void
test_walk(void)
{
	tap_int(first_misread("[{\"x\":\"", "\",\"name\":\"Knight\","
	    "\"id\":26000000,\"iconUrls\":{\"medium\":\"u\"}},"
	    "{\"id\":28000001,\"name\":\"Arrows\"}]",
	    "26000000 Knight|28000001 Arrows"), -1,
	    "walk: every place of the fields in the 64-byte blocks");
	tap_int(first_misread("[{\"x\":\"", "\" , \"name\"\n:\t\"Knight\" ,"
	    "\"id\" : 26000000 }]", "26000000 Knight"), -1,
	    "walk: white space around keys and values, at every place");
	tap_int(first_misread("[{\"x\":\"a\\\\", "\\\"\",\"id\":3,"
	    "\"name\":\"C\\u0061t\"}]", "3 Cat"), -1,
	    "walk: escapes before the fields and in a name, at every place");
	tap_int(first_misread("[{\"x\":\"", "\",\"n\\u0061me\":\"Knight\","
	    "\"id\":26000000}]", "26000000 Knight"), -1,
	    "walk: an escaped key that spells a field, at every place");
	deck_case("[{\"rarity\":\"com\\\"mon\",\"id\":1,\"name\":\"A\"},"
	    "{\"iconUrls\":{\"medium\":\"https:\\/\\/x\\\\\"},\"id\":2}]",
	    "1 A|2 -", "walk: a backslash in strings that are no field");
	deck_case("[{\"x\":\"\\\"id\\\":5\",\"id\":6,\"y\":\"name\"}]", "6 -",
	    "walk: a key's spelling inside a string is no key");
	deck_case("[{\"iconUrls\":{\"id\":9,\"name\":\"No\"},\"id\":1},"
	    "[{\"id\":8}]]", "1 -",
	    "walk: id and name below an item's own level are not its");
	deck_case("[{\"id\":1,\"iconUrls\":{\"a\":[[[[{\"b\":[{}]}]]]],"
	    "\"c\":\"]}\"},\"name\":\"Deep\"}]", "1 Deep",
	    "walk: deep nesting beside the fields");
	deck_case("[{\"le\\u0076el\":1,\"id\":2}]", "2 -",
	    "walk: an escaped key that is no field (the full parse's)");
	deck_case("[1,\"a,b\",{\"id\":-1}]",
	    "refused: " ODD_ID("3", "0 or negative"),
	    "walk: an entry's number counts the commas outside strings");
	deck_case("[ {\"id\":1} ,\n {\"id\":1.0} ]",
	    "refused: " ODD_ID("2",
	    "a number with a fraction or an exponent"),
	    "walk: an entry's number past white space");
	loose_case("[{\"level\":tru,\"id\":5,\"name\":\"A\"},7 8,"
	    "{\"x\":1 2,\"name\":\"B\",\"id\":6}{\"rarity\":\"\\u00\","
	    "\"id\":7}]", "5 A|6 B|7 -",
	    "walk: malformed values beside the fields are thrown away");
	loose_case("[{\"id\":1 \"name\":\"A\"}]", NULL,
	    "walk: a field's value followed by neither ',' nor '}'");
	loose_case("[{\"id\":tru}]", NULL, "walk: a field's value not JSON");
	loose_case("[{\"id\":1}\\]", NULL,
	    "walk: a backslash outside strings");
}

/* A deck that breaks the rules is refused; the player never fails. */
static void
test_refused(void)
{
	char	name[128], deck[512];

	deck_case("[{\"id\":1},{\"id\":2147483648}]",
	    "refused: " ODD_ID("2", "larger than 2147483647"),
	    "an id above 2^31-1");
	deck_case("[{\"id\":-1}]", "refused: " ODD_ID("1", "0 or negative"),
	    "a negative id");
	deck_case("[{\"id\":0}]", "refused: " ODD_ID("1", "0 or negative"),
	    "id 0");
	deck_case("[{\"id\":1.5}]",
	    "refused: " ODD_ID("1", "a number with a fraction or an exponent"),
	    "a fractional id");
	deck_case("[{\"id\":1e999}]",
	    "refused: " ODD_ID("1", "a number with a fraction or an exponent"),
	    "id 1e999");
	deck_case("[{\"id\":\"26000000\"}]",
	    "refused: " ODD_ID("1", "a string"), "an id in a string");
	deck_case("[{\"id\":true}]", "refused: " ODD_ID("1", "true or false"),
	    "an id true");
	deck_case("[{\"id\":[1]}]", "refused: " ODD_ID("1", "an array"),
	    "an id array");
	deck_case("[{\"id\":{}}]", "refused: " ODD_ID("1", "an object"),
	    "an id object");
	deck_case("[{\"id\":-1},{\"id\":\"x\"}]",
	    "refused: " ODD_ID("1", "0 or negative"),
	    "the first odd entry is the reason");
	deck_case("[{\"id\":3,\"name\":\"\"}]",
	    "refused: the name of its deck's card 1 is empty", "an empty name");
	memset(name, 'n', 101);
	name[101] = '\0';
	snprintf(deck, sizeof(deck), "[{\"id\":3,\"name\":\"%s\"}]", name);
	deck_case(deck, "refused: the name of its deck's card 1 is 101 bytes "
	    "long (at most 100 are accepted)", "a name of 101 bytes");
	name[100] = '\0';
	snprintf(deck, sizeof(deck), "[{\"id\":3,\"name\":\"%s\"}]", name);
	snprintf(deck + 300, sizeof(deck) - 300, "3 %s", name);
	deck_case(deck, deck + 300, "a name of 100 bytes");
	/* 34 bad bytes are 102 bytes of U+FFFD. */
	snprintf(deck, sizeof(deck), "[{\"id\":3,\"name\":\"%s\"}]",
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff");
	deck_case(deck, "refused: the name of its deck's card 1 is 102 bytes "
	    "long (at most 100 are accepted)",
	    "a name too long once sanitised");
}

/* The deck beside the favourite, the tower card, and a refused favourite. */
static void
test_player(void)
{
	static const char body[] =
	    "{\"tag\":\"#2PYLQ\",\"currentDeck\":[{\"name\":\"Knight\","
	    "\"id\":26000000},{\"id\":99999999999}],"
	    "\"currentDeckSupportCards\":[{\"name\":\"Tower Princess\","
	    "\"id\":159000000}],"
	    "\"currentFavouriteCard\":{\"name\":\"Zap\",\"id\":28000008}}";
	static const char tower[] =
	    "{\"currentDeckSupportCards\":[{\"name\":\"Tower Princess\","
	    "\"id\":159000000}],\"currentDeck\":[{\"name\":\"Zap\","
	    "\"id\":28000008}]}";
	static const char both[] =
	    "{\"currentDeck\":[{\"id\":-1}],"
	    "\"currentFavouriteCard\":{\"id\":-1}}";
	static const char twice[] =
	    "{\"currentDeck\":[{\"id\":1}],\"currentDeck\":[{\"id\":2}]}";
	struct api_player	 p;
	char			 err[256], got[256], *b;

	b = malloc(sizeof(body) - 1);
	memcpy(b, body, sizeof(body) - 1);
	tap_int(api_parse_player(b, sizeof(body) - 1, &p, err, sizeof(err)),
	    0, "player: a refused deck does not fail the player");
	free(b);
	tap_int(p.has_favourite, 1, "player: its favourite still counts");
	tap_int((int)p.card_id, 28000008, "player: the favourite's id");
	show(&p, got, sizeof(got));
	tap_str(got, "refused: " ODD_ID("2", "larger than 2147483647"),
	    "player: the deck refused, with why");
	api_player_free(&p);

	b = malloc(sizeof(tower) - 1);
	memcpy(b, tower, sizeof(tower) - 1);
	tap_int(api_parse_player(b, sizeof(tower) - 1, &p, err, sizeof(err)),
	    0, "tower card: read");
	free(b);
	show(&p, got, sizeof(got));
	tap_str(got, "28000008 Zap",
	    "tower card: currentDeckSupportCards is not in the deck");
	api_player_free(&p);

	b = malloc(sizeof(both) - 1);
	memcpy(b, both, sizeof(both) - 1);
	tap_int(api_parse_player(b, sizeof(both) - 1, &p, err, sizeof(err)),
	    API_CARD_REFUSED, "both odd: the favourite refuses the player");
	free(b);
	tap_str(err, "its favourite card's id is 0 or negative (a card id is "
	    "a whole number from 1 to 2147483647)", "both odd: the reason");
	tap_int((int)p.ndeck, 0, "both odd: out is left empty");
	tap_str(p.deck_refused, "", "both odd: no deck reason either");

	b = malloc(sizeof(twice) - 1);
	memcpy(b, twice, sizeof(twice) - 1);
	tap_int(api_parse_player(b, sizeof(twice) - 1, &p, err, sizeof(err)),
	    0, "currentDeck twice: read");
	free(b);
	show(&p, got, sizeof(got));
	tap_str(got, "2 -", "currentDeck twice: the last one, as json-c");
	api_player_free(&p);
}

int
main(void)
{
	test_shapes();
	test_walk();
	test_refused();
	test_player();
	return tap_done();
}
