#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/check_ctl_provision.sh: tuttictl provision on real processes, no
# root: tutti-dp (DPDK EAL, no hugepages) on a memif link with no
# --provision, tutti-cp attached to it (no SIP), tutti-gen on the other
# end of the link. A bad file is refused with its line and provisions
# nothing; the generator's own file (tutti-gen --write-provision) given to
# the running focus gives its conferences and legs in tuttictl list and on
# tutti-dp; every leg hears the mix while tutti-gen sends; tutti-cp
# restarted in the middle takes them over (none removed, the mixing goes
# on); tuttictl kick and end take legs off tutti-dp; tutti-gen's report
# of every leg: each heard, none lost; and tuttictl unprovision takes the
# rest away; tuttictl capture writes a leg's packets, and then a whole
# conference's, into pcap files that tcpdump reads; legs with a media
# timeout and no sender go, in one log line; a second file adds legs to a running conference, and
# unprovisioning the first leaves them.
# With SUITE, every leg is SRTP (tutti-gen --srtp SUITE): the keys go
# from the file through tutti-cp to tutti-dp, are kept across tutti-cp's
# restart, and tutti-gen authenticates all it hears.
# usage: check_ctl_provision.sh BUILD [SUITE]
set -uo pipefail

build=${1:?usage: check_ctl_provision.sh BUILD [SUITE]}
suite=${2:-}
srtp=()
[[ -n $suite ]] && srtp=(--srtp "$suite")
gen=$build/tools/gen/tutti-gen
dp=$build/dataplane/tutti-dp
cp=$build/controlplane/tutti-cp
ctl=$build/tools/tuttictl/tuttictl
dir=$(mktemp -d /tmp/tutti-ctlprov.XXXXXX)
region=/tutti-ctlprov-$$
sock=$dir/cp.sock
legs=100 confs=10
dp_pid='' cp_pid='' gen_pid=''
# shellcheck source=tests/tap.sh
source "$(dirname "$0")/tap.sh"
# shellcheck source=tests/stop.sh
source "$(dirname "$0")/stop.sh"

cleanup() {
	local p hung=0

	# tutti-dp before tutti-gen: DPDK 22.11's memif must not see its
	# peer go while its data path runs (bench/sysbench says more)
	for p in "$dp_pid" "$gen_pid" "$cp_pid"; do
		stop_pids INT "$p" || hung=1
	done
	rm -rf "$dir"
	((hung == 0)) || exit 1
}
trap cleanup EXIT

cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
cpu_a=$(tr ',-' '\n\n' <<<"$cpus" | head -1)
cpu_b=$(tr ',-' '\n\n' <<<"$cpus" | tail -1)
eal=(--no-huge --no-pci --no-shconf --no-telemetry
	--log-level=lib.eal:warning --log-level=pmd.net.memif:error)

# wait_for SECONDS CMD...: until CMD succeeds (0) or the time is up (1)
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[[ $SECONDS -ge $end ]] && return 1
		sleep 0.1
	done
}
tctl() { "$ctl" --socket "$sock" "$@"; }
quiet() { "$@" >/dev/null; }	# its output is no TAP line
# jnum JSON KEY: the first number of "KEY": in JSON
jnum() { grep -o "\"$2\":[0-9]*" <<<"$1" | head -1 | cut -d: -f2; }
# dp_legs: the legs tutti-dp runs (its stats, through tutti-cp)
dp_legs() { jnum "$(tctl --json stats)" legs; }
n_prov() { tctl --json list | grep -o '"provisioned":true' | wc -l; }
# show_all FIELD: FIELD of every participant of every conference, one a
# line
show_all() {
	local c
	for c in $(seq 1 $confs); do
		tctl --json show "$c" | grep -o "\"$1\":[0-9]*" | cut -d: -f2
	done
}
# all_above FIELD MIN: every leg's FIELD above MIN, and $legs of them
all_above() {
	show_all "$1" | awk -v m="$2" -v n=$legs \
		'$1 > m { k++ } END { exit !(k == n && NR == n) }'
}
start_cp() {
	"$cp" --region "$region" --ctl "$sock" --state "$dir/cp.state" \
		--media-ip 198.18.0.1 --wait 10 >>"$dir/cp.log" 2>&1 &
	cp_pid=$!
	wait_for 20 bash -c "'$ctl' --socket '$sock' --json stats 2>/dev/null |
		grep -q '\"dp_up\":true'"
}

