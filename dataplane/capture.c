/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture.c: tuttictl capture's records, from the workers' packet paths
 * to pcap files written by the housekeeping lcore (see capture.h).
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "log.h"
#include "shm_region.h"
#include "tick.h"

/* serial's bit of a capture of a whole conference: its leg_id (in
 * records, files, tokens) is the conference's conf_id */
#define CAP_CONF	(1u << 16)

/* A frame of a capture, or its last. */
struct cap_rec {
	uint64_t tsc;
	uint32_t leg_id, serial;	/* the capture's: cap_key() */
	uint32_t lost;		/* last: frames the capture could not keep */
	uint16_t caplen, origlen;
	bool last;		/* the capture's last frame: its file closes */
	uint8_t data[DP_CAP_SNAP];
};

/* A capture being written. */
struct cap_file {
	FILE *fp;		/* NULL: slot free, unless failed */
	bool failed;		/* its file could not be opened: its
				 * records go, until its end */
	uint32_t leg_id, serial;	/* cap_key(); CAP_CONF */
	uint32_t n, lost;	/* frames written; lost (the workers' count,
				 * then the writer's own) */
	struct shm_capture *pub;	/* where it is said, or NULL */
	char path[PATH_MAX];
};

#define DP_CAP_REFUSED	64

/* An end token: cap_key() */
#define END_SLOTS	256

/* A capture as one number: leg_id << 32 | serial (end tokens, refused) */
static inline uint64_t
cap_key(uint32_t leg_id, uint32_t serial)
{
	return (uint64_t)leg_id << 32 | serial;
}

static struct {
	char dir[PATH_MAX - 64];	/* room for the file names */
	bool on;
	struct rte_mempool *pool;
	struct rte_ring *recs;		/* struct cap_rec *, MP/SC */
	struct rte_ring *ends;		/* end tokens, MP/SC */
	uint64_t ends_lost;		/* tokens the ring did not take */
	uint64_t ends_lost_said;
	struct cap_file files[DP_CAP_FILES];
	struct shm_capture *pub;	/* [SHM_CAPTURES] (NULL: none) */
	unsigned int pub_next;		/* the slot a new file takes */
	/* captures refused for want of a file slot, said once: cap_key()s,
	 * the newest DP_CAP_REFUSED */
	uint64_t refused[DP_CAP_REFUSED];
	unsigned int refused_next;
	/* TSC to wall clock: at init */
	uint64_t ref_tsc, ref_ns, hz;
} cap;

/* pcap's file header: nanosecond timestamps, Ethernet */
struct pcap_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t zone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t sec, nsec, caplen, len;
};

#define PCAP_MAGIC_NS	0xa1b23c4du
#define PCAP_LINK_ETH	1u

int
dp_cap_init(const char *dir)
{
	struct timespec ts;
	struct stat sb;

	memset(&cap, 0, sizeof(cap));
	if (dir == NULL || dir[0] == '\0')
		return 0;
	if (strlen(dir) + sizeof("/conf-4294967295-4294967295.pcap") >
	    sizeof(cap.dir))
		return -ENAMETOOLONG;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    access(dir, W_OK | X_OK) != 0)
		return -ENOTDIR;
	snprintf(cap.dir, sizeof(cap.dir), "%s", dir);
	cap.pool = rte_mempool_create("tutti_cap", DP_CAP_RECS - 1,
				      sizeof(struct cap_rec), 32, 0, NULL,
				      NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	cap.recs = rte_ring_create("tutti_cap", DP_CAP_RECS, SOCKET_ID_ANY,
				   RING_F_SC_DEQ);
	cap.ends = rte_ring_create("tutti_cap_end", END_SLOTS, SOCKET_ID_ANY,
				   RING_F_SC_DEQ);
	if (cap.pool == NULL || cap.recs == NULL || cap.ends == NULL) {
		dp_cap_fini();
		return -ENOMEM;
	}
	cap.hz = rte_get_tsc_hz();
	cap.ref_tsc = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &ts);
	cap.ref_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	cap.on = true;
	return 0;
}

