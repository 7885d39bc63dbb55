/* isotime.h - Unix seconds as the UTC time every output file uses. */
#ifndef CLANPOPD_ISOTIME_H
#define CLANPOPD_ISOTIME_H

#include <time.h>

#define ISOTIME_LEN	32	/* bytes, with room to spare */

/* Write t as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into buf, ISOTIME_LEN bytes. */
void	isotime_utc(time_t t, char *buf);

#endif
