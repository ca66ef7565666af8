/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mix_enc.c: the shared mix encoded once per (codec, rate) and frame (see
 * mix_enc.h). Media library; dp_mix_enc_shared() is the hot path.
 */
#include "mix_enc.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "compiler.h"
#include "g711.h"
#include "l16.h"
#include "mem.h"
#include "shm_proto.h"

#define NO_FRAME	UINT64_MAX

int
dp_mix_enc_init(struct dp_mix_enc *e, uint32_t conf_rate_hz,
		uint32_t ptime_ms)
{
	int fs;

	if (conf_rate_hz != 8000 && conf_rate_hz != 16000)
		return -EINVAL;
	fs = dp_l16_frame_samples(conf_rate_hz, ptime_ms);
	if (fs < 0 || ptime_ms > 40)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->conf_rate_hz = conf_rate_hz;
	e->ptime_ms = ptime_ms;
	e->frame_samples = (uint32_t)fs;
	return 0;
}

void
dp_mix_enc_fini(struct dp_mix_enc *e)
{
	for (int i = 0; i < DP_MIX_ENC_SLOTS; i++) {
		dp_resample_fini(&e->slot[i].rs);
		dp_mem_free(e->slot[i].payload);
		e->slot[i].payload = NULL;
		e->slot[i].cap = 0;
		e->slot[i].refs = 0;
	}
}

int
dp_mix_enc_ref(struct dp_mix_enc *e, uint8_t codec, uint32_t rate_hz)
{
	struct dp_mix_enc_slot *s;
	int free_i = -1, fs, rc;
	uint32_t len, cap;

	if (codec >= SHM_CODEC_MAX_ ||
	    (codec != SHM_CODEC_L16 && rate_hz != 8000))
		return -EINVAL;
	fs = dp_l16_frame_samples(rate_hz, e->ptime_ms);
	if (fs < 0 || (size_t)fs * (codec == SHM_CODEC_L16 ? 2 : 1) >
			      DP_MIX_ENC_MAX_BYTES)
		return -EINVAL;
	for (int i = 0; i < DP_MIX_ENC_SLOTS; i++) {
		s = &e->slot[i];
		if (s->refs > 0 && s->codec == codec && s->rate_hz == rate_hz) {
			s->refs++;
			return i;
		}
		if (s->refs == 0 && free_i < 0)
			free_i = i;
	}
	if (free_i < 0)
		return -ENOSPC;
	s = &e->slot[free_i];
	len = (uint32_t)fs * (codec == SHM_CODEC_L16 ? 2u : 1u);
	cap = (uint32_t)tutti_lines_of(len);
	if (s->cap < cap) {
		uint8_t *p = dp_mem_alloc(cap);

		if (p == NULL)
			return -ENOMEM;
		dp_mem_free(s->payload);
		s->payload = p;
		s->cap = cap;
	}
	dp_resample_fini(&s->rs);
	memset(s, 0, offsetof(struct dp_mix_enc_slot, cap));
	rc = dp_resample_init(&s->rs, e->conf_rate_hz, rate_hz, e->ptime_ms,
			      DP_RESAMPLE_QUALITY_VOIP);
	if (rc < 0)
		return rc;
	s->refs = 1;
	s->codec = codec;
	s->rate_hz = rate_hz;
	s->len_bytes = len;
	s->frame = NO_FRAME;
	return free_i;
}

void
dp_mix_enc_unref(struct dp_mix_enc *e, int slot)
{
	struct dp_mix_enc_slot *s;

	if (slot < 0 || slot >= DP_MIX_ENC_SLOTS || e->slot[slot].refs == 0)
		return;
	s = &e->slot[slot];
	if (--s->refs == 0)
		dp_resample_fini(&s->rs);
}

void
dp_mix_enc_encode(struct dp_mix_enc *e, int slot,
		  const int16_t *restrict shared, uint64_t frame)
{
	struct dp_mix_enc_slot *s = &e->slot[slot];
	int16_t tmp[DP_MIX_ENC_MAX_BYTES / 2];
	const int16_t *pcm = shared;

	if (!dp_resample_is_passthrough(&s->rs)) {
		dp_resample_frame(&s->rs, tmp, shared);
		pcm = tmp;
	}
	if (s->codec == SHM_CODEC_L16)
		dp_l16_encode(s->payload, pcm, s->len_bytes / 2);
	else
		dp_g711_encode(s->codec == SHM_CODEC_PCMU ? DP_LAW_ULAW :
			       DP_LAW_ALAW, s->payload, pcm, s->len_bytes);
	s->frame = frame;
	e->n_encodes++;
}
