#!/bin/bash
# demo.sh - the quick start's demo: the stand-in API on loopback, the demo
# config from etc/, one `clanpopd --once`, a summary of the snapshots
# (tests/demosummary.py: the top favourite and deck cards), and a
# screenshot of the dashboard (www/) through nginx in headless Chromium
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
python3 "$top_srcdir/tests/demosummary.py" "$demo/out/clans"

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
