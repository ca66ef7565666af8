/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mix.c: the conference mixer (mix.h) and the shared encode cache
 * (mix_enc.h): exact N-1 results at every frame length, one clip after
 * subtracting, top-K selection with hangover and incumbency, the shared
 * mix identical for all non-contributors, mute/deaf/gain, the limiter,
 * encode-once per (codec, rate). Every expected value is computed here independently from the
 * inputs. Unit test, no DPDK, the active ISA's kernels (test_mix_kern
 * checks every ISA against the reference).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "g711.h"
#include "mix.h"
#include "mix_enc.h"
#include "mix_kern.h"
#include "shm_proto.h"

#define FS	160		/* 20 ms at 8 kHz */
#define MAXL	16

static struct dp_mix M;
static struct dp_mix_leg L[MAXL];
static int16_t pcm[MAXL][FS];
static int16_t personal[MAXL][FS];

static int16_t
sat16(int64_t v)
{
	return (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN :
			 v);
}

static void
setup(uint32_t k, uint32_t n, bool limiter)
{
	struct dp_mix_cfg cfg;

	dp_mix_cfg_default(&cfg, 8000, 20);
	cfg.max_talkers = k;
	cfg.limiter = limiter;
	ck_assert_int_eq(dp_mix_init(&M, &cfg, NULL), 0);
	for (uint32_t i = 0; i < n; i++) {
		dp_mix_leg_init(&L[i], personal[i], NULL, 0);
		L[i].pcm = pcm[i];
	}
}

/* A tone of amplitude amp on leg i (distinct frequency per leg). */
static void
tone(uint32_t i, double amp, uint32_t frame)
{
	for (uint32_t s = 0; s < FS; s++)
		pcm[i][s] = (int16_t)lrint(amp * sin(2.0 * M_PI *
			(300.0 + 170.0 * i) * (frame * FS + s) / 8000.0));
}

static void
silence(uint32_t i)
{
	memset(pcm[i], 0, sizeof(pcm[i]));
}

START_TEST(test_mix_n_minus_one_exact)
{
	uint32_t seed = 7;

	setup(DP_MIX_ALL, 5, false);
	for (int f = 0; f < 4; f++) {
		for (uint32_t i = 0; i < 5; i++)
			for (uint32_t s = 0; s < FS; s++) {
				seed = seed * 1103515245u + 12345u;
				pcm[i][s] = (int16_t)(seed >> 16);
			}
		ck_assert_uint_eq(dp_mix_frame(&M, L, 5), 5);
		for (uint32_t i = 0; i < 5; i++) {
			ck_assert(L[i].contrib);
			ck_assert_ptr_eq(L[i].out, personal[i]);
			for (uint32_t s = 0; s < FS; s++) {
				int64_t v = 0;

				for (uint32_t j = 0; j < 5; j++)
					if (j != i)
						v += pcm[j][s];
				ck_assert_int_eq(L[i].out[s], sat16(v));
			}
		}
	}
}
END_TEST

/*
 * Exact N-1 at every frame length the mixer takes (80 to 640 samples: the
 * last block of the pair-order sum is partial at 80, 240 and 480), with
 * everyone talking at full scale so that sums clip: linear in, personal
 * out; and at 8 kHz G.711 codes in, personal mixes encoded straight into
 * the payload, checked against the reference encoder of the exact result.
 * Then K = 2, with the shared mix exact too.
 */
