/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_jitter.c: libFuzzer target for one leg's jitter buffer
 * (dataplane/jitter.c) under hostile timing: any sequence numbers,
 * timestamps, SSRCs, lengths and arrival times. Input: a config byte
 * (bit 0: adaptive, bit 1: metered, bit 2: 16 kHz L16-sized frames,
 * bits 3-4: depth, bits 5-6: max depth, bit 7: quiet frames of 0xff
 * allowed, with the pull's arrival step as the bound when its jump's
 * bit 0 is set), then records of six bytes
 * [op][seq: 2 LE][ts step][arrival step][jump]: op bit 0 clear is a
 * pull; else an insert of (op >> 1) & 7 frames, or of 5 ms grains (a
 * quarter frame) when jump's bit 6 is set (bit 4: one byte more), SSRC by
 * bit 5, marker by bit 6; the timestamp moves by the signed step in
 * quarter ticks, and by jump << 16 when jump's top bit is set; the
 * payload bytes come from the input. Properties: every packet is stored
 * or dropped for one reason; every pull returns one status; a frame is
 * whole, inside the buffer, and (metered) carries the meter of its own
 * bytes, or is the quiet frame with a meter byte no louder than a bound
 * allowed since the last reset; depth and target stay within the
 * bounds.
 */
#include "fuzz.h"
#include "jitter.h"

static uint8_t
peak(const uint8_t *f, size_t n, uint8_t x)
{
	uint8_t p = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t m = (uint8_t)((f[i] ^ x) & 0x7f);

		p = m > p ? m : p;
	}
	return p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t depths[4] = { 20, 40, 60, 100 };
	static const uint32_t maxes[4] = { 100, 140, 200, 200 };
	static struct dp_jitter jb;
	static uint8_t jb_data[(DP_JITTER_SLOTS + 1) * DP_JITTER_FRAME_MAX];
	static uint8_t pay[DP_JITTER_FRAME_MAX * 8 + 1];
	struct dp_jitter_cfg cfg;
	const struct dp_jitter_stats *st = dp_jitter_stats(&jb);
	uint64_t now = 0, pulls = 0, drops;
	uint32_t ts = 1000, tick_ts, fb, quiet_max = 0;
	size_t off = 1;

	if (size < 1)
		return 0;
	fb = (data[0] & 4) ? 640 : 160;
	cfg = (struct dp_jitter_cfg){
		.mode = (data[0] & 1) ? DP_JITTER_ADAPTIVE : DP_JITTER_FIXED,
		.rate_hz = (data[0] & 4) ? 16000 : 8000,
		.tick_ms = 20,
		.frame_bytes = fb,
		.depth_ms = depths[(data[0] >> 3) & 3],
		.min_depth_ms = 20,
		.max_depth_ms = maxes[(data[0] >> 5) & 3],
		.clock_hz = 1000000,
		.meter = (data[0] & 2) ? peak : NULL,
		.meter_arg = 0xff,
		.quiet = (data[0] & 0x80) != 0,
		.quiet_code = 0xff,
	};
	FUZZ_CHECK(dp_jitter_init(&jb, &cfg, jb_data,
				  dp_jitter_data_bytes(fb)) == 0);
	tick_ts = cfg.rate_hz / 50;
	while (off + 6 <= size) {
		const uint8_t *r = data + off;

		off += 6;
		now += (uint64_t)r[4] * 1000u;
		if (!(r[0] & 1)) {
			struct dp_jitter_frame f;
			enum dp_jitter_status s = dp_jitter_pull(&jb, &f);

			pulls++;
			/* the bound for what plays after it: any */
			dp_jitter_set_quiet(&jb, r[4], r[5] & 1);
			if ((r[5] & 1) && r[4] > quiet_max)
				quiet_max = r[4];
			FUZZ_CHECK(s == DP_JITTER_FRAME || s == DP_JITTER_MISSING ||
				   s == DP_JITTER_EMPTY);
			if (s == DP_JITTER_FRAME) {
				FUZZ_CHECK(f.len_bytes == fb);
				/* inside the frames' storage, which is
				 * exactly dp_jitter_data_bytes(fb) */
				FUZZ_CHECK(f.payload >= jb_data &&
					   f.payload + fb <= jb_data +
					   dp_jitter_data_bytes(fb));
				if (f.payload == jb_data + DP_JITTER_SLOTS *
				    dp_jitter_stride(fb)) {	/* quiet */
					FUZZ_CHECK(cfg.quiet && f.meter >= 1 &&
						   f.meter <= quiet_max);
					for (uint32_t i = 0; i < fb; i++)
						FUZZ_CHECK(f.payload[i] ==
							   0xff);
				} else if (cfg.meter != NULL)
					FUZZ_CHECK(f.meter == 1 + peak(f.payload,
								 fb, 0xff));
				else
					FUZZ_CHECK(f.meter == 0);
			}
		} else {
			uint32_t frames = (r[0] >> 1) & 7;
			uint32_t unit = (r[5] & 0x40) ? fb / 4 : fb;
			uint32_t len = frames * unit + ((r[0] & 0x10) ? 1 : 0);
			struct dp_jitter_pkt p;
			uint64_t in = st->n_in;
			int k;

			ts += (uint32_t)((int32_t)(int8_t)r[3] *
					 (int32_t)(tick_ts / 4));
			if (r[5] & 0x80)
				ts += (uint32_t)r[5] << 16;
			for (uint32_t i = 0; i < len; i++)
				pay[i] = data[(off + i) % size];
			p = (struct dp_jitter_pkt){
				.payload = fuzz_dup(pay, len),
				.len_bytes = len,
				.ssrc = (r[0] & 0x20) ? 0xb0b0b0b0u : 0xa0a0a0a0u,
				.ts = ts,
				.seq = (uint16_t)(r[1] | r[2] << 8),
				.marker = (r[0] & 0x40) != 0,
			};
			k = dp_jitter_insert(&jb, &p, now);
			free((void *)p.payload);
			FUZZ_CHECK(st->n_in == in + 1);
			/* the ticks it stored media for: at most its frames,
			 * or one more when they are off the ticks' grid; at
			 * most its grains */
			FUZZ_CHECK(k >= 0 && (uint32_t)k <= frames +
				   (unit == fb));
		}
		drops = 0;
		for (int d = 0; d < DP_JITTER_DROP_MAX_; d++)
			drops += st->n_drop[d];
		FUZZ_CHECK(st->n_in == st->n_stored + drops);
		FUZZ_CHECK(st->n_frames + st->n_missing + st->n_empty ==
			   pulls);
		FUZZ_CHECK(st->depth_frames <= cfg.max_depth_ms / 20);
		FUZZ_CHECK(st->target_frames <= cfg.max_depth_ms / 20);
	}
	return 0;
}
