/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dp_media.c: tutti-dp end to end on a real link. The test builds its
 * own lab (tools/lab with names of its own: a network namespace and a veth
 * pair, tutti-dp on the root side through af_packet, owning 198.18.0.2),
 * provisions a conference of three legs, and runs three "phones" in the
 * namespace as plain kernel UDP sockets: each sends 3 s of its own tone in
 * G.711 (two PCMU, one PCMA) while some malformed packets go to the same
 * ports. Then: each phone heard the other two tones at full level and its
 * own at least 40 dB down (SpanDSP's Goertzel), got one packet per 20 ms
 * with continuous sequence numbers, tutti-dp took every valid packet,
 * counted each malformed one under its reason and kept running; ping and
 * ARP are answered. Needs root (network namespaces); skipped by name
 * otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <spandsp.h>

#include "check_main.h"
#include "g711.h"
#include "proc.h"

#define WAIT_MS		20000
#define PHONES		3
#define PKTS		150		/* 3 s of 20 ms */
#define FS		160
#define LOCAL0		20000		/* tutti-dp's RTP ports */
#define REMOTE0		40000		/* the phones' */
#define N_BAD_VERSION	5
#define N_TRUNC		4
#define N_BAD_PT	6

static const double freq[PHONES] = { 450.0, 800.0, 1300.0 };
static const enum dp_law law[PHONES] = { DP_LAW_ULAW, DP_LAW_ALAW,
					 DP_LAW_ULAW };
static char ns[32], dp_if[16], lab_if[16], region[64], prov[128];

/* What the phones found, from the child in the namespace. */
struct verdict {
	int err;			/* 0, or errno of a failed step */
	char what[160];
	uint32_t pkts[PHONES];
	uint32_t seq_gaps[PHONES];
	double db[PHONES][PHONES];	/* phone i hears tone j, dB re tone */
};

const char *
test_skip_reason(void)
{
	if (geteuid() != 0)
		return "needs root to create a network namespace";
	if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0)
		return "needs ip (iproute2)";
	return NULL;
}

static int
lab(const char *verb)
{
	test_env("TUTTI_LAB");	/* set by meson test, or say so */
	return proc_lab(verb, ns, dp_if, lab_if);
}

static int conf_worker;	/* the worker that owns the conference */

static void
setup(void)
{
	int id = (int)getpid() % 100000;
	FILE *f;

	snprintf(ns, sizeof(ns), "tutti-t%d", id);
	snprintf(dp_if, sizeof(dp_if), "ttd%d", id);
	snprintf(lab_if, sizeof(lab_if), "ttl%d", id);
	snprintf(region, sizeof(region), "/tutti-media-%d", id);
	snprintf(prov, sizeof(prov), "/tmp/tutti-media-%d.prov", id);
	proc_lab_down_at_exit(ns, dp_if, lab_if);
	proc_shm_unlink_at_exit(region);
	proc_unlink_at_exit(prov);
	ck_assert_int_eq(lab("up"), 0);
	f = fopen(prov, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "conference 1 worker=%d rate=8000 ptime=20\n",
		conf_worker);
	for (int i = 0; i < PHONES; i++)
		fprintf(f, "leg %d conference=1 remote=198.18.0.1:%d "
			"local=%d codec=%s timeout=60000\n", 11 + i,
			REMOTE0 + 2 * i, LOCAL0 + 2 * i,
			law[i] == DP_LAW_ALAW ? "PCMA" : "PCMU");
	fclose(f);
}

static void
setup_two(void)
{
	conf_worker = 1;
	setup();
	conf_worker = 0;
}

static void
teardown(void)
{
	lab("down");
	unlink(prov);
	shm_unlink(region);
}

static double
goertzel_db(const int16_t *x, uint32_t n, double f, double ref)
{
	goertzel_descriptor_t d;
	goertzel_state_t s;

	make_goertzel_descriptor(&d, (float)f, (int)n);
	goertzel_init(&s, &d);
	goertzel_update(&s, x, (int)n);
	return 10.0 * log10((goertzel_result(&s) + 1e-9) / ref);
}

static void
send_rtp(int s, int dport, uint8_t b0, uint8_t pt, uint16_t seq, uint32_t ts,
	 uint32_t ssrc, const uint8_t *pay, size_t n)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)dport) };
	uint8_t pkt[12 + FS];

	inet_pton(AF_INET, "198.18.0.2", &to.sin_addr);
	pkt[0] = b0;
	pkt[1] = pt;
	pkt[2] = (uint8_t)(seq >> 8);
	pkt[3] = (uint8_t)seq;
	for (int k = 0; k < 4; k++) {
		pkt[4 + k] = (uint8_t)(ts >> (24 - 8 * k));
		pkt[8 + k] = (uint8_t)(ssrc >> (24 - 8 * k));
	}
	memcpy(pkt + 12, pay, n);
	sendto(s, pkt, 12 + n, 0, (struct sockaddr *)&to, sizeof(to));
}

