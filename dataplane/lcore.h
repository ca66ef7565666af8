/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcore.h: struct dp_lcore, all the state of one worker lcore, and its main
 * loop. Written only by its own lcore; other threads read only what it
 * publishes in the shared region (stats slot, leg table partition). Shared
 * within dataplane/ because the hot-path modules (ctl, and later rtp, mix)
 * work on it directly.
 */
#ifndef TUTTI_DP_LCORE_H
#define TUTTI_DP_LCORE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "idmap.h"
#include "net.h"
#include "rtcp.h"
#include "rtp.h"
#include "srtp.h"
#include "shm_proto.h"

struct rte_mbuf;
struct rte_mbuf_ext_shared_info;
struct rte_mempool;
struct rte_ring;
struct shm_region;
struct dp_port;
struct dp_tick_conf;
struct dp_tick_leg;

#define DP_BURST	32	/* packets or messages per burst */
#define DP_CTL_BUDGET	32	/* commands applied per control poll */
#define DP_CTL_EVERY	16	/* poll control every 16 loop iterations */

#define DP_PORTS_MAX	4	/* ethdev ports one tutti-dp drives */
#define DP_TX_BURST	32	/* packets queued before a transmit */
/* Packets the port's queue had no room for, kept in order and offered
 * again at every flush (each loop of the worker), before anything newer:
 * a peer or NIC that stops taking packets for a moment (a generator's
 * stall of 3 ms at 1.2 M packets/s) then delays them, not loses them.
 * 4096: 3.4 ms at 1.2 M packets/s; what does not fit is dropped,
 * counted as SHM_DROP_TX_FULL. A power of two. */
#define DP_TX_BACKLOG	4096
#define DP_TICK_CHECK_US	100	/* how often due ticks are looked for */
/* A tick starting this late sheds new concealments (dp_tick_conf's
 * shed_plc): well before a whole ptime, when it would count late */
#define DP_PLC_SHED_US		5000
#define DP_HK_BUDGET	32	/* leg slots housekept per loop iteration */
#define DP_TICK_RX_EVERY	8	/* conferences ticked between rx polls */
#define DP_TICK_RX_BURSTS	4	/* ... each of up to 4 bursts */
#define DP_TICK_BATCH	32	/* due conferences taken at once */
#define DP_TX_STASH	128	/* mbufs taken from the pool at once */
#define DP_TX_SHARED_MAX	8	/* shared payloads per tick (encodings) */
/* --rx-hold-us: a receive poll that brought fewer packets than this is
 * followed by a wait for more (dp_lcore.rx_hold_tsc) */
#define DP_RX_HOLD_BELOW	8
#define DP_RX_HOLD_US_DEFAULT	30
#define DP_RX_HOLD_US_MAX	1000

/* A conference owned by this worker. */
struct dp_conf {
	uint32_t conf_id;	/* 0 = free slot */
	uint32_t rate_hz;
	uint8_t ptime_ms;
	uint8_t n_talkers;
	uint8_t flags;		/* enum shm_conf_flag */
	uint32_t max_legs;	/* 0 = no limit */
	uint32_t n_legs;
	struct dp_tick_conf *tc;	/* its media (tick.h) */
	uint64_t next_tick;	/* TSC */
	uint64_t period;	/* TSC ticks per ptime */
	uint64_t dtmf_lost;	/* tc->st.dtmf_lost in st.dtmf_lost */
	/* a capture of it whole (tuttictl capture CONF all, capture.h):
	 * frames still to capture, 0: none; its legs' rt have cap_conf */
	uint32_t cap_left;
	uint16_t cap_serial;
	uint16_t cap_lost;	/* frames it could not keep (at most 65535) */
};

/* Next hops a worker remembers having asked for in the last second. */
#define DP_ARP_ASKED	8
/* RFC 5227 section 2.3: a host announces an address it takes with
 * ANNOUNCE_NUM (2) ARP announcements ANNOUNCE_INTERVAL (2 s) apart, so
 * that neighbours holding another MAC for it (a standby's) move at once */
#define DP_ARP_ANNOUNCE_NUM	2
#define DP_ARP_ANNOUNCE_S	2

/* The packet path's state of a leg, parallel to dp_lcore.legs; whole
 * cache lines (six), so a prefetch of a leg's lines takes no neighbour's. */
