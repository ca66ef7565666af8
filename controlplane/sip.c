/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip.c: see sip.h. The only file that includes libosip2. Control-plane
 * main thread, cold path.
 *
 * How a request travels: the transport hands up bytes; osip_parse() makes
 * a message; the top Via gets received and rport (RFC 3581 §4); requests
 * that cannot be answered by a transaction (bad mandatory headers, merged
 * or looped requests, ACKs for our 2xx, INVITE retransmissions after our
 * 2xx) are handled here statelessly; the rest go to an osip transaction
 * (IST or NIST) whose callbacks run the UAS core. Responses travel back
 * through the transaction and the send callback, to the received/rport
 * address over UDP or on the same TCP connection.
 *
 * libosip2's IST ends when a 2xx is sent (RFC 3261 before RFC 6026), so the
 * core keeps the 2xx in the dialog, retransmits it until the ACK (§13.3.1.4)
 * and absorbs retransmitted INVITEs itself. Likewise its ICT ends on a 2xx:
 * the dialog keeps our ACK and sends it again for each copy of the 2xx
 * (§13.2.2.4).
 *
 * Subscriptions (REFER's implicit one, SUBSCRIBE for conference) live in
 * a dialog: the INVITE dialog a REFER came in, or one our 2xx created,
 * which ends with its last subscription. NOTIFYs queue per subscription
 * and go one NICT at a time. The NIST machines run before the NICT ones so
 * that the 2xx accepting a subscription leaves before its first NOTIFY.
 */
#include "sip.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <osip2/osip.h>
#include <osip2/osip_dialog.h>
#include <osipparser2/osip_parser.h>

#include "compiler.h"
#include "creds.h"
#include "digest.h"
#include "dns.h"
#include "log.h"
#include "ratelimit.h"
#include "sip_transport.h"
#include "stimer.h"

#define BRANCH_PREFIX "z9hG4bK-tutti-"
#define SIP_ALLOW     "INVITE, ACK, CANCEL, OPTIONS, BYE, UPDATE"
#define SIPFRAG	      "message/sipfrag;version=2.0"
#define SIP_ACCEPT    "application/sdp"
#define TAG_HEX	      16   /* 64 random bits (RFC 3261 §19.3: >= 32) */
#define MAX_WAIT_MS   1000 /* longest sleep in cp_sip_poll() */
/* A request's Digest challenges (401, 407): realms it keeps credentials
 * for at once, and a dial-out's or a registration's challenges answered
 * at most (RFC 3261 §22.3) */
#define AUTH_REALMS	 4
#define AUTH_TRIES	 4
#define RETRY_503_S   "5"  /* a 503's Retry-After, unless said otherwise */

enum { WITH_ALLOW = 1, WITH_CAPS = 2, WITH_EVENTS = 4 };

struct cp_sip_dialog {
	struct cp_sip *sip;
	osip_dialog_t *od;
	struct cp_sip_peer peer; /* where the INVITE came from */
	char *invite_branch;
	uint32_t invite_cseq;
	char *resp_2xx; /* kept for retransmission until ACK */
	size_t resp_len;
	struct cp_sip_peer resp_peer;
	uint64_t next_ms, interval_ms, give_up_ms;
	bool bye_sent;
	bool no_ack;
	bool uac;      /* made by the 2xx to our INVITE */
	bool sips;     /* made by a request to (or ours to) a sips: URI:
			* our Contact is sips: too (§12.1.1) */
	bool orphan;   /* uac: a forked 2xx's, hung up unseen by the app */
	bool sub_only; /* made by a 2xx to SUBSCRIBE/REFER: no INVITE */
	char *ack;     /* uac: our ACK, resent for each 2xx copy */
	size_t ack_len;
	uint32_t ack_cseq; /* the CSeq of the INVITE it ACKs */
	uint32_t n_subs;   /* subscriptions living in this dialog */
	uint32_t n_refers; /* REFERs accepted in it (for ;id=, F-34) */
	void *app;
	char contact_user[64]; /* user part of our Contact, "" = none */
	/*
	 * Its session timer (RFC 4028), se_s 0 = none: we refresh it (by
	 * UPDATE, or by re-INVITE offering local_sdp again where the peer
	 * takes no UPDATE, at se_refresh_ms; se_tx: one out, se_reinvite: a
	 * re-INVITE), or the peer must by se_end_ms; past that, BYE
	 * (se_expired: our BYE is for that, and se_why says why).
	 */
	uint32_t se_s;
	bool se_refresh, se_update, se_expired, se_reinvite;
	char *local_sdp; /* our last SDP: its 2xx's, or the dial-out's offer */
	uint64_t se_refresh_ms, se_end_ms;
	struct txn *se_tx;
	const char *se_why;
	/* the Reason (RFC 3326) of the BYE that ends it, while
	 * on_dialog_end runs: cp_sip_dialog_end_reason() */
	char end_reason[128];
	struct cp_sip_dialog *next, **pprev; /* sip->dialogs */
	struct cp_sip_dialog *hnext;	      /* sip->dlg_idx, by Call-ID */
};

/* A dial-out INVITE until its final response. */
/*
 * The credentials a request carries (RFC 3261 §22.3), a header per realm
 * that challenged it: Proxy-Authorization for a 407, Authorization for a
 * 401, as last sent.
 */
struct auth_set {
	struct {
		bool proxy;
		char realm[CP_CREDS_FIELD_MAX];
		char *value;
	} h[AUTH_REALMS];
	unsigned n;
};

/* Early dialogs of a dial-out whose reliable provisionals are PRACKed
 * (forks: the callee and what a proxy forks it to). */
#define CALL_EARLY_MAX 4

struct cp_sip_call {
	struct cp_sip *sip;
	osip_transaction_t *tr; /* its ICT */
	struct cp_sip_peer peer;
	char *call_id;
	bool sips; /* to a sips: target: our Contact is sips: too */
	bool got_1xx; /* a CANCEL may go (§9.1) */
	bool cancel_wanted, cancel_sent;
	char cancel_reason[160]; /* its CANCEL's Reason (RFC 3326), or "" */
	uint64_t ring_deadline_ms; /* 0 = none */
	void *app;
	char contact_user[64];
	/*
	 * Through the outbound proxies: the one it went to (-1: none), those
	 * tried (bits), when that one must have answered by (0: no
	 * failover), and what a failover needs: the INVITE as first built
	 * (NULL with one proxy), its last CSeq; failover_code != 0: the
	 * last proxy failed it so, and the next one is to be tried.
	 */
	int hop;
	unsigned tried;
	uint64_t hop_deadline_ms;
	osip_message_t *invite;
	uint32_t cseq;
	int failover_code;
	char why[64]; /* what the last hop did wrong, for the log */
	/*
	 * A target by name, with no outbound proxy (RFC 3263 §4): resolving
	 * (asked: the query is out) with no transaction until dest[0..n_dest
	 * - 1] come, in the order to try them; dest_i is the next one. A
	 * 503, a lost connection or no answer in proxy_timeout_ms sends the
	 * INVITE on to the next (§4.3).
	 */
	bool resolving, asked;
	char *dest_name;
	uint16_t dest_port; /* 0: none in the URI */
	enum cp_dns_tp dest_tp;
	struct cp_dns_target *dest;
	unsigned n_dest, dest_i;
	char *sdp; /* our offer (application/sdp), for the dialog */
	/*
	 * The credentials its INVITE carries; auth_tr: the INVITE they were
	 * sent in (a challenge of a realm to that one, not stale, refuses
	 * them); auth_tries: challenges answered.
	 */
	struct auth_set auth;
	unsigned auth_tries;
	osip_transaction_t *auth_tr;
	/*
	 * Reliable provisionals (RFC 3262): each early dialog (its To-tag)
	 * that sent one, its last RSeq taken in order, and the answer to our
	 * offer the first with SDP brought (§5; for a 2xx of that dialog
	 * that carries none); prack_cseq: our last PRACK's CSeq (the
	 * dialog's requests go on above it).
	 */
	struct {
		char tag[64];
		uint32_t rseq;
		char *sdp;
	} rel[CALL_EARLY_MAX];
	unsigned n_rel;
	uint32_t prack_cseq;
	struct cp_sip_call *next;
};

/* A NOTIFY waiting for its turn (F-57). */
struct notify_q {
	char *content_type, *body; /* NULL: no body */
	enum cp_sip_sub_state state;
	char reason[32];
	uint32_t expires_s; /* 0 = time left */
	struct notify_q *next;
};

struct cp_sip_sub {
	struct cp_sip *sip;
	struct cp_sip_dialog *d;
	bool refer;
	bool in_flight;	   /* a NOTIFY NICT is running */
	bool final_queued; /* a terminated NOTIFY is queued or sent */
	bool expired;	   /* the final NOTIFY is ours, on expiry */
	bool no_tcp;	   /* a TCP connect for a big NOTIFY failed */
	char event[128];   /* the Event value our NOTIFYs carry */
	char *subscriber;
	uint64_t expires_at_ms;
	struct notify_q *q, **q_tail;
	struct txn *tx; /* in flight */
	void *app;
	struct cp_sip_sub *next;
};

struct cp_sip_req {
	struct cp_sip *sip;
	osip_transaction_t *tr;	      /* its IST */
	struct cp_sip_dialog *dialog; /* re-INVITE: its dialog */
	char *uri, *call_id, *body, *from, *to;
	char *authorization;	/* first Authorization value, or NULL */
	bool privacy;		/* its sender asked for anonymity */
	char *asserted;		/* P-Asserted-Identity, trusted; or NULL */
	char to_tag[TAG_HEX + 1];
	bool final_sent;
	bool invite;		/* else REFER or SUBSCRIBE (on a NIST) */
	struct cp_stimer_answer se; /* INVITE: its session timer */
	bool se_update;		    /* its Allow has UPDATE */
	struct cp_sip_sub *sub; /* SUBSCRIBE: the one it refreshes */
	char event[128];	/* SUBSCRIBE: its Event value */
	uint32_t cseq;
	int64_t expires; /* SUBSCRIBE: Expires asked, -1 = none */
	void *app;
	char contact_user[64]; /* user part of our Contact, "" = none */
	struct cp_sip_req *next;
};

/* Our state on each osip transaction (reserved1). */
struct txn {
	struct cp_sip *sip;
	struct cp_sip_peer peer; /* server: request source; client: next hop */
	bool client;
	struct cp_sip_req *req;	   /* IST: the INVITE; NIST: REFER, SUBSCRIBE */
	struct cp_sip_dialog *dlg; /* NICT BYE: the dialog it ends */
	struct cp_sip_dialog *upd; /* NICT UPDATE: the dialog it refreshes */
	struct cp_sip_call *call;  /* ICT: the dial-out */
	struct cp_sip_sub *sub;	   /* NICT NOTIFY: its subscription */
	bool notify_final;	   /* that NOTIFY said terminated */
	struct notify_q *retry_udp; /* over TCP for its size: if that fails */
	uint32_t ping;		    /* NICT OPTIONS: its proxy hop's id */
	struct reg *reg;	    /* NICT REGISTER: its registration */
	bool authed; /* in a dialog: a challenged request sent again */
	/* server transactions with an RFC 3261 branch: in sip->srv */
	osip_transaction_t *tr;
	struct txn *hnext;
	bool hashed, killed;
};

/*
 * An outbound proxy's address (a hop): one of what its URI
 * (cp_sip_conf.outbound_proxy) resolves to, its address (its TCP
 * connection while open), the Route our dial-outs carry, and whether it
 * is up (see cp_sip_conf for failover). A URI with a numeric host is one
 * hop; one with a name is as many as DNS gives (RFC 3263), in its order.
 */
struct proxy {
	uint32_t id;		  /* stays while DNS keeps giving it */
	unsigned name;		  /* its URI: sip->pnames[] */
	char addr[64];		  /* "ADDR:PORT/udp", as tuttictl shows it */
	char label[232];	  /* for the log: the URI, and the address
				   * if the URI is a name */
	struct cp_sip_peer peer;
	enum cp_sip_proto hop_proto; /* UDP, or TCP and TLS once connected */
	bool down;
	bool ping_busy;		  /* an OPTIONS is out */
	uint64_t down_since_ms;	  /* while down */
	uint64_t up_at_ms;	  /* down: not used again before */
	uint64_t ping_due_ms;	  /* the next OPTIONS */
	uint64_t ping_deadline_ms; /* the one out must be answered by */
	uint64_t failovers;	  /* dial-outs sent on from it */
	uint32_t pings_unanswered; /* in a row */
	char why[64];		  /* why it went down last */
	char uri[161];
	char route[200];
};

/* An outbound proxy URI as configured; its hops are in sip->proxies. */
struct proxy_name {
	struct cp_sip *sip;
	char uri[161];
	char route[200];
	char host[128];	      /* a name: DNS resolves it */
	uint16_t port;	      /* in the URI; 0: none */
	enum cp_dns_tp tp;    /* its transport parameter, or any */
	bool dns;	      /* host is a name */
	bool resolving;	      /* a resolution is under way */
	uint64_t resolve_ms;  /* the next one is due */
	char dns_err[160];    /* why the last one failed ("": it did not) */
};

/* Hops of all the outbound proxies, at most. */
#define PROXY_HOPS 16
/* A name DNS did not resolve is asked again after this (its hops, if it
 * had any, are kept meanwhile); one resolved, after its TTL, within
 * cp_sip_conf.dns_min_ttl_ms and this. */
#define PROXY_DNS_RETRY_MS 30000
#define PROXY_DNS_MAX_TTL_MS 3600000ULL
/* How long cp_sip_open() waits for the names' first resolution. */
#define PROXY_DNS_START_MS 5000

/* Without keepalives, a proxy found down is tried again after this. */
#define PROXY_RETRY_MS 30000
/* cp_sip_conf.proxy_timeout_ms's default */
#define PROXY_TIMEOUT_MS 4000

/* Buckets of the server-transaction index (a power of two). */
#define SRV_BUCKETS 16384
/* Buckets of the dialog index by Call-ID (a power of two). */
#define DLG_BUCKETS 16384

/*
 * An outbound registration (cp_sip_conf.register_aor; RFC 3261 §10): the
 * focus's Contact bound to an address of record at its domain's
 * registrar, refreshed before it lapses.
 */
struct reg {
	struct cp_sip *sip;
	char aor[161];
	char user[64];	      /* the AOR's: our Contact's */
	char registrar[200];  /* the Request-URI: the AOR's domain */
	char host[128];	      /* that domain: numeric, or a name (dns) */
	uint16_t port;	      /* in the AOR; 0: none */
	enum cp_dns_tp tp;    /* its transport parameter, or any */
	bool dns, sips;
	char call_id[96], tag[TAG_HEX + 1]; /* kept for all its REGISTERs */
	uint32_t cseq;	      /* the last one's */
	uint32_t asked_s;     /* the Expires asked (a 423 raises it) */
	/*
	 * Where its REGISTERs go: through the outbound proxies (the one it
	 * went to, those tried), else to its domain's addresses (dest_i:
	 * the next; a name's kept until dest_until_ms, resolving while
	 * asked); addr: the last one's ("198.18.0.5:5060/udp").
	 */
	int hop;
	unsigned tried;
	struct cp_dns_target dest[CP_DNS_MAX_TARGETS];
	unsigned n_dest, dest_i;
	uint64_t dest_until_ms;
	bool resolving;
	char addr[64];
	enum cp_sip_proto peer_proto; /* the last one's */
	struct txn *t;	      /* the REGISTER out, or NULL */
	/* the credentials of this round's REGISTERs; auth_t: the one that
	 * carried them; auth_tries: challenges answered */
	struct auth_set auth;
	unsigned auth_tries;
	struct txn *auth_t;
	bool registered;      /* until until_ms, granted_s */
	bool unregistering;   /* cp_sip_unregister(): Expires 0 */
	bool done;	      /* unregistered, or that failed */
	uint64_t until_ms, due_ms; /* the next REGISTER: due_ms */
	uint32_t granted_s;
	unsigned failures;    /* in a row */
	int last_code;	      /* of the last final answer, or 0 */
	char why[160];	      /* why the last one failed, or "" */
	uint64_t n_ok, n_failed;
};

struct cp_sip {
	osip_t *osip;
	struct cp_sip_transport *tp;
	struct cp_sip_app app;
	struct cp_sip_conf conf;
	char host[64]; /* for Via and Contact */
	char contact_params[128];
	char allow[96];
	char events[32]; /* Allow-Events (F-11): what the app handles */
	struct cp_sip_req *reqs;
	struct cp_sip_dialog *dialogs;
	struct cp_sip_call *calls;
	struct cp_sip_sub *subs;
	osip_list_t garbage;	 /* killed transactions to free */
	uint32_t n_2xx;	     /* dialogs resending a 2xx until ACK */
	bool ev_queued;	     /* events queued on transactions since the last run */
	/*
	 * Server transactions by top Via branch (RFC 3261 17.2.3), and those
	 * with events queued: libosip2 finds and runs them by walking every
	 * transaction, thousands at load.
	 */
	struct txn **srv;
	/* dialogs by Call-ID: every request in a dialog, and every check
	 * for a merged or repeated INVITE, looks them up */
	struct cp_sip_dialog **dlg_idx;
	osip_transaction_t **dirty;
	size_t n_dirty, cap_dirty;
	bool walk_all; /* run every server transaction's events */
	uint64_t timers_due; /* when libosip2's timers are looked at next */
	struct cp_ratelimit *rl; /* NULL: no rate limit */
	const struct cp_creds *creds; /* cp_sip_set_creds(); NULL: none */
	struct cp_trust_net trust[CP_TRUST_NETS_MAX]; /* conf.trust's */
	size_t n_trust;
	struct cp_sip_stats st;
	/* the outbound proxies, in order of preference: as configured, and
	 * their hops (each URI's together, in that order) */
	struct proxy_name pnames[CP_SIP_MAX_PROXIES];
	unsigned n_pnames;
	struct proxy proxies[PROXY_HOPS];
	unsigned n_proxies;
	uint32_t hop_ids;     /* the last id given */
	struct cp_dns *dns;   /* NULL: no name resolved yet */
	char *dns_servers;    /* cp_sip_conf.dns_servers (NULL: none) */
	bool closing; /* cp_sip_close(): dropped transactions say nothing */
	/* session timers: the policy, "timer" or "" (Supported), dialogs
	 * with one, and when one is due first (no walk before) */
	struct cp_stimer_conf stc;
	char supported[8];
	uint32_t n_timed;
	uint64_t se_due;
	struct reg *regs; /* the registrations, n_regs */
	unsigned n_regs;
};

static bool proxy_parse(struct proxy_name *pn, const char *uri,
			const char *addr, struct cp_dns_target *t);
static void proxy_name_set(struct cp_sip *sip, unsigned k,
			   const struct cp_dns_target *t, unsigned n);
static int dns_open(struct cp_sip *sip);
static bool is_header_safe(const char *s);
static void reason_of(const osip_message_t *m, char *buf, size_t len);
static uint64_t run_dns(struct cp_sip *sip, uint64_t now);
static bool dialog_auth(struct cp_sip *sip, struct txn *t,
			osip_transaction_t *tr, const osip_message_t *m);
static void prack_auth(struct cp_sip *sip, struct txn *t,
		       osip_transaction_t *tr, const osip_message_t *m);

static bool
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}


static uint32_t
srv_hash(const char *branch)
{
	return tutti_fnv1a(TUTTI_FNV1A_INIT, branch) & (SRV_BUCKETS - 1);
}

/* The bucket of a Call-ID "number@host" (a dialog's) ... */
static uint32_t
dlg_hash(const char *call_id)
{
	return tutti_fnv1a(TUTTI_FNV1A_INIT, call_id) & (DLG_BUCKETS - 1);
}

/* ... and of a message's Call-ID, the same string in two parts. */
static uint32_t
dlg_hash_cid(const osip_call_id_t *cid)
{
	uint32_t h = tutti_fnv1a(TUTTI_FNV1A_INIT, cid->number);

	if (cid->host != NULL)
		h = tutti_fnv1a((h ^ '@') * 16777619u, cid->host);
	return h & (DLG_BUCKETS - 1);
}

/* An RFC 3261 branch of via, or NULL (RFC 2543: libosip2 matches). */
static const char *
cookie_branch(osip_via_t *via)
{
	osip_generic_param_t *b = NULL;

	if (via == NULL || osip_via_param_get_byname(via, "branch", &b) != 0 ||
	    b == NULL || b->gvalue == NULL ||
	    strncmp(b->gvalue, "z9hG4bK", 7) != 0)
		return NULL;
	return b->gvalue;
}

/* The server transaction m belongs to (17.2.3: branch, sent-by, method;
 * ACK to INVITE's). *indexed: whether m could be looked up here at all. */
static osip_transaction_t *
srv_find(const struct cp_sip *sip, const osip_message_t *m, bool *indexed)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);
	const char *br = cookie_branch(via);
	const char *meth = MSG_IS_ACK(m) ? "INVITE" : m->sip_method;

	*indexed = br != NULL && sip->srv != NULL && meth != NULL;
	if (!*indexed)
		return NULL;
	for (const struct txn *t = sip->srv[srv_hash(br)]; t; t = t->hnext) {
		osip_via_t *ov = t->tr->topvia;

		if (!t->killed && ov != NULL && t->tr->cseq != NULL &&
		    str_eq(cookie_branch(ov), br) &&
		    str_eq(t->tr->cseq->method, meth) &&
		    str_eq(ov->host, via->host) && str_eq(ov->port, via->port))
			return t->tr;
	}
	return NULL;
}

static void
srv_add(struct cp_sip *sip, struct txn *t, osip_transaction_t *tr)
{
	const char *br = cookie_branch(tr->topvia);

	t->tr = tr;
	if (br == NULL || sip->srv == NULL)
		return;
	t->hnext = sip->srv[srv_hash(br)];
	sip->srv[srv_hash(br)] = t;
	t->hashed = true;
}

static void
srv_del(struct cp_sip *sip, struct txn *t)
{
	struct txn **pp;

	if (!t->hashed)
		return;
	for (pp = &sip->srv[srv_hash(cookie_branch(t->tr->topvia))];
	     *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == t) {
			*pp = t->hnext;
			break;
		}
	t->hashed = false;
}

/* tr has events queued: run_machines() runs them (a server one alone). */
static void
mark_dirty(struct cp_sip *sip, osip_transaction_t *tr)
{
	if (sip->n_dirty == sip->cap_dirty) {
		size_t cap = sip->cap_dirty ? 2 * sip->cap_dirty : 64;
		osip_transaction_t **d = realloc(sip->dirty, cap * sizeof(*d));

		if (d == NULL) {
			sip->ev_queued = true; /* the whole walk then */
			sip->walk_all = true;
			return;
		}
		sip->dirty = d;
		sip->cap_dirty = cap;
	}
	sip->dirty[sip->n_dirty++] = tr;
}

/* The dialog's 2xx is done with (ACK, hang-up, given up, freed). */
static void
drop_2xx(struct cp_sip *sip, struct cp_sip_dialog *d)
{
	if (d->resp_2xx == NULL)
		return;
	free(d->resp_2xx);
	d->resp_2xx = NULL;
	sip->n_2xx--;
}

static void handle_refer(struct cp_sip *sip, osip_transaction_t *tr,
			 osip_message_t *m, struct txn *t);
static void handle_update(struct cp_sip *sip, osip_transaction_t *tr,
			  osip_message_t *m);
static const char *hdr(const osip_message_t *m, const char *name,
		       const char *compact, int i);
static void stimer_arm(struct cp_sip *sip, struct cp_sip_dialog *d,
		       uint32_t se_s, bool we_refresh, bool update);
static void stimer_refresh_done(struct txn *t, int code,
				const osip_message_t *m);
static int stimer_check(struct cp_sip *sip, osip_transaction_t *tr,
			const osip_message_t *m, struct cp_stimer_answer *a,
			bool *update);
static void stimer_decorate(osip_message_t *r,
			    const struct cp_stimer_answer *a);
static void handle_subscribe(struct cp_sip *sip, osip_transaction_t *tr,
			     osip_message_t *m, struct txn *t);
static void notify_done(struct txn *t, int code);
static void call_fail(struct txn *t, int code, const char *why,
		      uint32_t retry_after_s);
static void proxy_set_down(struct cp_sip *sip, unsigned i, const char *why,
			   uint32_t retry_after_s);
static void proxy_set_up(struct cp_sip *sip, unsigned i, const char *how);
static int proxy_pick(const struct cp_sip *sip, unsigned tried);
static void call_resolved(void *arg, int err, const char *why,
			  const struct cp_dns_target *t, unsigned n,
			  uint32_t ttl_s);
static int dns_ready(struct cp_sip *sip);
static void ping_done(struct txn *t, int code, uint32_t retry_after_s);
static uint32_t retry_after_of(const osip_message_t *m);
static bool reack(struct cp_sip *sip, osip_message_t *m);
static void sub_end(struct cp_sip *sip, struct cp_sip_sub *sub,
		    enum cp_sip_sub_end why);
static void sub_free(struct cp_sip *sip, struct cp_sip_sub *sub);
static uint64_t run_app_timers(struct cp_sip *sip, uint64_t now);
static void call_free(struct cp_sip *sip, struct cp_sip_call *c);
static void reg_done(struct txn *t, osip_transaction_t *tr, int code,
		     const osip_message_t *m);
static uint64_t run_regs(struct cp_sip *sip, uint64_t now);
static int reg_init(struct cp_sip *sip, struct reg *r, const char *aor);
static void auth_set_free(struct auth_set *a);
static void on_ict_1xx(int type, osip_transaction_t *tr, osip_message_t *m);
static void on_ict_2xx(int type, osip_transaction_t *tr, osip_message_t *m);
static void on_ict_fail(int type, osip_transaction_t *tr, osip_message_t *m);

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
random_hex(char *out, size_t n_hex)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[32];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (uint8_t)rand(); /* no entropy: still unique */
	for (size_t i = 0; i < n_hex && i < 2 * sizeof(r); i++)
		out[i] = hex[(r[i / 2] >> (4 * (i & 1))) & 15];
	out[n_hex] = '\0';
}


/*
 * Is s (a whole Call-ID, as osip_dialog_t keeps it) the Call-ID cid, which
 * libosip2 splits at the '@' into number and host?
 */
static bool
call_id_is(const char *s, const osip_call_id_t *cid)
{
	size_t n;

	if (s == NULL || cid == NULL || cid->number == NULL)
		return false;
	n = strlen(cid->number);
	if (strncmp(s, cid->number, n) != 0)
		return false;
	if (cid->host == NULL)
		return s[n] == '\0';
	return s[n] == '@' && strcmp(s + n + 1, cid->host) == 0;
}

/* The whole Call-ID of m, malloc'ed (NULL without memory). */
static char *
call_id_dup(const osip_message_t *m)
{
	char *s = NULL, *copy;

	if (osip_call_id_to_str(m->call_id, &s) != 0)
		return NULL;
	copy = strdup(s);
	osip_free(s);
	return copy;
}

static const char *
tag_of(osip_from_t *f)
{
	osip_generic_param_t *p = NULL;

	if (f == NULL || osip_from_get_tag(f, &p) != 0 || p == NULL)
		return NULL;
	return p->gvalue;
}

/*
 * Has m a From or To tag without a value (";tag", ";tag=")? A syntax error
 * (RFC 3261 25.1: tag-param = "tag" EQUAL token) that libosip2 takes, and
 * whose NULL its dialog matching then hands to strcmp(): such a message
 * must not reach it.
 */
static bool
tags_bad(const osip_message_t *m)
{
	osip_from_t *const f[2] = { m->from, m->to };

	for (int i = 0; i < 2; i++) {
		osip_generic_param_t *p = NULL;

		if (f[i] != NULL && osip_from_get_tag(f[i], &p) == 0 &&
		    p != NULL && (p->gvalue == NULL || p->gvalue[0] == '\0'))
			return true;
	}
	return false;
}

static const char *
branch_of(osip_via_t *v)
{
	osip_generic_param_t *p = NULL;

	if (v == NULL || osip_via_param_get_byname(v, "branch", &p) != 0 ||
	    p == NULL)
		return NULL;
	return p->gvalue;
}

static void
count_tx(struct cp_sip *sip, const osip_message_t *m)
{
	static const size_t off[] = {
		offsetof(struct cp_sip_stats, tx_1xx),
		offsetof(struct cp_sip_stats, tx_2xx),
		offsetof(struct cp_sip_stats, tx_3xx),
		offsetof(struct cp_sip_stats, tx_4xx),
		offsetof(struct cp_sip_stats, tx_5xx),
		offsetof(struct cp_sip_stats, tx_6xx),
	};
	int cls = m->status_code / 100;

	if (MSG_IS_REQUEST(m))
		sip->st.tx_requests++;
	else if (cls >= 1 && cls <= 6)
		(*(uint64_t *)((char *)&sip->st + off[cls - 1]))++;
}

/* Where a response goes: the request's connection, or Via over UDP. */
static void
response_dest(const struct cp_sip_peer *in, osip_message_t *resp,
	      struct cp_sip_peer *out)
{
	osip_via_t *via = osip_list_get(&resp->vias, 0);
	osip_generic_param_t *rcv = NULL, *rport = NULL;
	const char *host;
	long port = 5060;

	*out = *in;
	if (in->proto != CP_SIP_UDP || via == NULL)
		return;
	osip_via_param_get_byname(via, "received", &rcv);
	osip_via_param_get_byname(via, "rport", &rport);
	host = rcv != NULL && rcv->gvalue != NULL ? rcv->gvalue : via->host;
	if (rport != NULL && rport->gvalue != NULL)
		port = strtol(rport->gvalue, NULL, 10);
	else if (via->port != NULL)
		port = strtol(via->port, NULL, 10);
	if (host == NULL || port <= 0 || port > 65535 ||
	    cp_sip_transport_addr(out, host, (uint16_t)port) < 0)
		*out = *in; /* a name: answer the source (§18.2.2 says DNS) */
}

static int
send_raw(struct cp_sip *sip, const struct cp_sip_peer *to, osip_message_t *m)
{
	char *s = NULL;
	size_t len = 0;
	int rc;

	if (osip_message_to_str(m, &s, &len) != 0) {
		sip->st.tx_failed++;
		return -EPROTO;
	}
	rc = cp_sip_transport_send(sip->tp, to, s, len);
	osip_free(s);
	if (rc < 0) {
		sip->st.tx_failed++;
		return rc;
	}
	count_tx(sip, m);
	return 0;
}

/* Whether peer is in the trust domain (RFC 3325 2.3): its address in
 * cp_sip_conf.trust (over TCP or TLS for a tcp: network), or over TLS
 * with a certificate of cp_sip_tls_conf.trust_names'. */
static bool
peer_trusted(const struct cp_sip *sip, const struct cp_sip_peer *peer)
{
	return peer->tls_trusted ||
	       cp_trust_has(sip->trust, sip->n_trust,
			    (const struct sockaddr *)&peer->addr,
			    peer->proto != CP_SIP_UDP);
}

/*
 * A dial-out's INVITE m (not one in a dialog) about to go to to: with
 * cp_sip_conf.assert_identity, P-Asserted-Identity: its From URI if to is
 * in the trust domain (RFC 3325 9.1), and none otherwise. Each sending
 * looks again (a retransmission finds it right already), as the next hop
 * a failover or DNS picks may be elsewhere.
 */
static void
assert_to(struct cp_sip *sip, const struct cp_sip_peer *to, osip_message_t *m)
{
	osip_generic_param_t *tag = NULL;
	osip_header_t *h = NULL;
	char *uri = NULL, buf[300];
	bool trusted, has;
	int pos;

	if (!sip->conf.assert_identity || !MSG_IS_INVITE(m) || m->to == NULL ||
	    osip_to_get_tag(m->to, &tag) == 0)
		return;
	trusted = peer_trusted(sip, to);
	has = osip_message_header_get_byname(m, "p-asserted-identity", 0,
					     &h) >= 0;
	if (has == trusted)
		return;
	osip_message_force_update(m);
	while ((pos = osip_message_header_get_byname(m, "p-asserted-identity",
						     0, &h)) >= 0) {
		osip_list_remove(&m->headers, pos);
		osip_header_free(h);
	}
	if (!trusted || m->from == NULL || m->from->url == NULL ||
	    osip_uri_to_str(m->from->url, &uri) != 0)
		return;
	snprintf(buf, sizeof(buf), "<%s>", uri);
	osip_free(uri);
	if (osip_message_set_header(m, "P-Asserted-Identity", buf) == 0)
		sip->st.asserted_sent++;
}

/* libosip2's send callback for every transaction. */
static int
osip_send_cb(osip_transaction_t *tr, osip_message_t *m, char *host, int port,
	     int sock)
{
	struct txn *t = osip_transaction_get_reserved1(tr);
	struct cp_sip_peer to;

	(void)host;
	(void)port;
	(void)sock;
	if (t == NULL)
		return -1;
	if (t->client) {
		to = t->peer;
		assert_to(t->sip, &to, m);
	} else {
		response_dest(&t->peer, m, &to);
	}
	return send_raw(t->sip, &to, m) == 0 ? 0 : -1;
}

static osip_message_t *
build_response(const struct cp_sip *sip, const osip_message_t *req, int code,
	       const char *to_tag, unsigned int with)
{
	const char *reason = osip_message_get_reason(code);
	osip_message_t *r;

	if (osip_message_init(&r) != 0)
		return NULL;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, code);
	osip_message_set_reason_phrase(
		r, osip_strdup(reason ? reason : "Unknown"));
	osip_list_clone(&req->vias, &r->vias,
			(int (*)(void *, void **))osip_via_clone);
	if (req->from != NULL)
		osip_from_clone(req->from, &r->from);
	if (req->to != NULL) {
		osip_to_clone(req->to, &r->to);
		if (code > 100 && to_tag != NULL && tag_of(r->to) == NULL)
			osip_to_set_tag(r->to, osip_strdup(to_tag));
	}
	if (req->call_id != NULL)
		osip_call_id_clone(req->call_id, &r->call_id);
	if (req->cseq != NULL)
		osip_cseq_clone(req->cseq, &r->cseq);
	if (with & (WITH_ALLOW | WITH_CAPS))
		osip_message_set_allow(r, sip->allow);
	if (with & WITH_CAPS) {
		osip_message_set_accept(r, SIP_ACCEPT);
		osip_message_set_header(r, "Supported", sip->supported);
	}
	if ((with & (WITH_CAPS | WITH_EVENTS)) && sip->events[0] != '\0')
		osip_message_set_header(r, "Allow-Events", sip->events);
	osip_message_set_header(r, "Server", "tutti-cp");
	osip_message_set_content_length(r, "0");
	return r;
}

