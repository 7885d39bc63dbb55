/* diag.c - messages about a file: positions, order, quoting, "did you mean". */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static void
diag_add(struct diag *dg, size_t line, size_t col, char *text)
{
	struct diag_msg *m;
	size_t cap;

	if (text == NULL) {
		dg->nomem = 1;
		return;
	}
	if (dg->nmsg == dg->msgcap) {
		cap = dg->msgcap ? 2 * dg->msgcap : 16;
		if ((m = reallocarray(dg->msg, cap, sizeof(*m))) == NULL) {
			free(text);
			dg->nomem = 1;
			return;
		}
		dg->msg = m;
		dg->msgcap = cap;
	}
	dg->msg[dg->nmsg].line = line;
	dg->msg[dg->nmsg].col = col;
	dg->msg[dg->nmsg].text = text;
	dg->nmsg++;
}

static void	diag_vadd(struct diag *, size_t, size_t, const char *,
		    const char *, va_list) __attribute__((format(printf, 5, 0)));

/* Add the message fmt, ap about line, col (0: the whole file) of key. */
static void
diag_vadd(struct diag *dg, size_t line, size_t col, const char *key,
    const char *fmt, va_list ap)
{
	char *s, *text;
	int n;

	if (vasprintf(&s, fmt, ap) == -1) {
		dg->nomem = 1;
		return;
	}
	if (line == 0)
		n = asprintf(&text, "%s: %s", dg->file, s);
	else
		n = asprintf(&text, "%s:%zu:%zu: %s%s%s", dg->file, line, col,
		    key ? key : "", key ? ": " : "", s);
	free(s);
	diag_add(dg, line, col, n == -1 ? NULL : text);
}

void
diag_error(struct diag *dg, size_t line, size_t col, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(dg, line, col, key, fmt, ap);
	va_end(ap);
}

void
diag_file_error(struct diag *dg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(dg, 0, 0, NULL, fmt, ap);
	va_end(ap);
}

void
diag_warn(struct diag *dg, size_t line, size_t col, const char *key,
    const char *fmt, ...)
{
	struct diag_warn *w;
	va_list ap;
	char *where, *text;
	size_t cap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		text = NULL;
	va_end(ap);
	if (asprintf(&where, "%s:%zu:%zu: %s", dg->file, line, col,
	    key) == -1)
		where = NULL;
	if (dg->nwarn == dg->warncap && where != NULL && text != NULL) {
		cap = dg->warncap ? 2 * dg->warncap : 4;
		if ((w = reallocarray(dg->warn, cap, sizeof(*w))) != NULL) {
			dg->warn = w;
			dg->warncap = cap;
		}
	}
	if (where == NULL || text == NULL || dg->nwarn == dg->warncap) {
		free(where);
		free(text);
		dg->nomem = 1;
		return;
	}
	dg->warn[dg->nwarn].where = where;
	dg->warn[dg->nwarn].text = text;
	dg->nwarn++;
}

static void
diag_drop(struct diag *dg)
{
	size_t i;

	for (i = 0; i < dg->nmsg; i++)
		free(dg->msg[i].text);
	dg->nmsg = 0;
}

void
diag_sort(struct diag *dg)
{
	struct diag_msg m;
	size_t i, j;

	if (dg->nomem) {
		diag_drop(dg);
		dg->nomem = 0;
		if (asprintf(&m.text, "%s: out of memory", dg->file) == -1)
			return;
		diag_add(dg, 0, 0, m.text);
	}
	/* Insertion sort: stable, and the messages come nearly in order. */
	for (i = 1; i < dg->nmsg; i++) {
		m = dg->msg[i];
		for (j = i; j > 0 && (dg->msg[j - 1].line > m.line ||
		    (dg->msg[j - 1].line == m.line &&
		    dg->msg[j - 1].col > m.col)); j--)
			dg->msg[j] = dg->msg[j - 1];
		dg->msg[j] = m;
	}
}

void
diag_free(struct diag *dg)
{
	size_t i;

	diag_drop(dg);
	free(dg->msg);
	dg->msg = NULL;
	dg->msgcap = 0;
	for (i = 0; i < dg->nwarn; i++) {
		free(dg->warn[i].where);
		free(dg->warn[i].text);
	}
	free(dg->warn);
	dg->warn = NULL;
	dg->nwarn = dg->warncap = 0;
}

void
diag_append(char *out, const char *s, size_t outlen)
{
	size_t o = strlen(out), n = strlen(s);

	if (o + 1 >= outlen)
		return;
	if (n > outlen - o - 1)
		n = outlen - o - 1;
	memcpy(out + o, s, n);
	out[o + n] = '\0';
}

void
diag_escape(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, o;
	unsigned char c;

	o = strlen(out);
	for (i = 0; i < len && o + 8 < outlen; i++) {
		if (i == DIAG_QUOTE_MAX) {
			o += (size_t)snprintf(out + o, outlen - o, "...");
			break;
		}
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02X",
			    c);
		else
			out[o++] = (char)c;
		out[o] = '\0';
	}
}

const char *
diag_quote(const char *s, size_t len, char *out, size_t outlen)
{
	snprintf(out, outlen, "\"");
	diag_escape(out, outlen, s, len);
	diag_append(out, "\"", outlen);
	return out;
}

/* Edit distance; (size_t)-1 for words of 32 bytes or more. */
static size_t
diag_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[32], prev, tmp;

	if (la >= sizeof(d) / sizeof(d[0]) || lb >= sizeof(d) / sizeof(d[0]))
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (tmp + 1 < d[j])
				d[j] = tmp + 1;
			prev = tmp;
		}
	}
	return d[lb];
}

const char *
diag_nearest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL, *prefix = NULL;
	size_t i, d, bestd = 3, nprefix = 0, len;

	for (i = 0; i < n; i++) {
		d = diag_distance(word, names[i]);
		if (d < bestd) {
			bestd = d;
			best = names[i];
		}
		len = strlen(word) < strlen(names[i]) ? strlen(word) :
		    strlen(names[i]);
		if (len > 0 && strncmp(word, names[i], len) == 0) {
			prefix = names[i];
			nprefix++;
		}
	}
	if (best == NULL && nprefix == 1)
		best = prefix;
	return best;
}
