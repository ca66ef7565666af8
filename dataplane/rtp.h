/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtp.h: RTP (RFC 3550) on the packet edge: strict header validation,
 * per-leg receive state and the header writer for sending. Pure functions
 * over byte buffers and caller storage (no DPDK, no allocation); dataplane,
 * owning worker lcore, hot path. The worker runs, per UDP datagram that
 * dp_net_classify() gave it for a leg's port:
 *
 *   switch (dp_rtp_rx(&leg->rtp, payload, len, src_ip, src_port, now, &p)) {
 *   case DP_RTP_AUDIO:	(struct dp_jitter_pkt: p's first six fields)
 *	dp_jitter_insert(&leg->jb, &(struct dp_jitter_pkt){ p.payload,
 *			 p.len_bytes, p.ssrc, p.ts, p.seq, p.marker }, now);
 *	break;
 *   case DP_RTP_EVENT: dp_dtmf_4733_rx() on p.payload, p.len_bytes; break;
 *   case DP_RTP_DROP:  count dp_rtp_drop_shm(p.drop); free the mbuf;
 *   }
 *   if (p.flags & DP_RTP_RX_LATCHED): send to the latched source from now
 *   (leg->rtp.src_ip_be/src_port_be, next hop dp_net_rx.src_mac).
 *   Published per leg: st.n_pkts, dp_rtp_rx_lost() (>= 0),
 *   dp_rtp_rx_jitter_us(); media timeout from leg->rtp.last_now.
 *
 * Validation (dp_rtp_parse, reasons in enum dp_rtp_drop): version 2; the
 * fixed header, CSRC list and extension (RFC 8285 or any profile: skipped)
 * inside the packet; with P set, a padding count of at least 1 and no more
 * than what follows the headers; the second octet not 192..223 (RTCP on
 * the RTP port, RFC 5761 section 4). dp_rtp_rx() then requires the leg's
 * audio PT or its telephone-event PT.
 *
 * Source address. DP_RTP_LATCH_FIXED accepts only the signalled
 * address:port. DP_RTP_LATCH_FIRST (symmetric RTP, SHM_LEG_LATCH) accepts
 * the first valid packet (known PT) from anywhere, then only that source;
 * the packet that latches is flagged DP_RTP_RX_LATCHED so the worker sends
 * to that address from then on. dp_rtp_rx_unlatch() starts over (after a
 * re-INVITE); the SSRC state is kept.
 *
 * SSRC changes: immediate re-sync, no RFC 3550 probation. The source is
 * already filtered by address, so probation would only guard against what
 * latching already refuses, and it would throw away the first packets after
 * every sender restart or re-INVITE. A new SSRC starts new sequence
 * statistics at once (flag DP_RTP_RX_NEW_SSRC, n_ssrc_change); packets of
 * the previous SSRC that still arrive are dropped (DP_RTP_DROP_OLD_SSRC).
 * This is the jitter buffer's own policy (jitter.h has no resync call: its
 * dp_jitter_insert() re-anchors on a new SSRC by itself), so the worker
 * passes the packet on unchanged; the flag is there for the RFC 4733
 * receiver and logs.
 *
 * Sequence numbers: RFC 3550 A.1 without probation: 16-bit wrap counted
 * in cycles (extended highest sequence number), a jump of MAX_DROPOUT or
 * more ahead (or more than MAX_MISORDER behind) is dropped
 * (DP_RTP_DROP_SEQ_JUMP) unless the next packet follows it, which re-syncs
 * (n_seq_resync; the loss count of the old run is kept). Duplicates are
 * counted as received, as in A.1 (the jitter buffer drops them).
 * Interarrival jitter: RFC 3550 A.8, audio packets only (telephone-event
 * packets repeat one timestamp for a whole event).
 */
#ifndef TUTTI_DP_RTP_H
#define TUTTI_DP_RTP_H

#include <stdbool.h>
#include <stdint.h>

#include "shm_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DP_RTP_HDR_LEN	    12	 /* fixed header, no CSRC */
#define DP_RTP_MAX_DROPOUT  3000 /* RFC 3550 A.1 */
#define DP_RTP_MAX_MISORDER 100

/* Why a packet was dropped: index of dp_rtp_rx_stats.n_drop. */
enum dp_rtp_drop {
	DP_RTP_DROP_SHORT = 0,	  /* < 12 bytes */
	DP_RTP_DROP_VERSION = 1,  /* version != 2 */
	DP_RTP_DROP_RTCP = 2,	  /* second octet 192..223 */
	DP_RTP_DROP_CSRC = 3,	  /* CSRC list beyond the packet */
	DP_RTP_DROP_EXT = 4,	  /* extension beyond the packet */
	DP_RTP_DROP_PADDING = 5,  /* count 0 or beyond the payload */
	DP_RTP_DROP_SRC = 6,	  /* not from the (latched) source */
	DP_RTP_DROP_PT = 7,	  /* neither audio nor event PT */
	DP_RTP_DROP_OLD_SSRC = 8, /* the previous SSRC, after a change */
	DP_RTP_DROP_SEQ_JUMP = 9, /* A.1: jump not (yet) confirmed */
	DP_RTP_DROP_MAX_ = 10,
};

