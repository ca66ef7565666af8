/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mix_avx2.c: the AVX2 mixing kernels (dp_mix_kern_avx2), bit-exact with
 * the scalar reference in mix_scalar.c for every input. Built only into the
 * dp_media_avx2 library with the AVX2 c_args and -ffp-contract=off; chosen
 * at run time by dp_mix_kern_for(). 16 samples per step (one ymm of int16,
 * two of int32), the rest through the scalar reference. Media library, hot
 * path, any thread.
 */
#include <immintrin.h>

#include "mix_kern.h"

#define STEP	16

static inline __m256i
lo32(__m256i x)
{
	return _mm256_cvtepi16_epi32(_mm256_castsi256_si128(x));
}

static inline __m256i
hi32(__m256i x)
{
	return _mm256_cvtepi16_epi32(_mm256_extracti128_si256(x, 1));
}

/* Two ymm of int32 to one of int16, saturating, in order. */
static inline __m256i
pack16(__m256i a, __m256i b)
{
	return _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xd8);
}

static void
acc_set_avx2(int32_t *restrict acc, const int16_t *restrict x, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i v = _mm256_loadu_si256((const void *)(x + i));
		/* the 8 even samples of the 16 from i (i % 16 == 0); the
		 * odd ones 16 entries on */
		int32_t *p = acc + dp_mix_pair_at(i);

		_mm256_storeu_si256((void *)p, dp_mix_even32_256(v));
		_mm256_storeu_si256((void *)(p + 16), dp_mix_odd32_256(v));
	}
	for (; i < n; i++)
		acc[dp_mix_pair_at(i)] = x[i];
}

static void
acc_add_avx2(int32_t *restrict acc, const int16_t *restrict x, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i v = _mm256_loadu_si256((const void *)(x + i));
		int32_t *p = acc + dp_mix_pair_at(i);
		__m256i a = _mm256_loadu_si256((const void *)p);
		__m256i b = _mm256_loadu_si256((const void *)(p + 16));

		_mm256_storeu_si256((void *)p,
				    _mm256_add_epi32(a, dp_mix_even32_256(v)));
		_mm256_storeu_si256((void *)(p + 16),
				    _mm256_add_epi32(b, dp_mix_odd32_256(v)));
	}
	for (; i < n; i++)
		acc[dp_mix_pair_at(i)] += x[i];
}

static inline __m256i
clamp32(__m256i v, int32_t lo, int32_t hi)
{
	return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(lo)),
				_mm256_set1_epi32(hi));
}

/* 8 even and 8 odd int32 (each within int16) to 16 int16 in order. */
static inline __m256i
interleave16(__m256i even, __m256i odd)
{
	return _mm256_blend_epi16(even, _mm256_slli_epi32(odd, 16), 0xaa);
}

static void
fold_avx2(int16_t *restrict lo, int16_t *restrict hi,
	  const int32_t *restrict acc, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		const int32_t *p = acc + dp_mix_pair_at(i);
		__m256i e = _mm256_loadu_si256((const void *)p);
		__m256i o = _mm256_loadu_si256((const void *)(p + 16));
		__m256i el = clamp32(e, INT16_MIN, INT16_MAX);
		__m256i ol = clamp32(o, INT16_MIN, INT16_MAX);

		_mm256_storeu_si256((void *)(lo + i), interleave16(el, ol));
		_mm256_storeu_si256((void *)(hi + i), interleave16(
			_mm256_sub_epi32(clamp32(e, -65536, 65534), el),
			_mm256_sub_epi32(clamp32(o, -65536, 65534), ol)));
	}
	for (; i < n; i++)
		dp_mix_split(acc[dp_mix_pair_at(i)], &lo[i], &hi[i]);
}

/* 8 even and 8 odd int32 to the 16 samples in order, two registers. */
static inline void
unpair16(int32_t *dst, __m256i e, __m256i o)
{
	__m256i l = _mm256_unpacklo_epi32(e, o), h = _mm256_unpackhi_epi32(e, o);

	_mm256_storeu_si256((void *)dst, _mm256_permute2x128_si256(l, h,
								    0x20));
	_mm256_storeu_si256((void *)(dst + 8),
			    _mm256_permute2x128_si256(l, h, 0x31));
}

