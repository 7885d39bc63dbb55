/* looplag.c - how long the event loop is held: a prepare/check probe. */
#include "config.h"

#include <string.h>

#include <ev.h>

#include "looplag.h"
#include "monotime.h"

static const double looplag_bounds[LOOPLAG_BUCKETS] = LOOPLAG_BOUNDS;

/* The loop woke: its callbacks run from now. */
static void
looplag_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	struct looplag *lag = w->data;

	(void)loop;
	(void)revents;
	lag->since = monotime_now();
}

/* The loop is about to wait: the turn since the check is over. */
static void
looplag_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct looplag	*lag = w->data;
	double		 d;
	int		 i;

	(void)loop;
	(void)revents;
	if (lag->since == 0)
		return;
	d = monotime_now() - lag->since;
	lag->since = 0;
	for (i = LOOPLAG_BUCKETS - 1; i >= 0 && d <= looplag_bounds[i]; i--)
		lag->st.le[i]++;
	lag->st.count++;
	lag->st.sum += d;
	if (d > lag->st.max)
		lag->st.max = d;
}

void
looplag_start(struct looplag *lag, struct ev_loop *loop)
{
	memset(lag, 0, sizeof(*lag));
	ev_check_init(&lag->check, looplag_check_cb);
	ev_prepare_init(&lag->prepare, looplag_prepare_cb);
	lag->check.data = lag->prepare.data = lag;
	/* First of the checks, last of the prepares: around all the rest. */
	ev_set_priority(&lag->check, EV_MAXPRI);
	ev_set_priority(&lag->prepare, EV_MINPRI);
	ev_check_start(loop, &lag->check);
	ev_prepare_start(loop, &lag->prepare);
	/* The probe alone does not keep the loop running. */
	ev_unref(loop);
	ev_unref(loop);
}

void
looplag_stop(struct looplag *lag, struct ev_loop *loop)
{
	ev_ref(loop);
	ev_ref(loop);
	ev_check_stop(loop, &lag->check);
	ev_prepare_stop(loop, &lag->prepare);
}
