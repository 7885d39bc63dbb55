/*
 * snapkeys.h - what index.json and metrics.prom say of the API keys;
 * part of snap, for snap.c only.
 */
#ifndef CLANPOPD_SNAPKEYS_H
#define CLANPOPD_SNAPKEYS_H

#include <stddef.h>
#include <stdio.h>

struct snap_daemon_info;

/*
 * index.json's "keys" member and its comma, a line per key:
 * {"key": N, "state": "usable" | "paused" | "refused", "paused_until":
 * time or null}.
 */
void	snapkeys_index(FILE *fp, const struct snap_daemon_info *d);

/*
 * The per-key metrics (HELP, TYPE and a sample per key, key="N"): requests,
 * 429s, the effective rate, whether the key is usable and when its pause
 * ends.
 */
void	snapkeys_metrics(FILE *fp, const struct snap_daemon_info *d);

#endif
