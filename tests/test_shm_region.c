/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_shm_region.c: the shared region and its rings (shared/shm_region.c,
 * shm_create.c, shm_ring.h): create and attach, refusal of other versions,
 * layouts, generations and stale regions with a message that says what to
 * do, ring semantics, a fork()-based two-process command/status exchange,
 * and a two-process stress test of 10 million messages.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "proc.h"
#include "shm_msg.h"
#include "shm_region.h"
#include "shm_ring.h"

#define STRESS_MSGS	10000000u	/* issue 2: at least 10 million */

static char name[SHM_NAME_MAX];
static char err[512];

static void
setup(void)
{
	static int n;

	snprintf(name, sizeof(name), "/tutti-test-%d-%d", (int)getpid(), n++);
	/* also after a failed case, which skips teardown() */
	proc_shm_unlink_at_exit(name);
	err[0] = '\0';
}

static void
teardown(void)
{
	shm_unlink(name);
}

static void
create(struct shm_region *r, uint32_t workers)
{
	struct shm_region_cfg cfg = { .name = name, .n_workers = workers,
				      .ring_slots = 1024, .n_legs = 256 };

	ck_assert_msg(shm_region_create(r, &cfg, err, sizeof(err)) == 0,
		      "create: %s", err);
	shm_region_set_state(r, SHM_STATE_READY);
}

static int
attach(struct shm_region *r, uint64_t gen)
{
	return shm_region_attach(r, name, gen, shm_now_ns(), err, sizeof(err));
}

START_TEST(test_region_create_then_attach_agree)
{
	struct shm_region dp, cp;
	uint32_t n0, n1;

	create(&dp, 2);
	ck_assert_int_eq(attach(&cp, 0), 0);
	ck_assert_ptr_ne(cp.hdr, dp.hdr);	/* two mappings, one region */
	ck_assert_uint_eq(cp.hdr->generation, dp.hdr->generation);
	ck_assert_uint_ne(cp.hdr->generation, 0);
	ck_assert_uint_eq(cp.hdr->n_workers, 2);
	ck_assert_uint_eq(cp.hdr->fingerprint, shm_layout_fingerprint());
	ck_assert_uint_eq(cp.hdr->dp_pid, (uint32_t)getpid());
	shm_region_detach(&cp);
	ck_assert_int_eq(attach(&cp, dp.hdr->generation), 0);
	/* legs are partitioned per worker, without overlap */
	ck_assert_ptr_eq(shm_region_legs(&cp, 0, &n0) + n0,
			 shm_region_legs(&cp, 1, &n1));
	ck_assert_uint_eq(n0, 128);
	/* a write through one mapping is seen through the other */
	shm_region_stats(&dp, 1)->rx_pkts = 77;
	ck_assert_uint_eq(shm_region_stats(&cp, 1)->rx_pkts, 77);
	shm_region_detach(&cp);
	shm_region_detach(&dp);
	/* the creator's detach removes the name */
	ck_assert_int_eq(attach(&cp, 0), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "is tutti-dp running"));
}
END_TEST

/* The pid of a process that has exited and been reaped. */
static uint32_t
dead_pid(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return (uint32_t)pid;
}

START_TEST(test_region_recreate_gets_new_generation)
{
	struct shm_region_cfg cfg = { .name = name, .n_workers = 1,
				      .dp_pid = dead_pid() };
	struct shm_region a, b, cp;
	uint64_t gen_a;

	ck_assert_int_eq(shm_region_create(&a, &cfg, err, sizeof(err)), 0);
	shm_region_set_state(&a, SHM_STATE_READY);
	gen_a = a.hdr->generation;
	create(&b, 1);		/* unlinks a's name: a stale earlier run */
	ck_assert_ptr_nonnull(strstr(err, "removed stale region"));
	ck_assert_uint_ne(b.hdr->generation, gen_a);
	ck_assert_int_eq(attach(&cp, gen_a), -ESTALE);
	ck_assert_ptr_nonnull(strstr(err, "attach again"));
	ck_assert_int_eq(attach(&cp, 0), 0);
	ck_assert_uint_eq(cp.hdr->generation, b.hdr->generation);
	shm_region_detach(&cp);
	a.creator = false;	/* its name now belongs to b */
	shm_region_detach(&a);
	shm_region_detach(&b);
}
END_TEST

