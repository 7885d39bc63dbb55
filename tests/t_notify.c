/* t_notify.c - unit tests of the sd_notify messages, on sockets of our own. */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "tap.h"

/*
 * Messages sent to a receiver that reads nothing: far more than the
 * kernel queues on one datagram socket (net.unix.max_dgram_qlen + 1, 11
 * by default, 513 under systemd's sysctl settings).
 */
#define FLOOD_MSGS	4096
/* A notify call that has not returned after this long is blocked. */
#define FLOOD_ALARM	10	/* seconds */
/* File descriptors looked at when finding the notify socket. */
#define FD_SCAN		256

static char	msg[4096];

/*
 * The next datagram on fd as a string, or NULL when none is queued.
 * A local datagram is queued on the receiver before sendto() returns, so
 * the test never waits.
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

/* A datagram socket bound to sun (len bytes of it), or -1. */
static int
receiver(const struct sockaddr_un *sun, socklen_t len)
{
	int	 fd;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(fd, (const struct sockaddr *)sun, len) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static unsigned long long
monotonic_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL;
}

static void
test_reloading(int fd, const char *where)
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
	    "%s: notify_reloading sends RELOADING=1 and MONOTONIC_USEC=",
	    where)) {
		printf("#   got:  %s\n", got ? got : "(null)");
		return;
	}
	num = got + plen;
	errno = 0;
	usec = strtoull(num, &end, 10);
	tap_ok(errno == 0 && *num >= '0' && *num <= '9' && *end == '\0',
	    "%s: MONOTONIC_USEC is a bare number", where);
	if (!tap_ok(before <= usec && usec <= after,
	    "%s: MONOTONIC_USEC is CLOCK_MONOTONIC in microseconds", where))
		printf("#   got:  %llu\n#   want: %llu..%llu\n",
		    usec, before, after);
}

/* fds[i] = 1 for each open descriptor i below FD_SCAN. */
static void
open_fds(char fds[FD_SCAN])
{
	int	 i;

	for (i = 0; i < FD_SCAN; i++)
		fds[i] = fcntl(i, F_GETFD) != -1;
}

/*
 * The first message opens the one socket every later message leaves from;
 * it is close-on-exec and non-blocking.
 */
