/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_trust.c: the trust domain's networks (controlplane/trust.c, tutti-cp
 * --trust): parsing IPv4 and IPv6 prefixes and lone addresses, each bad
 * entry refused saying which and why, and membership, at the prefix's edges,
 * for IPv4-mapped IPv6 sources, and over UDP or TCP for "tcp:" networks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "trust.h"

static struct cp_trust_net nets[CP_TRUST_NETS_MAX];
static size_t n_nets;
static char why[160];

static int
parse(const char *list)
{
	why[0] = '\0';
	return cp_trust_parse(list, nets, CP_TRUST_NETS_MAX, &n_nets, why,
			      sizeof(why));
}

/* Is ip (IPv4 or IPv6 text), over TCP or TLS if stream, in nets? */
static bool
has_over(const char *ip, bool stream)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	}
	return cp_trust_has(nets, n_nets, (struct sockaddr *)&ss, stream);
}

/* Is ip in nets over UDP (and so over TCP too: checked)? */
static bool
has(const char *ip)
{
	bool udp = has_over(ip, false);

	ck_assert(!udp || has_over(ip, true));
	return udp;
}

START_TEST(test_trust_ipv4_prefixes)
{
	ck_assert_int_eq(parse("198.18.0.0/24,192.0.2.7,10.0.0.0/8"), 0);
	ck_assert_uint_eq(n_nets, 3);
	ck_assert_uint_eq(nets[0].prefix_len, 24);
	ck_assert_uint_eq(nets[1].prefix_len, 32);
	ck_assert(has("198.18.0.0"));
	ck_assert(has("198.18.0.255"));
	ck_assert(!has("198.18.1.0"));
	ck_assert(!has("198.17.255.255"));
	ck_assert(has("192.0.2.7"));
	ck_assert(!has("192.0.2.6"));
	ck_assert(!has("192.0.2.8"));
	ck_assert(has("10.255.1.2"));
	ck_assert(!has("11.0.0.0"));
	/* an IPv4 source on an IPv6 socket */
	ck_assert(has("::ffff:198.18.0.9"));
	ck_assert(!has("::ffff:198.18.1.9"));
	/* an IPv6 source is not in an IPv4 network */
	ck_assert(!has("::c612:9")); /* 198.18.0.9's bits, not mapped */
	/* prefixes not on a byte boundary */
	ck_assert_int_eq(parse("198.18.0.0/15,203.0.113.64/27"), 0);
	ck_assert(has("198.19.255.255"));
	ck_assert(!has("198.20.0.0"));
	ck_assert(has("203.0.113.95"));
	ck_assert(!has("203.0.113.96"));
	ck_assert(!has("203.0.113.63"));
	/* /0: every IPv4 address, no IPv6 one */
	ck_assert_int_eq(parse("0.0.0.0/0"), 0);
	ck_assert(has("255.255.255.255"));
	ck_assert(!has("2001:db8::1"));
}
END_TEST

START_TEST(test_trust_ipv6_prefixes)
{
	ck_assert_int_eq(parse("[2001:db8:1::]/48,2001:db8:2::5,fc00::/7"), 0);
	ck_assert_uint_eq(n_nets, 3);
	ck_assert_int_eq(nets[0].family, AF_INET6);
	ck_assert(has("2001:db8:1:ffff::1"));
	ck_assert(!has("2001:db8:2::1"));
	ck_assert(has("2001:db8:2::5"));
	ck_assert(!has("2001:db8:2::4"));
	ck_assert(has("fdff::1"));
	ck_assert(has("fc00::1"));
	ck_assert(!has("fe00::1"));
	ck_assert(!has("198.18.0.1"));
	ck_assert_int_eq(parse("[2001:db8::7]"), 0);
	ck_assert_uint_eq(nets[0].prefix_len, 128);
	ck_assert(has("2001:db8::7"));
}
END_TEST

/*
 * "tcp:" before a network: trusted over TCP or TLS only (a UDP source can
 * be forged); the others over both.
 */
