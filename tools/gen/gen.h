/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen.h: tutti-gen's state, shared by main.c (options, EAL, port, reports;
 * cold) and loop.c (the packet loops; one lcore, hot path). One struct
 * gen_ctx per process, written only by the lcore that runs the loop; the
 * signal handler only sets gen_quit.
 */
#ifndef TUTTI_GEN_GEN_H
#define TUTTI_GEN_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>

#include "scn.h"

struct dp_srtp;
struct rte_mbuf;
struct rte_mempool;

#define GEN_BURST	32	/* packets per rx/tx burst */
#define GEN_TONE_SAMPLES 24000	/* 3 s at 8 kHz: whole frames of 10-40 ms */
#define GEN_MAX_FRAME	320	/* bytes of PCMU in 40 ms */

enum gen_mode {
	GEN_MODE_RTP = 0,	/* N legs at 1000/ptime pps each */
	GEN_MODE_REFLECT = 1,	/* send back everything received */
	GEN_MODE_BLAST = 2,	/* the same packets, as fast as possible */
	GEN_MODE_BOUNCE = 3,	/* blast's first window, then sends back
				 * what comes back, as reflect does */
	GEN_MODE_N_
};

/* What came back for one leg (RFC 3550 A.1 style sequence tracking). */
struct gen_leg_rx {
	uint32_t rx;		/* packets */
	uint32_t cycles;	/* sequence wraps * 65536 */
	uint32_t ooo;		/* older than the highest seen */
	uint32_t gaps;		/* forward jumps of more than one */
	uint32_t dups;		/* same as the highest seen */
	uint16_t base_seq;	/* first sequence number received */
	uint16_t max_seq;	/* highest sequence number received */
};

/* Packets a leg should have received: highest sequence - first + 1. */
static inline uint64_t
gen_leg_expected(const struct gen_leg_rx *l)
{
	return l->rx == 0 ? 0 : (uint64_t)l->cycles + l->max_seq -
					l->base_seq + 1;
}

/* Totals over the legs, computed on demand (cold). */
struct gen_rx_sum {
	uint64_t rx, expected, lost, ooo, gaps, dups;
	uint32_t legs_seen;
};

struct gen_ctx {
	/* configuration, set before the loop */
	enum gen_mode mode;
	struct gen_scn scn;
	uint16_t port_id;
	struct rte_mempool *pool;
	struct rte_ether_addr mac;	/* ours */
	struct rte_ether_addr dst_mac;	/* the target's */
	bool have_dst_mac;
	uint64_t tsc_hz;
	uint64_t period_tsc;		/* one ptime */
	uint64_t rotate_tsc;		/* talkers move on every ... */
	uint64_t duration_tsc;		/* 0 = until a signal */
	uint64_t warmup_tsc;		/* sent before the window, not counted */
	int warmup_pid;			/* SIGUSR1 when the window opens, or 0 */
	uint64_t drain_tsc;		/* receive for this long after */
	uint64_t report_tsc;		/* progress line period, 0 = none */
	uint32_t window;		/* blast: packets in flight, 0 = any */
	uint16_t frame_bytes;		/* PCMU payload: 8 per ms */
	uint32_t n_tone_frames;		/* GEN_TONE_SAMPLES / frame_bytes */
	uint8_t tone[GEN_TONE_SAMPLES];	/* mu-law tone and noise */
	uint16_t tone_sum[GEN_TONE_SAMPLES / 80]; /* raw cksum per frame */
	uint8_t silence[GEN_MAX_FRAME];	/* mu-law 0xff */
	uint16_t silence_sum;
	struct gen_leg_rx *legs;	/* n_legs entries */
	struct dp_srtp **srtp;		/* scn.srtp_suite set: each leg's
					 * SRTP, its tx key the scenario's
					 * in key, its rx key the out key;
					 * NULL: plain RTP */

