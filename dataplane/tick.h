/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tick.h: a conference's media, one tick at a time. Each leg has a jitter
 * buffer, loss concealment, RFC 4733 and (optionally) in-band DTMF, a
 * resampler for L16 at another rate, and its RTP send state; each
 * conference has its mixer (mix.h) and its shared-payload cache
 * (mix_enc.h). dp_tick_rx() takes one leg's validated RTP payload;
 * dp_tick_run() pulls one frame per leg, conceals what is missing, mixes,
 * encodes and hands each leg its packet through a callback, and reports
 * talker changes, digits and media timeouts as struct shm_msg events.
 *
 *   G.711 legs of an 8 kHz conference go to the mixer as codes: a silent
 *   frame is not decoded at all (mix.h). Everything else is decoded (and
 *   resampled, gained, concealed) here first.
 *   A listener that is not a contributor is handed the shared payload
 *   (out.shared: the same bytes for every such listener of that codec and
 *   rate, valid until the next tick), so the packet layer can attach it
 *   without copying.
 *   A leg whose ptime is a multiple of the conference's gets one packet
 *   every that many ticks, its frames copied together.
 *
 * No DPDK: the packet layer (lcore.c) owns addressing and mbufs and passes
 * its own per-leg pointer (ctx) through. Memory: legs are allocated on leg
 * add and freed on remove (cold path, control commands); the tick itself
 * allocates nothing, and what it needs only while it runs is in working
 * storage that a worker's conferences share (struct dp_tick_work). One
 * conference's legs and ticks run on its owning worker only.
 */
#ifndef TUTTI_DP_TICK_H
#define TUTTI_DP_TICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dtmf.h"
#include "jitter.h"
#include "mix.h"
#include "mix_enc.h"
#include "plc.h"
#include "resample.h"
#include "shm_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DP_TICK_MAX_PAYLOAD	3840	/* bytes per packet sent */
#define DP_TICK_LEG_SAMPLES	1920	/* one tick at the leg's rate: 40 ms
					 * at 48 kHz */
#define DP_TICK_MAX_FRAMES_PER_PKT	4	/* leg ptime / conference ptime */
#define DP_TICK_JITTER_MS	60	/* initial adaptive depth */
#define DP_TICK_JITTER_MAX_MS	200
/* DTMF digits a leg keeps while the event ring is full (a key a 100 ms,
 * so more than a second and a half of typing); one more is lost, counted
 * in dp_tick_stats.dtmf_lost */
#define DP_TICK_DTMF_PEND	16

/* One packet for a leg, handed to the send callback. */
struct dp_tick_out {
	void *ctx;		/* the leg's ctx (dp_tick_leg_add) */
	uint32_t leg_id;
	const uint8_t *payload;
	uint32_t len_bytes;
	bool shared;		/* payload is the conference's shared buffer */
	bool marker;		/* first packet of a talk spurt */
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
};

typedef void (*dp_tick_send_fn)(void *arg, const struct dp_tick_out *out);
/* An event for the control plane: 0 if it was taken, -ENOBUFS if there
 * was no room for it now (a media timeout, a talker change or a DTMF digit
 * is then said again at the leg's next tick), or another error (it is not
 * said again). */
typedef int (*dp_tick_evt_fn)(void *arg, const struct shm_msg *evt);

/* Why dp_tick_rx() did not take a payload (0: taken). */
enum dp_tick_rx_drop {
	DP_TICK_RX_OK = 0,
	DP_TICK_RX_BAD_PT = 1,		/* neither the codec's nor DTMF's */
	DP_TICK_RX_JITTER = 2,		/* the jitter buffer dropped it */
	DP_TICK_RX_NOT_RECEIVING = 3,	/* leg is sendonly or inactive */
};

struct dp_tick_conf;

