/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tick.c: a conference's media path without packets: RTP payloads into
 * dp_tick_rx() as a phone would send them, dp_tick_run() every 20 ms, and
 * what each leg is sent checked as the phone would hear it (SpanDSP's
 * Goertzel filter), with its RTP fields: each leg hears the others' tones
 * and not its own, silent listeners get the shared payload, sequence and
 * timestamps run on, the marker starts a spurt; loss is concealed; RFC 4733
 * digits, talker changes and media timeouts come out as events; an L16 leg
 * at 16 kHz and a 40 ms leg in a 20 ms conference; phones sending 10, 30
 * and 40 ms packets into 20 ms ticks; directions and unknown
 * payload types. Unit test, no DPDK.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <check.h>
#include <spandsp.h>

#include "check_main.h"
#include "g711.h"
#include "l16.h"
#include "mem.h"
#include "tick.h"

#define US	1000000u	/* clock: microseconds */
#define TICK_US	20000u
#define MAXL	9
#define HEARD_MAX	(48000 * 2)	/* 2 s at up to 48 kHz */

struct phone {
	struct shm_msg_leg cfg;
	struct dp_tick_leg *lg;
	double freq;		/* its tone, 0 = silent */
	bool noise;		/* instead: noise (noise_sample()) */
	bool low;		/* noise at 1/200: below the mixer's floor */
	uint8_t send_ms;	/* its own packet time (0: 20 ms) */
	uint8_t wire[5760];	/* captured, not sent yet: < 60 ms */
	uint32_t n_wire;	/* samples in wire */
	uint16_t seq;
	uint32_t ts;
	uint64_t phase;		/* samples sent */
	bool mute_tx;		/* stops sending (loss, timeout) */
	/* what it received */
	uint32_t n_pkts, n_shared, n_marker;
	bool have_last;
	uint16_t last_seq;
	uint32_t last_ts;
	uint32_t bad_seq, bad_ts, bad_hdr;
	int16_t heard[HEARD_MAX];
	uint32_t n_heard;
};

static struct dp_tick_conf C;
static struct phone P[MAXL];
static uint32_t n_phones;
static struct shm_msg evts[256];
static uint32_t n_evts;

/* the next refuse_n events of type refuse_type are refused with refuse_rc
 * (as the packet layer's on a full event ring, or with no control plane) */
static int refuse_rc;
static uint16_t refuse_type;
static uint32_t refuse_n, n_refused;
static uint32_t room;	/* before that: this many refuse_type taken */

/* From now: the next n events of this type refused with rc. */
static void
refuse(uint16_t type, int rc, uint32_t n)
{
	refuse_type = type;
	refuse_rc = rc;
	refuse_n = n;
	n_refused = 0;
}

static int
on_evt(void *arg, const struct shm_msg *m)
{
	(void)arg;
	if (m->hdr.type == refuse_type && room > 0) {
		room--;
	} else if (m->hdr.type == refuse_type && refuse_n > 0) {
		refuse_n--;
		n_refused++;
		return refuse_rc;
	}
	ck_assert_uint_lt(n_evts, 256);
	evts[n_evts++] = *m;
	return 0;
}

static void
on_send(void *arg, const struct dp_tick_out *o)
{
	struct phone *p = o->ctx;
	uint32_t samples = p->cfg.codec == SHM_CODEC_L16 ? o->len_bytes / 2 :
			   o->len_bytes;

	(void)arg;
	p->n_pkts++;
	p->n_shared += o->shared;
	p->n_marker += o->marker;
	if (o->ssrc != p->cfg.ssrc || o->pt != p->cfg.pt ||
	    o->leg_id != p->cfg.leg_id)
		p->bad_hdr++;
	if (p->have_last && (uint16_t)(p->last_seq + 1) != o->seq)
		p->bad_seq++;
	if (p->have_last && o->ts - p->last_ts != samples)
		p->bad_ts++;
	p->have_last = true;
	p->last_seq = o->seq;
	p->last_ts = o->ts;
	if (p->n_heard + samples > HEARD_MAX)
		return;
	if (p->cfg.codec == SHM_CODEC_L16)
		dp_l16_decode(p->heard + p->n_heard, o->payload, samples);
	else
		dp_g711_decode(p->cfg.codec == SHM_CODEC_PCMA ? DP_LAW_ALAW :
			       DP_LAW_ULAW, p->heard + p->n_heard, o->payload,
			       samples);
	p->n_heard += samples;
}

static void
conf_setup(uint32_t rate, uint8_t k)
{
	struct shm_msg_conf cc = { .rate_hz = rate, .ptime_ms = 20,
				   .n_talkers = k };

	memset(P, 0, sizeof(P));
	n_phones = 0;
	n_evts = 0;
	ck_assert_int_eq(dp_tick_conf_init(&C, 77, &cc, US, NULL), 0);
}

static struct phone *
phone_add_to(struct dp_tick_conf *c, uint8_t codec, uint32_t rate,
	     uint8_t ptime, double freq)
{
	struct phone *p = &P[n_phones];
	int err;

	p->cfg = (struct shm_msg_leg){
		.leg_id = 100 + n_phones,
		.ssrc = 0xabc000u + n_phones,
		.codec = codec,
		.pt = codec == SHM_CODEC_PCMA ? 8 :
		      codec == SHM_CODEC_PCMU ? 0 : 96,
		.dtmf_pt = 101,
		.dir = SHM_DIR_SENDRECV,
		.rate_hz = rate,
		.ptime_ms = ptime,
		.timeout_ms = 500,
	};
	p->freq = freq;
	p->seq = (uint16_t)(65530 + n_phones);	/* wraps soon */
	p->ts = 0xfffff000u;
	p->lg = dp_tick_leg_add(c, &p->cfg, p, 0, &err);
	ck_assert_msg(p->lg != NULL, "leg add: %d", err);
	n_phones++;
	return p;
}

static struct phone *
phone_add(uint8_t codec, uint32_t rate, uint8_t ptime, double freq)
{
	return phone_add_to(&C, codec, rate, ptime, freq);
}

/* A conference at 8 kHz of two PCMU phones: the first sending a tone of
 * freq (0: silence), returned; the second, silent, at P[1]. */
static struct phone *
two_phones(double freq)
{
	struct phone *a;

	conf_setup(8000, 0);
	a = phone_add(SHM_CODEC_PCMU, 8000, 20, freq);
	phone_add(SHM_CODEC_PCMU, 8000, 20, 0);
	return a;
}

/* Sample n of a phone's noise: loud, the same on every run. */
static int16_t
noise_sample(uint64_t n)
{
	uint32_t x = (uint32_t)n * 2654435761u;

	x ^= x >> 15;
	x *= 2246822519u;
	x ^= x >> 13;
	return (int16_t)((int32_t)(x & 0x3fffu) - 0x2000);
}

/* The phone captures 20 ms of its tone (or silence) and sends it in
 * packets of its own packet time (send_ms): none, one or more. */
