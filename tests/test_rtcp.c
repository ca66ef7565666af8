/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_rtcp.c: compound RTCP (dataplane/rtcp.c): an SR written out byte by
 * byte, build-then-parse round trips, a row of exact bytes for every
 * refusal reason, a compound with every packet type, and the RFC 3550 A.7
 * interval against the RFC's own floating-point code.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "check_main.h"
#include "rtcp.h"

static struct dp_rtcp_stats st;
static struct dp_rtcp_info info;
static uint8_t buf[DP_RTCP_BUILD_MAX + 8];

static const struct dp_rtcp_sender snd = {
	.ssrc = 0x01020304,
	.ntp = 0x0a0b0c0d0e0f1011ull,
	.rtp_ts = 0x12345678,
	.n_pkts = 3,
	.n_octets = 480,
};
static const struct dp_rtp_report rb = {
	.ssrc = 0xaabbccdd,
	.fraction_lost = 25,
	.cum_lost = 9,
	.ext_max_seq = 0x10005,
	.jitter = 17,
	.lsr = 0x23456789,
	.dlsr = 98304,
};

static void
setup(void)
{
	memset(&st, 0, sizeof(st));
	memset(buf, 0xee, sizeof(buf));
}

static uint64_t
drops_total(void)
{
	uint64_t n = 0;

	for (int i = 0; i < DP_RTCP_DROP_MAX_; i++)
		n += st.n_drop[i];
	return n;
}

START_TEST(test_rtcp_sr_bytes)
{
	/* clang-format off */
	static const uint8_t want[68] = {
		0x81, 200, 0, 12, 1, 2, 3, 4,			/* SR, RC 1 */
		0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,	/* NTP */
		0x12, 0x34, 0x56, 0x78, 0, 0, 0, 3, 0, 0, 0x01, 0xe0,
		0xaa, 0xbb, 0xcc, 0xdd, 25, 0, 0, 9,		/* block */
		0, 1, 0, 5, 0, 0, 0, 17,
		0x23, 0x45, 0x67, 0x89, 0, 1, 0x80, 0,
		0x81, 202, 0, 3, 1, 2, 3, 4,			/* SDES */
		1, 2, 'a', 'b', 0, 0, 0, 0,			/* CNAME, end */
	};
	/* clang-format on */

	ck_assert_int_eq(dp_rtcp_build_sr(buf, sizeof(buf), &snd, &rb,
					  (const uint8_t *)"ab", 2),
			 68);
	ck_assert_mem_eq(buf, want, 68);
	ck_assert_uint_eq(buf[68], 0xee); /* nothing beyond */
}
END_TEST

START_TEST(test_rtcp_sr_round_trip)
{
	static const char cname[] = "tutti@198.18.0.1";
	struct dp_rtp_report neg = rb;
	int len;

	neg.cum_lost = -5; /* duplicates: negative, 24-bit */
	len = dp_rtcp_build_sr(buf, sizeof(buf), &snd, &neg,
			       (const uint8_t *)cname, sizeof(cname) - 1);
	ck_assert_int_eq(len, 52 + 4 + 4 + 20);
	ck_assert_int_eq(dp_rtcp_parse(buf, (uint32_t)len, rb.ssrc, &info, &st),
			 0);
	ck_assert_uint_eq(info.ssrc, snd.ssrc);
	ck_assert(info.has_sr);
	ck_assert_uint_eq(info.ntp, snd.ntp);
	ck_assert_uint_eq(info.rtp_ts, snd.rtp_ts);
	ck_assert_uint_eq(info.n_pkts, 3);
	ck_assert_uint_eq(info.n_octets, 480);
	ck_assert(info.has_rb);
	ck_assert_uint_eq(info.rb.ssrc, rb.ssrc);
	ck_assert_uint_eq(info.rb.fraction_lost, 25);
	ck_assert_int_eq(info.rb.cum_lost, -5);
	ck_assert_uint_eq(info.rb.ext_max_seq, 0x10005);
	ck_assert_uint_eq(info.rb.jitter, 17);
	ck_assert_uint_eq(info.rb.lsr, 0x23456789);
	ck_assert_uint_eq(info.rb.dlsr, 98304);
	ck_assert_uint_eq(info.cname_len, sizeof(cname) - 1);
	ck_assert_mem_eq(info.cname, cname, sizeof(cname) - 1);
	ck_assert(!info.bye);
	ck_assert_uint_eq(st.n_compound, 1);
	ck_assert_uint_eq(st.n_sr, 1);
	ck_assert_uint_eq(st.n_sdes, 1);
	/* a block about someone else is not returned */
	ck_assert_int_eq(dp_rtcp_parse(buf, (uint32_t)len, 1, &info, &st), 0);
	ck_assert(!info.has_rb);
}
END_TEST

