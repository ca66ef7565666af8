/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_net.c: the packet edge (dataplane/net.c). Frames are written byte by
 * byte here, with a textbook RFC 1071 checksum of this file's own (16-bit
 * big-endian words), never with net.c's; the offload pseudo-header sum is
 * compared with DPDK's rte_ipv4_phdr_cksum(). Every drop reason has a
 * table row: one mutation of a good frame, the one counter it must bump.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "check_main.h"
#include "net.h"
#include "shm_proto.h"

#define FRAME_MAX 2048

static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t our_ip[4] = { 198, 18, 0, 1 };
static const uint8_t peer_ip[4] = { 198, 18, 0, 2 };
#define PEER_PORT 40000
#define OUR_PORT  10000

static uint8_t fr[FRAME_MAX];
static struct dp_net_iface ifc; /* us */
static struct dp_net_stats st;
static struct dp_net_rx out;

static void
setup(void)
{
	memcpy(ifc.mac, our_mac, 6);
	memcpy(&ifc.ip_be, our_ip, 4);
	ifc.n_ip = 1;
	memset(&st, 0, sizeof(st));
	memset(&out, 0, sizeof(out));
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* RFC 1071, the slow obvious way: ~(sum of big-endian 16-bit words). */
static uint32_t
ref_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* UDP checksum over pseudo-header + the ulen bytes at u (0 -> 0xffff). */
static uint32_t
ref_udp_csum(const uint8_t *ip, const uint8_t *u, uint32_t ulen)
{
	static uint8_t b[12 + FRAME_MAX];
	uint32_t c;

	memcpy(b, ip + 12, 8);
	b[8] = 0;
	b[9] = 17;
	put16(b + 10, ulen);
	memcpy(b + 12, u, ulen);
	c = ref_csum(b, 12 + ulen);
	return c == 0 ? 0xffff : c;
}

static uint8_t *
ip_of(uint8_t *f)
{
	return f + 14;
}

static uint32_t
ihl_of(const uint8_t *f)
{
	return (uint32_t)(f[14] & 0x0f) * 4;
}

static void
fix_ip(uint8_t *f)
{
	uint8_t *ip = ip_of(f);

	put16(ip + 10, 0);
	put16(ip + 10, ref_csum(ip, ihl_of(f)));
}

static void
fix_udp(uint8_t *f)
{
	uint8_t *ip = ip_of(f);
	uint8_t *u = ip + ihl_of(f);

	put16(u + 6, 0);
	put16(u + 6, ref_udp_csum(ip, u, get16(u + 4)));
}

static void
fix_icmp(uint8_t *f)
{
	uint8_t *ip = ip_of(f);
	uint8_t *ic = ip + ihl_of(f);
	uint32_t n = get16(ip + 2) - ihl_of(f);

	put16(ic + 2, 0);
	put16(ic + 2, ref_csum(ic, n));
}

static void
eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
}

/* IPv4 header (n_opt_words words of NOP options), proto, l4 bytes. */
static void
ipv4(uint8_t *f, uint32_t n_opt_words, uint8_t proto, uint32_t l4_len)
{
	uint8_t *ip = ip_of(f);
	uint32_t ihl = 20 + 4 * n_opt_words;

	eth(f, our_mac, peer_mac, 0x0800);
	ip[0] = (uint8_t)(0x40 | (ihl / 4));
	ip[1] = 0;
	put16(ip + 2, ihl + l4_len);
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000);
	ip[8] = 57;
	ip[9] = proto;
	memcpy(ip + 12, peer_ip, 4);
	memcpy(ip + 16, our_ip, 4);
	memset(ip + 20, 1, ihl - 20);
	fix_ip(f);
}

/*
 * A good UDP datagram (PEER_PORT -> OUR_PORT) or ICMP echo request (id
 * 0xbeef, seq 7) with plen bytes after the 8-byte header; the frame length.
 */
static uint32_t
mk_l4(uint8_t *f, uint8_t proto, uint32_t n_opt_words, uint32_t plen)
{
	uint8_t *l4;

	memset(f, 0, FRAME_MAX);
	ipv4(f, n_opt_words, proto, 8 + plen);
	l4 = ip_of(f) + ihl_of(f);
	if (proto == 17) {
		put16(l4, PEER_PORT);
		put16(l4 + 2, OUR_PORT);
		put16(l4 + 4, 8 + plen);
	} else {
		l4[0] = 8;
		put16(l4 + 4, 0xbeef);
		put16(l4 + 6, 7);
	}
	for (uint32_t i = 0; i < plen; i++)
		l4[8 + i] = (uint8_t)(i * 7 + 1);
	if (proto == 17)
		fix_udp(f);
	else
		fix_icmp(f);
	return 14 + ihl_of(f) + 8 + plen;
}

static uint32_t
mk_udp(uint8_t *f, uint32_t n_opt_words, uint32_t plen)
{
	return mk_l4(f, 17, n_opt_words, plen);
}

static uint32_t
mk_echo(uint8_t *f, uint32_t n_opt_words, uint32_t dlen)
{
	return mk_l4(f, 1, n_opt_words, dlen);
}

/* A broadcast ARP request from the peer for our address, 60 bytes. */
static uint32_t
mk_arp(uint8_t *f)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = f + 14;

	memset(f, 0, FRAME_MAX);
	eth(f, bc, peer_mac, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, peer_mac, 6);
	memcpy(a + 14, peer_ip, 4);
	memcpy(a + 24, our_ip, 4);
	return 60;
}