static void
phone_send(struct phone *p, uint64_t now)
{
	uint32_t n = p->cfg.rate_hz / 50;
	uint32_t bps = p->cfg.codec == SHM_CODEC_L16 ? 2 : 1;
	uint32_t pkt_n = p->cfg.rate_hz * (p->send_ms ? p->send_ms : 20u) /
			 1000u;
	int16_t pcm[960];
	struct dp_jitter_pkt pkt;

	for (uint32_t s = 0; s < n; s++, p->phase++)
		pcm[s] = p->noise ? (int16_t)(noise_sample(p->phase) /
					      (p->low ? 200 : 1)) :
			 p->freq > 0 ? (int16_t)lrint(6000.0 * sin(2.0 * M_PI *
			p->freq * (double)p->phase / p->cfg.rate_hz)) : 0;
	ck_assert_uint_le((p->n_wire + n) * bps, sizeof(p->wire));
	if (p->cfg.codec == SHM_CODEC_L16)
		dp_l16_encode(p->wire + p->n_wire * bps, pcm, n);
	else
		dp_g711_encode(p->cfg.codec == SHM_CODEC_PCMA ? DP_LAW_ALAW :
			       DP_LAW_ULAW, p->wire + p->n_wire, pcm, n);
	p->n_wire += n;
	while (p->n_wire >= pkt_n) {
		pkt = (struct dp_jitter_pkt){
			.payload = p->wire, .len_bytes = pkt_n * bps,
			.ssrc = 0x5000u + p->cfg.leg_id, .ts = p->ts,
			.seq = p->seq,
		};
		p->seq++;
		p->ts += pkt_n;
		if (!p->mute_tx)
			ck_assert_int_eq(dp_tick_rx(p->lg, p->cfg.pt, &pkt,
						    now, on_evt, NULL),
					 DP_TICK_RX_OK);
		p->n_wire -= pkt_n;
		memmove(p->wire, p->wire + pkt_n * bps, p->n_wire * bps);
	}
}

/* Run n ticks: every phone sends, then the focus ticks. */
static uint64_t
run(uint64_t t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, t += TICK_US) {
		for (uint32_t j = 0; j < n_phones; j++)
			phone_send(&P[j], t);
		dp_tick_run(&C, t + TICK_US / 2, on_send, on_evt, NULL);
	}
	return t;
}

static double
level_db(const struct phone *p, double freq, uint32_t skip, double ref)
{
	goertzel_descriptor_t d;
	goertzel_state_t s;
	uint32_t n = p->n_heard - skip;

	/* SpanDSP's Goertzel assumes 8 kHz: scale the frequency */
	make_goertzel_descriptor(&d, (float)(freq * 8000.0 / p->cfg.rate_hz),
				 (int)n);
	goertzel_init(&s, &d);
	goertzel_update(&s, p->heard + skip, (int)n);
	return 10.0 * log10((goertzel_result(&s) + 1e-9) / ref);
}

/* Power of a 6000-amplitude tone over n samples, the reference. */
static double
ref_power(double freq, uint32_t rate, uint32_t n)
{
	static int16_t x[HEARD_MAX];
	goertzel_descriptor_t d;
	goertzel_state_t s;

	for (uint32_t i = 0; i < n; i++)
		x[i] = (int16_t)lrint(6000.0 * sin(2.0 * M_PI * freq * i /
						   rate));
	make_goertzel_descriptor(&d, (float)(freq * 8000.0 / rate), (int)n);
	goertzel_init(&s, &d);
	goertzel_update(&s, x, (int)n);
	return goertzel_result(&s);
}

static uint32_t
count_evts(uint16_t type)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < n_evts; i++)
		n += evts[i].hdr.type == type;
	return n;
}

START_TEST(test_tick_each_hears_the_others)
{
	static const double f[3] = { 450.0, 800.0, 1300.0 };
	uint64_t t;

	conf_setup(8000, 0);
	phone_add(SHM_CODEC_PCMU, 8000, 20, f[0]);
	phone_add(SHM_CODEC_PCMA, 8000, 20, f[1]);
	phone_add(SHM_CODEC_PCMU, 8000, 20, f[2]);
	phone_add(SHM_CODEC_PCMU, 8000, 20, 0);		/* listens */
	phone_add(SHM_CODEC_PCMA, 8000, 20, 0);		/* listens */
	t = run(0, 100);
	(void)t;
	for (uint32_t i = 0; i < n_phones; i++) {
		struct phone *p = &P[i];
		uint32_t skip = 8000 / 2;	/* after the buffer filled */

		ck_assert_uint_eq(p->n_pkts, 100);
		ck_assert_uint_eq(p->bad_seq + p->bad_ts + p->bad_hdr, 0);
		ck_assert_uint_eq(p->n_marker, 1);
		for (int t2 = 0; t2 < 3; t2++) {
			uint32_t n = p->n_heard - skip;
			double db = level_db(p, f[t2], skip,
					     ref_power(f[t2], 8000, n));

			if ((uint32_t)t2 == i)
				ck_assert_msg(db < -40.0, "leg %u hears itself"
					      " at %.1f dB", i, db);
			else
				ck_assert_msg(fabs(db) < 1.0, "leg %u hears "
					      "%d at %.1f dB", i, t2, db);
		}
	}
	/* the two listeners: the shared payload once sound flowed */
	ck_assert_uint_gt(P[3].n_shared, 90);
	ck_assert_uint_gt(P[4].n_shared, 90);
	/* a talker only before its own voice starts (the buffer's depth) */
	ck_assert_uint_eq(P[0].n_shared, DP_TICK_JITTER_MS / 20);
	ck_assert_uint_eq(C.st.frames + C.st.empty, 100 * 5);
	ck_assert_uint_eq(count_evts(SHM_EVT_TALKER), 3);
	ck_assert_uint_eq(count_evts(SHM_EVT_MEDIA_TIMEOUT), 0);
	/* every G.711 frame came to the mixer metered, each law with its
	 * own mask: the tones loud, the listeners' silence at peak 0 */
	for (uint32_t i = 0; i < n_phones; i++) {
		const struct dp_mix_leg *ml = &C.ml[P[i].lg->idx];

		if (P[i].freq > 0)
			ck_assert_uint_gt(ml->peak_hint,
					  C.mix.loud_thr[ml->law & 1]);
		else
			ck_assert_uint_eq(ml->peak_hint, 1);
	}
	ck_assert_uint_ge(C.mix.st.g711_silent, 2 * 90);
	dp_tick_conf_fini(&C);
}
END_TEST

/* Phones that do not send the conference's packet time are heard, and
 * hear: 10, 30 and 40 ms packets into 20 ms ticks (the jitter buffer
 * assembles each tick's frame from its grains). */
START_TEST(test_tick_other_packet_times_heard)
{
	static const double f[3] = { 450.0, 800.0, 1300.0 };
	static const uint8_t send_ms[4] = { 10, 30, 40, 30 };

	conf_setup(8000, 0);
	for (uint32_t i = 0; i < 4; i++)
		phone_add(i % 2 ? SHM_CODEC_PCMA : SHM_CODEC_PCMU, 8000, 20,
			  i < 3 ? f[i] : 0)->send_ms = send_ms[i];
	run(0, 150);
	for (uint32_t i = 0; i < n_phones; i++) {
		struct phone *p = &P[i];
		const struct dp_jitter_stats *js =
			dp_jitter_stats(&p->lg->jb);
		uint32_t skip = 8000 / 2;

		ck_assert_uint_eq(p->n_pkts, 150);
		ck_assert_uint_eq(p->bad_seq + p->bad_ts + p->bad_hdr, 0);
		ck_assert_uint_eq(js->n_partial, 0);
		for (uint32_t d = 0; d < DP_JITTER_DROP_MAX_; d++)
			ck_assert_uint_eq(js->n_drop[d], 0);
		for (uint32_t t2 = 0; t2 < 3; t2++) {
			double db = level_db(p, f[t2], skip,
					     ref_power(f[t2], 8000,
						       p->n_heard - skip));

			if (t2 == i)
				ck_assert_msg(db < -40.0, "leg %u (%u ms) "
					      "hears itself at %.1f dB", i,
					      send_ms[i], db);
			else
				ck_assert_msg(fabs(db) < 1.0, "leg %u hears "
					      "%u (%u ms) at %.1f dB", i, t2,
					      send_ms[t2], db);
		}
	}
	ck_assert_uint_eq(C.st.rx_drop[DP_TICK_RX_JITTER], 0);
	dp_tick_conf_fini(&C);
}
END_TEST

