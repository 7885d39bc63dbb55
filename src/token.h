/* token.h - the API token file: its keys, read, checked, never shown. */
#ifndef CLANPOPD_TOKEN_H
#define CLANPOPD_TOKEN_H

#include <stddef.h>

#define TOKEN_FILE_MAX	65536	/* bytes in the token file */
#define TOKEN_KEYS_MAX	100	/* keys in the token file */

/* The keys of a token file, in file order. */
struct token_keys {
	char		**key;		/* secret: never log one */
	unsigned	 *line;		/* the line each key is on, from 1 */
	size_t		  n;		/* at least 1 */
};

/*
 * Read the API keys from path: one key per line, each trimmed of white
 * space; blank lines and lines starting with '#' are left out.  Returns 0
 * and fills *keys (free with token_keys_free), or -1 with a sentence
 * naming the file, and the line when there is one, in err (never a byte
 * of a key), *keys then empty.  *loose is set to 1 when others can read or write
 * the file, or its group can write it, or its group can read it and root
 * does not own it.
 */
int	token_read(const char *path, struct token_keys *keys, int *loose,
	    char *err, size_t errlen);

/*
 * Whether the token file path is inside the directory dir (or in one
 * below it), by their canonical paths, or is a symbolic link there: 1
 * with a sentence naming both and what to do in err, else 0 (also when
 * either cannot be resolved: then nothing is there yet).
 */
int	token_in_dir(const char *path, const char *dir, char *err,
	    size_t errlen);

/* Overwrite every key with zeros and free them; keys is left empty. */
void	token_keys_free(struct token_keys *keys);

#endif
