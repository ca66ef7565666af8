/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_focus.c: the focus (controlplane/conf.c) in this process over the
 * real SIP layer on 127.0.0.1 and a free port, with a stand-in tutti-dp:
 * the test creates the region, answers every command on the worker's ring
 * with status 0 and keeps the leg table as tutti-dp would; its phone is a
 * plain UDP socket on the loopback that writes its requests by hand. What
 * is checked: the (address, port) pairs legs get from several --media-ip
 * addresses, first address first, but the address on the link of a
 * phone's SDP address to that phone; the SDP (answers, and a dial-out's
 * offer) and the leg command that carry them; running out of pairs, and
 * one given back; a re-INVITE keeping its leg's pair; a restarted tutti-cp
 * reserving the pairs tutti-dp still runs; one address keeping the legs'
 * local_addr 0.0.0.0; the --media-ip list, parsed and refused; and
 * tuttictl provision: conferences and legs without SIP from a file, their
 * commands (sent as the ring has room), refusals with the file's line,
 * kick, end and unprovision, a leg or a conference tutti-dp refuses, a
 * restart of tutti-cp, a new tutti-dp.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "check_main.h"
#include "compiler.h"
#include "conf.h"
#include "dpctl.h"
#include "policy.h"
#include "proc.h"
#include "sdp.h"
#include "shm_msg.h"
#include "shm_region.h"
#include "shm_ring.h"
#include "sip.h"
#include "xsd_check.h"

#define WAIT_MS		5000	/* upper bound on waiting for an answer */
#define A_IP		"198.18.0.2"
#define B_IP		"198.18.0.3"
#define C_IP		"198.18.0.9"	/* in no --media-ip of these tests */

static char region_name[SHM_NAME_MAX];
/* the phones' address in their SDP offers (127.0.0.1 unless a case says
 * otherwise) */
static const char *offer_ip;
static const char *req_extra = "";	/* more headers of request()'s */
/* the trust domain (--trust) and policy (--policy) of focus_start(): none
 * unless a test sets them */
static struct cp_trust_net trust_nets[1];
static size_t n_trust_nets;
static struct cp_policy *policy;
static const char *phone_fmts = "0";	/* its m= line's formats, and on */
static const char *phone_proto = "RTP/AVP";	/* its m= line's proto */
static uint32_t sip_min_se;		/* focus_start()'s; 0: 90 s */
static char state_path[96];
static struct shm_region dp;	/* the stand-in tutti-dp's mapping */
static struct cp_focus_cfg cfg;
static struct cp_dpctl d;
static struct cp_focus *focus;
static struct cp_sip *sip;
static int phone = -1;		/* the phone's UDP socket */
static uint16_t phone_port, sip_port;

/* Every command the focus sent, in order. */
static struct shm_msg cmds[2048];
static unsigned int n_cmds;
/* the stand-in region's ring slots and leg table (setup_with()) */
static uint32_t region_slots = 1024, region_legs = 64;
static uint16_t region_workers = 1;	/* only worker 0's ring is served */
/* a LEG_ADD of this local port is refused (-EADDRINUSE); 0 = none */
static uint16_t refuse_port;
/* a CONF_CREATE of this ptime is refused (-ENOSPC), and so are its legs
 * (-ENOENT); 0 = none */
static uint8_t refuse_ptime;
static uint32_t refused_conf_id;
static bool dp_serve_off;	/* the stand-in takes no command */

/* ---- the stand-in tutti-dp ---- */

static void
table_put(struct shm_leg_entry *e, uint32_t state, uint32_t conf_id,
	  const struct shm_msg_leg *leg)
{
	shm_pub_begin(&e->pub_seq);
	e->state = state;
	e->conf_id = conf_id;
	e->worker = 0;
	e->leg = *leg;
	shm_pub_end(&e->pub_seq);
}

/* The leg table after command m, as tutti-dp keeps it. */
static void
table_apply(const struct shm_msg *m)
{
	uint32_t n;
	struct shm_leg_entry *e = shm_region_legs(&dp, 0, &n);
	struct shm_leg_entry *hit = NULL, *free_e = NULL;

	for (uint32_t i = 0; i < n; i++) {
		if (e[i].state == SHM_LEG_ACTIVE &&
		    e[i].leg.leg_id == m->body.leg.leg_id)
			hit = &e[i];
		else if (e[i].state == SHM_LEG_FREE && free_e == NULL)
			free_e = &e[i];
	}
	switch (m->hdr.type) {
	case SHM_CMD_LEG_ADD:
	case SHM_CMD_LEG_UPDATE:
		ck_assert_ptr_nonnull(hit != NULL ? hit : free_e);
		table_put(hit != NULL ? hit : free_e, SHM_LEG_ACTIVE,
			  m->hdr.conf_id, &m->body.leg);
		break;
	case SHM_CMD_LEG_REMOVE:
		if (hit != NULL)
			table_put(hit, SHM_LEG_FREE, 0, &hit->leg);
		break;
	default:
		break;
	}
}

/* A leg tutti-dp runs from before this tutti-cp (a restart). */
static void
table_add(uint32_t leg_id, const char *local_ip, uint16_t local_port)
{
	struct shm_msg m;

	shm_msg_init(&m, SHM_CMD_LEG_ADD, 0, 99);
	m.body.leg.leg_id = leg_id;
	m.body.leg.local_port = htons(local_port);
	if (local_ip != NULL)
		ck_assert_int_eq(inet_pton(AF_INET, local_ip,
					   m.body.leg.local_addr), 1);
	table_apply(&m);
}

/* The stand-in tutti-dp says leg_id had no media for idle_ms. */
static void
dp_media_timeout(uint32_t conf_id, uint32_t leg_id, uint32_t idle_ms)
{
	struct shm_msg m;

	shm_msg_init(&m, SHM_EVT_MEDIA_TIMEOUT, 0, conf_id);
	m.body.timeout.leg_id = leg_id;
	m.body.timeout.idle_ms = idle_ms;
	ck_assert_uint_eq(shm_ring_send(shm_region_evt_ring(&dp, 0), &m, 1),
			  1);
}

/* The stand-in's leg leg_id received n packets. */
static void
dp_rx(uint32_t leg_id, uint64_t n_pkts)
{
	uint32_t n;
	struct shm_leg_entry *e = shm_region_legs(&dp, 0, &n);

	for (uint32_t i = 0; i < n; i++)
		if (e[i].state == SHM_LEG_ACTIVE && e[i].leg.leg_id == leg_id) {
			shm_pub_begin(&e[i].pub_seq);
			e[i].rx_pkts += n_pkts;
			shm_pub_end(&e[i].pub_seq);
			return;
		}
	ck_abort_msg("no leg %u in the stand-in's table", leg_id);
}

/* The stand-in's SRTP leg leg_id publishes where its peer's stream is. */
static void
dp_srtp_index(uint32_t leg_id, uint32_t ssrc, uint32_t roc, uint16_t seq)
{
	uint32_t n;
	struct shm_leg_entry *e = shm_region_legs(&dp, 0, &n);

	for (uint32_t i = 0; i < n; i++)
		if (e[i].state == SHM_LEG_ACTIVE && e[i].leg.leg_id == leg_id) {
			shm_pub_begin(&e[i].pub_seq);
			e[i].srtp_rx_known = 1;
			e[i].srtp_rx_ssrc = ssrc;
			e[i].srtp_rx_roc = roc;
			e[i].srtp_rx_seq = seq;
			shm_pub_end(&e[i].pub_seq);
			return;
		}
	ck_abort_msg("no leg %u in the stand-in's table", leg_id);
}

/* Take the focus's commands, keep them, apply them, answer them. */
static void
dp_serve(void)
{
	struct shm_msg m, st;

	__atomic_store_n(&dp.hdr->dp_heartbeat_ns, shm_now_ns(),
			 __ATOMIC_RELEASE);
	while (!dp_serve_off && shm_ring_recv(shm_region_cmd_ring(&dp, 0), &m, 1) == 1) {
		bool refuse = m.hdr.type == SHM_CMD_LEG_ADD && refuse_port != 0 &&
			      ntohs(m.body.leg.local_port) == refuse_port;
		bool no_conf = m.hdr.type == SHM_CMD_CONF_CREATE &&
			       refuse_ptime != 0 &&
			       m.body.conf.ptime_ms == refuse_ptime;
		bool no_leg = m.hdr.type == SHM_CMD_LEG_ADD &&
			      refused_conf_id != 0 &&
			      m.hdr.conf_id == refused_conf_id;

		ck_assert_uint_lt(n_cmds, TUTTI_ARRAY_SIZE(cmds));
		cmds[n_cmds++] = m;
		if (no_conf)
			refused_conf_id = m.hdr.conf_id;
		if (!refuse && !no_conf && !no_leg)
			table_apply(&m);
		shm_msg_init(&st, SHM_EVT_STATUS, m.hdr.seq, m.hdr.conf_id);
		st.body.status.status = refuse ? -EADDRINUSE : no_conf ?
					-ENOSPC : no_leg ? -ENOENT : 0;
		ck_assert_uint_eq(shm_ring_send(shm_region_evt_ring(&dp, 0),
						&st, 1), 1);
	}
}

/* The k-th (from 0) command of type the focus sent, or NULL. */
static const struct shm_msg_leg *
leg_cmd(uint16_t type, unsigned int k)
{
	for (unsigned int i = 0; i < n_cmds; i++)
		if (cmds[i].hdr.type == type && k-- == 0)
			return &cmds[i].body.leg;
	return NULL;
}

static unsigned int
n_leg_cmds(uint16_t type)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_cmds; i++)
		n += cmds[i].hdr.type == type;
	return n;
}

/* A leg command's local address as text. */
static const char *
local_ip(const struct shm_msg_leg *l)
{
	static char ip[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, l->local_addr, ip, sizeof(ip));
}

/* One turn of tutti-cp's loop, and of the stand-in's. */
static void
step(void)
{
	char err[256];

	dp_serve();
	ck_assert_int_ge(cp_dpctl_poll(&d, shm_now_ns(), err, sizeof(err)),
			 0);
	cp_focus_poll(focus);
	cp_sip_poll(sip, 1);
	dp_serve();
	ck_assert_int_ge(cp_dpctl_poll(&d, shm_now_ns(), err, sizeof(err)),
			 0);
}

static void
run_ms(unsigned int ms)
{
	uint64_t end = proc_now_ms() + ms;

	do
		step();
	while (proc_now_ms() < end);
}

/* ---- tutti-cp: the focus, its SIP layer, its data-plane control ---- */

static void
focus_start(void)
{
	struct cp_sip_conf sc = { .addr = "127.0.0.1",
				  .contact_params = ";isfocus",
				  .session_expires_s = 1800,
				  .min_se_s = sip_min_se,
				  .trust = trust_nets,
				  .n_trust = n_trust_nets };
	struct cp_sip_app app;
	char err[256];

	cp_dpctl_init(&d, cp_focus_on_event, NULL);
	ck_assert_msg(cp_dpctl_attach(&d, region_name, shm_now_ns(), err,
				      sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(cp_focus_new(&focus, &cfg, &d), 0);
	cp_focus_set_policy(focus, policy);
	d.event_ctx = focus;
	cp_focus_sip_app(focus, &app);
	ck_assert_int_eq(cp_sip_open(&sip, &sc, &app), 0);
	cp_focus_set_sip(focus, sip);
	sip_port = cp_sip_port(sip);
	cp_focus_takeover(focus);
}

/* As tutti-cp stops: the state file written, the calls left running. */
static void
focus_stop(void)
{
	dp_serve();
	cp_focus_flush(focus);
	cp_dpctl_detach(&d);
	cp_sip_close(sip);
	cp_focus_free(focus);
	sip = NULL;
	focus = NULL;
}

/* The stand-in tutti-dp's region region_name, ready: at setup, and again
 * as a new tutti-dp (a new generation). */
static void
dp_create(void)
{
	struct shm_region_cfg rc = { .name = region_name,
				     .n_workers = region_workers,
				     .ring_slots = region_slots,
				     .n_legs = region_legs };
	char err[256];

	ck_assert_msg(shm_region_create(&dp, &rc, err, sizeof(err)) == 0,
		      "%s", err);
	shm_region_set_state(&dp, SHM_STATE_READY);
}

/* tutti-cp starts again (after focus_stop()): what it sends from then on
 * is counted afresh, and it has had its first turns. */
static void
focus_restart(void)
{
	n_cmds = 0;
	focus_start();
	run_ms(20);
}

static void
setup_with(const char *media, bool start)
{
	static int n;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char err[256];

	snprintf(region_name, sizeof(region_name), "/tutti-ut-focus-%d-%d",
		 (int)getpid(), n);
	snprintf(state_path, sizeof(state_path), "/tmp/test_focus-%d-%d.state",
		 (int)getpid(), n++);
	proc_shm_unlink_at_exit(region_name);
	proc_unlink_at_exit(state_path);
	unlink(state_path);
	dp_create();
	n_cmds = 0;
	refuse_port = 0;
	refuse_ptime = 0;
	region_workers = 1;
	dp_serve_off = false;
	refused_conf_id = 0;
	offer_ip = "127.0.0.1";
	phone_proto = "RTP/AVP";
	phone_fmts = "0";

	cp_focus_cfg_init(&cfg);
	ck_assert_int_eq(cp_focus_cfg_set_media_addrs(&cfg, media, err,
						      sizeof(err)), 0);
	cfg.rtp_port_min = 30000;	/* two ports an address */
	cfg.rtp_port_max = 30002;
	cfg.state_path = state_path;

	phone = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(phone, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(phone, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(phone, (struct sockaddr *)&sa, &sl), 0);
	phone_port = ntohs(sa.sin_port);
	if (start)
		focus_start();
}

static void
setup_two(void)
{
	setup_with(A_IP "," B_IP, true);
}

static void
setup_one(void)
{
	setup_with(A_IP, true);
}

/* The restart case starts the focus itself, after the table is filled. */
static void
setup_two_stopped(void)
{
	setup_with(A_IP "," B_IP, false);
}

static void
teardown(void)
{
	if (focus != NULL) {
		cp_dpctl_detach(&d);
		cp_sip_close(sip);
		cp_focus_free(focus);
		focus = NULL;
	}
	if (phone >= 0)
		close(phone);
	phone = -1;
	cp_policy_destroy(policy);
	policy = NULL;
	n_trust_nets = 0;
	shm_region_detach(&dp);
	unlink(state_path);
}

/* The focus's answer to an operator request (the next call overwrites
 * it), into a buffer that starts at 64 bytes: every answer longer than
 * that makes cp_focus_ctl() grow it, as tutti-cp's operator socket lets
 * it. */
static const char *TUTTI_PRINTF(1, 2)
ctl(const char *fmt, ...)
{
	static char *out;
	static size_t cap;
	char req[512];
	va_list ap;

	if (out == NULL) {
		cap = 64;
		out = malloc(cap);
		ck_assert_ptr_nonnull(out);
	}
	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	cp_focus_ctl(focus, req, &out, &cap);
	ck_assert_uint_lt(strlen(out), cap);
	return out;
}

/* ---- the phone: SIP written by hand ---- */

struct call {
	unsigned int n;		/* phone number: From user, tag, RTP port */
	char call_id[64];
	uint32_t cseq;
	char to_tag[64];	/* the focus's, from its 2xx */
	/* the focus's end, from its last SDP */
	char c_ip[INET_ADDRSTRLEN];
	char o_ip[INET_ADDRSTRLEN];
	unsigned long long o_ver;	/* its o= session version */
	unsigned int m_port;
};

static void phone_send(const char *fmt, ...) TUTTI_PRINTF(1, 2);

static void
phone_send(const char *fmt, ...)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(sip_port) };
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && (size_t)n < sizeof(buf));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(sendto(phone, buf, (size_t)n, 0,
				(struct sockaddr *)&to, sizeof(to)), n);
}

/* The value of header name ("Call-ID") in msg, "" if none. */
static void
header(const char *msg, const char *name, char *out, size_t len)
{
	char key[64];
	const char *v;
	size_t n;

	snprintf(key, sizeof(key), "\r\n%s:", name);
	out[0] = '\0';
	if ((v = strstr(msg, key)) == NULL)
		return;
	v += strlen(key);
	v += strspn(v, " ");
	n = strcspn(v, "\r");
	if (n >= len)
		n = len - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

/* A request of c, method and CSeq number, with an SDP offer sending to
 * RTP port rtp (0: no body) and the focus's tag once there is one. */
static void
request(struct call *c, const char *method, uint32_t cseq, unsigned int rtp)
{
	char sdp[512] = "", to_tag[80] = "";
	static unsigned int branch;

	if (rtp != 0)
		snprintf(sdp, sizeof(sdp),
			 "v=0\r\no=p%u 1 %u IN IP4 %s\r\ns=-\r\n"
			 "c=IN IP4 %s\r\nt=0 0\r\n"
			 "m=audio %u %s %s\r\n", c->n, cseq, offer_ip,
			 offer_ip, rtp, phone_proto, phone_fmts);
	if (c->to_tag[0] != '\0')
		snprintf(to_tag, sizeof(to_tag), ";tag=%s", c->to_tag);
	phone_send("%s sip:demo@127.0.0.1:%u SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-%d-%u\r\n"
		   "Max-Forwards: 70\r\n"
		   "From: <sip:p%u@127.0.0.1:%u>;tag=p%u\r\n"
		   "To: <sip:demo@127.0.0.1:%u>%s\r\n"
		   "Call-ID: %s\r\n"
		   "CSeq: %u %s\r\n"
		   "Contact: <sip:p%u@127.0.0.1:%u>\r\n"
		   "%s%s"
		   "Content-Length: %zu\r\n\r\n%s",
		   method, sip_port, phone_port, (int)getpid(), branch++, c->n,
		   phone_port, c->n, sip_port, to_tag, c->call_id, cseq, method,
		   c->n, phone_port, req_extra,
		   rtp != 0 ? "Content-Type: application/sdp\r\n" : "",
		   strlen(sdp), sdp);
}

/*
 * Run the focus until c's final answer to its request (CSeq cseq, method)
 * arrives; returns its status code and leaves the message in msg. Other
 * messages (100 Trying, retransmitted 2xx of earlier requests, requests
 * of the focus) are passed over.
 */
static int
final_answer(const struct call *c, uint32_t cseq, const char *method,
	     char *msg, size_t len)
{
	uint64_t end = proc_now_ms() + WAIT_MS;
	char want[80], v[128];

	snprintf(want, sizeof(want), "%u %s", cseq, method);
	while (proc_now_ms() < end) {
		ssize_t n;
		int code;

		step();
		n = recv(phone, msg, len - 1, MSG_DONTWAIT);
		if (n <= 0)
			continue;
		msg[n] = '\0';
		if (sscanf(msg, "SIP/2.0 %d", &code) != 1 || code < 200)
			continue;
		header(msg, "Call-ID", v, sizeof(v));
		if (strcmp(v, c->call_id) != 0)
			continue;
		header(msg, "CSeq", v, sizeof(v));
		if (strcmp(v, want) == 0)
			return code;
	}
	ck_abort_msg("no answer to %s %s", c->call_id, want);
	return 0;
}

/* What the focus's SDP in msg says of its end. */
static void
read_sdp(struct call *c, const char *msg)
{
	const char *at;

	at = strstr(msg, "\r\nc=IN IP4 ");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "\r\nc=IN IP4 %15[0-9.]", c->c_ip), 1);
	at = strstr(msg, "\r\no=");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "\r\no=%*s %*s %llu IN IP4 %15[0-9.]",
				&c->o_ver, c->o_ip), 2);
	at = strstr(msg, "\r\nm=audio ");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "\r\nm=audio %u", &c->m_port), 1);
}

/* Phone n calls sip:demo: the final answer's code, the answer in msg; on
 * 200 the call is ACKed and c holds what the focus's SDP says. */
