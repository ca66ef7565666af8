#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tuttictl's commands against a running focus, each effect checked in the
# roster and in the audio (issue 7). In a lab of the test's own names
# (tutti-dp over af_packet, tutti-cp in the namespace with --ctl, no
# policy), three tutti-gen --functional participants A, B, C with the tones
# 450, 800 and 1300 Hz call conference demo and report every 500 ms what
# each heard. Then, each step waiting for its condition with a deadline:
#   at first     each hears the other two and not itself
#   move A       A re-INVITEs with a new RTP port: B and C still hear it,
#                and it hears them on the new port
#   move A away  A re-INVITEs with another address (198.18.0.3, which
#                tutti-dp has to resolve with ARP) and port: the same
#   mute A       B and C no longer hear A; A is muted in show --json and
#                muted-via-focus (media recvonly) in the RFC 4575 roster
#   unmute A     B and C hear A again; the roster says connected
#   deaf B       B hears nothing; A and C still hear each other and B
#   undeaf B     B hears A and C again
#   kick C       C gets a BYE from the focus, is gone from show and the
#                mix; the roster says disconnected (booted), then drops C
#   lock         a new participant D (1700 Hz) gets 403; the roster's
#                conference-state says locked
#   unlock       D gets in and A and B hear it
#   overload     tutti-dp (--admit-busy 99) is stopped for 60 ms every
#                quarter second, so each second has late ticks: the
#                worker says overloaded, a new participant gets 503 (its
#                Retry-After: test_sip), tuttictl dial is refused
#                before any phone rings, A and B stay in the call;
#                stalls over, it admits again
#   end          everyone gets a BYE; no participants left (the roster:
#                booted, then no one)
# Needs root (network namespaces): SKIP (77) without.
set -u
top=$1 build=$2
. "$top/tests/lab_focus.sh"
lab_focus_init op
gen=$build/tools/gen/tutti-gen
ctl=$build/tools/tuttictl/tuttictl
fleet=$out/fleet.jsonl
call=sip:demo@198.18.0.1:5060
A=198.18.0.1:40001 B=198.18.0.1:40003 C=198.18.0.1:40005
D=198.18.0.1:40101
fail() {
	echo "FAIL: $*" >&2
	for f in "$out"/*.log "$out"/*.err; do
		[[ -f $f ]] && { echo "== $f" >&2; tail -n 30 "$f" >&2; }
	done
	echo "== the last windows" >&2
	tail -n 4 "$fleet" >&2
	exit 1
}
tctl() { "$ctl" --socket "$out/ctl.sock" "$@"; }
# An operator command, then look at the windows from now on.
operate() { tctl "$@" >/dev/null || fail "tuttictl $*"; set_mark; }
step() { echo "ok: $*"; }

# mark: the windows written from now on are the ones a check looks at
mark=0
set_mark() { mark=$(wc -l <"$fleet"); }

# A window since the mark in which the Python expression holds. In it, P
# is the window's participants (0 A, 1 B, 2 C), hears(i, hz) and
# not_hears(i, hz) judge participant i's level of a tone (>= -10 dB, <=
# -30 dB re the tone sent: tutti-gen --functional's own thresholds).
window_holds() {
	python3 - "$fleet" "$mark" "$1" <<'PY'
import json, sys
path, since, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for line in open(path).read().splitlines()[since:]:
    try:
        w = json.loads(line)
    except ValueError:
        continue		# being written
    P = w.get("participants")
    if P is None:
        continue
    lv = lambda i, hz: P[i]["levels_db"].get("%g" % hz, -99.0)
    hears = lambda i, hz: P[i]["rx"] > 0 and lv(i, hz) >= -10.0
    not_hears = lambda i, hz: lv(i, hz) <= -30.0
    if eval("(" + expr + ")"):
        sys.exit(0)
sys.exit(1)
PY
}

# What tutti-cp says about demo against expectations. roster: the RFC
# 4575 document (tuttictl roster), then who (a part of a user's entity)
# and its endpoint status and media status (or its disconnection-method
# when the status is disconnected), or "absent"; or "locked true|false"
# for the conference state. show: tuttictl --json show, then
# who (a part of a From) and its "muted" or "deaf" value, or "absent"; or
# "count N" participants.
focus_says() {
	local what=$1
	shift
	case $what in
		roster) tctl roster demo ;;
		show) tctl --json show demo ;;
	esac >"$out/$what.out" 2>>"$out/ctl.err" || return 1
	python3 - "$what" "$out/$what.out" "$@" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
what, path, args = sys.argv[1], sys.argv[2], sys.argv[3:]

def roster():
    ns = {"c": "urn:ietf:params:xml:ns:conference-info"}
    root = ET.parse(path).getroot()
    if args[0] == "locked":
        v = root.findtext("c:conference-state/c:locked", None, ns)
        return v == args[1]
    users = [u for u in root.findall("c:users/c:user", ns)
             if args[0] in u.get("entity", "")]
    if args[1] == "absent":
        return not users
    def status_ok(ep):
        if args[1] == "disconnected":
            return ep.findtext("c:disconnection-method", None, ns) == args[2]
        return args[2] in [m.findtext("c:status", None, ns)
                           for m in ep.findall("c:media", ns)]
    return any(ep.findtext("c:status", None, ns) == args[1] and status_ok(ep)
               for u in users for ep in u.findall("c:endpoint", ns))

def show():
    parts = json.load(open(path))["conference"]["participants"]
    if args[0] == "count":
        return len(parts) == int(args[1])
    mine = [p for p in parts if args[0] in p["from"]]
    if args[1] == "absent":
        return not mine
    return len(mine) == 1 and str(mine[0][args[1]]).lower() == args[2]

sys.exit(0 if (roster() if what == "roster" else show()) else 1)
PY
}
roster_says() { focus_says roster "$@"; }
show_says() { focus_says show "$@"; }

# a departed endpoint stays in the roster, disconnected, for two
# notification intervals and a half: 6.5 s to see it there
lab_dp_opts=(--admit-busy 99)
lab_focus_up --notify-interval-ms 3000 ||
	fail "the focus in the lab did not come up"

# a second address for the phones, where A moves later
ip netns exec "$ns" ip addr add 198.18.0.3/24 dev "$labif" ||
	fail "198.18.0.3 on $labif"
ip netns exec "$ns" "$gen" --functional --local 198.18.0.1 --count 3 \
	--tones 450,800,1300 --also-hear 1700 --call "$call" --duration 300 \
	--report-ms 500 --move-addr 198.18.0.3 >"$fleet" 2>"$out/fleet.err" &
fleet_pid=$!
pids+=("$fleet_pid")

wait_for "each hears the other two and not itself" window_holds \
	"all(P[i]['in_call'] for i in range(3)) and
	 hears(0, 800) and hears(0, 1300) and not_hears(0, 450) and
	 hears(1, 450) and hears(1, 1300) and not_hears(1, 800) and
	 hears(2, 450) and hears(2, 800) and not_hears(2, 1300)"
step "A, B and C each hear the other two and not themselves"

# live stats: three legs at 50 packets/s each go in, and three mixes out
stats_rates() {
	tctl --json stats | python3 -c '
import json, sys
w = json.load(sys.stdin)["workers"]
rx = sum(x["rx_pps"] for x in w); tx = sum(x["tx_pps"] for x in w)
sys.exit(0 if 120 <= rx <= 180 and 120 <= tx <= 180 and
         all(0 <= x["load_pct_1s"] <= 100 for x in w) else 1)'
}
wait_for "stats: about 150 packets/s in and out" stats_rates
tctl stats | grep -q "RX/s" || fail "tuttictl stats: no RX/s column"
# the packets a receive poll took, on average: 1 or more with packets in
# (a worker's row: the 15th field, after the 14 of the columns before;
# the workers' rows end where the ports' table starts)
tctl stats | awk '/PER POLL/ { h = 1 } /^ *PORT / { h = 0 }
	h && $1 ~ /^[0-9]+$/ { v = $15 } END { exit !(v + 0 >= 1) }' ||
	fail "tuttictl stats: no packets per receive poll"
step "stats: about 150 packets/s in and 150 out, load in the last second"

# A moves its media (a re-INVITE offering a new RTP port, as a phone that
# changes networks does): the focus sends there and takes A's packets
# from there, so the mix goes on as before
# (tutti-gen starts A's window again when it moves; B's and C's windows
# from the one after the move's on hold only what A sent from there)
kill -USR1 "$fleet_pid" || fail "SIGUSR1 to tutti-gen"
wait_for "tutti-gen: A moved to port 40006" \
	grep -q "RTP moved to 198.18.0.1 port 40006" "$out/fleet.err"
set_mark
wait_for "a window after the move" window_holds "True"
set_mark
wait_for "B and C hear A from its new port, and A hears them there" \
	window_holds "P[0]['rtp_port'] == 40006 and
	 hears(1, 450) and hears(2, 450) and hears(0, 800) and
	 hears(0, 1300) and not_hears(0, 450)"
step "move A: after its re-INVITE to a new RTP port, the mix goes on there"

# and to another address: tutti-dp has no MAC for it yet, and must ask
kill -USR2 "$fleet_pid" || fail "SIGUSR2 to tutti-gen"
wait_for "tutti-gen: A moved to 198.18.0.3 port 40008" \
	grep -q "RTP moved to 198.18.0.3 port 40008" "$out/fleet.err"
set_mark
wait_for "a window after the move" window_holds "True"
set_mark
wait_for "B and C hear A from 198.18.0.3, and A hears them there" \
	window_holds "P[0]['rtp_addr'] == '198.18.0.3' and
	 P[0]['rtp_port'] == 40008 and
	 hears(1, 450) and hears(2, 450) and hears(0, 800) and
	 hears(0, 1300) and not_hears(0, 450)"
step "move A away: re-INVITEd to another address, the mix goes on there"

operate mute demo "$A"
wait_for "B and C stop hearing A" window_holds \
	"not_hears(1, 450) and not_hears(2, 450) and
	 hears(1, 1300) and hears(2, 800) and hears(0, 800) and hears(0, 1300)"
wait_for "show: A muted" show_says "$A" muted true
wait_for "roster: A muted-via-focus, media recvonly" \
	roster_says "$A" muted-via-focus recvonly
step "mute A: B and C no longer hear A; A still hears them; roster and show say muted"

operate unmute demo "$A"
wait_for "B and C hear A again" window_holds "hears(1, 450) and hears(2, 450)"
wait_for "show: A not muted" show_says "$A" muted false
wait_for "roster: A connected, sendrecv" roster_says "$A" connected sendrecv
step "unmute A: B and C hear A again; roster says connected"

operate deaf demo "$B"
wait_for "B hears nothing, A and C still hear each other and B" window_holds \
	"not_hears(1, 450) and not_hears(1, 1300) and
	 hears(0, 1300) and hears(0, 800) and hears(2, 450) and hears(2, 800)"
wait_for "show: B deaf" show_says "$B" deaf true
step "deaf B: B hears nothing; A and C hear each other and B"

operate undeaf demo "$B"
wait_for "B hears A and C again" window_holds "hears(1, 450) and hears(1, 1300)"
wait_for "show: B not deaf" show_says "$B" deaf false
step "undeaf B: B hears A and C again"

operate kick demo "$C"
wait_for "C gets a BYE" window_holds \
	"P[2]['bye_from_focus'] and not P[2]['in_call']"
wait_for "roster: C disconnected, booted" roster_says "$C" disconnected booted
wait_for "C gone from show" show_says "$C" absent
wait_for "A and B no longer hear C" window_holds \
	"hears(0, 800) and not_hears(0, 1300) and hears(1, 450) and
	 not_hears(1, 1300)"
wait_for "C gone from the roster" roster_says "$C" absent
step "kick C: the focus hung up on C; C is gone from the roster and the mix"

tctl lock demo >"$out/lock.out" || fail "tuttictl lock"
grep -q ": locked" "$out/lock.out" || fail "tuttictl lock said: $(cat "$out/lock.out")"
wait_for "roster: locked" roster_says locked true
tctl --json list | grep -q '"name":"demo",[^}]*"locked":true' ||
	fail "list: demo not locked"
lone_caller d_locked 1700 2
caller_got d_locked 403 "a join while locked"
show_says count 2 || fail "a participant joined the locked conference"
step "lock: a new participant gets 403"

tctl unlock demo >/dev/null || fail "tuttictl unlock"
wait_for "roster: unlocked" roster_says locked false
lone_caller d_open 1700 6 &
dpid=$!
pids+=("$dpid")
set_mark
wait_for "D in the roster" roster_says "$D" connected sendrecv
wait_for "A and B hear D" window_holds "hears(0, 1700) and hears(1, 1700)"
wait "$dpid"
caller_got d_open 200 "a join after unlock"
grep -q '"passed":1' "$out/d_open.json" ||
	fail "D's verdict: $(cat "$out/d_open.json")"
step "unlock: a new participant gets in, A and B hear it"

wait_for "D gone" show_says "$D" absent
worker_says() { tctl --json stats | grep -q "\"overloaded\":$1"; }
# stalls of our own tutti-dp (by PID), a late tick every second
( while kill -STOP "$dp_pid" 2>/dev/null; do
	sleep 0.06
	kill -CONT "$dp_pid" 2>/dev/null
	sleep 0.2
  done ) &
stall=$!
pids+=("$stall")
wait_for "worker 0 overloaded" worker_says true
lone_caller d_busy 1700 2
# a dial-out is refused before any phone rings
if tctl dial demo "sip:busy@198.18.0.1:5999" >"$out/dial_busy.out" 2>&1; then
	fail "a dial-out while overloaded: $(cat "$out/dial_busy.out")"
fi
kill "$stall" 2>/dev/null
wait "$stall" 2>/dev/null
kill -CONT "$dp_pid"
caller_got d_busy 503 "a join while overloaded"
grep -q "refused (503): worker 0 is at its limit" "$out/cp.log" ||
	fail "tutti-cp did not log the refusal"
show_says count 2 || fail "a participant joined on an overloaded worker"
grep -q "worker 0, which owns demo, is at its limit" "$out/dial_busy.out" ||
	fail "tuttictl dial while overloaded: $(cat "$out/dial_busy.out")"
if grep -q "dialling sip:busy@" "$out/cp.log"; then
	fail "tutti-cp rang a phone its worker could not carry"
fi
wait_for "worker 0 admits again" worker_says false
tctl --json stats | grep -q '"new_legs_refused":[1-9]' ||
	fail "stats: no new leg refused"
tctl stats | grep -q "new legs refused: [1-9]" ||
	fail "the stats table: $(tctl stats)"
set_mark
wait_for "A and B still hear each other" window_holds \
	"all(P[i]['in_call'] for i in range(2)) and hears(0, 800) and hears(1, 450)"
step "overload: a new participant gets 503, a dial-out is refused, A and B stay in the call"

operate end demo
wait_for "A and B get a BYE" window_holds \
	"all(P[i]['bye_from_focus'] and not P[i]['in_call'] for i in range(3))"
wait_for "no one left" show_says count 0
wait_for "roster: A booted" roster_says "$A" disconnected booted
wait_for "no one in the roster" roster_says "phone@" absent
step "end: everyone hung up"
echo "ok: tuttictl's commands, checked in the roster and in the audio"
