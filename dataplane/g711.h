/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * g711.h: G.711 mu-law (PCMU) and A-law (PCMA) block codecs. Bit-exact with
 * ITU-T G.711 as SpanDSP implements it (tests/test_g711.c checks all 256
 * codes and all 65,536 linear inputs against SpanDSP). Dispatched once to
 * the ISA chosen by dp_simd_select(). Media library, no DPDK; callable on
 * any thread, hot path (no allocation, no locks).
 */
#ifndef TUTTI_DP_G711_H
#define TUTTI_DP_G711_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "simd.h"


#ifdef __cplusplus
extern "C" {
#endif

enum dp_law {
	DP_LAW_ULAW = 0,	/* PCMU */
	DP_LAW_ALAW = 1,	/* PCMA */
};

/*
 * Decode n codes from src into n linear samples at dst. Any n >= 0, no
 * alignment required; src and dst must not overlap.
 */
void dp_g711_decode(enum dp_law law, int16_t *restrict dst,
		    const uint8_t *restrict src, size_t n);

/* Encode n linear samples from src into n codes at dst. As for decode. */
void dp_g711_encode(enum dp_law law, uint8_t *restrict dst,
		    const int16_t *restrict src, size_t n);

/* One sample, scalar: the reference every block kernel matches. */
uint8_t dp_g711_lin2ulaw(int16_t linear);
int16_t dp_g711_ulaw2lin(uint8_t code);
uint8_t dp_g711_lin2alaw(int16_t linear);
int16_t dp_g711_alaw2lin(uint8_t code);

/* A block kernel: fixed law, one ISA. */
typedef void (*dp_g711_dec_fn)(int16_t *restrict dst,
			       const uint8_t *restrict src, size_t n);
typedef void (*dp_g711_enc_fn)(uint8_t *restrict dst,
			       const int16_t *restrict src, size_t n);

/* Decode as dp_g711_dec_fn and return the sum of the squared samples
 * (exact): the mixer's decode and energy in one pass. */
typedef uint64_t (*dp_g711_dec_energy_fn)(int16_t *restrict dst,
					  const uint8_t *restrict src,
					  size_t n);

/* Decode as dp_g711_dec_energy_fn and also add every sample into the
 * mixer's int32 accumulator, in its pair order (mix_kern.h):
 * acc[dp_mix_pair_at(i)] += dst[i]. One pass over a frame that is certain
 * to be mixed (dst is still written: it is the leg's own voice, removed
 * again from its personal mix). */
typedef uint64_t (*dp_g711_dec_acc_fn)(int16_t *restrict dst,
				       int32_t *restrict acc,
				       const uint8_t *restrict src, size_t n);

/* dst[i] = encode(saturate16(saturate16(lo[i] - own[i]) + hi[i])), which
 * is encode(saturate16(S - own)) for the sum S that lo and hi split
 * (dp_mix_split() in mix_kern.h): a personal mix, one clip, straight into
 * payload codes, no int16 buffer in between. */
typedef void (*dp_g711_sub_enc_fn)(uint8_t *restrict dst,
				   const int16_t *restrict lo,
				   const int16_t *restrict hi,
				   const int16_t *restrict own, size_t n);

struct dp_g711_kern {
	dp_g711_dec_fn dec[2];	/* [enum dp_law] */
	dp_g711_enc_fn enc[2];
	dp_g711_dec_energy_fn dec_energy[2];
	dp_g711_dec_acc_fn dec_energy_acc[2];
	dp_g711_sub_enc_fn sub_sat_enc[2];
};

/*
 * The kernel table of an ISA, or NULL if this build lacks it. For tests and
 * benchmarks that compare ISAs side by side; everyone else calls
 * dp_g711_decode()/_encode().
 */
const struct dp_g711_kern *dp_g711_kern_for(enum dp_simd isa);

/*
 * As dp_g711_kern_for(), choosing the AVX-512 table with (vbmi) or without
 * the VBMI kernels whatever this CPU has: NULL if this build lacks it, or
 * for vbmi with another ISA. dp_g711_kern_for(DP_SIMD_AVX512) is the VBMI
 * table when dp_simd_cpu_has_vbmi(). For tests and benchmarks.
 */
const struct dp_g711_kern *dp_g711_kern_variant(enum dp_simd isa, bool vbmi);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_G711_H */
