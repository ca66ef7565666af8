/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_rtp.c: RTP validation and per-leg receive state (dataplane/rtp.c).
 * Packets are written byte by byte here; every drop reason has a row with
 * the exact bytes that cause it; sequence, loss, report and jitter figures
 * are worked out by hand (jitter: RFC 3550 A.8 in floating point).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <arpa/inet.h>

#include "check_main.h"
#include "net.h"
#include "rtp.h"

#define PT_AUDIO 8 /* PCMA */
#define PT_EVENT 101
#define SSRC_A	 0x11223344u
#define SSRC_B	 0x55667788u
#define RATE	 8000u

static struct dp_rtp_rx rx;
static struct dp_rtp_pkt pkt;
static uint8_t buf[256];
static uint32_t peer_ip, other_ip;
static uint16_t peer_port, other_port;

static void
setup(void)
{
	peer_ip = htonl(0xc6120002); /* 198.18.0.2 */
	other_ip = htonl(0xc6120003);
	peer_port = htons(40000);
	other_port = htons(40002);
	memset(&pkt, 0, sizeof(pkt));
}

/* clock in timestamp units: arrival times are exact */
static void
init_rx(enum dp_rtp_latch latch)
{
	struct dp_rtp_rx_cfg c = {
		.rate_hz = RATE,
		.clock_hz = RATE,
		.remote_ip_be = peer_ip,
		.remote_port_be = peer_port,
		.pt = PT_AUDIO,
		.dtmf_pt = PT_EVENT,
		.latch = latch,
	};

	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), 0);
}

/* A 12-byte header then 20 payload bytes (k + 1); returns the length. */
static uint32_t
mk(uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	dp_rtp_write_hdr(buf, pt, false, seq, ts, ssrc);
	for (int k = 0; k < 20; k++)
		buf[12 + k] = (uint8_t)(k + 1);
	return 32;
}

/* Receive a packet mk() writes, from ip:port at now, into pkt. */
static enum dp_rtp_verdict
rx_from(uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, uint32_t ip,
	uint16_t port, uint64_t now)
{
	uint32_t len = mk(pt, seq, ts, ssrc);

	return dp_rtp_rx(&rx, buf, len, ip, port, now, &pkt);
}

/* Receive one audio packet from the peer at ts (arrival = ts + off). */
static enum dp_rtp_verdict
rcv(uint32_t ssrc, uint16_t seq, uint32_t ts, int off)
{
	return rx_from(PT_AUDIO, seq, ts, ssrc, peer_ip, peer_port,
		       (uint64_t)1000000 + ts + (uint64_t)(int64_t)off);
}

START_TEST(test_rtp_parse_full_header)
{
	/* V=2 P X CC=2, M, PT 8; 2 CSRCs; extension of 1 word; 3 padding */
	static const uint8_t p[] = {
		0xb2, 0x88, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01,
		0x02, 0x03, 0x04, 0xc1, 0xc1, 0xc1, 0xc1, 0xc2, 0xc2,
		0xc2, 0xc2, 0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00,
		0x00, 'a',  'b',  'c',	'd',  'e',  0x00, 0x00, 0x03,
	};

	ck_assert_int_eq(dp_rtp_parse(p, sizeof(p), &pkt), 0);
	ck_assert_ptr_eq(pkt.payload, p + 28);
	ck_assert_uint_eq(pkt.len_bytes, 5);
	ck_assert_uint_eq(pkt.n_csrc, 2);
	ck_assert(pkt.marker);
	ck_assert_uint_eq(pkt.pt, 8);
	ck_assert_uint_eq(pkt.seq, 0x1234);
	ck_assert_uint_eq(pkt.ts, 0xdeadbeef);
	ck_assert_uint_eq(pkt.ssrc, 0x01020304);
}
END_TEST

struct bad_case {
	const char *what;
	uint8_t b[24];
	uint32_t len;
	enum dp_rtp_drop want;
};

