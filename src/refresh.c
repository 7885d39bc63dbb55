/* refresh.c - one clan's refresh: clan -> members -> players -> tally. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "api.h"
#include "fetch.h"
#include "httppolicy.h"
#include "log.h"
#include "monotime.h"
#include "refresh.h"
#include "tally.h"

struct refresh_player {
	struct refresh		*rf;
	struct fetch_req	*req;	/* NULL once done */
	char			 tag[TAG_MAX];
};

struct refresh {
	struct fetcher		*f;
	refresh_done_cb		*done;
	void			*arg;
	struct fetch_req	*clan_req;
	struct refresh_player	*players;
	size_t			 nplayers;
	size_t			 outstanding;
	size_t			 refused;	/* players whose card was refused */
	char			 refused_first[320];	/* the first of them */
	double			 started;	/* monotonic */
	struct refresh_result	 res;
};

static void
cancel_players(struct refresh *rf)
{
	size_t i;

	for (i = 0; i < rf->nplayers; i++) {
		if (rf->players[i].req != NULL) {
			fetch_cancel(rf->players[i].req);
			rf->players[i].req = NULL;
		}
	}
}

static void
refresh_free(struct refresh *rf)
{
	if (rf->clan_req != NULL)
		fetch_cancel(rf->clan_req);
	cancel_players(rf);
	free(rf->players);
	free(rf->res.name);
	tally_free(&rf->res.cards);
	free(rf);
}

static void
end(struct refresh *rf)
{
	/* One line per refresh, however many players it concerns. */
	if (rf->refused > 0)
		log_warnx("%s: %zu %s counted as failed: a favourite card must "
		    "have an id of 1 to %d and a name of 1 to %d bytes; the "
		    "first: %s", rf->res.tag, rf->refused, rf->refused == 1 ?
		    "player is" : "players are", API_CARD_ID_MAX,
		    API_CARD_NAME_MAX, rf->refused_first);
	rf->res.duration = monotime_now() - rf->started;
	rf->res.fetched_at = time(NULL);
	if (rf->res.ok)
		tally_sort(&rf->res.cards);
	rf->done(rf->arg, &rf->res);
	refresh_free(rf);
}

/* Keep the first player error as the refresh's example of what failed. */
static void
note_error(struct refresh *rf, const char *tag, const char *why)
{
	if (rf->res.error[0] == '\0')
		snprintf(rf->res.error, sizeof(rf->res.error), "player %s: %s",
		    tag, why);
}

static void
player_cb(void *arg, const struct fetch_result *fr)
{
	struct refresh_player	*p = arg;
	struct refresh		*rf = p->rf;
	struct api_player	 ap;
	char			 err[256];
	int			 rc;

	p->req = NULL;
	rf->outstanding--;
	rf->res.requests += fr->attempts;
	rf->res.retries += fr->retries;
	if (!fr->ok) {
		rf->res.failed++;
		log_warnx("%s: player %s: %s (GET %s)", rf->res.tag, p->tag,
		    fr->error, fr->url);
		if (http_action(fr->status, 0) == HTTP_REFUSED) {
			/* The key is refused: every other player would be too. */
			rf->res.ok = 0;
			snprintf(rf->res.error, sizeof(rf->res.error),
			    "player %s: %s: %s", p->tag, fr->error,
			    http_hint(fr->status, fr->reason, 0));
			end(rf);
			return;
		}
		note_error(rf, p->tag, fr->error);
	} else if ((rc = api_parse_player(fr->body, fr->len, &ap, err,
	    sizeof(err))) != 0) {
		rf->res.failed++;
		if (rc != API_CARD_REFUSED)
			log_warnx("%s: player %s: %s (GET %s)", rf->res.tag,
			    p->tag, err, fr->url);
		else if (rf->refused++ == 0)
			snprintf(rf->refused_first, sizeof(rf->refused_first),
			    "player %s: %s (GET %s)", p->tag, err, fr->url);
		note_error(rf, p->tag, err);
	} else {
		rf->res.fetched++;
		if (!ap.has_favourite)
			rf->res.without_favourite++;
		else if (tally_add(&rf->res.cards, ap.card_id,
		    ap.card_name) == -1)
			fatal("tally");
		api_player_free(&ap);
	}
	if (rf->outstanding == 0)
		end(rf);
}