/* Answer statelessly (no transaction): bad requests, loops. */
static void
reply_stateless(struct cp_sip *sip, const struct cp_sip_peer *from,
		const osip_message_t *req, int code)
{
	char tag[TAG_HEX + 1];
	struct cp_sip_peer to;
	osip_message_t *r;

	random_hex(tag, TAG_HEX);
	if ((r = build_response(sip, req, code, tag, 0)) == NULL) {
		sip->st.tx_failed++;
		return;
	}
	if (code == 503)
		osip_message_set_header(r, "Retry-After", RETRY_503_S);
	response_dest(from, r, &to);
	send_raw(sip, &to, r);
	osip_message_free(r);
}

/* Hand r to tr's state machine, which sends it (and retransmits). */
static void
reply_txn(osip_transaction_t *tr, osip_message_t *r)
{
	osip_event_t *evt = osip_new_outgoing_sipmessage(r);
	struct txn *t = osip_transaction_get_reserved1(tr);

	if (evt == NULL) {
		osip_message_free(r);
		return;
	}
	evt->transactionid = tr->transactionid;
	osip_transaction_add_event(tr, evt);
	if (t != NULL && t->sip != NULL && !t->killed) {
		if (t->client)
			t->sip->ev_queued = true;
		else
			mark_dirty(t->sip, tr);
	}
}

static void
reply_code(struct cp_sip *sip, osip_transaction_t *tr, int code,
	   unsigned int with, const char *header, const char *value)
{
	char tag[TAG_HEX + 1];
	osip_message_t *r;

	random_hex(tag, TAG_HEX);
	r = build_response(sip, tr->orig_request, code, tag, with);
	if (r == NULL) {
		sip->st.tx_failed++;
		return;
	}
	if (header != NULL)
		osip_message_set_header(r, header, value);
	reply_txn(tr, r);
}

/* Our port for proto: TLS has its own. */
static uint16_t
port_of(const struct cp_sip *sip, enum cp_sip_proto proto)
{
	return proto == CP_SIP_TLS ? cp_sip_transport_tls_port(sip->tp)
				   : cp_sip_transport_port(sip->tp);
}

/*
 * Has m exactly one Contact, with a URI (not the wildcard "*", REGISTER's
 * only, RFC 3261 10.2.2)? A request that makes a dialog needs one (8.1.1.8):
 * it is the dialog's remote target.
 */
static bool
one_contact_uri(const osip_message_t *m)
{
	const osip_contact_t *c = osip_list_get(&m->contacts, 0);

	return osip_list_size(&m->contacts) == 1 && c != NULL && c->url != NULL;
}

/* Is u a sips: URI? */
static bool
is_sips(const osip_uri_t *u)
{
	return u != NULL && u->scheme != NULL &&
	       strcasecmp(u->scheme, "sips") == 0;
}

/*
 * Our Contact over proto, with the configured header parameters (e.g.
 * ;isfocus): sips: (TLS, no ;transport=) in a dialog made by a sips:
 * URI, which §12.1.1 asks for; else sip:, with ;transport=tcp or tls.
 */
static const char *
contact_user_of(const struct cp_sip *sip, enum cp_sip_proto proto, bool sips,
		const char *user, char *buf, size_t len)
{
	snprintf(buf, len, "<%s:%s%s%s:%u%s>%s", sips ? "sips" : "sip", user,
		 user[0] ? "@" : "", sip->host,
		 port_of(sip, sips ? CP_SIP_TLS : proto),
		 sips			? ""
		 : proto == CP_SIP_TLS	? ";transport=tls"
		 : proto == CP_SIP_TCP	? ";transport=tcp"
					: "",
		 sip->contact_params);
	return buf;
}

static const char *
contact_of(const struct cp_sip *sip, enum cp_sip_proto proto, bool sips,
	   char *buf, size_t len)
{
	return contact_user_of(sip, proto, sips, "", buf, len);
}

/* RFC 3581 §4 and RFC 3261 §18.2.1: received= and rport= on the top Via. */
static void
fix_via(osip_message_t *m, const struct cp_sip_peer *from)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);
	osip_generic_param_t *rport = NULL;
	char ip[INET6_ADDRSTRLEN] = "";
	char port[8];
	uint16_t p = 0;

	if (from->addr.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&from->addr;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		p = ntohs(a->sin_port);
	} else if (from->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&from->addr;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		p = ntohs(a->sin6_port);
	}
	if (via == NULL || ip[0] == '\0')
		return;
	osip_via_param_get_byname(via, "rport", &rport);
	if (rport != NULL && rport->gvalue == NULL) {
		snprintf(port, sizeof(port), "%u", p);
		rport->gvalue = osip_strdup(port);
	}
	/* With rport, received is added even if equal (RFC 3581 §4). */
	if (rport != NULL || !str_eq(via->host, ip))
		osip_via_set_received(via, osip_strdup(ip));
}

/* Mandatory headers and the request line (S-01, S-07, S-08). */
static int
validate(const osip_message_t *m)
{
	const char *num;
	char *end;
	unsigned long long n;

	if (!str_eq(m->sip_version, "SIP/2.0"))
		return 505;
	if (m->from == NULL || m->to == NULL || m->call_id == NULL ||
	    m->call_id->number == NULL || m->cseq == NULL ||
	    m->req_uri == NULL || m->sip_method == NULL || tags_bad(m))
		return 400;
	num = m->cseq->number;
	if (num == NULL || num[0] < '0' || num[0] > '9')
		return 400;
	errno = 0;
	n = strtoull(num, &end, 10);
	if (errno != 0 || *end != '\0' || n > UINT32_MAX)
		return 400;
	if (!str_eq(m->cseq->method, m->sip_method))
		return 400;
	return 0;
}

/*
 * S-09 on UDP: a Content-Length longer than the rest of the datagram, or
 * not a number (libosip2 accepts both). Bytes after the body are ignored.
 */
static bool
body_truncated(const char *buf, size_t len, const osip_message_t *m)
{
	const char *h = memmem(buf, len, "\r\n\r\n", 4);
	size_t avail = h != NULL ? len - (size_t)(h + 4 - buf) : 0;
	const char *v;
	char *end;
	unsigned long cl;

	if (m->content_length == NULL || m->content_length->value == NULL)
		return false;
	v = m->content_length->value;
	errno = 0;
	cl = strtoul(v, &end, 10);
	return v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 ||
	       cl > avail;
}

static bool
same_call(osip_transaction_t *tr, const osip_message_t *m)
{
	return tr->callid != NULL && tr->cseq != NULL &&
	       osip_call_id_match(tr->callid, m->call_id) == 0 &&
	       str_eq(tag_of(tr->from), tag_of(m->from)) &&
	       str_eq(tr->cseq->number, m->cseq->number) &&
	       str_eq(tr->cseq->method, m->cseq->method);
}

/* The dialogs that may have m's Call-ID (NULL: none, or m has none). */
static struct cp_sip_dialog *
dlg_bucket(const struct cp_sip *sip, const osip_message_t *m)
{
	if (m->call_id == NULL || m->call_id->number == NULL)
		return NULL;
	return sip->dlg_idx[dlg_hash_cid(m->call_id)];
}

/*
 * Loop detection (S-16): our own branch in a Via means a request we sent
 * came back; a request without To-tag whose From-tag, Call-ID and CSeq
 * match a live server transaction it does not belong to is a merged one.
 */
static bool
is_loop(struct cp_sip *sip, const osip_message_t *m)
{
	osip_list_t *lists[] = { &sip->osip->osip_ist_transactions,
				 &sip->osip->osip_nist_transactions };
	const char *br = branch_of(osip_list_get(&m->vias, 0));

	for (int i = 0; i < osip_list_size(&m->vias); i++) {
		const char *b = branch_of(osip_list_get(&m->vias, i));

		if (b != NULL &&
		    strncmp(b, BRANCH_PREFIX, strlen(BRANCH_PREFIX)) == 0)
			return true;
	}
	if (tag_of(m->to) != NULL)
		return false;
	for (struct cp_sip_dialog *d = dlg_bucket(sip, m); d; d = d->hnext)
		if (call_id_is(d->od->call_id, m->call_id) &&
		    str_eq(d->od->remote_tag, tag_of(m->from)) &&
		    strtoul(m->cseq->number, NULL, 10) == d->invite_cseq &&
		    MSG_IS_INVITE(m) && !str_eq(d->invite_branch, br))
			return true; /* merged with an answered INVITE */
	/* iterate: osip_list_get(i) walks from the head each time */
	for (size_t l = 0; l < 2; l++) {
		osip_list_iterator_t it;
		osip_transaction_t *tr = osip_list_get_first(lists[l], &it);

		for (; osip_list_iterator_has_elem(it);
		     tr = osip_list_get_next(&it))
			if (same_call(tr, m) &&
			    !str_eq(branch_of(tr->topvia), br))
				return true;
	}
	return false;
}

/* Put d (its od made) on the dialog list and in the index by Call-ID
 * (dialog_free() takes it off both). */
static void
dialog_link(struct cp_sip *sip, struct cp_sip_dialog *d)
{
	struct cp_sip_dialog **b = &sip->dlg_idx[dlg_hash(d->od->call_id)];

	d->next = sip->dialogs;
	d->pprev = &sip->dialogs;
	if (sip->dialogs != NULL)
		sip->dialogs->pprev = &d->next;
	sip->dialogs = d;
	d->hnext = *b;
	*b = d;
	sip->st.dialogs_active++;
}

static struct cp_sip_dialog *
find_dialog(struct cp_sip *sip, const osip_message_t *m)
{
	for (struct cp_sip_dialog *d = dlg_bucket(sip, m); d; d = d->hnext)
		if (osip_dialog_match_as_uas(d->od, (osip_message_t *)m) == 0)
			return d;
	return NULL;
}

static void
dialog_free(struct cp_sip *sip, struct cp_sip_dialog *d)
{
	struct cp_sip_dialog **pp;

	*d->pprev = d->next;
	if (d->next != NULL)
		d->next->pprev = d->pprev;
	for (pp = &sip->dlg_idx[dlg_hash(d->od->call_id)]; *pp != NULL;
	     pp = &(*pp)->hnext)
		if (*pp == d) {
			*pp = d->hnext;
			break;
		}
	for (struct cp_sip_req *r = sip->reqs; r; r = r->next)
		if (r->dialog == d)
			r->dialog = NULL;
	sip->st.dialogs_active--;
	if (d->se_s != 0)
		sip->n_timed--;
	if (d->se_tx != NULL)
		d->se_tx->upd = NULL; /* its answer finds no dialog */
	free(d->local_sdp);
	osip_dialog_free(d->od);
	free(d->invite_branch);
	drop_2xx(sip, d);
	free(d->ack);
	free(d);
}

/*
 * The INVITE usage of d is over: so are the subscriptions sharing it (a
 * simplification of RFC 5057: they would outlive a BYE), then d.
 */
static void
dialog_end(struct cp_sip *sip, struct cp_sip_dialog *d, enum cp_sip_end why)
{
	struct cp_sip_sub *sub, *next;

	for (sub = sip->subs; sub != NULL && !d->sub_only && d->n_subs > 0;
	     sub = next) {
		next = sub->next;
		if (sub->d == d)
			sub_end(sip, sub, CP_SIP_SUB_END_DIALOG_GONE);
	}
	if (sip->app.on_dialog_end != NULL && !d->sub_only && !d->orphan)
		sip->app.on_dialog_end(sip->app.ctx, d, why);
	dialog_free(sip, d);
}

/* ACK: for a non-2xx it belongs to the IST; for our 2xx to the dialog. */
/* Give the request in evt to its server transaction, if it has one. */
static bool
add_to_server_txn(struct cp_sip *sip, osip_event_t *evt)
{
	bool indexed;
	osip_transaction_t *tr = srv_find(sip, evt->sip, &indexed);

	if (!indexed) { /* no RFC 3261 branch: libosip2 looks */
		if (osip_find_transaction_and_add_event(sip->osip, evt) != 0)
			return false;
		sip->walk_all = true;
		return true;
	}
	if (tr == NULL)
		return false;
	evt->transactionid = tr->transactionid;
	osip_transaction_add_event(tr, evt);
	mark_dirty(sip, tr);
	return true;
}

static void
handle_ack(struct cp_sip *sip, osip_event_t *evt)
{
	osip_message_t *m = evt->sip;
	unsigned long cseq = strtoul(m->cseq->number, NULL, 10);
	struct cp_sip_dialog *d;

	if (add_to_server_txn(sip, evt)) { /* a 3xx-6xx's: its IST's */
		sip->st.ack_final++;
		return;
	}
	d = find_dialog(sip, m);
	if (d != NULL && d->resp_2xx != NULL && cseq == d->invite_cseq) {
		drop_2xx(sip, d);
		sip->st.ack_2xx++;
		osip_dialog_set_state(d->od, DIALOG_CONFIRMED);
		if (sip->app.on_ack != NULL) {
			osip_body_t *b = NULL;
			char *ct = NULL;

			osip_message_get_body(m, 0, &b);
			if (m->content_type != NULL)
				osip_content_type_to_str(m->content_type, &ct);
			sip->app.on_ack(sip->app.ctx, d, ct,
					b != NULL && b->body != NULL ? b->body
								     : "");
			osip_free(ct);
		}
	} else if (d != NULL && cseq == d->invite_cseq) {
		sip->st.rx_retransmissions++; /* its 2xx was ACKed already */
	} else {
		sip->st.drop_stray++; /* S-22: never answered */
	}
	osip_event_free(evt);
}

/*
 * An INVITE retransmitted after our 2xx: absorbed, never a new call (RFC
 * 6026 §7.1). Answering each copy would ping-pong with a peer that resends
 * its INVITE on every 2xx copy; the 2xx timer keeps retransmitting anyway.
 */
static bool
absorb_invite(struct cp_sip *sip, const osip_message_t *m)
{
	const char *br = branch_of(osip_list_get(&m->vias, 0));

	if (tag_of(m->to) != NULL)
		return false;
	for (struct cp_sip_dialog *d = dlg_bucket(sip, m); d; d = d->hnext)
		if (str_eq(d->invite_branch, br) &&
		    call_id_is(d->od->call_id, m->call_id) &&
		    str_eq(d->od->remote_tag, tag_of(m->from)))
			return true; /* the 2xx timer resends, not this */
	return false;
}

/*
 * The per-source rate limit (cp_sip_conf.rate_limit_per_s): the verdict
 * for one more request from from, reported in one log line per source and
 * interval.
 */
