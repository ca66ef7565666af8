/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * g711_avx512vbmi.c: the G.711 encoders and the mixer's fused kernels of
 * the AVX-512 table's VBMI variant (dp_g711_kern_avx512vbmi, defined in
 * g711_avx512.c with that file's decoders), bit-exact with the scalar
 * reference in g711.c for every input. Built into its own library with the
 * AVX-512 c_args plus -mavx512vbmi -mavx512vnni;
 * dp_g711_kern_for(DP_SIMD_AVX512) picks the variant only if
 * dp_simd_cpu_has_vbmi() (VBMI and VNNI). Media library, hot path, any
 * thread.
 *
 * VBMI's byte permute across two registers (vpermi2b) looks up a
 * 128-entry byte table: the shift that leaves the mantissa and the bits
 * that turn it into the code, both indexed by the magnitude's high byte,
 * in place of the segment search: 10 instead of 19 instructions for 32
 * samples. 64 samples per loop step, the rest in masked steps of 32
 * (never past n). Per 160 samples, best of 300 runs over 200 frames
 * (rdtsc, a Sapphire Rapids class Xeon whose sibling vCPU was busy):
 * encode 41 against 55 TSC ticks, sub_sat_enc 72 against 82. Decoders
 * from such lookups (the low and high byte of the magnitude, by the code's
 * low seven bits) were slower than computing (g711_avx512.c), so there
 * are none: 38 against 34 (unpacking two lookups), 37 against 31 and for
 * dec_energy_acc 80 against 67 (two lookups into a word holding the code
 * twice, vpermi2b keeping the index where masked off).
 */
#include "g711_avx512_dec.h"

/*
 * Tables indexed by h = v >> 8 of the magnitude v (biased by 0x84 for
 * mu-law, -x - 1 for negative A-law), so by the segment s = bit length of
 * h: the shift s + 3 (A-law segment 0: 4) leaves 16 + mantissa (A-law
 * segment 0: the mantissa), and xoring (s << 4) ^ 16 (A-law segment 0: 0)
 * turns that into the code; the negative sign's mask (0x7f, 0x55) is
 * folded in, the positive sign adds 0x80.
 */
#define BY_SEGMENT(f)							\
	{ [0] = f(0), [1] = f(1), [2 ... 3] = f(2), [4 ... 7] = f(3),	\
	  [8 ... 15] = f(4), [16 ... 31] = f(5), [32 ... 63] = f(6),	\
	  [64 ... 127] = f(7) }
#define ULAW_SHIFT(s)	((s) + 3)
#define ULAW_XOR(s)	((16 ^ ((s) << 4)) ^ 0x7f)
#define ALAW_SHIFT(s)	((s) ? (s) + 3 : 4)
#define ALAW_XOR(s)	(((s) ? 16 ^ ((s) << 4) : 0) ^ 0x55)

static const uint8_t ulaw_enc_shift[128] __attribute__((aligned(64))) =
	BY_SEGMENT(ULAW_SHIFT);
static const uint8_t ulaw_enc_xor[128] __attribute__((aligned(64))) =
	BY_SEGMENT(ULAW_XOR);
static const uint8_t alaw_enc_shift[128] __attribute__((aligned(64))) =
	BY_SEGMENT(ALAW_SHIFT);
static const uint8_t alaw_enc_xor[128] __attribute__((aligned(64))) =
	BY_SEGMENT(ALAW_XOR);

/* A law's two 128-byte tables, four registers, loaded once per call. */
struct tabs {
	__m512i a0, a1, b0, b1;
};

static inline __attribute__((always_inline)) struct tabs
tabs_load(const uint8_t *a, const uint8_t *b)
{
	return (struct tabs){
		_mm512_load_si512(a), _mm512_load_si512(a + 64),
		_mm512_load_si512(b), _mm512_load_si512(b + 64),
	};
}

static inline __attribute__((always_inline)) struct tabs
enc_tabs(enum dp_law law)
{
	return law == DP_LAW_ULAW ? tabs_load(ulaw_enc_shift, ulaw_enc_xor) :
				    tabs_load(alaw_enc_shift, alaw_enc_xor);
}

