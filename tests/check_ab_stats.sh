#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bench/ab_stats: the verdict of paired B / A ratios on vectors worked out
# by hand. With n pairs the interval is [r(k), r(n-k+1)] of the sorted
# ratios, k the largest with 1 - 2 P(Binomial(n, 1/2) <= k - 1) >= 0.9:
# n = 8: k = 2 (1 - 2 * 9 / 256 = 0.930); n = 16: k = 5 (1 - 2 * 2517 /
# 65536 = 0.923); n = 5: k = 1 (1 - 2 / 32 = 0.938); n = 4: none (0.875).
set -eu
S=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
want() {	# want JSON SUBSTRING...
	j=$1
	shift
	for w in "$@"; do
		case "$j" in
		*"$w"*) ;;
		*) fail "no '$w' in $j" ;;
		esac
	done
}

"$S" --help | grep -q -- "--table" || fail "no --help"

# eight pairs, B below A in each
j=$("$S" 0.90 0.92 0.95 0.91 0.93 0.94 0.96 0.97)
echo "$j"
want "$j" '"pairs": 8' '"median": 0.935' '"b_cheaper_pairs": 8' \
	'"ci90": [0.91, 0.96]' '"coverage": 0.93' '"verdict": "B cheaper"'

# sixteen pairs of noise (2026-12-03, the divisions tried), on stdin
j=$(printf '%s\n' 0.917 1.192 1.073 0.948 1.08 0.785 0.978 0.953 \
	1.01 1.026 0.912 0.999 1.072 1.084 0.99 0.977 | "$S")
echo "$j"
want "$j" '"pairs": 16' '"median": 0.994' '"b_cheaper_pairs": 9' \
	'"ci90": [0.953, 1.072]' '"coverage": 0.923' \
	'"verdict": "no difference shown"'

# five pairs above 1: the interval is their range
j=$("$S" 1.05 1.10 1.02 1.20 1.07)
want "$j" '"ci90": [1.02, 1.2]' '"coverage": 0.938' \
	'"verdict": "B costlier"'

# four pairs cannot reach 90 %
j=$("$S" 0.5 0.6 0.7 0.8)
want "$j" '"ci90": null' '"verdict": "too few pairs'

# the table for people
t=$("$S" --table 0.90 0.92 0.95 0.91 0.93 0.94 0.96 0.97)
want "$t" "B below A in 8" "lies in [0.910, 0.960] (93.0 % coverage" \
	"B cheaper"

# what is not a ratio is refused, with exit status 2
rc=0
"$S" 0.9 x 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "'x' accepted (exit $rc)"
rc=0
"$S" 0.9 -1 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "a negative ratio accepted (exit $rc)"
echo "ok"
