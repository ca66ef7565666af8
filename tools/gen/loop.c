/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loop.c: tutti-gen's packet loops, on the one lcore that owns the port:
 * rtp (paced), blast (unpaced) and reflect, plus ARP. Hot path: bursts of
 * GEN_BURST, one TSC read per iteration, no syscalls, allocation or logging
 * per packet; the progress line (stderr, once a second) and ARP are the
 * cold exceptions.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "compiler.h"
#include "g711.h"
#include "gen.h"
#include "log.h"
#include "net.h"
#include "srtp.h"

#define RTP_HDR_LEN	12
#define HDRS_LEN	(RTE_ETHER_HDR_LEN + 20 + 8 + RTP_HDR_LEN)
#define IP_DF		0x4000
#define TX_RETRIES	64	/* ARP replies: tries before freeing one */

volatile bool gen_quit;

void
gen_payload_init(struct gen_ctx *g)
{
	uint32_t noise = 12345;

	g->frame_bytes = (uint16_t)(8 * g->scn.ptime_ms);
	g->n_tone_frames = GEN_TONE_SAMPLES / g->frame_bytes;
	/* 440 Hz, a whole number of cycles in 3 s, plus a little noise */
	for (int n = 0; n < GEN_TONE_SAMPLES; n++) {
		double v = 6000.0 * sin(2.0 * M_PI * 440.0 * n / 8000.0);

		noise = noise * 1103515245u + 12345u;
		v += (double)((int)(noise >> 16) % 1001 - 500);
		g->tone[n] = dp_g711_lin2ulaw((int16_t)v);
	}
	for (uint32_t f = 0; f < g->n_tone_frames; f++)
		g->tone_sum[f] = rte_raw_cksum(g->tone + f * g->frame_bytes,
					       g->frame_bytes);
	memset(g->silence, 0xff, sizeof(g->silence));
	g->silence_sum = rte_raw_cksum(g->silence, g->frame_bytes);
}

/* --- ARP (cold) --- */

static bool
is_our_ip(const struct gen_ctx *g, uint32_t ip_host)
{
	return ip_host - g->scn.gen_ip < gen_scn_n_ips(&g->scn);
}

static void
send_one(struct gen_ctx *g, struct rte_mbuf *m)
{
	if (rte_eth_tx_burst(g->port_id, 0, &m, 1) == 1)
		g->arp_tx++;
	else
		rte_pktmbuf_free(m);
}

/*
 * Turn an ARP request in m into our reply, in place, if we answer it (any
 * address in reflect mode, our source addresses otherwise); learn the
 * target's MAC from its replies and requests. Returns true if m is now a
 * reply to send; otherwise the caller frees m.
 */
static DP_COLD bool
arp_input(struct gen_ctx *g, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	uint32_t sip, tip;

	g->arp_rx++;
	if (m->data_len < sizeof(*eth) + sizeof(*a) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return false;
	sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(a->arp_data.arp_tip);
	if (g->mode != GEN_MODE_REFLECT && gen_scn_is_dp_ip(&g->scn, sip)) {
		g->dst_mac = a->arp_data.arp_sha;
		g->have_dst_mac = true;
	}
	if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    (g->mode != GEN_MODE_REFLECT && !is_our_ip(g, tip)))
		return false;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_sha = g->mac;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sip = rte_cpu_to_be_32(tip);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = g->mac;
	return true;
}

static DP_COLD void
arp_request(struct gen_ctx *g)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;

	if (m == NULL) {
		g->no_mbuf++;
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	a = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = g->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = g->mac;
	a->arp_data.arp_sip = rte_cpu_to_be_32(g->scn.gen_ip);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = rte_cpu_to_be_32(g->scn.dp_ip);
	m->data_len = m->pkt_len = sizeof(*eth) + sizeof(*a);
	send_one(g, m);
}

