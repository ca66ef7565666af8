/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_creds.c: libFuzzer target for the credentials file parser
 * (controlplane/creds.c), which reads what an operator wrote. Input: the
 * file's bytes (up to the first NUL, as cp_creds_load() refuses one).
 * Properties: 0 or -EINVAL; a refusal says "fuzz:" and leaves the output
 * alone; a success has 1..CP_CREDS_MAX entries, each field non-empty,
 * shorter than CP_CREDS_FIELD_MAX and free of control characters, realms
 * all different, and each found by its realm; an entry has a password or
 * (not for realm *) one or two HA1s of lower-case hex of their lengths,
 * not both.
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

/* An HA1 of n hex digits, lower-case, or none. */
static bool
ha1_ok(const char *h, size_t n)
{
	return h[0] == '\0' ||
	       (strlen(h) == n && strspn(h, "0123456789abcdef") == n);
}

/* A password, or HA1s (not for realm *); not both. */
static bool
secret_ok(const struct cp_cred *c)
{
	bool ha1 = c->ha1_md5[0] != '\0' || c->ha1_sha256[0] != '\0';

	if (!ha1_ok(c->ha1_md5, 32) || !ha1_ok(c->ha1_sha256, 64))
		return false;
	if (c->password[0] != '\0')
		return !ha1 && field_ok(c->password);
	return ha1 && strcmp(c->realm, "*") != 0;
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
				   field_ok(c.c[i].user) && secret_ok(&c.c[i]));
			FUZZ_CHECK(cp_creds_find(&c, c.c[i].realm) == &c.c[i]);
			for (unsigned k = 0; k < i; k++)
				FUZZ_CHECK(strcmp(c.c[k].realm,
						  c.c[i].realm) != 0);
		}
	}
	free(v);
	return 0;
}
