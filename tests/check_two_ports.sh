#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tutti-dp on two ports, each on a network of its own, in a lab of the
# test's own names: port 0 (af_packet) on the lab's veth owns
# 198.18.0.2/24, port 1 (af_packet on a second veth) owns 198.19.0.2/24,
# whose other end is in a second namespace of the test's, the far one,
# 198.19.0.1/24. tutti-cp (in the lab namespace, 198.18.0.1) has both as
# --media-ip. The far namespace reaches tutti-cp's SIP over a third veth
# (198.19.1.2 to the lab namespace's 198.19.1.1), which does not forward:
# its media can reach tutti-dp only over port 1's own link.
#   ports   tutti-dp's log says port 0 owns 198.18.0.2/24 and port 1
#           198.19.0.2/24
#   arp     198.19.0.2 answers ping from the far namespace; from the lab
#           namespace, routed onto port 0's link, it does not (port 0
#           answers no ARP for port 1's address) while 198.18.0.2 does
#   addr    a tutti-phone in the lab namespace and one in the far
#           namespace call conference demo: tutti-cp's log gives the lab
#           caller's leg 198.18.0.2 and the far caller's 198.19.0.2 (the
#           address on its own network), and the far phone was answered
#           with c=198.19.0.2
#   media   the lab phone sends 800 Hz, the far one 1300 Hz; once the far
#           phone has reported 7 seconds the test ends both (each phone's
#           last seconds then had the other in the conference): each
#           hears the other's tone at full level (within 6 dB) in each
#           of its last four seconds, 90 % of their packets
#   counts  tuttictl stats (JSON and its table) and Prometheus
#           (tutti-cp --metrics) give each port's driver counters, and
#           so does tutti-dp's stop log, with packets in and out on both;
#           a third port, memif with no peer, is said to be down (its
#           link) by them and tutti-dp's log, the two veths up
#   announce  tutti-dp announced port 1's address on port 1's link at
#           its start (RFC 5227: two ARP requests from and for it,
#           captured in the far namespace from before it started), and
#           not port 0's
# Needs root: SKIP (77) without.
set -u
top=$1 build=$2
. "$top/tests/lab_focus.sh"
lab_focus_init tp
phone=$build/tools/phone/tutti-phone
ctl=$build/tools/tuttictl/tuttictl
call=sip:demo@198.18.0.1:5060
far=tutti-tf$$ p1if=ttp$$ farif=ttf$$ sipif=tts$$ sipfarif=ttr$$

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	lab_focus_cleanup
	ip netns del "$far" 2>/dev/null
	ip link del "$p1if" 2>/dev/null
	ip link del "$sipif" 2>/dev/null
}
trap cleanup EXIT

# port 1's link, up before tutti-dp opens it (as tools/lab does port 0's)
ip netns add "$far" || fail "ip netns add $far"
ip link add "$p1if" type veth peer name "$farif" ||
	fail "ip link add $p1if"
ip link set "$farif" netns "$far"
sysctl -qw "net.ipv6.conf.$p1if.disable_ipv6=1" 2>/dev/null
ip link set "$p1if" up
ip netns exec "$far" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n "$far" link set lo up
ip -n "$far" addr add 198.19.0.1/24 dev "$farif"
ip -n "$far" link set "$farif" up
if command -v ethtool >/dev/null; then
	ip netns exec "$far" ethtool -K "$farif" tx off >/dev/null 2>&1
	ethtool -K "$p1if" tx off rx off >/dev/null 2>&1
fi

lab_addrs=198.18.0.2,198.19.0.2
# announce: the ARP requests on port 1's link from before tutti-dp starts,
# "who-has T tell S"
arp_capture "$far" "$farif" arp-far.txt

# and a third port, memif with no peer: its link down
lab_dp_addr_opts=(--addr "0=198.18.0.2/24" --addr "1=198.19.0.2/24"
	--addr "2=198.19.2.2")
lab_eal_opts=(--vdev "net_af_packet1,iface=$p1if"
	--vdev "net_memif0,role=server,socket=$out/memif.sock")
lab_focus_up --metrics 198.18.0.1:19100 ||
	fail "the focus in the lab did not come up"

# ports: each owns its own
grep -q "port 0 (.*): MAC .*, owns 198.18.0.2/24;" "$out/dp.log" ||
	fail "tutti-dp does not say port 0 owns 198.18.0.2/24"
grep -q "port 1 (.*): MAC .*, owns 198.19.0.2/24;" "$out/dp.log" ||
	fail "tutti-dp does not say port 1 owns 198.19.0.2/24"
echo "ok: tutti-dp's port 0 owns 198.18.0.2/24, its port 1 198.19.0.2/24"

# SIP from the far namespace: a link of its own to the lab namespace
ip link add "$sipif" type veth peer name "$sipfarif" ||
	fail "ip link add $sipif"