START_TEST(test_mix_n_minus_one_every_length)
{
	static const uint32_t rates[] = { 8000, 16000 };
	static const uint32_t ptimes[] = { 10, 20, 30, 40 };
	enum { N = 5, MAXFS = DP_MIX_MAX_FRAME };
	static int16_t in[N][MAXFS], dec[N][MAXFS], pers[N][MAXFS];
	static uint8_t codes[N][MAXFS], enc[N][MAXFS];
	static struct dp_mix m;
	static struct dp_mix_leg l[N];
	uint32_t seed = 11;

	for (size_t r = 0; r < 2; r++)
	for (size_t p = 0; p < 4; p++)
	for (int g711 = 0; g711 < (rates[r] == 8000 ? 2 : 1); g711++)
	for (int topk = 0; topk < 2; topk++) {
		struct dp_mix_cfg cfg;
		uint32_t fs = rates[r] / 1000 * ptimes[p];

		dp_mix_cfg_default(&cfg, rates[r], ptimes[p]);
		cfg.max_talkers = topk ? 2 : DP_MIX_ALL;
		ck_assert_int_eq(dp_mix_init(&m, &cfg, NULL), 0);
		for (uint32_t i = 0; i < N; i++) {
			dp_mix_leg_init(&l[i], pers[i], dec[i], 0);
			for (uint32_t s = 0; s < fs; s++) {
				seed = seed * 1103515245u + 12345u;
				codes[i][s] = (uint8_t)(seed >> 20);
				in[i][s] = g711 ? dp_g711_ulaw2lin(codes[i][s]) :
					   (int16_t)(seed >> 16);
			}
		}
		for (int f = 0; f < 2; f++) {	/* the second in hangover */
			uint32_t nc;

			for (uint32_t i = 0; i < N; i++) {
				l[i].pcm = g711 ? NULL : in[i];
				l[i].g711 = g711 ? codes[i] : NULL;
				l[i].law = DP_LAW_ULAW;
				l[i].enc = g711 ? enc[i] : NULL;
				l[i].enc_law = DP_LAW_ULAW;
			}
			nc = dp_mix_frame(&m, l, N);
			ck_assert_uint_eq(nc, topk ? 2 : N);
			for (uint32_t i = 0; i < N; i++)
			for (uint32_t s = 0; s < fs; s++) {
				int64_t v = 0;

				for (uint32_t j = 0; j < N; j++)
					if (j != i && l[j].contrib)
						v += in[j][s];
				if (!l[i].contrib)
					ck_assert_int_eq(l[i].out[s], sat16(v));
				else if (g711)
					ck_assert_uint_eq(l[i].out_enc[s],
						dp_g711_lin2ulaw(sat16(v)));
				else
					ck_assert_int_eq(l[i].out[s], sat16(v));
			}
		}
	}
}
END_TEST

/* Clipping the sum before removing one's own voice would give 2767. */
START_TEST(test_mix_clips_once_after_subtracting)
{
	setup(DP_MIX_ALL, 4, false);
	for (uint32_t s = 0; s < FS; s++) {
		pcm[0][s] = pcm[1][s] = pcm[2][s] = 30000;
		pcm[3][s] = -30000;
	}
	ck_assert_uint_eq(dp_mix_frame(&M, L, 4), 4);
	for (uint32_t s = 0; s < FS; s++) {
		ck_assert_int_eq(L[0].out[s], 30000);
		ck_assert_int_eq(L[3].out[s], 32767);	/* 90000, clipped */
	}
}
END_TEST

/* K = 2 of 6 talkers: the two loudest are mixed; the other four and a
 * silent listener get the same buffer holding exactly their sum. */
START_TEST(test_mix_top_k_and_shared)
{
	static const double amp[7] = { 1000, 9000, 3000, 12000, 500, 2000, 0 };

	setup(2, 7, false);
	for (uint32_t i = 0; i < 7; i++)
		tone(i, amp[i], 0);
	ck_assert_uint_eq(dp_mix_frame(&M, L, 7), 2);
	for (uint32_t i = 0; i < 7; i++) {
		ck_assert_msg(L[i].contrib == (i == 1 || i == 3), "leg %u", i);
		ck_assert(L[i].talking == (i != 6));
	}
	for (uint32_t s = 0; s < FS; s++) {
		ck_assert_int_eq(L[1].out[s], pcm[3][s]);
		ck_assert_int_eq(L[3].out[s], pcm[1][s]);
		ck_assert_int_eq(dp_mix_buf_of(&M)->shared[s],
				 sat16(pcm[1][s] + pcm[3][s]));
	}
	for (uint32_t i = 0; i < 7; i++)
		if (!L[i].contrib)
			ck_assert_ptr_eq(L[i].out, dp_mix_buf_of(&M)->shared);
	ck_assert_uint_eq(M.st.personal_mixes, 2);
}
END_TEST

/* A talker that stops stays talking (and mixed) for the hangover, then
 * stops, with one talk_changed at each end. */
