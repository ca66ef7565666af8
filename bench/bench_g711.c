/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_g711.c: samples per second through the G.711 block kernels, both
 * laws, decode and encode, for every ISA this build has and this CPU runs
 * (the others are not registered; which ran is printed first, on stderr),
 * next to SpanDSP's per-sample functions in a loop as the baseline to
 * quote ratios against. Sizes are 20 ms at 8 kHz (160), two legs' worth (320)
 * and 200 ms (1600).
 *
 *   g711/<law>_<dec|enc>/<spandsp|scalar|avx2|avx512>/<samples>
 *
 * items = samples, so items_per_second is samples/s; tsc/sample is TSC
 * ticks per sample.
 */
#include <stdio.h>
#include <stdlib.h>
#include <x86intrin.h>

#include <spandsp.h>

#include "g711.h"
#include "gb_shim.h"

#define MAX_N	1600	/* largest size benchmarked, samples */

static uint8_t codes[MAX_N];
static int16_t linear[MAX_N];

static void
spandsp_ulaw_dec(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = ulaw_to_linear(src[i]);
}

static void
spandsp_alaw_dec(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = alaw_to_linear(src[i]);
}

static void
spandsp_ulaw_enc(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = linear_to_ulaw(src[i]);
}

static void
spandsp_alaw_enc(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = linear_to_alaw(src[i]);
}

static const struct dp_g711_kern spandsp_kern = {
	.dec = { spandsp_ulaw_dec, spandsp_alaw_dec },
	.enc = { spandsp_ulaw_enc, spandsp_alaw_enc },
};

struct case_arg {
	const struct dp_g711_kern *k;
	enum dp_law law;
	bool enc;
};

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
	const struct case_arg *a = arg;
	dp_g711_dec_fn fn = a->k->dec[a->law];
	size_t n = (size_t)gb_range(st, 0);
	static int16_t out[MAX_N];
	uint64_t t0 = __rdtsc();

	while (gb_keep_running(st)) {
		fn(out, codes, n);
		gb_do_not_optimize(out);
		gb_clobber();
	}
	tsc_per_sample(st, __rdtsc() - t0, n);
}

static void
bench_enc(struct gb_state *st, void *arg)
{
	const struct case_arg *a = arg;
	dp_g711_enc_fn fn = a->k->enc[a->law];
	size_t n = (size_t)gb_range(st, 0);
	static uint8_t out[MAX_N];
	uint64_t t0 = __rdtsc();

	while (gb_keep_running(st)) {
		fn(out, linear, n);
		gb_do_not_optimize(out);
		gb_clobber();
	}
	tsc_per_sample(st, __rdtsc() - t0, n);
}

int
main(int argc, char **argv)
{
	static const int64_t sizes[] = { 160, 320, 1600 };
	static const char *const laws[] = { "ulaw", "alaw" };
	/* [impl][law][enc]; impl 0 is SpanDSP, then enum dp_simd + 1 */
	static struct case_arg args[1 + DP_SIMD_MAX_][2][2];
	static char names[1 + DP_SIMD_MAX_][2][2][48];
	uint32_t seed = 0x711;

	for (size_t i = 0; i < MAX_N; i++) {
		seed = seed * 1103515245u + 12345u;
		codes[i] = (uint8_t)(seed >> 16);
		/* random signs, magnitudes spread over all segments */
		linear[i] = (int16_t)((int32_t)seed >> (16 + (seed & 7)));
	}
	fprintf(stderr, "bench_g711: running spandsp");
	for (int isa = 0; isa < DP_SIMD_MAX_; isa++) {
		bool ok = dp_simd_built((enum dp_simd)isa) &&
			  dp_simd_cpu_has((enum dp_simd)isa) &&
			  dp_g711_kern_for((enum dp_simd)isa) != NULL;

		fprintf(stderr, " %s%s", ok ? "" : "-",
			dp_simd_name((enum dp_simd)isa));
	}
	fprintf(stderr, " (-: not built or not supported by this CPU, "
		"not run)\n");

	for (int impl = 0; impl <= DP_SIMD_MAX_; impl++) {
		enum dp_simd isa = (enum dp_simd)(impl - 1);
		const struct dp_g711_kern *k = &spandsp_kern;

		if (impl > 0) {
			if (!dp_simd_built(isa) || !dp_simd_cpu_has(isa) ||
			    (k = dp_g711_kern_for(isa)) == NULL)
				continue;
		}
		for (int law = 0; law < 2; law++)
		for (int enc = 0; enc < 2; enc++) {
			struct case_arg *a = &args[impl][law][enc];
			char *name = names[impl][law][enc];

			*a = (struct case_arg){ k, (enum dp_law)law, enc };
			snprintf(name, sizeof(names[0][0][0]), "g711/%s_%s/%s",
				 laws[law], enc ? "enc" : "dec",
				 impl ? dp_simd_name(isa) : "spandsp");
			for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes);
			     s++)
				gb_arg(gb_register(name, enc ? bench_enc :
						   bench_dec, a), sizes[s]);
		}
	}
	return gb_main(argc, argv);
}
