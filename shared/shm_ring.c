/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_ring.c: checks on rings found in a mapped region. Both processes; cold
 * path (attach time only). Links no DPDK library.
 */
#include "shm_ring.h"

#include <errno.h>

int
shm_ring_check(const struct rte_ring *r, uint32_t slots)
{
	if (r->size != slots || r->mask != slots - 1 ||
	    r->capacity != slots - 1)
		return -EBADMSG;
	if (r->prod.sync_type != RTE_RING_SYNC_ST ||
	    r->cons.sync_type != RTE_RING_SYNC_ST)
		return -EBADMSG;
	if (r->prod.tail - r->cons.tail > r->capacity)
		return -EBADMSG;
	return 0;
}