/* 32 samples to 32 codes, one per 16-bit lane (0..255), in order. */
static inline __attribute__((always_inline)) __m512i
enc32(enum dp_law law, __m512i x, const struct tabs *t)
{
	const __mmask64 even = 0x5555555555555555ull;	/* low bytes */
	__m512i sgn = _mm512_srai_epi16(x, 15);
	/* 0x80 for x >= 0: the positive sign's bit */
	__m512i pos = _mm512_andnot_si512(sgn, _mm512_set1_epi16(0x80));
	__m512i v, h;

	if (law == DP_LAW_ULAW)	/* -32768: 0x8084 as unsigned, clipped */
		v = _mm512_min_epu16(_mm512_add_epi16(_mm512_abs_epi16(x),
			_mm512_set1_epi16(0x84)), _mm512_set1_epi16(0x7fff));
	else			/* x < 0: -x - 1 */
		v = _mm512_xor_si512(x, sgn);
	h = _mm512_srli_epi16(v, 8);
	/* (v >> shift) ^ xor ^ pos */
	return _mm512_ternarylogic_epi32(_mm512_srlv_epi16(v,
		_mm512_maskz_permutex2var_epi8(even, t->a0, h, t->a1)),
		_mm512_maskz_permutex2var_epi8(even, t->b0, h, t->b1), pos,
		0x96);
}

/* Two enc32() results to 64 code bytes, in order. */
static inline __m512i
pack64(__m512i a, __m512i b)
{
	return _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3,
							  5, 7),
					_mm512_packus_epi16(a, b));
}

/* The mask of the next min(n - i, 32) samples. */
static inline __mmask32
tail32(size_t n, size_t i)
{
	return (__mmask32)_bzhi_u32(~0u, (unsigned int)(n - i < 32 ? n - i :
								32));
}

/* The encoders: dst = encode(src), or with lo and hi, the personal mix
 * encode(saturate16(saturate16(lo - own) + hi)) (own is then src). */
static inline __attribute__((always_inline)) void
enc_worker(enum dp_law law, uint8_t *restrict dst, const int16_t *lo,
	   const int16_t *hi, const int16_t *restrict src, size_t n)
{
	const struct tabs t = enc_tabs(law);
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		__m512i x = lo != NULL ? sub2_32(lo + i, hi + i, src + i, ~0u) :
				_mm512_loadu_si512(src + i);
		__m512i y = lo != NULL ? sub2_32(lo + i + 32, hi + i + 32,
						 src + i + 32, ~0u) :
				_mm512_loadu_si512(src + i + 32);

		_mm512_storeu_si512(dst + i, pack64(enc32(law, x, &t),
						    enc32(law, y, &t)));
	}
	for (; i < n; i += 32) {
		__mmask32 k = tail32(n, i);
		__m512i x = lo != NULL ? sub2_32(lo + i, hi + i, src + i, k) :
				_mm512_maskz_loadu_epi16(k, src + i);

		_mm512_mask_cvtepi16_storeu_epi8(dst + i, k,
						 enc32(law, x, &t));
	}
}

/* The encoders, for the AVX-512 table's VBMI variant (g711_avx512.c). */
void
dp_g711_ulaw_enc_avx512vbmi(uint8_t *restrict dst, const int16_t *restrict src,
			    size_t n)
{
	enc_worker(DP_LAW_ULAW, dst, NULL, NULL, src, n);
}

void
dp_g711_alaw_enc_avx512vbmi(uint8_t *restrict dst, const int16_t *restrict src,
			    size_t n)
{
	enc_worker(DP_LAW_ALAW, dst, NULL, NULL, src, n);
}

void
dp_g711_ulaw_sub_sat_enc_avx512vbmi(uint8_t *restrict dst,
				    const int16_t *restrict lo,
				    const int16_t *restrict hi,
				    const int16_t *restrict own, size_t n)
{
	enc_worker(DP_LAW_ULAW, dst, lo, hi, own, n);
}

void
dp_g711_alaw_sub_sat_enc_avx512vbmi(uint8_t *restrict dst,
				    const int16_t *restrict lo,
				    const int16_t *restrict hi,
				    const int16_t *restrict own, size_t n)
{
	enc_worker(DP_LAW_ALAW, dst, lo, hi, own, n);
}

/* The fused decoder with VNNI (g711_avx512_dec.h). */
uint64_t
dp_g711_ulaw_dec_energy_acc_avx512vbmi(int16_t *restrict dst,
				       int32_t *restrict acc,
				       const uint8_t *restrict src, size_t n)
{
	return dec_energy_acc(DP_LAW_ULAW, dst, acc, src, n);
}

uint64_t
dp_g711_alaw_dec_energy_acc_avx512vbmi(int16_t *restrict dst,
				       int32_t *restrict acc,
				       const uint8_t *restrict src, size_t n)
{
	return dec_energy_acc(DP_LAW_ALAW, dst, acc, src, n);
}
