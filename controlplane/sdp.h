/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sdp.h: SDP offer/answer (RFC 3264 over RFC 4566) for the focus's audio
 * legs. A pure library: text in, text and a negotiated result out, no I/O,
 * no allocation (about 32 KiB of stack per call), no global state. Control
 * plane, any thread (the caller serialises calls on one struct
 * cp_sdp_sess).
 *
 * The focus runs one audio stream per leg with one codec: PCMU or PCMA
 * (8000 Hz), or mono L16 at 8000, 16000, 32000, 44100 or 48000 Hz (static
 * PT 11 = L16/44100/1; static PT 10 is stereo and refused), plus RFC 4733
 * telephone-event at the codec's clock rate. The negotiated result maps
 * onto struct shm_msg_leg (cp_sdp_result_to_leg()).
 *
 * Scope: IPv4 only. An audio stream whose c= is IP6, a hostname or a
 * multicast group is not acceptable (488, Warning 301), RTP/AVP only (other
 * transports: 488, Warning 302). The parser is this file's own, strict
 * (RFC 4566 line grammar, a closed set of line types, bounded sizes) and
 * never reads past the given length; lines may end in CRLF or LF.
 *
 * Return codes of the parsing functions and what SIP makes of them
 * (cp_sdp_sip_status(), cp_sdp_warning_code()):
 *
 *   0                 success
 *   -EPROTO           malformed SDP                          400
 *   -EMSGSIZE         over CP_SDP_MAX_BODY / _LINES / _MEDIA 413
 *   -ENOTSUP          no common codec on any audio stream    488, Warning 305
 *   -EMEDIUMTYPE      no audio stream at all (or port 0)     488, Warning 304
 *   -EPROTONOSUPPORT  audio only over non-RTP/AVP transports 488, Warning 302
 *   -EAFNOSUPPORT     audio only at IP6/host/multicast addrs 488, Warning 301
 *   -EINVAL           bad argument (a caller bug)            500
 *   -ENOSPC           output buffer too small                500
 *
 * When several audio streams are unacceptable for different reasons, the
 * first audio m= line's reason is returned. err receives one line of
 * printable ASCII without '"' or '\', so it can go into a Warning header's
 * quoted text as is; it echoes at most a few bytes of the input.
 */
#ifndef TUTTI_CP_SDP_H
#define TUTTI_CP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cp_sdp_limit {
	CP_SDP_MAX_BODY = 32768,    /* bytes of SDP parsed */
	CP_SDP_MAX_LINES = 1024,    /* lines of SDP parsed */
	CP_SDP_MAX_MEDIA = 16,	    /* m= lines in one SDP */
	CP_SDP_MAX_TOKEN = 32,	    /* bytes of an m= media/proto/fmt */
	CP_SDP_MAX_CODECS = 8,	    /* entries of the preference list */
	CP_SDP_NAME_MAX = 32,	    /* o= username, s= text, incl. NUL */
	CP_SDP_OUT_MAX = 4096,	    /* an answer or offer always fits */
	CP_SDP_OFFER_DYN_PT = 96,   /* first PT of an offered L16 rate */
	CP_SDP_OFFER_DTMF_PT = 101, /* first PT of offered telephone-event */
};

/* One acceptable codec. */
struct cp_sdp_codec {
	uint8_t codec;	  /* enum shm_codec */
	uint32_t rate_hz; /* clock: 8000 for G.711, an L16 rate */
};

/*
 * Negotiation policy, shared by every leg (read-only during calls). Set up
 * with cp_sdp_cfg_init() and cp_sdp_cfg_set_codecs(); fields may then be
 * changed directly.
 */
struct cp_sdp_cfg {
	struct cp_sdp_codec prefs[CP_SDP_MAX_CODECS]; /* most preferred 1st */
	unsigned int n_prefs;
	bool dtmf;		       /* offer and accept telephone-event */
	uint8_t ptime_ms;	       /* a=ptime the focus asks: 10..40, its
					* tick (what it sends is a multiple) */
	char user[CP_SDP_NAME_MAX];    /* o= username: printable, no spaces */
	char session[CP_SDP_NAME_MAX]; /* s= text: printable, not empty */
};

