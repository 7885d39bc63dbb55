/* main.c - start-up, command line, signals, reload, teardown. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <curl/curl.h>
#include <ev.h>

#include "api.h"
#include "conf.h"
#include "fetch.h"
#include "history.h"
#include "log.h"
#include "notify.h"
#include "outdir.h"
#include "sched.h"
#include "token.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/clanpopd/clanpopd.yaml"

/* Everything the running daemon holds. */
struct daemon {
	struct ev_loop	*loop;
	const char	*path;		/* the configuration file */
	struct conf	*conf;
	struct token_keys keys;		/* secret */
	struct outdir	*od;		/* conf->out_dir, held open */
	struct history	*hist;		/* conf->database in od, or NULL */
	struct fetcher	*fetcher;
	struct sched	*sched;
	int		 once;
	int		 stopping;
	ev_signal	 sighup;
	ev_signal	 sigint;
	ev_signal	 sigterm;
	ev_timer	 watchdog;
	ev_timer	 deadline;	/* --once: the longest clan interval */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clanpopd [-1tvVh] [-c file]\n"
	    "  -c, --config FILE    configuration file (default %s)\n"
	    "  -t, --check-config   check the configuration and token, then exit\n"
	    "  -1, --once           refresh every clan once, write the snapshots, exit\n"
	    "  -v, --verbose        log debug messages\n"
	    "  -V, --version        print the version and exit\n"
	    "  -h, --help           print this help and exit\n",
	    DEFAULT_CONFIG);
}

/* How load() reports what it finds. */
enum load_how {
	LOAD_CHECK = 0,		/* -t: print errors and warnings */
	LOAD_RELOAD = 1,	/* SIGHUP: log errors and warnings */
	LOAD_START = 2		/* start-up: print errors, log warnings */
};

/*
 * Load the configuration and the token.  Errors are printed as plain
 * lines (start-up, -t) or logged (reload); warnings are printed with -t
 * and logged otherwise, once per load.  Returns the conf and fills *keys
 * (the API keys of its token file), or NULL.
 */
static struct conf *
load(const char *path, struct token_keys *keys, enum load_how how)
{
	struct conf_env	 env;
	struct conf_errs errs;
	struct conf	*conf;
	char		 err[512];
	size_t		 i;
	int		 loose = 0;

	memset(&errs, 0, sizeof(errs));
	env.credentials_directory = getenv("CREDENTIALS_DIRECTORY");
	env.state_directory = getenv("STATE_DIRECTORY");
	env.home = getenv("HOME");
	conf = conf_load(path, &env, &errs);
	for (i = 0; i < errs.n; i++) {
		if (how == LOAD_RELOAD)
			log_errx("%s", errs.msg[i]);
		else
			log_plain_errx("%s", errs.msg[i]);
	}
	for (i = 0; i < errs.nwarn; i++) {
		if (how == LOAD_CHECK)
			fprintf(stderr, "%s: warning: %s\n", errs.warn[i].where,
			    errs.warn[i].text);
		else
			log_warnx("%s: %s", errs.warn[i].where,
			    errs.warn[i].text);
	}
	conf_errs_free(&errs);
	if (conf == NULL)
		return NULL;
	if (token_in_dir(conf->token_file, conf->out_dir, err,
	    sizeof(err)) || token_read(conf->token_file, keys, &loose, err,
	    sizeof(err)) == -1) {
		if (how == LOAD_RELOAD)
			log_errx("%s", err);
		else
			log_plain_errx("%s", err);
		conf_free(conf);
		return NULL;
	}
	if (!loose)
		return conf;
	snprintf(err, sizeof(err), "the token file is open to others (only "
	    "its owner may read it, and its group when root owns it): run "
	    "chmod 600 %s, or for the systemd unit chmod 640 it with owner "
	    "root and group clanpopd", conf->token_file);
	if (how != LOAD_CHECK)
		log_warnx("%s: %s", conf->token_file, err);
	else
		fprintf(stderr, "%s: warning: %s\n", conf->token_file, err);
	return conf;
}

static void
fetch_opts_of(const struct conf *conf, const struct token_keys *keys,
    struct fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->base_url = conf->base_url;
	o->keys = keys;
	o->token_file = conf->token_file;
	o->user_agent = conf->user_agent;
	o->timeout = conf->timeout;
	o->connect_timeout = conf->connect_timeout;
	o->max_concurrent = conf->max_concurrent;
	o->rate = conf->requests_per_second;
	o->burst = conf->burst;
	o->max_retries = conf->max_retries;
	o->reason_of = api_error_reason;
}

/*
 * Open conf's history database in od (NULL when it is off), logging why
 * it cannot be used (unless old, the one it replaces, logged that
 * already): history never stops clanpopd.
 */