static void
clan_cb(void *arg, const struct fetch_result *fr)
{
	struct refresh	*rf = arg;
	struct api_clan	 ac;
	const char	*hint;
	char		 err[256], path[64 + TAG_URL_MAX];
	size_t		 i;

	rf->clan_req = NULL;
	rf->res.requests += fr->attempts;
	rf->res.retries += fr->retries;
	rf->res.status = fr->status;
	if (!fr->ok) {
		if ((hint = http_hint(fr->status, fr->reason, 1)) != NULL)
			snprintf(rf->res.error, sizeof(rf->res.error),
			    "%s: %s (GET %s)", fr->error, hint, fr->url);
		else
			snprintf(rf->res.error, sizeof(rf->res.error),
			    "%s (GET %s)", fr->error, fr->url);
		end(rf);
		return;
	}
	if (api_parse_clan(fr->body, fr->len, &ac, err, sizeof(err)) == -1) {
		snprintf(rf->res.error, sizeof(rf->res.error), "%s", err);
		end(rf);
		return;
	}
	rf->res.ok = 1;
	rf->res.name = ac.name;
	ac.name = NULL;
	rf->res.members = ac.ntags + ac.ninvalid;
	rf->res.failed = ac.ninvalid;
	if (ac.ninvalid > 0) {
		log_warnx("%s: %zu members without a usable tag count as "
		    "failed", rf->res.tag, ac.ninvalid);
		/* They fail before any player is asked for: the first. */
		snprintf(rf->res.error, sizeof(rf->res.error),
		    "memberList[%zu] has no usable player tag",
		    ac.first_invalid);
	}
	if (ac.nduplicate > 0)
		log_warnx("%s: %zu duplicate members ignored", rf->res.tag,
		    ac.nduplicate);
	if (ac.ntags > 0 &&
	    (rf->players = calloc(ac.ntags, sizeof(*rf->players))) == NULL)
		fatal("players");
	rf->nplayers = ac.ntags;
	for (i = 0; i < ac.ntags; i++) {
		struct refresh_player *p = &rf->players[i];
		char enc[TAG_URL_MAX];

		p->rf = rf;
		memcpy(p->tag, ac.tags[i], TAG_MAX);
		if (tag_url_encode(p->tag, enc, sizeof(enc)) == -1)
			fatalx("member tag %s not normalised", p->tag);
		snprintf(path, sizeof(path), "/players/%s", enc);
		if ((p->req = fetch_get(rf->f, path, player_cb, p)) == NULL)
			fatal("player request");
		rf->outstanding++;
	}
	api_clan_free(&ac);
	if (rf->outstanding == 0)
		end(rf);
}

struct refresh *
refresh_start(struct fetcher *f, const char *tag, refresh_done_cb *done,
    void *arg)
{
	struct refresh	*rf;
	char		 enc[TAG_URL_MAX], path[64 + TAG_URL_MAX];

	if (tag_url_encode(tag, enc, sizeof(enc)) == -1)
		return NULL;
	if ((rf = calloc(1, sizeof(*rf))) == NULL)
		return NULL;
	rf->f = f;
	rf->done = done;
	rf->arg = arg;
	rf->started = monotime_now();
	snprintf(rf->res.tag, sizeof(rf->res.tag), "%s", tag);
	tally_init(&rf->res.cards);
	snprintf(path, sizeof(path), "/clans/%s", enc);
	if ((rf->clan_req = fetch_get(f, path, clan_cb, rf)) == NULL) {
		free(rf);
		return NULL;
	}
	return rf;
}

void
refresh_cancel(struct refresh *rf)
{
	refresh_free(rf);
}
