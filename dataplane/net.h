/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net.h: the packet edge of the data plane. Classifies one received
 * Ethernet frame for an interface (one MAC, up to DP_NET_ADDRS_MAX IPv4
 * addresses), answers ARP
 * and ICMP echo in place, hands IPv4/UDP payloads on, and drops and counts
 * everything else by reason; builds Ethernet+IPv4+UDP headers in front of
 * a payload for sending, or once per flow and length as a template that is
 * copied in front of each packet (dp_net_tpl_*). Pure functions over byte
 * buffers (no DPDK library, no mbuf): the worker passes rte_pktmbuf_mtod()
 * and the data length.
 * Dataplane, owning worker lcore, hot path; no allocation, no logging.
 *
 * What is accepted (everything else is a counted drop, enum dp_net_drop):
 *   - Ethernet II to our MAC, or to broadcast for ARP only, from a
 *     unicast MAC. No VLAN tags (strip them in the NIC). Other multicast
 *     destinations and any group source MAC are dropped.
 *   - ARP request (Ethernet/IPv4, op 1) whose target is one of our
 *     addresses, including RFC 5227 probes (sender 0.0.0.0): the frame is
 *     rewritten as the reply from that address, 42 bytes. An ARP reply
 *     whose target is one of them is reported (DP_NET_ARP_SEEN) so the
 *     caller can learn the sender's MAC.
 *   - IPv4, version 4, IHL >= 5, total length within the frame (Ethernet
 *     padding after it is ignored), not a fragment (MF or offset set), TTL
 *     not 0, header checksum good, destination one of our addresses
 *     (broadcast and multicast are dropped), source not 0/8, 127/8,
 *     multicast, 240/4 or one of our own addresses. IP options ARE allowed: they are covered by the
 *     header checksum, skipped and not interpreted (no source routing:
 *     replies go to the source address); an echo reply carries them back
 *     unchanged. The reserved flag bit is ignored.
 *   - ICMP echo request (type 8, code 0, >= 8 bytes, checksum good): the
 *     frame is rewritten as the echo reply (MACs and addresses swapped,
 *     from the address it was sent to,
 *     TTL 64, both checksums recomputed; any length, odd included). Other
 *     ICMP is dropped (DP_NET_DROP_ICMP_OTHER).
 *   - UDP: length field >= 8 and within the IPv4 payload (a shorter UDP
 *     length trims the datagram, as Linux does), neither port 0, checksum
 *     good or 0 (RFC 768: no checksum, allowed for IPv4, counted).
 *
 * Checksum verification in software can be skipped per frame with
 * DP_NET_RX_*_GOOD when the NIC verified it (mbuf RTE_MBUF_F_RX_*_CKSUM_GOOD)
 * and forced to fail with DP_NET_RX_*_BAD.
 *
 * Addresses and ports are in network order everywhere (suffix _be), as on
 * the wire and as in struct shm_msg_leg.
 */
