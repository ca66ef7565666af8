/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_net.c: libFuzzer target for dp_net_classify() (dataplane/net.c).
 * Input: one byte of NIC flags, then the frame. Properties: exactly one
 * outcome is counted; a UDP payload lies inside the frame; a reply is no
 * longer than the frame and its checksums verify; the payload, sent back
 * with dp_net_build_udp(), classifies as the same UDP datagram.
 */
#include "fuzz.h"
#include "net.h"

/* 02:00:00:00:00:01, 198.18.0.1: what the seed corpus is addressed to */
static struct dp_net_iface us;

static void
set_us(void)
{
	static const uint8_t ip[2][4] = { { 198, 18, 0, 1 },
					  { 198, 18, 0, 3 } };

	memset(&us, 0, sizeof(us));
	us.mac[0] = 0x02;
	us.mac[5] = 0x01;
	memcpy(&us.ip_be[0], ip[0], 4);	/* two: either may be asked */
	memcpy(&us.ip_be[1], ip[1], 4);
	us.n_ip = 2;
}

static void
check_reply(const uint8_t *f, uint32_t len, uint32_t reply_len)
{
	uint32_t ihl;

	FUZZ_CHECK(reply_len <= len);
	if (dp_net_get16(f + 12) != DP_NET_ETHERTYPE_IPV4) {
		FUZZ_CHECK(reply_len == DP_NET_ARP_FRAME_LEN);
		return;
	}
	ihl = (uint32_t)(f[14] & 0x0f) * 4;
	FUZZ_CHECK(dp_net_csum_fold(f + 14, ihl, 0) == 0xffff);
	FUZZ_CHECK(dp_net_csum_fold(f + 14 + ihl, reply_len - 14 - ihl, 0) ==
		   0xffff);
}

/* Send the payload back to its source; the peer must accept it as is. */
static void
check_round_trip(const struct dp_net_rx *rx)
{
	static uint8_t out[DP_NET_HDR_LEN + 65536];
	struct dp_net_flow fl = { .tos = 0xb8 };
	struct dp_net_iface peer = { 0 };
	struct dp_net_stats st = { 0 };
	struct dp_net_rx back;
	unsigned int flags = rx->len_bytes & 1 ? DP_NET_TX_CSUM_OFFLOAD : 0;

	memcpy(fl.src_mac, us.mac, 6);
	memcpy(fl.dst_mac, rx->src_mac, 6);
	fl.src_ip_be = us.ip_be[rx->addr_idx];
	fl.dst_ip_be = rx->src_ip_be;
	fl.src_port_be = rx->dst_port_be;
	fl.dst_port_be = rx->src_port_be;
	memcpy(out + DP_NET_HDR_LEN, rx->payload, rx->len_bytes);
	FUZZ_CHECK(dp_net_build_udp(out, rx->len_bytes, &fl, flags) == 0);
	FUZZ_CHECK((rx->src_mac[0] & 1) == 0); /* never learn a group MAC */
	memcpy(peer.mac, rx->src_mac, 6);
	peer.ip_be[0] = rx->src_ip_be;
	FUZZ_CHECK(dp_net_classify(&peer, out, DP_NET_HDR_LEN + rx->len_bytes,
				   flags ? DP_NET_RX_L4_CSUM_GOOD |
						   DP_NET_RX_IP_CSUM_GOOD
					 : 0,
				   &back, &st) == DP_NET_UDP);
	FUZZ_CHECK(back.len_bytes == rx->len_bytes);
	FUZZ_CHECK(memcmp(back.payload, rx->payload, rx->len_bytes) == 0);
	FUZZ_CHECK(back.src_port_be == rx->dst_port_be);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_net_stats st = { 0 };
	struct dp_net_rx rx;
	enum dp_net_verdict v;
	uint64_t n_drop = 0;
	uint32_t len;
	uint8_t *f;

	if (size < 1 || size > 65536)
		return 0;
	set_us();
	len = (uint32_t)size - 1;
	f = fuzz_dup(data + 1, len);
	v = dp_net_classify(&us, f, len, data[0] & DP_NET_RX_FLAGS_KNOWN, &rx,
			    &st);
	for (int i = 0; i < DP_NET_DROP_MAX_; i++)
		n_drop += st.n_drop[i];
	FUZZ_CHECK(st.n_rx == 1);
	FUZZ_CHECK(st.n_udp + st.n_arp_reply + st.n_icmp_reply + st.n_arp_seen +
			   st.n_arp_announce + n_drop ==
		   1);
	switch (v) {
	case DP_NET_UDP:
		FUZZ_CHECK(rx.payload >= f + DP_NET_HDR_LEN);
		FUZZ_CHECK(rx.payload + rx.len_bytes <= f + len);
		FUZZ_CHECK(rx.addr_idx < us.n_ip &&
			   rx.dst_ip_be == us.ip_be[rx.addr_idx]);
		check_round_trip(&rx);
		break;
	case DP_NET_REPLY:
		check_reply(f, len, rx.reply_len);
		break;
	case DP_NET_ARP_SEEN:
		FUZZ_CHECK(st.n_arp_seen == 1);
		break;
	case DP_NET_ARP_ANNOUNCE:
		FUZZ_CHECK(st.n_arp_announce == 1 && rx.src_ip_be != 0 &&
			   dp_net_addr_index(&us, rx.src_ip_be) < 0);
		break;
	case DP_NET_DROP:
		FUZZ_CHECK(rx.drop < DP_NET_DROP_MAX_);
		FUZZ_CHECK(st.n_drop[rx.drop] == 1);
		FUZZ_CHECK(dp_net_drop_name(rx.drop)[0] != '?');
		break;
	default:
		FUZZ_CHECK(0);
	}
	free(f);
	return 0;
}