/* Receive and handle only ARP (before traffic starts). */
static DP_COLD void
arp_poll(struct gen_ctx *g)
{
	struct rte_mbuf *pkts[GEN_BURST];
	uint16_t n = rte_eth_rx_burst(g->port_id, 0, pkts, GEN_BURST);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eth =
			rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
		    arp_input(g, pkts[i]))
			send_one(g, pkts[i]);
		else
			rte_pktmbuf_free(pkts[i]);
	}
}

int
gen_arp_resolve(struct gen_ctx *g, unsigned int timeout_ms)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t end = rte_rdtsc() + hz * timeout_ms / 1000, next = 0;

	while (!g->have_dst_mac) {
		uint64_t now = rte_rdtsc();

		if (gen_quit)
			return -EINTR;
		if (now >= end)
			return -ETIMEDOUT;
		if (now >= next) {
			arp_request(g);
			next = now + hz / 10;
		}
		arp_poll(g);
	}
	return 0;
}

/* --- rtp and blast: build, send, count what comes back --- */

/*
 * An SRTP leg's packet, built as RTP in m: encrypted and authenticated in
 * place, lengths and checksums made again. false if libsrtp refused it
 * (counted; the caller frees m).
 */
static __attribute__((noinline)) bool
seal_srtp(struct gen_ctx *g, struct rte_mbuf *m, uint32_t leg)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t len = RTP_HDR_LEN + g->frame_bytes;
	unsigned int why;

	if (dp_srtp_protect(g->srtp[leg], false, (uint8_t *)(udp + 1), &len,
			    &why) < 0) {
		g->tx_srtp_fail++;
		return false;
	}
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + len));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	m->data_len = m->pkt_len = (uint16_t)(RTE_ETHER_HDR_LEN + 28 + len);
	return true;
}

/* Leg's packet of this round in m: false if it cannot be sent (SRTP
 * refused it), and the caller frees m. */
static inline bool
build_rtp(struct gen_ctx *g, struct rte_mbuf *m, uint32_t leg, uint64_t round,
	  uint64_t epoch)
{
	const struct gen_scn *s = &g->scn;
	uint16_t fb = g->frame_bytes;
	uint32_t h = gen_leg_hash(leg), off = gen_scn_leg_port_off(s, leg);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *rtp = (uint8_t *)(udp + 1);
	const uint8_t *payload = g->silence;
	uint32_t sum = g->silence_sum;

	eth->dst_addr = g->dst_mac;
	eth->src_addr = g->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xb8;	/* DSCP EF, as phones mark voice */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + RTP_HDR_LEN +
						       fb));
	ip->packet_id = rte_cpu_to_be_16((uint16_t)round);
	ip->fragment_offset = rte_cpu_to_be_16(IP_DF);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = 0;
	ip->src_addr = rte_cpu_to_be_32(gen_scn_leg_ip(s, leg));
	ip->dst_addr = rte_cpu_to_be_32(gen_scn_leg_dp_ip(s, leg));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(s->gen_port + off));
	udp->dst_port = rte_cpu_to_be_16(gen_scn_leg_dp_port(s, leg));
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + RTP_HDR_LEN + fb));
	udp->dgram_cksum = 0;
	rtp[0] = 0x80;				/* V=2 */
	rtp[1] = round == 0 ? 0x80 : 0;		/* M on the first, PT 0 */
	/* byte by byte: the RTP header is 2 bytes off 4-byte alignment
	 * (14 + 20 + 8), and DPDK's unaligned_uint32_t is a plain uint32_t
	 * on x86 (UBSan: a misaligned store) */
	dp_net_put16(rtp + 2, (uint16_t)((h >> 7) + round));
	dp_net_put32(rtp + 4, (uint32_t)(h * 3266489917u + round * fb));
	dp_net_put32(rtp + 8, gen_leg_ssrc(leg));
	if (gen_scn_is_talker(s, leg, epoch)) {
		uint32_t f = (uint32_t)(round % g->n_tone_frames);

		payload = g->tone + f * fb;
		sum = g->tone_sum[f];
	}
	rte_memcpy(rtp + RTP_HDR_LEN, payload, fb);
	/* payload sums are precomputed: the payload starts at an even offset */
	sum += rte_ipv4_phdr_cksum(ip, 0);
	sum += rte_raw_cksum(udp, 8 + RTP_HDR_LEN);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	udp->dgram_cksum = (uint16_t)~sum == 0 ? 0xffff : (uint16_t)~sum;
	m->data_len = m->pkt_len = HDRS_LEN + fb;
	return g->srtp == NULL || seal_srtp(g, m, leg);
}

