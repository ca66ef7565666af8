/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_isa.h: for kernel tests run once per ISA (tests/meson.build rows with
 * the per-ISA flag get "--isa=<name>"). test_isa() tells which ISA this run
 * checks; test_isa_skip() gives the reason to skip when this build or this
 * CPU lacks it, so the run is reported SKIP by name, never passed silently.
 * Header-only; include it from one test file per executable.
 */
#ifndef TUTTI_TEST_ISA_H
#define TUTTI_TEST_ISA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "simd.h"

/* true for "--isa=avx512vbmi": AVX-512 with its VBMI kernel variants
 * (only kernel families that have them tell the two apart). */
static inline bool
test_isa_vbmi(void)
{
	for (int i = 1; i < test_argc; i++)
		if (strcmp(test_argv[i], "--isa=avx512vbmi") == 0)
			return true;
	return false;
}

static inline enum dp_simd
test_isa(void)
{
	enum dp_simd isa = DP_SIMD_SCALAR;

	if (test_isa_vbmi())
		return DP_SIMD_AVX512;
	for (int i = 1; i < test_argc; i++)
		if (strncmp(test_argv[i], "--isa=", 6) == 0 &&
		    dp_simd_parse(test_argv[i] + 6, &isa) != 0) {
			fprintf(stderr, "unknown ISA '%s'\n", test_argv[i]);
			exit(2);
		}
	return isa;
}

static inline const char *
test_isa_skip(void)
{
	static char why[96];
	enum dp_simd isa = test_isa();

	if (!dp_simd_built(isa))
		snprintf(why, sizeof(why), "%s: not built (meson -Dsimd)",
			 dp_simd_name(isa));
	else if (!dp_simd_cpu_has(isa))
		snprintf(why, sizeof(why), "%s: this CPU lacks it",
			 dp_simd_name(isa));
	else if (test_isa_vbmi() && !dp_simd_cpu_has_vbmi())
		snprintf(why, sizeof(why), "avx512vbmi: this CPU lacks it");
	else
		return NULL;
	return why;
}

/* Every per-ISA executable skips, by name, what it cannot run. */
const char *
test_skip_reason(void)
{
	return test_isa_skip();
}

/* Seeded pseudo-random input, the same on every run. */
static inline uint32_t
test_xorshift32(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#endif /* TUTTI_TEST_ISA_H */