static int
join_into(struct call *c, unsigned int n, char *msg, size_t len)
{
	char to[256];
	const char *tag;
	int code;

	memset(c, 0, sizeof(*c));
	c->n = n;
	c->cseq = 1;
	snprintf(c->call_id, sizeof(c->call_id), "focus-%d-%u@127.0.0.1",
		 (int)getpid(), n);
	request(c, "INVITE", c->cseq, 40000 + 2 * n);
	code = final_answer(c, c->cseq, "INVITE", msg, len);
	if (code != 200)
		return code;
	header(msg, "To", to, sizeof(to));
	tag = strstr(to, ";tag=");
	ck_assert_ptr_nonnull(tag);
	snprintf(c->to_tag, sizeof(c->to_tag), "%s", tag + 5);
	read_sdp(c, msg);
	request(c, "ACK", c->cseq, 0);
	run_ms(20);	/* the ACK in: the dialog is confirmed */
	return code;
}

static int
join(struct call *c, unsigned int n)
{
	char msg[4096];

	return join_into(c, n, msg, sizeof(msg));
}

/* Phone n calls sip:demo with no SDP (a delayed offer): 200, whose SDP
 * (the focus's offer) msg holds and c's fields tell; not ACKed yet. */
static void
call_without_offer(struct call *c, unsigned int n, char *msg, size_t len)
{
	char to[256];
	const char *tag;

	memset(c, 0, sizeof(*c));
	c->n = n;
	c->cseq = 1;
	snprintf(c->call_id, sizeof(c->call_id), "focus-%d-%u@127.0.0.1",
		 (int)getpid(), n);
	request(c, "INVITE", c->cseq, 0);
	ck_assert_int_eq(final_answer(c, c->cseq, "INVITE", msg, len), 200);
	header(msg, "To", to, sizeof(to));
	tag = strstr(to, ";tag=");
	ck_assert_ptr_nonnull(tag);
	snprintf(c->to_tag, sizeof(c->to_tag), "%s", tag + 5);
	read_sdp(c, msg);
}

/* c offers another RTP port in a re-INVITE: the final answer's code, the
 * answer in msg. */
static int
reinvite_into(struct call *c, unsigned int rtp, char *msg, size_t len)
{
	int code;

	request(c, "INVITE", ++c->cseq, rtp);
	code = final_answer(c, c->cseq, "INVITE", msg, len);
	if (code == 200) {
		read_sdp(c, msg);
		request(c, "ACK", c->cseq, 0);
		run_ms(20);
	}
	return code;
}

static int
reinvite(struct call *c, unsigned int rtp)
{
	char msg[4096];

	return reinvite_into(c, rtp, msg, sizeof(msg));
}

static void
hang_up(struct call *c)
{
	char msg[4096];

	request(c, "BYE", ++c->cseq, 0);
	ck_assert_int_eq(final_answer(c, c->cseq, "BYE", msg, sizeof(msg)),
			 200);
	run_ms(20);
}

/* Leg command k of type is at ip:port, and call c's SDP says so too. */
static void
assert_at(uint16_t type, unsigned int k, const struct call *c,
	  const char *ip, unsigned int port)
{
	const struct shm_msg_leg *l = leg_cmd(type, k);

	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(local_ip(l), ip);
	ck_assert_uint_eq(ntohs(l->local_port), port);
	ck_assert_str_eq(c->c_ip, ip);
	ck_assert_str_eq(c->o_ip, ip);
	ck_assert_uint_eq(c->m_port, port);
}

/* ---- two media addresses, two ports each: four legs ---- */

/* A's ports first, then B's; each leg's SDP (c= and o=) and its
 * LEG_ADD's local_addr say its own address; tuttictl's show too. */
START_TEST(test_focus_fills_first_address_then_next)
{
	struct call c[4];
	const char *out;

	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(join(&c[i], i), 200);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 4);
	assert_at(SHM_CMD_LEG_ADD, 0, &c[0], A_IP, 30000);
	assert_at(SHM_CMD_LEG_ADD, 1, &c[1], A_IP, 30002);
	assert_at(SHM_CMD_LEG_ADD, 2, &c[2], B_IP, 30000);
	assert_at(SHM_CMD_LEG_ADD, 3, &c[3], B_IP, 30002);
	out = ctl("show demo");
	ck_assert_msg(strstr(out, "\"rtp_addr\":\"" B_IP "\",\"rtp_port\":"
				  "30002") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"rtp_addr\":\"" A_IP "\",\"rtp_port\":"
				  "30000") != NULL, "%s", out);
}
END_TEST

/* The stand-in tutti-dp's address i is ip, on a prefix of plen, and it
 * owns i + 1 addresses. */
static void
dp_owns(unsigned int i, const char *ip, unsigned int plen)
{
	ck_assert_int_eq(inet_pton(AF_INET, ip, &dp.hdr->addrs[i]), 1);
	dp.hdr->addr_plen[i] = (uint8_t)plen;
	dp.hdr->n_addrs = i + 1;
}

/* tutti-dp owns A only: B's pairs are not given (it would refuse those
 * legs); A's two taken, a join gets 503. Once it owns B too, B's are. */
START_TEST(test_focus_skips_an_address_tutti_dp_does_not_own)
{
	struct call c[4];

	dp_owns(0, A_IP, 32);
	ck_assert_uint_eq(cp_focus_check_media(focus), 1);
	ck_assert_int_eq(join(&c[0], 0), 200);
	ck_assert_int_eq(join(&c[1], 1), 200);
	ck_assert_int_eq(join(&c[2], 2), 503);
	assert_at(SHM_CMD_LEG_ADD, 0, &c[0], A_IP, 30000);
	assert_at(SHM_CMD_LEG_ADD, 1, &c[1], A_IP, 30002);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 2);
	dp_owns(1, B_IP, 32);
	ck_assert_uint_eq(cp_focus_check_media(focus), 0);
	ck_assert_int_eq(join(&c[3], 3), 200);
	assert_at(SHM_CMD_LEG_ADD, 2, &c[3], B_IP, 30000);
}
END_TEST

/* With every pair taken, an INVITE gets 503 and a dial-out -ENOSPC, as
 * when the one address's ports ran out; no leg is sent. */
START_TEST(test_focus_refuses_when_every_pair_is_taken)
{
	struct call c[5];

	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(join(&c[i], i), 200);
	ck_assert_int_eq(join(&c[4], 4), 503);
	ck_assert_int_eq(cp_focus_dial(focus, "demo", "sip:x@127.0.0.1:9",
				       CP_FOCUS_RING_DEFAULT), -ENOSPC);
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 4);
}
END_TEST

/* The leg on B:30000 hangs up: its pair is the next one taken, with B in
 * the new leg's SDP and LEG_ADD. */
START_TEST(test_focus_reuses_a_pair_given_back_on_b)
{
	struct call c[5];

	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(join(&c[i], i), 200);
	ck_assert_int_eq(join(&c[4], 4), 503);
	hang_up(&c[2]);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 1);
	ck_assert_int_eq(join(&c[4], 5), 200);
	assert_at(SHM_CMD_LEG_ADD, 4, &c[4], B_IP, 30000);
	ck_assert_int_eq(join(&c[2], 6), 503);
}
END_TEST

/* Run the focus until the phone gets a request of method (its text in
 * msg); other messages are passed over. */
static void
phone_await(const char *method, char *msg, size_t len)
{
	uint64_t end = proc_now_ms() + WAIT_MS;
	size_t k = strlen(method);

	msg[0] = '\0';
	while (!(strncmp(msg, method, k) == 0 && msg[k] == ' ') &&
	       proc_now_ms() < end) {
		ssize_t n;

		step();
		n = recv(phone, msg, len - 1, MSG_DONTWAIT);
		msg[n > 0 ? n : 0] = '\0';
	}
	ck_assert_msg(strncmp(msg, method, k) == 0 && msg[k] == ' ',
		      "no %s: %s", method, msg);
}

/*
 * The phone answers request req with status ("200 OK"): extra headers
 * (each ending in CRLF) and, if media is not NULL, SDP with media
 * ("m=audio ..." and on) at 127.0.0.1, o= version ver. Its To-tag is
 * "ph" where the request's To has none.
 */
static void
phone_answer(const char *req, const char *status, const char *extra,
	     unsigned int ver, const char *media)
{
	char via[256], from[256], to[256], id[128], cseq[64], body[512] = "";

	header(req, "Via", via, sizeof(via));
	header(req, "From", from, sizeof(from));
	header(req, "To", to, sizeof(to));
	header(req, "Call-ID", id, sizeof(id));
	header(req, "CSeq", cseq, sizeof(cseq));
	if (media != NULL)
		snprintf(body, sizeof(body),
			 "v=0\r\no=p0 1 %u IN IP4 127.0.0.1\r\ns=-\r\n"
			 "c=IN IP4 127.0.0.1\r\nt=0 0\r\n%s",
			 ver, media);
	phone_send("SIP/2.0 %s\r\nVia: %s\r\nFrom: %s\r\nTo: %s%s\r\n"
		   "Call-ID: %s\r\nCSeq: %s\r\n"
		   "Contact: <sip:p0@127.0.0.1:%u>\r\n%s%s"
		   "Content-Length: %zu\r\n\r\n%s",
		   status, via, from, to,
		   strstr(to, ";tag=") != NULL ? "" : ";tag=ph", id, cseq,
		   phone_port, extra,
		   media != NULL ? "Content-Type: application/sdp\r\n" : "",
		   strlen(body), body);
}

/*
 * The focus's next session refresh of the phone's call, a re-INVITE that
 * offers its SDP again, answered with 200 and media sdp ("m=audio ..."
 * and on) at 127.0.0.1, o= version ver; then its ACK.
 */
static void
answer_refresh(unsigned int ver, const char *media)
{
	char inv[4096], ack[4096];

	phone_await("INVITE", inv, sizeof(inv));
	ck_assert_msg(strstr(inv, "Session-Expires: 2;refresher=uac\r\n") !=
			      NULL && strstr(inv, "\r\nm=audio ") != NULL,
		      "%s", inv);
	phone_answer(inv, "200 OK", "Session-Expires: 2;refresher=uac\r\n",
		     ver, media);
	phone_await("ACK", ack, sizeof(ack));
	run_ms(20);
}

#define TEL_EVENT_100 "0 100\r\na=rtpmap:100 telephone-event/8000"

/*
 * The focus refreshes a caller's session by re-INVITE (no UPDATE in the
 * caller's Allow), offering its SDP again, and follows the answer (RFC
 * 3264 8): the same media change nothing, telephone-event at the caller's
 * 100 (not the 101 the focus offers itself) included; media it cannot use
 * (G.729, not offered) leave the leg as it was and the call up (the next
 * refresh comes, not a BYE); media at a new port send tutti-dp a
 * LEG_UPDATE there, DTMF kept.
 */
START_TEST(test_focus_follows_the_answer_to_its_refresh)
{
	struct call c;
	const struct shm_msg_leg *l;

	req_extra = "Supported: timer\r\n"
		    "Session-Expires: 2;refresher=uas\r\n"
		    "Allow: INVITE, ACK, BYE, CANCEL\r\n";
	phone_fmts = TEL_EVENT_100;
	ck_assert_int_eq(join(&c, 0), 200);
	req_extra = "";
	phone_fmts = "0";
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 1);
	ck_assert_uint_eq(leg_cmd(SHM_CMD_LEG_ADD, 0)->dtmf_pt, 100);
	answer_refresh(1, "m=audio 40000 RTP/AVP " TEL_EVENT_100 "\r\n");
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_UPDATE), 0);
	answer_refresh(2, "m=audio 40000 RTP/AVP 18\r\n");
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_UPDATE), 0);
	answer_refresh(3, "m=audio 41000 RTP/AVP " TEL_EVENT_100 "\r\n");
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_UPDATE), 1);
	l = leg_cmd(SHM_CMD_LEG_UPDATE, 0);
	ck_assert_uint_eq(ntohs(l->remote_port), 41000);
	ck_assert_uint_eq(l->dtmf_pt, 100);
	ck_assert_uint_eq(l->pt, 0);
	ck_assert_uint_eq(l->leg_id, leg_cmd(SHM_CMD_LEG_ADD, 0)->leg_id);
	ck_assert_uint_eq(ntohs(l->local_port),
			  ntohs(leg_cmd(SHM_CMD_LEG_ADD, 0)->local_port));
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 0);
	hang_up(&c);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 1);
}
END_TEST

/*
 * A restarted tutti-cp refreshes a caller's session by re-INVITE too (no
 * UPDATE in the caller's Allow): the state file keeps the focus's SDP of
 * each dialog whose session it refreshes, and the re-INVITE offers it
 * again unchanged, the same o= version. Before, the restarted tutti-cp
 * knew no SDP and refreshed by UPDATE, which such a caller refuses (405):
 * the call went on without a session timer.
 */
START_TEST(test_focus_restart_refreshes_by_reinvite)
{
	struct call c, again = { 0 };
	char inv[4096], ack[4096], text[8192];

	req_extra = "Supported: timer\r\n"
		    "Session-Expires: 2;refresher=uas\r\n"
		    "Allow: INVITE, ACK, BYE, CANCEL\r\n";
	ck_assert_int_eq(join(&c, 0), 200);
	req_extra = "";
	focus_stop();
	test_read_file(state_path, text, sizeof(text));
	ck_assert_msg(strstr(text, " local_sdp=v=0%0D%0Ao=") != NULL, "%s",
		      text);
	sip_min_se = 2;
	focus_restart();
	sip_min_se = 0;
	phone_await("INVITE", inv, sizeof(inv));
	ck_assert_msg(strstr(inv, "Session-Expires: 2;refresher=uac\r\n") !=
			      NULL, "%s", inv);
	read_sdp(&again, inv);
	ck_assert_uint_eq(again.o_ver, c.o_ver);
	ck_assert_uint_eq(again.m_port, c.m_port);
	ck_assert_str_eq(again.c_ip, c.c_ip);
	phone_answer(inv, "200 OK", "Session-Expires: 2;refresher=uac\r\n",
		     1, "m=audio 40000 RTP/AVP 0\r\n");
	phone_await("ACK", ack, sizeof(ack));
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_UPDATE), 0);
	hang_up(&c);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 1);
}
END_TEST

static void
setup_short_timers(void)
{
	sip_min_se = 2;
	setup_with(A_IP, true);
	sip_min_se = 0;
}

/* The string of key in JSON object json, unescaped (ASCII \\u only),
 * into out. */
static void
json_str(const char *json, const char *key, char *out, size_t len)
{
	char k[64];
	const char *p;
	size_t n = 0;

	snprintf(k, sizeof(k), "\"%s\":\"", key);
	p = strstr(json, k);
	ck_assert_msg(p != NULL, "no %s in %s", key, json);
	for (p += strlen(k); *p != '\0' && *p != '"' && n + 1 < len; p++) {
		unsigned int u;

		if (*p != '\\') {
			out[n++] = *p;
		} else if (p[1] == 'u' && sscanf(p + 2, "%4x", &u) == 1) {
			out[n++] = (char)u;
			p += 5;
		} else {
			p++;
			out[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		}
	}
	out[n] = '\0';
}

/* The conference's RFC 4575 document (tuttictl roster), valid against
 * the schema, in out. */
static void
roster_doc(const char *conf, char *out, size_t len)
{
	static xmlSchemaPtr schema;
	char err[512];
	xmlDocPtr doc;

	if (schema == NULL) {
		schema = xsd_load(getenv("CONFERENCE_INFO_XSD"), err,
				  sizeof(err));
		ck_assert_msg(schema != NULL, "%s", err);
	}
	json_str(ctl("roster %s", conf), "conference_info", out, len);
	doc = xmlReadMemory(out, (int)strlen(out), "roster.xml", NULL,
			    XML_PARSE_NONET);
	ck_assert_msg(doc != NULL, "not XML: %s", out);
	ck_assert_msg(xsd_validate(schema, doc, err, sizeof(err)) == 0,
		      "not valid RFC 4575: %s\n%s", err, out);
	xmlFreeDoc(doc);
}

/* The roster of demo has each of the NULL-ended strings. */
static void
roster_has(const char *first, ...)
{
	static char doc[1 << 16];
	va_list ap;

	roster_doc("demo", doc, sizeof(doc));
	va_start(ap, first);
	for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
		ck_assert_msg(strstr(doc, s) != NULL, "no %s in\n%s", s, doc);
	va_end(ap);
}

/* tuttictl dial demo sip:out@ the phone: the focus's INVITE, in inv. */
static void
dial_phone(char *inv, size_t len)
{
	char uri[64];

	snprintf(uri, sizeof(uri), "sip:out@127.0.0.1:%u", phone_port);
	ck_assert_int_eq(cp_focus_dial(focus, "demo", uri,
				       CP_FOCUS_RING_DEFAULT), 0);
	phone_await("INVITE", inv, len);
}

/*
 * A dial-out in the roster from its INVITE on (RFC 4575 5.7.3, F-26):
 * dialing-out, alerting on 180, and on 486 disconnected, busy, the
 * reason SIP;cause=486; joined by dialed-out. Every document valid.
 */
START_TEST(test_focus_dial_out_in_the_roster)
{
	char inv[4096], ack[4096];

	dial_phone(inv, sizeof(inv));
	roster_has("<status>dialing-out</status>",
		   "<joining-method>dialed-out</joining-method>", NULL);
	phone_answer(inv, "180 Ringing", "", 0, NULL);
	run_ms(50);
	roster_has("<status>alerting</status>", NULL);
	phone_answer(inv, "486 Busy Here", "", 0, NULL);
	phone_await("ACK", ack, sizeof(ack));
	roster_has("<status>disconnected</status>",
		   "<disconnection-method>busy</disconnection-method>",
		   "<reason>SIP;cause=486</reason>", NULL);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 0);
}
END_TEST

/* dial_phone(), and the phone rings (180). */
static void
dial_phone_ringing(char *inv, size_t len)
{
	dial_phone(inv, len);
	phone_answer(inv, "180 Ringing", "", 0, NULL);
	run_ms(50);
}

/* The focus CANCELs the dial-out whose INVITE is inv, with Reason
 * reason; the phone answers 200 and 487, and the focus ACKs. */
static void
cancelled_with(const char *inv, const char *reason)
{
	char cancel[4096], ack[4096], want[256];

	phone_await("CANCEL", cancel, sizeof(cancel));
	snprintf(want, sizeof(want), "\r\nReason: %s\r\n", reason);
	ck_assert_msg(strstr(cancel, want) != NULL, "%s", cancel);
	phone_answer(cancel, "200 OK", "", 0, NULL);
	phone_answer(inv, "487 Request Terminated", "", 0, NULL);
	phone_await("ACK", ack, sizeof(ack));
}

/*
 * Sent away while it rings (tuttictl kick; end, REFER with method=BYE
 * and a creator leaving go the same way): the focus CANCELs (F-27), the
 * 487 ends it, the roster says booted, and it is no participant any more.
 */
START_TEST(test_focus_kick_cancels_a_ringing_dial_out)
{
	char inv[4096];
	const char *r;

	dial_phone_ringing(inv, sizeof(inv));
	r = ctl("kick demo sip:out@127.0.0.1:%u", phone_port);
	ck_assert_msg(strstr(r, "\"ok\":true") != NULL, "%s", r);
	/* RFC 3326: why, as the BYE would say */
	cancelled_with(inv, "Q.850;cause=16;text=\"sent away by the "
			    "operator\"");
	roster_has("<status>disconnected</status>",
		   "<disconnection-method>booted</disconnection-method>",
		   "<reason>sent away by the operator</reason>", NULL);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 0);
	r = ctl("kick demo sip:out@127.0.0.1:%u", phone_port);
	ck_assert_msg(strstr(r, "no participant") != NULL, "%s", r);
}
END_TEST

/*
 * A 2xx that crosses the focus's CANCEL (RFC 3261 9.1): the call is
 * answered, so the focus ACKs it and hangs up with a BYE that says why;
 * it never reaches the data plane.
 */
START_TEST(test_focus_answer_crossing_the_cancel_gets_a_bye)
{
	char inv[4096], cancel[4096], ack[4096], bye[4096];
	const char *r;

	dial_phone_ringing(inv, sizeof(inv));
	r = ctl("end demo");
	ck_assert_msg(strstr(r, "\"hung_up\":1") != NULL, "%s", r);
	phone_await("CANCEL", cancel, sizeof(cancel));
	phone_answer(cancel, "200 OK", "", 0, NULL);
	phone_answer(inv, "200 OK", "", 1, "m=audio 40000 RTP/AVP 0\r\n");
	phone_await("ACK", ack, sizeof(ack));
	phone_await("BYE", bye, sizeof(bye));
	ck_assert_msg(strstr(bye, "\r\nReason: Q.850;cause=16;text=\"the "
				  "operator ended the conference\"\r\n") != NULL,
		      "%s", bye);
	phone_answer(bye, "200 OK", "", 0, NULL);
	run_ms(50);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 0);
	roster_has("<disconnection-method>booted</disconnection-method>",
		   NULL);
}
END_TEST

