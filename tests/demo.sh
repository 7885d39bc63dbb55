#!/bin/bash
# demo.sh - the quick start's demo: the stand-in API on loopback, the demo
# config from etc/, one `clanpopd --once`, a summary of the snapshots, and
# a screenshot of the dashboard (www/) through nginx in headless Chromium
# when both are installed.
set -euo pipefail
top_srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${TOP_BUILDDIR:-$top_srcdir}
demo=$top_builddir/demo

rm -rf "$demo"
mkdir -p "$demo"
# A throwaway token shared by the stand-in API and clanpopd.
umask 077
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$demo/token"
cp "$demo/token" "$demo/standin.token"
umask 022

python3 "$top_srcdir/tests/standin.py" \
	--scenario "$top_srcdir/tests/demo-scenario.json" \
	--token-file "$demo/standin.token" --port 0 \
	--port-file "$demo/standin.port" &
standin=$!
trap 'kill $standin 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	[ -s "$demo/standin.port" ] && break
	sleep 0.1
done
port=$(cat "$demo/standin.port")
sed "s|127.0.0.1:8642|127.0.0.1:$port|" "$top_srcdir/etc/demo.yaml" \
	> "$demo/clanpopd.yaml"

echo "== clanpopd --once -c $demo/clanpopd.yaml (stand-in API on port $port)"
rc=0
"$top_builddir/clanpopd" --once -c "$demo/clanpopd.yaml" || rc=$?

echo
echo "== snapshots in $demo/out/clans/"
python3 - "$demo/out/clans" <<'PY'
import json, os, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    with open(os.path.join(d, name)) as f:
        s = json.load(f)
    p = s["players"]
    top = ", ".join("%s %d" % (c["name"], c["count"])
                    for c in s["favourite_cards"][:3])
    print("%-7s %-24s %2d members: %2d fetched, %d failed, %d without "
          "favourite%s" % (s["tag"], s["name"], s["members"], p["fetched"],
                           p["failed"], p["without_favourite"],
                           "" if s["complete"] else " (incomplete)"))
    print("        top cards: %s" % top)
    print("        file: %s" % os.path.join(d, name))
PY

echo
if [ -x /usr/sbin/nginx ] && [ -x /usr/bin/chromium ] &&
    [ -x /usr/bin/chromedriver ]; then
	echo "== the dashboard (www/) through nginx, in headless Chromium"
	if ! TOP_SRCDIR=$top_srcdir python3 "$top_srcdir/tests/dashserve.py" \
	    shot --data "$demo/out" --prefix "$demo/nginx" \
	    --out "$demo/dashboard.png"; then
		echo "demo: the dashboard's screenshot failed; see $demo/nginx/error.log" >&2
		rc=1
	fi
	echo "        make serve-demo serves it on http://127.0.0.1:8080/clanpopd/"
else
	echo "== no dashboard screenshot: nginx and chromium are not installed (bash .ci/setup installs them)"
fi
exit $rc
