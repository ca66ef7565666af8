/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * g711_avx512.c: the AVX-512 (F+BW+DQ+VL) G.711 block kernels
 * (dp_g711_kern_avx512), bit-exact with the scalar reference in g711.c for
 * every input. Built only into the dp_media_avx512 library with the AVX-512
 * c_args; chosen at run time by dp_g711_kern_for(). Media library, hot
 * path, any thread.
 *
 * As the AVX2 kernels, but 32 samples per zmm and AVX-512BW's per-lane
 * 16-bit shifts (vpsllvw/vpsrlvw) replace the multiply tricks; signs are
 * applied with mask registers. Decode computes rather than gathers from a
 * 256-entry LUT: 0.06 vs 0.86 TSC ticks/sample (mu-law, 1600 samples,
 * best-of rdtsc loop on an AMD EPYC; figures in the commit that added this
 * file). bench_g711 g711/ulaw_dec/avx512/1600 on the same machine: about
 * 40x SpanDSP's ulaw_to_linear() loop.
 * 32 samples per step, the rest through the scalar reference. The
 * decoders and the mixer's fused decode + energy + accumulate are in
 * g711_avx512_dec.h, shared with the VBMI + VNNI variant.
 */
#include <immintrin.h>

#include "g711_avx512_dec.h"

/* The same 16 bytes in all four 128-bit lanes, as vpshufb wants. */
static inline __m512i
lut16(const uint8_t t[16])
{
	return _mm512_broadcast_i32x4(_mm_loadu_si128((const void *)t));
}

/* Bit length of a nibble; of a high nibble plus 4 (0 stays 0). */
static const uint8_t bitlen_lo[16] = { 0, 1, 2, 2, 3, 3, 3, 3,
				       4, 4, 4, 4, 4, 4, 4, 4 };
static const uint8_t bitlen_hi[16] = { 0, 5, 6, 6, 7, 7, 7, 7,
				       8, 8, 8, 8, 8, 8, 8, 8 };

/* Segment (0-7) of a magnitude v in 0..0x7fff: bit length of v >> 8. */
static inline __m512i
segment(__m512i v)
{
	__m512i hi = _mm512_srli_epi16(v, 8);

	return _mm512_max_epu8(
		_mm512_shuffle_epi8(lut16(bitlen_lo),
			_mm512_and_si512(hi, _mm512_set1_epi16(0x0f))),
		_mm512_shuffle_epi8(lut16(bitlen_hi),
			_mm512_srli_epi16(hi, 4)));
}

static inline __m256i
ulaw_enc32(__m512i x)
{
	__mmask32 neg = _mm512_movepi16_mask(x);
	/* |x| + bias as unsigned (-32768 gives 0x8084), clipped to the top
	 * of segment 7: the scalar's seg >= 8 case gives the same 0x7f */
	__m512i v = _mm512_min_epu16(_mm512_add_epi16(_mm512_abs_epi16(x),
			_mm512_set1_epi16(0x84)), _mm512_set1_epi16(0x7fff));
	__m512i seg = segment(v);
	__m512i mant = _mm512_and_si512(_mm512_srlv_epi16(v,
			_mm512_add_epi16(seg, _mm512_set1_epi16(3))),
			_mm512_set1_epi16(0x0f));
	__m512i mask = _mm512_mask_blend_epi16(neg, _mm512_set1_epi16(0xff),
					       _mm512_set1_epi16(0x7f));

	return _mm512_cvtepi16_epi8(_mm512_xor_si512(_mm512_or_si512(
			_mm512_slli_epi16(seg, 4), mant), mask));
}

static inline __m256i
alaw_enc32(__m512i x)
{
	__mmask32 neg = _mm512_movepi16_mask(x);
	__m512i v = _mm512_xor_si512(x, _mm512_srai_epi16(x, 15));
	__m512i seg = segment(v);
	/* mantissa at seg + 3, but at 4 in segment 0 */
	__m512i mant = _mm512_and_si512(_mm512_srlv_epi16(v, _mm512_max_epu16(
			_mm512_add_epi16(seg, _mm512_set1_epi16(3)),
			_mm512_set1_epi16(4))), _mm512_set1_epi16(0x0f));
	__m512i mask = _mm512_mask_blend_epi16(neg, _mm512_set1_epi16(0xd5),
					       _mm512_set1_epi16(0x55));

	return _mm512_cvtepi16_epi8(_mm512_xor_si512(_mm512_or_si512(
			_mm512_slli_epi16(seg, 4), mant), mask));
}

