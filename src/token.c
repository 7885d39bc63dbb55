/* token.c - the API token file: its keys, read, checked, never shown. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "token.h"

/* "path: cannot read the API token" with errno e and what to do. */
static void
token_cannot(const char *path, int e, char *err, size_t errlen)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		snprintf(err, errlen, "%s: cannot read the API token: %s "
		    "(create it holding the key from the developer portal, "
		    "readable by the user clanpopd runs as: for the systemd "
		    "unit, install -m 640 -g clanpopd /dev/null %s, then write "
		    "the key into it; or point api.token_file at it)", path,
		    strerror(e), path);
		break;
	case EACCES:
	case EPERM:
		snprintf(err, errlen, "%s: cannot read the API token: %s "
		    "(make it readable by the clanpopd user)", path,
		    strerror(e));
		break;
	default:
		snprintf(err, errlen, "%s: cannot read the API token: %s "
		    "(check api.token_file)", path, strerror(e));
	}
}

/* Read fd to the end into buf, at most bufsize bytes; -1 with err. */
static int
token_slurp(int fd, const char *path, char *buf, size_t bufsize, size_t *n,
    char *err, size_t errlen)
{
	ssize_t r;

	*n = 0;
	while (*n < bufsize) {
		r = read(fd, buf + *n, bufsize - *n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			token_cannot(path, errno, err, errlen);
			return -1;
		}
		if (r == 0)
			break;
		*n += (size_t)r;
	}
	return 0;
}

void
token_keys_free(struct token_keys *keys)
{
	size_t i;

	for (i = 0; i < keys->n; i++) {
		explicit_bzero(keys->key[i], strlen(keys->key[i]));
		free(keys->key[i]);
	}
	free(keys->key);
	free(keys->line);
	keys->key = NULL;
	keys->line = NULL;
	keys->n = 0;
}

static int
token_space(char c)
{
	return c != '\0' && strchr(" \t\r\v\f", c) != NULL;
}

/*
 * Add the key in [s, e) of line lineno to keys, unless it repeats one
 * before it; -1 with err.
 */
static int
token_add(const char *path, const char *s, const char *e, unsigned lineno,
    struct token_keys *keys, char *err, size_t errlen)
{
	const char	*p;
	char		*k;
	size_t		 i, len = (size_t)(e - s);

	for (p = s; p < e; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "%s: line %u holds white space, a "
			    "control character or a non-ASCII byte inside a "
			    "key (write each key alone on its own line)", path,
			    lineno);
			return -1;
		}
	for (i = 0; i < keys->n; i++)
		if (strlen(keys->key[i]) == len &&
		    memcmp(keys->key[i], s, len) == 0) {
			snprintf(err, errlen, "%s: lines %u and %u hold the same "
			    "key; remove one of them (each key counts once)",
			    path, keys->line[i], lineno);
			return -1;
		}
	if (keys->n == TOKEN_KEYS_MAX) {
		snprintf(err, errlen, "%s: line %u: more than %d keys (clanpopd "
		    "uses at most %d; remove the others)", path, lineno,
		    TOKEN_KEYS_MAX, TOKEN_KEYS_MAX);
		return -1;
	}
	if ((k = strndup(s, len)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	keys->key[keys->n] = k;
	keys->line[keys->n++] = lineno;
	return 0;
}

/* The keys in the n bytes at buf, line by line; -1 with err. */
static int
token_take(const char *path, const char *buf, size_t n,
    struct token_keys *keys, char *err, size_t errlen)
{
	const char	*s, *e, *end = buf + n, *nl;
	unsigned	 lineno = 0;
	int		 comments = 0;

	if (n > TOKEN_FILE_MAX) {
		snprintf(err, errlen, "%s: the token file is larger than 64 KiB "
		    "(it must hold only API keys, one per line)", path);
		return -1;
	}
	if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		snprintf(err, errlen, "%s: the token file starts with a UTF-8 "
		    "byte order mark (BOM, the bytes EF BB BF, which some "
		    "editors add); save it as plain text without one, for "
		    "example with sed -i '1s/^\\xEF\\xBB\\xBF//' %s", path,
		    path);
		return -1;
	}
	keys->key = calloc(TOKEN_KEYS_MAX, sizeof(*keys->key));
	keys->line = calloc(TOKEN_KEYS_MAX, sizeof(*keys->line));
	if (keys->key == NULL || keys->line == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (s = buf; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		lineno++;
		for (e = nl; e > s && token_space(e[-1]); e--)
			;
		for (; s < e && token_space(*s); s++)
			;
		if (s < e && *s == '#')
			comments = 1;
		else if (s < e && token_add(path, s, e, lineno, keys, err,
		    errlen) == -1)
			return -1;
	}
	if (keys->n > 0)
		return 0;
	if (comments)
		snprintf(err, errlen, "%s: the token file holds no key, only "
		    "comments (paste the key from the developer portal into "
		    "it, one key per line)", path);
	else
		snprintf(err, errlen, "%s: the token file is empty (paste the "
		    "key from the developer portal into it)", path);
	return -1;
}

int
token_read(const char *path, struct token_keys *keys, int *loose, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd, rv = -1;

	memset(keys, 0, sizeof(*keys));
	*loose = 0;
	/*
	 * O_NONBLOCK so that a FIFO or a device cannot block the open (nor a
	 * reload, which runs in the event loop); only a regular file is read,
	 * and for one the flag changes nothing.
	 */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) == -1) {
		token_cannot(path, errno, err, errlen);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		token_cannot(path, errno, err, errlen);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: the token file is not a regular "
		    "file (point api.token_file at the file holding the key)",
		    path);
		goto done;
	}
	/*
	 * As PostgreSQL does for its key: a file root owns may let its group
	 * read it (root:clanpopd 0640, for a daemon that runs as clanpopd);
	 * any other owner keeps it to itself.
	 */
	*loose = (st.st_mode & (st.st_uid == 0 ? 027 : 077)) != 0;
	if ((buf = malloc(TOKEN_FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	if (token_slurp(fd, path, buf, TOKEN_FILE_MAX + 1, &n, err,
	    errlen) == 0 && token_take(path, buf, n, keys, err, errlen) == 0)
		rv = 0;
	else
		token_keys_free(keys);
 done:
	if (buf != NULL) {
		explicit_bzero(buf, TOKEN_FILE_MAX + 1);
		free(buf);
	}
	close(fd);
	return rv;
}

/* Whether the canonical path p is dir or under it. */
static int
token_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return 1;
	return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

int
token_in_dir(const char *path, const char *dir, char *err, size_t errlen)
{
	char	 rdir[PATH_MAX], rfile[PATH_MAX], rparent[PATH_MAX];
	char	*copy;
	int	 in;

	if (realpath(dir, rdir) == NULL)
		return 0;
	in = realpath(path, rfile) != NULL && token_under(rfile, rdir);
	/* A symbolic link in dir is served as what it points to. */
	if (!in && (copy = strdup(path)) != NULL) {
		in = realpath(dirname(copy), rparent) != NULL &&
		    token_under(rparent, rdir);
		free(copy);
	}
	if (in)
		snprintf(err, errlen, "%s: the token file is inside the output "
		    "directory %s, whose files are there to be read by others "
		    "(a web server that serves them would serve the key); move "
		    "it out, for example to /etc/clanpopd/token, and point "
		    "api.token_file at it", path, dir);
	return in;
}
