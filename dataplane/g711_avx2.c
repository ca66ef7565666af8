/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * g711_avx2.c: the AVX2 G.711 block kernels (dp_g711_kern_avx2), bit-exact
 * with the scalar reference in g711.c for every input. Built only into the
 * dp_media_avx2 library with the AVX2 c_args; chosen at run time by
 * dp_g711_kern_for(). Media library, hot path, any thread.
 *
 * Decode computes instead of looking up: 16 codes per step in 16-bit lanes,
 * the segment's power of two coming from a pshufb table and the shift done
 * as a multiply (AVX2 has no per-lane 16-bit shift). A 256-entry LUT read
 * with vpgatherdd was slower: 0.65 vs 0.18 TSC ticks/sample (mu-law, 1600
 * samples, best-of rdtsc loop on an AMD EPYC with AVX-512; figures in the
 * commit that added this file). bench_g711 g711/ulaw_dec/avx2/1600 on the
 * same machine: about 13x SpanDSP's ulaw_to_linear() loop.
 * Encode finds the segment with two nibble pshufb lookups on the high byte
 * (a vector bit length) and extracts the mantissa with a multiply-high by
 * 2^(13 - seg), i.e. a per-lane right shift. 32 samples per step, the rest
 * through the scalar reference.
 */
#include <immintrin.h>

#include "g711_kern.h"

#define STEP	32	/* samples per loop iteration */

/* Bytes of a 16-bit lane: low byte from the table, high byte zero. */
#define LANE_LO_ONLY	((short)0x8000)	/* pshufb: index bit 7 gives 0 */

/* The same 16 bytes in both 128-bit halves, as pshufb wants. */
static inline __m256i
lut16(const uint8_t t[16])
{
	return _mm256_broadcastsi128_si256(_mm_loadu_si128((const void *)t));
}

static const uint8_t ulaw_pow2[16] = { 1, 2, 4, 8, 16, 32, 64, 128 };
static const uint8_t alaw_pow2[16] = { 1, 1, 2, 4, 8, 16, 32, 64 };

/* Bit length of a nibble; of a high nibble plus 4 (0 stays 0). */
static const uint8_t bitlen_lo[16] = { 0, 1, 2, 2, 3, 3, 3, 3,
				       4, 4, 4, 4, 4, 4, 4, 4 };
static const uint8_t bitlen_hi[16] = { 0, 5, 6, 6, 7, 7, 7, 7,
				       8, 8, 8, 8, 8, 8, 8, 8 };

/*
 * Multipliers 2^(16 - shift) for mulhi_epu16, by segment: bytes 0-7 the low
 * bytes, 8-15 the high bytes. mu-law shifts by seg + 3; A-law by seg + 3,
 * but by 4 in segment 0.
 */
static const uint8_t ulaw_mul[16] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x40,
	0x20, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00, 0x00,
};
static const uint8_t alaw_mul[16] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x40,
	0x10, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00, 0x00,
};

static inline __m256i
ulaw_dec16(__m128i c)
{
	const __m256i m0f = _mm256_set1_epi16(0x0f);
	const __m256i bias = _mm256_set1_epi16(0x84);
	__m256i u = _mm256_xor_si256(_mm256_cvtepu8_epi16(c),
				     _mm256_set1_epi16(0xff));
	__m256i base = _mm256_add_epi16(
		_mm256_slli_epi16(_mm256_and_si256(u, m0f), 3), bias);
	__m256i seg = _mm256_and_si256(_mm256_srli_epi16(u, 4),
				       _mm256_set1_epi16(7));
	__m256i pow = _mm256_shuffle_epi8(lut16(ulaw_pow2),
			_mm256_or_si256(seg, _mm256_set1_epi16(LANE_LO_ONLY)));
	__m256i t = _mm256_sub_epi16(_mm256_mullo_epi16(base, pow), bias);
	/* all ones where bit 7 of u is set: negate there */
	__m256i neg = _mm256_srai_epi16(_mm256_slli_epi16(u, 8), 15);

	return _mm256_sub_epi16(_mm256_xor_si256(t, neg), neg);
}

static inline __m256i
alaw_dec16(__m128i c)
{
	__m256i a = _mm256_xor_si256(_mm256_cvtepu8_epi16(c),
				     _mm256_set1_epi16(0x55));
	__m256i base = _mm256_or_si256(_mm256_slli_epi16(
			_mm256_and_si256(a, _mm256_set1_epi16(0x0f)), 4),
			_mm256_set1_epi16(8));
	__m256i seg = _mm256_and_si256(_mm256_srli_epi16(a, 4),
				       _mm256_set1_epi16(7));
	/* segments 1-7 add 0x100 (0x108 = 0x100 | 8) */
	__m256i seg_nz = _mm256_and_si256(
			_mm256_cmpgt_epi16(seg, _mm256_setzero_si256()),
			_mm256_set1_epi16(0x100));
	__m256i pow = _mm256_shuffle_epi8(lut16(alaw_pow2),
			_mm256_or_si256(seg, _mm256_set1_epi16(LANE_LO_ONLY)));
	__m256i i = _mm256_mullo_epi16(_mm256_or_si256(base, seg_nz), pow);
	/* all ones where bit 7 of a is clear: negate there */
	__m256i neg = _mm256_cmpeq_epi16(_mm256_and_si256(a,
			_mm256_set1_epi16(0x80)), _mm256_setzero_si256());

	return _mm256_sub_epi16(_mm256_xor_si256(i, neg), neg);
}

