/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl.h: drain the worker's command ring and apply each command to the
 * worker's conferences and its leg table partition, answering each with a
 * SHM_EVT_STATUS that echoes its seq. Worker lcore, bounded work per poll
 * (DP_CTL_BUDGET); never blocks. Handlers are idempotent so a control plane
 * can replay its whole state after a data-plane restart.
 */
#ifndef TUTTI_DP_CTL_H
#define TUTTI_DP_CTL_H

#include <stdint.h>

#include "lcore.h"

/*
 * Apply up to DP_CTL_BUDGET commands. Stops early, leaving commands queued,
 * while the event ring lacks room for their statuses, so no answer is ever
 * lost. Returns how many commands were applied.
 */
unsigned int dp_ctl_poll(struct dp_lcore *lc, uint64_t now);

/*
 * Apply one validated or unvalidated command. Returns the status sent back
 * (0 or -errno). Exposed for tests.
 */
int dp_ctl_apply(struct dp_lcore *lc, const struct shm_msg *m);

/*
 * Send an event (status, stats, timeout, ...); counts SHM_DROP_EVT_FULL if
 * the ring is full. Returns 0 or -ENOBUFS. While no control plane is
 * attached (lc->evt_muted, see dp_ctl_set_cp_lost) events other than
 * statuses are not offered at all: counted SHM_DROP_EVT_NO_CP, -ENOTCONN.
 * A control plane empties the ring when it attaches (it cannot use what
 * an earlier one was sent), so nothing it needs is lost that way.
 */
int dp_ctl_send_evt(struct dp_lcore *lc, const struct shm_msg *m);

/*
 * The main lcore found control plane pid dead (no heartbeat), or 0: it is
 * back. Workers stop offering events while the region's cp_pid is 0 or
 * this pid, and start again at their next control poll after another
 * control plane attaches (any thread).
 */
void dp_ctl_set_cp_lost(uint32_t pid);

/* Find a conference of this worker, or NULL. */
struct dp_conf *dp_ctl_conf_find(struct dp_lcore *lc, uint32_t conf_id);

/* Find a leg table entry of this worker by leg id, or NULL. */
struct shm_leg_entry *dp_ctl_leg_find(struct dp_lcore *lc, uint32_t leg_id);

#endif /* TUTTI_DP_CTL_H */
