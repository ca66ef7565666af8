#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/check_sysbench.sh: bench/sysbench itself, small and without
# hugepages: a bad option is refused with a reason; --ab runs tutti-dp
# against tutti-gen over memif and gives its JSON; a search with one N
# measures a ceiling and the trial, with the memif buffer size it was
# given; each build's type is reported, and one that is not release
# with LTO warned of; a search against a reflector prints its table
# without a comparison that needs tutti-dp. Only what does not depend on
# the machine's speed is asserted (every leg heard, the JSON's shape);
# the figures are the benchmark's.
# usage: check_sysbench.sh BUILD_DIR
set -uo pipefail

build=${1:?usage: check_sysbench.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
sb=$root/bench/sysbench
dir=$(mktemp -d /tmp/tutti-sysbench-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
# shellcheck source=tests/tap.sh
source "$(dirname "$0")/tap.sh"
# jq_py FILE EXPR: a Python expression over the JSON object d of FILE
jq_py() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

"$sb" --memif-bsize 100 >"$dir/bad.out" 2>"$dir/bad.err"
rc=$?
check "--memif-bsize 100 is refused (exit 2)" test "$rc" -eq 2
check "... with the range it takes" grep -q "expected 256..65535" \
	"$dir/bad.err"
"$sb" --ceiling-window 0 >"$dir/bad.out" 2>"$dir/bad.err"
check "--ceiling-window 0 is refused (exit 2), with the range it takes" \
	test "$?/$(grep -c 'expected 1..65536 packets' "$dir/bad.err")" = 2/1

"$sb" --build "$build" --no-huge --ab "$build" --at 300 --pairs 1 \
	--trial-s 1 --warmup-s 1 --json >"$dir/ab.json" 2>"$dir/ab.err"
rc=$?
check "--ab at N = 300 exits 0" test "$rc" -eq 0
[[ $rc -eq 0 ]] || cat "$dir/ab.err" >&2
check "--ab: two trials, every leg seen in each" test \
	"$(jq_py "$dir/ab.json" \
	'[t["legs_seen"] for t in d["ab"]["trials"]]' 2>&1)" = "[300, 300]"
check "--ab: a median of B / A and the memif buffers" test \
	"$(jq_py "$dir/ab.json" \
	'd["ab"]["b_over_a_median"] > 0 and d["memif_bsize"] == 2048' 2>&1)" \
	= True
# what meson says of the build under test: its type and LTO
read -r btype blto < <(python3 -c 'import json, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
print(o["buildtype"], o["b_lto"])' "$build/meson-info/intro-buildoptions.json")
deployed=$([[ $btype == release && $blto == True ]] && echo 1 || echo 0)
check "--ab: each build's type and LTO, as meson says ($btype)" test \
	"$(jq_py "$dir/ab.json" '[(b["buildtype"], b["b_lto"]) for b in
	(d["build"], d["build_b"])]' 2>&1)" = "[('$btype', $blto), ('$btype', $blto)]"
check "... and a warning for each unless it is a deployment's" test \
	"$(grep -c "is $btype.*, not what a deployment runs" "$dir/ab.err")" = \
	$(( deployed ? 0 : 2 ))
check "--ab: bench/ab_stats on its one pair (no interval from one)" test \
	"$(jq_py "$dir/ab.json" \
	'(d["ab"]["stats"]["pairs"], d["ab"]["stats"]["ci90"])' 2>&1)" \
	= "(1, None)"

# The searches below check what a clean trial at N = 300 reports. On a
# shared machine a trial fails now and then (the worker's CPU not run for
# 20-40 ms: late ticks); a search without one is run again, at most
# three times, and says so.
# again FILE TRY: whether try TRY's search (its output FILE, JSON or a
# table; its progress FILE.err) found no N, and may be run again
again() {
	if grep -q 'N per worker core  *300 ' "$1" ||
		[[ $(jq_py "$1" 'd["rtp"]["n"]' 2>/dev/null) == 300 ]]; then
		return 1
	fi
	echo "# search $2: no clean trial at N = 300 ($(grep -o \
		'attempts: [^(]*' "${1%.*}.err" | head -1))$( (($2 < 3)) &&
		echo "; again")"
	(($2 < 3))
}
for try in 1 2 3; do
	"$sb" --build "$build" --no-huge --memif-bsize 512 --repeat 1 \
		--ceiling-window 128 --duration 1 --trial-s 1 --warmup-s 1 \
		--n-start 300 --n-max 300 \
		--json >"$dir/search.json" 2>"$dir/search.err"
	rc=$?
	((rc == 0)) && again "$dir/search.json" $try || break
done
check "a search at N = 300 exits 0" test "$rc" -eq 0
[[ $rc -eq 0 ]] || cat "$dir/search.err" >&2
check "search: a ceiling, and the buffer size it was given" test \
	"$(jq_py "$dir/search.json" \
	'd["ceiling"]["pps"] > 0 and d["memif_bsize"] == 512' 2>&1)" = True
check "search: the ceiling from bounce <-> reflect (--ceiling-window), each side's busy share" test \
	"$(jq_py "$dir/search.json" '(lambda c: c["gen"]["mode"] == "bounce"
	and c["reflect"]["mode"] == "reflect" and c["gen"]["lost"] == 0 and
	c["gen"]["window"] == c["window"] == 128 and
	all(0 < x["busy_pct"] <= 100.5 for x in (c["gen"], c["reflect"])))(
	d["ceiling"])' 2>&1)" = True
