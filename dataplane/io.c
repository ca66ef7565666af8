/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * io.c: a worker's packet path (see io.h): receive, steer, RTP/RTCP in,
 * ticks, RTP/RTCP/ARP out. Hot path on the owning worker.
 */
#include "io.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "capture.h"
#include "ctl.h"
#include "port.h"
#include "shm_region.h"
#include "steer.h"

#define ARP_SLOTS	1024	/* next hops known, all workers */
/* Seconds a leg's peer may send nothing before its next hop is taken from
 * ARP again, and asked for again (hop_refresh()). */
#define DP_ARP_REFRESH_S	30
#define RTCP_CNAME	"tutti@focus"

/* Owner worker of each local UDP port on each address (dp_io_key());
 * written by the owner only. */
static uint8_t port_owner[DP_NET_ADDRS_MAX << 16];
static struct rte_ring *dispatch[SHM_MAX_WORKERS];
static unsigned int n_dispatch;

/* Next hops learnt from ARP replies, by port index << 32 | address
 * (arp_key()): the key written last (release). */
static struct {
	uint64_t key;
	uint8_t mac[6];
} arp_tab[ARP_SLOTS];

int
dp_io_init(unsigned int n_workers)
{
	memset(port_owner, DP_IO_NO_OWNER, sizeof(port_owner));
	for (unsigned int w = 0; w < n_workers && n_workers > 1; w++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "dp_dispatch_%u", w);
		dispatch[w] = rte_ring_create(name, DP_IO_DISPATCH_SLOTS,
					      SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (dispatch[w] == NULL)
			return -ENOMEM;
		n_dispatch = w + 1;
	}
	return 0;
}

void
dp_io_fini(void)
{
	for (unsigned int w = 0; w < n_dispatch; w++) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(dispatch[w], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dispatch[w]);
		dispatch[w] = NULL;
	}
	n_dispatch = 0;
}

int
dp_io_attach(struct dp_lcore *lc, const struct dp_port *ports,
	     unsigned int n_ports, struct rte_mempool *pool)
{
	unsigned int n_addrs = 0;

	if (n_ports > DP_PORTS_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < n_ports; i++)
		n_addrs += ports[i].n_addrs;
	if (n_addrs > DP_NET_ADDRS_MAX)
		return -ENOSPC;
	lc->n_ports = 0;
	if (n_addrs > lc->port_leg_addrs) {
		size_t old = (size_t)lc->port_leg_addrs << 16;
		uint32_t *pl = rte_zmalloc_socket("dp_port_leg",
						  sizeof(*pl) * ((size_t)n_addrs
								 << 16),
						  RTE_CACHE_LINE_SIZE,
						  (int)rte_socket_id());

		if (pl == NULL)
			return -ENOMEM;
		memcpy(pl, lc->port_leg, sizeof(*pl) * old);
		rte_free(lc->port_leg);
		lc->port_leg = pl;
		lc->port_leg_addrs = n_addrs;
	}
	lc->pool = pool;
	lc->dispatch = lc->worker < n_dispatch ? dispatch[lc->worker] : NULL;
	lc->tx_zc = false;	/* the caller's choice (port: tx_multi_seg) */
	lc->tx_data_off = (uint32_t)sizeof(struct rte_mbuf) +
			  rte_pktmbuf_priv_size(pool) + RTE_PKTMBUF_HEADROOM;
	lc->n_stash = 0;
	n_addrs = 0;
	for (unsigned int i = 0; i < n_ports; i++) {
		const struct dp_port *p = &ports[i];
		struct dp_lport *lp = &lc->lp[i];

		lp->port = p;
		lp->port_id = p->port_id;
		lp->txq = (uint16_t)lc->worker;
		lp->has_rxq = lc->worker < p->n_rxq;
		lp->rxq = (uint16_t)lc->worker;
		lp->addr_base = (uint8_t)n_addrs;
		memset(&lp->ifc, 0, sizeof(lp->ifc));
		memcpy(lp->ifc.mac, p->mac.addr_bytes, 6);
		memcpy(lp->ifc.ip_be, p->ipv4, sizeof(lp->ifc.ip_be));
		lp->ifc.n_ip = (uint8_t)p->n_addrs;
		for (unsigned int a = 0; a < DP_NET_ADDRS_MAX; a++)
			lp->ifc.mask_be[a] = shm_prefix_mask(
				a < p->n_addrs ? p->plen[a] : 32);
		lp->ifc.gw_be = p->gw_be;
		lp->tos = (uint8_t)(p->dscp << 2);
		lp->vlan = p->vlan;
		lp->vlan_insert = p->vlan_insert;
		lp->tx_flags = p->tx_cksum ? DP_NET_TX_CSUM_OFFLOAD : 0;
		lp->n_tx = 0;
		lp->tx_backlog_head = lp->tx_backlog_n = 0;
		for (unsigned int a = 0; a < p->n_addrs; a++)
			lc->addr_lp[n_addrs++] = (uint8_t)i;
	}
	lc->n_ports = n_ports;
	return 0;
}

void
dp_io_detach(struct dp_lcore *lc)
{
	if (lc->n_stash != 0)
		rte_mempool_put_bulk(lc->pool, (void **)lc->tx_stash,
				     lc->n_stash);
	lc->n_stash = 0;
	for (unsigned int i = 0; i < lc->n_ports; i++) {
		struct dp_lport *lp = &lc->lp[i];

		/* what the port never took: gone with it */
		lc->st.drops[SHM_DROP_TX_FULL] += lp->tx_backlog_n;
		for (; lp->tx_backlog_n != 0; lp->tx_backlog_n--) {
			rte_pktmbuf_free(lp->tx_backlog[lp->tx_backlog_head]);
			lp->tx_backlog_head = (lp->tx_backlog_head + 1) &
					      (DP_TX_BACKLOG - 1);
		}
	}
}

/* The port of the leg rt (of its local address: dp_io_leg_flow()). */
static inline struct dp_lport *
leg_lp(const struct dp_lcore *lc, const struct dp_leg_rt *rt)
{
	return &lc->lp[rt->lport];
}

int
dp_io_port_claim(struct dp_lcore *lc, uint32_t key)
{
	uint8_t me = (uint8_t)lc->worker;
	uint16_t port = (uint16_t)key;

	if (port == 0 || port == 65535 || key >= (DP_NET_ADDRS_MAX << 16))
		return -EINVAL;
	for (int k = 0; k < 2; k++) {
		uint8_t o = __atomic_load_n(&port_owner[key + k],
					    __ATOMIC_RELAXED);

		if (o != DP_IO_NO_OWNER && o != me)
			return -EADDRINUSE;
	}
	__atomic_store_n(&port_owner[key], me, __ATOMIC_RELEASE);
	__atomic_store_n(&port_owner[key + 1], me, __ATOMIC_RELEASE);
	if (lc->n_ports != 0 && lc->lp[lc->addr_lp[key >> 16]].has_rxq)
		dp_steer_request(key >> 16, port, lc->worker, true);
	return 0;
}

void
dp_io_port_release(struct dp_lcore *lc, uint32_t key)
{
	if (port_owner[key] == lc->worker && lc->n_ports != 0 &&
	    lc->lp[lc->addr_lp[key >> 16]].has_rxq)
		dp_steer_request(key >> 16, (uint16_t)key, lc->worker, false);
	for (uint32_t k = 0; k < 2 && (key & 0xffff) + k < 65536; k++)
		if (port_owner[key + k] == lc->worker)
			__atomic_store_n(&port_owner[key + k],
					 (uint8_t)DP_IO_NO_OWNER,
					 __ATOMIC_RELEASE);
}

/* A next hop's key in the ARP table: the index of the port it is on,
 * and its address. */
static inline uint64_t
arp_key(const struct dp_lcore *lc, const struct dp_lport *lp, uint32_t ip_be)
{
	return (uint64_t)(lp - lc->lp) << 32 | ip_be;
}

static uint32_t
arp_slot(uint64_t key)
{
	return ((uint32_t)key + (uint32_t)(key >> 32) * 0x9e3779b9u) *
	       2654435761u >> 22;	/* 10 bits */
}