/*
 * The ring timeout (here 1 s, tutti-cp's --ring-timeout): the CANCEL
 * says Q.850 19, no answer; the 487 leaves the roster failed, "no
 * answer".
 */
START_TEST(test_focus_ring_timeout_cancels)
{
	char inv[4096];

	dial_phone_ringing(inv, sizeof(inv));
	cancelled_with(inv, "Q.850;cause=19;text=\"no answer\"");
	roster_has("<disconnection-method>failed</disconnection-method>",
		   "<reason>SIP;cause=487;text=&quot;no answer&quot;</reason>",
		   NULL);
}
END_TEST

/* Phone 1 calls sip:demo while the stand-in tutti-dp holds its
 * LEG_ADD. */
static void
call_held(struct call *c)
{
	memset(c, 0, sizeof(*c));
	c->n = 1;
	c->cseq = 1;
	snprintf(c->call_id, sizeof(c->call_id), "joining-%d@127.0.0.1",
		 (int)getpid());
	dp_serve_off = true;	/* its LEG_ADD waits in the ring */
	request(c, "INVITE", c->cseq, 40002);
	run_ms(50);
}

/*
 * Phone 1's call (call_held()), sent away: its INVITE gets 603 whose
 * Reason (RFC 6432) says reason, and once tutti-dp answers, its leg (the
 * k-th LEG_ADD) goes: it is no participant, and it was counted refused.
 */
static void
turned_away(struct call *c, unsigned int k, const char *reason)
{
	char msg[4096], want[256];
	const struct shm_msg_leg *add, *rm;
	const char *r;

	ck_assert_int_eq(final_answer(c, c->cseq, "INVITE", msg, sizeof(msg)),
			 603);
	snprintf(want, sizeof(want), "\r\nReason: %s\r\n", reason);
	ck_assert_msg(strstr(msg, want) != NULL, "%s", msg);
	dp_serve_off = false;
	run_ms(50);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), k + 1);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 1);
	add = leg_cmd(SHM_CMD_LEG_ADD, k);
	rm = leg_cmd(SHM_CMD_LEG_REMOVE, 0);
	ck_assert_uint_eq(rm->leg_id, add->leg_id);
	r = ctl("kick demo sip:p1@127.0.0.1:%u", phone_port);
	ck_assert_msg(strstr(r, "no participant") != NULL, "%s", r);
	r = ctl("stats");
	ck_assert_msg(strstr(r, "\"refused\":1") != NULL, "%s", r);
}

/* Phone 1's call, held, sent away by the operator's command cmd, which
 * answers want_ctl. */
static void
turned_away_while_joining(const char *cmd, const char *want_ctl,
			  const char *reason)
{
	struct call c;
	const char *r;

	call_held(&c);
	r = ctl("%s", cmd);
	ck_assert_msg(strstr(r, want_ctl) != NULL, "%s", r);
	turned_away(&c, 0, reason);
}

/* tuttictl kick of a dial-in that has no 200 yet: 603 (it was "not
 * connected", and the call went on into the conference). */
START_TEST(test_focus_kick_turns_away_a_joining_dial_in)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "kick demo sip:p1@127.0.0.1:%u", phone_port);
	turned_away_while_joining(cmd, "\"ok\":true",
				  "Q.850;cause=16;text=\"sent away by the "
				  "operator\"");
}
END_TEST

/* tuttictl end while a dial-in joins: it is turned away too (it was
 * skipped, and joined the conference that had sent everyone away). */
START_TEST(test_focus_end_turns_away_a_joining_dial_in)
{
	turned_away_while_joining("end demo", "\"hung_up\":1",
				  "Q.850;cause=16;text=\"the operator ended "
				  "the conference\"");
}
END_TEST

/* c REFERs the focus to hang up on who (a URI), or on phone k if who is
 * NULL (method=BYE, RFC 4579 5.7): the REFER's final answer. */
static int
refer_bye(struct call *c, const char *who, unsigned int k)
{
	char msg[4096], extra[160];

	if (who != NULL)
		snprintf(extra, sizeof(extra),
			 "Refer-To: <%s;method=BYE>\r\n", who);
	else
		snprintf(extra, sizeof(extra),
			 "Refer-To: <sip:p%u@127.0.0.1:%u;method=BYE>\r\n", k,
			 phone_port);
	req_extra = extra;
	request(c, "REFER", ++c->cseq, 0);
	req_extra = "";
	return final_answer(c, c->cseq, "REFER", msg, sizeof(msg));
}

/* A REFER with method=BYE for a dial-in still joining (RFC 4579 5.7,
 * F-28): 202, and it is turned away as by kick (it was 404). */
START_TEST(test_focus_refer_bye_turns_away_a_joining_dial_in)
{
	struct call c0, c1;

	ck_assert_int_eq(join(&c0, 0), 200);
	call_held(&c1);
	ck_assert_int_eq(refer_bye(&c0, NULL, 1), 202);
	turned_away(&c1, 1, "Q.850;cause=16;text=\"removed by REFER\"");
}
END_TEST

/*
 * The trust domain (RFC 3325, tutti-cp --trust 127.0.0.1): a caller whose
 * INVITE asserts sip:alice@carrier.example is her, a moderator by the
 * policy, where its From (p0) is not. Its REFERs in the dialog carry no
 * P-Asserted-Identity (a proxy may assert only a dialog's start) and are
 * still hers: a REFER method=BYE, for moderators only, gets 202, after a
 * restart of tutti-cp too (the state file keeps it). The other caller's,
 * not asserted, got 403.
 */
START_TEST(test_focus_asserted_caller_refers_as_moderator)
{
	static const char pol[] =
		"<conference-policy xmlns=\"urn:tutti:params:xml:ns:"
		"conference-policy\" version=\"1\"><default>"
		"<moderators><uri>sip:alice@carrier.example</uri></moderators>"
		"<join><allow>*</allow></join></default></conference-policy>";
	struct call c0, c1;
	char msg[4096], why[128];
	size_t n;

	focus_stop();
	ck_assert_int_eq(cp_policy_parse(pol, sizeof(pol) - 1, "pol.xml",
					 &policy, why, sizeof(why)), 0);
	ck_assert_int_eq(cp_trust_parse("127.0.0.1", trust_nets, 1, &n, why,
					sizeof(why)), 0);
	n_trust_nets = n;
	focus_restart();
	req_extra = "P-Asserted-Identity: <sip:alice@carrier.example>\r\n";
	ck_assert_int_eq(join(&c0, 0), 200);
	req_extra = "";
	ck_assert_int_eq(join(&c1, 1), 200);
	ck_assert_msg(strstr(ctl("show demo"),
			     "\"from\":\"sip:alice@carrier.example\"") != NULL,
		      "%s", ctl("show demo"));
	ck_assert_int_eq(refer_bye(&c1, "sip:alice@carrier.example", 0), 403);
	focus_stop();
	focus_restart();
	ck_assert_int_eq(refer_bye(&c0, NULL, 1), 202);
	phone_await("BYE", msg, sizeof(msg));
	ck_assert_msg(strstr(msg, c1.call_id) != NULL, "%s", msg);
}
END_TEST

/* Phone n offers and gets a final answer other than 200: its code, the
 * answer in msg. */
static int
join_refused(unsigned int n, char *msg, size_t len)
{
	struct call c = { .n = n, .cseq = 1 };

	snprintf(c.call_id, sizeof(c.call_id), "focus-%d-%u@127.0.0.1",
		 (int)getpid(), n);
	request(&c, "INVITE", c.cseq, 40000 + 2 * n);
	return final_answer(&c, c.cseq, "INVITE", msg, len);
}

/*
 * SRTP (--srtp): its SDES keys go only over TLS (RFC 4568 8.3). Over this
 * UDP phone, with SRTP optional, an RTP/SAVP offer with a=crypto gets 488
 * and a Warning 302 that says why, a plain offer plain RTP (no
 * SHM_LEG_SRTP, no LEG_SRTP); with SRTP mandatory a plain offer gets 488
 * too, and a dial-out to a sip: URI is not made (its keys would cross
 * UDP).
 */
START_TEST(test_focus_srtp_keys_only_over_tls)
{
	struct call c;
	char msg[4096];
	const char *r;

	focus_stop();
	cfg.sdp.srtp = CP_SDP_SRTP_OPTIONAL;
	focus_restart();
	phone_proto = "RTP/SAVP";
	phone_fmts = "0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		     "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	ck_assert_int_eq(join_refused(0, msg, sizeof(msg)), 488);
	ck_assert_msg(strstr(msg, "\r\nWarning: 302 ") != NULL &&
		      strstr(msg, "RTP/SAVP needs SIP over TLS for its keys") !=
		      NULL, "%s", msg);
	phone_proto = "RTP/AVP";
	phone_fmts = "0";
	ck_assert_int_eq(join(&c, 1), 200);
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 1);
	ck_assert_uint_eq(leg_cmd(SHM_CMD_LEG_ADD, 0)->flags & SHM_LEG_SRTP, 0);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 0);

	focus_stop();
	cfg.sdp.srtp = CP_SDP_SRTP_MANDATORY;
	focus_restart();
	ck_assert_int_eq(join_refused(2, msg, sizeof(msg)), 488);
	ck_assert_msg(strstr(msg, "\r\nWarning: 302 ") != NULL &&
		      strstr(msg, "SRTP is required") != NULL, "%s", msg);
	r = ctl("dial demo sip:out@127.0.0.1:%u", phone_port);
	ck_assert_msg(strstr(r, "--srtp mandatory, and SRTP keys go only over "
			     "TLS (dial sips: or ;transport=tls)") != NULL,
		      "%s", r);
	ck_assert_msg(strstr(ctl("list"), "\"participants\":1") != NULL, "%s",
		      ctl("list"));
}
END_TEST

/*
 * A call without SDP (a delayed offer, RFC 3261 13.3.1; S-27): the focus
 * answers 200 at once with its offer (every codec it takes and
 * telephone-event, as a dial-out offers), sends tutti-dp nothing until
 * the ACK brings the answer, then adds the leg as the answer says (PCMA,
 * the port and address of the ACK's SDP) and the caller is in.
 */
START_TEST(test_focus_offer_in_200_answer_in_ack)
{
	char msg[4096];
	struct call c;

	call_without_offer(&c, 0, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "\r\nContent-Type: application/sdp\r\n") !=
			      NULL && strstr(msg, "\r\nm=audio 30000 RTP/AVP 0 8 ")
			      != NULL &&
			      strstr(msg, " telephone-event/8000\r\n") != NULL,
		      "%s", msg);
	run_ms(50);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 0);
	ck_assert_msg(strstr(ctl("list"), "\"participants\":1") != NULL, "%s",
		      ctl("list"));
	phone_fmts = "8";
	request(&c, "ACK", c.cseq, 40002);
	phone_fmts = "0";
	run_ms(50);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 1);
	ck_assert_uint_eq(leg_cmd(SHM_CMD_LEG_ADD, 0)->codec, SHM_CODEC_PCMA);
	ck_assert_uint_eq(leg_cmd(SHM_CMD_LEG_ADD, 0)->pt, 8);
	ck_assert_uint_eq(ntohs(leg_cmd(SHM_CMD_LEG_ADD, 0)->remote_port),
			  40002);
	ck_assert_uint_eq(ntohs(leg_cmd(SHM_CMD_LEG_ADD, 0)->local_port),
			  c.m_port);
	roster_has("<status>connected</status>", NULL);
	ck_assert_msg(strstr(ctl("stats"), "\"joined\":1,") != NULL, "%s",
		      ctl("stats"));
}
END_TEST

/* No call reached tutti-dp (no leg added, none to remove), and none is
 * left. */
static void
none_reached_dp(void)
{
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 0);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 0);
	ck_assert_msg(strstr(ctl("list"), "\"participants\":0") != NULL, "%s",
		      ctl("list"));
}

/*
 * The focus's log (tutti_log() writes to fd 2), from log_catch() until
 * log_caught(), which gives it back.
 */
static int log_saved_fd = -1;
static FILE *log_file;

static void
log_catch(void)
{
	fflush(stderr);
	ck_assert_ptr_nonnull(log_file = tmpfile());
	ck_assert_int_ge(log_saved_fd = dup(STDERR_FILENO), 0);
	ck_assert_int_ge(dup2(fileno(log_file), STDERR_FILENO), 0);
}

static const char *
log_caught(void)
{
	static char buf[1 << 16];
	size_t n;

	fflush(stderr);
	ck_assert_int_ge(dup2(log_saved_fd, STDERR_FILENO), 0);
	close(log_saved_fd);
	log_saved_fd = -1;
	rewind(log_file);
	n = fread(buf, 1, sizeof(buf) - 1, log_file);
	buf[n] = '\0';
	fclose(log_file);
	log_file = NULL;
	fputs(buf, stderr); /* as if never caught */
	return buf;
}

/*
 * The ACK to a 200 that offered brings no answer (no SDP, or SDP the focus
 * cannot use): the call is hung up (BYE, Reason SIP 488), tutti-dp never
 * hears of it, and it is counted refused, not joined.
 */
START_TEST(test_focus_offer_in_200_no_answer_hangs_up)
{
	static const char *const fmts[2] = { NULL, "96\r\na=rtpmap:96 "
						   "opus/48000/2" };
	char msg[4096];
	const char *log;

	log_catch();
	for (unsigned int i = 0; i < 2; i++) {
		struct call c;

		call_without_offer(&c, i, msg, sizeof(msg));
		if (fmts[i] != NULL)
			phone_fmts = fmts[i];
		request(&c, "ACK", c.cseq, fmts[i] != NULL ? 40000 : 0);
		phone_fmts = "0";
		phone_await("BYE", msg, sizeof(msg));
		ck_assert_msg(strstr(msg, c.call_id) != NULL &&
				      strstr(msg, "\r\nReason: SIP;cause=488;"
						  "text=\"Not Acceptable "
						  "Here\"\r\n") != NULL,
			      "%s", msg);
		phone_answer(msg, "200 OK", "", 0, NULL);
		run_ms(50);
	}
	none_reached_dp();
	ck_assert_msg(strstr(ctl("stats"), "\"joined\":0,") != NULL &&
			      strstr(ctl("stats"), "\"refused\":2,") != NULL,
		      "%s", ctl("stats"));
	/* never joined: they did not leave either */
	log = log_caught();
	ck_assert_msg(test_count(log, "'s call ended before it joined (sent "
			       "away by the focus)") == 2 &&
		      strstr(log, "left conference") == NULL, "%s", log);
}
END_TEST

/*
 * A re-INVITE without SDP (S-27): 200 with the focus's offer (its o=
 * version one up), and the ACK's answer moves the media: tutti-dp gets
 * the new port. Then one whose ACK has no SDP leaves the media as they
 * were: the call goes on.
 */
START_TEST(test_focus_reinvite_without_sdp)
{
	char msg[4096], to[256];
	unsigned long long ver;
	struct call c;

	ck_assert_int_eq(join(&c, 0), 200);
	ver = c.o_ver;
	request(&c, "INVITE", ++c.cseq, 0);
	ck_assert_int_eq(final_answer(&c, c.cseq, "INVITE", msg, sizeof(msg)),
			 200);
	header(msg, "To", to, sizeof(to));
	read_sdp(&c, msg);
	ck_assert_uint_eq(c.o_ver, ver + 1);
	ck_assert_msg(strstr(msg, "\r\nm=audio 30000 RTP/AVP 0 8 ") != NULL,
		      "%s", msg);
	request(&c, "ACK", c.cseq, 40010);
	run_ms(50);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_UPDATE), 1);
	ck_assert_uint_eq(ntohs(leg_cmd(SHM_CMD_LEG_UPDATE, 0)->remote_port),
			  40010);
	request(&c, "INVITE", ++c.cseq, 0);
	ck_assert_int_eq(final_answer(&c, c.cseq, "INVITE", msg, sizeof(msg)),
			 200);
	request(&c, "ACK", c.cseq, 0);
	run_ms(50);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_UPDATE), 1);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 0);
	roster_has("<status>connected</status>", NULL);
}
END_TEST

/*
 * Sent away between the 200 that offered and its ACK (tuttictl kick): not
 * "not connected"; the BYE goes once the ACK is in, and tutti-dp never
 * hears of the call.
 */
START_TEST(test_focus_offer_in_200_kicked_before_ack)
{
	char msg[4096];
	const char *r;
	struct call c;

	call_without_offer(&c, 0, msg, sizeof(msg));
	r = ctl("kick demo p0");
	ck_assert_msg(strstr(r, "\"ok\":true") != NULL, "%s", r);
	request(&c, "ACK", c.cseq, 40000);
	phone_await("BYE", msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "\r\nReason: Q.850;cause=16;") != NULL,
		      "%s", msg);
	phone_answer(msg, "200 OK", "", 0, NULL);
	run_ms(50);
	none_reached_dp();
}
END_TEST

/*
 * tuttictl dial CONF URI SECONDS: that dial-out's own ring timeout (1 s
 * here, the focus's 30 s), its CANCEL saying Q.850 19; a SECONDS that is
 * not 0..600 is refused, and nothing is dialled.
 */
START_TEST(test_focus_dial_with_its_own_ring_timeout)
{
	static const char *const bad[] = { "601", "1x", "-1", "" };
	char inv[4096];
	const char *r;

	for (unsigned int i = 0; bad[i][0] != '\0'; i++) {
		r = ctl("dial demo sip:out@127.0.0.1:%u %s", phone_port,
			bad[i]);
		ck_assert_msg(strstr(r, "SECONDS rings before the focus gives "
					"up, 0..600") != NULL, "%s", r);
	}
	ck_assert_msg(strstr(ctl("list"), "\"participants\":0") != NULL, "%s",
		      ctl("list"));
	r = ctl("dial demo sip:out@127.0.0.1:%u 1", phone_port);
	ck_assert_msg(strstr(r, "\"ok\":true") != NULL, "%s", r);
	phone_await("INVITE", inv, sizeof(inv));
	phone_answer(inv, "180 Ringing", "", 0, NULL);
	cancelled_with(inv, "Q.850;cause=19;text=\"no answer\"");
}
END_TEST

/*
 * A clean stop (cp_focus_stop_dialling(), before the state file's last
 * write) CANCELs a ringing dial-out, Q.850 41, and counts it until its
 * 487 is in; then nothing rings.
 */
START_TEST(test_focus_stop_cancels_ringing_dial_outs)
{
	char inv[4096];

	ck_assert_uint_eq(cp_focus_stop_dialling(focus), 0);
	dial_phone_ringing(inv, sizeof(inv));
	ck_assert_uint_eq(cp_focus_stop_dialling(focus), 1);
	ck_assert_uint_eq(cp_focus_stop_dialling(focus), 1);	/* once */
	cancelled_with(inv, "Q.850;cause=41;text=\"tutti-cp stopped\"");
	run_ms(20);
	ck_assert_uint_eq(cp_focus_stop_dialling(focus), 0);
}
END_TEST

static void
setup_short_ring(void)
{
	setup_with(A_IP, false);
	cfg.ring_timeout_ms = 1000;
	focus_start();
}

/* tuttictl dial demo uri, the phone being uri: what the focus's INVITE
 * offers, into out. */
static void
dial_offer(const char *uri, struct call *out)
{
	char msg[4096];

	ck_assert_int_eq(cp_focus_dial(focus, "demo", uri,
				       CP_FOCUS_RING_DEFAULT), 0);
	phone_await("INVITE", msg, sizeof(msg));
	read_sdp(out, msg);
}

/* With A's ports taken, the focus dials out from B: its offer's c= and
 * o= say B, with B's first port. */
