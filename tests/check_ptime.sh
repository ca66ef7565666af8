#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A conference ticking on 40 ms (tutti-cp --ptime 40), in a lab of the
# test's own names: four participants that offer and send 40 ms packets
# (tutti-gen --functional --ptime 40) all PASS (each hears the other
# talkers and not itself, < 1 % loss), and the focus's answers ask for
# 40 ms. Before, every leg of such a conference was refused by tutti-dp
# (a 20 ms send ptime is not a whole number of 40 ms ticks) and the calls
# got 503. Needs root: SKIP (77) without.
set -u
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
top=$1 build=$2
id=$$ ns=tutti-pt$$ dpif=tpd$$ labif=tpl$$ region=/tutti-pt$$
gen=$build/tools/gen/tutti-gen
. "$top/tests/lab_focus.sh"
out=$(mktemp -d)
pids=()
trap lab_focus_cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$out"/* >&2; exit 1; }
lab_focus_up --ptime 40 || fail "the focus in the lab did not come up"

ip netns exec "$ns" "$gen" --functional --local 198.18.0.1 --count 4 \
	--ptime 40 --call sip:demo@198.18.0.1:5060 --duration 5 --json \
	>"$out/p40.json" 2>"$out/p40.err" ||
	fail "a 40 ms conference: not every participant passed"
grep -q '"participants":4,"passed":4' "$out/p40.json" ||
	fail "40 ms: $(cat "$out/p40.json")"
grep -q "refused by tutti-dp" "$out/cp.log" && fail "a leg was refused"
echo "ok: a 40 ms conference, 40 ms participants: 4 of 4 passed"
