/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dp_cp.c: integration of the real programs: tutti-dp (real DPDK EAL,
 * no hugepages, no NIC) and tutti-cp find each other through the region;
 * commands are applied and answered by a running tutti-dp; a restarted
 * control plane learns the running legs from the leg table; the control
 * plane survives a data-plane restart; stale regions and other protocol
 * versions are refused with a message that says what to do.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "dpctl.h"
#include "proc.h"
#include "shm_msg.h"
#include "shm_region.h"
#include "shm_ring.h"

#define WAIT_MS	20000	/* upper bound on waiting for a log line */

static char region_name[SHM_NAME_MAX];
static char state_path[96];	/* tutti-cp's --state */
static char ctl_path[128];	/* tutti-cp's operator socket (its default) */
static char cpu[16];

static void
setup(void)
{
	static int n;

	snprintf(region_name, sizeof(region_name), "/tutti-it-%d-%d",
		 (int)getpid(), n++);
	snprintf(state_path, sizeof(state_path), "/tmp%s.state", region_name);
	snprintf(cpu, sizeof(cpu), "%d", proc_first_cpu());
	/* a tutti-cp killed on a failed check leaves it (in /run as root) */
	snprintf(ctl_path, sizeof(ctl_path), "%s/tutti-cp.%s.sock",
		 geteuid() == 0 ? "/run" : "/tmp", region_name + 1);
	proc_shm_unlink_at_exit(region_name);
	proc_state_unlink_at_exit(state_path);
	proc_unlink_at_exit(ctl_path);
}

static void
teardown(void)
{
	shm_unlink(region_name);
	unlink(state_path);
	unlink(ctl_path);
}

static void
start_dp(struct proc *p)
{
	char *argv[] = { (char *)test_env("TUTTI_DP"), "-l", cpu, "--no-huge",
			 "-m", "128", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=lib.eal:warning",
			 "--", "--region", region_name, "--legs", "1024",
			 "--idle-sleep-us", "100", NULL };

	ck_assert_int_eq(proc_start(p, argv), 0);
	ck_assert_msg(proc_expect(p, "ready: region", WAIT_MS),
		      "tutti-dp did not start:\n%s", p->out);
}

/* Main lcore plus two workers, all on one CPU (the machine may have 2). */
static void
start_dp_two_workers(struct proc *p)
{
	char lcores[64];
	char *argv[] = { (char *)test_env("TUTTI_DP"), "--lcores", lcores,
			 "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=lib.eal:warning",
			 "--", "--region", region_name, "--legs", "1024",
			 "--idle-sleep-us", "100", NULL };

	snprintf(lcores, sizeof(lcores), "0@%s,1@%s,2@%s", cpu, cpu, cpu);
	ck_assert_int_eq(proc_start(p, argv), 0);
	ck_assert_msg(proc_expect(p, "ready: region", WAIT_MS),
		      "tutti-dp did not start:\n%s", p->out);
}

static void
start_cp(struct proc *p, const char *wait_s)
{
	char *argv[] = { (char *)test_env("TUTTI_CP"), "--region", region_name,
			 "--wait", (char *)wait_s, "--state", state_path,
			 NULL };

	ck_assert_int_eq(proc_start(p, argv), 0);
}

struct results {
	int status[64];		/* by seq, 1 = not answered yet */
	int answered;
};

static void
on_status(void *cookie, const struct shm_msg *cmd, int status)
{
	struct results *r = cookie;

	if (cmd->hdr.seq < 64)
		r->status[cmd->hdr.seq] = status;
	r->answered++;
}

static int64_t
send_leg_to(struct cp_dpctl *d, unsigned int worker, struct results *r,
	    enum shm_msg_type type, uint32_t conf, uint32_t leg, uint8_t flags)
{
	struct shm_msg m;