mkdir "$dir/cap"
"$dp" --lcores "0@$cpu_a,1@$cpu_b" "${eal[@]}" -m 256 \
	--file-prefix "ctlprov$$d" \
	--vdev="net_memif0,role=server,socket=$dir/link.sock" -- \
	--region "$region" --addr 0=198.18.0.1/24 --legs 1024 \
	--capture-dir "$dir/cap" >"$dir/dp.log" 2>&1 &
dp_pid=$!
wait_for 30 grep -q 'ready: region' "$dir/dp.log" ||
	{ echo "# tutti-dp did not start:"; sed 's/^/#   /' "$dir/dp.log"; }
start_cp
check "tutti-cp attached to tutti-dp" kill -0 "$cp_pid"

# --- a bad file: refused with its line, nothing provisioned ---
"$gen" -- --legs $legs --confs $confs "${srtp[@]}" \
	--write-provision "$dir/g.prov"
sed 's/^legs 11-20 conference=2 remote=\([^ ]*\) /legs 11-20 conference=2 /' \
	"$dir/g.prov" >"$dir/bad.prov"
bad_line=$(grep -n '^legs 11-20' "$dir/bad.prov" | cut -d: -f1)
out=$(tctl provision "$dir/bad.prov" 2>&1)
rc=$?
echo "# $out"
check "a bad file is refused (exit status 1)" test $rc -eq 1
check "... naming its file and line" grep -qF \
	"$dir/bad.prov:$bad_line: legs 11-20: needs remote=A.B.C.D:PORT" \
	<<<"$out"
check "... and nothing is provisioned" test "$(n_prov)" -eq 0 -a \
	"$(dp_legs)" -eq 0

# --- the generator's file on the running focus ---
out=$(tctl provision "$dir/g.prov")
check "tuttictl provision takes tutti-gen's file" test $? -eq 0
echo "$out" | head -3 | sed 's/^/# /'
check "... and says what it made" grep -q \
	"^provisioned $dir/g.prov: $confs conferences, $legs legs$([[ -n $suite ]] &&
	echo " ($legs with SRTP)");" <<<"$out"
check "tuttictl list: $confs provisioned conferences" \
	wait_for 10 bash -c "[[ \$('$ctl' --socket '$sock' --json list |
		grep -o '\"provisioned\":true' | wc -l) -eq $confs ]]"
check "tutti-dp runs the $legs legs" wait_for 10 \
	bash -c "'$ctl' --socket '$sock' --json stats | grep -q '\"legs\":$legs,'"
check "every leg connected" test "$(show_all leg_id | wc -l)" -eq $legs -a \
	"$(for c in $(seq 1 $confs); do tctl --json show "$c"; done |
	   grep -o '"state":"connected"' | wc -l)" -eq $legs
check "... each with its media's protection (${suite:-none})" test \
	"$(for c in $(seq 1 $confs); do tctl --json show "$c"; done |
	   grep -o "\"srtp\":\"${suite:-none}\"" | wc -l)" -eq $legs
check "the table says provisioned" bash -c "'$ctl' --socket '$sock' list |
	grep -q '^1 .* provisioned  *10 '"
# show's table a page at a time: every leg once, by leg id
tctl --page 3 show 1 >"$dir/show.txt"
tctl --json show 1 | grep -o '"leg_id":[0-9]*' | cut -d: -f2 | sort -n \
	>"$dir/show.ids"
check "tuttictl --page 3 show: conference 1's 10 legs, by leg id" \
	test "$(awk 'NR > 1 { print $1 }' "$dir/show.txt")" = \
	"$(cat "$dir/show.ids")" -a "$(wc -l <"$dir/show.ids")" -eq 10
out=$(tctl provision "$dir/g.prov" 2>&1)
rc=$?
legs_line=$(grep -n '^legs 1-10 ' "$dir/g.prov" | cut -d: -f1)
check "provisioning it again is refused (exit status 1): its legs run" \
	test $rc -eq 1
