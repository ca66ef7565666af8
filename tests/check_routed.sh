#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A listen-only participant behind a router (tutti-dp --gateway), in a lab
# of the test's own names: tutti-dp (af_packet) owns 198.18.0.2/24 with
# the gateway 198.18.0.254, the lab namespace's second address (tutti-cp's
# is 198.18.0.1), which forwards between its link to tutti-dp and a second
# namespace of the test's, 198.19.0.2/24 behind 198.19.0.1.
#   router  the far namespace reaches tutti-dp through the lab's kernel
#           (ping 198.18.0.2 from 198.19.0.2), and tutti-dp's log names
#           its gateway
#   talk    a tutti-phone in the lab namespace calls conference demo and
#           sends an 800 Hz tone
#   listen  a tutti-phone --listen-only in the far namespace calls in
#           through the router (SIP, a=recvonly) and sends no RTP at all,
#           so tutti-dp never learns where it is from its packets: it
#           hears the tone at full level (within 6 dB) in each of the
#           last four seconds, 90 % of their packets, from the moment its
#           leg's next hop (the gateway) was asked for; without
#           --gateway tutti-dp would ask
#           for 198.19.0.2 itself on its link, where nothing answers
#   arp     tutti-dp asked for the gateway, and never for 198.19.0.2 (ARP
#           on its link, captured in the lab namespace by a packet socket)
# Needs root: SKIP (77) without.
set -u
top=$1 build=$2
. "$top/tests/lab_focus.sh"
lab_focus_init rt
phone=$build/tools/phone/tutti-phone
call=sip:demo@198.18.0.1:5060
far=tutti-rf$$ farif=trf$$ rtrif=trr$$

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	ip netns del "$far" 2>/dev/null
	ip link del "$rtrif" 2>/dev/null
	lab_focus_cleanup
}
trap cleanup EXIT

lab_plen=24
lab_dp_opts=(--gateway "0=198.18.0.254")
lab_focus_up || fail "the focus in the lab did not come up"
grep -q "owns 198.18.0.2/24;" "$out/dp.log" ||
	fail "tutti-dp does not say it owns 198.18.0.2/24"
grep -q "gateway 198.18.0.254:" "$out/dp.log" ||
	fail "tutti-dp does not name its gateway"

# router: the far namespace behind the lab's
ip netns add "$far" || fail "ip netns add $far"
ip link add "$rtrif" type veth peer name "$farif" ||
	fail "ip link add $rtrif"
ip link set "$rtrif" netns "$ns"
ip link set "$farif" netns "$far"
ip -n "$ns" addr add 198.18.0.254/24 dev "$labif" ||
	fail "no second address in the lab namespace"
ip -n "$ns" addr add 198.19.0.1/24 dev "$rtrif"
ip -n "$ns" link set "$rtrif" up
ip -n "$far" addr add 198.19.0.2/24 dev "$farif"
ip -n "$far" link set "$farif" up
ip -n "$far" link set lo up
ip -n "$far" route add default via 198.19.0.1 ||
	fail "no route from $far"
ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 ||
	fail "the lab namespace does not forward"
ip netns exec "$far" ping -c 1 -W 5 198.18.0.2 >"$out/ping.out" 2>&1 ||
	fail "198.19.0.2 cannot reach tutti-dp through the router"
echo "ok: 198.19.0.2 reaches tutti-dp through the lab namespace's kernel"

# arp: the ARP requests on tutti-dp's link from now on, "who-has T tell S"
arp_capture "$ns" "$labif" arp.txt

# talk, then listen
ip netns exec "$ns" "$phone" --local 198.18.0.1:40000 --call "$call" \
	--tone 800 --duration 12 >"$out/talker.txt" 2>&1 &
pids+=($!)
# shellcheck disable=SC2317 # called through wait_for
joined() { (($(grep -c "joined conference demo" "$out/cp.log") >= $1)); }
wait_for "the talker joined" joined 1
ip netns exec "$far" "$phone" --local 198.19.0.2:40010 --call "$call" \
	--listen-only --listen 800 --json --duration 6 \
	>"$out/listener.json" 2>"$out/listener.err"
rc=$?
((rc == 0)) || fail "the listen-only phone: exit status $rc"
grep -q "phone@198.19.0.2.*joined conference demo" "$out/cp.log" ||
	fail "tutti-cp: the listener did not join"
python3 - "$out/listener.json" <<'PY' || fail "what the listener heard"
import json, sys
secs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
if len(secs) < 6:
    sys.exit("%d seconds reported, not 6" % len(secs))
if any(s["tx"] != 0 for s in secs):
    sys.exit("the listen-only phone sent RTP: %s" % secs[-1])
# the last four seconds (the first may start before the gateway's MAC):
# 90 % of their 200 packets (a stall of the shared CPU may cost a second
# some), each second some, and the tone at full level in each
last = secs[2:]
if sum(s["rx_last_s"] for s in last) < 180:
    sys.exit("%d packets in the last 4 s, not 180 or more: %s" %
             (sum(s["rx_last_s"] for s in last), last))
for s in last:
    if s["rx_last_s"] < 10 or s["levels_db"]["800"] < -6:
        sys.exit("second %d: %d packets, 800 Hz at %.1f dB" %
                 (s["second"], s["rx_last_s"], s["levels_db"]["800"]))
PY
echo "ok: a listen-only participant behind the router hears the talker (sent nothing)"

# arp: tutti-dp asked for its gateway, never for the far address
grep -q "who-has 198.18.0.254 tell 198.18.0.2" "$out/arp.txt" ||
	fail "tutti-dp did not ask for its gateway: $(cat "$out/arp.txt")"
grep -q "who-has 198.19.0.2" "$out/arp.txt" &&
	fail "tutti-dp asked for 198.19.0.2 on its link"
echo "ok: tutti-dp asked for the gateway, not for the address behind it"
exit 0
