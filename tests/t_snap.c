/* t_snap.c - unit tests for snap.c: the snapshot's text, atomic writes,
   reading it back, history retention. */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outdir.h"
#include "snap.h"
#include "tally.h"
#include "tap.h"
#include "tfile.h"

static int
count_entries(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}


static struct clan_figures	fig;

/* The snapshot of the fixtures: 5 members, 2 cards. */
static void
result(struct snap_clan *r, time_t when)
{
	memset(r, 0, sizeof(*r));
	r->tag = "#9V2Y";
	r->name = "Les \"Étoiles\" \\ ⭐";
	memset(&fig, 0, sizeof(fig));
	fig.members = 5;
	fig.fetched = 3;
	fig.reused = 1;
	fig.failed = 1;
	fig.without_favourite = 1;
	r->fetched_at = when;
	r->duration = 0.8125;
	tally_add(&fig.cards, 26000017, "Wizard");
	tally_add(&fig.cards, 28000011, "The Log");
	tally_add(&fig.cards, 26000017, "Wizard");
	tally_sort(&fig.cards);
	fig.without_deck = 2;
	tally_add(&fig.deck_cards, 26000000, "Knight");
	tally_add(&fig.deck_cards, 27000000, NULL);
	tally_add(&fig.deck_cards, 26000000, "Knight");
	tally_add(&fig.deck_cards, 28000000, "Fireball");
	tally_sort(&fig.deck_cards);
	r->fig = &fig;
}

