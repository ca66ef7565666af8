/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dns.c: locating SIP servers (RFC 3263 §4, controlplane/dns.c). The
 * ordering rules on their own (SRV by priority and weight, RFC 2782; which
 * NAPTR records SIP follows), then real resolutions with c-ares against a
 * real DNS server, dnsmasq, on 127.0.0.1 in the test's network namespace
 * (in_netns.sh): NAPTR to SRV to A, SRV without NAPTR, A alone, a port
 * given, a name that does not exist, and a server that does not answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "dns.h"
#include "proc.h"

static uint32_t lcg_state;

static uint32_t
lcg(void *ctx)
{
	(void)ctx;
	lcg_state = lcg_state * 1103515245u + 12345u;
	return lcg_state >> 8;
}

static struct cp_dns_srv
srv(uint16_t prio, uint16_t weight, const char *target)
{
	struct cp_dns_srv s = { .priority = prio, .weight = weight,
				.port = 5060 };

	snprintf(s.target, sizeof(s.target), "%s", target);
	return s;
}

START_TEST(test_dns_srv_by_priority_then_weight)
{
	struct cp_dns_srv s[5];
	unsigned first_a = 0, first_zero = 0;

	/* priorities first, whatever the weights */
	s[0] = srv(20, 100, "c");
	s[1] = srv(10, 0, "a");
	s[2] = srv(30, 5, "d");
	s[3] = srv(10, 0, "b");
	lcg_state = 1;
	ck_assert_uint_eq(cp_dns_srv_order(s, 4, lcg, NULL), 4);
	ck_assert_uint_eq(s[0].priority, 10);
	ck_assert_uint_eq(s[1].priority, 10);
	ck_assert_str_eq(s[2].target, "c");
	ck_assert_str_eq(s[3].target, "d");
	/* within a priority, by weight: 90 against 10 over 2000 orderings */
	lcg_state = 7;
	for (int i = 0; i < 2000; i++) {
		s[0] = srv(10, 10, "b");
		s[1] = srv(10, 90, "a");
		s[2] = srv(20, 50, "z");
		cp_dns_srv_order(s, 3, lcg, NULL);
		first_a += strcmp(s[0].target, "a") == 0;
		ck_assert_str_eq(s[2].target, "z");
	}
	ck_assert_msg(first_a > 1700 && first_a < 1900,
		      "weight 90 of 100 came first %u times in 2000",
		      first_a);
	/* weight 0 beside others: first seldom (1 in 101 here), not never */
	lcg_state = 3;
	for (int i = 0; i < 20000; i++) {
		s[0] = srv(10, 0, "zero");
		s[1] = srv(10, 100, "w");
		cp_dns_srv_order(s, 2, lcg, NULL);
		first_zero += strcmp(s[0].target, "zero") == 0;
	}
	ck_assert_msg(first_zero > 100 && first_zero < 400,
		      "weight 0 came first %u times in 20000", first_zero);
	/* a lone "." target: the service is decidedly not there */
	s[0] = srv(0, 0, ".");
	ck_assert_uint_eq(cp_dns_srv_order(s, 1, lcg, NULL), 0);
}
END_TEST

static struct cp_dns_naptr
naptr(uint16_t order, uint16_t pref, const char *flags, const char *service,
      const char *repl)
{
	struct cp_dns_naptr r = { .order = order, .preference = pref };

	snprintf(r.flags, sizeof(r.flags), "%s", flags);
	snprintf(r.service, sizeof(r.service), "%s", service);
	snprintf(r.replacement, sizeof(r.replacement), "%s", repl);
	return r;
}

