/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_l16.c: the L16 converters of one ISA (--isa=..., see test_isa.h):
 * network byte order on the wire checked against bytes written by hand,
 * the ISA against the scalar twin for lengths around the vector widths and
 * pointers offset by one byte or sample, guard bytes after the output; and
 * the rate and frame-size rules. Unit test: plain arrays, no DPDK.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "l16.h"
#include "test_isa.h"

#define MAX_N	1024	/* longest block tested, samples */
#define GUARD	64	/* canary bytes after each output */
#define CANARY	0xa5

static const size_t lengths[] = {
	0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 159, 160, 161,
	882, 960, 1000,
};
#define N_LENGTHS	(sizeof(lengths) / sizeof(lengths[0]))

static const struct dp_l16_kern *
kern_under_test(void)
{
	const struct dp_l16_kern *k = dp_l16_kern_for(test_isa());

	ck_assert_msg(k != NULL, "no L16 converters for %s",
		      dp_simd_name(test_isa()));
	return k;
}

/* Known samples and their wire bytes, written out by hand. */
START_TEST(test_l16_wire_is_big_endian)
{
	static const int16_t pcm[] = { 0x0102, -2, INT16_MAX, INT16_MIN, 0,
				       0x7f80 };
	static const uint8_t wire[] = { 0x01, 0x02, 0xff, 0xfe, 0x7f, 0xff,
					0x80, 0x00, 0x00, 0x00, 0x7f, 0x80 };
	const struct dp_l16_kern *k = kern_under_test();
	enum { N = sizeof(pcm) / sizeof(pcm[0]) };
	/* long enough for the vector loop: the pattern repeated */
	int16_t in[N * 16], out[N * 16];
	uint8_t bytes[sizeof(wire) * 16];

	for (size_t r = 0; r < 16; r++)
		memcpy(in + r * N, pcm, sizeof(pcm));
	k->enc(bytes, in, N * 16);
	for (size_t r = 0; r < 16; r++)
		ck_assert_mem_eq(bytes + r * sizeof(wire), wire, sizeof(wire));
	k->dec(out, bytes, N * 16);
	for (size_t i = 0; i < N * 16; i++)
		ck_assert_int_eq(out[i], pcm[i % N]);
}
END_TEST

/* One length (loop index), offsets 0 and 1, against the scalar twin. */
START_TEST(test_l16_matches_scalar)
{
	const struct dp_l16_kern *k = kern_under_test();
	const struct dp_l16_kern *ref = dp_l16_kern_for(DP_SIMD_SCALAR);
	size_t n = lengths[_i];
	static int16_t pcm[MAX_N + 1], want16[MAX_N];
	static int16_t got16[MAX_N + 1 + GUARD / 2];
	static uint8_t wire[2 * MAX_N + 1], want8[2 * MAX_N];
	static uint8_t got8[2 * MAX_N + 1 + GUARD];

	for (size_t off = 0; off < 2; off++) {
		uint32_t seed = 0x1600u + (uint32_t)(n * 2 + off);

		for (size_t i = 0; i < n; i++)
			pcm[off + i] = (int16_t)test_xorshift32(&seed);
		for (size_t i = 0; i < 2 * n; i++)
			wire[off + i] = (uint8_t)test_xorshift32(&seed);

		memset(got8, CANARY, sizeof(got8));
		ref->enc(want8, pcm + off, n);
		k->enc(got8 + off, pcm + off, n);
		ck_assert_mem_eq(got8 + off, want8, 2 * n);
		ck_assert(off == 0 || got8[0] == CANARY);
		for (size_t i = 0; i < GUARD; i++)
			ck_assert_uint_eq(got8[off + 2 * n + i], CANARY);

		memset(got16, CANARY, sizeof(got16));
		ref->dec(want16, wire + off, n);
		k->dec(got16 + off, wire + off, n);
		ck_assert_mem_eq(got16 + off, want16, 2 * n);
		for (size_t i = 0; i < GUARD; i++)
			ck_assert_uint_eq(((uint8_t *)(got16 + off + n))[i],
					  CANARY);
	}
}
END_TEST

START_TEST(test_l16_accepts_listed_rates_only)
{
	static const uint32_t ok[] = { 8000, 16000, 32000, 44100, 48000 };
	static const uint32_t bad[] = { 0, 11025, 22050, 24000, 96000 };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert(dp_l16_rate_is_supported(ok[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(!dp_l16_rate_is_supported(bad[i]));
		ck_assert_int_eq(dp_l16_frame_samples(bad[i], 20), -EINVAL);
	}
	ck_assert_int_eq(DP_L16_STATIC_PT, 11);
	ck_assert_int_eq(DP_L16_STATIC_RATE_HZ, 44100);
}
END_TEST

START_TEST(test_l16_frame_samples_per_ptime)
{
	ck_assert_int_eq(dp_l16_frame_samples(8000, 20), 160);
	ck_assert_int_eq(dp_l16_frame_samples(16000, 20), 320);
	ck_assert_int_eq(dp_l16_frame_samples(32000, 20), 640);
	ck_assert_int_eq(dp_l16_frame_samples(44100, 20), 882);
	ck_assert_int_eq(dp_l16_frame_samples(48000, 20), 960);
	ck_assert_int_eq(dp_l16_frame_samples(48000, 10), 480);
	ck_assert_int_eq(dp_l16_frame_samples(8000, 30), 240);
	ck_assert_int_eq(dp_l16_frame_samples(44100, 10), 441);
	/* 44.1 samples per ms: only multiples of 10 ms are whole */
	ck_assert_int_eq(dp_l16_frame_samples(44100, 5), -EINVAL);
	ck_assert_int_eq(dp_l16_frame_samples(44100, 25), -EINVAL);
	ck_assert_int_eq(dp_l16_frame_samples(48000, 0), -EINVAL);
	ck_assert_int_eq(dp_l16_frame_samples(48000, 201), -EINVAL);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("l16");
	TCase *tc = tcase_create("convert");

	tcase_add_test(tc, test_l16_wire_is_big_endian);
	tcase_add_loop_test(tc, test_l16_matches_scalar, 0, (int)N_LENGTHS);
	suite_add_tcase(s, tc);
	tc = tcase_create("rates");
	tcase_add_test(tc, test_l16_accepts_listed_rates_only);
	tcase_add_test(tc, test_l16_frame_samples_per_ptime);
	suite_add_tcase(s, tc);
	return s;
}