/* Classify fr as received on ifc into out and st. */
static enum dp_net_verdict
cls(uint32_t len, unsigned int flags)
{
	return dp_net_classify(&ifc, fr, len, flags, &out, &st);
}

static uint64_t
drops_total(const struct dp_net_stats *s)
{
	uint64_t n = 0;

	for (int i = 0; i < DP_NET_DROP_MAX_; i++)
		n += s->n_drop[i];
	return n;
}

START_TEST(test_net_udp_accepted)
{
	uint32_t len = mk_udp(fr, 0, 172);

	ck_assert_uint_eq(len, 14 + 20 + 8 + 172);
	ck_assert_int_eq(cls(len, 0), DP_NET_UDP);
	ck_assert_ptr_eq(out.payload, fr + 42);
	ck_assert_uint_eq(out.len_bytes, 172);
	ck_assert_mem_eq(&out.src_ip_be, peer_ip, 4);
	ck_assert_mem_eq(&out.dst_ip_be, our_ip, 4);
	ck_assert_uint_eq(get16((uint8_t *)&out.src_port_be), PEER_PORT);
	ck_assert_uint_eq(get16((uint8_t *)&out.dst_port_be), OUR_PORT);
	ck_assert_mem_eq(out.src_mac, peer_mac, 6);
	ck_assert_uint_eq(st.n_rx, 1);
	ck_assert_uint_eq(st.n_udp, 1);
	ck_assert_uint_eq(st.n_udp_no_csum, 0);
	ck_assert_uint_eq(drops_total(&st), 0);
}
END_TEST

/* Odd payloads, IP options, Ethernet padding, short UDP length. */
START_TEST(test_net_udp_shapes_accepted)
{
	uint32_t len;

	for (uint32_t plen = 0; plen < 40; plen++) {
		for (uint32_t opt = 0; opt <= 10; opt += 5) {
			len = mk_udp(fr, opt, plen);
			ck_assert_int_eq(cls(len + 9, 0), DP_NET_UDP);
			ck_assert_ptr_eq(out.payload, fr + 42 + 4 * opt);
			ck_assert_uint_eq(out.len_bytes, plen);
		}
	}
	/* UDP length 8 + 10 in an IPv4 payload of 8 + 30: trimmed to 10 */
	len = mk_udp(fr, 0, 30);
	put16(fr + 34 + 4, 18);
	fix_udp(fr);
	ck_assert_int_eq(cls(len, 0), DP_NET_UDP);
	ck_assert_uint_eq(out.len_bytes, 10);
	ck_assert_uint_eq(st.n_udp, 40 * 3 + 1);
	ck_assert_uint_eq(drops_total(&st), 0);
}
END_TEST

START_TEST(test_net_udp_csum_zero_and_nic_flags)
{
	uint32_t len = mk_udp(fr, 0, 33);

	put16(fr + 40, 0); /* no checksum: allowed for IPv4 */
	ck_assert_int_eq(cls(len, 0), DP_NET_UDP);
	ck_assert_uint_eq(st.n_udp_no_csum, 1);
	/* wrong checksums pass when the NIC says it verified them */
	fr[50] ^= 0x40;
	fr[14 + 10] ^= 0x01;
	ck_assert_int_eq(
		cls(len, DP_NET_RX_IP_CSUM_GOOD | DP_NET_RX_L4_CSUM_GOOD),
		DP_NET_UDP);
	put16(fr + 40, 0x1111);
	ck_assert_int_eq(
		cls(len, DP_NET_RX_IP_CSUM_GOOD | DP_NET_RX_L4_CSUM_GOOD),
		DP_NET_UDP);
	ck_assert_uint_eq(st.n_udp, 3);
	ck_assert_uint_eq(st.n_udp_no_csum, 2);
	ck_assert_uint_eq(drops_total(&st), 0);
}
END_TEST

enum base { UDP, ICMP, ARP };

enum fix {
	FIX_IP = 1,
	FIX_UDP = 2,
	FIX_ICMP = 4,
};

/*
 * One mutation of a good frame (UDP: 20 payload bytes, 62 in all; ICMP
 * echo: 20 data bytes; ARP request: 60): n bytes v written at off, then
 * the checksums in fix recomputed, the length replaced (0: kept).
 */
struct drop_case {
	const char *what;
	enum base base;
	uint16_t off;
	uint8_t n;
	uint8_t v[6];
	uint8_t fix;
	uint32_t len;
	unsigned int flags;
	enum dp_net_drop want;
};

