/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * io.h: the packet path of a worker: receive bursts, the packet edge
 * (net.h: ARP, ICMP echo, IPv4/UDP), steering to the worker that owns the
 * leg, RTP and RTCP in (rtp.h, rtcp.h) to the conference tick (tick.h),
 * the ticks themselves on their ptime from the TSC, and RTP, RTCP and ARP
 * out in bursts.
 *
 * Steering. Each worker has its own transmit queue. A worker polls its own
 * receive queue if the port has one for it; the others are fed only by
 * software dispatch: a UDP packet whose destination port belongs to a leg
 * of another worker goes to that worker's dispatch ring (rte_ring, many
 * producers, one consumer) and is classified again there. The owner of
 * every local port is in one table all workers read, written only by the
 * owner on leg add/remove. Where the port takes rte_flow rules, steer.h
 * puts each leg's ports on its owner's receive queue, so that dispatch is
 * needed only until the rule is in place (or where the driver refuses
 * one). af_packet, memif, net_ring and net_null have no rte_flow; net_tap
 * has it where the kernel has the multiq qdisc and flower classifier.
 *
 * Ports. A worker does all this on each port it is attached to (up to
 * DP_PORTS_MAX): a receive queue where the port has one for it, and a
 * transmit queue on each. Each port has its own addresses (dp_io_key()'s
 * indexes run over them all, the first port's first), prefixes, gateway
 * and VLAN; a frame is classified against the addresses of the port it
 * came in on (a packet handed on to its owner carries that port's index
 * in m->port), and a leg's packets go out of its local address's port.
 * Next hops are learnt per port.
 *
 * Next hop. A leg's packets go to the source MAC of the last valid RTP
 * packet from it (so a router in between is learnt too); before the first
 * packet, to the MAC from an ARP reply (a request is sent once a second
 * while it is unknown). Until then its packets are dropped and counted
 * (SHM_DROP_NO_ARP).
 *
 * Hot path, owning worker, no allocation, no locks, no logging; dp_io_init
 * and dp_io_attach are cold.
 */
#ifndef TUTTI_DP_IO_H
#define TUTTI_DP_IO_H

#include <stdint.h>

#include "lcore.h"
#include "tick.h"

#define DP_IO_NO_OWNER		0xff
#define DP_IO_DISPATCH_SLOTS	4096	/* per worker ring, packets */

/* The ports' owner table and the dispatch rings for n_workers (cold).
 * Returns 0 or -ENOMEM. */
int dp_io_init(unsigned int n_workers);

/* Free what dp_io_init() made (cold). */
void dp_io_fini(void);

/* Give worker lc its queues on the n_ports ports at ports (receive queue
 * lc->worker on each that has that many; up to DP_PORTS_MAX), their
 * addresses (dp_io_key()'s indexes: the first port's, then the next's)
 * and pool; transmit checksums offloaded where a port can. Shared
 * payloads are copied into each packet; the caller may set lc->tx_zc
 * afterwards if every port's tx_multi_seg (io.h: dp_io_tick_send).
 * Returns 0, -EINVAL (too many ports), -ENOSPC (more than
 * DP_NET_ADDRS_MAX addresses in all) or -ENOMEM: no room for the legs of
 * their addresses (lc still has the old room and, until attached again,
 * no port). */
int dp_io_attach(struct dp_lcore *lc, const struct dp_port *ports,
		 unsigned int n_ports, struct rte_mempool *pool);

/* Give back the mbufs lc holds for sending (before its pool goes;
 * cold). */
void dp_io_detach(struct dp_lcore *lc);

/* Receive, run due ticks, send. Returns the work done: packets handled
 * and ticks run (the worker counts its busy time by it). */
unsigned int dp_io_poll(struct dp_lcore *lc, uint64_t now);

/* Send what is queued, on every port. */
void dp_io_flush(struct dp_lcore *lc);

/* A local UDP port on the port's address of index addr_idx (enum
 * DP_NET_ADDRS_MAX): the key of the legs' and owners' tables. */
static inline uint32_t
dp_io_key(unsigned int addr_idx, uint16_t port)
{
	return (uint32_t)addr_idx << 16 | port;
}

/* Claim a local RTP port and address (dp_io_key(); and port + 1 for RTCP)
 * for lc's worker; -EADDRINUSE if another worker has it. Release it again.
 * Owning worker, cold. */
int dp_io_port_claim(struct dp_lcore *lc, uint32_t key);
void dp_io_port_release(struct dp_lcore *lc, uint32_t key);

/* The addressing of a leg from its command (cold): 0, or -EADDRNOTAVAIL
 * if its local address is not one lc's port owns (rt unchanged). */
int dp_io_leg_flow(struct dp_lcore *lc, struct dp_leg_rt *rt,
		   const struct shm_msg_leg *l);

/* On the owning worker: leg table counters, RTCP reports, ARP requests
 * for legs whose next hop is unknown, for every leg at once; and, while
 * lc->announce_left says (worker 0, from its start), an RFC 5227
 * announcement of every port's addresses every DP_ARP_ANNOUNCE_S. */
void dp_io_housekeeping(struct dp_lcore *lc, uint64_t now);

/*
 * The same for at most budget leg slots, from where the last call stopped
 * (lc->hk_next). Returns true when the pass over every slot is complete
 * (the next call starts another). The worker loop spreads each 100 ms
 * pass over its iterations this way: one walk over 20,000 legs at once
 * is milliseconds of cache misses during which the receive ring fills.
 */
bool dp_io_housekeeping_step(struct dp_lcore *lc, uint64_t now,
			     uint32_t budget);

/*
 * Callbacks of the tick (arg is the struct dp_lcore *). A shared payload
 * (o->shared) is summed once per tick and, with lc->tx_zc, copied once
 * into a carrier mbuf that every listener's packet chains as an external
 * buffer; dp_io_tick_done() must follow each dp_tick_run() that sent with
 * dp_io_tick_send(): it protects and sends the tick's SRTP packets still
 * queued, and lets go of its shared payloads.
 */
void dp_io_tick_send(void *arg, const struct dp_tick_out *o);
void dp_io_tick_done(struct dp_lcore *lc);
int dp_io_evt(void *arg, const struct shm_msg *m);

#endif /* TUTTI_DP_IO_H */