/* A live data plane's region is never replaced, whatever its version. */
START_TEST(test_region_create_refuses_region_in_use)
{
	struct shm_region live, r;
	struct shm_region_cfg cfg = { .name = name, .n_workers = 1 };
	int status;
	int up[2], down[2];	/* child -> parent, parent -> child */
	pid_t pid;

	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {		/* the live data plane */
		char c;

		create(&live, 1);
		live.hdr->ver_major = SHM_VER_MAJOR + 7;
		if (write(up[1], "r", 1) != 1)
			_exit(1);
		if (read(down[0], &c, 1) != 1)	/* until told to exit */
			_exit(1);
		_exit(0);
	}
	{
		char c;

		ck_assert_int_eq(read(up[0], &c, 1), 1);
	}
	ck_assert_int_eq(shm_region_create(&r, &cfg, err, sizeof(err)),
			 -EBUSY);
	ck_assert_ptr_nonnull(strstr(err, "in use by tutti-dp pid"));
	ck_assert_ptr_nonnull(strstr(err, "stop it first"));
	ck_assert_int_eq(write(down[1], "q", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	/* its process is gone: now the region is stale and replaceable */
	ck_assert_int_eq(shm_region_create(&r, &cfg, err, sizeof(err)), 0);
	shm_region_detach(&r);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}
END_TEST

START_TEST(test_region_refuses_other_major_version)
{
	struct shm_region dp, cp;

	create(&dp, 1);
	dp.hdr->ver_major = SHM_VER_MAJOR + 1;
	ck_assert_int_eq(attach(&cp, 0), -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(err, "same build"));
	ck_assert_ptr_null(cp.hdr);
	shm_region_detach(&dp);
}
END_TEST

START_TEST(test_region_accepts_other_minor_version)
{
	struct shm_region dp, cp;

	create(&dp, 1);
	dp.hdr->ver_minor = SHM_VER_MINOR + 1;	/* minors only append */
	ck_assert_int_eq(attach(&cp, 0), 0);
	shm_region_detach(&cp);
	shm_region_detach(&dp);
}
END_TEST

START_TEST(test_region_refuses_other_layout)
{
	struct shm_region dp, cp;

	create(&dp, 1);
	dp.hdr->fingerprint ^= 1;
	ck_assert_int_eq(attach(&cp, 0), -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(err, "fingerprint"));
	ck_assert_ptr_nonnull(strstr(err, "rebuild"));
	shm_region_detach(&dp);
}
END_TEST

START_TEST(test_region_refuses_foreign_magic)
{
	struct shm_region dp, cp;

	create(&dp, 1);
	dp.hdr->magic = 0x1234;
	ck_assert_int_eq(attach(&cp, 0), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "not a Tutti region"));
	dp.hdr->magic = 0;		/* magic is written last */
	ck_assert_int_eq(attach(&cp, 0), -EAGAIN);
	shm_region_detach(&dp);
}
END_TEST

START_TEST(test_region_refuses_while_starting)
{
	struct shm_region dp, cp;

	create(&dp, 1);
	shm_region_set_state(&dp, SHM_STATE_INIT);
	ck_assert_int_eq(attach(&cp, 0), -EAGAIN);
	ck_assert_ptr_nonnull(strstr(err, "retry"));
	shm_region_detach(&dp);
}
END_TEST

START_TEST(test_region_refuses_closed)
{
	struct shm_region dp, cp;

	create(&dp, 1);
	shm_region_set_state(&dp, SHM_STATE_CLOSED);
	ck_assert_int_eq(attach(&cp, 0), -ESTALE);
	ck_assert_ptr_nonnull(strstr(err, "no longer running"));
	shm_region_detach(&dp);
}
END_TEST

/* A data plane that died without cleaning up leaves a READY region. */
/* A child that creates the region and exits crash-like: no detach, no
 * unlink. */
static pid_t
fork_dp_that_dies(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct shm_region dp;

		create(&dp, 1);
		_exit(0);
	}
	return pid;
}