/* clang-format off */
static const struct bad_case bads[] = {
	{ "11 bytes", { 0x80, 8 }, 11, DP_RTP_DROP_SHORT },
	{ "version 1", { 0x40, 8 }, 12, DP_RTP_DROP_VERSION },
	{ "version 0", { 0x00, 8 }, 20, DP_RTP_DROP_VERSION },
	{ "RTCP SR on the RTP port", { 0x80, 200 }, 20, DP_RTP_DROP_RTCP },
	{ "second octet 192", { 0x80, 192 }, 20, DP_RTP_DROP_RTCP },
	{ "second octet 223", { 0x80, 223 }, 20, DP_RTP_DROP_RTCP },
	{ "CC 1, 15 bytes", { 0x81, 8 }, 15, DP_RTP_DROP_CSRC },
	{ "CC 15, 20 bytes", { 0x8f, 8 }, 20, DP_RTP_DROP_CSRC },
	{ "X, no room", { 0x90, 8 }, 15, DP_RTP_DROP_EXT },
	{ "X, 1 word missing", { 0x90, 8, [14] = 0, [15] = 1 }, 16,
	  DP_RTP_DROP_EXT },
	{ "X, 2 words, 1 there", { 0x90, 8, [14] = 0, [15] = 2 }, 20,
	  DP_RTP_DROP_EXT },
	{ "P, count 0", { 0xa0, 8, [15] = 0 }, 16, DP_RTP_DROP_PADDING },
	{ "P, count 5 > 4", { 0xa0, 8, [15] = 5 }, 16, DP_RTP_DROP_PADDING },
	{ "P, no payload", { 0xa0, 8, [11] = 1 }, 12, DP_RTP_DROP_PADDING },
	{ "P after CSRC", { 0xa1, 8, [19] = 5 }, 20, DP_RTP_DROP_PADDING },
};
/* clang-format on */

START_TEST(test_rtp_parse_rejects)
{
	const struct bad_case *c = &bads[_i];

	init_rx(DP_RTP_LATCH_FIXED);
	ck_assert_msg(dp_rtp_parse(c->b, c->len, &pkt) == -EPROTO,
		      "%s: accepted", c->what);
	ck_assert_msg(pkt.drop == c->want, "%s: %s, want %s", c->what,
		      dp_rtp_drop_name(pkt.drop), dp_rtp_drop_name(c->want));
	/* the receive path counts it under the same reason */
	memset(&pkt, 0, sizeof(pkt));
	ck_assert_int_eq(
		dp_rtp_rx(&rx, c->b, c->len, peer_ip, peer_port, 0, &pkt),
		DP_RTP_DROP);
	ck_assert_int_eq(pkt.drop, c->want);
	ck_assert_uint_eq(rx.st.n_drop[c->want], 1);
	ck_assert_uint_eq(rx.st.n_pkts, 0);
	ck_assert(!rx.have_src);
}
END_TEST

START_TEST(test_rtp_padding_exact)
{
	/* P set, 4 payload bytes, count 4: empty payload is valid */
	static const uint8_t p[16] = { 0xa0, 8, [15] = 4 };

	ck_assert_int_eq(dp_rtp_parse(p, 16, &pkt), 0);
	ck_assert_uint_eq(pkt.len_bytes, 0);
	ck_assert_ptr_eq(pkt.payload, p + 12);
	ck_assert(dp_rtp_is_rtcp((const uint8_t[]){ 0x80, 201 }, 2));
	ck_assert(!dp_rtp_is_rtcp((const uint8_t[]){ 0x80, 191 }, 2));
	ck_assert(!dp_rtp_is_rtcp((const uint8_t[]){ 0x80, 224 }, 2));
	ck_assert(!dp_rtp_is_rtcp((const uint8_t[]){ 0x80 }, 1));
}
END_TEST