check "... saying so, with the line" grep -qF \
	"$dir/g.prov:$legs_line: leg 1: conference 1 runs a leg 1 already" \
	<<<"$out"

# --- RTP: tutti-gen sends, every leg hears the mix ---
timeout 120 "$gen" --lcores "0@$cpu_a" "${eal[@]}" -m 128 \
	--file-prefix "ctlprov$$g" \
	--vdev="net_memif0,role=client,socket=$dir/link.sock" -- \
	--mode rtp --legs $legs --confs $confs --talkers 3 --duration 8 \
	"${srtp[@]}" --per-leg "$dir/legs.csv" --json --quiet --hold-s 60 \
	>"$dir/gen.json" 2>"$dir/gen.err" &
gen_pid=$!
check "tutti-dp receives every leg's RTP" wait_for 20 all_above rx_pkts 0
check "... and sends every leg the mix" wait_for 10 all_above tx_pkts 0

# --- tuttictl capture: a leg's packets into a pcap file tcpdump reads ---
out=$(tctl --wait 20 capture 1 prov:2@ 40)
rc=$?
echo "$out" | sed 's/^/# /'
cap=$(sed -n 's/^capturing 40 packets of leg [0-9]* (prov:2@[^)]*) into \([^ ]*\) .*/\1/p' <<<"$out")
check "tuttictl capture names its file, in tutti-dp's --capture-dir" \
	test "$(dirname "$cap")" = "$(realpath "$dir/cap")"
check "... and with --wait returns once it is done (exit status 0)" \
	bash -c "[[ $rc -eq 0 ]] && grep -qx '$cap: done, 40 packets (0 not kept)' <<<'$out'"
check "... which tutti-dp writes and says is done" wait_for 10 grep -q \
	"capture of leg [0-9]* done (all its packets): 40 packets in $cap" \
	"$dir/dp.log"
tctl captures | sed 's/^/# /'
check "tuttictl captures says it is done, its 40 packets all kept" bash -c \
	"'$ctl' --socket '$sock' captures |
	 grep -qE '^ +[0-9]+ done +40 +0  $cap \(prov:2@'"
port=$(tctl --json show 1 | grep -o '"from":"prov:2@[^}]*' |
	grep -o '"rtp_port":[0-9]*' | cut -d: -f2)
tcpdump -nr "$cap" >"$dir/cap.txt" 2>"$dir/cap.err"
check "tcpdump reads 40 packets there" test "$(wc -l <"$dir/cap.txt")" -eq 40
# (its RTCP, on the port above, is in the capture too: an SR of
# tutti-dp's may fall among the 40)
check "... UDP to and from the leg's port $port, both ways" bash -c \
	"[[ \$(grep -c ' > 198.18.0.1.$port: UDP' '$dir/cap.txt') -ge 10 &&
	   \$(grep -c ' 198.18.0.1.$port > .*: UDP' '$dir/cap.txt') -ge 10 &&
	   \$(grep -Ec '198.18.0.1.($port|$((port + 1)))[: ]' \
		'$dir/cap.txt') -eq 40 ]]"
[[ -s $dir/cap.err ]] && sed 's/^/# tcpdump: /' "$dir/cap.err"
out=$(tctl capture 1 prov:2@ 65536 2>&1)
check "a capture of more than 65535 packets is refused" grep -q \
	"'65536' is no number of packets (1 to 65535)" <<<"$out"
out=$(tctl --wait 5 capture 1 prov:2@ stop 2>&1)
rc=$?
check "--wait on a stop: no file to wait for (exit status 2)" bash -c \
	"[[ $rc -eq 2 ]] && grep -q 'no file to wait for' <<<\"\$1\"" _ "$out"
out=$(tctl --wait 5 list 2>&1)
rc=$?
check "--wait is for capture only (exit status 2)" bash -c \
	"[[ $rc -eq 2 ]] && grep -q 'wait is for capture' <<<\"\$1\"" _ "$out"

