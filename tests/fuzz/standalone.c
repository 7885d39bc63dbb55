/*
 * standalone.c - a main for the fuzz harnesses without libFuzzer: runs
 * LLVMFuzzerTestOneInput once over each file named on the command line.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Read all of path; returns a malloc'ed buffer (never NULL on success). */
static uint8_t *
slurp(const char *path, size_t *lenp)
{
	FILE *fp;
	uint8_t *buf = NULL, *p;
	size_t n = 0, cap = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			if ((p = realloc(buf, cap)) == NULL)
				goto fail;
			buf = p;
		}
		n += fread(buf + n, 1, cap - n, fp);
		if (n < cap)
			break;
	}
	if (ferror(fp))
		goto fail;
	fclose(fp);
	*lenp = n;
	return buf;
fail:
	free(buf);
	fclose(fp);
	return NULL;
}

int
main(int argc, char *argv[])
{
	uint8_t *buf, *copy;
	size_t len;
	int i, status = 0;

	for (i = 1; i < argc; i++) {
		if ((buf = slurp(argv[i], &len)) == NULL) {
			perror(argv[i]);
			status = 2;
			continue;
		}
		/* An exact-size copy, so ASan sees any read past the end. */
		if ((copy = malloc(len > 0 ? len : 1)) == NULL) {
			perror(argv[i]);
			return 2;
		}
		memcpy(copy, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(copy, len);
		free(copy);
	}
	return status;
}
