/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sip.c: the SIP layer (controlplane/sip.c, sip_transport.c) in this
 * process on 127.0.0.1 and a free port, driven by the real SIPp (Debian's
 * sip-tester) over UDP and TCP with the scenarios in tests/sipp/, and by raw
 * byte strings from plain sockets. Assertions are on SIPp's exit status
 * and on the layer's counters; every wait is a bounded wait for an event.
 * Checklist IDs (S-nn) are in the test comments.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "check_main.h"
#include "creds.h"
#include "digest.h"
#include "xsd_check.h"
#include "log.h"
#include "proc.h"
#include "shm_region.h"
#include "sip.h"
#include "sip_transport.h"

#define SIPP_WAIT_MS 30000

static struct cp_sip *sip;

static struct {
	int invites, acks, cancels;
	int ends[4];		 /* by enum cp_sip_end */
	char from[128], to[128]; /* URIs of the last INVITE */
	bool privacy;		 /* ... and whether it asked for anonymity */
	char asserted[128];	 /* ... and what it asserted, "" none */
	/* dial-out */
	int progress, answered, failed_code;
	bool cancel_on_180, bye_on_answer;
	bool allow_183; /* a progress may be a 183 (else all are 180) */
	bool ring_timeout_on_180;	/* 300 ms from the 180 */
	bool dial_tcp; /* dial() adds ;transport=tcp */
	char answer[512];
	/* REFER and SUBSCRIBE */
	int refers, subscribes, refreshes, sub_ends[4];
	char refer_to[128], refer_method[16], referred_by[128];
	char referred_by_uri[128];
	unsigned int version; /* of the test's conference-info bodies */
	char accept[128];     /* of the last new SUBSCRIBE */
	uint32_t grant_s;     /* 0: what was asked, at most 3600 s */
	bool big_body;	      /* NOTIFY bodies over 1300 bytes */
	struct cp_sip_dialog *dialog; /* the last one ACKed */
} app;

static bool
stats_have(const char *needle)
{
	static char json[4096];

	cp_sip_stats_json(sip, json, sizeof(json));
	return strstr(json, needle) != NULL;
}

/*
 * Run the SIP layer until cond holds or ms pass; the value of cond (which
 * is evaluated once more at the end: no side effects in cond).
 */
#define POLL_UNTIL(cond, ms)                            \
	({                                              \
		uint64_t end_ = proc_now_ms() + (ms);   \
		while (!(cond) && proc_now_ms() < end_) \
			cp_sip_poll(sip, 10);           \
		(cond);                                 \
	})

static const char *const sdp =
	"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";

/*
 * The stand-in conference logic: "ring" rings forever, "busy" gets 486,
 * "full" 503 (and the SIP layer's Retry-After), "later" 503 with its own,
 * the rest get 200;
 * a call whose Call-ID starts with "hangup" is hung up once ACKed.
 */
static const char *const later[1][2] = { { "Retry-After", "30" } };

static void
on_invite(void *ctx, struct cp_sip_req *req, struct cp_sip_dialog *d)
{
	(void)ctx;
	(void)d;
	app.invites++;
	snprintf(app.from, sizeof(app.from), "%s", cp_sip_req_from(req));
	snprintf(app.to, sizeof(app.to), "%s", cp_sip_req_to(req));
	app.privacy = cp_sip_req_privacy(req);
	snprintf(app.asserted, sizeof(app.asserted), "%s",
		 cp_sip_req_asserted(req) != NULL ? cp_sip_req_asserted(req)
						  : "");
	if (strncmp(cp_sip_req_uri(req), "sip:ring@", 9) == 0)
		ck_assert_int_eq(cp_sip_reply(sip, req, 180, NULL, NULL), 0);
	else if (strncmp(cp_sip_req_uri(req), "sip:busy@", 9) == 0)
		ck_assert_int_eq(cp_sip_reply(sip, req, 486, NULL, NULL), 0);
	else if (strncmp(cp_sip_req_uri(req), "sip:full@", 9) == 0)
		ck_assert_int_eq(cp_sip_reply(sip, req, 503, NULL, NULL), 0);
	else if (strncmp(cp_sip_req_uri(req), "sip:later@", 10) == 0)
		ck_assert_int_eq(cp_sip_reply_hdrs(sip, req, 503, later, 1,
						   NULL, NULL), 0);
	else
		ck_assert_int_eq(
			cp_sip_reply(sip, req, 200, "application/sdp", sdp), 0);
	ck_assert_int_eq(cp_sip_reply(sip, req, 100, NULL, NULL), -EINVAL);
}

static void
on_cancel(void *ctx, struct cp_sip_req *req)
{
	(void)ctx;
	(void)req;
	app.cancels++;
}

static void
on_ack(void *ctx, struct cp_sip_dialog *d, const char *content_type,
       const char *body)
{
	(void)ctx;
	(void)content_type;
	(void)body;
	app.acks++;
	app.dialog = d;
	if (strncmp(cp_sip_dialog_call_id(d), "hangup", 6) == 0)
		ck_assert_int_eq(cp_sip_dialog_bye(sip, d), 0);
}

static void
on_end(void *ctx, struct cp_sip_dialog *d, enum cp_sip_end why)
{
	(void)ctx;
	if (app.dialog == d)
		app.dialog = NULL;
	app.ends[why]++;
}

static void
on_call_progress(void *ctx, struct cp_sip_call *call, int code)
{
	(void)ctx;
	ck_assert_msg(code == 180 || (app.allow_183 && code == 183), "%d",
		      code);
	app.progress++;
	if (app.cancel_on_180)
		ck_assert_int_eq(cp_sip_invite_cancel(sip, call), 0);
	if (app.ring_timeout_on_180)
		cp_sip_call_set_ring_timeout(call, 300);
}

static void
on_call_answered(void *ctx, struct cp_sip_call *call, struct cp_sip_dialog *d,
		 const char *content_type, const char *body)
{
	(void)ctx;
	(void)call;
	app.answered++;
	if (body[0] != '\0')
		ck_assert_str_eq(content_type, "application/sdp");
	snprintf(app.answer, sizeof(app.answer), "%s", body);
	if (app.bye_on_answer)
		ck_assert_int_eq(cp_sip_dialog_bye(sip, d), 0);
}

static void
on_call_failed(void *ctx, struct cp_sip_call *call, int code)
{
	(void)ctx;
	(void)call;
	app.failed_code = code;
}

/* The stand-in conference: accept every REFER, report 100 then 200. */
static void
on_refer(void *ctx, struct cp_sip_req *req, const char *refer_to,
	 const char *method, const char *referred_by, const char *by_uri)
{
	struct cp_sip_sub *sub = NULL;

	(void)ctx;
	app.refers++;
	snprintf(app.refer_to, sizeof(app.refer_to), "%s", refer_to);
	snprintf(app.refer_method, sizeof(app.refer_method), "%s",
		 method != NULL ? method : "");
	snprintf(app.referred_by, sizeof(app.referred_by), "%s",
		 referred_by != NULL ? referred_by : "");
	snprintf(app.referred_by_uri, sizeof(app.referred_by_uri), "%s",
		 by_uri != NULL ? by_uri : "");
	ck_assert_int_eq(cp_sip_req_set_contact_user(req, "conf"), 0);
	ck_assert_int_eq(cp_sip_sub_answer(sip, req, 202, 120, NULL, &sub), 0);
	ck_assert(cp_sip_sub_is_refer(sub));
	ck_assert_int_eq(cp_sip_refer_notify(sip, sub, 100, NULL, false), 0);
	/* queued behind the first (F-57) */
	ck_assert_int_eq(cp_sip_refer_notify(sip, sub, 200, NULL, true), 0);
	ck_assert_int_eq(cp_sip_refer_notify(sip, sub, 200, NULL, true),
			 -ESHUTDOWN);
}

/* A stand-in conference-info body, one version per NOTIFY. */
static void
notify_doc(struct cp_sip_sub *sub, enum cp_sip_sub_state state)
{
	char doc[2048];
	int n;

	n = snprintf(doc, sizeof(doc),
		     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
		     "<conference-info xmlns=\"urn:ietf:params:xml:ns:"
		     "conference-info\" entity=\"sip:conf@127.0.0.1\" "
		     "state=\"%s\" version=\"%u\"/>\r\n",
		     state == CP_SIP_SUB_TERMINATED ? "deleted" : "full",
		     ++app.version);
	if (app.big_body) /* past the 1300 bytes of RFC 3261 §18.1.1 */
		snprintf(doc + n, sizeof(doc) - (size_t)n, "<!-- %1400s -->\r\n",
			 "");
	ck_assert_int_eq(
		cp_sip_notify(
			sip, sub, "application/conference-info+xml", doc, state,
			state == CP_SIP_SUB_TERMINATED ? "timeout" : NULL, 0),
		0);
}

/* Event: conference: at least 60 s (423), at most 3600 s. */
static void
on_subscribe(void *ctx, struct cp_sip_req *req, const char *event,
	     int64_t expires, const char *accept)
{
	struct cp_sip_sub *sub = cp_sip_req_sub(req), *got = NULL;
	uint32_t granted =
		expires < 0 || expires > 3600 ? 3600 : (uint32_t)expires;

	(void)ctx;
	ck_assert_str_eq(event, "conference");
	if (sub != NULL)
		app.refreshes++;
	else
		app.subscribes++;
	if (sub == NULL)
		snprintf(app.accept, sizeof(app.accept), "%s",
			 accept != NULL ? accept : "(none)");
	if (expires > 0 && expires < 60) {
		ck_assert_int_eq(
			cp_sip_sub_answer(sip, req, 423, 60, NULL, NULL), 0);
		return;
	}
	if (app.grant_s != 0 && expires != 0)
		granted = app.grant_s;
	ck_assert_int_eq(cp_sip_req_set_contact_user(req, "conf"), 0);
	ck_assert_int_eq(cp_sip_sub_answer(sip, req, 200, granted, NULL, &got),
			 0);
	ck_assert_ptr_nonnull(got);
	ck_assert(sub == NULL || sub == got);
	ck_assert(!cp_sip_sub_is_refer(got));
	notify_doc(got,
		   granted == 0 ? CP_SIP_SUB_TERMINATED : CP_SIP_SUB_ACTIVE);
}

static void
on_sub_end(void *ctx, struct cp_sip_sub *sub, enum cp_sip_sub_end why)
{
	(void)ctx;
	(void)sub;
	app.sub_ends[why]++;
}

/* --rate-limit for the next open_sip() (test_sip_rate_limit); 0 = none */
static uint32_t rl_rate, rl_burst;
/* --outbound-proxy for the next open_sip(), up to the first NULL, and
 * its --proxy-timeout and --proxy-ping (0: the defaults, none) */
static const char *outbound[CP_SIP_MAX_PROXIES];
static uint32_t proxy_timeout_ms, proxy_ping_ms;
/* open_sip()'s DNS for the proxies' names (test_sip_proxy_dns) */
static const char *dns_servers;
static uint32_t dns_min_ttl_ms;
static uint32_t session_expires_s, min_se_s; /* the stimer tcase's */
static uint32_t conn_idle_ms;			/* 0: the default */
static uint32_t conns_per_addr, first_msg_ms;	/* 0: the defaults */
/* the tls tcase's TLS for open_sip() (NULL: none) */
static const struct cp_sip_tls_conf *tls_conf;
static const struct cp_trust_net *trust_nets;	/* the trust domain */
static size_t n_trust_nets;
static bool assert_ids; /* dial-outs assert their From to it */

static void
open_sip(bool reject_mf0, uint32_t max_conns, uint32_t max_txns)
{
	struct cp_sip_conf conf = {
		.rate_limit_per_s = rl_rate,
		.rate_burst = rl_burst,
		.addr = "127.0.0.1",
		.t1_ms = 50, /* 2xx give-up at 64*T1 = 3.2 s */
		.t2_ms = 400,
		.max_msg_bytes = 4096,
		.reject_max_forwards_0 = reject_mf0,
		.max_conns = max_conns,
		.conn_idle_ms = conn_idle_ms,
		.max_conns_per_addr = conns_per_addr,
		.first_msg_ms = first_msg_ms,
		.max_transactions = max_txns,
		.contact_params = ";isfocus",
		.proxy_timeout_ms = proxy_timeout_ms,
		.proxy_ping_ms = proxy_ping_ms,
		.dns_servers = dns_servers,
		.dns_min_ttl_ms = dns_min_ttl_ms,
		.session_expires_s = session_expires_s,
		.min_se_s = min_se_s,
		.tls = tls_conf,
		.trust = trust_nets,
		.n_trust = n_trust_nets,
		.assert_identity = assert_ids,
	};
	struct cp_sip_app a = {
		.on_invite = on_invite,
		.on_cancel = on_cancel,
		.on_ack = on_ack,
		.on_dialog_end = on_end,
		.on_call_progress = on_call_progress,
		.on_call_answered = on_call_answered,
		.on_call_failed = on_call_failed,
		.on_refer = on_refer,
		.on_subscribe = on_subscribe,
		.on_sub_end = on_sub_end,
	};

	memcpy(conf.outbound_proxy, outbound, sizeof(outbound));
	memset(&app, 0, sizeof(app));
	if (getenv("TEST_SIP_DEBUG") != NULL)
		tutti_log_init("test_sip", TUTTI_LOG_DEBUG);
	ck_assert_int_eq(cp_sip_open(&sip, &conf, &a), 0);
	ck_assert_int_ne(cp_sip_port(sip), 0);
}

static void
setup(void)
{
	open_sip(false, 0, 0);
}

static void
setup_mf0(void)
{
	open_sip(true, 0, 0);
}

static void
teardown(void)
{
	char json[4096];

	cp_sip_stats_json(sip, json, sizeof(json));
	fprintf(stderr, "# stats %s\n", json);
	cp_sip_close(sip);
	sip = NULL;
}

/*
 * The lowest port of the system's ephemeral range (what bind() to port 0
 * and connect() take); 32768 if it cannot be read.
 */
static int
ephemeral_low(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	int lo = 32768, hi;

	if (f != NULL) {
		if (fscanf(f, "%d %d", &lo, &hi) != 2)
			lo = 32768;
		fclose(f);
	}
	return lo;
}

/*
 * A port free for both UDP and TCP on 127.0.0.1, for SIPp's own socket
 * (or a peer's the test starts). It is checked free and then closed, and
 * SIPp binds it a little later, without SO_REUSEADDR (a port an earlier
 * SIPp used over TCP stays in TIME_WAIT for a minute, and SIPp then fails
 * with a bind error, exit 254). So that nothing takes it meanwhile, it is
 * a port below the ephemeral range, which no connect() or bind() to port
 * 0 (the focus's, tutti-cp's, Kamailio's) ever picks, drawn at random (a
 * seed of each process's: each test runs in a process of its own).
 */
static int
free_port(void)
{
	static unsigned int seed;
	int hi = ephemeral_low(), lo = hi > 17408 ? hi - 16384 : 1024;

	if (seed == 0)
		seed = (unsigned int)getpid() ^ (unsigned int)proc_now_ms();
	ck_assert_int_gt(hi, lo);
	for (int tries = 0; tries < 200; tries++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		int tcp = socket(AF_INET, SOCK_STREAM, 0);
		bool ok;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((uint16_t)(lo + rand_r(&seed) % (hi - lo)));
		ck_assert_int_ge(fd, 0);
		ck_assert_int_ge(tcp, 0);
		ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		     bind(tcp, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(tcp);
		close(fd);
		if (ok)
			return ntohs(a.sin_port);
	}
	ck_abort_msg("no port free for both UDP and TCP below %d", hi);
	return -1;
}

/*
 * Start sipp with scenario tests/sipp/<scen>.xml for one call over tp ("u1"
 * or "t1") against port, listening on sipp_port, setting the scenario's
 * global var to val (var may be NULL). SIPp's output goes to
 * sipp_<scen>_<tp>.log. Returns its pid; sipp_wait() waits for it.
 */
/* When set, the next sipp_start*() traces its messages to this file. */
static const char *sipp_trace;
/* When set, sipp_start*() gives SIPp no -au and -auth_uri: a scenario
 * that checks our credentials (verifyauth) takes the digest uri from them,
 * not from -auth_uri. */
static bool sipp_verifies_auth;

static pid_t
sipp_start_at(uint16_t port, const char *scen, const char *tp,
	      const char *service, const char *var, const char *val,
	      int sipp_port)
{
	const char *dir = getenv("SIPP_SCENARIOS");
	char path[512], remote[64], lport[16], log[128], auth_uri[128];
	char err[128];
	pid_t pid;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/%s.xml", dir, scen);
	snprintf(remote, sizeof(remote), "127.0.0.1:%u", port);
	snprintf(lport, sizeof(lport), "%d", sipp_port);
	snprintf(log, sizeof(log), "sipp_%s_%s.log", scen, tp);
	snprintf(err, sizeof(err), "sipp_%s_%s.err", scen, tp);
	unlink(err);
	snprintf(auth_uri, sizeof(auth_uri), "%s@%s", service, remote);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(in, STDIN_FILENO);
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
		/* clang-format off */
		const char *argv[] = {
			"sipp", "-sf", path, "-m", "1", "-t", tp, "-s", service,
			"-i", "127.0.0.1", "-p", lport, "-timeout", "25s",
			"-timeout_error", "-nostdin", remote,
			/* [authentication]: the policy's user, and the
			 * Request-URI as digest uri (SIPp's default is the
			 * bare address, which the focus refuses) */
			"-au", "sipp", "-auth_uri", auth_uri,
			NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
			NULL, NULL,
		};
		/* clang-format on */
		/* verifyauth: SIPp takes -auth_uri for the digest uri
		 * of what it checks too */
		size_t a = sipp_verifies_auth ? 18 : 22;

		if (sipp_trace != NULL) {
			argv[a++] = "-trace_msg";
			argv[a++] = "-message_file";
			argv[a++] = sipp_trace;
		}
		if (var != NULL) { /* -set VAR VAL, or an option -X VAL */
			if (var[0] != '-')
				argv[a++] = "-set";
			argv[a++] = var;
			argv[a++] = val;
		}
		/* its errors (the reason of an exit status but 0 or 1) */
		argv[a++] = "-trace_err";
		argv[a++] = "-error_file";
		argv[a++] = err;
		argv[a] = NULL;
		execvp("sipp", (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static pid_t
sipp_start(uint16_t port, const char *scen, const char *tp,
	   const char *service, const char *var, const char *val)
{
	return sipp_start_at(port, scen, tp, service, var, val, free_port());
}

/*
 * Wait for a sipp of sipp_start(), polling the in-process layer meanwhile
 * if there is one. Returns its exit status (0 = the call passed).
 */
static int
sipp_wait(pid_t pid, const char *scen, const char *tp)
{
	char log[128];
	int status = -1;
	uint64_t end;

	snprintf(log, sizeof(log), "sipp_%s_%s.log", scen, tp);
	end = proc_now_ms() + SIPP_WAIT_MS;
	while (proc_now_ms() < end) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (sip != NULL)
			cp_sip_poll(sip, 10);
		else
			poll(NULL, 0, 10); /* tutti-cp serves it */
	}
	if (proc_now_ms() >= end) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("sipp %s %s did not finish", scen, tp);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		char err[128], text[2048];
		FILE *f;
		size_t k = 0;

		snprintf(err, sizeof(err), "sipp_%s_%s.err", scen, tp);
		fprintf(stderr, "# sipp %s %s exit %d, see %s\n", scen, tp,
			WEXITSTATUS(status), log);
		/* -trace_err's file, if it wrote one */
		if ((f = fopen(err, "r")) != NULL) {
			k = fread(text, 1, sizeof(text) - 1, f);
			fclose(f);
		}
		text[k] = '\0';
		if (k > 0)
			fprintf(stderr, "# its errors (%s):\n%s\n", err, text);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* In the text of SIPp's -trace_msg file, the next message SIPp received
 * from *cur on that is a request of method: its request line on, *cur
 * moved past it; NULL when none is left. */
static char *
traced_next(char **cur, const char *method)
{
	size_t n = strlen(method);
	char *m;

	for (m = *cur; (m = strstr(m, "message received")) != NULL; m++) {
		char *msg = strstr(m, "\n\n");

		if (msg == NULL)
			break;
		msg += 2;
		if (strncmp(msg, method, n) == 0 && msg[n] == ' ') {
			*cur = msg;
			return msg;
		}
	}
	return NULL;
}

/* Whether SIPp's -trace_msg file at path holds a received request of
 * method. */
static bool
traced_holds(const char *path, const char *method)
{
	static char buf[1 << 20];
	char *cur = buf;

	test_read_file(path, buf, sizeof(buf));
	return traced_next(&cur, method) != NULL;
}

/* Whether SIPp's -trace_msg file at path holds a received request of
 * method whose Reason header (RFC 3326) is reason (NULL: that has one). */
static bool
traced_says(const char *path, const char *method, const char *reason)
{
	static char buf[1 << 20];
	char need[256], *cur = buf, *msg;

	test_read_file(path, buf, sizeof(buf));
	if (reason != NULL)
		snprintf(need, sizeof(need), "\r\nReason: %s\r\n", reason);
	else
		snprintf(need, sizeof(need), "\r\nReason: ");
	while ((msg = traced_next(&cur, method)) != NULL) {
		char *end = strstr(msg, "\r\n\r\n"), *r = strstr(msg, need);

		if (r != NULL && (end == NULL || r < end))
			return true;
	}
	return false;
}

/*
 * Run one sipp call (sipp_start_at(), sipp_wait()); started (may be NULL)
 * runs once SIPp is forked, to start a call towards it.
 */
static int
run_sipp_at(uint16_t port, const char *scen, const char *tp,
	    const char *service, const char *var, const char *val,
	    int sipp_port, void (*started)(int sipp_port))
{
	pid_t pid = sipp_start_at(port, scen, tp, service, var, val,
				  sipp_port);

	if (started != NULL)
		started(sipp_port); /* SIPp may not listen yet: Timer A copes */
	return sipp_wait(pid, scen, tp);
}

static int
run_sipp_set(uint16_t port, const char *scen, const char *tp,
	     const char *service, const char *var, const char *val)
{
	return run_sipp_at(port, scen, tp, service, var, val, free_port(),
			   NULL);
}

static int
run_sipp(const char *scen, const char *tp, const char *service)
{
	return run_sipp_set(cp_sip_port(sip), scen, tp, service, NULL, NULL);
}

/*
 * From SIPp's final statistics screen in its log: how many retransmissions
 * it received of the messages whose rows start with row ("200 <"), summed
 * over every such row of the scenario.
 */
static unsigned long
sipp_retrans(const char *scen, const char *tp, const char *row)
{
	static char out[1 << 16];
	char log[128];
	unsigned long sum = 0;
	const char *p, *screen = NULL;

	snprintf(log, sizeof(log), "sipp_%s_%s.log", scen, tp);
	test_read_file(log, out, sizeof(out));
	for (p = strstr(out, "Messages  Retrans"); p != NULL;
	     p = strstr(p + 1, "Messages  Retrans"))
		screen = p;
	ck_assert_msg(screen != NULL, "no statistics screen in %s", log);
	for (p = strstr(screen, row); p != NULL; p = strstr(p + 1, row)) {
		unsigned long msgs, retrans;

		if (sscanf(p + strlen(row) + strspn(p + strlen(row), "-"),
			   "%lu %lu", &msgs, &retrans) == 2)
			sum += retrans;
	}
	return sum;
}

static const char *const tps[] = { "u1", "t1" };

/* F-12, S-11: OPTIONS gets 200 with capabilities, Max-Forwards 0 too. */
START_TEST(test_sip_options_200)
{
	ck_assert_int_eq(run_sipp_set(cp_sip_port(sip), "options", tps[_i],
				      "focus", "mf", "0"),
			 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_2xx, 1);
}
END_TEST

/* [Policy] reject_max_forwards_0: 483 as a proxy would answer. */
START_TEST(test_sip_max_forwards_0_483)
{
	ck_assert_int_eq(run_sipp("options483", tps[_i], "focus"), 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_4xx, 1);
}
END_TEST

/* S-08: CSeq number above 2^32-1 (RFC 4475 §3.1.2.4 kind): 400. */
START_TEST(test_sip_bad_cseq_400)
{
	ck_assert_int_eq(run_sipp("bad_cseq", tps[_i], "focus"), 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->parse_bad, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_4xx, 1);
}
END_TEST

/* S-18, S-20, S-22: INVITE, 100, 200, ACK, BYE, 200. */
START_TEST(test_sip_call_invite_ack_bye)
{
	ck_assert_int_eq(run_sipp("call", tps[_i], "room"), 0);
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_RECEIVED] == 1, 5000));
	ck_assert_int_eq(app.invites, 1);
	ck_assert_int_eq(app.acks, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->ack_2xx, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_created, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_active, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_1xx, 1);
	ck_assert_uint_ge(cp_sip_stats(sip)->tx_2xx, 2);
}
END_TEST

/* S-20: no ACK: the 2xx again at T1, 2T1, ... then BYE at 64*T1. */
START_TEST(test_sip_noack_retransmits_then_bye)
{
	/*
	 * Over TCP the scenario counts the copies itself (copies starts at
	 * 0); over UDP SIPp absorbs them as retransmissions (copies starts at
	 * 3, neutral) and counts them on its statistics screen.
	 */
	ck_assert_int_eq(run_sipp_set(cp_sip_port(sip), "noack", tps[_i],
				      "room", "copies", _i == 0 ? "3" : "0"),
			 0);
	if (_i == 0)
		ck_assert_uint_ge(sipp_retrans("noack", "u1", "200 <"), 3);
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_NO_ACK] == 1, 5000));
	ck_assert_uint_eq(cp_sip_stats(sip)->no_ack, 1);
	/* 50, 150, 350, 750, 1150, ... ms: at least 5 before 3.2 s */
	ck_assert_uint_ge(cp_sip_stats(sip)->retrans_2xx, 5);
	ck_assert_uint_le(cp_sip_stats(sip)->retrans_2xx, 10); /* schedule */
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_requests, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_active, 0);
}
END_TEST

/* S-23: CANCEL of a ringing INVITE: 200, then 487; its ACK counted as
 * one for a 3xx-6xx of ours. */
START_TEST(test_sip_cancel_487)
{
	ck_assert_int_eq(run_sipp("cancel", tps[_i], "ring"), 0);
	ck_assert_int_eq(app.cancels, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_created, 0);
	ck_assert(POLL_UNTIL(cp_sip_stats(sip)->ack_final == 1, 3000));
	ck_assert_uint_eq(cp_sip_stats(sip)->drop_stray, 0);
}
END_TEST

/* ---- dial-out (the UAC) against SIPp as the callee ---- */

/* Nothing left behind: no dialog, no subscription. */
static void
assert_all_ended(void)
{
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_active, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->subs_active, 0);
}

static struct cp_sip_call *dialed;

/*
 * Over TCP nothing retransmits the INVITE: wait until SIPp listens (a
 * probe connection, bounded), so that the focus's connect() is not refused.
 */
static void
wait_tcp_listener(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	uint64_t end = proc_now_ms() + 5000;
	bool up = false;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (!up && proc_now_ms() < end) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		ck_assert_int_ge(fd, 0);
		up = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
		if (!up)
			poll(NULL, 0, 10);
	}
	ck_assert_msg(up, "nothing listens on TCP port %d", port);
}

static void
dial(int sipp_port)
{
	char target[64];

	if (app.dial_tcp)
		wait_tcp_listener(sipp_port);
	snprintf(target, sizeof(target), "sip:callee@127.0.0.1:%d%s", sipp_port,
		 app.dial_tcp ? ";transport=tcp" : "");
	ck_assert_int_eq(cp_sip_invite(sip, target, "sip:conf@127.0.0.1",
				       "conf", "application/sdp", sdp, &app,
				       &dialed),
			 0);
	ck_assert_ptr_eq(cp_sip_call_app(dialed), &app);
	ck_assert_ptr_nonnull(cp_sip_call_call_id(dialed));
}

/*
 * F-19, F-08, S-18: INVITE (Contact ;isfocus, SDP), 180, 200 with
 * Record-Route, our ACK; then BYE from the focus along the route set
 * (_i even) or from the callee (_i odd); over UDP (_i 0, 1) or over a
 * TCP connection the focus opens (;transport=tcp, _i 2, 3).
 */
START_TEST(test_sip_dial_out_answered)
{
	bool focus_hangs_up = _i % 2 == 0;

	app.bye_on_answer = focus_hangs_up;
	app.dial_tcp = _i / 2 == 1;
	ck_assert_int_eq(run_sipp_at(cp_sip_port(sip), "uas_dialout",
				     tps[_i / 2], "callee", "hangup",
				     focus_hangs_up ? "focus" : "sipp",
				     free_port(), dial),
			 0);
	ck_assert(POLL_UNTIL(app.ends[focus_hangs_up
					      ? CP_SIP_END_BYE_SENT
					      : CP_SIP_END_BYE_RECEIVED] == 1,
			     5000));
	ck_assert(stats_have(app.dial_tcp ? "\"tcp_connected\":1,"
				      : "\"tcp_connected\":0,"));
	ck_assert_int_eq(app.progress, 1);
	ck_assert_int_eq(app.answered, 1);
	ck_assert_int_eq(app.failed_code, 0);
	ck_assert_ptr_nonnull(strstr(app.answer, "m=audio "));
	ck_assert_uint_eq(cp_sip_stats(sip)->calls_out, 1);
	ck_assert_uint_ge(cp_sip_stats(sip)->acks_sent, 1);
	assert_all_ended();
}
END_TEST

/*
 * A callee that sends its provisionals reliably (RFC 3262; SIPp's
 * uas_dialout_100rel checks each PRACK itself), over UDP (_i 0) and TCP
 * (1): the INVITE says Supported: 100rel; a 183 with the SDP answer and a
 * 180 are PRACKed in their early dialog, in order, and a copy of the 183
 * is not (nor reported); a fork's 183 with its own answer is PRACKed in
 * its own; that fork's 200 without SDP is answered with its 183's (port
 * 40002), not the first's; the BYE's CSeq is above the PRACKs'.
 */
START_TEST(test_sip_dial_out_100rel)
{
	app.bye_on_answer = true;
	app.allow_183 = true;
	app.dial_tcp = _i == 1;
	ck_assert_int_eq(run_sipp_at(cp_sip_port(sip), "uas_dialout_100rel",
				     tps[_i], "callee", NULL, NULL, free_port(),
				     dial),
			 0);
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_SENT] == 1, 5000));
	ck_assert_int_eq(app.progress, 3);
	ck_assert_int_eq(app.answered, 1);
	ck_assert_int_eq(app.failed_code, 0);
	ck_assert_msg(strstr(app.answer, "m=audio 40002 ") != NULL, "%s",
		      app.answer);
	ck_assert_uint_eq(cp_sip_stats(sip)->prack_sent, 3);
	assert_all_ended();
}
END_TEST

/* --credentials of text ("REALM USER PASSWORD" lines) for sip. */
static void
use_creds(const char *text)
{
	static struct cp_creds creds;
	char err[256];

	ck_assert_msg(cp_creds_parse(&creds, text, "creds", err,
				     sizeof(err)) == 0,
		      "%s", err);
	cp_sip_set_creds(sip, &creds);
}

/*
 * A callee that asks for credentials (RFC 3261 §22.2; SIPp's
 * uas_dialout_401 checks them itself): with the right ones (_i 0, and
 * over TCP _i 2) the INVITE goes again in a new transaction with
 * Authorization and is answered; with a wrong password (_i 1) the callee
 * challenges again, and the dial-out fails with 401 after one try; with
 * none for its realm (_i 3) it fails at once. In place of the password,
 * its MD5 HA1 (_i 4) answers as well; a SHA-256 HA1 alone (_i 5) cannot
 * answer the MD5 challenge: it fails at once.
 */
START_TEST(test_sip_dial_out_authenticates)
{
	bool good = _i == 0 || _i == 2 || _i == 4, none = _i == 3 || _i == 5;
	char text[256], ha1[CP_DIGEST_HEX_MAX];

	cp_digest_ha1(_i == 4 ? CP_DIGEST_MD5 : CP_DIGEST_SHA256, "tutti",
		      "callee.test", "s3cret", ha1);
	snprintf(text, sizeof(text), "callee.test tutti %s %s\n",
		 _i == 4 ? "ha1-md5" : "ha1-sha256", ha1);
	use_creds(_i >= 4   ? text
		  : _i == 3 ? "other.test tutti s3cret\n"
		  : good    ? "callee.test tutti s3cret\n* tutti wrong\n"
			    : "callee.test tutti s3cre7\n");
	app.bye_on_answer = true;
	app.dial_tcp = _i == 2;
	sipp_verifies_auth = true;
	ck_assert_int_eq(run_sipp_at(cp_sip_port(sip), "uas_dialout_401",
				     tps[app.dial_tcp], "callee", "expect",
				     none ? "none" : "retry", free_port(), dial),
			 0);
	sipp_verifies_auth = false;
	if (good) {
		ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_SENT] == 1,
				     5000));
		ck_assert_int_eq(app.answered, 1);
		ck_assert_int_eq(app.failed_code, 0);
	} else {
		ck_assert(POLL_UNTIL(app.failed_code != 0, 5000));
		ck_assert_int_eq(app.failed_code, 401);
		ck_assert_int_eq(app.answered, 0);
	}
	ck_assert_uint_eq(cp_sip_stats(sip)->calls_out, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->auth_sent, none ? 0 : 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->auth_failed, good ? 0 : 1);
	cp_sip_set_creds(sip, NULL);
	assert_all_ended();
}
END_TEST

/*
 * A proxy's challenge (407): of two Proxy-Authenticate, the one we can
 * answer (SHA-256, not SHA-512-256) is, in Proxy-Authorization; the call
 * is answered. Without credentials set, the 407 is the dial-out's end.
 */
START_TEST(test_sip_dial_out_proxy_authenticates)
{
	if (_i == 0)
		use_creds("carrier.test tutti s3cret\n");
	app.bye_on_answer = true;
	ck_assert_int_eq(run_sipp_at(cp_sip_port(sip), "uas_dialout_407",
				     "u1", "callee", "expect",
				     _i == 0 ? "retry" : "none", free_port(),
				     dial),
			 0);
	if (_i == 0) {
		ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_SENT] == 1,
				     5000));
		ck_assert_int_eq(app.answered, 1);
	} else {
		ck_assert(POLL_UNTIL(app.failed_code != 0, 5000));
		ck_assert_int_eq(app.failed_code, 407);
	}
	ck_assert_uint_eq(cp_sip_stats(sip)->auth_sent, _i == 0 ? 1 : 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->auth_failed, _i == 0 ? 0 : 1);
	cp_sip_set_creds(sip, NULL);
	assert_all_ended();
}
END_TEST

/*
 * The focus (credentials for callee.test: tutti, s3cret) dials SIPp's
 * scenario scen, which challenges it and checks what comes back itself
 * (verifyauth); the call is answered, the focus hangs up, and sent
 * requests went again with credentials.
 */
static void
dial_authenticated(const char *scen, uint64_t sent)
{
	use_creds("callee.test tutti s3cret\n");
	app.bye_on_answer = true;
	sipp_verifies_auth = true;
	ck_assert_int_eq(run_sipp_at(cp_sip_port(sip), scen, "u1", "callee",
				     NULL, NULL, free_port(), dial),
			 0);
	sipp_verifies_auth = false;
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_SENT] == 1, 5000));
	ck_assert_int_eq(app.answered, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->auth_sent, sent);
	ck_assert_uint_eq(cp_sip_stats(sip)->auth_failed, 0);
	cp_sip_set_creds(sip, NULL);
	assert_all_ended();
}

/*
 * A nonce gone stale (RFC 7616 3.3): the INVITE that carried the
 * credentials is challenged again with stale=true, and is answered again
 * (the password was right), with the new nonce (uas_dialout_stale).
 */
START_TEST(test_sip_dial_out_stale_nonce)
{
	dial_authenticated("uas_dialout_stale", 2);
}
END_TEST

/*
 * A callee that asks requests in the dialog for credentials: the focus's
 * BYE gets 401 and goes again, once, with Authorization and CSeq one up
 * (uas_dialout_bye_401); the call ended at the focus either way.
 */
START_TEST(test_sip_bye_authenticates)
{
	dial_authenticated("uas_dialout_bye_401", 1);
}
END_TEST

/*
 * A callee with reliable provisionals behind something that challenges
 * every request: the focus's PRACK of the 180 gets 401 and goes again,
 * once, with Authorization, its RAck, and CSeq one up; the call is
 * answered, and the BYE goes above both PRACKs (uas_dialout_prack_401).
 */
START_TEST(test_sip_prack_authenticates)
{
	dial_authenticated("uas_dialout_prack_401", 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->prack_sent, 2);
}
END_TEST

/* F-26: a busy callee: 486 reported, the ICT's ACK ends it. */
START_TEST(test_sip_dial_out_rejected)
{
	ck_assert_int_eq(run_sipp_at(cp_sip_port(sip), "uas_reject", "u1",
				     "callee", NULL, NULL, free_port(), dial),
			 0);
	ck_assert(POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, 486);
	ck_assert_int_eq(app.answered, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_created, 0);
}
END_TEST

/* F-27: CANCEL on 180 (_i 0) or by the ring timeout (_i 1, 300 ms from
 * the 180, so that SIPp's start does not count): 487. The ring timeout's
 * CANCEL says why (RFC 3326: Q.850 19, no answer once alerted); the
 * application's, which gave none, has no Reason. */
START_TEST(test_sip_dial_out_cancelled)
{
	char trace[64];

	snprintf(trace, sizeof(trace), "sipp_cancel_%d.msg", _i);
	unlink(trace);
	app.cancel_on_180 = _i == 0;
	app.ring_timeout_on_180 = _i == 1;
	sipp_trace = trace;
	ck_assert_int_eq(run_sipp_at(cp_sip_port(sip), "uas_cancel", "u1",
				     "callee", NULL, NULL, free_port(), dial),
			 0);
	sipp_trace = NULL;
	ck_assert(POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, 487);
	ck_assert_int_eq(app.progress, 1);
	ck_assert_int_eq(app.answered, 0);
	if (_i == 1)
		ck_assert_msg(traced_says(trace, "CANCEL", "Q.850;cause=19;"
					  "text=\"no answer\""),
			      "see %s", trace);
	else
		ck_assert_msg(traced_holds(trace, "CANCEL") &&
				      !traced_says(trace, "CANCEL", NULL),
			      "see %s", trace);
}
END_TEST

/*
 * A dial-out challenged (401), sent again with credentials, and cancelled
 * while it rings: the CANCEL is the second INVITE's (CSeq 2, RFC 3261
 * §9.1), and the dial-out ends with 487 (uas_dialout_cancel_401).
 */
START_TEST(test_sip_dial_out_cancelled_after_challenge)
{
	use_creds("callee.test tutti s3cret\n");
	app.cancel_on_180 = true;
	sipp_verifies_auth = true;
	ck_assert_int_eq(run_sipp_at(cp_sip_port(sip), "uas_dialout_cancel_401",
				     "u1", "callee", NULL, NULL, free_port(),
				     dial),
			 0);
	sipp_verifies_auth = false;
	ck_assert(POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, 487);
	ck_assert_int_eq(app.answered, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->auth_sent, 1);
	cp_sip_set_creds(sip, NULL);
	assert_all_ended();
}
END_TEST

/* Bad targets: not a host name, no SCTP, no sips: over UDP, nothing
 * injected, no port 0 (TLS without TLS set up: test_sip_tls_refused). */
START_TEST(test_sip_dial_out_bad_targets)
{
	static const char *const bad[] = {
		"sip:bob@exa_mple.com",
		"sip:bob@127.0.0.1;transport=sctp",
		"sips:bob@127.0.0.1;transport=udp",
		"tel:+15551234",
		"sip:bob@127.0.0.1>\r\nX: y",
		"sip:bob@127.0.0.1:0",
	};
	struct cp_sip_call *c = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cp_sip_invite(sip, bad[i], "sip:conf@127.0.0.1",
					    "conf", NULL, NULL, NULL,
					    &c) == -EINVAL,
			      "%s", bad[i]);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(cp_sip_stats(sip)->calls_out, 0);
}
END_TEST

/* A dial-out to a host name, which only an outbound proxy can take. */
static void
dial_name(int sipp_port)
{
	if (app.dial_tcp)
		wait_tcp_listener(sipp_port);
	ck_assert_int_eq(cp_sip_invite(sip, "sip:callee@carrier.example",
				       "sip:conf@127.0.0.1", "conf",
				       "application/sdp", sdp, &app, &dialed),
			 0);
}

/*
 * The outbound proxy (RFC 3261 §8.1.2; SIPp plays it, answering for the
 * callee): a dial-out to a host name goes to it with the name in the
 * Request-URI and Route: <proxy;lr>. Answered (_i even): the ACK and the
 * focus's BYE go to the 2xx's Contact, with no Route (no Record-Route).
 * Cancelled on 180 (_i odd): the CANCEL and the 487's ACK carry the
 * INVITE's Request-URI and Route. The proxy over UDP (_i 0, 1) or TCP
 * (_i 2, 3).
 */
START_TEST(test_sip_dial_out_outbound_proxy)
{
	bool answer = _i % 2 == 0, tcp = _i / 2 == 1;
	int pp = free_port();
	char proxy[64];

	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%d%s", pp,
		 tcp ? ";transport=tcp" : "");
	cp_sip_close(sip);
	outbound[0] = proxy;
	open_sip(false, 0, 0);
	outbound[0] = NULL;
	app.dial_tcp = tcp;
	app.bye_on_answer = answer;
	app.cancel_on_180 = !answer;
	ck_assert_int_eq(run_sipp_at(cp_sip_port(sip), answer ?
				     "uas_proxy_answer" : "uas_proxy_cancel",
				     tps[tcp], "callee", NULL, NULL, pp,
				     dial_name),
			 0);
	if (answer) {
		ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_SENT] == 1,
				     5000));
		ck_assert_int_eq(app.answered, 1);
	} else {
		ck_assert(POLL_UNTIL(app.failed_code != 0, 5000));
		ck_assert_int_eq(app.failed_code, 487);
	}
	ck_assert(stats_have(tcp ? "\"tcp_connected\":1,"
				 : "\"tcp_connected\":0,"));
	ck_assert_uint_eq(cp_sip_stats(sip)->calls_out, 1);
	assert_all_ended();
}
END_TEST

/* An outbound proxy is a sip: or sips: URI with a numeric host of the
 * focus's own address family or a name, over UDP, TCP or TLS: anything
 * else is refused at open (TLS without TLS set up: test_sip_tls_refused). */
START_TEST(test_sip_outbound_proxy_refused)
{
	static const char *const bad[] = {
		"sip:-proxy.example",	     "sip:user@127.0.0.1",
		"sip:proxy..example",	     "sip:pro_xy.example",
		"sip:1.2.3",		     "sip:proxy-.example",
		"sip:127.0.0.1;transport=sctp", "tel:+15551234",
		"127.0.0.1:5060",	     "sip:127.0.0.1:0",
		"sip:127.0.0.1>\r\nX: y",  "sip:127.0.0.1?Route=x",
		"",			     "sip:[::1]:5070",
	};
	struct cp_sip_conf conf = { .addr = "127.0.0.1" };
	struct cp_sip *s2 = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf.outbound_proxy[0] = bad[i];
		ck_assert_msg(cp_sip_open(&s2, &conf, NULL) == -EINVAL, "%s",
			      bad[i]);
	}
	conf.outbound_proxy[0] = "sip:127.0.0.1:5070;transport=tcp;lr";
	ck_assert_int_eq(cp_sip_open(&s2, &conf, NULL), 0);
	cp_sip_close(s2);
	/* names, which DNS resolves (RFC 3263) */
	ck_assert(cp_sip_proxy_ok("sip:proxy.example", "127.0.0.1"));
	ck_assert(cp_sip_proxy_ok("sip:sip-1.carrier.example.:5080", "::1"));
	ck_assert(cp_sip_proxy_ok("sip:edge;transport=tcp", NULL));
	ck_assert(cp_sip_proxy_ok("sips:sbc.carrier.example", NULL));
	ck_assert(cp_sip_proxy_is_tls("sips:sbc.carrier.example"));
	ck_assert(cp_sip_proxy_is_tls("sip:127.0.0.1;transport=tls"));
	ck_assert(!cp_sip_proxy_is_tls("sip:127.0.0.1;transport=tcp"));
	ck_assert(!cp_sip_proxy_ok("sips:127.0.0.1;transport=udp", NULL));
	conf.outbound_proxy[0] = "sip:proxy.example";
	conf.dns_servers = "not-a-server";
	ck_assert_int_eq(cp_sip_open(&s2, &conf, NULL), -EINVAL);
	conf.dns_servers = NULL;
	/* of its own family */
	conf.addr = "::1";
	conf.outbound_proxy[0] = "sip:[::1]:5070";
	ck_assert(cp_sip_proxy_ok(conf.outbound_proxy[0], conf.addr));
	ck_assert(!cp_sip_proxy_ok(conf.outbound_proxy[0], "127.0.0.1"));
	ck_assert(cp_sip_proxy_ok(conf.outbound_proxy[0], NULL));
}
END_TEST

/* Over TCP nothing retransmits: a refused connection fails the call now. */
START_TEST(test_sip_dial_out_tcp_refused_503)
{
	struct cp_sip_call *c = NULL;
	char target[64];

	snprintf(target, sizeof(target), "sip:x@127.0.0.1:%d;transport=tcp",
		 free_port());
	ck_assert_int_eq(cp_sip_invite(sip, target, "sip:conf@127.0.0.1",
				       "conf", NULL, NULL, NULL, &c),
			 0);
	ck_assert(POLL_UNTIL(app.failed_code != 0, 3000));
	ck_assert_int_eq(app.failed_code, 503);
	ck_assert(stats_have("\"tcp_connected\":1,"));
}
END_TEST

/* ---- REFER and SUBSCRIBE ---- */

/*
 * Run a scenario whose subscription ends with a terminated NOTIFY it
 * accepts: n_notify NOTIFYs sent, none failed, nothing left.
 */
static void
run_until_sub_ends(const char *scen, const char *tp, const char *var,
		   const char *val, uint64_t n_notify)
{
	ck_assert_int_eq(
		run_sipp_set(cp_sip_port(sip), scen, tp, "conf", var, val), 0);
	ck_assert(
		POLL_UNTIL(app.sub_ends[CP_SIP_SUB_END_TERMINATED] == 1, 5000));
	ck_assert_uint_eq(cp_sip_stats(sip)->notify_sent, n_notify);
	ck_assert_uint_eq(cp_sip_stats(sip)->notify_failed, 0);
	assert_all_ended();
}

/*
 * F-19..F-36: REFER out of dialog, 202, NOTIFY 100 Trying (active), then
 * the final NOTIFY 200 OK (terminated;reason=noresource); the refer
 * subscription and its dialog end with it. _i/2 picks the Refer-To: no
 * method; method=BYE as a URI parameter inside < > (RFC 8217, F-28); a
 * URI header (?Replaces=, F-24) kept for the dial-out.
 */
START_TEST(test_sip_refer_202_and_notifies)
{
	static const struct {
		const char *refer_to, *uri, *method;
	} rt[] = {
		{ "<sip:carol@127.0.0.1:5999>", "sip:carol@127.0.0.1:5999",
		  "" },
		{ "\"Carol\" <sip:carol@127.0.0.1;method=BYE>;x=1",
		  "sip:carol@127.0.0.1", "BYE" },
		{ "<sip:carol@127.0.0.1?Replaces=a%40b%3Bto-tag%3D1>",
		  "sip:carol@127.0.0.1?Replaces=a%40b%3Bto-tag%3D1", "" },
	};

	run_until_sub_ends("refer", tps[_i % 2], "rt", rt[_i / 2].refer_to, 2);
	ck_assert_int_eq(app.refers, 1);
	ck_assert_str_eq(app.refer_to, rt[_i / 2].uri);
	ck_assert_str_eq(app.refer_method, rt[_i / 2].method);
	ck_assert_ptr_nonnull(strstr(app.referred_by, "<sip:sipp@127.0.0.1"));
	/* its URI, parsed by the SIP layer */
	ck_assert_msg(strncmp(app.referred_by_uri, "sip:sipp@127.0.0.1:",
			      19) == 0 &&
		      strpbrk(app.referred_by_uri, "<>") == NULL,
		      "%s", app.referred_by_uri);
}
END_TEST

/* F-30: method=BYE as a Refer-To header parameter: 400, no on_refer. */
START_TEST(test_sip_refer_method_header_param_400)
{
	ck_assert_int_eq(run_sipp("refer_400", tps[_i], "conf"), 0);
	ck_assert_int_eq(app.refers, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_4xx, 1);
}
END_TEST

/*
 * F-41..F-50: SUBSCRIBE, 200 with Expires, NOTIFY with the app's body;
 * a refresh, 200 and a full NOTIFY; Expires 0, 200 and the final NOTIFY
 * terminated;reason=timeout. Over TCP the NOTIFYs use the connection.
 */
START_TEST(test_sip_subscribe_refresh_unsubscribe)
{
	run_until_sub_ends("subscribe", tps[_i], NULL, NULL, 3);
	ck_assert_int_eq(app.subscribes, 1);
	ck_assert_int_eq(app.refreshes, 2);
	ck_assert_str_eq(app.accept, "application/conference-info+xml");
	ck_assert_uint_eq(app.version, 3);
}
END_TEST

/*
 * A subscriber (or its proxy) that asks requests in the dialog for
 * credentials: the first NOTIFY gets 401 and goes again, once,
 * with Authorization SIPp checks itself, CSeq one up and the same
 * document; the subscription goes on to its end (subscribe_notify_401).
 */
START_TEST(test_sip_notify_authenticates)
{
	use_creds("callee.test tutti s3cret\n");
	sipp_verifies_auth = true;
	run_until_sub_ends("subscribe_notify_401", tps[_i], NULL, NULL, 2);
	sipp_verifies_auth = false;
	ck_assert_uint_eq(cp_sip_stats(sip)->auth_sent, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->auth_failed, 0);
	cp_sip_set_creds(sip, NULL);
}
END_TEST

/* F-47: Expires below the minimum: 423 with Min-Expires. */
START_TEST(test_sip_subscribe_423)
{
	ck_assert_int_eq(run_sipp("subscribe_423", tps[_i], "conf"), 0);
	ck_assert_int_eq(app.subscribes, 1);
	ck_assert_str_eq(app.accept, "(none)");
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_4xx, 1);
	assert_all_ended();
}
END_TEST

/* tutti-cp --sip serves SIP from its loop, even while it waits for tutti-dp. */
START_TEST(test_sip_tutti_cp_option)
{
	char *argv[] = { getenv("TUTTI_CP"), "--region", "/tutti-test-sip-none",
			 "--wait",	     "60",	 "--sip",
			 "127.0.0.1:0",	     NULL };
	static struct proc p; /* 64 KiB of output: not on the stack */
	const char *at;
	unsigned int port = 0;

	ck_assert_ptr_nonnull(argv[0]);
	ck_assert_int_eq(proc_start(&p, argv), 0);
	ck_assert_msg(proc_expect(&p, "waiting for tutti-dp", 10000), "%s",
		      p.out);
	at = strstr(p.out, "SIP on 127.0.0.1 port ");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "SIP on 127.0.0.1 port %u", &port), 1);
	ck_assert_int_eq(run_sipp_set((uint16_t)port, "options", tps[_i],
				      "demo", "mf", "70"),
			 0);
	ck_assert_int_eq(proc_stop(&p, SIGTERM, 10000), 0);
	ck_assert_msg(strstr(p.out, "\"tx_2xx\":1,") != NULL, "%s", p.out);
}
END_TEST

/* ---- the focus: tutti-cp with a real tutti-dp (no NIC) ---- */

static struct proc focus_dp, focus_cp;
static unsigned int focus_port;
static char focus_region[64];
static char focus_ctl[108];
static char focus_state[108];
static unsigned int focus_metrics_port;

static bool focus_two;		/* two workers (and the main lcore) */
static char *focus_policy;	/* --policy for the next fixture */
static char *focus_extra[12];	/* more options and values, NULL-ended */
static char *focus_dp_extra[4];	/* two more tutti-dp options, values */
static void (*focus_before_cp)(void);	/* once tutti-dp is ready */

static void
focus_setup(void)
{
	char cpu[16];
	char *dp_argv[] = { getenv("TUTTI_DP"), "-l", cpu, "--no-huge", "-m",
			    "256", "--no-pci", "--no-shconf", "--no-telemetry",
			    "--log-level=lib.eal:warning", "--",
			    "--region", focus_region, "--legs", "256",
			    "--idle-sleep-us", "100", focus_dp_extra[0],
			    focus_dp_extra[1], focus_dp_extra[2],
			    focus_dp_extra[3], NULL };
	char *cp_argv[] = { getenv("TUTTI_CP"), "--region", focus_region,
			    "--sip", "127.0.0.1:0", "--media-ip",
			    "198.18.0.2", "--rtp-ports", "30000-30998",
			    "--conference", "demo", "--conference", "room2",
			    "--ctl", focus_ctl, "--metrics", "127.0.0.1:0",
			    /* the policy's conferences stand too */
			    "--conference", "closed", "--conference", "small",
			    "--conference", "secret", "--conference", "conf",
			    "--conference", "watched",
			    "--notify-interval-ms", "100",
			    "--state", focus_state,
			    focus_policy ? "--policy" : NULL, focus_policy,
			    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
			    NULL, NULL, NULL, NULL, NULL };
	/* extra options go after the policy's (where it would have been
	 * without one), the last NULL kept */
	{
		size_t n = sizeof(cp_argv) / sizeof(cp_argv[0]);
		size_t at = 0;

		while (cp_argv[at] != NULL)
			at++;
		for (size_t i = 0; i < 12 && focus_extra[i] != NULL; i++) {
			ck_assert_uint_lt(at + i, n - 1);
			cp_argv[at + i] = focus_extra[i];
		}
	}
	const char *at;

	static char lcores[64];

	snprintf(cpu, sizeof(cpu), "%d", proc_first_cpu());
	if (focus_two) {	/* main lcore and two workers, on one CPU */
		snprintf(lcores, sizeof(lcores), "0@%s,1@%s,2@%s", cpu, cpu,
			 cpu);
		dp_argv[1] = "--lcores";
		dp_argv[2] = lcores;
	}
	snprintf(focus_region, sizeof(focus_region), "/tutti-test-focus-%d",
		 (int)getpid());
	snprintf(focus_ctl, sizeof(focus_ctl), "/tmp/tutti-test-focus-%d.sock",
		 (int)getpid());
	snprintf(focus_state, sizeof(focus_state),
		 "/tmp/tutti-test-focus-%d.state", (int)getpid());
	unlink(focus_state);
	proc_shm_unlink_at_exit(focus_region);
	proc_unlink_at_exit(focus_ctl);
	proc_state_unlink_at_exit(focus_state);
	ck_assert_ptr_nonnull(dp_argv[0]);
	ck_assert_int_eq(proc_start(&focus_dp, dp_argv), 0);
	ck_assert_msg(proc_expect(&focus_dp, "ready: region", 20000), "%s",
		      focus_dp.out);
	if (focus_before_cp != NULL)
		focus_before_cp();
	ck_assert_int_eq(proc_start(&focus_cp, cp_argv), 0);
	ck_assert_msg(proc_expect(&focus_cp, "answered on all", 20000), "%s",
		      focus_cp.out);
	at = strstr(focus_cp.out, "SIP on 127.0.0.1 port ");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "SIP on 127.0.0.1 port %u", &focus_port),
			 1);
	at = strstr(focus_cp.out, "metrics on http://127.0.0.1:");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "metrics on http://127.0.0.1:%u",
				&focus_metrics_port), 1);
}

static void
focus_teardown(void)
{
	proc_stop(&focus_cp, SIGTERM, 10000);
	proc_stop(&focus_dp, SIGTERM, 10000);
	shm_unlink(focus_region);
	unlink(focus_state);
}

/* F-08..F-10, F-14: dial in, hold, hang up; the data plane took the leg
 * (the join is logged only after tutti-dp's status) and lost it again. */
START_TEST(test_focus_dial_in_hold_bye)
{
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_join",
				      tps[_i], "demo", NULL, NULL), 0);
	ck_assert_msg(proc_expect(&focus_cp, "left conference demo (hung up)",
				  10000), "%s", focus_cp.out);
	ck_assert_ptr_nonnull(strstr(focus_cp.out,
				     "joined conference demo (leg 1, PCMU/8000,"
				     " RTP port 30000"));
}
END_TEST

/* F-04, F-03: the factory creates a conference with 64 random bits in
 * its URI; it ends with its last participant. */
START_TEST(test_focus_factory_creates_and_ends)
{
	const char *at;
	char name[64];

	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_join",
				      tps[_i], "factory", NULL, NULL), 0);
	ck_assert_msg(proc_expect(&focus_cp, " ended", 10000), "%s",
		      focus_cp.out);
	at = strstr(focus_cp.out, "conference conf-");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "conference %63s created", name), 1);
	ck_assert_uint_eq(strlen(name), strlen("conf-") + 16);
	ck_assert_ptr_nonnull(strstr(focus_cp.out, "through the factory"));
}
END_TEST

/* F-06: not a conference, 404 (also to OPTIONS); no codec in common,
 * 488. Nothing is left behind on the data plane. */
START_TEST(test_focus_404_and_488)
{
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_404",
				      tps[_i], "nosuchroom", NULL, NULL), 0);
	/* S-25: OPTIONS gets what an INVITE would: 404 there, 200 here */
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "options_404",
				      tps[_i], "nosuchroom", NULL, NULL), 0);
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "options",
				      tps[_i], "factory", "mf", "70"), 0);
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_488",
				      tps[_i], "room2", NULL, NULL), 0);
	ck_assert_msg(proc_expect(&focus_cp, "SDP refused", 10000), "%s",
		      focus_cp.out);
	ck_assert_ptr_null(strstr(focus_cp.out, "joined"));
}
END_TEST

/* Run tuttictl against the focus; its stdout in out. Returns its exit
 * status. */
static int
tuttictl(char *out, size_t len, const char *args)
{
	return proc_capture(out, len, "%s --socket %s %s", getenv("TUTTICTL"),
			    focus_ctl, args);
}

/*
 * A delayed offer through tutti-cp and tutti-dp (RFC 3261 13.3.1, S-27):
 * SIPp's INVITE has no SDP; the 200 offers (PCMU, PCMA, telephone-event:
 * the scenario checks), the ACK answers, and the caller is in: tutti-dp
 * runs its leg, PCMU.
 */
START_TEST(test_focus_late_offer)
{
	pid_t pid = sipp_start((uint16_t)focus_port, "focus_late_offer",
			       tps[_i], "demo", NULL, NULL);
	char out[8192];
	bool on_dp = false;

	ck_assert_msg(proc_expect(&focus_cp, "joined conference demo, the "
				  "focus's offer answered in the ACK", 10000),
		      "%s", focus_cp.out);
	for (uint64_t end = proc_now_ms() + 5000;
	     !on_dp && proc_now_ms() < end;) {
		ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show demo"),
				 0);
		on_dp = strstr(out, "\"codec\":\"PCMU\"") != NULL &&
			strstr(out, "\"on_dp\":true") != NULL;
		if (!on_dp)
			usleep(50000);
	}
	ck_assert_msg(on_dp, "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick demo sipp"), 0);
	ck_assert_int_eq(sipp_wait(pid, "focus_late_offer", tps[_i]), 0);
}
END_TEST

static char xml_err[2048];

/* Parse xml (what: where it came from, for messages) and validate it
 * against the RFC 4575 schema, in process and without network; returns
 * the document. */
static xmlDocPtr
valid_doc(const char *xml, const char *what)
{
	static xmlSchemaPtr schema;
	xmlDocPtr d;

	if (schema == NULL) {
		schema = xsd_load(getenv("CONFERENCE_INFO_XSD"), xml_err,
				  sizeof(xml_err));
		ck_assert_msg(schema != NULL, "%s", xml_err);
	}
	d = xmlReadMemory(xml, (int)strlen(xml), "conference-info.xml", NULL,
			  XML_PARSE_NONET);
	ck_assert_msg(d != NULL, "%s: not XML: %s", what, xml);
	ck_assert_msg(xsd_validate(schema, d, xml_err, sizeof(xml_err)) == 0,
		      "%s: not valid RFC 4575: %s\n%s", what, xml_err, xml);
	return d;
}

/* tuttictl (issue 7): list, show, mute (the leg goes to the data plane
 * muted), a clear error for an unknown conference, kick (the focus sends
 * BYE, the participant is gone). */
START_TEST(test_focus_tuttictl)
{
	char out[8192];
	pid_t pid;

	ck_assert_ptr_nonnull(getenv("TUTTICTL"));
	pid = sipp_start((uint16_t)focus_port, "focus_kicked", tps[_i], "demo",
			 NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference demo", 10000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "list"), 0);
	ck_assert_msg(strstr(out, "demo") && strstr(out, "room2"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show demo"), 0);
	ck_assert_msg(strstr(out, "\"from\":\"sip:sipp@127.0.0.1:") &&
		      strstr(out, "\"on_dp\":true") &&
		      strstr(out, "\"muted\":false") &&
		      strstr(out, "\"session_timer\":null"), "%s", out);
	/* the RFC 4575 roster: valid against the schema, the caller in */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "roster demo"), 0);
	xmlFreeDoc(valid_doc(out, "tuttictl roster demo"));
	ck_assert_msg(strstr(out, "<conference-info") &&
		      strstr(out, "entity=\"sip:demo@127.0.0.1\"") &&
		      strstr(out, "<user entity=\"sip:sipp@127.0.0.1:") &&
		      strstr(out, "<status>connected</status>") &&
		      strstr(out, "<joining-method>dialed-in</joining-method>"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "mute demo sipp"), 0);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "roster demo"), 0);
	ck_assert_msg(strstr(out, "<status>muted-via-focus</status>"), "%s",
		      out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show demo"), 0);
	ck_assert_msg(strstr(out, "\"muted\":true"), "%s", out);
	ck_assert_msg(proc_expect(&focus_cp, "muted by the operator", 10000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "show nosuch"), 1);
	ck_assert_msg(strstr(out, "no conference 'nosuch'"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick demo nobody"), 1);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick demo sipp"), 0);
	ck_assert_int_eq(sipp_wait(pid, "focus_kicked", tps[_i]), 0);
	ck_assert_msg(proc_expect(&focus_cp, "sent away by the focus", 10000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json list"), 0);
	ck_assert_msg(strstr(out, "\"name\":\"demo\",\"conf_id\":1,"
			      "\"worker\":0,\"adhoc\":false,"
			      "\"participants\":0"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "stats"), 0);
	ck_assert_msg(strstr(out, "tutti-dp up"), "%s", out);
}
END_TEST

/*
 * A caller that asks for privacy (Privacy: id, RFC 3323) is
 * sip:anonymousN@anonymous.invalid in the RFC 4575 roster (5.6, 8.2):
 * nothing of its From or Contact shows, and the document stays valid. It
 * leaves as that user too. The operator still sees who it is (the log,
 * tuttictl show).
 */
START_TEST(test_focus_privacy)
{
	char out[8192];
	pid_t pid;

	pid = sipp_start((uint16_t)focus_port, "focus_private", tps[_i],
			 "demo", NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "; asked for privacy: anonymous "
				  "in the roster)", 10000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "roster demo"), 0);
	xmlFreeDoc(valid_doc(out, "tuttictl roster demo"));
	ck_assert_msg(strstr(out, "<user entity=\"sip:anonymous") != NULL &&
			      strstr(out, "@anonymous.invalid\"") != NULL &&
			      strstr(out, "<endpoint entity=\"sip:anonymous") !=
				      NULL &&
			      strstr(out, "<status>connected</status>") != NULL &&
			      strstr(out, "sipp") == NULL,
		      "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show demo"), 0);
	ck_assert_msg(strstr(out, "\"from\":\"sip:sipp@127.0.0.1:") != NULL,
		      "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick demo sipp"), 0);
	ck_assert_int_eq(sipp_wait(pid, "focus_private", tps[_i]), 0);
	/* gone as the anonymous user: booted, then deleted (2 intervals) */
	for (uint64_t end = proc_now_ms() + 5000;
	     proc_now_ms() < end &&
	     (tuttictl(out, sizeof(out), "roster demo"),
	      strstr(out, "anonymous") != NULL);)
		usleep(50000);
	xmlFreeDoc(valid_doc(out, "tuttictl roster demo"));
	ck_assert_msg(strstr(out, "anonymous") == NULL &&
			      strstr(out, "sipp") == NULL,
		      "%s", out);
}
END_TEST

/* tuttictl kick between the focus's 200 and the caller's ACK (the
 * operator's tools see a participant from the 200 on): accepted, and the
 * BYE goes once the ACK is in (RFC 3261 15), not refused as "not
 * connected". */
START_TEST(test_focus_kick_before_ack)
{
	char out[4096];
	pid_t pid;

	pid = sipp_start((uint16_t)focus_port, "focus_late_ack", tps[_i],
			 "demo", NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference demo", 10000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick demo sipp"), 0);
	ck_assert_msg(strstr(out, "\"ok\":true"), "%s", out);
	ck_assert_int_eq(sipp_wait(pid, "focus_late_ack", tps[_i]), 0);
	ck_assert_msg(proc_expect(&focus_cp, "left conference demo", 10000),
		      "%s", focus_cp.out);
}
END_TEST

/* tuttictl lock/unlock (issue 7): while room2 is locked a join gets 403
 * (with or without a policy: this runs in both fixtures), list and the
 * roster say so; unlocked, the same caller joins. Bad requests get clear
 * errors. */
START_TEST(test_focus_tuttictl_lock)
{
	char out[8192], trace[128];
	pid_t pid;

	ck_assert_int_eq(tuttictl(out, sizeof(out), "help"), 0);
	ck_assert_msg(strstr(out, "\"lock CONF\"") &&
		      strstr(out, "\"unlock CONF\""), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "lock"), 1);
	ck_assert_msg(strstr(out, "'lock' needs a conference name"), "%s",
		      out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "lock nosuch"), 1);
	ck_assert_msg(strstr(out, "no conference 'nosuch'"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "frob room2"), 1);
	ck_assert_msg(strstr(out, "unknown command 'frob'"), "%s", out);

	ck_assert_int_eq(tuttictl(out, sizeof(out), "lock room2"), 0);
	ck_assert_msg(strstr(out, "conference room2: locked"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json list"), 0);
	ck_assert_msg(strstr(out, "\"name\":\"room2\"") &&
		      strstr(out, "\"talkers\":0,\"locked\":true"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "roster room2"), 0);
	ck_assert_msg(strstr(out, "<locked>true</locked>"), "%s", out);
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_403",
				      tps[_i], "room2", NULL, NULL), 0);
	ck_assert_msg(proc_expect(&focus_cp, "403 Conference Locked", 10000),
		      "%s", focus_cp.out);

	ck_assert_int_eq(tuttictl(out, sizeof(out), "unlock room2"), 0);
	ck_assert_msg(strstr(out, "conference room2: unlocked"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "roster room2"), 0);
	ck_assert_msg(strstr(out, "<locked>false</locked>"), "%s", out);
	snprintf(trace, sizeof(trace), "sipp_focus_kick_%s.msg", tps[_i]);
	unlink(trace);
	sipp_trace = trace;
	pid = sipp_start((uint16_t)focus_port, "focus_kicked", tps[_i],
			 "room2", NULL, NULL);
	sipp_trace = NULL;
	ck_assert_msg(proc_expect(&focus_cp, "joined conference room2", 10000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick room2 sipp"), 0);
	ck_assert_int_eq(sipp_wait(pid, "focus_kicked", tps[_i]), 0);
	/* normal clearing (Q.850 16), and the roster's reason */
	ck_assert_msg(traced_says(trace, "BYE", "Q.850;cause=16;text=\"sent "
				  "away by the operator\""),
		      "see %s", trace);
}
END_TEST

/* One HTTP GET of path from the metrics endpoint; the whole answer. */
static void
http_get(const char *path, char *out, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)focus_metrics_port) };
	char req[256];
	size_t n = 0;
	ssize_t k;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: test\r\n\r\n",
		 path);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (n + 1 < len && (k = read(fd, out + n, len - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fd);
}

/* Metrics (issue 7): scraped and parsed while a participant is in. Every
 * sample line is "name{labels} value"; the figures match the state. */
START_TEST(test_focus_metrics)
{
	static char out[1 << 20];
	static char done[256][128];
	char *line, *save, *body, fam[128] = "";
	unsigned int samples = 0, n_done = 0;
	pid_t pid;

	pid = sipp_start((uint16_t)focus_port, "focus_kicked", tps[_i], "demo",
			 NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference demo", 10000),
		      "%s", focus_cp.out);
	http_get("/", out, sizeof(out));
	ck_assert_msg(strncmp(out, "HTTP/1.0 404", 12) == 0, "%s", out);
	http_get("/metrics", out, sizeof(out));
	ck_assert_msg(strncmp(out, "HTTP/1.0 200", 12) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "text/plain; version=0.0.4"));
	body = strstr(out, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	ck_assert_ptr_nonnull(strstr(body, "\ntutti_dataplane_up 1\n"));
	ck_assert_ptr_nonnull(strstr(body,
		"\ntutti_participants{conference=\"demo\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(body,
		"\ntutti_participants{conference=\"room2\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(body, "tutti_worker_ticks_total"
				     "{worker=\"0\"} "));
	/* the ports' families, without samples: this tutti-dp has none */
	ck_assert_ptr_nonnull(strstr(body, "\n# TYPE tutti_port_missed_total "
				     "counter\n"));
	ck_assert_ptr_null(strstr(body, "\ntutti_port_missed_total{"));
	ck_assert_ptr_nonnull(strstr(body, "\ntutti_worker_poll_gap_seconds_max"
				     "{worker=\"0\"} "));
	ck_assert_ptr_nonnull(strstr(body, "\ntutti_worker_plc_shed_total"
				     "{worker=\"0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(body, "\ntutti_worker_rx_polls_total"
				     "{worker=\"0\"} "));
	/* no port here: nothing ever waited to be sent */
	ck_assert_ptr_nonnull(strstr(body, "\ntutti_worker_tx_deferred_total"
				     "{worker=\"0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(body, "\ntutti_worker_tx_backlog_max"
				     "{worker=\"0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(body, "\ntutti_worker_dtmf_lost_total"
				     "{worker=\"0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(body,
				     "\ntutti_worker_frames_concealed_total"
				     "{worker=\"0\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(body,
		"\ntutti_worker_ticks_by_lateness_total{worker=\"0\","
		"late_ms=\"0-1\"} "));
	ck_assert_ptr_nonnull(strstr(body,
		"\ntutti_worker_ticks_by_lateness_total{worker=\"0\","
		"late_ms=\"20+\"} "));
	ck_assert_ptr_nonnull(strstr(body, "tutti_leg_packets_total"
				     "{conference=\"demo\",leg=\""));
	ck_assert_ptr_nonnull(strstr(body, "tutti_sip_events_total"
				     "{what=\"rx_requests\"} "));
	for (line = strtok_r(body + 4, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128], val[64];
		const char *sp;

		/* each family's HELP, TYPE and samples together: a family
		 * once left is not seen again */
		if (sscanf(line, line[0] == '#' ? "# %*s %127s" : "%127[a-z_]",
			   name) == 1 && strcmp(name, fam) != 0) {
			for (unsigned int k = 0; k < n_done; k++)
				ck_assert_msg(strcmp(done[k], name) != 0,
					      "%s: not in one group", name);
			ck_assert_uint_lt(n_done, 256);
			snprintf(done[n_done++], sizeof(done[0]), "%s", fam);
			snprintf(fam, sizeof(fam), "%s", name);
		}
		if (line[0] == '#')
			continue;
		sp = strrchr(line, ' ');
		ck_assert_msg(sp != NULL, "bad line '%s'", line);
		ck_assert_int_eq(sscanf(line, "%127[a-z_]", name), 1);
		ck_assert_int_eq(sscanf(sp + 1, "%63s", val), 1);
		ck_assert_msg(strspn(val, "0123456789.e+-") == strlen(val),
			      "bad value in '%s'", line);
		samples++;
	}
	ck_assert_uint_gt(samples, 20);
	ck_assert_int_eq(tuttictl(out, 4096, "kick demo sipp"), 0);
	ck_assert_int_eq(sipp_wait(pid, "focus_kicked", tps[_i]), 0);
}
END_TEST

/* The focus with the policy tests/vectors/focus/<file>. */
/*
 * RFC 4028 with the real focus and SIPp (UDP and TCP): 422 for 60 s, the
 * caller as refresher, its refreshes by UPDATE and re-INVITE answered with
 * the interval; tuttictl show says the call's timer; the counters in the
 * metrics.
 */
START_TEST(test_focus_session_timer)
{
	static char m[1 << 18];
	char out[8192];
	pid_t pid;
	bool seen = false;

	pid = sipp_start((uint16_t)focus_port, "focus_session_timer", tps[_i],
			 "demo", NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference demo", 10000),
		      "%s", focus_cp.out);
	/* the caller refreshes: the focus hangs up 32 s before the end */
	for (uint64_t end = proc_now_ms() + 5000;
	     !seen && proc_now_ms() < end;) {
		ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show demo"),
				 0);
		seen = strstr(out, "\"session_timer\":{\"interval_s\":1800,"
				   "\"refresher\":\"peer\",\"due_in_s\":176") !=
		       NULL;
		if (!seen)
			usleep(50000);
	}
	ck_assert_msg(seen, "%s", out);
	ck_assert_int_eq(sipp_wait(pid, "focus_session_timer", tps[_i]), 0);
	/* the caller's BYE said why (RFC 3326) */
	ck_assert_msg(proc_expect(&focus_cp, "left conference demo (hung up: "
				  "Reason: Q.850;cause=16;text=\"Normal call "
				  "clearing\")", 10000),
		      "%s", focus_cp.out);
	ck_assert_msg(strstr(focus_cp.out, "session timers: at most 1800 s, "
					   "at least 90 s") != NULL,
		      "%s", focus_cp.out);
	http_get("/metrics", m, sizeof(m));
	ck_assert_msg(strstr(m, "tutti_sip_events_total{what=\""
				"session_too_small\"} 1\n") != NULL &&
			      strstr(m, "tutti_sip_events_total{what=\""
					"session_refreshed\"} 2\n") != NULL &&
			      strstr(m, "tutti_sip_transport_total{what=\""
					"closed_idle\"} 0\n") != NULL,
		      "%s", m);
	/* and for people: tuttictl stats */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "stats"), 0);
	ck_assert_msg(strstr(out, "\nSIP session timers: refreshes sent 0, "
				  "received 2, calls hung up unrefreshed 0, "
				  "422 Session Interval Too Small 1\n") != NULL &&
			      strstr(out, "\nSIP outbound proxies: dial-outs "
					  "failed over 0, proxies found down 0,"
					  " keepalives 0, DNS failures 0\n") !=
				      NULL &&
			      strstr(out, "\nSIP dial-outs by name: sent on "
					  "to the next address 0, DNS failures "
					  "0\n") != NULL &&
			      strstr(out, "\nSIP over TLS: connections "
					  "accepted 0, opened 0, failed "
					  "(handshake or record) 0; sips: "
					  "requests refused in clear (416) "
					  "0\n") != NULL &&
			      strstr(out, "\nSIP connections (TCP and TLS): "
					  "accepted ") != NULL &&
			      strstr(out, "; refused at --max-conns 0, at "
					  "--max-conns-per-addr 0; closed "
					  "idle 0, with no message in 30 s 0;"
					  " keepalives (CRLF) 0\n") != NULL,
		      "%s", out);
}
END_TEST

static void
focus_setup_with_policy(const char *file)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/../vectors/focus/%s",
		 getenv("SIPP_SCENARIOS"), file);
	focus_policy = path;
	focus_setup();
	focus_policy = NULL;
}

static void
focus_policy_setup(void)
{
	focus_setup_with_policy("policy.xml");
}

/* The conference policy decides (F-14, F-15, D5): a join it does not
 * allow gets 403, a full conference 486, a conference behind Digest a 401
 * with a SHA-256 and an MD5 challenge. */
START_TEST(test_focus_policy)
{
	pid_t pid;

	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_403",
				      tps[_i], "closed", NULL, NULL), 0);
	pid = sipp_start((uint16_t)focus_port, "focus_kicked", tps[_i],
			 "small", NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference small", 10000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_486",
				      tps[_i], "small", NULL, NULL), 0);
	{
		char out[4096];

		ck_assert_int_eq(tuttictl(out, sizeof(out), "kick small sipp"),
				 0);
	}
	ck_assert_int_eq(sipp_wait(pid, "focus_kicked", tps[_i]), 0);
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_auth",
				      tps[_i], "secret", NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(focus_cp.out, "may not join"));
	ck_assert_ptr_null(strstr(focus_cp.out, "joined conference secret"));
}
END_TEST

/* The operator kicks the SIPp at 127.0.0.1:port (pid, transport tp) out
 * of conference conf; it ends cleanly (scenario focus_kicked). */
static void
kick_sipp(const char *conf, int port, pid_t pid, const char *tp)
{
	char need[160], out[8192];

	snprintf(need, sizeof(need), "kick %s 127.0.0.1:%d", conf, port);
	ck_assert_msg(tuttictl(out, sizeof(out), need) == 0, "%s: %s", need,
		      out);
	ck_assert_int_eq(sipp_wait(pid, "focus_kicked", tp), 0);
}

/* SIPp at port (transport tp) makes an ad hoc conference through the
 * factory and stays in it; name[64] gets the conference's name. What
 * tutti-cp said before is forgotten: the factory line found is this
 * conference's, also after others were made. */
static pid_t
adhoc_start(int port, const char *tp, char *name)
{
	pid_t pid;
	const char *at;

	proc_forget(&focus_cp);
	pid = sipp_start_at((uint16_t)focus_port, "focus_kicked", tp,
			    "factory", NULL, NULL, port);
	ck_assert_msg(proc_expect(&focus_cp, "through the factory", 10000),
		      "%s", focus_cp.out);
	/* the name from the factory's line (other lines may name other
	 * conferences before it) */
	at = strstr(focus_cp.out, "through the factory");
	while (at > focus_cp.out && at[-1] != '\n')
		at--;
	at = strstr(at, "conference conf-");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "conference %63s created", name), 1);
	return pid;
}

/* SIPp at port (transport tp) dials into conference name and stays in
 * it; returns once the focus logged the join. */
static pid_t
join_at(int port, const char *tp, const char *name)
{
	pid_t pid = sipp_start_at((uint16_t)focus_port, "focus_kicked", tp,
				  name, NULL, NULL, port);
	char need[160];

	snprintf(need, sizeof(need), "127.0.0.1:%d joined conference %s",
		 port, name);
	ck_assert_msg(proc_expect(&focus_cp, need, 10000), "%s", focus_cp.out);
	return pid;
}

/*
 * The creator of an ad hoc conference is one of its moderators (RFC 4579
 * creator, policy.h), also when it comes back: A makes a conference
 * through the factory, B joins, the operator locks it, A leaves (the
 * policy keeps it until empty) and calls in again from the same address:
 * admitted past the lock, where a stranger gets 403.
 */
START_TEST(test_focus_creator_rejoins_locked)
{
	char name[64], need[160], out[4096];
	int a_port = free_port(), b_port = free_port();
	pid_t a, b;

	a = adhoc_start(a_port, tps[_i], name);
	b = join_at(b_port, tps[_i], name);
	snprintf(need, sizeof(need), "lock %s", name);
	ck_assert_int_eq(tuttictl(out, sizeof(out), need), 0);
	kick_sipp(name, a_port, a, tps[_i]);

	proc_forget(&focus_cp);
	a = join_at(a_port, tps[_i], name);
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_403",
				      tps[_i], name, NULL, NULL), 0);
	ck_assert_msg(proc_expect(&focus_cp, "403 Conference Locked", 10000),
		      "%s", focus_cp.out);
	kick_sipp(name, a_port, a, tps[_i]);
	kick_sipp(name, b_port, b, tps[_i]);
}
END_TEST

/* The focus of policy.xml with --trust nets. */
static void
focus_trusting(char *nets)
{
	focus_extra[0] = "--trust";
	focus_extra[1] = nets;
	focus_setup_with_policy("policy.xml");
	focus_extra[0] = focus_extra[1] = NULL;
}

static void
focus_trust_setup(void)
{
	focus_trusting("192.0.2.0/24,127.0.0.1");
}

/* SIPp (transport tp) joins conf asserting pai (focus_asserted), and
 * tutti-cp says uri joined it: its pid. */
static pid_t
asserted_join(const char *conf, const char *pai, const char *uri,
	      const char *tp)
{
	pid_t pid = sipp_start_at((uint16_t)focus_port, "focus_asserted", tp,
				  conf, "pai", pai, free_port());
	char need[160];

	snprintf(need, sizeof(need), "%s joined conference %s", uri, conf);
	ck_assert_msg(proc_expect(&focus_cp, need, 10000), "%s", focus_cp.out);
	return pid;
}

/*
 * The trust domain (RFC 3325, --trust ...,127.0.0.1): SIPp calls as a
 * proxy of it would, asserting who calls. Conference closed lets only
 * sip:alice@* in: SIPp's From (sipp) would get 403, the alice it asserts
 * joins; secret's join asks for Digest (auth="true"), which an asserted
 * identity passes without a 401. The roster, tuttictl show and the log
 * name the asserted identity; tuttictl stats counts them.
 */
START_TEST(test_focus_asserted_identity)
{
	char out[16384];
	pid_t a, b;

	ck_assert_msg(proc_expect(&focus_cp, "trust domain (RFC 3325): "
				  "192.0.2.0/24,127.0.0.1", 1000), "%s",
		      focus_cp.out);
	a = asserted_join("closed", "<sip:alice@carrier.example>",
			  "sip:alice@carrier.example", tps[_i]);
	ck_assert_msg(proc_expect(&focus_cp, "; identity asserted (P-Asserted-"
				  "Identity))", 1000), "%s", focus_cp.out);
	b = asserted_join("secret", "\"Bob\" <sip:bob@carrier.example>",
			  "sip:bob@carrier.example", tps[_i]);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show closed"), 0);
	ck_assert_msg(strstr(out, "\"from\":\"sip:alice@carrier.example\"") !=
			      NULL, "%s", out);
	/* the RFC 4575 roster: valid, the asserted user in, not From's */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "roster closed"), 0);
	xmlFreeDoc(valid_doc(out, "tuttictl roster closed"));
	ck_assert_msg(strstr(out, "<user entity=\"sip:alice@carrier.example\"")
			      != NULL && strstr(out, "sip:sipp@") == NULL,
		      "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "stats"), 0);
	ck_assert_msg(strstr(out, "\nSIP asserted identities (RFC 3325): "
				  "believed 2, ignored (not from the trust "
				  "domain) 0; asserted by dial-outs 0\n") !=
			      NULL, "%s", out);
	/* the operator names them as the roster does */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick closed alice"), 0);
	ck_assert_int_eq(sipp_wait(a, "focus_asserted", tps[_i]), 0);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick secret bob"), 0);
	ck_assert_int_eq(sipp_wait(b, "focus_asserted", tps[_i]), 0);
	ck_assert_ptr_null(strstr(focus_cp.out, "may not join"));
}
END_TEST

static void
focus_trust_tcp_setup(void)
{
	focus_trusting("tcp:127.0.0.1");
}

/*
 * A trust domain over TCP only (--trust tcp:127.0.0.1): the identity SIPp
 * asserts over TCP is believed (alice joins the closed conference); over
 * UDP, from the same address, it is ignored: From says who calls (SIPp
 * joins the open conference conf as itself, not as carol).
 */
START_TEST(test_focus_asserted_identity_tcp_only)
{
	char out[4096];
	pid_t a, b;

	ck_assert_msg(proc_expect(&focus_cp, "trust domain (RFC 3325): "
				  "tcp:127.0.0.1", 1000), "%s", focus_cp.out);
	a = asserted_join("closed", "<sip:alice@carrier.example>",
			  "sip:alice@carrier.example", "t1");
	b = sipp_start_at((uint16_t)focus_port, "focus_asserted", "u1",
			  "conf", "pai", "<sip:carol@carrier.example>",
			  free_port());
	ck_assert_msg(proc_expect(&focus_cp, "joined conference conf", 10000),
		      "%s", focus_cp.out);
	ck_assert_msg(strstr(focus_cp.out, "sip:carol@carrier.example") ==
			      NULL, "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "stats"), 0);
	ck_assert_msg(strstr(out, "\nSIP asserted identities (RFC 3325): "
				  "believed 1, ignored (not from the trust "
				  "domain) 1; asserted by dial-outs 0\n") !=
			      NULL, "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick closed alice"), 0);
	ck_assert_int_eq(sipp_wait(a, "focus_asserted", "t1"), 0);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf sipp"), 0);
	ck_assert_int_eq(sipp_wait(b, "focus_asserted", "u1"), 0);
}
END_TEST

/* SIPp (scen over UDP, -s service) listening on sipp_port, its messages
 * traced to trace, and tuttictl dialling sip:callee@ it into conf: its
 * pid. */
static pid_t
dial_traced(const char *scen, const char *service, const char *trace,
	    const char *conf, int sipp_port)
{
	char cmd[96], out[4096];
	pid_t pid;

	sipp_trace = trace;
	pid = sipp_start_at(9, scen, "u1", service, NULL, NULL, sipp_port);
	sipp_trace = NULL;
	snprintf(cmd, sizeof(cmd), "dial %s sip:callee@127.0.0.1:%d", conf,
		 sipp_port);
	ck_assert_int_eq(tuttictl(out, sizeof(out), cmd), 0);
	return pid;
}

static void
focus_assert_setup(void)
{
	focus_extra[2] = "--assert-identity";
	focus_trusting("127.0.0.1");
	focus_extra[2] = NULL;
}

/*
 * tutti-cp --trust 127.0.0.1 --assert-identity (RFC 3325 9.1): its
 * dial-out to SIPp, a next hop in the trust domain, says who calls:
 * P-Asserted-Identity is the INVITE's From, the conference's URI; the
 * start's log and tuttictl stats say so.
 */
START_TEST(test_focus_dial_out_asserts_identity)
{
	static const char trace[] = "sipp_dial_out_asserted.msg";
	static char buf[1 << 20];
	char out[4096], from[160], want[200], *cur = buf, *inv, *end, *f;
	int sipp_port = free_port();
	pid_t callee;

	ck_assert_msg(proc_expect(&focus_cp, "trust domain (RFC 3325): "
				  "127.0.0.1; the P-Asserted-Identity of "
				  "requests from there says who calls, "
				  "elsewhere's is ignored; dial-outs to its "
				  "networks assert their conference's URI",
				  1000), "%s", focus_cp.out);
	unlink(trace);
	callee = dial_traced("uas_dialout", "conf", trace, "conf", sipp_port);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference conf, dialled "
				  "out", 10000), "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf callee"), 0);
	ck_assert_int_eq(sipp_wait(callee, "uas_dialout", "u1"), 0);
	test_read_file(trace, buf, sizeof(buf));
	inv = traced_next(&cur, "INVITE");
	ck_assert_msg(inv != NULL, "%s", buf);
	end = strstr(inv, "\r\n\r\n");
	ck_assert_ptr_nonnull(end);
	end[2] = '\0'; /* its headers, each with its CRLF */
	f = strstr(inv, "\r\nFrom: <");
	ck_assert_msg(f != NULL && sscanf(f + 9, "%159[^>]", from) == 1, "%s",
		      inv);
	ck_assert_msg(strncmp(from, "sip:conf@", 9) == 0, "%s", inv);
	snprintf(want, sizeof(want), "\r\nP-Asserted-Identity: <%s>\r\n",
		 from);
	ck_assert_msg(strstr(inv, want) != NULL, "%s", inv);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "stats"), 0);
	ck_assert_msg(strstr(out, "; asserted by dial-outs 1\n") != NULL, "%s",
		      out);
}
END_TEST

static void
focus_md5_setup(void)
{
	focus_setup_with_policy("policy_md5.xml");
}

/* A policy file at path whose conference conf dials
 * sip:callee@127.0.0.1:PORT (over TCP if tcp) when it starts. */
static void
write_dial_policy(char *path, size_t len, const char *tag, int port,
		  bool tcp)
{
	char uri[128];

	snprintf(path, len, "/tmp/tutti-test-%s-%d.xml", tag, (int)getpid());
	snprintf(uri, sizeof(uri), "sip:callee@127.0.0.1:%d%s", port,
		 tcp ? ";transport=tcp" : "");
	test_write_dial_policy(path, uri);
}

/* The focus logged dialling the callee once, saying the policy asked. */
static void
dialled_once_by_policy(void)
{
	const char *d = strstr(focus_cp.out, "dialling sip:callee@");

	ck_assert_msg(d != NULL, "%s", focus_cp.out);
	ck_assert_msg(strstr(d + 1, "dialling") == NULL, "%s", focus_cp.out);
	d = strchr(d, '\n');
	ck_assert_msg(d != NULL && memcmp(d - 9, " (policy)", 9) == 0, "%s",
		      focus_cp.out);
}

/*
 * Issue 5 item 4: the policy's <dial-out> makes the focus call SIPp (the
 * callee, already listening) when conference conf starts; the callee is
 * in the conference, dialled out; the operator sends it away.
 */
START_TEST(test_focus_policy_dials_out)
{
	static char path[128];
	int sipp_port = free_port();
	char out[4096];
	pid_t callee;

	write_dial_policy(path, sizeof(path), "dial", sipp_port, _i == 1);
	callee = sipp_start_at(9, "uas_dialout", tps[_i], "conf", NULL, NULL,
			       sipp_port);
	focus_policy = path;
	focus_setup();
	focus_policy = NULL;
	ck_assert_msg(proc_expect(&focus_cp, "joined conference conf, dialled "
				  "out", 10000), "%s", focus_cp.out);
	dialled_once_by_policy();
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf callee"), 0);
	ck_assert_int_eq(sipp_wait(callee, "uas_dialout", tps[_i]), 0);
	focus_teardown();
	unlink(path);
}
END_TEST

/*
 * RFC 3263 with no outbound proxy: tutti-cp --dns asks dnsmasq (in the
 * test's namespace) for pbx.test, whose SRV _sip._udp record names
 * SIPp's port. tuttictl dial conf sip:callee@pbx.test reaches SIPp (the
 * callee), which joins, dialled out; the log says what the name was; the
 * operator's kick ends the call.
 */
START_TEST(test_focus_dial_by_name)
{
	char rec[2][96], dns[32], out[4096], want[128];
	const char *records[3] = { rec[0], rec[1], NULL };
	int sipp_port = free_port();
	uint16_t dport = (uint16_t)free_port();
	struct proc dm;
	pid_t callee;

	snprintf(rec[0], sizeof(rec[0]),
		 "--srv-host=_sip._udp.pbx.test,callee.pbx.test,%d,10,0",
		 sipp_port);
	snprintf(rec[1], sizeof(rec[1]),
		 "--host-record=callee.pbx.test,127.0.0.1");
	ck_assert_int_eq(proc_dnsmasq(&dm, "127.0.0.1", dport, records), 0);
	snprintf(dns, sizeof(dns), "127.0.0.1:%u", dport);
	focus_extra[0] = "--dns";
	focus_extra[1] = dns;
	focus_setup();
	focus_extra[0] = focus_extra[1] = NULL;
	callee = sipp_start_at(9, "uas_dialout", "u1", "conf", NULL, NULL,
			       sipp_port);
	ck_assert_int_eq(tuttictl(out, sizeof(out),
				  "dial conf sip:callee@pbx.test"), 0);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference conf, dialled "
				  "out", 10000), "%s", focus_cp.out);
	snprintf(want, sizeof(want), ": pbx.test is 127.0.0.1:%d/udp (DNS)",
		 sipp_port);
	ck_assert_msg(strstr(focus_cp.out, want) != NULL, "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf callee"), 0);
	ck_assert_int_eq(sipp_wait(callee, "uas_dialout", "u1"), 0);
	focus_teardown();
	proc_stop(&dm, SIGTERM, 5000);
}
END_TEST

/*
 * tutti-cp stopped (SIGTERM) while a dial-out rings: the state file
 * cannot keep a ringing call (a phone answered after the stop would get
 * no ACK), so it CANCELs it saying why (Q.850 41, "tutti-cp stopped"),
 * and stops once the 487 is in (SIPp's scenario ends with its ACK).
 */
START_TEST(test_focus_stop_cancels_a_ringing_dial_out)
{
	char roster[4096];
	static const char trace[] = "sipp_stop_cancel.msg";
	int sipp_port = free_port();
	uint64_t end;
	pid_t callee;

	unlink(trace);
	focus_setup();
	callee = dial_traced("uas_cancel", "callee", trace, "demo", sipp_port);
	/* ringing: its 180 in */
	end = proc_now_ms() + 10000;
	do {
		ck_assert_int_eq(tuttictl(roster, sizeof(roster),
					  "roster demo"), 0);
	} while (strstr(roster, "alerting") == NULL && proc_now_ms() < end);
	ck_assert_msg(strstr(roster, "alerting") != NULL, "%s", roster);
	ck_assert_int_eq(proc_stop(&focus_cp, SIGTERM, 10000), 0);
	ck_assert_msg(strstr(focus_cp.out, "stopping: 1 dial-out ringing: "
					   "cancelled") != NULL, "%s",
		      focus_cp.out);
	ck_assert_int_eq(sipp_wait(callee, "uas_cancel", "u1"), 0);
	ck_assert_msg(traced_says(trace, "CANCEL", "Q.850;cause=41;text=\""
				  "tutti-cp stopped\""), "see %s", trace);
	/* focus_teardown() but for tutti-cp, stopped (and reaped) above */
	proc_stop(&focus_dp, SIGTERM, 10000);
	shm_unlink(focus_region);
	unlink(focus_state);
}
END_TEST

static pid_t stall_pid;

/*
 * tutti-dp stopped for 60 ms every quarter second by a child of the test,
 * as check_ops_audio.sh does: every second then has late ticks (of a
 * conference it was provisioned with), and with --admit-busy its worker
 * says it is at its limit. Returns once it says so (the stats in the
 * region); stall_end() ends the stalls.
 */
static void
stall_until_overloaded(void)
{
	struct shm_region r;
	struct shm_worker_stats s = { 0 };
	char err[256];
	uint64_t end = proc_now_ms() + 20000;

	stall_pid = fork();
	ck_assert_int_ge(stall_pid, 0);
	if (stall_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* not past the test */
		for (;;) {
			if (kill(focus_dp.pid, SIGSTOP) != 0)
				_exit(0);
			usleep(60000);
			kill(focus_dp.pid, SIGCONT);
			usleep(200000);
		}
	}
	ck_assert_int_eq(shm_region_attach(&r, focus_region, 0,
					   (uint64_t)proc_now_ms() * 1000000u,
					   err, sizeof(err)), 0);
	while (!s.overloaded && proc_now_ms() < end) {
		shm_read_stats(shm_region_stats(&r, 0), &s);
		if (!s.overloaded)
			usleep(20000);
	}
	shm_region_detach(&r);
	ck_assert_msg(s.overloaded, "tutti-dp never said overloaded");
}

static void
stall_end(void)
{
	kill(stall_pid, SIGKILL);
	waitpid(stall_pid, NULL, 0);
	kill(focus_dp.pid, SIGCONT);
}

/*
 * The policy's <dial-out> when the conference starts on a worker at its
 * limit (tutti-dp --admit-busy, stalled): no phone rings, tutti-cp says it
 * will try again; once the worker admits again, it dials, and the callee
 * (SIPp) is in the conference.
 */
START_TEST(test_focus_policy_dial_out_waits_for_worker)
{
	static char path[128], prov[128];
	int sipp_port = free_port();
	char out[4096];
	pid_t callee;
	FILE *f;

	/* a conference of its own that ticks, and so can tick late */
	snprintf(prov, sizeof(prov), "/tmp/tutti-test-dialbusy-%d.prov",
		 (int)getpid());
	f = fopen(prov, "w");
	ck_assert_ptr_nonnull(f);
	fputs("conference 999\n", f);
	fclose(f);
	write_dial_policy(path, sizeof(path), "dialbusy", sipp_port, false);
	callee = sipp_start_at(9, "uas_dialout", tps[0], "conf", NULL, NULL,
			       sipp_port);
	focus_policy = path;
	focus_dp_extra[0] = "--admit-busy";
	focus_dp_extra[1] = "99";
	focus_dp_extra[2] = "--provision";
	focus_dp_extra[3] = prov;
	focus_before_cp = stall_until_overloaded;
	focus_setup();
	focus_policy = NULL;
	memset(focus_dp_extra, 0, sizeof(focus_dp_extra));
	focus_before_cp = NULL;
	ck_assert_msg(proc_expect(&focus_cp, "1 of the policy's dial-outs "
				  "wait: worker 0 is at its limit", 10000),
		      "%s", focus_cp.out);
	ck_assert_ptr_null(strstr(focus_cp.out, "dialling sip:callee@"));
	stall_end();
	ck_assert_msg(proc_expect(&focus_cp, "joined conference conf, dialled "
				  "out", 40000), "%s", focus_cp.out);
	dialled_once_by_policy();
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf callee"), 0);
	ck_assert_int_eq(sipp_wait(callee, "uas_dialout", tps[0]), 0);
	focus_teardown();
	unlink(path);
	unlink(prov);
}
END_TEST

/* D5 with a real client: SIPp answers the MD5 challenge (the focus offers
 * only MD5 when the credentials hold only MD5 hashes) and joins; with a
 * wrong password it is challenged again and never joins. */
START_TEST(test_focus_digest_round_trip)
{
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_auth_md5",
				      tps[_i], "secret", "-ap", "wrong"), 0);
	ck_assert_ptr_null(strstr(focus_cp.out, "joined conference secret"));
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_auth_md5",
				      tps[_i], "secret", "-ap", "secret"), 0);
	ck_assert_msg(proc_expect(&focus_cp, "left conference secret (hung up)",
				  10000), "%s", focus_cp.out);
	ck_assert_ptr_nonnull(strstr(focus_cp.out,
				     "sip:sipp@127.0.0.1 joined conference "
				     "secret"));
}
END_TEST

static void
focus_timeout_setup(void)
{
	focus_extra[0] = "--media-timeout";
	focus_extra[1] = "1";
	focus_setup();
	focus_extra[0] = NULL;
}

static int focus_proxy_port;	/* where focus_proxy_setup()'s proxy is */

static void
focus_proxy_setup(void)
{
	static char proxy[64];

	focus_proxy_port = free_port();
	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%d", focus_proxy_port);
	/* no keepalives: an OPTIONS, outside its scenario, fails SIPp */
	char *extra[] = { "--outbound-proxy", proxy, "--proxy-ping", "0" };

	memcpy(focus_extra, extra, sizeof(extra));
	focus_setup();
	memset(focus_extra, 0, sizeof(focus_extra));
}

/* A first proxy that never answers (a socket of the test's), then SIPp's
 * port as focus_proxy_setup()'s; no keepalives (SIPp would take an
 * OPTIONS for a failure), a dial-out unanswered for 300 ms goes on. */
static int focus_silent_fd = -1;
static unsigned focus_silent_port;

static void
focus_proxies_setup(void)
{
	static char silent[64], proxy[64];
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	focus_silent_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(focus_silent_fd, 0);
	ck_assert_int_eq(bind(focus_silent_fd, (struct sockaddr *)&a,
			      sizeof(a)), 0);
	ck_assert_int_eq(getsockname(focus_silent_fd, (struct sockaddr *)&a,
				     &len), 0);
	focus_silent_port = ntohs(a.sin_port);
	snprintf(silent, sizeof(silent), "sip:127.0.0.1:%u",
		 focus_silent_port);
	focus_proxy_port = free_port();
	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%d", focus_proxy_port);
	char *extra[] = { "--outbound-proxy", silent, "--outbound-proxy",
			  proxy, "--proxy-timeout", "300", "--proxy-ping",
			  "0" };
	memcpy(focus_extra, extra, sizeof(extra));
	focus_setup();
	memset(focus_extra, 0, sizeof(focus_extra));
}

static void
focus_proxies_teardown(void)
{
	focus_teardown();
	close(focus_silent_fd);
	focus_silent_fd = -1;
}

/*
 * Real proxies: Kamailio (the Debian package tools/deps installs), as a
 * stateless proxy on 127.0.0.1 that answers OPTIONS to itself and sends
 * everything else on to SIPp at focus_proxy_port (loose routing: it takes
 * its own Route off). Proxy A's port has no Kamailio at first; B's has.
 */
#define KAMAILIO "/usr/sbin/kamailio"

static struct proc kam[2];
static int kam_port[2];
static char kam_cfg[2][64];

static void
kam_start(int k)
{
	char *argv[] = { KAMAILIO, "-f", kam_cfg[k], "-E", "-Y", "/tmp", NULL };

	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)kam_port[k]) };
	uint64_t end = proc_now_ms() + 10000;
	char msg[512], buf[512] = "";
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	ssize_t n = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(proc_start(&kam[k], argv), 0);
	/* ready once it answers an OPTIONS (not tutti-cp's: another user) */
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(msg, sizeof(msg),
		 "OPTIONS sip:probe@127.0.0.1:%d SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKprobe;rport\r\n"
		 "From: <sip:probe@127.0.0.1>;tag=1\r\n"
		 "To: <sip:probe@127.0.0.1:%d>\r\nCall-ID: probe\r\n"
		 "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
		 "Content-Length: 0\r\n\r\n", kam_port[k], kam_port[k]);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
		   &(struct timeval){ .tv_usec = 100000 },
		   sizeof(struct timeval));
	while (strncmp(buf, "SIP/2.0 200", 11) != 0 && proc_now_ms() < end) {
		sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to,
		       sizeof(to));
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
	}
	close(fd);
	ck_assert_msg(strncmp(buf, "SIP/2.0 200", 11) == 0,
		      "Kamailio on port %d does not answer: %s", kam_port[k],
		      kam[k].out);
}

/*
 * Kamailio k's configuration file: the modules all take (pv, sl, maxfwd,
 * textops, xlog) and modules; a request_route that logs each request
 * ("tutti-test: METHOD R-URI expires E"), answers 483 past 10 hops and
 * OPTIONS to Kamailio itself (kam_start() waits for that), then route.
 */
static void
kam_write(int k, const char *modules, const char *route)
{
	FILE *f;

	snprintf(kam_cfg[k], sizeof(kam_cfg[k]),
		 "/tmp/tutti-test-kam-%d-%d.cfg", (int)getpid(), k);
	proc_unlink_at_exit(kam_cfg[k]);
	ck_assert_ptr_nonnull(f = fopen(kam_cfg[k], "w"));
	fprintf(f,
		"#!KAMAILIO\n"
		"debug=2\nlog_stderror=yes\nfork=no\n"
		"listen=udp:127.0.0.1:%d\n"
		"mpath=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/\"\n"
		"loadmodule \"pv.so\"\nloadmodule \"sl.so\"\n"
		"loadmodule \"maxfwd.so\"\n"
		"loadmodule \"textops.so\"\nloadmodule \"xlog.so\"\n"
		"%s"
		"request_route {\n"
		"	xlog(\"L_INFO\", \"tutti-test: $rm $ru expires "
		"$hdr(Expires)\\n\");\n"
		"	if (!mf_process_maxfwd_header(\"10\")) {\n"
		"		sl_send_reply(\"483\", \"Too Many Hops\");\n"
		"		exit;\n"
		"	}\n"
		"	if (is_method(\"OPTIONS\") && uri == myself) {\n"
		"		sl_send_reply(\"200\", \"Keepalive\");\n"
		"		exit;\n"
		"	}\n"
		"%s"
		"}\n",
		kam_port[k], modules, route);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * Kamailio k's configuration: a stateless proxy as above; with auth, one
 * that asks every INVITE for credentials of realm carrier.test (user
 * tutti, password s3cret; SHA-256, qop auth; RFC 3261 22.3) before it
 * sends it on, and logs how that went.
 */
static void
kam_write_cfg(int k, bool auth)
{
	char route[1024];

	snprintf(route, sizeof(route),
		 "%s"
		 "	loose_route();\n"
		 "	$du = \"sip:127.0.0.1:%d\";\n"
		 "	forward();\n",
		 auth ? "	if (is_method(\"INVITE\")) {\n"
			"		$var(rc) = pv_proxy_authenticate("
			"\"carrier.test\", \"s3cret\", \"0\");\n"
			"		if ($var(rc) < 0 || $au != \"tutti\") {\n"
			"			xlog(\"L_INFO\", \"tutti-test: "
			"challenge ($var(rc))\\n\");\n"
			"			proxy_challenge(\"carrier.test\", "
			"\"1\");\n"
			"			exit;\n"
			"		}\n"
			"		xlog(\"L_INFO\", \"tutti-test: "
			"authenticated $au\\n\");\n"
			"		consume_credentials();\n"
			"	}\n" : "",
		 focus_proxy_port);
	kam_write(k,
		  auth ? "loadmodule \"rr.so\"\nloadmodule \"auth.so\"\n"
			 "modparam(\"auth\", \"algorithm\", \"SHA-256\")\n"
		       : "loadmodule \"rr.so\"\n",
		  route);
}

static void
focus_kamailio_setup(void)
{
	static char uri[2][64];

	ck_assert_msg(access(KAMAILIO, X_OK) == 0,
		      "no " KAMAILIO ": tools/deps installs kamailio");
	focus_proxy_port = free_port();
	for (int k = 0; k < 2; k++) {
		kam_port[k] = free_port();
		snprintf(uri[k], sizeof(uri[k]), "sip:127.0.0.1:%d",
			 kam_port[k]);
		kam_write_cfg(k, false);
	}
	kam_start(1);
	char *extra[] = { "--outbound-proxy", uri[0], "--outbound-proxy",
			  uri[1], "--proxy-timeout", "2000", "--proxy-ping",
			  "1" };
	memcpy(focus_extra, extra, sizeof(extra));
	focus_setup();
	memset(focus_extra, 0, sizeof(focus_extra));
}

/* The focus's credentials for Kamailio's realm: the password right or
 * not, in a file of the focus's own (mode 600). */
static char kam_creds[64];

static void
kam_write_creds(const char *password)
{
	FILE *f = fopen(kam_creds, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "# the carrier's proxy\ncarrier.test tutti %s\n",
		password);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(kam_creds, 0600), 0);
}

/* focus_setup() with n extra options and --credentials of a file of the
 * focus's own (kam_creds) with password for realm carrier.test. */
static void
focus_setup_creds(const char *password, char *const *extra, size_t n)
{
	snprintf(kam_creds, sizeof(kam_creds), "/tmp/tutti-test-creds-%d",
		 (int)getpid());
	proc_unlink_at_exit(kam_creds);
	kam_write_creds(password);
	ck_assert_uint_le(n + 2, sizeof(focus_extra) / sizeof(focus_extra[0]));
	memcpy(focus_extra, extra, n * sizeof(*extra));
	focus_extra[n] = "--credentials";
	focus_extra[n + 1] = kam_creds;
	focus_setup();
	memset(focus_extra, 0, sizeof(focus_extra));
}

/* One Kamailio that authenticates the focus (kam_write_cfg()), as its
 * outbound proxy, and tutti-cp --credentials with the wrong password. */
static void
focus_kamailio_auth_setup(void)
{
	static char uri[64];

	ck_assert_msg(access(KAMAILIO, X_OK) == 0,
		      "no " KAMAILIO ": tools/deps installs kamailio");
	focus_proxy_port = free_port();
	kam_port[0] = free_port();
	snprintf(uri, sizeof(uri), "sip:127.0.0.1:%d", kam_port[0]);
	kam_write_cfg(0, true);
	kam_start(0);
	char *extra[] = { "--outbound-proxy", uri, "--proxy-ping", "0" };
	focus_setup_creds("wrong", extra, 4);
}

static void
focus_kamailio_teardown(void)
{
	focus_teardown();
	for (int k = 0; k < 2; k++)
		if (kam[k].pid > 0)
			proc_stop(&kam[k], SIGTERM, 10000);
	memset(kam, 0, sizeof(kam));
}

/* The operator dials a host name: the INVITE goes to the proxy. */
static void
dial_by_name(int sipp_port)
{
	char out[4096];

	(void)sipp_port;
	ck_assert_int_eq(tuttictl(out, sizeof(out), "dial conf "
				  "sip:callee@carrier.example"), 0);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference conf, dialled "
				  "out", 10000), "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show conf"), 0);
	ck_assert_msg(strstr(out, "\"from\":\"sip:callee@carrier.example\"")
		      != NULL, "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf callee"), 0);
}

/* tutti-cp --outbound-proxy: tuttictl dial to a host name goes through
 * the proxy (SIPp, answering for the callee; uas_proxy_answer checks the
 * Request-URI and Route), the callee joins, and the kick's BYE ends it. */
START_TEST(test_focus_outbound_proxy)
{
	ck_assert_int_eq(run_sipp_at((uint16_t)focus_port, "uas_proxy_answer",
				     "u1", "callee", NULL, NULL,
				     focus_proxy_port, dial_by_name), 0);
	ck_assert_msg(proc_expect(&focus_cp, "outbound proxy sip:127.0.0.1:",
				  1000), "%s", focus_cp.out);
}
END_TEST

/*
 * Two outbound proxies: the first never answers, so after 300 ms the
 * dial-out goes on to the second (SIPp), and the call joins as through
 * one. tuttictl proxies and the metrics say the first is down and why.
 */
START_TEST(test_focus_proxy_failover)
{
	char out[4096], m[1 << 16], want[160];

	ck_assert_int_eq(run_sipp_at((uint16_t)focus_port, "uas_proxy_answer",
				     "u1", "callee", NULL, NULL,
				     focus_proxy_port, dial_by_name), 0);
	ck_assert_msg(proc_expect(&focus_cp, "is down: no answer to a "
				  "dial-out in 300 ms", 1000), "%s",
		      focus_cp.out);
	ck_assert_msg(proc_expect(&focus_cp, "sent on to sip:127.0.0.1:",
				  1000), "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "proxies"), 0);
	snprintf(want, sizeof(want), "sip:127.0.0.1:%u",
		 focus_silent_port);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "DOWN") != NULL &&
		      strstr(out, "no answer to a dial-out in 300 ms") != NULL,
		      "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json proxies"), 0);
	snprintf(want, sizeof(want),
		 "{\"uri\":\"sip:127.0.0.1:%u\",\"up\":false,",
		 focus_silent_port);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	snprintf(want, sizeof(want),
		 "{\"uri\":\"sip:127.0.0.1:%d\",\"up\":true,",
		 focus_proxy_port);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"failovers\":1,") != NULL, "%s", out);
	http_get("/metrics", m, sizeof(m));
	snprintf(want, sizeof(want),
		 "tutti_sip_proxy_up{proxy=\"sip:127.0.0.1:%u\",addr=\"127.0.0.1:"
		 "%u/udp\"} 0", focus_silent_port, focus_silent_port);
	ck_assert_msg(strstr(m, want) != NULL, "%s", m);
	ck_assert_msg(strstr(m, "tutti_sip_events_total{what=\""
			     "proxy_failovers\"} 1") != NULL, "%s", m);
}
END_TEST

/*
 * Kamailio as the outbound proxies: the keepalives find A (nothing on
 * its port yet) down and B up (Kamailio answers them); a dial-out goes
 * through B to the callee (SIPp checks the Request-URI and both Vias,
 * and that B took its Route off), and joins; once a Kamailio runs on
 * A's port, its answer to a keepalive brings A back.
 */
START_TEST(test_focus_proxy_kamailio)
{
	char out[4096], want[160];

	snprintf(want, sizeof(want), "outbound proxy sip:127.0.0.1:%d is "
		 "down: no answer to OPTIONS in 2000 ms", kam_port[0]);
	ck_assert_msg(proc_expect(&focus_cp, want, 10000), "%s",
		      focus_cp.out);
	snprintf(want, sizeof(want), "tutti-test: OPTIONS sip:127.0.0.1:%d",
		 kam_port[1]);
	ck_assert_msg(proc_expect(&kam[1], want, 10000), "%s", kam[1].out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json proxies"), 0);
	snprintf(want, sizeof(want), "{\"uri\":\"sip:127.0.0.1:%d\",\"up\":"
		 "true,\"down_for_s\":0,\"reason\":\"\",\"failovers\":0,"
		 "\"pings_unanswered\":0,\"addr\":\"127.0.0.1:%d/udp\","
		 "\"dns_error\":\"\"}", kam_port[1], kam_port[1]);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_int_eq(run_sipp_at((uint16_t)focus_port, "uas_behind_proxy",
				     "u1", "callee", NULL, NULL,
				     focus_proxy_port, dial_by_name), 0);
	ck_assert_msg(proc_expect(&kam[1], "tutti-test: INVITE "
				  "sip:callee@carrier.example", 1000), "%s",
		      kam[1].out);
	kam_start(0);
	snprintf(want, sizeof(want), "outbound proxy sip:127.0.0.1:%d is up "
		 "again (it answered OPTIONS", kam_port[0]);
	ck_assert_msg(proc_expect(&focus_cp, want, 15000), "%s",
		      focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "proxies"), 0);
	ck_assert_msg(strstr(out, " up ") != NULL &&
		      strstr(out, " DOWN ") == NULL, "%s", out);
}
END_TEST

/*
 * Kamailio as an outbound proxy that asks for credentials (407, SHA-256,
 * qop auth): with a wrong password in --credentials the dial-out goes
 * again once, is challenged again, and fails as refused; the file
 * rewritten with the right password's HA1 (SHA-256) in its place, and
 * SIGHUP: the next one goes again with the right credentials,
 * Kamailio lets it through to the callee (SIPp), and it joins.
 * tuttictl stats counts both.
 */
START_TEST(test_focus_proxy_kamailio_auth)
{
	char out[4096], ha1[CP_DIGEST_HEX_MAX], line[128];

	ck_assert_msg(proc_expect(&focus_cp, "credentials /tmp/tutti-test-"
				  "creds-", 5000), "%s", focus_cp.out);
	ck_assert_msg(strstr(focus_cp.out, ": 1 realm, \"carrier.test\" "
			     "(user tutti)") != NULL, "%s", focus_cp.out);
	ck_assert_ptr_null(strstr(focus_cp.out, "wrong"));
	ck_assert_int_eq(tuttictl(out, sizeof(out), "dial conf "
				  "sip:callee@carrier.example"), 0);
	ck_assert_msg(proc_expect(&focus_cp, "realm \"carrier.test\" "
				  "refused the credentials of tutti", 10000),
		      "%s", focus_cp.out);
	ck_assert_msg(proc_expect(&focus_cp, "did not answer the focus: 407",
				  5000), "%s", focus_cp.out);
	ck_assert_msg(proc_expect(&kam[0], "tutti-test: challenge (-", 1000),
		      "%s", kam[0].out);
	ck_assert_ptr_null(strstr(kam[0].out, "tutti-test: authenticated"));

	/* the right password, as its HA1 (no password in the file) */
	cp_digest_ha1(CP_DIGEST_SHA256, "tutti", "carrier.test", "s3cret",
		      ha1);
	snprintf(line, sizeof(line), "ha1-sha256 %s", ha1);
	kam_write_creds(line);
	ck_assert_int_eq(kill(focus_cp.pid, SIGHUP), 0);
	ck_assert_msg(proc_expect(&focus_cp, " read again: 1 realm, "
				  "\"carrier.test\" (user tutti, HA1 SHA-256)",
				  5000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(run_sipp_at((uint16_t)focus_port, "uas_behind_proxy",
				     "u1", "callee", NULL, NULL,
				     focus_proxy_port, dial_by_name), 0);
	ck_assert_msg(proc_expect(&kam[0], "tutti-test: authenticated tutti",
				  1000), "%s", kam[0].out);
	ck_assert_msg(proc_expect(&focus_cp, "the INVITE goes again with the "
				  "credentials of tutti (SHA-256)", 1000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "stats"), 0);
	ck_assert_msg(strstr(out, "SIP challenges (401, 407) to dial-outs, "
			     "registrations and requests in dialogs: "
			     "answered with credentials "
			     "2, not (no credentials for the realm, or "
			     "refused) 1")
		      != NULL, "%s", out);
}
END_TEST

/* ---- registrations (tutti-cp --register) ---- */

/*
 * The registration focus_register_setup() made, as the test expects to
 * see it: its AOR, the Request-URI (its domain), where the REGISTERs go
 * ("127.0.0.1:P/udp") and our Contact's parameters there; SIPp's
 * transport ("u1", "t1").
 */
static struct {
	char aor[128], registrar[128], addr[64];
	const char *contact_params, *sipp_tp;
	char route[96]; /* the Route SIPp must see, "" for none */
	pid_t sipp;	/* SIPp's registrar, started before tutti-cp */
	bool dns;	/* its domain a name tutti-cp resolves */
} reg_case;

/*
 * SIPp's registrar (registrar.xml) on focus_proxy_port, before tutti-cp
 * starts (focus_before_cp): its first REGISTER must find it there (a
 * TCP connection refused would put the next off by 15 s or more).
 */
static void
reg_sipp_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)focus_proxy_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint64_t end = proc_now_ms() + 10000;
	int fd = -1;

	sipp_verifies_auth = true;
	/* a registrar answers where each REGISTER's Via says: no remote */
	reg_case.sipp = sipp_start_at(9, "registrar", reg_case.sipp_tp,
				      "conf", "route", reg_case.route,
				      focus_proxy_port);
	sipp_verifies_auth = false;
	while (strcmp(reg_case.sipp_tp, "t1") == 0 &&
	       proc_now_ms() < end) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(fd, 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		close(fd);
		fd = -1;
		usleep(20000);
	}
	ck_assert_msg(fd >= 0 || strcmp(reg_case.sipp_tp, "t1") != 0,
		      "SIPp does not listen on TCP port %d", focus_proxy_port);
	if (fd >= 0)
		close(fd);
}

/*
 * tutti-cp --register sip:USER@HOST (HOST: 127.0.0.1:<focus_proxy_port>
 * with SIPp's registrar or Kamailio's there; or a name, through SIPp
 * as the outbound proxy at that port, or resolved by the DNS server
 * dns, "ADDR:PORT", to that port), 30 s asked, over tp ("udp", "tcp"),
 * with --credentials for realm carrier.test (the right password).
 */
static void
focus_register_setup(const char *user, const char *host, const char *tp,
		     const char *dns)
{
	const char *t = strcmp(tp, "tcp") == 0 ? ";transport=tcp" : "";
	bool via_proxy = host != NULL && dns == NULL;
	static char proxy[40], here[32];

	snprintf(here, sizeof(here), "127.0.0.1:%d", focus_proxy_port);
	snprintf(proxy, sizeof(proxy), "sip:%s", here);
	snprintf(reg_case.aor, sizeof(reg_case.aor), "sip:%s@%s%s", user,
		 host != NULL ? host : here, t);
	snprintf(reg_case.registrar, sizeof(reg_case.registrar), "sip:%s%s",
		 host != NULL ? host : here, t);
	snprintf(reg_case.addr, sizeof(reg_case.addr), "%s/%s", here, tp);
	snprintf(reg_case.route, sizeof(reg_case.route), "%s%s%s",
		 via_proxy ? "<" : "", via_proxy ? proxy : "",
		 via_proxy ? ";lr>" : "");
	reg_case.contact_params = t;
	reg_case.sipp_tp = t[0] != '\0' ? "t1" : "u1";
	reg_case.dns = dns != NULL;
	char *extra[] = { "--register", reg_case.aor, "--register-expires",
			  "30", "--outbound-proxy", proxy, "--proxy-ping",
			  "0" };
	if (dns != NULL) {
		extra[4] = "--dns";
		extra[5] = (char *)dns;
	}
	focus_setup_creds("s3cret", extra,
			  via_proxy ? 8 : dns != NULL ? 6 : 4);
}

/* focus_register_setup() with SIPp's registrar, started first */
static void
focus_sipp_registrar(const char *host, const char *tp, const char *dns)
{
	focus_before_cp = reg_sipp_start;
	focus_register_setup("conf", host, tp, dns);
	focus_before_cp = NULL;
}

static void
focus_sipp_registrar_setup(void)
{
	focus_proxy_port = free_port();
	focus_sipp_registrar(NULL, "udp", NULL);
}

static void
focus_sipp_registrar_tcp_setup(void)
{
	focus_proxy_port = free_port();
	focus_sipp_registrar(NULL, "tcp", NULL);
}

/* SIPp's registrar as the outbound proxy: the AOR's domain is a name the
 * focus does not resolve, its REGISTERs go to the proxy with a Route */
static void
focus_sipp_registrar_proxy_setup(void)
{
	focus_proxy_port = free_port();
	focus_sipp_registrar("carrier.example", "udp", NULL);
}

/* The AOR's domain by name, no outbound proxy (RFC 3263): dnsmasq (in
 * the test's namespace) gives carrier.test an SRV _sip._udp record that
 * names SIPp's registrar. */
static struct proc reg_dns;

static void
focus_sipp_registrar_dns_setup(void)
{
	static char rec[2][96], dns[32];
	const char *records[3] = { rec[0], rec[1], NULL };
	uint16_t dport = (uint16_t)free_port();

	focus_proxy_port = free_port();
	snprintf(rec[0], sizeof(rec[0]), "--srv-host=_sip._udp.carrier.test,"
		 "registrar.carrier.test,%d,10,0", focus_proxy_port);
	snprintf(rec[1], sizeof(rec[1]),
		 "--host-record=registrar.carrier.test,127.0.0.1");
	ck_assert_int_eq(proc_dnsmasq(&reg_dns, "127.0.0.1", dport, records),
			 0);
	snprintf(dns, sizeof(dns), "127.0.0.1:%u", dport);
	focus_sipp_registrar("carrier.test", "udp", dns);
}

/* focus_teardown(), but tutti-cp may have been stopped (and reaped) by
 * the test: its pid is 0 then; and SIPp's registrar if still there. */
static void
focus_register_teardown(void)
{
	if (reg_case.sipp > 0) { /* the test failed before it ended */
		kill(reg_case.sipp, SIGTERM);
		waitpid(reg_case.sipp, NULL, 0);
		reg_case.sipp = 0;
	}
	if (focus_cp.pid > 0)
		proc_stop(&focus_cp, SIGTERM, 10000);
	proc_stop(&focus_dp, SIGTERM, 10000);
	shm_unlink(focus_region);
	unlink(focus_state);
	if (reg_dns.pid > 0)
		proc_stop(&reg_dns, SIGTERM, 5000);
	memset(&reg_dns, 0, sizeof(reg_dns));
}

/* tutti-cp stopped cleanly: it says it unregistered reg_case's AOR. */
static void
stop_unregisters(void)
{
	char want[256];

	ck_assert_int_eq(proc_stop(&focus_cp, SIGTERM, 10000), 0);
	focus_cp.pid = 0;
	ck_assert_msg(strstr(focus_cp.out, "stopping: 1 registration: "
			     "unregistering") != NULL, "%s", focus_cp.out);
	snprintf(want, sizeof(want), "registration %s: unregistered (%s)",
		 reg_case.aor, reg_case.addr);
	ck_assert_msg(strstr(focus_cp.out, want) != NULL, "%s",
		      focus_cp.out);
}

/* While SIPp's registrar runs (tests/sipp/registrar.xml): the focus
 * goes through its 423, 401, 407 and 503 to a binding of 60 s, which
 * tuttictl, the metrics and the stats show; then it stops. */
static void
registered_then_stop(void)
{
	char out[4096], want[512], m[1 << 16];

	snprintf(want, sizeof(want), "registered %s at %s (%s) for 2 s, "
		 "refreshed after 1 s: Contact <sip:conf@127.0.0.1:%u%s>",
		 reg_case.aor, reg_case.registrar, reg_case.addr, focus_port,
		 reg_case.contact_params);
	ck_assert_msg(proc_expect(&focus_cp, want, 15000), "%s",
		      focus_cp.out);
	snprintf(want, sizeof(want), "registration %s: the registrar wants "
		 "60 s at least (423): asked again", reg_case.aor);
	ck_assert_msg(strstr(focus_cp.out, want) != NULL, "%s",
		      focus_cp.out);
	ck_assert_msg(proc_expect(&focus_cp, "failed: 503 Service "
				  "Unavailable; again in 1 s", 5000), "%s",
		      focus_cp.out);
	snprintf(want, sizeof(want), "registered %s at %s (%s) for 60 s, "
		 "refreshed after 30 s", reg_case.aor, reg_case.registrar,
		 reg_case.addr);
	ck_assert_msg(proc_expect(&focus_cp, want, 5000), "%s",
		      focus_cp.out);

	ck_assert_int_eq(tuttictl(out, sizeof(out), "registrations"), 0);
	ck_assert_msg(strstr(out, "AOR") != NULL &&
		      strstr(out, " registered ") != NULL &&
		      strstr(out, " 200 ") != NULL &&
		      strstr(out, reg_case.addr) != NULL, "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json registrations"),
			 0);
	snprintf(want, sizeof(want), "{\"aor\":\"%s\",\"state\":"
		 "\"registered\",\"registered\":true,", reg_case.aor);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"granted_s\":60,") != NULL &&
		      strstr(out, "\"last_code\":200,\"reason\":\"\"") != NULL &&
		      strstr(out, "\"registrations\":2,\"failures\":1}") != NULL,
		      "%s", out);
	http_get("/metrics", m, sizeof(m));
	snprintf(want, sizeof(want), "tutti_sip_registered{aor=\"%s\"} 1\n",
		 reg_case.aor);
	ck_assert_msg(strstr(m, want) != NULL, "%s", m);
	snprintf(want, sizeof(want), "tutti_sip_register_failures_total{aor="
		 "\"%s\"} 1\n", reg_case.aor);
	ck_assert_msg(strstr(m, want) != NULL, "%s", m);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "stats"), 0);
	ck_assert_msg(strstr(out, "SIP registrations: REGISTERs sent 6, "
			     "accepted 2, failed 1") != NULL &&
		      strstr(out, "answered with credentials 2, not") != NULL,
		      "%s", out);
	stop_unregisters();
}

/*
 * RFC 3261 10: tutti-cp --register against SIPp's registrar
 * (registrar.xml checks each REGISTER): a 423 raises the Expires asked,
 * 401 and 407 are answered with --credentials, the binding granted by
 * our Contact's expires parameter (another Contact beside it) is
 * refreshed halfway, a 503's Retry-After is kept, an Expires header
 * grants too, and a clean stop unregisters. Over UDP, over TCP (the
 * AOR's ;transport=tcp), through an outbound proxy (the AOR's domain a
 * name: SIPp is the proxy and registrar, and checks the Route), and to
 * a domain by name (its SRV record names SIPp).
 */
START_TEST(test_focus_registers)
{
	pid_t pid = reg_case.sipp;
	char want[256];

	snprintf(want, sizeof(want), "registration %s: carrier.test is %s "
		 "(DNS)", reg_case.aor, reg_case.addr);
	ck_assert_msg(!reg_case.dns || proc_expect(&focus_cp, want, 10000),
		      "%s", focus_cp.out);
	registered_then_stop();
	reg_case.sipp = 0;
	ck_assert_int_eq(sipp_wait(pid, "registrar", reg_case.sipp_tp), 0);
}
END_TEST

/*
 * Kamailio as the carrier's registrar (registrar, usrloc, auth: every
 * REGISTER challenged, realm carrier.test) that routes calls to the AORs
 * it holds: INVITEs and what follows them go to the bound Contact
 * (lookup("location")), 404 without one.
 */
static void
kam_write_registrar_cfg(int k)
{
	kam_write(k,
		  "loadmodule \"tm.so\"\nloadmodule \"usrloc.so\"\n"
		  "loadmodule \"registrar.so\"\nloadmodule \"auth.so\"\n"
		  "modparam(\"usrloc\", \"db_mode\", 0)\n",
		  "	if (is_method(\"REGISTER\")) {\n"
		  "		$var(rc) = pv_www_authenticate(\"carrier.test\", "
		  "\"s3cret\", \"0\");\n"
		  "		if ($var(rc) < 0 || $au != \"tutti\") {\n"
		  "			www_challenge(\"carrier.test\", \"1\");\n"
		  "			exit;\n"
		  "		}\n"
		  "		if (!save(\"location\")) {\n"
		  "			sl_reply_error();\n"
		  "			exit;\n"
		  "		}\n"
		  "		xlog(\"L_INFO\", \"tutti-test: saved $tU: $ct\\n\");\n"
		  "		exit;\n"
		  "	}\n"
		  "	if (!lookup(\"location\")) {\n"
		  "		sl_send_reply(\"404\", \"Not Found\");\n"
		  "		exit;\n"
		  "	}\n"
		  "	xlog(\"L_INFO\", \"tutti-test: $rm to $ru\\n\");\n"
		  "	forward();\n");
}

static void
focus_kamailio_registrar_setup(void)
{
	ck_assert_msg(access(KAMAILIO, X_OK) == 0,
		      "no " KAMAILIO ": tools/deps installs kamailio");
	kam_port[0] = free_port();
	kam_write_registrar_cfg(0);
	kam_start(0);
	focus_proxy_port = kam_port[0];
	focus_register_setup("demo", NULL, "udp", NULL);
}

static void
focus_kamailio_registrar_teardown(void)
{
	focus_register_teardown();
	if (kam[0].pid > 0)
		proc_stop(&kam[0], SIGTERM, 10000);
	memset(kam, 0, sizeof(kam));
}

/*
 * The real thing: tutti-cp registers sip:demo@<Kamailio> with Kamailio
 * (challenged, answered with --credentials); a caller that calls that
 * AOR through Kamailio reaches the focus (Kamailio sends it and what
 * follows in its dialog to the bound Contact) and joins conference demo;
 * a clean stop unregisters, and the next call to the AOR gets
 * Kamailio's 404.
 */
START_TEST(test_focus_registers_kamailio)
{
	char want[200];

	/* 30 s asked, and Kamailio's registrar grants its min_expires,
	 * 60 s, in our Contact's expires parameter */
	snprintf(want, sizeof(want), "registered sip:demo@127.0.0.1:%d at "
		 "sip:127.0.0.1:%d (127.0.0.1:%d/udp) for 60 s",
		 kam_port[0], kam_port[0], kam_port[0]);
	ck_assert_msg(proc_expect(&focus_cp, want, 10000), "%s",
		      focus_cp.out);
	ck_assert_msg(strstr(focus_cp.out, "the REGISTER goes again with the "
			     "credentials of tutti (MD5)") != NULL, "%s",
		      focus_cp.out);
	snprintf(want, sizeof(want), "tutti-test: saved demo: <sip:demo@"
		 "127.0.0.1:%u>", focus_port);
	ck_assert_msg(proc_expect(&kam[0], want, 1000), "%s", kam[0].out);

	ck_assert_int_eq(run_sipp_set((uint16_t)kam_port[0], "focus_join",
				      "u1", "demo", NULL, NULL), 0);
	ck_assert_msg(proc_expect(&kam[0], "tutti-test: INVITE to sip:demo@"
				  "127.0.0.1:", 1000), "%s", kam[0].out);
	ck_assert_msg(proc_expect(&focus_cp, "left conference demo (hung up)",
				  10000), "%s", focus_cp.out);

	stop_unregisters();
	ck_assert_msg(proc_expect(&kam[0], " expires 0", 1000), "%s",
		      kam[0].out);
	ck_assert_int_eq(run_sipp_set((uint16_t)kam_port[0], "focus_404",
				      "u1", "demo", NULL, NULL), 0);
}
END_TEST

/* A participant that sends no RTP is hung up on when the data plane
 * reports the media timeout (issue 5: BYE on media timeout), with Q.850
 * cause 102 (recovery on timer expiry) in its Reason. */
START_TEST(test_focus_media_timeout_bye)
{
	char trace[128];

	snprintf(trace, sizeof(trace), "sipp_focus_nomedia_%s.msg", tps[_i]);
	unlink(trace);
	sipp_trace = trace;
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "focus_kicked",
				      tps[_i], "demo", NULL, NULL), 0);
	sipp_trace = NULL;
	ck_assert_msg(proc_expect(&focus_cp, "no media for", 10000), "%s",
		      focus_cp.out);
	ck_assert_ptr_nonnull(strstr(focus_cp.out, "sent away by the focus"));
	ck_assert_msg(traced_says(trace, "BYE", "Q.850;cause=102;text=\"no "
				  "media\""),
		      "see %s", trace);
}
END_TEST

/* RFC 4575 (F-41..F-50): a subscriber to conference "conf" gets the full
 * state, a partial when a participant joins (version + 1), the full state
 * again on refresh, and the final NOTIFY on unsubscribe. */
START_TEST(test_focus_subscribe)
{
	pid_t sub, caller;

	/* F-47: the focus's minimum is 60 s */
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "subscribe_423",
				      tps[_i], "conf", NULL, NULL), 0);

	sub = sipp_start((uint16_t)focus_port, "focus_subscribe", tps[_i],
			 "conf", NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "subscribed to conference conf",
				  10000), "%s", focus_cp.out);
	caller = sipp_start((uint16_t)focus_port, "focus_kicked", tps[_i],
			    "conf", NULL, NULL);
	ck_assert_int_eq(sipp_wait(sub, "focus_subscribe", tps[_i]), 0);
	{
		char out[4096];

		ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf sipp"),
				 0);
	}
	ck_assert_int_eq(sipp_wait(caller, "focus_kicked", tps[_i]), 0);
}
END_TEST

/* ---- RFC 4575 documents as a subscriber saw them (SIPp's trace) ---- */

/* The bodies of the NOTIFYs SIPp received, in order, from its
 * -trace_msg file; also each one's Subscription-State. Returns how many. */
static int
traced_notifies(const char *path, char **body, char **state, int max)
{
	static char buf[1 << 20];
	char *cur = buf, *msg;
	int k = 0;

	test_read_file(path, buf, sizeof(buf));	/* SIPp's trace */
	while (k < max && (msg = traced_next(&cur, "NOTIFY")) != NULL) {
		char *b, *e, *ss;

		b = strstr(msg, "\r\n\r\n");
		ck_assert_ptr_nonnull(b);
		b += 4;
		e = strstr(b, "\n----------");	/* the next entry */
		body[k] = strndup(b, e != NULL ? (size_t)(e - b) : strlen(b));
		ss = strstr(msg, "Subscription-State:");
		ck_assert_msg(ss != NULL && ss < b, "NOTIFY %d: no state", k);
		state[k] = strndup(ss + 19, strcspn(ss + 19, "\r\n"));
		k++;
	}
	return k;
}

/* Whether the last NOTIFY traced so far has needle in its body. */
static bool
last_notify_has(const char *path, const char *needle)
{
	char *body[64], *state[64];
	int n = access(path, R_OK) == 0 ?
		traced_notifies(path, body, state, 64) : 0;
	bool yes = n > 0 && strstr(body[n - 1], needle) != NULL;

	for (int i = 0; i < n; i++) {
		free(body[i]);
		free(state[i]);
	}
	return yes;
}

/* Wait (with a deadline) until the subscriber has seen needle last. */
static void
await_notify(const char *path, const char *needle)
{
	uint64_t end = proc_now_ms() + 10000;

	while (!last_notify_has(path, needle) && proc_now_ms() < end)
		poll(NULL, 0, 20);
	ck_assert_msg(last_notify_has(path, needle),
		      "the subscriber never saw '%s' (trace %s)", needle, path);
}

/*
 * F-81, a view by subscriber: in conference conf (policy_md5.xml) a caller
 * is connected. sipp, its moderator, subscribes with Digest, and its
 * first NOTIFY names the caller's dialog (<call-info>, F-74: its Call-ID,
 * the caller's From tag, the focus's To tag); guest, who authenticated
 * too but moderates nothing, gets the same document without it. Both are
 * valid RFC 4575; the log says which view each got.
 */
START_TEST(test_focus_views)
{
	char trace[128], out[4096], want[160], *body[8], *state[8];
	int n;
	pid_t caller;

	caller = sipp_start((uint16_t)focus_port, "focus_kicked", "u1", "conf",
			    NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference conf", 10000),
		      "%s", focus_cp.out);
	for (int k = 0; k < 2; k++) {
		snprintf(trace, sizeof(trace), "sipp_focus_view%d.msg", k);
		unlink(trace);
		sipp_trace = trace;
		ck_assert_int_eq(run_sipp_set((uint16_t)focus_port,
					      "focus_subscribe_auth", "u1",
					      "conf", k == 0 ? "-ap" : "-au",
					      k == 0 ? "secret" : "guest"), 0);
		sipp_trace = NULL;
		n = traced_notifies(trace, body, state, 8);
		ck_assert_int_ge(n, 1);
		xmlFreeDoc(valid_doc(body[0], trace));
		ck_assert_msg(strstr(body[0], "<endpoint") != NULL, "%s",
			      body[0]);
		ck_assert_msg((strstr(body[0], "<call-info>") != NULL) ==
				      (k == 0),
			      "%s: %s", trace, body[0]);
		/* F-74: the caller's Call-ID (SIPp's %u-%p@%s) and tags,
		 * the INVITE's From tag first */
		snprintf(want, sizeof(want), "<call-info><sip><call-id>1-%d@"
			 "127.0.0.1</call-id><from-tag>1</from-tag><to-tag>",
			 (int)caller);
		ck_assert_msg((strstr(body[0], want) != NULL) == (k == 0),
			      "%s: %s", want, body[0]);
		for (int i = 0; i < n; i++) {
			free(body[i]);
			free(state[i]);
		}
	}
	ck_assert_msg(proc_expect(&focus_cp, "subscribed to conference conf "
				  "(600 s, full view: a moderator)", 5000) &&
		      proc_expect(&focus_cp, "subscribed to conference conf "
				  "(600 s, without dialog identifiers)", 5000),
		      "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf sipp"), 0);
	ck_assert_int_eq(sipp_wait(caller, "focus_kicked", "u1"), 0);
}
END_TEST

/*
 * Issue 6: a subscriber follows an ad hoc conference from its start to its
 * end. Every NOTIFY body validates against the RFC 4575 schema; versions
 * rise by one from 1 (full) with partials after; the partials say, in
 * this order, that B joined, that the operator muted B (muted-via-focus),
 * that B was sent away (disconnected, booted); when the creator leaves the
 * conference ends and the last NOTIFY is terminated;reason=noresource.
 */
START_TEST(test_focus_watch_to_the_end)
{
	char trace[128], name[64], need[160], out[8192], who[32];
	char *body[64], *state[64];
	int a_port = free_port(), b_port = free_port(), n, i, step = 0;
	pid_t a, b, w;

	snprintf(trace, sizeof(trace), "sipp_focus_watch_%s.msg", tps[_i]);
	unlink(trace);
	a = adhoc_start(a_port, tps[_i], name);

	sipp_trace = trace;
	w = sipp_start((uint16_t)focus_port, "focus_watch", tps[_i], name,
		       NULL, NULL);
	sipp_trace = NULL;
	snprintf(need, sizeof(need), "subscribed to conference %s", name);
	ck_assert_msg(proc_expect(&focus_cp, need, 10000), "%s", focus_cp.out);

	b = join_at(b_port, tps[_i], name);
	/* each change is seen before the next is made: no coalescing here */
	snprintf(who, sizeof(who), "127.0.0.1:%d", b_port);
	await_notify(trace, who);
	snprintf(need, sizeof(need), "mute %s %s", name, who);
	ck_assert_int_eq(tuttictl(out, sizeof(out), need), 0);
	await_notify(trace, "muted-via-focus");
	snprintf(need, sizeof(need), "kick %s %s", name, who);
	ck_assert_int_eq(tuttictl(out, sizeof(out), need), 0);
	ck_assert_int_eq(sipp_wait(b, "focus_kicked", tps[_i]), 0);
	await_notify(trace, "booted");
	kick_sipp(name, a_port, a, tps[_i]);
	ck_assert_int_eq(sipp_wait(w, "focus_watch", tps[_i]), 0);

	n = traced_notifies(trace, body, state, 64);
	ck_assert_int_ge(n, 5);
	for (i = 0; i < n; i++) {
		char what[32];
		xmlDocPtr d;
		xmlNodePtr r;
		xmlChar *v, *st;

		snprintf(what, sizeof(what), "NOTIFY %d", i);
		d = valid_doc(body[i], what);
		r = xmlDocGetRootElement(d);
		v = xmlGetProp(r, (const xmlChar *)"version");
		st = xmlGetProp(r, (const xmlChar *)"state");

		ck_assert_msg(v != NULL && atoi((char *)v) == i + 1,
			      "NOTIFY %d: version %s", i, v);
		/* the conference's last word: deleted (RFC 4575 4.1) */
		ck_assert_str_eq((char *)st, i == 0 ? "full" : i == n - 1 ?
				 "deleted" : "partial");
		if (i == n - 1)
			ck_assert_str_eq(state[i], " terminated;reason=noresource");
		else
			ck_assert_msg(strncmp(state[i], " active;expires=", 16)
				      == 0, "NOTIFY %d: %s", i, state[i]);
		/* the story, in order */
		if (step == 0 && strstr(body[i], "dialed-in") &&
		    strstr(body[i], who))
			step = 1;
		else if (step == 1 && strstr(body[i], "muted-via-focus"))
			step = 2;
		else if (step == 2 && strstr(body[i], "booted"))
			step = 3;
		xmlFree(v);
		xmlFree(st);
		xmlFreeDoc(d);
		free(body[i]);
		free(state[i]);
	}
	ck_assert_int_eq(step, 3);
}
END_TEST

/* RFC 6665 4.2.1 with the policy's <confirm>: the subscription is pending
 * (a NOTIFY without a body) until the operator approves (the full state
 * follows) or rejects it (terminated;reason=rejected); a <deny> gets 403. */
START_TEST(test_focus_pending_subscription)
{
	char out[4096];
	pid_t w;

	w = sipp_start((uint16_t)focus_port, "focus_pending_approve", tps[_i],
		       "watched", NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "tuttictl approve watched 1",
				  10000), "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json watchers watched"),
			 0);
	ck_assert_msg(strstr(out, "{\"id\":1,\"from\":") &&
		      strstr(out, "\"state\":\"pending\""), "%s", out);
	ck_assert_int_ne(tuttictl(out, sizeof(out), "approve watched 7"), 0);
	ck_assert_msg(strstr(out, "no pending watcher 7"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "approve watched 1"), 0);
	ck_assert_int_eq(sipp_wait(w, "focus_pending_approve", tps[_i]), 0);

	w = sipp_start((uint16_t)focus_port, "focus_pending_reject", tps[_i],
		       "watched", NULL, NULL);
	ck_assert_msg(proc_expect(&focus_cp, "tuttictl approve watched 2",
				  10000), "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "reject watched 2"), 0);
	/* denied outright: 403, nothing to approve */
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port,
				      "focus_subscribe_403", tps[_i], "watched",
				      NULL, NULL), 0);
	ck_assert_int_eq(sipp_wait(w, "focus_pending_reject", tps[_i]), 0);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json watchers watched"),
			 0);
	ck_assert_msg(strstr(out, "\"watchers\":[]"), "%s", out);
}
END_TEST

/* With the callee's SIPp listening on sipp_port: a REFER asks the focus
 * to call it; once the referrer heard the final 200, a second REFER
 * (method=BYE) sends it away. */
static void
dial_callee_refer_kick(int sipp_port)
{
	static char rt[160], doc[1 << 16];
	char out[4096];

	snprintf(rt, sizeof(rt), "<sip:callee@127.0.0.1:%d>", sipp_port);
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "refer", "u1",
				      "conf", "rt", rt), 0);
	ck_assert_msg(proc_expect(&focus_cp, "joined conference conf, dialled "
				  "out", 10000), "%s", focus_cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show conf"), 0);
	ck_assert_msg(strstr(out, "\"from\":\"sip:callee@127.0.0.1:") &&
		      strstr(out, "\"on_dp\":true"), "%s", out);
	/* F-26: joined by dialed-out, <referred> by the Referred-By's URI */
	ck_assert_int_eq(tuttictl(doc, sizeof(doc), "roster conf"), 0);
	xmlFreeDoc(valid_doc(doc, "roster"));
	ck_assert_msg(strstr(doc, "<by>sip:sipp@127.0.0.1:") != NULL &&
		      strstr(doc, "<joining-method>dialed-out"
				  "</joining-method>") != NULL &&
		      strstr(doc, "<status>connected</status>") != NULL,
		      "%s", doc);
	/* F-28..F-31: a REFER with method=BYE sends it away, sipfrag 200 */
	snprintf(rt, sizeof(rt), "<sip:callee@127.0.0.1:%d;method=BYE>",
		 sipp_port);
	ck_assert_int_eq(run_sipp_set((uint16_t)focus_port, "refer", "u1",
				      "conf", "rt", rt), 0);
	ck_assert_msg(proc_expect(&focus_cp, "removed by REFER", 10000), "%s",
		      focus_cp.out);
}

/* RFC 4579 5.5 (F-19..F-36): a REFER to the conference makes the focus
 * dial the target (SIPp as the callee answers), with 100 Trying and a
 * final 200 OK sipfrag to the referrer; the callee is in the conference;
 * a REFER with method=BYE in Refer-To removes it (the focus's BYE, 100 and
 * 200 sipfrag to the referrer); tuttictl's dial refuses bad targets. */
START_TEST(test_focus_refer_dials_out)
{
	char out[8192];

	ck_assert_int_eq(run_sipp_at((uint16_t)focus_port, "uas_dialout",
				     tps[_i], "conf", NULL, NULL, free_port(),
				     dial_callee_refer_kick), 0);
	ck_assert_msg(proc_expect(&focus_cp, "callee@127.0.0.1", 10000),
		      "%s", focus_cp.out);
	/* the operator dials too (issue 7): an unknown conference is an
	 * error, a bad URI too */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "dial nosuch "
				  "sip:x@127.0.0.1:9"), 1);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "dial conf tel:123"), 1);
}
END_TEST

/* ---- raw bytes over plain sockets ---- */

static int
udp_peer(struct sockaddr_in *to)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	*to = a;
	to->sin_port = htons(cp_sip_port(sip));
	return fd;
}

static void
udp_send(int fd, const struct sockaddr_in *to, const char *msg, size_t len)
{
	ck_assert_int_eq(sendto(fd, msg, len, 0, (const struct sockaddr *)to,
				sizeof(*to)),
			 (ssize_t)len);
}

/* Poll until a datagram arrives on fd; its text in buf ("" if none). */
static void
udp_recv(int fd, char *buf, size_t len)
{
	uint64_t end = proc_now_ms() + 3000;
	ssize_t n;

	while ((n = recv(fd, buf, len - 1, 0)) <= 0 && proc_now_ms() < end)
		cp_sip_poll(sip, 10);
	buf[n > 0 ? n : 0] = '\0';
}

#define REQ(method, branch, callid, cseq, extra) \
	REQ_TO("focus", method, branch, callid, cseq, extra)
#define REQ_TO(user, method, branch, callid, cseq, extra)                   \
	method " sip:" user "@127.0.0.1 SIP/2.0\r\n"                        \
	       "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=" branch ";rport\r\n" \
	       "From: <sip:a@x>;tag=f1\r\nTo: <sip:focus@127.0.0.1>\r\n"    \
	       "Call-ID: " callid "\r\nCSeq: " cseq "\r\n"                  \
	       "Max-Forwards: 70\r\n" extra "Content-Length: 0\r\n\r\n"

/* S-12: rport and received filled; the answer goes to the source. */
START_TEST(test_sip_rport_received)
{
	static const char m[] =
		REQ("OPTIONS", "z9hG4bK1", "c1", "1 OPTIONS", "");
	struct sockaddr_in to;
	char buf[4096], want[64];
	int fd = udp_peer(&to);
	struct sockaddr_in me;
	socklen_t len = sizeof(me);

	getsockname(fd, (struct sockaddr *)&me, &len);
	udp_send(fd, &to, m, sizeof(m) - 1);
	udp_recv(fd, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "SIP/2.0 200", 11) == 0, "%s", buf);
	snprintf(want, sizeof(want), "rport=%u", ntohs(me.sin_port));
	ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "received=127.0.0.1") != NULL, "%s", buf);
	close(fd);
}
END_TEST

/* S-01: no Via: dropped, counted (nowhere to answer). */
START_TEST(test_sip_no_via_dropped)
{
	static const char no_via[] =
		"OPTIONS sip:focus@127.0.0.1 SIP/2.0\r\n"
		"From: <sip:a@x>;tag=f1\r\nTo: <sip:focus@127.0.0.1>\r\n"
		"Call-ID: c3\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct sockaddr_in to;
	int fd = udp_peer(&to);

	udp_send(fd, &to, no_via, sizeof(no_via) - 1);
	ck_assert(POLL_UNTIL(cp_sip_stats(sip)->drop_no_via == 1, 3000));
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_4xx, 0);
	close(fd);
}
END_TEST

/* One request, the status line its answer starts with, a text it has. */
static const struct {
	const char *req, *status, *has;
} answers[] = {
	/* S-01: no Call-ID */
	{ "OPTIONS sip:focus@127.0.0.1 SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK2;rport\r\n"
	  "From: <sip:a@x>;tag=f1\r\nTo: <sip:focus@127.0.0.1>\r\n"
	  "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	  "SIP/2.0 400", "CSeq: 1 OPTIONS" },
	/* S-08: CSeq method other than the request's (RFC 4475 §3.1.2.17) */
	{ REQ("OPTIONS", "z9hG4bK10", "c10", "1 INVITE", ""), "SIP/2.0 400",
	  "Call-ID: c10" },
	/* S-07 */
	{ "OPTIONS sip:focus@127.0.0.1 SIP/7.0\r\n"
	  "Via: SIP/7.0/UDP 10.0.0.1:5099;branch=z9hG4bK11;rport\r\n"
	  "From: <sip:a@x>;tag=f1\r\nTo: <sip:focus@127.0.0.1>\r\n"
	  "Call-ID: c11\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	  "SIP/2.0 505", "Call-ID: c11" },
	/* S-03: unknown method, known but unsupported method */
	{ REQ("FOO", "z9hG4bK4", "c4", "1 FOO", ""), "SIP/2.0 501",
	  "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE" },
	{ REQ("REGISTER", "z9hG4bK5", "c5", "1 REGISTER", ""), "SIP/2.0 405",
	  "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE" },
	/* S-04 */
	{ REQ("OPTIONS", "z9hG4bK6", "c6", "1 OPTIONS", "Require: foo\r\n"),
	  "SIP/2.0 420", "Unsupported: foo" },
	/* 100rel is taken in an INVITE only (RFC 3262 §3) */
	{ REQ("OPTIONS", "z9hG4bK7r", "c7r", "1 OPTIONS", "Require: 100rel\r\n"),
	  "SIP/2.0 420", "Unsupported: 100rel\r\n" },
	/*
	 * S-11: a UAS processes Max-Forwards: 0 (default policy); F-08: the
	 * 200 to OPTIONS has our Contact with the configured ;isfocus
	 */
	{ "OPTIONS sip:focus@127.0.0.1 SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK12;rport\r\n"
	  "From: <sip:a@x>;tag=f1\r\nTo: <sip:focus@127.0.0.1>\r\n"
	  "Call-ID: c12\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 0\r\n"
	  "Content-Length: 0\r\n\r\n",
	  "SIP/2.0 200", ">;isfocus\r\n" },
	/* S-09: UDP Content-Length beyond the datagram */
	{ "OPTIONS sip:focus@127.0.0.1 SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK15;rport\r\n"
	  "From: <sip:a@x>;tag=f1\r\nTo: <sip:focus@127.0.0.1>\r\n"
	  "Call-ID: c15\r\nCSeq: 1 OPTIONS\r\nContent-Length: 50\r\n\r\n"
	  "short",
	  "SIP/2.0 400", "Call-ID: c15" },
	/* S-02: compact forms, folded line, odd case (RFC 4475 §3.1.1.x) */
	{ "OPTIONS sip:focus@127.0.0.1 SIP/2.0\r\n"
	  "v: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK16;rport\r\n"
	  "f: <sip:a@x>;tag=f1\r\nt: <sip:focus@127.0.0.1>\r\n"
	  "i: c16\r\ncSeQ:\r\n   1 OPTIONS\r\nl: 0\r\n\r\n",
	  "SIP/2.0 200", "c16" },
	/* S-17: BYE outside any dialog */
	{ REQ("BYE", "z9hG4bK13", "c13", "1 BYE", ""), "SIP/2.0 481",
	  "Call-ID: c13" },
	/* S-23: CANCEL matching nothing */
	{ REQ("CANCEL", "z9hG4bK14", "c14", "1 CANCEL", ""), "SIP/2.0 481",
	  "Call-ID: c14" },
	/* F-11, F-12: the packages and methods the app handles */
	{ REQ("OPTIONS", "z9hG4bK28", "c28", "1 OPTIONS", ""), "SIP/2.0 200",
	  "Allow-Events: conference, refer\r\n" },
	{ REQ("OPTIONS", "z9hG4bK29", "c29", "1 OPTIONS", ""), "SIP/2.0 200",
	  "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, UPDATE, REFER, "
	  "SUBSCRIBE\r\n" },
	/* session timers off (their default in cp_sip_conf): "timer" is
	 * one more unknown tag; UPDATE outside any dialog */
	{ REQ("OPTIONS", "z9hG4bK30", "c30", "1 OPTIONS",
	      "Require: timer\r\n"),
	  "SIP/2.0 420", "Unsupported: timer\r\n" },
	{ REQ("UPDATE", "z9hG4bK31", "c31", "1 UPDATE", ""), "SIP/2.0 481",
	  "Call-ID: c31" },
	/* F-41: no Event, an unknown package: 489 with Allow-Events */
	{ REQ("SUBSCRIBE", "z9hG4bK20", "c20", "1 SUBSCRIBE",
	      "Contact: <sip:a@10.0.0.1>\r\n"),
	  "SIP/2.0 489", "Allow-Events: conference, refer\r\n" },
	{ REQ("SUBSCRIBE", "z9hG4bK21", "c21", "1 SUBSCRIBE",
	      "Contact: <sip:a@10.0.0.1>\r\no: presence\r\n"),
	  "SIP/2.0 489", "Allow-Events: conference, refer\r\n" },
	/* F-39: a refer SUBSCRIBE with no REFER behind it */
	{ REQ("SUBSCRIBE", "z9hG4bK22", "c22", "1 SUBSCRIBE",
	      "Contact: <sip:a@10.0.0.1>\r\nEvent: refer\r\n"),
	  "SIP/2.0 403", "Call-ID: c22" },
	/* S-17: a refresh for no dialog */
	{ "SUBSCRIBE sip:conf@127.0.0.1 SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK23;rport\r\n"
	  "From: <sip:a@x>;tag=f1\r\nTo: <sip:conf@127.0.0.1>;tag=gone\r\n"
	  "Call-ID: c23\r\nCSeq: 2 SUBSCRIBE\r\nEvent: conference\r\n"
	  "Content-Length: 0\r\n\r\n",
	  "SIP/2.0 481", "Call-ID: c23" },
	/* F-20: a REFER needs one Contact and one Refer-To */
	{ REQ("REFER", "z9hG4bK24", "c24", "1 REFER",
	      "Refer-To: <sip:b@10.0.0.2>\r\n"),
	  "SIP/2.0 400", "one Contact" },
	{ REQ("REFER", "z9hG4bK25", "c25", "1 REFER",
	      "Contact: <sip:a@10.0.0.1>\r\nRefer-To: <sip:b@10.0.0.2>\r\n"
	      "Refer-To: <sip:c@10.0.0.3>\r\n"),
	  "SIP/2.0 400", "exactly one Refer-To" },
	{ REQ("REFER", "z9hG4bK27", "c27", "1 REFER",
	      "Contact: <sip:a@10.0.0.1>\r\n"
	      "Refer-To: <sip:b@10.0.0.2;method=ABCDEFGHIJKLMNOPQRSTUVWXYZ>\r\n"),
	  "SIP/2.0 400", "Call-ID: c27" },
	{ REQ("REFER", "z9hG4bK26", "c26", "1 REFER",
	      "Contact: <sip:a@10.0.0.1>\r\n"
	      "r: <sip:b@10.0.0.2>, <sip:c@10.0.0.3>\r\n"),
	  "SIP/2.0 400", "RFC 8217" },
};

START_TEST(test_sip_answers)
{
	struct sockaddr_in to;
	char buf[4096];
	int fd = udp_peer(&to);

	udp_send(fd, &to, answers[_i].req, strlen(answers[_i].req));
	udp_recv(fd, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, answers[_i].status,
			      strlen(answers[_i].status)) == 0,
		      "%s", buf);
	ck_assert_msg(strstr(buf, answers[_i].has) != NULL, "%s", buf);
	close(fd);
}
END_TEST


/* Garbage and oversize datagrams: counted drops, no answer. */
START_TEST(test_sip_garbage_and_huge)
{
	static const char junk[] = "\x01\x02 this is not SIP\r\n\r\n";
	struct sockaddr_in to;
	char big[5000];
	int fd = udp_peer(&to);
	const struct cp_sip_stats *st = cp_sip_stats(sip);

	udp_send(fd, &to, junk, sizeof(junk) - 1);
	ck_assert(POLL_UNTIL(st->parse_bad == 1, 3000));
	memset(big, 'A', sizeof(big));
	udp_send(fd, &to, big, sizeof(big)); /* max_msg_bytes is 4096 */
	ck_assert(POLL_UNTIL(stats_have("\"drop_too_big\":1"), 3000));
	ck_assert_uint_eq(st->tx_4xx + st->tx_2xx, 0);
	close(fd);
}
END_TEST

/* S-16: a merged request (same From-tag/Call-ID/CSeq, other branch): 482. */
START_TEST(test_sip_merged_482)
{
	static const char a[] =
		REQ_TO("ring", "INVITE", "z9hG4bK7a", "c7", "1 INVITE", "");
	static const char b[] =
		REQ_TO("ring", "INVITE", "z9hG4bK7b", "c7", "1 INVITE", "");
	static const char own[] = REQ("OPTIONS",
				      "z9hG4bK8;rport\r\n"
				      "Via: SIP/2.0/UDP 1.2.3.4;branch="
				      "z9hG4bK-tutti-0",
				      "c8", "1 OPTIONS", "");
	struct sockaddr_in to;
	char buf[4096];
	int fd = udp_peer(&to);

	udp_send(fd, &to, a, sizeof(a) - 1); /* rings: held open */
	udp_recv(fd, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "SIP/2.0 100", 11) == 0, "%s", buf);
	udp_recv(fd, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "SIP/2.0 180", 11) == 0, "%s", buf);
	udp_send(fd, &to, b, sizeof(b) - 1);
	udp_recv(fd, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "SIP/2.0 482", 11) == 0, "%s", buf);
	udp_send(fd, &to, own, sizeof(own) - 1);
	udp_recv(fd, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "SIP/2.0 482", 11) == 0, "%s", buf);
	ck_assert_uint_eq(cp_sip_stats(sip)->loops, 2);
	ck_assert_int_eq(app.invites, 1);
	close(fd);
}
END_TEST

/* Read from a TCP socket until want appears (or 3 s); what came, in buf. */
static void
tcp_recv(int fd, char *buf, size_t len, const char *want)
{
	uint64_t end = proc_now_ms() + 3000;
	size_t got = 0;

	buf[0] = '\0';
	while (strstr(buf, want) == NULL && proc_now_ms() < end) {
		ssize_t n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);

		if (n > 0) {
			got += (size_t)n;
			buf[got] = '\0';
		}
		cp_sip_poll(sip, 10);
	}
}

/* A TCP connection to the SIP layer from address from (127.x.y.z). */
static int
tcp_connect_from(const char *from)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_eq(inet_pton(AF_INET, from, &a.sin_addr), 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(cp_sip_port(sip));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* fd, non-blocking, was closed by the SIP layer (within 3 s). */
static bool
tcp_closed_by_layer(int fd)
{
	char buf[64];

	fcntl(fd, F_SETFL, O_NONBLOCK);
	return POLL_UNTIL(recv(fd, buf, sizeof(buf), 0) == 0, 3000);
}

static int
tcp_connect(void)
{
	return tcp_connect_from("127.0.0.1");
}

#define TCP_OPTIONS(callid)                                           \
	"OPTIONS sip:focus@127.0.0.1 SIP/2.0\r\n"                     \
	"Via: SIP/2.0/TCP 10.0.0.1:5099;branch=z9hG4bK" callid "\r\n" \
	"From: <sip:a@x>;tag=f1\r\nTo: <sip:focus@127.0.0.1>\r\n"     \
	"Call-ID: " callid "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

/*
 * TCP framing over a real connection: one message in three pieces, then
 * a keep-alive CRLF and two messages in one write; answers come back on
 * the same connection (RFC 3261 §18.2.2).
 */
START_TEST(test_sip_tcp_stream_framing)
{
	static const char one[] = TCP_OPTIONS("t1");
	static const char two[] = "\r\n" TCP_OPTIONS("t2") TCP_OPTIONS("t3");
	char buf[8192];
	int fd = tcp_connect();

	ck_assert_int_eq(write(fd, one, 10), 10);
	cp_sip_poll(sip, 0);
	ck_assert_int_eq(write(fd, one + 10, 100), 100);
	cp_sip_poll(sip, 0);
	ck_assert_int_eq(write(fd, one + 110, sizeof(one) - 111),
			 (ssize_t)sizeof(one) - 111);
	tcp_recv(fd, buf, sizeof(buf), "Call-ID: t1");
	ck_assert_msg(strncmp(buf, "SIP/2.0 200", 11) == 0, "%s", buf);
	ck_assert_int_eq(write(fd, two, sizeof(two) - 1),
			 (ssize_t)sizeof(two) - 1);
	tcp_recv(fd, buf, sizeof(buf), "Call-ID: t3");
	ck_assert_msg(strstr(buf, "Call-ID: t2") != NULL, "%s", buf);
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_2xx, 3);
	close(fd);
}
END_TEST

/* S-10: a TCP message over max_msg_bytes closes the connection. */
START_TEST(test_sip_tcp_too_big)
{
	char big[6000];
	int fd = tcp_connect();

	memset(big, 'A', sizeof(big));
	memcpy(big, "OPTIONS ", 8);
	ck_assert_int_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	ck_assert(tcp_closed_by_layer(fd));
	ck_assert(stats_have("\"drop_too_big\":1"));
	close(fd);
}
END_TEST

/* The connection limit: one more connection is closed and counted. */
START_TEST(test_sip_tcp_conn_limit)
{
	int a, b;

	cp_sip_close(sip);
	open_sip(false, 1, 0);
	a = tcp_connect();
	ck_assert(POLL_UNTIL(stats_have("\"tcp_accepted\":1"), 3000));
	b = tcp_connect();
	ck_assert(tcp_closed_by_layer(b));
	ck_assert(stats_have("\"drop_conn_limit\":1"));
	close(a);
	close(b);
}
END_TEST

/* A ping (a double CRLF, in pieces of split bytes) on fd, and its pong:
 * exactly one CRLF back. */
static void
tcp_ping(int fd, size_t split)
{
	static const char ping[] = "\r\n\r\n";
	char buf[64];

	ck_assert_int_eq(write(fd, ping, split), (ssize_t)split);
	cp_sip_poll(sip, 0);
	ck_assert_int_eq(write(fd, ping + split, 4 - split),
			 (ssize_t)(4 - split));
	tcp_recv(fd, buf, sizeof(buf), "\r\n");
	ck_assert_str_eq(buf, "\r\n");
}

/* An OPTIONS (Call-ID callid) on fd, and its 200 back. */
static void
tcp_options_ok(int fd, const char *callid)
{
	char msg[512], want[80], buf[4096];
	int n = snprintf(msg, sizeof(msg), TCP_OPTIONS("%s"), callid, callid);

	ck_assert_int_eq(write(fd, msg, (size_t)n), n);
	snprintf(want, sizeof(want), "Call-ID: %s", callid);
	tcp_recv(fd, buf, sizeof(buf), want);
	ck_assert_msg(strncmp(buf, "SIP/2.0 200", 11) == 0, "%s", buf);
}

/* The SIP layer opened again with *knob (one of open_sip()'s) at v; the
 * knob back to its default after. */
static void
reopen_sip_with(uint32_t *knob, uint32_t v)
{
	cp_sip_close(sip);
	*knob = v;
	open_sip(false, 0, 0);
	*knob = 0;
}

/*
 * Keepalives (RFC 5626 §3.5.1): a double CRLF on a connection gets a
 * CRLF, also when it comes in two writes, and the messages around it are
 * framed as before; a datagram of CRLFs, or empty, is a keepalive too,
 * not a malformed message.
 */
START_TEST(test_sip_keepalives)
{
	static const char m[] =
		REQ("OPTIONS", "z9hG4bKka", "ka1", "1 OPTIONS", "");
	struct sockaddr_in to;
	char buf[4096];
	int u = udp_peer(&to), fd = tcp_connect();

	udp_send(u, &to, "\r\n\r\n", 4);
	udp_send(u, &to, "", 0);
	udp_send(u, &to, m, sizeof(m) - 1);
	udp_recv(u, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "SIP/2.0 200", 11) == 0, "%s", buf);
	ck_assert(stats_have("\"keepalives\":2,"));
	ck_assert(stats_have("\"parse_bad\":0,"));
	tcp_ping(fd, 4);
	tcp_ping(fd, 2);
	tcp_ping(fd, 1);
	ck_assert(stats_have("\"keepalives\":5,"));
	tcp_options_ok(fd, "ka2");
	tcp_ping(fd, 3);
	ck_assert(stats_have("\"parse_bad\":0,"));
	ck_assert(stats_have("\"keepalives\":6,"));
	close(fd);
	close(u);
}
END_TEST

/*
 * A connection with no byte either way for conn_idle_ms closes (and not
 * before); one kept up by pings, and one whose peer sends a message a
 * byte at a time (nothing comes back till it is whole), stay open past
 * it, and still work.
 */
START_TEST(test_sip_conn_idle)
{
	static const char opt2[] = TCP_OPTIONS("idle2");
	char buf[4096];
	uint64_t t0, closed = 0, end;
	size_t sent = 0;
	int kept, slow, idle;

	reopen_sip_with(&conn_idle_ms, 1000);
	t0 = proc_now_ms();
	kept = tcp_connect();
	slow = tcp_connect();
	idle = tcp_connect();
	fcntl(idle, F_SETFL, O_NONBLOCK);
	/* every 50 ms for 2.5 s, a ping on one and a byte on another,
	 * while the third idles */
	end = t0 + 2500;
	while (proc_now_ms() < end) {
		tcp_ping(kept, 4);
		ck_assert_int_eq(write(slow, opt2 + sent, 1), 1);
		sent++;
		if (closed == 0 && recv(idle, buf, sizeof(buf), 0) == 0)
			closed = proc_now_ms();
		(void)POLL_UNTIL(false, 50);
	}
	ck_assert_msg(closed != 0, "the idle connection is still open");
	ck_assert_uint_ge(closed - t0, 1000);
	ck_assert(stats_have("\"closed_idle\":1,"));
	tcp_options_ok(kept, "idle1");
	ck_assert_uint_lt(sent, sizeof(opt2) - 1);
	ck_assert_int_eq(write(slow, opt2 + sent, sizeof(opt2) - 1 - sent),
			 (ssize_t)(sizeof(opt2) - 1 - sent));
	tcp_recv(slow, buf, sizeof(buf), "Call-ID: idle2");
	ck_assert_msg(strncmp(buf, "SIP/2.0 200", 11) == 0, "%s", buf);
	close(kept);
	close(slow);
	close(idle);
}
END_TEST

/*
 * At most max_conns_per_addr accepted from one address: one more is
 * closed and counted, while another address is still served, and once
 * one of the first closes, the address gets a slot again.
 */
START_TEST(test_sip_conn_per_addr)
{
	int a, b, c, d, e;

	reopen_sip_with(&conns_per_addr, 2);
	a = tcp_connect_from("127.0.0.1");
	b = tcp_connect_from("127.0.0.1");
	ck_assert(POLL_UNTIL(stats_have("\"tcp_accepted\":2,"), 3000));
	c = tcp_connect_from("127.0.0.1");
	ck_assert(tcp_closed_by_layer(c));
	ck_assert(stats_have("\"drop_conn_per_addr\":1,"));
	d = tcp_connect_from("127.0.0.3");
	tcp_options_ok(d, "pa1");
	close(a); /* (c was closed before it had a slot: not counted) */
	ck_assert(POLL_UNTIL(stats_have("\"tcp_closed\":1,"), 3000));
	e = tcp_connect_from("127.0.0.1");
	tcp_options_ok(e, "pa2");
	ck_assert(stats_have("\"drop_conn_per_addr\":1,"));
	close(b);
	close(c);
	close(d);
	close(e);
}
END_TEST

/*
 * The per-address count and the slots, full: 8 slots, 2 connections from
 * each of 4 addresses. One closed (its address's first, deepest in the
 * layer's chains) gives its address a slot again and no other address
 * one; once the slots are full, a ninth address gets none; an address
 * whose connections all closed gets its two again, each served.
 */
START_TEST(test_sip_conn_per_addr_full)
{
	static const char *const from[4] = { "127.0.0.1", "127.0.0.2",
					      "127.0.0.3", "127.0.0.4" };
	int fd[4][2], x;

	cp_sip_close(sip);
	conns_per_addr = 2;
	open_sip(false, 8, 0);
	conns_per_addr = 0;
	for (int k = 0; k < 2; k++)
		for (int a = 0; a < 4; a++)
			fd[a][k] = tcp_connect_from(from[a]);
	ck_assert(POLL_UNTIL(stats_have("\"tcp_accepted\":8,"), 3000));
	x = tcp_connect_from("127.0.0.3");
	ck_assert(tcp_closed_by_layer(x));
	close(x);
	ck_assert(stats_have("\"drop_conn_per_addr\":1,"));
	close(fd[1][0]);
	ck_assert(POLL_UNTIL(stats_have("\"tcp_closed\":1,"), 3000));
	x = tcp_connect_from("127.0.0.4"); /* a slot, but not its address's */
	ck_assert(tcp_closed_by_layer(x));
	close(x);
	ck_assert(stats_have("\"drop_conn_per_addr\":2,"));
	fd[1][0] = tcp_connect_from("127.0.0.2");
	tcp_options_ok(fd[1][0], "pf1");
	x = tcp_connect_from("127.0.0.9"); /* its address's, but no slot */
	ck_assert(tcp_closed_by_layer(x));
	close(x);
	ck_assert(stats_have("\"drop_conn_limit\":1,"));
	close(fd[0][0]);
	close(fd[0][1]);
	ck_assert(POLL_UNTIL(stats_have("\"tcp_closed\":3,"), 3000));
	fd[0][0] = tcp_connect_from("127.0.0.1");
	fd[0][1] = tcp_connect_from("127.0.0.1");
	tcp_options_ok(fd[0][0], "pf2");
	tcp_options_ok(fd[0][1], "pf3");
	for (int a = 0; a < 4; a++) {
		char id[8];

		snprintf(id, sizeof(id), "pf%d", 4 + a);
		tcp_options_ok(fd[a][1], id);
	}
	ck_assert(stats_have("\"drop_conn_per_addr\":2,"));
	ck_assert(stats_have("\"drop_conn_limit\":1,"));
	for (int k = 0; k < 2; k++)
		for (int a = 0; a < 4; a++)
			close(fd[a][k]);
}
END_TEST

/*
 * An accepted connection that sends no whole message in first_msg_ms
 * closes, also one that only pings; one that sent a message stays.
 */
START_TEST(test_sip_conn_quiet)
{
	int quiet, pinged, talked;

	reopen_sip_with(&first_msg_ms, 1000);
	talked = tcp_connect();
	tcp_options_ok(talked, "q1");
	quiet = tcp_connect();
	pinged = tcp_connect();
	tcp_ping(pinged, 4);
	ck_assert(tcp_closed_by_layer(quiet));
	ck_assert(tcp_closed_by_layer(pinged));
	ck_assert(stats_have("\"closed_quiet\":2}"));
	tcp_options_ok(talked, "q2");
	close(quiet);
	close(pinged);
	close(talked);
}
END_TEST

/*
 * Call the layer from the raw socket caller: INVITE (Call-ID callid,
 * CSeq 1, extra headers), skip the 100, expect the 200; its To-tag in tag.
 */
static char raw_200[4096]; /* raw_call()'s 200 */

static void
raw_call(int caller, const struct sockaddr_in *to, const char *callid,
	 const char *extra, char tag[64])
{
	char inv[1024], msg[4096];
	const char *t;

	snprintf(inv, sizeof(inv),
		 "INVITE sip:room@127.0.0.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK-%s;rport\r\n"
		 "From: <sip:a@x>;tag=f1\r\nTo: <sip:room@127.0.0.1>\r\n"
		 "Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
		 "%sContent-Length: 0\r\n\r\n",
		 callid, callid, extra);
	udp_send(caller, to, inv, strlen(inv));
	do
		udp_recv(caller, msg, sizeof(msg));
	while (strncmp(msg, "SIP/2.0 100", 11) == 0);
	ck_assert_msg(strncmp(msg, "SIP/2.0 200", 11) == 0, "%s", msg);
	snprintf(raw_200, sizeof(raw_200), "%s", msg);
	t = strstr(msg, "\r\nTo:");
	t = t != NULL ? strstr(t, ";tag=") : NULL;
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(sscanf(t, ";tag=%63[0-9a-f]", tag), 1);
}

/*
 * RFC 3262 §3: an INVITE that requires 100rel is answered, not refused
 * with 420 (the focus sends no provisional but 100, so none has to be
 * reliable).
 */
START_TEST(test_sip_invite_requires_100rel)
{
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char tag[64];

	raw_call(fd, &to, "rel-1", "Supported: 100rel\r\nRequire: 100rel\r\n",
		 tag);
	ck_assert_int_eq(app.invites, 1);
	close(fd);
}
END_TEST

/*
 * Who asks for anonymity (RFC 3323): Privacy with id, user or header
 * (among other values, any case), or an anonymous From (§4.1.1.3); not
 * Privacy: none, session or critical alone, nor a From that only looks
 * like an anonymous one.
 */
START_TEST(test_sip_privacy_asked)
{
	static const struct {
		const char *from, *extra;
		bool anon;
	} cases[] = {
		{ "<sip:a@x>", "", false },
		{ "<sip:a@x>", "Privacy: id\r\n", true },
		{ "<sip:a@x>", "Privacy: critical ; USER\r\n", true },
		{ "<sip:a@x>", "Privacy: header\r\n", true },
		{ "<sip:a@x>", "Privacy: none\r\n", false },
		{ "<sip:a@x>", "Privacy: session;critical\r\n", false },
		{ "<sip:a@x>", "Privacy: identity\r\n", false },
		{ "<sip:a@x>", "Privacy: none\r\nPrivacy: id\r\n", true },
		{ "\"Anonymous\" <sip:anonymous@anonymous.invalid>", "", true },
		{ "<sip:x@Anonymous.Invalid>", "", true },
		{ "anonymous <sip:a@x>", "", true },
		{ "\"Anonymous Bob\" <sip:a@x>", "", false },
		{ "<sip:anonymous@x>", "", false },
	};
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char inv[1024], msg[4096], cid[40];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(inv, sizeof(inv),
			 "INVITE sip:room@127.0.0.1 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK-pv%u;"
			 "rport\r\nFrom: %s;tag=f%u\r\n"
			 "To: <sip:room@127.0.0.1>\r\nCall-ID: pv-%u\r\n"
			 "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
			 "%sContent-Length: 0\r\n\r\n",
			 i, cases[i].from, i, i, cases[i].extra);
		snprintf(cid, sizeof(cid), "\r\nCall-ID: pv-%u\r\n", i);
		app.invites = 0;
		udp_send(fd, &to, inv, strlen(inv));
		do /* past 100s and the earlier calls' 200s, sent again */
			udp_recv(fd, msg, sizeof(msg));
		while (msg[0] != '\0' && (strncmp(msg, "SIP/2.0 200", 11) != 0 ||
					  strstr(msg, cid) == NULL));
		ck_assert_msg(msg[0] != '\0', "case %u: no 200", i);
		ck_assert_int_eq(app.invites, 1);
		ck_assert_msg(app.privacy == cases[i].anon, "case %u: %s %s", i,
			      cases[i].from, cases[i].extra);
	}
	close(fd);
}
END_TEST

/* A UDP socket bound to ip (any port), and in *to the SIP layer's
 * address. */
static int
udp_peer_at(const char *ip, struct sockaddr_in *to)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	*to = a;
	to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to->sin_port = htons(cp_sip_port(sip));
	return fd;
}

/*
 * The trust domain (RFC 3325): 127.0.0.2/32 is in it. Its INVITEs'
 * P-Asserted-Identity says who calls: the sip: or sips: URI, else the
 * tel: one, one value or two, in one header or two; one that does not
 * parse, of another scheme, or with two URIs of a kind, gets 400 and no
 * call. 127.0.0.1's are ignored, whatever they hold (the call goes on as
 * if it had none). Each is counted.
 */
START_TEST(test_sip_asserted_identity)
{
	static const struct {
		bool trusted;
		const char *hdrs, *want; /* want NULL: 400 */
	} cases[] = {
		{ true, "", "" },
		{ true, "P-Asserted-Identity: \"Alice, A.\" "
			"<sip:alice@carrier.example>\r\n",
		  "sip:alice@carrier.example" },
		{ true, "P-Asserted-Identity: <tel:+15551234>, "
			"<sips:bob@carrier.example;user=phone>\r\n",
		  "sips:bob@carrier.example;user=phone" },
		{ true, "P-Asserted-Identity: tel:+15551234\r\n",
		  "tel:+15551234" },
		{ true, "p-asserted-identity: <sip:carol@carrier.example>\r\n"
			"P-Asserted-Identity: <tel:+15550000>\r\n",
		  "sip:carol@carrier.example" },
		{ true, "P-Asserted-Identity: <sip:a@x>, <sip:b@x>\r\n", NULL },
		{ true, "P-Asserted-Identity: <tel:+1>\r\n"
			"P-Asserted-Identity: <tel:+2>\r\n", NULL },
		{ true, "P-Asserted-Identity: <mailto:a@x>\r\n", NULL },
		{ true, "P-Asserted-Identity: <sip:a@x\r\n", NULL },
		{ true, "P-Asserted-Identity: \"Bob, B.\" <sip:a@x>;p=\"x,y\"\r\n",
		  "sip:a@x" },
		{ false, "P-Asserted-Identity: <sip:alice@carrier.example>\r\n",
		  "" },
		{ false, "P-Asserted-Identity: <sip:a@x>, <sip:b@x>\r\n", "" },
	};
	static struct cp_trust_net nets[1];
	struct sockaddr_in to_in, to_out;
	int in, out, n_asserted = 0, n_ignored = 0, n_bad = 0;
	char inv[1024], msg[4096], cid[40], want[64], why[128];
	size_t n;

	ck_assert_int_eq(cp_trust_parse("127.0.0.2", nets, 1, &n, why,
					sizeof(why)), 0);
	cp_sip_close(sip);
	trust_nets = nets;
	n_trust_nets = n;
	open_sip(false, 0, 0);
	trust_nets = NULL;
	n_trust_nets = 0;
	in = udp_peer_at("127.0.0.2", &to_in);
	out = udp_peer_at("127.0.0.1", &to_out);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = cases[i].trusted ? in : out;

		snprintf(inv, sizeof(inv),
			 "INVITE sip:room@127.0.0.1 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK-pa%u;"
			 "rport\r\nFrom: <sip:sipp@10.0.0.1>;tag=f%u\r\n"
			 "To: <sip:room@127.0.0.1>\r\nCall-ID: pa-%u\r\n"
			 "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
			 "%sContent-Length: 0\r\n\r\n",
			 i, i, i, cases[i].hdrs);
		snprintf(cid, sizeof(cid), "\r\nCall-ID: pa-%u\r\n", i);
		snprintf(want, sizeof(want), "SIP/2.0 %d",
			 cases[i].want != NULL ? 200 : 400);
		app.invites = 0;
		udp_send(fd, cases[i].trusted ? &to_in : &to_out, inv,
			 strlen(inv));
		do /* past 100s and the earlier calls' 200s, sent again */
			udp_recv(fd, msg, sizeof(msg));
		while (msg[0] != '\0' &&
		       (strncmp(msg, want, strlen(want)) != 0 ||
			strstr(msg, cid) == NULL));
		ck_assert_msg(msg[0] != '\0', "case %u: no %s", i, want);
		if (cases[i].want == NULL) {
			ck_assert_msg(strstr(msg, "bad P-Asserted-Identity") !=
					      NULL, "case %u: %s", i, msg);
			ck_assert_int_eq(app.invites, 0);
			n_bad++;
			continue;
		}
		ck_assert_int_eq(app.invites, 1);
		ck_assert_msg(strcmp(app.asserted, cases[i].want) == 0,
			      "case %u: asserted '%s', want '%s'", i,
			      app.asserted, cases[i].want);
		ck_assert_str_eq(app.from, "sip:sipp@10.0.0.1");
		if (cases[i].want[0] != '\0')
			n_asserted++;
		else if (cases[i].hdrs[0] != '\0')
			n_ignored++;
	}
	snprintf(want, sizeof(want), "\"asserted\":%d,", n_asserted);
	ck_assert_msg(stats_have(want), "%s", want);
	snprintf(want, sizeof(want), "\"asserted_ignored\":%d", n_ignored);
	ck_assert_msg(stats_have(want), "%s", want);
	snprintf(want, sizeof(want), "\"parse_bad\":%d,", n_bad);
	ck_assert_msg(stats_have(want), "%s", want);
	close(in);
	close(out);
}
END_TEST

/* Send a request inside the dialog raw_call() made (new branch each). */
static void
raw_in_dialog(int caller, const struct sockaddr_in *to, const char *method,
	      const char *callid, const char *tag, unsigned int cseq,
	      const char *extra)
{
	char m[1024];

	snprintf(m, sizeof(m),
		 "%s sip:room@127.0.0.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK-%s-%s-%u;"
		 "rport\r\n"
		 "From: <sip:a@x>;tag=f1\r\nTo: <sip:room@127.0.0.1>;tag=%s\r\n"
		 "Call-ID: %s\r\nCSeq: %u %s\r\n%sContent-Length: 0\r\n\r\n",
		 method, callid, method, cseq, tag, callid, cseq, method,
		 extra);
	udp_send(caller, to, m, strlen(m));
}

/* Receive on fd, skipping 100 and 2xx copies; the first other message. */
static void
udp_recv_skip(int fd, char *buf, size_t len, const char *skip)
{
	do
		udp_recv(fd, buf, len);
	while (strncmp(buf, "SIP/2.0 100", 11) == 0 ||
	       (skip != NULL && strncmp(buf, skip, strlen(skip)) == 0));
}

/* The port fd is bound to, for a Contact that reaches it. */
static unsigned int
fd_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/*
 * A response with code to req (Via, From, To, Call-ID, CSeq copied; the
 * To gets ;tag=to_tag unless NULL), extra headers (NULL = none) last.
 */
static int
make_answer_ex(const char *req, int code, const char *to_tag,
	       const char *extra, char *resp, size_t len)
{
	static const char *const copy[] = { "Via:", "From:", "To:",
					    "Call-ID:", "CSeq:" };
	int n;

	n = snprintf(resp, len, "SIP/2.0 %d Whatever\r\n", code);
	for (const char *l = strstr(req, "\r\n") + 2, *e;
	     (e = strstr(l, "\r\n")) != NULL && e != l; l = e + 2)
		for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
			if (strncmp(l, copy[i], strlen(copy[i])) == 0)
				n += snprintf(resp + n, len - (size_t)n,
					      "%.*s%s%s\r\n", (int)(e - l), l,
					      i == 2 && to_tag ? ";tag=" : "",
					      i == 2 && to_tag ? to_tag : "");
	n += snprintf(resp + n, len - (size_t)n,
		      "%sContent-Length: 0\r\n\r\n", extra ? extra : "");
	return n;
}

static int
make_answer(const char *req, int code, char *resp, size_t len)
{
	return make_answer_ex(req, code, NULL, NULL, resp, len);
}

/*
 * Receive the next request on fd (responses skipped), check its method
 * and answer it with code. The request stays in req.
 */
/* Answer request req (received on fd) with code. */
static void
answer_req(int fd, const struct sockaddr_in *to, const char *req, int code)
{
	char resp[2048];

	udp_send(fd, to, resp, (size_t)make_answer(req, code, resp,
						    sizeof(resp)));
}

static void
raw_answer(int fd, const struct sockaddr_in *to, const char *method, int code,
	   char *req, size_t len)
{
	do
		udp_recv(fd, req, len);
	while (strncmp(req, "SIP/2.0 ", 8) == 0);
	ck_assert_msg(strncmp(req, method, strlen(method)) == 0, "%s", req);
	answer_req(fd, to, req, code);
}

/* A TCP connection to the metrics port, that sends nothing. */
static int
metrics_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port =
					 htons((uint16_t)focus_metrics_port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* What the server did to fd within ms: -1 nothing, 0 closed it without a
 * word, 1 sent something. */
static int
server_did(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(fd, &c, 1) > 0;
}

/*
 * The metrics endpoint waits on no client (SIP is served from the same
 * loop): 12 connections that never ask (a port scanner, a stuck health
 * check) keep neither a scrape nor SIP waiting. The scrape is answered,
 * and so is a SIP OPTIONS, while the newest silent ones are still open and
 * unanswered (the endpoint once read each for 200 ms in turn, then sent
 * it a 404); the oldest 5 were closed, without a word, to make room (8
 * clients at once); the others are closed 5 s after they connected.
 */
START_TEST(test_focus_metrics_silent_clients)
{
	static const char options[] =
		REQ_TO("demo", "OPTIONS", "z9hG4bKm1", "m1", "1 OPTIONS", "");
	static char out[1 << 20];
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)focus_port) };
	int idle[12], u;
	ssize_t n;

	for (int i = 0; i < 12; i++)
		idle[i] = metrics_connect();
	http_get("/metrics", out, sizeof(out));
	ck_assert_msg(strncmp(out, "HTTP/1.0 200", 12) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\ntutti_dataplane_up 1\n"));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(u, 0);
	udp_send(u, &to, options, sizeof(options) - 1);
	ck_assert_int_eq(
		poll(&(struct pollfd){ .fd = u, .events = POLLIN }, 1, 5000),
		1);
	n = recv(u, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	ck_assert_msg(strstr(out, "Call-ID: m1\r\n") != NULL, "%s", out);
	close(u);
	for (int i = 5; i < 12; i++)
		ck_assert_msg(server_did(idle[i], 0) == -1, "silent client %d",
			      i);
	for (int i = 0; i < 5; i++)
		ck_assert_msg(server_did(idle[i], 3000) == 0,
			      "silent client %d", i);
	for (int i = 5; i < 12; i++)
		ck_assert_msg(server_did(idle[i], 10000) == 0,
			      "silent client %d", i);
	for (int i = 0; i < 12; i++)
		close(idle[i]);
}
END_TEST

/*
 * A request libosip2 cannot parse gets its 400 with its Via, From, To,
 * Call-ID and CSeq copied as they came, but not one with a CR or LF alone
 * in them: a peer that ends lines at a bare LF would read the rest as a
 * header of ours. Then nothing is sent (counted as parse_bad); the clean
 * OPTIONS after it gets the next answer.
 */
START_TEST(test_sip_unparsed_lone_lf_not_copied)
{
	static const char bad[] =
		"INVITE sip:focus@127.0.0.1; lr SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bKlf;rport\r\n"
		"From: <sip:a@x>;tag=f1\nX-Injected: 1\r\n"
		"To: <sip:focus@127.0.0.1>\r\nCall-ID: lf1\r\n"
		"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char ok[] =
		REQ("OPTIONS", "z9hG4bKlf2", "lf2", "1 OPTIONS", "");
	struct sockaddr_in to;
	char buf[4096];
	int fd = udp_peer(&to);

	udp_send(fd, &to, bad, sizeof(bad) - 1);
	udp_send(fd, &to, ok, sizeof(ok) - 1);
	udp_recv(fd, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "Call-ID: lf2\r\n") != NULL, "%s", buf);
	ck_assert_uint_eq(cp_sip_stats(sip)->parse_bad, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->tx_4xx, 0);
	close(fd);
}
END_TEST

/*
 * A From or To tag without a value (";tag") is a syntax error libosip2
 * takes; its dialog matching then did strcmp(NULL): an INVITE, then an ACK
 * or BYE in its Call-ID with such a tag, crashed tutti-cp (fuzz_sip found
 * it). Now 400 (an ACK: counted, unanswered); the call goes on.
 */
START_TEST(test_sip_valueless_tag_400)
{
	static const char inv[] =
		REQ_TO("conf", "INVITE", "z9hG4bKv1", "v1", "1 INVITE",
		       "Contact: <sip:a@127.0.0.1>\r\n");
	static const char *const bad[] = {
		"ACK sip:conf@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bKv2;rport\r\n"
		"From: <sip:a@x>;tag\r\nTo: <sip:focus@127.0.0.1>;tag=x\r\n"
		"Call-ID: v1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
		"BYE sip:conf@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bKv3;rport\r\n"
		"From: <sip:a@x>;tag=f1\r\nTo: <sip:focus@127.0.0.1>;tag=\r\n"
		"Call-ID: v1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
	};
	static const char ok[] =
		REQ("OPTIONS", "z9hG4bKv4", "v4", "1 OPTIONS", "");
	struct sockaddr_in to;
	char buf[4096];
	int fd = udp_peer(&to);

	udp_send(fd, &to, inv, sizeof(inv) - 1);
	udp_recv_skip(fd, buf, sizeof(buf), NULL);
	ck_assert_msg(strncmp(buf, "SIP/2.0 200", 11) == 0, "%s", buf);
	udp_send(fd, &to, bad[0], strlen(bad[0]));
	udp_send(fd, &to, bad[1], strlen(bad[1]));
	udp_recv_skip(fd, buf, sizeof(buf), "SIP/2.0 200"); /* 2xx copies */
	ck_assert_msg(strncmp(buf, "SIP/2.0 400", 11) == 0 &&
			      strstr(buf, "Call-ID: v1\r\nCSeq: 2 BYE") != NULL,
		      "%s", buf);
	ck_assert_uint_eq(cp_sip_stats(sip)->parse_bad, 2);
	udp_send(fd, &to, ok, sizeof(ok) - 1);
	udp_recv_skip(fd, buf, sizeof(buf),
		      "SIP/2.0 200 OK\r\nVia: "
		      "SIP/2.0/UDP 10.0.0.1:5099;"
		      "branch=z9hG4bKv1");
	ck_assert_msg(strstr(buf, "Call-ID: v4\r\n") != NULL, "%s", buf);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_active, 1);
	close(fd);
}
END_TEST

/*
 * RFC 3261 8.1.1.8: a request that makes a dialog with the wildcard
 * Contact ("*", a REGISTER's only) or two gets 400 saying so, and the
 * application never sees it; without a Contact, an INVITE is still taken.
 * (A SUBSCRIBE with "*" reached the application, whose NOTIFY then had no
 * Request-URI: libosip2 crashed. fuzz_sip found it.)
 */
START_TEST(test_sip_dialog_needs_one_contact)
{
	static const char *const m[] = {
		REQ_TO("conf", "INVITE", "z9hG4bKw1", "w1", "1 INVITE",
		       "Contact: *\r\n"),
		REQ_TO("conf", "SUBSCRIBE", "z9hG4bKw2", "w2", "1 SUBSCRIBE",
		       "Contact: *\r\nEvent: conference\r\n"),
		REQ_TO("conf", "REFER", "z9hG4bKw3", "w3", "1 REFER",
		       "Contact: *\r\nRefer-To: <sip:b@127.0.0.1>\r\n"),
		REQ_TO("conf", "INVITE", "z9hG4bKw4", "w4", "1 INVITE",
		       "Contact: <sip:a@127.0.0.1>, <sip:b@127.0.0.1>\r\n"),
		REQ_TO("conf", "SUBSCRIBE", "z9hG4bKw5", "w5", "1 SUBSCRIBE",
		       "Event: conference\r\n"),
	};
	static const char ok[] =
		REQ_TO("conf", "INVITE", "z9hG4bKw6", "w6", "1 INVITE", "");
	struct sockaddr_in to;
	char buf[4096], call_id[32];
	int fd = udp_peer(&to);

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		udp_send(fd, &to, m[i], strlen(m[i]));
		udp_recv_skip(fd, buf, sizeof(buf), NULL);
		ck_assert_msg(strncmp(buf, "SIP/2.0 400", 11) == 0, "%s", buf);
		ck_assert_msg(strstr(buf, "Warning: 399 tutti \"one Contact "
					  "needed\"") != NULL,
			      "%s", buf);
		snprintf(call_id, sizeof(call_id), "Call-ID: w%zu\r\n", i + 1);
		ck_assert_msg(strstr(buf, call_id) != NULL, "%s", buf);
	}
	ck_assert_int_eq(app.invites, 0);
	ck_assert_int_eq(app.subscribes, 0);
	ck_assert_int_eq(app.refers, 0);
	udp_send(fd, &to, ok, sizeof(ok) - 1);
	ck_assert(POLL_UNTIL(app.invites == 1, 3000));
	close(fd);
}
END_TEST

/*
 * F-34, RFC 3515 §2.4.6: REFERs inside an INVITE dialog; the NOTIFYs use
 * that dialog, the second REFER's with Event: refer;id=<its CSeq>. F-52:
 * a 481 to a NOTIFY ends that subscription (its queued final NOTIFY is
 * dropped) but not the call.
 */
START_TEST(test_sip_refer_in_dialog)
{
	struct sockaddr_in to;
	int caller = udp_peer(&to);
	char msg[4096], tag[64], contact[96];

	snprintf(contact, sizeof(contact),
		 "Contact: <sip:caller@127.0.0.1:%u>\r\n", fd_port(caller));
	raw_call(caller, &to, "ref-1", contact, tag);
	raw_in_dialog(caller, &to, "ACK", "ref-1", tag, 1, "");
	ck_assert(POLL_UNTIL(app.acks == 1, 3000));
	raw_in_dialog(caller, &to, "REFER", "ref-1", tag, 2,
		      "Refer-To: <sip:bob@127.0.0.1>\r\n");
	udp_recv_skip(caller, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 202", 11) == 0, "%s", msg);
	raw_answer(caller, &to, "NOTIFY", 200, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "\r\nEvent: refer\r\n") != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "Call-ID: ref-1\r\n") != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, tag) != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "CSeq: 2 NOTIFY") != NULL, "%s", msg);
	raw_answer(caller, &to, "NOTIFY", 200, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "terminated;reason=noresource") != NULL,
		      "%s", msg);
	ck_assert(POLL_UNTIL(app.sub_ends[CP_SIP_SUB_END_TERMINATED] == 1,
			     3000));
	raw_in_dialog(caller, &to, "REFER", "ref-1", tag, 3,
		      "Refer-To: <sip:carol@127.0.0.1>\r\n");
	udp_recv_skip(caller, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 202", 11) == 0, "%s", msg);
	raw_answer(caller, &to, "NOTIFY", 481, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "\r\nEvent: refer;id=3\r\n") != NULL,
		      "%s", msg);
	ck_assert(POLL_UNTIL(app.sub_ends[CP_SIP_SUB_END_NOTIFY_FAILED] == 1,
			     3000));
	ck_assert_uint_eq(cp_sip_stats(sip)->notify_failed, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->subs_active, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_active, 1);
	raw_in_dialog(caller, &to, "BYE", "ref-1", tag, 4, "");
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_RECEIVED] == 1, 3000));
	assert_all_ended();
	close(caller);
}
END_TEST

/* A SUBSCRIBE for the conference from fd, Contact port and parameters. */
static void
raw_subscribe(int fd, const struct sockaddr_in *to, const char *callid,
	      unsigned int contact_port, const char *contact_params)
{
	char sub[512];
	int n;

	n = snprintf(sub, sizeof(sub),
		     "SUBSCRIBE sip:conf@127.0.0.1 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-%s;rport\r\n"
		     "From: <sip:a@x>;tag=f1\r\nTo: <sip:conf@127.0.0.1>\r\n"
		     "Call-ID: %s\r\nCSeq: 1 SUBSCRIBE\r\n"
		     "Contact: <sip:a@127.0.0.1:%u%s>\r\n"
		     "Event: conference\r\nExpires: 600\r\n"
		     "Content-Length: 0\r\n\r\n",
		     fd_port(fd), callid, callid, contact_port, contact_params);
	udp_send(fd, to, sub, (size_t)n);
}

/*
 * S-32, F-48: a subscriber on UDP whose Contact says ;transport=tcp gets
 * its NOTIFYs on a TCP connection the focus opens to that Contact. F-52:
 * if that connection closes before the 200 (_i 1), the NOTIFY fails as a
 * timeout would, at once, and the subscription ends.
 */
START_TEST(test_sip_notify_on_tcp_we_open)
{
	struct sockaddr_in to, a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = udp_peer(&to), conn = -1, n;
	int lis = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	char msg[4096], resp[1024], line[96];
	uint64_t end;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lis, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(lis, 1), 0);
	ck_assert_int_eq(getsockname(lis, (struct sockaddr *)&a, &alen), 0);
	raw_subscribe(fd, &to, "tcp-1", ntohs(a.sin_port), ";transport=tcp");
	udp_recv(fd, msg, sizeof(msg));
	ck_assert_msg(strncmp(msg, "SIP/2.0 200", 11) == 0, "%s", msg);
	for (end = proc_now_ms() + 3000; conn < 0 && proc_now_ms() < end;)
		if ((conn = accept(lis, NULL, NULL)) < 0)
			cp_sip_poll(sip, 10);
	ck_assert_int_ge(conn, 0);
	tcp_recv(conn, msg, sizeof(msg), "version=\"1\"/>\r\n");
	snprintf(line, sizeof(line),
		 "NOTIFY sip:a@127.0.0.1:%u;transport=tcp SIP/2.0\r\n",
		 ntohs(a.sin_port));
	ck_assert_msg(strncmp(msg, line, strlen(line)) == 0, "%s", msg);
	ck_assert_msg(strstr(msg, "Via: SIP/2.0/TCP ") != NULL, "%s", msg);
	ck_assert(stats_have("\"tcp_connected\":1,"));
	if (_i == 1) {
		close(conn);
		ck_assert(POLL_UNTIL(
			app.sub_ends[CP_SIP_SUB_END_NOTIFY_FAILED] == 1, 3000));
		assert_all_ended();
		close(lis);
		close(fd);
		return;
	}
	n = make_answer(msg, 200, resp, sizeof(resp));
	ck_assert_int_eq(send(conn, resp, (size_t)n, 0), n);
	ck_assert(POLL_UNTIL(stats_have("\"rx_tcp\":1,"), 3000));
	ck_assert_uint_eq(cp_sip_stats(sip)->notify_failed, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->subs_active, 1);
	close(conn);
	close(lis);
	close(fd);
}
END_TEST

/*
 * S-32, RFC 3261 18.1.1: a NOTIFY over 1300 bytes to a UDP subscriber goes
 * over a TCP connection the layer opens to the same address and port (_i
 * 0: a listener is there; Via says TCP). _i 1: nothing listens on TCP: the
 * connection fails and the NOTIFY goes over UDP after all, counted in
 * notify_udp_big.
 */
START_TEST(test_sip_notify_big_over_tcp_or_udp)
{
	struct sockaddr_in to, a = { .sin_family = AF_INET };
	int fd = udp_peer(&to), lis = -1, conn = -1, n;
	char msg[4096], resp[1024];
	uint64_t end;

	app.big_body = true;
	/* the UDP peer's port on TCP too: another test running meanwhile
	 * may hold that TCP port (a connection's own end), so a peer whose
	 * port is taken there is given up for another */
	for (int tries = 0; _i == 0 && lis < 0; tries++) {
		lis = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ck_assert_int_ge(lis, 0);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons(fd_port(fd));
		if (bind(lis, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		ck_assert_msg(errno == EADDRINUSE && tries < 20,
			      "bind: %s", strerror(errno));
		close(lis);
		lis = -1;
		close(fd);
		fd = udp_peer(&to);
	}
	if (_i == 0)
		ck_assert_int_eq(listen(lis, 1), 0);
	raw_subscribe(fd, &to, "big-1", fd_port(fd), "");
	udp_recv(fd, msg, sizeof(msg));
	ck_assert_msg(strncmp(msg, "SIP/2.0 200", 11) == 0, "%s", msg);
	if (_i == 0) {
		for (end = proc_now_ms() + 3000;
		     conn < 0 && proc_now_ms() < end;)
			if ((conn = accept(lis, NULL, NULL)) < 0)
				cp_sip_poll(sip, 10);
		ck_assert_int_ge(conn, 0);
		tcp_recv(conn, msg, sizeof(msg), "-->\r\n");
		ck_assert_msg(strncmp(msg, "NOTIFY ", 7) == 0, "%s", msg);
		ck_assert_msg(strstr(msg, "Via: SIP/2.0/TCP ") != NULL, "%s",
			      msg);
		ck_assert_msg(strstr(msg, ";transport=tcp>") != NULL, "%s",
			      msg);
		ck_assert_uint_gt(strlen(msg), 1300);
		n = make_answer(msg, 200, resp, sizeof(resp));
		ck_assert_int_eq(send(conn, resp, (size_t)n, 0), n);
		ck_assert(POLL_UNTIL(stats_have("\"rx_tcp\":1,"), 3000));
		ck_assert_uint_eq(cp_sip_stats(sip)->notify_tcp_big, 1);
		ck_assert_uint_eq(cp_sip_stats(sip)->notify_udp_big, 0);
		ck_assert_uint_eq(cp_sip_stats(sip)->notify_failed, 0);
		close(conn);
		close(lis);
		close(fd);
		return;
	}
	raw_answer(fd, &to, "NOTIFY", 200, msg, sizeof(msg));
	ck_assert_uint_gt(strlen(msg), 1300);
	ck_assert_msg(strstr(msg, "Via: SIP/2.0/UDP ") != NULL, "%s", msg);
	ck_assert_uint_eq(cp_sip_stats(sip)->notify_tcp_big, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->notify_udp_big, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->subs_active, 1);
	close(fd);
}
END_TEST

/*
 * F-47, F-50: the focus grants less than asked (1 s); unrefreshed, the
 * subscription ends with NOTIFY terminated;reason=timeout.
 */
START_TEST(test_sip_subscription_expires)
{
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char msg[4096];

	app.grant_s = 1;
	raw_subscribe(fd, &to, "exp-1", fd_port(fd), "");
	udp_recv(fd, msg, sizeof(msg));
	ck_assert_msg(strncmp(msg, "SIP/2.0 200", 11) == 0, "%s", msg);
	ck_assert_msg(strstr(msg, "\r\nExpires: 1\r\n") != NULL, "%s", msg);
	raw_answer(fd, &to, "NOTIFY", 200, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "active;expires=1\r\n") != NULL, "%s", msg);
	raw_answer(fd, &to, "NOTIFY", 200, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "Subscription-State: terminated;reason="
				  "timeout\r\n") != NULL,
		      "%s", msg);
	ck_assert(POLL_UNTIL(app.sub_ends[CP_SIP_SUB_END_EXPIRED] == 1, 3000));
	assert_all_ended();
	close(fd);
}
END_TEST

/*
 * F-24: a dial-out carries Referred-By unchanged, and the target's URI
 * headers as headers (Replaces, Subject, In-Reply-To), but never one of
 * ours (Via), nor one that says who calls (P-Asserted-Identity,
 * Referred-By), carries credentials, or asks the carrier for something
 * (Priority, Require), nor one it does not know (a REFER's Refer-To is
 * the referrer's to write); the Request-URI and To lose the headers.
 */
START_TEST(test_sip_dial_out_referred_by_and_uri_headers)
{
	struct cp_sip_invite_opts o = {
		.from_uri = "sip:conf@127.0.0.1",
		.contact_user = "conf",
		.referred_by = "<sip:alice@127.0.0.1>;cid=x",
	};
	struct sockaddr_in to;
	int callee = udp_peer(&to);
	char target[256], line[96], msg[4096];
	struct cp_sip_call *c = NULL;

	snprintf(target, sizeof(target),
		 "sip:bob@127.0.0.1:%u?Replaces=abc%%40x%%3Bto-tag%%3D1"
		 "&in-reply-to=7@x&Via=SIP/2.0/UDP%%2010.9.9.9&v=x&Subject=hi"
		 "&P-Asserted-Identity=%%3Csip:ceo@x%%3E&Referred-By=ceo"
		 "&Proxy-Authorization=Digest%%20x&Priority=emergency"
		 "&Require=foo&X-B=ceo",
		 fd_port(callee));
	o.target_uri = target;
	ck_assert_int_eq(cp_sip_invite_ex(sip, &o, &c), 0);
	raw_answer(callee, &to, "INVITE", 486, msg, sizeof(msg));
	snprintf(line, sizeof(line), "INVITE sip:bob@127.0.0.1:%u SIP/2.0\r\n",
		 fd_port(callee));
	ck_assert_msg(strncmp(msg, line, strlen(line)) == 0, "%s", msg);
	ck_assert_msg(strstr(msg, "\r\nReplaces: abc@x;to-tag=1\r\n") != NULL,
		      "%s", msg);
	ck_assert_msg(strstr(msg, "\r\nReferred-By: <sip:alice@127.0.0.1>;"
				  "cid=x\r\n") != NULL,
		      "%s", msg);
	ck_assert_msg(strstr(msg, "\r\nSubject: hi\r\n") != NULL, "%s", msg);
	/* its name as libosip2 writes it: In-reply-to */
	ck_assert_msg(strcasestr(msg, "\r\nIn-Reply-To: 7@x\r\n") != NULL, "%s",
		      msg);
	ck_assert_msg(strstr(msg, "emergency") == NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "foo") == NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "10.9.9.9") == NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "\r\nv:") == NULL, "%s", msg);
	/* nor who calls, nor credentials (the focus's to give) */
	ck_assert_msg(strstr(msg, "ceo") == NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "Digest") == NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "?") == NULL, "%s", msg);
	ck_assert(POLL_UNTIL(app.failed_code == 486, 3000));
	close(callee);
}
END_TEST

/*
 * RFC 3261 §13.2.2.4: a forked dial-out answered by two branches: the
 * first 2xx is the call; the second gets an ACK and a BYE and the app
 * never hears of it.
 */
START_TEST(test_sip_dial_out_forked_2xx)
{
	struct sockaddr_in to;
	int callee = udp_peer(&to);
	char target[64], inv[4096], msg[4096], resp[2048], ct[96];
	struct cp_sip_call *c = NULL;

	snprintf(target, sizeof(target), "sip:bob@127.0.0.1:%u",
		 fd_port(callee));
	snprintf(ct, sizeof(ct), "Contact: <sip:bob@127.0.0.1:%u>\r\n",
		 fd_port(callee));
	ck_assert_int_eq(cp_sip_invite(sip, target, "sip:conf@127.0.0.1",
				       "conf", "application/sdp", sdp, NULL,
				       &c),
			 0);
	udp_recv(callee, inv, sizeof(inv));
	ck_assert_msg(strncmp(inv, "INVITE ", 7) == 0, "%s", inv);
	for (int b = 0; b < 2; b++) { /* each branch's 200 gets an ACK */
		char tag[16];

		snprintf(tag, sizeof(tag), "branch-%c", 'a' + b);
		udp_send(callee, &to, resp,
			 (size_t)make_answer_ex(inv, 200, tag, ct, resp,
						sizeof(resp)));
		udp_recv(callee, msg, sizeof(msg));
		ck_assert_msg(strncmp(msg, "ACK ", 4) == 0 &&
				      strstr(msg, tag) != NULL,
			      "%s", msg);
	}
	raw_answer(callee, &to, "BYE", 200, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "tag=branch-b") != NULL, "%s", msg);
	ck_assert(POLL_UNTIL(cp_sip_stats(sip)->dialogs_active == 1, 3000));
	ck_assert_int_eq(app.answered, 1);
	ck_assert_int_eq(app.ends[CP_SIP_END_BYE_SENT], 0);
	close(callee);
}
END_TEST


/* ---- session timers (RFC 4028), with intervals of seconds ---- */

static const char *hdr_of(const char *msg, const char *name, char *buf,
			  size_t len);

static void
stimer_setup(void)
{
	session_expires_s = 6;
	min_se_s = 3;
	open_sip(false, 0, 0);
}

static void
stimer_teardown(void)
{
	session_expires_s = 0;
	min_se_s = 0;
	teardown();
}

/* The next request on fd within ms (responses and 2xx copies skipped). */
static void
await_request(int fd, char *buf, size_t len, uint64_t ms)
{
	uint64_t end = proc_now_ms() + ms;

	do
		udp_recv(fd, buf, len);
	while ((buf[0] == '\0' || strncmp(buf, "SIP/2.0 ", 8) == 0) &&
	       proc_now_ms() < end);
}

/* The next request on fd within ms, checked to be method; its CSeq
 * number. */
static unsigned long
await_method(int fd, const char *method, char *msg, size_t len, uint64_t ms)
{
	char v[64];

	await_request(fd, msg, len, ms);
	ck_assert_msg(strncmp(msg, method, strlen(method)) == 0 &&
			      msg[strlen(method)] == ' ',
		      "wanted %s: %s", method, msg);
	return strtoul(hdr_of(msg, "CSeq", v, sizeof(v)), NULL, 10);
}

/* An INVITE (CSeq 1) with extra headers; the first answer but 100. */
static void
stimer_invite(int fd, const struct sockaddr_in *to, const char *callid,
	      const char *extra, char *msg, size_t len)
{
	char inv[1024];

	snprintf(inv, sizeof(inv),
		 "INVITE sip:room@127.0.0.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK-%s;rport\r\n"
		 "From: <sip:a@x>;tag=f1\r\nTo: <sip:room@127.0.0.1>\r\n"
		 "Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
		 "%sContent-Length: 0\r\n\r\n",
		 callid, callid, extra);
	udp_send(fd, to, inv, strlen(inv));
	do
		udp_recv(fd, msg, len);
	while (strncmp(msg, "SIP/2.0 100", 11) == 0);
}

/*
 * RFC 4028 §9 as the UAS: too short an interval gets 422 with our Min-SE;
 * a Session-Expires that does not parse 400; "timer" in a Require is
 * supported, other tags still get 420; a 2xx says the interval (lowered
 * to ours) and the refresher (Table 2), with Require: timer for a caller
 * that supports timers; none where we would refresh but cannot (no
 * UPDATE in the caller's Allow).
 */
START_TEST(test_sip_session_timer_answers)
{
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char msg[4096], tag[64], v[128];

	stimer_invite(fd, &to, "se-short", "Session-Expires: 2\r\n", msg,
		      sizeof(msg));
	ck_assert_msg(strncmp(msg, "SIP/2.0 422", 11) == 0, "%s", msg);
	ck_assert_str_eq(hdr_of(msg, "Min-SE", v, sizeof(v)), "3");
	stimer_invite(fd, &to, "se-bad", "Session-Expires: soon\r\n", msg,
		      sizeof(msg));
	ck_assert_msg(strncmp(msg, "SIP/2.0 400", 11) == 0, "%s", msg);
	stimer_invite(fd, &to, "se-req", "Require: timer, foo\r\n", msg,
		      sizeof(msg));
	ck_assert_msg(strncmp(msg, "SIP/2.0 420", 11) == 0, "%s", msg);
	ck_assert_str_eq(hdr_of(msg, "Unsupported", v, sizeof(v)), "foo");
	ck_assert_int_eq(app.invites, 0);
	/* a caller with timers, naming no refresher: it refreshes */
	raw_call(fd, &to, "se-uac",
		 "Supported: timer\r\nSession-Expires: 60\r\n"
		 "Require: timer\r\n", tag);
	ck_assert_str_eq(hdr_of(raw_200, "Session-Expires", v, sizeof(v)),
			 "6;refresher=uac");
	ck_assert_str_eq(hdr_of(raw_200, "Require", v, sizeof(v)), "timer");
	ck_assert_str_eq(hdr_of(raw_200, "Supported", v, sizeof(v)), "timer");
	ck_assert_msg(strstr(raw_200, "UPDATE") != NULL, "%s", raw_200);
	/* one without, whose Allow has UPDATE: we refresh, no Require */
	raw_call(fd, &to, "se-uas", "Allow: INVITE, ACK, BYE, UPDATE\r\n",
		 tag);
	ck_assert_str_eq(hdr_of(raw_200, "Session-Expires", v, sizeof(v)),
			 "6;refresher=uas");
	ck_assert_str_eq(hdr_of(raw_200, "Require", v, sizeof(v)), "");
	/* one without, and no UPDATE: no timer */
	raw_call(fd, &to, "se-none", "Allow: INVITE, ACK, BYE\r\n", tag);
	ck_assert_str_eq(hdr_of(raw_200, "Session-Expires", v, sizeof(v)),
			 "");
	ck_assert(stats_have("\"session_too_small\":1,"));
	close(fd);
}
END_TEST

/*
 * §10, the caller refreshes (SE 6 s: it must by 4 s after each): by
 * UPDATE and by re-INVITE, each answered with the interval; an UPDATE
 * with an offer gets 488 and refreshes nothing. Once it stops, the BYE
 * comes no sooner than the deadline, and the app hears
 * CP_SIP_END_SESSION_EXPIRED.
 */
START_TEST(test_sip_session_timer_peer_refreshes)
{
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char msg[4096], tag[64], v[128], contact[128];
	unsigned int cseq = 2;
	uint64_t last;

	snprintf(contact, sizeof(contact),
		 "Contact: <sip:caller@127.0.0.1:%u>\r\n", fd_port(fd));
	snprintf(msg, sizeof(msg), "%sSupported: timer\r\n"
		 "Session-Expires: 6;refresher=uac\r\n", contact);
	raw_call(fd, &to, "se-peer", msg, tag);
	ck_assert_str_eq(hdr_of(raw_200, "Session-Expires", v, sizeof(v)),
			 "6;refresher=uac");
	raw_in_dialog(fd, &to, "ACK", "se-peer", tag, 1, "");
	ck_assert(POLL_UNTIL(app.acks == 1, 3000));
	for (int i = 0; i < 3; i++) {
		const char *method = i == 1 ? "INVITE" : "UPDATE";

		/* 1.5 s apart: without a new interval from each, the BYE
		 * (due 4 s after the last) would come before the third */
		POLL_UNTIL(false, 1500);
		raw_in_dialog(fd, &to, method, "se-peer", tag, cseq++,
			      "Supported: timer\r\n"
			      "Session-Expires: 6;refresher=uac\r\n");
		udp_recv_skip(fd, msg, sizeof(msg), NULL);
		ck_assert_msg(strncmp(msg, "SIP/2.0 200", 11) == 0, "%s",
			      msg);
		ck_assert_str_eq(hdr_of(msg, "Session-Expires", v, sizeof(v)),
				 "6;refresher=uac");
		ck_assert_msg(strstr(msg, "\r\nContact: ") != NULL, "%s", msg);
		if (i == 1)
			raw_in_dialog(fd, &to, "ACK", "se-peer", tag, cseq - 1,
				      "");
	}
	last = proc_now_ms();
	/* an offer in UPDATE: 488, not a refresh */
	snprintf(msg, sizeof(msg),
		 "UPDATE sip:room@127.0.0.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK-se-offer;"
		 "rport\r\nFrom: <sip:a@x>;tag=f1\r\n"
		 "To: <sip:room@127.0.0.1>;tag=%s\r\nCall-ID: se-peer\r\n"
		 "CSeq: %u UPDATE\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 tag, cseq++, strlen(sdp), sdp);
	udp_send(fd, &to, msg, strlen(msg));
	udp_recv_skip(fd, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 488", 11) == 0, "%s", msg);
	await_method(fd, "BYE", msg, sizeof(msg), 10000);
	ck_assert_uint_ge(proc_now_ms() - last, 3900);
	/* saying why (RFC 3326): Q.850 recovery on timer expiry */
	ck_assert_msg(strstr(msg, "\r\nReason: Q.850;cause=102;text=\"session "
				  "timer expired\"\r\n") != NULL,
		      "%s", msg);
	answer_req(fd, &to, msg, 200);
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_SESSION_EXPIRED] == 1, 3000));
	ck_assert(stats_have("\"session_refreshed\":3,"));
	ck_assert(stats_have("\"session_expired\":1,"));
	ck_assert(stats_have("\"session_refreshes\":0,"));
	close(fd);
}
END_TEST

/*
 * §10, we refresh (a caller without timers that allows UPDATE): an
 * UPDATE without a body at half the interval, saying refresher=uac, and
 * again after its 200; a 481 to it ends the call with a BYE.
 */
START_TEST(test_sip_session_timer_we_refresh)
{
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char msg[4096], tag[64], v[128], hdrs[256], resp[2048];
	uint64_t t0;

	snprintf(hdrs, sizeof(hdrs),
		 "Contact: <sip:caller@127.0.0.1:%u>\r\n"
		 "Allow: INVITE, ACK, BYE, UPDATE\r\n", fd_port(fd));
	raw_call(fd, &to, "se-ours", hdrs, tag);
	t0 = proc_now_ms();
	ck_assert_str_eq(hdr_of(raw_200, "Session-Expires", v, sizeof(v)),
			 "6;refresher=uas");
	raw_in_dialog(fd, &to, "ACK", "se-ours", tag, 1, "");
	for (int i = 0; i < 2; i++) {
		await_request(fd, msg, sizeof(msg), 8000);
		ck_assert_msg(strncmp(msg, "UPDATE sip:caller@127.0.0.1:", 28) ==
				      0, "%s", msg);
		ck_assert_uint_ge(proc_now_ms() - t0, 2900); /* half of 6 s */
		ck_assert_str_eq(hdr_of(msg, "Session-Expires", v, sizeof(v)),
				 "6;refresher=uac");
		ck_assert_str_eq(hdr_of(msg, "Content-Length", v, sizeof(v)),
				 "0");
		ck_assert_msg(strstr(msg, "\r\nContact: ") != NULL, "%s", msg);
		udp_send(fd, &to, resp,
			 (size_t)make_answer_ex(msg, i == 0 ? 200 : 481, NULL,
						i == 0 ? "Session-Expires: 6;"
							 "refresher=uac\r\n"
						       : NULL,
						resp, sizeof(resp)));
		t0 = proc_now_ms();
	}
	await_method(fd, "BYE", msg, sizeof(msg), 3000);
	answer_req(fd, &to, msg, 200);
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_SESSION_EXPIRED] == 1, 3000));
	ck_assert(stats_have("\"session_refreshes\":2,"));
	close(fd);
}
END_TEST


/*
 * We refresh a caller whose Allow has no UPDATE (a proxy asked for the
 * timer): by re-INVITE, offering our SDP again, at half the interval; a
 * re-INVITE of the caller's meanwhile gets 491 (RFC 3261 §14.2); our 2xx
 * gets its ACK, and a copy of it the same ACK again; a 481 to the next
 * ends the call.
 */
START_TEST(test_sip_session_timer_reinvite)
{
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char msg[4096], tag[64], v[128], hdrs[256], resp[2048], ok[2048];
	unsigned long cseq;
	uint64_t t0;

	snprintf(hdrs, sizeof(hdrs),
		 "Contact: <sip:caller@127.0.0.1:%u>\r\n"
		 "Allow: INVITE, ACK, BYE\r\nSession-Expires: 6\r\n",
		 fd_port(fd));
	raw_call(fd, &to, "se-reinv", hdrs, tag);
	t0 = proc_now_ms();
	ck_assert_str_eq(hdr_of(raw_200, "Session-Expires", v, sizeof(v)),
			 "6;refresher=uas");
	raw_in_dialog(fd, &to, "ACK", "se-reinv", tag, 1, "");
	cseq = await_method(fd, "INVITE", msg, sizeof(msg), 8000);
	ck_assert_uint_ge(proc_now_ms() - t0, 2900);
	ck_assert_str_eq(hdr_of(msg, "Session-Expires", v, sizeof(v)),
			 "6;refresher=uac");
	ck_assert_msg(strstr(msg, sdp) != NULL, "our SDP again: %s", msg);
	/* the caller's own re-INVITE crosses ours */
	raw_in_dialog(fd, &to, "INVITE", "se-reinv", tag, 2, "");
	udp_recv_skip(fd, resp, sizeof(resp), NULL);
	ck_assert_msg(strncmp(resp, "SIP/2.0 491", 11) == 0, "%s", resp);
	make_answer_ex(msg, 200, NULL, "Session-Expires: 6;refresher=uac\r\n",
		       ok, sizeof(ok));
	for (int copy = 0; copy < 2; copy++) {
		udp_send(fd, &to, ok, strlen(ok));
		ck_assert_uint_eq(
			await_method(fd, "ACK", resp, sizeof(resp), 8000),
			cseq);
	}
	cseq = await_method(fd, "INVITE", msg, sizeof(msg), 8000);
	answer_req(fd, &to, msg, 481);
	/* the transaction's ACK of the 481, then the BYE */
	ck_assert_uint_eq(await_method(fd, "ACK", msg, sizeof(msg), 8000),
			  cseq);
	await_method(fd, "BYE", msg, sizeof(msg), 8000);
	answer_req(fd, &to, msg, 200);
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_SESSION_EXPIRED] == 1, 3000));
	ck_assert(stats_have("\"session_refreshes\":2,"));
	close(fd);
}
END_TEST

/*
 * A caller (or its proxy) that asks requests in the dialog for
 * credentials: our refresh (_i 0: an UPDATE, challenged by a proxy with
 * 407, SHA-256; 1: a re-INVITE, the caller's Allow having no UPDATE and
 * a proxy having asked for the timer, challenged with 401, MD5) goes
 * again with credentials that check out, CSeq one up; its 200 keeps the
 * timer (a re-INVITE's ACK has the new CSeq), and the next refresh comes.
 */
START_TEST(test_sip_session_timer_authenticates)
{
	static struct cp_digest_creds dc;
	const char *method = _i == 0 ? "UPDATE" : "INVITE";
	enum cp_digest_alg alg = _i == 0 ? CP_DIGEST_SHA256 : CP_DIGEST_MD5;
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char msg[4096], tag[64], hdrs[256], resp[2048], v[1024];
	char ha1[CP_DIGEST_HEX_MAX];
	unsigned long cseq, cseq2;

	use_creds("caller.test tutti s3cret\n");
	snprintf(hdrs, sizeof(hdrs),
		 "Contact: <sip:caller@127.0.0.1:%u>\r\n"
		 "Allow: INVITE, ACK, BYE%s\r\n",
		 fd_port(fd),
		 _i == 0 ? ", UPDATE" : "\r\nSession-Expires: 6");
	raw_call(fd, &to, "se-auth", hdrs, tag);
	raw_in_dialog(fd, &to, "ACK", "se-auth", tag, 1, "");
	cseq = await_method(fd, method, msg, sizeof(msg), 8000);
	udp_send(fd, &to, resp,
		 (size_t)make_answer_ex(
			 msg, _i == 0 ? 407 : 401, NULL,
			 _i == 0 ? "Proxy-Authenticate: Digest "
				   "realm=\"caller.test\", nonce=\"n1\", "
				   "qop=\"auth\", algorithm=SHA-256\r\n"
				 : "WWW-Authenticate: Digest "
				   "realm=\"caller.test\", nonce=\"n2\", "
				   "qop=\"auth\"\r\n",
			 resp, sizeof(resp)));
	if (_i == 1) /* the INVITE transaction's ACK of the 401 */
		ck_assert_uint_eq(
			await_method(fd, "ACK", resp, sizeof(resp), 8000),
			cseq);
	cseq2 = await_method(fd, method, msg, sizeof(msg), 8000);
	ck_assert_uint_eq(cseq2, cseq + 1);
	hdr_of(msg, _i == 0 ? "Proxy-Authorization" : "Authorization", v,
	       sizeof(v));
	ck_assert_msg(cp_digest_parse(&dc, v) == 0, "%s", msg);
	ck_assert_str_eq(dc.username, "tutti");
	ck_assert_str_eq(dc.nonce, _i == 0 ? "n1" : "n2");
	ck_assert_int_eq(dc.alg, alg);
	cp_digest_ha1(alg, "tutti", "caller.test", "s3cret", ha1);
	ck_assert(cp_digest_response_ok(&dc, method, ha1));
	udp_send(fd, &to, resp,
		 (size_t)make_answer_ex(msg, 200, NULL,
					"Session-Expires: 6;refresher=uac\r\n",
					resp, sizeof(resp)));
	if (_i == 1)
		ck_assert_uint_eq(
			await_method(fd, "ACK", resp, sizeof(resp), 8000),
			cseq2);
	ck_assert_uint_gt(await_method(fd, method, msg, sizeof(msg), 8000),
			  cseq2);
	ck_assert(stats_have("\"auth_sent\":1,"));
	ck_assert(stats_have("\"auth_failed\":0,"));
	answer_req(fd, &to, msg, 481); /* ends it */
	cp_sip_set_creds(sip, NULL);
	close(fd);
}
END_TEST

/* An UPDATE refused with 501 although Allow listed it: by re-INVITE at
 * once. */
START_TEST(test_sip_session_timer_update_refused)
{
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char msg[4096], tag[64], hdrs[256];

	snprintf(hdrs, sizeof(hdrs),
		 "Contact: <sip:caller@127.0.0.1:%u>\r\n"
		 "Allow: INVITE, ACK, BYE, UPDATE\r\n",
		 fd_port(fd));
	raw_call(fd, &to, "se-501", hdrs, tag);
	raw_in_dialog(fd, &to, "ACK", "se-501", tag, 1, "");
	await_method(fd, "UPDATE", msg, sizeof(msg), 8000);
	answer_req(fd, &to, msg, 501);
	await_method(fd, "INVITE", msg, sizeof(msg), 8000);
	ck_assert_msg(strstr(msg, sdp) != NULL, "%s", msg);
	answer_req(fd, &to, msg, 200);
	await_method(fd, "ACK", msg, sizeof(msg), 8000);
	ck_assert(stats_have("\"session_refreshes\":2,"));
	close(fd);
}
END_TEST

/*
 * A dial-out says Supported: timer; a callee whose 2xx asks refresher=uac
 * gets our UPDATE at half its interval.
 */
START_TEST(test_sip_session_timer_dial_out)
{
	struct sockaddr_in to;
	int callee = udp_peer(&to);
	char target[64], inv[4096], msg[4096], resp[2048], hdrs[160], v[64];
	struct cp_sip_call *c = NULL;
	uint64_t t0;

	snprintf(target, sizeof(target), "sip:bob@127.0.0.1:%u",
		 fd_port(callee));
	snprintf(hdrs, sizeof(hdrs),
		 "Contact: <sip:bob@127.0.0.1:%u>\r\n"
		 "Session-Expires: 4;refresher=uac\r\nRequire: timer\r\n"
		 "Allow: INVITE, ACK, BYE, UPDATE\r\n", fd_port(callee));
	ck_assert_int_eq(cp_sip_invite(sip, target, "sip:conf@127.0.0.1",
				       "conf", "application/sdp", sdp, NULL,
				       &c),
			 0);
	udp_recv(callee, inv, sizeof(inv));
	ck_assert_msg(strncmp(inv, "INVITE ", 7) == 0, "%s", inv);
	ck_assert_str_eq(hdr_of(inv, "Supported", v, sizeof(v)), "100rel, timer");
	udp_send(callee, &to, resp,
		 (size_t)make_answer_ex(inv, 200, "callee", hdrs, resp,
					sizeof(resp)));
	t0 = proc_now_ms();
	udp_recv(callee, msg, sizeof(msg));
	ck_assert_msg(strncmp(msg, "ACK ", 4) == 0, "%s", msg);
	await_method(callee, "UPDATE", msg, sizeof(msg), 6000);
	ck_assert_uint_ge(proc_now_ms() - t0, 1900);
	ck_assert_str_eq(hdr_of(msg, "Session-Expires", v, sizeof(v)),
			 "4;refresher=uac");
	answer_req(callee, &to, msg, 200);
	ck_assert(stats_have("\"session_refreshes\":1,"));
	close(callee);
}
END_TEST

/*
 * S-19, Timer G: a non-2xx final answer to an INVITE over UDP is resent
 * (T1 = 500 ms in libosip2) until the ACK, which the IST absorbs.
 */
START_TEST(test_sip_486_resent_until_ack)
{
	static const char inv[] =
		REQ_TO("busy", "INVITE", "z9hG4bK30", "c30", "1 INVITE", "");
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char msg[4096], tag[64], ack[512];
	const char *t;

	udp_send(fd, &to, inv, sizeof(inv) - 1);
	udp_recv_skip(fd, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 486", 11) == 0, "%s", msg);
	udp_recv(fd, msg, sizeof(msg));
	ck_assert_msg(strncmp(msg, "SIP/2.0 486", 11) == 0, "%s", msg);
	t = strstr(strstr(msg, "\r\nTo:"), ";tag=");
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(sscanf(t, ";tag=%63[0-9a-f]", tag), 1);
	snprintf(ack, sizeof(ack),
		 "ACK sip:busy@127.0.0.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.1:5099;branch=z9hG4bK30;rport\r\n"
		 "From: <sip:a@x>;tag=f1\r\nTo: <sip:busy@127.0.0.1>;tag=%s\r\n"
		 "Call-ID: c30\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
		 tag);
	udp_send(fd, &to, ack, strlen(ack));
	ck_assert(POLL_UNTIL(cp_sip_stats(sip)->rx_requests == 2, 3000));
	ck_assert_uint_eq(cp_sip_stats(sip)->drop_stray, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_created, 0);
	close(fd);
}
END_TEST

/* Every 503 the focus sends says when to try again: the SIP layer adds
 * Retry-After: 5 unless the caller gave one (then only the caller's). */
START_TEST(test_sip_503_has_retry_after)
{
	static const char full[] =
		REQ_TO("full", "INVITE", "z9hG4bK41", "c41", "1 INVITE", "");
	static const char inv_later[] =
		REQ_TO("later", "INVITE", "z9hG4bK42", "c42", "1 INVITE", "");
	struct sockaddr_in to;
	int fd = udp_peer(&to);
	char msg[4096];
	const char *r;

	udp_send(fd, &to, full, sizeof(full) - 1);
	udp_recv_skip(fd, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 503", 11) == 0, "%s", msg);
	ck_assert_msg(strstr(msg, "\r\nRetry-After: 5\r\n") != NULL, "%s", msg);
	udp_send(fd, &to, inv_later, sizeof(inv_later) - 1);
	do	/* past the first one's retransmissions (no ACK sent) */
		udp_recv_skip(fd, msg, sizeof(msg), NULL);
	while (strstr(msg, "Call-ID: c41\r\n") != NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 503", 11) == 0 &&
		      strstr(msg, "Call-ID: c42\r\n"), "%s", msg);
	r = strstr(msg, "Retry-After: ");
	ck_assert_msg(r != NULL && strncmp(r, "Retry-After: 30\r\n", 17) == 0,
		      "%s", msg);
	ck_assert_msg(strstr(r + 1, "Retry-After") == NULL, "%s", msg);
	close(fd);
}
END_TEST

/* S-10: at max_transactions, new requests get 503 with Retry-After; a
 * CANCEL (like an in-dialog request) still gets through. */
START_TEST(test_sip_overload_503)
{
	static const char inv[] =
		REQ_TO("ring", "INVITE", "z9hG4bK31", "c31", "1 INVITE", "");
	static const char opt[] =
		REQ("OPTIONS", "z9hG4bK32", "c32", "1 OPTIONS", "");
	static const char cancel[] =
		REQ_TO("ring", "CANCEL", "z9hG4bK31", "c31", "1 CANCEL", "");
	struct sockaddr_in to;
	char msg[4096];
	int fd;

	cp_sip_close(sip);
	open_sip(false, 0, 1);
	fd = udp_peer(&to);
	udp_send(fd, &to, inv, sizeof(inv) - 1); /* rings: held open */
	udp_recv_skip(fd, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 180", 11) == 0, "%s", msg);
	udp_send(fd, &to, opt, sizeof(opt) - 1);
	udp_recv(fd, msg, sizeof(msg));
	ck_assert_msg(strncmp(msg, "SIP/2.0 503", 11) == 0, "%s", msg);
	ck_assert_msg(strstr(msg, "Retry-After: 5") != NULL, "%s", msg);
	ck_assert_uint_eq(cp_sip_stats(sip)->overload, 1);
	/* what ends a call still gets through: CANCEL, 200 and 487 */
	udp_send(fd, &to, cancel, sizeof(cancel) - 1);
	udp_recv_skip(fd, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 200", 11) == 0 &&
		      strstr(msg, "CSeq: 1 CANCEL"), "%s", msg);
	udp_recv_skip(fd, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 487", 11) == 0, "%s", msg);
	ck_assert_uint_eq(cp_sip_stats(sip)->overload, 1);
	close(fd);
}
END_TEST

/* ---- outbound proxies played by plain sockets ---- */

/* The port fd is bound to. */
static unsigned
port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/* The value of header name (full form, as libosip2 writes) in msg. */
static const char *
hdr_of(const char *msg, const char *name, char *buf, size_t len)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	buf[0] = '\0';
	if ((p = strstr(msg, key)) != NULL)
		snprintf(buf, len, "%.*s", (int)strcspn(p + strlen(key), "\r"),
			 p + strlen(key));
	return buf;
}

/* Answer the request req from fd with status ("503 Service Unavailable")
 * and extra header lines: its Via, From, To (a tag of fd's added), Call-ID
 * and CSeq. */
static void
answer(int fd, const struct sockaddr_in *to, const char *req,
       const char *status, const char *extra)
{
	char msg[2048], v[5][256];

	snprintf(msg, sizeof(msg),
		 "SIP/2.0 %s\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=px%d\r\n"
		 "Call-ID: %s\r\nCSeq: %s\r\n%sContent-Length: 0\r\n\r\n",
		 status, hdr_of(req, "Via", v[0], sizeof(v[0])),
		 hdr_of(req, "From", v[1], sizeof(v[1])),
		 hdr_of(req, "To", v[2], sizeof(v[2])), fd,
		 hdr_of(req, "Call-ID", v[3], sizeof(v[3])),
		 hdr_of(req, "CSeq", v[4], sizeof(v[4])), extra);
	udp_send(fd, to, msg, strlen(msg));
}

/* Two outbound proxies (sockets of the test): what each got last. */
static struct {
	int fd[2];
	int ping_code[2];   /* their answer to OPTIONS; 0: none */
	char invite[2][4096]; /* the last INVITE each got, "" once taken */
	unsigned pings[2], acks[2], byes[2];
	struct sockaddr_in to;
} px;

/* Run the SIP layer for up to ms until cond (no side effects) holds;
 * meanwhile the proxies answer OPTIONS and keep INVITEs. */
#define PROXY_POLL_UNTIL(cond, ms)                                  \
	({                                                          \
		uint64_t end_ = proc_now_ms() + (ms);               \
		while (!(cond) && proc_now_ms() < end_) {           \
			cp_sip_poll(sip, 10);                       \
			proxies_serve();                            \
		}                                                   \
		(cond);                                             \
	})

static void
proxies_serve(void)
{
	char msg[4096];
	ssize_t n;

	for (int k = 0; k < 2; k++)
		while ((n = recv(px.fd[k], msg, sizeof(msg) - 1, 0)) > 0) {
			msg[n] = '\0';
			if (strncmp(msg, "OPTIONS ", 8) == 0) {
				px.pings[k]++;
				if (px.ping_code[k] == 200)
					answer(px.fd[k], &px.to, msg, "200 OK",
					       "");
				else if (px.ping_code[k] == 503)
					answer(px.fd[k], &px.to, msg,
					       "503 Service Unavailable", "");
			} else if (strncmp(msg, "INVITE ", 7) == 0) {
				memcpy(px.invite[k], msg, (size_t)n + 1);
			} else if (strncmp(msg, "ACK ", 4) == 0) {
				px.acks[k]++;
			} else if (strncmp(msg, "BYE ", 4) == 0) {
				px.byes[k]++;
				answer(px.fd[k], &px.to, msg, "200 OK", "");
			}
		}
}

static void
proxies_close(void)
{
	close(px.fd[0]);
	close(px.fd[1]);
}

/* The proxies' JSON has needle. */
static bool
proxies_have(const char *needle)
{
	static char json[4096];

	cp_sip_proxies_json(sip, json, sizeof(json));
	return strstr(json, needle) != NULL;
}

/* A dial-out to uri (app.failed_code reset). */
static void
dial_uri(const char *uri)
{
	app.failed_code = 0;
	ck_assert_int_eq(cp_sip_invite(sip, uri, "sip:conf@127.0.0.1", "conf",
				       "application/sdp", sdp, &app, &dialed),
			 0);
}

/* The dial-out fails with code (within 5 s). */
static void
dial_fails_with(int code)
{
	ck_assert(PROXY_POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, code);
}

/* A dial-out to a name, through the proxies. */
static void
dial_via_proxies(void)
{
	dial_uri("sip:callee@carrier.example");
}

/* Socket k's last INVITE, taken: Request-URI ruri, CSeq cseq, Route to
 * route_uri (NULL: none). */
static void
peer_invite(int k, const char *ruri, const char *route_uri, unsigned cseq,
	    char *out, size_t len)
{
	char want[128], v[256];

	ck_assert_msg(PROXY_POLL_UNTIL(px.invite[k][0] != '\0', 5000),
		      "socket %d got no INVITE", k);
	snprintf(out, len, "%s", px.invite[k]);
	px.invite[k][0] = '\0';
	snprintf(want, sizeof(want), "INVITE %s SIP/2.0\r\n", ruri);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
	snprintf(want, sizeof(want), "%u INVITE", cseq);
	ck_assert_str_eq(hdr_of(out, "CSeq", v, sizeof(v)), want);
	if (route_uri != NULL)
		snprintf(want, sizeof(want), "<%s;lr>", route_uri);
	ck_assert_str_eq(hdr_of(out, "Route", v, sizeof(v)),
			 route_uri != NULL ? want : "");
}

/* Proxy k's last INVITE, taken: CSeq cseq, Route to k's own URI. */
static void
proxy_invite(int k, const char *uri, unsigned cseq, char *out, size_t len)
{
	peer_invite(k, "sip:callee@carrier.example", uri, cseq, out, len);
}

static void
proxies_open(char uri[2][64], bool first_tcp, uint32_t timeout_ms,
	     uint32_t ping_ms)
{
	memset(&px, 0, sizeof(px));
	for (int k = 0; k < 2; k++) { /* setup()'s sip: px.to set below */
		px.fd[k] = udp_peer(&px.to);
		snprintf(uri[k], 64, "sip:127.0.0.1:%u", port_of(px.fd[k]));
	}
	/* a TCP port nothing listens on: the connection is refused */
	if (first_tcp)
		snprintf(uri[0], 64, "sip:127.0.0.1:%d;transport=tcp",
			 free_port());
	cp_sip_close(sip);
	outbound[0] = uri[0];
	outbound[1] = uri[1];
	proxy_timeout_ms = timeout_ms;
	proxy_ping_ms = ping_ms;
	open_sip(false, 0, 0);
	outbound[0] = outbound[1] = NULL;
	proxy_timeout_ms = proxy_ping_ms = 0;
	px.to.sin_port = htons(cp_sip_port(sip));
}

/*
 * Failover (RFC 3263 §4.3 down a list of outbound proxies): the first
 * proxy says nothing for proxy_timeout_ms (_i 0), answers 503 with
 * Retry-After (_i 1), or refuses its TCP connection (_i 2). The dial-out
 * goes on to the second: the same Call-ID and From tag, a new branch,
 * CSeq 2, Route to the second. (A refusal that connect() reports at once
 * skips the first without an INVITE: CSeq 1; on loopback it comes a
 * moment later, in the transport's poll.) The first is down, so the next
 * dial-out goes to the second at once. A 486 from the second is the
 * call's answer: no failover on that.
 */
START_TEST(test_sip_proxy_failover)
{
	static const char *const why[] = {
		"\"reason\":\"no answer to a dial-out in 300 ms\"",
		"\"reason\":\"a dial-out got 503\"",
		"\"reason\":\"its connection failed\"",
		"\"reason\":\"no TCP connection\"",
	};
	char uri[2][64], a[4096], b[4096], va[256], vb[256], up[160];
	bool at_once = false; /* _i 2: refused by connect() itself */

	proxies_open(uri, _i == 2, 300, 0);
	dial_via_proxies();
	if (_i != 2) {
		proxy_invite(0, uri[0], 1, a, sizeof(a));
		if (_i == 1)
			answer(px.fd[0], &px.to, a, "503 Service Unavailable",
			       "Retry-After: 60\r\n");
	}
	if (_i == 2) {
		ck_assert(PROXY_POLL_UNTIL(px.invite[1][0] != '\0', 5000));
		at_once = strstr(px.invite[1], "\r\nCSeq: 1 INVITE") != NULL;
	}
	proxy_invite(1, uri[1], at_once ? 1 : 2, b, sizeof(b));
	if (_i != 2) {
		ck_assert_str_eq(hdr_of(a, "Call-ID", va, sizeof(va)),
				 hdr_of(b, "Call-ID", vb, sizeof(vb)));
		ck_assert_str_eq(hdr_of(a, "From", va, sizeof(va)),
				 hdr_of(b, "From", vb, sizeof(vb)));
		ck_assert_str_ne(hdr_of(a, "Via", va, sizeof(va)),
				 hdr_of(b, "Via", vb, sizeof(vb)));
	}
	answer(px.fd[1], &px.to, b, "486 Busy Here", "");
	ck_assert(PROXY_POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, 486);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_failovers, at_once ? 0 : 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_down, 1);
	ck_assert_msg(proxies_have(why[_i + at_once]), "%s", why[_i + at_once]);
	snprintf(up, sizeof(up), "{\"uri\":\"%s\",\"up\":true,", uri[1]);
	ck_assert(proxies_have(up));
	snprintf(up, sizeof(up), "{\"uri\":\"%s\",\"up\":false,", uri[0]);
	ck_assert(proxies_have(up));
	/* the first is down: the next dial-out goes to the second */
	app.failed_code = 0;
	dial_via_proxies();
	proxy_invite(1, uri[1], 1, b, sizeof(b));
	answer(px.fd[1], &px.to, b, "486 Busy Here", "");
	ck_assert(PROXY_POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, 486);
	ck_assert_uint_eq(cp_sip_stats(sip)->calls_out, 2);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_pings, 0);
	proxies_close();
}
END_TEST

/*
 * RFC 3325 9.1 (--assert-identity): a dial-out's INVITE asserts its From,
 * the conference's URI, to a next hop of the trust domain (--trust
 * 127.0.0.2) and to no other, each hop decided when the INVITE goes to
 * it: the first outbound proxy (127.0.0.1, outside) gets none, though its
 * INVITE is sent again until it is given up; the failover's second
 * (127.0.0.2) gets it, once a copy. The target's own ?P-Asserted-Identity=
 * never goes (F-24's URI headers, not one that says who calls).
 */
START_TEST(test_sip_dial_out_asserts_identity)
{
	static struct cp_trust_net nets[1];
	char uri[2][64], a[4096], b[4096], why[128];
	size_t n;

	ck_assert_int_eq(cp_trust_parse("127.0.0.2", nets, 1, &n, why,
					sizeof(why)), 0);
	memset(&px, 0, sizeof(px));
	px.fd[0] = udp_peer_at("127.0.0.1", &px.to); /* px.to: the focus */
	px.fd[1] = udp_peer_at("127.0.0.2", &px.to);
	for (int k = 0; k < 2; k++)
		snprintf(uri[k], 64, "sip:127.0.0.%d:%u", k + 1,
			 port_of(px.fd[k]));
	cp_sip_close(sip);
	outbound[0] = uri[0];
	outbound[1] = uri[1];
	proxy_timeout_ms = 300;
	trust_nets = nets;
	n_trust_nets = n;
	assert_ids = true;
	open_sip(false, 0, 0);
	outbound[0] = outbound[1] = NULL;
	proxy_timeout_ms = 0;
	trust_nets = NULL;
	n_trust_nets = 0;
	assert_ids = false;
	px.to.sin_port = htons(cp_sip_port(sip));
	dial_uri("sip:callee@carrier.example"
		 "?P-Asserted-Identity=%3Csip:ceo@carrier.example%3E");
	proxy_invite(0, uri[0], 1, a, sizeof(a));
	proxy_invite(1, uri[1], 2, b, sizeof(b));
	ck_assert_msg(strstr(a, "Asserted") == NULL, "%s", a);
	ck_assert_msg(strstr(b, "\r\nP-Asserted-Identity: <sip:conf@127.0.0.1>"
				"\r\n") != NULL, "%s", b);
	ck_assert_msg(strstr(b, "ceo@") == NULL, "%s", b);
	answer(px.fd[1], &px.to, b, "486 Busy Here", "");
	dial_fails_with(486);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_failovers, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->asserted_sent, 1);
	ck_assert(stats_have("\"asserted_sent\":1"));
	proxies_close();
}
END_TEST

/*
 * An outbound proxy by name (RFC 3263 §4): dnsmasq, in the test's
 * namespace, has no NAPTR for trunk.test and SRV _sip._udp records p1
 * (priority 10) and p2 (20), at the ports of the test's two proxies. So
 * sip:trunk.test is two hops: the dial-out goes to p1 with Route
 * <sip:trunk.test;lr>; p1 says nothing and it goes on to p2. Then the
 * records change (p2 first now): after the least TTL the table is p2, p1,
 * and p1 is still down (a hop that stays keeps its state). A name DNS
 * does not know has no address: its dial-out fails at once, and the JSON
 * says why.
 */
START_TEST(test_sip_proxy_dns)
{
	char rec[4][96], a[4096], b[4096], dns[32], want[2][96];
	const char *records[5] = { rec[0], rec[1], rec[2], rec[3], NULL };
	static char json[4096];
	unsigned port[2];
	uint16_t dport = (uint16_t)free_port();
	struct proc dm;

	memset(&px, 0, sizeof(px));
	for (int k = 0; k < 2; k++) {
		px.fd[k] = udp_peer(&px.to);
		port[k] = port_of(px.fd[k]);
		snprintf(want[k], sizeof(want[k]),
			 "\"addr\":\"127.0.0.1:%u/udp\"", port[k]);
	}
	snprintf(rec[0], sizeof(rec[0]),
		 "--srv-host=_sip._udp.trunk.test,p1.trunk.test,%u,10,0",
		 port[0]);
	snprintf(rec[1], sizeof(rec[1]),
		 "--srv-host=_sip._udp.trunk.test,p2.trunk.test,%u,20,0",
		 port[1]);
	snprintf(rec[2], sizeof(rec[2]), "--host-record=p1.trunk.test,"
		 "127.0.0.1");
	snprintf(rec[3], sizeof(rec[3]), "--host-record=p2.trunk.test,"
		 "127.0.0.1");
	ck_assert_int_eq(proc_dnsmasq(&dm, "127.0.0.1", dport, records), 0);
	snprintf(dns, sizeof(dns), "127.0.0.1:%u", dport);
	cp_sip_close(sip);
	outbound[0] = "sip:trunk.test";
	dns_servers = dns;
	dns_min_ttl_ms = 500;
	proxy_timeout_ms = 300;
	open_sip(false, 0, 0);
	outbound[0] = NULL;
	px.to.sin_port = htons(cp_sip_port(sip));
	/* resolved: the two addresses, p1's first */
	ck_assert(PROXY_POLL_UNTIL(proxies_have(want[1]), 5000));
	cp_sip_proxies_json(sip, json, sizeof(json));
	ck_assert_msg(strstr(json, want[0]) != NULL &&
			      strstr(json, want[0]) < strstr(json, want[1]),
		      "%s", json);
	ck_assert_int_eq(test_count(json, "\"uri\":\"sip:trunk.test\""), 2);
	dial_via_proxies();
	proxy_invite(0, "sip:trunk.test", 1, a, sizeof(a));
	proxy_invite(1, "sip:trunk.test", 2, b, sizeof(b));
	answer(px.fd[1], &px.to, b, "486 Busy Here", "");
	ck_assert(PROXY_POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, 486);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_failovers, 1);
	/* p2 first now: asked again after the TTL (0 here: the least) */
	proc_stop(&dm, SIGTERM, 5000);
	snprintf(rec[0], sizeof(rec[0]),
		 "--srv-host=_sip._udp.trunk.test,p1.trunk.test,%u,20,0",
		 port[0]);
	snprintf(rec[1], sizeof(rec[1]),
		 "--srv-host=_sip._udp.trunk.test,p2.trunk.test,%u,10,0",
		 port[1]);
	ck_assert_int_eq(proc_dnsmasq(&dm, "127.0.0.1", dport, records), 0);
	ck_assert_msg(PROXY_POLL_UNTIL(
			      (cp_sip_proxies_json(sip, json, sizeof(json)),
			       strstr(json, want[0]) > strstr(json, want[1])),
			      10000),
		      "%s", json);
	snprintf(b, sizeof(b), "\"up\":false,\"down_for_s\":0,\"reason\":"
		 "\"no answer to a dial-out in 300 ms\",\"failovers\":1,"
		 "\"pings_unanswered\":0,%s", want[0]);
	ck_assert_msg(strstr(json, b) != NULL, "%s", json);
	/* a name nobody knows: no address, no dial-out */
	cp_sip_close(sip);
	outbound[0] = "sip:nx.trunk.test";
	open_sip(false, 0, 0);
	outbound[0] = NULL;
	dns_servers = NULL;
	dns_min_ttl_ms = proxy_timeout_ms = 0;
	ck_assert(PROXY_POLL_UNTIL(cp_sip_stats(sip)->proxy_dns_failed == 1,
				   5000));
	cp_sip_proxies_json(sip, json, sizeof(json));
	ck_assert_msg(strstr(json, "{\"uri\":\"sip:nx.trunk.test\",\"up\":"
			      "false,") != NULL &&
			      strstr(json, "\"addr\":\"\",\"dns_error\":\"") !=
				      NULL &&
			      strstr(json, "no NAPTR, SRV or A records for "
					   "nx.trunk.test") !=
				      NULL,
		      "%s", json);
	ck_assert_int_eq(cp_sip_invite(sip, "sip:callee@carrier.example",
				       "sip:conf@127.0.0.1", "conf",
				       "application/sdp", sdp, &app, &dialed),
			 -EHOSTUNREACH);
	proc_stop(&dm, SIGTERM, 5000);
	proxies_close();
}
END_TEST

/*
 * A dial-out target by name with no outbound proxy (RFC 3263 §4): dnsmasq
 * has SRV _sip._udp records for pbx.test, a1 (priority 10) and a2 (20),
 * at the ports of the test's two sockets. The INVITE goes to a1 with the
 * name in its Request-URI and no Route; a1 says nothing, and it goes on
 * to a2 as a new transaction (CSeq 2, the same Call-ID), which answers
 * 486. The next dial-out: a1 answers 503 at once, and a2 gets it. A name
 * nobody knows fails the dial-out with 503; one cancelled while DNS is
 * asked fails with 487, and no INVITE goes.
 */
START_TEST(test_sip_dial_by_name)
{
	char rec[4][96], a[4096], b[4096], dns[32], va[256], vb[256];
	const char *records[5] = { rec[0], rec[1], rec[2], rec[3], NULL };
	const char *to = "sip:callee@pbx.test";
	uint16_t dport = (uint16_t)free_port();
	struct proc dm;

	memset(&px, 0, sizeof(px));
	for (int k = 0; k < 2; k++) {
		px.fd[k] = udp_peer(&px.to);
		snprintf(rec[k], sizeof(rec[k]),
			 "--srv-host=_sip._udp.pbx.test,a%d.pbx.test,%u,%d,0",
			 k + 1, port_of(px.fd[k]), 10 * (k + 1));
		snprintf(rec[2 + k], sizeof(rec[2 + k]),
			 "--host-record=a%d.pbx.test,127.0.0.1", k + 1);
	}
	ck_assert_int_eq(proc_dnsmasq(&dm, "127.0.0.1", dport, records), 0);
	snprintf(dns, sizeof(dns), "127.0.0.1:%u", dport);
	cp_sip_close(sip);
	dns_servers = dns;
	proxy_timeout_ms = 300;
	open_sip(false, 0, 0);
	dns_servers = NULL;
	proxy_timeout_ms = 0;
	px.to.sin_port = htons(cp_sip_port(sip));

	dial_uri(to);
	peer_invite(0, to, NULL, 1, a, sizeof(a));
	peer_invite(1, to, NULL, 2, b, sizeof(b));
	ck_assert_str_eq(hdr_of(a, "Call-ID", va, sizeof(va)),
			 hdr_of(b, "Call-ID", vb, sizeof(vb)));
	ck_assert_str_ne(hdr_of(a, "Via", va, sizeof(va)),
			 hdr_of(b, "Via", vb, sizeof(vb)));
	answer(px.fd[1], &px.to, b, "486 Busy Here", "");
	dial_fails_with(486);
	ck_assert_uint_eq(cp_sip_stats(sip)->dial_failovers, 1);

	dial_uri(to);
	peer_invite(0, to, NULL, 1, a, sizeof(a));
	answer(px.fd[0], &px.to, a, "503 Service Unavailable", "");
	peer_invite(1, to, NULL, 2, b, sizeof(b));
	answer(px.fd[1], &px.to, b, "486 Busy Here", "");
	dial_fails_with(486);
	ck_assert_uint_eq(cp_sip_stats(sip)->dial_failovers, 2);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_failovers, 0);

	dial_uri("sip:callee@nx.pbx.test");
	dial_fails_with(503);
	ck_assert_uint_eq(cp_sip_stats(sip)->dial_dns_failed, 1);

	/* cancelled before DNS has answered: 487, and no INVITE goes */
	dial_uri(to);
	ck_assert_int_eq(cp_sip_invite_cancel(sip, dialed), 0);
	dial_fails_with(487);
	ck_assert(!PROXY_POLL_UNTIL(px.invite[0][0] != '\0', 300));
	ck_assert_uint_eq(cp_sip_stats(sip)->calls_out, 4);
	proc_stop(&dm, SIGTERM, 5000);
	proxies_close();
}
END_TEST

/*
 * The first proxy wakes up after its dial-out went on to the second, which
 * answered: the first one's late 2xx matches no transaction any more, and
 * is taken as from another branch of a forked INVITE (RFC 3261
 * §13.2.2.4): ACKed and hung up. The call through the second stays.
 */
START_TEST(test_sip_proxy_late_answer)
{
	char uri[2][64], a[4096], b[4096], ct[96];

	proxies_open(uri, false, 300, 0);
	dial_via_proxies();
	proxy_invite(0, uri[0], 1, a, sizeof(a));
	proxy_invite(1, uri[1], 2, b, sizeof(b));
	snprintf(ct, sizeof(ct), "Contact: <sip:callee@127.0.0.1:%u>\r\n",
		 port_of(px.fd[1]));
	answer(px.fd[1], &px.to, b, "200 OK", ct);
	ck_assert(PROXY_POLL_UNTIL(app.answered == 1 && px.acks[1] == 1,
				   5000));
	snprintf(ct, sizeof(ct), "Contact: <sip:callee@127.0.0.1:%u>\r\n",
		 port_of(px.fd[0]));
	answer(px.fd[0], &px.to, a, "200 OK", ct);
	ck_assert(PROXY_POLL_UNTIL(px.acks[0] == 1 && px.byes[0] == 1, 5000));
	ck_assert_int_eq(app.answered, 1);
	ck_assert_uint_eq(px.byes[1], 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_failovers, 1);
	proxies_close();
}
END_TEST

/*
 * No failover when the proxy is alive: a 408 response (not a timeout of
 * ours: the proxy answered), or a 100 Trying and then nothing past
 * proxy_timeout_ms (the callee rings). Both end with the first proxy's
 * answer, and it stays up.
 */
START_TEST(test_sip_proxy_no_failover)
{
	char uri[2][64], a[4096], up[160];

	proxies_open(uri, false, 300, 0);
	dial_via_proxies();
	proxy_invite(0, uri[0], 1, a, sizeof(a));
	if (_i == 0) {
		answer(px.fd[0], &px.to, a, "408 Request Timeout", "");
	} else {
		answer(px.fd[0], &px.to, a, "100 Trying", "");
		/* three times proxy_timeout_ms: nothing goes to the second */
		ck_assert(!PROXY_POLL_UNTIL(px.invite[1][0] != '\0', 900));
		answer(px.fd[0], &px.to, a, "486 Busy Here", "");
	}
	ck_assert(PROXY_POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, _i == 0 ? 408 : 486);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_failovers, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_down, 0);
	snprintf(up, sizeof(up), "{\"uri\":\"%s\",\"up\":true,", uri[0]);
	ck_assert(proxies_have(up));
	ck_assert_str_eq(px.invite[1], "");
	proxies_close();
}
END_TEST

/* Every proxy answers 503: the dial-out fails with 503 after both. */
START_TEST(test_sip_proxy_all_down)
{
	char uri[2][64], m[4096];

	proxies_open(uri, false, 300, 0);
	dial_via_proxies();
	for (int k = 0; k < 2; k++) {
		proxy_invite(k, uri[k], (unsigned)k + 1, m, sizeof(m));
		answer(px.fd[k], &px.to, m, "503 Service Unavailable", "");
	}
	ck_assert(PROXY_POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, 503);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_failovers, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_down, 2);
	/* still down the list while every proxy is down */
	app.failed_code = 0;
	dial_via_proxies();
	proxy_invite(0, uri[0], 1, m, sizeof(m));
	answer(px.fd[0], &px.to, m, "486 Busy Here", "");
	ck_assert(PROXY_POLL_UNTIL(app.failed_code != 0, 5000));
	ck_assert_int_eq(app.failed_code, 486);
	/* an answer brings it back only 30 s after it went down (no
	 * keepalives here) */
	snprintf(m, sizeof(m), "{\"uri\":\"%s\",\"up\":false,", uri[0]);
	ck_assert_msg(proxies_have(m), "%s", m);
	proxies_close();
}
END_TEST

/*
 * OPTIONS keepalives (proxy_ping_ms): a 503 to one takes the first proxy
 * down, and dial-outs go to the second; a 200 brings it back, and they
 * go to the first again; no answer within proxy_timeout_ms takes it down
 * again.
 */
START_TEST(test_sip_proxy_keepalive)
{
	char uri[2][64], m[4096], want[160];

	proxies_open(uri, false, 300, 100);
	px.ping_code[0] = 503;
	px.ping_code[1] = 200;
	ck_assert(PROXY_POLL_UNTIL(
		proxies_have("\"reason\":\"OPTIONS got 503\""), 3000));
	dial_via_proxies();
	proxy_invite(1, uri[1], 1, m, sizeof(m));
	answer(px.fd[1], &px.to, m, "486 Busy Here", "");
	ck_assert(PROXY_POLL_UNTIL(app.failed_code != 0, 5000));
	px.ping_code[0] = 200;
	snprintf(want, sizeof(want), "{\"uri\":\"%s\",\"up\":true,", uri[0]);
	ck_assert(PROXY_POLL_UNTIL(proxies_have(want), 3000));
	app.failed_code = 0;
	dial_via_proxies();
	proxy_invite(0, uri[0], 1, m, sizeof(m));
	answer(px.fd[0], &px.to, m, "486 Busy Here", "");
	ck_assert(PROXY_POLL_UNTIL(app.failed_code != 0, 5000));
	px.ping_code[0] = 0;
	ck_assert(PROXY_POLL_UNTIL(
		proxies_have("\"reason\":\"no answer to OPTIONS in 300 ms\""),
		3000));
	snprintf(want, sizeof(want), "{\"uri\":\"%s\",\"up\":true,", uri[1]);
	ck_assert(proxies_have(want));
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_down, 2);
	ck_assert_uint_eq(cp_sip_stats(sip)->proxy_failovers, 0);
	ck_assert_uint_ge(px.pings[0], 3);
	ck_assert_uint_ge(px.pings[1], 3);
	ck_assert_uint_ge(cp_sip_stats(sip)->proxy_pings, 6);
	proxies_close();
}
END_TEST

/*
 * S-18: our BYE follows the Record-Route set: it goes to the proxy named
 * in Record-Route (another socket of the test, on loopback), with a Route
 * header, and its Request-URI is the caller's Contact (never contacted:
 * discard port on loopback).
 */
START_TEST(test_sip_bye_follows_record_route)
{
	struct sockaddr_in to, rr;
	socklen_t len = sizeof(rr);
	int caller = udp_peer(&to), proxy = udp_peer(&to);
	char hdrs[256], msg[4096], tag[64];

	getsockname(proxy, (struct sockaddr *)&rr, &len);
	snprintf(hdrs, sizeof(hdrs),
		 "Record-Route: <sip:127.0.0.1:%u;lr>\r\n"
		 "Contact: <sip:caller@127.0.0.1:9>\r\n",
		 ntohs(rr.sin_port));
	raw_call(caller, &to, "hangup-1", hdrs, tag);
	raw_in_dialog(caller, &to, "ACK", "hangup-1", tag, 1, "");
	udp_recv(proxy, msg, sizeof(msg));
	ck_assert_msg(strncmp(msg, "BYE sip:caller@127.0.0.1:9 SIP/2.0", 34) ==
			      0,
		      "%s", msg);
	ck_assert_msg(strstr(msg, "Route: <sip:127.0.0.1:") != NULL, "%s", msg);
	/* Answer: the BYE with a status line instead of its request line. */
	snprintf(hdrs, sizeof(hdrs), "SIP/2.0 200 OK");
	memmove(msg + strlen(hdrs), strstr(msg, "\r\n"),
		strlen(strstr(msg, "\r\n")) + 1);
	memcpy(msg, hdrs, strlen(hdrs));
	udp_send(proxy, &to, msg, strlen(msg));
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_SENT] == 1, 3000));
	ck_assert_int_eq(app.acks, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_active, 0);
	close(caller);
	close(proxy);
}
END_TEST

/*
 * S-20, RFC 6026 §7.1: the INVITE sent again after our 2xx is absorbed: no
 * second call, the same To-tag on the 2xx copies.
 */
START_TEST(test_sip_invite_again_after_2xx)
{
	struct sockaddr_in to;
	int caller = udp_peer(&to);
	/* a Call-ID with a host part too: libosip2 splits it at the '@' */
	const char *id = _i == 0 ? "again-1" : "again-2@10.0.0.1";
	char tag1[64], tag2[64];

	raw_call(caller, &to, id, "", tag1);
	raw_call(caller, &to, id, "", tag2);
	ck_assert_str_eq(tag1, tag2);
	ck_assert(POLL_UNTIL(cp_sip_stats(sip)->rx_retransmissions == 1, 3000));
	ck_assert_int_eq(app.invites, 1);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_created, 1);
	raw_in_dialog(caller, &to, "ACK", id, tag1, 1, "");
	ck_assert(POLL_UNTIL(app.acks == 1, 3000));
	close(caller);
}
END_TEST

/*
 * S-17, §14.2: a re-INVITE refreshes the target and gets its own 2xx and
 * ACK; in-dialog CSeqs must go up (500 otherwise); the BYE ends the call.
 */
START_TEST(test_sip_reinvite_and_cseq)
{
	struct sockaddr_in to;
	int caller = udp_peer(&to);
	char msg[4096], tag[64];

	raw_call(caller, &to, "re-1", "Contact: <sip:caller@127.0.0.1:9>\r\n",
		 tag);
	raw_in_dialog(caller, &to, "ACK", "re-1", tag, 1, "");
	ck_assert(POLL_UNTIL(app.acks == 1, 3000));
	raw_in_dialog(caller, &to, "INVITE", "re-1", tag, 2,
		      "Contact: <sip:caller@127.0.0.1:8>\r\n");
	udp_recv_skip(caller, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 200", 11) == 0, "%s", msg);
	ck_assert_msg(strstr(msg, "CSeq: 2 INVITE") != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, tag) != NULL, "%s", msg);
	raw_in_dialog(caller, &to, "ACK", "re-1", tag, 2, "");
	ck_assert(POLL_UNTIL(app.acks == 2, 3000));
	raw_in_dialog(caller, &to, "BYE", "re-1", tag, 1, "");
	udp_recv_skip(caller, msg, sizeof(msg), "SIP/2.0 200");
	ck_assert_msg(strncmp(msg, "SIP/2.0 500", 11) == 0, "%s", msg);
	raw_in_dialog(caller, &to, "BYE", "re-1", tag, 3, "");
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_RECEIVED] == 1, 3000));
	ck_assert_int_eq(app.invites, 2);
	ck_assert_str_eq(app.from, "sip:a@x");
	ck_assert_str_eq(app.to, "sip:room@127.0.0.1");
	ck_assert_uint_eq(cp_sip_stats(sip)->ack_2xx, 2);
	ck_assert_uint_eq(cp_sip_stats(sip)->no_ack, 0);
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_created, 1);
	close(caller);
}
END_TEST

/* S-09 on TCP: a message without Content-Length closes the connection. */
/*
 * A dialog saved by one SIP layer and restored in another (a restarted
 * tutti-cp): the caller's re-INVITE is answered in it (same tags), a stale
 * CSeq still gets 500, and our BYE follows the saved route set with the
 * next CSeq and the saved tags.
 */
START_TEST(test_sip_dialog_save_restore)
{
	struct cp_sip_dialog_state st;
	struct cp_sip_dialog *d = NULL, *again = NULL;
	struct sockaddr_in to;
	int caller = udp_peer(&to);
	char hdrs[256], msg[4096], tag[64], want[128];
	unsigned int port = (unsigned int)fd_port(caller);

	snprintf(hdrs, sizeof(hdrs),
		 "Record-Route: <sip:127.0.0.1:%u;lr>\r\n"
		 "Contact: <sip:caller@127.0.0.1:%u>\r\n", port, port);
	raw_call(caller, &to, "rs-1", hdrs, tag);
	raw_in_dialog(caller, &to, "ACK", "rs-1", tag, 1, "");
	ck_assert(POLL_UNTIL(app.acks == 1, 3000));
	ck_assert_ptr_nonnull(app.dialog);
	ck_assert_int_eq(cp_sip_dialog_save(app.dialog, &st), 0);
	ck_assert_str_eq(st.call_id, "rs-1");
	ck_assert_str_eq(st.local_tag, tag);
	ck_assert_str_eq(st.remote_tag, "f1");
	ck_assert_uint_eq(st.remote_cseq, 1);
	ck_assert(!st.uac && !st.tcp);
	snprintf(want, sizeof(want), "sip:caller@127.0.0.1:%u", port);
	ck_assert_str_eq(st.remote_target, want);
	snprintf(want, sizeof(want), "<sip:127.0.0.1:%u;lr>", port);
	ck_assert_str_eq(st.route_set, want);

	/* "restart": a new layer, which knows nothing but st */
	cp_sip_close(sip);
	open_sip(false, 0, 0);
	to.sin_port = htons(cp_sip_port(sip));
	{	/* fields that do not make a dialog */
		struct cp_sip_dialog_state bad = st;

		snprintf(bad.peer, sizeof(bad.peer), "nohost");
		ck_assert_int_eq(cp_sip_dialog_restore(sip, &bad, &app, &d),
				 -EINVAL);
		bad = st;
		bad.call_id[0] = '\0';
		ck_assert_int_eq(cp_sip_dialog_restore(sip, &bad, &app, &d),
				 -EINVAL);
		bad = st;
		snprintf(bad.route_set, sizeof(bad.route_set), "<sip:a;lr>, ,");
		ck_assert_int_eq(cp_sip_dialog_restore(sip, &bad, &app, &d),
				 0);	/* empty entries are skipped */
		ck_assert_int_eq(cp_sip_dialog_restore(sip, &st, &app, &again),
				 -EINVAL);	/* the same Call-ID and tags */
		cp_sip_close(sip);
		open_sip(false, 0, 0);
		to.sin_port = htons(cp_sip_port(sip));
		d = NULL;
	}
	ck_assert_int_eq(cp_sip_dialog_restore(sip, &st, &app, &d), 0);
	ck_assert_int_eq(cp_sip_dialog_restore(sip, &st, &app, &again),
			 -EINVAL);
	ck_assert_ptr_eq(cp_sip_dialog_app(d), &app);
	raw_in_dialog(caller, &to, "INVITE", "rs-1", tag, 2, "");
	udp_recv_skip(caller, msg, sizeof(msg), NULL);
	ck_assert_msg(strncmp(msg, "SIP/2.0 200", 11) == 0, "%s", msg);
	ck_assert_msg(strstr(msg, tag) != NULL, "%s", msg);
	raw_in_dialog(caller, &to, "ACK", "rs-1", tag, 2, "");
	ck_assert(POLL_UNTIL(app.acks == 1, 3000));
	ck_assert_ptr_eq(app.dialog, d);
	raw_in_dialog(caller, &to, "BYE", "rs-1", tag, 2, "");
	udp_recv_skip(caller, msg, sizeof(msg), "SIP/2.0 200");
	ck_assert_msg(strncmp(msg, "SIP/2.0 500", 11) == 0, "%s", msg);

	ck_assert_int_eq(cp_sip_dialog_bye(sip, d), 0);
	raw_answer(caller, &to, "BYE", 200, msg, sizeof(msg));
	snprintf(want, sizeof(want), "BYE sip:caller@127.0.0.1:%u SIP/2.0",
		 port);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "%s", msg);
	snprintf(want, sizeof(want), "Route: <sip:127.0.0.1:%u;lr>", port);
	ck_assert_msg(strstr(msg, want) != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "CSeq: 2 BYE") != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "Call-ID: rs-1") != NULL, "%s", msg);
	snprintf(want, sizeof(want), ";tag=%s", tag);
	ck_assert_msg(strstr(msg, want) != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, ";tag=f1") != NULL, "%s", msg);
	ck_assert(POLL_UNTIL(app.ends[CP_SIP_END_BYE_SENT] == 1, 3000));
	ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_active, 0);
	free(st.local_sdp);
	close(caller);
}
END_TEST

START_TEST(test_sip_tcp_needs_content_length)
{
	static const char m[] =
		"OPTIONS sip:focus@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 10.0.0.1:5099;branch=z9hG4bK9\r\n"
		"From: <sip:a@x>;tag=f1\r\nTo: <sip:focus@127.0.0.1>\r\n"
		"Call-ID: c9\r\nCSeq: 1 OPTIONS\r\n\r\n";
	int fd = tcp_connect();

	ck_assert_int_eq(write(fd, m, sizeof(m) - 1), (ssize_t)sizeof(m) - 1);
	ck_assert(tcp_closed_by_layer(fd));
	close(fd);
}
END_TEST

/* Addresses: numeric and specific only (it is our Via and Contact). */
START_TEST(test_sip_open_rejects_bad_addresses)
{
	static const char *const bad[] = { "0.0.0.0", "::", "localhost",
					   "127.0.0.1:5060", "" };
	struct cp_sip_conf conf = { 0 };
	struct cp_sip *s2 = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf.addr = bad[i];
		ck_assert_int_eq(cp_sip_open(&s2, &conf, NULL), -EINVAL);
	}
	conf.addr = "127.0.0.1";
	conf.port = cp_sip_port(sip); /* taken by the fixture */
	ck_assert_int_eq(cp_sip_open(&s2, &conf, NULL), -EADDRINUSE);
	ck_assert_ptr_null(s2);
	cp_sip_close(NULL);
}
END_TEST

/*
 * A lenient stand-in for the mutated REFERs and SUBSCRIBEs: accept and
 * notify whatever gets through. Their Contacts name a.invalid, so no
 * mutation makes a NOTIFY leave 127.0.0.1 (the layer falls back to the
 * request's source for a host it cannot use).
 */
static void
fuzz_refer(void *ctx, struct cp_sip_req *req, const char *uri,
	   const char *method, const char *by, const char *by_uri)
{
	struct cp_sip_sub *s = NULL;

	(void)ctx;
	(void)uri;
	(void)method;
	(void)by;
	(void)by_uri;
	if (cp_sip_sub_answer(sip, req, 202, 60, NULL, &s) == 0) {
		cp_sip_refer_notify(sip, s, 100, NULL, false);
		cp_sip_refer_notify(sip, s, 503, NULL, true);
	}
}

static void
fuzz_subscribe(void *ctx, struct cp_sip_req *req, const char *event,
	       int64_t expires, const char *accept)
{
	struct cp_sip_sub *s = NULL;

	(void)ctx;
	(void)event;
	(void)accept;
	if (cp_sip_sub_answer(sip, req, 200, 60, NULL, &s) == 0)
		cp_sip_notify(sip, s, "application/conference-info+xml",
			      "<x/>",
			      expires == 0 ? CP_SIP_SUB_TERMINATED
					   : CP_SIP_SUB_ACTIVE,
			      "timeout", 0);
}

/*
 * Robustness: thousands of mutated and truncated requests (seeded, so a
 * failure repeats); the layer survives, counts each datagram, and still
 * answers a clean OPTIONS. _i 0: OPTIONS and INVITE with no application:
 * INVITEs get 480 and no dialog exists, so nothing is ever sent but
 * answers to the source (loopback). _i 1: REFER and SUBSCRIBE (Refer-To
 * after RFC 8217, Event with id, Accept) to the lenient app above.
 */
START_TEST(test_sip_mutated_requests)
{
	static const char *const bases[][2] = {
		{ REQ("OPTIONS", "z9hG4bK40", "c40", "1 OPTIONS",
		      "Require: foo\r\nAccept: application/sdp\r\n"),
		  REQ_TO("room", "INVITE", "z9hG4bK41", "c41", "1 INVITE",
			 "Contact: <sip:a@127.0.0.1:9>\r\n") },
		{ REQ_TO("conf", "REFER", "z9hG4bK43", "c43", "1 REFER",
			 "Contact: <sip:a@a.invalid>\r\nRefer-To: \"B\" "
			 "<sip:b@a.invalid;method=BYE?x=y>;p=1\r\n"
			 "Referred-By: <sip:a@x>\r\n"),
		  REQ_TO("conf", "SUBSCRIBE", "z9hG4bK44", "c44",
			 "1 SUBSCRIBE",
			 "Contact: <sip:a@a.invalid>\r\n"
			 "Event: conference;id=1\r\nExpires: 60\r\n"
			 "Accept: application/conference-info+xml\r\n") },
	};
	const char *const *base = bases[_i];
	struct cp_sip_app fuzz = { .on_refer = fuzz_refer,
				   .on_subscribe = fuzz_subscribe };
	/* Longer branch and Call-ID than any mutation can make: no match. */
	static const char ok[] =
		REQ("OPTIONS", "z9hG4bK-clean", "clean-42", "1 OPTIONS", "");
	struct cp_sip_conf conf = { .addr = "127.0.0.1" };
	struct sockaddr_in to;
	unsigned int seed = 4475;
	char m[1024], buf[4096];
	int fd, n_sent = 0;

	cp_sip_close(sip);
	ck_assert_int_eq(cp_sip_open(&sip, &conf, _i == 1 ? &fuzz : NULL), 0);
	fd = udp_peer(&to);
	for (int i = 0; i < 3000; i++) {
		const char *b = base[i & 1];
		size_t len = strlen(b);

		memcpy(m, b, len);
		for (int k = rand_r(&seed) % 4; k >= 0; k--)
			m[rand_r(&seed) % len] = (char)(rand_r(&seed) & 0xff);
		if (rand_r(&seed) % 4 == 0)
			len = (size_t)rand_r(&seed) % len + 1;
		udp_send(fd, &to, m, len);
		n_sent++;
		if (i % 32 == 0)
			while (cp_sip_poll(sip, 0) > 0)
				while (recv(fd, buf, sizeof(buf), 0) > 0)
					;
	}
	ck_assert(POLL_UNTIL(stats_have("\"rx_udp\":3000,") ||
				     cp_sip_poll(sip, 0) < 0,
			     5000));
	ck_assert_int_eq(n_sent, 3000);
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	udp_send(fd, &to, ok, sizeof(ok) - 1);
	udp_recv_skip(fd, buf, sizeof(buf), "SIP/2.0 4"); /* late answers */
	while (strstr(buf, "Call-ID: clean-42") == NULL && buf[0] != '\0')
		udp_recv(fd, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "SIP/2.0 200", 11) == 0, "%s", buf);
	if (_i == 0)
		ck_assert_uint_eq(cp_sip_stats(sip)->dialogs_created, 0);
	else
		ck_assert_uint_gt(cp_sip_stats(sip)->notify_sent, 0);
	close(fd);
}
END_TEST

/* The TCP framer on byte strings: whole, partial, CRLF, bad, too big. */
START_TEST(test_sip_tcp_framing)
{
	static const char two[] = "\r\n\r\nOPTIONS x SIP/2.0\r\nl: 3\r\n\r\n"
				  "abcBYE";
	size_t skip = 0;

	ck_assert_int_eq(
		cp_sip_transport_frame(two, sizeof(two) - 1, 4096, &skip), 30);
	ck_assert_uint_eq(skip, 4);
	skip = 0;
	ck_assert_int_eq(cp_sip_transport_frame(two, 20, 4096, &skip), 0);
	skip = 0;
	ck_assert_int_eq(cp_sip_transport_frame(two, 33, 4096, &skip), 0);
	skip = 0;
	ck_assert_int_eq(
		cp_sip_transport_frame("A\r\nContent-Length: -1\r\n\r\n", 25,
				       4096, &skip),
		-EPROTO);
	skip = 0;
	ck_assert_int_eq(cp_sip_transport_frame(
				 "A\r\nContent-Length: 1\r\nl: 2\r\n\r\nxx", 32,
				 4096, &skip),
			 -EPROTO);
	skip = 0;
	ck_assert_int_eq(
		cp_sip_transport_frame("A\r\nContent-Length: 5000\r\n\r\n", 27,
				       4096, &skip),
		-EMSGSIZE);
	skip = 0;
	ck_assert_int_eq(cp_sip_transport_frame("AAAA", 4, 4, &skip),
			 -EMSGSIZE);
}
END_TEST

/*
 * --rate-limit (issue 5), 1/s with a burst of 5: a call (its INVITE takes
 * a token, its ACK none), then 30 OPTIONS at once from the same source: 4
 * get 200, the next 10 (the refusal budget) 503 with Retry-After, the rest
 * nothing; all counted. Another source is served. From the limited one, a
 * malformed request gets no 400 and a BYE for no dialog no 481 (a 503 at
 * most, if the budget has refilled), but the BYE of its call is answered,
 * and a response from it is not limited. Answers are counted; only the
 * refill during the burst depends on time, allowed for from the measured
 * time.
 */
START_TEST(test_sip_rate_limit)
{
	static const char opt[] =
		REQ("OPTIONS", "z9hG4bKrl-other", "rl-other", "1 OPTIONS", "");
	static const char bad[] = /* CSeq method mismatch: 400 */
		REQ("OPTIONS", "z9hG4bKrl-bad", "rl-bad", "1 INVITE", "");
	static const char bye[] = /* no dialog: 481 */
		REQ("BYE", "z9hG4bKrl-bye", "rl-bye", "1 BYE", "");
	static const char resp[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-nobody\r\n"
		"From: <sip:a@x>;tag=f1\r\nTo: <sip:b@x>;tag=t1\r\n"
		"Call-ID: rl-resp\r\nCSeq: 1 OPTIONS\r\nContent-Length: "
		"0\r\n\r\n";
	struct sockaddr_in to, other = { .sin_family = AF_INET };
	const struct cp_sip_stats *st;
	unsigned int n200 = 0, n503 = 0;
	uint64_t t0, secs;
	char m[512], buf[4096], tag[64];
	ssize_t n;
	int fd, fd2;

	cp_sip_close(sip);
	rl_rate = 1;
	rl_burst = 5;
	open_sip(false, 0, 0);
	st = cp_sip_stats(sip);
	fd = udp_peer(&to);
	raw_call(fd, &to, "rl-call", "", tag);
	raw_in_dialog(fd, &to, "ACK", "rl-call", tag, 1, "");
	ck_assert(POLL_UNTIL(app.acks == 1, 3000));
	t0 = proc_now_ms();
	for (int i = 0; i < 30; i++) {
		int k = snprintf(m, sizeof(m),
				 REQ("OPTIONS", "z9hG4bKrl%d", "rlo-%d",
				     "1 OPTIONS", ""),
				 i, i);

		udp_send(fd, &to, m, (size_t)k);
	}
	ck_assert(POLL_UNTIL(st->rx_requests == 32, 5000));
	cp_sip_poll(sip, 0); /* the NISTs' 200s are out */
	secs = (proc_now_ms() - t0) / 1000 + 1;
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		if (strstr(buf, "Call-ID: rlo-") == NULL)
			continue; /* a copy of the call's 200 */
		if (strncmp(buf, "SIP/2.0 200", 11) == 0) {
			n200++;
		} else {
			ck_assert_msg(strncmp(buf, "SIP/2.0 503", 11) == 0 &&
					      strstr(buf, "Retry-After: ") !=
						      NULL,
				      "%s", buf);
			n503++;
		}
	}
	ck_assert_uint_ge(n200, 4);
	ck_assert_uint_le(n200, 4 + secs);
	ck_assert_uint_ge(n503, 10);
	ck_assert_uint_le(n503, 10 + 10 * secs);
	ck_assert_uint_eq(st->ratelimited, n503);
	ck_assert_uint_eq(n200 + n503 + st->ratelimit_drop, 30);
	/* another source address is served */
	fd2 = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	other.sin_addr.s_addr = htonl(0x7f000002); /* 127.0.0.2 */
	ck_assert_int_eq(bind(fd2, (struct sockaddr *)&other, sizeof(other)),
			 0);
	udp_send(fd2, &to, opt, sizeof(opt) - 1);
	udp_recv(fd2, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "SIP/2.0 200", 11) == 0, "%s", buf);
	/* the limited source: nothing but 503 until the BYE's 200 */
	udp_send(fd, &to, bad, sizeof(bad) - 1);
	udp_send(fd, &to, bye, sizeof(bye) - 1);
	raw_in_dialog(fd, &to, "BYE", "rl-call", tag, 2, "");
	do {
		udp_recv(fd, buf, sizeof(buf));
		ck_assert_msg(strncmp(buf, "SIP/2.0 503", 11) == 0 ||
				      strncmp(buf, "SIP/2.0 200", 11) == 0,
			      "%s", buf);
	} while (strstr(buf, "CSeq: 2 BYE") == NULL);
	ck_assert_int_eq(app.ends[CP_SIP_END_BYE_RECEIVED], 1);
	udp_send(fd, &to, resp, sizeof(resp) - 1);
	ck_assert(POLL_UNTIL(st->drop_stray == 1, 3000));
	ck_assert_uint_eq(st->ratelimited + st->ratelimit_drop, 32 - n200);
	ck_assert_uint_eq(st->tx_4xx, 0); /* no 400, no 481 */
	close(fd);
	close(fd2);
	rl_rate = 0;
}
END_TEST

const char *
test_skip_reason(void)
{
	if (system("command -v sipp >/dev/null 2>&1") != 0)
		return "sipp (Debian package sip-tester) is not installed";
	return NULL;
}

static void
focus_two_setup(void)
{
	focus_two = true;
	focus_setup();
	focus_two = false;
}

/* The worker that owns conference name, from tuttictl --json list. */
static unsigned int
conf_worker(const char *name)
{
	char out[8192], key[96];
	unsigned int id, w;
	const char *at;

	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json list"), 0);
	snprintf(key, sizeof(key), "\"name\":\"%s\",", name);
	at = strstr(out, key);
	ck_assert_msg(at != NULL, "%s not in %s", name, out);
	ck_assert_int_eq(sscanf(at + strlen(key), "\"conf_id\":%u,"
				"\"worker\":%u", &id, &w), 2);
	return w;
}

/*
 * tuttictl drain W: new conferences go to the other worker, even when it
 * has more legs; the drained one's conferences keep their calls; undrain
 * gives it back. Bad workers are refused with the range. Two workers.
 */
START_TEST(test_focus_drain_places_new_conferences)
{
	static char page[1 << 18];	/* the metrics */
	char out[8192], a_name[64], b_name[64], c_name[64], need[160];
	int a_port = free_port(), b_port = free_port(), c_port = free_port();
	pid_t a, b, c;

	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json stats"), 0);
	ck_assert_msg(strstr(out, "{\"worker\":1,") != NULL, "%s", out);
	ck_assert_ptr_null(strstr(out, "\"draining\":true"));
	ck_assert_int_ne(tuttictl(out, sizeof(out), "--json drain 2"), 0);
	ck_assert_msg(strstr(out, "no worker '2' (tutti-dp has 2: 0 to 1)"),
		      "%s", out);
	ck_assert_int_ne(tuttictl(out, sizeof(out), "--json drain x1"), 0);
	ck_assert_int_ne(tuttictl(out, sizeof(out), "--json undrain"), 0);
	ck_assert_msg(strstr(out, "'undrain' needs a worker (0 to 1)"), "%s",
		      out);

	/* both workers idle: the first takes a new conference */
	a = adhoc_start(a_port, tps[_i], a_name);
	ck_assert_uint_eq(conf_worker(a_name), 0);
	/* worker 0 drained: the next goes to worker 1 (as its fewer legs
	 * would have it), and the one after too, though the legs are even
	 * then (undrained, worker 0 would take it) */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "drain 0"), 0);
	ck_assert_msg(strstr(out, "worker 0: draining"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "stats"), 0);
	ck_assert_msg(strstr(out, "DRAINING"), "%s", out);
	http_get("/metrics", page, sizeof(page));
	ck_assert_msg(strstr(page, "tutti_worker_draining{worker=\"0\"} 1\n") &&
		      strstr(page, "tutti_worker_draining{worker=\"1\"} 0\n"),
		      "%s", page);
	ck_assert_msg(proc_expect(&focus_cp, "worker 0 drained by the "
				  "operator", 5000), "%s", focus_cp.out);
	b = adhoc_start(b_port, tps[_i], b_name);
	ck_assert_uint_eq(conf_worker(b_name), 1);
	c = adhoc_start(c_port, tps[_i], c_name);
	ck_assert_uint_eq(conf_worker(c_name), 1);
	/* worker 0's conference goes on: A is still in it */
	snprintf(need, sizeof(need), "--json show %s", a_name);
	ck_assert_msg(tuttictl(out, sizeof(out), need) == 0, "%s: %s", need,
		      out);
	ck_assert_msg(strstr(out, "\"state\":\"connected\""), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json undrain 0"), 0);
	ck_assert_msg(strstr(out, "\"worker\":0,\"draining\":false"), "%s",
		      out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json stats"), 0);
	ck_assert_ptr_null(strstr(out, "\"draining\":true"));

	kick_sipp(a_name, a_port, a, tps[_i]);
	kick_sipp(b_name, b_port, b, tps[_i]);
	kick_sipp(c_name, c_port, c, tps[_i]);
}
END_TEST

/*
 * SIP over TLS (the "tls" tcase): the certificates of tests/certs.sh (a
 * test CA; "focus" and "peer" for 127.0.0.1, "wrong" for 127.0.0.2,
 * "client" for a DNS name, "pbx" for the name pbx.test) in cert_dir; the
 * SIP layer opened with focus's. The test's own TLS ends are OpenSSL's,
 * non-blocking, run while the SIP layer polls.
 */
static char cert_dir[64];
static char cert_path[16][96]; /* see cert() */
static unsigned n_cert_path;
static struct cp_sip_tls_conf tls_cf;

/* cert_dir's NAME.EXT (EXT "pem" or "key"): one string for each, for the
 * test's life. */
static const char *
cert(const char *name, const char *ext)
{
	char p[96];

	snprintf(p, sizeof(p), "%s/%s.%s", cert_dir, name, ext);
	for (unsigned i = 0; i < n_cert_path; i++)
		if (strcmp(cert_path[i], p) == 0)
			return cert_path[i];
	ck_assert_uint_lt(n_cert_path, 16);
	memcpy(cert_path[n_cert_path], p, sizeof(p));
	return cert_path[n_cert_path++];
}

/* The tls tcases' certificates, in a new cert_dir. */
static void
make_certs(void)
{
	const char *certs = test_env("TUTTI_CERTS");
	struct dirent *e;
	char cmd[256];
	DIR *d;
	int rc;

	n_cert_path = 0;
	snprintf(cert_dir, sizeof(cert_dir), "/tmp/test_sip_tls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(cert_dir));
	/* gone at exit also when a check fails (teardown is not run), and
	 * when certs.sh does: the directory registered first goes last */
	proc_unlink_at_exit(cert_dir);
	snprintf(cmd, sizeof(cmd),
		 "%s %s focus=IP:127.0.0.1 peer=IP:127.0.0.1 "
		 "wrong=IP:127.0.0.2 client=DNS:client.test pbx=DNS:pbx.test",
		 certs, cert_dir);
	rc = system(cmd);
	d = opendir(cert_dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		char path[sizeof(cert_dir) + sizeof(e->d_name)];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cert_dir, e->d_name);
		proc_unlink_at_exit(path);
	}
	closedir(d);
	ck_assert_msg(rc == 0, "%s failed", cmd);
}

static void
rm_certs(void)
{
	char cmd[128];

	n_cert_path = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cert_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", cert_dir);
}

static void
tls_setup(void)
{
	make_certs();
	tls_cf = (struct cp_sip_tls_conf){ .cert = cert("focus", "pem"),
					   .key = cert("focus", "key"),
					   .ca = cert("ca", "pem") };
	tls_conf = &tls_cf;
	open_sip(false, 0, 0);
}

static void
tls_teardown(void)
{
	teardown();
	tls_conf = NULL;
	rm_certs();
}

/* A context of the test's: checks peers against the test CA; shows
 * NAME's certificate if name is not NULL. */
static SSL_CTX *
tls_ctx_of(const SSL_METHOD *m, const char *name)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(SSL_CTX_load_verify_locations(ctx, cert("ca", "pem"),
						       NULL), 1);
	if (name != NULL) {
		ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(
					 ctx, cert(name, "pem")), 1);
		ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(
					 ctx, cert(name, "key"),
					 SSL_FILETYPE_PEM), 1);
	}
	return ctx;
}

/* Run ssl's handshake while the SIP layer polls (a tutti-cp's: a 5 ms
 * wait), up to 3 s: true if done. */
static bool
tls_pump_handshake(SSL *ssl)
{
	uint64_t end = proc_now_ms() + 3000;

	while (proc_now_ms() < end) {
		int r = SSL_do_handshake(ssl);

		if (r == 1)
			return true;
		r = SSL_get_error(ssl, r);
		if (r != SSL_ERROR_WANT_READ && r != SSL_ERROR_WANT_WRITE)
			return false;
		if (sip != NULL)
			cp_sip_poll(sip, 5);
		else
			poll(NULL, 0, 5);
	}
	return false;
}

/* A session in ctx (freed) on connected socket fd, as the client (the
 * server's certificate must hold 127.0.0.1) or the server, its handshake
 * done; NULL if it failed (fd closed). */
static SSL *
tls_session(SSL_CTX *ctx, int fd, bool client)
{
	SSL *ssl = SSL_new(ctx);

	SSL_CTX_free(ctx); /* ssl holds it */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	ck_assert_int_eq(SSL_set_fd(ssl, fd), 1);
	if (client) {
		ck_assert_int_eq(X509_VERIFY_PARAM_set1_ip_asc(
					 SSL_get0_param(ssl), "127.0.0.1"),
				 1);
		SSL_set_connect_state(ssl);
	} else {
		SSL_set_accept_state(ssl);
	}
	if (!tls_pump_handshake(ssl)) {
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	return ssl;
}

/* A TLS connection of the test's to 127.0.0.1:port, showing NAME's
 * certificate (NULL: none), the server's checked; NULL if the handshake
 * failed (as the test sees it). */
static SSL *
tls_dial_port(uint16_t port, const char *name)
{
	SSL_CTX *ctx = tls_ctx_of(TLS_client_method(), name);
	struct sockaddr_in to = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	return tls_session(ctx, fd, true);
}

/* The same to the SIP layer's TLS port. */
static SSL *
tls_dial(const char *name)
{
	return tls_dial_port(cp_sip_tls_port(sip), name);
}

static void
tls_close(SSL *ssl)
{
	int fd = SSL_get_fd(ssl);

	SSL_free(ssl);
	close(fd);
}

/* Send m over ssl, the SIP layer polled meanwhile. */
static void
tls_send(SSL *ssl, const char *m)
{
	size_t len = strlen(m), off = 0;
	uint64_t end = proc_now_ms() + 3000;

	while (off < len && proc_now_ms() < end) {
		int r = SSL_write(ssl, m + off, (int)(len - off));

		if (r > 0)
			off += (size_t)r;
		else
			cp_sip_poll(sip, 5);
	}
	ck_assert_uint_eq(off, len);
}

/*
 * Read from ssl into buf (appending, NUL-terminated) until it holds
 * needle, up to 3 s, the SIP layer polled meanwhile: true if it does.
 * False also when the connection closed (then *closed, if asked).
 */
static bool
tls_read_until(SSL *ssl, char *buf, size_t size, const char *needle,
	       bool *closed)
{
	size_t len = strlen(buf);
	uint64_t end = proc_now_ms() + 3000;

	while (strstr(buf, needle) == NULL && proc_now_ms() < end &&
	       len + 1 < size) {
		int r = SSL_read(ssl, buf + len, (int)(size - len - 1));

		if (r > 0) {
			len += (size_t)r;
			buf[len] = '\0';
			continue;
		}
		r = SSL_get_error(ssl, r);
		if (r != SSL_ERROR_WANT_READ && r != SSL_ERROR_WANT_WRITE) {
			if (closed != NULL)
				*closed = true;
			return false;
		}
		cp_sip_poll(sip, 5);
	}
	return strstr(buf, needle) != NULL;
}

/* The message read from ssl into buf that starts with start, its header
 * whole (up to 3 s); NULL if none came. */
static const char *
tls_read_msg(SSL *ssl, char *buf, size_t size, const char *start)
{
	char *m;

	if (!tls_read_until(ssl, buf, size, start, NULL))
		return NULL;
	m = strstr(buf, start);
	return tls_read_until(ssl, m, size - (size_t)(m - buf), "\r\n\r\n",
			      NULL)
		       ? m
		       : NULL;
}

/* An INVITE of the test's to ruri over TLS, Call-ID id, our Contact
 * contact (NULL: sip:a@127.0.0.1:5099;transport=tls). */
static void
tls_invite(SSL *ssl, const char *ruri, const char *id, const char *contact)
{
	char m[1024];

	snprintf(m, sizeof(m),
		 "INVITE %s SIP/2.0\r\n"
		 "Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK-%s\r\n"
		 "From: <sip:a@127.0.0.1>;tag=f-%s\r\nTo: <%s>\r\n"
		 "Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
		 "Contact: <%s>\r\n"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n"
		 "\r\n%s",
		 ruri, id, id, ruri, id,
		 contact != NULL ? contact
				 : "sip:a@127.0.0.1:5099;transport=tls",
		 strlen(sdp), sdp);
	tls_send(ssl, m);
}

/* Request m has the focus's Via, in TLS at its TLS port. */
static void
assert_tls_via(const char *m)
{
	char want[64];

	snprintf(want, sizeof(want), "Via: SIP/2.0/TLS 127.0.0.1:%u;",
		 cp_sip_tls_port(sip));
	ck_assert_msg(strstr(m, want) != NULL, "no %s: %s", want, m);
}

/* The ACK of call id's 200 (ok, in buf) over ssl. */
static void
tls_ack(SSL *ssl, const char *ok, const char *id)
{
	char to[128], m[1024];

	hdr_of(ok, "To", to, sizeof(to));
	ck_assert_ptr_nonnull(strstr(to, ";tag="));
	snprintf(m, sizeof(m),
		 "ACK sip:127.0.0.1:%u;transport=tls SIP/2.0\r\n"
		 "Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK-ack-%s\r\n"
		 "From: <sip:a@127.0.0.1>;tag=f-%s\r\nTo: %s\r\n"
		 "Call-ID: %s\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
		 "Content-Length: 0\r\n\r\n",
		 cp_sip_tls_port(sip), id, id, to, id);
	tls_send(ssl, m);
}

/* A call in over TLS: the 200's Contact at the TLS port, the focus's BYE on
 * the same connection with a TLS Via; a sips: one gets a sips: Contact. */
START_TEST(test_sip_tls_call)
{
	char buf[4096] = "", want[128];
	uint16_t port = cp_sip_tls_port(sip);
	SSL *ssl = tls_dial(NULL);
	const char *r;

	ck_assert_uint_ne(port, 0);
	ck_assert_uint_ne(port, cp_sip_port(sip));
	ck_assert_ptr_nonnull(ssl);
	ck_assert(POLL_UNTIL(stats_have("\"tls_accepted\":1"), 3000));
	tls_invite(ssl, "sip:conf@127.0.0.1", "hangup-tls", NULL);
	ck_assert_msg((r = tls_read_msg(ssl, buf, sizeof(buf),
					"SIP/2.0 200")) != NULL,
		      "no 200 over TLS: %s", buf);
	snprintf(want, sizeof(want), "<sip:127.0.0.1:%u;transport=tls>;isfocus",
		 port);
	ck_assert_msg(strstr(r, want) != NULL, "no %s: %s", want, r);
	buf[0] = '\0';
	tls_ack(ssl, r, "hangup-tls");
	/* on_ack hangs up a "hangup" call: the BYE comes on our connection */
	ck_assert_msg((r = tls_read_msg(ssl, buf, sizeof(buf),
					"BYE sip:a@127.0.0.1:5099;"
					"transport=tls SIP/2.0")) != NULL,
		      "no BYE over TLS: %s", buf);
	assert_tls_via(r);
	ck_assert_int_eq(app.acks, 1);

	/* §12.1.1: a sips: Request-URI, a sips: Contact */
	buf[0] = '\0';
	tls_invite(ssl, "sips:conf@127.0.0.1", "sips-tls", NULL);
	ck_assert((r = tls_read_msg(ssl, buf, sizeof(buf), "SIP/2.0 200")) !=
		  NULL);
	snprintf(want, sizeof(want), "Contact: <sips:127.0.0.1:%u>;isfocus",
		 port);
	ck_assert_msg(strstr(r, want) != NULL, "no %s: %s", want, r);
	ck_assert(stats_have("\"drop_tls\":0"));
	tls_close(ssl);
}
END_TEST

/*
 * A sips: Request-URI asks TLS on every hop (RFC 3261 26.2.2, RFC 5630):
 * one over UDP or TCP gets 416 with a Warning and never reaches the
 * focus; the same request over TLS is served.
 */
START_TEST(test_sip_sips_needs_tls)
{
	static const char opt[] =
		"OPTIONS sips:conf@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/%s 127.0.0.1:5099;branch=z9hG4bK-sc%s\r\n"
		"From: <sips:a@127.0.0.1>;tag=f-sc\r\n"
		"To: <sips:conf@127.0.0.1>\r\nCall-ID: sc-%s\r\n"
		"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
		"Content-Length: 0\r\n\r\n";
	char m[1024], buf[4096] = "";
	struct sockaddr_in to;
	int ufd = udp_peer(&to), tfd = tcp_connect(), n;
	SSL *ssl;
	const char *r;

	snprintf(m, sizeof(m),
		 "INVITE sips:conf@127.0.0.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-scinv;rport\r\n"
		 "From: <sips:a@127.0.0.1>;tag=f-sc\r\n"
		 "To: <sips:conf@127.0.0.1>\r\nCall-ID: sc-inv\r\n"
		 "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
		 "Contact: <sips:a@127.0.0.1:5099>\r\n"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n"
		 "\r\n%s",
		 strlen(sdp), sdp);
	udp_send(ufd, &to, m, strlen(m));
	udp_recv(ufd, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "SIP/2.0 416", 11) == 0, "%s", buf);
	ck_assert_msg(strstr(buf, "Warning: 399 tutti \"a sips: "
				  "Request-URI needs TLS\"") != NULL,
		      "%s", buf);

	n = snprintf(m, sizeof(m), opt, "TCP", "t", "tcp");
	ck_assert_int_eq(write(tfd, m, (size_t)n), n);
	tcp_recv(tfd, buf, sizeof(buf), "Call-ID: sc-tcp");
	ck_assert_msg(strncmp(buf, "SIP/2.0 416", 11) == 0, "%s", buf);
	close(tfd);
	close(ufd);
	ck_assert_int_eq(app.invites, 0);
	ck_assert(stats_have("\"sips_in_clear\":2"));

	ck_assert_ptr_nonnull(ssl = tls_dial(NULL));
	snprintf(m, sizeof(m), opt, "TLS", "s", "tls");
	tls_send(ssl, m);
	buf[0] = '\0';
	ck_assert_msg((r = tls_read_msg(ssl, buf, sizeof(buf),
					"SIP/2.0 ")) != NULL,
		      "no answer over TLS: %s", buf);
	ck_assert_msg(strncmp(r, "SIP/2.0 200", 11) == 0, "%s", r);
	tls_close(ssl);
	ck_assert(stats_have("\"sips_in_clear\":2"));
}
END_TEST

/* A listening socket of the test's on 127.0.0.1 (port in *port). */
static int
tls_listen(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* The focus's connection to lfd, served in TLS with NAME's certificate:
 * the session once the handshake is done; NULL if it failed. */
static SSL *
tls_accept(int lfd, const char *name)
{
	SSL_CTX *ctx = tls_ctx_of(TLS_server_method(), name);
	int fd;

	uint64_t end = proc_now_ms() + 3000;

	while ((fd = accept(lfd, NULL, NULL)) < 0 && proc_now_ms() < end)
		cp_sip_poll(sip, 5);
	ck_assert_int_ge(fd, 0);
	return tls_session(ctx, fd, false);
}

/* A call that came in TLS stays in TLS (RFC 3261 26.2.2): its connection
 * closed, the focus's BYE goes to the caller's Contact in TLS, though the
 * Contact does not say ;transport=tls. */
START_TEST(test_sip_tls_dialog_stays_in_tls)
{
	char buf[4096] = "", want[128];
	uint16_t port;
	int lfd = tls_listen(&port);
	SSL *ssl = tls_dial(NULL);
	const char *r;

	ck_assert_ptr_nonnull(ssl);
	snprintf(want, sizeof(want), "sip:a@127.0.0.1:%u", port);
	tls_invite(ssl, "sip:conf@127.0.0.1", "stays-tls", want);
	ck_assert((r = tls_read_msg(ssl, buf, sizeof(buf), "SIP/2.0 200")) !=
		  NULL);
	tls_ack(ssl, r, "stays-tls");
	ck_assert(POLL_UNTIL(app.acks == 1 && app.dialog != NULL, 3000));
	tls_close(ssl);
	ck_assert(POLL_UNTIL(stats_have("\"tcp_closed\":1"), 3000));
	ck_assert_int_eq(cp_sip_dialog_bye(sip, app.dialog), 0);
	ssl = tls_accept(lfd, "peer");
	ck_assert_ptr_nonnull(ssl);
	buf[0] = '\0';
	snprintf(want, sizeof(want), "BYE sip:a@127.0.0.1:%u SIP/2.0", port);
	ck_assert_msg((r = tls_read_msg(ssl, buf, sizeof(buf), want)) != NULL,
		      "no %s: %s", want, buf);
	assert_tls_via(r);
	ck_assert(stats_have("\"tls_connected\":1"));
	tls_close(ssl);
	close(lfd);
}
END_TEST

/* Dial-outs in TLS: to a sips: target, answered, ACKed on the connection;
 * to a ;transport=tls one whose certificate is another address's: the
 * focus ends the handshake, and the dial-out fails with 503. */
START_TEST(test_sip_tls_dial_out)
{
	char buf[4096] = "", want[128], target[96], m[1536], h[5][160];
	uint16_t port, tls_port = cp_sip_tls_port(sip);
	int lfd = tls_listen(&port);
	SSL *ssl;

	snprintf(target, sizeof(target), "sips:callee@127.0.0.1:%u", port);
	dial_uri(target);
	ssl = tls_accept(lfd, "peer");
	ck_assert_ptr_nonnull(ssl);
	ck_assert_msg(tls_read_until(ssl, buf, sizeof(buf), "\r\n\r\n", NULL),
		      "no INVITE over TLS: %s", buf);
	ck_assert_msg(strncmp(buf, "INVITE sips:callee@", 19) == 0, "%s", buf);
	assert_tls_via(buf);
	snprintf(want, sizeof(want), "<sips:conf@127.0.0.1:%u>", tls_port);
	ck_assert_msg(strstr(buf, want) != NULL, "no %s: %s", want, buf);
	ck_assert(tls_read_until(ssl, buf, sizeof(buf), "v=0", NULL));
	snprintf(m, sizeof(m),
		 "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=t1\r\n"
		 "Call-ID: %s\r\nCSeq: %s\r\n"
		 "Contact: <sips:callee@127.0.0.1:%u>\r\n"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n"
		 "\r\n%s",
		 hdr_of(buf, "Via", h[0], sizeof(h[0])),
		 hdr_of(buf, "From", h[1], sizeof(h[1])),
		 hdr_of(buf, "To", h[2], sizeof(h[2])),
		 hdr_of(buf, "Call-ID", h[3], sizeof(h[3])),
		 hdr_of(buf, "CSeq", h[4], sizeof(h[4])), port, strlen(sdp),
		 sdp);
	buf[0] = '\0';
	tls_send(ssl, m);
	ck_assert(POLL_UNTIL(app.answered == 1, 3000));
	snprintf(want, sizeof(want), "ACK sips:callee@127.0.0.1:%u SIP/2.0",
		 port);
	ck_assert_msg(tls_read_until(ssl, buf, sizeof(buf), want, NULL),
		      "no ACK on the connection: %s", buf);
	ck_assert(stats_have("\"tls_connected\":1"));
	tls_close(ssl);

	/* RFC 5922: the certificate must hold the address dialled */
	snprintf(target, sizeof(target),
		 "sip:callee@127.0.0.1:%u;transport=tls", port);
	dial_uri(target);
	ssl = tls_accept(lfd, "wrong");
	ck_assert_ptr_null(ssl);
	dial_fails_with(503);
	ck_assert(stats_have("\"drop_tls\":1"));
	ck_assert(stats_have("\"tls_connected\":1"));
	close(lfd);
}
END_TEST

/*
 * A sips: target by name (RFC 3263 4, RFC 5922): SRV _sips._tcp of
 * pbx.test (dnsmasq) gives two addresses; the first one's certificate is
 * another address's, not pbx.test's, so its handshake fails and the
 * INVITE goes on to the second, whose certificate names pbx.test (not
 * the SRV record's host).
 */
START_TEST(test_sip_tls_dial_by_name)
{
	char rec[4][96], dns[32], buf[4096] = "";
	const char *records[5] = { rec[0], rec[1], rec[2], rec[3], NULL };
	uint16_t dport = (uint16_t)free_port(), port[2];
	int lfd[2];
	struct proc dm;
	SSL *ssl;

	for (int k = 0; k < 2; k++) {
		lfd[k] = tls_listen(&port[k]);
		snprintf(rec[k], sizeof(rec[k]),
			 "--srv-host=_sips._tcp.pbx.test,s%d.pbx.test,%u,%d,0",
			 k + 1, port[k], 10 * (k + 1));
		snprintf(rec[2 + k], sizeof(rec[2 + k]),
			 "--host-record=s%d.pbx.test,127.0.0.1", k + 1);
	}
	ck_assert_int_eq(proc_dnsmasq(&dm, "127.0.0.1", dport, records), 0);
	snprintf(dns, sizeof(dns), "127.0.0.1:%u", dport);
	cp_sip_close(sip);
	dns_servers = dns;
	open_sip(false, 0, 0);
	dns_servers = NULL;

	dial_uri("sips:callee@pbx.test");
	ck_assert_ptr_null(tls_accept(lfd[0], "wrong"));
	ssl = tls_accept(lfd[1], "pbx");
	ck_assert_ptr_nonnull(ssl);
	ck_assert_msg(tls_read_msg(ssl, buf, sizeof(buf),
				   "INVITE sips:callee@pbx.test SIP/2.0") !=
			      NULL,
		      "no INVITE over TLS: %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "CSeq: 2 INVITE"));
	ck_assert_uint_eq(cp_sip_stats(sip)->dial_failovers, 1);
	ck_assert(stats_have("\"drop_tls\":1"));
	ck_assert(stats_have("\"tls_connected\":1"));
	tls_close(ssl);
	for (int k = 0; k < 2; k++)
		close(lfd[k]);
	proc_stop(&dm, SIGTERM, 5000);
}
END_TEST

/*
 * An outbound proxy in TLS (sips:, a numeric host: its certificate must
 * hold the address): a dial-out to a name goes to it in TLS with a Route
 * to it; a sips: target too, all proxies being in TLS, on the same
 * connection.
 */
START_TEST(test_sip_tls_outbound_proxy)
{
	char proxy[64], buf[8192] = "", want[160];
	uint16_t port;
	int lfd = tls_listen(&port);
	const char *r;
	SSL *ssl;

	snprintf(proxy, sizeof(proxy), "sips:127.0.0.1:%u", port);
	cp_sip_close(sip);
	outbound[0] = proxy;
	open_sip(false, 0, 0);
	outbound[0] = NULL;
	dial_uri("sip:callee@carrier.example");
	ssl = tls_accept(lfd, "peer");
	ck_assert_ptr_nonnull(ssl);
	ck_assert_msg((r = tls_read_msg(ssl, buf, sizeof(buf),
					"INVITE sip:callee@carrier.example "
					"SIP/2.0")) != NULL,
		      "no INVITE over TLS: %s", buf);
	snprintf(want, sizeof(want), "Route: <sips:127.0.0.1:%u;lr>", port);
	ck_assert_msg(strstr(r, want) != NULL, "no %s: %s", want, r);
	assert_tls_via(r);
	dial_uri("sips:callee@carrier.example");
	ck_assert_msg((r = tls_read_msg(ssl, buf, sizeof(buf),
					"INVITE sips:callee@carrier.example "
					"SIP/2.0")) != NULL,
		      "no sips: INVITE on the connection: %s", buf);
	snprintf(want, sizeof(want), "<sips:conf@127.0.0.1:%u>",
		 cp_sip_tls_port(sip));
	ck_assert_msg(strstr(r, want) != NULL, "no %s: %s", want, r);
	ck_assert(stats_have("\"tls_connected\":1"));
	tls_close(ssl);
	close(lfd);
}
END_TEST

/* Mutual TLS: a caller with no certificate is refused, one with a
 * certificate of the CA gets its answer. */
START_TEST(test_sip_tls_client_certificate)
{
	char buf[2048] = "";
	bool closed = false;
	SSL *ssl;

	cp_sip_close(sip);
	tls_cf.verify_client = true;
	open_sip(false, 0, 0);
	tls_cf.verify_client = false;

	/* TLS 1.3: the client may finish before the focus says no */
	ssl = tls_dial(NULL);
	if (ssl != NULL) {
		tls_send(ssl, REQ("OPTIONS", "z9hG4bKt1", "tls1", "1 OPTIONS",
				  ""));
		ck_assert(!tls_read_until(ssl, buf, sizeof(buf), "SIP/2.0",
					  &closed));
		ck_assert(closed);
		tls_close(ssl);
	}
	ck_assert(POLL_UNTIL(stats_have("\"drop_tls\":1"), 3000));
	ck_assert(stats_have("\"tls_accepted\":0"));

	ssl = tls_dial("client");
	ck_assert_ptr_nonnull(ssl);
	buf[0] = '\0';
	tls_send(ssl, REQ("OPTIONS", "z9hG4bKt2", "tls2", "1 OPTIONS", ""));
	ck_assert_msg(tls_read_until(ssl, buf, sizeof(buf), "SIP/2.0 200",
				     NULL),
		      "%s", buf);
	ck_assert(POLL_UNTIL(stats_have("\"tls_accepted\":1"), 3000));
	tls_close(ssl);
}
END_TEST

/*
 * The trust domain by certificate (RFC 3325, RFC 5922 7.1): with the trust
 * name client.test, a caller whose certificate names it is in it (its
 * P-Asserted-Identity believed) though it connects from no trusted
 * network; one whose certificate names another (pbx.test), or that shows
 * none (asked for one, not required: still served), is not.
 */
START_TEST(test_sip_tls_trusted_by_certificate)
{
#define PAI "P-Asserted-Identity: <sip:alice@carrier.example>\r\n"
	static const char *const inv[3] = {
		REQ_TO("room", "INVITE", "z9hG4bKtt0", "tt0", "1 INVITE", PAI),
		REQ_TO("room", "INVITE", "z9hG4bKtt1", "tt1", "1 INVITE", PAI),
		REQ_TO("room", "INVITE", "z9hG4bKtt2", "tt2", "1 INVITE", PAI),
	};
#undef PAI
	static const char *const names[] = { "client.test" };
	static const struct {
		const char *cert, *want;
	} cases[3] = {
		{ "client", "sip:alice@carrier.example" },
		{ "pbx", "" },
		{ NULL, "" },
	};

	cp_sip_close(sip);
	tls_cf.trust_names = names;
	tls_cf.n_trust_names = 1;
	open_sip(false, 0, 0);
	tls_cf.trust_names = NULL;
	tls_cf.n_trust_names = 0;
	for (unsigned int i = 0; i < 3; i++) {
		SSL *ssl = tls_dial(cases[i].cert);
		char buf[4096] = "";

		ck_assert_msg(ssl != NULL, "case %u: no handshake", i);
		app.invites = 0;
		tls_send(ssl, inv[i]);
		ck_assert_msg(tls_read_until(ssl, buf, sizeof(buf),
					     "SIP/2.0 200", NULL),
			      "case %u: %s", i, buf);
		ck_assert_int_eq(app.invites, 1);
		ck_assert_msg(strcmp(app.asserted, cases[i].want) == 0,
			      "case %u: asserted '%s'", i, app.asserted);
		tls_close(ssl);
	}
	ck_assert(stats_have("\"asserted\":1,"));
	ck_assert(stats_have("\"asserted_ignored\":2"));
	ck_assert(stats_have("\"tls_accepted\":3,"));
}
END_TEST

/* The common name of the certificate ssl's peer showed, in buf. */
static const char *
peer_cn(SSL *ssl, char *buf, int len)
{
	X509 *x = SSL_get1_peer_certificate(ssl);

	buf[0] = '\0';
	if (x != NULL) {
		X509_NAME_get_text_by_NID(X509_get_subject_name(x),
					  NID_commonName, buf, len);
		X509_free(x);
	}
	return buf;
}

/* A renewed certificate, read again (SIGHUP): new connections get it,
 * one up goes on; files that do not load keep the old one. */
START_TEST(test_sip_tls_reload)
{
	struct cp_sip_tls_conf tc = tls_cf;
	char cn[64], why[256], buf[2048] = "";
	SSL *old = tls_dial(NULL), *ssl;

	ck_assert_ptr_nonnull(old);
	ck_assert_str_eq(peer_cn(old, cn, sizeof(cn)), "focus");
	tc.key = cert("client", "key");
	ck_assert_int_eq(cp_sip_tls_reload(sip, &tc, why, sizeof(why)),
			 -EINVAL);
	ck_assert_msg(strstr(why, "is not the key of") != NULL, "%s", why);
	ssl = tls_dial(NULL);
	ck_assert_ptr_nonnull(ssl);
	ck_assert_str_eq(peer_cn(ssl, cn, sizeof(cn)), "focus");
	tls_close(ssl);

	tc = (struct cp_sip_tls_conf){ .cert = cert("peer", "pem"),
				       .key = cert("peer", "key"),
				       .ca = cert("ca", "pem") };
	ck_assert_int_eq(cp_sip_tls_reload(sip, &tc, why, sizeof(why)), 0);
	ssl = tls_dial(NULL);
	ck_assert_ptr_nonnull(ssl);
	ck_assert_str_eq(peer_cn(ssl, cn, sizeof(cn)), "peer");
	tls_close(ssl);
	tls_send(old, REQ("OPTIONS", "z9hG4bKr1", "reload1", "1 OPTIONS", ""));
	ck_assert_msg(tls_read_until(old, buf, sizeof(buf), "SIP/2.0 200",
				     NULL),
		      "the connection up before: %s", buf);
	tls_close(old);
}
END_TEST

/* A connection to the TLS port that never starts its handshake is closed
 * after handshake_ms: it holds no slot of the focus's for long. */
START_TEST(test_sip_tls_handshake_timeout)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cp_sip_close(sip);
	tls_cf.handshake_ms = 300;
	open_sip(false, 0, 0);
	tls_cf.handshake_ms = 0;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(cp_sip_tls_port(sip));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	ck_assert(POLL_UNTIL(stats_have("\"tcp_accepted\":1"), 3000));
	ck_assert(stats_have("\"drop_tls\":0"));
	ck_assert(tcp_closed_by_layer(fd));
	ck_assert(stats_have("\"drop_tls\":1"));
	close(fd);
}
END_TEST

/* tutti-cp with TLS (and a real tutti-dp): the focus tcase's fixture with
 * --tls-cert, --tls-key, --tls-ca of make_certs(). */
static char focus_tls_file[3][96];

static void
focus_tls_setup(void)
{
	make_certs();
	snprintf(focus_tls_file[0], sizeof(focus_tls_file[0]), "%s",
		 cert("focus", "pem"));
	snprintf(focus_tls_file[1], sizeof(focus_tls_file[1]), "%s",
		 cert("focus", "key"));
	snprintf(focus_tls_file[2], sizeof(focus_tls_file[2]), "%s",
		 cert("ca", "pem"));
	focus_extra[0] = "--tls-cert";
	focus_extra[1] = focus_tls_file[0];
	focus_extra[2] = "--tls-key";
	focus_extra[3] = focus_tls_file[1];
	focus_extra[4] = "--tls-ca";
	focus_extra[5] = focus_tls_file[2];
	focus_setup();
}

static void
focus_tls_teardown(void)
{
	focus_teardown();
	memset(focus_extra, 0, sizeof(focus_extra));
	rm_certs();
}

/* cp src's file as dst's (a renewed certificate put in place). */
static void
cert_copy(const char *src, const char *dst)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "cp %s %s", src, dst);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

/* SIGHUP reads TLS's files again: a renewed certificate is shown to new
 * connections; a key that is not the certificate's is refused and the
 * certificate in force stays. Then a scanner's failed handshakes are all
 * counted, and the log says the first ten. */
START_TEST(test_focus_tls_sighup)
{
	const char *at = strstr(focus_cp.out, ", TLS on port ");
	unsigned int port = 0;
	char cn[64], out[8192];
	int n;
	SSL *ssl;

	ck_assert_msg(at != NULL, "%s", focus_cp.out);
	ck_assert_int_eq(sscanf(at, ", TLS on port %u", &port), 1);
	ssl = tls_dial_port((uint16_t)port, NULL);
	ck_assert_ptr_nonnull(ssl);
	ck_assert_str_eq(peer_cn(ssl, cn, sizeof(cn)), "focus");
	tls_close(ssl);

	cert_copy(cert("peer", "pem"), focus_tls_file[0]);
	cert_copy(cert("peer", "key"), focus_tls_file[1]);
	ck_assert_int_eq(kill(focus_cp.pid, SIGHUP), 0);
	ck_assert_msg(proc_expect(&focus_cp, "read again: new connections "
					     "get them", 10000),
		      "%s", focus_cp.out);
	ssl = tls_dial_port((uint16_t)port, NULL);
	ck_assert_ptr_nonnull(ssl);
	ck_assert_str_eq(peer_cn(ssl, cn, sizeof(cn)), "peer");
	tls_close(ssl);

	cert_copy(cert("client", "key"), focus_tls_file[1]);
	ck_assert_int_eq(kill(focus_cp.pid, SIGHUP), 0);
	ck_assert_msg(proc_expect(&focus_cp, "TLS reload refused, the old "
					     "certificate stays: ", 10000),
		      "%s", focus_cp.out);
	ck_assert_msg(strstr(focus_cp.out, "is not the key of") != NULL, "%s",
		      focus_cp.out);
	ssl = tls_dial_port((uint16_t)port, NULL);
	ck_assert_ptr_nonnull(ssl);
	ck_assert_str_eq(peer_cn(ssl, cn, sizeof(cn)), "peer");
	tls_close(ssl);

	/* a scanner: 12 handshakes fail at once, the log says 10 */
	for (int i = 0; i < 12; i++) {
		struct sockaddr_in to = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		static const char get[] = "GET / HTTP/1.0\r\n\r\n";

		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		to.sin_port = htons((uint16_t)port);
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&to,
					 sizeof(to)), 0);
		ck_assert_int_eq(write(fd, get, sizeof(get) - 1),
				 (ssize_t)sizeof(get) - 1);
		/* closed by the focus once it failed (an alert first,
		 * perhaps) */
		while (read(fd, cn, sizeof(cn)) > 0)
			;
		close(fd);
	}
	ck_assert_int_eq(tuttictl(out, sizeof(out), "stats"), 0);
	ck_assert_msg(strstr(out, "\nSIP over TLS: connections accepted 3, "
				  "opened 0, failed (handshake or record) "
				  "12; sips: requests refused in clear (416) "
				  "0\n") != NULL, "%s\n%s", out, focus_cp.out);
	ck_assert_msg(proc_expect(&focus_cp, "(the next in 10 s: counted, "
					     "not logged)", 10000),
		      "%s", focus_cp.out);
	for (at = focus_cp.out, n = 0;
	     (at = strstr(at, "failed its handshake")) != NULL; at++)
		n++;
	ck_assert_int_eq(n, 10);
}
END_TEST

/* A SIP layer opened with conf and TLS tc fails with rc, saying why. */
static void
tls_refused(struct cp_sip_tls_conf tc, int rc, const char *why)
{
	struct cp_sip_conf conf = { .addr = "127.0.0.1" };
	struct cp_sip_app a = { .on_invite = on_invite };
	struct cp_sip *s2 = NULL;
	char got[256] = "";

	conf.tls = &tc;
	conf.tls_why = got;
	conf.tls_why_len = sizeof(got);
	ck_assert_int_eq(cp_sip_open(&s2, &conf, &a), rc);
	ck_assert_ptr_null(s2);
	ck_assert_msg(strstr(got, why) != NULL, "'%s' without '%s'", got,
		      why);
}

/* Files that do not load are refused with the file and the reason; a
 * dial-out in TLS with no TLS set up is refused. */
START_TEST(test_sip_tls_refused)
{
	struct cp_sip_tls_conf tc = tls_cf;
	char why[128];

	tc.cert = "/nonexistent/focus.pem";
	tls_refused(tc, -ENOENT, "/nonexistent/focus.pem: No such file");
	tc = tls_cf;
	tc.key = cert("client", "key");
	snprintf(why, sizeof(why), "%s is not the key of %s", tc.key,
		 tc.cert);
	tls_refused(tc, -EINVAL, why);
	tc = tls_cf;
	tc.cert = cert("ca", "key");
	snprintf(why, sizeof(why), "%s: not a PEM certificate", tc.cert);
	tls_refused(tc, -EINVAL, why);
	tc = tls_cf;
	tc.ca = cert("focus", "key");
	snprintf(why, sizeof(why), "%s: no PEM certificates", tc.ca);
	tls_refused(tc, -EINVAL, why);
	tc = tls_cf;
	tc.port = cp_sip_tls_port(sip); /* taken */
	tls_refused(tc, -EADDRINUSE, "Address already in use");

	cp_sip_close(sip);
	tls_conf = NULL;
	{ /* a proxy in TLS with no TLS set up */
		struct cp_sip_conf conf = { .addr = "127.0.0.1" };
		struct cp_sip_app a = { .on_invite = on_invite };
		struct cp_sip *s2 = NULL;

		conf.outbound_proxy[0] = "sips:127.0.0.1:5999";
		ck_assert_int_eq(cp_sip_open(&s2, &conf, &a),
				 -EPROTONOSUPPORT);
		ck_assert_ptr_null(s2);
	}
	open_sip(false, 0, 0);
	ck_assert_uint_eq(cp_sip_tls_port(sip), 0);
	ck_assert_int_eq(cp_sip_tls_reload(sip, &tls_cf, why, sizeof(why)),
			 -ENOTCONN);
	ck_assert_int_eq(cp_sip_invite(sip, "sips:callee@127.0.0.1",
				       "sip:conf@127.0.0.1", "conf",
				       "application/sdp", sdp, &app, &dialed),
			 -EPROTONOSUPPORT);
	ck_assert_int_eq(cp_sip_invite(sip,
				       "sip:callee@127.0.0.1;transport=tls",
				       "sip:conf@127.0.0.1", "conf",
				       "application/sdp", sdp, &app, &dialed),
			 -EPROTONOSUPPORT);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("sip");
	TCase *tc = tcase_create("sipp");
	TCase *mf = tcase_create("sipp_max_forwards_policy");
	TCase *raw = tcase_create("raw");
	TCase *cp = tcase_create("tutti_cp");
	TCase *focus, *tls_tc;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_sip_options_200, 0, 2);
	tcase_add_loop_test(tc, test_sip_bad_cseq_400, 0, 2);
	tcase_add_loop_test(tc, test_sip_call_invite_ack_bye, 0, 2);
	tcase_add_loop_test(tc, test_sip_noack_retransmits_then_bye, 0, 2);
	tcase_add_loop_test(tc, test_sip_cancel_487, 0, 2);
	tcase_add_loop_test(tc, test_sip_dial_out_answered, 0, 4);
	tcase_add_test(tc, test_sip_dial_out_rejected);
	tcase_add_loop_test(tc, test_sip_dial_out_authenticates, 0, 6);
	tcase_add_loop_test(tc, test_sip_dial_out_proxy_authenticates, 0, 2);
	tcase_add_test(tc, test_sip_bye_authenticates);
	tcase_add_test(tc, test_sip_prack_authenticates);
	tcase_add_loop_test(tc, test_sip_dial_out_100rel, 0, 2);
	tcase_add_test(tc, test_sip_dial_out_cancelled_after_challenge);
	tcase_add_test(tc, test_sip_dial_out_stale_nonce);
	tcase_add_loop_test(tc, test_sip_dial_out_cancelled, 0, 2);
	tcase_add_test(tc, test_sip_dial_out_bad_targets);
	tcase_add_loop_test(tc, test_sip_dial_out_outbound_proxy, 0, 4);
	tcase_add_test(tc, test_sip_outbound_proxy_refused);
	tcase_add_loop_test(tc, test_sip_proxy_failover, 0, 3);
	tcase_add_test(tc, test_sip_dial_out_asserts_identity);
	tcase_add_test(tc, test_sip_proxy_all_down);
	tcase_add_test(tc, test_sip_proxy_late_answer);
	tcase_add_test(tc, test_sip_proxy_dns);
	tcase_add_test(tc, test_sip_dial_by_name);
	tcase_add_loop_test(tc, test_sip_proxy_no_failover, 0, 2);
	tcase_add_test(tc, test_sip_proxy_keepalive);
	tcase_add_test(tc, test_sip_dial_out_tcp_refused_503);
	tcase_add_loop_test(tc, test_sip_refer_202_and_notifies, 0, 6);
	tcase_add_loop_test(tc, test_sip_refer_method_header_param_400, 0, 2);
	tcase_add_loop_test(tc, test_sip_subscribe_refresh_unsubscribe, 0, 2);
	tcase_add_loop_test(tc, test_sip_notify_authenticates, 0, 2);
	tcase_add_loop_test(tc, test_sip_subscribe_423, 0, 2);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(mf, setup_mf0, teardown);
	tcase_set_timeout(mf, 60);
	tcase_add_loop_test(mf, test_sip_max_forwards_0_483, 0, 2);
	suite_add_tcase(s, mf);
	tcase_set_timeout(cp, 60);
	tcase_add_loop_test(cp, test_sip_tutti_cp_option, 0, 2);
	suite_add_tcase(s, cp);
	focus = tcase_create("focus");
	tcase_add_checked_fixture(focus, focus_setup, focus_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_loop_test(focus, test_focus_dial_in_hold_bye, 0, 2);
	tcase_add_loop_test(focus, test_focus_late_offer, 0, 2);
	tcase_add_loop_test(focus, test_focus_session_timer, 0, 2);
	tcase_add_loop_test(focus, test_focus_privacy, 0, 2);
	tcase_add_loop_test(focus, test_focus_factory_creates_and_ends, 0, 2);
	tcase_add_loop_test(focus, test_focus_404_and_488, 0, 2);
	tcase_add_loop_test(focus, test_focus_tuttictl, 0, 2);
	tcase_add_loop_test(focus, test_focus_tuttictl_lock, 0, 1);
	/* UDP only: the focus retransmits its 2xx over TCP too (RFC 3261
	 * 13.3.1.4), and SIPp over TCP aborts on it "while pausing" */
	tcase_add_loop_test(focus, test_focus_kick_before_ack, 0, 1);
	tcase_add_loop_test(focus, test_focus_metrics, 0, 2);
	tcase_add_test(focus, test_focus_metrics_silent_clients);
	tcase_add_loop_test(focus, test_focus_subscribe, 0, 2);
	tcase_add_loop_test(focus, test_focus_watch_to_the_end, 0, 2);
	tcase_add_loop_test(focus, test_focus_refer_dials_out, 0, 1);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_two_workers");
	tcase_add_checked_fixture(focus, focus_two_setup, focus_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_loop_test(focus, test_focus_drain_places_new_conferences, 0,
			    1);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_timeout");
	tcase_add_checked_fixture(focus, focus_timeout_setup, focus_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_loop_test(focus, test_focus_media_timeout_bye, 0, 1);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_proxy");
	tcase_add_checked_fixture(focus, focus_proxy_setup, focus_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_outbound_proxy);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_proxies");
	tcase_add_checked_fixture(focus, focus_proxies_setup,
				  focus_proxies_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_proxy_failover);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_kamailio");
	tcase_add_checked_fixture(focus, focus_kamailio_setup,
				  focus_kamailio_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_proxy_kamailio);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_policy");
	tcase_add_checked_fixture(focus, focus_policy_setup, focus_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_loop_test(focus, test_focus_policy, 0, 2);
	tcase_add_loop_test(focus, test_focus_creator_rejoins_locked, 0, 2);
	tcase_add_loop_test(focus, test_focus_pending_subscription, 0, 2);
	tcase_add_loop_test(focus, test_focus_tuttictl_lock, 0, 1);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_dial");
	tcase_set_timeout(focus, 120);
	tcase_add_loop_test(focus, test_focus_policy_dials_out, 0, 2);
	tcase_add_test(focus, test_focus_policy_dial_out_waits_for_worker);
	tcase_add_test(focus, test_focus_dial_by_name);
	tcase_add_test(focus, test_focus_stop_cancels_a_ringing_dial_out);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_kamailio_auth");
	tcase_add_checked_fixture(focus, focus_kamailio_auth_setup,
				  focus_kamailio_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_proxy_kamailio_auth);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_register");
	tcase_add_checked_fixture(focus, focus_sipp_registrar_setup,
				  focus_register_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_registers);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_register_tcp");
	tcase_add_checked_fixture(focus, focus_sipp_registrar_tcp_setup,
				  focus_register_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_registers);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_register_proxy");
	tcase_add_checked_fixture(focus, focus_sipp_registrar_proxy_setup,
				  focus_register_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_registers);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_register_dns");
	tcase_add_checked_fixture(focus, focus_sipp_registrar_dns_setup,
				  focus_register_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_registers);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_register_kamailio");
	tcase_add_checked_fixture(focus, focus_kamailio_registrar_setup,
				  focus_kamailio_registrar_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_registers_kamailio);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_trust");
	tcase_add_checked_fixture(focus, focus_trust_setup, focus_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_loop_test(focus, test_focus_asserted_identity, 0, 2);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_trust_tcp");
	tcase_add_checked_fixture(focus, focus_trust_tcp_setup, focus_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_asserted_identity_tcp_only);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_assert");
	tcase_add_checked_fixture(focus, focus_assert_setup, focus_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_test(focus, test_focus_dial_out_asserts_identity);
	suite_add_tcase(s, focus);
	focus = tcase_create("focus_md5");
	tcase_add_checked_fixture(focus, focus_md5_setup, focus_teardown);
	tcase_set_timeout(focus, 120);
	tcase_add_loop_test(focus, test_focus_digest_round_trip, 0, 2);
	tcase_add_test(focus, test_focus_views);
	suite_add_tcase(s, focus);
	tcase_add_checked_fixture(raw, setup, teardown);
	tcase_add_test(raw, test_sip_rport_received);
	tcase_add_test(raw, test_sip_privacy_asked);
	tcase_add_test(raw, test_sip_invite_requires_100rel);
	tcase_add_test(raw, test_sip_asserted_identity);
	tcase_add_test(raw, test_sip_no_via_dropped);
	tcase_add_test(raw, test_sip_dialog_needs_one_contact);
	tcase_add_test(raw, test_sip_unparsed_lone_lf_not_copied);
	tcase_add_test(raw, test_sip_valueless_tag_400);
	tcase_add_loop_test(raw, test_sip_answers, 0,
			    sizeof(answers) / sizeof(answers[0]));
	tcase_add_test(raw, test_sip_garbage_and_huge);
	tcase_add_test(raw, test_sip_merged_482);
	tcase_add_test(raw, test_sip_tcp_needs_content_length);
	tcase_add_test(raw, test_sip_tcp_framing);
	tcase_add_test(raw, test_sip_open_rejects_bad_addresses);
	tcase_add_loop_test(raw, test_sip_mutated_requests, 0, 2);
	tcase_add_test(raw, test_sip_tcp_stream_framing);
	tcase_add_test(raw, test_sip_tcp_too_big);
	tcase_add_test(raw, test_sip_tcp_conn_limit);
	tcase_add_test(raw, test_sip_keepalives);
	tcase_add_test(raw, test_sip_conn_idle);
	tcase_add_test(raw, test_sip_conn_per_addr);
	tcase_add_test(raw, test_sip_conn_per_addr_full);
	tcase_add_test(raw, test_sip_conn_quiet);
	tcase_add_test(raw, test_sip_bye_follows_record_route);
	tcase_add_test(raw, test_sip_reinvite_and_cseq);
	tcase_add_test(raw, test_sip_dialog_save_restore);
	tcase_add_loop_test(raw, test_sip_invite_again_after_2xx, 0, 2);
	tcase_add_test(raw, test_sip_486_resent_until_ack);
	tcase_add_test(raw, test_sip_overload_503);
	tcase_add_test(raw, test_sip_503_has_retry_after);
	tcase_add_test(raw, test_sip_rate_limit);
	tcase_add_test(raw, test_sip_refer_in_dialog);
	tcase_add_test(raw, test_sip_subscription_expires);
	tcase_add_loop_test(raw, test_sip_notify_on_tcp_we_open, 0, 2);
	tcase_add_loop_test(raw, test_sip_notify_big_over_tcp_or_udp, 0, 2);
	tcase_add_test(raw, test_sip_dial_out_referred_by_and_uri_headers);
	tcase_add_test(raw, test_sip_dial_out_forked_2xx);
	suite_add_tcase(s, raw);
	tls_tc = tcase_create("tls");
	tcase_add_checked_fixture(tls_tc, tls_setup, tls_teardown);
	tcase_set_timeout(tls_tc, 60);
	tcase_add_test(tls_tc, test_sip_tls_call);
	tcase_add_test(tls_tc, test_sip_sips_needs_tls);
	tcase_add_test(tls_tc, test_sip_tls_dialog_stays_in_tls);
	tcase_add_test(tls_tc, test_sip_tls_dial_out);
	tcase_add_test(tls_tc, test_sip_tls_dial_by_name);
	tcase_add_test(tls_tc, test_sip_tls_outbound_proxy);
	tcase_add_test(tls_tc, test_sip_tls_client_certificate);
	tcase_add_test(tls_tc, test_sip_tls_trusted_by_certificate);
	tcase_add_test(tls_tc, test_sip_tls_handshake_timeout);
	tcase_add_test(tls_tc, test_sip_tls_reload);
	tcase_add_test(tls_tc, test_sip_tls_refused);
	suite_add_tcase(s, tls_tc);
	tls_tc = tcase_create("focus_tls");
	tcase_add_checked_fixture(tls_tc, focus_tls_setup, focus_tls_teardown);
	tcase_set_timeout(tls_tc, 60);
	tcase_add_test(tls_tc, test_focus_tls_sighup);
	suite_add_tcase(s, tls_tc);
	raw = tcase_create("stimer");
	tcase_add_checked_fixture(raw, stimer_setup, stimer_teardown);
	tcase_set_timeout(raw, 60);
	tcase_add_test(raw, test_sip_session_timer_answers);
	tcase_add_test(raw, test_sip_session_timer_peer_refreshes);
	tcase_add_test(raw, test_sip_session_timer_we_refresh);
	tcase_add_loop_test(raw, test_sip_session_timer_authenticates, 0, 2);
	tcase_add_test(raw, test_sip_session_timer_reinvite);
	tcase_add_test(raw, test_sip_session_timer_update_refused);
	tcase_add_test(raw, test_sip_session_timer_dial_out);
	suite_add_tcase(s, raw);
	return s;
}
