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
 * and absorbs retransmitted INVITEs itself.
 */
#include "sip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
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

#include "log.h"
#include "sip_transport.h"

#define BRANCH_PREFIX "z9hG4bK-tutti-"
#define SIP_ALLOW     "INVITE, ACK, CANCEL, OPTIONS, BYE"
#define SIP_ACCEPT    "application/sdp"
#define SIP_SUPPORTED ""   /* no extensions yet */
#define TAG_HEX	      16   /* 64 random bits (RFC 3261 §19.3: >= 32) */
#define MAX_WAIT_MS   1000 /* longest sleep in cp_sip_poll() */

enum { WITH_ALLOW = 1, WITH_CAPS = 2 };

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
	void *app;
	char contact_user[64];	/* user part of our Contact, "" = none */
	struct cp_sip_dialog *next;
};

struct cp_sip_req {
	struct cp_sip *sip;
	osip_transaction_t *tr;	      /* its IST */
	struct cp_sip_dialog *dialog; /* re-INVITE: its dialog */
	char *uri, *call_id, *body, *from, *to;
	char *authorization;	/* first Authorization value, or NULL */
	char to_tag[TAG_HEX + 1];
	bool final_sent;
	void *app;
	char contact_user[64];	/* user part of our Contact, "" = none */
	struct cp_sip_req *next;
};

/* Our state on each osip transaction (reserved1). */
struct txn {
	struct cp_sip *sip;
	struct cp_sip_peer peer; /* server: request source; client: next hop */
	bool client;
	struct cp_sip_req *req;	   /* IST: the INVITE */
	struct cp_sip_dialog *dlg; /* NICT BYE: the dialog it ends */
};

struct cp_sip {
	osip_t *osip;
	struct cp_sip_transport *tp;
	struct cp_sip_app app;
	struct cp_sip_conf conf;
	char host[64]; /* for Via and Contact */
	char contact_params[128];
	struct cp_sip_req *reqs;
	struct cp_sip_dialog *dialogs;
	osip_list_t garbage; /* killed transactions to free */
	struct cp_sip_stats st;
};

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

static bool
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static const char *
tag_of(osip_from_t *f)
{
	osip_generic_param_t *p = NULL;

	if (f == NULL || osip_from_get_tag(f, &p) != 0 || p == NULL)
		return NULL;
	return p->gvalue;
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
	if (t->client)
		to = t->peer;
	else
		response_dest(&t->peer, m, &to);
	return send_raw(t->sip, &to, m) == 0 ? 0 : -1;
}

static osip_message_t *
build_response(const osip_message_t *req, int code, const char *to_tag,
	       unsigned int with)
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
		osip_message_set_allow(r, SIP_ALLOW);
	if (with & WITH_CAPS) {
		osip_message_set_accept(r, SIP_ACCEPT);
		osip_message_set_header(r, "Supported", SIP_SUPPORTED);
	}
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
	if ((r = build_response(req, code, tag, 0)) == NULL) {
		sip->st.tx_failed++;
		return;
	}
	if (code == 503)
		osip_message_set_header(r, "Retry-After", "5");
	response_dest(from, r, &to);
	send_raw(sip, &to, r);
	osip_message_free(r);
}

/* Hand r to tr's state machine, which sends it (and retransmits). */
static void
reply_txn(osip_transaction_t *tr, osip_message_t *r)
{
	osip_event_t *evt = osip_new_outgoing_sipmessage(r);

	if (evt == NULL) {
		osip_message_free(r);
		return;
	}
	evt->transactionid = tr->transactionid;
	osip_transaction_add_event(tr, evt);
}

static void
reply_code(struct cp_sip *sip, osip_transaction_t *tr, int code,
	   unsigned int with, const char *header, const char *value)
{
	char tag[TAG_HEX + 1];
	osip_message_t *r;

	random_hex(tag, TAG_HEX);
	r = build_response(tr->orig_request, code, tag, with);
	if (r == NULL) {
		sip->st.tx_failed++;
		return;
	}
	if (header != NULL)
		osip_message_set_header(r, header, value);
	reply_txn(tr, r);
}

