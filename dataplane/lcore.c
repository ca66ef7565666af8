/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcore.c: the worker lcore's state and main loop. Hot path: everything
 * reached from dp_lcore_run(). One TSC read per iteration, control polled
 * every DP_CTL_EVERY iterations with a bounded budget, stats published on
 * a TSC deadline. Packet I/O and conference ticks join this loop with the
 * data-plane issue.
 */
#include "lcore.h"

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "ctl.h"
#include "io.h"
#include "mem.h"
#include "tick.h"
#include "shm_msg.h"
#include "shm_region.h"
#include "srtp.h"

volatile bool dp_quit;
uint32_t dp_snapshot_seq;

/* The media library's hot state (mem.h) on the DPDK heap (hugepages when
 * there are), on the NUMA node of the worker that allocates it. */
static void *
media_alloc(size_t size)
{
	return rte_malloc_socket("dp_media", size, RTE_CACHE_LINE_SIZE,
				 (int)rte_socket_id());
}

int
dp_lcore_init(struct dp_lcore *lc, struct shm_region *region,
	      unsigned int worker, unsigned int lcore_id, uint32_t max_confs)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	uint32_t conf_slots = dp_idmap_slots_for(max_confs);
	struct dp_idmap_ent *conf_ent, *leg_ent;
	uint32_t leg_slots;

	dp_mem_set_allocator(media_alloc, rte_free);
	memset(lc, 0, sizeof(*lc));
	lc->worker = worker;
	lc->lcore_id = lcore_id;
	lc->region = region;
	lc->cmd = shm_region_cmd_ring(region, worker);
	lc->evt = shm_region_evt_ring(region, worker);
	lc->pub = shm_region_stats(region, worker);
	lc->legs = shm_region_legs(region, worker, &lc->n_leg_slots);
	leg_slots = dp_idmap_slots_for(lc->n_leg_slots);
	lc->n_conf_slots = max_confs;

	lc->confs = rte_zmalloc_socket("dp_confs",
				       sizeof(*lc->confs) * max_confs, 0,
				       socket);
	lc->conf_free = rte_malloc_socket("dp_conf_free",
					  sizeof(uint32_t) * max_confs, 0,
					  socket);
	conf_ent = rte_malloc_socket("dp_conf_map",
				     sizeof(*conf_ent) * conf_slots, 0, socket);
	lc->rt = rte_zmalloc_socket("dp_leg_rt",
				    sizeof(*lc->rt) * lc->n_leg_slots,
				    RTE_CACHE_LINE_SIZE, socket);
	lc->active = rte_malloc_socket("dp_active",
				       sizeof(*lc->active) * max_confs,
				       RTE_CACHE_LINE_SIZE, socket);
	/* one address's ports; dp_io_attach() makes room for more */
	lc->port_leg = rte_zmalloc_socket("dp_port_leg",
					  sizeof(*lc->port_leg) * 65536,
					  RTE_CACHE_LINE_SIZE, socket);
	lc->port_leg_addrs = 1;
	lc->lp = rte_zmalloc_socket("dp_lport", sizeof(*lc->lp) * DP_PORTS_MAX,
				    RTE_CACHE_LINE_SIZE, socket);
	lc->leg_free = rte_malloc_socket("dp_leg_free",
					 sizeof(uint32_t) * lc->n_leg_slots, 0,
					 socket);
	leg_ent = rte_malloc_socket("dp_leg_map",
				    sizeof(*leg_ent) * leg_slots, 0, socket);
	lc->work = rte_zmalloc_socket("dp_tick_work", sizeof(*lc->work),
				      RTE_CACHE_LINE_SIZE, socket);
	lc->srtp = rte_zmalloc_socket("dp_srtp",
				      sizeof(*lc->srtp) * lc->n_leg_slots, 0,
				      socket);
	if (lc->srtp == NULL || lc->confs == NULL || lc->conf_free == NULL || conf_ent == NULL ||
	    lc->leg_free == NULL || leg_ent == NULL || lc->rt == NULL ||
	    lc->active == NULL || lc->port_leg == NULL || lc->work == NULL ||
	    lc->lp == NULL) {
		rte_free(conf_ent);
		rte_free(leg_ent);
		dp_lcore_fini(lc);
		return -ENOMEM;
	}
	dp_idmap_init(&lc->conf_map, conf_ent, conf_slots);
	dp_idmap_init(&lc->leg_map, leg_ent, leg_slots);
	/* Free stacks pop the lowest index first. */
	for (uint32_t i = 0; i < max_confs; i++)
		lc->conf_free[i] = max_confs - 1 - i;
	lc->n_conf_free = max_confs;
	for (uint32_t i = 0; i < lc->n_leg_slots; i++)
		lc->leg_free[i] = lc->n_leg_slots - 1 - i;
	lc->n_leg_free = lc->n_leg_slots;
	lc->st.lcore = lcore_id;
	lc->tsc_hz = rte_get_tsc_hz();
	lc->pub_period_tsc = lc->tsc_hz / 10;	/* 100 ms */
	lc->pubs_per_evt = 10;			/* a stats event a second */
	lc->tick_check_tsc = lc->tsc_hz / 1000000u * DP_TICK_CHECK_US;
	lc->plc_shed_tsc = lc->tsc_hz / 1000000u * DP_PLC_SHED_US;
	for (int b = 0; b < SHM_TICK_LATE_BUCKETS - 1; b++) {
		static const uint32_t edge_ms[] = SHM_TICK_LATE_EDGES_MS;

		lc->tick_late_tsc[b] = lc->tsc_hz / 1000u * edge_ms[b];
	}
	return 0;
}