START_TEST(test_mix_hangover)
{
	uint32_t hang = M.hang_frames, changes = 0, f;

	setup(4, 2, false);
	hang = M.hang_frames;
	ck_assert_uint_eq(hang, (DP_MIX_DEFAULT_HANG_MS + 19) / 20);
	silence(1);
	for (f = 0; f < 5; f++) {
		tone(0, 8000, f);
		dp_mix_frame(&M, L, 2);
		changes += L[0].talk_changed;
		ck_assert(L[0].talking && L[0].contrib);
		ck_assert(!L[1].talking && !L[1].contrib && !L[1].talk_changed);
	}
	ck_assert_uint_eq(changes, 1);
	silence(0);
	for (f = 0; f < hang; f++) {
		dp_mix_frame(&M, L, 2);
		ck_assert_msg(L[0].talking && L[0].contrib, "frame %u", f);
		ck_assert(!L[0].talk_changed);
	}
	dp_mix_frame(&M, L, 2);
	ck_assert(!L[0].talking && !L[0].contrib && L[0].talk_changed);
	ck_assert_uint_eq(M.n_contrib, 0);
	for (uint32_t s = 0; s < FS; s++)
		ck_assert_int_eq(L[1].out[s], 0);
}
END_TEST

/* Two legs at nearly the same level, K = 1: the one mixed first keeps the
 * slot (+3 dB incumbency); a clearly louder one takes it at once, also
 * while the incumbent is in hangover. */
START_TEST(test_mix_incumbent_and_takeover)
{
	setup(1, 3, false);
	silence(2);
	tone(0, 5000, 0);
	silence(1);
	dp_mix_frame(&M, L, 3);
	ck_assert(L[0].contrib);
	for (uint32_t f = 1; f < 20; f++) {
		tone(0, 5000, f);
		tone(1, 5000 * (f & 1 ? 1.3 : 0.9), f);	/* +2.3 / -0.9 dB */
		dp_mix_frame(&M, L, 3);
		ck_assert_msg(L[0].contrib && !L[1].contrib, "frame %u", f);
	}
	tone(1, 20000, 20);	/* +12 dB */
	silence(0);		/* leg 0 in hangover */
	dp_mix_frame(&M, L, 3);
	ck_assert(L[1].contrib && !L[0].contrib && L[0].talking);
}
END_TEST

START_TEST(test_mix_mute_deaf)
{
	setup(4, 3, false);
	tone(0, 10000, 0);
	tone(1, 8000, 0);
	tone(2, 6000, 0);
	L[0].flags = DP_MIX_MUTE;
	L[1].flags = DP_MIX_DEAF;
	ck_assert_uint_eq(dp_mix_frame(&M, L, 3), 2);
	ck_assert(!L[0].contrib && L[0].talking);	/* still detected */
	ck_assert(L[1].contrib && L[1].out == NULL);	/* heard, not hearing */
	ck_assert(L[2].contrib);
	ck_assert_ptr_eq(L[0].out, dp_mix_buf_of(&M)->shared);
	for (uint32_t s = 0; s < FS; s++) {
		ck_assert_int_eq(dp_mix_buf_of(&M)->shared[s],
				 pcm[1][s] + pcm[2][s]);
		ck_assert_int_eq(L[2].out[s], pcm[1][s]);
	}
}
END_TEST

START_TEST(test_mix_gain)
{
	int16_t x[FS];

	ck_assert_int_eq(dp_mix_gain_q12(0), DP_MIX_GAIN_ONE);
	ck_assert_int_eq(dp_mix_gain_q12(-1541), 2048);	/* -6.02 dB */
	ck_assert_int_eq(dp_mix_gain_q12(1541), 8191);	/* +6.02 dB */
	ck_assert_int_eq(dp_mix_gain_q12(INT16_MAX), 32536); /* +18 dB cap */
	ck_assert_int_eq(dp_mix_gain_q12(INT16_MIN), 0);	/* -96 dB */
	setup(4, 1, false);
	for (uint32_t s = 0; s < FS; s++)
		x[s] = (int16_t)(s * 100 - 8000);
	dp_mix_apply_gain(&M, x, 2048);
	for (uint32_t s = 0; s < FS; s++)
		ck_assert_int_eq(x[s], (int16_t)(s * 50 - 4000));
	dp_mix_apply_gain(&M, x, DP_MIX_GAIN_ONE);
	ck_assert_int_eq(x[1], 50 - 4000);
}
END_TEST

/* Four loud tones: without the limiter the mix hard-clips; with it, no
 * sample after the first frame reaches full scale, it stays near the
 * ceiling, and once the voices are quiet again the gain returns to 1 and
 * the output is the plain sum, bit for bit. */