START_TEST(test_rtp_payload_types)
{
	init_rx(DP_RTP_LATCH_FIXED);
	ck_assert_int_eq(rcv(SSRC_A, 1, 160, 0), DP_RTP_AUDIO);
	ck_assert_int_eq(
		rx_from(PT_EVENT, 2, 160, SSRC_A, peer_ip, peer_port, 0),
		DP_RTP_EVENT);
	ck_assert_ptr_eq(pkt.payload, buf + 12);
	ck_assert_uint_eq(pkt.len_bytes, 20);
	/* PCMU: not this leg's */
	ck_assert_int_eq(rx_from(0, 3, 320, SSRC_A, peer_ip, peer_port, 0),
			 DP_RTP_DROP);
	ck_assert_int_eq(pkt.drop, DP_RTP_DROP_PT);
	ck_assert_uint_eq(rx.st.n_pkts, 2);
	ck_assert_uint_eq(rx.st.n_events, 1);
	ck_assert_uint_eq(rx.st.n_bytes, 40);
	ck_assert_uint_eq(rx.st.n_drop[DP_RTP_DROP_PT], 1);

	/* dtmf_pt 0 means none: PT 0 is not an event */
	rx.cfg.dtmf_pt = 0;
	ck_assert_int_eq(rx_from(0, 3, 320, SSRC_A, peer_ip, peer_port, 0),
			 DP_RTP_DROP);
	ck_assert_int_eq(pkt.drop, DP_RTP_DROP_PT);
}
END_TEST

START_TEST(test_rtp_latch_fixed)
{
	init_rx(DP_RTP_LATCH_FIXED);
	ck_assert_int_eq(
		rx_from(PT_AUDIO, 1, 160, SSRC_A, other_ip, peer_port, 0),
		DP_RTP_DROP);
	ck_assert_int_eq(pkt.drop, DP_RTP_DROP_SRC);
	ck_assert_int_eq(
		rx_from(PT_AUDIO, 1, 160, SSRC_A, peer_ip, other_port, 0),
		DP_RTP_DROP);
	ck_assert_int_eq(
		rx_from(PT_AUDIO, 1, 160, SSRC_A, peer_ip, peer_port, 0),
		DP_RTP_AUDIO);
	ck_assert_uint_eq(pkt.flags, DP_RTP_RX_NEW_SSRC); /* not LATCHED */
	ck_assert_uint_eq(rx.st.n_drop[DP_RTP_DROP_SRC], 2);
	ck_assert_uint_eq(rx.st.n_latch, 0);
	dp_rtp_rx_unlatch(&rx); /* no effect on a fixed source */
	ck_assert_int_eq(
		rx_from(PT_AUDIO, 1, 160, SSRC_A, other_ip, peer_port, 0),
		DP_RTP_DROP);
}
END_TEST

START_TEST(test_rtp_latch_first)
{
	init_rx(DP_RTP_LATCH_FIRST);
	/* a packet with an unknown PT latches nothing */
	ck_assert_int_eq(rx_from(0, 1, 160, SSRC_A, other_ip, other_port, 0),
			 DP_RTP_DROP);
	ck_assert_int_eq(pkt.drop, DP_RTP_DROP_PT);
	/* the first valid one does, from anywhere */
	ck_assert_int_eq(
		rx_from(PT_AUDIO, 1, 160, SSRC_A, other_ip, other_port, 0),
		DP_RTP_AUDIO);
	ck_assert_uint_eq(pkt.flags, DP_RTP_RX_NEW_SSRC | DP_RTP_RX_LATCHED);
	ck_assert_uint_eq(rx.src_ip_be, other_ip);
	ck_assert_uint_eq(rx.src_port_be, other_port);
	/* then only from there: the signalled address is refused too */
	ck_assert_int_eq(
		rx_from(PT_AUDIO, 2, 320, SSRC_A, peer_ip, peer_port, 0),
		DP_RTP_DROP);
	ck_assert_int_eq(pkt.drop, DP_RTP_DROP_SRC);
	ck_assert_int_eq(
		rx_from(PT_AUDIO, 2, 320, SSRC_A, other_ip, other_port, 0),
		DP_RTP_AUDIO);
	ck_assert_uint_eq(pkt.flags, 0);
	/* unlatch: the next valid source wins, SSRC state kept */
	dp_rtp_rx_unlatch(&rx);
	ck_assert_int_eq(
		rx_from(PT_AUDIO, 3, 480, SSRC_A, peer_ip, peer_port, 0),
		DP_RTP_AUDIO);
	ck_assert_uint_eq(pkt.flags, DP_RTP_RX_LATCHED);
	ck_assert_uint_eq(rx.st.n_latch, 2);
	ck_assert_uint_eq(rx.st.n_pkts, 3);
	ck_assert_int_eq(dp_rtp_rx_lost(&rx), 0);
}
END_TEST

