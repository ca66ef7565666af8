#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tools/run (the README's first command): as root it builds a lab of its
# own names, starts both processes, which find each other, and the demo
# phones, which call in over SIP and each hear the other two tones and
# their own far down (tutti-dp given two addresses, tutti-cp both); a
# phone's packets captured with the tuttictl line it prints, into the
# --capture-dir given, which tcpdump reads; then everything stops and the
# lab and the region are gone. Without root it runs the two processes
# alone (--no-lab).
set -eu
top=$1
build=$2
out=$(mktemp)
ctl_out=$(mktemp)
cap=$(mktemp -d)
id=$$
trap 'rm -rf "$out" "$ctl_out" "$cap"' EXIT
if [ "$(id -u)" -eq 0 ]; then
	mode="--ns tutti-rt$id --dp-if ttrd$id --lab-if ttrl$id"
	mode="$mode --dp-ip 198.18.0.2,198.18.0.3 --capture-dir $cap"
else
	mode="--no-lab"
fi
# shellcheck disable=SC2086
"$top/tools/run" --no-build --build-dir "$build" --duration 5 $mode \
	--region "/tutti-run-test-$id" >"$out" 2>&1 &
run=$!
if [ "$(id -u)" -eq 0 ]; then
	# the first phone in, then the capture line tools/run prints, run
	i=0
	until grep -q 'phone@198.18.0.1:40001 joined conference demo' "$out" ||
	    [ $i -ge 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	line=$(sed -n 's/^  capture a leg: *//p' "$out" |
		sed 's/ 200$/ 20/')
	# shellcheck disable=SC2086
	[ -n "$line" ] && $line >"$ctl_out" 2>&1
fi
wait $run || {
	cat "$out"; echo "FAIL: tools/run exited non-zero" >&2; exit 1; }
cat "$out" "$ctl_out"
want="found tutti-dp|found tutti-cp pid|answered on all|tools/run: stopped"
if [ "$(id -u)" -eq 0 ]; then
	want="$want|lab tutti-rt$id removed|tutti-phone 450Hz:  2s|tutti-phone 800Hz:  2s|tutti-phone 1300Hz:  2s|phone@198.18.0.1:40001 joined conference demo|phone@198.18.0.1:40003 joined conference demo|phone@198.18.0.1:40005 joined conference demo|metrics on http://198.18.0.1:9100|TLS on port 5061 (certificate |call in TLS:    sip:demo@198.18.0.1;transport=tls|owns 198.18.0.2, 198.18.0.3;|media addresses: tutti-dp owns all 2"
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
	# the capture: 20 packets of the first phone's (its RTP and RTCP
	# ports 40000 and 40001), both ways, in the directory given
	grep -q "^capturing 20 packets of leg [0-9]* (sip:phone@198.18.0.1:40001) into $cap/leg-" "$ctl_out" ||
		{ echo "FAIL: tuttictl capture did not say where" >&2; exit 1; }
	grep -q "capture of leg [0-9]* done (all its packets): 20 packets in $cap/leg-" "$out" ||
		{ echo "FAIL: no capture done line" >&2; exit 1; }
	n=$(tcpdump -nr "$cap"/leg-*.pcap 2>/dev/null | grep -c '198.18.0.1.4000[01][: ]')
	[ "$n" -eq 20 ] || { echo "FAIL: $n of the capture's 20 packets are the phone's" >&2; exit 1; }
fi
[ ! -e "/dev/shm/tutti-run-test-$id" ] || { echo "FAIL: region left behind" >&2; exit 1; }
echo "ok: tools/run started the focus; they found each other"
