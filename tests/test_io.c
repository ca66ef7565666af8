/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_io.c: a worker's packet path (io.c) in-process on a ring-backed
 * ethdev (rte_eth_from_rings, real EAL, no hugepages): frames are put on
 * the port's receive ring, dp_io_poll() runs with a clock the test moves,
 * and what the worker sends is taken off the transmit ring and checked
 * byte by byte. ARP and ping are answered; RTP from two legs comes back as
 * one packet per leg per tick with valid checksums, the leg's SSRC and
 * payload type and running sequence numbers, each leg hearing the other;
 * a leg not heard from yet costs an ARP request, not a packet; ticks that
 * start more than a ptime late are counted; malformed frames are counted
 * by reason; a shared mix attached rather than copied is the same on the
 * wire and leaks no mbuf; a received mbuf is kept to send unless it is
 * shared, and none is lost; a leg's packets follow the peer's MAC and a
 * leg update that moves its port; without a control plane no event but a
 * status is offered; on two ports each leg's packets go out of its own
 * address's port and each port answers for its own addresses only. Unit
 * suite (no root, no network).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "capture.h"
#include "check_main.h"
#include "ctl.h"
#include "g711.h"
#include "io.h"
#include "lcore.h"
#include "net.h"
#include "port.h"
#include "proc.h"
#include "rtcp.h"
#include "rtp.h"
#include "shm_msg.h"
#include "shm_region.h"
#include "shm_ring.h"
#include "srtp.h"

#define FS	160

static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t *rx_mac = peer_mac;	/* what frames come from */
static struct rte_ring *rxr, *txr;
static struct rte_ring *rxr2[2], *txr2[2];	/* two queue pairs */
static int port2_id;
/* a third port: one receive queue, two transmit queues (two workers) */
static struct rte_ring *rxr3, *txr3[2];
static int port3_id;
static struct dp_port p3;	/* 198.19.0.2/24, gateway 198.19.0.254 */
static uint32_t ip3, gw3;
/* where rx_frame() puts frames (rxr unless a case says otherwise), and
 * the MAC make_udp() sends to (the fixture port's) */
static struct rte_ring *rx_q;
static const uint8_t *rx_to_mac;
static struct rte_mempool *pool;
static struct shm_region region;
static struct dp_port port;
static struct dp_lcore lc;
static char region_name[64];
static uint32_t dp_ip, peer_ip;
static uint32_t rx_dst_ip;	/* where rx_udp() sends: dp_ip by default */
static uint32_t rx_src_ip;	/* ... from: peer_ip by default */
static uint16_t rx_vlan;	/* rx_frame() tags frames with it (0: none) */

/* tutti-dp's main.c has the main lcore's housekeeping; not run here. */
void
dp_housekeeping(uint64_t now_tsc)
{
	(void)now_tsc;
}

static void
eal_once(void)
{
	static bool done;
	char prefix[64];
	char *argv[] = { "test_io", "-l", "0", "--no-huge", "-m", "256",
			 "--no-pci", "--no-shconf", "--no-telemetry",
			 "--log-level=lib.eal:error", "--file-prefix", prefix,
			 NULL };
	int port_id;

	if (done)
		return;
	snprintf(prefix, sizeof(prefix), "test_io_%d", (int)getpid());
	ck_assert_int_ge(rte_eal_init(12, argv), 0);
	rxr = rte_ring_create("io_rx", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	txr = rte_ring_create("io_tx", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	pool = rte_pktmbuf_pool_create("io_pool", 8191, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	ck_assert(rxr && txr && pool);
	port_id = rte_eth_from_rings("io_port", &rxr, 1, &txr, 1, 0);
	ck_assert_int_ge(port_id, 0);
	for (int q = 0; q < 2; q++) {
		char name[32];

		snprintf(name, sizeof(name), "io2_rx%d", q);
		rxr2[q] = rte_ring_create(name, 1024, 0, 0);
		snprintf(name, sizeof(name), "io2_tx%d", q);
		txr2[q] = rte_ring_create(name, 4096, 0, 0);
		ck_assert(rxr2[q] && txr2[q]);
	}
	port2_id = rte_eth_from_rings("io_port2", rxr2, 2, txr2, 2, 0);
	ck_assert_int_ge(port2_id, 0);
	rxr3 = rte_ring_create("io3_rx", 1024, 0, 0);
	txr3[0] = rte_ring_create("io3_tx0", 4096, 0, 0);
	txr3[1] = rte_ring_create("io3_tx1", 4096, 0, 0);
	ck_assert(rxr3 && txr3[0] && txr3[1]);
	port3_id = rte_eth_from_rings("io_port3", &rxr3, 1, txr3, 2, 0);
	ck_assert_int_ge(port3_id, 0);
	inet_pton(AF_INET, "198.19.0.2", &ip3);
	inet_pton(AF_INET, "198.19.0.254", &gw3);
	inet_pton(AF_INET, "198.18.0.2", &dp_ip);
	inet_pton(AF_INET, "198.18.0.1", &peer_ip);
	ck_assert_int_eq(dp_srtp_init(), 0);	/* as tutti-dp's main() */
	done = true;
}

static void
setup(void)
{
	struct shm_region_cfg cfg = { .n_workers = 1, .n_legs = 64 };
	char err[256];
	struct rte_mbuf *m;

	eal_once();
	snprintf(region_name, sizeof(region_name), "/tutti-test-io-%d",
		 (int)getpid());
	cfg.name = region_name;
	ck_assert_int_eq(shm_region_create(&region, &cfg, err, sizeof(err)),
			 0);
	/* nothing here attaches by name: the name goes at once, so that a
	 * failed case, which skips teardown (check's forked child _exit()s,
	 * past atexit), leaves nothing in /dev/shm; the mapping stays */
	shm_unlink(region_name);
	ck_assert_int_eq(dp_lcore_init(&lc, &region, 0, rte_lcore_id(), 8),
			 0);
	ck_assert_int_eq(dp_io_init(1), 0);
	if (!port.started)	/* once: closing a ring port removes it */
		ck_assert_int_eq(dp_port_init(&port, 0, 1, dp_ip, 0, pool, 256,
					      256, err, sizeof(err)), 0);
	/* no routing (the cases share the port: CK_FORK=no) */
	memset(port.plen, 32, sizeof(port.plen));
	port.gw_be = 0;
	port.dscp = 46;
	port.vlan = 0;
	rx_vlan = 0;
	dp_io_attach(&lc, &port, 1, pool);
	rx_mac = peer_mac;
	rx_dst_ip = dp_ip;
	rx_src_ip = peer_ip;
	rx_q = rxr;
	rx_to_mac = port.mac.addr_bytes;
	while (rte_ring_dequeue(txr, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

static void
teardown(void)
{
	dp_cap_fini();		/* a case's capture (the cases share a
				 * process) */
	dp_io_detach(&lc);
	dp_lcore_fini(&lc);
	dp_io_fini();
	shm_region_detach(&region);
}

/* A frame from the peer into the port's receive ring (rx_q). */
static void
rx_frame(const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d;

	ck_assert_ptr_nonnull(m);
	if (rx_vlan == 0) {
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	} else {	/* 802.1Q: the tag after the MACs */
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(len + 4));
		memcpy(d, f, 12);
		d[12] = 0x81;
		d[13] = 0x00;
		d[14] = (uint8_t)(rx_vlan >> 8);
		d[15] = (uint8_t)rx_vlan;
		memcpy(d + 16, f + 12, len - 12);
	}
	ck_assert_int_eq(rte_ring_enqueue(rx_q, m), 0);
}

/* The frame of a UDP datagram from the peer's port sport to our dport
 * (from rx_src_ip to rx_dst_ip: peer_ip to dp_ip unless a case says
 * otherwise). */
static uint32_t
make_udp(uint8_t *f, uint16_t sport, uint16_t dport, const uint8_t *pay,
	 uint32_t len)
{
	struct dp_net_flow fl = { .src_ip_be = rx_src_ip,
				  .dst_ip_be = rx_dst_ip,
				  .src_port_be = htons(sport),
				  .dst_port_be = htons(dport) };

	memcpy(fl.src_mac, rx_mac, 6);
	memcpy(fl.dst_mac, rx_to_mac, 6);
	memcpy(f + DP_NET_HDR_LEN, pay, len);
	ck_assert_int_eq(dp_net_build_udp(f, len, &fl, 0), 0);
	return DP_NET_HDR_LEN + len;
}

static void
rx_udp(uint16_t sport, uint16_t dport, const uint8_t *pay, uint32_t len)
{
	uint8_t f[DP_NET_HDR_LEN + 1500];

	rx_frame(f, make_udp(f, sport, dport, pay, len));
}

/* A 20 ms RTP packet of a tone at pkt (12 + FS bytes): G.711 by pt. */
static void
make_rtp(uint8_t *pkt, uint8_t pt, uint16_t seq, uint32_t ssrc, double freq)
{
	int16_t pcm[FS];

	dp_rtp_write_hdr(pkt, pt, seq == 0, seq, (uint32_t)seq * FS, ssrc);
	for (int k = 0; k < FS; k++)
		pcm[k] = (int16_t)lrint(6000.0 * sin(2.0 * M_PI * freq *
						     (seq * FS + k) / 8000.0));
	dp_g711_encode(pt == 8 ? DP_LAW_ALAW : DP_LAW_ULAW, pkt + 12, pcm,
		       FS);
}

static void
rx_rtp(uint16_t sport, uint16_t dport, uint8_t pt, uint16_t seq,
       uint32_t ssrc, double freq)
{
	uint8_t pkt[12 + FS];

	make_rtp(pkt, pt, seq, ssrc, freq);
	rx_udp(sport, dport, pkt, sizeof(pkt));
}

/* Take what was sent; n of them at most. */
static unsigned int
tx_take(struct rte_mbuf **out, unsigned int n)
{
	return rte_ring_dequeue_burst(txr, (void **)out, n, NULL);
}

/* The bytes of a sent frame, whatever its segments. */
static void
tx_read(const struct rte_mbuf *m, uint8_t *buf)
{
	const void *p = rte_pktmbuf_read(m, 0, m->pkt_len, buf);

	ck_assert_ptr_nonnull(p);
	if (p != buf)		/* one segment: read in place */
		memcpy(buf, p, m->pkt_len);
}

static void
apply(const struct shm_msg *m)
{
	ck_assert_int_eq(dp_ctl_apply(&lc, m), 0);
}

/* Leg i (0..3) of conference 7, whose peer sends from remote_port. */
static void
leg_msg(struct shm_msg *m, enum shm_msg_type cmd, int i,
	uint16_t remote_port)
{
	shm_msg_init(m, cmd, 2 + (uint32_t)i, 7);
	m->body.leg.leg_id = 70 + (uint32_t)i;
	m->body.leg.ssrc = 0x7000u + (uint32_t)i;
	m->body.leg.addr[10] = m->body.leg.addr[11] = 0xff;
	memcpy(m->body.leg.addr + 12, &peer_ip, 4);
	m->body.leg.remote_port = htons(remote_port);
	m->body.leg.local_port = htons((uint16_t)(20000 + 2 * i));
	m->body.leg.codec = i ? SHM_CODEC_PCMA : SHM_CODEC_PCMU;
	m->body.leg.pt = i ? 8 : 0;
	m->body.leg.dtmf_pt = 101;
	m->body.leg.rate_hz = 8000;
	m->body.leg.ptime_ms = 20;
}

/* Conference 7: 8 kHz, 20 ms. */
static void
add_conf(void)
{
	struct shm_msg m;

	shm_msg_init(&m, SHM_CMD_CONF_CREATE, 1, 7);
	m.body.conf.rate_hz = 8000;
	m.body.conf.ptime_ms = 20;
	apply(&m);
}

/* ... and its legs 0 and 1 (leg_msg()). */
static void
add_conf_and_legs(void)
{
	struct shm_msg m;

	add_conf();
	for (int i = 0; i < 2; i++) {
		leg_msg(&m, SHM_CMD_LEG_ADD, i, (uint16_t)(40000 + 2 * i));
		apply(&m);
	}
}

/* An ARP packet (op 1, a request; 2, a reply) from mac and spa_be about
 * tpa_be, broadcast onto the receive ring. */
static void
rx_arp(uint16_t op, const uint8_t mac[6], uint32_t spa_be, uint32_t tpa_be)
{
	uint8_t f[64] = { 0 };
	struct dp_net_eth *e = (struct dp_net_eth *)f;
	struct dp_net_arp *a = (struct dp_net_arp *)(e + 1);

	memset(e->dst, 0xff, 6);
	memcpy(e->src, mac, 6);
	e->type_be = htons(DP_NET_ETHERTYPE_ARP);
	a->htype_be = htons(1);
	a->ptype_be = htons(DP_NET_ETHERTYPE_IPV4);
	a->hlen = 6;
	a->plen = 4;
	a->op_be = htons(op);
	memcpy(a->sha, mac, 6);
	a->spa_be = spa_be;
	a->tpa_be = tpa_be;
	rx_frame(f, 60);
}

/* An ARP request for tpa_be from spa_be (peer_mac), onto the receive
 * ring. */
static void
arp_ask_for(uint32_t spa_be, uint32_t tpa_be)
{
	rx_arp(1, peer_mac, spa_be, tpa_be);
}

/* The same for dp_ip. */
static void
arp_ask_from(uint32_t spa_be)
{
	arp_ask_for(spa_be, dp_ip);
}

/* Request i of many: from 198.18.16.0 + i (its answer names that
 * address: which request it answers). */
static void
arp_ask(uint32_t i)
{
	arp_ask_from(htonl(0xc6121000u + i));
}

START_TEST(test_io_answers_arp_and_ping)
{
	struct rte_mbuf *out[4];
	const struct dp_net_arp *ra;

	arp_ask_from(peer_ip);
	dp_io_poll(&lc, 1);
	ck_assert_uint_eq(tx_take(out, 4), 1);
	ra = rte_pktmbuf_mtod_offset(out[0], const struct dp_net_arp *,
				     DP_NET_ETH_LEN);
	ck_assert_uint_eq(ntohs(ra->op_be), 2);
	ck_assert_mem_eq(ra->sha, port.mac.addr_bytes, 6);
	ck_assert_uint_eq(ra->spa_be, dp_ip);
	ck_assert_mem_eq(ra->tha, peer_mac, 6);
	ck_assert_uint_eq(ra->tpa_be, peer_ip);
	ck_assert_mem_eq(rte_pktmbuf_mtod(out[0], uint8_t *), peer_mac, 6);
	rte_pktmbuf_free(out[0]);
}
END_TEST

/* Which request (arp_ask()) a sent ARP answer answers. */
static uint32_t
arp_answered(const struct rte_mbuf *m)
{
	const struct dp_net_arp *ra = rte_pktmbuf_mtod_offset(m,
		const struct dp_net_arp *, DP_NET_ETH_LEN);

	ck_assert_uint_eq(ntohs(ra->op_be), 2);
	return ntohl(ra->tpa_be) - 0xc6121000u;
}

/* Polls until the receive ring is empty. */
static void
poll_rx_dry(void)
{
	while (rte_ring_count(rxr) != 0)
		dp_io_poll(&lc, 1);
	dp_io_poll(&lc, 1);
}

/* The transmit ring filled with stand-ins (never sent, never freed) but
 * for room free slots; how many went in. */
static unsigned int
txr_fill(unsigned int room)
{
	static char stand_in;
	unsigned int k = 0;

	while (rte_ring_free_count(txr) > room) {
		ck_assert_int_eq(rte_ring_enqueue(txr, &stand_in), 0);
		k++;
	}
	return k;
}

/* The first k entries of the transmit ring (the stand-ins) taken out. */
static void
txr_unfill(unsigned int k)
{
	void *x;

	for (unsigned int i = 0; i < k; i++)
		ck_assert_int_eq(rte_ring_dequeue(txr, &x), 0);
}

/* A port that takes nothing for a while (its queue full) delays what is
 * sent, in order, and loses nothing until the backlog is full; beyond it
 * the excess is dropped and counted as the port full. */
START_TEST(test_io_tx_backlog_keeps_order)
{
	struct rte_mbuf *out[64];
	unsigned int stand_ins, got = 0, n;
	uint32_t want = 0, extra = 200;

	/* room for 5 of 20 answers */
	stand_ins = txr_fill(5);
	for (uint32_t i = 0; i < 20; i++)
		arp_ask(i);
	poll_rx_dry();
	ck_assert_uint_eq(lc.lp[0].tx_backlog_n, 15);
	poll_rx_dry();			/* still no room: still waiting */
	ck_assert_uint_eq(lc.lp[0].tx_backlog_n, 15);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_TX_FULL], 0);
	txr_unfill(stand_ins);
	dp_io_poll(&lc, 1);		/* room: the 15 go */
	ck_assert_uint_eq(lc.lp[0].tx_backlog_n, 0);
	while ((n = tx_take(out, 64)) != 0)
		for (unsigned int i = 0; i < n; i++, got++) {
			ck_assert_uint_eq(arp_answered(out[i]), want++);
			rte_pktmbuf_free(out[i]);
		}
	ck_assert_uint_eq(got, 20);
	ck_assert_uint_eq(lc.st.tx_deferred, 15);

	/* no room at all, and more answers than the backlog holds */
	stand_ins = txr_fill(0);
	for (uint32_t i = 0; i < DP_TX_BACKLOG + extra; i++) {
		arp_ask(i);
		if (rte_ring_free_count(rxr) == 0)
			poll_rx_dry();
	}
	poll_rx_dry();
	ck_assert_uint_eq(lc.lp[0].tx_backlog_n, DP_TX_BACKLOG);
	ck_assert_uint_eq(lc.st.tx_backlog_max, DP_TX_BACKLOG);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_TX_FULL], extra);
	txr_unfill(stand_ins);
	/* the backlog drains as the peer takes packets, oldest first */
	got = 0;
	want = 0;
	while (lc.lp[0].tx_backlog_n != 0 || rte_ring_count(txr) != 0) {
		dp_io_poll(&lc, 1);
		n = tx_take(out, 64);
		for (unsigned int i = 0; i < n; i++, got++) {
			ck_assert_uint_eq(arp_answered(out[i]), want++);
			rte_pktmbuf_free(out[i]);
		}
	}
	ck_assert_uint_eq(got, DP_TX_BACKLOG);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_TX_FULL], extra);
}
END_TEST

/* What waits at detach is dropped, counted, and its mbufs go back. */
START_TEST(test_io_tx_backlog_freed_at_detach)
{
	unsigned int stand_ins = txr_fill(0);
	unsigned int avail;

	for (uint32_t i = 0; i < 40; i++)
		arp_ask(i);
	avail = rte_mempool_avail_count(pool);
	poll_rx_dry();
	ck_assert_uint_eq(lc.lp[0].tx_backlog_n, 40);
	txr_unfill(stand_ins);
	dp_io_detach(&lc);
	ck_assert_uint_eq(lc.lp[0].tx_backlog_n, 0);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_TX_FULL], 40);
	/* the 40 answers (the requests' mbufs) are back in the pool, with
	 * what the worker's stash held */
	ck_assert_uint_ge(rte_mempool_avail_count(pool), avail + 40);
	dp_io_attach(&lc, &port, 1, pool);	/* for teardown */
}
END_TEST

/* Conferences set up before their worker's loop (static provisioning)
 * tick from its start on their own phase: the wait is no late tick. */
START_TEST(test_io_start_ticks_not_late)
{
	struct dp_conf *c;
	uint64_t t0, start;

	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	ck_assert_ptr_nonnull(c);
	t0 = c->next_tick;
	dp_lcore_start_ticks(&lc, t0 - 1);	/* not due yet: kept */
	ck_assert_uint_eq(c->next_tick, t0);
	start = t0 + 5 * c->period + c->period / 3;
	dp_lcore_start_ticks(&lc, start);
	ck_assert_uint_gt(c->next_tick, start);
	ck_assert_uint_le(c->next_tick - start, c->period);
	ck_assert_uint_eq((c->next_tick - t0) % c->period, 0);
	/* a tick with no packet is work: the worker's busy time counts it */
	ck_assert_uint_eq(dp_io_poll(&lc, c->next_tick), 1);
	ck_assert_uint_eq(lc.st.ticks, 1);
	ck_assert_uint_eq(lc.st.late_ticks, 0);
	ck_assert_uint_eq(lc.st.tick_late[0], 1);	/* under 1 ms */
}
END_TEST

/*
 * The tick schedule (lcore.c) by its order: a thousand conferences
 * with pseudo-random next ticks (many equal), some taken out from the
 * middle, some run and put back a ptime on; what comes off is every one
 * left, once, earliest first, and the heap's order holds throughout.
 */
