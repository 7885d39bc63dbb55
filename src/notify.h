/* notify.h - the sd_notify protocol to systemd: readiness, status, watchdog. */
#ifndef CLANPOPD_NOTIFY_H
#define CLANPOPD_NOTIFY_H

/*
 * Every function sends one datagram to $NOTIFY_SOCKET (an absolute path,
 * or a name in the abstract namespace written "@name") from one socket,
 * opened on first use and kept (close-on-exec), and leaves the
 * environment as it is, so a later call still reaches the manager.  No
 * call ever waits: a message the manager's full queue cannot take now is
 * dropped.  Without $NOTIFY_SOCKET, or with a value of another form, they
 * do nothing.  Failures are ignored and errno is kept: the daemon runs the
 * same with or without a service manager listening.  They never log.  A
 * STATUS= text is cut to NOTIFY_STATUS_MAX - 1 bytes and each newline in
 * it becomes a space, so it stays one field.
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
 * unset, 0, 2^64 - 1 or not a decimal number, or $WATCHDOG_PID set to
 * anything but this process's id), as sd_watchdog_enabled(3) decides.
 */
double	notify_watchdog_interval(void);

#endif
