#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tutti-dp on DPDK's pcap PMD, driven by a pcap replay with no SIP (static
# provisioning, issue 4 items 1 and 7): the capture holds an ARP request,
# a ping, a few frames of three G.711 legs each sending its own tone, and
# malformed packets; tutti-dp's output capture must hold the ARP reply, the
# echo reply, and RTP to each leg whose audio carries the other two tones
# and not its own (Goertzel), while the malformed packets are counted. No
# root: the pcap PMD reads and writes files.
set -u
build=$2	# $1: the source tree, not needed here
dp=$build/dataplane/tutti-dp
out=$(mktemp -d)
region=/tutti-pcap-$$
pid=
# shellcheck source=tests/stop.sh
source "$(dirname "$0")/stop.sh"
cleanup() {
	local hung=0

	stop_pids TERM "$pid" || hung=1
	rm -rf "$out" "/dev/shm$region"
	((hung == 0)) || exit 1
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f $out/dp.log ]] && cat "$out/dp.log" >&2; exit 1; }

# the capture to replay: legs 1-3 at 198.18.0.1:40000/40002/40004, sending
# to 198.18.0.2:20000/20002/20004 at 450, 800 and 1300 Hz
python3 - "$out/in.pcap" <<'PY' || fail "cannot write the capture"
import math, struct, sys

DP_MAC = bytes.fromhex("027063617000")	# the pcap PMD's own
PEER_MAC = bytes.fromhex("020000000001")
PEER, DP = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ipv4(proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0,
                    64, proto, 0, PEER, DP)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return DP_MAC + PEER_MAC + b"\x08\x00" + h + payload

def udp(sport, dport, payload, ident, good=True):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = PEER + DP + struct.pack("!BBH", 0, 17, len(u))
    c = csum(pseudo + u) or 0xffff
    if not good:
        c ^= 0x5555
    return ipv4(17, u[:6] + struct.pack("!H", c) + u[8:], ident)

def ulaw(x):
    # G.711 mu-law, as SpanDSP's linear_to_ulaw
    sign = 0x80 if x >= 0 else 0x00
    x = min(abs(x), 32635) + 0x84
    seg = max(0, x.bit_length() - 8)
    return (sign | (seg << 4) | ((x >> (seg + 3)) & 0x0f)) ^ 0xff

frames = []
arp = (b"\xff" * 6 + PEER_MAC + b"\x08\x06" +
       struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC, PEER,
                   b"\0" * 6, DP))
frames.append(arp)
echo = struct.pack("!BBHHH", 8, 0, 0, 0x77, 1) + b"tutti-pcap"
echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
frames.append(ipv4(1, echo, 1))
ident = 2
for f in range(6):
    for leg, hz in enumerate((450, 800, 1300)):
        pcm = [int(8000 * math.sin(2 * math.pi * hz * (f * 160 + k) / 8000))
               for k in range(160)]
        rtp = struct.pack("!BBHII", 0x80, 0, 100 + f, f * 160, 0x1000 + leg)
        frames.append(udp(40000 + 2 * leg, 20000 + 2 * leg,
                          rtp + bytes(ulaw(s) for s in pcm), ident))
        ident += 1
# malformed: RTP version 1, and a UDP checksum that does not add up
frames.append(udp(40000, 20000, struct.pack("!BBHII", 0x40, 0, 1, 0, 1)
                  + b"\xff" * 160, ident))
frames.append(udp(40002, 20002, struct.pack("!BBHII", 0x80, 0, 200, 0,
                  0x1001) + b"\xff" * 160, ident + 1, good=False))
with open(sys.argv[1], "wb") as o:
    o.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        o.write(struct.pack("<IIII", 1, i, len(fr), len(fr)) + fr)
PY

cat >"$out/prov" <<'EOF'
conference 1
legs 1-3 conference=1 remote=198.18.0.1:40000 local=20000
EOF
"$dp" -l 0 --no-huge -m 256 --no-pci --no-shconf --no-telemetry \
	--file-prefix "tpcap$$" \
	--vdev "net_pcap0,rx_pcap=$out/in.pcap,tx_pcap=$out/out.pcap" -- \
	--region "$region" --addr 0=198.18.0.2 --provision "$out/prov" \
	--idle-sleep-us 100 >"$out/dp.log" 2>&1 &
pid=$!
# a second of ticks after the replay: every frame played out
for _ in $(seq 100); do
	grep -q "ready: region" "$out/dp.log" && break
	kill -0 "$pid" 2>/dev/null || fail "tutti-dp did not start"
	sleep 0.05
done
sleep 1
kill -INT "$pid"
wait "$pid" || fail "tutti-dp exit status $?"
pid=
grep -q "provisioned 1 conference and 3 legs" "$out/dp.log" ||
	fail "not provisioned"
grep -q "worker 0: 1 dropped: bad_rtp" "$out/dp.log" ||
	fail "the RTP version 1 packet was not counted (bad_rtp)"
grep -q "worker 0: 1 dropped: bad_udp" "$out/dp.log" ||
	fail "the bad UDP checksum was not counted (bad_udp)"

python3 - "$out/out.pcap" <<'PY' || fail "the output capture is wrong"
import math, struct, sys

def ulaw_dec(c):
    c = ~c & 0xff
    t = (((c & 0x0f) << 3) + 0x84) << ((c & 0x70) >> 4)
    return (0x84 - t) if c & 0x80 else (t - 0x84)

def power(x, hz):	# Goertzel, at 8 kHz
    w = 2 * math.cos(2 * math.pi * hz / 8000)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + w * s1 - s2, s1
    return s1 * s1 + s2 * s2 - w * s1 * s2

data = open(sys.argv[1], "rb").read()
off, arp_reply, echo_reply = 24, False, False
audio = {40000: [], 40002: [], 40004: []}
while off + 16 <= len(data):
    n = struct.unpack("<IIII", data[off:off + 16])[2]
    fr = data[off + 16:off + 16 + n]
    off += 16 + n
    if fr[12:14] == b"\x08\x06" and fr[20:22] == b"\x00\x02":
        arp_reply = fr[28:32] == bytes([198, 18, 0, 2])
    elif fr[12:14] == b"\x08\x00" and fr[23] == 1 and fr[34] == 0:
        echo_reply = fr[42:52] == b"tutti-pcap"
    elif fr[12:14] == b"\x08\x00" and fr[23] == 17:
        dport = struct.unpack("!H", fr[36:38])[0]
        if dport in audio and len(fr) >= 42 + 12 + 160:
            audio[dport] += [ulaw_dec(c) for c in fr[54:54 + 160]]
assert arp_reply, "no ARP reply for 198.18.0.2"
assert echo_reply, "no echo reply"
tones = {40000: 450, 40002: 800, 40004: 1300}
for port, own in tones.items():
    x = audio[port]
    assert len(x) >= 160 * 6, "leg at %d got %d samples" % (port, len(x))
    p = {hz: max(power(x[i:i + 160], hz) for i in range(0, len(x) - 159, 160))
         for hz in tones.values()}
    others = [p[hz] for hz in tones.values() if hz != own]
    assert min(others) > 100 * max(p[own], 1.0), \
        "leg at %d: own %g, others %s" % (port, p[own], others)
    print("leg at %d hears %s, not %d Hz (%.0f dB below)" %
          (port, [hz for hz in tones.values() if hz != own], own,
           10 * math.log10(min(others) / max(p[own], 1.0))))
PY
echo "ok: tutti-dp on net_pcap, provisioned without SIP, mixes a pcap replay"
