/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * l16.h: L16 (RFC 3551 section 4.5.11) mono PCM: 16-bit two's-complement
 * samples in network (big-endian) byte order on the wire, host int16_t in
 * the mixer. Block converters dispatched once to the ISA chosen by
 * dp_simd_select(), plus the rates and frame sizes the focus accepts.
 * Media library, no DPDK; converters are hot path (any thread, no
 * allocation), the rate helpers cold path (leg add).
 */
#ifndef TUTTI_DP_L16_H
#define TUTTI_DP_L16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#include "simd.h"


#ifdef __cplusplus
extern "C" {
#endif

enum dp_l16_static {
	DP_L16_STATIC_PT = 11,		/* RFC 3551: L16/44100/1 */
	DP_L16_STATIC_RATE_HZ = 44100,
};

/*
 * Decode n big-endian samples (2 * n bytes) at src into n host samples at
 * dst. Any n >= 0, no alignment required; src and dst must not overlap.
 * Hot path, any thread.
 */
void dp_l16_decode(int16_t *restrict dst, const uint8_t *restrict src,
		   size_t n);

/* Encode n host samples at src into 2 * n big-endian bytes at dst. As for
 * decode. */
void dp_l16_encode(uint8_t *restrict dst, const int16_t *restrict src,
		   size_t n);

/* true if rate_hz is an L16 rate the focus accepts: 8000, 16000, 32000,
 * 44100 or 48000. Any thread. */
bool dp_l16_rate_is_supported(uint32_t rate_hz);

/*
 * Samples in one frame of ptime_ms at rate_hz (48000, 20 -> 960): the
 * count, or -EINVAL if the rate is not supported, ptime_ms is 0 or above
 * 200, or the frame would not be a whole number of samples (44100 Hz needs
 * a multiple of 10 ms). Cold path, any thread.
 */
int dp_l16_frame_samples(uint32_t rate_hz, unsigned int ptime_ms);

/* A block converter of one ISA. */
typedef void (*dp_l16_dec_fn)(int16_t *restrict dst,
			      const uint8_t *restrict src, size_t n);
typedef void (*dp_l16_enc_fn)(uint8_t *restrict dst,
			      const int16_t *restrict src, size_t n);

struct dp_l16_kern {
	dp_l16_dec_fn dec;
	dp_l16_enc_fn enc;
};

/*
 * The converter table of an ISA, or NULL if this build lacks it. For tests
 * and benchmarks that compare ISAs side by side; everyone else calls
 * dp_l16_decode()/_encode().
 */
const struct dp_l16_kern *dp_l16_kern_for(enum dp_simd isa);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_L16_H */