struct dp_leg_rt {
	/* what a packet in or out reads and writes: this line (sending,
	 * only it) and rtp's first two */
	struct dp_tick_leg *tl;		/* NULL: slot free */
	/* flow's headers for its RTP (payload_len 0: to be built, which
	 * needs mac_known); cleared by whatever changes flow */
	struct dp_net_tpl tpl;
	uint32_t tx_pkts, tx_octets;	/* for the SR */
	uint8_t lport;			/* its port: lc->lp[lport] (of
					 * local_key's address) */
	bool cap_conf;			/* cap_left (1) is its conference's
					 * capture: confs[conf_idx] counts */
	uint16_t cap_left;		/* frames still to capture (tuttictl
					 * capture, capture.h); 0: none */
	struct dp_rtp_rx rtp __rte_cache_aligned;
	uint64_t next_arp;		/* TSC: next ARP request */
	uint64_t next_rtcp;		/* TSC: next SR/RR */
	uint64_t rtcp_rx;		/* RTCP compounds accepted */
	/* read when tpl is (re)built, by RTCP and the control path */
	struct dp_net_flow flow;	/* where its RTP goes */
	bool mac_known;			/* flow.dst_mac is the next hop */
	uint32_t hop_be;		/* the next hop: flow.dst_ip_be, or
					 * the gateway (dp_net_next_hop()) */
	uint32_t local_key;		/* dp_io_key(): the local address's
					 * index and RTP port; RTCP on +1 */
	uint32_t conf_idx;
	uint16_t cap_serial;		/* its capture's file (its leg id:
					 * tl->cfg.leg_id) */
	uint16_t cap_lost;		/* frames it could not keep (at most
					 * 65535) */
} __rte_cache_aligned;

_Static_assert(offsetof(struct dp_leg_rt, rtp) == 64,
	       "a leg's sending state is one line");
_Static_assert(sizeof(struct dp_leg_rt) == 6 * 64,
	       "struct dp_leg_rt is six lines");

/* A worker's side of one port: its queues, the port's addressing (its
 * own copy, read on the packet path) and what it has to send there. */
struct dp_lport {
	const struct dp_port *port;
	uint16_t port_id;
	bool has_rxq;			/* polls rxq itself */
	uint16_t rxq, txq;
	uint8_t addr_base;		/* dp_io_key() index of its first address */
	uint8_t tos;			/* IPv4 TOS of what is sent: the
					 * port's DSCP, not ECN-capable */
	uint16_t vlan;			/* the port's VLAN ID (0: none) */
	bool vlan_insert;		/* the port puts the tag on */
	unsigned int tx_flags;		/* enum dp_net_tx_flag */
	struct dp_net_iface ifc;
	uint16_t n_tx;
	struct rte_mbuf *tx[DP_TX_BURST];
	/* DP_TX_BACKLOG: a FIFO from tx_backlog_head, tx_backlog_n long
	 * (what went into it, and its most: st.tx_deferred and
	 * st.tx_backlog_max, the worker's over its ports) */
	uint32_t tx_backlog_head, tx_backlog_n;
	struct rte_mbuf *tx_backlog[DP_TX_BACKLOG];
} __rte_cache_aligned;

/* An SRTP packet built, to be protected (in place, at d + DP_NET_HDR_LEN:
 * len bytes of RTP, tag more to come) and sent */
#define DP_SRTP_TXQ	32

struct dp_srtp_txq {
	struct rte_mbuf *m;
	struct dp_leg_rt *rt;
	struct dp_lport *lp;
	struct dp_srtp *sp;
	uint8_t *d;
	uint32_t len, tag, octets;	/* octets: of RTP payload */
};

struct dp_lcore {
	/* identity, set at start */
	unsigned int worker;		/* index of rings and stats slot */
	unsigned int lcore_id;
	bool is_main;			/* also runs housekeeping */
	struct shm_region *region;
	struct rte_ring *cmd;		/* cp -> this worker */
	struct rte_ring *evt;		/* this worker -> cp */
	struct shm_worker_stats *pub;	/* published copy, in the region */
	struct shm_leg_entry *legs;	/* this worker's leg table partition */
	uint32_t n_leg_slots;
	struct dp_idmap leg_map;	/* leg_id -> index into legs */
	uint32_t *leg_free;		/* stack of free leg indexes */
	uint32_t n_leg_free;
	struct dp_conf *confs;		/* n_conf_slots conferences */
	uint32_t n_conf_slots;
	struct dp_idmap conf_map;	/* conf_id -> index into confs */
	uint32_t *conf_free;		/* stack of free conference indexes */
	uint32_t n_conf_free;