static inline void
rx_seq(struct gen_leg_rx *l, uint16_t seq)
{
	if (l->rx++ == 0) {
		l->base_seq = l->max_seq = seq;
		return;
	}
	uint16_t d = (uint16_t)(seq - l->max_seq);

	if (d == 0) {
		l->dups++;
	} else if (d < 0x8000) {
		l->gaps += d > 1;
		if (seq < l->max_seq)
			l->cycles += 65536;
		l->max_seq = seq;
	} else {
		l->ooo++;
	}
}

/* Where the headers of pkts[i] would be; prefetches the next packet. */
struct hdrs {
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	bool is_arp;
};

static inline struct hdrs
hdrs_of(struct rte_mbuf **pkts, uint16_t i, uint16_t n)
{
	struct hdrs h;

	if (i + 1 < n)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
	h.eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
	h.ip = (struct rte_ipv4_hdr *)(h.eth + 1);
	h.udp = (struct rte_udp_hdr *)(h.ip + 1);
	h.is_arp = h.eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	return h;
}

/* The UDP checksum (if any) over the datagram the IPv4 length gives. */
static inline bool
udp_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	     const struct rte_udp_hdr *udp)
{
	uint32_t len = rte_be_to_cpu_16(ip->total_length), sum;

	if (udp->dgram_cksum == 0)
		return true;
	if (len < 28 || len + RTE_ETHER_HDR_LEN > m->data_len)
		return false;
	sum = rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(udp, len - 20);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Count one packet that came back: checksums, leg, RTP sequence. */
static inline void
count_one(struct gen_ctx *g, const struct rte_mbuf *m, const struct hdrs *h)
{
	const uint8_t *rtp = (const uint8_t *)(h->udp + 1);
	int64_t leg;

	if (h->eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    m->data_len < HDRS_LEN || h->ip->version_ihl != 0x45 ||
	    h->ip->next_proto_id != IPPROTO_UDP) {
		g->rx_other++;
		return;
	}
	if (rte_raw_cksum(h->ip, 20) != 0xffff ||
	    !udp_cksum_ok(m, h->ip, h->udp)) {
		g->rx_bad_cksum++;
		return;
	}
	leg = gen_scn_leg_of(&g->scn, rte_be_to_cpu_32(h->ip->dst_addr),
			     rte_be_to_cpu_16(h->udp->dst_port));
	if (leg < 0) {
		g->rx_other++;
		return;
	}
	if ((rtp[0] & 0xc0) != 0x80) {
		g->rx_bad_rtp++;
		return;
	}
	if (g->srtp != NULL) {	/* authenticated before it is believed */
		uint32_t len = rte_be_to_cpu_16(h->ip->total_length);
		unsigned int why;

		if (len < 28 || len + RTE_ETHER_HDR_LEN > m->data_len) {
			g->rx_bad_rtp++;
			return;
		}
		len -= 28;
		if (dp_srtp_unprotect(g->srtp[leg], false,
				      (uint8_t *)(h->udp + 1), &len,
				      &why) < 0) {
			g->rx_bad_srtp++;
			return;
		}
	}
	g->rx_rtp++;
	rx_seq(&g->legs[leg], dp_net_get16(rtp + 2));
}

/*
 * Turn m into its reflection: MACs, IPv4 addresses and UDP ports swapped,
 * which keeps both checksums valid (the sums commute). Returns false for
 * what is not IPv4 (the caller frees it).
 */
static inline bool
reflect_one(struct gen_ctx *g, const struct rte_mbuf *m, const struct hdrs *h)
{
	rte_be32_t a;
	rte_be16_t p;

	if (h->eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    m->data_len < RTE_ETHER_HDR_LEN + 20) {
		g->rx_other++;
		return false;
	}
	h->eth->dst_addr = h->eth->src_addr;
	h->eth->src_addr = g->mac;
	a = h->ip->src_addr;
	h->ip->src_addr = h->ip->dst_addr;
	h->ip->dst_addr = a;
	if (h->ip->next_proto_id == IPPROTO_UDP &&
	    (h->ip->version_ihl & 0xf) == 5 &&
	    m->data_len >= RTE_ETHER_HDR_LEN + 28) {
		p = h->udp->src_port;
		h->udp->src_port = h->udp->dst_port;
		h->udp->dst_port = p;
	}
	return true;
}

/*
 * A received burst, consumed whole: ARP answered; in reflect mode every
 * IPv4 packet sent back (what the NIC refuses waits in g->pending, which
 * must be empty on entry), otherwise counted and freed. ARP replies are
 * retried TX_RETRIES times while the NIC is full, then freed and counted.
 * Specialised per mode (reflect is a compile-time constant).
 */
static inline __attribute__((always_inline)) void
rx_burst(struct gen_ctx *g, struct rte_mbuf **pkts, uint16_t n,
	 const bool reflect)
{
	struct rte_mbuf *out[GEN_BURST], *done[GEN_BURST];
	uint16_t n_out = 0, n_done = 0, sent = 0;

	g->rx_pkts += n;
	for (uint16_t i = 0; i < n; i++) {
		struct hdrs h = hdrs_of(pkts, i, n);
		bool back;

		if (unlikely(h.is_arp))
			back = arp_input(g, pkts[i]);
		else if (reflect)
			back = reflect_one(g, pkts[i], &h);
		else
			back = (count_one(g, pkts[i], &h), false);
		if (back)
			out[n_out++] = pkts[i];
		else
			done[n_done++] = pkts[i];
	}
	if (n_done != 0)
		rte_pktmbuf_free_bulk(done, n_done);
	if (n_out == 0)
		return;
	if (reflect) {
		/* never drop: hold the rest, receive no more until it is sent
		 * (the peer then sees a full ring, not a loss) */
		sent = rte_eth_tx_burst(g->port_id, 0, out, n_out);
		g->tx_pkts += sent;
		if (sent < n_out)
			g->tx_full++;
		for (uint16_t i = sent; i < n_out; i++)
			g->pending[g->n_pending++] = out[i];
		return;
	}
	for (int t = 0; t < TX_RETRIES && sent < n_out; t++)
		sent += rte_eth_tx_burst(g->port_id, 0, out + sent,
					 n_out - sent);
	g->arp_tx += sent;
	if (sent < n_out) {
		g->tx_full++;
		g->tx_drop += n_out - sent;
		rte_pktmbuf_free_bulk(out + sent, n_out - sent);
	}
}

static void
rx_count(struct gen_ctx *g, struct rte_mbuf **pkts, uint16_t n)
{
	rx_burst(g, pkts, n, false);
}

static void
rx_reflect(struct gen_ctx *g, struct rte_mbuf **pkts, uint16_t n)
{
	rx_burst(g, pkts, n, true);
}

/* Send what the NIC refused last time; true if some is still waiting. */
static inline bool
flush_pending(struct gen_ctx *g)
{
	uint16_t sent;

	if (g->n_pending == 0)
		return false;
	sent = rte_eth_tx_burst(g->port_id, 0, g->pending, g->n_pending);
	g->tx_pkts += sent;
	if (sent < g->n_pending) {
		memmove(g->pending, g->pending + sent,
			(g->n_pending - sent) * sizeof(g->pending[0]));
		g->n_pending = (uint16_t)(g->n_pending - sent);
		return true;
	}
	g->n_pending = 0;
	return false;
}

/*
 * Build and send the packets due by now (rtp: leg after leg, spread evenly
 * over each ptime; blast: a whole burst every time the NIC has room).
 */
static inline void
tx_step(struct gen_ctx *g, uint64_t now)
{
	struct rte_mbuf *pkts[GEN_BURST];
	bool blast = g->mode == GEN_MODE_BLAST || g->mode == GEN_MODE_BOUNCE;
	uint64_t epoch = (now - g->start_tsc) / g->rotate_tsc;
	uint32_t n_legs = g->scn.n_legs;
	uint16_t n = 0, sent;
	uint16_t room = GEN_BURST;

	if (flush_pending(g))
		return;
	if (blast && g->window != 0) {
		/* closed loop: never more in flight than the rings hold */
		uint64_t in_flight = g->tx_pkts - g->rx_pkts - g->forgiven;

		if (in_flight >= g->window) {
			if (now - g->last_rx_tsc > g->period_tsc) {
				g->stalls++;	/* lost: stop waiting for them */
				g->forgiven += in_flight;
			}
			return;
		}
		if (g->window - in_flight < room)
			room = (uint16_t)(g->window - in_flight);
	}
	while (n < room && (blast || (g->next_due_tsc <= now &&
				      g->next_due_tsc < g->due_until))) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);

		if (unlikely(m == NULL)) {
			g->no_mbuf++;
			break;
		}
		if (!blast && now - g->next_due_tsc > g->period_tsc)
			g->tx_late++;
		if (likely(build_rtp(g, m, g->leg, g->round, epoch)))
			pkts[n++] = m;
		else
			rte_pktmbuf_free(m);
		if (++g->leg == n_legs) {
			g->leg = 0;
			g->round++;
		}
		if (!blast)
			g->next_due_tsc = g->start_tsc +
					  g->round * g->period_tsc +
					  g->leg * g->period_tsc / n_legs;
	}
	if (n == 0)
		return;
	sent = rte_eth_tx_burst(g->port_id, 0, pkts, n);
	g->tx_pkts += sent;
	if (sent < n) {
		g->tx_full++;
		for (uint16_t i = sent; i < n; i++)
			g->pending[g->n_pending++] = pkts[i];
	}
}

