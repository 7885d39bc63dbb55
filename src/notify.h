/* notify.h - the sd_notify protocol to systemd: readiness, status, watchdog. */
#ifndef CLANPOPD_NOTIFY_H
#define CLANPOPD_NOTIFY_H

/*
 * Every function sends one datagram to $NOTIFY_SOCKET through libsystemd
 * and leaves the environment as it is, so a later call still reaches the
 * manager.  Without $NOTIFY_SOCKET, or in a build without libsystemd
 * (HAVE_SYSTEMD undefined), they do nothing.  Failures are ignored: the
 * daemon runs the same with or without a service manager listening.
 * They never log.  A STATUS= text is cut to NOTIFY_STATUS_MAX - 1 bytes
 * and each newline in it becomes a space, so it stays one field.
 */
#define NOTIFY_STATUS_MAX	512	/* bytes, with the NUL */

/*
 * Start-up done: sends "READY=1\nSTATUS=<status>", or only "READY=1"
 * when status is NULL.
 */
void	notify_ready(const char *status);

/*
 * A reload begins: sends "RELOADING=1\nMONOTONIC_USEC=<now>", now being
 * CLOCK_MONOTONIC in microseconds.  Follow it with notify_ready() when
 * the reload is over, whether it succeeded or not.
 */
void	notify_reloading(void);

/* Shutdown begins: sends "STOPPING=1". */
void	notify_stopping(void);

/* Sends "STATUS=<text>", the text formatted like printf(3). */
void	notify_status(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Keep-alive ping for the service manager's watchdog: sends "WATCHDOG=1". */
void	notify_watchdog(void);

/*
 * Returns the interval in seconds at which to call notify_watchdog():
 * half of $WATCHDOG_USEC, or 0 when no watchdog is wanted ($WATCHDOG_USEC
 * unset or invalid, $WATCHDOG_PID naming another process, or a build
 * without libsystemd).
 */
double	notify_watchdog_interval(void);

#endif
