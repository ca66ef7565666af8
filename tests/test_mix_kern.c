/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mix_kern.c: the mixing kernels of one ISA (--isa=..., see
 * test_isa.h) against the scalar reference, bit for bit: lengths around the
 * vector widths (0, 1, 7-9, 15-17, 31-33, 159-161, 640), pointers offset by
 * one sample, seeded random input and the extremes (all +32767, all -32768,
 * alternating, INT32 limits in the sum), guard samples after every output.
 * The reference itself is checked on hand-computed values. Unit test, no
 * DPDK.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "g711.h"
#include "mix_kern.h"
#include "test_isa.h"

#define MAX_N	640
#define GUARD	32
#define CANARY	0x5a5a

static const size_t lengths[] = {
	0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 159, 160, 161,
	320, 640,
};
#define N_LENGTHS	(sizeof(lengths) / sizeof(lengths[0]))

enum pattern { PAT_RANDOM, PAT_MAX, PAT_MIN, PAT_ALT, PAT_SMALL, N_PAT };

/* A kernel table of the ISA under test (what: for the message). */
static const void *
under_test(const void *table, const char *what)
{
	ck_assert_msg(table != NULL, "no %s kernels for %s", what,
		      dp_simd_name(test_isa()));
	return table;
}

static const struct dp_mix_kern *
kern_under_test(void)
{
	return under_test(dp_mix_kern_for(test_isa()), "mix");
}

static void
fill16(int16_t *x, size_t n, enum pattern p, uint32_t *seed)
{
	for (size_t i = 0; i < n; i++) {
		switch (p) {
		case PAT_RANDOM: x[i] = (int16_t)test_xorshift32(seed); break;
		case PAT_MAX: x[i] = INT16_MAX; break;
		case PAT_MIN: x[i] = INT16_MIN; break;
		case PAT_ALT: x[i] = (i & 1) ? INT16_MIN : INT16_MAX; break;
		default: x[i] = (int16_t)((int32_t)(test_xorshift32(seed) % 201) -
					  100);
		}
	}
}

/* Sums as a mixer makes them (up to 64 legs), plus the int32 limits. */
static void
fill32(int32_t *x, size_t n, enum pattern p, uint32_t *seed)
{
	for (size_t i = 0; i < n; i++) {
		switch (p) {
		case PAT_RANDOM:
			x[i] = (int32_t)test_xorshift32(seed) >> 9;
			break;
		case PAT_MAX: x[i] = 64 * 32767; break;
		case PAT_MIN: x[i] = INT32_MIN + 32768; break;
		case PAT_ALT: x[i] = (i & 1) ? -64 * 32768 : 64 * 32767; break;
		default: x[i] = (int32_t)(test_xorshift32(seed) % 80001) - 40000;
		}
	}
}

struct bufs {
	int16_t a16[MAX_N + 1], b16[MAX_N + 1];
	int32_t a32[MAX_N + 1], b32[MAX_N + 1];
	int16_t lo[MAX_N], hi[MAX_N];	/* a sum split by the reference */
	int16_t want16[MAX_N + GUARD], got16[MAX_N + 1 + GUARD];
	int16_t want16b[MAX_N + GUARD], got16b[MAX_N + 1 + GUARD];
	int32_t want32[MAX_N + GUARD], got32[MAX_N + 1 + GUARD];
};
static struct bufs B;

static void
check_guard16(const int16_t *p)
{
	for (size_t i = 0; i < GUARD; i++)
		ck_assert_int_eq((uint16_t)p[i], CANARY);
}

