# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# tests/lab_focus.sh, sourced by the lab tests (check_functional.sh,
# check_media_addrs.sh, check_ops_audio.sh, check_ptime.sh,
# check_routed.sh, check_vlan.sh, check_two_ports.sh): the whole
# focus in a lab of the caller's names.
# tutti-dp drives the root side of the veth through af_packet and owns
# 198.18.0.2 (or the addresses in lab_addrs, tutti-cp's --media-ip too);
# tutti-cp runs in the namespace, SIP on 198.18.0.1:5060, its
# operator socket at $out/ctl.sock, its state file at $out/cp.state, logs
# in $out/dp.log and $out/cp.log.
# The caller sets top and build, sources this file and calls
# lab_focus_init, which sets the rest.

# lab_focus_init TAG: SKIP (exit 77) without root; else the lab's names
# from TAG (two letters, its own per test) and this shell's pid: ns
# tutti-TAG<pid>, veths t<T>d<pid> and t<T>l<pid> (T: TAG's first
# letter), region /tutti-TAG<pid>; a temporary $out, an empty array pids
# (the processes started are appended), the EXIT trap lab_focus_cleanup,
# and fail MESSAGE... (prints it and every file in $out; exit 1), which
# the caller may define again.
lab_focus_init() {
	local t=$1

	[[ $(id -u) -eq 0 ]] || {
		echo "SKIP: needs root (network namespaces)"
		exit 77
	}
	ns=tutti-$t$$ dpif=t${t:0:1}d$$ labif=t${t:0:1}l$$ region=/tutti-$t$$
	out=$(mktemp -d)
	pids=()
	trap lab_focus_cleanup EXIT
}
fail() { echo "FAIL: $*" >&2; cat "$out"/* >&2; exit 1; }

# Wait until a check (a command and its arguments) succeeds, or fail
# (the caller's fail, if it defined its own) after DEADLINE_S seconds.
DEADLINE_S=20
wait_for() { # what, command...
	local what=$1 end=$((SECONDS + DEADLINE_S))
	shift
	until "$@"; do
		((SECONDS < end)) || fail "$what (no sign within ${DEADLINE_S} s)"
		sleep 0.2
	done
}

# Up, and tutti-cp attached to tutti-dp; non-zero if not within 20 s.
# Arguments: more tutti-cp options; lab_dp_opts (an array, if set): more
# tutti-dp options; lab_addrs (if set): tutti-dp's addresses, a list
# (198.18.0.2,198.18.0.3), all of them tutti-cp's --media-ip, in that
# order; lab_plen (if set): the prefix length tutti-dp gives each of them
# (--addr 0=198.18.0.2/24); lab_dp_addr_opts (an array, if set):
# tutti-dp's --addr options instead of the one made from lab_addrs and
# lab_plen (--addr 0=198.18.0.2/24 --addr 1=198.19.0.2/24, lab_addrs
# still tutti-cp's --media-ip); lab_eal_opts (an array, if set): more EAL
# options, before tutti-dp's "--" (a second port: --vdev
# net_af_packet1,iface=IF, an interface that is up already). tutti-dp's
# PID is in dp_pid.
lab_focus_up() {
	local end=$((SECONDS + 20)) addrs=${lab_addrs:-198.18.0.2}
	local dp_addrs=$addrs addr_opts

	[[ -n ${lab_plen:-} ]] && dp_addrs=${addrs//,//$lab_plen,}/$lab_plen
	addr_opts=(--addr "0=$dp_addrs")
	[[ -n ${lab_dp_addr_opts[*]:-} ]] && addr_opts=("${lab_dp_addr_opts[@]}")

	# shellcheck disable=SC2154 # top: set by the sourcing test
	"$top/tools/lab" up --ns "$ns" --dp-if "$dpif" --lab-if "$labif" \
		>/dev/null || return 1
	# shellcheck disable=SC2154 # build, lab_*_opts: set by the sourcing test
	"$build/dataplane/tutti-dp" -l "$(($(nproc) - 1))" --no-huge -m 256 \
		--no-pci --no-shconf --no-telemetry \
		--log-level=lib.eal:warning \
		--vdev "net_af_packet0,iface=$dpif" "${lab_eal_opts[@]}" -- \
		--region "$region" --idle-sleep-us 100 "${addr_opts[@]}" \
		"${lab_dp_opts[@]}" \
		>"$out/dp.log" 2>&1 &
	# shellcheck disable=SC2034 # dp_pid: read by the sourcing test
	dp_pid=$!
	pids+=($!)
	ip netns exec "$ns" "$build/controlplane/tutti-cp" --region "$region" \
		--wait 30 --sip 198.18.0.1:5060 --media-ip "$addrs" \
		--ctl "$out/ctl.sock" --state "$out/cp.state" "$@" \
		>"$out/cp.log" 2>&1 &
	pids+=($!)
	until grep -q "answered on all" "$out/cp.log" 2>/dev/null; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

# arp_capture NS IF FILE: the ARP requests on interface IF of namespace
# NS from now on, a line each ("who-has T tell S"), into $out/FILE, by a
# packet socket (no tcpdump here) in the background (its PID in pids);
# returns once it listens.
arp_capture() {
	ip netns exec "$1" python3 -u - "$2" >"$out/$3" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((sys.argv[1], 0))
print("listening", flush=True)
while True:
    f = s.recv(128)
    if len(f) >= 42 and f[20:22] == b"\x00\x01":
        print("who-has %s tell %s" % (socket.inet_ntoa(f[38:42]),
                                      socket.inet_ntoa(f[28:32])),
              flush=True)
PY
	pids+=($!)
	wait_for "the ARP capture on $2" grep -q "^listening" "$out/$3"
}

# lone_caller NAME TONE SECONDS: one tutti-gen --functional participant
# of its own (RTP from port 40100) calls sip:demo@198.18.0.1:5060 from
# the lab namespace with a TONE Hz tone for SECONDS; its JSON goes to
# $out/NAME.json, its log to $out/NAME.err. Its exit status.
lone_caller() {
	ip netns exec "$ns" "$build/tools/gen/tutti-gen" --functional \
		--local 198.18.0.1 --base-port 40100 --count 1 --tones "$2" \
		--call sip:demo@198.18.0.1:5060 --duration "$3" --json \
		>"$out/$1.json" 2>"$out/$1.err"
}

# caller_got NAME STATUS WHAT: fail, saying WHAT, unless lone_caller
# NAME's final SIP status was STATUS.
caller_got() {
	grep -q "\"sip_status\":$2" "$out/$1.json" ||
		fail "$3: $(cat "$out/$1.json")"
}

# shellcheck source=tests/stop.sh
. "$top/tests/stop.sh"

# The EXIT trap: end the processes in pids (by PID; stop_pids: 30 s
# after their SIGTERM, one still there is said, killed, and the test
# fails), remove the lab and $out (idempotent).
lab_focus_cleanup() {
	local hung=0

	stop_pids TERM "${pids[@]}" || hung=1
	"$top/tools/lab" down --ns "$ns" --dp-if "$dpif" --lab-if "$labif"
	((hung)) && cat "$out"/* >&2
	rm -rf "$out"
	((hung == 0)) || exit 1
}
