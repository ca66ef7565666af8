/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mix.c: one conference's frame: energies, talker detection with hangover,
 * top-K contributor selection, the int32 sum, the shared and personal
 * mixes, and the limiter (see mix.h). Kernels in mix_kern.h. Media library,
 * hot path on the owning lcore; dp_mix_init() and dp_mix_gain_q12() are
 * cold.
 */
#include "mix.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Ranking bonus of a leg that was mixed last frame: x2 energy (+3 dB), so
 * two legs of about the same level do not swap places every frame. */
#define INCUMBENT_SHIFT	1

void
dp_mix_cfg_default(struct dp_mix_cfg *cfg, uint32_t rate_hz,
		   uint32_t ptime_ms)
{
	*cfg = (struct dp_mix_cfg){
		.rate_hz = rate_hz,
		.ptime_ms = ptime_ms,
		.max_talkers = DP_MIX_DEFAULT_K,
		.hangover_ms = DP_MIX_DEFAULT_HANG_MS,
		.floor_db = DP_MIX_DEFAULT_FLOOR_DB,
		.limiter = false,
	};
}

int
dp_mix_init(struct dp_mix *m, const struct dp_mix_cfg *cfg,
	    const struct dp_mix_kern *k)
{
	double floor_amp;

	if ((cfg->rate_hz != 8000 && cfg->rate_hz != 16000) ||
	    (cfg->ptime_ms != 10 && cfg->ptime_ms != 20 &&
	     cfg->ptime_ms != 30 && cfg->ptime_ms != 40) ||
	    cfg->max_talkers == 0 ||
	    (cfg->max_talkers > DP_MIX_MAX_K &&
	     cfg->max_talkers != DP_MIX_ALL) ||
	    cfg->floor_db < -96 || cfg->floor_db > 0 ||
	    cfg->hangover_ms > 10000)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->k = k != NULL ? k : dp_mix_kern_active();
	m->frame_samples = cfg->rate_hz / 1000 * cfg->ptime_ms;
	m->hang_frames = (cfg->hangover_ms + cfg->ptime_ms - 1) /
			 cfg->ptime_ms;
	/* mean square of a full-scale sine at floor_db dBov (0 dBov: a
	 * square wave at 32768), times the frame: compared with energies */
	floor_amp = 32768.0 * pow(10.0, cfg->floor_db / 20.0);
	m->floor_ms = (uint32_t)(floor_amp * floor_amp);
	m->release_q16 = cfg->ptime_ms * 65536u / 100u;
	m->gk = dp_g711_kern_for(m->k->isa);
	if (m->gk == NULL)
		m->gk = dp_g711_kern_for(DP_SIMD_SCALAR);
	/* a silent frame's every sample is below sqrt(floor_ms) */
	for (int law = 0; law < 2; law++) {
		uint8_t x = law == DP_LAW_ULAW ? 0xff : 0x55;
		int m7;

		for (m7 = 0; m7 < 128; m7++) {
			uint8_t c = (uint8_t)(m7 ^ x);
			int32_t v = law == DP_LAW_ULAW ? dp_g711_ulaw2lin(c) :
					 dp_g711_alaw2lin(c);

			if ((int64_t)v * v >= m->floor_ms)
				break;
		}
		m->loud_thr[law] = (uint8_t)m7;
	}
	m->lim_gain = 1.0f;
	m->lim_ceiling = (float)(32767.0 * pow(10.0, DP_MIX_LIMIT_DB_Q8 /
					      (20.0 * 256.0)));
	return 0;
}

void
dp_mix_leg_init(struct dp_mix_leg *l, int16_t *personal, int16_t *decoded,
		uint8_t flags)
{
	memset(l, 0, sizeof(*l));
	l->personal = personal;
	l->decoded = decoded;
	l->flags = flags;
}

int32_t
dp_mix_gain_q12(int16_t gain_db_q8)
{
	double db = gain_db_q8 / 256.0;
	long g;

	db = db < -96.0 ? -96.0 : db > 18.0 ? 18.0 : db;
	g = lrint(pow(10.0, db / 20.0) * DP_MIX_GAIN_ONE);
	return (int32_t)(g > 32767 ? 32767 : g);
}

void
dp_mix_apply_gain(const struct dp_mix *m, int16_t *pcm, int32_t gain_q12)
{
	if (gain_q12 != DP_MIX_GAIN_ONE)
		m->k->gain(pcm, gain_q12, m->frame_samples);
}

/* Insert leg i with score s into the descending top-K list. */
static void
topk_insert(uint64_t *score, uint32_t *idx, uint32_t *n, uint32_t k,
	    uint64_t s, uint32_t i)
{
	uint32_t j = *n;

	if (j == k) {
		if (s <= score[k - 1])
			return;
		j = k - 1;
	} else {
		(*n)++;
	}
	while (j > 0 && score[j - 1] < s) {
		score[j] = score[j - 1];
		idx[j] = idx[j - 1];
		j--;
	}
	score[j] = s;
	idx[j] = i;
}

