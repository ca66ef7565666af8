/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip.h: the SIP layer of tutti-cp: transport (sip_transport.h), libosip2's
 * parser and four transaction state machines (ICT, IST, NICT, NIST) with
 * the RFC 3261 timers, and a UAS core: request validation (400, 420, 482,
 * 501, 405, 505), OPTIONS, INVITE with 100 Trying and the application's
 * final response, 2xx retransmitted until ACK (T1 doubling to T2; after
 * 64*T1 a BYE), dialogs with the Record-Route set, BYE, CANCEL (200 + 487).
 * A UAC for dial-out INVITEs (ICT, ACK for 2xx, CANCEL, ring timeout),
 * and for REGISTERs (RFC 3261 §10: cp_sip_conf.register_aor).
 * REFER (RFC 3515, Refer-To per RFC 8217) and SUBSCRIBE (RFC 6665) as
 * subscriptions the application accepts, with NOTIFYs it sends through
 * cp_sip_notify() / cp_sip_refer_notify(), one in flight per subscription.
 * Allow (REFER, SUBSCRIBE) and Allow-Events (conference, refer) in 2xx to
 * INVITE, in 200 to OPTIONS and in our requests follow the callbacks set
 * (on_subscribe, on_refer; F-11, F-12).
 * The conference logic plugs in through struct cp_sip_app. libosip2 types
 * never leave sip.c. Control-plane main thread only.
 *
 * Address resolution: this layer resolves no names. Targets of dial-outs
 * (unless an outbound proxy takes them: cp_sip_conf.outbound_proxy) and of
 * in-dialog requests must carry a numeric IPv4 (or IPv6) host and
 * optionally a port (default 5060). Transport: UDP, or TCP where the next
 * hop's URI says ;transport=tcp (a connection this layer opens) or where
 * the dialog's requests came on a TCP connection that is still open.
 * When the TCP connection of one of our requests fails or closes before
 * its answer, the request fails at once (a dial-out with 503).
 *
 * How a focus uses it (RFC 4579):
 * - REFER dial-out (§5.5): on_refer with method_param NULL or "INVITE":
 *   cp_sip_req_set_contact_user(req, conf), cp_sip_sub_answer(202 or 200,
 *   D2), cp_sip_refer_notify(100) at once (F-33); cp_sip_invite_ex() with
 *   referred_by; on_call_progress may send refer_notify(180) (at most one
 *   per second, F-35); on_call_answered/on_call_failed send the final one
 *   (F-36). An early on_sub_end of the refer subscription does not stop
 *   the dial-out (F-38).
 * - REFER method=BYE (§5.11): cp_sip_dialog_bye() on the participant's
 *   dialog; the final refer NOTIFY carries the BYE's outcome.
 * - Event: conference: on_subscribe, cp_sip_sub_answer(200), then a full
 *   document with cp_sip_notify() (F-48), also after each refresh (F-49);
 *   terminated;reason=timeout after an unsubscribe (F-50), noresource
 *   when the conference ends (F-77). Subscriptions sharing an INVITE
 *   dialog (REFER inside a call) end with it (DIALOG_GONE).
 */
#ifndef TUTTI_CP_SIP_H
#define TUTTI_CP_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_transport.h"
#include "trust.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cp_sip;
struct cp_creds; /* creds.h */
struct cp_sip_req;    /* a received request awaiting its final answer */
struct cp_sip_dialog; /* an INVITE dialog, this side the UAS or the UAC */
struct cp_sip_call;   /* a dial-out INVITE awaiting its final answer */
struct cp_sip_sub;    /* a subscription we notify (conference or refer) */

/* Why a dialog ended (cp_sip_app.on_dialog_end). */
enum cp_sip_end {
	CP_SIP_END_BYE_RECEIVED = 0, /* the peer hung up */
	CP_SIP_END_BYE_SENT = 1,     /* cp_sip_dialog_bye() finished */
	CP_SIP_END_NO_ACK = 2,	     /* 2xx never ACKed: BYE sent */
	/* the session timer ran out (RFC 4028 §10): not refreshed in time,
	 * or our refresh got 408 or 481, or none came back; BYE sent */
	CP_SIP_END_SESSION_EXPIRED = 3,
};

/* Why a subscription ended (cp_sip_app.on_sub_end). */
enum cp_sip_sub_end {
	CP_SIP_SUB_END_TERMINATED = 0,	  /* our terminated NOTIFY is done */
	CP_SIP_SUB_END_NOTIFY_FAILED = 1, /* 481, timeout: RFC 6665 §4.2.2 */
	CP_SIP_SUB_END_EXPIRED = 2,	  /* not refreshed in time */
	CP_SIP_SUB_END_DIALOG_GONE = 3,	  /* its INVITE dialog ended */
};

/* Subscription-State of a NOTIFY (RFC 6665 §4.1.3). */
enum cp_sip_sub_state {
	CP_SIP_SUB_ACTIVE = 0,
	CP_SIP_SUB_PENDING = 1,
	CP_SIP_SUB_TERMINATED = 2,
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
	/* The ACK for our 2xx arrived: the dialog is confirmed. Its body
	 * (borrowed, "" if none; content_type NULL then) is the answer to an
	 * offer our 2xx made (an INVITE without one, RFC 3261 13.3.1). */
	void (*on_ack)(void *ctx, struct cp_sip_dialog *dialog,
		       const char *content_type, const char *body);
	/* The dialog is over (BYE either way, or no ACK); it dies after. */
	void (*on_dialog_end)(void *ctx, struct cp_sip_dialog *dialog,
			      enum cp_sip_end why);
	void *ctx;

