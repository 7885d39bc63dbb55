/*
 * layout.h - the output directory's layout: the name of every directory
 * and file clanpopd writes there, named here once (and in www/app.js's
 * map for the dashboard).
 */
#ifndef CLANPOPD_LAYOUT_H
#define CLANPOPD_LAYOUT_H

#define LAYOUT_CLANS	"clans"		/* clans/TAG.json: the snapshots */
#define LAYOUT_HISTORY	"history"	/* history/TAG/TIME.json: older ones */
#define LAYOUT_TRENDS	"trends"	/* trends/TAG.json */
#define LAYOUT_FAMILY	"family.json"	/* trends/family.json: the family */
#define LAYOUT_INDEX	"index.json"	/* every clan at a glance */
#define LAYOUT_METRICS	"metrics.prom"	/* Prometheus text format */
#define LAYOUT_CARDS	"cards.json"	/* the family's favourite cards */
#define LAYOUT_DATABASE	"history.sqlite"	/* output.database's default */
#define LAYOUT_JSON	".json"		/* a clan's file: TAG without '#' */

/* Every name above that output.database may not take. */
#define LAYOUT_OWN	{ LAYOUT_CLANS, LAYOUT_HISTORY, LAYOUT_TRENDS, \
			  LAYOUT_INDEX, LAYOUT_METRICS, LAYOUT_CARDS }

#endif