/* An L16 16 kHz leg in an 8 kHz conference and a 40 ms PCMU leg. */
START_TEST(test_tick_rates_and_ptimes)
{
	struct phone *wide, *slow;

	conf_setup(8000, 0);
	wide = phone_add(SHM_CODEC_L16, 16000, 20, 700.0);
	slow = phone_add(SHM_CODEC_PCMU, 8000, 40, 1100.0);
	run(0, 100);
	ck_assert_uint_eq(wide->n_pkts, 100);
	ck_assert_uint_eq(slow->n_pkts, 50);		/* one per 40 ms */
	ck_assert_uint_eq(slow->bad_seq + slow->bad_ts + wide->bad_ts, 0);
	ck_assert_uint_eq(wide->n_heard, 100 * 320);
	ck_assert_uint_eq(slow->n_heard, 50 * 320);
	{
		double db = level_db(wide, 1100.0, 8000, ref_power(1100.0,
				     16000, wide->n_heard - 8000));

		ck_assert_msg(fabs(db) < 1.5, "wide hears slow at %.2f dB", db);
	}
	ck_assert(fabs(level_db(slow, 700.0, 4000, ref_power(700.0, 8000,
		  slow->n_heard - 4000))) < 1.5);
	ck_assert(level_db(wide, 700.0, 8000, ref_power(700.0, 16000,
		  wide->n_heard - 8000)) < -40.0);
	dp_tick_conf_fini(&C);
}
END_TEST

/* A media timeout the control plane had no room for (-ENOBUFS) is said
 * again at each tick until it is taken, and then not again; one refused
 * otherwise (-ENOTCONN: no control plane) is said once. */
START_TEST(test_tick_timeout_said_again_when_no_room)
{
	struct phone *a;
	uint64_t t;

	a = two_phones(600.0);
	t = run(0, 20);
	refuse(SHM_EVT_MEDIA_TIMEOUT, -ENOBUFS, 3);
	a->mute_tx = true;
	t = run(t, 40);		/* 800 ms: past 500 ms */
	ck_assert_uint_eq(n_refused, 3);
	ck_assert_uint_eq(count_evts(SHM_EVT_MEDIA_TIMEOUT), 1);
	a->mute_tx = false;
	t = run(t, 10);
	refuse(SHM_EVT_MEDIA_TIMEOUT, -ENOTCONN, 1);
	a->mute_tx = true;
	run(t, 40);
	ck_assert_uint_eq(n_refused, 1);
	ck_assert_uint_eq(refuse_n, 0);
	ck_assert_uint_eq(count_evts(SHM_EVT_MEDIA_TIMEOUT), 1);
	dp_tick_conf_fini(&C);
}
END_TEST

/* Lost packets: concealed (the listener still hears the tone), and after
 * the timeout one MEDIA_TIMEOUT; sending again re-arms it. */
START_TEST(test_tick_loss_and_timeout)
{
	struct phone *a, *b;
	uint64_t t;
	uint64_t concealed;

	a = two_phones(600.0);
	b = &P[1];
	t = run(0, 50);
	concealed = C.st.concealed;
	a->mute_tx = true;
	t = run(t, 1);		/* one lost packet */
	a->mute_tx = false;
	t = run(t, 10);
	ck_assert_uint_eq(C.st.concealed - concealed, 1);
	ck_assert_uint_eq(count_evts(SHM_EVT_MEDIA_TIMEOUT), 0);
	a->mute_tx = true;
	t = run(t, 40);		/* 800 ms: past 500 ms */
	ck_assert_uint_eq(count_evts(SHM_EVT_MEDIA_TIMEOUT), 1);
	ck_assert_uint_eq(evts[n_evts - 1].hdr.type == SHM_EVT_TALKER ||
			  evts[n_evts - 1].hdr.type ==
			  SHM_EVT_MEDIA_TIMEOUT, 1);
	a->mute_tx = false;
	t = run(t, 10);
	a->mute_tx = true;
	run(t, 40);
	ck_assert_uint_eq(count_evts(SHM_EVT_MEDIA_TIMEOUT), 2);
	for (uint32_t i = 0; i < n_evts; i++)
		if (evts[i].hdr.type == SHM_EVT_MEDIA_TIMEOUT) {
			ck_assert_uint_eq(evts[i].body.timeout.leg_id,
					  a->cfg.leg_id);
			ck_assert_uint_ge(evts[i].body.timeout.idle_ms, 500);
			ck_assert_uint_eq(evts[i].hdr.conf_id, 77);
		}
	ck_assert_uint_eq(b->bad_seq + b->bad_ts, 0);
	dp_tick_conf_fini(&C);
}
END_TEST

/* Frames of 160 samples in what p heard from sample `from` on that are
 * silent (all zero). */
static uint32_t
silent_frames(const struct phone *p, uint32_t from)
{
	uint32_t n = 0;

	for (uint32_t f = from; f + 160 <= p->n_heard; f += 160) {
		bool silent = true;

		for (uint32_t i = 0; i < 160 && silent; i++)
			silent = p->heard[f + i] == 0;
		n += silent;
	}
	return n;
}

/* Run n ticks; before each, shed_plc is set once `concealed` has grown
 * past c0 (a loss that began on time, going on behind time), or always
 * (`always`). */
static uint64_t
run_shed(uint64_t t, uint32_t n, bool always, uint64_t c0)
{
	for (uint32_t i = 0; i < n; i++, t += TICK_US) {
		for (uint32_t j = 0; j < n_phones; j++)
			phone_send(&P[j], t);
		C.shed_plc = always || C.st.concealed > c0;
		dp_tick_run(&C, t + TICK_US / 2, on_send, on_evt, NULL);
	}
	C.shed_plc = false;
	return t;
}

/* Behind time (shed_plc), a loss that begins is not concealed: the
 * listener hears one silent frame where it would have heard the tone made
 * up, the tone again after, and plc_shed counts it; a loss already being
 * concealed goes on being concealed. */
START_TEST(test_tick_plc_shed_behind_time)
{
	struct phone *a, *b;
	uint64_t t, c0;
	uint32_t from;

	a = two_phones(600.0);
	b = &P[1];
	t = run(0, 50);
	ck_assert_uint_eq(silent_frames(b, 160 * 20), 0);

	/* on time: one lost packet is concealed, nothing silent */
	from = b->n_heard;
	c0 = C.st.concealed;
	a->mute_tx = true;
	t = run(t, 1);
	a->mute_tx = false;
	t = run(t, 10);
	ck_assert_uint_eq(C.st.concealed - c0, 1);
	ck_assert_uint_eq(C.st.plc_shed, 0);
	ck_assert_uint_eq(silent_frames(b, from), 0);

	/* behind time: the same loss is one silent frame, counted */
	from = b->n_heard;
	c0 = C.st.concealed;
	a->mute_tx = true;
	t = run_shed(t, 1, true, 0);
	a->mute_tx = false;
	t = run_shed(t, 10, true, 0);
	ck_assert_uint_eq(C.st.concealed - c0, 1);
	ck_assert_uint_eq(C.st.plc_shed, 1);
	ck_assert_uint_eq(silent_frames(b, from), 1);
	/* good frames behind time are played as ever: the tone is back */
	from = b->n_heard;
	t = run_shed(t, 10, true, 0);
	ck_assert_uint_eq(silent_frames(b, from), 0);
	ck_assert(level_db(b, 600.0, from, ref_power(600.0, 8000,
		  b->n_heard - from)) > -3.0);

	/* a loss of two frames that began on time and goes on behind time:
	 * both concealed (within DP_PLC_FADE_MS), nothing shed */
	from = b->n_heard;
	c0 = C.st.concealed;
	a->mute_tx = true;
	t = run_shed(t, 2, false, c0);
	a->mute_tx = false;
	t = run_shed(t, 10, false, c0);
	ck_assert_uint_eq(C.st.concealed - c0, 2);
	ck_assert_uint_eq(C.st.plc_shed, 1);
	ck_assert_uint_eq(silent_frames(b, from), 0);
	ck_assert_uint_eq(b->bad_seq + b->bad_ts, 0);
	dp_tick_conf_fini(&C);
}
END_TEST

