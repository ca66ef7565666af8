/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf.c: conferences and participants of the focus (see conf.h): the SIP
 * callbacks, the data-plane commands they turn into, and what the data
 * plane reports back. Control-plane main thread.
 */
#include "conf.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <arpa/inet.h>

#include "compiler.h"
#include "ctlsock.h"
#include "dpctl.h"
#include "cevt.h"
#include "metrics.h"
#include "log.h"
#include "policy.h"
#include "roster.h"
#include "shm_msg.h"
#include "shm_prov.h"
#include "shm_region.h"
#include "sip.h"
#include "state.h"

/* Why a worker refuses new legs, as the logs and tuttictl say it */
#define AT_LIMIT	"is at its limit (tutti-dp --admit-busy)"

struct part;
struct watcher;

struct conf {
	struct conf *next;
	struct conf **pprev;		/* what points at it in the list */
	struct conf *name_next;		/* in its bucket of f->by_name */
	uint32_t conf_id;
	unsigned int worker;
	char name[CP_CONF_NAME_MAX];	/* user part of its URI */
	bool adhoc;			/* made by the factory: ends empty */
	/* made by tuttictl provision: its legs have no SIP, and it ends
	 * when the last of them (or of anyone) leaves */
	bool prov;
	bool prov_pending;		/* its CONF_CREATE or some of its
					 * legs' LEG_ADD not sent yet */
	bool on_dp;			/* CONF_CREATE sent */
	struct shm_msg_conf params;	/* rate, ptime, talkers, as sent */
	bool locked;			/* no one new joins (but moderators) */
	enum cp_policy_lifetime lifetime;
	char creator[96];	/* who made it, From or asserted ("" standing) */
	bool creator_asserted;		/* by the trust domain (RFC 3325) */
	struct cp_roster *roster;	/* RFC 4575 state, NULL if no memory */
	struct watcher *watchers;	/* SUBSCRIBE Event: conference */
	struct gone *gone;		/* departed, still in the roster */
	/* the policy's <dial-out>: called once, when the focus can; those
	 * its worker was at its limit for, again later (dial_policy()) */
	bool dial_done;
	uint32_t dial_pending;		/* bits of dial[] still to call */
	uint64_t dial_next_ms;		/* mono_ms(): not before */
	uint32_t dial_wait_ms;		/* before the try after next */
	unsigned int n_dial;
	char dial[CP_POLICY_DIAL_MAX][CP_POLICY_URI_MAX];
	uint32_t n_parts;
	struct part *parts;
	/* tuttictl capture CONF next[:PART]: the next participant to join
	 * (whose From has PART; "" any) is captured from its LEG_ADD on */
	bool cap_next;
	uint32_t cap_next_packets;
	char cap_next_match[64];
};

/* A user entity of the roster, at most (a From, or an anonymous one's). */
#define ROSTER_USER_LEN 96

/*
 * An endpoint that left stays in the roster as disconnected, with how and
 * why (RFC 4575 5.7.2, disconnection-method and -info), long enough for
 * every subscriber's next partial to say so; then it is deleted.
 */
struct gone {
	struct gone *next;
	uint64_t until_ms;
	char user[ROSTER_USER_LEN];
	char ep[160];
};

enum part_state {
	PART_JOINING = 0,	/* LEG_ADD sent, INVITE not answered */
	PART_CONNECTED = 1,	/* 200 sent (ACK or not yet) */
	PART_UPDATING = 2,	/* re-INVITE: LEG_UPDATE sent */
	PART_GONE = 3,		/* cancelled while joining */
};

struct part {
	struct part *next;	/* in its conference */
	struct conf *conf;
	uint32_t leg_id;
	uint16_t port;		/* focus RTP port, host order */
	enum part_state state;
	struct cp_sip_req *req;		/* INVITE being answered */
	struct cp_sip_dialog *dialog;	/* once ACKed */
	struct shm_msg_leg leg;		/* as sent to the data plane */
	struct cp_sdp_sess sess;
	char answer[CP_SDP_OUT_MAX];	/* the SDP to send */
	uint8_t op_flags;		/* mute/deaf set by the operator */
	bool talking;			/* the data plane says so */
	bool pin_pending;		/* in, deaf and mute, until the PIN */
	bool held;			/* its SDP put us on hold */
	bool moderator;
	char pin[CP_POLICY_PIN_MAX + 1];	/* digits so far */
	char dtmf[CP_POLICY_DTMF_MAX + 1];	/* command digits so far */
	char auth_user[CP_POLICY_USER_MAX];	/* Digest, or "" */
	bool dialed_out;		/* the focus called it (REFER, tuttictl) */
	/* its INVITE had no SDP: the focus's 2xx offered (answer), and the
	 * answer comes in the ACK (RFC 3261 13.3.1, S-27); a new call's leg
	 * goes to tutti-dp only then */
	bool offered;
	bool restored;			/* taken over; media not yet seen */
	uint64_t restored_rx;		/* its leg's rx_pkts at the takeover */
	struct cp_sip_call *call;	/* dial-out in progress */
	bool dialing;		/* a dial-out in the roster, not connected */
	bool rostered;		/* its endpoint is in the roster */
	bool cancelling;	/* sent away while it rang: CANCEL sent */
	struct cp_sip_sub *refer_sub;	/* who asked, told of progress */
	enum cp_roster_disconnection disc;	/* why the focus hung up */
	const char *disc_reason;		/* static text, bye_reason,
						 * or NULL */
	uint8_t disc_cause;	/* Q.850 cause of the focus's BYE */
	char bye_reason[128];	/* the Reason of its BYE (RFC 3326) */
	bool bye_on_ack;	/* sent away before its ACK came: BYE then */
	/* asked for privacy (RFC 3323): anonymous in the roster */
	bool anon;
	/* from is the identity the trust domain asserted (RFC 3325) */
	bool asserted;
	/* provisioned (tuttictl provision): a leg with no SIP dialog; from
	 * is "prov:ID@A.B.C.D:PORT" (its file's id and remote end) */
	bool prov;
	bool prov_unsent;	/* its LEG_ADD waits for room on the ring */
	bool prov_away;		/* to remove (prov_reap()): kicked, ended,
				 * timed out */
	char from[96];
	/*
	 * SRTP by SDES (RFC 4568; --srtp): the focus's key (master key and
	 * salt), from getrandom() when the part starts and kept for its
	 * dialog, so that answers to re-offers keep it; the peer's and the
	 * suite as offer/answer last settled them (SHM_SRTP_NONE: plain
	 * RTP). srtp_known: both are the ones tutti-dp has (false for a
	 * part taken over after a restart of tutti-cp, whose state file
	 * keeps no keys: tutti-dp goes on with what it has until a
	 * re-INVITE settles new ones). secure: its SIP hop is TLS, so keys
	 * may cross it.
	 */
	uint8_t srtp_key[SHM_SRTP_KEY_BYTES];
	uint8_t srtp_rx_key[SHM_SRTP_KEY_BYTES];
	uint8_t srtp_suite;
	bool srtp_known;
	bool srtp_key_ok;	/* srtp_key came from getrandom() */
	bool secure;
	/* where the peer's SRTP stream was in a tutti-dp that is gone
	 * (cp_focus_dp_lost()), for the next (SHM_SRTP_F_INDEX) */
	bool srtp_index;
	uint16_t srtp_rx_seq;
	uint32_t srtp_rx_ssrc, srtp_rx_roc;
};

static void conf_apply_policy(struct cp_focus *f, struct conf *c);
static void prov_leg_status(struct cp_focus *f, struct part *p, int status);
static struct part *dial_out(struct cp_focus *f, struct conf *c,
			     const char *uri, const char *referred_by,
			     const char *by, const char *why, uint32_t ring_ms,
			     int *err);
static struct part *find_who(struct conf *c, const char *who,
			     bool *ambiguous);
static void conf_uri(const struct cp_focus *f, const struct conf *c,
		     char *out, size_t len);

/* A subscriber to a conference's state (RFC 4575 over RFC 6665). */
struct watcher {
	struct watcher *next;
	struct conf *conf;
	struct cp_sip_sub *sub;
	struct cp_cevt_sub *cs;		/* versions, partials, rate; NULL
					 * while pending */
	uint32_t id;			/* for tuttictl approve/reject */
	bool pending;			/* <confirm>: waits for the operator */
	/* its view (F-81): with the dialog identifiers (<call-info>),
	 * for a moderator who authenticated, else without */
	bool full_view;
	char from[128];
};

/* A worker's counters at the last sample, and the rates since the one
 * before: what tuttictl stats shows as load and packets/s. */
struct rate {
	uint64_t rx, tx, busy, total;
	double rx_pps, tx_pps, load_pct;
};

/*
 * The participants by leg id: tutti-dp's answers and events name a leg by
 * its id, one lookup each. A walk of every conference's list made 20,000
 * provisioned legs' answers quadratic. Open addressing with linear
 * probing, at most half full; a removal shifts the entries after it back
 * (no tombstones). A leg id twice is kept twice (the first found wins, as
 * in the walk); an entry is removed by its participant. Out of memory to
 * grow it, the lookups walk the lists again (bad).
 */
struct leg_ix {
	struct leg_ix_e {
		uint32_t id;
		struct part *p;		/* NULL: free */
	} *e;
	uint32_t mask, n;		/* mask + 1 entries (0: none yet) */
	bool bad;
};

struct cp_focus {
	struct cp_focus_cfg cfg;
	struct cp_dpctl *d;
	struct cp_sip *sip;
	struct conf *confs;
	/* the conferences by name (conf_find()), chained, a bucket for each
	 * at least (by_name_mask + 1 buckets); NULL: none yet, or no memory
	 * for the first (then conf_find() walks the list) */
	struct conf **by_name;
	uint32_t by_name_mask;
	uint32_t next_conf_id;
	uint32_t next_leg_id;
	uint16_t capture_serial;	/* the last tuttictl capture's */
	uint32_t next_watcher_id;
	/* the (address, port) pairs legs take, "slots": slot s is port
	 * rtp_port_min + 2 * (s % n_ports) of media address s / n_ports */
	uint8_t *port_used;	/* one byte per slot */
	uint32_t n_ports;	/* even ports of the range: slots per address */
	uint32_t n_slots, next_slot;
	/* media addresses tutti-dp said it does not own (the last
	 * cp_focus_check_media()): no new leg is given one */
	bool addr_off[CP_CONF_MAX_MEDIA_ADDR];
	/* the prefix of each as tutti-dp has it (network order; all ones:
	 * the address alone, or not known): a participant whose SDP address
	 * lies inside one is given that address (port_rehome()) */
	uint32_t addr_mask[CP_CONF_MAX_MEDIA_ADDR];
	uint32_t *worker_legs;	/* load per worker */
	bool *worker_drained;	/* tuttictl drain: no new conferences */
	struct rate *rates;	/* per worker: the last second's rates */
	uint64_t rates_ms;	/* when they were last sampled */
	const struct cp_policy *policy;	/* NULL: anyone may */
	struct cp_cevt_cfg cevt;	/* notification rate and sizes */
	struct cp_focus_stats st;
	/* the state file (state.h) */
	bool state_ready;	/* taken over: writes may start */
	bool took_over;		/* cp_focus_takeover() ran: the policy's
				 * dial-outs may start (not before: they
				 * would take leg ids the state's calls
				 * hold) */
	bool state_dirty;	/* a change since the last write */
	bool state_failed;	/* the last write failed (logged once) */
	uint64_t state_gen;	/* region generation of the legs */
	uint64_t state_next_ms;	/* no write before (pacing, see state_save) */
	uint64_t restored_check_ms;	/* when to look for media on the legs
					 * taken over; 0 = done */
	/* tuttictl provision: legs whose LEG_ADD waits for room on their
	 * worker's ring (prov_pump()), sent and not answered, and the
	 * outcome of those answered since all were last answered */
	uint32_t prov_unsent, prov_waiting, prov_ok, prov_refused;
	int prov_first_err;		/* the first refusal's status */
	bool prov_reap;			/* some part has prov_away */
	bool prov_busy;			/* some conference has prov_pending */
	uint32_t prov_ended;		/* provisioned conferences ended since
					 * the last prov_reap() said so */
	/* per worker, the commands waiting for room on its ring (dp_send()) */
	struct cmd_q *q;
	/* the participants by leg id (part_link(), part_find_leg()) */
	struct leg_ix ix;
	/* tutti-dp's legs left running unowned at the takeover (no state
	 * to say whose they are), sorted by leg id; state FREE once their
	 * media timed out (orphan_timeout()); freed when none is left */
	struct shm_leg_entry *orphans;
	uint32_t n_orphans, orphans_left;
	uint32_t orphans_removed;	/* since cp_focus_poll() said so */
};

/* Whether from (a From URI, or one asserted: asserted) made the ad hoc
 * conference c; a creator the trust domain asserted is only one asserted
 * again, never a From that anyone can write. */
static bool
made_by(const struct conf *c, const char *from, bool asserted)
{
	return c->creator[0] != '\0' && from != NULL &&
	       strcmp(c->creator, from) == 0 &&
	       (asserted || !c->creator_asserted);
}

/* Who sent req: the identity the trust domain asserted for it (RFC 3325;
 * *asserted true), else its From URI. */
static const char *
req_who(const struct cp_sip_req *req, bool *asserted)
{
	const char *a = cp_sip_req_asserted(req);

	*asserted = a != NULL;
	return a != NULL ? a : cp_sip_req_from(req);
}

static void state_save(struct cp_focus *f);
static void restored_check(struct cp_focus *f);
static void orphan_timeout(struct cp_focus *f, unsigned int worker,
			   const struct shm_msg *ev);

/* Something a restarted tutti-cp would need changed: write the state file
 * from the loop (cp_focus_poll()), once however many changes came. */
static void
state_changed(struct cp_focus *f)
{
	f->state_dirty = true;
}

void
cp_focus_cfg_init(struct cp_focus_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->media_addr[0][10] = cfg->media_addr[0][11] = 0xff;
	cfg->n_media_addr = 1;
	cfg->rtp_port_min = 20000;
	cfg->rtp_port_max = 29998;
	snprintf(cfg->factory, sizeof(cfg->factory), "factory");
	snprintf(cfg->host, sizeof(cfg->host), "127.0.0.1");
	snprintf(cfg->names[0], sizeof(cfg->names[0]), "demo");
	cfg->n_names = 1;
	cfg->rate_hz = 8000;
	cfg->ptime_ms = 20;
	cfg->media_timeout_ms = 30000;
	cfg->ring_timeout_ms = 30000;
	cfg->notify_interval_ms = 1000;
	cp_sdp_cfg_init(&cfg->sdp);
}

int
cp_focus_cfg_set_media_addrs(struct cp_focus_cfg *cfg, const char *list,
			     char *err, size_t errlen)
{
	uint8_t addr[CP_CONF_MAX_MEDIA_ADDR][16] = { { 0 } };
	unsigned int n = 0;
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");
		char one[INET_ADDRSTRLEN];

		if (n == CP_CONF_MAX_MEDIA_ADDR) {
			tutti_errf(err, errlen, "at most %d addresses (those "
				   "of tutti-dp's port)",
				   CP_CONF_MAX_MEDIA_ADDR);
			return -EINVAL;
		}
		if (len == 0) {
			tutti_errf(err, errlen, "an empty address");
			return -EINVAL;
		}
		if (len >= sizeof(one)) {
			tutti_errf(err, errlen, "'%.*s' is not an IPv4 address "
				   "(A.B.C.D)", (int)(len < 40 ? len : 40), p);
			return -EINVAL;
		}
		memcpy(one, p, len);
		one[len] = '\0';
		addr[n][10] = addr[n][11] = 0xff;
		if (inet_pton(AF_INET, one, addr[n] + 12) != 1) {
			tutti_errf(err, errlen, "'%s' is not an IPv4 address "
				   "(A.B.C.D)", one);
			return -EINVAL;
		}
		/* a leg's 0.0.0.0 says "tutti-dp's first address" */
		if (memcmp(addr[n] + 12, "\0\0\0\0", 4) == 0) {
			tutti_errf(err, errlen, "0.0.0.0 is not an address "
				   "tutti-dp can own");
			return -EINVAL;
		}
		for (unsigned int k = 0; k < n; k++)
			if (memcmp(addr[k], addr[n], 16) == 0) {
				tutti_errf(err, errlen, "%s is given twice",
					   one);
				return -EINVAL;
			}
		n++;
		p += len;
		if (*p == '\0')
			break;
		p++;	/* the comma */
	}
	memcpy(cfg->media_addr, addr, sizeof(addr));
	cfg->n_media_addr = n;
	return 0;
}

static uint64_t
rand64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint64_t)random() << 32 ^ (uint64_t)random();
	return v;
}

/* A conference name's bucket of f->by_name, less the mask. */
static inline uint32_t
name_hash(const char *name)
{
	return tutti_fnv1a(TUTTI_FNV1A_INIT, name);
}

