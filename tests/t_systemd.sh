#!/bin/bash
# t_systemd.sh - the Debian package under a real systemd: a minimal Debian
# 12 booted in systemd-nspawn, the .deb (and clanpopd-dashboard, built
# beside it) installed with apt, the service run against the stand-in API
# on the host's loopback, upgraded, removed, installed again and purged.
#
#     bash tests/t_systemd.sh [PACKAGE.deb]    (as root; .ci/run runs it)
#
# Not part of make check: it needs root, debootstrap, systemd-nspawn and
# the Debian mirror, and a built package (make deb).  The booted tree is
# made once by debootstrap and kept in $CLANPOPD_TEST_CACHE (default
# /var/cache/clanpopd-test/bookworm; remove it to make it again); each
# run boots a copy.  A trap stops the container, unmounts what the test
# mounted and removes the copy, whatever happens.
set -u
top_srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/tap.sh"
cache=${CLANPOPD_TEST_CACHE:-/var/cache/clanpopd-test/bookworm}
deb=${1:-$(ls -t "$top_srcdir"/clanpopd_*_*.deb 2>/dev/null | head -1)}
export SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat SYSTEMD_LOG_COLOR=0

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (debootstrap, systemd-nspawn)"
	exit 0
fi
for c in debootstrap systemd-nspawn nsenter python3; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "1..0 # SKIP $c not installed (apt-get install debootstrap systemd-container)"
		exit 0
	fi
done
bail() {	# bail WHAT: a failed point, so that CI counts it, and stop
	echo "not ok $((n + 1)) - $1"
	echo "Bail out! $1"
	exit 1
}
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
	bail "no package to test: run make deb, or name the .deb"
fi

# The Debian mirror the host uses (deb822 .sources first, then one-line).
mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources \
	    2>/dev/null | tr ' ' '\n' | grep -v security | head -1)
	[ -n "$m" ] || m=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\)[[:space:]]\{1,\}bookworm[[:space:]].*/\2/p' \
	    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	    head -1)
	echo "${m:-http://deb.debian.org/debian}"
}

if [ ! -d "$cache" ]; then
	echo "# making $cache with debootstrap from $(mirror)"
	rm -rf "$cache.tmp"
	mkdir -p "$(dirname "$cache")"
	if ! debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus \
	    bookworm "$cache.tmp" "$(mirror)" >"$cache.log" 2>&1; then
		tail -20 "$cache.log" | sed 's/^/# /'
		bail "debootstrap makes $cache (its log: $cache.log)"
	fi
	mv "$cache.tmp" "$cache"
fi

work=$(mktemp -d /var/tmp/clanpopd-systemd.XXXXXX)
root=$work/root
nspawn=
standin=
mounted=
cleanup() {
	if [ -n "$nspawn" ] && kill -0 "$nspawn" 2>/dev/null; then
		# The first SIGTERM halts the container, a second kills it.
		kill "$nspawn"
		for _ in $(seq 100); do
			kill -0 "$nspawn" 2>/dev/null || break
			sleep 0.1
		done
		kill "$nspawn" 2>/dev/null
		wait "$nspawn" 2>/dev/null
	fi
	[ -n "$standin" ] && kill "$standin" 2>/dev/null && wait "$standin"
	[ -n "$mounted" ] && umount /run/systemd/nspawn
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

t0=$(date +%s)
cp -a "$cache" "$root"
# systemd-nspawn needs a writable /run/systemd/nspawn, which a host
# without systemd as PID 1 lacks.
if ! mountpoint -q /run/systemd/nspawn 2>/dev/null; then
	mkdir -p /run/systemd/nspawn &&
	    mount -t tmpfs tmpfs /run/systemd/nspawn && mounted=1
fi
systemd-nspawn -D "$root" --register=no --keep-unit -b --console=pipe \
    >"$work/console.log" 2>&1 &
nspawn=$!

# The container's PID 1: the child of systemd-nspawn once that child is
# systemd (nspawn's own helper children come and go before).
ct=
for _ in $(seq 300); do
	ct=$(ps -o pid=,comm= --ppid "$nspawn" | awk '$2 == "systemd" {print $1}')
	[ -n "$ct" ] && break
	sleep 0.1
done
in_ct() {	# in_ct CMD...: run CMD inside the container
	nsenter -t "$ct" -m -u -i -n -p -- env -i \
	    PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	    SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat DEBIAN_FRONTEND=noninteractive \
	    "$@"
}
# Until its D-Bus is up, systemctl cannot even ask.
end=$(($(date +%s) + 60))
while :; do
	state=$(timeout 60 nsenter -t "${ct:-0}" -m -u -i -n -p -- \
	    systemctl is-system-running --wait 2>&1)
	case $state in
	"Failed to connect to bus"*) ;;
	*) break ;;
	esac
	[ "$(date +%s)" -lt "$end" ] || break
	sleep 0.1
