#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/check_trial_why.sh: bench/trial_why, the verdict of one sysbench
# trial and its reasons, on trials written by hand (figures of real
# trials of 2026-12-03): clean; late ticks at the worker's limit (with or
# without a long gap between polls), after such a gap below it, or
# otherwise; loss with the generator stalled longer than the ring lasts,
# with the worker's polls as far apart below its limit, or neither; legs
# unheard; the generator late;
# a trial with no late-tick count; input that is not a trial.
# usage: check_trial_why.sh TRIAL_WHY
set -uo pipefail
W=${1:?usage: check_trial_why.sh TRIAL_WHY}
# shellcheck source=tests/tap.sh
source "$(dirname "$0")/tap.sh"

base='{"n":20000,"loss_pct":0.0,"legs_seen":20000,"late_ticks":0,"gen_late":0,"gen_sent":6000000,"gen_stall_ms_max":1.2,"worker_poll_gap_ms":4.0,"worker_busy_pct":88.6}'
# with KEY:VALUE pairs replaced
trial() {
	local t=$base kv
	for kv in "$@"; do
		t=$(sed -E "s/\"${kv%%:*}\":[^,}]*/\"${kv%%:*}\":${kv#*:}/" <<<"$t")
	done
	echo "$t"
}
codes() {	# codes ARGS...: the reasons' codes of trial ARGS, in order
	"$W" <<<"$(trial "$@")" | python3 -c 'import json, sys
r = json.load(sys.stdin)
print(r["verdict"], " ".join(w["code"] for w in r["why"]))'
}

check "--help explains the codes" bash -c "'$W' --help | grep -q cpu_gap"
check "clean" test "$(codes)" = "clean "
check "... and --text says so" test "$("$W" --text <<<"$base")" = clean
check "late ticks after a 35 ms gap between polls: the CPU not run" \
	test "$(codes late_ticks:9118 worker_poll_gap_ms:35.3)" = "failed cpu_gap"
check "... a gap just under a ptime (19.8 ms at 73.1 % busy, 2026-12-04)" \
	test "$(codes late_ticks:1 worker_poll_gap_ms:19.8 \
	worker_busy_pct:73.1)" = "failed cpu_gap"
check "... a gap of exactly half a ptime counts" \
	test "$(codes late_ticks:1 worker_poll_gap_ms:10)" = "failed cpu_gap"
check "... a shorter one does not" \
	test "$(codes late_ticks:1 worker_poll_gap_ms:9.9)" = "failed late"
check "... half of --ptime-ms 10 counts" test "$("$W" --ptime-ms 10 \
	<<<"$(trial late_ticks:1 worker_poll_gap_ms:5)" | grep -c cpu_gap)" = 1
check "late ticks at 95.3 % busy: the worker at its limit" \
	test "$(codes late_ticks:60132 worker_busy_pct:95.3)" = "failed limit"
check "... its sentence" bash -c "'$W' --text <<<'$(trial late_ticks:60132 \
	worker_busy_pct:95.3)' | grep -q '60132 late ticks at 95.3 % busy (the worker at its limit'"
check "... with a 36.5 ms gap too, at 100 % busy: the limit (its catch-up)" \
	test "$(codes late_ticks:336497 worker_busy_pct:100 \
	worker_poll_gap_ms:36.5)" = "failed limit"
check "late ticks at 80 % busy and a 4 ms gap: neither" \
	test "$(codes late_ticks:17 worker_busy_pct:80)" = "failed late"
check "0.53 % lost, the generator stalled 13.6 ms (ring: 4.1 ms)" \
	test "$(codes loss_pct:0.53 gen_stall_ms_max:13.6)" = "failed gen_stall"
check "... a stall shorter than the ring lasts: loss" \
	test "$(codes loss_pct:0.53 gen_stall_ms_max:3.5)" = "failed loss"
check "0.099 % lost at 87.7 % busy, the worker's polls 15.3 ms apart" \
	test "$(codes loss_pct:0.099 worker_busy_pct:87.7 \
	worker_poll_gap_ms:15.3)" = "failed gap_loss"
check "... but at its limit, loss" test "$(codes loss_pct:0.099 \
	worker_busy_pct:99 worker_poll_gap_ms:15.3)" = "failed loss"
