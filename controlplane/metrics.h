/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics.h: Prometheus text exposition (version 0.0.4) over HTTP from
 * tutti-cp: GET /metrics on a TCP port of its own (--metrics ADDR:PORT).
 * One request per connection, served from the main loop without waiting
 * on any client: each poll reads what has come and sends what the socket
 * takes; at most 8 clients at once (the oldest silent one makes room for
 * a new one); one that has not asked 5 s after it connected is closed, as
 * is one not answered whole in 30 s: no client, slow or idle, holds SIP
 * up. Anything but GET /metrics gets 404. What is exposed is written by a
 * callback (conf.c: per conference, per worker, per leg, SIP counters).
 * Control-plane main thread.
 */
#ifndef TUTTI_CP_METRICS_H
#define TUTTI_CP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CP_METRICS_MIN	(1024 * 1024)	/* an exposition's first buffer */
#define CP_METRICS_MAX	(64 * 1024 * 1024)	/* bytes of one exposition */

/* Write the exposition into *buf (NUL-terminated): a malloc'd buffer of
 * *cap bytes, which the callee may realloc, up to CP_METRICS_MAX bytes
 * (thousands of legs), setting *buf and *cap. Returns its length. */
typedef size_t (*cp_metrics_fn)(void *ctx, char **buf, size_t *cap);

struct cp_metrics;

/* Listen on addr (numeric IPv4) and port (0: any; see cp_metrics_port).
 * Returns 0 and *out, or -errno. */
int cp_metrics_open(struct cp_metrics **out, const char *addr,
		    uint16_t port, cp_metrics_fn fn, void *ctx);
uint16_t cp_metrics_port(const struct cp_metrics *m);

/* Serve what is waiting; never waits long. */
void cp_metrics_poll(struct cp_metrics *m);

void cp_metrics_close(struct cp_metrics *m);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_METRICS_H */
