/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_jitter.c: the per-leg playout buffer (dataplane/jitter.c). Each test
 * feeds a scripted arrival schedule (packets inserted at given ticks, then
 * one pull per tick) and compares the whole pulled sequence and every
 * counter with values worked out by hand from the rules in jitter.h.
 * G.711 8 kHz, 20 ms ticks (160 timestamp units, 160 bytes); the arrival
 * clock is in milliseconds. Packets that are not whole ticks (10, 30 ms)
 * are checked sample by sample: each byte is its own timestamp's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "compiler.h"
#include "jitter.h"

#define TICK_TS	160u		/* timestamp units per 20 ms tick */
#define FB	160u		/* bytes per frame */
#define TICK_MS	20u
#define SSRC_A	0x11111111u
#define SSRC_B	0x22222222u
#define E	(-2)		/* pull returned DP_JITTER_EMPTY */
#define M	(-1)		/* pull returned DP_JITTER_MISSING */
#define SUB	100000		/* code of frame j of a packet: seq + j * SUB */
#define MAX_TICKS	512

struct arr {
	int tick;		/* inserted before the pull of this tick */
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;		/* 0 = SSRC_A */
	bool marker;
	uint32_t len;		/* 0 = FB */
	int off_ms;		/* arrival = tick * 20 ms + off_ms */
};

static struct dp_jitter jb;
/* its frames: room for the largest (static, not on the stack) */
static uint8_t jb_data[(DP_JITTER_SLOTS + 1) * DP_JITTER_FRAME_MAX];
static int got[MAX_TICKS];
static int next_tick;		/* first tick run() has not pulled yet */

static void
cfg_fixed(struct dp_jitter_cfg *c, uint32_t depth_ms, uint32_t max_ms)
{
	memset(c, 0, sizeof(*c));
	c->mode = DP_JITTER_FIXED;
	c->rate_hz = 8000;
	c->tick_ms = TICK_MS;
	c->frame_bytes = FB;
	c->depth_ms = depth_ms;
	c->max_depth_ms = max_ms;
	c->clock_hz = 1000;
}

static void
init_fixed(uint32_t depth_ms, uint32_t max_ms)
{
	struct dp_jitter_cfg c;

	cfg_fixed(&c, depth_ms, max_ms);
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	next_tick = 0;
}

static void
init_adaptive(uint32_t min_ms, uint32_t depth_ms, uint32_t max_ms)
{
	struct dp_jitter_cfg c;

	cfg_fixed(&c, depth_ms, max_ms);
	c.mode = DP_JITTER_ADAPTIVE;
	c.min_depth_ms = min_ms;
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	next_tick = 0;
}

/* Byte k of frame j of packet seq: j at k == 0, else seq + j * FB + k. */
static int
put(uint32_t ssrc, uint16_t seq, uint32_t ts, bool marker, uint32_t len,
    uint64_t now)
{
	static uint8_t buf[DP_JITTER_FRAME_MAX * (DP_JITTER_SPLIT_MAX + 2)];
	struct dp_jitter_pkt p = {
		.payload = buf, .len_bytes = len, .ssrc = ssrc, .ts = ts,
		.seq = seq, .marker = marker,
	};

	ck_assert_uint_le(len, sizeof(buf));
	for (uint32_t i = 0; i < len; i++)
		buf[i] = i % FB == 0 ? (uint8_t)(i / FB) : (uint8_t)(seq + i);
	return dp_jitter_insert(&jb, &p, now);
}

/* One pull as a code: E, M, or seq + j * SUB, checking the bytes. */
static int
pull(void)
{
	struct dp_jitter_frame f;
	enum dp_jitter_status s = dp_jitter_pull(&jb, &f);
	uint32_t j, k;

	if (s == DP_JITTER_EMPTY)
		return E;
	if (s == DP_JITTER_MISSING)
		return M;
	ck_assert_int_eq(s, DP_JITTER_FRAME);
	ck_assert_uint_eq(f.len_bytes, FB);
	j = f.payload[0];
	/* one assertion a frame, not a byte (each is recorded: the
	 * sanitizer build took half a minute over this file) */
	for (k = 1; k < FB && f.payload[k] == (uint8_t)(f.seq + j * FB + k);
	     k++)
		;
	ck_assert_msg(k == FB, "frame %u.%u: byte %u is %u, not %u", f.seq,
		      j, k, k < FB ? f.payload[k] : 0,
		      (uint8_t)(f.seq + j * FB + k));
	return (int)f.seq + (int)j * SUB;
}

/* Run ticks next_tick .. end - 1 with the arrivals a[] (sorted by tick). */
static void
run(const struct arr *a, size_t n, int end)
{
	size_t i = 0;

	ck_assert_int_le(end, MAX_TICKS);
	for (int t = next_tick; t < end; t++) {
		for (; i < n && a[i].tick == t; i++) {
			uint64_t now = (uint64_t)t * TICK_MS + a[i].off_ms;

			put(a[i].ssrc ? a[i].ssrc : SSRC_A, a[i].seq, a[i].ts,
			    a[i].marker, a[i].len ? a[i].len : FB, now);
		}
		got[t] = pull();
	}
	next_tick = end;
	ck_assert_uint_eq(i, n);	/* script sorted by tick */
}

static void
expect(const int *want, int n)
{
	for (int t = 0; t < n; t++)
		ck_assert_msg(got[t] == want[t], "tick %d: got %d, want %d",
			      t, got[t], want[t]);
}

static void
expect_drops(uint64_t late, uint64_t dup, uint64_t outside, uint64_t big,
	     uint64_t bad_len, uint64_t old_ssrc)
{
	const struct dp_jitter_stats *st = dp_jitter_stats(&jb);

	ck_assert_uint_eq(st->n_drop[DP_JITTER_DROP_LATE], late);
	ck_assert_uint_eq(st->n_drop[DP_JITTER_DROP_DUP], dup);
	ck_assert_uint_eq(st->n_drop[DP_JITTER_DROP_OUTSIDE], outside);
	ck_assert_uint_eq(st->n_drop[DP_JITTER_DROP_TOO_BIG], big);
	ck_assert_uint_eq(st->n_drop[DP_JITTER_DROP_BAD_LEN], bad_len);
	ck_assert_uint_eq(st->n_drop[DP_JITTER_DROP_OLD_SSRC], old_ssrc);
}

