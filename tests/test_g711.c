/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_g711.c: the G.711 block kernels of one ISA (--isa=..., see
 * test_isa.h) against the scalar reference, bit for bit: every length
 * class around the vector widths, pointers offset by one sample or byte,
 * extremes and seeded random input, with guard bytes around the output.
 * Every run also checks the kernels exhaustively against SpanDSP (all 256
 * codes, all 65,536 linear inputs) and that a second round trip changes
 * nothing. Unit test: plain arrays, no DPDK.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <spandsp.h>

#include "check_main.h"
#include "g711.h"
#include "test_isa.h"

#define MAX_N	1024	/* longest block tested */
#define GUARD	64	/* canary bytes after each output */
#define CANARY	0xa5

static const size_t lengths[] = {
	0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 159, 160, 161,
	320, 1000,
};
#define N_LENGTHS	(sizeof(lengths) / sizeof(lengths[0]))

enum fill {
	FILL_RANDOM,
	FILL_MAX,		/* all +32767 / all 0xff */
	FILL_MIN,		/* all -32768 / all 0x00 */
	FILL_ALTERNATE,		/* +32767, -32768, ... / 0x00, 0xff, ... */
	FILL_MAX_,
};

static const struct dp_g711_kern *
kern_under_test(void)
{
	const struct dp_g711_kern *k = dp_g711_kern_variant(test_isa(),
							    test_isa_vbmi());

	ck_assert_msg(k != NULL, "no G.711 kernels for %s%s",
		      dp_simd_name(test_isa()), test_isa_vbmi() ? "vbmi" : "");
	return k;
}

static void
fill_linear(int16_t *x, size_t n, enum fill f, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		switch (f) {
		case FILL_RANDOM:
			x[i] = (int16_t)test_xorshift32(&seed);
			break;
		case FILL_MAX:
			x[i] = INT16_MAX;
			break;
		case FILL_MIN:
			x[i] = INT16_MIN;
			break;
		default:
			x[i] = (i & 1) ? INT16_MIN : INT16_MAX;
			break;
		}
	}
}

static void
fill_codes(uint8_t *c, size_t n, enum fill f, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		switch (f) {
		case FILL_RANDOM:
			c[i] = (uint8_t)test_xorshift32(&seed);
			break;
		case FILL_MAX:
			c[i] = 0xff;
			break;
		case FILL_MIN:
			c[i] = 0x00;
			break;
		default:
			c[i] = (i & 1) ? 0xff : 0x00;
			break;
		}
	}
}

static void
check_guard(const uint8_t *p, const char *what, size_t n, size_t off)
{
	for (size_t i = 0; i < GUARD; i++)
		ck_assert_msg(p[i] == CANARY, "%s n=%zu off=%zu: wrote past "
			      "the end (byte %zu)", what, n, off, i);
}

/* One length (loop index), offsets 0 and 1, every fill, both laws. */
START_TEST(test_g711_block_matches_scalar)
{
	const struct dp_g711_kern *k = kern_under_test();
	const struct dp_g711_kern *ref = dp_g711_kern_for(DP_SIMD_SCALAR);
	size_t n = lengths[_i];
	static int16_t lin[MAX_N + 1], want16[MAX_N + 1];
	static int16_t got16[MAX_N + 1 + GUARD / 2];
	static uint8_t codes[MAX_N + 1], want8[MAX_N + 1];
	static uint8_t got8[MAX_N + 1 + GUARD];

	for (size_t off = 0; off < 2; off++)
	for (int f = 0; f < FILL_MAX_; f++)
	for (int law = DP_LAW_ULAW; law <= DP_LAW_ALAW; law++) {
		uint32_t seed = 0x5eed0000u + (uint32_t)(n * 8 + off * 4 + f);

		fill_linear(lin + off, n, (enum fill)f, seed);
		memset(got8, CANARY, sizeof(got8));
		ref->enc[law](want8, lin + off, n);
		k->enc[law](got8 + off, lin + off, n);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(got8[off + i] == want8[i],
				"enc law=%d n=%zu off=%zu fill=%d [%zu]: "
				"x=%d got 0x%02x want 0x%02x", law, n, off, f,
				i, lin[off + i], got8[off + i], want8[i]);
		ck_assert_msg(off == 0 || got8[0] == CANARY,
			      "enc wrote before dst");
		check_guard(got8 + off + n, "enc", n, off);

		fill_codes(codes + off, n, (enum fill)f, seed);
		memset(got16, CANARY, sizeof(got16));
		ref->dec[law](want16, codes + off, n);
		k->dec[law](got16 + off, codes + off, n);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(got16[off + i] == want16[i],
				"dec law=%d n=%zu off=%zu fill=%d [%zu]: "
				"c=0x%02x got %d want %d", law, n, off, f, i,
				codes[off + i], got16[off + i], want16[i]);
		check_guard((const uint8_t *)(got16 + off + n), "dec", n, off);
	}
}
END_TEST

/* All 65,536 linear inputs through the block encoder, against SpanDSP. */
/* Decode with energy: the same samples as decode, and the exact sum of
 * their squares (computed here from SpanDSP's decoder), for random codes
 * and the loudest codes of each law, offset by one byte. */
