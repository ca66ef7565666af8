/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_sip.c: libFuzzer target for the SIP layer (controlplane/sip.c and
 * sip_transport.c under libosip2): what any host may send the focus's
 * port. The input is one UDP datagram, sent over loopback to a cp_sip
 * whose application answers everything at once (an INVITE: 200 with SDP;
 * a SUBSCRIBE: 200 and a NOTIFY, or 423, 406; a REFER: 202, its NOTIFYs,
 * and the dial-out it asks for), so that a datagram can reach any dialog, subscription or
 * transaction the ones before it made. An input that is a response
 * answers the last request the layer sent to this target (its Via, From,
 * Call-ID and CSeq made that request's): the client side is reached too,
 * a dial-out's provisionals, reliable ones, 2xx, challenges (answered for
 * any realm), redirects and failures. The sender is in the trust domain
 * (its P-Asserted-Identity is read, and the dial-outs assert theirs). The
 * input as it came also goes through the TCP framer. Beyond "no crash, no
 * sanitizer report":
 * - nothing is lost: each datagram is answered or counted (a response or
 *   request sent or failed to, or one of the counters of what gets none:
 *   a parse failure, no Via, a stray, a retransmission absorbed, a
 *   keepalive, an ACK, a response taken in);
 * - what the layer sends to 127.0.0.1:5060, where this target listens
 *   (a request's Via with no port names it), is well framed: its start
 *   line, CRLF lines with no CR or LF alone (no header a request's bytes
 *   add), and a body of its Content-Length;
 * - the TCP framer's length is within the input, its skip too.
 * Every 1024 inputs the layer is closed (freeing all it holds) and opened
 * again on a new port.
 *
 * A fuzzed Contact, Route or Refer-To can make the layer send to any
 * address, so the target makes a network namespace of its own at start
 * (root, or else a user namespace), with only its loopback up, and refuses
 * to run without one: nothing it sends can leave the machine.
 * Seeds: tests/fuzz/corpus/fuzz_sip/ (requests and responses of the kinds
 * above, and links to the RFC 4475 torture messages in tests/sip-torture/).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "creds.h"
#include "fuzz.h"
#include "sip.h"
#include "sip_transport.h"
#include "trust.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

#define REOPEN_EVERY 1024
#define MAX_MSG	     4096

static struct cp_sip *sip;
static int peer = -1;		 /* 127.0.0.1:5060: sends, and hears back */
static struct sockaddr_in focus; /* the layer's address */
static unsigned n_inputs;
static struct cp_creds creds; /* any realm's challenge is answered */

static const char sdp[] = "v=0\r\n"
			  "o=- 1 1 IN IP4 127.0.0.1\r\n"
			  "s=-\r\n"
			  "c=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\n"
			  "m=audio 40000 RTP/AVP 0\r\n"
			  "a=rtpmap:0 PCMU/8000\r\n";

static void
on_invite(void *ctx, struct cp_sip_req *req, struct cp_sip_dialog *d)
{
	(void)ctx;
	(void)d;
	cp_sip_reply(sip, req, 200, "application/sdp", sdp);
}

static void
on_refer(void *ctx, struct cp_sip_req *req, const char *uri, const char *method,
	 const char *by, const char *by_uri)
{
	struct cp_sip_invite_opts o = {
		.target_uri = uri,
		.from_uri = "sip:conf@127.0.0.1",
		.contact_user = "conf",
		.content_type = "application/sdp",
		.body = sdp,
		.referred_by = by,
		.ring_timeout_ms = 2000,
	};
	struct cp_sip_sub *s = NULL;
	struct cp_sip_call *call;

	(void)ctx;
	(void)by_uri;
	if (cp_sip_sub_answer(sip, req, 202, 60, NULL, &s) != 0)
		return;
	cp_sip_refer_notify(sip, s, 100, NULL, false);
	if (method != NULL || cp_sip_invite_ex(sip, &o, &call) != 0)
		cp_sip_refer_notify(sip, s, 503, NULL, true);
}

/* A SUBSCRIBE: under 30 s asked, 423 (Min-Expires); an Accept without
 * the package's type, 406; else 200 and the NOTIFY (terminated for an
 * unsubscribe). */
static void
on_subscribe(void *ctx, struct cp_sip_req *req, const char *event,
	     int64_t expires, const char *accept)
{
	enum cp_sip_sub_state st =
		expires == 0 ? CP_SIP_SUB_TERMINATED : CP_SIP_SUB_ACTIVE;
	struct cp_sip_sub *s = NULL;

	(void)ctx;
	(void)event;
	if (expires > 0 && expires < 30)
		cp_sip_sub_answer(sip, req, 423, 30, NULL, NULL);
	else if (accept != NULL &&
		 strstr(accept, "application/conference-info+xml") == NULL)
		cp_sip_sub_answer(sip, req, 406, 0, NULL, NULL);
	else if (cp_sip_sub_answer(sip, req, 200, 60, NULL, &s) == 0)
		cp_sip_notify(sip, s, "application/conference-info+xml",
			      "<conference-info/>", st, "timeout", 0);
}

static void
on_call_answered(void *ctx, struct cp_sip_call *call, struct cp_sip_dialog *d,
		 const char *content_type, const char *body)
{
	(void)ctx;
	(void)call;
	(void)content_type;
	(void)body;
	cp_sip_dialog_bye(sip, d);
}

static bool
serves_user(void *ctx, const char *user)
{
	(void)ctx;
	return strcmp(user, "nobody") != 0;
}

static void
open_sip(void)
{
	static struct cp_trust_net trust[1];
	size_t n_trust = 0;
	char why[128];
	struct cp_sip_conf conf = {
		.addr = "127.0.0.1",
		.max_msg_bytes = MAX_MSG,
		.max_transactions = 2000,
		.contact_params = ";isfocus",
		.t1_ms = 50,
		.t2_ms = 400,
		.session_expires_s = 1800,
	};
	struct cp_sip_app app = {
		.on_invite = on_invite,
		.on_refer = on_refer,
		.on_subscribe = on_subscribe,
		.on_call_answered = on_call_answered,
		.serves_user = serves_user,
	};

	/* the sender is trusted: its P-Asserted-Identity is read */
	FUZZ_CHECK(cp_trust_parse("127.0.0.0/8", trust, 1, &n_trust, why,
				  sizeof(why)) == 0);
	conf.trust = trust;
	conf.n_trust = n_trust;
	conf.assert_identity = true;
	FUZZ_CHECK(cp_sip_open(&sip, &conf, &app) == 0);
	cp_sip_set_creds(sip, &creds);
	focus.sin_family = AF_INET;
	focus.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	focus.sin_port = htons(cp_sip_port(sip));
}

static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/*
 * A network namespace of our own, with its loopback up: as root, or in a
 * user namespace of our own (then uid and gid map to ours).
 */
static void
own_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	int fd;

	if (unshare(CLONE_NEWNET) != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
			fprintf(stderr,
				"fuzz_sip: no network namespace of its own "
				"(%s): refusing to run, as what it sends "
				"could leave the machine\n",
				strerror(errno));
			exit(1);
		}
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "%u %u 1", uid, uid);
		write_file("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "%u %u 1", gid, gid);
		write_file("/proc/self/gid_map", map);
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0);
	ifr.ifr_flags |= IFF_UP;
	FUZZ_CHECK(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	close(fd);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(5060) };

	(void)argc;
	(void)argv;
	own_netns();
	FUZZ_CHECK(cp_creds_parse(&creds, "* fuzz s3cret\n", "creds", err,
				  sizeof(err)) == 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	FUZZ_CHECK(peer >= 0);
	FUZZ_CHECK(bind(peer, (struct sockaddr *)&a, sizeof(a)) == 0);
	open_sip();
	return 0;
}

