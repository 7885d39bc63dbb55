/* rng.h - a small seeded random source for jitter (not for secrets). */
#ifndef CLANPOPD_RNG_H
#define CLANPOPD_RNG_H

#include <stdint.h>

/* A seed from the clock and the pid, different for each call. */
uint64_t	rng_seed(void);
/* A uniform number in [0, 1); advances *state (xorshift64*). */
double		rng_uniform(uint64_t *state);

#endif
