#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/test_gen.sh: tutti-gen end to end: two real processes (DPDK EAL, no
# hugepages) over a memif link. rtp against reflect: every packet comes
# back, exactly N legs seen, zero loss, valid checksums, no reordering;
# blast against reflect: packets flow both ways at full speed with valid
# checksums, and the generator says how busy it was; bounce against
# reflect: the same packets go round, none lost, each side's busy share
# reported; --write-provision gives a file tutti-dp --provision accepts;
# --srtp against tutti-dp: SRTP legs both ways, and other keys refused.
# usage: test_gen.sh TUTTI_GEN [TUTTI_DP]
set -uo pipefail

gen=${1:?usage: test_gen.sh TUTTI_GEN [TUTTI_DP]}
dp=${2:-}
dir=$(mktemp -d /tmp/tutti-gen-test.XXXXXX)
pids=()
# shellcheck source=tests/tap.sh
source "$(dirname "$0")/tap.sh"

# shellcheck source=tests/stop.sh
source "$(dirname "$0")/stop.sh"

cleanup() {
	local p hung=0

	# one by one, in the order they started (memif's peers: see
	# check_ctl_provision.sh)
	for p in "${pids[@]}"; do
		stop_pids TERM "$p" || hung=1
	done
	rm -rf "$dir"
	rm -f "/dev/shm/tutti-gen-test-$$"
	((hung == 0)) || exit 1
}
trap cleanup EXIT

# jget JSON KEY: a number from tutti-gen's one-line JSON report
jget() { sed -n "s/.*[{,]\"$2\":\([0-9.]*\).*/\1/p" <<<"$1"; }
# first and last CPU this process may use (EAL pins one lcore to each)
cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
cpu_a=$(tr ',-' '\n\n' <<<"$cpus" | head -1)
cpu_b=$(tr ',-' '\n\n' <<<"$cpus" | tail -1)
eal=(--no-huge -m 128 --no-pci --no-shconf --no-telemetry
	--log-level=lib.eal:warning --log-level=pmd.net.memif:error)

start_reflect() {	# start_reflect NAME: memif server, in the background
	"$gen" --lcores "0@$cpu_a" "${eal[@]}" --file-prefix "gt$$r$1" \
		--vdev="net_memif0,role=server,socket=$dir/$1.sock" -- \
		--mode reflect --quiet --json >"$dir/$1.reflect" 2>&1 &
	pids+=($!)
	reflect_pid=$!
	# a memif client fails at once if the server's (abstract) socket is
	# not there yet: wait until the server waits for its link
	for _ in $(seq 200); do
		grep -q 'waiting up to' "$dir/$1.reflect" && break
		sleep 0.05
	done
}
client_vdev=	# more of the client's memif devargs (",bsize=128")
start_client() {	# start_client NAME ARGS...: memif client, held
	local name=$1		# (--hold-s) in the background once its
	shift			# report is in $dir/NAME.out
	timeout 60 "$gen" --lcores "0@$cpu_b" "${eal[@]}" \
		--file-prefix "gt$$c$name" \
		--vdev="net_memif0,role=client,socket=$dir/$name.sock$client_vdev" -- \
		--quiet --json "$@" --hold-s 50 >"$dir/$name.out" \
		2>"$dir/$name.err" &
	client_pid=$!
	echo "$client_pid" >"$dir/$name.pid"	# timeout's: tutti-gen's parent
	pids+=("$client_pid")
	for _ in $(seq 600); do
		[[ -s "$dir/$name.out" ]] && break
		kill -0 "$client_pid" 2>/dev/null || break
		sleep 0.05
	done
}
stop_client() {		# SIGINT ends the hold: exits 0
	kill -INT "$client_pid"
	wait "$client_pid"
}
stop_reflect() {	# SIGINT: it prints its report and exits 0
	kill -INT "$reflect_pid"
	wait "$reflect_pid"
	local rc=$?
	pids=()
	return $rc
}

# busy_share_ok PCT: a busy share tutti-gen reported, above 0 and at most
# 100 (and a rounding)
busy_share_ok() { awk -v b="$1" 'BEGIN { exit !(b > 0 && b <= 100.5) }'; }

