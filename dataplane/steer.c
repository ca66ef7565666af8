/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * steer.c: rte_flow rules putting each leg's UDP ports on its worker's
 * receive queue (see steer.h). Workers enqueue requests; the main lcore
 * owns the rules.
 */
#include "steer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_flow.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "log.h"
#include "net.h"

#define REQ_SLOTS	8192	/* pending requests, all workers */
/* a request: UDP port | address index << 16 | queue << 20 | REQ_ADD */
#define REQ_ADD		(1u << 31)
#define REQ_QUEUE_MAX	0x7ffu

_Static_assert(DP_NET_ADDRS_MAX <= 16, "address index in 4 bits");

static struct {
	bool on;
	/* by address index: its port, the address, steered there or not */
	uint16_t port_id[DP_NET_ADDRS_MAX];
	uint32_t ipv4[DP_NET_ADDRS_MAX];
	bool addr_on[DP_NET_ADDRS_MAX];
	struct rte_ring *req;
	/* by address index << 16 | UDP port; main lcore only */
	struct rte_flow **rule;		/* [DP_NET_ADDRS_MAX << 16] */
	uint16_t *queue;		/* [DP_NET_ADDRS_MAX << 16] */
	uint32_t fail_run;		/* refusals in a row */
	uint64_t requests, lost;	/* workers: atomic */
	struct dp_steer_stats st;	/* the rest: main lcore */
} s;

/* Create (queue) or validate (!create) the rule for one UDP port of one
 * address (index << 16 | port). */
static int
rule(uint32_t key, uint16_t queue, bool create, struct rte_flow **out,
     struct rte_flow_error *e)
{
	const uint16_t udp_port = (uint16_t)key;
	const struct rte_flow_attr attr = { .ingress = 1 };
	const uint16_t port_id = s.port_id[key >> 16];
	const struct rte_flow_item_ipv4 ip_spec = {
		.hdr.dst_addr = s.ipv4[key >> 16] };
	const struct rte_flow_item_ipv4 ip_mask = {
		.hdr.dst_addr = RTE_BE32(0xffffffff) };
	const struct rte_flow_item_udp udp_spec = {
		.hdr.dst_port = rte_cpu_to_be_16(udp_port) };
	const struct rte_flow_item_udp udp_mask = {
		.hdr.dst_port = RTE_BE16(0xffff) };
	const struct rte_flow_item pattern[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec,
		  .mask = &ip_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_spec,
		  .mask = &udp_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	const struct rte_flow_action_queue q = { .index = queue };
	const struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};

	memset(e, 0, sizeof(*e));
	if (!create)
		return rte_flow_validate(port_id, &attr, pattern, actions, e);
	*out = rte_flow_create(port_id, &attr, pattern, actions, e);
	return *out != NULL ? 0 : -rte_errno;
}

int
dp_steer_add_port(uint16_t port_id, uint16_t n_rxq, const uint32_t *ipv4,
		  unsigned int addr_base, unsigned int n_addrs, char *why,
		  size_t whylen)
{
	struct rte_flow_error e;
	int rc;

	if (n_addrs == 0 || addr_base + n_addrs > DP_NET_ADDRS_MAX)
		return -EINVAL;
	for (unsigned int a = 0; a < n_addrs; a++) {
		s.port_id[addr_base + a] = port_id;
		s.ipv4[addr_base + a] = ipv4[a];
	}
	if (n_rxq < 2) {
		snprintf(why, whylen, "one receive queue, nothing to steer");
		return 0;
	}
	/* a port in the RTP range of the defaults, the last queue */
	rc = rule((uint32_t)addr_base << 16 | 20000, (uint16_t)(n_rxq - 1),
		  false, NULL, &e);
	if (rc != 0) {
		snprintf(why, whylen, "the driver takes no rte_flow rule "
			 "IPv4 dst / UDP dst -> queue (%s%s%s)",
			 strerror(-rc), e.message != NULL ? ": " : "",
			 e.message != NULL ? e.message : "");
		return 0;
	}
	if (s.req == NULL) {
		s.rule = calloc((size_t)DP_NET_ADDRS_MAX << 16,
				sizeof(*s.rule));
		s.queue = calloc((size_t)DP_NET_ADDRS_MAX << 16,
				 sizeof(*s.queue));
		s.req = rte_ring_create_elem("dp_steer_req", sizeof(uint32_t),
					     REQ_SLOTS, SOCKET_ID_ANY,
					     RING_F_SC_DEQ);
		if (s.req == NULL || s.rule == NULL || s.queue == NULL) {
			dp_steer_fini();
			return -ENOMEM;
		}
	}
	for (unsigned int a = 0; a < n_addrs; a++)
		s.addr_on[addr_base + a] = true;
	__atomic_store_n(&s.on, true, __ATOMIC_RELEASE);
	snprintf(why, whylen, "rte_flow rules per leg");
	return 1;
}