/*
 * (seg << 4) | mantissa of a magnitude v in 0..0x7fff, the shift table mul
 * selecting the law's mantissa position.
 */
static inline __m256i
seg_mant16(__m256i v, __m256i mul)
{
	__m256i hi = _mm256_srli_epi16(v, 8);
	__m256i lo_nib = _mm256_and_si256(hi, _mm256_set1_epi16(0x0f));
	__m256i seg = _mm256_max_epu8(
		_mm256_shuffle_epi8(lut16(bitlen_lo), lo_nib),
		_mm256_shuffle_epi8(lut16(bitlen_hi), _mm256_srli_epi16(hi, 4)));
	__m256i idx = _mm256_or_si256(_mm256_or_si256(seg,
			_mm256_slli_epi16(seg, 8)), _mm256_set1_epi16(0x0800));
	__m256i mant = _mm256_mulhi_epu16(v, _mm256_shuffle_epi8(mul, idx));

	mant = _mm256_and_si256(mant, _mm256_set1_epi16(0x0f));

	return _mm256_or_si256(_mm256_slli_epi16(seg, 4), mant);
}

static inline __m256i
ulaw_enc16(__m256i x)
{
	__m256i sgn = _mm256_srai_epi16(x, 15);
	/* |x| + bias as unsigned (-32768 gives 0x8084), clipped to the top
	 * of segment 7: the scalar's seg >= 8 case gives the same 0x7f */
	__m256i v = _mm256_min_epu16(_mm256_add_epi16(_mm256_abs_epi16(x),
			_mm256_set1_epi16(0x84)), _mm256_set1_epi16(0x7fff));
	__m256i mask = _mm256_xor_si256(_mm256_set1_epi16(0xff),
			_mm256_and_si256(sgn, _mm256_set1_epi16(0x80)));

	return _mm256_xor_si256(seg_mant16(v, lut16(ulaw_mul)), mask);
}

static inline __m256i
alaw_enc16(__m256i x)
{
	__m256i sgn = _mm256_srai_epi16(x, 15);
	__m256i v = _mm256_xor_si256(x, sgn);	/* x < 0: -x - 1 */
	__m256i mask = _mm256_xor_si256(_mm256_set1_epi16(0xd5),
			_mm256_and_si256(sgn, _mm256_set1_epi16(0x80)));

	return _mm256_xor_si256(seg_mant16(v, lut16(alaw_mul)), mask);
}

static inline __m256i
pack32(__m256i a, __m256i b)
{
	return _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xd8);
}

static void
ulaw_dec_avx2(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i c = _mm256_loadu_si256((const void *)(src + i));

		_mm256_storeu_si256((void *)(dst + i),
				    ulaw_dec16(_mm256_castsi256_si128(c)));
		_mm256_storeu_si256((void *)(dst + i + 16),
				    ulaw_dec16(_mm256_extracti128_si256(c, 1)));
	}
	dp_g711_kern_scalar.dec[DP_LAW_ULAW](dst + i, src + i, n - i);
}

static void
alaw_dec_avx2(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i c = _mm256_loadu_si256((const void *)(src + i));

		_mm256_storeu_si256((void *)(dst + i),
				    alaw_dec16(_mm256_castsi256_si128(c)));
		_mm256_storeu_si256((void *)(dst + i + 16),
				    alaw_dec16(_mm256_extracti128_si256(c, 1)));
	}
	dp_g711_kern_scalar.dec[DP_LAW_ALAW](dst + i, src + i, n - i);
}

static void
ulaw_enc_avx2(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i a = _mm256_loadu_si256((const void *)(src + i));
		__m256i b = _mm256_loadu_si256((const void *)(src + i + 16));

		_mm256_storeu_si256((void *)(dst + i),
				    pack32(ulaw_enc16(a), ulaw_enc16(b)));
	}
	dp_g711_kern_scalar.enc[DP_LAW_ULAW](dst + i, src + i, n - i);
}

static void
alaw_enc_avx2(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i a = _mm256_loadu_si256((const void *)(src + i));
		__m256i b = _mm256_loadu_si256((const void *)(src + i + 16));

		_mm256_storeu_si256((void *)(dst + i),
				    pack32(alaw_enc16(a), alaw_enc16(b)));
	}
	dp_g711_kern_scalar.enc[DP_LAW_ALAW](dst + i, src + i, n - i);
}

/* Decode and sum the squares: pairs from vpmaddwd (up to 2^31, exact as
 * unsigned) split into 64-bit lanes without a cross-lane shuffle. */
static inline __m256i
sq_acc(__m256i acc, __m256i v)
{
	__m256i p = _mm256_madd_epi16(v, v);

	acc = _mm256_add_epi64(acc, _mm256_and_si256(p,
				_mm256_set1_epi64x(0xffffffff)));
	return _mm256_add_epi64(acc, _mm256_srli_epi64(p, 32));
}