START_TEST(test_io_tick_schedule_earliest_first)
{
	enum { N = 1000 };
	static struct dp_lcore s;
	static bool in[N], seen[N];
	unsigned int seed = 4575;
	uint64_t last = 0;
	uint32_t left = 0;

	ck_assert_int_eq(dp_lcore_init(&s, &region, 0, rte_lcore_id(), N), 0);
	for (uint32_t i = 0; i < N; i++) {
		s.confs[i].next_tick = (uint64_t)(rand_r(&seed) % 5000) * 100;
		dp_lcore_sched_add(&s, i);
		in[i] = true;
	}
	for (uint32_t k = 0; k < N; k++) {	/* a third out, scattered */
		uint32_t i = (k * 7u) % N;

		if (i % 3 == 1) {
			dp_lcore_sched_del(&s, i);
			in[i] = false;
		}
	}
	for (int t = 0; t < 200; t++) {		/* ticks run: back later */
		uint32_t i = dp_lcore_sched_pop(&s);

		ck_assert(in[i]);
		s.confs[i].next_tick += 400000;
		dp_lcore_sched_add(&s, i);
	}
	for (uint32_t k = 0; k < s.n_active; k++) {
		uint32_t i = s.active[k].conf;

		ck_assert_uint_eq(s.active[k].due, s.confs[i].next_tick);
		if (k > 0)
			ck_assert_uint_le(s.active[(k - 1) / 2].due,
					  s.active[k].due);
	}
	for (uint32_t i = 0; i < N; i++)
		left += in[i];
	ck_assert_uint_eq(s.n_active, left);
	while (s.n_active > 0) {
		uint32_t i = dp_lcore_sched_pop(&s);

		ck_assert(in[i] && !seen[i]);
		seen[i] = true;
		ck_assert_uint_ge(s.confs[i].next_tick, last);
		last = s.confs[i].next_tick;
	}
	for (uint32_t i = 0; i < N; i++)
		ck_assert(seen[i] == in[i]);
	dp_lcore_fini(&s);
}
END_TEST

/* Take what was sent, and drop it; how many. */
static unsigned int
tx_drop_all(void)
{
	struct rte_mbuf *out[64];
	unsigned int n = tx_take(out, 64);

	rte_pktmbuf_free_bulk(out, n);
	return n;
}

/*
 * After a stall of the worker, the conference that waited longest ticks
 * first, whatever order the conferences were made in, and each counts
 * its late ticks: conference 7 (made first) is due 5 ms after
 * conference 9, and the worker polls again 3 ptimes after 9 was due.
 * Then a tick 1.5 ms late and one 3.5 ms late: each tick is counted by
 * how late it started.
 */
START_TEST(test_io_late_ticks_earliest_first)
{
	struct rte_mbuf *out[64];
	struct shm_msg m;
	struct dp_conf *c7, *c9;
	uint64_t t, now, ms;
	uint32_t n;

	add_conf_and_legs();
	shm_msg_init(&m, SHM_CMD_CONF_CREATE, 4, 9);
	m.body.conf.rate_hz = 8000;
	m.body.conf.ptime_ms = 20;
	apply(&m);
	shm_msg_init(&m, SHM_CMD_LEG_ADD, 5, 9);
	m.body.leg.leg_id = 90;
	m.body.leg.ssrc = 0x9000u;
	m.body.leg.addr[10] = m.body.leg.addr[11] = 0xff;
	memcpy(m.body.leg.addr + 12, &peer_ip, 4);
	m.body.leg.remote_port = htons(40010);
	m.body.leg.local_port = htons(20010);
	m.body.leg.codec = SHM_CODEC_PCMU;
	m.body.leg.rate_hz = 8000;
	m.body.leg.ptime_ms = 20;
	apply(&m);
	c7 = dp_ctl_conf_find(&lc, 7);
	c9 = dp_ctl_conf_find(&lc, 9);
	ck_assert(c7 != NULL && c9 != NULL);
	/* each leg heard once: its peer's MAC is known, so ticks send */
	rx_rtp(40000, 20000, 0, 0, 0xa0, 500.0);
	rx_rtp(40002, 20002, 8, 0, 0xa1, 900.0);
	rx_rtp(40010, 20010, 0, 0, 0xa9, 700.0);
	now = 1;
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.st.ticks, 0);
	ck_assert_uint_eq(tx_take(out, 64), 0);

	ms = c9->period / 20;
	t = (c7->next_tick > c9->next_tick ? c7->next_tick : c9->next_tick) +
	    10 * c9->period;
	c7->next_tick = t + 5 * ms;
	c9->next_tick = t;
	dp_lcore_start_ticks(&lc, t - 1);	/* none due: the order again */
	ck_assert_uint_eq(c7->next_tick, t + 5 * ms);
	ck_assert_uint_eq(lc.active[0].conf, c9 - lc.confs);

	now = t + 3 * c9->period;
	ck_assert_uint_eq(dp_io_poll(&lc, now), 2);
	n = tx_take(out, 64);
	ck_assert_uint_eq(n, 3);
	for (uint32_t i = 0; i < n; i++) {
		const struct dp_net_udp *u = rte_pktmbuf_mtod_offset(out[i],
			const struct dp_net_udp *,
			DP_NET_ETH_LEN + DP_NET_IPV4_LEN);

		if (i == 0)	/* conference 9's leg first */
			ck_assert_uint_eq(ntohs(u->src_port_be), 20010);
		else
			ck_assert_uint_ne(ntohs(u->src_port_be), 20010);
		rte_pktmbuf_free(out[i]);
	}
	/* 9: 3 ptimes late; 7: 3 ptimes less 5 ms, 2 whole ones */
	ck_assert_uint_eq(lc.st.late_ticks, 5);
	ck_assert_uint_eq(lc.st.ticks, 2);
	/* each goes on a ptime after now, on its own phase */
	ck_assert_uint_eq(c9->next_tick, t + 4 * c9->period);
	ck_assert_uint_eq(c7->next_tick, t + 5 * ms + 3 * c7->period);
	ck_assert_uint_eq(lc.st.tick_late[SHM_TICK_LATE_BUCKETS - 1], 2);

	dp_io_poll(&lc, c7->next_tick + 3 * ms / 2);	/* 7 alone */
	ck_assert_uint_eq(tx_drop_all(), 2);
	dp_io_poll(&lc, c9->next_tick + 7 * ms / 2);	/* 9 alone */
	ck_assert_uint_eq(tx_drop_all(), 1);
	ck_assert_uint_eq(lc.st.ticks, 4);
	ck_assert_uint_eq(lc.st.late_ticks, 5);
	ck_assert_uint_eq(lc.st.tick_late[0], 0);
	ck_assert_uint_eq(lc.st.tick_late[1], 1);	/* 1-2 ms */
	ck_assert_uint_eq(lc.st.tick_late[2], 1);	/* 2-5 ms */
	ck_assert_uint_eq(lc.st.tick_late[3] + lc.st.tick_late[4], 0);
	ck_assert_str_eq(shm_tick_late_name(2), "2-5");
	ck_assert_str_eq(shm_tick_late_name(SHM_TICK_LATE_BUCKETS - 1),
			 "20+");
}
END_TEST

/*
 * A second address on the port: ARP and ping answered from it, the same
 * local port taken once on each address by two legs, each one's RTP
 * reaching it alone and its mix sent from its own address; a leg on an
 * address the port does not own, or on a port of an address that is
 * taken, refused.
 */
START_TEST(test_io_two_addresses)
{
	struct rte_mbuf *out[256];
	const struct dp_net_arp *ra;
	struct dp_conf *c;
	struct shm_msg m;
	uint32_t ip2, ip9, got[2] = { 0 }, n;
	uint64_t now;

	inet_pton(AF_INET, "198.18.0.3", &ip2);
	inet_pton(AF_INET, "198.18.0.9", &ip9);
	ck_assert_int_eq(dp_port_add_addr(&port, ip2, 32), 0);
	ck_assert_int_eq(dp_port_add_addr(&port, ip2, 32), -EEXIST);
	ck_assert_int_eq(dp_io_attach(&lc, &port, 1, pool), 0);
	ck_assert_uint_eq(lc.port_leg_addrs, 2);

	/* ARP for the second address: answered from it */
	arp_ask_from(peer_ip);
	dp_io_poll(&lc, 1);
	ck_assert_uint_eq(tx_take(out, 4), 1);
	rte_pktmbuf_free(out[0]);
	arp_ask_for(peer_ip, ip2);
	dp_io_poll(&lc, 1);
	ck_assert_uint_eq(tx_take(out, 4), 1);
	ra = rte_pktmbuf_mtod_offset(out[0], const struct dp_net_arp *,
				     DP_NET_ETH_LEN);
	ck_assert_uint_eq(ntohs(ra->op_be), 2);
	ck_assert_uint_eq(ra->spa_be, ip2);
	ck_assert_uint_eq(ra->tpa_be, peer_ip);
	rte_pktmbuf_free(out[0]);

	/* legs 70 (the first address) and 71 (the second), both on local
	 * port 20000 */
	add_conf();
	leg_msg(&m, SHM_CMD_LEG_ADD, 0, 40000);
	apply(&m);
	leg_msg(&m, SHM_CMD_LEG_ADD, 1, 40002);
	m.body.leg.local_port = htons(20000);
	memcpy(m.body.leg.local_addr, &ip2, 4);
	apply(&m);
	ck_assert_uint_ne(lc.port_leg[dp_io_key(0, 20000)], 0);
	ck_assert_uint_ne(lc.port_leg[dp_io_key(1, 20000)], 0);
	ck_assert_uint_ne(lc.port_leg[dp_io_key(0, 20000)],
			  lc.port_leg[dp_io_key(1, 20000)]);
	/* not an address of the port; a port taken on that address */
	leg_msg(&m, SHM_CMD_LEG_ADD, 1, 40004);
	m.body.leg.leg_id = 72;
	memcpy(m.body.leg.local_addr, &ip9, 4);
	ck_assert_int_eq(dp_ctl_apply(&lc, &m), -EADDRNOTAVAIL);
	memcpy(m.body.leg.local_addr, &ip2, 4);
	m.body.leg.local_port = htons(20000);
	ck_assert_int_eq(dp_ctl_apply(&lc, &m), -EADDRINUSE);
	/* an update may not move a leg to another address */
	leg_msg(&m, SHM_CMD_LEG_UPDATE, 1, 40002);
	m.body.leg.local_port = htons(20000);
	ck_assert_int_eq(dp_ctl_apply(&lc, &m), -EINVAL);

	c = dp_ctl_conf_find(&lc, 7);
	ck_assert_ptr_nonnull(c);
	now = c->next_tick;
	for (uint16_t t = 0; t < 20; t++) {
		rx_dst_ip = dp_ip;
		rx_rtp(40000, 20000, 0, t, 0xa0, 500.0);
		rx_dst_ip = ip2;
		rx_rtp(40002, 20000, 8, t, 0xa1, 900.0);
		now += c->period;
		dp_io_poll(&lc, now);
		n = tx_take(out, 256);
		for (uint32_t i = 0; i < n; i++) {
			uint8_t d[DP_NET_HDR_LEN + 12 + FS];
			const struct dp_net_ipv4 *ip = (const void *)(d +
				DP_NET_ETH_LEN);
			const struct dp_net_udp *u = (const void *)(ip + 1);
			int leg;

			ck_assert_uint_eq(out[i]->pkt_len, sizeof(d));
			tx_read(out[i], d);
			leg = ntohs(u->dst_port_be) == 40002;
			/* from the leg's own address and port */
			ck_assert_uint_eq(ip->src_be, leg ? ip2 : dp_ip);
			ck_assert_uint_eq(ntohs(u->src_port_be), 20000);
			got[leg]++;
			rte_pktmbuf_free(out[i]);
		}
	}
	ck_assert_uint_ge(got[0], 19);
	ck_assert_uint_ge(got[1], 19);
	/* each datagram went to its own leg */
	ck_assert_uint_eq(lc.rt[lc.port_leg[dp_io_key(0, 20000)] - 1]
			  .rtp.st.n_pkts, 20);
	ck_assert_uint_eq(lc.rt[lc.port_leg[dp_io_key(1, 20000)] - 1]
			  .rtp.st.n_pkts, 20);
	ck_assert_uint_eq(lc.st.rx_pkts, 42);	/* and two ARP requests */
	/* to an address the port does not own: dropped */
	rx_dst_ip = ip9;
	rx_rtp(40000, 20000, 0, 20, 0xa0, 500.0);
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.net_st.n_drop[DP_NET_DROP_NOT_OUR_IP], 1);
	/* leaving frees the port on that address only */
	leg_msg(&m, SHM_CMD_LEG_REMOVE, 1, 40002);
	apply(&m);
	ck_assert_uint_eq(lc.port_leg[dp_io_key(1, 20000)], 0);
	ck_assert_uint_ne(lc.port_leg[dp_io_key(0, 20000)], 0);
}
END_TEST

/* ARP requests among the frames sent now (all freed). */
static uint32_t
arp_requests_sent(void)
{
	struct rte_mbuf *out[256];
	uint32_t n, k = 0;

	while ((n = tx_take(out, 256)) != 0)
		for (uint32_t i = 0; i < n; i++) {
			k += ntohs(rte_pktmbuf_mtod(out[i],
				struct dp_net_eth *)->type_be) ==
			     DP_NET_ETHERTYPE_ARP;
			rte_pktmbuf_free(out[i]);
		}
	return k;
}

/*
 * Legs that heard from their peer once and then nothing for 30 s: with no
 * routing given (--addr without a prefix, no --gateway) their next hop is
 * left alone, no one being there to answer for it; with the peer inside
 * the address's prefix it is asked for again (once for the two legs).
 */
START_TEST(test_io_quiet_peers_next_hop)
{
	uint64_t now;

	for (int routed = 0; routed < 2; routed++) {
		if (routed) {
			ck_assert_int_eq(dp_port_set_plen(&port, 24), 0);
			ck_assert_int_eq(dp_io_attach(&lc, &port, 1, pool), 0);
		} else {
			add_conf_and_legs();
		}
		now = dp_ctl_conf_find(&lc, 7)->next_tick +
		      (uint64_t)routed * 100 * lc.tsc_hz;
		rx_rtp(40000, 20000, 0, (uint16_t)(routed * 10), 0xa0, 500.0);
		rx_rtp(40002, 20002, 8, (uint16_t)(routed * 10), 0xa1, 900.0);
		dp_io_poll(&lc, now);
		dp_io_housekeeping(&lc, now);
		ck_assert_uint_eq(arp_requests_sent(), 0);	/* both known */
		dp_io_housekeeping(&lc, now + 31 * lc.tsc_hz);
		ck_assert_uint_eq(arp_requests_sent(), (uint32_t)routed);
	}
}
END_TEST

/* --dscp: a leg's packets carry the port's DSCP (EF unless set). */
START_TEST(test_io_dscp)
{
	add_conf_and_legs();
	ck_assert_uint_eq(lc.rt[lc.port_leg[dp_io_key(0, 20000)] - 1]
			  .flow.tos, 46 << 2);
	port.dscp = 34;		/* AF41 */
	ck_assert_int_eq(dp_io_attach(&lc, &port, 1, pool), 0);
	{
		struct shm_msg m;

		leg_msg(&m, SHM_CMD_LEG_ADD, 1, 40004);
		m.body.leg.leg_id = 72;
		m.body.leg.local_port = htons(20004);
		apply(&m);
	}
	ck_assert_uint_eq(lc.rt[lc.port_leg[dp_io_key(0, 20004)] - 1]
			  .flow.tos, 34 << 2);
}
END_TEST

/* The 802.1Q VLAN ID of a sent frame (0: untagged) and its inner
 * EtherType. */
static uint16_t
tx_vlan_of(const struct rte_mbuf *m, uint16_t *inner)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	if (d[12] != 0x81 || d[13] != 0x00) {
		*inner = (uint16_t)(d[12] << 8 | d[13]);
		return 0;
	}
	*inner = (uint16_t)(d[16] << 8 | d[17]);
	return (uint16_t)((d[14] << 8 | d[15]) & 0x0fff);
}

/*
 * --vlan 0=100: ARP tagged with VLAN 100 answered, tagged; untagged and
 * VLAN 200's frames dropped and counted; a leg's tagged RTP taken in and
 * its mix sent tagged.
 */
START_TEST(test_io_vlan)
{
	struct rte_mbuf *out[256];
	uint64_t drops, now;
	uint16_t inner;
	uint32_t n, rtp = 0;

	port.vlan = 100;
	ck_assert_int_eq(dp_io_attach(&lc, &port, 1, pool), 0);
	rx_vlan = 100;
	arp_ask_for(peer_ip, dp_ip);
	dp_io_poll(&lc, 1);
	ck_assert_uint_eq(tx_take(out, 4), 1);
	ck_assert_uint_eq(tx_vlan_of(out[0], &inner), 100);
	ck_assert_uint_eq(inner, DP_NET_ETHERTYPE_ARP);
	ck_assert_uint_eq(ntohs(rte_pktmbuf_mtod_offset(out[0],
		const struct dp_net_arp *, DP_NET_ETH_LEN + 4)->op_be), 2);
	rte_pktmbuf_free(out[0]);
	drops = lc.st.drops[SHM_DROP_NOT_FOR_US];
	for (int k = 0; k < 2; k++) {
		rx_vlan = k == 0 ? 0 : 200;
		arp_ask_for(peer_ip, dp_ip);
		dp_io_poll(&lc, 2 + (uint64_t)k);
		ck_assert_uint_eq(tx_take(out, 4), 0);
	}
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_NOT_FOR_US], drops + 2);
	/* a runt of 3 bytes whose buffer holds a tag's bytes past its end
	 * (as a recycled mbuf may): too short to hold a tag, dropped, not
	 * stripped past its end */
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *d;

		ck_assert_ptr_nonnull(m);
		d = (uint8_t *)rte_pktmbuf_append(m, 18);
		memset(d, 0, 18);
		d[12] = 0x81;
		d[14] = 0;
		d[15] = 100;
		ck_assert_int_eq(rte_pktmbuf_trim(m, 15), 0);
		ck_assert_int_eq(rte_ring_enqueue(rxr, m), 0);
		dp_io_poll(&lc, 4);
	}
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_NOT_FOR_US], drops + 3);

	rx_vlan = 100;
	add_conf_and_legs();
	now = dp_ctl_conf_find(&lc, 7)->next_tick;
	rx_rtp(40000, 20000, 0, 0, 0xa0, 500.0);
	rx_rtp(40002, 20002, 8, 0, 0xa1, 900.0);
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.rt[lc.port_leg[dp_io_key(0, 20000)] - 1]
			  .rtp.st.n_pkts, 1);
	for (int t = 1; t <= 2; t++) {
		dp_io_poll(&lc, now + (uint64_t)t * lc.tsc_hz / 50);
		while ((n = tx_take(out, 256)) != 0)
			for (uint32_t i = 0; i < n; i++) {
				ck_assert_uint_eq(tx_vlan_of(out[i], &inner),
						  100);
				rtp += inner == DP_NET_ETHERTYPE_IPV4;
				rte_pktmbuf_free(out[i]);
			}
	}
	ck_assert_uint_gt(rtp, 0);
}
END_TEST

/* The ticks of the next two ptimes after `from`: true if they sent RTP,
 * all of it to dst_mac. */
static bool
ticks_send_to(uint64_t from, const uint8_t dst_mac[6])
{
	static uint8_t frame[1600];
	struct rte_mbuf *out[256];
	bool sent = false;

	for (int t = 1; t <= 2; t++) {
		uint32_t n;

		dp_io_poll(&lc, from + (uint64_t)t * lc.tsc_hz / 50);
		n = tx_take(out, 256);
		for (uint32_t i = 0; i < n; i++) {
			const struct dp_net_eth *oe =
				(const struct dp_net_eth *)frame;

			tx_read(out[i], frame);
			rte_pktmbuf_free(out[i]);
			if (ntohs(oe->type_be) != DP_NET_ETHERTYPE_IPV4)
				continue;
			ck_assert_mem_eq(oe->dst, dst_mac, 6);
			sent = true;
		}
	}
	return sent;
}

/*
 * --addr/--gateway's forms, and a gateway: refused off the link of the
 * port's addresses, on one of them, on a network or broadcast address;
 * then legs to peers off the link asked for through it (one ARP request
 * for the two of them: the gateway's), a leg on the link asked for
 * directly, and the off-link leg's mix sent to the gateway's MAC with
 * its peer's address.
 */