#ifndef TUTTI_DP_NET_H
#define TUTTI_DP_NET_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
#define DP_NET_STATIC_ASSERT static_assert
extern "C" {
#else
#define DP_NET_STATIC_ASSERT _Static_assert
#endif

#define DP_NET_ETH_LEN	       14 /* Ethernet II header */
#define DP_NET_IPV4_LEN	       20 /* IPv4 header without options */
#define DP_NET_UDP_LEN	       8
#define DP_NET_ARP_LEN	       28 /* Ethernet/IPv4 ARP body */
#define DP_NET_HDR_LEN	       (DP_NET_ETH_LEN + DP_NET_IPV4_LEN + DP_NET_UDP_LEN)
#define DP_NET_ARP_FRAME_LEN   (DP_NET_ETH_LEN + DP_NET_ARP_LEN)
#define DP_NET_UDP_PAYLOAD_MAX (65535 - DP_NET_IPV4_LEN - DP_NET_UDP_LEN)
#define DP_NET_ETHERTYPE_IPV4  0x0800
#define DP_NET_ETHERTYPE_ARP   0x0806
#define DP_NET_TTL	       64 /* of what we send */

/* Wire headers. Packed: any alignment of the frame is fine. */
struct dp_net_eth {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type_be;
} __attribute__((packed));

struct dp_net_arp {
	uint16_t htype_be; /* 1: Ethernet */
	uint16_t ptype_be; /* 0x0800: IPv4 */
	uint8_t hlen;	   /* 6 */
	uint8_t plen;	   /* 4 */
	uint16_t op_be;	   /* 1 request, 2 reply */
	uint8_t sha[6];	   /* sender MAC */
	uint32_t spa_be;   /* sender IPv4 */
	uint8_t tha[6];	   /* target MAC */
	uint32_t tpa_be;   /* target IPv4 */
} __attribute__((packed));

struct dp_net_ipv4 {
	uint8_t ver_ihl; /* version << 4 | header length in words */
	uint8_t tos;
	uint16_t total_len_be;
	uint16_t id_be;
	uint16_t frag_be; /* flags (R, DF, MF) << 13 | offset */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum; /* as on the wire */
	uint32_t src_be;
	uint32_t dst_be;
} __attribute__((packed));

struct dp_net_udp {
	uint16_t src_port_be;
	uint16_t dst_port_be;
	uint16_t len_be; /* header + payload */
	uint16_t csum;	 /* as on the wire; 0 = none */
} __attribute__((packed));

struct dp_net_icmp {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
	uint16_t id_be;
	uint16_t seq_be;
} __attribute__((packed));

DP_NET_STATIC_ASSERT(sizeof(struct dp_net_eth) == DP_NET_ETH_LEN, "eth");
DP_NET_STATIC_ASSERT(sizeof(struct dp_net_arp) == DP_NET_ARP_LEN, "arp");
DP_NET_STATIC_ASSERT(sizeof(struct dp_net_ipv4) == DP_NET_IPV4_LEN, "ipv4");
DP_NET_STATIC_ASSERT(sizeof(struct dp_net_udp) == DP_NET_UDP_LEN, "udp");
DP_NET_STATIC_ASSERT(sizeof(struct dp_net_icmp) == 8, "icmp");

/* Addresses one interface can own: each is a space of 65536 UDP ports
 * (a leg's local port on one address is free on the others). */
#define DP_NET_ADDRS_MAX       16

/* Our side of a port. */
struct dp_net_iface {
	uint8_t mac[6];
	uint8_t n_ip;			/* of ip_be in use; 0 reads as 1 */
	uint32_t ip_be[DP_NET_ADDRS_MAX];	/* [0]: the first */
	/* routing, read when a leg's flow is set (dp_net_next_hop()):
	 * each address's prefix as a mask in network order (0: /0, every
	 * destination on its link), and the gateway (0: none) */
	uint32_t mask_be[DP_NET_ADDRS_MAX];
	uint32_t gw_be;
};

/*
 * The next hop of a datagram to dst_be (network order), the address whose
 * MAC its frame goes to: dst_be itself if it lies inside the prefix of
 * one of ifc's addresses, or if ifc has no gateway (then every
 * destination is asked for directly: on the link, or answered by a
 * router's proxy ARP); the gateway otherwise. Cold path (a leg's flow).
 */
uint32_t dp_net_next_hop(const struct dp_net_iface *ifc, uint32_t dst_be);

/* true if dst_be (network order) lies inside the prefix of one of ifc's
 * addresses. Cold path. */
bool dp_net_on_link(const struct dp_net_iface *ifc, uint32_t dst_be);

/* Index in ifc->ip_be of ip_be (network order), or -1: not ours. The
 * first without a loop: most ports own only one (n_ip 0 or 1). */
static inline int
dp_net_addr_index(const struct dp_net_iface *ifc, uint32_t ip_be)
{
	if (ip_be == ifc->ip_be[0])
		return 0;
	for (unsigned int i = 1; i < ifc->n_ip; i++)
		if (ifc->ip_be[i] == ip_be)
			return (int)i;
	return -1;
}

/* Per-frame flags: what the NIC found (mbuf ol_flags). */
enum dp_net_rx_flag {
	DP_NET_RX_IP_CSUM_GOOD = 1u << 0, /* skip the header check */
	DP_NET_RX_IP_CSUM_BAD = 1u << 1,  /* drop: ip_csum */
	DP_NET_RX_L4_CSUM_GOOD = 1u << 2, /* skip the UDP check */
	DP_NET_RX_L4_CSUM_BAD = 1u << 3,  /* drop: udp_csum */
};
#define DP_NET_RX_FLAGS_KNOWN 0x0fu

/* What dp_net_classify() found. */
enum dp_net_verdict {
	DP_NET_UDP = 0,	     /* out describes the datagram */
	DP_NET_REPLY = 1,    /* frame rewritten as ARP/ICMP reply: send
				 * out->reply_len bytes of it */
	DP_NET_ARP_SEEN = 2, /* ARP reply to us: sender in out, no reply */
	DP_NET_DROP = 3,     /* out->drop says why; counted */
	DP_NET_ARP_ANNOUNCE = 4, /* gratuitous ARP (sender and target the
				  * same address, not ours): a host saying
				  * where it is now; sender in out */
};

/* Why a frame was dropped: index of dp_net_stats.n_drop. */
enum dp_net_drop {
	DP_NET_DROP_ETH_TRUNC = 0,   /* shorter than an Ethernet header */
	DP_NET_DROP_NOT_OUR_MAC = 1, /* unicast to another MAC */
	DP_NET_DROP_MCAST_MAC = 2,   /* group src, mcast dst, bcast non-ARP */
	DP_NET_DROP_ETHERTYPE = 3,   /* not IPv4 or ARP (IPv6, VLAN, LLC) */
	DP_NET_DROP_ARP_BAD = 4,     /* short, not Ethernet/IPv4, group sha */
	DP_NET_DROP_ARP_OP = 5,	     /* not a request or reply */
	DP_NET_DROP_ARP_NOT_US = 6,  /* target is another address */
	DP_NET_DROP_IP_TRUNC = 7,    /* shorter than an IPv4 header */
	DP_NET_DROP_IP_VERSION = 8,  /* version != 4 */
	DP_NET_DROP_IP_IHL = 9,	     /* IHL < 5 */
	DP_NET_DROP_IP_LEN = 10,     /* total < header length, > frame */
	DP_NET_DROP_IP_CSUM = 11,    /* header checksum (or NIC said bad) */
	DP_NET_DROP_IP_FRAG = 12,    /* fragment: MF or offset set */
	DP_NET_DROP_IP_TTL = 13,     /* TTL 0 */
	DP_NET_DROP_IP_BCAST = 14,   /* to broadcast or multicast */
	DP_NET_DROP_NOT_OUR_IP = 15, /* unicast to another address */
	DP_NET_DROP_IP_SRC = 16,     /* martian or our own source */
	DP_NET_DROP_IP_PROTO = 17,   /* neither UDP nor ICMP */
	DP_NET_DROP_ICMP_TRUNC = 18, /* < 8 bytes */
	DP_NET_DROP_ICMP_CSUM = 19,
	DP_NET_DROP_ICMP_OTHER = 20, /* not an echo request */
	DP_NET_DROP_UDP_TRUNC = 21,  /* < 8 bytes of IPv4 payload */
	DP_NET_DROP_UDP_LEN = 22,    /* length field < 8 or beyond IPv4 */
	DP_NET_DROP_UDP_CSUM = 23,   /* checksum (or NIC said bad) */
	DP_NET_DROP_UDP_PORT = 24,   /* source or destination port 0 */
	DP_NET_DROP_MAX_ = 25,
};

struct dp_net_stats {
	uint64_t n_rx;		/* frames classified */
	uint64_t n_udp;		/* DP_NET_UDP */
	uint64_t n_udp_no_csum; /* of those, checksum 0 */
	uint64_t n_arp_reply;	/* ARP requests answered */
	uint64_t n_arp_seen;	/* DP_NET_ARP_SEEN */
	uint64_t n_arp_announce; /* DP_NET_ARP_ANNOUNCE */
	uint64_t n_icmp_reply;	/* echo requests answered */
	uint64_t n_drop[DP_NET_DROP_MAX_];
};

/* The result of dp_net_classify(); which fields are set: the verdict. */
struct dp_net_rx {
	/* DP_NET_UDP */
	const uint8_t *payload; /* into the frame */
	uint32_t len_bytes;
	uint32_t src_ip_be; /* also DP_NET_ARP_SEEN and _ANNOUNCE: the
			     * sender */
	uint32_t dst_ip_be;
	uint16_t src_port_be;
	uint16_t dst_port_be;
	uint8_t addr_idx;   /* of dst_ip_be in the iface's ip_be */
	uint8_t src_mac[6]; /* of the frame (next hop); ARP: sender */
	/* DP_NET_REPLY: bytes of the frame to send */
	uint32_t reply_len;
	/* DP_NET_DROP */
	enum dp_net_drop drop;
};

/*
 * Classify the frame of len bytes received on ifc. flags: enum
 * dp_net_rx_flag (unknown bits are a programmer error, asserted). A reply
 * is built in place (frame must be writable); otherwise frame is only
 * read. Fills *out as the verdict says and counts in *st. Never fails.
 */
enum dp_net_verdict dp_net_classify(const struct dp_net_iface *ifc,
				    uint8_t *frame, uint32_t len,
				    unsigned int flags, struct dp_net_rx *out,
				    struct dp_net_stats *st);

/* Static name of a drop reason ("udp_csum"), "?" if out of range. */
const char *dp_net_drop_name(unsigned int reason);

/* The coarse enum shm_drop a reason is published under (worker stats). */
unsigned int dp_net_drop_shm(enum dp_net_drop reason);

/* Where to send a datagram from and to (all network order). */
struct dp_net_flow {
	uint8_t src_mac[6];
	uint8_t dst_mac[6]; /* next hop */
	uint32_t src_ip_be;
	uint32_t dst_ip_be;
	uint16_t src_port_be;
	uint16_t dst_port_be;
	uint8_t tos; /* DSCP << 2 | ECN, e.g. 0xb8 (EF) */
};

enum dp_net_tx_flag {
	/*
	 * Leave the checksums to the NIC: IPv4 checksum 0 and the UDP field
	 * holding the pseudo-header sum (not complemented), as DPDK's
	 * rte_ipv4_phdr_cksum() gives; set RTE_MBUF_F_TX_IPV4 |
	 * RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM, l2_len 14,
	 * l3_len 20.
	 */
	DP_NET_TX_CSUM_OFFLOAD = 1u << 0,
};
#define DP_NET_TX_FLAGS_KNOWN 0x01u

/*
 * Write DP_NET_HDR_LEN bytes of Ethernet, IPv4 (no options, DF set,
 * id 0 as RFC 6864 allows for atomic datagrams, TTL DP_NET_TTL) and UDP
 * headers at hdr; the payload_len payload bytes must already follow them
 * (hdr + DP_NET_HDR_LEN), as after rte_pktmbuf_prepend(m, DP_NET_HDR_LEN).
 * Without DP_NET_TX_CSUM_OFFLOAD both checksums are computed in software
 * (UDP over the payload too; a 0 result is sent as 0xffff).
 * Returns 0, -EMSGSIZE if payload_len > DP_NET_UDP_PAYLOAD_MAX, or -EINVAL
 * for unknown flags (nothing written). Hot path.
 */
int dp_net_build_udp(uint8_t *hdr, uint32_t payload_len,
		     const struct dp_net_flow *fl, unsigned int flags);

/*
 * dp_net_build_udp() with part of the payload's checksum done by the
 * caller: only the first head_len payload bytes (even, <= payload_len;
 * e.g. the RTP header) are summed here, and the rest is added as
 * tail_sum, dp_net_csum_fold(tail, payload_len - head_len, 0). A payload
 * sent to many legs is so summed once, not once per packet. Unused with
 * DP_NET_TX_CSUM_OFFLOAD. Returns as dp_net_build_udp(), and -EINVAL for
 * an odd or too long head_len. Hot path.
 */
int dp_net_build_udp_sum(uint8_t *hdr, uint32_t payload_len,
			 uint32_t head_len, uint16_t tail_sum,
			 const struct dp_net_flow *fl, unsigned int flags);

/*
 * A flow's headers built once for one payload length, to be copied in
 * front of each packet of that length (dp_net_tpl_write()): a 42-byte
 * copy and one checksum addition instead of dp_net_build_udp_sum()'s
 * field-by-field build. hdr is what dp_net_build_udp_sum() writes, but
 * for the UDP checksum field: it holds the sum (network order, folded,
 * not complemented) that the checksum starts from, with
 * DP_NET_TX_CSUM_OFFLOAD the pseudo-header sum sent as it is, else that
 * of the pseudo header and the UDP header. 44 bytes, no padding: it fits
 * in a line with what else sending needs.
 */
struct dp_net_tpl {
	uint8_t hdr[DP_NET_HDR_LEN];
	uint16_t payload_len;	/* what hdr is for; 0: not built */
};

/*
 * Build t for fl and payload_len (1..DP_NET_UDP_PAYLOAD_MAX) bytes of
 * payload. Returns 0, -EMSGSIZE for a length out of range or -EINVAL for
 * unknown flags (t untouched). Whoever changes fl clears t->payload_len.
 */
int dp_net_tpl_build(struct dp_net_tpl *t, uint32_t payload_len,
		     const struct dp_net_flow *fl, unsigned int flags);

/*
 * Write a DP_NET_ARP_FRAME_LEN-byte broadcast ARP request from ifc's
 * first address asking for target_ip_be: how a worker learns a leg's
 * next-hop MAC before the leg has sent anything (the answer comes back as
 * DP_NET_ARP_SEEN). With target_ip_be == ifc->ip_be[0] it is a gratuitous
 * announcement (RFC 5227).
 */
void dp_net_build_arp_request(uint8_t *frame, const struct dp_net_iface *ifc,
			      uint32_t target_ip_be);

/* Big-endian (network order) fields at any alignment, for the edge. */
static inline uint16_t
dp_net_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
dp_net_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void
dp_net_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
dp_net_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A 64-bit partial sum of 16-bit words folded to 16 bits, end-around
 * carries added (RFC 1071): in the words' byte order, as added. */
static inline uint16_t
dp_net_fold(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffu) + (acc >> 16);
	acc = (acc & 0xffffu) + (acc >> 16);
	return (uint16_t)acc;
}

