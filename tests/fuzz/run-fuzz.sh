#!/bin/bash
# run-fuzz.sh - build the libFuzzer harnesses with clang and run each one.
#
# Usage: tests/fuzz/run-fuzz.sh [BUILD-DIR]	(default tests/fuzz/build)
#
# Environment:
#   FUZZ_SECONDS    seconds per harness (default 60)
#   FUZZ_HARNESSES  which ones (default "conf api tag throttle")
#   TOP_BUILDDIR    where config.h is (default the source directory)
#
# Each harness runs on a copy of its seed corpus (tests/fuzz/corpus/NAME),
# so the committed corpus never grows.  Prints one line per harness,
# "fuzz_NAME: N runs in S s, K crashes", and for every crasher its path,
# the input minimised by libFuzzer (up to 60 s) in base64, and the command
# that keeps it in tests/fuzz/regress/NAME, which make check replays: CI
# keeps no files, so the log is where the input survives.  Exits non-zero
# when anything crashed or failed to build.  Installs clang and
# libFuzzer's runtime (Debian) when they are missing.
set -uo pipefail

fuzzdir=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$fuzzdir/../.." && pwd)
top_builddir=${TOP_BUILDDIR:-$top_srcdir}
build=${1:-$fuzzdir/build}
seconds=${FUZZ_SECONDS:-60}
harnesses=${FUZZ_HARNESSES:-conf api tag throttle}

# --- The compiler ---------------------------------------------------------
# Debian splits libFuzzer's runtime from clang: libclang-rt-N-dev for clang N.
need_packages() {
	local p missing=()

	command -v dpkg-query >/dev/null 2>&1 || return 0
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "run-fuzz: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "run-fuzz: run as root, or install these Debian packages" \
		    "first: ${missing[*]}" >&2
		return 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}" >/dev/null
}

command -v clang >/dev/null 2>&1 || need_packages clang || exit 1
major=$(clang -dumpversion | cut -d. -f1)
need_packages "libclang-rt-$major-dev" || exit 1

if [ ! -f "$top_builddir/config.h" ]; then
	echo "run-fuzz: no config.h in $top_builddir; run ./configure" \
	    "first (or set TOP_BUILDDIR)" >&2
	exit 1
fi

mkdir -p "$build" || exit 1
build=$(cd "$build" && pwd)

# libFuzzer treats only aborts as crashes, so UBSan must not recover.
cflags_all=(-std=c11 -g -O1 -fno-omit-frame-pointer
	"-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=all
	-Wall -Wextra -Wshadow -Wformat=2 -Wwrite-strings -Wno-unused-parameter
	-I"$top_builddir" -I"$top_srcdir/src" -I"$fuzzdir"
	-DSYSCONFDIR='"/etc"')

# The module sources, libraries and -max_len of each harness.
sources() {
	case "$1" in
	conf)     echo src/conf.c src/confkeys.c src/confval.c src/yamltree.c \
	              src/diag.c src/dupset.c src/tag.c ;;
	api)      echo src/api.c src/apiplayer.c src/jsonitems.c src/jsonscan.c \
	              src/tag.c ;;
	tag)      echo src/tag.c ;;
	throttle) echo src/throttle.c ;;
	esac
}
libs() {
	case "$1" in
	conf)     pkg-config --libs yaml-0.1 ;;
	api)      pkg-config --libs json-c ;;
	*)        echo "" ;;
	esac
}
cflags() {
	case "$1" in
	conf)     pkg-config --cflags yaml-0.1 ;;
	api)      pkg-config --cflags json-c ;;
	*)        echo "" ;;
	esac
}
max_len() {
	case "$1" in
	conf)     echo 65536 ;;
	api)      echo 262144 ;;
	tag)      echo 256 ;;
	throttle) echo 4096 ;;
	esac
}

# keep HARNESS NAME CRASHER: minimise the crasher and print it, base64,
# as a command that adds it to the regression inputs.
keep() {
	local h=$1 name=$2 c=$3 min id

	min=$work/minimised-$(basename "$c")
	"$build/$name" -minimize_crash=1 -max_total_time=60 \
	    -max_len="$(max_len "$h")" -rss_limit_mb=2048 -timeout=25 \
	    -exact_artifact_path="$min" "$c" >"$work/minimise.log" 2>&1
	# A timeout or out-of-memory input may not minimise: keep it whole.
	[ -s "$min" ] || cp "$c" "$min"
	id=$(sha1sum "$min" | cut -c1-12)
	echo "  $(basename "$c") minimised to $(wc -c <"$min") bytes; to" \
	    "replay it in every make check, run in the source tree:"
	echo "base64 -d >tests/fuzz/regress/$h/crash-$id <<'EOF'"
	base64 "$min"
	echo "EOF"
}

status=0
for h in $harnesses; do
	name=fuzz_$h
	srcs=()
	for s in $(sources "$h"); do
		srcs+=("$top_srcdir/$s")
	done
	if [ ${#srcs[@]} -eq 0 ]; then
		echo "run-fuzz: no harness called $h" >&2
		status=1
		continue
	fi
	# pkg-config's output is meant to be split into words.
	# shellcheck disable=SC2046
	if ! clang "${cflags_all[@]}" $(cflags "$h") \
	    -o "$build/$name" "$fuzzdir/$name.c" "${srcs[@]}" \
	    $(libs "$h") -lm; then
		echo "$name: does not build"
		status=1
		continue
	fi

	work=$build/run/$h
	rm -rf "$work"
	mkdir -p "$work/artifacts" || exit 1
	cp -R "$fuzzdir/corpus/$h" "$work/corpus" || exit 1
	dict=()
	[ -f "$fuzzdir/$h.dict" ] && dict=(-dict="$fuzzdir/$h.dict")

	start=$(date +%s)
	"$build/$name" "$work/corpus" "${dict[@]}" \
	    -max_total_time="$seconds" -max_len="$(max_len "$h")" \
	    -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 \
	    -artifact_prefix="$work/artifacts/" >"$work/fuzz.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))

	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "$work/fuzz.log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' \
	    "$work/fuzz.log" | tail -n 1)
	crashers=$(find "$work/artifacts" -type f \( -name 'crash-*' -o \
	    -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
	ncrash=$(printf '%s' "$crashers" | grep -c . || true)
	if [ "$rc" -ne 0 ] && [ "$ncrash" -eq 0 ]; then
		ncrash=1
		crashers="(libFuzzer exited $rc without an artifact; see $work/fuzz.log)"
	fi
	echo "$name: ${runs:-0} runs in $secs s, $ncrash crashes"
	if [ "$ncrash" -gt 0 ]; then
		status=1
		printf '%s\n' "$crashers" | sed 's/^/  crasher: /'
		echo "  log: $work/fuzz.log"
		grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed)' \
		    "$work/fuzz.log" | sed 's/^/  /'
		for c in $crashers; do
			[ -f "$c" ] && keep "$h" "$name" "$c"
		done
	fi
done
exit $status
