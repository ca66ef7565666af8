#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tutti-tune's proposals on topologies of machines larger than this one
# (hwloc synthetic descriptions; one exported to XML and read back; XML
# files in lstopo's form with the NIC as a PCI device, tests/vectors/tune): workers on distinct physical cores of the ports'
# node, no SMT sibling and not core 0 or an interrupt-heavy CPU, the main
# lcore with tutti-cp on core 0's sibling; a benchmark over the candidate
# maps picks the best and draws the chart.
set -eu
T=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$T" --help | grep -q -- "--synthetic" || fail "no --help"

# two sockets of 8 cores x 2 threads, the NIC on node 1
j=$("$T" --synthetic "pack:2 numa:1 core:8 pu:2" --port-node 1 --json)
echo "$j"
echo "$j" | grep -q '"workers":\[16,18,20,22,24,26,28,30\]' ||
	fail "not one thread per core of node 1: $j"
echo "$j" | grep -q '"cp_cpu":1,' || fail "main lcore not on core 0's sibling"
echo "$j" | grep -q '"cross_node":false' || fail "cross-node map"

j=$("$T" --synthetic "pack:2 numa:1 core:8 pu:2" --port-node 0 --workers 3 --json)
echo "$j" | grep -q '"workers":\[2,4,6\]' || fail "--workers 3 on node 0: $j"

# an interrupt-heavy CPU is left alone
cat >"$tmp/irq" <<IRQ
           CPU0       CPU1       CPU2       CPU3
  24:        10         20     900000         15   PCI-MSI  nvme0q1
  25:         5         30     800000         25   PCI-MSI  eth0-rx
IRQ
j=$("$T" --synthetic "numa:1 core:4 pu:1" --irq-file "$tmp/irq" --json)
echo "$j" | grep -q '"workers":\[1,3\]' || fail "CPU 2 takes the interrupts: $j"

# a recorded topology (XML) gives the same proposal as the machine it came from
"$T" --synthetic "numa:4 core:6 pu:2" --export "$tmp/t.xml" --port-node 2 \
	--json >"$tmp/a"
"$T" --topology "$tmp/t.xml" --port-node 2 --json >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "XML round trip differs"
grep -q '"workers":\[24,26,28,30,32,34\]' "$tmp/a" || fail "node 2: $(cat "$tmp/a")"

# recorded topologies with the NIC as a PCI device (tests/vectors/tune):
# --port finds its node; workers one per core there, siblings idle
V=${TUNE_VECTORS:?}
j=$("$T" --topology "$V/2s16c2t-nic-on-socket1.xml" --port 0000:86:00.0 --json)
echo "$j" | grep -q '"ports_node":1,' || fail "NIC not found on node 1: $j"
echo "$j" | grep -q '"workers":\[32,34,36,38,40,42,44,46,48,50,52,54,56,58,60,62\]' ||
	fail "not one thread per core of socket 1: $j"
j=$("$T" --topology "$V/1s4n8c2t-nic-on-node2.xml" --port 0000:c1:00.0 \
	--workers 4 --json)
echo "$j" | grep -q '"ports_node":2,' || fail "NIC not found on node 2: $j"
echo "$j" | grep -q '"workers":\[32,34,36,38\]' || fail "node 2 of 4: $j"
if "$T" --topology "$V/2s16c2t-nic-on-socket1.xml" --port 0000:99:00.0 \
	2>"$tmp/e"; then fail "unknown port accepted"; fi
grep -q "no PCI device 0000:99:00.0" "$tmp/e" || fail "no clear error"

# --bench: the score is the last number printed; the best map wins; chart
j=$("$T" --synthetic "numa:2 core:4 pu:1" --port-node 0 \
	--bench 'echo score: $(echo {lcores} | tr -cd , | wc -c)' \
	--chart "$tmp/c.png" --json 2>/dev/null)
echo "$j"
echo "$j" | grep -q '"best":1' || fail "best map: $j"
head -c 8 "$tmp/c.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" ||
	fail "not a PNG"

# a topology that does not load is an error, not a proposal
if "$T" --topology /nonexistent.xml 2>"$tmp/e"; then fail "bad file accepted"; fi
grep -q "cannot load the topology" "$tmp/e" || fail "no clear error"
echo "ok: tutti-tune"
