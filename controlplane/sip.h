/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip.h: the SIP layer of tutti-cp: transport (sip_transport.h), libosip2's
 * parser and four transaction state machines (ICT, IST, NICT, NIST) with
 * the RFC 3261 timers, and a UAS core: request validation (400, 420, 482,
 * 501, 405, 505), OPTIONS, INVITE with 100 Trying and the application's
 * final response, 2xx retransmitted until ACK (T1 doubling to T2; after
 * 64*T1 a BYE), dialogs with the Record-Route set, BYE, CANCEL (200 + 487).
 * The conference logic plugs in through struct cp_sip_app. libosip2 types
 * never leave sip.c. Control-plane main thread only.
 */
#ifndef TUTTI_CP_SIP_H
#define TUTTI_CP_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cp_sip;
struct cp_sip_req;    /* a received INVITE awaiting its final answer */
struct cp_sip_dialog; /* an INVITE dialog, this side the UAS */

/* Why a dialog ended (cp_sip_app.on_dialog_end). */
enum cp_sip_end {
	CP_SIP_END_BYE_RECEIVED = 0, /* the peer hung up */
	CP_SIP_END_BYE_SENT = 1,     /* cp_sip_dialog_bye() finished */
	CP_SIP_END_NO_ACK = 2,	     /* 2xx never ACKed: BYE sent */
};

/*
 * What the conference logic is told. Every callback may be NULL. Pointers
 * passed in are valid for the call; a req stays valid until it is answered
 * with a final response or cancelled, a dialog until on_dialog_end returns.
 */
struct cp_sip_app {
	/*
	 * An INVITE: new (dialog == NULL) or a re-INVITE in dialog. 100 Trying
	 * has already gone out. Answer now or later with cp_sip_reply().
	 * NULL: every INVITE gets 480.
	 */
	void (*on_invite)(void *ctx, struct cp_sip_req *req,
			  struct cp_sip_dialog *dialog);
	/* The INVITE was cancelled: 487 is sent, req dies after return. */
	void (*on_cancel)(void *ctx, struct cp_sip_req *req);
	/* The ACK for our 2xx arrived: the dialog is confirmed. */
	void (*on_ack)(void *ctx, struct cp_sip_dialog *dialog);
	/* The dialog is over (BYE either way, or no ACK); it dies after. */
	void (*on_dialog_end)(void *ctx, struct cp_sip_dialog *dialog,
			      enum cp_sip_end why);
	void *ctx;
};

struct cp_sip_conf {
	/*
	 * Numeric address to bind, e.g. "127.0.0.1"; also the host of our
	 * Via and Contact, so not a wildcard (0.0.0.0, ::): -EINVAL.
	 */
	const char *addr;
	uint16_t port;		   /* 0 = a free port (see cp_sip_port()) */
	size_t max_msg_bytes;	   /* 0 = 65535 */
	uint32_t max_conns;	   /* TCP; 0 = 256 */
	uint32_t max_transactions; /* server ones; more get 503; 0 = 4096 */
	/*
	 * Header parameters after our Contact's ">" in 2xx to INVITE and in
	 * 200 to OPTIONS, e.g. ";isfocus" (RFC 4579 §4.2); copied; NULL =
	 * none; at most 127 characters.
	 */
	const char *contact_params;
	uint32_t t1_ms; /* 2xx retransmission T1; 0 = 500 */
	uint32_t t2_ms; /* its cap; 0 = 4000 */
	/*
	 * [Policy] Max-Forwards: 0 on a request to this UAS. RFC 3261 §8.2 and
	 * RFC 4475 §3.3.11 (checklist S-11) say process it, and that is the
	 * default; true answers 483 instead, as a proxy would (§16.3).
	 */
	bool reject_max_forwards_0;
};

/*
 * Counters, named by CP_SIP_STATS (name, member) for logs and JSON; see
 * cp_sip_stats_json().
 */
/* One counter per line: a reflow would read worse. */
/* clang-format off */
#define CP_SIP_STATS(X)							\
	X(rx_requests)		/* requests received (retransmits too) */ \
	X(rx_responses)							\
	X(rx_retransmissions)	/* absorbed by a transaction or dialog */ \
	X(parse_bad)		/* unparsable, or failed validation */	\
	X(drop_no_via)		/* a request with no Via: no answer */	\
	X(drop_stray)		/* responses/ACKs matching nothing */	\
	X(tx_1xx) X(tx_2xx) X(tx_3xx) X(tx_4xx) X(tx_5xx) X(tx_6xx)	\
	X(tx_requests)		/* requests sent (BYE) */		\
	X(tx_failed)		/* could not build or send */		\
	X(retrans_2xx)		/* 2xx copies sent until ACK */		\
	X(ack_2xx)		/* ACKs for our 2xx */			\
	X(no_ack)		/* 2xx never ACKed: BYE sent */		\
	X(loops)		/* 482: looped or merged requests */	\
	X(overload)		/* 503: max_transactions reached */	\
	X(dialogs_created)						\
	X(dialogs_active)
