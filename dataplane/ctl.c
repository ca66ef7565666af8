/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl.c: applies control-plane commands on the worker that owns the
 * conference (see ctl.h). Worker lcore; called every DP_CTL_EVERY loop
 * iterations with a bounded budget. The leg table in the region is the data
 * plane's published truth: entries are written here, under the entry's
 * seqlock, and never move while active.
 */
#include "ctl.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "capture.h"
#include "io.h"
#include "shm_msg.h"
#include "shm_region.h"
#include "shm_ring.h"

static uint32_t dp_pid_cached;

/* The pid of a control plane found dead, 0: none. Relaxed: a worker
 * that reads it late mutes or unmutes one control poll later. */
static uint32_t cp_lost_pid;

void
dp_ctl_set_cp_lost(uint32_t pid)
{
	__atomic_store_n(&cp_lost_pid, pid, __ATOMIC_RELAXED);
}

int
dp_ctl_send_evt(struct dp_lcore *lc, const struct shm_msg *m)
{
	if (lc->evt_muted && m->hdr.type != SHM_EVT_STATUS) {
		lc->st.drops[SHM_DROP_EVT_NO_CP]++;
		return -ENOTCONN;
	}
	if (shm_ring_send(lc->evt, m, 1) != 1) {
		lc->st.drops[SHM_DROP_EVT_FULL]++;
		return -ENOBUFS;
	}
	lc->st.evts++;
	return 0;
}

struct dp_conf *
dp_ctl_conf_find(struct dp_lcore *lc, uint32_t conf_id)
{
	uint32_t i;

	return dp_idmap_get(&lc->conf_map, conf_id, &i) ? &lc->confs[i] : NULL;
}

struct shm_leg_entry *
dp_ctl_leg_find(struct dp_lcore *lc, uint32_t leg_id)
{
	uint32_t i;

	return dp_idmap_get(&lc->leg_map, leg_id, &i) ? &lc->legs[i] : NULL;
}

static void
conf_set(struct dp_conf *c, uint32_t conf_id, const struct shm_msg_conf *b)
{
	c->conf_id = conf_id;
	c->rate_hz = b->rate_hz;
	c->ptime_ms = b->ptime_ms;
	c->n_talkers = b->n_talkers ? b->n_talkers : 4;
	c->flags = b->flags;
	c->max_legs = b->max_legs;
	if (c->tc != NULL) {	/* what can change while it runs */
		c->tc->mix.cfg.max_talkers = b->n_talkers == 0 ?
			DP_MIX_DEFAULT_K : b->n_talkers == 255 ? DP_MIX_ALL :
			b->n_talkers;
		c->tc->mix.cfg.limiter = (b->flags & SHM_CONF_LIMITER) != 0;
	}
}

static int
conf_create(struct dp_lcore *lc, const struct shm_msg *m)
{
	struct dp_conf *c = dp_ctl_conf_find(lc, m->hdr.conf_id);
	const struct shm_msg_conf *b = &m->body.conf;
	uint64_t now = rte_rdtsc(), ms = lc->tsc_hz / 1000u;
	uint32_t i;
	int rc;

	if (b->n_talkers > DP_MIX_MAX_K && b->n_talkers != 255)
		return -EINVAL;
	if (c != NULL) {	/* replay: same conference, new params */
		if (c->rate_hz != b->rate_hz || c->ptime_ms != b->ptime_ms)
			return -EBUSY;	/* not while it runs */
		conf_set(c, m->hdr.conf_id, b);
		return 0;
	}
	if (lc->n_conf_free == 0)
		return -ENOSPC;
	i = lc->conf_free[lc->n_conf_free - 1];
	c = &lc->confs[i];
	memset(c, 0, sizeof(*c));
	c->tc = rte_zmalloc_socket("dp_tick_conf", sizeof(*c->tc),
				   RTE_CACHE_LINE_SIZE,
				   (int)rte_lcore_to_socket_id(lc->lcore_id));
	if (c->tc == NULL)
		return -ENOMEM;
	rc = dp_tick_conf_init(c->tc, m->hdr.conf_id, b, lc->tsc_hz,
			       lc->work);
	if (rc == 0)
		rc = dp_idmap_put(&lc->conf_map, m->hdr.conf_id, i);
	if (rc < 0) {
		rte_free(c->tc);
		c->tc = NULL;
		return rc;
	}
	lc->n_conf_free--;
	conf_set(c, m->hdr.conf_id, b);
	/* ticks on a 1 ms grid, spread over the ptime by conference */
	c->period = ms * b->ptime_ms;
	c->next_tick = (now / c->period + 1) * c->period +
		       (i % b->ptime_ms) * ms;
	dp_lcore_sched_add(lc, i);
	lc->st.n_confs++;
	return 0;
}