/* A G.711 leg found silent without decoding: nothing to mix, the level
 * decays by the release per frame. */
static inline void
silenced(struct dp_mix_leg *l, uint32_t release_q16)
{
	l->src = NULL;
	l->level -= (l->level * release_q16) >> 16;
	l->talk_changed = l->talking;
	l->talking = false;
}

/*
 * The common case of a large conference, measure()'s short path: a G.711
 * leg out of hangover whose codes are all below the floor. One look at
 * its codes (unmetered legs: a quiet metered one took metered_silent()),
 * nothing decoded, the level decays. Returns false if the leg is not
 * that: then it is loud or in hangover.
 */
static inline bool
quiet_g711(struct dp_mix *m, struct dp_mix_leg *l)
{
	unsigned int law = l->law & 1;

	/* a metered leg that is quiet never gets here (metered_silent()) */
	if (l->g711 == NULL || l->hang != 0 || l->peak_hint != 0)
		return false;
	if (m->k->g711_loud(l->g711, m->frame_samples, law == DP_LAW_ULAW ?
			    0xff : 0x55, m->loud_thr[law]))
		return false;
	m->st.g711_silent++;
	silenced(l, m->release_q16);
	return true;
}

/*
 * The commonest case of all, before measure(): a G.711 leg out of hangover
 * whose peak, metered on arrival, is below the floor (dp_mix_reads_codes()
 * false). Nothing is read but the leg; the level decays. The thresholds
 * and the release come from locals of dp_mix_frame(): read from m, they
 * were read again for every leg, as the leg's byte stores might alias
 * them. The caller counts it in g711_silent.
 */
static inline bool
metered_silent(struct dp_mix_leg *l, uint8_t thr_u, uint8_t thr_a,
	       uint32_t release)
{
	uint8_t h = l->peak_hint;

	if (h == 0 || l->g711 == NULL || l->hang != 0 ||
	    h > ((l->law & 1) == DP_LAW_ALAW ? thr_a : thr_u))
		return false;
	silenced(l, release);
	return true;
}

/*
 * Update level, talking and hangover of one leg; true if it may be mixed.
 * With acc (DP_MIX_ALL mode) a G.711 leg in hangover, certain to be mixed,
 * is decoded straight into the sum: *summed tells.
 */
static inline bool
measure(struct dp_mix *m, struct dp_mix_leg *l, uint64_t floor_e,
	int32_t *acc, bool *summed)
{
	const uint32_t fs = m->frame_samples;
	const int16_t *x = l->pcm;
	bool now = false, was = l->talking;
	bool audio = x != NULL || l->g711 != NULL;
	uint64_t e = 0;

	*summed = false;
	if (quiet_g711(m, l))
		return false;
	if (l->g711 != NULL) {	/* loud, or in hangover: decoded */
		unsigned int law = l->law & 1;

		if (l->hang > 0 && acc != NULL && !(l->flags & DP_MIX_MUTE)) {
			e = m->gk->dec_energy_acc[law](l->decoded, acc,
						       l->g711, fs);
			*summed = true;
		} else {
			e = m->gk->dec_energy[law](l->decoded, l->g711, fs);
		}
		x = l->decoded;
		m->st.g711_decoded++;
	} else if (x != NULL) {
		e = m->k->energy(x, fs);
	}
	l->src = x;
	if (x != NULL) {
		now = e >= floor_e;
		if (!now)
			e = 0;	/* below the floor is silence */
	}
	/* level: energy per frame, instant attack, ~100 ms release */
	if (e >= l->level)
		l->level = e;
	else
		l->level -= ((l->level - e) * m->release_q16) >> 16;
	/* hangover: hang_frames more frames after the last one above */
	if (now)
		l->hang = m->hang_frames;
	else if (l->hang > 0 && audio)
		now = l->hang-- > 0;
	else
		l->hang = 0;
	l->talking = now;
	l->talk_changed = l->talking != was;
	return l->talking && x != NULL && !(l->flags & DP_MIX_MUTE);
}

/* The limiter's gain ramp for this frame: g = clamp(g0 + i*dg, lo, hi).
 * Returns false when the gain is 1 throughout (the integer kernels). */
