/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sip_torture.c: the RFC 4475 torture messages (tests/sip-torture/,
 * see its README) sent over UDP to a real tutti-cp on 127.0.0.1 (no data
 * plane: INVITEs that reach the focus get 503 there). Each message gets the
 * answer the RFC asks of a UAS, or is dropped and counted (parse_bad,
 * drop_stray on the metrics endpoint); after each one tutti-cp still
 * answers an OPTIONS, and it exits cleanly (under ASan: no error, no leak).
 *
 * Answers go where the top Via says: received= (our address) and the
 * sent-by port, 5060 when absent, so the test listens on 127.77.x.y:5060,
 * an address of its own. A message is over when the OPTIONS sent after it
 * is answered (one socket, one single-threaded tutti-cp: in order), so no
 * wait here is a timing assertion. Checklist IDs (S-nn) in the table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "proc.h"

#define WAIT_MS 5000 /* bound on any wait for an answer */

/*
 * One message: its file (the RFC's test name), text that only its answer
 * carries (a Call-ID or branch), the status line the first final answer
 * starts with (NULL: none may come), text that answer must hold, and how
 * much parse_bad and drop_stray must grow.
 */
static const struct torture {
	const char *name, *key, *status, *has;
	unsigned int bad, stray;
} msgs[] = {
	/* 3.1.1 valid: parsed, answered per our semantics */
	{ "wsinv", "wsinv.ndaksdj", "SIP/2.0 481", ";tag=1918181833n", 0, 0 },
	{ "intmeth", "intmeth.word", "SIP/2.0 501", "Allow: INVITE", 1, 0 },
	{ "esc01", "esc01.239409", "SIP/2.0 503", NULL, 0, 0 },
	{ "escnull", "escnull.39203", "SIP/2.0 405", "Allow: INVITE", 0, 0 },
	{ "esc02", "esc02.asdfnq", "SIP/2.0 501", "Allow: INVITE", 0, 0 },
	{ "lwsdisp", "lwsdisp.1234", "SIP/2.0 200", ";isfocus", 0, 0 },
	{ "longreq", "longreq.one", "SIP/2.0 503", "sip1.example.com", 0, 0 },
	{ "dblreq", "dblreq.0ha0isndaksdj", "SIP/2.0 405", NULL, 0, 0 },
	/* its user part is "user;par=u@example.net": not a conference */
	{ "semiuri", "semiuri.0ha0", "SIP/2.0 404", NULL, 0, 0 },
	{ "transports", "transports.kijh", "SIP/2.0 200", "t5.example.com", 0,
	  0 },
	{ "unreason", "unreason.1234", NULL, NULL, 0, 1 },
	{ "noreason", "noreason.asndj", NULL, NULL, 0, 1 },
	/* 3.1.2 invalid: 400 where the Via allows an answer (S-01, S-09) */
	{ "badinv01", "badinv01.0ha0", "SIP/2.0 400", ";;,;,,", 1, 0 },
	{ "clerr", "clerr.0ha0", "SIP/2.0 400", NULL, 1, 0 },
	{ "ncl", "ncl.0ha0", "SIP/2.0 400", NULL, 1, 0 },
	{ "scalar02", "scalar02.23o0", "SIP/2.0 400", NULL, 1, 0 }, /* S-08 */
	{ "scalarlg", "scalarlg.noase", NULL, NULL, 0, 1 },
	{ "quotbal", "quotbal.aksdj", "SIP/2.0 400", ";tag=", 1, 0 },
	{ "ltgtruri", "ltgtruri.1@", "SIP/2.0 400",
	  "To: sip:user@example.com;tag=", 1, 0 },
	{ "lwsruri", "lwsruri.asdf", "SIP/2.0 400", NULL, 1, 0 },
	{ "lwsstart", "lwsstart.dfknq", "SIP/2.0 400", NULL, 1, 0 },
	{ "trws", "trws.oicu", "SIP/2.0 400", NULL, 1, 0 },
	{ "escruri", "escruri.23940", "SIP/2.0 503", NULL, 0, 0 },
	{ "baddate", "baddate.239423", "SIP/2.0 503", NULL, 0, 0 },
	{ "regbadct", "regbadct.k345", "SIP/2.0 405", NULL, 0, 0 },
	{ "badaspec", "badaspec.sdf0", "SIP/2.0 400", NULL, 1, 0 },
	{ "baddn", "baddn.31415", "SIP/2.0 400", NULL, 1, 0 },
	{ "badvers", "badvers.31417", "SIP/2.0 505", NULL, 1, 0 }, /* S-07 */
	{ "mismatch01", "mismatch01.dj02", "SIP/2.0 400", NULL, 1, 0 },
	{ "mismatch02", "mismatch02.dj02", "SIP/2.0 400", NULL, 1, 0 },
	{ "bigcode", "bigcode.asdof", NULL, NULL, 1, 0 },
	/* 3.2 transaction layer: a bare z9hG4bK branch works (S-14) */
	{ "badbranch", "badbranch.sadonfo", "SIP/2.0 200", NULL, 0, 0 },
	/* 3.3 application layer */
	{ "insuf", "z9hG4bKkdj.insuf", "SIP/2.0 400", NULL, 1, 0 }, /* S-01 */
	{ "unkscm", "unkscm.nasdf", "SIP/2.0 416", NULL, 0, 0 },    /* S-05 */
	{ "novelsc", "novelsc.asdf", "SIP/2.0 400", NULL, 1, 0 },
	{ "unksm2", "unksm2.daksdj", "SIP/2.0 405", NULL, 0, 0 },
	{ "bext01", "bext01.0ha0", "SIP/2.0 420", /* S-04 */
	  "Unsupported: nothingSupportsThis, nothingSupportsThisEither", 0, 0 },
	{ "invut", "invut.0ha0", "SIP/2.0 415", /* S-06 */
	  "Accept: application/sdp", 0, 0 },
	{ "regaut01", "regaut01.0ha0", "SIP/2.0 405", NULL, 0, 0 },
	{ "multi01", "multi01.98asdh", "SIP/2.0 400", NULL, 1, 0 },
	{ "mcl01", "mcl01.fhn2323", "SIP/2.0 400", NULL, 1, 0 },
	{ "bcast", "bcast.03848", NULL, NULL, 0, 1 },
	{ "zeromf", "zeromf.jfasd", "SIP/2.0 200", NULL, 0, 0 }, /* S-11 */
	{ "cparam01", "cparam01.70710", "SIP/2.0 405", NULL, 0, 0 },
	{ "cparam02", "cparam02.70710", "SIP/2.0 405", NULL, 0, 0 },
	{ "regescrt", "regescrt.k345", "SIP/2.0 405", NULL, 0, 0 },
	{ "sdp01", "sdp01.ndaksdj", "SIP/2.0 406", "Accept: application/sdp", 0,
	  0 },
	/* 3.4 backward compatibility: RFC 2543 syntax, no Content-Length */
	{ "inv2543", "inv2543.1717", "SIP/2.0 503", NULL, 0, 0 },
};

