/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mix.h: one conference's mixer. Per frame it measures each leg's
 * short-term energy, picks the contributors (the K loudest talking legs,
 * with hangover and a bonus for those already mixed so the set does not
 * flap), sums them once into an int32 accumulator (in pair order,
 * mix_kern.h), splits the sum into two int16 halves (fold) and gives every
 * listener what it hears:
 *
 *   contributor      its personal mix, saturate16(sum - own): one clip,
 *                    after removing its own voice
 *   everyone else    the shared mix, saturate16(sum): one buffer, the same
 *                    bytes for all of them, so an extra listener costs a
 *                    packet, not a mix (mix_enc.h encodes it once per codec)
 *   deaf             nothing (out == NULL)
 *
 * A talker is a leg whose frame energy reaches the floor (a quieter frame
 * counts as silence), and stays one for the hangover. Legs may hand in
 * G.711 codes: a frame with no sample loud enough to reach the floor is
 * not even decoded (most legs of a large conference are silent), with the
 * same results as decoding it, and with a peak metered on arrival
 * (peak_hint) not even read; with everyone talking (DP_MIX_ALL) a leg
 * in hangover is certain to be mixed and is decoded straight into the sum.
 * A personal mix may go straight into the leg's G.711 payload (enc), in
 * one pass from the sum, without an int16 buffer. Muted legs and legs
 * without audio this frame are never mixed. With the
 * limiter on, one gain per frame (from the peak of the sum) ramps smoothly
 * so loud mixes are turned down instead of hard-clipped, and recovers
 * slowly when they are quiet again.
 *
 * Storage is the caller's (struct dp_mix in the conference, struct
 * dp_mix_leg in each leg, personal buffers in each leg): no allocation. Media
 * library, no DPDK; hot path on the conference's owning lcore.
 */
#ifndef TUTTI_DP_MIX_H
#define TUTTI_DP_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "g711.h"
#include "mix_kern.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DP_MIX_MAX_FRAME	640	/* samples: 40 ms at 16 kHz */
#define DP_MIX_ALL		UINT32_MAX /* max_talkers: everyone talking */
#define DP_MIX_MAX_K		64	/* largest K other than DP_MIX_ALL */
#define DP_MIX_DEFAULT_K	4
#define DP_MIX_DEFAULT_HANG_MS	300
#define DP_MIX_DEFAULT_FLOOR_DB	(-50)	/* dBov: quieter is not talking */
#define DP_MIX_LIMIT_DB_Q8	(-256)	/* limiter ceiling: -1 dBFS */
#define DP_MIX_ATTACK_MS	1	/* limiter: turned down within 1 ms */
#define DP_MIX_RELEASE_MS	250	/* limiter: recovers with this constant */

struct dp_mix_cfg {
	uint32_t rate_hz;	/* 8000 or 16000 */
	uint32_t ptime_ms;	/* frame length: 10, 20, 30 or 40 */
	uint32_t max_talkers;	/* K, 1..DP_MIX_MAX_K, or DP_MIX_ALL */
	uint32_t hangover_ms;	/* a talker stays one this long after */
	int32_t floor_db;	/* talking threshold, dBov (-96..0) */
	bool limiter;
};

enum dp_mix_leg_flag {
	DP_MIX_MUTE = 1u << 0,	/* never mixed */
	DP_MIX_DEAF = 1u << 1,	/* hears nothing */
};

/* Per-leg mixer state, in the leg (caller storage). */
struct dp_mix_leg {
	/* The first 64 bytes are what a silent leg costs a frame; the
	 * buffers only talkers use come after them. */

	/* set by the caller before each dp_mix_frame(): the frame as
	 * linear samples at the conference rate (gain applied), or as G.711
	 * codes at 8 kHz (unity gain); g711 wins if both are set; neither:
	 * no audio this frame */
	const int16_t *pcm;
	const uint8_t *g711;	/* decoded into decoded only if some sample
				 * reaches the floor, or in hangover */
	uint8_t law;		/* enum dp_law of g711 */
	uint8_t flags;		/* enum dp_mix_leg_flag */
	uint8_t enc_law;	/* enum dp_law of enc (below) */
	uint8_t peak_hint;	/* 0: unknown; else 1 + g711_peak() of the
				 * g711 codes (mix_kern.h), metered as they
				 * arrived: a silent leg's codes are then not
				 * read at all. Believed as given. */

	/* kept by the mixer */
	bool talking;		/* above the floor, or in hangover */
	bool contrib;		/* mixed into this frame's sum */
	bool talk_changed;	/* talking flipped this frame: an event */
	uint32_t hang;		/* frames of hangover left */
	uint64_t level;		/* smoothed energy per frame */

	/* set by dp_mix_frame() */
	const int16_t *src;	/* the linear frame it used, NULL if silent
				 * and not decoded */
	/* what this leg hears, frame_samples long, valid until the next
	 * frame; NULL for deaf legs and when out_enc holds it */
	const int16_t *out;
	const uint8_t *out_enc;	/* enc if the personal mix went there */

