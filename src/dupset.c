/* dupset.c - a set of byte strings that says which came first (pure). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dupset.h"

/* The set is at most half full, so that a probe ends soon. */
int
dupset_init(struct dupset *ds, size_t n)
{
	size_t slots;

	for (slots = 2; slots / 2 < n; slots *= 2)
		continue;
	ds->mask = slots - 1;
	if ((ds->slot = calloc(slots, sizeof(*ds->slot))) == NULL)
		return -1;
	return 0;
}

void
dupset_free(struct dupset *ds)
{
	free(ds->slot);
	ds->slot = NULL;
}

size_t
dupset_add(struct dupset *ds, const char *str, size_t len, size_t idx)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)str[i];
		h *= 16777619u;
	}
	for (i = h & ds->mask; ds->slot[i].str != NULL;
	    i = (i + 1) & ds->mask)
		if (ds->slot[i].len == len &&
		    memcmp(ds->slot[i].str, str, len) == 0)
			return ds->slot[i].idx;
	ds->slot[i].str = str;
	ds->slot[i].len = len;
	ds->slot[i].idx = idx;
	return idx;
}
