/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_region.c: attach to and verify the shared region, section accessors,
 * seqlock readers. Both processes and the tools; libc and the rte_ring
 * headers only (the creator half, which needs librte_ring, is shm_create.c).
 * Cold path except the accessors, which are plain arithmetic.
 */
#include "shm_region.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compiler.h"
#include "log.h"
#include "shm_ring.h"

uint64_t
shm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t
fnv1a(uint32_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (uint8_t)(v >> (8 * i));
		h *= 16777619u;
	}
	return h;
}

uint32_t
shm_layout_fingerprint(void)
{
	/* Every struct's size and the offsets readers depend on. */
	static const uint64_t layout[] = {
		sizeof(struct shm_msg_hdr),
		sizeof(struct shm_msg_hello),
		sizeof(struct shm_msg_conf),
		sizeof(struct shm_msg_leg),
		offsetof(struct shm_msg_leg, remote_port),
		offsetof(struct shm_msg_leg, codec),
		offsetof(struct shm_msg_leg, rate_hz),
		offsetof(struct shm_msg_leg, flags),
		offsetof(struct shm_msg_leg, local_addr),
		sizeof(struct shm_msg_status),
		sizeof(struct shm_msg_timeout),
		sizeof(struct shm_msg_dtmf),
		sizeof(struct shm_msg_talker),
		sizeof(struct shm_msg_stats),
		sizeof(struct shm_msg),
		offsetof(struct shm_msg, body),
		sizeof(struct shm_worker_stats),
		offsetof(struct shm_worker_stats, drops),
		offsetof(struct shm_worker_stats, tx_deferred),
		SHM_DROP_MAX_,
		sizeof(struct shm_leg_entry),
		offsetof(struct shm_leg_entry, leg),
		offsetof(struct shm_leg_entry, rx_pkts),
		offsetof(struct shm_leg_entry, concealed),
		sizeof(struct shm_region_hdr),
		offsetof(struct shm_region_hdr, ring_off),
		offsetof(struct shm_region_hdr, dp_pid),
		offsetof(struct shm_region_hdr, worker_lcore),
		offsetof(struct shm_region_hdr, addrs),
		offsetof(struct shm_region_hdr, addr_plen),
		offsetof(struct shm_region_hdr, ports),
		sizeof(struct shm_port_stats),
		SHM_MAX_ADDRS,
		SHM_MAX_WORKERS,
		/* the ring itself: both sides must agree on DPDK's layout */
		sizeof(struct rte_ring),
		offsetof(struct rte_ring, prod),
		offsetof(struct rte_ring, cons),
	};
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < TUTTI_ARRAY_SIZE(layout); i++)
		h = fnv1a(h, layout[i]);
	return h;
}

size_t
shm_region_size(uint32_t n_workers, uint32_t ring_slots, uint32_t n_legs,
		size_t ring_bytes)
{
	size_t stats, legs;

	if (n_workers == 0 || n_workers > SHM_MAX_WORKERS || ring_slots < 64 ||
	    (ring_slots & (ring_slots - 1)) != 0 || n_legs < n_workers ||
	    ring_bytes == 0 || ring_bytes % SHM_ALIGN != 0)
		return 0;
	stats = (size_t)n_workers * sizeof(struct shm_worker_stats);
	stats = (stats + SHM_ALIGN - 1) / SHM_ALIGN * SHM_ALIGN;
	legs = (size_t)n_legs * sizeof(struct shm_leg_entry);
	legs = (legs + SHM_ALIGN - 1) / SHM_ALIGN * SHM_ALIGN;
	return sizeof(struct shm_region_hdr) + 2 * n_workers * ring_bytes +
	       stats + legs;
}