START_TEST(test_focus_dial_out_offers_its_address)
{
	struct call c[2], out = { 0 };
	char uri[64];

	for (unsigned int i = 0; i < 2; i++)
		ck_assert_int_eq(join(&c[i], i), 200);
	snprintf(uri, sizeof(uri), "sip:out@127.0.0.1:%u", phone_port);
	dial_offer(uri, &out);
	ck_assert_str_eq(out.c_ip, B_IP);
	ck_assert_str_eq(out.o_ip, B_IP);
	ck_assert_uint_eq(out.m_port, 30000);
}
END_TEST

/* A dial-out to a host inside B's prefix (here /0: every host, the
 * phone's 127.0.0.1 too) is offered B's address and first port, though
 * A's ports go first, in the dialog's first SDP. */
START_TEST(test_focus_dial_out_to_a_host_on_bs_link)
{
	struct call out = { 0 };
	char uri[64];

	dp_owns(0, A_IP, 32);
	dp_owns(1, B_IP, 0);
	ck_assert_uint_eq(cp_focus_check_media(focus), 0);
	snprintf(uri, sizeof(uri), "sip:out@127.0.0.1:%u;transport=udp",
		 phone_port);
	dial_offer(uri, &out);
	ck_assert_str_eq(out.c_ip, B_IP);
	ck_assert_uint_eq(out.m_port, 30000);
	ck_assert_uint_eq(out.o_ver, 1);
}
END_TEST

/* A re-INVITE of the leg on B changes its remote end, not its own: the
 * LEG_UPDATE keeps B and the port (tutti-dp refuses a change of either),
 * and so does the SDP answered. */
START_TEST(test_focus_reinvite_keeps_the_address)
{
	struct call c[3];
	const struct shm_msg_leg *l;

	for (unsigned int i = 0; i < 3; i++)
		ck_assert_int_eq(join(&c[i], i), 200);
	assert_at(SHM_CMD_LEG_ADD, 2, &c[2], B_IP, 30000);
	ck_assert_int_eq(reinvite(&c[2], 41000), 200);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_UPDATE), 1);
	assert_at(SHM_CMD_LEG_UPDATE, 0, &c[2], B_IP, 30000);
	l = leg_cmd(SHM_CMD_LEG_UPDATE, 0);
	ck_assert_uint_eq(ntohs(l->remote_port), 41000);
	ck_assert_uint_eq(l->leg_id, leg_cmd(SHM_CMD_LEG_ADD, 2)->leg_id);
}
END_TEST

/*
 * tutti-dp with A alone (/32) on one port and B on a /24 on another: a
 * phone whose SDP address lies in B's prefix gets B's ports, though A's
 * go first, and its answer is the dialog's first (o= version as any
 * other's); one elsewhere gets A's, as before, and so does one on B's link
 * once B's ports are all taken. A re-INVITE keeps the pair.
 */
START_TEST(test_focus_gives_the_address_on_the_callers_link)
{
	struct call c[5];

	dp_owns(0, A_IP, 32);
	dp_owns(1, B_IP, 24);
	ck_assert_uint_eq(cp_focus_check_media(focus), 0);
	ck_assert_int_eq(join(&c[0], 0), 200);		/* 127.0.0.1 */
	offer_ip = "198.18.0.77";
	ck_assert_int_eq(join(&c[1], 1), 200);
	ck_assert_int_eq(join(&c[2], 2), 200);
	ck_assert_int_eq(join(&c[3], 3), 200);		/* B full */
	assert_at(SHM_CMD_LEG_ADD, 0, &c[0], A_IP, 30000);
	assert_at(SHM_CMD_LEG_ADD, 1, &c[1], B_IP, 30000);
	assert_at(SHM_CMD_LEG_ADD, 2, &c[2], B_IP, 30002);
	assert_at(SHM_CMD_LEG_ADD, 3, &c[3], A_IP, 30002);
	ck_assert_uint_eq(c[1].o_ver, c[0].o_ver);
	ck_assert_int_eq(join(&c[4], 4), 503);
	ck_assert_int_eq(reinvite(&c[1], 41000), 200);
	assert_at(SHM_CMD_LEG_UPDATE, 0, &c[1], B_IP, 30000);
}
END_TEST

/* A tutti-cp started with no state over tutti-dp's legs keeps their pairs
 * from new legs: B:30000, and A:30002 of a leg naming 0.0.0.0 (tutti-dp's
 * first address); a leg on an address not listed, or a port out of the
 * range, takes nothing from the pool. */
START_TEST(test_focus_takeover_reserves_running_pairs)
{
	struct call c[3];

	table_add(1, B_IP, 30000);
	table_add(2, NULL, 30002);
	table_add(3, C_IP, 30000);
	table_add(4, A_IP, 31000);
	focus_start();
	ck_assert_int_eq(join(&c[0], 0), 200);
	ck_assert_int_eq(join(&c[1], 1), 200);
	ck_assert_int_eq(join(&c[2], 2), 503);
	assert_at(SHM_CMD_LEG_ADD, 0, &c[0], A_IP, 30000);
	assert_at(SHM_CMD_LEG_ADD, 1, &c[1], B_IP, 30002);
}
END_TEST

/* A leg left unowned at such a takeover, whose media times out, is
 * removed from tutti-dp and its pair given to a new call; the other
 * keeps its pair; its timeout said again removes it again, and gives
 * nothing twice. One that came later, and no participant owns, is
 * removed too. */
START_TEST(test_focus_unowned_leg_timeout_frees_its_pair)
{
	struct call c[4];

	table_add(1, B_IP, 30000);
	table_add(2, NULL, 30002);
	focus_start();
	ck_assert_int_eq(join(&c[0], 0), 200);
	ck_assert_int_eq(join(&c[1], 1), 200);
	ck_assert_int_eq(join(&c[2], 2), 503);
	dp_media_timeout(99, 1, 30000);
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 1);
	ck_assert_uint_eq(leg_cmd(SHM_CMD_LEG_REMOVE, 0)->leg_id, 1);
	ck_assert_int_eq(join(&c[3], 3), 200);
	assert_at(SHM_CMD_LEG_ADD, 2, &c[3], B_IP, 30000);
	dp_media_timeout(99, 1, 30000);
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 2);
	ck_assert_int_eq(join(&c[2], 4), 503);
	/* one that came after the takeover, and no participant owns */
	table_add(7, A_IP, 31000);
	dp_media_timeout(99, 7, 30000);
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 3);
	ck_assert_uint_eq(leg_cmd(SHM_CMD_LEG_REMOVE, 2)->leg_id, 7);
	ck_assert_uint_eq(cp_focus_stats(focus)->dp_errors, 0);
}
END_TEST

/* tutti-cp restarts with its state file: the calls it takes over keep
 * their pairs (the file says each leg's address), and a new call gets the
 * one left. */
START_TEST(test_focus_restart_keeps_the_pairs_of_its_calls)
{
	struct call c[4];
	char text[8192];

	for (unsigned int i = 0; i < 3; i++)
		ck_assert_int_eq(join(&c[i], i), 200);
	focus_stop();
	test_read_file(state_path, text, sizeof(text));
	ck_assert_int_eq(test_count(text, " local_addr=" A_IP " "), 2);
	ck_assert_int_eq(test_count(text, " local_addr=" B_IP " "), 1);
	focus_restart();
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 0);
	ck_assert_int_eq(join(&c[3], 3), 200);
	assert_at(SHM_CMD_LEG_ADD, 0, &c[3], B_IP, 30002);
	ck_assert_int_eq(join(&c[0], 4), 503);
}
END_TEST

/* A second tutti-cp is refused while the first beats, also when the
 * first's beat is newer than the clock the second read before attaching
 * (the CI failure of stop 34: read as 2^64 ns old, it took over). */
START_TEST(test_focus_second_cp_refused_while_the_first_beats)
{
	struct cp_dpctl d2;
	uint64_t now = shm_now_ns();
	char err[256];

	cp_dpctl_init(&d2, NULL, NULL);
	__atomic_store_n(&dp.hdr->cp_pid, (uint32_t)getppid(),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&dp.hdr->cp_heartbeat_ns, now + 1000000,
			 __ATOMIC_RELEASE);
	ck_assert_int_eq(cp_dpctl_attach(&d2, region_name, now, err,
					 sizeof(err)), -EBUSY);
	ck_assert_ptr_nonnull(strstr(err, "another tutti-cp"));
	__atomic_store_n(&dp.hdr->cp_heartbeat_ns, now - 1000000,
			 __ATOMIC_RELEASE);
	ck_assert_int_eq(cp_dpctl_attach(&d2, region_name, now, err,
					 sizeof(err)), -EBUSY);
	/* a beat older than SHM_HEARTBEAT_STALE_NS is a dead tutti-cp's */
	__atomic_store_n(&dp.hdr->cp_heartbeat_ns,
			 now - SHM_HEARTBEAT_STALE_NS - 1, __ATOMIC_RELEASE);
	ck_assert_msg(cp_dpctl_attach(&d2, region_name, now, err,
				      sizeof(err)) == 0, "%s", err);
	cp_dpctl_detach(&d2);
}
END_TEST

/* ---- one media address: as before there could be several ---- */

/* The legs name no address (0.0.0.0: tutti-dp's first), their SDP says
 * the one; its two ports, then 503. */
START_TEST(test_focus_one_address_leaves_local_addr_zero)
{
	struct call c[3];

	ck_assert_int_eq(join(&c[0], 0), 200);
	ck_assert_int_eq(join(&c[1], 1), 200);
	ck_assert_int_eq(join(&c[2], 2), 503);
	for (unsigned int i = 0; i < 2; i++) {
		const struct shm_msg_leg *l = leg_cmd(SHM_CMD_LEG_ADD, i);

		ck_assert_ptr_nonnull(l);
		ck_assert_str_eq(local_ip(l), "0.0.0.0");
		ck_assert_uint_eq(ntohs(l->local_port), 30000 + 2 * i);
		ck_assert_str_eq(c[i].c_ip, A_IP);
		ck_assert_uint_eq(c[i].m_port, 30000 + 2 * i);
	}
	ck_assert_int_eq(reinvite(&c[1], 41000), 200);
	ck_assert_str_eq(local_ip(leg_cmd(SHM_CMD_LEG_UPDATE, 0)), "0.0.0.0");
	ck_assert_str_eq(c[1].c_ip, A_IP);
}
END_TEST

/* The same address, and tutti-dp says which it owns (its region): the
 * legs name it, so that tutti-dp refuses them if it is not one of its;
 * tutti-cp's check finds a media address it does not own. */
START_TEST(test_focus_names_the_address_tutti_dp_owns)
{
	struct call c;
	struct cp_focus_cfg two;
	struct cp_focus *f2;
	uint32_t a, b;
	char err[128];

	inet_pton(AF_INET, A_IP, &a);
	inet_pton(AF_INET, B_IP, &b);
	dp.hdr->addrs[0] = b;		/* A need not be its first */
	dp.hdr->addrs[1] = a;
	dp.hdr->n_addrs = 2;
	ck_assert_int_eq(join(&c, 0), 200);
	ck_assert_str_eq(local_ip(leg_cmd(SHM_CMD_LEG_ADD, 0)), A_IP);
	ck_assert_str_eq(c.c_ip, A_IP);
	ck_assert_uint_eq(cp_focus_check_media(focus), 0);
	/* a focus of A and C: C is not tutti-dp's */
	two = cfg;
	ck_assert_int_eq(cp_focus_cfg_set_media_addrs(&two, A_IP "," C_IP, err,
						      sizeof(err)), 0);
	ck_assert_int_eq(cp_focus_new(&f2, &two, &d), 0);
	ck_assert_uint_eq(cp_focus_check_media(f2), 1);
	cp_focus_free(f2);
	/* a tutti-dp with no port publishes none: nothing to check */
	dp.hdr->n_addrs = 0;
	ck_assert_uint_eq(cp_focus_check_media(focus), 0);
}
END_TEST

/* ---- the --media-ip list ---- */

static const struct {
	const char *list;
	unsigned int n;		/* addresses; 0 = refused */
	const char *why;	/* part of the reason */
} lists[] = {
	{ "198.18.0.2", 1, NULL },
	{ "198.18.0.3,198.18.0.2", 2, NULL },
	{ "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.6,10.0.0.7,"
	  "10.0.0.8,10.0.0.9,10.0.0.10,10.0.0.11,10.0.0.12,10.0.0.13,"
	  "10.0.0.14,10.0.0.15,10.0.0.16", 16, NULL },
	{ "198.18.0.2,198.18.0.3,198.18.0.2", 0, "198.18.0.2 is given twice" },
	{ "198.18.0.2,x", 0, "'x' is not an IPv4 address" },
	{ "198.18.0.256", 0, "'198.18.0.256' is not an IPv4 address" },
	{ "198.18.0", 0, "'198.18.0' is not an IPv4 address" },
	{ " 198.18.0.2", 0, "' 198.18.0.2' is not an IPv4 address" },
	{ "::1", 0, "'::1' is not an IPv4 address" },
	{ "198.18.0.2,", 0, "an empty address" },
	{ "", 0, "an empty address" },
	{ "0.0.0.0", 0, "0.0.0.0 is not an address" },
	{ "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.6,10.0.0.7,"
	  "10.0.0.8,10.0.0.9,10.0.0.10,10.0.0.11,10.0.0.12,10.0.0.13,"
	  "10.0.0.14,10.0.0.15,10.0.0.16,10.0.0.17", 0, "at most 16" },
};