/* Set by dp_rtp_rx() in dp_rtp_pkt.flags. */
enum dp_rtp_rx_flag {
	DP_RTP_RX_NEW_SSRC = 1u << 0, /* first packet of an SSRC */
	DP_RTP_RX_LATCHED = 1u << 1,  /* this packet latched the source */
};

/* One packet; payload points into the caller's buffer. */
struct dp_rtp_pkt {
	const uint8_t *payload; /* after CSRCs and extension */
	uint32_t len_bytes;	/* without padding */
	uint32_t ssrc;
	uint32_t ts;
	uint16_t seq;
	uint8_t pt;
	bool marker;
	uint8_t n_csrc;
	uint8_t flags;	       /* enum dp_rtp_rx_flag (dp_rtp_rx only) */
	enum dp_rtp_drop drop; /* why, when dropped */
};

enum dp_rtp_verdict {
	DP_RTP_AUDIO = 0, /* the leg's audio PT */
	DP_RTP_EVENT = 1, /* the leg's telephone-event PT */
	DP_RTP_DROP = 2,  /* pkt->drop says why; counted */
};

enum dp_rtp_latch {
	DP_RTP_LATCH_FIXED = 0, /* only from remote_ip:remote_port */
	DP_RTP_LATCH_FIRST = 1, /* symmetric: first valid source, then it */
};

struct dp_rtp_rx_cfg {
	uint64_t clock_hz;     /* unit of `now`: 1e9 for ns, TSC hz */
	uint32_t rate_hz;      /* RTP clock of the audio PT */
	uint32_t remote_ip_be; /* signalled source (FIXED) */
	uint16_t remote_port_be;
	uint8_t pt;	 /* audio payload type, < 128 */
	uint8_t dtmf_pt; /* telephone-event PT, 0 = none */
	enum dp_rtp_latch latch;
};

struct dp_rtp_rx_stats {
	uint64_t n_pkts;   /* accepted, audio and events */
	uint64_t n_bytes;  /* their payload bytes */
	uint64_t n_events; /* of n_pkts, telephone-event */
	uint64_t n_drop[DP_RTP_DROP_MAX_];
	uint64_t n_ssrc_change; /* not counting the first SSRC */
	uint64_t n_seq_resync;	/* A.1 restarts after a jump */
	uint64_t n_latch;	/* sources latched */
};

/* Per-leg receive state. Fields are rtp.c's; size known for storage.
 * What an accepted packet reads and writes is in the first 112 bytes
 * (two cache lines where it starts on one), the counters it adds to
 * included; the rest is for reports, drops and changes. */
struct dp_rtp_rx {
	struct dp_rtp_rx_cfg cfg;
	uint64_t now_mult_q40; /* clock units -> timestamp units, Q40 */
	bool latched;	       /* src_* fixed */
	bool have_src;	       /* an SSRC is being received */
	bool have_old_ssrc;
	bool have_transit;
	bool have_sr;
	uint16_t src_port_be;
	uint32_t src_ip_be;
	uint32_t ssrc, old_ssrc;
	/* RFC 3550 A.1, current SSRC */
	uint16_t max_seq;
	uint32_t cycles; /* wraps, << 16 */
	uint32_t base_seq;
	uint32_t bad_seq;
	uint32_t received;
	/* RFC 3550 A.8 */
	uint32_t transit;
	uint32_t jitter_q4; /* J * 16 */
	uint64_t last_now; /* arrival of the last accepted packet */
	struct dp_rtp_rx_stats st;
	uint32_t expected_prior;
	uint32_t received_prior;
	int64_t lost_before; /* of earlier SSRCs and runs */
	/* last SR of the current SSRC (dp_rtp_rx_note_sr) */
	uint32_t lsr;
	uint64_t sr_now;
};

/*
 * Validate one RTP packet of len bytes and describe it in *out (flags 0).
 * Returns 0, or -EPROTO with out->drop set (nothing counted). Any thread.
 */
int dp_rtp_parse(const uint8_t *buf, uint32_t len, struct dp_rtp_pkt *out);

/* true if the packet is RTCP by RFC 5761 section 4 (rtcp-mux demux). */
bool dp_rtp_is_rtcp(const uint8_t *buf, uint32_t len);

/*
 * Check cfg and fill rx: rate_hz, clock_hz > 0; pt < 128 and not 72..76;
 * dtmf_pt 0 or (< 128, != pt, not 72..76); FIXED needs a non-zero address
 * and port. Returns 0 or -EINVAL (rx untouched). Cold path.
 */
