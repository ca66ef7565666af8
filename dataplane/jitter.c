/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jitter.c: the per-leg playout buffer (model and policy in jitter.h).
 * Dataplane, owning worker lcore, hot path: no allocation, no locks, no
 * logging; every loop is bounded by a small constant (split, overflow skip).
 */
#include "jitter.h"

#include <errno.h>
#include <string.h>

#define SLOT_MASK	(DP_JITTER_SLOTS - 1u)

_Static_assert((DP_JITTER_SLOTS & (DP_JITTER_SLOTS - 1)) == 0,
	       "DP_JITTER_SLOTS must be a power of two");

enum slot_state {
	SLOT_EMPTY = 0,		/* nothing for slot.pos (or never used) */
	SLOT_FULL = 1,		/* a frame waits to be played at slot.pos */
	SLOT_PLAYED = 2,	/* slot.pos's frame was played or dropped */
	SLOT_PARTIAL = 3,	/* some grains of slot.pos's frame (mask) */
};

enum {
	SLOT_F_MARKER = 1,	/* the RTP M bit */
	SLOT_F_QUIET = 2,	/* kept as the quiet frame (jitter.h) */
};

/* Grains a tick is cut into for packets that are not whole frames: the
 * smallest of 5 and 10 ms that is a whole number of samples and bytes
 * and divides the tick into at most DP_JITTER_GRAINS_MAX; else 1 (whole
 * frames only). */
static uint8_t
grains_of(const struct dp_jitter_cfg *cfg)
{
	for (uint32_t g = DP_JITTER_GRAIN_MS; g <= 2 * DP_JITTER_GRAIN_MS;
	     g += DP_JITTER_GRAIN_MS) {
		uint32_t n = cfg->tick_ms / g;

		if (cfg->tick_ms % g == 0 && n <= DP_JITTER_GRAINS_MAX &&
		    (cfg->rate_hz * g) % 1000 == 0 && cfg->frame_bytes % n == 0)
			return (uint8_t)n;
	}
	return 1;
}

/* The jitter_q4 values whose want_frames() is at most w: those below the
 * result (0: none; UINT32_MAX: all). */
static uint32_t
q4_below_want_above(const struct dp_jitter *jb, uint32_t w)
{
	uint64_t den = 16u * (uint64_t)jb->tick_ts, q;

	if (w >= jb->max_f)
		return UINT32_MAX;
	if (w < jb->min_f || w == 0)
		return 0;
	/* min_f <= w < max_f: ceil(K * q4 / den) + 1 <= w, that is
	 * q4 <= (w - 1) * den / K */
	q = (uint64_t)(w - 1) * den / DP_JITTER_ADAPT_K + 1;
	return q < UINT32_MAX ? (uint32_t)q : UINT32_MAX;
}

/* The frame of the slot holding position pos. */
static inline uint8_t *
slot_data(const struct dp_jitter *jb, uint32_t pos)
{
	return jb->data + (pos & SLOT_MASK) * jb->stride;
}

/* The quiet frame: after the slots' frames (dp_jitter_data_bytes()). */
static inline uint8_t *
quiet_frame(const struct dp_jitter *jb)
{
	return jb->data + (size_t)DP_JITTER_SLOTS * jb->stride;
}

/* A new adaptive target and the bounds that stand for want_frames()
 * against it (cold: when the target moves). */
static void
set_target(struct dp_jitter *jb, uint32_t t)
{
	jb->st.target_frames = t;
	jb->q4_raise = q4_below_want_above(jb, t);	/* want > t from it */
	jb->q4_shrink_lt = t == 0 ? 0 : q4_below_want_above(jb, t - 1);
}