/* What a noise phone sends as frame f (20 ms at 8 kHz), through PCMU
 * and back. */
static void
noise_frame(uint32_t f, int16_t *out)
{
	int16_t pcm[160];
	uint8_t code[160];

	for (uint32_t s = 0; s < 160; s++)
		pcm[s] = noise_sample(f * 160 + s);
	dp_g711_encode(DP_LAW_ULAW, code, pcm, 160);
	dp_g711_decode(DP_LAW_ULAW, out, code, 160);
}

/* The tick feeds the concealer's history only before it is used (a loss,
 * or a frame that is not the mixer's to decode). What a listener hears for
 * a talker's lost packets must still be what SpanDSP makes of everything
 * the talker sent before, fed frame by frame as it played: losses after
 * 30 frames, two frames after a recovery (one frame deferred), and two in
 * a row. The talker sends noise, so that every sample of the history
 * counts (SpanDSP finds the pitch over all of it). Every frame the
 * listener hears is checked, sample by sample. */
START_TEST(test_tick_plc_history_as_fed_eagerly)
{
	enum { F = 60 };
	static int16_t want[F][160];
	static const bool lost[F] = { [30] = true, [33] = true, [40] = true,
				      [41] = true };
	struct dp_plc ref;
	struct phone *a, *b;
	uint64_t t = 0;
	uint32_t d, from;
	uint8_t code[160];

	/* eagerly, as the talker's frames play */
	dp_plc_init(&ref);
	for (uint32_t f = 0; f < F; f++) {
		if (lost[f]) {
			dp_plc_fill(&ref, want[f], 160);
		} else {
			noise_frame(f, want[f]);
			dp_plc_good(&ref, want[f], 160);
		}
		dp_g711_encode(DP_LAW_ULAW, code, want[f], 160);
		dp_g711_decode(DP_LAW_ULAW, want[f], code, 160);
	}

	conf_setup(8000, 0);
	a = phone_add(SHM_CODEC_PCMU, 8000, 20, 0);
	a->noise = true;
	b = phone_add(SHM_CODEC_PCMU, 8000, 20, 0);
	for (uint32_t f = 0; f < F + 10; f++) {
		a->mute_tx = f < F && lost[f];
		t = run(t, 1);
	}
	ck_assert_uint_eq(C.st.concealed, 4);
	ck_assert_uint_eq(b->n_heard, (F + 10) * 160);
	/* the jitter buffer's delay: where frame 1 is heard */
	for (d = 0; d < 10; d++)
		if (memcmp(b->heard + (1 + d) * 160, want[1],
			   sizeof(want[1])) == 0)
			break;
	ck_assert_uint_lt(d, 10);
	for (uint32_t f = 1; f < F; f++) {
		from = (f + d) * 160;
		for (uint32_t i = 0; i < 160; i++)
			ck_assert_msg(b->heard[from + i] == want[f][i],
				      "frame %u%s, sample %u: heard %d, "
				      "SpanDSP fed eagerly %d", f,
				      lost[f] ? " (lost)" : "", i,
				      b->heard[from + i], want[f][i]);
	}
	dp_tick_conf_fini(&C);
}
END_TEST

/* Quiet frames (jitter.h): a frame the mixer will not read is not copied
 * into the jitter buffer. Whether or not it is copied, every leg must hear
 * exactly the same thing. Five phones (one PCMA) talk in turn: a tone for
 * 20 ticks, then noise below the floor (which the mixer reads only in the
 * 15 ticks of hangover), then digital silence, with packets lost in the
 * hangover, just after it, and in the silence. Run once as the tick sets
 * it up, and once with the jitter buffers told after every tick to keep
 * every frame's bytes; each phone's every sample must be the same. With
 * the two loudest mixed, and with everyone (a leg in hangover is decoded
 * straight into the sum). */
static void
quiet_run(uint8_t k, bool keep, int16_t (*heard)[HEARD_MAX],
	  uint64_t *n_quiet)
{
	enum { T = 300, PERIOD = 60 };
	uint64_t t = 0;

	conf_setup(8000, k);
	for (uint32_t j = 0; j < 5; j++)
		phone_add(j == 3 ? SHM_CODEC_PCMA : SHM_CODEC_PCMU, 8000, 20,
			  0);
	for (uint32_t f = 0; f < T; f++) {
		for (uint32_t j = 0; j < 5; j++) {
			struct phone *p = &P[j];
			uint32_t ph = (f + 15 * j) % PERIOD;

			p->freq = ph < 20 ? 300.0 + 110.0 * j : 0;
			p->noise = ph >= 20 && ph < 45;
			p->low = true;
			p->mute_tx = ph == 22 || ph == 23 || ph == 33 + j ||
				     ph == 41 || ph == 50;
		}
		t = run(t, 1);
		for (uint32_t j = 0; keep && j < 5; j++)
			dp_jitter_set_quiet(&P[j].lg->jb, 0, false);
	}
	*n_quiet = 0;
	for (uint32_t j = 0; j < 5; j++) {
		ck_assert_uint_eq(P[j].n_heard, T * 160);
		memcpy(heard[j], P[j].heard, T * 160 * sizeof(int16_t));
		*n_quiet += dp_jitter_stats(&P[j].lg->jb)->n_quiet;
	}
	ck_assert_uint_gt(C.st.concealed, 0);
	dp_tick_conf_fini(&C);
}

START_TEST(test_tick_quiet_frames_heard_the_same)
{
	static const uint8_t k[2] = { 2, 255 };	/* 255: everyone */
	static int16_t quiet[5][HEARD_MAX], kept[5][HEARD_MAX];
	uint64_t n_quiet, n_kept;
	uint32_t talked = 0;

	quiet_run(k[_i], false, quiet, &n_quiet);
	quiet_run(k[_i], true, kept, &n_kept);
	/* many frames were quiet (up to 25 of every 60: after the
	 * hangover, less the lost ones and those around them); none with
	 * the bytes kept */
	ck_assert_uint_gt(n_quiet, 5 * 300 * 15 / 60);
	ck_assert_uint_eq(n_kept, 0);
	for (uint32_t j = 0; j < 5; j++) {
		uint32_t i;

		for (i = 0; i < 300 * 160 && quiet[j][i] == kept[j][i]; i++)
			talked += quiet[j][i] != 0;
		ck_assert_msg(i == 300 * 160, "phone %u, sample %u (frame "
			      "%u): %d with quiet frames, %d without", j, i,
			      i / 160, i < 300 * 160 ? quiet[j][i] : 0,
			      i < 300 * 160 ? kept[j][i] : 0);
	}
	/* and it was not all silence */
	ck_assert_uint_gt(talked, 5 * 300 * 160 / 4);
}
END_TEST

