/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_steer.c: rte_flow steering of legs' UDP ports (dataplane/steer.h)
 * on real ports: a net_ring port (no rte_flow: steering stays off, with the
 * reason), one receive queue (nothing to steer), and net_tap, whose driver
 * has rte_flow through the kernel's tc. Where the kernel has the multiq
 * qdisc and the flower classifier the rules are created and destroyed;
 * where it lacks them (as on this project's machines) net_tap validates
 * rules but the kernel refuses them, and the refusals are counted, then no
 * more rules are asked for until one is destroyed. Run by in_netns.sh in a
 * network namespace of its own (root: the tap device lives and dies
 * there).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "check_main.h"
#include "port.h"
#include "steer.h"

static struct rte_mempool *pool;
static uint32_t dp_ip;

const char *
test_skip_reason(void)
{
	if (geteuid() != 0)
		return "needs root for a tap device in a network namespace";
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		return "needs /dev/net/tun";
	return NULL;
}

/* EAL with one tap port (port 0), in this process (each test is a fork). */
static void
setup(void)
{
	char prefix[64];
	char *argv[] = { "test_steer", "-l", "0", "--no-huge", "-m", "256",
			 "--no-pci", "--no-shconf", "--no-telemetry",
			 "--log-level=lib.eal:error", "--log-level=pmd.net.tap:"
			 "critical", "--vdev", "net_tap0,iface=tsteer0",
			 "--file-prefix", prefix, NULL };

	snprintf(prefix, sizeof(prefix), "test_steer_%d", (int)getpid());
	ck_assert_int_ge(rte_eal_init(15, argv), 0);
	pool = rte_pktmbuf_pool_create("steer_pool", 4095, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	ck_assert_ptr_nonnull(pool);
	inet_pton(AF_INET, "198.18.0.2", &dp_ip);
}

static void
teardown(void)
{
	dp_steer_fini();
	rte_eal_cleanup();
}

static void
tap_port(struct dp_port *p, uint16_t n_workers)
{
	char err[256] = "";

	ck_assert_msg(dp_port_init(p, 0, n_workers, dp_ip, 0, pool, 256, 256,
				   err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(p->driver, "net_tap");
	ck_assert_uint_eq(p->n_rxq, n_workers);
}

START_TEST(test_steer_one_queue_is_off)
{
	struct dp_steer_stats st;
	struct dp_port p;
	char why[256] = "";

	tap_port(&p, 1);
	ck_assert_int_eq(dp_steer_add_port(p.port_id, p.n_rxq, &dp_ip, 0, 1,
					   why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "one receive queue"));
	ck_assert(!dp_steer_is_on());
	dp_steer_request(0, 20000, 0, true);
	ck_assert_uint_eq(dp_steer_service(64), 0);
	dp_steer_stats(&st);
	ck_assert_uint_eq(st.requests, 0);
	dp_port_fini(&p);
}
END_TEST

/* A ring-backed port of two queues, named name, started as p. */
static void
ring_port(struct dp_port *p, const char *name)
{
	struct rte_ring *r[2];
	char err[256] = "";
	int id;

	for (int q = 0; q < 2; q++) {
		char rn[32];

		snprintf(rn, sizeof(rn), "%s_r%d", name, q);
		r[q] = rte_ring_create(rn, 1024, 0, 0);
		ck_assert_ptr_nonnull(r[q]);
	}
	id = rte_eth_from_rings(name, r, 2, r, 2, 0);
	ck_assert_int_ge(id, 0);
	ck_assert_msg(dp_port_init(p, (uint16_t)id, 2, dp_ip, 0, pool, 256, 256,
				   err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(p->n_rxq, 2);
}

START_TEST(test_steer_ring_port_has_no_flow)
{
	struct dp_port p;
	char why[256] = "";

	ring_port(&p, "steer_ring");
	ck_assert_int_eq(dp_steer_add_port(p.port_id, p.n_rxq, &dp_ip, 0, 1,
					   why, sizeof(why)), 0);
	ck_assert_msg(strstr(why, "takes no rte_flow rule") != NULL, "%s",
		      why);
	ck_assert(!dp_steer_is_on());
	dp_port_fini(&p);
}
END_TEST

/* Two workers on a tap port with two addresses: rules per leg port (the
 * same port on each address, each its own), or refusals counted. */
START_TEST(test_steer_tap_rules)
{
	struct dp_steer_stats st;
	struct dp_port p;
	char why[256] = "";
	uint32_t n_legs = DP_STEER_FAIL_RUN;	/* two ports each */
	uint32_t ips[2] = { dp_ip, htonl(ntohl(dp_ip) + 1) };

	tap_port(&p, 2);
	ck_assert_int_eq(dp_steer_add_port(p.port_id, p.n_rxq, ips, 0, 2,
					   why, sizeof(why)), 1);
	ck_assert(dp_steer_is_on());
	/* leg i: address i & 1, port 20000 + 2 * (i / 2) */
	for (uint32_t i = 0; i < n_legs; i++)
		dp_steer_request(i & 1, (uint16_t)(20000 + 2 * (i / 2)),
				 (uint16_t)(i & 1), true);
	/* the budget is honoured, and the rest waits in order */
	ck_assert_uint_eq(dp_steer_service(3), 3);
	ck_assert_uint_eq(dp_steer_service(1000), n_legs - 3);
	ck_assert_uint_eq(dp_steer_service(1000), 0);
	dp_steer_stats(&st);
	ck_assert_uint_eq(st.requests, n_legs);
	ck_assert_uint_eq(st.lost, 0);
	if (st.created != 0) {
		/* a kernel with multiq and flower: every port has its rule */
		fprintf(stderr, "test_steer: the kernel takes the rules\n");
		ck_assert_uint_eq(st.created, 2 * n_legs);
		ck_assert_uint_eq(st.rules, 2 * n_legs);
		ck_assert_uint_eq(st.failed, 0);
		for (uint32_t i = 0; i < n_legs; i++)
			dp_steer_request(i & 1,
					 (uint16_t)(20000 + 2 * (i / 2)), 0,
					 false);
		ck_assert_uint_eq(dp_steer_service(1000), n_legs);
		dp_steer_stats(&st);
		ck_assert_uint_eq(st.destroyed, 2 * n_legs);
		ck_assert_uint_eq(st.rules, 0);
	} else {
		/* net_tap validated the rule, the kernel refuses it: after
		 * DP_STEER_FAIL_RUN refusals no more are asked for */
		fprintf(stderr, "test_steer: the kernel refuses the rules "
			"(no multiq or flower)\n");
		ck_assert_uint_eq(st.failed, DP_STEER_FAIL_RUN);
		ck_assert_uint_eq(st.skipped, 2 * n_legs - DP_STEER_FAIL_RUN);
		ck_assert_uint_eq(st.rules, 0);
		dp_steer_request(0, 30000, 1, true);
		ck_assert_uint_eq(dp_steer_service(1000), 1);
		dp_steer_stats(&st);
		ck_assert_uint_eq(st.failed, DP_STEER_FAIL_RUN);
		ck_assert_uint_eq(st.skipped, 2 * n_legs - DP_STEER_FAIL_RUN + 2);
		/* removing a leg that has no rule changes nothing */
		dp_steer_request(0, 20000, 0, false);
		ck_assert_uint_eq(dp_steer_service(1000), 1);
		dp_steer_stats(&st);
		ck_assert_uint_eq(st.destroyed, 0);
	}
	dp_port_fini(&p);
}
END_TEST

/* Two ports: a ring port (no rte_flow) with address 0 and a tap port with
 * address 1. Steering is on for the tap port's address only: requests
 * for address 0 are taken from the ring and ask the driver nothing;
 * those for address 1 go to the tap port (created, or refused by a
 * kernel without multiq and flower). Addresses beyond 16 are refused. */
START_TEST(test_steer_two_ports_each_its_own)
{
	struct dp_steer_stats st;
	struct dp_port ring, tap;
	uint32_t ip1 = htonl(ntohl(dp_ip) + 1);
	char why[256] = "";

	ring_port(&ring, "steer_ring2");
	tap_port(&tap, 2);
	ck_assert_int_eq(dp_steer_add_port(ring.port_id, ring.n_rxq, &dp_ip,
					   0, 1, why, sizeof(why)), 0);
	ck_assert(!dp_steer_is_on());
	ck_assert_int_eq(dp_steer_add_port(tap.port_id, tap.n_rxq, &ip1, 1, 1,
					   why, sizeof(why)), 1);
	ck_assert(dp_steer_is_on());
	ck_assert_int_eq(dp_steer_add_port(tap.port_id, tap.n_rxq, &ip1, 16,
					   1, why, sizeof(why)), -EINVAL);
	dp_steer_request(0, 20000, 1, true);
	dp_steer_request(0, 20002, 1, true);
	dp_steer_request(1, 20000, 1, true);
	dp_steer_request(1, 20002, 1, true);
	ck_assert_uint_eq(dp_steer_service(1000), 4);
	dp_steer_stats(&st);
	ck_assert_uint_eq(st.requests, 4);
	/* address 1's two legs, RTP and RTCP each; nothing for address 0 */
	ck_assert_uint_eq(st.created + st.failed, 4);
	ck_assert_uint_eq(st.skipped, 0);
	ck_assert_uint_eq(st.rules, st.created);
	dp_port_fini(&tap);
	dp_port_fini(&ring);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("steer");
	TCase *tc = tcase_create("steer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_steer_one_queue_is_off);
	tcase_add_test(tc, test_steer_ring_port_has_no_flow);
	tcase_add_test(tc, test_steer_tap_rules);
	tcase_add_test(tc, test_steer_two_ports_each_its_own);
	suite_add_tcase(s, tc);
	return s;
}
