/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tick.c: a conference's legs and its tick (see tick.h). Media library, no
 * DPDK. dp_tick_rx() and dp_tick_run() are the hot path of the owning
 * worker; the leg functions run on control commands (cold).
 */
#include "tick.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "g711.h"
#include "l16.h"
#include "mem.h"
#include "mix_kern.h"

#define CAP_MIN		16

/* dp_tick_leg_prefetch_rx() asks for the leg's first two lines only: what
 * dp_tick_rx() reads and writes of the leg's own fields must be there */
_Static_assert(offsetof(struct dp_tick_leg, n_rx) + sizeof(uint64_t) <= 128 &&
	       offsetof(struct dp_tick_leg, last_rx) < 128 &&
	       offsetof(struct dp_tick_leg, timed_out) < 128 &&
	       offsetof(struct dp_tick_leg, cfg) + sizeof(struct shm_msg_leg) <=
	       128, "dp_tick_rx()'s leg fields in the first two lines");

static const int16_t zeros[DP_MIX_MAX_FRAME];

/* Leg lg's frames in the tick's working storage (struct dp_tick_work), by
 * its position in its conference: pcm (decoded or concealed, at the
 * conference rate), decoded (the mixer's G.711 decode) and personal (its
 * personal mix), media_stride apart. */
static inline int16_t *
pcm_of(const struct dp_tick_conf *c, uint32_t idx)
{
	return c->work->media + (size_t)idx * 3 * c->media_stride;
}

static inline int16_t *
decoded_of(const struct dp_tick_conf *c, uint32_t idx)
{
	return pcm_of(c, idx) + c->media_stride;
}

static inline int16_t *
personal_of(const struct dp_tick_conf *c, uint32_t idx)
{
	return pcm_of(c, idx) + 2 * (size_t)c->media_stride;
}

/* The mixer's leg state at idx pointed at the leg's frames in work. */
static void
bind_frames(struct dp_tick_conf *c, uint32_t idx)
{
	c->ml[idx].personal = personal_of(c, idx);
	c->ml[idx].decoded = decoded_of(c, idx);
}

/* Room in c's work for the frames of cap legs: 0 or -ENOMEM. A new
 * buffer (the old one's frames are not kept: nothing outlives a tick)
 * moves every sharing conference's frames: each binds its legs again at
 * its next tick (work->gen). */
static int
work_reserve(struct dp_tick_conf *c, uint32_t cap)
{
	struct dp_tick_work *w = c->work;
	size_t need = (size_t)cap * 3 * c->media_stride * sizeof(int16_t);
	int16_t *m;

	if (w->media_bytes >= need)
		return 0;
	m = dp_mem_alloc(need);
	if (m == NULL)
		return -ENOMEM;
	dp_mem_free(w->media);
	w->media = m;
	w->media_bytes = need;
	w->gen++;
	return 0;
}

void
dp_tick_work_fini(struct dp_tick_work *w)
{
	dp_mem_free(w->media);
	w->media = NULL;
	w->media_bytes = 0;
}

static bool
receiving(const struct dp_tick_leg *lg)
{
	return lg->cfg.dir == SHM_DIR_SENDRECV ||
	       lg->cfg.dir == SHM_DIR_RECVONLY;
}

static bool
sending(const struct dp_tick_leg *lg)
{
	return lg->cfg.dir == SHM_DIR_SENDRECV ||
	       lg->cfg.dir == SHM_DIR_SENDONLY;
}

static void
evt_init(struct shm_msg *m, uint16_t type, uint32_t conf_id)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	m->hdr.conf_id = conf_id;
}

/* One digit to the control plane: evt()'s answer. */
static int
say_digit(struct dp_tick_leg *lg, const struct dp_dtmf_digit *d,
	  dp_tick_evt_fn evt, void *arg)
{
	struct shm_msg m;

	evt_init(&m, SHM_EVT_DTMF, lg->conf->conf_id);
	m.body.dtmf.leg_id = lg->leg_id;
	m.body.dtmf.digit = d->digit;
	m.body.dtmf.source = d->source == DP_DTMF_SRC_INBAND ?
			     SHM_DTMF_INBAND : SHM_DTMF_RFC4733;
	m.body.dtmf.duration_ms = d->duration_ms;
	m.body.dtmf.volume_dbm0 = d->volume_dbm0;
	return evt(arg, &m);
}

/* The digits that waited for room in the event ring, oldest first, until
 * one finds none again. Refused otherwise (no control plane): dropped, as
 * a new digit would be. */