void
dp_cap_publish(struct shm_capture *slots)
{
	cap.pub = slots;
}

/* f's state, in its slot of the region's */
static void
say(const struct cap_file *f, uint8_t state)
{
	struct shm_capture *p = f->pub;

	if (p == NULL)
		return;
	shm_pub_begin(&p->pub_seq);
	p->leg_id = f->leg_id;
	p->serial = (uint16_t)f->serial;
	p->conference = (f->serial & CAP_CONF) != 0;
	p->state = state;
	p->packets = f->n;
	p->lost = f->lost;
	shm_pub_end(&p->pub_seq);
}

const char *
dp_cap_dir(void)
{
	return cap.on ? cap.dir : NULL;
}

/* Queue the end token of capture (leg_id, serial) (cold: a capture
 * stopped, its leg or conference gone). */
static void
end_token(uint32_t leg_id, uint32_t serial)
{
	uint64_t t = cap_key(leg_id, serial);

	if (rte_ring_mp_enqueue_elem(cap.ends, &t, sizeof(t)) != 0)
		__atomic_fetch_add(&cap.ends_lost, 1, __ATOMIC_RELAXED);
}

/* rt leaves its conference's capture. */
static void
leave(struct dp_lcore *lc, struct dp_leg_rt *rt)
{
	rt->cap_left = 0;
	rt->cap_conf = false;
	lc->n_cap--;
}

int
dp_cap_start(struct dp_lcore *lc, struct dp_leg_rt *rt, uint32_t leg_id,
	     uint32_t packets, uint16_t serial)
{
	if (!cap.on)
		return -ENOTSUP;
	if (rt->cap_conf && lc->confs[rt->conf_idx].cap_left != 0)
		return -EBUSY;
	dp_cap_stop(lc, rt, leg_id);
	if (packets == 0)
		return 0;
	rt->cap_serial = serial;
	rt->cap_lost = 0;
	rt->cap_left = (uint16_t)(packets > UINT16_MAX ? UINT16_MAX : packets);
	lc->n_cap++;
	return 0;
}

void
dp_cap_stop(struct dp_lcore *lc, struct dp_leg_rt *rt, uint32_t leg_id)
{
	if (rt->cap_left == 0)
		return;
	if (rt->cap_conf) {	/* the conference's capture goes on */
		leave(lc, rt);
		return;
	}
	end_token(leg_id, rt->cap_serial);
	rt->cap_left = 0;
	lc->n_cap--;
}

void
dp_cap_left(struct dp_lcore *lc, struct dp_leg_rt *rt)
{
	if (rt->cap_conf && lc->confs[rt->conf_idx].cap_left == 0)
		leave(lc, rt);
}

/* Leg slot k's runtime, if it is a leg of c. */
static struct dp_leg_rt *
leg_of(struct dp_lcore *lc, const struct dp_conf *c, uint32_t k)
{
	const struct shm_leg_entry *e = &lc->legs[k];

	return e->state == SHM_LEG_ACTIVE && e->conf_id == c->conf_id ?
	       &lc->rt[k] : NULL;
}

void
dp_cap_join(struct dp_lcore *lc, const struct dp_conf *c,
	    struct dp_leg_rt *rt, uint32_t leg_id)
{
	if (c->cap_left == 0 || rt->cap_conf)
		return;
	dp_cap_stop(lc, rt, leg_id);	/* its own capture ends */
	rt->cap_conf = true;
	rt->cap_left = 1;
	lc->n_cap++;
}

