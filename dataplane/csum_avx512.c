/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum_avx512.c: the ones' complement sum with AVX-512 (csum.h): as the
 * AVX2 one, 64 bytes a step, and the last 1-63 bytes in one masked load
 * (AVX512BW), whose bytes past the end read as zeros and never fault: an
 * odd last byte comes padded as the reference pads it.
 */
#include <immintrin.h>

#include "csum_kern.h"

uint64_t
dp_csum_avx512(const void *buf, uint32_t len, uint64_t acc)
{
	const uint8_t *p = buf;
	const __m512i lo32 = _mm512_set1_epi64(0xffffffffLL);
	__m512i s = _mm512_setzero_si512();
	__m512i v;

	while (len >= 64) {
		v = _mm512_loadu_si512((const void *)p);
		s = _mm512_add_epi64(s, _mm512_and_si512(v, lo32));
		s = _mm512_add_epi64(s, _mm512_srli_epi64(v, 32));
		p += 64;
		len -= 64;
	}
	if (len != 0) {
		v = _mm512_maskz_loadu_epi8(_bzhi_u64(~0ULL, len),
					    (const void *)p);
		s = _mm512_add_epi64(s, _mm512_and_si512(v, lo32));
		s = _mm512_add_epi64(s, _mm512_srli_epi64(v, 32));
	}
	return csum_finish(acc, (uint64_t)_mm512_reduce_add_epi64(s), p, 0);
}
