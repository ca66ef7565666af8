/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_restart.c: a tutti-cp restart does not end the calls (issue 5).
 * The test builds its own lab (tools/lab: a network namespace and a veth
 * pair, tutti-dp on the root side through af_packet owning 198.18.0.2,
 * tutti-cp's SIP in the namespace), and two tutti-phones call conference
 * demo over SIP, each sending its tone. Then tutti-cp is killed (SIGKILL):
 * the data plane goes on mixing (the phones still hear each other, the leg
 * table's counters rise); a new tutti-cp takes the calls over from the
 * state file: tuttictl shows the same participants, a third phone that
 * joins hears the two and is heard, mute and kick work on them, and a
 * restored phone's BYE gets 200 and its leg leaves the data plane. Every
 * wait is for a condition, with a deadline. Needs root (network
 * namespaces); skipped by name otherwise.
 */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "check_main.h"
#include "proc.h"
#include "shm_region.h"

#define WAIT_MS	 20000
#define HEARD_DB (-10.0) /* a tone at (about) full level */
#define QUIET_DB (-30.0) /* a tone that is gone */

static char ns[32], dp_if[16], lab_if[16], region[64], ctl[108], state[128],
	ip[32];
static struct proc dp, cp, phone[3], sipp, sipp2;
static bool lab_is_up;
static const int tone[3] = { 450, 800, 1300 };
static const char *cp_timeout = "30"; /* tutti-cp --media-timeout */
static const char *cp_policy;	       /* tutti-cp --policy, NULL: none */

const char *
test_skip_reason(void)
{
	if (geteuid() != 0)
		return "needs root to create a network namespace";
	if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0)
		return "needs ip (iproute2)";
	if (system("command -v sipp >/dev/null 2>&1") != 0)
		return "needs sipp (sip-tester)";
	return NULL;
}

/* Stop p (sig, then reap) if it runs; forget its pid either way, so that
 * nothing is ever sent to a pid that may have been reused. */
static int
stop(struct proc *p, int sig)
{
	int rc = p->pid > 0 ? proc_stop(p, sig, 10000) : -1;

	p->pid = 0;
	return rc;
}

static int
lab(const char *verb)
{
	test_env("TUTTI_LAB");	/* set by meson test, or say so */
	return proc_lab(verb, ns, dp_if, lab_if);
}

static void
start_cp(void)
{
	/* clang-format off */
	char *argv[] = { ip, "netns", "exec", ns, (char *)test_env("TUTTI_CP"),
			 "--region", region, "--wait", "30",
			 "--sip", "198.18.0.1:5060", "--media-ip", "198.18.0.2",
			 "--conference", "demo", "--conference", "conf",
			 "--ctl", ctl, "--state", state,
			 "--media-timeout", (char *)cp_timeout,
			 "--policy", (char *)cp_policy, NULL };
	/* clang-format on */

	if (cp_policy == NULL)	/* no --policy */
		argv[sizeof(argv) / sizeof(argv[0]) - 3] = NULL;
	ck_assert_int_eq(proc_start(&cp, argv), 0);
	ck_assert_msg(proc_expect(&cp, "answered on all", WAIT_MS), "%s",
		      cp.out);
}

/* Phone i calls demo from 198.18.0.1:41000 + 2i (SIP one port up). */
static void
start_phone(int i)
{
	char local[32], hz[16], name[8];
	/* clang-format off */
	char *argv[] = { ip, "netns", "exec", ns, (char *)test_env("TUTTI_PHONE"),
			 "--local", local, "--call", "sip:demo@198.18.0.1:5060",
			 "--tone", hz, "--listen", "450,800,1300",
			 "--name", name, "--json", NULL };
	/* clang-format on */

	snprintf(local, sizeof(local), "198.18.0.1:%d", 41000 + 2 * i);
	snprintf(hz, sizeof(hz), "%d", tone[i]);
	snprintf(name, sizeof(name), "%c", 'a' + i);
	ck_assert_int_eq(proc_start(&phone[i], argv), 0);
	ck_assert_msg(proc_expect(&phone[i], "in the conference", WAIT_MS),
		      "%s", phone[i].out);
}

/* The From of phone i, as the focus knows it. */
static const char *
from_of(int i)
{
	static char buf[3][64];

	snprintf(buf[i], sizeof(buf[i]), "sip:phone@198.18.0.1:%d",
		 41001 + 2 * i);
	return buf[i];
}

/*
 * Does one line of the phone's per-second JSON say that it got a full
 * second of packets and hears hz at least at min_db (or, quiet, below it)?
 */
static bool
line_ok(const char *line, int hz, double db, bool quiet)
{
	char key[24];
	const char *at = strstr(line, "\"rx_last_s\":");
	int rx = 0;
	double lvl;

	if (at == NULL || sscanf(at, "\"rx_last_s\":%d", &rx) != 1 || rx < 45)
		return false;
	snprintf(key, sizeof(key), "\"%d\":", hz);
	if ((at = strstr(line, key)) == NULL ||
	    sscanf(at + strlen(key), "%lf", &lvl) != 1)
		return false;
	return quiet ? lvl <= db : lvl >= db;
}

/*
 * Wait until phone i has printed n seconds in a row, after output offset
 * from, that line_ok(). Returns true if it did before the deadline.
 */
static bool
phone_hears(int i, size_t from, int hz, double db, bool quiet, int n)
{
	uint64_t end = proc_now_ms() + WAIT_MS;

	for (;;) {
		int run = 0;
		const char *p = phone[i].out + from;

		while ((p = strstr(p, "{\"phone\":")) != NULL) {
			const char *nl = strchr(p, '\n');
			char line[512];

			if (nl == NULL)
				break; /* not whole yet */
			snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
			run = line_ok(line, hz, db, quiet) ? run + 1 : 0;
			if (run >= n)
				return true;
			p = nl;
		}
		if (proc_now_ms() >= end)
			return false;
		proc_expect(&phone[i], "\001", 100); /* read 100 ms more */
	}
}

/* Run tuttictl against the focus; its output in out; its exit status. */
static int
tuttictl(char *out, size_t len, const char *args)
{
	return proc_capture(out, len, "%s --socket %s %s", test_env("TUTTICTL"), ctl,
			    args);
}

/* Participant records in the state file. */
static int
state_parts(void)
{
	char line[8192];
	int n = 0;
	FILE *f = fopen(state, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strncmp(line, "part ", 5) == 0;
	fclose(f);
	return n;
}

static bool
wait_state_parts(int n)
{
	uint64_t end = proc_now_ms() + WAIT_MS;

	while (state_parts() != n && proc_now_ms() < end)
		proc_expect(&cp, "\001", 50);
	return state_parts() == n;
}

/* The data plane's legs, read from the region: how many, and the sum of
 * their rx and tx packet counters (only_leg's rx only, if not 0). */
static unsigned int
dp_legs_of(uint32_t only_leg, uint64_t *pkts)
{
	struct shm_region r;
	char err[256];
	unsigned int n = 0;

	*pkts = 0;
	memset(&r, 0, sizeof(r));
	ck_assert_msg(shm_region_attach(&r, region, 0, shm_now_ns(), err,
					sizeof(err)) == 0,
		      "%s", err);
	for (uint32_t w = 0; w < r.hdr->n_workers; w++) {
		uint32_t n_slots;
		struct shm_leg_entry *e = shm_region_legs(&r, w, &n_slots);

		for (uint32_t i = 0; i < n_slots; i++) {
			struct shm_leg_entry c;

			shm_read_leg(&e[i], &c);
			if (c.state != SHM_LEG_ACTIVE)
				continue;
			n++;
			if (only_leg == 0)
				*pkts += c.rx_pkts + c.tx_pkts;
			else if (c.leg.leg_id == only_leg)
				*pkts = c.rx_pkts;
		}
	}
	shm_region_detach(&r);
	return n;
}

static unsigned int
dp_legs(uint64_t *pkts)
{
	return dp_legs_of(0, pkts);
}

static void names_of(int test_id);

static void
setup(void)
{
	char cpu[16];
	char vdev[64];
	/* clang-format off */
	char *dp_argv[] = { (char *)test_env("TUTTI_DP"), "-l", cpu, "--no-huge",
			    "-m", "256", "--no-pci", "--no-shconf",
			    "--no-telemetry", "--log-level=lib.eal:warning",
			    "--vdev", vdev, "--", "--region", region,
			    "--idle-sleep-us", "100", "--addr", "0=198.18.0.2",
			    NULL };
	/* clang-format on */

	names_of((int)getpid() % 100000);
	snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s", dp_if);
	snprintf(cpu, sizeof(cpu), "%d", proc_first_cpu());
	unlink(state);
	lab_is_up = true; /* down is idempotent: also after a failed up */
	ck_assert_int_eq(lab("up"), 0); /* removes leftovers of its names */
	ck_assert_int_eq(proc_start(&dp, dp_argv), 0);
	ck_assert_msg(proc_expect(&dp, "ready: region", WAIT_MS), "%s", dp.out);
	start_cp();
}

/* Stop what the test started and remove the lab. Idempotent. */
static void
cleanup(void)
{
	for (int i = 0; i < 3; i++)
		stop(&phone[i], SIGKILL);
	stop(&sipp, SIGKILL);
	stop(&sipp2, SIGKILL);
	stop(&cp, SIGTERM);
	stop(&dp, SIGTERM);
	if (lab_is_up)
		lab("down");
	lab_is_up = false;
	unlink(state);
	unlink(ctl);
	shm_unlink(region);
}

static void
teardown(void)
{
	cleanup();
}

/*
 * Names: each test's own (its process id) under the runner's (so that a
 * failed test's leftovers never meet the next test), set in setup(). The
 * runner's own is set once per test case, in its process (unchecked
 * fixture); at the end of the case it removes the labs and files of any
 * test that failed: check ends a failed test's process at once, without
 * its teardown (what it started dies with it: proc_start()).
 */
static int runner_id;

static void
names_setup(void)
{
	runner_id = (int)getpid() % 1000;
	snprintf(ip, sizeof(ip), "%s",
		 access("/usr/sbin/ip", X_OK) == 0 ? "/usr/sbin/ip"
						   : "/sbin/ip");
}

static void
names_of(int test_id)
{
	snprintf(ns, sizeof(ns), "tutti-r%d-%d", runner_id, test_id);
	snprintf(dp_if, sizeof(dp_if), "trd%d-%d", runner_id, test_id);
	snprintf(lab_if, sizeof(lab_if), "trl%d-%d", runner_id, test_id);
	snprintf(region, sizeof(region), "/tutti-restart-%d-%d", runner_id,
		 test_id);
	snprintf(ctl, sizeof(ctl), "/tmp/tutti-restart-%d-%d.sock", runner_id,
		 test_id);
	snprintf(state, sizeof(state), "/tmp/tutti-restart-%d-%d.state",
		 runner_id, test_id);
}

static void
names_teardown(void)
{
	char cmd[512], line[128], prefix[32];
	FILE *f;
	glob_t g;

	snprintf(prefix, sizeof(prefix), "tutti-r%d-", runner_id);
	snprintf(cmd, sizeof(cmd), "%s netns list", ip);
	if ((f = popen(cmd, "r")) != NULL) {
		int id;

		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, prefix, strlen(prefix)) == 0 &&
			    sscanf(line + strlen(prefix), "%d", &id) == 1) {
				names_of(id);
				lab("down");
			}
		pclose(f);
	}
	snprintf(cmd, sizeof(cmd), "/dev/shm/tutti-restart-%d-*", runner_id);
	if (glob(cmd, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
	globfree(&g);
	snprintf(cmd, sizeof(cmd), "/tmp/tutti-restart-%d-*", runner_id);
	if (glob(cmd, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
	globfree(&g);
}

/*
 * Two phones in conference demo, hearing each other, their calls in the
 * state file; then tutti-cp is killed, and the data plane goes on mixing.
 */
static void
two_calls_then_kill(void)
{
	uint64_t before, during;
	size_t mark[2];

	/* two phones in the conference, hearing each other */
	start_phone(0);
	start_phone(1);
	ck_assert_msg(phone_hears(0, 0, 800, HEARD_DB, false, 1) &&
			      phone_hears(1, 0, 450, HEARD_DB, false, 1),
		      "a: %s\nb: %s\ncp: %s", phone[0].out, phone[1].out,
		      cp.out);
	ck_assert_msg(wait_state_parts(2), "state file: %d parts\n%s",
		      state_parts(), cp.out);

	/* tutti-cp dies: the data plane goes on mixing */
	ck_assert_uint_eq(dp_legs(&before), 2);
	mark[0] = phone[0].len;
	mark[1] = phone[1].len;
	ck_assert_int_eq(stop(&cp, SIGKILL), 128 + SIGKILL);
	ck_assert_msg(phone_hears(0, mark[0], 800, HEARD_DB, false, 2) &&
			      phone_hears(1, mark[1], 450, HEARD_DB, false, 2),
		      "a: %s\nb: %s", phone[0].out + mark[0],
		      phone[1].out + mark[1]);
	/* and its counters go on: 100 packets is half a second of the
	 * two legs' 50 pps each way. They come from the leg table, which
	 * the data plane publishes in passes, behind what the phones hear:
	 * asked for until they are there, not at one moment */
	{
		uint64_t end = proc_now_ms() + WAIT_MS;

		while ((dp_legs(&during) != 2 || during <= before + 100) &&
		       proc_now_ms() < end)
			proc_expect(&dp, "\001", 50);
	}
	ck_assert_uint_eq(dp_legs(&during), 2);
	ck_assert_uint_gt(during, before + 100);
	ck_assert_msg(proc_expect(&dp, "media continues", WAIT_MS), "%s",
		      dp.out);
	/* said once: a dead process's last heartbeat is not a comeback */
	ck_assert_msg(strstr(dp.out, "is back") == NULL, "%s", dp.out);
}

/* Replace text old by new (once) in the state file. */
static void
edit_state(const char *old, const char *new)
{
	static char buf[1 << 16], out[1 << 16];
	FILE *f;
	char *at;

	test_read_file(state, buf, sizeof(buf));
	at = strstr(buf, old);
	ck_assert_msg(at != NULL, "no '%s' in %s", old, buf);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - buf), buf, new,
		 at + strlen(old));
	f = fopen(state, "w");
	ck_assert_ptr_nonnull(f);
	fputs(out, f);
	fclose(f);
}

/* Main path: both calls are taken over and go on as if nothing happened;
 * the worker the operator drained stays drained. */
START_TEST(test_restart_calls_survive)
{
	char out[16384];
	size_t mark[3];

	ck_assert_int_eq(tuttictl(out, sizeof(out), "drain 0"), 0);
	two_calls_then_kill();

	/* a new tutti-cp takes the calls over */
	start_cp();
	ck_assert_msg(proc_expect(&cp, "takeover: 2 participants taken over",
				  WAIT_MS),
		      "%s", cp.out);
	ck_assert_msg(strstr(cp.out, "worker 0 stays drained, as before the "
				     "restart"), "%s", cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json stats"), 0);
	ck_assert_msg(strstr(out, "\"draining\":true"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json list"), 0);
	ck_assert_msg(strstr(out, "\"name\":\"demo\",\"conf_id\":1,") &&
			      strstr(out, "\"participants\":2,"),
		      "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show demo"), 0);
	for (int i = 0; i < 2; i++) {
		char want[256];

		snprintf(want, sizeof(want),
			 "\"from\":\"%s\",\"state\":"
			 "\"connected\"",
			 from_of(i));
		ck_assert_msg(strstr(out, want) != NULL, "%s\n%s", want, out);
	}
	ck_assert_msg(strstr(out, "\"on_dp\":false") == NULL, "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "roster demo"), 0);
	ck_assert_msg(strstr(out, from_of(0)) && strstr(out, from_of(1)), "%s",
		      out);

	/* a third phone joins: it hears the two, they hear it */
	mark[0] = phone[0].len;
	start_phone(2);
	ck_assert_msg(proc_expect(&cp, "joined conference demo", WAIT_MS), "%s",
		      cp.out);
	/* a leg id and an RTP port of its own */
	ck_assert_msg(strstr(cp.out, "joined conference demo (leg 3, PCMU/8000,"
				     " RTP port 20004,"),
		      "%s", cp.out);
	ck_assert_msg(phone_hears(2, 0, 450, HEARD_DB, false, 1) &&
			      phone_hears(2, 0, 800, HEARD_DB, false, 1) &&
			      phone_hears(0, mark[0], 1300, HEARD_DB, false, 1),
		      "c: %s\na: %s\ncp: %s", phone[2].out,
		      phone[0].out + mark[0], cp.out);
	ck_assert_msg(wait_state_parts(3), "state file: %d parts\n%s",
		      state_parts(), cp.out);

	/* the operator mutes a restored participant: no one hears it */
	mark[2] = phone[2].len;
	ck_assert_int_eq(tuttictl(out, sizeof(out), "mute demo 41001"), 0);
	ck_assert_msg(phone_hears(2, mark[2], 450, QUIET_DB, true, 1),
		      "c: %s\ncp: %s", phone[2].out + mark[2], cp.out);

	/* and kicks the other: the focus's BYE on the restored dialog */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick demo 41003"), 0);
	ck_assert_msg(proc_expect(&phone[1], "the focus hung up (Reason: "
				  "Q.850;cause=16;text=\"sent away by the "
				  "operator\")", WAIT_MS),
		      "%s", phone[1].out);
	ck_assert_int_eq(proc_wait(&phone[1], 10000), 0);
	phone[1].pid = 0; /* reaped */
	ck_assert_msg(proc_expect(&cp, "sent away by the focus", WAIT_MS), "%s",
		      cp.out);

	/* the first hangs up: 200 to its BYE, and its leg is gone */
	ck_assert_int_eq(stop(&phone[0], SIGTERM), 0);
	ck_assert_msg(strstr(phone[0].out, "hung up: BYE answered 200"), "%s",
		      phone[0].out);
	ck_assert_msg(
		proc_expect(&cp, "left conference demo (hung up)", WAIT_MS),
		"%s", cp.out);
	{
		uint64_t end = proc_now_ms() + WAIT_MS, pkts;

		while (dp_legs(&pkts) != 1 && proc_now_ms() < end)
			proc_expect(&cp, "\001", 50);
		ck_assert_uint_eq(dp_legs(&pkts), 1); /* the third's */
	}
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show demo"), 0);
	ck_assert_msg(strstr(out, from_of(0)) == NULL &&
			      strstr(out, from_of(1)) == NULL &&
			      strstr(out, from_of(2)) != NULL,
		      "%s", out);
	ck_assert_msg(wait_state_parts(1), "state file: %d parts\n%s",
		      state_parts(), cp.out);
}
END_TEST

/*
 * A state file that cannot be read is refused with FILE:LINE: reason and
 * set aside; tutti-cp starts without calls, and leaves the legs alone:
 * the phones still hear each other.
 */
START_TEST(test_restart_refuses_corrupt_state)
{
	char out[16384], want[256], aside[160];
	size_t mark[2];
	uint64_t pkts;

	two_calls_then_kill();
	edit_state("end confs=1", "end confs=7");
	mark[0] = phone[0].len;
	mark[1] = phone[1].len;
	start_cp();
	snprintf(want, sizeof(want), "state file refused: %s:", state);
	ck_assert_msg(proc_expect(&cp, "takeover: 0 participants", WAIT_MS) &&
			      strstr(cp.out, want) &&
			      strstr(cp.out, ": the end line does not count") &&
			      strstr(cp.out, "2 legs are left running unowned"),
		      "%s", cp.out);
	snprintf(aside, sizeof(aside), "%s.refused", state);
	ck_assert_int_eq(access(aside, F_OK), 0);
	unlink(aside);
	ck_assert_uint_eq(dp_legs(&pkts), 2);
	ck_assert_msg(phone_hears(0, mark[0], 800, HEARD_DB, false, 2) &&
			      phone_hears(1, mark[1], 450, HEARD_DB, false, 2),
		      "a: %s\nb: %s", phone[0].out + mark[0],
		      phone[1].out + mark[1]);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json list"), 0);
	ck_assert_msg(strstr(out, "\"participants\":0"), "%s", out);
}
END_TEST

/*
 * The state and the leg table disagree: phone b's record names a leg the
 * data plane does not run (so b gets a BYE), and b's real leg is in no
 * record (so it is removed). Phone a is taken over.
 */
START_TEST(test_restart_state_and_legs_disagree)
{
	uint64_t pkts, end;

	two_calls_then_kill();
	edit_state(" leg=2 ", " leg=99 ");
	start_cp();
	ck_assert_msg(proc_expect(&cp,
				  "takeover: 1 participant taken over, "
				  "1 hung up (leg gone), 1 leg removed",
				  WAIT_MS),
		      "%s", cp.out);
	ck_assert_msg(strstr(cp.out, "(leg 99): tutti-dp no longer runs its "
				     "leg: hanging up") &&
			      strstr(cp.out,
				     "leg 2 (conference id 1, worker 0, RTP "
				     "port 20002, RTP address 198.18.0.2) is "
				     "not in the state file: removing"),
		      "%s", cp.out);
	/* why, for the phone (RFC 3326): a temporary failure */
	ck_assert_msg(proc_expect(&phone[1], "the focus hung up (Reason: "
				  "Q.850;cause=41;text=\"tutti-dp no longer "
				  "runs its leg\")", WAIT_MS),
		      "%s", phone[1].out);
	end = proc_now_ms() + WAIT_MS;
	while (dp_legs(&pkts) != 1 && proc_now_ms() < end)
		proc_expect(&cp, "\001", 50);
	ck_assert_uint_eq(dp_legs(&pkts), 1);
	ck_assert_int_eq(stop(&phone[0], SIGTERM), 0);
	ck_assert_msg(strstr(phone[0].out, "hung up: BYE answered 200"), "%s",
		      phone[0].out);
}
END_TEST

/*
 * A call the focus dialled out (the focus is the UAC of its dialog) is
 * taken over too, here after a clean stop (SIGTERM) that came right after
 * the operator muted it: the mute is kept, and the operator's kick sends
 * BYE on the restored dialog, along the callee's Record-Route, and SIPp
 * (the callee, tests/sipp/uas_dialout.xml) answers it 200.
 */
/* SIPp (pr) answers one call at 198.18.0.1:port
 * (tests/sipp/uas_dialout.xml), logging to log. */
static void
start_callee_at(struct proc *pr, int port, char *log, size_t len)
{
	char cmd[1024];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(log, len, "%s.sipp%d", state, port);
	snprintf(cmd, sizeof(cmd),
		 "exec %s netns exec %s sipp -sf %s/uas_dialout.xml -m 1 "
		 "-t u1 -i 198.18.0.1 -p %d -timeout 60s -timeout_error "
		 "-nostdin 198.18.0.1:5060 >%s 2>&1",
		 ip, ns, test_env("SIPP_SCENARIOS"), port, log);
	ck_assert_int_eq(proc_start(pr, argv), 0);
}

/* The callee at sip:callee@198.18.0.1:5070. */
static void
start_callee(char *log, size_t len)
{
	start_callee_at(&sipp, 5070, log, len);
}

/* The operator dials the callee (start_callee()) into conf; it answers,
 * and the state file has its call. */
static void
dial_callee(char *log, size_t len)
{
	char out[4096];

	start_callee(log, len);
	/* SIPp may not listen yet: the INVITE's Timer A copes */
	ck_assert_int_eq(tuttictl(out, sizeof(out),
				  "dial conf sip:callee@198.18.0.1:5070"),
			 0);
	ck_assert_msg(proc_expect(&cp, "joined conference conf, dialled out",
				  WAIT_MS),
		      "%s", cp.out);
	ck_assert_msg(wait_state_parts(1), "state file: %d parts\n%s",
		      state_parts(), cp.out);
}

START_TEST(test_restart_dialled_out_call)
{
	char out[4096], log[160];

	dial_callee(log, sizeof(log));
	/* a change just before a clean stop still reaches the file */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "mute conf callee"), 0);
	ck_assert_int_eq(stop(&cp, SIGTERM), 0);
	start_cp();
	ck_assert_msg(
		proc_expect(&cp, "takeover: 1 participant taken over", WAIT_MS),
		"%s", cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show conf"), 0);
	ck_assert_msg(strstr(out, "\"muted\":true"), "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf callee"), 0);
	ck_assert_int_eq(proc_wait(&sipp, WAIT_MS), 0);
	sipp.pid = 0; /* reaped */
	ck_assert_msg(proc_expect(&cp,
				  "left conference conf (sent away by "
				  "the focus)",
				  WAIT_MS),
		      "%s", cp.out);
	unlink(log);
}
END_TEST

/* A policy file next to the state file (its name in path) whose
 * conference conf dials uri out when it starts. */
static void
write_policy(char *path, size_t len, const char *uri)
{
	snprintf(path, len, "%s.policy.xml", state);
	test_write_dial_policy(path, uri);
}

/*
 * The policy's <dial-out> is made once, when the conference starts, and
 * not again by a tutti-cp that takes the conference over: the callee
 * dialled before the restart is restored, and no second call rings it.
 */
START_TEST(test_restart_policy_dial_out_once)
{
	char out[4096], log[160], policy[160];

	write_policy(policy, sizeof(policy), "sip:callee@198.18.0.1:5070");
	start_callee(log, sizeof(log));
	/* the fixture's tutti-cp had no policy: one with it */
	ck_assert_int_eq(stop(&cp, SIGTERM), 0);
	cp_policy = policy;
	start_cp();
	ck_assert_msg(proc_expect(&cp, "joined conference conf, dialled out",
				  WAIT_MS),
		      "%s", cp.out);
	ck_assert_msg(wait_state_parts(1), "state file: %d parts\n%s",
		      state_parts(), cp.out);
	ck_assert_int_eq(stop(&cp, SIGKILL), 128 + SIGKILL);
	start_cp();
	cp_policy = NULL;
	ck_assert_msg(
		proc_expect(&cp, "takeover: 1 participant taken over", WAIT_MS),
		"%s", cp.out);
	/* two commands: the loop has run its dial-outs, if any, since */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show conf"), 0);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show conf"), 0);
	ck_assert_msg(test_count(out, "\"from\":") == 1, "%s", out);
	ck_assert_msg(strstr(cp.out, "dialling sip:callee") == NULL, "%s",
		      cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf callee"), 0);
	ck_assert_int_eq(proc_wait(&sipp, WAIT_MS), 0);
	sipp.pid = 0; /* reaped */
	unlink(log);
	unlink(policy);
}
END_TEST

/*
 * A dial-out of the policy still waiting for its worker when tutti-cp
 * died (tutti-dp --admit-busy; the state file's dial record, written
 * here by hand) is made by the tutti-cp that takes over, once, and the
 * conference's call in progress is taken over beside it. The file also
 * has a record this tutti-cp does not know (as a newer one may write):
 * it is skipped with a warning, and the rest is taken over.
 */
START_TEST(test_restart_waiting_dial_out_made)
{
	char out[4096], log[160], log2[160], policy[160];

	write_policy(policy, sizeof(policy), "sip:callee2@198.18.0.1:5072");
	/* a call in the conference, so that it is in the state file */
	dial_callee(log, sizeof(log));
	ck_assert_int_eq(stop(&cp, SIGKILL), 128 + SIGKILL);
	/* the policy's dial-out to callee2 waited when it died */
	edit_state("\nend ", "\ndial conf=conf uri=sip:callee2@198.18.0.1:5072"
		   "\nmcu id=1\nend ");
	start_callee_at(&sipp2, 5072, log2, sizeof(log2));
	cp_policy = policy;
	start_cp();
	cp_policy = NULL;
	ck_assert_msg(
		proc_expect(&cp, "takeover: 1 participant taken over", WAIT_MS),
		"%s", cp.out);
	ck_assert_msg(strstr(cp.out, "skipped 1 record or field this "
				     "tutti-cp does not know") != NULL,
		      "%s", cp.out);
	ck_assert_msg(strstr(cp.out, "record 'mcu'") != NULL, "%s", cp.out);
	ck_assert_msg(proc_expect(&cp, "dialling sip:callee2@198.18.0.1:5072 "
				  "(policy)", WAIT_MS), "%s", cp.out);
	ck_assert_msg(proc_expect(&cp, "joined conference conf, dialled out",
				  WAIT_MS),
		      "%s", cp.out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "--json show conf"), 0);
	ck_assert_msg(test_count(out, "\"from\":") == 2, "%s", out);
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf callee2"), 0);
	ck_assert_int_eq(proc_wait(&sipp2, WAIT_MS), 0);
	sipp2.pid = 0; /* reaped */
	ck_assert_int_eq(tuttictl(out, sizeof(out), "kick conf callee"), 0);
	ck_assert_int_eq(proc_wait(&sipp, WAIT_MS), 0);
	sipp.pid = 0;
	ck_assert_msg(test_count(cp.out, "dialling sip:callee2") == 1, "%s",
		      cp.out);
	unlink(log);
	unlink(log2);
	unlink(policy);
}
END_TEST

static void
setup_short_timeout(void)
{
	cp_timeout = "1";
	setup();
}

static void
teardown_short_timeout(void)
{
	teardown();
	cp_timeout = "30";
}

/*
 * A call whose media stops while no tutti-cp runs: the data plane reports
 * its media timeout once, to no one. The next tutti-cp hangs up on it one
 * media timeout after taking it over, and keeps the call whose media flows.
 */
START_TEST(test_restart_media_lost_while_down)
{
	uint64_t rx, last = 0, end, still_since;

	two_calls_then_kill();
	ck_assert_int_eq(stop(&phone[1], SIGKILL), 128 + SIGKILL);
	/* wait until b's leg has had nothing for two media timeouts */
	end = proc_now_ms() + WAIT_MS;
	still_since = proc_now_ms();
	while (proc_now_ms() < end && proc_now_ms() - still_since < 2000) {
		dp_legs_of(2, &rx);
		if (rx != last)
			still_since = proc_now_ms();
		last = rx;
		proc_expect(&dp, "\001", 100);
	}
	ck_assert_uint_ge(proc_now_ms() - still_since, 2000);
	start_cp();
	ck_assert_msg(proc_expect(&cp, "takeover: 2 participants taken over",
				  WAIT_MS),
		      "%s", cp.out);
	ck_assert_msg(proc_expect(&cp,
				  "sip:phone@198.18.0.1:41003 in "
				  "conference demo: no media since the "
				  "takeover: hanging up",
				  WAIT_MS),
		      "%s", cp.out);
	ck_assert_msg(strstr(cp.out, "41001 in conference demo: no media") ==
			      NULL,
		      "%s", cp.out);
	ck_assert_int_eq(stop(&phone[0], SIGTERM), 0);
	ck_assert_msg(strstr(phone[0].out, "hung up: BYE answered 200"), "%s",
		      phone[0].out);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("restart");
	TCase *tc = tcase_create("takeover");

	tcase_add_unchecked_fixture(tc, names_setup, names_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_restart_calls_survive);
	tcase_add_test(tc, test_restart_refuses_corrupt_state);
	tcase_add_test(tc, test_restart_state_and_legs_disagree);
	tcase_add_test(tc, test_restart_dialled_out_call);
	tcase_add_test(tc, test_restart_policy_dial_out_once);
	tcase_add_test(tc, test_restart_waiting_dial_out_made);
	suite_add_tcase(s, tc);
	tc = tcase_create("media_timeout");
	tcase_add_unchecked_fixture(tc, names_setup, names_teardown);
	tcase_add_checked_fixture(tc, setup_short_timeout,
				  teardown_short_timeout);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_restart_media_lost_while_down);
	suite_add_tcase(s, tc);
	return s;
}