/* The counters of what was sent, or taken in with nothing to send. */
static uint64_t
accounted(void)
{
	const struct cp_sip_stats *s = cp_sip_stats(sip);
	const struct cp_sip_transport_stats *t = cp_sip_transport_stats_of(sip);

	return s->tx_1xx + s->tx_2xx + s->tx_3xx + s->tx_4xx + s->tx_5xx +
	       s->tx_6xx + s->tx_requests + s->notify_sent + s->tx_failed +
	       s->parse_bad + s->drop_no_via + s->drop_stray +
	       s->rx_retransmissions + s->rx_responses + s->ack_2xx +
	       s->ack_final + s->ratelimit_drop + t->keepalives +
	       t->drop_too_big;
}

/* Datagrams the transport took: handed up, or dropped before. */
static uint64_t
taken_in(void)
{
	const struct cp_sip_transport_stats *t = cp_sip_transport_stats_of(sip);

	return t->rx_udp + t->keepalives + t->drop_too_big;
}

/*
 * A message the layer sent is well framed, for any peer, over UDP or a
 * stream: a status line (a code of 100..699) or a request line, header
 * lines ending in CRLF with no CR or LF alone in them (a request's bytes
 * copied into an answer cannot add a header), a Content-Length, and the
 * empty line and exactly that many bytes of body. Returns NULL, or what is
 * wrong.
 */