void
dp_lcore_fini(struct dp_lcore *lc)
{
	if (lc->conf_map.ent != NULL)
		rte_free(lc->conf_map.ent);
	if (lc->leg_map.ent != NULL)
		rte_free(lc->leg_map.ent);
	for (uint32_t k = 0; lc->active != NULL && k < lc->n_active; k++) {
		struct dp_conf *c = &lc->confs[lc->active[k].conf];

		dp_tick_conf_fini(c->tc);
		rte_free(c->tc);
		c->tc = NULL;
	}
	if (lc->work != NULL)	/* after the conferences that used it */
		dp_tick_work_fini(lc->work);
	rte_free(lc->work);
	lc->work = NULL;
	for (uint32_t k = 0; lc->srtp != NULL && k < lc->n_leg_slots; k++)
		dp_srtp_free(lc->srtp[k]);
	rte_free(lc->srtp);
	lc->srtp = NULL;
	lc->n_srtp = 0;
	rte_free(lc->rt);
	rte_free(lc->active);
	lc->rt = NULL;
	lc->active = NULL;
	lc->n_active = 0;
	rte_free(lc->port_leg);
	lc->port_leg = NULL;
	rte_free(lc->lp);
	lc->lp = NULL;
	lc->n_ports = 0;
	rte_free(lc->confs);
	rte_free(lc->conf_free);
	rte_free(lc->leg_free);
	lc->confs = NULL;
	lc->conf_free = NULL;
	lc->leg_free = NULL;
	lc->conf_map.ent = NULL;
	lc->leg_map.ent = NULL;
}

static void
send_stats_evt(struct dp_lcore *lc)
{
	struct shm_msg m;
	uint64_t drops = 0;

	for (int i = 0; i < SHM_DROP_MAX_; i++)
		drops += lc->st.drops[i];
	shm_msg_init(&m, SHM_EVT_STATS, 0, 0);
	m.body.stats.worker = (uint16_t)lc->worker;
	m.body.stats.n_confs = lc->st.n_confs;
	m.body.stats.n_legs = lc->st.n_legs;
	m.body.stats.late_ticks =
		(uint32_t)(lc->st.late_ticks - lc->last_late_ticks);
	m.body.stats.rx_pkts = lc->st.rx_pkts;
	m.body.stats.tx_pkts = lc->st.tx_pkts;
	m.body.stats.drops = drops;
	lc->last_late_ticks = lc->st.late_ticks;
	dp_ctl_send_evt(lc, &m);
}