static enum cp_ratelimit_verdict
limit_verdict(struct cp_sip *sip, const struct cp_sip_peer *from)
{
	const struct sockaddr_in *a4 = (const void *)&from->addr;
	const struct sockaddr_in6 *a6 = (const void *)&from->addr;
	char ip[INET6_ADDRSTRLEN] = "?";
	enum cp_ratelimit_verdict v;
	uint64_t report;

	if (sip->rl == NULL)
		return CP_RATELIMIT_PASS;
	v = cp_ratelimit_check(sip->rl, (const struct sockaddr *)&from->addr,
			       now_ms(), &report);
	if (report == 0)
		return v;
	if (from->addr.ss_family == AF_INET)
		inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
	else if (from->addr.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
	LOG_WARN("rate limit: %s sends more than %u new requests/s; %" PRIu64
		 " refused or dropped since its last report",
		 ip, sip->conf.rate_limit_per_s, report);
	return v;
}

/*
 * Requests that continue something we know are never limited: an ACK
 * (never answered anyway), a CANCEL of a pending INVITE, any request in a
 * dialog we have. A BYE or CANCEL matching nothing would get a 481: an
 * answer like any other, so it counts.
 */
static bool
continues_known(struct cp_sip *sip, const osip_message_t *m)
{
	const char *br = branch_of(osip_list_get(&m->vias, 0));

	if (MSG_IS_ACK(m))
		return true;
	if (m->call_id == NULL || m->from == NULL || m->to == NULL)
		return false;
	if (MSG_IS_CANCEL(m)) {
		for (struct cp_sip_req *r = sip->reqs; r != NULL; r = r->next)
			if (str_eq(branch_of(r->tr->topvia), br) &&
			    str_eq(r->call_id, m->call_id->number))
				return true;
		return false;
	}
	return tag_of(m->to) != NULL && find_dialog(sip, m) != NULL;
}

/*
 * A request over its source's rate that does not continue something known
 * (a new one, or a bad one we would answer): answered 503 or dropped,
 * counted. True if so.
 */
static bool
rate_limited(struct cp_sip *sip, const struct cp_sip_peer *from,
	     const osip_message_t *m)
{
	if (sip->rl == NULL || continues_known(sip, m))
		return false;
	switch (limit_verdict(sip, from)) {
	case CP_RATELIMIT_PASS:
		return false;
	case CP_RATELIMIT_REFUSE:
		sip->st.ratelimited++;
		reply_stateless(sip, from, m, 503);
		return true;
	default:
		sip->st.ratelimit_drop++;
		return true;
	}
}

/* Is the header line p[0..n) named name, or its compact form (§7.3.3)? */
static bool
hdr_is(const char *p, size_t n, const char *name, char compact)
{
	size_t k = strlen(name), i;

	if (n > k && strncasecmp(p, name, k) == 0)
		i = k;
	else if (compact != '\0' && n > 1 && (p[0] | 0x20) == compact)
		i = 1;
	else
		return false;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

/*
 * Does p[0..n) hold a tag parameter ("tag" after ';' or LWS, in any case:
 * a To-tag is there already)?
 */
static bool
has_tag(const char *p, size_t n)
{
	for (size_t i = 1; i + 3 <= n; i++)
		if ((p[i - 1] == ';' || p[i - 1] == ' ' || p[i - 1] == '\t') &&
		    strncasecmp(p + i, "tag", 3) == 0)
			return true;
	return false;
}

/*
 * Does the header p[0..n) (folded lines too) hold a CR or LF that is not
 * part of a CRLF? Copied into an answer, a peer that ends lines at either
 * would read the rest as a header of ours.
 */
static bool
has_lone_cr_lf(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n')) ||
		    (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')))
			return true;
	return false;
}

/*
 * A request libosip2 cannot parse (RFC 4475 §3.1.2: an unterminated quote,
 * LWS in the Request-URI, a broken Via, a Content-Length beyond the
 * datagram): answer it statelessly, to its source, with 400, or 501 for a
 * method we do not know (§8.2.1), copying its Via, From, To, Call-ID and
 * CSeq lines byte for byte (folded lines too). Nothing is sent for an ACK,
 * without those five headers (one with a lone CR or LF is not taken; a Via
 * so: nothing), or when the first line does not end in SIP/2.0 (garbage,
 * responses). Works on bytes: NULs are no problem.
 */
static void
reply_unparsed(struct cp_sip *sip, const struct cp_sip_peer *from,
	       const char *buf, size_t len)
{
	static const char *const methods[] = {
		"INVITE",    "CANCEL",	"OPTIONS", "BYE",  "REGISTER",
		"SUBSCRIBE", "NOTIFY",	"REFER",   "INFO", "UPDATE",
		"PRACK",     "MESSAGE", "PUBLISH",
	};
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *eol = memmem(buf, len, "\r\n", 2);
	const char *one[4] = { NULL }; /* From, To, Call-ID, CSeq */
	size_t one_len[4] = { 0 }, hlen, n = 0, vias = 0, mlen;
	const char *sp =
		eol != NULL ? memchr(buf, ' ', (size_t)(eol - buf)) : NULL;
	const char *first;
	char tag[TAG_HEX + 1], *out;
	int code = 501;
	bool lone;

	if (eol == NULL || sp == NULL || len < 8 ||
	    strncmp(buf, "SIP/", 4) == 0)
		return;
	hlen = end != NULL ? (size_t)(end - buf) + 2 : len;
	mlen = (size_t)(sp - buf);
	first = eol + 2;
	while (eol > buf && (eol[-1] == ' ' || eol[-1] == '\t'))
		eol--;
	if (eol - buf < 9 || memcmp(eol - 8, " SIP/2.0", 8) != 0 ||
	    (mlen == 3 && memcmp(buf, "ACK", 3) == 0))
		return;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (mlen == strlen(methods[i]) &&
		    memcmp(buf, methods[i], mlen) == 0)
			code = 400;
	if ((out = malloc(hlen + 256)) == NULL) {
		sip->st.tx_failed++;
		return;
	}
	n = (size_t)snprintf(out, 256, "SIP/2.0 %d %s\r\n", code,
			     code == 400 ? "Bad Request" : "Not Implemented");
	/* each header runs to a CRLF that no SP or HT follows (folding) */
	for (const char *p = first, *q; p < buf + hlen; p = q + 2) {
		q = p;
		while ((q = memmem(q, (size_t)(buf + hlen - q), "\r\n", 2)) !=
			       NULL &&
		       q + 2 < buf + hlen && (q[2] == ' ' || q[2] == '\t'))
			q += 2;
		if (q == NULL)
			q = buf + hlen;
		lone = has_lone_cr_lf(p, (size_t)(q - p));
		if (hdr_is(p, (size_t)(q - p), "Via", 'v')) {
			if (lone) { /* where would the answer go? */
				free(out);
				return;
			}
			memcpy(out + n, p, (size_t)(q - p));
			n += (size_t)(q - p);
			memcpy(out + n, "\r\n", 2);
			n += 2;
			vias++;
			continue;
		}
		for (int k = 0; k < 4 && !lone; k++)
			if (one[k] == NULL &&
			    hdr_is(p, (size_t)(q - p),
				   (const char *const[]){
					   "From", "To", "Call-ID", "CSeq" }[k],
				   "fti\0"[k])) {
				one[k] = p;
				one_len[k] = (size_t)(q - p);
			}
	}
	if (vias == 0 || one[0] == NULL || one[1] == NULL || one[2] == NULL ||
	    one[3] == NULL) {
		free(out);
		return;
	}
	if (limit_verdict(sip, from) != CP_RATELIMIT_PASS) {
		sip->st.ratelimit_drop++; /* bad and over the rate: silence */
		free(out);
		return;
	}
	random_hex(tag, TAG_HEX);
	for (int k = 0; k < 4; k++) {
		memcpy(out + n, one[k], one_len[k]);
		n += one_len[k];
		if (k == 1 && !has_tag(one[k], one_len[k]))
			n += (size_t)sprintf(out + n, ";tag=%s", tag);
		memcpy(out + n, "\r\n", 2);
		n += 2;
	}
	n += (size_t)snprintf(out + n, hlen + 256 - n,
			      "%s%s%sServer: tutti-cp\r\n"
			      "Content-Length: 0\r\n\r\n",
			      code == 501 ? "Allow: " : "",
			      code == 501 ? sip->allow : "",
			      code == 501 ? "\r\n" : "");
	if (cp_sip_transport_send(sip->tp, from, out, n) < 0)
		sip->st.tx_failed++;
	else if (code == 400)
		sip->st.tx_4xx++;
	else
		sip->st.tx_5xx++;
	free(out);
}

static void
on_rx(void *ctx, const struct cp_sip_peer *from, const char *buf, size_t len)
{
	struct cp_sip *sip = ctx;
	osip_event_t *evt = osip_parse(buf, len);
	osip_transaction_t *tr;
	osip_message_t *m;
	struct txn *t;
	uint32_t n_tr;
	int code;

	sip->ev_queued = true; /* whatever it becomes, it is an event */

	if (evt == NULL || evt->sip == NULL) {
		sip->st.parse_bad++;
		if (evt != NULL)
			osip_event_free(evt);
		reply_unparsed(sip, from, buf, len);
		return;
	}
	m = evt->sip;
	if (MSG_IS_RESPONSE(m)) {
		sip->st.rx_responses++;
		/* RFC 4475 §3.1.2.19: a code past 699 (libosip2 wraps it) */
		if (m->status_code < 100 || m->status_code > 699 ||
		    tags_bad(m) ||
		    (from->proto == CP_SIP_UDP &&
		     body_truncated(buf, len, m))) {
			sip->st.parse_bad++; /* S-09: dropped */
			osip_event_free(evt);
			return;
		}
		if (osip_find_transaction_and_add_event(sip->osip, evt) != 0) {
			if (reack(sip, m))
				sip->st.rx_retransmissions++;
			else
				sip->st.drop_stray++;
			osip_event_free(evt);
		}
		return;
	}
	sip->st.rx_requests++;
	if (osip_list_get(&m->vias, 0) == NULL) {
		sip->st.drop_no_via++; /* S-01: nowhere to answer */
		osip_event_free(evt);
		return;
	}
	fix_via(m, from);
	code = validate(m);
	if (code == 0 && from->proto == CP_SIP_UDP &&
	    body_truncated(buf, len, m))
		code = 400;
	if (code != 0) {
		sip->st.parse_bad++;
		if (!MSG_IS_ACK(m) && !rate_limited(sip, from, m))
			reply_stateless(sip, from, m, code);
		osip_event_free(evt);
		return;
	}
	if (MSG_IS_ACK(m)) {
		handle_ack(sip, evt);
		return;
	}
	if (add_to_server_txn(sip, evt)) {
		sip->st.rx_retransmissions++;
		return;
	}
	if (MSG_IS_INVITE(m) && absorb_invite(sip, m)) {
		sip->st.rx_retransmissions++;
		osip_event_free(evt);
		return;
	}
	if (is_loop(sip, m)) {
		sip->st.loops++;
		reply_stateless(sip, from, m, 482);
		osip_event_free(evt);
		return;
	}
	if (rate_limited(sip, from, m)) {
		osip_event_free(evt);
		return;
	}
	/*
	 * S-10: memory stays bounded. Most live transactions only wait out
	 * Timer J/I (32 s), so the cap turns new work away, not the requests
	 * that end calls or continue them (a To-tag, CANCEL): those may use
	 * a second cap's worth, so a busy focus still hangs up.
	 */
	n_tr = (uint32_t)(osip_list_size(&sip->osip->osip_ist_transactions) +
			  osip_list_size(&sip->osip->osip_nist_transactions));
	if (n_tr >= 2 * sip->conf.max_transactions ||
	    (n_tr >= sip->conf.max_transactions && tag_of(m->to) == NULL &&
	     !MSG_IS_CANCEL(m))) {
		sip->st.overload++;
		reply_stateless(sip, from, m, 503);
		osip_event_free(evt);
		return;
	}
	t = calloc(1, sizeof(*t));
	tr = t != NULL ? osip_create_transaction(sip->osip, evt) : NULL;
	if (tr == NULL) {
		sip->st.parse_bad++;
		free(t);
		osip_event_free(evt);
		return;
	}
	t->sip = sip;
	t->peer = *from;
	osip_transaction_set_reserved1(tr, t);
	srv_add(sip, t, tr);
	osip_transaction_add_event(tr, evt);
	mark_dirty(sip, tr);
}

/* Whether ct (NULL: none) says application/sdp. */
static bool
is_sdp(const osip_content_type_t *ct)
{
	return ct != NULL && ct->type != NULL && ct->subtype != NULL &&
	       strcasecmp(ct->type, "application") == 0 &&
	       strcasecmp(ct->subtype, "sdp") == 0;
}

/*
 * An INVITE's body must be SDP (S-06: else 415) and an Accept header must
 * allow SDP, the type of our answer (RFC 4475 §3.3.15: else 406).
 */
static int
check_invite_body(const osip_message_t *m)
{
	const osip_content_type_t *ct = m->content_type;
	bool sdp_ok = osip_list_size(&m->accepts) == 0;

	if (osip_list_size(&m->bodies) > 0 && ct != NULL && !is_sdp(ct))
		return 415;
	for (int i = 0; i < osip_list_size(&m->accepts); i++) {
		const osip_accept_t *a = osip_list_get(&m->accepts, i);

		if (a != NULL && a->type != NULL && a->subtype != NULL &&
		    (strcmp(a->type, "*") == 0 ||
		     strcasecmp(a->type, "application") == 0) &&
		    (strcmp(a->subtype, "*") == 0 ||
		     strcasecmp(a->subtype, "sdp") == 0))
			sdp_ok = true;
	}
	return sdp_ok ? 0 : 406;
}

/*
 * The option tags of Require value v (of an INVITE if invite) we do not
 * support, onto list. 100rel in an INVITE is taken: the focus sends no
 * provisional but 100, so none needs to be reliable (RFC 3262 §3).
 */
static void
add_unsupported(const struct cp_sip *sip, char *list, size_t len,
		const char *v, bool invite)
{
	const char *p = v, *t;
	size_t k;

	while ((t = cp_stimer_next_token(&p, CP_LIST_COMMA, &k)) != NULL)
		if (!(sip->supported[0] != '\0' && k == 5 &&
		      strncasecmp(t, "timer", 5) == 0) &&
		    !(invite && k == 6 && strncasecmp(t, "100rel", 6) == 0))
			snprintf(list + strlen(list), len - strlen(list),
				 "%s%.*s", list[0] != '\0' ? ", " : "", (int)k,
				 t);
}

/* A URI as a malloc'ed string ("" for none); NULL only without memory. */
static char *
uri_dup(osip_uri_t *u)
{
	char *s = NULL, *copy;

	if (u != NULL)
		osip_uri_to_str(u, &s);
	copy = strdup(s != NULL ? s : "");
	osip_free(s);
	return copy;
}

/* The URI of header value v in From's grammar (a name-addr or an
 * addr-spec, with parameters: Referred-By, RFC 3892 3), malloc'ed; NULL
 * if v is NULL, does not parse, has no URI, or without memory. */
static char *
name_addr_uri(const char *v)
{
	osip_from_t *na = NULL;
	char *s = NULL;

	if (v == NULL || osip_from_init(&na) != 0)
		return NULL;
	if (osip_from_parse(na, v) == 0 && na->url != NULL &&
	    na->url->scheme != NULL && (s = uri_dup(na->url)) != NULL &&
	    s[0] == '\0') {
		free(s);
		s = NULL;
	}
	osip_from_free(na);
	return s;
}

/*
 * What m's P-Asserted-Identity asserts (RFC 3325 9.1), if m came from the
 * trust domain (peer: from one of cp_sip_conf.trust's networks, or over
 * TLS from a certificate of one of cp_sip_tls_conf.trust_names'): its
 * sip: or sips: URI, else its
 * tel: URI, malloc'ed into *uri; NULL when there is none or peer is not
 * trusted (*ignored: a header was there). Returns 0, or -EINVAL (a value
 * that does not parse, of another scheme, or two of one kind) or -ENOMEM.
 */
static int
asserted_identity(const struct cp_sip *sip, const struct cp_sip_peer *peer,
		  osip_message_t *m, char **uri, bool *ignored)
{
	char *sip_uri = NULL, *tel_uri = NULL;
	osip_header_t *h = NULL;
	int rc = 0;

	*uri = NULL;
	*ignored = false;
	if (osip_message_header_get_byname(m, "p-asserted-identity", 0, &h) <
	    0)
		return 0;
	if (!peer_trusted(sip, peer)) {
		*ignored = true;
		return 0;
	}
	/* libosip2 keeps each value of a list as a header of its own */
	for (int pos = 0; rc == 0 &&
	     (pos = osip_message_header_get_byname(m, "p-asserted-identity",
						   pos, &h)) >= 0; pos++) {
		char *u = h != NULL ? name_addr_uri(h->hvalue) : NULL, **kind;

		if (u == NULL) {
			rc = -EINVAL;
			break;
		}
		if (strncasecmp(u, "sip:", 4) == 0 ||
		    strncasecmp(u, "sips:", 5) == 0)
			kind = &sip_uri;
		else if (strncasecmp(u, "tel:", 4) == 0)
			kind = &tel_uri;
		else
			kind = NULL;
		if (kind == NULL || *kind != NULL) {
			rc = -EINVAL; /* another scheme, or a second */
			free(u);
		} else {
			*kind = u;
		}
	}
	if (rc == 0 && sip_uri == NULL && tel_uri == NULL)
		rc = -EINVAL; /* a header with no value */
	if (rc == 0) {
		*uri = sip_uri != NULL ? sip_uri : tel_uri;
		if (sip_uri != NULL)
			free(tel_uri);
		return 0;
	}
	free(sip_uri);
	free(tel_uri);
	return rc;
}

/* Checks common to every new request (S-03, S-04, S-05, S-11). */
static int
precheck(struct cp_sip *sip, osip_transaction_t *tr, osip_message_t *m)
{
	const struct txn *t = osip_transaction_get_reserved1(tr);
	static const char *const known[] = {
		"REGISTER", "SUBSCRIBE", "NOTIFY",  "REFER",   "INFO",
		"UPDATE",   "PRACK",	 "MESSAGE", "PUBLISH",
	};
	osip_header_t *h = NULL;
	char unsup[256];
	int code;
	bool supported = MSG_IS_INVITE(m) || MSG_IS_OPTIONS(m) ||
			 MSG_IS_BYE(m) || MSG_IS_CANCEL(m) || MSG_IS_UPDATE(m) ||
			 (MSG_IS_REFER(m) && sip->app.on_refer != NULL) ||
			 (MSG_IS_SUBSCRIBE(m) && sip->app.on_subscribe != NULL);

	if (!supported) {
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(m->sip_method, known[i]) == 0) {
				reply_code(sip, tr, 405, WITH_ALLOW, NULL,
					   NULL);
				return 405;
			}
		reply_code(sip, tr, 501, WITH_ALLOW, NULL, NULL);
		return 501;
	}
	/* S-05: sip: and sips: only (RFC 4475 §3.3.2) */
	if (m->req_uri->scheme == NULL ||
	    (strcasecmp(m->req_uri->scheme, "sip") != 0 &&
	     strcasecmp(m->req_uri->scheme, "sips") != 0)) {
		reply_code(sip, tr, 416, 0, NULL, NULL);
		return 416;
	}
	/*
	 * A sips: Request-URI asks TLS on every hop (RFC 3261 26.2.2, RFC
	 * 5630); one that reached us in clear did not have it on the last:
	 * refused, not taken as sip: (CANCEL too: its INVITE was).
	 */
	if (is_sips(m->req_uri) && t->peer.proto != CP_SIP_TLS) {
		sip->st.sips_in_clear++;
		LOG_DEBUG("sip: %s to a sips: Request-URI over %s: 416",
			  m->sip_method, cp_sip_proto_name(t->peer.proto));
		reply_code(sip, tr, 416, 0, "Warning",
			   "399 tutti \"a sips: Request-URI needs TLS\"");
		return 416;
	}
	if (MSG_IS_CANCEL(m))
		return 0;
	/*
	 * "timer" is the one option tag supported (with session timers on),
	 * and 100rel in an INVITE (add_unsupported()): any other in a
	 * Require gets 420, listing every such tag of every Require header
	 * (RFC 4475 §3.3.5).
	 */
	unsup[0] = '\0';
	for (int pos = 0;
	     (pos = osip_message_header_get_byname(m, "require", pos, &h)) >= 0;
	     pos++)
		if (h != NULL && h->hvalue != NULL)
			add_unsupported(sip, unsup, sizeof(unsup), h->hvalue,
					MSG_IS_INVITE(m));
	if (unsup[0] != '\0') {
		reply_code(sip, tr, 420, 0, "Unsupported", unsup);
		return 420;
	}
	if (MSG_IS_INVITE(m) && (code = check_invite_body(m)) != 0) {
		reply_code(sip, tr, code, 0, "Accept", SIP_ACCEPT);
		return code;
	}
	if (MSG_IS_INVITE(m) || MSG_IS_REFER(m) || MSG_IS_SUBSCRIBE(m)) {
		char *pai;
		bool ignored;

		code = asserted_identity(sip, &t->peer, m, &pai, &ignored);
		free(pai);
		if (code == -EINVAL) {
			sip->st.parse_bad++;
			reply_code(sip, tr, 400, 0, "Warning",
				   "399 tutti \"bad P-Asserted-Identity: one "
				   "sip: or sips: URI and one tel: URI at "
				   "most (RFC 3325 9.1)\"");
			return 400;
		}
		if (code != 0) {
			reply_code(sip, tr, 500, 0, NULL, NULL);
			return 500;
		}
	}
	h = NULL;
	if (sip->conf.reject_max_forwards_0 &&
	    osip_message_header_get_byname(m, "max-forwards", 0, &h) >= 0 &&
	    h != NULL && h->hvalue != NULL &&
	    strtol(h->hvalue, NULL, 10) == 0) {
		reply_code(sip, tr, 483, 0, NULL, NULL);
		return 483;
	}
	return 0;
}

/*
 * A request inside dialog d (S-17): its CSeq must be above the last one
 * (else 500); a target refresh (re-INVITE) takes the new Contact as the
 * remote target. Returns 0 or the status to answer.
 */
static int
dialog_request(struct cp_sip *sip, struct cp_sip_dialog *d, osip_message_t *m)
{
	unsigned long n = strtoul(m->cseq->number, NULL, 10);
	osip_contact_t *c = NULL, *copy = NULL;

	if ((long long)n <= (long long)d->od->remote_cseq)
		return 500;
	if (MSG_IS_INVITE(m)) {
		/* §14.2: one INVITE at a time in a dialog */
		for (struct cp_sip_req *r = sip->reqs; r; r = r->next)
			if (r->dialog == d && !r->final_sent)
				return 500;
		if (d->resp_2xx != NULL)
			return 500; /* the last 2xx is not ACKed yet */
		if (d->se_tx != NULL && d->se_reinvite)
			return 491; /* ours is out (§14.2): try later */
	}
	d->od->remote_cseq = (int)n;
	if ((MSG_IS_INVITE(m) || MSG_IS_SUBSCRIBE(m) || MSG_IS_UPDATE(m)) &&
	    osip_message_get_contact(m, 0, &c) >= 0 && c != NULL &&
	    c->url != NULL && osip_contact_clone(c, &copy) == 0) {
		osip_contact_free(d->od->remote_contact_uri);
		d->od->remote_contact_uri = copy;
	}
	return 0;
}

static void
req_free(struct cp_sip *sip, struct cp_sip_req *r)
{
	struct cp_sip_req **pp;

	for (pp = &sip->reqs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	free(r->uri);
	free(r->call_id);
	free(r->body);
	free(r->from);
	free(r->to);
	free(r->asserted);
	osip_free(r->authorization);
	free(r);
}

/*
 * Does m's sender ask that its identity be kept from others? A Privacy
 * header (RFC 3323 §4.2) with id, user or header (none, session and
 * critical alone do not hide who it is), or an anonymous From (§4.1.1.3:
 * the host anonymous.invalid, or the display name Anonymous).
 */
static bool
wants_privacy(const osip_message_t *m)
{
	const char *dn = m->from->displayname;
	osip_header_t *h = NULL;
	int pos = 0;

	while ((pos = osip_message_header_get_byname(m, "privacy", pos, &h)) >=
	       0) {
		const char *p = h != NULL ? h->hvalue : NULL, *t;
		size_t k;

		while (p != NULL &&
		       (t = cp_stimer_next_token(&p, CP_LIST_SEMI, &k)) != NULL)
			if ((k == 2 && strncasecmp(t, "id", 2) == 0) ||
			    (k == 4 && strncasecmp(t, "user", 4) == 0) ||
			    (k == 6 && strncasecmp(t, "header", 6) == 0))
				return true;
		pos++;
	}
	if (m->from->url != NULL && m->from->url->host != NULL &&
	    strcasecmp(m->from->url->host, "anonymous.invalid") == 0)
		return true;
	if (dn == NULL)
		return false;
	if (dn[0] == '"')
		return strncasecmp(dn, "\"anonymous\"", 11) == 0 &&
		       dn[11] == '\0';
	return strcasecmp(dn, "anonymous") == 0;
}

static struct cp_sip_req *
req_new(struct cp_sip *sip, osip_transaction_t *tr, osip_message_t *m)
{
	struct cp_sip_req *r = calloc(1, sizeof(*r));
	osip_body_t *b = NULL;

	if (r == NULL)
		return NULL;
	r->sip = sip;
	r->tr = tr;
	r->next = sip->reqs;
	sip->reqs = r;
	r->uri = uri_dup(m->req_uri);
	r->from = uri_dup(m->from->url);
	r->to = uri_dup(m->to->url);
	r->call_id = call_id_dup(m);
	r->invite = MSG_IS_INVITE(m);
	r->cseq = (uint32_t)strtoul(m->cseq->number, NULL, 10);
	osip_message_get_body(m, 0, &b);
	r->body = strdup(b != NULL && b->body != NULL ? b->body : "");
	{
		osip_authorization_t *a = NULL;

		if (osip_message_get_authorization(m, 0, &a) >= 0 && a != NULL)
			osip_authorization_to_str(a, &r->authorization);
	}
	r->privacy = wants_privacy(m);
	{
		const struct txn *t = osip_transaction_get_reserved1(tr);
		bool ignored;

		if (asserted_identity(sip, &t->peer, m, &r->asserted,
				      &ignored) == 0 &&
		    r->asserted != NULL)
			sip->st.asserted++;
		else if (ignored)
			sip->st.asserted_ignored++;
	}
	random_hex(r->to_tag, TAG_HEX);
	if (r->uri == NULL || r->from == NULL || r->to == NULL ||
	    r->call_id == NULL || r->body == NULL) {
		req_free(sip, r);
		return NULL;
	}
	return r;
}

static void
on_ist_invite(int type, osip_transaction_t *tr, osip_message_t *m)
{
	struct txn *t = osip_transaction_get_reserved1(tr);
	struct cp_sip *sip = t->sip;
	struct cp_sip_dialog *d = NULL;
	struct cp_stimer_answer se;
	struct cp_sip_req *r;
	bool update;
	int code;

	(void)type;
	if (precheck(sip, tr, m) != 0)
		return;
	if (tag_of(m->to) != NULL) {
		d = find_dialog(sip, m);
		if (d == NULL) {
			reply_code(sip, tr, 481, 0, NULL, NULL);
			return;
		}
		if ((code = dialog_request(sip, d, m)) == 491) {
			reply_code(sip, tr, 491, 0, NULL, NULL);
			return;
		}
		if (code != 0) {
			reply_code(sip, tr, 500, 0, "Retry-After", "1");
			return;
		}
	} else if (osip_list_size(&m->contacts) != 0 && !one_contact_uri(m)) {
		/* "*" or two cannot be the dialog's target; none at all is
		 * let be, as before (our BYE then cannot be built) */
		reply_code(sip, tr, 400, 0, "Warning",
			   "399 tutti \"one Contact needed\"");
		return;
	}
	if (stimer_check(sip, tr, m, &se, &update) != 0)
		return;
	if ((r = req_new(sip, tr, m)) == NULL) {
		reply_code(sip, tr, 500, 0, NULL, NULL);
		return;
	}
	t->req = r;
	r->dialog = d;
	r->se = se;
	r->se_update = update;
	reply_txn(tr, build_response(sip, m, 100, NULL, 0));
	if (sip->app.on_invite != NULL)
		sip->app.on_invite(sip->app.ctx, r, d);
	else
		cp_sip_reply(sip, r, 480, NULL, NULL);
}

static void
handle_cancel(struct cp_sip *sip, osip_transaction_t *tr, osip_message_t *m)
{
	const char *br = branch_of(osip_list_get(&m->vias, 0));
	struct cp_sip_req *r;

	for (r = sip->reqs; r != NULL; r = r->next)
		if (str_eq(branch_of(r->tr->topvia), br) &&
		    call_id_is(r->call_id, m->call_id))
			break;
	if (r == NULL) {
		reply_code(sip, tr, 481, 0, NULL, NULL);
		return;
	}
	reply_txn(tr, build_response(sip, m, 200, r->to_tag, 0));
	if (r->final_sent)
		return; /* S-23: a CANCEL after the final changes nothing */
	cp_sip_reply(sip, r, 487, NULL, NULL);
	if (sip->app.on_cancel != NULL)
		sip->app.on_cancel(sip->app.ctx, r);
}

static void
on_nist_request(int type, osip_transaction_t *tr, osip_message_t *m)
{
	struct txn *t = osip_transaction_get_reserved1(tr);
	struct cp_sip *sip = t->sip;
	struct cp_sip_dialog *d;

	(void)type;
	if (precheck(sip, tr, m) != 0)
		return;
	if (MSG_IS_CANCEL(m)) {
		handle_cancel(sip, tr, m);
	} else if (MSG_IS_OPTIONS(m)) {
		char contact[512];
		const char *user = m->req_uri != NULL ? m->req_uri->username :
							NULL;

		if (user != NULL && user[0] != '\0' &&
		    sip->app.serves_user != NULL &&
		    !sip->app.serves_user(sip->app.ctx, user)) {
			reply_code(sip, tr, 404, 0, NULL, NULL);
			return;
		}
		reply_code(sip, tr, 200, WITH_CAPS, "Contact",
			   contact_of(sip, t->peer.proto,
				      is_sips(m->req_uri) &&
					      t->peer.proto == CP_SIP_TLS,
				      contact, sizeof(contact)));
	} else if (MSG_IS_BYE(m)) {
		d = find_dialog(sip, m);
		if (d == NULL || d->sub_only) { /* no INVITE usage there */
			reply_code(sip, tr, 481, 0, NULL, NULL);
			return;
		}
		if (dialog_request(sip, d, m) != 0) {
			reply_code(sip, tr, 500, 0, NULL, NULL);
			return;
		}
		reply_txn(tr, build_response(sip, m, 200, NULL, 0));
		reason_of(m, d->end_reason, sizeof(d->end_reason));
		if (!d->bye_sent) /* else our BYE's end finishes it */
			dialog_end(sip, d, CP_SIP_END_BYE_RECEIVED);
	} else if (MSG_IS_UPDATE(m)) {
		handle_update(sip, tr, m);
	} else if (MSG_IS_REFER(m)) {
		handle_refer(sip, tr, m, t);
	} else if (MSG_IS_SUBSCRIBE(m)) {
		handle_subscribe(sip, tr, m, t);
	}
}

/* Our BYE got its final response or timed out: the dialog is over. */
static void
bye_done(struct txn *t)
{
	struct cp_sip_dialog *d = t->dlg;

	if (d == NULL)
		return;
	t->dlg = NULL;
	dialog_end(t->sip, d,
		   d->no_ack	   ? CP_SIP_END_NO_ACK
		   : d->se_expired ? CP_SIP_END_SESSION_EXPIRED
				   : CP_SIP_END_BYE_SENT);
}

static void
on_nict_final(int type, osip_transaction_t *tr, osip_message_t *m)
{
	struct txn *t = osip_transaction_get_reserved1(tr);
	int code;

	if (t == NULL)
		return;
	code = type == OSIP_NICT_STATUS_TIMEOUT || m == NULL ||
			       !MSG_IS_RESPONSE(m)
		       ? 408
		       : m->status_code;
	if (code == 401 || code == 407) {
		dialog_auth(t->sip, t, tr, m);
		prack_auth(t->sip, t, tr, m);
	}
	bye_done(t);
	notify_done(t, code);
	ping_done(t, code, code == 408 ? 0 : retry_after_of(m));
	stimer_refresh_done(t, code, code == 408 ? NULL : m);
	reg_done(t, tr, code, code == 408 ? NULL : m);
}

static void
on_kill(int type, osip_transaction_t *tr)
{
	struct txn *t = osip_transaction_get_reserved1(tr);

	(void)type;
	osip_remove_transaction(t != NULL ? t->sip->osip : tr->config, tr);
	if (t == NULL)
		return;
	t->killed = true;
	osip_list_add(&t->sip->garbage, tr, -1);
}

/* Free killed transactions, outside libosip2's execute loops. */
static void
collect(struct cp_sip *sip)
{
	osip_transaction_t *tr;

	while ((tr = osip_list_get(&sip->garbage, 0)) != NULL) {
		struct txn *t = osip_transaction_get_reserved1(tr);

		osip_list_remove(&sip->garbage, 0);
		srv_del(sip, t);
		for (size_t i = 0; i < sip->n_dirty; i++)
			if (sip->dirty[i] == tr)
				sip->dirty[i] = NULL;
		if (t->req != NULL)
			req_free(sip, t->req);
		bye_done(t); /* if no final response ended it first */
		notify_done(t, 408);
		ping_done(t, 408, 0);
		stimer_refresh_done(t, 408, NULL);
		reg_done(t, tr, 503, NULL); /* its connection failed */
		call_fail(t, 503, "its connection failed", 0);
		free(t);
		osip_transaction_free2(tr);
	}
}

static void
on_transport_error(int type, osip_transaction_t *tr, int error)
{
	(void)type;
	(void)tr;
	LOG_DEBUG("sip: transport error %d", error);
}

/*
 * libosip2 walks every transaction of a list on each *_execute() call, and
 * thousands live at load (each waits out Timer J/I, 32 s): so its timers
 * are looked at every TIMER_TICK_MS (the RFC 3261 timers are 500 ms and
 * up), and its state machines only run when an event was queued.
 */
#define TIMER_TICK_MS 10

static void
run_machines(struct cp_sip *sip)
{
	uint64_t now = now_ms();

	if (now >= sip->timers_due) {
		sip->timers_due = now + TIMER_TICK_MS;
		osip_timers_ict_execute(sip->osip);
		osip_timers_ist_execute(sip->osip);
		osip_timers_nict_execute(sip->osip);
		osip_timers_nist_execute(sip->osip);
		sip->ev_queued = true;
		sip->walk_all = true; /* which ones timed out: all are seen */
	}
	/* events added while they run (answers from callbacks) run next */
	while (sip->ev_queued || sip->n_dirty > 0 || sip->walk_all) {
		bool all = sip->walk_all;

		sip->ev_queued = false;
		sip->walk_all = false;
		if (all) {
			osip_ist_execute(sip->osip);
			osip_nist_execute(sip->osip); /* 2xx to SUBSCRIBE first */
		}
		/* server transactions with events: each alone (the list
		 * grows while they run; collect() clears freed ones) */
		for (size_t i = 0; i < sip->n_dirty; i++) {
			osip_transaction_t *tr = sip->dirty[i];
			osip_event_t *e;

			while (tr != NULL && (e = osip_fifo_tryget(
						      tr->transactionff)) != NULL)
				osip_transaction_execute(tr, e);
		}
		sip->n_dirty = 0;
		osip_ict_execute(sip->osip); /* clients: few */
		osip_nict_execute(sip->osip);
	}
	collect(sip);
}

/* libosip2 traces to stdout by default: route them to our debug log. */
static void __attribute__((format(printf, 4, 0)))
osip_trace_cb(const char *fi, int li, osip_trace_level_t level, const char *fmt,
	      va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\r\n")] = '\0';
	LOG_DEBUG("sip: libosip2 %s:%d level %d: %s", fi, li, (int)level, line);
}

static void
set_callbacks(osip_t *o)
{
	static const int nist[] = {
		OSIP_NIST_REGISTER_RECEIVED,
		OSIP_NIST_BYE_RECEIVED,
		OSIP_NIST_OPTIONS_RECEIVED,
		OSIP_NIST_INFO_RECEIVED,
		OSIP_NIST_CANCEL_RECEIVED,
		OSIP_NIST_NOTIFY_RECEIVED,
		OSIP_NIST_SUBSCRIBE_RECEIVED,
		OSIP_NIST_UNKNOWN_REQUEST_RECEIVED,
	};

	static const int nict_final[] = {
		OSIP_NICT_STATUS_2XX_RECEIVED, OSIP_NICT_STATUS_3XX_RECEIVED,
		OSIP_NICT_STATUS_4XX_RECEIVED, OSIP_NICT_STATUS_5XX_RECEIVED,
		OSIP_NICT_STATUS_6XX_RECEIVED, OSIP_NICT_STATUS_TIMEOUT,
	};

	static const int ict_fail[] = {
		OSIP_ICT_STATUS_3XX_RECEIVED, OSIP_ICT_STATUS_4XX_RECEIVED,
		OSIP_ICT_STATUS_5XX_RECEIVED, OSIP_ICT_STATUS_6XX_RECEIVED,
		OSIP_ICT_STATUS_TIMEOUT,
	};

	osip_set_cb_send_message(o, osip_send_cb);
	osip_set_message_callback(o, OSIP_IST_INVITE_RECEIVED, on_ist_invite);
	osip_set_message_callback(o, OSIP_ICT_STATUS_1XX_RECEIVED, on_ict_1xx);
	osip_set_message_callback(o, OSIP_ICT_STATUS_2XX_RECEIVED, on_ict_2xx);
	for (size_t i = 0; i < sizeof(ict_fail) / sizeof(ict_fail[0]); i++)
		osip_set_message_callback(o, ict_fail[i], on_ict_fail);
	for (size_t i = 0; i < sizeof(nict_final) / sizeof(nict_final[0]); i++)
		osip_set_message_callback(o, nict_final[i], on_nict_final);
	for (size_t i = 0; i < sizeof(nist) / sizeof(nist[0]); i++)
		osip_set_message_callback(o, nist[i], on_nist_request);
	for (int k = 0; k < OSIP_KILL_CALLBACK_COUNT; k++)
		osip_set_kill_transaction_callback(o, k, on_kill);
	for (int k = 0; k < OSIP_TRANSPORT_ERROR_CALLBACK_COUNT; k++)
		osip_set_transport_error_callback(o, k, on_transport_error);
}

/* 0.0.0.0 or ::: fine to bind, useless in a Via or a Contact. */
static bool
is_wildcard(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return a4.s_addr == htonl(INADDR_ANY);
	return inet_pton(AF_INET6, addr, &a6) == 1 &&
	       memcmp(&a6, &in6addr_any, sizeof(a6)) == 0;
}

/* conf's registrations (register_aor) in sip->regs, each due at once.
 * 0 or -errno (reg_init()). */
static int
regs_open(struct cp_sip *sip, const struct cp_sip_conf *conf)
{
	unsigned n = 0;
	int rc;

	while (n < CP_SIP_MAX_REGS && conf->register_aor[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if ((sip->regs = calloc(n, sizeof(*sip->regs))) == NULL)
		return -ENOMEM;
	if (sip->conf.register_expires_s == 0)
		sip->conf.register_expires_s = CP_SIP_REG_EXPIRES_S;
	for (unsigned k = 0; k < n; k++)
		if ((rc = reg_init(sip, &sip->regs[k],
				   conf->register_aor[k])) < 0) {
			free(sip->regs);
			sip->regs = NULL;
			return rc;
		}
	sip->n_regs = n;
	return 0;
}

int
cp_sip_open(struct cp_sip **out, const struct cp_sip_conf *conf,
	    const struct cp_sip_app *app)
{
	struct cp_sip_transport_conf tc;
	struct cp_sip *sip;
	unsigned n_px = 0;
	int rc;

	if (out == NULL || conf == NULL || conf->addr == NULL ||
	    strlen(conf->addr) > 45 || is_wildcard(conf->addr) ||
	    (conf->contact_params != NULL &&
	     strlen(conf->contact_params) >= sizeof(sip->contact_params)) ||
	    conf->n_trust > CP_TRUST_NETS_MAX ||
	    (conf->n_trust > 0 && conf->trust == NULL))
		return -EINVAL;
	while (n_px < CP_SIP_MAX_PROXIES && conf->outbound_proxy[n_px] != NULL) {
		const char *uri = conf->outbound_proxy[n_px++];

		if (!proxy_parse(NULL, uri, conf->addr, NULL))
			return -EINVAL;
		if (conf->tls == NULL && cp_sip_proxy_is_tls(uri))
			return -EPROTONOSUPPORT;
	}
	if ((sip = calloc(1, sizeof(*sip))) == NULL)
		return -ENOMEM;
	/* NULL (no memory) just means libosip2's own lookups */
	sip->srv = calloc(SRV_BUCKETS, sizeof(*sip->srv));
	if ((sip->dlg_idx = calloc(DLG_BUCKETS, sizeof(*sip->dlg_idx))) ==
	    NULL) {
		free(sip->srv);
		free(sip);
		return -ENOMEM;
	}
	sip->conf = *conf;
	sip->conf.addr = NULL; /* borrowed: the copy in host is used */
	sip->conf.contact_params = NULL;
	memset(sip->conf.outbound_proxy, 0, sizeof(sip->conf.outbound_proxy));
	memset(sip->conf.register_aor, 0, sizeof(sip->conf.register_aor));
	sip->conf.dns_servers = NULL;
	sip->conf.trust = NULL; /* copied: */
	sip->n_trust = conf->n_trust;
	if (sip->n_trust > 0)
		memcpy(sip->trust, conf->trust,
		       sip->n_trust * sizeof(*sip->trust));
	if (sip->conf.dns_min_ttl_ms == 0)
		sip->conf.dns_min_ttl_ms = CP_SIP_DNS_MIN_TTL_MS;
	sip->n_pnames = n_px;
	for (unsigned k = 0; k < n_px; k++) {
		struct proxy_name *pn = &sip->pnames[k];
		struct cp_dns_target t;

		proxy_parse(pn, conf->outbound_proxy[k], conf->addr, &t);
		pn->sip = sip;
		if (!pn->dns)
			proxy_name_set(sip, k, &t, 1);
	}
	if (sip->conf.proxy_timeout_ms == 0)
		sip->conf.proxy_timeout_ms = PROXY_TIMEOUT_MS;
	if (conf->contact_params != NULL)
		strcpy(sip->contact_params, conf->contact_params);
	if (sip->conf.max_transactions == 0)
		sip->conf.max_transactions = 4096;
	if (sip->conf.t1_ms == 0)
		sip->conf.t1_ms = 500;
	if (sip->conf.t2_ms == 0)
		sip->conf.t2_ms = 4000;
	if (sip->conf.udp_limit_bytes == 0)
		sip->conf.udp_limit_bytes = 1300;
	if (sip->conf.min_se_s == 0)
		sip->conf.min_se_s = CP_STIMER_FLOOR_S;
	sip->stc.session_expires_s = sip->conf.session_expires_s;
	sip->stc.min_se_s = sip->conf.min_se_s;
	snprintf(sip->supported, sizeof(sip->supported), "%s",
		 sip->conf.session_expires_s != 0 ? "timer" : "");
	sip->se_due = UINT64_MAX;
	if (app != NULL)
		sip->app = *app;
	snprintf(sip->allow, sizeof(sip->allow), "%s%s%s", SIP_ALLOW,
		 sip->app.on_refer != NULL ? ", REFER" : "",
		 sip->app.on_subscribe != NULL ? ", SUBSCRIBE" : "");
	snprintf(sip->events, sizeof(sip->events), "%s%s%s",
		 sip->app.on_subscribe != NULL ? "conference" : "",
		 sip->app.on_subscribe != NULL && sip->app.on_refer != NULL
			 ? ", "
			 : "",
		 sip->app.on_refer != NULL ? "refer" : "");
	snprintf(sip->host, sizeof(sip->host),
		 strchr(conf->addr, ':') ? "[%s]" : "%s", conf->addr);
	osip_list_init(&sip->garbage);
	if (conf->rate_limit_per_s != 0 &&
	    (rc = cp_ratelimit_new(&sip->rl,
				   &(struct cp_ratelimit_conf){
					   .rate_per_s = conf->rate_limit_per_s,
					   .burst = conf->rate_burst })) < 0)
		goto out_free;
	tc = (struct cp_sip_transport_conf){
		.addr = conf->addr,
		.port = conf->port,
		.max_msg_bytes = conf->max_msg_bytes,
		.max_conns = conf->max_conns,
		.idle_ms = conf->conn_idle_ms,
		.max_conns_per_addr = conf->max_conns_per_addr,
		.first_msg_ms = conf->first_msg_ms,
	};
	if ((rc = cp_sip_transport_open(&sip->tp, &tc, on_rx, sip)) < 0)
		goto out_free;
	if (conf->tls != NULL) {
		char why[256];

		/* any port (0) with TLS on the next: another one if that is
		 * taken (the kernel did not look at TCP's when it gave this
		 * one), a few times */
		for (int tries = 0;
		     (rc = cp_sip_transport_tls(sip->tp, conf->tls, why,
						sizeof(why))) == -EADDRINUSE &&
		     conf->port == 0 && conf->tls->port == 0 && tries < 15;
		     tries++) {
			cp_sip_transport_close(sip->tp);
			if ((rc = cp_sip_transport_open(&sip->tp, &tc, on_rx,
							sip)) < 0)
				goto out_free;
		}
		if (rc < 0) {
			if (conf->tls_why != NULL)
				snprintf(conf->tls_why, conf->tls_why_len,
					 "%s", why);
			goto out_close_tp;
		}
	}
	if (conf->dns_servers != NULL &&
	    (sip->dns_servers = strdup(conf->dns_servers)) == NULL) {
		rc = -ENOMEM;
		goto out_close_tp;
	}
	if ((rc = dns_open(sip)) < 0)
		goto out_close_tp;
	rc = -ENOMEM;
	if (osip_init(&sip->osip) != 0)
		goto out_close_tp;
	osip_set_application_context(sip->osip, sip);
	/* Process-wide in libosip2; warnings and worse only. */
	osip_trace_initialize_func(OSIP_INFO1, osip_trace_cb);
	set_callbacks(sip->osip);
	if ((rc = regs_open(sip, conf)) < 0) {
		osip_release(sip->osip);
		goto out_close_tp;
	}
	*out = sip;
	return 0;
out_close_tp:
	cp_dns_close(sip->dns);
	free(sip->dns_servers);
	cp_sip_transport_close(sip->tp);
out_free:
	cp_ratelimit_free(sip->rl);
	free(sip->srv);
	free(sip->dlg_idx);
	free(sip);
	return rc;
}

static void
drop_list(osip_list_t *l)
{
	osip_transaction_t *tr;

	while ((tr = osip_list_get(l, 0)) != NULL) {
		struct txn *t = osip_transaction_get_reserved1(tr);

		osip_remove_transaction(tr->config, tr);
		if (t != NULL)
			osip_list_add(&t->sip->garbage, tr, -1);
		else
			osip_transaction_free2(tr);
	}
}

void
cp_sip_close(struct cp_sip *sip)
{
	if (sip == NULL)
		return;
	sip->app = (struct cp_sip_app){ 0 }; /* no callbacks while dying */
	sip->closing = true; /* a keepalive cut short finds no proxy down */
	cp_dns_close(sip->dns); /* resolutions under way say nothing */
	free(sip->dns_servers);
	while (sip->subs != NULL)
		sub_free(sip, sip->subs);
	while (sip->calls != NULL)
		call_free(sip, sip->calls);
	drop_list(&sip->osip->osip_ict_transactions);
	drop_list(&sip->osip->osip_ist_transactions);
	drop_list(&sip->osip->osip_nict_transactions);
	drop_list(&sip->osip->osip_nist_transactions);
	collect(sip);
	while (sip->dialogs != NULL)
		dialog_end(sip, sip->dialogs, CP_SIP_END_BYE_SENT);
	while (sip->reqs != NULL)
		req_free(sip, sip->reqs);
	osip_release(sip->osip);
	for (unsigned k = 0; k < sip->n_regs; k++)
		auth_set_free(&sip->regs[k].auth);
	free(sip->regs);
	cp_sip_transport_close(sip->tp);
	cp_ratelimit_free(sip->rl);
	free(sip->srv);
	free(sip->dlg_idx);
	free(sip->dirty);
	free(sip);
}

int
cp_sip_fd(const struct cp_sip *sip)
{
	return cp_sip_transport_fd(sip->tp);
}

uint16_t
cp_sip_port(const struct cp_sip *sip)
{
	return cp_sip_transport_port(sip->tp);
}

uint16_t
cp_sip_tls_port(const struct cp_sip *sip)
{
	return cp_sip_transport_tls_port(sip->tp);
}

int
cp_sip_tls_reload(struct cp_sip *sip, const struct cp_sip_tls_conf *tc,
		  char *why, size_t why_len)
{
	return cp_sip_transport_tls_reload(sip->tp, tc, why, why_len);
}

/* 2xx retransmission (§13.3.1.4) and its give-up: next due time. */
static uint64_t
run_2xx_timers(struct cp_sip *sip, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct cp_sip_dialog *d, *dn;

	if (sip->n_2xx == 0)
		return next;	/* thousands of quiet calls cost nothing */
	for (d = sip->dialogs; d != NULL; d = dn) {
		dn = d->next;
		if (d->resp_2xx == NULL)
			continue;
		if (now >= d->give_up_ms) {
			drop_2xx(sip, d);
			d->no_ack = true;
			sip->st.no_ack++;
			LOG_INFO("sip: no ACK for the 2xx of call %s: BYE",
				 d->od->call_id);
			cp_sip_dialog_bye_why(sip, d, "Q.850;cause=102;text="
						      "\"no ACK\"");
			continue;
		}
		if (now >= d->next_ms) {
			if (cp_sip_transport_send(sip->tp, &d->resp_peer,
						  d->resp_2xx,
						  d->resp_len) == 0)
				sip->st.retrans_2xx++;
			d->interval_ms *= 2;
			if (d->interval_ms > sip->conf.t2_ms)
				d->interval_ms = sip->conf.t2_ms;
			d->next_ms = now + d->interval_ms;
		}
		if (d->next_ms < next)
			next = d->next_ms;
		if (d->give_up_ms < next)
			next = d->give_up_ms;
	}
	return next;
}

int
cp_sip_poll(struct cp_sip *sip, int timeout_ms)
{
	uint64_t now = now_ms(), next, next_app;
	long wait;
	int n;

	run_machines(sip);
	next = run_2xx_timers(sip, now);
	next_app = run_app_timers(sip, now);
	if (next_app < next)
		next = next_app;
	if ((next_app = run_dns(sip, now)) < next)
		next = next_app;
	run_machines(sip); /* what the timers queued */
	/* osip_timers_gettimeout() walks every transaction: with any alive,
	 * wake up for the next timer tick instead */
	wait = osip_list_size(&sip->osip->osip_ict_transactions) +
		       osip_list_size(&sip->osip->osip_ist_transactions) +
		       osip_list_size(&sip->osip->osip_nict_transactions) +
		       osip_list_size(&sip->osip->osip_nist_transactions) > 0
		       ? (long)(sip->timers_due > now ? sip->timers_due - now
						      : 0)
		       : MAX_WAIT_MS;
	if (next != UINT64_MAX && (long)(next - now) < wait)
		wait = next > now ? (long)(next - now) : 0;
	if (timeout_ms >= 0 && timeout_ms < wait)
		wait = timeout_ms;
	n = cp_sip_transport_poll(sip->tp, (int)wait);
	if (sip->dns != NULL && cp_dns_busy(sip->dns) > 0)
		cp_dns_process(sip->dns); /* answers, or a query timed out */
	run_machines(sip);
	run_2xx_timers(sip, now_ms());
	run_app_timers(sip, now_ms());
	run_machines(sip); /* a BYE the timers queued goes out now */
	return n;
}

static int
add_dialog(struct cp_sip *sip, struct cp_sip_req *req, osip_message_t *r)
{
	struct txn *t = osip_transaction_get_reserved1(req->tr);
	osip_message_t *inv = req->tr->orig_request;
	struct cp_sip_dialog *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -ENOMEM;
	if (osip_dialog_init_as_uas(&d->od, inv, r) != 0) {
		free(d);
		return -ENOMEM;
	}
	d->sip = sip;
	d->peer = t->peer;
	d->sips = is_sips(inv->req_uri);
	d->app = req->app; /* the INVITE's application pointer */
	memcpy(d->contact_user, req->contact_user, sizeof(d->contact_user));
	d->od->local_cseq = 1;
	dialog_link(sip, d);
	req->dialog = d;
	sip->st.dialogs_created++;
	return 0;
}

/* Contact, Record-Route and capabilities of a dialog-creating answer. */
static void
decorate_2xx(struct cp_sip *sip, struct cp_sip_req *req, osip_message_t *r)
{
	struct txn *t = osip_transaction_get_reserved1(req->tr);
	char contact[512];

	const char *user = req->contact_user[0]	 ? req->contact_user
			   : req->dialog != NULL ? req->dialog->contact_user
						 : "";

	osip_message_set_contact(
		r, contact_user_of(sip, t->peer.proto,
				   is_sips(req->tr->orig_request->req_uri),
				   user, contact, sizeof(contact)));
	osip_list_clone(&req->tr->orig_request->record_routes,
			&r->record_routes,
			(int (*)(void *, void **))osip_record_route_clone);
}

/*
 * A 2xx to an INVITE or re-INVITE: the dialog (new or not) keeps it for
 * retransmission until the ACK of this INVITE (its CSeq) arrives.
 */
static int
arm_2xx(struct cp_sip *sip, struct cp_sip_req *req, osip_message_t *r)
{
	struct txn *t = osip_transaction_get_reserved1(req->tr);
	osip_message_t *inv = req->tr->orig_request;
	const char *br = branch_of(osip_list_get(&inv->vias, 0));
	struct cp_sip_dialog *d;
	uint64_t now = now_ms();
	int rc;

	decorate_2xx(sip, req, r);
	if (req->dialog == NULL && (rc = add_dialog(sip, req, r)) < 0)
		return rc;
	d = req->dialog;
	free(d->invite_branch);
	d->invite_branch = strdup(br != NULL ? br : "");
	d->invite_cseq = (uint32_t)strtoul(inv->cseq->number, NULL, 10);
	drop_2xx(sip, d);
	if (osip_message_to_str(r, &d->resp_2xx, &d->resp_len) != 0) {
		d->resp_2xx = NULL;
		sip->st.tx_failed++; /* sent once by the IST, never again */
		return 0;
	}
	sip->n_2xx++;
	response_dest(&t->peer, r, &d->resp_peer);
	d->interval_ms = sip->conf.t1_ms;
	d->next_ms = now + d->interval_ms;
	d->give_up_ms = now + 64ULL * sip->conf.t1_ms;
	return 0;
}

/* Body and Content-Length (0 without a body). */
static void
set_body(osip_message_t *m, const char *content_type, const char *body)
{
	char cl[24];

	if (content_type == NULL || body == NULL)
		return;
	osip_message_set_content_type(m, content_type);
	osip_message_set_body(m, body, strlen(body));
	snprintf(cl, sizeof(cl), "%zu", strlen(body));
	osip_content_length_free(m->content_length);
	m->content_length = NULL;
	osip_message_set_content_length(m, cl);
}

int
cp_sip_reply(struct cp_sip *sip, struct cp_sip_req *req, int code,
	     const char *content_type, const char *body)
{
	return cp_sip_reply_hdrs(sip, req, code, NULL, 0, content_type, body);
}

int
cp_sip_reply_hdrs(struct cp_sip *sip, struct cp_sip_req *req, int code,
		  const char *const (*hdrs)[2], unsigned int n_hdrs,
		  const char *content_type, const char *body)
{
	osip_message_t *r;
	unsigned int with = code / 100 == 2 ? WITH_CAPS : 0;
	int rc;

	if (sip == NULL || req == NULL || code < 101 || code > 699 ||
	    (!req->invite && code < 300))
		return -EINVAL;
	if (req->final_sent)
		return -EALREADY;
	if (code == 489 || code == 405)
		with |= code == 405 ? WITH_ALLOW : WITH_EVENTS;
	r = build_response(sip, req->tr->orig_request, code, req->to_tag, with);
	if (r == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < n_hdrs; i++)
		if (strcasecmp(hdrs[i][0], "WWW-Authenticate") == 0)
			osip_message_set_www_authenticate(r, hdrs[i][1]);
		else
			osip_message_set_header(r, hdrs[i][0], hdrs[i][1]);
	/* every 503 of the focus says when to try again, as the stateless
	 * ones do (RFC 3261 21.5.4), unless the caller said it */
	if (code == 503) {
		osip_header_t *h = NULL;

		if (osip_message_header_get_byname(r, "Retry-After", 0, &h) < 0)
			osip_message_set_header(r, "Retry-After", RETRY_503_S);
	}
	set_body(r, content_type, body);
	if (code / 100 == 2) {
		bool refresh = req->dialog != NULL; /* a re-INVITE */

		stimer_decorate(r, &req->se);
		if ((rc = arm_2xx(sip, req, r)) < 0) {
			osip_message_free(r);
			return rc;
		}
		stimer_arm(sip, req->dialog, req->se.se_s, req->se.uas_refresh,
			   req->se_update);
		if (body != NULL && content_type != NULL &&
		    strcasecmp(content_type, "application/sdp") == 0) {
			free(req->dialog->local_sdp);
			req->dialog->local_sdp = strdup(body); /* NULL: UPDATE */
		}
		if (refresh && req->se.se_s != 0)
			sip->st.session_refreshed++;
	}
	if (code >= 200)
		req->final_sent = true;
	reply_txn(req->tr, r);
	return 0;
}

const char *
cp_sip_req_uri(const struct cp_sip_req *req)
{
	return req->uri;
}

const char *
cp_sip_req_from(const struct cp_sip_req *req)
{
	return req->from;
}

const char *
cp_sip_req_to(const struct cp_sip_req *req)
{
	return req->to;
}

const char *
cp_sip_req_call_id(const struct cp_sip_req *req)
{
	return req->call_id;
}

const char *
cp_sip_req_authorization(const struct cp_sip_req *req)
{
	return req->authorization;
}

bool
cp_sip_req_privacy(const struct cp_sip_req *req)
{
	return req->privacy;
}

bool
cp_sip_req_tls(const struct cp_sip_req *req)
{
	const struct txn *t = req->tr != NULL ?
			      osip_transaction_get_reserved1(req->tr) : NULL;

	return t != NULL && t->peer.proto == CP_SIP_TLS;
}

const char *
cp_sip_req_asserted(const struct cp_sip_req *req)
{
	return req->asserted;
}

const char *
cp_sip_req_body(const struct cp_sip_req *req)
{
	return req->body;
}

int
cp_sip_req_set_contact_user(struct cp_sip_req *req, const char *user)
{
	size_t n = strlen(user);

	if (n >= sizeof(req->contact_user) || strpbrk(user, "@:;<>\" \r\n"))
		return -EINVAL;
	memcpy(req->contact_user, user, n + 1);
	return 0;
}

void
cp_sip_req_set_app(struct cp_sip_req *req, void *app)
{
	req->app = app;
}

void *
cp_sip_req_app(const struct cp_sip_req *req)
{
	return req->app;
}

void
cp_sip_dialog_set_app(struct cp_sip_dialog *d, void *app)
{
	d->app = app;
}

void *
cp_sip_dialog_app(const struct cp_sip_dialog *d)
{
	return d->app;
}

const char *
cp_sip_dialog_call_id(const struct cp_sip_dialog *d)
{
	return d->od->call_id;
}

int
cp_sip_dialog_ids(const struct cp_sip_dialog *d, const char **call_id,
		  const char **from_tag, const char **to_tag)
{
	const osip_dialog_t *od = d->od;

	if (d->sub_only || od->call_id == NULL || od->local_tag == NULL ||
	    od->remote_tag == NULL)
		return -EINVAL;
	*call_id = od->call_id;
	*from_tag = d->uac ? od->local_tag : od->remote_tag;
	*to_tag = d->uac ? od->remote_tag : od->local_tag;
	return 0;
}

uint32_t
cp_sip_dialog_timer(const struct cp_sip_dialog *d, bool *we_refresh,
		    uint64_t *left_ms)
{
	uint64_t now = now_ms(), at;

	*we_refresh = d->se_s != 0 && d->se_refresh;
	*left_ms = 0;
	if (d->se_s == 0)
		return 0;
	at = d->se_refresh && d->se_tx == NULL ? d->se_refresh_ms
					       : d->se_end_ms;
	*left_ms = at > now ? at - now : 0;
	return d->se_s;
}

/* ---- dialogs saved and restored across a restart (conf.c's state) ---- */

/* s into buf[len]; false if it did not fit. Frees s (osip's). */
static bool
take_str(char *buf, size_t len, char *s)
{
	bool ok = s != NULL && strlen(s) < len;

	if (ok)
		memcpy(buf, s, strlen(s) + 1);
	osip_free(s);
	return ok;
}

static bool
copy_str(char *buf, size_t len, const char *s)
{
	if (s == NULL)
		s = "";
	if (strlen(s) >= len)
		return false;
	memcpy(buf, s, strlen(s) + 1);
	return true;
}

int
cp_sip_dialog_save(const struct cp_sip_dialog *d,
		   struct cp_sip_dialog_state *st)
{
	const osip_dialog_t *od = d->od;
	const struct sockaddr_storage *a = &d->peer.addr;
	char host[INET6_ADDRSTRLEN], *s = NULL;
	const char *dn;
	size_t off = 0;
	uint16_t port;

	if (d->sub_only || od->remote_contact_uri == NULL)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->uac = d->uac;
	st->tcp = d->peer.proto != CP_SIP_UDP;
	st->tls = d->peer.proto == CP_SIP_TLS;
	st->se_s = d->se_s;
	st->se_refresh = d->se_refresh;
	st->se_update = d->se_update;
	st->local_cseq = (uint32_t)od->local_cseq;
	st->remote_cseq = od->remote_cseq < 0 ? 0 : (uint32_t)od->remote_cseq;
	if (!copy_str(st->call_id, sizeof(st->call_id), od->call_id) ||
	    !copy_str(st->local_tag, sizeof(st->local_tag), od->local_tag) ||
	    !copy_str(st->remote_tag, sizeof(st->remote_tag), od->remote_tag) ||
	    !copy_str(st->contact_user, sizeof(st->contact_user),
		      d->contact_user) ||
	    osip_from_to_str(od->local_uri, &s) != 0 ||
	    !take_str(st->local_uri, sizeof(st->local_uri), s) ||
	    osip_to_to_str(od->remote_uri, &s) != 0 ||
	    !take_str(st->remote_uri, sizeof(st->remote_uri), s) ||
	    osip_uri_to_str(od->remote_contact_uri->url, &s) != 0 ||
	    !take_str(st->remote_target, sizeof(st->remote_target), s))
		return -ENAMETOOLONG;
	dn = od->remote_uri->displayname;
	if (dn != NULL) { /* without its quotes */
		size_t n = strlen(dn);

		if (n >= 2 && dn[0] == '"' && dn[n - 1] == '"')
			snprintf(st->remote_display, sizeof(st->remote_display),
				 "%.*s", (int)(n - 2), dn + 1);
		else
			copy_str(st->remote_display, sizeof(st->remote_display),
				 dn);
	}
	for (int i = 0; i < osip_list_size(&od->route_set); i++) {
		osip_route_t *rt = osip_list_get(&od->route_set, i);

		if (osip_route_to_str(rt, &s) != 0)
			return -ENAMETOOLONG;
		if (off + strlen(s) + 3 > sizeof(st->route_set)) {
			osip_free(s);
			return -ENAMETOOLONG;
		}
		off += (size_t)snprintf(st->route_set + off,
					sizeof(st->route_set) - off, "%s%s",
					i ? ", " : "", s);
		osip_free(s);
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const void *)a;

		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		port = ntohs(a6->sin6_port);
		snprintf(st->peer, sizeof(st->peer), "[%s]:%u", host, port);
	} else {
		const struct sockaddr_in *a4 = (const void *)a;

		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		port = ntohs(a4->sin_port);
		snprintf(st->peer, sizeof(st->peer), "%s:%u", host, port);
	}
	/* where we refresh: a restarted tutti-cp offers it again in a
	 * re-INVITE (stimer_refresh()) */
	if (d->se_s != 0 && d->se_refresh && d->local_sdp != NULL &&
	    strlen(d->local_sdp) <= CP_SIP_STATE_SDP_MAX &&
	    (st->local_sdp = strdup(d->local_sdp)) == NULL)
		return -ENOMEM;
	return 0;
}

/* The route set "<a>, <b>" into od (commas inside < > or quotes stay). */
static int
parse_route_set(osip_dialog_t *od, const char *set)
{
	char buf[sizeof(((struct cp_sip_dialog_state *)0)->route_set)];
	bool in_angle = false, in_quote = false;
	char *start = buf;

	if (!copy_str(buf, sizeof(buf), set))
		return -EINVAL;
	for (char *p = buf;; p++) {
		osip_route_t *rt;

		if (*p == '"')
			in_quote = !in_quote;
		else if (*p == '<' && !in_quote)
			in_angle = true;
		else if (*p == '>' && !in_quote)
			in_angle = false;
		if (*p != '\0' && (*p != ',' || in_angle || in_quote))
			continue;
		bool last = *p == '\0';

		*p = '\0';
		start += strspn(start, " \t");
		if (*start != '\0') {
			if (osip_route_init(&rt) != 0)
				return -ENOMEM;
			if (osip_route_parse(rt, start) != 0) {
				osip_route_free(rt);
				return -EINVAL;
			}
			osip_list_add(&od->route_set, rt, -1);
		}
		if (last)
			return 0;
		start = p + 1;
	}
}

/* The fields of st into a new osip dialog. */
static int
od_from_state(const struct cp_sip_dialog_state *st, osip_dialog_t **out)
{
	osip_dialog_t *od = osip_malloc(sizeof(*od));
	char target[sizeof(st->remote_target) + 2];
	int rc = -EINVAL;

	if (od == NULL)
		return -ENOMEM;
	memset(od, 0, sizeof(*od));
	osip_list_init(&od->route_set);
	od->type = st->uac ? CALLER : CALLEE;
	od->state = DIALOG_CONFIRMED;
	od->local_cseq = (int)st->local_cseq;
	od->remote_cseq = (int)st->remote_cseq;
	od->call_id = osip_strdup(st->call_id);
	od->local_tag = osip_strdup(st->local_tag);
	od->remote_tag = osip_strdup(st->remote_tag);
	snprintf(target, sizeof(target), "<%s>", st->remote_target);
	if (od->call_id == NULL || od->local_tag == NULL ||
	    od->remote_tag == NULL || osip_from_init(&od->local_uri) != 0 ||
	    osip_to_init(&od->remote_uri) != 0 ||
	    osip_contact_init(&od->remote_contact_uri) != 0) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (st->call_id[0] == '\0' || st->local_tag[0] == '\0' ||
	    osip_from_parse(od->local_uri, st->local_uri) != 0 ||
	    osip_to_parse(od->remote_uri, st->remote_uri) != 0 ||
	    osip_contact_parse(od->remote_contact_uri, target) != 0 ||
	    od->remote_contact_uri->url == NULL ||
	    (rc = parse_route_set(od, st->route_set)) < 0)
		goto out_free;
	*out = od;
	return 0;
out_free:
	osip_dialog_free(od);
	return rc < 0 ? rc : -EINVAL;
}

int
cp_sip_dialog_restore(struct cp_sip *sip, const struct cp_sip_dialog_state *st,
		      void *app, struct cp_sip_dialog **out)
{
	struct cp_sip_dialog *d;
	const char *colon = strrchr(st->peer, ':');
	char host[sizeof(st->peer)];
	unsigned long port;
	int rc;

	if (colon == NULL || colon == st->peer ||
	    (port = strtoul(colon + 1, NULL, 10)) == 0 || port > 65535)
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - st->peer), st->peer);
	for (d = sip->dlg_idx[dlg_hash(st->call_id)]; d != NULL; d = d->hnext)
		if (str_eq(d->od->call_id, st->call_id) &&
		    str_eq(d->od->local_tag, st->local_tag) &&
		    str_eq(d->od->remote_tag, st->remote_tag))
			return -EINVAL; /* restored twice */
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -ENOMEM;
	/* the connection is gone: dialog_next_hop() finds another way */
	d->peer.proto = st->tls ? CP_SIP_TLS : st->tcp ? CP_SIP_TCP
						      : CP_SIP_UDP;
	if (cp_sip_transport_addr(&d->peer, host, (uint16_t)port) < 0 ||
	    !copy_str(d->contact_user, sizeof(d->contact_user),
		      st->contact_user)) {
		free(d);
		return -EINVAL;
	}
	if ((rc = od_from_state(st, &d->od)) < 0) {
		free(d);
		return rc;
	}
	if (st->local_sdp != NULL &&
	    (d->local_sdp = strdup(st->local_sdp)) == NULL) {
		osip_dialog_free(d->od);
		free(d);
		return -ENOMEM;
	}
	d->sip = sip;
	d->uac = st->uac;
	/* a sips: dialog's peer has a sips: Contact (§12.1.1) */
	d->sips = d->od->remote_contact_uri != NULL &&
		  is_sips(d->od->remote_contact_uri->url);
	d->app = app;
	dialog_link(sip, d);
	/* a whole interval from the restart: the peer's refreshes went
	 * unanswered meanwhile, and it may be retrying */
	if (sip->supported[0] != '\0')
		stimer_arm(sip, d, st->se_s, st->se_refresh, st->se_update);
	*out = d;
	return 0;
}

/* u's ;transport= parameter, NULL if none. */
static osip_uri_param_t *
uri_transport_param(osip_uri_t *u)
{
	osip_uri_param_t *tp = NULL;

	osip_uri_uparam_get_byname(u, "transport", &tp);
	return tp;
}

/*
 * The transport u asks for: TLS for sips: (over TCP, RFC 3261 §19.1.2) or
 * ;transport=tls, TCP for ;transport=tcp, UDP for ;transport=udp or none;
 * -1 for any other (SCTP, WS, or sips: over UDP).
 */
static int
uri_proto(osip_uri_t *u)
{
	osip_uri_param_t *tp = uri_transport_param(u);
	const char *t = tp != NULL && tp->gvalue != NULL ? tp->gvalue : "udp";

	if (strcasecmp(t, "tls") == 0 ||
	    (is_sips(u) && (tp == NULL || strcasecmp(t, "tcp") == 0)))
		return CP_SIP_TLS;
	if (is_sips(u))
		return -1;
	if (strcasecmp(t, "tcp") == 0)
		return CP_SIP_TCP;
	return strcasecmp(t, "udp") == 0 ? CP_SIP_UDP : -1;
}

bool
cp_sip_uri_tls(const char *uri)
{
	osip_uri_t *u;
	bool tls;

	if (osip_uri_init(&u) != 0)
		return false;
	tls = osip_uri_parse(u, uri) == 0 && u->scheme != NULL &&
	      uri_proto(u) == CP_SIP_TLS;
	osip_uri_free(u);
	return tls;
}

/* The transport u asks DNS for (RFC 3263 §4.1): TLS for sips: or
 * ;transport=tls, any without ;transport=. */
static enum cp_dns_tp
uri_dns_tp(osip_uri_t *u)
{
	int proto = uri_proto(u);

	return proto == CP_SIP_TLS	? CP_DNS_TLS
	       : uri_transport_param(u) == NULL ? CP_DNS_ANY
	       : proto == CP_SIP_TCP	? CP_DNS_TCP
					: CP_DNS_UDP;
}

/*
 * A connection to peer->addr for proto (UDP: none): TLS checks that the
 * server's certificate names host, or holds the address with host NULL.
 * peer->proto and conn_id say what it got. 0 or -errno.
 */
static int
connect_proto(struct cp_sip *sip, struct cp_sip_peer *peer,
	      enum cp_sip_proto proto, const char *host)
{
	peer->proto = CP_SIP_UDP;
	peer->conn_id = 0;
	if (proto == CP_SIP_TLS)
		return cp_sip_transport_connect_tls(sip->tp, peer, host);
	if (proto == CP_SIP_TCP)
		return cp_sip_transport_connect(sip->tp, peer);
	return 0;
}

/*
 * Next hop of an in-dialog request (§12.2.1.1, loose routing): the
 * connection the dialog's requests came on while it is open; else a
 * connection we open when the next hop says ;transport=tcp or tls, or is
 * sips: (kept for the dialog's later requests); else UDP. A dialog that
 * came over TLS stays in TLS (§26.2.2): never UDP or plain TCP.
 */
static void
dialog_next_hop(struct cp_sip *sip, struct cp_sip_dialog *d,
		struct cp_sip_peer *to)
{
	osip_route_t *rt = osip_list_get(&d->od->route_set, 0);
	osip_uri_t *u = rt != NULL ? rt->url
				   : (d->od->remote_contact_uri != NULL
					      ? d->od->remote_contact_uri->url
					      : NULL);
	long port;
	int proto;

	*to = d->peer;
	if (d->peer.proto != CP_SIP_UDP &&
	    cp_sip_transport_conn_is_open(sip->tp, d->peer.conn_id))
		return; /* reuse the caller's connection */
	if (u == NULL || u->host == NULL)
		return;
	proto = d->peer.proto == CP_SIP_TLS ? CP_SIP_TLS : uri_proto(u);
	port = u->port != NULL		? strtol(u->port, NULL, 10)
	       : proto == CP_SIP_TLS	? 5061
					: 5060;
	if (port <= 0 || port > 65535 ||
	    cp_sip_transport_addr(to, u->host, (uint16_t)port) < 0) {
		*to = d->peer; /* a name: the INVITE's source instead */
		if (d->peer.proto == CP_SIP_TLS &&
		    connect_proto(sip, to, CP_SIP_TLS, u->host) == 0)
			d->peer = *to;
	} else if (proto > CP_SIP_UDP &&
		   connect_proto(sip, to, (enum cp_sip_proto)proto, NULL) ==
			   0) {
		d->peer = *to;
	} else if (d->peer.proto == CP_SIP_TLS) {
		*to = d->peer; /* no TLS connection: it fails, in clear never */
	} else {
		to->proto = CP_SIP_UDP;
		to->conn_id = 0;
	}
}

/* A top Via of ours on m, over proto, with a new branch (a new client
 * transaction, RFC 3261 §8.1.1.7). */
static void
set_new_via(const struct cp_sip *sip, osip_message_t *m,
	    enum cp_sip_proto proto)
{
	char buf[128], br[TAG_HEX + 1];

	random_hex(br, TAG_HEX);
	snprintf(buf, sizeof(buf),
		 "SIP/2.0/%s %s:%u;branch=" BRANCH_PREFIX "%s;rport",
		 cp_sip_proto_name(proto), sip->host, port_of(sip, proto), br);
	osip_message_set_via(m, buf);
}

/*
 * A request in d (§12.2.1.1): remote target, route set, tags, the next
 * local CSeq (or the INVITE's, for an ACK), a new branch.
 */
static osip_message_t *
build_request(struct cp_sip *sip, struct cp_sip_dialog *d, const char *method,
	      enum cp_sip_proto proto)
{
	osip_dialog_t *od = d->od;
	osip_message_t *m;
	osip_uri_t *uri = NULL;
	char buf[256];

	/* no target: no Contact, or its wildcard "*" (no URI) */
	if (od->remote_contact_uri == NULL ||
	    od->remote_contact_uri->url == NULL || osip_message_init(&m) != 0)
		return NULL;
	osip_message_set_method(m, osip_strdup(method));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	osip_uri_clone(od->remote_contact_uri->url, &uri);
	osip_message_set_uri(m, uri);
	osip_list_clone(&od->route_set, &m->routes,
			(int (*)(void *, void **))osip_route_clone);
	osip_from_clone(od->local_uri, &m->from);
	if (tag_of(m->from) == NULL)
		osip_from_set_tag(m->from, osip_strdup(od->local_tag));
	osip_to_clone(od->remote_uri, &m->to);
	osip_message_set_call_id(m, od->call_id);
	if (strcmp(method, "ACK") != 0)
		od->local_cseq++;
	snprintf(buf, sizeof(buf), "%d %s", od->local_cseq, method);
	osip_message_set_cseq(m, buf);
	set_new_via(sip, m, proto);
	osip_message_set_max_forwards(m, "70");
	osip_message_set_content_length(m, "0");
	if (m->to == NULL || m->from == NULL || m->call_id == NULL) {
		osip_message_free(m);
		return NULL;
	}
	return m;
}

/*
 * Send request m in a new client transaction (kind ICT or NICT) with our
 * state t (peer set). Takes m and t, also on failure. Returns 0 or -ENOMEM.
 */
static int
start_client(struct cp_sip *sip, osip_fsm_type_t kind, osip_message_t *m,
	     struct txn *t, osip_transaction_t **out)
{
	osip_transaction_t *tr;
	osip_event_t *evt;

	t->sip = sip;
	t->client = true;
	if (osip_transaction_init(&tr, kind, sip->osip, m) != 0) {
		osip_message_free(m);
		free(t);
		return -ENOMEM;
	}
	osip_transaction_set_reserved1(tr, t);
	if ((evt = osip_new_outgoing_sipmessage(m)) == NULL) {
		/* t is freed with tr by the next collect() */
		osip_message_free(m);
		osip_remove_transaction(sip->osip, tr);
		osip_list_add(&sip->garbage, tr, -1);
		return -ENOMEM;
	}
	evt->transactionid = tr->transactionid;
	osip_transaction_add_event(tr, evt);
	sip->ev_queued = true;
	if (out != NULL)
		*out = tr;
	return 0;
}

int
cp_sip_dialog_bye(struct cp_sip *sip, struct cp_sip_dialog *d)
{
	return cp_sip_dialog_bye_why(sip, d, NULL);
}

int
cp_sip_dialog_bye_why(struct cp_sip *sip, struct cp_sip_dialog *d,
		      const char *reason)
{
	osip_message_t *bye;
	struct txn *t;
	int rc;

	if (sip == NULL || d == NULL || d->sub_only ||
	    (reason != NULL && (!is_header_safe(reason) ||
				strlen(reason) > 200)))
		return -EINVAL;
	if (d->bye_sent)
		return -EALREADY;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	dialog_next_hop(sip, d, &t->peer);
	bye = build_request(sip, d, "BYE", t->peer.proto);
	if (bye != NULL && reason != NULL &&
	    osip_message_set_header(bye, "Reason", reason) != 0) {
		osip_message_free(bye);
		bye = NULL;
	}
	if (bye == NULL) {
		free(t);
		return -ENOMEM;
	}
	if ((rc = start_client(sip, NICT, bye, t, NULL)) < 0)
		return rc;
	t->dlg = d;
	d->bye_sent = true;
	drop_2xx(sip, d); /* no more 2xx once we hang up */
	return 0;
}

/*
 * ACK our INVITE of CSeq cseq in d (a 2xx came, §13.2.2.4): sent, and
 * kept in d->ack for the copies of that 2xx (reack()).
 */
static void
dialog_ack(struct cp_sip *sip, struct cp_sip_dialog *d, uint32_t cseq)
{
	struct cp_sip_peer to;
	osip_message_t *ack;

	free(d->ack);
	d->ack = NULL;
	d->ack_cseq = cseq;
	dialog_next_hop(sip, d, &to);
	if ((ack = build_request(sip, d, "ACK", to.proto)) ==
		    NULL ||
	    osip_message_to_str(ack, &d->ack, &d->ack_len) != 0) {
		d->ack = NULL;
		sip->st.tx_failed++;
	} else if (cp_sip_transport_send(sip->tp, &to, d->ack, d->ack_len) ==
		   0) {
		sip->st.acks_sent++;
		sip->st.tx_requests++;
	}
	if (ack != NULL)
		osip_message_free(ack);
}

/* ---- helpers for REFER, SUBSCRIBE and the UAC ---- */

/* The i-th header called name (or its compact form), NULL if none. */
static const char *
hdr(const osip_message_t *m, const char *name, const char *compact, int i)
{
	for (int k = 0; k < osip_list_size(&m->headers); k++) {
		osip_header_t *h = osip_list_get(&m->headers, k);

		if (h->hname == NULL ||
		    (strcasecmp(h->hname, name) != 0 &&
		     (compact == NULL || strcasecmp(h->hname, compact) != 0)))
			continue;
		if (i-- == 0)
			return h->hvalue != NULL ? h->hvalue : "";
	}
	return NULL;
}

/* The first header called name of m (NULL: none) as a number of
 * seconds, in *v; false if there is none, or it is empty. */
static bool
hdr_secs(const osip_message_t *m, const char *name, unsigned long *v)
{
	const char *s = m != NULL ? hdr(m, name, NULL, 0) : NULL;

	if (s == NULL || s[0] == '\0')
		return false;
	*v = strtoul(s, NULL, 10);
	return true;
}

/* A string the caller puts into a header: no CR, LF or NUL tricks. */
static bool
is_header_safe(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL;
}

/* m's Reason header (RFC 3326; the first), printable ASCII only (any
 * other byte becomes '?'), cut to len - 1; "" without one. */
static void
reason_of(const osip_message_t *m, char *buf, size_t len)
{
	osip_header_t *h = NULL;

	buf[0] = '\0';
	if (osip_message_header_get_byname(m, "reason", 0, &h) < 0 ||
	    h == NULL || h->hvalue == NULL)
		return;
	snprintf(buf, len, "%s", h->hvalue);
	for (char *p = buf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

const char *
cp_sip_dialog_end_reason(const struct cp_sip_dialog *d)
{
	return d->end_reason;
}

/* Is ";name" (any case, with or without a value) among params? */
static bool
has_param(const char *params, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strchr(params, ';'); p != NULL;
	     p = strchr(p + 1, ';')) {
		const char *q = p + 1 + strspn(p + 1, " \t");

		if (strncasecmp(q, name, n) == 0 &&
		    strchr("= \t;", q[n]) != NULL)
			return true;
	}
	return false;
}

/*
 * Refer-To (RFC 3515 §2.1): one name-addr or addr-spec. RFC 8217 §3-4:
 * parameters outside < > (or after a bare URI) belong to the header, so a
 * "method" there is refused (F-30) rather than taken for the URI's. On
 * success *uri is the URI without its method parameter (malloc'ed) and
 * method its value ("" if none). Returns 0, or 400, or -ENOMEM.
 */
static int
parse_refer_to(const char *v, char **uri, char *method, size_t method_len)
{
	const char *lt = strchr(v, '<'), *gt, *params;
	osip_uri_param_t *mp = NULL;
	osip_uri_t *u = NULL;
	char *inner, *str = NULL;
	int rc = 400;

	method[0] = '\0';
	if (lt != NULL) {
		if ((gt = strchr(lt, '>')) == NULL)
			return 400;
		inner = strndup(lt + 1, (size_t)(gt - lt - 1));
		params = gt + 1;
	} else {
		size_t n;

		v += strspn(v, " \t");
		n = strcspn(v, "; \t");
		inner = strndup(v, n);
		params = v + n;
	}
	if (inner == NULL)
		return -ENOMEM;
	/* a comma outside < >: a second value (F-20) */
	if (strchr(params, ',') != NULL || has_param(params, "method"))
		goto out_inner;
	if (osip_uri_init(&u) != 0) {
		rc = -ENOMEM;
		goto out_inner;
	}
	if (osip_uri_parse(u, inner) != 0 || u->scheme == NULL)
		goto out_uri;
	osip_uri_uparam_get_byname(u, "method", &mp);
	if (mp != NULL) {
		if (mp->gvalue == NULL || strlen(mp->gvalue) >= method_len)
			goto out_uri; /* no method is that long */
		snprintf(method, method_len, "%s", mp->gvalue);
		for (int i = 0; i < osip_list_size(&u->url_params); i++)
			if (osip_list_get(&u->url_params, i) == mp) {
				osip_list_remove(&u->url_params, i);
				osip_uri_param_free(mp);
				break;
			}
	}
	if (osip_uri_to_str(u, &str) != 0 || (*uri = strdup(str)) == NULL)
		rc = -ENOMEM;
	else
		rc = 0;
	osip_free(str);
out_uri:
	osip_uri_free(u);
out_inner:
	free(inner);
	return rc;
}

static struct cp_sip_sub *
find_sub(struct cp_sip *sip, struct cp_sip_dialog *d, const char *event)
{
	for (struct cp_sip_sub *s = sip->subs; s != NULL; s = s->next)
		if (s->d == d && strcmp(s->event, event) == 0 &&
		    !s->final_queued)
			return s;
	return NULL;
}

/* A request in dialog (To-tag): *d or 481/500 answered; false then. */
static bool
in_dialog(struct cp_sip *sip, osip_transaction_t *tr, osip_message_t *m,
	  struct cp_sip_dialog **d)
{
	*d = find_dialog(sip, m);
	if (*d == NULL) {
		reply_code(sip, tr, 481, 0, NULL, NULL);
		return false;
	}
	if (dialog_request(sip, *d, m) != 0) {
		reply_code(sip, tr, 500, 0, NULL, NULL);
		return false;
	}
	return true;
}

/* ---- session timers (RFC 4028) ---- */

/* Is UPDATE in m's Allow? */
static bool
allows_update(const osip_message_t *m)
{
	for (int i = 0; i < osip_list_size(&m->allows); i++) {
		const osip_allow_t *a = osip_list_get(&m->allows, i);

		if (a != NULL && cp_stimer_has_token(a->value, "UPDATE"))
			return true;
	}
	return false;
}

/*
 * What request m asks of session timers, and our answer into *a (and
 * whether its Allow has UPDATE). A Session-Expires or Min-SE that does
 * not parse gets 400, one below our minimum 422 with Min-SE: returns
 * that status, already sent; else 0.
 */
static int
stimer_check(struct cp_sip *sip, osip_transaction_t *tr,
	     const osip_message_t *m, struct cp_stimer_answer *a, bool *update)
{
	struct cp_stimer_req q = { 0 };
	const char *v;
	char min_se[16];

	memset(a, 0, sizeof(*a));
	*update = allows_update(m);
	if (sip->supported[0] == '\0')
		return 0; /* timers off: their headers mean nothing here */
	if (((v = hdr(m, "session-expires", "x", 0)) != NULL &&
	     cp_stimer_parse_se(v, &q.se_s, &q.refresher) != 0) ||
	    ((v = hdr(m, "min-se", NULL, 0)) != NULL &&
	     cp_stimer_parse_min_se(v, &q.min_se_s) != 0)) {
		reply_code(sip, tr, 400, 0, "Warning",
			   "399 tutti \"Session-Expires or Min-SE does not "
			   "parse\"");
		return 400;
	}
	for (int i = 0; (v = hdr(m, "supported", "k", i)) != NULL; i++)
		q.supported |= cp_stimer_has_token(v, "timer");
	for (int i = 0; (v = hdr(m, "require", NULL, i)) != NULL; i++)
		q.supported |= cp_stimer_has_token(v, "timer");
	q.update = *update;
	cp_stimer_answer(&sip->stc, &q, a);
	if (a->code == 422) {
		snprintf(min_se, sizeof(min_se), "%u", a->min_se_s);
		reply_code(sip, tr, 422, 0, "Min-SE", min_se);
		sip->st.session_too_small++;
		return 422;
	}
	return 0;
}

/* A 2xx (to an INVITE or UPDATE) says what a answered. */
static void
stimer_decorate(osip_message_t *r, const struct cp_stimer_answer *a)
{
	char v[48];

	if (a->se_s == 0)
		return;
	snprintf(v, sizeof(v), "%u;refresher=%s", a->se_s,
		 a->uas_refresh ? "uas" : "uac");
	osip_message_set_header(r, "Session-Expires", v);
	if (a->require)
		osip_message_set_header(r, "Require", "timer");
}

/* When d's timer needs a look next. */
static uint64_t
stimer_next(const struct cp_sip_dialog *d)
{
	return d->se_refresh && d->se_tx == NULL &&
			       d->se_refresh_ms < d->se_end_ms
		       ? d->se_refresh_ms
		       : d->se_end_ms;
}

/* The walk of the dialogs' timers wakes no later than d is due. */
static void
stimer_wake(struct cp_sip *sip, const struct cp_sip_dialog *d)
{
	if (stimer_next(d) < sip->se_due)
		sip->se_due = stimer_next(d);
}

/*
 * A 2xx's Session-Expires (a response to our INVITE, re-INVITE or
 * UPDATE): true, the interval and whether we refresh (RFC 4028 §7.2:
 * unless it says refresher=uas); false without one that parses.
 */
static bool
response_se(const osip_message_t *m, uint32_t *se_s, bool *we_refresh)
{
	enum cp_stimer_refresher r;
	const char *v = hdr(m, "session-expires", "x", 0);

	if (v == NULL || cp_stimer_parse_se(v, se_s, &r) != 0)
		return false;
	*we_refresh = r != CP_STIMER_UAS;
	return true;
}

/*
 * d's session timer, from now (a 2xx sent or received): se_s 0 turns it
 * off. We refresh at half the interval, and hang up at its end if no
 * refresh of ours got through; the peer must by cp_stimer_deadline_ms().
 */
static void
stimer_arm(struct cp_sip *sip, struct cp_sip_dialog *d, uint32_t se_s,
	   bool we_refresh, bool update)
{
	uint64_t now = now_ms();

	if (d == NULL)
		return;
	if (d->se_s == 0 && se_s != 0)
		sip->n_timed++;
	else if (d->se_s != 0 && se_s == 0)
		sip->n_timed--;
	d->se_s = se_s;
	d->se_refresh = we_refresh;
	d->se_update = update;
	if (se_s == 0)
		return;
	d->se_refresh_ms = now + 500ull * se_s;
	d->se_end_ms = now + (we_refresh ? 1000ull * se_s
					 : cp_stimer_deadline_ms(se_s));
	stimer_wake(sip, d);
}

/* Hang up d, whose session timer ran out (why: how). */
static void
stimer_expire(struct cp_sip *sip, struct cp_sip_dialog *d, const char *why)
{
	LOG_INFO("sip: call %s: session timer expired (%s): BYE",
		 d->od->call_id, why);
	sip->st.session_expired++;
	d->se_expired = true;
	if (cp_sip_dialog_bye_why(sip, d, "Q.850;cause=102;text=\"session "
					  "timer expired\"") == -ENOMEM) {
		d->se_expired = false; /* tried again at the next walk */
		d->se_end_ms = now_ms() + 1000;
	}
}

/* Is an INVITE of the peer's in d not finished (answered and ACKed)? */
static bool
peer_invite_open(const struct cp_sip *sip, const struct cp_sip_dialog *d)
{
	if (d->resp_2xx != NULL)
		return true;
	for (const struct cp_sip_req *r = sip->reqs; r != NULL; r = r->next)
		if (r->dialog == d && r->invite && !r->final_sent)
			return true;
	return false;
}

/*
 * Refresh d's session (RFC 4028 §10), saying we go on refreshing: an
 * UPDATE without a body (RFC 3311: no offer), or, where the peer's Allow
 * has no UPDATE and we know our SDP, a re-INVITE offering it again
 * unchanged (not while an INVITE of the peer's is open, §14.1:
 * -EAGAIN).
 */
static int
stimer_refresh(struct cp_sip *sip, struct cp_sip_dialog *d)
{
	bool inv = !d->se_update && d->local_sdp != NULL;
	struct txn *t;
	char v[48], contact[512];
	osip_message_t *m;
	int rc;

	if (inv && peer_invite_open(sip, d))
		return -EAGAIN;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	dialog_next_hop(sip, d, &t->peer);
	m = build_request(sip, d, inv ? "INVITE" : "UPDATE", t->peer.proto);
	if (m == NULL) {
		free(t);
		return -ENOMEM;
	}
	snprintf(v, sizeof(v), "%u;refresher=uac", d->se_s);
	osip_message_set_header(m, "Session-Expires", v);
	osip_message_set_header(m, "Supported", sip->supported);
	osip_message_set_contact(m, contact_user_of(sip, t->peer.proto,
						    d->sips, d->contact_user,
						    contact, sizeof(contact)));
	if (inv) {
		osip_message_set_allow(m, sip->allow);
		set_body(m, "application/sdp", d->local_sdp);
	}
	if ((rc = start_client(sip, inv ? ICT : NICT, m, t, NULL)) < 0)
		return rc;
	t->upd = d;
	d->se_tx = t;
	d->se_reinvite = inv;
	sip->st.session_refreshes++;
	return 0;
}

/*
 * The 2xx to our refreshing re-INVITE: the ACK, kept in d->ack for copies
 * of the 2xx (reack()), the refresh done, and its answer to the
 * application (the peer may have moved its media there).
 */
static void
stimer_reinvite_2xx(struct txn *t, osip_message_t *m)
{
	struct cp_sip_dialog *d = t->upd;
	struct cp_sip *sip = t->sip;
	osip_body_t *b = NULL;
	char *ct = NULL;

	dialog_ack(sip, d, (uint32_t)d->od->local_cseq);
	stimer_refresh_done(t, 200, m);
	if (sip->app.on_reanswer == NULL || d->bye_sent)
		return;
	osip_message_get_body(m, 0, &b);
	if (m->content_type != NULL)
		osip_content_type_to_str(m->content_type, &ct);
	sip->app.on_reanswer(sip->app.ctx, d, ct,
			     b != NULL && b->body != NULL ? b->body : "");
	osip_free(ct);
}

/*
 * Our refresh got its final answer (code; 408 for none): a 2xx starts the
 * interval again, with the Session-Expires it says (refresher=uas: the
 * peer takes over); 408 or 481 end the session (§10); 422 asks a longer
 * interval, at once; 491 or 5xx again in 2 s; 405 or 501 to an UPDATE (no
 * UPDATE there after all): by re-INVITE at once, if we know our SDP;
 * anything else leaves the session without a timer.
 */
static void
stimer_refresh_done(struct txn *t, int code, const osip_message_t *m)
{
	struct cp_sip_dialog *d = t->upd;
	struct cp_sip *sip = t->sip;
	const char *v;
	uint32_t se = 0;
	bool we = true;
	uint64_t now = now_ms();

	if (d == NULL)
		return;
	t->upd = NULL;
	d->se_tx = NULL;
	if (d->se_s == 0 || d->bye_sent)
		return;
	if (code / 100 == 2) {
		if (m == NULL || !response_se(m, &se, &we)) {
			se = d->se_s; /* it knows no timers: ours goes on */
			we = true;
		}
		stimer_arm(sip, d, se, we, d->se_update);
		return;
	}
	if (code == 408 || code == 481) {
		/* hung up at the next walk: not inside libosip2's callback */
		d->se_why = code == 408 ? "our refresh got no answer"
					: "our refresh got 481";
		d->se_end_ms = now;
	} else if (code == 422 && m != NULL &&
		   (v = hdr(m, "min-se", NULL, 0)) != NULL &&
		   cp_stimer_parse_min_se(v, &se) == 0 && se > d->se_s) {
		d->se_s = se;
		d->se_refresh_ms = now;
	} else if (code == 491 || (code / 100 == 5 && code != 501)) {
		d->se_refresh_ms = now + 2000;
	} else if ((code == 405 || code == 501) && !d->se_reinvite &&
		   d->local_sdp != NULL) {
		LOG_INFO("sip: call %s: our UPDATE got %d: session refreshes "
			 "by re-INVITE",
			 d->od->call_id, code);
		d->se_update = false;
		d->se_refresh_ms = now;
	} else {
		LOG_INFO("sip: call %s: our session refresh got %d: no "
			 "session timer",
			 d->od->call_id, code);
		stimer_arm(sip, d, 0, false, false);
		return;
	}
	stimer_wake(sip, d);
}

/* Refreshes due and sessions over: the next due time. Walks the dialogs
 * only when one is due. */
static uint64_t
run_session_timers(struct cp_sip *sip, uint64_t now)
{
	struct cp_sip_dialog *d, *dn;
	uint64_t next = UINT64_MAX;

	if (sip->n_timed == 0)
		return UINT64_MAX;
	if (now < sip->se_due)
		return sip->se_due;
	for (d = sip->dialogs; d != NULL; d = dn) {
		dn = d->next;
		if (d->se_s == 0 || d->bye_sent)
			continue;
		if (now >= d->se_end_ms) {
			char why[64];

			if (d->se_why == NULL)
				snprintf(why, sizeof(why),
					 "not refreshed within %u s", d->se_s);
			stimer_expire(sip, d, d->se_why ? d->se_why : why);
			continue;
		}
		if (d->se_refresh && d->se_tx == NULL &&
		    now >= d->se_refresh_ms && stimer_refresh(sip, d) < 0)
			d->se_refresh_ms = now + 1000; /* memory, or -EAGAIN */
		if (stimer_next(d) < next)
			next = stimer_next(d);
	}
	sip->se_due = next;
	return next;
}

/*
 * UPDATE (RFC 3311) in an INVITE dialog: a session refresh (§10) or a
 * target refresh. An offer in it gets 488: media changes come by
 * re-INVITE (the focus's answers are built there).
 */
static void
handle_update(struct cp_sip *sip, osip_transaction_t *tr, osip_message_t *m)
{
	struct cp_sip_dialog *d = find_dialog(sip, m);
	struct cp_stimer_answer a;
	osip_message_t *r;
	char contact[512];
	bool update;

	if (d == NULL || d->sub_only) {
		reply_code(sip, tr, 481, 0, NULL, NULL);
		return;
	}
	if (osip_list_size(&m->bodies) > 0) {
		reply_code(sip, tr, 488, 0, "Warning",
			   "399 tutti \"no offer in UPDATE: send a re-INVITE\"");
		return;
	}
	if (stimer_check(sip, tr, m, &a, &update) != 0)
		return;
	if (dialog_request(sip, d, m) != 0) {
		reply_code(sip, tr, 500, 0, "Retry-After", "1");
		return;
	}
	if ((r = build_response(sip, m, 200, NULL, WITH_CAPS)) == NULL) {
		sip->st.tx_failed++;
		return;
	}
	osip_message_set_contact(r, contact_user_of(sip, d->peer.proto,
						    d->sips, d->contact_user,
						    contact, sizeof(contact)));
	stimer_decorate(r, &a);
	reply_txn(tr, r);
	stimer_arm(sip, d, a.se_s, a.uas_refresh, update);
	if (a.se_s != 0)
		sip->st.session_refreshed++;
}

static void
handle_refer(struct cp_sip *sip, osip_transaction_t *tr, osip_message_t *m,
	     struct txn *t)
{
	const char *rt = hdr(m, "refer-to", "r", 0);
	const char *by = hdr(m, "referred-by", "b", 0);
	struct cp_sip_dialog *d = NULL;
	struct cp_sip_req *r;
	char method[16], *uri = NULL, *by_uri;
	int rc;

	if (tag_of(m->to) != NULL) {
		if (!in_dialog(sip, tr, m, &d))
			return;
	} else if (!one_contact_uri(m)) {
		/* REFER makes a dialog: exactly one Contact (F-20) */
		reply_code(sip, tr, 400, 0, "Warning",
			   "399 tutti \"one Contact needed\"");
		return;
	}
	if (rt == NULL || hdr(m, "refer-to", "r", 1) != NULL) {
		reply_code(sip, tr, 400, 0, "Warning",
			   "399 tutti \"exactly one Refer-To needed\"");
		return;
	}
	rc = parse_refer_to(rt, &uri, method, sizeof(method));
	if (rc != 0) {
		reply_code(sip, tr, rc == 400 ? 400 : 500, 0, "Warning",
			   "399 tutti \"bad Refer-To; method goes inside "
			   "< > as a URI parameter (RFC 8217)\"");
		return;
	}
	if ((r = req_new(sip, tr, m)) == NULL) {
		free(uri);
		reply_code(sip, tr, 500, 0, NULL, NULL);
		return;
	}
	t->req = r;
	r->dialog = d;
	by_uri = name_addr_uri(by);
	sip->app.on_refer(sip->app.ctx, r, uri, method[0] ? method : NULL, by,
			  by_uri);
	free(by_uri);
	free(uri);
}

/* Expires of a SUBSCRIBE: -1 absent, -2 not a number; clamped (F-47). */
static int64_t
expires_of(const osip_message_t *m)
{
	const char *v = hdr(m, "expires", NULL, 0);
	unsigned long long n;
	char *end;

	if (v == NULL)
		return -1;
	v += strspn(v, " \t");
	if (*v < '0' || *v > '9')
		return -2;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end != '\0' && strspn(end, " \t") != strlen(end))
		return -2;
	return errno != 0 || n > UINT32_MAX ? (int64_t)UINT32_MAX : (int64_t)n;
}

static void
handle_subscribe(struct cp_sip *sip, osip_transaction_t *tr, osip_message_t *m,
		 struct txn *t)
{
	const char *ev = hdr(m, "event", "o", 0);
	int64_t expires = expires_of(m);
	struct cp_sip_dialog *d = NULL;
	struct cp_sip_sub *sub = NULL;
	struct cp_sip_req *r;
	char pkg[64], accept[256] = "";
	size_t n = 0;

	if (ev == NULL) { /* RFC 6665 §4.2.3; F-41 */
		reply_code(sip, tr, 489, WITH_EVENTS, NULL, NULL);
		return;
	}
	if (hdr(m, "event", "o", 1) != NULL || expires == -2) {
		reply_code(sip, tr, 400, 0, NULL, NULL);
		return;
	}
	snprintf(pkg, sizeof(pkg), "%.*s", (int)strcspn(ev, "; \t"), ev);
	if (strcmp(pkg, "conference") != 0 && strcmp(pkg, "refer") != 0) {
		reply_code(sip, tr, 489, WITH_EVENTS, NULL, NULL);
		return;
	}
	if (tag_of(m->to) != NULL) {
		if (!in_dialog(sip, tr, m, &d))
			return;
		if ((sub = find_sub(sip, d, ev)) == NULL) {
			/* RFC 6665 §4.5.2 (F-51); F-39 for refer */
			reply_code(sip, tr, 403, 0, "Warning",
				   "399 tutti \"no such subscription; "
				   "dialog sharing not supported\"");
			return;
		}
	} else if (strcmp(pkg, "refer") == 0) {
		reply_code(sip, tr, 403, 0, NULL, NULL); /* F-39 */
		return;
	} else if (!one_contact_uri(m)) {
		reply_code(sip, tr, 400, 0, "Warning",
			   "399 tutti \"one Contact needed\"");
		return;
	}
	/* libosip2 parses Accept into m->accepts; an empty one is "" */
	for (int i = 0; i < osip_list_size(&m->accepts); i++) {
		char *a = NULL;

		if (osip_accept_to_str(osip_list_get(&m->accepts, i), &a) ==
			    0 &&
		    n < sizeof(accept))
			n += (size_t)snprintf(accept + n, sizeof(accept) - n,
					      "%s%s", i ? ", " : "", a);
		osip_free(a);
	}
	if ((r = req_new(sip, tr, m)) == NULL) {
		reply_code(sip, tr, 500, 0, NULL, NULL);
		return;
	}
	t->req = r;
	r->dialog = d;
	r->sub = sub;
	r->expires = expires;
	snprintf(r->event, sizeof(r->event), "%s", ev);
	sip->app.on_subscribe(sip->app.ctx, r, ev, expires,
			      osip_list_size(&m->accepts) > 0 ? accept : NULL);
}

const char *
cp_sip_req_method(const struct cp_sip_req *req)
{
	return req->tr->orig_request->sip_method;
}

struct cp_sip_dialog *
cp_sip_req_dialog(const struct cp_sip_req *req)
{
	return req->dialog;
}

struct cp_sip_sub *
cp_sip_req_sub(const struct cp_sip_req *req)
{
	return req->sub;
}

/* ---- subscriptions and NOTIFY ---- */

static void
sub_free(struct cp_sip *sip, struct cp_sip_sub *sub)
{
	struct cp_sip_sub **pp;
	struct notify_q *n;

	for (pp = &sip->subs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sub) {
			*pp = sub->next;
			break;
		}
	for (struct cp_sip_req *r = sip->reqs; r != NULL; r = r->next)
		if (r->sub == sub)
			r->sub = NULL;
	if (sub->tx != NULL)
		sub->tx->sub = NULL;
	while ((n = sub->q) != NULL) {
		sub->q = n->next;
		free(n->content_type);
		free(n->body);
		free(n);
	}
	sip->st.subs_active--;
	sub->d->n_subs--;
	free(sub->subscriber);
	free(sub);
}

static void
sub_end(struct cp_sip *sip, struct cp_sip_sub *sub, enum cp_sip_sub_end why)
{
	struct cp_sip_dialog *d = sub->d;

	if (sip->app.on_sub_end != NULL)
		sip->app.on_sub_end(sip->app.ctx, sub, why);
	sub_free(sip, sub);
	if (d->sub_only && d->n_subs == 0)
		dialog_free(sip, d);
}

static void
notify_q_free(struct notify_q *n)
{
	if (n == NULL)
		return;
	free(n->content_type);
	free(n->body);
	free(n);
}

/*
 * RFC 3261 18.1.1 (S-32): a request over 1300 bytes (udp_limit_bytes) that
 * would go over UDP goes over a TCP connection of ours to the same address
 * instead: top Via and Contact say TCP. Keeps a copy of n in t to send
 * again over UDP if the connection fails (the SHOULD of 18.1.1). Returns
 * true if m is now for TCP.
 */
static bool
notify_over_tcp(struct cp_sip *sip, struct cp_sip_sub *sub, struct txn *t,
		osip_message_t *m, const struct notify_q *n, size_t len)
{
	struct cp_sip_peer tcp = t->peer;
	struct notify_q *copy;
	osip_via_t *via = osip_list_get(&m->vias, 0);
	char buf[512];

	tcp.proto = CP_SIP_TCP;
	tcp.conn_id = 0;
	if (sub->no_tcp || via == NULL || (copy = calloc(1, sizeof(*copy))) ==
							   NULL)
		return false;
	*copy = *n;
	copy->next = NULL;
	copy->content_type = n->content_type ? strdup(n->content_type) : NULL;
	copy->body = n->body ? strdup(n->body) : NULL;
	if ((n->content_type && !copy->content_type) ||
	    (n->body && !copy->body) ||
	    cp_sip_transport_connect(sip->tp, &tcp) < 0) {
		notify_q_free(copy);
		return false;
	}
	osip_free(via->protocol);
	via->protocol = osip_strdup("TCP");
	osip_list_special_free(&m->contacts,
			       (void (*)(void *))osip_contact_free);
	osip_message_set_contact(m, contact_user_of(sip, CP_SIP_TCP, false,
						    sub->d->contact_user, buf,
						    sizeof(buf)));
	t->peer = tcp;
	t->retry_udp = copy;
	sip->st.notify_tcp_big++;
	LOG_DEBUG("sip: NOTIFY of %zu bytes to %s over TCP (RFC 3261 18.1.1)",
		  len, sub->subscriber);
	return true;
}

static int
send_notify(struct cp_sip *sip, struct cp_sip_sub *sub,
	    const struct notify_q *n)
{
	struct cp_sip_dialog *d = sub->d;
	struct txn *t = calloc(1, sizeof(*t));
	uint64_t now = now_ms();
	osip_message_t *m;
	char buf[512], *str = NULL;
	size_t len = 0;
	int rc;

	if (t == NULL)
		return -ENOMEM;
	dialog_next_hop(sip, d, &t->peer);
	if ((m = build_request(sip, d, "NOTIFY", t->peer.proto)) == NULL) {
		free(t);
		return -ENOMEM;
	}
	osip_message_set_header(m, "Event", sub->event);
	if (n->state == CP_SIP_SUB_TERMINATED) {
		snprintf(buf, sizeof(buf), "terminated%s%s",
			 n->reason[0] ? ";reason=" : "", n->reason);
	} else {
		uint64_t left = n->expires_s;

		if (left == 0 && sub->expires_at_ms > now)
			left = (sub->expires_at_ms - now + 999) / 1000;
		snprintf(buf, sizeof(buf), "%s;expires=%" PRIu64,
			 n->state == CP_SIP_SUB_ACTIVE ? "active" : "pending",
			 left);
	}
	osip_message_set_header(m, "Subscription-State", buf);
	osip_message_set_contact(m, contact_user_of(sip, t->peer.proto,
						    d->sips, d->contact_user,
						    buf, sizeof(buf)));
	osip_message_set_header(m, "Allow-Events", sip->events);
	set_body(m, n->content_type, n->body);
	if (t->peer.proto == CP_SIP_UDP &&
	    osip_message_to_str(m, &str, &len) == 0 &&
	    len > sip->conf.udp_limit_bytes &&
	    !notify_over_tcp(sip, sub, t, m, n, len)) {
		/* no TCP to the subscriber: UDP it is (S-32) */
		sip->st.notify_udp_big++;
		LOG_INFO("sip: NOTIFY of %zu bytes over UDP to %s (call %s): "
			 "no TCP connection to it", len, sub->subscriber,
			 d->od->call_id);
	}
	osip_free(str);
	t->sub = sub;
	t->notify_final = n->state == CP_SIP_SUB_TERMINATED;
	if ((rc = start_client(sip, NICT, m, t, NULL)) < 0)
		return rc;
	sub->tx = t;
	sub->in_flight = true;
	sip->st.notify_sent++;
	return 0;
}

/* Send the next queued NOTIFY unless one is in flight (F-57). */
static void
sub_pump(struct cp_sip *sip, struct cp_sip_sub *sub)
{
	while (!sub->in_flight && sub->q != NULL) {
		struct notify_q *n = sub->q;
		bool final = n->state == CP_SIP_SUB_TERMINATED;
		int rc;

		sub->q = n->next;
		if (sub->q == NULL)
			sub->q_tail = &sub->q;
		rc = send_notify(sip, sub, n);
		free(n->content_type);
		free(n->body);
		free(n);
		if (rc < 0) {
			sip->st.tx_failed++;
			if (final) {
				sub_end(sip, sub,
					sub->expired
						? CP_SIP_SUB_END_EXPIRED
						: CP_SIP_SUB_END_TERMINATED);
				return;
			}
		}
	}
}

/* RFC 6665 §4.2.2: these answers to a NOTIFY end the subscription. */
static bool
notify_fatal(int code)
{
	return code == 404 || code == 405 || code == 408 || code == 410 ||
	       code == 416 || (code >= 480 && code <= 485) || code == 489 ||
	       code == 501 || code == 604;
}

/* A NOTIFY's transaction finished with code (408: timeout). */
static void
notify_done(struct txn *t, int code)
{
	struct cp_sip_sub *sub = t->sub;
	struct cp_sip *sip = t->sip;
	struct notify_q *retry = t->retry_udp;

	t->retry_udp = NULL;
	if (sub == NULL) {
		notify_q_free(retry);
		return;
	}
	t->sub = NULL;
	sub->tx = NULL;
	sub->in_flight = false;
	if (retry != NULL && code == 408 &&
	    !cp_sip_transport_conn_is_open(sip->tp, t->peer.conn_id)) {
		/* the connection for its size failed: UDP, now and after */
		LOG_INFO("sip: no TCP connection to %s for a big NOTIFY: "
			 "sending it over UDP", sub->subscriber);
		sub->no_tcp = true;
		if (t->notify_final)
			sub->final_queued = true;
		retry->next = sub->q;
		sub->q = retry;
		if (sub->q_tail == &sub->q)
			sub->q_tail = &retry->next;
		sub_pump(sip, sub);
		return;
	}
	notify_q_free(retry);
	if (code / 100 != 2 && notify_fatal(code)) {
		sip->st.notify_failed++;
		LOG_INFO("sip: NOTIFY to %s got %d: subscription ended",
			 sub->subscriber, code);
		sub_end(sip, sub, CP_SIP_SUB_END_NOTIFY_FAILED);
	} else if (t->notify_final) {
		sub_end(sip, sub,
			sub->expired ? CP_SIP_SUB_END_EXPIRED
				     : CP_SIP_SUB_END_TERMINATED);
	} else {
		sub_pump(sip, sub);
	}
}

static struct cp_sip_sub *
sub_new(struct cp_sip *sip, struct cp_sip_req *req, void *app)
{
	struct cp_sip_sub *sub = calloc(1, sizeof(*sub));

	if (sub == NULL)
		return NULL;
	sub->sip = sip;
	sub->app = app;
	sub->refer = !MSG_IS_SUBSCRIBE(req->tr->orig_request);
	sub->q_tail = &sub->q;
	return sub;
}

/* sub now lives in d (RFC 3515 §2.4.6: ;id= from the second REFER on). */
static void
sub_attach(struct cp_sip *sip, struct cp_sip_sub *sub, struct cp_sip_req *req,
	   struct cp_sip_dialog *d)
{
	sub->d = d;
	if (!sub->refer)
		snprintf(sub->event, sizeof(sub->event), "%s", req->event);
	else if (d->n_refers++ == 0)
		snprintf(sub->event, sizeof(sub->event), "refer");
	else
		snprintf(sub->event, sizeof(sub->event), "refer;id=%" PRIu32,
			 req->cseq);
	sub->subscriber = uri_dup(
		d->od->remote_uri != NULL ? d->od->remote_uri->url : NULL);
	d->n_subs++;
	sub->next = sip->subs;
	sip->subs = sub;
	sip->st.subs_active++;
}

int
cp_sip_sub_answer(struct cp_sip *sip, struct cp_sip_req *req, int code,
		  uint32_t expires_s, void *app, struct cp_sip_sub **out)
{
	struct cp_sip_sub *sub = NULL;
	osip_message_t *orig, *r;
	char buf[24];
	int rc;

	if (sip == NULL || req == NULL || req->invite || code < 200 ||
	    code > 699)
		return -EINVAL;
	if (req->final_sent)
		return -EALREADY;
	orig = req->tr->orig_request;
	if (code >= 300 && code != 423)
		return cp_sip_reply(sip, req, code, NULL, NULL);
	/* never longer than asked (RFC 6665 §4.2.1.1) */
	if (code < 300 && MSG_IS_SUBSCRIBE(orig) && req->expires >= 0 &&
	    expires_s > req->expires)
		expires_s = (uint32_t)req->expires;
	r = build_response(sip, orig, code, req->to_tag,
			   code == 423 ? 0 : WITH_CAPS);
	if (r == NULL)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), "%" PRIu32, expires_s);
	if (code == 423) {
		osip_message_set_header(r, "Min-Expires", buf);
		goto out_send;
	}
	if (MSG_IS_SUBSCRIBE(orig))
		osip_message_set_expires(r, buf);
	if (req->sub != NULL) {
		sub = req->sub; /* a refresh */
		decorate_2xx(sip, req, r);
	} else {
		rc = -ENOMEM;
		if ((sub = sub_new(sip, req, app)) == NULL)
			goto out_free;
		decorate_2xx(sip, req, r);
		if (req->dialog == NULL) {
			if ((rc = add_dialog(sip, req, r)) < 0)
				goto out_free_sub;
			req->dialog->sub_only = true;
		}
		sub_attach(sip, sub, req, req->dialog);
	}
	sub->expires_at_ms = now_ms() + 1000ULL * expires_s;
out_send:
	req->final_sent = true;
	reply_txn(req->tr, r);
	if (out != NULL)
		*out = sub;
	return 0;
out_free_sub:
	free(sub);
out_free:
	osip_message_free(r);
	return rc;
}

