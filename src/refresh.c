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
#include "profstore.h"
#include "refresh.h"
#include "schedpol.h"
#include "tally.h"

struct refresh_player {
	struct refresh		*rf;
	struct fetch_req	*req;	/* NULL once done */
	char			 tag[TAG_MAX];
	enum profstore_op	 op;	/* what became of its profile */
};

struct refresh {
	struct fetcher		*f;
	struct refresh_opts	 opts;
	refresh_done_cb		*done;
	void			*arg;
	struct fetch_req	*clan_req;
	struct refresh_player	*players;
	size_t			 nplayers;
	size_t			 outstanding;
	size_t			 changes_cap;	/* of res.changes */
	size_t			 refused;	/* players whose card was refused */
	char			 refused_first[320];	/* the first of them */
	size_t			 decks_refused;	/* players whose deck was */
	char			 deck_first[400];	/* the first of them */
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
	free(rf->res.changes);
	free(rf->res.name);
	figures_free(&rf->res.fig);
	free(rf);
}

/* profstore_prune_clan: the player left the clan; its row goes too. */
static void
gone_cb(void *arg, const char *tag)
{
	struct refresh			*rf = arg;
	struct profstore_change		*c;

	if (rf->res.nchanges == rf->changes_cap) {
		rf->changes_cap *= 2;
		if ((c = reallocarray(rf->res.changes, rf->changes_cap,
		    sizeof(*c))) == NULL)
			fatal("profiles");
		rf->res.changes = c;
	}
	c = &rf->res.changes[rf->res.nchanges++];
	memcpy(c->tag, tag, TAG_MAX);
	c->op = PROFSTORE_GONE;
}

/*
 * The clan was read: what became of each member's profile, and the
 * profiles of players it no longer lists forgotten.
 */
static void
settle_profiles(struct refresh *rf)
{
	char	(*tags)[TAG_MAX];
	size_t	  i;

	rf->changes_cap = rf->nplayers + 8;
	if ((rf->res.changes = calloc(rf->changes_cap,
	    sizeof(*rf->res.changes))) == NULL ||
	    (tags = calloc(rf->nplayers + 1, sizeof(*tags))) == NULL)
		fatal("profiles");
	for (i = 0; i < rf->nplayers; i++) {
		memcpy(tags[i], rf->players[i].tag, TAG_MAX);
		memcpy(rf->res.changes[i].tag, rf->players[i].tag, TAG_MAX);
		rf->res.changes[i].op = rf->players[i].op;
	}
	rf->res.nchanges = rf->nplayers;
	profstore_prune_clan(rf->opts.store, rf->res.tag,
	    (const char (*)[TAG_MAX])tags, rf->nplayers, gone_cb, rf);
	free(tags);
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
	if (rf->decks_refused > 0)
		log_warnx("%s: %zu %s counted without a deck: a deck holds at "
		    "most %d distinct cards, each with an id of 1 to %d and a "
		    "name of 1 to %d bytes; the first: %s", rf->res.tag,
		    rf->decks_refused, rf->decks_refused == 1 ? "player is" :
		    "players are", API_DECK_MAX, API_CARD_ID_MAX,
		    API_CARD_NAME_MAX, rf->deck_first);
	rf->res.duration = monotime_now() - rf->started;
	rf->res.fetched_at = time(NULL);
	if (rf->res.ok) {
		tally_sort(&rf->res.fig.cards);
		tally_sort(&rf->res.fig.deck_cards);
		settle_profiles(rf);
	}
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

/* Count one member's favourite card (0: none). */
static void
count_card(struct refresh *rf, int64_t id, const char *name)
{
	if (id == 0)
		rf->res.fig.without_favourite++;
	else if (tally_add(&rf->res.fig.cards, id, name) == -1)
		fatal("tally");
}

/* Count one member's deck card (NULL name: none known). */
static void
count_deck_card(struct refresh *rf, int64_t id, const char *name)
{
	if (tally_add(&rf->res.fig.deck_cards, id, name) == -1)
		fatal("tally");
}

/* Count the deck of a member whose profile was read now. */
static void
count_read_deck(struct refresh *rf, const struct api_player *ap)
{
	size_t i;

	if (ap->ndeck == 0)
		rf->res.fig.without_deck++;
	for (i = 0; i < ap->ndeck; i++)
		count_deck_card(rf, ap->deck_ids[i], ap->deck_names[i][0] !=
		    '\0' ? ap->deck_names[i] : NULL);
}

/* Count the deck of a member counted from its stored profile. */
static void
count_stored_deck(struct refresh *rf, const struct profile *prof)
{
	const struct profstore_card	*c;
	size_t				 i;

	if (prof->ndeck == 0)
		rf->res.fig.without_deck++;
	for (i = 0; i < prof->ndeck; i++) {
		if ((c = profstore_card_at(rf->opts.store, prof->deck[i])) ==
		    NULL)
			fatalx("profile store: deck card %u unknown",
			    prof->deck[i]);
		count_deck_card(rf, c->id, c->name);
	}
}

/*
 * Store what the answer fr said of player tag, as of its arrival.
 * Returns 0, or -1 when its deck cannot be kept (the store numbers
 * PROFSTORE_CARDS_MAX cards already): the player is forgotten, and read
 * again next time.
 */
static int
keep_profile(struct refresh *rf, const char *tag,
    const struct fetch_result *fr, const struct api_player *ap)
{
	struct profile	p;
	size_t		i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i < ap->ndeck; i++)
		if ((p.deck[i] = (uint16_t)profstore_card(rf->opts.store,
		    ap->deck_ids[i], ap->deck_names[i][0] != '\0' ?
		    ap->deck_names[i] : NULL)) == 0) {
			profstore_del(rf->opts.store, tag);
			return -1;
		}
	p.ndeck = (uint8_t)ap->ndeck;
	memcpy(p.tag, tag, TAG_MAX);
	memcpy(p.clan, rf->res.tag, TAG_MAX);
	p.read_at = (int64_t)time(NULL);
	p.max_age = fr->max_age < 0 ? -1 : fr->max_age > INT32_MAX ?
	    INT32_MAX : (int32_t)fr->max_age;
	p.card_id = ap->has_favourite ? ap->card_id : 0;
	p.card_name = ap->has_favourite ? ap->card_name : NULL;
	if (profstore_put(rf->opts.store, &p, 0) == -1)
		fatal("profile store");
	return 0;
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
	rf->res.refused_key += fr->refused;
	/* Whatever was stored must not stand for a read that failed. */
	p->op = PROFSTORE_FAILED;
	if (!fr->ok) {
		rf->res.fig.failed++;
		profstore_del(rf->opts.store, p->tag);
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
		rf->res.fig.failed++;
		if (rc != API_CARD_REFUSED)
			log_warnx("%s: player %s: %s (GET %s)", rf->res.tag,
			    p->tag, err, fr->url);
		else if (rf->refused++ == 0)
			snprintf(rf->refused_first, sizeof(rf->refused_first),
			    "player %s: %s (GET %s)", p->tag, err, fr->url);
		profstore_del(rf->opts.store, p->tag);
		note_error(rf, p->tag, err);
	} else {
		rf->res.fig.fetched++;
		if (keep_profile(rf, p->tag, fr, &ap) == 0)
			p->op = PROFSTORE_READ;
		count_card(rf, ap.has_favourite ? ap.card_id : 0,
		    ap.card_name);
		count_read_deck(rf, &ap);
		if (ap.deck_refused[0] != '\0' && rf->decks_refused++ == 0)
			snprintf(rf->deck_first, sizeof(rf->deck_first),
			    "player %s: %s (GET %s)", p->tag, ap.deck_refused,
			    fr->url);
		api_player_free(&ap);
	}
	if (rf->outstanding == 0)
		end(rf);
}

