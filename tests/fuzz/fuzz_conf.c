/*
 * fuzz_conf.c - libFuzzer harness for conf_load and confval_parse_duration:
 * the input is the YAML file (written to one memfd, loaded through its
 * /proc/self/fd path) and, as a string, a duration.
 */
#include "config.h"

#include <sys/mman.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "confval.h"
#include "tag.h"
#include "fuzz.h"

static int	 conf_fd = -1;
static char	 conf_path[64];

/* Create the file the inputs are written to, once per process. */
static int
conf_file(void)
{
	if (conf_fd != -1)
		return 0;
	if ((conf_fd = memfd_create("fuzz_conf.yaml", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		return -1;
	}
	snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
	return 0;
}

static int
put_file(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;

	if (ftruncate(conf_fd, 0) == -1)
		return -1;
	while (off < size) {
		if ((n = pwrite(conf_fd, data + off, size - off,
		    (off_t)off)) <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Every message is one printable line that starts with "PATH:". */
static void
check_errs(const struct conf_errs *errs)
{
	size_t i, j, plen = strlen(conf_path);
	const char *m;

	for (i = 0; i < errs->n; i++) {
		m = errs->msg[i];
		FUZZ_CHECK(m != NULL);
		FUZZ_CHECK(strncmp(m, conf_path, plen) == 0 && m[plen] == ':');
		for (j = 0; m[j] != '\0'; j++)
			FUZZ_CHECK((unsigned char)m[j] >= 0x20 &&
			    m[j] != 0x7f);
	}
}

/* A loaded configuration holds what conf.h promises. */
static void
check_conf(const struct conf *cf)
{
	char again[TAG_MAX], err[256];
	size_t i, j, n;

	FUZZ_CHECK(cf->path != NULL && strcmp(cf->path, conf_path) == 0);
	FUZZ_CHECK(cf->base_url != NULL);
	FUZZ_CHECK(strncmp(cf->base_url, "http://", 7) == 0 ||
	    strncmp(cf->base_url, "https://", 8) == 0);
	n = strlen(cf->base_url);
	FUZZ_CHECK(cf->base_url[n - 1] != '/');
	FUZZ_CHECK(cf->token_file != NULL && cf->token_file[0] != '\0');
	FUZZ_CHECK(cf->user_agent != NULL && cf->user_agent[0] != '\0');
	FUZZ_CHECK(cf->out_dir != NULL && cf->out_dir[0] != '\0');
	FUZZ_CHECK(cf->timeout >= 1 && cf->timeout <= 3600);
	FUZZ_CHECK(cf->connect_timeout > 0 &&
	    cf->connect_timeout <= cf->timeout);
	FUZZ_CHECK(cf->max_concurrent >= 1 && cf->max_concurrent <= 1024);
	FUZZ_CHECK(cf->requests_per_second >= 0 &&
	    cf->requests_per_second <= 10000);
	FUZZ_CHECK(cf->burst >= 1 && cf->burst <= 10000);
	FUZZ_CHECK(cf->max_retries >= 0 && cf->max_retries <= 20);
	FUZZ_CHECK(cf->interval >= 10 && cf->interval <= 7 * 86400.0);
	FUZZ_CHECK(cf->stop_grace >= 0 && cf->stop_grace <= 3600);
	FUZZ_CHECK(cf->history >= 0);
	FUZZ_CHECK(isfinite(cf->jitter) && cf->jitter >= 0);
	FUZZ_CHECK(cf->nclans >= 1 && cf->clans != NULL);
	for (i = 0; i < cf->nclans; i++) {
		FUZZ_CHECK(tag_normalize(cf->clans[i].tag, "clan", again, err,
		    sizeof(err)) == 0);
		FUZZ_CHECK(strcmp(again, cf->clans[i].tag) == 0);
		FUZZ_CHECK(cf->clans[i].interval >= 10 &&
		    cf->clans[i].interval <= 7 * 86400.0);
		FUZZ_CHECK(cf->clans[i].name == NULL ||
		    cf->clans[i].name[0] != '\0');
		/*
		 * A jitter in seconds stays under half of every interval; a
		 * percentage is at most 50%.
		 */
		if (cf->jitter_pct)
			FUZZ_CHECK(cf->jitter <= 0.5);
		else
			FUZZ_CHECK(conf_jitter(cf, cf->clans[i].interval) <
			    cf->clans[i].interval / 2);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(cf->clans[i].tag,
			    cf->clans[j].tag) != 0);
	}
}

static void
check_duration(const uint8_t *data, size_t size)
{
	char *s;
	double secs = -1;

	if ((s = malloc(size + 1)) == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (confval_parse_duration(s, &secs) == 0)
		FUZZ_CHECK(isfinite(secs) && secs >= 0);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct conf_env env = {
		"/run/credentials/clanpopd.service",
		"/var/lib/clanpopd:/var/lib/other",
		"/home/fuzz"
	};
	struct conf_errs errs;
	struct conf *cf;

	check_duration(data, size);
	if (conf_file() == -1 || put_file(data, size) == -1)
		return 0;
	memset(&errs, 0, sizeof(errs));
	cf = conf_load(conf_path, (size > 0 && data[0] & 1) ? &env : NULL,
	    &errs);
	check_errs(&errs);
	if (cf != NULL) {
		FUZZ_CHECK(errs.n == 0);
		check_conf(cf);
		conf_free(cf);
	} else
		FUZZ_CHECK(errs.n > 0);
	conf_errs_free(&errs);
	return 0;
}
