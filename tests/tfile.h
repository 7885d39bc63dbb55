/* tfile.h - paths under a unit test's directory, and reading back what
   it had written. */
#ifndef CLANPOPD_TFILE_H
#define CLANPOPD_TFILE_H

#include <dirent.h>
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

static inline int
tfile_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted, separated by spaces (a static buffer). */
static inline const char *
tfile_list(const char *dir)
{
	static char	 buf[4096];
	DIR		*d;
	struct dirent	*de;
	char		*names[64];
	size_t		 n = 0, i;

	buf[0] = '\0';
	if ((d = opendir(dir)) == NULL)
		return "(cannot read the directory)";
	while ((de = readdir(d)) != NULL && n < 64)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), tfile_str_cmp);
	for (i = 0; i < n; i++) {
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    i ? " " : "", names[i]);
		free(names[i]);
	}
	return buf;
}

#endif
