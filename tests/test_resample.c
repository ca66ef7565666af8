/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_resample.c: dp_resample between every leg rate and the conference
 * rates, both directions: a tone keeps its frequency and level (SpanDSP's
 * Goertzel filter, compared with the same tone generated directly at the
 * output rate), out-of-band input is filtered rather than aliased, every
 * frame has exactly its ptime's samples, equal rates copy bit for bit, and
 * bad arguments are rejected. Unit test: plain arrays, no DPDK.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <spandsp.h>

#include "check_main.h"
#include "l16.h"
#include "resample.h"

#define PTIME_MS	20
#define N_FRAMES	50	/* 1 s of signal */
#define SKIP_FRAMES	5	/* 100 ms: well past the filter delay */
#define TONE_HZ		1000.0
#define TONE_AMP	8000.0	/* about -12 dBFS */
#define MAX_FRAME	960	/* 48 kHz, 20 ms */
#define LEVEL_TOL_DB	0.5	/* passband ripple allowed */
#define REJECT_DB	30.0	/* min. attenuation off the tone / aliases */

static const uint32_t leg_rates[] = { 48000, 44100, 32000, 16000, 8000 };
static const uint32_t conf_rates[] = { 8000, 16000 };
#define N_LEG	(sizeof(leg_rates) / sizeof(leg_rates[0]))
#define N_CONF	(sizeof(conf_rates) / sizeof(conf_rates[0]))

static void
tone(int16_t *x, size_t n, size_t first, uint32_t rate_hz, double freq_hz,
     double amp)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (int16_t)lrint(amp * sin(2.0 * M_PI * freq_hz *
					(double)(first + i) / rate_hz));
}

/*
 * Goertzel power of x at freq_hz, x sampled at rate_hz. SpanDSP's filter
 * assumes 8 kHz, so the frequency is scaled to the same normalised one.
 */
static double
goertzel_power(const int16_t *x, size_t n, uint32_t rate_hz, double freq_hz)
{
	goertzel_descriptor_t d;
	goertzel_state_t g;

	make_goertzel_descriptor(&d, (float)(freq_hz * SAMPLE_RATE / rate_hz),
				 (int)n);
	goertzel_init(&g, &d);
	goertzel_update(&g, x, (int)n);
	return (double)goertzel_result(&g);
}

static double
db(double power_ratio)
{
	return 10.0 * log10(power_ratio);
}

/* Resample N_FRAMES of a tone; the output after SKIP_FRAMES into out. */
static size_t
run_tone(struct dp_resample *rs, double freq_hz, int16_t *out)
{
	static int16_t in[MAX_FRAME], frame[MAX_FRAME];
	size_t n_kept = 0;

	for (size_t f = 0; f < N_FRAMES; f++) {
		size_t n;

		tone(in, rs->n_in, f * rs->n_in, rs->in_rate_hz, freq_hz,
		     TONE_AMP);
		memset(frame, 0x5a, sizeof(frame));
		n = dp_resample_frame(rs, frame, in);
		ck_assert_uint_eq(n, (size_t)dp_l16_frame_samples(
				rs->out_rate_hz, PTIME_MS));
		/* nothing written past the frame */
		for (size_t i = n; i < MAX_FRAME; i++)
			ck_assert_int_eq(frame[i], 0x5a5a);
		if (f >= SKIP_FRAMES) {
			memcpy(out + n_kept, frame, n * sizeof(*frame));
			n_kept += n;
		}
	}
	ck_assert_uint_eq(rs->n_short, 0);
	return n_kept;
}