static void
expect_pulls(uint64_t frames, uint64_t missing, uint64_t empty)
{
	const struct dp_jitter_stats *st = dp_jitter_stats(&jb);

	ck_assert_uint_eq(st->n_frames, frames);
	ck_assert_uint_eq(st->n_missing, missing);
	ck_assert_uint_eq(st->n_empty, empty);
}

#define TS0	1000u
#define PKT(t, s)	{ .tick = (t), .seq = (s), .ts = TS0 + (s) * TICK_TS }

/* ---- configuration ---- */

static const struct {
	uint32_t mode, rate, tick, fb, depth, min, max;
	uint64_t clock;
} bad_cfg[] = {
	{ 2, 8000, 20, 160, 60, 20, 200, 1000 },	/* unknown mode */
	{ 0, 0, 20, 160, 60, 20, 200, 1000 },		/* no rate */
	{ 0, 8000, 0, 160, 60, 20, 200, 1000 },		/* no tick */
	{ 0, 44100, 1, 160, 60, 20, 200, 1000 },	/* 44.1 ts units */
	{ 0, 8000, 20, 0, 60, 20, 200, 1000 },		/* no frame */
	{ 0, 8000, 20, DP_JITTER_FRAME_MAX + 1, 60, 20, 200, 1000 },
	{ 0, 8000, 20, 160, 10, 20, 200, 1000 },	/* depth < 20 ms */
	{ 0, 8000, 20, 160, 60, 20, 220, 1000 },	/* max > 200 ms */
	{ 0, 8000, 20, 160, 120, 20, 100, 1000 },	/* depth > max */
	{ 1, 8000, 20, 160, 60, 80, 200, 1000 },	/* min > depth */
	{ 1, 8000, 20, 160, 60, 10, 200, 1000 },	/* min < 20 ms */
	{ 0, 8000, 10, 80, 60, 20, 200, 1000 },		/* 20 ticks > slots */
	{ 0, 8000, 20, 160, 60, 20, 200, 0 },		/* no clock */
};

START_TEST(test_jitter_rejects_bad_cfg)
{
	struct dp_jitter_cfg c = {
		.mode = bad_cfg[_i].mode, .rate_hz = bad_cfg[_i].rate,
		.tick_ms = bad_cfg[_i].tick, .frame_bytes = bad_cfg[_i].fb,
		.depth_ms = bad_cfg[_i].depth,
		.min_depth_ms = bad_cfg[_i].min,
		.max_depth_ms = bad_cfg[_i].max, .clock_hz = bad_cfg[_i].clock,
	};

	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)),
			 -EINVAL);
}
END_TEST

START_TEST(test_jitter_accepts_bounds)
{
	struct dp_jitter_cfg c;

	cfg_fixed(&c, 20, 20);
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	cfg_fixed(&c, 200, 200);
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	cfg_fixed(&c, 60, 150);
	c.tick_ms = 10;
	c.frame_bytes = 80;
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	ck_assert_int_eq(dp_jitter_init(&jb, NULL, jb_data, sizeof(jb_data)),
			 -EINVAL);
	/* frame storage: 32 frames and the quiet frame, each rounded up to
	 * a cache line */
	ck_assert_uint_eq(dp_jitter_data_bytes(80), 33 * 128);
	ck_assert_uint_eq(dp_jitter_data_bytes(160), 33 * 192);
	ck_assert_uint_eq(dp_jitter_data_bytes(DP_JITTER_FRAME_MAX),
			  33 * DP_JITTER_FRAME_MAX);
	ck_assert_uint_eq(dp_jitter_data_bytes(0), 0);
	ck_assert_uint_eq(dp_jitter_data_bytes(DP_JITTER_FRAME_MAX + 1), 0);
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, 33 * 128), 0);
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, 33 * 128 - 1),
			 -EINVAL);
	ck_assert_int_eq(dp_jitter_init(&jb, &c, NULL, 33 * 128), -EINVAL);
	/* the largest frame: 40 ms of L16 at 48 kHz */
	c.rate_hz = 48000;
	c.tick_ms = 40;
	c.depth_ms = 80;
	c.max_depth_ms = 200;
	c.frame_bytes = DP_JITTER_FRAME_MAX;
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
}
END_TEST

/* ---- fixed depth ---- */

START_TEST(test_jitter_in_order_plays_after_depth)
{
	struct arr a[8];
	static const int want[] = { E, E, E, 0, 1, 2, 3, 4, 5, 6, 7, M };

	for (int s = 0; s < 8; s++)
		a[s] = (struct arr)PKT(s, s);
	init_fixed(60, 200);
	ck_assert_int_eq(dp_jitter_pull(&jb, NULL), DP_JITTER_EMPTY);
	dp_jitter_reset(&jb);
	run(a, 8, 12);
	expect(want, 12);
	expect_drops(0, 0, 0, 0, 0, 0);
	/* the pull before the first packet is counted too */
	expect_pulls(8, 1, 4);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_in, 8);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_stored, 8);
}
END_TEST

/*
 * Depth 3 ticks: packet s arrives at tick s and plays at tick s + 3.
 * Loss of 5, burst loss of 10-12, 16 before 15, 18 two ticks late (still in
 * time), 20 twice while buffered, 3 again after it played, 25 arriving
 * after its tick.
 */
START_TEST(test_jitter_loss_reorder_dup_late)
{
	static const struct arr a[] = {
		PKT(0, 0), PKT(1, 1), PKT(2, 2), PKT(3, 3), PKT(4, 4),
		PKT(6, 6), PKT(7, 7), PKT(8, 8), PKT(9, 9),
		PKT(13, 13), PKT(14, 14), PKT(15, 16), PKT(15, 15),
		PKT(17, 17), PKT(19, 19), PKT(20, 18), PKT(20, 20),
		PKT(21, 20), PKT(21, 21), PKT(22, 22), PKT(22, 3),
		PKT(23, 23), PKT(24, 24), PKT(26, 26), PKT(27, 27),
		PKT(28, 28), PKT(29, 25), PKT(29, 29), PKT(30, 30),
	};
	static const int want[] = {
		E, E, E, 0, 1, 2, 3, 4, M, 6,		/* 0-9 */
		7, 8, 9, M, M, M, 13, 14, 15, 16,	/* 10-19 */
		17, 18, 19, 20, 21, 22, 23, 24, M, 26,	/* 20-29 */
		27, 28, 29, 30, M,			/* 30-34 */
	};

	init_fixed(60, 200);
	run(a, TUTTI_ARRAY_SIZE(a), 35);
	expect(want, 35);
	expect_drops(1, 2, 0, 0, 0, 0);
	expect_pulls(26, 6, 3);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_stored, 26);
}
END_TEST