static void
dtmf_flush(struct dp_tick_leg *lg, dp_tick_evt_fn evt, void *arg)
{
	uint32_t k = 0, n = lg->n_dtmf_pend;

	while (k < n && say_digit(lg, &lg->dtmf_pend[k], evt, arg) != -ENOBUFS)
		k++;
	memmove(lg->dtmf_pend, lg->dtmf_pend + k,
		(n - k) * sizeof(lg->dtmf_pend[0]));
	lg->n_dtmf_pend = (uint8_t)(n - k);
}

/*
 * Digits a leg pressed, said in order. A digit is an edge, not a state:
 * one the event ring has no room for waits in the leg (dtmf_pend) and is
 * said again at its next ticks (pull()), so that a PIN typed while 20,000
 * legs' media timeouts fill the ring still arrives whole. More than
 * DP_TICK_DTMF_PEND waiting: the newest is lost, and counted.
 */
static void
report_digits(struct dp_tick_leg *lg, const struct dp_dtmf_digit *d, int n,
	      dp_tick_evt_fn evt, void *arg)
{
	for (int i = 0; i < n; i++) {
		lg->n_dtmf++;
		if (lg->n_dtmf_pend != 0)
			dtmf_flush(lg, evt, arg);
		if (lg->n_dtmf_pend == 0 &&
		    say_digit(lg, &d[i], evt, arg) != -ENOBUFS)
			continue;
		if (lg->n_dtmf_pend == DP_TICK_DTMF_PEND) {
			lg->conf->st.dtmf_lost++;
			continue;
		}
		lg->dtmf_pend[lg->n_dtmf_pend++] = d[i];
		lg->dtmf_active = true;		/* pull() says it again */
	}
}

int
dp_tick_conf_init(struct dp_tick_conf *c, uint32_t conf_id,
		  const struct shm_msg_conf *cfg, uint64_t clock_hz,
		  struct dp_tick_work *work)
{
	struct dp_mix_cfg mc;
	int rc;

	if (clock_hz == 0)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	dp_mix_cfg_default(&mc, cfg->rate_hz, cfg->ptime_ms);
	mc.max_talkers = cfg->n_talkers == 0 ? DP_MIX_DEFAULT_K :
			 cfg->n_talkers == 255 ? DP_MIX_ALL : cfg->n_talkers;
	mc.limiter = (cfg->flags & SHM_CONF_LIMITER) != 0;
	rc = dp_mix_init(&c->mix, &mc, NULL);
	if (rc == 0)
		rc = dp_mix_enc_init(&c->enc, cfg->rate_hz, cfg->ptime_ms);
	if (rc < 0)
		return rc;
	if (work == NULL) {
		work = dp_mem_alloc(sizeof(*work));
		if (work == NULL) {
			dp_mix_enc_fini(&c->enc);
			return -ENOMEM;
		}
		memset(work, 0, sizeof(*work));
		c->own_work = true;
	}
	c->work = work;
	c->work_gen = work->gen;
	dp_mix_set_buf(&c->mix, &work->mix);
	/* pcm, decoded and personal: each a conference frame, in whole
	 * lines (the kernels' last vector stays inside) */
	c->media_stride = (uint32_t)(tutti_lines_of(c->mix.frame_samples *
						    sizeof(int16_t)) /
				     sizeof(int16_t));
	c->conf_id = conf_id;
	c->rate_hz = cfg->rate_hz;
	c->ptime_ms = cfg->ptime_ms;
	c->clock_hz = clock_hz;
	return 0;
}

void
dp_tick_conf_fini(struct dp_tick_conf *c)
{
	while (c->n_legs > 0)
		dp_tick_leg_remove(c->legs[c->n_legs - 1]);
	dp_mem_free(c->legs);
	dp_mem_free(c->ml);
	c->legs = NULL;
	c->ml = NULL;
	c->cap = 0;
	dp_mix_enc_fini(&c->enc);
	if (c->own_work) {
		dp_tick_work_fini(c->work);
		dp_mem_free(c->work);
		c->own_work = false;
	}
	c->work = NULL;
}

/* Room for twice the legs (CAP_MIN at first) in c's arrays, on the media
 * library's heap (mem.h): 0 or -ENOMEM (c unchanged). */
