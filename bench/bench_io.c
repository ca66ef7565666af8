/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_io.c: a worker's whole 20 ms for N G.711 participants in
 * conferences of 10 (3 talkers each, the rest near-silent), in-process on a
 * ring-backed ethdev (real EAL, no hugepages): each of N RTP frames taken
 * off the receive ring, classified (software checksums), steered, checked
 * and put in its jitter buffer; every conference ticked once (pull, mix,
 * encode); N RTP packets built and put on the transmit ring, whose mbufs
 * are freed at the next transmit burst, as a NIC's driver frees completed
 * descriptors (nic_done()). What a NIC costs beyond that is left out (the
 * rings pass pointers), so this is the data plane's own ceiling;
 * bench/sysbench measures it behind memif with a generator.
 *
 * Each run first plays WARM_FRAMES frames untimed (the jitter buffers
 * fill and settle), then times the frames of the steady state.
 *
 *   io/frame/<N>   ns/participant = wall time of one 20 ms frame / N;
 *                  participants/core = 20 ms / ns/participant
 *   io/frame_phased/<N>  the same with the conferences on 20 phases 1 ms
 *                  apart, as tutti-dp spreads them: each phase's frames
 *                  arrive, then its conferences tick (20 polls a frame)
 *   io/frame_zc/<N>   the same with each shared payload attached to its
 *                  listeners' packets as a second segment (tutti-dp
 *                  --tx-zero-copy), not copied into each (io/frame)
 *   io/frame_srtp/<N> io/frame with every leg SRTP
 *                  (AES_CM_128_HMAC_SHA1_80): each packet in
 *                  authenticated and decrypted, each out built whole and
 *                  protected. The peers' packets are protected between
 *                  the frames, untimed (what a generator would send)
 *   io/steered/<N>    two workers on a port with two receive queues; the
 *                  legs belong to worker 1 and arrive on its queue, as
 *                  rte_flow rules put them (steer.h)
 *   io/dispatched/<N> the same frames arriving on worker 0's queue: it
 *                  passes them to worker 1 through the dispatch ring
 *                  (software dispatch, io.h). Both workers run in this
 *                  one thread, so the difference from io/steered is the
 *                  CPU the dispatch stage costs per packet (the cache
 *                  lines a real second core would pull across are not in
 *                  it)
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "csum.h"
#include "ctl.h"
#include "g711.h"
#include "gb_shim.h"
#include "io.h"
#include "lcore.h"
#include "net.h"
#include "port.h"
#include "rtp.h"
#include "shm_msg.h"
#include "shm_region.h"
#include "srtp.h"

#define FS		160
#define PER_CONF	10
#define TALKERS		3
#define MAX_N		20000

static struct rte_ring *rxr, *txr;
static struct rte_ring *rxr2[2], *txr2[2];	/* the two-queue port */
static struct rte_mempool *pool;
static struct dp_port port, port2;
static uint32_t dp_ip, peer_ip;
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

void
dp_housekeeping(uint64_t now_tsc)
{
	(void)now_tsc;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Frames the generator would send: leg i's RTP with a UDP checksum, as
 * behind memif (the worker verifies it in software); only seq, timestamp
 * and the checksum change from frame to frame: frame_sum[i] is the
 * one's-complement sum the checksum comes from with both 0. */
static uint8_t (*frames)[DP_NET_HDR_LEN + 12 + FS];
static uint16_t *frame_sum;
/* io/frame_srtp: the frame of leg i protected by its peer (peers[i]) */
#define SRTP_LEN	(12 + FS + 10)
static uint8_t (*sframes)[DP_NET_HDR_LEN + SRTP_LEN];
static struct dp_srtp **peers;

/* What leg i's peer sends from (40000 + i) to its local port. */
static struct dp_net_flow
peer_flow(uint32_t i)
{
	struct dp_net_flow fl = {
		.src_ip_be = peer_ip, .dst_ip_be = dp_ip,
		.src_port_be = htons((uint16_t)(40000 + i)),
		.dst_port_be = htons((uint16_t)(20000 + 2 * i)),
	};

	memcpy(fl.src_mac, peer_mac, 6);
	memcpy(fl.dst_mac, port.mac.addr_bytes, 6);
	return fl;
}

static void
make_frames(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *f = frames[i];
		struct dp_net_flow fl = peer_flow(i);
		bool talks = i % PER_CONF < TALKERS;
		int16_t pcm[FS];

		dp_rtp_write_hdr(f + DP_NET_HDR_LEN, 0, false, 0, 0, 0x100 + i);
		for (int k = 0; k < FS; k++)
			pcm[k] = talks ? (int16_t)lrint(6000.0 * sin(2.0 *
				M_PI * (300.0 + 100.0 * (i % PER_CONF)) * k /
				8000.0)) : (int16_t)(k % 3 - 1);
		dp_g711_encode(DP_LAW_ULAW, f + DP_NET_HDR_LEN + 12, pcm, FS);
		dp_net_build_udp(f, 12 + FS, &fl, 0);
		frame_sum[i] = (uint16_t)~dp_net_get16(f + DP_NET_HDR_LEN - 2);
	}
}