START_TEST(test_rtp_seq_wrap)
{
	struct dp_rtp_report rb;
	uint16_t seq = 65530;

	init_rx(DP_RTP_LATCH_FIXED);
	for (int i = 0; i < 12; i++, seq++)
		ck_assert_int_eq(rcv(SSRC_A, seq, 160u * (uint32_t)i, 0),
				 DP_RTP_AUDIO);
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 0, &rb), 0);
	ck_assert_uint_eq(rb.ext_max_seq, 65536u + 5);
	ck_assert_int_eq(rb.cum_lost, 0);
	ck_assert_uint_eq(rb.fraction_lost, 0);
	ck_assert_uint_eq(rb.ssrc, SSRC_A);
	/* reordered across the wrap: 65535 after 0 is no new cycle */
	ck_assert_int_eq(rcv(SSRC_A, 65535, 0, 0), DP_RTP_AUDIO);
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 0, &rb), 0);
	ck_assert_uint_eq(rb.ext_max_seq, 65536u + 5);
	ck_assert_int_eq(rb.cum_lost, -1); /* a duplicate, as A.1 */
}
END_TEST

START_TEST(test_rtp_loss_and_fraction)
{
	struct dp_rtp_report rb;

	init_rx(DP_RTP_LATCH_FIXED);
	/* seq 100..199 with every tenth (100, 110, ...) lost but 100 */
	for (uint16_t s = 100; s < 200; s++)
		if (s == 100 || s % 10 != 0)
			ck_assert_int_eq(rcv(SSRC_A, s, s * 160u, 0),
					 DP_RTP_AUDIO);
	ck_assert_int_eq(dp_rtp_rx_lost(&rx), 9);
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 0, &rb), 0);
	ck_assert_int_eq(rb.cum_lost, 9);
	ck_assert_uint_eq(rb.fraction_lost, 9 * 256 / 100);
	ck_assert_uint_eq(rb.ext_max_seq, 199);
	/* next interval: 200..249, 25 lost */
	for (uint16_t s = 200; s < 250; s++)
		if (s & 1)
			ck_assert_int_eq(rcv(SSRC_A, s, s * 160u, 0),
					 DP_RTP_AUDIO);
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 0, &rb), 0);
	ck_assert_uint_eq(rb.fraction_lost, 128);
	ck_assert_int_eq(rb.cum_lost, 9 + 25);
	/* an interval with nothing: fraction 0, the rest unchanged */
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 0, &rb), 0);
	ck_assert_uint_eq(rb.fraction_lost, 0);
	ck_assert_int_eq(rb.cum_lost, 34);
	ck_assert_uint_eq(rx.st.n_pkts, 91 + 25);
}
END_TEST

START_TEST(test_rtp_seq_jump_resyncs_on_second)
{
	init_rx(DP_RTP_LATCH_FIXED);
	ck_assert_int_eq(rcv(SSRC_A, 1000, 0, 0), DP_RTP_AUDIO);
	ck_assert_int_eq(rcv(SSRC_A, 1001, 160, 0), DP_RTP_AUDIO);
	/* 3000 ahead: dropped; a lone one; then a follower re-syncs */
	ck_assert_int_eq(rcv(SSRC_A, 4001, 320, 0), DP_RTP_DROP);
	ck_assert_int_eq(pkt.drop, DP_RTP_DROP_SEQ_JUMP);
	ck_assert_int_eq(rcv(SSRC_A, 1002, 320, 0), DP_RTP_AUDIO);
	ck_assert_int_eq(rcv(SSRC_A, 9000, 480, 0), DP_RTP_DROP);
	ck_assert_int_eq(rcv(SSRC_A, 9001, 640, 0), DP_RTP_AUDIO);
	ck_assert_uint_eq(rx.st.n_seq_resync, 1);
	ck_assert_uint_eq(rx.st.n_drop[DP_RTP_DROP_SEQ_JUMP], 2);
	ck_assert_int_eq(rcv(SSRC_A, 9003, 960, 0), DP_RTP_AUDIO);
	ck_assert_int_eq(dp_rtp_rx_lost(&rx), 1); /* 9002 */
	/* 100 behind is a jump too (A.1); 99 behind is misorder */
	ck_assert_int_eq(rcv(SSRC_A, 9003 - 100, 0, 0), DP_RTP_DROP);
	ck_assert_int_eq(rcv(SSRC_A, 9003 - 99, 0, 0), DP_RTP_AUDIO);
	ck_assert_uint_eq(rx.st.n_pkts, 6);
}
END_TEST