static void
test_kept_socket(int fd)
{
	char	 before[FD_SCAN], after[FD_SCAN];
	int	 i, n, nfd = -1, type;
	socklen_t len = sizeof(type);

	open_fds(before);
	notify_status("first");
	tap_str(recv_msg(fd), "STATUS=first", "the first message is sent");
	open_fds(after);
	for (i = n = 0; i < FD_SCAN; i++)
		if (after[i] && !before[i]) {
			nfd = i;
			n++;
		}
	tap_int(n, 1, "the first message opens one descriptor");
	if (nfd == -1)
		return;
	tap_ok(getsockopt(nfd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_DGRAM, "it is a datagram socket");
	tap_int(fcntl(nfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC,
	    "it is close-on-exec");
	tap_int(fcntl(nfd, F_GETFL) & O_NONBLOCK, O_NONBLOCK,
	    "it is non-blocking");

	for (i = 0; i < 100; i++) {
		notify_watchdog();
		if (recv_msg(fd) == NULL)
			break;
	}
	tap_int(i, 100, "100 more messages are sent");
	open_fds(before);
	tap_int(memcmp(before, after, sizeof(after)), 0,
	    "they leave from the same socket and open no other");
}

static void
test_messages(int fd, const char *sockpath)
{
	char	 longfmt[600 + 1], want[7 + NOTIFY_STATUS_MAX];

	notify_ready("watching 3 clans");
	tap_str(recv_msg(fd), "READY=1\nSTATUS=watching 3 clans",
	    "notify_ready sends READY=1 and the status");

	notify_ready(NULL);
	tap_str(recv_msg(fd), "READY=1",
	    "notify_ready(NULL) sends READY=1 alone");

	notify_stopping();
	tap_str(recv_msg(fd), "STOPPING=1",
	    "notify_stopping sends STOPPING=1");

	notify_watchdog();
	tap_str(recv_msg(fd), "WATCHDOG=1",
	    "notify_watchdog sends WATCHDOG=1");

	notify_status("refreshing %s (%d of %d)", "#9V2Y", 2, 3);
	tap_str(recv_msg(fd), "STATUS=refreshing #9V2Y (2 of 3)",
	    "notify_status formats its arguments");

	notify_status("%s", "two\nlines");
	tap_str(recv_msg(fd), "STATUS=two lines",
	    "notify_status folds a newline into a space");

	notify_ready("a\nb");
	tap_str(recv_msg(fd), "READY=1\nSTATUS=a b",
	    "notify_ready folds a newline into a space");

	memset(longfmt, 'x', sizeof(longfmt) - 1);
	longfmt[sizeof(longfmt) - 1] = '\0';
	strcpy(want, "STATUS=");
	memset(want + 7, 'x', NOTIFY_STATUS_MAX - 1);
	want[7 + NOTIFY_STATUS_MAX - 1] = '\0';
	notify_status("%s", longfmt);
	tap_str(recv_msg(fd), want,
	    "notify_status cuts a long status to NOTIFY_STATUS_MAX - 1 bytes");

	test_reloading(fd, "path");

	tap_str(recv_msg(fd), NULL, "no stray datagram is left");
	tap_str(getenv("NOTIFY_SOCKET"), sockpath,
	    "$NOTIFY_SOCKET is left in the environment");

	unsetenv("NOTIFY_SOCKET");
	notify_ready("unheard");
	notify_status("unheard");
	tap_str(recv_msg(fd), NULL, "without $NOTIFY_SOCKET nothing is sent");

	/* systemd only ever passes an absolute path or an abstract name. */
	setenv("NOTIFY_SOCKET", "notify", 1);
	notify_ready("unheard");
	tap_str(recv_msg(fd), NULL,
	    "a relative $NOTIFY_SOCKET gets nothing, though it names the socket");
	setenv("NOTIFY_SOCKET", "", 1);
	notify_ready("unheard");
	tap_str(recv_msg(fd), NULL, "an empty $NOTIFY_SOCKET gets nothing");
}

/* The same messages to a socket in Linux's abstract namespace. */
static void
test_abstract(void)
{
	struct sockaddr_un	 sun;
	char			 name[64];
	socklen_t		 len;
	int			 fd;

	(void)snprintf(name, sizeof(name), "@clanpopd-t_notify-%ld-%lld",
	    (long)getpid(), monotonic_usec());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name + 1, strlen(name + 1));
	len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	if ((fd = receiver(&sun, len)) == -1) {
		tap_ok(0, "bind %s: %s", name, strerror(errno));
		return;
	}
	setenv("NOTIFY_SOCKET", name, 1);

	notify_ready("watching 1 clan");
	tap_str(recv_msg(fd), "READY=1\nSTATUS=watching 1 clan",
	    "abstract: notify_ready sends READY=1 and the status");
	notify_status("%d clans", 1);
	tap_str(recv_msg(fd), "STATUS=1 clans",
	    "abstract: notify_status sends STATUS=");
	notify_watchdog();
	tap_str(recv_msg(fd), "WATCHDOG=1",
	    "abstract: notify_watchdog sends WATCHDOG=1");
	notify_stopping();
	tap_str(recv_msg(fd), "STOPPING=1",
	    "abstract: notify_stopping sends STOPPING=1");
	test_reloading(fd, "abstract");
	tap_str(recv_msg(fd), NULL, "abstract: no stray datagram is left");

	unsetenv("NOTIFY_SOCKET");
	close(fd);
}

static void
alarm_cb(int sig)
{
	static const char	 bail[] = "Bail out! a notify call blocked "
				    "on a receiver that reads nothing\n";

	ssize_t			 n;

	(void)sig;
	n = write(STDOUT_FILENO, bail, sizeof(bail) - 1);
	_exit(n == -1 ? 2 : 1);
}

/*
 * A manager that stops reading must not stall the daemon: every call
 * returns at once and a message that does not fit is dropped.  On a
 * blocking send the alarm ends the test with "Bail out!".
 */
static void
test_full_receiver(const char *dir)
{
	struct sockaddr_un	 sun;
	struct sigaction	 sa;
	char			 want[64];
	const char		*got;
	int			 fd, i, k, rcvbuf = 1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/full",
	    dir) >= sizeof(sun.sun_path) ||
	    (fd = receiver(&sun, sizeof(sun))) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)) == -1) {
		tap_ok(0, "a receiver at %s: %s", sun.sun_path,
		    strerror(errno));
		return;
	}
	setenv("NOTIFY_SOCKET", sun.sun_path, 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = alarm_cb;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGALRM, &sa, NULL);
	fflush(stdout);
	alarm(FLOOD_ALARM);
	for (i = 0; i < FLOOD_MSGS; i++)
		notify_status("flood %d", i);
	notify_ready("still unread");
	notify_watchdog();
	errno = EDOM;
	notify_stopping();
	alarm(0);
	tap_ok(1, "%d messages to a receiver that reads nothing all return",
	    FLOOD_MSGS + 3);
	tap_int(errno, EDOM, "a dropped message leaves errno as it was");

	/* What the kernel queued is the first messages, whole and in order. */
	for (k = 0; (got = recv_msg(fd)) != NULL; k++) {
		(void)snprintf(want, sizeof(want), "STATUS=flood %d", k);
		if (strcmp(got, want) != 0)
			break;
	}
	if (!tap_ok(got == NULL && k > 0 && k < FLOOD_MSGS,
	    "the receiver holds STATUS=flood 0 .. %d, the rest was dropped",
	    k - 1))
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)",
		    want);

	notify_status("read again");
	tap_str(recv_msg(fd), "STATUS=read again",
	    "once the receiver reads, messages arrive again");

	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(sun.sun_path);
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
	interval_is(1.0, "WATCHDOG_USEC=2000000: ping every 1 s");

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	interval_is(1.0, "WATCHDOG_PID naming us: ping every 1 s");

	snprintf(pid, sizeof(pid), "%ld", (long)getppid());
	setenv("WATCHDOG_PID", pid, 1);
	interval_is(0, "WATCHDOG_PID naming another process: no watchdog");

	setenv("WATCHDOG_PID", "us", 1);
	interval_is(0, "an invalid WATCHDOG_PID: no watchdog");

	setenv("WATCHDOG_PID", "0", 1);
	interval_is(0, "WATCHDOG_PID=0: no watchdog");

	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "soon", 1);
	interval_is(0, "an invalid WATCHDOG_USEC: no watchdog");

	setenv("WATCHDOG_USEC", "2000000s", 1);
	interval_is(0, "WATCHDOG_USEC=2000000s: no watchdog");

	setenv("WATCHDOG_USEC", "-2000000", 1);
	interval_is(0, "WATCHDOG_USEC=-2000000: no watchdog");

	setenv("WATCHDOG_USEC", "18446744073709551615", 1);
	interval_is(0, "WATCHDOG_USEC=2^64 - 1 (infinity): no watchdog");

	setenv("WATCHDOG_USEC", "18446744073709551616", 1);
	interval_is(0, "WATCHDOG_USEC above 2^64 - 1: no watchdog");

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
	if ((fd = receiver(&sun, sizeof(sun))) == -1) {
		printf("Bail out! %s: %s\n", sun.sun_path, strerror(errno));
		rmdir(dir);
		return 1;
	}
	/* A relative $NOTIFY_SOCKET would name this socket from here. */
	if (chdir(dir) == -1) {
		printf("Bail out! cd %s: %s\n", dir, strerror(errno));
		return 1;
	}
	setenv("NOTIFY_SOCKET", sun.sun_path, 1);

	test_kept_socket(fd);
	test_messages(fd, sun.sun_path);
	test_abstract();
	test_full_receiver(dir);
	test_watchdog();

	close(fd);
	unlink(sun.sun_path);
	if (chdir("/") == -1 || rmdir(dir) == -1)
		printf("# cannot remove %s: %s\n", dir, strerror(errno));
	return tap_done();
}
