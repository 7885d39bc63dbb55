/* curlev.h - libcurl's multi-socket API driven by a libev loop. */
#ifndef CLANPOPD_CURLEV_H
#define CLANPOPD_CURLEV_H

#include <curl/curl.h>
#include <ev.h>

struct curlev;

/* A transfer of the multi handle ended with result. */
typedef void	 curlev_done_cb(void *arg, CURL *easy, CURLcode result);
/* Every completion of one turn was handed to done. */
typedef void	 curlev_turn_cb(void *arg);

/*
 * A multi handle (multiplexing, one ev_io per socket, one ev_timer for
 * libcurl's timeouts) on loop.  done is called for each finished transfer
 * and turn after each batch, from the loop, never from inside libcurl.
 * Returns NULL when libcurl cannot be initialised or on out of memory.
 */
struct curlev	*curlev_new(struct ev_loop *loop, curlev_done_cb *done,
		    curlev_turn_cb *turn, void *arg);
/* The multi handle, to add and remove easy handles. */
CURLM		*curlev_multi(const struct curlev *);
/* Frees the multi handle and the watchers; easy handles stay the caller's. */
void		 curlev_free(struct curlev *);

#endif