static void
arp_learn(uint64_t key, const uint8_t mac[6])
{
	uint32_t i = arp_slot(key);

	/* a racing reader sees the old key (miss) or the new pair */
	__atomic_store_n(&arp_tab[i].key, 0, __ATOMIC_RELEASE);
	memcpy(arp_tab[i].mac, mac, 6);
	__atomic_store_n(&arp_tab[i].key, key, __ATOMIC_RELEASE);
}

/* true if the table holds key: a next hop asked for or heard from. */
static bool
arp_known(uint64_t key)
{
	return __atomic_load_n(&arp_tab[arp_slot(key)].key,
			       __ATOMIC_ACQUIRE) == key;
}

static bool
arp_lookup(uint64_t key, uint8_t mac[6])
{
	uint32_t i = arp_slot(key);

	/* 0.0.0.0 (an SDP hold's address) is no one's: an empty slot's
	 * key on the first port */
	if ((uint32_t)key == 0 ||
	    __atomic_load_n(&arp_tab[i].key, __ATOMIC_ACQUIRE) != key)
		return false;
	memcpy(mac, arp_tab[i].mac, 6);
	return __atomic_load_n(&arp_tab[i].key, __ATOMIC_ACQUIRE) == key;
}

int
dp_io_leg_flow(struct dp_lcore *lc, struct dp_leg_rt *rt,
	       const struct shm_msg_leg *l)
{
	const struct dp_lport *lp = &lc->lp[0];
	uint32_t ip_be, local_be;
	int a = 0;

	memcpy(&local_be, l->local_addr, 4);
	if (local_be != 0) {	/* 0: the first port's first */
		for (a = -1; a < 0 && lp < lc->lp + lc->n_ports; lp++)
			a = dp_net_addr_index(&lp->ifc, local_be);
		if (a < 0)
			return -EADDRNOTAVAIL;
		lp--;
	}
	memcpy(&ip_be, l->addr + 12, 4);	/* IPv4-mapped */
	if (rt->flow.dst_ip_be != ip_be || rt->flow.dst_port_be !=
	    l->remote_port)
		rt->mac_known = false;
	memcpy(rt->flow.src_mac, lp->ifc.mac, 6);
	rt->flow.src_ip_be = lp->ifc.ip_be[a];
	rt->flow.dst_ip_be = ip_be;
	rt->hop_be = dp_net_next_hop(&lp->ifc, ip_be);
	rt->flow.src_port_be = l->local_port;
	rt->flow.dst_port_be = l->remote_port;
	rt->flow.tos = lp->tos;	/* --dscp (EF, RFC 4594 telephony) */
	rt->tpl.payload_len = 0;
	rt->local_key = dp_io_key(lp->addr_base + (unsigned int)a,
				  rte_be_to_cpu_16(l->local_port));
	rt->lport = (uint8_t)(lp - lc->lp);
	return 0;
}

/* Stashed mbufs ahead of the one taken whose lines are asked for. */
#define STASH_AHEAD	4

/* The lines of a stashed mbuf that sending writes: its header and the
 * first 256 bytes of its data (headers and a G.711 payload). */
static inline void
stash_prefetch(const struct dp_lcore *lc, struct rte_mbuf *m)
{
	char *p = (char *)m;

	/* rte_prefetch0, not a write prefetch: -march=corei7 (libdpdk's)
	 * has no PREFETCHW, and GCC then emits nothing for one */
	rte_prefetch0(p);
	rte_prefetch0(p + RTE_CACHE_LINE_SIZE);
	for (uint32_t o = 0; o < 256; o += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(p + lc->tx_data_off + o);
}

/* This thread's cache of the pool: asked for once per burst, not once
 * per mempool call (rte_lcore_id() is a TLS lookup from a shared
 * library, __tls_get_addr). */
static inline struct rte_mempool_cache *
pool_cache(const struct dp_lcore *lc)
{
	return rte_mempool_default_cache(lc->pool, rte_lcore_id());
}

/*
 * Received mbufs done with. A plain one (lc's pool, one segment, direct,
 * not shared) goes into the send stash while there is room, ready to be
 * reset and sent (its lines were just read, so they are likely still in
 * cache), and the rest to the pool's cache in one call; anything else
 * through rte_pktmbuf_free(). Replaces rte_pktmbuf_free_bulk(), which
 * checks every mbuf for every case (about 40 instructions each).
 */
static void
rx_done(struct dp_lcore *lc, struct rte_mbuf **m, unsigned int n)
{
	unsigned int k = 0, take;

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *x = m[i];

		if (likely(x->pool == lc->pool && x->nb_segs == 1 &&
			   rte_mbuf_refcnt_read(x) == 1 &&
			   !(x->ol_flags & (RTE_MBUF_F_INDIRECT |
					    RTE_MBUF_F_EXTERNAL))))
			m[k++] = x;	/* one segment: next is NULL */
		else
			rte_pktmbuf_free(x);
	}
	take = DP_TX_STASH - lc->n_stash;
	if (take > k)
		take = k;
	memcpy(&lc->tx_stash[lc->n_stash], m + (k - take),
	       take * sizeof(m[0]));
	lc->n_stash = (uint16_t)(lc->n_stash + take);
	if (k > take)
		rte_mempool_generic_put(lc->pool, (void **)m, k - take,
					pool_cache(lc));
}

/*
 * An mbuf to send, or NULL if the pool is empty. They are taken from the
 * pool in bursts and asked for STASH_AHEAD ahead: the pool hands out mbufs
 * that are not in any cache (one 20 ms of 20,000 packets cycles through
 * tens of thousands of them), so resetting one was a miss per packet.
 */
static struct rte_mbuf *
tx_alloc(struct dp_lcore *lc)
{
	struct rte_mbuf *m;

	if (lc->n_stash == 0) {
		if (rte_mempool_generic_get(lc->pool, (void **)lc->tx_stash,
					    DP_TX_STASH, pool_cache(lc)) != 0)
			return rte_pktmbuf_alloc(lc->pool);	/* the last */
		lc->n_stash = DP_TX_STASH;
		for (uint32_t k = 1; k <= STASH_AHEAD; k++)
			stash_prefetch(lc, lc->tx_stash[DP_TX_STASH - k]);
	}
	m = lc->tx_stash[--lc->n_stash];
	if (lc->n_stash >= STASH_AHEAD)
		stash_prefetch(lc, lc->tx_stash[lc->n_stash - STASH_AHEAD]);
	rte_pktmbuf_reset(m);
	return m;
}

/* --vlan: m's frame tagged with the port's VLAN, by the port (its
 * driver's offload), or here in its headroom (rte_vlan_insert(), which
 * adds the tag to l2_len for a NIC's checksum offload). false if it has no
 * room: m freed, counted. */
static DP_COLD bool
vlan_put(struct dp_lcore *lc, const struct dp_lport *lp, struct rte_mbuf **m)
{
	(*m)->vlan_tci = lp->vlan;
	if (lp->vlan_insert) {
		(*m)->ol_flags |= RTE_MBUF_F_TX_VLAN;
		return true;
	}
	if (rte_vlan_insert(m) == 0)
		return true;
	lc->st.drops[SHM_DROP_NO_MBUF]++;
	rte_pktmbuf_free(*m);
	return false;
}

static void flush_port(struct dp_lcore *lc, struct dp_lport *lp);

/* m to port lp, sent with the next burst. */
static void
tx_queue(struct dp_lcore *lc, struct dp_lport *lp, struct rte_mbuf *m)
{
	if (unlikely(lp->vlan != 0) && !vlan_put(lc, lp, &m))
		return;
	lp->tx[lp->n_tx++] = m;
	if (lp->n_tx == DP_TX_BURST)
		flush_port(lc, lp);
}

/* n packets at m to the port's queue; returns how many it took. */
static uint16_t
tx_burst(struct dp_lcore *lc, struct dp_lport *lp, struct rte_mbuf **m,
	 uint16_t n)
{
	uint16_t sent = rte_eth_tx_burst(lp->port_id, lp->txq, m, n);

	for (uint16_t i = 0; i < sent; i++)
		lc->st.tx_bytes += m[i]->pkt_len;
	lc->st.tx_pkts += sent;
	return sent;
}

/* The backlog's packets, oldest first, until the queue takes no more;
 * true if it is empty then. */