START_TEST(test_io_gateway)
{
	static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
	static const uint8_t gw_mac2[6] = { 0x02, 0, 0, 0, 0, 0xfd };
	static const uint8_t gw_mac3[6] = { 0x02, 0, 0, 0, 0, 0xfc };
	uint8_t frame[1600];
	uint32_t ip[4], gw, far1, far2, x, asked[4], n, n_asked = 0;
	uint8_t plen[4];
	struct rte_mbuf *out[256];
	struct shm_msg m;
	unsigned int k;
	uint16_t pt;
	bool to_gw = false;
	uint64_t now;

	/* the options' forms */
	ck_assert_int_eq(dp_port_parse_addr("0=198.18.0.2/24,198.18.1.2",
					    &pt, ip, plen, 4, &k), 0);
	ck_assert_uint_eq(k, 2);
	ck_assert_uint_eq(plen[0], 24);
	ck_assert_uint_eq(plen[1], 32);
	ck_assert_int_eq(dp_port_parse_addr("0=198.18.0.2/0", &pt, ip, plen,
					    4, &k), 0);
	ck_assert_uint_eq(plen[0], 0);
	ck_assert_int_eq(dp_port_parse_addr("0=198.18.0.2/33", &pt, ip, plen,
					    4, &k), -EINVAL);
	ck_assert_int_eq(dp_port_parse_addr("0=198.18.0.2/", &pt, ip, plen,
					    4, &k), -EINVAL);
	ck_assert_int_eq(dp_port_parse_addr("0=198.18.0.2/2x", &pt, ip, plen,
					    4, &k), -EINVAL);
	ck_assert_int_eq(dp_port_parse_addr("0=198.18.0.2/024", &pt, ip,
					    plen, 4, &k), -EINVAL);
	/* a gateway: one address, no prefix */
	ck_assert_int_eq(dp_port_parse_addr("0=198.18.0.254/24", &pt, ip,
					    NULL, 1, &k), -EINVAL);

	inet_pton(AF_INET, "198.18.0.254", &gw);
	inet_pton(AF_INET, "203.0.113.5", &far1);
	inet_pton(AF_INET, "203.0.113.6", &far2);
	/* 198.18.0.2 alone: no gateway can be on its link */
	ck_assert_int_eq(dp_port_set_gateway(&port, gw), -ENETUNREACH);
	ck_assert_int_eq(dp_port_set_plen(&port, 33), -EINVAL);
	ck_assert_int_eq(dp_port_set_plen(&port, 24), 0);
	ck_assert_int_eq(dp_port_set_gateway(&port, far1), -ENETUNREACH);
	ck_assert_int_eq(dp_port_set_gateway(&port, dp_ip), -EADDRINUSE);
	inet_pton(AF_INET, "198.18.0.0", &x);
	ck_assert_int_eq(dp_port_set_gateway(&port, x), -EINVAL);
	inet_pton(AF_INET, "198.18.0.255", &x);
	ck_assert_int_eq(dp_port_set_gateway(&port, x), -EINVAL);
	inet_pton(AF_INET, "224.0.0.1", &x);
	ck_assert_int_eq(dp_port_set_gateway(&port, x), -EINVAL);
	ck_assert_uint_eq(port.gw_be, 0);
	ck_assert_int_eq(dp_port_set_gateway(&port, gw), 0);
	ck_assert_int_eq(dp_io_attach(&lc, &port, 1, pool), 0);
	ck_assert(dp_net_on_link(&lc.lp[0].ifc, peer_ip));
	ck_assert(!dp_net_on_link(&lc.lp[0].ifc, far1));

	/* legs 70 and 72 to peers off the link, 71 to one on it */
	add_conf();
	for (int i = 0; i < 3; i++) {
		leg_msg(&m, SHM_CMD_LEG_ADD, i == 1, (uint16_t)(40000 + 2 * i));
		m.body.leg.leg_id = 70 + (uint32_t)i;
		m.body.leg.local_port = htons((uint16_t)(20000 + 2 * i));
		if (i != 1)
			memcpy(m.body.leg.addr + 12, i == 0 ? &far1 : &far2, 4);
		apply(&m);
	}
	now = dp_ctl_conf_find(&lc, 7)->next_tick;
	dp_io_housekeeping(&lc, now);
	n = tx_take(out, 256);
	for (uint32_t i = 0; i < n; i++) {
		const struct dp_net_arp *r = rte_pktmbuf_mtod_offset(
			out[i], const struct dp_net_arp *, DP_NET_ETH_LEN);

		ck_assert_uint_eq(ntohs(rte_pktmbuf_mtod(out[i],
			struct dp_net_eth *)->type_be), DP_NET_ETHERTYPE_ARP);
		ck_assert_uint_lt(n_asked, 4);
		asked[n_asked++] = r->tpa_be;
		rte_pktmbuf_free(out[i]);
	}
	ck_assert_uint_eq(n_asked, 2);
	ck_assert((asked[0] == gw && asked[1] == peer_ip) ||
		  (asked[0] == peer_ip && asked[1] == gw));

	/* the gateway answers */
	rx_arp(2, gw_mac, gw, dp_ip);
	dp_io_poll(&lc, now);
	n = tx_take(out, 256);
	for (uint32_t i = 0; i < n; i++) {
		const struct dp_net_eth *oe;
		const struct dp_net_ipv4 *oip;

		tx_read(out[i], frame);
		oe = (const struct dp_net_eth *)frame;
		oip = (const struct dp_net_ipv4 *)(frame + DP_NET_ETH_LEN);
		rte_pktmbuf_free(out[i]);
		if (ntohs(oe->type_be) != DP_NET_ETHERTYPE_IPV4)
			continue;
		/* only the legs whose next hop is known: through the
		 * gateway; the one on the link is still unanswered */
		ck_assert_mem_eq(oe->dst, gw_mac, 6);
		ck_assert(oip->dst_be == far1 || oip->dst_be == far2);
		ck_assert_uint_eq(oip->src_be, dp_ip);
		ck_assert_uint_eq(oip->tos, 46 << 2);	/* EF */
		to_gw = true;
	}
	ck_assert_msg(to_gw, "no RTP through the gateway");

	/* the peers off the link have sent nothing for DP_ARP_REFRESH_S (30
	 * s): the gateway asked for again (once for both legs); it answers
	 * from a new MAC (a router replaced), and their RTP follows it */
	now += 31 * lc.tsc_hz;
	dp_io_housekeeping(&lc, now);
	n = tx_take(out, 256);
	n_asked = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct dp_net_arp *r = rte_pktmbuf_mtod_offset(
			out[i], const struct dp_net_arp *, DP_NET_ETH_LEN);

		n_asked += r->tpa_be == gw;
		rte_pktmbuf_free(out[i]);
	}
	ck_assert_uint_eq(n_asked, 1);
	rx_arp(2, gw_mac2, gw, dp_ip);
	dp_io_poll(&lc, now);
	dp_io_housekeeping(&lc, now);
	while ((n = tx_take(out, 256)) != 0)
		rte_pktmbuf_free_bulk(out, n);
	ck_assert_msg(ticks_send_to(now, gw_mac2),
		      "no RTP through the gateway's new MAC");

	/* a gratuitous ARP from the gateway (another router taking its
	 * address over): the silent legs follow at the next housekeeping,
	 * not 30 s on */
	rx_arp(1, gw_mac3, gw, gw);
	now += 3 * lc.tsc_hz / 50;	/* after the polls above */
	dp_io_poll(&lc, now);
	dp_io_housekeeping(&lc, now);
	while ((n = tx_take(out, 256)) != 0)
		rte_pktmbuf_free_bulk(out, n);
	ck_assert_msg(ticks_send_to(now, gw_mac3),
		      "no RTP after the gateway's announcement");
}
END_TEST

START_TEST(test_io_rtp_in_mixes_out)
{
	struct rte_mbuf *out[256];
	struct dp_conf *c;
	uint16_t last_seq[2] = { 0 };
	uint32_t got[2] = { 0 }, n;
	uint64_t now, conc;

	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	ck_assert_ptr_nonnull(c);
	now = c->next_tick;
	/* nothing heard from the legs yet: an ARP request for their
	 * peer's address (one: the two legs share it), no RTP */
	dp_io_housekeeping(&lc, now);
	n = tx_take(out, 256);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ntohs(rte_pktmbuf_mtod(out[0],
		struct dp_net_eth *)->type_be), DP_NET_ETHERTYPE_ARP);
	ck_assert_uint_eq(rte_pktmbuf_mtod_offset(out[0], struct dp_net_arp *,
		DP_NET_ETH_LEN)->tpa_be, peer_ip);
	rte_pktmbuf_free(out[0]);
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(tx_take(out, 256), 0);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_NO_ARP], 2);

	/* 50 ticks: both legs send a tone every 20 ms */
	for (uint16_t t = 0; t < 50; t++) {
		rx_rtp(40000, 20000, 0, t, 0xa0, 500.0);
		rx_rtp(40002, 20002, 8, t, 0xa1, 900.0);
		now += c->period;
		dp_io_poll(&lc, now);
		n = tx_take(out, 256);
		for (uint32_t i = 0; i < n; i++) {
			uint8_t d[DP_NET_HDR_LEN + 12 + FS];
			const struct dp_net_udp *u = (const void *)(d +
				DP_NET_ETH_LEN + DP_NET_IPV4_LEN);
			int leg;
			struct dp_net_iface peer = { .ip_be = { peer_ip } };
			struct dp_net_stats st = { 0 };
			struct dp_net_rx r;
			struct dp_rtp_pkt p;

			/* the peer's own edge accepts it: checksums good */
			memcpy(peer.mac, peer_mac, 6);
			ck_assert_uint_eq(out[i]->pkt_len, sizeof(d));
			tx_read(out[i], d);
			leg = ntohs(u->dst_port_be) == 40002;
			ck_assert_int_eq(dp_net_classify(&peer, d,
				out[i]->pkt_len, 0, &r, &st), DP_NET_UDP);
			ck_assert_uint_eq(ntohs(r.src_port_be),
					  20000 + 2 * leg);
			ck_assert_int_eq(dp_rtp_parse(r.payload, r.len_bytes,
						      &p), 0);
			ck_assert_uint_eq(p.ssrc, 0x7000u + (uint32_t)leg);
			ck_assert_uint_eq(p.pt, leg ? 8 : 0);
			ck_assert_uint_eq(p.len_bytes, FS);
			if (got[leg] > 0)
				ck_assert_uint_eq(p.seq,
					(uint16_t)(last_seq[leg] + 1));
			last_seq[leg] = p.seq;
			got[leg]++;
			rte_pktmbuf_free(out[i]);
		}
	}
	/* one packet per leg per tick once its MAC was learnt */
	ck_assert_uint_ge(got[0], 49);
	ck_assert_uint_ge(got[1], 49);
	ck_assert_uint_eq(lc.st.ticks, 51);
	ck_assert_uint_eq(lc.st.late_ticks, 0);
	ck_assert_uint_eq(lc.st.rx_pkts, 100);
	/* a tick three periods late: counted, the missed ones skipped */
	now += 4 * c->period;
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.st.late_ticks, 3);
	/* and the stall that made them is the longest gap between polls */
	ck_assert_uint_eq(lc.st.poll_gap_ns_max,
			  4 * c->period * 1000000000u / lc.tsc_hz);
	ck_assert_uint_eq(lc.st.ticks, 52);
	ck_assert_uint_gt(c->next_tick, now);
	n = tx_take(out, 256);
	rte_pktmbuf_free_bulk(out, n);
	/* ticks running 6 ms behind time (less than a ptime: not late):
	 * the loss that begins then is left silent, not concealed */
	ck_assert_uint_eq(lc.st.plc_shed, 0);
	conc = lc.st.concealed;
	ck_assert_uint_eq(conc, c->tc->st.concealed);
	now = c->next_tick + lc.tsc_hz / 1000 * 6;
	for (uint16_t t = 50; t < 60; t++) {
		if (t != 53)
			rx_rtp(40000, 20000, 0, t, 0xa0, 500.0);
		rx_rtp(40002, 20002, 8, t, 0xa1, 900.0);
		dp_io_poll(&lc, now);
		now += c->period;
		n = tx_take(out, 256);
		rte_pktmbuf_free_bulk(out, n);
	}
	ck_assert_uint_eq(lc.st.plc_shed, 1);
	ck_assert_uint_eq(c->tc->st.plc_shed, 1);
	/* the worker counts the frame played silent as concealed, as the
	 * conference does */
	ck_assert_uint_eq(lc.st.concealed, conc + 1);
	ck_assert_uint_eq(c->tc->st.concealed, conc + 1);
	ck_assert_uint_eq(lc.st.late_ticks, 3);
	/* a snapshot (tutti-dp's SIGUSR1): the maxima start afresh at the
	 * next publish, the counters run on */
	ck_assert_uint_gt(lc.st.poll_gap_ns_max, 0);
	ck_assert_uint_gt(lc.st.tick_ns_max, 0);
	dp_lcore_publish(&lc, now);
	ck_assert_uint_gt(lc.pub->poll_gap_ns_max, 0);
	__atomic_add_fetch(&dp_snapshot_seq, 1, __ATOMIC_RELEASE);
	dp_lcore_publish(&lc, now);
	ck_assert_uint_eq(lc.st.poll_gap_ns_max, 0);
	ck_assert_uint_eq(lc.st.tick_ns_max, 0);
	ck_assert_uint_eq(lc.pub->poll_gap_ns_max, 0);
	ck_assert_uint_eq(lc.pub->tick_ns_max, 0);
	ck_assert_uint_eq(lc.pub->late_ticks, 3);
	ck_assert_uint_eq(lc.pub->plc_shed, 1);
	ck_assert_uint_eq(lc.pub->concealed, conc + 1);
	/* and grow again from there: a 2-period stall */
	now = c->next_tick + 2 * c->period;
	dp_io_poll(&lc, now);
	ck_assert_uint_ge(lc.st.poll_gap_ns_max,
			  2 * c->period * 1000000000u / lc.tsc_hz);
	n = tx_take(out, 256);
	rte_pktmbuf_free_bulk(out, n);
}
END_TEST

/* The capture directory of a case (made, and removed at exit with what
 * its files), and the slots its captures are said in. */
static char cap_dir[64];
static struct shm_capture slots[SHM_CAPTURES];