int
dp_jitter_init(struct dp_jitter *jb, const struct dp_jitter_cfg *cfg,
	       uint8_t *data, size_t data_bytes)
{
	uint32_t max_f, min_f, depth_f;

	if (jb == NULL || cfg == NULL || data == NULL)
		return -EINVAL;
	if (cfg->mode != DP_JITTER_FIXED && cfg->mode != DP_JITTER_ADAPTIVE)
		return -EINVAL;
	if (cfg->rate_hz == 0 || cfg->rate_hz > 192000 || cfg->tick_ms == 0 ||
	    cfg->tick_ms > 1000 || (cfg->rate_hz * cfg->tick_ms) % 1000 != 0)
		return -EINVAL;
	if (cfg->frame_bytes == 0 || cfg->frame_bytes > DP_JITTER_FRAME_MAX ||
	    data_bytes < dp_jitter_data_bytes(cfg->frame_bytes))
		return -EINVAL;
	if (cfg->clock_hz == 0)
		return -EINVAL;
	if (cfg->max_depth_ms < DP_JITTER_DEPTH_MIN_MS ||
	    cfg->max_depth_ms > DP_JITTER_DEPTH_MAX_MS ||
	    cfg->depth_ms < DP_JITTER_DEPTH_MIN_MS ||
	    cfg->depth_ms > cfg->max_depth_ms)
		return -EINVAL;
	if (cfg->mode == DP_JITTER_ADAPTIVE &&
	    (cfg->min_depth_ms < DP_JITTER_DEPTH_MIN_MS ||
	     cfg->min_depth_ms > cfg->depth_ms))
		return -EINVAL;
	max_f = cfg->max_depth_ms / cfg->tick_ms;
	depth_f = cfg->depth_ms / cfg->tick_ms;
	min_f = cfg->mode == DP_JITTER_ADAPTIVE ?
		cfg->min_depth_ms / cfg->tick_ms : depth_f;
	if (min_f == 0 || max_f > DP_JITTER_SLOTS / 2 - 1)
		return -EINVAL;

	memset(jb, 0, sizeof(*jb));
	jb->cfg = *cfg;
	jb->frame_bytes = cfg->frame_bytes;
	jb->stride = dp_jitter_stride(cfg->frame_bytes);
	jb->data = data;
	jb->meter = cfg->meter;
	jb->meter_arg = cfg->meter_arg;
	jb->quiet = cfg->quiet && cfg->meter != NULL;
	memset(quiet_frame(jb), cfg->quiet_code, cfg->frame_bytes);
	jb->grains = grains_of(cfg);
	jb->grain_bytes = (uint16_t)(cfg->frame_bytes / jb->grains);
	jb->mode = (uint8_t)cfg->mode;
	jb->tick_ts = cfg->rate_hz * cfg->tick_ms / 1000;
	jb->grain_ts = jb->tick_ts / jb->grains;
	jb->min_f = min_f;
	jb->max_f = max_f;
	jb->early_f = max_f + (max_f > DP_JITTER_SPLIT_MAX ?
			       max_f : DP_JITTER_SPLIT_MAX);
	jb->hist_f = DP_JITTER_SLOTS - 1 - max_f;
	jb->now_mult_q32 = ((uint64_t)cfg->rate_hz << 32) / cfg->clock_hz;
	jb->now_delta_max = jb->now_mult_q32 == 0 ?
		UINT64_MAX : UINT64_MAX / jb->now_mult_q32;
	jb->st.depth_frames = depth_f;
	dp_jitter_reset(jb);	/* sets the target: depth_f */
	return 0;
}

void
dp_jitter_reset(struct dp_jitter *jb)
{
	jb->started = false;
	jb->played = false;
	jb->have_prev = false;
	jb->have_cand = false;
	jb->have_old_ssrc = false;
	jb->jitter_q4 = 0;
	jb->loud_pending = false;
	jb->shrink_hold = 0;
	jb->shrink_wait = 0;
	jb->st.jitter_ts = 0;
	set_target(jb, jb->cfg.depth_ms / jb->cfg.tick_ms);
	jb->st.depth_frames = jb->st.target_frames;
	for (uint32_t i = 0; i < DP_JITTER_SLOTS; i++)
		jb->slot[i].state = SLOT_EMPTY;
}

