/* yamltree.c - a YAML text -> a tree of nodes with their positions (pure). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "yamltree.h"

/* What yamltree_parse keeps while it reads the events. */
struct yamltree_parser {
	struct yamltree		 *t;
	struct yamltree_node	**stack;	/* open lists and mappings */
	size_t			  depth, cap;
	size_t			  ndocs;
	int			  done;
	int			  too_deep;	/* stopped at YAMLTREE_DEPTH_MAX */
};

/* A new node at mark, linked into t->all; NULL when out of memory. */
static struct yamltree_node *
yamltree_new(struct yamltree *t, enum yamltree_type type,
    const yaml_mark_t *mark)
{
	struct yamltree_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		t->nomem = 1;
		return NULL;
	}
	n->type = type;
	n->line = mark->line + 1;
	n->col = mark->column + 1;
	n->all = t->all;
	t->all = n;
	return n;
}

static void
yamltree_add_kid(struct yamltree *t, struct yamltree_node *parent,
    struct yamltree_node *kid)
{
	struct yamltree_node **k;
	size_t cap;

	if (parent->nkid == parent->kidcap) {
		cap = parent->kidcap ? 2 * parent->kidcap : 8;
		k = reallocarray(parent->kid, cap, sizeof(*k));
		if (k == NULL) {
			t->nomem = 1;
			return;
		}
		parent->kid = k;
		parent->kidcap = cap;
	}
	parent->kid[parent->nkid++] = kid;
}

/* Hang n under the innermost open list or mapping, or make it the root. */
static void
yamltree_attach(struct yamltree_parser *yp, struct yamltree_node *n)
{
	struct yamltree_node **ns;
	size_t cap;

	if (yp->depth == 0 && yp->t->root == NULL)
		yp->t->root = n;
	else if (yp->depth > 0)
		yamltree_add_kid(yp->t, yp->stack[yp->depth - 1], n);
	if (n->type != YAMLTREE_SEQ && n->type != YAMLTREE_MAP)
		return;
	if (yp->depth == yp->cap) {
		cap = yp->cap ? 2 * yp->cap : 16;
		if ((ns = reallocarray(yp->stack, cap, sizeof(*ns))) == NULL) {
			yp->t->nomem = 1;
			return;
		}
		yp->stack = ns;
		yp->cap = cap;
	}
	yp->stack[yp->depth++] = n;
}

static struct yamltree_node *
yamltree_scalar(struct yamltree *t, const yaml_event_t *ev)
{
	struct yamltree_node *n;

	if ((n = yamltree_new(t, YAMLTREE_SCALAR, &ev->start_mark)) == NULL)
		return NULL;
	n->len = ev->data.scalar.length;
	if ((n->str = malloc(n->len + 1)) == NULL) {
		t->nomem = 1;
		return NULL;
	}
	memcpy(n->str, ev->data.scalar.value, n->len);
	n->str[n->len] = '\0';
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    ev->data.scalar.tag == NULL;
	return n;
}

static struct yamltree_node *
yamltree_alias(struct yamltree *t, const yaml_event_t *ev)
{
	struct yamltree_node *n;

	if ((n = yamltree_new(t, YAMLTREE_ALIAS, &ev->start_mark)) == NULL)
		return NULL;
	if ((n->str = strdup((const char *)ev->data.alias.anchor)) == NULL) {
		t->nomem = 1;
		return NULL;
	}
	n->len = strlen(n->str);
	return n;
}

/* Take one event into the tree. */
static void
yamltree_event(struct yamltree_parser *yp, const yaml_event_t *ev)
{
	struct yamltree_node *n = NULL;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++yp->ndocs > 1) {
			yp->t->next_line = ev->start_mark.line + 1;
			yp->t->next_col = ev->start_mark.column + 1;
			yp->done = 1;
		}
		break;
	case YAML_STREAM_END_EVENT:
		yp->done = 1;
		break;
	case YAML_SCALAR_EVENT:
		n = yamltree_scalar(yp->t, ev);
		break;
	case YAML_ALIAS_EVENT:
		n = yamltree_alias(yp->t, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		/*
		 * Stop before libyaml reads on: its scanner slows down with
		 * the square of the nesting, so a file of a million '[' would
		 * stall the loader (and a reload) for an hour.
		 */
		if (yp->depth >= YAMLTREE_DEPTH_MAX) {
			yp->t->err_line = ev->start_mark.line + 1;
			yp->t->err_col = ev->start_mark.column + 1;
			yp->too_deep = yp->done = 1;
			break;
		}
		n = yamltree_new(yp->t, ev->type == YAML_SEQUENCE_START_EVENT ?
		    YAMLTREE_SEQ : YAMLTREE_MAP, &ev->start_mark);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (yp->depth > 0)
			yp->depth--;
		break;
	default:
		break;
	}
	if (n != NULL)
		yamltree_attach(yp, n);
}