/* The packet path's side of a leg goes (its tick leg is freed by the
 * caller: dp_tick_leg_remove() or dp_tick_conf_fini()). */
static void
leg_rt_clear(struct dp_lcore *lc, struct dp_leg_rt *rt)
{
	if (rt->tl == NULL)
		return;
	lc->port_leg[rt->local_key] = 0;
	dp_io_port_release(lc, rt->local_key);
	memset(rt, 0, sizeof(*rt));
}

/*
 * Leg i's SRTP state as its flags say: made for SHM_LEG_SRTP (no key yet:
 * nothing in or out until SHM_CMD_LEG_SRTP gives both), gone without it;
 * a tx session follows a new SSRC. Returns 0, -ENOMEM or -EIO.
 */
static int
srtp_sync(struct dp_lcore *lc, uint32_t i, const struct shm_msg_leg *l)
{
	struct dp_srtp **s = &lc->srtp[i];

	if (!(l->flags & SHM_LEG_SRTP)) {
		if (*s != NULL) {
			dp_srtp_free(*s);
			*s = NULL;
			lc->n_srtp--;
		}
		return 0;
	}
	if (*s != NULL)
		return dp_srtp_set_ssrc(*s, l->ssrc);
	*s = dp_srtp_new();
	if (*s == NULL)
		return -ENOMEM;
	lc->n_srtp++;
	return 0;
}

static void
leg_free(struct dp_lcore *lc, struct shm_leg_entry *e)
{
	uint32_t idx = (uint32_t)(e - lc->legs);
	struct shm_msg_leg none = { .flags = 0 };

	srtp_sync(lc, idx, &none);	/* its keys gone */

	dp_cap_stop(lc, &lc->rt[idx], e->leg.leg_id);	/* its file closed */
	leg_rt_clear(lc, &lc->rt[idx]);
	dp_idmap_del(&lc->leg_map, e->leg.leg_id);
	shm_pub_begin(&e->pub_seq);
	e->state = SHM_LEG_FREE;
	shm_pub_end(&e->pub_seq);
	lc->leg_free[lc->n_leg_free++] = idx;
	lc->st.n_legs--;
}

static int
conf_destroy(struct dp_lcore *lc, const struct shm_msg *m)
{
	struct dp_conf *c = dp_ctl_conf_find(lc, m->hdr.conf_id);
	uint32_t i;

	if (c == NULL)
		return -ENOENT;
	/* Cold: a destroy is rare; scan the partition for its legs. */
	for (uint32_t k = 0; k < lc->n_leg_slots && c->n_legs > 0; k++) {
		struct shm_leg_entry *e = &lc->legs[k];

		if (e->state == SHM_LEG_ACTIVE && e->conf_id == c->conf_id) {
			leg_free(lc, e);
			c->n_legs--;
		}
	}
	dp_cap_conf_stop(lc, c);	/* its file closed */
	dp_idmap_get(&lc->conf_map, c->conf_id, &i);
	dp_idmap_del(&lc->conf_map, c->conf_id);
	lc->st.dtmf_lost += c->tc->st.dtmf_lost - c->dtmf_lost;
	dp_tick_conf_fini(c->tc);
	rte_free(c->tc);
	c->tc = NULL;
	dp_lcore_sched_del(lc, i);
	c->conf_id = 0;
	lc->conf_free[lc->n_conf_free++] = i;
	lc->st.n_confs--;
	return 0;
}

