/* redact.h - remove every trace of a secret from text (pure). */
#ifndef CLANPOPD_REDACT_H
#define CLANPOPD_REDACT_H

#include <stddef.h>

#define REDACT_MARK	"[redacted]"
#define REDACT_RUN_MIN	8	/* bytes of the secret that give it away */

/*
 * Copy the NUL-terminated s into out (outlen bytes, NUL-terminated when
 * outlen > 0) with every trace of the nsecrets secrets replaced by
 * REDACT_MARK: each run of REDACT_RUN_MIN or more bytes (the whole secret
 * when it is shorter) that also appears in one of the secrets, and the
 * word after "Bearer " (any case), whatever it is.  Overlapping and
 * adjacent traces give one mark.  The copy stops before a UTF-8
 * character, or a mark, that does not fit whole.  A secret may be NULL or
 * empty, and nsecrets 0 (only the Bearer rule then applies).  Returns 0,
 * or -1 on out of memory (out is then empty).
 */
int	redact(const char *s, const char *const *secrets, size_t nsecrets,
	    char *out, size_t outlen);

/* Overwrite the secret s with zeros, then free it (s may be NULL). */
void	redact_free(char *s);

#endif