#define D(r) DP_NET_DROP_##r
/* One row a case. */
/* clang-format off */
static const struct drop_case drops[] = {
	{ "eth 13 bytes", UDP, 0, 0, { 0 }, 0, 13, 0, D(ETH_TRUNC) },
	{ "other MAC", UDP, 5, 1, { 9 }, 0, 0, 0, D(NOT_OUR_MAC) },
	{ "ARP to other MAC", ARP, 0, 6, { 2, 0, 0, 0, 0, 2 }, 0, 0, 0,
	  D(NOT_OUR_MAC) },
	{ "multicast MAC", UDP, 0, 3, { 1, 0, 0x5e }, 0, 0, 0, D(MCAST_MAC) },
	{ "group source MAC", UDP, 6, 1, { 3 }, 0, 0, 0, D(MCAST_MAC) },
	{ "broadcast IPv4", UDP, 0, 6, { 255, 255, 255, 255, 255, 255 }, 0, 0, 0,
	  D(MCAST_MAC) },
	{ "IPv6", UDP, 12, 2, { 0x86, 0xdd }, 0, 0, 0, D(ETHERTYPE) },
	{ "VLAN", UDP, 12, 2, { 0x81, 0 }, 0, 0, 0, D(ETHERTYPE) },
	{ "ARP 41 bytes", ARP, 0, 0, { 0 }, 0, 41, 0, D(ARP_BAD) },
	{ "ARP ptype", ARP, 16, 2, { 0x86, 0xdd }, 0, 0, 0, D(ARP_BAD) },
	{ "ARP hlen", ARP, 18, 1, { 8 }, 0, 0, 0, D(ARP_BAD) },
	{ "ARP group sha", ARP, 22, 1, { 3 }, 0, 0, 0, D(ARP_BAD) },
	{ "ARP op 3", ARP, 20, 2, { 0, 3 }, 0, 0, 0, D(ARP_OP) },
	{ "ARP for another", ARP, 41, 1, { 9 }, 0, 0, 0, D(ARP_NOT_US) },
	{ "IPv4 19 bytes", UDP, 0, 0, { 0 }, 0, 33, 0, D(IP_TRUNC) },
	{ "version 6", UDP, 14, 1, { 0x65 }, FIX_IP, 0, 0, D(IP_VERSION) },
	{ "IHL 4", UDP, 14, 1, { 0x44 }, 0, 0, 0, D(IP_IHL) },
	{ "total beyond frame", UDP, 16, 2, { 0, 49 }, FIX_IP, 0, 0,
	  D(IP_LEN) },
	{ "total < IHL", UDP, 16, 2, { 0, 19 }, FIX_IP, 0, 0, D(IP_LEN) },
	{ "IPv4 checksum", UDP, 22, 1, { 99 }, 0, 0, 0, D(IP_CSUM) },
	{ "NIC: IP bad", UDP, 0, 0, { 0 }, 0, 0, DP_NET_RX_IP_CSUM_BAD,
	  D(IP_CSUM) },
	{ "MF", UDP, 20, 2, { 0x20, 0 }, FIX_IP, 0, 0, D(IP_FRAG) },
	{ "offset", UDP, 20, 2, { 0, 1 }, FIX_IP, 0, 0, D(IP_FRAG) },
	{ "TTL 0", UDP, 22, 1, { 0 }, FIX_IP, 0, 0, D(IP_TTL) },
	{ "to 255.255.255.255", UDP, 30, 4, { 255, 255, 255, 255 },
	  FIX_IP | FIX_UDP, 0, 0, D(IP_BCAST) },
	{ "to 239.1.2.3", UDP, 30, 4, { 239, 1, 2, 3 }, FIX_IP | FIX_UDP, 0, 0,
	  D(IP_BCAST) },
	{ "to another", UDP, 30, 4, { 198, 18, 0, 9 }, FIX_IP | FIX_UDP, 0, 0,
	  D(NOT_OUR_IP) },
	{ "from 127.0.0.1", UDP, 26, 4, { 127, 0, 0, 1 }, FIX_IP | FIX_UDP, 0, 0,
	  D(IP_SRC) },
	{ "from 0.0.0.0", UDP, 26, 4, { 0, 0, 0, 0 }, FIX_IP | FIX_UDP, 0, 0,
	  D(IP_SRC) },
	{ "from 224.0.0.1", UDP, 26, 4, { 224, 0, 0, 1 }, FIX_IP | FIX_UDP, 0, 0,
	  D(IP_SRC) },
	{ "from ourselves", UDP, 26, 4, { 198, 18, 0, 1 }, FIX_IP | FIX_UDP, 0, 0,
	  D(IP_SRC) },
	{ "TCP", UDP, 23, 1, { 6 }, FIX_IP, 0, 0, D(IP_PROTO) },
	{ "ICMP 7 bytes", ICMP, 16, 2, { 0, 27 }, FIX_IP, 0, 0, D(ICMP_TRUNC) },
	{ "ICMP checksum", ICMP, 47, 1, { 0 }, 0, 0, 0, D(ICMP_CSUM) },
	{ "ICMP unreachable", ICMP, 34, 1, { 3 }, FIX_ICMP, 0, 0,
	  D(ICMP_OTHER) },
	{ "echo code 1", ICMP, 35, 1, { 1 }, FIX_ICMP, 0, 0, D(ICMP_OTHER) },
	{ "UDP 7 bytes", UDP, 16, 2, { 0, 27 }, FIX_IP, 0, 0, D(UDP_TRUNC) },
	{ "UDP length 7", UDP, 38, 2, { 0, 7 }, 0, 0, 0, D(UDP_LEN) },
	{ "UDP length beyond", UDP, 38, 2, { 0, 29 }, 0, 0, 0, D(UDP_LEN) },
	{ "UDP checksum", UDP, 47, 1, { 0 }, 0, 0, 0, D(UDP_CSUM) },
	{ "NIC: UDP bad", UDP, 0, 0, { 0 }, 0, 0, DP_NET_RX_L4_CSUM_BAD,
	  D(UDP_CSUM) },
	{ "source port 0", UDP, 34, 2, { 0, 0 }, FIX_UDP, 0, 0, D(UDP_PORT) },
	{ "destination port 0", UDP, 36, 2, { 0, 0 }, FIX_UDP, 0, 0,
	  D(UDP_PORT) },
};
/* clang-format on */

