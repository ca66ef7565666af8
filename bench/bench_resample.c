/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_resample.c: one 20 ms frame through dp_resample (speexdsp) per
 * iteration, for the conversions a conference leg needs, at qualities 0,
 * 3 (VoIP, the default) and 10; passthrough for scale.
 *
 *   resample/<in>_<out>/q<quality>     e.g. resample/48000_16000/q3
 *
 * items = input samples, so items_per_second is input samples/s; the time
 * column is the cost of one frame; tsc/frame is TSC ticks per frame.
 */
#include <stdio.h>
#include <x86intrin.h>

#include "gb_shim.h"
#include "l16.h"
#include "resample.h"

#define PTIME_MS	20
#define MAX_FRAME	960	/* 48 kHz, 20 ms */

struct case_arg {
	uint32_t in_rate_hz;
	uint32_t out_rate_hz;
	int quality;
	char name[48];
};

static void
bench_frame(struct gb_state *st, void *arg)
{
	const struct case_arg *a = arg;
	static int16_t in[MAX_FRAME], out[MAX_FRAME];
	struct dp_resample rs;
	uint64_t t0;

	if (dp_resample_init(&rs, a->in_rate_hz, a->out_rate_hz, PTIME_MS,
			     a->quality) < 0) {
		gb_skip_with_error(st, "dp_resample_init failed");
		return;
	}
	for (uint32_t i = 0; i < rs.n_in; i++)	/* a sweep, not silence */
		in[i] = (int16_t)((i * i * 37u) & 0x3fff) - 0x2000;
	t0 = __rdtsc();
	while (gb_keep_running(st)) {
		dp_resample_frame(&rs, out, in);
		gb_do_not_optimize(out);
		gb_clobber();
	}
	gb_counter(st, "tsc/frame", gb_iterations(st) ?
		   (double)(__rdtsc() - t0) / (double)gb_iterations(st) : 0,
		   false, false);
	gb_set_items(st, gb_iterations(st) * (int64_t)rs.n_in);
	if (rs.n_short != 0)
		gb_skip_with_error(st, "frames not filled exactly");
	dp_resample_fini(&rs);
}

int
main(int argc, char **argv)
{
	static struct case_arg cases[] = {
		{ 48000, 16000, 0, "" }, { 48000, 16000, 3, "" },
		{ 48000, 16000, 10, "" }, { 16000, 48000, 3, "" },
		{ 48000, 8000, 3, "" }, { 44100, 16000, 3, "" },
		{ 16000, 44100, 3, "" }, { 8000, 16000, 3, "" },
		{ 16000, 8000, 3, "" }, { 16000, 16000, 3, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct case_arg *c = &cases[i];

		snprintf(c->name, sizeof(c->name), "resample/%u_%u/q%d",
			 c->in_rate_hz, c->out_rate_hz, c->quality);
		gb_register(c->name, bench_frame, c);
	}
	return gb_main(argc, argv);
}