check "search: the ratio in busy cycles, the reflector's a packet over tutti-dp's a frame" test \
	"$(jq_py "$dir/search.json" '(lambda r: r["reflect_cycles_per_pkt"] > 0
	and r["cycles_per_leg_frame"] > 0 and abs(r["cost_ratio"] -
	r["reflect_cycles_per_pkt"] / r["cycles_per_leg_frame"]) <= 0.0006)(
	d["rtp"])' 2>&1)" = True
check "search: the cycles in ticks, a share of a participant frame's" test \
	"$(jq_py "$dir/search.json" '(lambda r: 0 < r["tick_cycles_per_leg_frame"]
	< r["cycles_per_leg_frame"])(d["rtp"])' 2>&1)" = True
check "search: each trial has the generator's busy share" test \
	"$(jq_py "$dir/search.json" 'all(0 < t["gen_busy_pct"] <= 100.5
	for t in d["rtp"]["trials"])' 2>&1)" = True
check "search: its first trial heard every leg" test \
	"$(jq_py "$dir/search.json" \
	'd["rtp"]["trials"][0]["legs_seen"]' 2>&1)" = 300
check "search: what tutti-dp could not send, from its log" test \
	"$(jq_py "$dir/search.json" 'all(type(t["dp_not_sent"]) is int and
	t["dp_not_sent"] >= 0 for t in d["rtp"]["trials"])' 2>&1)" = True
check "search: packets per receive poll, from tutti-dp's counters" test \
	"$(jq_py "$dir/search.json" \
	'1 <= d["rtp"]["trials"][0]["rx_per_poll"] <= 32' 2>&1)" = True
check "search: each trial judged, a failed one with its reasons" test \
	"$(jq_py "$dir/search.json" 'all((t["verdict"] == "clean") ==
	(t["why"] == []) and t["verdict"] in ("clean", "failed")
	for t in d["rtp"]["trials"])' 2>&1)" = True
check "search: the attempts counted by verdict and reason" test \
	"$(jq_py "$dir/search.json" '(sum(d["rtp"]["attempts"].values())
	>= 1 and d["rtp"]["attempts"].get("clean", 0) == sum(t["verdict"]
	== "clean" for t in d["rtp"]["trials"]))' 2>&1)" = True
check "search: its progress says clean or why not" grep -Eq \
	"packets per receive poll: (clean|failed: .+)$" "$dir/search.err"
check "search: its progress names the buffers" grep -q \
	"memif (512-byte buffers)" "$dir/search.err"

for try in 1 2 3; do
	"$sb" --build "$build" --no-huge --against reflect --repeat 1 \
		--duration 1 --trial-s 1 --warmup-s 1 --n-start 300 \
		--n-max 300 >"$dir/refl.txt" 2>"$dir/refl.err"
	rc=$?
	((rc == 0)) && again "$dir/refl.txt" $try || break
done
check "a search against a reflector exits 0" test "$rc" -eq 0
[[ $rc -eq 0 ]] || cat "$dir/refl.err" >&2
check "... its table: N, and no comparison in busy cycles without tutti-dp" \
	test "$(grep -c -e 'N per worker core  *300 ' -e \
	'busy cycles  *not compared: no tutti-dp' "$dir/refl.txt")" = 2
check "... and nothing in it is null" test "$(grep -c null "$dir/refl.txt")" = 0
check "... it names the build and its type" grep -Eq \
	"^  build +$build \\($btype(, LTO)?\\)$" "$dir/refl.txt"

tap_end
