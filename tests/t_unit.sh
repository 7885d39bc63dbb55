#!/bin/bash
# t_unit.sh - the systemd unit: generated from its template, accepted by
# `systemd-analyze verify`, and hardened to an exposure of 2.0 or lower;
# the sysusers.d file that makes its user.  tests/t_systemd.sh runs it
# under a real systemd.
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
    "ExecReload=/bin/sh -c 'kill -HUP \$MAINPID'" \
    "WatchdogSec=60s" \
    "Restart=on-failure" \
    "RestartPreventExitStatus=64 78" \
    "User=clanpopd" \
    "Group=clanpopd" \
    "StateDirectory=clanpopd" \
    "StateDirectoryMode=0755" \
    "UMask=0022" \
    "MemoryMax=256M" \
    "TasksMax=32" \
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"; do
	grep -qxF -- "$line" "$unit"
	ok $? "the unit has the line $line"
done
# A dynamic user's state directory is 0700 under /var/lib/private, and a
# missing credential fails before clanpopd can say what is wrong.
is "$(grep -E '^(DynamicUser|LoadCredential|SetCredential)' "$unit")" "" \
    "the unit has no DynamicUser= and no credential"
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

# The user the unit names, made by systemd-sysusers from the installed
# file, in an empty root: a system user and its group, no login.
if command -v systemd-sysusers >/dev/null 2>&1; then
	mkdir -p "$tmp/root/etc"
	systemd-sysusers --root="$tmp/root" \
	    "$top_srcdir/systemd/sysusers.d/clanpopd.conf" >/dev/null 2>&1
	ok $? "systemd-sysusers applies systemd/sysusers.d/clanpopd.conf"
	is "$(cat "$tmp/root/etc/passwd" 2>/dev/null)" \
	    "clanpopd:x:999:999:clanpopd, Clash Royale card popularity daemon:/:/usr/sbin/nologin" \
	    "sysusers makes the system user clanpopd, without a login shell"
	is "$(cat "$tmp/root/etc/group" 2>/dev/null)" "clanpopd:x:999:" \
	    "sysusers makes the group clanpopd"
else
	skip "systemd-sysusers applies systemd/sysusers.d/clanpopd.conf" \
	    "systemd-sysusers not installed"
fi

tap_done
