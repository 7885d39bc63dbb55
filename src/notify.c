/* notify.c - the sd_notify protocol to systemd: readiness, status, watchdog. */
#include "config.h"

#ifdef HAVE_SYSTEMD
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>
#endif

#include "notify.h"

#ifdef HAVE_SYSTEMD

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
	char	 buf[NOTIFY_STATUS_MAX];

	if (status == NULL) {
		(void)sd_notify(0, "READY=1");
		return;
	}
	(void)snprintf(buf, sizeof(buf), "%s", status);
	status_fold(buf);
	(void)sd_notifyf(0, "READY=1\nSTATUS=%s", buf);
}

void
notify_reloading(void)
{
	struct timespec	 ts;

	/*
	 * systemd compares MONOTONIC_USEC with the time it sent SIGHUP, to
	 * know that this reload answers its signal and not an earlier one.
	 */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		(void)sd_notify(0, "RELOADING=1");
		return;
	}
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
}

void
notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

void
notify_status(const char *fmt, ...)
{
	char	 buf[NOTIFY_STATUS_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	if (vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
		buf[0] = '\0';
	va_end(ap);
	status_fold(buf);
	(void)sd_notifyf(0, "STATUS=%s", buf);
}

void
notify_watchdog(void)
{
	(void)sd_notify(0, "WATCHDOG=1");
}

double
notify_watchdog_interval(void)
{
	uint64_t	 usec;

	/* Returns 0 for another process's WATCHDOG_PID, < 0 when invalid. */
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	return (double)usec / 2 / 1e6;
}

#else /* !HAVE_SYSTEMD */

void
notify_ready(const char *status)
{
	(void)status;
}

void
notify_reloading(void)
{
}

void
notify_stopping(void)
{
}

void
notify_status(const char *fmt, ...)
{
	(void)fmt;
}

void
notify_watchdog(void)
{
}

double
notify_watchdog_interval(void)
{
	return 0;
}

#endif /* HAVE_SYSTEMD */
