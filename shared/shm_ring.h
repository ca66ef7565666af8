/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_ring.h: typed send/receive of struct shm_msg over DPDK rte_rings that
 * live inside the shared region. Both processes include this; it uses only
 * rte_ring's header-only (inline) enqueue/dequeue, so the control plane links
 * no DPDK library. Rings are single producer, single consumer: exactly one
 * thread sends and one thread receives on each ring.
 */
#ifndef TUTTI_SHM_RING_H
#define TUTTI_SHM_RING_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ring_elem.h>

#include "shm_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Send up to n messages. Returns how many were enqueued (0..n); the caller
 * keeps the rest. Any thread, but only the ring's one producer.
 */
static inline unsigned int
shm_ring_send(struct rte_ring *r, const struct shm_msg *msgs, unsigned int n)
{
	return rte_ring_enqueue_burst_elem(r, msgs, sizeof(*msgs), n, NULL);
}

/*
 * Receive up to n messages into msgs. Returns how many were dequeued.
 * Only the ring's one consumer.
 */
static inline unsigned int
shm_ring_recv(struct rte_ring *r, struct shm_msg *msgs, unsigned int n)
{
	return rte_ring_dequeue_burst_elem(r, msgs, sizeof(*msgs), n, NULL);
}

/* Messages waiting in the ring. Any thread; a snapshot. */
static inline unsigned int
shm_ring_count(const struct rte_ring *r)
{
	return rte_ring_count(r);
}

/*
 * Check that the rte_ring at r looks like one the creator initialised for
 * slots messages (name, size, single-producer/single-consumer). Used by
 * attachers before trusting a ring. Returns 0 or -EBADMSG.
 */
int shm_ring_check(const struct rte_ring *r, uint32_t slots);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_SHM_RING_H */
