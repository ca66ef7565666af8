/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * steer.h: rte_flow steering of the legs' UDP ports to the receive queue of
 * the worker that owns them, on ports that support it (io.h explains the
 * software dispatch that works on every port and covers the rest).
 *
 * A worker claiming a local port (leg added) asks for two rules, the RTP
 * port and the RTCP port above it: ETH / IPV4 dst = the leg's local address /
 * UDP dst = port -> QUEUE (the worker's receive queue). Creating a rule is
 * a driver call that can take milliseconds (a firmware or netlink round
 * trip), too long for a worker with conferences to tick, so the worker only
 * enqueues the request (lock-free ring, no allocation) and the main lcore
 * creates and destroys the rules in its housekeeping. Until a rule exists,
 * or if the driver refuses it (its table is full), the leg's packets reach
 * their owner by software dispatch: steering makes them cheaper, never
 * possible. Requests of one port are applied in the order made. After a
 * run of refusals no rule is asked for until one has been destroyed.
 *
 * Used only with more than one worker and a port with a receive queue for
 * each (with one queue there is nothing to steer).
 */
#ifndef TUTTI_DP_STEER_H
#define TUTTI_DP_STEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Refusals in a row after which no more rules are asked for until one is
 * destroyed (the driver's table is full, or it validates rules it cannot
 * create: net_tap without the kernel's multiq and flower). */
#define DP_STEER_FAIL_RUN	16

struct dp_steer_stats {
	uint64_t requests;	/* made by workers */
	uint64_t lost;		/* the request ring was full */
	uint64_t created;	/* rules created */
	uint64_t destroyed;
	uint64_t failed;	/* refused by the driver */
	uint64_t skipped;	/* not asked for: it refused many in a row */
	uint32_t rules;		/* rules in place now */
};

/*
 * Probe port_id (started, n_rxq receive queues, owning the n_addrs
 * addresses at ipv4, network order, of indexes addr_base on: dp_io_key()'s)
 * with rte_flow_validate() of a rule of the kind above and, if the driver
 * takes it, steer their legs (the request ring made with the first such
 * port). Cold, main lcore; once for each port, after dp_steer_fini() (or
 * at start). Returns 1 when steering is on for the port, 0 when the port
 * cannot (why says why, for the log), -EINVAL (no addresses, or more than
 * DP_NET_ADDRS_MAX in all) or -ENOMEM.
 */
int dp_steer_add_port(uint16_t port_id, uint16_t n_rxq, const uint32_t *ipv4,
		      unsigned int addr_base, unsigned int n_addrs, char *why,
		      size_t whylen);

/* Destroy every rule and the ring (cold, after the workers stopped). */
void dp_steer_fini(void);

/* Whether dp_steer_add_port() turned steering on for any port. */
bool dp_steer_is_on(void);

/*
 * Worker: ask for udp_port and udp_port + 1 of the address of index
 * addr_idx (as given to dp_steer_add_port()) to go to queue (add), or to
 * be left to RSS and dispatch again (!add). No-op when steering is off
 * (for its port: the request is dropped when applied).
 * Lock-free, no allocation; a full ring is counted and the leg stays on
 * software dispatch.
 */
void dp_steer_request(unsigned int addr_idx, uint16_t udp_port,
		      uint16_t queue, bool add);

/* Main lcore: apply up to budget pending requests. Returns how many. */
unsigned int dp_steer_service(unsigned int budget);

/* The counters (main lcore). */
void dp_steer_stats(struct dp_steer_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_STEER_H */