struct dp_tick_leg {
	uint32_t leg_id;
	void *ctx;
	struct dp_tick_conf *conf;
	uint32_t idx;			/* position in conf->legs/ml */
	struct shm_msg_leg cfg;
	uint32_t leg_samples;		/* one tick at the leg's rate */
	uint32_t frame_bytes;		/* one tick of payload */
	uint32_t frames_per_pkt;
	bool g711;			/* PCMU/PCMA at 8 kHz */
	bool g711_direct;		/* codes go to the mixer as they are */
	bool resample;
	bool plc_ok;			/* the last frame was decoded */
	bool after_loss;		/* the last pull was concealed */
	bool heard;			/* what it was sent last was sound */
	bool pend_heard;		/* ... in the packet being filled */
	bool timed_out;
	bool dtmf_active;		/* an RFC 4733 event may be open, or
					 * digits wait in dtmf_pend */
	bool talk_said;			/* talking, as the control plane was
					 * last told (talker_evt()) */
	uint8_t n_dtmf_pend;		/* digits in dtmf_pend */
	int32_t gain_q12;
	int enc_slot;
	uint64_t last_rx;		/* clock units */
	uint64_t n_rx, n_tx, n_dtmf;
	uint16_t tx_seq;
	uint8_t plc_pend;		/* frames the mixer decoded, not yet
					 * in plc's history (plc_catch_up()) */
	uint32_t tx_ts;
	uint32_t tx_frames;		/* frames in tx_buf */
	bool media_broken;		/* leg_setup() failed: redo it */
	uint32_t plc_pend_pos;		/* the play position of the newest of
					 * them; the others just before */
	uint8_t *tx_buf;		/* a packet's payload, in store */
	int16_t *leg_pcm;		/* a tick at the leg's rate, in store
					 * (only when it is resampled) */
	struct dp_jitter jb;
	/* the jitter frames, then leg_pcm and tx_buf: allocated apart and
	 * sized by the codec, rate and ptime (a new one on a change that
	 * needs more) */
	uint8_t *store;
	size_t store_bytes;
	struct dp_plc plc;
	struct dp_resample_leg rs;
	struct dp_dtmf_4733 dtmf;
	struct dp_dtmf_inband inband;
	/* digits the event ring had no room for, oldest first: said again
	 * at the leg's next ticks, before any newer one */
	struct dp_dtmf_digit dtmf_pend[DP_TICK_DTMF_PEND];
};

struct dp_tick_stats {
	uint64_t ticks;
	uint64_t frames;		/* pulled frames played */
	uint64_t concealed;		/* frames made up by PLC */
	uint64_t plc_shed;		/* losses left silent: behind time */
	uint64_t empty;			/* nothing to play (not started) */
	uint64_t pkts_out;
	uint64_t shared_out;		/* of which with the shared payload */
	uint64_t rx_drop[4];		/* enum dp_tick_rx_drop */
	uint64_t dtmf_lost;		/* digits a leg's dtmf_pend had no
					 * room for */
};

/*
 * What a tick works in and nothing keeps after it: the mixer's buffers
 * (struct dp_mix_buf) and three frames at the conference rate for each
 * leg: pcm (decoded or concealed), decoded (the mixer's G.711 decode) and
 * personal (its personal mix). The conferences one thread ticks (one
 * worker's) share one, so that these lines stay in cache from one
 * conference's tick to the next: when each conference and leg had its
 * own, writing them cost 3.8 of a participant frame's 36 misses of a
 * 512 kB L2 at 20,000 legs (bench_io, simulated). Caller storage, zeroed
 * before its first use; dp_tick_work_fini() frees its frames.
 */
struct dp_tick_work {
	struct dp_mix_buf mix;
	int16_t *media;		/* legs' frames (mem.h), by position in
				 * their conference */
	size_t media_bytes;
	uint32_t gen;		/* bumped when media moves */
};

/* Free w's frames (cold path, no conference using it left). */
void dp_tick_work_fini(struct dp_tick_work *w);

struct dp_tick_conf {
	uint32_t conf_id;
	uint32_t rate_hz;
	uint32_t ptime_ms;
	uint64_t clock_hz;		/* unit of `now` */
	uint64_t frame;			/* ticks run */
	/*
	 * Set by the owner before dp_tick_run() when this tick runs behind
	 * time: a leg whose loss begins now is not concealed but left silent
	 * (st.plc_shed) until its next good frame; concealments already
	 * under way go on. SpanDSP's first fill-in of a loss searches the
	 * pitch, about 4 us a leg, so a burst that many legs lose at once
	 * (a link's outage, a stalled sender) would otherwise put every
	 * conference of the core behind, and the ticks late, for hundreds
	 * of ms: concealment quality is shed before timing.
	 */
	bool shed_plc;
	uint32_t n_legs;
	uint32_t cap;
	struct dp_tick_leg **legs;	/* [cap] */
	struct dp_mix_leg *ml;		/* [cap], same order */
	struct dp_tick_stats st;
	struct dp_tick_work *work;	/* shared, or own_work */
	uint32_t work_gen;		/* work->gen the legs' mixer state
					 * points into */
	uint32_t media_stride;		/* samples from one of a leg's
					 * frames in work to the next */
	bool own_work;
	struct dp_mix_enc enc;
	struct dp_mix mix;
};