static void
unpair_avx2(int32_t *acc, size_t n)
{
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		__m256i e0 = _mm256_loadu_si256((const void *)(acc + i));
		__m256i e1 = _mm256_loadu_si256((const void *)(acc + i + 8));
		__m256i o0 = _mm256_loadu_si256((const void *)(acc + i + 16));
		__m256i o1 = _mm256_loadu_si256((const void *)(acc + i + 24));

		unpair16(acc + i, e0, o0);
		unpair16(acc + i + 16, e1, o1);
	}
	if (i < n)
		dp_mix_unpair_block(acc + i, n - i);
}

static void
sub_sat_avx2(int16_t *restrict dst, const int16_t *restrict lo,
	     const int16_t *restrict hi, const int16_t *restrict own,
	     size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP)
		_mm256_storeu_si256((void *)(dst + i), dp_mix_sub2_256(
			_mm256_loadu_si256((const void *)(lo + i)),
			_mm256_loadu_si256((const void *)(hi + i)),
			_mm256_loadu_si256((const void *)(own + i))));
	dp_mix_kern_scalar.sub_sat(dst + i, lo + i, hi + i, own + i, n - i);
}

/* 8 lanes of v * clamp(g0 + idx * dg, glo, ghi), clamped, to int32. */
static inline __m256i
gain8(__m256i v, __m256i idx, __m256 g0, __m256 dg, __m256 glo, __m256 ghi)
{
	__m256 g = _mm256_add_ps(g0, _mm256_mul_ps(_mm256_cvtepi32_ps(idx),
						   dg));
	__m256 y;

	g = _mm256_min_ps(_mm256_max_ps(g, glo), ghi);
	y = _mm256_mul_ps(_mm256_cvtepi32_ps(v), g);
	y = _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(-32768.0f)),
			  _mm256_set1_ps(32767.0f));
	return _mm256_cvtps_epi32(y);
}

static void
sub_gain_sat_avx2(int16_t *restrict dst, const int32_t *restrict sum,
		  const int16_t *restrict own, float g0, float dg, float glo,
		  float ghi, size_t n)
{
	const __m256 vg0 = _mm256_set1_ps(g0), vdg = _mm256_set1_ps(dg);
	const __m256 vlo = _mm256_set1_ps(glo), vhi = _mm256_set1_ps(ghi);
	const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	size_t i = 0;

	/* the index must stay exact in float: 2^24 samples is 17 minutes */
	for (; i + STEP <= n && i + STEP <= (1u << 24); i += STEP) {
		__m256i a = _mm256_loadu_si256((const void *)(sum + i));
		__m256i b = _mm256_loadu_si256((const void *)(sum + i + 8));
		__m256i idx = _mm256_add_epi32(_mm256_set1_epi32((int)i),
					       lane);

		if (own != NULL) {
			__m256i o = _mm256_loadu_si256((const void *)(own + i));

			a = _mm256_sub_epi32(a, lo32(o));
			b = _mm256_sub_epi32(b, hi32(o));
		}
		a = gain8(a, idx, vg0, vdg, vlo, vhi);
		b = gain8(b, _mm256_add_epi32(idx, _mm256_set1_epi32(8)), vg0,
			  vdg, vlo, vhi);
		_mm256_storeu_si256((void *)(dst + i), pack16(a, b));
	}
	/* the tail: the same ramp at the same indexes, sample by sample as
	 * in the reference (whose ramp would restart at index 0) */
	for (; i < n; i++)
		dst[i] = dp_mix_gain_sample(sum[i] - (own != NULL ? own[i] : 0),
					    i, g0, dg, glo, ghi);
}

static void
gain_avx2(int16_t *x, int32_t gain_q12, size_t n)
{
	const __m256i g = _mm256_set1_epi32(gain_q12);
	const __m256i half = _mm256_set1_epi32(2048);
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i v = _mm256_loadu_si256((const void *)(x + i));
		__m256i a = _mm256_srai_epi32(_mm256_add_epi32(
				_mm256_mullo_epi32(lo32(v), g), half), 12);
		__m256i b = _mm256_srai_epi32(_mm256_add_epi32(
				_mm256_mullo_epi32(hi32(v), g), half), 12);

		_mm256_storeu_si256((void *)(x + i), pack16(a, b));
	}
	dp_mix_kern_scalar.gain(x + i, gain_q12, n - i);
}