/*
 * From a leg's receive state to the wire and back: a report block from
 * dp_rtp_rx_report() reads back the same; the peer's SR, parsed and noted,
 * becomes LSR/DLSR of the next block.
 */
START_TEST(test_rtcp_from_rtp_state)
{
	struct dp_rtp_rx_cfg c = {
		.rate_hz = 8000,
		.clock_hz = 1000,
		.pt = 0,
		.latch = DP_RTP_LATCH_FIRST,
	};
	static struct dp_rtp_rx rx;
	struct dp_rtp_report mine;
	struct dp_rtp_pkt p;
	uint8_t pkt[12 + 160] = { 0 };
	int len;

	memset(&mine, 0, sizeof(mine)); /* padding too: compared whole */
	ck_assert_int_eq(dp_rtp_rx_init(&rx, &c), 0);
	for (uint16_t s = 65000; s != 100; s++) {
		if (s % 7 == 0)
			continue; /* lost */
		dp_rtp_write_hdr(pkt, 0, false, s, s * 160u, 0xabc);
		ck_assert_int_eq(dp_rtp_rx(&rx, pkt, sizeof(pkt), 1, 2, s, &p),
				 DP_RTP_AUDIO);
	}
	/* the peer's SR, arrived at 5000 ms; our report at 5250 ms */
	len = dp_rtcp_build_sr(
		buf, sizeof(buf),
		&(struct dp_rtcp_sender){ .ssrc = 0xabc,
					  .ntp = 0x1234567890abull },
		NULL, (const uint8_t *)"peer", 4);
	ck_assert_int_eq(dp_rtcp_parse(buf, (uint32_t)len, 1, &info, &st), 0);
	ck_assert(info.has_sr && !info.has_rb);
	dp_rtp_rx_note_sr(&rx, info.ssrc, info.ntp, 5000);
	ck_assert_int_eq(dp_rtp_rx_report(&rx, 5250, &mine), 0);
	ck_assert_uint_eq(mine.ext_max_seq, 65536 + 99);
	ck_assert_int_eq(mine.cum_lost, dp_rtp_rx_lost(&rx));
	ck_assert_int_gt(mine.cum_lost, 0);
	ck_assert_uint_eq(mine.lsr, 0x12345678);
	ck_assert_uint_eq(mine.dlsr, 65536 / 4);
	len = dp_rtcp_build_sr(buf, sizeof(buf), &snd, &mine,
			       (const uint8_t *)"focus", 5);
	ck_assert_int_eq(dp_rtcp_parse(buf, (uint32_t)len, 0xabc, &info, &st),
			 0);
	ck_assert(info.has_rb);
	ck_assert_mem_eq(&info.rb, &mine, sizeof(mine));
}
END_TEST

/* CNAME lengths 1..255 (every SDES padding), RR with and without block. */
START_TEST(test_rtcp_rr_round_trip)
{
	static uint8_t cname[DP_RTCP_CNAME_MAX];

	memset(cname, 'c', sizeof(cname));
	for (uint32_t n = 1; n <= DP_RTCP_CNAME_MAX; n++) {
		const struct dp_rtp_report *r = (n & 1) ? &rb : NULL;
		int len =
			dp_rtcp_build_rr(buf, sizeof(buf), 0x777, r, cname, n);

		ck_assert_int_eq(len % 4, 0);
		ck_assert_int_eq(len, 8 + (r ? 24 : 0) + 4 +
					      (int)((4 + 2 + n + 1 + 3) & ~3u));
		ck_assert_int_eq(
			dp_rtcp_parse(buf, (uint32_t)len, rb.ssrc, &info, &st),
			0);
		ck_assert_uint_eq(info.ssrc, 0x777);
		ck_assert(!info.has_sr);
		ck_assert_int_eq(info.has_rb, r != NULL);
		ck_assert_uint_eq(info.cname_len, n);
	}
	ck_assert_uint_eq(st.n_rr, DP_RTCP_CNAME_MAX);
	ck_assert_int_eq(dp_rtcp_build_sr(buf, sizeof(buf), &snd, &rb, cname,
					  DP_RTCP_CNAME_MAX),
			 DP_RTCP_BUILD_MAX);
}
END_TEST