# --- options ---
check "--help prints the usage" \
	bash -c "'$gen' --help | grep -q 'usage: tutti-gen'"
check "--version" bash -c "'$gen' --version | grep -q '^tutti-gen '"
check "a warm-up outside rtp mode is refused" \
	bash -c "! '$gen' -- --mode blast --warmup-s 1 2>/dev/null"
check "an unknown option is refused" \
	bash -c "! '$gen' -- --colour=red 2>/dev/null"
# refused_saying TEXT ARGS...: tutti-gen -- ARGS fails, and says TEXT
refused_saying() {
	local text=$1 out
	shift
	out=$("$gen" -- "$@" 2>&1) && return 1
	grep -qF -- "$text" <<<"$out"
}
check "--per-leg with bounce is refused, and says why" \
	refused_saying 'rtp or blast only (bounce counts no leg)' \
	--mode bounce --per-leg /dev/null
check "bounce without a window is refused, and says why" \
	refused_saying 'without end' --mode bounce --window 0

# --- rtp against reflect (every client holds its link until the
# reflector is stopped: see the blast case) ---
legs=1000 confs=100 dur=2
start_reflect rtp
start_client rtp --mode rtp --legs $legs --confs $confs --talkers 3 \
	--rotate-s 0.5 --duration $dur --per-leg "$dir/legs.csv"
out=$(cat "$dir/rtp.out")
[[ -n $out ]] || cat "$dir/rtp.err" "$dir/rtp.reflect" >&2
echo "# rtp: $out"
tx=$(jget "$out" tx_pkts)
want=$((legs * 50 * dur))
check "rtp sends N legs x 50 pps x duration ($tx of ~$want)" \
	test "${tx:-0}" -ge $((want * 95 / 100)) -a "${tx:-0}" -le $((want * 105 / 100))
check "every packet comes back" test "$(jget "$out" rx_rtp)" = "$tx"
check "rx_pps is of what came back while sending (not the drain)" awk \
	-v p="$(jget "$out" rx_pps)" -v w="$(jget "$out" rx_pkts_sending)" \
	-v a="$(jget "$out" rx_pkts)" -v d="$(jget "$out" duration_s)" \
	'BEGIN { exit !(w > 0 && w <= a && p > 0 &&
			(p * d - w) ^ 2 <= 1 + (w / 1000) ^ 2) }'
check "exactly N legs seen" test "$(jget "$out" legs_seen)" = $legs
check "zero loss" test "$(jget "$out" lost)" = 0
check "expected equals sent" test "$(jget "$out" expected)" = "$tx"
check "no reordering, gaps or duplicates" test \
	"$(jget "$out" ooo)$(jget "$out" gaps)$(jget "$out" dups)" = 000
check "checksums valid after the round trip" \
	test "$(jget "$out" rx_bad_cksum)$(jget "$out" rx_bad_rtp)" = 00
check "the target's MAC was found with ARP" test "$(jget "$out" arp_rx)" -ge 1
check "--per-leg: one row per leg, each received all it expected, none lost" \
	test "$(awk -F, 'NR > 1 && $3 > 0 && $3 == $4 && $5 == 0 { n++ }
		END { print n + 0 }' "$dir/legs.csv")" = $legs
stop_reflect
check "reflect exits 0 on SIGINT" test $? -eq 0
stop_client
check "rtp run exits 0" test $? -eq 0
rout=$(grep '^{' "$dir/rtp.reflect")
echo "# reflect: $rout"
# the reflector also answered the ARP request: one more each way
check "reflect sent back all it received, dropped none" test \
	"$(jget "$rout" rx_pkts)" = "$(jget "$rout" tx_pkts)" -a \
	"$(jget "$rout" tx_drop)" = 0 -a "$(jget "$rout" rx_pkts)" = $((tx + 1))