/* What a benchmark runs: io/frame, io/frame_zc, io/steered, io/dispatched. */
struct io_arg {
	bool zc;		/* shared payloads attached, not copied */
	bool srtp;		/* every leg SRTP */
	bool two;		/* two workers on a port with two queues; the
				 * legs belong to worker 1 */
	bool dispatch;		/* ... and arrive on worker 0's queue */
	bool phased;		/* conferences on PHASES phases, as tutti-dp */
};

/* io/frame_phased: tutti-dp puts conferences on phases 1 ms apart */
#define PHASES		20

/* io/frame_srtp's keys: leg i's peer's (who 1) and tutti-dp's (who 2) */
static void
srtp_key(uint8_t *k, uint8_t who, uint32_t i)
{
	for (int j = 0; j < SHM_SRTP_KEY_BYTES; j++)
		k[j] = (uint8_t)(who * 37 + i * 11 + (uint32_t)j * 3);
}

/* Leg i (id i + 1, conference conf) made SRTP: its two keys to lc, and a
 * peer's session that protects what it sends. Returns 0 or -1. */
static int
srtp_leg(struct dp_lcore *lc, uint32_t conf, uint32_t i)
{
	uint8_t k[SHM_SRTP_KEY_BYTES];
	struct shm_msg m;

	for (uint8_t dir = SHM_SRTP_RX; dir <= SHM_SRTP_TX; dir++) {
		shm_msg_init(&m, SHM_CMD_LEG_SRTP, 3, conf);
		m.body.srtp.leg_id = i + 1;
		m.body.srtp.dir = dir;
		m.body.srtp.suite = SHM_SRTP_AES_CM_128_HMAC_SHA1_80;
		srtp_key(m.body.srtp.key, dir == SHM_SRTP_RX ? 1 : 2, i);
		if (dp_ctl_apply(lc, &m) < 0)
			return -1;
	}
	dp_srtp_free(peers[i]);	/* a run's packets start at index 0 */
	if ((peers[i] = dp_srtp_new()) == NULL)
		return -1;
	srtp_key(k, 1, i);
	if (dp_srtp_set_key(peers[i], SHM_SRTP_TX,
			    SHM_SRTP_AES_CM_128_HMAC_SHA1_80, k, 0x100 + i) < 0)
		return -1;
	srtp_key(k, 2, i);	/* (its receive side, unused) */
	return dp_srtp_set_key(peers[i], SHM_SRTP_RX,
			       SHM_SRTP_AES_CM_128_HMAC_SHA1_80, k, 0);
}

/* The peers' packets of frame number `frame`, protected (untimed). */
static void
srtp_frames(uint32_t n, uint64_t frame)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *f = sframes[i];
		uint8_t *r = f + DP_NET_HDR_LEN;
		struct dp_net_flow fl = peer_flow(i);
		uint32_t len = 12 + FS;
		unsigned int why;

		memcpy(r, frames[i] + DP_NET_HDR_LEN, 12 + FS);
		dp_rtp_write_hdr(r, 0, false, (uint16_t)frame,
				 (uint32_t)(frame * FS), 0x100 + i);
		if (dp_srtp_protect(peers[i], false, r, &len, &why) < 0 ||
		    len != SRTP_LEN)
			abort();	/* the bench's own error */
		dp_net_build_udp(f, len, &fl, 0);
	}
}

/* confs conferences of PER_CONF legs on lc; leg i on local port
 * 20000 + 2i, its peer at 40000 + i; SRTP legs if srtp. Returns 0 or
 * -1. */
