/* t_history.c - unit tests for history.c: the schema, records, renames,
   retention, migrations and the files it refuses. */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "history.h"
#include "outdir.h"
#include "snap.h"
#include "tally.h"
#include "tap.h"
#include "tfile.h"

static char	top[64];

static const char *
at(const char *rel)
{
	return tfile_at(top, rel);
}

static void
put(const char *path, const void *data, size_t len)
{
	FILE *fp;

	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
		perror(path);
		exit(99);
	}
}

/* The whole file, for "left untouched" (caller frees). */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*b;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0 ||
	    (b = malloc((size_t)n + 1)) == NULL ||
	    fread(b, 1, (size_t)n, fp) != (size_t)n) {
		perror(path);
		exit(99);
	}
	fclose(fp);
	*len = (size_t)n;
	return b;
}

struct dump {
	char	buf[8192];
	size_t	len;
};

static int
dump_row(void *arg, int n, char **v, char **names)
{
	struct dump	*d = arg;
	int		 i;

	for (i = 0; i < n; i++)
		d->len += (size_t)snprintf(d->buf + d->len,
		    sizeof(d->buf) - d->len, "%s%s", i ? "|" : "",
		    v[i] != NULL ? v[i] : "NULL");
	d->len += (size_t)snprintf(d->buf + d->len, sizeof(d->buf) - d->len,
	    "\n");
	return 0;
}

/* The rows sql returns, one line each, columns joined by '|'. */
static const char *
q(sqlite3 *db, const char *sql)
{
	static struct dump	d;
	char			*msg = NULL;

	d.len = 0;
	d.buf[0] = '\0';
	if (db == NULL)
		return "(no database)";
	if (sqlite3_exec(db, sql, dump_row, &d, &msg) != SQLITE_OK) {
		snprintf(d.buf, sizeof(d.buf), "error: %s", msg);
		sqlite3_free(msg);
	}
	return d.buf;
}

static const char want_master[] =
    "table|cards|CREATE TABLE cards (id INTEGER PRIMARY KEY, name TEXT NOT "
    "NULL)\n"
    "table|refreshes|CREATE TABLE refreshes (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  clan TEXT NOT NULL,\n"
    "  clan_name TEXT NOT NULL,\n"
    "  fetched_at INTEGER NOT NULL,\n"
    "  members INTEGER NOT NULL, fetched INTEGER NOT NULL, failed INTEGER "
    "NOT NULL,\n"
    "  without_favourite INTEGER NOT NULL, complete INTEGER NOT NULL, "
    "duration_ms INTEGER NOT NULL)\n"
    "index|refreshes_clan_time|CREATE INDEX refreshes_clan_time ON "
    "refreshes (clan, fetched_at)\n"
    "table|favourites|CREATE TABLE favourites (\n"
    "  refresh_id INTEGER NOT NULL REFERENCES refreshes (id) ON DELETE "
    "CASCADE,\n"
    "  card_id INTEGER NOT NULL REFERENCES cards (id),\n"
    "  players INTEGER NOT NULL,\n"
    "  PRIMARY KEY (refresh_id, card_id)) WITHOUT ROWID\n";

/* A snapshot of tag at t with cards given as id, name, count triples. */
static void
snap_of(struct snap_clan *sc, struct tally *t, const char *tag,
    const char *name, time_t when, size_t ncards, const int64_t *ids,
    const char *const *names, const unsigned *counts)
{
	size_t i;

	memset(sc, 0, sizeof(*sc));
	t->n = ncards;
	t->cap = 0;
	t->cards = calloc(ncards + 1, sizeof(*t->cards));
	for (i = 0; i < ncards; i++) {
		t->cards[i].id = ids[i];
		t->cards[i].name = (char *)(uintptr_t)names[i];
		t->cards[i].count = counts[i];
	}
	sc->tag = tag;
	sc->name = name;
	sc->fetched_at = when;
	sc->duration = 1.2345;
	sc->members = 5;
	sc->fetched = 4;
	sc->failed = 1;
	sc->without_favourite = 1;
	sc->cards = t;
}

static struct history *
open_ok(const struct outdir *od, const char *rel, const char *name)
{
	struct history	*h;
	char		 err[1024];

	h = history_open(od, rel, err, sizeof(err));
	tap_ok(h != NULL, "%s: history_open returns a history", name);
	tap_str(err, "", "%s: no error", name);
	tap_ok(history_db(h) != NULL, "%s: the database is open", name);
	return h;
}

