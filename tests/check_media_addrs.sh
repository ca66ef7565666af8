#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A focus with two media addresses, end to end, in a lab of the test's own
# names: tutti-dp (af_packet) owns 198.18.0.2 and 198.18.0.3, tutti-cp
# (in the namespace) has both as --media-ip and two RTP ports
# (--rtp-ports 20000-20002), so its pool is four legs: 198.18.0.2 ports
# 20000 and 20002, then 198.18.0.3 ports 20000 and 20002.
#   arp    both addresses answer ping from the namespace, each from
#          itself, and the namespace's neighbour table has tutti-dp's MAC
#          for both (tutti-dp answered ARP for the second address)
#   join   four tutti-gen --functional participants A, B, C, D (450, 800,
#          1300, 1700 Hz) call conference demo one after another: the
#          answers' c= and m= say 198.18.0.2:20000, 198.18.0.2:20002,
#          198.18.0.3:20000, 198.18.0.3:20002; tuttictl show and
#          tutti-cp's log say the same; a fifth caller gets 503 (the pool
#          is addresses x ports, all taken)
#   media  all four PASS (each hears the other three at full level and
#          itself at least 30 dB down, < 1 % loss), so the legs on the
#          second address, on the same ports as two on the first, are
#          told apart; and what each one received came from its own leg's
#          address and port and from nowhere else: C's and D's mix came
#          from 198.18.0.3, not from the first address
# Needs root: SKIP (77) without.
set -u
top=$1 build=$2
. "$top/tests/lab_focus.sh"
lab_focus_init ma
gen=$build/tools/gen/tutti-gen
ctl=$build/tools/tuttictl/tuttictl
call=sip:demo@198.18.0.1:5060
tctl() { "$ctl" --socket "$out/ctl.sock" "$@"; }

lab_addrs=198.18.0.2,198.18.0.3
lab_focus_up --rtp-ports 20000-20002 ||
	fail "the focus in the lab did not come up"
grep -q "owns 198.18.0.2, 198.18.0.3;" "$out/dp.log" ||
	fail "tutti-dp does not say it owns both addresses"
# tutti-cp read them from the region and found its own among them
grep -q "media addresses: tutti-dp owns all 2 (it owns 198.18.0.2, 198.18.0.3)" \
	"$out/cp.log" || fail "tutti-cp did not check its media addresses"

# arp: each address answers, from itself, with tutti-dp's MAC
mac=$(cat "/sys/class/net/$dpif/address")
for a in 198.18.0.2 198.18.0.3; do
	ip netns exec "$ns" ping -c 1 -W 5 "$a" >"$out/ping-$a.out" 2>&1 ||
		fail "no answer to ping $a"
	grep -q "bytes from $a:" "$out/ping-$a.out" ||
		fail "ping $a: the answer is not from $a"
	ip netns exec "$ns" ip neigh show "$a" dev "$labif" |
		grep -q "lladdr $mac " ||
		fail "$a: not at tutti-dp's MAC $mac in the namespace:" \
			"$(ip netns exec "$ns" ip neigh show dev "$labif")"
done
echo "ok: tutti-dp answers ARP and ping on 198.18.0.2 and 198.18.0.3"

# join: four participants, one after another (tutti-gen dials in turn)
ip netns exec "$ns" "$gen" --functional --local 198.18.0.1 --count 4 \
	--tones 450,800,1300,1700 --call "$call" --duration 8 --json \
	>"$out/four.json" 2>"$out/four.err" &
fleet=$!
pids+=("$fleet")
# shellcheck disable=SC2317 # called through wait_for
joined() { # N: N joined; a call that failed fails the test at once
	if grep -q "call failed" "$out/four.err"; then
		fail "a call failed: $(grep "call failed" "$out/four.err")"
	fi
	(($(grep -c "joined conference demo" "$out/cp.log") == $1))
}
wait_for "four joined" joined 4

# participant i: from phone@198.18.0.1:4000<2i+1>, its leg's address and
# port as tuttictl show and tutti-cp's log give them
want=("198.18.0.1:40001 198.18.0.2 20000" "198.18.0.1:40003 198.18.0.2 20002"
	"198.18.0.1:40005 198.18.0.3 20000" "198.18.0.1:40007 198.18.0.3 20002")
tctl --json show demo >"$out/show.json" || fail "tuttictl show demo"
python3 - "$out/show.json" "${want[@]}" <<'PY' || fail "tuttictl show"
import json, sys
parts = json.load(open(sys.argv[1]))["conference"]["participants"]
got = [(p["from"], p["rtp_addr"], p["rtp_port"]) for p in parts]
if len(got) != 4:
    sys.exit("show: %d participants, not 4: %s" % (len(got), got))
for w in sys.argv[2:]:
    who, addr, port = w.split()
    mine = [(a, n) for f, a, n in got if who in f]
    if mine != [(addr, int(port))]:
        sys.exit("show: %s: %s, not %s port %s (all: %s)" %
                 (who, mine, addr, port, got))
PY
for w in "${want[@]}"; do
	read -r who addr port <<<"$w"
	grep -q "phone@$who joined conference demo (.*RTP port $port, RTP address $addr," \
		"$out/cp.log" || fail "tutti-cp's log: $who not on $addr port $port"
done
echo "ok: the first two legs on 198.18.0.2, the next two on 198.18.0.3, ports 20000 and 20002 on each"

# a fifth: the pool (2 addresses x 2 ports) is full
lone_caller fifth 2100 1
caller_got fifth 503 "a fifth caller"
echo "ok: a fifth caller gets 503: four legs are two addresses x two ports"

# media: everyone hears the others, from its own leg's address and port
wait "$fleet" || fail "not every participant passed: $(cat "$out/four.json")"
python3 - "$out/four.json" "${want[@]}" <<'PY' || fail "the participants' RTP"
import json, sys
r = json.load(open(sys.argv[1]))
if r["participants"] != 4 or r["passed"] != 4:
    sys.exit("%d of %d passed" % (r["passed"], r["participants"]))
for i, w in enumerate(sys.argv[2:]):
    _, addr, port = w.split()
    p, leg = r["results"][i], "%s:%s" % (addr, port)
    if p["focus_rtp"] != leg:
        sys.exit("participant %d: the answer says %s, not %s" %
                 (i, p["focus_rtp"], leg))
    if p["rx_from"] != leg or p["rx_stray"] != 0:
        sys.exit("participant %d: RTP from %s (%d not from %s)" %
                 (i, p["rx_from"], p["rx_stray"], leg))
PY
echo "ok: four participants on two addresses hear each other, each from its own leg's address and port"
grep -q "refused by tutti-dp" "$out/cp.log" && fail "a leg was refused"
exit 0
