/* outdir.c - the output directory, held open and reached only through it. */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "log.h"
#include "outdir.h"
#include "rng.h"

#define OUTDIR_MODE		0755
#define OUTDIR_TMP_TRIES	100	/* temporary names tried */
#define OUTDIR_SUFFIX_LEN	6	/* random characters of a temp name */

static const char outdir_alnum[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* Create dir and its missing parents, by path: only at open. */
static int
mkdirs(const char *dir, char *err, size_t errlen)
{
	char	 path[PATH_MAX], *p;
	size_t	 len;
	int	 last;

	if ((len = strlen(dir)) == 0 || len >= sizeof(path)) {
		snprintf(err, errlen, "%s: not a usable directory name", dir);
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		last = *p == '\0';
		*p = '\0';
		if (mkdir(path, OUTDIR_MODE) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create directory %s: %s "
			    "(create it or fix output.directory)", path,
			    strerror(errno));
			return -1;
		}
		if (last)
			break;
		*p = '/';
	}
	return 0;
}

/*
 * A directory clanpopd writes in must be its own (or root's) and closed
 * to others: whoever can create entries in it could plant a symbolic link.
 */
static int
check_dir(int fd, const char *path, char *err, size_t errlen)
{
	struct stat	st;
	uid_t		me = geteuid();

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory (fix "
		    "output.directory)", path);
		return -1;
	}
	if (st.st_uid != me && st.st_uid != 0) {
		snprintf(err, errlen, "%s is owned by uid %lu, neither "
		    "clanpopd's user (uid %lu) nor root: its owner could make "
		    "clanpopd write or delete files elsewhere; chown it to "
		    "uid %lu or choose another output.directory", path,
		    (unsigned long)st.st_uid, (unsigned long)me,
		    (unsigned long)me);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s is writable by group or others "
		    "(mode %04o): they could make clanpopd write or delete "
		    "files elsewhere; run chmod go-w %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

static int
fd_gone(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_nlink == 0;
}

/*
 * Open the directory name in parent (shown as ppath/name), making it when
 * create is set; never through a symbolic link.
 */
static int
open_sub(int parent, const char *ppath, const char *name, int create,
    char *err, size_t errlen)
{
	char		path[PATH_MAX];
	struct stat	st;
	int		fd, made = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", ppath, name) >=
	    sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", ppath, name);
		return -1;
	}
	for (;;) {
		fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd != -1)
			break;
		if (errno == ENOENT && fd_gone(parent)) {
			snprintf(err, errlen, "the directory %s was removed "
			    "while clanpopd ran; create it again and reload "
			    "clanpopd (SIGHUP)", ppath);
			return -1;
		}
		if (errno == ENOENT && create && !made) {
			if (mkdirat(parent, name, OUTDIR_MODE) == -1 &&
			    errno != EEXIST) {
				snprintf(err, errlen, "cannot create directory "
				    "%s: %s", path, strerror(errno));
				return -1;
			}
			made = 1;
			continue;
		}
		if ((errno == ELOOP || errno == ENOTDIR) &&
		    fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISLNK(st.st_mode))
				snprintf(err, errlen, "%s is a symbolic link; "
				    "clanpopd never follows one in its output "
				    "directory: remove it", path);
			else
				snprintf(err, errlen, "%s is not a directory "
				    "(fix output.directory)", path);
			return -1;
		}
		snprintf(err, errlen, "cannot open directory %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (check_dir(fd, path, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
outdir_subdir(const struct outdir *od, const char *rel, int create,
    char *err, size_t errlen)
{
	char		 name[NAME_MAX + 1], ppath[PATH_MAX];
	const char	*p = rel, *slash;
	size_t		 n;
	int		 parent = od->fd, fd = -1;

	snprintf(ppath, sizeof(ppath), "%s", od->path);
	for (;;) {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || n >= sizeof(name) ||
		    (n <= 2 && strncmp(p, "..", n) == 0)) {
			snprintf(err, errlen, "%s/%s: not a usable directory "
			    "name", od->path, rel);
			if (parent != od->fd)
				close(parent);
			fd = -1;
			break;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		fd = open_sub(parent, ppath, name, create, err, errlen);
		if (parent != od->fd)
			close(parent);
		if (fd == -1 || slash == NULL)
			break;
		parent = fd;
		snprintf(ppath + strlen(ppath), sizeof(ppath) - strlen(ppath),
		    "/%s", name);
		p = slash + 1;
	}
	return fd;
}

/* Open a new temporary file for name in dfd; its name goes to tmp. */
static int
temp_open(int dfd, const char *name, char *tmp, size_t tmplen)
{
	/* Its own per thread: the history worker writes files too. */
	static _Thread_local uint64_t rng;
	char		 suffix[OUTDIR_SUFFIX_LEN + 1];
	int		 fd, i, k;

	if (rng == 0)
		rng = rng_seed();
	for (i = 0; i < OUTDIR_TMP_TRIES; i++) {
		for (k = 0; k < OUTDIR_SUFFIX_LEN; k++)
			suffix[k] = outdir_alnum[(size_t)(rng_uniform(&rng) *
			    (sizeof(outdir_alnum) - 1))];
		suffix[k] = '\0';
		if ((size_t)snprintf(tmp, tmplen, OUTDIR_TMP_PREFIX "%s.%s",
		    name, suffix) >= tmplen) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* A write of tmp (for name) failed with errno e: remove it and say so. */
static int
write_failed(int dfd, const char *dpath, const char *tmp, const char *name,
    int e, char *err, size_t errlen)
{
	unlinkat(dfd, tmp, 0);
	snprintf(err, errlen, "cannot write %s/%s (for %s/%s): %s; the "
	    "previous %s is kept", dpath, tmp, dpath, name, strerror(e), name);
	return -1;
}

int
outdir_write(int dfd, const char *dpath, const char *name,
    int (*fill)(FILE *, void *), void *arg, char *err, size_t errlen)
{
	char		 tmp[NAME_MAX + 1];
	struct stat	 st;
	FILE		*fp;
	int		 fd, saved, rc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s/%s is %s; clanpopd never writes "
		    "through or over one in its output directory: remove it",
		    dpath, name, S_ISLNK(st.st_mode) ? "a symbolic link" :
		    "not a regular file");
		return -1;
	}
	if ((fd = temp_open(dfd, name, tmp, sizeof(tmp))) == -1) {
		saved = errno;
		if (saved == ENOENT && fd_gone(dfd))
			snprintf(err, errlen, "the directory %s was removed "
			    "while clanpopd ran; create it again and reload "
			    "clanpopd (SIGHUP); the previous %s is lost with "
			    "it", dpath, name);
		else
			snprintf(err, errlen, "cannot create a temporary file "
			    "in %s for %s: %s; the previous %s is kept", dpath,
			    name, strerror(saved), name);
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		return write_failed(dfd, dpath, tmp, name, saved, err, errlen);
	}
	errno = 0;
	rc = fill(fp, arg);
	if (rc == -1 || fflush(fp) == EOF || ferror(fp) ||
	    fchmod(fd, 0644) == -1 || fsync(fd) == -1) {
		saved = errno != 0 ? errno : EIO;
		fclose(fp);
		return write_failed(dfd, dpath, tmp, name, saved, err, errlen);
	}
	if (fclose(fp) == EOF)
		return write_failed(dfd, dpath, tmp, name, errno, err, errlen);
	if (renameat(dfd, tmp, dfd, name) == -1) {
		saved = errno;
		unlinkat(dfd, tmp, 0);
		snprintf(err, errlen, "cannot rename %s/%s to %s/%s: %s; the "
		    "previous %s is kept", dpath, tmp, dpath, name,
		    strerror(saved), name);
		return -1;
	}
	/*
	 * The new file is in place whatever happens now: a failed sync of
	 * the directory only means the rename may not survive a power cut.
	 */
	if (fsync(dfd) == -1 && errno != EINVAL)
		log_warn("%s/%s is written, but syncing %s failed, so it may "
		    "not survive a power failure", dpath, name, dpath);
	return 0;
}

int
outdir_read(int dfd, const char *name, char **buf, size_t *len)
{
	struct stat	 st;
	char		*b;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > OUTDIR_READ_MAX ||
	    (b = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (n < (size_t)st.st_size) {
		r = read(fd, b + n, (size_t)st.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* OUTDIR_TMP_PREFIX, a name of letters, digits, '.' and '_', '.', 6 alnum. */
static int
is_temp_name(const char *s)
{
	size_t	len = strlen(s), pre = sizeof(OUTDIR_TMP_PREFIX) - 1, i;

	if (len < pre + 2 + OUTDIR_SUFFIX_LEN ||
	    strncmp(s, OUTDIR_TMP_PREFIX, pre) != 0 ||
	    s[len - OUTDIR_SUFFIX_LEN - 1] != '.')
		return 0;
	for (i = len - OUTDIR_SUFFIX_LEN; i < len; i++)
		if (strchr(outdir_alnum, s[i]) == NULL)
			return 0;
	for (i = pre; i < len - OUTDIR_SUFFIX_LEN - 1; i++)
		if (strchr(outdir_alnum, s[i]) == NULL && s[i] != '.' &&
		    s[i] != '_')
			return 0;
	return 1;
}

int
outdir_clean_temps(int dfd)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	int		 fd, n = 0;

	if ((fd = dup(dfd)) == -1)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!is_temp_name(de->d_name) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Check every history/<TAG>/ and clean its temporary files; *removed
 * counts them.  Entries that are not directories are left alone, but a
 * symbolic link is refused.
 */
static int
check_history(struct outdir *od, int *removed, char *err, size_t errlen)
{
	char		 rel[NAME_MAX + 16];
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	int		 hfd, fd, rc = 0;

	if (fstatat(od->fd, LAYOUT_HISTORY, &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT)
		return 0;
	if ((hfd = outdir_subdir(od, LAYOUT_HISTORY, 0, err, errlen)) == -1)
		return -1;
	if ((d = fdopendir(hfd)) == NULL) {
		snprintf(err, errlen, "cannot read %s/history: %s", od->path,
		    strerror(errno));
		close(hfd);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(hfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !(S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)))
			continue;
		snprintf(rel, sizeof(rel), LAYOUT_HISTORY "/%s", de->d_name);
		if ((fd = outdir_subdir(od, rel, 0, err, errlen)) == -1) {
			rc = -1;
			break;
		}
		*removed += outdir_clean_temps(fd);
		close(fd);
	}
	closedir(d);
	return rc;
}

/* Check trends/, when there is one, and clean its temporary files. */
static int
check_trends(struct outdir *od, int *removed, char *err, size_t errlen)
{
	struct stat	st;
	int		fd;

	if (fstatat(od->fd, LAYOUT_TRENDS, &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT)
		return 0;
	if ((fd = outdir_subdir(od, LAYOUT_TRENDS, 0, err, errlen)) == -1)
		return -1;
	*removed += outdir_clean_temps(fd);
	close(fd);
	return 0;
}

struct outdir *
outdir_open(const char *path, char *err, size_t errlen)
{
	struct outdir	*od;
	int		 cfd, removed;

	if (mkdirs(path, err, errlen) == -1)
		return NULL;
	if ((od = calloc(1, sizeof(*od))) == NULL ||
	    (od->path = strdup(path)) == NULL) {
		free(od);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((od->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open the output directory %s: "
		    "%s (fix output.directory)", path, strerror(errno));
		free(od->path);
		free(od);
		return NULL;
	}
	if (check_dir(od->fd, path, err, errlen) == -1 ||
	    (cfd = outdir_subdir(od, LAYOUT_CLANS, 1, err, errlen)) == -1) {
		outdir_close(od);
		return NULL;
	}
	removed = outdir_clean_temps(od->fd) + outdir_clean_temps(cfd);
	close(cfd);
	if (check_trends(od, &removed, err, errlen) == -1 ||
	    check_history(od, &removed, err, errlen) == -1) {
		outdir_close(od);
		return NULL;
	}
	if (removed > 0)
		log_info("removed %d temporary files left by an earlier run "
		    "in %s", removed, path);
	return od;
}

int
outdir_gone(const struct outdir *od)
{
	return fd_gone(od->fd);
}

void
outdir_close(struct outdir *od)
{
	if (od == NULL)
		return;
	close(od->fd);
	free(od->path);
	free(od);
}
