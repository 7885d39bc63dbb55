/* outdir.h - the output directory, held open and reached only through it. */
#ifndef CLANPOPD_OUTDIR_H
#define CLANPOPD_OUTDIR_H

#include <stddef.h>
#include <stdio.h>

#define OUTDIR_TMP_PREFIX	".clanpopd-tmp-"
#define OUTDIR_READ_MAX		(1024 * 1024)	/* bytes of a file read back */

/*
 * The output directory, resolved once: a local user who can create
 * entries inside it must not make clanpopd write, read or delete anywhere
 * else, so every later operation is relative to fd and never follows a
 * symbolic link.
 */
struct outdir {
	int	 fd;		/* the directory itself (O_DIRECTORY) */
	char	*path;		/* as configured, for messages */
};

/*
 * Make path (and missing parents, mode 0755) unless it exists, open it
 * (following a symbolic link there, as systemd's StateDirectory= makes
 * one), and check it and the subdirectories clans/, trends/, history/
 * and history/<TAG>/: none may be a symbolic link, writable by group or
 * others, or owned by another user than the daemon's (root excepted).
 * Creates clans/, and removes the temporary files an earlier run left
 * (logging how many).  Returns the outdir (free with outdir_close), or
 * NULL with a sentence in err.
 */
struct outdir	*outdir_open(const char *path, char *err, size_t errlen);
void		 outdir_close(struct outdir *);

/* 1 when the directory od holds was removed since it was opened. */
int		 outdir_gone(const struct outdir *);

/*
 * Open the subdirectory rel of od (such as "a" or "a/b": plain names
 * joined by '/'), making missing ones (0755) when create is set; never
 * through a symbolic link, and never one writable by others.  Returns a
 * descriptor, or -1 with a sentence naming the path in err.
 */
int		 outdir_subdir(const struct outdir *, const char *rel,
		    int create, char *err, size_t errlen);

/*
 * Replace dpath/name (dfd is that directory) atomically with what fill
 * writes to fp: a temporary file beside it, synced, renamed over the
 * target, then the directory synced (a failure of that last sync is only
 * logged: the file is in place).  A target that is a symbolic link or not
 * a regular file is left alone and refused.  On failure the temporary
 * file is removed, the old file is untouched, and err names both paths.
 * Returns 0 or -1.
 */
int		 outdir_write(int dfd, const char *dpath, const char *name,
		    int (*fill)(FILE *, void *), void *arg, char *err,
		    size_t errlen);

/*
 * Read the regular file name in dfd (not through a symbolic link, at most
 * OUTDIR_READ_MAX bytes) into *buf (caller frees) and *len.  Returns 0 or
 * -1.
 */
int		 outdir_read(int dfd, const char *name, char **buf,
		    size_t *len);

/*
 * Remove from dfd the temporary files outdir_write leaves when it is
 * killed: regular files named OUTDIR_TMP_PREFIX<name>.<6 letters or
 * digits>, and nothing else.  Returns how many were removed.
 */
int		 outdir_clean_temps(int dfd);

#endif