START_TEST(test_rtcp_build_refuses)
{
	ck_assert_int_eq(dp_rtcp_build_sr(buf, sizeof(buf), &snd, &rb,
					  (const uint8_t *)"x", 0),
			 -EINVAL);
	ck_assert_int_eq(dp_rtcp_build_sr(buf, sizeof(buf), &snd, &rb, buf,
					  DP_RTCP_CNAME_MAX + 1),
			 -EINVAL);
	ck_assert_int_eq(
		dp_rtcp_build_sr(buf, 67, &snd, &rb, (const uint8_t *)"ab", 2),
		-EMSGSIZE);
	ck_assert_uint_eq(buf[0], 0xee);
	ck_assert_int_eq(
		dp_rtcp_build_sr(buf, 68, &snd, &rb, (const uint8_t *)"ab", 2),
		68);
}
END_TEST

/* RR (block about us) + SDES (2 chunks) + BYE + APP + RTPFB, padded. */
START_TEST(test_rtcp_compound_all_types)
{
	/* clang-format off */
	static const uint8_t p[] = {
		0x81, 201, 0, 7, 0, 0, 0, 7,			/* RR */
		0, 0, 0, 9, 128, 0xff, 0xff, 0xfe,		/* us, -2 */
		0, 0, 0, 100, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0,
		0x82, 202, 0, 6,				/* SDES */
		0, 0, 0, 8, 1, 1, 'x', 0,			/* other */
		0, 0, 0, 7, 8, 1, 'n', 1, 3, 'b', 'o', 'b',	/* NOTE, */
		0, 0, 0, 0,					/* CNAME */
		0x81, 203, 0, 2, 0, 0, 0, 7, 2, 'o', 'k', 0,	/* BYE */
		0x80, 205, 0, 2, 0, 0, 0, 7, 0, 0, 0, 9,	/* RTPFB */
		0xa0, 204, 0, 3, 0, 0, 0, 7, 'n', 'a', 'm', 'e',	/* APP */
		0, 0, 0, 4,
	};
	/* clang-format on */

	ck_assert_int_eq(dp_rtcp_parse(p, sizeof(p), 9, &info, &st), 0);
	ck_assert_uint_eq(info.ssrc, 7);
	ck_assert(info.has_rb);
	ck_assert_uint_eq(info.rb.fraction_lost, 128);
	ck_assert_int_eq(info.rb.cum_lost, -2);
	ck_assert_uint_eq(info.rb.ext_max_seq, 100);
	ck_assert_uint_eq(info.rb.jitter, 3);
	ck_assert_uint_eq(info.cname_len, 3);
	ck_assert_mem_eq(info.cname, "bob", 3);
	ck_assert(info.bye);
	ck_assert_uint_eq(st.n_compound, 1);
	ck_assert_uint_eq(st.n_rr, 1);
	ck_assert_uint_eq(st.n_sdes, 1);
	ck_assert_uint_eq(st.n_bye, 1);
	ck_assert_uint_eq(st.n_app, 1);
	ck_assert_uint_eq(st.n_other, 1);
	ck_assert_uint_eq(drops_total(), 0);
}
END_TEST

struct bad_case {
	const char *what;
	uint8_t b[36];
	uint32_t len;
	enum dp_rtcp_drop want;
};

