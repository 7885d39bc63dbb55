/* token.c - the API token file: read, checked, never shown. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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

/* The key in the n bytes at buf, trimmed, as a new string; -1 with err. */
static int
token_take(const char *path, const char *buf, size_t n, char **token,
    char *err, size_t errlen)
{
	size_t s, e, i;

	if (n > TOKEN_FILE_MAX) {
		snprintf(err, errlen, "%s: the token file is larger than 4 KiB "
		    "(it must hold only the API key)", path);
		return -1;
	}
	for (s = 0; s < n && strchr(" \t\r\n\v\f", buf[s]) != NULL &&
	    buf[s] != '\0'; s++)
		;
	for (e = n; e > s && strchr(" \t\r\n\v\f", buf[e - 1]) != NULL &&
	    buf[e - 1] != '\0'; e--)
		;
	if (s == e) {
		snprintf(err, errlen, "%s: the token file is empty (paste the "
		    "key from the developer portal into it)", path);
		return -1;
	}
	for (i = s; i < e; i++)
		if ((unsigned char)buf[i] <= 0x20 ||
		    (unsigned char)buf[i] >= 0x7f) {
			snprintf(err, errlen, "%s: the token file holds white "
			    "space, a control character or a non-ASCII byte "
			    "inside the key (it must hold only the API key, "
			    "on one line)", path);
			return -1;
		}
	if ((*token = strndup(buf + s, e - s)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

int
token_read(const char *path, char **token, int *loose, char *err,
    size_t errlen)
{
	char buf[TOKEN_FILE_MAX + 1];
	struct stat st;
	size_t n = 0;
	int fd, rv = -1;

	*token = NULL;
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
	if (token_slurp(fd, path, buf, sizeof(buf), &n, err, errlen) == 0 &&
	    token_take(path, buf, n, token, err, errlen) == 0)
		rv = 0;
 done:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rv;
}