static void
test_schema(const struct outdir *od)
{
	struct history	*h = open_ok(od, "history.sqlite", "new");
	sqlite3		*db = history_db(h);

	tap_str(q(db, "SELECT type, name, sql FROM sqlite_master ORDER BY "
	    "rowid"), want_master, "new: the schema, exactly");
	tap_str(q(db, "PRAGMA user_version"), "1\n", "new: user_version 1");
	tap_str(q(db, "PRAGMA journal_mode"), "wal\n", "new: WAL mode");
	tap_str(q(db, "PRAGMA synchronous"), "1\n", "new: synchronous NORMAL");
	tap_str(q(db, "PRAGMA foreign_keys"), "1\n", "new: foreign keys on");
	tap_str(q(db, "PRAGMA busy_timeout"), "100\n", "new: busy timeout");
	history_close(h);

	/* Opened again, it is not migrated twice. */
	h = open_ok(od, "history.sqlite", "again");
	tap_str(q(history_db(h), "SELECT type, name, sql FROM sqlite_master "
	    "ORDER BY rowid"), want_master, "again: the same schema");
	history_close(h);
	unlink(at("history.sqlite"));
	unlink(at("history.sqlite-wal"));
	unlink(at("history.sqlite-shm"));
}

static void
test_record(const struct outdir *od)
{
	static const int64_t	 ids[] = { 26000000, 28000011, 159000000 };
	static const char *const names[] = { "Knight", "The Log", NULL };
	static const char *const renamed[] = { "Sir Knight", NULL, NULL };
	static const unsigned	 counts[] = { 2, 1, 1 };
	struct history		*h = open_ok(od, "db/h.sqlite", "record");
	struct snap_clan	 sc;
	struct tally		 t;
	char			 err[1024] = "x";

	snap_of(&sc, &t, "#9V2Y", "A \"clan\" \xc3\xbc", 1764000000, 3, ids,
	    names, counts);
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "record: first refresh");
	free(t.cards);
	snap_of(&sc, &t, "#9V2Y", NULL, 1764000900, 2, ids, renamed, counts);
	sc.failed = 0;
	sc.duration = 0.0004;
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "record: second refresh, a card renamed, a name missing");
	free(t.cards);
	snap_of(&sc, &t, "#2PYLQ", "B", 1764000901, 0, ids, names, counts);
	sc.fetched = 0;
	sc.without_favourite = 0;
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "record: a refresh without favourites");
	free(t.cards);
	tap_str(q(history_db(h), "SELECT * FROM cards ORDER BY id"),
	    "26000000|Sir Knight\n28000011|The Log\n159000000|\n",
	    "record: cards, renamed, a missing name keeps the old one");
	tap_str(q(history_db(h), "SELECT * FROM refreshes ORDER BY id"),
	    "1|#9V2Y|A \"clan\" \xc3\xbc|1764000000|5|4|1|1|0|1235\n"
	    "2|#9V2Y||1764000900|5|4|0|1|1|0\n"
	    "3|#2PYLQ|B|1764000901|5|0|1|0|0|1235\n",
	    "record: refreshes, every column");
	tap_str(q(history_db(h), "SELECT * FROM favourites ORDER BY "
	    "refresh_id, card_id"),
	    "1|26000000|2\n1|28000011|1\n1|159000000|1\n"
	    "2|26000000|2\n2|28000011|1\n",
	    "record: favourites, every row");
	tap_ok(access(at("db"), F_OK) == 0, "record: db/ was made");
	history_close(h);
}

static void
test_prune(const struct outdir *od)
{
	static const int64_t	 ids[] = { 26000000, 28000011 };
	static const char *const names[] = { "Knight", "The Log" };
	static const unsigned	 counts[] = { 3, 1 };
	struct history		*h = open_ok(od, "db/h.sqlite", "prune");
	struct snap_clan	 sc;
	struct tally		 t;
	char			 err[1024];

	snap_of(&sc, &t, "#8QRUL", "C", 1764001000, 2, ids, names, counts);
	history_record(h, &sc, err, sizeof(err));
	free(t.cards);
	/* Refreshes 1 and 2 are older than 1764000901. */
	tap_int(history_prune_batch(h, 1764000901, 1, err, sizeof(err)), 1,
	    "prune: a batch of 1 removes 1");
	tap_int(history_prune_batch(h, 1764000901, 1, err, sizeof(err)), 1,
	    "prune: the next batch removes the other");
	tap_int(history_prune_batch(h, 1764000901, 1, err, sizeof(err)), 0,
	    "prune: then none is left");
	tap_str(q(history_db(h), "SELECT id, clan, fetched_at FROM refreshes "
	    "ORDER BY id"), "3|#2PYLQ|1764000901\n4|#8QRUL|1764001000\n",
	    "prune: the newer refreshes stay");
	tap_str(q(history_db(h), "SELECT * FROM favourites ORDER BY "
	    "refresh_id, card_id"), "4|26000000|3\n4|28000011|1\n",
	    "prune: the favourites of removed refreshes went with them");
	tap_str(q(history_db(h), "SELECT count(*) FROM cards"), "3\n",
	    "prune: cards stay");
	history_close(h);
}

