/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * resample.h: sample-rate conversion between a leg's rate and the
 * conference rate, one fixed-size frame per call, a thin wrapper over
 * speexdsp's resampler (the only file that includes it is resample.c).
 * State is per leg and per direction, created on the cold path (leg add)
 * and run on the hot path by the lcore owning the leg. Equal rates are a
 * plain copy (passthrough), so 8 kHz G.711 legs in an 8 kHz conference
 * cost nothing.
 *
 * Latency: speexdsp's filter delays the signal by half its length, which
 * is set at the lower of the two rates, given by dp_resample_delay_us().
 * At DP_RESAMPLE_QUALITY_VOIP that is 24 samples at the lower rate: 3 ms
 * when either side is 8 kHz, 1.5 ms between 16 kHz and a higher rate
 * (44.1 -> 16 kHz: 1.54 ms); at quality 10, 128 samples (16 ms / 8 ms); at
 * quality 0, 4 samples. A leg pays it twice, once per direction. No
 * framing delay is added: each call turns one input frame into exactly
 * one output frame. tests/test_resample.c checks the figures against the
 * delay of an impulse.
 *
 * Cost, bench_resample on an AMD EPYC (shared, medians of 3): 48 -> 16 kHz
 * at quality 3 about 6 us per 20 ms frame (0 : 2 us, 10 : 84 us); 44.1 kHz
 * pairs 34-41 us, speexdsp interpolating its filter for the odd ratio.
 */
#ifndef TUTTI_DP_RESAMPLE_H
#define TUTTI_DP_RESAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"


#ifdef __cplusplus
extern "C" {
#endif

struct SpeexResamplerState_;	/* speexdsp's, opaque outside resample.c */

/* Quality: speexdsp's 0 (fastest, shortest filter) .. 10 (best). */
enum dp_resample_quality {
	DP_RESAMPLE_QUALITY_MIN = 0,
	DP_RESAMPLE_QUALITY_VOIP = 3,	/* speexdsp's VoIP setting */
	DP_RESAMPLE_QUALITY_MAX = 10,
};

/* One direction of conversion. Caller storage; fields read-only. */
struct dp_resample {
	struct SpeexResamplerState_ *st;	/* NULL: passthrough */
	uint32_t in_rate_hz;
	uint32_t out_rate_hz;
	uint32_t n_in;		/* samples per input frame */
	uint32_t n_out;		/* samples per output frame */
	uint64_t n_short;	/* frames speexdsp did not fill exactly
				 * (zero-padded or input dropped); stays 0
				 * for the supported rates and ptimes */
};

/* Both directions of one leg. */
struct dp_resample_leg {
	struct dp_resample to_conf;	/* leg rate -> conference rate */
	struct dp_resample to_leg;	/* conference rate -> leg rate */
};

/*
 * Set up rs to convert frames of ptime_ms from in_rate_hz to out_rate_hz.
 * Both rates must pass dp_l16_rate_is_supported() and give whole frames
 * (dp_l16_frame_samples()); quality 0..10. Allocates speexdsp state unless
 * the rates are equal. Returns 0, -EINVAL (rates, ptime, quality) or
 * -ENOMEM; rs is untouched on error. Cold path (leg add), any thread.
 */
int dp_resample_init(struct dp_resample *rs, uint32_t in_rate_hz,
		     uint32_t out_rate_hz, unsigned int ptime_ms, int quality);

/* Free rs's state; rs may then be re-initialised. NULL or a zeroed rs is
 * a no-op. Cold path (leg remove). */
void dp_resample_fini(struct dp_resample *rs);

/*
 * Convert one frame: rs->n_in samples at in to rs->n_out samples at out
 * (which must not overlap). Returns rs->n_out, always. No allocation;
 * hot path, on the lcore that owns the leg.
 */
size_t dp_resample_frame(struct dp_resample *rs, int16_t *restrict out,
			 const int16_t *restrict in);

/* Forget the signal history (after a gap in the stream). Hot path. */
void dp_resample_reset(struct dp_resample *rs);

/* true if rs just copies (equal rates). */
bool dp_resample_is_passthrough(const struct dp_resample *rs);

/* The delay rs adds to the signal, in microseconds (0 for passthrough). */
uint32_t dp_resample_delay_us(const struct dp_resample *rs);

/*
 * Set up both directions of a leg at leg_rate_hz in a conference at
 * conf_rate_hz (8000 or 16000). As dp_resample_init(); on error nothing is
 * allocated. Cold path (leg add).
 */
int dp_resample_leg_init(struct dp_resample_leg *leg, uint32_t leg_rate_hz,
			 uint32_t conf_rate_hz, unsigned int ptime_ms,
			 int quality);

/* Free both directions. Cold path (leg remove). */
void dp_resample_leg_fini(struct dp_resample_leg *leg);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_RESAMPLE_H */
