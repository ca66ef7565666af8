/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idmap.c: the id -> slot map of idmap.h. Owning lcore; control path (leg
 * and conference add/remove) and lookups.
 */
#include "idmap.h"

#include <errno.h>
#include <string.h>

static inline uint32_t
home(const struct dp_idmap *m, uint32_t id)
{
	/* Fibonacci hashing spreads sequential ids. */
	return (uint32_t)((id * 2654435769u) >> 7) & m->mask;
}

uint32_t
dp_idmap_slots_for(uint32_t max)
{
	uint32_t n = 16;

	while (n < 2 * (uint64_t)max)
		n <<= 1;
	return n;
}

void
dp_idmap_init(struct dp_idmap *m, struct dp_idmap_ent *ent, uint32_t n_slots)
{
	memset(ent, 0, sizeof(*ent) * n_slots);
	m->ent = ent;
	m->mask = n_slots - 1;
	m->count = 0;
}

bool
dp_idmap_get(const struct dp_idmap *m, uint32_t id, uint32_t *val)
{
	if (id == 0)
		return false;
	for (uint32_t i = home(m, id);; i = (i + 1) & m->mask) {
		if (m->ent[i].id == id) {
			*val = m->ent[i].val;
			return true;
		}
		if (m->ent[i].id == 0)
			return false;
	}
}

int
dp_idmap_put(struct dp_idmap *m, uint32_t id, uint32_t val)
{
	uint32_t i;

	if (id == 0)
		return -EINVAL;
	for (i = home(m, id); m->ent[i].id != 0; i = (i + 1) & m->mask)
		if (m->ent[i].id == id) {
			m->ent[i].val = val;
			return 0;
		}
	if (m->count + 1 > (m->mask + 1) / 2)
		return -ENOSPC;
	m->ent[i].id = id;
	m->ent[i].val = val;
	m->count++;
	return 0;
}

int
dp_idmap_del(struct dp_idmap *m, uint32_t id)
{
	uint32_t i, j;

	if (id == 0)
		return -ENOENT;
	for (i = home(m, id); m->ent[i].id != id; i = (i + 1) & m->mask)
		if (m->ent[i].id == 0)
			return -ENOENT;
	/* Backward shift: pull later entries of the cluster into the hole. */
	for (j = (i + 1) & m->mask; m->ent[j].id != 0; j = (j + 1) & m->mask) {
		uint32_t h = home(m, m->ent[j].id);

		/* Move j to i unless its home lies cyclically in (i, j]. */
		if (((j - h) & m->mask) >= ((j - i) & m->mask)) {
			m->ent[i] = m->ent[j];
			i = j;
		}
	}
	m->ent[i].id = 0;
	m->ent[i].val = 0;
	m->count--;
	return 0;
}