START_TEST(test_rtp_ssrc_change)
{
	init_rx(DP_RTP_LATCH_FIXED);
	ck_assert_int_eq(rcv(SSRC_A, 10, 0, 0), DP_RTP_AUDIO);
	ck_assert_uint_eq(pkt.flags, DP_RTP_RX_NEW_SSRC);
	ck_assert_int_eq(rcv(SSRC_A, 13, 480, 0), DP_RTP_AUDIO); /* 2 lost */
	ck_assert_uint_eq(pkt.flags, 0);
	/* B: at once, any sequence number */
	ck_assert_int_eq(rcv(SSRC_B, 50000, 7, 0), DP_RTP_AUDIO);
	ck_assert_uint_eq(pkt.flags, DP_RTP_RX_NEW_SSRC);
	ck_assert_uint_eq(rx.st.n_ssrc_change, 1);
	/* a straggler of A is dropped, B goes on */
	ck_assert_int_eq(rcv(SSRC_A, 14, 640, 0), DP_RTP_DROP);
	ck_assert_int_eq(pkt.drop, DP_RTP_DROP_OLD_SSRC);
	ck_assert_int_eq(rcv(SSRC_B, 50001, 167, 0), DP_RTP_AUDIO);
	ck_assert_uint_eq(pkt.flags, 0);
	ck_assert_int_eq(rcv(SSRC_B, 50003, 487, 0), DP_RTP_AUDIO);
	/* loss: 2 of A kept, 1 of B */
	ck_assert_int_eq(dp_rtp_rx_lost(&rx), 3);
	ck_assert_uint_eq(rx.st.n_pkts, 5);
	/* a third SSRC; then B is the old one */
	ck_assert_int_eq(rcv(SSRC_A, 1, 0, 0), DP_RTP_DROP);
	ck_assert_int_eq(rcv(0x99, 1, 0, 0), DP_RTP_AUDIO);
	ck_assert_int_eq(rcv(SSRC_A, 2, 0, 0), DP_RTP_AUDIO);
	ck_assert_uint_eq(rx.st.n_ssrc_change, 3);
	ck_assert_int_eq(rcv(0x99, 2, 0, 0), DP_RTP_DROP);
	ck_assert_int_eq(pkt.drop, DP_RTP_DROP_OLD_SSRC);
}
END_TEST

/* Arrivals 0 or +d timestamp units late, alternating: A.8 in doubles. */
START_TEST(test_rtp_jitter_a8)
{
	static const int offs[] = { 0, 40, 0, 40, 0,  40, 0, 40, 10, 0,
				    0, 0,  0, 0,  80, 0,  0, 0,	 0,  0 };
	double j = 0, prev = 0;
	uint32_t ev;

	init_rx(DP_RTP_LATCH_FIXED);
	for (int i = 0; i < 20; i++) {
		double transit = offs[i];

		ck_assert_int_eq(
			rcv(SSRC_A, (uint16_t)i, 160u * (uint32_t)i, offs[i]),
			DP_RTP_AUDIO);
		if (i > 0)
			j += (fabs(transit - prev) - j) / 16;
		prev = transit;
		ck_assert_msg(fabs(dp_rtp_rx_jitter_ts(&rx) - j) <= 1.0,
			      "packet %d: %u, want %.2f", i,
			      dp_rtp_rx_jitter_ts(&rx), j);
	}
	/* events do not move it */
	ev = dp_rtp_rx_jitter_ts(&rx);
	for (int i = 20; i < 25; i++) {

		ck_assert_int_eq(rx_from(PT_EVENT, (uint16_t)i, 9999, SSRC_A,
					 peer_ip, peer_port,
					 (uint64_t)i * 1000),
				 DP_RTP_EVENT);
	}
	ck_assert_uint_eq(dp_rtp_rx_jitter_ts(&rx), ev);
	ck_assert_uint_eq(dp_rtp_rx_jitter_us(&rx), ev * 125);
}
END_TEST

