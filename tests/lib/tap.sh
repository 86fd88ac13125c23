# tap.sh - TAP output for the shell tests (sourced).
#
# Each test script prints "1..N" at the end (tap_done) and one "ok"/"not ok"
# line per check; automake's tap-driver counts them, so `make check` reports
# every check, not every script.

TAP_N=0
TAP_FAILED=0

# tap_check STATUS DESCRIPTION: records one check from an exit status and
# returns 0 when it passed, 1 when it failed, so `tap_check ... || diagnostics` works.
tap_check() {
	_st=$1; shift
	TAP_N=$((TAP_N + 1))
	if [ "$_st" -eq 0 ] 2>/dev/null; then
		echo "ok $TAP_N - $*"
		return 0
	fi
	echo "not ok $TAP_N - $*"
	TAP_FAILED=$((TAP_FAILED + 1))
	return 1
}

# tap_is GOT WANT DESCRIPTION: passes when the two strings are equal, else shows both; returns as tap_check.
tap_is() {
	_got=$1; _want=$2; shift 2
	if [ "$_got" = "$_want" ]; then
		tap_check 0 "$*"
		return 0
	fi
	tap_check 1 "$*"
	printf '#   got:  %s\n#   want: %s\n' "$_got" "$_want"
	return 1
}

# tap_like GOT PATTERN DESCRIPTION: passes when GOT contains the fixed string PATTERN; returns as tap_check.
tap_like() {
	_got=$1; _pat=$2; shift 2
	case "$_got" in
	*"$_pat"*) tap_check 0 "$*"; return 0 ;;
	esac
	tap_check 1 "$*"
	printf '#   got:  %s\n#   want: ...%s...\n' "$_got" "$_pat"
	return 1
}

# tap_diag TEXT: a comment line in the output.
tap_diag() {
	printf '# %s\n' "$*"
}

# tap_bail TEXT: stops the whole script (the harness counts it as an error).
tap_bail() {
	echo "Bail out! $*"
	exit 1
}

# tap_done: prints the plan; call it last.
tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
