#!/bin/bash
# t_man.sh - the documentation says what the code does: every man page
# passes mandoc -Tlint, renders with no warning, is installed, packaged and
# named in the other pages' SEE ALSO and in the README; clanpopd(8) and the
# README list exactly the options of --help, and the README's commands use
# no other; clanpopd.yaml(5), etc/clanpopd.yaml and the README list exactly
# the configuration keys of the loader's key table in src/confkeys.c.
set -u
top_srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/tap.sh"
clanpopd=${CLANPOPD:-$top_srcdir/clanpopd}
man8=$top_srcdir/man/clanpopd.8
man5=$top_srcdir/man/clanpopd.yaml.5
readme=$top_srcdir/README.md
makefile_am=$top_srcdir/Makefile.am
deb_install=$top_srcdir/debian/clanpopd.install
example=$top_srcdir/etc/clanpopd.yaml
confkeys_c=$top_srcdir/src/confkeys.c
tmp=$(mktemp -d "${TMPDIR:-/tmp}/clanpopd-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

diag() {	# diag FILE: print FILE as TAP comments
	sed 's/^/#   /' "$1"
}

# same NAME GOT-FILE WANT-FILE GOT-LABEL WANT-LABEL: set equality, with
# the difference printed on failure.
same() {
	sort -u "$2" >"$tmp/got"
	sort -u "$3" >"$tmp/want"
	if [ ! -s "$tmp/want" ]; then
		ok 1 "$1"
		echo "#   nothing found in $5"
		return
	fi
	comm -23 "$tmp/got" "$tmp/want" >"$tmp/extra"
	comm -13 "$tmp/got" "$tmp/want" >"$tmp/missing"
	if [ -s "$tmp/extra" ] || [ -s "$tmp/missing" ]; then
		ok 1 "$1"
		if [ -s "$tmp/missing" ]; then
			echo "#   in $5 but not in $4:"
			diag "$tmp/missing"
		fi
		if [ -s "$tmp/extra" ]; then
			echo "#   in $4 but not in $5:"
			diag "$tmp/extra"
		fi
	else
		ok 0 "$1"
	fi
}

# Every man page of the source tree, by name (clanpopd.8, ...).
(cd "$top_srcdir/man" && ls) | grep -E '^[a-z][a-z.-]*\.[1-9]$' \
    >"$tmp/pages"
[ "$(wc -l <"$tmp/pages")" -ge 3 ]
ok $? "man/ holds the man pages ($(tr '\n' ' ' <"$tmp/pages"))"

# --- (a) mandoc -Tlint ---------------------------------------------------
# Run from man/ so that each page's .Xr to the others resolves (mandoc
# looks for NAME.SECTION in the working directory last).  mandoc's lint
# report goes to stdout and must be empty.  On stderr, "outdated
# mandoc.db lacks systemctl(1) entry" only says that the host has the
# referenced page but no mandoc.db (Debian uses man-db): host state, not a
# fault of the page, so only that line is let through.  Then the page must
# render with no message of level warning or above (-W warning), which is
# what man -l shows a reader: a notice about mandoc.db is below that level.
while read -r page; do
	if ! command -v mandoc >/dev/null 2>&1; then
		skip "mandoc -Tlint $page" "mandoc is not installed"
		skip "mandoc -W warning $page" "mandoc is not installed"
		continue
	fi
	(cd "$top_srcdir/man" && mandoc -Tlint "$page") >"$tmp/lint" \
	    2>"$tmp/lint.err"
	rc=$?
	grep -v '^mandoc: outdated mandoc\.db lacks [^ ]* entry, run ' \
	    "$tmp/lint.err" >>"$tmp/lint"
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/lint" ]; then
		ok 0 "mandoc -Tlint $page reports nothing"
	else
		ok 1 "mandoc -Tlint $page reports nothing"
		echo "#   exit status $rc"
		diag "$tmp/lint"
	fi
	(cd "$top_srcdir/man" && mandoc -Tlint -Wwarning "$page") \
	    >"$tmp/lint" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/lint" ]; then
		ok 0 "mandoc -Tlint -Wwarning $page reports nothing"
	else
		ok 1 "mandoc -Tlint -Wwarning $page reports nothing"
		echo "#   exit status $rc"
		diag "$tmp/lint"
	fi
done <"$tmp/pages"

# --- (b0) every page installed, packaged and cross-referenced -------------
# Makefile.am's dist_man_MANS, one page a line until the list ends.
awk '/^dist_man_MANS = *\\$/ { on = 1; next }
on {	more = /\\$/
	sub(/^[ \t]+/, ""); sub(/[ \t]*\\$/, ""); sub(/^man\//, "")
	print
	if (!more)
		exit
}' "$makefile_am" >"$tmp/pages.am"
same "Makefile.am's dist_man_MANS lists exactly the pages of man/" \
    "$tmp/pages.am" "$tmp/pages" Makefile.am man/
# debian/ is in git, not in the release tarball that distcheck tests.
if [ -f "$deb_install" ]; then
	sed -n 's|^usr/share/man/man[1-9]/||p' "$deb_install" >"$tmp/pages.deb"
	same "debian/clanpopd.install packages exactly the pages of man/" \
	    "$tmp/pages.deb" "$tmp/pages" debian/clanpopd.install man/
else
	skip "debian/clanpopd.install packages exactly the pages of man/" \
	    "no debian/ in this tree (a release tarball)"
fi

# Each page's SEE ALSO names every other page of man/ (".Xr NAME SECTION").
while read -r page; do
	awk '$1 == ".Sh" { in_see = ($2 == "SEE" && $3 == "ALSO"); next }
	in_see && $1 == ".Xr" { print $2 "." $3 }' \
	    "$top_srcdir/man/$page" | tr -d ' ,' >"$tmp/see"
	grep -vFx "$page" "$tmp/pages" | grep -vFx -f "$tmp/see" \
	    >"$tmp/unseen"
	if [ -s "$tmp/unseen" ]; then
		ok 1 "$page's SEE ALSO names every other page"
		echo "#   missing:"
		diag "$tmp/unseen"
	else
		ok 0 "$page's SEE ALSO names every other page"
	fi
done <"$tmp/pages"

# The README names every page as NAME(SECTION), and names no other
# clanpopd page.
grep -oE '`clanpopd[a-z.-]*\([1-9]\)`' "$readme" |
    sed 's/`//g; s/(\([1-9]\))$/.\1/' >"$tmp/pages.readme"
same "README.md names exactly the pages of man/" \
    "$tmp/pages.readme" "$tmp/pages" README.md man/

# --- (b) options: --help and clanpopd(8) ---------------------------------
# From --help: the option column of each "  -x, --long ARG   text" line.
"$clanpopd" --help >"$tmp/help" 2>&1
ok $? "clanpopd --help exits 0"
awk '/^[ \t]+-/ {
	sub(/^[ \t]+/, "")
	split($0, col, /  +/)
	k = split(col[1], w, /[ ,]+/)
	for (i = 1; i <= k; i++)
		if (w[i] ~ /^--?[[:alnum:]]/)
			print w[i]
}' "$tmp/help" >"$tmp/opt.help"

# From clanpopd(8): every Fl of the option list's ".It Fl" lines; "\-" is
# a hyphen.
awk '$1 == ".It" && $2 == "Fl" {
	for (i = 2; i < NF; i++)
		if ($i == "Fl") {
			f = $(i + 1)
			gsub(/\\/, "", f)
			print "-" f
		}
}' "$man8" >"$tmp/opt.man"
same "clanpopd.8 documents exactly the options of --help" \
    "$tmp/opt.man" "$tmp/opt.help" clanpopd.8 "--help"

