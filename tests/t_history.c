/* t_history.c - unit tests for history.c and histprof.c: the schema,
   records, renames, retention, migrations, the files it refuses and the
   profile store's rows. */
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

#include "histprof.h"
#include "history.h"
#include "outdir.h"
#include "profstore.h"
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

/*
 * The schema of version 1 as clanpopd-files(5) documents it, statement by
 * statement: version 2 appends a column to refreshes and adds tables.
 */
#define V1_CARDS \
    "CREATE TABLE cards (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"
#define V1_REFRESHES \
    "CREATE TABLE refreshes (\n" \
    "  id INTEGER PRIMARY KEY,\n" \
    "  clan TEXT NOT NULL,\n" \
    "  clan_name TEXT NOT NULL,\n" \
    "  fetched_at INTEGER NOT NULL,\n" \
    "  members INTEGER NOT NULL, fetched INTEGER NOT NULL, failed INTEGER " \
    "NOT NULL,\n" \
    "  without_favourite INTEGER NOT NULL, complete INTEGER NOT NULL, " \
    "duration_ms INTEGER NOT NULL"
#define V1_INDEX \
    "CREATE INDEX refreshes_clan_time ON refreshes (clan, fetched_at)"
#define V1_FAVOURITES \
    "CREATE TABLE favourites (\n" \
    "  refresh_id INTEGER NOT NULL REFERENCES refreshes (id) ON DELETE " \
    "CASCADE,\n" \
    "  card_id INTEGER NOT NULL REFERENCES cards (id),\n" \
    "  players INTEGER NOT NULL,\n" \
    "  PRIMARY KEY (refresh_id, card_id)) WITHOUT ROWID"

/* What version 1 ran on a new file, and the sqlite_master it left. */
static const char v1_sql[] =
    "BEGIN IMMEDIATE;\n" V1_CARDS ";\n" V1_REFRESHES ");\n" V1_INDEX ";\n"
    V1_FAVOURITES ";\nPRAGMA user_version = 1;\nCOMMIT;\n";
static const char want_master_1[] =
    "table|cards|" V1_CARDS "\n"
    "table|refreshes|" V1_REFRESHES ")\n"
    "index|refreshes_clan_time|" V1_INDEX "\n"
    "table|favourites|" V1_FAVOURITES "\n";

static const char want_master[] =
    "table|cards|" V1_CARDS "\n"
    "table|refreshes|" V1_REFRESHES ", reused INTEGER NOT NULL DEFAULT 0, "
    "without_deck INTEGER)\n"
    "index|refreshes_clan_time|" V1_INDEX "\n"
    "table|favourites|" V1_FAVOURITES "\n"
    "table|profiles|CREATE TABLE profiles (\n"
    "  tag TEXT PRIMARY KEY,\n"
    "  clan TEXT NOT NULL,\n"
    "  read_at INTEGER NOT NULL,\n"
    "  max_age INTEGER,\n"
    "  card_id INTEGER,\n"
    "  card_name TEXT,\n"
    "  deck TEXT) WITHOUT ROWID\n"
    "index|profiles_clan|CREATE INDEX profiles_clan ON profiles (clan)\n"
    "table|store_state|CREATE TABLE store_state (key TEXT PRIMARY KEY, "
    "value INTEGER NOT NULL) WITHOUT ROWID\n"
    "table|decks|CREATE TABLE decks (\n"
    "  refresh_id INTEGER NOT NULL REFERENCES refreshes (id) ON DELETE "
    "CASCADE,\n"
    "  card_id INTEGER NOT NULL REFERENCES cards (id),\n"
    "  players INTEGER NOT NULL,\n"
    "  PRIMARY KEY (refresh_id, card_id)) WITHOUT ROWID\n"
    "index|refreshes_time|CREATE INDEX refreshes_time ON refreshes "
    "(fetched_at)\n";