START_TEST(test_net_drop_reason)
{
	const struct drop_case *c = &drops[_i];
	uint32_t len;

	len = c->base == UDP	? mk_udp(fr, 0, 20)
	      : c->base == ICMP ? mk_echo(fr, 0, 20)
				: mk_arp(fr);
	ck_assert_uint_eq(len, c->base == ARP ? 60 : 62);
	memcpy(fr + c->off, c->v, c->n);
	if (c->fix & FIX_IP)
		fix_ip(fr);
	if (c->fix & FIX_UDP)
		fix_udp(fr);
	if (c->fix & FIX_ICMP)
		fix_icmp(fr);
	if (c->len != 0)
		len = c->len;
	ck_assert_msg(cls(len, c->flags) == DP_NET_DROP, "%s: not dropped",
		      c->what);
	ck_assert_msg(out.drop == c->want, "%s: %s, want %s", c->what,
		      dp_net_drop_name(out.drop), dp_net_drop_name(c->want));
	ck_assert_uint_eq(st.n_drop[c->want], 1);
	ck_assert_uint_eq(drops_total(&st), 1);
	ck_assert_uint_eq(st.n_rx, 1);
	ck_assert_uint_eq(
		st.n_udp + st.n_arp_reply + st.n_icmp_reply + st.n_arp_seen +
		st.n_arp_announce, 0);
}
END_TEST

/* Every reason has a row above, a distinct name and a coarse class. */
START_TEST(test_net_drop_names)
{
	bool seen[DP_NET_DROP_MAX_] = { false };

	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		seen[drops[i].want] = true;
	for (unsigned int r = 0; r < DP_NET_DROP_MAX_; r++) {
		ck_assert_msg(seen[r], "no test for %s", dp_net_drop_name(r));
		ck_assert_str_ne(dp_net_drop_name(r), "?");
		for (unsigned int q = 0; q < r; q++)
			ck_assert_str_ne(dp_net_drop_name(r),
					 dp_net_drop_name(q));
	}
	ck_assert_str_eq(dp_net_drop_name(DP_NET_DROP_MAX_), "?");
	ck_assert_str_eq(dp_net_drop_name(DP_NET_DROP_UDP_CSUM), "udp_csum");
	ck_assert_uint_eq(dp_net_drop_shm(DP_NET_DROP_UDP_CSUM),
			  SHM_DROP_BAD_UDP);
	ck_assert_uint_eq(dp_net_drop_shm(DP_NET_DROP_IP_FRAG),
			  SHM_DROP_BAD_IP);
	ck_assert_uint_eq(dp_net_drop_shm(DP_NET_DROP_NOT_OUR_MAC),
			  SHM_DROP_NOT_FOR_US);
}
END_TEST

START_TEST(test_net_arp_reply_bytes)
{
	/* clang-format off */
	uint8_t want[42] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x06,	/* Ethernet */
		0, 1, 0x08, 0x00, 6, 4, 0, 2,		/* Ethernet/IPv4, reply */
		2, 0, 0, 0, 0, 1, 198, 18, 0, 1,	/* sender: us */
		2, 0, 0, 0, 0, 2, 198, 18, 0, 2,	/* target: the peer */
	};
	/* clang-format on */
	uint32_t len = mk_arp(fr);

	ck_assert_int_eq(cls(len, 0), DP_NET_REPLY);
	ck_assert_uint_eq(out.reply_len, 42);
	ck_assert_mem_eq(fr, want, 42);
	ck_assert_mem_eq(out.src_mac, peer_mac, 6);
	ck_assert_mem_eq(&out.src_ip_be, peer_ip, 4);
	ck_assert_uint_eq(st.n_arp_reply, 1);

	/* an RFC 5227 probe (sender 0.0.0.0) to our MAC is answered too */
	len = mk_arp(fr);
	memcpy(fr, our_mac, 6);
	memset(fr + 28, 0, 4);
	ck_assert_int_eq(cls(len, 0), DP_NET_REPLY);
	memset(want + 38, 0, 4);
	ck_assert_mem_eq(fr, want, 42);

	/* an ARP reply to us is reported, not answered */
	len = mk_arp(fr);
	put16(fr + 20, 2);
	ck_assert_int_eq(cls(len, 0), DP_NET_ARP_SEEN);
	ck_assert_mem_eq(out.src_mac, peer_mac, 6);
	ck_assert_mem_eq(&out.src_ip_be, peer_ip, 4);
	ck_assert_uint_eq(st.n_arp_seen, 1);
	ck_assert_uint_eq(st.n_arp_reply, 2);
	ck_assert_uint_eq(drops_total(&st), 0);
}
END_TEST

/* A gratuitous ARP (sender and target the peer's address), as request
 * or reply: reported as an announcement, not answered; a probe (sender
 * 0.0.0.0), another host's question, or one naming our own address as
 * its sender are not. */
