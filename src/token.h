/* token.h - the API token file: read, checked, never shown. */
#ifndef CLANPOPD_TOKEN_H
#define CLANPOPD_TOKEN_H

#include <stddef.h>

#define TOKEN_FILE_MAX	4096	/* bytes in the token file */

/*
 * Read the API token from path, trimming white space.  Returns 0 and sets
 * *token (caller frees; contents are secret, never log them), or -1 with a
 * sentence naming the file in err.  *loose is set to 1 when others can
 * read or write the file, or its group can write it, or its group can
 * read it and root does not own it.
 */
int	token_read(const char *path, char **token, int *loose, char *err,
	    size_t errlen);

#endif