static struct conf *
conf_find(struct cp_focus *f, const char *name)
{
	struct conf *c = f->by_name != NULL ?
			 f->by_name[name_hash(name) & f->by_name_mask] :
			 f->confs;

	for (; c != NULL; c = f->by_name != NULL ? c->name_next : c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* c (named, just put at the head of f->confs) into f->by_name; the table
 * twice as large first once it has a conference a bucket. Out of memory,
 * the table it has takes it (longer chains), or the list stays the way. */
static void
name_link(struct cp_focus *f, struct conf *c)
{
	uint32_t n = f->by_name != NULL ? f->by_name_mask + 1 : 0;

	if (f->st.n_confs > n) {
		uint32_t m = n != 0 ? 2 * n : 256;
		struct conf **b = calloc(m, sizeof(*b));

		if (b != NULL) {	/* every conference again, c too */
			for (struct conf *d = f->confs; d != NULL;
			     d = d->next) {
				uint32_t h = name_hash(d->name) & (m - 1);

				d->name_next = b[h];
				b[h] = d;
			}
			free(f->by_name);
			f->by_name = b;
			f->by_name_mask = m - 1;
			return;
		}
	}
	if (f->by_name != NULL) {
		uint32_t h = name_hash(c->name) & f->by_name_mask;

		c->name_next = f->by_name[h];
		f->by_name[h] = c;
	}
}

/* c out of f->confs and f->by_name. */
static void
conf_unlink(struct cp_focus *f, struct conf *c)
{
	*c->pprev = c->next;
	if (c->next != NULL)
		c->next->pprev = c->pprev;
	if (f->by_name != NULL) {
		struct conf **pp =
			&f->by_name[name_hash(c->name) & f->by_name_mask];

		while (*pp != NULL && *pp != c)
			pp = &(*pp)->name_next;
		if (*pp == c)
			*pp = c->name_next;
	}
}

/* The conference's roster: its URI, description, and lock. */
static void
roster_start(struct cp_focus *f, struct conf *c, const char *subject,
	     uint32_t max_users)
{
	char uri[128];
	struct cp_roster_uri cu, su;
	struct cp_roster_avail_media am = { .label = "audio", .type = "audio",
					    .status =
						    CP_ROSTER_MEDIA_SENDRECV };
	struct cp_roster_desc d = { .subject = subject && subject[0] ?
						       subject : NULL,
				    .conf_uris = &cu, .n_conf_uris = 1,
				    .service_uris = &su, .n_service_uris = 1,
				    .maximum_user_count = max_users,
				    .media = &am, .n_media = 1 };

	conf_uri(f, c, uri, sizeof(uri));
	cu = (struct cp_roster_uri){ .uri = uri, .purpose = "participation" };
	su = (struct cp_roster_uri){ .uri = uri, .purpose = "event" };
	if (c->roster == NULL && cp_roster_create(&c->roster, uri, 0) < 0)
		return;
	cp_roster_set_desc(c->roster, &d);
	cp_roster_set_locked(c->roster, c->locked);
}

static uint64_t
mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* c's roster changed: each subscriber's next partial document is due
 * (cp_focus_poll() sends them, at most one per interval). */
static void
roster_changed(struct conf *c)
{
	uint64_t now = mono_ms();

	for (struct watcher *w = c->watchers; w != NULL; w = w->next)
		if (w->cs != NULL)
			cp_cevt_sub_note_change(w->cs, now);
}

/*
 * p's user in the RFC 4575 roster: its From, or, for a participant that
 * asked for privacy, sip:anonymousN@anonymous.invalid with N its leg id,
 * unique (RFC 4575 5.6, 8.2: no URI of it shows who it is). In buf.
 */
static const char *
roster_user(const struct part *p, char *buf, size_t len)
{
	if (p->anon)
		snprintf(buf, len, "sip:anonymous%u@anonymous.invalid",
			 p->leg_id);
	else
		snprintf(buf, len, "%s", p->from);
	return buf;
}

/* p's endpoint in the roster: its roster user and leg (never its
 * Contact, so nothing of an anonymous one's). */
static void
ep_of(const struct part *p, char *out, size_t len)
{
	char u[ROSTER_USER_LEN];

	snprintf(out, len, "%s;leg=%u", roster_user(p, u, sizeof(u)),
		 p->leg_id);
}

static enum cp_roster_media_dir
roster_dir(uint8_t shm_dir)
{
	/* the focus's view in shm_msg_leg; the roster wants the peer's */
	switch (shm_dir) {
	case SHM_DIR_SENDONLY:
		return CP_ROSTER_MEDIA_RECVONLY;
	case SHM_DIR_RECVONLY:
		return CP_ROSTER_MEDIA_SENDONLY;
	case SHM_DIR_INACTIVE:
		return CP_ROSTER_MEDIA_INACTIVE;
	default:
		return CP_ROSTER_MEDIA_SENDRECV;
	}
}

/*
 * p's dialog in its endpoint's <call-info> (F-74), once there is one;
 * never an anonymous one's (F-82). Only moderators' views show it
 * (struct watcher).
 */
static void
roster_call_info(struct conf *c, const struct part *p, const char *u,
		 const char *ep)
{
	const char *id, *ft, *tt;

	if (p->anon || p->dialog == NULL ||
	    cp_sip_dialog_ids(p->dialog, &id, &ft, &tt) < 0)
		return;
	cp_roster_ep_set_call_info(c->roster, u, ep, id, ft, tt);
}

/* p's endpoint (ep, of roster user u) joined now (when) with status st,
 * its user added if missing: true, or false if it was there already. */
static bool
roster_ep_join(struct conf *c, const struct part *p, const char *u,
	       const char *ep, enum cp_roster_ep_status st,
	       const struct cp_roster_exec *when)
{
	if (!cp_roster_has_user(c->roster, u))
		cp_roster_user_add(c->roster, u, NULL);
	if (cp_roster_ep_add(c->roster, u, ep, NULL, st) != 0)
		return false;
	cp_roster_ep_set_joining(c->roster, u, ep, p->dialed_out ?
				 CP_ROSTER_JOIN_DIALED_OUT :
				 CP_ROSTER_JOIN_DIALED_IN, when);
	return true;
}

/* p's endpoint as the roster should show it now (joined or changed). */
static void
roster_part(struct conf *c, struct part *p)
{
	struct cp_roster_exec when = { .when_s = (int64_t)time(NULL) };
	char ep[160];
	struct cp_roster_media m = { .id = "1", .type = "audio",
				     .label = "audio",
				     .dir = roster_dir(p->leg.dir) };
	const char *roles[1] = { "moderator" };
	char ub[ROSTER_USER_LEN];
	const char *u;

	/* a provisioned leg is no SIP user: not in RFC 4575's roster */
	if (c->roster == NULL || p->prov)
		return;
	u = roster_user(p, ub, sizeof(ub));
	ep_of(p, ep, sizeof(ep));
	if (!roster_ep_join(c, p, u, ep, CP_ROSTER_EP_CONNECTED, &when) &&
	    p->dialing) {
		/* a dial-out's endpoint, there from its INVITE on: in now */
		cp_roster_ep_set_status(c->roster, u, ep,
					CP_ROSTER_EP_CONNECTED);
		cp_roster_ep_set_joining(c->roster, u, ep,
					 CP_ROSTER_JOIN_DIALED_OUT, &when);
	}
	p->dialing = false;
	if (p->moderator)
		cp_roster_user_set_roles(c->roster, u, roles, 1);
	p->rostered = true;
	cp_roster_ep_set_muted(c->roster, u, ep,
			       (p->op_flags & SHM_LEG_MUTE) || p->pin_pending);
	cp_roster_ep_set_held(c->roster, u, ep, p->held);
	cp_roster_media_set(c->roster, u, ep, &m);
	roster_call_info(c, p, u, ep);
	roster_changed(c);
}

/*
 * A dial-out's endpoint from its INVITE on (RFC 4575 5.7.3, F-26):
 * dialing-out (alerting on a 180 or 183, connected once in), joined by
 * dialed-out, and <referred> by by (who asked by REFER) if not NULL.
 */
static void
roster_dial_out(struct conf *c, struct part *p, const char *by)
{
	struct cp_roster_exec when = { .when_s = (int64_t)time(NULL) };
	char ep[160], ub[ROSTER_USER_LEN];
	const char *u;

	if (c->roster == NULL)
		return;
	u = roster_user(p, ub, sizeof(ub));
	ep_of(p, ep, sizeof(ep));
	if (!roster_ep_join(c, p, u, ep, CP_ROSTER_EP_DIALING_OUT, &when))
		return;
	if (by != NULL) {
		when.by = by;
		cp_roster_ep_set_referred(c->roster, u, ep, &when);
	}
	p->dialing = true;
	p->rostered = true;
	roster_changed(c);
}

/* How long a departed endpoint stays (struct gone): two notification
 * intervals and a margin, so the partial that says so is built first. */
static uint64_t
linger_ms(const struct cp_focus *f)
{
	return 2 * (uint64_t)f->cfg.notify_interval_ms + 500;
}

/* p's endpoint is disconnected: say how and why, delete it later. */
static void
roster_leave(struct cp_focus *f, struct conf *c, struct part *p)
{
	struct cp_roster_exec info = {
		.when_s = (int64_t)time(NULL),
		.reason = p->disc_reason,
	};
	struct gone *g;
	char ep[160], ub[ROSTER_USER_LEN];
	const char *u = roster_user(p, ub, sizeof(ub));

	if (c->roster == NULL || !cp_roster_has_user(c->roster, u))
		return;
	ep_of(p, ep, sizeof(ep));
	cp_roster_ep_set_status(c->roster, u, ep,
				CP_ROSTER_EP_DISCONNECTED);
	cp_roster_ep_set_disconnection(c->roster, u, ep,
				       p->disc != CP_ROSTER_DISC_NONE ?
				       p->disc : CP_ROSTER_DISC_DEPARTED,
				       &info);
	roster_changed(c);
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		cp_roster_ep_remove(c->roster, u, ep);
		return;		/* deleted at once: still a true roster */
	}
	g->until_ms = mono_ms() + linger_ms(f);
	snprintf(g->user, sizeof(g->user), "%s", u);
	snprintf(g->ep, sizeof(g->ep), "%s", ep);
	g->next = c->gone;
	c->gone = g;
}

/* Delete the departed endpoints whose time is up (all with all), and
 * their users when nothing else of theirs is left. */
static void
roster_reap(struct conf *c, uint64_t now, bool all)
{
	struct gone **gp = &c->gone, *g;
	bool changed = false;

	while ((g = *gp) != NULL) {
		bool keep_user = false;

		if (!all && g->until_ms > now) {
			gp = &g->next;
			continue;
		}
		*gp = g->next;
		if (c->roster != NULL) {
			cp_roster_ep_remove(c->roster, g->user, g->ep);
			for (struct part *q = c->parts; q != NULL;
			     q = q->next) {
				char ub[ROSTER_USER_LEN];

				keep_user |= strcmp(roster_user(q, ub,
								sizeof(ub)),
						    g->user) == 0 &&
					     (q->state != PART_JOINING ||
					      q->rostered);
			}
			for (struct gone *o = c->gone; o != NULL; o = o->next)
				keep_user |= strcmp(o->user, g->user) == 0;
			if (!keep_user)
				cp_roster_user_remove(c->roster, g->user);
			changed = true;
		}
		free(g);
	}
	if (changed)
		roster_changed(c);
}

/* Q.850 causes of the focus's BYEs (RFC 3326 Reason). */
enum {
	Q850_NORMAL = 16,	/* normal call clearing */
	Q850_TEMPORARY = 41,	/* temporary failure */
	Q850_NO_RESOURCE = 47,	/* resource unavailable */
	Q850_TIMER = 102,	/* recovery on timer expiry */
};

/* Why the focus sends a participant away, as a Reason header (RFC
 * 3326): Q.850 cause (0: normal clearing), text why (NULL: none); in
 * buf. */
static const char *
q850_reason(uint8_t cause, const char *why, char *buf, size_t len)
{
	if (why == NULL)
		why = "";
	snprintf(buf, len, "Q.850;cause=%u%s%s%s",
		 cause != 0 ? cause : Q850_NORMAL, why[0] ? ";text=\"" : "",
		 why, why[0] ? "\"" : "");
	return buf;
}

/* The BYE of p (on dialog d), its Reason saying why: Q.850 cause
 * p->disc_cause, text p->disc_reason. */
static int
part_bye(struct cp_focus *f, struct part *p, struct cp_sip_dialog *d)
{
	char reason[160];

	return cp_sip_dialog_bye_why(f->sip, d,
				     q850_reason(p->disc_cause, p->disc_reason,
						 reason, sizeof(reason)));
}

/* How and why p leaves: the roster's <disconnection-method> and the Reason's
 * Q.850 cause and text. */
static void
part_disc(struct part *p, enum cp_roster_disconnection how, uint8_t cause,
	  const char *why)
{
	p->disc = how;
	p->disc_cause = cause;
	p->disc_reason = why;
}

/*
 * Hang up on p (BYE), saying in the roster how and why it left, and in the
 * BYE's Reason Q.850 cause (a Q850_ value).
 */
static int
send_away(struct cp_focus *f, struct part *p,
	  enum cp_roster_disconnection how, uint8_t cause, const char *why)
{
	if (p->call != NULL && f->sip != NULL) {
		/* a dial-out not answered yet: CANCEL saying why (its 487
		 * frees it; a 2xx that crosses the CANCEL gets a BYE) */
		char reason[160];
		int rc = cp_sip_invite_cancel_why(
			f->sip, p->call,
			q850_reason(cause, why, reason, sizeof(reason)));

		if (rc < 0 && rc != -EALREADY)
			return rc;
		part_disc(p, how, cause, why);
		p->cancelling = true;
		return 0;
	}
	if (!p->prov && p->req != NULL && p->state == PART_JOINING &&
	    f->sip != NULL) {
		/* a dial-in whose leg tutti-dp has not answered yet: 603
		 * saying why (RFC 6432), and its leg goes when tutti-dp
		 * answers (on_leg_status()) */
		char reason[160];
		const char *const hdr[1][2] = {
			{ "Reason", q850_reason(cause, why, reason,
						sizeof(reason)) }
		};

		cp_sip_reply_hdrs(f->sip, p->req, 603, hdr, 1, NULL, NULL);
		LOG_INFO("conference %s: %s turned away while joining (603): "
			 "%s", p->conf->name, p->from,
			 why != NULL ? why : "sent away");
		f->st.refused++;
		p->req = NULL;
		p->state = PART_GONE;
		part_disc(p, how, cause, why);
		return 0;
	}
	if (!p->prov && (f->sip == NULL || (p->dialog == NULL &&
					      p->state != PART_CONNECTED &&
					      !p->offered)))
		return -ENOTCONN;
	part_disc(p, how, cause, why);
	if (p->prov) {
		/* no call to end: its leg goes (at once, or when the data
		 * plane has answered its LEG_ADD) */
		if (p->state == PART_JOINING && !p->prov_unsent) {
			p->state = PART_GONE;	/* on_leg_status() frees it */
		} else if (p->state != PART_GONE) {
			p->prov_away = true;
			f->prov_reap = true;
		}
		return 0;
	}
	if (p->dialog == NULL) {
		/* 200 sent, no ACK yet: the callee may send BYE only once
		 * the ACK is in (RFC 3261 15), so it goes then (or the
		 * dialog ends for want of the ACK) */
		p->bye_on_ack = true;
		return 0;
	}
	return part_bye(f, p, p->dialog);
}

/* Whether worker w refuses new legs now (tutti-dp --admit-busy). */
static bool
worker_overloaded(struct cp_focus *f, uint32_t w)
{
	struct shm_worker_stats s;

	if (!f->d->up)
		return false;
	shm_read_stats(shm_region_stats(&f->d->region, w), &s);
	return s.overloaded != 0;
}

/* Whether worker w is to take no new conference: drained by the operator
 * (tuttictl drain) or refusing new legs. */
static bool
worker_closed(struct cp_focus *f, uint32_t w)
{
	return f->worker_drained[w] || worker_overloaded(f, w);
}

static struct conf *
conf_new(struct cp_focus *f, const char *name, bool adhoc)
{
	struct conf *c = calloc(1, sizeof(*c));
	uint32_t n_w, best = 0;
	bool o_best;

	if (c == NULL)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->adhoc = adhoc;
	c->conf_id = ++f->next_conf_id;
	c->params.rate_hz = f->cfg.rate_hz;
	c->params.ptime_ms = f->cfg.ptime_ms;
	c->params.n_talkers = f->cfg.talkers;
	c->params.flags = f->cfg.limiter ? SHM_CONF_LIMITER : 0;
	/* the least loaded worker owns it from now on: the one with the
	 * fewest legs of those not refusing new ones (tutti-dp
	 * --admit-busy) nor drained by the operator, if any */
	n_w = f->d->up ? f->d->region.hdr->n_workers : 1;
	o_best = worker_closed(f, 0);
	for (uint32_t w = 1; w < n_w; w++) {
		bool o_w = worker_closed(f, w);

		if (o_w < o_best ||
		    (o_w == o_best &&
		     f->worker_legs[w] < f->worker_legs[best])) {
			best = w;
			o_best = o_w;
		}
	}
	c->worker = best;
	c->next = f->confs;
	if (c->next != NULL)
		c->next->pprev = &c->next;
	c->pprev = &f->confs;
	f->confs = c;
	f->st.n_confs++;
	name_link(f, c);
	conf_apply_policy(f, c);
	if (c->roster == NULL)
		roster_start(f, c, NULL, 0);
	return c;
}

/* ---- commands to the data plane, in order, however many at once ----
 *
 * A worker's ring holds a few thousand commands (SHM_RING_SLOTS_DEFAULT).
 * Ending a conference of thousands of provisioned legs, or telling a
 * restarted tutti-dp every leg again, sends more than that at once: what
 * does not fit waits here, in order, and goes as tutti-dp takes the ring's
 * commands (cp_focus_poll()). Once one waits, the worker's next commands
 * wait behind it, so a worker sees them in the order they were made.
 */

struct cmd_qe {
	struct shm_msg m;
	cp_dpctl_status_fn fn;		/* as cp_dpctl_send()'s */
	void *cookie;
};

struct cmd_q {
	struct cmd_qe *e;		/* ring of cap entries */
	uint32_t head, n, cap;
};

static int
q_push(struct cmd_q *q, const struct shm_msg *m, cp_dpctl_status_fn fn,
       void *cookie)
{
	if (q->n == q->cap) {
		uint32_t cap = q->cap ? 2 * q->cap : 1024;
		struct cmd_qe *e = malloc(cap * sizeof(*e));

		if (e == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < q->n; i++)
			e[i] = q->e[(q->head + i) % q->cap];
		free(q->e);
		q->e = e;
		q->head = 0;
		q->cap = cap;
	}
	q->e[(q->head + q->n) % q->cap] = (struct cmd_qe){ *m, fn, cookie };
	q->n++;
	return 0;
}

/* Whether commands wait for worker w's ring. */
static bool
q_busy(const struct cp_focus *f, unsigned int w)
{
	return w < SHM_MAX_WORKERS && f->q[w].n != 0;
}

/*
 * Send m to worker w after the commands that wait for it; if the ring is
 * full, m waits too. fn (may be NULL) gets its status as with
 * cp_dpctl_send(). Returns 0 (sent or waiting), or -ENOTCONN, -EINVAL or
 * -ENOMEM: not sent, and fn is not called.
 */
static int
dp_send(struct cp_focus *f, unsigned int w, struct shm_msg *m,
	cp_dpctl_status_fn fn, void *cookie)
{
	int64_t rc = -EAGAIN;

	if (w >= SHM_MAX_WORKERS)
		return -EINVAL;
	if (!q_busy(f, w))
		rc = cp_dpctl_send(f->d, w, m, fn, cookie);
	if (rc != -EAGAIN)
		return rc < 0 ? (int)rc : 0;
	if (!f->d->up)
		return -ENOTCONN;
	return q_push(&f->q[w], m, fn, cookie);
}

/*
 * Send what waits, as the rings have room (cp_focus_poll()); with
 * tutti-dp gone, each waiting command fails with -ENOTCONN, as those sent
 * do. With drop, nothing is sent: each fails with -ENOTCONN (a new
 * tutti-dp is told everything again by cp_focus_replay()).
 */
static void
q_flush(struct cp_focus *f, bool drop)
{
	for (unsigned int w = 0; w < SHM_MAX_WORKERS; w++) {
		struct cmd_q *q = &f->q[w];

		while (q->n != 0) {
			struct cmd_qe e = q->e[q->head];
			int64_t rc = drop ? -ENOTCONN :
				     cp_dpctl_send(f->d, w, &e.m, e.fn,
						   e.cookie);

			if (rc == -EAGAIN)
				break;
			q->head = (q->head + 1) % q->cap;
			q->n--;
			if (rc >= 0)
				continue;
			/* after the pop: fn may send (and push) again */
			f->st.dp_errors += rc != -ENOTCONN;
			if (e.fn != NULL)
				e.fn(e.cookie, &e.m, (int)rc);
		}
	}
}

/*
 * Send m to worker w, fn to be told its status (its cookie: a malloc'd
 * block holding f, which fn frees). With wait, as dp_send(): it may wait
 * for room on the ring. Without, now or not at all: -EAGAIN while the
 * ring is full or commands wait for it (prov_pump() then stops for that
 * worker). Returns 0 or -errno (fn is not called).
 */
static int
send_told(struct cp_focus *f, unsigned int w, struct shm_msg *m,
	  cp_dpctl_status_fn fn, bool wait)
{
	void **cookie = malloc(sizeof(void *));
	int64_t rc;

	if (cookie == NULL)
		return -ENOMEM;
	cookie[0] = f;
	if (wait)
		rc = dp_send(f, w, m, fn, cookie);
	else
		rc = q_busy(f, w) ? -EAGAIN :
		     cp_dpctl_send(f->d, w, m, fn, cookie);
	if (rc < 0) {
		free(cookie);
		return (int)rc;
	}
	return 0;
}

/* c's CONF_CREATE or CONF_DESTROY as the data plane takes it. */
static void
conf_msg(const struct conf *c, uint16_t type, struct shm_msg *m)
{
	shm_msg_init(m, type, 0, c->conf_id);
	m->body.conf = c->params;
}

static void
send_conf(struct cp_focus *f, struct conf *c, uint16_t type)
{
	struct shm_msg m;

	conf_msg(c, type, &m);
	if (dp_send(f, c->worker, &m, NULL, NULL) < 0)
		f->st.dp_errors++;
	c->on_dp = type == SHM_CMD_CONF_CREATE;
	state_changed(f);
}

static void
conf_end(struct cp_focus *f, struct conf *c)
{
	if (c->on_dp)
		send_conf(f, c, SHM_CMD_CONF_DESTROY);
	roster_reap(c, 0, true);
	conf_unlink(f, c);
	if (c->prov)	/* thousands at once: prov_reap() sums them up */
		f->prov_ended++;
	else
		LOG_INFO("conference %s ended", c->name);
	f->st.n_confs--;
	/* RFC 4575: subscribers get a final NOTIFY, noresource */
	while (c->watchers != NULL) {
		struct watcher *w = c->watchers;
		struct cp_cevt_doc doc = { 0 };

		c->watchers = w->next;
		w->conf = NULL;
		if (w->cs != NULL && f->sip != NULL &&
		    cp_cevt_sub_deleted(w->cs, &doc) == 0) {
			cp_sip_notify(f->sip, w->sub,
				      "application/conference-info+xml",
				      doc.xml, CP_SIP_SUB_TERMINATED,
				      "noresource", 0);
			cp_cevt_doc_free(&doc);
		} else if (w->pending && f->sip != NULL) {
			cp_sip_notify(f->sip, w->sub, NULL, NULL,
				      CP_SIP_SUB_TERMINATED, "noresource", 0);
		}
		cp_cevt_sub_destroy(w->cs);
		w->cs = NULL;	/* w itself goes on on_sub_end */
	}
	cp_roster_destroy(c->roster);
	free(c);
}

int
cp_focus_new(struct cp_focus **out, const struct cp_focus_cfg *cfg,
	     struct cp_dpctl *d)
{
	struct cp_focus *f;

	if (cfg->rtp_port_min < 1024 || cfg->rtp_port_min % 2 != 0 ||
	    cfg->rtp_port_max < cfg->rtp_port_min ||
	    cfg->rtp_port_max > 65534 || cfg->n_media_addr == 0 ||
	    cfg->n_media_addr > CP_CONF_MAX_MEDIA_ADDR ||
	    cfg->factory[0] == '\0')
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	f->cfg = *cfg;
	/* capture files of a restarted tutti-cp's: not the names of its
	 * predecessor's (leg ids go on from the state file) */
	f->capture_serial = (uint16_t)time(NULL);
	/* SDP asks for the conference's tick, and what the focus sends a
	 * leg is a whole number of ticks (the data plane refuses others) */
	f->cfg.sdp.ptime_ms = f->cfg.ptime_ms;
	f->d = d;
	cp_cevt_cfg_default(&f->cevt);
	f->cevt.interval_ms = cfg->notify_interval_ms;
	f->cevt.hold_ms = cfg->notify_interval_ms / 10;
	f->n_ports = (cfg->rtp_port_max - cfg->rtp_port_min) / 2 + 1;
	f->n_slots = cfg->n_media_addr * f->n_ports;
	memset(f->addr_mask, 0xff, sizeof(f->addr_mask));
	f->port_used = calloc(f->n_slots, 1);
	f->worker_legs = calloc(SHM_MAX_WORKERS, sizeof(uint32_t));
	f->worker_drained = calloc(SHM_MAX_WORKERS, sizeof(bool));
	f->rates = calloc(SHM_MAX_WORKERS, sizeof(*f->rates));
	f->q = calloc(SHM_MAX_WORKERS, sizeof(*f->q));
	if (f->port_used == NULL || f->worker_legs == NULL ||
	    f->worker_drained == NULL || f->rates == NULL || f->q == NULL) {
		cp_focus_free(f);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < cfg->n_names; i++)
		if (conf_new(f, cfg->names[i], false) == NULL) {
			cp_focus_free(f);
			return -ENOMEM;
		}
	*out = f;
	return 0;
}

void
cp_focus_free(struct cp_focus *f)
{
	if (f == NULL)
		return;
	while (f->confs != NULL) {
		struct conf *c = f->confs;

		while (c->parts != NULL) {
			struct part *p = c->parts;

			c->parts = p->next;
			free(p);
		}
		f->confs = c->next;
		roster_reap(c, 0, true);
		cp_roster_destroy(c->roster);
		free(c);
	}
	for (unsigned int w = 0; f->q != NULL && w < SHM_MAX_WORKERS; w++) {
		/* every cookie conf.c gives a command is a malloc'd block
		 * its callback would free */
		for (uint32_t i = 0; i < f->q[w].n; i++)
			free(f->q[w].e[(f->q[w].head + i) % f->q[w].cap].cookie);
		free(f->q[w].e);
	}
	free(f->q);
	free(f->ix.e);
	free(f->by_name);
	free(f->orphans);
	free(f->port_used);
	free(f->worker_legs);
	free(f->worker_drained);
	free(f->rates);
	free(f);
}

void
cp_focus_set_policy(struct cp_focus *f, const struct cp_policy *p)
{
	bool first = f->policy == NULL;

	f->policy = p;
	if (first)	/* the standing conferences start as it says */
		for (struct conf *c = f->confs; c != NULL; c = c->next)
			conf_apply_policy(f, c);
}

void
cp_focus_set_sip(struct cp_focus *f, struct cp_sip *sip)
{
	f->sip = sip;
}

const struct cp_focus_stats *
cp_focus_stats(const struct cp_focus *f)
{
	return &f->st;
}

/*
 * The slot of a leg (its local_addr and local_port), or UINT32_MAX if it
 * is none of ours: a leg of an earlier tutti-cp run with other
 * --media-ip or --rtp-ports.
 */
static uint32_t
leg_slot(const struct cp_focus *f, const struct shm_msg_leg *leg)
{
	uint16_t port = ntohs(leg->local_port);
	unsigned int a = 0;

	if (port < f->cfg.rtp_port_min || port > f->cfg.rtp_port_max)
		return UINT32_MAX;
	/* 0.0.0.0 is tutti-dp's first address: our first */
	if (memcmp(leg->local_addr, "\0\0\0\0", 4) != 0)
		while (a < f->cfg.n_media_addr &&
		       memcmp(f->cfg.media_addr[a] + 12, leg->local_addr,
			      4) != 0)
			a++;
	if (a == f->cfg.n_media_addr)
		return UINT32_MAX;
	return a * f->n_ports + (uint32_t)(port - f->cfg.rtp_port_min) / 2;
}

/* The focus's RTP address of leg, IPv4-mapped (what its SDP says). */
static void
leg_local_addr(const struct cp_focus *f, const struct shm_msg_leg *leg,
	       uint8_t addr[16])
{
	memcpy(addr, f->cfg.media_addr[0], 16);
	if (memcmp(leg->local_addr, "\0\0\0\0", 4) != 0)
		memcpy(addr + 12, leg->local_addr, 4);
}

/* The same as text, for logs and tuttictl. */
static const char *
leg_local_ip(const struct cp_focus *f, const struct shm_msg_leg *leg,
	     char ip[INET_ADDRSTRLEN])
{
	uint8_t addr[16];

	leg_local_addr(f, leg, addr);
	return inet_ntop(AF_INET, addr + 12, ip, INET_ADDRSTRLEN);
}

/* Slot i is p's. */
static void
slot_use(struct cp_focus *f, struct part *p, uint32_t i)
{
	f->port_used[i] = 1;
	p->port = (uint16_t)(f->cfg.rtp_port_min + 2 * (i % f->n_ports));
	p->leg.local_port = htons(p->port);
	if (f->cfg.n_media_addr > 1 ||
	    (f->d->up && f->d->region.hdr->n_addrs > 0))
		memcpy(p->leg.local_addr, f->cfg.media_addr[i / f->n_ports] + 12,
		       4);
}

/*
 * Give p a free slot: p->port and its leg's local port and address. The
 * slots are taken in turn from the last one taken, so the first
 * address's ports go first, then the next's. The leg names its address
 * when there are several, and when tutti-dp says which it owns (it then
 * refuses one it does not: the participant is refused, not given an SDP
 * that sends its RTP where nobody listens); otherwise 0.0.0.0, tutti-dp's
 * first (a tutti-dp with no port owns none).
 */
static int
port_take(struct cp_focus *f, struct part *p)
{
	for (uint32_t k = 0; k < f->n_slots; k++) {
		uint32_t i = (f->next_slot + k) % f->n_slots;

		if (f->port_used[i] || f->addr_off[i / f->n_ports])
			continue;
		slot_use(f, p, i);
		f->next_slot = i + 1;
		return 0;
	}
	return -ENOSPC;
}

/* true if peer_be (network order) lies inside the prefix of media address
 * a, as tutti-dp has it. */
static bool
media_on_link(const struct cp_focus *f, unsigned int a, uint32_t peer_be)
{
	uint32_t ip;

	memcpy(&ip, f->cfg.media_addr[a] + 12, 4);
	return ((ip ^ peer_be) & f->addr_mask[a]) == 0;
}

/*
 * A new participant at peer (network order: its offer's address, or a
 * dial-out's host) that lies inside the prefix of one of the media
 * addresses, and not of the one its slot has, is given a free slot on
 * that one: a focus with a port on each of several networks (tutti-dp
 * --addr 0=A/24 --addr 1=B/24) gives each participant the address on its
 * own, not the first address's ports first. Returns true if p moved (its
 * SDP is to be made again).
 */
static bool
port_rehome(struct cp_focus *f, struct part *p, uint32_t peer)
{
	uint32_t cur = leg_slot(f, &p->leg);
	char ip[INET_ADDRSTRLEN];

	if (f->cfg.n_media_addr < 2 || cur == UINT32_MAX || peer == 0 ||
	    media_on_link(f, cur / f->n_ports, peer))
		return false;
	for (unsigned int a = 0; a < f->cfg.n_media_addr; a++) {
		if (f->addr_off[a] || !media_on_link(f, a, peer))
			continue;
		for (uint32_t i = a * f->n_ports; i < (a + 1) * f->n_ports;
		     i++) {
			if (f->port_used[i])
				continue;
			f->port_used[cur] = 0;
			slot_use(f, p, i);
			inet_ntop(AF_INET, f->cfg.media_addr[a] + 12, ip,
				  sizeof(ip));
			LOG_INFO("conference %s: %s is on the link of %s: its "
				 "media address", p->conf->name, p->from, ip);
			return true;
		}
	}
	return false;
}

/* The IPv4 address of leg's peer (network order), 0 if none (IPv6, or
 * c=0.0.0.0). */
static uint32_t
offer_ipv4(const struct shm_msg_leg *leg)
{
	uint32_t ip = 0;

	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)leg->addr))
		memcpy(&ip, leg->addr + 12, 4);
	return ip;
}

/* The host of a SIP URI as an IPv4 address (network order), 0 if it is
 * a name or IPv6 ("sip:user@198.19.0.7:5060;transport=udp"). */
static uint32_t
uri_ipv4(const char *uri)
{
	const char *h = strchr(uri, '@');
	char host[INET_ADDRSTRLEN];
	struct in_addr a;
	size_t n;

	h = h != NULL ? h + 1 : strchr(uri, ':') != NULL ?
	    strchr(uri, ':') + 1 : uri;
	n = strcspn(h, ":;>?");
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	return inet_pton(AF_INET, host, &a) == 1 ? a.s_addr : 0;
}

/* The slot of leg is free again (if it is one of ours). */
static void
port_give(struct cp_focus *f, const struct shm_msg_leg *leg)
{
	uint32_t i = leg_slot(f, leg);

	if (i != UINT32_MAX)
		f->port_used[i] = 0;
}

/* What p's SDP says of the focus's end: its leg's address and port;
 * its SRTP key, which may go only over TLS. */
static void
part_local(const struct cp_focus *f, const struct part *p,
	   struct cp_sdp_local *local)
{
	leg_local_addr(f, &p->leg, local->addr);
	local->port = p->port;
	local->dir = SHM_DIR_SENDRECV;
	local->secure = (p->secure || f->cfg.srtp_keys_in_clear) &&
			p->srtp_key_ok;
	memcpy(local->srtp_key, p->srtp_key, sizeof(local->srtp_key));
}

/* A new SRTP key for p (srtp_key_ok false if the kernel gave none: no
 * SRTP for p then). */
static void
part_key_new(struct part *p)
{
	p->srtp_key_ok = getrandom(p->srtp_key, sizeof(p->srtp_key), 0) ==
			 (ssize_t)sizeof(p->srtp_key);
}

/* The user part of a SIP URI ("sip:demo@198.18.0.1;x" -> "demo"). */
static int
uri_user(const char *uri, char *out, size_t len)
{
	const char *p = strchr(uri, ':'), *at;
	size_t n;

	if (p == NULL || (at = strchr(p + 1, '@')) == NULL)
		return -EINVAL;
	n = (size_t)(at - p - 1);
	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(out, p + 1, n);
	out[n] = '\0';
	return 0;
}

static inline uint32_t
ix_home(const struct leg_ix *ix, uint32_t id)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & ix->mask;
}

/* Room for one more, at most half full: 0 or -ENOMEM (ix unchanged). */
static int
ix_room(struct leg_ix *ix)
{
	uint32_t cap = ix->e == NULL ? 64 : 2 * (ix->mask + 1);
	struct leg_ix old = *ix;
	struct leg_ix_e *e;

	if (ix->e != NULL && 2 * (ix->n + 1) <= ix->mask + 1)
		return 0;
	if ((e = calloc(cap, sizeof(*e))) == NULL)
		return -ENOMEM;
	ix->e = e;
	ix->mask = cap - 1;
	for (uint32_t i = 0; old.e != NULL && i <= old.mask; i++) {
		uint32_t k;

		if (old.e[i].p == NULL)
			continue;
		for (k = ix_home(ix, old.e[i].id); e[k].p != NULL;
		     k = (k + 1) & ix->mask)
			;
		e[k] = old.e[i];
	}
	free(old.e);
	return 0;
}

static void
ix_put(struct leg_ix *ix, struct part *p)
{
	uint32_t k;

	if (ix->bad)
		return;
	if (ix_room(ix) < 0) {
		LOG_ERR("out of memory for the index of legs: tutti-dp's "
			"answers and events are matched the slow way");
		ix->bad = true;
		return;
	}
	for (k = ix_home(ix, p->leg_id); ix->e[k].p != NULL;
	     k = (k + 1) & ix->mask)
		;
	ix->e[k].id = p->leg_id;
	ix->e[k].p = p;
	ix->n++;
}

static void
ix_del(struct leg_ix *ix, const struct part *p)
{
	uint32_t i, j;

	if (ix->bad || ix->e == NULL)
		return;
	for (i = ix_home(ix, p->leg_id); ix->e[i].p != p;
	     i = (i + 1) & ix->mask)
		if (ix->e[i].p == NULL)
			return;		/* not in it */
	/* the entries after it that would not be found past the hole move
	 * back into it */
	for (j = i;;) {
		uint32_t h;

		j = (j + 1) & ix->mask;
		if (ix->e[j].p == NULL)
			break;
		h = ix_home(ix, ix->e[j].id);
		if (i <= j ? i < h && h <= j : i < h || h <= j)
			continue;	/* its home is after the hole */
		ix->e[i] = ix->e[j];
		i = j;
	}
	ix->e[i].p = NULL;
	ix->n--;
}

static struct part *
part_find_leg(struct cp_focus *f, uint32_t leg_id)
{
	const struct leg_ix *ix = &f->ix;

	if (!ix->bad) {
		for (uint32_t k = ix->e != NULL ? ix_home(ix, leg_id) : 0;
		     ix->e != NULL && ix->e[k].p != NULL;
		     k = (k + 1) & ix->mask)
			if (ix->e[k].id == leg_id)
				return ix->e[k].p;
		return NULL;
	}
	for (struct conf *c = f->confs; c != NULL; c = c->next)
		for (struct part *p = c->parts; p != NULL; p = p->next)
			if (p->leg_id == leg_id)
				return p;
	return NULL;
}

/* p into c's list of participants, and the index. */
static void
part_link(struct cp_focus *f, struct conf *c, struct part *p)
{
	p->next = c->parts;
	c->parts = p;
	c->n_parts++;
	ix_put(&f->ix, p);
}

/* Unlink and free p; the conference ends if it was ad hoc and is now
 * empty. */
