/* isotime.c - Unix seconds as the UTC time every output file uses. */
#include "config.h"

#include <time.h>

#include "isotime.h"

void
isotime_utc(time_t t, char *buf)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, ISOTIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}
