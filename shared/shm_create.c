/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_create.c: the creator half of shm_region.h. Only the data plane (and
 * the tests that play its part) link this, because rte_ring_init() and
 * rte_ring_get_memsize_elem() live in librte_ring. It needs no EAL. Cold
 * path, the data plane's main thread, once at start.
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
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_ring.h>

#include "compiler.h"
#include "log.h"

static uint64_t
new_generation(void)
{
	uint64_t g = 0;

	/* Never 0: 0 means "any generation" to attachers. */
	while (g == 0)
		if (getrandom(&g, sizeof(g), 0) != sizeof(g))
			g = shm_now_ns() ^ ((uint64_t)getpid() << 32);
	return g;
}


/*
 * Refuse to replace a region that a live data plane (of any version: the
 * header prefix is version-independent) still uses.
 */
static int
check_not_in_use(const char *name, char *err, size_t errlen)
{
	struct shm_region_hdr *h;
	struct stat st;
	int fd, rc = 0;

	fd = shm_open(name, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(*h)) {
		h = mmap(NULL, sizeof(*h), PROT_READ, MAP_SHARED, fd, 0);
		if (h != MAP_FAILED) {
			uint32_t state = __atomic_load_n(&h->state,
							  __ATOMIC_ACQUIRE);

			if (h->magic == SHM_MAGIC &&
			    state != SHM_STATE_CLOSED &&
			    h->dp_pid != (uint32_t)getpid() &&
			    shm_pid_alive(h->dp_pid)) {
				tutti_errf(err, errlen, "region %s is in use by "
				    "tutti-dp pid %u (protocol %u.%u): stop "
				    "it first, or choose another --region",
				    name, h->dp_pid, h->ver_major,
				    h->ver_minor);
				rc = -EBUSY;
			}
			munmap(h, sizeof(*h));
		}
	}
	close(fd);
	return rc;
}

static int
init_rings(struct shm_region *r, char *err, size_t errlen)
{
	struct shm_region_hdr *h = r->hdr;

	for (uint32_t w = 0; w < h->n_workers; w++) {
		struct rte_ring *rings[2] = { shm_region_cmd_ring(r, w),
					      shm_region_evt_ring(r, w) };

		for (int k = 0; k < 2; k++) {
			char rname[RTE_RING_NAMESIZE];
			int rc;

			snprintf(rname, sizeof(rname), "tutti-%s%u",
				 k == 0 ? "cmd" : "evt", w);
			rc = rte_ring_init(rings[k], rname, h->ring_slots,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (rc < 0) {
				tutti_errf(err, errlen, "rte_ring_init(%s, %u): %s",
				    rname, h->ring_slots, strerror(-rc));
				return rc;
			}
		}
	}
	return 0;
}

int
shm_region_create(struct shm_region *r, const struct shm_region_cfg *cfg,
		  char *err, size_t errlen)
{
	const char *name = cfg->name != NULL ? cfg->name : SHM_DEFAULT_NAME;
	uint32_t slots = cfg->ring_slots ? cfg->ring_slots :
			 SHM_RING_SLOTS_DEFAULT;
	uint32_t n_legs = cfg->n_legs ? cfg->n_legs : SHM_LEGS_DEFAULT;
	struct shm_region_hdr *h;
	ssize_t ring_mem;
	size_t ring_bytes, size;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if (name[0] != '/' || strlen(name) >= sizeof(r->name) ||
	    strchr(name + 1, '/') != NULL) {
		tutti_errf(err, errlen, "region name '%s' is invalid: it starts "
		    "with '/', has no other '/' and is shorter than %d", name,
		    SHM_NAME_MAX);
		return -EINVAL;
	}
	ring_mem = rte_ring_get_memsize_elem(sizeof(struct shm_msg), slots);
	if (ring_mem < 0) {
		tutti_errf(err, errlen, "ring size %u is invalid: use a power of "
		    "two", slots);
		return -EINVAL;
	}
	ring_bytes = ((size_t)ring_mem + SHM_ALIGN - 1) / SHM_ALIGN * SHM_ALIGN;
	size = shm_region_size(cfg->n_workers, slots, n_legs, ring_bytes);
	if (size == 0) {
		tutti_errf(err, errlen, "invalid region configuration: %u workers "
		    "(1..%d), %u ring slots (power of two >= 64), %u legs "
		    "(>= workers)", cfg->n_workers, SHM_MAX_WORKERS, slots,
		    n_legs);
		return -EINVAL;
	}
	rc = check_not_in_use(name, err, errlen);
	if (rc < 0)
		return rc;
	/* A region of this name left by an earlier run is never reused. */
	if (shm_unlink(name) == 0)
		tutti_errf(err, errlen, "removed stale region %s", name);
	else if (err != NULL && errlen > 0)
		err[0] = '\0';
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		rc = -errno;
		tutti_errf(err, errlen, "region %s: shm_open: %s", name,
		    strerror(-rc));
		return rc;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		rc = -errno;
		tutti_errf(err, errlen, "region %s: ftruncate(%zu): %s (is /dev/shm "
		    "big enough?)", name, size, strerror(-rc));
		goto out_unlink;
	}
	h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		rc = -errno;
		tutti_errf(err, errlen, "region %s: mmap(%zu): %s", name, size,
		    strerror(-rc));
		goto out_unlink;
	}
	/* ftruncate zero-filled it: fill in everything but magic. */
	h->ver_major = SHM_VER_MAJOR;
	h->ver_minor = SHM_VER_MINOR;
	h->fingerprint = shm_layout_fingerprint();
	h->generation = new_generation();
	h->size = size;
	h->state = SHM_STATE_INIT;
	h->n_workers = cfg->n_workers;
	h->ring_slots = slots;
	h->n_legs = n_legs;
	h->ring_off = sizeof(*h);
	h->ring_bytes = ring_bytes;
	h->stats_off = h->ring_off + 2 * (uint64_t)cfg->n_workers * ring_bytes;
	h->leg_off = h->stats_off +
		     ((uint64_t)cfg->n_workers * sizeof(struct shm_worker_stats) +
		      SHM_ALIGN - 1) / SHM_ALIGN * SHM_ALIGN;
	h->dp_pid = cfg->dp_pid ? cfg->dp_pid : (uint32_t)getpid();
	h->dp_start_ns = shm_now_ns();
	h->dp_heartbeat_ns = h->dp_start_ns;
	r->hdr = h;
	r->size = size;
	r->creator = true;
	snprintf(r->name, sizeof(r->name), "%s", name);
	rc = init_rings(r, err, errlen);
	if (rc < 0)
		goto out_unmap;
	close(fd);
	/* Release: everything above is visible before the magic. */
	__atomic_store_n(&h->magic, SHM_MAGIC, __ATOMIC_RELEASE);
	return 0;
out_unmap:
	munmap(h, size);
	memset(r, 0, sizeof(*r));
out_unlink:
	shm_unlink(name);
	close(fd);
	return rc;
}