# --- frames longer than the link's buffers (the client sizes them: 128
# bytes, the RTP frames are 214) take two each, both ways, and memif
# joins them into one mbuf as it receives: all come back whole ---
start_reflect chain
client_vdev=",bsize=128"
start_client chain --mode rtp --legs 100 --confs 10 --duration 1
client_vdev=
out=$(cat "$dir/chain.out")
echo "# 128-byte buffers: $out"
tx=$(jget "$out" tx_pkts)
check "128-byte buffers: every packet comes back, its checksums valid" \
	test "${tx:-0}" -gt 0 -a "$(jget "$out" rx_rtp)" = "$tx" -a \
	"$(jget "$out" rx_bad_cksum)" = 0 -a "$(jget "$out" lost)" = 0
stop_reflect
check "128-byte buffers: reflect exits 0" test $? -eq 0
stop_client
check "128-byte buffers: the run exits 0" test $? -eq 0

# --- a warm-up: sent, not counted; the window's start signalled ---
start_reflect warm
# stands in for tutti-dp: notes the SIGUSR1s tutti-gen sends it, one when
# the window opens and one when sending stops; at the first, it stops
# tutti-gen for 50 ms, a stall its loop counts (1000 packets a second of
# the reflector's wait in the link's ring meanwhile, none lost)
( trap 'echo got >>"$dir/usr1"
	if [[ ! -e "$dir/stalled" ]]; then
		touch "$dir/stalled"
		pkill -STOP -P "$(cat "$dir/warm.pid")"
		sleep 0.05
		pkill -CONT -P "$(cat "$dir/warm.pid")"
	fi' USR1
  for _ in $(seq 600); do
	[[ $(wc -l <"$dir/usr1" 2>/dev/null || echo 0) -ge 2 ]] && break
	sleep 0.05
  done
) &
catcher=$!
pids+=("$catcher")
wlegs=200
start_client warm --mode rtp --legs $wlegs --confs 20 --warmup-s 1 \
	--duration 1 --warmup-signal $catcher
out=$(cat "$dir/warm.out")
echo "# warm-up: $out"
tx=$(jget "$out" tx_pkts)
want=$((wlegs * 50))
# the window counts its own schedule, 50 rounds of the legs, however late
# the loop ran (the stall above, a loaded machine): what was still owed to
# the warm-up goes out before it opens, and nothing due after it closes is
# sent (one packet either way: the schedule's edges fall on TSC ticks)
check "warm-up: only the 1 s window is counted ($tx of $want sent)" \
	test "${tx:-0}" -ge $((want - 1)) -a "${tx:-0}" -le $((want + 1))
check "warm-up: reported as 1 s, the window as 1 s" awk \
	-v w="$(jget "$out" warmup_s)" -v d="$(jget "$out" duration_s)" \
	'BEGIN { exit !(w >= 0.999 && w < 1.001 && d >= 0.999 && d < 1.001) }'
check "warm-up: every leg seen in the window, none lost" \
	test "$(jget "$out" legs_seen)/$(jget "$out" lost)" = "$wlegs/0"
check "the 50 ms stall of its loop is counted" awk \
	-v n="$(jget "$out" loop_gaps_1ms)" -v m="$(jget "$out" loop_gap_ms_max)" \
	'BEGIN { exit !(n >= 1 && m >= 49.9) }'
wait $catcher
check "--warmup-signal: the process got SIGUSR1 at the window's start and end" \
	test "$(wc -l <"$dir/usr1" 2>/dev/null)" -eq 2
stop_reflect
check "warm-up: reflect exits 0" test $? -eq 0
stop_client
check "warm-up run exits 0" test $? -eq 0

# --- blast against reflect; the reflector stopped first, while the
# client holds the link (--hold-s): a memif peer must not see the link go
# while it runs (DPDK 22.11's memif unmaps the rings on a disconnect) ---
start_reflect blast
start_client blast --mode blast --legs 64 --confs 8 --duration 1
out=$(cat "$dir/blast.out")
check "--hold-s: the client holds the link after its report" \
	kill -0 "$client_pid"
echo "# blast: $out"
rx=$(jget "$out" rx_rtp)
check "blast: packets come back ($rx)" test "${rx:-0}" -gt 0
check "blast: faster than the rtp run's 50 kpps" \
	test "$(jget "$out" rx_pps | cut -d. -f1)" -gt 50000