int
main(void)
{
	struct snap_clan	 r;
	char			 tmpl[] = "/tmp/t_snap.XXXXXX", *dir, path[512];
	char			 err[1024], *txt;
	time_t			 when = 1795300000;	/* 2026-11-21T22:26:40Z */
	struct snap_read	 rd;
	int			 i;
	char			*want;
	FILE			*fp;
	struct outdir		*od;

	if ((dir = mkdtemp(tmpl)) == NULL)
		return 1;

	/* The snapshot's exact text. */
	result(&r, when);
	txt = snap_clan_json(&r);
	tap_str(txt,
	    "{\n"
	    "  \"tag\": \"#9V2Y\",\n"
	    "  \"name\": \"Les \\\"Étoiles\\\" \\\\ ⭐\",\n"
	    "  \"fetched_at\": \"2026-11-21T22:26:40Z\",\n"
	    "  \"duration_ms\": 813,\n"
	    "  \"members\": 5,\n"
	    "  \"players\": {\n"
	    "    \"fetched\": 3,\n"
	    "    \"reused\": 1,\n"
	    "    \"failed\": 1,\n"
	    "    \"without_favourite\": 1,\n"
	    "    \"without_deck\": 2\n"
	    "  },\n"
	    "  \"complete\": false,\n"
	    "  \"favourite_cards\": [\n"
	    "    {\n"
	    "      \"name\": \"Wizard\",\n"
	    "      \"id\": 26000017,\n"
	    "      \"count\": 2\n"
	    "    },\n"
	    "    {\n"
	    "      \"name\": \"The Log\",\n"
	    "      \"id\": 28000011,\n"
	    "      \"count\": 1\n"
	    "    }\n"
	    "  ],\n"
	    "  \"deck_cards\": [\n"
	    "    {\n"
	    "      \"name\": \"Knight\",\n"
	    "      \"id\": 26000000,\n"
	    "      \"count\": 2\n"
	    "    },\n"
	    "    {\n"
	    "      \"name\": \"Fireball\",\n"
	    "      \"id\": 28000000,\n"
	    "      \"count\": 1\n"
	    "    },\n"
	    "    {\n"
	    "      \"name\": null,\n"
	    "      \"id\": 27000000,\n"
	    "      \"count\": 1\n"
	    "    }\n"
	    "  ]\n"
	    "}\n", "snapshot text is exact, names escaped, decks after "
	    "favourites");
	free(txt);

	/* Atomic writes: the file appears, is replaced, no temp is left. */
	if ((od = outdir_open(dir, err, sizeof(err))) == NULL) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	tap_int(snap_write_clan(od, &r, err, sizeof(err)), 0,
	    "snap_write_clan succeeds");
	snprintf(path, sizeof(path), "%s/clans/9V2Y.json", dir);
	txt = tfile_slurp(path);
	want = snap_clan_json(&r);
	tap_str(txt, want, "clans/9V2Y.json holds the snapshot text");
	free(want);
	free(txt);
	snprintf(path, sizeof(path), "%s/clans", dir);
	tap_int(count_entries(path), 1, "only the snapshot in clans/");
	tap_int(snap_read_clan(od, "#9V2Y", &rd), 0,
	    "snap_read_clan reads it back");
	tap_int(rd.fetched_at, when, "fetched_at read back");
	tap_int(rd.complete, 0, "complete read back");
	tap_str(rd.name, r.name, "name read back");
	tap_int(rd.fig.fetched, 3, "players.fetched read back");
	tap_int(rd.fig.reused, 1, "players.reused read back");
	tap_int(rd.fig.without_favourite, 1, "players.without_favourite read back");
	tap_int(rd.fig.cards.n, 2, "two favourite cards read back");
	if (rd.fig.cards.n == 2) {
		tap_str(rd.fig.cards.cards[0].name, "Wizard", "first card's name");
		tap_int(rd.fig.cards.cards[0].id, 26000017, "first card's id");
		tap_int(rd.fig.cards.cards[0].count, 2, "first card's count");
		tap_str(rd.fig.cards.cards[1].name, "The Log", "second card's name");
		tap_int(rd.fig.cards.cards[1].id, 28000011, "second card's id");
		tap_int(rd.fig.cards.cards[1].count, 1, "second card's count");
	}
	tap_int(rd.fig.without_deck, 2, "players.without_deck read back");
	tap_int(rd.fig.deck_cards.n, 3, "three deck cards read back");
	if (rd.fig.deck_cards.n == 3) {
		tap_int(rd.fig.deck_cards.cards[0].id, 26000000,
		    "first deck card's id");
		tap_int(rd.fig.deck_cards.cards[0].count, 2,
		    "first deck card's count");
		tap_str(rd.fig.deck_cards.cards[2].name, NULL,
		    "a deck card without a name read back without one");
		tap_int(rd.fig.deck_cards.cards[2].id, 27000000,
		    "third deck card's id");
	}
	free(rd.name);
	figures_free(&rd.fig);
	tap_int(snap_read_clan(od, "#2PYLQ", &rd), -1,
	    "snap_read_clan without a snapshot");
	/* Entries without an integer id and a positive count are left out. */
	snprintf(path, sizeof(path), "%s/clans/2PYLQ.json", dir);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("{\"fetched_at\": \"2026-11-21T22:26:40Z\", "
		    "\"players\": {\"fetched\": 9, \"without_favourite\": "
		    "\"x\"}, \"favourite_cards\": [{\"id\": 1, \"count\": 0}, "
		    "{\"id\": \"2\", \"count\": 1}, {\"id\": 3, \"count\": 2, "
		    "\"name\": 7}, {\"id\": 3, \"count\": 1, \"name\": \"C\"}, "
		    "{\"id\": 4}, 5]}", fp);
		fclose(fp);
	}
	tap_int(snap_read_clan(od, "#2PYLQ", &rd), 0,
	    "snap_read_clan reads a snapshot with odd entries");
	tap_str(rd.name, NULL, "no name read back");
	tap_int(rd.fig.fetched, 9, "players.fetched read back");
	tap_int(rd.fig.reused, 0, "players.reused absent from an older snapshot: 0");
	tap_int(rd.fig.without_favourite, 0, "a bad without_favourite is 0");
	tap_int(rd.fig.without_deck, 0,
	    "players.without_deck absent from an older snapshot: 0");
	tap_int(rd.fig.deck_cards.n, 0,
	    "deck_cards absent from an older snapshot: none");
	tap_int(rd.fig.cards.n, 1, "only the card with id 3 is read back");
	if (rd.fig.cards.n == 1) {
		tap_str(rd.fig.cards.cards[0].name, "C", "its name, the first string");
		tap_int(rd.fig.cards.cards[0].count, 3, "a repeated id adds up");
	}
	figures_free(&rd.fig);
	unlink(path);

	/* History keeps the newest N, and they are the two newest. */
	for (i = 0; i < 4; i++) {
		r.fetched_at = when + i;
		tap_int(snap_write_history(od, &r, 2, err, sizeof(err)), 0,
		    "history write %d", i);
	}
	snprintf(path, sizeof(path), "%s/history/9V2Y", dir);
	tap_str(tfile_list(path), "20261121T222642Z.json "
	    "20261121T222643Z.json", "history keeps exactly the two newest");
	r.fetched_at = when;

	outdir_close(od);

	figures_free(&fig);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
