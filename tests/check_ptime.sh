#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A conference ticking on 40 ms (tutti-cp --ptime 40), in a lab of the
# test's own names: four participants that offer and send 40 ms packets
# (tutti-gen --functional --ptime 40) all PASS (each hears the other
# talkers and not itself, < 1 % loss), and the focus's answers ask for
# 40 ms. Before, every leg of such a conference was refused by tutti-dp
# (a 20 ms send ptime is not a whole number of 40 ms ticks) and the calls
# got 503. Then four that send 20 ms, four that send 30 ms packets
# (ignoring the answer's a=ptime:40), and four that send 10, 20, 30 and
# 40 ms, one each: each tick's frame is assembled from them, and all
# PASS. Before, such packets were dropped by the jitter
# buffer and nobody heard them. Needs root: SKIP (77) without.
set -u
top=$1 build=$2
. "$top/tests/lab_focus.sh"
lab_focus_init pt
gen=$build/tools/gen/tutti-gen
lab_focus_up --ptime 40 || fail "the focus in the lab did not come up"

# 40 ms packets, then phones that ignore the focus's a=ptime:40 and send
# 20 or 30 ms, then one of each of 10, 20, 30 and 40 ms (the jitter
# buffer assembles each 40 ms tick from them)
for pt in 40 20 30 10,20,30,40; do
	ip netns exec "$ns" "$gen" --functional --local 198.18.0.1 --count 4 \
		--ptime "$pt" --call sip:demo@198.18.0.1:5060 --duration 5 \
		--json >"$out/p$pt.json" 2>"$out/p$pt.err" ||
		fail "a 40 ms conference, $pt ms participants: not every" \
			"participant passed"
	grep -q '"participants":4,"passed":4' "$out/p$pt.json" ||
		fail "$pt ms: $(cat "$out/p$pt.json")"
	for m in ${pt//,/ }; do	# each sent what it was given
		grep -q "\"ptime_ms\":$m," "$out/p$pt.json" ||
			fail "$pt ms: nobody sent $m ms"
	done
	echo "ok: a 40 ms conference, $pt ms participants: 4 of 4 passed"
done
grep -q "refused by tutti-dp" "$out/cp.log" && fail "a leg was refused"
exit 0