/*
 * The focus's side of one leg: where it receives RTP, and the direction it
 * wants (SHM_DIR_SENDRECV normally; SENDONLY to hold the peer; a hold from
 * the peer is negotiated, not asked for here).
 */
struct cp_sdp_local {
	uint8_t addr[16]; /* focus RTP address, IPv4-mapped IPv6 */
	uint16_t port;	  /* focus RTP port, host order, != 0 */
	uint8_t dir;	  /* enum shm_dir, focus's point of view */
};

/*
 * The o= line state of one dialog (RFC 3264 section 8): the session id
 * stays, the version goes up by one when an SDP the focus sends differs from
 * the previous one. Owned by the dialog; updated only by a successful
 * cp_sdp_answer() or cp_sdp_offer(), which the caller then sends.
 */
struct cp_sdp_sess {
	uint64_t id;	    /* o= sess-id, fixed for the dialog */
	uint64_t version;   /* o= sess-version of the last SDP sent */
	uint64_t last_hash; /* FNV-1a of that SDP, o= version excluded */
	bool sent;	    /* an SDP has been sent in this dialog */
};

/* The negotiated audio stream. Fields map 1:1 onto struct shm_msg_leg. */
struct cp_sdp_result {
	uint8_t codec;	      /* enum shm_codec */
	uint8_t pt;	      /* RTP payload type, both directions */
	uint8_t dtmf_pt;      /* telephone-event PT at rate_hz, 0 = none */
	uint8_t dir;	      /* enum shm_dir, focus's point of view */
	uint32_t rate_hz;     /* codec clock */
	uint8_t ptime_ms;     /* what the focus sends: 10, 20, 30 or 40, a
			       * multiple of cfg->ptime_ms */
	uint8_t addr[16];     /* peer RTP address, IPv4-mapped IPv6 */
	uint16_t remote_port; /* peer RTP port, network order */
	uint16_t media_idx;   /* the m= line used, 0-based */
	bool sdp_changed;     /* answer/offer: o= version was bumped (or
				 * this is the dialog's first SDP) */
	/*
	 * The peer put the stream on hold: it will not receive (its SDP
	 * says sendonly or inactive, or c=0.0.0.0). What it still sends is
	 * typically music on hold, so conference policy should not mix it
	 * (SHM_LEG_MUTE) and show the participant as on hold.
	 */
	bool held;
};

/*
 * Defaults: PCMU then PCMA, telephone-event on, ptime 20, o= user and s=
 * "tutti". Any thread.
 */
void cp_sdp_cfg_init(struct cp_sdp_cfg *cfg);

/*
 * Set the codec preference from a list such as "PCMU,PCMA,L16/16000":
 * names are case-insensitive, PCMU and PCMA may carry "/8000", L16 needs
 * its rate (8000, 16000, 32000, 44100, 48000; mono), no duplicates, at
 * least one entry. Returns 0, or -EINVAL with the reason in err (cfg
 * unchanged). Any thread.
 */
int cp_sdp_cfg_set_codecs(struct cp_sdp_cfg *cfg, const char *list, char *err,
			  size_t errlen);

/* RTP payload bytes a packet may carry: one 1500-byte IPv4 packet (an
 * Ethernet frame's MTU; no fragmentation) less its IPv4, UDP and RTP
 * headers. */
#define CP_SDP_RTP_PAYLOAD_MAX	(1500 - 20 - 8 - 12)

/*
 * Check a configuration's codecs and ptime (the tick: 10, 20, 30 or 40):
 * one tick of every codec must fit in CP_SDP_RTP_PAYLOAD_MAX (L16 at 44.1
 * or 48 kHz needs a 10 ms tick, at 32 kHz at most 20). Returns 0, or
 * -EINVAL with the reason in err. Any thread.
 */
int cp_sdp_cfg_check(const struct cp_sdp_cfg *cfg, char *err, size_t errlen);

/* Start a dialog's o= state: id and the version of its first SDP. */
void cp_sdp_sess_init(struct cp_sdp_sess *sess, uint64_t id, uint64_t version);