START_TEST(test_mix_kern_matches_scalar)
{
	const struct dp_mix_kern *k = kern_under_test();
	const struct dp_mix_kern *r = &dp_mix_kern_scalar;
	size_t n = lengths[_i];

	for (int pat = 0; pat < N_PAT; pat++)
	for (size_t off = 0; off < 2; off++) {
		uint32_t seed = 0x3141u + (uint32_t)(n * 31 + off * 7 +
						     (size_t)pat);
		int16_t *x = B.a16 + off, *own = B.b16 + off;
		int32_t *sum = B.a32 + off;

		fill16(x, n, (enum pattern)pat, &seed);
		fill16(own, n, (enum pattern)((pat + 1) % N_PAT), &seed);
		/* a whole last block: a pair-order sum holds that many */
		fill32(sum, DP_MIX_ACC_LEN(n), (enum pattern)pat, &seed);

		/* acc_set, acc_add: in pair order, every entry of the last
		 * block compared (those no sample maps to stay untouched) */
		size_t an = DP_MIX_ACC_LEN(n);

		memset(B.want32, 0x5a, sizeof(B.want32));
		memset(B.got32, 0x5a, sizeof(B.got32));
		r->acc_set(B.want32, x, n);
		k->acc_set(B.got32 + off, x, n);
		ck_assert_mem_eq(B.got32 + off, B.want32, an * 4);
		ck_assert_uint_eq((uint32_t)B.got32[off + an], 0x5a5a5a5au);
		for (size_t i = 0; i < n; i++)
			ck_assert_int_eq(B.want32[dp_mix_pair_at(i)], x[i]);
		memcpy(B.want32, sum, an * 4);
		memcpy(B.got32 + off, sum, an * 4);
		r->acc_add(B.want32, own, n);
		k->acc_add(B.got32 + off, own, n);
		ck_assert_mem_eq(B.got32 + off, B.want32, an * 4);
		ck_assert_uint_eq((uint32_t)B.got32[off + an], 0x5a5a5a5au);

		/* unpair: sample order, checked against the layout itself */
		memcpy(B.want32, sum, an * 4);
		memcpy(B.got32 + off, sum, an * 4);
		r->unpair(B.want32, n);
		k->unpair(B.got32 + off, n);
		ck_assert_mem_eq(B.got32 + off, B.want32, n * 4);
		ck_assert_uint_eq((uint32_t)B.got32[off + an], 0x5a5a5a5au);
		for (size_t i = 0; i < n; i++)
			ck_assert_int_eq(B.want32[i], sum[dp_mix_pair_at(i)]);

		/* fold: the two halves of every sample's sum */
		memset(B.got16, 0x5a, sizeof(B.got16));
		memset(B.got16b, 0x5a, sizeof(B.got16b));
		r->fold(B.want16, B.want16b, sum, n);
		k->fold(B.got16 + off, B.got16b + off, sum, n);
		ck_assert_mem_eq(B.got16 + off, B.want16, n * 2);
		ck_assert_mem_eq(B.got16b + off, B.want16b, n * 2);
		check_guard16(B.got16 + off + n);
		check_guard16(B.got16b + off + n);
		for (size_t i = 0; i < n; i++) {
			int32_t v = sum[dp_mix_pair_at(i)];

			ck_assert_int_eq(B.want16[i], dp_mix_sat16(v));
			ck_assert_int_eq(B.want16[i] + B.want16b[i],
					 v < -65536 ? -65536 :
					 v > 65534 ? 65534 : v);
		}

		/* sub_sat from those halves: saturate16(sum - own) */
		memcpy(B.lo, B.want16, n * 2);
		memcpy(B.hi, B.want16b, n * 2);
		memset(B.got16, 0x5a, sizeof(B.got16));
		r->sub_sat(B.want16, B.lo, B.hi, own, n);
		k->sub_sat(B.got16 + off, B.lo, B.hi, own, n);
		ck_assert_mem_eq(B.got16 + off, B.want16, n * 2);
		check_guard16(B.got16 + off + n);
		for (size_t i = 0; i < n; i++)	/* fill32 leaves room */
			ck_assert_int_eq(B.want16[i], dp_mix_sat16(
				sum[dp_mix_pair_at(i)] - own[i]));

		/* gain: unity, cut, boost, the largest */
		static const int32_t gains[] = { 0, 1, 1000, 4096, 4097, 9000,
						 32767 };
		for (size_t g = 0; g < sizeof(gains) / sizeof(gains[0]); g++) {
			memcpy(B.want16, x, n * 2);
			memcpy(B.got16 + off, x, n * 2);
			r->gain(B.want16, gains[g], n);
			k->gain(B.got16 + off, gains[g], n);
			ck_assert_mem_eq(B.got16 + off, B.want16, n * 2);
			check_guard16(B.got16 + off + n);
		}

		/* the silent-frame test, both laws, thresholds around
		 * where the random and constant codes fall */
		for (unsigned int thr = 0; thr <= 128; thr += 3)
		for (int law = 0; law < 2; law++) {
			const uint8_t *c = (const uint8_t *)x;
			uint8_t xm = law ? 0x55 : 0xff;

			ck_assert_int_eq(k->g711_loud(c, n, xm, (uint8_t)thr),
					 r->g711_loud(c, n, xm, (uint8_t)thr));
			ck_assert_int_eq(k->g711_loud(c + 1, n, xm,
						      (uint8_t)thr),
					 r->g711_loud(c + 1, n, xm,
						      (uint8_t)thr));
			/* the peak agrees with the test it stands for (no
			 * codes: not loud, whatever the threshold) */
			ck_assert_int_eq(r->g711_loud(c, n, xm, (uint8_t)thr),
					 n > 0 && r->g711_peak(c, n, xm) >= thr);
		}
		/* the peak itself, both laws, aligned and not */
		for (int law = 0; law < 2; law++) {
			const uint8_t *c = (const uint8_t *)x;
			uint8_t xm = law ? 0x55 : 0xff;

			ck_assert_uint_eq(k->g711_peak(c, n, xm),
					  r->g711_peak(c, n, xm));
			ck_assert_uint_eq(k->g711_peak(c + 1, n, xm),
					  r->g711_peak(c + 1, n, xm));
		}

		/* energy, peak */
		ck_assert_uint_eq(k->energy(x, n), r->energy(x, n));
		ck_assert_int_eq(k->peak(sum, n), r->peak(sum, n));

		/* sub_gain_sat: attack, release, held, unity; with and
		 * without own */
		static const float ramps[][4] = {
			{ 1.0f, -0.01f, 0.25f, 1.0f },
			{ 0.3f, 0.001f, 0.3f, 0.35f },
			{ 0.5f, 0.0f, 0.5f, 0.5f },
			{ 1.0f, 0.0f, 1.0f, 1.0f },
			{ 0.91f, -0.00037f, 0.123f, 0.91f },
		};
		for (size_t g = 0; g < sizeof(ramps) / sizeof(ramps[0]); g++)
		for (int with_own = 0; with_own < 2; with_own++) {
			const int16_t *o = with_own ? own : NULL;
			const float *p = ramps[g];

			r->sub_gain_sat(B.want16, sum, o, p[0], p[1], p[2],
					p[3], n);
			k->sub_gain_sat(B.got16 + off, sum, o, p[0], p[1],
					p[2], p[3], n);
			ck_assert_mem_eq(B.got16 + off, B.want16, n * 2);
			check_guard16(B.got16 + off + n);
		}
	}
}
END_TEST

