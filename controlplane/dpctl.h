/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpctl.h: the control plane's side of the shared region: attach to the
 * region tutti-dp created, announce ourselves (pid, heartbeat), send typed
 * commands on a worker's ring and match the statuses that come back (each
 * echoes its command's seq), receive events, read the leg table, and notice
 * when the data plane goes away or is replaced. Links no DPDK library (only
 * rte_ring's inline enqueue/dequeue). Control-plane main thread only.
 */
#ifndef TUTTI_CP_DPCTL_H
#define TUTTI_CP_DPCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm_proto.h"
#include "shm_region.h"

/*
 * Called when a command's status arrives, or with -ENOTCONN if the data
 * plane went away first. cmd is the command as sent.
 */
typedef void (*cp_dpctl_status_fn)(void *cookie, const struct shm_msg *cmd,
				   int status);

/* Called for each event that is not a status (stats, DTMF, ...). */
typedef void (*cp_dpctl_event_fn)(void *ctx, unsigned int worker,
				  const struct shm_msg *evt);

struct cp_dpctl_pending {
	struct shm_msg cmd;		/* as sent */
	cp_dpctl_status_fn fn;		/* may be NULL */
	void *cookie;
	uint64_t sent_ns;
};

struct cp_dpctl_worker {
	struct cp_dpctl_pending *pend;	/* FIFO: statuses come in order */
	uint32_t head, tail, mask;	/* head = oldest */
};

struct cp_dpctl {
	struct shm_region region;
	bool up;			/* attached to a live data plane */
	uint64_t generation;		/* of the region attached to */
	uint64_t cp_gen;		/* this process's random id */
	uint32_t dp_pid;
	uint32_t next_seq;
	uint64_t next_beat_ns;
	cp_dpctl_event_fn on_event;
	void *event_ctx;
	struct cp_dpctl_worker w[SHM_MAX_WORKERS];
	/* counters */
	uint64_t n_sent, n_status, n_failed, n_events, n_bad_events;
	uint64_t rtt_ns_last;		/* last command round trip */
};

/* Zero d and set the event callback (may be NULL). */
void cp_dpctl_init(struct cp_dpctl *d, cp_dpctl_event_fn on_event,
		   void *ctx);

/*
 * Attach to the region name (see shm_region_attach() for the returns and
 * err), refuse if another live control plane is attached (-EBUSY), then
 * announce this process in the header. now_ns: CLOCK_MONOTONIC.
 */
int cp_dpctl_attach(struct cp_dpctl *d, const char *name, uint64_t now_ns,
		    char *err, size_t errlen);

/*
 * Leave: fail every pending command with -ENOTCONN, clear our pid from the
 * header (the data plane logs that we left) and unmap. Safe when not up.
 */
void cp_dpctl_detach(struct cp_dpctl *d);

/*
 * Send a command to a worker. Assigns m->hdr.seq (also written back).
 * Returns the seq (> 0), -ENOTCONN when not attached, -EINVAL for an
 * invalid command or worker, -EAGAIN when the worker's ring is full.
 */
int64_t cp_dpctl_send(struct cp_dpctl *d, unsigned int worker,
		      struct shm_msg *m, cp_dpctl_status_fn fn, void *cookie);

/*
 * Beat, drain the event rings, complete pending commands, check that the
 * data plane is alive. Returns the number of events handled, or -ENOTCONN
 * once the data plane is found gone (the reason is in err); the caller then
 * detaches and attaches again when a new one is ready.
 */
int cp_dpctl_poll(struct cp_dpctl *d, uint64_t now_ns, char *err,
		  size_t errlen);

/* Commands sent and not yet answered. */
uint32_t cp_dpctl_pending(const struct cp_dpctl *d);

/*
 * Call fn for every active leg in the data plane's leg table (a consistent
 * copy of each entry). Returns the number of legs.
 */
uint32_t cp_dpctl_legs(struct cp_dpctl *d,
		       void (*fn)(void *ctx, const struct shm_leg_entry *e),
		       void *ctx);

#endif /* TUTTI_CP_DPCTL_H */