	/* caller storage, frame_samples each */
	int16_t *decoded;	/* for g711 */
	int16_t *personal;	/* a personal mix (written only when
				 * contributing) */
	uint8_t *enc;		/* NULL, or (8 kHz mixer) where a personal
				 * mix goes as G.711 codes of enc_law
				 * instead of into personal: the payload to
				 * send, no int16 round trip; set before
				 * each frame */
};

struct dp_mix_stats {
	uint64_t frames;
	uint64_t contrib_frames;	/* sum over frames of contributors */
	uint64_t personal_mixes;
	uint64_t limited_frames;	/* frames with the limiter below 1 */
	uint64_t g711_decoded;		/* G.711 frames decoded */
	uint64_t g711_silent;		/* ... found silent undecoded */
};

/* What a frame is mixed in; nothing in it outlives the frame but the
 * shared mix, which the legs' out points at until the next frame. */
struct dp_mix_buf {
	/* the sum, in pair order (mix_kern.h); in sample order once the
	 * limiter has read it */
	int32_t acc[DP_MIX_ACC_LEN(DP_MIX_MAX_FRAME)]
		__attribute__((aligned(64)));
	/* the sum split (dp_mix_split()): shared is its low half, what every
	 * non-contributor hears (or the limited mix), hi the rest, for the
	 * personal mixes */
	int16_t shared[DP_MIX_MAX_FRAME] __attribute__((aligned(64)));
	int16_t hi[DP_MIX_MAX_FRAME] __attribute__((aligned(64)));
};

/* One conference's mixer (caller storage, e.g. in the conference). */
struct dp_mix {
	struct dp_mix_cfg cfg;
	const struct dp_mix_kern *k;
	uint32_t frame_samples;
	uint32_t hang_frames;
	uint32_t floor_ms;	/* mean square of the floor */
	uint8_t loud_thr[2];	/* per enum dp_law: G.711 magnitude index of
				 * the quietest sample that can reach it */
	const struct dp_g711_kern *gk;	/* decoders of k's ISA */
	uint32_t release_q16;	/* level release per frame, Q16 */
	float lim_gain;		/* limiter gain at the end of the last frame */
	float lim_ceiling;	/* limiter ceiling, in sample units */
	uint32_t n_contrib;	/* this frame */
	uint32_t contrib[DP_MIX_MAX_K]; /* indexes, this frame (top-K mode) */
	struct dp_mix_stats st;
	struct dp_mix_buf *buf;	/* NULL: own (dp_mix_set_buf()) */
	struct dp_mix_buf own;
};

/* The buffers m's frames use. */
static inline struct dp_mix_buf *
dp_mix_buf_of(struct dp_mix *m)
{
	return m->buf != NULL ? m->buf : &m->own;
}

/*
 * Let m work in b (caller storage; NULL: its own) from its next frame on.
 * Mixers that never run at once, such as one worker's conferences, may
 * share one buffer: its lines then stay in cache from one mixer's frame to
 * the next, where each mixer's own would be written back and fetched
 * again (20 lines a frame at 8 kHz and 20 ms). Whatever out points at
 * (the shared mix) is then valid until another mixer sharing b runs.
 */
static inline void
dp_mix_set_buf(struct dp_mix *m, struct dp_mix_buf *b)
{
	m->buf = b;
}

/*
 * Check cfg and fill m (cold path). k is the kernel table (NULL: the
 * active ISA's). Returns 0 or -EINVAL (rate, ptime, K, floor out of range).
 */
int dp_mix_init(struct dp_mix *m, const struct dp_mix_cfg *cfg,
		const struct dp_mix_kern *k);

/* A default configuration for rate_hz/ptime_ms (K 4, 300 ms, -50 dBov). */
void dp_mix_cfg_default(struct dp_mix_cfg *cfg, uint32_t rate_hz,
			uint32_t ptime_ms);

/* Reset a leg's mixer state (leg added or its stream restarted);
 * personal and decoded (may be NULL if the leg never sends G.711) are
 * frame_samples each, caller storage. */
void dp_mix_leg_init(struct dp_mix_leg *l, int16_t *personal,
		     int16_t *decoded, uint8_t flags);

/*
 * Mix one frame of the n legs at legs[0..n-1] (any order; the same legs
 * frame after frame keep their hangover and levels). Sets every leg's out,
 * out_enc, contrib, talking and talk_changed. Returns the number of
 * contributors.
 */
uint32_t dp_mix_frame(struct dp_mix *m, struct dp_mix_leg *legs, uint32_t n);

/* Whether dp_mix_frame() would read the G.711 codes of leg l if they came
 * with peak_hint h: not when they are metered below the floor and l is
 * out of hangover. For prefetching. */
static inline bool
dp_mix_reads_codes(const struct dp_mix *m, const struct dp_mix_leg *l,
		   uint8_t h)
{
	return h == 0 || l->hang != 0 || h > m->loud_thr[l->law & 1];
}

/* Linear Q12 gain for dB * 256 (clamped to -96..+18 dB; cold path). */
int32_t dp_mix_gain_q12(int16_t gain_db_q8);

/* Apply a leg's gain (Q12) to its frame in place; unity is a no-op. */
void dp_mix_apply_gain(const struct dp_mix *m, int16_t *pcm, int32_t gain_q12);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_MIX_H */