START_TEST(test_mix_limiter)
{
	uint32_t clipped_off = 0, clipped_on = 0;
	int16_t peak = 0;

	for (int lim = 0; lim < 2; lim++) {
		setup(4, 5, lim);
		silence(4);
		for (uint32_t f = 0; f < 50; f++) {
			for (uint32_t i = 0; i < 4; i++)
				tone(i, 14000, f);
			dp_mix_frame(&M, L, 5);
			for (uint32_t s = 0; s < FS; s++) {
				int16_t v = L[4].out[s];

				if (v == INT16_MAX || v == INT16_MIN) {
					if (lim && f > 0)
						clipped_on++;
					else if (!lim)
						clipped_off++;
				}
				if (lim && f > 0 && abs(v) > peak)
					peak = (int16_t)abs(v);
			}
		}
	}
	ck_assert_uint_gt(clipped_off, 500);
	ck_assert_uint_eq(clipped_on, 0);
	ck_assert_int_le(peak, (int)M.lim_ceiling + 1);
	ck_assert_int_ge(peak, (int)(M.lim_ceiling * 0.9f));
	ck_assert(M.lim_gain < 1.0f);
	ck_assert_uint_gt(M.st.limited_frames, 40);
	/* quiet again: the gain recovers within 1.5 s and then the mix is
	 * exact */
	for (uint32_t f = 50; f < 125; f++) {
		for (uint32_t i = 0; i < 4; i++)
			tone(i, 2000, f);
		dp_mix_frame(&M, L, 5);
	}
	ck_assert(M.lim_gain == 1.0f);
	for (uint32_t s = 0; s < FS; s++)
		ck_assert_int_eq(L[4].out[s], pcm[0][s] + pcm[1][s] +
				 pcm[2][s] + pcm[3][s]);
}
END_TEST

/* Legs handed in as G.711 codes give the same talkers, contributors and
 * mixes as the same frames decoded first, while the silent ones (every
 * sample below the floor) are never decoded. _i: bit 0 everyone talking
 * (DP_MIX_ALL: hangover legs decoded into the sum), bit 1 personal mixes
 * straight to codes (enc), bit 2 the limiter, bit 3 every frame's peak
 * metered beforehand (peak_hint, as tutti-dp's jitter buffers do); a
 * muted and a deaf leg. */
START_TEST(test_mix_g711_input_same_as_linear)
{
	static struct dp_mix_leg G[MAXL];
	static int16_t gpersonal[MAXL][FS], decoded[MAXL][FS], want[FS];
	static uint8_t codes[MAXL][FS], enc[MAXL][FS], want_enc[FS];
	bool all = _i & 1, to_codes = _i & 2, limiter = _i & 4, hint = _i & 8;
	const struct dp_mix_kern *k = dp_mix_kern_active();
	uint32_t n = 8, n_enc = 0;
	struct dp_mix mg;

	setup(all ? DP_MIX_ALL : 3, n, limiter);
	mg = M;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t fl = i == 2 ? DP_MIX_MUTE : i == 4 ? DP_MIX_DEAF : 0;

		dp_mix_leg_init(&G[i], gpersonal[i], decoded[i], fl);
		L[i].flags = fl;
		G[i].law = i & 1 ? DP_LAW_ALAW : DP_LAW_ULAW;
		G[i].g711 = codes[i];
		G[i].enc = to_codes ? enc[i] : NULL;
		G[i].enc_law = (uint8_t)(i % 3 == 0 ? DP_LAW_ALAW :
					 DP_LAW_ULAW);
	}
	for (uint32_t f = 0; f < 60; f++) {
		for (uint32_t i = 0; i < n; i++) {
			/* talkers come and go; leg 6 hovers at the floor,
			 * leg 7 is near-silent noise */
			bool on = ((f / (5 + i)) + i) % 3 != 0;

			if (i == 6)
				tone(i, 90 + f % 40, f);
			else if (i == 7)
				tone(i, 20, f);
			else
				tone(i, on ? 2000.0 * (i + 1) : 0, f);
			dp_g711_encode(G[i].law, codes[i], pcm[i], FS);
			dp_g711_decode(G[i].law, pcm[i], codes[i], FS);
			G[i].peak_hint = hint ? (uint8_t)(1 + k->g711_peak(
				codes[i], FS, G[i].law == DP_LAW_ULAW ? 0xff :
				0x55)) : 0;
		}
		memset(enc, 0x5a, sizeof(enc));
		ck_assert_uint_eq(dp_mix_frame(&mg, G, n),
				  dp_mix_frame(&M, L, n));
		for (uint32_t i = 0; i < n; i++) {
			ck_assert_msg(G[i].talking == L[i].talking &&
				      G[i].contrib == L[i].contrib &&
				      G[i].talk_changed == L[i].talk_changed,
				      "frame %u leg %u", f, i);
			if (G[i].out_enc == NULL) {
				ck_assert(L[i].out != personal[i] ||
					  !to_codes);
				ck_assert_int_eq(G[i].out == NULL,
						 L[i].out == NULL);
				if (G[i].out != NULL)
					ck_assert_mem_eq(G[i].out, L[i].out,
							 FS * 2);
				continue;
			}
			/* a personal mix, as codes: the same samples */
			ck_assert_ptr_eq(G[i].out_enc, enc[i]);
			ck_assert_ptr_null(G[i].out);
			ck_assert_ptr_eq(L[i].out, personal[i]);
			memcpy(want, L[i].out, sizeof(want));
			dp_g711_encode(G[i].enc_law, want_enc, want, FS);
			ck_assert_mem_eq(G[i].out_enc, want_enc, FS);
			n_enc++;
		}
	}
	ck_assert_uint_gt(mg.st.g711_silent, 60);	/* leg 7 at least */
	ck_assert_uint_gt(mg.st.g711_decoded, 100);
	ck_assert_uint_eq(mg.st.g711_decoded + mg.st.g711_silent, 60 * n);
	if (to_codes)
		ck_assert_uint_gt(n_enc, 60);
	if (limiter)
		ck_assert_uint_gt(mg.st.limited_frames, 0);
}
END_TEST

