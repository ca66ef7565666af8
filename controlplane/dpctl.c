/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpctl.c: see dpctl.h. Control-plane main thread. The data plane answers
 * the commands of one worker ring in order, so each worker's pending
 * commands are a FIFO and a status must match its head: anything else is a
 * protocol error, counted and logged.
 */
#include "dpctl.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "log.h"
#include "shm_msg.h"
#include "shm_ring.h"

void
cp_dpctl_init(struct cp_dpctl *d, cp_dpctl_event_fn on_event, void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->on_event = on_event;
	d->event_ctx = ctx;
	if (getrandom(&d->cp_gen, sizeof(d->cp_gen), 0) != sizeof(d->cp_gen))
		d->cp_gen = shm_now_ns() ^ (uint64_t)getpid();
	d->next_seq = 1;
}


static void
beat(struct cp_dpctl *d, uint64_t now_ns)
{
	/* Release: pairs with the data plane's acquire in housekeeping. */
	__atomic_store_n(&d->region.hdr->cp_heartbeat_ns, now_ns,
			 __ATOMIC_RELEASE);
	d->next_beat_ns = now_ns + SHM_HEARTBEAT_NS;
}

int
cp_dpctl_attach(struct cp_dpctl *d, const char *name, uint64_t now_ns,
		char *err, size_t errlen)
{
	struct shm_region_hdr *h;
	uint32_t other, slots;
	uint64_t other_beat;
	int rc;

	if (d->up)
		return -EISCONN;
	rc = shm_region_attach(&d->region, name, 0, now_ns, err, errlen);
	if (rc < 0)
		return rc;
	h = d->region.hdr;
	other = __atomic_load_n(&h->cp_pid, __ATOMIC_ACQUIRE);
	other_beat = __atomic_load_n(&h->cp_heartbeat_ns, __ATOMIC_ACQUIRE);
	/* A beat after now_ns (written since our clock was read) is fresh,
	 * not 2^64 ns old. */
	if (other != 0 && other != (uint32_t)getpid() && shm_pid_alive(other) &&
	    (other_beat >= now_ns ||
	     now_ns - other_beat < SHM_HEARTBEAT_STALE_NS)) {
		tutti_errf(err, errlen, "another tutti-cp (pid %u) is attached to "
		    "region %s: the rings have one producer and one consumer, "
		    "so stop it first", other, name);
		shm_region_detach(&d->region);
		return -EBUSY;
	}
	slots = 2 * h->ring_slots;	/* cmd ring + evt ring in flight */
	for (uint32_t w = 0; w < h->n_workers; w++) {
		d->w[w].pend = calloc(slots, sizeof(*d->w[w].pend));
		if (d->w[w].pend == NULL) {
			tutti_errf(err, errlen, "out of memory");
			cp_dpctl_detach(d);
			return -ENOMEM;
		}
		d->w[w].mask = slots - 1;
		d->w[w].head = d->w[w].tail = 0;
	}
	d->generation = h->generation;
	d->dp_pid = h->dp_pid;
	d->up = true;
	h->cp_generation = d->cp_gen;
	beat(d, now_ns);
	/* Release: our heartbeat and generation are visible with the pid. */
	__atomic_store_n(&h->cp_pid, (uint32_t)getpid(), __ATOMIC_RELEASE);
	/* Statuses left from a previous control plane are not ours. */
	for (uint32_t w = 0; w < h->n_workers; w++) {
		struct shm_msg junk[32];

		while (shm_ring_recv(shm_region_evt_ring(&d->region, w), junk,
				     32) > 0)
			;
	}
	return 0;
}

static void
fail_pending(struct cp_dpctl *d)
{
	uint32_t n = d->region.hdr != NULL ? d->region.hdr->n_workers : 0;

	for (uint32_t w = 0; w < n; w++) {
		struct cp_dpctl_worker *q = &d->w[w];

		while (q->pend != NULL && q->head != q->tail) {
			struct cp_dpctl_pending *p = &q->pend[q->head &
							      q->mask];

			q->head++;
			d->n_failed++;
			if (p->fn != NULL)
				p->fn(p->cookie, &p->cmd, -ENOTCONN);
		}
	}
}

void
cp_dpctl_detach(struct cp_dpctl *d)
{
	if (d->region.hdr == NULL)
		return;
	fail_pending(d);
	if (__atomic_load_n(&d->region.hdr->cp_pid, __ATOMIC_ACQUIRE) ==
	    (uint32_t)getpid())
		__atomic_store_n(&d->region.hdr->cp_pid, 0, __ATOMIC_RELEASE);
	for (uint32_t w = 0; w < SHM_MAX_WORKERS; w++) {
		free(d->w[w].pend);
		memset(&d->w[w], 0, sizeof(d->w[w]));
	}
	shm_region_detach(&d->region);
	d->up = false;
}