int
dp_cap_conf_start(struct dp_lcore *lc, struct dp_conf *c, uint32_t packets,
		  uint16_t serial)
{
	if (!cap.on)
		return -ENOTSUP;
	dp_cap_conf_stop(lc, c);
	if (packets == 0)
		return 0;
	c->cap_serial = serial;
	c->cap_lost = 0;
	c->cap_left = packets;
	/* cold: a capture is rare; its legs are looked for */
	for (uint32_t k = 0; k < lc->n_leg_slots; k++) {
		struct dp_leg_rt *rt = leg_of(lc, c, k);

		if (rt != NULL)
			dp_cap_join(lc, c, rt, lc->legs[k].leg.leg_id);
	}
	return 0;
}

void
dp_cap_conf_stop(struct dp_lcore *lc, struct dp_conf *c)
{
	if (c->cap_left != 0) {
		end_token(c->conf_id, c->cap_serial | CAP_CONF);
		c->cap_left = 0;
	}
	for (uint32_t k = 0; k < lc->n_leg_slots && lc->n_cap != 0; k++) {
		struct dp_leg_rt *rt = leg_of(lc, c, k);

		if (rt != NULL && rt->cap_conf)
			leave(lc, rt);
	}
}

static void
lost(uint16_t *n)
{
	if (*n < UINT16_MAX)
		(*n)++;
}

DP_COLD void
dp_cap_frame(struct dp_lcore *lc, struct dp_leg_rt *rt,
	     const struct rte_mbuf *m, uint64_t tsc)
{
	struct dp_conf *c = NULL;
	/* the capture's: the leg's own, or its conference's */
	uint32_t id = rt->tl->cfg.leg_id, serial = rt->cap_serial;
	uint32_t left = rt->cap_left;
	uint16_t *n_lost = &rt->cap_lost;
	struct cap_rec *r;
	const void *d;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if (rt->cap_conf) {
		c = &lc->confs[rt->conf_idx];
		if (c->cap_left == 0) {	/* it ended: its count reached */
			leave(lc, rt);
			return;
		}
		id = c->conf_id;
		serial = c->cap_serial | CAP_CONF;
		left = c->cap_left;
		n_lost = &c->cap_lost;
	}
	if (rte_mempool_get(cap.pool, (void **)&r) != 0) {
		lost(n_lost);
		return;
	}
	r->tsc = tsc;
	r->leg_id = id;
	r->serial = serial;
	r->origlen = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
	r->caplen = (uint16_t)(len < DP_CAP_SNAP ? len : DP_CAP_SNAP);
	d = rte_pktmbuf_read(m, 0, r->caplen, r->data);
	if (d == NULL) {
		rte_mempool_put(cap.pool, r);
		lost(n_lost);
		return;
	}
	if (d != r->data)
		memcpy(r->data, d, r->caplen);
	r->last = left == 1;
	r->lost = *n_lost;
	if (rte_ring_mp_enqueue(cap.recs, r) != 0) {
		rte_mempool_put(cap.pool, r);
		lost(n_lost);
		return;
	}
	if (c != NULL) {
		/* its other legs leave at their next frame */
		if (--c->cap_left == 0)
			leave(lc, rt);
	} else if (--rt->cap_left == 0) {
		lc->n_cap--;
	}
}

/*
 * A new file at path, for its owner only (a call's audio is in it): what
 * was there goes first (a file of the same name, or a link someone put
 * there, which is not followed). NULL with errno set if it cannot be.
 */
static FILE *
create(const char *path)
{
	FILE *fp;
	int fd;

	if (unlink(path) != 0 && errno != ENOENT)
		return NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return NULL;
	if ((fp = fdopen(fd, "w")) == NULL)
		close(fd);
	return fp;
}

/* "leg 12" or "conference 7": what capture (leg_id, serial) takes, in
 * buf[32] */
static const char *
whose(uint32_t leg_id, uint32_t serial, char *buf)
{
	snprintf(buf, 32, "%s %u", serial & CAP_CONF ? "conference" : "leg",
		 leg_id);
	return buf;
}