/* Sequence numbers wrap 65535 -> 0 and timestamps wrap 2^32 -> 0. */
START_TEST(test_jitter_seq_and_ts_wrap)
{
	struct arr a[10];
	static const int want[] = {
		E, E, E, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4, M,
	};
	uint32_t ts0 = 0xffffffffu - 3 * TICK_TS;	/* wraps at 65535 */

	for (int i = 0; i < 10; i++) {
		uint16_t seq = (uint16_t)(65531 + i);

		a[i] = (struct arr){ .tick = i, .seq = seq,
				     .ts = ts0 + (uint32_t)i * TICK_TS };
	}
	/* 0 and 65535 swapped: 0 first, both in time */
	a[4].tick = 5;
	struct arr tmp = a[4];
	a[4] = a[5];
	a[5] = tmp;
	init_fixed(60, 200);
	run(a, 10, 14);
	expect(want, 14);
	expect_drops(0, 0, 0, 0, 0, 0);
}
END_TEST

/* 40 ms packets into 20 ms ticks; too big and ragged payloads dropped. */
START_TEST(test_jitter_splits_long_ptime)
{
	static const struct arr a[] = {
		{ .tick = 0, .seq = 0, .ts = TS0, .len = 2 * FB },
		{ .tick = 2, .seq = 1, .ts = TS0 + 2 * TICK_TS, .len = 2 * FB },
		{ .tick = 2, .seq = 9, .ts = TS0, .len = 5 * FB },
		{ .tick = 3, .seq = 9, .ts = TS0, .len = FB + 1 },
		{ .tick = 3, .seq = 9, .ts = TS0, .len = 0 + 1 },
		{ .tick = 4, .seq = 2, .ts = TS0 + 4 * TICK_TS, .len = 4 * FB },
	};
	static const int want[] = {
		E, E, E, 0, 0 + SUB, 1, 1 + SUB,
		2, 2 + SUB, 2 + 2 * SUB, 2 + 3 * SUB, M,
	};

	init_fixed(60, 200);
	run(a, TUTTI_ARRAY_SIZE(a), 12);
	expect(want, 12);
	expect_drops(0, 0, 0, 1, 2, 0);
	ck_assert_int_eq(put(SSRC_A, 3, TS0, false, 0, 300), 0);
	expect_drops(0, 0, 0, 1, 3, 0);
}
END_TEST

static unsigned int n_metered;

/* A test meter: byte 0 of the frame (its index in the packet) + arg, or
 * 255 (out of range: clamped) when arg is 0xff. */
static uint8_t
meter_first(const uint8_t *restrict frame, size_t len, uint8_t arg)
{
	ck_assert_uint_eq(len, FB);
	n_metered++;
	return arg == 0xff ? 255 : (uint8_t)(frame[0] + arg);
}

/* cfg.meter runs once per stored frame, split frames each their own, a
 * duplicate not again; its result + 1 comes back with the frame; none
 * configured: 0. */
START_TEST(test_jitter_meters_each_frame)
{
	struct dp_jitter_cfg c;
	struct dp_jitter_frame f;

	cfg_fixed(&c, 20, 200);
	c.meter = meter_first;
	c.meter_arg = 7;
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	n_metered = 0;
	ck_assert_int_eq(put(SSRC_A, 0, TS0, false, 2 * FB, 0), 2);
	ck_assert_int_eq(put(SSRC_A, 0, TS0, false, 2 * FB, 1), 0); /* dup */
	ck_assert_uint_eq(n_metered, 2);
	ck_assert_int_eq(dp_jitter_pull(&jb, &f), DP_JITTER_EMPTY);
	ck_assert_int_eq(dp_jitter_pull(&jb, &f), DP_JITTER_FRAME);
	ck_assert_uint_eq(f.meter, 1 + 0 + 7);
	ck_assert_int_eq(dp_jitter_pull(&jb, &f), DP_JITTER_FRAME);
	ck_assert_uint_eq(f.meter, 1 + 1 + 7);

	c.meter_arg = 0xff;
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	ck_assert_int_eq(put(SSRC_A, 0, TS0, false, FB, 0), 1);
	dp_jitter_pull(&jb, &f);
	ck_assert_int_eq(dp_jitter_pull(&jb, &f), DP_JITTER_FRAME);
	ck_assert_uint_eq(f.meter, 255);

	c.meter = NULL;
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	ck_assert_int_eq(put(SSRC_A, 0, TS0, false, FB, 0), 1);
	dp_jitter_pull(&jb, &f);
	ck_assert_int_eq(dp_jitter_pull(&jb, &f), DP_JITTER_FRAME);
	ck_assert_uint_eq(f.meter, 0);
	ck_assert_uint_eq(n_metered, 3);
}
END_TEST

/* ---- quiet frames ---- */

#define QCODE	0xaa

/* One frame, seq s, at tick s from TS0: byte 0 is its level (what
 * meter_first() reads, with meter_arg 0), byte k (> 0) is s + k. */
static int
put_level(uint16_t seq, uint8_t level, bool marker)
{
	uint8_t buf[FB];
	struct dp_jitter_pkt p = {
		.payload = buf, .len_bytes = FB, .ssrc = SSRC_A,
		.ts = TS0 + seq * TICK_TS, .seq = seq, .marker = marker,
	};

	buf[0] = level;
	for (uint32_t k = 1; k < FB; k++)
		buf[k] = (uint8_t)(seq + k);
	return dp_jitter_insert(&jb, &p, (uint64_t)seq * TICK_MS);
}

static bool lvl_metered;	/* init_quiet()'s */

