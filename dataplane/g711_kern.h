/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * g711_kern.h: the per-ISA G.711 kernel tables, private to g711*.c. Each
 * SIMD file (g711_avx2.c, g711_avx512.c) defines its table and is built as
 * its own static library with that ISA's c_args.
 */
#ifndef TUTTI_DP_G711_KERN_H
#define TUTTI_DP_G711_KERN_H

#include "g711.h"
#include "mix_kern.h"

/*
 * The per-law entry points of the mixer's fused kernels (g711.h), for a
 * file that defines the always_inline workers
 *   uint64_t dec_energy_acc(enum dp_law, int16_t *, int32_t *,
 *                           const uint8_t *, size_t) and
 *   void sub_sat_enc(enum dp_law, uint8_t *, const int16_t *,
 *                    const int16_t *, const int16_t *, size_t),
 * law a compile-time constant; DP_G711_FUSED_FIELDS(isa) fills its table.
 */
#define DP_G711_FUSED_PER_LAW(isa, law, l)				\
static uint64_t								\
l##_dec_energy_acc_##isa(int16_t *restrict dst, int32_t *restrict acc,	\
			 const uint8_t *restrict src, size_t n)		\
{									\
	return dec_energy_acc(law, dst, acc, src, n);			\
}									\
static void								\
l##_sub_sat_enc_##isa(uint8_t *restrict dst,				\
		      const int16_t *restrict lo,			\
		      const int16_t *restrict hi,			\
		      const int16_t *restrict own, size_t n)		\
{									\
	sub_sat_enc(law, dst, lo, hi, own, n);				\
}
#define DP_G711_FUSED(isa)						\
	DP_G711_FUSED_PER_LAW(isa, DP_LAW_ULAW, ulaw)			\
	DP_G711_FUSED_PER_LAW(isa, DP_LAW_ALAW, alaw)
#define DP_G711_FUSED_FIELDS(isa)					\
	.dec_energy_acc = { ulaw_dec_energy_acc_##isa,			\
			    alaw_dec_energy_acc_##isa },		\
	.sub_sat_enc = { ulaw_sub_sat_enc_##isa, alaw_sub_sat_enc_##isa }

/* Samples i..n-1 of dec_energy_acc, one at a time: the SIMD kernels'
 * tails, at their place in the pair-order accumulator. */
static inline __attribute__((always_inline)) uint64_t
dp_g711_dec_acc_tail(enum dp_law law, int16_t *restrict dst,
		     int32_t *restrict acc, const uint8_t *restrict src,
		     size_t i, size_t n)
{
	uint64_t e = 0;

	for (; i < n; i++) {
		int16_t v = law == DP_LAW_ULAW ? dp_g711_ulaw2lin(src[i]) :
				dp_g711_alaw2lin(src[i]);

		dst[i] = v;
		acc[dp_mix_pair_at(i)] += v;
		e += (uint64_t)((int32_t)v * v);
	}
	return e;
}

extern const struct dp_g711_kern dp_g711_kern_scalar;
extern const struct dp_g711_kern dp_g711_kern_avx2;
extern const struct dp_g711_kern dp_g711_kern_avx512;
extern const struct dp_g711_kern dp_g711_kern_avx512vbmi;

/* g711_avx512vbmi.c's encoders and fused kernels, for
 * dp_g711_kern_avx512vbmi. */
uint64_t dp_g711_ulaw_dec_energy_acc_avx512vbmi(int16_t *restrict dst,
						int32_t *restrict acc,
						const uint8_t *restrict src,
						size_t n);
uint64_t dp_g711_alaw_dec_energy_acc_avx512vbmi(int16_t *restrict dst,
						int32_t *restrict acc,
						const uint8_t *restrict src,
						size_t n);
void dp_g711_ulaw_enc_avx512vbmi(uint8_t *restrict dst,
				 const int16_t *restrict src, size_t n);
void dp_g711_alaw_enc_avx512vbmi(uint8_t *restrict dst,
				 const int16_t *restrict src, size_t n);
void dp_g711_ulaw_sub_sat_enc_avx512vbmi(uint8_t *restrict dst,
					 const int16_t *restrict lo,
					 const int16_t *restrict hi,
					 const int16_t *restrict own, size_t n);
void dp_g711_alaw_sub_sat_enc_avx512vbmi(uint8_t *restrict dst,
					 const int16_t *restrict lo,
					 const int16_t *restrict hi,
					 const int16_t *restrict own, size_t n);

#endif /* TUTTI_DP_G711_KERN_H */