/*
 * Set up c (caller storage) for conference conf_id: mixing rate (8000 or
 * 16000), ptime (10, 20, 30, 40), K talkers (0: default 4; 255: everyone),
 * flags (enum shm_conf_flag), clock_hz the unit of every `now`; work the
 * working storage it shares with the other conferences of its thread
 * (kept by the caller until they are done; NULL: its own). Returns 0,
 * -EINVAL or -ENOMEM. Cold path.
 */
int dp_tick_conf_init(struct dp_tick_conf *c, uint32_t conf_id,
		      const struct shm_msg_conf *cfg, uint64_t clock_hz,
		      struct dp_tick_work *work);

/* Free every leg and the arrays (and its own work). Cold path. */
void dp_tick_conf_fini(struct dp_tick_conf *c);

/* Every leg's talking state to be said afresh (a new control plane knows
 * none): each talker is said at its next tick (cold). */
void dp_tick_conf_resay(struct dp_tick_conf *c);

/*
 * Add a leg (allocated here) with its signalled parameters; ctx is the
 * caller's, passed back in every dp_tick_out. Returns the leg or NULL with
 * *err = -EINVAL (codec, rate, ptime not supported), -ENOMEM or -ENOSPC.
 * Cold path.
 */
struct dp_tick_leg *dp_tick_leg_add(struct dp_tick_conf *c,
				    const struct shm_msg_leg *l, void *ctx,
				    uint64_t now, int *err);

/*
 * Apply new parameters to a leg (re-INVITE): mute, deaf, gain, direction
 * and timeout take effect at the next tick; a new codec, rate or ptime
 * resets its media state. Returns 0 or as dp_tick_leg_add. Cold path.
 */
int dp_tick_leg_update(struct dp_tick_leg *lg, const struct shm_msg_leg *l,
		       uint64_t now);

/* Remove and free a leg. Cold path. */
void dp_tick_leg_remove(struct dp_tick_leg *lg);

/*
 * One validated RTP packet for leg (payload type, sequence, timestamp,
 * SSRC, marker and payload in pkt; pt its payload type), arrived at now.
 * DTMF digits found are reported through evt. Returns enum
 * dp_tick_rx_drop. Owning lcore, hot path.
 */
int dp_tick_rx(struct dp_tick_leg *lg, uint8_t pt,
	       const struct dp_jitter_pkt *pkt, uint64_t now,
	       dp_tick_evt_fn evt, void *arg);

/*
 * Ask for the cache lines dp_tick_rx() reads: the leg's first two (its
 * fields up to n_rx; not the third, with what only sending uses) and its
 * jitter buffer's three (a hint; any time, owning lcore).
 */
static inline void
dp_tick_leg_prefetch_rx(const struct dp_tick_leg *lg)
{
	const char *p = (const char *)lg;
	const char *j = (const char *)&lg->jb;

	tutti_prefetch(p);
	tutti_prefetch(p + 64);
	tutti_prefetch(j);
	tutti_prefetch(j + 64);
	tutti_prefetch(j + 128);
}

/* dp_tick_leg_prefetch_rx() and the line with the sending fields: what a
 * tick reads of a leg (a hint; any time, owning lcore). */
static inline void
dp_tick_leg_prefetch(const struct dp_tick_leg *lg)
{
	dp_tick_leg_prefetch_rx(lg);
	tutti_prefetch((const char *)lg + 128);
}

/* dp_tick_leg_prefetch() for the first legs of c, whose tick is next:
 * reads c's header and legs array, best asked for a tick before with
 * tutti_prefetch(c), then dp_tick_conf_prefetch_head(). */
void dp_tick_conf_prefetch(const struct dp_tick_conf *c);

/* Ask for the line of c's legs array dp_tick_conf_prefetch() reads (reads
 * c's header). */
static inline void
dp_tick_conf_prefetch_head(const struct dp_tick_conf *c)
{
	if (c->legs != NULL)
		tutti_prefetch(c->legs);
}

/*
 * Run one tick of c at now: pull, conceal, mix, encode, send (through
 * send), and events (talker changes, media timeouts, RFC 4733 digits whose
 * end packets were lost). Owning lcore, hot path.
 */
void dp_tick_run(struct dp_tick_conf *c, uint64_t now, dp_tick_send_fn send,
		 dp_tick_evt_fn evt, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_TICK_H */
