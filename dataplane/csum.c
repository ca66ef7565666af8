/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum.c: the scalar ones' complement sum (the reference its SIMD twins
 * match) and the choice of the variant dp_csum() calls. See csum.h.
 */
#include "csum.h"

#include "csum_kern.h"

dp_csum_fn *dp_csum_cur = dp_csum_scalar;

/*
 * 64-bit words into 128-bit sums (an add and an add with carry a word; two
 * sums, so that their carry chains run side by side), folded back to 64
 * bits end-around, as 2^64 is 1 modulo 0xffff.
 */
uint64_t
dp_csum_scalar(const void *buf, uint32_t len, uint64_t acc)
{
	const uint8_t *p = buf;
	unsigned __int128 s0 = acc, s1 = 0;
	uint64_t x, y;

	while (len >= 16) {
		memcpy(&x, p, 8);
		memcpy(&y, p + 8, 8);
		s0 += x;
		s1 += y;
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		memcpy(&x, p, 8);
		s0 += x;
		p += 8;
		len -= 8;
	}
	s0 += s1;
	return csum_finish((uint64_t)s0, (uint64_t)(s0 >> 64), p, len);
}

dp_csum_fn *
dp_csum_for(enum dp_simd isa)
{
	switch (isa) {
	case DP_SIMD_SCALAR:
		return dp_csum_scalar;
#ifdef TUTTI_BUILD_AVX2_CSUM
	case DP_SIMD_AVX2:
		return dp_csum_avx2;
#endif
#ifdef TUTTI_BUILD_AVX512_CSUM
	case DP_SIMD_AVX512:
		return dp_csum_avx512;
#endif
	default:
		return NULL;
	}
}

void
dp_csum_use(dp_csum_fn *fn)
{
	dp_csum_cur = fn != NULL ? fn : dp_csum_scalar;
}
