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
 * multicast group is not acceptable (488, Warning 301). Transports: RTP/AVP,
 * and RTP/SAVP (SRTP, RFC 3711) with SDES keys (a=crypto, RFC 4568) if
 * cfg->srtp allows it and the SIP hop is TLS (local->secure); no MKI, no
 * session parameters, suites AES_CM_128_HMAC_SHA1_80 and _32 only. Other
 * transports (RTP/SAVPF, UDP/TLS/RTP/SAVP, ...): 488, Warning 302. The
 * parser is this file's own, strict (RFC 4566 line grammar, a closed set
 * of line types, bounded sizes) and never reads past the given length;
 * lines may end in CRLF or LF.
 *
 * Return codes of the parsing functions and what SIP makes of them
 * (cp_sdp_sip_status(), cp_sdp_warning_code()):
 *
 *   0                 success
 *   -EPROTO           malformed SDP                          400
 *   -EMSGSIZE         over CP_SDP_MAX_BODY / _LINES / _MEDIA 413
 *   -ENOTSUP          no common codec on any audio stream    488, Warning 305
 *   -EMEDIUMTYPE      no audio stream at all (or port 0)     488, Warning 304
 *   -EPROTONOSUPPORT  audio only over transports refused     488, Warning 302
 *                     (see cp_sdp_answer(): SRTP policy, TLS,
 *                     a=crypto)
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
 * SRTP policy (struct cp_sdp_cfg.srtp). OFF: RTP/AVP only, as before SRTP
 * existed; OPTIONAL: an offer's RTP/SAVP stream (with SDES keys) or RTP/AVP
 * stream is answered, whichever acceptable comes first, and the focus
 * offers RTP/AVP; MANDATORY: only RTP/SAVP is answered, and offered.
 */
enum cp_sdp_srtp_mode {
	CP_SDP_SRTP_OFF = 0,
	CP_SDP_SRTP_OPTIONAL = 1,
	CP_SDP_SRTP_MANDATORY = 2,
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
	uint8_t srtp;		       /* enum cp_sdp_srtp_mode */
};

/*
 * The focus's side of one leg: where it receives RTP, and the direction it
 * wants (SHM_DIR_SENDRECV normally; SENDONLY to hold the peer; a hold from
 * the peer is negotiated, not asked for here), whether the SIP hop of this
 * leg is protected, and the focus's SRTP key for it. secure and srtp_key
 * are read only when cfg->srtp is not CP_SDP_SRTP_OFF.
 */
struct cp_sdp_local {
	uint8_t addr[16]; /* focus RTP address, IPv4-mapped IPv6 */
	uint16_t port;	  /* focus RTP port, host order, != 0 */
	uint8_t dir;	  /* enum shm_dir, focus's point of view */
	bool secure;	  /* the SIP hop is TLS: SDES keys, which travel
			   * in the clear in the SDP, may cross it */
	/* The focus's SRTP master key then salt, what it protects with: from
	 * a CSPRNG by the caller, kept for the dialog (so the answer to a
	 * re-offer stays the same). */
	uint8_t srtp_key[SHM_SRTP_KEY_BYTES];
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

/*
 * The negotiated audio stream. Fields map 1:1 onto struct shm_msg_leg, but
 * for the SRTP ones: the keys go to the data plane in SHM_CMD_LEG_SRTP.
 */
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
	uint8_t srtp_suite;   /* enum shm_srtp_suite, SHM_SRTP_NONE for
			       * plain RTP */
	uint32_t srtp_tag;    /* the a=crypto tag used (1..999999999), 0
			       * for plain RTP */
	/* The peer's SRTP master key then salt, what the focus unprotects
	 * with (it protects with local->srtp_key); zero for plain RTP. */
	uint8_t srtp_key_rx[SHM_SRTP_KEY_BYTES];
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
 * "tutti", SRTP off. Any thread.
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
 * or 48 kHz needs a 10 ms tick, at 32 kHz at most 20); and its SRTP mode
 * (a value of enum cp_sdp_srtp_mode). Returns 0, or -EINVAL with the
 * reason in err. Any thread.
 */
int cp_sdp_cfg_check(const struct cp_sdp_cfg *cfg, char *err, size_t errlen);

/* Start a dialog's o= state: id and the version of its first SDP. */
void cp_sdp_sess_init(struct cp_sdp_sess *sess, uint64_t id, uint64_t version);