static const char *
frame_fault(const char *m, size_t n)
{
	const char *p = m, *end = m + n, *eol;
	long clen = -1;
	bool first = true;

	for (;; p = eol + 2, first = false) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			return "a line without CRLF";
		for (const char *q = p; q < eol; q++)
			if (*q == '\r' || *q == '\n')
				return "CR or LF alone in a line";
		if (eol == p)
			break;
		if (first) {
			if (strncmp(p, "SIP/2.0 ", 8) == 0) {
				if (eol - p < 12 || p[8] < '1' || p[8] > '6' ||
				    p[9] < '0' || p[9] > '9' || p[10] < '0' ||
				    p[10] > '9' || p[11] != ' ')
					return "a bad status line";
			} else if (eol - p < 12 ||
				   memcmp(eol - 8, " SIP/2.0", 8) != 0 ||
				   memchr(p, ' ', (size_t)(eol - p)) ==
					   eol - 8) {
				return "a bad request line";
			}
		} else if (*p == ' ' || *p == '\t') {
			continue; /* folded: the line above goes on */
		} else if (memchr(p, ':', (size_t)(eol - p)) == NULL) {
			return "a header line without a colon";
		} else if (strncasecmp(p, "Content-Length:", 15) == 0) {
			if (clen >= 0)
				return "two Content-Lengths";
			clen = strtol(p + 15, NULL, 10);
		}
	}
	if (clen < 0)
		return "no Content-Length";
	if ((size_t)(end - (eol + 2)) != (size_t)clen)
		return "a body not of its Content-Length";
	return NULL;
}

/* The header lines of the last request the layer sent here that a
 * response input answers: Via, From, Call-ID, CSeq. */
static const char *const keys[4] = { "Via:", "From:", "Call-ID:", "CSeq:" };
static char last_req[4][512];

/* The index in keys of the header line p (or its compact form), or -1. */
static int
key_of(const char *p, size_t n)
{
	static const char compact[4] = { 'v', 'f', 'i', '\0' };

	for (int k = 0; k < 4; k++)
		if ((n >= strlen(keys[k]) &&
		     strncasecmp(p, keys[k], strlen(keys[k])) == 0) ||
		    (compact[k] != '\0' && n >= 2 &&
		     (p[0] | 0x20) == compact[k] && p[1] == ':'))
			return k;
	return -1;
}

/* Keep a request's Via, From, Call-ID and CSeq lines (an ACK's not: it
 * gets no response). */
static void
keep_request(const char *m, size_t n)
{
	char got[4][512] = { "" };

	if (n < 4 || memcmp(m, "SIP/", 4) == 0 || memcmp(m, "ACK ", 4) == 0)
		return;
	for (const char *p = m, *eol;
	     (eol = memmem(p, (size_t)(m + n - p), "\r\n", 2)) != NULL &&
	     eol != p;
	     p = eol + 2) {
		int k = key_of(p, (size_t)(eol - p));

		if (k >= 0 && got[k][0] == '\0' &&
		    (size_t)(eol - p) < sizeof(got[k]))
			memcpy(got[k], p, (size_t)(eol - p));
	}
	for (int k = 0; k < 4; k++)
		if (got[k][0] == '\0')
			return;
	memcpy(last_req, got, sizeof(last_req));
}

