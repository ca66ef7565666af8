/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_policy.c: the conference policy (controlplane/policy.c). Good files
 * load (the shipped example and a minimal one) with the settings they
 * say; each bad file in tests/vectors/policy/ is refused with exactly the
 * expected FILE:LINE: reason lines; a reload with a bad file keeps the
 * old policy and its nonces; URI glob edge cases; and a decision table
 * over every operation, role and authentication state (checklist F-06,
 * F-14, F-15, F-21..F-23, F-29, D4, D5) on etc/tutti-policy.xml.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "digest.h"
#include "policy.h"

#define NOW 1764600000ull /* 2025-12-01T14:40:00Z: nonce times */

static char err[8192];

static void
vector_path(char *buf, size_t len, const char *file)
{
	snprintf(buf, len, "%s/%s", test_env("POLICY_VECTORS"), file);
}

static struct cp_policy *
load_ok(const char *path)
{
	struct cp_policy *p = NULL;

	ck_assert_msg(cp_policy_load(path, &p, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* ---- good files ---- */

START_TEST(test_policy_example_loads_with_its_settings)
{
	struct cp_policy *p = load_ok(test_env("POLICY_EXAMPLE"));
	struct cp_policy_conf_info ci;

	cp_policy_conf(p, "Board <sip:board@CONF.example.net;transport=tcp>",
		       &ci);
	ck_assert(ci.reserved);
	ck_assert_str_eq(ci.subject, "Board meeting");
	ck_assert_uint_eq(ci.max_participants, 8);
	ck_assert(ci.has_pin);
	ck_assert(!ci.locked);
	ck_assert_int_eq(ci.lifetime, CP_POLICY_END_NEVER);
	cp_policy_conf(p, "sip:lobby@conf.example.net", &ci);
	ck_assert(ci.reserved);
	ck_assert_int_eq(ci.lifetime, CP_POLICY_END_EMPTY);
	ck_assert_uint_eq(ci.empty_timeout_s, 60);
	ck_assert_uint_eq(ci.max_participants, 20); /* from <default> */
	cp_policy_conf(p, "sip:conf-7f3a9c2e41b8@conf.example.net", &ci);
	ck_assert(!ci.reserved);
	ck_assert_str_eq(ci.subject, "");
	ck_assert_uint_eq(ci.max_participants, 20);
	ck_assert(!ci.has_pin);
	ck_assert_int_eq(ci.lifetime, CP_POLICY_END_CREATOR_LEAVES);
	cp_policy_destroy(p);
}
END_TEST

START_TEST(test_policy_minimal_file_has_builtin_defaults)
{
	struct cp_policy_decision d;
	struct cp_policy_conf_info ci;
	struct cp_policy_req r = {
		.op = CP_POLICY_JOIN,
		.from_uri = "tel:+15551234567",
		.conf_uri = "sip:any@conf",
		.conf_active = true,
		.n_participants = 100000,
	};
	struct cp_policy *p;
	char path[512];

	vector_path(path, sizeof(path), "minimal.xml");
	p = load_ok(path);
	cp_policy_conf(p, "sip:any@conf", &ci);
	ck_assert_uint_eq(ci.max_participants, UINT32_MAX);
	ck_assert_int_eq(ci.lifetime, CP_POLICY_END_CREATOR_LEAVES);
	ck_assert(!ci.has_pin && !ci.locked && !ci.reserved);
	/* anyone joins, creates and subscribes; no limit */
	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_ALLOW);
	r.op = CP_POLICY_CREATE;
	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_ALLOW);
	r.op = CP_POLICY_SUBSCRIBE;
	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_ALLOW);
	/* only moderators (here the creator) REFER */
	r.op = CP_POLICY_REFER_INVITE;
	r.target_uri = "sip:dave@example.com";
	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_DENY);
	ck_assert_int_eq(d.status, 403);
	r.is_creator = true;
	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_ALLOW);
	/* the built-in DTMF map */
	r.op = CP_POLICY_DTMF;
	r.dtmf = "*9";
	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_ALLOW);
	ck_assert_int_eq(d.action, CP_POLICY_DTMF_MUTE_ALL);
	r.dtmf = "*6";
	r.is_creator = false;
	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_ALLOW);
	ck_assert_int_eq(d.action, CP_POLICY_DTMF_TOGGLE_MUTE_SELF);
	cp_policy_destroy(p);
}
END_TEST

/* ---- bad files: every problem, FILE:LINE: reason, exactly ---- */