void
gen_rx_sum(const struct gen_ctx *g, struct gen_rx_sum *s)
{
	memset(s, 0, sizeof(*s));
	for (uint32_t i = 0; i < g->scn.n_legs; i++) {
		const struct gen_leg_rx *l = &g->legs[i];
		uint64_t exp = gen_leg_expected(l);

		if (l->rx == 0)
			continue;
		s->legs_seen++;
		s->rx += l->rx;
		s->expected += exp;
		s->lost += exp > l->rx ? exp - l->rx : 0;
		s->ooo += l->ooo;
		s->gaps += l->gaps;
		s->dups += l->dups;
	}
}

/* --- the loop --- */

/* What the last progress line had counted. */
struct gen_marks {
	uint64_t tx, rx, busy, tsc;
};

static DP_COLD void
progress(struct gen_ctx *g, uint64_t now, struct gen_marks *mk)
{
	double dt = (double)(now - mk->tsc) / (double)g->tsc_hz;
	double t = (double)(now - g->start_tsc) / (double)g->tsc_hz;
	double tx = (double)(g->tx_pkts - mk->tx) / dt;
	double rx = (double)(g->rx_pkts - mk->rx) / dt;
	double busy = 100.0 * (double)(g->busy_tsc - mk->busy) /
		      (double)(now - mk->tsc);
	struct gen_rx_sum s;

	*mk = (struct gen_marks){ .tx = g->tx_pkts, .rx = g->rx_pkts,
				  .busy = g->busy_tsc, .tsc = now };
	if (g->mode == GEN_MODE_REFLECT || g->mode == GEN_MODE_BOUNCE) {
		fprintf(stderr, "tutti-gen: %s %5.1f s: rx %.0f pps, tx "
			"%.0f pps, dropped %" PRIu64 ", busy %.1f %%\n",
			g->mode == GEN_MODE_REFLECT ? "reflect" : "bounce", t,
			rx, tx, g->tx_drop, busy);
		return;
	}
	gen_rx_sum(g, &s);
	fprintf(stderr, "tutti-gen: %s %5.1f s: tx %.0f pps, rx %.0f pps, "
		"legs seen %u/%u, loss %.4f %%, late %" PRIu64 ", busy %.1f "
		"%%\n", g->mode == GEN_MODE_RTP ? "rtp" : "blast", t, tx, rx,
		s.legs_seen, g->scn.n_legs,
		s.expected ? 100.0 * (double)s.lost / (double)s.expected : 0.0,
		g->tx_late, busy);
}

