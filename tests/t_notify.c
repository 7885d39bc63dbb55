/* t_notify.c - unit tests of the sd_notify messages, on a socket of our own. */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "tap.h"

/* What a build with libsystemd sends; a build without one sends nothing. */
#ifdef HAVE_SYSTEMD
#define SENT(msg)	(msg)
#define INTERVAL(s)	(s)
#else
#define SENT(msg)	((const char *)NULL)
#define INTERVAL(s)	0.0
#endif

static char	msg[4096];

/*
 * The next datagram on fd as a string, or NULL when none is queued.
 * sd_notify() sends synchronously on a local datagram socket, so a message
 * is already queued when it returns and the test never waits.
 */
static const char *
recv_msg(int fd)
{
	ssize_t	 n;

	n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			printf("# recv: %s\n", strerror(errno));
		return NULL;
	}
	msg[n] = '\0';
	return msg;
}

#ifdef HAVE_SYSTEMD
static unsigned long long
monotonic_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL;
}

static void
test_reloading(int fd)
{
	const char		*got, *num;
	unsigned long long	 before, after, usec;
	char			*end;
	size_t			 plen = strlen("RELOADING=1\nMONOTONIC_USEC=");

	before = monotonic_usec();
	notify_reloading();
	after = monotonic_usec();
	got = recv_msg(fd);
	if (!tap_ok(got != NULL &&
	    strncmp(got, "RELOADING=1\nMONOTONIC_USEC=", plen) == 0,
	    "notify_reloading sends RELOADING=1 and MONOTONIC_USEC=")) {
		printf("#   got:  %s\n", got ? got : "(null)");
		return;
	}
	num = got + plen;
	errno = 0;
	usec = strtoull(num, &end, 10);
	tap_ok(errno == 0 && *num >= '0' && *num <= '9' && *end == '\0',
	    "MONOTONIC_USEC is a bare number");
	if (!tap_ok(before <= usec && usec <= after,
	    "MONOTONIC_USEC is CLOCK_MONOTONIC in microseconds"))
		printf("#   got:  %llu\n#   want: %llu..%llu\n",
		    usec, before, after);
}
#else
static void
test_reloading(int fd)
{
	notify_reloading();
	tap_str(recv_msg(fd), NULL,
	    "notify_reloading sends nothing without libsystemd");
}
#endif

static void
test_messages(int fd, const char *sockpath)
{
	char	 longfmt[600 + 1], want[7 + NOTIFY_STATUS_MAX];

	notify_ready("watching 3 clans");
	tap_str(recv_msg(fd), SENT("READY=1\nSTATUS=watching 3 clans"),
	    "notify_ready sends READY=1 and the status");

	notify_ready(NULL);
	tap_str(recv_msg(fd), SENT("READY=1"),
	    "notify_ready(NULL) sends READY=1 alone");

	notify_stopping();
	tap_str(recv_msg(fd), SENT("STOPPING=1"),
	    "notify_stopping sends STOPPING=1");

	notify_watchdog();
	tap_str(recv_msg(fd), SENT("WATCHDOG=1"),
	    "notify_watchdog sends WATCHDOG=1");

	notify_status("refreshing %s (%d of %d)", "#9V2Y", 2, 3);
	tap_str(recv_msg(fd), SENT("STATUS=refreshing #9V2Y (2 of 3)"),
	    "notify_status formats its arguments");

	notify_status("%s", "two\nlines");
	tap_str(recv_msg(fd), SENT("STATUS=two lines"),
	    "notify_status folds a newline into a space");

	notify_ready("a\nb");
	tap_str(recv_msg(fd), SENT("READY=1\nSTATUS=a b"),
	    "notify_ready folds a newline into a space");

	memset(longfmt, 'x', sizeof(longfmt) - 1);
	longfmt[sizeof(longfmt) - 1] = '\0';
	strcpy(want, "STATUS=");
	memset(want + 7, 'x', NOTIFY_STATUS_MAX - 1);
	want[7 + NOTIFY_STATUS_MAX - 1] = '\0';
	notify_status("%s", longfmt);
	tap_str(recv_msg(fd), SENT(want),
	    "notify_status cuts a long status to NOTIFY_STATUS_MAX - 1 bytes");

	test_reloading(fd);

	tap_str(recv_msg(fd), NULL, "no stray datagram is left");
	tap_str(getenv("NOTIFY_SOCKET"), sockpath,
	    "$NOTIFY_SOCKET is left in the environment");

	unsetenv("NOTIFY_SOCKET");
	notify_ready("unheard");
	notify_status("unheard");
	tap_str(recv_msg(fd), NULL, "without $NOTIFY_SOCKET nothing is sent");
}

static void
interval_is(double want, const char *name)
{
	double	 got = notify_watchdog_interval();

	if (!tap_ok(got == want, "%s", name))
		printf("#   got:  %g\n#   want: %g\n", got, want);
}

static void
test_watchdog(void)
{
	char	 pid[32];

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	interval_is(0, "no watchdog without $WATCHDOG_USEC");

	setenv("WATCHDOG_USEC", "2000000", 1);
	interval_is(INTERVAL(1.0), "WATCHDOG_USEC=2000000: ping every 1 s");

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	interval_is(INTERVAL(1.0), "WATCHDOG_PID naming us: ping every 1 s");

	snprintf(pid, sizeof(pid), "%ld", (long)getppid());
	setenv("WATCHDOG_PID", pid, 1);
	interval_is(0, "WATCHDOG_PID naming another process: no watchdog");

	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "soon", 1);
	interval_is(0, "an invalid WATCHDOG_USEC: no watchdog");

	setenv("WATCHDOG_USEC", "0", 1);
	interval_is(0, "WATCHDOG_USEC=0: no watchdog");

	tap_str(getenv("WATCHDOG_USEC"), "0",
	    "$WATCHDOG_USEC is left in the environment");
	unsetenv("WATCHDOG_USEC");
}

int
main(void)
{
	char			 dir[256];
	const char		*tmp;
	struct sockaddr_un	 sun;
	int			 fd;

	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp != '/')
		tmp = "/tmp";
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/t_notify.XXXXXX", tmp) >=
	    sizeof(dir) || mkdtemp(dir) == NULL ||
	    (size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify",
	    dir) >= sizeof(sun.sun_path)) {
		printf("Bail out! cannot make a socket path under %s\n", tmp);
		return 1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		printf("Bail out! %s: %s\n", sun.sun_path, strerror(errno));
		rmdir(dir);
		return 1;
	}
	setenv("NOTIFY_SOCKET", sun.sun_path, 1);
#ifndef HAVE_SYSTEMD
	printf("# built without libsystemd: no message may be sent and "
	    "no watchdog is wanted\n");
#endif

	test_messages(fd, sun.sun_path);
	test_watchdog();

	close(fd);
	unlink(sun.sun_path);
	rmdir(dir);
	return tap_done();
}
