/* monotime.c - the one monotonic clock, in seconds. */
#include "config.h"

#include <time.h>

#include "monotime.h"

double
monotime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
