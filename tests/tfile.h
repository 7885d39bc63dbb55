/* tfile.h - paths under a unit test's directory, and reading back what
   it had written. */
#ifndef CLANPOPD_TFILE_H
#define CLANPOPD_TFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * dir/rel, in one of 8 buffers used in turn, so that one call may take
 * several such paths.
 */
static inline const char *
tfile_at(const char *dir, const char *rel)
{
	static char	buf[8][512];
	static int	k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, rel);
	return buf[k];
}

/* The whole file at path, NUL-terminated (caller frees), or NULL. */
static inline char *
tfile_slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((buf = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/* stamp is an ISO 8601 UTC time within [lo, hi]. */
static inline int
tfile_iso_between(const char *stamp, time_t lo, time_t hi)
{
	struct tm	 tm;
	const char	*end;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(stamp, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return 0;
	t = timegm(&tm);
	return t >= lo && t <= hi;
}

#endif
