// SPDX-License-Identifier: BSD-3-Clause
// gb_shim.cc: the C adapter over Google Benchmark (see gb_shim.h); the only
// C++ file in the tree. It also compiles shared/shm_proto.h as C++ to keep
// that header C++-clean.
#include "gb_shim.h"

#include <cstdio>
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "shm_proto.h"

static benchmark::State &
S(struct gb_state *st)
{
	return *reinterpret_cast<benchmark::State *>(st);
}

// TUTTI_GB_ITERATIONS=K in the environment: every benchmark runs exactly
// K iterations, once, whatever its minimum time (for counting, not timing:
// bench/instr runs bench_io under callgrind so). 0: not set.
static int64_t
fixed_iterations(void)
{
	const char *e = getenv("TUTTI_GB_ITERATIONS");
	char *end;
	long long k;

	if (e == NULL || *e == '\0')
		return 0;
	k = strtoll(e, &end, 10);
	if (*end != '\0' || k <= 0) {
		fprintf(stderr, "TUTTI_GB_ITERATIONS: a positive number of "
			"iterations, not '%s'\n", e);
		exit(2);
	}
	return k;
}

extern "C" struct gb_bench *
gb_register(const char *name, gb_fn fn, void *arg)
{
	auto *b = benchmark::RegisterBenchmark(name,
		[fn, arg](benchmark::State &s) {
			fn(reinterpret_cast<struct gb_state *>(&s), arg);
		});
	if (int64_t k = fixed_iterations())
		b->Iterations(k);
	return reinterpret_cast<struct gb_bench *>(b);
}

static benchmark::internal::Benchmark *
B(struct gb_bench *b)
{
	return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

extern "C" void gb_arg(struct gb_bench *b, int64_t v) { B(b)->Arg(v); }
extern "C" void gb_use_real_time(struct gb_bench *b) { B(b)->UseRealTime(); }
extern "C" void
gb_min_time(struct gb_bench *b, double s)
{
	if (fixed_iterations() == 0)	/* one or the other */
		B(b)->MinTime(s);
}

extern "C" bool
gb_keep_running(struct gb_state *st)
{
	return S(st).KeepRunning();
}

extern "C" int64_t
gb_range(struct gb_state *st, int i)
{
	return S(st).range(static_cast<std::size_t>(i));
}

extern "C" void
gb_set_items(struct gb_state *st, int64_t n)
{
	S(st).SetItemsProcessed(n);
}

extern "C" void
gb_set_bytes(struct gb_state *st, int64_t n)
{
	S(st).SetBytesProcessed(n);
}

extern "C" void
gb_counter(struct gb_state *st, const char *name, double v, bool rate,
	   bool per_iteration)
{
	benchmark::Counter::Flags f = benchmark::Counter::kDefaults;

	if (rate)
		f = benchmark::Counter::kIsRate;
	else if (per_iteration)
		f = benchmark::Counter::kAvgIterations;
	S(st).counters[name] = benchmark::Counter(v, f);
}

extern "C" void gb_label(struct gb_state *st, const char *l) { S(st).SetLabel(l); }
// Set when any benchmark reports an error: gb_main() then fails, so the
// bench-smoke suite catches a benchmark whose own checks went wrong.
static bool gb_failed;

extern "C" void
gb_skip_with_error(struct gb_state *st, const char *m)
{
	gb_failed = true;
	S(st).SkipWithError(m);
}
extern "C" void gb_pause_timing(struct gb_state *st) { S(st).PauseTiming(); }
extern "C" void gb_resume_timing(struct gb_state *st) { S(st).ResumeTiming(); }
extern "C" int64_t
gb_iterations(struct gb_state *st)
{
	return static_cast<int64_t>(S(st).iterations());
}

extern "C" void
gb_do_not_optimize(const void *p)
{
	benchmark::DoNotOptimize(p);
}

extern "C" void gb_clobber(void) { benchmark::ClobberMemory(); }

extern "C" int
gb_main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return gb_failed ? 1 : 0;
}