const struct dp_jitter_stats *
dp_jitter_stats(const struct dp_jitter *jb)
{
	return &jb->st;
}

/* The bytes of the frame in slot s, for position pos. */
static inline const uint8_t *
frame_of(const struct dp_jitter *jb, const struct dp_jitter_slot *s,
	 uint32_t pos)
{
	return (s->flags & SLOT_F_QUIET) ? quiet_frame(jb) :
					   slot_data(jb, pos);
}

/*
 * Anchor the timeline on pkt: keep what is buffered and continue right
 * after it, or start `depth` ticks ahead when nothing is buffered.
 */
static void
anchor(struct dp_jitter *jb, const struct dp_jitter_pkt *pkt)
{
	int32_t ahead = (int32_t)(jb->top_pos - jb->play_pos);
	bool pending = jb->started && ahead >= 0;
	uint32_t land = pending ? (uint32_t)ahead + 1 : jb->st.depth_frames;

	if (!jb->started) {
		jb->play_pos = 0;
		jb->played = false;
	} else if (!pending) {
		jb->played = false;
	}
	jb->play_ts = pkt->ts - land * jb->tick_ts;
	if (!pending) {
		jb->top_pos = jb->play_pos - 1;
		jb->loud_pending = false;
	}
	jb->max_seq = (uint16_t)(pkt->seq - 1);
	jb->started = true;
	jb->have_prev = false;
	jb->have_cand = false;
}

/* Move the head one tick on, leaving the slot it leaves marked. */
static void
advance(struct dp_jitter *jb, struct dp_jitter_slot *s)
{
	if (s->pos != jb->play_pos || s->state != SLOT_PLAYED) {
		s->pos = jb->play_pos;
		s->state = SLOT_EMPTY;
	}
	jb->play_pos++;
	jb->play_ts += jb->tick_ts;
	if (jb->loud_pending && (int32_t)(jb->play_pos - jb->loud_pos) > 0)
		jb->loud_pending = false;
}

/* Bound latency: drop the n oldest ticks (n <= early_f - max_f). */
static void
skip_ticks(struct dp_jitter *jb, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct dp_jitter_slot *s = &jb->slot[jb->play_pos & SLOT_MASK];

		if (s->pos == jb->play_pos && s->state == SLOT_FULL)
			jb->st.n_overflow_frames++;
		advance(jb, s);
	}
}

static uint32_t
want_frames(const struct dp_jitter *jb)
{
	uint64_t den = 16u * (uint64_t)jb->tick_ts;
	uint64_t w = ((uint64_t)DP_JITTER_ADAPT_K * jb->jitter_q4 + den - 1) /
		     den + 1;

	if (w < jb->min_f)
		w = jb->min_f;
	if (w > jb->max_f)
		w = jb->max_f;
	return (uint32_t)w;
}

static void
raise_target(struct dp_jitter *jb, uint32_t want)
{
	if (want > jb->st.target_frames) {
		set_target(jb, want);
		jb->shrink_hold = 0;
	}
}

/* RFC 3550 6.4.1 / A.8 interarrival jitter, then the adaptive target. */
static inline __attribute__((always_inline)) void
update_jitter(struct dp_jitter *jb, uint32_t ts, uint64_t now)
{
	if (jb->have_prev) {
		uint64_t dn = now > jb->prev_now ? now - jb->prev_now : 0;
		int64_t arrival, d;

		if (dn > jb->now_delta_max)
			dn = jb->now_delta_max;
		arrival = (int64_t)((dn * jb->now_mult_q32) >> 32);
		if (arrival > INT32_MAX)
			arrival = INT32_MAX;
		d = arrival - (int32_t)(ts - jb->prev_ts);
		if (d < 0)
			d = -d;
		if (d > (1 << 24))	/* ts units: keep J * 16 in 32 bits */
			d = 1 << 24;
		jb->jitter_q4 += (uint32_t)d - ((jb->jitter_q4 + 8) >> 4);
		jb->st.jitter_ts = jb->jitter_q4 >> 4;
		if (jb->mode == DP_JITTER_ADAPTIVE &&
		    jb->jitter_q4 >= jb->q4_raise)
			raise_target(jb, want_frames(jb));
	}
	jb->prev_now = now;
	jb->prev_ts = ts;
	jb->have_prev = true;
}

