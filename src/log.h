/* log.h - the daemon's logging to stderr (journal-aware), fatal exits. */
#ifndef CLANPOPD_LOG_H
#define CLANPOPD_LOG_H

#include <stdarg.h>

#define LOG_FMT(a, b)	__attribute__((format(printf, a, b)))

/*
 * Set up logging: debug lines only when verbose.  When $JOURNAL_STREAM
 * names stderr, lines carry sd-daemon "<N>" priority prefixes and no
 * timestamps; otherwise each starts with an ISO-8601 UTC timestamp.
 */
void	log_init(int verbose);

void	log_info(const char *, ...) LOG_FMT(1, 2);
void	log_debug(const char *, ...) LOG_FMT(1, 2);
/* A warning followed by ": " and strerror(errno). */
void	log_warn(const char *, ...) LOG_FMT(1, 2);
/* A warning without errno. */
void	log_warnx(const char *, ...) LOG_FMT(1, 2);
/* An error (priority err) without errno. */
void	log_errx(const char *, ...) LOG_FMT(1, 2);
/*
 * A start-up error as the user reads it: the line alone, without a
 * timestamp, and with the "<3>" (err) prefix when stderr is the journal.
 */
void	log_plain_errx(const char *, ...) LOG_FMT(1, 2);
/* Log an error with strerror(errno) and exit 1.  Start-up and OOM only. */
void	fatal(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void	fatalx(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));

#endif
