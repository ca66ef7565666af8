/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mix_scalar.c: the reference mixing kernels (dp_mix_kern_scalar), the
 * specification every SIMD twin matches bit for bit, and the ISA dispatch.
 * Media library, hot path, any thread.
 */
#include "mix_kern.h"

/* The samples of x[0..m-1] (m <= 32) into one block of a pair-order
 * accumulator: the even ones, then the odd ones, with no index arithmetic
 * per sample (the scalar kernels are also the baseline's mixer). */
static inline void
pair_block(int32_t *restrict blk, const int16_t *restrict x, size_t m,
	   bool set)
{
	for (size_t j = 0; 2 * j < m; j++)
		blk[j] = (set ? 0 : blk[j]) + x[2 * j];
	for (size_t j = 0; 2 * j + 1 < m; j++)
		blk[16 + j] = (set ? 0 : blk[16 + j]) + x[2 * j + 1];
}

static void
acc_set_scalar(int32_t *restrict acc, const int16_t *restrict x, size_t n)
{
	for (size_t b = 0; b < n; b += 32)
		pair_block(acc + b, x + b, n - b < 32 ? n - b : 32, true);
}

static void
acc_add_scalar(int32_t *restrict acc, const int16_t *restrict x, size_t n)
{
	for (size_t b = 0; b < n; b += 32)
		pair_block(acc + b, x + b, n - b < 32 ? n - b : 32, false);
}

static void
fold_scalar(int16_t *restrict lo, int16_t *restrict hi,
	    const int32_t *restrict acc, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dp_mix_split(acc[dp_mix_pair_at(i)], &lo[i], &hi[i]);
}

static void
unpair_scalar(int32_t *acc, size_t n)
{
	for (size_t b = 0; b < n; b += 32)
		dp_mix_unpair_block(acc + b, n - b < 32 ? n - b : 32);
}

static void
sub_sat_scalar(int16_t *restrict dst, const int16_t *restrict lo,
	       const int16_t *restrict hi, const int16_t *restrict own,
	       size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = dp_mix_sub2_sample(lo[i], hi[i], own[i]);
}

static void
sub_gain_sat_scalar(int16_t *restrict dst, const int32_t *restrict sum,
		    const int16_t *restrict own, float g0, float dg,
		    float glo, float ghi, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = dp_mix_gain_sample(sum[i] - (own != NULL ? own[i] : 0),
					    i, g0, dg, glo, ghi);
}

static void
gain_scalar(int16_t *x, int32_t gain_q12, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = dp_mix_sat16((x[i] * gain_q12 + 2048) >> 12);
}

static uint64_t
energy_scalar(const int16_t *restrict x, size_t n)
{
	uint64_t e = 0;

	for (size_t i = 0; i < n; i++)
		e += (uint64_t)((int32_t)x[i] * x[i]);
	return e;
}

static int32_t
peak_scalar(const int32_t *restrict sum, size_t n)
{
	int32_t p = 0;

	for (size_t i = 0; i < n; i++) {
		int32_t a = sum[i] == INT32_MIN ? INT32_MAX :
			    sum[i] < 0 ? -sum[i] : sum[i];

		p = a > p ? a : p;
	}
	return p;
}

static bool
g711_loud_scalar(const uint8_t *restrict codes, size_t n, uint8_t xor_mask,
		 uint8_t thr)
{
	for (size_t i = 0; i < n; i++)
		if (((codes[i] ^ xor_mask) & 0x7f) >= thr)
			return true;
	return false;
}

static uint8_t
g711_peak_scalar(const uint8_t *restrict codes, size_t n, uint8_t xor_mask)
{
	uint8_t p = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t m = (uint8_t)((codes[i] ^ xor_mask) & 0x7f);

		p = m > p ? m : p;
	}
	return p;
}

const struct dp_mix_kern dp_mix_kern_scalar = {
	.acc_set = acc_set_scalar,
	.acc_add = acc_add_scalar,
	.fold = fold_scalar,
	.unpair = unpair_scalar,
	.sub_sat = sub_sat_scalar,
	.sub_gain_sat = sub_gain_sat_scalar,
	.gain = gain_scalar,
	.energy = energy_scalar,
	.peak = peak_scalar,
	.g711_loud = g711_loud_scalar,
	.g711_peak = g711_peak_scalar,
	.isa = DP_SIMD_SCALAR,
};

const struct dp_mix_kern *
dp_mix_kern_for(enum dp_simd isa)
{
	switch (isa) {
	case DP_SIMD_SCALAR:
		return &dp_mix_kern_scalar;
#ifdef TUTTI_BUILD_AVX2
	case DP_SIMD_AVX2:
		return &dp_mix_kern_avx2;
#endif
#ifdef TUTTI_BUILD_AVX512
	case DP_SIMD_AVX512:
		return &dp_mix_kern_avx512;
#endif
	default:
		return NULL;
	}
}

const struct dp_mix_kern *
dp_mix_kern_active(void)
{
	const struct dp_mix_kern *k = dp_mix_kern_for(dp_simd_active());

	return k != NULL ? k : &dp_mix_kern_scalar;
}
