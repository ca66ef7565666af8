/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mix_avx512.c: the AVX-512 (F+BW+VL) mixing kernels (dp_mix_kern_avx512),
 * bit-exact with the scalar reference in mix_scalar.c for every input.
 * Built only into the dp_media_avx512 library with the AVX-512 c_args and
 * -ffp-contract=off; chosen at run time by dp_mix_kern_for(). 32 samples
 * per step (one zmm of int16, two of int32); vpackssdw and a qword
 * permute narrow with saturation in order. The rest through the scalar reference. Media
 * library, hot path, any thread.
 */
#include <immintrin.h>

#include "mix_kern.h"

#define STEP	32

static inline __m512i
lo32(__m512i x)
{
	return _mm512_cvtepi16_epi32(_mm512_castsi512_si256(x));
}

static inline __m512i
hi32(__m512i x)
{
	return _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(x, 1));
}

/* Two zmm of int32 to one of int16, saturating, in order: vpackssdw packs
 * within 128-bit lanes, one qword permute puts the lanes in order. Two
 * shuffle-port uops instead of five for two vpmovsdw and an insert: the
 * int32 sub_sat it was written for took 160 samples in 24.5 instead of 35
 * TSC ticks (best of 20,000, rdtsc loop, Xeon (Sapphire Rapids) at 2.0 GHz
 * TSC). */
static inline __m512i
pack16(__m512i a, __m512i b)
{
	return _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3,
							  5, 7),
					_mm512_packs_epi32(a, b));
}

static void
acc_set_avx512(int32_t *restrict acc, const int16_t *restrict x, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m512i v = _mm512_loadu_si512(x + i);

		_mm512_storeu_si512(acc + i, dp_mix_even32_512(v));
		_mm512_storeu_si512(acc + i + 16, dp_mix_odd32_512(v));
	}
	for (; i < n; i++)
		acc[dp_mix_pair_at(i)] = x[i];
}

static void
acc_add_avx512(int32_t *restrict acc, const int16_t *restrict x, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m512i v = _mm512_loadu_si512(x + i);
		__m512i a = _mm512_loadu_si512(acc + i);
		__m512i b = _mm512_loadu_si512(acc + i + 16);

		_mm512_storeu_si512(acc + i,
				    _mm512_add_epi32(a, dp_mix_even32_512(v)));
		_mm512_storeu_si512(acc + i + 16,
				    _mm512_add_epi32(b, dp_mix_odd32_512(v)));
	}
	for (; i < n; i++)
		acc[dp_mix_pair_at(i)] += x[i];
}

static inline __m512i
clamp32(__m512i v, int32_t lo, int32_t hi)
{
	return _mm512_min_epi32(_mm512_max_epi32(v, _mm512_set1_epi32(lo)),
				_mm512_set1_epi32(hi));
}

/* 16 even and 16 odd int32 (each within int16) to 32 int16 in order. */
static inline __m512i
interleave16(__m512i even, __m512i odd)
{
	/* odd << 16 | (even & 0xffff) */
	return _mm512_ternarylogic_epi32(_mm512_slli_epi32(odd, 16), even,
					 _mm512_set1_epi32(0xffff), 0xf8);
}

static void
fold_avx512(int16_t *restrict lo, int16_t *restrict hi,
	    const int32_t *restrict acc, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m512i e = _mm512_loadu_si512(acc + i);
		__m512i o = _mm512_loadu_si512(acc + i + 16);
		__m512i el = clamp32(e, INT16_MIN, INT16_MAX);
		__m512i ol = clamp32(o, INT16_MIN, INT16_MAX);

		_mm512_storeu_si512(lo + i, interleave16(el, ol));
		_mm512_storeu_si512(hi + i, interleave16(
			_mm512_sub_epi32(clamp32(e, -65536, 65534), el),
			_mm512_sub_epi32(clamp32(o, -65536, 65534), ol)));
	}
	for (; i < n; i++)
		dp_mix_split(acc[dp_mix_pair_at(i)], &lo[i], &hi[i]);
}

static void
unpair_avx512(int32_t *acc, size_t n)
{
	const __m512i first = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4,
						20, 5, 21, 6, 22, 7, 23);
	const __m512i second = _mm512_add_epi32(first, _mm512_set1_epi32(8));
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m512i e = _mm512_loadu_si512(acc + i);
		__m512i o = _mm512_loadu_si512(acc + i + 16);

		_mm512_storeu_si512(acc + i,
				    _mm512_permutex2var_epi32(e, first, o));
		_mm512_storeu_si512(acc + i + 16,
				    _mm512_permutex2var_epi32(e, second, o));
	}
	if (i < n)
		dp_mix_unpair_block(acc + i, n - i);
}