check "blast: all 64 legs seen, valid checksums, no reordering" test \
	"$(jget "$out" legs_seen)/$(jget "$out" rx_bad_cksum)/$(jget "$out" ooo)" = "64/0/0"
check "blast: the generator's busy share is reported (0-100: $(jget "$out" busy_pct))" \
	busy_share_ok "$(jget "$out" busy_pct)"
stop_reflect
check "blast: reflect exits 0" test $? -eq 0
stop_client
check "--hold-s: SIGINT ends the hold, and the client exits 0" test $? -eq 0

# --- bounce against reflect: 64 packets built, then sent back and forth
# (the forwarding ceiling's loop: neither side builds packets) ---
start_reflect bounce
start_client bounce --mode bounce --legs 64 --confs 8 --duration 1 --window 64
out=$(cat "$dir/bounce.out")
echo "# bounce: $out"
check "bounce: its report says bounce" grep -q '"mode":"bounce"' "$dir/bounce.out"
tx=$(jget "$out" tx_pkts) rx=$(jget "$out" rx_pkts)
# more packets came back than were ever built: they went round
check "bounce: the window's packets went round ($rx back, 64 built)" \
	test "${rx:-0}" -gt 6400
check "bounce: every packet sent came back ($tx sent, $rx back), none lost" \
	test "${rx:-0}" -ge "${tx:-1}" -a "$(jget "$out" lost)" = 0
check "bounce: its busy share is reported ($(jget "$out" busy_pct) %)" \
	busy_share_ok "$(jget "$out" busy_pct)"
stop_reflect
check "bounce: reflect exits 0" test $? -eq 0
refl=$(grep '^{' "$dir/bounce.reflect" | tail -n 1)
echo "# reflect: $refl"
# the reflector forwarded what the client sent it, and says how busy it
# was while it had packets
check "bounce: the reflector sent back what it got ($(jget "$refl" rx_pkts))" \
	test "$(jget "$refl" rx_pkts)" -ge "$rx"
check "bounce: the reflector's busy share is reported ($(jget "$refl" busy_pct) %)" \
	busy_share_ok "$(jget "$refl" busy_pct)"
stop_client
check "bounce: the client exits 0" test $? -eq 0