START_TEST(test_focus_media_addrs_parsed_or_refused)
{
	struct cp_focus_cfg c, before;
	char err[160] = "";
	int rc;

	cp_focus_cfg_init(&c);
	c.media_addr[0][12] = 192;	/* as if set from --sip */
	before = c;
	rc = cp_focus_cfg_set_media_addrs(&c, lists[_i].list, err,
					  sizeof(err));
	if (lists[_i].n == 0) {
		ck_assert_int_eq(rc, -EINVAL);
		ck_assert_msg(strstr(err, lists[_i].why) != NULL,
			      "'%s': got '%s', want '%s'", lists[_i].list, err,
			      lists[_i].why);
		ck_assert_mem_eq(&c, &before, sizeof(c));	/* unchanged */
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(c.n_media_addr, lists[_i].n);
	for (unsigned int k = 0; k < c.n_media_addr; k++) {
		char ip[INET_ADDRSTRLEN];

		ck_assert_uint_eq(c.media_addr[k][10], 0xff);
		ck_assert_uint_eq(c.media_addr[k][11], 0xff);
		inet_ntop(AF_INET, c.media_addr[k] + 12, ip, sizeof(ip));
		ck_assert_ptr_nonnull(strstr(lists[_i].list, ip));
	}
	if (lists[_i].n == 2) {	/* in the order given */
		ck_assert_uint_eq(c.media_addr[0][15], 3);
		ck_assert_uint_eq(c.media_addr[1][15], 2);
	}
}
END_TEST

/* tutti-cp itself: a refused list is named with the option, exit 2. */
START_TEST(test_focus_cp_refuses_bad_media_ip)
{
	static const char *const args[][2] = {
		{ "198.18.0.2,198.18.0.2",
		  "--media-ip 198.18.0.2,198.18.0.2: 198.18.0.2 is given "
		  "twice" },
		{ "198.18.0.2,nope",
		  "--media-ip 198.18.0.2,nope: 'nope' is not an IPv4 "
		  "address" },
	};

	for (unsigned int i = 0; i < 2; i++) {
		char *argv[] = { (char *)test_env("TUTTI_CP"), "--media-ip",
				 (char *)args[i][0], "--wait", "0",
				 "--region", "/tutti-ut-focus-none", NULL };
		struct proc p;

		ck_assert_int_eq(proc_start(&p, argv), 0);
		ck_assert_int_eq(proc_wait(&p, 10000), 2);
		ck_assert_msg(strstr(p.out, args[i][1]) != NULL, "%s", p.out);
	}
}
END_TEST

/* tutti-cp refuses bad outbound proxy options at start, saying which. */
/* tutti-cp refuses bad numbers in its options, saying which (the
 * outbound proxies', the session timers', one helper's for all). */
START_TEST(test_focus_cp_refuses_bad_proxy_options)
{
	static const char *const cases[][12] = {
		{ "--sip", "127.0.0.1:0", "--outbound-proxy", "sip:127.0.0.1:1",
		  "--outbound-proxy", "sip:127.0.0.1:2", "--outbound-proxy",
		  "sip:127.0.0.1:3", "--outbound-proxy", "sip:127.0.0.1:4",
		  "--outbound-proxy", "sip:127.0.0.1:5" },
		{ "--proxy-timeout", "50" },
		{ "--proxy-timeout", "32001" },
		{ "--proxy-ping", "-1" },
		{ "--proxy-ping", "" },
		{ "--sip", "127.0.0.1:0", "--outbound-proxy",
		  "sip:127.0.0.1:5070", "--outbound-proxy",
		  "sip:proxy_1.example" },
		{ "--session-expires", "89" },
		{ "--session-expires", "0x5" },
		{ "--min-se", "89" },
		{ "--session-expires", "600", "--min-se", "601" },
		{ "--wait", " 5" },
		{ "--media-timeout", "+5" },
		{ "--sip", "127.0.0.1:" },
		{ "--ptime", "25" },
		{ "--dns", "198.18.0.53:port" },
		{ "--sip", "127.0.0.1:0", "--tls-cert", "/etc/hostname" },
		{ "--sip", "127.0.0.1:0", "--tls-ca", "/etc/hostname" },
		{ "--tls-cert", "/etc/hostname", "--tls-key", "/etc/hostname" },
		{ "--tls-port", "0" },
		{ "--sip", "127.0.0.1:0", "--outbound-proxy",
		  "sips:sbc.carrier.example" },
		{ "--ring-timeout", "601" },
		{ "--trust", "198.18.0.1/24" },
		{ "--trust", "198.18.0.0/24,sbc.carrier.example" },
		{ "--trust-tls", "sbc.carrier.example,,x" },
		{ "--sip", "127.0.0.1:0", "--trust-tls", "sbc.carrier.example" },
		{ "--credentials", "/etc/hostname" },
		{ "--sip", "127.0.0.1:0", "--credentials", "/nonexistent/creds" },
		{ "--sip", "127.0.0.1:0", "--credentials", "/etc/hostname" },
		{ "--register", "sip:conf@198.18.0.5" },
		{ "--sip", "127.0.0.1:0", "--register", "sip:198.18.0.5" },
		{ "--sip", "127.0.0.1:0", "--register", "sip:conf@[2001:db8::5]" },
		{ "--sip", "127.0.0.1:0", "--register",
		  "sip:conf@198.18.0.5;transport=sctp" },
		{ "--sip", "127.0.0.1:0", "--register",
		  "sip:conf:pw@198.18.0.5" },
		{ "--sip", "127.0.0.1:0", "--register",
		  "sips:conf@carrier.example" },
		{ "--register-expires", "9" },
		{ "--srtp", "required" },
		{ "--sip", "127.0.0.1:0", "--srtp", "mandatory" },
		{ "--srtp", "off", "--srtp-keys-in-clear" },
		{ "--assert-identity" },
	};
	static const char *const says[] = {
		"--outbound-proxy sip:127.0.0.1:5: at most 4 proxies",
		"--proxy-timeout 50: 100..32000 ms",
		"--proxy-timeout 32001: 100..32000 ms",
		"--proxy-ping -1: 0..3600 s (0: none)",
		"--proxy-ping : 0..3600 s (0: none)",
		"--outbound-proxy sip:proxy_1.example: not a sip: or sips: URI "
		"with a host name or a numeric address",
		"--session-expires 89: 90..86400 s (0: no session timers)",
		"--session-expires 0x5: 90..86400 s",
		"--min-se 89: 90..86400 s (RFC 4028 5: not below 90)",
		"--min-se 601 above --session-expires 600",
		"--wait  5: expected seconds, 0..86400",
		"--media-timeout +5: seconds, 0..65",
		"--sip 127.0.0.1:: expected ADDR:PORT",
		"--ptime 25: 10, 20, 30 or 40",
		"--dns 198.18.0.53:port: DNS servers '198.18.0.53:port': ",
		"--tls-cert and --tls-key go together",
		"--tls-ca, --tls-port, --tls-verify-client and --trust-tls need "
		"--tls-cert and --tls-key",
		"--tls-cert needs --sip",
		"--tls-port 0: 1..65535",
		"--outbound-proxy sips:sbc.carrier.example: TLS needs "
		"--tls-cert and --tls-key",
		"--ring-timeout 601: seconds, 0..600 (0: never)",
		"--trust 198.18.0.1/24: '198.18.0.1/24': address bits set past "
		"the /24 prefix",
		"--trust 198.18.0.0/24,sbc.carrier.example: "
		"'sbc.carrier.example': not an address or a network",
		"--trust-tls sbc.carrier.example,,x: 1 to 8 names of 1 to 253 "
		"characters, separated by commas",
		"--tls-ca, --tls-port, --tls-verify-client and --trust-tls need",
		"--credentials needs --sip",
		"--credentials refused: /nonexistent/creds: No such file or "
		"directory",
		"--credentials refused: /etc/hostname", /* a word, or none */
		"--register needs --sip",
		"--register sip:198.18.0.5: no user part",
		"--register sip:conf@[2001:db8::5]: its domain is neither a host "
		"name nor an address of the family of --sip's",
		"--register sip:conf@198.18.0.5;transport=sctp: a transport "
		"other than udp, tcp or tls",
		"--register sip:conf:pw@198.18.0.5: a password in the URI",
		"--register sips:conf@carrier.example: TLS needs --tls-cert",
		"--register-expires 9: 10..604800 s",
		"--srtp required: optional, mandatory or off",
		"--srtp mandatory needs --tls-cert: SRTP's SDES keys go only "
		"over TLS (RFC 4568 8.3)",
		"--srtp-keys-in-clear with --srtp off: no SRTP to key",
		"--assert-identity needs --trust: the networks of the next hops",
	};

	for (unsigned int i = 0; i < sizeof(says) / sizeof(says[0]); i++) {
		char *argv[20] = { (char *)test_env("TUTTI_CP"), "--wait", "0",
				   "--region", "/tutti-ut-focus-none" };
		unsigned int n = 5;
		struct proc p;

		for (unsigned int k = 0; k < 12 && cases[i][k] != NULL; k++)
			argv[n++] = (char *)cases[i][k];
		ck_assert_int_eq(proc_start(&p, argv), 0);
		ck_assert_int_eq(proc_wait(&p, 10000), 2);
		ck_assert_msg(strstr(p.out, says[i]) != NULL, "%s", p.out);
	}
}
END_TEST

/* tutti-cp refuses TLS files that do not load, with the file and why. */
START_TEST(test_focus_cp_refuses_tls_files)
{
	static const char *const cases[][2] = {
		{ "/nonexistent/focus.pem", "/etc/hostname" },
		{ "/etc/hostname", "/etc/hostname" },
	};
	static const char *const says[] = {
		"--tls-cert /nonexistent/focus.pem --tls-key /etc/hostname: "
		"/nonexistent/focus.pem: No such file or directory",
		"--tls-cert /etc/hostname --tls-key /etc/hostname: "
		"/etc/hostname: not a PEM certificate",
	};

	for (unsigned int i = 0; i < 2; i++) {
		char *argv[] = { (char *)test_env("TUTTI_CP"),
				 "--wait",
				 "0",
				 "--region",
				 "/tutti-ut-focus-none",
				 "--sip",
				 "127.0.0.1:0",
				 "--tls-cert",
				 (char *)cases[i][0],
				 "--tls-key",
				 (char *)cases[i][1],
				 NULL };
		struct proc p;

		ck_assert_int_eq(proc_start(&p, argv), 0);
		ck_assert_int_eq(proc_wait(&p, 10000), 1);
		ck_assert_msg(strstr(p.out, says[i]) != NULL, "%s", p.out);
	}
}
END_TEST

/*
 * Each SIP connection is a file: under an open files limit of 600 (soft
 * and hard), --max-conns 1000 is refused at start, and the default (1024)
 * is lowered to fit, with a warning; under a soft limit of 600 alone,
 * tutti-cp raises it and keeps 1024. (There is no tutti-dp: each run then
 * stops there, with status 1.) setpriv comes with util-linux.
 */
START_TEST(test_focus_cp_max_conns_and_files)
{
	static const struct {
		const char *ulimit, *conns, *says, *not;
	} cases[] = {
		{ "-n 600", "1000", "--max-conns 1000 needs 1128 open files; "
		  "this process may have 600 (raise it", "cannot attach" },
		{ "-n 600", NULL, "SIP connections limited to 472 by the open "
		  "files limit (600)", "open files; this process" },
		{ "-Sn 600", NULL, "TCP and TLS connections: at most 1024 (64 "
		  "from one address), closed after 3600 s idle",
		  "SIP connections limited" },
	};

	for (unsigned int i = 0; i < 3; i++) {
		char sh[64];
		/* root could raise the hard limit again: not without
		 * CAP_SYS_RESOURCE */
		char *argv[] = { "/usr/bin/setpriv",
				 "--bounding-set=-sys_resource",
				 "/bin/sh", "-c", sh,
				 (char *)test_env("TUTTI_CP"),
				 "--wait", "0",
				 "--region", "/tutti-ut-focus-none",
				 "--sip", "127.0.0.1:0",
				 cases[i].conns ? "--max-conns" : NULL,
				 (char *)cases[i].conns, NULL };
		struct proc p;

		snprintf(sh, sizeof(sh), "ulimit %s && exec \"$0\" \"$@\"",
			 cases[i].ulimit);
		ck_assert_int_eq(proc_start(&p, geteuid() == 0 ? argv
							      : argv + 2),
				 0);
		ck_assert_int_eq(proc_wait(&p, 10000), 1);
		ck_assert_msg(strstr(p.out, cases[i].says) != NULL &&
				      strstr(p.out, cases[i].not) == NULL,
			      "ulimit %s: %s", cases[i].ulimit, p.out);
	}
}
END_TEST

/* ---- tuttictl provision: conferences and legs without SIP ---- */

static char prov_path[96];

/* Write text as the provisioning file prov_path. */
static void
prov_write(const char *text)
{
	FILE *fp;

	snprintf(prov_path, sizeof(prov_path), "/tmp/test_focus-%d.prov",
		 (int)getpid());
	proc_unlink_at_exit(prov_path);
	fp = fopen(prov_path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* text handed to tutti-cp as a provisioning file: its answer. */
static const char *
provision(const char *text)
{
	prov_write(text);
	return ctl("provision %s", prov_path);
}

/* ... and taken. */
static void
provision_ok(const char *text)
{
	const char *out = provision(text);

	ck_assert_msg(strstr(out, "\"ok\":true") != NULL, "%s", out);
}

/* ... and refused, saying want. */
static void
provision_refused(const char *text, const char *want)
{
	const char *out = provision(text);

	ck_assert_msg(strstr(out, "\"error\":") != NULL &&
		      strstr(out, want) != NULL, "%s", out);
}

/* The k-th command of type (any body), or NULL. */
static const struct shm_msg *
cmd_of(uint16_t type, unsigned int k)
{
	for (unsigned int i = 0; i < n_cmds; i++)
		if (cmds[i].hdr.type == type && k-- == 0)
			return &cmds[i];
	return NULL;
}

/* The LEG_ADD of local port, or NULL. */
static const struct shm_msg *
leg_add_at(uint16_t port)
{
	for (unsigned int i = 0; i < n_cmds; i++)
		if (cmds[i].hdr.type == SHM_CMD_LEG_ADD &&
		    ntohs(cmds[i].body.leg.local_port) == port)
			return &cmds[i];
	return NULL;
}

#define PROV_TWO							\
	"# two conferences, four legs\n"				\
	"conference 7 ptime=40 talkers=2 limiter\n"			\
	"conference 8\n"						\
	"legs 1-3 conference=7 remote=198.18.0.50:4000 local=40000 "	\
	"codec=PCMA\n"							\
	"leg 4 conference=8 remote=198.18.0.51:5000 local=30000 mute\n"

/* The file's conferences go to tutti-dp with their parameters and tutti-cp's
 * ids, its legs with their ports; they show in list and show as
 * connected, and a provisioned leg's port in the RTP range is not given
 * to a SIP participant. */
START_TEST(test_focus_provision_sends_conferences_and_legs)
{
	const struct shm_msg *c7, *l;
	const char *out;
	struct call c[2];

	out = provision(PROV_TWO);
	ck_assert_msg(strstr(out, "\"ok\":true") != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\"n_conferences\":2,\"n_legs\":4,"
					  "\"n_srtp_legs\":0,\"keys_exposed\":false,"
					  "\"n_new\":2"));
	ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"7\",\"worker\":0,"
					  "\"legs\":3,\"added\":3,"
					  "\"new\":true}"));
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_CREATE), 2);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 4);
	c7 = cmd_of(SHM_CMD_CONF_CREATE, 0);
	if (c7->body.conf.ptime_ms != 40)
		c7 = cmd_of(SHM_CMD_CONF_CREATE, 1);
	ck_assert_uint_eq(c7->body.conf.ptime_ms, 40);
	ck_assert_uint_eq(c7->body.conf.n_talkers, 2);
	ck_assert_uint_eq(c7->body.conf.flags, SHM_CONF_LIMITER);
	for (uint16_t port = 40000; port <= 40004; port += 2) {
		l = leg_add_at(port);
		ck_assert_ptr_nonnull(l);
		ck_assert_uint_eq(l->hdr.conf_id, c7->hdr.conf_id);
		ck_assert_uint_eq(l->body.leg.codec, SHM_CODEC_PCMA);
		ck_assert_uint_eq(ntohs(l->body.leg.remote_port),
				  4000 + port - 40000);
	}
	l = leg_add_at(30000);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_ne(l->hdr.conf_id, c7->hdr.conf_id);
	ck_assert(l->body.leg.flags & SHM_LEG_MUTE);
	out = ctl("list");
	ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"7\""));
	ck_assert_ptr_nonnull(strstr(out, "\"participants\":3,\"talkers\":0,"
					  "\"locked\":false,"
					  "\"provisioned\":true"));
	out = ctl("show 7");
	ck_assert_int_eq(test_count(out, "\"state\":\"connected\""), 3);
	ck_assert_ptr_nonnull(strstr(out, "\"from\":\"prov:2@198.18.0.50:"
					  "4002\",\"state\":\"connected\""));
	ck_assert_int_eq(test_count(out, "\"provisioned\":true,"
					 "\"session_timer\":null}"),
			 3);
	ck_assert_ptr_nonnull(strstr(ctl("show 8"), "\"muted\":true"));
	/* a SIP participant gets the port left, then there is none */
	ck_assert_int_eq(join(&c[0], 0), 200);
	ck_assert_uint_eq(c[0].m_port, 30002);
	ck_assert_int_eq(join(&c[1], 1), 503);
}
END_TEST

/* A file that cannot be taken whole is refused with its line, and
 * nothing of it is sent: a port a SIP call holds, an address tutti-dp
 * does not own, a conference name taken, a syntax error, no file. */
START_TEST(test_focus_provision_refuses_with_the_files_line)
{
	struct call c;
	const char *out;
	uint32_t a;

	ck_assert_int_eq(join(&c, 0), 200);	/* holds 30000 */
	n_cmds = 0;
	out = provision("conference 7\n"
			"leg 1 conference=7 remote=198.18.0.50:4000 "
			"local=40000\n"
			"leg 2 conference=7 remote=198.18.0.50:4002 "
			"local=30000\n");
	ck_assert_msg(strstr(out, ":3: leg 2: " A_IP " port 30000 is taken")
		      != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, prov_path));

	ck_assert_int_eq(inet_pton(AF_INET, A_IP, &a), 1);
	dp.hdr->addrs[0] = a;
	dp.hdr->n_addrs = 1;
	out = provision("conference 7\n"
			"leg 1 conference=7 remote=198.18.0.50:4000 "
			"local=" C_IP ":40000\n");
	ck_assert_msg(strstr(out, ":2: leg 1: local address " C_IP " is not "
			     "tutti-dp's") != NULL, "%s", out);

	out = provision("conference 7\nleg 1 conference=7 remote=198.18.0.50\n");
	ck_assert_msg(strstr(out, ":2: leg 1: needs remote=A.B.C.D:PORT") !=
		      NULL, "%s", out);
	out = ctl("provision /nonexistent/t.prov");
	ck_assert_msg(strstr(out, "\"error\":\"/nonexistent/t.prov") != NULL,
		      "%s", out);
	ck_assert_ptr_nonnull(strstr(ctl("provision"), "needs a file"));
	run_ms(10);
	ck_assert_uint_eq(n_cmds, 0);
	ck_assert_ptr_null(strstr(ctl("list"), "\"provisioned\":true"));

}
END_TEST

/* tuttictl unprovision path answers with want; its commands go out. */
static void
unprovision_says(const char *path, const char *want)
{
	const char *out = ctl("unprovision %s", path);

	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	run_ms(10);
}

/* legs 1-3 of conference 7 (PROV_TWO's), and a file of legs 5-6 for it */
#define PROV_MORE							\
	"conference 7 ptime=40 talkers=2 limiter\n"			\
	"legs 5-6 conference=7 remote=198.18.0.52:4000 local=40010 "	\
	"codec=PCMA\n"

/* A file naming a conference it provisioned before adds its legs there:
 * they go to tutti-dp in that conference, on its worker, and show with
 * the others; the conference is not made again. */
/* An SRTP leg of the file: its LEG_ADD has SHM_LEG_SRTP and is followed
 * by its two keys, under tutti-cp's leg id; show says its suite. */
START_TEST(test_focus_provision_srtp_keys)
{
	const struct shm_msg *l, *k;
	const char *out;

	prov_write("conference 9\n"
		   "leg 1 conference=9 remote=198.18.0.52:6000 local=31000 "
		   "srtp=AES_CM_128_HMAC_SHA1_32 "
		   "srtp-key-in=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e "
		   "srtp-key-out=ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGC\n");
	ck_assert_int_eq(chmod(prov_path, 0644), 0);
	out = ctl("provision %s", prov_path);
	/* keys others may read: said in the answer (tuttictl warns) */
	ck_assert_msg(strstr(out, "\"n_legs\":1,\"n_srtp_legs\":1,"
			     "\"keys_exposed\":true,") != NULL, "%s", out);
	run_ms(20);
	l = leg_add_at(31000);
	ck_assert_ptr_nonnull(l);
	ck_assert(l->body.leg.flags & SHM_LEG_SRTP);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 2);
	for (unsigned int dir = 0; dir < 2; dir++) {
		k = cmd_of(SHM_CMD_LEG_SRTP, dir);
		ck_assert_ptr_nonnull(k);
		ck_assert(k > l);	/* after its leg */
		ck_assert_uint_eq(k->hdr.conf_id, l->hdr.conf_id);
		ck_assert_uint_eq(k->body.srtp.leg_id, l->body.leg.leg_id);
		ck_assert_uint_eq(k->body.srtp.dir, dir);
		ck_assert_uint_eq(k->body.srtp.suite,
				  SHM_SRTP_AES_CM_128_HMAC_SHA1_32);
		for (unsigned int b = 0; b < SHM_SRTP_KEY_BYTES; b++)
			ck_assert_uint_eq(k->body.srtp.key[b],
					  (dir == SHM_SRTP_RX ? 1 : 101) + b);
	}
	out = ctl("show 9");
	ck_assert_msg(strstr(out, "\"srtp\":\"AES_CM_128_HMAC_SHA1_32\"") !=
		      NULL, "%s", out);
}
END_TEST

START_TEST(test_focus_provision_adds_legs_to_a_running_conference)
{
	const struct shm_msg *l;
	const char *out;
	uint32_t conf7;

	provision_ok(PROV_TWO);
	run_ms(20);
	conf7 = leg_add_at(40000)->hdr.conf_id;
	n_cmds = 0;
	out = provision(PROV_MORE);
	ck_assert_msg(strstr(out, "\"n_conferences\":1,\"n_legs\":2,"
			     "\"n_srtp_legs\":0,\"keys_exposed\":false,"
			     "\"n_new\":0") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "{\"name\":\"7\",\"worker\":0,\"legs\":5,"
			     "\"added\":2,\"new\":false}") != NULL, "%s", out);
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_CREATE), 0);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 2);
	for (uint16_t port = 40010; port <= 40012; port += 2) {
		l = leg_add_at(port);
		ck_assert_ptr_nonnull(l);
		ck_assert_uint_eq(l->hdr.conf_id, conf7);
		ck_assert_uint_eq(l->body.leg.codec, SHM_CODEC_PCMA);
	}
	out = ctl("show 7");
	ck_assert_int_eq(test_count(out, "\"state\":\"connected\""), 5);
	ck_assert_ptr_nonnull(strstr(out, "\"from\":\"prov:6@198.18.0.52:"
					  "4002\""));
	ck_assert_ptr_nonnull(strstr(ctl("list"), "\"participants\":5,"));
	/* a conference provisioned empty takes its legs later */
	provision_ok("conference 9 talkers=3\n");
	run_ms(20);
	n_cmds = 0;
	provision_ok("conference 9 talkers=3\n"
		     "leg 1 conference=9 remote=198.18.0.53:4000 "
		     "local=40020\n");
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_CREATE), 0);
	ck_assert_ptr_nonnull(leg_add_at(40020));
	ck_assert_int_eq(test_count(ctl("show 9"), "\"state\":\"connected\""),
			 1);
}
END_TEST

/* Legs join a running conference only if it is provisioned, with the
 * file's parameters and worker, their ids new to it and within its
 * max-legs; else the file is refused with its line and nothing of it is
 * sent. */
START_TEST(test_focus_provision_refuses_what_a_running_conference_cannot_take)
{
	char name[CP_CONF_NAME_MAX];

	provision_ok(PROV_TWO);
	provision_ok("conference 11 max-legs=2\n"
		     "leg 1 conference=11 remote=198.18.0.53:4000 "
		     "local=40030\n");
	run_ms(20);
	n_cmds = 0;
	provision_refused("conference 7 ptime=20\n"
			  "leg 9 conference=7 remote=198.18.0.52:4000 "
			  "local=40010\n",
			  ":1: conference 7 runs with rate=8000 ptime=40 "
			  "talkers=2 limiter, not the file's rate=8000 "
			  "ptime=20");
	provision_refused("# again\n" PROV_MORE
			  "leg 3 conference=7 remote=198.18.0.52:4010 "
			  "local=40014\n",
			  ":4: leg 3: conference 7 runs a leg 3 already");
	provision_refused("conference 11 max-legs=2\n"
			  "leg 2 conference=11 remote=198.18.0.53:4002 "
			  "local=40032\n"
			  "leg 3 conference=11 remote=198.18.0.53:4004 "
			  "local=40034\n",
			  ":3: leg 3: conference 11 allows max-legs=2 and "
			  "has 1");
	/* the second running conference differs (max-legs) */
	provision_refused("conference 7 ptime=40 talkers=2 limiter\n"
			  "conference 11 max-legs=3\n",
			  ":2: conference 11 runs with rate=8000 ptime=20 "
			  "max-legs=2, not the file's rate=8000 ptime=20 "
			  "max-legs=3");
	provision_refused("conference 8\n"	/* conference 7's leg 1 port */
			  "leg 1 conference=8 remote=198.18.0.53:4000 "
			  "local=40000\n",
			  ":2: leg 1: " A_IP " port 40000 is taken");
	run_ms(10);
	ck_assert_uint_eq(n_cmds, 0);
	ck_assert_ptr_nonnull(strstr(ctl("list"), "\"participants\":3,"));

	/* a conference of that name tutti-cp did not provision; one on
	 * another worker than the file's (a tutti-dp of two workers) */
	focus_stop();
	shm_region_detach(&dp);
	region_workers = 2;
	dp_create();
	snprintf(name, sizeof(name), "12");
	memcpy(cfg.names[cfg.n_names++], name, sizeof(name));
	focus_restart();
	n_cmds = 0;
	provision_refused("conference 7 ptime=40 talkers=2 limiter worker=1\n",
			  ":1: conference 7 runs on worker 0, not the file's "
			  "worker=1");
	provision_refused("conference 12\n",
			  ":1: conference 12: tutti-cp has a conference of "
			  "that name, not a provisioned one");
	run_ms(10);
	ck_assert_uint_eq(n_cmds, 0);
}
END_TEST

/* unprovision undoes its file: the legs another file added to the
 * conference (after a restart of tutti-cp here) stay, and the conference
 * with them; when the last file's legs go, the conference ends. A file
 * naming a conference and none of its legs ends it whole. */