#define RR0  0x80, 201, 0, 1, 0, 0, 0, 7 /* RR from 7, no block */
#define D(r) DP_RTCP_DROP_##r
/* clang-format off */
static const struct bad_case bads[] = {
	{ "4 bytes", { RR0 }, 4, D(SHORT) },
	{ "10 bytes", { RR0, 0x80, 202 }, 10, D(SHORT) },
	{ "version 1", { 0x40, 201, 0, 1, 0, 0, 0, 7 }, 8, D(VERSION) },
	{ "second version 3", { RR0, 0xc0, 202, 0, 0 }, 12, D(VERSION) },
	{ "type 199 first", { 0x80, 199, 0, 1, 0, 0, 0, 7 }, 8, D(FIRST) },
	{ "type 208 first", { 0x80, 208, 0, 1, 0, 0, 0, 7 }, 8, D(FIRST) },
	{ "RTP PT 72 (mux)", { 0x80, 72, 0, 1, 0, 0, 0, 7 }, 8, D(FIRST) },
	{ "lone SDES, no end", { 0x81, 202, 0, 1, 0, 0, 0, 7 }, 8, D(SDES) },
	{ "P on the first", { 0xa0, 201, 0, 1, 0, 0, 0, 1 }, 8, D(PADDING) },
	{ "P on a middle one", { RR0, 0xa0, 204, 0, 2, 0, 0, 0, 7, 'n', 'a',
	  'm', 1, RR0 }, 28, D(PADDING) },
	{ "pad count 0", { RR0, 0xa0, 204, 0, 2, 0, 0, 0, 7, 'n', 'a', 'm',
	  0 }, 20, D(PADDING) },
	{ "pad beyond", { RR0, 0xa0, 204, 0, 2, 0, 0, 0, 7, 'n', 'a', 'm',
	  9 }, 20, D(PADDING) },
	{ "length beyond", { 0x80, 201, 0, 2, 0, 0, 0, 7 }, 8, D(LENGTH) },
	{ "second beyond", { RR0, 0x80, 204, 0, 3, 0, 0, 0, 7, 'n', 'a', 'm',
	  'e' }, 20, D(LENGTH) },
	{ "SR without its block", { 0x81, 200, 0, 6, 0, 0, 0, 7 }, 28,
	  D(SR) },
	{ "SR without sender info", { 0x80, 200, 0, 1, 0, 0, 0, 7 }, 8,
	  D(SR) },
	{ "RR 2 blocks, 1 there", { 0x82, 201, 0, 7, 0, 0, 0, 7 }, 32,
	  D(RR) },
	{ "SDES item beyond", { RR0, 0x81, 202, 0, 2, 0, 0, 0, 7, 1, 9, 'a',
	  'b' }, 20, D(SDES) },
	{ "SDES 2 chunks, 1 there", { RR0, 0x82, 202, 0, 2, 0, 0, 0, 7, 1, 1,
	  'a', 0 }, 20, D(SDES) },
	{ "SDES no end", { RR0, 0x81, 202, 0, 2, 0, 0, 0, 7, 1, 2, 'a',
	  'b' }, 20, D(SDES) },
	{ "BYE 2 SSRCs, 1 there", { RR0, 0x82, 203, 0, 1, 0, 0, 0, 7 }, 16,
	  D(BYE) },
	{ "BYE reason beyond", { RR0, 0x81, 203, 0, 2, 0, 0, 0, 7, 5, 'a',
	  'b', 'c' }, 20, D(BYE) },
	{ "APP 8 bytes", { RR0, 0x80, 204, 0, 1, 0, 0, 0, 7 }, 16, D(APP) },
};
/* clang-format on */

/* Reduced-size RTCP (RFC 5506): a lone BYE, a lone APP, as baresip sends
 * them; counted as compounds not led by SR or RR. */
START_TEST(test_rtcp_reduced_size)
{
	static const uint8_t bye[] = { 0x81, 203, 0, 1, 0, 0, 0, 7 };
	static const uint8_t app[] = { 0x80, 204, 0, 2, 0, 0, 0, 7,
				       'n', 'a', 'm', 'e' };
	static const uint8_t rr[] = { RR0 };

	ck_assert_int_eq(dp_rtcp_parse(bye, sizeof(bye), 9, &info, &st), 0);
	ck_assert_uint_eq(info.ssrc, 7);
	ck_assert(info.bye);
	ck_assert(!info.has_sr);
	ck_assert_int_eq(dp_rtcp_parse(app, sizeof(app), 9, &info, &st), 0);
	ck_assert_uint_eq(info.ssrc, 7);
	ck_assert(!info.bye);
	ck_assert_int_eq(dp_rtcp_parse(rr, sizeof(rr), 9, &info, &st), 0);
	ck_assert_uint_eq(st.n_compound, 3);
	ck_assert_uint_eq(st.n_reduced, 2);
	ck_assert_uint_eq(st.n_bye, 1);
	ck_assert_uint_eq(st.n_app, 1);
	ck_assert_uint_eq(st.n_rr, 1);
	ck_assert_uint_eq(drops_total(), 0);
}
END_TEST

START_TEST(test_rtcp_refuses)
{
	const struct bad_case *c = &bads[_i];

	ck_assert_msg(dp_rtcp_parse(c->b, c->len, 9, &info, &st) == -EPROTO,
		      "%s: accepted", c->what);
	ck_assert_msg(info.drop == c->want, "%s: %s, want %s", c->what,
		      dp_rtcp_drop_name(info.drop), dp_rtcp_drop_name(c->want));
	ck_assert_uint_eq(st.n_drop[c->want], 1);
	ck_assert_uint_eq(drops_total(), 1);
	ck_assert_uint_eq(st.n_compound + st.n_sr + st.n_rr + st.n_sdes +
				  st.n_bye + st.n_app + st.n_other,
			  0);
}
END_TEST

START_TEST(test_rtcp_drop_names)
{
	bool seen[DP_RTCP_DROP_MAX_] = { false };

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
		seen[bads[i].want] = true;
	for (unsigned int r = 0; r < DP_RTCP_DROP_MAX_; r++) {
		ck_assert_msg(seen[r], "no test for %s", dp_rtcp_drop_name(r));
		for (unsigned int q = 0; q < r; q++)
			ck_assert_str_ne(dp_rtcp_drop_name(r),
					 dp_rtcp_drop_name(q));
	}
	ck_assert_str_eq(dp_rtcp_drop_name(DP_RTCP_DROP_MAX_), "?");
}
END_TEST