static int
provision(struct dp_lcore *lc, uint32_t confs, bool srtp)
{
	for (uint32_t c = 0; c < confs; c++) {
		struct shm_msg m;

		shm_msg_init(&m, SHM_CMD_CONF_CREATE, 1, c + 1);
		m.body.conf.rate_hz = 8000;
		m.body.conf.ptime_ms = 20;
		dp_ctl_apply(lc, &m);
		for (uint32_t j = 0; j < PER_CONF; j++) {
			uint32_t i = c * PER_CONF + j;

			shm_msg_init(&m, SHM_CMD_LEG_ADD, 2, c + 1);
			m.body.leg.leg_id = i + 1;
			m.body.leg.ssrc = 0x10000 + i;
			m.body.leg.addr[10] = m.body.leg.addr[11] = 0xff;
			memcpy(m.body.leg.addr + 12, &peer_ip, 4);
			m.body.leg.remote_port = htons((uint16_t)(40000 + i));
			m.body.leg.local_port = htons((uint16_t)(20000 + 2 * i));
			m.body.leg.rate_hz = 8000;
			m.body.leg.ptime_ms = 20;
			if (srtp)
				m.body.leg.flags |= SHM_LEG_SRTP;
			if (dp_ctl_apply(lc, &m) < 0 ||
			    (srtp && srtp_leg(lc, c + 1, i) < 0))
				return -1;
		}
	}
	return 0;
}

/* Leg i's frame number `frame` into the empty mbuf b[j] (srtp: as
 * srtp_frames() protected it). */
static void
feed(struct rte_mbuf **b, uint32_t i, uint32_t j, uint64_t frame, bool srtp)
{
	uint8_t *f = frames[i];
	uint8_t *r = f + DP_NET_HDR_LEN;
	uint16_t csum;

	if (srtp) {
		memcpy(rte_pktmbuf_append(b[j], sizeof(sframes[0])),
		       sframes[i], sizeof(sframes[0]));
		return;
	}
	r[2] = (uint8_t)(frame >> 8);
	r[3] = (uint8_t)frame;
	r[4] = (uint8_t)((frame * FS) >> 24);
	r[5] = (uint8_t)((frame * FS) >> 16);
	r[6] = (uint8_t)((frame * FS) >> 8);
	r[7] = (uint8_t)(frame * FS);
	csum = (uint16_t)~dp_net_fold((uint64_t)frame_sum[i] +
				      (uint16_t)frame +
				      (uint16_t)((frame * FS) >> 16) +
				      (uint16_t)(frame * FS));
	dp_net_put16(f + DP_NET_HDR_LEN - 2, csum != 0 ? csum : 0xffff);
	memcpy(rte_pktmbuf_append(b[j], sizeof(frames[0])), f,
	       sizeof(frames[0]));
}