done
is "$state" "running" "the container boots systemd to running"
if [ "$state" != "running" ]; then
	sed 's/^/# /' "$work/console.log" | tail -30
	echo "Bail out! the container did not boot"
	exit 1
fi
echo "# booted in $(($(date +%s) - t0)) s: $(in_ct systemctl --version | head -1)"

prop() {	# prop NAME: the unit's property, its value alone
	in_ct systemctl show -p "$1" --value clanpopd.service
}
journal() {	# journal: "PRIORITY MESSAGE" of clanpopd's own lines, in order
	in_ct journalctl -u clanpopd.service -o json --no-pager |
	    python3 -c 'import json, sys
for line in sys.stdin:
    j = json.loads(line)
    if j.get("SYSLOG_IDENTIFIER") == "clanpopd":
        print(j.get("PRIORITY"), j.get("MESSAGE"))'
}
wait_for() {	# wait_for SECONDS CMD...: until CMD succeeds; 1 on timeout
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# 1. Install with apt: the user, the enabled unit, not started without
#    a token.
cp "$deb" "$root/var/tmp/"
in_ct apt-get install -y -q "/var/tmp/$(basename "$deb")" >"$work/apt.log" 2>&1
rc=$?
ok $rc "apt-get installs $(basename "$deb")"
[ $rc -eq 0 ] || sed 's/^/# /' "$work/apt.log" | tail -20
is "$(in_ct getent passwd clanpopd | cut -d: -f6-)" "/:/usr/sbin/nologin" \
    "the system user clanpopd exists, without a login shell"
is "$(in_ct systemctl is-enabled clanpopd)" "enabled" "the unit is enabled"
score=$(in_ct systemd-analyze security --no-pager clanpopd.service 2>/dev/null |
    sed -n 's/.*Overall exposure level for clanpopd\.service: \([0-9.]*\).*/\1/p')
echo "# exposure under systemd $(in_ct systemctl --version | sed -n '1s/systemd \([0-9]*\).*/\1/p'): ${score:-(none)}"
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
ok $? "systemd-analyze security: exposure ${score:-(none)} is 2.0 or lower"
is "$(in_ct systemctl is-active clanpopd)" "inactive" \
    "without a token the package does not start the unit"
# apt's log ends its lines with CR LF.
is "$(tr -d '\r' <"$work/apt.log" | grep '^clanpopd: ')" "clanpopd: not started yet: put the API key into /etc/clanpopd/token (install -m 640 -g clanpopd /dev/null /etc/clanpopd/token), list your clans in /etc/clanpopd/clanpopd.yaml, then run: systemctl start clanpopd" \
    "the installation says what to do before starting it"
is "$(stat -c '%U:%G %a' "$root/etc/clanpopd/clanpopd.yaml")" \
    "root:root 644" "the configuration is installed, mode 644"
is "$(in_ct dpkg-query -W -f='${Conffiles}' clanpopd | awk '{print $1}')" \
    "/etc/clanpopd/clanpopd.yaml" "the configuration is a conffile"

# The dashboard, built next to it: the page's Chart.js and every
# directory the nginx snippet serves exist once it is installed.
dash=$(dirname "$deb")/$(basename "$deb" | sed 's/^clanpopd_\([^_]*\)_.*/clanpopd-dashboard_\1_all.deb/')
cp "$dash" "$root/var/tmp/" 2>/dev/null
in_ct apt-get install -y -q --no-install-recommends \
    "/var/tmp/$(basename "$dash")" >"$work/apt.log" 2>&1
rc=$?
ok $rc "apt-get installs $(basename "$dash")"
[ $rc -eq 0 ] || sed 's/^/# /' "$work/apt.log" | tail -20
chart=$(sed -n 's/.*<script src="javascript\/\([^"]*\)".*/\1/p' \
    "$root/usr/share/clanpopd/www/index.html")
is "$chart" "chart.js/chart.min.js" "the page loads Chart.js from javascript/"
[ -f "$root/usr/share/javascript/$chart" ]
ok $? "libjs-chart.js provides /usr/share/javascript/$chart"
is "$(sed -n 's/^[[:space:]]*alias \(.*\);$/\1/p' \
    "$root/usr/share/clanpopd/nginx/clanpopd.conf" | tr '\n' ' ')" \
    "/usr/share/clanpopd/www/ /usr/share/javascript/ /var/lib/clanpopd/\$1 " \
    "the nginx snippet serves the page, the libraries and the state directory"

# 2. Without a token: one clear line from clanpopd, failed once.
in_ct systemctl start clanpopd >/dev/null 2>&1
is "$?" 1 "no token: systemctl start fails"
is "$(prop ActiveState)/$(prop SubState)/$(prop Result)/$(prop ExecMainStatus)/$(prop NRestarts)" \
    "failed/failed/exit-code/78/0" \
    "no token: failed with exit status 78, no restart pending, none made"
is "$(journal)" "3 /etc/clanpopd/token: cannot read the API token: No such file or directory (create it holding the key from the developer portal, readable by the user clanpopd runs as: for the systemd unit, install -m 640 -g clanpopd /dev/null /etc/clanpopd/token, then write the key into it; or point api.token_file at it)" \
    "no token: clanpopd's one journal line, priority err, says what to do"
is "$(in_ct journalctl -u clanpopd -o cat --no-pager | grep -c 'CREDENTIALS\|Protocol error')" \
    0 "no token: no credential failure from systemd"

# 3. The stand-in API on the host's loopback, which the container shares.
token=tok-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" >"$work/standin.token"
chmod 600 "$work/standin.token"
cat >"$work/scenario.json" <<'EOF'
{"clans": {"9V2Y": {"name": "Alpha", "members": 3},
           "2PYLQ": {"name": "Beta", "members": 2}}}
EOF
python3 "$top_srcdir/tests/standin.py" --scenario "$work/scenario.json" \
    --token-file "$work/standin.token" --port 0 \
    --port-file "$work/standin.port" 2>"$work/standin.err" &
standin=$!
if ! wait_for 10 test -s "$work/standin.port"; then
	sed 's/^/# /' "$work/standin.err"
	bail "the stand-in API starts"
fi
port=$(cat "$work/standin.port")
conf() {	# conf TAG...: the configuration, with these clans
	{
		printf 'api:\n  base_url: "http://127.0.0.1:%s/v1"\n' "$port"
		printf 'schedule:\n  interval: 1h\nclans:\n'
		printf '  - "%s"\n' "$@"
	} >"$root/etc/clanpopd/clanpopd.yaml"
}
conf "#9V2Y"
in_ct install -m 640 -g clanpopd /dev/null /etc/clanpopd/token
printf '%s\n' "$token" >"$root/etc/clanpopd/token"

# 4. Start: active, the first snapshot, the status naming it.
in_ct systemctl reset-failed clanpopd
in_ct systemctl start clanpopd
ok $? "with the token: systemctl start succeeds"
is "$(in_ct systemctl is-active clanpopd)" "active" "the service is active"
snap=$root/var/lib/clanpopd/clans/9V2Y.json
wait_for 10 test -f "$snap"
ok $? "the first snapshot appears in /var/lib/clanpopd/clans/"
at=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["fetched_at"][11:19])' "$snap" 2>/dev/null)
want="1 clans, 0 refreshing, last refresh #9V2Y at ${at}Z, 0 failing, 1 of 1 API key usable"
wait_for 5 test "$(prop StatusText)" = "$want"
is "$(prop StatusText)" "$want" "StatusText names the last refresh"
is "$(in_ct stat -c '%U:%G %a' /var/lib/clanpopd /var/lib/clanpopd/clans /var/lib/clanpopd/clans/9V2Y.json | tr '\n' ,)" \
    "clanpopd:clanpopd 755,clanpopd:clanpopd 755,clanpopd:clanpopd 644," \
    "the state directory is 0755 and the snapshot 0644, owned by clanpopd"