/* Where the one quiet frame is: after the slots' frames. */
static const uint8_t *
quiet_data(void)
{
	return jb_data + DP_JITTER_SLOTS * dp_jitter_stride(FB);
}

/* Byte k of frame seq as put_level() made it (own), or the quiet
 * frame's. */
static uint8_t
level_byte(uint16_t seq, uint8_t level, bool own, uint32_t k)
{
	return !own ? QCODE : k == 0 ? level : (uint8_t)(seq + k);
}

/* The next pull: frame seq, with its own bytes (own) or the quiet frame's,
 * and meter 1 + level either way (0 without a meter). One assertion for
 * the bytes, as in pull(). */
static void
pull_level(uint16_t seq, uint8_t level, bool own)
{
	struct dp_jitter_frame f;
	uint32_t k;

	ck_assert_int_eq(dp_jitter_pull(&jb, &f), DP_JITTER_FRAME);
	ck_assert_uint_eq(f.seq, seq);
	ck_assert_uint_eq(f.len_bytes, FB);
	ck_assert_uint_eq(f.meter, lvl_metered ? 1u + level : 0);
	for (k = 0; k < FB && f.payload[k] == level_byte(seq, level, own, k);
	     k++)
		;
	ck_assert_msg(k == FB, "frame %u: byte %u is %u, not %u", seq, k,
		      k < FB ? f.payload[k] : 0,
		      k < FB ? level_byte(seq, level, own, k) : 0);
	if (!own)
		ck_assert_ptr_eq(f.payload, quiet_data());
}

static void
init_quiet(bool quiet, bool metered)
{
	struct dp_jitter_cfg c;

	cfg_fixed(&c, 20, 200);
	c.meter = metered ? meter_first : NULL;
	c.quiet = quiet;
	c.quiet_code = QCODE;
	lvl_metered = metered;
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	/* anchors one tick ahead; not allowed yet: its own bytes */
	ck_assert_uint_eq(put_level(0, 3, false), 1);
	ck_assert_int_eq(pull(), E);
	pull_level(0, 3, true);
}

/*
 * Frames metered at or below the bound are kept as the quiet frame while
 * the caller allows it, unless a louder frame waits to be played before
 * them; everything else keeps its bytes.
 */
START_TEST(test_jitter_quiet_frames)
{
	const struct dp_jitter_stats *st = dp_jitter_stats(&jb);
	struct dp_jitter_frame f;
	const uint8_t *p;

	init_quiet(true, true);
	/* allowed, bound 10: level 3 and 9 (meter 10) are quiet, 10 is not;
	 * the marker stays */
	dp_jitter_set_quiet(&jb, 10, true);
	ck_assert_int_eq(put_level(1, 3, true), 1);
	pull_level(1, 3, false);
	ck_assert_int_eq(put_level(2, 9, false), 1);
	pull_level(2, 9, false);
	ck_assert_int_eq(put_level(3, 10, false), 1);
	pull_level(3, 10, true);
	ck_assert_uint_eq(st->n_quiet, 2);
	/* a loud frame waiting to be played: the quiet one after it keeps
	 * its bytes (the caller may read it in hangover), and so does the
	 * one after that, until the loud one has played */
	ck_assert_int_eq(put_level(4, 50, false), 1);
	ck_assert_int_eq(put_level(5, 3, false), 1);
	pull_level(4, 50, true);
	ck_assert_int_eq(put_level(6, 3, false), 1);
	pull_level(5, 3, true);
	pull_level(6, 3, false);
	ck_assert_uint_eq(st->n_quiet, 3);
	/* the played quiet frame, for the concealer's history */
	p = dp_jitter_played(&jb, dp_jitter_last_pos(&jb));
	ck_assert_ptr_eq(p, quiet_data());
	/* not allowed: its bytes */
	dp_jitter_set_quiet(&jb, 10, false);
	ck_assert_int_eq(put_level(7, 3, false), 1);
	pull_level(7, 3, true);
	ck_assert_uint_eq(st->n_quiet, 3);
	ck_assert_uint_eq(st->n_frames, 8);

	/* a marked quiet frame keeps its marker */
	dp_jitter_set_quiet(&jb, 10, true);
	ck_assert_int_eq(put_level(8, 3, true), 1);
	ck_assert_int_eq(dp_jitter_pull(&jb, &f), DP_JITTER_FRAME);
	ck_assert(f.marker);
	ck_assert_uint_eq(f.payload[5], QCODE);

	/* without cfg.quiet, or without a meter: always its bytes */
	init_quiet(false, true);
	dp_jitter_set_quiet(&jb, 10, true);
	ck_assert_int_eq(put_level(1, 3, false), 1);
	pull_level(1, 3, true);
	init_quiet(true, false);
	dp_jitter_set_quiet(&jb, 255, true);
	ck_assert_int_eq(put_level(1, 3, false), 1);
	pull_level(1, 3, true);
	ck_assert_uint_eq(st->n_quiet, 0);
}
END_TEST

/*
 * Max depth 100 ms (5 ticks), depth 3: a burst of 8 packets at tick 0.
 * Packets 0-2 fit (ticks 3-5 ahead); 3, 4, 5 each push the head one empty
 * tick on; 6 and 7 push it over packets 0 and 1, which are lost.
 */
START_TEST(test_jitter_bounds_latency)
{
	struct arr a[8];
	static const int want[] = { 2, 3, 4, 5, 6, 7, M };

	for (int s = 0; s < 8; s++)
		a[s] = (struct arr)PKT(0, s);
	init_fixed(60, 100);
	run(a, 8, 7);
	expect(want, 7);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_overflow_frames, 2);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_stored, 8);
	expect_drops(0, 0, 0, 0, 0, 0);
}
END_TEST

/* ---- resync ---- */

/*
 * Same SSRC, sequence continuous, timestamp jumps by a million at packet
 * 10: re-anchored on it, right after the buffered 8 and 9 (no gap).
 */
START_TEST(test_jitter_ts_jump_resyncs_seamlessly)
{
	struct arr a[16];
	int want[19];

	for (int s = 0; s < 16; s++) {
		a[s] = (struct arr)PKT(s, s);
		if (s >= 10)
			a[s].ts += 1000000u;
	}
	for (int t = 0; t < 19; t++)
		want[t] = t < 3 ? E : t - 3;
	init_fixed(60, 200);
	run(a, 16, 19);
	expect(want, 19);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_resync, 1);
	expect_drops(0, 0, 0, 0, 0, 0);
}
END_TEST