static void
sub_sat_avx512(int16_t *restrict dst, const int16_t *restrict lo,
	       const int16_t *restrict hi, const int16_t *restrict own,
	       size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP)
		_mm512_storeu_si512(dst + i, dp_mix_sub2_512(
			_mm512_loadu_si512(lo + i), _mm512_loadu_si512(hi + i),
			_mm512_loadu_si512(own + i)));
	dp_mix_kern_scalar.sub_sat(dst + i, lo + i, hi + i, own + i, n - i);
}

/* 16 lanes of v * clamp(g0 + idx * dg, glo, ghi), clamped, to int32. */
static inline __m512i
gain16(__m512i v, __m512i idx, __m512 g0, __m512 dg, __m512 glo, __m512 ghi)
{
	__m512 g = _mm512_add_ps(g0, _mm512_mul_ps(_mm512_cvtepi32_ps(idx),
						   dg));
	__m512 y;

	g = _mm512_min_ps(_mm512_max_ps(g, glo), ghi);
	y = _mm512_mul_ps(_mm512_cvtepi32_ps(v), g);
	y = _mm512_min_ps(_mm512_max_ps(y, _mm512_set1_ps(-32768.0f)),
			  _mm512_set1_ps(32767.0f));
	return _mm512_cvtps_epi32(y);
}

static void
sub_gain_sat_avx512(int16_t *restrict dst, const int32_t *restrict sum,
		    const int16_t *restrict own, float g0, float dg, float glo,
		    float ghi, size_t n)
{
	const __m512 vg0 = _mm512_set1_ps(g0), vdg = _mm512_set1_ps(dg);
	const __m512 vlo = _mm512_set1_ps(glo), vhi = _mm512_set1_ps(ghi);
	const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
					       10, 11, 12, 13, 14, 15);
	size_t i = 0;

	/* the index must stay exact in float: 2^24 samples is 17 minutes */
	for (; i + STEP <= n && i + STEP <= (1u << 24); i += STEP) {
		__m512i a = _mm512_loadu_si512(sum + i);
		__m512i b = _mm512_loadu_si512(sum + i + 16);
		__m512i idx = _mm512_add_epi32(_mm512_set1_epi32((int)i),
					       lane);

		if (own != NULL) {
			__m512i o = _mm512_loadu_si512(own + i);

			a = _mm512_sub_epi32(a, lo32(o));
			b = _mm512_sub_epi32(b, hi32(o));
		}
		a = gain16(a, idx, vg0, vdg, vlo, vhi);
		b = gain16(b, _mm512_add_epi32(idx, _mm512_set1_epi32(16)),
			   vg0, vdg, vlo, vhi);
		_mm512_storeu_si512(dst + i, pack16(a, b));
	}
	/* the tail: the same ramp at the same indexes, sample by sample as
	 * in the reference (whose ramp would restart at index 0) */
	for (; i < n; i++)
		dst[i] = dp_mix_gain_sample(sum[i] - (own != NULL ? own[i] : 0),
					    i, g0, dg, glo, ghi);
}

static void
gain_avx512(int16_t *x, int32_t gain_q12, size_t n)
{
	const __m512i g = _mm512_set1_epi32(gain_q12);
	const __m512i half = _mm512_set1_epi32(2048);
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m512i v = _mm512_loadu_si512(x + i);
		__m512i a = _mm512_srai_epi32(_mm512_add_epi32(
				_mm512_mullo_epi32(lo32(v), g), half), 12);
		__m512i b = _mm512_srai_epi32(_mm512_add_epi32(
				_mm512_mullo_epi32(hi32(v), g), half), 12);

		_mm512_storeu_si512(x + i, pack16(a, b));
	}
	dp_mix_kern_scalar.gain(x + i, gain_q12, n - i);
}

static uint64_t
energy_avx512(const int16_t *restrict x, size_t n)
{
	__m512i acc = _mm512_setzero_si512();
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m512i v = _mm512_loadu_si512(x + i);
		/* pairs of squares: up to 2^31, exact as unsigned */
		__m512i p = _mm512_madd_epi16(v, v);

		/* split into 64-bit lanes, no cross-lane shuffle */
		acc = _mm512_add_epi64(acc, _mm512_and_si512(p,
					_mm512_set1_epi64(0xffffffff)));
		acc = _mm512_add_epi64(acc, _mm512_srli_epi64(p, 32));
	}
	return (uint64_t)_mm512_reduce_add_epi64(acc) +
	       dp_mix_kern_scalar.energy(x + i, n - i);
}

