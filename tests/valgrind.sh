#!/bin/sh
# valgrind.sh - clanpopd under valgrind (memcheck): a daemon run with
# faults, reloads (one of them failing) and a SIGTERM during a refresh,
# then a --once run over hostile JSON.  Asserts no memory error and no
# definite or indirect leak, as TAP.  Builds nothing: CLANPOPD names the
# binary (default: ./clanpopd in TOP_SRCDIR).  Skips without valgrind.
# CLANPOPD_TIME_SCALE (default 1) multiplies every wait bound.
#
#   TOP_SRCDIR=. CLANPOPD=./clanpopd sh tests/valgrind.sh

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TOP_SRCDIR/tests/tap.sh"
CLANPOPD=${CLANPOPD:-$TOP_SRCDIR/clanpopd}

if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind is not installed"
	exit 0
fi
if grep -q __asan_init "$CLANPOPD"; then
	echo "1..0 # SKIP $CLANPOPD is built with AddressSanitizer"
	exit 0
fi

diag() {
	sed 's/^/# /'
}

wd=$(mktemp -d "${TMPDIR:-/tmp}/clanpopd-valgrind-XXXXXX")
api_pid=
vg_pid=
cleanup() {
	[ -n "$vg_pid" ] && kill -KILL "$vg_pid" 2>/dev/null
	[ -n "$api_pid" ] && kill -TERM "$api_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$wd"
}
trap cleanup EXIT

# scaled SECONDS: tenths of a second to wait, with CLANPOPD_TIME_SCALE.
scaled() {
	awk -v s="$1" -v k="${CLANPOPD_TIME_SCALE:-1}" \
	    'BEGIN { printf "%d\n", s * k * 10 }'
}