static struct history *
history_of(const struct conf *conf, const struct outdir *od,
    const struct history *old)
{
	struct history	*h;
	char		 err[1024];

	if (conf->database[0] == '\0')
		return NULL;
	if ((h = history_open(od, conf->database, err, sizeof(err))) == NULL)
		fatalx("history: %s", err);
	history_log_open(h, old);
	return h;
}

static void
idle_cb(void *arg)
{
	struct daemon *d = arg;

	ev_break(d->loop, EVBREAK_ALL);
}

static void
stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	if (d->stopping) {
		log_info("signal %d: already stopping", w->signum);
		return;
	}
	d->stopping = 1;
	notify_stopping();
	log_info("signal %d: stopping", w->signum);
	ev_signal_stop(loop, &d->sighup);
	sched_stop(d->sched, d->once ? 0 : d->conf->stop_grace);
}

/*
 * --once ends by the longest clan interval: a run from a timer at that
 * interval would start the next one then, and 429s with a long
 * Retry-After could otherwise hold it for an hour.
 */
static double
once_deadline(const struct conf *conf)
{
	double	 longest = 0;
	size_t	 i;

	for (i = 0; i < conf->nclans; i++)
		if (conf->clans[i].interval > longest)
			longest = conf->clans[i].interval;
	return longest;
}

static void
deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	if (d->stopping)
		return;
	d->stopping = 1;
	log_warnx("--once: not done after %.0f s, the longest clan interval; "
	    "stopping now: the clans refreshed keep their new snapshots",
	    once_deadline(d->conf));
	sched_stop(d->sched, 0);
}

/* Tell systemd clanpopd is ready, with the scheduler's status line. */
static void
ready(struct daemon *d)
{
	char buf[256];

	sched_status(d->sched, buf, sizeof(buf));
	notify_ready(buf);
}

/*
 * A reload's history database: opened again at each reload, so that a
 * failing one is retried and a new output.database applies.
 */
static void
reload_history(struct daemon *d, const struct conf *conf,
    const struct outdir *od)
{
	struct history *h;

	h = history_of(conf, od, d->hist);
	history_close(d->hist);
	d->hist = h;
	sched_set_history(d->sched, h);
}

static void
reload_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon		*d = w->data;
	struct conf		*conf;
	struct outdir		*od = NULL;
	struct fetch_opts	 fo;
	struct token_keys	 keys;
	char			 err[1024];

	if (d->once) {
		log_info("SIGHUP: ignored with --once");
		return;
	}
	/* A reload runs to its end here: no second one can start meanwhile. */
	notify_reloading();
	log_info("SIGHUP: reloading %s", d->path);
	if ((conf = load(d->path, &keys, LOAD_RELOAD)) == NULL) {
		log_errx("reload failed: keeping the running configuration; "
		    "fix the errors above and reload again");
		goto fail;
	}
	/*
	 * The output directory is resolved again only when it changed, or
	 * when the one held was removed (the operator made it again).
	 */
	if (strcmp(conf->out_dir, d->conf->out_dir) != 0 ||
	    outdir_gone(d->od)) {
		if ((od = outdir_open(conf->out_dir, err, sizeof(err))) ==
		    NULL) {
			log_errx("reload failed: %s; keeping the running "
			    "configuration", err);
			goto fail;
		}
	} else
		od = d->od;
	fetch_opts_of(conf, &keys, &fo);
	if (fetcher_configure(d->fetcher, &fo) == -1 ||
	    sched_apply(d->sched, conf, od) == -1) {
		/* Both leave the old state on failure; fetch may hold new. */
		fetch_opts_of(d->conf, &d->keys, &fo);
		fetcher_configure(d->fetcher, &fo);
		log_errx("reload failed: out of memory; keeping the running "
		    "configuration");
		goto fail;
	}
	reload_history(d, conf, od);
	if (od != d->od) {
		outdir_close(d->od);
		d->od = od;
	}
	conf_free(d->conf);
	token_keys_free(&d->keys);
	d->conf = conf;
	d->keys = keys;
	sched_count_reload(d->sched, 1);
	log_info("reloaded %s", d->path);
	ready(d);
	return;
fail:
	/* What the reload built goes; the running configuration stays. */
	sched_count_reload(d->sched, 0);
	if (od != NULL && od != d->od)
		outdir_close(od);
	if (conf != NULL) {
		conf_free(conf);
		token_keys_free(&keys);
	}
	ready(d);
}

static void
watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	notify_watchdog();
}

