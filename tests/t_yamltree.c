/* t_yamltree.c - unit tests of the YAML tree reader alone. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "yamltree.h"

/* Parse text into t; the return value of yamltree_parse. */
static int
parse(struct yamltree *t, const char *text, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	err[0] = '\0';
	return yamltree_parse(t, text, strlen(text), err, errlen);
}

/* Check the type, text and place of node n. */
static void
node_is(const char *name, const struct yamltree_node *n,
    enum yamltree_type type, const char *str, size_t line, size_t col)
{
	if (!tap_ok(n != NULL, "%s: present", name))
		return;
	tap_int(n->type, type, "%s: type", name);
	if (str != NULL) {
		tap_str(n->str, str, "%s: text", name);
		tap_int(n->len, strlen(str), "%s: length", name);
	}
	tap_int(n->line, line, "%s: line", name);
	tap_int(n->col, col, "%s: column", name);
}

static void
test_scalars(void)
{
	struct yamltree t;
	const struct yamltree_node *r;
	char err[256];

	tap_int(parse(&t, "a: 1\nb: 'x y'\nc: \"q\"\nd: !!str 5\n", err,
	    sizeof(err)), 0, "scalars: parse");
	r = t.root;
	node_is("scalars: root", r, YAMLTREE_MAP, NULL, 1, 1);
	tap_int(r->nkid, 8, "scalars: four keys and four values");
	node_is("scalars: key a", r->kid[0], YAMLTREE_SCALAR, "a", 1, 1);
	node_is("scalars: 1", r->kid[1], YAMLTREE_SCALAR, "1", 1, 4);
	tap_int(r->kid[1]->plain, 1, "scalars: 1 is plain");
	node_is("scalars: 'x y'", r->kid[3], YAMLTREE_SCALAR, "x y", 2, 4);
	tap_int(r->kid[3]->plain, 0, "scalars: a quoted scalar is not plain");
	node_is("scalars: \"q\"", r->kid[5], YAMLTREE_SCALAR, "q", 3, 4);
	node_is("scalars: !!str 5", r->kid[7], YAMLTREE_SCALAR, "5", 4, 4);
	tap_int(r->kid[7]->plain, 0, "scalars: a tagged scalar is not plain");
	tap_int(t.next_line, 0, "scalars: no second document");
	yamltree_free(&t);

	tap_int(parse(&t, "k: \"a\\0b\"\n", err, sizeof(err)), 0,
	    "NUL byte: parse");
	tap_int(t.root->kid[1]->len, 3, "NUL byte: the length counts it");
	tap_ok(memcmp(t.root->kid[1]->str, "a\0b", 4) == 0,
	    "NUL byte: kept, and the text is NUL-terminated");
	yamltree_free(&t);
}

static void
test_sequences(void)
{
	struct yamltree t;
	const struct yamltree_node *r, *f;
	char err[256];

	tap_int(parse(&t, "- a\n- [b, c]\n-\n  - d\n", err, sizeof(err)), 0,
	    "sequences: parse");
	r = t.root;
	node_is("sequences: root", r, YAMLTREE_SEQ, NULL, 1, 1);
	tap_int(r->nkid, 3, "sequences: three items");
	node_is("sequences: a", r->kid[0], YAMLTREE_SCALAR, "a", 1, 3);
	f = r->kid[1];
	node_is("sequences: flow list", f, YAMLTREE_SEQ, NULL, 2, 3);
	tap_int(f->nkid, 2, "sequences: flow list has two items");
	node_is("sequences: b", f->kid[0], YAMLTREE_SCALAR, "b", 2, 4);
	node_is("sequences: c", f->kid[1], YAMLTREE_SCALAR, "c", 2, 7);
	node_is("sequences: nested list", r->kid[2], YAMLTREE_SEQ, NULL, 4,
	    3);
	node_is("sequences: d", r->kid[2]->kid[0], YAMLTREE_SCALAR, "d", 4, 5);
	yamltree_free(&t);
}