START_TEST(test_dns_naptr_picks_sip_over_udp_and_tcp)
{
	struct cp_dns_naptr r[8];
	enum cp_dns_tp tps[8];

	r[0] = naptr(50, 10, "s", "SIP+D2U", "_sip._udp.x.test");
	r[1] = naptr(10, 20, "s", "SIPS+D2T", "_sips._tcp.x.test"); /* TLS */
	r[2] = naptr(10, 30, "S", "sip+d2t", "_sip._tcp.x.test");
	r[3] = naptr(10, 5, "u", "SIP+D2U", "!^.*$!sip:x@y!"); /* not "s" */
	r[4] = naptr(60, 10, "s", "SIP+D2T", "_sip._tcp.other.test");
	r[5] = naptr(5, 10, "s", "E2U+sip", "_x.x.test");  /* not SIP */
	r[6] = naptr(70, 10, "s", "SIP+D2U", "");	     /* nowhere */
	ck_assert_uint_eq(cp_dns_naptr_pick(r, 7, CP_DNS_ANY, tps), 2);
	/* by order: TCP (10) before UDP (50); the second TCP one dropped */
	ck_assert_int_eq(tps[0], CP_DNS_TCP);
	ck_assert_str_eq(r[0].replacement, "_sip._tcp.x.test");
	ck_assert_int_eq(tps[1], CP_DNS_UDP);
	ck_assert_str_eq(r[1].replacement, "_sip._udp.x.test");
	/* preference breaks a tie of order */
	r[0] = naptr(10, 20, "s", "SIP+D2U", "_sip._udp.b.test");
	r[1] = naptr(10, 10, "s", "SIP+D2T", "_sip._tcp.b.test");
	ck_assert_uint_eq(cp_dns_naptr_pick(r, 2, CP_DNS_ANY, tps), 2);
	ck_assert_int_eq(tps[0], CP_DNS_TCP);
	ck_assert_int_eq(tps[1], CP_DNS_UDP);
	r[0] = naptr(10, 20, "s", "SIPS+D2T", "_sips._tcp.b.test");
	ck_assert_uint_eq(cp_dns_naptr_pick(r, 1, CP_DNS_ANY, tps), 0);
	/* a sips: URI: SIPS+D2T only */
	r[0] = naptr(10, 20, "s", "SIP+D2T", "_sip._tcp.c.test");
	r[1] = naptr(20, 20, "s", "SIPS+D2T", "_sips._tcp.c.test");
	r[2] = naptr(30, 20, "s", "SIPS+D2T", "_sips._tcp.d.test");
	ck_assert_uint_eq(cp_dns_naptr_pick(r, 3, CP_DNS_TLS, tps), 1);
	ck_assert_int_eq(tps[0], CP_DNS_TLS);
	ck_assert_str_eq(r[0].replacement, "_sips._tcp.c.test");
}
END_TEST

/* -- against dnsmasq -- */

#define DNS_PORT 5353

static const char *const records[] = {
	/* carrier.test: NAPTR, TCP preferred; SRV; A */
	"--naptr-record=carrier.test,10,10,S,SIP+D2T,,_sip._tcp.carrier.test",
	"--naptr-record=carrier.test,20,10,S,SIP+D2U,,_sip._udp.carrier.test",
	"--srv-host=_sip._tcp.carrier.test,p1.carrier.test,5073,10,0",
	"--srv-host=_sip._udp.carrier.test,p1.carrier.test,5071,10,0",
	"--srv-host=_sip._udp.carrier.test,p2.carrier.test,5072,20,0",
	"--host-record=p1.carrier.test,127.0.0.11",
	"--host-record=p2.carrier.test,127.0.0.12",
	/* srv.test: SRV only (UDP), a target with two addresses */
	"--srv-host=_sip._udp.srv.test,two.srv.test,5080,10,0",
	"--host-record=two.srv.test,127.0.0.21",
	"--host-record=two.srv.test,127.0.0.22",
	/* plain.test: an address only */
	"--host-record=plain.test,127.0.0.9",
	/* secure.test: NAPTR to TLS and UDP; srv.test: TLS by SRV too */
	"--naptr-record=secure.test,10,10,S,SIP+D2U,,_sip._udp.secure.test",
	"--naptr-record=secure.test,20,10,S,SIPS+D2T,,_sips._tls.secure.test",
	"--srv-host=_sip._udp.secure.test,s1.secure.test,5160,10,0",
	"--srv-host=_sips._tls.secure.test,s1.secure.test,5161,10,0",
	"--host-record=s1.secure.test,127.0.0.31",
	"--srv-host=_sips._tcp.srv.test,two.srv.test,5081,10,0",
	NULL,
};

struct result {
	bool done;
	int err;
	char why[200];
	struct cp_dns_target t[CP_DNS_MAX_TARGETS];
	unsigned n;
	uint32_t ttl;
};

static void
on_done(void *arg, int err, const char *why, const struct cp_dns_target *t,
	unsigned n, uint32_t ttl_s)
{
	struct result *r = arg;

	ck_assert(!r->done); /* once */
	r->done = true;
	r->err = err;
	snprintf(r->why, sizeof(r->why), "%s", why);
	memcpy(r->t, t, n * sizeof(*t));
	r->n = n;
	r->ttl = ttl_s;
}

