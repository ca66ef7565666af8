/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_creds.c: libFuzzer target for the credentials file parser
 * (controlplane/creds.c), which reads what an operator wrote. Input: the
 * file's bytes (up to the first NUL, as cp_creds_load() refuses one).
 * Properties: 0 or -EINVAL; a refusal says "fuzz:" and leaves the output
 * alone; a success has 1..CP_CREDS_MAX entries, each field non-empty,
 * shorter than CP_CREDS_FIELD_MAX and free of control characters, realms
 * all different, and each found by its realm.
 */
#include <errno.h>
#include <stdbool.h>

#include "creds.h"
#include "fuzz.h"

static bool
field_ok(const char *f)
{
	size_t n = strnlen(f, CP_CREDS_FIELD_MAX);

	if (n == 0 || n == CP_CREDS_FIELD_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)f[i] < 0x20 || f[i] == 0x7f)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cp_creds c;
	char *v = malloc(size + 1), err[512] = "";
	int rc;

	FUZZ_CHECK(v != NULL);
	memcpy(v, data, size);
	v[size] = '\0';
	c.n = 12345;
	rc = cp_creds_parse(&c, v, "fuzz", err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc != 0) {
		FUZZ_CHECK(strncmp(err, "fuzz:", 5) == 0 && c.n == 12345);
	} else {
		FUZZ_CHECK(c.n >= 1 && c.n <= CP_CREDS_MAX);
		for (unsigned i = 0; i < c.n; i++) {
			FUZZ_CHECK(field_ok(c.c[i].realm) &&
				   field_ok(c.c[i].user) &&
				   field_ok(c.c[i].password));
			FUZZ_CHECK(cp_creds_find(&c, c.c[i].realm) == &c.c[i]);
			for (unsigned k = 0; k < i; k++)
				FUZZ_CHECK(strcmp(c.c[k].realm,
						  c.c[i].realm) != 0);
		}
	}
	free(v);
	return 0;
}