	/* transmit state */
	uint64_t start_tsc;		/* first packet due */
	uint64_t window_tsc;		/* the measured window's start */
	uint64_t stop_tsc;		/* end of sending */
	uint64_t round;			/* ptime periods since start */
	uint32_t leg;			/* next leg to send in this round */
	uint64_t next_due_tsc;
	uint64_t due_until;		/* rtp: what is due at or after it
					 * waits (the warm-up's end, then
					 * sending's): each window counts
					 * exactly its own schedule */
	struct rte_mbuf *pending[GEN_BURST]; /* refused by the NIC, resent */
	uint16_t n_pending;
	uint64_t first_rx_tsc;		/* first burst received, 0: none */
	uint64_t last_rx_tsc;		/* last burst received */
	uint64_t forgiven;		/* blast: in flight given up as lost */

	/* counters (this lcore only) */
	uint64_t tx_pkts;
	uint64_t rx_pkts;		/* everything received */
	uint64_t rx_at_stop;		/* ... when sending stopped: the
					 * received rate is of the same
					 * seconds as the sent (not the drain) */
	uint64_t rx_rtp;		/* RTP for one of our legs */
	uint64_t rx_other;		/* not for a leg, not ARP */
	uint64_t rx_bad_cksum;		/* IPv4 or UDP checksum wrong */
	uint64_t rx_bad_rtp;		/* too short or not version 2 */
	uint64_t rx_bad_srtp;		/* SRTP that did not authenticate
					 * (or replayed, or too short) */
	uint64_t tx_srtp_fail;		/* SRTP that could not be protected:
					 * not sent */
	uint64_t tx_late;		/* sent more than one ptime late */
	uint64_t tx_full;		/* bursts the NIC did not take whole */
	uint64_t no_mbuf;
	uint64_t tx_drop;		/* reflect: the NIC refused, freed */
	uint64_t arp_rx, arp_tx;
	uint64_t stalls;		/* blast: window full, nothing came back */
	/* the loop's own stalls (its CPU taken, a page fault): the longest
	 * time between two turns of it, and the turns that came 1 ms or
	 * more after the one before; while it stalls, nothing received is
	 * taken off the link, and what the peer sends meanwhile may not fit */
	uint64_t gap_max_tsc;
	uint64_t gaps_1ms;
	/* TSC ticks in turns of the loop that received or sent something
	 * (the rest polled an empty link, or waited on a full one): how
	 * near its limit the generator ran; and their count when sending
	 * stopped (the drain is not counted) */
	uint64_t busy_tsc;
	uint64_t busy_at_stop;
	uint64_t end_tsc;		/* when the loop returned */
} __rte_cache_aligned;

extern volatile bool gen_quit;

/* Leg i's identity on the wire, derived from its index (no table). */
static inline uint32_t
gen_leg_hash(uint32_t leg)
{
	return (leg + 1) * 2246822519u;
}

/* The SSRC leg i sends with. */
static inline uint32_t
gen_leg_ssrc(uint32_t leg)
{
	return gen_leg_hash(leg) ^ 0x5bd1e995u;
}

/* Fill the payload tables (tone, silence, their checksums). Cold. */
void gen_payload_init(struct gen_ctx *g);

/*
 * Resolve the target's MAC with ARP (requests every 100 ms), answering ARP
 * for our addresses meanwhile, for at most timeout_ms. Returns 0, or
 * -ETIMEDOUT, or -EINTR on a signal. Cold, the lcore that runs the loop.
 */
int gen_arp_resolve(struct gen_ctx *g, unsigned int timeout_ms);

/*
 * Run the mode's loop until the duration (plus drain) is over or gen_quit.
 * Writes progress lines to stderr every report_tsc. Returns 0.
 */
int gen_run(struct gen_ctx *g);

/* Sum the per-leg receive state. Cold (walks every leg). */
void gen_rx_sum(const struct gen_ctx *g, struct gen_rx_sum *s);

#endif /* TUTTI_GEN_GEN_H */
