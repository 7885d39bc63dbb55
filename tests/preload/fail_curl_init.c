/*
 * fail_curl_init.c - an LD_PRELOAD shim for t_harden.py: the Nth call of
 * curl_easy_init() (N from $FAIL_CURL_EASY_INIT_AT) returns NULL, as it
 * does when memory runs out, to reach the daemon's out-of-memory path.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

typedef void	*init_fn(void);

void *
curl_easy_init(void)
{
	static init_fn	*real;
	static long	 calls;
	const char	*at = getenv("FAIL_CURL_EASY_INIT_AT");

	if (real == NULL)
		real = (init_fn *)dlsym(RTLD_NEXT, "curl_easy_init");
	if (at != NULL && ++calls == atol(at))
		return NULL;
	return real();
}
