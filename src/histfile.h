/* histfile.h - where the history database is, and the rules its files keep. */
#ifndef CLANPOPD_HISTFILE_H
#define CLANPOPD_HISTFILE_H

#include <stddef.h>

struct outdir;

/*
 * Check the database rel inside od (shown as shown in messages) before
 * SQLite opens it: its directory (made when missing, as outdir_subdir
 * makes one) and its files, rel and rel-wal, -shm and -journal, each
 * absent or a regular file, not a symbolic link, owned by clanpopd's
 * user or root, writable by its owner and by nobody else.  Then set path
 * to the name SQLite must open.  Returns 0, or -1 with a sentence in err.
 */
int	histfile_check(const struct outdir *od, const char *rel,
	    const char *shown, char *path, size_t len, char *err,
	    size_t errlen);

#endif