START_TEST(test_net_arp_announce)
{
	for (int op = 1; op <= 2; op++) {
		uint32_t len = mk_arp(fr);

		put16(fr + 20, (uint16_t)op);
		memcpy(fr + 38, peer_ip, 4);	/* tpa = spa */
		memset(&st, 0, sizeof(st));
		ck_assert_int_eq(cls(len, 0), DP_NET_ARP_ANNOUNCE);
		ck_assert_mem_eq(out.src_mac, peer_mac, 6);
		ck_assert_mem_eq(&out.src_ip_be, peer_ip, 4);
		ck_assert_uint_eq(st.n_arp_announce, 1);
		ck_assert_uint_eq(st.n_arp_reply + st.n_arp_seen +
				  drops_total(&st), 0);
	}
	/* a probe: no sender address */
	mk_arp(fr);
	memset(fr + 28, 0, 4);
	memset(fr + 38, 0, 4);
	ck_assert_int_eq(cls(60, 0), DP_NET_DROP);
	ck_assert_uint_eq(out.drop, DP_NET_DROP_ARP_NOT_US);
	/* a question about a third host */
	mk_arp(fr);
	fr[41] ^= 0x01;
	ck_assert_int_eq(cls(60, 0), DP_NET_DROP);
	ck_assert_uint_eq(out.drop, DP_NET_DROP_ARP_NOT_US);
}
END_TEST

/* Our request, answered by the peer, is learnt back: the next hop. */
START_TEST(test_net_arp_request_round_trip)
{
	struct dp_net_iface peer = { 0 };
	struct dp_net_stats peer_st = { 0 };
	struct dp_net_rx peer_out;
	static uint8_t want[FRAME_MAX];
	uint32_t peer_ip_be;

	memcpy(&peer_ip_be, peer_ip, 4);
	memcpy(peer.mac, peer_mac, 6);
	peer.ip_be[0] = peer_ip_be;
	memset(fr, 0xee, 64);
	dp_net_build_arp_request(fr, &ifc, peer_ip_be);
	ck_assert_uint_eq(fr[DP_NET_ARP_FRAME_LEN], 0xee);
	mk_arp(want); /* the peer's request for us, mirrored */
	memcpy(want + 6, our_mac, 6);
	memcpy(want + 22, our_mac, 6);
	memcpy(want + 28, our_ip, 4);
	memcpy(want + 38, peer_ip, 4);
	ck_assert_mem_eq(fr, want, DP_NET_ARP_FRAME_LEN);
	ck_assert_int_eq(dp_net_classify(&peer, fr, DP_NET_ARP_FRAME_LEN, 0,
					 &peer_out, &peer_st),
			 DP_NET_REPLY);
	ck_assert_int_eq(cls(peer_out.reply_len, 0), DP_NET_ARP_SEEN);
	ck_assert_mem_eq(out.src_mac, peer_mac, 6);
	ck_assert_uint_eq(out.src_ip_be, peer_ip_be);
	ck_assert_uint_eq(st.n_arp_seen, 1);
}
END_TEST

/* Echo replies for data lengths 0..67 (odd ones too), with options. */
START_TEST(test_net_icmp_echo_reply_bytes)
{
	static uint8_t want[FRAME_MAX];
	uint32_t opt = (uint32_t)_i;
	uint32_t n = 0;

	for (uint32_t dlen = 0; dlen < 68; dlen++, n++) {
		uint32_t len = mk_echo(fr, opt, dlen);
		uint32_t ihl = ihl_of(fr);
		uint8_t *ip, *ic;

		/* expected: by hand from the request */
		memcpy(want, fr, len);
		memcpy(want, peer_mac, 6);
		memcpy(want + 6, our_mac, 6);
		memcpy(want + 14 + 12, our_ip, 4);
		memcpy(want + 14 + 16, peer_ip, 4);
		want[14 + 8] = 64;
		want[14 + ihl] = 0;
		ip = want + 14;
		ic = ip + ihl;
		put16(ip + 10, 0);
		put16(ip + 10, ref_csum(ip, ihl));
		put16(ic + 2, 0);
		put16(ic + 2, ref_csum(ic, 8 + dlen));

		ck_assert_int_eq(cls(len + 3, 0), DP_NET_REPLY);
		ck_assert_uint_eq(out.reply_len, len);
		ck_assert_mem_eq(fr, want, len);
		ck_assert_uint_eq(ref_csum(fr + 14, ihl), 0);
		ck_assert_uint_eq(ref_csum(fr + 14 + ihl, 8 + dlen), 0);
	}
	ck_assert_uint_eq(st.n_icmp_reply, n);
	ck_assert_uint_eq(drops_total(&st), 0);
}
END_TEST

static struct dp_net_flow
flow(void)
{
	struct dp_net_flow fl;

	memcpy(fl.src_mac, our_mac, 6);
	memcpy(fl.dst_mac, peer_mac, 6);
	memcpy(&fl.src_ip_be, our_ip, 4);
	memcpy(&fl.dst_ip_be, peer_ip, 4);
	put16((uint8_t *)&fl.src_port_be, OUR_PORT);
	put16((uint8_t *)&fl.dst_port_be, PEER_PORT);
	fl.tos = 0xb8;
	return fl;
}

/* Frame fr's IPv4 source and destination made src and dst (4 bytes
 * each, NULL: unchanged), its checksums fixed (proto 17 or 1). */
static void
readdress(const uint8_t *src, const uint8_t *dst, uint8_t proto)
{
	if (src != NULL)
		memcpy(ip_of(fr) + 12, src, 4);
	if (dst != NULL)
		memcpy(ip_of(fr) + 16, dst, 4);
	fix_ip(fr);
	if (proto == 17)
		fix_udp(fr);
	else
		fix_icmp(fr);
}

/* Three addresses: each one's datagrams accepted with its index, ARP and
 * echo answered from the address asked; a source that is one of them, or
 * a destination that is none, dropped. */