int
cp_sip_notify(struct cp_sip *sip, struct cp_sip_sub *sub,
	      const char *content_type, const char *body,
	      enum cp_sip_sub_state state, const char *reason,
	      uint32_t expires_left_s)
{
	struct notify_q *n;

	if (sip == NULL || sub == NULL || state > CP_SIP_SUB_TERMINATED ||
	    (reason != NULL && (strlen(reason) >= sizeof(n->reason) ||
				strpbrk(reason, "\r\n;, ") != NULL)) ||
	    (content_type != NULL && !is_header_safe(content_type)))
		return -EINVAL;
	if (sub->final_queued)
		return -ESHUTDOWN;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -ENOMEM;
	if (content_type != NULL && body != NULL &&
	    ((n->content_type = strdup(content_type)) == NULL ||
	     (n->body = strdup(body)) == NULL)) {
		free(n->content_type);
		free(n);
		return -ENOMEM;
	}
	n->state = state;
	n->expires_s = expires_left_s;
	if (reason != NULL && state == CP_SIP_SUB_TERMINATED)
		snprintf(n->reason, sizeof(n->reason), "%s", reason);
	*sub->q_tail = n;
	sub->q_tail = &n->next;
	if (state == CP_SIP_SUB_TERMINATED)
		sub->final_queued = true;
	sub_pump(sip, sub);
	return 0;
}