/* A snapshot of tag at t with cards given as id, name, count triples. */
static void
snap_of(struct snap_clan *sc, struct clan_figures *f, const char *tag,
    const char *name, time_t when, size_t ncards, const int64_t *ids,
    const char *const *names, const unsigned *counts)
{
	struct tally	*t = &f->cards;
	size_t		 i;

	memset(sc, 0, sizeof(*sc));
	memset(f, 0, sizeof(*f));
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
	f->members = 5;
	f->fetched = 4;
	f->failed = 1;
	f->without_favourite = 1;
	sc->fig = f;
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
	tap_str(q(db, "PRAGMA user_version"), "2\n", "new: user_version 2");
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
	struct clan_figures		 f;
	char			 err[1024] = "x";

	snap_of(&sc, &f, "#9V2Y", "A \"clan\" \xc3\xbc", 1764000000, 3, ids,
	    names, counts);
	/* Its decks: a card no favourite names, and one both do. */
	f.without_deck = 2;
	f.deck_cards.n = 2;
	f.deck_cards.cards = calloc(2, sizeof(*f.deck_cards.cards));
	f.deck_cards.cards[0].id = 27000000;
	f.deck_cards.cards[0].name = (char *)(uintptr_t)"Cannon";
	f.deck_cards.cards[0].count = 3;
	f.deck_cards.cards[1].id = 26000000;
	f.deck_cards.cards[1].name = (char *)(uintptr_t)"Knight";
	f.deck_cards.cards[1].count = 1;
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "record: first refresh");
	free(f.cards.cards);
	free(f.deck_cards.cards);
	snap_of(&sc, &f, "#9V2Y", NULL, 1764000900, 2, ids, renamed, counts);
	f.failed = 0;
	f.reused = 1;
	sc.duration = 0.0004;
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "record: second refresh, a card renamed, a name missing");
	free(f.cards.cards);
	snap_of(&sc, &f, "#2PYLQ", "B", 1764000901, 0, ids, names, counts);
	f.fetched = 0;
	f.without_favourite = 0;
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "record: a refresh without favourites");
	free(f.cards.cards);
	tap_str(q(history_db(h), "SELECT * FROM cards ORDER BY id"),
	    "26000000|Sir Knight\n27000000|Cannon\n28000011|The Log\n"
	    "159000000|\n",
	    "record: cards of favourites and decks, renamed, a missing name "
	    "keeps the old one");
	tap_str(q(history_db(h), "SELECT * FROM refreshes ORDER BY id"),
	    "1|#9V2Y|A \"clan\" \xc3\xbc|1764000000|5|4|1|1|0|1235|0|2\n"
	    "2|#9V2Y||1764000900|5|4|0|1|1|0|1|0\n"
	    "3|#2PYLQ|B|1764000901|5|0|1|0|0|1235|0|0\n",
	    "record: refreshes, every column");
	tap_str(q(history_db(h), "SELECT * FROM decks ORDER BY refresh_id, "
	    "card_id"), "1|26000000|1\n1|27000000|3\n",
	    "record: decks, every row");
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
	struct clan_figures		 f;
	char			 err[1024], want[1024];

	snap_of(&sc, &f, "#8QRUL", "C", 1764001000, 2, ids, names, counts);
	history_record(h, &sc, err, sizeof(err));
	free(f.cards.cards);
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
	tap_str(q(history_db(h), "SELECT count(*) FROM decks"), "0\n",
	    "prune: the decks of removed refreshes went with them");
	tap_str(q(history_db(h), "SELECT count(*) FROM cards"), "4\n",
	    "prune: cards stay");
	/*
	 * Refresh 5 fetched before 4 but recorded after it (the clock
	 * stepped back): removed by its time, and every pruning that removed
	 * any is counted, for famseries.c.
	 */
	tap_str(q(history_db(h), "SELECT * FROM store_state"), "removals|2\n",
	    "prune: the two prunings that removed refreshes are counted");
	snap_of(&sc, &f, "#9V2Y", "A", 1764000500, 2, ids, names, counts);
	history_record(h, &sc, err, sizeof(err));
	free(f.cards.cards);
	tap_int(history_prune_batch(h, 1764000950, 500, err, sizeof(err)), 2,
	    "prune: by time, not by id");
	tap_str(q(history_db(h), "SELECT id FROM refreshes"), "4\n",
	    "prune: a refresh recorded after a newer one goes by its time");
	tap_int(history_prune_batch(h, 1764000950, 500, err, sizeof(err)), 0,
	    "prune: then none is left");
	tap_str(q(history_db(h), "SELECT * FROM store_state"), "removals|3\n",
	    "prune: a pruning that removed none is not counted");
	/* A count that fails takes the removal back with it. */
	if (sqlite3_exec(history_db(h), "CREATE TEMP TRIGGER fault BEFORE "
	    "INSERT ON store_state BEGIN SELECT RAISE(ABORT, 'injected "
	    "fault'); END", NULL, NULL, NULL) != SQLITE_OK)
		exit(99);
	tap_int(history_prune_batch(h, 1764009999, 500, err, sizeof(err)), -1,
	    "prune: fails when the pruning cannot be counted");
	snprintf(want, sizeof(want), "%s/db/h.sqlite: counting the removal "
	    "of old refreshes failed: injected fault (SQLite error 1811)",
	    top);
	tap_str(err, want, "prune: the message says what failed");
	tap_str(q(history_db(h), "SELECT id FROM refreshes"), "4\n",
	    "prune: the refresh is still there");
	tap_int(sqlite3_get_autocommit(history_db(h)), 1,
	    "prune: no transaction left open");
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
	make_db("v3.sqlite",
	    "CREATE TABLE future (x); PRAGMA user_version = 3");
	snprintf(want, sizeof(want), "%s/v3.sqlite was made by a newer "
	    "clanpopd (schema version 3; this one reads up to 2); clanpopd "
	    "leaves it untouched: upgrade clanpopd, or set output.database "
	    "to another file", top);
	refused(od, "v3.sqlite", want, "user_version 3");

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
	tap_str(q(history_db(h), "PRAGMA user_version"), "2\n",
	    "empty file: user_version 2");
	history_close(h);
}