static void
ulaw_dec_avx512(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i c = _mm256_loadu_si256((const void *)(src + i));

		_mm512_storeu_si512(dst + i, ulaw_dec32(c));
	}
	dp_g711_kern_scalar.dec[DP_LAW_ULAW](dst + i, src + i, n - i);
}

static void
alaw_dec_avx512(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m256i c = _mm256_loadu_si256((const void *)(src + i));

		_mm512_storeu_si512(dst + i, alaw_dec32(c));
	}
	dp_g711_kern_scalar.dec[DP_LAW_ALAW](dst + i, src + i, n - i);
}

static void
ulaw_enc_avx512(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		_mm256_storeu_si256((void *)(dst + i),
				    ulaw_enc32(_mm512_loadu_si512(src + i)));
	}
	dp_g711_kern_scalar.enc[DP_LAW_ULAW](dst + i, src + i, n - i);
}

static void
alaw_enc_avx512(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		_mm256_storeu_si256((void *)(dst + i),
				    alaw_enc32(_mm512_loadu_si512(src + i)));
	}
	dp_g711_kern_scalar.enc[DP_LAW_ALAW](dst + i, src + i, n - i);
}

static uint64_t
ulaw_dec_energy_avx512(int16_t *restrict dst, const uint8_t *restrict src,
		       size_t n)
{
	__m512i acc = _mm512_setzero_si512();
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m512i v = ulaw_dec32(_mm256_loadu_si256(
			(const void *)(src + i)));

		_mm512_storeu_si512(dst + i, v);
		acc = sq_acc(acc, v);
	}
	return (uint64_t)_mm512_reduce_add_epi64(acc) +
	       dp_g711_kern_scalar.dec_energy[DP_LAW_ULAW](dst + i, src + i,
							   n - i);
}

static uint64_t
alaw_dec_energy_avx512(int16_t *restrict dst, const uint8_t *restrict src,
		       size_t n)
{
	__m512i acc = _mm512_setzero_si512();
	size_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		__m512i v = alaw_dec32(_mm256_loadu_si256(
			(const void *)(src + i)));

		_mm512_storeu_si512(dst + i, v);
		acc = sq_acc(acc, v);
	}
	return (uint64_t)_mm512_reduce_add_epi64(acc) +
	       dp_g711_kern_scalar.dec_energy[DP_LAW_ALAW](dst + i, src + i,
							   n - i);
}

/* Personal mix straight to codes, 32 samples per step; the last, partial
 * step with masked loads and a masked store (never past n). */
static inline __attribute__((always_inline)) void
sub_sat_enc(enum dp_law law, uint8_t *restrict dst,
	    const int16_t *restrict lo, const int16_t *restrict hi,
	    const int16_t *restrict own, size_t n)
{
	for (size_t i = 0; i < n; i += STEP) {
		__mmask32 k = (__mmask32)_bzhi_u32(~0u, (unsigned int)(n - i <
							STEP ? n - i : STEP));
		__m512i x = sub2_32(lo + i, hi + i, own + i, k);

		_mm256_mask_storeu_epi8(dst + i, k, law == DP_LAW_ULAW ?
					ulaw_enc32(x) : alaw_enc32(x));
	}
}

DP_G711_FUSED(avx512)

const struct dp_g711_kern dp_g711_kern_avx512 = {
	.dec = { ulaw_dec_avx512, alaw_dec_avx512 },
	.enc = { ulaw_enc_avx512, alaw_enc_avx512 },
	.dec_energy = { ulaw_dec_energy_avx512, alaw_dec_energy_avx512 },
	DP_G711_FUSED_FIELDS(avx512),
};

#ifdef TUTTI_BUILD_AVX512_VBMI
/* With VBMI and VNNI: the encoders and the fused kernels of
 * g711_avx512vbmi.c, the plain decoders above. */
const struct dp_g711_kern dp_g711_kern_avx512vbmi = {
	.dec = { ulaw_dec_avx512, alaw_dec_avx512 },
	.enc = { dp_g711_ulaw_enc_avx512vbmi, dp_g711_alaw_enc_avx512vbmi },
	.dec_energy = { ulaw_dec_energy_avx512, alaw_dec_energy_avx512 },
	.dec_energy_acc = { dp_g711_ulaw_dec_energy_acc_avx512vbmi,
			    dp_g711_alaw_dec_energy_acc_avx512vbmi },
	.sub_sat_enc = { dp_g711_ulaw_sub_sat_enc_avx512vbmi,
			 dp_g711_alaw_sub_sat_enc_avx512vbmi },
};
#endif