/*
 * Internet checksum (RFC 1071) of len bytes, added to the 32-bit partial
 * sum `sum` and folded: the ones' complement sum, not complemented, in
 * memory byte order (store it with memcpy). Exposed for tests and the
 * other edge modules.
 */
uint16_t dp_net_csum_fold(const void *buf, uint32_t len, uint32_t sum);

/*
 * The headers of t at hdr, in front of its t->payload_len payload bytes,
 * as dp_net_build_udp_sum(hdr, t->payload_len, 0, sum, fl, flags) writes
 * them, where sum is the payload's dp_net_csum_fold() (unused with
 * DP_NET_TX_CSUM_OFFLOAD); flags as t was built with. Hot path.
 */
static inline void
dp_net_tpl_write(const struct dp_net_tpl *t, uint8_t *hdr, uint16_t sum,
		 unsigned int flags)
{
	uint16_t part, c;

	memcpy(hdr, t->hdr, DP_NET_HDR_LEN);
	if (flags & DP_NET_TX_CSUM_OFFLOAD)
		return;
	memcpy(&part, t->hdr + DP_NET_HDR_LEN - 2, 2);
	c = (uint16_t)~dp_net_fold((uint32_t)ntohs(part) + ntohs(sum));
	c = htons(c != 0 ? c : 0xffff);
	memcpy(hdr + DP_NET_HDR_LEN - 2, &c, 2);
}

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_NET_H */