static void
test_maps(void)
{
	struct yamltree t;
	const struct yamltree_node *r, *m;
	char err[256];

	tap_int(parse(&t, "api:\n  timeout: 10s\n  x: {y: z}\nb:\n", err,
	    sizeof(err)), 0, "maps: parse");
	r = t.root;
	tap_int(r->nkid, 4, "maps: two keys and two values");
	m = r->kid[1];
	node_is("maps: nested mapping", m, YAMLTREE_MAP, NULL, 2, 3);
	tap_int(m->nkid, 4, "maps: nested mapping has two pairs");
	node_is("maps: timeout", m->kid[0], YAMLTREE_SCALAR, "timeout", 2, 3);
	node_is("maps: 10s", m->kid[1], YAMLTREE_SCALAR, "10s", 2, 12);
	node_is("maps: flow mapping", m->kid[3], YAMLTREE_MAP, NULL, 3, 6);
	node_is("maps: z", m->kid[3]->kid[1], YAMLTREE_SCALAR, "z", 3, 10);
	node_is("maps: empty value", r->kid[3], YAMLTREE_SCALAR, "", 4, 3);
	tap_int(yamltree_is_null(r->kid[3]), 1, "maps: an empty value is null");
	yamltree_free(&t);
}

/* Columns count characters, not bytes; yamltree_offset goes back. */
static void
test_positions(void)
{
	struct yamltree t;
	const char *text = "\xc3\xa9t\xc3\xa9: x\n  # c\nb: y\n";
	char err[256];

	tap_int(parse(&t, text, err, sizeof(err)), 0, "positions: parse");
	node_is("positions: x after two 2-byte characters", t.root->kid[1],
	    YAMLTREE_SCALAR, "x", 1, 6);
	node_is("positions: b", t.root->kid[2], YAMLTREE_SCALAR, "b", 3, 1);
	tap_int(yamltree_offset(&t, 1, 6), 7, "positions: 1:6 is byte 7");
	tap_int(yamltree_offset(&t, 2, 3), 11, "positions: 2:3 is byte 11");
	tap_int(yamltree_offset(&t, 1, 99), 8,
	    "positions: past the end of a line is its newline");
	tap_int(yamltree_offset(&t, 9, 1), strlen(text),
	    "positions: past the last line is the end");
	tap_int(t.nomem, 0, "positions: no memory fault");
	yamltree_free(&t);
}

static void
test_aliases(void)
{
	struct yamltree t;
	char err[256];

	tap_int(parse(&t, "a: &n 3\nb: *n\n", err, sizeof(err)), 0,
	    "aliases: parse");
	node_is("aliases: the anchored value", t.root->kid[1],
	    YAMLTREE_SCALAR, "3", 1, 4);
	node_is("aliases: the alias, not resolved", t.root->kid[3],
	    YAMLTREE_ALIAS, "n", 2, 4);
	yamltree_free(&t);
}

static void
test_documents(void)
{
	struct yamltree t;
	char err[256];

	tap_int(parse(&t, "", err, sizeof(err)), 0, "empty: parse");
	tap_ok(t.root == NULL, "empty: no root");
	yamltree_free(&t);
	tap_int(parse(&t, "# only a comment\n", err, sizeof(err)), 0,
	    "comment: parse");
	tap_ok(t.root == NULL, "comment: no root");
	yamltree_free(&t);
	tap_int(parse(&t, "--- ~\n", err, sizeof(err)), 0, "null: parse");
	node_is("null: root", t.root, YAMLTREE_SCALAR, "~", 1, 5);
	tap_int(yamltree_is_null(t.root), 1, "null: is null");
	yamltree_free(&t);
	tap_int(parse(&t, "a: 1\n---\nb: [\n", err, sizeof(err)), 0,
	    "two documents: the first is read");
	tap_int(t.root->nkid, 2, "two documents: the first's pair");
	tap_int(t.next_line, 2, "two documents: second starts on line 2");
	tap_int(t.next_col, 1, "two documents: second starts in column 1");
	yamltree_free(&t);
}

