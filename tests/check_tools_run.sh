#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tools/run (the README's first command) starts both processes, they find
# each other through the region, and both stop cleanly.
set -eu
top=$1
build=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$top/tools/run" --no-build --build-dir "$build" --duration 3 \
	--region "/tutti-run-test-$$" >"$out" 2>&1 || {
	cat "$out"; echo "FAIL: tools/run exited non-zero" >&2; exit 1; }
cat "$out"
for want in "found tutti-dp" "found tutti-cp pid" "answered on all" \
	"tools/run: stopped"; do
	grep -q "$want" "$out" || { echo "FAIL: no '$want' in the output" >&2; exit 1; }
done
[ ! -e "/dev/shm/tutti-run-test-$$" ] || { echo "FAIL: region left behind" >&2; exit 1; }
echo "ok: tools/run started both processes and they found each other"
