/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_digest.c: libFuzzer target for the Digest Authorization parser
 * and nonce check (controlplane/digest.c), and for the challenge parser
 * and its answer (the client's side): the header values come from the
 * network. Input: the value's bytes (NUL-terminated copy). Properties:
 * the result is 0, -EINVAL, -ENOTSUP or -E2BIG; on success the required
 * fields are set and every string lies inside the struct's buffer; the
 * response check and the nonce check of whatever parsed do not crash, and
 * a nonce not made with the key is never fresh; a challenge that parsed is
 * answered, and the answer parses as an Authorization value that checks
 * out with the password it was made with (or it did not fit: -ENOSPC, or
 * had a control character: -EINVAL).
 */
#include <errno.h>

#include "digest.h"
#include "fuzz.h"

static void
check_in_buf(const struct cp_digest_creds *c, const char *s)
{
	if (s != NULL)
		FUZZ_CHECK(s >= c->buf &&
			   s + strlen(s) < c->buf + sizeof(c->buf));
}

/* v as a challenge: answered, the answer checked as a server would. */
static void
challenge(const char *v)
{
	static struct cp_digest_chal ch;
	static struct cp_digest_creds c;
	static char ans[CP_DIGEST_VALUE_MAX], ans2[CP_DIGEST_VALUE_MAX];
	char ha1[CP_DIGEST_HEX_MAX];
	int rc = cp_digest_chal_parse(&ch, v);

	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOTSUP || rc == -E2BIG);
	if (rc != 0) {
		FUZZ_CHECK(ch.realm == NULL && ch.nonce == NULL);
		return;
	}
	FUZZ_CHECK(ch.realm >= ch.buf && ch.nonce >= ch.buf);
	rc = cp_digest_answer(ans, sizeof(ans), &ch, "user", "pw", "INVITE",
			      "sip:c@h", "0a4f113b", 1);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOSPC);
	if (rc != 0) {
		FUZZ_CHECK(ans[0] == '\0');
		return;
	}
	FUZZ_CHECK(cp_digest_parse(&c, ans) == 0);
	FUZZ_CHECK(strcmp(c.realm, ch.realm) == 0 &&
		   strcmp(c.nonce, ch.nonce) == 0);
	cp_digest_ha1(ch.alg, "user", ch.realm, "pw", ha1);
	FUZZ_CHECK(cp_digest_response_ok(&c, "INVITE", ha1));
	/* from the HA1 instead of the password: the same answer */
	FUZZ_CHECK(cp_digest_answer_ha1(ans2, sizeof(ans2), &ch, "user", ha1,
					"INVITE", "sip:c@h", "0a4f113b",
					1) == 0 &&
		   strcmp(ans2, ans) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cp_digest_key key = { { 7 } };
	static struct cp_digest_creds c;
	char *v = malloc(size + 1);
	char ha1[CP_DIGEST_HEX_MAX];
	int rc;

	FUZZ_CHECK(v != NULL);
	memcpy(v, data, size);
	v[size] = '\0';
	rc = cp_digest_parse(&c, v);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOTSUP || rc == -E2BIG);
	if (rc == 0) {
		FUZZ_CHECK(c.username != NULL && c.realm != NULL &&
			   c.nonce != NULL && c.uri != NULL &&
			   c.response != NULL);
		FUZZ_CHECK(!c.qop_auth || (c.nc != NULL && c.cnonce != NULL));
		check_in_buf(&c, c.username);
		check_in_buf(&c, c.realm);
		check_in_buf(&c, c.nonce);
		check_in_buf(&c, c.uri);
		check_in_buf(&c, c.response);
		check_in_buf(&c, c.cnonce);
		check_in_buf(&c, c.nc);
		check_in_buf(&c, c.opaque);
		cp_digest_ha1(c.alg, c.username, c.realm, "pw", ha1);
		(void)cp_digest_response_ok(&c, "INVITE", ha1);
		/* forging a nonce needs the key: no input is ever fresh */
		FUZZ_CHECK(cp_digest_nonce_check(&key, c.realm, c.nonce,
						 UINT64_MAX / 2, 300) != 0);
	} else {
		FUZZ_CHECK(c.username == NULL && c.buf[0] == '\0');
	}
	challenge(v);
	free(v);
	return 0;
}