static bool
backlog_send(struct dp_lcore *lc, struct dp_lport *lp)
{
	while (lp->tx_backlog_n != 0) {
		uint32_t h = lp->tx_backlog_head;
		uint32_t k = DP_TX_BACKLOG - h;	/* up to the array's end */
		uint16_t sent;

		if (k > lp->tx_backlog_n)
			k = lp->tx_backlog_n;
		if (k > DP_TX_BURST)
			k = DP_TX_BURST;
		sent = tx_burst(lc, lp, &lp->tx_backlog[h], (uint16_t)k);
		lp->tx_backlog_head = (h + sent) & (DP_TX_BACKLOG - 1);
		lp->tx_backlog_n -= sent;
		if (sent < k)
			return false;
	}
	return true;
}

/* n packets the queue did not take, behind the backlog; what does not
 * fit is dropped. */
static void
backlog_put(struct dp_lcore *lc, struct dp_lport *lp, struct rte_mbuf **m,
	    uint32_t n)
{
	uint32_t room = DP_TX_BACKLOG - lp->tx_backlog_n;
	uint32_t k = n < room ? n : room;
	uint32_t all;

	for (uint32_t i = 0; i < k; i++)
		lp->tx_backlog[(lp->tx_backlog_head + lp->tx_backlog_n + i) &
			       (DP_TX_BACKLOG - 1)] = m[i];
	lp->tx_backlog_n += k;
	lc->st.tx_deferred += k;
	all = dp_lcore_tx_backlog(lc);
	if (all > lc->st.tx_backlog_max)
		lc->st.tx_backlog_max = all;
	if (k < n) {
		lc->st.drops[SHM_DROP_TX_FULL] += n - k;
		rte_pktmbuf_free_bulk(m + k, n - k);
	}
}

/* Send what is queued for port lp. */
static void
flush_port(struct dp_lcore *lc, struct dp_lport *lp)
{
	uint16_t sent = 0;

	/* while the backlog is not all out, the new ones wait behind it */
	if ((likely(lp->tx_backlog_n == 0) || backlog_send(lc, lp)) &&
	    lp->n_tx != 0)
		sent = tx_burst(lc, lp, lp->tx, lp->n_tx);
	if (unlikely(sent < lp->n_tx))
		backlog_put(lc, lp, lp->tx + sent, lp->n_tx - sent);
	lp->n_tx = 0;
}

void
dp_io_flush(struct dp_lcore *lc)
{
	for (unsigned int i = 0; i < lc->n_ports; i++)
		flush_port(lc, &lc->lp[i]);
}

/* What the NIC is to do for m's checksums (headers built for it). */
static inline void
tx_offload(const struct dp_lport *lp, struct rte_mbuf *m)
{
	if (lp->tx_flags & DP_NET_TX_CSUM_OFFLOAD) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_UDP_CKSUM;
		m->l2_len = DP_NET_ETH_LEN;
		m->l3_len = DP_NET_IPV4_LEN;
	}
}

/* The destination address of a template's headers. */
static inline uint32_t
tpl_dst_ip(const struct dp_net_tpl *t)
{
	uint32_t ip_be;

	memcpy(&ip_be, t->hdr + DP_NET_ETH_LEN +
	       offsetof(struct dp_net_ipv4, dst_be), 4);
	return ip_be;
}

/* A UDP datagram of rt's, len bytes at d (headers in front), to flow fl
 * on port lp, and into rt's capture if one runs (at TSC now); the bytes
 * after the first head are summed already (tail_sum, see
 * dp_net_build_udp_sum()). */
static void
send_udp(struct dp_lcore *lc, struct dp_lport *lp, struct rte_mbuf *m,
	 struct dp_leg_rt *rt, const struct dp_net_flow *fl, uint8_t *d,
	 uint32_t len, uint32_t head, uint16_t tail_sum, uint64_t now)
{
	dp_net_build_udp_sum(d, len, head, tail_sum, fl, lp->tx_flags);
	tx_offload(lp, m);
	if (unlikely(rt->cap_left != 0))	/* tuttictl capture */
		dp_cap_frame(lc, rt, m, now);
	tx_queue(lc, lp, m);
}

/* Ask on port lp who has ip_be, from our address from_be. */
static void
arp_request(struct dp_lcore *lc, struct dp_lport *lp, uint32_t from_be,
	    uint32_t ip_be)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	struct dp_net_eth *e;
	struct dp_net_arp *a;

	if (m == NULL) {
		lc->st.drops[SHM_DROP_NO_MBUF]++;
		return;
	}
	e = (struct dp_net_eth *)rte_pktmbuf_append(m, DP_NET_ARP_FRAME_LEN);
	if (e == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	a = (struct dp_net_arp *)(e + 1);
	memset(e->dst, 0xff, 6);
	memcpy(e->src, lp->ifc.mac, 6);
	e->type_be = rte_cpu_to_be_16(DP_NET_ETHERTYPE_ARP);
	a->htype_be = rte_cpu_to_be_16(1);
	a->ptype_be = rte_cpu_to_be_16(DP_NET_ETHERTYPE_IPV4);
	a->hlen = 6;
	a->plen = 4;
	a->op_be = rte_cpu_to_be_16(1);
	memcpy(a->sha, lp->ifc.mac, 6);
	a->spa_be = from_be;
	memset(a->tha, 0, 6);
	a->tpa_be = ip_be;
	tx_queue(lc, lp, m);
}

int
dp_io_evt(void *arg, const struct shm_msg *m)
{
	return dp_ctl_send_evt(arg, m);
}

/*
 * Zero copy. A shared payload goes to each listener as a second segment:
 * an mbuf attached (rte_pktmbuf_attach_extbuf) to one copy of it in a
 * carrier mbuf, whose buffer also holds the shared-info refcount. The
 * refcount starts at ZC_BIAS, each attachment uses one of those
 * references, and when the tick is done the unused ones are given back at
 * once: one atomic per shared payload and tick instead of one per
 * listener. Whoever frees the last segment (the PMD, any lcore) frees the
 * carrier through zc_free().
 */
#define ZC_BIAS		INT16_MAX	/* rte_mbuf_ext_refcnt_update() is int16 */

static void
zc_free(void *addr, void *opaque)
{
	(void)addr;
	rte_pktmbuf_free(opaque);
}

/* A carrier holding the len bytes at payload, refcount ZC_BIAS; false if
 * the pool is empty (the payload is then copied). */
static bool
zc_carrier(struct dp_lcore *lc, struct dp_io_shared *sh)
{
	struct rte_mbuf *c = rte_pktmbuf_alloc(lc->pool);
	uint16_t buf_len;
	uint8_t *p;

	if (c == NULL)
		return false;
	p = rte_pktmbuf_mtod(c, uint8_t *);
	buf_len = rte_pktmbuf_tailroom(c);
	sh->shinfo = rte_pktmbuf_ext_shinfo_init_helper(p, &buf_len, zc_free,
							c);
	if (sh->shinfo == NULL || buf_len < sh->len_bytes) {
		rte_pktmbuf_free(c);
		return false;
	}
	memcpy(p, sh->payload, sh->len_bytes);
	rte_mbuf_ext_refcnt_set(sh->shinfo, ZC_BIAS);
	sh->carrier = c;
	sh->n_att = 0;
	return true;
}

/* Give back a carrier's unused references; free it if none is left. */
static void
zc_retire(struct dp_io_shared *sh)
{
	uint16_t left = (uint16_t)(ZC_BIAS - sh->n_att);

	if (sh->carrier != NULL && left != 0 &&
	    rte_mbuf_ext_refcnt_update(sh->shinfo, (int16_t)-left) == 0)
		rte_pktmbuf_free(sh->carrier);
	sh->carrier = NULL;
}

static void srtp_flush(struct dp_lcore *lc);

void
dp_io_tick_done(struct dp_lcore *lc)
{
	if (lc->n_srtp_txq != 0)
		srtp_flush(lc);
	for (uint32_t i = 0; i < lc->n_tx_shared; i++)
		zc_retire(&lc->tx_shared[i]);
	lc->n_tx_shared = 0;
}

/* This tick's entry for a shared payload: its checksum sum (the same bytes
 * go to every listener that is not a contributor, so they are summed once)
 * and, with zero copy, its carrier. NULL if the table is full (copied and
 * summed per listener then). */