/*
 * Sender restart without SSRC change: seq 500 and ts far off. The first
 * such packet is dropped (could be a stray), the second re-anchors the
 * stream after the buffered 8 and 9. A lone stray far ahead changes
 * nothing.
 */
START_TEST(test_jitter_large_gap_resyncs_on_second)
{
	static const struct arr a[] = {
		PKT(0, 0), PKT(1, 1), PKT(2, 2),
		{ .tick = 3, .seq = 3000, .ts = TS0 + 900000u },	/* stray */
		PKT(3, 3), PKT(4, 4), PKT(5, 5), PKT(6, 6), PKT(7, 7),
		PKT(8, 8), PKT(9, 9),
		{ .tick = 10, .seq = 500, .ts = 7777777u },
		{ .tick = 11, .seq = 501, .ts = 7777777u + TICK_TS },
		{ .tick = 12, .seq = 502, .ts = 7777777u + 2 * TICK_TS },
		{ .tick = 13, .seq = 503, .ts = 7777777u + 3 * TICK_TS },
	};
	static const int want[] = {
		E, E, E, 0, 1, 2, 3, 4, 5, 6,
		7, 8, 9, 501, 502, 503, M,
	};

	init_fixed(60, 200);
	run(a, TUTTI_ARRAY_SIZE(a), 17);
	expect(want, 17);
	expect_drops(0, 0, 2, 0, 0, 0);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_resync, 1);
}
END_TEST

/*
 * SSRC A then B (new seq and ts): B continues after A's buffered frames;
 * a late A packet after the change is dropped as old SSRC.
 */
START_TEST(test_jitter_ssrc_change_continues)
{
	static const struct arr a[] = {
		PKT(0, 0), PKT(1, 1), PKT(2, 2), PKT(3, 3), PKT(4, 4),
		PKT(5, 5),
		{ .tick = 6, .seq = 9000, .ts = 42, .ssrc = SSRC_B },
		{ .tick = 7, .seq = 9001, .ts = 42 + TICK_TS, .ssrc = SSRC_B },
		PKT(7, 6),
		{ .tick = 8, .seq = 9002, .ts = 42 + 2 * TICK_TS,
		  .ssrc = SSRC_B },
	};
	static const int want[] = {
		E, E, E, 0, 1, 2, 3, 4, 5, 9000, 9001, 9002, M,
	};

	init_fixed(60, 200);
	run(a, TUTTI_ARRAY_SIZE(a), 13);
	expect(want, 13);
	expect_drops(0, 0, 0, 0, 0, 1);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_ssrc_change, 1);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_resync, 0);
}
END_TEST

/* A new SSRC after A went quiet buffers afresh: EMPTY, not MISSING. */
START_TEST(test_jitter_ssrc_change_after_silence_rebuffers)
{
	static const struct arr a[] = {
		PKT(0, 0), PKT(1, 1), PKT(2, 2),
		{ .tick = 10, .seq = 77, .ts = 5, .ssrc = SSRC_B },
		{ .tick = 11, .seq = 78, .ts = 5 + TICK_TS, .ssrc = SSRC_B },
	};
	static const int want[] = {
		E, E, E, 0, 1, 2, M, M, M, M, E, E, E, 77, 78, M,
	};

	init_fixed(60, 200);
	run(a, TUTTI_ARRAY_SIZE(a), 16);
	expect(want, 16);
	expect_pulls(5, 5, 6);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_ssrc_change, 1);
}
END_TEST

/* ---- adaptive depth ---- */

/*
 * Depth 2, one packet three ticks late: dropped, the target rises to 3 and
 * the next pull inserts a frame (MISSING) while the head holds, so every
 * later packet plays one tick later than before.
 */
START_TEST(test_jitter_adaptive_late_packet_grows)
{
	static const struct arr a1[] = {
		PKT(0, 0), PKT(1, 1), PKT(2, 2), PKT(3, 3), PKT(4, 4),
		PKT(6, 6), PKT(7, 7), PKT(8, 8), PKT(9, 9), PKT(9, 5),
	};
	static const struct arr a2[] = {
		PKT(10, 10), PKT(11, 11), PKT(12, 12),
	};
	static const int want[] = {
		E, E, 0, 1, 2, 3, 4, M, 6, M, 7, 8, 9, 10, 11, 12, M, M,
	};
	const struct dp_jitter_stats *st = dp_jitter_stats(&jb);

	init_adaptive(20, 40, 200);
	run(a1, TUTTI_ARRAY_SIZE(a1), 10);
	/* until 5, every transit equal: J = 0; 5 arrived with 9 (D = 4
	 * ticks = 640 units): J = 640 / 16 */
	ck_assert_uint_eq(st->jitter_ts, 4 * TICK_TS / 16);
	ck_assert_uint_eq(st->n_grow, 1);
	ck_assert_uint_eq(st->target_frames, 3);
	ck_assert_uint_eq(st->depth_frames, 3);
	run(a2, TUTTI_ARRAY_SIZE(a2), 18);
	expect(want, 18);
	expect_drops(1, 0, 0, 0, 0, 0);
	expect_pulls(12, 4, 2);
	ck_assert_uint_eq(st->n_grow, 1);
}
END_TEST

/*
 * RFC 3550 J with integer arithmetic (A.8), as an oracle: packets sent
 * every 20 ms arrive alternately on time and 15 ms late, so every
 * transit difference is 15 ms = 120 units.
 */