int
cp_sip_refer_notify(struct cp_sip *sip, struct cp_sip_sub *sub, int status_code,
		    const char *reason, bool final)
{
	char body[160];

	if (sub == NULL || !sub->refer || status_code < 100 ||
	    status_code > 699 || (reason != NULL && !is_header_safe(reason)))
		return -EINVAL;
	if (reason == NULL)
		reason = osip_message_get_reason(status_code);
	snprintf(body, sizeof(body), "SIP/2.0 %d %s\r\n", status_code,
		 reason != NULL ? reason : "Unknown");
	return cp_sip_notify(sip, sub, SIPFRAG, body,
			     final ? CP_SIP_SUB_TERMINATED : CP_SIP_SUB_ACTIVE,
			     final ? "noresource" : NULL, 0);
}

void
cp_sip_sub_set_app(struct cp_sip_sub *sub, void *app)
{
	sub->app = app;
}

void *
cp_sip_sub_app(const struct cp_sip_sub *sub)
{
	return sub->app;
}

bool
cp_sip_sub_is_refer(const struct cp_sip_sub *sub)
{
	return sub->refer;
}

const char *
cp_sip_sub_subscriber(const struct cp_sip_sub *sub)
{
	return sub->subscriber != NULL ? sub->subscriber : "";
}

/* ---- dial-out: the UAC ---- */

static void
auth_set_free(struct auth_set *a)
{
	for (unsigned i = 0; i < a->n; i++)
		free(a->h[i].value);
	a->n = 0;
}