ip link set "$sipif" netns "$ns"
ip link set "$sipfarif" netns "$far"
ip -n "$ns" addr add 198.19.1.1/24 dev "$sipif"
ip -n "$ns" link set "$sipif" up
ip -n "$far" addr add 198.19.1.2/24 dev "$sipfarif"
ip -n "$far" link set "$sipfarif" up
ip -n "$far" route add 198.18.0.0/24 via 198.19.1.1 ||
	fail "no route from $far to the lab namespace"
ip -n "$ns" route add 198.19.0.0/24 via 198.19.1.2 ||
	fail "no route from the lab namespace to $far"
[[ $(ip netns exec "$ns" sysctl -n net.ipv4.ip_forward) == 0 ]] ||
	fail "the lab namespace forwards: the far media could reach port 0"

# arp: 198.19.0.2 on port 1's link, not on port 0's
ip netns exec "$far" ping -c 1 -W 5 198.19.0.2 >"$out/ping-far.out" 2>&1 ||
	fail "no answer to ping 198.19.0.2 from $far (port 1)"
grep -q "bytes from 198.19.0.2:" "$out/ping-far.out" ||
	fail "ping 198.19.0.2 from $far: the answer is not from 198.19.0.2"
ip -n "$ns" route add 198.19.0.2/32 dev "$labif" ||
	fail "no route to 198.19.0.2 on port 0's link"
ip netns exec "$ns" ping -c 1 -W 3 198.19.0.2 >"$out/ping-p0.out" 2>&1 &&
	fail "198.19.0.2 answered on port 0's link: $(cat "$out/ping-p0.out")"
ip netns exec "$ns" ping -c 1 -W 5 198.18.0.2 >"$out/ping-lab.out" 2>&1 ||
	fail "no answer to ping 198.18.0.2 from the lab namespace (port 0)"
ip -n "$ns" route del 198.19.0.2/32 dev "$labif"
echo "ok: 198.19.0.2 answers on port 1's link, not on port 0's, where 198.18.0.2 does"

# addr: the lab phone, then the far one
ip netns exec "$ns" "$phone" --local 198.18.0.1:40000 --call "$call" \
	--tone 800 --listen 1300 --json --duration 30 \
	>"$out/lab.json" 2>"$out/lab.err" &
lab_phone=$!
pids+=("$lab_phone")
# shellcheck disable=SC2317 # called through wait_for
joined() { (($(grep -c "joined conference demo" "$out/cp.log") >= $1)); }
wait_for "the lab phone joined" joined 1
ip netns exec "$far" "$phone" --local 198.19.0.1:40010 --call "$call" \
	--tone 1300 --listen 800 --json --duration 30 \
	>"$out/far.json" 2>"$out/far.err" &
far_phone=$!
pids+=("$far_phone")
wait_for "the far phone joined" joined 2
leg_addr() { # the RTP address of the leg of phone@WHO (A.B.C.D:) in cp.log
	sed -n "s/.*phone@$1[0-9]* joined conference demo (.*RTP address \([0-9.]*\),.*/\1/p" \
		"$out/cp.log"
}
a=$(leg_addr 198.18.0.1:)
[[ $a == 198.18.0.2 ]] ||
	fail "tutti-cp's log: the lab caller's leg on '$a', not 198.18.0.2"
a=$(leg_addr 198.19.0.1:)
[[ $a == 198.19.0.2 ]] ||
	fail "tutti-cp's log: the far caller's leg on '$a', not 198.19.0.2"
grep -q "in the conference $call: RTP to 198.19.0.2:" "$out/far.json" ||
	fail "the far phone was not answered with c=198.19.0.2:" \
		"$(grep "in the conference" "$out/far.json")"
echo "ok: the lab caller's leg on 198.18.0.2, the far caller's on 198.19.0.2 (its answer's c=)"

# media: both in for the far phone's 7 seconds, then both ended
# shellcheck disable=SC2317 # called through wait_for
reported() { (($(grep -c '^{' "$out/far.json") >= 7)); }
wait_for "the far phone's 7 seconds" reported
kill "$far_phone" "$lab_phone"
wait "$far_phone" || fail "the far phone: exit status $?"
wait "$lab_phone" || fail "the lab phone: exit status $?"
python3 - "$out/lab.json" 1300 "$out/far.json" 800 <<'PY' ||
import json, sys
for path, hz in zip(sys.argv[1::2], sys.argv[2::2]):
    secs = [json.loads(l) for l in open(path) if l.startswith("{")]
    if len(secs) < 6:
        sys.exit("%s: %d seconds reported, not 6 or more" % (path, len(secs)))
    # the last four seconds: 90 % of their 200 packets (a stall of the
    # shared CPU may cost a second some), each second some, and the other
    # phone's tone at full level in each
    last = secs[-4:]
    if sum(s["rx_last_s"] for s in last) < 180:
        sys.exit("%s: %d packets in the last 4 s, not 180 or more: %s" %
                 (path, sum(s["rx_last_s"] for s in last), last))
    for s in last:
        if s["rx_last_s"] < 10 or s["levels_db"][hz] < -6:
            sys.exit("%s: second %d: %d packets, %s Hz at %.1f dB" %
                     (path, s["second"], s["rx_last_s"], hz,
                      s["levels_db"][hz]))