static int
grow(struct dp_tick_conf *c)
{
	uint32_t cap = c->cap ? c->cap * 2 : CAP_MIN;
	struct dp_tick_leg **legs = dp_mem_alloc(cap * sizeof(*legs));
	struct dp_mix_leg *ml = dp_mem_alloc(cap * sizeof(*ml));

	if (legs == NULL || ml == NULL || work_reserve(c, cap) < 0) {
		dp_mem_free(legs);
		dp_mem_free(ml);
		return -ENOMEM;
	}
	if (c->n_legs > 0) {
		memcpy(legs, c->legs, c->n_legs * sizeof(*legs));
		memcpy(ml, c->ml, c->n_legs * sizeof(*ml));
	}
	dp_mem_free(c->legs);
	dp_mem_free(c->ml);
	c->legs = legs;
	c->ml = ml;
	c->cap = cap;
	return 0;
}

/* Free a leg and its store (it is off the conference). */
static void
leg_free(struct dp_tick_leg *lg)
{
	dp_mem_free(lg->store);
	dp_mem_free(lg);
}

/* Release what leg_setup() took. */
static void
leg_teardown(struct dp_tick_leg *lg)
{
	dp_mix_enc_unref(&lg->conf->enc, lg->enc_slot);
	lg->enc_slot = -1;
	dp_resample_leg_fini(&lg->rs);
}

/* Whether c can run a leg with l's codec, rate and ptime. */
static int
leg_check(const struct dp_tick_conf *c, const struct shm_msg_leg *l)
{
	uint32_t ptime = l->ptime_ms ? l->ptime_ms : c->ptime_ms;
	bool g711 = l->codec == SHM_CODEC_PCMU || l->codec == SHM_CODEC_PCMA;
	int samples;

	if (l->codec >= SHM_CODEC_MAX_ || (g711 && l->rate_hz != 8000) ||
	    !dp_l16_rate_is_supported(l->rate_hz) ||
	    ptime % c->ptime_ms != 0 ||
	    ptime / c->ptime_ms > DP_TICK_MAX_FRAMES_PER_PKT)
		return -EINVAL;
	samples = dp_l16_frame_samples(l->rate_hz, c->ptime_ms);
	if (samples <= 0 || samples > DP_TICK_LEG_SAMPLES ||
	    (uint32_t)samples * (g711 ? 1u : 2u) > DP_JITTER_FRAME_MAX ||
	    (uint32_t)samples * (g711 ? 1u : 2u) * (ptime / c->ptime_ms) >
		    DP_TICK_MAX_PAYLOAD)
		return -EINVAL;
	return 0;
}

/* Media state for lg's codec, rate and ptime (leg_check() passed). Cold
 * path. */