static void
call_free(struct cp_sip *sip, struct cp_sip_call *c)
{
	struct cp_sip_call **pp;
	struct txn *t =
		c->tr != NULL ? osip_transaction_get_reserved1(c->tr) : NULL;

	for (pp = &sip->calls; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (t != NULL)
		t->call = NULL;
	if (c->invite != NULL)
		osip_message_free(c->invite);
	auth_set_free(&c->auth);
	free(c->call_id);
	free(c->sdp);
	for (unsigned k = 0; k < c->n_rel; k++)
		free(c->rel[k].sdp);
	free(c->dest_name);
	free(c->dest);
	free(c);
}

static void
call_failed(struct cp_sip *sip, struct cp_sip_call *c, int code)
{
	if (sip->app.on_call_failed != NULL)
		sip->app.on_call_failed(sip->app.ctx, c, code);
	call_free(sip, c);
}

/* A hop's 503, for the log ("failed it (...)") and tuttictl proxies. */
static const char why_503[] = "a dial-out got 503";

/*
 * c's next hop (an outbound proxy, or an address of its target's name)
 * failed it with code, why: a 503, no answer (408; not after a
 * provisional), its connection gone (why NULL: none of those, the hop is
 * not to blame). A proxy is then down. True if c goes on to the next hop
 * (at the next run_app_timers(): c->tr is dropped now).
 */
static bool
call_failover(struct cp_sip *sip, struct cp_sip_call *c, int code,
	      const char *why, uint32_t retry_after_s)
{
	if (why == NULL || (code == 408 && c->got_1xx))
		return false;
	if (c->dest != NULL) { /* the target's next address (RFC 3263) */
		if (c->cancel_wanted || c->dest_i >= c->n_dest)
			return false;
		if (why == why_503) /* (a proxy's words say "a dial-out") */
			why = "it answered 503";
	} else {
		if (c->hop < 0)
			return false;
		proxy_set_down(sip, (unsigned)c->hop, why, retry_after_s);
		if (c->cancel_wanted || c->invite == NULL ||
		    proxy_pick(sip, c->tried) < 0)
			return false;
	}
	snprintf(c->why, sizeof(c->why), "%s", why);
	c->tr = NULL;
	c->hop_deadline_ms = 0;
	c->failover_code = code;
	return true;
}

/* t's dial-out failed with code; why: what its proxy did wrong, for the
 * log, or NULL (call_failover()). */
static void
call_fail(struct txn *t, int code, const char *why, uint32_t retry_after_s)
{
	struct cp_sip_call *c = t->call;
	struct cp_sip *sip = t->sip;

	if (c == NULL)
		return;
	t->call = NULL;
	if (call_failover(sip, c, code, why, retry_after_s))
		return;
	if (c->hop >= 0 && why == NULL)
		proxy_set_up(sip, (unsigned)c->hop, "it answered a dial-out");
	call_failed(sip, c, code);
}

/* CANCEL (§9.1): the INVITE's Request-URI, top Via, From, To, Call-ID. */
static int
send_cancel(struct cp_sip *sip, struct cp_sip_call *c)
{
	osip_message_t *inv = c->tr->orig_request, *m;
	osip_via_t *via = NULL;
	struct txn *t;

	if (inv == NULL || osip_message_init(&m) != 0)
		return -ENOMEM;
	osip_message_set_method(m, osip_strdup("CANCEL"));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	osip_uri_clone(inv->req_uri, &m->req_uri);
	if (osip_via_clone(osip_list_get(&inv->vias, 0), &via) == 0)
		osip_list_add(&m->vias, via, -1);
	osip_from_clone(inv->from, &m->from);
	osip_to_clone(inv->to, &m->to);
	osip_call_id_clone(inv->call_id, &m->call_id);
	if (osip_cseq_init(&m->cseq) == 0) {
		osip_cseq_set_number(m->cseq, osip_strdup(inv->cseq->number));
		osip_cseq_set_method(m->cseq, osip_strdup("CANCEL"));
	}
	/* §9.1: the INVITE's Route (an outbound proxy's), the same */
	osip_list_clone(&inv->routes, &m->routes,
			(int (*)(void *, void **))osip_route_clone);
	osip_message_set_max_forwards(m, "70");
	if (c->cancel_reason[0] != '\0')
		osip_message_set_header(m, "Reason", c->cancel_reason);
	osip_message_set_content_length(m, "0");
	if (m->req_uri == NULL || via == NULL || m->from == NULL ||
	    m->to == NULL || m->call_id == NULL || m->cseq == NULL ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		osip_message_free(m);
		return -ENOMEM;
	}
	t->peer = c->peer;
	c->cancel_sent = true;
	return start_client(sip, NICT, m, t, NULL);
}

/*
 * A provisional m to c's INVITE: if reliable (Require: 100rel, RFC 3262
 * §4), PRACK it in its early dialog (RAck: its RSeq and the INVITE's
 * CSeq; §7.2), the first with each RSeq of that dialog and in order; an
 * SDP body in it is the answer to our offer (§5), kept for a 2xx with
 * none. True: m is to be dropped (a copy, out of order, or no RSeq).
 */
static bool
prack(struct cp_sip *sip, struct cp_sip_call *c, osip_message_t *m)
{
	const char *v, *tag = tag_of(m->to);
	struct cp_sip_dialog early = { .sip = sip };
	osip_message_t *req;
	osip_body_t *b = NULL;
	struct txn *t;
	char rack[64], *end = NULL;
	unsigned long rseq, inv;
	unsigned k;
	bool rel = false;

	for (int i = 0; (v = hdr(m, "require", NULL, i)) != NULL; i++)
		rel |= cp_stimer_has_token(v, "100rel");
	if (!rel)
		return false;
	v = hdr(m, "rseq", NULL, 0);
	if (v != NULL)
		rseq = strtoul(v, &end, 10);
	if (v == NULL || end == v || rseq == 0 || rseq > 0x7fffffffUL ||
	    tag == NULL || strlen(tag) >= sizeof(c->rel[0].tag) ||
	    m->cseq == NULL || m->cseq->number == NULL) {
		LOG_INFO("sip: dial-out %s: a reliable %d without a usable "
			 "RSeq or To-tag: dropped", c->call_id, m->status_code);
		return true;
	}
	for (k = 0; k < c->n_rel; k++)
		if (strcmp(c->rel[k].tag, tag) == 0)
			break;
	if (k < c->n_rel && rseq != (unsigned long)c->rel[k].rseq + 1)
		return true; /* a copy, or out of order: not taken (§4) */
	if (k == CALL_EARLY_MAX)
		return true;
	if (osip_dialog_init_as_uac(&early.od, m) != 0 ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		if (early.od != NULL)
			osip_dialog_free(early.od);
		return true; /* no memory: the callee sends it again */
	}
	if (k == c->n_rel) {
		snprintf(c->rel[k].tag, sizeof(c->rel[k].tag), "%s", tag);
		c->n_rel++;
	}
	c->rel[k].rseq = (uint32_t)rseq;
	early.peer = c->peer;
	early.sips = c->sips;
	inv = strtoul(m->cseq->number, NULL, 10);
	early.od->local_cseq = (int)(c->prack_cseq > inv ? c->prack_cseq : inv);
	dialog_next_hop(sip, &early, &t->peer);
	req = build_request(sip, &early, "PRACK", t->peer.proto);
	osip_dialog_free(early.od);
	if (req == NULL) {
		free(t);
		LOG_INFO("sip: dial-out %s: a reliable %d with no Contact (or "
			 "no memory): not PRACKed", c->call_id, m->status_code);
		return false;
	}
	c->prack_cseq = (uint32_t)strtoul(req->cseq->number, NULL, 10);
	snprintf(rack, sizeof(rack), "%lu %s INVITE", rseq, m->cseq->number);
	osip_message_set_header(req, "RAck", rack);
	if (start_client(sip, NICT, req, t, NULL) < 0)
		sip->st.tx_failed++;
	else
		sip->st.prack_sent++;
	osip_message_get_body(m, 0, &b);
	if (c->rel[k].sdp == NULL && b != NULL && b->body != NULL &&
	    is_sdp(m->content_type))
		c->rel[k].sdp = strdup(b->body);
	return false;
}

static void
on_ict_1xx(int type, osip_transaction_t *tr, osip_message_t *m)
{
	struct txn *t = osip_transaction_get_reserved1(tr);
	struct cp_sip_call *c = t != NULL ? t->call : NULL;
	struct cp_sip *sip;

	(void)type;
	if (c == NULL || m == NULL)
		return;
	sip = c->sip;
	c->got_1xx = true;
	if (c->hop >= 0)
		proxy_set_up(sip, (unsigned)c->hop, "it answered a dial-out");
	if (c->cancel_wanted && !c->cancel_sent && send_cancel(sip, c) < 0)
		sip->st.tx_failed++;
	if (m->status_code > 100 && !prack(sip, c, m) &&
	    sip->app.on_call_progress != NULL)
		sip->app.on_call_progress(sip->app.ctx, c, m->status_code);
}

/*
 * The dialog a 2xx to our INVITE makes (§12.1.2: the route set is the
 * reversed Record-Route), and the ACK for it (§13.2.2.4), kept for
 * the 2xx's retransmissions.
 */
static struct cp_sip_dialog *
uac_dialog(struct cp_sip *sip, struct cp_sip_call *c, osip_message_t *resp)
{
	struct cp_sip_dialog *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	if (osip_dialog_init_as_uac(&d->od, resp) != 0) {
		free(d);
		return NULL;
	}
	d->sip = sip;
	d->peer = c->peer;
	d->sips = c->sips;
	d->uac = true;
	d->app = c->app;
	memcpy(d->contact_user, c->contact_user, sizeof(d->contact_user));
	dialog_link(sip, d);
	sip->st.dialogs_created++;
	dialog_ack(sip, d, (uint32_t)strtoul(resp->cseq->number, NULL, 10));
	return d;
}

/*
 * A 2xx to our INVITE after the first one: a copy gets our ACK again; one
 * from another branch of a forked INVITE (another To-tag) gets an ACK and
 * a BYE, and the app never sees that dialog (§13.2.2.4).
 */
static bool
reack(struct cp_sip *sip, osip_message_t *m)
{
	struct cp_sip_dialog *sibling = NULL, *d;
	struct cp_sip_call fork = { .sip = sip };
	struct cp_sip_peer to;

	if (m->status_code / 100 != 2 || m->cseq == NULL ||
	    !str_eq(m->cseq->method, "INVITE") || m->call_id == NULL)
		return false;
	for (d = dlg_bucket(sip, m); d != NULL; d = d->hnext) {
		if (!call_id_is(d->od->call_id, m->call_id) ||
		    !str_eq(d->od->local_tag, tag_of(m->from)))
			continue;
		if (d->uac)
			sibling = d;
		/* a dial-out's dialog, or one where we re-INVITEd to
		 * refresh (then with the ACK of the latest) */
		if ((!d->uac && d->ack == NULL) ||
		    !str_eq(d->od->remote_tag, tag_of(m->to)))
			continue;
		if (d->ack != NULL &&
		    strtoul(m->cseq->number, NULL, 10) == d->ack_cseq) {
			dialog_next_hop(sip, d, &to);
			if (cp_sip_transport_send(sip->tp, &to, d->ack,
						  d->ack_len) == 0)
				sip->st.acks_sent++;
		}
		return true; /* an older 2xx's copy: its ACK is long gone */
	}
	if (sibling == NULL)
		return false;
	fork.peer = sibling->peer;
	memcpy(fork.contact_user, sibling->contact_user,
	       sizeof(fork.contact_user));
	if ((d = uac_dialog(sip, &fork, m)) != NULL) {
		d->orphan = true;
		LOG_INFO("sip: forked 2xx for call %s: ACK and BYE",
			 d->od->call_id);
		cp_sip_dialog_bye_why(sip, d, "SIP;cause=200;text=\"Call "
					      "completed elsewhere\"");
	}
	return true;
}

/*
 * The callee's 2xx to our INVITE and its Session-Expires (RFC 4028 §7.2):
 * refresher=uas, the callee refreshes; uac (or none said), we do.
 */
static void
stimer_answered(struct cp_sip *sip, struct cp_sip_dialog *d,
		const osip_message_t *m)
{
	uint32_t se;
	bool we;

	if (sip->supported[0] == '\0' || !response_se(m, &se, &we))
		return;
	stimer_arm(sip, d, se, we, allows_update(m));
}

/* The answer a reliable provisional of the early dialog that 2xx m
 * confirms (its To-tag) brought, or NULL. */
static const char *
early_answer(const struct cp_sip_call *c, osip_message_t *m)
{
	const char *tag = tag_of(m->to);

	for (unsigned k = 0; tag != NULL && k < c->n_rel; k++)
		if (strcmp(c->rel[k].tag, tag) == 0)
			return c->rel[k].sdp;
	return NULL;
}

static void
on_ict_2xx(int type, osip_transaction_t *tr, osip_message_t *m)
{
	struct txn *t = osip_transaction_get_reserved1(tr);
	struct cp_sip_call *c = t != NULL ? t->call : NULL;
	struct cp_sip_dialog *d;
	osip_body_t *b = NULL;
	const char *early;
	char *ct = NULL;
	struct cp_sip *sip;

	(void)type;
	if (t != NULL && t->upd != NULL && m != NULL) {
		stimer_reinvite_2xx(t, m); /* our refresh */
		return;
	}
	if (c == NULL || m == NULL)
		return;
	sip = c->sip;
	if (c->hop >= 0)
		proxy_set_up(sip, (unsigned)c->hop, "it answered a dial-out");
	if ((d = uac_dialog(sip, c, m)) == NULL) {
		/* no memory: the callee will time out */
		call_fail(t, 500, NULL, 0);
		return;
	}
	t->call = NULL;
	d->local_sdp = c->sdp;
	c->sdp = NULL;
	if ((uint32_t)d->od->local_cseq < c->prack_cseq) /* above PRACKs */
		d->od->local_cseq = (int)c->prack_cseq;
	stimer_answered(sip, d, m);
	osip_message_get_body(m, 0, &b);
	if ((b == NULL || b->body == NULL || b->body[0] == '\0') &&
	    (early = early_answer(c, m)) != NULL) {
		/* the answer came in a reliable provisional of this dialog
		 * (RFC 3262 §5) */
		if (sip->app.on_call_answered != NULL)
			sip->app.on_call_answered(sip->app.ctx, c, d,
						  "application/sdp", early);
		call_free(sip, c);
		return;
	}
	if (m->content_type != NULL)
		osip_content_type_to_str(m->content_type, &ct);
	if (sip->app.on_call_answered != NULL)
		sip->app.on_call_answered(sip->app.ctx, c, d, ct,
					  b != NULL && b->body != NULL ? b->body
								       : "");
	osip_free(ct);
	call_free(sip, c);
}

/* m without credentials: no Authorization or Proxy-Authorization. */
static void
strip_auth(osip_message_t *m)
{
	osip_list_special_free(&m->authorizations,
			       (void (*)(void *))osip_authorization_free);
	osip_list_special_free(&m->proxy_authorizations,
			       (void (*)(void *))osip_authorization_free);
	for (int i = osip_list_size(&m->headers) - 1; i >= 0; i--) {
		osip_header_t *h = osip_list_get(&m->headers, i);

		if (h->hname != NULL &&
		    (strcasecmp(h->hname, "authorization") == 0 ||
		     strcasecmp(h->hname, "proxy-authorization") == 0)) {
			osip_list_remove(&m->headers, i);
			osip_header_free(h);
		}
	}
}

/*
 * Answer one challenge ch (of a 407 if proxy, else of a 401) to req: its
 * realm's credentials go in a (the realm's earlier ones replaced). 1:
 * answered; 0: not (no credentials for its realm, or an earlier challenge
 * of the same response answered it); -1: refused (why says so): the realm
 * challenged again a request that carried them (refused_if_known), and not
 * as stale. label names the request's call for the log.
 */
static int
auth_answer(struct cp_sip *sip, struct auth_set *a, bool proxy,
	    const struct cp_digest_chal *ch, const osip_message_t *req,
	    bool refused_if_known, unsigned *done, const char *label,
	    char *why, size_t why_len)
{
	const struct cp_cred *cred = cp_creds_find(sip->creds, ch->realm);
	char cnonce[TAG_HEX + 1], val[1024], *uri = NULL;
	char pw_ha1[CP_DIGEST_HEX_MAX];
	const char *ha1;
	unsigned k;

	for (k = 0; k < a->n; k++)
		if (a->h[k].proxy == proxy &&
		    strcmp(a->h[k].realm, ch->realm) == 0)
			break;
	if (k < a->n && (*done & (1u << k)))
		return 0; /* the topmost of the realm's (RFC 8760 §2.4) */
	if (cred == NULL) {
		snprintf(why, why_len, "realm \"%s\" asks for credentials: "
			 "--credentials has none for it", ch->realm);
		return 0;
	}
	if (k < a->n && refused_if_known && !ch->stale) {
		snprintf(why, why_len, "realm \"%s\" refused the credentials "
			 "of %s", ch->realm, cred->user);
		return -1;
	}
	ha1 = ch->alg == CP_DIGEST_SHA256 ? cred->ha1_sha256 : cred->ha1_md5;
	if (cred->password[0] == '\0' && ha1[0] == '\0') {
		snprintf(why, why_len, "realm \"%s\" asks for %s: "
			 "--credentials has no password and no %s HA1 for it",
			 ch->realm, cp_digest_alg_name(ch->alg),
			 cp_digest_alg_name(ch->alg));
		return 0;
	}
	if (k == AUTH_REALMS || strlen(ch->realm) >= sizeof(a->h[0].realm) ||
	    osip_uri_to_str(req->req_uri, &uri) != 0)
		return 0;
	random_hex(cnonce, TAG_HEX);
	if (cred->password[0] != '\0') { /* the HA1 of the password */
		cp_digest_ha1(ch->alg, cred->user, ch->realm, cred->password,
			      pw_ha1);
		ha1 = pw_ha1;
	}
	if (cp_digest_answer_ha1(val, sizeof(val), ch, cred->user, ha1,
				 req->sip_method, uri, cnonce, 1) < 0) {
		osip_free(uri);
		snprintf(why, why_len, "realm \"%s\": its challenge cannot be "
			 "answered (too long, or control characters)",
			 ch->realm);
		return 0;
	}
	osip_free(uri);
	if (k == a->n) {
		a->h[k].value = NULL;
		a->h[k].proxy = proxy;
		snprintf(a->h[k].realm, sizeof(a->h[k].realm), "%s",
			 ch->realm);
	}
	free(a->h[k].value);
	if ((a->h[k].value = strdup(val)) == NULL) {
		if (k < a->n)
			a->h[k] = a->h[--a->n]; /* forget it */
		return 0;
	}
	if (k == a->n)
		a->n++;
	*done |= 1u << k;
	LOG_INFO("sip: %s: %d from realm \"%s\": the %s goes again with the "
		 "credentials of %s (%s%s)",
		 label, proxy ? 407 : 401, ch->realm, req->sip_method,
		 cred->user, cp_digest_alg_name(ch->alg),
		 ch->stale ? ", nonce stale" : "");
	return 1;
}

/*
 * The challenges of m (a 401 or 407) to req answered into a (RFC 3261
 * §22.2; auth_answer()): how many, 0 if none could be (why says why), -1
 * if refused.
 */
static int
auth_challenges(struct cp_sip *sip, struct auth_set *a,
		const osip_message_t *m, const osip_message_t *req,
		bool refused_if_known, const char *label, char *why,
		size_t why_len)
{
	bool proxy = m->status_code == 407;
	const osip_list_t *l =
		proxy ? &m->proxy_authenticates : &m->www_authenticates;
	struct cp_digest_chal *ch = malloc(sizeof(*ch));
	unsigned done = 0, answered = 0;
	int rc = 0;

	if (ch == NULL) {
		snprintf(why, why_len, "no memory");
		return 0;
	}
	for (int i = 0; rc >= 0 && i < osip_list_size(l); i++) {
		osip_www_authenticate_t *wa = osip_list_get(l, i);
		char *v = NULL;
		int r;

		if (osip_www_authenticate_to_str(wa, &v) != 0)
			continue;
		r = cp_digest_chal_parse(ch, v);
		if (r < 0 && why[0] == '\0')
			snprintf(why, why_len, "a challenge it cannot answer: "
				 "%.160s", v);
		osip_free(v);
		if (r == 0 &&
		    (rc = auth_answer(sip, a, proxy, ch, req, refused_if_known,
				      &done, label, why, why_len)) > 0)
			answered++;
	}
	free(ch);
	if (rc < 0)
		return -1;
	if (answered == 0 && why[0] == '\0')
		snprintf(why, why_len, "no challenge in it");
	return (int)answered;
}

/*
 * req again as a new client transaction (RFC 3261 §8.1.1.7, §22.2): its
 * Vias replaced by one of ours over proto with a new branch, CSeq cseq.
 * NULL: no memory.
 */
static osip_message_t *
request_again(const struct cp_sip *sip, const osip_message_t *req,
	      enum cp_sip_proto proto, uint32_t cseq)
{
	osip_message_t *n = NULL;
	char buf[32];

	if (req->cseq == NULL || osip_message_clone(req, &n) != 0)
		return NULL;
	osip_list_special_free(&n->vias, (void (*)(void *))osip_via_free);
	set_new_via(sip, n, proto);
	snprintf(buf, sizeof(buf), "%" PRIu32, cseq);
	osip_free(n->cseq->number);
	n->cseq->number = osip_strdup(buf);
	if (osip_list_size(&n->vias) != 1 || n->cseq->number == NULL) {
		osip_message_free(n);
		return NULL;
	}
	return n;
}

/*
 * req again (request_again(): a new transaction, CSeq cseq) with a's
 * credentials and no others: the request a challenge is answered with
 * (§22.2). NULL: no memory.
 */
static osip_message_t *
auth_request(struct cp_sip *sip, const struct auth_set *a,
	     const osip_message_t *req, enum cp_sip_proto proto, uint32_t cseq)
{
	osip_message_t *n = request_again(sip, req, proto, cseq);

	if (n == NULL)
		return NULL;
	strip_auth(n);
	for (unsigned k = 0; k < a->n; k++)
		osip_message_set_header(n, a->h[k].proxy
						   ? "Proxy-Authorization"
						   : "Authorization",
					a->h[k].value);
	return n;
}

/*
 * A 401 or 407 m to req (the request of transaction tr): req again with
 * credentials for each realm that challenged it and --credentials knows,
 * and those it carried in a for other realms (§22.3), as a new client
 * transaction to peer with CSeq cseq (auth_request(); §22.2): started,
 * its state returned (*out: the transaction). refused_if_known: req
 * carried a's already (a realm that challenges it again, not as stale,
 * refuses them); tries: challenges answered before (AUTH_TRIES at most).
 * NULL if not sent: no challenge it can answer, refused, or no memory,
 * counted auth_failed and logged as "LABEL: our METHOD got CODE: why"
 * and then.
 */
static struct txn *
auth_again(struct cp_sip *sip, struct auth_set *a, const osip_message_t *m,
	   osip_transaction_t *tr, bool refused_if_known, unsigned tries,
	   const char *label, const char *then,
	   const struct cp_sip_peer *peer, uint32_t cseq,
	   osip_transaction_t **out)
{
	osip_message_t *req = tr->orig_request, *n = NULL;
	char why[256] = "";
	struct txn *t = NULL;
	int rc = 0;

	if (sip->creds == NULL)
		snprintf(why, sizeof(why), "no --credentials to answer it");
	else if (tries >= AUTH_TRIES)
		snprintf(why, sizeof(why), "challenged %u times", AUTH_TRIES);
	else
		rc = auth_challenges(sip, a, m, req, refused_if_known, label,
				     why, sizeof(why));
	if (rc <= 0 ||
	    (n = auth_request(sip, a, req, peer->proto, cseq)) == NULL ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		if (n != NULL)
			osip_message_free(n);
		sip->st.auth_failed++;
		LOG_WARN("sip: %s: our %s got %d: %s%s", label,
			 req->sip_method, m->status_code,
			 why[0] != '\0' ? why : "no memory", then);
		return NULL;
	}
	t->peer = *peer;
	if (start_client(sip, MSG_IS_INVITE(req) ? ICT : NICT, n, t, out) <
	    0) {
		sip->st.tx_failed++;
		return NULL;
	}
	sip->st.auth_sent++;
	return t;
}

/*
 * A 401 or 407 m to c's INVITE (transaction tr): the INVITE again in a new
 * transaction (auth_again(): CSeq one up) with credentials. True if sent.
 * Not: the dial-out then fails with m's code.
 */
static bool
call_auth(struct cp_sip *sip, struct cp_sip_call *c, osip_transaction_t *tr,
	  const osip_message_t *m)
{
	char label[160];
	struct txn *t;

	if (tr->orig_request == NULL || c->cancel_wanted)
		return false;
	snprintf(label, sizeof(label), "dial-out %s", c->call_id);
	t = auth_again(sip, &c->auth, m, tr, tr == c->auth_tr, c->auth_tries,
		       label, "", &c->peer, c->cseq + 1, &c->tr);
	if (t == NULL)
		return false;
	c->cseq++;
	t->call = c;
	c->auth_tr = c->tr;
	c->auth_tries++;
	c->got_1xx = false;
	if (c->hop_deadline_ms != 0) /* the hop answers this one in time too */
		c->hop_deadline_ms = now_ms() + sip->conf.proxy_timeout_ms;
	return true;
}

/*
 * A 401 or 407 m to our request in a dialog (transaction tr, state t: a
 * BYE, a session refresh, a NOTIFY): the request again with credentials
 * (§22.2: a new transaction, the dialog's next CSeq), once, so that a
 * proxy that challenges requests in a dialog lets it through. The new
 * transaction takes over t's part (the refresh; the NOTIFY and its
 * subscription); a BYE's dialog ends here whatever comes of it
 * (bye_done()). True if sent; if not, t's part ends with m's code.
 */
static bool
dialog_auth(struct cp_sip *sip, struct txn *t, osip_transaction_t *tr,
	    const osip_message_t *m)
{
	struct cp_sip_dialog *d = t->dlg != NULL   ? t->dlg
				  : t->upd != NULL ? t->upd
				  : t->sub != NULL ? t->sub->d
						   : NULL;
	struct auth_set a = { .n = 0 };
	char label[160];
	struct txn *t2;

	if (d == NULL || d->od == NULL || tr->orig_request == NULL ||
	    t->authed)
		return false;
	snprintf(label, sizeof(label), "call %s", d->od->call_id);
	t2 = auth_again(sip, &a, m, tr, false, 0, label,
			t->dlg != NULL ? ": the peer may not have hung up" : "",
			&t->peer, (uint32_t)d->od->local_cseq + 1, NULL);
	auth_set_free(&a);
	if (t2 == NULL)
		return false;
	d->od->local_cseq++;
	t2->authed = true;
	if (t->upd != NULL) { /* the refresh goes on in t2 */
		t2->upd = t->upd;
		t->upd->se_tx = t2;
		t->upd = NULL;
	}
	if (t->sub != NULL) { /* the NOTIFY is in flight again in t2 */
		t2->sub = t->sub;
		t2->notify_final = t->notify_final;
		t2->retry_udp = t->retry_udp;
		t->sub->tx = t2;
		t->sub = NULL;
		t->retry_udp = NULL;
	}
	return true;
}

/*
 * A 401 or 407 m to our PRACK (transaction tr, state t) of a dial-out not
 * answered yet: the PRACK again with credentials (§22.2: a new
 * transaction, the RAck it had, a CSeq above the call's PRACKs), once,
 * so that a proxy or callee that challenges every request lets it
 * through: a reliable provisional never PRACKed has the callee refuse
 * the INVITE (RFC 3262 §3).
 */
static void
prack_auth(struct cp_sip *sip, struct txn *t, osip_transaction_t *tr,
	   const osip_message_t *m)
{
	const osip_message_t *req = tr->orig_request;
	struct auth_set a = { .n = 0 };
	struct cp_sip_call *c = NULL;
	char label[160];
	struct txn *t2;

	if (t->authed || req == NULL || !MSG_IS_PRACK(req))
		return;
	for (c = sip->calls; c != NULL; c = c->next)
		if (call_id_is(c->call_id, req->call_id))
			break;
	if (c == NULL)
		return; /* answered (a dialog now) or ended: it no longer
			 * matters */
	snprintf(label, sizeof(label), "dial-out %s", c->call_id);
	t2 = auth_again(sip, &a, m, tr, false, 0, label, "", &t->peer,
			c->prack_cseq + 1, NULL);
	auth_set_free(&a);
	if (t2 == NULL)
		return;
	c->prack_cseq++;
	t2->authed = true;
	sip->st.prack_sent++;
}

static void
on_ict_fail(int type, osip_transaction_t *tr, osip_message_t *m)
{
	struct txn *t = osip_transaction_get_reserved1(tr);
	bool timeout = type == OSIP_ICT_STATUS_TIMEOUT || m == NULL ||
		       !MSG_IS_RESPONSE(m);

	if (t == NULL)
		return;
	if (!timeout && (m->status_code == 401 || m->status_code == 407))
		dialog_auth(t->sip, t, tr, m); /* a refreshing re-INVITE */
	stimer_refresh_done(t, timeout ? 408 : m->status_code,
			    timeout ? NULL : m);
	if (!timeout && t->call != NULL &&
	    (m->status_code == 401 || m->status_code == 407)) {
		struct cp_sip_call *c = t->call;

		if (c->hop >= 0)
			proxy_set_up(c->sip, (unsigned)c->hop,
				     "it answered a dial-out");
		t->call = NULL;
		if (call_auth(c->sip, c, tr, m))
			return;
		t->call = c;
	}
	call_fail(t, timeout ? 408 : m->status_code,
		  timeout		  ? "no answer to a dial-out"
		  : m->status_code == 503 ? why_503
					  : NULL,
		  timeout ? 0 : retry_after_of(m));
}

/* A user part for a Contact, or a URI for a header: no injection. */
static bool
is_uri_safe(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n<>\" ") == NULL;
}

/* A host name as DNS takes it: labels of letters, digits and '-' (not at
 * either end) between dots, some letter, an ending dot allowed. */
static bool
is_dns_name(const char *h)
{
	size_t len = strlen(h), label = 0;
	bool alpha = false;

	if (len > 0 && h[len - 1] == '.')
		len--; /* a fully qualified "x.example." */
	if (len == 0 || len > 127)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = h[i];

		if (ch == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(isalnum((unsigned char)ch) || (ch == '-' && label > 0)))
			return false;
		alpha |= isalpha((unsigned char)ch) != 0;
		label++;
	}
	return label > 0 && h[len - 1] != '-' && alpha;
}

/* The same address, port and family? */
static bool
sockaddr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)(const void *)a)
				       ->sin6_addr,
			      &((const struct sockaddr_in6 *)(const void *)b)
				       ->sin6_addr,
			      16) == 0 &&
		       ((const struct sockaddr_in6 *)(const void *)a)
				       ->sin6_port ==
			       ((const struct sockaddr_in6 *)(const void *)b)
				       ->sin6_port;
	return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)(const void *)b)
			       ->sin_addr.s_addr &&
	       ((const struct sockaddr_in *)(const void *)a)->sin_port ==
		       ((const struct sockaddr_in *)(const void *)b)->sin_port;
}

/*
 * An outbound proxy's URI (cp_sip_conf.outbound_proxy): a sip: or sips:
 * URI with no user or headers, over UDP, TCP or TLS, whose host is a
 * numeric address of addr's family (our own address: IPv4 or IPv6; NULL:
 * any) or a name.
 * True if it is one; then, with pn, what it says goes in pn (its Route:
 * the URI, ;lr added), and for a numeric host its one hop in *t.
 */
static bool
proxy_parse(struct proxy_name *pn, const char *uri, const char *addr,
	    struct cp_dns_target *t)
{
	struct cp_sip_peer peer = { .proto = CP_SIP_UDP };
	osip_uri_param_t *lr = NULL;
	osip_uri_t *u = NULL;
	bool ok = false, name;
	long port;

	if (!is_uri_safe(uri) || strchr(uri, '\\') != NULL ||
	    strlen(uri) > 160 || osip_uri_init(&u) != 0)
		return false;
	if (osip_uri_parse(u, uri) != 0 || u->scheme == NULL ||
	    (strcasecmp(u->scheme, "sip") != 0 &&
	     strcasecmp(u->scheme, "sips") != 0) ||
	    u->host == NULL || u->username != NULL ||
	    osip_list_size(&u->url_headers) != 0 || uri_proto(u) < 0)
		goto out;
	port = u->port != NULL		     ? strtol(u->port, NULL, 10)
	       : uri_proto(u) == CP_SIP_TLS ? 5061
					     : 5060;
	if (port <= 0 || port > 65535)
		goto out;
	name = cp_sip_transport_addr(&peer, u->host, (uint16_t)port) < 0;
	if (name ? !is_dns_name(u->host)
		 : addr != NULL && (peer.addr.ss_family == AF_INET6) !=
					   (strchr(addr, ':') != NULL))
		goto out;
	ok = true;
	if (pn == NULL)
		goto out;
	memset(pn, 0, sizeof(*pn));
	snprintf(pn->uri, sizeof(pn->uri), "%s", uri);
	osip_uri_uparam_get_byname(u, "lr", &lr);
	snprintf(pn->route, sizeof(pn->route), "<%s%s>", uri,
		 lr != NULL ? "" : ";lr");
	pn->tp = uri_dns_tp(u);
	pn->dns = name;
	if (name) {
		snprintf(pn->host, sizeof(pn->host), "%s", u->host);
		pn->port = u->port != NULL ? (uint16_t)port : 0;
	} else {
		memset(t, 0, sizeof(*t));
		t->tp = pn->tp == CP_DNS_ANY ? CP_DNS_UDP : pn->tp;
		memcpy(&t->addr, &peer.addr, sizeof(t->addr));
		snprintf(t->name, sizeof(t->name), "%s", u->host);
	}
out:
	osip_uri_free(u);
	return ok;
}

/* The peer DNS target t is: its address, over UDP (TCP, TLS: connect
 * it). */
static void
peer_of_target(const struct cp_dns_target *t, struct cp_sip_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->proto = t->tp == CP_DNS_TLS	 ? CP_SIP_TLS
		   : t->tp == CP_DNS_TCP ? CP_SIP_TCP
					 : CP_SIP_UDP;
	memcpy(&p->addr, &t->addr, sizeof(p->addr));
	p->addr_len = t->addr.ss_family == AF_INET6
			      ? sizeof(struct sockaddr_in6)
			      : sizeof(struct sockaddr_in);
}

/* "ADDR:PORT/udp" (IPv6 in brackets) of a hop over tp ("udp", "tcp",
 * "tls") */
static void
hop_addr_str(const struct sockaddr_storage *ss, const char *tp, char *buf,
	     size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	uint16_t port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const void *)ss;

		inet_ntop(AF_INET6, &a6->sin6_addr, a, sizeof(a));
		port = ntohs(a6->sin6_port);
		snprintf(buf, len, "[%s]:%u/%s", a, port, tp);
		return;
	}
	inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ss)
				   ->sin_addr,
		  a, sizeof(a));
	port = ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	snprintf(buf, len, "%s:%u/%s", a, port, tp);
}

/* "198.18.0.7:5060/udp", DNS target t's address, in buf. */
static const char *
dest_str(const struct cp_dns_target *t, char *buf, size_t len)
{
	hop_addr_str(&t->addr,
		     t->tp == CP_DNS_TLS   ? "tls"
		     : t->tp == CP_DNS_TCP ? "tcp"
					   : "udp",
		     buf, len);
	return buf;
}

/* The addresses t[0..n-1], "a, b" (for the log), in buf. */
static void
dests_str(const struct cp_dns_target *t, unsigned n, char *buf, size_t len)
{
	char a[80];

	buf[0] = '\0';
	for (unsigned k = 0; k < n; k++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 k ? ", " : "", dest_str(&t[k], a, sizeof(a)));
}

/* How long a name's addresses, of TTL ttl_s, are kept: at least
 * cp_sip_conf.dns_min_ttl_ms, at most PROXY_DNS_MAX_TTL_MS. */
static uint64_t
dns_keep_ms(const struct cp_sip *sip, uint32_t ttl_s)
{
	uint64_t ms = (uint64_t)ttl_s * 1000;

	if (ms < sip->conf.dns_min_ttl_ms)
		ms = sip->conf.dns_min_ttl_ms;
	return ms > PROXY_DNS_MAX_TTL_MS ? PROXY_DNS_MAX_TTL_MS : ms;
}

/* s with what a JSON string cannot hold bare ('"', '\\', control
 * characters) made '?'. */
static void
json_safe(char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			*s = '?';
}

/* The index of the hop with id, or -1 (gone, or id 0). */
static int
hop_index(const struct proxy *px, unsigned n, uint32_t id)
{
	for (unsigned i = 0; id != 0 && i < n; i++)
		if (px[i].id == id)
			return (int)i;
	return -1;
}

/* A request's hops tried (bits) and the one it is at (-1: none), of the
 * table old[0..n_old-1], moved to where they are in sip->proxies now. */
static void
hops_follow(const struct cp_sip *sip, const struct proxy *old,
	    unsigned n_old, unsigned *tried, int *hop)
{
	unsigned now = 0;

	for (unsigned i = 0; i < n_old; i++) {
		int j = hop_index(sip->proxies, sip->n_proxies, old[i].id);

		if ((*tried & 1u << i) && j >= 0)
			now |= 1u << j;
	}
	*tried = now;
	if (*hop >= 0)
		*hop = hop_index(sip->proxies, sip->n_proxies, old[*hop].id);
}

/*
 * Name k's hops are now t[0..n-1]. The table is built again in the
 * names' order; a hop that stays (the same address and transport) keeps
 * its id and state (down, keepalives, its TCP connection). Dial-outs under
 * way follow their hops to where they now are (one gone: as if not tried;
 * the one a dial-out is at: none, so nothing is blamed on another).
 */