static struct dp_io_shared *
shared_get(struct dp_lcore *lc, const struct dp_tick_out *o)
{
	struct dp_io_shared *sh;

	for (uint32_t i = 0; i < lc->n_tx_shared; i++) {
		sh = &lc->tx_shared[i];
		if (sh->payload == o->payload && sh->len_bytes == o->len_bytes)
			goto found;
	}
	if (lc->n_tx_shared == DP_TX_SHARED_MAX)
		return NULL;
	sh = &lc->tx_shared[lc->n_tx_shared++];
	sh->payload = o->payload;
	sh->len_bytes = o->len_bytes;
	sh->sum = dp_net_csum_fold(o->payload, o->len_bytes, 0);
	sh->carrier = NULL;
found:
	if (lc->tx_zc && sh->carrier == NULL)
		zc_carrier(lc, sh);	/* else copied */
	return sh;
}

/* The payload of m (headers appended already) as a segment attached to
 * sh's carrier. */
static void
zc_attach(struct dp_io_shared *sh, struct rte_mbuf *m, struct rte_mbuf *seg)
{
	uint8_t *p = rte_pktmbuf_mtod(sh->carrier, uint8_t *);

	rte_pktmbuf_attach_extbuf(seg, p, rte_pktmbuf_iova(sh->carrier),
				  (uint16_t)sh->len_bytes, sh->shinfo);
	seg->data_len = (uint16_t)sh->len_bytes;
	seg->pkt_len = sh->len_bytes;
	m->next = seg;
	m->nb_segs = 2;
	m->pkt_len += sh->len_bytes;
	if (++sh->n_att == ZC_BIAS)
		zc_retire(sh);	/* all its references used: a new one next */
}

/* rt's headers built for len bytes of UDP payload; false (counted) if its
 * next hop's MAC is not known yet or len does not fit a frame. */
static bool
tpl_ready(struct dp_lcore *lc, struct dp_lport *lp, struct dp_leg_rt *rt,
	  uint32_t len)
{
	if (likely(rt->tpl.payload_len == len))
		return true;
	if (!rt->mac_known) {
		if (!arp_lookup(arp_key(lc, lp, rt->hop_be), rt->flow.dst_mac)) {
			lc->st.drops[SHM_DROP_NO_ARP]++;
			return false;
		}
		rt->mac_known = true;
	}
	if (dp_net_tpl_build(&rt->tpl, len, &rt->flow, lp->tx_flags) != 0) {
		/* longer than a frame: as if the mbuf could not hold it */
		lc->st.drops[SHM_DROP_NO_MBUF]++;
		return false;
	}
	return true;
}

/* A packet of rt whose UDP payload is at d + DP_NET_HDR_LEN, sum its
 * dp_net_csum_fold() (unused with offload), octets of RTP payload: its
 * headers, the SR's counts, a capture, the queue. */
static void
tx_finish(struct dp_lcore *lc, struct dp_lport *lp, struct dp_leg_rt *rt,
	  struct rte_mbuf *m, uint8_t *d, uint16_t sum, uint32_t octets)
{
	rt->tx_pkts++;
	rt->tx_octets += octets;
	dp_net_tpl_write(&rt->tpl, d, sum, lp->tx_flags);
	tx_offload(lp, m);
	if (unlikely(rt->cap_left != 0))
		dp_cap_frame(lc, rt, m, rte_rdtsc());
	tx_queue(lc, lp, m);
}

static void
srtp_drop(struct dp_lcore *lc, unsigned int why)
{
	lc->srtp_drops[why]++;
	lc->st.srtp_drops++;
}

/* The SRTP packets queued (srtp_send()) protected in place and sent, their
 * checksums summed over what goes out. */
static void
srtp_flush(struct dp_lcore *lc)
{
	for (uint32_t i = 0; i < lc->n_srtp_txq; i++) {
		struct dp_srtp_txq *q = &lc->srtp_txq[i];
		unsigned int why = DP_SRTP_DROP_OTHER;
		uint32_t n = q->len;
		uint16_t sum = 0;

		if (dp_srtp_protect(q->sp, false, q->d + DP_NET_HDR_LEN, &n,
				    &why) != 0 || n != q->len + q->tag) {
			rte_pktmbuf_free(q->m);
			srtp_drop(lc, why);
			continue;
		}
		if (!(q->lp->tx_flags & DP_NET_TX_CSUM_OFFLOAD))
			sum = dp_net_csum_fold(q->d + DP_NET_HDR_LEN, n, 0);
		tx_finish(lc, q->lp, q->rt, q->m, q->d, sum, q->octets);
	}
	lc->n_srtp_txq = 0;
}

/*
 * An SRTP leg's packet (srtp.h): built whole in one mbuf, its payload
 * copied even when shared (each leg's is encrypted with its own key), then
 * queued to be protected in place with the tick's others (srtp_flush(), at
 * the tick's end or DP_SRTP_TXQ packets on): its session's lines, asked for
 * now, are in by then. Nothing goes before both keys are there.
 */
static void
srtp_send(struct dp_lcore *lc, struct dp_lport *lp, struct dp_leg_rt *rt,
	  struct dp_srtp *sp, const struct dp_tick_out *o)
{
	uint32_t len = DP_RTP_HDR_LEN + o->len_bytes, tag;
	struct rte_mbuf *m;
	uint8_t *d = NULL;

	if (!dp_srtp_ready(sp)) {
		srtp_drop(lc, DP_SRTP_DROP_TX_NO_KEY);
		return;
	}
	tag = dp_srtp_tag_len(dp_srtp_tx_suite(sp));
	if (!tpl_ready(lc, lp, rt, len + tag))
		return;
	m = tx_alloc(lc);
	if (m != NULL)
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DP_NET_HDR_LEN +
							       len + tag));
	if (d == NULL || rte_pktmbuf_tailroom(m) + tag < DP_SRTP_TRAILER_ROOM) {
		rte_pktmbuf_free(m);
		lc->st.drops[SHM_DROP_NO_MBUF]++;
		return;
	}
	dp_rtp_write_hdr(d + DP_NET_HDR_LEN, o->pt, o->marker, o->seq, o->ts,
			 o->ssrc);
	memcpy(d + DP_NET_HDR_LEN + DP_RTP_HDR_LEN, o->payload, o->len_bytes);
	dp_srtp_prefetch(sp, false);
	lc->srtp_txq[lc->n_srtp_txq++] = (struct dp_srtp_txq){
		.m = m, .rt = rt, .lp = lp, .sp = sp, .d = d, .len = len,
		.tag = tag, .octets = o->len_bytes,
	};
	if (lc->n_srtp_txq == DP_SRTP_TXQ)
		srtp_flush(lc);
}

void
dp_io_tick_send(void *arg, const struct dp_tick_out *o)
{
	struct dp_lcore *lc = arg;
	struct dp_leg_rt *rt = o->ctx;
	uint32_t len = DP_RTP_HDR_LEN + o->len_bytes;
	struct dp_io_shared *sh = NULL;
	struct dp_srtp *sp;
	struct dp_lport *lp;
	struct rte_mbuf *m[2];
	bool zc;
	uint16_t sum = 0;
	uint8_t *d;

	if (lc->n_ports == 0)
		return;		/* no NIC: control-plane tests only */
	lp = leg_lp(lc, rt);
	if (unlikely(lc->n_srtp != 0) &&
	    (sp = lc->srtp[rt - lc->rt]) != NULL) {
		srtp_send(lc, lp, rt, sp, o);
		return;
	}
	if (!tpl_ready(lc, lp, rt, len))
		return;
	if (o->shared)
		sh = shared_get(lc, o);
	zc = sh != NULL && sh->carrier != NULL;
	m[0] = tx_alloc(lc);
	m[1] = zc && m[0] != NULL ? tx_alloc(lc) : NULL;
	if (m[0] == NULL || (zc && m[1] == NULL)) {
		rte_pktmbuf_free(m[0]);
		lc->st.drops[SHM_DROP_NO_MBUF]++;
		return;
	}
	d = (uint8_t *)rte_pktmbuf_append(m[0], (uint16_t)(DP_NET_HDR_LEN +
		(zc ? DP_RTP_HDR_LEN : len)));
	if (d == NULL) {
		rte_pktmbuf_free_bulk(m, zc ? 2 : 1);
		lc->st.drops[SHM_DROP_NO_MBUF]++;
		return;
	}
	dp_rtp_write_hdr(d + DP_NET_HDR_LEN, o->pt, o->marker, o->seq, o->ts,
			 o->ssrc);
	/* the header summed from its values, not read back from the frame */
	if (!(lp->tx_flags & DP_NET_TX_CSUM_OFFLOAD))
		sum = rte_cpu_to_be_16(dp_net_fold(
			dp_rtp_hdr_sum(o->pt, o->marker, o->seq, o->ts,
				       o->ssrc) +
			rte_be_to_cpu_16(sh != NULL ? sh->sum :
				dp_net_csum_fold(o->payload, o->len_bytes,
						 0))));
	if (zc)
		zc_attach(sh, m[0], m[1]);
	else
		memcpy(d + DP_NET_HDR_LEN + DP_RTP_HDR_LEN, o->payload,
		       o->len_bytes);
	tx_finish(lc, lp, rt, m[0], d, sum, o->len_bytes);
}