/* Faults: the sentence and its place, as conf_load reports them. */
static void
test_errors(void)
{
	static const struct {
		const char	*name, *yaml, *err;
		size_t		 line, col;
	} bad[] = {
		{ "syntax", "clans:\n  - a: b: c\n",
		    "invalid YAML: mapping values are not allowed in this "
		    "context; check the indentation and the quoting", 2, 9 },
		{ "unclosed quote", "a:\n  - \"b\n",
		    "invalid YAML: found unexpected end of stream while "
		    "scanning a quoted scalar at line 2; check the indentation "
		    "and the quoting", 3, 1 },
		{ "tab", "a:\n\tb: 1\n",
		    "invalid YAML: a tab character; YAML indents with spaces "
		    "only", 2, 1 },
		{ "bad UTF-8, column in characters", "a: \"\xc3\xa9x\xff\"\n",
		    "invalid YAML: invalid leading UTF-8 octet (byte 0xFF); "
		    "save the file as UTF-8 text without control characters",
		    1, 7 },
	};
	struct yamltree t;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tap_int(parse(&t, bad[i].yaml, err, sizeof(err)), -1,
		    "%s: fails", bad[i].name);
		tap_str(err, bad[i].err, "%s: text", bad[i].name);
		tap_int(t.err_line, bad[i].line, "%s: line", bad[i].name);
		tap_int(t.err_col, bad[i].col, "%s: column", bad[i].name);
		tap_int(t.nomem, 0, "%s: not a memory fault", bad[i].name);
		yamltree_free(&t);
	}
}

/* Nesting: 64 levels read, the 65th refused where it starts. */
static void
test_depth(void)
{
	struct yamltree	 t;
	char		 err[256], text[400000];
	size_t		 n;

	/* "a:" and 63 '[': 64 levels, closed again. */
	memcpy(text, "a: ", 3);
	memset(text + 3, '[', 63);
	memset(text + 66, ']', 63);
	text[129] = '\0';
	tap_int(parse(&t, text, err, sizeof(err)), 0, "64 levels are read");
	yamltree_free(&t);
	memset(text + 3, '[', 64);
	memset(text + 67, ']', 64);
	text[131] = '\0';
	tap_int(parse(&t, text, err, sizeof(err)), -1, "65 levels fail");
	tap_str(err, "invalid YAML: lists and mappings nested more than 64 "
	    "deep (a clanpopd configuration needs 3); check the brackets and "
	    "the indentation", "65 levels: text");
	tap_int(t.err_line, 1, "65 levels: line");
	tap_int(t.err_col, 67, "65 levels: column of the 65th");
	yamltree_free(&t);
	/* 399,990 '[' (libyaml alone would take minutes): the same place. */
	n = sizeof(text) - 10;
	memset(text + 3, '[', n - 3);
	text[n] = '\0';
	tap_int(parse(&t, text, err, sizeof(err)), -1, "399,987 levels fail");
	tap_int(t.err_col, 67, "399,987 levels: refused at the 65th");
	yamltree_free(&t);
}

static void
test_words(void)
{
	static const struct {
		const char	*yaml;
		int		 null, boolean;
	} w[] = {
		{ "v: ~\n", 1, 0 },
		{ "v: null\n", 1, 0 },
		{ "v: NULL\n", 1, 0 },
		{ "v: 'null'\n", 0, 0 },
		{ "v: nil\n", 0, 0 },
		{ "v: yes\n", 0, 1 },
		{ "v: Off\n", 0, 1 },
		{ "v: \"true\"\n", 0, 0 },
		{ "v: !!bool true\n", 0, 0 },
		{ "v: y\n", 0, 0 },
	};
	struct yamltree t;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		tap_int(parse(&t, w[i].yaml, err, sizeof(err)), 0,
		    "%.*s: parse", (int)strlen(w[i].yaml) - 1, w[i].yaml);
		tap_int(yamltree_is_null(t.root->kid[1]), w[i].null,
		    "%.*s: null %d", (int)strlen(w[i].yaml) - 1, w[i].yaml,
		    w[i].null);
		tap_int(yamltree_is_bool(t.root->kid[1]), w[i].boolean,
		    "%.*s: boolean %d", (int)strlen(w[i].yaml) - 1, w[i].yaml,
		    w[i].boolean);
		yamltree_free(&t);
	}
}

int
main(void)
{
	test_scalars();
	test_sequences();
	test_maps();
	test_positions();
	test_aliases();
	test_documents();
	test_errors();
	test_depth();
	test_words();
	return tap_done();
}