static void
proxy_name_set(struct cp_sip *sip, unsigned k, const struct cp_dns_target *t,
	       unsigned n)
{
	struct proxy old[PROXY_HOPS];
	unsigned n_old = sip->n_proxies, n_new = 0;
	struct proxy_name *pn = &sip->pnames[k];

	memcpy(old, sip->proxies, n_old * sizeof(old[0]));
	for (unsigned name = 0; name < sip->n_pnames; name++) {
		if (name != k) {
			for (unsigned i = 0; i < n_old && n_new < PROXY_HOPS;
			     i++)
				if (old[i].name == name)
					sip->proxies[n_new++] = old[i];
			continue;
		}
		for (unsigned j = 0; j < n && n_new < PROXY_HOPS; j++) {
			struct proxy *px = &sip->proxies[n_new++];
			struct cp_sip_peer hop;
			unsigned i;

			peer_of_target(&t[j], &hop);
			for (i = 0; i < n_old; i++)
				if (old[i].name == k &&
				    old[i].hop_proto == hop.proto &&
				    sockaddr_eq(&old[i].peer.addr,
						&t[j].addr))
					break;
			if (i < n_old) {
				*px = old[i];
				continue;
			}
			memset(px, 0, sizeof(*px));
			px->id = ++sip->hop_ids;
			px->name = k;
			px->hop_proto = hop.proto;
			px->peer = hop;
			px->peer.proto = CP_SIP_UDP; /* TCP, TLS once connected */
			dest_str(&t[j], px->addr, sizeof(px->addr));
			snprintf(px->label, sizeof(px->label), "%s%s%s%s",
				 pn->uri, pn->dns ? " (" : "",
				 pn->dns ? px->addr : "", pn->dns ? ")" : "");
			snprintf(px->uri, sizeof(px->uri), "%s", pn->uri);
			snprintf(px->route, sizeof(px->route), "%s",
				 pn->route);
		}
	}
	sip->n_proxies = n_new;
	for (struct cp_sip_call *c = sip->calls; c != NULL; c = c->next)
		hops_follow(sip, old, n_old, &c->tried, &c->hop);
	for (unsigned g = 0; g < sip->n_regs; g++)
		hops_follow(sip, old, n_old, &sip->regs[g].tried,
			    &sip->regs[g].hop);
}

/* The hops' addresses of name k, "a, b" (for the log). */
static void
hops_of(const struct cp_sip *sip, unsigned k, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sip->n_proxies && n < len; i++)
		if (sip->proxies[i].name == k)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? ", " : "",
					      sip->proxies[i].addr);
}

/* A resolution of an outbound proxy's name ended (cp_dns_done_fn). */
static void
proxy_resolved(void *arg, int err, const char *why,
	       const struct cp_dns_target *t, unsigned n, uint32_t ttl_s)
{
	struct proxy_name *pn = arg;
	struct cp_sip *sip = pn->sip;
	unsigned k = (unsigned)(pn - sip->pnames);
	uint64_t now = now_ms(), ttl_ms;
	char before[400], after[400];

	pn->resolving = false;
	if (err < 0) {
		sip->st.proxy_dns_failed++;
		pn->resolve_ms = now + PROXY_DNS_RETRY_MS;
		if (strcmp(pn->dns_err, why) != 0) {
			hops_of(sip, k, before, sizeof(before));
			LOG_WARN("sip: outbound proxy %s: DNS: %s; %s%s; asked "
				 "again in %u s",
				 pn->uri, why,
				 before[0] ? "keeps " : "no address yet",
				 before, PROXY_DNS_RETRY_MS / 1000);
		}
		snprintf(pn->dns_err, sizeof(pn->dns_err), "%s", why);
		json_safe(pn->dns_err);
		return;
	}
	ttl_ms = dns_keep_ms(sip, ttl_s);
	pn->resolve_ms = now + ttl_ms;
	pn->dns_err[0] = '\0';
	hops_of(sip, k, before, sizeof(before));
	proxy_name_set(sip, k, t, n);
	hops_of(sip, k, after, sizeof(after));
	if (strcmp(before, after) != 0)
		LOG_INFO("sip: outbound proxy %s is %s (DNS, asked again in "
			 "%" PRIu64 " s)",
			 pn->uri, after, ttl_ms / 1000);
}

/* Resolve the proxies' names that are due; the next due time. */
static uint64_t
run_dns(struct cp_sip *sip, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	int ms;

	if (sip->dns == NULL)
		return next;
	for (struct cp_sip_call *c = sip->calls, *cn; c != NULL; c = cn) {
		cn = c->next; /* c may fail at once */
		if (!c->resolving || c->asked)
			continue;
		c->asked = true;
		if (cp_dns_resolve_sip(sip->dns, c->dest_name, c->dest_port,
				       c->dest_tp, call_resolved, c) < 0)
			call_resolved(c, -ENOMEM, "out of memory", NULL, 0, 0);
	}
	for (unsigned k = 0; k < sip->n_pnames; k++) {
		struct proxy_name *pn = &sip->pnames[k];

		if (!pn->dns || pn->resolving)
			continue;
		if (now >= pn->resolve_ms) {
			pn->resolving = true;
			if (cp_dns_resolve_sip(sip->dns, pn->host, pn->port,
					       pn->tp, proxy_resolved,
					       pn) < 0) {
				pn->resolving = false;
				pn->resolve_ms = now + PROXY_DNS_RETRY_MS;
			}
			if (pn->resolving)
				continue;
		}
		if (pn->resolve_ms < next)
			next = pn->resolve_ms;
	}
	if ((ms = cp_dns_next_ms(sip->dns)) >= 0 && now + (uint64_t)ms < next)
		next = now + (uint64_t)ms;
	return next;
}

/*
 * The names' first resolution, waited for up to PROXY_DNS_START_MS: a
 * dial-out made as the focus starts (a policy's) then has its addresses.
 * What is not done by then goes on in cp_sip_poll().
 */
static void
dns_first(struct cp_sip *sip)
{
	uint64_t end = now_ms() + PROXY_DNS_START_MS, now;

	run_dns(sip, now_ms());
	while (cp_dns_busy(sip->dns) > 0 && (now = now_ms()) < end) {
		struct pollfd pfd = { .fd = cp_dns_fd(sip->dns),
				      .events = POLLIN };
		int ms = cp_dns_next_ms(sip->dns);

		if (ms < 0 || (uint64_t)ms > end - now)
			ms = (int)(end - now);
		poll(&pfd, 1, ms);
		cp_dns_process(sip->dns);
	}
}

/* The resolver, if a proxy is a name (else when a dial-out's target is
 * one); its descriptor wakes the poll. */
static int
dns_open(struct cp_sip *sip)
{
	int rc;

	for (unsigned k = 0; k < sip->n_pnames; k++) {
		if (!sip->pnames[k].dns)
			continue;
		if ((rc = dns_ready(sip)) < 0)
			return rc;
		dns_first(sip);
		return 0;
	}
	return 0;
}

/* The resolver, opened when first needed (cp_sip_conf.dns_servers). */
static int
dns_ready(struct cp_sip *sip)
{
	char err[200];
	int rc;

	if (sip->dns != NULL)
		return 0;
	if ((rc = cp_dns_open(&sip->dns, sip->dns_servers,
			      cp_sip_transport_family(sip->tp), err,
			      sizeof(err))) < 0) {
		LOG_ERR("sip: DNS resolver: %s", err);
		sip->dns = NULL;
		return rc;
	}
	if ((rc = cp_sip_transport_watch(sip->tp, cp_dns_fd(sip->dns))) < 0) {
		cp_dns_close(sip->dns);
		sip->dns = NULL;
	}
	return rc;
}

bool
cp_sip_proxy_ok(const char *uri, const char *addr)
{
	return uri != NULL && proxy_parse(NULL, uri, addr, NULL);
}

bool
cp_sip_proxy_is_tls(const char *uri)
{
	struct proxy_name pn;
	struct cp_dns_target t;

	return uri != NULL && proxy_parse(&pn, uri, NULL, &t) &&
	       pn.tp == CP_DNS_TLS;
}

/* Does every outbound proxy take TLS (none: true)? A sips: target goes
 * in TLS on every hop (RFC 3261 §26.2.2). */
static bool
proxies_tls(const struct cp_sip *sip)
{
	for (unsigned k = 0; k < sip->n_pnames; k++)
		if (sip->pnames[k].tp != CP_DNS_TLS)
			return false;
	return true;
}

/* A request's next hop through outbound proxy i: the proxy, over its TCP
 * or TLS connection while open (one for all), else a new one (TLS: the
 * proxy's certificate must name the URI's host, RFC 5922 §4.1). */
static int
proxy_hop(struct cp_sip *sip, unsigned i, struct cp_sip_peer *to)
{
	struct proxy *px = &sip->proxies[i];
	const struct proxy_name *pn = &sip->pnames[px->name];
	int rc;

	if (px->hop_proto != CP_SIP_UDP &&
	    (px->peer.proto != px->hop_proto ||
	     !cp_sip_transport_conn_is_open(sip->tp, px->peer.conn_id)) &&
	    (rc = connect_proto(sip, &px->peer, px->hop_proto,
				pn->dns ? pn->host : NULL)) < 0)
		return rc;
	*to = px->peer;
	return 0;
}

/* Proxy i failed something (why): down, not used before retry_after_s. */
static void
proxy_set_down(struct cp_sip *sip, unsigned i, const char *why,
	       uint32_t retry_after_s)
{
	struct proxy *px = &sip->proxies[i];
	uint64_t now = now_ms(), wait = (uint64_t)retry_after_s * 1000;

	if (sip->conf.proxy_ping_ms == 0 && wait < PROXY_RETRY_MS)
		wait = PROXY_RETRY_MS;
	px->up_at_ms = now + wait;
	snprintf(px->why, sizeof(px->why), "%s", why);
	if (px->down)
		return;
	px->down = true;
	px->down_since_ms = now;
	sip->st.proxy_down++;
	LOG_WARN("sip: outbound proxy %s is down: %s", px->label, why);
}

/* Proxy i answered something (how): up, unless its Retry-After runs. */
static void
proxy_set_up(struct cp_sip *sip, unsigned i, const char *how)
{
	struct proxy *px = &sip->proxies[i];

	if (!px->down || now_ms() < px->up_at_ms)
		return;
	px->down = false;
	LOG_INFO("sip: outbound proxy %s is up again (%s, down %" PRIu64
		 " s)", px->label, how,
		 (now_ms() - px->down_since_ms) / 1000);
}

/* May a dial-out go to proxy i? Up, or down without keepalives past the
 * time to try it again (an answer then marks it up). */
static bool
proxy_usable(const struct cp_sip *sip, unsigned i, uint64_t now)
{
	const struct proxy *px = &sip->proxies[i];

	return !px->down ||
	       (sip->conf.proxy_ping_ms == 0 && now >= px->up_at_ms);
}

/* The proxy a request goes to next, of those not tried (bits): the first
 * usable one, else the first one (all down: still down the list); -1. */
static int
proxy_pick(const struct cp_sip *sip, unsigned tried)
{
	uint64_t now = now_ms();

	for (unsigned i = 0; i < sip->n_proxies; i++)
		if (!(tried & 1u << i) && proxy_usable(sip, i, now))
			return (int)i;
	for (unsigned i = 0; i < sip->n_proxies; i++)
		if (!(tried & 1u << i))
			return (int)i;
	return -1;
}

/*
 * A request's first or next proxy (proxy_pick()), its bit set in *tried:
 * 0, *hop and *to, or the last -errno of a TCP connect (each such proxy
 * is down).
 */
static int
pick_hop(struct cp_sip *sip, unsigned *tried, int *hop,
	 struct cp_sip_peer *to)
{
	int i, rc = -EHOSTUNREACH;

	while ((i = proxy_pick(sip, *tried)) >= 0) {
		*tried |= 1u << i;
		if ((rc = proxy_hop(sip, (unsigned)i, to)) == 0) {
			*hop = i;
			return 0;
		}
		proxy_set_down(sip, (unsigned)i, "no TCP connection", 0);
	}
	return rc;
}

/* The Retry-After of a response in seconds, 0 if none. */
static uint32_t
retry_after_of(const osip_message_t *m)
{
	unsigned long v;

	if (!hdr_secs(m, "retry-after", &v))
		return 0;
	return v > 86400 ? 86400 : (uint32_t)v;
}

/*
 * May a target URI's header (F-24, RFC 3261 19.1.5) go into our INVITE?
 * Only one that says what the call is about or how the callee may take it:
 * the call it replaces or joins (RFC 3891, 3911; RFC 4579 5.10), its
 * subject, ring and call information, what it answers, and the caller's
 * preferences (RFC 3841). Never what the focus writes itself: what routes
 * the request or frames it, who calls (P-Asserted-Identity, Referred-By:
 * the focus sets it from the REFER), credentials; nor what a carrier
 * acts on for the focus's account: Priority (emergency), Resource-Priority,
 * Privacy, Require (the focus would have to support it), or any header
 * this list does not know. Names in any case; compact forms too.
 */
static bool
is_target_header(const char *name)
{
	static const char *const allowed[] = {
		"replaces", /* RFC 3891 */
		"join",	    /* RFC 3911 */
		"subject",  /* and its compact form: */
		"s",
		"alert-info",
		"call-info",
		"in-reply-to",
		"accept-contact", /* RFC 3841, and compact: */
		"a",
		"reject-contact",
		"j",
		"request-disposition",
		"d",
	};

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcasecmp(name, allowed[i]) == 0)
			return true;
	return false;
}

/* Append ", name" (or name, first) to buf, its bytes outside printable
 * ASCII as '?': a name a peer wrote, for the log. */
static void
log_name(char *buf, size_t len, const char *name)
{
	size_t n = strlen(buf);

	if (n != 0) {
		if (n + 2 >= len)
			return; /* full: the names before say enough */
		memcpy(buf + n, ", ", 3);
		n += 2;
	}
	for (; *name != '\0' && n + 1 < len; name++, n++)
		buf[n] = *name > 0x20 && *name < 0x7f ? *name : '?';
	buf[n] = '\0';
}

/*
 * The dial-out INVITE to u (its URI headers, e.g. ?Replaces=, become
 * headers of the request, RFC 3261 §19.1.5, F-24), or NULL. Takes u.
 */
static osip_message_t *
build_invite(struct cp_sip *sip, const struct cp_sip_invite_opts *o,
	     osip_uri_t *u, enum cp_sip_proto proto)
{
	const char *cu = o->contact_user != NULL ? o->contact_user : "";
	osip_message_t *m;
	char buf[768], id[TAG_HEX + 1], *target = NULL, dropped[256] = "";

	if (osip_message_init(&m) != 0) {
		osip_uri_free(u);
		return NULL;
	}
	for (int i = 0; i < osip_list_size(&u->url_headers); i++) {
		osip_uri_header_t *h = osip_list_get(&u->url_headers, i);

		if (h->gname == NULL || h->gvalue == NULL)
			continue;
		if (is_target_header(h->gname) && is_header_safe(h->gname) &&
		    is_header_safe(h->gvalue))
			osip_message_set_header(m, h->gname, h->gvalue);
		else
			log_name(dropped, sizeof(dropped), h->gname);
	}
	if (dropped[0] != '\0')
		LOG_INFO("sip: a dial-out's target URI asked for headers the "
			 "focus does not copy (F-24: only Replaces, Join, "
			 "Subject, Alert-Info, Call-Info, In-Reply-To and the "
			 "caller's preferences): %s",
			 dropped);
	osip_uri_header_freelist(&u->url_headers);
	osip_message_set_method(m, osip_strdup("INVITE"));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	if (osip_uri_to_str(u, &target) == 0) {
		snprintf(buf, sizeof(buf), "<%s>", target);
		osip_message_set_to(m, buf);
	}
	osip_free(target);
	osip_message_set_uri(m, u);
	set_new_via(sip, m, proto);
	random_hex(id, TAG_HEX);
	snprintf(buf, sizeof(buf), "<%s>;tag=%s", o->from_uri, id);
	osip_message_set_from(m, buf);
	random_hex(id, TAG_HEX);
	snprintf(buf, sizeof(buf), "%s@%s", id, sip->host);
	osip_message_set_call_id(m, buf);
	osip_message_set_cseq(m, "1 INVITE");
	osip_message_set_max_forwards(m, "70");
	osip_message_set_contact(
		m, contact_user_of(sip, proto, is_sips(u), cu, buf,
				   sizeof(buf)));
	if (o->referred_by != NULL) /* unchanged (RFC 3892 §2.2) */
		osip_message_set_header(m, "Referred-By", o->referred_by);
	osip_message_set_allow(m, sip->allow);
	if (sip->events[0] != '\0')
		osip_message_set_header(m, "Allow-Events", sip->events);
	/* reliable provisionals (RFC 3262, PRACKed), and the callee may ask
	 * for a timer */
	osip_message_set_header(m, "Supported", sip->supported[0] != '\0'
							? "100rel, timer"
							: "100rel");
	osip_message_set_content_length(m, "0");
	set_body(m, o->content_type, o->body);
	if (m->from == NULL || m->to == NULL || m->call_id == NULL ||
	    m->cseq == NULL || osip_list_size(&m->vias) != 1 ||
	    osip_list_size(&m->contacts) != 1) {
		osip_message_free(m);
		return NULL;
	}
	return m;
}

int
cp_sip_invite_ex(struct cp_sip *sip, const struct cp_sip_invite_opts *o,
		 struct cp_sip_call **out)
{
	const char *cu =
		o != NULL && o->contact_user != NULL ? o->contact_user : "";
	struct cp_sip_call *c;
	osip_message_t *m;
	osip_uri_t *u = NULL;
	struct txn *t;
	long port;
	int rc = -EINVAL, proto;

	if (sip == NULL || o == NULL || out == NULL ||
	    !is_uri_safe(o->target_uri) || !is_uri_safe(o->from_uri) ||
	    strlen(o->target_uri) > 256 || strlen(o->from_uri) > 256 ||
	    strlen(cu) >= sizeof(c->contact_user) ||
	    strpbrk(cu, "@:;<>\" \r\n") != NULL ||
	    (o->content_type != NULL && !is_header_safe(o->content_type)) ||
	    (o->referred_by != NULL &&
	     (!is_header_safe(o->referred_by) || strlen(o->referred_by) > 512)))
		return -EINVAL;
	if (osip_uri_init(&u) != 0)
		return -ENOMEM;
	if (osip_uri_parse(u, o->target_uri) != 0 || u->scheme == NULL ||
	    (strcasecmp(u->scheme, "sip") != 0 &&
	     strcasecmp(u->scheme, "sips") != 0) ||
	    u->host == NULL || (proto = uri_proto(u)) < 0)
		goto out_uri; /* no SCTP, WS, ... */
	rc = -EPROTONOSUPPORT;
	if (proto == CP_SIP_TLS &&
	    (cp_sip_transport_tls_port(sip->tp) == 0 || !proxies_tls(sip)))
		goto out_uri; /* no TLS here, or to a proxy */
	rc = -EINVAL;
	port = u->port != NULL		? strtol(u->port, NULL, 10)
	       : proto == CP_SIP_TLS	? 5061
					: 5060;
	if (port <= 0 || port > 65535)
		goto out_uri;
	rc = -ENOMEM;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto out_uri;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto out_call;
	c->peer.proto = CP_SIP_UDP;
	c->sips = is_sips(u);
	c->hop = -1;
	c->cseq = 1;
	if (sip->n_pnames > 0) {
		/* §8.1.2: the proxy routes it, names and all */
		if ((rc = pick_hop(sip, &c->tried, &c->hop, &c->peer)) < 0)
			goto out_txn;
	} else if (cp_sip_transport_addr(&c->peer, u->host, (uint16_t)port) <
		   0) {
		/* a name: resolved by run_dns() (RFC 3263 §4), sent then */
		rc = -EINVAL;
		if (!is_dns_name(u->host) || (rc = dns_ready(sip)) < 0)
			goto out_txn;
		rc = -ENOMEM;
		if ((c->dest_name = strdup(u->host)) == NULL)
			goto out_txn;
		c->dest_port = u->port != NULL ? (uint16_t)port : 0;
		c->dest_tp = uri_dns_tp(u);
		c->resolving = true;
		c->cseq = 0; /* retry_invite() makes the first one 1 */
	} else if ((rc = connect_proto(sip, &c->peer,
				       (enum cp_sip_proto)proto, NULL)) < 0) {
		goto out_txn;
	}
	rc = -ENOMEM;
	m = build_invite(sip, o, u, c->peer.proto);
	u = NULL; /* build_invite's */
	/* with a proxy to go on to, the INVITE a failover starts from */
	if (m != NULL && c->hop >= 0 &&
	    (osip_message_set_route(m, sip->proxies[c->hop].route) != 0 ||
	     (sip->n_proxies > 1 && osip_message_clone(m, &c->invite) != 0))) {
		osip_message_free(m);
		m = NULL;
	}
	if (m == NULL)
		goto out_txn;
	if ((c->call_id = call_id_dup(m)) == NULL) {
		osip_message_free(m);
		goto out_txn;
	}
	if (c->resolving) { /* each address gets a copy (dest_send()) */
		c->invite = m;
		free(t);
		goto link;
	}
	t->peer = c->peer;
	if ((rc = start_client(sip, ICT, m, t, &c->tr)) < 0) {
		call_free(sip, c); /* not linked yet: frees what it holds */
		return rc;
	}
	t->call = c; /* only now: a failed start's t is freed later */
	if (c->invite != NULL)
		c->hop_deadline_ms = now_ms() + sip->conf.proxy_timeout_ms;
link:
	c->sip = sip;
	c->app = o->app;
	snprintf(c->contact_user, sizeof(c->contact_user), "%s", cu);
	if (o->body != NULL && o->content_type != NULL &&
	    strcasecmp(o->content_type, "application/sdp") == 0)
		c->sdp = strdup(o->body); /* NULL: refreshes by UPDATE only */
	cp_sip_call_set_ring_timeout(c, o->ring_timeout_ms);
	c->next = sip->calls;
	sip->calls = c;
	sip->st.calls_out++;
	*out = c;
	return 0;
out_txn:
	free(t);
out_call:
	if (c->invite != NULL)
		osip_message_free(c->invite);
	free(c->dest_name);
	free(c);
out_uri:
	osip_uri_free(u);
	return rc;
}

/*
 * c's INVITE again, for its next hop over proto (RFC 3263 §4.3: a new
 * transaction): a new top Via branch, the next CSeq, Route route (a
 * proxy's; NULL: none), our Contact for proto; the same Call-ID, From
 * tag, To and body. NULL: no memory.
 */
static osip_message_t *
retry_invite(struct cp_sip *sip, struct cp_sip_call *c, const char *route,
	     enum cp_sip_proto proto)
{
	osip_message_t *m = request_again(sip, c->invite, proto, ++c->cseq);
	char buf[320];

	if (m == NULL)
		return NULL;
	osip_list_special_free(&m->routes, (void (*)(void *))osip_route_free);
	osip_list_special_free(&m->contacts,
			       (void (*)(void *))osip_contact_free);
	if (route != NULL)
		osip_message_set_route(m, route);
	osip_message_set_contact(m, contact_user_of(sip, proto, c->sips,
						    c->contact_user, buf,
						    sizeof(buf)));
	if (osip_list_size(&m->routes) != (route != NULL) ||
	    osip_list_size(&m->contacts) != 1) {
		osip_message_free(m);
		return NULL;
	}
	return m;
}


/*
 * c's INVITE again (retry_invite(): a new transaction, CSeq one up) to
 * peer, with Route route (NULL: none); the hop must answer by deadline_ms
 * (0: no limit). 0 or -errno (tx_failed counted).
 */
static int
send_to_hop(struct cp_sip *sip, struct cp_sip_call *c, const char *route,
	    const struct cp_sip_peer *peer, uint64_t deadline_ms)
{
	osip_message_t *m = retry_invite(sip, c, route, peer->proto);
	struct txn *t = NULL;
	int rc = -ENOMEM;

	if (m == NULL || (t = calloc(1, sizeof(*t))) == NULL) {
		if (m != NULL)
			osip_message_free(m);
		sip->st.tx_failed++;
		return rc;
	}
	t->peer = *peer;
	if ((rc = start_client(sip, ICT, m, t, &c->tr)) < 0) {
		sip->st.tx_failed++;
		return rc;
	}
	t->call = c;
	c->peer = *peer;
	c->got_1xx = false;
	c->hop_deadline_ms = deadline_ms;
	c->auth_tr = NULL; /* this hop has not seen our credentials */
	return 0;
}

/*
 * The next of a name's addresses t[*i..n-1] a request can go to (RFC
 * 3263 §4.3), *i moved past it: over TCP or TLS, one whose connection
 * fails is passed over, logged as "LABEL (ADDR): no tcp connection (why)"
 * (TLS: the server's certificate must name name, the domain, not the SRV
 * record's host, RFC 5922 §4.1; NULL: hold the address). 0 and *peer,
 * or -EHOSTUNREACH: none left.
 */
static int
dest_next(struct cp_sip *sip, const struct cp_dns_target *t, unsigned n,
	  unsigned *i, const char *name, const char *label,
	  struct cp_sip_peer *peer)
{
	char a[80];

	while (*i < n) {
		const struct cp_dns_target *d = &t[(*i)++];
		int rc;

		peer_of_target(d, peer);
		if (peer->proto == CP_SIP_UDP ||
		    (rc = connect_proto(sip, peer, peer->proto, name)) == 0)
			return 0;
		LOG_WARN("sip: %s (%s): no %s connection (%s)", label,
			 dest_str(d, a, sizeof(a)),
			 cp_sip_proto_name(peer->proto), strerror(-rc));
	}
	return -EHOSTUNREACH;
}

/*
 * c's INVITE to the next address of its target's name (dest_next(); RFC
 * 3263 §4.3: a new transaction each). 0, or -EHOSTUNREACH: none left,
 * -ENOMEM.
 */
static int
dest_send(struct cp_sip *sip, struct cp_sip_call *c, uint64_t now)
{
	struct cp_sip_peer peer;
	char label[200];

	snprintf(label, sizeof(label), "dial-out %s: %s", c->call_id,
		 c->dest_name);
	if (dest_next(sip, c->dest, c->n_dest, &c->dest_i, c->dest_name,
		      label, &peer) < 0)
		return -EHOSTUNREACH;
	/* another address to go on to: it must answer in time */
	return send_to_hop(sip, c, NULL, &peer,
			   c->dest_i < c->n_dest
				   ? now + sip->conf.proxy_timeout_ms
				   : 0);
}

/* The end of the resolution of c's target's name: c goes to its first
 * address, or fails (503: no address, or none took it). */
static void
call_resolved(void *arg, int err, const char *why,
	      const struct cp_dns_target *t, unsigned n, uint32_t ttl_s)
{
	struct cp_sip_call *c = arg;
	struct cp_sip *sip = c->sip;
	char list[400] = "";
	int rc;

	(void)ttl_s; /* one call: resolved once */
	c->resolving = false;
	if (err < 0 || n == 0) {
		sip->st.dial_dns_failed++;
		LOG_WARN("sip: dial-out %s: %s: DNS: %s", c->call_id,
			 c->dest_name, why != NULL ? why : "no address");
		call_failed(sip, c, c->cancel_wanted ? 487 : 503);
		return;
	}
	if (c->cancel_wanted) {
		call_failed(sip, c, 487);
		return;
	}
	if ((c->dest = malloc(n * sizeof(*t))) == NULL) {
		call_failed(sip, c, 503);
		return;
	}
	memcpy(c->dest, t, n * sizeof(*t));
	c->n_dest = n;
	dests_str(t, n, list, sizeof(list));
	LOG_INFO("sip: dial-out %s: %s is %s (DNS)", c->call_id, c->dest_name,
		 list);
	if ((rc = dest_send(sip, c, now_ms())) < 0) {
		LOG_WARN("sip: dial-out %s: %s: %s", c->call_id, c->dest_name,
			 rc == -EHOSTUNREACH ? "no address took it"
					     : strerror(-rc));
		call_failed(sip, c, 503);
	}
}

/* c's proxy failed it (call_failover()): on to the next proxy up, or, if
 * none is left or the app cancelled meanwhile, the call fails. */
static void
call_retry(struct cp_sip *sip, struct cp_sip_call *c, uint64_t now)
{
	int code = c->failover_code, from = c->hop; /* -1: gone from DNS */
	char buf[80], buf2[80];
	struct cp_sip_peer peer;

	c->failover_code = 0;
	if (c->cancel_wanted) {
		call_failed(sip, c, 487);
		return;
	}
	if (c->dest != NULL) {
		from = (int)c->dest_i - 1;
		if (dest_send(sip, c, now) < 0) {
			call_failed(sip, c, code);
			return;
		}
		sip->st.dial_failovers++;
		LOG_WARN("sip: dial-out %s: %s (%s) failed it (%s): sent on to "
			 "%s",
			 c->call_id, c->dest_name,
			 dest_str(&c->dest[from], buf, sizeof(buf)), c->why,
			 dest_str(&c->dest[c->dest_i - 1], buf2,
				  sizeof(buf2)));
		return;
	}
	if (pick_hop(sip, &c->tried, &c->hop, &peer) < 0) {
		call_failed(sip, c, code);
		return;
	}
	if (send_to_hop(sip, c, sip->proxies[c->hop].route, &peer,
			now + sip->conf.proxy_timeout_ms) < 0) {
		call_failed(sip, c, code);
		return;
	}
	sip->st.proxy_failovers++;
	if (from < 0) { /* its hop went from DNS meanwhile */
		LOG_WARN("sip: dial-out %s: sent on to outbound proxy %s",
			 c->call_id, sip->proxies[c->hop].label);
		return;
	}
	sip->proxies[from].failovers++;
	LOG_WARN("sip: dial-out %s: outbound proxy %s failed it (%s): sent "
		 "on to %s",
		 c->call_id, sip->proxies[from].label, c->why,
		 sip->proxies[c->hop].label);
}

/*
 * c's next hop has sent nothing for proxy_timeout_ms: a proxy is down; if
 * another hop is left, c's INVITE transaction is dropped (the hop's late
 * answers then match nothing) and c goes on to it.
 */
static void
call_hop_timeout(struct cp_sip *sip, struct cp_sip_call *c)
{
	struct txn *t = osip_transaction_get_reserved1(c->tr);

	snprintf(c->why, sizeof(c->why),
		 "no answer to a dial-out in %" PRIu32 " ms",
		 sip->conf.proxy_timeout_ms);
	c->hop_deadline_ms = 0;
	if (c->hop >= 0)
		proxy_set_down(sip, (unsigned)c->hop, c->why, 0);
	if (c->cancel_wanted ||
	    (c->dest != NULL ? c->dest_i >= c->n_dest : proxy_pick(sip, c->tried) < 0))
		return; /* the last hope: its Timer B decides */
	t->call = NULL;
	osip_remove_transaction(sip->osip, c->tr);
	osip_list_add(&sip->garbage, c->tr, -1);
	c->tr = NULL;
	c->failover_code = 408;
}

/*
 * A request of ours outside a dialog, method to uri over proto: its
 * request line (no Request-URI if uri does not parse), a Via with a new
 * branch, Max-Forwards 70, no body. The caller adds the rest and checks
 * the whole. NULL: no memory.
 */
static osip_message_t *
new_request(struct cp_sip *sip, const char *method, const char *uri,
	    enum cp_sip_proto proto)
{
	osip_message_t *m;
	osip_uri_t *u = NULL;

	if (osip_message_init(&m) != 0)
		return NULL;
	osip_message_set_method(m, osip_strdup(method));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	if (osip_uri_init(&u) == 0 && osip_uri_parse(u, uri) == 0) {
		osip_message_set_uri(m, u);
		u = NULL;
	}
	osip_uri_free(u);
	set_new_via(sip, m, proto);
	osip_message_set_max_forwards(m, "70");
	osip_message_set_content_length(m, "0");
	return m;
}

/* An OPTIONS keepalive to proxy i (cp_sip_conf.proxy_ping_ms). */
static void
proxy_ping(struct cp_sip *sip, unsigned i, uint64_t now)
{
	struct proxy *px = &sip->proxies[i];
	char buf[320], id[TAG_HEX + 1];
	struct cp_sip_peer peer;
	osip_message_t *m;
	struct txn *t;

	if (proxy_hop(sip, i, &peer) < 0) {
		px->pings_unanswered++;
		proxy_set_down(sip, i, "no TCP connection", 0);
		return;
	}
	if ((m = new_request(sip, "OPTIONS", px->uri, peer.proto)) == NULL)
		return;
	random_hex(id, TAG_HEX);
	snprintf(buf, sizeof(buf), "<sip:%s:%u>;tag=%s", sip->host,
		 cp_sip_port(sip), id);
	osip_message_set_from(m, buf);
	snprintf(buf, sizeof(buf), "<%s>", px->uri);
	osip_message_set_to(m, buf);
	random_hex(id, TAG_HEX);
	snprintf(buf, sizeof(buf), "%s@%s", id, sip->host);
	osip_message_set_call_id(m, buf);
	osip_message_set_cseq(m, "1 OPTIONS");
	if (m->req_uri == NULL || m->from == NULL || m->to == NULL ||
	    m->call_id == NULL || m->cseq == NULL ||
	    osip_list_size(&m->vias) != 1 ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		osip_message_free(m);
		return;
	}
	t->peer = peer;
	if (start_client(sip, NICT, m, t, NULL) < 0)
		return;
	t->ping = px->id;
	px->ping_busy = true;
	px->ping_deadline_ms = now + sip->conf.proxy_timeout_ms;
	sip->st.proxy_pings++;
}

/* A keepalive's answer (code; 408: none): 503 or none is down, any other
 * is up (once its Retry-After has passed). */
static void
ping_done(struct txn *t, int code, uint32_t retry_after_s)
{
	struct proxy *px;
	unsigned i;
	int at;

	if (t->ping == 0 || t->sip->closing)
		return;
	at = hop_index(t->sip->proxies, t->sip->n_proxies, t->ping);
	t->ping = 0;
	if (at < 0)
		return; /* gone from DNS meanwhile */
	i = (unsigned)at;
	px = &t->sip->proxies[i];
	px->ping_busy = false;
	if (code == 408) {
		px->pings_unanswered++;
		proxy_set_down(t->sip, i, "no answer to OPTIONS", 0);
	} else if (code == 503) {
		px->pings_unanswered = 0;
		proxy_set_down(t->sip, i, "OPTIONS got 503", retry_after_s);
	} else {
		px->pings_unanswered = 0;
		proxy_set_up(t->sip, i, "it answered OPTIONS");
	}
}

