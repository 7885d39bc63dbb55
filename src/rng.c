/* rng.c - a small seeded random source for jitter (not for secrets). */
#include "config.h"

#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

uint64_t
rng_seed(void)
{
	static _Atomic uint64_t calls;	/* threads seed it too */
	struct timespec	 ts;
	uint64_t	 s;

	clock_gettime(CLOCK_REALTIME, &ts);
	s = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
	    ((uint64_t)getpid() << 40) ^ ((atomic_fetch_add(&calls, 1) + 1) * 0x9e3779b97f4a7c15ULL);
	return s != 0 ? s : 0x2545f4914f6cdd1dULL;
}

double
rng_uniform(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (double)((*state * 2685821657736338717ULL) >> 11) /
	    9007199254740992.0;
}