/*
 * Admission (--admit-busy), once a second: a worker whose last second was
 * busy admit_busy_pct % of its time or more, or ran a tick late, is at its
 * limit, and a new leg would make every conference it owns late; it
 * refuses new legs (dp_ctl: -EAGAIN) until a second that was neither. The
 * legs it has keep going. Within the second, dp_lcore_admit() counts the
 * legs admitted since against the last second's cost of a leg.
 */
static void
admit_window(struct dp_lcore *lc, uint64_t now)
{
	uint64_t total = now - lc->adm_t0;
	uint64_t busy = lc->st.busy_cycles - lc->adm_busy0;
	uint64_t late = lc->st.late_ticks - lc->adm_late0;

	if (total < lc->tsc_hz)
		return;
	if (busy > total)	/* the share in ppm fits 32 bits */
		busy = total;
	lc->st.overloaded = lc->admit_busy_pct != 0 &&
			    (late != 0 ||
			     busy * 100u >= total * lc->admit_busy_pct);
	lc->adm_busy_ppm = (uint32_t)(busy * 1000000u / total);
	lc->adm_legs = (uint32_t)lc->st.n_legs;
	lc->adm_added = 0;
	lc->adm_t0 = now;
	lc->adm_busy0 = lc->st.busy_cycles;
	lc->adm_late0 = lc->st.late_ticks;
}

bool
dp_lcore_admit(struct dp_lcore *lc)
{
	uint64_t legs = lc->adm_legs;

	if (lc->admit_busy_pct == 0)
		return true;
	/* busy share with the legs since and this one, each at the last
	 * second's cost of a leg (none known with no legs then) */
	if (!lc->st.overloaded && legs != 0 &&
	    (uint64_t)lc->adm_busy_ppm * (legs + lc->adm_added + 1) >=
	    legs * lc->admit_busy_pct * 10000u)
		lc->st.overloaded = 1;
	if (lc->st.overloaded) {
		lc->st.new_legs_refused++;
		return false;
	}
	return true;
}

void
dp_lcore_publish(struct dp_lcore *lc, uint64_t now)
{
	struct shm_worker_stats *p = lc->pub;
	/* Acquire: pairs with the release in the snapshot's bump. */
	uint32_t snap = __atomic_load_n(&dp_snapshot_seq, __ATOMIC_ACQUIRE);

	if (unlikely(snap != lc->snapshot_seq)) {
		/* a snapshot was taken: the maxima start afresh */
		lc->snapshot_seq = snap;
		lc->poll_gap_max = 0;
		lc->st.poll_gap_ns_max = 0;
		lc->st.tick_ns_max = 0;
		lc->st.tx_backlog_max = dp_lcore_tx_backlog(lc);
	}
	lc->st.total_cycles = now - lc->start_tsc;
	lc->st.srtp_spills = (uint32_t)dp_srtp_spills();	/* this thread's */
	admit_window(lc, now);
	shm_pub_begin(&p->pub_seq);
	memcpy((uint8_t *)p + sizeof(p->pub_seq),
	       (const uint8_t *)&lc->st + sizeof(lc->st.pub_seq),
	       sizeof(*p) - sizeof(p->pub_seq));
	shm_pub_end(&p->pub_seq);
	if (++lc->pubs % lc->pubs_per_evt == 0)
		send_stats_evt(lc);
}

static void
sched_up(struct dp_lcore *lc, uint32_t pos)
{
	struct dp_sched_ent e = lc->active[pos];

	while (pos > 0) {
		uint32_t up = (pos - 1) / 2;

		if (e.due >= lc->active[up].due)
			break;
		lc->active[pos] = lc->active[up];
		pos = up;
	}
	lc->active[pos] = e;
}

/* Fill the hole at pos from below, then put the last entry into the hole
 * left at the bottom (Floyd's: one comparison a level, the smaller child
 * chosen without a branch; the last entry, due late, hardly rises). */