/*
 * An SRTP leg's packet in (rtcp: SRTCP), at *p, *len bytes, authenticated
 * and decrypted in place (the received mbuf's, ours to write): *len becomes
 * the RTP or RTCP packet's. false (counted) if refused.
 */
static bool
srtp_in(struct dp_lcore *lc, struct dp_srtp *sp, bool rtcp, const uint8_t *p,
	uint32_t *len)
{
	unsigned int why;

	if (dp_srtp_unprotect(sp, rtcp, (uint8_t *)(uintptr_t)p, len,
			      &why) == 0)
		return true;
	srtp_drop(lc, why);
	return false;
}

/* The SRTP state of the leg at rt, or NULL (a plain RTP leg). */
static inline struct dp_srtp *
srtp_of(const struct dp_lcore *lc, const struct dp_leg_rt *rt)
{
	return unlikely(lc->n_srtp != 0) ? lc->srtp[rt - lc->rt] : NULL;
}

static void
rtcp_in(struct dp_lcore *lc, struct dp_leg_rt *rt, const uint8_t *p,
	uint32_t len, uint64_t now)
{
	struct dp_srtp *sp = srtp_of(lc, rt);
	struct dp_rtcp_info info;

	if (sp != NULL && !srtp_in(lc, sp, true, p, &len))
		return;
	if (dp_rtcp_parse(p, len, rt->tl->cfg.ssrc, &info, &lc->rtcp_st) < 0) {
		lc->st.drops[SHM_DROP_BAD_RTCP]++;
		return;
	}
	rt->rtcp_rx++;
	if (info.has_sr)
		dp_rtp_rx_note_sr(&rt->rtp, info.ssrc, info.ntp, now);
}

/* The worker's drop reason for a jitter buffer's. */
static enum shm_drop
jitter_drop_shm(enum dp_jitter_drop why)
{
	switch (why) {
	case DP_JITTER_DROP_DUP:
		return SHM_DROP_JB_DUP;
	case DP_JITTER_DROP_OUTSIDE:
		return SHM_DROP_JB_FULL;
	case DP_JITTER_DROP_TOO_BIG:
	case DP_JITTER_DROP_BAD_LEN:	/* no whole frames or grains */
		return SHM_DROP_BAD_RTP;
	default:		/* late, or the SSRC before a change */
		return SHM_DROP_JB_LATE;
	}
}

static void
udp_in(struct dp_lcore *lc, const struct dp_net_rx *r, uint64_t now)
{
	uint16_t port = rte_be_to_cpu_16(r->dst_port_be);
	uint32_t key = dp_io_key(r->addr_idx, port);
	uint32_t len = r->len_bytes;
	struct dp_jitter_pkt jp;
	struct dp_srtp *sp;
	struct dp_rtp_pkt p;
	struct dp_leg_rt *rt;
	uint32_t idx;
	int rc;

	idx = lc->port_leg[key];
	if (idx == 0) {
		if (port > 1 && (idx = lc->port_leg[key - 1u]) != 0)
			rtcp_in(lc, &lc->rt[idx - 1], r->payload, r->len_bytes,
				now);
		else
			lc->st.drops[SHM_DROP_NOT_FOR_US]++;
		return;
	}
	rt = &lc->rt[idx - 1];
	if (dp_rtp_is_rtcp(r->payload, len)) {	/* rtcp-mux */
		rtcp_in(lc, rt, r->payload, len, now);
		return;
	}
	sp = srtp_of(lc, rt);
	if (sp != NULL && !srtp_in(lc, sp, false, r->payload, &len))
		return;
	if (dp_rtp_rx(&rt->rtp, r->payload, len, r->src_ip_be,
		      r->src_port_be, now, &p) == DP_RTP_DROP) {
		lc->st.drops[dp_rtp_drop_shm(p.drop)]++;
		lc->rtp_drops[p.drop]++;
		return;
	}
	if (p.flags & DP_RTP_RX_LATCHED) {
		rt->flow.dst_ip_be = r->src_ip_be;
		rt->flow.dst_port_be = r->src_port_be;
		rt->hop_be = dp_net_next_hop(&leg_lp(lc, rt)->ifc,
					     r->src_ip_be);
		rt->tpl.payload_len = 0;
	}
	/* the next hop is the MAC the peer's packets come from: once the
	 * headers are built, checked against theirs (this line), and only
	 * a new one goes into the flow */
	if (rt->tpl.payload_len != 0) {
		if (r->src_ip_be == tpl_dst_ip(&rt->tpl) &&
		    memcmp(r->src_mac, rt->tpl.hdr, 6) != 0) {
			memcpy(rt->flow.dst_mac, r->src_mac, 6);
			rt->tpl.payload_len = 0;
		}
	} else if (r->src_ip_be == rt->flow.dst_ip_be) {
		memcpy(rt->flow.dst_mac, r->src_mac, 6);
		rt->mac_known = true;
	}
	jp = (struct dp_jitter_pkt){ .payload = p.payload,
				     .len_bytes = p.len_bytes, .ssrc = p.ssrc,
				     .ts = p.ts, .seq = p.seq,
				     .marker = p.marker };
	rc = dp_tick_rx(rt->tl, p.pt, &jp, now, dp_io_evt, lc);
	if (rc == DP_TICK_RX_JITTER)
		lc->st.drops[jitter_drop_shm(dp_jitter_last_drop(
			&rt->tl->jb))]++;
	else if (rc == DP_TICK_RX_BAD_PT)
		lc->st.drops[SHM_DROP_BAD_PT]++;
	else if (rc == DP_TICK_RX_NOT_RECEIVING)
		lc->st.drops[SHM_DROP_NOT_FOR_US]++;
}

