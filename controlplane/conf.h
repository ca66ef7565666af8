/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf.h: the focus's conferences and participants (RFC 4353, RFC 4579):
 * an INVITE to a conference URI joins it, an INVITE to the factory URI
 * creates an ad-hoc conference with an unguessable URI (64 random bits)
 * and joins it, any other URI gets 404. Each participant's SDP is answered
 * (sdp.h), its leg is added on the data plane (an address of the media
 * addresses and a port of the RTP range, the conference's worker: the
 * least loaded when the conference started)
 * and the 200 goes out once the data plane has taken the leg; re-INVITEs
 * update it (hold mutes it), BYE and a data-plane media timeout remove it,
 * and an ad-hoc conference ends with its last participant. After a data
 * plane restart every conference and leg is sent again.
 *
 * Control-plane main thread only. The SIP layer calls in through the
 * struct cp_sip_app from cp_focus_sip_app(); data-plane statuses and events
 * through cp_focus_on_event().
 */
#ifndef TUTTI_CP_CONF_H
#define TUTTI_CP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdp.h"
#include "shm_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cp_dpctl;
struct cp_policy;
struct cp_sip;
struct cp_sip_app;
struct cp_focus;

#define CP_CONF_MAX_STATIC	16	/* configured conference names */
#define CP_CONF_NAME_MAX	40	/* user part of a conference URI */
#define CP_CONF_MAX_MEDIA_ADDR	16	/* tutti-dp's addresses on its port */

struct cp_focus_cfg {
	/* tutti-dp's RTP addresses (some of its --addr), IPv4-mapped, each
	 * its own space of the ports below; legs fill the first's ports,
	 * then the next's */
	uint8_t media_addr[CP_CONF_MAX_MEDIA_ADDR][16];
	unsigned int n_media_addr;	/* 1..CP_CONF_MAX_MEDIA_ADDR */
	uint16_t rtp_port_min;	/* even; legs get min, min + 2, ... */
	uint16_t rtp_port_max;
	char factory[CP_CONF_NAME_MAX];	/* user part of the factory URI */
	char host[64];		/* host part of our URIs (the SIP address) */
	char names[CP_CONF_MAX_STATIC][CP_CONF_NAME_MAX]; /* static confs */
	unsigned int n_names;
	uint32_t rate_hz;	/* mixing rate of new conferences */
	uint8_t ptime_ms;	/* their tick */
	uint8_t talkers;	/* K loudest mixed; 0 = 4; 255 = everyone */
	bool limiter;		/* soft limiter on the mixes */
	uint32_t notify_interval_ms;	/* RFC 4575 partials: at most one per
					 * subscriber per this (default 1000) */
	uint16_t media_timeout_ms;	/* 0 = never */
	uint32_t ring_timeout_ms;	/* a dial-out unanswered that long is
					 * cancelled; 0 = never (default
					 * 30000) */
	struct cp_sdp_cfg sdp;
	/* SRTP's SDES keys over UDP and TCP too (--srtp-keys-in-clear),
	 * not only over TLS: for a signalling path protected otherwise */
	bool srtp_keys_in_clear;
	const char *state_path;	/* the state file (state.h), NULL = none;
				 * borrowed for the focus's life */
};

/* Defaults: factory "factory", conference "demo", one media address
 * 0.0.0.0 (the caller sets it), ports 20000-29998, 8 kHz, 20 ms, 30 s
 * media timeout, 30 s ring timeout, cp_sdp_cfg_init(). */
void cp_focus_cfg_init(struct cp_focus_cfg *cfg);

/*
 * Set the media addresses from a list such as "198.18.0.2,198.18.0.3": 1
 * to CP_CONF_MAX_MEDIA_ADDR IPv4 addresses, none twice, not 0.0.0.0 (a
 * leg's "tutti-dp's first"). Returns 0, or -EINVAL with the reason in err
 * (cfg unchanged). Any thread.
 */
int cp_focus_cfg_set_media_addrs(struct cp_focus_cfg *cfg, const char *list,
				 char *err, size_t errlen);

/*
 * Make the focus over data-plane control d. Returns 0 and *out, or -EINVAL
 * (port range, media addresses, names) or -ENOMEM.
 */
int cp_focus_new(struct cp_focus **out, const struct cp_focus_cfg *cfg,
		 struct cp_dpctl *d);
void cp_focus_free(struct cp_focus *f);

/*
 * The conference policy to decide by (policy.h): NULL (the default) lets
 * anyone join and create. Set again after a SIGHUP reload. f only borrows
 * it.
 */
void cp_focus_set_policy(struct cp_focus *f, const struct cp_policy *p);

/* The SIP callbacks to open the SIP layer with (ctx is f), then tell f the
 * layer it answers through. */
void cp_focus_sip_app(struct cp_focus *f, struct cp_sip_app *app);
void cp_focus_set_sip(struct cp_focus *f, struct cp_sip *sip);

/* Timers: conference notifications that are due. Call from the loop. */
void cp_focus_poll(struct cp_focus *f);

/* cp_focus_dial()'s ring_timeout_ms: the focus's (ring_timeout_ms). */
#define CP_FOCUS_RING_DEFAULT UINT32_MAX
/* The longest ring timeout, in seconds (--ring-timeout, tuttictl dial). */
#define CP_FOCUS_RING_MAX_S 600