static void
check_tone_kept(uint32_t in_rate_hz, uint32_t out_rate_hz, int quality)
{
	static int16_t out[MAX_FRAME * N_FRAMES], ref[MAX_FRAME * N_FRAMES];
	struct dp_resample rs;
	size_t n;
	double p, p_ref, p_lo, p_hi;

	ck_assert_int_eq(dp_resample_init(&rs, in_rate_hz, out_rate_hz,
					  PTIME_MS, quality), 0);
	n = run_tone(&rs, TONE_HZ, out);
	ck_assert_uint_eq(n, (size_t)(N_FRAMES - SKIP_FRAMES) * rs.n_out);
	/* whole number of cycles of all three frequencies in n samples */
	tone(ref, n, 0, out_rate_hz, TONE_HZ, TONE_AMP);
	p = goertzel_power(out, n, out_rate_hz, TONE_HZ);
	p_ref = goertzel_power(ref, n, out_rate_hz, TONE_HZ);
	p_lo = goertzel_power(out, n, out_rate_hz, TONE_HZ * 0.75);
	p_hi = goertzel_power(out, n, out_rate_hz, TONE_HZ * 1.25);
	printf("# %5u -> %5u Hz q%d: level %+.2f dB, 750/1250 Hz %.1f/%.1f "
	       "dB, delay %u us\n", in_rate_hz, out_rate_hz, quality,
	       db(p / p_ref), db(p_lo / p), db(p_hi / p),
	       dp_resample_delay_us(&rs));
	ck_assert_msg(fabs(db(p / p_ref)) < LEVEL_TOL_DB,
		      "%u -> %u: level %+.2f dB", in_rate_hz, out_rate_hz,
		      db(p / p_ref));
	ck_assert_msg(db(p_lo / p) < -REJECT_DB && db(p_hi / p) < -REJECT_DB,
		      "%u -> %u: tone smeared or moved", in_rate_hz,
		      out_rate_hz);
	dp_resample_fini(&rs);
}

/* Loop index: leg rate x conference rate. */
START_TEST(test_resample_leg_to_conf_keeps_tone)
{
	uint32_t leg = leg_rates[_i / N_CONF], conf = conf_rates[_i % N_CONF];

	if (leg != conf)
		check_tone_kept(leg, conf, DP_RESAMPLE_QUALITY_VOIP);
}
END_TEST

START_TEST(test_resample_conf_to_leg_keeps_tone)
{
	uint32_t leg = leg_rates[_i / N_CONF], conf = conf_rates[_i % N_CONF];

	if (leg != conf)
		check_tone_kept(conf, leg, DP_RESAMPLE_QUALITY_VOIP);
}
END_TEST

START_TEST(test_resample_quality_extremes_keep_tone)
{
	check_tone_kept(48000, 16000, DP_RESAMPLE_QUALITY_MIN);
	check_tone_kept(48000, 16000, DP_RESAMPLE_QUALITY_MAX);
	check_tone_kept(44100, 8000, DP_RESAMPLE_QUALITY_MAX);
}
END_TEST

/*
 * A 6 kHz tone at 48 kHz has no place at 8 kHz: unfiltered decimation
 * would fold it to 2 kHz at full level.
 */
START_TEST(test_resample_filters_instead_of_aliasing)
{
	static int16_t out[MAX_FRAME * N_FRAMES], ref[MAX_FRAME * N_FRAMES];
	struct dp_resample rs;
	size_t n;
	double p_alias, p_ref;

	ck_assert_int_eq(dp_resample_init(&rs, 48000, 8000, PTIME_MS,
					  DP_RESAMPLE_QUALITY_VOIP), 0);
	n = run_tone(&rs, 6000.0, out);
	tone(ref, n, 0, 8000, 2000.0, TONE_AMP);
	p_alias = goertzel_power(out, n, 8000, 2000.0);
	p_ref = goertzel_power(ref, n, 8000, 2000.0);
	printf("# 6 kHz at 48 kHz -> 8 kHz: alias at 2 kHz %.1f dB\n",
	       db(p_alias / p_ref));
	ck_assert_msg(db(p_alias / p_ref) < -REJECT_DB, "alias at %.1f dB",
		      db(p_alias / p_ref));
	dp_resample_fini(&rs);
}
END_TEST

