#!/bin/bash
# t_fuzz_regress.sh - replay the fuzzers' crashers and seed corpus (TAP).
#
# Builds each harness without libFuzzer, linked with standalone.c, using
# gcc (or $CC) and the project's libraries, with ASan and UBSan when the
# compiler can link them; then runs it over every file in
# tests/fuzz/regress/NAME and tests/fuzz/corpus/NAME, one test point each.
# Only a crash (or a run over 60 s) fails a point: an input asserts nothing
# about the module's answer.
#
# A regress file named *.gen is a recipe for an input too big to keep in
# the repository (a 3.9 MB clan body): JSON, {"why": "...", "parts": [...]},
# each part a string or a [string, count] pair repeated count times; the
# input is the parts joined, in UTF-8, without the ".gen".
# Environment: TOP_SRCDIR (the source tree), TOP_BUILDDIR (config.h).
set -u
top_srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/tap.sh"
top_builddir=${TOP_BUILDDIR:-$top_srcdir}
fuzzdir=$top_srcdir/tests/fuzz
cc=${CC:-gcc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clanpopd-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# Sanitizers catch what a plain build would run past silently.
san="-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer"
echo 'int main(void) { return 0; }' >"$tmp/probe.c"
# shellcheck disable=SC2086
$cc $san -o "$tmp/probe" "$tmp/probe.c" >/dev/null 2>&1 &&
    "$tmp/probe" || san=""
[ -n "$san" ] || echo "# building without sanitizers: $cc cannot link them"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# gen RECIPE OUT: write the input a *.gen recipe describes.
gen() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    parts = json.load(f)["parts"]
with open(sys.argv[2], "wb") as out:
    for p in parts:
        out.write((p if isinstance(p, str) else p[0] * p[1]).encode())
EOF
}

# shellcheck disable=SC2206
cflags_all=(-std=c11 -g -O1 -Wall -Wextra -Wshadow -Wformat=2
	-Wwrite-strings -Wmissing-prototypes -Wstrict-prototypes
	-Wno-unused-parameter $san
	-I"$top_builddir" -I"$top_srcdir/src" -I"$fuzzdir"
	-DSYSCONFDIR='"/etc"')

for h in conf api tag throttle; do
	case "$h" in
	conf)
		srcs="src/conf.c src/confkeys.c src/confval.c src/yamltree.c
		    src/diag.c src/dupset.c src/tag.c"
		pkg=yaml-0.1 ;;
	api)
		srcs="src/api.c src/apiplayer.c src/jsonitems.c src/jsonscan.c
		    src/tag.c"
		pkg=json-c ;;
	tag)
		srcs="src/tag.c"
		pkg="" ;;
	throttle)
		srcs="src/throttle.c"
		pkg="" ;;
	esac
	files=()
	for s in $srcs; do
		files+=("$top_srcdir/$s")
	done
	pcflags=""
	plibs=""
	if [ -n "$pkg" ]; then
		pcflags=$(pkg-config --cflags "$pkg")
		plibs=$(pkg-config --libs "$pkg")
	fi
	bin=$tmp/fuzz_$h
	# $cc may carry options and pkg-config's output is meant to be split.
	# shellcheck disable=SC2086
	$cc "${cflags_all[@]}" $pcflags -o "$bin" "$fuzzdir/fuzz_$h.c" \
	    "$fuzzdir/standalone.c" "${files[@]}" $plibs -lm \
	    >"$tmp/build.log" 2>&1
	built=$?
	ok $built "fuzz_$h builds with $cc"
	[ $built -eq 0 ] || sed 's/^/# /' "$tmp/build.log"

	for f in "$fuzzdir/regress/$h"/* "$fuzzdir/corpus/$h"/*; do
		[ -f "$f" ] || continue
		rel=${f#"$fuzzdir"/}
		if [ $built -ne 0 ]; then
			ok 1 "fuzz_$h $rel (not built)"
			continue
		fi
		case "$f" in
		*.gen)
			mkdir -p "$tmp/gen"
			in=$tmp/gen/$(basename "$f" .gen)
			gen "$f" "$in"
			ok $? "$rel: the recipe makes $(wc -c <"$in") bytes"
			rel="$rel ($(basename "$in"))"
			f=$in ;;
		esac
		# The subshell keeps bash's "Aborted" notice out of the log.
		(timeout 60 "$bin" "$f" >"$tmp/run.log" 2>&1) 2>/dev/null
		rc=$?
		ok $rc "fuzz_$h $rel"
		[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/run.log" | head -n 40
	done
done
tap_done
