#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tutti-dp on an 802.1Q trunk (tutti-dp --vlan 0=100, af_packet on a veth)
# in a lab of the test's own names. This kernel has no VLAN interfaces
# (no 8021q), so the namespace's side speaks VLAN through a packet socket
# on its end of the veth: frames sent tagged, and the tag of each frame
# received read from the kernel's auxiliary data (it takes tags off into
# it before a packet socket sees them; af_packet does the same for
# tutti-dp, which asks the port to keep the tag off, its mbufs carrying
# it as stripped, and to put it on what it sends).
#   arp    an ARP request tagged with VLAN 100 is answered, tagged with
#          VLAN 100, from tutti-dp's MAC
#   ping   an ICMP echo request tagged with VLAN 100 is answered, tagged
#   other  the same request on VLAN 200, then untagged, is not answered,
#          while a tagged one sent after each of them is (tutti-dp's
#          queue is in order: the one before had its turn): both counted
#          as dropped
# Needs root: SKIP (77) without.
set -u
top=$1 build=$2
. "$top/tests/lab_focus.sh"
lab_focus_init vl

lab_dp_opts=(--vlan "0=100")
lab_focus_up || fail "the focus in the lab did not come up"
# af_packet offers tag stripping and insertion (the kernel and the PMD do
# them), so tutti-dp leaves both to the port (test_io covers software)
grep -q "port 0: VLAN 100: tags taken off by the port, put on by the port;" \
	"$out/dp.log" ||
	fail "tutti-dp does not name its VLAN, or does not leave the tags to" \
		"af_packet: $(grep "VLAN 100" "$out/dp.log")"
mac=$(cat "/sys/class/net/$dpif/address")

ip netns exec "$ns" python3 - "$labif" "$mac" >"$out/vlan.txt" 2>&1 <<'PY' ||
import socket, struct, sys, time

ifname, dp_mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 0x10
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((ifname, 0))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
s.settimeout(0.2)
my_mac = s.getsockname()[4]
me, dp = socket.inet_aton("198.18.0.1"), socket.inet_aton("198.18.0.2")

def frame(dst, ethertype, payload, vlan):
    tag = struct.pack("!HH", 0x8100, vlan) if vlan else b""
    return dst + my_mac + tag + struct.pack("!H", ethertype) + payload

def arp_request():
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + my_mac + me + \
        b"\0" * 6 + dp

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff

def echo_request(ident):
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"tutti-vlan"
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0x4000,
                     64, 1, 0, me, dp)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + icmp

def answers(deadline_s, want):
    """Frames from tutti-dp until one matches want (ethertype, payload)
    or deadline_s passes: [(vlan, ethertype, payload)] of those seen."""
    seen, end = [], time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(20))
        except socket.timeout:
            continue
        if data[6:12] != dp_mac:
            continue
        vlan = 0
        for level, kind, d in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, tci = struct.unpack("IIIHHH", d[:18])
                if status & TP_STATUS_VLAN_VALID:
                    vlan = tci & 0x0fff
        ethertype = struct.unpack("!H", data[12:14])[0]
        if ethertype == 0x8100:   # the tag left in the frame
            vlan = struct.unpack("!H", data[14:16])[0] & 0x0fff
            ethertype = struct.unpack("!H", data[16:18])[0]
            data = data[4:]
        seen.append((vlan, ethertype, data[14:]))
        if want(ethertype, data[14:]):
            return seen
    return seen

def is_arp_reply(t, p):
    return t == 0x0806 and p[6:8] == b"\0\2" and p[14:18] == dp

def is_echo_reply(ident):
    return lambda t, p: (t == 0x0800 and p[9] == 1 and p[20] == 0 and
                         struct.unpack("!H", p[24:26])[0] == ident)

bcast = b"\xff" * 6
s.send(frame(bcast, 0x0806, arp_request(), 100))
got = answers(10, is_arp_reply)
if not got or not is_arp_reply(got[-1][1], got[-1][2]) or got[-1][0] != 100:
    sys.exit("arp: no reply tagged with VLAN 100: %s" % got)
print("ok: an ARP request on VLAN 100 answered on VLAN 100")
s.send(frame(dp_mac, 0x0800, echo_request(1), 100))
got = answers(10, is_echo_reply(1))
if not got or got[-1][0] != 100:
    sys.exit("ping: no echo reply tagged with VLAN 100: %s" % got)
print("ok: an echo request on VLAN 100 answered on VLAN 100")
for n, (vlan, what) in enumerate(((200, "on VLAN 200"), (0, "untagged"))):
    s.send(frame(dp_mac, 0x0800, echo_request(10 + n), vlan))
    s.send(frame(dp_mac, 0x0800, echo_request(20 + n), 100))
    got = answers(10, is_echo_reply(20 + n))
    if not got or got[-1][0] != 100:
        sys.exit("other: the tagged request after one %s unanswered" % what)
    if any(is_echo_reply(10 + n)(t, p) for _, t, p in got):
        sys.exit("other: the request %s was answered" % what)
    print("ok: a request %s not answered" % what)
PY
	fail "$(tail -1 "$out/vlan.txt")"
cat "$out/vlan.txt"
exit 0