/* The version-1 rows of cards, refreshes and favourites, every byte. */
#define Q_V1_ROWS \
    "SELECT quote(id), quote(name) FROM cards ORDER BY id; " \
    "SELECT quote(id), quote(clan), quote(clan_name), quote(fetched_at), " \
    "quote(members), quote(fetched), quote(failed), " \
    "quote(without_favourite), quote(complete), quote(duration_ms) " \
    "FROM refreshes ORDER BY id; " \
    "SELECT quote(refresh_id), quote(card_id), quote(players) " \
    "FROM favourites ORDER BY refresh_id, card_id"

/* A version-1 file with rows, as version 1 left it; opened, it is 2. */
static void
test_migrate_v1(const struct outdir *od)
{
	static const char rows[] =
	    "INSERT INTO cards VALUES (26000000, 'Knight'), (28000011, ''), "
	    "(159000000, 'Archer Queen');\n"
	    "INSERT INTO refreshes VALUES (1, '#9V2Y', "
	    "'A ''clan'' \xc3\xbc|x', 1764000000, 50, 48, 2, 3, 0, 12345), "
	    "(2, '#2PYLQ', '', 1764000900, 1, 1, 0, 0, 1, 0);\n"
	    "INSERT INTO favourites VALUES (1, 26000000, 40), "
	    "(1, 159000000, 5), (2, 28000011, 1);\n";
	static const char want_rows[] =
	    "26000000|'Knight'\n28000011|''\n159000000|'Archer Queen'\n"
	    "1|'#9V2Y'|'A ''clan'' \xc3\xbc|x'|1764000000|50|48|2|3|0|12345\n"
	    "2|'#2PYLQ'|''|1764000900|1|1|0|0|1|0\n"
	    "1|26000000|40\n1|159000000|5\n2|28000011|1\n";
	static const int64_t	 ids[] = { 26000000 };
	static const char *const names[] = { "Sir Knight" };
	static const unsigned	 counts[] = { 3 };
	struct history		*h;
	struct snap_clan	 sc;
	struct clan_figures		 f;
	sqlite3			*db;
	char			 sql[2048], err[1024];

	snprintf(sql, sizeof(sql), "PRAGMA journal_mode = WAL;\n%s%s", v1_sql,
	    rows);
	make_db("v1.sqlite", sql);
	if (sqlite3_open(at("v1.sqlite"), &db) != SQLITE_OK)
		exit(99);
	tap_str(q(db, "SELECT type, name, sql FROM sqlite_master ORDER BY "
	    "rowid"), want_master_1, "v1 file: version 1's schema");
	tap_str(q(db, "PRAGMA user_version"), "1\n", "v1 file: user_version 1");
	tap_str(q(db, Q_V1_ROWS), want_rows, "v1 file: its rows");
	sqlite3_close(db);

	h = open_ok(od, "v1.sqlite", "v1 migrated");
	db = history_db(h);
	tap_str(q(db, "PRAGMA user_version"), "2\n",
	    "v1 migrated: user_version 2");
	tap_str(q(db, "SELECT type, name, sql FROM sqlite_master ORDER BY "
	    "rowid"), want_master, "v1 migrated: version 2's schema, exactly");
	tap_str(q(db, Q_V1_ROWS), want_rows,
	    "v1 migrated: every row kept, byte for byte");
	tap_str(q(db, "SELECT id, quote(reused) FROM refreshes ORDER BY id"),
	    "1|0\n2|0\n", "v1 migrated: the old refreshes reused 0");
	tap_str(q(db, "SELECT id, quote(without_deck) FROM refreshes ORDER BY "
	    "id; SELECT count(*) FROM decks"), "1|NULL\n2|NULL\n0\n",
	    "v1 migrated: the old refreshes counted no decks (NULL), no "
	    "decks rows");
	tap_str(q(db, "PRAGMA integrity_check"), "ok\n",
	    "v1 migrated: integrity_check ok");
	tap_str(q(db, "PRAGMA foreign_key_check"), "",
	    "v1 migrated: no foreign key broken");
	tap_str(q(db, "SELECT (SELECT count(*) FROM profiles), "
	    "(SELECT count(*) FROM store_state)"), "0|0\n",
	    "v1 migrated: profiles and store_state empty");

	snap_of(&sc, &f, "#9V2Y", "A", 1764001800, 1, ids, names, counts);
	f.reused = 2;
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "v1 migrated: a refresh recorded");
	free(f.cards.cards);
	tap_str(q(db, "SELECT * FROM refreshes WHERE id > 2; "
	    "SELECT * FROM favourites WHERE refresh_id > 2; "
	    "SELECT * FROM cards WHERE id = 26000000"),
	    "3|#9V2Y|A|1764001800|5|4|1|1|0|1235|2|0\n3|26000000|3\n"
	    "26000000|Sir Knight\n", "v1 migrated: its rows");
	tap_str(q(db, "PRAGMA integrity_check"), "ok\n",
	    "v1 migrated: integrity_check ok after it");
	history_close(h);
}

