/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * srtp.h: SRTP and SRTCP (RFC 3711) for the legs that have SHM_LEG_SRTP,
 * with libsrtp2, the only file that includes it. A leg's media keys come
 * from the control plane (SDES, RFC 4568: SHM_CMD_LEG_SRTP), one for what
 * the peer sends (rx) and one for what tutti-dp sends (tx); each is a
 * libsrtp session of its own. Until both are set, the leg takes nothing in
 * and sends nothing out.
 *
 * The packet path pays for SRTP only on a worker that has SRTP legs
 * (lc->n_srtp != 0: one compare per burst or packet sent); their state is
 * lc->srtp[leg index], apart from struct dp_leg_rt, whose lines are full.
 * A received packet is authenticated and decrypted in place before any of
 * its fields is believed (dp_srtp_unprotect()); a packet sent is built whole
 * in its own mbuf (a shared mix is copied, not attached) and protected there
 * (dp_srtp_protect()), with the tick's other SRTP packets at its end. Both
 * ask for the session's lines a few packets ahead (dp_srtp_prefetch()).
 *
 * libsrtp allocates: a session at each key (control path), and a stream at
 * the first authenticated packet of each SSRC the peer sends (packet path,
 * once an SSRC), each session's objects in one block of srtp.c's (which
 * takes libsrtp's allocator's place). Its sessions are used by their worker
 * only. Its AES-CM-128
 * and HMAC-SHA1 are this file's, on nettle (AES-NI, SHA-NI): Debian's
 * libsrtp2 does them through NSS, which allocates and takes locks for each
 * packet and cost 7 times as much (bench_srtp; FIGURES).
 */
#ifndef TUTTI_DP_SRTP_H
#define TUTTI_DP_SRTP_H

#include <stdbool.h>
#include <stdint.h>

#include "shm_proto.h"

/* What dp_srtp_unprotect() and dp_srtp_protect() refuse, counted per worker
 * (lc->srtp_drops[]) and together in shm_worker_stats.srtp_drops. */
enum dp_srtp_drop {
	DP_SRTP_DROP_AUTH = 0,		/* authentication tag wrong */
	DP_SRTP_DROP_REPLAY = 1,	/* replayed, or older than the window */
	DP_SRTP_DROP_NO_KEY = 2,	/* in: no rx key yet */
	DP_SRTP_DROP_TX_NO_KEY = 3,	/* out: no tx key yet: not sent */
	DP_SRTP_DROP_OTHER = 4,		/* too short, or libsrtp's other errors */
	DP_SRTP_DROP_MAX_ = 5,
};

/* Bytes dp_srtp_protect() may write past the packet (libsrtp's
 * SRTP_MAX_TRAILER_LEN: its tag and an MKI it never writes here). */
#define DP_SRTP_TRAILER_ROOM	144

struct dp_srtp;

/*
 * libsrtp's start (its self-tests, NSS's start among them) and srtp.c's
 * AES-CM and HMAC-SHA1 put in its place, after libsrtp's self-test of
 * each: what sessions use from then on, so no worker starts NSS. Main
 * lcore, before the workers run. Returns 0 or -EIO.
 */
int dp_srtp_init(void);

/* libsrtp's end. After the workers stopped. */
void dp_srtp_fini(void);

/* A leg's SRTP state, no key yet: NULL if out of memory. Control path. */
struct dp_srtp *dp_srtp_new(void);

/* Its sessions and itself (NULL: nothing). Control path. */
void dp_srtp_free(struct dp_srtp *s);

/*
 * Set one direction's key (SHM_CMD_LEG_SRTP): a new session, replacing the
 * old one; tx protects what is sent with ssrc. Returns 0, -EINVAL (suite or
 * dir unknown), -ENOMEM or -EIO (libsrtp refused); the old session is kept
 * on any error. Control path.
 */
int dp_srtp_set_key(struct dp_srtp *s, uint8_t dir, uint8_t suite,
		    const uint8_t key[SHM_SRTP_KEY_BYTES], uint32_t ssrc);

/* The tx session anew for a new SSRC of the focus's (a LEG_UPDATE): its
 * key kept. Returns 0 or -EIO. Control path. */
int dp_srtp_set_ssrc(struct dp_srtp *s, uint32_t ssrc);

/*
 * Where the peer's stream of ssrc was (SHM_SRTP_F_INDEX: a tutti-dp before
 * this one published it): its first RTP packet here is taken at the
 * rollover counter RFC 3711 3.3.1 estimates from roc and seq, the highest
 * index it had, not at 0; a packet of it that does not authenticate leaves
 * the estimate to the next. Returns 0, -ENOENT (no rx key) or -EALREADY
 * (the session has that stream: it goes on). Control path.
 */
int dp_srtp_rx_index(struct dp_srtp *s, uint32_t ssrc, uint32_t roc,
		     uint16_t seq);

/* The rollover counter of the peer's stream of ssrc (for the leg table).
 * Returns 0, or -ENOENT (no such stream yet). Housekeeping, on the leg's
 * worker. */
int dp_srtp_rx_roc(struct dp_srtp *s, uint32_t ssrc, uint32_t *roc);

/*
 * Ask for the lines a packet in (in) or out will read of the leg's
 * session: its block, libsrtp's objects for RTP, whole (about 1 kB, 1.3
 * with the peer's stream). Packet path, a few packets ahead, once s's
 * first line is in.
 */
void dp_srtp_prefetch(const struct dp_srtp *s, bool in);

/*
 * What a leg's sessions hold in their blocks (srtp.c puts each session's
 * libsrtp objects in one): *used bytes, *spilled allocations that did not
 * fit there (calloc's). 0 bytes with a key set: libsrtp's allocations do
 * not come to srtp.c (a libsrtp that does not call them through its PLT).
 */
void dp_srtp_mem(const struct dp_srtp *s, uint32_t *used, uint32_t *spilled);

/* The allocations of sessions that did not fit their blocks, on the
 * calling thread since it started (a worker's: shm_worker_stats
 * .srtp_spills). */
uint64_t dp_srtp_spills(void);

/* Both keys set. */
bool dp_srtp_ready(const struct dp_srtp *s);

/*
 * Authenticate and decrypt the SRTP (rtcp false) or SRTCP packet at p, *len
 * bytes, in place; *len becomes the RTP or RTCP packet's. Returns 0, or
 * -1 with *why (enum dp_srtp_drop) set. Packet path.
 */
int dp_srtp_unprotect(struct dp_srtp *s, bool rtcp, uint8_t *p, uint32_t *len,
		      unsigned int *why);

/*
 * Encrypt and authenticate the RTP (rtcp false) or RTCP packet at p, *len
 * bytes, in place, DP_SRTP_TRAILER_ROOM bytes writable after it; *len
 * becomes the SRTP packet's. Returns 0, or -1 with *why set. Packet path.
 */
int dp_srtp_protect(struct dp_srtp *s, bool rtcp, uint8_t *p, uint32_t *len,
		    unsigned int *why);

/* Bytes an SRTP packet of suite has more than its RTP packet: its tag. */
uint32_t dp_srtp_tag_len(uint8_t suite);

/* The tx suite (SHM_SRTP_NONE without a tx key). */
uint8_t dp_srtp_tx_suite(const struct dp_srtp *s);

/* A drop reason's name ("auth", "replay", ...; "?" if unknown). */
const char *dp_srtp_drop_name(unsigned int why);

#endif /* TUTTI_DP_SRTP_H */