START_TEST(test_focus_unprovision_keeps_other_files_legs)
{
	char first[sizeof(prov_path) + 8], more[sizeof(prov_path) + 8];
	const char *out;

	provision_ok(PROV_TWO);
	snprintf(first, sizeof(first), "%s.first", prov_path);
	snprintf(more, sizeof(more), "%s.more", prov_path);
	proc_unlink_at_exit(first);
	proc_unlink_at_exit(more);
	ck_assert_int_eq(rename(prov_path, first), 0);
	run_ms(20);
	/* a restarted tutti-cp knows the conference's parameters and its
	 * legs' ids from its state file */
	focus_stop();
	focus_restart();
	provision_refused("conference 7 ptime=40 talkers=2 limiter\n"
			  "leg 2 conference=7 remote=198.18.0.52:4000 "
			  "local=40010\n",
			  ":2: leg 2: conference 7 runs a leg 2 already");
	provision_ok(PROV_MORE);
	ck_assert_int_eq(rename(prov_path, more), 0);
	run_ms(20);
	n_cmds = 0;
	unprovision_says(first, "\"ended\":1,\"legs\":4,"
				"\"not_provisioned\":0,\"kept\":1}");
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 4);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_DESTROY), 1);	/* 8 */
	out = ctl("show 7");
	ck_assert_int_eq(test_count(out, "\"state\":\"connected\""), 2);
	ck_assert_ptr_nonnull(strstr(out, "prov:5@"));
	ck_assert_ptr_nonnull(strstr(out, "prov:6@"));
	ck_assert_ptr_null(strstr(out, "prov:1@"));
	unprovision_says(more, "\"ended\":1,\"legs\":2,"
			       "\"not_provisioned\":0,\"kept\":0}");
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 6);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_DESTROY), 2);
	ck_assert_ptr_null(strstr(ctl("list"), "{\"name\":\"7\""));

	/* a file with conference 7 and none of its legs ends it whole */
	provision_ok(PROV_TWO);
	run_ms(20);
	provision_ok(PROV_MORE);
	run_ms(20);
	prov_write("conference 7 ptime=40 talkers=2 limiter\n");
	unprovision_says(prov_path, "\"ended\":1,\"legs\":5,");
	ck_assert_ptr_null(strstr(ctl("list"), "{\"name\":\"7\""));
}
END_TEST

/* tuttictl capture: the leg's capture command to its worker (the packets
 * asked for, 1000 by default, 0 to stop; a new serial each time) and the
 * file tutti-dp will write; refused without tutti-dp's --capture-dir,
 * for a bad count, for whom tutti-dp does not run yet, for no one. */
START_TEST(test_focus_capture_asks_tutti_dp)
{
	const struct shm_msg *m;
	const char *out;
	char want[192];
	uint32_t leg;
	unsigned int serial;

	provision_ok(PROV_TWO);
	run_ms(20);
	leg = leg_add_at(40002)->body.leg.leg_id;
	n_cmds = 0;
	out = ctl("capture 7 prov:2@");
	ck_assert_msg(strstr(out, "runs without --capture-dir") != NULL, "%s",
		      out);
	snprintf(dp.hdr->capture_dir, sizeof(dp.hdr->capture_dir),
		 "/var/tmp/cap");
	out = ctl("capture 7 prov:2@");
	snprintf(want, sizeof(want), "\"packets\":1000,\"file\":"
		 "\"/var/tmp/cap/leg-%u-", leg);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_int_eq(sscanf(strstr(out, want) + strlen(want), "%u.pcap\"}",
				&serial), 1);
	snprintf(want, sizeof(want), "\"packets\":40,\"file\":"
		 "\"/var/tmp/cap/leg-%u-%u.pcap\"}", leg, (serial + 1) & 0xffff);
	out = ctl("capture 7 prov:2@ 40");
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	out = ctl("capture 7 prov:2@ stop");
	ck_assert_msg(strstr(out, "\"stopped\":true") != NULL, "%s", out);
	for (unsigned int i = 0; i < 3; i++) {
		const char *bad[] = { "0", "65536", "12x" };

		out = ctl("capture 7 prov:2@ %s", bad[i]);
		ck_assert_msg(strstr(out, "is no number of packets (1 to "
				     "65535) nor 'stop'") != NULL, "%s", out);
	}
	ck_assert_ptr_nonnull(strstr(ctl("capture 7 prov:9@"),
				     "no participant"));
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CAPTURE), 3);
	for (unsigned int i = 0; i < 3; i++) {
		m = cmd_of(SHM_CMD_CAPTURE, i);
		ck_assert_uint_eq(m->body.capture.leg_id, leg);
		ck_assert_uint_eq(m->body.capture.packets,
				  i == 0 ? 1000 : i == 1 ? 40 : 0);
		ck_assert_uint_eq(m->body.capture.serial,
				  (serial + i) & 0xffff);
		ck_assert_int_eq(shm_msg_validate(m), 0);
	}
	/* what tutti-dp says of its files, the newest first */
	out = ctl("captures");
	ck_assert_msg(strstr(out, "\"captures\":[]") != NULL, "%s", out);
	for (unsigned int i = 0; i < 2; i++) {
		struct shm_capture *sc = &dp.hdr->captures[i];

		sc->leg_id = i == 0 ? leg : 4242;
		sc->serial = (uint16_t)(serial + i);
		sc->state = i == 0 ? SHM_CAPTURE_DONE : SHM_CAPTURE_WRITING;
		sc->packets = i == 0 ? 1000 : 7;
	}
	out = ctl("captures");
	snprintf(want, sizeof(want), "{\"leg_id\":4242,\"serial\":%u,"
		 "\"state\":\"writing\",\"packets\":7,\"not_kept\":0,",
		 (serial + 1) & 0xffff);
	ck_assert_msg(strstr(out, want) == strstr(out, "{\"leg_id\""), "%s",
		      out);
	snprintf(want, sizeof(want), "\"state\":\"done\",\"packets\":1000,"
		 "\"not_kept\":0,\"file\":\"/var/tmp/cap/leg-%u-%u.pcap\","
		 "\"conference\":\"7\",\"from\":\"prov:2@", leg, serial);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);

	/* a leg tutti-dp has not answered for yet */
	dp_serve_off = true;
	provision_ok("conference 9\nleg 1 conference=9 "
		     "remote=198.18.0.53:4000 local=40020\n");
	run_ms(10);
	ck_assert_ptr_nonnull(strstr(ctl("capture 9 prov:1@"),
				     "is not connected yet"));
	dp_serve_off = false;
}
END_TEST

/* The index in cmds of the first command of type for leg_id. */
static unsigned int
cmd_index(uint16_t type, uint32_t leg_id)
{
	for (unsigned int i = 0; i < n_cmds; i++)
		if (cmds[i].hdr.type == type &&
		    (type == SHM_CMD_CAPTURE ? cmds[i].body.capture.leg_id
					     : cmds[i].body.leg.leg_id) ==
			    leg_id)
			return i;
	return UINT32_MAX;
}

/*
 * capture CONF next[:PART] [PACKETS|stop]: armed, the next participant
 * to join whose From has PART is captured from its first packet: its
 * CAPTURE right after its LEG_ADD, on the same ring; once. captures
 * lists it while it waits; stop disarms; refused without tutti-dp's
 * --capture-dir, and for a bad count.
 */
START_TEST(test_focus_capture_next_joins)
{
	const struct shm_msg *m;
	const char *out;
	struct call c;
	uint32_t leg;

	provision_ok("conference 7\n"
		     "leg 1 conference=7 remote=198.18.0.50:4000 local=40000\n");
	run_ms(20);
	out = ctl("capture 7 next");
	ck_assert_msg(strstr(out, "runs without --capture-dir") != NULL, "%s",
		      out);
	snprintf(dp.hdr->capture_dir, sizeof(dp.hdr->capture_dir),
		 "/var/tmp/cap");
	out = ctl("capture 7 next 0");
	ck_assert_msg(strstr(out, "is no number of packets") != NULL, "%s",
		      out);
	out = ctl("capture 7 next:prov:3@ 50");
	ck_assert_msg(strstr(out, "\"armed\":true,\"match\":\"prov:3@\","
			     "\"packets\":50}") != NULL, "%s", out);
	out = ctl("captures");
	ck_assert_msg(strstr(out, "\"armed\":[{\"conference\":\"7\","
			     "\"match\":\"prov:3@\",\"packets\":50}]") != NULL,
		      "%s", out);
	n_cmds = 0;
	provision_ok("conference 7\n"
		     "legs 2-3 conference=7 remote=198.18.0.50:4000 "
		     "local=40002\n");
	run_ms(20);
	ck_assert_ptr_nonnull(leg_add_at(40004));
	leg = leg_add_at(40004)->body.leg.leg_id;	/* prov:3@ */
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CAPTURE), 1);
	m = cmd_of(SHM_CMD_CAPTURE, 0);
	ck_assert_uint_eq(m->body.capture.leg_id, leg);
	ck_assert_uint_eq(m->body.capture.packets, 50);
	ck_assert_int_eq(shm_msg_validate(m), 0);
	ck_assert_uint_lt(cmd_index(SHM_CMD_LEG_ADD, leg),
			  cmd_index(SHM_CMD_CAPTURE, leg));
	ck_assert_msg(strstr(ctl("captures"), "\"armed\":[]") != NULL, "%s",
		      ctl("captures"));
	/* once: armed again and stopped, the next join is not captured */
	out = ctl("capture 7 next");
	ck_assert_msg(strstr(out, "\"match\":\"\",\"packets\":1000}") != NULL,
		      "%s", out);
	out = ctl("capture 7 next stop");
	ck_assert_msg(strstr(out, "\"armed\":false,\"was_armed\":true}") !=
		      NULL, "%s", out);
	n_cmds = 0;
	provision_ok("conference 7\n"
		     "leg 4 conference=7 remote=198.18.0.50:4000 local=40006\n");
	run_ms(20);
	ck_assert_ptr_nonnull(leg_add_at(40006));
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CAPTURE), 0);
	/* a participant who calls in over SIP */
	out = ctl("capture demo next 20");
	ck_assert_msg(strstr(out, "\"armed\":true,") != NULL, "%s", out);
	n_cmds = 0;
	ck_assert_int_eq(join(&c, 5), 200);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 1);
	leg = cmd_of(SHM_CMD_LEG_ADD, 0)->body.leg.leg_id;
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CAPTURE), 1);
	m = cmd_of(SHM_CMD_CAPTURE, 0);
	ck_assert_uint_eq(m->body.capture.leg_id, leg);
	ck_assert_uint_eq(m->body.capture.packets, 20);
	ck_assert_uint_lt(cmd_index(SHM_CMD_LEG_ADD, leg),
			  cmd_index(SHM_CMD_CAPTURE, leg));
}
END_TEST

/* show CONF [AFTER [COUNT]]: the participants by leg id, a page at a
 * time, with the next page's AFTER while one is left; bad arguments are
 * refused. */
START_TEST(test_focus_show_pages_by_leg_id)
{
	uint32_t id[3];
	const char *out;
	char want[128];

	provision_ok(PROV_TWO);
	run_ms(20);
	for (unsigned int i = 0; i < 3; i++)
		id[i] = leg_add_at((uint16_t)(40000 + 2 * i))->body.leg.leg_id;
	ck_assert_uint_lt(id[0], id[1]);
	ck_assert_uint_lt(id[1], id[2]);
	out = ctl("show 7");	/* all, by leg id (joined newest first) */
	ck_assert_msg(strstr(out, "\"total\":3,\"participants\":[") != NULL,
		      "%s", out);
	ck_assert_ptr_null(strstr(out, "\"next\""));
	snprintf(want, sizeof(want), "\"leg_id\":%u,", id[0]);
	ck_assert_ptr_nonnull(strstr(out, want));
	ck_assert_ptr_eq(strstr(out, want), strstr(out, "\"leg_id\""));
	ck_assert_int_eq(test_count(out, "\"leg_id\""), 3);
	out = ctl("show 7 0 2");
	snprintf(want, sizeof(want), "\"total\":3,\"next\":%u,", id[1]);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_int_eq(test_count(out, "\"leg_id\""), 2);
	out = ctl("show 7 %u 2", id[1]);
	ck_assert_ptr_null(strstr(out, "\"next\""));
	ck_assert_int_eq(test_count(out, "\"leg_id\""), 1);
	snprintf(want, sizeof(want), "\"leg_id\":%u,", id[2]);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	out = ctl("show 7 %u", id[2]);	/* past the last: none */
	ck_assert_msg(strstr(out, "\"participants\":[]") != NULL, "%s", out);
	for (unsigned int i = 0; i < 4; i++) {
		const char *bad[] = { "x", "-1", "0 0", "4294967296" };

		out = ctl("show 7 %s", bad[i]);
		ck_assert_msg(strstr(out, "\"error\":\"show: '") != NULL, "%s",
			      out);
	}
}
END_TEST

/* capture CONF all: the whole conference, into conf-CONF_ID-SERIAL.pcap
 * (default 1000 frames a participant); a participant's own capture is
 * refused while tutti-dp writes the conference's; captures lists it; a
 * 5.1 tutti-dp is not asked. */
START_TEST(test_focus_capture_takes_a_conference_whole)
{
	const struct shm_msg *m;
	const char *out;
	char want[192];
	uint32_t conf_id;
	unsigned int serial;

	provision_ok(PROV_TWO);
	run_ms(20);
	conf_id = leg_add_at(40002)->hdr.conf_id;
	snprintf(dp.hdr->capture_dir, sizeof(dp.hdr->capture_dir),
		 "/var/tmp/cap");
	n_cmds = 0;
	dp.hdr->ver_minor = 1;
	out = ctl("capture 7 all");
	ck_assert_msg(strstr(out, "speaks protocol 5.1: it captures single "
			     "participants") != NULL, "%s", out);
	dp.hdr->ver_minor = SHM_VER_MINOR;
	out = ctl("capture 7 all");
	snprintf(want, sizeof(want), "{\"ok\":true,\"leg_id\":0,"
		 "\"conference\":\"7\",\"packets\":3000,\"file\":"
		 "\"/var/tmp/cap/conf-%u-", conf_id);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_int_eq(sscanf(strstr(out, want) + strlen(want), "%u.pcap\"}",
				&serial), 1);
	out = ctl("capture 7 all 500");
	ck_assert_msg(strstr(out, "\"packets\":500,") != NULL, "%s", out);
	out = ctl("capture 7 all stop");
	ck_assert_msg(strstr(out, "{\"ok\":true,\"leg_id\":0,\"conference\":"
			     "\"7\",\"stopped\":true}") != NULL, "%s", out);
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CAPTURE), 3);
	for (unsigned int i = 0; i < 3; i++) {
		m = cmd_of(SHM_CMD_CAPTURE, i);
		ck_assert_uint_eq(m->hdr.conf_id, conf_id);
		ck_assert_uint_eq(m->body.capture.leg_id, 0);
		ck_assert_uint_eq(m->body.capture.packets,
				  i == 0 ? 3000 : i == 1 ? 500 : 0);
		ck_assert_uint_eq(m->body.capture.serial,
				  (serial + i) & 0xffff);
		ck_assert_int_eq(shm_msg_validate(m), 0);
	}
	/* tutti-dp writes it: listed; a participant's own is refused */
	dp.hdr->captures[0].leg_id = conf_id;
	dp.hdr->captures[0].conference = 1;
	dp.hdr->captures[0].serial = (uint16_t)(serial + 1);
	dp.hdr->captures[0].state = SHM_CAPTURE_WRITING;
	dp.hdr->captures[0].packets = 42;
	out = ctl("captures");
	snprintf(want, sizeof(want), "{\"leg_id\":0,\"conf_id\":%u,"
		 "\"serial\":%u,\"state\":\"writing\",\"packets\":42,"
		 "\"not_kept\":0,\"file\":\"/var/tmp/cap/conf-%u-%u.pcap\","
		 "\"conference\":\"7\"}", conf_id, (serial + 1) & 0xffff,
		 conf_id, (serial + 1) & 0xffff);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	out = ctl("capture 7 prov:2@");
	ck_assert_msg(strstr(out, "conference 7 is being captured whole") !=
		      NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(ctl("capture 8 prov:4@"), "\"ok\":true"));
	dp.hdr->captures[0].state = SHM_CAPTURE_DONE;
	ck_assert_ptr_nonnull(strstr(ctl("capture 7 prov:2@"), "\"ok\":true"));
}
END_TEST

/* A capture's file never replaces one in the directory: the serial skips
 * the names taken (it wraps at 65,536, and starts from the clock). */
START_TEST(test_focus_capture_skips_files_in_the_directory)
{
	char dir[] = "/tmp/tutti-capXXXXXX", path[2][64], want[160];
	const char *out;
	unsigned int serial;
	uint32_t leg;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	proc_unlink_at_exit(dir);
	provision_ok(PROV_TWO);
	run_ms(20);
	leg = leg_add_at(40002)->body.leg.leg_id;
	snprintf(dp.hdr->capture_dir, sizeof(dp.hdr->capture_dir), "%s", dir);
	out = ctl("capture 7 prov:2@ 10");
	snprintf(want, sizeof(want), "%s/leg-%u-", dir, leg);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_int_eq(sscanf(strstr(out, want) + strlen(want), "%u.pcap",
				&serial), 1);
	for (unsigned int i = 0; i < 2; i++) {	/* the next two are taken */
		snprintf(path[i], sizeof(path[i]), "%s/leg-%u-%u.pcap", dir,
			 leg, (serial + 1 + i) & 0xffff);
		proc_unlink_at_exit(path[i]);
		fp = fopen(path[i], "w");
		ck_assert_ptr_nonnull(fp);
		fclose(fp);
	}
	out = ctl("capture 7 prov:2@ 10");
	snprintf(want, sizeof(want), "\"file\":\"%s/leg-%u-%u.pcap\"", dir,
		 leg, (serial + 3) & 0xffff);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	run_ms(10);
	ck_assert_uint_eq(cmd_of(SHM_CMD_CAPTURE, 1)->body.capture.serial,
			  (serial + 3) & 0xffff);
	for (unsigned int i = 0; i < 2; i++)
		ck_assert_int_eq(unlink(path[i]), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* kick removes one provisioned leg, end the rest and the conference; the
 * RTP port comes free for SIP. */
START_TEST(test_focus_provision_kick_and_end_remove_them)
{
	const struct shm_msg *m;
	const char *out;
	struct call c;
	uint32_t conf_id;

	provision_ok(PROV_TWO);
	run_ms(20);
	conf_id = leg_add_at(40002)->hdr.conf_id;
	out = ctl("kick 7 prov:2@");
	ck_assert_msg(strstr(out, "\"ok\":true") != NULL, "%s", out);
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 1);
	m = cmd_of(SHM_CMD_LEG_REMOVE, 0);
	ck_assert_uint_eq(m->body.leg.leg_id, leg_add_at(40002)->body.leg.leg_id);
	ck_assert_ptr_nonnull(strstr(ctl("list"), "\"participants\":2"));
	out = ctl("end 7");
	ck_assert_msg(strstr(out, "\"hung_up\":2") != NULL, "%s", out);
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 3);
	m = cmd_of(SHM_CMD_CONF_DESTROY, 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->hdr.conf_id, conf_id);
	ck_assert_ptr_null(strstr(ctl("list"), "{\"name\":\"7\""));
	ck_assert_ptr_nonnull(strstr(ctl("show 7"), "no conference '7'"));
	/* conference 8's leg holds 30000 until it goes */
	ck_assert_ptr_nonnull(strstr(ctl("end 8"), "\"hung_up\":1"));
	run_ms(10);
	ck_assert_int_eq(join(&c, 0), 200);
	ck_assert_uint_eq(c.m_port, 30000);
}
END_TEST

/* unprovision ends the conferences its file names, their legs at once;
 * again, it finds none; a conference of the same name not provisioned is
 * left alone. */