static const struct {
	const char *file;
	const char *lines; /* each line prefixed with the path */
} bad_files[] = {
	{ "bad_syntax.xml",
	  ":5: Opening and ending tag mismatch: default line 3 and defualt" },
	{ "bad_schema.xml",
	  ":4: Element 'colour': This element is not expected. Expected is "
	  "one of ( subject, max-participants, locked, pin, lifetime, "
	  "moderators, join, create, refer, refer-bye ).\n"
	  ":7: Element 'max-participants': 'many' is not a valid value of the "
	  "atomic type 'xs:unsignedInt'.\n"
	  ":8: Element 'locked': 'perhaps' is not a valid value of the atomic "
	  "type 'xs:boolean'." },
	{ "bad_namespace.xml",
	  ":2: Element 'conference-policy': No matching global declaration "
	  "available for the validation root." },
	{ "bad_doctype.xml", ":1: a DOCTYPE is not allowed" },
	{ "bad_empty.xml", ":1: the file is empty" },
	{ "bad_values.xml",
	  ":4: max-participants 0: expected 1 to 100000\n"
	  ":5: pin '12a4': expected 1 to 16 digits\n"
	  ":6: lifetime 'forever': expected creator-leaves, empty or never\n"
	  ":8: <subject> given twice in one rule set (first at line 7)\n"
	  ":11: max-participants 100001: expected 1 to 100000\n"
	  ":12: pin '12345678901234567': expected 1 to 16 digits\n"
	  ":13: lifetime: empty-timeout goes only with 'empty'\n"
	  ":16: lifetime: empty-timeout 86401: at most 86400 seconds" },
	{ "bad_dtmf.xml",
	  ":6: dtmf action 'jump': unknown (mute-self, unmute-self, "
	  "toggle-mute-self, lock, unlock, toggle-lock, mute-all, unmute-all, "
	  "end)\n"
	  ":7: dtmf digits '*x': expected 1 to 8 of 0-9, *, #, A-D\n"
	  ":8: dtmf digits '*6' given twice (first at line 5)\n"
	  ":9: dtmf digits '*61' and '*6' (line 5): one is a prefix of the "
	  "other\n"
	  ":10: dtmf digits '123456789': expected 1 to 8 of 0-9, *, #, A-D\n"
	  ":11: dtmf digits '': expected 1 to 8 of 0-9, *, #, A-D" },
	{ "bad_patterns.xml",
	  ":5: moderators pattern 'alice@example.com': expected * or "
	  "SCHEME:..., e.g. sip:*@example.com\n"
	  ":6: moderators pattern 'sip:alice@example.com;transport=tcp': URI "
	  "parameters are not compared: leave them out\n"
	  ":10: join pattern '*@example.com': expected * or SCHEME:..., e.g. "
	  "sip:*@example.com\n"
	  ":11: join pattern 'sip:bad guy@example.com': has a space, control "
	  "character, <, > or \"\n"
	  ":12: join pattern '<sip:x@example.com>': has a space, control "
	  "character, <, > or \"" },
	{ "bad_conferences.xml",
	  ":4: conference sip:board@conf.example.net is defined twice (first "
	  "at line 3)\n"
	  ":6: conference lobby is defined twice (first at line 5)\n"
	  ":7: conference: needs uri or user\n"
	  ":8: conference: uri or user, not both\n"
	  ":9: conference uri 'tel:+15551234': expected sip:USER@HOST or "
	  "sips:USER@HOST\n"
	  ":10: conference uri 'sip:*@conf.example.net': expected "
	  "sip:USER@HOST or sips:USER@HOST\n"
	  ":11: conference user 'a@b': expected the user part of a URI\n"
	  ":13: create: only in <default> (the factory makes new "
	  "conferences)" },
	{ "bad_credentials.xml",
	  ":3: credentials: realm 'conf \"x\"': 1 to 128 characters without "
	  "'\"', '\\' or control characters\n"
	  ":3: credentials: nonce-lifetime 0: expected 1 to 86400 seconds\n"
	  ":4: user 'alice': needs password, ha1-md5 or ha1-sha256\n"
	  ":5: user 'bob': ha1-md5 must be 32 hex digits\n"
	  ":6: user 'bob': password and ha1-* exclude each other\n"
	  ":6: user 'bob': ha1-sha256 must be 64 hex digits\n"
	  ":6: user 'bob' is defined twice\n"
	  ":7: user 'carol': uri 'sip:*@example.com': expected a URI such as "
	  "sip:alice@example.com" },
	{ "bad_no_users.xml", ":3: credentials: no <user>" },
	{ "bad_dial.xml",
	  ":4: dial-out: only in a <conference> (it names whom that "
	  "conference calls)\n"
	  ":9: dial-out uri 'tel:+15551234': expected a SIP URI such as "
	  "sip:alice@192.0.2.10:5060\n"
	  ":10: dial-out uri 'sip:@192.0.2.11': expected a SIP URI such as "
	  "sip:alice@192.0.2.10:5060" },
	{ "bad_confirm.xml", ":4: join: <confirm> is only for <subscribe> (a "
			     "pending subscription waits for the operator)" },
	{ "bad_auth.xml", ":4: join: auth=\"true\" needs <credentials>\n"
			  ":7: subscribe: auth=\"true\" needs <credentials>" },
};

