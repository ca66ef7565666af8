/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit.h: per-source request rate limit of tutti-cp's SIP layer
 * (--rate-limit, --rate-burst). A token bucket per source IP address (the
 * port does not count) in a fixed table sized at creation: no allocation per
 * packet; a new source takes a free slot near its hash, else the one seen
 * least recently among those it may take. A source over its rate gets a
 * second, smaller budget of refusals (503s) per second; past that its
 * requests are dropped unanswered, so that spoofed sources cannot turn the
 * focus into a reflector. Pure: time is the caller's. Control-plane main
 * thread.
 */
#ifndef TUTTI_CP_RATELIMIT_H
#define TUTTI_CP_RATELIMIT_H

#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cp_ratelimit_conf {
	uint32_t rate_per_s;	  /* requests per second per source, >= 1 */
	uint32_t burst;		  /* bucket size; 0 = 2 * rate_per_s */
	uint32_t refuse_per_s;	  /* 503s per second per source (also their
				   * burst); 0 = 10 */
	uint32_t n_sources;	  /* table slots, rounded up to a power of
				   * two; 0 = 4096 */
	uint32_t log_interval_ms; /* one report per source per interval; 0 =
				   * 10000 */
};

enum cp_ratelimit_verdict {
	CP_RATELIMIT_PASS = 0,	 /* within the rate */
	CP_RATELIMIT_REFUSE = 1, /* over it: answer 503 with Retry-After */
	CP_RATELIMIT_DROP = 2,	 /* over it and its 503 budget: no answer */
};

struct cp_ratelimit;

/*
 * A table for conf (copied). Returns 0 and *out, -EINVAL (rate_per_s 0),
 * -ENOMEM.
 */
int cp_ratelimit_new(struct cp_ratelimit **out,
		     const struct cp_ratelimit_conf *conf);

/* NULL is a no-op. */
void cp_ratelimit_free(struct cp_ratelimit *rl);

/*
 * One request from src (AF_INET or AF_INET6; anything else passes) at
 * now_ms (a monotonic clock, never going back). *report is set to the
 * number of requests from src refused or dropped since its last report
 * when one is due (the first refusal after a quiet log interval), else 0:
 * log one line then, not one per packet.
 */
enum cp_ratelimit_verdict cp_ratelimit_check(struct cp_ratelimit *rl,
					     const struct sockaddr *src,
					     uint64_t now_ms, uint64_t *report);

/* Sources in the table; sources that took the slot of an older one. */
uint32_t cp_ratelimit_sources(const struct cp_ratelimit *rl);
uint64_t cp_ratelimit_evictions(const struct cp_ratelimit *rl);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_RATELIMIT_H */