static void
part_free(struct cp_focus *f, struct part *p, bool remove_leg)
{
	struct conf *c = p->conf;
	struct part **pp;

	state_changed(f);
	if ((p->state != PART_JOINING && p->state != PART_GONE) || p->rostered)
		roster_leave(f, c, p);
	if (remove_leg) {
		struct shm_msg m;

		shm_msg_init(&m, SHM_CMD_LEG_REMOVE, 0, c->conf_id);
		m.body.leg.leg_id = p->leg_id;
		if (dp_send(f, c->worker, &m, NULL, NULL) < 0)
			f->st.dp_errors++;
	}
	for (pp = &c->parts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	ix_del(&f->ix, p);
	c->n_parts--;
	f->worker_legs[c->worker]--;
	f->st.n_participants--;
	port_give(f, &p->leg);
	if (c->lifetime == CP_POLICY_END_CREATOR_LEAVES &&
	    made_by(c, p->from, p->asserted)) {
		/* RFC 4579 5.12: the creator's conference ends with it */
		LOG_INFO("conference %s: its creator left: ending it", c->name);
		c->creator[0] = '\0';
		for (struct part *q = c->parts; q != NULL; q = q->next)
			if (q != p)
				send_away(f, q, CP_ROSTER_DISC_BOOTED,
					  Q850_NORMAL, "the conference ended");
	}
	free(p);
	if (c->n_parts == 0 &&
	    (c->prov || (c->adhoc && c->lifetime != CP_POLICY_END_NEVER)))
		conf_end(f, c);
}

/* Refer progress to whoever asked for a dial-out (F-33..F-36). */
static void
refer_progress(struct cp_focus *f, struct part *p, int code, bool final)
{
	if (p->refer_sub == NULL || f->sip == NULL)
		return;
	cp_sip_refer_notify(f->sip, p->refer_sub, code, NULL, final);
	if (final)
		p->refer_sub = NULL;
}

/* The data plane's answer to the LEG_ADD of a participant whose call is
 * answered already: a dial-out, or a caller whose ACK brought the answer
 * (answer_in_ack()). */
static void
answered_leg_status(struct cp_focus *f, struct part *p, int status)
{
	char ip[INET_ADDRSTRLEN];

	if (status < 0) {
		if (status == -EAGAIN)
			LOG_WARN("conference %s: %s %s refused (503): "
				 "worker %u " AT_LIMIT, p->conf->name,
				 p->dialed_out ? "dial-out to" : "call from",
				 p->from, p->conf->worker);
		else
			LOG_WARN("conference %s: leg for %s refused by "
				 "tutti-dp: %s", p->conf->name, p->from,
				 strerror(-status));
		f->st.dp_errors += status != -EAGAIN;
		refer_progress(f, p, 503, true);
		send_away(f, p, CP_ROSTER_DISC_FAILED, Q850_NO_RESOURCE,
			  "no media resources");
		return;
	}
	p->state = PART_CONNECTED;
	f->st.joined++;
	roster_part(p->conf, p);
	state_changed(f);
	refer_progress(f, p, 200, true);
	LOG_INFO("%s joined conference %s, %s (leg %u, %s/%u, RTP port %u, "
		 "RTP address %s)", p->from, p->conf->name,
		 p->dialed_out ? "dialled out" :
				 "the focus's offer answered in the ACK",
		 p->leg_id, shm_codec_name(p->leg.codec), p->leg.rate_hz,
		 p->port, leg_local_ip(f, &p->leg, ip));
}

/* The data plane's answer to a participant's LEG_ADD or LEG_UPDATE. */
static void
on_leg_status(void *cookie, const struct shm_msg *cmd, int status)
{
	struct cp_focus *f = ((void **)cookie)[0];
	uint32_t leg_id = cmd->body.leg.leg_id;
	struct part *p = part_find_leg(f, leg_id);
	char ip[INET_ADDRSTRLEN];

	free(cookie);
	if (p == NULL)
		return;
	if (p->prov) {
		prov_leg_status(f, p, status);
		return;
	}
	if (p->state == PART_GONE) {	/* cancelled meanwhile */
		part_free(f, p, status == 0);
		return;
	}
	if (p->req == NULL && p->state == PART_JOINING) {
		answered_leg_status(f, p, status);
		return;
	}
	if (p->req == NULL)
		return;
	if (status == -EAGAIN && p->state == PART_JOINING) {
		/* its worker is at its limit (tutti-dp --admit-busy): the
		 * calls there keep going, this one may try again (503
		 * says when: Retry-After) */
		LOG_WARN("conference %s: %s refused (503): worker %u "
			 AT_LIMIT, p->conf->name, p->from, p->conf->worker);
		f->st.refused++;
		cp_sip_reply(f->sip, p->req, 503, NULL, NULL);
		p->req = NULL;
		part_free(f, p, false);
		return;
	}
	if (status < 0) {
		LOG_WARN("conference %s: leg %u for %s refused by tutti-dp: "
			 "%s", p->conf->name, leg_id, p->from,
			 strerror(-status));
		f->st.dp_errors++;
		cp_sip_reply(f->sip, p->req, 503, NULL, NULL);
		p->req = NULL;
		if (p->state == PART_JOINING)
			part_free(f, p, false);
		else
			p->state = PART_CONNECTED;
		return;
	}
	if (cp_sip_reply(f->sip, p->req, 200, "application/sdp",
			 p->answer) < 0) {
		/* the INVITE is gone (abandoned, or no memory): no dialog
		 * will ever end this participant, so it goes now */
		LOG_WARN("conference %s: cannot answer %s: dropping leg %u",
			 p->conf->name, p->from, leg_id);
		p->req = NULL;
		if (p->state == PART_JOINING)
			part_free(f, p, true);
		else
			p->state = PART_CONNECTED;	/* re-INVITE */
		return;
	}
	roster_part(p->conf, p);
	state_changed(f);
	if (p->state == PART_JOINING) {
		f->st.joined++;
		LOG_INFO("%s joined conference %s (leg %u, %s/%u%s%s, RTP port "
			 "%u, RTP address %s, worker %u%s%s)", p->from,
			 p->conf->name,
			 leg_id, shm_codec_name(p->leg.codec), p->leg.rate_hz,
			 p->leg.flags & SHM_LEG_SRTP ? ", SRTP " : "",
			 p->leg.flags & SHM_LEG_SRTP ?
			 shm_srtp_suite_name(p->srtp_suite) : "",
			 p->port, leg_local_ip(f, &p->leg, ip),
			 p->conf->worker,
			 p->asserted ? "; identity asserted (P-Asserted-"
				       "Identity)" : "",
			 p->anon ? "; asked for privacy: anonymous in the "
				   "roster" : "");
	}
	p->req = NULL;
	p->state = PART_CONNECTED;
}

static void capture_next_join(struct cp_focus *f, struct part *p);
static void send_keys(struct cp_focus *f, struct part *p);
static void leg_new_ssrc(struct part *p);

static void
send_leg(struct cp_focus *f, struct part *p, uint16_t type)
{
	struct shm_msg m;

	shm_msg_init(&m, type, 0, p->conf->conf_id);
	m.body.leg = p->leg;
	if (send_told(f, p->conf->worker, &m, on_leg_status, true) < 0) {
		f->st.dp_errors++;
		if (p->req != NULL) {
			cp_sip_reply(f->sip, p->req, 503, NULL, NULL);
			p->req = NULL;
		}
		return;
	}
	send_keys(f, p);
	if (type == SHM_CMD_LEG_ADD)
		capture_next_join(f, p);
}

/* ---- provisioning without SIP (tuttictl provision) ----
 *
 * The operator hands tutti-cp a file of tutti-dp --provision's format
 * (shm_prov.h). Its conferences get tutti-cp's ids and are named by their
 * file's id ("7": sip:7@host, which SIP participants may join too); its
 * legs get tutti-cp's leg ids and keep their file's addresses and ports.
 * Everything is checked first (the file, names taken, addresses tutti-dp
 * does not own, ports in use), so a file is taken whole or not at all.
 * The commands then go out as the workers' rings have room (prov_pump()),
 * each leg connected once tutti-dp has taken it. A provisioned leg is a
 * participant without a SIP dialog: in tuttictl list and show, muted,
 * made deaf and kicked as any, kept in the state file across a restart
 * of tutti-cp and sent again to a restarted tutti-dp; not a user in the
 * RFC 4575 roster. A provisioned conference ends with its last leg, or
 * tuttictl end.
 */

/* Every leg sent has its answer: say how the batch went, once. */
static void
prov_done(struct cp_focus *f)
{
	if (f->prov_unsent != 0 || f->prov_waiting != 0 ||
	    f->prov_ok + f->prov_refused == 0)
		return;
	if (f->prov_refused == 0)
		LOG_INFO("provisioning: tutti-dp took all %u leg%s", f->prov_ok,
			 f->prov_ok == 1 ? "" : "s");
	else
		LOG_WARN("provisioning: tutti-dp took %u leg%s and refused %u "
			 "(the first for: %s)", f->prov_ok,
			 f->prov_ok == 1 ? "" : "s", f->prov_refused,
			 f->prov_first_err == -EAGAIN ? "its worker " AT_LIMIT :
			 strerror(-f->prov_first_err));
	f->prov_ok = 0;
	f->prov_refused = 0;
	f->prov_first_err = 0;
}

/* A provisioned leg refused (status < 0): counted, the first one said in
 * full; the part goes. */
static void
prov_refused(struct cp_focus *f, struct part *p, int status)
{
	char ip[INET_ADDRSTRLEN];

	if (f->prov_refused++ == 0) {
		f->prov_first_err = status;
		LOG_WARN("conference %s: provisioned leg %s (RTP address %s "
			 "port %u, worker %u) refused by tutti-dp: %s",
			 p->conf->name, p->from, leg_local_ip(f, &p->leg, ip),
			 p->port, p->conf->worker, status == -EAGAIN ?
			 "its worker " AT_LIMIT : strerror(-status));
	}
	f->st.dp_errors += status != -EAGAIN;
	f->st.refused += status == -EAGAIN;
	part_free(f, p, false);
}

/* The data plane's answer to a provisioned leg's LEG_ADD. */
static void
prov_leg_status(struct cp_focus *f, struct part *p, int status)
{
	if (f->prov_waiting > 0)
		f->prov_waiting--;
	if (status == -ENOTCONN && p->state == PART_JOINING) {
		/* tutti-dp went away first: the next one gets it; an SRTP
		 * leg with another SSRC (the one gone may have sent with
		 * its key from index 0, as the next one will) */
		if (p->leg.flags & SHM_LEG_SRTP)
			leg_new_ssrc(p);
		p->prov_unsent = true;
		p->conf->prov_pending = true;
		f->prov_busy = true;
		f->prov_unsent++;
		return;
	}
	if (p->state == PART_GONE)	/* removed meanwhile */
		part_free(f, p, status == 0);
	else if (status < 0)
		prov_refused(f, p, status);
	else {
		p->state = PART_CONNECTED;
		f->prov_ok++;
		f->st.joined++;
		state_changed(f);
	}
	prov_done(f);
}

/* Send provisioned p's LEG_ADD. Returns 0, or cp_dpctl_send()'s error
 * (-EAGAIN: its worker's ring is full) or -ENOMEM. */
static int
prov_send(struct cp_focus *f, struct part *p)
{
	struct shm_msg m;
	int rc;

	shm_msg_init(&m, SHM_CMD_LEG_ADD, 0, p->conf->conf_id);
	m.body.leg = p->leg;
	if ((rc = send_told(f, p->conf->worker, &m, on_leg_status, false)) ==
	    0) {
		send_keys(f, p);	/* queued behind it if need be */
		capture_next_join(f, p);
	}
	return rc;
}

/* The data plane's answer to a provisioned conference's CONF_CREATE: a
 * refusal is said here, as its legs are refused with it. */
static void
on_prov_conf_status(void *cookie, const struct shm_msg *cmd, int status)
{
	struct cp_focus *f = ((void **)cookie)[0];

	free(cookie);
	if (status >= 0 || status == -ENOTCONN)
		return;
	f->st.dp_errors++;
	for (struct conf *c = f->confs; c != NULL; c = c->next)
		if (c->conf_id == cmd->hdr.conf_id) {
			LOG_WARN("provisioned conference %s refused by tutti-dp "
				 "(worker %u): %s; its legs go with it",
				 c->name, c->worker, strerror(-status));
			return;
		}
}

/*
 * Send what provisioning has waiting (cp_focus_poll(), and at once after
 * tuttictl provision): each conference's CONF_CREATE, then its legs'
 * LEG_ADD, until a worker's ring is full; the rest on a later call, as
 * tutti-dp takes the commands.
 */
static void
prov_pump(struct cp_focus *f)
{
	uint64_t full = 0;	/* bit w: worker w's ring is full */
	uint32_t n_w;

	if (!f->prov_busy || !f->d->up)
		return;
	f->prov_busy = false;	/* until a conference is found pending */
	n_w = f->d->region.hdr->n_workers;
	for (struct conf *c = f->confs; c != NULL; c = c->next) {
		bool more = false;

		if (!c->prov_pending)
			continue;
		if (c->worker >= n_w) {
			/* a new tutti-dp with fewer workers */
			f->worker_legs[0] += c->n_parts;
			f->worker_legs[c->worker] -= c->n_parts;
			c->worker = 0;
		}
		if (full & (1ULL << c->worker)) {
			f->prov_busy = true;
			continue;
		}
		if (!c->on_dp) {
			struct shm_msg m;
			int rc;

			conf_msg(c, SHM_CMD_CONF_CREATE, &m);
			rc = send_told(f, c->worker, &m, on_prov_conf_status,
				       false);
			if (rc == -EAGAIN) {
				full |= 1ULL << c->worker;
				f->prov_busy = true;
				continue;
			}
			f->st.dp_errors += rc < 0;	/* its legs say so */
			c->on_dp = true;
			state_changed(f);
		}
		for (struct part *p = c->parts, *pn; p != NULL; p = pn) {
			int rc = 0;

			pn = p->next;
			if (!p->prov_unsent)
				continue;
			if ((full & (1ULL << c->worker)) ||
			    (rc = prov_send(f, p)) == -EAGAIN) {
				full |= 1ULL << c->worker;
				more = true;
				break;
			}
			p->prov_unsent = false;
			f->prov_unsent--;
			if (rc == 0) {
				f->prov_waiting++;
				continue;
			}
			if (c->n_parts == 1) {	/* c may end with it */
				prov_refused(f, p, rc);
				more = false;
				c = NULL;
				break;
			}
			prov_refused(f, p, rc);
		}
		if (c == NULL) {
			f->prov_busy = true;	/* the walk goes on at the */
			break;			/* next call */
		}
		c->prov_pending = more;
		f->prov_busy |= more;
	}
	prov_done(f);
}

/* Remove the provisioned legs sent away (tuttictl kick and end, a media
 * timeout): no call to hang up, the leg goes at once. One log line for
 * all, with how many went for each reason. */
#define REAP_WHY_MAX	4
static void
prov_reap(struct cp_focus *f)
{
	const char *why[REAP_WHY_MAX];
	uint32_t n = 0, n_why[REAP_WHY_MAX], k = 0;

	if (!f->prov_reap)
		return;
	f->prov_reap = false;
	for (struct conf *c = f->confs, *cn; c != NULL; c = cn) {
		cn = c->next;
		for (struct part *p = c->parts, *pn; p != NULL; p = pn) {
			bool last = c->n_parts == 1, sent = !p->prov_unsent;
			const char *r = p->disc_reason != NULL ?
					p->disc_reason : "removed";
			uint32_t j = 0;

			pn = p->next;
			if (!p->prov_away)
				continue;
			if (!sent)
				f->prov_unsent--;
			while (j < k && strcmp(why[j], r) != 0)
				j++;
			if (j == k && k < REAP_WHY_MAX) {
				why[k] = r;
				n_why[k++] = 0;
			}
			if (j < k)
				n_why[j]++;
			n++;
			f->st.left++;
			part_free(f, p, sent);
			if (last)
				break;	/* c may have ended with it */
		}
	}
	if (n > 0) {
		char ended[64] = "", reasons[512];
		size_t off = 0;
		uint32_t other = n;

		for (uint32_t j = 0; j < k; j++)
			other -= n_why[j];
		if (k == 1 && other == 0)	/* one reason: as it is */
			k = 0;
		snprintf(reasons, sizeof(reasons), "%s", k == 0 ? why[0] : "");
		off = strlen(reasons);
		for (uint32_t j = 0; j < k && off < sizeof(reasons); j++)
			off += (size_t)snprintf(reasons + off,
						sizeof(reasons) - off,
						"%s%u: %s", j == 0 ? "" : "; ",
						n_why[j], why[j]);
		if (other > 0 && off < sizeof(reasons))
			snprintf(reasons + off, sizeof(reasons) - off,
				 "; %u: other reasons", other);
		if (f->prov_ended > 0)
			snprintf(ended, sizeof(ended), ", %u provisioned "
				 "conference%s ended", f->prov_ended,
				 f->prov_ended == 1 ? "" : "s");
		LOG_INFO("provisioning: %u leg%s removed (%s)%s", n,
			 n == 1 ? "" : "s", reasons, ended);
		f->prov_ended = 0;
	}
	prov_done(f);
}

/* p (zeroed) as a provisioned leg's participant in c, made from its
 * file's LEG_ADD; unsent (prov_pump() sends it). */
static void
prov_part_init(struct cp_focus *f, struct conf *c, struct part *p,
	       const struct shm_msg_leg *leg, uint32_t file_id)
{
	char ip[INET_ADDRSTRLEN];
	uint32_t slot;

	p->conf = c;
	p->prov = true;
	p->prov_unsent = true;
	p->state = PART_JOINING;
	p->leg = *leg;
	p->leg_id = ++f->next_leg_id;
	p->leg.leg_id = p->leg_id;
	p->port = ntohs(leg->local_port);
	p->op_flags = leg->flags & (SHM_LEG_MUTE | SHM_LEG_DEAF);
	if ((slot = leg_slot(f, &p->leg)) != UINT32_MAX)
		f->port_used[slot] = 1;
	inet_ntop(AF_INET, leg->addr + 12, ip, sizeof(ip));
	snprintf(p->from, sizeof(p->from), "prov:%u@%s:%u", file_id, ip,
		 ntohs(leg->remote_port));
	part_link(f, c, p);
	f->st.n_participants++;
	f->prov_unsent++;
	c->prov_pending = true;
	f->prov_busy = true;
}

/* Provisioned p's SRTP key of one direction, from its file's LEG_SRTP
 * (p's leg has SHM_LEG_SRTP): sent after its LEG_ADD (send_keys()), kept
 * in the state file as a SIP participant's. */
static void
prov_part_key(struct part *p, const struct shm_msg_srtp *k)
{
	p->srtp_suite = k->suite;
	memcpy(k->dir == SHM_SRTP_RX ? p->srtp_rx_key : p->srtp_key, k->key,
	       SHM_SRTP_KEY_BYTES);
	p->srtp_known = p->srtp_key_ok = true;
}

/* prov_part_init() on a new participant; NULL without memory. */
static struct part *
prov_part_new(struct cp_focus *f, struct conf *c, const struct shm_msg_leg *leg,
	      uint32_t file_id)
{
	struct part *p = calloc(1, sizeof(*p));

	if (p != NULL)
		prov_part_init(f, c, p, leg, file_id);
	return p;
}

/* A provisioned leg's id in its file (from "prov:ID@..."); false if p
 * is no provisioned leg. */
static bool
prov_file_id(const struct part *p, uint32_t *id)
{
	return p->prov && sscanf(p->from, "prov:%" SCNu32 "@", id) == 1;
}

/* p's mute and deaf: a held peer is not mixed (no music on hold), the
 * operator's and the policy's (DTMF) choices, and a PIN still to come. */
static void
leg_flags(struct part *p)
{
	uint8_t fl = p->op_flags;

	if (p->held)
		fl |= SHM_LEG_MUTE;
	if (p->pin_pending)
		fl |= SHM_LEG_MUTE | SHM_LEG_DEAF;
	p->leg.flags = (uint8_t)((p->leg.flags & ~(SHM_LEG_MUTE |
						   SHM_LEG_DEAF)) | fl);
}

/* p's media as offer/answer settled them (res): its leg, held or not,
 * and so its flags. */
static void
take_media(struct part *p, const struct cp_sdp_result *res)
{
	cp_sdp_result_to_leg(res, &p->leg);
	p->held = res->held;
	leg_flags(p);
	p->srtp_suite = res->srtp_suite;
	if (memcmp(p->srtp_rx_key, res->srtp_key_rx, sizeof(p->srtp_rx_key)))
		p->srtp_index = false;	/* of the stream of the old key */
	memcpy(p->srtp_rx_key, res->srtp_key_rx, sizeof(p->srtp_rx_key));
	p->srtp_known = true;
}

/* tutti-dp's answer to a LEG_SRTP: a refusal is said (the leg then takes
 * and sends nothing). */
static void
on_keys_status(void *cookie, const struct shm_msg *cmd, int status)
{
	struct cp_focus *f = ((void **)cookie)[0];

	free(cookie);
	if (status >= 0 || status == -ENOTCONN)
		return;	/* taken; or tutti-dp gone: a new one is told all */
	f->st.dp_errors++;
	LOG_WARN("tutti-dp refused the SRTP %s key of leg %u: %s",
		 cmd->body.srtp.dir == SHM_SRTP_RX ? "receive" : "send",
		 cmd->body.srtp.leg_id, strerror(-status));
}

/* p's SRTP keys to tutti-dp, after its leg (which has SHM_LEG_SRTP): both,
 * each time it is sent (tutti-dp keeps a key it has: one sent again
 * changes nothing, a new one starts over); none while unknown. The rx key
 * carries where the peer's stream was (p->srtp_index) to a tutti-dp that
 * takes it (5.4). */
static void
send_keys(struct cp_focus *f, struct part *p)
{
	struct shm_msg m;

	if (!(p->leg.flags & SHM_LEG_SRTP) || !p->srtp_known)
		return;
	for (uint8_t dir = SHM_SRTP_RX; dir <= SHM_SRTP_TX; dir++) {
		shm_msg_init(&m, SHM_CMD_LEG_SRTP, 0, p->conf->conf_id);
		m.body.srtp.leg_id = p->leg.leg_id;
		m.body.srtp.dir = dir;
		m.body.srtp.suite = p->srtp_suite;
		memcpy(m.body.srtp.key, dir == SHM_SRTP_RX ? p->srtp_rx_key :
		       p->srtp_key, sizeof(m.body.srtp.key));
		if (dir == SHM_SRTP_RX && p->srtp_index &&
		    f->d->region.hdr->ver_minor >= 4) {
			m.body.srtp.flags = SHM_SRTP_F_INDEX;
			m.body.srtp.rx_ssrc = p->srtp_rx_ssrc;
			m.body.srtp.rx_roc = p->srtp_rx_roc;
			m.body.srtp.rx_seq = p->srtp_rx_seq;
		}
		if (send_told(f, p->conf->worker, &m, on_keys_status, true) < 0)
			f->st.dp_errors++;
	}
	explicit_bzero(&m, sizeof(m));
}

/* p's answer to the focus's offer cannot be used: p is hung up, its BYE
 * saying 488 (RFC 3326), and leaves as failed. */
static void
hang_up_488(struct cp_focus *f, struct part *p)
{
	p->disc = CP_ROSTER_DISC_FAILED;
	p->disc_reason = "SIP;cause=488;text=\"Not Acceptable Here\"";
	cp_sip_dialog_bye_why(f->sip, p->dialog, p->disc_reason);
}

/* The URI of conference c as requests name it. */
static void
conf_uri(const struct cp_focus *f, const struct conf *c, char *out,
	 size_t len)
{
	snprintf(out, len, "sip:%s@%s", c->name, f->cfg.host);
}

/* What the policy says about c when it starts (lock, lifetime). */
static void
conf_apply_policy(struct cp_focus *f, struct conf *c)
{
	struct cp_policy_conf_info info;
	char uri[128];

	/* RFC 4579 5.12: an ad-hoc conference ends with its creator */
	c->lifetime = c->adhoc ? CP_POLICY_END_CREATOR_LEAVES :
		      CP_POLICY_END_NEVER;
	if (f->policy == NULL)
		return;
	conf_uri(f, c, uri, sizeof(uri));
	cp_policy_conf(f->policy, uri, &info);
	c->locked = info.locked;
	c->lifetime = c->adhoc ? info.lifetime : CP_POLICY_END_NEVER;
	c->n_dial = info.n_dial_out;
	memcpy(c->dial, info.dial_out, sizeof(c->dial));
	if (!c->dial_done) {	/* all of them, as soon as the focus can */
		c->dial_pending = (1u << c->n_dial) - 1;
		c->dial_next_ms = 0;
	}
	roster_start(f, c, info.subject, info.max_participants == UINT32_MAX ?
		     0 : info.max_participants);
}

/*
 * May req join c (or create a conference)? Answers the INVITE itself when
 * not (401 with the challenges, or the policy's refusal). dec gets the
 * decision (COLLECT: join, then the PIN).
 */
static bool
admit(struct cp_focus *f, struct cp_sip_req *req, struct conf *c,
      bool create, struct cp_policy_decision *dec)
{
	bool asserted;
	const char *who = req_who(req, &asserted);
	struct cp_policy_req r = {
		.op = create ? CP_POLICY_CREATE : CP_POLICY_JOIN,
		.from_uri = who,
		.from_asserted = asserted,
		.conf_uri = cp_sip_req_uri(req),
		.authorization = cp_sip_req_authorization(req),
		.n_participants = c != NULL ? c->n_parts : 0,
		/* its creator coming back is a moderator (a lock lets it in) */
		.is_creator = c != NULL && made_by(c, who, asserted),
		.conf_active = c != NULL,
		.locked = c != NULL && c->locked,
		.now_s = (uint64_t)time(NULL),
	};
	const char *hdrs[2][2];

	if (f->policy == NULL) {
		/* no policy, no moderators: a lock keeps everyone out */
		if (r.op != CP_POLICY_JOIN || !r.locked)
			return true;
		LOG_INFO("%s may not join %s: 403 Conference Locked",
			 r.from_uri, r.conf_uri);
		cp_sip_reply(f->sip, req, 403, NULL, NULL);
		f->st.refused++;
		return false;
	}
	switch (cp_policy_decide(f->policy, &r, dec)) {
	case CP_POLICY_ALLOW:
	case CP_POLICY_COLLECT:
		return true;
	case CP_POLICY_CHALLENGE:
		for (unsigned int i = 0; i < dec->n_challenges && i < 2; i++) {
			hdrs[i][0] = "WWW-Authenticate";
			hdrs[i][1] = dec->www_authenticate[i];
		}
		cp_sip_reply_hdrs(f->sip, req, 401, hdrs, dec->n_challenges,
				  NULL, NULL);
		return false;
	default:
		LOG_INFO("%s may not %s %s: %d %s", r.from_uri,
			 cp_policy_op_name(r.op), r.conf_uri, dec->status,
			 dec->reason);
		cp_sip_reply(f->sip, req, dec->status, NULL, NULL);
		f->st.refused++;
		return false;
	}
}

/* Tell the data plane p's new flags (no SIP transaction waits on it). */
static void
send_leg_update(struct cp_focus *f, struct part *p)
{
	struct shm_msg m;

	if (p->state == PART_CONNECTED || p->state == PART_UPDATING)
		roster_part(p->conf, p);
	state_changed(f);

	shm_msg_init(&m, SHM_CMD_LEG_UPDATE, 0, p->conf->conf_id);
	m.body.leg = p->leg;
	if (dp_send(f, p->conf->worker, &m, NULL, NULL) < 0)
		f->st.dp_errors++;
	else
		send_keys(f, p);
}

/*
 * Answer p's offer into p->answer and p->leg. Returns 0 or a SIP code;
 * warn (WARN_MAX bytes) gets a Warning header's value for a 488 that has
 * one (RFC 3261 20.43: why the media could not be taken), else "".
 */
#define WARN_MAX	200
static int
negotiate(struct cp_focus *f, struct part *p, const char *offer, char *warn)
{
	struct cp_sdp_local local;
	struct cp_sdp_result res;
	char err[160];
	int rc;

	warn[0] = '\0';
	part_local(f, p, &local);
	if (offer[0] == '\0')
		return 488;	/* no offer in the INVITE: not yet */
	rc = cp_sdp_answer(&f->cfg.sdp, &local, &p->sess, offer,
			   strlen(offer), &res, p->answer, sizeof(p->answer),
			   err, sizeof(err));
	if (rc < 0) {
		LOG_INFO("conference %s: %s: SDP refused: %s", p->conf->name,
			 p->from, err);
		if (cp_sdp_warning_code(rc) != 0)
			snprintf(warn, WARN_MAX, "%d tutti \"%s\"",
				 cp_sdp_warning_code(rc), err);
		return cp_sdp_sip_status(rc);
	}
	take_media(p, &res);
	return 0;
}

/* req refused with code, and warn's Warning if not "" (negotiate()). */
static void
reply_warn(struct cp_focus *f, struct cp_sip_req *req, int code,
	   const char *warn)
{
	const char *hdrs[1][2] = { { "Warning", warn } };

	if (warn[0] != '\0')
		cp_sip_reply_hdrs(f->sip, req, code, hdrs, 1, NULL, NULL);
	else
		cp_sip_reply(f->sip, req, code, NULL, NULL);
}

/*
 * req, an INVITE without SDP (a delayed offer, RFC 3261 13.3.1; S-27),
 * answered 200 with the focus's offer, as a dial-out's INVITE offers
 * (every codec the focus takes, telephone-event), into p->answer; the
 * answer comes in the ACK (answer_in_ack()). Returns 0, or 500: the
 * offer could not be made (answered 500), or the 200 could not go (the
 * INVITE is gone: nothing was answered).
 */
static int
offer_in_2xx(struct cp_focus *f, struct part *p, struct cp_sip_req *req)
{
	struct cp_sdp_local local;

	part_local(f, p, &local);
	if (cp_sdp_offer(&f->cfg.sdp, &local, &p->sess, p->answer,
			 sizeof(p->answer), NULL) < 0) {
		cp_sip_reply(f->sip, req, 500, NULL, NULL);
		return 500;
	}
	if (cp_sip_reply(f->sip, req, 200, "application/sdp", p->answer) < 0)
		return 500;	/* the INVITE is gone: nothing to answer */
	p->offered = true;
	return 0;
}

static void
on_invite(void *ctx, struct cp_sip_req *req, struct cp_sip_dialog *dialog)
{
	struct cp_focus *f = ctx;
	struct cp_policy_decision dec = { .verdict = CP_POLICY_ALLOW };
	char user[CP_CONF_NAME_MAX], warn[WARN_MAX];
	struct cp_sdp_sess sess0;
	struct conf *c;
	struct part *p;
	int code;

	if (dialog != NULL) {	/* re-INVITE */
		p = cp_sip_dialog_app(dialog);
		if (p == NULL || p->req != NULL) {
			cp_sip_reply(f->sip, req, p == NULL ? 481 : 491, NULL,
				     NULL);
			return;
		}
		if (cp_sip_req_body(req)[0] == '\0') {
			/* no offer (S-27): the focus's in the 200, the
			 * answer in the ACK moves the media */
			if (offer_in_2xx(f, p, req) != 0)
				LOG_WARN("conference %s: %s: cannot answer its "
					 "re-INVITE without SDP",
					 p->conf->name, p->from);
			return;
		}
		p->secure = cp_sip_req_tls(req);
		code = negotiate(f, p, cp_sip_req_body(req), warn);
		if (code != 0) {
			reply_warn(f, req, code, warn);
			return;
		}
		p->req = req;
		p->state = PART_UPDATING;
		send_leg(f, p, SHM_CMD_LEG_UPDATE);
		return;
	}
	if (!f->d->up) {
		cp_sip_reply(f->sip, req, 503, NULL, NULL);
		f->st.refused++;
		return;
	}
	if (uri_user(cp_sip_req_uri(req), user, sizeof(user)) < 0) {
		cp_sip_reply(f->sip, req, 404, NULL, NULL);
		f->st.refused++;
		return;
	}
	bool create = strcmp(user, f->cfg.factory) == 0;

	c = create ? NULL : conf_find(f, user);
	if (!create && c == NULL) {
		cp_sip_reply(f->sip, req, 404, NULL, NULL);
		f->st.refused++;
		return;
	}
	if (!admit(f, req, c, create, &dec))
		return;
	if (create) {
		char name[CP_CONF_NAME_MAX];

		/* RFC 4579 5.4: an unguessable URI (64 random bits) */
		snprintf(name, sizeof(name), "conf-%016" PRIx64, rand64());
		c = conf_new(f, name, true);
		if (c == NULL) {
			cp_sip_reply(f->sip, req, 500, NULL, NULL);
			return;
		}
		snprintf(c->creator, sizeof(c->creator), "%s",
			 req_who(req, &c->creator_asserted));
		conf_apply_policy(f, c);
		LOG_INFO("conference %s created by %s through the factory",
			 c->name, c->creator);
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL || port_take(f, p) < 0) {
		cp_sip_reply(f->sip, req, p == NULL ? 500 : 503, NULL, NULL);
		free(p);
		f->st.refused++;
		if (c->adhoc && c->n_parts == 0)
			conf_end(f, c);
		return;
	}
	p->conf = c;
	p->leg_id = ++f->next_leg_id;
	snprintf(p->from, sizeof(p->from), "%s", req_who(req, &p->asserted));
	p->anon = cp_sip_req_privacy(req);
	p->secure = cp_sip_req_tls(req);
	part_key_new(p);
	cp_sdp_sess_init(&p->sess, rand64() >> 1, 1);
	p->leg.leg_id = p->leg_id;
	p->leg.ssrc = (uint32_t)rand64();
	p->leg.timeout_ms = f->cfg.media_timeout_ms;
	p->moderator = dec.moderator || create;
	snprintf(p->auth_user, sizeof(p->auth_user), "%s", dec.auth_user);
	if (dec.verdict == CP_POLICY_COLLECT) {
		/* in, but deaf and mute until the PIN and '#' */
		p->pin_pending = true;
		p->leg.flags |= SHM_LEG_DEAF | SHM_LEG_MUTE;
		LOG_INFO("conference %s: %s must enter the PIN (then #)",
			 c->name, p->from);
	}
	part_link(f, c, p);
	f->worker_legs[c->worker]++;
	f->st.n_participants++;
	sess0 = p->sess;
	if (cp_sip_req_body(req)[0] == '\0') {
		/* no offer: the focus's goes in the 200 at once, and the leg
		 * to tutti-dp once the ACK brings the answer */
		p->state = PART_JOINING;
		cp_sip_req_set_app(req, p);
		cp_sip_req_set_contact_user(req, c->name);
		if (offer_in_2xx(f, p, req) != 0) {
			f->st.refused++;
			part_free(f, p, false);
			return;
		}
		if (!c->on_dp)
			send_conf(f, c, SHM_CMD_CONF_CREATE);
		LOG_DEBUG("conference %s: %s called without SDP: the focus "
			  "offered in its 200", c->name, p->from);
		return;
	}
	code = negotiate(f, p, cp_sip_req_body(req), warn);
	if (code == 0 && port_rehome(f, p, offer_ipv4(&p->leg))) {
		p->sess = sess0;	/* the answer made again, as the first */
		code = negotiate(f, p, cp_sip_req_body(req), warn);
	}
	if (code != 0) {
		reply_warn(f, req, code, warn);
		f->st.refused++;
		part_free(f, p, false);
		return;
	}
	p->req = req;
	p->state = PART_JOINING;
	cp_sip_req_set_app(req, p);
	/* the Contact is the conference URI, with ;isfocus (RFC 4579 4.2) */
	cp_sip_req_set_contact_user(req, c->name);
	if (!c->on_dp)
		send_conf(f, c, SHM_CMD_CONF_CREATE);
	send_leg(f, p, SHM_CMD_LEG_ADD);
}

static void
on_cancel(void *ctx, struct cp_sip_req *req)
{
	struct part *p = cp_sip_req_app(req);

	(void)ctx;
	if (p != NULL && p->req == req) {
		p->req = NULL;
		p->state = PART_GONE;	/* freed when the data plane answers */
	}
}

/* Do a and b send the same media the same way (leg id and local end
 * aside: an answer does not change those)? */
static bool
leg_media_same(const struct shm_msg_leg *a, const struct shm_msg_leg *b)
{
	return memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 &&
	       a->remote_port == b->remote_port && a->codec == b->codec &&
	       a->pt == b->pt && a->dtmf_pt == b->dtmf_pt && a->dir == b->dir &&
	       a->rate_hz == b->rate_hz && a->ptime_ms == b->ptime_ms &&
	       a->flags == b->flags;
}

/*
 * The answer to the offer in the focus's 2xx, in the ACK (RFC 3261
 * 13.3.1; S-27). A new call's leg goes to tutti-dp now (joined when it
 * answers), or, without an answer the focus can use, the call is hung up
 * (BYE, Reason 488). A re-INVITE's moves the media; unusable, it leaves
 * them as they were, and the call goes on.
 */
static void
answer_in_ack(struct cp_focus *f, struct part *p, const char *content_type,
	      const char *body)
{
	struct shm_msg_leg was = p->leg;
	struct cp_sdp_local local;
	struct cp_sdp_result res;
	char err[160] = "";

	part_local(f, p, &local);
	if (content_type != NULL &&
	    strncasecmp(content_type, "application/sdp", 15) != 0)
		snprintf(err, sizeof(err), "a body of %s, not SDP",
			 content_type);
	else if (body[0] == '\0')
		snprintf(err, sizeof(err), "no SDP");
	else if (cp_sdp_process_answer(&f->cfg.sdp, &local, body,
				       strlen(body), &res, err,
				       sizeof(err)) < 0 && err[0] == '\0')
		snprintf(err, sizeof(err), "SDP the focus cannot use");
	if (err[0] != '\0' && p->state == PART_JOINING) {
		LOG_INFO("conference %s: %s: no answer to the focus's offer "
			 "in its ACK that the focus can use (%s): hanging up",
			 p->conf->name, p->from, err);
		f->st.refused++;
		hang_up_488(f, p);
		return;	/* (offered stays: no leg to remove) */
	}
	p->offered = false;
	if (err[0] != '\0') {
		LOG_INFO("conference %s: %s: no answer to the focus's offer in "
			 "the ACK of its re-INVITE that the focus can use (%s): "
			 "media unchanged", p->conf->name, p->from, err);
		return;
	}
	take_media(p, &res);
	if (p->state == PART_JOINING) {
		send_leg(f, p, SHM_CMD_LEG_ADD);
		return;
	}
	if (!leg_media_same(&was, &p->leg))
		send_leg(f, p, SHM_CMD_LEG_UPDATE);
	roster_part(p->conf, p);	/* held or not */
	state_changed(f);
}

static void
on_ack(void *ctx, struct cp_sip_dialog *dialog, const char *content_type,
       const char *body)
{
	struct part *p = cp_sip_dialog_app(dialog);

	if (p != NULL) {
		struct cp_focus *f = ctx;
		bool first = p->dialog == NULL; /* not a re-INVITE's */

		p->dialog = dialog;
		state_changed(f);	/* joined, or a re-INVITE is done */
		if (first && p->state == PART_CONNECTED)
			roster_part(p->conf, p);	/* its <call-info> */
		if (p->bye_on_ack) {	/* sent away while the 200 was out */
			p->bye_on_ack = false;
			part_bye(f, p, dialog);
		} else if (p->offered) {
			answer_in_ack(f, p, content_type, body);
		}
	}
}

static void
on_dialog_end(void *ctx, struct cp_sip_dialog *dialog, enum cp_sip_end why)
{
	struct cp_focus *f = ctx;
	struct part *p = cp_sip_dialog_app(dialog);
	const char *how = why == CP_SIP_END_BYE_RECEIVED ? "hung up" :
			  why == CP_SIP_END_BYE_SENT ? "sent away by the focus" :
			  why == CP_SIP_END_SESSION_EXPIRED ?
			  "session timer expired: hung up by the focus" :
			  "never acknowledged the answer";

	if (p == NULL)
		return;
	if (why == CP_SIP_END_BYE_RECEIVED)
		snprintf(p->bye_reason, sizeof(p->bye_reason), "%s",
			 cp_sip_dialog_end_reason(dialog));
	if (p->state == PART_JOINING && p->offered)
		/* its 200 offered, and no answer it could use came */
		LOG_INFO("conference %s: %s's call ended before it joined "
			 "(%s%s%s)", p->conf->name, p->from, how,
			 p->bye_reason[0] ? ": Reason: " : "", p->bye_reason);
	else
		LOG_INFO("%s left conference %s (%s%s%s)", p->from,
			 p->conf->name, how,
			 p->bye_reason[0] ? ": Reason: " : "", p->bye_reason);
	if (p->bye_reason[0] != '\0' && p->disc == CP_ROSTER_DISC_NONE)
		p->disc_reason = p->bye_reason; /* its RFC 3326 value */
	if ((why == CP_SIP_END_NO_ACK || why == CP_SIP_END_SESSION_EXPIRED) &&
	    p->disc == CP_ROSTER_DISC_NONE) {
		p->disc = CP_ROSTER_DISC_FAILED;
		p->disc_reason = why == CP_SIP_END_NO_ACK ? "no ACK" :
				 "session timer expired";
	}
	if (p->state == PART_JOINING && p->offered) {
		/* never joined, and no leg to remove */
		part_free(f, p, false);
		return;
	}
	f->st.left++;
	part_free(f, p, true);
}

/* ---- RFC 4575 subscriptions ---- */

#define SUB_MIN_EXPIRES	60	/* seconds: less gets 423 */
#define SUB_MAX_EXPIRES	3600

static void
notify_doc(struct cp_focus *f, struct watcher *w, struct cp_cevt_doc *doc,
	   enum cp_sip_sub_state st, const char *reason)
{
	cp_sip_notify(f->sip, w->sub, "application/conference-info+xml",
		      doc->xml, st, reason, 0);
	cp_cevt_doc_free(doc);
}

/* The full state now (subscribe, refresh), terminated for a fetch or an
 * unsubscribe. A pending subscriber learns nothing of the conference
 * (RFC 6665 4.2.1): a NOTIFY without a body says where it stands. */
static void
notify_full(struct cp_focus *f, struct watcher *w, bool last)
{
	struct cp_cevt_doc doc = { 0 };

	if (w->pending) {
		cp_sip_notify(f->sip, w->sub, NULL, NULL,
			      last ? CP_SIP_SUB_TERMINATED : CP_SIP_SUB_PENDING,
			      last ? "timeout" : NULL, 0);
		return;
	}
	if (w->cs == NULL || cp_cevt_sub_full(w->cs, mono_ms(), &doc) < 0)
		return;
	notify_doc(f, w, &doc, last ? CP_SIP_SUB_TERMINATED :
		   CP_SIP_SUB_ACTIVE, last ? "timeout" : NULL);
}

/* Start w's documents of c's roster, in w's view. 0 or -errno. */
static int
watcher_start(struct cp_focus *f, struct conf *c, struct watcher *w)
{
	struct cp_cevt_cfg cfg = f->cevt;

	cfg.hide_call_info = !w->full_view;
	if (c->roster == NULL)
		return -ENOENT;
	return cp_cevt_sub_create(&w->cs, c->roster, &cfg);
}

static void
on_subscribe(void *ctx, struct cp_sip_req *req, const char *event,
	     int64_t expires, const char *accept)
{
	struct cp_focus *f = ctx;
	struct cp_sip_sub *old = cp_sip_req_sub(req), *sub = NULL;
	char user[CP_CONF_NAME_MAX];
	struct watcher *w;
	struct conf *c;
	uint32_t granted;
	bool pending = false, full_view = false, asserted;
	const char *who = req_who(req, &asserted);

	(void)event;
	granted = expires < 0 || expires > SUB_MAX_EXPIRES ? SUB_MAX_EXPIRES :
		  (uint32_t)expires;
	if (old != NULL) {	/* a refresh, or the end */
		w = cp_sip_sub_app(old);
		cp_sip_sub_answer(f->sip, req, 200, granted, w, &sub);
		if (w != NULL)
			notify_full(f, w, granted == 0);
		return;
	}
	if (uri_user(cp_sip_req_uri(req), user, sizeof(user)) < 0 ||
	    (c = conf_find(f, user)) == NULL) {
		cp_sip_sub_answer(f->sip, req, 404, 0, NULL, NULL);
		return;
	}
	if (accept != NULL &&
	    strstr(accept, "application/conference-info+xml") == NULL &&
	    strstr(accept, "*/*") == NULL) {
		cp_sip_sub_answer(f->sip, req, 406, 0, NULL, NULL);
		return;
	}
	if (f->policy != NULL) {
		struct cp_policy_req r = {
			.op = CP_POLICY_SUBSCRIBE,
			.from_uri = who, .from_asserted = asserted,
			.conf_uri = cp_sip_req_uri(req),
			.authorization = cp_sip_req_authorization(req),
			.conf_active = true, .locked = c->locked,
			.n_participants = c->n_parts,
			.now_s = (uint64_t)time(NULL),
		};
		struct cp_policy_decision d;
		const char *hdrs[2][2];

		switch (cp_policy_decide(f->policy, &r, &d)) {
		case CP_POLICY_ALLOW:
		case CP_POLICY_COLLECT:
			break;
		case CP_POLICY_CONFIRM:
			pending = true;
			break;
		case CP_POLICY_CHALLENGE:
			for (unsigned int i = 0; i < d.n_challenges && i < 2;
			     i++) {
				hdrs[i][0] = "WWW-Authenticate";
				hdrs[i][1] = d.www_authenticate[i];
			}
			cp_sip_reply_hdrs(f->sip, req, 401, hdrs,
					  d.n_challenges, NULL, NULL);
			return;
		default:
			cp_sip_sub_answer(f->sip, req, d.status, 0, NULL,
					  NULL);
			return;
		}
		/* F-81: the dialog identifiers to authenticated moderators */
		full_view = d.moderator && d.auth_user[0] != '\0';
	}
	if (expires > 0 && expires < SUB_MIN_EXPIRES) {
		cp_sip_sub_answer(f->sip, req, 423, SUB_MIN_EXPIRES, NULL,
				  NULL);
		return;
	}
	cp_sip_req_set_contact_user(req, c->name);	/* F-10 */
	w = calloc(1, sizeof(*w));
	if (w != NULL)
		w->full_view = full_view;
	if (w == NULL || c->roster == NULL ||
	    (!pending && watcher_start(f, c, w) < 0) ||
	    cp_sip_sub_answer(f->sip, req, 200, granted, w, &w->sub) < 0) {
		if (w != NULL)
			cp_cevt_sub_destroy(w->cs);
		free(w);
		cp_sip_sub_answer(f->sip, req, 500, 0, NULL, NULL);
		return;
	}
	w->conf = c;
	w->pending = pending;
	w->id = ++f->next_watcher_id;
	snprintf(w->from, sizeof(w->from), "%s", who);
	w->next = c->watchers;
	c->watchers = w;
	if (pending)
		LOG_INFO("%s asks to follow conference %s: pending until the "
			 "operator approves (tuttictl approve %s %u)", w->from,
			 c->name, c->name, w->id);
	else
		LOG_INFO("%s subscribed to conference %s (%u s, %s)", w->from,
			 c->name, granted,
			 full_view ? "full view: a moderator" :
			 "without dialog identifiers");
	notify_full(f, w, granted == 0);	/* F-48: at once */
}

static void
on_sub_end(void *ctx, struct cp_sip_sub *sub, enum cp_sip_sub_end why)
{
	struct cp_focus *f = ctx;
	void *app = cp_sip_sub_app(sub);

	(void)why;
	if (cp_sip_sub_is_refer(sub)) {
		struct part *p = app;

		if (p != NULL && p->refer_sub == sub)
			p->refer_sub = NULL;
		return;
	}
	if (app != NULL) {
		struct watcher *w = app, **pp;

		for (pp = w->conf ? &w->conf->watchers : NULL;
		     pp != NULL && *pp != NULL; pp = &(*pp)->next)
			if (*pp == w) {
				*pp = w->next;
				break;
			}
		cp_cevt_sub_destroy(w->cs);
		free(w);
	}
	(void)f;
}

/* The first wait before the policy's dial-outs are tried again, and the
 * longest (each wait doubles). */
#define DIAL_RETRY_MS		2000
#define DIAL_RETRY_MAX_MS	30000

/*
 * The policy's <dial-out> for c (RFC 4579 5.5 without a REFER): each URI
 * once, when the conference starts. One its worker is at its limit for
 * (tutti-dp --admit-busy) is tried again, 2 s later, then after twice as
 * long each time, up to 30 s, for as long as the conference runs: a busy
 * moment does not lose a call the policy asks for.
 */
static void
dial_policy(struct cp_focus *f, struct conf *c, uint64_t now)
{
	uint32_t before = c->dial_pending;
	unsigned int busy = 0;

	c->dial_done = true;
	for (unsigned int i = 0; i < c->n_dial; i++) {
		int err = 0;

		if (!(c->dial_pending & (1u << i)))
			continue;
		if (dial_out(f, c, c->dial[i], NULL, NULL, "policy",
			     CP_FOCUS_RING_DEFAULT, &err) ==
		    NULL) {
			if (err == -EAGAIN) {
				busy++;
				continue;	/* stays pending */
			}
			LOG_WARN("conference %s: cannot dial %s as the policy "
				 "says: %s", c->name, c->dial[i],
				 strerror(-err));
		}
		c->dial_pending &= ~(1u << i);
	}
	if (c->dial_pending != before)	/* the state file's dial records */
		state_changed(f);
	if (busy == 0)
		return;
	c->dial_wait_ms = c->dial_wait_ms == 0 ? DIAL_RETRY_MS :
			  c->dial_wait_ms * 2 > DIAL_RETRY_MAX_MS ?
			  DIAL_RETRY_MAX_MS : c->dial_wait_ms * 2;
	c->dial_next_ms = now + c->dial_wait_ms;
	LOG_WARN("conference %s: %u of the policy's dial-outs wait: worker %u "
		 AT_LIMIT "; trying again in %u s", c->name, busy, c->worker,
		 c->dial_wait_ms / 1000);
}

/* Once a second: each worker's packets/s and load over the last second. */
static void
sample_rates(struct cp_focus *f, uint64_t now)
{
	uint32_t n_w = f->d->up ? f->d->region.hdr->n_workers : 0;
	double dt = (double)(now - f->rates_ms) / 1000.0;

	if (f->rates == NULL || now - f->rates_ms < 1000)
		return;
	for (uint32_t w = 0; w < n_w && w < SHM_MAX_WORKERS; w++) {
		struct rate *r = &f->rates[w];
		struct shm_worker_stats st;

		shm_read_stats(shm_region_stats(&f->d->region, w), &st);
		/* a restarted data plane counts from zero: start over */
		if (f->rates_ms != 0 && st.rx_pkts >= r->rx &&
		    st.tx_pkts >= r->tx && st.total_cycles > r->total) {
			r->rx_pps = (double)(st.rx_pkts - r->rx) / dt;
			r->tx_pps = (double)(st.tx_pkts - r->tx) / dt;
			r->load_pct = 100.0 * (double)(st.busy_cycles -
						       r->busy) /
				      (double)(st.total_cycles - r->total);
		}
		r->rx = st.rx_pkts;
		r->tx = st.tx_pkts;
		r->busy = st.busy_cycles;
		r->total = st.total_cycles;
	}
	f->rates_ms = now;
}

void
cp_focus_poll(struct cp_focus *f)
{
	uint64_t now = mono_ms();

	if (f->state_dirty && f->state_ready && now >= f->state_next_ms)
		state_save(f);
	if (f->restored_check_ms != 0 && now >= f->restored_check_ms)
		restored_check(f);
	sample_rates(f, now);
	q_flush(f, false);
	prov_reap(f);
	prov_pump(f);
	if (f->prov_ended > 0) {	/* their last legs refused, or left */
		LOG_INFO("provisioning: %u provisioned conference%s ended",
			 f->prov_ended, f->prov_ended == 1 ? "" : "s");
		f->prov_ended = 0;
	}
	if (f->orphans_removed > 0) {	/* thousands at once: said once */
		LOG_INFO("%u leg%s that no participant owns had no media: "
			 "removed from tutti-dp (%u left)", f->orphans_removed,
			 f->orphans_removed == 1 ? "" : "s", f->orphans_left);
		f->orphans_removed = 0;
	}
	if (f->sip == NULL)
		return;
	/* none of this ends a conference: one walk of the list */
	for (struct conf *c = f->confs; c != NULL; c = c->next) {
		/* one partial per batch of changes and view, not one per
		 * subscriber */
		struct cp_cevt_cache cache[2] = { 0 };

		if (c->dial_pending != 0 && f->d->up && f->took_over &&
		    now >= c->dial_next_ms)
			dial_policy(f, c, now);
		if (c->gone != NULL)
			roster_reap(c, now, false);
		for (struct watcher *w = c->watchers; w != NULL; w = w->next) {
			struct cp_cevt_doc doc = { 0 };

			if (w->cs != NULL &&
			    cp_cevt_sub_due_cached(w->cs, now,
						   &cache[w->full_view],
						   &doc) == 1)
				notify_doc(f, w, &doc, CP_SIP_SUB_ACTIVE,
					   NULL);
		}
		cp_cevt_cache_clear(&cache[0]);
		cp_cevt_cache_clear(&cache[1]);
	}
}

/* ---- dial-out: REFER (RFC 4579 5.5, 5.11) and the operator ---- */

/* Call uri into c, for referred_by (a REFER's Referred-By) if not NULL,
 * else for why (what asked: "policy", "tuttictl dial", "REFER"), as the
 * log says; by: who referred it, for the roster (a URI), or NULL; ring_ms:
 * its ring timeout (CP_FOCUS_RING_DEFAULT: --ring-timeout's). */
static struct part *
dial_out(struct cp_focus *f, struct conf *c, const char *uri,
	 const char *referred_by, const char *by, const char *why,
	 uint32_t ring_ms, int *err)
{
	struct cp_sdp_local local;
	struct cp_sip_invite_opts o = { 0 };
	char from[128];
	struct part *p;

	if (worker_overloaded(f, c->worker)) {
		/* not a phone rung only to be hung up on: its worker would
		 * refuse the leg when it answers (tutti-dp --admit-busy) */
		*err = -EAGAIN;
		f->st.refused++;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL || port_take(f, p) < 0) {
		*err = p == NULL ? -ENOMEM : -ENOSPC;
		free(p);
		return NULL;
	}
	p->conf = c;
	snprintf(p->from, sizeof(p->from), "%s", uri);
	/* the offer comes first: the address on the link of the URI's
	 * host, if it is an address */
	port_rehome(f, p, uri_ipv4(uri));
	p->leg_id = ++f->next_leg_id;
	p->dialed_out = true;
	p->state = PART_JOINING;
	p->secure = cp_sip_uri_tls(uri);
	part_key_new(p);
	cp_sdp_sess_init(&p->sess, rand64() >> 1, 1);
	p->leg.leg_id = p->leg_id;
	p->leg.ssrc = (uint32_t)rand64();
	p->leg.timeout_ms = f->cfg.media_timeout_ms;
	part_local(f, p, &local);
	*err = cp_sdp_offer(&f->cfg.sdp, &local, &p->sess, p->answer,
			    sizeof(p->answer), NULL);
	if (*err < 0) {
		if (*err == -EPROTONOSUPPORT) {
			LOG_INFO("conference %s: not calling %s: --srtp "
				 "mandatory, and its keys go only over TLS "
				 "(sips: or ;transport=tls)", c->name, uri);
			*err = -ENOPROTOOPT;
		}
		port_give(f, &p->leg);
		free(p);
		return NULL;
	}
	conf_uri(f, c, from, sizeof(from));
	o.target_uri = uri;
	o.from_uri = from;
	o.contact_user = c->name;	/* the conference URI, ;isfocus */
	o.content_type = "application/sdp";
	o.body = p->answer;
	o.referred_by = referred_by;	/* F-24: copied unchanged */
	o.ring_timeout_ms = ring_ms != CP_FOCUS_RING_DEFAULT ?
				    ring_ms : f->cfg.ring_timeout_ms;
	o.app = p;
	*err = cp_sip_invite_ex(f->sip, &o, &p->call);
	if (*err < 0) {
		port_give(f, &p->leg);
		free(p);
		return NULL;
	}
	part_link(f, c, p);
	f->worker_legs[c->worker]++;
	f->st.n_participants++;
	roster_dial_out(c, p, by);
	LOG_INFO("conference %s: dialling %s (%s%s)", c->name, uri,
		 referred_by ? "for " : "", referred_by ? referred_by : why);
	return p;
}

int
cp_focus_dial(struct cp_focus *f, const char *name, const char *uri,
	      uint32_t ring_timeout_ms)
{
	struct conf *c = conf_find(f, name);
	int err = 0;

	if (c == NULL)
		return -ENOENT;
	if (f->sip == NULL || strncmp(uri, "sip:", 4) != 0)
		return -EINVAL;
	return dial_out(f, c, uri, NULL, NULL, "tuttictl dial",
			ring_timeout_ms, &err) != NULL ?
		       0 :
	       err;
}

static void
on_call_progress(void *ctx, struct cp_sip_call *call, int code)
{
	struct part *p = cp_sip_call_app(call);

	/* intermediate sipfrags are optional (F-35): the referrer hears
	 * 100 Trying and the final answer only */
	(void)ctx;
	if (p == NULL)
		return;
	LOG_DEBUG("conference %s: %s: %d", p->conf->name, p->from, code);
	if (p->dialing && p->conf->roster != NULL &&
	    (code == 180 || code == 183)) {
		char ep[160], ub[ROSTER_USER_LEN];

		ep_of(p, ep, sizeof(ep));
		cp_roster_ep_set_status(p->conf->roster,
					roster_user(p, ub, sizeof(ub)), ep,
					CP_ROSTER_EP_ALERTING);
		roster_changed(p->conf);
	}
}

static void
on_call_answered(void *ctx, struct cp_sip_call *call,
		 struct cp_sip_dialog *dialog, const char *content_type,
		 const char *body)
{
	struct cp_focus *f = ctx;
	struct part *p = cp_sip_call_app(call);
	struct cp_sdp_local local;
	struct cp_sdp_result res;
	char err[160];

	(void)content_type;
	if (p == NULL)
		return;
	p->call = NULL;
	p->dialog = dialog;
	if (p->cancelling) {
		/* its 2xx crossed our CANCEL (RFC 3261 9.1): answered, so
		 * hung up, and gone now (the dialog's end is not ours) */
		LOG_INFO("conference %s: %s answered as the focus cancelled: "
			 "BYE", p->conf->name, p->from);
		part_bye(f, p, dialog);
		cp_sip_dialog_set_app(dialog, NULL);
		refer_progress(f, p, 487, true);
		part_free(f, p, false);
		return;
	}
	part_local(f, p, &local);
	if (cp_sdp_process_answer(&f->cfg.sdp, &local, body, strlen(body),
				  &res, err, sizeof(err)) < 0) {
		LOG_INFO("conference %s: %s answered with SDP we cannot use: "
			 "%s: hanging up", p->conf->name, p->from, err);
		refer_progress(f, p, 488, true);
		hang_up_488(f, p);
		return;
	}
	take_media(p, &res);
	if (!p->conf->on_dp)
		send_conf(f, p->conf, SHM_CMD_CONF_CREATE);
	send_leg(f, p, SHM_CMD_LEG_ADD);
}

/*
 * The answer to the focus's session refresh by re-INVITE (its last SDP
 * offered again). The peer may move its media, or hold, there (RFC 3264
 * 8): the data plane follows. An answer the focus cannot use is logged
 * and the media stay as they were: the call goes on.
 *
 * The answer is read as an offer would be, its answer thrown away: for a
 * call in, the SDP offered again was the focus's answer, in the caller's
 * payload types (telephone-event at 100, say), which
 * cp_sdp_process_answer() does not know (it reads the focus's own
 * numbering). The answer's formats are those of the offer, so reading it
 * so chooses the same.
 */
static void
on_reanswer(void *ctx, struct cp_sip_dialog *dialog, const char *content_type,
	    const char *body)
{
	struct cp_focus *f = ctx;
	struct part *p = cp_sip_dialog_app(dialog);
	struct cp_sdp_local local;
	struct cp_sdp_result res;
	struct cp_sdp_sess sess;
	struct shm_msg_leg was;
	char err[160], ip[INET_ADDRSTRLEN], unused[CP_SDP_OUT_MAX];
	uint8_t rx_key[SHM_SRTP_KEY_BYTES];
	bool held;

	(void)content_type;
	if (p == NULL || p->state != PART_CONNECTED)
		return;
	part_local(f, p, &local);
	sess = p->sess;
	if (body[0] == '\0')
		snprintf(err, sizeof(err), "no SDP");
	else if (cp_sdp_answer(&f->cfg.sdp, &local, &sess, body, strlen(body),
			       &res, unused, sizeof(unused), err,
			       sizeof(err)) == 0)
		err[0] = '\0';
	if (err[0] != '\0') {
		LOG_INFO("conference %s: %s answered the session refresh with "
			 "%s%s: its media stay as they were",
			 p->conf->name, p->from,
			 body[0] == '\0' ? "" : "SDP we cannot use: ", err);
		return;
	}
	was = p->leg;
	held = p->held;
	memcpy(rx_key, p->srtp_rx_key, sizeof(rx_key));
	take_media(p, &res);
	if (leg_media_same(&was, &p->leg) && held == p->held &&
	    memcmp(rx_key, p->srtp_rx_key, sizeof(rx_key)) == 0)
		return;
	inet_ntop(AF_INET, p->leg.addr + 12, ip, sizeof(ip));
	LOG_INFO("conference %s: %s answered the session refresh with new "
		 "media: %s:%u, payload type %u%s",
		 p->conf->name, p->from, ip, ntohs(p->leg.remote_port),
		 p->leg.pt, p->held ? ", on hold" : "");
	send_leg_update(f, p);
}

static void
on_call_failed(void *ctx, struct cp_sip_call *call, int code)
{
	struct cp_focus *f = ctx;
	struct part *p = cp_sip_call_app(call);

	if (p == NULL)
		return;
	LOG_INFO("conference %s: %s did not answer the focus: %d%s",
		 p->conf->name, p->from, code,
		 p->cancelling ? " (cancelled)" : "");
	p->call = NULL;
	if (!p->cancelling) {	/* else send_away() said why */
		p->disc = code == 486 || code == 600 ? CP_ROSTER_DISC_BUSY :
						       CP_ROSTER_DISC_FAILED;
		/* a 487 not asked for: the ring timeout's CANCEL */
		if (code == 487)
			snprintf(p->bye_reason, sizeof(p->bye_reason),
				 "SIP;cause=487;text=\"no answer\"");
		else
			snprintf(p->bye_reason, sizeof(p->bye_reason),
				 "SIP;cause=%d", code);
		p->disc_reason = p->bye_reason;
	}
	refer_progress(f, p, code, true);
	part_free(f, p, false);
}

static void
on_refer(void *ctx, struct cp_sip_req *req, const char *refer_to,
	 const char *method, const char *referred_by, const char *by_uri)
{
	struct cp_focus *f = ctx;
	struct cp_sip_dialog *d = cp_sip_req_dialog(req);
	bool bye = method != NULL && strcasecmp(method, "BYE") == 0;
	bool asserted;
	const char *who = req_who(req, &asserted);
	char user[CP_CONF_NAME_MAX], ruser[CP_CONF_NAME_MAX];
	struct cp_sip_sub *sub = NULL;
	struct conf *c = NULL;
	struct part *p;
	int err = 0;

	if (d != NULL && (p = cp_sip_dialog_app(d)) != NULL) {
		c = p->conf;
		/* in a participant's dialog: that participant, asserted as
		 * its INVITE was (a proxy may assert only dialogs' starts) */
		if (!asserted && p->asserted) {
			who = p->from;
			asserted = true;
		}
	} else if (uri_user(cp_sip_req_uri(req), user, sizeof(user)) == 0) {
		c = conf_find(f, user);
	}
	if (c == NULL) {
		cp_sip_reply(f->sip, req, 404, NULL, NULL);
		return;
	}
	if (method != NULL && !bye && strcasecmp(method, "INVITE") != 0) {
		cp_sip_reply(f->sip, req, 501, NULL, NULL);	/* F-25 */
		return;
	}
	/* F-22: only SIP; F-23: never the focus itself */
	if (strncmp(refer_to, "sip:", 4) != 0 ||
	    (!bye && uri_user(refer_to, ruser, sizeof(ruser)) == 0 &&
	     (strcmp(ruser, f->cfg.factory) == 0 || conf_find(f, ruser)) &&
	     strstr(refer_to, f->cfg.host) != NULL)) {
		cp_sip_reply(f->sip, req, 403, NULL, NULL);
		return;
	}
	if (f->policy != NULL) {
		char cu[128];
		struct cp_policy_req r = {
			.op = bye ? CP_POLICY_REFER_BYE :
				    CP_POLICY_REFER_INVITE,
			.from_uri = who, .from_asserted = asserted,
			.target_uri = refer_to,
			.authorization = cp_sip_req_authorization(req),
			.conf_active = true, .locked = c->locked,
			.n_participants = c->n_parts,
			.is_creator = made_by(c, who, asserted),
			.now_s = (uint64_t)time(NULL),
		};
		struct cp_policy_decision dec;

		conf_uri(f, c, cu, sizeof(cu));
		r.conf_uri = cu;
		if (cp_policy_decide(f->policy, &r, &dec) != CP_POLICY_ALLOW) {
			LOG_INFO("%s may not REFER %s in %s: %d", r.from_uri,
				 refer_to, c->name, dec.status ? dec.status :
				 403);
			cp_sip_reply(f->sip, req, dec.status ? dec.status : 403,
				     NULL, NULL);
			return;
		}
	}
	cp_sip_req_set_contact_user(req, c->name);	/* F-10 */
	state_changed(f);	/* NOTIFYs in its dialog move our CSeq */
	if (bye) {	/* F-28: the focus hangs up on its own dialog */
		bool amb;

		p = find_who(c, refer_to, &amb);
		/* a dial-in still joining is turned away (603) */
		if (p == NULL || (p->dialog == NULL && p->call == NULL &&
				  p->req == NULL)) {
			cp_sip_reply(f->sip, req, 404, NULL, NULL);	/* F-31 */
			return;
		}
		if (cp_sip_sub_answer(f->sip, req, 202, 60, NULL, &sub) < 0)
			return;
		cp_sip_refer_notify(f->sip, sub, 100, NULL, false);
		LOG_INFO("conference %s: %s removed by REFER from %s", c->name,
			 p->from, who);
		send_away(f, p, CP_ROSTER_DISC_BOOTED, Q850_NORMAL,
			  "removed by REFER");
		cp_sip_refer_notify(f->sip, sub, 200, NULL, true);
		return;
	}
	/* F-26: <referred> by the Referred-By, else the REFER's From */
	p = dial_out(f, c, refer_to, referred_by,
		     by_uri != NULL ? by_uri : who, "REFER",
		     CP_FOCUS_RING_DEFAULT, &err);
	if (p == NULL) {
		if (err == -EAGAIN)
			LOG_WARN("conference %s: dial-out to %s for %s refused "
				 "(503): worker %u " AT_LIMIT, c->name,
				 refer_to, who, c->worker);
		cp_sip_reply(f->sip, req, err == -ENOSPC || err == -EAGAIN ?
			     503 : 500, NULL, NULL);
		return;
	}
	if (cp_sip_sub_answer(f->sip, req, 202, 60, p, &p->refer_sub) == 0)
		cp_sip_refer_notify(f->sip, p->refer_sub, 100, NULL,
				    false);	/* F-33 */
}

/* A conference or the factory (OPTIONS to anything else: 404). */
static bool
serves_user(void *ctx, const char *user)
{
	struct cp_focus *f = ctx;

	return strcmp(user, f->cfg.factory) == 0 || conf_find(f, user) != NULL;
}

void
cp_focus_sip_app(struct cp_focus *f, struct cp_sip_app *app)
{
	memset(app, 0, sizeof(*app));
	app->serves_user = serves_user;
	app->on_invite = on_invite;
	app->on_cancel = on_cancel;
	app->on_ack = on_ack;
	app->on_dialog_end = on_dialog_end;
	app->on_subscribe = on_subscribe;
	app->on_sub_end = on_sub_end;
	app->on_refer = on_refer;
	app->on_call_progress = on_call_progress;
	app->on_call_answered = on_call_answered;
	app->on_reanswer = on_reanswer;
	app->on_call_failed = on_call_failed;
	app->ctx = f;
}

static void
append_digit(char *buf, size_t len, char d)
{
	size_t n = strlen(buf);

	if (n + 1 < len) {
		buf[n] = d;
		buf[n + 1] = '\0';
	} else {	/* too long for anything: start over */
		buf[0] = d;
		buf[1] = '\0';
	}
}

/* Lock or unlock c (by: who asked, for the log): while locked, joins
 * are refused (the policy lets its moderators in). The roster says so. */
static void
set_locked(struct conf *c, bool locked, const char *by)
{
	c->locked = locked;
	if (c->roster != NULL)
		cp_roster_set_locked(c->roster, c->locked);
	roster_changed(c);
	LOG_INFO("conference %s %s by %s", c->name,
		 c->locked ? "locked" : "unlocked", by);
}

/* What a DTMF command does (the policy allowed it). */
static void
dtmf_action(struct cp_focus *f, struct part *p, enum cp_policy_dtmf_action a)
{
	struct conf *c = p->conf;

	switch (a) {
	case CP_POLICY_DTMF_MUTE_SELF:
	case CP_POLICY_DTMF_UNMUTE_SELF:
	case CP_POLICY_DTMF_TOGGLE_MUTE_SELF:
		if (a == CP_POLICY_DTMF_MUTE_SELF ||
		    (a == CP_POLICY_DTMF_TOGGLE_MUTE_SELF &&
		     !(p->op_flags & SHM_LEG_MUTE)))
			p->op_flags |= SHM_LEG_MUTE;
		else
			p->op_flags &= (uint8_t)~SHM_LEG_MUTE;
		leg_flags(p);
		send_leg_update(f, p);
		LOG_INFO("conference %s: %s %s itself", c->name, p->from,
			 (p->op_flags & SHM_LEG_MUTE) ? "muted" : "unmuted");
		break;
	case CP_POLICY_DTMF_LOCK:
	case CP_POLICY_DTMF_UNLOCK:
	case CP_POLICY_DTMF_TOGGLE_LOCK:
		set_locked(c, a == CP_POLICY_DTMF_LOCK ||
			      (a == CP_POLICY_DTMF_TOGGLE_LOCK && !c->locked),
			   p->from);
		state_changed(f);
		break;
	case CP_POLICY_DTMF_MUTE_ALL:
	case CP_POLICY_DTMF_UNMUTE_ALL:
		for (struct part *q = c->parts; q != NULL; q = q->next) {
			if (q == p)
				continue;
			if (a == CP_POLICY_DTMF_MUTE_ALL)
				q->op_flags |= SHM_LEG_MUTE;
			else
				q->op_flags &= (uint8_t)~SHM_LEG_MUTE;
			leg_flags(q);
			send_leg_update(f, q);
		}
		LOG_INFO("conference %s: everyone %s by %s", c->name,
			 a == CP_POLICY_DTMF_MUTE_ALL ? "muted" : "unmuted",
			 p->from);
		break;
	case CP_POLICY_DTMF_END:
		LOG_INFO("conference %s ended by %s", c->name, p->from);
		for (struct part *q = c->parts; q != NULL; q = q->next)
			send_away(f, q, CP_ROSTER_DISC_BOOTED, Q850_NORMAL,
				  "the conference ended");
		break;
	default:
		break;
	}
}

/* A digit from p: the PIN while one is awaited, else a DTMF command. */
static void
on_digit(struct cp_focus *f, struct part *p, char d)
{
	struct cp_policy_decision dec;
	struct cp_policy_req r = { .from_uri = p->from,
				   .from_asserted = p->asserted,
				   .auth_user = p->auth_user[0] ? p->auth_user :
						NULL,
				   .is_creator = made_by(p->conf, p->from,
							 p->asserted),
				   .n_participants = p->conf->n_parts - 1,
				   .conf_active = true,
				   .locked = p->conf->locked,
				   .now_s = (uint64_t)time(NULL) };
	char uri[128];

	if (f->policy == NULL || p->prov)
		return;		/* no SIP user: no PIN nor commands */
	conf_uri(f, p->conf, uri, sizeof(uri));
	r.conf_uri = uri;
	if (p->pin_pending) {
		if (d != '#') {
			append_digit(p->pin, sizeof(p->pin), d);
			return;
		}
		r.op = CP_POLICY_JOIN;
		r.pin = p->pin;
		if (cp_policy_decide(f->policy, &r, &dec) == CP_POLICY_ALLOW) {
			p->pin_pending = false;
			leg_flags(p);
			send_leg_update(f, p);
			LOG_INFO("conference %s: %s entered the right PIN",
				 p->conf->name, p->from);
		} else {
			LOG_INFO("conference %s: %s entered a wrong PIN: "
				 "hanging up", p->conf->name, p->from);
			f->st.refused++;
			send_away(f, p, CP_ROSTER_DISC_BOOTED, Q850_NORMAL,
				  "wrong PIN");
		}
		p->pin[0] = '\0';
		return;
	}
	append_digit(p->dtmf, sizeof(p->dtmf), d);
	r.op = CP_POLICY_DTMF;
	r.dtmf = p->dtmf;
	switch (cp_policy_decide(f->policy, &r, &dec)) {
	case CP_POLICY_COLLECT:
		return;		/* the start of a command: wait for more */
	case CP_POLICY_ALLOW:
		dtmf_action(f, p, dec.action);
		break;
	default:
		LOG_DEBUG("conference %s: %s: DTMF %s: %d %s", p->conf->name,
			  p->from, p->dtmf, dec.status, dec.reason);
		break;
	}
	p->dtmf[0] = '\0';
}

void
cp_focus_on_event(void *ctx, unsigned int worker, const struct shm_msg *ev)
{
	struct cp_focus *f = ctx;
	struct part *p;

	switch (ev->hdr.type) {
	case SHM_EVT_MEDIA_TIMEOUT:
		p = part_find_leg(f, ev->body.timeout.leg_id);
		if (p == NULL) {
			orphan_timeout(f, worker, ev);
			return;
		}
		f->st.timeouts++;
		if (p->prov)	/* thousands at once: prov_reap() sums up */
			LOG_DEBUG("%s in conference %s: no media for %u ms",
				  p->from, p->conf->name,
				  ev->body.timeout.idle_ms);
		else
			LOG_INFO("%s in conference %s: no media for %u ms: "
				 "hanging up", p->from, p->conf->name,
				 ev->body.timeout.idle_ms);
		send_away(f, p, CP_ROSTER_DISC_FAILED, Q850_TIMER, "no media");
		break;
	case SHM_EVT_TALKER:
		p = part_find_leg(f, ev->body.talker.leg_id);
		if (p == NULL)
			return;
		p->talking = ev->body.talker.talking != 0;
		LOG_DEBUG("conference %s: %s %s talking", p->conf->name,
			  p->from, p->talking ? "started" : "stopped");
		break;
	case SHM_EVT_DTMF:
		p = part_find_leg(f, ev->body.dtmf.leg_id);
		if (p == NULL)
			return;
		LOG_DEBUG("conference %s: %s pressed %c", p->conf->name,
			  p->from, ev->body.dtmf.digit);
		on_digit(f, p, (char)ev->body.dtmf.digit);
		break;
	default:
		break;
	}
}

/*
 * A new tutti-dp gets p's SRTP leg with its keys, its sessions started
 * afresh: the packet index of what it sends starts again under the key
 * the one before sent with. Under the same SSRC that could repeat the
 * keystream of packets already sent (RFC 3711 section 9.1: a key must
 * never protect an index of one SSRC twice); the SSRC is in the IV
 * (section 4.1.1), so under a new one the keystream is new. The peer
 * takes it as a new source (RFC 3550 section 8.2), a new SRTP stream at
 * its first packet: no signalling, and no peer has to take new keys
 * mid-call (baresip 1.0 does not).
 */
static void
leg_new_ssrc(struct part *p)
{
	uint32_t was = p->leg.ssrc;

	do
		p->leg.ssrc = (uint32_t)rand64();
	while (p->leg.ssrc == was);
}

/* An SRTP leg's entry in the leg table of a tutti-dp that is gone: where
 * the peer's stream was, kept for the next tutti-dp. */
static void
keep_index(void *ctx, const struct shm_leg_entry *e)
{
	struct part *p = part_find_leg(ctx, e->leg.leg_id);

	if (p == NULL || !(p->leg.flags & SHM_LEG_SRTP) || !e->srtp_rx_known)
		return;
	p->srtp_index = true;
	p->srtp_rx_ssrc = e->srtp_rx_ssrc;
	p->srtp_rx_roc = e->srtp_rx_roc;
	p->srtp_rx_seq = e->srtp_rx_seq;
}

void
cp_focus_dp_lost(struct cp_focus *f)
{
	cp_dpctl_legs(f->d, keep_index, f);
}

void
cp_focus_replay(struct cp_focus *f)
{
	uint32_t n_confs = 0, n_legs = 0;

	q_flush(f, true);	/* for the tutti-dp before: all of it goes again */
	for (struct conf *c = f->confs; c != NULL; c = c->next) {
		if (!c->on_dp)
			continue;
		if (c->worker >= f->d->region.hdr->n_workers)
			c->worker = 0;	/* fewer workers than before */
		send_conf(f, c, SHM_CMD_CONF_CREATE);
		n_confs++;
		for (struct part *p = c->parts; p != NULL; p = p->next) {
			struct shm_msg m;

			/* a provisioned leg not yet taken is sent by
			 * prov_pump(), which waits for its answer */
			if (p->state == PART_GONE || p->prov_unsent ||
			    (p->prov && p->state == PART_JOINING))
				continue;
			if (p->leg.flags & SHM_LEG_SRTP)
				leg_new_ssrc(p);
			shm_msg_init(&m, SHM_CMD_LEG_ADD, 0, c->conf_id);
			m.body.leg = p->leg;
			if (dp_send(f, c->worker, &m, NULL, NULL) < 0)
				f->st.dp_errors++;
			else
				send_keys(f, p);
			p->srtp_index = false;	/* for this tutti-dp only */
			n_legs++;
		}
	}
	if (n_confs > 0)
		LOG_INFO("told the new tutti-dp about %u conference%s and %u "
			 "leg%s", n_confs, n_confs == 1 ? "" : "s", n_legs,
			 n_legs == 1 ? "" : "s");
	f->state_gen = f->d->generation;
	state_changed(f);
}

/* ---- the state file (state.h) and taking over after a restart ---- */

void
cp_focus_flush(struct cp_focus *f)
{
	if (f->state_dirty && f->state_ready)
		state_save(f);
}

unsigned int
cp_focus_stop_dialling(struct cp_focus *f)
{
	unsigned int n = 0;

	for (struct conf *c = f->confs; c != NULL; c = c->next)
		for (struct part *p = c->parts; p != NULL; p = p->next) {
			if (p->call == NULL)
				continue;
			if (!p->cancelling) {
				LOG_INFO("conference %s: cancelling the "
					 "dial-out to %s: tutti-cp stops",
					 c->name, p->from);
				send_away(f, p, CP_ROSTER_DISC_FAILED,
					  Q850_TEMPORARY, "tutti-cp stopped");
			}
			n++;
		}
	return n;
}

/* Is p's call worth keeping across a restart (answered, with a dialog)? */
static bool
part_is_kept(const struct cp_focus *f, const struct part *p)
{
	return (p->state == PART_CONNECTED || p->state == PART_UPDATING) &&
	       (f->sip == NULL || p->dialog != NULL || p->prov);
}

static int
state_fill_part(struct cp_focus *f, const struct part *p,
		struct cp_state_part *sp)
{
	snprintf(sp->conf, sizeof(sp->conf), "%s", p->conf->name);
	sp->leg_id = p->leg_id;
	sp->port = p->port;
	snprintf(sp->from, sizeof(sp->from), "%s", p->from);
	sp->dialed_out = p->dialed_out;
	sp->moderator = p->moderator;
	sp->held = p->held;
	sp->pin_pending = p->pin_pending;
	sp->op_flags = p->op_flags;
	sp->prov = p->prov;
	sp->anon = p->anon;
	sp->asserted = p->asserted;
	snprintf(sp->auth_user, sizeof(sp->auth_user), "%s", p->auth_user);
	sp->sdp_id = p->sess.id;
	sp->sdp_version = p->sess.version;
	sp->sdp_hash = p->sess.last_hash;
	sp->leg = p->leg;
	if ((p->leg.flags & SHM_LEG_SRTP) && p->srtp_known && p->srtp_key_ok) {
		sp->srtp_suite = p->srtp_suite;
		memcpy(sp->srtp_key, p->srtp_key, sizeof(sp->srtp_key));
		memcpy(sp->srtp_rx_key, p->srtp_rx_key,
		       sizeof(sp->srtp_rx_key));
	}
	if (f->sip == NULL || p->dialog == NULL)
		return 0;
	if (cp_sip_dialog_save(p->dialog, &sp->dlg) < 0)
		return -ENAMETOOLONG;
	snprintf(sp->display, sizeof(sp->display), "%s",
		 sp->dlg.remote_display);
	return 0;
}

/*
 * Write the state file now (cp_focus_poll(), cp_focus_free()). A write
 * costs time in proportion to the calls (and an fsync), so the next one
 * waits ten times as long as this one took: a small focus writes after
 * every change, a big one during a burst of joins spends at most a tenth
 * of its loop on the file.
 */
static void
state_save(struct cp_focus *f)
{
	struct cp_state st = { 0 };
	uint64_t t0 = shm_now_ns();
	char err[512];
	int rc = -ENOMEM;

	f->state_dirty = false;
	if (f->cfg.state_path == NULL)
		return;
	st.dp_generation = f->state_gen;
	for (unsigned int w = 0; w < SHM_MAX_WORKERS; w++)
		if (f->worker_drained[w])
			st.drained |= 1ULL << w;
	for (struct conf *c = f->confs; c != NULL; c = c->next) {
		struct cp_state_conf *sc;

		if (!c->on_dp)
			continue;	/* nothing of it runs */
		if ((sc = cp_state_add_conf(&st)) == NULL)
			goto out_fail;
		snprintf(sc->name, sizeof(sc->name), "%s", c->name);
		conf_uri(f, c, sc->uri, sizeof(sc->uri));
		sc->conf_id = c->conf_id;
		sc->worker = c->worker;
		sc->adhoc = c->adhoc;
		sc->locked = c->locked;
		sc->on_dp = c->on_dp;
		snprintf(sc->creator, sizeof(sc->creator), "%s", c->creator);
		sc->creator_asserted = c->creator_asserted;
		sc->prov = c->prov;
		sc->params = c->params;
		for (unsigned int i = 0; i < c->n_dial; i++) {
			struct cp_state_dial *sd;

			if (!(c->dial_pending & (1u << i)))
				continue;
			if ((sd = cp_state_add_dial(&st)) == NULL)
				goto out_fail;
			snprintf(sd->conf, sizeof(sd->conf), "%s", c->name);
			snprintf(sd->uri, sizeof(sd->uri), "%s", c->dial[i]);
		}
		for (struct part *p = c->parts; p != NULL; p = p->next) {
			struct cp_state_part *sp;

			if (!part_is_kept(f, p))
				continue;
			if ((sp = cp_state_add_part(&st)) == NULL)
				goto out_fail;
			if (state_fill_part(f, p, sp) < 0) {
				LOG_WARN("conference %s: %s: its SIP dialog "
					 "does not fit the state file: a "
					 "restarted tutti-cp will not take it "
					 "over", c->name, p->from);
				st.n_parts--;
			}
		}
	}
	rc = cp_state_write(f->cfg.state_path, &st, err, sizeof(err));
	cp_state_clear(&st);
	f->state_next_ms = mono_ms() + (shm_now_ns() - t0) * 10 / 1000000;
	if (rc < 0)
		goto out_say;
	if (f->state_failed)
		LOG_INFO("state file %s written again", f->cfg.state_path);
	f->state_failed = false;
	return;
out_fail:
	cp_state_clear(&st);
	snprintf(err, sizeof(err), "%s: out of memory", f->cfg.state_path);
out_say:
	/* the next change tries again */
	if (!f->state_failed)
		LOG_ERR("cannot write the state file: %s (a restarted tutti-cp "
			"could not take over the calls)", err);
	f->state_failed = true;
}

/* A leg no participant owns: remove it from the data plane. */
static void
remove_leg(struct cp_focus *f, unsigned int worker, uint32_t conf_id,
	   uint32_t leg_id)
{
	struct shm_msg m;

	shm_msg_init(&m, SHM_CMD_LEG_REMOVE, 0, conf_id);
	m.body.leg.leg_id = leg_id;
	if (dp_send(f, worker, &m, NULL, NULL) < 0)
		f->st.dp_errors++;
}

struct leg_find {
	uint32_t leg_id;
	bool found;
	struct shm_leg_entry e;
};

static void
find_leg(void *ctx, const struct shm_leg_entry *e)
{
	struct leg_find *lf = ctx;

	if (e->leg.leg_id == lf->leg_id) {
		lf->e = *e;
		lf->found = true;
	}
}

/* tutti-dp's leg table entries by leg id (qsort(), bsearch()) */
static int
cmp_leg_id(const void *a, const void *b)
{
	uint32_t x = ((const struct shm_leg_entry *)a)->leg.leg_id;
	uint32_t y = ((const struct shm_leg_entry *)b)->leg.leg_id;

	return (x > y) - (x < y);
}

/* The data plane's leg table, copied. */
struct leg_list {
	uint32_t n, cap;
	struct shm_leg_entry *e;
	bool *claimed;		/* by a participant of the state */
	bool oom;
};

static void
grow_leg(void *ctx, const struct shm_leg_entry *e)
{
	struct leg_list *l = ctx;

	if (l->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 64;
		struct shm_leg_entry *ne = realloc(l->e, cap * sizeof(*ne));

		if (ne == NULL) {
			l->oom = true;
			return;
		}
		l->e = ne;
		l->cap = cap;
	}
	l->e[l->n++] = *e;
}

/* Where the entries of leg leg_id start in l (sorted by leg id:
 * cmp_leg_id()); l->n if it has none. The table is tutti-dp's: nothing
 * here counts on a leg id being in it once. */
static uint32_t
leg_first(const struct leg_list *l, uint32_t leg_id)
{
	struct shm_leg_entry key;
	const struct shm_leg_entry *hit;

	key.leg.leg_id = leg_id;
	hit = bsearch(&key, l->e, l->n, sizeof(*l->e), cmp_leg_id);
	if (hit == NULL)
		return l->n;
	while (hit > l->e && hit[-1].leg.leg_id == leg_id)
		hit--;
	return (uint32_t)(hit - l->e);
}

/* The entry of leg leg_id in conference conf_id, in l sorted by leg id,
 * or NULL. */
static const struct shm_leg_entry *
leg_find(const struct leg_list *l, uint32_t leg_id, uint32_t conf_id)
{
	for (uint32_t i = leg_first(l, leg_id);
	     i < l->n && l->e[i].leg.leg_id == leg_id; i++)
		if (l->e[i].conf_id == conf_id)
			return &l->e[i];
	return NULL;
}

/*
 * The media of a leg no participant owns timed out: one left running
 * after a takeover without state. Remove it, and free its slot.
 */
static void
orphan_timeout(struct cp_focus *f, unsigned int worker,
	       const struct shm_msg *ev)
{
	struct leg_find lf = { .leg_id = ev->body.timeout.leg_id };
	/* the takeover's unowned legs, sorted by leg id, looked up there */
	struct leg_list ol = { .n = f->n_orphans, .e = f->orphans };
	struct shm_leg_entry *o = NULL;
	uint32_t slot, i;

	if (!f->state_ready)
		return;
	remove_leg(f, worker, ev->hdr.conf_id, lf.leg_id);
	f->orphans_removed++;	/* cp_focus_poll() says how many */
	LOG_DEBUG("leg %u (conference id %u), which no participant owns, has "
		  "had no media for %u ms: removing it", lf.leg_id,
		  ev->hdr.conf_id, ev->body.timeout.idle_ms);
	if (ol.n > 0 && (i = leg_first(&ol, lf.leg_id)) < ol.n)
		o = &ol.e[i];	/* (bsearch() of none: not on NULL) */
	if (o != NULL) {
		/* one of the takeover's: its pair was kept from new calls
		 * (reserve_ids()), so none has it; given back once */
		if (o->state == SHM_LEG_FREE)
			return;
		o->state = SHM_LEG_FREE;
		port_give(f, &o->leg);
		if (--f->orphans_left == 0) {
			free(f->orphans);
			f->orphans = NULL;
			f->n_orphans = 0;
		}
		return;
	}
	cp_dpctl_legs(f->d, find_leg, &lf);
	if (!lf.found || (slot = leg_slot(f, &lf.e.leg)) == UINT32_MAX)
		return;
	for (struct conf *c = f->confs; c != NULL; c = c->next)
		for (struct part *p = c->parts; p != NULL; p = p->next)
			if (leg_slot(f, &p->leg) == slot)
				return;	/* given again since */
	port_give(f, &lf.e.leg);
}

/*
 * A media timeout the data plane reported while no tutti-cp was there is
 * lost (the data plane says it once). So, one media timeout after the
 * takeover, a participant taken over whose leg has received nothing since
 * is hung up as a media timeout would have.
 */
static void
restored_check(struct cp_focus *f)
{
	struct leg_list l = { 0 };

	f->restored_check_ms = 0;
	cp_dpctl_legs(f->d, grow_leg, &l);
	if (l.n > 0)	/* thousands of legs: looked up, not scanned */
		qsort(l.e, l.n, sizeof(*l.e), cmp_leg_id);
	for (struct conf *c = f->confs; c != NULL; c = c->next)
		for (struct part *p = c->parts; p != NULL; p = p->next) {
			const struct shm_leg_entry *e;

			if (!p->restored)
				continue;
			p->restored = false;
			e = leg_find(&l, p->leg_id, c->conf_id);
			if (e == NULL || e->rx_pkts != p->restored_rx)
				continue;
			f->st.timeouts++;
			if (p->prov)	/* prov_reap() sums them up */
				LOG_DEBUG("%s in conference %s: no media since "
					  "the takeover", p->from, c->name);
			else
				LOG_INFO("%s in conference %s: no media since "
					 "the takeover: hanging up", p->from,
					 c->name);
			send_away(f, p, CP_ROSTER_DISC_FAILED, Q850_TIMER,
				  "no media");
		}
	free(l.e);
}

static const struct cp_state_conf *
state_conf(const struct cp_state *st, const char *name)
{
	for (uint32_t i = 0; i < st->n_confs; i++)
		if (strcmp(st->confs[i].name, name) == 0)
			return &st->confs[i];
	return NULL;
}

/* The leg of participant sp in the table (sorted by leg id): same id,
 * conference, address and port. */
static int
leg_of(const struct leg_list *l, const struct cp_state_conf *sc,
       const struct cp_state_part *sp)
{
	for (uint32_t i = leg_first(l, sp->leg_id);
	     i < l->n && l->e[i].leg.leg_id == sp->leg_id; i++)
		if (l->e[i].conf_id == sc->conf_id &&
		    l->e[i].worker == sc->worker &&
		    ntohs(l->e[i].leg.local_port) == sp->port &&
		    memcmp(l->e[i].leg.local_addr, sp->leg.local_addr,
			   sizeof(sp->leg.local_addr)) == 0)
			return (int)i;
	return -1;
}

/* The conference of a state record, made again (or the standing one of
 * that name, taking the id and worker the data plane runs it under). */
static struct conf *
restore_conf(struct cp_focus *f, const struct cp_state_conf *sc)
{
	struct conf *c = conf_find(f, sc->name);

	if (c == NULL) {
		if ((c = conf_new(f, sc->name, sc->adhoc)) == NULL)
			return NULL;
		snprintf(c->creator, sizeof(c->creator), "%s", sc->creator);
		c->creator_asserted = sc->creator_asserted;
		conf_apply_policy(f, c);
	}
	c->prov = sc->prov;
	if (sc->params.rate_hz != 0)
		c->params = sc->params;
	c->conf_id = sc->conf_id;
	c->worker = sc->worker;
	c->on_dp = true;
	c->locked = sc->locked;
	/* it started before the restart: its policy's dial-outs were made
	 * then, and who answered is in the state */
	c->dial_done = true;
	c->dial_pending = 0;
	if (c->roster != NULL)
		cp_roster_set_locked(c->roster, c->locked);
	return c;
}

/* An SRTP participant's suite and keys as the state file kept them: false
 * if it kept none (p's leg is plain, or an older tutti-cp's file). */
static bool
state_keys(struct part *p, const struct cp_state_part *sp)
{
	if (!(p->leg.flags & SHM_LEG_SRTP) || sp->srtp_suite == SHM_SRTP_NONE)
		return false;
	p->srtp_suite = sp->srtp_suite;
	memcpy(p->srtp_key, sp->srtp_key, sizeof(p->srtp_key));
	memcpy(p->srtp_rx_key, sp->srtp_rx_key, sizeof(p->srtp_rx_key));
	p->srtp_known = p->srtp_key_ok = true;
	return true;
}

/* A participant of the state whose leg runs: in again, SIP and all. */
static int
restore_part(struct cp_focus *f, struct conf *c,
	     const struct cp_state_part *sp, const struct shm_leg_entry *e)
{
	struct part *p = calloc(1, sizeof(*p));
	char ip[INET_ADDRSTRLEN];
	uint32_t slot;
	int rc;

	if (p == NULL)
		return -ENOMEM;
	p->conf = c;
	p->leg_id = sp->leg_id;
	p->port = sp->port;
	p->state = PART_CONNECTED;
	p->leg = e->leg;	/* what runs, should the file lag behind */
	p->restored = e->leg.timeout_ms != 0;
	p->restored_rx = e->rx_pkts;
	if (p->restored &&
	    mono_ms() + e->leg.timeout_ms + 1000 > f->restored_check_ms)
		f->restored_check_ms = mono_ms() + e->leg.timeout_ms + 1000;
	if (memcmp(&p->leg, &sp->leg, sizeof(p->leg)) != 0)
		LOG_INFO("conference %s: leg %u: tutti-dp runs a later "
			 "version of it than the state file: keeping tutti-dp's",
			 c->name, p->leg_id);
	p->op_flags = sp->op_flags;
	p->held = sp->held;
	p->pin_pending = sp->pin_pending;
	p->moderator = sp->moderator;
	p->dialed_out = sp->dialed_out;
	p->prov = sp->prov;
	snprintf(p->auth_user, sizeof(p->auth_user), "%s", sp->auth_user);
	snprintf(p->from, sizeof(p->from), "%s", sp->from);
	p->anon = sp->anon;
	p->asserted = sp->asserted;
	/* SRTP: both keys and the suite as the state file kept them; from a
	 * file without them (an older tutti-cp's), the key of the SDP it last
	 * sent, which is what tutti-dp sends with, and the peer's not known
	 * until its next offer or answer */
	p->secure = sp->dlg.tls;
	if (!state_keys(p, sp)) {
		p->srtp_key_ok = cp_sdp_own_key(sp->dlg.local_sdp,
						p->srtp_key) == 0;
		if (!p->srtp_key_ok)
			part_key_new(p);
	}
	cp_sdp_sess_init(&p->sess, sp->sdp_id, sp->sdp_version);
	p->sess.last_hash = sp->sdp_hash;
	p->sess.sent = true;
	if (f->sip != NULL && !p->prov &&
	    (rc = cp_sip_dialog_restore(f->sip, &sp->dlg, p, &p->dialog)) < 0) {
		free(p);
		return rc;
	}
	if ((slot = leg_slot(f, &p->leg)) != UINT32_MAX)
		f->port_used[slot] = 1;
	else if (!p->prov)	/* a provisioned leg's port is its file's */
		LOG_WARN("conference %s: leg %u uses RTP address %s port %u, "
			 "outside --media-ip and --rtp-ports", c->name,
			 p->leg_id, leg_local_ip(f, &p->leg, ip), p->port);
	part_link(f, c, p);
	f->worker_legs[c->worker]++;
	f->st.n_participants++;
	roster_part(c, p);
	return 0;
}

/* A participant of the state whose leg is gone: hang up its call, with
 * Q.850 cause 41 (temporary failure) and why in its Reason. */
static void
drop_part(struct cp_focus *f, const struct cp_state_part *sp,
	  const char *why)
{
	struct cp_sip_dialog *d = NULL;
	char reason[160];
	int rc;

	if (sp->prov) {
		LOG_INFO("state: provisioned leg %s in conference %s (leg %u): "
			 "%s", sp->from, sp->conf, sp->leg_id, why);
		return;
	}
	LOG_INFO("state: %s in conference %s (leg %u): %s: hanging up",
		 sp->from, sp->conf, sp->leg_id, why);
	if (f->sip == NULL)
		return;
	rc = cp_sip_dialog_restore(f->sip, &sp->dlg, NULL, &d);
	snprintf(reason, sizeof(reason), "Q.850;cause=%d;text=\"%s\"",
		 Q850_TEMPORARY, why);
	if (rc == 0)
		rc = cp_sip_dialog_bye_why(f->sip, d, reason);
	if (rc < 0)
		LOG_WARN("state: cannot send BYE to %s: %s", sp->from,
			 strerror(-rc));
}

/* A provisioned leg of the state that the data plane no longer runs (a
 * new generation): made again, its conference too if need be, to be sent
 * by prov_pump(). Returns 0 or -ENOMEM. */
static int
prov_again(struct cp_focus *f, const struct cp_state_conf *sc,
	   const struct cp_state_part *sp)
{
	struct conf *c = conf_find(f, sc->name);
	struct part *p;

	if (c == NULL) {
		if ((c = conf_new(f, sc->name, false)) == NULL)
			return -ENOMEM;
		c->prov = true;
		if (sc->params.rate_hz != 0)
			c->params = sc->params;
		c->locked = sc->locked;
		if (c->roster != NULL)
			cp_roster_set_locked(c->roster, c->locked);
	}
	if ((p = prov_part_new(f, c, &sp->leg, 0)) == NULL)
		return -ENOMEM;
	snprintf(p->from, sizeof(p->from), "%s", sp->from);
	p->anon = sp->anon;
	p->asserted = sp->asserted;
	p->op_flags = sp->op_flags;
	if (state_keys(p, sp))	/* the same key from a new index: */
		leg_new_ssrc(p);	/* never the same SSRC */
	f->worker_legs[c->worker]++;
	return 0;
}

/* Ids and slots never to hand out again: everything the table holds. */
static void
reserve_ids(struct cp_focus *f, const struct leg_list *l,
	    const struct cp_state *st, bool reserve_ports)
{
	uint32_t max_conf = f->next_conf_id;

	for (uint32_t i = 0; i < l->n; i++) {
		uint32_t slot = leg_slot(f, &l->e[i].leg);

		if (l->e[i].leg.leg_id > f->next_leg_id)
			f->next_leg_id = l->e[i].leg.leg_id;
		if (l->e[i].conf_id > max_conf)
			max_conf = l->e[i].conf_id;
		if (reserve_ports && !l->claimed[i] && slot != UINT32_MAX)
			f->port_used[slot] = 1;
	}
	for (uint32_t i = 0; i < st->n_confs; i++)
		if (st->confs[i].conf_id > max_conf)
			max_conf = st->confs[i].conf_id;
	for (uint32_t i = 0; i < st->n_parts; i++)
		if (st->parts[i].leg_id > f->next_leg_id)
			f->next_leg_id = st->parts[i].leg_id;
	/* a conference not on the data plane must not take an id that is */
	f->next_conf_id = max_conf;
	for (struct conf *c = f->confs; c != NULL; c = c->next) {
		bool taken = false;

		if (c->on_dp)	/* its id is its own (2,000 conferences over
				 * 20,000 legs: no walk of them each) */
			continue;
		for (uint32_t i = 0; i < l->n && !taken; i++)
			taken = l->e[i].conf_id == c->conf_id;
		for (uint32_t i = 0; i < st->n_confs && !taken; i++)
			taken = st->confs[i].conf_id == c->conf_id;
		if (taken)
			c->conf_id = ++f->next_conf_id;
	}
}

/* The workers drained before the restart (the state file's drain
 * record), whatever became of the calls: the operator's, not tutti-dp's. */
static void
drains_restore(struct cp_focus *f, uint64_t drained)
{
	uint32_t n_w = f->d->region.hdr->n_workers;

	for (unsigned int w = 0; w < SHM_MAX_WORKERS; w++) {
		if (!(drained & (1ULL << w)))
			continue;
		if (w >= n_w) {
			LOG_WARN("state file: worker %u was drained, but "
				 "tutti-dp now has %u workers: ignored", w,
				 n_w);
			continue;
		}
		f->worker_drained[w] = true;
		LOG_INFO("worker %u stays drained, as before the restart "
			 "(tuttictl undrain %u to end it)", w, w);
	}
}

/* The policy's dial-outs that waited for their worker before the restart
 * (the state file's dial records), in the conferences taken over (which
 * count as dialled): tried again as soon as the loop runs. */
static void
dials_restore(struct cp_focus *f, const struct cp_state *st)
{
	for (uint32_t i = 0; i < st->n_dials; i++) {
		const struct cp_state_dial *d = &st->dials[i];
		struct conf *c = conf_find(f, d->conf);
		unsigned int k = 0;

		if (c == NULL || !c->on_dp) {
			LOG_WARN("state: the dial-out to %s waited in "
				 "conference %s, which did not come back: not "
				 "dialled", d->uri, d->conf);
			continue;
		}
		while (k < c->n_dial && strcmp(c->dial[k], d->uri) != 0)
			k++;
		if (k == c->n_dial) {
			LOG_WARN("state: conference %s: the dial-out to %s "
				 "waited, but the policy no longer has it: not "
				 "dialled", c->name, d->uri);
			continue;
		}
		c->dial_pending |= 1u << k;
		c->dial_next_ms = 0;
		c->dial_wait_ms = 0;
		LOG_INFO("conference %s: the policy's dial-out to %s waited "
			 "for its worker before the restart: trying it again",
			 c->name, d->uri);
	}
}

unsigned int
cp_focus_check_media(struct cp_focus *f)
{
	const struct shm_region_hdr *h = f->d->region.hdr;
	char owns[SHM_MAX_ADDRS * (INET_ADDRSTRLEN + 2)] = "";
	uint32_t n = h->n_addrs < SHM_MAX_ADDRS ? h->n_addrs : SHM_MAX_ADDRS;
	unsigned int bad = 0;
	size_t at = 0;

	memset(f->addr_off, 0, sizeof(f->addr_off));
	memset(f->addr_mask, 0xff, sizeof(f->addr_mask));
	if (n == 0)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		inet_ntop(AF_INET, &h->addrs[i], owns + at,
			  (socklen_t)(sizeof(owns) - at));
		at += strlen(owns + at);
		if (i + 1 < n)
			at += (size_t)snprintf(owns + at, sizeof(owns) - at,
					       ", ");
	}
	for (unsigned int a = 0; a < f->cfg.n_media_addr; a++) {
		char ip[INET_ADDRSTRLEN];
		uint32_t i = 0;

		while (i < n && memcmp(&h->addrs[i],
				       f->cfg.media_addr[a] + 12, 4) != 0)
			i++;
		if (i < n) {
			f->addr_mask[a] = shm_prefix_mask(h->addr_plen[i]);
			continue;
		}
		inet_ntop(AF_INET, f->cfg.media_addr[a] + 12, ip, sizeof(ip));
		LOG_ERR("--media-ip %s: tutti-dp (pid %u) does not own it (it "
			"owns %s: its --addr): no new leg is given it", ip,
			h->dp_pid, owns);
		f->addr_off[a] = true;
		bad++;
	}
	if (bad == 0)
		LOG_INFO("media addresses: tutti-dp owns all %u (it owns %s)",
			 f->cfg.n_media_addr, owns);
	return bad;
}

