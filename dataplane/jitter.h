/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jitter.h: per-leg playout (jitter) buffer. RTP packets of one leg go in as
 * they arrive; the conference tick pulls exactly one frame per tick, or is
 * told the frame is missing (run PLC) or that there is nothing to play yet.
 * All state lives in caller storage (struct dp_jitter, in the leg's slot);
 * no allocation after dp_jitter_init(), O(1) insert and pull. Media library,
 * no DPDK; dataplane, owning worker lcore, hot path.
 *
 * Model. Frames are placed by RTP timestamp: a packet's timestamp, relative
 * to the timestamp the play head will ask for next, divided by the tick's
 * length in timestamp units (rounded to the nearest tick), is the number of
 * pulls before it plays. So reordering, loss, 16-bit sequence wrap and 32-bit
 * timestamp wrap need no special case. A packet carries 1 to
 * DP_JITTER_SPLIT_MAX frames of cfg.frame_bytes each (e.g. a 40 ms G.711
 * packet is split into two 20 ms ticks).
 * Other packet times. A phone need not send the conference's packet time
 * (SDP's a=ptime is a wish): a payload that is not a whole number of
 * frames is cut into grains of 5 ms (10 ms where 5 ms is not a whole number
 * of samples, e.g. 44.1 kHz), placed by timestamp on the ticks' grid (which
 * the first packet anchors; a timestamp off the grains' grid goes to the
 * nearest grain, as whole frames go to the nearest tick), and a tick's
 * frame is assembled in its slot from its grains in any order: 10 ms
 * packets into 20 ms ticks take two packets a tick, 30 ms packets into
 * 20 ms ticks one and a half. A tick whose frame is still incomplete when
 * it plays is MISSING (concealed) and counted in n_partial. A payload that
 * is not a whole number of grains is dropped (DP_JITTER_DROP_BAD_LEN); so
 * is any partial packet when the tick is not a whole number of grains, or
 * more than 8.
 *
 * Depth. The first packet (and the first after a resync with nothing
 * buffered) is played after `target` pulls that return DP_JITTER_EMPTY.
 * Latency is bounded by max_depth: a packet that would play later than
 * max_depth ticks from now advances the play head (buffered frames that fall
 * off are counted in n_overflow_frames); one beyond twice max_depth, or more
 * than the history behind the head, is outside the window (dropped, counted,
 * and may trigger a resync, below).
 *
 * Adaptive mode follows the RFC 3550 interarrival jitter J (in timestamp
 * units): want = clamp(ceil(DP_JITTER_ADAPT_K * J / tick) + 1, min, max)
 * frames, and a late packet asks for one frame more than the current depth.
 * The target grows at once and shrinks by one frame only after want has
 * stayed below it for DP_JITTER_SHRINK_HOLD_TICKS pulls. The current depth
 * follows the target by:
 *   - growing: one inserted frame per pull (the head holds, the pull returns
 *     DP_JITTER_MISSING, the caller conceals it), counted in n_grow;
 *   - shrinking, preferably at a silence -> talk-spurt boundary: the head is
 *     on an empty slot and the next slot holds a marker (talk-spurt start)
 *     frame, so the empty slot is skipped and the spurt starts one tick
 *     early (n_shrink_silence); if no such boundary comes within
 *     DP_JITTER_FORCE_DROP_TICKS pulls, one buffered frame is dropped when
 *     the next frame is also buffered (n_shrink_drop).
 * Fixed mode keeps the configured depth and never grows or shrinks.
 *
 * Resync. A packet outside the window is dropped; the stream is re-anchored
 * on it if its sequence number directly follows the highest seen (the
 * timestamp jumped: sender restart, another source behind a mixer) or on the
 * second of two outside packets with nearby sequence numbers (a large gap).
 * A new SSRC re-anchors at once (n_ssrc_change); packets of the previous
 * SSRC arriving after that are dropped (DP_JITTER_DROP_OLD_SSRC). A resync
 * keeps what is buffered: the new timeline continues right after the last
 * buffered frame, or starts `target` ticks ahead if nothing is buffered.
 *
 * Quiet frames. Most legs of a large conference are silent, and a mixer
 * does not read a frame it metered as silent (mix.h): copying it in and
 * out of the cache is most of what such a leg costs. With cfg.quiet, a
 * frame metered at or below the caller's bound (dp_jitter_set_quiet()),
 * while the caller allows it and no louder frame waits to be played, is
 * not copied: its slot is marked, keeps its meter, and plays as the quiet
 * frame (cfg.frame_bytes of cfg.quiet_code, after the slots' frames),
 * counted in n_quiet. Only a louder frame that arrives after a later
 * quiet one (reordered) can make the caller read such a frame; it then
 * reads quiet_code bytes where the frame had sound below the bound.
 */
#ifndef TUTTI_DP_JITTER_H
#define TUTTI_DP_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DP_JITTER_SLOTS		32	/* frames, power of two */
#define DP_JITTER_FRAME_MAX	3840	/* bytes: 40 ms of L16 at 48 kHz */
#define DP_JITTER_SPLIT_MAX	4	/* frames per packet (80 ms at 20 ms) */
#define DP_JITTER_GRAIN_MS	5	/* partial packets: 5 or 10 ms grains */
#define DP_JITTER_GRAINS_MAX	8	/* grains per tick (40 ms of 5 ms) */
#define DP_JITTER_DEPTH_MIN_MS	20	/* bounds of every depth in the cfg */
#define DP_JITTER_DEPTH_MAX_MS	200
#define DP_JITTER_ADAPT_K	4	/* target = K * jitter, in frames */
#define DP_JITTER_SHRINK_HOLD_TICKS	100	/* pulls before target -= 1 */
#define DP_JITTER_FORCE_DROP_TICKS	250	/* pulls before a frame drop */
#define DP_JITTER_RESYNC_SEQ_NEAR	4	/* seq distance of 2 outsiders */

enum dp_jitter_mode {
	DP_JITTER_FIXED = 0,
	DP_JITTER_ADAPTIVE = 1,
};

/* Why a packet was dropped on insert: index of dp_jitter_stats.n_drop. */
enum dp_jitter_drop {
	DP_JITTER_DROP_LATE = 0,	/* its tick already played */
	DP_JITTER_DROP_DUP = 1,		/* same frame already buffered/played */
	DP_JITTER_DROP_OUTSIDE = 2,	/* too early or far too old */
	DP_JITTER_DROP_TOO_BIG = 3,	/* > DP_JITTER_SPLIT_MAX frames */
	DP_JITTER_DROP_BAD_LEN = 4,	/* empty or not whole frames */
	DP_JITTER_DROP_OLD_SSRC = 5,	/* previous SSRC after a change */
	DP_JITTER_DROP_MAX_ = 6,
};

/* What a pull produced. */
enum dp_jitter_status {
	DP_JITTER_FRAME = 0,	/* out->payload holds the tick's frame */
	DP_JITTER_MISSING = 1,	/* lost, late or inserted: run PLC */
	DP_JITTER_EMPTY = 2,	/* not started or buffering: silence, no PLC */
};

struct dp_jitter_cfg {
	enum dp_jitter_mode mode;
	uint32_t rate_hz;	/* RTP clock rate, e.g. 8000 */
	uint32_t tick_ms;	/* conference tick = one pulled frame */
	uint32_t frame_bytes;	/* payload bytes of one tick, <= FRAME_MAX */
	uint32_t depth_ms;	/* fixed depth, or adaptive initial target */
	uint32_t min_depth_ms;	/* adaptive lower bound (fixed: unused) */
	uint32_t max_depth_ms;	/* latency bound, both modes */
	uint64_t clock_hz;	/* unit of `now`: 1e9 for ns, 1e6 for us */
	/* optional, NULL: none. Called on each frame as it is stored (its
	 * bytes are in the cache then) with meter_arg; the result, 0..254,
	 * comes back with the frame as 1 + result (e.g. mix_kern.h's
	 * g711_peak for the mixer's silent-leg test) */
	uint8_t (*meter)(const uint8_t *frame, size_t len_bytes,
			 uint8_t arg);
	uint8_t meter_arg;
	/* optional (needs meter): frames the caller will not read may be
	 * kept as quiet_code bytes instead of their own (Quiet frames,
	 * above; dp_jitter_set_quiet()) */
	bool quiet;
	uint8_t quiet_code;
};

/* One RTP packet, already parsed; payload is borrowed for the call only. */
struct dp_jitter_pkt {
	const uint8_t *payload;
	uint32_t len_bytes;
	uint32_t ssrc;
	uint32_t ts;		/* RTP timestamp */
	uint16_t seq;
	bool marker;		/* RTP M bit: talk-spurt start */
};

/* A pulled frame. payload points into the buffer: valid until the next
 * dp_jitter_insert()/_pull()/_reset() on the same buffer. */
struct dp_jitter_frame {
	const uint8_t *payload;
	uint32_t len_bytes;
	uint32_t ts;		/* RTP timestamp of this frame */
	uint16_t seq;		/* of the packet it came from */
	bool marker;
	uint8_t meter;		/* 0: no cfg.meter; else 1 + its result */
};

struct dp_jitter_stats {
	/* what every insert or pull updates first: one cache line */
	uint64_t n_in;			/* packets offered */
	uint64_t n_stored;		/* packets accepted (>= 1 frame kept) */
	uint64_t n_frames;		/* pulls that returned a frame */
	uint64_t n_missing;		/* pulls that returned MISSING */
	uint64_t n_empty;		/* pulls that returned EMPTY */
	uint32_t jitter_ts;		/* RFC 3550 J, timestamp units */
	uint32_t target_frames;		/* depth wanted now */
	uint32_t depth_frames;		/* depth applied now */
	uint64_t n_quiet;		/* frames kept as quiet_code bytes */
	uint64_t n_drop[DP_JITTER_DROP_MAX_];	/* packets, by reason */
	uint64_t n_overflow_frames;	/* buffered frames lost to max depth */
	uint64_t n_resync;		/* timeline re-anchored (ts jump, gap) */
	uint64_t n_ssrc_change;
	uint64_t n_grow;		/* adaptive: frames inserted */
	uint64_t n_shrink_silence;	/* adaptive: empty slots skipped */
	uint64_t n_shrink_drop;		/* adaptive: frames dropped */
	uint64_t n_partial;		/* pulls of an incomplete frame */
};

/* A slot's bookkeeping; its frame is in dp_jitter.data, apart, so that a
 * packet or a pull touches one line of these and only the lines of its
 * own frame (cfg.frame_bytes rounded up to a cache line), not a whole
 * DP_JITTER_FRAME_MAX slot. */
struct dp_jitter_slot {
	uint32_t pos;		/* play position this slot holds */
	uint32_t ts;
	uint16_t len_bytes;
	uint16_t seq;
	uint8_t state;		/* enum slot_state in jitter.c */
	uint8_t flags;		/* SLOT_F_* in jitter.c: marker, quiet */
	uint8_t meter;		/* dp_jitter_frame.meter */
	uint8_t mask;		/* partial frame: the grains it has */
};

/* Per-leg state. Opaque: fields are jitter.c's; size known for storage.
 * What insert and pull use comes first (the fields, then the counters
 * they update), then the slots' bookkeeping (8 lines). The frames are in
 * the caller's storage (dp_jitter_init()), sized by the leg's frame: a
 * G.711 leg's 32 frames and quiet frame take 6.2 kB, an L16 48 kHz one's
 * 62 kB. */
struct dp_jitter {
	uint16_t frame_bytes;	/* cfg.frame_bytes */
	uint16_t stride;	/* bytes from one slot's frame to the next */
	uint32_t loud_pos;	/* quiet: the latest loud frame's position */
	uint8_t *data;		/* DP_JITTER_SLOTS frames, stride apart,
				 * then the quiet frame */
	uint8_t (*meter)(const uint8_t *, size_t, uint8_t);
	uint8_t meter_arg;	/* cfg.meter, cfg.meter_arg */
	uint8_t grains;		/* per tick (1: whole frames only) */
	uint8_t quiet_max;	/* dp_jitter_set_quiet() */
	bool quiet_ok;
	uint32_t tick_ts;	/* timestamp units per tick */
	uint32_t min_f, max_f;	/* depth bounds, frames */
	uint32_t early_f;	/* furthest tick a packet may reach */
	uint32_t hist_f;	/* ticks behind the head still told apart */
	uint8_t mode;		/* enum dp_jitter_mode */
	bool started;		/* a packet anchored the timeline */
	bool played;		/* a frame was played since the anchor */
	bool have_prev;		/* prev_* valid for the jitter estimate */
	bool have_cand;		/* an outside packet is waiting (resync) */
	bool have_old_ssrc;
	uint16_t max_seq;	/* highest sequence number seen */
	uint16_t grain_bytes;	/* frame_bytes / grains */
	bool quiet;		/* cfg.quiet */
	bool loud_pending;	/* quiet: a loud frame at loud_pos or before
				 * is still to be played */
	/* adaptive: the target is raised once jitter_q4 >= q4_raise, and
	 * its hold to shrink counts while jitter_q4 < q4_shrink_lt (the
	 * bounds of want_frames() for the target: no division a packet) */
	uint32_t q4_raise;
	uint32_t q4_shrink_lt;
	uint32_t grain_ts;	/* tick_ts / grains */
	uint32_t ssrc;
	uint32_t play_pos;	/* slot position the next pull plays */
	uint32_t play_ts;	/* RTP timestamp the next pull plays */
	uint32_t top_pos;	/* highest position stored since anchor */
	uint32_t prev_ts;	/* jitter estimate: previous packet */
	uint32_t jitter_q4;	/* RFC 3550 J * 16 (A.8) */
	uint32_t shrink_hold;	/* pulls with want < target */
	uint32_t shrink_wait;	/* pulls with depth > target */
	uint64_t prev_now;
	uint64_t now_mult_q32;	/* clock units -> ts units, Q32 */
	uint64_t now_delta_max;	/* clock units: bound for the Q32 product */
	struct dp_jitter_stats st;
	struct dp_jitter_cfg cfg;
	/* only for an SSRC change, a packet outside the window, a drop */
	uint32_t old_ssrc;
	uint16_t cand_seq;	/* the waiting outside packet's seq */
	uint8_t last_drop;	/* enum dp_jitter_drop of the last drop */
	struct dp_jitter_slot slot[DP_JITTER_SLOTS]
		__attribute__((aligned(64)));
};

/* Bytes from one slot's frame to the next: the frame rounded up to a
 * cache line, so a frame touches only its own lines. */
static inline uint32_t
dp_jitter_stride(uint32_t frame_bytes)
{
	return (uint32_t)tutti_lines_of(frame_bytes);
}

/* Bytes of frame storage a buffer of frame_bytes frames needs
 * (DP_JITTER_SLOTS strides, and one for the quiet frame); 0 if
 * frame_bytes is 0 or above DP_JITTER_FRAME_MAX. */
static inline size_t
dp_jitter_data_bytes(uint32_t frame_bytes)
{
	if (frame_bytes == 0 || frame_bytes > DP_JITTER_FRAME_MAX)
		return 0;
	return (size_t)(DP_JITTER_SLOTS + 1) * dp_jitter_stride(frame_bytes);
}

/*
 * Check cfg and fill jb (caller storage, any alignment of the struct); its
 * frames go in data, data_bytes >= dp_jitter_data_bytes(cfg->frame_bytes)
 * (caller storage too, kept until the buffer is done with; 64-byte
 * aligned is best).
 * Requires: rate_hz and tick_ms giving a whole number of timestamp units
 * per tick; 0 < frame_bytes <= DP_JITTER_FRAME_MAX; depths within
 * [DP_JITTER_DEPTH_MIN_MS, DP_JITTER_DEPTH_MAX_MS], min <= depth <= max
 * (fixed mode: depth <= max); max depth in ticks <= DP_JITTER_SLOTS/2 - 1
 * (200 ms needs a tick >= 20 ms); clock_hz > 0.
 * Returns 0 or -EINVAL (jb untouched). Cold path, any thread.
 */
int dp_jitter_init(struct dp_jitter *jb, const struct dp_jitter_cfg *cfg,
		   uint8_t *data, size_t data_bytes);

/* Forget every packet and the SSRC; keep cfg and counters. Owning lcore. */
void dp_jitter_reset(struct dp_jitter *jb);

/*
 * Offer one RTP packet that arrived at `now` (cfg.clock_hz units, monotonic).
 * The payload is copied; the caller keeps (and frees) the packet.
 * Returns the number of ticks it stored media for: its frames, or for a
 * packet placed grain by grain, the ticks whose frames it completed or
 * added to (0: dropped and counted by reason).
 * Owning lcore, hot path.
 */
int dp_jitter_insert(struct dp_jitter *jb, const struct dp_jitter_pkt *pkt,
		     uint64_t now);

/*
 * Pull the frame of this conference tick; call exactly once per tick.
 * On DP_JITTER_FRAME, *out describes it (borrowed, see struct
 * dp_jitter_frame); otherwise *out is left untouched. Owning lcore, hot path.
 */
enum dp_jitter_status dp_jitter_pull(struct dp_jitter *jb,
				     struct dp_jitter_frame *out);

/* The slot index of play position pos. */
static inline uint32_t
dp_jitter_slot_of(uint32_t pos)
{
	return pos & (DP_JITTER_SLOTS - 1u);
}

/* Ask for the lines of the frame in slot i (a hint). */
static inline void
dp_jitter_prefetch_data(const struct dp_jitter *jb, uint32_t i)
{
	const uint8_t *d = jb->data + i * jb->stride;

	for (uint32_t o = 0; o < jb->frame_bytes && o < 192; o += 64)
		tutti_prefetch(d + o);
}

/* Ask for the cache line of the slot record the next dp_jitter_pull()
 * reads (a hint; owning lcore). */
static inline void
dp_jitter_prefetch_pull(const struct dp_jitter *jb)
{
	tutti_prefetch(&jb->slot[dp_jitter_slot_of(jb->play_pos)]);
}

/* The meter (dp_jitter_frame.meter) of the frame the next pull plays, 0
 * if unknown or none is buffered: reads the slot record, so best after
 * dp_jitter_prefetch_pull(). */
static inline uint8_t
dp_jitter_head_meter(const struct dp_jitter *jb)
{
	const struct dp_jitter_slot *s =
		&jb->slot[dp_jitter_slot_of(jb->play_pos)];

	return s->pos == jb->play_pos ? s->meter : 0;
}

/* The play position of the frame the last dp_jitter_pull() returned:
 * valid right after a pull that returned DP_JITTER_FRAME. */
static inline uint32_t
dp_jitter_last_pos(const struct dp_jitter *jb)
{
	return jb->play_pos - 1u;
}

/*
 * The payload of the frame played at position pos (cfg.frame_bytes), while
 * its slot still holds it: NULL once a packet for a later position took
 * the slot (DP_JITTER_SLOTS ticks on at the earliest) or after a reset.
 * Owning lcore.
 */
const uint8_t *dp_jitter_played(const struct dp_jitter *jb, uint32_t pos);

/* Ask for the lines of the frame at the play head (a hint). */
static inline void
dp_jitter_prefetch_frame(const struct dp_jitter *jb)
{
	dp_jitter_prefetch_data(jb, dp_jitter_slot_of(jb->play_pos));
}

/* Ask for the lines dp_jitter_insert() writes for a packet of timestamp
 * ts: its slot record and frame, where the play head says it goes (a
 * hint from the buffer's first line; owning lcore). */
static inline void
dp_jitter_prefetch_insert(const struct dp_jitter *jb, uint32_t ts)
{
	int32_t d = (int32_t)(ts - jb->play_ts) + (int32_t)(jb->tick_ts / 2);
	uint32_t i;

	if (!jb->started || d < 0 || jb->tick_ts == 0)
		return;
	i = dp_jitter_slot_of(jb->play_pos + (uint32_t)d / jb->tick_ts);
	tutti_prefetch(&jb->slot[i]);
	/* a quiet leg's frame is most likely kept as the quiet frame */
	if (!jb->quiet_ok || jb->loud_pending)
		dp_jitter_prefetch_data(jb, i);
}

/*
 * Quiet frames (cfg.quiet): from now on, a frame whose meter byte
 * (dp_jitter_frame.meter) is at most max may be kept as the quiet frame
 * if ok, unless a louder one waits to be played before it. With ok the
 * caller promises not to read the bytes of such a frame, unless a louder
 * frame was played before it (and after that play it calls this again,
 * with ok false, before the next insert). Owning lcore; once a tick.
 */
static inline void
dp_jitter_set_quiet(struct dp_jitter *jb, uint8_t max, bool ok)
{
	jb->quiet_max = max;
	jb->quiet_ok = ok && jb->quiet;
}

/* Why the last packet dropped was (dp_jitter_insert() returned 0). */
static inline enum dp_jitter_drop
dp_jitter_last_drop(const struct dp_jitter *jb)
{
	return (enum dp_jitter_drop)jb->last_drop;
}

/* The counters (borrowed, live). Any code on the owning lcore. */
const struct dp_jitter_stats *dp_jitter_stats(const struct dp_jitter *jb);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_JITTER_H */
