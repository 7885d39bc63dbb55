#!/bin/bash
# t_cli.sh - the command line: options, exit statuses, --check-config on the
# installed example and on broken configs and token files.
set -u
top_srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/genconf.sh"
clanpopd=${CLANPOPD:-$top_srcdir/clanpopd}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/clanpopd-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset CREDENTIALS_DIRECTORY STATE_DIRECTORY NOTIFY_SOCKET JOURNAL_STREAM

run() {	# run ARGS...: sets out, err, rc
	"$clanpopd" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

run --version
is "$rc:$out" "0:clanpopd 0.1.0" "--version prints the version"
run -V
is "$rc:$out" "0:clanpopd 0.1.0" "-V prints the version"
run --help
is "$rc:$(echo "$out" | head -1)" "0:usage: clanpopd [-1tvVh] [-c file]" \
    "--help prints usage on stdout"
run --bogus
is "$rc" 64 "an unknown option exits 64"
is "$(echo "$err" | head -1)" "$clanpopd: unrecognized option '--bogus'" \
    "an unknown option is named"
run -c
is "$rc" 64 "-c without a file exits 64"
run -t extra
is "$rc:$(echo "$err" | head -1)" '64:clanpopd: unexpected argument "extra"' \
    "a stray argument exits 64"

# The installed example, with the token from systemd's credentials.
mkdir "$tmp/cred"
printf 'secret-token-1234\n' > "$tmp/cred/token"
chmod 600 "$tmp/cred/token"
CREDENTIALS_DIRECTORY=$tmp/cred run -t -c "$top_srcdir/etc/clanpopd.yaml"
is "$rc:$out" "0:$top_srcdir/etc/clanpopd.yaml: configuration OK (3 clans)" \
    "-t passes on etc/clanpopd.yaml"
is "$err" "" "-t on the example prints nothing on stderr"
CREDENTIALS_DIRECTORY=$tmp/cred run --check-config -c "$top_srcdir/etc/demo.yaml"
is "$rc" 78 "the demo config without its token file exits 78"
missing="$top_srcdir/etc/token: cannot read the API token: No such file or directory (create it holding the key from the developer portal, readable by the user clanpopd runs as: for the systemd unit, install -m 640 -g clanpopd /dev/null $top_srcdir/etc/token, then write the key into it; or point api.token_file at it)"
is "$err" "$missing" "a missing token file is named, with how to create it"
# Under the journal the daemon's one line is an error (priority 3), not
# info: a start without a token fails with it, exit 78.
: > "$tmp/journal"
JOURNAL_STREAM=$(stat -c %d:%i "$tmp/journal") \
    "$clanpopd" -c "$top_srcdir/etc/demo.yaml" 2>>"$tmp/journal"
is "$?:$(cat "$tmp/journal")" "78:<3>$missing" \
    "under the journal a start without a token logs one <3> line, exit 78"

# A config with several errors: every one is reported, then exit 78.
cat > "$tmp/bad.yaml" <<'YAML'
limits:
  max_concurent: 8
  requests_per_second: -1
clans:
  - #9V2Y
  - "#9V2Q!"
YAML
run -t -c "$tmp/bad.yaml"
is "$rc" 78 "a broken config exits 78"
is "$err" "$tmp/bad.yaml:2:3: limits.max_concurent: unknown key (did you mean \"max_concurrent\"?)
$tmp/bad.yaml:3:24: limits.requests_per_second: -1 is out of range (0..10000)
$tmp/bad.yaml:5:5: clans[0]: empty item: an unquoted \"- #9V2Y\" is a YAML comment, so this item is null; quote the tag (\"#9V2Y\") or drop the '#' (9V2Y)
$tmp/bad.yaml:6:5: clans[1]: \"#9V2Q!\" is not a clan tag (allowed characters: 0289PYLQGRJCUV)" \
    "every error is reported with file:line:col"
is "$out" "" "nothing on stdout for a broken config"

run -t -c "$tmp/missing.yaml"
is "$rc:$err" "78:$tmp/missing.yaml: cannot read: No such file or directory" \
    "a missing config file exits 78 and is named"

# Token file problems.
cat > "$tmp/c.yaml" <<YAML
api:
  token_file: tok
clans:
  - 9V2Y
YAML
: > "$tmp/tok"
run -t -c "$tmp/c.yaml"
is "$rc:$err" "78:$tmp/tok: the token file is empty (paste the key from the developer portal into it)" \
    "an empty token file exits 78"
printf '  s3cr3t-value-xyz \n' > "$tmp/tok"
chmod 644 "$tmp/tok"
run -t -c "$tmp/c.yaml"
is "$rc:$out" "0:$tmp/c.yaml: configuration OK (1 clan)" \
    "a token readable by others still passes"
loose="$tmp/tok: warning: the token file is open to others (only its owner may read it, and its group when root owns it): run chmod 600 $tmp/tok, or for the systemd unit chmod 640 it with owner root and group clanpopd"
is "$err" "$loose" "a token readable by others gets a warning naming the file"
case "$out$err" in *s3cr3t-value-xyz*) r=1 ;; *) r=0 ;; esac
ok $r "the token never appears in the output"
# root:clanpopd 0640, as the systemd unit reads it: its group may read a
# file root owns, but not a file another user owns.
chmod 640 "$tmp/tok"
if [ "$(id -u)" -eq 0 ]; then
	run -t -c "$tmp/c.yaml"
	is "$rc:$err" "0:" "a token root owns, readable by its group: no warning"
	chown nobody "$tmp/tok"
	run -t -c "$tmp/c.yaml"
	is "$rc:$err" "0:$loose" \
	    "a token another user owns, readable by its group: a warning"
	chown root "$tmp/tok"