static int
leg_setup(struct dp_tick_leg *lg, const struct shm_msg_leg *l, uint64_t now)
{
	struct dp_tick_conf *c = lg->conf;
	uint32_t ptime = l->ptime_ms ? l->ptime_ms : c->ptime_ms;
	bool g711 = l->codec == SHM_CODEC_PCMU || l->codec == SHM_CODEC_PCMA;
	struct dp_jitter_cfg jc;
	size_t n, jb_bytes, pcm_bytes;
	uint8_t *d;
	int rc;

	lg->leg_samples = (uint32_t)dp_l16_frame_samples(l->rate_hz,
							 c->ptime_ms);
	lg->frame_bytes = lg->leg_samples * (g711 ? 1u : 2u);
	lg->frames_per_pkt = ptime / c->ptime_ms;

	jc = (struct dp_jitter_cfg){
		.mode = DP_JITTER_ADAPTIVE,
		.rate_hz = l->rate_hz,
		.tick_ms = c->ptime_ms,
		.frame_bytes = lg->frame_bytes,
		/* at least one tick: a 30 or 40 ms conference has no 20 ms
		 * depth (the buffer refused every leg of one) */
		.min_depth_ms = c->ptime_ms > DP_JITTER_DEPTH_MIN_MS ?
				c->ptime_ms : DP_JITTER_DEPTH_MIN_MS,
		.max_depth_ms = DP_TICK_JITTER_MAX_MS,
		.clock_hz = c->clock_hz,
		/* each G.711 frame's peak, while it is in the cache: the
		 * mixer then skips a silent leg without reading it */
		.meter = g711 ? c->mix.k->g711_peak : NULL,
		.meter_arg = l->codec == SHM_CODEC_PCMA ? 0x55 : 0xff,
		/* and one the mixer will not read is not even copied
		 * (dp_tick_run()): G.711 silence plays in its place */
		.quiet = g711,
		.quiet_code = l->codec == SHM_CODEC_PCMA ? 0xd5 : 0xff,
	};
	/* the window holds DP_JITTER_SLOTS / 2 - 1 ticks */
	if (jc.max_depth_ms > (DP_JITTER_SLOTS / 2 - 1) * c->ptime_ms)
		jc.max_depth_ms = (DP_JITTER_SLOTS / 2 - 1) * c->ptime_ms;
	jc.depth_ms = DP_TICK_JITTER_MS < jc.max_depth_ms ? DP_TICK_JITTER_MS :
		      jc.max_depth_ms;
	/* the store, sized by the frame (a G.711 leg's is a tenth of an
	 * L16 48 kHz one's): the jitter frames, a tick at the leg's rate if
	 * it is resampled, a packet's payload. A new codec that needs more
	 * gets a new one, and until the buffer takes it the old one stays
	 * (the buffer, untouched on failure, still points into it) */
	jb_bytes = dp_jitter_data_bytes(lg->frame_bytes);
	pcm_bytes = l->rate_hz != c->rate_hz ?
		    tutti_lines_of(lg->leg_samples * sizeof(int16_t)) : 0;
	n = jb_bytes + pcm_bytes +
	    tutti_lines_of((size_t)lg->frame_bytes * lg->frames_per_pkt);
	d = lg->store;
	if (lg->store_bytes < n && (d = dp_mem_alloc(n)) == NULL)
		return -ENOMEM;
	rc = dp_jitter_init(&lg->jb, &jc, d, d == lg->store ?
			    lg->store_bytes : n);
	if (d != lg->store) {
		if (rc < 0) {
			dp_mem_free(d);
			return rc;
		}
		dp_mem_free(lg->store);
		lg->store = d;
		lg->store_bytes = n;
	}
	if (rc < 0)
		return rc;
	lg->leg_pcm = pcm_bytes != 0 ? (int16_t *)(d + jb_bytes) : NULL;
	lg->tx_buf = d + jb_bytes + pcm_bytes;
	memset(&lg->rs, 0, sizeof(lg->rs));
	if (l->rate_hz != c->rate_hz) {
		rc = dp_resample_leg_init(&lg->rs, l->rate_hz, c->rate_hz,
					  c->ptime_ms,
					  DP_RESAMPLE_QUALITY_VOIP);
		if (rc < 0)
			return rc;
	}
	lg->enc_slot = dp_mix_enc_ref(&c->enc, l->codec, l->rate_hz);
	if (lg->enc_slot < 0) {
		rc = lg->enc_slot;
		dp_resample_leg_fini(&lg->rs);
		return rc;
	}
	dp_plc_init(&lg->plc);
	lg->plc_pend = 0;
	dp_dtmf_4733_init(&lg->dtmf, l->rate_hz, c->clock_hz);
	dp_dtmf_inband_init(&lg->inband);
	lg->g711 = g711;
	lg->resample = l->rate_hz != c->rate_hz;
	lg->plc_ok = false;
	lg->after_loss = false;
	lg->dtmf_active = lg->n_dtmf_pend != 0;	/* digits still to say */
	lg->tx_frames = 0;
	lg->last_rx = now;
	lg->media_broken = false;
	return 0;
}

/* What can change without touching the media state. */
static void
leg_params(struct dp_tick_leg *lg, const struct shm_msg_leg *l)
{
	struct dp_mix_leg *ml = &lg->conf->ml[lg->idx];

	lg->cfg = *l;
	lg->gain_q12 = dp_mix_gain_q12(l->gain_db_q8);
	lg->g711_direct = lg->g711 && lg->conf->rate_hz == 8000 &&
			  lg->gain_q12 == DP_MIX_GAIN_ONE &&
			  !(l->flags & SHM_LEG_INBAND_DTMF);
	ml->flags = (uint8_t)(((l->flags & SHM_LEG_MUTE) ? DP_MIX_MUTE : 0) |
			      ((l->flags & SHM_LEG_DEAF) ? DP_MIX_DEAF : 0));
	ml->law = l->codec == SHM_CODEC_PCMA ? DP_LAW_ALAW : DP_LAW_ULAW;
}