/* A peak_hint is used instead of the codes: a loud frame said to be
 * silent is taken as silent (not decoded, not mixed), and one said to be
 * loud is decoded and measured; no hint, the codes decide. */
START_TEST(test_mix_peak_hint_believed)
{
	static int16_t gpersonal[2][FS], decoded[2][FS];
	static uint8_t codes[2][FS];
	struct dp_mix_leg G[2];
	uint64_t silent0, dec0;

	setup(3, 2, false);
	for (uint32_t i = 0; i < 2; i++) {
		dp_mix_leg_init(&G[i], gpersonal[i], decoded[i], 0);
		G[i].law = DP_LAW_ULAW;
		G[i].g711 = codes[i];
		tone(i, 8000.0, 0);
		dp_g711_encode(DP_LAW_ULAW, codes[i], pcm[i], FS);
	}
	G[0].peak_hint = 1;		/* peak 0: "silent" */
	G[1].peak_hint = 1 + 127;	/* the loudest there is */
	silent0 = M.st.g711_silent;
	dec0 = M.st.g711_decoded;
	ck_assert_uint_eq(dp_mix_frame(&M, G, 2), 1);
	ck_assert(!G[0].talking && !G[0].contrib && G[0].src == NULL);
	ck_assert(G[1].talking && G[1].contrib);
	ck_assert_uint_eq(M.st.g711_silent - silent0, 1);
	ck_assert_uint_eq(M.st.g711_decoded - dec0, 1);
	/* no hint: both loud, both mixed */
	G[0].peak_hint = 0;
	ck_assert_uint_eq(dp_mix_frame(&M, G, 2), 2);
	ck_assert(G[0].talking && G[0].contrib);
}
END_TEST

START_TEST(test_mix_bad_config)
{
	struct dp_mix_cfg cfg;

	dp_mix_cfg_default(&cfg, 8000, 20);
	cfg.rate_hz = 48000;
	ck_assert_int_eq(dp_mix_init(&M, &cfg, NULL), -EINVAL);
	dp_mix_cfg_default(&cfg, 16000, 25);
	ck_assert_int_eq(dp_mix_init(&M, &cfg, NULL), -EINVAL);
	dp_mix_cfg_default(&cfg, 16000, 40);
	cfg.max_talkers = 0;
	ck_assert_int_eq(dp_mix_init(&M, &cfg, NULL), -EINVAL);
	cfg.max_talkers = DP_MIX_MAX_K + 1;
	ck_assert_int_eq(dp_mix_init(&M, &cfg, NULL), -EINVAL);
	cfg.max_talkers = DP_MIX_MAX_K;
	ck_assert_int_eq(dp_mix_init(&M, &cfg, NULL), 0);
	ck_assert_uint_eq(M.frame_samples, 640);
}
END_TEST

/* Two PCMU listeners and a PCMA one: one encode per codec per frame, the
 * same bytes for both PCMU listeners; L16 at 48 kHz resampled once. */