static bool
limiter_ramp(struct dp_mix *m, float *g0, float *dg, float *lo, float *hi)
{
	int32_t peak = m->k->peak(dp_mix_buf_of(m)->acc, m->frame_samples);
	float cur = m->lim_gain, need = 1.0f, end;

	if ((float)peak > m->lim_ceiling)
		need = m->lim_ceiling / (float)peak;
	if (need < cur) {
		/* attack: down to need within DP_MIX_ATTACK_MS, then held */
		float n_att = (float)(m->cfg.rate_hz / 1000 *
				      DP_MIX_ATTACK_MS);

		end = need;
		*dg = (need - cur) / n_att;
		*lo = need;
		*hi = cur;
	} else {
		/* release: a step of ptime/RELEASE_MS of the way to need */
		end = cur + (need - cur) * ((float)m->cfg.ptime_ms /
					    (float)DP_MIX_RELEASE_MS);
		if (need == 1.0f && end > 0.99f)	/* -0.09 dB */
			end = 1.0f;
		*dg = (end - cur) / (float)m->frame_samples;
		*lo = cur;
		*hi = end;
	}
	*g0 = cur;
	m->lim_gain = end;
	if (cur == 1.0f && end == 1.0f)
		return false;
	m->st.limited_frames++;
	return true;
}

uint32_t
dp_mix_frame(struct dp_mix *m, struct dp_mix_leg *legs, uint32_t n)
{
	const struct dp_mix_kern *k = m->k;
	const uint32_t fs = m->frame_samples;
	const uint64_t floor_e = (uint64_t)m->floor_ms * fs;
	const bool all = m->cfg.max_talkers == DP_MIX_ALL;
	uint64_t score[DP_MIX_MAX_K];
	uint32_t nc = 0;
	const uint8_t thr_u = m->loud_thr[DP_LAW_ULAW];
	const uint8_t thr_a = m->loud_thr[DP_LAW_ALAW];
	const uint32_t release = m->release_q16;
	struct dp_mix_buf *const b = dp_mix_buf_of(m);
	int32_t *const acc = b->acc;
	int16_t *const shared = b->shared;
	uint64_t n_silent = 0;
	float g0 = 1.0f, dg = 0.0f, lo = 1.0f, hi = 1.0f;
	bool limit = false;

	if (all)	/* the sum of every talker, added as they come */
		memset(acc, 0, DP_MIX_ACC_LEN(fs) * sizeof(acc[0]));
	for (uint32_t i = 0; i < n; i++) {
		struct dp_mix_leg *l = &legs[i];
		bool was = l->contrib, summed;

		l->contrib = false;
		/* what non-contributors hear: the shared buffer, whatever it
		 * will hold; contributors get their personal mix below */
		l->out = (l->flags & DP_MIX_DEAF) ? NULL : shared;
		l->out_enc = NULL;
		if (metered_silent(l, thr_u, thr_a, release)) {
			n_silent++;	/* in a register, not m->st */
			continue;
		}
		if (!measure(m, l, floor_e, all ? acc : NULL, &summed))
			continue;
		if (all) {
			if (!summed)
				k->acc_add(acc, l->src, fs);
			nc++;
			l->contrib = true;
		} else {
			topk_insert(score, m->contrib, &nc, m->cfg.max_talkers,
				    l->level << (was ? INCUMBENT_SHIFT : 0), i);
		}
	}
	if (!all) {
		for (uint32_t j = 0; j < nc; j++) {
			struct dp_mix_leg *l = &legs[m->contrib[j]];

			if (j == 0)
				k->acc_set(acc, l->src, fs);
			else
				k->acc_add(acc, l->src, fs);
			l->contrib = true;
		}
	}
	if (nc == 0 && !all)
		memset(acc, 0, DP_MIX_ACC_LEN(fs) * sizeof(acc[0]));
	/* shared = saturate16(sum), and hi what the personal mixes need */
	k->fold(shared, b->hi, acc, fs);
	if (m->cfg.limiter) {
		k->unpair(acc, fs);
		limit = limiter_ramp(m, &g0, &dg, &lo, &hi);
	}
	if (limit)
		k->sub_gain_sat(shared, acc, NULL, g0, dg, lo, hi, fs);
	/* personal mixes: the K contributors, or in DP_MIX_ALL mode every
	 * leg that contributed */
	for (uint32_t j = 0; j < (all ? n : nc); j++) {
		struct dp_mix_leg *l = &legs[all ? j : m->contrib[j]];

		if (!l->contrib || (l->flags & DP_MIX_DEAF))
			continue;
		m->st.personal_mixes++;
		if (l->enc != NULL && m->cfg.rate_hz == 8000) {
			/* straight into the caller's payload */
			if (limit) {
				k->sub_gain_sat(l->personal, acc, l->src,
						g0, dg, lo, hi, fs);
				m->gk->enc[l->enc_law & 1](l->enc,
							   l->personal, fs);
			} else {
				m->gk->sub_sat_enc[l->enc_law & 1](l->enc,
					shared, b->hi, l->src, fs);
			}
			l->out = NULL;
			l->out_enc = l->enc;
			continue;
		}
		if (limit)
			k->sub_gain_sat(l->personal, acc, l->src, g0, dg,
					lo, hi, fs);
		else
			k->sub_sat(l->personal, shared, b->hi, l->src, fs);
		l->out = l->personal;
	}
	m->st.g711_silent += n_silent;
	m->n_contrib = nc;
	m->st.frames++;
	m->st.contrib_frames += nc;
	return nc;
}