	/* media and packets */
	struct dp_leg_rt *rt;		/* [n_leg_slots] */
	struct dp_tick_work *work;	/* its conferences' ticks work in */
	uint32_t *port_leg;		/* [port_leg_addrs << 16]: local
					 * address and RTP port (dp_io_key())
					 * -> leg index + 1, 0: none (one
					 * load, and neighbouring ports share
					 * lines) */
	uint32_t port_leg_addrs;	/* addresses port_leg has room for */
	uint32_t n_cap;			/* its legs being captured (rt's
					 * cap_left != 0; capture.h) */
	/* its legs with SHM_LEG_SRTP: their state by leg index, NULL for
	 * the others (srtp.h); and how many there are, so that a worker
	 * without any reads nothing more */
	struct dp_srtp **srtp;		/* [n_leg_slots] */
	uint32_t n_srtp;
	/* the conferences with a tick: a binary min-heap by next_tick
	 * (dp_lcore_sched_add()), so that the due ones are found without
	 * looking at the others, and run earliest first after a stall; each
	 * entry has its conference's next_tick, so that sifting reads only
	 * the heap's own lines */
	struct dp_sched_ent {
		uint64_t due;		/* confs[conf].next_tick */
		uint32_t conf;
	} *active;
	uint32_t n_active;
	uint64_t next_tick_check;	/* TSC */
	/* receive batching (--rx-hold-us): after a poll that brought fewer
	 * than DP_RX_HOLD_BELOW packets the queue is left until next_rx,
	 * so that the next poll takes a burst: its legs' lines are then
	 * fetched side by side (rx_burst()'s prefetches) and the queue's
	 * own cost is spread over the burst, where one packet a poll waits
	 * for each of its lines in turn. 0: poll every loop (the default
	 * of dp_lcore_init(); tutti-dp sets it) */
	uint64_t rx_hold_tsc;
	uint64_t next_rx;		/* TSC */
	uint64_t last_poll;		/* TSC of the previous dp_io_poll() */
	uint64_t poll_gap_max;		/* TSC, st.poll_gap_ns_max's */
	uint32_t snapshot_seq;		/* dp_snapshot_seq last seen */
	uint64_t tick_check_tsc;
	uint64_t tick_late_tsc[SHM_TICK_LATE_BUCKETS - 1];	/* edges */
	uint64_t plc_shed_tsc;		/* DP_PLC_SHED_US in TSC cycles */
	/* the ports, in dp_io_attach()'s order (0: no NIC, control only),
	 * and the port of each address (dp_io_key()'s index: the ports'
	 * addresses one after another) */
	struct dp_lport *lp;		/* [DP_PORTS_MAX] */
	unsigned int n_ports;
	uint8_t addr_lp[DP_NET_ADDRS_MAX];
	struct rte_mempool *pool;
	struct rte_ring *dispatch;	/* what other workers received for it */
	struct dp_net_stats net_st;
	struct dp_rtcp_stats rtcp_st;
	uint64_t rtp_drops[DP_RTP_DROP_MAX_];
	uint64_t srtp_drops[DP_SRTP_DROP_MAX_];	/* st.srtp_drops by reason */
	uint64_t n_dispatched;		/* packets passed to their owner */
	uint16_t n_stash;		/* of tx_stash, taken from the back */
	struct rte_mbuf *tx_stash[DP_TX_STASH];	/* from the pool or
						 * received; not reset */
	uint32_t tx_data_off;		/* bytes from an mbuf to its data */
	bool tx_zc;			/* shared payloads attached, not copied
					 * (only if the port's tx_multi_seg) */
	uint32_t n_tx_shared;		/* entries of tx_shared in use */
	struct dp_io_shared {		/* this tick's shared payloads */
		const uint8_t *payload;	/* the tick's shared buffer */
		uint32_t len_bytes;
		uint16_t sum;		/* dp_net_csum_fold() of it */
		uint16_t n_att;		/* listeners attached to carrier */
		struct rte_mbuf *carrier;	/* a copy, sent as external
						 * buffer; NULL: copied */
		struct rte_mbuf_ext_shared_info *shinfo;  /* carrier's */
	} tx_shared[DP_TX_SHARED_MAX];

	/* the next hops last asked for by ARP, and when (housekeeping):
	 * one many legs share, a gateway, is asked for once a second; by
	 * port index << 32 | address */
	struct {
		uint64_t key;
		uint64_t tsc;
	} arp_asked[DP_ARP_ASKED];
	uint32_t arp_asked_next;	/* the oldest: replaced next */
	/* RFC 5227 announcements of the ports' addresses still to send
	 * (worker 0, from its start: DP_ARP_ANNOUNCE_NUM), the next at
	 * next_announce (TSC) */
	uint8_t announce_left;
	uint64_t next_announce;