/*
 * Answer an offer (dial-in INVITE, re-INVITE, or the offer in a 2xx/ACK).
 *
 * Picks the first audio m= line (acceptable transport, see below; port !=
 * 0; usable IPv4 c=) that carries a codec of cfg->prefs, taking the codec
 * by cfg's order; adds the offer's telephone-event at that codec's clock
 * (if cfg->dtmf); the ptime it sends: of the multiples of cfg->ptime_ms
 * (the conference's tick) up to 40 whose packet fits
 * CP_SDP_RTP_PAYLOAD_MAX, the nearest to the offer's a=ptime (default 20)
 * not above its a=maxptime (the tick itself if none is); the direction
 * mirrored per RFC 3264 section 6.1 (sendonly -> recvonly, recvonly ->
 * sendonly, inactive -> inactive) and limited by local->dir; c=0.0.0.0
 * (RFC 2543 hold) means the focus sends nothing. Every other m= line is
 * answered with port 0; the answer keeps the offer's m= order and count
 * and copies its t= line.
 *
 * Transports: RTP/AVP is acceptable unless cfg->srtp is MANDATORY ("line
 * N: SRTP is required (RTP/AVP refused)"); its a=crypto lines, if any, are
 * ignored and the answer is plain RTP/AVP. RTP/SAVP is acceptable if
 * cfg->srtp is not OFF ("line N: SRTP is off (RTP/SAVP refused)"),
 * local->secure ("line N: RTP/SAVP needs SIP over TLS for its keys") and
 * the m= line has an acceptable a=crypto (RFC 4568 section 9.1), the first
 * in the offer's order: tag 1..999999999 (at most 9 digits), suite
 * AES_CM_128_HMAC_SHA1_80 or AES_CM_128_HMAC_SHA1_32 (case-sensitive),
 * exactly one key parameter, inline:<base64 of 30 bytes> (RFC 4648,
 * padding optional, any other character refused), a lifetime (decimal
 * or 2^N) only if of 2^31 packets or more, no MKI, no session
 * parameter. When none is, the reason is "line N: no a=crypto with a
 * supported suite (...)" or, if a line of a supported suite was refused,
 * the first such: "line L: a=crypto refused: <why>" (L: the a= line). A
 * malformed a=crypto is not a malformed SDP: the grammar is open (new
 * suites, key methods, parameters), and RFC 4568 section 7.1.2 refuses
 * the stream, not the offer, when no a=crypto can be used; it is just
 * not acceptable (-EPROTONOSUPPORT, 488, Warning 302). The answer's
 * RTP/SAVP stream has, after its other attributes, a=crypto with the
 * chosen tag and suite and inline:<base64 of local->srtp_key> (no
 * lifetime, no MKI); res gets the suite, tag and the peer's key. The
 * formats of an RTP/SAVP line that is looked at must be payload types
 * (RFC 4566 section 5.14), like RTP/AVP's, else -EPROTO.
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
 * RTP/AVP, unless cfg->srtp is MANDATORY: then RTP/SAVP with, after the
 * other attributes, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<key>" and
 * "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:<key>", both with
 * local->srtp_key; an SDP that carries a key must not cross an unprotected
 * hop, so without local->secure that is -EPROTONOSUPPORT and nothing is
 * written. The PT numbers and the transport depend on cfg only, so
 * cp_sdp_process_answer() must get the same cfg. sess is advanced as for
 * cp_sdp_answer(); changed (may be NULL) tells whether the version was
 * bumped. Returns 0, -EINVAL (cfg or local invalid), -EPROTONOSUPPORT or
 * -ENOSPC.
 */
int cp_sdp_offer(const struct cp_sdp_cfg *cfg, const struct cp_sdp_local *local,
		 struct cp_sdp_sess *sess, char *offer, size_t offer_len,
		 bool *changed);

/*
 * Process the answer to cp_sdp_offer()'s offer made with the same cfg and
 * local. The answer must have exactly one m= line, audio, with the offer's
 * transport; the first of its formats that the offer carried at the same
 * PT is used (PTs the offer lacked are ignored), with telephone-event at
 * that clock if the answer kept it. Direction per RFC 3264 section 6.1
 * against local->dir (an answer that breaks the rules is -EPROTO).
 *
 * To an RTP/SAVP offer (cfg->srtp MANDATORY) the answer must have exactly
 * one a=crypto, acceptable as for cp_sdp_answer(), with tag 1 or 2 and the
 * suite the offer gave that tag; anything else is -EPROTO, but an RTP/AVP
 * answer, which says the peer does not do SRTP rather than that it broke
 * the protocol, is -EPROTONOSUPPORT; without local->secure no such offer
 * can have been sent: -EPROTONOSUPPORT. res gets the suite, the tag and
 * the peer's key. To an RTP/AVP offer, a=crypto lines are ignored.
 *
 * res (written on success only) has sdp_changed false. Returns 0 or a code
 * of the table above; the caller ends the call on failure (ACK then BYE).
 */
int cp_sdp_process_answer(const struct cp_sdp_cfg *cfg,
			  const struct cp_sdp_local *local, const char *answer,
			  size_t len, struct cp_sdp_result *res, char *err,
			  size_t errlen);

/*
 * Copy the negotiated fields (codec, pt, dtmf_pt, dir, rate_hz, ptime_ms,
 * addr, remote_port) into leg, and set SHM_LEG_SRTP in leg->flags if
 * res->srtp_suite is not SHM_SRTP_NONE, clear it if it is. Its other fields
 * are left alone, the other flags included (SHM_LEG_MUTE for a held peer is
 * the conference's policy); the keys are not in struct shm_msg_leg (the
 * caller sends them in SHM_CMD_LEG_SRTP).
 */
void cp_sdp_result_to_leg(const struct cp_sdp_result *res,
			  struct shm_msg_leg *leg);

/*
 * The focus's own SRTP key in an SDP it sent (the inline key of its first
 * a=crypto: cp_sdp_answer() and cp_sdp_offer() write the one key in each),
 * for a dialog taken over after a restart. Returns 0, or -ENOENT if sdp
 * (NUL-terminated; NULL: none) has no a=crypto with a 30-byte inline key.
 */
int cp_sdp_own_key(const char *sdp, uint8_t key[SHM_SRTP_KEY_BYTES]);

/* SIP status for a return code of this module: 200, 400, 413, 488, 500. */
int cp_sdp_sip_status(int rc);

/* Warning code (RFC 3261 section 20.43) for a 488 return code, else 0. */
int cp_sdp_warning_code(int rc);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_SDP_H */