/*
 * Count member tag, last seen at seen, from its stored profile when
 * schedpol_member() allows, or ask for its profile.
 */
static void
start_member(struct refresh *rf, struct refresh_player *p, const char *tag,
    int64_t seen, int64_t now)
{
	const struct profile	*prof;
	struct schedpol_member	 m;
	char			 enc[TAG_URL_MAX], path[64 + TAG_URL_MAX];

	p->rf = rf;
	memcpy(p->tag, tag, TAG_MAX);
	prof = profstore_get(rf->opts.store, tag);
	memset(&m, 0, sizeof(m));
	m.reuse_unseen = rf->opts.reuse_unseen;
	m.profile_max_age = rf->opts.profile_max_age;
	m.seen_margin = rf->opts.seen_margin;
	m.now = now;
	m.stored = prof != NULL;
	m.read_at = prof != NULL ? prof->read_at : 0;
	m.max_age = prof != NULL ? prof->max_age : -1;
	m.seen_known = seen != API_SEEN_NONE;
	m.seen = seen;
	m.maintenance = profstore_maintenance(rf->opts.store);
	if (schedpol_member(&m) == SCHEDPOL_REUSE) {
		p->op = PROFSTORE_REUSED;
		rf->res.fig.reused++;
		count_card(rf, prof->card_id, prof->card_name);
		count_stored_deck(rf, prof);
		profstore_move(rf->opts.store, tag, rf->res.tag);
		return;
	}
	if (tag_url_encode(p->tag, enc, sizeof(enc)) == -1)
		fatalx("member tag %s not normalised", p->tag);
	snprintf(path, sizeof(path), "/players/%s", enc);
	if ((p->req = fetch_get(rf->f, path, player_cb, p)) == NULL)
		fatal("player request");
	rf->outstanding++;
}

static void
clan_cb(void *arg, const struct fetch_result *fr)
{
	struct refresh	*rf = arg;
	struct api_clan	 ac;
	const char	*hint;
	char		 err[256];
	int64_t		 now;
	size_t		 i;

	rf->clan_req = NULL;
	rf->res.requests += fr->attempts;
	rf->res.retries += fr->retries;
	rf->res.refused_key += fr->refused;
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
	rf->res.fig.members = ac.ntags + ac.ninvalid;
	rf->res.fig.failed = ac.ninvalid;
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
	/* A maintenance may have changed profiles: see schedpol_member(). */
	profstore_set_maintenance(rf->opts.store,
	    (int64_t)fetcher_maintenance(rf->f));
	now = (int64_t)time(NULL);
	for (i = 0; i < ac.ntags; i++)
		start_member(rf, &rf->players[i], ac.tags[i], ac.seen[i], now);
	api_clan_free(&ac);
	if (rf->outstanding == 0)
		end(rf);
}

struct refresh *
refresh_start(struct fetcher *f, const char *tag,
    const struct refresh_opts *opts, refresh_done_cb *done, void *arg)
{
	struct refresh	*rf;
	char		 enc[TAG_URL_MAX], path[64 + TAG_URL_MAX];

	if (tag_url_encode(tag, enc, sizeof(enc)) == -1)
		return NULL;
	if ((rf = calloc(1, sizeof(*rf))) == NULL)
		return NULL;
	rf->f = f;
	rf->opts = *opts;
	rf->done = done;
	rf->arg = arg;
	rf->started = monotime_now();
	snprintf(rf->res.tag, sizeof(rf->res.tag), "%s", tag);
	figures_init(&rf->res.fig);
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
