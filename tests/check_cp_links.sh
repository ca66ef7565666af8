#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tutti-cp links no DPDK library: it uses only rte_ring's inline
# enqueue/dequeue on the shared region. Fails if any librte_* is needed.
set -eu
cp_bin=$1
needed=$(readelf -d "$cp_bin" | grep NEEDED || true)
echo "$needed"
if echo "$needed" | grep -q 'librte_'; then
	echo "FAIL: tutti-cp links a DPDK library" >&2
	exit 1
fi
if nm -u "$cp_bin" | grep -q ' rte_'; then
	echo "FAIL: tutti-cp refers to DPDK symbols:" >&2
	nm -u "$cp_bin" | grep ' rte_' >&2
	exit 1
fi
echo "ok: tutti-cp needs no DPDK library"
