/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idmap.h: a fixed-size map from a non-zero 32-bit id to a 32-bit value
 * (a slot index), open addressing with linear probing and backward-shift
 * deletion, so lookups never degrade with churn and there are no tombstones.
 * Caller-provided storage; no allocation; O(1) expected. Owned by one lcore.
 */
#ifndef TUTTI_DP_IDMAP_H
#define TUTTI_DP_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_idmap_ent {
	uint32_t id;	/* 0 = empty */
	uint32_t val;
};

struct dp_idmap {
	struct dp_idmap_ent *ent;	/* n_slots entries, caller storage */
	uint32_t mask;			/* n_slots - 1 */
	uint32_t count;			/* ids stored */
};

/* Entries needed for up to max ids at a load of at most 1/2. */
uint32_t dp_idmap_slots_for(uint32_t max);

/* Init over ent[n_slots] (n_slots a power of two); zeroes it. */
void dp_idmap_init(struct dp_idmap *m, struct dp_idmap_ent *ent,
		   uint32_t n_slots);

/* Value of id in *val. Returns true if found. */
bool dp_idmap_get(const struct dp_idmap *m, uint32_t id, uint32_t *val);

/*
 * Insert or replace. Returns 0, -EINVAL for id 0, or -ENOSPC when the map
 * is at its load limit (half full).
 */
int dp_idmap_put(struct dp_idmap *m, uint32_t id, uint32_t val);

/* Remove id. Returns 0 or -ENOENT. */
int dp_idmap_del(struct dp_idmap *m, uint32_t id);

#endif /* TUTTI_DP_IDMAP_H */