START_TEST(test_g711_dec_energy)
{
	const struct dp_g711_kern *k = kern_under_test();
	size_t n = lengths[_i];
	static uint8_t codes[1601];
	static int16_t got[1601], want[1601];

	for (int law = 0; law < 2; law++)
	for (int fill = 0; fill < 3; fill++) {
		uint32_t seed = 0xe0u + (uint32_t)(n * 3 + (size_t)fill);
		uint64_t e = 0;

		for (size_t i = 0; i < n + 1; i++)
			codes[i] = fill == 0 ? (uint8_t)test_xorshift32(&seed) :
				   law == DP_LAW_ULAW ? (fill == 1 ? 0x00 : 0x80)
						      : (fill == 1 ? 0xaa : 0x2a);
		for (size_t i = 0; i < n; i++) {
			int32_t v = law == DP_LAW_ULAW ?
				ulaw_to_linear(codes[1 + i]) :
				alaw_to_linear(codes[1 + i]);

			e += (uint64_t)(v * v);
		}
		k->dec[law](want, codes + 1, n);
		ck_assert_uint_eq(k->dec_energy[law](got + 1, codes + 1, n), e);
		ck_assert_mem_eq(got + 1, want, n * 2);
	}
}
END_TEST

START_TEST(test_g711_encode_exhaustive_vs_spandsp)
{
	const struct dp_g711_kern *k = kern_under_test();
	static int16_t lin[65536];
	static uint8_t got[65536];

	for (int i = 0; i < 65536; i++)
		lin[i] = (int16_t)(i - 32768);
	k->enc[DP_LAW_ULAW](got, lin, 65536);
	for (int i = 0; i < 65536; i++)
		ck_assert_msg(got[i] == linear_to_ulaw(lin[i]),
			      "ulaw x=%d got 0x%02x spandsp 0x%02x", lin[i],
			      got[i], linear_to_ulaw(lin[i]));
	k->enc[DP_LAW_ALAW](got, lin, 65536);
	for (int i = 0; i < 65536; i++)
		ck_assert_msg(got[i] == linear_to_alaw(lin[i]),
			      "alaw x=%d got 0x%02x spandsp 0x%02x", lin[i],
			      got[i], linear_to_alaw(lin[i]));
}
END_TEST

/* All 256 codes through the block decoder, against SpanDSP. */
START_TEST(test_g711_decode_exhaustive_vs_spandsp)
{
	const struct dp_g711_kern *k = kern_under_test();
	uint8_t codes[256];
	int16_t got[256];

	for (int c = 0; c < 256; c++)
		codes[c] = (uint8_t)c;
	k->dec[DP_LAW_ULAW](got, codes, 256);
	for (int c = 0; c < 256; c++)
		ck_assert_msg(got[c] == ulaw_to_linear((uint8_t)c),
			      "ulaw c=0x%02x got %d spandsp %d", c, got[c],
			      ulaw_to_linear((uint8_t)c));
	k->dec[DP_LAW_ALAW](got, codes, 256);
	for (int c = 0; c < 256; c++)
		ck_assert_msg(got[c] == alaw_to_linear((uint8_t)c),
			      "alaw c=0x%02x got %d spandsp %d", c, got[c],
			      alaw_to_linear((uint8_t)c));
}
END_TEST

/* The per-sample reference functions, exhaustively, against SpanDSP. */
START_TEST(test_g711_scalar_reference_vs_spandsp)
{
	for (int x = INT16_MIN; x <= INT16_MAX; x++) {
		ck_assert_uint_eq(dp_g711_lin2ulaw((int16_t)x),
				  linear_to_ulaw(x));
		ck_assert_uint_eq(dp_g711_lin2alaw((int16_t)x),
				  linear_to_alaw(x));
	}
	for (int c = 0; c < 256; c++) {
		ck_assert_int_eq(dp_g711_ulaw2lin((uint8_t)c),
				 ulaw_to_linear((uint8_t)c));
		ck_assert_int_eq(dp_g711_alaw2lin((uint8_t)c),
				 alaw_to_linear((uint8_t)c));
	}
}
END_TEST

/*
 * decode(encode(decode(c))) == decode(c) for all codes: a decoded value is
 * a fixed point, so transcoding twice loses nothing more. A-law codes map
 * back to themselves; mu-law too, except negative zero (0x7f -> 0xff).
 */
START_TEST(test_g711_second_round_trip_changes_nothing)
{
	const struct dp_g711_kern *k = kern_under_test();
	uint8_t codes[256], again[256];
	int16_t once[256], twice[256];

	for (int c = 0; c < 256; c++)
		codes[c] = (uint8_t)c;
	for (int law = DP_LAW_ULAW; law <= DP_LAW_ALAW; law++) {
		k->dec[law](once, codes, 256);
		k->enc[law](again, once, 256);
		k->dec[law](twice, again, 256);
		for (int c = 0; c < 256; c++) {
			ck_assert_msg(twice[c] == once[c], "law=%d c=0x%02x: "
				      "%d then %d", law, c, once[c], twice[c]);
			if (law == DP_LAW_ULAW && c == 0x7f)
				ck_assert_uint_eq(again[c], 0xff);
			else
				ck_assert_msg(again[c] == c, "law=%d c=0x%02x "
					      "re-encoded as 0x%02x", law, c,
					      again[c]);
		}
	}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("g711");
	TCase *tc = tcase_create("block_vs_scalar");

	tcase_add_loop_test(tc, test_g711_block_matches_scalar, 0,
			    (int)N_LENGTHS);
	suite_add_tcase(s, tc);
	tc = tcase_create("exhaustive");
	tcase_add_loop_test(tc, test_g711_dec_energy, 0, (int)N_LENGTHS);
	tcase_add_test(tc, test_g711_encode_exhaustive_vs_spandsp);
	tcase_add_test(tc, test_g711_decode_exhaustive_vs_spandsp);
	tcase_add_test(tc, test_g711_scalar_reference_vs_spandsp);
	tcase_add_test(tc, test_g711_second_round_trip_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