# --- (c) configuration keys: src/confkeys.c, clanpopd.yaml(5), the example ---
# The loader's keys are the rows { .section = "S", .name = "K", ... } of
# the table in src/confkeys.c.  A top-level key (section "") that is the
# section of other rows is a section: its keys are "section.key".  Any
# other top-level key is a key itself; "clans[]" is the section of the
# keys of a clans list item, "clans[].key".
awk '
/\.section = "[^"]*", \.name = "[^"]*"/ {
	s = $0
	sub(/.*\.section = "/, "", s)
	sec = s
	sub(/".*/, "", sec)
	sub(/^[^"]*", \.name = "/, "", s)
	sub(/".*/, "", s)
	n++
	rowsec[n] = sec
	rowname[n] = s
	hasrows[sec] = 1
}
END {
	for (i = 1; i <= n; i++) {
		if (rowsec[i] != "")
			print "key " rowsec[i] "." rowname[i]
		else if (hasrows[rowname[i]])
			print "section " rowname[i]
		else
			print "key " rowname[i]
	}
}' "$confkeys_c" >"$tmp/conf.all"
sed -n 's/^key //p' "$tmp/conf.all" >"$tmp/key.conf"
sed -n 's/^section //p' "$tmp/conf.all" >"$tmp/section.conf"
[ -s "$tmp/key.conf" ] && [ -s "$tmp/section.conf" ]
ok $? "the key table of src/confkeys.c is found"

# clanpopd.yaml(5) marks each key as ".It Cm key" and nothing else so.
awk '$1 == ".It" && $2 == "Cm" { print $3 }' "$man5" >"$tmp/key.man"
same "clanpopd.yaml.5 documents exactly the loader's keys" \
    "$tmp/key.man" "$tmp/key.conf" clanpopd.yaml.5 src/confkeys.c

# Every top-level key (section or not) has a ".Ss" of its own.
awk '$1 == ".Ss" && NF == 2 { print $2 }' "$man5" |
    grep -Fx -f <(sed 's/^\([^.[]*\).*/\1/' "$tmp/key.conf" \
    "$tmp/section.conf" | sort -u) >"$tmp/ss.man"
same "clanpopd.yaml.5 has a subsection for each top-level key" \
    "$tmp/ss.man" <(sed 's/^\([^.[]*\).*/\1/' "$tmp/key.conf" \
    "$tmp/section.conf" | sort -u) clanpopd.yaml.5 src/confkeys.c

# The example: "key:" lines, commented out ("#key:") or not, under their
# top-level key; in the clans list, the keys of a mapping item.
awk -v sections="$(tr '\n' ' ' <"$tmp/section.conf")" '
BEGIN {
	k = split(sections, s, " ")
	for (i = 1; i <= k; i++)
		issection[s[i]] = 1
}
/^[a-z_]+:/ {
	top = $0
	sub(/:.*/, "", top)
	if (!issection[top])
		print top
	next
}
/^[ \t]+(- +)?#?[a-z_]+:/ && top != "" {
	key = $0
	sub(/^[ \t]+(- +)?#?/, "", key)
	sub(/:.*/, "", key)
	print (issection[top] ? top "." : top "[].") key
}' "$example" >"$tmp/key.example"
same "etc/clanpopd.yaml shows exactly the loader's keys" \
    "$tmp/key.example" "$tmp/key.conf" etc/clanpopd.yaml src/confkeys.c

# The README's key table: the first cell of each row of the table in
# "## Configuration".  The backquotes are Markdown's, not the shell's.
# shellcheck disable=SC2016
awk '/^## / { in_conf = ($0 == "## Configuration") } in_conf' "$readme" |
    sed -n 's/^| `\([]a-z_.[]*\)` |.*/\1/p' >"$tmp/key.readme"
same "README.md's key table lists exactly the loader's keys" \
    "$tmp/key.readme" "$tmp/key.conf" README.md src/confkeys.c

# --- (d) options: the README's command-line table ------------------------
awk '/^## / { in_cli = ($0 == "## Command line") } in_cli' "$readme" |
    grep '^| `-' | cut -d'|' -f2 | grep -oE '`--?[[:alnum:]][a-z-]*' |
    tr -d '`' >"$tmp/opt.readme"
same "README.md's command-line table lists exactly the options of --help" \
    "$tmp/opt.readme" "$tmp/opt.help" README.md "--help"

# --- (e) the README's commands use only options of --help ----------------
# Every "clanpopd -x ..." in the README, in code or prose: the options
# that follow the command name.
grep -oE '(^|[^-/.[:alnum:]_])clanpopd( +--?[[:alnum:]][[:alnum:]-]*( +[A-Z]+)?)+' \
    "$readme" | grep -oE ' --?[[:alnum:]][[:alnum:]-]*' | tr -d ' ' |
    sort -u >"$tmp/opt.used"
[ -s "$tmp/opt.used" ]
ok $? "README.md runs clanpopd with options ($(tr '\n' ' ' <"$tmp/opt.used"))"
sort -u "$tmp/opt.help" >"$tmp/opt.help.sorted"
comm -23 "$tmp/opt.used" "$tmp/opt.help.sorted" >"$tmp/opt.unknown"
if [ -s "$tmp/opt.unknown" ]; then
	ok 1 "README.md's commands use only options of --help"
	echo "#   not in --help:"
	diag "$tmp/opt.unknown"
else
	ok 0 "README.md's commands use only options of --help"
fi

tap_done