	shm_msg_init(&m, type, 0, conf);
	m.body.leg.leg_id = leg;
	if (type != SHM_CMD_LEG_REMOVE) {
		m.body.leg.ssrc = 1000 + leg;
		m.body.leg.addr[10] = m.body.leg.addr[11] = 0xff;
		m.body.leg.addr[12] = 198;
		m.body.leg.addr[13] = 18;
		m.body.leg.addr[15] = (uint8_t)(10 + leg);
		m.body.leg.remote_port = htons(20000 + (uint16_t)leg * 2);
		m.body.leg.local_port = htons(40000 + (uint16_t)leg * 2);
		m.body.leg.codec = SHM_CODEC_PCMA;
		m.body.leg.pt = 8;
		m.body.leg.dtmf_pt = 101;
		m.body.leg.rate_hz = 8000;
		m.body.leg.ptime_ms = 20;
		m.body.leg.flags = flags;
	}
	return cp_dpctl_send(d, worker, &m, on_status, r);
}

static int64_t
send_leg(struct cp_dpctl *d, struct results *r, enum shm_msg_type type,
	 uint32_t conf, uint32_t leg, uint8_t flags)
{
	return send_leg_to(d, 0, r, type, conf, leg, flags);
}

static void
wait_answers(struct cp_dpctl *d)
{
	char err[256];

	for (int i = 0; i < WAIT_MS && cp_dpctl_pending(d) > 0; i++) {
		ck_assert_int_ge(cp_dpctl_poll(d, shm_now_ns(), err,
					       sizeof(err)), 0);
		usleep(1000);
	}
	ck_assert_uint_eq(cp_dpctl_pending(d), 0);
}

struct legs_seen {
	int n;
	uint32_t ids[8];
	uint8_t flags[8];
	uint32_t conf[8];
};

static void
see_leg(void *ctx, const struct shm_leg_entry *e)
{
	struct legs_seen *s = ctx;

	if (s->n < 8) {
		s->ids[s->n] = e->leg.leg_id;
		s->flags[s->n] = e->leg.flags;
		s->conf[s->n] = e->conf_id;
	}
	s->n++;
}

