/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum_kern.h: the per-ISA ones' complement sums, private to csum*.c. Each
 * SIMD file is built as its own static library with that ISA's c_args.
 */
#ifndef TUTTI_DP_CSUM_KERN_H
#define TUTTI_DP_CSUM_KERN_H

#include <stdint.h>
#include <string.h>

#include "csum.h"

uint64_t dp_csum_avx2(const void *p, uint32_t len, uint64_t acc);
uint64_t dp_csum_avx512(const void *p, uint32_t len, uint64_t acc);

/*
 * What the SIMD variants finish with: x (their lanes' total, below 2^63)
 * added to acc end-around (2^64 is 1 modulo 0xffff), brought below 2^33,
 * then the last len < 8 bytes at p as the reference adds them.
 */
static inline uint64_t
csum_finish(uint64_t acc, uint64_t x, const uint8_t *p, uint32_t len)
{
	uint32_t a;
	uint16_t w;

	acc += x;
	acc += acc < x;				/* end-around */
	acc = (acc & 0xffffffffu) + (acc >> 32);
	if (len >= 4) {
		memcpy(&a, p, 4);
		acc += a;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len != 0) {
		const uint8_t last[2] = { p[0], 0 }; /* pad with a zero */

		memcpy(&w, last, 2);
		acc += w;
	}
	return acc;
}

#endif /* TUTTI_DP_CSUM_KERN_H */