/* Free every mbuf the port has put on its transmit ring r. */
static void
nic_free(struct rte_ring *r)
{
	struct rte_mbuf *b[64];
	unsigned int got;

	while ((got = rte_ring_dequeue_burst(r, (void **)b, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(b, got);
}

/* The NIC frees what it sent: each transmit burst first frees the bursts
 * before it (r, its queue's ring), as a NIC's driver frees the buffers of
 * completed descriptors, or memif those it copied out. Without it, a
 * phase's packets (N / PHASES of them) stayed on the ring until tick()
 * took them, and their mbufs cycled through far more memory than the
 * pool's per-core cache: last-level write misses tutti-dp does not
 * have. */
static uint16_t
nic_done(uint16_t port_id, uint16_t queue, struct rte_mbuf **pkts,
	 uint16_t n, void *r)
{
	(void)port_id;
	(void)queue;
	(void)pkts;
	nic_free(r);
	return n;
}

/* The tick due at t on own, then the NIC takes what was sent. */
static void
tick(struct dp_lcore *own, uint64_t t, const struct io_arg *a,
     unsigned int nw)
{
	own->next_tick_check = 0;
	dp_io_poll(own, t);
	for (unsigned int w = 0; w < nw; w++)
		nic_free(a->two ? txr2[w] : txr);
}

/* The worker that receives (rx) and the one that owns the legs (own, the
 * same for one worker): poll until fewer than min frames wait. */
static void
take(struct dp_lcore *rx, struct dp_lcore *own, struct rte_ring *r,
     unsigned int min, uint64_t now)
{
	while (rte_ring_count(r) >= min) {
		dp_io_poll(rx, now);
		if (own != rx)	/* what was dispatched to it */
			dp_io_poll(own, now);
	}
}

/* Frames run before the timed ones (a leg's jitter buffer first fills
 * 60 ms and its depth adapts). */
#define WARM_FRAMES	10

/* One benchmark run's worker(s), ports and clock. */
struct frame_ctx {
	const struct io_arg *a;
	struct dp_lcore *own, *rx;
	struct rte_ring *in;
	uint32_t n, confs;
	unsigned int nw;
	uint64_t now, period, frame;
	uint32_t warm;		/* frames of the warm-up run */
};

/* One 20 ms frame: every leg's packet in, the ticks, the packets out. */
static inline __attribute__((always_inline)) void
frame_body(struct frame_ctx *f)
{
	const struct io_arg *a = f->a;
	struct rte_mbuf *b[64];

	if (a->phased) {
		/* each phase's frames arrive, then its conferences tick */
		for (uint32_t ph = 0; ph < PHASES; ph++) {
			uint64_t t = f->now + ph * (f->period / PHASES);

			/* a conference (PER_CONF legs) at a time */
			for (uint32_t c = ph; c < f->confs; c += PHASES) {
				if (rte_pktmbuf_alloc_bulk(pool, b,
							   PER_CONF) != 0)
					break;
				for (uint32_t l = 0; l < PER_CONF; l++)
					feed(b, c * PER_CONF + l, l, f->frame,
					     a->srtp);
				rte_ring_enqueue_bulk(f->in, (void **)b,
						      PER_CONF, NULL);
				take(f->rx, f->own, f->in, DP_BURST, t);
			}
			take(f->rx, f->own, f->in, 1, t);
			tick(f->own, t, a, f->nw);
		}
		f->now += f->period;
	} else {
		/* the generator's frames on the receive ring */
		for (uint32_t i = 0; i < f->n; i += 64) {
			uint32_t k = f->n - i < 64 ? f->n - i : 64;

			if (rte_pktmbuf_alloc_bulk(pool, b, k) != 0)
				break;
			for (uint32_t j = 0; j < k; j++)
				feed(b, i + j, j, f->frame, a->srtp);
			rte_ring_enqueue_bulk(f->in, (void **)b, k, NULL);
			/* the worker takes them as they come */
			take(f->rx, f->own, f->in, DP_BURST, f->now);
		}
		take(f->rx, f->own, f->in, 1, f->now);
		f->now += f->period;
		tick(f->own, f->now, a, f->nw);
	}
	f->frame++;
}

/* Two names for one frame, so that a profiler can tell the timed frames
 * from the warm-up (bench/instr: callgrind --toggle-collect=timed_frame);
 * their code differs, or the compiler makes them one. */
static __attribute__((noinline)) void
warm_frame(struct frame_ctx *f)
{
	if (f->a->srtp)
		srtp_frames(f->n, f->frame);
	frame_body(f);
	f->warm++;
}

static __attribute__((noinline)) void
timed_frame(struct frame_ctx *f)
{
	frame_body(f);
}

static void
bench_frame(struct gb_state *st, void *arg)
{
	const struct io_arg *a = arg;
	static struct shm_region region;
	static struct dp_lcore lcs[2];
	const unsigned int nw = a->two ? 2 : 1;
	struct shm_region_cfg cfg = { .n_workers = nw,
				      .n_legs = nw * (MAX_N + 64) };
	uint32_t n = (uint32_t)gb_range(st, 0), confs = n / PER_CONF;
	struct dp_lcore *own = &lcs[nw - 1];
	struct dp_lcore *rx = a->dispatch ? &lcs[0] : own;
	struct rte_ring *in = a->two ? rxr2[a->dispatch ? 0 : 1] : rxr;
	struct frame_ctx fc;
	char err[256], name[64];
	uint64_t now, period = 0, late0, tx0, disp0;
	double t0, t1;

	snprintf(name, sizeof(name), "/tutti-bench-io-%d", (int)getpid());
	cfg.name = name;
	if (shm_region_create(&region, &cfg, err, sizeof(err)) < 0 ||
	    dp_io_init(nw) < 0) {
		gb_skip_with_error(st, "set-up failed");
		return;
	}
	for (unsigned int w = 0; w < nw; w++) {
		if (dp_lcore_init(&lcs[w], &region, w, rte_lcore_id(),
				  confs + 8) < 0) {
			gb_skip_with_error(st, "set-up failed");
			return;
		}
		dp_io_attach(&lcs[w], a->two ? &port2 : &port, 1, pool);
		/* checksums in software, as behind memif or af_packet,
		 * whatever the ring port offers */
		lcs[w].lp[0].tx_flags = 0;
		lcs[w].tx_zc = a->zc;
	}
	if (provision(own, confs, a->srtp) < 0) {
		gb_skip_with_error(st, "leg add failed");
		return;
	}
	/* every conference on the same tick: one poll runs them all; or
	 * (phased) conference c (id c + 1) on phase c % PHASES of the
	 * period */
	now = rte_rdtsc();
	for (uint32_t k = 0; k < own->n_active; k++) {
		struct dp_conf *c = &own->confs[own->active[k].conf];

		period = c->period;
		c->next_tick = now + (a->phased ?
			((c->conf_id - 1) % PHASES) * (period / PHASES) : 0);
	}
	dp_lcore_start_ticks(own, now - 1);	/* the schedule's order */
	make_frames(n);

	fc = (struct frame_ctx){ .a = a, .own = own, .rx = rx, .in = in,
				 .n = n, .confs = confs, .nw = nw,
				 .now = now, .period = period };
	/* the jitter buffers filled and their depth settled: the frames
	 * timed are the steady state's */
	for (int w = 0; w < WARM_FRAMES; w++)
		warm_frame(&fc);
	late0 = own->st.late_ticks;
	tx0 = own->st.tx_pkts;
	disp0 = lcs[0].n_dispatched;
	if (a->srtp) {
		/* the peers' packets protected between the frames, out of
		 * the time (t1 - t0: the frames' own) */
		double timed = 0;

		while (gb_keep_running(st)) {
			gb_pause_timing(st);
			srtp_frames(n, fc.frame);
			gb_resume_timing(st);
			t0 = now_ns();
			timed_frame(&fc);
			timed += now_ns() - t0;
		}
		t0 = 0;
		t1 = timed;
	} else {
		t0 = now_ns();
		while (gb_keep_running(st))
			timed_frame(&fc);
		t1 = now_ns();
	}
	gb_set_items(st, gb_iterations(st) * (int64_t)n);
	gb_counter(st, "ns/participant", gb_iterations(st) ? (t1 - t0) /
		   ((double)gb_iterations(st) * n) : 0, false, false);
	gb_counter(st, "participants/core", gb_iterations(st) ? 20e6 /
		   ((t1 - t0) / ((double)gb_iterations(st) * n)) : 0, false,
		   false);
	gb_counter(st, "late_ticks", (double)(own->st.late_ticks - late0), false,
		   false);
	gb_counter(st, "tx_per_frame", gb_iterations(st) ?
		   (double)(own->st.tx_pkts - tx0) / (double)gb_iterations(st) : 0,
		   false, false);
	gb_counter(st, "dispatched_per_frame", gb_iterations(st) ?
		   (double)(lcs[0].n_dispatched - disp0) /
		   (double)gb_iterations(st) : 0,
		   false, false);
	for (unsigned int w = 0; w < nw; w++) {
		dp_io_detach(&lcs[w]);
		dp_lcore_fini(&lcs[w]);
	}
	dp_io_fini();
	shm_region_detach(&region);
	shm_unlink(name);
}

/* Free hugepage memory, MB (0 if none or unknown). */
static long
huge_free_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long pages = 0, kb = 0;
	char line[128];

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Free: %ld", &pages);
		sscanf(line, "Hugepagesize: %ld kB", &kb);
	}
	fclose(f);
	return pages * kb / 1024;
}

/* Hugepage memory the runs need: the pool and 2 x 20,000 legs' state. */
#define HUGE_NEED_MB	2048

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { "bench_io", "-l", "0", "--no-pci", "--no-telemetry",
			"--log-level=lib.eal:error", "--file-prefix", prefix,
			"--no-shconf", "--no-huge", "-m", "1024", NULL };
	int n_eal = 12;
	long huge_mb = huge_free_mb();
	static struct {
		const char *name;
		struct io_arg a;
	} runs[] = {
		{ "io/frame", { false, false, false, false, false } },
		{ "io/frame_zc", { true, false, false, false, false } },
		{ "io/frame_srtp", { false, true, false, false, false } },
		{ "io/frame_phased", { false, false, false, false, true } },
		{ "io/steered", { false, false, true, false, false } },
		{ "io/dispatched", { false, false, true, true, false } },
	};
	struct gb_bench *b;
	char err[256];

	snprintf(prefix, sizeof(prefix), "bench_io_%d", (int)getpid());
	/* as tutti-dp runs for benchmarks: on hugepages when there are
	 * enough (TUTTI_BENCH_NO_HUGE=1: without, to compare) */
	if (huge_mb >= HUGE_NEED_MB && getenv("TUTTI_BENCH_NO_HUGE") == NULL) {
		eal[8] = "--in-memory";	/* hugepages without a mount */
		eal[9] = NULL;
		n_eal = 9;
		fprintf(stderr, "bench_io: hugepages (%ld MB free)\n", huge_mb);
	} else {
		fprintf(stderr, "bench_io: no hugepages (%ld MB free; %d MB "
			"needed: echo %d > /proc/sys/vm/nr_hugepages), 4 kB "
			"pages cost more TLB misses than tutti-dp has\n",
			huge_mb, HUGE_NEED_MB, HUGE_NEED_MB / 2);
	}
	if (rte_eal_init(n_eal, eal) < 0) {
		fprintf(stderr, "bench_io: EAL init failed\n");
		return 1;
	}
	/* the checksum sums of the best ISA, as tutti-dp picks them */
	dp_csum_use(dp_csum_for(dp_simd_best()));
	fprintf(stderr, "bench_io: kernels: %s\n",
		dp_simd_name(dp_simd_best()));
	rxr = rte_ring_create("bio_rx", 32768, 0, RING_F_SP_ENQ |
			      RING_F_SC_DEQ);
	txr = rte_ring_create("bio_tx", 32768, 0, RING_F_SP_ENQ |
			      RING_F_SC_DEQ);
	pool = rte_pktmbuf_pool_create("bio_pool", 65535, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	frames = calloc(MAX_N, sizeof(*frames));
	frame_sum = calloc(MAX_N, sizeof(*frame_sum));
	sframes = calloc(MAX_N, sizeof(*sframes));
	peers = calloc(MAX_N, sizeof(*peers));
	if (dp_srtp_init() != 0) {
		fprintf(stderr, "bench_io: libsrtp's start failed\n");
		return 1;
	}
	inet_pton(AF_INET, "198.18.0.2", &dp_ip);
	inet_pton(AF_INET, "198.18.0.1", &peer_ip);
	if (!rxr || !txr || !pool || !frames || !frame_sum || !sframes ||
	    !peers ||
	    rte_eth_from_rings("bio_port", &rxr, 1, &txr, 1, 0) < 0 ||
	    dp_port_init(&port, 0, 1, dp_ip, 0, pool, 1024, 1024, err,
			 sizeof(err)) < 0) {
		fprintf(stderr, "bench_io: set-up failed\n");
		return 1;
	}
	for (int q = 0; q < 2; q++) {
		char name[32];

		snprintf(name, sizeof(name), "bio2_rx%d", q);
		rxr2[q] = rte_ring_create(name, 32768, 0, 0);
		snprintf(name, sizeof(name), "bio2_tx%d", q);
		txr2[q] = rte_ring_create(name, 32768, 0, 0);
		if (!rxr2[q] || !txr2[q]) {
			fprintf(stderr, "bench_io: set-up failed\n");
			return 1;
		}
	}
	if (rte_eth_from_rings("bio_port2", rxr2, 2, txr2, 2, 0) < 0 ||
	    dp_port_init(&port2, 1, 2, dp_ip, 0, pool, 1024, 1024, err,
			 sizeof(err)) < 0) {
		fprintf(stderr, "bench_io: two-queue port: %s\n", err);
		return 1;
	}
	if (rte_eth_add_tx_callback(0, 0, nic_done, txr) == NULL ||
	    rte_eth_add_tx_callback(1, 0, nic_done, txr2[0]) == NULL ||
	    rte_eth_add_tx_callback(1, 1, nic_done, txr2[1]) == NULL) {
		fprintf(stderr, "bench_io: transmit callbacks: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		b = gb_register(runs[i].name, bench_frame, &runs[i].a);
		gb_use_real_time(b);
		gb_arg(b, 1000);
		gb_arg(b, 5000);
		gb_arg(b, 20000);
	}
	return gb_main(argc, argv);
}