bool
dp_steer_is_on(void)
{
	return __atomic_load_n(&s.on, __ATOMIC_ACQUIRE);
}

void
dp_steer_request(unsigned int addr_idx, uint16_t udp_port, uint16_t queue,
		 bool add)
{
	uint32_t r = udp_port | (uint32_t)(addr_idx & 0xf) << 16 |
		     (uint32_t)(queue & REQ_QUEUE_MAX) << 20 |
		     (add ? REQ_ADD : 0);

	if (!dp_steer_is_on())
		return;
	__atomic_fetch_add(&s.requests, 1, __ATOMIC_RELAXED);
	if (rte_ring_mp_enqueue_elem(s.req, &r, sizeof(r)) != 0)
		__atomic_fetch_add(&s.lost, 1, __ATOMIC_RELAXED);
}

/* Remove the rule of one UDP port of one address, if any. */
static void
drop_rule(uint32_t p)
{
	struct rte_flow_error e;

	if (s.rule[p] == NULL)
		return;
	if (rte_flow_destroy(s.port_id[p >> 16], s.rule[p], &e) == 0) {
		s.st.destroyed++;
		s.fail_run = 0;	/* room again */
	} else {
		s.st.failed++;
	}
	s.rule[p] = NULL;
	s.st.rules--;
}

/* Put one UDP port of one address on queue q. */
static void
set_rule(uint32_t p, uint16_t q)
{
	struct rte_flow_error e;
	struct rte_flow *f;

	if (s.rule[p] != NULL && s.queue[p] == q)
		return;
	drop_rule(p);
	if (s.fail_run >= DP_STEER_FAIL_RUN) {
		s.st.skipped++;
		return;
	}
	if (rule(p, q, true, &f, &e) != 0) {
		s.st.failed++;
		if (++s.fail_run == DP_STEER_FAIL_RUN)
			LOG_WARN("port %u: the driver refused %u rte_flow rules "
				 "in a row (last: %s): new legs go by software "
				 "dispatch until a rule is removed",
				 s.port_id[p >> 16],
				 DP_STEER_FAIL_RUN, e.message != NULL ? e.message :
				 strerror(rte_errno));
		return;
	}
	s.fail_run = 0;
	s.rule[p] = f;
	s.queue[p] = q;
	s.st.created++;
	s.st.rules++;
}

unsigned int
dp_steer_service(unsigned int budget)
{
	unsigned int done = 0;
	uint32_t r;

	if (!dp_steer_is_on())
		return 0;
	while (done < budget &&
	       rte_ring_sc_dequeue_elem(s.req, &r, sizeof(r)) == 0) {
		uint16_t port = (uint16_t)r;
		uint16_t q = (uint16_t)(r >> 20 & REQ_QUEUE_MAX);
		uint32_t a = r >> 16 & 0xf;

		for (uint32_t p = port; p <= (uint32_t)port + 1 && p < 65536;
		     p++) {
			if (a >= DP_NET_ADDRS_MAX || !s.addr_on[a])
				break;
			if (r & REQ_ADD)
				set_rule(a << 16 | p, q);
			else
				drop_rule(a << 16 | p);
		}
		done++;
	}
	return done;
}

void
dp_steer_stats(struct dp_steer_stats *st)
{
	*st = s.st;
	st->requests = __atomic_load_n(&s.requests, __ATOMIC_RELAXED);
	st->lost = __atomic_load_n(&s.lost, __ATOMIC_RELAXED);
}

void
dp_steer_fini(void)
{
	if (s.req != NULL && s.rule != NULL)
		for (uint32_t p = 0; p < (DP_NET_ADDRS_MAX << 16); p++)
			drop_rule(p);
	rte_ring_free(s.req);
	free(s.rule);
	free(s.queue);
	memset(&s, 0, sizeof(s));
}