START_TEST(test_mix_enc_once_per_codec)
{
	static struct dp_mix_enc e;
	int16_t shared[FS];
	uint8_t want[FS];
	const uint8_t *p1, *p2, *pa, *pl;
	uint32_t len;
	int u1, u2, a, l16;

	ck_assert_int_eq(dp_mix_enc_init(&e, 8000, 20), 0);
	u1 = dp_mix_enc_ref(&e, SHM_CODEC_PCMU, 8000);
	u2 = dp_mix_enc_ref(&e, SHM_CODEC_PCMU, 8000);
	a = dp_mix_enc_ref(&e, SHM_CODEC_PCMA, 8000);
	l16 = dp_mix_enc_ref(&e, SHM_CODEC_L16, 48000);
	ck_assert_int_ge(u1, 0);
	ck_assert_int_eq(u1, u2);
	ck_assert_int_ne(a, u1);
	ck_assert_int_ge(l16, 0);
	ck_assert_int_eq(dp_mix_enc_ref(&e, SHM_CODEC_PCMU, 16000), -EINVAL);
	for (uint32_t f = 0; f < 3; f++) {
		for (uint32_t s = 0; s < FS; s++)
			shared[s] = (int16_t)((s * 397 + f * 1000) % 20000);
		p1 = dp_mix_enc_shared(&e, u1, shared, f, &len);
		ck_assert_uint_eq(len, FS);
		p2 = dp_mix_enc_shared(&e, u2, shared, f, &len);
		pa = dp_mix_enc_shared(&e, a, shared, f, &len);
		pl = dp_mix_enc_shared(&e, l16, shared, f, &len);
		ck_assert_uint_eq(len, 960 * 2);
		ck_assert_ptr_eq(p1, p2);
		dp_g711_encode(DP_LAW_ULAW, want, shared, FS);
		ck_assert_mem_eq(p1, want, FS);
		dp_g711_encode(DP_LAW_ALAW, want, shared, FS);
		ck_assert_mem_eq(pa, want, FS);
		ck_assert_ptr_nonnull(pl);
	}
	ck_assert_uint_eq(e.n_encodes, 9);	/* 3 slots x 3 frames */
	/* references: the PCMA slot is shared, then freed and reused */
	ck_assert_int_eq(dp_mix_enc_ref(&e, SHM_CODEC_PCMA, 8000), a);
	dp_mix_enc_unref(&e, a);
	ck_assert_uint_eq(e.slot[a].refs, 1);
	dp_mix_enc_unref(&e, a);
	ck_assert_uint_eq(e.slot[a].refs, 0);
	/* ... by a codec with a larger frame: its payload grows with it
	 * (ASan: no write past the PCMA slot's 192 bytes) */
	ck_assert_uint_eq(e.slot[a].cap, 192);
	ck_assert_int_eq(dp_mix_enc_ref(&e, SHM_CODEC_L16, 32000), a);
	ck_assert_uint_eq(e.slot[a].cap, 1280);
	ck_assert_ptr_nonnull(dp_mix_enc_shared(&e, a, shared, 3, &len));
	ck_assert_uint_eq(len, 1280);
	ck_assert_int_eq(dp_mix_enc_ref(&e, 9, 8000), -EINVAL);
	ck_assert_int_eq(dp_mix_enc_ref(&e, SHM_CODEC_L16, 11025), -EINVAL);
	dp_mix_enc_fini(&e);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("mix");
	TCase *tc = tcase_create("mixer");

	tcase_add_test(tc, test_mix_n_minus_one_exact);
	tcase_add_test(tc, test_mix_n_minus_one_every_length);
	tcase_add_test(tc, test_mix_clips_once_after_subtracting);
	tcase_add_test(tc, test_mix_top_k_and_shared);
	tcase_add_test(tc, test_mix_hangover);
	tcase_add_test(tc, test_mix_incumbent_and_takeover);
	tcase_add_test(tc, test_mix_mute_deaf);
	tcase_add_test(tc, test_mix_gain);
	tcase_add_test(tc, test_mix_limiter);
	tcase_add_loop_test(tc, test_mix_g711_input_same_as_linear, 0, 16);
	tcase_add_test(tc, test_mix_peak_hint_believed);
	tcase_add_test(tc, test_mix_bad_config);
	suite_add_tcase(s, tc);
	tc = tcase_create("encode");
	tcase_add_test(tc, test_mix_enc_once_per_codec);
	suite_add_tcase(s, tc);
	return s;
}