/*
 * A response input answers the last request the layer sent here (a
 * dial-out's INVITE, a PRACK, a BYE, a NOTIFY): its Via (the others are
 * dropped), From, Call-ID and CSeq lines become that request's, so that
 * the layer's client side (provisionals, reliable ones, 2xx with their
 * dialogs, challenges, redirects, failures) is reached. Writes into out
 * (room for len + 4 * 512) and returns its length; 0 if there is nothing
 * to answer or data is no response.
 */
static size_t
as_answer(const uint8_t *data, size_t len, char *out)
{
	const char *m = (const char *)data, *end = m + len, *p, *eol;
	bool done[4] = { false };
	size_t n = 0;

	if (last_req[0][0] == '\0' || len < 8 || memcmp(m, "SIP/2.0 ", 8) != 0)
		return 0;
	for (p = m; (eol = memmem(p, (size_t)(end - p), "\r\n", 2)) != NULL &&
		    eol != p;
	     p = eol + 2) {
		int k = p == m ? -1 : key_of(p, (size_t)(eol - p));

		if (k < 0) {
			memcpy(out + n, p, (size_t)(eol + 2 - p));
			n += (size_t)(eol + 2 - p);
		} else if (!done[k]) {
			done[k] = true;
			n += (size_t)sprintf(out + n, "%s\r\n", last_req[k]);
		}
	}
	memcpy(out + n, p, (size_t)(end - p)); /* the empty line, the body */
	return n + (size_t)(end - p);
}

/* What came to 127.0.0.1:5060 is well framed; its requests are kept for
 * as_answer(). */
static void
check_heard(void)
{
	static char buf[65536];
	ssize_t n;

	while ((n = recv(peer, buf, sizeof(buf), 0)) > 0) {
		const char *why = frame_fault(buf, (size_t)n);

		if (why != NULL) {
			fprintf(stderr, "fuzz_sip: sent %s:\n", why);
			fwrite(buf, 1, (size_t)n, stderr);
			abort();
		}
		keep_request(buf, (size_t)n);
	}
}

static void
check_framer(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_dup(data, size);
	size_t skip = 0;
	long n = cp_sip_transport_frame((const char *)copy, size, MAX_MSG,
					&skip);

	FUZZ_CHECK(n == 0 || n == -EPROTO || n == -EMSGSIZE || n > 0);
	FUZZ_CHECK(skip <= size);
	FUZZ_CHECK(n <= 0 || skip + (size_t)n <= size);
	FUZZ_CHECK(n <= 0 || (size_t)n <= MAX_MSG);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char answer[MAX_MSG + 1 + 4 * 512];
	uint64_t before, taken;
	size_t n;

	check_framer(data, size);
	if (size == 0 || size > MAX_MSG + 1)
		return 0;
	if (++n_inputs % REOPEN_EVERY == 0) {
		cp_sip_close(sip);
		memset(last_req, 0, sizeof(last_req));
		open_sip();
	}
	before = accounted();
	taken = taken_in();
	if ((n = as_answer(data, size, answer)) == 0) {
		memcpy(answer, data, size);
		n = size;
	}
	FUZZ_CHECK(sendto(peer, answer, n, 0, (struct sockaddr *)&focus,
			  sizeof(focus)) == (ssize_t)n);
	/* loopback: the datagram is queued before sendto() returns */
	for (int i = 0; i < 100 && taken_in() == taken; i++)
		FUZZ_CHECK(cp_sip_poll(sip, 0) >= 0);
	FUZZ_CHECK(taken_in() == taken + 1);
	if (accounted() == before) {
		char json[8192];

		cp_sip_stats_json(sip, json, sizeof(json));
		fprintf(stderr, "fuzz_sip: neither answered nor counted: %s\n",
			json);
		abort();
	}
	check_heard();
	return 0;
}