static int
drop(struct dp_jitter *jb, enum dp_jitter_drop why)
{
	jb->st.n_drop[why]++;
	jb->last_drop = (uint8_t)why;
	return 0;
}

/* A packet outside the window: resync on it, or remember and drop it. */
static bool
outside_resyncs(struct dp_jitter *jb, const struct dp_jitter_pkt *pkt)
{
	bool follows = (uint16_t)(pkt->seq - jb->max_seq) == 1;
	bool near = jb->have_cand &&
		(uint16_t)(pkt->seq - jb->cand_seq - 1) <
		DP_JITTER_RESYNC_SEQ_NEAR;

	if (!follows && !near) {
		jb->have_cand = true;
		jb->cand_seq = pkt->seq;
		return false;
	}
	jb->st.n_resync++;
	anchor(jb, pkt);
	return true;
}

/* How a packet is placed (span()). */
enum place {
	PLACE_FRAMES = 1,	/* whole frames, from tick d on */
	PLACE_GRAINS = 2,	/* grain by grain (store_grains()) */
};

/*
 * The ticks a packet spans, from the play head: [*d, *last]. Its
 * timestamp goes to the nearest grain (a sender's timestamps need not be
 * exact; without grains, the nearest tick). Whole frames that land on a
 * tick go frame by frame; anything else grain by grain, its first at
 * grain *g0 of tick *d.
 */
static inline enum place
span(const struct dp_jitter *jb, const struct dp_jitter_pkt *pkt,
     uint32_t frames, int32_t *d, int32_t *last, uint32_t *g0)
{
	uint32_t tick = jb->tick_ts, grain_ts = jb->grain_ts, o, g;
	int32_t rel = (int32_t)(pkt->ts - jb->play_ts);
	uint32_t u = (uint32_t)(rel >= 0 ? rel : -(int64_t)rel);

	/* one division: floor(rel / tick) and the remainder, o */
	*d = (int32_t)(u / tick);
	o = u % tick;
	if (rel < 0 && o != 0) {
		*d = -*d - 1;
		o = tick - o;
	} else if (rel < 0) {
		*d = -*d;
	}
	g = o == 0 ? 0 : (o + grain_ts / 2) / grain_ts;	/* nearest */
	if (g >= jb->grains) {
		(*d)++;
		g = 0;
	}
	if (frames != 0 && g == 0) {
		*last = *d + (int32_t)frames - 1;
		*g0 = 0;
		return PLACE_FRAMES;
	}
	*g0 = g;
	*last = *d + (int32_t)((g + pkt->len_bytes / jb->grain_bytes - 1) /
			       jb->grains);
	return PLACE_GRAINS;
}

/* The meter byte of a stored frame (dp_jitter_frame.meter): 0 without
 * cfg.meter, else 1 + its result, at most 255. */
static uint8_t
frame_meter(const struct dp_jitter *jb, const uint8_t *frame)
{
	uint8_t r;

	if (jb->meter == NULL)
		return 0;
	r = jb->meter(frame, jb->frame_bytes, jb->meter_arg);
	return (uint8_t)(1u + (r < 254 ? r : 254));
}

/* Quiet frames: whether a frame of meter byte m, for position pos, keeps
 * its bytes (it is loud, or one is still to be played before it); a loud
 * one is remembered. */
static inline bool
keeps_bytes(struct dp_jitter *jb, uint8_t m, uint32_t pos)
{
	if (m == 0 || m > jb->quiet_max) {
		if (!jb->loud_pending || (int32_t)(pos - jb->loud_pos) > 0)
			jb->loud_pos = pos;
		jb->loud_pending = true;
		return true;
	}
	return !jb->quiet_ok || jb->loud_pending;
}

