/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * g711.c: the scalar G.711 reference (the specification every SIMD kernel
 * matches bit for bit) and the dispatch to the selected ISA. Media library,
 * any thread.
 */
#include "g711.h"

#include "g711_kern.h"

#define ULAW_BIAS	0x84	/* added before mu-law segment search */
#define ALAW_AMI_MASK	0x55	/* even-bit inversion of A-law */

/* Index of the highest set bit of v (v > 0). */
static inline int
top_bit(unsigned int v)
{
	return 31 - __builtin_clz(v);
}

uint8_t
dp_g711_lin2ulaw(int16_t linear)
{
	int x = linear, mask, seg;

	if (x < 0) {
		x = ULAW_BIAS - x;
		mask = 0x7f;
	} else {
		x = ULAW_BIAS + x;
		mask = 0xff;
	}
	seg = top_bit((unsigned int)x | 0xff) - 7;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	return (uint8_t)(((seg << 4) | ((x >> (seg + 3)) & 0x0f)) ^ mask);
}

int16_t
dp_g711_ulaw2lin(uint8_t code)
{
	unsigned int u = (uint8_t)~code;
	int t = (int)((((u & 0x0f) << 3) + ULAW_BIAS) << ((u & 0x70) >> 4));

	return (int16_t)((u & 0x80) ? (ULAW_BIAS - t) : (t - ULAW_BIAS));
}

uint8_t
dp_g711_lin2alaw(int16_t linear)
{
	int x = linear, mask, seg;

	if (x >= 0) {
		mask = ALAW_AMI_MASK | 0x80;
	} else {
		mask = ALAW_AMI_MASK;
		x = -x - 1;
	}
	seg = top_bit((unsigned int)x | 0xff) - 7;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	return (uint8_t)(((seg << 4) | ((x >> (seg ? seg + 3 : 4)) & 0x0f)) ^
			 mask);
}

int16_t
dp_g711_alaw2lin(uint8_t code)
{
	unsigned int a = code ^ ALAW_AMI_MASK;
	int i = (int)((a & 0x0f) << 4);
	int seg = (int)((a & 0x70) >> 4);

	if (seg)
		i = (i + 0x108) << (seg - 1);
	else
		i += 8;
	return (int16_t)((a & 0x80) ? i : -i);
}

static void
ulaw_dec_scalar(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = dp_g711_ulaw2lin(src[i]);
}

static void
alaw_dec_scalar(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = dp_g711_alaw2lin(src[i]);
}

static void
ulaw_enc_scalar(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = dp_g711_lin2ulaw(src[i]);
}

static void
alaw_enc_scalar(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = dp_g711_lin2alaw(src[i]);
}

static uint64_t
ulaw_dec_energy_scalar(int16_t *restrict dst, const uint8_t *restrict src,
		       size_t n)
{
	uint64_t e = 0;

	ulaw_dec_scalar(dst, src, n);
	for (size_t i = 0; i < n; i++)
		e += (uint64_t)((int32_t)dst[i] * dst[i]);
	return e;
}

static uint64_t
alaw_dec_energy_scalar(int16_t *restrict dst, const uint8_t *restrict src,
		       size_t n)
{
	uint64_t e = 0;

	alaw_dec_scalar(dst, src, n);
	for (size_t i = 0; i < n; i++)
		e += (uint64_t)((int32_t)dst[i] * dst[i]);
	return e;
}

static inline __attribute__((always_inline)) uint64_t
dec_energy_acc(enum dp_law law, int16_t *restrict dst, int32_t *restrict acc,
	       const uint8_t *restrict src, size_t n)
{
	return dp_g711_dec_acc_tail(law, dst, acc, src, 0, n);
}

static inline __attribute__((always_inline)) void
sub_sat_enc(enum dp_law law, uint8_t *restrict dst,
	    const int16_t *restrict lo, const int16_t *restrict hi,
	    const int16_t *restrict own, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int16_t v = dp_mix_sub2_sample(lo[i], hi[i], own[i]);

		dst[i] = law == DP_LAW_ULAW ? dp_g711_lin2ulaw(v) :
			 dp_g711_lin2alaw(v);
	}
}

DP_G711_FUSED(scalar)

const struct dp_g711_kern dp_g711_kern_scalar = {
	.dec = { ulaw_dec_scalar, alaw_dec_scalar },
	.enc = { ulaw_enc_scalar, alaw_enc_scalar },
	.dec_energy = { ulaw_dec_energy_scalar, alaw_dec_energy_scalar },
	DP_G711_FUSED_FIELDS(scalar),
};

const struct dp_g711_kern *
dp_g711_kern_variant(enum dp_simd isa, bool vbmi)
{
	switch (isa) {
	case DP_SIMD_SCALAR:
		return vbmi ? NULL : &dp_g711_kern_scalar;
#ifdef TUTTI_BUILD_AVX2_G711
	case DP_SIMD_AVX2:
		return vbmi ? NULL : &dp_g711_kern_avx2;
#endif
#ifdef TUTTI_BUILD_AVX512_G711
	case DP_SIMD_AVX512:
#ifdef TUTTI_BUILD_AVX512_VBMI
		if (vbmi)
			return &dp_g711_kern_avx512vbmi;
#endif
		return vbmi ? NULL : &dp_g711_kern_avx512;
#endif
	default:
		return NULL;
	}
}

const struct dp_g711_kern *
dp_g711_kern_for(enum dp_simd isa)
{
	const struct dp_g711_kern *k = NULL;

	if (isa == DP_SIMD_AVX512 && dp_simd_cpu_has_vbmi())
		k = dp_g711_kern_variant(isa, true);
	return k != NULL ? k : dp_g711_kern_variant(isa, false);
}

static const struct dp_g711_kern *
kern(void)
{
	const struct dp_g711_kern *k = dp_g711_kern_for(dp_simd_active());

	return k != NULL ? k : &dp_g711_kern_scalar;
}

void
dp_g711_decode(enum dp_law law, int16_t *restrict dst,
	       const uint8_t *restrict src, size_t n)
{
	kern()->dec[law & 1](dst, src, n);
}

void
dp_g711_encode(enum dp_law law, uint8_t *restrict dst,
	       const int16_t *restrict src, size_t n)
{
	kern()->enc[law & 1](dst, src, n);
}