/* cap_dir, made (removed at exit: register its files after) */
static void
make_cap_dir(void)
{
	snprintf(cap_dir, sizeof(cap_dir), "/tmp/test_io-cap-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(cap_dir));
	proc_unlink_at_exit(cap_dir);
}

/* A pcap file's frames: how many; ins (to dp_ip:in_port) and outs (from
 * it); false if it is no whole pcap file of nanosecond Ethernet frames
 * of tutti-dp's snap length. */
static bool
pcap_frames(const char *path, uint16_t in_port, unsigned int *n,
	    unsigned int *ins, unsigned int *outs)
{
	static uint8_t b[1 << 20];
	FILE *fp = fopen(path, "rb");
	size_t len, off = 24;
	uint32_t magic, snap, link;

	*n = *ins = *outs = 0;
	if (fp == NULL)
		return false;
	len = fread(b, 1, sizeof(b), fp);
	fclose(fp);
	if (len < 24)
		return false;
	memcpy(&magic, b, 4);
	memcpy(&snap, b + 16, 4);
	memcpy(&link, b + 20, 4);
	if (magic != 0xa1b23c4du || snap != DP_CAP_SNAP || link != 1)
		return false;
	while (off + 16 <= len) {
		uint32_t rec[4];
		struct dp_net_iface me = { .ip_be = { dp_ip } };
		struct dp_net_stats st = { 0 };
		struct dp_net_rx r;

		memcpy(rec, b + off, 16);
		if (rec[2] > rec[3] || off + 16 + rec[2] > len)
			return false;
		memcpy(me.mac, b + off + 16, 6);	/* its dst MAC */
		if (dp_net_classify(&me, b + off + 16, rec[2], 0, &r, &st) ==
		    DP_NET_UDP && ntohs(r.dst_port_be) == in_port)
			(*ins)++;
		else
			(*outs)++;
		(*n)++;
		off += 16 + rec[2];
	}
	return off == len;
}

/* Conference 7's legs, both sending, for ticks ticks from *now. */
static void
both_talk(uint64_t *now, uint16_t *seq, unsigned int ticks)
{
	struct dp_conf *c = dp_ctl_conf_find(&lc, 7);
	struct rte_mbuf *out[256];

	for (unsigned int t = 0; t < ticks; t++, (*seq)++) {
		rx_rtp(40000, 20000, 0, *seq, 0xa0, 500.0);
		rx_rtp(40002, 20002, 8, *seq, 0xa1, 900.0);
		*now += c->period;
		dp_io_poll(&lc, *now);
		rte_pktmbuf_free_bulk(out, tx_take(out, 256));
	}
}

/* SHM_CMD_CAPTURE of leg 70 + i */
static int
capture_cmd(int i, uint32_t packets, uint16_t serial)
{
	struct shm_msg m;

	shm_msg_init(&m, SHM_CMD_CAPTURE, 9, 0);
	m.body.capture.leg_id = 70 + (uint32_t)i;
	m.body.capture.packets = packets;
	m.body.capture.serial = serial;
	return dp_ctl_apply(&lc, &m);
}

/* tuttictl capture: a leg's frames in and out, the first N, into a pcap
 * file of its own, closed with its last frame; the other leg's not; a
 * capture stopped, or whose leg goes, is closed with what it has; its
 * RTCP in and out on the port above; without a capture directory,
 * refused. */
START_TEST(test_io_capture_writes_a_legs_packets)
{
	char path[4][128];
	struct rte_mbuf *out[256];
	uint8_t rr[128];
	unsigned int n, ins, outs, n2;
	int len;
	uint16_t seq = 0;
	uint64_t now;
	struct shm_msg m;

	make_cap_dir();
	for (int k = 0; k < 4; k++) {
		snprintf(path[k], sizeof(path[k]), "%s/leg-%d-%d.pcap",
			 cap_dir, k == 0 || k == 3 ? 70 : 71, 3 + k);
		proc_unlink_at_exit(path[k]);
	}
	add_conf_and_legs();
	ck_assert_int_eq(capture_cmd(0, 10, 3), -ENOTSUP);	/* no dir */
	ck_assert_int_eq(dp_cap_init(cap_dir), 0);
	memset(slots, 0, sizeof(slots));
	dp_cap_publish(slots);
	ck_assert_int_eq(capture_cmd(5, 10, 3), -ENOENT);
	now = dp_ctl_conf_find(&lc, 7)->next_tick;
	both_talk(&now, &seq, 2);	/* the peers' MACs learnt */
	ck_assert_int_eq(capture_cmd(0, 10, 3), 0);
	ck_assert_uint_eq(lc.n_cap, 1);
	both_talk(&now, &seq, 20);
	ck_assert_uint_eq(lc.n_cap, 0);	/* done: the worker looks no more */
	dp_cap_drain(4096);
	ck_assert(pcap_frames(path[0], 20000, &n, &ins, &outs));
	ck_assert_uint_eq(n, 10);
	ck_assert_uint_eq(ins + outs, 10);
	/* said in the region's slots, for tuttictl captures */
	ck_assert_uint_eq(slots[0].leg_id, 70);
	ck_assert_uint_eq(slots[0].serial, 3);
	ck_assert_uint_eq(slots[0].state, SHM_CAPTURE_DONE);
	ck_assert_uint_eq(slots[0].packets, 10);
	ck_assert_uint_eq(slots[0].pub_seq % 2, 0);
	ck_assert_uint_ge(ins, 4);
	ck_assert_uint_ge(outs, 4);
	/* done: more traffic adds nothing */
	both_talk(&now, &seq, 5);
	dp_cap_drain(4096);
	ck_assert(pcap_frames(path[0], 20000, &n, &ins, &outs));
	ck_assert_uint_eq(n, 10);

	/* stopped after a few ticks: closed with what it has */
	ck_assert_int_eq(capture_cmd(1, 1000, 4), 0);
	both_talk(&now, &seq, 3);
	ck_assert_int_eq(capture_cmd(1, 0, 4), 0);
	ck_assert_uint_eq(lc.n_cap, 0);
	both_talk(&now, &seq, 3);
	dp_cap_drain(4096);
	ck_assert(pcap_frames(path[1], 20002, &n, &ins, &outs));
	ck_assert_uint_eq(ins, 3);
	ck_assert_uint_eq(outs, 3);
	ck_assert_uint_eq(slots[1].leg_id, 71);
	ck_assert_uint_eq(slots[1].state, SHM_CAPTURE_DONE);
	ck_assert_uint_eq(slots[1].packets, 6);
	/* its leg removed: closed with what it has */
	ck_assert_int_eq(capture_cmd(1, 1000, 5), 0);
	both_talk(&now, &seq, 4);
	leg_msg(&m, SHM_CMD_LEG_REMOVE, 1, 40002);
	apply(&m);
	ck_assert_uint_eq(lc.n_cap, 0);
	both_talk(&now, &seq, 2);
	dp_cap_drain(4096);
	ck_assert(pcap_frames(path[2], 20002, &n2, &ins, &outs));
	ck_assert_uint_eq(ins, 4);
	ck_assert_uint_eq(outs, 4);
	/* RTCP on the port above: the peer's RR in, tutti-dp's SR out */
	ck_assert_int_eq(capture_cmd(0, 2, 6), 0);
	len = dp_rtcp_build_rr(rr, sizeof(rr), 0xa0, NULL,
			       (const uint8_t *)"peer", 4);
	ck_assert_int_gt(len, 0);
	rx_udp(40001, 20001, rr, (uint32_t)len);
	dp_io_poll(&lc, now);
	dp_io_housekeeping(&lc, now + 3 * lc.tsc_hz);	/* its SR is due */
	rte_pktmbuf_free_bulk(out, tx_take(out, 256));
	ck_assert_uint_eq(lc.n_cap, 0);
	dp_cap_drain(4096);
	ck_assert(pcap_frames(path[3], 20001, &n, &ins, &outs));
	ck_assert_uint_eq(ins, 1);
	ck_assert_uint_eq(outs, 1);
	dp_cap_fini();
	ck_assert_int_eq(capture_cmd(0, 10, 6), -ENOTSUP);
}
END_TEST

/* Frames of a pcap file to UDP port port (*to) and from it (*from);
 * false if the file cannot be read. */
static bool
pcap_ports(const char *path, uint16_t udp_port, unsigned int *to,
	   unsigned int *from)
{
	static uint8_t b[1 << 20];
	FILE *fp = fopen(path, "rb");
	size_t len, off = 24;

	*to = *from = 0;
	if (fp == NULL)
		return false;
	len = fread(b, 1, sizeof(b), fp);
	fclose(fp);
	while (off + 16 <= len) {
		uint32_t rec[4];

		memcpy(rec, b + off, 16);
		if (rec[2] >= 38) {	/* Ethernet, IPv4 of 20 bytes, UDP */
			const uint8_t *u = b + off + 16 + 34;

			*from += (unsigned int)(u[0] << 8 | u[1]) == udp_port;
			*to += (unsigned int)(u[2] << 8 | u[3]) == udp_port;
		}
		off += 16 + rec[2];
	}
	return off == len;
}

/* SHM_CMD_CAPTURE of conference 7 whole */
static int
capture_conf_cmd(uint32_t packets, uint16_t serial)
{
	struct shm_msg m;

	shm_msg_init(&m, SHM_CMD_CAPTURE, 9, 7);
	m.body.capture.leg_id = 0;
	m.body.capture.packets = packets;
	m.body.capture.serial = serial;
	return dp_ctl_apply(&lc, &m);
}

/* tuttictl capture CONF all: every leg's frames in and out, a leg that
 * joins meanwhile too, into one file, closed with the conference's
 * last; its legs' own captures end first, and are refused while it
 * runs; stopped, or its conference gone, it closes with what it has. */
START_TEST(test_io_capture_takes_a_conference_whole)
{
	char path[5][128];
	unsigned int n, to, from, to2, from2, to3, from3;
	uint16_t seq = 0;
	uint64_t now;
	struct shm_msg m;

	make_cap_dir();
	snprintf(path[0], sizeof(path[0]), "%s/leg-71-9.pcap", cap_dir);
	snprintf(path[1], sizeof(path[1]), "%s/conf-7-10.pcap", cap_dir);
	snprintf(path[2], sizeof(path[2]), "%s/conf-7-12.pcap", cap_dir);
	snprintf(path[3], sizeof(path[3]), "%s/conf-7-13.pcap", cap_dir);
	snprintf(path[4], sizeof(path[4]), "%s/leg-71-11.pcap", cap_dir);
	for (int k = 0; k < 5; k++)
		proc_unlink_at_exit(path[k]);
	add_conf_and_legs();
	ck_assert_int_eq(capture_conf_cmd(30, 10), -ENOTSUP);	/* no dir */
	ck_assert_int_eq(dp_cap_init(cap_dir), 0);
	memset(slots, 0, sizeof(slots));
	dp_cap_publish(slots);
	now = dp_ctl_conf_find(&lc, 7)->next_tick;
	both_talk(&now, &seq, 2);	/* the peers' MACs learnt */
	ck_assert_int_eq(capture_cmd(1, 1000, 9), 0);
	both_talk(&now, &seq, 1);
	ck_assert_int_eq(capture_conf_cmd(30, 10), 0);
	ck_assert_uint_eq(lc.n_cap, 2);
	ck_assert_int_eq(capture_cmd(1, 100, 11), -EBUSY);
	both_talk(&now, &seq, 3);	/* 12 frames: 2 in, 2 out a tick */
	/* two legs join, taken in: 72, whose peer sends once (its MAC
	 * learnt, it is sent to), and 73, whose peer is silent (nothing) */
	leg_msg(&m, SHM_CMD_LEG_ADD, 2, 40004);
	apply(&m);
	leg_msg(&m, SHM_CMD_LEG_ADD, 3, 40006);
	apply(&m);
	ck_assert_uint_eq(lc.n_cap, 4);
	rx_rtp(40004, 20004, 8, 0, 0xa2, 700.0);
	both_talk(&now, &seq, 6);	/* 5 a tick: the 30th in the 4th */
	/* each leg left at its next frame, but silent 73, which leaves at
	 * its housekeeping */
	ck_assert_uint_eq(lc.n_cap, 1);
	dp_io_housekeeping(&lc, now);
	ck_assert_uint_eq(lc.n_cap, 0);
	dp_cap_drain(4096);
	/* leg 71's own capture closed as the conference's began */
	ck_assert(pcap_frames(path[0], 20002, &n, &to, &from));
	ck_assert_uint_eq(to, 1);
	ck_assert_uint_eq(from, 1);
	ck_assert(pcap_frames(path[1], 20000, &n, &to, &from));
	ck_assert_uint_eq(n, 30);
	ck_assert(pcap_ports(path[1], 20000, &to, &from));
	ck_assert(pcap_ports(path[1], 20002, &to2, &from2));
	ck_assert(pcap_ports(path[1], 20004, &to3, &from3));
	ck_assert_uint_eq(to, 7);
	ck_assert_uint_eq(to2, 7);
	ck_assert_uint_eq(to3, 1);
	ck_assert_uint_eq(from, 6);
	ck_assert_uint_eq(from2, 6);
	ck_assert_uint_eq(from3, 3);
	ck_assert(pcap_ports(path[1], 20006, &to3, &from3));
	ck_assert_uint_eq(to3 + from3, 0);
	ck_assert_uint_eq(slots[1].leg_id, 7);	/* slot 0: leg 71's */
	ck_assert_uint_eq(slots[1].conference, 1);
	ck_assert_uint_eq(slots[1].serial, 10);
	ck_assert_uint_eq(slots[1].state, SHM_CAPTURE_DONE);
	ck_assert_uint_eq(slots[1].packets, 30);
	ck_assert_uint_eq(slots[0].conference, 0);
	/* over: a leg's own capture is taken again */
	ck_assert_int_eq(capture_cmd(1, 2, 11), 0);
	both_talk(&now, &seq, 1);
	ck_assert_uint_eq(lc.n_cap, 0);

	/* stopped: closed with what it has, its legs out of it */
	ck_assert_int_eq(capture_conf_cmd(1000, 12), 0);
	ck_assert_uint_eq(lc.n_cap, 4);
	both_talk(&now, &seq, 2);
	ck_assert_int_eq(capture_conf_cmd(0, 12), 0);
	ck_assert_uint_eq(lc.n_cap, 0);
	both_talk(&now, &seq, 2);
	/* its conference gone: the same */
	ck_assert_int_eq(capture_conf_cmd(1000, 13), 0);
	both_talk(&now, &seq, 1);
	shm_msg_init(&m, SHM_CMD_CONF_DESTROY, 20, 7);
	apply(&m);
	ck_assert_uint_eq(lc.n_cap, 0);
	dp_cap_drain(4096);
	ck_assert(pcap_frames(path[2], 20000, &n, &to, &from));
	ck_assert_uint_eq(n, 10);
	ck_assert(pcap_frames(path[3], 20000, &n, &to, &from));
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(slots[4].leg_id, 7);
	ck_assert_uint_eq(slots[4].state, SHM_CAPTURE_DONE);
	ck_assert_uint_eq(slots[4].packets, 5);
	dp_cap_fini();
}
END_TEST

/* A shared payload sent to three listeners: copied, then attached. */
static void
send_shared(struct dp_leg_rt *rt, const uint8_t *pay, bool zc)
{
	for (uint16_t k = 0; k < 3; k++) {
		struct dp_tick_out o = {
			.ctx = rt, .leg_id = 70, .payload = pay,
			.len_bytes = FS, .shared = true, .marker = k == 0,
			.pt = 0, .seq = (uint16_t)(100 + k),
			.ts = 1000u + k * FS, .ssrc = 0x7000u,
		};

		lc.tx_zc = zc;
		dp_io_tick_send(&lc, &o);
	}
	dp_io_tick_done(&lc);
	dp_io_flush(&lc);
}

START_TEST(test_io_shared_zero_copy)
{
	uint8_t pay[FS], a[DP_NET_HDR_LEN + 12 + FS], b[sizeof(a)];
	struct rte_mbuf *out[8];
	struct dp_leg_rt *rt;
	unsigned int avail;

	ck_assert(port.tx_multi_seg);		/* net_ring has it */
	ck_assert(!lc.tx_zc);			/* off unless asked for */
	add_conf_and_legs();
	rt = &lc.rt[lc.port_leg[20000] - 1];
	memcpy(rt->flow.dst_mac, peer_mac, 6);
	rt->mac_known = true;
	for (int k = 0; k < FS; k++)
		pay[k] = (uint8_t)(k * 7 + 3);
	avail = rte_mempool_avail_count(pool);
	send_shared(rt, pay, false);
	send_shared(rt, pay, true);
	dp_io_detach(&lc);		/* the worker's stash back too */
	memset(pay, 0x55, sizeof(pay));		/* later ticks reuse it */
	ck_assert_uint_eq(tx_take(out, 8), 6);
	for (int k = 0; k < 3; k++) {
		struct dp_net_iface peer = { .ip_be = { peer_ip } };
		struct dp_net_stats st = { 0 };
		struct dp_net_rx r;

		ck_assert_uint_eq(out[k]->nb_segs, 1);
		ck_assert_uint_eq(out[3 + k]->nb_segs, 2);
		ck_assert(RTE_MBUF_HAS_EXTBUF(out[3 + k]->next));
		ck_assert_uint_eq(out[k]->pkt_len, sizeof(a));
		ck_assert_uint_eq(out[3 + k]->pkt_len, sizeof(a));
		tx_read(out[k], a);
		tx_read(out[3 + k], b);
		ck_assert_mem_eq(a, b, sizeof(a));	/* the same on the wire */
		memcpy(peer.mac, peer_mac, 6);
		ck_assert_int_eq(dp_net_classify(&peer, b, sizeof(b), 0, &r,
						 &st), DP_NET_UDP);
	}
	/* the listeners' segments share one carrier, held until the last
	 * of them is freed; then every mbuf is back */
	ck_assert_ptr_eq(rte_pktmbuf_mtod(out[3]->next, void *),
			 rte_pktmbuf_mtod(out[5]->next, void *));
	rte_pktmbuf_free_bulk(out, 5);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), avail - 3);
	rte_pktmbuf_free(out[5]);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), avail);
}
END_TEST

/* The headers a leg's packets go out with follow what they are built
 * from: the MAC the peer's packets come from, and the port the control
 * plane moves the leg to; checksums stay good. */
START_TEST(test_io_headers_follow_peer)
{
	static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x09 };
	struct rte_mbuf *out[8];
	struct dp_conf *c;
	struct shm_msg m;
	uint64_t now;
	uint32_t n;

	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	ck_assert_ptr_nonnull(c);
	now = c->next_tick;
	for (uint16_t t = 0; t < 12; t++) {
		uint16_t port0 = t < 8 ? 40000 : 40010;

		rx_mac = t < 4 ? peer_mac : mac2;
		if (t == 8) {
			leg_msg(&m, SHM_CMD_LEG_UPDATE, 0, port0);
			apply(&m);
		}
		rx_rtp(port0, 20000, 0, t, 0xa0, 500.0);
		rx_rtp(40002, 20002, 8, t, 0xa1, 900.0);
		now += c->period;
		dp_io_poll(&lc, now);
		n = tx_take(out, 8);
		ck_assert_uint_eq(n, 2);
		for (uint32_t i = 0; i < n; i++) {
			uint8_t d[DP_NET_HDR_LEN + 12 + FS];
			struct dp_net_iface peer = { .ip_be = { peer_ip } };
			struct dp_net_stats st = { 0 };
			struct dp_net_rx r;
			bool leg0;

			tx_read(out[i], d);
			memcpy(peer.mac, rx_mac, 6);
			ck_assert_int_eq(dp_net_classify(&peer, d,
				out[i]->pkt_len, 0, &r, &st), DP_NET_UDP);
			leg0 = ntohs(r.src_port_be) == 20000;
			ck_assert_msg(ntohs(r.dst_port_be) ==
				      (leg0 ? port0 : 40002),
				      "tick %u: to port %u", t,
				      ntohs(r.dst_port_be));
			rte_pktmbuf_free(out[i]);
		}
	}
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_BAD_SRC], 0);
}
END_TEST

/* A received mbuf done with is kept to send (the stash) unless someone
 * else holds it too, and none is lost: the pool, the stash and the one
 * still held account for all of them. */
START_TEST(test_io_received_mbufs_kept_or_freed)
{
	struct rte_mbuf *held, *out[8];
	uint8_t copy[DP_NET_HDR_LEN + 12 + FS];
	struct dp_conf *c;
	unsigned int avail, n;
	uint16_t stash = lc.n_stash;

	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_lt(stash + 1u, DP_TX_STASH);
	avail = rte_mempool_avail_count(pool);
	rx_rtp(40000, 20000, 0, 0, 0xa0, 500.0);
	rx_rtp(40002, 20002, 8, 0, 0xa1, 900.0);
	/* the second one is also the test's (as a clone's would be) */
	ck_assert_uint_eq(rte_ring_count(rxr), 2);
	ck_assert_int_eq(rte_ring_dequeue(rxr, (void **)&out[0]), 0);
	ck_assert_int_eq(rte_ring_dequeue(rxr, (void **)&held), 0);
	rte_mbuf_refcnt_update(held, 1);
	ck_assert_uint_eq(sizeof(copy), held->pkt_len);
	memcpy(copy, rte_pktmbuf_mtod(held, void *), sizeof(copy));
	ck_assert_int_eq(rte_ring_enqueue(rxr, out[0]), 0);
	ck_assert_int_eq(rte_ring_enqueue(rxr, held), 0);
	dp_io_poll(&lc, c->next_tick - 1);	/* receive only */
	ck_assert_uint_eq(lc.st.rx_pkts, 2);
	ck_assert_uint_eq(c->tc->legs[0]->n_rx + c->tc->legs[1]->n_rx, 2);
	ck_assert_uint_eq(lc.n_stash, stash + 1u);
	ck_assert_uint_eq(rte_mbuf_refcnt_read(held), 1);
	ck_assert_uint_eq(rte_mempool_avail_count(pool) + lc.n_stash,
			  avail + stash - 1u);
	/* the tick sends from the stash; the held one stays as it was */
	dp_io_poll(&lc, c->next_tick + lc.tick_check_tsc);
	n = tx_take(out, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(rte_pktmbuf_mtod(held, void *), copy, sizeof(copy));
	rte_pktmbuf_free_bulk(out, n);
	rte_pktmbuf_free(held);
	ck_assert_uint_eq(rte_mempool_avail_count(pool) + lc.n_stash,
			  avail + stash);
}
END_TEST

/* --rx-hold-us: a poll that brings fewer than DP_RX_HOLD_BELOW packets
 * leaves the queue until the hold is over; what arrives meanwhile is taken
 * then, all of it; a poll that brings a whole burst or more is followed by
 * another at once. Without a hold (dp_lcore_init()'s default) every poll
 * takes what is there. */
START_TEST(test_io_rx_hold_gathers_bursts)
{
	const uint64_t hold = lc.tsc_hz / 1000000u * 30;
	const uint64_t polls0 = lc.st.rx_polls;
	struct dp_conf *c;
	uint64_t t;

	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	ck_assert_ptr_nonnull(c);
	t = c->next_tick - 100 * hold;	/* no tick due in this test */
	ck_assert_uint_eq(lc.rx_hold_tsc, 0);
	rx_rtp(40000, 20000, 0, 0, 0xa0, 500.0);
	dp_io_poll(&lc, t);
	rx_rtp(40002, 20002, 8, 0, 0xa1, 900.0);
	dp_io_poll(&lc, t);		/* no hold: taken at once */
	ck_assert_uint_eq(lc.st.rx_pkts, 2);
	ck_assert_uint_eq(lc.st.rx_polls, polls0 + 2);

	lc.rx_hold_tsc = hold;
	t += hold;
	rx_rtp(40000, 20000, 0, 1, 0xa0, 500.0);
	dp_io_poll(&lc, t);		/* one packet: the queue waits */
	ck_assert_uint_eq(lc.st.rx_pkts, 3);
	for (uint16_t s = 2; s < 5; s++)
		rx_rtp(40000, 20000, 0, s, 0xa0, 500.0);
	rx_rtp(40002, 20002, 8, 1, 0xa1, 900.0);
	dp_io_poll(&lc, t + 1);
	dp_io_poll(&lc, t + hold - 1);
	ck_assert_uint_eq(lc.st.rx_pkts, 3);
	ck_assert_uint_eq(rte_ring_count(rxr), 4);
	dp_io_poll(&lc, t + hold);	/* over: all four in one poll */
	ck_assert_uint_eq(lc.st.rx_pkts, 7);
	ck_assert_uint_eq(lc.st.rx_polls, polls0 + 4);
	ck_assert_uint_eq(rte_ring_count(rxr), 0);
	ck_assert_uint_eq(c->tc->legs[0]->n_rx, 5);
	ck_assert_uint_eq(c->tc->legs[1]->n_rx, 2);

	/* a whole burst and more: the rest at the next poll, which brings
	 * DP_RX_HOLD_BELOW and is not held either; then an empty one is */
	t += 2 * hold;
	for (uint16_t s = 5; s < 5 + DP_BURST + DP_RX_HOLD_BELOW; s++)
		rx_rtp(40000, 20000, 0, s, 0xa0, 500.0);
	dp_io_poll(&lc, t);
	ck_assert_uint_eq(lc.st.rx_pkts, 7 + DP_BURST);
	dp_io_poll(&lc, t);
	ck_assert_uint_eq(lc.st.rx_pkts, 7 + DP_BURST + DP_RX_HOLD_BELOW);
	ck_assert_uint_eq(lc.st.rx_polls, polls0 + 6);
	dp_io_poll(&lc, t);		/* empty: held from here */
	rx_rtp(40002, 20002, 8, 2, 0xa1, 900.0);
	dp_io_poll(&lc, t + hold - 1);
	ck_assert_uint_eq(rte_ring_count(rxr), 1);
	dp_io_poll(&lc, t + hold);
	ck_assert_uint_eq(rte_ring_count(rxr), 0);
	ck_assert_uint_eq(lc.st.rx_pkts, 8 + DP_BURST + DP_RX_HOLD_BELOW);
	ck_assert_uint_eq(lc.st.rx_polls, polls0 + 7);
	lc.rx_hold_tsc = 0;
}
END_TEST

/* Without a control plane the worker offers no events but statuses, and
 * starts again as soon as one attaches. */
START_TEST(test_io_events_wait_for_control_plane)
{
	struct shm_msg ev, st, got;

	shm_msg_init(&ev, SHM_EVT_TALKER, 0, 7);
	shm_msg_init(&st, SHM_EVT_STATUS, 9, 7);
	__atomic_store_n(&region.hdr->cp_pid, 0, __ATOMIC_RELEASE);
	dp_ctl_poll(&lc, 0);
	ck_assert(lc.evt_muted);
	ck_assert_int_eq(dp_ctl_send_evt(&lc, &ev), -ENOTCONN);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_EVT_NO_CP], 1);
	ck_assert_int_eq(dp_ctl_send_evt(&lc, &st), 0);	/* answers go */
	ck_assert_uint_eq(rte_ring_count(lc.evt), 1);

	/* a control plane attaches: events flow at the next poll */
	__atomic_store_n(&region.hdr->cp_pid, 4242, __ATOMIC_RELEASE);
	dp_ctl_poll(&lc, 0);
	ck_assert(!lc.evt_muted);
	ck_assert_int_eq(dp_ctl_send_evt(&lc, &ev), 0);
	ck_assert_uint_eq(rte_ring_count(lc.evt), 2);

	/* it dies (the main lcore saw no heartbeat): muted again, until
	 * another one attaches */
	dp_ctl_set_cp_lost(4242);
	dp_ctl_poll(&lc, 0);
	ck_assert(lc.evt_muted);
	ck_assert_int_eq(dp_ctl_send_evt(&lc, &ev), -ENOTCONN);
	__atomic_store_n(&region.hdr->cp_pid, 4343, __ATOMIC_RELEASE);
	dp_ctl_poll(&lc, 0);
	ck_assert(!lc.evt_muted);
	dp_ctl_set_cp_lost(0);
	while (shm_ring_recv(lc.evt, &got, 1) == 1)
		;
}
END_TEST

/* One period on: the worker polls (and ticks) at now + period, and what it
 * sent is thrown away. Returns the new now. */
static uint64_t
poll_period(uint64_t now, uint64_t period)
{
	struct rte_mbuf *out[256];
	unsigned int n;

	now += period;
	dp_io_poll(&lc, now);
	while ((n = tx_take(out, 256)) > 0)
		rte_pktmbuf_free_bulk(out, n);
	return now;
}

/* Leg 0's peer sends its tone, packets from to to - 1, a period each. */
static uint64_t
talk(uint16_t from, uint16_t to, uint64_t now, uint64_t period)
{
	for (uint16_t t = from; t < to; t++) {
		rx_rtp(40000, 20000, 0, t, 0xa0, 500.0);
		now = poll_period(now, period);
	}
	return now;
}

/* RFC 4733 digit c from leg 0's peer as event k: its start and three end
 * packets (seq on from *seq), one receive poll and tick each. */
static uint64_t
press(char c, uint32_t k, uint16_t *seq, uint64_t now, uint64_t period)
{
	for (uint32_t i = 0; i < 4; i++) {
		uint8_t pkt[12 + 4];
		uint16_t dur = (uint16_t)(i == 0 ? 160 : 800);

		dp_rtp_write_hdr(pkt, 101, i == 0, (*seq)++, 100000 + k * 1600,
				 0xa0);
		pkt[12] = (uint8_t)(c == '*' ? 10 : c == '#' ? 11 : c - '0');
		pkt[13] = (uint8_t)((i > 0 ? 0x80 : 0) | 10);
		pkt[14] = (uint8_t)(dur >> 8);
		pkt[15] = (uint8_t)dur;
		rx_udp(40000, 20000, pkt, sizeof(pkt));
		now = poll_period(now, period);
	}
	return now;
}