/*
 * Once a second: a peer that went away (memif client stopped) leaves what
 * it refused in g->pending; a later peer must not get those stale packets.
 */
static DP_COLD void
peer_check(struct gen_ctx *g)
{
	struct rte_eth_link link;

	if (g->n_pending == 0 ||
	    rte_eth_link_get_nowait(g->port_id, &link) != 0 ||
	    link.link_status == RTE_ETH_LINK_UP)
		return;
	g->tx_drop += g->n_pending;
	rte_pktmbuf_free_bulk(g->pending, g->n_pending);
	g->n_pending = 0;
}

/* The window opens or closes: the process told with --warmup-signal hears
 * it (tutti-dp logs its totals, so that a benchmark counts between the
 * two: not the warm-up, nor what it does after the last packet). */
static DP_COLD void
window_signal(const struct gen_ctx *g)
{
	if (g->warmup_pid != 0 && kill(g->warmup_pid, SIGUSR1) != 0)
		LOG_WARN("--warmup-signal %d: %s", g->warmup_pid,
			 strerror(errno));
}

/*
 * The warm-up is over: what was counted so far is forgotten (each leg's
 * sequence tracking starts again from its next packet), the measured
 * window starts now, and the process told with --warmup-signal hears it.
 */
static DP_COLD void
window_open(struct gen_ctx *g, uint64_t now)
{
	memset(g->legs, 0, sizeof(*g->legs) * g->scn.n_legs);
	g->tx_pkts = g->rx_pkts = g->rx_rtp = g->rx_other = 0;
	g->rx_bad_cksum = g->rx_bad_rtp = 0;
	g->tx_late = g->tx_full = g->tx_drop = g->no_mbuf = g->stalls = 0;
	g->forgiven = 0;
	g->gap_max_tsc = g->gaps_1ms = 0;
	g->busy_tsc = 0;
	g->window_tsc = now;
	window_signal(g);
}