START_TEST(test_resample_equal_rates_copy_exactly)
{
	static const uint32_t rates[] = { 8000, 16000, 44100, 48000 };
	int16_t in[MAX_FRAME], out[MAX_FRAME + 1];
	uint32_t seed = 0x7e57;

	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		struct dp_resample rs;
		size_t n_in;

		ck_assert_int_eq(dp_resample_init(&rs, rates[r], rates[r],
					PTIME_MS, DP_RESAMPLE_QUALITY_VOIP), 0);
		ck_assert(dp_resample_is_passthrough(&rs));
		ck_assert_uint_eq(dp_resample_delay_us(&rs), 0);
		n_in = (size_t)dp_l16_frame_samples(rates[r], PTIME_MS);
		for (int f = 0; f < 3; f++) {
			for (size_t i = 0; i < n_in; i++) {
				seed = seed * 1103515245u + 12345u;
				in[i] = (int16_t)(seed >> 16);
			}
			out[n_in] = 0x1234;
			ck_assert_uint_eq(dp_resample_frame(&rs, out, in), n_in);
			ck_assert_mem_eq(out, in, n_in * sizeof(*in));
			ck_assert_int_eq(out[n_in], 0x1234);
		}
		dp_resample_fini(&rs);
	}
}
END_TEST

/* Output frame sizes for the ptimes a leg may negotiate. */
START_TEST(test_resample_frame_sizes_per_ptime)
{
	static const unsigned int ptimes[] = { 10, 20, 30, 40, 60 };
	int16_t in[48 * 60], out[48 * 60];

	memset(in, 0, sizeof(in));
	for (size_t l = 0; l < N_LEG; l++)
	for (size_t c = 0; c < N_CONF; c++)
	for (size_t p = 0; p < sizeof(ptimes) / sizeof(ptimes[0]); p++) {
		struct dp_resample_leg leg;
		/* rate in kHz times ms, written out: 44.1 * 30 = 1323 */
		size_t want_leg = leg_rates[l] * ptimes[p] / 1000;
		size_t want_conf = conf_rates[c] / 1000 * ptimes[p];

		ck_assert_int_eq(dp_resample_leg_init(&leg, leg_rates[l],
				conf_rates[c], ptimes[p],
				DP_RESAMPLE_QUALITY_VOIP), 0);
		ck_assert_uint_eq(leg.to_conf.n_in, want_leg);
		for (int f = 0; f < 4; f++) {
			ck_assert_uint_eq(dp_resample_frame(&leg.to_conf, out,
							    in), want_conf);
			ck_assert_uint_eq(dp_resample_frame(&leg.to_leg, out,
							    in), want_leg);
		}
		ck_assert_uint_eq(leg.to_conf.n_short, 0);
		ck_assert_uint_eq(leg.to_leg.n_short, 0);
		dp_resample_leg_fini(&leg);
	}
}
END_TEST

START_TEST(test_resample_rejects_bad_arguments)
{
	struct dp_resample rs = { .n_in = 7 };
	struct dp_resample_leg leg;

	ck_assert_int_eq(dp_resample_init(&rs, 11025, 8000, 20, 3), -EINVAL);
	ck_assert_int_eq(dp_resample_init(&rs, 48000, 8000, 0, 3), -EINVAL);
	ck_assert_int_eq(dp_resample_init(&rs, 44100, 8000, 25, 3), -EINVAL);
	ck_assert_int_eq(dp_resample_init(&rs, 48000, 8000, 20, -1), -EINVAL);
	ck_assert_int_eq(dp_resample_init(&rs, 48000, 8000, 20, 11), -EINVAL);
	ck_assert_uint_eq(rs.n_in, 7);	/* untouched on error */
	ck_assert_int_eq(dp_resample_leg_init(&leg, 48000, 32000, 20, 3),
			 -EINVAL);
	ck_assert_int_eq(dp_resample_leg_init(&leg, 48000, 48000, 20, 3),
			 -EINVAL);
	dp_resample_fini(NULL);
	dp_resample_leg_fini(NULL);
}
END_TEST

/*
 * Where an impulse comes out: at the start of frame 2 in, near the start
 * of frame 2 out plus the delay dp_resample_delay_us() reports (to within
 * one output sample). Returns the delay seen, in output samples.
 */
