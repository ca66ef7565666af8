/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mix_kern.h: the mixing kernels and their contract. One table per ISA:
 * mix_scalar.c holds the reference (the specification, written for
 * clarity), mix_avx2.c and mix_avx512.c match it bit for bit for every
 * input (tests/test_mix_kern.c). mix.c orchestrates them; tests and
 * benchmarks compare ISAs through dp_mix_kern_for(). Media library, no DPDK,
 * hot path: no allocation, no locks, any thread.
 *
 * Every kernel: any n >= 0, no alignment required, restrict pointers (the
 * buffers of one call never overlap unless a kernel says so).
 */
#ifndef TUTTI_DP_MIX_KERN_H
#define TUTTI_DP_MIX_KERN_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "simd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Unity gain of dp_mix_kern.gain: Q12 fixed point. */
#define DP_MIX_GAIN_ONE	4096

/*
 * The mixer's int32 accumulator is kept in pair order while it is summed:
 * in each block of 32 samples, the 16 even samples, then the 16 odd ones.
 * A 32-bit lane then holds one sample of an int16 pair, so adding a frame
 * is two shifts or one VNNI dot product, with no widening shuffle; fold()
 * turns the sum into what listeners hear. An accumulator of n samples
 * holds DP_MIX_ACC_LEN(n) entries.
 */
#define DP_MIX_ACC_LEN(n)	(((n) + 31) & ~(size_t)31)

/* Where sample i sits in a pair-order accumulator. */
static inline size_t
dp_mix_pair_at(size_t i)
{
	return (i & ~(size_t)31) | ((i & 1) << 4) | ((i & 31) >> 1);
}

static inline int32_t
dp_mix_clamp32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * A sum S split into two int16 halves: lo = saturate16(S) (what a
 * non-contributor hears) and hi = clamp(S, -65536, 65534) - lo. Then for
 * every int16 own,
 *   saturate16(saturate16(lo - own) + hi) == saturate16(S - own):
 * beyond the clamp the result saturates whatever own is, and inside it at
 * most one of the two steps clips, toward the side the true result is on.
 * A personal mix is then two saturating int16 operations per sample, no
 * int32 at all (tests/test_mix_kern.c checks the identity over every own).
 */
static inline void
dp_mix_split(int32_t s, int16_t *lo, int16_t *hi)
{
	int32_t c = dp_mix_clamp32(s, -65536, 65534);
	int32_t l = dp_mix_clamp32(s, INT16_MIN, INT16_MAX);

	*lo = (int16_t)l;
	*hi = (int16_t)(c - l);
}

static inline int16_t
dp_mix_sat16(int32_t v)
{
	/* one unsigned test for the common case, in range */
	if ((uint32_t)v + 32768u <= 65535u)
		return (int16_t)v;
	return v < 0 ? INT16_MIN : INT16_MAX;
}

/* One sample of sub_sat: the reference, for every ISA's tail. lo + hi
 * is the sum clamped to -65536..65534, beyond which the result saturates
 * whatever own is: one clip, as the two saturating steps of the SIMD
 * kernels give. */
static inline int16_t
dp_mix_sub2_sample(int16_t lo, int16_t hi, int16_t own)
{
	return dp_mix_sat16((int32_t)lo + hi - own);
}

/* unpair() of one block of m <= 32 samples, in place: the reference, for
 * every ISA's last partial block. */
static inline void
dp_mix_unpair_block(int32_t *blk, size_t m)
{
	int32_t t[32];

	for (size_t j = 0; j < 32; j++)
		t[j] = blk[j];
	for (size_t j = 0; j < m; j++)
		blk[j] = t[dp_mix_pair_at(j)];
}