else
	run -t -c "$tmp/c.yaml"
	is "$rc:$err" "0:$loose" \
	    "a token another user owns, readable by its group: a warning"
	skip "a token root owns, readable by its group: no warning" "needs root to make"
fi

# A FIFO as the token file is refused at once instead of blocking -t (or a
# reload) until something writes to it; timeout turns a hang into a
# failure (status 124).
rm -f "$tmp/tok"
mkfifo "$tmp/tok"
timeout 10 "$clanpopd" -t -c "$tmp/c.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
is "$rc:$(cat "$tmp/err")" "78:$tmp/tok: the token file is not a regular file (point api.token_file at the file holding the key)" \
    "a FIFO as the token file exits 78 at once"
rm -f "$tmp/tok"

# A configuration of a million '[' is refused at the 65th level at once;
# libyaml alone would scan it for most of an hour (its scanner slows with
# the square of the nesting).  timeout turns that into a failure (124).
{ printf 'clans: '; head -c 1000000 /dev/zero | tr '\0' '['; } >"$tmp/deep.yaml"
timeout 10 "$clanpopd" -t -c "$tmp/deep.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
is "$rc:$(cat "$tmp/err")" "78:$tmp/deep.yaml:1:71: invalid YAML: lists and mappings nested more than 64 deep (a clanpopd configuration needs 3); check the brackets and the indentation" \
    "a million nested lists are refused at once"

# A password in api.base_url is refused without being repeated.
printf 'SECRETtok\n' > "$tmp/tok"
chmod 600 "$tmp/tok"
cat > "$tmp/u.yaml" <<YAML
api:
  base_url: "http://user:Pa55w0rd@proxy.example/v1"
  token_file: tok
clans:
  - 9V2Y
YAML
run -t -c "$tmp/u.yaml"
is "$rc:$err" "78:$tmp/u.yaml:2:13: api.base_url: a user name or password in the URL (user:password@host) is not allowed, as it would be logged; remove it and use a proxy's own authentication or the API token (api.token_file)" \
    "-t refuses a user name and password in api.base_url"