/* Our Contact, with the configured header parameters (e.g. ;isfocus). */
static const char *
contact_user_of(const struct cp_sip *sip, enum cp_sip_proto proto,
		const char *user, char *buf, size_t len)
{
	snprintf(buf, len, "<sip:%s%s%s:%u%s>%s", user, user[0] ? "@" : "",
		 sip->host, cp_sip_transport_port(sip->tp),
		 proto == CP_SIP_TCP ? ";transport=tcp" : "",
		 sip->contact_params);
	return buf;
}

static const char *
contact_of(const struct cp_sip *sip, enum cp_sip_proto proto, char *buf,
	   size_t len)
{
	return contact_user_of(sip, proto, "", buf, len);
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
	    m->req_uri == NULL || m->sip_method == NULL)
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
	       str_eq(tr->callid->number, m->call_id->number) &&
	       str_eq(tag_of(tr->from), tag_of(m->from)) &&
	       str_eq(tr->cseq->number, m->cseq->number) &&
	       str_eq(tr->cseq->method, m->cseq->method);
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
	for (struct cp_sip_dialog *d = sip->dialogs; d; d = d->next)
		if (str_eq(d->od->call_id, m->call_id->number) &&
		    str_eq(d->od->remote_tag, tag_of(m->from)) &&
		    strtoul(m->cseq->number, NULL, 10) == d->invite_cseq &&
		    MSG_IS_INVITE(m) && !str_eq(d->invite_branch, br))
			return true; /* merged with an answered INVITE */
	for (size_t l = 0; l < 2; l++)
		for (int i = 0; i < osip_list_size(lists[l]); i++) {
			osip_transaction_t *tr = osip_list_get(lists[l], i);

			if (same_call(tr, m) &&
			    !str_eq(branch_of(tr->topvia), br))
				return true;
		}
	return false;
}

static struct cp_sip_dialog *
find_dialog(struct cp_sip *sip, const osip_message_t *m)
{
	for (struct cp_sip_dialog *d = sip->dialogs; d; d = d->next)
		if (osip_dialog_match_as_uas(d->od, (osip_message_t *)m) == 0)
			return d;
	return NULL;
}