/* A migration step that fails leaves the file at version 1. */
static void
test_migrate_fails(const struct outdir *od)
{
	struct history	*h;
	sqlite3		*db;
	char		 sql[2048], err[1024];

	snprintf(sql, sizeof(sql), "%sCREATE TABLE store_state (x);\n", v1_sql);
	make_db("v1bad.sqlite", sql);
	h = history_open(od, "v1bad.sqlite", err, sizeof(err));
	snprintf(sql, sizeof(sql), "%s/v1bad.sqlite: migrating failed: table "
	    "store_state already exists (SQLite error 1)", top);
	tap_str(err, sql, "v1 failed migration: the message");
	tap_ok(history_db(h) == NULL, "v1 failed migration: no database");
	history_close(h);
	if (sqlite3_open(at("v1bad.sqlite"), &db) != SQLITE_OK)
		exit(99);
	tap_str(q(db, "PRAGMA user_version; SELECT name FROM sqlite_master "
	    "ORDER BY rowid"), "1\ncards\nrefreshes\nrefreshes_clan_time\n"
	    "favourites\nstore_state\n",
	    "v1 failed migration: still version 1, nothing added");
	tap_str(q(db, "SELECT sql FROM sqlite_master WHERE name = "
	    "'refreshes'"), V1_REFRESHES ")\n",
	    "v1 failed migration: refreshes without reused");
	sqlite3_close(db);
}

/* Every field of p, or "(none)". */
static const char *
prof_str(const struct profile *p)
{
	static char buf[256];

	if (p == NULL)
		return "(none)";
	snprintf(buf, sizeof(buf), "%s|%s|%lld|%lld|%lld|%s", p->tag, p->clan,
	    (long long)p->read_at, (long long)p->max_age,
	    (long long)p->card_id, p->card_name != NULL ? p->card_name :
	    "NULL");
	return buf;
}

static void
prof_put(struct profstore *ps, const char *tag, const char *clan,
    int64_t read_at, int64_t max_age, int64_t card_id, const char *name)
{
	struct profile p;

	memset(&p, 0, sizeof(p));
	snprintf(p.tag, sizeof(p.tag), "%s", tag);
	snprintf(p.clan, sizeof(p.clan), "%s", clan);
	p.read_at = read_at;
	p.max_age = max_age;
	p.card_id = card_id;
	p.card_name = (char *)(uintptr_t)name;
	if (profstore_put(ps, &p, 0) == -1)
		exit(99);
}

/* Record a refresh of clan without cards, with the n changes of ps. */
static int
prof_record(struct history *h, const struct profstore *ps, const char *clan,
    time_t when, const struct profstore_change *c, size_t n, char *err,
    size_t errlen)
{
	struct snap_clan	sc;
	struct clan_figures		f;
	int			rc;

	snap_of(&sc, &f, clan, "P", when, 0, NULL, NULL, NULL);
	sc.store = ps;
	sc.changes = c;
	sc.nchanges = n;
	rc = history_record(h, &sc, err, errlen);
	free(f.cards.cards);
	return rc;
}

#define Q_PROFILES \
    "SELECT quote(tag), quote(clan), quote(read_at), quote(max_age), " \
    "quote(card_id), quote(card_name) FROM profiles ORDER BY tag"
#define Q_STATE		"SELECT * FROM store_state ORDER BY key"

static const char want_profiles[] =
    "'#AAA'|'#9V2Y'|1764000000|600|26000000|'Knight'\n"
    "'#BBB'|'#9V2Y'|1764000010|NULL|NULL|NULL\n"
    "'#FFF'|'#9V2Y'|1764000030|60|26000001|'Archers'\n"
    "'#GGG'|'#8QRUL'|1764000050|NULL|28000011|'The Log'\n"
    "'#HHH'|'#8QRUL'|1764000060|30|26000000|'Knight'\n";