/* The event ring emptied: the DTMF digits in it, in order (leg 0's). */
static const char *
ring_digits(void)
{
	static char d[64];
	struct shm_msg m;
	uint32_t n = 0;

	while (shm_ring_recv(lc.evt, &m, 1) == 1) {
		if (m.hdr.type != SHM_EVT_DTMF)
			continue;
		ck_assert_uint_eq(m.body.dtmf.leg_id, 70);
		ck_assert_uint_lt(n, sizeof(d) - 1);
		d[n++] = (char)m.body.dtmf.digit;
	}
	d[n] = 0;
	return d;
}

/* The event ring filled with stats events: how many went in. */
static uint32_t
fill_evt_ring(void)
{
	struct shm_msg f;
	uint32_t n = 0;

	shm_msg_init(&f, SHM_EVT_STATS, 0, 0);
	while (shm_ring_send(lc.evt, &f, 1) == 1)
		n++;
	return n;
}

/* DTMF digits pressed while the event ring is full (the control plane
 * behind, 20,000 media timeouts at once) are not lost: they wait in the
 * leg and go, in order, at the first tick after the ring has room; a leg
 * with more than DP_TICK_DTMF_PEND waiting loses the newest, counted in
 * the worker's stats. */
START_TEST(test_io_dtmf_waits_for_room)
{
	static const char keys[] = "0123456789*#0123456789*#";
	struct dp_tick_leg *tl;
	struct dp_conf *c;
	uint64_t now, full;
	uint16_t seq;

	__atomic_store_n(&region.hdr->cp_pid, 4242, __ATOMIC_RELEASE);
	dp_ctl_poll(&lc, 0);
	ck_assert(!lc.evt_muted);
	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	tl = lc.rt[lc.port_leg[20000] - 1].tl;
	now = talk(0, 10, c->next_tick, c->period);
	seq = 10;
	ring_digits();
	ck_assert_uint_gt(fill_evt_ring(), 0);
	full = lc.st.drops[SHM_DROP_EVT_FULL];
	for (uint32_t k = 0; k < 3; k++)
		now = press("159"[k], k, &seq, now, c->period);
	ck_assert_uint_gt(lc.st.drops[SHM_DROP_EVT_FULL], full);
	ck_assert_uint_eq(tl->n_dtmf_pend, 3);
	ck_assert_str_eq(ring_digits(), "");	/* the ring: fillers */
	now = poll_period(now, c->period);
	ck_assert_str_eq(ring_digits(), "159");
	ck_assert_uint_eq(tl->n_dtmf_pend, 0);
	ck_assert_uint_eq(lc.st.dtmf_lost, 0);

	/* two more than a leg keeps */
	fill_evt_ring();
	for (uint32_t k = 0; k < DP_TICK_DTMF_PEND + 2; k++)
		now = press(keys[k], 3 + k, &seq, now, c->period);
	ck_assert_uint_eq(lc.st.dtmf_lost, 2);
	dp_lcore_publish(&lc, now);
	ck_assert_uint_eq(lc.pub->dtmf_lost, 2);
	ring_digits();
	poll_period(now, c->period);
	ck_assert_str_eq(ring_digits(), "0123456789*#0123");
}
END_TEST

/* The TALKER events in the event ring, emptied: how many said leg 70
 * talks. */
static uint32_t
ring_talkers(void)
{
	struct shm_msg m;
	uint32_t n = 0;

	while (shm_ring_recv(lc.evt, &m, 1) == 1)
		n += m.hdr.type == SHM_EVT_TALKER &&
		     m.body.talker.leg_id == 70 && m.body.talker.talking;
	return n;
}

/* A new control plane (a restarted tutti-cp) knows no talker: each one
 * talking is said to it again at its next tick; the same control plane
 * is not told twice. */
START_TEST(test_io_talkers_said_to_a_new_control_plane)
{
	struct dp_conf *c;
	uint64_t now;

	__atomic_store_n(&region.hdr->cp_pid, 4242, __ATOMIC_RELEASE);
	dp_ctl_poll(&lc, 0);
	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	now = talk(0, 20, c->next_tick, c->period);	/* leg 0 talks */
	ck_assert_uint_eq(ring_talkers(), 1);
	dp_ctl_poll(&lc, now);		/* the same one */
	now = talk(20, 25, now, c->period);
	ck_assert_uint_eq(ring_talkers(), 0);
	__atomic_store_n(&region.hdr->cp_pid, 4343, __ATOMIC_RELEASE);
	dp_ctl_poll(&lc, now);
	talk(25, 26, now, c->period);
	ck_assert_uint_eq(ring_talkers(), 1);
}
END_TEST

/* A second of the worker at pct % busy, from t: returns its end. */
static uint64_t
busy_second(uint64_t t, uint32_t pct)
{
	lc.st.busy_cycles += lc.tsc_hz * pct / 100;
	dp_lcore_publish(&lc, t + lc.tsc_hz);
	return t + lc.tsc_hz;
}

/* Leg i of conference 7 added (leg_msg()): dp_ctl_apply()'s result. */
static int
add_leg(int i)
{
	struct shm_msg m;

	leg_msg(&m, SHM_CMD_LEG_ADD, i, (uint16_t)(40000 + 2 * i));
	return dp_ctl_apply(&lc, &m);
}

/* More captures at once than files are written: the one too many is
 * refused, and said in the region as failed; the others' files are
 * written, for their owner only; a link at a file's name is replaced,
 * not followed. */
START_TEST(test_io_capture_files_at_once_and_their_mode)
{
	char target[96], link[96], path[96], buf[8] = "";
	struct rte_mbuf *out[256];
	unsigned int failed = 0, writing = 0;
	struct stat st;
	uint64_t now;
	FILE *fp;

	make_cap_dir();
	for (int i = 0; i <= DP_CAP_FILES; i++) {
		snprintf(path, sizeof(path), "%s/leg-%d-%d.pcap", cap_dir,
			 70 + i, 100 + i);
		proc_unlink_at_exit(path);
	}
	snprintf(target, sizeof(target), "%s/target", cap_dir);
	proc_unlink_at_exit(target);
	snprintf(link, sizeof(link), "%s/leg-70-100.pcap", cap_dir);
	fp = fopen(target, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("keep", fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(symlink(target, link), 0);
	add_conf();
	for (int i = 0; i <= DP_CAP_FILES; i++)
		ck_assert_int_eq(add_leg(i), 0);
	ck_assert_int_eq(dp_cap_init(cap_dir), 0);
	memset(slots, 0, sizeof(slots));
	dp_cap_publish(slots);
	for (int i = 0; i <= DP_CAP_FILES; i++)
		ck_assert_int_eq(capture_cmd(i, 1000, (uint16_t)(100 + i)), 0);
	now = dp_ctl_conf_find(&lc, 7)->next_tick;
	for (int i = 0; i <= DP_CAP_FILES; i++)
		rx_rtp((uint16_t)(40000 + 2 * i), (uint16_t)(20000 + 2 * i),
		       i ? 8 : 0, 0, 0xb0u + (uint32_t)i, 500.0);
	dp_io_poll(&lc, now);
	rte_pktmbuf_free_bulk(out, tx_take(out, 256));
	dp_cap_drain(4096);
	for (unsigned int k = 0; k < SHM_CAPTURES; k++) {
		failed += slots[k].state == SHM_CAPTURE_FAILED;
		writing += slots[k].state == SHM_CAPTURE_WRITING;
	}
	ck_assert_uint_eq(writing, DP_CAP_FILES);
	ck_assert_uint_eq(failed, 1);
	/* a file comes free: the refused capture stays refused (its file
	 * would lack its start) */
	ck_assert_int_eq(capture_cmd(1, 0, 101), 0);
	dp_cap_drain(4096);
	rx_rtp((uint16_t)(40000 + 2 * DP_CAP_FILES),
	       (uint16_t)(20000 + 2 * DP_CAP_FILES), 8, 1,
	       0xb0u + DP_CAP_FILES, 500.0);
	dp_io_poll(&lc, now);
	rte_pktmbuf_free_bulk(out, tx_take(out, 256));
	dp_cap_drain(4096);
	snprintf(path, sizeof(path), "%s/leg-%d-%d.pcap", cap_dir,
		 70 + DP_CAP_FILES, 100 + DP_CAP_FILES);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* the link replaced by a file of the owner's, its target kept */
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	fp = fopen(target, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	ck_assert_str_eq(buf, "keep");
	dp_cap_fini();
}
END_TEST

/* --admit-busy within a second: the legs admitted since count at the last
 * second's cost of a leg, so a burst of joins stops short of the limit
 * rather than a second after it; the next second decides afresh. */
START_TEST(test_io_admit_busy_counts_legs_since)
{
	uint64_t t;

	lc.admit_busy_pct = 90;
	add_conf_and_legs();		/* legs 70 and 71 */
	/* a second at 40 % with 2 legs: 20 % a leg */
	t = busy_second(lc.adm_t0, 40);
	ck_assert_uint_eq(lc.pub->overloaded, 0);
	ck_assert_int_eq(add_leg(2), 0);	/* 60 % */
	ck_assert_int_eq(add_leg(3), 0);	/* 80 % */
	/* a fifth would be 100 %: refused, and the worker says so */
	ck_assert_int_eq(add_leg(4), -EAGAIN);
	ck_assert_ptr_null(dp_ctl_leg_find(&lc, 74));
	dp_lcore_publish(&lc, t + 1);
	ck_assert_uint_eq(lc.pub->overloaded, 1);
	ck_assert_uint_eq(lc.pub->new_legs_refused, 1);
	/* a leg it has, added again, is not refused */
	ck_assert_int_eq(add_leg(3), 0);
	/* the next second, 4 legs at 40 %: 10 % a leg, room again */
	busy_second(t, 40);
	ck_assert_uint_eq(lc.pub->overloaded, 0);
	ck_assert_int_eq(add_leg(4), 0);
	ck_assert_ptr_nonnull(dp_ctl_leg_find(&lc, 74));
	ck_assert_uint_eq(lc.st.n_legs, 5);
	/* no legs in the last second: no cost known, nothing projected */
	lc.adm_legs = 0;
	lc.adm_busy_ppm = 890000;
	ck_assert(dp_lcore_admit(&lc));
}
END_TEST

/* --admit-busy: a worker whose last second was busy at its limit, or ran
 * a tick late, refuses new legs but not those it has; a quieter second
 * lets them in again. The test moves the clock and the busy count. */
START_TEST(test_io_admit_busy_refuses_new_legs_at_the_limit)
{
	uint64_t hz = lc.tsc_hz, t = lc.adm_t0;

	lc.admit_busy_pct = 90;
	add_conf_and_legs();		/* legs 70 and 71 */
	/* 95 % busy, but not a whole second yet: nothing decided */
	lc.st.busy_cycles += hz * 95 / 100;
	dp_lcore_publish(&lc, t + hz / 2);
	ck_assert_uint_eq(lc.pub->overloaded, 0);
	/* the whole second: at the limit */
	t += hz;
	dp_lcore_publish(&lc, t);
	ck_assert_uint_eq(lc.pub->overloaded, 1);
	ck_assert_int_eq(add_leg(2), -EAGAIN);
	ck_assert_ptr_null(dp_ctl_leg_find(&lc, 72));
	/* a leg it has, added again (a restarted control plane's replay) */
	ck_assert_int_eq(add_leg(0), 0);
	dp_lcore_publish(&lc, t + 1);
	ck_assert_uint_eq(lc.pub->new_legs_refused, 1);
	/* a second at half: admitted again */
	t = busy_second(t, 50);
	ck_assert_uint_eq(lc.pub->overloaded, 0);
	ck_assert_int_eq(add_leg(2), 0);
	ck_assert_ptr_nonnull(dp_ctl_leg_find(&lc, 72));
	/* a tenth busy, but a tick late: refused */
	lc.st.late_ticks++;
	t = busy_second(t, 10);
	ck_assert_uint_eq(lc.pub->overloaded, 1);
	ck_assert_int_eq(add_leg(3), -EAGAIN);
	/* without --admit-busy, never */
	lc.admit_busy_pct = 0;
	lc.st.late_ticks++;
	busy_second(t, 100);
	ck_assert_uint_eq(lc.pub->overloaded, 0);
	ck_assert_int_eq(add_leg(3), 0);
	ck_assert_ptr_nonnull(dp_ctl_leg_find(&lc, 73));
	ck_assert_uint_eq(lc.pub->new_legs_refused, 2);
	ck_assert_uint_eq(lc.st.n_legs, 4);
}
END_TEST

/* The leg table (what tutti-cp and tuttictl read): a leg that stopped
 * sending for five ticks shows them lost and concealed; the other leg
 * shows none. */
START_TEST(test_io_leg_table_counts_concealment)
{
	struct rte_mbuf *out[256];
	const struct shm_leg_entry *e[2];
	struct dp_conf *c;
	uint64_t now;
	unsigned int n;

	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	now = c->next_tick;
	for (uint16_t t = 0; t < 40; t++) {
		rx_rtp(40000, 20000, 0, t, 0xa0, 500.0);
		if (t < 20 || t >= 25)
			rx_rtp(40002, 20002, 8, t, 0xa1, 900.0);
		now += c->period;
		dp_io_poll(&lc, now);
		while ((n = tx_take(out, 256)) > 0)
			rte_pktmbuf_free_bulk(out, n);
	}
	dp_io_housekeeping(&lc, now);
	while ((n = tx_take(out, 256)) > 0)
		rte_pktmbuf_free_bulk(out, n);
	for (int i = 0; i < 2; i++) {
		uint32_t k = lc.port_leg[20000 + 2 * i] - 1;

		e[i] = &lc.legs[k];
		ck_assert_uint_eq(e[i]->concealed,
				  dp_jitter_stats(&lc.rt[k].tl->jb)->n_missing);
	}
	ck_assert_uint_eq(e[0]->rx_pkts, 40);
	ck_assert_uint_eq(e[1]->rx_pkts, 35);
	ck_assert_uint_eq(e[0]->lost, 0);
	ck_assert_uint_eq(e[1]->lost, 5);
	ck_assert_uint_eq(e[0]->concealed, 0);
	ck_assert_uint_ge(e[1]->concealed, 5);
}
END_TEST

START_TEST(test_io_counts_malformed)
{
	uint8_t pkt[12 + FS] = { 0 };
	uint8_t f[DP_NET_HDR_LEN + 200];
	struct rte_mbuf *out[16];
	uint32_t len;
	struct dp_conf *c;

	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	/* RTP version 1 */
	dp_rtp_write_hdr(pkt, 0, false, 1, 160, 5);
	pkt[0] = 0x40;
	rx_udp(40000, 20000, pkt, sizeof(pkt));
	/* payload type nobody signalled */
	dp_rtp_write_hdr(pkt, 96, false, 1, 160, 5);
	rx_udp(40000, 20000, pkt, sizeof(pkt));
	/* a port with no leg */
	dp_rtp_write_hdr(pkt, 0, false, 1, 160, 5);
	rx_udp(40000, 30000, pkt, sizeof(pkt));
	/* a bad IPv4 header checksum */
	len = make_udp(f, 40000, 20000, pkt, sizeof(pkt));
	f[DP_NET_ETH_LEN + 10] ^= 0x55;
	rx_frame(f, len);
	/* from another source than the signalled one */
	rx_udp(40004, 20000, pkt, sizeof(pkt));
	dp_io_poll(&lc, c->next_tick - 1);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_BAD_RTP], 1);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_BAD_PT], 1);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_NOT_FOR_US], 1);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_BAD_IP], 1);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_BAD_SRC], 1);
	ck_assert_uint_eq(tx_take(out, 16), 0);
	/* and a good one still goes through afterwards */
	rx_rtp(40000, 20000, 0, 0, 0xa0, 500.0);
	dp_io_poll(&lc, c->next_tick - 1);
	ck_assert_uint_eq(lc.rt[0].rtp.st.n_pkts + lc.rt[1].rtp.st.n_pkts,
			  1);
	/* the jitter buffer's drops, each by its reason: the same packet
	 * again; one of 20 ms and 3 bytes (no whole 5 ms grains); one
	 * 10 s ahead */
	rx_rtp(40000, 20000, 0, 0, 0xa0, 500.0);
	dp_rtp_write_hdr(pkt, 0, false, 1, FS, 0xa0);
	rx_udp(40000, 20000, pkt, 12 + FS - 3);
	dp_rtp_write_hdr(pkt, 0, false, 300, 80000, 0xa0);
	rx_udp(40000, 20000, pkt, sizeof(pkt));
	dp_io_poll(&lc, c->next_tick - 1);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_JB_DUP], 1);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_BAD_RTP], 2);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_JB_FULL], 1);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_JB_LATE], 0);
}
END_TEST

/* frame f (len bytes) into the receive ring in two mbufs, split at cut */
static void
rx_chain(const uint8_t *f, uint32_t len, uint32_t cut)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_mbuf *t = rte_pktmbuf_alloc(pool);

	ck_assert(m != NULL && t != NULL);
	memcpy(rte_pktmbuf_append(m, (uint16_t)cut), f, cut);
	memcpy(rte_pktmbuf_append(t, (uint16_t)(len - cut)), f + cut,
	       len - cut);
	ck_assert_int_eq(rte_pktmbuf_chain(m, t), 0);
	ck_assert_int_eq(rte_ring_enqueue(rxr, m), 0);
}

/* A frame that comes in a chain of buffers (as from a memif peer whose
 * buffers are smaller than it) is taken as one; a chain longer than one
 * mbuf holds is dropped and counted; nothing leaks either way. */
START_TEST(test_io_chained_frames)
{
	uint8_t pkt[12 + FS] = { 0 };
	static uint8_t f[DP_NET_HDR_LEN + 2100], big[2050];
	struct dp_conf *c;
	unsigned int avail;
	uint32_t len;

	add_conf_and_legs();
	c = dp_ctl_conf_find(&lc, 7);
	avail = rte_mempool_avail_count(pool) + lc.n_stash;
	/* cut inside the UDP header, then inside the RTP payload */
	dp_rtp_write_hdr(pkt, 0, true, 0, 0, 0xa0);
	len = make_udp(f, 40000, 20000, pkt, sizeof(pkt));
	rx_chain(f, len, DP_NET_ETH_LEN + DP_NET_IPV4_LEN + 4);
	dp_rtp_write_hdr(pkt, 0, false, 1, FS, 0xa0);
	len = make_udp(f, 40000, 20000, pkt, sizeof(pkt));
	rx_chain(f, len, DP_NET_HDR_LEN + 12 + 7);
	dp_io_poll(&lc, c->next_tick - 1);
	ck_assert_uint_eq(lc.rt[0].rtp.st.n_pkts, 2);
	ck_assert_uint_eq(c->tc->legs[0]->n_rx, 2);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_NOT_FOR_US], 0);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_BAD_RTP], 0);
	/* 2,050 bytes of UDP payload: more than the first buffer holds */
	len = make_udp(f, 40000, 20000, big, sizeof(big));
	rx_chain(f, len, 1500);
	dp_io_poll(&lc, c->next_tick - 1);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_NOT_FOR_US], 1);
	ck_assert_uint_eq(lc.rt[0].rtp.st.n_pkts, 2);
	ck_assert_uint_eq(rte_mempool_avail_count(pool) + lc.n_stash, avail);
}
END_TEST

/* p3 (198.19.0.2/24 on io_port3, gateway 198.19.0.254), started once:
 * closing a ring port removes it. */
