/* curlev.c - libcurl's multi-socket API driven by a libev loop. */
#include "config.h"

#include <stdlib.h>

#include <curl/curl.h>
#include <ev.h>

#include "curlev.h"
#include "log.h"

struct curlev {
	struct ev_loop	*loop;
	CURLM		*multi;
	ev_timer	 timer;		/* CURLMOPT_TIMERFUNCTION */
	curlev_done_cb	*done;
	curlev_turn_cb	*turn;
	void		*arg;
};

/* One ev_io per socket libcurl tells us about. */
struct curlev_sock {
	struct curlev	*cv;
	ev_io		 io;
};

/* Hand every finished transfer to done, then end the turn. */
static void
drain(struct curlev *cv)
{
	CURLMsg	*msg;
	int	 left;

	while ((msg = curl_multi_info_read(cv->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			cv->done(cv->arg, msg->easy_handle, msg->data.result);
	cv->turn(cv->arg);
}

static void
sock_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct curlev_sock	*s = w->data;
	struct curlev		*cv = s->cv;	/* s may be freed below */
	int			 action = 0, running;

	if (revents & EV_READ)
		action |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(cv->multi, w->fd, action, &running);
	drain(cv);
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct curlev	*cv = w->data;
	int		 running;

	curl_multi_socket_action(cv->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(cv);
}

/* CURLMOPT_TIMERFUNCTION: never calls libcurl back from here. */
static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curlev *cv = userp;

	ev_timer_stop(cv->loop, &cv->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&cv->timer, timeout_ms / 1000.0, 0.);
		ev_timer_start(cv->loop, &cv->timer);
	}
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION */
static int
multi_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *sockp)
{
	struct curlev		*cv = userp;
	struct curlev_sock	*s = sockp;
	int			 events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			ev_io_stop(cv->loop, &s->io);
			free(s);
			curl_multi_assign(cv->multi, fd, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			fatal("socket state");
		s->cv = cv;
		s->io.data = s;
		ev_io_init(&s->io, sock_io_cb, fd, events);
		curl_multi_assign(cv->multi, fd, s);
	} else {
		ev_io_stop(cv->loop, &s->io);
		ev_io_set(&s->io, fd, events);
	}
	ev_io_start(cv->loop, &s->io);
	return 0;
}

struct curlev *
curlev_new(struct ev_loop *loop, curlev_done_cb *done, curlev_turn_cb *turn,
    void *arg)
{
	struct curlev *cv;

	if ((cv = calloc(1, sizeof(*cv))) == NULL)
		return NULL;
	if ((cv->multi = curl_multi_init()) == NULL) {
		free(cv);
		return NULL;
	}
	cv->loop = loop;
	cv->done = done;
	cv->turn = turn;
	cv->arg = arg;
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETFUNCTION, multi_sock_cb);
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETDATA, cv);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERDATA, cv);
	curl_multi_setopt(cv->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	ev_timer_init(&cv->timer, timeout_cb, 0., 0.);
	cv->timer.data = cv;
	return cv;
}

CURLM *
curlev_multi(const struct curlev *cv)
{
	return cv->multi;
}

void
curlev_free(struct curlev *cv)
{
	if (cv == NULL)
		return;
	curl_multi_cleanup(cv->multi);
	ev_timer_stop(cv->loop, &cv->timer);
	free(cv);
}