/* Whether the slot for pos holds its frame already, or played it. */
static bool
slot_taken(const struct dp_jitter_slot *s, uint32_t pos)
{
	return s->pos == pos && (s->state == SLOT_FULL ||
				 s->state == SLOT_PLAYED);
}

/* A whole frame j of pkt for tick d + j, from the play head. */
static inline __attribute__((always_inline)) void
store_frame(struct dp_jitter *jb, struct dp_jitter_slot *s, uint32_t pos,
	    const struct dp_jitter_pkt *pkt, uint32_t j)
{
	uint32_t fb = jb->frame_bytes;
	const uint8_t *src = pkt->payload + j * fb;

	s->pos = pos;
	s->ts = pkt->ts + j * jb->tick_ts;
	s->seq = pkt->seq;
	s->flags = pkt->marker && j == 0 ? SLOT_F_MARKER : 0;
	s->len_bytes = (uint16_t)fb;
	s->state = SLOT_FULL;
	s->meter = frame_meter(jb, src);
	if (jb->quiet && !keeps_bytes(jb, s->meter, pos)) {
		s->flags |= SLOT_F_QUIET;
		jb->st.n_quiet++;
		return;
	}
	memcpy(slot_data(jb, pos), src, fb);
}

/* The grains of a packet placed grain by grain, the first at grain g0 of
 * tick d, each into its tick's slot; a frame whose grains are all in is
 * full. Returns the ticks it stored grains in; *dup if some were there
 * already. */
static uint32_t
store_grains(struct dp_jitter *jb, const struct dp_jitter_pkt *pkt,
	     int32_t d, uint32_t g0, bool *dup)
{
	uint32_t gb = jb->grain_bytes, grain_ts = jb->grain_ts;
	uint32_t n = pkt->len_bytes / gb, stored = 0, last_pos = 0;
	uint8_t full = (uint8_t)((1u << jb->grains) - 1u);

	for (uint32_t j = 0; j < n; j++) {
		int32_t t = d + (int32_t)((g0 + j) / jb->grains);
		uint32_t g = (g0 + j) % jb->grains;
		uint32_t pos = jb->play_pos + (uint32_t)t;
		struct dp_jitter_slot *s = &jb->slot[pos & SLOT_MASK];

		if (slot_taken(s, pos) || (s->pos == pos &&
		    s->state == SLOT_PARTIAL && (s->mask & (1u << g)))) {
			*dup = true;
			continue;
		}
		if (t < 0)
			continue;	/* this tick is gone: late */
		if (s->pos != pos || s->state != SLOT_PARTIAL) {
			s->pos = pos;
			s->state = SLOT_PARTIAL;
			s->mask = 0;
			s->ts = pkt->ts + (j - g) * grain_ts;
			s->seq = pkt->seq;
			s->flags = 0;
			s->len_bytes = (uint16_t)jb->frame_bytes;
			s->meter = 0;
		}
		if (pkt->marker && j == 0)
			s->flags |= SLOT_F_MARKER;
		memcpy(slot_data(jb, pos) + g * gb, pkt->payload + j * gb, gb);
		s->mask |= (uint8_t)(1u << g);
		if (s->mask == full) {
			s->state = SLOT_FULL;
			s->meter = frame_meter(jb, slot_data(jb, pos));
			/* its bytes are in: only remembered if loud */
			if (jb->quiet)
				(void)keeps_bytes(jb, s->meter, pos);
		}
		if ((int32_t)(pos - jb->top_pos) > 0)
			jb->top_pos = pos;
		stored += stored == 0 || pos != last_pos;
		last_pos = pos;
	}
	return stored;
}