	/* timing */
	uint64_t tsc_hz;
	uint64_t start_tsc;
	uint64_t next_pub_tsc;		/* publish stats */
	uint64_t pub_period_tsc;
	uint32_t pubs_per_evt;		/* stats event every n publishes */
	uint32_t pubs;
	uint64_t idle_sleep_us;		/* 0 = poll without sleeping */
	/* admission (--admit-busy): new legs are refused while the last
	 * whole second, from adm_t0, was busy admit_busy_pct % or more or
	 * ran a tick late, or would be with the legs admitted since
	 * (st.overloaded; dp_lcore_admit()); 0 = never */
	uint32_t admit_busy_pct;
	uint64_t adm_t0, adm_busy0, adm_late0;
	uint32_t adm_busy_ppm;		/* the last second's busy share */
	uint32_t adm_legs;		/* legs at its end */
	uint32_t adm_added;		/* legs admitted since */
	bool hk_run;			/* a housekeeping pass is under way */
	bool evt_muted;			/* no control plane: no events
					 * offered (dp_ctl_send_evt) */
	uint32_t cp_told;		/* the control plane (its pid) told
					 * who talks (0: none yet) */
	uint32_t hk_next;		/* leg slot it goes on with */
	uint64_t last_late_ticks;	/* at the previous stats event */

	/* private counters, copied to pub by dp_lcore_publish() */
	struct shm_worker_stats st;

	/* SRTP packets a tick built, protected together at its end or when
	 * full (io.c: srtp_flush()), each leg's session asked for as its
	 * packet was queued; last, out of the plain path's lines */
	uint32_t n_srtp_txq;
	struct dp_srtp_txq srtp_txq[DP_SRTP_TXQ];
} __rte_cache_aligned;

/*
 * Allocate the lcore's tables on its NUMA socket (cold path, before the
 * loop runs): max_confs conferences, and the leg table partition of the
 * region for this worker. Returns 0 or -ENOMEM.
 */
int dp_lcore_init(struct dp_lcore *lc, struct shm_region *region,
		  unsigned int worker, unsigned int lcore_id,
		  uint32_t max_confs);

/* Free what dp_lcore_init() allocated. */
void dp_lcore_fini(struct dp_lcore *lc);

/* The packets waiting in lc's transmit backlogs, all ports. */
static inline uint32_t
dp_lcore_tx_backlog(const struct dp_lcore *lc)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < lc->n_ports; i++)
		n += lc->lp[i].tx_backlog_n;
	return n;
}

/* Set by the signal handler; every loop checks it. */
extern volatile bool dp_quit;
/* Bumped after each snapshot (tutti-dp's SIGUSR1): each worker starts its
 * maxima (st.poll_gap_ns_max, st.tick_ns_max) afresh at its next publish,
 * so that they cover the time since, as its counters' differences do. */
extern uint32_t dp_snapshot_seq;

/*
 * Run the worker loop on the calling lcore until dp_quit. arg is a
 * struct dp_lcore *. Returns 0. Launched with rte_eal_remote_launch() or
 * called directly on the main lcore.
 */
int dp_lcore_run(void *arg);

/*
 * Move the ticks of conferences set up before the worker's loop began
 * (static provisioning at start-up) to their next slot on their own
 * phase after now: a conference cannot tick before its worker runs, so
 * that wait is not late ticks. Called by dp_lcore_run() as it starts.
 */
void dp_lcore_start_ticks(struct dp_lcore *lc, uint64_t now);

/*
 * The tick schedule (lc->active). Add conference index i, whose next_tick
 * is set (and stays so while it is in); take i out, wherever it is (cold:
 * a search); take out the first, the conference due soonest (n_active >
 * 0). O(log n_active); a conference put back a ptime on, behind all the
 * rest, costs O(1). Owning lcore.
 */
void dp_lcore_sched_add(struct dp_lcore *lc, uint32_t i);
void dp_lcore_sched_del(struct dp_lcore *lc, uint32_t i);
uint32_t dp_lcore_sched_pop(struct dp_lcore *lc);

/*
 * Admission of a new leg (--admit-busy): false if the worker is at its
 * limit (st.overloaded), or would be with one more leg than it has
 * admitted since the last whole second, each costing what a leg cost
 * then (busy share / legs): then st.overloaded is set until the next
 * second decides, and the refusal counted. A burst of joins within one
 * second cannot take the worker past its limit. True when admission is
 * off. The caller counts a leg it adds in adm_added. Owning lcore.
 */
bool dp_lcore_admit(struct dp_lcore *lc);

/* Copy the private counters into the region (seqlock). Owning lcore. */
void dp_lcore_publish(struct dp_lcore *lc, uint64_t now);

/*
 * Housekeeping of the main lcore (heartbeat, control-plane presence, logs),
 * defined in main.c; called by dp_lcore_run() when lc->is_main.
 */
void dp_housekeeping(uint64_t now_tsc);

#endif /* TUTTI_DP_LCORE_H */
