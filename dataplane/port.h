/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port.h: NIC, queue and mempool set-up for tutti-dp, on any ethdev (real
 * NICs; here af_packet on a veth, memif, net_ring, net_null, pcap). Cold
 * path: main lcore at start and stop. The hot path reads struct dp_port
 * (const) for the port's MAC, owned address and offload capabilities.
 */
#ifndef TUTTI_DP_PORT_H
#define TUTTI_DP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "net.h"

struct rte_mempool;

#define DP_MAX_PORTS	8

struct dp_port {
	uint16_t port_id;
	uint16_t n_rxq;		/* receive queues configured */
	uint16_t n_txq;		/* transmit queues: one per worker */
	bool rx_cksum;		/* NIC verifies IPv4 and UDP checksums */
	bool tx_cksum;		/* NIC fills IPv4 and UDP checksums */
	bool tx_multi_seg;	/* sends chained mbufs (shared payloads
				 * attached, not copied: io.h) */
	bool started;
	uint32_t ipv4[DP_NET_ADDRS_MAX];	/* owned addresses, network
						 * order: n_addrs, [0] the
						 * first */
	uint8_t plen[DP_NET_ADDRS_MAX];	/* their prefixes' lengths (32:
					 * the address alone) */
	unsigned int n_addrs;
	uint8_t dscp;		/* of the packets sent (dp_port_init(): 46,
				 * EF, RFC 4594 telephony) */
	uint16_t vlan;		/* 802.1Q VLAN ID of its frames, 1-4094 (0:
				 * untagged): tags taken off and put on by
				 * the driver where it can (vlan_strip,
				 * vlan_insert), in software otherwise */
	bool vlan_strip;	/* the driver takes the tags off */
	bool vlan_insert;	/* the driver puts them on */
	uint32_t gw_be;		/* the gateway, network order (0: none:
				 * every destination asked for directly) */
	struct rte_ether_addr mac;
	char name[64];		/* device name, e.g. net_af_packet0 */
	char driver[32];
};

/*
 * Configure and start port_id with up to n_workers receive queues (fewer if
 * the device has fewer: the workers then share them through software
 * dispatch) and exactly n_workers transmit queues (so no worker ever locks
 * to send), rx_desc/tx_desc descriptors, mbufs from pool. ipv4 (network
 * order) is the address tutti-dp owns on it; vlan (1-4094; 0: none) the
 * 802.1Q VLAN its frames are tagged with. Enables the checksum offloads,
 * the multi-segment transmit and, with a VLAN, the tag stripping and
 * insertion the device has. On error err says why and what to do.
 * Returns 0 or -errno.
 */
int dp_port_init(struct dp_port *p, uint16_t port_id, uint16_t n_workers,
		 uint32_t ipv4, uint16_t vlan, struct rte_mempool *pool,
		 uint16_t rx_desc, uint16_t tx_desc, char *err, size_t errlen);

/*
 * Own one more address, ipv4 (network order), on p (after dp_port_init(),
 * before the workers attach), on a link of prefix length plen (0-32; 32:
 * the address alone). Returns 0, -EEXIST (owned already), -ENOSPC
 * (DP_NET_ADDRS_MAX owned) or -EINVAL (plen).
 */
int dp_port_add_addr(struct dp_port *p, uint32_t ipv4, unsigned int plen);

/* Set the prefix length of p's first address (dp_port_init() makes it
 * 32). Returns 0 or -EINVAL. */
int dp_port_set_plen(struct dp_port *p, unsigned int plen);

/*
 * Send what is for destinations outside p's addresses' prefixes through
 * the gateway gw_be (network order; before the workers attach), which
 * must lie inside one of them: it is asked for by ARP. Returns 0,
 * -ENETUNREACH (outside them all: give the addresses their prefixes),
 * -EADDRINUSE (one of p's own addresses) or -EINVAL (0.0.0.0, broadcast,
 * multicast, or a prefix's network or broadcast address).
 */
int dp_port_set_gateway(struct dp_port *p, uint32_t gw_be);

/* Stop and close the port (idempotent). */
void dp_port_fini(struct dp_port *p);

/*
 * Parse "PORT=A.B.C.D[/LEN][,A.B.C.D[/LEN]...]" (an --addr option) into a
 * port index and up to max IPv4 addresses in network order (*n of them;
 * none 0.0.0.0) with their prefix lengths into plen (32 where no /LEN);
 * plen NULL: no /LEN taken (a --gateway). Returns 0, -EINVAL (not that
 * form, or LEN above 32) or -ENOSPC (more than max).
 */
int dp_port_parse_addr(const char *s, uint16_t *port, uint32_t *ipv4,
		       uint8_t *plen, unsigned int max, unsigned int *n);

#endif /* TUTTI_DP_PORT_H */