is "$(in_ct runuser -u nobody -- cat /var/lib/clanpopd/clans/9V2Y.json | md5sum)" \
    "$(md5sum <"$snap")" "nobody reads the snapshot"
is "$(in_ct runuser -u nobody -- touch /var/lib/clanpopd/x 2>&1)" \
    "touch: cannot touch '/var/lib/clanpopd/x': Permission denied" \
    "nobody cannot write into the state directory"

# 5. Reload with a new clan; then a broken configuration, refused.
conf "#9V2Y" "#2PYLQ"
in_ct systemctl reload clanpopd
ok $? "systemctl reload succeeds without /bin/kill"
[ -e "$root/bin/kill" ]
ok $((!$?)) "the container has no /bin/kill"
wait_for 10 test -f "$root/var/lib/clanpopd/clans/2PYLQ.json"
ok $? "reload: the added clan's snapshot appears"
cp "$root/etc/clanpopd/clanpopd.yaml" "$work/good.yaml"
printf 'limits:\n  max_concurent: 4\n' >>"$root/etc/clanpopd/clanpopd.yaml"
in_ct systemctl reload clanpopd
ok $? "reload with a broken configuration: systemctl reload returns 0"
wait_for 10 test "$(journal | grep -c 'reload failed')" -ge 1
is "$(journal | grep -A1 'max_concurent' | head -2)" \
    "3 /etc/clanpopd/clanpopd.yaml:9:3: limits.max_concurent: unknown key (did you mean \"max_concurrent\"?)