START_TEST(test_net_more_addresses)
{
	static const uint8_t ip1[4] = { 198, 18, 0, 3 };
	static const uint8_t ip2[4] = { 198, 18, 0, 4 };
	static const uint8_t ip9[4] = { 198, 18, 0, 9 };
	uint32_t len;

	memcpy(&ifc.ip_be[1], ip1, 4);
	memcpy(&ifc.ip_be[2], ip2, 4);
	ifc.n_ip = 3;
	ck_assert_int_eq(dp_net_addr_index(&ifc, ifc.ip_be[2]), 2);

	len = mk_udp(fr, 0, 20);
	ck_assert_int_eq(cls(len, 0), DP_NET_UDP);
	ck_assert_uint_eq(out.addr_idx, 0);
	readdress(NULL, ip2, 17);
	ck_assert_int_eq(cls(len, 0), DP_NET_UDP);
	ck_assert_uint_eq(out.addr_idx, 2);
	ck_assert_mem_eq(&out.dst_ip_be, ip2, 4);
	readdress(NULL, ip1, 17);
	ck_assert_int_eq(cls(len, 0), DP_NET_UDP);
	ck_assert_uint_eq(out.addr_idx, 1);
	readdress(NULL, ip9, 17);
	ck_assert_int_eq(cls(len, 0), DP_NET_DROP);
	ck_assert_int_eq(out.drop, DP_NET_DROP_NOT_OUR_IP);
	readdress(ip1, our_ip, 17);	/* from one of ours */
	ck_assert_int_eq(cls(len, 0), DP_NET_DROP);
	ck_assert_int_eq(out.drop, DP_NET_DROP_IP_SRC);

	len = mk_echo(fr, 0, 8);
	readdress(NULL, ip1, 1);
	ck_assert_int_eq(cls(len, 0), DP_NET_REPLY);
	ck_assert_mem_eq(ip_of(fr) + 12, ip1, 4);	/* from it */
	ck_assert_mem_eq(ip_of(fr) + 16, peer_ip, 4);
	ck_assert_uint_eq(ref_csum(ip_of(fr), 20), 0);

	len = mk_arp(fr);
	memcpy(fr + 14 + 24, ip2, 4);
	ck_assert_int_eq(cls(len, 0), DP_NET_REPLY);
	ck_assert_mem_eq(fr + 14 + 14, ip2, 4);		/* sender: it */
	ck_assert_mem_eq(fr + 14 + 24, peer_ip, 4);
	len = mk_arp(fr);
	memcpy(fr + 14 + 24, ip9, 4);
	ck_assert_int_eq(cls(len, 0), DP_NET_DROP);
	ck_assert_int_eq(out.drop, DP_NET_DROP_ARP_NOT_US);
	ck_assert_uint_eq(st.n_udp, 3);
	ck_assert_uint_eq(st.n_icmp_reply, 1);
	ck_assert_uint_eq(st.n_arp_reply, 1);
}
END_TEST

START_TEST(test_net_build_udp_software)
{
	static const uint8_t hdr[34] = {
		0x02, 0,    0,	  0,	0, 0x02, 0x02, 0,  0,	 0,    0,  0x01,
		0x08, 0x00, 0x45, 0xb8, 0, 0,	 0,    0,  0x40, 0x00, 64, 17,
		0,    0,    198,  18,	0, 1,	 198,  18, 0,	 2,
	};
	struct dp_net_flow fl = flow();
	static uint8_t want[34];
	uint32_t csum;

	for (uint32_t plen = 0; plen < 200; plen++) {
		memset(fr, 0xee, DP_NET_HDR_LEN);
		for (uint32_t i = 0; i < plen; i++)
			fr[DP_NET_HDR_LEN + i] = (uint8_t)(i * 13 + plen);
		ck_assert_int_eq(dp_net_build_udp(fr, plen, &fl, 0), 0);
		memcpy(want, hdr, sizeof(hdr));
		put16(want + 16, 28 + plen);
		ck_assert_mem_eq(fr, want, 24); /* up to the IP checksum */
		ck_assert_mem_eq(fr + 26, want + 26, 8);
		ck_assert_uint_eq(ref_csum(fr + 14, 20), 0);
		ck_assert_uint_eq(get16(fr + 34), OUR_PORT);
		ck_assert_uint_eq(get16(fr + 36), PEER_PORT);
		ck_assert_uint_eq(get16(fr + 38), 8 + plen);
		csum = get16(fr + 40);
		put16(fr + 40, 0);
		ck_assert_uint_eq(csum,
				  ref_udp_csum(fr + 14, fr + 34, 8 + plen));
	}
}
END_TEST

/* What we build, we accept (addresses swapped: the peer's view). */
START_TEST(test_net_build_then_classify)
{
	struct dp_net_flow fl = flow();
	struct dp_net_iface peer = { 0 };

	memcpy(peer.mac, peer_mac, 6);
	memcpy(&peer.ip_be, peer_ip, 4);
	for (uint32_t plen = 0; plen < 64; plen++) {
		memset(fr + DP_NET_HDR_LEN, (int)plen, plen);
		ck_assert_int_eq(dp_net_build_udp(fr, plen, &fl, 0), 0);
		ck_assert_int_eq(dp_net_classify(&peer, fr,
						 DP_NET_HDR_LEN + plen, 0, &out,
						 &st),
				 DP_NET_UDP);
		ck_assert_uint_eq(out.len_bytes, plen);
		ck_assert_ptr_eq(out.payload, fr + DP_NET_HDR_LEN);
	}
	ck_assert_uint_eq(st.n_udp, 64);
}
END_TEST