#define N_MSGS (sizeof(msgs) / sizeof(msgs[0]))

static struct proc cp; /* 64 KiB of output: not on the stack */
static char region[64], ctl[108];
static struct sockaddr_in focus; /* its SIP address */
static uint16_t metrics_port;
static int sock = -1;		 /* our UDP socket, *:5060 */
static int conn = -1;		 /* a TCP connection to it, or -1 */
static char *extra[4];		 /* more tutti-cp options (NULL: none) */
static char me[INET_ADDRSTRLEN]; /* its address */
static unsigned int n_alive;

/* Bind port 5060 on an address of 127.77.0.0/16 nobody else holds. */
static void
bind_5060(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(5060) };
	unsigned int base = (unsigned int)getpid() * 7;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(sock, 0);
	for (unsigned int i = 0; i < 512; i++) {
		unsigned int h =
			(base + i) % 65024 + 256; /* .1.0 .. .254.255 */

		a.sin_addr.s_addr = htonl(0x7f4d0000u | h);
		if (bind(sock, (struct sockaddr *)&a, sizeof(a)) == 0) {
			inet_ntop(AF_INET, &a.sin_addr, me, sizeof(me));
			return;
		}
		ck_assert_int_eq(errno, EADDRINUSE);
	}
	ck_abort_msg("no free 127.77.x.y:5060");
}