START_TEST(test_jitter_adaptive_follows_rfc3550_jitter)
{
	const struct dp_jitter_stats *st = dp_jitter_stats(&jb);
	uint32_t j_q4 = 0, want_f = 2, n_grow = 0;
	int played = 0, n_m = 0;

	init_adaptive(20, 40, 200);
	for (int s = 0; s < 60; s++) {
		uint64_t now = (uint64_t)s * TICK_MS + (s & 1 ? 15 : 0);
		int c;

		ck_assert_int_eq(put(SSRC_A, (uint16_t)s, TS0 + s * TICK_TS,
				     false, FB, now), 1);
		if (s > 0) {
			j_q4 += 120 - ((j_q4 + 8) >> 4);
			/* ceil(4 * J / 160) + 1, J = j_q4 / 16 */
			uint32_t w = (4 * j_q4 + 16 * 160 - 1) / (16 * 160) + 1;

			if (w > want_f) {
				n_grow += w - want_f;
				want_f = w;
			}
		}
		ck_assert_uint_eq(st->jitter_ts, j_q4 >> 4);
		ck_assert_uint_eq(st->target_frames, want_f);
		c = pull();
		if (c == M) {
			n_m++;
		} else if (c != E) {
			ck_assert_int_eq(c, played);	/* in order, no loss */
			played++;
		}
	}
	/* J tends to 120: 4 * 120 / 160 = 3, + 1 */
	ck_assert_uint_eq(want_f, 4);
	ck_assert_uint_eq(st->depth_frames, 4);
	ck_assert_uint_eq(st->n_grow, n_grow);
	ck_assert_uint_eq(n_grow, 2);
	ck_assert_int_eq(n_m, 2);	/* exactly the inserted frames */
	ck_assert_int_eq(played, 60 - 4);
	expect_drops(0, 0, 0, 0, 0, 0);
}
END_TEST

/*
 * The adaptive target against a model of its rule, packet by packet, over
 * 20,000 packets with random delays of three spreads: after every insert
 * the target is the largest of what it was and want = clamp(ceil(4 * J /
 * tick) + 1, min, max) (J from the RFC 3550 estimate, kept in the model
 * as the buffer keeps it, in sixteenths); it falls by one after 100 pulls
 * in a row that wanted less. The buffer compares J with bounds it keeps
 * per target instead of dividing: they must agree at every packet,
 * boundary values included.
 */
START_TEST(test_jitter_adaptive_target_as_its_rule)
{
	const struct dp_jitter_stats *st = dp_jitter_stats(&jb);
	static const uint32_t spread_ms[] = { 8, 25, 45 };
	uint32_t rnd = 12345, changes = 0;

	for (uint32_t k = 0; k < 3; k++) {
		uint32_t q4 = 0, target, hold = 0;
		uint64_t prev_now = 0;
		uint32_t prev_ts = 0;

		init_adaptive(20, 60, 200);
		target = st->target_frames;
		for (uint32_t s = 0; s < 20000 / 3; s++) {
			uint32_t ts = TS0 + s * TICK_TS, want;
			uint64_t now;

			rnd = rnd * 1103515245u + 12345u;
			now = (uint64_t)(s + 10) * TICK_MS +
			      (rnd >> 16) % spread_ms[k];
			if (now < prev_now)
				now = prev_now;	/* arrivals in order */
			ck_assert_int_ge(put(SSRC_A, (uint16_t)s, ts, false,
					     FB, now), 0);
			if (s > 0) {
				int64_t d = (int64_t)(now - prev_now) * 8 -
					    (int32_t)(ts - prev_ts);

				q4 += (uint32_t)(d < 0 ? -d : d) -
				      ((q4 + 8) >> 4);
			}
			prev_now = now;
			prev_ts = ts;
			want = (4 * q4 + 16 * TICK_TS - 1) / (16 * TICK_TS) + 1;
			want = want < 1 ? 1 : want > 10 ? 10 : want;
			if (want > target) {
				target = want;
				hold = 0;
				changes++;
			}
			ck_assert_msg(st->target_frames == target,
				      "spread %u ms, packet %u (J*16 %u): "
				      "target %u, the rule says %u",
				      spread_ms[k], s, q4, st->target_frames,
				      target);
			/* the pull's side: is less wanted? */
			if (want < target) {
				if (++hold >= DP_JITTER_SHRINK_HOLD_TICKS) {
					target--;
					hold = 0;
					changes++;
				}
			} else {
				hold = 0;
			}
			(void)pull();
			ck_assert_msg(st->target_frames == target,
				      "spread %u ms, pull %u (J*16 %u): "
				      "target %u, the rule says %u",
				      spread_ms[k], s, q4, st->target_frames,
				      target);
		}
	}
	ck_assert_uint_gt(changes, 20);	/* it moved, both ways */
	expect_drops(0, 0, 0, 0, 0, 0);
}
END_TEST

/*
 * No jitter: want = 1 frame, the target (3) falls to 2 after 100 pulls
 * (tick 99), but the depth waits for a silence -> talk-spurt boundary:
 * packets 0-119 every tick, then 30 ticks of silence (DTX: seq goes on,
 * ts jumps), then a spurt with the marker bit. Its first frame plays one
 * tick early, skipping one silent tick. A loss inside the first spurt is
 * concealed, not skipped.
 */
START_TEST(test_jitter_adaptive_shrinks_at_talkspurt)
{
	const struct dp_jitter_stats *st = dp_jitter_stats(&jb);
	static struct arr a[140];
	static int want[170];
	size_t n = 0;

	for (int s = 0; s < 140; s++) {
		int t = s < 120 ? s : s + 30;

		if (s == 110)
			continue;	/* a loss is no talk-spurt boundary */
		a[n++] = (struct arr){ .tick = t, .seq = (uint16_t)s,
				       .ts = TS0 + (uint32_t)t * TICK_TS,
				       .marker = s == 120 };
	}
	for (int t = 0; t < 170; t++) {
		if (t < 3)
			want[t] = E;
		else if (t == 113)
			want[t] = M;		/* 110, lost */
		else if (t <= 122)
			want[t] = t - 3;	/* 0..119 at depth 3 */
		else if (t < 152)
			want[t] = M;		/* silence */
		else
			want[t] = t - 32;	/* 120.. at depth 2 */
	}
	init_adaptive(20, 60, 200);
	run(a, n, 170);
	expect(want, 170);
	ck_assert_uint_eq(st->n_shrink_silence, 1);
	ck_assert_uint_eq(st->n_shrink_drop, 0);
	ck_assert_uint_eq(st->target_frames, 2);	/* tick 199 not reached */
	ck_assert_uint_eq(st->depth_frames, 2);
	expect_drops(0, 0, 0, 0, 0, 0);
}
END_TEST