START_TEST(test_policy_refuses_bad_file_with_file_line_reason)
{
	struct cp_policy *p = (struct cp_policy *)&p; /* must stay unwritten */
	char path[512], want[4096];
	const char *s = bad_files[_i].lines;
	size_t w = 0;

	vector_path(path, sizeof(path), bad_files[_i].file);
	/* the path, then each line of the table, each prefixed with it */
	for (;;) {
		size_t n = strcspn(s, "\n");

		w += (size_t)snprintf(want + w, sizeof(want) - w, "%s%s%.*s",
				      w != 0 ? "\n" : "", path, (int)n, s);
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	ck_assert_int_eq(cp_policy_load(path, &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_eq(p, (struct cp_policy *)&p);
}
END_TEST

START_TEST(test_policy_refuses_missing_and_huge_files)
{
	struct cp_policy *p = NULL;
	char *big;

	ck_assert_int_eq(
		cp_policy_load("/nonexistent/p.xml", &p, err, sizeof(err)),
		-ENOENT);
	ck_assert_str_eq(err, "/nonexistent/p.xml: No such file or directory");
	big = calloc(1, 1024 * 1024 + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 1024 * 1024 + 1);
	ck_assert_int_eq(cp_policy_parse(big, strlen(big), "big.xml", &p, err,
					 sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "big.xml: larger than 1048576 bytes");
	ck_assert_ptr_null(p);
	free(big);
}
END_TEST

START_TEST(test_policy_error_text_is_truncated_safely)
{
	struct cp_policy *p = NULL;
	char path[512], small[24];

	vector_path(path, sizeof(path), "bad_dtmf.xml");
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(cp_policy_load(path, &p, small, sizeof(small)),
			 -EINVAL);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_int_eq(cp_policy_load(path, &p, NULL, 0), -EINVAL);
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(cp_policy_load(path, &p, small, 0), -EINVAL);
	ck_assert_int_eq(small[0], 'x'); /* untouched */
}
END_TEST

/* Lines after the first are whole or left out. */
START_TEST(test_policy_error_text_keeps_whole_lines)
{
	struct cp_policy *p = NULL;
	char path[400], want[600], buf[1300];

	vector_path(path, sizeof(path), "bad_auth.xml");
	snprintf(want, sizeof(want),
		 "%s:4: join: auth=\"true\" needs "
		 "<credentials>",
		 path);
	/* room for the first line and most of the second, not all of it */
	ck_assert_int_eq(cp_policy_load(path, &p, buf, strlen(want) * 2),
			 -EINVAL);
	ck_assert_str_eq(buf, want);
}
END_TEST
END_TEST

START_TEST(test_policy_reports_at_most_50_errors)
{
	static char text[64 * 1024], big_err[64 * 1024];
	struct cp_policy *p = NULL;
	size_t n = 0, lines = 1;

	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "<conference-policy xmlns=\"urn:tutti:params:"
			      "xml:ns:conference-policy\"><default><dtmf>\n");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "<command digits=\"%d\" action=\"x\"/>\n",
				      i);
	snprintf(text + n, sizeof(text) - n,
		 "</dtmf></default></conference-policy>\n");
	ck_assert_int_eq(cp_policy_parse(text, strlen(text), "m.xml", &p,
					 big_err, sizeof(big_err)),
			 -EINVAL);
	for (const char *s = big_err; (s = strchr(s, '\n')) != NULL; s++)
		lines++;
	ck_assert_uint_eq(lines, 51);
	ck_assert_ptr_nonnull(
		strstr(big_err, "\nm.xml: more errors not shown"));
}
END_TEST

/* ---- reload ---- */

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

#define POLICY_HEAD                                                      \
	"<?xml version=\"1.0\"?>\n<conference-policy xmlns=\"urn:tutti:" \
	"params:xml:ns:conference-policy\">\n"

START_TEST(test_policy_reload_keeps_old_policy_on_error)
{
	char path[] = "/tmp/test_policy_XXXXXX";
	struct cp_policy *p = NULL, *old;
	struct cp_policy_conf_info ci;
	struct cp_policy_decision d;
	struct cp_policy_req r = {
		.op = CP_POLICY_CREATE,
		.from_uri = "sip:bob@example.com",
		.conf_uri = "sip:factory@conf",
		.now_s = NOW,
	};
	char nonce1[CP_DIGEST_NONCE_LEN + 1], nonce2[CP_DIGEST_NONCE_LEN + 1];
	const char *q;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_file(path, POLICY_HEAD
		   "<credentials realm=\"conf\"><user name=\"bob\" "
		   "password=\"pw\"/></credentials>\n"
		   "<default><max-participants>10</max-participants>\n"
		   "<create auth=\"true\"/></default>\n</conference-policy>\n");
	ck_assert_msg(cp_policy_load(path, &p, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_CHALLENGE);
	ck_assert_ptr_nonnull(q = strstr(d.www_authenticate[0], "nonce=\""));
	memcpy(nonce1, q + 7, CP_DIGEST_NONCE_LEN);
	nonce1[CP_DIGEST_NONCE_LEN] = '\0';

	/* a bad file: refused with its line, nothing changes */
	write_file(path, POLICY_HEAD
		   "<default><max-participants>0</max-participants></default>"
		   "\n</conference-policy>\n");
	old = p;
	ck_assert_int_eq(cp_policy_reload(&p, path, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_eq(p, old);
	ck_assert_ptr_nonnull(strstr(err, ":3: max-participants 0"));
	cp_policy_conf(p, "sip:x@conf", &ci);
	ck_assert_uint_eq(ci.max_participants, 10);
	/* a missing file: the same */
	ck_assert_int_eq(
		cp_policy_reload(&p, "/nonexistent/p.xml", err, sizeof(err)),
		-ENOENT);
	ck_assert_ptr_eq(p, old);

	/* a good one replaces it; nonces made before stay good */
	write_file(path, POLICY_HEAD
		   "<credentials realm=\"conf\"><user name=\"bob\" "
		   "password=\"pw\"/></credentials>\n"
		   "<default><max-participants>5</max-participants>\n"
		   "<create auth=\"true\"/></default>\n</conference-policy>\n");
	ck_assert_msg(cp_policy_reload(&p, path, err, sizeof(err)) == 0, "%s",
		      err);
	cp_policy_conf(p, "sip:x@conf", &ci);
	ck_assert_uint_eq(ci.max_participants, 5);
	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_CHALLENGE);
	q = strstr(d.www_authenticate[0], "nonce=\"");
	memcpy(nonce2, q + 7, CP_DIGEST_NONCE_LEN);
	nonce2[CP_DIGEST_NONCE_LEN] = '\0';
	ck_assert_str_eq(nonce1, nonce2); /* same key, same time */
	cp_policy_destroy(p);
	unlink(path);
}
END_TEST

/* ---- URI globs ---- */

static const struct {
	const char *pattern;
	const char *uri;
	bool match;
} globs[] = {
	{ "*", "sip:a@b", true },
	{ "*", "", true },
	{ "", "sip:a@b", false },
	{ "sip:*@example.com", "sip:bob@example.com", true },
	{ "sip:*@example.com", "sip:bob@evil.example.com", false },
	{ "sip:*@example.com", "sips:bob@example.com", false },
	{ "sip*:*@example.com", "sips:bob@example.com", true },
	{ "sip:*@*.example.com", "sip:bob@pbx.example.com", true },
	{ "sip:*@*.example.com", "sip:bob@example.com", false },
	/* scheme and host without case, user with case (RFC 3261 §19.1.4) */
	{ "sip:*@Example.COM", "SIP:bob@EXAMPLE.com", true },
	{ "sip:Bob@example.com", "sip:bob@example.com", false },
	/* name-addr, parameters and headers are not part of the identity */
	{ "sip:bob@example.com", "\"Bob\" <sip:bob@example.com;transport=tcp>",
	  true },
	{ "sip:bob@example.com", "Bob <sip:bob@example.com?Subject=hi>", true },
	{ "sip:bob@example.com", " sip:bob@example.com ", true },
	{ "sip:bob@example.com", "sip:bob@example.com:5060", false },
	{ "sip:bob@example.com:*", "sip:bob@example.com:5060", true },
	/* a user part may hold ';' and '?' (RFC 3261 user-unreserved) */
	{ "sip:a;b@example.com", "sip:a;b@example.com;lr", true },
	/* spoofing attempts */
	{ "sip:x@example.com", "\"a<sip:x@example.com>\" <sip:evil@attacker>",
	  false },
	{ "sip:*@example.com", "sip:evil@attacker.net;x=@example.com", false },
	{ "*", "sip:evil@attacker.net;x=@example.com", true },
	{ "sip:*@example.com", "<sip:bob@example.com", false },
	/* ? is one character; * backtracks */
	{ "sip:bo?@example.com", "sip:bob@example.com", true },
	{ "sip:bo?@example.com", "sip:bo@example.com", false },
	{ "sip:*@example.co?", "sip:bob@example.com", true },
	{ "sip:*@example.co?", "sip:bob@example.co", false },
	{ "sip:example.co?", "sip:example.com", true },
	{ "sip:*a*b*@x", "sip:xaybz@x", true },
	{ "sip:*ab@x", "sip:aab@x", true },
	{ "sip:*ab@x", "sip:aba@x", false },
	{ "sip:***@x", "sip:@x", true },
	{ "tel:+1555*", "tel:+15551234567", true },
	{ "tel:+1555*", "tel:+1666", false },
};

START_TEST(test_policy_uri_glob_edge_cases)
{
	ck_assert_msg(cp_policy_uri_matches(globs[_i].pattern, globs[_i].uri) ==
			      globs[_i].match,
		      "'%s' vs '%s'", globs[_i].pattern, globs[_i].uri);
}
END_TEST

START_TEST(test_policy_uri_glob_long_and_null)
{
	char uri[600];

	memset(uri, 'a', sizeof(uri) - 1);
	memcpy(uri, "sip:", 4);
	uri[sizeof(uri) - 1] = '\0';
	ck_assert(!cp_policy_uri_matches("sip:*", uri));
	ck_assert(cp_policy_uri_matches("*", uri));
	ck_assert(!cp_policy_uri_matches(NULL, "sip:a@b"));
	ck_assert(!cp_policy_uri_matches("*", NULL));
}
END_TEST

/* ---- decisions on etc/tutti-policy.xml ---- */

#define BOARD	"sip:board@conf.example.net"
#define LOBBY	"sip:lobby@conf.example.net"
#define ADHOC	"sip:conf-7f3a9c2e41b8@conf.example.net"
#define FACTORY "sip:factory@conf.example.net"
#define ALICE	"sip:alice@example.com"
#define BOB	"sip:bob@example.com"
#define CAROL	"sip:carol@example.com"
#define EVE	"sip:eve@evil.example"
#define DAVE	"sip:dave@example.com"

enum auth_kind {
	NOAUTH = 0,
	A_ALICE,     /* SHA-256, password user */
	A_ALICE_MD5, /* MD5, password user */
	A_CAROL,     /* SHA-256, HA1-only user */
	A_CAROL_MD5, /* MD5, HA1-only user */
	A_WRONG,     /* alice, wrong password */
	A_STALE,     /* alice, nonce older than nonce-lifetime */
	A_FORGED,    /* alice, nonce of another server's key */
	A_OTHER_URI, /* alice, response for another Request-URI */
	A_NOBODY,    /* a user the policy does not know */
	A_GARBAGE,   /* not a Digest value */
	P_ALICE,     /* authenticated earlier (req.auth_user) */
	P_CAROL,
	P_GONE, /* authenticated earlier as a user since removed */
	ASSERTED, /* From asserted by the trust domain (RFC 3325) */
};

struct row {
	enum cp_policy_op op;
	const char *from, *conf, *target, *pin, *dtmf;
	enum auth_kind auth;
	uint32_t n;
	bool active, locked, creator;
	/* expected */
	enum cp_policy_verdict v;
	int status;
	enum cp_policy_cause cause;
	int detail; /* COLLECT: enum cp_policy_collect; ALLOW DTMF: action */
	bool moderator;
	bool stale;
};

#define J	CP_POLICY_JOIN
#define C	CP_POLICY_CREATE
#define RI	CP_POLICY_REFER_INVITE
#define RB	CP_POLICY_REFER_BYE
#define S	CP_POLICY_SUBSCRIBE
#define D	CP_POLICY_DTMF
#define ALLOW	CP_POLICY_ALLOW, 200, CP_POLICY_CAUSE_NONE
#define CHAL	CP_POLICY_CHALLENGE, 401, CP_POLICY_CAUSE_NONE
#define COLLECT CP_POLICY_COLLECT, 0, CP_POLICY_CAUSE_NONE
#define CONFIRM CP_POLICY_CONFIRM, 200, CP_POLICY_CAUSE_NONE
#define D404	CP_POLICY_DENY, 404, CP_POLICY_CAUSE_UNKNOWN_CONF
#define D403	CP_POLICY_DENY, 403, CP_POLICY_CAUSE_NOT_ALLOWED
#define LOCKED	CP_POLICY_DENY, 403, CP_POLICY_CAUSE_LOCKED
#define FULL	CP_POLICY_DENY, 486, CP_POLICY_CAUSE_FULL
#define BADPIN	CP_POLICY_DENY, 403, CP_POLICY_CAUSE_BAD_PIN
#define BADTGT	CP_POLICY_DENY, 403, CP_POLICY_CAUSE_BAD_TARGET
#define NODTMF	CP_POLICY_DENY, 404, CP_POLICY_CAUSE_UNKNOWN_DTMF
#define BADREQ	CP_POLICY_DENY, 500, CP_POLICY_CAUSE_BAD_REQUEST

/*
 * { op, from, conf, target, pin, dtmf, auth, n, active, locked, creator,
 *   verdict, status, cause, detail, moderator, stale }: trailing fields
 * left out are 0/false (hence the pragma: the table stays readable).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct row rows[] = {
	/* JOIN to an ad-hoc conference (the <default> rules) */
	{ J, BOB, ADHOC, 0, 0, 0, NOAUTH, 3, false, 0, 0, D404 }, /* F-06 */
	{ J, BOB, ADHOC, 0, 0, 0, NOAUTH, 3, true, 0, 0, ALLOW },
	{ J, "Bob <sip:bob@EXAMPLE.com;transport=tcp>", ADHOC, 0, 0, 0, NOAUTH,
	  3, true, 0, 0, ALLOW },
	{ J, "sip:mallory@example.com", ADHOC, 0, 0, 0, NOAUTH, 3, true, 0, 0,
	  D403 },
	/* the user part keeps its case: the deny entry does not match */
	{ J, "sip:Mallory@example.com", ADHOC, 0, 0, 0, NOAUTH, 3, true, 0, 0,
	  ALLOW },
	{ J, EVE, ADHOC, 0, 0, 0, NOAUTH, 3, true, 0, 0, D403 },
	{ J, BOB, ADHOC, 0, 0, 0, NOAUTH, 3, true, true, 0, LOCKED }, /* F-15 */
	{ J, BOB, ADHOC, 0, 0, 0, NOAUTH, 3, true, true, true, ALLOW, 0, true },
	{ J, BOB, ADHOC, 0, 0, 0, NOAUTH, 19, true, 0, 0, ALLOW },
	{ J, BOB, ADHOC, 0, 0, 0, NOAUTH, 20, true, 0, 0, FULL }, /* F-15 */
	{ J, BOB, ADHOC, 0, 0, 0, NOAUTH, 20, true, 0, true, FULL, 0, true },
	/* credentials are checked even where not required */
	{ J, EVE, ADHOC, 0, 0, 0, A_ALICE, 3, true, 0, 0, ALLOW },
	{ J, EVE, ADHOC, 0, 0, 0, A_WRONG, 3, true, 0, 0, D403 },
	/* JOIN to the board: Digest, PIN, moderators */
	{ J, BOB, BOARD, 0, 0, 0, NOAUTH, 3, 0, 0, 0, CHAL }, /* F-14, D5 */
	{ J, ALICE, BOARD, 0, 0, 0, A_WRONG, 3, 0, 0, 0, CHAL },
	{ J, ALICE, BOARD, 0, 0, 0, A_STALE, 3, 0, 0, 0, CHAL, 0, 0, true },
	{ J, ALICE, BOARD, 0, 0, 0, A_FORGED, 3, 0, 0, 0, CHAL },
	{ J, ALICE, BOARD, 0, 0, 0, A_OTHER_URI, 3, 0, 0, 0, CHAL },
	{ J, ALICE, BOARD, 0, 0, 0, A_NOBODY, 3, 0, 0, 0, CHAL },
	{ J, ALICE, BOARD, 0, 0, 0, A_GARBAGE, 3, 0, 0, 0, CHAL },
	{ J, ALICE, BOARD, 0, 0, 0, A_ALICE, 3, 0, 0, 0, COLLECT,
	  CP_POLICY_COLLECT_PIN, true },
	{ J, ALICE, BOARD, 0, 0, 0, A_ALICE_MD5, 3, 0, 0, 0, COLLECT,
	  CP_POLICY_COLLECT_PIN, true },
	{ J, ALICE, BOARD, 0, "2468", 0, A_ALICE, 3, 0, 0, 0, ALLOW, 0, true },
	{ J, ALICE, BOARD, 0, "2469", 0, A_ALICE, 3, 0, 0, 0, BADPIN, 0, true },
	{ J, ALICE, BOARD, 0, "24680", 0, A_ALICE, 3, 0, 0, 0, BADPIN, 0,
	  true },
	{ J, ALICE, BOARD, 0, "", 0, A_ALICE, 3, 0, 0, 0, BADPIN, 0, true },
	/* the authenticated identity, not From, decides */
	{ J, EVE, BOARD, 0, "2468", 0, A_ALICE, 3, 0, 0, 0, ALLOW, 0, true },
	{ J, ALICE, BOARD, 0, "2468", 0, A_CAROL, 3, 0, 0, 0, ALLOW },
	{ J, CAROL, BOARD, 0, "2468", 0, A_CAROL_MD5, 3, 0, 0, 0, ALLOW },
	{ J, CAROL, BOARD, 0, "2468", 0, A_CAROL, 3, 0, true, 0, LOCKED },
	{ J, ALICE, BOARD, 0, "2468", 0, A_ALICE, 3, 0, true, 0, ALLOW, 0,
	  true },
	{ J, ALICE, BOARD, 0, "2468", 0, A_ALICE, 8, 0, 0, 0, FULL, 0, true },
	/* an identity the trust domain asserted passes auth="true", as a
	 * Digest user does, and is who asks */
	{ J, ALICE, BOARD, 0, 0, 0, ASSERTED, 3, 0, 0, 0, COLLECT,
	  CP_POLICY_COLLECT_PIN, true },
	{ J, ALICE, BOARD, 0, "2468", 0, ASSERTED, 3, 0, 0, 0, ALLOW, 0,
	  true },
	{ J, CAROL, BOARD, 0, "2468", 0, ASSERTED, 3, 0, 0, 0, ALLOW },
	{ J, EVE, BOARD, 0, "2468", 0, ASSERTED, 3, 0, 0, 0, D403 },
	{ J, CAROL, BOARD, 0, "2468", 0, ASSERTED, 3, 0, true, 0, LOCKED },
	{ C, ALICE, FACTORY, 0, 0, 0, ASSERTED, 0, 0, 0, 0, ALLOW },
	{ RI, ALICE, BOARD, DAVE, 0, 0, ASSERTED, 3, 0, 0, 0, ALLOW, 0, true },
	{ RI, CAROL, BOARD, DAVE, 0, 0, ASSERTED, 3, 0, 0, 0, D403 },
	{ S, CAROL, BOARD, 0, 0, 0, ASSERTED, 3, 0, 0, 0, ALLOW },
	{ S, EVE, BOARD, 0, 0, 0, ASSERTED, 3, 0, 0, 0, D403 },
	/* the lobby: by user part, on any host, open to anyone */
	{ J, EVE, LOBBY, 0, 0, 0, NOAUTH, 0, 0, 0, 0, ALLOW },
	{ J, EVE, "sip:lobby@other.example", 0, 0, 0, NOAUTH, 0, 0, 0, 0,
	  ALLOW },
	/* CREATE through the factory: Digest, then who */
	{ C, BOB, FACTORY, 0, 0, 0, NOAUTH, 0, 0, 0, 0, CHAL },
	{ C, ALICE, FACTORY, 0, 0, 0, A_ALICE, 0, 0, 0, 0, ALLOW },
	{ C, CAROL, FACTORY, 0, 0, 0, A_CAROL, 0, 0, 0, 0, ALLOW },
	{ C, ALICE, FACTORY, 0, 0, 0, A_STALE, 0, 0, 0, 0, CHAL, 0, 0, true },
	/* REFER dial-out (F-21..F-23): moderators only, after Digest */
	{ RI, BOB, ADHOC, DAVE, 0, 0, NOAUTH, 3, true, 0, 0, CHAL },
	{ RI, ALICE, ADHOC, DAVE, 0, 0, A_ALICE, 3, true, 0, 0, D403 },
	{ RI, ALICE, ADHOC, DAVE, 0, 0, A_ALICE, 3, true, 0, true, ALLOW, 0,
	  true },
	{ RI, ALICE, ADHOC, "<sip:dave@example.com;method=INVITE>", 0, 0,
	  A_ALICE, 3, true, 0, true, ALLOW, 0, true },
	{ RI, ALICE, ADHOC, "tel:+15551234", 0, 0, A_ALICE, 3, true, 0, true,
	  BADTGT, 0, true },
	{ RI, ALICE, ADHOC, "http://example.com/", 0, 0, A_ALICE, 3, true, 0,
	  true, BADTGT, 0, true },
	{ RI, ALICE, ADHOC, ADHOC, 0, 0, A_ALICE, 3, true, 0, true, BADTGT, 0,
	  true },
	{ RI, ALICE, BOARD, LOBBY, 0, 0, A_ALICE, 3, 0, 0, 0, BADTGT, 0, true },
	{ RI, ALICE, BOARD, DAVE, 0, 0, A_ALICE, 3, 0, 0, 0, ALLOW, 0, true },
	{ RI, CAROL, BOARD, DAVE, 0, 0, A_CAROL, 3, 0, 0, 0, D403 },
	{ RI, ALICE, "sip:nothere@conf.example.net", DAVE, 0, 0, A_ALICE, 3, 0,
	  0, 0, D404 },
	/* REFER method=BYE (F-29) */
	{ RB, ALICE, BOARD, CAROL, 0, 0, A_ALICE, 3, 0, 0, 0, ALLOW, 0, true },
	{ RB, CAROL, BOARD, ALICE, 0, 0, A_CAROL, 3, 0, 0, 0, D403 },
	{ RB, BOB, BOARD, ALICE, 0, 0, NOAUTH, 3, 0, 0, 0, CHAL },
	{ RB, ALICE, ADHOC, BOB, 0, 0, A_ALICE, 3, true, 0, true, ALLOW, 0,
	  true },
	{ RB, ALICE, ADHOC, "mailto:bob@example.com", 0, 0, A_ALICE, 3, true, 0,
	  true, BADTGT, 0, true },
	/* SUBSCRIBE (D5: 401, never 407) */
	{ S, BOB, ADHOC, 0, 0, 0, NOAUTH, 3, true, 0, 0, ALLOW },
	{ S, EVE, ADHOC, 0, 0, 0, NOAUTH, 3, true, 0, 0, D403 },
	{ S, BOB, ADHOC, 0, 0, 0, NOAUTH, 3, false, 0, 0, D404 },
	{ S, BOB, BOARD, 0, 0, 0, NOAUTH, 3, 0, 0, 0, CHAL },
	{ S, CAROL, BOARD, 0, 0, 0, A_CAROL, 3, 0, 0, 0, ALLOW },
	/* the lobby's own: ours at once, anyone else pending approval */
	{ S, EVE, LOBBY, 0, 0, 0, NOAUTH, 3, 0, 0, 0, CONFIRM },
	{ S, BOB, LOBBY, 0, 0, 0, NOAUTH, 3, 0, 0, 0, ALLOW },
	{ J, EVE, LOBBY, 0, 0, 0, NOAUTH, 3, 0, 0, 0, ALLOW },
	/* DTMF: the default map on ad-hoc conferences */
	{ D, BOB, ADHOC, 0, 0, "*6", NOAUTH, 3, true, 0, 0, ALLOW,
	  CP_POLICY_DTMF_TOGGLE_MUTE_SELF },
	{ D, BOB, ADHOC, 0, 0, "*1", NOAUTH, 3, true, 0, 0, D403 },
	{ D, BOB, ADHOC, 0, 0, "*1", NOAUTH, 3, true, 0, true, ALLOW,
	  CP_POLICY_DTMF_TOGGLE_LOCK, true },
	{ D, BOB, ADHOC, 0, 0, "*9", NOAUTH, 3, true, 0, true, ALLOW,
	  CP_POLICY_DTMF_MUTE_ALL, true },
	{ D, BOB, ADHOC, 0, 0, "*", NOAUTH, 3, true, 0, 0, COLLECT,
	  CP_POLICY_COLLECT_MORE },
	{ D, BOB, ADHOC, 0, 0, "", NOAUTH, 3, true, 0, 0, COLLECT,
	  CP_POLICY_COLLECT_MORE },
	{ D, BOB, ADHOC, 0, 0, "*5", NOAUTH, 3, true, 0, 0, NODTMF },
	{ D, BOB, ADHOC, 0, 0, "*2", NOAUTH, 3, true, 0, true, NODTMF, 0,
	  true },
	{ D, BOB, ADHOC, 0, 0, "*61", NOAUTH, 3, true, 0, 0, NODTMF },
	/* DTMF on the board: its own map; identity from the dialog's auth */
	{ D, ALICE, BOARD, 0, 0, "*#", P_ALICE, 3, 0, 0, 0, ALLOW,
	  CP_POLICY_DTMF_END, true },
	{ D, ALICE, BOARD, 0, 0, "*2", P_ALICE, 3, 0, 0, 0, ALLOW,
	  CP_POLICY_DTMF_UNLOCK, true },
	{ D, ALICE, BOARD, 0, 0, "*#", P_CAROL, 3, 0, 0, 0, D403 },
	{ D, CAROL, BOARD, 0, 0, "*6", P_CAROL, 3, 0, 0, 0, ALLOW,
	  CP_POLICY_DTMF_TOGGLE_MUTE_SELF },
	{ D, ALICE, BOARD, 0, 0, "*#", P_GONE, 3, 0, 0, 0, ALLOW,
	  CP_POLICY_DTMF_END, true }, /* From, when no user: see report */
	{ D, EVE, BOARD, 0, 0, "*#", P_GONE, 3, 0, 0, 0, D403 },
	/* a caller's bug */
	{ RI, ALICE, BOARD, NULL, 0, 0, A_ALICE, 3, 0, 0, 0, BADREQ },
	{ D, ALICE, BOARD, 0, NULL, NULL, P_ALICE, 3, 0, 0, 0, BADREQ },
	{ J, NULL, BOARD, 0, 0, 0, NOAUTH, 3, 0, 0, 0, BADREQ },
	{ J, ALICE, NULL, 0, 0, 0, NOAUTH, 3, 0, 0, 0, BADREQ },
	{ (enum cp_policy_op)77, ALICE, BOARD, 0, 0, 0, NOAUTH, 3, 0, 0, 0,
	  BADREQ },
};
#pragma GCC diagnostic pop

static struct cp_policy *example, *other;

static void
load_example(void)
{
	example = load_ok(test_env("POLICY_EXAMPLE"));
	other = load_ok(test_env("POLICY_EXAMPLE")); /* another random key */
}

static void
free_example(void)
{
	cp_policy_destroy(example);
	cp_policy_destroy(other);
}

/* The nonce in a decision's first challenge. */
static void
nonce_of(const struct cp_policy_decision *d, char *out)
{
	const char *q = strstr(d->www_authenticate[0], "nonce=\"");

	ck_assert_ptr_nonnull(q);
	memcpy(out, q + 7, CP_DIGEST_NONCE_LEN);
	out[CP_DIGEST_NONCE_LEN] = '\0';
}

/* A nonce from p at time t, through a challenge to CREATE. */
static void
nonce_from(const struct cp_policy *p, uint64_t t, char *out)
{
	struct cp_policy_req r = { .op = CP_POLICY_CREATE,
				   .from_uri = BOB,
				   .conf_uri = FACTORY,
				   .now_s = t };
	struct cp_policy_decision d;

	ck_assert_int_eq(cp_policy_decide(p, &r, &d), CP_POLICY_CHALLENGE);
	nonce_of(&d, out);
}

static const char *
method_of(enum cp_policy_op op)
{
	return op == CP_POLICY_JOIN || op == CP_POLICY_CREATE ? "INVITE"
	       : op == CP_POLICY_SUBSCRIBE		      ? "SUBSCRIBE"
							      : "REFER";
}

/* An Authorization value of kind k for a request op to uri. */
static void
authorization(enum auth_kind k, enum cp_policy_op op, const char *uri,
	      char *out, size_t len)
{
	const char *user = "alice", *pw = "wonderland", *huri = uri;
	enum cp_digest_alg alg = CP_DIGEST_SHA256;
	char nonce[CP_DIGEST_NONCE_LEN + 1], ha1[CP_DIGEST_HEX_MAX];
	char resp[CP_DIGEST_HEX_MAX];

	nonce_from(example, NOW - 10, nonce);
	switch (k) {
	case A_ALICE_MD5:
		alg = CP_DIGEST_MD5;
		break;
	case A_CAROL_MD5:
		alg = CP_DIGEST_MD5;
		/* fall through */
	case A_CAROL:
		user = "carol";
		pw = "rosebud";
		break;
	case A_WRONG:
		pw = "wonderlant";
		break;
	case A_STALE:
		nonce_from(example, NOW - 301, nonce);
		break;
	case A_FORGED:
		nonce_from(other, NOW - 10, nonce);
		break;
	case A_OTHER_URI:
		huri = LOBBY;
		break;
	case A_NOBODY:
		user = "zed";
		break;
	case A_GARBAGE:
		snprintf(out, len, "Digest nonsense");
		return;
	default:
		break;
	}
	cp_digest_ha1(alg, user, "conf.example.net", pw, ha1);
	cp_digest_response(alg, false, ha1, nonce, "00000001", "0a4f113b", true,
			   method_of(op), huri, resp);
	snprintf(out, len,
		 "Digest username=\"%s\", realm=\"conf.example.net\", "
		 "nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s, "
		 "qop=auth, nc=00000001, cnonce=\"0a4f113b\"",
		 user, nonce, huri, resp, cp_digest_alg_name(alg));
}

START_TEST(test_policy_decision_table)
{
	const struct row *w = &rows[_i];
	struct cp_policy_req r = {
		.op = w->op,
		.from_uri = w->from,
		.conf_uri = w->conf,
		.target_uri = w->target,
		.pin = w->pin,
		.dtmf = w->dtmf,
		.n_participants = w->n,
		.conf_active = w->active,
		.locked = w->locked,
		.is_creator = w->creator,
		.now_s = NOW,
	};
	struct cp_policy_decision d;
	char hdr[1024];
	enum cp_policy_verdict v;

	if (w->auth >= A_ALICE && w->auth <= A_GARBAGE && w->conf != NULL) {
		authorization(w->auth, w->op, w->conf, hdr, sizeof(hdr));
		r.authorization = hdr;
	}
	if (w->auth == P_ALICE)
		r.auth_user = "alice";
	else if (w->auth == P_CAROL)
		r.auth_user = "carol";
	else if (w->auth == P_GONE)
		r.auth_user = "gone";
	r.from_asserted = w->auth == ASSERTED;
	memset(&d, 0x5a, sizeof(d));
	v = cp_policy_decide(example, &r, &d);
	ck_assert_msg(v == w->v && d.verdict == w->v && d.status == w->status &&
			      d.cause == w->cause,
		      "row %d: %s got %s %d %s (cause %d), want %s %d (cause "
		      "%d)",
		      _i, cp_policy_op_name(w->op), cp_policy_verdict_name(v),
		      d.status, d.reason, d.cause, cp_policy_verdict_name(w->v),
		      w->status, w->cause);
	ck_assert_ptr_nonnull(d.reason);
	if (v == CP_POLICY_COLLECT)
		ck_assert_int_eq(d.collect, w->detail);
	else
		ck_assert_int_eq(d.collect, CP_POLICY_COLLECT_NONE);
	if (v == CP_POLICY_ALLOW && w->op == CP_POLICY_DTMF)
		ck_assert_int_eq(d.action, w->detail);
	else
		ck_assert_int_eq(d.action, CP_POLICY_DTMF_NONE);
	if (w->cause != CP_POLICY_CAUSE_BAD_REQUEST &&
	    w->cause != CP_POLICY_CAUSE_UNKNOWN_CONF)
		ck_assert_msg(d.moderator == w->moderator, "row %d moderator",
			      _i);
	if (v == CP_POLICY_CHALLENGE) {
		ck_assert_uint_eq(d.n_challenges, 2);
		ck_assert_ptr_nonnull(
			strstr(d.www_authenticate[0], "algorithm=SHA-256"));
		ck_assert_ptr_nonnull(
			strstr(d.www_authenticate[1], "algorithm=MD5"));
		ck_assert_int_eq(strstr(d.www_authenticate[0], "stale=true") !=
					 NULL,
				 w->stale);
		ck_assert_int_eq(strstr(d.www_authenticate[1], "stale=true") !=
					 NULL,
				 w->stale);
	} else {
		ck_assert_uint_eq(d.n_challenges, 0);
	}
	if (v == CP_POLICY_ALLOW &&
	    (w->auth == A_ALICE || w->auth == A_ALICE_MD5))
		ck_assert_str_eq(d.auth_user, "alice");
	if (v == CP_POLICY_ALLOW &&
	    (w->auth == A_CAROL || w->auth == A_CAROL_MD5))
		ck_assert_str_eq(d.auth_user, "carol");
	if (w->auth == NOAUTH || w->auth == ASSERTED)
		ck_assert_str_eq(d.auth_user, "");
}
END_TEST

/* A challenge's nonce, answered right, is accepted: the full 401 loop. */
START_TEST(test_policy_challenge_answered)
{
	struct cp_policy_req r = { .op = CP_POLICY_SUBSCRIBE,
				   .from_uri = CAROL,
				   .conf_uri = BOARD,
				   .now_s = NOW };
	struct cp_policy_decision d;
	char nonce[CP_DIGEST_NONCE_LEN + 1], ha1[CP_DIGEST_HEX_MAX];
	char resp[CP_DIGEST_HEX_MAX], hdr[1024];

	ck_assert_int_eq(cp_policy_decide(example, &r, &d),
			 CP_POLICY_CHALLENGE);
	ck_assert_str_eq(d.reason, "Unauthorized");
	ck_assert_ptr_nonnull(strstr(d.www_authenticate[0],
				     "Digest realm=\"conf.example.net\", "));
	nonce_of(&d, nonce);
	cp_digest_ha1(CP_DIGEST_MD5, "carol", "conf.example.net", "rosebud",
		      ha1);
	/* RFC 2069 style (no qop), as older SIP phones send */
	cp_digest_response(CP_DIGEST_MD5, false, ha1, nonce, NULL, NULL, false,
			   "SUBSCRIBE", BOARD, resp);
	snprintf(hdr, sizeof(hdr),
		 "Digest username=\"carol\", "
		 "realm=\"conf.example.net\", nonce=\"%s\", uri=\"%s\", "
		 "response=\"%s\"",
		 nonce, BOARD, resp);
	r.authorization = hdr;
	r.now_s = NOW + 300; /* still fresh at the lifetime's end */
	ck_assert_int_eq(cp_policy_decide(example, &r, &d), CP_POLICY_ALLOW);
	ck_assert_str_eq(d.auth_user, "carol");
	/* replayed later: stale, re-challenged with stale=true */
	r.now_s = NOW + 301;
	ck_assert_int_eq(cp_policy_decide(example, &r, &d),
			 CP_POLICY_CHALLENGE);
	ck_assert_ptr_nonnull(strstr(d.www_authenticate[0], ", stale=true"));
	/* replayed for another method: the response does not fit */
	r.now_s = NOW;
	r.op = CP_POLICY_JOIN;
	ck_assert_int_eq(cp_policy_decide(example, &r, &d),
			 CP_POLICY_CHALLENGE);
	ck_assert_ptr_null(strstr(d.www_authenticate[0], "stale"));
	/* the realm must be ours */
	r.op = CP_POLICY_SUBSCRIBE;
	hdr[strstr(hdr, "realm=\"conf") - hdr + 7] = 'k';
	ck_assert_int_eq(cp_policy_decide(example, &r, &d),
			 CP_POLICY_CHALLENGE);
}
END_TEST

START_TEST(test_policy_reasons_and_names)
{
	struct cp_policy_req r = { .op = CP_POLICY_JOIN,
				   .from_uri = BOB,
				   .conf_uri = ADHOC,
				   .conf_active = true,
				   .locked = true };
	struct cp_policy_decision d;

	cp_policy_decide(example, &r, &d);
	ck_assert_str_eq(d.reason, "Conference Locked");
	r.locked = false;
	r.n_participants = 20;
	cp_policy_decide(example, &r, &d);
	ck_assert_str_eq(d.reason, "Conference Full");
	r.conf_active = false;
	cp_policy_decide(example, &r, &d);
	ck_assert_str_eq(d.reason, "Conference Not Found");
	ck_assert_str_eq(cp_policy_verdict_name(CP_POLICY_COLLECT), "collect");
	ck_assert_str_eq(cp_policy_op_name(CP_POLICY_REFER_BYE), "refer-bye");
	ck_assert_str_eq(cp_policy_op_name((enum cp_policy_op)9), "?");
	ck_assert_int_eq(cp_policy_decide(NULL, &r, &d), CP_POLICY_DENY);
	ck_assert_int_eq(d.status, 500);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, test_policy_example_loads_with_its_settings);
	tcase_add_test(tc, test_policy_minimal_file_has_builtin_defaults);
	tcase_add_loop_test(tc,
			    test_policy_refuses_bad_file_with_file_line_reason,
			    0, sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(tc, test_policy_refuses_missing_and_huge_files);
	tcase_add_test(tc, test_policy_error_text_is_truncated_safely);
	tcase_add_test(tc, test_policy_error_text_keeps_whole_lines);
	tcase_add_test(tc, test_policy_reports_at_most_50_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("reload");
	tcase_add_test(tc, test_policy_reload_keeps_old_policy_on_error);
	suite_add_tcase(s, tc);
	tc = tcase_create("glob");
	tcase_add_loop_test(tc, test_policy_uri_glob_edge_cases, 0,
			    sizeof(globs) / sizeof(globs[0]));
	tcase_add_test(tc, test_policy_uri_glob_long_and_null);
	suite_add_tcase(s, tc);
	tc = tcase_create("decide");
	tcase_add_unchecked_fixture(tc, load_example, free_example);
	tcase_add_loop_test(tc, test_policy_decision_table, 0,
			    sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_policy_challenge_answered);
	tcase_add_test(tc, test_policy_reasons_and_names);
	suite_add_tcase(s, tc);
	return s;
}