/* RFC 4733: digit 5 for 100 ms with three end packets: one event. */
START_TEST(test_tick_rfc4733_digit)
{
	struct phone *a;
	uint8_t ev[4];
	struct dp_jitter_pkt pkt = { .payload = ev, .len_bytes = 4,
				     .ssrc = 1, .ts = 8000 };

	conf_setup(8000, 0);
	a = phone_add(SHM_CODEC_PCMU, 8000, 20, 0);
	for (int i = 1; i <= 8; i++) {
		uint16_t dur = (uint16_t)(i <= 5 ? i * 160 : 800);

		ev[0] = 5;
		ev[1] = (uint8_t)((i >= 5 ? 0x80 : 0) | 10);
		ev[2] = (uint8_t)(dur >> 8);
		ev[3] = (uint8_t)dur;
		pkt.seq = (uint16_t)i;
		pkt.marker = i == 1;
		ck_assert_int_eq(dp_tick_rx(a->lg, 101, &pkt, i * TICK_US,
					    on_evt, NULL), DP_TICK_RX_OK);
	}
	ck_assert_uint_eq(count_evts(SHM_EVT_DTMF), 1);
	ck_assert_int_eq(evts[0].body.dtmf.digit, '5');
	ck_assert_uint_eq(evts[0].body.dtmf.duration_ms, 100);
	ck_assert_uint_eq(evts[0].body.dtmf.leg_id, a->cfg.leg_id);
	/* an unknown payload type is refused and counted */
	pkt.seq = 9;
	ck_assert_int_eq(dp_tick_rx(a->lg, 99, &pkt, 9 * TICK_US, on_evt,
				    NULL), DP_TICK_RX_BAD_PT);
	ck_assert_uint_eq(C.st.rx_drop[DP_TICK_RX_BAD_PT], 1);
	dp_tick_conf_fini(&C);
}
END_TEST

/* Digit c pressed on p at time t as RFC 4733 event k (its own timestamp):
 * the start, then three end packets at 100 ms. */
static void
press(struct phone *p, char c, uint32_t k, uint64_t t)
{
	uint8_t ev[4];
	struct dp_jitter_pkt pkt = { .payload = ev, .len_bytes = 4,
				     .ssrc = 1, .ts = 8000 + k * 1600 };

	for (uint32_t i = 0; i < 4; i++) {
		uint16_t dur = (uint16_t)(i == 0 ? 160 : 800);

		ev[0] = (uint8_t)(c == '*' ? 10 : c == '#' ? 11 : c - '0');
		ev[1] = (uint8_t)((i > 0 ? 0x80 : 0) | 10);
		ev[2] = (uint8_t)(dur >> 8);
		ev[3] = (uint8_t)dur;
		pkt.seq = (uint16_t)(1000 + k * 4 + i);
		pkt.marker = i == 0;
		ck_assert_int_eq(dp_tick_rx(p->lg, 101, &pkt, t, on_evt, NULL),
				 DP_TICK_RX_OK);
	}
}

/* The digits said so far, in order, as a string; each of leg p. */
static const char *
digits_said(const struct phone *p)
{
	static char out[64];
	uint32_t n = 0;

	for (uint32_t i = 0; i < n_evts; i++) {
		if (evts[i].hdr.type != SHM_EVT_DTMF)
			continue;
		ck_assert_uint_eq(evts[i].body.dtmf.leg_id, p->cfg.leg_id);
		ck_assert_uint_lt(n, sizeof(out) - 1);
		out[n++] = (char)evts[i].body.dtmf.digit;
	}
	out[n] = 0;
	return out;
}

/* A DTMF digit is an edge: one the event ring has no room for waits in
 * its leg and is said at a later tick, in order with the others, once;
 * more than DP_TICK_DTMF_PEND waiting: the newest are lost and counted;
 * a leg put on hold still says its waiting digits; with no control plane
 * (-ENOTCONN) a digit is not kept. */
START_TEST(test_tick_dtmf_said_again_when_no_room)
{
	static const char keys[] = "0123456789*#0123456789*#";
	struct shm_msg_leg hold;
	struct phone *a;
	uint64_t t;

	a = two_phones(0);
	t = run(0, 10);
	n_evts = 0;
	refuse(SHM_EVT_DTMF, -ENOBUFS, 1000);
	for (uint32_t k = 0; k < 5; k++) {
		press(a, "1234#"[k], k, t);
		t = run(t, 5);
	}
	ck_assert_str_eq(digits_said(a), "");
	ck_assert_uint_eq(a->lg->n_dtmf_pend, 5);
	/* each tick offered the oldest again (and stopped there) */
	ck_assert_uint_ge(n_refused, 5 * 5);
	/* room for two: the two oldest go, the others wait */
	room = 2;
	t = run(t, 1);
	ck_assert_str_eq(digits_said(a), "12");
	ck_assert_uint_eq(a->lg->n_dtmf_pend, 3);
	refuse_n = 0;
	t = run(t, 1);
	ck_assert_str_eq(digits_said(a), "1234#");
	t = run(t, 10);
	ck_assert_str_eq(digits_said(a), "1234#");
	ck_assert_uint_eq(a->lg->n_dtmf_pend, 0);
	ck_assert_uint_eq(C.st.dtmf_lost, 0);

	/* two more than a leg keeps: the last two are lost, counted */
	n_evts = 0;
	refuse_n = 1000;
	for (uint32_t k = 0; k < DP_TICK_DTMF_PEND + 2; k++)
		press(a, keys[k], 5 + k, t);
	ck_assert_uint_eq(C.st.dtmf_lost, 2);
	ck_assert_uint_eq(a->lg->n_dtmf_pend, DP_TICK_DTMF_PEND);
	refuse_n = 0;
	t = run(t, 1);
	ck_assert_str_eq(digits_said(a), "0123456789*#0123");
	ck_assert_uint_eq(a->lg->n_dtmf_pend, 0);

	/* put on hold (sendonly: nothing received) with a digit waiting */
	n_evts = 0;
	refuse_n = 1000;
	press(a, '7', 30, t);
	hold = a->cfg;
	hold.dir = SHM_DIR_SENDONLY;
	ck_assert_int_eq(dp_tick_leg_update(a->lg, &hold, t), 0);
	a->mute_tx = true;
	t = run(t, 3);
	ck_assert_str_eq(digits_said(a), "");
	refuse_n = 0;
	t = run(t, 1);
	ck_assert_str_eq(digits_said(a), "7");
	ck_assert_int_eq(dp_tick_leg_update(a->lg, &a->cfg, t), 0);
	a->mute_tx = false;

	/* a codec change (the leg set up again) with a digit waiting */
	n_evts = 0;
	refuse(SHM_EVT_DTMF, -ENOBUFS, 1000);
	press(a, '8', 32, t);
	a->cfg.codec = SHM_CODEC_PCMA;
	a->cfg.pt = 8;
	ck_assert_int_eq(dp_tick_leg_update(a->lg, &a->cfg, t), 0);
	t = run(t, 3);
	ck_assert_str_eq(digits_said(a), "");
	refuse_n = 0;
	t = run(t, 1);
	ck_assert_str_eq(digits_said(a), "8");

	/* no control plane: not kept (a new one cannot use it) */
	n_evts = 0;
	refuse(SHM_EVT_DTMF, -ENOTCONN, 1);
	press(a, '9', 33, t);
	ck_assert_uint_eq(n_refused, 1);
	ck_assert_uint_eq(a->lg->n_dtmf_pend, 0);
	run(t, 5);
	ck_assert_str_eq(digits_said(a), "");
	ck_assert_uint_eq(C.st.dtmf_lost, 2);
	dp_tick_conf_fini(&C);
}
END_TEST