# --- the provisioning file, read by tutti-dp itself ---
"$gen" -- --legs 100 --confs 10 --write-provision "$dir/s.prov"
check "--write-provision writes a file without EAL" test -s "$dir/s.prov"
if [[ -n "$dp" ]]; then
	timeout 30 "$dp" --lcores "0@$cpu_a" "${eal[@]}" \
		--file-prefix "gt$$dp" -- --region "/tutti-gen-test-$$" \
		--provision "$dir/s.prov" --idle-sleep-us 100 >"$dir/dp.log" 2>&1 &
	dp_pid=$!
	pids+=("$dp_pid")
	for _ in $(seq 100); do
		grep -q 'ready: region' "$dir/dp.log" && break
		sleep 0.1
	done
	check "tutti-dp --provision takes the generator's file" \
		grep -q 'provisioned 10 conferences and 100 legs' "$dir/dp.log"
	# SIGUSR1: the workers' totals now, and it goes on (to tutti-dp,
	# not to the timeout in front of it)
	dp_child=$(pgrep -P "$dp_pid" | head -1)
	kill -USR1 "${dp_child:-0}"
	for _ in $(seq 100); do
		grep -q 'snapshot: worker 0' "$dir/dp.log" && break
		sleep 0.05
	done
	# (any count of late ticks: a sanitizer build on a loaded machine
	# has some, which the benchmark, not this, is about)
	echo "# $(grep -m1 'snapshot: worker 0' "$dir/dp.log")"
	check "tutti-dp logs a snapshot on SIGUSR1" \
		grep -q 'snapshot: worker 0 (lcore [0-9]*): .* 10 conferences, 100 legs; [0-9]* ticks, [0-9]* late ticks' \
		"$dir/dp.log"
	check "... and keeps running" kill -0 "${dp_child:-0}"
	kill -INT "$dp_pid"
	wait "$dp_pid"
	pids=()

	# --- SRTP end to end: tutti-dp runs the generator's SRTP legs from
	# its provisioning file; tutti-gen protects what it sends and takes
	# back only what authenticates with the file's other key ---
	suite=AES_CM_128_HMAC_SHA1_80
	"$gen" -- --legs 100 --confs 10 --srtp $suite --srtp-seed 7 \
		--write-provision "$dir/srtp.prov"
	check "--srtp: the file gives every leg its suite and two keys" test \
		"$(grep -c "^legs .* srtp=$suite srtp-key-in=[A-Za-z0-9+/]\{40\} srtp-key-out=[A-Za-z0-9+/]\{40\}\$" \
		"$dir/srtp.prov")" = 10
	# srtp_run NAME SEED: tutti-dp (memif server) on srtp.prov, and
	# tutti-gen's 100 SRTP legs with keys from SEED for 2 s; its report
	# in $dir/NAME.out, tutti-dp's log in $dir/NAME.dp
	srtp_run() {
		: >"$dir/$1.dp"
		timeout 60 "$dp" --lcores "0@$cpu_a" "${eal[@]}" \
			--file-prefix "gt$$d$1" \
			--vdev="net_memif0,role=server,socket=$dir/$1.sock,mac=02:00:00:00:00:01" \
			-- --region "/tutti-gen-test-$$" --addr 0=198.18.0.1 \
			--provision "$dir/srtp.prov" >>"$dir/$1.dp" 2>&1 &
		reflect_pid=$!	# stop_reflect stops it
		pids+=("$reflect_pid")
		for _ in $(seq 200); do
			grep -q 'ready: region' "$dir/$1.dp" && break
			sleep 0.05
		done
		start_client "$1" --mode rtp --legs 100 --confs 10 \
			--duration 2 --dst-mac 02:00:00:00:00:01 \
			--srtp $suite --srtp-seed "$2"
		stop_reflect
		stop_client
	}
	srtp_run srtp 7
	out=$(cat "$dir/srtp.out")
	echo "# srtp: $out"
	check "tutti-dp provisions the legs with their keys" \
		grep -q 'provisioned 10 conferences and 100 legs (100 with SRTP)' \
		"$dir/srtp.dp"
	check "... from a file its owner's alone (600), so without a warning" \
		bash -c "[[ \$(stat -c %a '$dir/srtp.prov') == 600 ]] &&
		! grep -q 'may read it' '$dir/srtp.dp'"
	check "SRTP: every leg hears tutti-dp, all of it authenticated" test \
		"$(jget "$out" legs_seen)/$(jget "$out" rx_bad_srtp)/$(jget \
		"$out" tx_srtp_fail)" = 100/0/0
	check "... none lost, and packets came back ($(jget "$out" rx_rtp))" \
		test "$(jget "$out" lost)" = 0 -a "$(jget "$out" rx_rtp)" -gt 5000
	check "... tutti-dp took them in, refused none" bash -c "grep -Eq \
		'worker 0 \(lcore [0-9]+\): .* [1-9][0-9]{3,} packets in ' \
		'$dir/srtp.dp' && ! grep -q 'SRTP packets refused' '$dir/srtp.dp'"
	# the generator with other keys: each side refuses the other's
	srtp_run srtpbad 8
	out=$(cat "$dir/srtpbad.out")
	echo "# srtp, other keys: $out"
	check "other keys: the generator refuses all it gets, counts none" \
		test "$(jget "$out" rx_rtp)" = 0 -a "$(jget "$out" rx_bad_srtp)" -gt 1000
	check "... and tutti-dp refuses what the generator sends (auth)" \
		grep -Eq 'worker 0: [1-9][0-9]{3,} SRTP packets refused: auth' \
		"$dir/srtpbad.dp"
	check "--srtp with reflect is refused, and says why" \
		refused_saying 'rtp or blast only (reflect sends back' \
		--mode reflect --srtp $suite
	check "an unknown --srtp suite is refused" \
		refused_saying '--srtp AES_GCM: expected AES_CM_128_HMAC_SHA1_80' \
		--srtp AES_GCM
fi

tap_end