struct dp_mix_kern {
	/* acc = x, in pair order (the first contributor of a frame). */
	void (*acc_set)(int32_t *restrict acc, const int16_t *restrict x,
			size_t n);
	/* acc += x, in pair order. acc never overflows for fewer than
	 * 65,536 legs. */
	void (*acc_add)(int32_t *restrict acc, const int16_t *restrict x,
			size_t n);
	/* From the pair-order sum S: lo[i] and hi[i] as dp_mix_split()
	 * (lo is the mix of a non-contributor). acc is not changed. */
	void (*fold)(int16_t *restrict lo, int16_t *restrict hi,
		     const int32_t *restrict acc, size_t n);
	/* The pair-order sum to sample order, in place: acc[0..n-1] is
	 * sample i after, the rest of its last block undefined. For the
	 * limiter (peak, sub_gain_sat), which reads it in sample order. */
	void (*unpair)(int32_t *acc, size_t n);
	/* dst[i] = saturate16(saturate16(lo[i] - own[i]) + hi[i]), which is
	 * saturate16(S - own): the personal mix, one clip, after removing
	 * the listener's own voice. */
	void (*sub_sat)(int16_t *restrict dst, const int16_t *restrict lo,
			const int16_t *restrict hi,
			const int16_t *restrict own, size_t n);
	/*
	 * The limited mix, from the sum in sample order: with
	 * v = sum[i] - (own ? own[i] : 0) and the gain
	 * ramp g = min(max(g0 + (float)i * dg, glo), ghi), all in float,
	 * dst[i] = round-to-nearest-even(clamp(v * g, -32768, 32767)).
	 * IEEE single precision without contraction (mix files are built
	 * with -ffp-contract=off), so every ISA gives the same bits.
	 */
	void (*sub_gain_sat)(int16_t *restrict dst, const int32_t *restrict sum,
			     const int16_t *restrict own, float g0, float dg,
			     float glo, float ghi, size_t n);
	/* x[i] = saturate16((x[i] * gain_q12 + 2048) >> 12), in place
	 * (arithmetic shift); gain_q12 in 0..32767 (x8 max, +18 dB). */
	void (*gain)(int16_t *x, int32_t gain_q12, size_t n);
	/* Sum of x[i]^2, exact. */
	uint64_t (*energy)(const int16_t *restrict x, size_t n);
	/* max |sum[i]|, 0 for n == 0 (|INT32_MIN| saturates to INT32_MAX). */
	int32_t (*peak)(const int32_t *restrict sum, size_t n);
	/*
	 * true if any of n G.711 codes has a magnitude index of at least thr:
	 * ((codes[i] ^ xor_mask) & 0x7f) >= thr, with xor_mask 0xff for
	 * mu-law and 0x55 for A-law (the index grows with |sample| in both).
	 * The mixer's cheap test for a silent leg, before any decoding.
	 */
	bool (*g711_loud)(const uint8_t *restrict codes, size_t n,
			  uint8_t xor_mask, uint8_t thr);
	/*
	 * The largest magnitude index of n G.711 codes, as g711_loud
	 * defines it (0..127; 0 for n == 0): for n > 0,
	 * g711_loud(c, n, x, thr) == (g711_peak(c, n, x) >= thr). Metered
	 * once as a frame arrives, while its codes are in the cache, so the
	 * mixer's silent-leg test need not read them again
	 * (dp_mix_leg.peak_hint).
	 */
	uint8_t (*g711_peak)(const uint8_t *restrict codes, size_t n,
			     uint8_t xor_mask);
	enum dp_simd isa;	/* whose G.711 kernels go with these */
};

/* One sample of sub_gain_sat at index i: the reference, shared by the
 * scalar kernel and the SIMD kernels' tails. */
static inline int16_t
dp_mix_gain_sample(int32_t v, size_t i, float g0, float dg, float glo,
		   float ghi)
{
	float g = g0 + (float)i * dg;
	float y;

	g = g < glo ? glo : g;
	g = g > ghi ? ghi : g;
	y = (float)v * g;
	y = y < -32768.0f ? -32768.0f : y;
	y = y > 32767.0f ? 32767.0f : y;
	return (int16_t)lrintf(y);
}

#ifdef __SSE2__
#include <emmintrin.h>

/* The largest of the 16 unsigned bytes of q: the SIMD kernels' last step
 * of g711_peak. */
static inline uint8_t
dp_mix_hmax_epu8(__m128i q)
{
	q = _mm_max_epu8(q, _mm_srli_si128(q, 8));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 4));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 2));
	q = _mm_max_epu8(q, _mm_srli_si128(q, 1));
	return (uint8_t)_mm_cvtsi128_si32(q);
}
#endif

/*
 * The pair order and the split personal mix in vector form, for every
 * SIMD kernel that adds into the sum or makes a personal mix (mix_*.c,
 * g711_*.c): an int16 vector's even and odd samples as int32 lanes, two
 * shifts and no shuffle, and saturate16(saturate16(lo - own) + hi).
 */
#ifdef __AVX2__
#include <immintrin.h>

static inline __m256i
dp_mix_even32_256(__m256i v)
{
	return _mm256_srai_epi32(_mm256_slli_epi32(v, 16), 16);
}

static inline __m256i
dp_mix_odd32_256(__m256i v)
{
	return _mm256_srai_epi32(v, 16);
}

static inline __m256i
dp_mix_sub2_256(__m256i lo, __m256i hi, __m256i own)
{
	return _mm256_adds_epi16(_mm256_subs_epi16(lo, own), hi);
}
#endif

#ifdef __AVX512BW__
static inline __m512i
dp_mix_even32_512(__m512i v)
{
	return _mm512_srai_epi32(_mm512_slli_epi32(v, 16), 16);
}

static inline __m512i
dp_mix_odd32_512(__m512i v)
{
	return _mm512_srai_epi32(v, 16);
}

static inline __m512i
dp_mix_sub2_512(__m512i lo, __m512i hi, __m512i own)
{
	return _mm512_adds_epi16(_mm512_subs_epi16(lo, own), hi);
}
#endif

extern const struct dp_mix_kern dp_mix_kern_scalar;
extern const struct dp_mix_kern dp_mix_kern_avx2;
extern const struct dp_mix_kern dp_mix_kern_avx512;

/*
 * The kernel table of an ISA, or NULL if this build lacks it. The mixer
 * uses dp_mix_kern_active() (the ISA chosen by dp_simd_select()).
 */
const struct dp_mix_kern *dp_mix_kern_for(enum dp_simd isa);
const struct dp_mix_kern *dp_mix_kern_active(void);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_MIX_KERN_H */