START_TEST(test_focus_unprovision_ends_the_files_conferences)
{
	const char *out;

	provision_ok(PROV_TWO);
	run_ms(20);
	out = ctl("unprovision %s", prov_path);
	ck_assert_msg(strstr(out, "\"ended\":2,\"legs\":4,"
			     "\"not_provisioned\":0") != NULL, "%s", out);
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 4);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_DESTROY), 2);
	ck_assert_ptr_null(strstr(ctl("list"), "\"provisioned\":true"));
	out = ctl("unprovision %s", prov_path);
	ck_assert_msg(strstr(out, "\"ended\":0,\"legs\":0,"
			     "\"not_provisioned\":2") != NULL, "%s", out);
	provision_ok("conference 7\n");	/* no legs: ends at once */
	ck_assert_ptr_nonnull(strstr(ctl("unprovision %s", prov_path),
				     "\"ended\":1"));
	ck_assert_ptr_null(strstr(ctl("list"), "{\"name\":\"7\""));
	ck_assert_ptr_nonnull(strstr(ctl("unprovision /nonexistent/x"),
				     "\"error\":"));
}
END_TEST

/* A leg tutti-dp refuses goes; the others stay. */
START_TEST(test_focus_provision_a_refused_leg_goes)
{
	const char *out;

	refuse_port = 40002;
	provision_ok(PROV_TWO);
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 4);
	out = ctl("show 7");
	ck_assert_int_eq(test_count(out, "\"state\":\"connected\""), 2);
	ck_assert_ptr_null(strstr(out, "prov:2@"));
	ck_assert_uint_eq(cp_focus_stats(focus)->dp_errors, 1);
}
END_TEST

/* A conference tutti-dp refuses goes with its legs; the other stays. */
START_TEST(test_focus_provision_a_refused_conference_goes)
{
	const char *out;

	refuse_ptime = 40;	/* conference 7 */
	provision_ok(PROV_TWO);
	run_ms(20);
	ck_assert_uint_ne(refused_conf_id, 0);
	out = ctl("list");
	ck_assert_ptr_null(strstr(out, "{\"name\":\"7\""));
	ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"8\""));
	ck_assert_int_eq(test_count(ctl("show 8"), "\"state\":\"connected\""),
			 1);
	ck_assert_uint_eq(cp_focus_stats(focus)->dp_errors, 1 + 3);
}
END_TEST

/* 500 legs in conference 1, local ports 40000-40998, handed to tutti-cp
 * (more than the small ring's 64 slots). */
static void
prov_500(void)
{
	ck_assert_ptr_nonnull(strstr(provision("conference 1\n"
					       "legs 1-500 conference=1 "
					       "remote=198.18.0.50:4000 "
					       "local=40000\n"),
				     "\"n_legs\":500"));
}

/* More legs than the ring holds: sent as tutti-dp takes them, all of
 * them, none lost or sent twice. */
START_TEST(test_focus_provision_waits_for_room_on_the_ring)
{
	uint64_t end = proc_now_ms() + WAIT_MS;

	prov_500();
	/* the first batch went at once, short of what the ring holds */
	ck_assert_uint_lt(shm_ring_count(shm_region_cmd_ring(&dp, 0)), 64);
	while (n_leg_cmds(SHM_CMD_LEG_ADD) < 500 && proc_now_ms() < end)
		step();
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 500);
	ck_assert_int_eq(test_count(ctl("show 1"), "\"state\":\"connected\""),
			 500);
	for (uint16_t port = 40000; port < 41000; port += 2)
		ck_assert_ptr_nonnull(leg_add_at(port));
	ck_assert_uint_eq(cp_focus_stats(focus)->dp_errors, 0);
}
END_TEST

/* The legs the stand-in tutti-dp runs. */
static unsigned int
n_active(void)
{
	uint32_t n;
	const struct shm_leg_entry *e = shm_region_legs(&dp, 0, &n);
	unsigned int k = 0;

	for (uint32_t i = 0; i < n; i++)
		k += e[i].state == SHM_LEG_ACTIVE;
	return k;
}

/* Ending more legs than the ring holds: every LEG_REMOVE goes, in order,
 * after them the CONF_DESTROY; tutti-dp is left with none. */
START_TEST(test_focus_unprovision_waits_for_room_on_the_ring)
{
	uint64_t end;

	prov_500();
	end = proc_now_ms() + WAIT_MS;
	while (n_active() < 500 && proc_now_ms() < end)
		step();
	ck_assert_uint_eq(n_active(), 500);
	ck_assert_ptr_nonnull(strstr(ctl("unprovision %s", prov_path),
				     "\"ended\":1,\"legs\":500"));
	end = proc_now_ms() + WAIT_MS;
	while (n_leg_cmds(SHM_CMD_CONF_DESTROY) == 0 && proc_now_ms() < end)
		step();
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 500);
	ck_assert_uint_eq(n_active(), 0);
	ck_assert_uint_eq(cmds[n_cmds - 1].hdr.type, SHM_CMD_CONF_DESTROY);
	ck_assert_uint_eq(cp_focus_stats(focus)->dp_errors, 0);
}
END_TEST

/* Answers longer than their first buffer grow: show of 500 legs (about
 * 200 kB) whole, each leg with its own counters, and the Prometheus
 * exposition with a sample of each leg, labelled with its conference,
 * ending with a whole line. */
START_TEST(test_focus_long_answers_grow)
{
	uint64_t end = proc_now_ms() + WAIT_MS;
	char *buf = malloc(64);
	size_t cap = 64, n;
	const char *out;

	ck_assert_ptr_nonnull(buf);
	prov_500();
	while (n_active() < 500 && proc_now_ms() < end)
		step();
	for (uint16_t port = 40000; port < 41000; port += 2) {
		uint32_t id = leg_add_at(port)->body.leg.leg_id;

		dp_rx(id, 1000 + id);	/* each its own count */
	}
	out = ctl("show 1");
	ck_assert_uint_gt(strlen(out), 100000);
	ck_assert_int_eq(test_count(out, "\"state\":\"connected\""), 500);
	ck_assert_str_eq(out + strlen(out) - 3, "]}}");
	for (uint16_t port = 40000; port < 41000; port += 2) {
		uint32_t id = leg_add_at(port)->body.leg.leg_id;
		char key[32], rx[32];
		const char *rec, *rec_end;

		snprintf(key, sizeof(key), "{\"leg_id\":%u,", id);
		snprintf(rx, sizeof(rx), "\"rx_pkts\":%u,", 1000 + id);
		rec = strstr(out, key);
		ck_assert_ptr_nonnull(rec);
		rec_end = strchr(rec, '}');
		ck_assert_msg(strstr(rec, rx) != NULL && strstr(rec, rx) < rec_end,
			      "leg %u: %.*s", id, (int)(rec_end - rec), rec);
	}
	n = cp_focus_metrics(focus, &buf, &cap);
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_uint_gt(cap, 64);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_int_eq(test_count(buf, "tutti_leg_concealed_ticks_total{"
					 "conference=\"1\",leg="), 500);
	free(buf);
}
END_TEST

/* tutti-cp restarts: its provisioned legs are taken over from the state
 * file (nothing removed, nothing sent again), still muted by the
 * operator, and are kicked as before. */
START_TEST(test_focus_provision_survives_a_restart)
{
	char text[8192];
	const char *out;

	provision_ok(PROV_TWO);
	run_ms(20);
	ck_assert_ptr_nonnull(strstr(ctl("mute 7 prov:1@"), "\"muted\":true"));
	run_ms(10);
	focus_stop();
	test_read_file(state_path, text, sizeof(text));
	ck_assert_int_eq(test_count(text, " prov=1"), 2 + 4);
	ck_assert_int_eq(test_count(text, " ptime=40 talkers=2 cflags=1"), 1);
	focus_restart();
	ck_assert_uint_eq(n_cmds, 0);
	out = ctl("show 7");
	ck_assert_int_eq(test_count(out, "\"state\":\"connected\""), 3);
	ck_assert_ptr_nonnull(strstr(ctl("list"), "\"provisioned\":true"));
	ck_assert_ptr_nonnull(strstr(ctl("kick 7 prov:3@"), "\"ok\":true"));
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 1);
	ck_assert_ptr_nonnull(strstr(ctl("show 7"), "\"muted\":true"));
}
END_TEST

/* A provisioned conference with no legs outlives a restart of tutti-cp
 * (it stays until the operator ends it). */
START_TEST(test_focus_provision_an_empty_conference_stays)
{
	provision_ok("conference 7 ptime=40\n");
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_CREATE), 1);
	focus_stop();
	focus_restart();
	ck_assert_uint_eq(n_cmds, 0);
	ck_assert_ptr_nonnull(strstr(ctl("list"), "{\"name\":\"7\""));
	ck_assert_ptr_nonnull(strstr(ctl("end 7"), "\"hung_up\":0"));
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_DESTROY), 1);
	ck_assert_ptr_null(strstr(ctl("list"), "{\"name\":\"7\""));
}
END_TEST

/* tutti-cp restarts over a new tutti-dp (a new region generation): the
 * provisioned legs and their conferences are sent to it again. */
START_TEST(test_focus_provision_goes_again_to_a_new_tutti_dp)
{
	const struct shm_msg *c7 = NULL;

	provision_ok(PROV_TWO);
	run_ms(20);
	focus_stop();
	shm_region_detach(&dp);
	dp_create();
	focus_restart();
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_CREATE), 2);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 4);
	for (unsigned int i = 0; i < 2; i++)
		if (cmd_of(SHM_CMD_CONF_CREATE, i)->body.conf.ptime_ms == 40)
			c7 = cmd_of(SHM_CMD_CONF_CREATE, i);
	ck_assert_ptr_nonnull(c7);
	ck_assert_uint_eq(c7->body.conf.n_talkers, 2);
	ck_assert_uint_eq(leg_add_at(40004)->hdr.conf_id, c7->hdr.conf_id);
	ck_assert(leg_add_at(30000)->body.leg.flags & SHM_LEG_MUTE);
	ck_assert_int_eq(test_count(ctl("show 7"), "\"state\":\"connected\""),
			 3);
}
END_TEST

#define PROV_SRTP							\
	"conference 9\n"						\
	"leg 1 conference=9 remote=198.18.0.52:6000 local=31000 "	\
	"srtp=AES_CM_128_HMAC_SHA1_32 "					\
	"srtp-key-in=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e "		\
	"srtp-key-out=ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGC\n"

/* A provisioned SRTP leg, tutti-cp and tutti-dp both new: its keys from
 * the state file go to the new tutti-dp after its leg, which sends with
 * another SSRC (the same key must not start its index again on the same
 * SSRC). */
START_TEST(test_focus_provision_srtp_keys_to_a_new_tutti_dp)
{
	const struct shm_msg *l, *k;
	uint32_t ssrc;

	provision_ok(PROV_SRTP);
	run_ms(20);
	ssrc = leg_add_at(31000)->body.leg.ssrc;
	focus_stop();
	shm_region_detach(&dp);
	dp_create();
	focus_restart();
	l = leg_add_at(31000);
	ck_assert_ptr_nonnull(l);
	ck_assert(l->body.leg.flags & SHM_LEG_SRTP);
	ck_assert_uint_ne(l->body.leg.ssrc, ssrc);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 2);
	for (unsigned int dir = 0; dir < 2; dir++) {
		k = cmd_of(SHM_CMD_LEG_SRTP, dir);
		ck_assert(k > l);
		ck_assert_uint_eq(k->body.srtp.leg_id, l->body.leg.leg_id);
		ck_assert_uint_eq(k->body.srtp.dir, dir);
		ck_assert_uint_eq(k->body.srtp.key[0],
				  dir == SHM_SRTP_RX ? 1 : 101);
		ck_assert_uint_eq(k->body.srtp.key[SHM_SRTP_KEY_BYTES - 1],
				  dir == SHM_SRTP_RX ? 30 : 130);
	}
}
END_TEST

#define PROV_TIMEOUT							\
	"conference 7\n"						\
	"conference 8\n"						\
	"legs 1-3 conference=7 remote=198.18.0.50:4000 local=40000 "	\
	"timeout=1\n"							\
	"legs 4-5 conference=8 remote=198.18.0.51:5000 local=30000 "	\
	"timeout=1\n"

/* A provisioned leg whose media times out goes at once (no call to hang
 * up), and its conference with its last leg; counted as a timeout. */
START_TEST(test_focus_provision_media_timeout_removes_legs)
{
	uint32_t c7, c8;

	provision_ok(PROV_TIMEOUT);
	run_ms(20);
	ck_assert_uint_eq(leg_add_at(40000)->body.leg.timeout_ms, 1);
	c7 = leg_add_at(40000)->hdr.conf_id;
	c8 = leg_add_at(30000)->hdr.conf_id;
	for (uint16_t port = 40000; port <= 40004; port += 2)
		dp_media_timeout(c7, leg_add_at(port)->body.leg.leg_id, 5);
	dp_media_timeout(c8, leg_add_at(30002)->body.leg.leg_id, 5);
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 4);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_DESTROY), 1);
	ck_assert_uint_eq(cmd_of(SHM_CMD_CONF_DESTROY, 0)->hdr.conf_id, c7);
	ck_assert_ptr_null(strstr(ctl("list"), "{\"name\":\"7\""));
	ck_assert_int_eq(test_count(ctl("show 8"), "\"state\":\"connected\""),
			 1);
	ck_assert_ptr_nonnull(strstr(ctl("stats"), "\"timeouts\":4,"));
}
END_TEST

/* tutti-cp restarts while media is gone: a media timeout after the
 * takeover, the provisioned legs that have received nothing since go,
 * and the one that has stays. */
START_TEST(test_focus_provision_no_media_after_a_restart)
{
	uint64_t end;
	uint32_t heard;

	provision_ok(PROV_TIMEOUT);
	run_ms(20);
	heard = leg_add_at(30000)->body.leg.leg_id;
	focus_stop();
	focus_restart();
	ck_assert_uint_eq(n_cmds, 0);
	dp_rx(heard, 1);
	/* the check comes a timeout and a second after the takeover */
	end = proc_now_ms() + 5000;
	while (n_leg_cmds(SHM_CMD_LEG_REMOVE) < 4 && proc_now_ms() < end)
		run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 4);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_DESTROY), 1);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_uint_ne(leg_cmd(SHM_CMD_LEG_REMOVE, i)->leg_id,
				  heard);
	ck_assert_int_eq(test_count(ctl("show 8"), "\"state\":\"connected\""),
			 1);
	ck_assert_ptr_nonnull(strstr(ctl("stats"), "\"timeouts\":4,"));
}
END_TEST

/* tutti-dp's answers and events find each leg by its id while legs come
 * and go (the index of legs: its growth, and removals in any order):
 * 500 legs taken, every third kicked in a scrambled order, then the
 * others' media timeouts in another: each leg removed once. */
START_TEST(test_focus_provision_legs_found_by_id_as_they_come_and_go)
{
	static bool removed[501];
	uint32_t id_of[501], n_kicked = 0;
	uint64_t end = proc_now_ms() + WAIT_MS;

	prov_500();
	while (n_leg_cmds(SHM_CMD_LEG_ADD) < 500 && proc_now_ms() < end)
		step();
	run_ms(10);
	ck_assert_int_eq(test_count(ctl("show 1"), "\"state\":\"connected\""),
			 500);
	for (uint32_t i = 1; i <= 500; i++)
		id_of[i] = leg_add_at((uint16_t)(40000 + 2 * (i - 1)))->
				   body.leg.leg_id;
	for (uint32_t k = 0; k < 500; k++) {	/* 7919 is prime: each once */
		uint32_t i = k * 7919 % 500 + 1;
		const char *out;

		if (i % 3 != 0)
			continue;
		out = ctl("kick 1 prov:%u@", i);
		ck_assert_msg(strstr(out, "\"ok\":true") != NULL, "%s", out);
		n_kicked++;
		if (n_kicked % 16 == 0)
			run_ms(1);
	}
	run_ms(10);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), n_kicked);
	for (uint32_t k = 0; k < 500; k++) {
		uint32_t i = (k * 104729 + 17) % 500 + 1;

		if (i % 3 != 0)
			dp_media_timeout(leg_add_at(40000)->hdr.conf_id,
					 id_of[i], 5);
		if (k % 64 == 0)
			run_ms(1);
	}
	end = proc_now_ms() + WAIT_MS;
	while (n_leg_cmds(SHM_CMD_LEG_REMOVE) < 500 && proc_now_ms() < end)
		step();
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_REMOVE), 500);
	for (uint32_t k = 0; k < 500; k++) {
		uint32_t id = leg_cmd(SHM_CMD_LEG_REMOVE, k)->leg_id, i;

		for (i = 1; i <= 500 && id_of[i] != id; i++)
			;
		ck_assert_uint_le(i, 500);
		ck_assert_msg(!removed[i], "leg %u removed twice", i);
		removed[i] = true;
	}
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_CONF_DESTROY), 1);
	ck_assert_ptr_nonnull(strstr(ctl("stats"), "\"timeouts\":334,"));
}
END_TEST

/* Conferences 1..n (each with one leg, local port 40000 + 2 * (i - 1)),
 * or every third of them (i % 3 == 0), handed to tutti-cp. */
static void
prov_confs(uint32_t n, bool thirds)
{
	static char text[64 * 1024];
	size_t off = 0;

	for (uint32_t i = 1; i <= n; i++)
		if (!thirds || i % 3 == 0)
			off += (size_t)snprintf(text + off, sizeof(text) - off,
				"conference %u\nleg %u conference=%u "
				"remote=198.18.0.50:4000 local=%u\n", i, i, i,
				40000 + 2 * (i - 1));
	ck_assert_uint_lt(off, sizeof(text) - 1);
	provision_ok(text);
}

/* Conference i is there (show finds it, its leg connected) or not. */
static void
assert_conf(uint32_t i, bool there)
{
	const char *out = ctl("show %u", i);

	if (there)
		ck_assert_msg(strstr(out, "\"state\":\"connected\"") != NULL,
			      "conference %u: %s", i, out);
	else
		ck_assert_msg(strstr(out, "no conference") != NULL,
			      "conference %u: %s", i, out);
}

/* Conferences are found by name while they come and go (the index of
 * names: its growth past 256 and 512, removals from the middle of its
 * chains, names used again): 600 made, every third ended in a scrambled
 * order, the others still found and the ended not, the ended made again. */
START_TEST(test_focus_conferences_found_by_name_as_they_come_and_go)
{
	uint64_t end = proc_now_ms() + WAIT_MS;
	int standing = test_count(ctl("list"), "{\"name\":");

	prov_confs(600, false);
	while (n_leg_cmds(SHM_CMD_LEG_ADD) < 600 && proc_now_ms() < end)
		step();
	run_ms(10);
	for (uint32_t k = 0; k < 600; k++)
		assert_conf(k * 7919 % 600 + 1, true);
	for (uint32_t k = 0; k < 600; k++) {
		uint32_t i = k * 104729 % 600 + 1;

		if (i % 3 == 0)
			ck_assert_ptr_nonnull(strstr(ctl("end %u", i),
						     "\"hung_up\":1"));
	}
	run_ms(10);
	for (uint32_t i = 1; i <= 600; i++)
		assert_conf(i, i % 3 != 0);
	ck_assert_int_eq(test_count(ctl("list"), "{\"name\":"), standing + 400);
	prov_confs(600, true);
	end = proc_now_ms() + WAIT_MS;
	while (n_leg_cmds(SHM_CMD_LEG_ADD) < 800 && proc_now_ms() < end)
		step();
	run_ms(10);
	for (uint32_t i = 1; i <= 600; i++)
		assert_conf(i, true);
	ck_assert_int_eq(test_count(ctl("list"), "{\"name\":"), standing + 600);
}
END_TEST

static void
setup_prov_small_ring(void)
{
	region_slots = 64;
	region_legs = 1024;
	setup_with(A_IP, true);
	region_slots = 1024;
	region_legs = 64;
}

/* A worker's DTMF digits lost, SRTP packets refused and SRTP allocations
 * outside their blocks (tutti-dp's shm_worker_stats.dtmf_lost,
 * srtp_drops, srtp_spills) in the JSON status and in the metrics. */
