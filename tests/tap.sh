# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# tests/tap.sh: TAP lines for the shell tests (sourced). ok / not_ok
# DESCRIPTION, check DESCRIPTION CONDITION... (ok if the command
# succeeds), and tap_end: the plan line, and a failing status if any
# check failed.
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() {	# check DESCRIPTION CONDITION...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
tap_end() {
	echo "1..$n"
	return $((fails != 0))
}