static const struct dp_g711_kern *
g711_under_test(void)
{
	return under_test(dp_g711_kern_variant(test_isa(), test_isa_vbmi()),
			  "G.711");
}

/* The mixer's fused G.711 kernels (g711.h: decode + energy + accumulate,
 * subtract + saturate + encode), both laws, against the scalar twins. */
START_TEST(test_mix_kern_fused_matches_scalar)
{
	const struct dp_g711_kern *k = g711_under_test();
	const struct dp_g711_kern *r = dp_g711_kern_for(DP_SIMD_SCALAR);
	static uint8_t want8[MAX_N + GUARD], got8[MAX_N + 1 + GUARD];
	size_t n = lengths[_i];

	for (int pat = 0; pat < N_PAT; pat++)
	for (size_t off = 0; off < 2; off++)
	for (int law = 0; law < 2; law++) {
		uint32_t seed = 0x2718u + (uint32_t)(n * 37 + off * 5 +
						     (size_t)pat);
		uint8_t *codes = (uint8_t *)B.a16 + off;
		int16_t *own = B.b16 + off;
		int32_t *sum = B.a32 + off;

		fill16(own, n, (enum pattern)pat, &seed);
		fill32(sum, DP_MIX_ACC_LEN(n), (enum pattern)pat, &seed);
		for (size_t i = 0; i < n; i++)	/* every code, then random */
			codes[i] = pat == PAT_RANDOM ? (uint8_t)(i * 7 + off) :
				   (uint8_t)test_xorshift32(&seed);

		/* dec_energy_acc: the frame, the pair-order sum (its whole
		 * last block) and the energy */
		size_t an = DP_MIX_ACC_LEN(n);

		memset(B.want32, 0x5a, sizeof(B.want32));
		memset(B.got32, 0x5a, sizeof(B.got32));
		memcpy(B.want32, sum, an * 4);
		memcpy(B.got32 + off, sum, an * 4);
		memset(B.got16, 0x5a, sizeof(B.got16));
		ck_assert_uint_eq(k->dec_energy_acc[law](B.got16 + off,
							 B.got32 + off,
							 codes, n),
				  r->dec_energy_acc[law](B.want16, B.want32,
							 codes, n));
		ck_assert_mem_eq(B.got16 + off, B.want16, n * 2);
		ck_assert_mem_eq(B.got32 + off, B.want32, an * 4);
		check_guard16(B.got16 + off + n);
		ck_assert_uint_eq((uint32_t)B.got32[off + an], 0x5a5a5a5au);
		for (size_t i = 0; i < n; i++)
			ck_assert_int_eq(B.want32[dp_mix_pair_at(i)],
					 sum[dp_mix_pair_at(i)] + B.want16[i]);

		/* sub_sat_enc, also with the int32 limits in the sum (as
		 * far as sum - own stays defined), split as the mixer does */
		if (pat == PAT_ALT && n > 1) {
			sum[dp_mix_pair_at(0)] = INT32_MIN + 32768;
			sum[dp_mix_pair_at(n - 1)] = INT32_MAX - 32768;
		}
		dp_mix_kern_scalar.fold(B.lo + off, B.hi + off, sum, n);
		memset(got8, 0x5a, sizeof(got8));
		r->sub_sat_enc[law](want8, B.lo + off, B.hi + off, own, n);
		k->sub_sat_enc[law](got8 + off, B.lo + off, B.hi + off, own,
				    n);
		ck_assert_mem_eq(got8 + off, want8, n);
		for (size_t g = 0; g < GUARD; g++)
			ck_assert_uint_eq(got8[off + n + g], 0x5a);
		for (size_t i = 0; i < n; i++) {
			int16_t v = dp_mix_sat16(sum[dp_mix_pair_at(i)] -
						 own[i]);

			ck_assert_uint_eq(want8[i], law ? dp_g711_lin2alaw(v) :
					  dp_g711_lin2ulaw(v));
		}
	}
}
END_TEST

