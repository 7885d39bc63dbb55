/*
 * parse_cost.c - CPU cost of reading one player body: api_parse_player
 * itself (linked from src/api.c, what clanpopd does per player), and for
 * comparison a full json-c tree of the body (what api.c did before its
 * scanner).  The deck's share: the same body read again with its
 * "currentDeck" key renamed (so skipped as any other value), the two
 * timed in turns, the least of PARSE_ROUNDS rounds of each.
 */
#define _POSIX_C_SOURCE 200809L	/* clock_gettime */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "api.h"

#define PARSE_DEPTH	64	/* nesting levels, as API_JSON_DEPTH in api.c */
#define PARSE_WARMUP	200	/* parses before the clock starts */
#define PARSE_ROUNDS	25	/* rounds of the deck's share: with 9, the
				   difference of two least times (about
				   0.8 us of 8) moved by up to 1.6 us on a
				   shared 2-core machine; with 25, by 0.1 */

static void
usage(void)
{
	fprintf(stderr, "usage: parse_cost FILE [ITERATIONS]\n");
	exit(64);
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*buf = NULL, *nb;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "parse_cost: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	do {
		if (len + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 131072;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "parse_cost: out of memory\n");
				exit(1);
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 65536, fp);
		len += n;
	} while (n > 0);
	if (ferror(fp)) {
		fprintf(stderr, "parse_cost: %s: read error\n", path);
		exit(1);
	}
	fclose(fp);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* One player body read as clanpopd reads it. */
static void
api_once(const char *body, size_t len)
{
	struct api_player	p;
	char			err[256];

	if (api_parse_player(body, len, &p, err, sizeof(err)) == -1) {
		fprintf(stderr, "parse_cost: api_parse_player: %s\n", err);
		exit(1);
	}
	if (!p.has_favourite) {
		fprintf(stderr, "parse_cost: no usable currentFavouriteCard\n");
		exit(1);
	}
	api_player_free(&p);
}

/* The same, for a body that must have a deck of 8 cards. */
static void
deck_once(const char *body, size_t len)
{
	struct api_player	p;
	char			err[256];

	if (api_parse_player(body, len, &p, err, sizeof(err)) == -1 ||
	    p.ndeck != 8) {
		fprintf(stderr, "parse_cost: no deck of 8 cards\n");
		exit(1);
	}
	api_player_free(&p);
}

/* A full json-c tree: a fresh tokener, parse, look up, free all. */
static void
tree_once(const char *body, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*obj, *fav;

	if ((tok = json_tokener_new_ex(PARSE_DEPTH)) == NULL) {
		fprintf(stderr, "parse_cost: out of memory\n");
		exit(1);
	}
	obj = json_tokener_parse_ex(tok, body, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		fprintf(stderr, "parse_cost: the body is not one JSON value\n");
		exit(1);
	}
	json_tokener_free(tok);
	if (!json_object_object_get_ex(obj, "currentFavouriteCard", &fav)) {
		fprintf(stderr, "parse_cost: no currentFavouriteCard\n");
		exit(1);
	}
	json_object_put(obj);
}

/* CPU microseconds per call of f over n calls, after a warm-up. */
static double
time_it(void (*f)(const char *, size_t), const char *body, size_t len,
    long n)
{
	double	t0;
	long	i;

	for (i = 0; i < PARSE_WARMUP; i++)
		f(body, len);
	t0 = cpu_now();
	for (i = 0; i < n; i++)
		f(body, len);
	return (cpu_now() - t0) * 1e6 / n;
}

int
main(int argc, char *argv[])
{
	char	*body, *end, *nodeck, *key;
	size_t	 len;
	long	 n = 20000;
	double	 api_us, tree_us, with, without, t;
	int	 r;

	if (argc < 2 || argc > 3)
		usage();
	if (argc == 3) {
		errno = 0;
		n = strtol(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || n < 1)
			usage();
	}
	body = slurp(argv[1], &len);
	api_us = time_it(api_once, body, len, n);
	tree_us = time_it(tree_once, body, len, n);
	if ((nodeck = strdup(body)) == NULL ||
	    (key = strstr(nodeck, "\"currentDeck\"")) == NULL) {
		fprintf(stderr, "parse_cost: no currentDeck in the body\n");
		exit(1);
	}
	key[11] = 'X';		/* "currentDecX": thrown away */
	with = without = 1e9;
	for (r = 0; r < PARSE_ROUNDS; r++) {
		if ((t = time_it(deck_once, body, len, n)) < with)
			with = t;
		if ((t = time_it(api_once, nodeck, len, n)) < without)
			without = t;
	}
	printf("{\"bytes\": %zu, \"iterations\": %ld, "
	    "\"us_per_api_parse_player\": %.3f, \"us_per_jsonc_tree\": %.3f, "
	    "\"us_with_deck\": %.3f, \"us_without_deck\": %.3f, "
	    "\"rounds\": %d}\n", len, n, api_us, tree_us, with, without,
	    PARSE_ROUNDS);
	free(nodeck);
	free(body);
	return 0;
}