/* Open rel, expecting the refusal want and the file left as it was. */
static void
refused(const struct outdir *od, const char *rel, const char *want,
    const char *name)
{
	struct history		*h;
	struct history_stats	 st;
	char			 err[1024], *before = NULL, *after;
	size_t			 blen = 0, alen;
	struct stat		 sb;

	if (lstat(at(rel), &sb) == 0 && S_ISREG(sb.st_mode))
		before = slurp(at(rel), &blen);
	h = history_open(od, rel, err, sizeof(err));
	tap_ok(h != NULL, "%s: history_open returns a history", name);
	tap_str(err, want, "%s: the message", name);
	tap_ok(history_db(h) == NULL, "%s: no database", name);
	history_stats(h, &st);
	tap_str(st.error, want, "%s: the stats' error", name);
	tap_int(st.ok, 0, "%s: the stats say failing", name);
	tap_int(history_record(h, NULL, err, sizeof(err)), -1,
	    "%s: history_record refuses", name);
	tap_str(err, want, "%s: with the same message", name);
	history_close(h);
	if (before != NULL) {
		after = slurp(at(rel), &alen);
		tap_ok(alen == blen && memcmp(before, after, blen) == 0,
		    "%s: the file is untouched", name);
		free(after);
		free(before);
	}
}

