/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gb_shim.h: a C face for Google Benchmark, which has only a C++ API. The
 * benchmarks themselves are C (bench_<module>.c); gb_shim.cc is the only
 * C++ in the tree. Run any bench_* with --benchmark_format=json for
 * machine-readable output, --benchmark_filter=REGEX to pick.
 */
#ifndef TUTTI_GB_SHIM_H
#define TUTTI_GB_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gb_state;	/* benchmark::State, opaque */
struct gb_bench;	/* a registered benchmark, opaque */

typedef void (*gb_fn)(struct gb_state *st, void *arg);

/* Register fn(arg) under name. Returns a handle for the options below. */
struct gb_bench *gb_register(const char *name, gb_fn fn, void *arg);
/* Run once per value v, gb_range(st, 0) == v; name gets "/v". */
void gb_arg(struct gb_bench *b, int64_t v);
/* Measure wall time instead of the main thread's CPU time. */
void gb_use_real_time(struct gb_bench *b);
/* Run at least this long (seconds). */
void gb_min_time(struct gb_bench *b, double seconds);

/* The timing loop: while (gb_keep_running(st)) { ... } */
bool gb_keep_running(struct gb_state *st);
int64_t gb_range(struct gb_state *st, int index);
/* Items (messages, samples, packets) processed in total: gives items/s. */
void gb_set_items(struct gb_state *st, int64_t items);
void gb_set_bytes(struct gb_state *st, int64_t bytes);
/* A named counter; per_item divides by items (e.g. cycles per sample). */
void gb_counter(struct gb_state *st, const char *name, double value,
		bool rate, bool per_iteration);
void gb_label(struct gb_state *st, const char *label);
void gb_skip_with_error(struct gb_state *st, const char *msg);
void gb_pause_timing(struct gb_state *st);
void gb_resume_timing(struct gb_state *st);
int64_t gb_iterations(struct gb_state *st);

/* Keep the compiler from optimising p's computation or stores away. */
void gb_do_not_optimize(const void *p);
void gb_clobber(void);

/* Parse Google Benchmark's flags, run what is registered; exit status. */
int gb_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_GB_SHIM_H */
