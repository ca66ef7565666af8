/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_region.h: create, attach to and verify the shared region (layout in
 * shm_proto.h). The data plane creates it (shm_region_create(), which needs
 * librte_ring for rte_ring_init() and so lives in shm_create.c); the control
 * plane and tools attach (this file's other functions: libc and rte_ring
 * headers only). Cold path.
 */
#ifndef TUTTI_SHM_REGION_H
#define TUTTI_SHM_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rte_ring;

/* A mapping of the region, owned by the caller (init by create/attach). */
struct shm_region {
	struct shm_region_hdr *hdr;	/* base of the mapping */
	size_t size;			/* bytes mapped */
	char name[SHM_NAME_MAX];	/* POSIX shm name, leading '/' */
	bool creator;			/* made by shm_region_create() */
};

struct shm_region_cfg {
	const char *name;	/* POSIX shm name; NULL = SHM_DEFAULT_NAME */
	uint32_t n_workers;	/* 1..SHM_MAX_WORKERS */
	uint32_t ring_slots;	/* power of two >= 64; 0 = default */
	uint32_t n_legs;	/* leg table entries >= n_workers; 0 = default */
	uint32_t dp_pid;	/* creator pid; 0 = getpid() */
};

/* A data plane whose heartbeat is older than this is gone. */
#define SHM_HEARTBEAT_STALE_NS	(5ULL * 1000 * 1000 * 1000)
/* How often the data plane and control plane beat, ns. */
#define SHM_HEARTBEAT_NS	(100ULL * 1000 * 1000)

/*
 * Create a new region: refuse (-EBUSY) if a live data plane still uses a
 * region of that name, unlink one left from an earlier run, create, size,
 * map, initialise the rings with rte_ring_init() and stamp
 * a fresh random generation. The region is left in SHM_STATE_INIT; the data
 * plane publishes SHM_STATE_READY with shm_region_set_state() when its
 * workers run. On error, writes a one-line reason to err (if errlen > 0).
 * Returns 0 or -errno. Cold path; the data plane's main thread.
 */
int shm_region_create(struct shm_region *r, const struct shm_region_cfg *cfg,
		      char *err, size_t errlen);

/*
 * Attach to an existing region for reading and writing and verify it
 * (shm_region_verify()). expect_gen != 0 also refuses any other generation.
 * now_ns is CLOCK_MONOTONIC, for the heartbeat check. On error err holds a
 * one-line reason that says what to do. Returns 0, -ENOENT (no region yet),
 * -EAGAIN (being built: retry), -EPROTONOSUPPORT (other protocol version or
 * layout), -ESTALE (left by a data plane that is no longer running, or
 * another generation), -EBADMSG (not a Tutti region or damaged), or another
 * -errno from the system. Cold path, any thread.
 */
int shm_region_attach(struct shm_region *r, const char *name,
		      uint64_t expect_gen, uint64_t now_ns, char *err,
		      size_t errlen);

/*
 * Verify a mapped header: see shm_region_attach() for the checks and
 * returns. dp_alive tells whether the creator's process still exists (the
 * caller asks the system; passed in so that tests control it).
 */
int shm_region_verify(const struct shm_region_hdr *h, size_t mapped,
		      const char *name, uint64_t expect_gen, uint64_t now_ns,
		      bool dp_alive, char *err, size_t errlen);

/*
 * Unmap. The creator also marks the region SHM_STATE_CLOSED and unlinks its
 * name, so no later attacher mistakes it for a running data plane. Safe on a
 * zeroed or already detached struct.
 */
void shm_region_detach(struct shm_region *r);

/* Publish the region state (creator only). Release store. */
void shm_region_set_state(struct shm_region *r, enum shm_state state);

/* Region state. Acquire load, pairs with shm_region_set_state(). */
enum shm_state shm_region_state(const struct shm_region *r);

/* Command ring (cp -> dp) and event ring (dp -> cp) of a worker. */
struct rte_ring *shm_region_cmd_ring(const struct shm_region *r,
				     unsigned int worker);
struct rte_ring *shm_region_evt_ring(const struct shm_region *r,
				     unsigned int worker);

/* Stats slot of a worker. */
struct shm_worker_stats *shm_region_stats(const struct shm_region *r,
					  unsigned int worker);

/*
 * Leg table partition of a worker: worker w owns the n entries returned,
 * where n = hdr->n_legs / hdr->n_workers, and only w writes them.
 */
struct shm_leg_entry *shm_region_legs(const struct shm_region *r,
				      unsigned int worker, uint32_t *n);

/* FNV-1a over the size and key offsets of every protocol struct. */
uint32_t shm_layout_fingerprint(void);

/* Bytes a region with this configuration needs; 0 if cfg is invalid. */
size_t shm_region_size(uint32_t n_workers, uint32_t ring_slots,
		       uint32_t n_legs, size_t ring_bytes);

/* CLOCK_MONOTONIC in ns. */
uint64_t shm_now_ns(void);

/*
 * Is process pid alive? A pid we may not signal (EPERM) exists; a zombie
 * (killed, not yet reaped by its parent) does not count. 0 is never.
 */
bool shm_pid_alive(uint32_t pid);

/*
 * Seqlock writer side, for the one thread that owns an entry: begin makes
 * pub_seq odd, end makes it even again. Release ordering on both, paired
 * with the acquire loads in shm_read_leg()/shm_read_stats()/
 * shm_read_port().
 */
static inline void
shm_pub_begin(uint64_t *pub_seq)
{
	__atomic_store_n(pub_seq, *pub_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
shm_pub_end(uint64_t *pub_seq)
{
	__atomic_store_n(pub_seq, *pub_seq + 1, __ATOMIC_RELEASE);
}

/*
 * Seqlock copy of a leg entry, a stats slot written by a worker or a port's
 * counters written by tutti-dp's main lcore: retries
 * until it reads a consistent snapshot. Returns the copy's pub_seq, odd if
 * the writer died mid-update (the copy may then be torn).
 */
uint64_t shm_read_leg(const struct shm_leg_entry *src,
		      struct shm_leg_entry *dst);
uint64_t shm_read_stats(const struct shm_worker_stats *src,
			struct shm_worker_stats *dst);
uint64_t shm_read_port(const struct shm_port_stats *src,
		       struct shm_port_stats *dst);
uint64_t shm_read_capture(const struct shm_capture *src,
			  struct shm_capture *dst);
/* A capture's file in dir, into buf[len] (as snprintf()): leg-ID-SERIAL.pcap
 * (SHM_CAPTURE_FILE), or conf-ID-SERIAL.pcap for a conference captured
 * whole (SHM_CAPTURE_CONF_FILE, id its conf_id). */
int shm_capture_path(char *buf, size_t len, const char *dir, bool conference,
		     uint32_t id, uint16_t serial);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_SHM_REGION_H */
