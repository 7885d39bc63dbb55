/* yamltree.h - a YAML text -> a tree of nodes with their positions (pure). */
#ifndef CLANPOPD_YAMLTREE_H
#define CLANPOPD_YAMLTREE_H

#include <stddef.h>

#define YAMLTREE_DEPTH_MAX	64	/* lists and mappings, one in another */

enum yamltree_type {
	YAMLTREE_SCALAR,
	YAMLTREE_SEQ,
	YAMLTREE_MAP,
	YAMLTREE_ALIAS		/* "*name": kept as a node, not resolved */
};

struct yamltree_node {
	enum yamltree_type	  type;
	char			 *str;	/* a scalar's value or an alias's
					   anchor, NUL-terminated; a scalar
					   may hold NUL bytes too */
	size_t			  len;	/* bytes in str */
	int			  plain;	/* an untagged plain scalar */
	size_t			  line, col;	/* 1-based; col counts
						   characters */
	struct yamltree_node	**kid;	/* a list's items; a mapping's keys
					   and values, alternating */
	size_t			  nkid;
	size_t			  kidcap;
	struct yamltree_node	 *all;	/* the next node of the tree, for
					   freeing */
};

struct yamltree {
	const char		*buf;	/* the text, not owned */
	size_t			 len;
	struct yamltree_node	*root;	/* the first document's; NULL when
					   there is none */
	size_t			 next_line, next_col;	/* where a second
						   document starts (it is
						   not read), or 0 */
	size_t			 err_line, err_col;	/* the fault's place
						   after -1; 0 when memory
						   ran out */
	int			 nomem;	/* memory ran out (parse or offset) */
	struct yamltree_node	*all;	/* every node */
	size_t			*lines;	/* byte offset of each line, or NULL
					   until yamltree_offset needs it */
	size_t			 nlines;
};

/*
 * Parse the len bytes at buf (which must outlive t) into t, which the
 * caller zeroes first.  Only the first document is read; where a second
 * one starts is left in next_line and next_col.  Nesting deeper than
 * YAMLTREE_DEPTH_MAX is refused where it starts, before libyaml reads
 * further.  Returns 0, or -1 with a
 * sentence in err ("invalid YAML: ...; save the file as UTF-8 text ...")
 * and its place in err_line and err_col; when memory ran out, nomem is
 * set and err_line is 0.  In both cases free t with yamltree_free.
 */
int			 yamltree_parse(struct yamltree *t, const char *buf,
			    size_t len, char *err, size_t errlen);
void			 yamltree_free(struct yamltree *t);

/*
 * The byte offset in t->buf of line, col (1-based, col in characters):
 * t->len past the end, and also when memory for the index of lines ran
 * out, which sets t->nomem.
 */
size_t			 yamltree_offset(struct yamltree *t, size_t line,
			    size_t col);

/* Whether n is a plain null: empty, "~", "null", "Null" or "NULL". */
int			 yamltree_is_null(const struct yamltree_node *n);

/* Whether n is a plain YAML 1.1 boolean: true, yes, on, false, no, off. */
int			 yamltree_is_bool(const struct yamltree_node *n);

#endif