struct dp_tick_leg *
dp_tick_leg_add(struct dp_tick_conf *c, const struct shm_msg_leg *l,
		void *ctx, uint64_t now, int *err)
{
	struct dp_tick_leg *lg;
	int rc;

	if (c->n_legs == c->cap && grow(c) < 0) {
		*err = -ENOMEM;
		return NULL;
	}
	lg = dp_mem_alloc(sizeof(*lg));
	if (lg == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	memset(lg, 0, sizeof(*lg));
	lg->leg_id = l->leg_id;
	lg->ctx = ctx;
	lg->conf = c;
	lg->idx = c->n_legs;
	lg->enc_slot = -1;
	rc = leg_check(c, l);
	if (rc == 0)
		rc = leg_setup(lg, l, now);
	if (rc < 0) {
		leg_free(lg);
		*err = rc;
		return NULL;
	}
	dp_mix_leg_init(&c->ml[lg->idx], NULL, NULL, 0);
	bind_frames(c, lg->idx);
	leg_params(lg, l);
	/* RFC 3550 5.1: sequence and timestamp start unpredictable */
	lg->tx_seq = (uint16_t)(l->ssrc * 2654435761u >> 16);
	lg->tx_ts = l->ssrc * 2246822519u + (uint32_t)now;
	c->legs[c->n_legs++] = lg;
	*err = 0;
	return lg;
}

int
dp_tick_leg_update(struct dp_tick_leg *lg, const struct shm_msg_leg *l,
		   uint64_t now)
{
	const struct shm_msg_leg *o = &lg->cfg;

	if (l->codec != o->codec || l->rate_hz != o->rate_hz ||
	    l->ptime_ms != o->ptime_ms || lg->media_broken) {
		int rc = leg_check(lg->conf, l);

		if (rc < 0)
			return rc;	/* refused: runs on as before */
		leg_teardown(lg);
		rc = leg_setup(lg, l, now);
		if (rc < 0) {
			/* out of memory half way: the leg stays, silent and
			 * deaf, until the control plane updates or removes
			 * it */
			lg->cfg = *l;
			lg->cfg.dir = SHM_DIR_INACTIVE;
			lg->media_broken = true;	/* until a setup */
			return rc;
		}
		dp_mix_leg_init(&lg->conf->ml[lg->idx], NULL, NULL, 0);
		bind_frames(lg->conf, lg->idx);
	}
	leg_params(lg, l);
	return 0;
}

void
dp_tick_leg_remove(struct dp_tick_leg *lg)
{
	struct dp_tick_conf *c = lg->conf;
	uint32_t last = c->n_legs - 1;

	leg_teardown(lg);
	if (lg->idx != last) {
		c->legs[lg->idx] = c->legs[last];
		c->ml[lg->idx] = c->ml[last];
		c->legs[lg->idx]->idx = lg->idx;
		bind_frames(c, lg->idx);	/* not last's frames */
	}
	c->n_legs--;
	leg_free(lg);
}

int
dp_tick_rx(struct dp_tick_leg *lg, uint8_t pt,
	   const struct dp_jitter_pkt *pkt, uint64_t now, dp_tick_evt_fn evt,
	   void *arg)
{
	struct dp_tick_stats *st = &lg->conf->st;
	int rc = DP_TICK_RX_OK;

	if (!receiving(lg)) {
		rc = DP_TICK_RX_NOT_RECEIVING;
	} else if (lg->cfg.dtmf_pt != 0 && pt == lg->cfg.dtmf_pt) {
		struct dp_dtmf_digit d[DP_DTMF_REPORTS_MAX];
		int n = dp_dtmf_4733_rx(&lg->dtmf, pkt->ts, pkt->payload,
					pkt->len_bytes, now, d);

		lg->dtmf_active = true;	/* pull() polls until it ends */

		report_digits(lg, d, n, evt, arg);
	} else if (pt != lg->cfg.pt) {
		rc = DP_TICK_RX_BAD_PT;
	} else if (dp_jitter_insert(&lg->jb, pkt, now) == 0) {
		rc = DP_TICK_RX_JITTER;
	}
	if (rc == DP_TICK_RX_OK || rc == DP_TICK_RX_JITTER) {
		/* late or duplicate media is still media: not a timeout */
		lg->last_rx = now;
		lg->timed_out = false;
		lg->n_rx++;
	}
	st->rx_drop[rc]++;
	return rc;
}

/*
 * The concealer's history, brought up to date. The frames of a G.711 leg
 * that the mixer decodes itself are not fed to the concealer as they play
 * (SpanDSP's plc_rx() copies each into a history of 280 samples: for a
 * talker, work and six cache lines a tick, for a history that only a loss
 * reads). The tick counts them (plc_pend, ending at play position
 * plc_pend_pos; consecutive, as the tick keeps them) and they stay in
 * their jitter slots. Before the concealer is used or fed anything else,
 * this decodes the newest that fill its history again from their slots
 * and feeds them in order: the history eager feeding would have left, as
 * it keeps only its last DP_PLC_HISTORY_SAMPLES. A frame whose slot a
 * later packet took meanwhile (DP_JITTER_SLOTS ticks on) is left out.
 */
static void
plc_catch_up(struct dp_tick_leg *lg)
{
	uint32_t fs = lg->conf->mix.frame_samples;
	uint32_t need = (DP_PLC_HISTORY_SAMPLES + fs - 1) / fs;
	uint32_t n = lg->plc_pend < need ? lg->plc_pend : need;
	enum dp_law law = lg->cfg.codec == SHM_CODEC_PCMA ? DP_LAW_ALAW :
			  DP_LAW_ULAW;
	int16_t pcm[DP_MIX_MAX_FRAME];

	lg->plc_pend = 0;
	if (fs > DP_MIX_MAX_FRAME)
		return;		/* not a frame the mixer decodes */
	for (uint32_t k = n; k-- > 0;) {	/* the oldest first */
		const uint8_t *p = dp_jitter_played(&lg->jb,
						    lg->plc_pend_pos - k);

		if (p == NULL)
			continue;
		dp_g711_decode(law, pcm, p, fs);
		dp_plc_good(&lg->plc, pcm, fs);
	}
}

/* Before the concealer is used or fed anything else: the frames it is
 * owed, if any. */
static inline void
plc_history(struct dp_tick_leg *lg)
{
	if (lg->plc_pend != 0)
		plc_catch_up(lg);
}

/* A frame the mixer decoded (at play position pos) for the concealer's
 * history, later (plc_catch_up()). */
static void
plc_defer(struct dp_tick_leg *lg, uint32_t pos)
{
	if (pos != lg->plc_pend_pos + 1u)
		plc_history(lg);	/* a gap: the older ones first */
	lg->plc_pend_pos = pos;
	if (lg->plc_pend < UINT8_MAX)
		lg->plc_pend++;
}

/* A pulled frame to linear samples at the conference rate in its pcm:
 * decode, resample, gain, concealment history, in-band DTMF. */
static void
decode_frame(struct dp_tick_leg *lg, const uint8_t *payload,
	     dp_tick_evt_fn evt, void *arg)
{
	struct dp_tick_conf *c = lg->conf;
	uint32_t fs = c->mix.frame_samples;
	int16_t *pcm = pcm_of(c, lg->idx);
	int16_t *in = lg->resample ? lg->leg_pcm : pcm;

	if (lg->g711)
		dp_g711_decode(lg->cfg.codec == SHM_CODEC_PCMA ? DP_LAW_ALAW :
			       DP_LAW_ULAW, in, payload, lg->leg_samples);
	else
		dp_l16_decode(in, payload, lg->leg_samples);
	if ((lg->cfg.flags & SHM_LEG_INBAND_DTMF) && lg->cfg.rate_hz == 8000) {
		struct dp_dtmf_digit d[DP_DTMF_REPORTS_MAX];
		int n = dp_dtmf_inband_rx(&lg->inband, in, lg->leg_samples, d,
					  DP_DTMF_REPORTS_MAX);

		report_digits(lg, d, n, evt, arg);
	}
	if (lg->resample)
		dp_resample_frame(&lg->rs.to_conf, pcm, lg->leg_pcm);
	dp_mix_apply_gain(&c->mix, pcm, lg->gain_q12);
	if (c->rate_hz == DP_PLC_RATE_HZ) {
		plc_history(lg);
		dp_plc_good(&lg->plc, pcm, fs);
	}
	lg->plc_ok = true;
}

/* Input of one leg for the mixer this tick. */
static void
pull(struct dp_tick_leg *lg, struct dp_mix_leg *ml, uint64_t now,
     dp_tick_evt_fn evt, void *arg)
{
	struct dp_tick_conf *c = lg->conf;
	struct dp_dtmf_digit d;
	struct dp_jitter_frame fr;

	ml->pcm = NULL;
	ml->g711 = NULL;
	ml->peak_hint = 0;
	/* a personal mix for a G.711 leg at the conference rate goes
	 * straight into its payload, at this frame's place */
	ml->enc = lg->g711 && !lg->resample && sending(lg) ?
		  lg->tx_buf + lg->tx_frames * lg->frame_bytes : NULL;
	ml->enc_law = lg->cfg.codec == SHM_CODEC_PCMA ? DP_LAW_ALAW :
		      DP_LAW_ULAW;
	if (!receiving(lg)) {
		/* put on hold with digits still waiting */
		if (unlikely(lg->n_dtmf_pend != 0))
			dtmf_flush(lg, evt, arg);
		return;
	}
	switch (dp_jitter_pull(&lg->jb, &fr)) {
	case DP_JITTER_FRAME:
		c->st.frames++;
		if (lg->g711_direct && !lg->after_loss) {
			ml->g711 = fr.payload;	/* the mixer decodes it */
			ml->peak_hint = fr.meter;
		} else {
			decode_frame(lg, fr.payload, evt, arg);
			ml->pcm = pcm_of(c, lg->idx);
		}
		lg->after_loss = false;
		break;
	case DP_JITTER_MISSING:
		c->st.concealed++;
		if (!lg->plc_ok || c->rate_hz != DP_PLC_RATE_HZ) {
			ml->pcm = zeros;	/* it was silent: stays so */
		} else if (c->shed_plc && !lg->after_loss) {
			/* behind time: silent until a good frame (which then
			 * starts without a fade) */
			c->st.plc_shed++;
			lg->plc_ok = false;
			ml->pcm = zeros;
		} else {
			plc_history(lg);
			dp_plc_fill(&lg->plc, pcm_of(c, lg->idx),
				    c->mix.frame_samples);
			ml->pcm = pcm_of(c, lg->idx);
			lg->after_loss = true;
		}
		break;
	default:
		c->st.empty++;
		break;
	}
	/* only legs that sent an event lately, or have digits waiting: the
	 * rest never touch the receiver's line */
	if (lg->dtmf_active) {
		if (lg->n_dtmf_pend != 0)
			dtmf_flush(lg, evt, arg);
		if (dp_dtmf_4733_poll(&lg->dtmf, now, &d) > 0)
			report_digits(lg, &d, 1, evt, arg);
		lg->dtmf_active = dp_dtmf_4733_is_active(&lg->dtmf) ||
				  lg->n_dtmf_pend != 0;
	}
	if (lg->cfg.timeout_ms != 0 && !lg->timed_out &&
	    now - lg->last_rx > (uint64_t)lg->cfg.timeout_ms * c->clock_hz /
					1000u) {
		struct shm_msg m;

		evt_init(&m, SHM_EVT_MEDIA_TIMEOUT, c->conf_id);
		m.body.timeout.leg_id = lg->leg_id;
		m.body.timeout.idle_ms = (uint32_t)((now - lg->last_rx) *
						    1000u / c->clock_hz);
		/* said once; again at the next tick if there was no room
		 * (20,000 legs whose media stops together: more than the
		 * event ring holds, and a timeout lost is a call that stays
		 * up with no media), not if no control plane listens (a
		 * new one looks for itself, after its takeover) */
		lg->timed_out = evt(arg, &m) != -ENOBUFS;
	}
}

/* The payload lg is sent this tick, into tx_buf at its frame's place
 * unless it can point at the shared buffer. */
static const uint8_t *
payload_for(struct dp_tick_leg *lg, const struct dp_mix_leg *ml, bool *shared)
{
	struct dp_tick_conf *c = lg->conf;
	uint8_t *dst = lg->tx_buf + lg->tx_frames * lg->frame_bytes;
	const int16_t *pcm;
	uint32_t len;

	*shared = false;
	if (ml->out != NULL && !ml->contrib) {
		const uint8_t *p = dp_mix_enc_shared(&c->enc, lg->enc_slot,
						     ml->out, c->frame, &len);

		if (lg->frames_per_pkt == 1) {
			*shared = true;
			return p;
		}
		memcpy(dst, p, len);
		return dst;
	}
	if (ml->out_enc != NULL)	/* the mixer wrote it there */
		return ml->out_enc;
	pcm = ml->out != NULL ? ml->out : zeros;	/* deaf: silence */
	if (lg->resample) {
		dp_resample_frame(&lg->rs.to_leg, lg->leg_pcm, pcm);
		pcm = lg->leg_pcm;
	}
	if (lg->g711)
		dp_g711_encode(lg->cfg.codec == SHM_CODEC_PCMA ? DP_LAW_ALAW :
			       DP_LAW_ULAW, dst, pcm, lg->leg_samples);
	else
		dp_l16_encode(dst, pcm, lg->leg_samples);
	return dst;
}

static void
talker_evt(struct dp_tick_leg *lg, const struct dp_mix_leg *ml,
	   dp_tick_evt_fn evt, void *arg)
{
	struct shm_msg m;
	double ms = (double)ml->level / lg->conf->mix.frame_samples;
	double db = ms > 0 ? 10.0 * log10(ms / (32768.0 * 32768.0)) : -96.0;

	evt_init(&m, SHM_EVT_TALKER, lg->conf->conf_id);
	m.body.talker.leg_id = lg->leg_id;
	m.body.talker.talking = ml->talking;
	m.body.talker.level_dbov_q8 = (int16_t)lrint((db < -96.0 ? -96.0 :
						      db) * 256.0);
	/* a state, not an edge: with no room now, the state of the tick
	 * that finds room is said (a spurt that started and ended
	 * meanwhile, never) */
	if (evt(arg, &m) != -ENOBUFS)
		lg->talk_said = ml->talking;
}

void
dp_tick_conf_resay(struct dp_tick_conf *c)
{
	for (uint32_t i = 0; i < c->n_legs; i++)
		c->legs[i]->talk_said = false;
}

/* Legs ahead of the one pulled whose fields are asked for (2 * AHEAD),
 * then, once those are in, their jitter slot (AHEAD), and then the
 * next leg's frame unless the mixer will not read it (metered silent). */
#define AHEAD	2

void
dp_tick_conf_prefetch(const struct dp_tick_conf *c)
{
	for (uint32_t i = 0; i < c->n_legs && i < 2 * AHEAD; i++)
		dp_tick_leg_prefetch(c->legs[i]);
}

void
dp_tick_run(struct dp_tick_conf *c, uint64_t now, dp_tick_send_fn send,
	    dp_tick_evt_fn evt, void *arg)
{
	uint32_t n = c->n_legs, nc;

	c->frame++;
	c->st.ticks++;
	if (unlikely(c->work_gen != c->work->gen)) {
		/* another conference's legs moved the frames */
		for (uint32_t i = 0; i < n; i++)
			bind_frames(c, i);
		c->work_gen = c->work->gen;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (i + 2 * AHEAD < n)
			dp_tick_leg_prefetch(c->legs[i + 2 * AHEAD]);
		if (i + AHEAD < n)
			dp_jitter_prefetch_pull(&c->legs[i + AHEAD]->jb);
		if (i + 1 < n) {
			const struct dp_jitter *jb = &c->legs[i + 1]->jb;

			if (dp_mix_reads_codes(&c->mix, &c->ml[i + 1],
					       dp_jitter_head_meter(jb)))
				dp_jitter_prefetch_frame(jb);
		}
		pull(c->legs[i], &c->ml[i], now, evt, arg);
	}
	nc = dp_mix_frame(&c->mix, c->ml, n);
	for (uint32_t i = 0; i < n; i++) {
		struct dp_tick_leg *lg = c->legs[i];
		struct dp_mix_leg *ml = &c->ml[i];
		struct dp_tick_out o;
		bool heard;

		/* the packet layer's leg state: what sending needs is in
		 * its first line (struct dp_leg_rt) */
		if (i + AHEAD < n)
			tutti_prefetch(c->legs[i + AHEAD]->ctx);
		if (ml->g711 != NULL) {
			/* the mixer decoded it, or found it silent (which
			 * the history never gets: what it has goes in now,
			 * while the slots still hold it) */
			lg->plc_ok = ml->src == ml->decoded;
			if (lg->plc_ok)
				plc_defer(lg, dp_jitter_last_pos(&lg->jb));
			else
				plc_history(lg);
		}
		/* the frames that play next need not be kept if the mixer
		 * will not read them (dp_mix_reads_codes()): metered below
		 * the floor and out of hangover, and going straight to the
		 * mixer. Nor while plc_ok (after a frame the mixer decoded,
		 * as in hangover, or a concealed one): a loss would be
		 * concealed and the frame after it decoded, and the
		 * concealer's history is to hold what was sent */
		dp_jitter_set_quiet(&lg->jb, c->mix.loud_thr[ml->law & 1],
				    lg->g711_direct && ml->hang == 0 &&
				    !lg->plc_ok);
		if (unlikely(ml->talking != lg->talk_said))
			talker_evt(lg, ml, evt, arg);
		if (!sending(lg))
			continue;
		o.payload = payload_for(lg, ml, &o.shared);
		heard = (ml->out != NULL || ml->out_enc != NULL) &&
			nc > (ml->contrib ? 1u : 0u);
		lg->pend_heard |= heard;
		if (++lg->tx_frames < lg->frames_per_pkt)
			continue;
		heard = lg->pend_heard;
		lg->pend_heard = false;
		o.ctx = lg->ctx;
		o.leg_id = lg->leg_id;
		o.len_bytes = lg->frame_bytes * lg->frames_per_pkt;
		if (lg->frames_per_pkt > 1)
			o.payload = lg->tx_buf;
		o.marker = heard && !lg->heard;
		o.pt = lg->cfg.pt;
		o.seq = lg->tx_seq++;
		o.ts = lg->tx_ts;
		o.ssrc = lg->cfg.ssrc;
		lg->tx_ts += lg->leg_samples * lg->frames_per_pkt;
		lg->tx_frames = 0;
		lg->heard = heard;
		lg->n_tx++;
		c->st.pkts_out++;
		c->st.shared_out += o.shared;
		send(arg, &o);
	}
}