3 reload failed: keeping the running configuration; fix the errors above and reload again" \
    "reload with a broken configuration: refused, logged at priority err"
is "$(in_ct systemctl is-active clanpopd)" "active" \
    "reload with a broken configuration: the service stays active"
cp "$work/good.yaml" "$root/etc/clanpopd/clanpopd.yaml"

is "$(in_ct journalctl -o cat --no-pager | grep -cFf "$work/standin.token")" 0 \
    "the token is nowhere in the journal"

# 6. Stop: quick, clean, no temporary file.
s0=$(date +%s%N)
in_ct systemctl stop clanpopd
ok $? "systemctl stop succeeds"
ms=$((($(date +%s%N) - s0) / 1000000))
echo "# stopped in $ms ms"
[ "$ms" -lt 12000 ]
ok $? "stop within schedule.stop_grace (10 s) and 2 s ($ms ms)"
is "$(prop ActiveState)/$(prop Result)" "inactive/success" \
    "stopped cleanly"
is "$(find "$root/var/lib/clanpopd" -name '.clanpopd-tmp-*' | wc -l)" 0 \
    "no temporary file is left"
# Every line clanpopd logged, with its priority; durations vary.
is "$(journal | sed 's/, [0-9.]* s$/, N s/')" \
"3 /etc/clanpopd/token: cannot read the API token: No such file or directory (create it holding the key from the developer portal, readable by the user clanpopd runs as: for the systemd unit, install -m 640 -g clanpopd /dev/null /etc/clanpopd/token, then write the key into it; or point api.token_file at it)
6 clanpopd $(in_ct dpkg-query -W -f='${Version}' clanpopd) started: 1 clans, output in /var/lib/clanpopd
6 #9V2Y: 3 members, 3 read, 0 unchanged since read, 0 failed, 0 without favourite, 0 without deck, 4 requests, 0 retries, N s
6 SIGHUP: reloading /etc/clanpopd/clanpopd.yaml
6 #2PYLQ: added to the configuration
6 configuration applied: 2 clans (1 added, 0 removed, 0 with a new interval)
6 reloaded /etc/clanpopd/clanpopd.yaml
6 #2PYLQ: 2 members, 2 read, 0 unchanged since read, 0 failed, 0 without favourite, 0 without deck, 3 requests, 0 retries, N s
6 SIGHUP: reloading /etc/clanpopd/clanpopd.yaml
3 /etc/clanpopd/clanpopd.yaml:9:3: limits.max_concurent: unknown key (did you mean \"max_concurrent\"?)
3 reload failed: keeping the running configuration; fix the errors above and reload again
6 signal 15: stopping
6 stopped" "the journal holds clanpopd's lines, each with its priority"

# 7. An upgrade keeps the edited configuration (dpkg's usual question,
#    answered "keep": the new one lands beside it as .dpkg-dist) and
#    restarts the running service.  The new version is this package,
#    repacked with a higher version and a changed example.
up=$work/up
dpkg-deb -R "$deb" "$up"
ver=$(sed -n 's/^Version: //p' "$up/DEBIAN/control")
sed -i "s/^Version: .*/Version: $ver+up1/" "$up/DEBIAN/control"
echo "# upgraded" >>"$up/etc/clanpopd/clanpopd.yaml"
(cd "$up" && find etc lib usr -type f ! -path 'etc/*' -exec md5sum {} + \
    >DEBIAN/md5sums)
dpkg-deb -b "$up" "$root/var/tmp/up.deb" >/dev/null
in_ct systemctl start clanpopd
pid0=$(prop MainPID)
in_ct apt-get install -y -q -o Dpkg::Options::=--force-confold \
    /var/tmp/up.deb >"$work/apt.log" 2>&1
rc=$?
ok $rc "apt-get upgrades to $ver+up1"
[ $rc -eq 0 ] || sed 's/^/# /' "$work/apt.log" | tail -20
cmp -s "$work/good.yaml" "$root/etc/clanpopd/clanpopd.yaml"
ok $? "upgrade: the edited configuration is kept"
cmp -s "$up/etc/clanpopd/clanpopd.yaml" \
    "$root/etc/clanpopd/clanpopd.yaml.dpkg-dist"
ok $? "upgrade: the new example is beside it as clanpopd.yaml.dpkg-dist"
pid1=$(prop MainPID)
is "$(in_ct systemctl is-active clanpopd)" "active" \
    "upgrade: the service is active"
[ "$pid1" != "$pid0" ] && [ "$pid1" != 0 ]
ok $? "upgrade: the running service was restarted (pid $pid0, then $pid1)"

# 8. remove keeps the configuration and the state; purge removes them.
in_ct apt-get remove -y -q clanpopd >"$work/apt.log" 2>&1
ok $? "apt-get remove"
is "$(cd "$root" && ls -d etc/clanpopd/clanpopd.yaml etc/clanpopd/token var/lib/clanpopd/clans/9V2Y.json usr/sbin/clanpopd 2>/dev/null | tr '\n' ,)" \
    "etc/clanpopd/clanpopd.yaml,etc/clanpopd/token,var/lib/clanpopd/clans/9V2Y.json," \
    "remove takes the daemon, keeps the configuration, the token and the state"
is "$(in_ct systemctl is-active clanpopd)" "inactive" "remove stops the service"

# 9. A reinstall over the kept configuration and token starts the service
#    again, as a first install with a token does.
in_ct apt-get install -y -q /var/tmp/up.deb >"$work/apt.log" 2>&1
rc=$?
ok $rc "apt-get installs $ver+up1 again after remove"
[ $rc -eq 0 ] || sed 's/^/# /' "$work/apt.log" | tail -20
cmp -s "$work/good.yaml" "$root/etc/clanpopd/clanpopd.yaml"
ok $? "reinstall: the edited configuration is kept"
wait_for 10 test "$(in_ct systemctl is-active clanpopd)" = active
is "$(in_ct systemctl is-active clanpopd)/$(prop Result)" "active/success" \
    "reinstall: the service is started"
is "$(tr -d '\r' <"$work/apt.log" | grep -c '^clanpopd: not started')" 0 \
    "reinstall: with the token kept, no word of starting it by hand"
[ -e "$root/run/clanpopd.reinstall" ]
ok $((!$?)) "reinstall: preinst's mark is gone"

# 10. purge removes everything but the user.
in_ct apt-get purge -y -q clanpopd clanpopd-dashboard >"$work/apt.log" 2>&1
ok $? "apt-get purge"
is "$(cd "$root" && ls -d etc/clanpopd var/lib/clanpopd lib/systemd/system/clanpopd.service etc/systemd/system/multi-user.target.wants/clanpopd.service usr/share/clanpopd 2>/dev/null)" \
    "" "purge leaves no unit, configuration or state"
is "$(in_ct getent passwd clanpopd | cut -d: -f1)" "clanpopd" \
    "the system user stays"
echo "# whole run: $(($(date +%s) - t0)) s"
tap_done