static void
port3_once(void)
{
	char err[256];

	if (p3.started)
		return;
	ck_assert_msg(dp_port_init(&p3, (uint16_t)port3_id, 2, ip3, 0, pool, 256,
				   256, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(p3.n_rxq, 1);
	ck_assert_int_eq(dp_port_set_plen(&p3, 24), 0);
	ck_assert_int_eq(dp_port_set_gateway(&p3, gw3), 0);
}

/* Frames from here on come in on port 3 from src_mac and src_ip (true),
 * or on the fixture's port from the peer (false). */
static void
rx_on_port3(bool on, const uint8_t *src_mac, uint32_t src_ip)
{
	rx_q = on ? rxr3 : rxr;
	rx_to_mac = on ? p3.mac.addr_bytes : port.mac.addr_bytes;
	rx_mac = on ? src_mac : peer_mac;
	rx_src_ip = on ? src_ip : peer_ip;
	rx_dst_ip = on ? ip3 : dp_ip;
}

/* What a transmit ring holds, as frames: IPv4 ones in ip[] (up to max,
 * copied), ARP requests' targets in arp[] (up to max); all freed. Returns
 * the frames. */
static uint32_t
tx_ring_take(struct rte_ring *r, uint8_t (*ip)[256], uint32_t *n_ip,
	     uint32_t *arp, uint32_t *n_arp, uint32_t max)
{
	static uint8_t frame[1600];
	struct rte_mbuf *out[256];
	uint32_t n, all = 0;

	*n_ip = *n_arp = 0;
	while ((n = rte_ring_dequeue_burst(r, (void **)out, 256, NULL)) != 0)
		for (uint32_t i = 0; i < n; i++, all++) {
			const struct dp_net_eth *e =
				(const struct dp_net_eth *)frame;
			const struct dp_net_arp *a =
				(const struct dp_net_arp *)(e + 1);

			tx_read(out[i], frame);
			if (ntohs(e->type_be) == DP_NET_ETHERTYPE_IPV4 &&
			    *n_ip < max && out[i]->pkt_len <= 256)
				memcpy(ip[(*n_ip)++], frame, out[i]->pkt_len);
			else if (ntohs(e->type_be) == DP_NET_ETHERTYPE_ARP &&
				 ntohs(a->op_be) == 1 && *n_arp < max)
				arp[(*n_arp)++] = a->tpa_be;
			rte_pktmbuf_free(out[i]);
		}
	return all;
}

/* The loudest sample of a PCMU packet's payload in frame f. */
static int
ulaw_peak(const uint8_t *f)
{
	int peak = 0;

	for (int k = 0; k < FS; k++) {
		int v = abs(dp_g711_ulaw2lin(f[DP_NET_HDR_LEN + 12 + k]));

		peak = v > peak ? v : peak;
	}
	return peak;
}

/* Frames f[0..n) all from src_mac and src_ip to dst_mac and dst_ip;
 * returns how many carry a loud payload (a PCMU peak above 3000). */
static uint32_t
sent_from_to(uint8_t (*f)[256], uint32_t n, const uint8_t *src_mac,
	     const uint8_t *dst_mac, uint32_t src_ip, uint32_t dst_ip)
{
	uint32_t loud = 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct dp_net_eth *e = (const struct dp_net_eth *)f[i];
		const struct dp_net_ipv4 *h =
			(const struct dp_net_ipv4 *)(f[i] + DP_NET_ETH_LEN);

		ck_assert_mem_eq(e->src, src_mac, 6);
		ck_assert_mem_eq(e->dst, dst_mac, 6);
		ck_assert_uint_eq(h->src_be, src_ip);
		ck_assert_uint_eq(h->dst_be, dst_ip);
		loud += ulaw_peak(f[i]) > 3000;
	}
	return loud;
}

/*
 * Two ports, each with its own address, link and routing: ARP is
 * answered on a port for its own address only, from its own MAC; a leg
 * on each (the same UDP port on both addresses), in one conference: each
 * leg's next hop is asked for on its own port (the second port's leg,
 * off that port's link, through its gateway), an ARP reply on the wrong
 * port teaches nothing, each leg's mix goes out of its own port from
 * that port's MAC and address, and each leg hears the other. RTP for the
 * second port's address arriving on the first is not taken.
 */
START_TEST(test_io_two_ports)
{
	static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xee };
	static const uint8_t bad_mac[6] = { 0x02, 0, 0, 0, 0, 0xbd };
	static struct dp_port both[2];
	static uint8_t ip0[64][256], ip1[64][256];
	uint32_t far, arp0[64], arp1[64], n_ip0, n_ip1, n_arp0, n_arp1;
	uint32_t b, k0, k1, heard0, heard1;
	uint64_t drops, now;
	struct shm_msg m;

	port3_once();
	inet_pton(AF_INET, "198.20.0.1", &far);
	both[0] = port;
	both[1] = p3;
	ck_assert_int_eq(dp_io_attach(&lc, both, 2, pool), 0);
	/* port 3's address after the fixture port's (one, or two after
	 * test_io_two_addresses: the cases share it) */
	b = port.n_addrs;
	ck_assert_uint_eq(lc.n_ports, 2);
	ck_assert_uint_eq(lc.lp[1].addr_base, b);
	ck_assert_uint_eq(lc.addr_lp[b - 1], 0);
	ck_assert_uint_eq(lc.addr_lp[b], 1);

	/* ARP: port 3 answers for 198.19.0.2 only, the fixture's port for
	 * 198.18.0.2 only */
	drops = lc.net_st.n_drop[DP_NET_DROP_ARP_NOT_US];
	rx_on_port3(true, peer_mac, gw3);
	rx_arp(1, peer_mac, gw3, ip3);
	rx_arp(1, peer_mac, gw3, dp_ip);
	rx_on_port3(false, NULL, 0);
	arp_ask_for(peer_ip, ip3);
	dp_io_poll(&lc, 1);
	ck_assert_uint_eq(tx_ring_take(txr, ip0, &n_ip0, arp0, &n_arp0, 64),
			  0);
	{
		struct rte_mbuf *o;
		const struct dp_net_eth *e;
		const struct dp_net_arp *a;

		ck_assert_int_eq(rte_ring_dequeue(txr3[0], (void **)&o), 0);
		e = rte_pktmbuf_mtod(o, const struct dp_net_eth *);
		a = (const struct dp_net_arp *)(e + 1);
		ck_assert_uint_eq(ntohs(a->op_be), 2);
		ck_assert_uint_eq(a->spa_be, ip3);
		ck_assert_mem_eq(a->sha, p3.mac.addr_bytes, 6);
		ck_assert_mem_eq(e->src, p3.mac.addr_bytes, 6);
		rte_pktmbuf_free(o);
		ck_assert_uint_eq(rte_ring_count(txr3[0]), 0);
	}
	ck_assert_uint_eq(lc.net_st.n_drop[DP_NET_DROP_ARP_NOT_US],
			  drops + 2);

	/* leg 0 on 198.18.0.2:20000 to the peer on the fixture's link;
	 * leg 1 on 198.19.0.2:20000 to 198.20.0.1, behind port 3's
	 * gateway */
	add_conf();
	leg_msg(&m, SHM_CMD_LEG_ADD, 0, 40000);
	apply(&m);
	leg_msg(&m, SHM_CMD_LEG_ADD, 1, 40002);
	m.body.leg.pt = 0;
	m.body.leg.codec = SHM_CODEC_PCMU;
	m.body.leg.local_port = htons(20000);
	memcpy(m.body.leg.local_addr, &ip3, 4);
	memcpy(m.body.leg.addr + 12, &far, 4);
	apply(&m);
	k0 = lc.port_leg[dp_io_key(0, 20000)];
	k1 = lc.port_leg[dp_io_key(b, 20000)];
	ck_assert(k0 != 0 && k1 != 0 && k0 != k1);
	ck_assert_uint_eq(lc.rt[k0 - 1].lport, 0);
	ck_assert_uint_eq(lc.rt[k1 - 1].lport, 1);

	/* each next hop asked for on its own port, from its own address */
	now = dp_ctl_conf_find(&lc, 7)->next_tick;
	dp_io_housekeeping(&lc, now);
	tx_ring_take(txr, ip0, &n_ip0, arp0, &n_arp0, 64);
	tx_ring_take(txr3[0], ip1, &n_ip1, arp1, &n_arp1, 64);
	ck_assert_uint_eq(n_arp0, 1);
	ck_assert_uint_eq(arp0[0], peer_ip);
	ck_assert_uint_eq(n_arp1, 1);
	ck_assert_uint_eq(arp1[0], gw3);

	/* a reply about 198.19.0.254 on the wrong port is not port 3's */
	rx_arp(2, bad_mac, gw3, dp_ip);
	rx_arp(2, peer_mac, peer_ip, dp_ip);
	dp_io_poll(&lc, now - 1);
	dp_io_poll(&lc, now + lc.tick_check_tsc);	/* a tick: leg 0 sends */
	tx_ring_take(txr, ip0, &n_ip0, arp0, &n_arp0, 64);
	tx_ring_take(txr3[0], ip1, &n_ip1, arp1, &n_arp1, 64);
	ck_assert_uint_eq(n_ip0, 1);
	ck_assert_uint_eq(n_ip1, 0);
	ck_assert(!lc.rt[k1 - 1].mac_known);
	rx_on_port3(true, gw_mac, gw3);
	rx_arp(2, gw_mac, gw3, ip3);
	dp_io_poll(&lc, now - 1);

	/* the talkers: 800 Hz from the peer, 1300 Hz from 198.20.0.1
	 * through the gateway; RTP for 198.19.0.2 on the wrong port is not
	 * taken */
	drops = lc.net_st.n_drop[DP_NET_DROP_NOT_OUR_IP];
	for (uint16_t seq = 0; seq < 6; seq++) {
		uint64_t t = now + (uint64_t)seq * lc.tsc_hz / 50;

		rx_on_port3(false, NULL, 0);
		rx_rtp(40000, 20000, 0, seq, 0xa0, 800.0);
		rx_on_port3(true, gw_mac, far);
		rx_rtp(40002, 20000, 0, seq, 0xa1, 1300.0);
		dp_io_poll(&lc, t);
	}
	rx_on_port3(false, NULL, 0);
	rx_dst_ip = ip3;
	rx_rtp(40002, 20000, 0, 7, 0xa1, 1300.0);
	dp_io_poll(&lc, now + 6 * lc.tsc_hz / 50);
	ck_assert_uint_eq(lc.net_st.n_drop[DP_NET_DROP_NOT_OUR_IP],
			  drops + 1);
	ck_assert_uint_eq(lc.rt[k0 - 1].rtp.st.n_pkts, 6);
	ck_assert_uint_eq(lc.rt[k1 - 1].rtp.st.n_pkts, 6);
	for (int t = 7; t < 12; t++)
		dp_io_poll(&lc, now + (uint64_t)t * lc.tsc_hz / 50);

	/* each leg's mix out of its own port, from its address */
	tx_ring_take(txr, ip0, &n_ip0, arp0, &n_arp0, 64);
	tx_ring_take(txr3[0], ip1, &n_ip1, arp1, &n_arp1, 64);
	ck_assert_uint_ge(n_ip0, 5);
	ck_assert_uint_ge(n_ip1, 5);
	heard0 = sent_from_to(ip0, n_ip0, port.mac.addr_bytes, peer_mac, dp_ip,
			      peer_ip);
	heard1 = sent_from_to(ip1, n_ip1, p3.mac.addr_bytes, gw_mac, ip3, far);
	ck_assert_msg(heard0 >= 3, "leg 0 heard leg 1 in %u packets", heard0);
	ck_assert_msg(heard1 >= 3, "leg 1 heard leg 0 in %u packets", heard1);

	/* back to the fixture's one port */
	ck_assert_int_eq(dp_io_attach(&lc, &port, 1, pool), 0);
}
END_TEST

/*
 * RFC 5227 announcements (worker 0 starts with DP_ARP_ANNOUNCE_NUM): each
 * address on its own port, an ARP request from and for it, broadcast from
 * the port's MAC; the second DP_ARP_ANNOUNCE_S later, then no more.
 */
START_TEST(test_io_announces_its_addresses)
{
	static struct dp_port both[2];
	uint64_t t = 1000 * lc.tsc_hz;
	uint32_t n_arp[3] = { 0 };

	port3_once();
	both[0] = port;
	both[1] = p3;
	ck_assert_int_eq(dp_io_attach(&lc, both, 2, pool), 0);
	lc.announce_left = DP_ARP_ANNOUNCE_NUM;
	lc.next_announce = t;
	for (int round = 0; round < 4; round++) {
		static const uint64_t at_s[4] = { 0, 1, DP_ARP_ANNOUNCE_S, 9 };
		struct rte_mbuf *o;
		uint32_t seen = 0;

		dp_io_housekeeping(&lc, t + at_s[round] * lc.tsc_hz);
		for (int k = 0; k < 2; k++)
			while (rte_ring_dequeue(k ? txr3[0] : txr,
						(void **)&o) == 0) {
				const struct dp_net_eth *e = rte_pktmbuf_mtod(o,
					const struct dp_net_eth *);
				const struct dp_net_arp *a =
					(const struct dp_net_arp *)(e + 1);
				const struct dp_port *p = k ? &p3 : &port;
				bool ours = false;

				ck_assert_uint_eq(ntohs(e->type_be),
						  DP_NET_ETHERTYPE_ARP);
				ck_assert_uint_eq(ntohs(a->op_be), 1);
				ck_assert_uint_eq(a->spa_be, a->tpa_be);
				ck_assert_mem_eq(a->sha, p->mac.addr_bytes, 6);
				ck_assert_mem_eq(e->src, p->mac.addr_bytes, 6);
				ck_assert_uint_eq(e->dst[0], 0xff);
				for (unsigned int i = 0; i < p->n_addrs; i++)
					ours |= a->spa_be == p->ipv4[i];
				ck_assert_msg(ours, "port %d announced another "
					      "port's address", k);
				seen++;
				rte_pktmbuf_free(o);
			}
		n_arp[round < 3 ? round : 2] += seen;
		if (round == 3)
			ck_assert_uint_eq(seen, 0);
	}
	/* each round: every address of both ports, once */
	ck_assert_uint_eq(n_arp[0], port.n_addrs + p3.n_addrs);
	ck_assert_uint_eq(n_arp[1], 0);
	ck_assert_uint_eq(n_arp[2], port.n_addrs + p3.n_addrs);
	ck_assert_uint_eq(lc.announce_left, 0);
	ck_assert_int_eq(dp_io_attach(&lc, &port, 1, pool), 0);
}
END_TEST

/* Two workers on a port with two queues: a packet for worker 1's leg
 * that arrives on worker 0's queue is passed to worker 1 (software
 * dispatch) and handled there, once. */
/* An RTP frame of pkt from the peer's sport to dst_ip:dport on port p,
 * onto receive ring q. */
static void
rx_rtp_to(const struct dp_port *p, struct rte_ring *q, uint32_t dst_ip,
	  uint16_t sport, uint16_t dport, const uint8_t *pkt, uint32_t n)
{
	struct dp_net_flow fl = { .src_ip_be = peer_ip, .dst_ip_be = dst_ip,
				  .src_port_be = htons(sport),
				  .dst_port_be = htons(dport) };
	uint8_t f[DP_NET_HDR_LEN + 200];
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	ck_assert_ptr_nonnull(m);
	ck_assert_uint_le(n, 200);
	memcpy(fl.src_mac, peer_mac, 6);
	memcpy(fl.dst_mac, p->mac.addr_bytes, 6);
	memcpy(f + DP_NET_HDR_LEN, pkt, n);
	ck_assert_int_eq(dp_net_build_udp(f, n, &fl, 0), 0);
	memcpy(rte_pktmbuf_append(m, (uint16_t)(DP_NET_HDR_LEN + n)), f,
	       DP_NET_HDR_LEN + n);
	ck_assert_int_eq(rte_ring_enqueue(q, m), 0);
}

/* The command (seq) adding leg leg_id to conference conf, PCMU at 8 kHz and
 * 20 ms, from the peer's remote_port to our local_port (on the first
 * address unless local_addr is set after). */
static void
peer_leg_msg(struct shm_msg *m, uint32_t seq, uint32_t conf, uint32_t leg_id,
	     uint16_t remote_port, uint16_t local_port)
{
	shm_msg_init(m, SHM_CMD_LEG_ADD, seq, conf);
	m->body.leg.leg_id = leg_id;
	m->body.leg.ssrc = leg_id << 8;
	m->body.leg.addr[10] = m->body.leg.addr[11] = 0xff;
	memcpy(m->body.leg.addr + 12, &peer_ip, 4);
	m->body.leg.remote_port = htons(remote_port);
	m->body.leg.local_port = htons(local_port);
	m->body.leg.rate_hz = 8000;
	m->body.leg.ptime_ms = 20;
}

/* Two workers share a port of two addresses: a leg's packets reach the
 * worker that owns its address and port from the other's queue, and the
 * same port on the second address can be the other worker's. */
START_TEST(test_io_dispatch_to_owner)
{
	static struct dp_port p2, two[2];
	static struct dp_lcore w1;
	struct shm_region r2;
	struct shm_region_cfg cfg = { .n_workers = 2, .n_legs = 64 };
	char err[256], name[64];
	struct rte_mbuf *out[64];
	struct shm_msg msg;
	uint8_t pkt[12 + FS] = { 0 };
	struct dp_conf *c;
	unsigned int n;
	uint32_t ip2, k;

	/* the fixture's worker is worker 0 of a one-worker region: make a
	 * two-worker one for this case */
	dp_io_detach(&lc);
	dp_lcore_fini(&lc);
	dp_io_fini();
	snprintf(name, sizeof(name), "/tutti-test-io2-%d", (int)getpid());
	cfg.name = name;
	ck_assert_int_eq(shm_region_create(&r2, &cfg, err, sizeof(err)), 0);
	shm_unlink(name);	/* as in setup() */
	ck_assert_int_eq(dp_lcore_init(&lc, &r2, 0, rte_lcore_id(), 8), 0);
	ck_assert_int_eq(dp_lcore_init(&w1, &r2, 1, rte_lcore_id(), 8), 0);
	ck_assert_int_eq(dp_io_init(2), 0);
	ck_assert_int_eq(dp_port_init(&p2, (uint16_t)port2_id, 2, dp_ip, 0, pool,
				      256, 256, err, sizeof(err)), 0);
	ck_assert_uint_eq(p2.n_rxq, 2);
	inet_pton(AF_INET, "198.18.0.3", &ip2);
	ck_assert_int_eq(dp_port_add_addr(&p2, ip2, 32), 0);
	ck_assert_int_eq(dp_io_attach(&lc, &p2, 1, pool), 0);
	ck_assert_int_eq(dp_io_attach(&w1, &p2, 1, pool), 0);
	/* conference 9 and its leg on worker 1 */
	shm_msg_init(&msg, SHM_CMD_CONF_CREATE, 1, 9);
	msg.body.conf.rate_hz = 8000;
	msg.body.conf.ptime_ms = 20;
	ck_assert_int_eq(dp_ctl_apply(&w1, &msg), 0);
	peer_leg_msg(&msg, 2, 9, 90, 41000, 21000);
	ck_assert_int_eq(dp_ctl_apply(&w1, &msg), 0);
	/* worker 0 cannot take the same port */
	shm_msg_init(&msg, SHM_CMD_CONF_CREATE, 3, 8);
	msg.body.conf.rate_hz = 8000;
	msg.body.conf.ptime_ms = 20;
	ck_assert_int_eq(dp_ctl_apply(&lc, &msg), 0);
	peer_leg_msg(&msg, 4, 8, 80, 41002, 21000);
	ck_assert_int_eq(dp_ctl_apply(&lc, &msg), -EADDRINUSE);
	/* ... but on the second address it can */
	memcpy(msg.body.leg.local_addr, &ip2, 4);
	ck_assert_int_eq(dp_ctl_apply(&lc, &msg), 0);

	/* an RTP packet for worker 1's leg on worker 0's queue */
	dp_rtp_write_hdr(pkt, 0, true, 1, 160, 0x55);
	rx_rtp_to(&p2, rxr2[0], dp_ip, 41000, 21000, pkt, sizeof(pkt));
	c = dp_ctl_conf_find(&w1, 9);
	dp_io_poll(&lc, c->next_tick - 1);	/* worker 0: passes it on */
	ck_assert_uint_eq(lc.n_dispatched, 1);
	ck_assert_uint_eq(lc.st.rx_pkts, 0);	/* counted by the owner */
	dp_io_poll(&w1, c->next_tick - 1);	/* worker 1: takes it */
	ck_assert_uint_eq(w1.st.rx_pkts, 1);
	ck_assert_uint_eq(w1.rt[0].rtp.st.n_pkts, 1);
	ck_assert_uint_eq(w1.n_dispatched, 0);
	/* and worker 1 answers on its own transmit queue */
	dp_io_poll(&w1, c->next_tick + w1.tick_check_tsc);
	n = rte_ring_dequeue_burst(txr2[1], (void **)out, 64, NULL);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(rte_ring_count(txr2[0]), 0);
	rte_pktmbuf_free_bulk(out, n);
	/* the same port on the second address, on worker 1's queue: passed
	 * to worker 0, whose leg it is */
	rx_rtp_to(&p2, rxr2[1], ip2, 41002, 21000, pkt, sizeof(pkt));
	dp_io_poll(&w1, c->next_tick - 1);
	ck_assert_uint_eq(w1.n_dispatched, 1);
	ck_assert_uint_eq(w1.st.rx_pkts, 1);		/* as before */
	ck_assert_uint_eq(w1.rt[0].rtp.st.n_pkts, 1);
	dp_io_poll(&lc, c->next_tick - 1);
	ck_assert_uint_eq(lc.st.rx_pkts, 1);
	k = lc.port_leg[dp_io_key(1, 21000)];
	ck_assert_uint_ne(k, 0);
	ck_assert_uint_eq(lc.rt[k - 1].rtp.st.n_pkts, 1);

	/* a second port, with one receive queue (worker 0's): a packet for
	 * worker 1's leg on that port's address is passed on with its port,
	 * classified there against that port's addresses, and the leg's mix
	 * goes out of worker 1's transmit queue of that port */
	port3_once();
	two[0] = p2;
	two[1] = p3;
	ck_assert_int_eq(dp_io_attach(&lc, two, 2, pool), 0);
	ck_assert_int_eq(dp_io_attach(&w1, two, 2, pool), 0);
	ck_assert(lc.lp[1].has_rxq && !w1.lp[1].has_rxq);
	peer_leg_msg(&msg, 5, 9, 91, 41004, 21002);
	memcpy(msg.body.leg.local_addr, &ip3, 4);
	ck_assert_int_eq(dp_ctl_apply(&w1, &msg), 0);
	k = w1.port_leg[dp_io_key(2, 21002)];
	ck_assert_uint_ne(k, 0);
	ck_assert_uint_eq(w1.rt[k - 1].lport, 1);
	rx_rtp_to(&p3, rxr3, ip3, 41004, 21002, pkt, sizeof(pkt));
	dp_io_poll(&lc, c->next_tick - 1);
	ck_assert_uint_eq(lc.n_dispatched, 2);
	dp_io_poll(&w1, c->next_tick - 1);
	ck_assert_uint_eq(w1.rt[k - 1].rtp.st.n_pkts, 1);
	dp_io_poll(&w1, c->next_tick + w1.tick_check_tsc);
	n = rte_ring_dequeue_burst(txr3[1], (void **)out, 64, NULL);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(rte_pktmbuf_mtod_offset(out[0],
		const struct dp_net_ipv4 *, DP_NET_ETH_LEN)->src_be, ip3);
	ck_assert_uint_eq(rte_ring_count(txr3[0]), 0);
	rte_pktmbuf_free_bulk(out, n);
	while ((n = rte_ring_dequeue_burst(txr2[1], (void **)out, 64,
					   NULL)) != 0)
		rte_pktmbuf_free_bulk(out, n);

	dp_io_detach(&w1);
	dp_io_detach(&lc);
	dp_lcore_fini(&w1);
	dp_lcore_fini(&lc);
	dp_port_fini(&p2);
	dp_io_fini();
	shm_region_detach(&r2);
	/* back to what the fixture's teardown expects */
	ck_assert_int_eq(dp_lcore_init(&lc, &region, 0, rte_lcore_id(), 8),
			 0);
	ck_assert_int_eq(dp_io_init(1), 0);
}
END_TEST