void
cp_focus_takeover(struct cp_focus *f)
{
	const char *path = f->cfg.state_path;
	struct cp_state st = { 0 };
	struct leg_list l = { 0 };
	uint32_t n_in = 0, n_gone = 0, n_removed = 0, n_again = 0, n_prov = 0;
	const struct cp_state_conf *last_sc = NULL;
	struct conf *last_c = NULL;
	bool trusted = false;	/* the state says what every leg is */
	char err[512], ip[INET_ADDRSTRLEN];
	int rc;

	f->state_gen = f->d->generation;
	f->took_over = true;
	if (path == NULL)
		return;
	cp_dpctl_legs(f->d, grow_leg, &l);
	if (l.n > 0)	/* leg_of() looks legs up by id */
		qsort(l.e, l.n, sizeof(*l.e), cmp_leg_id);
	l.claimed = calloc(l.n ? l.n : 1, sizeof(bool));
	if (l.oom || l.claimed == NULL) {
		LOG_ERR("takeover: out of memory reading the leg table: the "
			"data plane's legs are left alone");
		goto out;
	}
	rc = cp_state_read(path, &st, err, sizeof(err));
	if (rc == 0 && st.skipped != 0)
		LOG_WARN("state file %s: skipped %u %s this tutti-cp does "
			 "not know (from a newer one?), the first at line "
			 "%lu: %s", path, st.skipped, st.skipped == 1 ?
			 "record or field" : "records or fields",
			 st.skipped_line, st.skipped_what);
	if (rc == 0 && st.dp_generation != f->d->generation) {
		LOG_WARN("state file %s is of tutti-dp generation %#" PRIx64
			 ", this one is %#" PRIx64 ": its calls' legs are gone",
			 path, st.dp_generation, f->d->generation);
	} else if (rc == -ENOENT) {
		LOG_INFO("no state file %s: no calls to take over%s", path,
			 l.n ? "" : " (and tutti-dp runs none)");
	} else if (rc < 0) {
		char aside[4096];

		LOG_ERR("state file refused: %s", err);
		snprintf(aside, sizeof(aside), "%s.refused", path);
		if (rc == -EPROTO && rename(path, aside) == 0)
			LOG_ERR("state file set aside as %s; starting with no "
				"calls", aside);
	}
	trusted = rc == 0;
	drains_restore(f, st.drained);
	for (uint32_t i = 0; i < st.n_parts; i++) {
		const struct cp_state_part *sp = &st.parts[i];
		/* a conference's parts are written together: the one
		 * before is likely this one's (20,000 legs, 2,000
		 * conferences: no search of each list per part) */
		const struct cp_state_conf *sc =
			last_sc != NULL && strcmp(last_sc->name, sp->conf) == 0 ?
			last_sc : state_conf(&st, sp->conf);
		int k = st.dp_generation == f->d->generation ?
				leg_of(&l, sc, sp) : -1;
		struct conf *c;

		if (k < 0 && sp->prov && sc != NULL &&
		    st.dp_generation != f->d->generation)
			continue;	/* provisioned again, below */
		if (k < 0) {
			drop_part(f, sp, "tutti-dp no longer runs its leg");
			n_gone++;
			continue;
		}
		c = sc == last_sc ? last_c : restore_conf(f, sc);
		last_sc = sc;
		last_c = c;
		if (c == NULL || (rc = restore_part(f, c, sp, &l.e[k])) < 0) {
			LOG_ERR("state: %s in conference %s (leg %u): cannot "
				"take it over: %s", sp->from, sp->conf,
				sp->leg_id, c == NULL ? "out of memory" :
				strerror(-rc));
			continue;	/* its leg is removed below */
		}
		l.claimed[k] = true;
		n_in++;
		n_prov += sp->prov;
		if (sp->prov)	/* thousands at once: counted below */
			continue;
		LOG_INFO("took over %s in conference %s (leg %u, %s/%u, RTP "
			 "port %u, RTP address %s, worker %u)", sp->from,
			 c->name, sp->leg_id, shm_codec_name(l.e[k].leg.codec),
			 l.e[k].leg.rate_hz, sp->port,
			 leg_local_ip(f, &l.e[k].leg, ip), c->worker);
	}
	/* standing conferences the data plane still runs keep their id */
	for (uint32_t i = 0; i < st.n_confs; i++) {
		const struct cp_state_conf *sc = &st.confs[i];
		struct conf *c = conf_find(f, sc->name);
		struct shm_msg m;

		if (st.dp_generation != f->d->generation ||
		    sc->worker >= f->d->region.hdr->n_workers ||
		    (c != NULL && c->on_dp))
			continue;
		/* standing, or provisioned (with no legs: it stays until
		 * tuttictl end or unprovision) */
		if ((c != NULL && !c->adhoc) || (c == NULL && sc->prov)) {
			restore_conf(f, sc);
			continue;
		}
		/* an ad-hoc one left empty: it ends */
		shm_msg_init(&m, SHM_CMD_CONF_DESTROY, 0, sc->conf_id);
		if (dp_send(f, sc->worker, &m, NULL, NULL) < 0)
			f->st.dp_errors++;
		LOG_INFO("state: conference %s has no one left: ending it",
			 sc->name);
	}
	if (st.dp_generation == f->d->generation)
		dials_restore(f, &st);
	for (uint32_t i = 0; i < l.n && trusted; i++) {
		if (l.claimed[i])
			continue;
		LOG_INFO("leg %u (conference id %u, worker %u, RTP port %u, "
			 "RTP address %s) is not in the state file: removing "
			 "it from tutti-dp", l.e[i].leg.leg_id, l.e[i].conf_id,
			 l.e[i].worker, ntohs(l.e[i].leg.local_port),
			 leg_local_ip(f, &l.e[i].leg, ip));
		remove_leg(f, l.e[i].worker, l.e[i].conf_id,
			   l.e[i].leg.leg_id);
		n_removed++;
	}
	reserve_ids(f, &l, &st, !trusted);
	/* a new tutti-dp runs none of the provisioned legs: they go to it
	 * again, as to a tutti-dp that restarts under this tutti-cp (after
	 * reserve_ids(): they take new leg ids) */
	last_sc = NULL;
	for (uint32_t i = 0; i < st.n_parts; i++) {
		const struct cp_state_part *sp = &st.parts[i];

		if (!sp->prov || st.dp_generation == f->d->generation)
			continue;
		/* its conference: as above, likely the part before's */
		if (last_sc == NULL || strcmp(last_sc->name, sp->conf) != 0)
			last_sc = state_conf(&st, sp->conf);
		if (last_sc == NULL)
			continue;
		if (prov_again(f, last_sc, sp) < 0) {
			LOG_ERR("state: provisioned leg %s in conference %s: "
				"out of memory: not provisioned again",
				sp->from, sp->conf);
			continue;
		}
		n_again++;
	}
	if (n_again > 0)
		LOG_INFO("takeover: %u provisioned leg%s of the earlier "
			 "tutti-dp sent to this one", n_again,
			 n_again == 1 ? "" : "s");
	if (!trusted && l.n > 0) {
		LOG_WARN("takeover: tutti-dp's %u leg%s left running unowned; "
			 "each is removed when its media times out", l.n,
			 l.n == 1 ? " is" : "s are");
		/* kept (sorted by leg id) for orphan_timeout() */
		f->orphans = l.e;
		f->n_orphans = f->orphans_left = l.n;
		l.e = NULL;
	}
	snprintf(err, sizeof(err), " (%u of them provisioned legs)", n_prov);
	LOG_INFO("takeover: %u participant%s taken over%s, %u hung up (leg "
		 "gone), %u leg%s removed (no state)", n_in,
		 n_in == 1 ? "" : "s", n_prov != 0 ? err : "", n_gone,
		 n_removed, n_removed == 1 ? "" : "s");
out:
	f->state_ready = true;
	state_changed(f);
	cp_state_clear(&st);
	free(l.claimed);
	free(l.e);
}