/*
 * Continuous speech, no boundary: after DP_JITTER_FORCE_DROP_TICKS pulls
 * with depth above target, one frame is dropped (tick 348: packet 345).
 */
START_TEST(test_jitter_adaptive_drops_frame_without_silence)
{
	const struct dp_jitter_stats *st = dp_jitter_stats(&jb);
	static struct arr a[400];
	static int want[400];

	for (int s = 0; s < 400; s++) {
		a[s] = (struct arr)PKT(s, s);
		want[s] = s < 3 ? E : s < 348 ? s - 3 : s - 2;
	}
	init_adaptive(20, 60, 200);
	run(a, 400, 400);
	expect(want, 400);
	ck_assert_uint_eq(st->n_shrink_drop, 1);
	ck_assert_uint_eq(st->n_shrink_silence, 0);
	ck_assert_uint_eq(st->target_frames, 1);
	ck_assert_uint_eq(st->depth_frames, 2);
}
END_TEST

/* ---- packets that are not whole ticks ---- */

/* Byte of the sample at RTP timestamp ts (one byte a sample, as G.711):
 * a pulled frame is right when every byte is its own sample's. */
static uint8_t
sample_byte(uint32_t ts)
{
	return (uint8_t)(ts * 7u + 3u);
}

/* Insert len bytes (one a sample) starting at timestamp ts. */
static int
put_samples(uint16_t seq, uint32_t ts, uint32_t len, bool marker,
	    uint64_t now)
{
	static uint8_t buf[DP_JITTER_FRAME_MAX];
	struct dp_jitter_pkt p = {
		.payload = buf, .len_bytes = len, .ssrc = SSRC_A, .ts = ts,
		.seq = seq, .marker = marker,
	};

	ck_assert_uint_le(len, sizeof(buf));
	for (uint32_t i = 0; i < len; i++)
		buf[i] = sample_byte(ts + i);
	return dp_jitter_insert(&jb, &p, now);
}

/* One pull: E, M, or the frame's timestamp after checking each of its
 * fb bytes against its sample's. */
static int64_t
pull_samples(uint32_t fb)
{
	struct dp_jitter_frame f;
	enum dp_jitter_status s = dp_jitter_pull(&jb, &f);

	if (s != DP_JITTER_FRAME)
		return s == DP_JITTER_EMPTY ? E : M;
	ck_assert_uint_eq(f.len_bytes, fb);
	for (uint32_t k = 0; k < fb; k++)
		ck_assert_msg(f.payload[k] == sample_byte(f.ts + k),
			      "frame ts %u byte %u", f.ts, k);
	return f.ts;
}

/* One pull: E, M, or 0 for a frame (its bytes not checked). */
static int
pull_any(void)
{
	struct dp_jitter_frame f;
	enum dp_jitter_status s = dp_jitter_pull(&jb, &f);

	return s == DP_JITTER_FRAME ? 0 : s == DP_JITTER_EMPTY ? E : M;
}

/* 10 ms packets into 20 ms ticks: two packets make a tick's frame, in
 * either order; every sample plays once, in order. */
START_TEST(test_jitter_short_ptime_assembles)
{
	init_fixed(40, 200);
	for (uint32_t t = 0; t < 40; t++) {
		uint32_t ts = TS0 + t * TICK_TS;
		bool swap = t % 3 == 1;	/* second half first */

		ck_assert_int_eq(put_samples((uint16_t)(2 * t + swap),
					     ts + (swap ? 80 : 0), 80, t == 0,
					     t * TICK_MS), 1);
		ck_assert_int_eq(put_samples((uint16_t)(2 * t + !swap),
					     ts + (swap ? 0 : 80), 80, false,
					     t * TICK_MS + 10), 1);
		if (t < 2)
			ck_assert_int_eq(pull_samples(FB), E);
		else
			ck_assert_int_eq(pull_samples(FB),
					 TS0 + (t - 2) * TICK_TS);
	}
	expect_pulls(38, 0, 2);
	expect_drops(0, 0, 0, 0, 0, 0);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_stored, 80);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_partial, 0);
}
END_TEST

/* 30 ms packets into 20 ms ticks (a packet every tick and a half): each
 * tick's frame is whole when its packets are in; a 40 ms packet off the
 * grid of ticks by 10 ms spans three ticks. */
START_TEST(test_jitter_long_ptime_straddles_ticks)
{
	uint32_t next_ts = TS0;
	uint16_t seq = 0;
	int64_t want = TS0;

	init_fixed(60, 200);
	for (uint32_t t = 0; t < 60; t++) {
		int64_t got_ts;

		/* the packets whose last sample is by the end of tick t
		 * (8 samples a ms); the 22nd starts 31.5 ticks in */
		for (;;) {
			uint32_t len = seq == 21 ? 320 : 240;

			if ((next_ts - TS0 + len) / 8 > (t + 1) * TICK_MS)
				break;

			/* the ticks it puts samples in: a 30 ms packet
			 * two, the 40 ms one three */
			ck_assert_int_eq(put_samples(seq++, next_ts, len,
						     false, t * TICK_MS),
					 len == 320 ? 3 : 2);
			next_ts += len;
		}
		got_ts = pull_samples(FB);
		/* the first packet is in at tick 1; 60 ms later it plays */
		if (t < 4) {
			ck_assert_int_eq(got_ts, E);
			continue;
		}
		ck_assert_int_eq(got_ts, want);
		want += TICK_TS;
	}
	expect_pulls(56, 0, 4);
	expect_drops(0, 0, 0, 0, 0, 0);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_partial, 0);
}
END_TEST

/* A lost half is concealed (n_partial); a duplicate half (also one 3
 * samples off, which goes to the nearest grain), one that is not whole
 * grains and a late one are dropped and counted; the other ticks play. */