/* sub_sat_enc over every int16 result and the clip beyond, both laws:
 * the encoder of 65,536 inputs, through the fused kernel. */
START_TEST(test_mix_kern_sub_sat_enc_exhaustive)
{
	const struct dp_g711_kern *k = g711_under_test();
	static int16_t lo[65536 + 64], hi[65536 + 64], own[65536 + 64];
	static uint8_t got[65536 + 64];

	for (int32_t v = 0; v < 65536 + 64; v++) {
		own[v] = (int16_t)(v & 1 ? -(v & 0xff) : (v & 0xff));
		/* 32 beyond each end */
		dp_mix_split(v - 32768 - 32 + own[v], &lo[v], &hi[v]);
	}
	for (int law = 0; law < 2; law++) {
		k->sub_sat_enc[law](got, lo, hi, own, 65536 + 64);
		for (int32_t v = 0; v < 65536 + 64; v++) {
			int16_t s = dp_mix_sat16(v - 32768 - 32);

			ck_assert_uint_eq(got[v], law ? dp_g711_lin2alaw(s) :
						  dp_g711_lin2ulaw(s));
		}
	}
}
END_TEST

/*
 * The identity the personal mixes rest on (mix_kern.h): for a sum S split
 * into lo and hi, saturate16(saturate16(lo - own) + hi) is
 * saturate16(S - own), for every int16 own, through the kernel under test;
 * S on a grid over the range and at every value near the edges where the
 * split or the result changes side.
 */
START_TEST(test_mix_kern_split_identity)
{
	const struct dp_mix_kern *k = kern_under_test();
	static const int32_t edges[] = { -65536, -32768, 0, 32767, 65534 };
	static int16_t lo[65536], hi[65536], own[65536], out[65536];
	int32_t sums[4096];
	size_t ns = 0;

	sums[ns++] = INT32_MIN + 32768;
	sums[ns++] = INT32_MAX - 32768;	/* S - own stays an int32 */
	for (int32_t v = -70000; v <= 70000; v += 61)
		sums[ns++] = v;
	for (size_t e = 0; e < sizeof(edges) / sizeof(edges[0]); e++)
		for (int32_t d = -40; d <= 40; d++)
			sums[ns++] = edges[e] + d;
	for (int32_t o = 0; o < 65536; o++)
		own[o] = (int16_t)(o - 32768);
	for (size_t j = 0; j < ns; j++) {
		int16_t l, h;

		dp_mix_split(sums[j], &l, &h);
		for (int32_t o = 0; o < 65536; o++) {
			lo[o] = l;
			hi[o] = h;
		}
		k->sub_sat(out, lo, hi, own, 65536);
		for (int32_t o = 0; o < 65536; o++)
			if (out[o] != dp_mix_sat16(sums[j] - own[o]))
				ck_abort_msg("S %d own %d: %d, not %d",
					     sums[j], own[o], out[o],
					     dp_mix_sat16(sums[j] - own[o]));
	}
}
END_TEST