case "$out$err" in *Pa55w0rd*) r=1 ;; *) r=0 ;; esac
ok $r "the password in api.base_url is not repeated"

# A configuration near the 1 MiB limit: 70,000 distinct tags ("2" and 7
# characters counted in base 14), then the same with the first repeated
# at the end.  How long -t takes is measured by bench/conf_scale.sh.
printf 'SECRETtok\n' > "$tmp/tok"
chmod 600 "$tmp/tok"
genconf_clans 70000 "$tmp/big.yaml" tok
run -t -c "$tmp/big.yaml"
is "$rc:$out:$err" "0:$tmp/big.yaml: configuration OK (70000 clans):" \
    "-t accepts 70,000 distinct clans"
genconf_clans 70000 "$tmp/big.yaml" tok dup
run -t -c "$tmp/big.yaml"
is "$rc:$out:$err" "78::$tmp/big.yaml:70004:5: clans[70000]: \"#20000000\" is listed twice (first at line 4); remove one" \
    "-t finds the one duplicate among 70,001 clans"

# 70,000 empty items: every one is reported, with its own position.
awk 'BEGIN { print "clans:"; for (i = 0; i < 70000; i++) print "  - #9V2Y" }' \
    >"$tmp/big.yaml"
run -t -c "$tmp/big.yaml"
is "$rc:$(printf '%s\n' "$err" | wc -l):$(printf '%s\n' "$err" | tail -1)" \
    "78:70000:$tmp/big.yaml:70001:5: clans[69999]: empty item: an unquoted \"- #9V2Y\" is a YAML comment, so this item is null; quote the tag (\"#9V2Y\") or drop the '#' (9V2Y)" \
    "-t reports each of 70,000 empty items"

# Plain http:// to another host: accepted, with one warning per load.
cat > "$tmp/w.yaml" <<YAML
api:
  base_url: "http://192.0.2.1:9/v1"
  token_file: tok
  connect_timeout: 1s
schedule:
  stop_grace: 0
output:
  directory: snaps
clans:
  - 9V2Y
YAML
warning="$tmp/w.yaml:2:13: api.base_url: warning: plain http:// sends the API key in clear text to \"192.0.2.1:9\"; use https://, or a proxy on this machine (127.0.0.1, ::1 or localhost)"
run -t -c "$tmp/w.yaml"
is "$rc:$out" "0:$tmp/w.yaml: configuration OK (1 clan)" \
    "-t accepts plain http:// to another host"
is "$err" "$warning" "-t prints one warning about plain http://"

# The daemon logs it at start and on each reload, once.  Its log lines
# are read as they come; read's time-out only keeps a failure from hanging.
logged="warning: $tmp/w.yaml:2:13: api.base_url: plain http:// sends the API key in clear text to \"192.0.2.1:9\"; use https://, or a proxy on this machine (127.0.0.1, ::1 or localhost)"
until_line() {	# until_line PATTERN: the log lines up to one matching, in log
	log=
	while IFS= read -r -t 20 line <&"$dfd"; do
		line=${line#*Z }
		log+=$line$'\n'
		# shellcheck disable=SC2254  # $1 is a pattern
		case $line in $1) return 0 ;; esac
	done
	return 1
}
coproc D { exec "$clanpopd" -c "$tmp/w.yaml" 2>&1; }
pid=$D_PID
exec {dfd}<&"${D[0]}"
until_line "clanpopd * started: *"
ok $? "the daemon starts with plain http://"
is "$(printf '%s' "$log" | grep -F api.base_url)" "$logged" \
    "start-up logs the warning about plain http:// once"
kill -HUP "$pid"
until_line "reloaded *"
ok $? "the daemon reloads with plain http://"
is "$(printf '%s' "$log" | grep -F api.base_url)" "$logged" \
    "a reload logs the warning about plain http:// once"
kill -TERM "$pid"
wait "$pid"
is $? 0 "the daemon stops"

tap_done