/* A talker change is a state: one the event ring has no room for is said
 * at the first tick that finds room, as the state is then; a pause that
 * began and ended while there was none is never said. */
START_TEST(test_tick_talker_said_again_when_no_room)
{
	struct phone *a;
	const struct dp_mix_leg *ml;
	uint64_t t;
	uint32_t i;

	a = two_phones(600.0);
	ml = &C.ml[a->lg->idx];
	refuse(SHM_EVT_TALKER, -ENOBUFS, 1000);
	t = run(0, 20);
	ck_assert(ml->talking);
	ck_assert_uint_eq(count_evts(SHM_EVT_TALKER), 0);
	ck_assert_uint_ge(n_refused, 10);	/* offered at each tick */
	refuse_n = 0;
	t = run(t, 1);
	ck_assert_uint_eq(count_evts(SHM_EVT_TALKER), 1);
	ck_assert_uint_eq(evts[n_evts - 1].body.talker.leg_id, a->cfg.leg_id);
	ck_assert_uint_eq(evts[n_evts - 1].body.talker.talking, 1);
	/* a pause while the ring is full, over before there is room */
	refuse_n = 1000;
	a->freq = 0;
	for (i = 0; i < 100 && ml->talking; i++)
		t = run(t, 1);
	ck_assert(!ml->talking);
	a->freq = 600.0;
	for (i = 0; i < 100 && !ml->talking; i++)
		t = run(t, 1);
	ck_assert(ml->talking);
	refuse_n = 0;
	t = run(t, 10);
	ck_assert_uint_eq(count_evts(SHM_EVT_TALKER), 1);
	/* a pause with room: said */
	a->freq = 0;
	for (i = 0; i < 100 && ml->talking; i++)
		t = run(t, 1);
	ck_assert(!ml->talking);
	ck_assert_uint_eq(count_evts(SHM_EVT_TALKER), 2);
	ck_assert_uint_eq(evts[n_evts - 1].body.talker.talking, 0);
	dp_tick_conf_fini(&C);
}
END_TEST

/* recvonly: heard by others, sent nothing; sendonly: sends, its media is
 * refused; remove keeps the others running. */
START_TEST(test_tick_directions_and_remove)
{
	struct phone *a, *b, *c;
	struct dp_jitter_pkt pkt = { .payload = (const uint8_t *)"x",
				     .len_bytes = 1 };
	uint32_t before;

	conf_setup(8000, 0);
	a = phone_add(SHM_CODEC_PCMU, 8000, 20, 500.0);
	b = phone_add(SHM_CODEC_PCMU, 8000, 20, 900.0);
	c = phone_add(SHM_CODEC_PCMU, 8000, 20, 0);
	a->cfg.dir = SHM_DIR_RECVONLY;
	ck_assert_int_eq(dp_tick_leg_update(a->lg, &a->cfg, 0), 0);
	b->cfg.dir = SHM_DIR_SENDONLY;
	ck_assert_int_eq(dp_tick_leg_update(b->lg, &b->cfg, 0), 0);
	b->mute_tx = true;
	run(0, 50);
	ck_assert_uint_eq(a->n_pkts, 0);
	ck_assert_uint_eq(b->n_pkts, 50);
	ck_assert_int_eq(dp_tick_rx(b->lg, 0, &pkt, 0, on_evt, NULL),
			 DP_TICK_RX_NOT_RECEIVING);
	ck_assert(level_db(c, 500.0, 4000, ref_power(500.0, 8000,
		  c->n_heard - 4000)) > -1.0);
	ck_assert(level_db(b, 500.0, 4000, ref_power(500.0, 8000,
		  b->n_heard - 4000)) > -1.0);
	/* a bad codec change is refused and changes nothing */
	a->cfg.rate_hz = 16000;
	ck_assert_int_eq(dp_tick_leg_update(a->lg, &a->cfg, 0), -EINVAL);
	a->cfg.rate_hz = 8000;
	dp_tick_leg_remove(a->lg);
	ck_assert_uint_eq(C.n_legs, 2);
	before = c->n_pkts;
	a->mute_tx = true;
	n_phones = 0;		/* run() sends only for the legs still in */
	for (int i = 0; i < 5; i++)
		dp_tick_run(&C, 2000000u + i * TICK_US, on_send, on_evt, NULL);
	ck_assert_uint_eq(c->n_pkts - before, 5);
	ck_assert_uint_eq(c->bad_seq + c->bad_ts, 0);
	dp_tick_conf_fini(&C);
}
END_TEST

/* L16 at every rate SDP offers (8, 16, 32, 44.1 and 48 kHz: a 20 ms frame
 * of up to 1,920 bytes) in an 8 and a 16 kHz conference: each leg hears
 * the others' tones at their level, not its own. */
START_TEST(test_tick_l16_every_rate)
{
	static const uint32_t rates[5] = { 8000, 16000, 32000, 44100, 48000 };
	static const double f[5] = { 450.0, 700.0, 1000.0, 1300.0, 1700.0 };
	static const uint32_t conf_rate[2] = { 8000, 16000 };

	for (int c = 0; c < 2; c++) {
		conf_setup(conf_rate[c], 255);		/* everyone mixed */
		for (int i = 0; i < 5; i++)
			phone_add(SHM_CODEC_L16, rates[i], 20, f[i]);
		run(0, 80);
		for (uint32_t i = 0; i < n_phones; i++) {
			struct phone *p = &P[i];
			uint32_t skip = p->cfg.rate_hz / 2;
			uint32_t n = p->n_heard - skip;

			ck_assert_uint_eq(p->n_pkts, 80);
			ck_assert_uint_eq(p->n_heard, 80 * p->cfg.rate_hz / 50);
			ck_assert_uint_eq(p->bad_seq + p->bad_ts + p->bad_hdr,
					  0);
			for (uint32_t j = 0; j < n_phones; j++) {
				double db = level_db(p, f[j], skip,
						     ref_power(f[j],
							       p->cfg.rate_hz,
							       n));

				if (j == i)
					ck_assert_msg(db < -30.0, "conf %u Hz:"
						      " %u Hz leg hears itself"
						      " at %.1f dB",
						      conf_rate[c], rates[i],
						      db);
				else
					ck_assert_msg(fabs(db) < 1.5, "conf %u"
						      " Hz: %u Hz leg hears "
						      "%u Hz at %.1f dB",
						      conf_rate[c], rates[i],
						      rates[j], db);
			}
		}
		dp_tick_conf_fini(&C);
	}
}
END_TEST

/* A leg's store: its jitter frames, a tick at its own rate when that is
 * resampled, and a packet's payload, each in whole cache lines. */
static size_t
store_of(uint32_t frame_bytes, uint32_t resampled_samples, uint32_t fpp)
{
	return dp_jitter_data_bytes(frame_bytes) +
	       ((resampled_samples * 2u + 63u) & ~63u) +
	       ((frame_bytes * fpp + 63u) & ~63u);
}

/* b hears a's 600 Hz tone (what) from `from` on, after the 4,000
 * samples of a new stream's jitter buffer, at its level. */
static void
hears_tone(const struct phone *b, uint32_t from, const char *what)
{
	uint32_t skip = from + 4000;
	double db = level_db(b, 600.0, skip, ref_power(600.0, 8000,
			     b->n_heard - skip));

	ck_assert_msg(fabs(db) < 1.5, "b hears %s at %.2f dB", what, db);
}

/* A re-INVITE from PCMU to L16 at 48 kHz: the leg's store grows to the
 * new frame, and the others hear its tone on the new codec. */