/* ---- the operator socket's commands (tuttictl) ---- */

/* An answer being written: into p (len bytes), which grows (realloc, up
 * to max, *own and *own_cap following it) when own is set. */
struct out {
	char *p;
	size_t len, off;
	char **own;
	size_t *own_cap;
	size_t max;
	bool over;	/* a piece did not fit: p holds the pieces before */
};

/* Room for need bytes in o. Returns 0, -ENOSPC (past max, or o does not
 * grow) or -ENOMEM. */
static int
out_grow(struct out *o, size_t need)
{
	size_t cap = o->len;
	char *p;

	if (o->own == NULL || need > o->max)
		return -ENOSPC;
	while (cap < need)
		cap = 2 * cap < o->max ? 2 * cap : o->max;
	if ((p = realloc(o->p, cap)) == NULL)
		return -ENOMEM;
	o->p = *o->own = p;
	o->len = *o->own_cap = cap;
	return 0;
}

static void TUTTI_PRINTF(2, 3)
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n >= 0 && o->off + (size_t)n < o->len) {
		o->off += (size_t)n;
		return;
	}
	if (n >= 0 && out_grow(o, o->off + (size_t)n + 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(o->p + o->off, o->len - o->off, fmt, ap);
		va_end(ap);
		o->off += (size_t)n;
		return;
	}
	o->p[o->off] = '\0';	/* whole pieces only */
	o->over = true;
}