static void
dialog_end(struct cp_sip *sip, struct cp_sip_dialog *d, enum cp_sip_end why)
{
	struct cp_sip_dialog **pp;

	if (sip->app.on_dialog_end != NULL)
		sip->app.on_dialog_end(sip->app.ctx, d, why);
	for (pp = &sip->dialogs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	for (struct cp_sip_req *r = sip->reqs; r; r = r->next)
		if (r->dialog == d)
			r->dialog = NULL;
	sip->st.dialogs_active--;
	osip_dialog_free(d->od);
	free(d->invite_branch);
	free(d->resp_2xx);
	free(d);
}

/* ACK: for a non-2xx it belongs to the IST; for our 2xx to the dialog. */
static void
handle_ack(struct cp_sip *sip, osip_event_t *evt)
{
	osip_message_t *m = evt->sip;
	struct cp_sip_dialog *d;

	if (osip_find_transaction_and_add_event(sip->osip, evt) == 0)
		return;
	d = find_dialog(sip, m);
	if (d != NULL && d->resp_2xx != NULL &&
	    strtoul(m->cseq->number, NULL, 10) == d->invite_cseq) {
		free(d->resp_2xx);
		d->resp_2xx = NULL;
		sip->st.ack_2xx++;
		osip_dialog_set_state(d->od, DIALOG_CONFIRMED);
		if (sip->app.on_ack != NULL)
			sip->app.on_ack(sip->app.ctx, d);
	} else if (d == NULL) {
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
	for (struct cp_sip_dialog *d = sip->dialogs; d; d = d->next)
		if (str_eq(d->invite_branch, br) &&
		    str_eq(d->od->call_id, m->call_id->number) &&
		    str_eq(d->od->remote_tag, tag_of(m->from)))
			return true; /* the 2xx timer resends, not this */
	return false;
}

static void
on_rx(void *ctx, const struct cp_sip_peer *from, const char *buf, size_t len)
{
	struct cp_sip *sip = ctx;
	osip_event_t *evt = osip_parse(buf, len);
	osip_transaction_t *tr;
	osip_message_t *m;
	struct txn *t;
	int code;

	if (evt == NULL || evt->sip == NULL) {
		sip->st.parse_bad++;
		if (evt != NULL)
			osip_event_free(evt);
		return;
	}
	m = evt->sip;
	if (MSG_IS_RESPONSE(m)) {
		sip->st.rx_responses++;
		if (from->proto == CP_SIP_UDP && body_truncated(buf, len, m)) {
			sip->st.parse_bad++; /* S-09: dropped */
			osip_event_free(evt);
			return;
		}
		if (osip_find_transaction_and_add_event(sip->osip, evt) != 0) {
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
		if (!MSG_IS_ACK(m))
			reply_stateless(sip, from, m, code);
		osip_event_free(evt);
		return;
	}
	if (MSG_IS_ACK(m)) {
		handle_ack(sip, evt);
		return;
	}
	if (osip_find_transaction_and_add_event(sip->osip, evt) == 0) {
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
	if ((uint32_t)(osip_list_size(&sip->osip->osip_ist_transactions) +
		       osip_list_size(&sip->osip->osip_nist_transactions)) >=
	    sip->conf.max_transactions) {
		sip->st.overload++; /* S-10: memory stays bounded */
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
	osip_transaction_add_event(tr, evt);
}

/* Checks common to every new request (S-03, S-04, S-11). */
static int
precheck(struct cp_sip *sip, osip_transaction_t *tr, osip_message_t *m)
{
	static const char *const known[] = {
		"REGISTER", "SUBSCRIBE", "NOTIFY",  "REFER",   "INFO",
		"UPDATE",   "PRACK",	 "MESSAGE", "PUBLISH",
	};
	osip_header_t *h = NULL;
	bool supported = MSG_IS_INVITE(m) || MSG_IS_OPTIONS(m) ||
			 MSG_IS_BYE(m) || MSG_IS_CANCEL(m);

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
	if (MSG_IS_CANCEL(m))
		return 0;
	/* No option tags are supported yet: every Require gets 420. */
	if (osip_message_header_get_byname(m, "require", 0, &h) >= 0 &&
	    h != NULL && h->hvalue != NULL) {
		reply_code(sip, tr, 420, 0, "Unsupported", h->hvalue);
		return 420;
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
	}
	d->od->remote_cseq = (int)n;
	if (MSG_IS_INVITE(m) && osip_message_get_contact(m, 0, &c) >= 0 &&
	    c != NULL && c->url != NULL && osip_contact_clone(c, &copy) == 0) {
		osip_contact_free(d->od->remote_contact_uri);
		d->od->remote_contact_uri = copy;
	}
	return 0;
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
	osip_free(r->authorization);
	free(r);
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
	r->call_id = strdup(m->call_id->number);
	osip_message_get_body(m, 0, &b);
	r->body = strdup(b != NULL && b->body != NULL ? b->body : "");
	{
		osip_authorization_t *a = NULL;

		if (osip_message_get_authorization(m, 0, &a) >= 0 && a != NULL)
			osip_authorization_to_str(a, &r->authorization);
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
	struct cp_sip_req *r;

	(void)type;
	if (precheck(sip, tr, m) != 0)
		return;
	if (tag_of(m->to) != NULL) {
		d = find_dialog(sip, m);
		if (d == NULL) {
			reply_code(sip, tr, 481, 0, NULL, NULL);
			return;
		}
		if (dialog_request(sip, d, m) != 0) {
			reply_code(sip, tr, 500, 0, "Retry-After", "1");
			return;
		}
	}
	if ((r = req_new(sip, tr, m)) == NULL) {
		reply_code(sip, tr, 500, 0, NULL, NULL);
		return;
	}
	t->req = r;
	r->dialog = d;
	reply_txn(tr, build_response(m, 100, NULL, 0));
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
		    str_eq(r->call_id, m->call_id->number))
			break;
	if (r == NULL) {
		reply_code(sip, tr, 481, 0, NULL, NULL);
		return;
	}
	reply_txn(tr, build_response(m, 200, r->to_tag, 0));
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

		reply_code(sip, tr, 200, WITH_CAPS, "Contact",
			   contact_of(sip, t->peer.proto, contact,
				      sizeof(contact)));
	} else if (MSG_IS_BYE(m)) {
		d = find_dialog(sip, m);
		if (d == NULL) {
			reply_code(sip, tr, 481, 0, NULL, NULL);
			return;
		}
		if (dialog_request(sip, d, m) != 0) {
			reply_code(sip, tr, 500, 0, NULL, NULL);
			return;
		}
		reply_txn(tr, build_response(m, 200, NULL, 0));
		if (!d->bye_sent) /* else our BYE's end finishes it */
			dialog_end(sip, d, CP_SIP_END_BYE_RECEIVED);
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
		   d->no_ack ? CP_SIP_END_NO_ACK : CP_SIP_END_BYE_SENT);
}

static void
on_nict_final(int type, osip_transaction_t *tr, osip_message_t *m)
{
	struct txn *t = osip_transaction_get_reserved1(tr);

	(void)type;
	(void)m;
	if (t != NULL)
		bye_done(t);
}

static void
on_kill(int type, osip_transaction_t *tr)
{
	struct txn *t = osip_transaction_get_reserved1(tr);

	(void)type;
	osip_remove_transaction(t != NULL ? t->sip->osip : tr->config, tr);
	if (t == NULL)
		return;
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
		if (t->req != NULL)
			req_free(sip, t->req);
		bye_done(t); /* if no final response ended it first */
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

static void
run_machines(struct cp_sip *sip)
{
	osip_timers_ict_execute(sip->osip);
	osip_timers_ist_execute(sip->osip);
	osip_timers_nict_execute(sip->osip);
	osip_timers_nist_execute(sip->osip);
	osip_ict_execute(sip->osip);
	osip_ist_execute(sip->osip);
	osip_nict_execute(sip->osip);
	osip_nist_execute(sip->osip);
	collect(sip);
}

/* libosip2 traces to stdout by default: route them to our debug log. */
static void
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

	osip_set_cb_send_message(o, osip_send_cb);
	osip_set_message_callback(o, OSIP_IST_INVITE_RECEIVED, on_ist_invite);
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

int
cp_sip_open(struct cp_sip **out, const struct cp_sip_conf *conf,
	    const struct cp_sip_app *app)
{
	struct cp_sip_transport_conf tc;
	struct cp_sip *sip;
	int rc;

	if (out == NULL || conf == NULL || conf->addr == NULL ||
	    strlen(conf->addr) > 45 || is_wildcard(conf->addr) ||
	    (conf->contact_params != NULL &&
	     strlen(conf->contact_params) >= sizeof(sip->contact_params)))
		return -EINVAL;
	if ((sip = calloc(1, sizeof(*sip))) == NULL)
		return -ENOMEM;
	sip->conf = *conf;
	sip->conf.addr = NULL; /* borrowed: the copy in host is used */
	sip->conf.contact_params = NULL;
	if (conf->contact_params != NULL)
		strcpy(sip->contact_params, conf->contact_params);
	if (sip->conf.max_transactions == 0)
		sip->conf.max_transactions = 4096;
	if (sip->conf.t1_ms == 0)
		sip->conf.t1_ms = 500;
	if (sip->conf.t2_ms == 0)
		sip->conf.t2_ms = 4000;
	if (app != NULL)
		sip->app = *app;
	snprintf(sip->host, sizeof(sip->host),
		 strchr(conf->addr, ':') ? "[%s]" : "%s", conf->addr);
	osip_list_init(&sip->garbage);
	tc = (struct cp_sip_transport_conf){
		.addr = conf->addr,
		.port = conf->port,
		.max_msg_bytes = conf->max_msg_bytes,
		.max_conns = conf->max_conns,
	};
	if ((rc = cp_sip_transport_open(&sip->tp, &tc, on_rx, sip)) < 0)
		goto out_free;
	rc = -ENOMEM;
	if (osip_init(&sip->osip) != 0)
		goto out_close_tp;
	osip_set_application_context(sip->osip, sip);
	/* Process-wide in libosip2; warnings and worse only. */
	osip_trace_initialize_func(OSIP_INFO1, osip_trace_cb);
	set_callbacks(sip->osip);
	*out = sip;
	return 0;
out_close_tp:
	cp_sip_transport_close(sip->tp);
out_free:
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
	cp_sip_transport_close(sip->tp);
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

/* 2xx retransmission (§13.3.1.4) and its give-up: next due time. */
static uint64_t
run_2xx_timers(struct cp_sip *sip, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct cp_sip_dialog *d, *dn;

	for (d = sip->dialogs; d != NULL; d = dn) {
		dn = d->next;
		if (d->resp_2xx == NULL)
			continue;
		if (now >= d->give_up_ms) {
			free(d->resp_2xx);
			d->resp_2xx = NULL;
			d->no_ack = true;
			sip->st.no_ack++;
			LOG_INFO("sip: no ACK for the 2xx of call %s: BYE",
				 d->od->call_id);
			cp_sip_dialog_bye(sip, d);
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
	struct timeval tv = { 0 };
	uint64_t now = now_ms(), next;
	long wait;
	int n;

	run_machines(sip);
	next = run_2xx_timers(sip, now);
	osip_timers_gettimeout(sip->osip, &tv);
	wait = tv.tv_sec * 1000L + tv.tv_usec / 1000L;
	if (wait > MAX_WAIT_MS)
		wait = MAX_WAIT_MS;
	if (next != UINT64_MAX && (long)(next - now) < wait)
		wait = next > now ? (long)(next - now) : 0;
	if (timeout_ms >= 0 && timeout_ms < wait)
		wait = timeout_ms;
	n = cp_sip_transport_poll(sip->tp, (int)wait);
	run_machines(sip);
	run_2xx_timers(sip, now_ms());
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
	d->app = req->app;	/* the INVITE's application pointer */
	memcpy(d->contact_user, req->contact_user, sizeof(d->contact_user));
	d->od->local_cseq = 1;
	d->next = sip->dialogs;
	sip->dialogs = d;
	req->dialog = d;
	sip->st.dialogs_created++;
	sip->st.dialogs_active++;
	return 0;
}

/* Contact, Record-Route and capabilities of a dialog-creating answer. */
static void
decorate_2xx(struct cp_sip *sip, struct cp_sip_req *req, osip_message_t *r)
{
	struct txn *t = osip_transaction_get_reserved1(req->tr);
	char contact[512];

	const char *user = req->contact_user[0] ? req->contact_user :
			   req->dialog != NULL ? req->dialog->contact_user : "";

	osip_message_set_contact(r, contact_user_of(sip, t->peer.proto, user,
						    contact, sizeof(contact)));
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
	free(d->resp_2xx);
	d->resp_2xx = NULL;
	if (osip_message_to_str(r, &d->resp_2xx, &d->resp_len) != 0) {
		sip->st.tx_failed++; /* sent once by the IST, never again */
		return 0;
	}
	response_dest(&t->peer, r, &d->resp_peer);
	d->interval_ms = sip->conf.t1_ms;
	d->next_ms = now + d->interval_ms;
	d->give_up_ms = now + 64ULL * sip->conf.t1_ms;
	return 0;
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
	char cl[24];
	int rc;

	if (sip == NULL || req == NULL || code < 101 || code > 699)
		return -EINVAL;
	if (req->final_sent)
		return -EALREADY;
	r = build_response(req->tr->orig_request, code, req->to_tag,
			   code / 100 == 2 ? WITH_CAPS : 0);
	if (r == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < n_hdrs; i++)
		if (strcasecmp(hdrs[i][0], "WWW-Authenticate") == 0)
			osip_message_set_www_authenticate(r, hdrs[i][1]);
		else
			osip_message_set_header(r, hdrs[i][0], hdrs[i][1]);
	if (content_type != NULL && body != NULL) {
		osip_message_set_content_type(r, content_type);
		osip_message_set_body(r, body, strlen(body));
		snprintf(cl, sizeof(cl), "%zu", strlen(body));
		osip_content_length_free(r->content_length);
		r->content_length = NULL;
		osip_message_set_content_length(r, cl);
	}
	if (code / 100 == 2 && (rc = arm_2xx(sip, req, r)) < 0) {
		osip_message_free(r);
		return rc;
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

/* Next hop of an in-dialog request (§12.2.1.1, loose routing). */
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

	*to = d->peer;
	if (d->peer.proto == CP_SIP_TCP &&
	    cp_sip_transport_conn_is_open(sip->tp, d->peer.conn_id))
		return; /* reuse the caller's connection */
	to->proto = CP_SIP_UDP;
	to->conn_id = 0;
	if (u == NULL || u->host == NULL)
		return;
	port = u->port != NULL ? strtol(u->port, NULL, 10) : 5060;
	if (port <= 0 || port > 65535 ||
	    cp_sip_transport_addr(to, u->host, (uint16_t)port) < 0)
		*to = d->peer; /* a name: the INVITE's source instead */
}

static osip_message_t *
build_bye(struct cp_sip *sip, struct cp_sip_dialog *d, bool tcp)
{
	osip_dialog_t *od = d->od;
	osip_message_t *m;
	osip_uri_t *uri = NULL;
	char buf[256], br[TAG_HEX + 1];

	if (od->remote_contact_uri == NULL || osip_message_init(&m) != 0)
		return NULL;
	osip_message_set_method(m, osip_strdup("BYE"));
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
	snprintf(buf, sizeof(buf), "%d BYE", ++od->local_cseq);
	osip_message_set_cseq(m, buf);
	random_hex(br, TAG_HEX);
	snprintf(buf, sizeof(buf),
		 "SIP/2.0/%s %s:%u;branch=" BRANCH_PREFIX "%s;rport",
		 tcp ? "TCP" : "UDP", sip->host, cp_sip_port(sip), br);
	osip_message_set_via(m, buf);
	osip_message_set_max_forwards(m, "70");
	osip_message_set_content_length(m, "0");
	if (m->to == NULL || m->from == NULL || m->call_id == NULL) {
		osip_message_free(m);
		return NULL;
	}
	return m;
}

int
cp_sip_dialog_bye(struct cp_sip *sip, struct cp_sip_dialog *d)
{
	osip_transaction_t *tr;
	osip_message_t *bye;
	osip_event_t *evt;
	struct txn *t;

	if (sip == NULL || d == NULL)
		return -EINVAL;
	if (d->bye_sent)
		return -EALREADY;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->sip = sip;
	t->client = true;
	t->dlg = d;
	dialog_next_hop(sip, d, &t->peer);
	bye = build_bye(sip, d, t->peer.proto == CP_SIP_TCP);
	if (bye == NULL) {
		free(t);
		return -ENOMEM;
	}
	if (osip_transaction_init(&tr, NICT, sip->osip, bye) != 0) {
		osip_message_free(bye);
		free(t);
		return -ENOMEM;
	}
	osip_transaction_set_reserved1(tr, t);
	evt = osip_new_outgoing_sipmessage(bye);
	evt->transactionid = tr->transactionid;
	osip_transaction_add_event(tr, evt);
	d->bye_sent = true;
	free(d->resp_2xx); /* no more 2xx once we hang up */
	d->resp_2xx = NULL;
	return 0;
}

const struct cp_sip_stats *
cp_sip_stats(const struct cp_sip *sip)
{
	return &sip->st;
}

int
cp_sip_stats_json(const struct cp_sip *sip, char *buf, size_t len)
{
	const struct cp_sip_transport_stats *ts =
		cp_sip_transport_stats(sip->tp);
	int n = 0;

#define ADD(fmt, ...)                                            \
	n += snprintf(buf + ((size_t)n < len ? (size_t)n : len), \
		      (size_t)n < len ? len - (size_t)n : 0, fmt, __VA_ARGS__)
#define SIP_FIELD(f) ADD("\"%s\":%" PRIu64 ",", #f, sip->st.f);
	ADD("%s", "{");
	CP_SIP_STATS(SIP_FIELD)
	ADD("\"transport\":{\"rx_udp\":%" PRIu64 ",\"rx_tcp\":%" PRIu64
	    ",\"tx_udp\":%" PRIu64 ",\"tx_tcp\":%" PRIu64
	    ",\"tcp_accepted\":%" PRIu64 ",\"tcp_closed\":%" PRIu64
	    ",\"drop_too_big\":%" PRIu64 ",\"drop_conn_limit\":%" PRIu64
	    ",\"drop_tcp_framing\":%" PRIu64 ",\"drop_tx\":%" PRIu64 "}}",
	    ts->rx_udp, ts->rx_tcp, ts->tx_udp, ts->tx_tcp, ts->tcp_accepted,
	    ts->tcp_closed, ts->drop_too_big, ts->drop_conn_limit,
	    ts->drop_tcp_framing, ts->drop_tx);
#undef SIP_FIELD
#undef ADD
	return n;
}