static void
setup(void)
{
	char *argv[] = { getenv("TUTTI_CP"),
			 "--region",
			 region,
			 "--wait",
			 "600",
			 "--sip",
			 "127.0.0.1:0",
			 "--metrics",
			 "127.0.0.1:0",
			 "--ctl",
			 ctl,
			 /* the messages' Request-URI user, and the probe's */
			 "--conference",
			 "user",
			 "--conference",
			 "demo",
			 extra[0],
			 extra[1],
			 extra[2],
			 extra[3],
			 NULL };
	const char *at;
	unsigned int port;

	snprintf(region, sizeof(region), "/tutti-torture-%d", (int)getpid());
	snprintf(ctl, sizeof(ctl), "/tmp/tutti-torture-%d.sock", (int)getpid());
	proc_shm_unlink_at_exit(region);
	proc_unlink_at_exit(ctl);
	ck_assert_ptr_nonnull(argv[0]);
	ck_assert_int_eq(proc_start(&cp, argv), 0);
	ck_assert_msg(proc_expect(&cp, "waiting for tutti-dp", WAIT_MS), "%s",
		      cp.out);
	at = strstr(cp.out, "SIP on 127.0.0.1 port ");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "SIP on 127.0.0.1 port %u", &port), 1);
	focus.sin_family = AF_INET;
	focus.sin_port = htons((uint16_t)port);
	focus.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	at = strstr(cp.out, "metrics on http://127.0.0.1:");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at, "metrics on http://127.0.0.1:%u", &port),
			 1);
	metrics_port = (uint16_t)port;
	bind_5060();
	n_alive = 0;
}

/* tutti-cp ends on SIGTERM with status 0: no sanitizer error, no leak. */
static void
teardown(void)
{
	int rc = proc_stop(&cp, SIGTERM, 10000);

	close(sock);
	unlink(ctl); /* left behind if tutti-cp did not end well */
	ck_assert_msg(rc == 0, "tutti-cp exit %d:\n%s", rc, cp.out);
	ck_assert_msg(strstr(cp.out, "Sanitizer") == NULL, "%s", cp.out);
}

