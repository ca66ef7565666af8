#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tools/run (the README's first command): as root it builds a lab of its
# own names, starts both processes, which find each other, and the demo
# phones, which call in over SIP and each hear the other two tones and
# their own far down (tutti-dp given two addresses, tutti-cp both); then
# everything stops and the lab and the region are gone. Without root it
# runs the two processes alone (--no-lab).
set -eu
top=$1
build=$2
out=$(mktemp)
id=$$
trap 'rm -f "$out"' EXIT
if [ "$(id -u)" -eq 0 ]; then
	mode="--ns tutti-rt$id --dp-if ttrd$id --lab-if ttrl$id"
	mode="$mode --dp-ip 198.18.0.2,198.18.0.3"
else
	mode="--no-lab"
fi
# shellcheck disable=SC2086
"$top/tools/run" --no-build --build-dir "$build" --duration 4 $mode \
	--region "/tutti-run-test-$id" >"$out" 2>&1 || {
	cat "$out"; echo "FAIL: tools/run exited non-zero" >&2; exit 1; }
cat "$out"
want="found tutti-dp|found tutti-cp pid|answered on all|tools/run: stopped"
if [ "$(id -u)" -eq 0 ]; then
	want="$want|lab tutti-rt$id removed|tutti-phone 450Hz:  2s|tutti-phone 800Hz:  2s|tutti-phone 1300Hz:  2s|phone@198.18.0.1:40001 joined conference demo|phone@198.18.0.1:40003 joined conference demo|phone@198.18.0.1:40005 joined conference demo|metrics on http://198.18.0.1:9100|owns 198.18.0.2, 198.18.0.3;|media addresses: tutti-dp owns all 2"
fi
IFS='|'
for w in $want; do
	grep -q "$w" "$out" || { echo "FAIL: no '$w' in the output" >&2; exit 1; }
done
unset IFS
if [ "$(id -u)" -eq 0 ]; then
	# each phone: its own tone at least 30 dB down, the others within 3 dB
	grep 'tutti-phone .*  3s' "$out" | awk '
		{ for (i = 1; i <= NF; i++) if ($i == "Hz") {
			db = $(i + 1); sub(/dB/, "", db); own = ($(i + 3) == "(own)")
			if (own && db + 0 > -30) { print "FAIL: " $0; bad = 1 }
			if (!own && (db + 0 < -3 || db + 0 > 3)) { print "FAIL: " $0; bad = 1 }
		} n++ }
		END { if (n != 3) { print "FAIL: " n " phones at 3 s"; bad = 1 }; exit bad }' >&2
	! ip netns list | grep -q "tutti-rt$id" || { echo "FAIL: namespace left behind" >&2; exit 1; }
fi
[ ! -e "/dev/shm/tutti-run-test-$id" ] || { echo "FAIL: region left behind" >&2; exit 1; }
echo "ok: tools/run started the focus; they found each other"