/* RFC 3550 A.7 rtcp_interval(), verbatim but for drand48(), in us. */
static double
a7_us(const struct dp_rtcp_interval *in, uint32_t rnd)
{
	double const RTCP_MIN_TIME = 5.;
	double const RTCP_SENDER_BW_FRACTION = 0.25;
	double const RTCP_RCVR_BW_FRACTION = (1 - RTCP_SENDER_BW_FRACTION);
	double const COMPENSATION = 2.71828182845904523536 - 1.5;
	double rtcp_min_time = RTCP_MIN_TIME;
	double rtcp_bw = in->rtcp_bw;
	double t;
	int n;

	if (in->initial)
		rtcp_min_time /= 2;
	n = (int)in->members;
	if (in->senders <= in->members * RTCP_SENDER_BW_FRACTION) {
		if (in->we_sent) {
			rtcp_bw *= RTCP_SENDER_BW_FRACTION;
			n = (int)in->senders;
		} else {
			rtcp_bw *= RTCP_RCVR_BW_FRACTION;
			n -= (int)in->senders;
		}
	}
	t = in->avg_rtcp_size * n / rtcp_bw;
	if (t < rtcp_min_time)
		t = rtcp_min_time;
	t = t * (rnd / 4294967296.0 + 0.5);
	t = t / COMPENSATION;
	return t * 1e6;
}

struct ival_case {
	struct dp_rtcp_interval in;
	uint64_t want_us; /* worked out by hand, rnd = 2^31 */
};

static const struct ival_case ivals[] = {
	/* two members, both sending: 0.4 s -> the 5 s minimum */
	{ { 2, 2, 500, 100, true, false }, 4104140 },
	{ { 2, 2, 500, 100, true, true }, 2052070 },
	/* 1000 members, 10 senders: receivers 264 s, senders 8 s */
	{ { 1000, 10, 500, 100, false, false }, 216698627 },
	{ { 1000, 10, 500, 100, true, false }, 6566625 },
	/* 4 members, 1 sender: exactly a quarter still splits */
	{ { 4, 1, 20, 100, false, false }, 16416562 },
};

START_TEST(test_rtcp_interval)
{
	const struct ival_case *c = &ivals[_i];
	static const uint32_t rnds[] = { 0, 1u << 31, 0x12345678, 0xffffffffu };

	ck_assert_uint_eq(dp_rtcp_interval_us(&c->in, 1u << 31), c->want_us);
	for (size_t i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
		double want = a7_us(&c->in, rnds[i]);
		uint64_t got = dp_rtcp_interval_us(&c->in, rnds[i]);

		ck_assert_msg(fabs((double)got - want) <= 2.0,
			      "rnd %#x: %llu us, want %.1f", rnds[i],
			      (unsigned long long)got, want);
	}
}
END_TEST

START_TEST(test_rtcp_interval_edges)
{
	struct dp_rtcp_interval in = { 2, 2, 0, 100, true, false };

	/* no RTCP bandwidth: the minimum, randomised */
	ck_assert_uint_eq(dp_rtcp_interval_us(&in, 1u << 31), 4104140);
	ck_assert_uint_eq(dp_rtcp_interval_us(&in, 0), 2052070);
	ck_assert_uint_eq(dp_rtcp_interval_us(&in, 0xffffffffu), 6156210);
	ck_assert_uint_eq(dp_rtcp_avg_size(100, 260), 110);
	ck_assert_uint_eq(dp_rtcp_avg_size(0, 16), 1);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("rtcp");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_rtcp_sr_bytes);
	tcase_add_test(tc, test_rtcp_sr_round_trip);
	tcase_add_test(tc, test_rtcp_rr_round_trip);
	tcase_add_test(tc, test_rtcp_build_refuses);
	tcase_add_test(tc, test_rtcp_from_rtp_state);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_rtcp_compound_all_types);
	tcase_add_test(tc, test_rtcp_reduced_size);
	tcase_add_loop_test(tc, test_rtcp_refuses, 0,
			    (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, test_rtcp_drop_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("interval");
	tcase_add_loop_test(tc, test_rtcp_interval, 0,
			    (int)(sizeof(ivals) / sizeof(ivals[0])));
	tcase_add_test(tc, test_rtcp_interval_edges);
	suite_add_tcase(s, tc);
	return s;
}