int
shm_region_verify(const struct shm_region_hdr *h, size_t mapped,
		  const char *name, uint64_t expect_gen, uint64_t now_ns,
		  bool dp_alive, char *err, size_t errlen)
{
	/* Acquire: pairs with the creator's release store of magic. */
	uint64_t magic = __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE);
	uint32_t state = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
	uint64_t beat = __atomic_load_n(&h->dp_heartbeat_ns, __ATOMIC_ACQUIRE);
	size_t want;

	if (mapped < sizeof(*h)) {
		tutti_errf(err, errlen, "region %s is %zu bytes, too small for a "
		    "Tutti region: remove /dev/shm%s and restart tutti-dp",
		    name, mapped, name);
		return -EBADMSG;
	}
	if (magic == 0) {
		tutti_errf(err, errlen, "region %s is still being created by "
		    "tutti-dp: retry", name);
		return -EAGAIN;
	}
	if (magic != SHM_MAGIC) {
		tutti_errf(err, errlen, "region %s is not a Tutti region (magic "
		    "%#" PRIx64 "): choose another --region name, or remove "
		    "/dev/shm%s if nothing uses it", name, magic, name);
		return -EBADMSG;
	}
	if (h->ver_major != SHM_VER_MAJOR) {
		tutti_errf(err, errlen, "region %s speaks protocol %u.%u, this "
		    "program speaks %u.%u: run tutti-dp and tutti-cp from the "
		    "same build (restart tutti-dp from this build)", name,
		    h->ver_major, h->ver_minor, SHM_VER_MAJOR, SHM_VER_MINOR);
		return -EPROTONOSUPPORT;
	}
	if (h->fingerprint != shm_layout_fingerprint()) {
		tutti_errf(err, errlen, "region %s has layout fingerprint %#x, this "
		    "program expects %#x (same protocol version, different "
		    "build or DPDK): rebuild both processes from one tree",
		    name, h->fingerprint, shm_layout_fingerprint());
		return -EPROTONOSUPPORT;
	}
	if (expect_gen != 0 && h->generation != expect_gen) {
		tutti_errf(err, errlen, "region %s is generation %#" PRIx64 ", not "
		    "the expected %#" PRIx64 ": tutti-dp was restarted; "
		    "attach again to the new generation", name,
		    h->generation, expect_gen);
		return -ESTALE;
	}
	if (state == SHM_STATE_CLOSED || !dp_alive) {
		tutti_errf(err, errlen, "region %s (generation %#" PRIx64 ") was "
		    "left by tutti-dp pid %u, which is no longer running: "
		    "start tutti-dp (it recreates the region), or remove "
		    "/dev/shm%s", name, h->generation, h->dp_pid, name);
		return -ESTALE;
	}
	if (state == SHM_STATE_INIT) {
		tutti_errf(err, errlen, "region %s: tutti-dp pid %u is still "
		    "starting: retry", name, h->dp_pid);
		return -EAGAIN;
	}
	if (state != SHM_STATE_READY) {
		tutti_errf(err, errlen, "region %s has unknown state %u: remove "
		    "/dev/shm%s and restart tutti-dp", name, state, name);
		return -EBADMSG;
	}
	if (now_ns > beat && now_ns - beat > SHM_HEARTBEAT_STALE_NS) {
		tutti_errf(err, errlen, "region %s: tutti-dp pid %u has not "
		    "updated its heartbeat for %" PRIu64 " ms: it is hung or "
		    "stopped (kill -CONT %u, or restart it)", name, h->dp_pid,
		    (now_ns - beat) / 1000000, h->dp_pid);
		return -ESTALE;
	}
	want = shm_region_size(h->n_workers, h->ring_slots, h->n_legs,
			       h->ring_bytes);
	if (want == 0 || want != h->size || h->size != mapped ||
	    h->ring_off != sizeof(*h) ||
	    h->stats_off != h->ring_off + 2 * h->n_workers * h->ring_bytes ||
	    h->leg_off <= h->stats_off || h->leg_off >= h->size) {
		tutti_errf(err, errlen, "region %s is damaged (size %zu, header "
		    "says %" PRIu64 "): restart tutti-dp", name, mapped,
		    h->size);
		return -EBADMSG;
	}
	return 0;
}