	/*
	 * Dial-out (cp_sip_invite()). on_call_progress: a 1xx other than
	 * 100 (180, 183). on_call_answered: a 2xx arrived and was ACKed;
	 * dialog is the new INVITE dialog (its app pointer is the call's),
	 * body the answer ("" if none). on_call_failed: a final non-2xx
	 * (the ICT ACKs it), 408 for no answer (Timer B), 503 when the
	 * INVITE could not be sent (e.g. its TCP connection was refused).
	 * The call is freed after either of the last two returns.
	 */
	void (*on_call_progress)(void *ctx, struct cp_sip_call *call, int code);
	void (*on_call_answered)(void *ctx, struct cp_sip_call *call,
				 struct cp_sip_dialog *dialog,
				 const char *content_type, const char *body);
	void (*on_call_failed)(void *ctx, struct cp_sip_call *call, int code);
	/*
	 * The 2xx (ACKed) to a re-INVITE of ours in dialog, a session
	 * refresh offering our last SDP again: body its answer ("" if none),
	 * in which the peer may move its media or hold (RFC 3264 8).
	 */
	void (*on_reanswer)(void *ctx, struct cp_sip_dialog *dialog,
			    const char *content_type, const char *body);

	/*
	 * A REFER (in dialog: cp_sip_req_dialog(req) != NULL), already
	 * checked: one Refer-To, a Contact, no "method" header parameter
	 * outside < > (those get 400, RFC 8217 §3-4, checklist F-20, F-30).
	 * refer_to_uri is the URI inside < > without its method parameter
	 * (URI headers such as ?Replaces= kept: cp_sip_invite_ex() turns
	 * them into INVITE headers, F-24); method_param is that parameter's
	 * value ("BYE"), NULL if none;
	 * referred_by is the Referred-By header value, NULL if none, and
	 * referred_by_uri its URI (RFC 3892 3: From's grammar, name-addr
	 * or addr-spec), NULL if none or it does not parse. Answer with
	 * cp_sip_sub_answer() (2xx: a refer subscription) or cp_sip_reply()
	 * (4xx-6xx). NULL: REFER gets 405.
	 */
	void (*on_refer)(void *ctx, struct cp_sip_req *req,
			 const char *refer_to_uri, const char *method_param,
			 const char *referred_by, const char *referred_by_uri);
	/*
	 * A SUBSCRIBE for Event: conference, new or a refresh of sub
	 * (cp_sip_req_sub(req) != NULL; expires 0 = unsubscribe; a refresh
	 * may be of a refer subscription: cp_sip_sub_is_refer()). event is
	 * the Event header as sent (echoed in NOTIFYs), expires the
	 * requested seconds (-1 if absent), accept the Accept header (NULL
	 * if none). Answer with cp_sip_sub_answer(): 200, 403, 404, 406,
	 * 423 (with Min-Expires), 489. No Event or another package gets 489
	 * here; refer SUBSCRIBEs get 403 (F-39); SUBSCRIBE inside an INVITE
	 * dialog gets 403 (no dialog sharing, RFC 6665 §4.5.2). NULL: 405.
	 */
	void (*on_subscribe)(void *ctx, struct cp_sip_req *req,
			     const char *event, int64_t expires,
			     const char *accept);
	/* sub is over (see enum cp_sip_sub_end); it is freed after. */
	void (*on_sub_end)(void *ctx, struct cp_sip_sub *sub,
			   enum cp_sip_sub_end why);
	/*
	 * Does the application serve this Request-URI user part? An OPTIONS
	 * to one it does not gets 404, as an INVITE would (RFC 3261 11.2);
	 * one without a user part (the server itself) always 200. NULL:
	 * every user is served.
	 */
	bool (*serves_user)(void *ctx, const char *user);
};

/* Outbound proxies cp_sip_conf takes. */
#define CP_SIP_MAX_PROXIES 4
/* Registrations cp_sip_conf takes, and the Expires they ask by default. */
#define CP_SIP_MAX_REGS 8
#define CP_SIP_REG_EXPIRES_S 3600
/* cp_sip_conf.dns_min_ttl_ms's default */
#define CP_SIP_DNS_MIN_TTL_MS 10000