static void
leg_write(struct shm_leg_entry *e, uint32_t conf_id, uint16_t worker,
	  const struct shm_msg_leg *l, bool fresh)
{
	shm_pub_begin(&e->pub_seq);
	e->state = SHM_LEG_ACTIVE;
	e->conf_id = conf_id;
	e->worker = worker;
	e->leg = *l;
	if (fresh) {
		e->rx_pkts = 0;
		e->tx_pkts = 0;
		e->lost = 0;
		e->jitter_us = 0;
		e->concealed = 0;
		e->srtp_rx_known = 0;
		e->srtp_rx_ssrc = 0;
		e->srtp_rx_roc = 0;
		e->srtp_rx_seq = 0;
	}
	shm_pub_end(&e->pub_seq);
}

/* Media and packet state of a new leg in slot i of conference c. */
static int
leg_rt_setup(struct dp_lcore *lc, struct dp_conf *c, uint32_t i,
	     const struct shm_msg_leg *l)
{
	struct dp_leg_rt *rt = &lc->rt[i];
	struct dp_rtp_rx_cfg rc_cfg;
	uint64_t now = rte_rdtsc();
	int rc, err;

	memset(rt, 0, sizeof(*rt));
	rc = dp_rtp_rx_cfg_from_leg(&rc_cfg, l, lc->tsc_hz);
	if (rc == 0)
		rc = dp_rtp_rx_init(&rt->rtp, &rc_cfg);
	if (rc < 0)
		return rc;
	rc = dp_io_leg_flow(lc, rt, l);
	if (rc == 0)
		rc = dp_io_port_claim(lc, rt->local_key);
	if (rc == 0 && lc->port_leg[rt->local_key] != 0)
		rc = -EADDRINUSE;
	if (rc < 0)
		return rc;
	rt->tl = dp_tick_leg_add(c->tc, l, rt, now, &err);
	if (rt->tl == NULL) {
		dp_io_port_release(lc, rt->local_key);
		return err;
	}
	lc->port_leg[rt->local_key] = i + 1;
	rt->conf_idx = (uint32_t)(c - lc->confs);
	rt->next_rtcp = now + lc->tsc_hz * 5 / 2;	/* RFC 3550: 2.5 s */
	return 0;
}

/* New parameters for a running leg (re-INVITE, or a replayed add). */
static int
leg_rt_update(struct dp_lcore *lc, uint32_t i, const struct shm_msg_leg *l)
{
	struct dp_leg_rt *rt = &lc->rt[i];
	/* a copy: the tick leg's cfg becomes l */
	const struct shm_msg_leg o = rt->tl->cfg;
	int rc;

	if (l->local_port != o.local_port ||
	    memcmp(l->local_addr, o.local_addr, 4) != 0)
		return -EINVAL;	/* a new port or address is a new leg */
	rc = dp_tick_leg_update(rt->tl, l, rte_rdtsc());
	if (rc < 0)
		return rc;
	if (memcmp(l->addr, o.addr, sizeof(l->addr)) != 0 ||
	    l->remote_port != o.remote_port || l->pt != o.pt ||
	    l->dtmf_pt != o.dtmf_pt || l->rate_hz != o.rate_hz ||
	    ((l->flags ^ o.flags) & SHM_LEG_LATCH)) {
		struct dp_rtp_rx_cfg cfg;

		rc = dp_rtp_rx_cfg_from_leg(&cfg, l, lc->tsc_hz);
		if (rc == 0)
			rc = dp_rtp_rx_init(&rt->rtp, &cfg);
		if (rc < 0)
			return rc;
		/* the same local address as at its add: found */
		rc = dp_io_leg_flow(lc, rt, l);
		if (rc < 0)
			return rc;
	}
	return srtp_sync(lc, i, l);
}