int dp_rtp_rx_init(struct dp_rtp_rx *rx, const struct dp_rtp_rx_cfg *cfg);

/*
 * The receive configuration of a leg command: address (IPv4-mapped IPv6;
 * with SHM_LEG_LATCH it may be all zero), port, PTs, rate, latch mode.
 * Returns 0, or -EAFNOSUPPORT for an IPv6 address. Cold path.
 */
int dp_rtp_rx_cfg_from_leg(struct dp_rtp_rx_cfg *cfg,
			   const struct shm_msg_leg *leg, uint64_t clock_hz);

/*
 * One packet from src_ip_be:src_port_be that arrived at `now` (cfg
 * clock_hz units, monotonic). Fills *pkt (payload borrowed from buf) and
 * returns where it goes; a drop is counted in rx->st. Hot path.
 */
enum dp_rtp_verdict dp_rtp_rx(struct dp_rtp_rx *rx, const uint8_t *buf,
			      uint32_t len, uint32_t src_ip_be,
			      uint16_t src_port_be, uint64_t now,
			      struct dp_rtp_pkt *pkt);

/* Forget the latched source (LATCH_FIRST: the next packet latches). */
void dp_rtp_rx_unlatch(struct dp_rtp_rx *rx);

/* Packets lost, all SSRCs since init (RFC 3550: negative with dups). */
int64_t dp_rtp_rx_lost(const struct dp_rtp_rx *rx);

/* RFC 3550 interarrival jitter of the current SSRC, timestamp units. */
uint32_t dp_rtp_rx_jitter_ts(const struct dp_rtp_rx *rx);

/* The same in microseconds (for shm_leg_entry.jitter_us). */
uint32_t dp_rtp_rx_jitter_us(const struct dp_rtp_rx *rx);

/*
 * An RTCP SR from `ssrc` arrived at `now` with NTP timestamp ntp (64-bit,
 * 32.32): remembered for LSR/DLSR if ssrc is the current source.
 */
void dp_rtp_rx_note_sr(struct dp_rtp_rx *rx, uint32_t ssrc, uint64_t ntp,
		       uint64_t now);

/* One RFC 3550 report block (section 6.4.1), host order. */
struct dp_rtp_report {
	uint32_t ssrc;	       /* source reported on */
	uint8_t fraction_lost; /* since the previous report, / 256 */
	int32_t cum_lost;      /* clamped to 24 bits signed */
	uint32_t ext_max_seq;  /* cycles << 16 | highest seq */
	uint32_t jitter;       /* timestamp units */
	uint32_t lsr;	       /* middle 32 bits of the last SR's NTP */
	uint32_t dlsr;	       /* since it, 1/65536 s; 0 without SR */
};

/*
 * Fill *rb for the current source at `now` and start the next reporting
 * interval (RFC 3550 A.3). Returns 0, or -ENODATA before any packet.
 */
int dp_rtp_rx_report(struct dp_rtp_rx *rx, uint64_t now,
		     struct dp_rtp_report *rb);

/* Static name of a drop reason ("seq_jump"), "?" if out of range. */
const char *dp_rtp_drop_name(unsigned int reason);

/* The coarse enum shm_drop a reason is published under. */
unsigned int dp_rtp_drop_shm(enum dp_rtp_drop reason);

/* Send side of a leg: the SSRC, next sequence number, SR counts. */
struct dp_rtp_tx {
	uint32_t ssrc;
	uint16_t seq;	   /* of the next packet */
	uint32_t n_pkts;   /* sent, for the SR (wraps, RFC 3550) */
	uint32_t n_octets; /* payload octets sent */
	uint32_t last_ts;  /* timestamp of the last packet sent */
};

/* seq0 should be random (RFC 3550 5.1). */
void dp_rtp_tx_init(struct dp_rtp_tx *tx, uint32_t ssrc, uint16_t seq0);

/* Write the 12-byte header: version 2, no padding/extension/CSRC. */
void dp_rtp_write_hdr(uint8_t *buf, uint8_t pt, bool marker, uint16_t seq,
		      uint32_t ts, uint32_t ssrc);

/* The Internet checksum's partial sum of the header dp_rtp_write_hdr()
 * writes: its six 16-bit words as numbers (host order), added, not folded;
 * from the values, not read back from the frame. */
static inline uint32_t
dp_rtp_hdr_sum(uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
	       uint32_t ssrc)
{
	return (0x80u << 8 | (marker ? 0x80u : 0u) | (pt & 0x7fu)) + seq +
	       (ts >> 16) + (ts & 0xffffu) + (ssrc >> 16) + (ssrc & 0xffffu);
}

/*
 * Write the header of tx's next packet at buf (its payload_len bytes of
 * payload follow it) and count the packet. Hot path.
 */
void dp_rtp_tx_next(struct dp_rtp_tx *tx, uint8_t *buf, uint8_t pt, bool marker,
		    uint32_t ts, uint32_t payload_len);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_RTP_H */
