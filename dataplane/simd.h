/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * simd.h: which SIMD instruction set the media kernels use. Detected once at
 * start-up from the CPU's flags; an operator (or a test) may force a lower
 * one. Every kernel family (g711, mix, ...) keeps its own table of function
 * pointers per ISA and picks it with dp_simd_active(). No DPDK: part of the
 * media library. Cold path.
 */
#ifndef TUTTI_DP_SIMD_H
#define TUTTI_DP_SIMD_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dp_simd {
	DP_SIMD_SCALAR = 0,	/* portable C: the reference, always there */
	DP_SIMD_AVX2 = 1,	/* AVX2 (x86-64-v3) */
	DP_SIMD_AVX512 = 2,	/* AVX-512 F+BW+DQ+VL (x86-64-v4) */
	DP_SIMD_MAX_ = 3,
};

/* true if this build has kernels for isa (meson option simd). */
bool dp_simd_built(enum dp_simd isa);

/* true if the CPU (and OS) can run isa. */
bool dp_simd_cpu_has(enum dp_simd isa);

/* true if the CPU has AVX-512 VBMI (byte permutes) and VNNI (dot
 * products) on top of DP_SIMD_AVX512, as every Intel CPU since Ice Lake
 * and AMD's since Zen 4: kernels with a VBMI variant pick it within that
 * ISA. */
bool dp_simd_cpu_has_vbmi(void);

/* The best ISA that is both built and supported by this CPU. */
enum dp_simd dp_simd_best(void);

/*
 * Choose the ISA the kernels use from now on: the best available, capped at
 * max. Returns the ISA chosen. Call once at start-up, before any kernel.
 */
enum dp_simd dp_simd_select(enum dp_simd max);

/* The ISA chosen by dp_simd_select() (dp_simd_best() if never called). */
enum dp_simd dp_simd_active(void);

/*
 * Parse "auto", "scalar", "avx2" or "avx512" (for --simd); auto means the
 * best available. Returns 0 or -EINVAL.
 */
int dp_simd_parse(const char *s, enum dp_simd *out);

/* "scalar", "avx2", "avx512". */
const char *dp_simd_name(enum dp_simd isa);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_SIMD_H */
