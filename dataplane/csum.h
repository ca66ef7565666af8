/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum.h: the ones' complement sum under the Internet checksum (RFC 1071),
 * per ISA: a scalar reference (csum.c) and SIMD twins (csum_avx2.c,
 * csum_avx512.c) that give the same sum, bit for bit once folded. The
 * packet edge (net.c) sums through dp_csum(), which a process points at
 * the variant of its ISA once at start-up (dp_csum_use()); until then, and
 * in the fuzzers, the scalar one. Part of the packet edge, no DPDK.
 * dp_csum() is hot path (any thread); dp_csum_for() and dp_csum_use() are
 * cold (start-up, before the workers).
 */
#ifndef TUTTI_DP_CSUM_H
#define TUTTI_DP_CSUM_H

#include <stdint.h>

#include "simd.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The ones' complement sum of len bytes at p (16-bit words in memory byte
 * order, an odd last byte padded with a zero byte after it) added to acc,
 * unfolded: a value below 2^34 that is 0 only if acc and every byte are,
 * and otherwise congruent with the sum modulo 0xffff (2^16, 2^32 and 2^64
 * are all 1 modulo 0xffff), so that every variant folds (dp_net_fold()) to
 * the same 16 bits. Any acc, any len, any alignment.
 */
typedef uint64_t dp_csum_fn(const void *p, uint32_t len, uint64_t acc);

/* The reference: 64-bit words into 128-bit sums. */
uint64_t dp_csum_scalar(const void *p, uint32_t len, uint64_t acc);

/* The variant for isa, or NULL if this build has none (then the scalar
 * one serves). */
dp_csum_fn *dp_csum_for(enum dp_simd isa);

/* The variant dp_csum() calls from now on (NULL: the scalar one). Call
 * before any worker starts. */
void dp_csum_use(dp_csum_fn *fn);

/* The variant dp_csum() calls (as dp_csum_use() set it). */
extern dp_csum_fn *dp_csum_cur;

/* dp_csum_fn of the variant in use. Hot path. */
static inline uint64_t
dp_csum(const void *p, uint32_t len, uint64_t acc)
{
	return dp_csum_cur(p, len, acc);
}

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_CSUM_H */