/* Whether the capture of (leg_id, serial) was refused (refuse()). */
static bool
refused(uint32_t leg_id, uint32_t serial)
{
	uint64_t key = cap_key(leg_id, serial);

	for (unsigned int i = 0; i < DP_CAP_REFUSED; i++)
		if (cap.refused[i] == key)
			return true;
	return false;
}

/* A capture refused for want of a file slot, at its first record: logged
 * and said in the region (tuttictl captures); its later records go too,
 * even once a slot is free (its file would lack its start). */
static void
refuse(uint32_t leg_id, uint32_t serial)
{
	struct cap_file f = { .leg_id = leg_id, .serial = serial };
	char w[32];

	cap.refused[cap.refused_next++ % DP_CAP_REFUSED] =
		cap_key(leg_id, serial);
	LOG_WARN("capture of %s refused: %u captures are written at once, "
		 "the most", whose(leg_id, serial, w), DP_CAP_FILES);
	if (cap.pub != NULL) {
		f.pub = &cap.pub[cap.pub_next++ % SHM_CAPTURES];
		say(&f, SHM_CAPTURE_FAILED);
	}
}

/* Whether slot f holds a capture (its file open, or failed). */
static bool
in_use(const struct cap_file *f)
{
	return f->fp != NULL || f->failed;
}

/* The slot of (leg_id, serial)'s capture, or NULL. */
static struct cap_file *
file_find(uint32_t leg_id, uint32_t serial)
{
	for (unsigned int i = 0; i < DP_CAP_FILES; i++)
		if (in_use(&cap.files[i]) && cap.files[i].leg_id == leg_id &&
		    cap.files[i].serial == serial)
			return &cap.files[i];
	return NULL;
}

/* The file of (leg_id, serial), opened (its pcap header written) if
 * new; NULL if it cannot be. */
static struct cap_file *
file_of(uint32_t leg_id, uint32_t serial)
{
	struct cap_file *free_slot = NULL, *f = file_find(leg_id, serial);
	struct pcap_hdr h = { .magic = PCAP_MAGIC_NS, .major = 2, .minor = 4,
			      .snaplen = DP_CAP_SNAP,
			      .linktype = PCAP_LINK_ETH };
	char w[32];

	if (f != NULL)
		return f;
	for (unsigned int i = 0; i < DP_CAP_FILES && free_slot == NULL; i++)
		if (!in_use(&cap.files[i]))
			free_slot = &cap.files[i];
	if (refused(leg_id, serial))
		return NULL;
	if (free_slot == NULL) {
		refuse(leg_id, serial);
		return NULL;
	}
	shm_capture_path(free_slot->path, sizeof(free_slot->path), cap.dir,
			 serial & CAP_CONF, leg_id, (uint16_t)serial);
	free_slot->leg_id = leg_id;
	free_slot->serial = serial;
	free_slot->n = 0;
	free_slot->lost = 0;
	free_slot->pub = cap.pub == NULL ? NULL :
			 &cap.pub[cap.pub_next++ % SHM_CAPTURES];
	free_slot->fp = create(free_slot->path);
	if (free_slot->fp == NULL) {
		LOG_WARN("capture of %s: cannot write %s: %s",
			 whose(leg_id, serial, w), free_slot->path,
			 strerror(errno));
		free_slot->failed = true;
		say(free_slot, SHM_CAPTURE_FAILED);
		return free_slot;
	}
	fwrite(&h, sizeof(h), 1, free_slot->fp);
	say(free_slot, SHM_CAPTURE_WRITING);
	LOG_INFO("capture of %s: writing %s", whose(leg_id, serial, w),
		 free_slot->path);
	return free_slot;
}

/* "; N not kept ..." if f's capture lost frames, else "" */
static const char *
lost_str(const struct cap_file *f, char *buf, size_t len)
{
	if (f->lost == 0)
		return "";
	snprintf(buf, len, "; %u more not kept (the records in flight all "
		 "taken)", f->lost);
	return buf;
}