START_TEST(test_tick_codec_change_grows_storage)
{
	struct phone *a, *b;
	size_t before;
	uint32_t from;

	a = two_phones(600.0);
	b = &P[1];
	run(0, 20);
	before = a->lg->store_bytes;
	ck_assert_uint_eq(before, store_of(160, 0, 1));
	ck_assert_ptr_null(a->lg->leg_pcm);
	a->cfg.codec = SHM_CODEC_L16;
	a->cfg.pt = 96;
	a->cfg.rate_hz = 48000;
	ck_assert_int_eq(dp_tick_leg_update(a->lg, &a->cfg, 0), 0);
	ck_assert_uint_eq(a->lg->store_bytes, store_of(1920, 960, 1));
	ck_assert_ptr_nonnull(a->lg->leg_pcm);
	from = b->n_heard;
	run(20 * TICK_US, 60);
	hears_tone(b, from, "a's L16");
	/* and back: a smaller frame keeps the store it has */
	a->cfg.codec = SHM_CODEC_PCMU;
	a->cfg.pt = 0;
	a->cfg.rate_hz = 8000;
	ck_assert_int_eq(dp_tick_leg_update(a->lg, &a->cfg, 0), 0);
	ck_assert_uint_eq(a->lg->store_bytes, store_of(1920, 960, 1));
	ck_assert_ptr_null(a->lg->leg_pcm);
	dp_tick_conf_fini(&C);
}
END_TEST

/* An allocator that fails once armed (fail_after allocations on). */
static int fail_after = -1;

static void *
flaky_alloc(size_t size)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	return aligned_alloc(64, (size + 63u) & ~(size_t)63u);
}

/* A codec change that runs out of memory leaves the leg inactive; a later
 * update with that same codec sets its media up again (before, it only
 * took the new direction, and its frames and buffers stayed the old
 * codec's), and the others hear it. */
START_TEST(test_tick_codec_change_out_of_memory_recovers)
{
	struct phone *a, *b;
	uint32_t from;

	dp_mem_set_allocator(flaky_alloc, free);
	a = two_phones(600.0);
	b = &P[1];
	run(0, 20);
	a->cfg.codec = SHM_CODEC_L16;
	a->cfg.pt = 96;
	a->cfg.rate_hz = 48000;
	fail_after = 0;
	ck_assert_int_eq(dp_tick_leg_update(a->lg, &a->cfg, 0), -ENOMEM);
	ck_assert_uint_eq(a->lg->cfg.dir, SHM_DIR_INACTIVE);
	ck_assert_uint_eq(a->lg->store_bytes, store_of(160, 0, 1));
	fail_after = -1;
	ck_assert_int_eq(dp_tick_leg_update(a->lg, &a->cfg, 0), 0);
	ck_assert_uint_eq(a->lg->cfg.dir, SHM_DIR_SENDRECV);
	ck_assert_uint_eq(a->lg->store_bytes, store_of(1920, 960, 1));
	from = b->n_heard;
	run(20 * TICK_US, 60);
	hears_tone(b, from, "a's L16");
	dp_tick_conf_fini(&C);
	dp_mem_set_allocator(NULL, NULL);
}
END_TEST

/* A conference's arrays of legs grow on the media library's heap (mem.h).
 * When that runs out of memory, the leg is refused and the conference
 * keeps its legs as they were, heard as before; a later add works. */
START_TEST(test_tick_arrays_grow_out_of_memory)
{
	struct dp_tick_leg *lg, *const *legs_before;
	struct shm_msg_leg cfg;
	struct phone *a, *b;
	uint64_t t;
	int err;

	dp_mem_set_allocator(flaky_alloc, free);
	a = two_phones(600.0);
	b = &P[1];
	cfg = a->cfg;
	cfg.dir = SHM_DIR_RECVONLY;	/* never sent to: no phone behind */
	while (C.n_legs < C.cap) {
		cfg.leg_id++;
		cfg.ssrc++;
		ck_assert_ptr_nonnull(dp_tick_leg_add(&C, &cfg, NULL, 0,
						      &err));
	}
	ck_assert_uint_eq(C.cap, 16);
	legs_before = C.legs;
	/* fail_after 1: the legs' array is had, the mixer's is not; 0:
	 * not even the legs' */
	for (int f = 1; f >= 0; f--) {
		fail_after = f;
		cfg.leg_id++;
		err = 0;
		ck_assert_ptr_null(dp_tick_leg_add(&C, &cfg, NULL, 0, &err));
		ck_assert_int_eq(err, -ENOMEM);
		ck_assert_uint_eq(C.n_legs, 16);
		ck_assert_uint_eq(C.cap, 16);
		ck_assert_ptr_eq(C.legs, legs_before);
	}
	fail_after = -1;
	t = run(0, 50);
	hears_tone(b, 0, "a");
	lg = dp_tick_leg_add(&C, &cfg, NULL, 0, &err);
	ck_assert_ptr_nonnull(lg);
	ck_assert_uint_eq(C.n_legs, 17);
	ck_assert_uint_eq(C.cap, 32);
	for (uint32_t i = 0; i < C.n_legs; i++)
		ck_assert_uint_eq(C.legs[i]->idx, i);
	ck_assert_ptr_eq(C.legs[16], lg);
	ck_assert_ptr_eq(C.legs[a->lg->idx], a->lg);
	{
		uint32_t from = b->n_heard;

		run(t, 50);
		hears_tone(b, from, "a");
	}
	dp_tick_conf_fini(&C);
	dp_mem_set_allocator(NULL, NULL);
}
END_TEST

/* Conferences on 30 and 40 ms ticks take legs of their ptime (the jitter
 * buffer's least depth is one tick) and run them: a tick a packet. */
START_TEST(test_tick_long_ticks_take_legs)
{
	static const uint8_t ticks[2] = { 30, 40 };

	for (int t = 0; t < 2; t++) {
		struct shm_msg_conf cc = { .rate_hz = 8000,
					   .ptime_ms = ticks[t] };
		struct shm_msg_leg l = { .leg_id = 1, .ssrc = 7,
					 .codec = SHM_CODEC_PCMU, .pt = 0,
					 .dir = SHM_DIR_SENDRECV,
					 .rate_hz = 8000,
					 .ptime_ms = ticks[t] };
		struct dp_tick_leg *a, *b;
		int err = 0;

		memset(P, 0, sizeof(P));
		n_phones = 0;
		ck_assert_int_eq(dp_tick_conf_init(&C, 78, &cc, US, NULL), 0);
		a = dp_tick_leg_add(&C, &l, &P[0], 0, &err);
		ck_assert_msg(a != NULL, "%u ms: PCMU leg: %d", ticks[t], err);
		l.leg_id = 2;
		l.codec = SHM_CODEC_L16;
		l.pt = 96;
		l.rate_hz = 16000;
		b = dp_tick_leg_add(&C, &l, &P[1], 0, &err);
		ck_assert_msg(b != NULL, "%u ms: L16 leg: %d", ticks[t], err);
		ck_assert_uint_ge(dp_jitter_stats(&a->jb)->target_frames, 1);
		P[0].cfg = a->cfg;
		P[1].cfg = b->cfg;
		n_phones = 2;
		for (int i = 0; i < 5; i++)
			dp_tick_run(&C, (uint64_t)i * ticks[t] * 1000u,
				    on_send, on_evt, NULL);
		ck_assert_uint_eq(P[0].n_pkts, 5);	/* a tick a packet */
		ck_assert_uint_eq(P[0].n_heard, 5u * 8u * ticks[t]);
		ck_assert_uint_eq(P[1].n_heard, 5u * 16u * ticks[t]);
		dp_tick_conf_fini(&C);
	}
}
END_TEST