struct cp_sip_conf {
	/*
	 * Numeric address to bind, e.g. "127.0.0.1"; also the host of our
	 * Via and Contact, so not a wildcard (0.0.0.0, ::): -EINVAL.
	 */
	const char *addr;
	uint16_t port;		   /* 0 = a free port (see cp_sip_port()) */
	size_t max_msg_bytes;	   /* 0 = 65535 */
	uint32_t max_conns;	   /* TCP and TLS; 0 = 256 */
	/* TCP and TLS: cp_sip_transport_conf.idle_ms (0 = an hour,
	 * UINT32_MAX = never) */
	uint32_t conn_idle_ms;
	/* TCP and TLS: cp_sip_transport_conf's (0 = 64; 0 = 30000) */
	uint32_t max_conns_per_addr;
	uint32_t first_msg_ms;
	/* server ones; new requests beyond get 503, in-dialog ones and
	 * CANCEL beyond twice as many; 0 = 4096 */
	uint32_t max_transactions;
	/*
	 * Header parameters after our Contact's ">" in 2xx to INVITE and in
	 * 200 to OPTIONS, e.g. ";isfocus" (RFC 4579 §4.2); copied; NULL =
	 * none; at most 127 characters.
	 */
	const char *contact_params;
	/*
	 * The outbound proxies (RFC 3261 §8.1.2), in order of preference, up
	 * to the first NULL: each a sip: URI with a numeric host, e.g.
	 * "sip:198.18.0.5:5060" or "sip:198.18.0.5;transport=tcp" (one
	 * connection, kept while it stays open), or a host name, which DNS
	 * turns into a list of addresses, each one more proxy to go down
	 * (RFC 3263 §4: NAPTR, SRV, A or AAAA; see dns.h), in the URI's
	 * place in the order. A name is resolved when the SIP layer opens
	 * (cp_sip_open() waits up to 5 s for it) and again after its TTL
	 * (dns_min_ttl_ms to an hour); one that
	 * does not resolve is asked again every 30 s, keeping the addresses
	 * it had. Until it first resolves it has none (a dial-out then
	 * goes to the next proxy, or fails with 503). Dial-out INVITEs, their
	 * CANCELs and the ACKs of their failures go to the first one up,
	 * with Route: <URI;lr>, and their Request-URI is the target as
	 * given, whose host may then be a name: the proxy resolves it.
	 * Requests in a dialog follow its route set (the proxy's
	 * Record-Route, if it adds one). Without one, a dial-out target
	 * must be numeric (-EINVAL). A bad URI, or an address of the other
	 * family than addr's: -EINVAL.
	 *
	 * Failover (as RFC 3263 §4.3 has a client go down a list): a proxy
	 * that answers a dial-out with 503, sends nothing at all to it for
	 * proxy_timeout_ms, or whose TCP connection fails, is down, and
	 * the dial-out goes on to the next proxy not yet tried (a new
	 * transaction: a new branch, CSeq one up; the same Call-ID and
	 * From tag). A down proxy is tried again once an OPTIONS keepalive
	 * (every proxy_ping_ms) gets an answer other than 503 and its
	 * Retry-After has passed, or, without keepalives, 30 s after it went
	 * down (or its Retry-After, if longer). While every proxy is down,
	 * dial-outs still go down the list. See cp_sip_proxies_json().
	 */
	const char *outbound_proxy[CP_SIP_MAX_PROXIES];
	/*
	 * Registrations (RFC 3261 §10), up to the first NULL: each an
	 * address of record (cp_sip_register_ok()), "sip:USER@DOMAIN" with
	 * a port, ;transport=tcp or tls, or sips: as a dial-out target,
	 * that the focus binds its Contact <sip:USER@addr:port> to (its
	 * user the AOR's: a call to the AOR reaches the focus for USER, a
	 * conference's name). REGISTERs (Request-URI sip:DOMAIN, one
	 * Call-ID, CSeq up by one each) go through the outbound proxies if
	 * any, else to DOMAIN: its address, or DNS's for a name (RFC 3263),
	 * on to the next proxy or address on 503, no answer (Timer F: not
	 * proxy_timeout_ms) or a failed connection. Each asks register_expires_s (0:
	 * CP_SIP_REG_EXPIRES_S), or a 423's Min-Expires, is answered with
	 * --credentials when challenged (cp_sip_set_creds()), and is
	 * refreshed 2 minutes before the binding it was granted lapses (a
	 * short one halfway). One that fails goes again after its
	 * Retry-After, or RFC 5626 §4.5's wait (30 s doubled at each failure
	 * in a row, up to 30 min, at random from half of it). They start
	 * at cp_sip_open(); cp_sip_unregister() ends them. See
	 * cp_sip_regs_json().
	 */
	const char *register_aor[CP_SIP_MAX_REGS];
	uint32_t register_expires_s;
	/* the DNS servers for proxies' names, "ADDR[:PORT],..." (IPv6 in
	 * brackets with a port); NULL: /etc/resolv.conf's. A bad list:
	 * -EINVAL from cp_sip_open(). */
	const char *dns_servers;
	/* the least time a name's addresses are kept before it is asked
	 * again, whatever its TTL; 0 = CP_SIP_DNS_MIN_TTL_MS */
	uint32_t dns_min_ttl_ms;
	/*
	 * SIP over TLS (sip_transport.h: cp_sip_transport_tls()): a listener
	 * on tls->port; requests that came over TLS are answered, and their
	 * dialogs' requests sent, in TLS, with Via SIP/2.0/TLS and a Contact
	 * of ;transport=tls at that port; dial-outs to sips: or
	 * ;transport=tls targets of a numeric host go in TLS (the callee's
	 * certificate must hold its address). NULL: none; then those
	 * targets get -EPROTONOSUPPORT. A file or key refused: -EINVAL, and
	 * tls_why says which and why.
	 */
	const struct cp_sip_tls_conf *tls;
	char *tls_why;
	size_t tls_why_len;
	/*
	 * The trust domain (RFC 3325 2.3, trust.h): an INVITE, REFER or
	 * SUBSCRIBE from one of these networks (its source address; a
	 * connection's peer), or over TLS from a peer whose certificate
	 * names one of tls->trust_names, that has a P-Asserted-Identity
	 * asserts who sent it (cp_sip_req_asserted(): its sip: or sips:
	 * URI, else its tel: URI; asserted), and one whose
	 * P-Asserted-Identity does not parse, or has more than one URI of a
	 * kind, gets 400 (parse_bad). From elsewhere the header is ignored
	 * (asserted_ignored). At most CP_TRUST_NETS_MAX (copied); 0: no
	 * networks.
	 */
	const struct cp_trust_net *trust;
	size_t n_trust;
	/*
	 * A dial-out's INVITE sent to a next hop of the trust domain (its
	 * address in trust; a tcp: network's over TCP or TLS only; the
	 * focus's own TLS connections are not checked against
	 * tls->trust_names) carries P-Asserted-Identity: the INVITE's From
	 * URI, the conference's (RFC 3325 9.1, the focus a node of the
	 * domain; an application server's in 3GPP TS 24.229): the carrier's
	 * proxies then know that the focus calls (and may let it through
	 * unchallenged).
	 * To any other hop, one a failover or DNS picks too, the header is
	 * never sent (and a target URI's headers never set it: F-24).
	 */
	bool assert_identity;
	uint32_t proxy_timeout_ms; /* 0 = 4000 */
	uint32_t proxy_ping_ms;	   /* OPTIONS keepalives; 0 = none */
	uint32_t t1_ms; /* 2xx retransmission T1; 0 = 500 */
	uint32_t t2_ms; /* its cap; 0 = 4000 */
	/*
	 * [Policy] Max-Forwards: 0 on a request to this UAS. RFC 3261 §8.2 and
	 * RFC 4475 §3.3.11 (checklist S-11) say process it, and that is the
	 * default; true answers 483 instead, as a proxy would (§16.3).
	 */
	bool reject_max_forwards_0;
	/*
	 * NOTIFYs longer than this that would go over UDP go over a TCP
	 * connection to the same address (RFC 3261 §18.1.1, notify_tcp_big);
	 * if that fails, over UDP after all (notify_udp_big); 0 = 1300.
	 */
	uint32_t udp_limit_bytes;
	/*
	 * Per-source limit (ratelimit.h) on requests that do not continue
	 * something known (ACKs, CANCELs of a pending INVITE, requests in one
	 * of our dialogs and retransmissions are never limited; responses
	 * neither). Over it: 503 with Retry-After (ratelimited), or nothing
	 * past 10 such answers a second per source (ratelimit_drop).
	 * Malformed requests and a BYE or CANCEL matching nothing count too:
	 * no 400 or 481 beyond the rate. 0 = no limit; burst 0 = twice the
	 * rate.
	 */
	uint32_t rate_limit_per_s;
	uint32_t rate_burst;
	/*
	 * Session timers (RFC 4028), for INVITE dialogs both ways; 0 = off
	 * ("timer" in a Require then gets 420, as any unknown tag). On:
	 * "timer" is Supported; an INVITE or UPDATE whose Session-Expires is
	 * below min_se_s gets 422 with Min-SE; a 2xx says Session-Expires
	 * (the one asked, lowered to session_expires_s but never below the
	 * request's Min-SE; none asked: session_expires_s) and who refreshes
	 * (the caller if it supports timers and did not ask us; else we,
	 * where its Allow has UPDATE, or it asked us, or a proxy asked for a
	 * timer it does not support; otherwise no timer). We refresh at half
	 * the interval by an UPDATE without a body, or by a re-INVITE
	 * offering our last SDP again where the peer's Allow has no UPDATE
	 * or it refused ours with 405 or 501; the other side must
	 * refresh (re-INVITE or UPDATE) by the interval less the smaller of
	 * 32 s and a third of it. Not refreshed then, or our refresh answered
	 * 408 or 481 or not at all: BYE, and on_dialog_end with
	 * CP_SIP_END_SESSION_EXPIRED. Dial-outs say Supported: timer and
	 * follow the callee's Session-Expires. min_se_s: 0 = 90
	 * (CP_STIMER_FLOOR_S); less only for tests.
	 */
	uint32_t session_expires_s;
	uint32_t min_se_s;
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
	X(ack_final)		/* and for our 3xx-6xx (transactions') */ \
	X(no_ack)		/* 2xx never ACKed: BYE sent */		\
	X(loops)		/* 482: looped or merged requests */	\
	X(overload)		/* 503: max_transactions reached */	\
	X(ratelimited)		/* 503: a source over rate_limit_per_s */ \
	X(ratelimit_drop)	/* ... and over its 503s: no answer */	\
	X(dialogs_created)						\
	X(dialogs_active)						\
	X(calls_out)		/* dial-out INVITEs sent */		\
	X(acks_sent)		/* ACKs for 2xx to our INVITEs */	\
	X(subs_active)		/* conference and refer subscriptions */ \
	X(notify_sent)							\
	X(notify_failed)	/* ended a subscription */		\
	X(notify_udp_big)	/* over udp_limit_bytes, sent anyway */ \
	X(notify_tcp_big)	/* over udp_limit_bytes: over TCP instead */ \
	X(proxy_failovers)	/* dial-outs sent on to the next proxy */ \
	X(proxy_down)		/* outbound proxies found down */	\
	X(proxy_pings)		/* OPTIONS keepalives sent to them */	\
	X(proxy_dns_failed)	/* their names DNS did not resolve */	\
	X(dial_dns_failed)	/* dial-out targets' names the same */	\
	X(dial_failovers)	/* sent on to a target's next address */ \
	X(auth_sent)		/* requests again with credentials */ \
	X(auth_failed)		/* their 401, 407 not answered, or refused */ \
	X(session_refreshes)	/* our refreshes: UPDATEs, re-INVITEs */ \
	X(session_refreshed)	/* refreshes received (re-INVITE, UPDATE) */ \
	X(session_expired)	/* dialogs hung up by the session timer */ \
	X(session_too_small)	/* 422: a Session-Expires below min_se_s */ \
	X(sips_in_clear)	/* 416: a sips: Request-URI not over TLS */ \
	X(prack_sent)		/* reliable provisionals PRACKed (3262) */ \
	X(reg_sent)		/* REGISTERs sent (challenged ones too) */ \
	X(reg_ok)		/* registrations and refreshes accepted */ \
	X(reg_failed)		/* ... and failed (sent again later) */ \
	X(asserted)		/* P-Asserted-Identity believed (trust) */ \
	X(asserted_ignored)	/* and ignored: not from the trust domain */ \
	X(asserted_sent)	/* dial-outs asserting their From (trust) */
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

/* Is uri an outbound proxy cp_sip_open() takes with addr as its own
 * (cp_sip_conf.outbound_proxy: a sip: URI with a host name or a numeric
 * host of addr's
 * family, over UDP or TCP)? addr NULL: either family. */
bool cp_sip_proxy_ok(const char *uri, const char *addr);

/* Does outbound proxy uri (cp_sip_proxy_ok()) ask for TLS (sips:, or
 * ;transport=tls)? */
bool cp_sip_proxy_is_tls(const char *uri);

/* Close sockets, drop every transaction and dialog. NULL is a no-op. */
void cp_sip_close(struct cp_sip *sip);

/* The TLS listener's port; 0 without TLS. */
uint16_t cp_sip_tls_port(const struct cp_sip *sip);

/*
 * TLS's certificate, key and CAs read again from tc's files (a renewed
 * certificate, SIGHUP): new connections get them, those up keep theirs.
 * 0, or -errno with why filled and the old ones kept (-ENOTCONN: no TLS).
 */
int cp_sip_tls_reload(struct cp_sip *sip, const struct cp_sip_tls_conf *tc,
		      char *why, size_t why_len);

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
 * answered finally), -ENOMEM. A REFER or SUBSCRIBE takes 300..699 only
 * (cp_sip_sub_answer() accepts); a 489 carries Allow-Events.
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
 * Does req's sender ask for anonymity: Privacy: id, user or header (RFC
 * 3323 §4.2, RFC 3325), or an anonymous From (sip:anonymous@anonymous.
 * invalid, or the display name "Anonymous", RFC 3323 §4.1.1.3)?
 */