int
dp_jitter_insert(struct dp_jitter *jb, const struct dp_jitter_pkt *pkt,
		 uint64_t now)
{
	uint32_t fb = jb->frame_bytes;
	uint32_t g0, stored = 0, k;
	int32_t d, last;
	enum place how;
	bool dup = false;

	jb->st.n_in++;
	/* The packet nearly every one is: the same source's next frame, one
	 * whole frame on the tick after the newest stored, within max_f.
	 * What the steps below do with it (span() gives d = that tick, g 0,
	 * last = d <= max_f <= early_f: no resync, no skip), without the
	 * division and the cases it is none of. */
	if (likely(jb->started && pkt->ssrc == jb->ssrc &&
		   pkt->len_bytes == fb)) {
		uint32_t pos = jb->top_pos + 1, ahead = pos - jb->play_pos;
		struct dp_jitter_slot *s = &jb->slot[pos & SLOT_MASK];

		if (ahead <= jb->max_f &&
		    pkt->ts == jb->play_ts + ahead * jb->tick_ts &&
		    !slot_taken(s, pos)) {
			store_frame(jb, s, pos, pkt, 0);
			jb->top_pos = pos;
			if ((int16_t)(pkt->seq - jb->max_seq) > 0)
				jb->max_seq = pkt->seq;
			update_jitter(jb, pkt->ts, now);
			jb->st.n_stored++;
			return 1;
		}
	}
	if (pkt->len_bytes > DP_JITTER_SPLIT_MAX * fb)
		return drop(jb, DP_JITTER_DROP_TOO_BIG);
	/* k: whole frames, or 0 for a packet that can only go by grains */
	k = pkt->len_bytes / fb;
	if (pkt->len_bytes != k * fb) {
		k = 0;
		if (jb->grains == 1 || pkt->len_bytes % jb->grain_bytes != 0)
			return drop(jb, DP_JITTER_DROP_BAD_LEN);
	}
	if (pkt->len_bytes == 0)
		return drop(jb, DP_JITTER_DROP_BAD_LEN);

	if (!jb->started) {
		jb->ssrc = pkt->ssrc;
		anchor(jb, pkt);
	} else if (pkt->ssrc != jb->ssrc) {
		if (jb->have_old_ssrc && pkt->ssrc == jb->old_ssrc)
			return drop(jb, DP_JITTER_DROP_OLD_SSRC);
		jb->old_ssrc = jb->ssrc;
		jb->have_old_ssrc = true;
		jb->ssrc = pkt->ssrc;
		jb->st.n_ssrc_change++;
		anchor(jb, pkt);
	}

	how = span(jb, pkt, k, &d, &last, &g0);
	if (d < -(int32_t)jb->hist_f || last > (int32_t)jb->early_f) {
		if (!outside_resyncs(jb, pkt))
			return drop(jb, DP_JITTER_DROP_OUTSIDE);
		how = span(jb, pkt, k, &d, &last, &g0);	/* anchored on it */
	}
	if (last > (int32_t)jb->max_f) {
		uint32_t n = (uint32_t)(last - (int32_t)jb->max_f);

		skip_ticks(jb, n);
		d -= (int32_t)n;
	}

	if (how == PLACE_GRAINS) {
		stored = store_grains(jb, pkt, d, g0, &dup);
	} else {
		for (uint32_t j = 0; j < k; j++) {
			uint32_t pos = jb->play_pos + (uint32_t)(d + (int32_t)j);
			struct dp_jitter_slot *s = &jb->slot[pos & SLOT_MASK];

			if (slot_taken(s, pos)) {
				dup = true;	/* buffered or already played */
				continue;
			}
			if (d + (int32_t)j < 0)
				continue;	/* this tick is gone: late */
			store_frame(jb, s, pos, pkt, j);
			if ((int32_t)(pos - jb->top_pos) > 0)
				jb->top_pos = pos;
			stored++;
		}
	}

	if ((int16_t)(pkt->seq - jb->max_seq) > 0)
		jb->max_seq = pkt->seq;
	if (stored == 0 && dup)
		return drop(jb, DP_JITTER_DROP_DUP);
	update_jitter(jb, pkt->ts, now);
	if (stored == 0) {
		if (jb->mode == DP_JITTER_ADAPTIVE) {
			uint32_t w = jb->st.depth_frames + 1;

			raise_target(jb, w < jb->max_f ? w : jb->max_f);
		}
		return drop(jb, DP_JITTER_DROP_LATE);
	}
	jb->st.n_stored++;
	return (int)stored;
}

