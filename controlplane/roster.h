/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * roster.h: the conference roster as the notification service reports it
 * (RFC 4575): the conference's description, host and state, its users,
 * their endpoints and each endpoint's media. Pure C, no libxml2: cevt.h
 * turns a roster into conference-info documents.
 *
 * Every change bumps a roster-wide sequence number and stamps what it
 * touched (per field for users and endpoints, per stream for media);
 * removed users and endpoints leave tombstones. That is the change journal:
 * a subscriber that was last told about sequence number S gets a partial
 * document holding exactly what carries a stamp above S. Tombstones are
 * bounded (max_tombstones); a subscriber left behind by the oldest dropped
 * tombstone gets a full document instead (cp_roster_can_diff).
 *
 * Keys (user and endpoint entities, media ids) are compared as exact byte
 * strings (RFC 4575 §4.5). Every string is copied; invalid UTF-8 and
 * characters XML 1.0 forbids are replaced by U+FFFD on the way in, so what
 * the roster holds can always be written as XML, and a key is stored the
 * same way every time.
 *
 * Control-plane main thread only; no function keeps a caller's pointer.
 * Setters return 0, -EINVAL (bad argument or enum value), -ENOENT (no such
 * user, endpoint or media), -EEXIST (key already present) or -ENOMEM. A
 * setter that changes nothing returns 0 and records nothing.
 */
#ifndef TUTTI_CP_ROSTER_H
#define TUTTI_CP_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cp_roster;

/* Endpoint lifecycle as SIP signalling sees it (RFC 4575 §5.7.3). */
enum cp_roster_ep_status {
	CP_ROSTER_EP_PENDING = 0,
	CP_ROSTER_EP_DIALING_OUT,
	CP_ROSTER_EP_DIALING_IN,
	CP_ROSTER_EP_ALERTING,
	CP_ROSTER_EP_CONNECTED,		/* on-hold / muted-via-focus derived */
	CP_ROSTER_EP_DISCONNECTING,
	CP_ROSTER_EP_DISCONNECTED,
	CP_ROSTER_EP_ON_HOLD,		/* reported status only, never set */
	CP_ROSTER_EP_MUTED_VIA_FOCUS,	/* reported status only, never set */
	CP_ROSTER_EP_N_STATUS,
};

enum cp_roster_joining {
	CP_ROSTER_JOIN_NONE = 0,	/* element left out */
	CP_ROSTER_JOIN_DIALED_IN,
	CP_ROSTER_JOIN_DIALED_OUT,
	CP_ROSTER_JOIN_FOCUS_OWNER,
	CP_ROSTER_JOIN_N,
};

enum cp_roster_disconnection {
	CP_ROSTER_DISC_NONE = 0,	/* element left out */
	CP_ROSTER_DISC_DEPARTED,
	CP_ROSTER_DISC_BOOTED,
	CP_ROSTER_DISC_FAILED,
	CP_ROSTER_DISC_BUSY,
	CP_ROSTER_DISC_N,
};

/* Media direction, always from the participant's point of view. */
enum cp_roster_media_dir {
	CP_ROSTER_MEDIA_SENDRECV = 0,
	CP_ROSTER_MEDIA_SENDONLY,
	CP_ROSTER_MEDIA_RECVONLY,
	CP_ROSTER_MEDIA_INACTIVE,
	CP_ROSTER_MEDIA_N_DIR,
};

/* An execution-type element (referred, joining-info, disconnection-info). */
struct cp_roster_exec {
	int64_t when_s;		/* Unix time, UTC seconds; < 0: no <when> */
	const char *reason;	/* RFC 3326 form advised; NULL: no <reason> */
	const char *by;		/* URI; NULL: no <by> */
};

/* One conf-uris / service-uris / host-info uris entry. */
struct cp_roster_uri {
	const char *uri;		/* required */
	const char *display_text;	/* NULL: left out */
	const char *purpose;		/* "participation", "event", ... */
};

/* One available-media entry (label unique in the conference). */
struct cp_roster_avail_media {
	const char *label;		/* required; = media <label> */
	const char *display_text;	/* NULL: left out */
	const char *type;		/* SDP media name, "audio"; required */
	enum cp_roster_media_dir status;
};

/* <conference-description>: atomic, replaced whole by each setter call. */
struct cp_roster_desc {
	const char *display_text;	/* NULL: left out */
	const char *subject;		/* NULL: left out */
	const struct cp_roster_uri *conf_uris;
	size_t n_conf_uris;
	const struct cp_roster_uri *service_uris;
	size_t n_service_uris;
	uint32_t maximum_user_count;	/* 0: left out */
	const struct cp_roster_avail_media *media;
	size_t n_media;
};

/* <host-info>: atomic. All empty: the element is left out. */
struct cp_roster_host {
	const char *display_text;
	const char *web_page;		/* URI */
	const struct cp_roster_uri *uris;
	size_t n_uris;
};

/* A media stream of an endpoint, keyed by id. */
struct cp_roster_media {
	const char *id;			/* required, unique in the endpoint */
	const char *display_text;	/* NULL: left out */
	const char *type;		/* "audio"; NULL: left out */
	const char *label;		/* SDP a=label; NULL: left out */
	bool has_src_id;
	uint32_t src_id;		/* the SSRC the endpoint sends */
	/*
	 * As negotiated in SDP, participant's view. While the focus mutes the
	 * endpoint the reported status drops the send direction
	 * (sendrecv -> recvonly, sendonly -> inactive).
	 */
	enum cp_roster_media_dir dir;
};