START_TEST(test_net_build_udp_offload)
{
	struct dp_net_flow fl = flow();
	struct rte_ipv4_hdr ip;
	uint16_t got;

	for (uint32_t plen = 0; plen < 300; plen += 37) {
		ck_assert_int_eq(
			dp_net_build_udp(fr, plen, &fl, DP_NET_TX_CSUM_OFFLOAD),
			0);
		ck_assert_uint_eq(get16(fr + 24), 0);
		memcpy(&ip, fr + 14, sizeof(ip));
		memcpy(&got, fr + 40, 2);
		ck_assert_uint_eq(
			got, rte_ipv4_phdr_cksum(
				     &ip, RTE_MBUF_F_TX_IPV4 |
						  RTE_MBUF_F_TX_IP_CKSUM |
						  RTE_MBUF_F_TX_UDP_CKSUM));
	}
	ck_assert_int_eq(
		dp_net_build_udp(fr, DP_NET_UDP_PAYLOAD_MAX + 1, &fl, 0),
		-EMSGSIZE);
	ck_assert_int_eq(dp_net_build_udp(fr, 10, &fl, 1u << 5), -EINVAL);
}
END_TEST

/* A tail summed by the caller gives the bytes of a whole-payload build,
 * even lengths and odd; odd or too long heads are refused. */
START_TEST(test_net_build_udp_sum_matches_whole)
{
	struct dp_net_flow fl = flow();
	static uint8_t whole[DP_NET_HDR_LEN + 200];

	for (uint32_t plen = 12; plen < 200; plen += 7) {
		for (uint32_t head = 0; head <= 12; head += 4) {
			uint8_t *p = fr + DP_NET_HDR_LEN;

			for (uint32_t i = 0; i < plen; i++)
				p[i] = (uint8_t)(i * 29 + plen);
			ck_assert_int_eq(dp_net_build_udp(fr, plen, &fl, 0), 0);
			memcpy(whole, fr, DP_NET_HDR_LEN + plen);
			memset(fr, 0xee, DP_NET_HDR_LEN);
			ck_assert_int_eq(dp_net_build_udp_sum(fr, plen, head,
				dp_net_csum_fold(p + head, plen - head, 0),
				&fl, 0), 0);
			ck_assert_mem_eq(fr, whole, DP_NET_HDR_LEN + plen);
		}
	}
	ck_assert_int_eq(dp_net_build_udp_sum(fr, 20, 3, 0, &fl, 0), -EINVAL);
	ck_assert_int_eq(dp_net_build_udp_sum(fr, 20, 22, 0, &fl, 0),
			 -EINVAL);
}
END_TEST

/* A template written in front of a payload gives the bytes of a whole
 * build, for random flows and lengths, with and without offload, and
 * when the checksum comes out 0 (sent as 0xffff); lengths out of range
 * and unknown flags are refused with the template untouched. */
START_TEST(test_net_tpl_matches_build)
{
	static uint8_t whole[FRAME_MAX];
	struct dp_net_flow fl = flow();
	struct dp_net_tpl t, t0;
	uint32_t zeros = 0;

	srand(11);
	for (int k = 0; k < 2000; k++) {
		unsigned int flags = k % 2 ? DP_NET_TX_CSUM_OFFLOAD : 0;
		uint32_t plen = k < 4 ? (k < 2 ? 1 : FRAME_MAX - DP_NET_HDR_LEN) :
				1 + (uint32_t)rand() % 400;
		uint8_t *p = fr + DP_NET_HDR_LEN;
		uint8_t *f = (uint8_t *)&fl;

		for (size_t i = 0; i < sizeof(fl); i++)
			f[i] = (uint8_t)rand();
		fl.dst_mac[0] &= 0xfe;
		for (uint32_t i = 0; i < plen; i++)
			p[i] = (uint8_t)rand();
		/* every 4th: the last word makes the sum 0xffff, the
		 * checksum 0 */
		if (k % 4 == 2 && plen % 2 == 0) {
			p[plen - 2] = p[plen - 1] = 0;
			ck_assert_int_eq(dp_net_build_udp(fr, plen, &fl, 0), 0);
			p[plen - 2] = fr[40];
			p[plen - 1] = fr[41];
		}
		ck_assert_int_eq(dp_net_build_udp(fr, plen, &fl, flags), 0);
		zeros += flags == 0 && get16(fr + 40) == 0xffff;
		memcpy(whole, fr, DP_NET_HDR_LEN + plen);
		memset(fr, 0xee, DP_NET_HDR_LEN);
		memset(&t, 0x5a, sizeof(t));
		ck_assert_int_eq(dp_net_tpl_build(&t, plen, &fl, flags), 0);
		ck_assert_uint_eq(t.payload_len, plen);
		dp_net_tpl_write(&t, fr, dp_net_csum_fold(p, plen, 0), flags);
		ck_assert_mem_eq(fr, whole, DP_NET_HDR_LEN + plen);
	}
	ck_assert_uint_ge(zeros, 200);
	memcpy(&t0, &t, sizeof(t));
	ck_assert_int_eq(dp_net_tpl_build(&t, 0, &fl, 0), -EMSGSIZE);
	ck_assert_int_eq(dp_net_tpl_build(&t, DP_NET_UDP_PAYLOAD_MAX + 1, &fl,
					  0), -EMSGSIZE);
	ck_assert_int_eq(dp_net_tpl_build(&t, 10, &fl, 1u << 5), -EINVAL);
	ck_assert_mem_eq(&t, &t0, sizeof(t));
}
END_TEST