/* The SRTP peers' SSRCs: PEER_SSRC + i, the high bit set */
#define PEER_SSRC	0xa00000a0u

/* SRTP legs (srtp.h): the test is each leg's peer, with libsrtp sessions
 * of its own: it protects what it sends with peer_key(i) and unprotects
 * what it gets with dp_key(i). */
static void
srtp_key(uint8_t *k, uint8_t who, int i)
{
	for (int j = 0; j < SHM_SRTP_KEY_BYTES; j++)
		k[j] = (uint8_t)(who * 37 + i * 11 + j * 3);
}

static srtp_t
peer_session(uint8_t suite, uint8_t who, int i, bool in, uint32_t ssrc)
{
	uint8_t k[SHM_SRTP_KEY_BYTES];
	srtp_policy_t p;
	srtp_t s;

	memset(&p, 0, sizeof(p));
	if (suite == SHM_SRTP_AES_CM_128_HMAC_SHA1_32)
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
	else
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
	p.ssrc.type = in ? ssrc_any_inbound : ssrc_specific;
	p.ssrc.value = ssrc;
	srtp_key(k, who, i);
	p.key = k;
	p.window_size = 128;
	ck_assert_int_eq(srtp_create(&s, &p), srtp_err_status_ok);
	return s;
}

/* SHM_CMD_LEG_SRTP for leg 70 + i: who's key (srtp_key()) */
static void
srtp_msg(struct shm_msg *m, int i, uint8_t dir, uint8_t suite, uint8_t who)
{
	shm_msg_init(m, SHM_CMD_LEG_SRTP, 30 + (uint32_t)i, 7);
	m->body.srtp.leg_id = 70 + (uint32_t)i;
	m->body.srtp.dir = dir;
	m->body.srtp.suite = suite;
	srtp_key(m->body.srtp.key, who, i);
}

/* ... applied */
static int
srtp_cmd(int i, uint8_t dir, uint8_t suite, uint8_t who)
{
	struct shm_msg m;

	srtp_msg(&m, i, dir, suite, who);
	return dp_ctl_apply(&lc, &m);
}

/* Leg i's peer sends its tone's packet seq, protected by s (NULL: plain);
 * *keep (may be NULL) gets the bytes sent and *keep_len their length. */
static void
rx_srtp(int i, uint8_t pt, uint16_t seq, double freq, srtp_t s,
	uint8_t *keep, int *keep_len)
{
	uint8_t pkt[12 + FS + SRTP_MAX_TRAILER_LEN];
	int len = 12 + FS;

	make_rtp(pkt, pt, seq, PEER_SSRC + (uint32_t)i, freq);
	if (s != NULL)
		ck_assert_int_eq(srtp_protect(s, pkt, &len), srtp_err_status_ok);
	if (keep != NULL) {
		memcpy(keep, pkt, (size_t)len);
		*keep_len = len;
	}
	rx_udp((uint16_t)(40000 + 2 * i), (uint16_t)(20000 + 2 * i), pkt,
	       (uint32_t)len);
}

/* Goertzel: the power of x[0..n) at f Hz (8 kHz). */
static double
tone_power(const int16_t *x, unsigned int n, double f)
{
	double c = 2.0 * cos(2.0 * M_PI * f / 8000.0), s1 = 0, s2 = 0;

	for (unsigned int k = 0; k < n; k++) {
		double s0 = x[k] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

static uint64_t
srtp_drops_total(void)
{
	uint64_t n = 0;

	for (int k = 0; k < DP_SRTP_DROP_MAX_; k++)
		n += lc.srtp_drops[k];
	return n;
}

static uint32_t
leg_idx(int i)
{
	struct shm_leg_entry *e = dp_ctl_leg_find(&lc, 70 + (uint32_t)i);

	ck_assert_ptr_nonnull(e);
	return (uint32_t)(e - lc.legs);
}

/*
 * A packet tutti-dp sent (m), as its leg's peer takes it: its edge's checks
 * (the checksum is of what went out, encrypted), unprotected by prx[leg]
 * for the legs below n_srtp, an RTP packet of the leg's SSRC parsed into *p
 * (its payload in d, d_len bytes). Returns the leg (by port); *wire: the
 * UDP payload's length as sent.
 */
static int
peer_takes(struct rte_mbuf *m, srtp_t *prx, int n_srtp, uint8_t *d,
	   size_t d_len, struct dp_rtp_pkt *p, int *wire)
{
	struct dp_net_iface peer = { .ip_be = { peer_ip } };
	struct dp_net_stats st = { 0 };
	struct dp_net_rx r;
	int leg, len;

	memcpy(peer.mac, peer_mac, 6);
	ck_assert_uint_le(m->pkt_len, d_len);
	tx_read(m, d);
	ck_assert_int_eq(dp_net_classify(&peer, d, m->pkt_len, 0, &r, &st),
			 DP_NET_UDP);
	leg = (ntohs(r.dst_port_be) - 40000) / 2;
	ck_assert_int_ge(leg, 0);
	len = *wire = (int)r.len_bytes;
	if (leg < n_srtp)
		ck_assert_int_eq(srtp_unprotect(prx[leg],
						(void *)(uintptr_t)r.payload,
						&len), srtp_err_status_ok);
	ck_assert_int_eq(len, 12 + FS);
	ck_assert_int_eq(dp_rtp_parse(r.payload, (uint32_t)len, p), 0);
	ck_assert_uint_eq(p->ssrc, 0x7000u + (uint32_t)leg);
	return leg;
}

/*
 * Legs 0 (AES_CM_128_HMAC_SHA1_80) and 1 (..._32) are SRTP, leg 2 plain
 * RTP; each peer sends a tone. Nothing goes in or out of an SRTP leg before
 * its keys; then each hears the others' tones and not its own, in packets
 * its peer authenticates and decrypts; replayed, altered and plain packets
 * are refused and counted; SRTCP in and out; a new key; the flag cleared.
 */
START_TEST(test_io_srtp_legs)
{
	static const double freq[3] = { 500.0, 900.0, 1400.0 };
	static const uint8_t suite[2] = { SHM_SRTP_AES_CM_128_HMAC_SHA1_80,
					  SHM_SRTP_AES_CM_128_HMAC_SHA1_32 };
	static const uint8_t pt[3] = { 0, 8, 8 };
	srtp_t ptx[2], prx[2];
	double pw[3][3] = { { 0 } };
	uint32_t got[3] = { 0 };
	uint8_t kept[12 + FS + SRTP_MAX_TRAILER_LEN];
	int kept_len = 0;
	struct rte_mbuf *out[256];
	struct shm_msg m;
	struct dp_conf *c;
	uint64_t now;
	uint16_t seq = 0;
	uint32_t n;

	add_conf();
	for (int i = 0; i < 3; i++) {
		leg_msg(&m, SHM_CMD_LEG_ADD, i, (uint16_t)(40000 + 2 * i));
		if (i < 2)
			m.body.leg.flags |= SHM_LEG_SRTP;
		apply(&m);
	}
	ck_assert_uint_eq(lc.n_srtp, 2);
	/* keys for a plain leg, an unknown one: refused */
	ck_assert_int_eq(srtp_cmd(2, SHM_SRTP_RX, suite[0], 1), -EINVAL);
	ck_assert_int_eq(srtp_cmd(9, SHM_SRTP_RX, suite[0], 1), -ENOENT);
	for (int i = 0; i < 2; i++) {
		ptx[i] = peer_session(suite[i], 1, i, false, PEER_SSRC + (uint32_t)i);
		prx[i] = peer_session(suite[i], 2, i, true, 0);
	}
	c = dp_ctl_conf_find(&lc, 7);
	ck_assert_ptr_nonnull(c);
	now = c->next_tick;

	/* no keys yet: the SRTP legs' packets go nowhere, nothing is sent
	 * to them; the plain leg is heard and hears */
	for (int t = 0; t < 3; t++, seq++) {
		for (int i = 0; i < 3; i++)
			rx_srtp(i, pt[i], seq, freq[i], i < 2 ? ptx[i] : NULL,
				NULL, NULL);
		now += c->period;
		dp_io_poll(&lc, now);
		n = tx_take(out, 256);
		for (uint32_t k = 0; k < n; k++)
			ck_assert_uint_eq(ntohs(rte_pktmbuf_mtod_offset(out[k],
				const struct dp_net_udp *, DP_NET_ETH_LEN +
				DP_NET_IPV4_LEN)->dst_port_be), 40004);
		rte_pktmbuf_free_bulk(out, n);
	}
	ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_NO_KEY], 6);
	ck_assert_uint_ge(lc.srtp_drops[DP_SRTP_DROP_TX_NO_KEY], 4);
	ck_assert_uint_eq(lc.st.srtp_drops, srtp_drops_total());

	/* the keys: the peer's for what it sends, ours for what we send */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(srtp_cmd(i, SHM_SRTP_RX, suite[i], 1), 0);
		ck_assert_int_eq(srtp_cmd(i, SHM_SRTP_TX, suite[i], 2), 0);
	}
	memset(lc.srtp_drops, 0, sizeof(lc.srtp_drops));
	lc.st.srtp_drops = 0;
	for (int t = 0; t < 50; t++, seq++) {
		for (int i = 0; i < 3; i++)
			rx_srtp(i, pt[i], seq, freq[i], i < 2 ? ptx[i] : NULL,
				i == 0 ? kept : NULL, &kept_len);
		now += c->period;
		dp_io_poll(&lc, now);
		n = tx_take(out, 256);
		for (uint32_t k = 0; k < n; k++) {
			uint8_t d[DP_NET_HDR_LEN + 12 + FS + 10];
			struct dp_rtp_pkt p;
			int16_t pcm[FS];
			int wire, leg = peer_takes(out[k], prx, 2, d, sizeof(d),
						   &p, &wire);

			ck_assert_int_le(leg, 2);
			if (leg < 2)
				ck_assert_int_eq(wire, 12 + FS +
					(leg == 0 ? 10 : 4));
			got[leg]++;
			if (t < 20)
				continue;
			dp_g711_decode(pt[leg] ? DP_LAW_ALAW : DP_LAW_ULAW,
				       pcm, p.payload, FS);
			for (int f = 0; f < 3; f++)
				pw[leg][f] += tone_power(pcm, FS, freq[f]);
		}
		rte_pktmbuf_free_bulk(out, n);
	}
	for (int l = 0; l < 3; l++) {
		ck_assert_uint_ge(got[l], 49);
		for (int f = 0; f < 3; f++)
			if (f != l)	/* the others' tones, not its own */
				ck_assert(pw[l][f] > 100.0 * pw[l][l]);
	}
	ck_assert_uint_eq(srtp_drops_total(), 0);

	/* refused: a replay, an altered packet, plain RTP, a runt; the
	 * same key given again (a control plane sending its legs again)
	 * keeps the session: the replay sent after it is one still */
	rx_udp(40000, 20000, kept, (uint32_t)kept_len);
	ck_assert_int_eq(srtp_cmd(0, SHM_SRTP_RX, suite[0], 1), 0);
	rx_udp(40000, 20000, kept, (uint32_t)kept_len);
	kept[20] ^= 1;
	kept[2] ^= 0x40;	/* another sequence number: not a replay */
	rx_udp(40000, 20000, kept, (uint32_t)kept_len);
	rx_srtp(0, 0, seq, freq[0], NULL, NULL, NULL);
	rx_udp(40000, 20000, kept, 12);
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_REPLAY], 2);
	ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_AUTH], 2);
	ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_OTHER], 1);
	ck_assert_uint_eq(lc.st.srtp_drops, 5);
	ck_assert_uint_eq(lc.st.drops[SHM_DROP_BAD_RTP], 0);

	/* SRTCP in: an RR protected by the peer is taken, a plain one not */
	{
		uint8_t rr[DP_RTCP_BUILD_MAX + SRTP_MAX_TRAILER_LEN];
		int len = dp_rtcp_build_rr(rr, DP_RTCP_BUILD_MAX, PEER_SSRC,
					   NULL, (const uint8_t *)"p", 1);
		uint32_t i0 = leg_idx(0);
		uint64_t rtcp0 = lc.rt[i0].rtcp_rx;

		ck_assert_int_gt(len, 0);
		rx_udp(40001, 20001, rr, (uint32_t)len);	/* plain */
		ck_assert_int_eq(srtp_protect_rtcp(ptx[0], rr, &len),
				 srtp_err_status_ok);
		rx_udp(40001, 20001, rr, (uint32_t)len);
		dp_io_poll(&lc, now);
		ck_assert_uint_eq(lc.rt[i0].rtcp_rx, rtcp0 + 1);
		/* the plain one: shorter than an SRTCP trailer */
		ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_OTHER], 2);
		ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_AUTH], 2);
		n = tx_take(out, 256);
		rte_pktmbuf_free_bulk(out, n);

		/* SRTCP out: the SR the peer authenticates and decrypts */
		now = lc.rt[i0].next_rtcp;
		for (int i = 0; i < 3; i++)
			lc.rt[leg_idx(i)].next_rtcp = now;
		dp_io_housekeeping(&lc, now);
		n = tx_take(out, 256);
		got[0] = got[2] = 0;
		for (uint32_t k = 0; k < n; k++) {
			uint8_t d[DP_NET_HDR_LEN + DP_RTCP_BUILD_MAX];
			const uint8_t *pay = d + DP_NET_HDR_LEN;
			uint16_t dport;

			tx_read(out[k], d);
			dport = ntohs(((const struct dp_net_udp *)(d +
				DP_NET_ETH_LEN + DP_NET_IPV4_LEN))->dst_port_be);
			len = (int)(out[k]->pkt_len - DP_NET_HDR_LEN);
			if (dport == 40001) {
				ck_assert_int_eq(srtp_unprotect_rtcp(prx[0],
					d + DP_NET_HDR_LEN, &len),
					srtp_err_status_ok);
				ck_assert_uint_eq(pay[1], 200);	/* SR */
				got[0]++;
			} else if (dport == 40005) {
				ck_assert_uint_eq(pay[1], 200);	/* plain */
				got[2]++;
			}
		}
		rte_pktmbuf_free_bulk(out, n);
		ck_assert_uint_eq(got[0], 1);
		ck_assert_uint_eq(got[2], 1);
	}

	/* a new key for what the peer sends: the old one's packets are
	 * refused, the new one's taken */
	ck_assert_int_eq(srtp_cmd(0, SHM_SRTP_RX, suite[0], 3), 0);
	rx_srtp(0, 0, ++seq, freq[0], ptx[0], NULL, NULL);
	srtp_dealloc(ptx[0]);
	ptx[0] = peer_session(suite[0], 3, 0, false, PEER_SSRC);
	rx_srtp(0, 0, ++seq, freq[0], ptx[0], NULL, NULL);
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_AUTH], 3);
	ck_assert_uint_eq(lc.st.srtp_drops, srtp_drops_total());
	n = tx_take(out, 256);
	rte_pktmbuf_free_bulk(out, n);

	/* SRTP off for leg 0 (a LEG_UPDATE without the flag): plain RTP */
	leg_msg(&m, SHM_CMD_LEG_UPDATE, 0, 40000);
	apply(&m);
	ck_assert_uint_eq(lc.n_srtp, 1);
	ck_assert_ptr_null(lc.srtp[leg_idx(0)]);
	got[0] = lc.rt[leg_idx(0)].rtp.received;
	rx_srtp(0, 0, ++seq, freq[0], NULL, NULL, NULL);
	now += c->period;
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.rt[leg_idx(0)].rtp.received, got[0] + 1);
	ck_assert_uint_eq(lc.st.srtp_drops, srtp_drops_total());
	ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_AUTH], 3);
	n = tx_take(out, 256);
	got[0] = 0;
	for (uint32_t k = 0; k < n; k++)
		if (ntohs(rte_pktmbuf_mtod_offset(out[k],
			const struct dp_net_udp *, DP_NET_ETH_LEN +
			DP_NET_IPV4_LEN)->dst_port_be) == 40000) {
			ck_assert_uint_eq(out[k]->pkt_len,
					  DP_NET_HDR_LEN + 12 + FS);
			got[0]++;
		}
	ck_assert_uint_eq(got[0], 1);
	rte_pktmbuf_free_bulk(out, n);
	for (int i = 0; i < 2; i++) {
		srtp_dealloc(ptx[i]);
		srtp_dealloc(prx[i]);
	}
}
END_TEST

/* SHM_CMD_LEG_SRTP rx for leg 70 + i, the peer's key (srtp_key(1)), with
 * where its stream was (SHM_SRTP_F_INDEX). */
static int
srtp_cmd_index(int i, uint32_t ssrc, uint32_t roc, uint16_t seq)
{
	struct shm_msg m;

	srtp_msg(&m, i, SHM_SRTP_RX, SHM_SRTP_AES_CM_128_HMAC_SHA1_80, 1);
	m.body.srtp.flags = SHM_SRTP_F_INDEX;
	m.body.srtp.rx_ssrc = ssrc;
	m.body.srtp.rx_roc = roc;
	m.body.srtp.rx_seq = seq;
	ck_assert_int_eq(shm_msg_validate(&m), 0);
	return dp_ctl_apply(&lc, &m);
}

/* n packets of leg i's peer, from sequence number seq on, protected by s
 * and sent to a tutti-dp before this one (not here). */
static void
srtp_sent_before(srtp_t s, int i, uint16_t seq, uint32_t n)
{
	uint8_t pkt[12 + FS + SRTP_MAX_TRAILER_LEN];

	for (uint32_t k = 0; k < n; k++, seq++) {
		int len = 12 + FS;

		make_rtp(pkt, 0, seq, PEER_SSRC + (uint32_t)i, 500.0);
		ck_assert_int_eq(srtp_protect(s, pkt, &len),
				 srtp_err_status_ok);
	}
}

/*
 * A new tutti-dp and peers past their first 65,536 packets (rollover
 * counter 1): leg 1, keyed without where its peer's stream was, refuses
 * its packets (its fresh session takes them at counter 0); leg 0, keyed
 * with it as a tutti-dp before published it (SHM_SRTP_F_INDEX, a little
 * stale), takes them, a forged first one (a sequence number a rollover
 * back) refused without spoiling the estimate for the next; leg 2,
 * hinted just before its peer's wrap, takes a first packet from after it
 * (RFC 3711 3.3.1: counter 1); leg 3, hinted just after its peer's
 * wrap, takes a late first packet from before it (counter 0), and the
 * next ones after it. The same key and index again change nothing (the
 * stream goes on). The leg
 * table then publishes each stream (SSRC, counter, highest sequence
 * number) for the next tutti-dp; nothing for the one that never
 * authenticated.
 */
