/* parse_cost.c - CPU cost of one json-c parse of a player body, as api.c does it. */
#define _POSIX_C_SOURCE 200809L	/* clock_gettime */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#define PARSE_DEPTH	64	/* nesting levels, as API_JSON_DEPTH in api.c */
#define PARSE_WARMUP	200	/* parses before the clock starts */

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

/* One parse the way api.c does it: a fresh tokener, parse, free all. */
static void
parse_once(const char *body, size_t len)
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

int
main(int argc, char *argv[])
{
	char	*body, *end;
	size_t	 len;
	long	 n = 20000, i;
	double	 t0, t1;

	if (argc < 2 || argc > 3)
		usage();
	if (argc == 3) {
		errno = 0;
		n = strtol(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || n < 1)
			usage();
	}
	body = slurp(argv[1], &len);
	for (i = 0; i < PARSE_WARMUP; i++)
		parse_once(body, len);
	t0 = cpu_now();
	for (i = 0; i < n; i++)
		parse_once(body, len);
	t1 = cpu_now();
	printf("{\"bytes\": %zu, \"iterations\": %ld, \"us_per_parse\": %.3f}\n",
	    len, n, (t1 - t0) * 1e6 / n);
	free(body);
	return 0;
}
