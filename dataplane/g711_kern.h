/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * g711_kern.h: the per-ISA G.711 kernel tables, private to g711*.c. Each
 * SIMD file (g711_avx2.c, g711_avx512.c) defines its table and is built as
 * its own static library with that ISA's c_args.
 */
#ifndef TUTTI_DP_G711_KERN_H
#define TUTTI_DP_G711_KERN_H

#include "g711.h"

extern const struct dp_g711_kern dp_g711_kern_scalar;
extern const struct dp_g711_kern dp_g711_kern_avx2;
extern const struct dp_g711_kern dp_g711_kern_avx512;

#endif /* TUTTI_DP_G711_KERN_H */
