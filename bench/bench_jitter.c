/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_jitter.c: cost of the per-leg playout buffer per packet: one
 * dp_jitter_insert() plus one dp_jitter_pull(), as a worker does for a leg
 * sending one frame per tick. Items = packets; "tsc/pkt" is TSC ticks per
 * packet (x86 only).
 *
 *   jitter/in_order/B     fixed depth 60 ms, packets in order, B bytes
 *   jitter/reorder/B      fixed, every other pair swapped, 1 in 50 lost
 *   jitter/adaptive/B     adaptive, +-15 ms arrival jitter
 *   jitter/in_order_metered/160  in_order with each G.711 frame's peak
 *                         metered as it is stored (cfg.meter = the active
 *                         ISA's g711_peak, as tutti-dp): the difference
 *                         from in_order/160 is what metering costs
 */
#include <stdlib.h>
#include <string.h>

#include "gb_shim.h"
#include "jitter.h"
#include "mix_kern.h"

#define N_PKT	1024	/* packets per timed iteration */

enum pattern {
	IN_ORDER,
	REORDER,
	ADAPTIVE,
	METERED,
};

static struct dp_jitter jb;
static uint8_t jb_data[DP_JITTER_SLOTS * DP_JITTER_FRAME_MAX];

static uint64_t
tsc(void)
{
#if defined(__x86_64__)
	return __builtin_ia32_rdtsc();
#else
	return 0;
#endif
}

static void
run(struct gb_state *st, void *arg)
{
	enum pattern pat = (enum pattern)(uintptr_t)arg;
	uint32_t bytes = (uint32_t)gb_range(st, 0);
	struct dp_jitter_cfg cfg = {
		.mode = pat == ADAPTIVE ? DP_JITTER_ADAPTIVE : DP_JITTER_FIXED,
		.rate_hz = bytes == 320 ? 16000 : 8000, .tick_ms = 20,
		.frame_bytes = bytes, .depth_ms = 60, .min_depth_ms = 20,
		.max_depth_ms = 200, .clock_hz = 1000000,
		.meter = pat == METERED ? dp_mix_kern_active()->g711_peak :
			 NULL,
		.meter_arg = 0xff,
	};
	uint32_t tick_ts = cfg.rate_hz / 50;
	static uint8_t payload[DP_JITTER_FRAME_MAX];
	struct dp_jitter_frame f;
	uint64_t seq = 0, t0, t1, n_pull = 0, n_bad = 0;

	memset(payload, 0x5a, sizeof(payload));
	if (dp_jitter_init(&jb, &cfg, jb_data, sizeof(jb_data)) != 0) {
		gb_skip_with_error(st, "dp_jitter_init failed");
		return;
	}
	t0 = tsc();
	while (gb_keep_running(st)) {
		for (uint32_t i = 0; i < N_PKT; i++, seq++) {
			uint64_t s = seq;
			uint64_t now_us = seq * 20000u;
			struct dp_jitter_pkt p = {
				.payload = payload, .len_bytes = bytes,
				.ssrc = 0x1234,
			};

			if (pat == REORDER)
				s = seq ^ 1;	/* 1 0 3 2 5 4 ... */
			if (pat == ADAPTIVE)
				now_us += (seq & 1) ? 15000 : 0;
			p.seq = (uint16_t)s;
			p.ts = (uint32_t)(s * tick_ts);
			if (pat != REORDER || seq % 50 != 0)
				dp_jitter_insert(&jb, &p, now_us);
			n_bad += dp_jitter_pull(&jb, &f) != DP_JITTER_FRAME;
			n_pull++;
		}
		gb_do_not_optimize(&f);
	}
	t1 = tsc();
	gb_set_items(st, gb_iterations(st) * N_PKT);
	gb_counter(st, "tsc/pkt", (double)(t1 - t0) / (double)(n_pull ?
		   n_pull : 1), false, false);
	gb_counter(st, "not_frame/pkt", (double)n_bad / (double)(n_pull ?
		   n_pull : 1), false, false);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		enum pattern pat;
	} b[] = {
		{ "jitter/in_order", IN_ORDER },
		{ "jitter/reorder", REORDER },
		{ "jitter/adaptive", ADAPTIVE },
	};

	gb_arg(gb_register("jitter/in_order_metered", run,
			   (void *)(uintptr_t)METERED), 160);
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		gb_arg(gb_register(b[i].name, run, (void *)(uintptr_t)b[i].pat),
		       160);
		gb_arg(gb_register(b[i].name, run, (void *)(uintptr_t)b[i].pat),
		       320);
	}
	return gb_main(argc, argv);
}
