/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_mix.c: the per-frame conference step for N legs (20 ms of G.711 at
 * 8 kHz), for every ISA this build has and this CPU runs, next to a
 * baseline that does the same work with SpanDSP's per-sample G.711 and the
 * scalar mixing kernels, all in one run:
 *
 *   conf/personal/<impl>/<N>  everyone talking, each hears a personal N-1
 *                             mix: decode N, mix, encode N
 *   conf/topk/<impl>/<N>      6 talkers, the rest near-silent (-60 dBov),
 *                             K = 4: measure and select, mix 4, encode 4
 *                             personal mixes (the ISA rows: straight
 *                             into the payload, as tutti-dp) and the
 *                             shared one once
 *                             (mix_enc), N - 4 listeners get a pointer to
 *                             it. The ISA rows hand the mixer G.711 codes
 *                             and it decodes only legs that can be
 *                             talking; the baseline is a conventional
 *                             mixer: SpanDSP decodes every leg, scalar
 *                             kernels (it shares the encode too)
 *   conf/topk_metered/<isa>/<N>  conf/topk with each frame's peak
 *                             metered on arrival, as tutti-dp's jitter
 *                             buffers do (dp_mix_leg.peak_hint): a silent
 *                             leg's codes are not read in the step. The
 *                             metering itself is kern/g711_peak, paid
 *                             per received frame while it is in the cache
 *   mix/personal|topk/<impl>/<N>  the mixer alone (dp_mix_frame) on
 *                             decoded frames
 *   kern/<op>/<impl>/160      single kernels, one frame (the ISA rows
 *                             also the mixer's fused G.711 kernels)
 *
 * Counters: ns/participant (wall time per frame / N: the cost of one
 * participant for one 20 ms frame on one core) and items_per_second =
 * samples per second per core. --benchmark_format=json for machines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spandsp.h>

#include "g711.h"
#include "gb_shim.h"
#include "mix.h"
#include "mix_enc.h"
#include "shm_proto.h"

#define FS		160
#define MAX_LEGS	10000
#define TALKERS_TOPK	6

enum mode { MODE_PERSONAL, MODE_TOPK };

struct impl {
	const char *name;
	bool spandsp;			/* baseline */
	enum dp_simd isa;
	const struct dp_mix_kern *mk;
	dp_g711_dec_fn dec;
	dp_g711_enc_fn enc;
	const struct dp_g711_kern *gk;	/* NULL for the baseline */
};

struct conf_arg {
	const struct impl *im;
	enum mode mode;
	bool mix_only;
	bool metered;		/* peak_hint set, as on arrival */
};

/* Leg data, shared by all benchmarks (set up for the mode before each). */
static uint8_t (*wire)[FS];		/* what each leg sent */
static int16_t (*pcm)[FS];		/* decoded */
static int16_t (*personal)[FS];
static uint8_t (*sendbuf)[FS];		/* encoded personal mixes */
static const uint8_t **payload;		/* what each leg is sent */
static struct dp_mix_leg *legs;

static void
sp_dec(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = ulaw_to_linear(src[i]);
}

static void
sp_enc(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = linear_to_ulaw(src[i]);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Speech-like enough: a tone per talker at -12..-6 dBov; quiet legs carry
 * low noise at about -60 dBov (below the -50 dBov floor). */
static void
make_input(uint32_t n, enum mode mode)
{
	uint32_t seed = 0x5eed;

	for (uint32_t i = 0; i < n; i++) {
		bool talks = mode == MODE_PERSONAL || i % (n / TALKERS_TOPK + 1)
						      == 0;
		int16_t x[FS];

		for (uint32_t s = 0; s < FS; s++) {
			seed = seed * 1103515245u + 12345u;
			x[s] = talks ? (int16_t)(8000 + (i % 8) * 1000) *
				       (int16_t)((s / (4 + i % 5)) & 1 ? 1 : -1)
				     : (int16_t)((int32_t)(seed >> 16) % 61 - 30);
		}
		linear_to_ulaw(0);
		for (uint32_t s = 0; s < FS; s++)
			wire[i][s] = linear_to_ulaw(x[s]);
		sp_dec(pcm[i], wire[i], FS);
	}
}

static void
bench_conf(struct gb_state *st, void *arg)
{
	const struct conf_arg *a = arg;
	const struct impl *im = a->im;
	uint32_t n = (uint32_t)gb_range(st, 0);
	static struct dp_mix m;
	static struct dp_mix_enc me;
	static uint8_t shared_wire[FS];
	struct dp_mix_cfg cfg;
	uint64_t frame = 0;
	double t0, t1;
	bool g711_in;
	int slot;

	dp_simd_select(im->isa);
	dp_mix_cfg_default(&cfg, 8000, 20);
	cfg.max_talkers = a->mode == MODE_PERSONAL ? DP_MIX_ALL : 4;
	if (dp_mix_init(&m, &cfg, im->mk) != 0 ||
	    dp_mix_enc_init(&me, 8000, 20) != 0 ||
	    (slot = dp_mix_enc_ref(&me, SHM_CODEC_PCMU, 8000)) < 0) {
		gb_skip_with_error(st, "mixer set-up failed");
		return;
	}
	make_input(n, a->mode);
	/* the ISA rows hand the mixer G.711 codes (it decodes the legs that
	 * can be talking); the baseline decodes every leg itself */
	g711_in = !a->mix_only && !im->spandsp;
	for (uint32_t i = 0; i < n; i++) {
		dp_mix_leg_init(&legs[i], personal[i], pcm[i], 0);
		legs[i].pcm = g711_in ? NULL : pcm[i];
		legs[i].g711 = g711_in ? wire[i] : NULL;
		legs[i].law = DP_LAW_ULAW;
		/* as tutti-dp: personal mixes straight into the payload */
		legs[i].enc = g711_in ? sendbuf[i] : NULL;
		legs[i].enc_law = DP_LAW_ULAW;
		/* the frames do not change: metered once */
		if (a->metered)
			legs[i].peak_hint = (uint8_t)(1 + im->mk->g711_peak(
				wire[i], FS, 0xff));
	}
	/* settle levels and talkers before timing */
	for (int f = 0; f < 3; f++)
		dp_mix_frame(&m, legs, n);

	t0 = now_ns();
	while (gb_keep_running(st)) {
		if (!a->mix_only && !g711_in)
			for (uint32_t i = 0; i < n; i++)
				im->dec(pcm[i], wire[i], FS);
		dp_mix_frame(&m, legs, n);
		if (!a->mix_only) {
			const uint8_t *sh = NULL;

			for (uint32_t i = 0; i < n; i++) {
				if (legs[i].out_enc != NULL) {
					payload[i] = legs[i].out_enc;
				} else if (legs[i].contrib) {
					im->enc(sendbuf[i], legs[i].out, FS);
					payload[i] = sendbuf[i];
				} else if (im->spandsp) {
					/* the baseline shares too */
					if (sh == NULL) {
						im->enc(shared_wire,
							dp_mix_buf_of(&m)->shared,
							FS);
						sh = shared_wire;
					}
					payload[i] = sh;
				} else {
					uint32_t len;

					payload[i] = dp_mix_enc_shared(&me,
						slot, legs[i].out, frame,
						&len);
				}
			}
		}
		frame++;
		gb_do_not_optimize(payload);
		gb_clobber();
	}
	t1 = now_ns();
	gb_set_items(st, gb_iterations(st) * (int64_t)n * FS);
	gb_counter(st, "ns/participant", gb_iterations(st) ?
		   (t1 - t0) / ((double)gb_iterations(st) * n) : 0, false,
		   false);
	gb_counter(st, "contributors", m.n_contrib, false, false);
	dp_mix_enc_fini(&me);
	dp_simd_select(DP_SIMD_MAX_);
}

enum kop { K_ACC_ADD, K_FOLD, K_SUB_SAT, K_ENERGY, K_PEAK, K_DEC, K_ENC,
	   K_DEC_ACC, K_SUB_ENC, N_KOP };
static const char *const kop_name[N_KOP] = { "acc_add", "fold", "sub_sat",
					     "energy",
					     "g711_peak", "ulaw_dec",
					     "ulaw_enc",
					     "ulaw_dec_energy_acc",
					     "ulaw_sub_sat_enc" };

struct kern_arg {
	const struct impl *im;
	enum kop op;
};

static void
bench_kern(struct gb_state *st, void *arg)
{
	const struct kern_arg *a = arg;
	const struct dp_mix_kern *k = a->im->mk;
	static int32_t acc[DP_MIX_ACC_LEN(FS)];
	static int16_t out[FS], lo[FS], hi[FS];
	static uint8_t codes[FS];
	uint64_t e = 0;

	make_input(2, MODE_PERSONAL);
	k->acc_set(acc, pcm[0], FS);
	k->acc_add(acc, pcm[1], FS);
	k->fold(lo, hi, acc, FS);
	while (gb_keep_running(st)) {
		switch (a->op) {
		case K_ACC_ADD: k->acc_add(acc, pcm[0], FS); break;
		case K_FOLD: k->fold(lo, hi, acc, FS); break;
		case K_SUB_SAT: k->sub_sat(out, lo, hi, pcm[0], FS); break;
		case K_ENERGY: e += k->energy(pcm[0], FS); break;
		case K_PEAK: e += k->g711_peak(wire[0], FS, 0xff); break;
		case K_DEC: a->im->dec(out, wire[0], FS); break;
		case K_DEC_ACC:
			e += a->im->gk->dec_energy_acc[DP_LAW_ULAW](out, acc,
								    wire[0],
								    FS);
			break;
		case K_SUB_ENC:
			a->im->gk->sub_sat_enc[DP_LAW_ULAW](codes, lo, hi,
							    pcm[0], FS);
			break;
		default: a->im->enc(codes, pcm[0], FS); break;
		}
		gb_do_not_optimize(acc);
		gb_do_not_optimize(out);
		gb_do_not_optimize(codes);
		gb_do_not_optimize(&e);
		gb_clobber();
	}
	gb_set_items(st, gb_iterations(st) * FS);
}

int
main(int argc, char **argv)
{
	static const int64_t sizes[] = { 10, 100, 1000, 10000 };
	static struct impl impls[1 + DP_SIMD_MAX_];
	static struct conf_arg cargs[1 + DP_SIMD_MAX_][2][3];
	static struct kern_arg kargs[1 + DP_SIMD_MAX_][N_KOP];
	static char names[1 + DP_SIMD_MAX_][2 + 3 + N_KOP][48];
	int n_impl = 0;

	wire = calloc(MAX_LEGS, sizeof(*wire));
	pcm = calloc(MAX_LEGS, sizeof(*pcm));
	personal = calloc(MAX_LEGS, sizeof(*personal));
	sendbuf = calloc(MAX_LEGS, sizeof(*sendbuf));
	payload = calloc(MAX_LEGS, sizeof(*payload));
	legs = calloc(MAX_LEGS, sizeof(*legs));
	if (!wire || !pcm || !personal || !sendbuf || !payload || !legs) {
		fprintf(stderr, "bench_mix: out of memory\n");
		return 1;
	}
	impls[n_impl++] = (struct impl){ "spandsp", true, DP_SIMD_SCALAR,
					 &dp_mix_kern_scalar, sp_dec, sp_enc,
					 NULL };
	fprintf(stderr, "bench_mix: running spandsp");
	for (int isa = 0; isa < DP_SIMD_MAX_; isa++) {
		const struct dp_g711_kern *gk =
			dp_g711_kern_for((enum dp_simd)isa);
		const struct dp_mix_kern *mk =
			dp_mix_kern_for((enum dp_simd)isa);
		bool ok = dp_simd_cpu_has((enum dp_simd)isa) && gk && mk;

		fprintf(stderr, " %s%s", ok ? "" : "-",
			dp_simd_name((enum dp_simd)isa));
		if (ok)
			impls[n_impl++] = (struct impl){
				dp_simd_name((enum dp_simd)isa), false,
				(enum dp_simd)isa, mk, gk->dec[DP_LAW_ULAW],
				gk->enc[DP_LAW_ULAW], gk };
	}
	fprintf(stderr, " (-: not built or not supported by this CPU, "
		"not run)\n");

	for (int im = 0; im < n_impl; im++) {
		int slot = 0;

		for (int mix_only = 0; mix_only < 2; mix_only++)
		for (int mode = 0; mode < 3; mode++) {
			struct conf_arg *a = &cargs[im][mix_only][mode];
			bool metered = mode == 2;
			struct gb_bench *b;

			/* metered: the ISA rows of the whole step */
			if (metered && (mix_only || impls[im].spandsp))
				continue;
			*a = (struct conf_arg){ &impls[im],
						metered ? MODE_TOPK :
						(enum mode)mode, mix_only,
						metered };
			snprintf(names[im][slot], sizeof(names[0][0]),
				 "%s/%s/%s", mix_only ? "mix" : "conf",
				 metered ? "topk_metered" :
				 mode == MODE_PERSONAL ? "personal" : "topk",
				 impls[im].name);
			b = gb_register(names[im][slot++], bench_conf, a);
			gb_use_real_time(b);
			for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes);
			     s++)
				gb_arg(b, sizes[s]);
		}
		for (int op = 0; op < N_KOP; op++) {
			if (impls[im].gk == NULL && op >= K_DEC_ACC)
				continue;	/* the mixer's fused kernels */
			kargs[im][op] = (struct kern_arg){ &impls[im],
							   (enum kop)op };
			snprintf(names[im][slot], sizeof(names[0][0]),
				 "kern/%s/%s", kop_name[op], impls[im].name);
			gb_arg(gb_register(names[im][slot++], bench_kern,
					   &kargs[im][op]), FS);
		}
	}
	return gb_main(argc, argv);
}