START_TEST(test_focus_stats_say_dtmf_lost)
{
	struct shm_worker_stats *ws = shm_region_stats(&dp, 0);
	char *buf = malloc(64);
	size_t cap = 64;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(strstr(ctl("stats"), "\"dtmf_lost\":0,"));
	ck_assert_ptr_nonnull(strstr(ctl("stats"), "\"srtp_drops\":0,"
					  "\"srtp_spills\":0,"));
	shm_pub_begin(&ws->pub_seq);
	ws->dtmf_lost = 3;
	ws->srtp_drops = 5;
	ws->srtp_spills = 7;
	shm_pub_end(&ws->pub_seq);
	ck_assert_ptr_nonnull(strstr(ctl("stats"), "\"dtmf_lost\":3,"));
	ck_assert_ptr_nonnull(strstr(ctl("stats"), "\"srtp_drops\":5,"
					  "\"srtp_spills\":7,"));
	cp_focus_metrics(focus, &buf, &cap);
	ck_assert_msg(strstr(buf, "\ntutti_worker_dtmf_lost_total"
			      "{worker=\"0\"} 3\n") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "\ntutti_worker_srtp_drops_total"
			      "{worker=\"0\"} 5\n") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "\ntutti_worker_srtp_spills_total"
			      "{worker=\"0\"} 7\n") != NULL, "%s", buf);
	free(buf);
}
END_TEST

/* cp_focus_new() takes 1 to 16 addresses. */
START_TEST(test_focus_new_checks_the_address_count)
{
	struct cp_focus_cfg c;
	struct cp_dpctl dc;
	struct cp_focus *f = NULL;

	cp_dpctl_init(&dc, NULL, NULL);
	cp_focus_cfg_init(&c);
	c.n_media_addr = 0;
	ck_assert_int_eq(cp_focus_new(&f, &c, &dc), -EINVAL);
	c.n_media_addr = CP_CONF_MAX_MEDIA_ADDR + 1;
	ck_assert_int_eq(cp_focus_new(&f, &c, &dc), -EINVAL);
	c.n_media_addr = CP_CONF_MAX_MEDIA_ADDR;
	ck_assert_int_eq(cp_focus_new(&f, &c, &dc), 0);
	cp_focus_free(f);
}
END_TEST

/* The bytes of a base64 SDES key (through cp_sdp_own_key()). */
static void
key_of(const char *b64, uint8_t key[SHM_SRTP_KEY_BYTES])
{
	char sdp[128];

	snprintf(sdp, sizeof(sdp), "v=0\r\na=crypto:1 S inline:%s\r\n", b64);
	ck_assert_int_eq(cp_sdp_own_key(sdp, key), 0);
}

/* LEG_SRTP k (of the commands so far) is for leg with dir, suite, key. */
static void
srtp_cmd_is(unsigned int k, uint32_t leg, uint8_t dir, uint8_t suite,
	    const uint8_t key[SHM_SRTP_KEY_BYTES])
{
	const struct shm_msg *m = cmd_of(SHM_CMD_LEG_SRTP, k);

	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->body.srtp.leg_id, leg);
	ck_assert_uint_eq(m->body.srtp.dir, dir);
	ck_assert_uint_eq(m->body.srtp.suite, suite);
	ck_assert_int_eq(memcmp(m->body.srtp.key, key, SHM_SRTP_KEY_BYTES), 0);
}

/*
 * SRTP's keys to tutti-dp (--srtp-keys-in-clear lets this UDP phone carry
 * them): an RTP/SAVP offer whose first a=crypto has a suite the focus does
 * not run gets RTP/SAVP and the focus's a=crypto with the second's tag and
 * suite; the LEG_ADD has SHM_LEG_SRTP and two LEG_SRTP follow it, rx the
 * phone's key, tx the focus's. A re-INVITE offering the same keeps the
 * focus's key and sends both again unchanged (tutti-dp keeps them); one
 * with a new key changes rx only; one with plain RTP clears the flag and
 * sends none; tuttictl show says the suite, then none.
 */
START_TEST(test_focus_srtp_keys_to_tutti_dp)
{
	static const char k1[] = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	static const char k2[] = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk";
	static const uint8_t s32 = SHM_SRTP_AES_CM_128_HMAC_SHA1_32;
	uint8_t want1[SHM_SRTP_KEY_BYTES], want2[SHM_SRTP_KEY_BYTES];
	uint8_t ours[SHM_SRTP_KEY_BYTES], again[SHM_SRTP_KEY_BYTES];
	char fmts[256], msg[4096];
	uint32_t leg;
	struct call c;

	focus_stop();
	cfg.sdp.srtp = CP_SDP_SRTP_OPTIONAL;
	cfg.srtp_keys_in_clear = true;
	focus_restart();
	key_of(k1, want1);
	key_of(k2, want2);
	phone_proto = "RTP/SAVP";
	snprintf(fmts, sizeof(fmts), "0\r\na=crypto:3 AES_256_CM_HMAC_SHA1_80 "
		 "inline:%s%s\r\na=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:%s",
		 k1, "QUJD", k1);
	phone_fmts = fmts;
	ck_assert_int_eq(join_into(&c, 0, msg, sizeof(msg)), 200);
	ck_assert_msg(strstr(msg, " RTP/SAVP 0\r\n") != NULL &&
		      strstr(msg, "\r\na=crypto:7 AES_CM_128_HMAC_SHA1_32 "
			     "inline:") != NULL &&
		      strstr(msg, "a=crypto:3") == NULL, "%s", msg);
	ck_assert_int_eq(cp_sdp_own_key(strstr(msg, "\r\n\r\n"), ours), 0);
	ck_assert_int_ne(memcmp(ours, want1, sizeof(ours)), 0);
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 1);
	ck_assert(leg_cmd(SHM_CMD_LEG_ADD, 0)->flags & SHM_LEG_SRTP);
	leg = leg_cmd(SHM_CMD_LEG_ADD, 0)->leg_id;
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 2);
	srtp_cmd_is(0, leg, SHM_SRTP_RX, s32, want1);
	srtp_cmd_is(1, leg, SHM_SRTP_TX, s32, ours);
	ck_assert_msg(strstr(ctl("show demo"),
			     "\"srtp\":\"AES_CM_128_HMAC_SHA1_32\"") != NULL,
		      "%s", ctl("show demo"));

	/* the same offer again: the same answer's key, the same keys */
	ck_assert_int_eq(reinvite_into(&c, 40000, msg, sizeof(msg)), 200);
	ck_assert_int_eq(cp_sdp_own_key(strstr(msg, "\r\n\r\n"), again), 0);
	ck_assert_int_eq(memcmp(again, ours, sizeof(ours)), 0);
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 4);
	srtp_cmd_is(2, leg, SHM_SRTP_RX, s32, want1);
	srtp_cmd_is(3, leg, SHM_SRTP_TX, s32, ours);

	/* the phone's new key: rx changes, tx stays */
	snprintf(fmts, sizeof(fmts), "0\r\na=crypto:7 AES_CM_128_HMAC_SHA1_32 "
		 "inline:%s", k2);
	ck_assert_int_eq(reinvite(&c, 40000), 200);
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 6);
	srtp_cmd_is(4, leg, SHM_SRTP_RX, s32, want2);
	srtp_cmd_is(5, leg, SHM_SRTP_TX, s32, ours);

	/* plain RTP: the flag off, no keys */
	phone_proto = "RTP/AVP";
	phone_fmts = "0";
	ck_assert_int_eq(reinvite(&c, 40000), 200);
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_UPDATE), 3);
	ck_assert_uint_eq(leg_cmd(SHM_CMD_LEG_UPDATE, 2)->flags & SHM_LEG_SRTP,
			  0);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 6);
	ck_assert_msg(strstr(ctl("show demo"), "\"srtp\":\"none\"") != NULL,
		      "%s", ctl("show demo"));
}
END_TEST

/* A new tutti-dp while tutti-cp runs (as tutti-cp's main loop meets
 * one): what it needs of the old one's leg table kept, the region made
 * again, attached, the media checked, told all. */
static void
dp_new(void)
{
	char err[256];

	dp_serve();
	cp_focus_dp_lost(focus);
	cp_dpctl_detach(&d);
	shm_region_detach(&dp);
	dp_create();
	ck_assert_msg(cp_dpctl_attach(&d, region_name, shm_now_ns(), err,
				      sizeof(err)) == 0, "%s", err);
	cp_focus_check_media(focus);
	cp_focus_replay(focus);
	run_ms(20);
}

/* The last LEG_ADD of leg (NULL if none). */
static const struct shm_msg_leg *
last_add(uint32_t leg)
{
	const struct shm_msg_leg *l = NULL;

	for (unsigned int k = 0; k < n_leg_cmds(SHM_CMD_LEG_ADD); k++)
		if (leg_cmd(SHM_CMD_LEG_ADD, k)->leg_id == leg)
			l = leg_cmd(SHM_CMD_LEG_ADD, k);
	return l;
}

/* LEG_SRTP k has (index) or has not SHM_SRTP_F_INDEX and its fields. */
static void
srtp_index_is(unsigned int k, bool index, uint32_t ssrc, uint32_t roc,
	      uint16_t seq)
{
	const struct shm_msg_srtp *b = &cmd_of(SHM_CMD_LEG_SRTP, k)->body.srtp;

	ck_assert_uint_eq(b->flags, index ? SHM_SRTP_F_INDEX : 0);
	ck_assert_uint_eq(b->rx_ssrc, index ? ssrc : 0);
	ck_assert_uint_eq(b->rx_roc, index ? roc : 0);
	ck_assert_uint_eq(b->rx_seq, index ? seq : 0);
}

/*
 * A new tutti-dp starts its SRTP sessions afresh, their packet index
 * again from a new start: under the same key and SSRC that could repeat
 * keystream (RFC 3711 9.1), so the SRTP leg goes to it under a new SSRC
 * (a new keystream, the SSRC being in the IV), each time, with the same
 * keys; the plain leg keeps its SSRC; nothing goes to the phones. Where
 * the old tutti-dp's leg table said where the peer's stream was (its
 * rollover counter 3 here), the new one's rx key carries it
 * (SHM_SRTP_F_INDEX), once: the next new tutti-dp, whose table said
 * nothing, gets none; a plain leg's entry is not read for it. A tutti-cp
 * restarted in between knows the keys from its state file.
 */
START_TEST(test_focus_new_tutti_dp_gets_srtp_legs_anew)
{
	static const char k1[] = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	static const uint8_t s80 = SHM_SRTP_AES_CM_128_HMAC_SHA1_80;
	uint8_t want1[SHM_SRTP_KEY_BYTES], ours[SHM_SRTP_KEY_BYTES];
	char fmts[256], msg[4096];
	uint32_t leg, plain_leg, ssrc, plain_ssrc;
	struct call c, plain;

	focus_stop();
	cfg.sdp.srtp = CP_SDP_SRTP_OPTIONAL;
	cfg.srtp_keys_in_clear = true;
	focus_restart();
	key_of(k1, want1);
	phone_proto = "RTP/SAVP";
	snprintf(fmts, sizeof(fmts),
		 "0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s", k1);
	phone_fmts = fmts;
	ck_assert_int_eq(join_into(&c, 0, msg, sizeof(msg)), 200);
	ck_assert_int_eq(cp_sdp_own_key(strstr(msg, "\r\n\r\n"), ours), 0);
	phone_proto = "RTP/AVP";
	phone_fmts = "0";
	ck_assert_int_eq(join(&plain, 1), 200);
	run_ms(20);
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 2);
	leg = leg_cmd(SHM_CMD_LEG_ADD, 0)->leg_id;
	ssrc = leg_cmd(SHM_CMD_LEG_ADD, 0)->ssrc;
	plain_leg = leg_cmd(SHM_CMD_LEG_ADD, 1)->leg_id;
	plain_ssrc = leg_cmd(SHM_CMD_LEG_ADD, 1)->ssrc;
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 2);

	srtp_index_is(0, false, 0, 0, 0);
	dp_srtp_index(leg, 0xa0b0c0d0u, 3, 65000);
	dp_srtp_index(plain_leg, 1, 2, 3);
	for (unsigned int round = 1; round <= 2; round++) {
		dp_new();
		ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_ADD), 2 + 2 * round);
		ck_assert(last_add(leg)->flags & SHM_LEG_SRTP);
		ck_assert_uint_ne(last_add(leg)->ssrc, ssrc);
		ssrc = last_add(leg)->ssrc;
		ck_assert_uint_eq(last_add(plain_leg)->ssrc, plain_ssrc);
		ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 2 + 2 * round);
		srtp_cmd_is(2 * round, leg, SHM_SRTP_RX, s80, want1);
		srtp_index_is(2 * round, round == 1, 0xa0b0c0d0u, 3, 65000);
		srtp_cmd_is(2 * round + 1, leg, SHM_SRTP_TX, s80, ours);
		srtp_index_is(2 * round + 1, false, 0, 0, 0);
	}
	ck_assert_int_eq(test_count(ctl("show demo"), "\"state\":\"connected\""),
			 2);
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_requests, 0);

	/* tutti-cp restarts: the state file kept both keys and the suite,
	 * which the next new tutti-dp gets */
	focus_stop();
	focus_restart();
	ck_assert_msg(strstr(ctl("show demo"),
			     "\"srtp\":\"AES_CM_128_HMAC_SHA1_80\"") != NULL,
		      "%s", ctl("show demo"));
	dp_new();
	ck_assert_uint_eq(n_leg_cmds(SHM_CMD_LEG_SRTP), 2);
	srtp_cmd_is(0, leg, SHM_SRTP_RX, s80, want1);
	srtp_cmd_is(1, leg, SHM_SRTP_TX, s80, ours);
	ck_assert_uint_ne(last_add(leg)->ssrc, ssrc);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("focus");
	TCase *tc = tcase_create("two_addresses");

	tcase_add_checked_fixture(tc, setup_two, teardown);
	tcase_add_test(tc, test_focus_fills_first_address_then_next);
	tcase_add_test(tc, test_focus_refuses_when_every_pair_is_taken);
	tcase_add_test(tc, test_focus_skips_an_address_tutti_dp_does_not_own);
	tcase_add_test(tc, test_focus_reuses_a_pair_given_back_on_b);
	tcase_add_test(tc, test_focus_dial_out_offers_its_address);
	tcase_add_test(tc, test_focus_reinvite_keeps_the_address);
	tcase_add_test(tc, test_focus_gives_the_address_on_the_callers_link);
	tcase_add_test(tc, test_focus_dial_out_to_a_host_on_bs_link);
	tcase_add_test(tc, test_focus_restart_keeps_the_pairs_of_its_calls);
	suite_add_tcase(s, tc);

	tc = tcase_create("takeover");
	tcase_add_checked_fixture(tc, setup_two_stopped, teardown);
	tcase_add_test(tc, test_focus_takeover_reserves_running_pairs);
	tcase_add_test(tc, test_focus_unowned_leg_timeout_frees_its_pair);
	suite_add_tcase(s, tc);

	tc = tcase_create("one_address");
	tcase_add_checked_fixture(tc, setup_one, teardown);
	tcase_add_test(tc, test_focus_stats_say_dtmf_lost);
	tcase_add_test(tc, test_focus_srtp_keys_only_over_tls);
	tcase_add_test(tc, test_focus_srtp_keys_to_tutti_dp);
	tcase_add_test(tc, test_focus_new_tutti_dp_gets_srtp_legs_anew);
	tcase_add_test(tc, test_focus_one_address_leaves_local_addr_zero);
	tcase_add_test(tc, test_focus_second_cp_refused_while_the_first_beats);
	tcase_add_test(tc, test_focus_names_the_address_tutti_dp_owns);
	suite_add_tcase(s, tc);

	tc = tcase_create("dial_out");
	tcase_add_checked_fixture(tc, setup_one, teardown);
	tcase_add_test(tc, test_focus_dial_out_in_the_roster);
	tcase_add_test(tc, test_focus_kick_cancels_a_ringing_dial_out);
	tcase_add_test(tc, test_focus_answer_crossing_the_cancel_gets_a_bye);
	tcase_add_test(tc, test_focus_dial_with_its_own_ring_timeout);
	tcase_add_test(tc, test_focus_stop_cancels_ringing_dial_outs);
	suite_add_tcase(s, tc);

	tc = tcase_create("joining");
	tcase_add_checked_fixture(tc, setup_one, teardown);
	tcase_add_test(tc, test_focus_kick_turns_away_a_joining_dial_in);
	tcase_add_test(tc, test_focus_end_turns_away_a_joining_dial_in);
	tcase_add_test(tc, test_focus_refer_bye_turns_away_a_joining_dial_in);
	tcase_add_test(tc, test_focus_asserted_caller_refers_as_moderator);
	tcase_add_test(tc, test_focus_offer_in_200_answer_in_ack);
	tcase_add_test(tc, test_focus_offer_in_200_no_answer_hangs_up);
	tcase_add_test(tc, test_focus_reinvite_without_sdp);
	tcase_add_test(tc, test_focus_offer_in_200_kicked_before_ack);
	suite_add_tcase(s, tc);

	tc = tcase_create("ring_timeout");
	tcase_add_checked_fixture(tc, setup_short_ring, teardown);
	tcase_add_test(tc, test_focus_ring_timeout_cancels);
	suite_add_tcase(s, tc);

	tc = tcase_create("session_timer");
	tcase_add_checked_fixture(tc, setup_short_timers, teardown);
	tcase_add_test(tc, test_focus_follows_the_answer_to_its_refresh);
	tcase_add_test(tc, test_focus_restart_refreshes_by_reinvite);
	suite_add_tcase(s, tc);

	tc = tcase_create("provision");
	tcase_add_checked_fixture(tc, setup_one, teardown);
	tcase_add_test(tc, test_focus_provision_sends_conferences_and_legs);
	tcase_add_test(tc, test_focus_provision_refuses_with_the_files_line);
	tcase_add_test(tc, test_focus_provision_adds_legs_to_a_running_conference);
	tcase_add_test(tc, test_focus_provision_srtp_keys);
	tcase_add_test(tc, test_focus_provision_srtp_keys_to_a_new_tutti_dp);
	tcase_add_test(tc,
		test_focus_provision_refuses_what_a_running_conference_cannot_take);
	tcase_add_test(tc, test_focus_unprovision_keeps_other_files_legs);
	tcase_add_test(tc, test_focus_provision_kick_and_end_remove_them);
	tcase_add_test(tc, test_focus_capture_asks_tutti_dp);
	tcase_add_test(tc, test_focus_capture_next_joins);
	tcase_add_test(tc, test_focus_show_pages_by_leg_id);
	tcase_add_test(tc, test_focus_capture_takes_a_conference_whole);
	tcase_add_test(tc, test_focus_capture_skips_files_in_the_directory);
	tcase_add_test(tc, test_focus_provision_a_refused_leg_goes);
	tcase_add_test(tc, test_focus_unprovision_ends_the_files_conferences);
	tcase_add_test(tc, test_focus_provision_a_refused_conference_goes);
	tcase_add_test(tc, test_focus_provision_survives_a_restart);
	tcase_add_test(tc, test_focus_provision_an_empty_conference_stays);
	tcase_add_test(tc, test_focus_provision_goes_again_to_a_new_tutti_dp);
	tcase_add_test(tc, test_focus_provision_media_timeout_removes_legs);
	tcase_add_test(tc, test_focus_provision_no_media_after_a_restart);
	suite_add_tcase(s, tc);

	tc = tcase_create("provision_ring");
	tcase_add_checked_fixture(tc, setup_prov_small_ring, teardown);
	tcase_add_test(tc, test_focus_provision_waits_for_room_on_the_ring);
	tcase_add_test(tc, test_focus_unprovision_waits_for_room_on_the_ring);
	tcase_add_test(tc,
		       test_focus_provision_legs_found_by_id_as_they_come_and_go);
	tcase_add_test(tc,
		       test_focus_conferences_found_by_name_as_they_come_and_go);
	tcase_add_test(tc, test_focus_long_answers_grow);
	suite_add_tcase(s, tc);

	tc = tcase_create("media_ip");
	tcase_add_loop_test(tc, test_focus_media_addrs_parsed_or_refused, 0,
			    sizeof(lists) / sizeof(lists[0]));
	tcase_add_test(tc, test_focus_cp_refuses_bad_media_ip);
	tcase_add_test(tc, test_focus_cp_refuses_bad_proxy_options);
	tcase_add_test(tc, test_focus_cp_refuses_tls_files);
	tcase_add_test(tc, test_focus_cp_max_conns_and_files);
	tcase_add_test(tc, test_focus_new_checks_the_address_count);
	suite_add_tcase(s, tc);
	return s;
}