/* net.c's word-at-a-time sum against the textbook one, any alignment,
 * with a partial sum: random bytes, all ones (every word carries), and
 * two words of ones then a 1 (from offset 0, the 64-bit sum's carries
 * overflow its low half again when they are added back). */
static uint32_t
ip4(const char *s)
{
	uint32_t a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* The next hop: on the link of an address (each with its prefix) the
 * destination itself, off it the gateway, and without a gateway always
 * the destination. */
START_TEST(test_net_next_hop)
{
	struct dp_net_iface r = { .n_ip = 2 };

	ck_assert_uint_eq(shm_prefix_mask(0), 0);
	ck_assert_uint_eq(shm_prefix_mask(24), ip4("255.255.255.0"));
	ck_assert_uint_eq(shm_prefix_mask(31), ip4("255.255.255.254"));
	ck_assert_uint_eq(shm_prefix_mask(32), ip4("255.255.255.255"));
	r.ip_be[0] = ip4("198.18.0.2");
	r.mask_be[0] = shm_prefix_mask(24);
	r.ip_be[1] = ip4("198.19.7.2");
	r.mask_be[1] = shm_prefix_mask(32);
	/* no gateway: every destination asked for directly */
	ck_assert_uint_eq(dp_net_next_hop(&r, ip4("203.0.113.9")),
			  ip4("203.0.113.9"));
	r.gw_be = ip4("198.18.0.254");
	ck_assert(dp_net_on_link(&r, ip4("198.18.0.77")));
	ck_assert(!dp_net_on_link(&r, ip4("198.18.1.77")));
	ck_assert(!dp_net_on_link(&r, ip4("198.19.7.3")));	/* a /32 */
	ck_assert(dp_net_on_link(&r, ip4("198.19.7.2")));
	ck_assert_uint_eq(dp_net_next_hop(&r, ip4("198.18.0.77")),
			  ip4("198.18.0.77"));
	ck_assert_uint_eq(dp_net_next_hop(&r, ip4("198.18.1.77")),
			  r.gw_be);
	ck_assert_uint_eq(dp_net_next_hop(&r, ip4("198.19.7.3")),
			  r.gw_be);
	ck_assert_uint_eq(dp_net_next_hop(&r, ip4("203.0.113.9")),
			  r.gw_be);
	/* n_ip 0 reads as 1: the second address's prefix is not looked at */
	r.n_ip = 0;
	r.mask_be[1] = shm_prefix_mask(16);
	ck_assert_uint_eq(dp_net_next_hop(&r, ip4("198.19.1.1")),
			  r.gw_be);
	/* a /0: everything on the link */
	r.mask_be[0] = 0;
	ck_assert_uint_eq(dp_net_next_hop(&r, ip4("203.0.113.9")),
			  ip4("203.0.113.9"));
}
END_TEST

START_TEST(test_net_csum_matches_reference)
{
	static uint8_t b[300];

	for (int fill = 0; fill < 3; fill++) {
		srand(7);
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = fill == 0 ? (uint8_t)rand() :
			       fill == 1 || i % 24 < 16 ? 0xff :
			       i % 24 == 16 ? 1 : 0;
		for (uint32_t off = 0; off < 8; off++) {
			for (uint32_t n = 0; n < 280; n++) {
				uint16_t s = dp_net_csum_fold(b + off, n, 0);
				uint16_t s2 = dp_net_csum_fold(b + off, n,
							       0xfffffff0u);
				uint8_t be[2];

				memcpy(be, &s, 2);
				ck_assert_uint_eq((uint32_t)(~get16(be) &
							     0xffff),
						  ref_csum(b + off, n));
				/* the partial sum goes in as one more
				 * (native order) term */
				ck_assert_uint_eq(s2, dp_net_fold((uint64_t)s +
								  0xfffffff0u));
			}
		}
	}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("udp");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_net_udp_accepted);
	tcase_add_test(tc, test_net_udp_shapes_accepted);
	tcase_add_test(tc, test_net_udp_csum_zero_and_nic_flags);
	suite_add_tcase(s, tc);
	tc = tcase_create("drops");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_net_drop_reason, 0,
			    (int)(sizeof(drops) / sizeof(drops[0])));
	tcase_add_test(tc, test_net_drop_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("replies");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_net_arp_reply_bytes);
	tcase_add_test(tc, test_net_arp_request_round_trip);
	tcase_add_loop_test(tc, test_net_icmp_echo_reply_bytes, 0, 3);
	tcase_add_test(tc, test_net_more_addresses);
	suite_add_tcase(s, tc);
	tc = tcase_create("build");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_net_build_udp_software);
	tcase_add_test(tc, test_net_build_then_classify);
	tcase_add_test(tc, test_net_build_udp_offload);
	tcase_add_test(tc, test_net_build_udp_sum_matches_whole);
	tcase_add_test(tc, test_net_tpl_matches_build);
	tcase_add_test(tc, test_net_csum_matches_reference);
	tcase_add_test(tc, test_net_next_hop);
	tcase_add_test(tc, test_net_arp_announce);
	suite_add_tcase(s, tc);
	return s;
}