/* The hops' timers: failovers due, dial-outs a hop has not answered, the
 * proxies' keepalives to send or overdue. The next due time. */
static uint64_t
run_proxy_timers(struct cp_sip *sip, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct cp_sip_call *c, *cn;

	for (c = sip->calls; c != NULL; c = cn) {
		cn = c->next;
		if (c->hop_deadline_ms != 0 && c->tr != NULL) {
			if (c->got_1xx)
				c->hop_deadline_ms = 0;
			else if (now >= c->hop_deadline_ms)
				call_hop_timeout(sip, c);
			else if (c->hop_deadline_ms < next)
				next = c->hop_deadline_ms;
		}
		if (c->failover_code != 0)
			call_retry(sip, c, now);
	}
	for (unsigned i = 0; i < sip->n_proxies && sip->conf.proxy_ping_ms;
	     i++) {
		struct proxy *px = &sip->proxies[i];

		if (px->ping_busy && now >= px->ping_deadline_ms &&
		    !px->down) {
			char why[64];

			snprintf(why, sizeof(why),
				 "no answer to OPTIONS in %" PRIu32 " ms",
				 sip->conf.proxy_timeout_ms);
			proxy_set_down(sip, i, why, 0);
		}
		if (!px->ping_busy && now >= px->ping_due_ms) {
			px->ping_due_ms = now + sip->conf.proxy_ping_ms;
			proxy_ping(sip, i, now);
		}
		if (px->ping_due_ms < next)
			next = px->ping_due_ms;
		if (px->ping_busy && !px->down && px->ping_deadline_ms < next)
			next = px->ping_deadline_ms;
	}
	return next;
}

/* ---- registrations: the UAC of RFC 3261 §10 ---- */

/*
 * The Expires a registration asks for at most (a 423's Min-Expires
 * above it is refused), the least time before a REGISTER is sent again
 * after a failure without Retry-After, and the most (RFC 5626 §4.5's
 * base and ceiling: 30 s doubled at each failure in a row, up to 30
 * minutes, taken between half and all of it at random).
 */
#define REG_MAX_EXPIRES_S 604800
#define REG_RETRY_BASE_S  30
#define REG_RETRY_MAX_S	  1800

/* When a binding granted for granted_s is refreshed, from its 2xx: 2
 * minutes before it lapses (a REGISTER that gets no answer takes 32 s,
 * and may go on to another hop), or halfway for a short one. */
static uint64_t
reg_refresh_ms(uint32_t granted_s)
{
	uint64_t g = (uint64_t)granted_s * 1000;

	return granted_s > 240 ? g - 120000 : g / 2;
}

/* r's state for tuttictl and the log. */
static const char *
reg_state(const struct reg *r)
{
	if (r->done)
		return "unregistered";
	if (r->unregistering)
		return "unregistering";
	if (r->registered)
		return "registered";
	return r->t == NULL && !r->resolving && r->failures > 0
		       ? "failed"
		       : "registering";
}

/* The REGISTER of r over proto (§10.2): Request-URI the AOR's domain,
 * To and From the AOR, r's Call-ID and its next CSeq, our Contact with
 * the AOR's user, Expires (0: unregistering). NULL: no memory. */
static osip_message_t *
reg_build(struct cp_sip *sip, struct reg *r, enum cp_sip_proto proto,
	  const char *route)
{
	osip_message_t *m = new_request(sip, "REGISTER", r->registrar, proto);
	char buf[400];

	if (m == NULL)
		return NULL;
	if (route != NULL)
		osip_message_set_route(m, route);
	snprintf(buf, sizeof(buf), "<%s>;tag=%s", r->aor, r->tag);
	osip_message_set_from(m, buf);
	snprintf(buf, sizeof(buf), "<%s>", r->aor);
	osip_message_set_to(m, buf);
	osip_message_set_call_id(m, r->call_id);
	snprintf(buf, sizeof(buf), "%" PRIu32 " REGISTER", r->cseq + 1);
	osip_message_set_cseq(m, buf);
	osip_message_set_contact(m, contact_user_of(sip, proto, r->sips,
						    r->user, buf,
						    sizeof(buf)));
	snprintf(buf, sizeof(buf), "%" PRIu32,
		 r->unregistering ? 0 : r->asked_s);
	osip_message_set_expires(m, buf);
	osip_message_set_allow(m, sip->allow);
	if (m->req_uri == NULL || m->from == NULL || m->to == NULL ||
	    m->call_id == NULL || m->cseq == NULL ||
	    osip_list_size(&m->vias) != 1 ||
	    osip_list_size(&m->contacts) != 1) {
		osip_message_free(m);
		return NULL;
	}
	return m;
}

/* r's REGISTER to peer (Route route: a proxy's; NULL: none) in a new
 * transaction. 0 or -ENOMEM (tx_failed counted). */
static int
reg_send(struct cp_sip *sip, struct reg *r, const struct cp_sip_peer *peer,
	 const char *route)
{
	osip_message_t *m = reg_build(sip, r, peer->proto, route);
	struct txn *t = NULL;

	if (m == NULL || (t = calloc(1, sizeof(*t))) == NULL) {
		if (m != NULL)
			osip_message_free(m);
		sip->st.tx_failed++;
		return -ENOMEM;
	}
	t->peer = *peer;
	if (start_client(sip, NICT, m, t, NULL) < 0) {
		sip->st.tx_failed++;
		return -ENOMEM;
	}
	r->cseq++;
	t->reg = r;
	r->t = t;
	r->peer_proto = peer->proto;
	hop_addr_str(&peer->addr, peer->proto == CP_SIP_TLS   ? "tls"
				  : peer->proto == CP_SIP_TCP ? "tcp"
							      : "udp",
		     r->addr, sizeof(r->addr));
	sip->st.reg_sent++;
	return 0;
}

/*
 * r's REGISTER failed with code (why), or could not be sent: once it is
 * unregistering, that is the end; else it goes again after Retry-After
 * (retry_after_s), or after RFC 5626 §4.5's wait. The binding it had
 * stays until it lapses (run_regs()).
 */
static void
reg_failed(struct cp_sip *sip, struct reg *r, int code, const char *why,
	   uint32_t retry_after_s)
{
	uint64_t wait_ms;
	char left[64] = "";

	r->last_code = code;
	snprintf(r->why, sizeof(r->why), "%s", why);
	json_safe(r->why);
	r->failures++;
	r->n_failed++;
	sip->st.reg_failed++;
	if (r->unregistering) {
		r->done = true;
		LOG_WARN("sip: registration %s: the unregistration failed: "
			 "%d %s (the registrar drops it when it lapses)",
			 r->aor, code, r->why);
		return;
	}
	if (retry_after_s > 0) {
		wait_ms = (uint64_t)retry_after_s * 1000;
	} else {
		uint64_t cap = REG_RETRY_BASE_S;

		for (unsigned k = 1; k < r->failures && cap < REG_RETRY_MAX_S;
		     k++)
			cap *= 2;
		if (cap > REG_RETRY_MAX_S)
			cap = REG_RETRY_MAX_S;
		wait_ms = cap * 500 + (uint64_t)rand() % (cap * 500 + 1);
	}
	r->due_ms = now_ms() + wait_ms;
	if (r->registered)
		snprintf(left, sizeof(left), "; still registered for %" PRIu64
			 " s", (r->until_ms - now_ms()) / 1000);
	LOG_WARN("sip: registration %s failed: %d %s; again in %" PRIu64
		 " s%s", r->aor, code, r->why, wait_ms / 1000, left);
}

/* r's REGISTER to its next hop: the next outbound proxy, or the next
 * address of its domain; none left: failed with code (why). */
static void
reg_next_hop(struct cp_sip *sip, struct reg *r, int code, const char *why,
	     uint32_t retry_after_s)
{
	struct cp_sip_peer peer;
	char label[200];

	if (sip->n_pnames > 0) {
		if (pick_hop(sip, &r->tried, &r->hop, &peer) == 0 &&
		    reg_send(sip, r, &peer, sip->proxies[r->hop].route) == 0)
			return;
	}
	snprintf(label, sizeof(label), "registration %s", r->aor);
	while (sip->n_pnames == 0 &&
	       dest_next(sip, r->dest, r->n_dest, &r->dest_i,
			 r->dns ? r->host : NULL, label, &peer) == 0)
		if (reg_send(sip, r, &peer, NULL) == 0)
			return;
	reg_failed(sip, r, code, why, retry_after_s);
}

/* A resolution of r's domain ended (cp_dns_done_fn): its addresses,
 * kept for their TTL; r's REGISTER goes to the first. */
static void
reg_resolved(void *arg, int err, const char *why,
	     const struct cp_dns_target *t, unsigned n, uint32_t ttl_s)
{
	struct reg *r = arg;
	struct cp_sip *sip = r->sip;
	char list[400] = "";

	r->resolving = false;
	if (r->done)
		return; /* unregistering, with no binding to end */
	if (err < 0 || n == 0) {
		snprintf(list, sizeof(list), "DNS: %s",
			 why != NULL ? why : "no address");
		reg_failed(sip, r, 503, list, 0);
		return;
	}
	if (n > CP_DNS_MAX_TARGETS)
		n = CP_DNS_MAX_TARGETS;
	r->dest_until_ms = now_ms() + dns_keep_ms(sip, ttl_s);
	dests_str(t, n, list, sizeof(list));
	if (n != r->n_dest || memcmp(r->dest, t, n * sizeof(*t)) != 0)
		LOG_INFO("sip: registration %s: %s is %s (DNS)", r->aor,
			 r->host, list);
	memcpy(r->dest, t, n * sizeof(*t));
	r->n_dest = n;
	r->dest_i = 0;
	reg_next_hop(sip, r, 503, "no address of its domain took it", 0);
}

/* A new REGISTER of r, from its first hop (no credentials yet: each
 * registration is challenged afresh); a name resolved first, when its
 * addresses' TTL has run out. */
static void
reg_round(struct cp_sip *sip, struct reg *r, uint64_t now)
{
	auth_set_free(&r->auth);
	r->auth_tries = 0;
	r->auth_t = NULL;
	r->tried = 0;
	r->hop = -1;
	r->dest_i = 0;
	if (sip->n_pnames == 0 && r->dns &&
	    (r->n_dest == 0 || now >= r->dest_until_ms)) {
		if (dns_ready(sip) < 0) {
			reg_failed(sip, r, 503, "no DNS resolver", 0);
			return;
		}
		r->resolving = true;
		if (cp_dns_resolve_sip(sip->dns, r->host, r->port, r->tp,
				       reg_resolved, r) < 0) {
			r->resolving = false;
			reg_failed(sip, r, 503, "out of memory", 0);
		}
		return;
	}
	reg_next_hop(sip, r, 503,
		     sip->n_pnames > 0 ? "no outbound proxy to send it to"
				       : "no address to send it to",
		     0);
}

/*
 * The seconds r's binding was granted, by the 2xx m (§10.2.4): the
 * expires parameter of the Contact of ours in it, else its Expires,
 * else what r asked.
 */
static uint32_t
reg_granted(const struct cp_sip *sip, const struct reg *r,
	    const osip_message_t *m)
{
	unsigned long v;

	for (int i = 0; i < osip_list_size(&m->contacts); i++) {
		osip_contact_t *c = osip_list_get(&m->contacts, i);
		osip_generic_param_t *e = NULL;
		char host[64];

		if (c == NULL || c->url == NULL || c->url->host == NULL ||
		    c->url->username == NULL ||
		    strcmp(c->url->username, r->user) != 0)
			continue;
		snprintf(host, sizeof(host),
			 strchr(c->url->host, ':') ? "[%s]" : "%s",
			 c->url->host);
		if (strcasecmp(host, sip->host) != 0 ||
		    (c->url->port != NULL &&
		     strtoul(c->url->port, NULL, 10) !=
			     port_of(sip, r->sips ? CP_SIP_TLS : r->peer_proto)))
			continue;
		osip_contact_param_get_byname(c, "expires", &e);
		if (e != NULL && e->gvalue != NULL) {
			v = strtoul(e->gvalue, NULL, 10);
			return v > REG_MAX_EXPIRES_S ? REG_MAX_EXPIRES_S
						     : (uint32_t)v;
		}
	}
	if (hdr_secs(m, "expires", &v))
		return v > REG_MAX_EXPIRES_S ? REG_MAX_EXPIRES_S : (uint32_t)v;
	return r->asked_s;
}

/* A 2xx m to r's REGISTER: registered (until what it granted, refreshed
 * before: reg_refresh_ms()), or unregistered. */
static void
reg_ok(struct cp_sip *sip, struct reg *r, const osip_message_t *m)
{
	uint64_t now = now_ms();
	char contact[320];
	uint32_t g, was;

	r->last_code = m->status_code;
	if (r->unregistering) {
		r->registered = false;
		r->done = true;
		r->why[0] = '\0';
		LOG_INFO("sip: registration %s: unregistered (%s)", r->aor,
			 r->addr);
		return;
	}
	if ((g = reg_granted(sip, r, m)) == 0) {
		reg_failed(sip, r, m->status_code,
			   "the registrar kept no binding (expires 0)", 0);
		return;
	}
	was = r->registered ? r->granted_s : 0;
	r->registered = true;
	r->granted_s = g;
	r->until_ms = now + (uint64_t)g * 1000;
	r->due_ms = now + reg_refresh_ms(g);
	r->failures = 0;
	r->why[0] = '\0';
	r->n_ok++;
	sip->st.reg_ok++;
	if (was != g)
		LOG_INFO("sip: registered %s at %s (%s) for %" PRIu32 " s, "
			 "refreshed after %" PRIu64 " s: Contact %s",
			 r->aor, r->registrar, r->addr, g,
			 reg_refresh_ms(g) / 1000,
			 contact_user_of(sip, r->peer_proto, r->sips, r->user,
					 contact, sizeof(contact)));
}

/* The Min-Expires of a 423, 0 if none. */
static uint32_t
min_expires_of(const osip_message_t *m)
{
	unsigned long v;

	if (!hdr_secs(m, "min-expires", &v))
		return 0;
	return v > REG_MAX_EXPIRES_S ? UINT32_MAX : (uint32_t)v;
}

/*
 * The end of t's REGISTER (transaction tr): code, m its final response
 * (NULL: none came, 408, or its connection failed, 503). 2xx: registered; 401, 407: again with
 * credentials; 423: again asking for its Min-Expires; 408, 503 or a
 * failed connection: on to the next hop; else, or none left, failed.
 */
static void
reg_done(struct txn *t, osip_transaction_t *tr, int code,
	 const osip_message_t *m)
{
	struct reg *r = t->reg;
	struct cp_sip *sip = t->sip;
	char why[200], label[200];
	uint32_t min;

	if (r == NULL || sip->closing)
		return;
	t->reg = NULL;
	if (r->t != t)
		return; /* dropped (unregistering meanwhile) */
	r->t = NULL;
	if (m == NULL) { /* 408: none came; 503: its connection failed */
		if (r->hop >= 0)
			proxy_set_down(sip, (unsigned)r->hop,
				       code == 408 ? "no answer to a REGISTER"
						   : "no TCP connection",
				       0);
		reg_next_hop(sip, r, code,
			     code == 408 ? "no answer" : "its connection failed",
			     0);
		return;
	}
	if (r->hop >= 0 && code != 503)
		proxy_set_up(sip, (unsigned)r->hop, "it answered a REGISTER");
	if (code >= 200 && code < 300) {
		reg_ok(sip, r, m);
		return;
	}
	if (code == 401 || code == 407) {
		struct txn *t2;

		snprintf(label, sizeof(label), "registration %s", r->aor);
		t2 = auth_again(sip, &r->auth, m, tr, r->auth_t == t,
				r->auth_tries, label, "", &t->peer,
				r->cseq + 1, NULL);
		if (t2 != NULL) {
			sip->st.reg_sent++;
			r->cseq++;
			t2->reg = r;
			r->t = t2;
			r->auth_t = t2;
			r->auth_tries++;
			return;
		}
		reg_failed(sip, r, code, "its challenge not answered", 0);
		return;
	}
	snprintf(why, sizeof(why), "%s",
		 m->reason_phrase != NULL ? m->reason_phrase : "");
	if (code == 423 && !r->unregistering &&
	    (min = min_expires_of(m)) > r->asked_s &&
	    min <= REG_MAX_EXPIRES_S) {
		LOG_INFO("sip: registration %s: the registrar wants %" PRIu32
			 " s at least (423): asked again",
			 r->aor, min);
		r->asked_s = min;
		if (reg_send(sip, r, &t->peer,
			     r->hop >= 0 ? sip->proxies[r->hop].route
					 : NULL) < 0)
			reg_failed(sip, r, 500, "no memory", 0);
		return;
	}
	if (code == 503) {
		if (r->hop >= 0)
			proxy_set_down(sip, (unsigned)r->hop,
				       "a REGISTER got 503", retry_after_of(m));
		reg_next_hop(sip, r, code, why, retry_after_of(m));
		return;
	}
	reg_failed(sip, r, code, why, retry_after_of(m));
}

/*
 * Registrations' timers: a binding that lapsed (not refreshed in time),
 * a REGISTER due (a refresh, a retry). The next due time.
 */
static uint64_t
run_regs(struct cp_sip *sip, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < sip->n_regs; i++) {
		struct reg *r = &sip->regs[i];

		if (r->registered && now >= r->until_ms) {
			r->registered = false;
			LOG_WARN("sip: registration %s lapsed: not refreshed "
				 "in time (%s)",
				 r->aor, r->why[0] ? r->why : "no answer yet");
		}
		if (r->registered && r->until_ms < next)
			next = r->until_ms;
		if (r->t != NULL || r->resolving || r->done ||
		    r->unregistering)
			continue;
		if (now >= r->due_ms)
			reg_round(sip, r, now);
		if (r->t == NULL && !r->resolving && r->due_ms < next)
			next = r->due_ms;
	}
	return next;
}

unsigned
cp_sip_unregister(struct cp_sip *sip)
{
	unsigned n = 0;

	for (unsigned i = 0; sip != NULL && i < sip->n_regs; i++) {
		struct reg *r = &sip->regs[i];

		if (!r->unregistering && !r->done) {
			r->unregistering = true;
			if (r->t != NULL) { /* its answer says nothing now */
				r->t->reg = NULL;
				r->t = NULL;
			}
			if (!r->registered)
				r->done = true; /* a resolution says nothing */
			else if (!r->resolving)
				reg_round(sip, r, now_ms());
		}
		n += !r->done;
	}
	return n;
}

/*
 * The registration k of cp_sip_conf.register_aor, aor, in r (§10.2):
 * its user (our Contact's), its domain (the Request-URI, the next hop
 * without outbound proxies: an address, or a name DNS resolves), a
 * Call-ID and From tag kept for its REGISTERs. 0, or -EINVAL (not one
 * cp_sip_register_ok() takes), -EPROTONOSUPPORT (TLS without it).
 */
static int
reg_init(struct cp_sip *sip, struct reg *r, const char *aor)
{
	struct cp_sip_peer peer = { .proto = CP_SIP_UDP };
	osip_uri_t *u = NULL, *d = NULL;
	char *s = NULL, id[TAG_HEX + 1];
	int rc = -EINVAL, proto;
	long port;

	if (!cp_sip_register_ok(aor, NULL, NULL, NULL, 0))
		return -EINVAL;
	if (osip_uri_init(&u) != 0 || osip_uri_parse(u, aor) != 0 ||
	    (proto = uri_proto(u)) < 0)
		goto out;
	rc = -EPROTONOSUPPORT;
	if (proto == CP_SIP_TLS &&
	    (cp_sip_transport_tls_port(sip->tp) == 0 || !proxies_tls(sip)))
		goto out;
	rc = -ENOMEM;
	if (osip_uri_clone(u, &d) != 0)
		goto out;
	osip_free(d->username);
	d->username = NULL;
	osip_free(d->password);
	d->password = NULL;
	if (osip_uri_to_str(d, &s) != 0)
		goto out;
	rc = -EINVAL;
	if (strlen(s) >= sizeof(r->registrar))
		goto out;
	memset(r, 0, sizeof(*r));
	r->sip = sip;
	snprintf(r->aor, sizeof(r->aor), "%s", aor);
	snprintf(r->user, sizeof(r->user), "%s", u->username);
	snprintf(r->registrar, sizeof(r->registrar), "%s", s);
	snprintf(r->host, sizeof(r->host), "%s", u->host);
	r->sips = is_sips(u);
	r->tp = uri_dns_tp(u);
	port = u->port != NULL		? strtol(u->port, NULL, 10)
	       : proto == CP_SIP_TLS	? 5061
					: 5060;
	r->port = u->port != NULL ? (uint16_t)port : 0;
	r->hop = -1;
	r->asked_s = sip->conf.register_expires_s;
	random_hex(id, TAG_HEX);
	snprintf(r->call_id, sizeof(r->call_id), "%s@%s", id, sip->host);
	random_hex(r->tag, TAG_HEX);
	if (cp_sip_transport_addr(&peer, u->host, (uint16_t)port) < 0) {
		r->dns = true;
	} else {
		r->dest[0].tp = r->tp == CP_DNS_ANY ? CP_DNS_UDP : r->tp;
		memcpy(&r->dest[0].addr, &peer.addr, sizeof(peer.addr));
		snprintf(r->dest[0].name, sizeof(r->dest[0].name), "%s",
			 u->host);
		r->n_dest = 1;
	}
	rc = 0;
out:
	osip_free(s);
	osip_uri_free(d);
	osip_uri_free(u);
	return rc;
}

bool
cp_sip_register_ok(const char *aor, const char *addr, bool *tls, char *why,
		   size_t why_len)
{
	struct cp_sip_peer peer = { .proto = CP_SIP_UDP };
	const char *bad = NULL;
	osip_uri_t *u = NULL;
	long port = 0;

	if (aor == NULL || !is_uri_safe(aor) || strchr(aor, '\\') != NULL ||
	    strchr(aor, '"') != NULL || strlen(aor) > 160 ||
	    osip_uri_init(&u) != 0 || osip_uri_parse(u, aor) != 0 ||
	    u->scheme == NULL ||
	    (strcasecmp(u->scheme, "sip") != 0 &&
	     strcasecmp(u->scheme, "sips") != 0) ||
	    u->host == NULL)
		bad = "not a sip: or sips: URI";
	else if (u->username == NULL || u->username[0] == '\0')
		bad = "no user part (the user the focus registers, and its "
		      "Contact's: a conference's name)";
	else if (strlen(u->username) >= 64 ||
		 strpbrk(u->username, "@:;<>\" ") != NULL)
		bad = "its user is not one our Contact can carry";
	else if (u->password != NULL)
		bad = "a password in the URI (--credentials holds them)";
	else if (osip_list_size(&u->url_headers) != 0)
		bad = "URI headers (?...)";
	else if (uri_proto(u) < 0)
		bad = "a transport other than udp, tcp or tls";
	else if ((port = u->port != NULL ? strtol(u->port, NULL, 10) : 5060) <=
			 0 ||
		 port > 65535)
		bad = "a port out of range";
	else if (cp_sip_transport_addr(&peer, u->host, (uint16_t)port) < 0
			 ? !is_dns_name(u->host)
			 : addr != NULL && (peer.addr.ss_family == AF_INET6) !=
						   (strchr(addr, ':') != NULL))
		bad = "its domain is neither a host name nor an address of "
		      "the family of --sip's";
	if (tls != NULL)
		*tls = bad == NULL && uri_proto(u) == CP_SIP_TLS;
	osip_uri_free(u);
	if (bad != NULL && why != NULL)
		snprintf(why, why_len, "%s", bad);
	return bad == NULL;
}

int
cp_sip_reg_info(const struct cp_sip *sip, unsigned i,
		struct cp_sip_reg_info *out)
{
	const struct reg *r;
	uint64_t now = now_ms();

	if (sip == NULL || i >= sip->n_regs)
		return -ENOENT;
	r = &sip->regs[i];
	*out = (struct cp_sip_reg_info){
		.aor = r->aor,
		.state = reg_state(r),
		.addr = r->addr,
		.reason = r->why,
		.registered = r->registered,
		.granted_s = r->registered ? r->granted_s : 0,
		.expires_in_s = r->registered && r->until_ms > now
					? (r->until_ms - now) / 1000
					: 0,
		.next_in_s = r->t == NULL && !r->resolving && !r->done &&
					     r->due_ms > now
				     ? (r->due_ms - now) / 1000
				     : 0,
		.last_code = r->last_code,
		.registrations = r->n_ok,
		.failures = r->n_failed,
	};
	return 0;
}

int
cp_sip_regs_json(const struct cp_sip *sip, char *buf, size_t len)
{
	struct cp_sip_reg_info ri;
	size_t n = 0;

	n += (size_t)snprintf(buf, len, "[");
	for (unsigned i = 0; cp_sip_reg_info(sip, i, &ri) == 0; i++)
		/* the AOR and reason hold no '"' or '\\' (reg_init(),
		 * reg_failed()) */
		n += (size_t)snprintf(
			buf + (n < len ? n : len), n < len ? len - n : 0,
			"%s{\"aor\":\"%s\",\"state\":\"%s\",\"registered\":%s,"
			"\"expires_in_s\":%" PRIu64 ",\"granted_s\":%" PRIu32
			",\"next_in_s\":%" PRIu64 ",\"last_code\":%d,"
			"\"reason\":\"%s\",\"addr\":\"%s\","
			"\"registrations\":%" PRIu64 ",\"failures\":%" PRIu64
			"}",
			i ? "," : "", ri.aor, ri.state,
			ri.registered ? "true" : "false", ri.expires_in_s,
			ri.granted_s, ri.next_in_s, ri.last_code, ri.reason,
			ri.addr, ri.registrations, ri.failures);
	n += (size_t)snprintf(buf + (n < len ? n : len), n < len ? len - n : 0,
			      "]");
	return (int)n;
}

int
cp_sip_proxy_info(const struct cp_sip *sip, unsigned i,
		  struct cp_sip_proxy_info *out)
{
	unsigned at = 0;

	for (unsigned k = 0; k < sip->n_pnames; k++) {
		const struct proxy_name *pn = &sip->pnames[k];
		bool any = false;

		for (unsigned h = 0; h < sip->n_proxies; h++) {
			const struct proxy *px = &sip->proxies[h];

			if (px->name != k)
				continue;
			any = true;
			if (at++ != i)
				continue;
			*out = (struct cp_sip_proxy_info){
				.uri = px->uri,
				.addr = px->addr,
				.reason = px->why,
				.dns_error = pn->dns_err,
				.up = !px->down,
				.down_for_s =
					px->down ? (now_ms() -
						    px->down_since_ms) / 1000
						 : 0,
				.failovers = px->failovers,
				.pings_unanswered = px->pings_unanswered,
			};
			return 0;
		}
		if (!any && at++ == i) {
			/* a name with no address (yet): down */
			*out = (struct cp_sip_proxy_info){
				.uri = pn->uri,
				.addr = "",
				.reason = pn->dns_err[0] ? pn->dns_err
							 : "not resolved yet",
				.dns_error = pn->dns_err,
			};
			return 0;
		}
	}
	return -ENOENT;
}

int
cp_sip_proxies_json(const struct cp_sip *sip, char *buf, size_t len)
{
	struct cp_sip_proxy_info pi;
	int n = 0;

#define ADD(fmt, ...)                                            \
	n += snprintf(buf + ((size_t)n < len ? (size_t)n : len), \
		      (size_t)n < len ? len - (size_t)n : 0, fmt, __VA_ARGS__)
	ADD("%s", "[");
	/* the URI, address and reasons hold no '"' or '\\' (proxy_parse(),
	 * inet_ntop(), ours, c-ares's messages and DNS names) */
	for (unsigned i = 0; cp_sip_proxy_info(sip, i, &pi) == 0; i++)
		ADD("%s{\"uri\":\"%s\",\"up\":%s,\"down_for_s\":%" PRIu64
		    ",\"reason\":\"%s\",\"failovers\":%" PRIu64
		    ",\"pings_unanswered\":%" PRIu32 ",\"addr\":\"%s\","
		    "\"dns_error\":\"%s\"}",
		    i ? "," : "", pi.uri, pi.up ? "true" : "false",
		    pi.down_for_s, pi.reason, pi.failovers,
		    pi.pings_unanswered, pi.addr, pi.dns_error);
	ADD("%s", "]");
#undef ADD
	return n;
}

int
cp_sip_invite(struct cp_sip *sip, const char *target_uri, const char *from_uri,
	      const char *contact_user, const char *content_type,
	      const char *body, void *app, struct cp_sip_call **out)
{
	struct cp_sip_invite_opts o = {
		.target_uri = target_uri,
		.from_uri = from_uri,
		.contact_user = contact_user,
		.content_type = content_type,
		.body = body,
		.app = app,
	};

	return cp_sip_invite_ex(sip, &o, out);
}

void
cp_sip_set_creds(struct cp_sip *sip, const struct cp_creds *creds)
{
	sip->creds = creds;
}

int
cp_sip_invite_cancel(struct cp_sip *sip, struct cp_sip_call *call)
{
	return cp_sip_invite_cancel_why(sip, call, NULL);
}

int
cp_sip_invite_cancel_why(struct cp_sip *sip, struct cp_sip_call *call,
			 const char *reason)
{
	if (sip == NULL || call == NULL)
		return -EINVAL;
	if (call->cancel_wanted)
		return -EALREADY;
	if (reason != NULL)
		snprintf(call->cancel_reason, sizeof(call->cancel_reason), "%s",
			 reason);
	call->cancel_wanted = true;
	call->ring_deadline_ms = 0;
	if (call->got_1xx)
		return send_cancel(sip, call);
	return 0;
}

void
cp_sip_call_set_ring_timeout(struct cp_sip_call *call, uint32_t ring_timeout_ms)
{
	call->ring_deadline_ms =
		ring_timeout_ms != 0 ? now_ms() + ring_timeout_ms : 0;
}

void *
cp_sip_call_app(const struct cp_sip_call *call)
{
	return call->app;
}

const char *
cp_sip_call_call_id(const struct cp_sip_call *call)
{
	return call->call_id;
}

/*
 * Our client transactions whose TCP or TLS connection is gone (refused,
 * reset, closed, a handshake that failed) end now, not at Timer B/F: over
 * TCP nothing retransmits. The next collect() reports them (a dial-out
 * fails with 503, a NOTIFY as a timeout, a BYE ends its dialog).
 */
static void
fail_dead_tcp(struct cp_sip *sip)
{
	osip_list_t *lists[] = { &sip->osip->osip_ict_transactions,
				 &sip->osip->osip_nict_transactions };

	for (size_t l = 0; l < 2; l++)
		for (int i = 0; i < osip_list_size(lists[l]);) {
			osip_transaction_t *tr = osip_list_get(lists[l], i);
			struct txn *t = osip_transaction_get_reserved1(tr);

			if (t == NULL || !t->client ||
			    t->peer.proto == CP_SIP_UDP ||
			    cp_sip_transport_conn_is_open(sip->tp,
							  t->peer.conn_id)) {
				i++;
				continue;
			}
			osip_remove_transaction(sip->osip, tr); /* from l */
			osip_list_add(&sip->garbage, tr, -1);
		}
}

/*
 * Ring timeouts, subscription expiry, dead TCP connections, session
 * timers, registrations: the next due time.
 */
static uint64_t
run_app_timers(struct cp_sip *sip, uint64_t now)
{
	uint64_t next = run_proxy_timers(sip, now);
	uint64_t se_next = run_session_timers(sip, now);
	uint64_t reg_next = run_regs(sip, now);
	struct cp_sip_call *c, *cn;
	struct cp_sip_sub *s, *sn;

	if (se_next < next)
		next = se_next;
	if (reg_next < next)
		next = reg_next;
	fail_dead_tcp(sip);
	for (c = sip->calls; c != NULL; c = cn) {
		cn = c->next;
		if (c->ring_deadline_ms == 0)
			continue;
		if (now >= c->ring_deadline_ms) {
			LOG_INFO("sip: call %s rang too long: CANCEL",
				 c->call_id);
			/* Q.850 19: no answer from user (user alerted);
			 * 18: no user responding (not even a 1xx yet) */
			cp_sip_invite_cancel_why(
				sip, c, c->got_1xx ?
					"Q.850;cause=19;text=\"no answer\"" :
					"Q.850;cause=18;text=\"no user "
					"responding\"");
		} else if (c->ring_deadline_ms < next) {
			next = c->ring_deadline_ms;
		}
	}
	for (s = sip->subs; s != NULL; s = sn) {
		sn = s->next;
		if (s->final_queued)
			continue;
		if (now >= s->expires_at_ms) {
			/* RFC 6665 §4.2.1.4, F-50 */
			s->expired = true;
			cp_sip_notify(sip, s, NULL, NULL, CP_SIP_SUB_TERMINATED,
				      "timeout", 0);
		} else if (s->expires_at_ms < next) {
			next = s->expires_at_ms;
		}
	}
	return next;
}

const struct cp_sip_stats *
cp_sip_stats(const struct cp_sip *sip)
{
	return &sip->st;
}

const struct cp_sip_transport_stats *
cp_sip_transport_stats_of(const struct cp_sip *sip)
{
	return cp_sip_transport_stats(sip->tp);
}

int
cp_sip_stats_json(const struct cp_sip *sip, char *buf, size_t len)
{
	const struct cp_sip_transport_stats *ts =
		cp_sip_transport_stats(sip->tp);
	const char *sep = "";
	int n = 0;

#define ADD(fmt, ...)                                            \
	n += snprintf(buf + ((size_t)n < len ? (size_t)n : len), \
		      (size_t)n < len ? len - (size_t)n : 0, fmt, __VA_ARGS__)
#define SIP_FIELD(f) ADD("\"%s\":%" PRIu64 ",", #f, sip->st.f);
	ADD("%s", "{");
	CP_SIP_STATS(SIP_FIELD)
#define TRANSPORT_FIELD(f) ADD("%s\"%s\":%" PRIu64, sep, #f, ts->f); sep = ",";
	ADD("%s", "\"transport\":{");
	CP_SIP_TRANSPORT_STATS(TRANSPORT_FIELD)
	ADD("%s", "}}");
#undef TRANSPORT_FIELD
#undef SIP_FIELD
#undef ADD
	return n;
}