static inline uint64_t
hsum64(__m256i acc)
{
	uint64_t l[4];

	_mm256_storeu_si256((void *)l, acc);
	return l[0] + l[1] + l[2] + l[3];
}

static uint64_t
ulaw_dec_energy_avx2(int16_t *restrict dst, const uint8_t *restrict src,
		     size_t n)
{
	__m256i acc = _mm256_setzero_si256();
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i c = _mm256_loadu_si256((const void *)(src + i));
		__m256i a = ulaw_dec16(_mm256_castsi256_si128(c));
		__m256i b = ulaw_dec16(_mm256_extracti128_si256(c, 1));

		_mm256_storeu_si256((void *)(dst + i), a);
		_mm256_storeu_si256((void *)(dst + i + 16), b);
		acc = sq_acc(sq_acc(acc, a), b);
	}
	return hsum64(acc) + dp_g711_kern_scalar.dec_energy[DP_LAW_ULAW](
		dst + i, src + i, n - i);
}

static uint64_t
alaw_dec_energy_avx2(int16_t *restrict dst, const uint8_t *restrict src,
		     size_t n)
{
	__m256i acc = _mm256_setzero_si256();
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i c = _mm256_loadu_si256((const void *)(src + i));
		__m256i a = alaw_dec16(_mm256_castsi256_si128(c));
		__m256i b = alaw_dec16(_mm256_extracti128_si256(c, 1));

		_mm256_storeu_si256((void *)(dst + i), a);
		_mm256_storeu_si256((void *)(dst + i + 16), b);
		acc = sq_acc(sq_acc(acc, a), b);
	}
	return hsum64(acc) + dp_g711_kern_scalar.dec_energy[DP_LAW_ALAW](
		dst + i, src + i, n - i);
}

/* The 16 samples of v from sample i (i % 16 == 0) into a pair-order
 * accumulator (mix_kern.h): the even ones as 8 int32, the odd ones 16
 * entries on, two shifts and no shuffle. */
static inline void
acc_add16(int32_t *acc, size_t i, __m256i v)
{
	int32_t *p = acc + dp_mix_pair_at(i);
	__m256i a = _mm256_loadu_si256((const void *)p);
	__m256i b = _mm256_loadu_si256((const void *)(p + 16));

	_mm256_storeu_si256((void *)p, _mm256_add_epi32(a,
						       dp_mix_even32_256(v)));
	_mm256_storeu_si256((void *)(p + 16), _mm256_add_epi32(b,
		dp_mix_odd32_256(v)));
}

/* Decode, sum the squares and add into the mixer's accumulator, one pass;
 * law is a compile-time constant. */
static inline __attribute__((always_inline)) uint64_t
dec_energy_acc(enum dp_law law, int16_t *restrict dst, int32_t *restrict acc,
	       const uint8_t *restrict src, size_t n)
{
	__m256i e = _mm256_setzero_si256();
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m128i c = _mm_loadu_si128((const void *)(src + i));
		__m256i v = law == DP_LAW_ULAW ? ulaw_dec16(c) : alaw_dec16(c);

		_mm256_storeu_si256((void *)(dst + i), v);
		acc_add16(acc, i, v);
		e = sq_acc(e, v);
	}
	return hsum64(e) + dp_g711_dec_acc_tail(law, dst, acc, src, i, n);
}

/* saturate16(saturate16(lo - own) + hi) of 16 samples. */
static inline __m256i
sub_sat16(const int16_t *lo, const int16_t *hi, const int16_t *own)
{
	return dp_mix_sub2_256(_mm256_loadu_si256((const void *)lo),
			       _mm256_loadu_si256((const void *)hi),
			       _mm256_loadu_si256((const void *)own));
}

/* Personal mix straight to codes, 32 samples per step. */
static inline __attribute__((always_inline)) void
sub_sat_enc(enum dp_law law, uint8_t *restrict dst,
	    const int16_t *restrict lo, const int16_t *restrict hi,
	    const int16_t *restrict own, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i a = sub_sat16(lo + i, hi + i, own + i);
		__m256i b = sub_sat16(lo + i + 16, hi + i + 16, own + i + 16);

		_mm256_storeu_si256((void *)(dst + i), law == DP_LAW_ULAW ?
			pack32(ulaw_enc16(a), ulaw_enc16(b)) :
			pack32(alaw_enc16(a), alaw_enc16(b)));
	}
	if (i < n)
		dp_g711_kern_scalar.sub_sat_enc[law](dst + i, lo + i, hi + i,
						     own + i, n - i);
}

DP_G711_FUSED(avx2)

const struct dp_g711_kern dp_g711_kern_avx2 = {
	.dec = { ulaw_dec_avx2, alaw_dec_avx2 },
	.enc = { ulaw_enc_avx2, alaw_enc_avx2 },
	.dec_energy = { ulaw_dec_energy_avx2, alaw_dec_energy_avx2 },
	DP_G711_FUSED_FIELDS(avx2),
};