static int
run(struct daemon *d)
{
	struct fetch_opts	 fo;
	char			 err[1024];
	double			 wd;

	if ((d->od = outdir_open(d->conf->out_dir, err, sizeof(err))) ==
	    NULL) {
		log_errx("%s", err);
		return EX_CANTCREAT;
	}
	fetch_opts_of(d->conf, &d->keys, &fo);
	if ((d->fetcher = fetcher_new(d->loop, &fo, err, sizeof(err))) ==
	    NULL)
		fatalx("%s", err);
	if ((d->sched = sched_new(d->loop, d->fetcher, d->conf, d->od,
	    d->once, idle_cb, d)) == NULL)
		fatal("scheduler");
	d->hist = history_of(d->conf, d->od, NULL);
	sched_set_history(d->sched, d->hist);
	fetcher_on_key_change(d->fetcher, sched_keys_changed, d->sched);

	ev_signal_init(&d->sigint, stop_cb, SIGINT);
	ev_signal_init(&d->sigterm, stop_cb, SIGTERM);
	ev_signal_init(&d->sighup, reload_cb, SIGHUP);
	d->sigint.data = d->sigterm.data = d->sighup.data = d;
	ev_signal_start(d->loop, &d->sigint);
	ev_signal_start(d->loop, &d->sigterm);
	ev_signal_start(d->loop, &d->sighup);
	if (!d->once && (wd = notify_watchdog_interval()) > 0) {
		ev_timer_init(&d->watchdog, watchdog_cb, wd, wd);
		ev_timer_start(d->loop, &d->watchdog);
	}
	if (d->once) {
		ev_timer_init(&d->deadline, deadline_cb,
		    once_deadline(d->conf), 0.);
		d->deadline.data = d;
		ev_timer_start(d->loop, &d->deadline);
	} else {
		log_info("clanpopd %s started: %zu clans, output in %s",
		    PACKAGE_VERSION, d->conf->nclans, d->conf->out_dir);
		sched_write_reports(d->sched);
		ready(d);
	}

	ev_run(d->loop, 0);

	ev_timer_stop(d->loop, &d->watchdog);
	ev_timer_stop(d->loop, &d->deadline);
	ev_signal_stop(d->loop, &d->sigint);
	ev_signal_stop(d->loop, &d->sigterm);
	ev_signal_stop(d->loop, &d->sighup);
	sched_write_reports(d->sched);
	if (d->once && sched_failed(d->sched) > 0) {
		log_errx("%zu of %zu clans have no new snapshot; their "
		    "previous snapshots are kept", sched_failed(d->sched),
		    d->conf->nclans);
		return EX_TEMPFAIL;
	}
	if (!d->once)
		log_info("stopped");
	return 0;
}

/*
 * Read the command line into d, *check and *verbose.  Returns -1 to go
 * on, or the exit status when there is nothing more to do.
 */
static int
options(int argc, char *argv[], struct daemon *d, int *check, int *verbose)
{
	static const struct option longopts[] = {
		{ "config",		required_argument,	NULL, 'c' },
		{ "check-config",	no_argument,		NULL, 't' },
		{ "once",		no_argument,		NULL, '1' },
		{ "verbose",		no_argument,		NULL, 'v' },
		{ "version",		no_argument,		NULL, 'V' },
		{ "help",		no_argument,		NULL, 'h' },
		{ NULL,			0,			NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:t1vVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d->path = optarg;
			break;
		case 't':
			*check = 1;
			break;
		case '1':
			d->once = 1;
			break;
		case 'v':
			*verbose = 1;
			break;
		case 'V':
			printf("%s\n", PACKAGE_STRING);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clanpopd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	return -1;
}

int
main(int argc, char *argv[])
{
	struct daemon	 d;
	int		 check = 0, verbose = 0, rc;

	memset(&d, 0, sizeof(d));
	d.path = DEFAULT_CONFIG;
	if ((rc = options(argc, argv, &d, &check, &verbose)) != -1)
		return rc;
	log_init(verbose);
	/*
	 * A reader of the log that goes away (clanpopd 2>&1 | head) must not
	 * kill the daemon: its lines are dropped and the work goes on.
	 */
	signal(SIGPIPE, SIG_IGN);
	/* Directories clanpopd makes must pass its own checks next start. */
	umask(umask(0) | S_IWGRP | S_IWOTH);

	d.conf = load(d.path, &d.keys, check ? LOAD_CHECK : LOAD_START);
	if (d.conf == NULL)
		return EX_CONFIG;
	if (check) {
		printf("%s: configuration OK (%zu clan%s", d.path,
		    d.conf->nclans, d.conf->nclans == 1 ? "" : "s");
		if (d.keys.n > 1)
			printf(", %zu API keys", d.keys.n);
		printf(")\n");
		rc = 0;
	} else {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			fatalx("cannot initialise libcurl");
		d.loop = EV_DEFAULT;
		rc = run(&d);
		sched_free(d.sched);
		history_close(d.hist);
		fetcher_free(d.fetcher);
		outdir_close(d.od);
		curl_global_cleanup();
		ev_loop_destroy(d.loop);
	}
	token_keys_free(&d.keys);
	conf_free(d.conf);
	return rc;
}