/* A transit jump of 2^31 units (found by fuzz_rtp): |D| clamped to 2^27. */
START_TEST(test_rtp_jitter_clamps_jump)
{
	init_rx(DP_RTP_LATCH_FIXED);
	ck_assert_int_eq(rx_from(PT_AUDIO, 1, 0, SSRC_A, peer_ip, peer_port, 0),
			 DP_RTP_AUDIO);
	ck_assert_int_eq(rx_from(PT_AUDIO, 2, 0x80000000u, SSRC_A, peer_ip,
				 peer_port, 0),
			 DP_RTP_AUDIO);
	ck_assert_uint_eq(dp_rtp_rx_jitter_ts(&rx), (1u << 27) / 16);
	for (uint16_t s = 3; s < 2000; s++) {
		rx_from(PT_AUDIO, s, (s & 1) ? 0x80000000u : 0, SSRC_A, peer_ip,
			peer_port, 0);
	}
	ck_assert_uint_le(dp_rtp_rx_jitter_ts(&rx), 1u << 27);
	ck_assert_uint_ge(dp_rtp_rx_jitter_ts(&rx), (1u << 27) - 16);
}
END_TEST

/* now in nanoseconds: a 20 ms late packet is 160 units of transit. */
START_TEST(test_rtp_jitter_ns_clock)
{
	struct dp_rtp_rx_cfg c = {
		.rate_hz = RATE,
		.clock_hz = 1000000000,
		.pt = PT_AUDIO,
		.latch = DP_RTP_LATCH_FIRST,
	};
	uint64_t t0 = 123456789012345ull;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), 0);
	rx_from(PT_AUDIO, 1, 1000, SSRC_A, peer_ip, peer_port, t0);
	rx_from(PT_AUDIO, 2, 1160, SSRC_A, peer_ip, peer_port, t0 + 40000000);
	/* D = 160: J = 160 / 16 = 10 */
	ck_assert_uint_eq(dp_rtp_rx_jitter_ts(&rx), 10);
	ck_assert_uint_eq(dp_rtp_rx_jitter_us(&rx), 1250);
}
END_TEST

START_TEST(test_rtp_report_lsr_dlsr)
{
	struct dp_rtp_report rb;

	init_rx(DP_RTP_LATCH_FIXED);
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 0, &rb), -ENODATA);
	ck_assert_int_eq(rcv(SSRC_A, 7, 0, 0), DP_RTP_AUDIO);
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 100, &rb), 0);
	ck_assert_uint_eq(rb.lsr, 0);
	ck_assert_uint_eq(rb.dlsr, 0);
	/* an SR of another source is not ours to report */
	dp_rtp_rx_note_sr(&rx, SSRC_B, 0x0001234567890000ull, 100);
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 200, &rb), 0);
	ck_assert_uint_eq(rb.lsr, 0);
	dp_rtp_rx_note_sr(&rx, SSRC_A, 0x0001234567890000ull, 1000);
	/* 1.5 s later (clock = 8000 Hz) */
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 1000 + 12000, &rb), 0);
	ck_assert_uint_eq(rb.lsr, 0x23456789);
	ck_assert_uint_eq(rb.dlsr, 98304);
	/* 24-bit clamp of the cumulative loss */
	rx.lost_before = 0;
	rx.received = 0;
	rx.received_prior = 0;
	rx.expected_prior = 0;
	rx.cycles = 200u << 16;
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 0, &rb), 0);
	ck_assert_int_eq(rb.cum_lost, 0x7fffff);
	ck_assert_uint_eq(rb.fraction_lost, 255);
}
END_TEST