const uint8_t *
dp_jitter_played(const struct dp_jitter *jb, uint32_t pos)
{
	const struct dp_jitter_slot *s = &jb->slot[pos & SLOT_MASK];

	if (s->pos != pos || s->state != SLOT_PLAYED)
		return NULL;
	return frame_of(jb, s, pos);
}

static bool
slot_is_full(const struct dp_jitter *jb, uint32_t pos)
{
	const struct dp_jitter_slot *s = &jb->slot[pos & SLOT_MASK];

	return s->pos == pos && s->state == SLOT_FULL;
}

static enum dp_jitter_status
not_played(struct dp_jitter *jb)
{
	if (jb->played) {
		jb->st.n_missing++;
		return DP_JITTER_MISSING;
	}
	jb->st.n_empty++;
	return DP_JITTER_EMPTY;
}

/* Adaptive: move the target down slowly; true if the head must hold. */
static bool
adapt_before_pull(struct dp_jitter *jb)
{
	struct dp_jitter_stats *st = &jb->st;
	uint32_t pos = jb->play_pos;

	if (jb->jitter_q4 < jb->q4_shrink_lt) {	/* want < target */
		if (++jb->shrink_hold >= DP_JITTER_SHRINK_HOLD_TICKS) {
			set_target(jb, st->target_frames - 1);
			jb->shrink_hold = 0;
		}
	} else {
		jb->shrink_hold = 0;
	}
	if (st->depth_frames < st->target_frames) {
		st->depth_frames++;
		st->n_grow++;
		return true;
	}
	if (st->depth_frames == st->target_frames) {
		jb->shrink_wait = 0;
		return false;
	}
	jb->shrink_wait++;
	if (!slot_is_full(jb, pos) && slot_is_full(jb, pos + 1) &&
	    (jb->slot[(pos + 1) & SLOT_MASK].flags & SLOT_F_MARKER)) {
		advance(jb, &jb->slot[pos & SLOT_MASK]);
		st->n_shrink_silence++;
	} else if (jb->shrink_wait >= DP_JITTER_FORCE_DROP_TICKS &&
		   slot_is_full(jb, pos) && slot_is_full(jb, pos + 1)) {
		jb->slot[pos & SLOT_MASK].state = SLOT_PLAYED;
		advance(jb, &jb->slot[pos & SLOT_MASK]);
		st->n_shrink_drop++;
	} else {
		return false;
	}
	st->depth_frames--;
	jb->shrink_wait = 0;
	return false;
}

enum dp_jitter_status
dp_jitter_pull(struct dp_jitter *jb, struct dp_jitter_frame *out)
{
	struct dp_jitter_slot *s;

	if (!jb->started) {
		jb->st.n_empty++;
		return DP_JITTER_EMPTY;
	}
	if (jb->mode == DP_JITTER_ADAPTIVE && adapt_before_pull(jb))
		return not_played(jb);	/* inserted frame: the head holds */

	s = &jb->slot[jb->play_pos & SLOT_MASK];
	if (s->pos != jb->play_pos || s->state != SLOT_FULL) {
		enum dp_jitter_status r = not_played(jb);

		if (s->pos == jb->play_pos && s->state == SLOT_PARTIAL)
			jb->st.n_partial++;

		advance(jb, s);
		return r;
	}
	out->payload = frame_of(jb, s, jb->play_pos);
	out->len_bytes = s->len_bytes;
	out->ts = s->ts;
	out->seq = s->seq;
	out->marker = (s->flags & SLOT_F_MARKER) != 0;
	out->meter = s->meter;
	s->state = SLOT_PLAYED;
	jb->played = true;
	jb->st.n_frames++;
	advance(jb, s);
	return DP_JITTER_FRAME;
}
