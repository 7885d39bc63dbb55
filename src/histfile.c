/*
 * histfile.c - where the history database is, and the rules its files
 * keep: the output directory's, for a file SQLite opens by name.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "histfile.h"
#include "outdir.h"

/*
 * One file of the database (name in dfd): absent, or a regular file that
 * is not a symbolic link, owned by clanpopd's user or root, writable by
 * its owner and by nobody else.
 */
static int
histfile_check_one(const struct outdir *od, const char *shown, int dfd,
    const char *name, char *err, size_t errlen)
{
	struct stat	 st;
	uid_t		 me = geteuid();

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s/%s: %s", od->path,
		    name, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s (for %s) is %s; clanpopd never opens "
		    "one as its database: remove it", name, shown,
		    S_ISLNK(st.st_mode) ? "a symbolic link" :
		    "not a regular file");
		return -1;
	}
	if (st.st_uid != me && st.st_uid != 0) {
		snprintf(err, errlen, "%s (for %s) is owned by uid %lu, "
		    "neither clanpopd's user (uid %lu) nor root; chown it to "
		    "uid %lu or remove it", name, shown,
		    (unsigned long)st.st_uid, (unsigned long)me,
		    (unsigned long)me);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s (for %s) is writable by group or "
		    "others (mode %04o); run chmod go-w on it", name, shown,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if ((st.st_mode & S_IWUSR) == 0) {
		snprintf(err, errlen, "%s cannot be written (mode %04o); make "
		    "it writable by its owner (chmod u+w)", shown,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * The path SQLite opens: the directory od holds, by its real path, then
 * rel.  SQLite opens by name and SQLITE_OPEN_NOFOLLOW refuses a symbolic
 * link anywhere in it, so neither od->path (which may be systemd's link
 * to a StateDirectory) nor /proc/self/fd/N (itself a link) would do.  The
 * real path, read from /proc/self/fd/N, names the very directory checked
 * at open, and holds no link; it is compared with od->fd by device and
 * inode, so a directory moved or replaced since is refused, and a link
 * planted later makes SQLite refuse the open.
 */
static int
histfile_path(const struct outdir *od, const char *rel, const char *shown,
    char *path, size_t len, char *err, size_t errlen)
{
	char		 proc[64], real[PATH_MAX];
	struct stat	 a, b;
	ssize_t		 n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", od->fd);
	if ((n = readlink(proc, real, sizeof(real) - 1)) > 0)
		real[n] = '\0';
	else if (realpath(od->path, real) == NULL) {
		snprintf(err, errlen, "cannot find the real path of %s: %s",
		    od->path, strerror(errno));
		return -1;
	}
	if (fstat(od->fd, &a) == -1 || stat(real, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		snprintf(err, errlen, "the output directory %s was moved or "
		    "replaced while clanpopd ran; reload clanpopd (SIGHUP)",
		    od->path);
		return -1;
	}
	if ((size_t)snprintf(path, len, "%s/%s", real, rel) >= len) {
		snprintf(err, errlen, "%s: path too long", shown);
		return -1;
	}
	return 0;
}

int
histfile_check(const struct outdir *od, const char *rel, const char *shown,
    char *path, size_t len, char *err, size_t errlen)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char		 dir[PATH_MAX], name[NAME_MAX + 1];
	const char	*base = strrchr(rel, '/');
	size_t		 i;
	int		 dfd, rc = 0;

	if (base == NULL) {
		dfd = od->fd;
		base = rel;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - rel),
		    rel);
		if ((dfd = outdir_subdir(od, dir, 1, err, errlen)) == -1)
			return -1;
		base++;
	}
	for (i = 0; rc == 0 && i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if ((size_t)snprintf(name, sizeof(name), "%s%s", base,
		    sfx[i]) >= sizeof(name)) {
			snprintf(err, errlen, "%s: name too long", shown);
			rc = -1;
		} else
			rc = histfile_check_one(od, shown, dfd, name,
			    err, errlen);
	}
	if (dfd != od->fd)
		close(dfd);
	return rc == 0 ? histfile_path(od, rel, shown, path, len, err,
	    errlen) : -1;
}