START_TEST(test_trust_tcp_only)
{
	ck_assert_int_eq(parse("tcp:198.18.0.0/24,192.0.2.7,tcp:[2001:db8::]/32"),
			 0);
	ck_assert_uint_eq(n_nets, 3);
	ck_assert(nets[0].stream_only && !nets[1].stream_only &&
		  nets[2].stream_only);
	ck_assert_uint_eq(nets[0].prefix_len, 24);
	ck_assert(has_over("198.18.0.9", true));
	ck_assert(!has_over("198.18.0.9", false));
	ck_assert(!has_over("198.18.1.9", true));
	ck_assert(has_over("192.0.2.7", false));
	ck_assert(has_over("192.0.2.7", true));
	ck_assert(has_over("2001:db8::5", true));
	ck_assert(!has_over("2001:db8::5", false));
	ck_assert(has_over("::ffff:198.18.0.9", true));
	ck_assert(!has_over("::ffff:198.18.0.9", false));
}
END_TEST

/* Each bad entry: -EINVAL, and why names it. */
START_TEST(test_trust_refuses_bad_entries)
{
	static const struct {
		const char *list, *says;
	} bad[] = {
		{ "198.18.0.0/33", "'198.18.0.0/33': the prefix length is "
				   "0..32" },
		{ "2001:db8::/129", "the prefix length is 0..128" },
		{ "198.18.0.1/24", "'198.18.0.1/24': address bits set past "
				   "the /24 prefix" },
		{ "2001:db8::1/64", "bits set past the /64" },
		{ "fd00::/7", "'fd00::/7': address bits set past the /7" },
		{ "198.18.0.0/", "the prefix length" },
		{ "198.18.0.0/2x", "the prefix length" },
		{ "198.18.0.0/-1", "the prefix length" },
		{ "198.18.0.0/ 24", "the prefix length" },
		{ "example.com", "'example.com': not an address or a network" },
		{ "198.18.0", "'198.18.0': not an address" },
		{ "198.18.0.0/24,,10.0.0.0/8", "'': not an address" },
		{ "198.18.0.0/24,", "'': not an address" },
		{ "", "'': not an address" },
		{ "/24", "not an address" },
		{ "[198.18.0.1]x", "not an address" },
		{ "tcp:", "'tcp:': not an address or a network" },
		{ "udp:198.18.0.1", "'udp:198.18.0.1': not an address" },
		{ "tcp:198.18.0.1/24", "'tcp:198.18.0.1/24': address bits" },
		{ "tcp:tcp:198.18.0.1", "not an address" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i].list) == -EINVAL, "%s",
			      bad[i].list);
		ck_assert_msg(strstr(why, bad[i].says) != NULL,
			      "%s: '%s' does not say '%s'", bad[i].list, why,
			      bad[i].says);
	}
}
END_TEST

/* CP_TRUST_NETS_MAX networks are taken; one more is -E2BIG. */
START_TEST(test_trust_at_most_max)
{
	char list[CP_TRUST_NETS_MAX * 16 + 16];
	size_t len = 0;

	for (int i = 0; i < CP_TRUST_NETS_MAX; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
					"%s10.0.%d.0/24", i ? "," : "", i);
	ck_assert_int_eq(parse(list), 0);
	ck_assert_uint_eq(n_nets, CP_TRUST_NETS_MAX);
	ck_assert(has("10.0.31.200"));
	ck_assert(!has("10.0.32.1"));
	snprintf(list + len, sizeof(list) - len, ",10.0.99.0/24");
	ck_assert_int_eq(parse(list), -E2BIG);
	ck_assert_msg(strstr(why, "more than 32 networks") != NULL, "%s", why);
	/* nothing at all: nobody */
	n_nets = 0;
	ck_assert(!has("10.0.0.1"));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("nets");

	tcase_add_test(tc, test_trust_ipv4_prefixes);
	tcase_add_test(tc, test_trust_ipv6_prefixes);
	tcase_add_test(tc, test_trust_tcp_only);
	tcase_add_test(tc, test_trust_refuses_bad_entries);
	tcase_add_test(tc, test_trust_at_most_max);
	suite_add_tcase(s, tc);
	return s;
}
