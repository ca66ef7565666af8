/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * simd.c: SIMD ISA detection and selection (see simd.h). Cold path, called
 * at start-up; the choice is then read by every kernel dispatcher.
 */
#include "simd.h"

#include <errno.h>
#include <string.h>

static enum dp_simd active = DP_SIMD_MAX_;	/* MAX_ = not chosen yet */

bool
dp_simd_built(enum dp_simd isa)
{
	switch (isa) {
	case DP_SIMD_SCALAR:
		return true;
	case DP_SIMD_AVX2:
#ifdef TUTTI_BUILD_AVX2
		return true;
#else
		return false;
#endif
	case DP_SIMD_AVX512:
#ifdef TUTTI_BUILD_AVX512
		return true;
#else
		return false;
#endif
	default:
		return false;
	}
}

bool
dp_simd_cpu_has(enum dp_simd isa)
{
	switch (isa) {
	case DP_SIMD_SCALAR:
		return true;
#if defined(__x86_64__)
	case DP_SIMD_AVX2:
		/* libgcc also checks that the OS saves the YMM state */
		return __builtin_cpu_supports("avx2") &&
		       __builtin_cpu_supports("bmi2");
	case DP_SIMD_AVX512:
		/* DQ: vpmovd2m in the fused G.711 encoder */
		return __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512dq") &&
		       __builtin_cpu_supports("avx512vl") &&
		       dp_simd_cpu_has(DP_SIMD_AVX2);
#endif
	default:
		return false;
	}
}

bool
dp_simd_cpu_has_vbmi(void)
{
#if defined(__x86_64__)
	return dp_simd_cpu_has(DP_SIMD_AVX512) &&
	       __builtin_cpu_supports("avx512vbmi") &&
	       __builtin_cpu_supports("avx512vnni");
#else
	return false;
#endif
}

enum dp_simd
dp_simd_best(void)
{
	for (int i = DP_SIMD_MAX_ - 1; i > DP_SIMD_SCALAR; i--)
		if (dp_simd_built((enum dp_simd)i) &&
		    dp_simd_cpu_has((enum dp_simd)i))
			return (enum dp_simd)i;
	return DP_SIMD_SCALAR;
}

enum dp_simd
dp_simd_select(enum dp_simd max)
{
	enum dp_simd best = dp_simd_best();

	active = max < best ? max : best;
	return active;
}

enum dp_simd
dp_simd_active(void)
{
	return active == DP_SIMD_MAX_ ? dp_simd_best() : active;
}

int
dp_simd_parse(const char *s, enum dp_simd *out)
{
	if (strcmp(s, "auto") == 0) {
		*out = dp_simd_best();
		return 0;
	}
	for (int i = 0; i < DP_SIMD_MAX_; i++)
		if (strcmp(s, dp_simd_name((enum dp_simd)i)) == 0) {
			*out = (enum dp_simd)i;
			return 0;
		}
	return -EINVAL;
}

const char *
dp_simd_name(enum dp_simd isa)
{
	static const char *const names[DP_SIMD_MAX_] = {
		[DP_SIMD_SCALAR] = "scalar",
		[DP_SIMD_AVX2] = "avx2",
		[DP_SIMD_AVX512] = "avx512",
	};

	return isa < DP_SIMD_MAX_ ? names[isa] : "?";
}