static long
impulse_delay(uint32_t in_rate_hz, uint32_t out_rate_hz, int quality)
{
	static int16_t in[MAX_FRAME], out[MAX_FRAME * 6];
	struct dp_resample rs;
	size_t peak = 0;
	long want;

	ck_assert_int_eq(dp_resample_init(&rs, in_rate_hz, out_rate_hz,
					  PTIME_MS, quality), 0);
	memset(out, 0, sizeof(out));
	for (size_t f = 0; f < 6; f++) {
		memset(in, 0, sizeof(in));
		if (f == 2)
			in[0] = 16000;
		dp_resample_frame(&rs, out + f * rs.n_out, in);
	}
	for (size_t i = 1; i < 6 * rs.n_out; i++)
		if (abs(out[i]) > abs(out[peak]))
			peak = i;
	want = lrint(dp_resample_delay_us(&rs) * 1e-6 * out_rate_hz);
	printf("# %5u -> %5u Hz q%d: impulse delay %ld samples, reported "
	       "%u us = %ld samples\n", in_rate_hz, out_rate_hz, quality,
	       (long)peak - 2 * (long)rs.n_out, dp_resample_delay_us(&rs),
	       want);
	ck_assert_msg(labs((long)peak - 2 * (long)rs.n_out - want) <= 1,
		      "%u -> %u: impulse at %zu, expected %ld", in_rate_hz,
		      out_rate_hz, peak, 2 * (long)rs.n_out + want);
	dp_resample_fini(&rs);
	return (long)peak - 2 * (long)rs.n_out;
}

/* Loop index: leg rate x conference rate; the figures resample.h gives. */
START_TEST(test_resample_delay_matches_impulse)
{
	uint32_t leg = leg_rates[_i / N_CONF], conf = conf_rates[_i % N_CONF];
	uint32_t lower = leg < conf ? leg : conf;
	/* VoIP quality: 24 samples at the lower rate, as documented */
	long want_us = 24L * 1000000 / lower;

	if (leg == conf)
		return;
	for (int dir = 0; dir < 2; dir++) {
		uint32_t from = dir ? conf : leg, to = dir ? leg : conf;
		long seen = impulse_delay(from, to, DP_RESAMPLE_QUALITY_VOIP);
		long seen_us = seen * 1000000 / (long)to;

		ck_assert_msg(labs(seen_us - want_us) <= 1000000 / (long)to +
			      want_us / 20, "%u -> %u: %ld us, doc %ld us",
			      from, to, seen_us, want_us);
	}
}
END_TEST

START_TEST(test_resample_delay_by_quality)
{
	/* 128 samples at 16 kHz at quality 10, 4 at quality 0 */
	ck_assert_int_eq(impulse_delay(48000, 16000, DP_RESAMPLE_QUALITY_MAX),
			 128);
	ck_assert_int_eq(impulse_delay(16000, 48000, DP_RESAMPLE_QUALITY_MAX),
			 3 * 128);
	ck_assert_int_eq(impulse_delay(48000, 16000, DP_RESAMPLE_QUALITY_MIN),
			 4);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("resample");
	TCase *tc = tcase_create("tone");

	tcase_add_loop_test(tc, test_resample_leg_to_conf_keeps_tone, 0,
			    (int)(N_LEG * N_CONF));
	tcase_add_loop_test(tc, test_resample_conf_to_leg_keeps_tone, 0,
			    (int)(N_LEG * N_CONF));
	tcase_add_test(tc, test_resample_quality_extremes_keep_tone);
	tcase_add_test(tc, test_resample_filters_instead_of_aliasing);
	suite_add_tcase(s, tc);
	tc = tcase_create("framing");
	tcase_add_test(tc, test_resample_equal_rates_copy_exactly);
	tcase_add_test(tc, test_resample_frame_sizes_per_ptime);
	tcase_add_test(tc, test_resample_rejects_bad_arguments);
	tcase_add_loop_test(tc, test_resample_delay_matches_impulse, 0,
			    (int)(N_LEG * N_CONF));
	tcase_add_test(tc, test_resample_delay_by_quality);
	suite_add_tcase(s, tc);
	return s;
}
