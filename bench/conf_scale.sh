#!/bin/bash
# conf_scale.sh - how `clanpopd -t` grows with the size of the configuration:
# median wall time of -t on generated files of 10,000, 35,000 and 70,000
# clans (the largest close to the 1 MiB limit), on 70,000 clans whose last
# repeats the first, on 70,000 empty items and on one mapping of 70,000
# unknown keys; each result is checked exactly.  Prints a Markdown table.  Not run by `make check`.
#
#   CLANPOPD=./clanpopd bash bench/conf_scale.sh      (from the top directory)
#
# REPS=N sets the runs per configuration (default 5).
set -euo pipefail
top_srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
clanpopd=${CLANPOPD:-$top_srcdir/clanpopd}
. "$top_srcdir/tests/genconf.sh"
reps=${REPS:-5}

if [ ! -x "$clanpopd" ]; then
	echo "conf_scale.sh: $clanpopd is not an executable; run make first," \
	    "or set CLANPOPD to the built binary" >&2
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/clanpopd-conf-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Not an API key: -t only checks that the file holds one word.
printf 'conf-scale-placeholder\n' >"$work/token"
chmod 600 "$work/token"

# empties N FILE: N empty items, each the comment trap "- #9V2Y".
empties() {
	awk -v n="$1" 'BEGIN {
		print "api:\n  token_file: token\nclans:"
		for (i = 0; i < n; i++)
			print "  - #9V2Y"
	}' >"$2"
}

# keys N FILE: one mapping (output) of N distinct unknown keys.
keys() {
	awk -v n="$1" 'BEGIN {
		print "api:\n  token_file: token\noutput:"
		for (i = 0; i < n; i++)
			printf "  k%06d: 1\n", i
		print "clans: [9V2Y]"
	}' >"$2"
}

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# wall FILE: sets t to the median seconds of REPS runs of -t, and rc to
# the last run's exit status ($work/out and $work/err hold its output).
wall() {
	local i t0 t1
	: >"$work/times"
	for ((i = 0; i < reps; i++)); do
		t0=$(date +%s%N)
		rc=0
		"$clanpopd" -t -c "$1" >"$work/out" 2>"$work/err" || rc=$?
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"$work/times"
	done
	t=$(median <"$work/times" | awk '{ printf "%.4f\n", $1 / 1e6 }')
}

fail() {
	echo "conf_scale.sh: $*" >&2
	exit 1
}

genconf_clans 1 "$work/c1.yaml" token
wall "$work/c1.yaml"
base=$t
[ "$(cat "$work/out")" = "$work/c1.yaml: configuration OK (1 clan)" ] ||
    fail "1 clan: $(cat "$work/out" "$work/err")"

echo "clanpopd -t, median of $reps runs; net = wall - the $base s of" \
    "-t on 1 clan (process start-up)"
echo
echo "| configuration | bytes | result | wall | net | net per clan or key | net growth / size growth |"
echo "|---|---:|---|---:|---:|---:|---:|"
first=
for n in 10000 35000 70000; do
	f=$work/c$n.yaml
	genconf_clans "$n" "$f" token
	wall "$f"
	[ "$rc:$(cat "$work/out")" = "0:$f: configuration OK ($n clans)" ] ||
	    fail "$n clans: exit $rc: $(cat "$work/out" "$work/err")"
	net=$(awk -v t="$t" -v b="$base" 'BEGIN { printf "%.4f", t - b }')
	if [ -z "$first" ]; then
		first=$net
		growth=1.00
	else
		growth=$(awk -v a="$first" -v b="$net" -v n="$n" \
		    'BEGIN { printf "%.2f", (b / a) / (n / 10000) }')
	fi
	printf '| %d clans | %d | OK (%d clans) | %s s | %s s | %.2f us | %s |\n' \
	    "$n" "$(wc -c <"$f")" "$n" "$t" "$net" \
	    "$(awk -v x="$net" -v n="$n" 'BEGIN { print x * 1e6 / n }')" "$growth"
done

f=$work/dup.yaml
genconf_clans 70000 "$f" token dup
wall "$f"
want="$f:70004:5: clans[70000]: \"#20000000\" is listed twice (first at line 4); remove one"
[ "$rc:$(cat "$work/err")" = "78:$want" ] ||
    fail "70000 clans and a duplicate: exit $rc: $(head -3 "$work/err")"
printf '| 70000 clans, the last repeating the first | %d | exit 78, exactly 1 error | %s s | %s s | - | - |\n' \
    "$(wc -c <"$f")" "$t" "$(awk -v t="$t" -v b="$base" 'BEGIN { printf "%.4f", t - b }')"

f=$work/keys.yaml
keys 70000 "$f"
wall "$f"
nerr=$(wc -l <"$work/err")
[ "$rc:$nerr" = "78:70000" ] ||
    fail "70000 unknown keys: exit $rc, $nerr errors"
printf '| one mapping of 70000 unknown keys | %d | exit 78, 70000 errors | %s s | %s s | %.2f us | - |\n' \
    "$(wc -c <"$f")" "$t" "$(awk -v t="$t" -v b="$base" 'BEGIN { printf "%.4f", t - b }')" \
    "$(awk -v t="$t" -v b="$base" 'BEGIN { print (t - b) * 1e6 / 70000 }')"

f=$work/empty.yaml
empties 70000 "$f"
wall "$f"
nerr=$(wc -l <"$work/err")
last="$f:70003:5: clans[69999]: empty item: an unquoted \"- #9V2Y\" is a YAML comment, so this item is null; quote the tag (\"#9V2Y\") or drop the '#' (9V2Y)"
[ "$rc:$nerr:$(tail -1 "$work/err")" = "78:70000:$last" ] ||
    fail "70000 empty items: exit $rc, $nerr errors, the last: $(tail -1 "$work/err")"
printf '| 70000 empty items ("- #9V2Y") | %d | exit 78, 70000 errors | %s s | %s s | %.2f us | - |\n' \
    "$(wc -c <"$f")" "$t" "$(awk -v t="$t" -v b="$base" 'BEGIN { printf "%.4f", t - b }')" \
    "$(awk -v t="$t" -v b="$base" 'BEGIN { print (t - b) * 1e6 / 70000 }')"
