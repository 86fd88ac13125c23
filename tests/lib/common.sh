# common.sh - what every shell test sources first.
#
# Sets BG_TMP (a private temporary directory, removed at exit after the
# at_exit commands stopped what the test started), BG_SRC and BG_BUILD (top
# of the source and build trees; by hand, build/ of the quickstart), and
# loads the TAP and Redis helpers.

set -u
: "${BG_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
# run by hand from the source tree: the quickstart's build directory
if [ -z "${BG_BUILD:-}" ]; then
	if [ -d "$BG_SRC/build" ]; then BG_BUILD="$BG_SRC/build"; else BG_BUILD="$BG_SRC"; fi
fi
export BG_SRC BG_BUILD
BG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bgtest.XXXXXX")
chmod 755 "$BG_TMP"
BG_CLEANUP=""

. "$BG_SRC/tests/lib/tap.sh"
. "$BG_SRC/tests/lib/redis.sh"

# at_exit COMMAND: runs COMMAND when the test ends (last added, first run).
at_exit() {
	BG_CLEANUP="$1; $BG_CLEANUP"
}

bg_cleanup() {
	eval "$BG_CLEANUP"
	redis_stop
	[ -n "${BG_KEEP_TMP:-}" ] || rm -rf "$BG_TMP"
}
trap bg_cleanup EXIT
trap 'exit 1' INT TERM
