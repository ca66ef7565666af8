/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz.h: what the libFuzzer targets in tests/fuzz/ share. Each target
 * checks properties with FUZZ_CHECK (a failure aborts: libFuzzer saves the
 * input as a crash) and hands the code under test exact-size heap copies,
 * so AddressSanitizer sees any read past the end.
 */
#ifndef TUTTI_FUZZ_H
#define TUTTI_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                  \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", \
				__FILE__, __LINE__, #cond);               \
			abort();                                          \
		}                                                         \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An exact-size copy of p (malloc(0) avoided); free() it. */
static inline uint8_t *
fuzz_dup(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n != 0 ? n : 1);

	FUZZ_CHECK(q != NULL);
	if (n != 0)
		memcpy(q, p, n);
	return q;
}

#endif /* TUTTI_FUZZ_H */
