/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * plc.h: per-leg packet loss concealment, a thin wrapper over SpanDSP's
 * generic PLC (pitch-period repetition with overlap-add, similar to G.711
 * Appendix I). Every good frame of the leg goes through dp_plc_good() so the
 * concealer keeps the recent history; a frame the jitter buffer reports
 * missing is synthesised by dp_plc_fill(). The synthetic signal fades
 * linearly and SpanDSP reaches silence after 50 ms of continuous loss; from
 * DP_PLC_FADE_MS on, dp_plc_fill() writes zeros without running SpanDSP.
 * SpanDSP's PLC is designed for 8 kHz narrowband speech.
 *
 * State lives in caller storage (struct dp_plc, in the leg's slot); no
 * allocation. Media library, no DPDK; dataplane, owning worker lcore, hot
 * path (a tick's decode stage).
 */
#ifndef TUTTI_DP_PLC_H
#define TUTTI_DP_PLC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DP_PLC_RATE_HZ		8000	/* what SpanDSP's PLC is tuned for */
#define DP_PLC_FADE_MS		60	/* concealed ms after which: silence */
#define DP_PLC_STATE_BYTES	1088	/* >= sizeof(plc_state_t), checked */
#define DP_PLC_HISTORY_SAMPLES	280	/* the good samples it keeps, checked */

struct dp_plc {
	/* SpanDSP plc_state_t, kept opaque so its header stays in plc.c */
	uint8_t spandsp[DP_PLC_STATE_BYTES] __attribute__((aligned(8)));
	uint32_t missing_samples;	/* concealed in a row, saturating */
	uint64_t n_good_samples;
	uint64_t n_filled_samples;
};

/* Fill p (caller storage) for a new leg or after a stream change. Cannot
 * fail. Cold path or owning lcore. */
void dp_plc_init(struct dp_plc *p);

/*
 * Record n good samples (8 kHz linear) of the leg, in order. Just after a
 * loss, the first quarter pitch period of pcm is cross-faded with the
 * synthetic signal in place (so pcm is read and may be written). Any n.
 * Owning lcore, hot path.
 */
void dp_plc_good(struct dp_plc *p, int16_t *pcm, uint32_t n);

/*
 * Write n samples of concealment into pcm (continuation of the last good
 * pitch period, fading; zeros once DP_PLC_FADE_MS of loss have been
 * concealed). Any n. Owning lcore, hot path.
 */
void dp_plc_fill(struct dp_plc *p, int16_t *pcm, uint32_t n);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_PLC_H */
