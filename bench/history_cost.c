/*
 * history_cost.c - benchmark 6's probe: the time of one refresh's
 * history_record (src/history.c, the daemon's own code) on the database
 * in DIR, refresh after refresh, as the daemon does them.
 *
 *   history_cost DIR NAME N CLANS T0 STEP
 *
 * Opens DIR/NAME through outdir and history_open, then records N
 * refreshes of 50-member clans with 12 favourite cards each, clan
 * (i % CLANS) at T0 + (i / CLANS) * STEP, and prints one line of JSON:
 * the times in microseconds (p50, p99, max, mean), how many took 1 ms or
 * more, and the file's size.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "outdir.h"
#include "snap.h"
#include "tally.h"

#define CARDS	12	/* favourite cards of one refresh */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int
main(int argc, char *argv[])
{
	struct outdir		*od;
	struct history		*h;
	struct tally_card	 cards[CARDS];
	struct clan_figures	 f = { 50, 50, 0, 0, 2, { cards, CARDS, CARDS } };
	struct snap_clan	 sc;
	struct stat		 st;
	char			 err[1024], tag[32], name[64], path[4096];
	double			*us, sum = 0, t0;
	long			 n, clans, i, k, base, step, slow = 0;

	if (argc != 7) {
		fprintf(stderr, "usage: history_cost DIR NAME N CLANS T0 STEP\n");
		return 2;
	}
	n = atol(argv[3]);
	clans = atol(argv[4]);
	base = atol(argv[5]);
	step = atol(argv[6]);
	if (n < 1 || clans < 1 || (us = calloc((size_t)n, sizeof(*us))) ==
	    NULL)
		return 2;
	if ((od = outdir_open(argv[1], err, sizeof(err))) == NULL ||
	    (h = history_open(od, argv[2], err, sizeof(err))) == NULL ||
	    history_db(h) == NULL) {
		fprintf(stderr, "history_cost: %s\n", err);
		return 1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.tag = tag;
	sc.name = name;
	sc.duration = 2.5;
	sc.fig = &f;
	for (i = 0; i < n; i++) {
		snprintf(tag, sizeof(tag), "#C%ld", i % clans);
		snprintf(name, sizeof(name), "Clan %ld", i % clans);
		sc.fetched_at = (time_t)(base + (i / clans) * step);
		for (k = 0; k < CARDS; k++) {
			cards[k].id = 26000000 + (i * 3 + k * 7) % 100;
			cards[k].name = (char *)"Card";
			cards[k].count = 4;
		}
		t0 = now_us();
		if (history_record(h, &sc, err, sizeof(err)) == -1) {
			fprintf(stderr, "history_cost: %s\n", err);
			return 1;
		}
		us[i] = now_us() - t0;
		sum += us[i];
		slow += us[i] >= 1000;
	}
	history_close(h);
	snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	if (stat(path, &st) == -1)
		st.st_size = -1;
	qsort(us, (size_t)n, sizeof(*us), cmp_double);
	printf("{\"n\": %ld, \"p50_us\": %.1f, \"p99_us\": %.1f, "
	    "\"max_us\": %.1f, \"mean_us\": %.1f, \"over_1ms\": %ld, "
	    "\"bytes\": %lld}\n", n, us[n / 2],
	    us[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], us[n - 1],
	    sum / n, slow, (long long)st.st_size);
	free(us);
	outdir_close(od);
	return 0;
}