static void
file_close(struct cap_file *f, const char *why)
{
	char buf[80], w[32];
	bool bad;

	if (f->failed) {	/* said when it failed */
		f->failed = false;
		return;
	}
	bad = ferror(f->fp) != 0;
	if (fclose(f->fp) != 0)
		bad = true;
	f->fp = NULL;
	say(f, bad ? SHM_CAPTURE_FAILED : SHM_CAPTURE_DONE);
	if (bad)
		LOG_WARN("capture of %s: writing %s failed (disk full?)",
			 whose(f->leg_id, f->serial, w), f->path);
	else
		LOG_INFO("capture of %s done (%s): %u packets in %s%s",
			 whose(f->leg_id, f->serial, w), why, f->n, f->path,
			 lost_str(f, buf, sizeof(buf)));
}

/* Write r to its file (and close it if r is its last); r goes back to the
 * pool. */
static void
write_rec(struct cap_rec *r)
{
	struct cap_file *f = file_of(r->leg_id, r->serial);
	uint64_t dt = r->tsc - cap.ref_tsc;
	uint64_t ns = cap.ref_ns + dt / cap.hz * 1000000000u +
		      dt % cap.hz * 1000000000u / cap.hz;
	struct pcap_rec_hdr h = { .sec = (uint32_t)(ns / 1000000000u),
				  .nsec = (uint32_t)(ns % 1000000000u),
				  .caplen = r->caplen, .len = r->origlen };

	if (f != NULL && !f->failed) {
		fwrite(&h, sizeof(h), 1, f->fp);
		fwrite(r->data, r->caplen, 1, f->fp);
		f->n++;
		f->lost = r->lost;
		say(f, SHM_CAPTURE_WRITING);
	}
	if (f != NULL && r->last)
		file_close(f, "all its packets");
	rte_mempool_put(cap.pool, r);
}

unsigned int
dp_cap_drain(unsigned int budget)
{
	uint64_t ends[32], ends_lost;
	struct cap_rec *r[64];
	unsigned int n_end, n = 0;

	if (!cap.on)
		return 0;
	ends_lost = __atomic_load_n(&cap.ends_lost, __ATOMIC_RELAXED);
	if (ends_lost != cap.ends_lost_said) {
		cap.ends_lost_said = ends_lost;
		LOG_WARN("capture: %" PRIu64 " captures stopped while %u "
			 "others were: their files close when tutti-dp stops",
			 cap.ends_lost_said, END_SLOTS);
	}
	/* the tokens first: every record queued before one is then in the
	 * ring, and is written before its file is closed */
	n_end = rte_ring_sc_dequeue_burst_elem(cap.ends, ends, sizeof(ends[0]),
					       32, NULL);
	while (n < budget || (n_end != 0 && n < budget + DP_CAP_RECS)) {
		unsigned int k = rte_ring_sc_dequeue_burst(
			cap.recs, (void **)r, 64, NULL);

		for (unsigned int i = 0; i < k; i++)
			write_rec(r[i]);
		n += k;
		if (k == 0)
			break;
	}
	for (unsigned int i = 0; i < n_end; i++) {
		struct cap_file *f = file_find((uint32_t)(ends[i] >> 32),
					       (uint32_t)ends[i]);

		if (f != NULL)
			file_close(f, "stopped");
	}
	return n;
}

void
dp_cap_fini(void)
{
	if (cap.on) {
		while (dp_cap_drain(DP_CAP_RECS) != 0)
			;
		for (unsigned int j = 0; j < DP_CAP_FILES; j++)
			if (in_use(&cap.files[j]))
				file_close(&cap.files[j], "tutti-dp stops");
	}
	rte_ring_free(cap.ends);
	rte_ring_free(cap.recs);
	rte_mempool_free(cap.pool);
	cap.ends = cap.recs = NULL;
	cap.pool = NULL;
	cap.on = false;
}