/* The phones, in the namespace (child process). */
static void
phones(struct verdict *v)
{
	static int16_t heard[PHONES][PKTS * FS + FS * 4];
	uint32_t n_heard[PHONES] = { 0 };
	uint16_t last_seq[PHONES] = { 0 };
	int s[PHONES];
	struct timespec t;
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
		v->err = errno;
		snprintf(v->what, sizeof(v->what), "setns %s", path);
		return;
	}
	for (int i = 0; i < PHONES; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
			.sin_port = htons((uint16_t)(REMOTE0 + 2 * i)) };

		inet_pton(AF_INET, "198.18.0.1", &a.sin_addr);
		s[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (s[i] < 0 || bind(s[i], (struct sockaddr *)&a,
				     sizeof(a)) != 0) {
			v->err = errno;
			snprintf(v->what, sizeof(v->what), "bind phone %d", i);
			return;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	/* PKTS ticks of sending, then half a second to drain */
	for (int n = 0; n < PKTS + 25; n++) {
		for (int i = 0; i < PHONES && n < PKTS; i++) {
			int16_t pcm[FS];
			uint8_t pay[FS];

			for (int k = 0; k < FS; k++)
				pcm[k] = (int16_t)lrint(6000.0 * sin(2.0 * M_PI
					* freq[i] * (n * FS + k) / 8000.0));
			dp_g711_encode(law[i], pay, pcm, FS);
			send_rtp(s[i], LOCAL0 + 2 * i, 0x80,
				 (uint8_t)((n == 0 ? 0x80 : 0) |
					   (law[i] == DP_LAW_ALAW ? 8 : 0)),
				 (uint16_t)n, (uint32_t)n * FS, 0x1000u + i,
				 pay, FS);
			/* malformed, now and then, on phone 0's port */
			if (i == 0 && n % 20 == 7) {
				if (n / 20 < N_BAD_VERSION)
					send_rtp(s[0], LOCAL0, 0x40, 0, 9, 0, 1,
						 pay, FS);
				if (n / 20 < N_TRUNC)
					send_rtp(s[0], LOCAL0, 0x8f, 0, 9, 0, 1,
						 pay, 10);	/* 15 CSRCs */
				if (n / 20 < N_BAD_PT)
					send_rtp(s[0], LOCAL0, 0x80, 99,
						 (uint16_t)n, (uint32_t)n * FS,
						 0x1000u, pay, FS);
			}
		}
		t.tv_nsec += 20000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		/* receive until the next 20 ms boundary */
		for (;;) {
			struct pollfd p[PHONES];
			struct timespec now;
			long ms;
			int r;

			clock_gettime(CLOCK_MONOTONIC, &now);
			ms = (t.tv_sec - now.tv_sec) * 1000 +
			     (t.tv_nsec - now.tv_nsec) / 1000000;
			if (ms < 0)
				break;
			for (int i = 0; i < PHONES; i++)
				p[i] = (struct pollfd){ .fd = s[i],
							.events = POLLIN };
			r = poll(p, PHONES, (int)ms);
			if (r <= 0)
				break;
			for (int i = 0; i < PHONES; i++) {
				uint8_t buf[2048];
				ssize_t len;

				while ((len = recv(s[i], buf, sizeof(buf),
						   0)) > 12) {
					uint16_t sq = (uint16_t)(buf[2] << 8 |
								 buf[3]);

					if (v->pkts[i] > 0 &&
					    sq != (uint16_t)(last_seq[i] + 1))
						v->seq_gaps[i]++;
					last_seq[i] = sq;
					v->pkts[i]++;
					if (len == 12 + FS &&
					    n_heard[i] + FS <=
					    sizeof(heard[i]) / 2) {
						dp_g711_decode(law[i],
							heard[i] + n_heard[i],
							buf + 12, FS);
						n_heard[i] += FS;
					}
				}
			}
		}
	}
	/* levels over the second and third seconds */
	for (int j = 0; j < PHONES; j++) {
		static int16_t ref[8000 * 2];
		goertzel_descriptor_t d;
		goertzel_state_t gs;
		double pref;

		for (int k = 0; k < 16000; k++)
			ref[k] = (int16_t)lrint(6000.0 * sin(2.0 * M_PI *
						freq[j] * k / 8000.0));
		make_goertzel_descriptor(&d, (float)freq[j], 16000);
		goertzel_init(&gs, &d);
		goertzel_update(&gs, ref, 16000);
		pref = goertzel_result(&gs);
		for (int i = 0; i < PHONES; i++)
			v->db[i][j] = n_heard[i] >= 24000 ?
				goertzel_db(heard[i] + 8000, 16000, freq[j],
					    pref) : -200.0;
	}
}

static uint64_t
stop_count(const char *out, const char *reason)
{
	char needle[64];
	const char *p;

	snprintf(needle, sizeof(needle), " dropped: %s\n", reason);
	p = strstr(out, needle);
	if (p == NULL)
		return 0;
	while (p > out && p[-1] != ' ')
		p--;
	return strtoull(p, NULL, 10);
}

/* Three phones with tutti-dp on `workers` worker lcores (2: the
 * conference's worker gets some or all of its packets by software dispatch
 * from the other). */
static void
three_phones(int workers)
{
	static struct verdict v;
	char vdev[96], cpu[16], lcores[64], cmd[256];
	char *argv[] = { (char *)test_env("TUTTI_DP"), "--lcores", lcores,
			 "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=lib.eal:warning",
			 "--vdev", vdev, "--", "--region", region,
			 "--legs", "64", "--idle-sleep-us", "50", "--addr",
			 "0=198.18.0.2", "--provision", prov, NULL };
	struct proc dp;
	int pfd[2], st;
	pid_t kid;

	snprintf(cpu, sizeof(cpu), "%d", proc_first_cpu());
	if (workers == 1)
		snprintf(lcores, sizeof(lcores), "0@%s", cpu);
	else	/* main lcore and two workers, on one CPU */
		snprintf(lcores, sizeof(lcores), "0@%s,1@%s,2@%s", cpu, cpu,
			 cpu);
	snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s,qpairs=%d",
		 dp_if, workers);
	ck_assert_int_eq(proc_start(&dp, argv), 0);
	ck_assert_msg(proc_expect(&dp, "ready: region", WAIT_MS),
		      "tutti-dp did not start:\n%s", dp.out);
	/* ping: ARP and ICMP echo answered */
	snprintf(cmd, sizeof(cmd), "ip netns exec %s ping -c 2 -i 0.2 -W 2 "
		 "198.18.0.2 >/dev/null 2>&1", ns);
	ck_assert_msg(system(cmd) == 0, "no answer to ping");

	ck_assert_int_eq(pipe(pfd), 0);
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		memset(&v, 0, sizeof(v));
		phones(&v);
		if (write(pfd[1], &v, sizeof(v)) != (ssize_t)sizeof(v))
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &v, sizeof(v)), (ssize_t)sizeof(v));
	close(pfd[0]);
	waitpid(kid, &st, 0);
	ck_assert_msg(v.err == 0, "phones: %s: %s", v.what, strerror(v.err));
	ck_assert_int_eq(proc_stop(&dp, SIGTERM, WAIT_MS), 0);

	for (int i = 0; i < PHONES; i++) {
		/* one packet per tick while sending, and more after */
		ck_assert_msg(v.pkts[i] >= PKTS - 5, "phone %d got %u packets",
			      i, v.pkts[i]);
		ck_assert_uint_eq(v.seq_gaps[i], 0);
		for (int j = 0; j < PHONES; j++)
			if (i == j)
				ck_assert_msg(v.db[i][j] < -40.0, "phone %d "
					      "hears itself at %.1f dB", i,
					      v.db[i][j]);
			else
				ck_assert_msg(fabs(v.db[i][j]) < 1.5, "phone %d"
					      " hears %d at %.1f dB", i, j,
					      v.db[i][j]);
	}
	/* every malformed packet counted under its reason, nothing else
	 * lost: the valid ones all reached the jitter buffers */
	ck_assert_uint_eq(stop_count(dp.out, "bad_rtp"),
			  N_BAD_VERSION + N_TRUNC);
	ck_assert_uint_eq(stop_count(dp.out, "bad_pt"), N_BAD_PT);
	ck_assert_uint_eq(stop_count(dp.out, "jb_late"), 0);
	ck_assert_uint_eq(stop_count(dp.out, "no_mbuf"), 0);
	ck_assert_uint_eq(stop_count(dp.out, "tx_full"), 0);
	if (workers == 2) {
		ck_assert_msg(strstr(dp.out, "worker 1 (lcore 2): 0 commands, "
				     ) != NULL && strstr(dp.out,
				     "1 conferences, 3 legs") != NULL,
			      "conference not on worker 1:\n%s", dp.out);
		/* which queue a flow lands on is af_packet's hash: what
		 * worker 0 got went to worker 1 by dispatch (test_io checks
		 * the dispatch itself deterministically) */
	}
}

START_TEST(test_dp_three_phones_hear_each_other)
{
	three_phones(1);
}
END_TEST

START_TEST(test_dp_three_phones_dispatched_to_their_worker)
{
	three_phones(2);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("dp_media");
	TCase *tc = tcase_create("lab");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_dp_three_phones_hear_each_other);
	suite_add_tcase(s, tc);
	tc = tcase_create("lab_two_workers");
	tcase_add_checked_fixture(tc, setup_two, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_dp_three_phones_dispatched_to_their_worker);
	suite_add_tcase(s, tc);
	return s;
}
