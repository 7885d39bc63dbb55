/* t_tag.c - unit tests of tag normalisation and URL encoding. */
#include "config.h"

#include <string.h>

#include "tag.h"
#include "tap.h"

static const struct {
	const char	*in;
	const char	*what;
	const char	*out;	/* NULL when an error is expected */
	const char	*err;
} norm[] = {
	{ "#9V2Y", "clan", "#9V2Y", NULL },
	{ "9V2Y", "clan", "#9V2Y", NULL },
	{ "  #9v2y\t\n", "clan", "#9V2Y", NULL },
	{ "#9v2o", "clan", "#9V20", NULL },
	{ "oooo", "player", "#0000", NULL },
	{ "#8qrul", "clan", "#8QRUL", NULL },
	{ "#2PY", "clan", "#2PY", NULL },
	{ "#0289PYLQGRJCUV", "clan", "#0289PYLQGRJCUV", NULL },
	{ "#YV9GU2VG", "player", "#YV9GU2VG", NULL },
	{ "#9V2Q!", "clan", NULL,
	    "\"#9V2Q!\" is not a clan tag (allowed characters: "
	    "0289PYLQGRJCUV)" },
	{ " #9V2Q! ", "clan", NULL,
	    "\" #9V2Q! \" is not a clan tag (allowed characters: "
	    "0289PYLQGRJCUV)" },
	{ "#9V2A", "player", NULL,
	    "\"#9V2A\" is not a player tag (allowed characters: "
	    "0289PYLQGRJCUV)" },
	{ "##9V2Y", "clan", NULL,
	    "\"##9V2Y\" is not a clan tag (allowed characters: "
	    "0289PYLQGRJCUV)" },
	{ "9V 2Y", "clan", NULL,
	    "\"9V 2Y\" is not a clan tag (allowed characters: "
	    "0289PYLQGRJCUV)" },
	{ "9V2\"Y\\", "clan", NULL,
	    "\"9V2\\\"Y\\\\\" is not a clan tag (allowed characters: "
	    "0289PYLQGRJCUV)" },
	{ "9V\x01\xc3\xa9", "clan", NULL,
	    "\"9V\\x01\\xC3\\xA9\" is not a clan tag (allowed characters: "
	    "0289PYLQGRJCUV)" },
	{ "#9V", "clan", NULL,
	    "\"#9V\" is too short for a clan tag (it needs 3..14 characters "
	    "after the '#')" },
	{ "#0289PYLQGRJCUV2", "clan", NULL,
	    "\"#0289PYLQGRJCUV2\" is too long for a clan tag (it needs 3..14 "
	    "characters after the '#')" },
	{ "2222222222222222222222222222222222222222222", "clan", NULL,
	    "\"2222222222222222222222222222222222222222...\" is too long for "
	    "a clan tag (it needs 3..14 characters after the '#')" },
	{ "", "clan", NULL,
	    "empty clan tag (write 3..14 characters of 0289PYLQGRJCUV, such "
	    "as #9V2Y)" },
	{ " \t ", "clan", NULL,
	    "empty clan tag (write 3..14 characters of 0289PYLQGRJCUV, such "
	    "as #9V2Y)" },
	{ "#", "player", NULL,
	    "empty player tag (write 3..14 characters of 0289PYLQGRJCUV, "
	    "such as #9V2Y)" },
	{ NULL, "clan", NULL,
	    "empty clan tag (write 3..14 characters of 0289PYLQGRJCUV, such "
	    "as #9V2Y)" },
	{ "x", NULL, NULL,
	    "\"x\" is not a tag (allowed characters: 0289PYLQGRJCUV)" },
};

static const struct {
	const char	*in;
	size_t		 outlen;
	const char	*out;	/* NULL when -1 is expected */
} url[] = {
	{ "#9V2Y", TAG_URL_MAX, "%239V2Y" },
	{ "#0289PYLQGRJCUV", TAG_URL_MAX, "%230289PYLQGRJCUV" },
	{ "#9V2Y", 8, "%239V2Y" },
	{ "#9V2Y", 7, NULL },
	{ "9V2Y", TAG_URL_MAX, NULL },
	{ "#9v2y", TAG_URL_MAX, NULL },
	{ "#9V", TAG_URL_MAX, NULL },
	{ "#0289PYLQGRJCUV2", 64, NULL },
	{ "#", TAG_URL_MAX, NULL },
	{ NULL, TAG_URL_MAX, NULL },
};

int
main(void)
{
	char out[TAG_MAX], err[256], buf[64];
	size_t i;
	int rv;

	for (i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		strcpy(out, "unset");
		strcpy(err, "unset");
		rv = tag_normalize(norm[i].in, norm[i].what, out, err,
		    sizeof(err));
		if (norm[i].out != NULL) {
			tap_int(rv, 0, "normalize #%zu succeeds", i);
			tap_str(out, norm[i].out, "normalize #%zu gives %s", i,
			    norm[i].out);
		} else {
			tap_int(rv, -1, "normalize #%zu fails", i);
			tap_str(err, norm[i].err, "normalize #%zu message", i);
			tap_str(out, "unset", "normalize #%zu leaves out", i);
		}
	}

	/* A short err buffer is cut, never overrun. */
	rv = tag_normalize("#9V2Q!", "clan", out, err, 10);
	tap_int(rv, -1, "short err buffer: fails");
	tap_str(err, "\"#9V2Q!\" ", "short err buffer: message cut");

	for (i = 0; i < sizeof(url) / sizeof(url[0]); i++) {
		strcpy(buf, "unset");
		rv = tag_url_encode(url[i].in, buf, url[i].outlen);
		if (url[i].out != NULL) {
			tap_int(rv, 0, "url_encode %s into %zu bytes",
			    url[i].out, url[i].outlen);
			tap_str(buf, url[i].out, "url_encode #%zu", i);
		} else
			tap_int(rv, -1, "url_encode #%zu refused", i);
	}

	/* The two compose: a normalised tag always encodes. */
	rv = tag_normalize(" 2pylq ", "clan", out, err, sizeof(err));
	tap_int(rv, 0, "normalize then encode: normalize");
	rv = tag_url_encode(out, buf, TAG_URL_MAX);
	tap_int(rv, 0, "normalize then encode: encode");
	tap_str(buf, "%232PYLQ", "normalize then encode: result");

	return tap_done();
}