static int
leg_add(struct dp_lcore *lc, const struct shm_msg *m)
{
	struct dp_conf *c = dp_ctl_conf_find(lc, m->hdr.conf_id);
	struct shm_leg_entry *e = dp_ctl_leg_find(lc, m->body.leg.leg_id);
	uint32_t i;
	int rc;

	if (c == NULL)
		return -ENOENT;
	if (e != NULL) {
		if (e->conf_id != c->conf_id)
			return -EEXIST;	/* id in use by another conference */
		rc = leg_rt_update(lc, (uint32_t)(e - lc->legs),
				   &m->body.leg);
		if (rc < 0)
			return rc;
		leg_write(e, c->conf_id, (uint16_t)lc->worker, &m->body.leg,
			  false);	/* replay: idempotent */
		return 0;
	}
	/* a new leg, not one it has (above): refused at the limit */
	if (!dp_lcore_admit(lc))
		return -EAGAIN;
	if (c->max_legs != 0 && c->n_legs >= c->max_legs)
		return -EDQUOT;
	if (lc->n_leg_free == 0)
		return -ENOSPC;
	i = lc->leg_free[lc->n_leg_free - 1];
	rc = leg_rt_setup(lc, c, i, &m->body.leg);
	if (rc < 0)
		return rc;
	rc = srtp_sync(lc, i, &m->body.leg);
	if (rc == 0) {
		rc = dp_idmap_put(&lc->leg_map, m->body.leg.leg_id, i);
		if (rc < 0) {
			struct shm_msg_leg none = { .flags = 0 };

			srtp_sync(lc, i, &none);
		}
	}
	if (rc < 0) {
		dp_tick_leg_remove(lc->rt[i].tl);
		leg_rt_clear(lc, &lc->rt[i]);
		return rc;
	}
	lc->n_leg_free--;
	leg_write(&lc->legs[i], c->conf_id, (uint16_t)lc->worker, &m->body.leg,
		  true);
	c->n_legs++;
	lc->st.n_legs++;
	lc->adm_added++;
	dp_cap_join(lc, c, &lc->rt[i], m->body.leg.leg_id);
	return 0;
}

static int
leg_update(struct dp_lcore *lc, const struct shm_msg *m)
{
	struct shm_leg_entry *e = dp_ctl_leg_find(lc, m->body.leg.leg_id);

	int rc;

	if (e == NULL || e->conf_id != m->hdr.conf_id)
		return -ENOENT;
	rc = leg_rt_update(lc, (uint32_t)(e - lc->legs), &m->body.leg);
	if (rc < 0)
		return rc;
	leg_write(e, e->conf_id, (uint16_t)lc->worker, &m->body.leg, false);
	return 0;
}

static int
leg_remove(struct dp_lcore *lc, const struct shm_msg *m)
{
	struct shm_leg_entry *e = dp_ctl_leg_find(lc, m->body.leg.leg_id);
	struct dp_conf *c;

	if (e == NULL)
		return -ENOENT;
	c = dp_ctl_conf_find(lc, e->conf_id);
	if (c != NULL)
		c->n_legs--;
	dp_tick_leg_remove(lc->rt[e - lc->legs].tl);
	leg_free(lc, e);
	return 0;
}

/* SHM_CMD_LEG_SRTP: one direction's key of a leg with SHM_LEG_SRTP. */
static int
leg_srtp(struct dp_lcore *lc, const struct shm_msg *m)
{
	const struct shm_msg_srtp *b = &m->body.srtp;
	struct shm_leg_entry *e = dp_ctl_leg_find(lc, b->leg_id);
	uint32_t i;
	int rc;

	if (e == NULL || e->conf_id != m->hdr.conf_id)
		return -ENOENT;
	i = (uint32_t)(e - lc->legs);
	if (lc->srtp[i] == NULL)
		return -EINVAL;		/* not an SRTP leg */
	rc = dp_srtp_set_key(lc->srtp[i], b->dir, b->suite, b->key,
			     lc->rt[i].tl->cfg.ssrc);
	if (rc == 0 && (b->flags & SHM_SRTP_F_INDEX))
		/* -EALREADY: the same key, its stream going on */
		dp_srtp_rx_index(lc->srtp[i], b->rx_ssrc, b->rx_roc,
				 b->rx_seq);
	return rc;
}

