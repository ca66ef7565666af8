/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * l16.c: the scalar L16 converters (the specification the SIMD twins in
 * l16_avx2.c / l16_avx512.c match bit for bit), their dispatch, and the
 * rate and frame-size rules. Media library, any thread.
 */
#include "l16.h"

#include <errno.h>

#include "l16_kern.h"

#define PTIME_MAX_MS	200	/* longest ptime accepted, ms */

static void
dec_scalar(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (int16_t)(uint16_t)((unsigned int)src[2 * i] << 8 |
					     src[2 * i + 1]);
}

static void
enc_scalar(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint16_t v = (uint16_t)src[i];

		dst[2 * i] = (uint8_t)(v >> 8);
		dst[2 * i + 1] = (uint8_t)v;
	}
}

const struct dp_l16_kern dp_l16_kern_scalar = {
	.dec = dec_scalar,
	.enc = enc_scalar,
};

const struct dp_l16_kern *
dp_l16_kern_for(enum dp_simd isa)
{
	switch (isa) {
	case DP_SIMD_SCALAR:
		return &dp_l16_kern_scalar;
#ifdef TUTTI_BUILD_AVX2_L16
	case DP_SIMD_AVX2:
		return &dp_l16_kern_avx2;
#endif
#ifdef TUTTI_BUILD_AVX512_L16
	case DP_SIMD_AVX512:
		return &dp_l16_kern_avx512;
#endif
	default:
		return NULL;
	}
}

static const struct dp_l16_kern *
kern(void)
{
	const struct dp_l16_kern *k = dp_l16_kern_for(dp_simd_active());

	return k != NULL ? k : &dp_l16_kern_scalar;
}

void
dp_l16_decode(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	kern()->dec(dst, src, n);
}

void
dp_l16_encode(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	kern()->enc(dst, src, n);
}

bool
dp_l16_rate_is_supported(uint32_t rate_hz)
{
	switch (rate_hz) {
	case 8000:
	case 16000:
	case 32000:
	case DP_L16_STATIC_RATE_HZ:
	case 48000:
		return true;
	default:
		return false;
	}
}

int
dp_l16_frame_samples(uint32_t rate_hz, unsigned int ptime_ms)
{
	uint32_t milli_samples;

	if (!dp_l16_rate_is_supported(rate_hz) || ptime_ms == 0 ||
	    ptime_ms > PTIME_MAX_MS)
		return -EINVAL;
	milli_samples = rate_hz * ptime_ms;	/* <= 48000 * 200 */
	if (milli_samples % 1000 != 0)
		return -EINVAL;
	return (int)(milli_samples / 1000);
}