/* clang-format on */

struct cp_sip_stats {
#define CP_SIP_STAT_FIELD(n) uint64_t n;
	CP_SIP_STATS(CP_SIP_STAT_FIELD)
#undef CP_SIP_STAT_FIELD
};

/*
 * Open the transport on conf->addr:port and set up libosip2. app is copied.
 * Returns 0 and *out, or -errno (-EINVAL, -EADDRINUSE, -ENOMEM).
 */
int cp_sip_open(struct cp_sip **out, const struct cp_sip_conf *conf,
		const struct cp_sip_app *app);

/* Close sockets, drop every transaction and dialog. NULL is a no-op. */
void cp_sip_close(struct cp_sip *sip);

/* The fd to poll for input (an epoll fd), and the bound port. */
int cp_sip_fd(const struct cp_sip *sip);
uint16_t cp_sip_port(const struct cp_sip *sip);

/*
 * Wait for input up to timeout_ms (0 = do not wait, -1 = until something
 * happens) but never past the next SIP timer, then handle input, run the
 * transaction machines and fire due timers. Returns the number of messages
 * received, or -errno.
 */
int cp_sip_poll(struct cp_sip *sip, int timeout_ms);

/*
 * Answer an INVITE: code 101..699. A 1xx may be followed by more; a final
 * answer ends req. A 2xx creates the dialog (To-tag, Contact, Record-Route
 * copied) and is retransmitted until the ACK. content_type and body may be
 * NULL (no body). Returns 0, -EINVAL (bad code), -EALREADY (already
 * answered finally), -ENOMEM.
 */
int cp_sip_reply(struct cp_sip *sip, struct cp_sip_req *req, int code,
		 const char *content_type, const char *body);

/*
 * As cp_sip_reply(), with n_hdrs extra header fields {name, value}, e.g.
 * {"WWW-Authenticate", "Digest realm=..."} for a 401 or {"Warning", ...}.
 */
int cp_sip_reply_hdrs(struct cp_sip *sip, struct cp_sip_req *req, int code,
		      const char *const (*hdrs)[2], unsigned int n_hdrs,
		      const char *content_type, const char *body);

/* The INVITE's first Authorization header value, or NULL. */
const char *cp_sip_req_authorization(const struct cp_sip_req *req);

/*
 * Request-URI, From and To URIs (no display name, no tag), Call-ID and
 * body (NUL terminated, "" if none) of req; valid as long as req.
 */
const char *cp_sip_req_uri(const struct cp_sip_req *req);
const char *cp_sip_req_from(const struct cp_sip_req *req);
const char *cp_sip_req_to(const struct cp_sip_req *req);
const char *cp_sip_req_call_id(const struct cp_sip_req *req);
const char *cp_sip_req_body(const struct cp_sip_req *req);
/*
 * The user part of our Contact in req's answers and in its dialog, e.g.
 * the conference's "conf-1f2e..." so that the Contact is the conference
 * URI (RFC 4579 4.2); by default the Contact has no user part. Returns 0 or
 * -EINVAL (too long, or a character that does not belong in a user part).
 */
int cp_sip_req_set_contact_user(struct cp_sip_req *req, const char *user);

/* The application's pointer on req/dialog (NULL until set). The dialog a
 * 2xx creates starts with its INVITE's pointer. */
void cp_sip_req_set_app(struct cp_sip_req *req, void *app);
void *cp_sip_req_app(const struct cp_sip_req *req);
void cp_sip_dialog_set_app(struct cp_sip_dialog *d, void *app);
void *cp_sip_dialog_app(const struct cp_sip_dialog *d);
const char *cp_sip_dialog_call_id(const struct cp_sip_dialog *d);

/*
 * Hang up: send BYE on d (along its route set). on_dialog_end follows with
 * CP_SIP_END_BYE_SENT when the BYE transaction ends. Returns 0 or -errno.
 */
int cp_sip_dialog_bye(struct cp_sip *sip, struct cp_sip_dialog *d);

const struct cp_sip_stats *cp_sip_stats(const struct cp_sip *sip);

/*
 * Write the SIP and transport counters as one JSON object into buf.
 * Returns the length it needs (as snprintf).
 */
int cp_sip_stats_json(const struct cp_sip *sip, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_SIP_H */