PY
	fail "what the phones heard"
echo "ok: the lab phone hears the far one's 1300 Hz, the far phone the lab one's 800 Hz"
grep -q "refused by tutti-dp" "$out/cp.log" && fail "a leg was refused"

# ports: tuttictl stats and Prometheus give each port's driver counters
# (tutti-dp publishes them once a second), both ports with packets both
# ways
"$ctl" --socket "$out/ctl.sock" --json stats >"$out/stats.json" ||
	fail "tuttictl --json stats"
python3 - "$out/stats.json" <<'PY' || fail "tuttictl stats' ports"
import json, sys
ports = json.load(open(sys.argv[1]))["ports"]
if [(p["port"], p["device"], p["link_up"]) for p in ports] != \
        [(0, "net_af_packet0", True), (1, "net_af_packet1", True),
         (2, "net_memif0", False)]:
    sys.exit("ports: %s" % ports)
for p in ports[:2]:
    if p["rx_pkts"] < 100 or p["tx_pkts"] < 100:
        sys.exit("port %d: %d packets in, %d out" %
                 (p["port"], p["rx_pkts"], p["tx_pkts"]))
PY
"$ctl" --socket "$out/ctl.sock" stats >"$out/stats.txt" ||
	fail "tuttictl stats"
grep -Eq "^ +1  net_af_packet1 +up +[1-9][0-9]* +[1-9][0-9]* " \
	"$out/stats.txt" ||
	fail "tuttictl stats' table has no row for port 1: $(cat "$out/stats.txt")"
grep -Eq "^ +2  net_memif0 +DOWN " "$out/stats.txt" ||
	fail "tuttictl stats' table: port 2 not DOWN: $(cat "$out/stats.txt")"
ip netns exec "$ns" python3 - >"$out/metrics.txt" <<'PY' ||
import urllib.request
print(urllib.request.urlopen("http://198.18.0.1:19100/metrics",
                             timeout=5).read().decode())
PY
	fail "GET /metrics"
for k in 0 1; do
	grep -Eq "^tutti_port_packets_total\{port=\"$k\",device=\"net_af_packet$k\",dir=\"tx\"\} [1-9]" \
		"$out/metrics.txt" ||
		fail "Prometheus: no packets out of port $k"
done
grep -q '^tutti_port_missed_total{port="1",device="net_af_packet1"} ' \
	"$out/metrics.txt" || fail "Prometheus: no missed count of port 1"
grep -q '^tutti_port_up{port="0",device="net_af_packet0"} 1$' \
	"$out/metrics.txt" || fail "Prometheus: port 0 not up"
grep -q '^tutti_port_up{port="2",device="net_memif0"} 0$' \
	"$out/metrics.txt" || fail "Prometheus: port 2 (memif, no peer) not down"
grep -q "port 2 (net_memif0): link down" "$out/dp.log" ||
	fail "tutti-dp's log: port 2's link not said down"
grep -q "port 0 (net_af_packet0): link up" "$out/dp.log" ||
	fail "tutti-dp's log: port 0's link not said up"
echo "ok: tuttictl stats and Prometheus give both ports' counters, and each port's link (memif with no peer down)"

# announce: tutti-dp announced 198.19.0.2 on port 1's link (RFC 5227: two
# ARP requests from and for it), and not port 0's address there
n=$(grep -c "^who-has 198.19.0.2 tell 198.19.0.2$" "$out/arp-far.txt")
[[ $n -eq 2 ]] ||
	fail "198.19.0.2 announced $n times on port 1's link, not 2:" \
		"$(cat "$out/arp-far.txt")"
grep -q "198.18.0.2" "$out/arp-far.txt" &&
	fail "port 0's address on port 1's link: $(cat "$out/arp-far.txt")"
echo "ok: tutti-dp announced 198.19.0.2 twice on port 1's link (RFC 5227), and not 198.18.0.2"

# counters: at its stop tutti-dp logs each port's driver counters, both
# ports with packets in and out
kill -INT "$dp_pid"
wait "$dp_pid" || fail "tutti-dp: exit status $? at its stop"
for k in 0 1; do
	grep -Eq "port $k \(net_af_packet$k\): [1-9][0-9]* packets in, [1-9][0-9]* out; [0-9]+ missed" \
		"$out/dp.log" ||
		fail "tutti-dp's stop log: no packets both ways on port $k"
done
echo "ok: tutti-dp's stop log counts packets in and out on both ports"
exit 0
