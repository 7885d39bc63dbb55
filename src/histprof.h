/* histprof.h - the profile store's rows in the history database. */
#ifndef CLANPOPD_HISTPROF_H
#define CLANPOPD_HISTPROF_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "profstore.h"

/*
 * Add the profiles kept in db to ps (a stored one read later wins), and
 * the time of the last maintenance; rows of clans for which keep(arg,
 * clan) is 0 are deleted from db instead.  Returns 0, or -1 with a
 * sentence in err (ps may then hold part of the rows).
 */
int	histprof_load(sqlite3 *db, struct profstore *ps,
	    int (*keep)(void *, const char *), void *arg, char *err,
	    size_t errlen);

/*
 * Inside the caller's transaction: write what one refresh of clan did
 * with the profiles (the n changes; a profile read now is copied from
 * ps) and ps's time of the last maintenance.  Returns SQLITE_OK or the
 * failing call's result code.
 */
int	histprof_write(sqlite3 *db, const struct profstore *ps,
	    const char *clan, const struct profstore_change *c, size_t n);

/*
 * Keep t as the time of the last maintenance in db, when later than the
 * one there.  Returns SQLITE_OK or the failing call's result code.
 */
int	histprof_maintenance(sqlite3 *db, int64_t t);

#endif
