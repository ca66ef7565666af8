/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * roster_priv.h: the layout of struct cp_roster, shared by roster.c (which
 * alone writes it) and cevt.c (which reads it to write documents). Not a
 * public header: other modules use roster.h.
 *
 * Stamps are roster sequence numbers (cp_roster_seq()): a stamp above a
 * subscriber's since_seq means "changed since that subscriber was told".
 */
#ifndef TUTTI_CP_ROSTER_PRIV_H
#define TUTTI_CP_ROSTER_PRIV_H

#include "roster.h"

struct rs_exec {
	bool present;
	int64_t when_s;		/* < 0: no <when> */
	char *reason;
	char *by;
};

struct rs_uri {
	char *uri, *display_text, *purpose;
};

struct rs_avail {
	char *label, *display_text, *type;
	enum cp_roster_media_dir status;
};

struct rs_desc {
	char *display_text, *subject;
	struct rs_uri *conf_uris, *service_uris;
	size_t n_conf_uris, n_service_uris;
	uint32_t maximum_user_count;
	struct rs_avail *media;
	size_t n_media;
};

struct rs_host {
	char *display_text, *web_page;
	struct rs_uri *uris;
	size_t n_uris;
};

/* Media sub-elements, each stamped (a partial media replaces them 1 by 1). */
enum rs_media_field {
	RS_MEDIA_DISPLAY,
	RS_MEDIA_TYPE,
	RS_MEDIA_LABEL,
	RS_MEDIA_SRC_ID,
	RS_MEDIA_STATUS,	/* the reported one (focus mute applied) */
	RS_MEDIA_N_FIELDS,
};

struct rs_media {
	char *id, *display_text, *type, *label;
	bool has_src_id;
	uint32_t src_id;
	enum cp_roster_media_dir dir;	/* negotiated */
	uint64_t created_seq;		/* added: sent whole */
	uint64_t seq;			/* latest stamp */
	uint64_t field_seq[RS_MEDIA_N_FIELDS];
};

/* Endpoint fields, each stamped on its own (partial endpoints). */
enum rs_ep_field {
	RS_EP_DISPLAY,
	RS_EP_REFERRED,
	RS_EP_STATUS,
	RS_EP_JOIN_METHOD,
	RS_EP_JOIN_INFO,
	RS_EP_DISC_METHOD,
	RS_EP_DISC_INFO,
	RS_EP_CALL_INFO,
	RS_EP_N_FIELDS,
};

struct rs_ep {
	char *entity, *display_text;
	enum cp_roster_ep_status status;	/* signalling status */
	bool muted, held;
	enum cp_roster_joining join_method;
	enum cp_roster_disconnection disc_method;
	struct rs_exec referred, join_info, disc_info;
	char *call_id, *from_tag, *to_tag;
	struct rs_media *media;
	size_t n_media, cap_media;
	uint64_t origin_seq;	/* added (this incarnation of the key) */
	uint64_t full_seq;	/* added, or something removed: send full */
	uint64_t mod_seq;	/* latest stamp of anything below */
	uint64_t field_seq[RS_EP_N_FIELDS];
};

enum rs_user_field {
	RS_USER_DISPLAY,
	RS_USER_ROLES,
	RS_USER_N_FIELDS,
};

struct rs_user {
	char *entity, *display_text;
	char **roles;
	size_t n_roles;
	struct rs_ep **eps;		/* in order of addition */
	size_t n_eps, cap_eps;
	uint32_t n_present;	/* endpoints counted in user-count */
	uint64_t origin_seq;
	uint64_t full_seq;
	uint64_t mod_seq;	/* latest stamp of anything below */
	uint64_t field_seq[RS_USER_N_FIELDS];
};

/*
 * A removed user (ep == NULL) or endpoint: it existed from origin_seq to
 * seq, so a subscriber told about since_seq in [origin_seq, seq) knows it
 * and must hear of its removal, unless the key exists again (then the
 * new one is sent whole and replaces it). A key may have several.
 */
struct rs_tomb {
	char *user, *ep;
	uint64_t origin_seq;	/* when added */
	uint64_t seq;		/* when removed */
};

struct cp_roster {
	char *entity;
	uint64_t seq;			/* latest change */
	struct rs_desc desc;
	bool has_desc;
	uint64_t desc_seq;
	struct rs_host host;
	bool has_host;
	uint64_t host_seq;
	bool active, locked;
	uint32_t user_count;
	uint64_t state_seq;		/* conference-state */
	struct rs_user **users;		/* in order of addition */
	size_t n_users, cap_users;
	struct rs_tomb *tombs;		/* oldest first */
	size_t n_tombs, cap_tombs, max_tombs;
	uint64_t horizon_seq;		/* diffs need since_seq >= this */
};

/* Lookup by stored (sanitised) key; *idx set when found (may be NULL). */
struct rs_user *cp_roster_user_find(const struct cp_roster *r,
				    const char *entity, size_t *idx);
struct rs_ep *cp_roster_ep_find(const struct rs_user *u, const char *entity,
				size_t *idx);
/* The status a document reports (hold and mute applied). */
enum cp_roster_ep_status cp_roster_ep_report(const struct rs_ep *e);
/* The media status a document reports (focus mute applied). */
enum cp_roster_media_dir cp_roster_media_report(const struct rs_ep *e,
						const struct rs_media *m);

#endif /* TUTTI_CP_ROSTER_PRIV_H */