/* A counter of the SIP layer, read from the metrics endpoint. */
static unsigned long long
counter(const char *what)
{
	struct sockaddr_in a = focus;
	static char page[65536];
	char want[96];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const char *at;

	a.sin_port = htons(metrics_port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	dprintf(fd, "GET /metrics HTTP/1.0\r\n\r\n");
	while (got + 1 < sizeof(page) &&
	       (n = read(fd, page + got, sizeof(page) - 1 - got)) > 0)
		got += (size_t)n;
	page[got] = '\0';
	close(fd);
	snprintf(want, sizeof(want), "tutti_sip_events_total{what=\"%s\"} ",
		 what);
	at = strstr(page, want);
	ck_assert_msg(at != NULL, "no %s in:\n%s", what, page);
	return strtoull(at + strlen(want), NULL, 10);
}

static size_t
read_file(const char *name, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.sip", getenv("SIP_TORTURE"), name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, len, f);
	fclose(f);
	ck_assert_uint_lt(n, len);
	return n;
}

/* The status code of an answer, 0 if it is not one. */
static int
status_of(const char *msg)
{
	int code = 0;

	return sscanf(msg, "SIP/2.0 %3d ", &code) == 1 ? code : 0;
}

/* Send n bytes to the focus: over conn if open, else over UDP. */
static void
put_msg(const char *m, size_t n)
{
	if (conn >= 0)
		ck_assert_int_eq(write(conn, m, n), (ssize_t)n);
	else
		ck_assert_int_eq(sendto(sock, m, n, 0,
					(struct sockaddr *)&focus,
					sizeof(focus)),
				 (ssize_t)n);
}

/*
 * The next message from the focus into buf (NUL-terminated), its length:
 * a datagram, or one Content-Length framed message from conn. Waits until
 * end_ms at most.
 */
static size_t
get_msg(char *buf, size_t len, long long end_ms)
{
	static char st[65536]; /* what conn has sent beyond that */
	static size_t st_len;
	const char *eoh;
	size_t n;

	for (;;) {
		struct pollfd p = { .fd = conn >= 0 ? conn : sock,
				    .events = POLLIN };
		long long left = end_ms - (long long)proc_now_ms();
		ssize_t k;

		eoh = conn >= 0 ? memmem(st, st_len, "\r\n\r\n", 4) : NULL;
		if (eoh != NULL) { /* answers hold NULs they echo: memmem */
			const char *cl = memmem(st, (size_t)(eoh - st),
						"Content-Length: ", 16);

			n = (size_t)(eoh + 4 - st);
			if (cl != NULL)
				n += strtoul(cl + 16, NULL, 10);
			if (n <= st_len) {
				ck_assert_uint_lt(n, len);
				memcpy(buf, st, n);
				buf[n] = '\0';
				memmove(st, st + n, st_len - n);
				st_len -= n;
				return n;
			}
		}
		ck_assert_msg(left > 0 && poll(&p, 1, (int)left) == 1,
			      "tutti-cp is silent:\n%s", cp.out);
		if (conn < 0) {
			k = recv(sock, buf, len - 1, 0);
			ck_assert_int_gt(k, 0);
			buf[k] = '\0';
			return (size_t)k;
		}
		k = read(conn, st + st_len, sizeof(st) - 1 - st_len);
		ck_assert_msg(k > 0, "tutti-cp closed the connection:\n%s",
			      cp.out);
		st_len += (size_t)k;
	}
}

/*
 * Send an OPTIONS and read every message until its 200 comes. The first
 * final answer holding key goes into ans ("" if none), with its length;
 * none may hold absent (if not NULL).
 */
static size_t
alive_after(const char *key, const char *absent, char *ans, size_t len)
{
	char opt[512], id[32], buf[65536];
	long long end = (long long)proc_now_ms() + WAIT_MS;
	size_t ans_len = 0;
	int n;

	snprintf(id, sizeof(id), "alive-%u", ++n_alive);
	n = snprintf(opt, sizeof(opt),
		     "OPTIONS sip:demo@127.0.0.1 SIP/2.0\r\n"
		     "Via: SIP/2.0/%s %s;branch=z9hG4bK-%s;rport\r\n"
		     "From: <sip:t@%s>;tag=t\r\nTo: <sip:demo@127.0.0.1>\r\n"
		     "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
		     "Content-Length: 0\r\n\r\n",
		     conn >= 0 ? "TCP" : "UDP", me, id, me, id);
	put_msg(opt, (size_t)n);
	ans[0] = '\0';
	for (;;) {
		size_t k = get_msg(buf, sizeof(buf), end);

		ck_assert_msg(absent == NULL || memmem(buf, k, absent,
						       strlen(absent)) == NULL,
			      "answered: %s", buf);
		if (strstr(buf, id) != NULL) {
			ck_assert_int_eq(status_of(buf), 200);
			return ans_len;
		}
		if (ans_len == 0 && status_of(buf) >= 200 &&
		    memmem(buf, k, key, strlen(key)) != NULL) {
			ans_len = k < len ? k : len - 1;
			memcpy(ans, buf, ans_len);
			ans[ans_len] = '\0';
		}
	}
}

/* Send msgs[i]; check its answer (or silence) and the counters. */
static void
torture(size_t i)
{
	const struct torture *t = &msgs[i];
	static char msg[65536], ans[65536];
	unsigned long long bad = counter("parse_bad");
	unsigned long long stray = counter("drop_stray");
	size_t n = read_file(t->name, msg, sizeof(msg)), got;

	put_msg(msg, n);
	/* dblreq's INVITE after the REGISTER is noise (RFC 3261 §18.3) */
	got = alive_after(
		t->key, strcmp(t->name, "dblreq") == 0 ? "977644900765" : NULL,
		ans, sizeof(ans));
	if (t->status == NULL)
		ck_assert_msg(got == 0, "%s: answered:\n%s", t->name, ans);
	else
		ck_assert_msg(got != 0 && strncmp(ans, t->status,
						  strlen(t->status)) == 0,
			      "%s: want %s, got:\n%s", t->name, t->status, ans);
	if (t->has != NULL)
		ck_assert_msg(memmem(ans, got, t->has, strlen(t->has)) != NULL,
			      "%s: no '%s' in:\n%s", t->name, t->has, ans);
	ck_assert_msg(counter("parse_bad") == bad + t->bad,
		      "%s: parse_bad %llu -> %llu", t->name, bad,
		      counter("parse_bad"));
	ck_assert_msg(counter("drop_stray") == stray + t->stray,
		      "%s: drop_stray %llu -> %llu", t->name, stray,
		      counter("drop_stray"));
}

/* Each message on its own, to a fresh tutti-cp. */
START_TEST(test_torture_message)
{
	torture((size_t)_i);
}
END_TEST

/*
 * The messages whose top Via says TCP, over a TCP connection from our
 * address: the answers come back on it (RFC 3261 §18.2.2), the same as
 * over UDP, and so do the counts; the OPTIONS after each takes the same
 * connection, so it is answered after the message was handled.
 */
static const char *const over_tcp[] = {
	"intmeth", "esc02",  "longreq", "scalar02", "scalarlg",
	"trws",	   "unkscm", "novelsc", "regaut01",
};

START_TEST(test_torture_message_tcp)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	size_t i = 0;

	while (i < N_MSGS && strcmp(msgs[i].name, over_tcp[_i]) != 0)
		i++;
	ck_assert_uint_lt(i, N_MSGS);
	conn = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(conn, 0);
	inet_pton(AF_INET, me, &a.sin_addr);
	ck_assert_int_eq(bind(conn, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(
		connect(conn, (struct sockaddr *)&focus, sizeof(focus)), 0);
	torture(i);
	close(conn);
	conn = -1;
}
END_TEST

/*
 * All of them in a row to one tutti-cp, which answers an OPTIONS after each
 * and ends cleanly. Answers are not checked: several messages share branch,
 * sent-by and method (z9hG4bKkdjuw at host5.example.com for escnull and
 * regescrt, saturn.example.com for cparam01 and cparam02), so the later one
 * is a retransmission of the earlier (RFC 3261 §17.2.3) and gets its answer.
 */
START_TEST(test_torture_all_in_a_row)
{
	static char msg[65536], ans[65536];
	unsigned long long bad = 0, stray = 0;

	for (size_t i = 0; i < N_MSGS; i++) {
		bad += msgs[i].bad;
		stray += msgs[i].stray;
		size_t n = read_file(msgs[i].name, msg, sizeof(msg));

		put_msg(msg, n);
		alive_after(msgs[i].key, NULL, ans, sizeof(ans));
	}
	ck_assert_uint_eq(counter("parse_bad"), bad);
	ck_assert_uint_eq(counter("drop_stray"), stray);
	/* one source, ~100 requests: under the default --rate-limit */
	ck_assert_uint_eq(counter("ratelimited") + counter("ratelimit_drop"),
			  0);
}
END_TEST

static void
setup_rate_limit(void)
{
	static char *rl[] = { "--rate-limit", "1", "--rate-burst", "3" };

	memcpy(extra, rl, sizeof(extra));
	setup();
}

/* The operator socket's answer to req, as tuttictl gets it. */
static void
ctl_ask(const char *req, char *out, size_t len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t got = 0;
	ssize_t n;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", ctl);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	dprintf(fd, "%s\n", req);
	while (got + 1 < len && (n = read(fd, out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
}

/*
 * tutti-cp --rate-limit 1 --rate-burst 3, end to end: 20 OPTIONS at once
 * from our address get 3 200s, then 503s with Retry-After (10, the
 * refusal budget), then nothing; the metrics and the operator socket count
 * them and the log says so once. OPTIONS from another address (127.0.0.1)
 * are answered meanwhile; the second of them is answered after all of
 * ours were. Only the refill during the burst depends on time, and it is
 * allowed for from the measured time.
 */
START_TEST(test_rate_limit_end_to_end)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	unsigned int n200 = 0, n503 = 0;
	static char buf[65536];
	uint64_t t0 = proc_now_ms(), secs;
	char line[128];
	int other, n;
	ssize_t k;
	const char *p;

	for (int i = 0; i < 20; i++) {
		n = snprintf(buf, sizeof(buf),
			     "OPTIONS sip:demo@127.0.0.1 SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP %s;branch=z9hG4bK-rl%d\r\n"
			     "From: <sip:t@%s>;tag=t\r\nTo: <sip:demo@x>\r\n"
			     "Call-ID: rl-%d\r\nCSeq: 1 OPTIONS\r\n"
			     "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			     me, i, me, i);
		put_msg(buf, (size_t)n);
	}
	other = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(other, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(other, (struct sockaddr *)&a, &alen), 0);
	for (int i = 0; i < 2; i++) {
		struct pollfd pf = { .fd = other, .events = POLLIN };

		n = snprintf(buf, sizeof(buf),
			     "OPTIONS sip:demo@127.0.0.1 SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-o%d"
			     ";rport\r\nFrom: <sip:o@x>;tag=o\r\n"
			     "To: <sip:demo@x>\r\nCall-ID: other-%d\r\n"
			     "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
			     "Content-Length: 0\r\n\r\n",
			     ntohs(a.sin_port), i, i);
		ck_assert_int_eq(sendto(other, buf, (size_t)n, 0,
					(struct sockaddr *)&focus,
					sizeof(focus)),
				 n);
		ck_assert_int_eq(poll(&pf, 1, WAIT_MS), 1);
		k = recv(other, buf, sizeof(buf) - 1, 0);
		ck_assert_int_gt(k, 0);
		buf[k] = '\0';
		ck_assert_msg(status_of(buf) == 200, "%s", buf);
	}
	close(other);
	secs = (proc_now_ms() - t0) / 1000 + 1;
	while ((k = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[k] = '\0';
		ck_assert_ptr_nonnull(strstr(buf, "Call-ID: rl-"));
		if (status_of(buf) == 200) {
			n200++;
		} else {
			ck_assert_msg(status_of(buf) == 503 &&
					      strstr(buf, "Retry-After: ") !=
						      NULL,
				      "%s", buf);
			n503++;
		}
	}
	ck_assert_uint_ge(n200, 3);
	ck_assert_uint_le(n200, 3 + (unsigned long long)secs);
	ck_assert_uint_ge(n503, 10);
	ck_assert_uint_le(n503, 10 + 10 * (unsigned long long)secs);
	ck_assert_uint_eq(counter("ratelimited"), n503);
	ck_assert_uint_eq(counter("ratelimit_drop"), 20 - n200 - n503);
	ctl_ask("stats", buf, sizeof(buf));
	snprintf(line, sizeof(line), "\"ratelimited\":%u,", n503);
	ck_assert_msg(strstr(buf, line) != NULL, "%s", buf);
	snprintf(line, sizeof(line), "rate limit: %s sends more than 1 ", me);
	ck_assert_msg(proc_expect(&cp, line, WAIT_MS), "%s", cp.out);
	p = strstr(cp.out, line);
	ck_assert_msg(strstr(p + 1, line) == NULL, "said twice:\n%s", cp.out);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("sip_torture");
	TCase *tc = tcase_create("rfc4475");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_torture_message, 0, N_MSGS);
	tcase_add_loop_test(tc, test_torture_message_tcp, 0,
			    sizeof(over_tcp) / sizeof(over_tcp[0]));
	tcase_add_test(tc, test_torture_all_in_a_row);
	suite_add_tcase(s, tc);
	tc = tcase_create("rate_limit");
	tcase_add_checked_fixture(tc, setup_rate_limit, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_rate_limit_end_to_end);
	suite_add_tcase(s, tc);
	return s;
}
