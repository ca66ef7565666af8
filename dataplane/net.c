/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net.c: Ethernet/ARP/IPv4/ICMP/UDP classification and the UDP header
 * builder (see net.h for what is accepted). Dataplane, owning worker lcore,
 * hot path: no allocation, no logging, fixed-size copies only. Checks run
 * in wire order, each before the bytes it guards are read, so a reason
 * names the first thing wrong with a frame.
 */
#include "net.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "compiler.h"
#include "csum.h"
#include "shm_proto.h"

#define ARP_HTYPE_ETH	1
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO	8
#define IP_FRAG_MASK	0x3fff /* MF and the offset */
#define IP_DF		0x4000

/* dp_csum() of exactly 20 bytes (an IPv4 header without options; a UDP
 * header with an RTP header after it), without the loops. */
static inline uint64_t
sum20(const void *p)
{
	uint32_t x[5];

	memcpy(x, p, sizeof(x));
	return (uint64_t)x[0] + x[1] + x[2] + x[3] + x[4];
}

uint16_t
dp_net_csum_fold(const void *buf, uint32_t len, uint32_t sum)
{
	return dp_net_fold(dp_csum(buf, len, sum));
}

bool
dp_net_on_link(const struct dp_net_iface *ifc, uint32_t dst_be)
{
	unsigned int n = ifc->n_ip != 0 ? ifc->n_ip : 1;

	for (unsigned int i = 0; i < n; i++)
		if (((dst_be ^ ifc->ip_be[i]) & ifc->mask_be[i]) == 0)
			return true;
	return false;
}

uint32_t
dp_net_next_hop(const struct dp_net_iface *ifc, uint32_t dst_be)
{
	if (ifc->gw_be == 0 || dp_net_on_link(ifc, dst_be))
		return dst_be;
	return ifc->gw_be;
}

/* The UDP pseudo-header's sum: addresses, protocol, UDP length. */
static uint64_t
pseudo_sum(uint32_t src_be, uint32_t dst_be, uint16_t udp_len_be)
{
	const uint8_t zp[2] = { 0, IPPROTO_UDP };
	uint16_t w;

	memcpy(&w, zp, 2);
	return (uint64_t)src_be + dst_be + w + udp_len_be;
}

static enum dp_net_verdict
drop(struct dp_net_rx *out, struct dp_net_stats *st, enum dp_net_drop why)
{
	out->drop = why;
	st->n_drop[why]++;
	return DP_NET_DROP;
}

static bool
is_group_mac(const uint8_t *mac)
{
	return (mac[0] & 1) != 0;
}

