# genconf.sh - large generated configurations, for t_cli.sh and
# bench/conf_scale.sh (sourced).

# genconf_clans N FILE TOKEN [dup]: api.token_file TOKEN and N distinct
# clan tags ("2" and 7 characters counted in base 14), one a line; with
# dup, one more line repeating the first.
genconf_clans() {
	awk -v n="$1" -v tok="$3" -v dup="${4:-}" 'BEGIN {
		c = "0289PYLQGRJCUV"
		print "api:\n  token_file: " tok "\nclans:"
		for (i = 0; i < n; i++) {
			t = ""
			x = i
			for (k = 0; k < 7; k++) {
				t = substr(c, x % 14 + 1, 1) t
				x = int(x / 14)
			}
			print "  - 2" t
		}
		if (dup != "")
			print "  - 20000000"
	}' >"$2"
}