/* rtp: every packet due before t has been built and taken by the NIC */
static inline bool
sent_until(const struct gen_ctx *g, uint64_t t)
{
	return g->next_due_tsc >= t && g->n_pending == 0;
}

/*
 * rtp: the warm-up ends, or sending stops, when what was due before that
 * time is out, so that the window counts its own schedule, neither what a
 * loop running late still owed the warm-up nor what it would send after
 * the end; a link that takes nothing for 100 ms does not hold the run.
 */
static inline bool
schedule_done(const struct gen_ctx *g, uint64_t t, uint64_t now)
{
	return g->mode != GEN_MODE_RTP || sent_until(g, t) ||
	       now - t >= g->tsc_hz / 10;
}

int
gen_run(struct gen_ctx *g)
{
	struct rte_mbuf *pkts[GEN_BURST];
	bool sending = g->mode != GEN_MODE_REFLECT;
	bool bounce = g->mode == GEN_MODE_BOUNCE, worked = false;
	bool priming = bounce;	/* bounce: its window not yet built */
	uint64_t now = rte_rdtsc(), end = UINT64_MAX;
	struct gen_marks mk = { .tsc = now };
	uint64_t next_report = g->report_tsc ? now + g->report_tsc : UINT64_MAX;
	uint64_t next_check = now + g->tsc_hz;
	uint64_t warm_end = g->warmup_tsc ? now + g->warmup_tsc : 0;
	uint64_t prev = now, ms = g->tsc_hz / 1000;

	g->start_tsc = g->next_due_tsc = g->window_tsc = now;
	g->stop_tsc = g->duration_tsc ? now + g->warmup_tsc +
					g->duration_tsc : UINT64_MAX;
	g->due_until = warm_end != 0 ? warm_end : g->stop_tsc;
	for (;;) {
		/* reflect, and bounce while it sends: what comes back goes
		 * back out */
		bool fwd = g->mode == GEN_MODE_REFLECT || (bounce && sending);
		uint64_t tx0 = g->tx_pkts;
		uint16_t n;

		now = rte_rdtsc();
		if (unlikely(now - prev >= ms)) {
			g->gaps_1ms++;
			if (now - prev > g->gap_max_tsc)
				g->gap_max_tsc = now - prev;
		}
		if (worked)	/* the turn before, from its start to now */
			g->busy_tsc += now - prev;
		prev = now;
		/* forwarding: nothing new until what the NIC refused is sent */
		n = fwd && flush_pending(g) ? 0 :
		    rte_eth_rx_burst(g->port_id, 0, pkts, GEN_BURST);
		if (n != 0) {
			if (unlikely(g->first_rx_tsc == 0))
				g->first_rx_tsc = now;
			g->last_rx_tsc = now;
		}
		if (fwd) {
			if (n != 0)
				rx_reflect(g, pkts, n);
			/* bounce: the window built (blast's closed loop),
			 * once: a stall of the peer does not lose what it
			 * holds, so nothing is built again */
			if (priming) {
				tx_step(g, now);
				priming = g->tx_pkts - g->rx_pkts < g->window;
			}
		} else {
			if (n != 0)
				rx_count(g, pkts, n);
			if (sending)
				tx_step(g, now);
		}
		worked = n != 0 || g->tx_pkts != tx0;
		if (unlikely(now >= next_check)) {
			peer_check(g);
			next_check = now + g->tsc_hz;
		}
		if (unlikely(warm_end != 0 && now >= warm_end) &&
		    schedule_done(g, warm_end, now)) {
			/* the window starts where its schedule does */
			window_open(g, sent_until(g, warm_end) ? warm_end :
								 now);
			mk = (struct gen_marks){ .tsc = now };
			g->due_until = g->stop_tsc;
			warm_end = 0;
		}
		if (unlikely(now >= next_report)) {
			progress(g, now, &mk);
			next_report += g->report_tsc;
		}
		if (unlikely(((now >= g->stop_tsc && warm_end == 0 &&
			       schedule_done(g, g->stop_tsc, now)) ||
			      gen_quit) && end == UINT64_MAX)) {
			/* stop sending; receive what is still on its way
			 * (rtp on schedule: the window ends where its
			 * schedule does) */
			if (gen_quit || g->mode != GEN_MODE_RTP ||
			    !sent_until(g, g->stop_tsc))
				g->stop_tsc = now;
			g->rx_at_stop = g->rx_pkts;
			g->busy_at_stop = g->busy_tsc;
			if (sending)	/* the window closes */
				window_signal(g);
			sending = false;
			end = g->mode == GEN_MODE_REFLECT ? now :
			      now + g->drain_tsc;
		}
		if (unlikely(now >= end))
			break;
	}
	while (g->n_pending != 0) {
		rte_pktmbuf_free(g->pending[--g->n_pending]);
	}
	g->end_tsc = now;
	return 0;
}