/* tuttictl capture: the leg's next packets into a file (capture.h). */
static int
capture(struct dp_lcore *lc, const struct shm_msg *m)
{
	const struct shm_msg_capture *b = &m->body.capture;
	struct shm_leg_entry *e;

	if (b->leg_id == 0) {	/* the whole conference */
		struct dp_conf *c = dp_ctl_conf_find(lc, m->hdr.conf_id);

		return c == NULL ? -ENOENT :
		       dp_cap_conf_start(lc, c, b->packets, b->serial);
	}
	e = dp_ctl_leg_find(lc, b->leg_id);
	if (e == NULL)
		return -ENOENT;
	return dp_cap_start(lc, &lc->rt[e - lc->legs], b->leg_id, b->packets,
			    b->serial);
}

int
dp_ctl_apply(struct dp_lcore *lc, const struct shm_msg *m)
{
	int rc = shm_msg_validate(m);

	if (rc == 0 && !shm_msg_is_cmd(m->hdr.type))
		rc = -ENOTSUP;		/* an event sent the wrong way */
	if (rc < 0) {
		lc->st.drops[SHM_DROP_BAD_CMD]++;
		return rc;
	}
	switch (m->hdr.type) {
	case SHM_CMD_HELLO:
		return 0;
	case SHM_CMD_CONF_CREATE:
		return conf_create(lc, m);
	case SHM_CMD_CONF_DESTROY:
		return conf_destroy(lc, m);
	case SHM_CMD_LEG_ADD:
		return leg_add(lc, m);
	case SHM_CMD_LEG_UPDATE:
		return leg_update(lc, m);
	case SHM_CMD_LEG_REMOVE:
		return leg_remove(lc, m);
	case SHM_CMD_CAPTURE:
		return capture(lc, m);
	case SHM_CMD_LEG_SRTP:
		return leg_srtp(lc, m);
	default:
		return -ENOTSUP;	/* unreachable: validated above */
	}
}

unsigned int
dp_ctl_poll(struct dp_lcore *lc, uint64_t now)
{
	struct shm_msg cmds[DP_CTL_BUDGET];
	unsigned int room = rte_ring_free_count(lc->evt), n;

	(void)now;
	if (dp_pid_cached == 0)
		dp_pid_cached = (uint32_t)getpid();
	{
		/* Acquire: pairs with the control plane's release store of
		 * its pid, made before it empties the event rings. */
		uint32_t cp = __atomic_load_n(&lc->region->hdr->cp_pid,
					      __ATOMIC_ACQUIRE);

		lc->evt_muted = cp == 0 || cp == __atomic_load_n(
			&cp_lost_pid, __ATOMIC_RELAXED);
		if (!lc->evt_muted && cp != lc->cp_told) {
			/* a control plane new to this worker (a restarted
			 * tutti-cp takes the calls over, not who talks):
			 * each talker is said again */
			lc->cp_told = cp;
			for (uint32_t i = 0; i < lc->n_conf_slots; i++)
				if (lc->confs[i].conf_id != 0)
					dp_tick_conf_resay(lc->confs[i].tc);
		}
	}
	/* Take only as many commands as statuses fit: none is lost. */
	if (room == 0)
		return 0;
	n = shm_ring_recv(lc->cmd, cmds, room < DP_CTL_BUDGET ? room :
					   DP_CTL_BUDGET);
	for (unsigned int i = 0; i < n; i++) {
		struct shm_msg st;

		shm_msg_init(&st, SHM_EVT_STATUS, cmds[i].hdr.seq,
			     cmds[i].hdr.conf_id);
		st.body.status.status = dp_ctl_apply(lc, &cmds[i]);
		st.body.status.cmd_type = cmds[i].hdr.type;	/* as sent */
		st.body.status.worker = (uint16_t)lc->worker;
		st.body.status.dp_pid = dp_pid_cached;
		st.body.status.generation = lc->region->hdr->generation;
		dp_ctl_send_evt(lc, &st);	/* room was reserved */
		lc->st.cmds++;
	}
	return n;
}
