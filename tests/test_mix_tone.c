/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mix_tone.c: tones through the whole media path of a conference, as
 * packets would carry them: each of four talkers sends its own tone in
 * G.711 (PCMU or PCMA), the focus decodes, mixes (top-K, the default), and
 * encodes each listener's mix (the shared one through mix_enc, once per
 * codec), and the listener decodes. SpanDSP's Goertzel filter then measures
 * one second of what each listener heard: every other talker's tone at its
 * level (within 1 dB of the same tone through one encode/decode), its own
 * tone at least 40 dB below that; four silent listeners hear all four, from
 * one encode per codec and frame.
 * Unit test, no DPDK.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <check.h>
#include <spandsp.h>

#include "check_main.h"
#include "g711.h"
#include "mix.h"
#include "mix_enc.h"
#include "shm_proto.h"

#define RATE	8000
#define FS	160
#define FRAMES	50		/* one second */
#define NLEG	8
#define NTALK	4
#define AMP	6000.0

static const double freq[NTALK] = { 400.0, 650.0, 1050.0, 1700.0 };
static const enum dp_law law[NLEG] = {
	DP_LAW_ULAW, DP_LAW_ALAW, DP_LAW_ULAW, DP_LAW_ALAW,	/* talkers */
	DP_LAW_ULAW, DP_LAW_ALAW, DP_LAW_ULAW, DP_LAW_ALAW,	/* silent */
};

static int16_t heard[NLEG][FS * FRAMES];
static int16_t ref[NTALK][FS * FRAMES];	/* the tone through one codec */

static double
power_at(const int16_t *pcm, uint32_t n, double f)
{
	goertzel_descriptor_t d;
	goertzel_state_t s;

	make_goertzel_descriptor(&d, (float)f, (int)n);
	goertzel_init(&s, &d);
	goertzel_update(&s, pcm, (int)n);
	return goertzel_result(&s);
}

static double
db(double p, double pref)
{
	return 10.0 * log10((p + 1e-9) / pref);
}

START_TEST(test_mix_tone_each_hears_the_others)
{
	static struct dp_mix m;
	static struct dp_mix_enc enc;
	static struct dp_mix_leg legs[NLEG];
	static int16_t in[NLEG][FS], personal[NLEG][FS];
	struct dp_mix_cfg cfg;
	int slot[NLEG];

	dp_mix_cfg_default(&cfg, RATE, 20);
	ck_assert_int_eq(dp_mix_init(&m, &cfg, NULL), 0);
	ck_assert_int_eq(dp_mix_enc_init(&enc, RATE, 20), 0);
	for (int i = 0; i < NLEG; i++) {
		dp_mix_leg_init(&legs[i], personal[i], NULL, 0);
		legs[i].pcm = in[i];
		slot[i] = dp_mix_enc_ref(&enc, law[i] == DP_LAW_ULAW ?
					 SHM_CODEC_PCMU : SHM_CODEC_PCMA,
					 RATE);
		ck_assert_int_ge(slot[i], 0);
	}
	for (uint32_t f = 0; f < FRAMES; f++) {
		for (int i = 0; i < NLEG; i++) {
			int16_t tone[FS];
			uint8_t wire[FS];

			for (uint32_t s = 0; s < FS; s++)
				tone[s] = i < NTALK ? (int16_t)lrint(AMP *
					sin(2.0 * M_PI * freq[i] *
					    (f * FS + s) / RATE)) : 0;
			/* the talker's phone encodes, the focus decodes */
			dp_g711_encode(law[i], wire, tone, FS);
			dp_g711_decode(law[i], in[i], wire, FS);
			if (i < NTALK)
				memcpy(&ref[i][f * FS], in[i], sizeof(in[i]));
		}
		ck_assert_uint_eq(dp_mix_frame(&m, legs, NLEG), NTALK);
		for (int i = 0; i < NLEG; i++) {
			const uint8_t *payload;
			uint8_t own[FS];
			uint32_t len;

			if (legs[i].contrib) {
				dp_g711_encode(law[i], own, legs[i].out, FS);
				payload = own;
				len = FS;
			} else {
				payload = dp_mix_enc_shared(&enc, slot[i],
							    legs[i].out, f,
							    &len);
			}
			ck_assert_uint_eq(len, FS);
			/* the listener's phone decodes */
			dp_g711_decode(law[i], &heard[i][f * FS], payload, FS);
		}
	}
	for (int i = NTALK; i < NLEG; i++)
		ck_assert(!legs[i].contrib &&
			  legs[i].out == dp_mix_buf_of(&m)->shared);
	/* four silent listeners, two codecs: two encodes per frame */
	ck_assert_uint_eq(enc.n_encodes, 2 * FRAMES);

	for (int i = 0; i < NLEG; i++)
		for (int t = 0; t < NTALK; t++) {
			uint32_t n = FS * FRAMES;
			double pref = power_at(ref[t], n, freq[t]);
			double got = db(power_at(heard[i], n, freq[t]), pref);

			if (t == i)
				ck_assert_msg(got < -40.0,
					      "leg %d hears itself at %.1f dB",
					      i, got);
			else
				ck_assert_msg(fabs(got) < 1.0,
					      "leg %d hears leg %d at %.1f dB",
					      i, t, got);
		}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("mix_tone");
	TCase *tc = tcase_create("tones");

	tcase_add_test(tc, test_mix_tone_each_hears_the_others);
	suite_add_tcase(s, tc);
	return s;
}
