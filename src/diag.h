/* diag.h - messages about a file: positions, order, quoting, "did you mean". */
#ifndef CLANPOPD_DIAG_H
#define CLANPOPD_DIAG_H

#include <stddef.h>

#define DIAG_QUOTE_MAX	60	/* input bytes quoted in a message */
#define DIAG_QUOTE_SIZE	(DIAG_QUOTE_MAX * 4 + 8)	/* bytes for one
							   quoted value */

struct diag_msg {
	size_t	 line, col;	/* 0 when the message has no position */
	char	*text;		/* the whole line, without '\n' */
};

struct diag_warn {
	char	*where;		/* "FILE:LINE:COL: key" */
	char	*text;		/* a sentence */
};

/*
 * The messages about one file.  Zero it and set file; free it with
 * diag_free.  Once memory runs out (nomem, which anyone may set) the
 * messages are only "FILE: out of memory".
 */
struct diag {
	const char		*file;	/* as the messages name it */
	struct diag_msg		*msg;
	size_t			 nmsg, msgcap;
	struct diag_warn	*warn;
	size_t			 nwarn, warncap;
	int			 nomem;
};

/*
 * Add the error "FILE:LINE:COL: key: text", or "FILE:LINE:COL: text"
 * when key is NULL; line and col are 1-based.
 */
void		 diag_error(struct diag *, size_t line, size_t col,
		    const char *key, const char *fmt, ...)
#if defined(__GNUC__)
		    __attribute__((format(printf, 5, 6)))
#endif
		    ;

/* Add the error "FILE: text", about the file as a whole. */
void		 diag_file_error(struct diag *, const char *fmt, ...)
#if defined(__GNUC__)
		    __attribute__((format(printf, 2, 3)))
#endif
		    ;

/* Add a warning about key at line, col: where "FILE:LINE:COL: key". */
void		 diag_warn(struct diag *, size_t line, size_t col,
		    const char *key, const char *fmt, ...)
#if defined(__GNUC__)
		    __attribute__((format(printf, 5, 6)))
#endif
		    ;

/*
 * Sort the errors by position, those at one position in the order they
 * were added; when memory ran out, first replace them all by
 * "FILE: out of memory" (none if even that cannot be allocated).
 */
void		 diag_sort(struct diag *);

/* Free the messages and warnings still held (not file). */
void		 diag_free(struct diag *);

/* strlcat without its return value: glibc before 2.38 lacks it. */
void		 diag_append(char *out, const char *s, size_t outlen);

/*
 * Append the len bytes at s to the string out as printable ASCII: '"'
 * and '\\' escaped, other bytes as \xNN, cut with "..." after
 * DIAG_QUOTE_MAX bytes.
 */
void		 diag_escape(char *out, size_t outlen, const char *s,
		    size_t len);

/* Write the len bytes at s to out, escaped and in double quotes; out. */
const char	*diag_quote(const char *s, size_t len, char *out,
		    size_t outlen);

/*
 * Of the n names, the one word was most likely meant as: the first at
 * the smallest edit distance under 3, else the only one that word starts
 * or is the start of.  NULL when there is none.
 */
const char	*diag_nearest(const char *word, const char *const *names,
		    size_t n);

#endif