/* Each op of histprof_write, in history_record's transaction. */
static void
test_prof_write(struct history *h, struct profstore *ps)
{
	static const struct profstore_change first[] = {
		{ "#AAA", PROFSTORE_READ }, { "#BBB", PROFSTORE_READ },
		{ "#CCC", PROFSTORE_READ }, { "#DDD", PROFSTORE_READ },
		{ "#EEE", PROFSTORE_READ },
	}, second[] = {
		{ "#FFF", PROFSTORE_REUSED }, { "#AAA", PROFSTORE_REUSED },
		{ "#CCC", PROFSTORE_FAILED }, { "#DDD", PROFSTORE_GONE },
	}, third[] = {
		{ "#GGG", PROFSTORE_READ }, { "#HHH", PROFSTORE_READ },
	};
	sqlite3		*db = history_db(h);
	char		 err[1024];

	prof_put(ps, "#AAA", "#9V2Y", 1764000000, 600, 26000000, "Knight");
	prof_put(ps, "#BBB", "#9V2Y", 1764000010, -1, 0, NULL);
	prof_put(ps, "#CCC", "#9V2Y", 1764000020, 0, 28000011, "The Log");
	prof_put(ps, "#DDD", "#9V2Y", 1764000040, -1, 26000000, "Knight");
	prof_put(ps, "#FFF", "#2PYLQ", 1764000030, 60, 26000001, "Archers");
	tap_int(prof_record(h, ps, "#2PYLQ", 1764000100, first + 0, 0, err,
	    sizeof(err)), 0, "profiles: a refresh without changes");
	tap_str(q(db, Q_PROFILES), "", "profiles: none written");
	tap_int(prof_record(h, ps, "#2PYLQ", 1764000100,
	    &(struct profstore_change){ "#FFF", PROFSTORE_READ }, 1, err,
	    sizeof(err)), 0, "profiles: a refresh of #2PYLQ");
	tap_int(prof_record(h, ps, "#9V2Y", 1764000200, first, 5, err,
	    sizeof(err)), 0, "profiles: a refresh of #9V2Y");
	tap_str(q(db, Q_PROFILES),
	    "'#AAA'|'#9V2Y'|1764000000|600|26000000|'Knight'\n"
	    "'#BBB'|'#9V2Y'|1764000010|NULL|NULL|NULL\n"
	    "'#CCC'|'#9V2Y'|1764000020|0|28000011|'The Log'\n"
	    "'#DDD'|'#9V2Y'|1764000040|NULL|26000000|'Knight'\n"
	    "'#FFF'|'#2PYLQ'|1764000030|60|26000001|'Archers'\n",
	    "profiles: read ones written, every column; one not in the store "
	    "is not");
	tap_str(q(db, Q_STATE), "", "profiles: no maintenance yet");

	profstore_move(ps, "#FFF", "#9V2Y");
	profstore_del(ps, "#CCC");
	profstore_del(ps, "#DDD");
	profstore_set_maintenance(ps, 1764000500);
	tap_int(prof_record(h, ps, "#9V2Y", 1764000900, second, 4, err,
	    sizeof(err)), 0, "profiles: reused, failed and gone");
	prof_put(ps, "#GGG", "#8QRUL", 1764000050, -1, 28000011, "The Log");
	prof_put(ps, "#HHH", "#8QRUL", 1764000060, 30, 26000000, "Knight");
	tap_int(prof_record(h, ps, "#8QRUL", 1764000901, third, 2, err,
	    sizeof(err)), 0, "profiles: a refresh of #8QRUL");
	tap_str(q(db, Q_PROFILES), want_profiles, "profiles: reused in "
	    "another clan moved, in its own kept, failed and gone deleted");
	tap_str(q(db, Q_STATE), "maintenance_at|1764000500\n",
	    "profiles: the maintenance written");
}