static bool
is_bcast_mac(const uint8_t *mac)
{
	return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

/* 0/8, 127/8, 224/4 (multicast), 240/4 (reserved, broadcast). */
static bool
is_martian_src(uint32_t ip_be)
{
	uint8_t a = (uint8_t)(ntohl(ip_be) >> 24);

	return a == 0 || a == 127 || a >= 224;
}

static enum dp_net_verdict
classify_arp(const struct dp_net_iface *ifc, uint8_t *frame, uint32_t len,
	     struct dp_net_rx *out, struct dp_net_stats *st)
{
	struct dp_net_eth *eth = (struct dp_net_eth *)frame;
	struct dp_net_arp *a = (struct dp_net_arp *)(frame + DP_NET_ETH_LEN);
	uint8_t sha[6];
	uint32_t me;
	uint16_t op;

	if (len < DP_NET_ARP_FRAME_LEN || a->htype_be != htons(ARP_HTYPE_ETH) ||
	    a->ptype_be != htons(DP_NET_ETHERTYPE_IPV4) || a->hlen != 6 ||
	    a->plen != 4 || is_group_mac(a->sha))
		return drop(out, st, DP_NET_DROP_ARP_BAD);
	op = ntohs(a->op_be);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return drop(out, st, DP_NET_DROP_ARP_OP);
	memcpy(sha, a->sha, 6);
	if (dp_net_addr_index(ifc, a->tpa_be) < 0) {
		/* a gratuitous one (RFC 5227 section 3): a host, or a
		 * router taking over an address, saying where it is */
		if (a->spa_be != a->tpa_be || a->spa_be == 0 ||
		    dp_net_addr_index(ifc, a->spa_be) >= 0)
			return drop(out, st, DP_NET_DROP_ARP_NOT_US);
		memcpy(out->src_mac, sha, 6);
		out->src_ip_be = a->spa_be;
		st->n_arp_announce++;
		return DP_NET_ARP_ANNOUNCE;
	}
	memcpy(out->src_mac, sha, 6);
	out->src_ip_be = a->spa_be;
	if (op == ARP_OP_REPLY) {
		st->n_arp_seen++;
		return DP_NET_ARP_SEEN;
	}
	memcpy(eth->dst, sha, 6);
	memcpy(eth->src, ifc->mac, 6);
	a->op_be = htons(ARP_OP_REPLY);
	memcpy(a->tha, sha, 6);
	me = a->tpa_be;
	a->tpa_be = a->spa_be;
	memcpy(a->sha, ifc->mac, 6);
	a->spa_be = me;
	out->reply_len = DP_NET_ARP_FRAME_LEN;
	st->n_arp_reply++;
	return DP_NET_REPLY;
}

static enum dp_net_verdict
classify_icmp(const struct dp_net_iface *ifc, uint8_t *frame,
	      struct dp_net_ipv4 *ip, uint32_t ihl, uint32_t tot,
	      struct dp_net_rx *out, struct dp_net_stats *st)
{
	struct dp_net_eth *eth = (struct dp_net_eth *)frame;
	uint8_t *l4 = (uint8_t *)ip + ihl;
	struct dp_net_icmp *ic = (struct dp_net_icmp *)l4;
	uint32_t l4_len = tot - ihl;
	uint32_t me;

	if (l4_len < sizeof(*ic))
		return drop(out, st, DP_NET_DROP_ICMP_TRUNC);
	if (ic->type != ICMP_ECHO || ic->code != 0)
		return drop(out, st, DP_NET_DROP_ICMP_OTHER);
	if (dp_net_csum_fold(l4, l4_len, 0) != 0xffff)
		return drop(out, st, DP_NET_DROP_ICMP_CSUM);
	memcpy(eth->dst, eth->src, 6);
	memcpy(eth->src, ifc->mac, 6);
	me = ip->dst_be;	/* the address asked, one of ours */
	ip->dst_be = ip->src_be;
	ip->src_be = me;
	ip->ttl = DP_NET_TTL;
	ip->csum = 0;
	ip->csum = (uint16_t)~dp_net_csum_fold(ip, ihl, 0);
	ic->type = ICMP_ECHO_REPLY;
	ic->csum = 0;
	ic->csum = (uint16_t)~dp_net_csum_fold(l4, l4_len, 0);
	out->reply_len = DP_NET_ETH_LEN + tot;
	st->n_icmp_reply++;
	return DP_NET_REPLY;
}

static enum dp_net_verdict
classify_udp(uint8_t *frame, const struct dp_net_ipv4 *ip, uint32_t ihl,
	     uint32_t tot, int idx, unsigned int flags, struct dp_net_rx *out,
	     struct dp_net_stats *st)
{
	const struct dp_net_eth *eth = (const struct dp_net_eth *)frame;
	const uint8_t *l4 = (const uint8_t *)ip + ihl;
	const struct dp_net_udp *u = (const struct dp_net_udp *)l4;
	uint32_t ulen;

	if (tot - ihl < DP_NET_UDP_LEN)
		return drop(out, st, DP_NET_DROP_UDP_TRUNC);
	ulen = ntohs(u->len_be);
	if (ulen < DP_NET_UDP_LEN || ulen > tot - ihl)
		return drop(out, st, DP_NET_DROP_UDP_LEN);
	if (u->src_port_be == 0 || u->dst_port_be == 0)
		return drop(out, st, DP_NET_DROP_UDP_PORT);
	if (flags & DP_NET_RX_L4_CSUM_BAD)
		return drop(out, st, DP_NET_DROP_UDP_CSUM);
	if (u->csum == 0) {
		st->n_udp_no_csum++;
	} else if (!(flags & DP_NET_RX_L4_CSUM_GOOD)) {
		uint64_t s = pseudo_sum(ip->src_be, ip->dst_be, u->len_be);

		if (dp_net_fold(dp_csum(l4, ulen, s)) != 0xffff)
			return drop(out, st, DP_NET_DROP_UDP_CSUM);
	}
	out->payload = l4 + DP_NET_UDP_LEN;
	out->len_bytes = ulen - DP_NET_UDP_LEN;
	out->src_ip_be = ip->src_be;
	out->dst_ip_be = ip->dst_be;
	out->src_port_be = u->src_port_be;
	out->dst_port_be = u->dst_port_be;
	out->addr_idx = (uint8_t)idx;
	memcpy(out->src_mac, eth->src, 6);
	st->n_udp++;
	return DP_NET_UDP;
}

static enum dp_net_verdict
classify_ipv4(const struct dp_net_iface *ifc, uint8_t *frame, uint32_t len,
	      unsigned int flags, struct dp_net_rx *out,
	      struct dp_net_stats *st)
{
	struct dp_net_ipv4 *ip = (struct dp_net_ipv4 *)(frame + DP_NET_ETH_LEN);
	uint32_t l3_len = len - DP_NET_ETH_LEN;
	uint32_t ihl, tot;
	uint8_t dst_a;
	int idx;

	if (l3_len < DP_NET_IPV4_LEN)
		return drop(out, st, DP_NET_DROP_IP_TRUNC);
	if ((ip->ver_ihl >> 4) != 4)
		return drop(out, st, DP_NET_DROP_IP_VERSION);
	ihl = (uint32_t)(ip->ver_ihl & 0x0f) * 4;
	if (ihl < DP_NET_IPV4_LEN)
		return drop(out, st, DP_NET_DROP_IP_IHL);
	tot = ntohs(ip->total_len_be);
	if (tot < ihl || tot > l3_len)
		return drop(out, st, DP_NET_DROP_IP_LEN);
	if ((flags & DP_NET_RX_IP_CSUM_BAD) ||
	    (!(flags & DP_NET_RX_IP_CSUM_GOOD) &&
	     dp_net_fold(ihl == DP_NET_IPV4_LEN ? sum20(ip) :
			 dp_csum((const uint8_t *)ip, ihl, 0)) != 0xffff))
		return drop(out, st, DP_NET_DROP_IP_CSUM);
	if (ntohs(ip->frag_be) & IP_FRAG_MASK)
		return drop(out, st, DP_NET_DROP_IP_FRAG);
	if (ip->ttl == 0)
		return drop(out, st, DP_NET_DROP_IP_TTL);
	idx = dp_net_addr_index(ifc, ip->dst_be);
	if (idx < 0) {
		dst_a = (uint8_t)(ntohl(ip->dst_be) >> 24);
		if (ip->dst_be == 0xffffffffu || (dst_a & 0xf0) == 0xe0)
			return drop(out, st, DP_NET_DROP_IP_BCAST);
		return drop(out, st, DP_NET_DROP_NOT_OUR_IP);
	}
	if (is_martian_src(ip->src_be) ||
	    dp_net_addr_index(ifc, ip->src_be) >= 0)	/* our own */
		return drop(out, st, DP_NET_DROP_IP_SRC);
	if (ip->proto == IPPROTO_UDP)
		return classify_udp(frame, ip, ihl, tot, idx, flags, out, st);
	if (ip->proto == IPPROTO_ICMP)
		return classify_icmp(ifc, frame, ip, ihl, tot, out, st);
	return drop(out, st, DP_NET_DROP_IP_PROTO);
}

enum dp_net_verdict
dp_net_classify(const struct dp_net_iface *ifc, uint8_t *frame, uint32_t len,
		unsigned int flags, struct dp_net_rx *out,
		struct dp_net_stats *st)
{
	const struct dp_net_eth *eth = (const struct dp_net_eth *)frame;
	uint16_t type;

	assert((flags & ~DP_NET_RX_FLAGS_KNOWN) == 0);
	st->n_rx++;
	if (len < DP_NET_ETH_LEN)
		return drop(out, st, DP_NET_DROP_ETH_TRUNC);
	type = ntohs(eth->type_be);
	if (is_group_mac(eth->src)) /* invalid: never a next hop */
		return drop(out, st, DP_NET_DROP_MCAST_MAC);
	if (is_group_mac(eth->dst)) {
		if (type != DP_NET_ETHERTYPE_ARP || !is_bcast_mac(eth->dst))
			return drop(out, st, DP_NET_DROP_MCAST_MAC);
	} else if (memcmp(eth->dst, ifc->mac, 6) != 0) {
		return drop(out, st, DP_NET_DROP_NOT_OUR_MAC);
	}
	if (type == DP_NET_ETHERTYPE_IPV4)
		return classify_ipv4(ifc, frame, len, flags, out, st);
	if (type == DP_NET_ETHERTYPE_ARP)
		return classify_arp(ifc, frame, len, out, st);
	return drop(out, st, DP_NET_DROP_ETHERTYPE);
}

static const char *const drop_names[DP_NET_DROP_MAX_] = {
	[DP_NET_DROP_ETH_TRUNC] = "eth_trunc",
	[DP_NET_DROP_NOT_OUR_MAC] = "not_our_mac",
	[DP_NET_DROP_MCAST_MAC] = "mcast_mac",
	[DP_NET_DROP_ETHERTYPE] = "ethertype",
	[DP_NET_DROP_ARP_BAD] = "arp_bad",
	[DP_NET_DROP_ARP_OP] = "arp_op",
	[DP_NET_DROP_ARP_NOT_US] = "arp_not_us",
	[DP_NET_DROP_IP_TRUNC] = "ip_trunc",
	[DP_NET_DROP_IP_VERSION] = "ip_version",
	[DP_NET_DROP_IP_IHL] = "ip_ihl",
	[DP_NET_DROP_IP_LEN] = "ip_len",
	[DP_NET_DROP_IP_CSUM] = "ip_csum",
	[DP_NET_DROP_IP_FRAG] = "ip_frag",
	[DP_NET_DROP_IP_TTL] = "ip_ttl",
	[DP_NET_DROP_IP_BCAST] = "ip_bcast",
	[DP_NET_DROP_NOT_OUR_IP] = "not_our_ip",
	[DP_NET_DROP_IP_SRC] = "ip_src",
	[DP_NET_DROP_IP_PROTO] = "ip_proto",
	[DP_NET_DROP_ICMP_TRUNC] = "icmp_trunc",
	[DP_NET_DROP_ICMP_CSUM] = "icmp_csum",
	[DP_NET_DROP_ICMP_OTHER] = "icmp_other",
	[DP_NET_DROP_UDP_TRUNC] = "udp_trunc",
	[DP_NET_DROP_UDP_LEN] = "udp_len",
	[DP_NET_DROP_UDP_CSUM] = "udp_csum",
	[DP_NET_DROP_UDP_PORT] = "udp_port",
};

const char *
dp_net_drop_name(unsigned int reason)
{
	if (reason >= DP_NET_DROP_MAX_ || drop_names[reason] == NULL)
		return "?";
	return drop_names[reason];
}

unsigned int
dp_net_drop_shm(enum dp_net_drop reason)
{
	switch (reason) {
	case DP_NET_DROP_IP_TRUNC:
	case DP_NET_DROP_IP_VERSION:
	case DP_NET_DROP_IP_IHL:
	case DP_NET_DROP_IP_LEN:
	case DP_NET_DROP_IP_CSUM:
	case DP_NET_DROP_IP_FRAG:
	case DP_NET_DROP_IP_TTL:
	case DP_NET_DROP_IP_SRC:
		return SHM_DROP_BAD_IP;
	case DP_NET_DROP_UDP_TRUNC:
	case DP_NET_DROP_UDP_LEN:
	case DP_NET_DROP_UDP_CSUM:
	case DP_NET_DROP_UDP_PORT:
		return SHM_DROP_BAD_UDP;
	default:
		return SHM_DROP_NOT_FOR_US;
	}
}

int
dp_net_build_udp(uint8_t *hdr, uint32_t payload_len,
		 const struct dp_net_flow *fl, unsigned int flags)
{
	return dp_net_build_udp_sum(hdr, payload_len, payload_len, 0, fl,
				    flags);
}

/* The two 16-bit words of a network-order 32-bit field, added in host
 * order. */
static inline uint32_t
words32(uint32_t v_be)
{
	uint32_t v = ntohl(v_be);

	return (v >> 16) + (v & 0xffffu);
}

/*
 * The Ethernet, IPv4 and UDP headers for payload_len bytes at hdr, all but
 * the UDP checksum (the IPv4 one in software unless offloaded). Returns
 * the one's-complement sum (unfolded) the UDP checksum starts from: with
 * offload the pseudo header as the NIC wants it, else the pseudo header
 * and the UDP header. The arguments are checked by the callers.
 */
static uint64_t
udp_headers(uint8_t *hdr, uint32_t payload_len, const struct dp_net_flow *fl,
	    unsigned int flags)
{
	struct dp_net_eth *eth = (struct dp_net_eth *)hdr;
	struct dp_net_ipv4 *ip = (struct dp_net_ipv4 *)(hdr + DP_NET_ETH_LEN);
	struct dp_net_udp *u =
		(struct dp_net_udp *)(hdr + DP_NET_ETH_LEN + DP_NET_IPV4_LEN);
	uint32_t ip_len = DP_NET_IPV4_LEN + DP_NET_UDP_LEN + payload_len;
	uint32_t udp_len = DP_NET_UDP_LEN + payload_len;
	uint64_t s;

	memcpy(eth->dst, fl->dst_mac, 6);
	memcpy(eth->src, fl->src_mac, 6);
	eth->type_be = htons(DP_NET_ETHERTYPE_IPV4);
	ip->ver_ihl = 0x45;
	ip->tos = fl->tos;
	ip->total_len_be = htons((uint16_t)ip_len);
	ip->id_be = 0;
	ip->frag_be = htons(IP_DF);
	ip->ttl = DP_NET_TTL;
	ip->proto = IPPROTO_UDP;
	ip->src_be = fl->src_ip_be;
	ip->dst_be = fl->dst_ip_be;
	u->src_port_be = fl->src_port_be;
	u->dst_port_be = fl->dst_port_be;
	u->len_be = htons((uint16_t)udp_len);
	/*
	 * The sums are taken from the values, in host order, never read
	 * back from the frame: its lines are usually still on their way
	 * from memory (a freshly allocated mbuf), and a load of bytes just
	 * stored there waits for them (that one load was ~11 % of bench_io
	 * io/frame/20000).
	 */
	s = words32(fl->src_ip_be) + words32(fl->dst_ip_be);
	if (flags & DP_NET_TX_CSUM_OFFLOAD) {
		ip->csum = 0;
		return s + IPPROTO_UDP + udp_len;
	}
	ip->csum = htons((uint16_t)~dp_net_fold(s + (0x45u << 8 | fl->tos) +
						ip_len + IP_DF +
						(DP_NET_TTL << 8 |
						 IPPROTO_UDP)));
	/* pseudo header, UDP header */
	return s + IPPROTO_UDP + 2 * udp_len + ntohs(fl->src_port_be) +
	       ntohs(fl->dst_port_be);
}

int
dp_net_build_udp_sum(uint8_t *hdr, uint32_t payload_len, uint32_t head_len,
		     uint16_t tail_sum, const struct dp_net_flow *fl,
		     unsigned int flags)
{
	struct dp_net_udp *u =
		(struct dp_net_udp *)(hdr + DP_NET_ETH_LEN + DP_NET_IPV4_LEN);
	uint64_t s;

	if (flags & ~DP_NET_TX_FLAGS_KNOWN)
		return -EINVAL;
	if (payload_len > DP_NET_UDP_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (head_len > payload_len ||
	    (head_len != payload_len && (head_len & 1) != 0))
		return -EINVAL;
	s = udp_headers(hdr, payload_len, fl, flags);
	if (flags & DP_NET_TX_CSUM_OFFLOAD) {
		u->csum = htons(dp_net_fold(s));
		return 0;
	}
	/* the tail starts at an even offset */
	s += ntohs(tail_sum);
	if (head_len != 0)	/* the caller's bytes, in the frame */
		s += ntohs(dp_net_fold(dp_csum(hdr + DP_NET_HDR_LEN,
						 head_len, 0)));
	u->csum = htons((uint16_t)~dp_net_fold(s));
	if (u->csum == 0)
		u->csum = 0xffff;
	return 0;
}

int
dp_net_tpl_build(struct dp_net_tpl *t, uint32_t payload_len,
		 const struct dp_net_flow *fl, unsigned int flags)
{
	uint16_t part;

	if (flags & ~DP_NET_TX_FLAGS_KNOWN)
		return -EINVAL;
	if (payload_len == 0 || payload_len > DP_NET_UDP_PAYLOAD_MAX)
		return -EMSGSIZE;
	part = htons(dp_net_fold(udp_headers(t->hdr, payload_len, fl,
					     flags)));
	memcpy(t->hdr + DP_NET_HDR_LEN - 2, &part, 2);
	t->payload_len = (uint16_t)payload_len;
	return 0;
}

void
dp_net_build_arp_request(uint8_t *frame, const struct dp_net_iface *ifc,
			 uint32_t target_ip_be)
{
	struct dp_net_eth *eth = (struct dp_net_eth *)frame;
	struct dp_net_arp *a = (struct dp_net_arp *)(frame + DP_NET_ETH_LEN);

	memset(eth->dst, 0xff, 6);
	memcpy(eth->src, ifc->mac, 6);
	eth->type_be = htons(DP_NET_ETHERTYPE_ARP);
	a->htype_be = htons(ARP_HTYPE_ETH);
	a->ptype_be = htons(DP_NET_ETHERTYPE_IPV4);
	a->hlen = 6;
	a->plen = 4;
	a->op_be = htons(ARP_OP_REQUEST);
	memcpy(a->sha, ifc->mac, 6);
	a->spa_be = ifc->ip_be[0];
	memset(a->tha, 0, 6);
	a->tpa_be = target_ip_be;
}
