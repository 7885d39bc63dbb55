#!/bin/bash
# t_unit.sh - the systemd unit: generated from its template, accepted by
# `systemd-analyze verify`, and hardened to an exposure of 2.0 or lower.
set -u
top_srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/tap.sh"
clanpopd=${CLANPOPD:-$top_srcdir/clanpopd}
export SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat SYSTEMD_LOG_COLOR=0

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not installed"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clanpopd-unit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

diag() {	# diag FILE: each line as a TAP comment
	sed 's/^/# /' "$1"
}

# Generate the unit as Makefile.am does, with ExecStart pointing at the
# binary just built: verify insists that the command exists and is
# executable, and the unit's name comes from the file's name.
sbindir=$(cd "$(dirname "$clanpopd")" 2>/dev/null && pwd) ||
    sbindir=$(dirname "$clanpopd")
unit=$tmp/clanpopd.service
sed -e "s|@sbindir[@]|$sbindir|g" -e 's|@sysconfdir[@]|/etc|g' \
    "$top_srcdir/systemd/clanpopd.service.in" >"$unit"
ok $? "the unit is generated from systemd/clanpopd.service.in"
[ -x "$sbindir/clanpopd" ]
ok $? "ExecStart's binary $sbindir/clanpopd is built"

is "$(grep -n '@[A-Za-z_]*@' "$unit")" "" "no @placeholder@ is left"
for line in \
    "Type=notify" \
    "NotifyAccess=main" \
    "ExecStart=$sbindir/clanpopd -c /etc/clanpopd/clanpopd.yaml" \
    "ExecReload=/bin/kill -HUP \$MAINPID" \
    "WatchdogSec=60s" \
    "Restart=on-failure" \
    "DynamicUser=yes" \
    "StateDirectory=clanpopd" \
    "LoadCredential=token:/etc/clanpopd/token" \
    "UMask=0022" \
    "MemoryMax=256M" \
    "TasksMax=32" \
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"; do
	grep -qxF -- "$line" "$unit"
	ok $? "the unit has the line $line"
done
# One cap each: a second line would silently override the first.
is "$(grep -cE '^(MemoryMax|TasksMax)=' "$unit")" 2 \
    "MemoryMax= and TasksMax= are each set once"
# The daemon must reach the API: no network sandbox may cut it off.
is "$(grep -E '^(IPAddressDeny|IPAddressAllow|PrivateNetwork)=' "$unit")" "" \
    "the unit neither denies IP addresses nor isolates the network"

# The man pages are not installed at build time, so verify must not look
# for them (--man=no); everything else it checks as on a real system.
systemd-analyze verify --man=no "$unit" >"$tmp/verify" 2>&1
rc=$?
ok $rc "systemd-analyze verify exits 0"
[ $rc -eq 0 ] || diag "$tmp/verify"
grep -F clanpopd "$tmp/verify" >"$tmp/verify-unit"
is "$(cat "$tmp/verify-unit")" "" "systemd-analyze verify says nothing about the unit"
# Lines about other units come from the host's own configuration.
grep -vF clanpopd "$tmp/verify" | diag /dev/stdin

systemd-analyze security --offline=true "$unit" >"$tmp/security" 2>&1
ok $? "systemd-analyze security --offline=true exits 0"
score=$(sed -n \
    's/.*Overall exposure level for clanpopd\.service: \([0-9][0-9.]*\).*/\1/p' \
    "$tmp/security")
echo "# exposure level: ${score:-(none)}"
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	ok 0 "the exposure level $score is 2.0 or lower"
else
	ok 1 "the exposure level ${score:-(none)} is 2.0 or lower"
	diag "$tmp/security"
fi

tap_done
