# tap.sh - Test Anything Protocol helpers for the shell tests (POSIX sh).
# Sourced: sets n and failed and defines ok, is, skip and tap_done.

n=0
failed=0

ok() {	# ok STATUS NAME: the test passes when STATUS is 0
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

is() {	# is GOT WANT NAME: exact string comparison, both shown on failure
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - $3"
	else
		echo "not ok $n - $3"
		printf '#   got:  %s\n' "$1" | sed '2,$s/^/#         /'
		printf '#   want: %s\n' "$2" | sed '2,$s/^/#         /'
		failed=$((failed + 1))
	fi
}

skip() {	# skip NAME REASON
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

tap_done() {	# print the plan; fail when any test failed
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