/*
 * Answer an offer (dial-in INVITE, re-INVITE, or the offer in a 2xx/ACK).
 *
 * Picks the first audio m= line (RTP/AVP, port != 0, usable IPv4 c=) that
 * carries a codec of cfg->prefs, taking the codec by cfg's order; adds the
 * offer's telephone-event at that codec's clock (if cfg->dtmf); the ptime
 * it sends: of the multiples of cfg->ptime_ms (the conference's tick) up
 * to 40 whose packet fits CP_SDP_RTP_PAYLOAD_MAX, the nearest to the
 * offer's a=ptime (default 20) not above its a=maxptime (the tick itself
 * if none is); the direction mirrored per RFC
 * 3264 section 6.1 (sendonly ->
 * recvonly, recvonly -> sendonly, inactive -> inactive) and limited by
 * local->dir; c=0.0.0.0 (RFC 2543 hold) means the focus sends nothing.
 * Every other m= line is answered with port 0; the answer keeps the
 * offer's m= order and count and copies its t= line.
 *
 * offer/len: the body, need not be NUL-terminated. answer/answer_len: the
 * answer, NUL-terminated, CRLF line ends (CP_SDP_OUT_MAX always suffices).
 * sess: the dialog's o= state, advanced on success only. res: written on
 * success only. err/errlen: the reason on failure (may be NULL/0).
 * Returns 0 or a code of the table at the top of this file; on failure
 * nothing is changed, so a rejected re-offer (488) keeps the session as
 * it was.
 */
int cp_sdp_answer(const struct cp_sdp_cfg *cfg,
		  const struct cp_sdp_local *local, struct cp_sdp_sess *sess,
		  const char *offer, size_t len, struct cp_sdp_result *res,
		  char *answer, size_t answer_len, char *err, size_t errlen);

/*
 * Write the focus's offer (dial-out INVITE, focus re-INVITE, or the offer
 * in a 2xx to an INVITE without SDP): one m=audio line with cfg's codecs
 * in preference order (PCMU 0, PCMA 8, L16/44100 11, other L16 rates from
 * CP_SDP_OFFER_DYN_PT up), telephone-event/<rate> for each distinct clock
 * rate from CP_SDP_OFFER_DTMF_PT up (if cfg->dtmf), a=ptime, local->dir.
 * The PT numbers depend on cfg only, so cp_sdp_process_answer() must get
 * the same cfg. sess is advanced as for cp_sdp_answer(); changed (may be
 * NULL) tells whether the version was bumped. Returns 0, -EINVAL (cfg or
 * local invalid) or -ENOSPC.
 */
int cp_sdp_offer(const struct cp_sdp_cfg *cfg, const struct cp_sdp_local *local,
		 struct cp_sdp_sess *sess, char *offer, size_t offer_len,
		 bool *changed);

/*
 * Process the answer to cp_sdp_offer()'s offer made with the same cfg and
 * local. The answer must have exactly one m= line, audio, RTP/AVP; the
 * first of its formats that the offer carried at the same PT is used (PTs
 * the offer lacked are ignored), with telephone-event at that clock if the
 * answer kept it. Direction per RFC 3264 section 6.1 against local->dir
 * (an answer that breaks the rules is -EPROTO). res (written on success
 * only) has sdp_changed false. Returns 0 or a code of the table above; the
 * caller ends the call on failure (ACK then BYE).
 */
int cp_sdp_process_answer(const struct cp_sdp_cfg *cfg,
			  const struct cp_sdp_local *local, const char *answer,
			  size_t len, struct cp_sdp_result *res, char *err,
			  size_t errlen);

/*
 * Copy the negotiated fields (codec, pt, dtmf_pt, dir, rate_hz, ptime_ms,
 * addr, remote_port) into leg; its other fields are left alone, flags
 * included (SHM_LEG_MUTE for a held peer is the conference's policy).
 */
void cp_sdp_result_to_leg(const struct cp_sdp_result *res,
			  struct shm_msg_leg *leg);

/* SIP status for a return code of this module: 200, 400, 413, 488, 500. */
int cp_sdp_sip_status(int rc);

/* Warning code (RFC 3261 section 20.43) for a 488 return code, else 0. */
int cp_sdp_warning_code(int rc);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_SDP_H */