START_TEST(test_rtp_writer)
{
	static const uint8_t want[12] = { 0x80, 0x80 | 101, 0xff, 0xff,
					  0x01, 0x02,	    0x03, 0x04,
					  0xca, 0xfe,	    0xba, 0xbe };
	struct dp_rtp_tx tx;
	uint8_t p[12 + 160];

	dp_rtp_tx_init(&tx, 0xcafebabe, 0xffff);
	dp_rtp_tx_next(&tx, p, 101, true, 0x01020304, 160);
	ck_assert_mem_eq(p, want, 12);
	ck_assert_uint_eq(tx.seq, 0);
	dp_rtp_tx_next(&tx, p, PT_AUDIO, false, 0x01020304 + 160, 160);
	ck_assert_int_eq(dp_rtp_parse(p, sizeof(p), &pkt), 0);
	ck_assert_uint_eq(pkt.seq, 0);
	ck_assert_uint_eq(pkt.pt, PT_AUDIO);
	ck_assert(!pkt.marker);
	ck_assert_uint_eq(pkt.ts, 0x01020304 + 160);
	ck_assert_uint_eq(pkt.ssrc, 0xcafebabe);
	ck_assert_uint_eq(pkt.len_bytes, 160);
	ck_assert_uint_eq(tx.n_pkts, 2);
	ck_assert_uint_eq(tx.n_octets, 320);
	ck_assert_uint_eq(tx.last_ts, 0x01020304 + 160);
}
END_TEST

/* The header's checksum sum from its values is the sum of the bytes
 * dp_rtp_write_hdr() writes (io.c adds it to the payload's): 20,000 random
 * headers, the marker and payload type at their bounds included. */
START_TEST(test_rtp_hdr_sum_is_the_bytes_sum)
{
	uint32_t x = 0x9e3779b9u;

	for (int i = 0; i < 20000; i++) {
		uint8_t hdr[12];
		uint8_t pt = (uint8_t)(i < 256 ? (uint32_t)i : x >> 25);
		bool marker = (x >> 7) & 1;
		uint16_t seq = (uint16_t)(x * 2654435761u >> 16);
		uint32_t ts = x * 40503u + (uint32_t)i, ssrc = ~x ^ (x << 13);
		uint16_t got = htons(dp_net_fold(dp_rtp_hdr_sum(pt, marker,
							seq, ts, ssrc)));
		uint16_t want;

		dp_rtp_write_hdr(hdr, pt, marker, seq, ts, ssrc);
		want = dp_net_csum_fold(hdr, sizeof(hdr), 0);
		ck_assert_msg(got == want, "pt %u m %d seq %u ts %u ssrc %u: "
			      "0x%04x, bytes 0x%04x", pt, marker, seq, ts,
			      ssrc, got, want);
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
	}
}
END_TEST