/* The reference on values worked out by hand. */
START_TEST(test_mix_kern_scalar_values)
{
	const struct dp_mix_kern *r = &dp_mix_kern_scalar;
	int32_t sum[4] = { 40000, -40000, 100, INT32_MIN };
	int16_t own[4] = { 5000, -5000, -32768, 0 }, out[4];
	int16_t x[4] = { 3, -3, 32767, -32768 };
	int16_t lo[4], hi[4];
	int32_t acc[32] = { 0 };

	for (int i = 0; i < 4; i++)
		dp_mix_split(sum[i], &lo[i], &hi[i]);
	ck_assert_int_eq(lo[0], 32767);
	ck_assert_int_eq(hi[0], 7233);
	ck_assert_int_eq(lo[1], -32768);
	ck_assert_int_eq(hi[1], -7232);
	ck_assert_int_eq(lo[3], -32768);	/* clamped to -65536 */
	ck_assert_int_eq(hi[3], -32768);
	r->sub_sat(out, lo, hi, own, 4);
	ck_assert_int_eq(out[0], 32767);	/* 35000 clips once */
	ck_assert_int_eq(out[1], -32768);
	ck_assert_int_eq(out[2], 32767);	/* 100 + 32768 */
	ck_assert_int_eq(out[3], -32768);
	dp_mix_split(37000, &lo[0], &hi[0]);
	own[0] = 5000;
	r->sub_sat(out, lo, hi, own, 1);
	ck_assert_int_eq(out[0], 32000);	/* never clipped before */
	/* pair order: even samples first, then odd, per block of 32 */
	r->acc_set(acc, x, 4);
	ck_assert_int_eq(acc[0], 3);
	ck_assert_int_eq(acc[1], 32767);
	ck_assert_int_eq(acc[16], -3);
	ck_assert_int_eq(acc[17], -32768);
	ck_assert_uint_eq(dp_mix_pair_at(33), 48);
	ck_assert_uint_eq(r->energy(x, 4), 9u + 9u + 32767u * 32767u +
			  32768u * 32768u);
	ck_assert_int_eq(r->peak(sum, 4), INT32_MAX);
	ck_assert_int_eq(r->peak(sum, 3), 40000);
	ck_assert_int_eq(r->peak(sum, 0), 0);
	r->gain(x, 2048, 4);			/* -6 dB, rounded */
	ck_assert_int_eq(x[0], 2);		/* 1.5 -> 2 */
	ck_assert_int_eq(x[1], -1);		/* -1.5 -> -1 (floor +0.5) */
	ck_assert_int_eq(x[2], 16384);
	ck_assert_int_eq(x[3], -16384);
	x[0] = 20000;
	r->gain(x, 8192, 1);			/* +6 dB saturates */
	ck_assert_int_eq(x[0], 32767);
	sum[0] = 60000;
	sum[1] = -60000;
	sum[2] = 3;
	r->sub_gain_sat(out, sum, NULL, 0.5f, 0.0f, 0.5f, 0.5f, 3);
	ck_assert_int_eq(out[0], 30000);
	ck_assert_int_eq(out[1], -30000);
	ck_assert_int_eq(out[2], 2);		/* 1.5: to even */
	/* a ramp from 1 down by 0.25 a sample, held at 0.5 */
	sum[0] = sum[1] = sum[2] = sum[3] = 1000;
	r->sub_gain_sat(out, sum, NULL, 1.0f, -0.25f, 0.5f, 1.0f, 4);
	ck_assert_int_eq(out[0], 1000);
	ck_assert_int_eq(out[1], 750);
	ck_assert_int_eq(out[2], 500);
	ck_assert_int_eq(out[3], 500);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("mix_kern");
	TCase *tc = tcase_create("kernels");

	tcase_add_loop_test(tc, test_mix_kern_matches_scalar, 0,
			    (int)N_LENGTHS);
	tcase_add_loop_test(tc, test_mix_kern_fused_matches_scalar, 0,
			    (int)N_LENGTHS);
	tcase_add_test(tc, test_mix_kern_sub_sat_enc_exhaustive);
	tcase_add_test(tc, test_mix_kern_split_identity);
	tcase_add_test(tc, test_mix_kern_scalar_values);
	suite_add_tcase(s, tc);
	return s;
}
