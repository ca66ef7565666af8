/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * l16_kern.h: the per-ISA L16 converter tables, private to l16*.c. Each
 * SIMD file (l16_avx2.c, l16_avx512.c) defines its table and is built as
 * its own static library with that ISA's c_args.
 */
#ifndef TUTTI_DP_L16_KERN_H
#define TUTTI_DP_L16_KERN_H

#include "l16.h"

extern const struct dp_l16_kern dp_l16_kern_scalar;
extern const struct dp_l16_kern dp_l16_kern_avx2;
extern const struct dp_l16_kern dp_l16_kern_avx512;

#endif /* TUTTI_DP_L16_KERN_H */