/* What each phone heard, for comparing runs. */
struct heard_sum {
	uint64_t hash;		/* FNV-1a of heard */
	uint32_t n;
	double energy;
};

/*
 * 60 ticks of two conferences in work (NULL: each its own), ticked in
 * turn as a worker does: an 8 kHz one of two tones, a listener and a
 * third tone; from
 * tick 10 a 16 kHz one (its frames are twice as long: the first of its
 * legs moves the frames of a shared work), of three L16 tones and a PCMU
 * one. At tick 30 the first leg leaves (the last takes its place), at 32
 * a tone joins (in the place the last left), and ticks 40-42 of the second
 * phone are lost (concealed, through pcm).
 */
static void
shared_work_run(struct dp_tick_work *work, struct heard_sum *sum,
		uint64_t *concealed)
{
	static struct dp_tick_conf C2;
	struct shm_msg_conf c8 = { .rate_hz = 8000, .ptime_ms = 20 };
	struct shm_msg_conf c16 = { .rate_hz = 16000, .ptime_ms = 20 };
	static const double f8[4] = { 400, 700, 0, 1100 };
	static const double f16[3] = { 500, 900, 1300 };
	uint64_t t = 0;

	memset(P, 0, sizeof(P));
	n_phones = 0;
	n_evts = 0;
	ck_assert_int_eq(dp_tick_conf_init(&C, 77, &c8, US, work), 0);
	for (int j = 0; j < 4; j++)
		phone_add(j == 1 ? SHM_CODEC_PCMA : SHM_CODEC_PCMU, 8000, 20,
			  f8[j]);
	for (uint32_t f = 0; f < 60; f++, t += TICK_US) {
		if (f == 10) {
			ck_assert_int_eq(dp_tick_conf_init(&C2, 78, &c16, US,
							   work), 0);
			for (int j = 0; j < 3; j++)
				phone_add_to(&C2, SHM_CODEC_L16, 16000, 20,
					     f16[j]);
			phone_add_to(&C2, SHM_CODEC_PCMU, 8000, 20, 1600);
		}
		if (f == 30) {
			dp_tick_leg_remove(P[0].lg);
			P[0].lg = NULL;
		}
		if (f == 32)
			phone_add(SHM_CODEC_PCMU, 8000, 20, 1900);
		P[1].mute_tx = f >= 40 && f <= 42;
		n_evts = 0;	/* talker changes: not looked at */
		for (uint32_t j = 0; j < n_phones; j++)
			if (P[j].lg != NULL)
				phone_send(&P[j], t);
		dp_tick_run(&C, t + TICK_US / 2, on_send, on_evt, NULL);
		if (f >= 10)
			dp_tick_run(&C2, t + TICK_US / 2, on_send, on_evt,
				    NULL);
	}
	*concealed = C.st.concealed;
	for (uint32_t j = 0; j < n_phones; j++) {
		sum[j] = (struct heard_sum){ .hash = 1469598103934665603ull,
					     .n = P[j].n_heard };
		for (uint32_t k = 0; k < P[j].n_heard; k++) {
			sum[j].hash = (sum[j].hash ^ (uint16_t)P[j].heard[k]) *
				      1099511628211ull;
			sum[j].energy += (double)P[j].heard[k] *
					 P[j].heard[k];
		}
	}
	dp_tick_conf_fini(&C2);
	dp_tick_conf_fini(&C);
}

/* Conferences ticked in turn in one working storage (a worker's
 * struct dp_tick_work) are heard sample for sample as with their own:
 * also after a conference moved the shared frames, a leg's removal moved
 * another into its place, and through a concealed loss. */
START_TEST(test_tick_shared_work_heard_the_same)
{
	static struct dp_tick_work w;
	struct heard_sum own[MAXL], shared[MAXL];
	uint64_t conc_own, conc_shared;

	shared_work_run(NULL, own, &conc_own);
	memset(&w, 0, sizeof(w));
	shared_work_run(&w, shared, &conc_shared);
	/* the one who joined in the place the last leg left hears the leg
	 * that moved, and not itself */
	ck_assert(fabs(level_db(&P[8], 1100.0, 1600,
				ref_power(1100.0, 8000, P[8].n_heard - 1600))) <
		  1.0);
	ck_assert(level_db(&P[8], 1900.0, 1600,
			   ref_power(1900.0, 8000, P[8].n_heard - 1600)) <
		  -40.0);
	ck_assert_uint_eq(w.gen, 2);	/* the 16 kHz conference moved it */
	ck_assert_uint_gt(conc_own, 0);
	ck_assert_uint_eq(conc_shared, conc_own);
	for (int j = 0; j < MAXL; j++) {
		ck_assert_msg(own[j].energy > 1e9, "phone %d heard nothing",
			      j);
		ck_assert_uint_eq(shared[j].n, own[j].n);
		ck_assert_msg(shared[j].hash == own[j].hash,
			      "phone %d heard otherwise", j);
	}
	dp_tick_work_fini(&w);
	ck_assert_ptr_null(w.media);
}
END_TEST

START_TEST(test_tick_bad_legs_refused)
{
	struct shm_msg_leg l = { .leg_id = 1, .codec = SHM_CODEC_PCMU,
				 .rate_hz = 16000, .ptime_ms = 20 };
	int err = 0;

	conf_setup(8000, 0);
	ck_assert_ptr_null(dp_tick_leg_add(&C, &l, NULL, 0, &err));
	ck_assert_int_eq(err, -EINVAL);			/* PCMU is 8 kHz */
	l.rate_hz = 8000;
	l.ptime_ms = 30;				/* not 20 * k */
	ck_assert_ptr_null(dp_tick_leg_add(&C, &l, NULL, 0, &err));
	l.ptime_ms = 100;				/* more than 4 ticks */
	ck_assert_ptr_null(dp_tick_leg_add(&C, &l, NULL, 0, &err));
	l.codec = 7;
	l.ptime_ms = 20;
	ck_assert_ptr_null(dp_tick_leg_add(&C, &l, NULL, 0, &err));
	ck_assert_uint_eq(C.n_legs, 0);
	dp_tick_conf_fini(&C);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("tick");
	TCase *tc = tcase_create("tick");

	tcase_add_test(tc, test_tick_each_hears_the_others);
	tcase_add_test(tc, test_tick_rates_and_ptimes);
	tcase_add_test(tc, test_tick_other_packet_times_heard);
	tcase_add_test(tc, test_tick_l16_every_rate);
	tcase_add_test(tc, test_tick_codec_change_grows_storage);
	tcase_add_test(tc, test_tick_codec_change_out_of_memory_recovers);
	tcase_add_test(tc, test_tick_arrays_grow_out_of_memory);
	tcase_add_test(tc, test_tick_long_ticks_take_legs);
	tcase_add_test(tc, test_tick_loss_and_timeout);
	tcase_add_test(tc, test_tick_timeout_said_again_when_no_room);
	tcase_add_test(tc, test_tick_plc_shed_behind_time);
	tcase_add_test(tc, test_tick_plc_history_as_fed_eagerly);
	tcase_add_loop_test(tc, test_tick_quiet_frames_heard_the_same, 0, 2);
	tcase_add_test(tc, test_tick_rfc4733_digit);
	tcase_add_test(tc, test_tick_dtmf_said_again_when_no_room);
	tcase_add_test(tc, test_tick_talker_said_again_when_no_room);
	tcase_add_test(tc, test_tick_directions_and_remove);
	tcase_add_test(tc, test_tick_bad_legs_refused);
	tcase_add_test(tc, test_tick_shared_work_heard_the_same);
	suite_add_tcase(s, tc);
	return s;
}