START_TEST(test_rtp_cfg)
{
	struct dp_rtp_rx_cfg good = {
		.rate_hz = RATE,
		.clock_hz = 1000,
		.remote_ip_be = peer_ip,
		.remote_port_be = peer_port,
		.pt = 0,
		.dtmf_pt = 101,
		.latch = DP_RTP_LATCH_FIXED,
	};
	struct dp_rtp_rx_cfg c;
	struct shm_msg_leg leg;

	ck_assert_int_eq(dp_rtp_rx_init(&rx, &good), 0);
	c = good, c.rate_hz = 0;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), -EINVAL);
	c = good, c.clock_hz = 0;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), -EINVAL);
	c = good, c.pt = 128;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), -EINVAL);
	c = good, c.pt = 72;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), -EINVAL);
	c = good, c.dtmf_pt = 0;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), 0);
	c = good, c.pt = 101;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), -EINVAL);
	c = good, c.remote_port_be = 0;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), -EINVAL);
	c.latch = DP_RTP_LATCH_FIRST;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), 0);
	c.latch = (enum dp_rtp_latch)2;
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), -EINVAL);

	memset(&leg, 0, sizeof(leg));
	leg.addr[10] = 0xff;
	leg.addr[11] = 0xff;
	memcpy(leg.addr + 12, &peer_ip, 4);
	leg.remote_port = peer_port;
	leg.pt = 8;
	leg.dtmf_pt = 101;
	leg.rate_hz = RATE;
	ck_assert_int_eq(dp_rtp_rx_cfg_from_leg(&c, &leg, 1000), 0);
	ck_assert_uint_eq(c.remote_ip_be, peer_ip);
	ck_assert_uint_eq(c.remote_port_be, peer_port);
	ck_assert_uint_eq(c.pt, 8);
	ck_assert_uint_eq(c.dtmf_pt, 101);
	ck_assert_uint_eq(c.rate_hz, RATE);
	ck_assert_uint_eq(c.clock_hz, 1000);
	ck_assert_int_eq(c.latch, DP_RTP_LATCH_FIXED);
	leg.flags = SHM_LEG_LATCH;
	memset(leg.addr, 0, 16);
	ck_assert_int_eq(dp_rtp_rx_cfg_from_leg(&c, &leg, 1000), 0);
	ck_assert_int_eq(c.latch, DP_RTP_LATCH_FIRST);
	ck_assert_uint_eq(c.remote_ip_be, 0);
	leg.addr[0] = 0x20; /* 2000::/3: IPv6 */
	ck_assert_int_eq(dp_rtp_rx_cfg_from_leg(&c, &leg, 1000), -EAFNOSUPPORT);
}
END_TEST

START_TEST(test_rtp_drop_names)
{
	bool seen[DP_RTP_DROP_MAX_] = { false };

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
		seen[bads[i].want] = true;
	for (unsigned int r = 0; r < DP_RTP_DROP_MAX_; r++) {
		ck_assert_str_ne(dp_rtp_drop_name(r), "?");
		for (unsigned int q = 0; q < r; q++)
			ck_assert_str_ne(dp_rtp_drop_name(r),
					 dp_rtp_drop_name(q));
	}
	/* the other reasons are tested by the state tests */
	ck_assert(seen[DP_RTP_DROP_SHORT] && seen[DP_RTP_DROP_PADDING]);
	ck_assert_str_eq(dp_rtp_drop_name(DP_RTP_DROP_MAX_), "?");
	ck_assert_uint_eq(dp_rtp_drop_shm(DP_RTP_DROP_PT), SHM_DROP_BAD_PT);
	ck_assert_uint_eq(dp_rtp_drop_shm(DP_RTP_DROP_SRC), SHM_DROP_BAD_SRC);
	ck_assert_uint_eq(dp_rtp_drop_shm(DP_RTP_DROP_EXT), SHM_DROP_BAD_RTP);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("rtp");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_rtp_parse_full_header);
	tcase_add_loop_test(tc, test_rtp_parse_rejects, 0,
			    (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, test_rtp_padding_exact);
	tcase_add_test(tc, test_rtp_drop_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("receive");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_rtp_payload_types);
	tcase_add_test(tc, test_rtp_latch_fixed);
	tcase_add_test(tc, test_rtp_latch_first);
	tcase_add_test(tc, test_rtp_seq_wrap);
	tcase_add_test(tc, test_rtp_loss_and_fraction);
	tcase_add_test(tc, test_rtp_seq_jump_resyncs_on_second);
	tcase_add_test(tc, test_rtp_ssrc_change);
	tcase_add_test(tc, test_rtp_jitter_a8);
	tcase_add_test(tc, test_rtp_jitter_clamps_jump);
	tcase_add_test(tc, test_rtp_jitter_ns_clock);
	tcase_add_test(tc, test_rtp_report_lsr_dlsr);
	suite_add_tcase(s, tc);
	tc = tcase_create("send");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_rtp_writer);
	tcase_add_test(tc, test_rtp_hdr_sum_is_the_bytes_sum);
	tcase_add_test(tc, test_rtp_cfg);
	suite_add_tcase(s, tc);
	return s;
}