check "... the ring from --ring-slots (16384: 16.4 ms)" test "$("$W" \
	--ring-slots 16384 <<<"$(trial loss_pct:0.53 gen_stall_ms_max:13.6)" |
	grep -c '"loss"')" = 1
check "loss with tutti-dp's count of what it could not send" bash -c \
	"'$W' --text <<<'$(trial loss_pct:0.034 | sed 's/}$/,"dp_not_sent":2040}/')' |
	grep -q '0.034 % lost (2040 not sent by tutti-dp: the link back full)'"
check "... and when it sent them all" bash -c "'$W' --text <<<'$(trial \
	loss_pct:0.034 | sed 's/}$/,"dp_not_sent":0}/')' |
	grep -q '0.034 % lost (all sent by tutti-dp)'"
check "0.0099 % lost is clean, 0.01 % is not" test \
	"$(codes loss_pct:0.0099)/$(codes loss_pct:0.01)" = "clean /failed loss"
check "legs unheard" test "$(codes legs_seen:19999)" = "failed legs_unseen"
# srtp R G: the codes of a trial of sysbench --srtp, R and G refused
srtp() {
	"$W" <<<"${base%\}},\"dp_srtp_refused\":$1,\"gen_bad_srtp\":$2}" |
		python3 -c 'import json, sys
r = json.load(sys.stdin)
print(r["verdict"], " ".join(w["code"] for w in r["why"]), end="")
print("", *(w["text"] for w in r["why"] if w["code"] == "srtp"))'
}
check "SRTP refused by tutti-dp or by the generator; none is clean" test \
	"$(srtp 1 0 | cut -c1-11)/$(srtp 0 3 | cut -c1-11)/$(srtp 0 0)" = \
	"failed srtp/failed srtp/clean "
check "... and the sentence says both counts" bash -c "grep -q \
	\"SRTP refused: 4 of the generator's packets by tutti-dp, 7 of \" \
	<<<\"\$1\"" _ "$(srtp 4 7)"
check "the generator late for 0.01 % of its packets" \
	test "$(codes gen_late:600)" = "failed gen_late"
check "... 0.0099 % is clean" test "$(codes gen_late:594)" = "clean "
# what held the generator back: its own CPU, or the link (tutti-dp not
# taking its packets in); the figures of an attempt at N = 28,128
late() {	# late EXTRA_JSON: the gen_late sentence of a late trial
	"$W" --text <<<"$(trial gen_late:6211136 gen_sent:6211136 |
		sed "s/}\$/,$1}/")" | grep 'ptime late'
}
check "... the generator at its limit, by its busy share" bash -c \
	"grep -q 'offered: the generator at its limit, 99.2 % busy)' <<<'$(late \
	'"gen_busy_pct":99.2,"gen_refused_bursts":189447')'"
check "... the link refusing its bursts, below its limit" bash -c \
	"grep -q 'offered: the link refused it 189447 bursts, tutti-dp not taking them in (the generator 71.5 % busy))' <<<'$(late \
	'"gen_busy_pct":71.5,"gen_refused_bursts":189447')'"
check "... neither: its busy share said" bash -c \
	"grep -q 'offered; the generator 60 % busy)' <<<'$(late \
	'"gen_busy_pct":60,"gen_refused_bursts":0')'"
check "no late-tick count: not judged clean" \
	test "$(codes late_ticks:null)" = "failed unjudged"
check "every reason that applies, in order" test \
	"$(codes legs_seen:10 late_ticks:5 worker_poll_gap_ms:40 loss_pct:1 gen_late:6000)" \
	= "failed legs_unseen cpu_gap gap_loss gen_late"
t=$(trial late_ticks:9118 worker_poll_gap_ms:35.3 loss_pct:0.5)
check "--both: the object, then the sentences (one judgement)" test \
	"$("$W" --both <<<"$t")" = "$("$W" <<<"$t")"$'\n'"$("$W" --text <<<"$t")"
check "--text and --both together: refused" bash -c \
	"'$W' --text --both <<<'$base' 2>/dev/null; test \$? -eq 2"
check "not JSON: refused (exit 2)" bash -c \
	"'$W' <<<'late' 2>/dev/null; test \$? -eq 2"
check "not an object: refused (exit 2)" bash -c \
	"'$W' <<<'[1]' 2>/dev/null; test \$? -eq 2"
tap_end