bool
shm_pid_alive(uint32_t pid)
{
	char path[32], buf[256];
	const char *st;
	ssize_t n;
	int fd;

	/* A pid we cannot signal (EPERM) still exists. */
	if (pid == 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
		return false;
	/* a zombie answers kill() too: its state in /proc says Z (or X) */
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return true; /* no /proc: as kill() says */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	st = strrchr(buf, ')'); /* after "pid (comm)" */
	return st == NULL || st[1] != ' ' || (st[2] != 'Z' && st[2] != 'X');
}

int
shm_region_attach(struct shm_region *r, const char *name, uint64_t expect_gen,
		  uint64_t now_ns, char *err, size_t errlen)
{
	struct shm_region_hdr *h;
	struct stat st;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if (name == NULL)
		name = SHM_DEFAULT_NAME;
	if (name[0] != '/' || strlen(name) >= sizeof(r->name) ||
	    strchr(name + 1, '/') != NULL) {
		tutti_errf(err, errlen, "region name '%s' is invalid: it starts "
		    "with '/', has no other '/' and is shorter than %d", name,
		    SHM_NAME_MAX);
		return -EINVAL;
	}
	fd = shm_open(name, O_RDWR, 0);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			tutti_errf(err, errlen, "region %s does not exist: is "
			    "tutti-dp running with --region %s?", name, name);
		else
			tutti_errf(err, errlen, "region %s: shm_open: %s", name,
			    strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		tutti_errf(err, errlen, "region %s: fstat: %s", name, strerror(-rc));
		goto out_close;
	}
	if ((size_t)st.st_size < sizeof(*h)) {
		/* Created but not yet sized by the data plane, or junk. */
		rc = st.st_size == 0 ? -EAGAIN : -EBADMSG;
		tutti_errf(err, errlen, "region %s is %lld bytes: %s", name,
		    (long long)st.st_size, rc == -EAGAIN ?
		    "tutti-dp is still creating it, retry" :
		    "not a Tutti region");
		goto out_close;
	}
	h = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (h == MAP_FAILED) {
		rc = -errno;
		tutti_errf(err, errlen, "region %s: mmap: %s", name, strerror(-rc));
		goto out_close;
	}
	rc = shm_region_verify(h, (size_t)st.st_size, name, expect_gen, now_ns,
			       shm_pid_alive(h->dp_pid), err, errlen);
	if (rc < 0)
		goto out_unmap;
	for (uint32_t w = 0; w < h->n_workers; w++) {
		r->hdr = h;
		r->size = (size_t)st.st_size;
		if (shm_ring_check(shm_region_cmd_ring(r, w), h->ring_slots) ||
		    shm_ring_check(shm_region_evt_ring(r, w), h->ring_slots)) {
			tutti_errf(err, errlen, "region %s: ring of worker %u is "
			    "damaged: restart tutti-dp", name, w);
			rc = -EBADMSG;
			goto out_unmap;
		}
	}
	close(fd);
	r->hdr = h;
	r->size = (size_t)st.st_size;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->creator = false;
	return 0;
out_unmap:
	munmap(h, (size_t)st.st_size);
	memset(r, 0, sizeof(*r));
out_close:
	close(fd);
	return rc;
}

void
shm_region_set_state(struct shm_region *r, enum shm_state state)
{
	/* Release: pairs with the acquire in shm_region_verify/_state. */
	__atomic_store_n(&r->hdr->state, (uint32_t)state, __ATOMIC_RELEASE);
}

enum shm_state
shm_region_state(const struct shm_region *r)
{
	return (enum shm_state)__atomic_load_n(&r->hdr->state,
					       __ATOMIC_ACQUIRE);
}

void
shm_region_detach(struct shm_region *r)
{
	if (r == NULL || r->hdr == NULL)
		return;
	if (r->creator) {
		shm_region_set_state(r, SHM_STATE_CLOSED);
		shm_unlink(r->name);
	}
	munmap(r->hdr, r->size);
	memset(r, 0, sizeof(*r));
}

struct rte_ring *
shm_region_cmd_ring(const struct shm_region *r, unsigned int worker)
{
	return (struct rte_ring *)((uint8_t *)r->hdr + r->hdr->ring_off +
				   2 * worker * r->hdr->ring_bytes);
}

struct rte_ring *
shm_region_evt_ring(const struct shm_region *r, unsigned int worker)
{
	return (struct rte_ring *)((uint8_t *)r->hdr + r->hdr->ring_off +
				   (2 * worker + 1) * r->hdr->ring_bytes);
}

struct shm_worker_stats *
shm_region_stats(const struct shm_region *r, unsigned int worker)
{
	return (struct shm_worker_stats *)((uint8_t *)r->hdr +
					   r->hdr->stats_off) + worker;
}

struct shm_leg_entry *
shm_region_legs(const struct shm_region *r, unsigned int worker, uint32_t *n)
{
	uint32_t per = r->hdr->n_legs / r->hdr->n_workers;

	*n = per;
	return (struct shm_leg_entry *)((uint8_t *)r->hdr + r->hdr->leg_off) +
	       (size_t)worker * per;
}

#define SHM_SEQLOCK_TRIES	(1u << 20)	/* then give up: writer died */

/*
 * Seqlock reader: pairs with the writer's release increments of pub_seq
 * (odd while writing). The copy is made with relaxed byte loads, so it is
 * well defined even while the writer is active; a torn copy is discarded.
 */
static uint64_t
seqlock_copy(const uint64_t *seqp, const void *src, void *dst, size_t n)
{
	/* A writer that died mid-update leaves pub_seq odd forever. */
	for (unsigned int tries = 0;; tries++) {
		uint64_t s1 = __atomic_load_n(seqp, __ATOMIC_ACQUIRE);
		const uint8_t *s = src;
		uint8_t *d = dst;

		if ((s1 & 1) && tries < SHM_SEQLOCK_TRIES)
			continue;
		for (size_t i = 0; i < n; i++)
			d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(seqp, __ATOMIC_RELAXED) == s1 ||
		    tries >= SHM_SEQLOCK_TRIES)
			return s1;
	}
}

uint64_t
shm_read_leg(const struct shm_leg_entry *src, struct shm_leg_entry *dst)
{
	return seqlock_copy(&src->pub_seq, src, dst, sizeof(*dst));
}

uint64_t
shm_read_stats(const struct shm_worker_stats *src,
	       struct shm_worker_stats *dst)
{
	return seqlock_copy(&src->pub_seq, src, dst, sizeof(*dst));
}

uint64_t
shm_read_port(const struct shm_port_stats *src, struct shm_port_stats *dst)
{
	return seqlock_copy(&src->pub_seq, src, dst, sizeof(*dst));
}

uint64_t
shm_read_capture(const struct shm_capture *src, struct shm_capture *dst)
{
	return seqlock_copy(&src->pub_seq, src, dst, sizeof(*dst));
}

int
shm_capture_path(char *buf, size_t len, const char *dir, bool conference,
		 uint32_t id, uint16_t serial)
{
	return snprintf(buf, len, conference ? SHM_CAPTURE_CONF_FILE :
			SHM_CAPTURE_FILE, dir, id, (unsigned int)serial);
}
