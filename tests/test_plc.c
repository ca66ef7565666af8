/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_plc.c: loss concealment (dataplane/plc.c). A 400 Hz tone is fed as
 * good 20 ms frames; missing frames must continue it (energy and frequency
 * measured with SpanDSP's Goertzel filters), fade, and be exactly silent
 * once DP_PLC_FADE_MS of loss have been concealed; good frames pass
 * unchanged except the blend just after a loss.
 */
#include <math.h>
#include <string.h>

#include <spandsp.h>

#include "check_main.h"
#include "plc.h"

#define FRAME	160		/* samples: 20 ms at 8 kHz */
#define TONE_HZ	400.0
#define AMP	8000.0

static struct dp_plc plc;
static uint32_t phase;		/* samples of tone generated so far */

static void
tone(int16_t *pcm, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, phase++)
		pcm[i] = (int16_t)lrint(AMP * sin(2.0 * M_PI * TONE_HZ *
						  phase / 8000.0));
}

/* Goertzel power of pcm at freq, over the whole block. */
static double
power_at(const int16_t *pcm, uint32_t n, double freq)
{
	goertzel_descriptor_t d;
	goertzel_state_t s;

	make_goertzel_descriptor(&d, (float)freq, (int)n);
	goertzel_init(&s, &d);
	goertzel_update(&s, pcm, (int)n);
	return goertzel_result(&s);
}

static double
rms(const int16_t *pcm, uint32_t n)
{
	double e = 0.0;

	for (uint32_t i = 0; i < n; i++)
		e += (double)pcm[i] * pcm[i];
	return sqrt(e / n);
}

/* 200 ms of tone as good frames: passes through untouched. */
static void
prime(void)
{
	int16_t pcm[FRAME], ref[FRAME];

	dp_plc_init(&plc);
	phase = 0;
	for (int f = 0; f < 10; f++) {
		tone(pcm, FRAME);
		memcpy(ref, pcm, sizeof(ref));
		dp_plc_good(&plc, pcm, FRAME);
		ck_assert_mem_eq(pcm, ref, sizeof(ref));
	}
}

START_TEST(test_plc_continues_tone)
{
	int16_t pcm[FRAME];
	double tone_rms = AMP / sqrt(2.0), p400, p300, p500;

	prime();
	dp_plc_fill(&plc, pcm, FRAME);
	ck_assert_double_gt(rms(pcm, FRAME), 0.5 * tone_rms);
	p400 = power_at(pcm, FRAME, TONE_HZ);
	p300 = power_at(pcm, FRAME, 300.0);
	p500 = power_at(pcm, FRAME, 500.0);
	ck_assert_double_gt(p400, 20.0 * p300);
	ck_assert_double_gt(p400, 20.0 * p500);
	ck_assert_uint_eq(plc.missing_samples, FRAME);
}
END_TEST

START_TEST(test_plc_fades_to_silence)
{
	int16_t pcm[FRAME];
	double e[3];

	prime();
	for (int f = 0; f < 3; f++) {
		dp_plc_fill(&plc, pcm, FRAME);
		e[f] = rms(pcm, FRAME);
		if (f < 2)	/* 0-40 ms: still audible */
			ck_assert_double_gt(e[f], 100.0);
	}
	ck_assert_double_gt(e[0], e[1]);
	ck_assert_double_gt(e[1], e[2]);
	/* 40-60 ms: from 60 ms on, and for ever, exact silence */
	for (int f = 0; f < 20; f++) {
		memset(pcm, 0x55, sizeof(pcm));
		dp_plc_fill(&plc, pcm, FRAME);
		for (int i = 0; i < FRAME; i++)
			ck_assert_int_eq(pcm[i], 0);
	}
	ck_assert_uint_eq(plc.n_filled_samples, 23 * FRAME);
}
END_TEST

/* Odd block sizes: silence starts exactly at DP_PLC_FADE_MS at the latest. */
START_TEST(test_plc_silent_after_fade_ms_any_block)
{
	int16_t pcm[FRAME * 8];
	const uint32_t fade = DP_PLC_RATE_HZ / 1000 * DP_PLC_FADE_MS;
	uint32_t done = 0;

	prime();
	while (done < 8 * FRAME) {
		uint32_t n = 8 * FRAME - done < 37 ? 8 * FRAME - done : 37;

		memset(pcm + done, 0x55, n * sizeof(*pcm));
		dp_plc_fill(&plc, pcm + done, n);
		done += n;
	}
	ck_assert_double_gt(rms(pcm, FRAME), 1000.0);
	for (uint32_t i = fade; i < done; i++)
		ck_assert_int_eq(pcm[i], 0);
}
END_TEST

/* After a long loss the next good frame fades in, then is untouched. */
START_TEST(test_plc_resumes_after_loss)
{
	int16_t pcm[FRAME], ref[FRAME];

	prime();
	for (int f = 0; f < 10; f++)
		dp_plc_fill(&plc, pcm, FRAME);
	phase += 10 * FRAME;
	tone(pcm, FRAME);
	memcpy(ref, pcm, sizeof(ref));
	dp_plc_good(&plc, pcm, FRAME);
	ck_assert_uint_eq(plc.missing_samples, 0);
	ck_assert_int_le(abs(pcm[0]), abs(ref[0]));
	/* the blend spans at most a quarter of the longest pitch period */
	ck_assert_mem_eq(pcm + PLC_PITCH_MIN / 4, ref + PLC_PITCH_MIN / 4,
			 sizeof(ref) - PLC_PITCH_MIN / 4 * sizeof(*ref));
	/* and the following frames are untouched again */
	tone(pcm, FRAME);
	memcpy(ref, pcm, sizeof(ref));
	dp_plc_good(&plc, pcm, FRAME);
	ck_assert_mem_eq(pcm, ref, sizeof(ref));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("plc");
	TCase *tc = tcase_create("conceal");

	tcase_add_test(tc, test_plc_continues_tone);
	tcase_add_test(tc, test_plc_fades_to_silence);
	tcase_add_test(tc, test_plc_silent_after_fade_ms_any_block);
	tcase_add_test(tc, test_plc_resumes_after_loss);
	suite_add_tcase(s, tc);
	return s;
}