static int32_t
peak_avx512(const int32_t *restrict sum, size_t n)
{
	/* |INT32_MIN| stays 0x80000000, the largest unsigned: mapped last */
	__m512i m = _mm512_setzero_si512();
	uint32_t p;
	size_t i = 0;
	int32_t tail;

	for (; i + 16 <= n; i += 16)
		m = _mm512_max_epu32(m, _mm512_abs_epi32(
			_mm512_loadu_si512(sum + i)));
	p = _mm512_reduce_max_epu32(m);
	if (p > INT32_MAX)
		return INT32_MAX;
	tail = dp_mix_kern_scalar.peak(sum + i, n - i);
	return tail > (int32_t)p ? tail : (int32_t)p;
}

static bool
g711_loud_avx512(const uint8_t *restrict codes, size_t n, uint8_t xor_mask,
		 uint8_t thr)
{
	const __m512i x = _mm512_set1_epi8((char)xor_mask);
	const __m512i m7 = _mm512_set1_epi8(0x7f);
	__m512i mag = _mm512_setzero_si512();	/* the largest index seen */
	size_t i = 0;

	if (n == 0)
		return false;

	/* (v ^ x) & m7, kept as a running byte maximum: one test at the
	 * end, no branch per block (a silent leg, the common case, reads
	 * every code anyway) */
	for (; i + 64 <= n; i += 64)
		mag = _mm512_max_epu8(mag, _mm512_ternarylogic_epi32(
			_mm512_loadu_si512(codes + i), x, m7, 0x28));
	if (i < n) {
		/* the tail: the last 64 codes again if there are that many
		 * (an "any" test may look twice), else one masked load,
		 * never past n (masked-off bytes leave mag as it was) */
		__mmask64 k = n >= 64 ? ~0ull : _bzhi_u64(~0ull,
							  (unsigned int)n);
		const uint8_t *p = n >= 64 ? codes + n - 64 : codes;

		mag = _mm512_mask_max_epu8(mag, k, mag,
			_mm512_ternarylogic_epi32(_mm512_maskz_loadu_epi8(k, p),
						  x, m7, 0x28));
	}
	return _mm512_cmpge_epu8_mask(mag, _mm512_set1_epi8((char)thr)) != 0;
}

static uint8_t
g711_peak_avx512(const uint8_t *restrict codes, size_t n, uint8_t xor_mask)
{
	const __m512i x = _mm512_set1_epi8((char)xor_mask);
	const __m512i m7 = _mm512_set1_epi8(0x7f);
	__m512i mag = _mm512_setzero_si512();
	__m256i h;
	size_t i = 0;

	for (; i + 64 <= n; i += 64)
		mag = _mm512_max_epu8(mag, _mm512_ternarylogic_epi32(
			_mm512_loadu_si512(codes + i), x, m7, 0x28));
	if (i < n) {	/* the rest, one masked load, never past n */
		__mmask64 k = _bzhi_u64(~0ull, (unsigned int)(n - i));

		mag = _mm512_mask_max_epu8(mag, k, mag,
			_mm512_ternarylogic_epi32(
				_mm512_maskz_loadu_epi8(k, codes + i), x, m7,
				0x28));
	}
	h = _mm256_max_epu8(_mm512_castsi512_si256(mag),
			    _mm512_extracti64x4_epi64(mag, 1));
	return dp_mix_hmax_epu8(_mm_max_epu8(_mm256_castsi256_si128(h),
					     _mm256_extracti128_si256(h, 1)));
}

const struct dp_mix_kern dp_mix_kern_avx512 = {
	.acc_set = acc_set_avx512,
	.acc_add = acc_add_avx512,
	.fold = fold_avx512,
	.unpair = unpair_avx512,
	.sub_sat = sub_sat_avx512,
	.sub_gain_sat = sub_gain_sat_avx512,
	.gain = gain_avx512,
	.energy = energy_avx512,
	.peak = peak_avx512,
	.g711_loud = g711_loud_avx512,
	.g711_peak = g711_peak_avx512,
	.isa = DP_SIMD_AVX512,
};