static unsigned int
rx_flags(const struct rte_mbuf *m)
{
	unsigned int f = 0;
	uint64_t ip = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (ip == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		f |= DP_NET_RX_IP_CSUM_GOOD;
	else if (ip == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		f |= DP_NET_RX_IP_CSUM_BAD;
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		f |= DP_NET_RX_L4_CSUM_GOOD;
	else if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		f |= DP_NET_RX_L4_CSUM_BAD;
	return f;
}

/* --vlan: true if m is of the port's VLAN, its tag taken off (here, by
 * the port, or by the worker that handed it on); untagged frames, priority
 * tags (VLAN 0) and other VLANs' are not for us. */
static DP_COLD bool
vlan_take(const struct dp_lport *lp, struct rte_mbuf *m)
{
	if (!(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) &&
	    (m->data_len < DP_NET_ETH_LEN + 4 || rte_vlan_strip(m) != 0))
		return false;	/* too short to hold a tag, or without one */
	return (m->vlan_tci & 0x0fff) == lp->vlan;
}

/* One frame received on port lp up to its UDP datagram for this worker:
 * true if *r describes one for udp_in() (the caller still holds m; its
 * addr_idx is dp_io_key()'s, of all ports); otherwise m was freed, sent
 * back or handed on (m->port then says lp's index to its owner). */
static bool
rx_classify(struct dp_lcore *lc, struct dp_lport *lp, struct rte_mbuf *m,
	    struct dp_net_rx *r)
{
	uint8_t owner;

	lc->st.rx_pkts++;
	lc->st.rx_bytes += m->pkt_len;
	/* a frame in a chain of buffers (a memif peer's buffers smaller
	 * than it, scattered receive) is copied into its first, if that
	 * has room and is the worker's alone; longer ones are not RTP */
	if (unlikely(m->nb_segs != 1) &&
	    (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1 ||
	     rte_pktmbuf_linearize(m) != 0)) {
		lc->st.drops[SHM_DROP_NOT_FOR_US]++;
		rte_pktmbuf_free(m);
		return false;
	}
	if (unlikely(lp->vlan != 0) && !vlan_take(lp, m)) {
		lc->st.drops[SHM_DROP_NOT_FOR_US]++;
		rte_pktmbuf_free(m);
		return false;
	}
	switch (dp_net_classify(&lp->ifc, rte_pktmbuf_mtod(m, uint8_t *),
				m->data_len, rx_flags(m), r, &lc->net_st)) {
	case DP_NET_REPLY:	/* ARP or echo reply, built in place */
		m->data_len = (uint16_t)r->reply_len;
		m->pkt_len = r->reply_len;
		m->ol_flags = 0;
		tx_queue(lc, lp, m);
		return false;
	case DP_NET_ARP_SEEN:
		arp_learn(arp_key(lc, lp, r->src_ip_be), r->src_mac);
		break;
	case DP_NET_ARP_ANNOUNCE:	/* a next hop we know, moved */
		if (arp_known(arp_key(lc, lp, r->src_ip_be)))
			arp_learn(arp_key(lc, lp, r->src_ip_be), r->src_mac);
		break;
	case DP_NET_DROP:
		lc->st.drops[dp_net_drop_shm(r->drop)]++;
		break;
	case DP_NET_UDP:
		r->addr_idx = (uint8_t)(r->addr_idx + lp->addr_base);
		owner = __atomic_load_n(&port_owner[dp_io_key(r->addr_idx,
						rte_be_to_cpu_16(
						r->dst_port_be))],
					__ATOMIC_ACQUIRE);
		if (owner != lc->worker && owner != DP_IO_NO_OWNER &&
		    owner < n_dispatch) {
			lc->st.rx_pkts--;	/* counted by the owner */
			lc->st.rx_bytes -= m->pkt_len;
			m->port = (uint16_t)(lp - lc->lp);
			if (rte_ring_enqueue(dispatch[owner], m) != 0) {
				lc->st.drops[SHM_DROP_NO_MBUF]++;
				rte_pktmbuf_free(m);
			} else {
				lc->n_dispatched++;
			}
			return false;
		}
		return true;
	}
	rte_pktmbuf_free(m);
	return false;
}

/* Legs ahead of the datagram handled whose state is asked for. */
#define RX_AHEAD	4

/* The lines of a leg's packet-path state that udp_in() reads: the first
 * and rtp's hot two (lcore.h). */
static inline void
prefetch_rt(const struct dp_leg_rt *rt)
{
	rte_prefetch0(rt);
	rte_prefetch0(&rt->rtp);
	rte_prefetch0((const char *)&rt->rtp + 64);
}

/* The tick leg's first lines of leg (0: none), once its rt is in. */
static inline void
prefetch_tl(const struct dp_lcore *lc, uint32_t leg)
{
	if (leg != 0 && lc->rt[leg - 1].tl != NULL)
		dp_tick_leg_prefetch_rx(lc->rt[leg - 1].tl);
}

/* The jitter slot and frame r's RTP packet will go to (a guess from its
 * timestamp, nothing checked yet), once leg's tick state is in. */
static inline void
prefetch_slot(const struct dp_lcore *lc, uint32_t leg,
	      const struct dp_net_rx *r)
{
	const struct dp_tick_leg *tl;

	if (leg == 0 || r->len_bytes < 12 ||
	    (tl = lc->rt[leg - 1].tl) == NULL)
		return;
	/* the RTP timestamp */
	dp_jitter_prefetch_insert(&tl->jb, dp_net_get32(r->payload + 4));
}

/* An SRTP leg's session, in three steps ahead of its packet (step 0: its
 * pointer in lc->srtp; 1: once that is in, the state's first line; 2: once
 * that is, its session's block, dp_srtp_prefetch()). Nothing where srtp
 * is false: a worker without SRTP legs (lc->n_srtp, read once a burst). */
static inline void
prefetch_srtp(const struct dp_lcore *lc, bool srtp, uint32_t leg, int step)
{
	if (likely(!srtp) || leg == 0)
		return;
	if (step == 0)
		rte_prefetch0(&lc->srtp[leg - 1]);
	else if (lc->srtp[leg - 1] == NULL)
		return;
	else if (step == 1)
		rte_prefetch0(lc->srtp[leg - 1]);
	else
		dp_srtp_prefetch(lc->srtp[leg - 1], true);
}

/* tuttictl capture: the frames of the burst's legs being captured, their
 * RTCP on the port above too. */
static DP_COLD void
cap_burst(struct dp_lcore *lc, struct rte_mbuf **m, struct dp_net_rx *r,
	  uint32_t *leg, unsigned int n, uint64_t now)
{
	/* (r and leg not const: GCC 12 takes a const array for one read
	 * whole, and the burst's are filled up to n only) */
	for (unsigned int i = 0; i < n; i++) {
		uint16_t port = rte_be_to_cpu_16(r[i].dst_port_be);
		uint32_t idx = leg[i];

		if (idx == 0 && port > 1)	/* RTCP, on the port above */
			idx = lc->port_leg[dp_io_key(r[i].addr_idx, port) - 1u];
		if (idx != 0 && lc->rt[idx - 1].cap_left != 0)
			dp_cap_frame(lc, &lc->rt[idx - 1], m[i], now);
	}
}

/*
 * A burst of received frames, in stages so that each leg's state is
 * asked for before it is needed: every frame is classified first (its
 * bytes are fresh from the driver) and its leg's packet-path state
 * prefetched; then, as the datagrams go in, the tick state of the leg
 * RX_AHEAD on and the jitter slot of the one RX_AHEAD / 2 on. Every mbuf
 * is freed or kept to send (the datagrams', together at the end:
 * rx_done()), sent back or handed on. lp: the port they came from (NULL:
 * each one's m->port says, as a worker handing it on wrote it).
 */
static void
rx_burst(struct dp_lcore *lc, struct dp_lport *lp, struct rte_mbuf **b,
	 unsigned int k, uint64_t now)
{
	struct dp_net_rx r[DP_BURST];
	struct rte_mbuf *m[DP_BURST];
	uint32_t leg[DP_BURST];
	unsigned int n = 0;
	const bool srtp = lc->n_srtp != 0;

	lc->st.rx_polls += k != 0;	/* a poll that brought packets */
	for (unsigned int i = 0; i < k; i++) {
		if (!rx_classify(lc, lp != NULL ? lp : &lc->lp[b[i]->port], b[i],
				 &r[n]))
			continue;
		m[n] = b[i];
		leg[n] = lc->port_leg[dp_io_key(r[n].addr_idx,
				      rte_be_to_cpu_16(r[n].dst_port_be))];
		if (leg[n] != 0)
			prefetch_rt(&lc->rt[leg[n] - 1]);
		prefetch_srtp(lc, srtp, leg[n], 0);
		n++;
	}
	if (unlikely(lc->n_cap != 0))
		cap_burst(lc, m, r, leg, n, now);
	/* the first legs' tick state, then RX_AHEAD ahead of the datagram
	 * handled, and once that is in, the jitter slot its packet goes to */
	for (unsigned int i = 0; i < n && i < RX_AHEAD; i++) {
		prefetch_tl(lc, leg[i]);
		prefetch_srtp(lc, srtp, leg[i], 1);
	}
	for (unsigned int i = 0; i < n && i < RX_AHEAD / 2; i++) {
		prefetch_slot(lc, leg[i], &r[i]);
		prefetch_srtp(lc, srtp, leg[i], 2);
	}
	for (unsigned int i = 0; i < n; i++) {
		if (i + RX_AHEAD < n) {
			prefetch_tl(lc, leg[i + RX_AHEAD]);
			prefetch_srtp(lc, srtp, leg[i + RX_AHEAD], 1);
		}
		if (i + RX_AHEAD / 2 < n) {
			prefetch_slot(lc, leg[i + RX_AHEAD / 2],
				      &r[i + RX_AHEAD / 2]);
			prefetch_srtp(lc, srtp, leg[i + RX_AHEAD / 2],
				      2);
		}
		udp_in(lc, &r[i], now);
	}
	rx_done(lc, m, n);
}

/* One burst from each port's receive queue and one from the dispatch
 * ring. Returns the packets handled. */
static unsigned int
rx_poll(struct dp_lcore *lc, uint64_t now)
{
	struct rte_mbuf *b[DP_BURST];
	unsigned int n = 0, k;

	for (unsigned int i = 0; i < lc->n_ports; i++) {
		struct dp_lport *lp = &lc->lp[i];

		if (!lp->has_rxq)
			continue;
		k = rte_eth_rx_burst(lp->port_id, lp->rxq, b, DP_BURST);
		rx_burst(lc, lp, b, k, now);
		n += k;
	}
	if (lc->dispatch != NULL) {
		k = rte_ring_sc_dequeue_burst(lc->dispatch, (void **)b,
					      DP_BURST, NULL);
		rx_burst(lc, NULL, b, k, now);
		n += k;
	}
	return n;
}

/* Count a tick that started late TSC cycles after it was due. */
static inline void
tick_late(struct dp_lcore *lc, uint64_t late)
{
	unsigned int b = 0;

	while (b < SHM_TICK_LATE_BUCKETS - 1 && late >= lc->tick_late_tsc[b])
		b++;
	lc->st.tick_late[b]++;
}

/*
 * Due ticks, earliest first: after a stall of the worker's CPU, the
 * conference that has waited longest goes first, so a tick is late by
 * about the stall, not by the stall and the ticks run before it in
 * whatever order the conferences were made. Returns how many ran. They
 * are taken off the schedule DP_TICK_BATCH at a time and put back a
 * ptime on. The receive queue is polled again after every
 * DP_TICK_RX_EVERY conferences: the conferences due in one millisecond
 * can take longer than the queue's descriptors last at full rate.
 */
static unsigned int
run_ticks(struct dp_lcore *lc, uint64_t now)
{
	uint32_t due[DP_TICK_BATCH], n, ran = 0;
	uint64_t t_run = rte_rdtsc();

	do {
		for (n = 0; n < DP_TICK_BATCH && lc->n_active != 0 &&
		     lc->active[0].due <= now; n++)
			due[n] = dp_lcore_sched_pop(lc);
		if (n > 0)
			dp_tick_conf_prefetch(lc->confs[due[0]].tc);
		if (n > 1)
			dp_tick_conf_prefetch_head(lc->confs[due[1]].tc);
		for (uint32_t k = 0; k < n; k++) {
			struct dp_conf *c = &lc->confs[due[k]];
			uint64_t t0, dt, ns, shed, conc, late;

			/* while this one runs, a line each of the
			 * conferences due next: the third's header, the
			 * second's legs array (its header was asked for a
			 * tick ago), the next one's first legs (its array
			 * was), so that none waits on memory */
			if (k + 3 < n)
				tutti_prefetch(lc->confs[due[k + 3]].tc);
			if (k + 2 < n)
				dp_tick_conf_prefetch_head(
					lc->confs[due[k + 2]].tc);
			if (k + 1 < n)
				dp_tick_conf_prefetch(lc->confs[due[k + 1]].tc);
			/* how late it starts: from the poll's time, and the
			 * ticks run since (a catch-up runs for ms) */
			t0 = rte_rdtsc();
			late = now - c->next_tick + (t0 - t_run);
			if (late >= c->period)
				lc->st.late_ticks += late / c->period;
			tick_late(lc, late);
			/* behind time: concealment is shed before the ticks
			 * go late */
			c->tc->shed_plc = late > lc->plc_shed_tsc;
			shed = c->tc->st.plc_shed;
			conc = c->tc->st.concealed;
			dp_tick_run(c->tc, now, dp_io_tick_send, dp_io_evt, lc);
			lc->st.plc_shed += c->tc->st.plc_shed - shed;
			lc->st.concealed += c->tc->st.concealed - conc;
			/* (also lost on receive, between ticks) */
			lc->st.dtmf_lost += c->tc->st.dtmf_lost - c->dtmf_lost;
			c->dtmf_lost = c->tc->st.dtmf_lost;
			dp_io_tick_done(lc);
			dt = rte_rdtsc() - t0;
			ns = dt * 1000000000u / lc->tsc_hz;
			lc->st.ticks++;
			lc->st.tick_ns_sum += ns;
			if (ns > lc->st.tick_ns_max)
				lc->st.tick_ns_max = ns;
			c->next_tick += c->period;
			if (c->next_tick <= now) /* far behind: skip, counted */
				c->next_tick += ((now - c->next_tick) /
						 c->period + 1) * c->period;
			dp_lcore_sched_add(lc, due[k]);
			/* the queue, until it is empty or DP_TICK_RX_BURSTS
			 * bursts: while ticks run, packets arrive faster than
			 * one burst per DP_TICK_RX_EVERY conferences takes
			 * them */
			if (++ran % DP_TICK_RX_EVERY == 0)
				for (unsigned int j = 0; j < DP_TICK_RX_BURSTS &&
				     rx_poll(lc, now) >= DP_BURST; j++)
					;
		}
	} while (n == DP_TICK_BATCH);
	return ran;
}

unsigned int
dp_io_poll(struct dp_lcore *lc, uint64_t now)
{
	unsigned int n;

	if (unlikely(now - lc->last_poll > lc->poll_gap_max) &&
	    lc->last_poll != 0) {
		lc->poll_gap_max = now - lc->last_poll;
		lc->st.poll_gap_ns_max = lc->poll_gap_max * 1000000000u /
					 lc->tsc_hz;
	}
	lc->last_poll = now;
	n = 0;
	if (now >= lc->next_rx) {
		n = rx_poll(lc, now);
		if (n < DP_RX_HOLD_BELOW)	/* few: let a burst gather */
			lc->next_rx = now + lc->rx_hold_tsc;
	}
	if (now >= lc->next_tick_check) {
		lc->next_tick_check = now + lc->tick_check_tsc;
		n += run_ticks(lc, now);	/* work: busy time counts it */
	}
	dp_io_flush(lc);
	return n;
}

/* NTP time (32.32) now, from the wall clock: housekeeping only. */
static uint64_t
ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + 2208988800u) << 32 |
	       (uint64_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

static void
rtcp_out(struct dp_lcore *lc, struct dp_leg_rt *rt, uint64_t now,
	 uint64_t ntp)
{
	struct dp_rtp_report rb;
	struct dp_rtcp_sender s = {
		.ssrc = rt->tl->cfg.ssrc, .ntp = ntp,
		/* the last packet's: the next one's less a packet's */
		.rtp_ts = rt->tl->tx_ts - rt->tl->leg_samples *
					  rt->tl->frames_per_pkt,
		.n_pkts = rt->tx_pkts, .n_octets = rt->tx_octets,
	};
	bool have_rb = dp_rtp_rx_report(&rt->rtp, now, &rb) == 0;
	struct dp_srtp *sp;
	struct rte_mbuf *m;
	uint8_t *d;
	int len;

	if (!rt->mac_known)
		return;
	m = rte_pktmbuf_alloc(lc->pool);
	if (m == NULL) {
		lc->st.drops[SHM_DROP_NO_MBUF]++;
		return;
	}
	d = (uint8_t *)rte_pktmbuf_append(m, DP_NET_HDR_LEN +
					  DP_RTCP_BUILD_MAX);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	len = rt->tx_pkts > 0 ?
	      dp_rtcp_build_sr(d + DP_NET_HDR_LEN, DP_RTCP_BUILD_MAX, &s,
			       have_rb ? &rb : NULL,
			       (const uint8_t *)RTCP_CNAME,
			       sizeof(RTCP_CNAME) - 1) :
	      dp_rtcp_build_rr(d + DP_NET_HDR_LEN, DP_RTCP_BUILD_MAX, s.ssrc,
			       have_rb ? &rb : NULL,
			       (const uint8_t *)RTCP_CNAME,
			       sizeof(RTCP_CNAME) - 1);
	if (len >= 0 && (sp = srtp_of(lc, rt)) != NULL) {
		/* SRTCP: its trailer written past the compound, into what
		 * was appended and the tailroom, and kept within the first */
		uint32_t n = (uint32_t)len;
		unsigned int why = DP_SRTP_DROP_OTHER;

		if (rte_pktmbuf_tailroom(m) < DP_SRTP_TRAILER_ROOM + 4 ||
		    dp_srtp_protect(sp, true, d + DP_NET_HDR_LEN, &n,
				    &why) != 0 || n > DP_RTCP_BUILD_MAX) {
			srtp_drop(lc, why);
			len = -1;
		} else {
			len = (int)n;
		}
	}
	if (len < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(DP_RTCP_BUILD_MAX - len));
	{
		/* RTCP goes to the RTP port + 1 of the leg */
		struct dp_net_flow fl = rt->flow;

		fl.src_port_be = rte_cpu_to_be_16(
			rte_be_to_cpu_16(rt->flow.src_port_be) + 1);
		fl.dst_port_be = rte_cpu_to_be_16(
			rte_be_to_cpu_16(rt->flow.dst_port_be) + 1);
		send_udp(lc, leg_lp(lc, rt), m, rt, &fl, d, (uint32_t)len,
			 (uint32_t)len, 0, now);
	}
}

/* true if this worker asked for key (arp_key()) in the last second; otherwise
 * noted as asked now (the caller asks): once a second a leg, and a next
 * hop many legs share (a gateway) once a second a worker, not once for
 * each of them. */
static bool
arp_asked_lately(struct dp_lcore *lc, uint64_t key, uint64_t now)
{
	uint32_t k;

	for (k = 0; k < DP_ARP_ASKED; k++)
		if (lc->arp_asked[k].key == key &&
		    now - lc->arp_asked[k].tsc < lc->tsc_hz)
			return true;
	k = lc->arp_asked_next++ % DP_ARP_ASKED;
	lc->arp_asked[k].key = key;
	lc->arp_asked[k].tsc = now;
	return false;
}

/* Ask by ARP for rt's next hop (unless this worker just did, for another
 * leg), and again for this leg no sooner than again_tsc from now. */
static void
hop_ask(struct dp_lcore *lc, struct dp_leg_rt *rt, uint64_t now,
	uint64_t again_tsc)
{
	struct dp_lport *lp = leg_lp(lc, rt);

	if (!arp_asked_lately(lc, arp_key(lc, lp, rt->hop_be), now))
		arp_request(lc, lp, rt->flow.src_ip_be, rt->hop_be);
	rt->next_arp = now + again_tsc;
}

/*
 * The next hop of a leg whose peer has sent nothing for DP_ARP_REFRESH_S
 * (a listen-only one, or gone quiet), so that its packets no longer tell
 * where it is: what ARP last said of it, if that changed (a router
 * replaced, its gratuitous ARP), and asked for again every
 * DP_ARP_REFRESH_S, so that it keeps being said.
 */
static void
hop_refresh(struct dp_lcore *lc, struct dp_leg_rt *rt, uint64_t now)
{
	uint8_t mac[6];

	if (arp_lookup(arp_key(lc, leg_lp(lc, rt), rt->hop_be), mac) &&
	    memcmp(mac, rt->flow.dst_mac, 6) != 0) {
		memcpy(rt->flow.dst_mac, mac, 6);
		rt->tpl.payload_len = 0;	/* headers built anew */
	}
	if (now >= rt->next_arp)
		hop_ask(lc, rt, now, DP_ARP_REFRESH_S * lc->tsc_hz);
}

/* An SRTP leg's entry: where the peer's stream is (its SSRC, the
 * rollover counter libsrtp has for it, the highest sequence number), for
 * a new tutti-dp to go on from (SHM_SRTP_F_INDEX); unknown (0) for a
 * plain leg and until a packet of it authenticated. */
static void
hk_srtp_index(struct dp_lcore *lc, const struct dp_leg_rt *rt,
	      struct shm_leg_entry *e)
{
	struct dp_srtp *s = lc->n_srtp != 0 ? lc->srtp[rt - lc->rt] : NULL;
	uint32_t roc = 0;

	e->srtp_rx_known = s != NULL && rt->rtp.have_src &&
			   dp_srtp_rx_roc(s, rt->rtp.ssrc, &roc) == 0;
	e->srtp_rx_ssrc = e->srtp_rx_known ? rt->rtp.ssrc : 0;
	e->srtp_rx_roc = roc;
	e->srtp_rx_seq = e->srtp_rx_known ? rt->rtp.max_seq : 0;
}

/* One leg's share of housekeeping: its leg table entry, an ARP request
 * while its next hop is unknown, its RTCP report when due. */
static void
hk_leg(struct dp_lcore *lc, struct dp_leg_rt *rt, uint64_t now, uint64_t *ntp)
{
	struct shm_leg_entry *e = &lc->legs[rt - lc->rt];

	shm_pub_begin(&e->pub_seq);
	e->rx_pkts = rt->rtp.st.n_pkts;
	e->tx_pkts = rt->tx_pkts;	/* queued to the NIC */
	e->lost = (uint64_t)(dp_rtp_rx_lost(&rt->rtp) > 0 ?
			     dp_rtp_rx_lost(&rt->rtp) : 0);
	e->jitter_us = dp_rtp_rx_jitter_us(&rt->rtp);
	e->concealed = dp_jitter_stats(&rt->tl->jb)->n_missing;
	hk_srtp_index(lc, rt, e);
	shm_pub_end(&e->pub_seq);
	if (unlikely(rt->cap_conf))	/* a silent leg too leaves */
		dp_cap_left(lc, rt);
	if (lc->n_ports == 0)
		return;
	if (!rt->mac_known && now >= rt->next_arp &&
	    !arp_lookup(arp_key(lc, leg_lp(lc, rt), rt->hop_be),
			rt->flow.dst_mac)) {
		hop_ask(lc, rt, now, lc->tsc_hz);
	} else if (rt->mac_known &&
		   now - rt->rtp.last_now >= DP_ARP_REFRESH_S * lc->tsc_hz &&
		   dp_net_on_link(&leg_lp(lc, rt)->ifc, rt->hop_be)) {
		/* only a next hop the routing says is on a link (a peer in
		 * a prefix, the gateway): one learnt from a peer's packets
		 * without either is left alone, as no one answers for it */
		hop_refresh(lc, rt, now);
	}
	if (now >= rt->next_rtcp) {
		struct dp_rtcp_interval in = {
			.members = 2, .senders = 2,
			.avg_rtcp_size = 100,
			.we_sent = rt->tx_pkts > 0,
		};
		if (*ntp == 0)
			*ntp = ntp_now();
		rtcp_out(lc, rt, now, *ntp);
		rt->next_rtcp = now + dp_rtcp_interval_us(&in,
			(uint32_t)(now ^ (now >> 32)) * 2654435761u) *
			(lc->tsc_hz / 1000000u);
	}
}

/* An RFC 5227 ARP announcement of each address on its port: a request
 * from the address, for the address, broadcast. */
static DP_COLD void
announce(struct dp_lcore *lc, uint64_t now)
{
	for (unsigned int i = 0; i < lc->n_ports; i++) {
		struct dp_lport *lp = &lc->lp[i];

		for (unsigned int a = 0; a < lp->ifc.n_ip; a++)
			arp_request(lc, lp, lp->ifc.ip_be[a], lp->ifc.ip_be[a]);
	}
	lc->announce_left--;
	lc->next_announce = now + DP_ARP_ANNOUNCE_S * lc->tsc_hz;
}

bool
dp_io_housekeeping_step(struct dp_lcore *lc, uint64_t now, uint32_t budget)
{
	uint64_t ntp = 0;
	uint32_t end = lc->hk_next + budget < lc->n_leg_slots &&
		       lc->hk_next + budget > lc->hk_next ?
		       lc->hk_next + budget : lc->n_leg_slots;

	if (unlikely(lc->announce_left != 0) && now >= lc->next_announce)
		announce(lc, now);

	for (uint32_t i = lc->hk_next; i < end; i++) {
		if (i + 4 < end)
			rte_prefetch0(&lc->rt[i + 4].tl);
		if (lc->rt[i].tl != NULL)
			hk_leg(lc, &lc->rt[i], now, &ntp);
	}
	lc->hk_next = end < lc->n_leg_slots ? end : 0;
	dp_io_flush(lc);
	return lc->hk_next == 0;
}

void
dp_io_housekeeping(struct dp_lcore *lc, uint64_t now)
{
	lc->hk_next = 0;
	dp_io_housekeeping_step(lc, now, UINT32_MAX);
}