/* The ports tutti-dp publishes (none while it is down). */
static uint32_t
dp_n_ports(const struct cp_focus *f)
{
	uint32_t n = f->d->up ? f->d->region.hdr->n_ports : 0;

	return n < SHM_MAX_PORTS ? n : SHM_MAX_PORTS;
}

/* Port k's counters as tutti-dp last published them. */
static void
dp_read_port(const struct cp_focus *f, uint32_t k, struct shm_port_stats *s)
{
	shm_read_port(&f->d->region.hdr->ports[k], s);
	s->name[sizeof(s->name) - 1] = '\0';
}

/*
 * ,"session_timer": of a participant's dialog (RFC 4028): its interval,
 * who refreshes it, and in how many seconds the focus refreshes it next
 * or, the peer refreshing, hangs up unless refreshed; null: none.
 */
static void
put_session_timer(struct out *o, const struct cp_sip_dialog *d)
{
	uint64_t left_ms = 0;
	bool ours = false;
	uint32_t se = d != NULL ? cp_sip_dialog_timer(d, &ours, &left_ms) : 0;

	if (se == 0) {
		put(o, ",\"session_timer\":null");
		return;
	}
	put(o, ",\"session_timer\":{\"interval_s\":%u,\"refresher\":\"%s\","
	    "\"due_in_s\":%" PRIu64 "}", se, ours ? "focus" : "peer",
	    (left_ms + 999) / 1000);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void
put_str(struct out *o, const char *s)
{
	put(o, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20)
			put(o, "\\u%04x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
}

static void TUTTI_PRINTF(2, 3)
put_error(struct out *o, const char *fmt, ...)
{
	char msg[1536];	/* a file's path and line, and why */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->off = 0;
	o->over = false;
	put(o, "{\"error\":");
	put_str(o, msg);
	put(o, "}");
}

struct legs_of {
	uint32_t conf_id;
	uint32_t n, cap;
	struct shm_leg_entry *e;
};

static void
collect_leg(void *ctx, const struct shm_leg_entry *e)
{
	struct legs_of *l = ctx;

	if (e->conf_id == l->conf_id && l->n < l->cap)
		l->e[l->n++] = *e;
}

static uint32_t
talkers(const struct conf *c)
{
	uint32_t n = 0;

	for (const struct part *p = c->parts; p != NULL; p = p->next)
		n += p->talking;
	return n;
}

static const char *
state_name(const struct part *p)
{
	static const char *const names[] = { "joining", "connected",
					     "updating", "leaving" };

	return names[p->state];
}

static int
cmp_part_leg_id(const void *a, const void *b)
{
	uint32_t x = (*(struct part *const *)a)->leg_id;
	uint32_t y = (*(struct part *const *)b)->leg_id;

	return (x > y) - (x < y);
}

/*
 * tuttictl show CONF [AFTER [COUNT]] (req: the whole line): c's
 * participants by leg id, those after leg AFTER (default 0), at most
 * COUNT (default all); "next" is the AFTER of the page after this one,
 * if there is one. A conference of 20,000 is 6 MB whole: tuttictl asks
 * for its table a page at a time.
 */
static void
show_conf(struct cp_focus *f, struct conf *c, const char *req, struct out *o)
{
	struct legs_of l = { .conf_id = c->conf_id, .cap = c->n_parts };
	struct part **ps;
	unsigned long after = 0, count = ULONG_MAX;
	char a[2][16] = { "", "" };
	uint32_t n = 0, i = 0, end;
	char *endp;

	if (sscanf(req, "%*s %*s %15s %15s", a[0], a[1]) >= 1) {
		for (int k = 0; k < 2 && a[k][0] != '\0'; k++) {
			unsigned long v;

			errno = 0;
			v = strtoul(a[k], &endp, 10);
			if (errno != 0 || *endp != '\0' || a[k][0] == '-' ||
			    v > UINT32_MAX || (k == 1 && v == 0)) {
				put_error(o, "show: '%s' is no %s", a[k], k ?
					  "count of participants (1 or more)" :
					  "leg id to start after");
				return;
			}
			*(k ? &count : &after) = v;
		}
	}
	ps = calloc(c->n_parts ? c->n_parts : 1, sizeof(*ps));
	l.e = calloc(l.cap ? l.cap : 1, sizeof(*l.e));
	if (ps == NULL || l.e == NULL) {
		put_error(o, "out of memory");
		free(ps);
		free(l.e);
		return;
	}
	if (c->on_dp)
		cp_dpctl_legs(f->d, collect_leg, &l);
	if (l.n > 0)	/* a conference of thousands: looked up, not scanned */
		qsort(l.e, l.n, sizeof(*l.e), cmp_leg_id);
	for (struct part *p = c->parts; p != NULL && n < c->n_parts;
	     p = p->next)
		ps[n++] = p;
	if (n > 0)
		qsort(ps, n, sizeof(*ps), cmp_part_leg_id);
	while (i < n && ps[i]->leg_id <= after)	/* (a page: not the cost) */
		i++;
	end = n - i > count ? i + (uint32_t)count : n;
	put(o, "{\"conference\":{\"name\":");
	put_str(o, c->name);
	put(o, ",\"conf_id\":%u,\"worker\":%u,\"adhoc\":%s,\"locked\":%s,"
	    "\"provisioned\":%s,\"total\":%u", c->conf_id, c->worker,
	    c->adhoc ? "true" : "false", c->locked ? "true" : "false",
	    c->prov ? "true" : "false", n);
	if (end < n)
		put(o, ",\"next\":%u", ps[end - 1]->leg_id);
	put(o, ",\"participants\":[");
	for (uint32_t k = i; k < end; k++) {
		struct part *p = ps[k];
		struct shm_leg_entry key = { .leg.leg_id = p->leg_id };
		const struct shm_leg_entry *e = l.n == 0 ? NULL :
			bsearch(&key, l.e, l.n, sizeof(*l.e), cmp_leg_id);
		char ip[INET_ADDRSTRLEN];

		put(o, "%s{\"leg_id\":%u,\"from\":", k > i ? "," : "",
		    p->leg_id);
		put_str(o, p->from);
		put(o, ",\"state\":\"%s\",\"codec\":\"%s\",\"rate_hz\":%u,"
		    "\"ptime_ms\":%u,\"rtp_addr\":\"%s\",\"rtp_port\":%u,"
		    "\"muted\":%s,\"deaf\":%s,"
		    "\"talking\":%s,\"on_dp\":%s,\"rx_pkts\":%" PRIu64
		    ",\"tx_pkts\":%" PRIu64
		    ",\"lost\":%" PRIu64 ",\"jitter_us\":%u"
		    ",\"concealed\":%" PRIu64 ",\"srtp\":\"%s\""
		    ",\"provisioned\":%s",
		    state_name(p),
		    shm_codec_name(p->leg.codec), p->leg.rate_hz,
		    p->leg.ptime_ms, leg_local_ip(f, &p->leg, ip), p->port,
		    (p->leg.flags & SHM_LEG_MUTE) ? "true" : "false",
		    (p->leg.flags & SHM_LEG_DEAF) ? "true" : "false",
		    p->talking ? "true" : "false",
		    e != NULL ? "true" : "false", e ? e->rx_pkts : 0,
		    e ? e->tx_pkts : 0, e ? e->lost : 0, e ? e->jitter_us : 0,
		    e ? e->concealed : 0,
		    !(p->leg.flags & SHM_LEG_SRTP) ? "none" :
		    p->srtp_known ? shm_srtp_suite_name(p->srtp_suite) :
		    "unknown",	/* taken over: known at its next offer */
		    p->prov ? "true" : "false");
		put_session_timer(o, p->dialog);
		put(o, "}");
	}
	put(o, "]}}");
	free(l.e);
	free(ps);
}

/* The participant of c that who names: its leg id, or its From URI
 * (exactly, or the one From containing who). NULL: none or ambiguous. */
static struct part *
find_who(struct conf *c, const char *who, bool *ambiguous)
{
	char *end;
	unsigned long id = strtoul(who, &end, 10);
	struct part *hit = NULL;

	*ambiguous = false;
	for (struct part *p = c->parts; p != NULL; p = p->next) {
		if ((*end == '\0' && p->leg_id == id) ||
		    strcmp(p->from, who) == 0)
			return p;
		if (strstr(p->from, who) != NULL) {
			if (hit != NULL)
				*ambiguous = true;
			hit = p;
		}
	}
	return *ambiguous ? NULL : hit;
}

static void
stats_json(struct cp_focus *f, struct out *o)
{
	uint32_t n_w = f->d->up ? f->d->region.hdr->n_workers : 0;

	uint32_t t = 0;

	for (struct conf *c = f->confs; c != NULL; c = c->next)
		t += talkers(c);
	put(o, "{\"dp_up\":%s,\"conferences\":%u,\"participants\":%u,"
	    "\"talkers\":%u,"
	    "\"joined\":%" PRIu64 ",\"left\":%" PRIu64 ",\"refused\":%"
	    PRIu64 ",\"timeouts\":%" PRIu64 ",\"workers\":[",
	    f->d->up ? "true" : "false", f->st.n_confs, f->st.n_participants,
	    t, f->st.joined, f->st.left, f->st.refused, f->st.timeouts);
	for (uint32_t w = 0; w < n_w; w++) {
		struct shm_worker_stats s;
		bool first = true;

		shm_read_stats(shm_region_stats(&f->d->region, w), &s);
		put(o, "%s{\"worker\":%u,\"lcore\":%u,\"confs\":%u,\"legs\":%u,"
		    "\"busy_pct\":%.1f,\"ticks\":%" PRIu64 ",\"late_ticks\":%"
		    PRIu64 ",\"tick_us_max\":%.1f,\"tick_us_mean\":%.1f,"
		    "\"poll_gap_us_max\":%.1f,\"plc_shed\":%" PRIu64 ","
		    "\"concealed\":%" PRIu64 ","
		    "\"rx_pkts\":%" PRIu64 ",\"rx_polls\":%" PRIu64
		    ",\"tx_pkts\":%" PRIu64 ",\"load_pct_1s\":%.1f"
		    ",\"rx_pps\":%.0f,\"tx_pps\":%.0f"
		    ",\"overloaded\":%s,\"new_legs_refused\":%" PRIu64
		    ",\"draining\":%s,\"tx_deferred\":%" PRIu64
		    ",\"tx_backlog_max\":%" PRIu64 ",\"dtmf_lost\":%" PRIu64
		    ",\"srtp_drops\":%" PRIu64 ",\"srtp_spills\":%" PRIu32
		    ",\"drops\":{",
		    w ? "," : "", w, s.lcore,
		    s.n_confs,
		    s.n_legs, s.total_cycles ? 100.0 * (double)s.busy_cycles /
		    (double)s.total_cycles : 0.0, s.ticks, s.late_ticks,
		    (double)s.tick_ns_max / 1000.0, s.ticks ?
		    (double)s.tick_ns_sum / (double)s.ticks / 1000.0 : 0.0,
		    (double)s.poll_gap_ns_max / 1000.0, s.plc_shed,
		    s.concealed, s.rx_pkts, s.rx_polls, s.tx_pkts,
		    f->rates ? f->rates[w].load_pct : 0.0,
		    f->rates ? f->rates[w].rx_pps : 0.0,
		    f->rates ? f->rates[w].tx_pps : 0.0,
		    s.overloaded ? "true" : "false", s.new_legs_refused,
		    f->worker_drained[w] ? "true" : "false", s.tx_deferred,
		    s.tx_backlog_max, s.dtmf_lost, s.srtp_drops,
		    s.srtp_spills);
		for (unsigned int i = 0; i < SHM_DROP_MAX_; i++)
			if (s.drops[i] != 0) {
				put(o, "%s\"%s\":%" PRIu64, first ? "" : ",",
				    shm_drop_name(i), s.drops[i]);
				first = false;
			}
		put(o, "},\"ticks_late_ms\":{");
		for (unsigned int b = 0; b < SHM_TICK_LATE_BUCKETS; b++)
			put(o, "%s\"%s\":%" PRIu64, b ? "," : "",
			    shm_tick_late_name(b), s.tick_late[b]);
		put(o, "}}");
	}
	put(o, "],\"ports\":[");
	for (uint32_t k = 0; k < dp_n_ports(f); k++) {
		struct shm_port_stats s;

		dp_read_port(f, k, &s);
		put(o, "%s{\"port\":%u,\"device\":", k ? "," : "",
		    s.port_id);
		put_str(o, s.name);
		put(o, ",\"link_up\":%s,\"speed_mbps\":%u", s.link_up ?
		    "true" : "false", s.speed_mbps);
		put(o, ",\"rx_pkts\":%" PRIu64 ",\"tx_pkts\":%" PRIu64
		    ",\"rx_bytes\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
		    ",\"missed\":%" PRIu64 ",\"rx_errors\":%" PRIu64
		    ",\"tx_errors\":%" PRIu64 ",\"rx_nombuf\":%" PRIu64 "}",
		    s.ipackets, s.opackets, s.ibytes, s.obytes, s.imissed,
		    s.ierrors, s.oerrors, s.rx_nombuf);
	}
	put(o, "]");
	if (f->sip != NULL) {	/* the SIP layer's counters, rate limit too */
		char sip[4096];

		cp_sip_stats_json(f->sip, sip, sizeof(sip));
		put(o, ",\"sip\":%s", sip);
	}
	put(o, "}");
}

/* The subscribers of c (RFC 4575), pending ones first to catch the eye. */
static void
watchers_json(const struct conf *c, struct out *o)
{
	bool first = true;

	put(o, "{\"conference\":");
	put_str(o, c->name);
	put(o, ",\"watchers\":[");
	for (int pass = 0; pass < 2; pass++)
		for (const struct watcher *w = c->watchers; w != NULL;
		     w = w->next) {
			if (w->pending != (pass == 0))
				continue;
			put(o, "%s{\"id\":%u,\"from\":", first ? "" : ",",
			    w->id);
			put_str(o, w->from);
			put(o, ",\"state\":\"%s\",\"view\":\"%s\"}",
			    w->pending ? "pending" : "active",
			    w->full_view ? "full" : "participant");
			first = false;
		}
	put(o, "]}");
}

/* tuttictl approve|reject CONF ID: a pending subscription becomes active
 * with the full state at once, or ends (terminated;reason=rejected). */
static void
approve(struct cp_focus *f, struct conf *c, bool yes, const char *id,
	struct out *o)
{
	struct watcher *w;
	char *end;
	unsigned long v = id != NULL ? strtoul(id, &end, 10) : 0;

	if (id == NULL || *end != '\0' || v == 0) {
		put_error(o, "'%s' needs a conference and a watcher id (try "
			  "'watchers %s')", yes ? "approve" : "reject",
			  c->name);
		return;
	}
	for (w = c->watchers; w != NULL && w->id != v; w = w->next)
		;
	if (w == NULL || !w->pending) {
		put_error(o, "no pending watcher %lu in %s (try 'watchers %s')",
			  v, c->name, c->name);
		return;
	}
	LOG_INFO("conference %s: the operator %s %s's subscription", c->name,
		 yes ? "approved" : "rejected", w->from);
	if (yes) {
		if (watcher_start(f, c, w) < 0) {
			put_error(o, "cannot start watcher %lu: out of memory",
				  v);
			return;
		}
		w->pending = false;
		notify_full(f, w, false);
	} else {
		struct watcher **pp;

		cp_sip_notify(f->sip, w->sub, NULL, NULL,
			      CP_SIP_SUB_TERMINATED, "rejected", 0);
		for (pp = &c->watchers; *pp != w; pp = &(*pp)->next)
			;
		*pp = w->next;	/* w goes on on_sub_end */
		w->conf = NULL;
	}
	put(o, "{\"ok\":true,\"id\":%lu,\"state\":\"%s\"}", v,
	    yes ? "active" : "terminated");
}

/* tuttictl drain|undrain W: worker W takes no new conferences (they go
 * to the least loaded of the others, if any is not drained or at its
 * limit); its conferences keep their calls and take new participants. */
static void
drain_cmd(struct cp_focus *f, bool drain, const char *arg, struct out *o)
{
	uint32_t n_w = f->d->up ? f->d->region.hdr->n_workers : 1;
	char *end = NULL;
	unsigned long w;

	if (arg == NULL) {
		put_error(o, "'%s' needs a worker (0 to %u)", drain ?
			  "drain" : "undrain", n_w - 1);
		return;
	}
	errno = 0;
	w = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || w >= n_w) {
		put_error(o, "no worker '%s' (tutti-dp has %u: 0 to %u)", arg,
			  n_w, n_w - 1);
		return;
	}
	if (f->worker_drained[w] != drain) {
		LOG_INFO("worker %lu %s by the operator%s", w, drain ?
			 "drained" : "undrained", drain ? ": new conferences "
			 "go to the other workers, its calls go on" : "");
		state_changed(f);	/* a restarted tutti-cp keeps it */
	}
	f->worker_drained[w] = drain;
	put(o, "{\"ok\":true,\"worker\":%lu,\"draining\":%s}", w,
	    drain ? "true" : "false");
}

/* A leg's local address (0.0.0.0: our first) and port as one number. */
static uint64_t
leg_key(const struct cp_focus *f, const struct shm_msg_leg *leg)
{
	uint8_t a[16];
	uint32_t ip;

	leg_local_addr(f, leg, a);
	memcpy(&ip, a + 12, 4);
	return (uint64_t)ntohl(ip) << 16 | ntohs(leg->local_port);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* A provisioned leg as one number: its file's conference and leg ids
 * (sorted and searched when a file's legs meet the running ones) */
static inline uint64_t
prov_key(uint32_t file_conf, uint32_t file_leg)
{
	return (uint64_t)file_conf << 32 | file_leg;
}

/* A conference a provisioning file names that tutti-cp runs already (one
 * it provisioned before, with the same parameters): the file's legs join
 * it. */
struct prov_run {
	uint32_t file_id;	/* its id in the file, and so its name */
	struct conf *c;
	uint32_t added;		/* the file's legs of it */
};

static int
cmp_prov_run(const void *a, const void *b)
{
	uint32_t x = ((const struct prov_run *)a)->file_id;
	uint32_t y = ((const struct prov_run *)b)->file_id;

	return (x > y) - (x < y);
}

/* The running conference of file id, or NULL. */
static struct prov_run *
prov_run_find(struct prov_run *run, size_t n, uint32_t file_id)
{
	struct prov_run key = { .file_id = file_id };

	return n == 0 ? NULL : bsearch(&key, run, n, sizeof(*run),
				       cmp_prov_run);
}

/* A conference's parameters, as a provisioning file writes them. */
static void
prov_params_str(const struct shm_msg_conf *p, char *buf, size_t len)
{
	char t[24] = "", m[24] = "";

	if (p->n_talkers != 0)
		snprintf(t, sizeof(t), " talkers=%u", p->n_talkers);
	if (p->max_legs != 0)
		snprintf(m, sizeof(m), " max-legs=%" PRIu32, p->max_legs);
	snprintf(buf, len, "rate=%" PRIu32 " ptime=%u%s%s%s", p->rate_hz,
		 p->ptime_ms, t, m, p->flags & SHM_CONF_LIMITER ?
		 " limiter" : "");
}

/*
 * Whether the file's conference cmd, which tutti-cp runs as c, can take
 * the file's legs: c provisioned, with the file's parameters and worker.
 * Returns 0, or -EEXIST with "PATH:LINE: reason" in err.
 */
static int
prov_run_check(const struct conf *c, const struct shm_prov_cmd *cmd,
	       const char *path, char *err, size_t errlen)
{
	const struct shm_msg_conf *a = &c->params, *b = &cmd->msg.body.conf;
	char pa[96], pb[96];

	if (!c->prov) {
		tutti_errf(err, errlen, "%s:%u: conference %s: tutti-cp has a "
			   "conference of that name, not a provisioned one "
			   "(tuttictl end %s first)", path, cmd->line,
			   c->name, c->name);
		return -EEXIST;
	}
	if (a->rate_hz != b->rate_hz || a->ptime_ms != b->ptime_ms ||
	    a->n_talkers != b->n_talkers || a->flags != b->flags ||
	    a->max_legs != b->max_legs) {
		prov_params_str(a, pa, sizeof(pa));
		prov_params_str(b, pb, sizeof(pb));
		tutti_errf(err, errlen, "%s:%u: conference %s runs with %s, "
			   "not the file's %s (legs join a running "
			   "conference with its parameters)", path, cmd->line,
			   c->name, pa, pb);
		return -EEXIST;
	}
	if (cmd->worker_given && cmd->worker != c->worker) {
		tutti_errf(err, errlen, "%s:%u: conference %s runs on worker "
			   "%u, not the file's worker=%u", path, cmd->line,
			   c->name, c->worker, cmd->worker);
		return -EEXIST;
	}
	return 0;
}

/*
 * The conferences pv names that tutti-cp runs, checked (prov_run_check()),
 * sorted by file id in *run (malloc'd, or NULL if none), with their legs'
 * file ids as prov_key()s in *ids (sorted). Returns how many
 * conferences, or -EEXIST/-ENOMEM with "PATH:LINE: reason" in err.
 */
static int
prov_running(struct cp_focus *f, const struct shm_prov *pv, const char *path,
	     struct prov_run **run, uint64_t **ids, size_t *n_ids,
	     char *err, size_t errlen)
{
	size_t n = 0, cap_ids = 0;
	int rc;

	*run = NULL;
	*ids = NULL;
	*n_ids = 0;
	for (size_t i = 0; i < pv->n_cmds; i++) {
		const struct shm_prov_cmd *cmd = &pv->cmds[i];
		char name[CP_CONF_NAME_MAX];
		struct conf *c;

		if (cmd->msg.hdr.type != SHM_CMD_CONF_CREATE)
			continue;
		snprintf(name, sizeof(name), "%u", cmd->msg.hdr.conf_id);
		if ((c = conf_find(f, name)) == NULL)
			continue;
		if ((rc = prov_run_check(c, cmd, path, err, errlen)) < 0) {
			free(*run);
			*run = NULL;
			return rc;
		}
		if (*run == NULL) {
			*run = calloc(pv->n_confs, sizeof(**run));
			if (*run == NULL)
				goto nomem;
		}
		(*run)[n].file_id = cmd->msg.hdr.conf_id;
		(*run)[n++].c = c;
		cap_ids += c->n_parts;
	}
	if (n == 0)
		return 0;
	qsort(*run, n, sizeof(**run), cmp_prov_run);
	if ((*ids = calloc(cap_ids + 1, sizeof(**ids))) == NULL)
		goto nomem;
	for (size_t r = 0; r < n; r++)
		for (struct part *p = (*run)[r].c->parts; p != NULL;
		     p = p->next) {
			uint32_t id;

			if (prov_file_id(p, &id) && *n_ids < cap_ids)
				(*ids)[(*n_ids)++] =
					prov_key((*run)[r].file_id, id);
		}
	qsort(*ids, *n_ids, sizeof(**ids), cmp_u64);
	return (int)n;
nomem:
	free(*run);
	*run = NULL;
	tutti_errf(err, errlen, "%s: out of memory", path);
	return -ENOMEM;
}

/*
 * Whether provisioning pv (read from path) can be done whole: each
 * conference new, or provisioned by tutti-cp with the same parameters
 * (its legs are added); each leg's address one tutti-dp owns, each leg's
 * address and port free (of our RTP slots, or of the legs outside them),
 * its id not one of a leg of its running conference, within the
 * conference's max-legs. Returns 0, or -EEXIST/-EADDRNOTAVAIL/-EADDRINUSE/
 * -ENOSPC/-ENOMEM with "PATH:LINE: reason" in err.
 */
static int
prov_check(struct cp_focus *f, const struct shm_prov *pv, const char *path,
	   char *err, size_t errlen)
{
	const struct shm_region_hdr *h = f->d->region.hdr;
	uint32_t n_addrs = h->n_addrs < SHM_MAX_ADDRS ? h->n_addrs :
			   SHM_MAX_ADDRS;
	uint64_t *keys = calloc(f->st.n_participants + 1, sizeof(*keys));
	uint64_t *ids = NULL;
	struct prov_run *run = NULL;
	char ip[INET_ADDRSTRLEN];
	size_t n_keys = 0, n_ids = 0, n_run;
	int rc = 0;

	if (keys == NULL) {
		tutti_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	rc = prov_running(f, pv, path, &run, &ids, &n_ids, err, errlen);
	if (rc < 0) {
		free(keys);
		return rc;
	}
	n_run = (size_t)rc;
	rc = 0;
	for (struct conf *c = f->confs; c != NULL; c = c->next)
		for (struct part *p = c->parts; p != NULL; p = p->next)
			if (leg_slot(f, &p->leg) == UINT32_MAX &&
			    n_keys <= f->st.n_participants)
				keys[n_keys++] = leg_key(f, &p->leg);
	qsort(keys, n_keys, sizeof(*keys), cmp_u64);
	for (size_t i = 0; i < pv->n_cmds && rc == 0; i++) {
		const struct shm_prov_cmd *cmd = &pv->cmds[i];
		const struct shm_msg_leg *l = &cmd->msg.body.leg;
		struct prov_run *r;
		uint32_t slot, a = 0;
		uint64_t k;

		if (cmd->msg.hdr.type != SHM_CMD_LEG_ADD)
			continue;
		inet_ntop(AF_INET, l->local_addr, ip, sizeof(ip));
		if (memcmp(l->local_addr, "\0\0\0\0", 4) != 0 && n_addrs > 0) {
			while (a < n_addrs &&
			       memcmp(&h->addrs[a], l->local_addr, 4) != 0)
				a++;
			if (a == n_addrs) {
				tutti_errf(err, errlen, "%s:%u: leg %u: local "
					   "address %s is not tutti-dp's (its "
					   "--addr)", path, cmd->line,
					   l->leg_id, ip);
				rc = -EADDRNOTAVAIL;
				break;
			}
		}
		r = prov_run_find(run, n_run, cmd->msg.hdr.conf_id);
		k = prov_key(cmd->msg.hdr.conf_id, l->leg_id);
		if (r != NULL && n_ids > 0 &&
		    bsearch(&k, ids, n_ids, sizeof(k), cmp_u64) != NULL) {
			tutti_errf(err, errlen, "%s:%u: leg %u: conference %s "
				   "runs a leg %u already (prov:%u@: tuttictl "
				   "show %s)", path, cmd->line, l->leg_id,
				   r->c->name, l->leg_id, l->leg_id,
				   r->c->name);
			rc = -EEXIST;
			break;
		}
		if (r != NULL && r->c->params.max_legs != 0 &&
		    r->c->n_parts + ++r->added > r->c->params.max_legs) {
			tutti_errf(err, errlen, "%s:%u: leg %u: conference %s "
				   "allows max-legs=%" PRIu32 " and has %u",
				   path, cmd->line, l->leg_id, r->c->name,
				   r->c->params.max_legs, r->c->n_parts);
			rc = -ENOSPC;
			break;
		}
		slot = leg_slot(f, l);
		k = leg_key(f, l);
		if (slot != UINT32_MAX ? f->port_used[slot] != 0 :
		    bsearch(&k, keys, n_keys, sizeof(k), cmp_u64) != NULL) {
			leg_local_ip(f, l, ip);
			tutti_errf(err, errlen, "%s:%u: leg %u: %s port %u is "
				   "taken by a leg tutti-cp runs (tuttictl "
				   "list)", path, cmd->line, l->leg_id, ip,
				   ntohs(l->local_port));
			rc = -EADDRINUSE;
		}
	}
	free(run);
	free(ids);
	free(keys);
	return rc;
}

struct prov_idx {
	uint32_t file_id;
	uint32_t i;		/* its conference's index in the file */
};

static int
cmp_prov_idx(const void *a, const void *b)
{
	uint32_t x = ((const struct prov_idx *)a)->file_id;
	uint32_t y = ((const struct prov_idx *)b)->file_id;

	return (x > y) - (x < y);
}

/* tuttictl provision PATH: its conferences made, or found running
 * (prov_check()); its legs in them. */
static void
provision_cmd(struct cp_focus *f, const char *path, struct out *o)
{
	struct shm_prov pv = { 0 };
	struct prov_idx *idx = NULL;
	struct conf **confs = NULL;
	struct part **parts = NULL;
	uint32_t *n_legs = NULL, n_c = 0, n_new = 0, n_p = 0;
	bool *made = NULL;
	char err[1024];
	int rc;

	if (path[0] == '\0') {
		put_error(o, "'provision' needs a file (tutti-dp "
			  "--provision's format)");
		return;
	}
	if (!f->d->up) {
		put_error(o, "tutti-dp is not attached: there is nothing to "
			  "provision on");
		return;
	}
	rc = shm_prov_load(&pv, path, (uint16_t)f->d->region.hdr->n_workers,
			   err, sizeof(err));
	if (rc == 0 && pv.n_confs == 0) {
		tutti_errf(err, sizeof(err), "%s: no conference in it", path);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = prov_check(f, &pv, path, err, sizeof(err));
	if (rc < 0) {
		LOG_WARN("tuttictl provision refused: %s", err);
		put_error(o, "%s", err);
		goto out;
	}
	/* every allocation first: what fails leaves everything as it was */
	idx = calloc(pv.n_confs + 1, sizeof(*idx));
	confs = calloc(pv.n_confs + 1, sizeof(*confs));
	n_legs = calloc(pv.n_confs + 1, sizeof(*n_legs));
	made = calloc(pv.n_confs + 1, sizeof(*made));
	parts = calloc(pv.n_legs + 1, sizeof(*parts));
	if (idx == NULL || confs == NULL || n_legs == NULL || made == NULL ||
	    parts == NULL)
		goto nomem;
	for (uint32_t i = 0; i < pv.n_legs; i++)
		if ((parts[i] = calloc(1, sizeof(**parts))) == NULL)
			goto nomem;
	for (size_t i = 0; i < pv.n_cmds; i++)
		if (pv.cmds[i].msg.hdr.type == SHM_CMD_CONF_CREATE) {
			idx[n_c].file_id = pv.cmds[i].msg.hdr.conf_id;
			idx[n_c].i = n_c;
			n_c++;
		}
	qsort(idx, n_c, sizeof(*idx), cmp_prov_idx);
	for (size_t i = 0; i < pv.n_cmds; i++) {
		struct prov_idx key = { pv.cmds[i].msg.hdr.conf_id, 0 };
		const struct prov_idx *hit;

		if (pv.cmds[i].msg.hdr.type != SHM_CMD_LEG_ADD)
			continue;
		hit = bsearch(&key, idx, n_c, sizeof(*idx), cmp_prov_idx);
		n_legs[hit->i]++;	/* the parser saw it defined */
	}
	/* each new conference to the least loaded worker (or its file's),
	 * with its legs counted there before the next one chooses; a
	 * running one keeps its worker */
	n_c = 0;
	for (size_t i = 0; i < pv.n_cmds; i++) {
		const struct shm_prov_cmd *cmd = &pv.cmds[i];
		char name[CP_CONF_NAME_MAX];
		struct conf *c;

		if (cmd->msg.hdr.type != SHM_CMD_CONF_CREATE)
			continue;
		snprintf(name, sizeof(name), "%u", cmd->msg.hdr.conf_id);
		if ((c = conf_find(f, name)) == NULL) {
			if ((c = conf_new(f, name, false)) == NULL)
				goto nomem_confs;
			c->prov = true;
			c->params = cmd->msg.body.conf;
			if (cmd->worker_given)
				c->worker = cmd->worker;
			c->prov_pending = true;	/* its CONF_CREATE */
			f->prov_busy = true;
			made[n_c] = true;
			n_new++;
		}
		f->worker_legs[c->worker] += n_legs[n_c];
		confs[n_c++] = c;
	}
	for (size_t i = 0; i < pv.n_cmds; i++) {
		struct prov_idx key = { pv.cmds[i].msg.hdr.conf_id, 0 };
		const struct prov_idx *hit;
		struct shm_msg_leg leg;

		if (pv.cmds[i].msg.hdr.type != SHM_CMD_LEG_ADD)
			continue;
		hit = bsearch(&key, idx, n_c, sizeof(*idx), cmp_prov_idx);
		leg = pv.cmds[i].msg.body.leg;
		prov_part_init(f, confs[hit->i], parts[n_p++], &leg,
			       leg.leg_id);
		/* its keys follow it (shm_prov.c) */
		for (size_t j = i + 1; j < pv.n_cmds &&
		     pv.cmds[j].msg.hdr.type == SHM_CMD_LEG_SRTP; j++)
			prov_part_key(parts[n_p - 1], &pv.cmds[j].msg.body.srtp);
	}
	state_changed(f);
	if (pv.keys_exposed)
		LOG_WARN("tuttictl provision %s: it holds SRTP keys and others "
			 "than its owner may read it: chmod 600 %s", path,
			 path);
	LOG_INFO("tuttictl provision %s: %u conference%s (%u new), %u leg%s; "
		 "sending them to tutti-dp", path, pv.n_confs,
		 pv.n_confs == 1 ? "" : "s", n_new, pv.n_legs,
		 pv.n_legs == 1 ? "" : "s");
	put(o, "{\"ok\":true,\"file\":");
	put_str(o, path);
	put(o, ",\"n_conferences\":%u,\"n_legs\":%u,\"n_srtp_legs\":%u,"
	    "\"keys_exposed\":%s,\"n_new\":%u,\"conferences\":[",
	    pv.n_confs, pv.n_legs, pv.n_srtp_legs,
	    pv.keys_exposed ? "true" : "false", n_new);
	for (uint32_t i = 0; i < n_c; i++) {
		put(o, "%s{\"name\":", i ? "," : "");
		put_str(o, confs[i]->name);
		put(o, ",\"worker\":%u,\"legs\":%u,\"added\":%u,\"new\":%s}",
		    confs[i]->worker, confs[i]->n_parts, n_legs[i],
		    made[i] ? "true" : "false");
	}
	put(o, "]}");
	prov_pump(f);
	goto out;
nomem_confs:
	/* out of memory half way: the conferences made go again (no leg
	 * is in them yet) */
	for (uint32_t i = 0; i < n_c; i++) {
		f->worker_legs[confs[i]->worker] -= n_legs[i];
		if (made[i])
			conf_end(f, confs[i]);
	}
	prov_reap(f);	/* says they ended */
nomem:
	for (uint32_t i = 0; parts != NULL && i < pv.n_legs; i++)
		free(parts[i]);
	put_error(o, "out of memory: %s not provisioned", path);
out:
	free(parts);
	free(made);
	free(idx);
	free(confs);
	free(n_legs);
	shm_prov_free(&pv);
}

/* Whether provisioned p is on its way out (send_away() has been). */
static bool
prov_going(const struct part *p)
{
	return p->prov && (p->prov_away || p->state == PART_GONE);
}

/* Whether some of keys[0..n) (sorted) has conf as its upper half. */
static bool
prov_names_legs_of(const uint64_t *keys, size_t n, uint32_t conf)
{
	uint64_t lo = prov_key(conf, 0);
	size_t a = 0, b = n;

	while (a < b) {		/* the first key >= lo */
		size_t m = a + (b - a) / 2;

		if (keys[m] < lo)
			a = m + 1;
		else
			b = m;
	}
	return a < n && keys[a] >> 32 == conf;
}

/*
 * tuttictl unprovision PATH: what provision PATH did, undone. The legs
 * it names go at once. A conference it names ends (its SIP participants
 * get a BYE) when no provisioned leg is left in it, or when the file
 * names none of its legs; else it keeps the legs other files added.
 */
static void
unprovision_cmd(struct cp_focus *f, const char *path, struct out *o)
{
	struct shm_prov pv = { 0 };
	uint32_t ended = 0, kept = 0, legs = 0, missing = 0;
	uint64_t *keys = NULL;
	size_t n_keys = 0;
	char err[1024];

	if (path[0] == '\0') {
		put_error(o, "'unprovision' needs the file given to 'provision'");
		return;
	}
	/* any worker= is fine: the workers may be fewer than then */
	if (shm_prov_load(&pv, path, SHM_MAX_WORKERS, err, sizeof(err)) < 0) {
		put_error(o, "%s", err);
		return;
	}
	if ((keys = calloc(pv.n_legs + 1, sizeof(*keys))) == NULL) {
		put_error(o, "out of memory: %s not unprovisioned", path);
		shm_prov_free(&pv);
		return;
	}
	for (size_t i = 0; i < pv.n_cmds; i++)
		if (pv.cmds[i].msg.hdr.type == SHM_CMD_LEG_ADD &&
		    n_keys < pv.n_legs)
			keys[n_keys++] = prov_key(pv.cmds[i].msg.hdr.conf_id,
					pv.cmds[i].msg.body.leg.leg_id);
	qsort(keys, n_keys, sizeof(*keys), cmp_u64);
	for (size_t i = 0; i < pv.n_cmds; i++) {
		uint32_t file_conf = pv.cmds[i].msg.hdr.conf_id, left = 0;
		char name[CP_CONF_NAME_MAX];
		bool named;
		struct conf *c;

		if (pv.cmds[i].msg.hdr.type != SHM_CMD_CONF_CREATE)
			continue;
		snprintf(name, sizeof(name), "%u", file_conf);
		if ((c = conf_find(f, name)) == NULL || !c->prov) {
			missing++;
			continue;
		}
		named = prov_names_legs_of(keys, n_keys, file_conf);
		for (struct part *p = c->parts; named && p != NULL;
		     p = p->next) {
			uint64_t k;
			uint32_t id;

			if (!prov_file_id(p, &id) || prov_going(p))
				continue;
			k = prov_key(file_conf, id);
			if (bsearch(&k, keys, n_keys, sizeof(k), cmp_u64) ==
			    NULL) {
				left++;
				continue;
			}
			legs++;
			send_away(f, p, CP_ROSTER_DISC_BOOTED, Q850_NORMAL,
				  "unprovisioned by the operator");
		}
		if (named && left > 0) {
			kept++;
			continue;
		}
		ended++;
		if (c->parts == NULL) {
			conf_end(f, c);
			continue;
		}
		for (struct part *p = c->parts; p != NULL; p = p->next) {
			if (prov_going(p))
				continue;	/* sent away (above) */
			legs += p->prov;
			send_away(f, p, CP_ROSTER_DISC_BOOTED, Q850_NORMAL,
				  p->prov ? "unprovisioned by the operator" :
				  "the operator unprovisioned the conference");
		}
	}
	LOG_INFO("tuttictl unprovision %s: %u conference%s ended, %u kept "
		 "(legs of other files); %u provisioned leg%s removed; %u not "
		 "provisioned here", path, ended, ended == 1 ? "" : "s", kept,
		 legs, legs == 1 ? "" : "s", missing);
	put(o, "{\"ok\":true,\"file\":");
	put_str(o, path);
	put(o, ",\"ended\":%u,\"legs\":%u,\"not_provisioned\":%u,\"kept\":%u}",
	    ended, legs, missing, kept);
	free(keys);
	shm_prov_free(&pv);
	prov_reap(f);
}

#define CAP_DIR_LEN	sizeof(((struct shm_region_hdr *)0)->capture_dir)

/* tutti-dp's capture directory into dir ("": it has none); -ENOTCONN
 * while tutti-dp is not attached. */
static int
capture_dir(const struct cp_focus *f, char dir[CAP_DIR_LEN])
{
	if (!f->d->up)
		return -ENOTCONN;
	memcpy(dir, f->d->region.hdr->capture_dir, CAP_DIR_LEN);
	dir[CAP_DIR_LEN - 1] = '\0';
	return 0;
}

static const char *conf_name_of(struct cp_focus *f, uint32_t conf_id);

struct cap_row {
	struct shm_capture s;
	uint16_t age;		/* captures asked for since (by serial) */
};

static int
cmp_cap_age(const void *a, const void *b)
{
	return (int)((const struct cap_row *)a)->age -
	       (int)((const struct cap_row *)b)->age;
}

/* tuttictl captures: what tutti-dp writes or wrote (its region's
 * captures), the newest first. */
static void
captures_json(struct cp_focus *f, struct out *o)
{
	struct cap_row rows[SHM_CAPTURES];
	char dir[CAP_DIR_LEN];
	static const char *const names[] = { "none", "writing", "done",
					     "failed" };
	unsigned int n = 0;

	if (capture_dir(f, dir) < 0) {
		put_error(o, "tutti-dp is not attached");
		return;
	}
	for (unsigned int i = 0; i < SHM_CAPTURES; i++) {
		shm_read_capture(&f->d->region.hdr->captures[i], &rows[n].s);
		if (rows[n].s.state == SHM_CAPTURE_NONE ||
		    rows[n].s.state > SHM_CAPTURE_FAILED)
			continue;
		rows[n].age = (uint16_t)(f->capture_serial - rows[n].s.serial);
		n++;
	}
	if (n > 0)
		qsort(rows, n, sizeof(rows[0]), cmp_cap_age);
	put(o, "{\"capture_dir\":");
	put_str(o, dir);
	put(o, ",\"captures\":[");
	for (unsigned int i = 0; i < n; i++) {
		const struct shm_capture *s = &rows[i].s;
		const struct part *p = s->conference ? NULL :
				       part_find_leg(f, s->leg_id);
		const char *conf = s->conference ?
				   conf_name_of(f, s->leg_id) : "";
		char file[sizeof(dir) + 32];

		shm_capture_path(file, sizeof(file), dir, s->conference,
				 s->leg_id, s->serial);
		if (s->conference)	/* a conference captured whole */
			put(o, "%s{\"leg_id\":0,\"conf_id\":%u", i ? "," : "",
			    s->leg_id);
		else
			put(o, "%s{\"leg_id\":%u", i ? "," : "", s->leg_id);
		put(o, ",\"serial\":%u,\"state\":\"%s\",\"packets\":%u,"
		    "\"not_kept\":%u,\"file\":", s->serial, names[s->state],
		    s->packets, s->lost);
		put_str(o, file);
		if (conf[0] != '\0') {
			put(o, ",\"conference\":");
			put_str(o, conf);
		} else if (p != NULL) {
			put(o, ",\"conference\":");
			put_str(o, p->conf->name);
			put(o, ",\"from\":");
			put_str(o, p->from);
		}
		put(o, "}");
	}
	put(o, "],\"armed\":[");	/* captures of the next to join */
	n = 0;
	for (const struct conf *c = f->confs; c != NULL; c = c->next) {
		if (!c->cap_next)
			continue;
		put(o, "%s{\"conference\":", n++ ? "," : "");
		put_str(o, c->name);
		put(o, ",\"match\":");
		put_str(o, c->cap_next_match);
		put(o, ",\"packets\":%u}", c->cap_next_packets);
	}
	put(o, "]}");
}

/* tutti-dp's answer to a capture: a refusal is said. */
static void
on_capture_status(void *cookie, const struct shm_msg *cmd, int status)
{
	(void)cookie;
	if (status >= 0 || status == -ENOTCONN)
		return;
	if (cmd->body.capture.leg_id == 0)
		LOG_WARN("tutti-dp refused the capture of conference %u "
			 "whole: %s", cmd->hdr.conf_id, status == -ENOTSUP ?
			 "it has no --capture-dir" : strerror(-status));
	else
		LOG_WARN("tutti-dp refused the capture of leg %u: %s",
			 cmd->body.capture.leg_id, status == -ENOTSUP ?
			 "it has no --capture-dir" : status == -EBUSY ?
			 "its conference is captured whole" :
			 strerror(-status));
}

/* Whether tutti-dp writes a capture of c whole now (its region says). */
static bool
captured_whole(struct cp_focus *f, const struct conf *c)
{
	struct shm_capture s;

	for (unsigned int i = 0; i < SHM_CAPTURES; i++) {
		shm_read_capture(&f->d->region.hdr->captures[i], &s);
		if (s.conference && s.leg_id == c->conf_id &&
		    s.state == SHM_CAPTURE_WRITING)
			return true;
	}
	return false;
}

/* tutti-dp's --capture-dir into dir: 0, or -1 with the error in o (not
 * attached, or no directory). */
static int
capture_dir_said(struct cp_focus *f, char *dir, struct out *o)
{
	if (capture_dir(f, dir) < 0) {
		put_error(o, "tutti-dp is not attached");
		return -1;
	}
	if (dir[0] == '\0') {
		put_error(o, "tutti-dp runs without --capture-dir: it captures "
			  "nothing");
		return -1;
	}
	return 0;
}

/* A capture command's PACKETS, arg, into *packets: 0, or -1 with the
 * error in o (not 1 to SHM_CAPTURE_MAX; 'stop' is the caller's). */
static int
capture_count(const char *arg, unsigned long *packets, struct out *o)
{
	char *end;

	errno = 0;
	*packets = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || arg[0] == '-' || *packets == 0 ||
	    *packets > SHM_CAPTURE_MAX) {
		put_error(o, "capture: '%s' is no number of packets (1 to %u) "
			  "nor 'stop'", arg, SHM_CAPTURE_MAX);
		return -1;
	}
	return 0;
}

/* A capture's file: the directory and leg-ID-SERIAL.pcap. */
#define CAP_FILE_LEN (CAP_DIR_LEN + 32)

/*
 * Ask c's worker to capture p's (NULL: all of c's) next packets (0: stop)
 * into dir; *file (CAP_FILE_LEN) is named for it. Returns 0, or -1 if
 * tutti-dp cannot be told now.
 */
static int
capture_send(struct cp_focus *f, struct conf *c, const struct part *p,
	     uint32_t packets, const char *dir, char *file)
{
	struct shm_msg m;

	/* The next serial whose file is not in the directory: tutti-dp
	 * replaces a file of the name, and the serial wraps (16 bits, and
	 * started from the clock). */
	for (unsigned int i = 0; i < 65536; i++) {
		struct stat st;

		f->capture_serial++;
		shm_capture_path(file, CAP_FILE_LEN, dir, p == NULL,
				 p != NULL ? p->leg_id : c->conf_id,
				 f->capture_serial);
		if (packets == 0 || lstat(file, &st) < 0)
			break;
	}
	shm_msg_init(&m, SHM_CMD_CAPTURE, 0, c->conf_id);
	m.body.capture.leg_id = p != NULL ? p->leg_id : 0;
	m.body.capture.packets = packets;
	m.body.capture.serial = f->capture_serial;
	return dp_send(f, c->worker, &m, on_capture_status, NULL) < 0 ? -1 : 0;
}

/*
 * tuttictl capture CONF next[:PART] [PACKETS|stop] (req: the whole line):
 * arm (or disarm) the capture of the next participant to join c whose
 * From contains PART (any, without), from its first packet.
 */
static void
capture_next_cmd(struct cp_focus *f, struct conf *c, const char *who,
		 const char *req, struct out *o)
{
	char dir[CAP_DIR_LEN], arg[16] = "";
	unsigned long packets = 1000;

	if (capture_dir_said(f, dir, o) < 0)
		return;
	if (who[4] == ':' && (who[5] == '\0' ||
			      strlen(who + 5) >= sizeof(c->cap_next_match))) {
		put_error(o, "capture: 'next:PART' wants a part of a From URI "
			  "(at most %zu characters)",
			  sizeof(c->cap_next_match) - 1);
		return;
	}
	if (sscanf(req, "%*s %*s %*s %15s", arg) == 1 &&
	    strcmp(arg, "stop") == 0) {
		put(o, "{\"ok\":true,\"conference\":");
		put_str(o, c->name);
		put(o, ",\"armed\":false,\"was_armed\":%s}",
		    c->cap_next ? "true" : "false");
		if (c->cap_next)
			LOG_INFO("conference %s: the operator no longer "
				 "captures the next participant to join",
				 c->name);
		c->cap_next = false;
		return;
	}
	if (arg[0] != '\0' && capture_count(arg, &packets, o) < 0)
		return;
	c->cap_next = true;
	c->cap_next_packets = (uint32_t)packets;
	snprintf(c->cap_next_match, sizeof(c->cap_next_match), "%s",
		 who[4] == ':' ? who + 5 : "");
	put(o, "{\"ok\":true,\"conference\":");
	put_str(o, c->name);
	put(o, ",\"armed\":true,\"match\":");
	put_str(o, c->cap_next_match);
	put(o, ",\"packets\":%lu}", packets);
	LOG_INFO("conference %s: the operator captures %lu packets of the next "
		 "participant to join%s%s%s, from its first", c->name, packets,
		 c->cap_next_match[0] ? " (From with '" : "",
		 c->cap_next_match, c->cap_next_match[0] ? "')" : "");
}

/*
 * p's LEG_ADD has gone to its worker: if its conference waits for the
 * next participant to capture (capture_next_cmd()) and p is it, the
 * capture follows on the same ring, so it has p's first packet.
 */
static void
capture_next_join(struct cp_focus *f, struct part *p)
{
	struct conf *c = p->conf;
	char dir[CAP_DIR_LEN], file[CAP_FILE_LEN];

	if (!c->cap_next || (c->cap_next_match[0] != '\0' &&
			     strcasestr(p->from, c->cap_next_match) == NULL))
		return;
	c->cap_next = false;
	if (captured_whole(f, c)) {
		LOG_INFO("conference %s: %s (leg %u) joins while the conference "
			 "is captured whole: its packets are in that file",
			 c->name, p->from, p->leg_id);
		return;
	}
	if (capture_dir(f, dir) < 0 || dir[0] == '\0' ||
	    capture_send(f, c, p, c->cap_next_packets, dir, file) < 0) {
		LOG_WARN("conference %s: cannot capture %s (leg %u), the next "
			 "participant to join, as the operator asked: tutti-dp "
			 "cannot be told now", c->name, p->from, p->leg_id);
		return;
	}
	LOG_INFO("conference %s: the operator captures %u packets of %s (leg "
		 "%u), the next participant to join, from its first, into %s",
		 c->name, c->cap_next_packets, p->from, p->leg_id, file);
}

/*
 * tuttictl capture CONF WHO [PACKETS|stop] (req: the whole line): p's
 * next PACKETS (default 1000) in and out, into a pcap file tutti-dp
 * writes in its --capture-dir; stop ends it. p NULL (WHO "all"): every
 * leg of c, into one file (default 1000 a participant, at most
 * SHM_CAPTURE_MAX).
 */
static void
capture_cmd(struct cp_focus *f, struct conf *c, struct part *p,
	    const char *req, struct out *o)
{
	char dir[CAP_DIR_LEN];
	char arg[16] = "", file[CAP_FILE_LEN];
	unsigned long packets = p != NULL ? 1000 :
		c->n_parts > SHM_CAPTURE_MAX / 1000 ? SHM_CAPTURE_MAX :
		1000ul * (c->n_parts ? c->n_parts : 1);

	if (capture_dir_said(f, dir, o) < 0)
		return;
	if (sscanf(req, "%*s %*s %*s %15s", arg) == 1 &&
	    strcmp(arg, "stop") == 0) {
		packets = 0;
	} else if (arg[0] != '\0' && capture_count(arg, &packets, o) < 0) {
		return;
	}
	if (p == NULL && f->d->region.hdr->ver_minor < 2) {
		put_error(o, "tutti-dp speaks protocol %u.%u: it captures "
			  "single participants, not a conference whole (5.2)",
			  f->d->region.hdr->ver_major,
			  f->d->region.hdr->ver_minor);
		return;
	}
	if (p != NULL && p->state != PART_CONNECTED &&
	    p->state != PART_UPDATING) {
		put_error(o, "%s is not connected yet: nothing to capture",
			  p->from);
		return;
	}
	if (p != NULL && captured_whole(f, c)) {
		put_error(o, "conference %s is being captured whole, %s too: "
			  "'capture %s all stop' ends that", c->name, p->from,
			  c->name);
		return;
	}
	if (capture_send(f, c, p, (uint32_t)packets, dir, file) < 0) {
		put_error(o, "cannot tell tutti-dp now: try again");
		return;
	}
	if (p != NULL) {
		put(o, "{\"ok\":true,\"leg_id\":%u,\"from\":", p->leg_id);
		put_str(o, p->from);
	} else {
		put(o, "{\"ok\":true,\"leg_id\":0,\"conference\":");
		put_str(o, c->name);
	}
	if (packets == 0) {
		put(o, ",\"stopped\":true}");
		if (p != NULL)
			LOG_INFO("conference %s: the operator stopped the "
				 "capture of %s (leg %u)", c->name, p->from,
				 p->leg_id);
		else
			LOG_INFO("conference %s: the operator stopped its "
				 "capture", c->name);
		return;
	}
	put(o, ",\"packets\":%lu,\"file\":", packets);
	put_str(o, file);
	put(o, "}");
	if (p != NULL)
		LOG_INFO("conference %s: the operator captures %lu packets of "
			 "%s (leg %u) into %s", c->name, packets, p->from,
			 p->leg_id, file);
	else
		LOG_INFO("conference %s: the operator captures %lu packets of "
			 "all its participants into %s", c->name, packets,
			 file);
}

static bool
known_cmd(const char *cmd)
{
	static const char *const cmds[] = {
		"help", "list", "stats", "show", "roster", "dial", "lock",
		"unlock", "end", "kick", "mute", "unmute", "deaf", "undeaf",
		"capture", "captures", "proxies", "registrations",
		"watchers", "approve", "reject", "drain", "undrain",
		"provision", "unprovision",
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i]) == 0)
			return true;
	return false;
}

static void ctl_answer(struct cp_focus *f, const char *req, struct out *o);

void
cp_focus_ctl(void *ctx, const char *req, char **buf, size_t *cap)
{
	struct out o = { .p = *buf, .len = *cap, .own = buf, .own_cap = cap,
			 .max = CP_CTLSOCK_RESP_MAX };

	(*buf)[0] = '\0';
	ctl_answer(ctx, req, &o);
	if (o.over)
		put_error(&o, "the answer is longer than %u MB (out of memory?)",
			  CP_CTLSOCK_RESP_MAX >> 20);
}

/* cp_focus_ctl()'s answer to req, into o. */
static void
ctl_answer(struct cp_focus *f, const char *req, struct out *o)
{
	char cmd[32] = "", name[CP_CONF_NAME_MAX] = "", who[128] = "";
	char arg[16] = "";	/* the word after WHO, if any */
	struct conf *c = NULL;
	struct part *p;
	bool amb;
	int n = sscanf(req, "%31s %39s %127s %15s", cmd, name, who, arg);

	if (n >= 1 && !known_cmd(cmd)) {
		put_error(o, "unknown command '%s' (try 'help')", cmd);
		return;
	}
	if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0) {
		drain_cmd(f, cmd[0] == 'd', n < 2 ? NULL : name, o);
		return;
	}
	if (strcmp(cmd, "provision") == 0 || strcmp(cmd, "unprovision") == 0) {
		/* the rest of the line is the file's path, as it is */
		const char *path = req + strspn(req, " \t") + strlen(cmd);

		path += strspn(path, " \t");
		if (cmd[0] == 'p')
			provision_cmd(f, path, o);
		else
			unprovision_cmd(f, path, o);
		return;
	}
	if (n >= 2 && (c = conf_find(f, name)) == NULL &&
	    strcmp(cmd, "help") != 0) {
		put_error(o, "no conference '%s' (try 'list')", name);
		return;
	}
	if (n < 1 || strcmp(cmd, "help") == 0) {
		put(o, "{\"commands\":[\"list\",\"show CONF [AFTER [COUNT]]\","
		    "\"roster CONF\","
		    "\"mute CONF WHO\",\"dial CONF URI [SECONDS]\","
		    "\"unmute CONF WHO\",\"deaf CONF WHO\",\"undeaf CONF WHO\","
		    "\"kick CONF WHO\",\"lock CONF\",\"unlock CONF\","
		    "\"end CONF\",\"watchers CONF\",\"approve CONF ID\","
		    "\"reject CONF ID\",\"stats\",\"drain WORKER\","
		    "\"undrain WORKER\",\"provision FILE\","
		    "\"unprovision FILE\","
		    "\"capture CONF WHO|all|next[:PART] [PACKETS|stop]\","
		    "\"captures\",\"proxies\"]}");
	} else if (strcmp(cmd, "list") == 0) {
		bool first = true;

		put(o, "{\"conferences\":[");
		for (c = f->confs; c != NULL; c = c->next) {
			put(o, "%s{\"name\":", first ? "" : ",");
			put_str(o, c->name);
			put(o, ",\"conf_id\":%u,\"worker\":%u,\"adhoc\":%s,"
			    "\"participants\":%u,\"talkers\":%u,\"locked\":%s,"
			    "\"provisioned\":%s}",
			    c->conf_id, c->worker, c->adhoc ? "true" : "false",
			    c->n_parts, talkers(c),
			    c->locked ? "true" : "false",
			    c->prov ? "true" : "false");
			first = false;
		}
		put(o, "]}");
	} else if (strcmp(cmd, "stats") == 0) {
		stats_json(f, o);
	} else if (strcmp(cmd, "captures") == 0) {
		captures_json(f, o);
	} else if (strcmp(cmd, "proxies") == 0) {
		char js[CP_SIP_MAX_PROXIES * 512];

		if (f->sip != NULL)
			cp_sip_proxies_json(f->sip, js, sizeof(js));
		put(o, "{\"proxies\":%s}", f->sip != NULL ? js : "[]");
	} else if (strcmp(cmd, "registrations") == 0) {
		char js[CP_SIP_MAX_REGS * 640];

		if (f->sip != NULL)
			cp_sip_regs_json(f->sip, js, sizeof(js));
		put(o, "{\"registrations\":%s}", f->sip != NULL ? js : "[]");
	} else if (c == NULL) {
		put_error(o, "'%s' needs a conference name", cmd);
	} else if (strcmp(cmd, "show") == 0) {
		show_conf(f, c, req, o);
	} else if (strcmp(cmd, "roster") == 0) {
		struct cp_cevt_cfg cfg;
		struct cp_cevt_doc doc = { 0 };

		cp_cevt_cfg_default(&cfg);
		cfg.indent = true;
		if (c->roster == NULL ||
		    cp_cevt_build_full(c->roster, 1, &cfg, &doc) < 0) {
			put_error(o, "no roster for %s", c->name);
			return;
		}
		put(o, "{\"conference\":");
		put_str(o, c->name);
		put(o, ",\"conference_info\":");
		put_str(o, doc.xml);
		put(o, "}");
		cp_cevt_doc_free(&doc);
	} else if (strcmp(cmd, "dial") == 0) {
		unsigned long ring_s = 0;
		char *end = NULL;
		int rc;

		/* SECONDS: its own ring timeout, as --ring-timeout */
		if (n >= 4 && (arg[0] < '0' || arg[0] > '9' ||
			       (ring_s = strtoul(arg, &end, 10)) >
				       CP_FOCUS_RING_MAX_S ||
			       *end != '\0')) {
			put_error(o, "dial CONF URI [SECONDS]: SECONDS rings "
				  "before the focus gives up, 0..%d (0: "
				  "never), not '%s'", CP_FOCUS_RING_MAX_S, arg);
			return;
		}
		rc = n < 3 ? -EINVAL :
		     cp_focus_dial(f, c->name, who,
				   n >= 4 ? (uint32_t)ring_s * 1000 :
					    CP_FOCUS_RING_DEFAULT);
		if (rc == -EAGAIN) {
			put_error(o, "cannot dial '%s' now: worker %u, which "
				  "owns %s, " AT_LIMIT "; try again later", who,
				  c->worker, c->name);
			return;
		}
		if (rc == -ENOPROTOOPT) {
			put_error(o, "cannot dial '%s': --srtp mandatory, and "
				  "SRTP keys go only over TLS (dial sips: or "
				  ";transport=tls)", who);
			return;
		}
		if (rc < 0) {
			put_error(o, "cannot dial '%s': %s (a sip: or sips: URI "
				  "with a numeric address or a host name, "
				  "transport udp, tcp or tls)", who,
				  strerror(-rc));
			return;
		}
		put(o, "{\"ok\":true,\"dialling\":");
		put_str(o, who);
		put(o, "}");
	} else if (strcmp(cmd, "lock") == 0 || strcmp(cmd, "unlock") == 0) {
		set_locked(c, cmd[0] == 'l', "the operator");
		state_changed(f);
		put(o, "{\"ok\":true,\"conference\":");
		put_str(o, c->name);
		put(o, ",\"locked\":%s}", c->locked ? "true" : "false");
	} else if (strcmp(cmd, "end") == 0) {
		uint32_t k = 0;

		for (p = c->parts; p != NULL; p = p->next)
			if (send_away(f, p, CP_ROSTER_DISC_BOOTED, Q850_NORMAL,
				      "the operator ended the conference") == 0)
				k++;
		put(o, "{\"ok\":true,\"hung_up\":%u}", k);
		if (c->prov && c->parts == NULL)
			conf_end(f, c);	/* provisioned with no legs */
		else
			prov_reap(f);	/* provisioned legs go at once */
	} else if (strcmp(cmd, "watchers") == 0) {
		watchers_json(c, o);
	} else if (strcmp(cmd, "approve") == 0 || strcmp(cmd, "reject") == 0) {
		approve(f, c, cmd[0] == 'a', n < 3 ? NULL : who, o);
	} else if (strcmp(cmd, "capture") == 0 && n >= 3 &&
		   strcmp(who, "all") == 0) {
		capture_cmd(f, c, NULL, req, o);	/* the whole conference */
	} else if (strcmp(cmd, "capture") == 0 && n >= 3 &&
		   (strcmp(who, "next") == 0 || strncmp(who, "next:", 5) == 0)) {
		capture_next_cmd(f, c, who, req, o);	/* who joins next */
	} else if (n < 3) {
		put_error(o, "'%s' needs a conference and a participant (leg "
			  "id or From URI)", cmd);
	} else if ((p = find_who(c, who, &amb)) == NULL) {
		put_error(o, amb ? "'%s' matches more than one participant" :
			  "no participant '%s' here (try 'show')", who);
	} else if (strcmp(cmd, "capture") == 0) {
		capture_cmd(f, c, p, req, o);
	} else if (strcmp(cmd, "kick") == 0) {
		if (send_away(f, p, CP_ROSTER_DISC_BOOTED, Q850_NORMAL,
			      "sent away by the operator") < 0) {
			put_error(o, "cannot hang up %s now (not connected)",
				  p->from);
			return;
		}
		put(o, "{\"ok\":true,\"leg_id\":%u}", p->leg_id);
		prov_reap(f);
	} else {
		/* mute, unmute, deaf, undeaf: known_cmd() let nothing else by */
		uint8_t flag = strstr(cmd, "mute") ? SHM_LEG_MUTE : SHM_LEG_DEAF;
		bool set = strncmp(cmd, "un", 2) != 0;

		if (set)
			p->op_flags |= flag;
		else
			p->op_flags &= (uint8_t)~flag;
		leg_flags(p);
		send_leg_update(f, p);
		put(o, "{\"ok\":true,\"leg_id\":%u,\"muted\":%s,\"deaf\":%s}",
		    p->leg_id, (p->leg.flags & SHM_LEG_MUTE) ? "true" : "false",
		    (p->leg.flags & SHM_LEG_DEAF) ? "true" : "false");
		LOG_INFO("conference %s: %s %sd by the operator", c->name,
			 p->from, cmd);
	}
}

/* ---- Prometheus exposition (metrics.h) ---- */

static void
collect_all(void *ctx, const struct shm_leg_entry *e)
{
	struct legs_of *l = ctx;

	if (l->n < l->cap)
		l->e[l->n++] = *e;
}

static const char *
conf_name_of(struct cp_focus *f, uint32_t conf_id)
{
	for (struct conf *c = f->confs; c != NULL; c = c->next)
		if (c->conf_id == conf_id)
			return c->name;
	return "";
}

/* A metric family: its name, type and help text. */
struct metric_fam {
	const char *name, *type, *help;
};

/* Its HELP and TYPE lines, which come before its samples. */
static void
put_family(struct out *o, const struct metric_fam *m)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
	    m->type);
}