START_TEST(test_region_refuses_region_of_dead_process)
{
	struct shm_region cp;
	int status;
	pid_t pid = fork_dp_that_dies();

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(attach(&cp, 0), -ESTALE);
	ck_assert_ptr_nonnull(strstr(err, "no longer running"));
	ck_assert_ptr_nonnull(strstr(err, "start tutti-dp"));
}
END_TEST

/* The same when the data plane was killed but not yet reaped: a zombie
 * answers kill(pid, 0), yet it is not running. */
START_TEST(test_region_refuses_region_of_zombie)
{
	struct shm_region cp;
	int status;
	pid_t pid = fork_dp_that_dies();

	/* wait for the child to be a zombie: waitid() with WNOWAIT */
	{
		siginfo_t si;

		ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si,
					WEXITED | WNOWAIT), 0);
	}
	ck_assert_int_eq(kill(pid, 0), 0);	/* the zombie is there */
	ck_assert(!shm_pid_alive((uint32_t)pid));
	ck_assert_int_eq(attach(&cp, 0), -ESTALE);
	ck_assert_ptr_nonnull(strstr(err, "no longer running"));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(shm_pid_alive((uint32_t)getpid()));
	ck_assert(!shm_pid_alive(0));
}
END_TEST

START_TEST(test_region_refuses_stale_heartbeat)
{
	struct shm_region dp;
	uint64_t now;

	create(&dp, 1);
	now = dp.hdr->dp_heartbeat_ns + SHM_HEARTBEAT_STALE_NS + 1;
	ck_assert_int_eq(shm_region_verify(dp.hdr, dp.size, name, 0, now, true,
					   err, sizeof(err)), -ESTALE);
	ck_assert_ptr_nonnull(strstr(err, "heartbeat"));
	now = dp.hdr->dp_heartbeat_ns + SHM_HEARTBEAT_STALE_NS;
	ck_assert_int_eq(shm_region_verify(dp.hdr, dp.size, name, 0, now, true,
					   err, sizeof(err)), 0);
	shm_region_detach(&dp);
}
END_TEST

START_TEST(test_region_refuses_damaged_sizes)
{
	struct shm_region dp;

	create(&dp, 1);
	ck_assert_int_eq(shm_region_verify(dp.hdr, dp.size - 4096, name, 0,
					   shm_now_ns(), true, err,
					   sizeof(err)), -EBADMSG);
	dp.hdr->n_workers = 0;
	ck_assert_int_eq(shm_region_verify(dp.hdr, dp.size, name, 0,
					   shm_now_ns(), true, err,
					   sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "damaged"));
	dp.hdr->n_workers = 1;
	shm_region_detach(&dp);
}
END_TEST

