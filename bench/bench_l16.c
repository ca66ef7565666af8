/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_l16.c: samples per second through the L16 converters (big-endian
 * wire <-> host int16), decode and encode, for every ISA this build has
 * and this CPU runs (the others are not registered; which ran is printed
 * first, on stderr). Sizes are one 20 ms frame at 8, 16, 44.1 and 48 kHz.
 * The scalar twin is the baseline: SpanDSP has no L16 converter.
 *
 *   l16/<dec|enc>/<scalar|avx2|avx512>/<samples>
 *
 * items = samples; tsc/sample is TSC ticks per sample.
 */
#include <stdio.h>
#include <x86intrin.h>

#include "gb_shim.h"
#include "l16.h"

#define MAX_N	960	/* largest size benchmarked, samples */

static uint8_t wire[2 * MAX_N];
static int16_t pcm[MAX_N];

static void
tsc_per_sample(struct gb_state *st, uint64_t ticks, size_t n)
{
	int64_t items = gb_iterations(st) * (int64_t)n;

	gb_set_items(st, items);
	gb_counter(st, "tsc/sample", items ? (double)ticks / (double)items : 0,
		   false, false);
}

static void
bench_dec(struct gb_state *st, void *arg)
{
	const struct dp_l16_kern *k = arg;
	size_t n = (size_t)gb_range(st, 0);
	static int16_t out[MAX_N];
	uint64_t t0 = __rdtsc();

	while (gb_keep_running(st)) {
		k->dec(out, wire, n);
		gb_do_not_optimize(out);
		gb_clobber();
	}
	tsc_per_sample(st, __rdtsc() - t0, n);
}

static void
bench_enc(struct gb_state *st, void *arg)
{
	const struct dp_l16_kern *k = arg;
	size_t n = (size_t)gb_range(st, 0);
	static uint8_t out[2 * MAX_N];
	uint64_t t0 = __rdtsc();

	while (gb_keep_running(st)) {
		k->enc(out, pcm, n);
		gb_do_not_optimize(out);
		gb_clobber();
	}
	tsc_per_sample(st, __rdtsc() - t0, n);
}

int
main(int argc, char **argv)
{
	static const int64_t sizes[] = { 160, 320, 882, 960 };
	static char names[DP_SIMD_MAX_][2][32];

	for (size_t i = 0; i < MAX_N; i++) {
		pcm[i] = (int16_t)(i * 2654435761u >> 16);
		wire[2 * i] = (uint8_t)(pcm[i] >> 8);
		wire[2 * i + 1] = (uint8_t)pcm[i];
	}
	fprintf(stderr, "bench_l16: running");
	for (int isa = 0; isa < DP_SIMD_MAX_; isa++) {
		enum dp_simd s = (enum dp_simd)isa;
		const struct dp_l16_kern *k = dp_l16_kern_for(s);

		if (!dp_simd_built(s) || !dp_simd_cpu_has(s) || k == NULL) {
			fprintf(stderr, " -%s", dp_simd_name(s));
			continue;
		}
		fprintf(stderr, " %s", dp_simd_name(s));
		for (int enc = 0; enc < 2; enc++) {
			snprintf(names[isa][enc], sizeof(names[0][0]),
				 "l16/%s/%s", enc ? "enc" : "dec",
				 dp_simd_name(s));
			for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes);
			     i++)
				gb_arg(gb_register(names[isa][enc], enc ?
						   bench_enc : bench_dec,
						   (void *)k), sizes[i]);
		}
	}
	fprintf(stderr, " (-: not built or not supported by this CPU, "
		"not run)\n");
	return gb_main(argc, argv);
}