# wait_log FILE REGEX SECONDS [COUNT]: until COUNT lines of FILE match.
wait_log() {
	i=0
	limit=$(scaled "$3")
	while [ "$i" -lt "$limit" ]; do
		[ "$(grep -Ec "$2" "$1" 2>/dev/null)" -ge "${4:-1}" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# check_vg LOG WHAT: the memcheck verdicts of one run.
check_vg() {
	grep -q "ERROR SUMMARY: 0 errors from 0 contexts" "$1"
	ok $? "$2: ERROR SUMMARY: 0 errors"
	if grep -q "All heap blocks were freed" "$1"; then
		ok 0 "$2: definitely lost: 0 bytes (all heap blocks freed)"
		ok 0 "$2: indirectly lost: 0 bytes (all heap blocks freed)"
	else
		grep -q "definitely lost: 0 bytes in 0 blocks" "$1"
		ok $? "$2: definitely lost: 0 bytes"
		grep -q "indirectly lost: 0 bytes in 0 blocks" "$1"
		ok $? "$2: indirectly lost: 0 bytes"
	fi
	grep -E "(definitely|indirectly|possibly) lost:|still reachable:|ERROR SUMMARY" "$1" | diag
}

VALGRIND="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
    --error-exitcode=99 --track-fds=no --num-callers=30"

# --- The stand-in API, faults of every kind --------------------------------
printf 'tok-valgrind-%s\n' "$$" >"$wd/token"
chmod 600 "$wd/token"
cp "$wd/token" "$wd/standin.token"
python3 - "$wd/scenario.json" <<'EOF'
import base64, json, sys
deep = "[" * 10000 + "]" * 10000
scenario = {
    "clans": {
        "9V2Y": {"name": "Alpha \"A\" \\ \u2728", "members": 16,
                 "faults": {"0": "404", "1": "500_json", "2": "fail_once",
                            "3": "no_favourite", "4": "truncated",
                            "5": "invalid_json", "6": "endless",
                            "7": "huge_chunked", "8": "bad_favourite",
                            "9": "hang", "10": "503_html", "11": "400"}},
        "2PYLQ": {"fault": "503_json"},
        "PQL9": {"members_list": ["#2Y0", "#2y0", "nottag", None, "#2YP",
                                  "#2YQ", "#2YR"]},
        "8QRUL": {"name": "Added", "members": 5},
        "9QQQ": {"members_list": [], "body_b64": base64.b64encode(
            ('{"memberList":%s}' % deep).encode()).decode()}},
    "players": {
        "#2Y0": {"card": {"id": 26000017, "name": "Wiz\"ard\\ \u05e2\x01"}},
        "#2YP": {"body": {"currentFavouriteCard": {"id": "x", "name": 5}}},
        "#2YQ": {"body": {"currentFavouriteCard": {"id": 27999990,
                                                   "name": None}}},
        "#2YR": {"body_b64": base64.b64encode(
            ('{"currentFavouriteCard":%s}' % deep).encode()).decode()}}}
with open(sys.argv[1], "w") as f:
    json.dump(scenario, f)
EOF
python3 "$TOP_SRCDIR/tests/standin.py" --scenario "$wd/scenario.json" \
    --token-file "$wd/standin.token" --port 0 --port-file "$wd/port" &
api_pid=$!
i=0
while [ ! -s "$wd/port" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$wd/port" ]; then
	echo "Bail out! the stand-in API did not start"
	exit 1
fi
port=$(cat "$wd/port")
base="http://127.0.0.1:$port"

# wait_requests TAG COUNT SECONDS: until the stand-in has answered COUNT
# requests for TAG (GET /_/stats, requests_per_tag).
wait_requests() {
	python3 - "$base" "$1" "$2" "$(scaled "$3")" <<'EOF'
import json, sys, time, urllib.request
base, tag, count, tenths = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4])
deadline = time.monotonic() + tenths / 10
while time.monotonic() < deadline:
    with urllib.request.urlopen(base + "/_/stats", timeout=10) as r:
        if json.load(r)["requests_per_tag"].get(tag, 0) >= count:
            sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
EOF
}

config() {	# config INTERVAL CLAN...
	interval=$1
	shift
	{
		printf 'api:\n  base_url: "%s/v1"\n  token_file: "%s"\n' \
		    "$base" "$wd/token"
		printf '  timeout: 3s\n  connect_timeout: 2s\n'
		printf 'limits:\n  max_concurrent: 4\n  max_retries: 1\n'
		printf 'schedule:\n  interval: %s\n  jitter: 0%%\n' "$interval"
		printf '  stop_grace: 1s\n'
		printf 'output:\n  directory: "%s/out"\n  history: 2\n' "$wd"
		printf 'clans:\n'
		for c in "$@"; do
			printf '  - "%s"\n' "$c"
		done
	} >"$wd/c.yaml"
}

# --- 1. The daemon: refreshes, three reloads, SIGTERM mid-refresh ---------
config 10s "#9V2Y" "#2PYLQ" "#PQL9" "#9QQQ"
$VALGRIND --log-file="$wd/vg-daemon.log" "$CLANPOPD" -c "$wd/c.yaml" \
    2>"$wd/daemon.log" &
vg_pid=$!
wait_log "$wd/daemon.log" "started: 4 clans" 60
ok $? "daemon: started under valgrind"
wait_log "$wd/daemon.log" "#9V2Y: 16 members" 60
ok $? "daemon: the faulty clan refreshed"

config 10s "#9V2Y" "#2PYLQ" "#PQL9" "#8QRUL"
kill -HUP "$vg_pid"
wait_log "$wd/daemon.log" "reloaded " 30
ok $? "daemon: reload adding and removing a clan"
config 1s "#9V2Y"
kill -HUP "$vg_pid"
wait_log "$wd/daemon.log" "reload failed" 30
ok $? "daemon: a failing reload (interval 1s)"
config 10s "#9V2Y" "#2PYLQ" "#PQL9" "#8QRUL"
kill -HUP "$vg_pid"
wait_log "$wd/daemon.log" "reloaded " 30 2
ok $? "daemon: reload back"
wait_log "$wd/daemon.log" "#8QRUL: 5 members" 60
ok $? "daemon: the added clan refreshed"
# #9V2Y's refresh waits 2 x 3 s on its hung player: stop during the
# third, once the stand-in has answered its clan request.
wait_log "$wd/daemon.log" "#9V2Y: 16 members" 60 2
wait_requests "#9V2Y" 3 30
ok $? "daemon: the third refresh of #9V2Y is under way"
kill -TERM "$vg_pid"
wait "$vg_pid"
rc=$?
vg_pid=
[ "$rc" -eq 0 ]
ok $? "daemon: SIGTERM: exit 0 (got $rc; 99 = valgrind found errors)"
abandoned=' #9V2Y: refresh abandoned at stop; its previous snapshot is kept$'
is "$(grep -Ec "$abandoned" "$wd/daemon.log")" 1 \
    "daemon: SIGTERM came during #9V2Y's refresh, which was abandoned"
check_vg "$wd/vg-daemon.log" "daemon"

# --- 2. --once over hostile JSON ------------------------------------------
# (--once ends by the longest interval: 15m leaves valgrind all it needs.)
config 15m "#9V2Y" "#2PYLQ" "#PQL9" "#9QQQ" "#8QRUL"
$VALGRIND --log-file="$wd/vg-once.log" "$CLANPOPD" --once -c "$wd/c.yaml" \
    2>"$wd/once.log"
rc=$?
[ "$rc" -eq 75 ]
ok $? "--once: exit 75, two clans without a snapshot (got $rc)"
check_vg "$wd/vg-once.log" "--once"

if [ "$failed" -ne 0 ]; then
	echo "# daemon log:"
	tail -n 40 "$wd/daemon.log" | diag
	for f in "$wd"/vg-*.log; do
		echo "# $f:"
		grep -A 30 -E "definitely lost in|indirectly lost in|Invalid |uninitialised|Mismatched" "$f" | head -n 120 | diag
	done
fi
tap_done
