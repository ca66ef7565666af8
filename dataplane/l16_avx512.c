/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * l16_avx512.c: the AVX-512 (F+BW) L16 converters (dp_l16_kern_avx512),
 * bit-exact with the scalar ones in l16.c. Built only into the
 * dp_media_avx512 library with its ISA's c_args; chosen at run time by
 * dp_l16_kern_for(). Media library, hot path, any thread. Both directions
 * are the same byte swap within each 16-bit lane (one vpshufb), 32 samples
 * per step, then one 16-sample ymm step, the rest scalar: the ymm step
 * keeps 44.1 kHz frames (882 = 27 * 32 + 18) from a long scalar tail.
 */
#include <immintrin.h>

#include "l16_kern.h"

#define STEP	32	/* samples per loop iteration: one zmm */
#define HALF	16	/* one ymm step before the scalar tail */

static const uint8_t swap16[16] = {
	1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14,
};

static inline __m512i
bswap16(__m512i v)
{
	return _mm512_shuffle_epi8(v,
		_mm512_broadcast_i32x4(_mm_loadu_si128((const void *)swap16)));
}

static inline __m256i
bswap16_half(__m256i v)
{
	return _mm256_shuffle_epi8(v, _mm256_broadcastsi128_si256(
			_mm_loadu_si128((const void *)swap16)));
}

static void
dec_avx512(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP)
		_mm512_storeu_si512(dst + i,
				    bswap16(_mm512_loadu_si512(src + 2 * i)));
	if (i + HALF <= n) {
		_mm256_storeu_si256((void *)(dst + i), bswap16_half(
			_mm256_loadu_si256((const void *)(src + 2 * i))));
		i += HALF;
	}
	dp_l16_kern_scalar.dec(dst + i, src + 2 * i, n - i);
}

static void
enc_avx512(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + STEP <= n; i += STEP)
		_mm512_storeu_si512(dst + 2 * i,
				    bswap16(_mm512_loadu_si512(src + i)));
	if (i + HALF <= n) {
		_mm256_storeu_si256((void *)(dst + 2 * i), bswap16_half(
			_mm256_loadu_si256((const void *)(src + i))));
		i += HALF;
	}
	dp_l16_kern_scalar.enc(dst + 2 * i, src + i, n - i);
}

const struct dp_l16_kern dp_l16_kern_avx512 = {
	.dec = dec_avx512,
	.enc = enc_avx512,
};