/* Poll dns until r is done, within a bound (not a timing assertion). */
static void
run(struct cp_dns *dns, struct result *r, int bound_ms)
{
	uint64_t end = proc_now_ms() + (uint64_t)bound_ms;

	while (!r->done && proc_now_ms() < end) {
		struct pollfd pfd = { .fd = cp_dns_fd(dns), .events = POLLIN };
		int ms = cp_dns_next_ms(dns);

		poll(&pfd, 1, ms < 0 || ms > 100 ? 100 : ms);
		cp_dns_process(dns);
	}
	ck_assert_msg(r->done, "no answer within %d ms", bound_ms);
	ck_assert_uint_eq(cp_dns_busy(dns), 0);
}

static void
resolve(struct cp_dns *dns, const char *host, uint16_t port,
	enum cp_dns_tp tp, struct result *r)
{
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(cp_dns_resolve_sip(dns, host, port, tp, on_done, r),
			 0);
	run(dns, r, 10000);
}

/* "ADDR:PORT/udp" of target i */
static const char *
tgt(const struct result *r, unsigned i)
{
	static char buf[4][64];
	const struct sockaddr_in *a = (const void *)&r->t[i].addr;
	char ip[INET_ADDRSTRLEN];

	ck_assert_uint_lt(i, r->n);
	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(buf[i % 4], sizeof(buf[0]), "%s:%u/%s", ip,
		 ntohs(a->sin_port),
		 r->t[i].tp == CP_DNS_TLS   ? "tls"
		 : r->t[i].tp == CP_DNS_TCP ? "tcp"
					    : "udp");
	return buf[i % 4];
}

static struct proc dnsmasq;
static struct cp_dns *dns;

static void
dns_setup(void)
{
	char err[200];

	ck_assert_int_eq(proc_dnsmasq(&dnsmasq, "127.0.0.1", DNS_PORT,
				      records),
			 0);
	ck_assert_msg(cp_dns_open(&dns, "127.0.0.1:5353", AF_INET, err,
				  sizeof(err)) == 0,
		      "%s", err);
}

static void
dns_teardown(void)
{
	cp_dns_close(dns);
	dns = NULL;
	proc_stop(&dnsmasq, SIGTERM, 5000);
}