bool cp_sip_req_privacy(const struct cp_sip_req *req);

/*
 * The identity req's P-Asserted-Identity asserts (a URI), when req came
 * from the trust domain (cp_sip_conf.trust); else NULL: From says who asks.
 */
const char *cp_sip_req_asserted(const struct cp_sip_req *req);

/* Did req come over TLS (its hop: SDES keys may cross it, RFC 4568 8.3)? */
bool cp_sip_req_tls(const struct cp_sip_req *req);

/* Does a dial-out to uri go in TLS (sips:, or ;transport=tls: every hop,
 * outbound proxies too, or cp_sip_invite() refuses it)? */
bool cp_sip_uri_tls(const char *uri);

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
 * d's identifiers as RFC 4575's <call-info><sip> gives them (§5.7.9): its
 * Call-ID, and the From and To tags of the INVITE that made it (ours and
 * the peer's for a dial-out, the peer's and ours for a dial-in). Valid
 * while d is. 0, or -EINVAL (a subscription's dialog, or no tags).
 */
int cp_sip_dialog_ids(const struct cp_sip_dialog *d, const char **call_id,
		      const char **from_tag, const char **to_tag);
/* The method of req ("INVITE", "REFER", "SUBSCRIBE"). */
const char *cp_sip_req_method(const struct cp_sip_req *req);
/* The dialog req arrived in, NULL if none (valid while req is). */
struct cp_sip_dialog *cp_sip_req_dialog(const struct cp_sip_req *req);
/* The subscription a SUBSCRIBE refreshes, NULL for a new one. */
struct cp_sip_sub *cp_sip_req_sub(const struct cp_sip_req *req);

/*
 * d's session timer (RFC 4028): its interval in seconds (0: none; then
 * *we_refresh false, *left_ms 0), whether we refresh it, and the ms until
 * our next refresh, or, when the peer refreshes (or ours is out), until
 * we hang up unless refreshed.
 */
uint32_t cp_sip_dialog_timer(const struct cp_sip_dialog *d, bool *we_refresh,
			     uint64_t *left_ms);

/*
 * An INVITE dialog as plain fields, so that a restarted tutti-cp can go on
 * with it (the state file, conf.c): cp_sip_dialog_save() fills it,
 * cp_sip_dialog_restore() makes the dialog again. Strings are NUL
 * terminated; URIs and name-addrs as they go on the wire. local_sdp is
 * the one field on the heap: its holder frees it.
 */
struct cp_sip_dialog_state {
	bool uac; /* we sent the INVITE (dial-out) */
	bool tcp; /* its requests came over TCP (or TLS) */
	bool tls; /* in TLS: it stays in TLS */
	char call_id[128];
	char local_tag[64];
	char remote_tag[64];
	char local_uri[256];	 /* our From (UAC) or To (UAS), with tag */
	char remote_uri[256];	 /* the peer's, with its tag */
	char remote_display[96]; /* the peer's display name, "" = none */
	char remote_target[256]; /* the peer's Contact URI */
	char route_set[1024];	 /* Route values in order, ", " between */
	uint32_t local_cseq;	 /* last CSeq we sent */
	uint32_t remote_cseq;	 /* last CSeq we received */
	char peer[64];		 /* the INVITE's source: A.B.C.D:P, [V6]:P */
	char contact_user[64];	 /* user part of our Contact, "" = none */
	uint32_t se_s;		 /* session timer (RFC 4028), 0 = none */
	bool se_refresh;	 /* ... and we refresh it */
	bool se_update;		 /* ... the peer's Allow has UPDATE */
	/* our last SDP where we refresh the session (se_s and se_refresh),
	 * for a refresh by re-INVITE (the peer has no UPDATE, or refuses
	 * it), malloc'ed, at most CP_SIP_STATE_SDP_MAX bytes; NULL: none
	 * (we refresh by UPDATE only) */
	char *local_sdp;
};

/* The longest local_sdp kept (the focus's own are at most 4096 bytes,
 * sdp.h's CP_SDP_OUT_MAX). */
#define CP_SIP_STATE_SDP_MAX 8192

/*
 * Write d's fields into *st (local_sdp malloc'ed, or NULL). Returns 0,
 * -EINVAL (a subscription-only dialog), -ENAMETOOLONG (a field does not
 * fit), -ENOMEM (then local_sdp is NULL).
 */
int cp_sip_dialog_save(const struct cp_sip_dialog *d,
		       struct cp_sip_dialog_state *st);

/*
 * Make a confirmed dialog from st (saved by another process): in-dialog
 * requests that match it (BYE, re-INVITE) reach the callbacks as for any
 * dialog, cp_sip_dialog_bye() works on it. A TCP connection does not
 * survive a restart: requests we send go to the next hop as for a dialog
 * whose connection closed (UDP, or a new connection for ;transport=tcp).
 * app is the dialog's pointer. Returns 0 and *out, -EINVAL (a field that
 * does not parse, or a Call-ID and tags already in use), -ENOMEM.
 */
int cp_sip_dialog_restore(struct cp_sip *sip,
			  const struct cp_sip_dialog_state *st, void *app,
			  struct cp_sip_dialog **out);

/*
 * Hang up: send BYE on d (along its route set). on_dialog_end follows with
 * CP_SIP_END_BYE_SENT when the BYE transaction ends. Returns 0 or -errno.
 */
int cp_sip_dialog_bye(struct cp_sip *sip, struct cp_sip_dialog *d);

/*
 * The same with a Reason header (RFC 3326) saying why, its value, e.g.
 * "Q.850;cause=16;text=\"the conference ended\"" (NULL: none; one line,
 * at most 200 characters, else -EINVAL). The SIP layer's own BYEs carry
 * one: Q.850 cause 102 (recovery on timer expiry) for a session timer
 * that ran out or a 2xx never ACKed, SIP cause 200 for a forked call's
 * second 2xx.
 */
int cp_sip_dialog_bye_why(struct cp_sip *sip, struct cp_sip_dialog *d,
			  const char *reason);

/*
 * The Reason header (RFC 3326) of the BYE that ended d, while
 * on_dialog_end runs for CP_SIP_END_BYE_RECEIVED: printable ASCII, at
 * most 127 characters; "" if it had none.
 */
const char *cp_sip_dialog_end_reason(const struct cp_sip_dialog *d);

/*
 * Dial out: send INVITE to target_uri (a SIP URI with a numeric host or a
 * host name, optional port, ;transport=udp or tcp; no other), From
 * from_uri with a new tag, Contact <sip:contact_user@our-address> plus
 * cp_sip_conf.contact_params (e.g. ";isfocus", F-08, F-19), and the body
 * if content_type and body are both non-NULL. With outbound proxies it
 * goes to them; else a host name is resolved first (RFC 3263 §4, in
 * cp_sip_poll(); the INVITE goes to each address in turn as a proxy
 * failover does; no address: on_call_failed 503). The ICT retransmits
 * (Timer A) and gives up after Timer B; see on_call_*. app is the call's
 * pointer, and its dialog's. Returns 0 and *call (valid until
 * on_call_answered or on_call_failed returns), or -EINVAL (a URI not
 * SIP, not a host, or with CR/LF/< >), -EHOSTUNREACH (no outbound proxy
 * left), -ENOMEM, or a DNS resolver's error.
 */
int cp_sip_invite(struct cp_sip *sip, const char *target_uri,
		  const char *from_uri, const char *contact_user,
		  const char *content_type, const char *body, void *app,
		  struct cp_sip_call **call);

/* Everything a dial-out can say (cp_sip_invite_ex()). */
struct cp_sip_invite_opts {
	const char *target_uri;	  /* as cp_sip_invite(); its URI headers
				   * Replaces, Join, Subject, Alert-Info,
				   * Call-Info, In-Reply-To, Accept-Contact,
				   * Reject-Contact and Request-Disposition
				   * become INVITE headers (F-24); no others
				   * (logged) */
	const char *from_uri;	  /* as cp_sip_invite() */
	const char *contact_user; /* NULL = none */
	const char *content_type; /* with body; NULL = no body */
	const char *body;
	const char *referred_by;  /* Referred-By value, copied unchanged (RFC
				   * 3892 §2.2, F-24); NULL = none */
	uint32_t ring_timeout_ms; /* 0 = none; cp_sip_call_set_ring_timeout() */
	void *app;
};

/* cp_sip_invite() with options; the same returns (-EINVAL, -ENOMEM). */
int cp_sip_invite_ex(struct cp_sip *sip, const struct cp_sip_invite_opts *o,
		     struct cp_sip_call **call);

/*
 * The credentials dial-outs answer Digest challenges with (creds.h; NULL:
 * none), not copied: they must outlive sip or be set again. A 401 or 407
 * to a dial-out's INVITE sends it again in a new transaction (a new
 * branch, CSeq one up, the same Call-ID and From tag; RFC 3261 §22.2)
 * with Authorization or Proxy-Authorization for each realm that
 * challenged it (the topmost challenge of a realm it can answer: MD5,
 * SHA-256 and their -sess forms, qop auth or none), and those it carried
 * for other realms (§22.3; auth_sent). The dial-out fails with that code
 * (auth_failed, logged with why) when none of its challenges has
 * credentials, when a realm challenges the INVITE that carried them
 * again and not as stale (refused), or after 4 challenges answered. A
 * request of ours in a dialog (a BYE, a refreshing UPDATE or re-INVITE, a
 * NOTIFY) challenged goes again with credentials once, CSeq the dialog's
 * next (a BYE's dialog ends anyway); if it cannot, it fails as on any
 * error.
 */
void cp_sip_set_creds(struct cp_sip *sip, const struct cp_creds *creds);

/*
 * Cancel a dial-out: CANCEL goes out now, or with the first provisional if
 * none has come yet (RFC 3261 §9.1); the INVITE then fails with 487 (or is
 * answered if a 2xx crossed the CANCEL: hang that up with BYE). Returns 0,
 * -EALREADY if already cancelled.
 */
int cp_sip_invite_cancel(struct cp_sip *sip, struct cp_sip_call *call);
/* The same, its CANCEL saying why: reason is a Reason header's value
 * (RFC 3326: 'Q.850;cause=16;text="..."'), copied; NULL: none. The ring
 * timeout's says Q.850 19, no answer (18 before any 1xx). */
int cp_sip_invite_cancel_why(struct cp_sip *sip, struct cp_sip_call *call,
			     const char *reason);

/*
 * Local ring timeout: cancel the call (as cp_sip_invite_cancel()) if no
 * final answer has come within ring_timeout_ms from now; 0 disarms.
 */
void cp_sip_call_set_ring_timeout(struct cp_sip_call *call,
				  uint32_t ring_timeout_ms);

void *cp_sip_call_app(const struct cp_sip_call *call);
const char *cp_sip_call_call_id(const struct cp_sip_call *call);

/*
 * Answer a REFER or SUBSCRIBE (on_refer, on_subscribe).
 * - code 200..299: accept. A new subscription (and, out of dialog, its
 *   dialog: our To-tag, Contact with contact_params, Record-Route copied)
 *   is returned in *sub with pointer app; a refresh updates the existing
 *   one (*sub = it, app left alone). expires_s is the length granted,
 *   cut to what a SUBSCRIBE asked (RFC 6665 §4.2.1.1); answers to
 *   SUBSCRIBE carry it in Expires. An unsubscribe (Expires: 0) is accepted with
 *   expires_s 0; then send the final NOTIFY (terminated;reason=timeout).
 *   Send the first NOTIFY right after accepting (F-33, F-48).
 * - code 423: expires_s is the Min-Expires value.
 * - other codes 300..699: a rejection (as cp_sip_reply()).
 * sub may be NULL for rejections. Returns 0, -EINVAL (bad code, or req is
 * not a REFER/SUBSCRIBE), -EALREADY, -ENOMEM.
 */
int cp_sip_sub_answer(struct cp_sip *sip, struct cp_sip_req *req, int code,
		      uint32_t expires_s, void *app, struct cp_sip_sub **sub);

/*
 * Send a NOTIFY on sub: in its dialog along the route set, Event echoed,
 * our Contact, Subscription-State state with expires=expires_left_s for
 * active and pending (0 = the time left by our clock); terminated gets
 * ";reason=<reason>" if reason is non-NULL and never expires=. A body only
 * if content_type and body are non-NULL. One NOTIFY per subscription is
 * in flight at a time (F-57): later ones wait their turn. Sent on the TCP
 * connection the subscription came on while it is open, else on one we
 * open if the subscriber's Contact (or first Route) says ;transport=tcp,
 * else over UDP; beyond udp_limit_bytes over a TCP connection we open to
 * that address, or UDP if it fails (S-32).
 * After a terminated NOTIFY completes the subscription ends (on_sub_end
 * TERMINATED); a 481, a timeout or another RFC 6665 §4.2.2 answer ends it
 * (NOTIFY_FAILED).
 * Returns 0, -EINVAL, -ESHUTDOWN (a terminated NOTIFY is already queued),
 * -ENOMEM.
 */
int cp_sip_notify(struct cp_sip *sip, struct cp_sip_sub *sub,
		  const char *content_type, const char *body,
		  enum cp_sip_sub_state state, const char *reason,
		  uint32_t expires_left_s);

/*
 * Refer progress (RFC 3515 §2.4.4-2.4.7, F-33..F-36): a NOTIFY with
 * Event: refer (;id=<REFER CSeq> for later REFERs in one dialog),
 * Content-Type: message/sipfrag;version=2.0 and the body "SIP/2.0
 * <status_code> <reason>"; final: terminated;reason=noresource, else
 * active. reason NULL = the standard phrase. Returns as cp_sip_notify().
 */
int cp_sip_refer_notify(struct cp_sip *sip, struct cp_sip_sub *sub,
			int status_code, const char *reason, bool final);

void cp_sip_sub_set_app(struct cp_sip_sub *sub, void *app);
void *cp_sip_sub_app(const struct cp_sip_sub *sub);
/* true for a refer subscription, false for Event: conference */
bool cp_sip_sub_is_refer(const struct cp_sip_sub *sub);
/* The subscriber's URI (the dialog's remote URI, no tag). */
const char *cp_sip_sub_subscriber(const struct cp_sip_sub *sub);

const struct cp_sip_stats *cp_sip_stats(const struct cp_sip *sip);
/* Its transport's (sip_transport.h: CP_SIP_TRANSPORT_STATS). */
const struct cp_sip_transport_stats *cp_sip_transport_stats_of(
	const struct cp_sip *sip);

/*
 * Write the SIP and transport counters as one JSON object into buf.
 * Returns the length it needs (as snprintf).
 */
int cp_sip_stats_json(const struct cp_sip *sip, char *buf, size_t len);

/*
 * The outbound proxies as a JSON array, in order of preference: each
 * address of each one (a URI with a name: every address DNS gave it, or
 * one entry, down, while it has none) {"uri", "up", "down_for_s" (0
 * while up), "reason" (why it went down last, "" if never), "failovers"
 * (dial-outs sent on from it), "pings_unanswered" (in a row), "addr"
 * ("198.18.0.5:5060/udp"; "" for a name without addresses), "dns_error"
 * (why its name did not resolve the last time it was asked, "" if it did
 * or is numeric)}. Returns the length it needs (as snprintf); "[]" without
 * proxies.
 */
int cp_sip_proxies_json(const struct cp_sip *sip, char *buf, size_t len);

/* Outbound proxy i (in order of preference), as cp_sip_proxies_json(). */
struct cp_sip_proxy_info {
	const char *uri;    /* valid while sip is open */
	const char *addr;   /* "" for a name without addresses */
	const char *reason; /* "" if never down */
	const char *dns_error; /* "" if its name resolved (or none) */
	bool up;
	uint64_t down_for_s;
	uint64_t failovers;
	uint32_t pings_unanswered;
};

/* 0 and *out, or -ENOENT past the last proxy. */
int cp_sip_proxy_info(const struct cp_sip *sip, unsigned i,
		      struct cp_sip_proxy_info *out);

/*
 * Is aor a registration cp_sip_open() takes (cp_sip_conf.register_aor)
 * with addr as its own (NULL: either family)? A sip: or sips: URI with a
 * user (at most 63 characters, none of @:;<>" and space), no password or
 * headers, over UDP, TCP or TLS, whose host is a name or an address of
 * addr's family. If so, *tls (if tls is not NULL) says whether it asks
 * for TLS (sips:, ;transport=tls: cp_sip_conf.tls needed); if not, why
 * says why (why may be NULL).
 */
bool cp_sip_register_ok(const char *aor, const char *addr, bool *tls,
			char *why, size_t why_len);

/*
 * Unregister (a REGISTER with Expires: 0 for our Contact) each
 * registration that holds a binding, and stop refreshing all of them;
 * call again (with cp_sip_poll()) until it returns 0: how many are still
 * under way. One whose unregistration fails lapses at the registrar.
 */
unsigned cp_sip_unregister(struct cp_sip *sip);

/* Registration i (cp_sip_conf.register_aor's order). */
struct cp_sip_reg_info {
	const char *aor;    /* valid while sip is open */
	const char *state;  /* "registering", "registered", "failed",
			     * "unregistering", "unregistered" */
	const char *addr;   /* where the last REGISTER went; "" none yet */
	const char *reason; /* why the last one failed; "" if it did not */
	bool registered;    /* a binding is held (it may be refreshing) */
	uint32_t granted_s; /* its Expires, as granted (0: none held) */
	uint64_t expires_in_s; /* until it lapses (0: none held) */
	uint64_t next_in_s; /* until the next REGISTER (0: one is out) */
	int last_code;	    /* of the last final answer, 0 if none yet */
	uint64_t registrations; /* REGISTERs accepted */
	uint64_t failures;  /* REGISTERs that failed */
};

/* 0 and *out, or -ENOENT past the last registration. */
int cp_sip_reg_info(const struct cp_sip *sip, unsigned i,
		    struct cp_sip_reg_info *out);

/*
 * The registrations as a JSON array, each {"aor", "state", "registered",
 * "expires_in_s", "granted_s", "next_in_s", "last_code", "reason",
 * "addr", "registrations", "failures"} as cp_sip_reg_info(). The length
 * it needs (as snprintf); "[]" without registrations.
 */
int cp_sip_regs_json(const struct cp_sip *sip, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_SIP_H */