START_TEST(test_jitter_partial_loss_dup_late)
{
	init_fixed(40, 200);
	for (uint32_t t = 0; t < 8; t++) {
		uint32_t ts = TS0 + t * TICK_TS;

		if (t != 3)	/* tick 3's first half is lost */
			put_samples((uint16_t)(2 * t), ts, 80, false,
				    t * TICK_MS);
		put_samples((uint16_t)(2 * t + 1), ts + 80, 80, false,
			    t * TICK_MS + 10);
		if (t == 4) {
			/* the second half again: dup */
			ck_assert_int_eq(put_samples(9, ts + 80, 80, false,
						     t * TICK_MS + 11), 0);
			/* 3 samples off: the same half, a dup; then one
			 * that is not whole grains */
			ck_assert_int_eq(put_samples(9, ts + 83, 80, false,
						     t * TICK_MS + 11), 0);
			ck_assert_int_eq(put_samples(9, ts + 200, 100, false,
						     t * TICK_MS + 11), 0);
		}
		if (t == 6) {
			/* tick 3's lost half, after tick 3 played: late;
			 * tick 2's second half again: played, a dup */
			ck_assert_int_eq(put_samples(6, TS0 + 3 * TICK_TS, 80,
						     false, t * TICK_MS), 0);
			ck_assert_int_eq(put_samples(5, TS0 + 2 * TICK_TS + 80,
						     80, false, t * TICK_MS),
					 0);
		}
		got[t] = (int)pull_samples(FB);
	}
	for (uint32_t t = 0; t < 8; t++) {
		int want = t < 2 ? E : t == 5 ? M :
			   (int)(TS0 + (t - 2) * TICK_TS);

		ck_assert_msg(got[t] == want, "tick %u: got %d, want %d", t,
			      got[t], want);
	}
	expect_pulls(5, 1, 2);
	expect_drops(1, 3, 0, 0, 1, 0);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_partial, 1);
}
END_TEST

/* A 10 ms sender whose timestamps slip by 3 samples (off the grains'
 * grid) is still heard: each packet goes to the nearest grain, every tick
 * plays a frame, nothing is dropped. */
START_TEST(test_jitter_partial_ts_slip)
{
	uint32_t ts = TS0;

	init_fixed(40, 200);
	for (uint32_t t = 0; t < 30; t++) {
		if (t == 10)
			ts += 3;	/* the slip */
		for (int h = 0; h < 2; h++, ts += 80)
			ck_assert_int_eq(put_samples((uint16_t)(2 * t + h),
						     ts, 80, false,
						     t * TICK_MS + 10 * h), 1);
		ck_assert_int_ne(pull_any(), M);
	}
	expect_pulls(28, 0, 2);
	expect_drops(0, 0, 0, 0, 0, 0);
}
END_TEST

/* The grain: 5 ms where it is whole samples, else 10 ms (44.1 kHz); a
 * 10 ms tick takes 5 ms packets. */
START_TEST(test_jitter_grain_by_rate)
{
	struct dp_jitter_cfg c;

	cfg_fixed(&c, 40, 200);
	c.rate_hz = 44100;
	c.frame_bytes = 882 * 2;	/* 20 ms of L16 */
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	/* 10 ms of L16 at 44.1 kHz: 882 bytes; 5 ms is 220.5 samples */
	ck_assert_int_eq(put_samples(0, 0, 882, false, 0), 1);
	ck_assert_int_eq(put_samples(1, 441, 882, false, 10), 1);
	ck_assert_int_eq(put_samples(2, 882, 441, false, 20), 0);
	ck_assert_uint_eq(dp_jitter_stats(&jb)->n_drop[DP_JITTER_DROP_BAD_LEN],
			  1);

	cfg_fixed(&c, 40, 150);
	c.tick_ms = 10;
	c.frame_bytes = 80;
	ck_assert_int_eq(dp_jitter_init(&jb, &c, jb_data, sizeof(jb_data)), 0);
	for (uint32_t t = 0; t < 10; t++) {
		ck_assert_int_eq(put_samples((uint16_t)(2 * t), TS0 + 80 * t,
					     40, false, t * 10), 1);
		ck_assert_int_eq(put_samples((uint16_t)(2 * t + 1),
					     TS0 + 80 * t + 40, 40, false,
					     t * 10 + 5), 1);
		ck_assert_int_eq(pull_samples(80), t < 4 ? E :
				 (int64_t)(TS0 + 80 * (t - 4)));
	}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("jitter");
	TCase *tc;

	tc = tcase_create("config");
	tcase_add_loop_test(tc, test_jitter_rejects_bad_cfg, 0,
			    (int)TUTTI_ARRAY_SIZE(bad_cfg));
	tcase_add_test(tc, test_jitter_accepts_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("fixed");
	tcase_add_test(tc, test_jitter_in_order_plays_after_depth);
	tcase_add_test(tc, test_jitter_loss_reorder_dup_late);
	tcase_add_test(tc, test_jitter_seq_and_ts_wrap);
	tcase_add_test(tc, test_jitter_splits_long_ptime);
	tcase_add_test(tc, test_jitter_meters_each_frame);
	tcase_add_test(tc, test_jitter_quiet_frames);
	tcase_add_test(tc, test_jitter_bounds_latency);
	suite_add_tcase(s, tc);

	tc = tcase_create("partial");
	tcase_add_test(tc, test_jitter_short_ptime_assembles);
	tcase_add_test(tc, test_jitter_long_ptime_straddles_ticks);
	tcase_add_test(tc, test_jitter_partial_loss_dup_late);
	tcase_add_test(tc, test_jitter_partial_ts_slip);
	tcase_add_test(tc, test_jitter_grain_by_rate);
	suite_add_tcase(s, tc);

	tc = tcase_create("resync");
	tcase_add_test(tc, test_jitter_ts_jump_resyncs_seamlessly);
	tcase_add_test(tc, test_jitter_large_gap_resyncs_on_second);
	tcase_add_test(tc, test_jitter_ssrc_change_continues);
	tcase_add_test(tc, test_jitter_ssrc_change_after_silence_rebuffers);
	suite_add_tcase(s, tc);

	tc = tcase_create("adaptive");
	tcase_add_test(tc, test_jitter_adaptive_late_packet_grows);
	tcase_add_test(tc, test_jitter_adaptive_follows_rfc3550_jitter);
	tcase_add_test(tc, test_jitter_adaptive_target_as_its_rule);
	tcase_add_test(tc, test_jitter_adaptive_shrinks_at_talkspurt);
	tcase_add_test(tc, test_jitter_adaptive_drops_frame_without_silence);
	suite_add_tcase(s, tc);
	return s;
}
