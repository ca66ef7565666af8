/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dtmf.h: DTMF digits of a leg, two sources, one report format.
 *
 * RFC 4733 telephone-event (dp_dtmf_4733_*): events 0-15 are the digits
 * "0123456789*#ABCD"; other events are counted and ignored. An event is
 * identified by its RTP timestamp: a new timestamp starts a new event (so
 * the same digit twice is two events, and a lost first packet is harmless).
 * Each digit is reported exactly once, when it is over, with its duration
 * and volume:
 *   - on the first packet with the E bit (the redundant end packets that
 *     follow, and any late packet of that event, are swallowed);
 *   - if every end packet was lost: when a packet of a new event arrives,
 *     or from dp_dtmf_4733_poll() once no packet came for cfg timeout.
 * Events longer than the 16-bit duration field: the RFC 4733 2.5.1.3
 * segments (same event, new timestamp = old + the old duration, at most
 * 0xFFFF) are joined into one digit, as is a duration field that wraps
 * within one timestamp (non-conforming senders). Only the first 4-byte
 * event block of a payload is read (no RFC 2198 redundancy).
 *
 * In-band (dp_dtmf_inband_*): SpanDSP's DTMF receiver (Q.23/Q.24) on the
 * leg's decoded 8 kHz PCM; a digit is reported once, when its tone stops,
 * with the tone's measured duration and level.
 *
 * struct dp_dtmf_digit has the fields of struct shm_msg_dtmf (shared/
 * shm_proto.h) so the worker copies it into an SHM_EVT_DTMF event.
 * Caller storage, no allocation. Media library, no DPDK; dataplane, owning
 * worker lcore, hot path.
 */
#ifndef TUTTI_DP_DTMF_H
#define TUTTI_DP_DTMF_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same values as enum shm_dtmf_src (checked by tests/test_dtmf.c). */
enum dp_dtmf_src {
	DP_DTMF_SRC_RFC4733 = 0,
	DP_DTMF_SRC_INBAND = 1,
};

#define DP_DTMF_REPORTS_MAX	2	/* digits one call can report */
#define DP_DTMF_RX_STATE_BYTES	512	/* >= sizeof(dtmf_rx_state_t) */

/* One digit, reported once. */
struct dp_dtmf_digit {
	uint8_t digit;		/* ASCII: 0-9 * # A-D */
	uint8_t source;		/* enum dp_dtmf_src */
	uint16_t duration_ms;	/* saturates at 65535 */
	uint8_t volume_dbm0;	/* 0..63, as -dBm0 (RFC 4733 volume) */
};

struct dp_dtmf_4733_stats {
	uint64_t n_pkts;	/* payloads offered */
	uint64_t n_digits;	/* digits reported */
	uint64_t n_short;	/* payload < 4 bytes: dropped */
	uint64_t n_other_event;	/* event > 15: ignored */
	uint64_t n_after_end;	/* packets of an already reported event */
	uint64_t n_end_lost;	/* reported when the next event began */
	uint64_t n_timeout;	/* reported by dp_dtmf_4733_poll() */
	uint64_t n_segments;	/* long-event continuations joined */
};

/* RFC 4733 receiver of one leg. Fields are dtmf.c's. */
struct dp_dtmf_4733 {
	uint32_t rate_hz;	/* telephone-event clock */
	uint64_t timeout;	/* units of `now`; 0 = poll never reports */
	bool active;		/* an event is in progress */
	bool have_done;
	uint8_t event;
	uint8_t volume;
	uint16_t seg_dur;	/* ts units: latest duration of the segment */
	uint32_t ts;		/* timestamp of the current segment */
	uint64_t base_dur;	/* ts units: earlier segments and wraps */
	uint32_t done_ts;	/* timestamp of the last reported event */
	uint64_t last_now;	/* arrival of the event's latest packet */
	struct dp_dtmf_4733_stats st;
};

/*
 * Fill d for a leg: rate_hz is the telephone-event clock (8000 or the
 * audio rate); timeout (in the caller's `now` units, e.g. ns) is how long
 * without packets ends an event whose end packets were all lost (RFC 4733
 * suggests about the packet interval times 3 plus jitter; 0 disables).
 * Returns 0 or -EINVAL. Cold path.
 */
int dp_dtmf_4733_init(struct dp_dtmf_4733 *d, uint32_t rate_hz,
		      uint64_t timeout);

/*
 * One telephone-event RTP payload (borrowed) with its RTP timestamp,
 * arrived at `now`. Writes finished digits to out[] and returns how many
 * (0..DP_DTMF_REPORTS_MAX). Malformed or foreign payloads are counted,
 * never an error. Owning lcore, hot path.
 */
int dp_dtmf_4733_rx(struct dp_dtmf_4733 *d, uint32_t ts,
		    const uint8_t *payload, uint32_t len_bytes, uint64_t now,
		    struct dp_dtmf_digit out[DP_DTMF_REPORTS_MAX]);

/*
 * End an event whose end packets never came: call per tick (or less
 * often). Returns 1 and writes *out if a digit timed out, else 0.
 * Owning lcore, hot path.
 */
int dp_dtmf_4733_poll(struct dp_dtmf_4733 *d, uint64_t now,
		      struct dp_dtmf_digit *out);

/* Whether an event is in progress (dp_dtmf_4733_poll() may end it). */
static inline bool
dp_dtmf_4733_is_active(const struct dp_dtmf_4733 *d)
{
	return d->active;
}

/* In-band detector of one leg. Fields are dtmf.c's. */
struct dp_dtmf_inband {
	/* SpanDSP dtmf_rx_state_t, opaque so its header stays in dtmf.c */
	uint8_t spandsp[DP_DTMF_RX_STATE_BYTES] __attribute__((aligned(8)));
	uint8_t digit;		/* tone being received, 0 = none */
	uint8_t volume;		/* its level, as -dBm0 */
	uint8_t n_out;		/* reports of the current call */
	uint32_t max_out;	/* room in out[] during that call */
	struct dp_dtmf_digit *out;	/* during dp_dtmf_inband_rx() only */
	uint64_t n_digits;
	uint64_t n_overflow;	/* reports lost: more than the caller took */
};

/* Fill d for a leg (SpanDSP defaults: -26 dBm0 threshold, 8 dB twist).
 * Cannot fail. Cold path. */
void dp_dtmf_inband_init(struct dp_dtmf_inband *d);

/*
 * Run n samples of 8 kHz PCM (borrowed) through the detector; digits whose
 * tone ended in them are written to out[] (at most max_out; more are
 * counted in n_overflow) and their number returned. Owning lcore, hot path.
 */
int dp_dtmf_inband_rx(struct dp_dtmf_inband *d, const int16_t *pcm,
		      uint32_t n, struct dp_dtmf_digit *out, uint32_t max_out);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_DTMF_H */