# --- tuttictl capture CONF all: every leg of a conference, one file ---
out=$(tctl capture 1 all 200)
echo "# $out"
cap=$(sed -n 's/^capturing 200 packets of conference 1 (all its participants) into \([^ ]*\) .*/\1/p' <<<"$out")
check "tuttictl capture 1 all names a conference's file" \
	test "$(dirname "$cap")" = "$(realpath "$dir/cap")"
check "... which tutti-dp writes and says is done" wait_for 10 grep -q \
	"capture of conference [0-9]* done (all its packets): 200 packets in $cap" \
	"$dir/dp.log"
tctl captures | sed 's/^/# /'
check "tuttictl captures lists it: all, done, 200" bash -c \
	"'$ctl' --socket '$sock' captures |
	 grep -qE '^ +all done +200 +0  $cap \(conference 1\)'"
tcpdump -nr "$cap" >"$dir/capc.txt" 2>"$dir/capc.err"
ports=$(tctl --json show 1 | grep -o '"rtp_port":[0-9]*' | cut -d: -f2)
grep -oE ' 198\.18\.0\.1\.[0-9]+ > ' "$dir/capc.txt" | cut -d. -f5 |
	cut -d' ' -f1 | sort -u >"$dir/capc.sent"
n_ports=$(wc -w <<<"$ports")
check "tcpdump reads 200 packets there" test "$(wc -l <"$dir/capc.txt")" -eq 200
check "... sent to each of conference 1's $n_ports legs" \
	test "$(grep -cxFf "$dir/capc.sent" <<<"$ports")" -eq "$n_ports"
for p in $ports; do echo "$p"; echo $((p + 1)); done >"$dir/capc.ports"
grep -oE '198\.18\.0\.1\.[0-9]+[: ]' "$dir/capc.txt" | cut -d. -f5 |
	tr -d ': ' >"$dir/capc.seen"
check "... and of its legs only (RTP, or RTCP on the port above)" \
	test -s "$dir/capc.seen" -a \
	-z "$(grep -vxFf "$dir/capc.ports" "$dir/capc.seen")"
[[ -s $dir/capc.err ]] && sed 's/^/# tcpdump: /' "$dir/capc.err"

# --- tutti-cp restarts: the legs are taken over, the mixing goes on ---
tx_before=$(show_all tx_pkts | awk '{ s += $1 } END { print s }')
kill -TERM "$cp_pid"
wait "$cp_pid"
check "tutti-cp stops cleanly (exit status 0)" test $? -eq 0
check "... writing the legs to its state file" \
	test "$(grep -c ' prov=1 ' "$dir/cp.state")" -eq $((confs + legs))
[[ -n $suite ]] &&
	check "... with their SRTP suite and both keys" test "$(grep -c \
	" srtp_suite=$suite srtp_key=[0-9a-f]\{60\} srtp_rx_key=[0-9a-f]\{60\}" \
	"$dir/cp.state")" -eq $legs
start_cp
check "the restarted tutti-cp took the $legs legs over, removed none" \
	grep -q "takeover: $legs participants taken over ($legs of them provisioned legs), 0 hung up (leg gone), 0 legs removed" \
	"$dir/cp.log"
check "... lists them" test "$(n_prov)" -eq $confs -a \
	"$(show_all leg_id | wc -l)" -eq $legs
check "... and tutti-dp mixed on meanwhile" wait_for 5 bash -c \
	"[[ \$(for c in \$(seq 1 $confs); do '$ctl' --socket '$sock' --json \
		show \$c; done | grep -o '\"tx_pkts\":[0-9]*' | cut -d: -f2 |
		awk '{ s += \$1 } END { print s }') -gt $tx_before ]]"

# --- kick and end take legs off tutti-dp ---
# tutti-gen's leg 91 (conference 10): its file's id is in its name
check "tuttictl kick removes a provisioned leg" quiet tctl kick 10 prov:91@
check "tuttictl end removes a provisioned conference" quiet tctl end 9
check "... and tutti-dp runs $((legs - 11)) legs" wait_for 10 bash -c \
	"'$ctl' --socket '$sock' --json stats | grep -q '\"legs\":$((legs - 11)),'"