static void
sched_fill(struct dp_lcore *lc, uint32_t pos)
{
	struct dp_sched_ent *a = lc->active;
	uint32_t n = --lc->n_active, c;

	while ((c = 2 * pos + 1) < n) {
		c += c + 1 < n && a[c + 1].due < a[c].due;
		a[pos] = a[c];
		pos = c;
	}
	if (pos != n) {
		a[pos] = a[n];
		sched_up(lc, pos);
	}
}

static void
sched_down(struct dp_lcore *lc, uint32_t pos)
{
	struct dp_sched_ent *a = lc->active, e = a[pos];
	uint32_t n = lc->n_active, c;

	while ((c = 2 * pos + 1) < n) {
		c += c + 1 < n && a[c + 1].due < a[c].due;
		if (a[c].due >= e.due)
			break;
		a[pos] = a[c];
		pos = c;
	}
	a[pos] = e;
}

void
dp_lcore_sched_add(struct dp_lcore *lc, uint32_t i)
{
	lc->active[lc->n_active] = (struct dp_sched_ent){
		.due = lc->confs[i].next_tick, .conf = i };
	sched_up(lc, lc->n_active++);
}

void
dp_lcore_sched_del(struct dp_lcore *lc, uint32_t i)
{
	for (uint32_t pos = 0; pos < lc->n_active; pos++)	/* cold */
		if (lc->active[pos].conf == i) {
			sched_fill(lc, pos);
			return;
		}
}

uint32_t
dp_lcore_sched_pop(struct dp_lcore *lc)
{
	uint32_t i = lc->active[0].conf;

	sched_fill(lc, 0);
	return i;
}

void
dp_lcore_start_ticks(struct dp_lcore *lc, uint64_t now)
{
	for (uint32_t k = 0; k < lc->n_active; k++) {
		struct dp_conf *c = &lc->confs[lc->active[k].conf];

		if (c->next_tick <= now)
			c->next_tick += ((now - c->next_tick) / c->period + 1) *
					c->period;
		lc->active[k].due = c->next_tick;
	}
	for (uint32_t k = lc->n_active / 2; k-- > 0;)	/* the heap again */
		sched_down(lc, k);
}

int
dp_lcore_run(void *arg)
{
	struct dp_lcore *lc = arg;
	uint64_t idle = 0;

	lc->start_tsc = rte_rdtsc();
	lc->adm_t0 = lc->start_tsc;
	dp_lcore_start_ticks(lc, lc->start_tsc);
	lc->next_pub_tsc = lc->start_tsc;
	/* the addresses are tutti-dp's from now: said once, by worker 0 */
	lc->announce_left = lc->worker == 0 ? DP_ARP_ANNOUNCE_NUM : 0;
	lc->next_announce = lc->start_tsc;
	for (uint64_t it = 0; likely(!dp_quit); it++) {
		uint64_t now = rte_rdtsc();
		unsigned int work = 0;

		work += dp_io_poll(lc, now);
		if ((it & (DP_CTL_EVERY - 1)) == 0)
			work += dp_ctl_poll(lc, now);
		if (unlikely(now >= lc->next_pub_tsc)) {
			dp_lcore_publish(lc, now);
			lc->next_pub_tsc = now + lc->pub_period_tsc;
			lc->hk_run = true;	/* a new pass over the legs */
			if (lc->is_main)
				dp_housekeeping(now);
		}
		if (lc->hk_run)
			lc->hk_run = !dp_io_housekeeping_step(lc, now,
							      DP_HK_BUDGET);
		lc->st.loops++;
		if (work != 0) {
			lc->st.busy_cycles += rte_rdtsc() - now;
			idle = 0;
		} else if (lc->idle_sleep_us != 0 && ++idle >= 1024) {
			/* Opt-in (--idle-sleep-us): only when nothing to do. */
			rte_delay_us_sleep((unsigned int)lc->idle_sleep_us);
		} else {
			rte_pause();
		}
	}
	dp_lcore_publish(lc, rte_rdtsc());
	return 0;
}