enum worker_metric {
	WM_TICKS, WM_LATE_TICKS, WM_TICK_LATENESS, WM_BUSY, WM_TICK_MAX,
	WM_POLL_GAP, WM_SHED, WM_CONCEALED, WM_PACKETS, WM_RX_POLLS,
	WM_TX_DEFERRED, WM_TX_BACKLOG_MAX, WM_DTMF_LOST, WM_SRTP_DROPS,
	WM_SRTP_SPILLS, WM_DROPS,
	WM_OVERLOADED,
	WM_LEGS_REFUSED, WM_DRAINING, WM_N_
};

static const struct metric_fam worker_fam[WM_N_] = {
	[WM_TICKS] = { "tutti_worker_ticks_total", "counter",
		       "Conference ticks run." },
	[WM_LATE_TICKS] = { "tutti_worker_late_ticks_total", "counter",
			    "Ticks started more than a ptime late." },
	[WM_TICK_LATENESS] = { "tutti_worker_ticks_by_lateness_total",
			       "counter",
			       "Ticks by how late they started after their "
			       "due time, ms (label late_ms)." },
	[WM_BUSY] = { "tutti_worker_busy_ratio", "gauge",
		      "Share of the core spent working." },
	[WM_TICK_MAX] = { "tutti_worker_tick_seconds_max", "gauge",
			  "Longest tick (since start or tutti-dp's last "
			  "SIGUSR1 snapshot)." },
	[WM_POLL_GAP] = { "tutti_worker_poll_gap_seconds_max", "gauge",
			  "Longest time between two polls (a stall of the "
			  "worker's CPU; since start or tutti-dp's last "
			  "SIGUSR1 snapshot)." },
	[WM_SHED] = { "tutti_worker_plc_shed_total", "counter",
		      "Losses left silent, not concealed, because their tick "
		      "ran behind time." },
	[WM_CONCEALED] = { "tutti_worker_frames_concealed_total", "counter",
			   "Frames legs played by concealment or silence: "
			   "lost, late, or still queued when their tick "
			   "ran." },
	[WM_PACKETS] = { "tutti_worker_packets_total", "counter",
			 "Packets in and out." },
	[WM_RX_POLLS] = { "tutti_worker_rx_polls_total", "counter",
			  "Receive polls that brought packets: packets in "
			  "over this is the mean burst (tutti-dp "
			  "--rx-hold-us)." },
	[WM_TX_DEFERRED] = { "tutti_worker_tx_deferred_total", "counter",
			     "Packets the port's transmit queue did not take "
			     "at once: they waited in the worker's backlog "
			     "and went later, in order." },
	[WM_TX_BACKLOG_MAX] = { "tutti_worker_tx_backlog_max", "gauge",
				"Most packets in the worker's transmit "
				"backlog at once (since start or tutti-dp's "
				"last SIGUSR1 snapshot)." },
	[WM_DTMF_LOST] = { "tutti_worker_dtmf_lost_total", "counter",
			   "DTMF digits lost: the event ring full and the "
			   "leg's waiting digits too." },
	[WM_SRTP_DROPS] = { "tutti_worker_srtp_drops_total", "counter",
			    "SRTP and SRTCP packets refused (authentication, "
			    "replay, no key yet) or not sent (no key yet)." },
	[WM_SRTP_SPILLS] = { "tutti_worker_srtp_spills_total", "counter",
			     "SRTP sessions' allocations that did not fit "
			     "their block (a peer's third SSRC): its packets "
			     "then cost more." },
	[WM_DROPS] = { "tutti_worker_drops_total", "counter",
		       "Packets dropped and events refused (evt_full: said "
		       "again later, but for stats), by reason." },
	[WM_OVERLOADED] = { "tutti_worker_overloaded", "gauge",
			    "1 while the worker refuses new legs "
			    "(tutti-dp --admit-busy)." },
	[WM_LEGS_REFUSED] = { "tutti_worker_new_legs_refused_total",
			      "counter",
			      "New legs refused at the worker's limit "
			      "(tutti-dp --admit-busy)." },
	[WM_DRAINING] = { "tutti_worker_draining", "gauge",
			  "1 while the operator has the worker drained "
			  "(tuttictl drain): no new conferences there." },
};