/*
 * Create an empty roster for the conference URI entity (the <conference-info
 * entity>, RFC 4575 §5.2): active, unlocked, no users, no description.
 * max_tombstones bounds the removed users and endpoints remembered for
 * partial documents (0: a default of 1024). Returns 0 and *out, or -EINVAL,
 * -ENOMEM. *out is owned by the caller: cp_roster_destroy().
 */
int cp_roster_create(struct cp_roster **out, const char *entity,
		     size_t max_tombstones);
/* Free r and everything in it. NULL is a no-op. */
void cp_roster_destroy(struct cp_roster *r);

/* The conference URI given to cp_roster_create() (sanitised copy). */
const char *cp_roster_entity(const struct cp_roster *r);

/* Conference level: description and host info are atomic. */
int cp_roster_set_desc(struct cp_roster *r, const struct cp_roster_desc *d);
int cp_roster_set_host(struct cp_roster *r, const struct cp_roster_host *h);
int cp_roster_set_active(struct cp_roster *r, bool active);
int cp_roster_set_locked(struct cp_roster *r, bool locked);
/*
 * Users with at least one endpoint connected, on hold or muted via the
 * focus: the reported <user-count>, kept up to date by every change.
 */
uint32_t cp_roster_user_count(const struct cp_roster *r);
size_t cp_roster_n_users(const struct cp_roster *r);

/* Users, keyed by entity (the authenticated identity, RFC 4575 §5.6). */
int cp_roster_user_add(struct cp_roster *r, const char *entity,
		       const char *display_text);
int cp_roster_user_remove(struct cp_roster *r, const char *entity);
bool cp_roster_has_user(const struct cp_roster *r, const char *entity);
int cp_roster_user_set_display(struct cp_roster *r, const char *entity,
			       const char *display_text);
/* Replace the roles list (n_roles == 0 removes <roles>). */
int cp_roster_user_set_roles(struct cp_roster *r, const char *entity,
			     const char *const *roles, size_t n_roles);

/*
 * Endpoints of a user, keyed by entity (unique within the user; for an
 * anonymous user never the real Contact, RFC 4575 §8.2). A new endpoint
 * starts with the given status, not muted, not held, no media.
 */
int cp_roster_ep_add(struct cp_roster *r, const char *user, const char *ep,
		     const char *display_text,
		     enum cp_roster_ep_status status);
int cp_roster_ep_remove(struct cp_roster *r, const char *user,
			const char *ep);
/*
 * Signalling status: CONNECTED, or one of the setup/teardown states. The
 * reported status of a connected endpoint is on-hold while held, else
 * muted-via-focus while muted, else connected (RFC 4575 §5.7.3).
 * ON_HOLD and MUTED_VIA_FOCUS are refused (-EINVAL): use the two below.
 */
int cp_roster_ep_set_status(struct cp_roster *r, const char *user,
			    const char *ep, enum cp_roster_ep_status status);
/* The focus stops (or resumes) mixing this endpoint's audio. */
int cp_roster_ep_set_muted(struct cp_roster *r, const char *user,
			   const char *ep, bool muted);
/*
 * The participant held (or resumed) the focus (its re-INVITE). The
 * streams' directions come from the same SDP: update them with
 * cp_roster_media_set().
 */
int cp_roster_ep_set_held(struct cp_roster *r, const char *user,
			  const char *ep, bool held);
/* The reported <status> (with hold and mute applied). */
enum cp_roster_ep_status cp_roster_ep_status(const struct cp_roster *r,
					     const char *user, const char *ep);
/* info may be NULL (element left out). JOIN_NONE drops both elements. */
int cp_roster_ep_set_joining(struct cp_roster *r, const char *user,
			     const char *ep, enum cp_roster_joining method,
			     const struct cp_roster_exec *info);
int cp_roster_ep_set_disconnection(struct cp_roster *r, const char *user,
				   const char *ep,
				   enum cp_roster_disconnection method,
				   const struct cp_roster_exec *info);
/* <referred> (dial-out on REFER); NULL removes it. */
int cp_roster_ep_set_referred(struct cp_roster *r, const char *user,
			      const char *ep,
			      const struct cp_roster_exec *referred);
/* <call-info><sip>: all three, or all NULL to remove (privacy: §5.7.9). */
int cp_roster_ep_set_call_info(struct cp_roster *r, const char *user,
			       const char *ep, const char *call_id,
			       const char *from_tag, const char *to_tag);

/* Add the stream m->id, or replace it whole. */
int cp_roster_media_set(struct cp_roster *r, const char *user, const char *ep,
			const struct cp_roster_media *m);
/* Remove a stream: the next partial resends its endpoint in full. */
int cp_roster_media_remove(struct cp_roster *r, const char *user,
			   const char *ep, const char *id);

/*
 * The journal: the sequence number of the latest change (0 for a new
 * roster), and whether a partial document from sequence number since_seq
 * can still be built (false once a tombstone it would need was dropped).
 */
uint64_t cp_roster_seq(const struct cp_roster *r);
bool cp_roster_can_diff(const struct cp_roster *r, uint64_t since_seq);

/* Text names as written in documents; NULL for a value out of range. */
const char *cp_roster_ep_status_name(enum cp_roster_ep_status s);
const char *cp_roster_joining_name(enum cp_roster_joining m);
const char *cp_roster_disconnection_name(enum cp_roster_disconnection m);
const char *cp_roster_media_dir_name(enum cp_roster_media_dir d);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_ROSTER_H */