START_TEST(test_dns_naptr_srv_a)
{
	struct result r;

	dns_setup();
	resolve(dns, "carrier.test", 0, CP_DNS_ANY, &r);
	ck_assert_msg(r.err == 0, "%s", r.why);
	/* TCP's NAPTR first (order 10), then UDP's by SRV priority */
	ck_assert_uint_eq(r.n, 3);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.11:5073/tcp");
	ck_assert_str_eq(tgt(&r, 1), "127.0.0.11:5071/udp");
	ck_assert_str_eq(tgt(&r, 2), "127.0.0.12:5072/udp");
	ck_assert_str_eq(r.t[2].name, "p2.carrier.test");
	/* the URI's transport: that SRV name only */
	resolve(dns, "carrier.test", 0, CP_DNS_UDP, &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.11:5071/udp");
	ck_assert_str_eq(tgt(&r, 1), "127.0.0.12:5072/udp");
	resolve(dns, "carrier.test", 0, CP_DNS_TCP, &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.11:5073/tcp");
	dns_teardown();
}
END_TEST

START_TEST(test_dns_srv_a_and_fallbacks)
{
	struct result r;

	dns_setup();
	/* no NAPTR: SRV _sip._udp (and _tcp, none); two addresses */
	resolve(dns, "srv.test", 0, CP_DNS_ANY, &r);
	ck_assert_msg(r.err == 0, "%s", r.why);
	ck_assert_uint_eq(r.n, 2);
	ck_assert(strcmp(tgt(&r, 0), "127.0.0.21:5080/udp") == 0 ||
		  strcmp(tgt(&r, 0), "127.0.0.22:5080/udp") == 0);
	ck_assert_str_ne(tgt(&r, 0), tgt(&r, 1));
	/* neither NAPTR nor SRV: the address, at 5060 */
	resolve(dns, "plain.test", 0, CP_DNS_ANY, &r);
	ck_assert_msg(r.err == 0, "%s", r.why);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.9:5060/udp");
	resolve(dns, "plain.test", 0, CP_DNS_TCP, &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.9:5060/tcp");
	/* a port: the address only, even where SRV records are */
	resolve(dns, "p2.carrier.test", 5099, CP_DNS_ANY, &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.12:5099/udp");
	resolve(dns, "carrier.test", 5099, CP_DNS_ANY, &r);
	ck_assert_int_lt(r.err, 0);
	ck_assert_ptr_nonnull(strstr(r.why, "carrier.test"));
	/* nothing at all */
	resolve(dns, "nx.test", 0, CP_DNS_ANY, &r);
	ck_assert_int_eq(r.err, -ENOENT);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_str_eq(r.why, "no NAPTR, SRV or A records for nx.test");
	resolve(dns, "nx.test", 0, CP_DNS_TCP, &r);
	ck_assert_str_eq(r.why, "no SRV or A records for nx.test");
	resolve(dns, "nx.test", 5060, CP_DNS_TCP, &r);
	ck_assert_str_eq(r.why, "A nx.test: no such records");
	dns_teardown();
}
END_TEST

/* TLS (a sips: URI, ;transport=tls): NAPTR SIPS+D2T and the SRV it names,
 * or SRV _sips._tcp, or the address at 5061; never UDP or plain TCP. */
START_TEST(test_dns_tls)
{
	struct result r;

	dns_setup();
	resolve(dns, "secure.test", 0, CP_DNS_TLS, &r);
	ck_assert_msg(r.err == 0, "%s", r.why);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.31:5161/tls");
	/* the same name for a sip: URI: the UDP NAPTR, not the TLS one */
	resolve(dns, "secure.test", 0, CP_DNS_ANY, &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.31:5160/udp");
	resolve(dns, "srv.test", 0, CP_DNS_TLS, &r);
	ck_assert_msg(r.err == 0, "%s", r.why);
	ck_assert_uint_eq(r.n, 2);
	ck_assert(strcmp(tgt(&r, 0), "127.0.0.21:5081/tls") == 0 ||
		  strcmp(tgt(&r, 0), "127.0.0.22:5081/tls") == 0);
	resolve(dns, "plain.test", 0, CP_DNS_TLS, &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.9:5061/tls");
	resolve(dns, "plain.test", 5099, CP_DNS_TLS, &r);
	ck_assert_str_eq(tgt(&r, 0), "127.0.0.9:5099/tls");
	resolve(dns, "nx.test", 0, CP_DNS_TLS, &r);
	ck_assert_str_eq(r.why, "no NAPTR, SRV or A records for nx.test");
	dns_teardown();
}
END_TEST

START_TEST(test_dns_server_gone)
{
	struct result r;
	char err[200];

	/* refused: a bad server list */
	ck_assert_int_eq(cp_dns_open(&dns, "not-an-address", AF_INET, err,
				     sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not-an-address"));
	/* nobody at the server's port: an error, not a hang */
	ck_assert_int_eq(cp_dns_open(&dns, "127.0.0.1:5354", AF_INET, err,
				     sizeof(err)),
			 0);
	resolve(dns, "carrier.test", 0, CP_DNS_ANY, &r);
	ck_assert_int_lt(r.err, 0);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_ptr_nonnull(strstr(r.why, "carrier.test"));
	/* closing with a resolution under way calls nobody back */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(cp_dns_resolve_sip(dns, "srv.test", 0, CP_DNS_ANY,
					    on_done, &r),
			 0);
	cp_dns_close(dns);
	dns = NULL;
	ck_assert(!r.done);
}
END_TEST

const char *
test_skip_reason(void)
{
	if (access("/usr/sbin/dnsmasq", X_OK) != 0)
		return "dnsmasq (Debian package dnsmasq-base) is not installed";
	return NULL;
}

Suite *
test_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_dns_srv_by_priority_then_weight);
	tcase_add_test(tc, test_dns_naptr_picks_sip_over_udp_and_tcp);
	suite_add_tcase(s, tc);
	tc = tcase_create("dnsmasq");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dns_naptr_srv_a);
	tcase_add_test(tc, test_dns_srv_a_and_fallbacks);
	tcase_add_test(tc, test_dns_tls);
	tcase_add_test(tc, test_dns_server_gone);
	suite_add_tcase(s, tc);
	return s;
}
