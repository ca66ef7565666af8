/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_policy.c: libFuzzer target for the conference policy loader
 * (controlplane/policy.c: libxml2 parse, schema, meaning checks) and, on
 * a file it accepts, for cp_policy_decide(). Input: the policy file's
 * bytes. Properties: a policy comes back exactly when 0 is returned;
 * a refusal has a message whose every line starts with the file's name;
 * every decision's status fits its verdict (ALLOW 200, CHALLENGE 401
 * with at least one challenge, COLLECT 0, DENY 403/404/486).
 */
#include <errno.h>

#include "fuzz.h"
#include "policy.h"

#define NAME "fuzz.xml"

static void
check_err(const char *err)
{
	const char *s = err;

	FUZZ_CHECK(strncmp(s, NAME, strlen(NAME)) == 0);
	while ((s = strchr(s, '\n')) != NULL) {
		s++;
		FUZZ_CHECK(strncmp(s, NAME, strlen(NAME)) == 0);
	}
}

static void
check_decisions(const struct cp_policy *p)
{
	static const char *const froms[] = {
		"sip:alice@example.com",
		"\"x\" <sip:bob@example.com;a=b>",
		"tel:+15551234",
		"garbage <",
	};
	static const char *const confs[] = {
		"sip:board@conf.example.net",
		"sip:lobby@x",
		"sip:x@y",
	};
	struct cp_policy_conf_info ci;

	for (int op = 0; op <= CP_POLICY_DTMF; op++)
		for (size_t f = 0; f < 4; f++)
			for (size_t c = 0; c < 3; c++) {
				struct cp_policy_req r = {
					.op = (enum cp_policy_op)op,
					.from_uri = froms[f],
					.conf_uri = confs[c],
					.target_uri = froms[(f + 1) % 4],
					.dtmf = f == 0 ? "*" : "*6",
					.pin = c == 0 ? NULL : "1234",
					.n_participants = (uint32_t)f * 3,
					.conf_active = c != 2,
					.locked = f == 1,
					.is_creator = c == 1,
					.auth_user = f == 2 ? "alice" : NULL,
					.authorization =
						f == 3 ? "Digest a=b" : NULL,
					.now_s = 1000,
				};
				struct cp_policy_decision d;
				enum cp_policy_verdict v;

				v = cp_policy_decide(p, &r, &d);
				FUZZ_CHECK(v == d.verdict);
				switch (v) {
				case CP_POLICY_ALLOW:
					FUZZ_CHECK(d.status == 200);
					break;
				case CP_POLICY_CHALLENGE:
					FUZZ_CHECK(d.status == 401);
					FUZZ_CHECK(d.n_challenges >= 1);
					break;
				case CP_POLICY_COLLECT:
					FUZZ_CHECK(d.status == 0);
					break;
				case CP_POLICY_DENY:
					FUZZ_CHECK(d.status == 403 ||
						   d.status == 404 ||
						   d.status == 486);
					break;
				default:
					FUZZ_CHECK(0);
				}
				cp_policy_conf(p, confs[c], &ci);
				FUZZ_CHECK(ci.max_participants >= 1);
			}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cp_policy *p = NULL;
	char err[2048];
	char *text = (char *)fuzz_dup(data, size);
	int rc;

	rc = cp_policy_parse(text, size, NAME, &p, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	FUZZ_CHECK((rc == 0) == (p != NULL));
	if (rc == 0)
		check_decisions(p);
	else
		check_err(err);
	cp_policy_destroy(p);
	free(text);
	return 0;
}