/* Line and column (1-based) of byte offset off of the text. */
static void
yamltree_pos(const struct yamltree *t, size_t off, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < t->len; i++) {
		if (t->buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)t->buf[i] & 0xC0) != 0x80)
			(*col)++;
	}
}

/* Describe libyaml's error in err, with its place in t. */
static void
yamltree_fault(struct yamltree *t, const yaml_parser_t *p, char *err,
    size_t errlen)
{
	char ctx[160] = "";
	size_t off;

	if (p->error == YAML_MEMORY_ERROR) {
		t->nomem = 1;
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		yamltree_pos(t, p->problem_offset, &t->err_line, &t->err_col);
		if (p->problem_value != -1)
			snprintf(err, errlen, "invalid YAML: %s (byte 0x%02X); "
			    "save the file as UTF-8 text without control "
			    "characters",
			    p->problem ? p->problem : "unreadable input",
			    (unsigned)p->problem_value & 0xFF);
		else
			snprintf(err, errlen, "invalid YAML: %s; save the file "
			    "as UTF-8 text without control characters",
			    p->problem ? p->problem : "unreadable input");
		return;
	}
	t->err_line = p->problem_mark.line + 1;
	t->err_col = p->problem_mark.column + 1;
	off = yamltree_offset(t, t->err_line, t->err_col);
	if (off < t->len && t->buf[off] == '\t') {
		snprintf(err, errlen, "invalid YAML: a tab character; YAML "
		    "indents with spaces only");
		return;
	}
	if (p->context != NULL)
		snprintf(ctx, sizeof(ctx), " %s at line %zu", p->context,
		    p->context_mark.line + 1);
	snprintf(err, errlen, "invalid YAML: %s%s; check the indentation and "
	    "the quoting", p->problem ? p->problem : "syntax error", ctx);
}

int
yamltree_parse(struct yamltree *t, const char *buf, size_t len, char *err,
    size_t errlen)
{
	struct yamltree_parser yp;
	yaml_parser_t p;
	yaml_event_t ev;
	int rv = 0;

	t->buf = buf;
	t->len = len;
	memset(&yp, 0, sizeof(yp));
	yp.t = t;
	if (!yaml_parser_initialize(&p)) {
		t->nomem = 1;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!yp.done && !t->nomem) {
		if (!yaml_parser_parse(&p, &ev)) {
			yamltree_fault(t, &p, err, errlen);
			rv = -1;
			break;
		}
		yamltree_event(&yp, &ev);
		yaml_event_delete(&ev);
	}
	if (yp.too_deep) {
		snprintf(err, errlen, "invalid YAML: lists and mappings nested "
		    "more than %d deep (a clanpopd configuration needs 3); "
		    "check the brackets and the indentation",
		    YAMLTREE_DEPTH_MAX);
		rv = -1;
	}
	free(yp.stack);
	yaml_parser_delete(&p);
	if (t->nomem) {
		t->err_line = t->err_col = 0;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return rv;
}

void
yamltree_free(struct yamltree *t)
{
	struct yamltree_node *n, *next;

	for (n = t->all; n != NULL; n = next) {
		next = n->all;
		free(n->str);
		free(n->kid);
		free(n);
	}
	t->all = NULL;
	t->root = NULL;
	free(t->lines);
	t->lines = NULL;
	t->nlines = 0;
}

/*
 * Where each line starts is found once, since a large file can need this
 * for tens of thousands of errors.
 */
size_t
yamltree_offset(struct yamltree *t, size_t line, size_t col)
{
	size_t i, n, c = 1;

	if (t->lines == NULL) {
		for (i = 0, n = 1; i < t->len; i++)
			n += t->buf[i] == '\n';
		if ((t->lines = reallocarray(NULL, n,
		    sizeof(*t->lines))) == NULL) {
			t->nomem = 1;
			return t->len;
		}
		t->lines[0] = 0;
		for (i = 0, n = 1; i < t->len; i++)
			if (t->buf[i] == '\n')
				t->lines[n++] = i + 1;
		t->nlines = n;
	}
	i = line >= 1 && line <= t->nlines ? t->lines[line - 1] : t->len;
	while (i < t->len && c < col && t->buf[i] != '\n') {
		i++;
		while (i < t->len && ((unsigned char)t->buf[i] & 0xC0) == 0x80)
			i++;
		c++;
	}
	return i;
}

int
yamltree_is_null(const struct yamltree_node *n)
{
	return n->type == YAMLTREE_SCALAR && n->plain && (n->len == 0 ||
	    strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	    strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

int
yamltree_is_bool(const struct yamltree_node *n)
{
	static const char *const words[] = {
		"true", "True", "TRUE", "false", "False", "FALSE",
		"yes", "Yes", "YES", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF"
	};
	size_t i;

	if (n->type != YAMLTREE_SCALAR || !n->plain)
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(n->str, words[i]) == 0)
			return 1;
	return 0;
}