START_TEST(test_io_srtp_goes_on_from_the_index_published)
{
	static const uint16_t first[4] = { 4464, 4464, 2, 10 };
	uint8_t pkt[12 + FS + SRTP_MAX_TRAILER_LEN];
	uint8_t late[12 + FS + SRTP_MAX_TRAILER_LEN];
	struct shm_leg_entry e;
	struct rte_mbuf *out[256];
	struct shm_msg m;
	srtp_t ptx[4];
	uint64_t now;
	uint32_t n;
	int len, late_len = 0;

	add_conf();
	for (int i = 0; i < 4; i++) {
		leg_msg(&m, SHM_CMD_LEG_ADD, i, (uint16_t)(40000 + 2 * i));
		m.body.leg.flags |= SHM_LEG_SRTP;
		apply(&m);
		ptx[i] = peer_session(SHM_SRTP_AES_CM_128_HMAC_SHA1_80, 1, i,
				      false, PEER_SSRC + (uint32_t)i);
		ck_assert_int_eq(srtp_cmd(i, SHM_SRTP_TX,
					  SHM_SRTP_AES_CM_128_HMAC_SHA1_80, 2),
				 0);
	}
	srtp_sent_before(ptx[0], 0, 0, 70000);	/* up to 4463, counter 1 */
	srtp_sent_before(ptx[1], 1, 0, 70000);
	srtp_sent_before(ptx[2], 2, 0, 65530);	/* up to 65529, counter 0 */
	ck_assert_int_eq(srtp_cmd_index(0, PEER_SSRC, 1, 4400), 0);
	ck_assert_int_eq(srtp_cmd(1, SHM_SRTP_RX,
				  SHM_SRTP_AES_CM_128_HMAC_SHA1_80, 1), 0);
	ck_assert_int_eq(srtp_cmd_index(2, PEER_SSRC + 2, 0, 65529), 0);
	srtp_sent_before(ptx[2], 2, 65530, 8);	/* lost: 65530 .. 1 */
	/* leg 3's peer is at 10 past its wrap, and 65534 from before the
	 * wrap comes late, first */
	srtp_sent_before(ptx[3], 3, 0, 65534);
	make_rtp(late, 8, 65534, PEER_SSRC + 3, 500.0);
	late_len = 12 + FS;
	ck_assert_int_eq(srtp_protect(ptx[3], late, &late_len),
			 srtp_err_status_ok);
	srtp_sent_before(ptx[3], 3, 65535, 12);
	ck_assert_int_eq(srtp_cmd_index(3, PEER_SSRC + 3, 1, 10), 0);
	rx_udp(40006, 20006, late, (uint32_t)late_len);
	now = dp_ctl_conf_find(&lc, 7)->next_tick;

	/* leg 0's first packet forged: its sequence number would place it
	 * a rollover back (RFC 3711 3.3.1), its tag anything */
	len = 12 + FS + 10;
	make_rtp(pkt, 0, 4400 + 40000, PEER_SSRC, 500.0);
	memset(pkt + 12 + FS, 0x5a, 10);
	rx_udp(40000, 20000, pkt, (uint32_t)len);
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_AUTH], 1);
	for (int i = 0; i < 4; i++)
		for (uint16_t k = 1; k <= 3; k++)
			rx_srtp(i, i == 0 ? 0 : 8, (uint16_t)(first[i] + k),
				500.0, ptx[i], NULL, NULL);
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.rt[leg_idx(0)].rtp.received, 3);
	ck_assert_uint_eq(lc.rt[leg_idx(1)].rtp.received, 0);
	ck_assert_uint_eq(lc.rt[leg_idx(2)].rtp.received, 3);
	ck_assert_uint_eq(lc.rt[leg_idx(3)].rtp.received, 1 + 3);
	ck_assert_uint_eq(lc.srtp_drops[DP_SRTP_DROP_AUTH], 1 + 3);
	ck_assert_uint_eq(lc.st.srtp_drops, srtp_drops_total());

	/* the same key and index again: the stream goes on */
	ck_assert_int_eq(srtp_cmd_index(0, PEER_SSRC, 1, 4400), 0);
	rx_srtp(0, 0, (uint16_t)(first[0] + 4), 500.0, ptx[0], NULL, NULL);
	dp_io_poll(&lc, now);
	ck_assert_uint_eq(lc.rt[leg_idx(0)].rtp.received, 4);

	dp_io_housekeeping(&lc, now);
	n = tx_take(out, 256);
	rte_pktmbuf_free_bulk(out, n);
	shm_read_leg(&lc.legs[leg_idx(0)], &e);
	ck_assert(e.srtp_rx_known == 1 && e.srtp_rx_ssrc == PEER_SSRC &&
		  e.srtp_rx_roc == 1 && e.srtp_rx_seq == first[0] + 4);
	shm_read_leg(&lc.legs[leg_idx(1)], &e);
	ck_assert(e.srtp_rx_known == 0 && e.srtp_rx_ssrc == 0 &&
		  e.srtp_rx_roc == 0 && e.srtp_rx_seq == 0);
	shm_read_leg(&lc.legs[leg_idx(2)], &e);
	ck_assert(e.srtp_rx_known == 1 && e.srtp_rx_ssrc == PEER_SSRC + 2 &&
		  e.srtp_rx_roc == 1 && e.srtp_rx_seq == 5);
	for (int i = 0; i < 4; i++)
		srtp_dealloc(ptx[i]);
}
END_TEST

/* A hex string's bytes into out; how many. */
static uint32_t
unhex(const char *h, uint8_t *out)
{
	uint32_t n = 0;

	for (; h[0] != '\0' && h[1] != '\0'; h += 2) {
		unsigned int v;

		ck_assert_int_eq(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/*
 * A conference of more SRTP legs than a tick queues to protect at once
 * (DP_SRTP_TXQ): each tick every leg's packet goes out once, its sequence
 * one up, and its peer authenticates it; every peer's packet is taken; and
 * libsrtp's objects are all in the sessions' blocks.
 */
START_TEST(test_io_srtp_more_legs_than_a_tick_queues)
{
	enum { N = DP_SRTP_TXQ + 9 };
	const uint8_t suite = SHM_SRTP_AES_CM_128_HMAC_SHA1_80;
	srtp_t ptx[N], prx[N];
	uint32_t got[N] = { 0 }, n, used, spilled;
	int last[N];
	struct rte_mbuf *out[256];
	struct shm_msg m;
	struct dp_conf *c;
	uint64_t now;

	add_conf();
	for (int i = 0; i < N; i++) {
		leg_msg(&m, SHM_CMD_LEG_ADD, i, (uint16_t)(40000 + 2 * i));
		m.body.leg.flags |= SHM_LEG_SRTP;
		apply(&m);
		ptx[i] = peer_session(suite, 1, i, false,
				      PEER_SSRC + (uint32_t)i);
		prx[i] = peer_session(suite, 2, i, true, 0);
		ck_assert_int_eq(srtp_cmd(i, SHM_SRTP_RX, suite, 1), 0);
		ck_assert_int_eq(srtp_cmd(i, SHM_SRTP_TX, suite, 2), 0);
		last[i] = -1;
	}
	c = dp_ctl_conf_find(&lc, 7);
	ck_assert_ptr_nonnull(c);
	now = c->next_tick;
	for (uint16_t t = 0; t < 6; t++) {
		for (int i = 0; i < N; i++)
			rx_srtp(i, i ? 8 : 0, t, 300.0 + 40.0 * i, ptx[i],
				NULL, NULL);
		now += c->period;
		dp_io_poll(&lc, now);
		while (rte_ring_count(rxr) != 0)	/* more than a burst */
			dp_io_poll(&lc, now);
		n = tx_take(out, 256);
		for (uint32_t k = 0; k < n; k++) {
			uint8_t d[DP_NET_HDR_LEN + 12 + FS + 10];
			struct dp_rtp_pkt p;
			int wire, leg = peer_takes(out[k], prx, N, d, sizeof(d),
						   &p, &wire);

			ck_assert_int_lt(leg, N);
			if (last[leg] >= 0)	/* one a tick, in order */
				ck_assert_uint_eq(p.seq,
					(uint16_t)(last[leg] + 1));
			last[leg] = p.seq;
			got[leg]++;
		}
		rte_pktmbuf_free_bulk(out, n);
	}
	for (int i = 0; i < N; i++) {
		ck_assert_uint_ge(got[i], 5);
		ck_assert_uint_eq(lc.rt[leg_idx(i)].rtp.received, 6);
		dp_srtp_mem(lc.srtp[leg_idx(i)], &used, &spilled);
		ck_assert_uint_gt(used, 0);
		ck_assert_uint_eq(spilled, 0);
		srtp_dealloc(ptx[i]);
		srtp_dealloc(prx[i]);
	}
	ck_assert_uint_eq(srtp_drops_total(), 0);
}
END_TEST

/* A peer sending from more SSRCs than its session's block holds streams
 * for: what does not fit goes to calloc, counted for the session
 * (dp_srtp_mem()) and for the thread, which the worker publishes
 * (shm_worker_stats.srtp_spills); every packet still authenticates. */
START_TEST(test_io_srtp_spills_counted)
{
	struct dp_srtp *rx = dp_srtp_new();
	uint8_t key[SHM_SRTP_KEY_BYTES];
	uint64_t before = dp_srtp_spills();
	uint32_t used, spilled;
	unsigned int why;

	ck_assert_ptr_nonnull(rx);
	for (int i = 0; i < SHM_SRTP_KEY_BYTES; i++)
		key[i] = (uint8_t)(7 * i + 1);
	ck_assert_int_eq(dp_srtp_set_key(rx, SHM_SRTP_RX,
					 SHM_SRTP_AES_CM_128_HMAC_SHA1_80, key,
					 0), 0);
	ck_assert_int_eq(dp_srtp_set_key(rx, SHM_SRTP_TX,
					 SHM_SRTP_AES_CM_128_HMAC_SHA1_80, key,
					 9), 0);
	dp_srtp_mem(rx, &used, &spilled);
	ck_assert_uint_eq(spilled, 0);
	for (uint32_t ssrc = 1; ssrc <= 6; ssrc++) {
		struct dp_srtp *tx = dp_srtp_new();
		uint8_t p[12 + 160 + DP_SRTP_TRAILER_ROOM] = { 0x80, 0x00 };
		uint32_t len = 12 + 160;

		ck_assert_ptr_nonnull(tx);
		ck_assert_int_eq(dp_srtp_set_key(tx, SHM_SRTP_TX,
					 SHM_SRTP_AES_CM_128_HMAC_SHA1_80,
					 key, ssrc), 0);
		ck_assert_int_eq(dp_srtp_set_key(tx, SHM_SRTP_RX,
					 SHM_SRTP_AES_CM_128_HMAC_SHA1_80,
					 key, 0), 0);
		p[3] = 1;
		p[8] = (uint8_t)(ssrc >> 24);
		p[9] = (uint8_t)(ssrc >> 16);
		p[10] = (uint8_t)(ssrc >> 8);
		p[11] = (uint8_t)ssrc;
		ck_assert_int_eq(dp_srtp_protect(tx, false, p, &len, &why), 0);
		ck_assert_int_eq(dp_srtp_unprotect(rx, false, p, &len, &why),
				 0);
		dp_srtp_free(tx);
	}
	dp_srtp_mem(rx, &used, &spilled);
	ck_assert_uint_gt(spilled, 0);	/* six streams do not fit */
	ck_assert_uint_eq(dp_srtp_spills() - before, spilled);
	dp_lcore_publish(&lc, rte_rdtsc());
	ck_assert_uint_eq(lc.pub->srtp_spills, dp_srtp_spills());
	dp_srtp_free(rx);
}
END_TEST

/*
 * tutti-dp's SRTP against known answers: libsrtp's own test packet (its
 * srtp_driver's key, an RTP and an RTCP packet of SSRC 0xcafebabe) as
 * Debian's libsrtp2 protects it with its NSS cryptography (a program
 * outside this tree, 2026-12-07), byte for byte with both suites; and
 * unprotected back. tutti-dp does AES-CM and HMAC-SHA1 with nettle
 * (srtp.c), so this is its check against another implementation.
 */
START_TEST(test_io_srtp_known_answers)
{
	static const char key_hex[] = "e1f97a0d3e018be0d64fa32c06de4139"
				      "0ec675ad498afeebb6960b3aabe6";
	static const char rtp_hex[] = "800f1234decafbadcafebabe"
				      "abababababababababababababababab";
	static const char srtp80[] = "800f1234decafbadcafebabe4e55dc4ce79978d8"
				     "8ca4d215949d2402b78d6acc99ea179b8dbb";
	static const char srtp32[] = "800f1234decafbadcafebabe4e55dc4ce79978d8"
				     "8ca4d215949d2402b78d6acc";
	static const char rtcp_hex[] = "81c80005cafebabe"
				       "abababababababababababababababab";
	static const char srtcp[] = "81c80005cafebabe7128035be487b9bdbef89041"
				    "f977a5a88000000125aa8e0d303ee42c9ead";
	uint8_t key[SHM_SRTP_KEY_BYTES], want[64];
	unsigned int why;

	ck_assert_uint_eq(unhex(key_hex, key), SHM_SRTP_KEY_BYTES);
	for (uint8_t suite = SHM_SRTP_AES_CM_128_HMAC_SHA1_80;
	     suite <= SHM_SRTP_AES_CM_128_HMAC_SHA1_32; suite++) {
		struct dp_srtp *tx = dp_srtp_new(), *rx = dp_srtp_new();
		uint8_t p[64 + DP_SRTP_TRAILER_ROOM];
		uint32_t len, n, used, spilled;

		ck_assert(tx != NULL && rx != NULL);
		/* tx sends with key; rx (the peer) takes what key protects */
		ck_assert_int_eq(dp_srtp_set_key(tx, SHM_SRTP_TX, suite, key,
						 0xcafebabe), 0);
		ck_assert_int_eq(dp_srtp_set_key(tx, SHM_SRTP_RX, suite, key,
						 0), 0);
		ck_assert_int_eq(dp_srtp_set_key(rx, SHM_SRTP_RX, suite, key,
						 0), 0);
		ck_assert_int_eq(dp_srtp_set_key(rx, SHM_SRTP_TX, suite, key,
						 1), 0);
		len = unhex(rtp_hex, p);
		ck_assert_int_eq(dp_srtp_protect(tx, false, p, &len, &why), 0);
		n = unhex(suite == SHM_SRTP_AES_CM_128_HMAC_SHA1_80 ? srtp80 :
			  srtp32, want);
		ck_assert_uint_eq(len, n);
		ck_assert_int_eq(memcmp(p, want, n), 0);
		ck_assert_int_eq(dp_srtp_unprotect(rx, false, p, &len, &why),
				 0);
		n = unhex(rtp_hex, want);
		ck_assert_uint_eq(len, n);
		ck_assert_int_eq(memcmp(p, want, n), 0);
		/* libsrtp's objects (the peer's stream made at its first
		 * packet among them) in the sessions' blocks, none outside */
		dp_srtp_mem(rx, &used, &spilled);
		ck_assert_uint_gt(used, 0);
		ck_assert_uint_eq(spilled, 0);
		/* SRTCP: an 80-bit tag with either suite */
		len = unhex(rtcp_hex, p);
		ck_assert_int_eq(dp_srtp_protect(tx, true, p, &len, &why), 0);
		n = unhex(srtcp, want);
		ck_assert_uint_eq(len, n);
		ck_assert_int_eq(memcmp(p, want, n), 0);
		ck_assert_int_eq(dp_srtp_unprotect(rx, true, p, &len, &why), 0);
		n = unhex(rtcp_hex, want);
		ck_assert_uint_eq(len, n);
		ck_assert_int_eq(memcmp(p, want, n), 0);
		dp_srtp_free(tx);
		dp_srtp_free(rx);
	}
}
END_TEST

/* libsrtp's crypto kernel (exported by libsrtp2, its header not
 * installed): the types dp_srtp_init() put in */
srtp_err_status_t srtp_crypto_kernel_alloc_cipher(srtp_cipher_type_id_t id,
						  srtp_cipher_pointer_t *cp,
						  int key_len, int tag_len);
srtp_err_status_t srtp_crypto_kernel_alloc_auth(srtp_auth_type_id_t id,
						srtp_auth_pointer_t *ap,
						int key_len, int tag_len);

/*
 * srtp.c's AES-CM and HMAC-SHA1 as libsrtp's kernel hands them out, on
 * what libsrtp's own flow never does: a keystream used across two calls
 * after one IV (RFC 3711 B.2's, cut inside a block), a MAC started
 * again after an update it abandoned (RFC 2202's first case), and two
 * sessions' MACs started on one thread, of which only the last goes on.
 */
START_TEST(test_io_srtp_crypto_types)
{
	static const char key_hex[] = "2b7e151628aed2a6abf7158809cf4f3c"
				      "f0f1f2f3f4f5f6f7f8f9fafbfcfd";
	static const char ks_hex[] = "e03ead0935c95e80e166b16dd92b4eb4"
				     "d23513162b02d0f72a43a2fe4a5f97ab";
	static const char tag_hex[] = "b617318655057264e28bc0b6fb378c8ef146"
				      "be00";
	uint8_t key[30], ks[32], buf[32] = { 0 }, iv[16] = { 0 }, mk[20];
	uint8_t tag[20], want[20];
	srtp_cipher_t *c = NULL;
	srtp_auth_t *a = NULL, *b = NULL;
	unsigned int n;

	ck_assert_uint_eq(unhex(key_hex, key), 30);
	ck_assert_uint_eq(unhex(ks_hex, ks), 32);
	ck_assert_int_eq(srtp_crypto_kernel_alloc_cipher(SRTP_AES_ICM_128, &c,
							 30, 0),
			 srtp_err_status_ok);
	ck_assert_ptr_nonnull(strstr(c->type->description, "nettle"));
	ck_assert_int_eq(c->type->init(c->state, key), srtp_err_status_ok);
	ck_assert_int_eq(c->type->set_iv(c->state, iv, srtp_direction_encrypt),
			 srtp_err_status_ok);
	n = 7;
	ck_assert_int_eq(c->type->encrypt(c->state, buf, &n),
			 srtp_err_status_ok);
	n = 25;
	ck_assert_int_eq(c->type->encrypt(c->state, buf + 7, &n),
			 srtp_err_status_ok);
	ck_assert_int_eq(memcmp(buf, ks, 32), 0);
	ck_assert_int_eq(c->type->dealloc(c), srtp_err_status_ok);

	memset(mk, 0x0b, sizeof(mk));
	ck_assert_uint_eq(unhex(tag_hex, want), 20);
	ck_assert_int_eq(srtp_crypto_kernel_alloc_auth(SRTP_HMAC_SHA1, &a, 20,
						       20), srtp_err_status_ok);
	ck_assert_ptr_nonnull(strstr(a->type->description, "nettle"));
	ck_assert_int_eq(a->type->init(a->state, mk, 20), srtp_err_status_ok);
	ck_assert_int_eq(a->type->start(a->state), srtp_err_status_ok);
	ck_assert_int_eq(a->type->update(a->state, (const uint8_t *)"junk", 4),
			 srtp_err_status_ok);
	ck_assert_int_eq(a->type->start(a->state), srtp_err_status_ok);
	ck_assert_int_eq(a->type->compute(a->state,
					  (const uint8_t *)"Hi There", 8, 20,
					  tag), srtp_err_status_ok);
	ck_assert_int_eq(memcmp(tag, want, 20), 0);
	/* a MAC is computed in the thread's one working state: another
	 * session's started meanwhile refuses this one's, no wrong tag */
	ck_assert_int_eq(srtp_crypto_kernel_alloc_auth(SRTP_HMAC_SHA1, &b, 20,
						       10), srtp_err_status_ok);
	ck_assert_int_eq(b->type->init(b->state, mk, 20), srtp_err_status_ok);
	ck_assert_int_eq(a->type->start(a->state), srtp_err_status_ok);
	ck_assert_int_eq(b->type->start(b->state), srtp_err_status_ok);
	ck_assert_int_ne(a->type->compute(a->state,
					  (const uint8_t *)"Hi There", 8, 20,
					  tag), srtp_err_status_ok);
	ck_assert_int_eq(b->type->compute(b->state,
					  (const uint8_t *)"Hi There", 8, 10,
					  tag), srtp_err_status_ok);
	ck_assert_int_eq(memcmp(tag, want, 10), 0);
	ck_assert_int_ne(b->type->update(b->state, mk, 4), srtp_err_status_ok);
	ck_assert_int_eq(a->type->dealloc(a), srtp_err_status_ok);
	ck_assert_int_eq(b->type->dealloc(b), srtp_err_status_ok);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("ring_port");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_io_answers_arp_and_ping);
	tcase_add_test(tc, test_io_tx_backlog_keeps_order);
	tcase_add_test(tc, test_io_tx_backlog_freed_at_detach);
	tcase_add_test(tc, test_io_rtp_in_mixes_out);
	tcase_add_test(tc, test_io_capture_writes_a_legs_packets);
	tcase_add_test(tc, test_io_srtp_legs);
	tcase_add_test(tc, test_io_srtp_known_answers);
	tcase_add_test(tc, test_io_srtp_more_legs_than_a_tick_queues);
	tcase_add_test(tc, test_io_srtp_goes_on_from_the_index_published);
	tcase_add_test(tc, test_io_srtp_crypto_types);
	tcase_add_test(tc, test_io_srtp_spills_counted);
	tcase_add_test(tc, test_io_capture_takes_a_conference_whole);
	tcase_add_test(tc, test_io_capture_files_at_once_and_their_mode);
	tcase_add_test(tc, test_io_two_addresses);
	tcase_add_test(tc, test_io_gateway);
	tcase_add_test(tc, test_io_quiet_peers_next_hop);
	tcase_add_test(tc, test_io_dscp);
	tcase_add_test(tc, test_io_vlan);
	tcase_add_test(tc, test_io_start_ticks_not_late);
	tcase_add_test(tc, test_io_tick_schedule_earliest_first);
	tcase_add_test(tc, test_io_late_ticks_earliest_first);
	tcase_add_test(tc, test_io_shared_zero_copy);
	tcase_add_test(tc, test_io_received_mbufs_kept_or_freed);
	tcase_add_test(tc, test_io_rx_hold_gathers_bursts);
	tcase_add_test(tc, test_io_headers_follow_peer);
	tcase_add_test(tc, test_io_events_wait_for_control_plane);
	tcase_add_test(tc, test_io_dtmf_waits_for_room);
	tcase_add_test(tc, test_io_talkers_said_to_a_new_control_plane);
	tcase_add_test(tc, test_io_admit_busy_refuses_new_legs_at_the_limit);
	tcase_add_test(tc, test_io_admit_busy_counts_legs_since);
	tcase_add_test(tc, test_io_leg_table_counts_concealment);
	tcase_add_test(tc, test_io_counts_malformed);
	tcase_add_test(tc, test_io_chained_frames);
	tcase_add_test(tc, test_io_dispatch_to_owner);
	tcase_add_test(tc, test_io_two_ports);
	tcase_add_test(tc, test_io_announces_its_addresses);
	suite_add_tcase(s, tc);
	return s;
}