check "... in $((confs - 1)) conferences" test "$(n_prov)" -eq $((confs - 1))

# --- tutti-gen's report: every leg heard, none lost ---
wait_for 30 test -s "$dir/gen.json"
# ... and its per-leg file, a header and a line a leg
wait_for 10 bash -c "[[ \$(wc -l <'$dir/legs.csv') -eq $((legs + 1)) ]]"
[[ -n ${KEEP:-} ]] && cp "$dir/legs.csv" "$KEEP"
out=$(cat "$dir/gen.json")
echo "# tutti-gen: $out"
check "every leg heard the mix (legs_seen $legs)" \
	test "$(jnum "$out" legs_seen)" = $legs
[[ -n $suite ]] &&
	check "... all of it authenticated, none refused (SRTP)" test \
	"$(jnum "$out" rx_bad_srtp)/$(jnum "$out" tx_srtp_fail)" = 0/0 -a \
	-z "$(grep 'SRTP packets refused\|refused the SRTP' "$dir/dp.log" \
	"$dir/cp.log")"
# conference 9's legs (81-90) and leg 91 heard nothing after they went:
# the others are held to their whole run
bad=$(awk -F, 'NR > 1 && ($1 < 81 || $1 > 91) &&
	($3 == 0 || $3 != $4 || $5 != 0) { print "#   " $0 }' "$dir/legs.csv")
[[ -n $bad ]] && echo "# legs that missed some (leg,conference,rx,expected,lost,...):" &&
	echo "$bad"
check "every leg left in place heard it all, none lost" test -z "$bad"
check "... all $((legs - 11)) of them" test "$(awk -F, \
	'NR > 1 && ($1 < 81 || $1 > 91) { n++ } END { print n + 0 }' \
	"$dir/legs.csv")" = $((legs - 11))
# --- unprovision: the rest goes ---
out=$(tctl unprovision "$dir/g.prov")
echo "# $out"
check "tuttictl unprovision ends the file's $((confs - 1)) conferences left" \
	grep -q "^unprovisioned $dir/g.prov: $((confs - 1)) conferences ended, $((legs - 11)) provisioned legs removed; 1 of" \
	<<<"$out"
check "... and tutti-dp runs no leg" wait_for 10 bash -c \
	"'$ctl' --socket '$sock' --json stats | grep -q '\"legs\":0,'"
check "... nor tuttictl lists one" test "$(n_prov)" -eq 0
check "tutti-cp's log sums the removals up, a line each time" grep -q \
	"provisioning: $((legs - 11)) legs removed (unprovisioned by the operator), $((confs - 1)) provisioned conferences ended" \
	"$dir/cp.log"
check "... and has no line for each conference that ended" \
	test "$(grep -c 'conference [0-9]* ended$' "$dir/cp.log")" -eq 0

# --- legs with a media timeout and no sender: they go, said once ---
printf '%s\n' 'conference 50' \
	'legs 201-203 conference=50 remote=198.18.0.2:30000 local=2000 timeout=300' \
	>"$dir/t.prov"
check "legs with a media timeout are provisioned" \
	quiet tctl provision "$dir/t.prov"
# (summed up a loop of tutti-cp's at a time: the three timeouts come in
# one tick of tutti-dp's, but a loaded tutti-cp may take its events in
# two turns, and then says them in two lines)
no_media_gone() {
	[[ $(grep -o 'provisioning: [0-9]* legs\? removed (no media)' \
		"$dir/cp.log" | awk '{ n += $2 } END { print n + 0 }') -eq 3 ]] &&
		grep -q 'removed (no media), 1 provisioned conference ended$' \
			"$dir/cp.log"
}
check "... time out unheard and go, summed up" wait_for 10 no_media_gone
check "... with no line for each leg" \
	test "$(grep -c 'no media for' "$dir/cp.log")" -eq 0
check "... and tutti-dp runs no leg" wait_for 10 bash -c \
	"'$ctl' --socket '$sock' --json stats | grep -q '\"legs\":0,'"

# --- legs added to a running conference, and taken off again ---
printf '%s\n' 'conference 60 talkers=2' \
	'legs 301-302 conference=60 remote=198.18.0.2:31000 local=3000' \
	>"$dir/a.prov"
printf '%s\n' 'conference 60 talkers=2' \
	'legs 303-305 conference=60 remote=198.18.0.2:31004 local=3004' \
	>"$dir/b.prov"
check "a conference of 2 legs is provisioned" quiet tctl provision "$dir/a.prov"
# --- tuttictl capture CONF next: the next leg to join, from its first ---
out=$(tctl capture 60 next:prov:304@ 30)
echo "# $out"
check "tuttictl capture 60 next:prov:304@ is armed" grep -q \
	"^the next participant to join conference 60 whose From has 'prov:304@' is captured from its first packet, 30 packets" \
	<<<"$out"
check "... and tuttictl captures says it waits" bash -c \
	"'$ctl' --socket '$sock' captures |
	 grep -qE '^ +next waiting +30 +-  \\(the next to join conference 60 whose From has .prov:304@.\\)'"
out=$(tctl provision "$dir/b.prov")
echo "$out" | sed 's/^/# /'
check "another file adds 3 legs to it" grep -q \
	"^provisioned $dir/b.prov: 1 conference, 3 legs; 0 conferences new" \
	<<<"$out"
check "... and tutti-dp runs the 5 in one conference" wait_for 10 bash -c \
	"'$ctl' --socket '$sock' --json stats | grep -q '\"confs\":1,\"legs\":5,'"
check "... connected, as tuttictl show says" wait_for 10 bash -c \
	"[[ \$('$ctl' --socket '$sock' --json show 60 |
	   grep -o '\"state\":\"connected\"' | wc -l) -eq 5 ]]"