START_TEST(test_dp_applies_commands_and_cp_relearns_legs)
{
	struct proc dp, cp, cp2;
	struct cp_dpctl d;
	struct results r;
	struct legs_seen seen = { 0 };
	struct shm_msg m;
	char err[256], want[128];
	int64_t s_conf, s_add[3], s_dup, s_noconf, s_upd, s_rm;

	start_dp(&dp);
	for (int i = 0; i < 64; i++)
		r.status[i] = 1;
	r.answered = 0;
	cp_dpctl_init(&d, NULL, NULL);
	ck_assert_msg(cp_dpctl_attach(&d, region_name, shm_now_ns(), err,
				      sizeof(err)) == 0, "%s", err);
	ck_assert_msg(proc_expect(&dp, "found tutti-cp", WAIT_MS), "%s",
		      dp.out);

	shm_msg_init(&m, SHM_CMD_CONF_CREATE, 0, 7);
	m.body.conf.rate_hz = 16000;
	m.body.conf.ptime_ms = 20;
	s_conf = cp_dpctl_send(&d, 0, &m, on_status, &r);
	for (int i = 0; i < 3; i++)
		s_add[i] = send_leg(&d, &r, SHM_CMD_LEG_ADD, 7, 1 + i, 0);
	s_dup = send_leg(&d, &r, SHM_CMD_LEG_ADD, 7, 2, 0);	/* replay */
	s_noconf = send_leg(&d, &r, SHM_CMD_LEG_ADD, 8, 9, 0);
	s_upd = send_leg(&d, &r, SHM_CMD_LEG_UPDATE, 7, 3, SHM_LEG_MUTE);
	s_rm = send_leg(&d, &r, SHM_CMD_LEG_REMOVE, 0, 99, 0);
	ck_assert_int_gt(s_rm, 0);
	wait_answers(&d);
	ck_assert_int_eq(r.answered, 8);
	ck_assert_int_eq(r.status[s_conf], 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(r.status[s_add[i]], 0);
	ck_assert_int_eq(r.status[s_dup], 0);
	ck_assert_int_eq(r.status[s_noconf], -ENOENT);
	ck_assert_int_eq(r.status[s_upd], 0);
	ck_assert_int_eq(r.status[s_rm], -ENOENT);

	ck_assert_uint_eq(cp_dpctl_legs(&d, see_leg, &seen), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(seen.conf[i], 7);
		ck_assert_uint_eq(seen.flags[i],
				  seen.ids[i] == 3 ? SHM_LEG_MUTE : 0);
	}
	cp_dpctl_detach(&d);
	ck_assert(proc_expect(&dp, "detached; media continues", WAIT_MS));

	/* A new tutti-cp learns what the data plane runs. */
	start_cp(&cp, "10");
	ck_assert_msg(proc_expect(&cp, "it runs 3 legs in 1 conference",
				  WAIT_MS), "%s", cp.out);
	ck_assert_msg(proc_expect(&cp, "answered on all 1 worker ring",
				  WAIT_MS), "%s", cp.out);
	snprintf(want, sizeof(want), "found tutti-cp pid %d", (int)cp.pid);
	ck_assert_msg(proc_expect(&dp, want, WAIT_MS), "%s", dp.out);

	/* A second control plane is refused: the rings are SP/SC. */
	start_cp(&cp2, "0");
	ck_assert_msg(proc_wait(&cp2, WAIT_MS) == 1, "%s", cp2.out);
	ck_assert_msg(strstr(cp2.out, "another tutti-cp") != NULL, "%s",
		      cp2.out);

	ck_assert_int_eq(proc_stop(&cp, SIGTERM, WAIT_MS), 0);
	ck_assert_int_eq(proc_stop(&dp, SIGTERM, WAIT_MS), 0);
	ck_assert_ptr_nonnull(strstr(dp.out, "3 legs"));
	ck_assert_int_eq(shm_region_attach(&(struct shm_region){ 0 },
					   region_name, 0, shm_now_ns(), err,
					   sizeof(err)), -ENOENT);
}
END_TEST

/* Commands a buggy or hostile writer could put on the ring. */
START_TEST(test_dp_rejects_malformed_commands)
{
	struct proc dp;
	struct shm_region reg;
	struct shm_worker_stats st;
	struct shm_msg m[3], ev;
	char err[256];
	int got = 0;

	start_dp(&dp);
	ck_assert_int_eq(shm_region_attach(&reg, region_name, 0, shm_now_ns(),
					   err, sizeof(err)), 0);
	shm_msg_init(&m[0], SHM_CMD_LEG_REMOVE, 1001, 0);
	m[0].body.leg.leg_id = 5;
	m[0].body.leg._pad0[1] = 1;		/* non-zero padding */
	shm_msg_init(&m[1], (enum shm_msg_type)50, 1002, 0);
	shm_msg_init(&m[2], SHM_EVT_TALKER, 1003, 0);	/* wrong direction */
	m[2].body.talker.leg_id = 5;
	ck_assert_uint_eq(shm_ring_send(shm_region_cmd_ring(&reg, 0), m, 3),
			  3);
	for (int i = 0; i < WAIT_MS && got < 3; i++) {
		if (shm_ring_recv(shm_region_evt_ring(&reg, 0), &ev, 1) == 0) {
			usleep(1000);
			continue;
		}
		if (ev.hdr.type != SHM_EVT_STATUS)
			continue;		/* periodic stats */
		ck_assert_uint_eq(ev.hdr.seq, 1001 + got);
		ck_assert_int_eq(ev.body.status.status,
				 got == 0 ? -EINVAL : -ENOTSUP);
		ck_assert_uint_eq(ev.body.status.cmd_type, m[got].hdr.type);
		got++;
	}
	ck_assert_int_eq(got, 3);
	/* the drops are counted and published */
	for (int i = 0; i < WAIT_MS; i++) {
		shm_read_stats(shm_region_stats(&reg, 0), &st);
		if (st.drops[SHM_DROP_BAD_CMD] == 3)
			break;
		usleep(1000);
	}
	ck_assert_uint_eq(st.drops[SHM_DROP_BAD_CMD], 3);
	ck_assert_uint_eq(st.cmds, 3);
	shm_region_detach(&reg);
	ck_assert_int_eq(proc_stop(&dp, SIGTERM, WAIT_MS), 0);
}
END_TEST

START_TEST(test_cp_survives_dp_restart)
{
	struct proc dp, dp2, cp;

	start_dp(&dp);
	start_cp(&cp, "10");
	ck_assert_msg(proc_expect(&cp, "found tutti-dp", WAIT_MS), "%s",
		      cp.out);
	ck_assert_int_eq(proc_stop(&dp, SIGTERM, WAIT_MS), 0);
	ck_assert_msg(proc_expect(&cp, "lost tutti-dp", WAIT_MS), "%s",
		      cp.out);
	start_dp(&dp2);
	ck_assert_msg(proc_expect(&cp, "tutti-dp restarted: generation",
				  WAIT_MS), "%s", cp.out);
	ck_assert_msg(proc_expect(&dp2, "found tutti-cp", WAIT_MS), "%s",
		      dp2.out);
	ck_assert_int_eq(proc_stop(&cp, SIGTERM, WAIT_MS), 0);
	ck_assert_int_eq(proc_stop(&dp2, SIGTERM, WAIT_MS), 0);
}
END_TEST

/* tutti-dp publishes the addresses it owns (a port on net_null, two
 * addresses), none without a port; tutti-cp names the media address
 * tutti-dp does not own, and what it owns. */
START_TEST(test_dp_publishes_addresses_cp_checks_them)
{
	char *dp_argv[] = { (char *)test_env("TUTTI_DP"), "-l", cpu,
			    "--no-huge", "-m", "128", "--no-pci",
			    "--no-shconf", "--no-telemetry",
			    "--log-level=lib.eal:warning", "--vdev", "net_null0",
			    "--", "--region", region_name, "--legs", "1024",
			    "--idle-sleep-us", "100", "--addr",
			    "0=198.18.0.2,198.18.0.3", NULL };
	char *cp_argv[] = { (char *)test_env("TUTTI_CP"), "--region",
			    region_name, "--wait", "10", "--state", state_path,
			    "--media-ip", "198.18.0.3,198.18.0.9", NULL };
	struct shm_region r;
	struct proc dp, cp;
	uint32_t a[2];
	char err[256], want[160];

	ck_assert_int_eq(proc_start(&dp, dp_argv), 0);
	ck_assert_msg(proc_expect(&dp, "ready: region", WAIT_MS),
		      "tutti-dp did not start:\n%s", dp.out);
	ck_assert_int_eq(shm_region_attach(&r, region_name, 0, shm_now_ns(),
					   err, sizeof(err)), 0);
	inet_pton(AF_INET, "198.18.0.2", &a[0]);
	inet_pton(AF_INET, "198.18.0.3", &a[1]);
	ck_assert_uint_eq(r.hdr->n_addrs, 2);
	ck_assert_uint_eq(r.hdr->addrs[0], a[0]);
	ck_assert_uint_eq(r.hdr->addrs[1], a[1]);
	shm_region_detach(&r);
	ck_assert_int_eq(proc_start(&cp, cp_argv), 0);
	snprintf(want, sizeof(want), "--media-ip 198.18.0.9: tutti-dp (pid "
		 "%d) does not own it (it owns 198.18.0.2, 198.18.0.3",
		 (int)dp.pid);
	ck_assert_msg(proc_expect(&cp, want, WAIT_MS), "%s", cp.out);
	ck_assert_ptr_null(strstr(cp.out, "--media-ip 198.18.0.3:"));
	ck_assert_int_eq(proc_stop(&cp, SIGTERM, WAIT_MS), 0);
	ck_assert_int_eq(proc_stop(&dp, SIGTERM, WAIT_MS), 0);

	/* no port: no address */
	start_dp(&dp);
	ck_assert_int_eq(shm_region_attach(&r, region_name, 0, shm_now_ns(),
					   err, sizeof(err)), 0);
	ck_assert_uint_eq(r.hdr->n_addrs, 0);
	shm_region_detach(&r);
	ck_assert_int_eq(proc_stop(&dp, SIGTERM, WAIT_MS), 0);
}
END_TEST

START_TEST(test_cp_refuses_stale_region)
{
	struct proc cp;
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct shm_region_cfg cfg = { .name = region_name,
					      .n_workers = 1 };
		struct shm_region r;

		if (shm_region_create(&r, &cfg, NULL, 0) != 0)
			_exit(1);
		shm_region_set_state(&r, SHM_STATE_READY);
		_exit(0);	/* dies without cleaning up */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	start_cp(&cp, "0");
	ck_assert_int_eq(proc_wait(&cp, WAIT_MS), 1);
	ck_assert_msg(strstr(cp.out, "no longer running") != NULL &&
		      strstr(cp.out, "start tutti-dp") != NULL, "%s", cp.out);
}
END_TEST

START_TEST(test_cp_refuses_other_protocol_version)
{
	struct shm_region_cfg cfg = { .name = region_name, .n_workers = 1 };
	struct shm_region r;
	struct proc cp;
	char want[64];

	ck_assert_int_eq(shm_region_create(&r, &cfg, NULL, 0), 0);
	shm_region_set_state(&r, SHM_STATE_READY);
	r.hdr->ver_major = SHM_VER_MAJOR + 1;
	start_cp(&cp, "0");
	ck_assert_int_eq(proc_wait(&cp, WAIT_MS), 1);
	snprintf(want, sizeof(want), "speaks protocol %d.", SHM_VER_MAJOR + 1);
	ck_assert_msg(strstr(cp.out, want) != NULL &&
		      strstr(cp.out, "same build") != NULL, "%s", cp.out);
	shm_region_detach(&r);
}
END_TEST

START_TEST(test_programs_help_and_bad_options)
{
	struct proc p;
	char *dp_help[] = { (char *)test_env("TUTTI_DP"), "--help", NULL };
	char *cp_help[] = { (char *)test_env("TUTTI_CP"), "--help", NULL };
	char *cp_bad[] = { (char *)test_env("TUTTI_CP"), "--bogus", NULL };
	char *dp_bad[] = { (char *)test_env("TUTTI_DP"), "-l", cpu, "--no-huge",
			   "-m", "128", "--no-pci", "--no-shconf",
			   "--no-telemetry", "--log-level=lib.eal:warning",
			   "--", "--ring-slots", "100", NULL, NULL, NULL,
			   NULL, NULL };

	ck_assert_int_eq(proc_start(&p, dp_help), 0);
	ck_assert_int_eq(proc_wait(&p, WAIT_MS), 0);
	ck_assert_ptr_nonnull(strstr(p.out, "usage: tutti-dp"));
	ck_assert_ptr_nonnull(strstr(p.out, "--region"));
	ck_assert_int_eq(proc_start(&p, cp_help), 0);
	ck_assert_int_eq(proc_wait(&p, WAIT_MS), 0);
	ck_assert_ptr_nonnull(strstr(p.out, "usage: tutti-cp"));
	ck_assert_int_eq(proc_start(&p, cp_bad), 0);
	ck_assert_int_eq(proc_wait(&p, WAIT_MS), 2);
	ck_assert_ptr_nonnull(strstr(p.out, "--help"));
	ck_assert_int_eq(proc_start(&p, dp_bad), 0);
	ck_assert_int_eq(proc_wait(&p, WAIT_MS), 1);
	ck_assert_msg(strstr(p.out, "power of two") != NULL, "%s", p.out);
	/* a gateway off the addresses' links, or without a prefix to be
	 * on: refused at start, saying what to give */
	for (int k = 0; k < 2; k++) {
		dp_bad[11] = "--addr";
		dp_bad[12] = k == 0 ? "0=198.18.0.2/24" : "0=198.18.0.2";
		dp_bad[13] = "--gateway";
		dp_bad[14] = k == 0 ? "0=198.18.1.1" : "0=198.18.0.1";
		dp_bad[15] = NULL;
		ck_assert_int_eq(proc_start(&p, dp_bad), 0);
		ck_assert_int_eq(proc_wait(&p, WAIT_MS), 1);
		ck_assert_msg(strstr(p.out, "not inside the prefix of any of "
				     "port 0's addresses (give them one: "
				     "--addr 0=A.B.C.D/LEN)") != NULL, "%s",
			      p.out);
	}
	ck_assert_ptr_nonnull(strstr(p.out, "--gateway 0=198.18.0.1:"));
	/* a DSCP is six bits */
	dp_bad[11] = "--dscp";
	dp_bad[12] = "64";
	dp_bad[13] = NULL;
	ck_assert_int_eq(proc_start(&p, dp_bad), 0);
	ck_assert_int_eq(proc_wait(&p, WAIT_MS), 1);
	ck_assert_msg(strstr(p.out, "--dscp 64: expected a number in 0..63")
		      != NULL, "%s", p.out);
	/* a capture directory that is none */
	dp_bad[11] = "--capture-dir";
	dp_bad[12] = "/nonexistent/cap";
	ck_assert_int_eq(proc_start(&p, dp_bad), 0);
	ck_assert_int_eq(proc_wait(&p, WAIT_MS), 1);
	ck_assert_msg(strstr(p.out, "--capture-dir /nonexistent/cap: No such "
			     "file or directory") != NULL, "%s", p.out);
	dp_bad[12] = "/dev/null";
	ck_assert_int_eq(proc_start(&p, dp_bad), 0);
	ck_assert_int_eq(proc_wait(&p, WAIT_MS), 1);
	ck_assert_msg(strstr(p.out, "--capture-dir /dev/null: not a directory "
			     "tutti-dp can write in") != NULL, "%s", p.out);
}
END_TEST

/* A conference lives on one worker: commands for it elsewhere fail. */
START_TEST(test_dp_conference_belongs_to_one_worker)
{
	struct proc dp;
	struct cp_dpctl d;
	struct results r = { .answered = 0 };
	struct legs_seen seen = { 0 };
	struct shm_worker_stats st[2];
	struct shm_msg m;
	char err[256];
	int64_t s_conf, s_wrong, s_right;

	start_dp_two_workers(&dp);
	ck_assert_msg(proc_expect(&dp, "2 workers on lcores 1,2", WAIT_MS),
		      "%s", dp.out);
	cp_dpctl_init(&d, NULL, NULL);
	ck_assert_msg(cp_dpctl_attach(&d, region_name, shm_now_ns(), err,
				      sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(d.region.hdr->n_workers, 2);
	shm_msg_init(&m, SHM_CMD_CONF_CREATE, 0, 7);
	m.body.conf.rate_hz = 8000;
	m.body.conf.ptime_ms = 20;
	s_conf = cp_dpctl_send(&d, 1, &m, on_status, &r);
	s_wrong = send_leg_to(&d, 0, &r, SHM_CMD_LEG_ADD, 7, 1, 0);
	s_right = send_leg_to(&d, 1, &r, SHM_CMD_LEG_ADD, 7, 1, 0);
	wait_answers(&d);
	ck_assert_int_eq(r.status[s_conf], 0);
	ck_assert_int_eq(r.status[s_wrong], -ENOENT);
	ck_assert_int_eq(r.status[s_right], 0);
	ck_assert_uint_eq(cp_dpctl_legs(&d, see_leg, &seen), 1);
	for (int i = 0; i < WAIT_MS; i++) {
		shm_read_stats(shm_region_stats(&d.region, 0), &st[0]);
		shm_read_stats(shm_region_stats(&d.region, 1), &st[1]);
		if (st[1].n_legs == 1 && st[0].cmds == 1)
			break;
		usleep(1000);
	}
	ck_assert_uint_eq(st[0].n_confs, 0);
	ck_assert_uint_eq(st[0].cmds, 1);
	ck_assert_uint_eq(st[1].n_confs, 1);
	ck_assert_uint_eq(st[1].n_legs, 1);
	ck_assert_uint_eq(st[1].lcore, 2);
	cp_dpctl_detach(&d);
	ck_assert_int_eq(proc_stop(&dp, SIGTERM, WAIT_MS), 0);
}
END_TEST

/* A second tutti-dp never takes over a live one's region. */
START_TEST(test_dp_refuses_region_in_use)
{
	struct proc dp, dp2;
	char *argv[] = { (char *)test_env("TUTTI_DP"), "-l", cpu, "--no-huge",
			 "-m", "128", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=lib.eal:warning",
			 "--", "--region", region_name, NULL };

	start_dp(&dp);
	ck_assert_int_eq(proc_start(&dp2, argv), 0);
	ck_assert_int_eq(proc_wait(&dp2, WAIT_MS), 1);
	ck_assert_msg(strstr(dp2.out, "is in use by tutti-dp pid") != NULL,
		      "%s", dp2.out);
	ck_assert_int_eq(proc_stop(&dp, SIGTERM, WAIT_MS), 0);
}
END_TEST

/* tutti-dp --provision: legs without SIP; a bad file is refused. */
START_TEST(test_dp_provisions_from_file)
{
	char path[] = "/tmp/tutti-prov-XXXXXX";
	char *argv[] = { (char *)test_env("TUTTI_DP"), "-l", cpu, "--no-huge",
			 "-m", "128", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=lib.eal:warning",
			 "--", "--region", region_name, "--legs", "1024",
			 "--idle-sleep-us", "100", "--provision", path, NULL };
	static const char good[] =
		"conference 5 ptime=20\n"
		"legs 1-100 conference=5 remote=198.18.0.10:20000 "
		"local=40000 codec=PCMA\n";
	static const char bad_text[] =
		"conference 5\n"
		"leg 1 conference=5 remote=198.18.0.10:20000 local=40000 "
		"codec=GSM\n";
	/* well formed, but on an address this tutti-dp does not own */
	static const char refused_text[] =
		"conference 5\n"
		"# the next line is refused by the worker\n"
		"leg 1 conference=5 remote=198.18.0.10:20000 "
		"local=198.18.0.9:40000\n";
	struct legs_seen seen = { 0 };
	struct cp_dpctl d;
	struct proc dp;
	char err[256];
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(good, f);
	fclose(f);
	ck_assert_int_eq(proc_start(&dp, argv), 0);
	ck_assert_msg(proc_expect(&dp, "provisioned 1 conference and 100 legs",
				  WAIT_MS), "%s", dp.out);
	ck_assert_msg(proc_expect(&dp, "ready: region", WAIT_MS), "%s",
		      dp.out);
	cp_dpctl_init(&d, NULL, NULL);
	ck_assert_msg(cp_dpctl_attach(&d, region_name, shm_now_ns(), err,
				      sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(cp_dpctl_legs(&d, see_leg, &seen), 100);
	ck_assert_uint_eq(seen.conf[0], 5);
	cp_dpctl_detach(&d);
	ck_assert_int_eq(proc_stop(&dp, SIGTERM, WAIT_MS), 0);

	f = fopen(path, "w");
	fputs(bad_text, f);
	fclose(f);
	ck_assert_int_eq(proc_start(&dp, argv), 0);
	ck_assert_int_eq(proc_wait(&dp, WAIT_MS), 1);
	ck_assert_msg(strstr(dp.out, ":2: leg 1: codec=GSM") != NULL, "%s",
		      dp.out);

	f = fopen(path, "w");
	fputs(refused_text, f);
	fclose(f);
	ck_assert_int_eq(proc_start(&dp, argv), 0);
	ck_assert_int_eq(proc_wait(&dp, WAIT_MS), 1);
	ck_assert_msg(strstr(dp.out, ":3: leg 1 (conference 5) on worker 0: "
			     "its local address is not one tutti-dp owns") !=
		      NULL, "%s", dp.out);
	unlink(path);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("dp_cp");
	TCase *tc = tcase_create("processes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_dp_applies_commands_and_cp_relearns_legs);
	tcase_add_test(tc, test_dp_rejects_malformed_commands);
	tcase_add_test(tc, test_cp_survives_dp_restart);
	tcase_add_test(tc, test_cp_refuses_stale_region);
	tcase_add_test(tc, test_cp_refuses_other_protocol_version);
	tcase_add_test(tc, test_programs_help_and_bad_options);
	tcase_add_test(tc, test_dp_conference_belongs_to_one_worker);
	tcase_add_test(tc, test_dp_refuses_region_in_use);
	tcase_add_test(tc, test_dp_provisions_from_file);
	tcase_add_test(tc, test_dp_publishes_addresses_cp_checks_them);
	suite_add_tcase(s, tc);
	return s;
}
