/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_net.c: cost of the packet edge per received RTP packet: Ethernet/
 * IPv4/UDP classification (dp_net_classify) and RTP validation with the
 * leg's receive state (dp_rtp_rx), as a worker runs them for each packet
 * of a burst. Items = packets; "tsc/pkt" is TSC ticks per packet (x86).
 * The frames (N_FRAMES of one stream, consecutive sequence numbers, valid
 * checksums) are built once and cycled through, as from an mbuf pool.
 *
 *   net/classify/B        dp_net_classify, software checksums
 *   net/classify_nic/B    the same with the NIC's checksum verdicts
 *   net/rtp_rx/B          dp_rtp_rx on the UDP payload only
 *   net/edge/B            classify then dp_rtp_rx (software checksums,
 *                         summed by the best ISA's dp_csum(), as tutti-dp)
 *   net/edge_scalar/B     the same with the scalar dp_csum_scalar()
 *   net/edge_nic/B        the same with the NIC's checksum verdicts
 *   net/build_udp/B       dp_net_build_udp, software checksums
 *   net/build_udp_ofl/B   the same, checksums left to the NIC
 *   net/csum_<isa>/B      dp_csum_for(isa) over a received packet's UDP
 *                         datagram (what verifying its checksum sums);
 *                         an ISA the CPU lacks is skipped by name
 * B is the RTP payload in bytes (160: 20 ms of G.711).
 */
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#define TSC() __rdtsc()
#else
#define TSC() 0ull
#endif

#include "csum.h"
#include "gb_shim.h"
#include "net.h"
#include "rtp.h"

#define N_FRAMES  4096 /* cycled; power of two */
#define N_PKT	  1024 /* packets per timed iteration */
#define FRAME_MAX (DP_NET_HDR_LEN + DP_RTP_HDR_LEN + 1500)

enum what {
	CLASSIFY,
	CLASSIFY_NIC,
	RTP_RX,
	EDGE,
	EDGE_NIC,
	BUILD,
	BUILD_OFFLOAD,
	EDGE_SCALAR,
	CSUM,		/* + the ISA << 8 */
};

static uint8_t (*frames)[FRAME_MAX];
static uint32_t frame_len;
static struct dp_net_iface us;
static struct dp_net_flow to_us; /* the peer's view */

/* Frames from 198.18.0.2:40000 to 198.18.0.1:10000, PCMA, SSRC 0x1234. */
static int
make_frames(uint32_t payload_bytes)
{
	static const uint8_t our_ip[4] = { 198, 18, 0, 1 };
	static const uint8_t peer_ip[4] = { 198, 18, 0, 2 };

	if (frames == NULL && (frames = calloc(N_FRAMES, FRAME_MAX)) == NULL)
		return -1;
	memset(&us, 0, sizeof(us));
	us.mac[0] = 0x02;
	us.mac[5] = 0x01;
	memcpy(&us.ip_be, our_ip, 4);
	memcpy(to_us.dst_mac, us.mac, 6);
	memcpy(to_us.src_mac, us.mac, 6);
	to_us.src_mac[5] = 0x02;
	memcpy(&to_us.src_ip_be, peer_ip, 4);
	to_us.dst_ip_be = us.ip_be[0];
	dp_net_put16((uint8_t *)&to_us.src_port_be, 40000);
	dp_net_put16((uint8_t *)&to_us.dst_port_be, 10000);
	to_us.tos = 0xb8;
	frame_len = DP_NET_HDR_LEN + DP_RTP_HDR_LEN + payload_bytes;
	for (uint32_t i = 0; i < N_FRAMES; i++) {
		uint8_t *rtp = frames[i] + DP_NET_HDR_LEN;

		dp_rtp_write_hdr(rtp, 8, false, (uint16_t)i, i * 160u, 0x1234);
		memset(rtp + DP_RTP_HDR_LEN, (int)(0x55 + i), payload_bytes);
		if (dp_net_build_udp(frames[i], DP_RTP_HDR_LEN + payload_bytes,
				     &to_us, 0) != 0)
			return -1;
	}
	return 0;
}

static int
init_rtp(struct dp_rtp_rx *rx)
{
	struct dp_rtp_rx_cfg c = {
		.rate_hz = 8000,
		.clock_hz = 1000000000,
		.remote_ip_be = to_us.src_ip_be,
		.remote_port_be = to_us.src_port_be,
		.pt = 8,
		.dtmf_pt = 101,
		.latch = DP_RTP_LATCH_FIXED,
	};

	return dp_rtp_rx_init(rx, &c);
}

/* One packet through the stages of `w`; returns 1 if it got through. */
static inline int
one(enum what w, struct dp_rtp_rx *rx, struct dp_net_stats *ns, uint8_t *f,
    uint64_t now)
{
	unsigned int nic = DP_NET_RX_IP_CSUM_GOOD | DP_NET_RX_L4_CSUM_GOOD;
	struct dp_net_rx out;
	struct dp_rtp_pkt p;

	switch (w) {
	case CLASSIFY:
	case CLASSIFY_NIC:
		return dp_net_classify(&us, f, frame_len,
				       w == CLASSIFY_NIC ? nic : 0, &out,
				       ns) == DP_NET_UDP;
	case RTP_RX:
		return dp_rtp_rx(rx, f + DP_NET_HDR_LEN,
				 frame_len - DP_NET_HDR_LEN, to_us.src_ip_be,
				 to_us.src_port_be, now, &p) == DP_RTP_AUDIO;
	case CSUM:	/* the datagram: pseudo header aside */
		return dp_csum(f + DP_NET_ETH_LEN + DP_NET_IPV4_LEN,
			       frame_len - DP_NET_ETH_LEN - DP_NET_IPV4_LEN,
			       0) != 0;
	case EDGE:
	case EDGE_NIC:
	case EDGE_SCALAR:
		if (dp_net_classify(&us, f, frame_len, w == EDGE_NIC ? nic : 0,
				    &out, ns) != DP_NET_UDP)
			return 0;
		return dp_rtp_rx(rx, out.payload, out.len_bytes, out.src_ip_be,
				 out.src_port_be, now, &p) == DP_RTP_AUDIO;
	case BUILD:
	case BUILD_OFFLOAD:
		return dp_net_build_udp(
			       f, frame_len - DP_NET_HDR_LEN, &to_us,
			       w == BUILD ? 0 : DP_NET_TX_CSUM_OFFLOAD) == 0;
	}
	return 0;
}

static void
run(struct gb_state *st, void *arg)
{
	enum what w = (enum what)((uintptr_t)arg & 0xff);
	enum dp_simd isa = w == EDGE_SCALAR ? DP_SIMD_SCALAR :
			   w == CSUM ? (enum dp_simd)((uintptr_t)arg >> 8) :
			   dp_simd_best();
	static struct dp_rtp_rx rx;
	struct dp_net_stats ns = { 0 };
	uint64_t i = 0, n = 0, ok = 0, t0, t1;

	if (dp_csum_for(isa) == NULL || !dp_simd_cpu_has(isa)) {
		gb_skip_with_error(st, dp_csum_for(isa) == NULL ?
				   "not built (meson -Dsimd)" :
				   "this CPU lacks it");
		return;
	}
	dp_csum_use(dp_csum_for(isa));
	if (w == EDGE_SCALAR)
		w = EDGE;
	if (make_frames((uint32_t)gb_range(st, 0)) != 0 || init_rtp(&rx) != 0) {
		gb_skip_with_error(st, "set-up failed");
		return;
	}
	t0 = TSC();
	while (gb_keep_running(st)) {
		for (uint32_t k = 0; k < N_PKT; k++, i++)
			ok += (uint64_t)one(w, &rx, &ns,
					    frames[i & (N_FRAMES - 1)],
					    i * 20000000u);
		n += N_PKT;
		gb_clobber();
	}
	t1 = TSC();
	gb_set_items(st, (int64_t)n);
	gb_counter(st, "tsc/pkt", (double)(t1 - t0) / (double)(n ? n : 1),
		   false, false);
	gb_counter(st, "ok/pkt", (double)ok / (double)(n ? n : 1), false,
		   false);
}

int
main(int argc, char **argv)
{
	static const char *const names[] = {
		[CLASSIFY] = "net/classify",
		[CLASSIFY_NIC] = "net/classify_nic",
		[RTP_RX] = "net/rtp_rx",
		[EDGE] = "net/edge",
		[EDGE_NIC] = "net/edge_nic",
		[BUILD] = "net/build_udp",
		[BUILD_OFFLOAD] = "net/build_udp_ofl",
		[EDGE_SCALAR] = "net/edge_scalar",
	};
	static const int64_t payload_bytes[] = { 160, 320 };

	static const char *const csum_names[DP_SIMD_MAX_] = {
		[DP_SIMD_SCALAR] = "net/csum_scalar",
		[DP_SIMD_AVX2] = "net/csum_avx2",
		[DP_SIMD_AVX512] = "net/csum_avx512",
	};

	for (unsigned int w = CLASSIFY; w <= EDGE_SCALAR; w++)
		for (size_t k = 0; k < 2; k++)
			gb_arg(gb_register(names[w], run, (void *)(uintptr_t)w),
			       payload_bytes[k]);
	for (unsigned int isa = 0; isa < DP_SIMD_MAX_; isa++)
		for (size_t k = 0; k < 2; k++)
			gb_arg(gb_register(csum_names[isa], run,
					   (void *)(uintptr_t)(CSUM |
							       isa << 8)),
			       payload_bytes[k]);
	return gb_main(argc, argv);
}
