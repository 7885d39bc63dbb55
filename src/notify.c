/* notify.c - the sd_notify protocol to systemd: readiness, status, watchdog. */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

/* The longest message: a STATUS= text after its READY=1 line. */
#define NOTIFY_MSG_MAX	(64 + NOTIFY_STATUS_MAX)	/* bytes */

/* Every message leaves from this socket, opened on first use and kept. */
static int	notify_fd = -1;

/*
 * Fill sun with the address $NOTIFY_SOCKET names: an absolute path, or a
 * name in Linux's abstract namespace written with a leading '@'.  Returns
 * the address's length, or 0 when the variable is unset or names nothing
 * a datagram can be sent to.
 */
static socklen_t
notify_addr(struct sockaddr_un *sun)
{
	const char	*e;
	size_t		 len;

	if ((e = getenv("NOTIFY_SOCKET")) == NULL)
		return 0;
	len = strlen(e);
	if (len < 2 || (e[0] != '/' && e[0] != '@'))
		return 0;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (e[0] == '@') {
		/* An abstract name is its bytes, without a terminating NUL. */
		if (len > sizeof(sun->sun_path))
			return 0;
		memcpy(sun->sun_path + 1, e + 1, len - 1);
		return offsetof(struct sockaddr_un, sun_path) + len;
	}
	if (len >= sizeof(sun->sun_path))
		return 0;
	memcpy(sun->sun_path, e, len);
	return offsetof(struct sockaddr_un, sun_path) + len + 1;
}

/*
 * Send msg as one datagram to $NOTIFY_SOCKET without ever waiting: when
 * the manager's queue is full the message is dropped, as is one that
 * cannot be sent for any other reason.  errno is left as it was.
 */
static void
notify_send(const char *msg)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 saved = errno;

	if ((len = notify_addr(&sun)) == 0)
		goto out;
	if (notify_fd == -1 && (notify_fd = socket(AF_UNIX,
	    SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		goto out;
	(void)sendto(notify_fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
 out:
	errno = saved;
}

/* Fold newlines to spaces so a STATUS= value stays one field. */
static void
status_fold(char *buf)
{
	char	*p;

	for (p = buf; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
}

void
notify_ready(const char *status)
{
	char	 buf[NOTIFY_STATUS_MAX], msg[NOTIFY_MSG_MAX];

	if (status == NULL) {
		notify_send("READY=1");
		return;
	}
	(void)snprintf(buf, sizeof(buf), "%s", status);
	status_fold(buf);
	(void)snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", buf);
	notify_send(msg);
}

void
notify_reloading(void)
{
	struct timespec	 ts;
	char		 msg[NOTIFY_MSG_MAX];

	/*
	 * systemd compares MONOTONIC_USEC with the time it sent SIGHUP, to
	 * know that this reload answers its signal and not an earlier one.
	 */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		notify_send("RELOADING=1");
		return;
	}
	(void)snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	notify_send(msg);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void
notify_status(const char *fmt, ...)
{
	char	 buf[NOTIFY_STATUS_MAX], msg[NOTIFY_MSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	if (vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
		buf[0] = '\0';
	va_end(ap);
	status_fold(buf);
	(void)snprintf(msg, sizeof(msg), "STATUS=%s", buf);
	notify_send(msg);
}

void
notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}

/*
 * Parse s, a decimal number without sign or blanks, into *v.  Returns 0,
 * or -1 when s is not one or does not fit.
 */
static int
notify_parse_u64(const char *s, uint64_t *v)
{
	unsigned long long	 n;
	char			*end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = n;
	return 0;
}

double
notify_watchdog_interval(void)
{
	const char	*e;
	uint64_t	 usec, pid;
	int		 saved = errno;
	double		 interval = 0;

	/* As sd_watchdog_enabled(3): UINT64_MAX means "infinity", no ping. */
	if ((e = getenv("WATCHDOG_USEC")) == NULL ||
	    notify_parse_u64(e, &usec) == -1 || usec == 0 ||
	    usec == UINT64_MAX)
		goto out;
	if ((e = getenv("WATCHDOG_PID")) != NULL &&
	    (notify_parse_u64(e, &pid) == -1 || pid != (uint64_t)getpid()))
		goto out;
	interval = (double)usec / 2 / 1e6;
 out:
	errno = saved;
	return interval;
}