static uint64_t
energy_avx2(const int16_t *restrict x, size_t n)
{
	__m256i acc = _mm256_setzero_si256();
	uint64_t lanes[4];
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i v = _mm256_loadu_si256((const void *)(x + i));
		/* pairs of squares: up to 2^31, exact as unsigned */
		__m256i p = _mm256_madd_epi16(v, v);

		/* split into 64-bit lanes, no cross-lane shuffle */
		acc = _mm256_add_epi64(acc, _mm256_and_si256(p,
					_mm256_set1_epi64x(0xffffffff)));
		acc = _mm256_add_epi64(acc, _mm256_srli_epi64(p, 32));
	}
	_mm256_storeu_si256((void *)lanes, acc);
	return lanes[0] + lanes[1] + lanes[2] + lanes[3] +
	       dp_mix_kern_scalar.energy(x + i, n - i);
}

static int32_t
peak_avx2(const int32_t *restrict sum, size_t n)
{
	/* |INT32_MIN| stays 0x80000000, the largest unsigned: mapped last */
	__m256i m = _mm256_setzero_si256();
	uint32_t lanes[8], p = 0;
	size_t i = 0;
	int32_t tail;

	for (; i + 8 <= n; i += 8)
		m = _mm256_max_epu32(m, _mm256_abs_epi32(
			_mm256_loadu_si256((const void *)(sum + i))));
	_mm256_storeu_si256((void *)lanes, m);
	for (int l = 0; l < 8; l++)
		p = lanes[l] > p ? lanes[l] : p;
	if (p > INT32_MAX)
		return INT32_MAX;
	tail = dp_mix_kern_scalar.peak(sum + i, n - i);
	return tail > (int32_t)p ? tail : (int32_t)p;
}

static bool
g711_loud_avx2(const uint8_t *restrict codes, size_t n, uint8_t xor_mask,
	       uint8_t thr)
{
	const __m256i x = _mm256_set1_epi8((char)xor_mask);
	const __m256i m7 = _mm256_set1_epi8(0x7f);
	const __m256i t = _mm256_set1_epi8((char)thr);
	__m256i any = _mm256_setzero_si256();
	size_t i = 0;

	/* (c ^ x) & 0x7f >= thr  <=>  max(mag, thr) == mag */
	for (; i + 32 <= n; i += 32) {
		__m256i mag = _mm256_and_si256(_mm256_xor_si256(
			_mm256_loadu_si256((const void *)(codes + i)), x), m7);

		any = _mm256_or_si256(any, _mm256_cmpeq_epi8(
					       _mm256_max_epu8(mag, t), mag));
	}
	if (!_mm256_testz_si256(any, any))
		return true;
	return dp_mix_kern_scalar.g711_loud(codes + i, n - i, xor_mask, thr);
}

static uint8_t
g711_peak_avx2(const uint8_t *restrict codes, size_t n, uint8_t xor_mask)
{
	const __m256i x = _mm256_set1_epi8((char)xor_mask);
	const __m256i m7 = _mm256_set1_epi8(0x7f);
	__m256i mag = _mm256_setzero_si256();
	uint8_t p, t;
	size_t i = 0;

	for (; i + 32 <= n; i += 32)
		mag = _mm256_max_epu8(mag, _mm256_and_si256(_mm256_xor_si256(
			_mm256_loadu_si256((const void *)(codes + i)), x), m7));
	p = dp_mix_hmax_epu8(_mm_max_epu8(_mm256_castsi256_si128(mag),
					  _mm256_extracti128_si256(mag, 1)));
	t = dp_mix_kern_scalar.g711_peak(codes + i, n - i, xor_mask);
	return t > p ? t : p;
}

const struct dp_mix_kern dp_mix_kern_avx2 = {
	.acc_set = acc_set_avx2,
	.acc_add = acc_add_avx2,
	.fold = fold_avx2,
	.unpair = unpair_avx2,
	.sub_sat = sub_sat_avx2,
	.sub_gain_sat = sub_gain_sat_avx2,
	.gain = gain_avx2,
	.energy = energy_avx2,
	.peak = peak_avx2,
	.g711_loud = g711_loud_avx2,
	.g711_peak = g711_peak_avx2,
	.isa = DP_SIMD_AVX2,
};
