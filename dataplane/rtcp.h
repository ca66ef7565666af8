/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtcp.h: RTCP (RFC 3550 section 6) on the packet edge: parse and validate
 * a compound packet, build the focus's SR (or RR) with one report block and
 * an SDES CNAME, and the RFC 3550 6.3 transmission interval. Pure functions
 * over byte buffers (no DPDK, no allocation); dataplane, owning worker
 * lcore (RTCP is rare: not tuned for speed).
 *
 * Validation is RFC 3550 A.2: the datagram is a whole number of 32-bit
 * words and at least one header; every packet has version 2; the first is
 * an SR or RR without padding (so RFC 5506 reduced-size RTCP is refused);
 * only the last packet may be padded (count >= 1, inside it); the length
 * fields add up to the datagram exactly. Inside the packets: SR and RR hold
 * their report blocks, SDES chunks and items and BYE lists and reasons stay
 * inside their packet, APP is at least 12 bytes. SR/RR profile extensions
 * after the report blocks are skipped, as are APP and every other packet
 * type (RTPFB, PSFB, XR, ...: counted in n_other).
 */
#ifndef TUTTI_DP_RTCP_H
#define TUTTI_DP_RTCP_H

#include <stdbool.h>
#include <stdint.h>

#include "rtp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DP_RTCP_SR	   200
#define DP_RTCP_RR	   201
#define DP_RTCP_SDES	   202
#define DP_RTCP_BYE	   203
#define DP_RTCP_APP	   204
#define DP_RTCP_XR	   207	/* RFC 3611: the last type a packet may start with */
#define DP_RTCP_SDES_CNAME 1
#define DP_RTCP_CNAME_MAX  255 /* octets */
/* SR + 1 report block + SDES with a maximal CNAME */
#define DP_RTCP_BUILD_MAX (52 + 8 + 260)

/* Why a compound packet was refused: index of dp_rtcp_stats.n_drop. */
enum dp_rtcp_drop {
	DP_RTCP_DROP_SHORT = 0,	  /* < 8 bytes or not whole words */
	DP_RTCP_DROP_VERSION = 1, /* a packet with version != 2 */
	DP_RTCP_DROP_FIRST = 2,	  /* first packet not SR or RR */
	DP_RTCP_DROP_PADDING = 3, /* P not on the last, or bad count */
	DP_RTCP_DROP_LENGTH = 4,  /* lengths do not add up */
	DP_RTCP_DROP_SR = 5,	  /* SR shorter than its blocks */
	DP_RTCP_DROP_RR = 6,	  /* RR shorter than its blocks */
	DP_RTCP_DROP_SDES = 7,	  /* chunk or item beyond its packet */
	DP_RTCP_DROP_BYE = 8,	  /* SSRC list or reason beyond */
	DP_RTCP_DROP_APP = 9,	  /* shorter than 12 bytes */
	DP_RTCP_DROP_MAX_ = 10,
};

struct dp_rtcp_stats {
	uint64_t n_compound; /* accepted compound packets */
	uint64_t n_reduced;  /* ... of them not led by SR or RR (RFC 5506) */
	uint64_t n_sr;	     /* packets in them, by type */
	uint64_t n_rr;
	uint64_t n_sdes;
	uint64_t n_bye;
	uint64_t n_app;
	uint64_t n_other;
	uint64_t n_drop[DP_RTCP_DROP_MAX_];
};

/* What a compound packet says; the CNAME is borrowed from the buffer. */
struct dp_rtcp_info {
	uint32_t ssrc; /* sender (of the first packet) */
	bool has_sr;
	bool has_rb;		 /* a report block about our_ssrc */
	bool bye;		 /* a BYE lists ssrc */
	uint8_t cname_len;	 /* 0: no CNAME for ssrc */
	const uint8_t *cname;	 /* not NUL-terminated */
	uint64_t ntp;		 /* SR: NTP timestamp, 32.32 */
	uint32_t rtp_ts;	 /* SR */
	uint32_t n_pkts;	 /* SR: sender's packet count */
	uint32_t n_octets;	 /* SR: sender's octet count */
	struct dp_rtp_report rb; /* has_rb: what the peer says of us */
	enum dp_rtcp_drop drop;	 /* why, when refused */
};

/*
 * Validate and read one compound packet; our_ssrc picks the report block
 * to return. Returns 0, or -EPROTO with out->drop set; either way counted
 * in *st. The worker then calls dp_rtp_rx_note_sr() for an SR.
 */
int dp_rtcp_parse(const uint8_t *buf, uint32_t len, uint32_t our_ssrc,
		  struct dp_rtcp_info *out, struct dp_rtcp_stats *st);

/* Static name of a drop reason ("length"), "?" if out of range. */
const char *dp_rtcp_drop_name(unsigned int reason);

/* What the SR says of our own sending. */
struct dp_rtcp_sender {
	uint32_t ssrc;
	uint64_t ntp;	 /* now, wallclock as NTP 32.32 */
	uint32_t rtp_ts; /* now on the RTP clock */
	uint32_t n_pkts; /* struct dp_rtp_tx counts */
	uint32_t n_octets;
};

/*
 * Write an SR from *s with the report block *rb (NULL: none, RC 0),
 * followed by an SDES with the CNAME (1..DP_RTCP_CNAME_MAX octets), at buf
 * of cap bytes. Returns the length written (a multiple of 4, at most
 * DP_RTCP_BUILD_MAX), -EINVAL for a bad CNAME length, or -EMSGSIZE if cap
 * is too small (nothing written in either case).
 */
int dp_rtcp_build_sr(uint8_t *buf, uint32_t cap, const struct dp_rtcp_sender *s,
		     const struct dp_rtp_report *rb, const uint8_t *cname,
		     uint32_t cname_len);

/* The same as an RR from ssrc (for a leg the focus sends nothing to). */
int dp_rtcp_build_rr(uint8_t *buf, uint32_t cap, uint32_t ssrc,
		     const struct dp_rtp_report *rb, const uint8_t *cname,
		     uint32_t cname_len);

/* Inputs of the RFC 3550 6.3.1 interval computation. */
struct dp_rtcp_interval {
	uint32_t members;	/* session members, us included */
	uint32_t senders;	/* of those, sending (us if we_sent) */
	uint32_t rtcp_bw;	/* RTCP bandwidth, octets/s (5% of session) */
	uint32_t avg_rtcp_size; /* octets, UDP and IP headers included */
	bool we_sent;		/* we sent RTP since the report before last */
	bool initial;		/* no RTCP sent yet: half the minimum */
};

/*
 * The randomised interval to the next RTCP packet, in microseconds,
 * exactly as RFC 3550 A.7 rtcp_interval(): minimum 5 s (2.5 s initial),
 * senders' 25% share when they are at most a quarter of the members,
 * times a factor in [0.5, 1.5), divided by e - 3/2. rnd, uniform over
 * uint32_t, stands in for drand48(): the result is a pure function of the
 * inputs. rtcp_bw 0 gives the minimum interval.
 */
uint64_t dp_rtcp_interval_us(const struct dp_rtcp_interval *in, uint32_t rnd);

/* RFC 3550 6.3.3: avg_rtcp_size after sending or receiving size octets. */
uint32_t dp_rtcp_avg_size(uint32_t avg, uint32_t size);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_RTCP_H */