/*
 * Dial uri (sip:user@A.B.C.D[:port], or a name) into conference name (the
 * operator's "dial"), cancelled if unanswered after ring_timeout_ms (0:
 * never; CP_FOCUS_RING_DEFAULT: the focus's). Returns 0 (the outcome is
 * logged) or -ENOENT (no such conference), -EINVAL (the URI), -ENOSPC (no
 * RTP port), -EAGAIN (its worker at its limit), -ENOPROTOOPT (SRTP
 * mandatory, and uri not in TLS: its keys would cross in the clear),
 * -EPROTONOSUPPORT (TLS asked for, and none here), -ENOMEM.
 */
int cp_focus_dial(struct cp_focus *f, const char *name, const char *uri,
		  uint32_t ring_timeout_ms);

/* A data-plane event (the cp_dpctl event callback; ctx is f). */
void cp_focus_on_event(void *ctx, unsigned int worker,
		       const struct shm_msg *evt);

/*
 * The data plane is gone (before its region is let go): what the next one
 * needs of its leg table is kept, that is where each SRTP leg's peer
 * stream was (its rollover counter), for cp_focus_replay() to give the
 * next (SHM_SRTP_F_INDEX), so that a peer past its first 65,536 packets
 * is still heard.
 */
void cp_focus_dp_lost(struct cp_focus *f);

/* The data plane restarted (a new generation): send every conference and
 * leg again. */
void cp_focus_replay(struct cp_focus *f);

/*
 * Take over from an earlier tutti-cp, once attached at start: read the
 * state file (cfg.state_path) and the data plane's leg table; a
 * participant in both gets its conference, SIP dialog, RTP port and
 * roster entry back while its leg keeps running untouched; a leg the
 * state does not know is removed, a participant whose leg is gone gets a
 * BYE, and so does one whose leg received nothing for a media timeout
 * after the takeover (cp_focus_poll() looks). A refused file (another
 * version, corrupt) is set aside as FILE.refused and the legs are left
 * alone (each is removed when its media times out); so are they without a
 * file. From then on the state file is written after changes, paced by
 * what a write costs (cp_focus_poll()). Logs what it did.
 */
void cp_focus_takeover(struct cp_focus *f);

/*
 * Once attached to tutti-dp (and again after its restart): whether it
 * owns every media address (the addresses it publishes in the region).
 * Each one it does not own is logged as an error, with what it owns, and
 * new legs go on the others only (tutti-dp would refuse them there): when
 * those are full, participants get 503 as when all are. Returns how many;
 * 0 too when tutti-dp publishes none (no port: control only), and then
 * every address is used.
 */
unsigned int cp_focus_check_media(struct cp_focus *f);

/*
 * Write the state file now if anything changed since the last write: at a
 * clean stop, before the SIP layer closes (its dialogs go in the file);
 * the calls go on in the data plane for the next tutti-cp to take over.
 */
void cp_focus_flush(struct cp_focus *f);

/*
 * At a clean stop, before cp_focus_flush(): CANCEL every dial-out still
 * ringing (the state file cannot keep one: its INVITE transaction is the
 * SIP layer's, in memory), saying why (Q.850 41, temporary failure, "tutti-cp
 * stopped"), so that the phone stops ringing rather than be answered
 * into nothing. Returns how many ring still (cancelled, no final answer
 * yet): the caller serves SIP a little longer while that is not 0.
 */
unsigned int cp_focus_stop_dialling(struct cp_focus *f);

/*
 * Answer one operator request (tuttictl; the cp_ctlsock_fn of ctlsock.h,
 * ctx is f): list, show CONF, roster CONF, mute/unmute/deaf/undeaf/kick
 * CONF WHO (a leg id or a From URI, or a unique part of one), dial CONF
 * URI, lock/unlock CONF (while locked, every join gets 403 but those of
 * the policy's moderators; without a policy, every one), end CONF,
 * watchers CONF, approve/reject CONF ID (a pending subscription), stats,
 * provision PATH (conferences and legs without SIP from a file of tutti-dp
 * --provision's format, shm_prov.h: taken whole or refused with
 * "PATH:LINE: reason"; the commands go to tutti-dp as its rings have
 * room, from cp_focus_poll()), unprovision PATH (end the provisioned
 * conferences the file names), help. The answer is one JSON object,
 * {"error": "..."} for a bad request; a command it does not know gets
 * "unknown command". It goes in *out, a malloc'd buffer of *out_cap bytes
 * that grows as it needs (realloc), up to CP_CTLSOCK_RESP_MAX.
 */
void cp_focus_ctl(void *ctx, const char *req, char **out, size_t *out_cap);

/* Write the Prometheus exposition (the cp_metrics_fn of metrics.h, ctx is
 * f; *buf grows as it needs, up to CP_METRICS_MAX): conferences and
 * participants, per worker core, per leg, SIP counters. Returns its
 * length. */
size_t cp_focus_metrics(void *ctx, char **buf, size_t *cap);

struct cp_focus_stats {
	uint32_t n_confs;
	uint32_t n_participants;
	uint64_t joined, left, refused, timeouts, dp_errors;
};
const struct cp_focus_stats *cp_focus_stats(const struct cp_focus *f);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_CONF_H */