START_TEST(test_region_refuses_bad_names_and_config)
{
	struct shm_region r;
	struct shm_region_cfg cfg = { .name = "no-slash", .n_workers = 1 };

	ck_assert_int_eq(shm_region_create(&r, &cfg, err, sizeof(err)),
			 -EINVAL);
	cfg.name = "/a/b";
	ck_assert_int_eq(shm_region_create(&r, &cfg, err, sizeof(err)),
			 -EINVAL);
	cfg.name = name;
	cfg.n_workers = 0;
	ck_assert_int_eq(shm_region_create(&r, &cfg, err, sizeof(err)),
			 -EINVAL);
	cfg.n_workers = SHM_MAX_WORKERS + 1;
	ck_assert_int_eq(shm_region_create(&r, &cfg, err, sizeof(err)),
			 -EINVAL);
	cfg.n_workers = 1;
	cfg.ring_slots = 1000;	/* not a power of two */
	ck_assert_int_eq(shm_region_create(&r, &cfg, err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(shm_region_attach(&r, "bad", 0, 0, err, sizeof(err)),
			 -EINVAL);
}
END_TEST

START_TEST(test_ring_fifo_and_full)
{
	struct shm_region dp;
	struct shm_msg in[64], out[64];
	struct rte_ring *r;
	unsigned int sent = 0, n;

	create(&dp, 1);
	r = shm_region_cmd_ring(&dp, 0);
	for (unsigned int i = 0; i < 64; i++) {
		shm_msg_init(&in[i], SHM_CMD_LEG_REMOVE, i, 0);
		in[i].body.leg.leg_id = i + 1;
	}
	/* capacity is slots - 1: the 1024th message does not fit */
	while ((n = shm_ring_send(r, in, 64)) == 64)
		sent += n;
	sent += n;
	ck_assert_uint_eq(sent, 1023);
	ck_assert_uint_eq(shm_ring_count(r), 1023);
	ck_assert_uint_eq(shm_ring_send(r, in, 1), 0);
	ck_assert_uint_eq(shm_ring_recv(r, out, 64), 64);
	ck_assert_mem_eq(out, in, sizeof(in));
	/* the event ring is a different ring */
	ck_assert_uint_eq(shm_ring_count(shm_region_evt_ring(&dp, 0)), 0);
	shm_region_detach(&dp);
}
END_TEST

/* Child plays the control plane, the parent the data plane. */
START_TEST(test_ring_two_process_command_status)
{
	enum { N_CMDS = 5000 };
	struct shm_region dp;
	int status;
	pid_t pid;

	create(&dp, 1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct shm_region cp;
		struct shm_msg m, ev;
		uint32_t acked = 0;

		if (attach(&cp, 0) != 0)
			_exit(10);
		for (uint32_t seq = 1; seq <= N_CMDS; seq++) {
			shm_msg_init(&m, SHM_CMD_LEG_REMOVE, seq, 0);
			m.body.leg.leg_id = seq;
			while (shm_ring_send(shm_region_cmd_ring(&cp, 0), &m,
					     1) != 1)
				;
			while (shm_ring_recv(shm_region_evt_ring(&cp, 0), &ev,
					     1) == 1) {
				if (shm_msg_validate(&ev) != 0 ||
				    ev.hdr.seq != ++acked ||
				    ev.body.status.status != -ENOENT)
					_exit(11);
			}
		}
		while (acked < N_CMDS)
			if (shm_ring_recv(shm_region_evt_ring(&cp, 0), &ev,
					  1) == 1 && ev.hdr.seq != ++acked)
				_exit(12);
		_exit(0);
	}
	for (uint32_t handled = 0; handled < N_CMDS;) {
		struct shm_msg m, st;

		if (shm_ring_recv(shm_region_cmd_ring(&dp, 0), &m, 1) != 1)
			continue;
		ck_assert_int_eq(shm_msg_validate(&m), 0);
		ck_assert_uint_eq(m.hdr.seq, ++handled);
		shm_msg_init(&st, SHM_EVT_STATUS, m.hdr.seq, 0);
		st.body.status.status = -ENOENT;
		st.body.status.cmd_type = m.hdr.type;
		while (shm_ring_send(shm_region_evt_ring(&dp, 0), &st, 1) != 1)
			;
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child exit %d", WEXITSTATUS(status));
	shm_region_detach(&dp);
}
END_TEST

static uint64_t
pattern(uint32_t i)
{
	return (uint64_t)i * 0x9e3779b97f4a7c15ULL;
}

/* 10 million messages from a producer process, checked in order. */
START_TEST(test_ring_stress_ten_million_in_order)
{
	struct shm_region dp;
	struct shm_msg m[32];
	uint32_t expect = 0;
	uint64_t bad = 0;
	int status;
	pid_t pid;

	create(&dp, 1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct shm_region cp;
		struct rte_ring *r;
		uint32_t i = 0;

		if (attach(&cp, 0) != 0)
			_exit(10);
		r = shm_region_cmd_ring(&cp, 0);
		memset(m, 0, sizeof(m));
		while (i < STRESS_MSGS) {
			unsigned int want = STRESS_MSGS - i < 32 ?
					    STRESS_MSGS - i : 32;

			for (unsigned int k = 0; k < want; k++) {
				m[k].hdr.seq = i + k;
				m[k].body.stats.rx_pkts = pattern(i + k);
			}
			i += shm_ring_send(r, m, want);
		}
		_exit(0);
	}
	while (expect < STRESS_MSGS) {
		unsigned int n = shm_ring_recv(shm_region_cmd_ring(&dp, 0), m,
					       32);

		for (unsigned int k = 0; k < n; k++, expect++)
			bad += m[k].hdr.seq != expect ||
			       m[k].body.stats.rx_pkts != pattern(expect);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(expect, STRESS_MSGS);
	ck_assert_uint_eq(shm_ring_count(shm_region_cmd_ring(&dp, 0)), 0);
	shm_region_detach(&dp);
}
END_TEST

START_TEST(test_seqlock_reads_consistent_copy)
{
	struct shm_region dp;
	struct shm_leg_entry copy;
	struct shm_leg_entry *e;
	uint32_t n;

	create(&dp, 1);
	e = shm_region_legs(&dp, 0, &n);
	shm_pub_begin(&e->pub_seq);
	e->state = SHM_LEG_ACTIVE;
	e->leg.leg_id = 5;
	shm_pub_end(&e->pub_seq);
	ck_assert_uint_eq(shm_read_leg(e, &copy), 2);
	ck_assert_uint_eq(copy.leg.leg_id, 5);
	/* a writer that died mid-update: the reader gives up, odd seq */
	shm_pub_begin(&e->pub_seq);
	ck_assert_uint_eq(shm_read_leg(e, &copy) & 1, 1);
	shm_region_detach(&dp);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("shm_region");
	TCase *attach_tc = tcase_create("attach");
	TCase *ring_tc = tcase_create("ring");

	tcase_add_checked_fixture(attach_tc, setup, teardown);
	tcase_add_test(attach_tc, test_region_create_then_attach_agree);
	tcase_add_test(attach_tc, test_region_recreate_gets_new_generation);
	tcase_add_test(attach_tc, test_region_create_refuses_region_in_use);
	tcase_add_test(attach_tc, test_region_refuses_other_major_version);
	tcase_add_test(attach_tc, test_region_accepts_other_minor_version);
	tcase_add_test(attach_tc, test_region_refuses_other_layout);
	tcase_add_test(attach_tc, test_region_refuses_foreign_magic);
	tcase_add_test(attach_tc, test_region_refuses_while_starting);
	tcase_add_test(attach_tc, test_region_refuses_closed);
	tcase_add_test(attach_tc, test_region_refuses_region_of_dead_process);
	tcase_add_test(attach_tc, test_region_refuses_region_of_zombie);
	tcase_add_test(attach_tc, test_region_refuses_stale_heartbeat);
	tcase_add_test(attach_tc, test_region_refuses_damaged_sizes);
	tcase_add_test(attach_tc, test_region_refuses_bad_names_and_config);
	suite_add_tcase(s, attach_tc);

	tcase_add_checked_fixture(ring_tc, setup, teardown);
	tcase_set_timeout(ring_tc, 240);
	tcase_add_test(ring_tc, test_ring_fifo_and_full);
	tcase_add_test(ring_tc, test_ring_two_process_command_status);
	tcase_add_test(ring_tc, test_ring_stress_ten_million_in_order);
	tcase_add_test(ring_tc, test_seqlock_reads_consistent_copy);
	suite_add_tcase(s, ring_tc);
	return s;
}