check "... leg 304 captured from its LEG_ADD on, as tutti-cp says" \
	grep -q "conference 60: the operator captures 30 packets of prov:304@[^ ]* (leg [0-9]*), the next participant to join, from its first, into $(realpath "$dir/cap")/leg-" \
	"$dir/cp.log"
cap=$(sed -n 's/.*the next participant to join, from its first, into \([^ ]*\)$/\1/p' "$dir/cp.log")
check "... which tutti-dp writes and says is done" wait_for 10 grep -q \
	"capture of leg [0-9]* done (all its packets): 30 packets in $cap" \
	"$dir/dp.log"
port=$(tctl --json show 60 | grep -o '"from":"prov:304@[^}]*' |
	grep -o '"rtp_port":[0-9]*' | cut -d: -f2)
tcpdump -nr "$cap" >"$dir/capn.txt" 2>"$dir/capn.err"
check "tcpdump reads 30 packets there, from leg 304's port $port (or RTCP's)" \
	bash -c "[[ \$(wc -l <'$dir/capn.txt') -eq 30 &&
		   \$(grep -Ec ' 198.18.0.1.($port|$((port + 1))) > ' \
			'$dir/capn.txt') -eq 30 ]]"
[[ -s $dir/capn.err ]] && sed 's/^/# tcpdump: /' "$dir/capn.err"
check "... and tutti-cp waits for no more" bash -c \
	"'$ctl' --socket '$sock' --json captures | grep -q '\"armed\":\[\]'"
out=$(tctl unprovision "$dir/a.prov")
echo "# $out"
check "unprovisioning the first file keeps the conference" grep -q \
	": 0 conferences ended, 2 provisioned legs removed; 0 of its conferences not provisioned here; 1 kept" \
	<<<"$out"
check "... and the other file's 3 legs on tutti-dp" wait_for 10 bash -c \
	"'$ctl' --socket '$sock' --json stats | grep -q '\"confs\":1,\"legs\":3,'"
check "unprovisioning the second ends it" quiet tctl unprovision "$dir/b.prov"
check "... and tutti-dp runs no leg" wait_for 10 bash -c \
	"'$ctl' --socket '$sock' --json stats | grep -q '\"legs\":0,'"
check "... nor tuttictl lists it" test "$(n_prov)" -eq 0
kill -INT "$dp_pid"
wait "$dp_pid"
check "tutti-dp stops cleanly (exit status 0)" test $? -eq 0
dp_pid=''
tap_end