int64_t
cp_dpctl_send(struct cp_dpctl *d, unsigned int worker, struct shm_msg *m,
	      cp_dpctl_status_fn fn, void *cookie)
{
	struct cp_dpctl_worker *q;
	struct cp_dpctl_pending *p;

	if (!d->up)
		return -ENOTCONN;
	if (worker >= d->region.hdr->n_workers || !shm_msg_is_cmd(m->hdr.type))
		return -EINVAL;
	q = &d->w[worker];
	if (q->tail - q->head > q->mask)
		return -EAGAIN;
	if (d->next_seq == 0)
		d->next_seq = 1;	/* 0 is never a command's seq */
	m->hdr.seq = d->next_seq;
	if (shm_msg_validate(m) != 0)
		return -EINVAL;
	if (shm_ring_send(shm_region_cmd_ring(&d->region, worker), m, 1) != 1)
		return -EAGAIN;
	d->next_seq++;
	p = &q->pend[q->tail & q->mask];
	p->cmd = *m;
	p->fn = fn;
	p->cookie = cookie;
	p->sent_ns = shm_now_ns();
	q->tail++;
	d->n_sent++;
	return m->hdr.seq;
}

static void
handle_status(struct cp_dpctl *d, unsigned int worker,
	      const struct shm_msg *ev)
{
	struct cp_dpctl_worker *q = &d->w[worker];
	struct cp_dpctl_pending *p;

	if (q->head == q->tail || q->pend[q->head & q->mask].cmd.hdr.seq !=
				  ev->hdr.seq) {
		d->n_bad_events++;
		LOG_WARN("worker %u: status for seq %u does not match the "
			 "oldest pending command (seq %u): ignored", worker,
			 ev->hdr.seq, q->head == q->tail ? 0 :
			 q->pend[q->head & q->mask].cmd.hdr.seq);
		return;
	}
	p = &q->pend[q->head & q->mask];
	q->head++;
	d->n_status++;
	d->rtt_ns_last = shm_now_ns() - p->sent_ns;
	if (p->fn != NULL)
		p->fn(p->cookie, &p->cmd, ev->body.status.status);
}

static bool
dp_gone(struct cp_dpctl *d, uint64_t now_ns, char *err, size_t errlen)
{
	const struct shm_region_hdr *h = d->region.hdr;
	uint64_t beat_ns = __atomic_load_n(&h->dp_heartbeat_ns,
					   __ATOMIC_ACQUIRE);

	if (shm_region_state(&d->region) == SHM_STATE_CLOSED) {
		tutti_errf(err, errlen, "tutti-dp pid %u stopped", d->dp_pid);
		return true;
	}
	if (!shm_pid_alive(d->dp_pid)) {
		tutti_errf(err, errlen, "tutti-dp pid %u exited without closing "
		    "the region", d->dp_pid);
		return true;
	}
	if (now_ns > beat_ns && now_ns - beat_ns > SHM_HEARTBEAT_STALE_NS) {
		tutti_errf(err, errlen, "tutti-dp pid %u has not beaten for %" PRIu64
		    " ms", d->dp_pid, (now_ns - beat_ns) / 1000000);
		return true;
	}
	return false;
}

int
cp_dpctl_poll(struct cp_dpctl *d, uint64_t now_ns, char *err, size_t errlen)
{
	int handled = 0;

	if (!d->up)
		return -ENOTCONN;
	if (now_ns >= d->next_beat_ns) {
		beat(d, now_ns);
		if (dp_gone(d, now_ns, err, errlen))
			return -ENOTCONN;
	}
	for (uint32_t w = 0; w < d->region.hdr->n_workers; w++) {
		struct rte_ring *r = shm_region_evt_ring(&d->region, w);
		struct shm_msg ev[32];
		unsigned int n;

		while ((n = shm_ring_recv(r, ev, 32)) > 0) {
			for (unsigned int i = 0; i < n; i++) {
				handled++;
				if (shm_msg_validate(&ev[i]) != 0 ||
				    shm_msg_is_cmd(ev[i].hdr.type)) {
					d->n_bad_events++;
					continue;
				}
				if (ev[i].hdr.type == SHM_EVT_STATUS) {
					handle_status(d, w, &ev[i]);
					continue;
				}
				d->n_events++;
				if (d->on_event != NULL)
					d->on_event(d->event_ctx, w, &ev[i]);
			}
		}
	}
	return handled;
}

uint32_t
cp_dpctl_pending(const struct cp_dpctl *d)
{
	uint32_t n = 0;

	if (!d->up)
		return 0;
	for (uint32_t w = 0; w < d->region.hdr->n_workers; w++)
		n += d->w[w].tail - d->w[w].head;
	return n;
}

uint32_t
cp_dpctl_legs(struct cp_dpctl *d,
	      void (*fn)(void *ctx, const struct shm_leg_entry *e), void *ctx)
{
	uint32_t n = 0;

	if (!d->up)
		return 0;
	for (uint32_t w = 0; w < d->region.hdr->n_workers; w++) {
		uint32_t n_slots;
		struct shm_leg_entry *legs = shm_region_legs(&d->region, w,
							     &n_slots);

		for (uint32_t i = 0; i < n_slots; i++) {
			struct shm_leg_entry copy;

			if (__atomic_load_n(&legs[i].state, __ATOMIC_RELAXED) !=
			    SHM_LEG_ACTIVE)
				continue;
			shm_read_leg(&legs[i], &copy);
			if (copy.state != SHM_LEG_ACTIVE)
				continue;
			n++;
			if (fn != NULL)
				fn(ctx, &copy);
		}
	}
	return n;
}