/* A refresh that fails takes its profile changes back with it. */
static void
test_prof_rollback(struct history *h, struct profstore *ps)
{
	static const struct profstore_change c[] = {
		{ "#III", PROFSTORE_READ }, { "#GGG", PROFSTORE_REUSED },
		{ "#BBB", PROFSTORE_GONE },
	};
	sqlite3		*db = history_db(h);
	char		 err[1024], want[1024], *before;

	before = strdup(q(db, "SELECT count(*) FROM refreshes"));
	if (before == NULL || sqlite3_exec(db, "CREATE TEMP TRIGGER fault "
	    "BEFORE INSERT ON store_state BEGIN SELECT RAISE(ABORT, "
	    "'injected fault'); END", NULL, NULL, NULL) != SQLITE_OK)
		exit(99);
	prof_put(ps, "#III", "#9V2Y", 1764001000, -1, 26000000, "Knight");
	profstore_set_maintenance(ps, 1764000600);
	tap_int(prof_record(h, ps, "#9V2Y", 1764001000, c, 3, err,
	    sizeof(err)), -1, "rollback: the refresh fails");
	snprintf(want, sizeof(want), "%s/db/prof.sqlite: recording a refresh "
	    "failed: injected fault (SQLite error 1811)", top);
	tap_str(err, want, "rollback: the message");
	tap_str(q(db, Q_PROFILES), want_profiles,
	    "rollback: the profiles as before");
	tap_str(q(db, Q_STATE), "maintenance_at|1764000500\n",
	    "rollback: the maintenance as before");
	tap_str(q(db, "SELECT count(*) FROM refreshes"), before,
	    "rollback: no refresh recorded");
	tap_int(sqlite3_get_autocommit(db), 1,
	    "rollback: no transaction left open");
	free(before);
	if (sqlite3_exec(db, "DROP TRIGGER fault", NULL, NULL, NULL) !=
	    SQLITE_OK)
		exit(99);
	profstore_del(ps, "#III");
}

/* keep() for histprof_load: every clan but arg. */
static int
keep_not(void *arg, const char *clan)
{
	return strcmp(clan, arg) != 0;
}

/* Loading into a fresh store, and the time of the last maintenance. */
static void	test_prof_deck(struct history *);

static void
test_prof_load(struct history *h)
{
	struct profstore	*ps2;
	sqlite3			*db = history_db(h);
	char			 err[1024] = "", dropped[] = "#8QRUL";

	if ((ps2 = profstore_new()) == NULL)
		exit(99);
	prof_put(ps2, "#AAA", "#9V2Y", 1764009999, -1, 26000002, "Musketeer");
	prof_put(ps2, "#BBB", "#2PYLQ", 1764000005, 5, 26000003, "Giant");
	tap_int(histprof_load(db, ps2, keep_not, dropped, err, sizeof(err)),
	    0, "load: returns 0");
	tap_str(err, "", "load: no error");
	tap_int(profstore_count(ps2), 3, "load: 3 profiles");
	tap_str(prof_str(profstore_get(ps2, "#AAA")),
	    "#AAA|#9V2Y|1764009999|-1|26000002|Musketeer",
	    "load: a newer profile in the store is not replaced");
	tap_str(prof_str(profstore_get(ps2, "#BBB")),
	    "#BBB|#9V2Y|1764000010|-1|0|NULL",
	    "load: an older one is, every field (no favourite, no max-age)");
	tap_str(prof_str(profstore_get(ps2, "#FFF")),
	    "#FFF|#9V2Y|1764000030|60|26000001|Archers",
	    "load: a stored one, every field");
	tap_str(prof_str(profstore_get(ps2, "#GGG")), "(none)",
	    "load: a dropped clan's profile is not loaded");
	tap_str(prof_str(profstore_get(ps2, "#HHH")), "(none)",
	    "load: nor its other one");
	tap_str(q(db, Q_PROFILES),
	    "'#AAA'|'#9V2Y'|1764000000|600|26000000|'Knight'\n"
	    "'#BBB'|'#9V2Y'|1764000010|NULL|NULL|NULL\n"
	    "'#FFF'|'#9V2Y'|1764000030|60|26000001|'Archers'\n",
	    "load: the dropped clan's rows deleted, the others kept");
	tap_int(profstore_maintenance(ps2), 1764000500,
	    "load: the maintenance time");
	profstore_free(ps2);

	/* A max-age no answer can give: the largest kept, or none. */
	if ((ps2 = profstore_new()) == NULL || sqlite3_exec(db, "INSERT INTO "
	    "profiles (tag, clan, read_at, max_age) VALUES ('#JJJ', '#9V2Y', "
	    "1764000040, 4294967296), ('#KKK', '#9V2Y', 1764000040, -5), "
	    "('#LLL', '#9V2Y', 1764000040, 60), ('#MMM', '#9V2Y', 1764000040, "
	    "60)", NULL, NULL, NULL) != SQLITE_OK || sqlite3_exec(db, "UPDATE "
	    "profiles SET card_id = 2147483648 WHERE tag = '#LLL'; UPDATE "
	    "profiles SET card_id = 2147483647, card_name = 'Top' WHERE tag = "
	    "'#MMM'",
	    NULL, NULL, NULL) != SQLITE_OK)
		exit(99);
	histprof_load(db, ps2, keep_not, dropped, err, sizeof(err));
	tap_str(prof_str(profstore_get(ps2, "#JJJ")),
	    "#JJJ|#9V2Y|1764000040|2147483647|0|NULL",
	    "load: a max-age of 2^32 is kept as 2^31-1 (still no reuse)");
	tap_str(prof_str(profstore_get(ps2, "#KKK")),
	    "#KKK|#9V2Y|1764000040|-1|0|NULL",
	    "load: a negative max-age is none");
	tap_str(prof_str(profstore_get(ps2, "#LLL")), "(none)",
	    "load: a card id of 2^31 is no answer's: not loaded (read again)");
	tap_str(prof_str(profstore_get(ps2, "#MMM")),
	    "#MMM|#9V2Y|1764000040|60|2147483647|Top",
	    "load: a card id of 2^31-1 is");
	profstore_free(ps2);
	if (sqlite3_exec(db, "DELETE FROM profiles WHERE tag IN ('#JJJ', "
	    "'#KKK', '#LLL', '#MMM')", NULL, NULL, NULL) != SQLITE_OK)
		exit(99);

	tap_int(histprof_maintenance(db, 1764000400), SQLITE_OK,
	    "maintenance: an earlier one");
	tap_str(q(db, Q_STATE), "maintenance_at|1764000500\n",
	    "maintenance: the later one stays");
	tap_int(histprof_maintenance(db, 1764000700), SQLITE_OK,
	    "maintenance: a later one");
	tap_int(histprof_maintenance(db, 0), SQLITE_OK, "maintenance: none");
	tap_str(q(db, Q_STATE), "maintenance_at|1764000700\n",
	    "maintenance: the later one kept");
}

