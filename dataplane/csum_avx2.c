/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum_avx2.c: the ones' complement sum with AVX2 (csum.h): 32 bytes a
 * step, each 64-bit lane adding its two 32-bit words (2^32 is 1 modulo
 * 0xffff, so 32-bit words sum as their 16-bit halves do), no carries to
 * chase: a lane takes 2^27 steps (4 GB) before it could overflow.
 */
#include <immintrin.h>

#include "csum_kern.h"

uint64_t
dp_csum_avx2(const void *buf, uint32_t len, uint64_t acc)
{
	const uint8_t *p = buf;
	const __m256i lo32 = _mm256_set1_epi64x(0xffffffffLL);
	__m256i s = _mm256_setzero_si256();
	__m128i h;
	uint64_t x;

	while (len >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);

		s = _mm256_add_epi64(s, _mm256_and_si256(v, lo32));
		s = _mm256_add_epi64(s, _mm256_srli_epi64(v, 32));
		p += 32;
		len -= 32;
	}
	h = _mm_add_epi64(_mm256_castsi256_si128(s),
			  _mm256_extracti128_si256(s, 1));
	if (len >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

		h = _mm_add_epi64(h, _mm_and_si128(v, _mm256_castsi256_si128(
							       lo32)));
		h = _mm_add_epi64(h, _mm_srli_epi64(v, 32));
		p += 16;
		len -= 16;
	}
	x = (uint64_t)_mm_cvtsi128_si64(h) +
	    (uint64_t)_mm_extract_epi64(h, 1);
	if (len >= 8) {
		uint64_t q;

		memcpy(&q, p, 8);
		x += (q & 0xffffffffu) + (q >> 32);
		p += 8;
		len -= 8;
	}
	return csum_finish(acc, x, p, len);
}