/* One worker's sample of a counter or integer gauge. */
static void
put_u64(struct out *o, const char *n, uint32_t w, uint64_t v)
{
	put(o, "%s{worker=\"%u\"} %" PRIu64 "\n", n, w, v);
}

/* Worker w's samples of family k (drained: tutti-cp's own flag). */
static void
worker_samples(struct out *o, enum worker_metric k, uint32_t w,
	       const struct shm_worker_stats *s, bool drained)
{
	const char *n = worker_fam[k].name;

	switch (k) {
	case WM_TICKS:
		put_u64(o, n, w, s->ticks);
		break;
	case WM_LATE_TICKS:
		put_u64(o, n, w, s->late_ticks);
		break;
	case WM_TICK_LATENESS:
		for (unsigned int b = 0; b < SHM_TICK_LATE_BUCKETS; b++)
			put(o, "%s{worker=\"%u\",late_ms=\"%s\"} %" PRIu64
			    "\n", n, w, shm_tick_late_name(b), s->tick_late[b]);
		break;
	case WM_BUSY:
		put(o, "%s{worker=\"%u\"} %.4f\n", n, w, s->total_cycles ?
		    (double)s->busy_cycles / (double)s->total_cycles : 0.0);
		break;
	case WM_TICK_MAX:
		put(o, "%s{worker=\"%u\"} %.6f\n", n, w,
		    (double)s->tick_ns_max / 1e9);
		break;
	case WM_POLL_GAP:
		put(o, "%s{worker=\"%u\"} %.6f\n", n, w,
		    (double)s->poll_gap_ns_max / 1e9);
		break;
	case WM_SHED:
		put_u64(o, n, w, s->plc_shed);
		break;
	case WM_OVERLOADED:
		put_u64(o, n, w, s->overloaded);
		break;
	case WM_LEGS_REFUSED:
		put_u64(o, n, w, s->new_legs_refused);
		break;
	case WM_DRAINING:
		put_u64(o, n, w, drained);
		break;
	case WM_CONCEALED:
		put_u64(o, n, w, s->concealed);
		break;
	case WM_PACKETS:
		put(o, "%s{worker=\"%u\",dir=\"rx\"} %" PRIu64 "\n"
		    "%s{worker=\"%u\",dir=\"tx\"} %" PRIu64 "\n", n, w,
		    s->rx_pkts, n, w, s->tx_pkts);
		break;
	case WM_RX_POLLS:
		put_u64(o, n, w, s->rx_polls);
		break;
	case WM_TX_DEFERRED:
		put_u64(o, n, w, s->tx_deferred);
		break;
	case WM_TX_BACKLOG_MAX:
		put_u64(o, n, w, s->tx_backlog_max);
		break;
	case WM_DTMF_LOST:
		put_u64(o, n, w, s->dtmf_lost);
		break;
	case WM_SRTP_DROPS:
		put_u64(o, n, w, s->srtp_drops);
		break;
	case WM_SRTP_SPILLS:
		put_u64(o, n, w, s->srtp_spills);
		break;
	case WM_DROPS:
	case WM_N_:
		for (unsigned int i = 0; i < SHM_DROP_MAX_; i++)
			if (shm_drop_name(i)[0] != '?')
				put(o, "%s{worker=\"%u\",reason=\"%s\"} %"
				    PRIu64 "\n", n, w, shm_drop_name(i),
				    s->drops[i]);
		break;
	}
}

enum port_metric {
	PM_UP, PM_PACKETS, PM_BYTES, PM_MISSED, PM_ERRORS, PM_NOMBUF, PM_N_
};

static const struct metric_fam port_fam[PM_N_] = {
	[PM_UP] = { "tutti_port_up", "gauge",
		    "1 while the link of tutti-dp's port is up." },
	[PM_PACKETS] = { "tutti_port_packets_total", "counter",
			 "Packets tutti-dp's port counted, in and out (its "
			 "driver's counters)." },
	[PM_BYTES] = { "tutti_port_bytes_total", "counter",
		       "Bytes tutti-dp's port counted, in and out." },
	[PM_MISSED] = { "tutti_port_missed_total", "counter",
			"Packets the port dropped with its receive queues "
			"full: tutti-dp's workers polled it too slowly." },
	[PM_ERRORS] = { "tutti_port_errors_total", "counter",
			"Receive and transmit errors of the port." },
	[PM_NOMBUF] = { "tutti_port_rx_nombuf_total", "counter",
			"Packets the port could not take for want of a "
			"packet buffer (tutti-dp --mbufs)." },
};

/* Port s's samples of family k. */
static void
port_samples(struct out *o, enum port_metric k, const struct shm_port_stats *s)
{
	const char *n = port_fam[k].name;
	uint64_t in = 0, out = 0;
	bool dirs = true;

	switch (k) {
	case PM_UP:
		in = s->link_up;
		dirs = false;
		break;
	case PM_PACKETS:
		in = s->ipackets;
		out = s->opackets;
		break;
	case PM_BYTES:
		in = s->ibytes;
		out = s->obytes;
		break;
	case PM_ERRORS:
		in = s->ierrors;
		out = s->oerrors;
		break;
	case PM_MISSED:
		in = s->imissed;
		dirs = false;
		break;
	case PM_NOMBUF:
	case PM_N_:
		in = s->rx_nombuf;
		dirs = false;
		break;
	}
	for (int d = 0; d < (dirs ? 2 : 1); d++) {
		put(o, "%s{port=\"%u\",device=", n, s->port_id);
		put_str(o, s->name);
		if (dirs)
			put(o, ",dir=\"%s\"", d ? "tx" : "rx");
		put(o, "} %" PRIu64 "\n", d ? out : in);
	}
}

enum leg_metric {
	LM_PACKETS, LM_LOST, LM_JITTER, LM_CONCEALED, LM_N_
};

static const struct metric_fam leg_fam[LM_N_] = {
	[LM_PACKETS] = { "tutti_leg_packets_total", "counter",
			 "RTP packets of a leg." },
	[LM_LOST] = { "tutti_leg_lost_packets_total", "counter",
		      "RTP packets lost (sequence gaps)." },
	[LM_JITTER] = { "tutti_leg_jitter_seconds", "gauge",
			"RFC 3550 interarrival jitter." },
	[LM_CONCEALED] = { "tutti_leg_concealed_ticks_total", "counter",
			   "Ticks a leg's frame was missing (lost, late or "
			   "incomplete) and concealed." },
};

/* A leg's labels (its conference and leg id), written once per scrape:
 * the conference's name is a walk of the conferences. */
#define LEG_LABELS_MAX	160

static void
leg_labels(struct cp_focus *f, const struct shm_leg_entry *e, char *lab)
{
	struct out lo = { .p = lab, .len = LEG_LABELS_MAX };
	/* the participant's conference, found by leg id (a walk of the
	 * conferences for each of 20,000 legs was about half a scrape's
	 * time); a leg no participant owns, by the walk */
	const struct part *p = part_find_leg(f, e->leg.leg_id);

	put(&lo, "conference=");
	put_str(&lo, p != NULL && p->conf->conf_id == e->conf_id ?
		     p->conf->name : conf_name_of(f, e->conf_id));
	put(&lo, ",leg=\"%u\"", e->leg.leg_id);
}

/* Leg e's samples of family k, with its labels lab. */
static void
leg_samples(struct out *o, enum leg_metric k, const struct shm_leg_entry *e,
	    const char *lab)
{
	const char *n = leg_fam[k].name;

	switch (k) {
	case LM_PACKETS:
		put(o, "%s{%s,dir=\"rx\"} %" PRIu64 "\n%s{%s,dir=\"tx\"} %"
		    PRIu64 "\n", n, lab, e->rx_pkts, n, lab, e->tx_pkts);
		break;
	case LM_LOST:
		put(o, "%s{%s} %" PRIu64 "\n", n, lab, e->lost);
		break;
	case LM_JITTER:
		put(o, "%s{%s} %.6f\n", n, lab, (double)e->jitter_us / 1e6);
		break;
	case LM_CONCEALED:
	case LM_N_:
		put(o, "%s{%s} %" PRIu64 "\n", n, lab, e->concealed);
		break;
	}
}

/* Each outbound proxy's state and failovers (none: nothing). */
static void
proxies_metrics(const struct cp_sip *sip, struct out *o)
{
	struct cp_sip_proxy_info pi;

	if (cp_sip_proxy_info(sip, 0, &pi) < 0)
		return;
	put(o, "# HELP tutti_sip_proxy_up Whether an outbound proxy is up "
	    "(1) or down (0).\n# TYPE tutti_sip_proxy_up gauge\n");
	for (unsigned i = 0; cp_sip_proxy_info(sip, i, &pi) == 0; i++)
		put(o, "tutti_sip_proxy_up{proxy=\"%s\",addr=\"%s\"} %d\n",
		    pi.uri, pi.addr, pi.up ? 1 : 0);
	put(o, "# HELP tutti_sip_proxy_failovers_total Dial-outs an outbound "
	    "proxy failed that went on to the next.\n"
	    "# TYPE tutti_sip_proxy_failovers_total counter\n");
	for (unsigned i = 0; cp_sip_proxy_info(sip, i, &pi) == 0; i++)
		put(o, "tutti_sip_proxy_failovers_total{proxy=\"%s\",addr=\"%s\"} "
		    "%" PRIu64 "\n", pi.uri, pi.addr, pi.failovers);
}

/* Each registration's state and failures (none: nothing). */
static void
regs_metrics(const struct cp_sip *sip, struct out *o)
{
	struct cp_sip_reg_info ri;

	if (cp_sip_reg_info(sip, 0, &ri) < 0)
		return;
	put(o, "# HELP tutti_sip_registered Whether the focus holds a "
	    "binding at a registrar for an address of record (1) or not "
	    "(0).\n# TYPE tutti_sip_registered gauge\n");
	for (unsigned i = 0; cp_sip_reg_info(sip, i, &ri) == 0; i++)
		put(o, "tutti_sip_registered{aor=\"%s\"} %d\n", ri.aor,
		    ri.registered ? 1 : 0);
	put(o, "# HELP tutti_sip_register_failures_total REGISTERs of an "
	    "address of record that failed.\n"
	    "# TYPE tutti_sip_register_failures_total counter\n");
	for (unsigned i = 0; cp_sip_reg_info(sip, i, &ri) == 0; i++)
		put(o, "tutti_sip_register_failures_total{aor=\"%s\"} %" PRIu64
		    "\n", ri.aor, ri.failures);
}

size_t
cp_focus_metrics(void *ctx, char **buf, size_t *cap)
{
	struct cp_focus *f = ctx;
	struct out o = { .p = *buf, .len = *cap, .own = buf, .own_cap = cap,
			 .max = CP_METRICS_MAX };
	uint32_t n_w = f->d->up ? f->d->region.hdr->n_workers : 0, n_p;
	struct shm_port_stats ps[SHM_MAX_PORTS];
	struct shm_worker_stats *ws;
	struct legs_of l = { 0 };
	char *labs;

	o.p[0] = '\0';
	put(&o, "# HELP tutti_dataplane_up 1 while tutti-cp is attached to a "
	    "live tutti-dp.\n# TYPE tutti_dataplane_up gauge\n"
	    "tutti_dataplane_up %d\n", f->d->up ? 1 : 0);
	put(&o, "# HELP tutti_conferences Conferences the focus runs.\n"
	    "# TYPE tutti_conferences gauge\ntutti_conferences %u\n",
	    f->st.n_confs);
	put(&o, "# HELP tutti_participants Participants per conference.\n"
	    "# TYPE tutti_participants gauge\n");
	for (struct conf *c = f->confs; c != NULL; c = c->next) {
		put(&o, "tutti_participants{conference=");
		put_str(&o, c->name);
		put(&o, "} %u\n", c->n_parts);
	}
	put(&o, "# HELP tutti_talkers Participants talking now, per "
	    "conference.\n# TYPE tutti_talkers gauge\n");
	for (struct conf *c = f->confs; c != NULL; c = c->next) {
		put(&o, "tutti_talkers{conference=");
		put_str(&o, c->name);
		put(&o, "} %u\n", talkers(c));
	}
	put(&o, "# HELP tutti_joined_total Participants that joined.\n"
	    "# TYPE tutti_joined_total counter\ntutti_joined_total %" PRIu64
	    "\n# HELP tutti_left_total Participants that left.\n"
	    "# TYPE tutti_left_total counter\ntutti_left_total %" PRIu64
	    "\n# HELP tutti_refused_total INVITEs refused (404, 488, 503...).\n"
	    "# TYPE tutti_refused_total counter\ntutti_refused_total %" PRIu64
	    "\n# HELP tutti_media_timeouts_total Calls ended for lack of "
	    "media.\n# TYPE tutti_media_timeouts_total counter\n"
	    "tutti_media_timeouts_total %" PRIu64 "\n", f->st.joined,
	    f->st.left, f->st.refused, f->st.timeouts);

	/* per worker core, then per leg: each family's HELP, TYPE and
	 * samples together, as the text format asks */
	ws = n_w > 0 ? calloc(n_w, sizeof(*ws)) : NULL;
	if (ws == NULL)
		n_w = 0;
	for (uint32_t w = 0; w < n_w; w++)
		shm_read_stats(shm_region_stats(&f->d->region, w), &ws[w]);
	for (int k = 0; k < WM_N_; k++) {
		put_family(&o, &worker_fam[k]);
		for (uint32_t w = 0; w < n_w; w++)
			worker_samples(&o, (enum worker_metric)k, w, &ws[w],
				       f->worker_drained[w]);
	}
	free(ws);

	/* per port of tutti-dp's, its driver's counters */
	n_p = dp_n_ports(f);
	for (uint32_t p = 0; p < n_p; p++)
		dp_read_port(f, p, &ps[p]);
	for (int k = 0; k < PM_N_; k++) {
		put_family(&o, &port_fam[k]);
		for (uint32_t p = 0; p < n_p; p++)
			port_samples(&o, (enum port_metric)k, &ps[p]);
	}

	/* per leg, from the data plane's leg table */
	l.cap = f->st.n_participants + 64;
	l.e = calloc(l.cap, sizeof(*l.e));
	if (l.e != NULL)
		cp_dpctl_legs(f->d, collect_all, &l);
	labs = l.n > 0 ? calloc(l.n, LEG_LABELS_MAX) : NULL;
	if (labs == NULL)
		l.n = 0;
	for (uint32_t i = 0; i < l.n; i++)
		leg_labels(f, &l.e[i], labs + (size_t)i * LEG_LABELS_MAX);
	for (int k = 0; k < LM_N_; k++) {
		put_family(&o, &leg_fam[k]);
		for (uint32_t i = 0; i < l.n; i++)
			leg_samples(&o, (enum leg_metric)k, &l.e[i],
				    labs + (size_t)i * LEG_LABELS_MAX);
	}
	free(labs);
	free(l.e);

	/* the SIP layer's counters */
	if (f->sip != NULL) {
		const struct cp_sip_stats *s = cp_sip_stats(f->sip);
		const struct cp_sip_transport_stats *t =
			cp_sip_transport_stats_of(f->sip);

		put(&o, "# HELP tutti_sip_events_total SIP layer counters "
		    "(requests, responses by class, retransmissions, drops, "
		    "dialogs).\n# TYPE tutti_sip_events_total counter\n");
#define SIP_METRIC(n) \
		put(&o, "tutti_sip_events_total{what=\"" #n "\"} %" PRIu64 \
		    "\n", s->n);
		CP_SIP_STATS(SIP_METRIC)
#undef SIP_METRIC
		put(&o, "# HELP tutti_sip_transport_total SIP transport "
		    "counters (messages, TCP and TLS connections, drops, "
		    "keepalives).\n# TYPE tutti_sip_transport_total "
		    "counter\n");
#define TRANSPORT_METRIC(n) \
		put(&o, "tutti_sip_transport_total{what=\"" #n "\"} %" \
		    PRIu64 "\n", t->n);
		CP_SIP_TRANSPORT_STATS(TRANSPORT_METRIC)
#undef TRANSPORT_METRIC
		proxies_metrics(f->sip, &o);
		regs_metrics(f->sip, &o);
	}
	if (o.over) {
		/* cut at the last whole line: an exposition that parses */
		char *nl = memrchr(o.p, '\n', o.off);

		o.off = nl != NULL ? (size_t)(nl - o.p) + 1 : 0;
		o.p[o.off] = '\0';
		LOG_WARN("metrics: the exposition is longer than %u MB: cut "
			 "at %zu bytes", CP_METRICS_MAX >> 20, o.off);
	}
	return o.off;
}
