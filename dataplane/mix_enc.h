/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mix_enc.h: the shared mix, encoded once. Every listener of a conference
 * that is not a contributor hears the same samples (mix.h); this cache
 * turns them into payload bytes once per frame for each (codec, rate) in
 * use, so a thousand PCMU listeners cost one encode and a thousand packets
 * that point at the same bytes. Legs at a rate other than the
 * conference's share one resampler per (codec, rate) slot. A leg
 * at another ptime than the conference's packs consecutive frames; the
 * tick does that from these per-frame payloads.
 *
 * Caller storage (one struct dp_mix_enc per conference). Slots are taken
 * and released on the cold path (leg add/remove: may allocate a
 * resampler); dp_mix_enc_shared() is the hot path, owning lcore.
 */
#ifndef TUTTI_DP_MIX_ENC_H
#define TUTTI_DP_MIX_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "resample.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DP_MIX_ENC_SLOTS	8	/* distinct (codec, rate) per conf */
#define DP_MIX_ENC_MAX_BYTES	3840	/* 40 ms of L16 at 48 kHz */

struct dp_mix_enc_slot {
	uint32_t refs;		/* legs using it; 0 = free */
	uint8_t codec;		/* enum shm_codec */
	uint32_t rate_hz;	/* the legs' rate */
	uint32_t len_bytes;	/* payload per frame */
	uint64_t frame;		/* frame number payload holds, or ~0 */
	struct dp_resample rs;	/* conference rate -> rate_hz */
	/* allocated by the first reference, sized by the slot's frame (a
	 * G.711 one's 160 bytes, not 3,840 for every slot of every
	 * conference); kept for the slot's next use, freed by fini */
	uint32_t cap;
	uint8_t *payload;
};

struct dp_mix_enc {
	uint32_t conf_rate_hz;
	uint32_t ptime_ms;
	uint32_t frame_samples;	/* at the conference rate */
	uint64_t n_encodes;	/* payloads produced (handed out: the caller
				 * counts, dp_tick_stats.shared_out; a
				 * counter here would chain every call) */
	struct dp_mix_enc_slot slot[DP_MIX_ENC_SLOTS];
};

/* Fill e for a conference at conf_rate_hz (8000 or 16000) and ptime_ms
 * (cold path). Returns 0 or -EINVAL. */
int dp_mix_enc_init(struct dp_mix_enc *e, uint32_t conf_rate_hz,
		    uint32_t ptime_ms);

/* Release every slot's resampler and payload (cold path). */
void dp_mix_enc_fini(struct dp_mix_enc *e);

/*
 * The slot for codec (enum shm_codec) at rate_hz, taking a reference; a
 * new one is set up if needed, with a resampler from the conference rate
 * when rate_hz differs (G.711 is 8 kHz: in a 16 kHz conference its slot
 * resamples the mix down). Returns the slot index, -EINVAL (codec, rate),
 * -ENOSPC (all slots used) or -ENOMEM. Cold path.
 */
int dp_mix_enc_ref(struct dp_mix_enc *e, uint8_t codec, uint32_t rate_hz);

/* Drop a reference taken by dp_mix_enc_ref() (cold path). */
void dp_mix_enc_unref(struct dp_mix_enc *e, int slot);

/* Encode this frame's shared mix into slot (dp_mix_enc_shared()'s slow
 * path). Hot path. */
void dp_mix_enc_encode(struct dp_mix_enc *e, int slot,
		       const int16_t *restrict shared, uint64_t frame);

/*
 * The payload of this frame's shared mix (frame_samples at the conference
 * rate) for slot, encoding it on the first call with this frame number.
 * *len_bytes gets its length. Hot path: inline, a lookup after the first.
 */
static inline const uint8_t *
dp_mix_enc_shared(struct dp_mix_enc *e, int slot,
		  const int16_t *restrict shared, uint64_t frame,
		  uint32_t *len_bytes)
{
	struct dp_mix_enc_slot *s = &e->slot[slot];

	*len_bytes = s->len_bytes;
	if (s->frame != frame)
		dp_mix_enc_encode(e, slot, shared, frame);
	return s->payload;
}

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_MIX_ENC_H */
