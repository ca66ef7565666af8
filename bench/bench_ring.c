/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_ring.c: messages per second through one shared-memory command ring
 * (struct shm_msg, 64 bytes, rte_ring SP/SC inside a POSIX shm region, as
 * tutti-cp and tutti-dp use it).
 *
 *   ring/pingpong_burst/B   one thread enqueues B then dequeues B
 *   ring/1p1c/B             a producer thread and a consumer thread, bursts
 *                           of B, the consumer checking order: what the
 *                           README's command for it runs (one producer,
 *                           one consumer)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gb_shim.h"
#include "shm_msg.h"
#include "shm_region.h"
#include "shm_ring.h"

#define BATCH	(1u << 20)	/* messages per timed iteration of 1p1c */

static struct shm_region region;

static void
pingpong(struct gb_state *st, void *arg)
{
	struct rte_ring *r = shm_region_cmd_ring(&region, 0);
	unsigned int burst = (unsigned int)gb_range(st, 0);
	struct shm_msg in[64], out[64];
	uint32_t seq = 0;

	(void)arg;
	for (unsigned int i = 0; i < burst; i++)
		shm_msg_init(&in[i], SHM_CMD_LEG_REMOVE, 0, 0);
	while (gb_keep_running(st)) {
		for (unsigned int i = 0; i < burst; i++)
			in[i].hdr.seq = seq++;
		if (shm_ring_send(r, in, burst) != burst ||
		    shm_ring_recv(r, out, burst) != burst) {
			gb_skip_with_error(st, "ring lost messages");
			break;
		}
		gb_do_not_optimize(out);
	}
	gb_set_items(st, gb_iterations(st) * burst);
}

struct consumer {
	struct rte_ring *r;
	unsigned int burst;
	uint64_t want;		/* messages to receive in this batch */
	uint32_t next;		/* sequence number expected next */
	uint64_t bad;		/* out of order */
};

static void *
consume(void *arg)
{
	struct consumer *c = arg;
	struct shm_msg m[64];
	uint64_t got = 0;

	while (got < c->want) {
		unsigned int n = shm_ring_recv(c->r, m, c->burst);

		for (unsigned int i = 0; i < n; i++)
			c->bad += m[i].hdr.seq != c->next++;
		got += n;
	}
	return NULL;
}

static void
one_producer_one_consumer(struct gb_state *st, void *arg)
{
	struct rte_ring *r = shm_region_cmd_ring(&region, 0);
	unsigned int burst = (unsigned int)gb_range(st, 0);
	struct consumer c = { .r = r, .burst = burst };
	struct shm_msg m[64];
	uint32_t seq = 0;
	pthread_t t;

	(void)arg;
	for (unsigned int i = 0; i < burst; i++)
		shm_msg_init(&m[i], SHM_CMD_LEG_REMOVE, 0, 0);
	while (gb_keep_running(st)) {
		c.want = BATCH;
		if (pthread_create(&t, NULL, consume, &c) != 0) {
			gb_skip_with_error(st, "pthread_create failed");
			break;
		}
		for (uint64_t sent = 0; sent < BATCH;) {
			unsigned int want = burst, n;

			if (BATCH - sent < want)
				want = (unsigned int)(BATCH - sent);
			for (unsigned int i = 0; i < want; i++)
				m[i].hdr.seq = seq + i;
			n = shm_ring_send(r, m, want);
			seq += n;
			sent += n;
		}
		pthread_join(t, NULL);
	}
	if (c.bad != 0)
		gb_skip_with_error(st, "messages out of order");
	gb_set_items(st, gb_iterations(st) * (int64_t)BATCH);
}

int
main(int argc, char **argv)
{
	static const int64_t bursts[] = { 1, 8, 32 };
	struct shm_region_cfg cfg = { .n_workers = 1, .ring_slots = 4096,
				      .n_legs = 64 };
	char name[SHM_NAME_MAX], err[256];
	int rc;

	snprintf(name, sizeof(name), "/tutti-bench-%d", (int)getpid());
	cfg.name = name;
	rc = shm_region_create(&region, &cfg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "bench_ring: %s\n", err);
		return 1;
	}
	shm_region_set_state(&region, SHM_STATE_READY);
	for (size_t i = 0; i < sizeof(bursts) / sizeof(bursts[0]); i++) {
		gb_arg(gb_register("ring/pingpong_burst", pingpong, NULL),
		       bursts[i]);
		struct gb_bench *b = gb_register("ring/1p1c",
						 one_producer_one_consumer,
						 NULL);
		gb_arg(b, bursts[i]);
		gb_use_real_time(b);
	}
	rc = gb_main(argc, argv);
	shm_region_detach(&region);
	return rc;
}
