/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * compiler.h: attribute and hint macros shared by both processes. No DPDK:
 * the data plane may use DPDK's equivalents; these exist so that shared/ and
 * the control plane need none.
 */
#ifndef TUTTI_COMPILER_H
#define TUTTI_COMPILER_H

#define TUTTI_CACHE_LINE	64	/* bytes */

#include <stddef.h>

/* n bytes rounded up to whole cache lines. */
static inline size_t
tutti_lines_of(size_t n)
{
	return (n + TUTTI_CACHE_LINE - 1) & ~(size_t)(TUTTI_CACHE_LINE - 1);
}

/*
 * C99 restrict in prototypes that C++ code (the bench shim, header checks)
 * also reads: C++ spells it __restrict__.
 */
#if defined(__cplusplus) && !defined(restrict)
#define restrict __restrict__
#endif

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

/*
 * Ask for the cache line at p (all levels). Inline asm, as DPDK's
 * rte_prefetch0: GCC 12 at -O2 finds a static inline function made only of
 * __builtin_prefetch() calls free of side effects and, when it does not
 * inline it early (six prefetches are enough), deletes the call, so such a
 * helper silently did nothing.
 */
static inline __attribute__((always_inline)) void
tutti_prefetch(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const volatile char *)p));
#else
	__builtin_prefetch(p);
#endif
}

/* FNV-1a of the string s, continuing from h (TUTTI_FNV1A_INIT to start):
 * the hash of the control plane's tables of names and branches. */
#define TUTTI_FNV1A_INIT	2166136261u

static inline unsigned int
tutti_fnv1a(unsigned int h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

#define DP_HOT		__attribute__((hot))
#define DP_COLD		__attribute__((cold, noinline))
#define TUTTI_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define TUTTI_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* TUTTI_COMPILER_H */