/* Make the SQLite database rel by running sql on a new file. */
static void
make_db(const char *rel, const char *sql)
{
	sqlite3 *db;

	if (sqlite3_open(at(rel), &db) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		exit(99);
	sqlite3_close(db);
}

static void
test_refusals(const struct outdir *od)
{
	static const char garbage[] = "this is not an SQLite database, but "
	    "a user's precious notes, which must survive clanpopd.\n";
	char		 want[2048], *img;
	size_t		 len;

	/* A database of a newer clanpopd. */
	make_db("v2.sqlite", "CREATE TABLE future (x); PRAGMA user_version = 2");
	snprintf(want, sizeof(want), "%s/v2.sqlite was made by a newer "
	    "clanpopd (schema version 2; this one reads up to 1); clanpopd "
	    "leaves it untouched: upgrade clanpopd, or set output.database "
	    "to another file", top);
	refused(od, "v2.sqlite", want, "user_version 2");

	/* Another program's database. */
	make_db("other.sqlite", "CREATE TABLE mine (x)");
	snprintf(want, sizeof(want), "%s/other.sqlite is an SQLite database "
	    "of another program (it has tables, but no clanpopd schema "
	    "version); clanpopd leaves it untouched: set output.database to "
	    "another file", top);
	refused(od, "other.sqlite", want, "another program's database");

	put(at("notes.sqlite"), garbage, sizeof(garbage) - 1);
	snprintf(want, sizeof(want), "%s/notes.sqlite is corrupt or not an "
	    "SQLite database (reading its version: file is not a database); "
	    "clanpopd leaves it untouched: move it away (a new one is then "
	    "made) or set output.database to another file", top);
	refused(od, "notes.sqlite", want, "not a database");

	/* A valid database with its b-tree pages overwritten. */
	make_db("bad.sqlite", "PRAGMA user_version = 1; CREATE TABLE t (x)");
	img = slurp(at("bad.sqlite"), &len);
	memset(img + 100, 0x5a, len - 100);
	put(at("bad.sqlite"), img, len);
	free(img);
	snprintf(want, sizeof(want), "%s/bad.sqlite is corrupt or not an "
	    "SQLite database (setting WAL mode: database disk image is "
	    "malformed); clanpopd leaves it untouched: move it away (a new "
	    "one is then made) or set output.database to another file", top);
	refused(od, "bad.sqlite", want, "corrupt");

	if (symlink("notes.sqlite", at("link.sqlite")) == -1)
		exit(99);
	snprintf(want, sizeof(want), "link.sqlite (for %s/link.sqlite) is a "
	    "symbolic link; clanpopd never opens one as its database: "
	    "remove it", top);
	refused(od, "link.sqlite", want, "a symbolic link");

	put(at("w.sqlite"), "", 0);
	if (symlink("/etc/passwd", at("w.sqlite-wal")) == -1)
		exit(99);
	snprintf(want, sizeof(want), "w.sqlite-wal (for %s/w.sqlite) is a "
	    "symbolic link; clanpopd never opens one as its database: "
	    "remove it", top);
	refused(od, "w.sqlite", want, "a symbolic link as -wal");

	if (mkdir(at("dir.sqlite"), 0755) == -1)
		exit(99);
	snprintf(want, sizeof(want), "dir.sqlite (for %s/dir.sqlite) is not "
	    "a regular file; clanpopd never opens one as its database: "
	    "remove it", top);
	refused(od, "dir.sqlite", want, "a directory");

	put(at("g.sqlite"), "", 0);
	chmod(at("g.sqlite"), 0664);
	snprintf(want, sizeof(want), "g.sqlite (for %s/g.sqlite) is writable "
	    "by group or others (mode 0664); run chmod go-w on it", top);
	refused(od, "g.sqlite", want, "group-writable");

	put(at("ro.sqlite"), "", 0);
	chmod(at("ro.sqlite"), 0444);
	snprintf(want, sizeof(want), "%s/ro.sqlite cannot be written (mode "
	    "0444); make it writable by its owner (chmod u+w)", top);
	refused(od, "ro.sqlite", want, "read-only");

	if (symlink(".", at("sub")) == -1)
		exit(99);
	snprintf(want, sizeof(want), "%s/sub is a symbolic link; clanpopd "
	    "never follows one in its output directory: remove it", top);
	refused(od, "sub/h.sqlite", want, "a symbolic link as its directory");
}

/* Version 0: an empty file (what a crash before the first write leaves). */
static void
test_empty_file(const struct outdir *od)
{
	struct history *h;

	put(at("empty.sqlite"), "", 0);
	h = open_ok(od, "empty.sqlite", "empty file");
	tap_str(q(history_db(h), "SELECT type, name, sql FROM sqlite_master "
	    "ORDER BY rowid"), want_master, "empty file: migrated from 0");
	tap_str(q(history_db(h), "PRAGMA user_version"), "1\n",
	    "empty file: user_version 1");
	history_close(h);
}

/*
 * The worker thread: trends files asked for are written by history_close
 * at the latest, and the loop's connection leaves WAL checkpoints to it.
 */
static void
test_worker(const struct outdir *od)
{
	static const int64_t	 ids[] = { 26000000 };
	static const char *const names[] = { "Knight" };
	static const unsigned	 counts[] = { 2 };
	struct history		*h = open_ok(od, "db/w.sqlite", "worker");
	struct snap_clan	 sc;
	struct tally		 t;
	char			 err[1024], *text;
	size_t			 len;

	tap_str(q(history_db(h), "PRAGMA wal_autocheckpoint"), "0\n",
	    "worker: the loop's connection never checkpoints by itself");
	snap_of(&sc, &t, "#9V2Y", "W", 1764000000, 1, ids, names, counts);
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "worker: first refresh");
	history_trends(h, "#9V2Y", 1764000000, 0);
	sc.fetched_at = 1764000900;
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "worker: second refresh");
	history_trends(h, "#9V2Y", 1764000900, 0);
	free(t.cards);
	history_close(h);
	text = slurp(at("trends/9V2Y.json"), &len);
	text[len] = '\0';	/* slurp leaves room for it */
	tap_str(text, "{\n  \"tag\": \"#9V2Y\",\n  \"name\": \"W\",\n"
	    "  \"from\": \"1970-01-01T00:00:00Z\",\n"
	    "  \"to\": \"2025-11-24T16:15:00Z\",\n  \"refreshes\": 2,\n"
	    "  \"cards\": [\n    {\"id\": 26000000, \"name\": \"Knight\", "
	    "\"points\": [[\"2025-11-24T16:00:00Z\", 2], "
	    "[\"2025-11-24T16:15:00Z\", 2]]}\n  ]\n}\n",
	    "worker: the trends file of the latest refresh, written by close");
	free(text);
}

int
main(void)
{
	struct outdir	*od;
	char		 err[1024];

	snprintf(top, sizeof(top), "/tmp/t_history.XXXXXX");
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	if ((od = outdir_open(top, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 99;
	}
	test_schema(od);
	test_record(od);
	test_prune(od);
	test_worker(od);
	test_empty_file(od);
	test_refusals(od);
	outdir_close(od);
	if (tap_failed == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
		if (system(cmd) != 0)
			perror(cmd);
	}
	return tap_done();
}
