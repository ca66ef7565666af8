/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit.c: see ratelimit.h. Control-plane main thread, per received
 * request: no allocation, a bounded probe of the table.
 */
#include "ratelimit.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 8 /* slots a source may take, from its hash on */

struct slot {
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d */
	bool used;
	uint64_t seen_ms;     /* last request: the least recent is evicted */
	uint64_t filled_ms;   /* last refill of both buckets */
	uint64_t tokens;      /* requests, in thousandths */
	uint64_t refusals;    /* 503s, in thousandths */
	uint64_t reported_ms; /* last report; 0 = never */
	uint64_t n_limited;   /* refused or dropped since then */
};

struct cp_ratelimit {
	struct cp_ratelimit_conf conf;
	uint32_t mask; /* n_sources - 1 */
	uint32_t n_used;
	uint64_t n_evicted;
	struct slot slots[];
};

int
cp_ratelimit_new(struct cp_ratelimit **out,
		 const struct cp_ratelimit_conf *conf)
{
	struct cp_ratelimit *rl;
	uint32_t n = 1;

	if (conf->rate_per_s == 0)
		return -EINVAL;
	while (n < (conf->n_sources != 0 ? conf->n_sources : 4096) &&
	       n < (1u << 24))
		n <<= 1;
	if (n < PROBE)
		n = PROBE;
	rl = calloc(1, sizeof(*rl) + n * sizeof(rl->slots[0]));
	if (rl == NULL)
		return -ENOMEM;
	rl->conf = *conf;
	if (rl->conf.burst == 0)
		rl->conf.burst = 2 * conf->rate_per_s;
	if (rl->conf.refuse_per_s == 0)
		rl->conf.refuse_per_s = 10;
	if (rl->conf.log_interval_ms == 0)
		rl->conf.log_interval_ms = 10000;
	rl->conf.n_sources = n;
	rl->mask = n - 1;
	*out = rl;
	return 0;
}

void
cp_ratelimit_free(struct cp_ratelimit *rl)
{
	free(rl);
}

/* FNV-1a over the 16 address bytes. */
static uint32_t
hash(const uint8_t a[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

/* The slot of addr: its own, a free one, or the least recently seen. */
static struct slot *
find(struct cp_ratelimit *rl, const uint8_t addr[16], uint64_t now_ms)
{
	uint32_t h = hash(addr);
	struct slot *free_slot = NULL, *oldest = NULL, *s;

	for (uint32_t i = 0; i < PROBE; i++) {
		s = &rl->slots[(h + i) & rl->mask];
		if (s->used && memcmp(s->addr, addr, 16) == 0)
			return s;
		if (!s->used && free_slot == NULL)
			free_slot = s;
		if (s->used && (oldest == NULL || s->seen_ms < oldest->seen_ms))
			oldest = s;
	}
	s = free_slot != NULL ? free_slot : oldest;
	if (s->used)
		rl->n_evicted++;
	else
		rl->n_used++;
	memset(s, 0, sizeof(*s));
	memcpy(s->addr, addr, 16);
	s->used = true;
	s->filled_ms = now_ms;
	s->tokens = (uint64_t)rl->conf.burst * 1000;
	s->refusals = (uint64_t)rl->conf.refuse_per_s * 1000;
	return s;
}

static uint64_t
refill(uint64_t have, uint64_t ms, uint32_t per_s, uint32_t cap)
{
	uint64_t max = (uint64_t)cap * 1000;

	/* ms * per_s thousandths: per_s per second; ms capped, no overflow */
	if (ms > 1000ull * 1000 * 1000)
		ms = 1000ull * 1000 * 1000;
	have += ms * per_s;
	return have < max ? have : max;
}

enum cp_ratelimit_verdict
cp_ratelimit_check(struct cp_ratelimit *rl, const struct sockaddr *src,
		   uint64_t now_ms, uint64_t *report)
{
	uint8_t addr[16] = { 0 };
	enum cp_ratelimit_verdict v;
	struct slot *s;
	uint64_t ms;

	*report = 0;
	if (src->sa_family == AF_INET) {
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &((const struct sockaddr_in *)src)->sin_addr,
		       4);
	} else if (src->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)src)->sin6_addr,
		       16);
	} else {
		return CP_RATELIMIT_PASS;
	}
	s = find(rl, addr, now_ms);
	s->seen_ms = now_ms;
	ms = now_ms > s->filled_ms ? now_ms - s->filled_ms : 0;
	s->filled_ms = now_ms > s->filled_ms ? now_ms : s->filled_ms;
	s->tokens = refill(s->tokens, ms, rl->conf.rate_per_s, rl->conf.burst);
	s->refusals = refill(s->refusals, ms, rl->conf.refuse_per_s,
			     rl->conf.refuse_per_s);
	if (s->tokens >= 1000) {
		s->tokens -= 1000;
		return CP_RATELIMIT_PASS;
	}
	if (s->refusals >= 1000) {
		s->refusals -= 1000;
		v = CP_RATELIMIT_REFUSE;
	} else {
		v = CP_RATELIMIT_DROP;
	}
	s->n_limited++;
	if (s->reported_ms == 0 ||
	    now_ms - s->reported_ms >= rl->conf.log_interval_ms) {
		*report = s->n_limited;
		s->n_limited = 0;
		s->reported_ms = now_ms != 0 ? now_ms : 1;
	}
	return v;
}

uint32_t
cp_ratelimit_sources(const struct cp_ratelimit *rl)
{
	return rl->n_used;
}

uint64_t
cp_ratelimit_evictions(const struct cp_ratelimit *rl)
{
	return rl->n_evicted;
}