static void
test_profiles(const struct outdir *od)
{
	struct history		*h;
	struct profstore	*ps;

	h = open_ok(od, "db/prof.sqlite", "profiles");
	if ((ps = profstore_new()) == NULL)
		exit(99);
	test_prof_write(h, ps);
	test_prof_rollback(h, ps);
	test_prof_load(h);
	test_prof_deck(h);
	profstore_free(ps);
	history_close(h);
}

/* A profile's deck as "id name|...", from its store's card numbers. */
static const char *
deck_str(const struct profstore *ps, const struct profile *p)
{
	static char			 buf[512];
	const struct profstore_card	*c;
	size_t				 i, o = 0;

	if (p == NULL)
		return "(none)";
	buf[0] = '\0';
	for (i = 0; i < p->ndeck; i++) {
		c = profstore_card_at(ps, p->deck[i]);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%lld %s",
		    i > 0 ? "|" : "", c != NULL ? (long long)c->id : -1LL,
		    c != NULL && c->name != NULL ? c->name : "-");
	}
	return buf;
}

/* The deck column: written as ids, loaded back as card numbers. */
static void
test_prof_deck(struct history *h)
{
	static const struct profstore_change c[] = {
		{ "#DK1", PROFSTORE_READ }, { "#DK2", PROFSTORE_READ },
	};
	struct profstore	*ps, *ps2;
	struct profile		 p;
	sqlite3			*db = history_db(h);
	char			 err[1024] = "", none[] = "#none";

	if ((ps = profstore_new()) == NULL || (ps2 = profstore_new()) == NULL)
		exit(99);
	memset(&p, 0, sizeof(p));
	snprintf(p.tag, sizeof(p.tag), "#DK1");
	snprintf(p.clan, sizeof(p.clan), "#DECK");
	p.read_at = 1764002000;
	p.max_age = -1;
	p.deck[0] = (uint16_t)profstore_card(ps, 28000011, "The Log");
	p.deck[1] = (uint16_t)profstore_card(ps, 26000000, "Knight");
	p.deck[2] = (uint16_t)profstore_card(ps, 159000000, NULL);
	p.ndeck = 3;
	tap_int(p.deck[0] * 100 + p.deck[1] * 10 + p.deck[2], 123,
	    "deck: cards numbered from 1 in order");
	tap_int(profstore_card(ps, 26000000, NULL), 2,
	    "deck: a known card keeps its number");
	profstore_put(ps, &p, 0);
	snprintf(p.tag, sizeof(p.tag), "#DK2");
	p.ndeck = 0;
	profstore_put(ps, &p, 0);
	tap_int(prof_record(h, ps, "#DECK", 1764002000, c, 2, err,
	    sizeof(err)), 0, "deck: a refresh recorded");
	tap_str(q(db, "SELECT tag, quote(deck) FROM profiles WHERE clan = "
	    "'#DECK' ORDER BY tag"), "#DK1|'28000011 26000000 159000000'\n"
	    "#DK2|NULL\n", "deck: the ids in the deck's order; none is NULL");
	if (sqlite3_exec(db, "INSERT OR REPLACE INTO cards VALUES "
	    "(28000011, 'The Log'), (26000000, 'Sir Knight'), (159000000, ''); "
	    "INSERT INTO profiles (tag, clan, read_at, deck) VALUES "
	    "('#DK3', '#DECK', 1764002000, '26000000 x'), "
	    "('#DK4', '#DECK', 1764002000, '1 2 3 4 5 6 7 8 9'), "
	    "('#DK5', '#DECK', 1764002000, '2147483648'), "
	    "('#DK6', '#DECK', 1764002000, '')", NULL, NULL,
	    NULL) != SQLITE_OK)
		exit(99);
	tap_int(histprof_load(db, ps2, keep_not, none, err, sizeof(err)), 0,
	    "deck: loaded");
	tap_str(deck_str(ps2, profstore_get(ps2, "#DK1")),
	    "28000011 The Log|26000000 Sir Knight|159000000 -",
	    "deck: loaded back, named by the cards table ('' is no name)");
	tap_int(profstore_get(ps2, "#DK2") != NULL &&
	    profstore_get(ps2, "#DK2")->ndeck == 0, 1,
	    "deck: NULL loads as no deck");
	tap_str(prof_str(profstore_get(ps2, "#DK3")), "(none)",
	    "deck: a deck column that is no list of ids is not loaded");
	tap_str(prof_str(profstore_get(ps2, "#DK4")), "(none)",
	    "deck: nor one of 9 cards");
	tap_str(prof_str(profstore_get(ps2, "#DK5")), "(none)",
	    "deck: nor one with an id above 2^31-1");
	tap_str(prof_str(profstore_get(ps2, "#DK6")), "(none)",
	    "deck: nor an empty one");
	profstore_free(ps2);
	profstore_free(ps);
	if (sqlite3_exec(db, "DELETE FROM profiles WHERE clan = '#DECK'", NULL,
	    NULL, NULL) != SQLITE_OK)
		exit(99);
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
	static const char *const family[] = { "#9V2Y", "#2PYLQ" };
	struct history		*h = open_ok(od, "db/w.sqlite", "worker");
	struct snap_clan	 sc;
	struct clan_figures	 f;
	char			 err[1024], *text;
	size_t			 len;

	tap_str(q(history_db(h), "PRAGMA wal_autocheckpoint"), "0\n",
	    "worker: the loop's connection never checkpoints by itself");
	snap_of(&sc, &f, "#9V2Y", "W", 1764000000, 1, ids, names, counts);
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "worker: first refresh");
	history_trends(h, "#9V2Y", 1764000000, 0);
	sc.fetched_at = 1764000900;
	tap_int(history_record(h, &sc, err, sizeof(err)), 0,
	    "worker: second refresh");
	history_trends(h, "#9V2Y", 1764000900, 0);
	history_family(h, family, 2, 1764000900, 0);
	free(f.cards.cards);
	history_close(h);
	text = slurp(at("trends/9V2Y.json"), &len);
	text[len] = '\0';	/* slurp leaves room for it */
	tap_str(text, "{\n  \"tag\": \"#9V2Y\",\n  \"name\": \"W\",\n"
	    "  \"from\": \"1970-01-01T00:00:00Z\",\n"
	    "  \"to\": \"2025-11-24T16:15:00Z\",\n  \"refreshes\": 2,\n"
	    "  \"cards\": [\n    {\"id\": 26000000, \"name\": \"Knight\", "
	    "\"points\": [[\"2025-11-24T16:00:00Z\", 2], "
	    "[\"2025-11-24T16:15:00Z\", 2]]}\n  ],\n"
	    "  \"deck_cards\": []\n}\n",
	    "worker: the trends file of the latest refresh, written by close");
	free(text);
	text = slurp(at("trends/family.json"), &len);
	text[len] = '\0';
	tap_str(text, "{\n  \"from\": \"1970-01-01T00:00:00Z\",\n"
	    "  \"to\": \"2025-11-24T16:15:00Z\",\n  \"clans\": 2,\n"
	    "  \"refreshes\": 2,\n"
	    "  \"cards\": [\n    {\"id\": 26000000, \"name\": \"Knight\", "
	    "\"points\": [[\"2025-11-24T16:00:00Z\", 2], "
	    "[\"2025-11-24T16:15:00Z\", 2]]}\n  ],\n"
	    "  \"deck_cards\": []\n}\n",
	    "worker: the family's trends file, written by close");
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
	test_migrate_v1(od);
	test_migrate_fails(od);
	test_profiles(od);
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
