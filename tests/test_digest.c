/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_digest.c: Digest authentication (controlplane/digest.c): the RFC
 * 7616 §3.9.1 (MD5 and SHA-256) and RFC 2617 §3.5 examples, parser edge
 * cases, stale, forged and replayed nonces, wrong passwords, challenges;
 * the client's side: challenges parsed and answered (the RFC 7616 vectors
 * again), what cannot be answered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "digest.h"

#define RFC7616_AUTH(alg, resp)                                                \
	"Digest username=\"Mufasa\",\r\n realm=\"http-auth@example.org\",\r\n" \
	" uri=\"/dir/index.html\",\r\n algorithm=" alg ",\r\n"                 \
	" nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"         \
	" nc=00000001,\r\n"                                                    \
	" cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n"        \
	" qop=auth,\r\n response=\"" resp "\",\r\n"                            \
	" opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""

/* [Authorization value, algorithm, password, method] that verify. */
static const struct {
	const char *value;
	enum cp_digest_alg alg;
	const char *password;
} vectors[] = {
	{ RFC7616_AUTH("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
	  CP_DIGEST_MD5, "Circle of Life" },
	{ RFC7616_AUTH("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4"
				  "496794697cf8db5856cb6c1"),
	  CP_DIGEST_SHA256, "Circle of Life" },
	/* RFC 2617 §3.5 (no algorithm parameter: MD5) */
	{ "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
	  "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
	  "uri=\"/dir/index.html\", qop=auth, nc=00000001, "
	  "cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
	  "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
	  CP_DIGEST_MD5, "Circle Of Life" },
};

START_TEST(test_digest_rfc_vectors_verify)
{
	struct cp_digest_creds c;
	char ha1[CP_DIGEST_HEX_MAX];

	ck_assert_int_eq(cp_digest_parse(&c, vectors[_i].value), 0);
	ck_assert_str_eq(c.username, "Mufasa");
	ck_assert_str_eq(c.uri, "/dir/index.html");
	ck_assert_str_eq(c.nc, "00000001");
	ck_assert(c.qop_auth);
	ck_assert(!c.sess);
	ck_assert_int_eq(c.alg, vectors[_i].alg);
	cp_digest_ha1(c.alg, c.username, c.realm, vectors[_i].password, ha1);
	ck_assert(cp_digest_response_ok(&c, "GET", ha1));
	/* the method and the password are bound */
	ck_assert(!cp_digest_response_ok(&c, "POST", ha1));
	cp_digest_ha1(c.alg, c.username, c.realm, "circle of life", ha1);
	ck_assert(!cp_digest_response_ok(&c, "GET", ha1));
}
END_TEST

START_TEST(test_digest_ha1_known_values)
{
	char ha1[CP_DIGEST_HEX_MAX];

	/* RFC 2617 §3.5's HA1, as printed in many implementations' tests */
	cp_digest_ha1(CP_DIGEST_MD5, "Mufasa", "testrealm@host.com",
		      "Circle Of Life", ha1);
	ck_assert_str_eq(ha1, "939e7578ed9e3c518a452acee763bce9");
	cp_digest_ha1(CP_DIGEST_SHA256, "Mufasa", "http-auth@example.org",
		      "Circle of Life", ha1);
	ck_assert_uint_eq(strlen(ha1), 64);
}
END_TEST

START_TEST(test_digest_rfc2069_and_sess)
{
	struct cp_digest_creds c;
	char ha1[CP_DIGEST_HEX_MAX], resp[CP_DIGEST_HEX_MAX], v[512];

	cp_digest_ha1(CP_DIGEST_MD5, "bob", "r", "pw", ha1);
	/* no qop: RFC 2069 response, nc and cnonce not needed */
	cp_digest_response(CP_DIGEST_MD5, false, ha1, "n1", NULL, NULL, false,
			   "INVITE", "sip:c@x", resp);
	snprintf(v, sizeof(v),
		 "Digest username=bob,realm=r,nonce=n1,"
		 "uri=\"sip:c@x\",response=%s",
		 resp);
	ck_assert_int_eq(cp_digest_parse(&c, v), 0);
	ck_assert(!c.qop_auth);
	ck_assert(cp_digest_response_ok(&c, "INVITE", ha1));
	/* SHA-256-sess: the session HA1 is derived from the plain one */
	cp_digest_ha1(CP_DIGEST_SHA256, "bob", "r", "pw", ha1);
	cp_digest_response(CP_DIGEST_SHA256, true, ha1, "n1", "0000000a", "cn",
			   true, "REFER", "sip:c@x", resp);
	snprintf(v, sizeof(v),
		 "Digest username=\"bob\", realm=\"r\", "
		 "nonce=\"n1\", uri=\"sip:c@x\", algorithm=sha-256-SESS, "
		 "qop=\"auth\", nc=0000000a, cnonce=\"cn\", response=\"%s\"",
		 resp);
	ck_assert_int_eq(cp_digest_parse(&c, v), 0);
	ck_assert(c.sess);
	ck_assert_int_eq(c.alg, CP_DIGEST_SHA256);
	ck_assert(cp_digest_response_ok(&c, "REFER", ha1));
	/* the same response is wrong without -sess */
	c.sess = false;
	ck_assert(!cp_digest_response_ok(&c, "REFER", ha1));
}
END_TEST

START_TEST(test_digest_parse_unescapes_and_ignores_unknown)
{
	struct cp_digest_creds c;

	ck_assert_int_eq(cp_digest_parse(&c, "  digest username=\"a\\\"b\\\\\","
					     " realm=\"\", future=\"x,y\", "
					     "nonce=n, uri=\"u\", response=r"),
			 0);
	ck_assert_str_eq(c.username, "a\"b\\");
	ck_assert_str_eq(c.realm, "");
	ck_assert_ptr_null(c.opaque);
	ck_assert_int_eq(c.alg, CP_DIGEST_MD5);
}
END_TEST

/* [value, expected return] */
static const struct {
	const char *value;
	int rc;
} bad[] = {
	{ "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", -ENOTSUP },
	{ "Digest", -ENOTSUP },
	{ "Digestusername=a", -ENOTSUP },
	{ "Digest realm=r, nonce=n, uri=u, response=r", -EINVAL },
	{ "Digest username=a, username=b, realm=r, nonce=n, uri=u, "
	  "response=r",
	  -EINVAL },
	{ "Digest username=a, realm=r, nonce=n, uri=u, response=r, qop=auth",
	  -EINVAL }, /* no cnonce and nc */
	{ "Digest username=a, realm=r, nonce=n, uri=u, response=r, qop=auth, "
	  "cnonce=c, nc=1",
	  -EINVAL },
	{ "Digest username=a, realm=r, nonce=n, uri=u, response=r, "
	  "qop=auth-int, cnonce=c, nc=00000001",
	  -ENOTSUP },
	{ "Digest username=a, realm=r, nonce=n, uri=u, response=r, "
	  "algorithm=SHA-512-256",
	  -ENOTSUP },
	{ "Digest username=a, realm=r, nonce=n, uri=u, response=r, "
	  "algorithm=MD5, algorithm=MD5",
	  -EINVAL },
	{ "Digest username=a, realm=r, nonce=n, uri=u, response=r, "
	  "userhash=true",
	  -ENOTSUP },
	{ "Digest username=\"a, realm=r, nonce=n, uri=u, response=r", -EINVAL },
	{ "Digest username=a realm=r", -EINVAL },
	{ "Digest username=, realm=r", -EINVAL },
	{ "Digest =a", -EINVAL },
	{ "Digest username=a,, realm=r", -EINVAL },
	{ "Digest username=a, realm=r, nonce=n, uri=u, response=r,", -EINVAL },
	{ "Digest username=a, realm=r, nonce=n, uri=u, response=r, "
	  "algorithm=MD5-sess",
	  -EINVAL }, /* -sess needs a cnonce */
};

START_TEST(test_digest_parse_refuses)
{
	struct cp_digest_creds c;

	ck_assert_msg(cp_digest_parse(&c, bad[_i].value) == bad[_i].rc, "%s",
		      bad[_i].value);
	ck_assert_ptr_null(c.username);
}
END_TEST

START_TEST(test_digest_parse_refuses_too_long)
{
	static char v[CP_DIGEST_VALUE_MAX + 16];
	struct cp_digest_creds c;

	memset(v, 'a', sizeof(v) - 1);
	memcpy(v, "Digest username=", 16);
	ck_assert_int_eq(cp_digest_parse(&c, v), -E2BIG);
	v[CP_DIGEST_VALUE_MAX - 1] = '\0'; /* longest accepted length */
	ck_assert_int_eq(cp_digest_parse(&c, v), -EINVAL);
}
END_TEST

static const struct cp_digest_key key1 = { { 1, 2, 3 } };
static const struct cp_digest_key key2 = { { 1, 2, 4 } };

START_TEST(test_digest_nonce_fresh_stale_forged)
{
	char n[CP_DIGEST_NONCE_LEN + 1], f[CP_DIGEST_NONCE_LEN + 1];
	const uint64_t t = 1764600000;

	cp_digest_nonce_make(&key1, "conf.example.net", t, n);
	ck_assert_uint_eq(strlen(n), CP_DIGEST_NONCE_LEN);
	ck_assert_int_eq(
		cp_digest_nonce_check(&key1, "conf.example.net", n, t, 300), 0);
	/* lifetime is inclusive; a second more is stale */
	ck_assert_int_eq(cp_digest_nonce_check(&key1, "conf.example.net", n,
					       t + 300, 300),
			 0);
	ck_assert_int_eq(cp_digest_nonce_check(&key1, "conf.example.net", n,
					       t + 301, 300),
			 -ESTALE);
	/* replayed against another server's key or realm: not ours */
	ck_assert_int_eq(
		cp_digest_nonce_check(&key2, "conf.example.net", n, t, 300),
		-EBADMSG);
	ck_assert_int_eq(
		cp_digest_nonce_check(&key1, "conf.example.org", n, t, 300),
		-EBADMSG);
	/* from the future: a clock skew of 5 s is tolerated */
	ck_assert_int_eq(
		cp_digest_nonce_check(&key1, "conf.example.net", n, t - 5, 300),
		0);
	ck_assert_int_eq(
		cp_digest_nonce_check(&key1, "conf.example.net", n, t - 6, 300),
		-EBADMSG);
	/* forged: any digit changed, an older time with the old MAC */
	for (int i = 0; i < CP_DIGEST_NONCE_LEN; i++) {
		memcpy(f, n, sizeof(f));
		f[i] = f[i] == '0' ? '1' : '0';
		ck_assert_int_eq(cp_digest_nonce_check(
					 &key1, "conf.example.net", f, t, 300),
				 -EBADMSG);
	}
	memcpy(f, n, sizeof(f));
	f[3] = 'A';
	ck_assert_int_eq(
		cp_digest_nonce_check(&key1, "conf.example.net", f, t, 300),
		-EBADMSG);
	ck_assert_int_eq(cp_digest_nonce_check(&key1, "conf.example.net",
					       "0000", t, 300),
			 -EBADMSG);
	n[CP_DIGEST_NONCE_LEN - 1] = '\0';
	ck_assert_int_eq(
		cp_digest_nonce_check(&key1, "conf.example.net", n, t, 300),
		-EBADMSG);
}
END_TEST

START_TEST(test_digest_random_keys_differ)
{
	struct cp_digest_key a, b;

	ck_assert_int_eq(cp_digest_key_random(&a), 0);
	ck_assert_int_eq(cp_digest_key_random(&b), 0);
	ck_assert(memcmp(&a, &b, sizeof(a)) != 0);
}
END_TEST

START_TEST(test_digest_challenge_values)
{
	char buf[256];

	ck_assert_int_eq(cp_digest_challenge(buf, sizeof(buf), "r.example",
					     "abc", CP_DIGEST_SHA256, false),
			 0);
	ck_assert_str_eq(buf, "Digest realm=\"r.example\", nonce=\"abc\", "
			      "algorithm=SHA-256, qop=\"auth\"");
	ck_assert_int_eq(cp_digest_challenge(buf, sizeof(buf), "r", "abc",
					     CP_DIGEST_MD5, true),
			 0);
	ck_assert_str_eq(buf, "Digest realm=\"r\", nonce=\"abc\", "
			      "algorithm=MD5, qop=\"auth\", stale=true");
	ck_assert_int_eq(cp_digest_challenge(buf, sizeof(buf), "a\"b", "abc",
					     CP_DIGEST_MD5, false),
			 -EINVAL);
	ck_assert_int_eq(
		cp_digest_challenge(buf, 20, "r", "abc", CP_DIGEST_MD5, false),
		-ENOSPC);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_digest_round_trip_through_challenge)
{
	char n[CP_DIGEST_NONCE_LEN + 1], ha1[CP_DIGEST_HEX_MAX];
	char resp[CP_DIGEST_HEX_MAX], v[512];
	struct cp_digest_creds c;

	cp_digest_nonce_make(&key1, "conf", 1000, n);
	cp_digest_ha1(CP_DIGEST_SHA256, "alice", "conf", "s3cret", ha1);
	cp_digest_response(CP_DIGEST_SHA256, false, ha1, n, "00000001", "x",
			   true, "SUBSCRIBE", "sip:c1@conf", resp);
	snprintf(v, sizeof(v),
		 "Digest username=\"alice\", realm=\"conf\", "
		 "nonce=\"%s\", uri=\"sip:c1@conf\", algorithm=SHA-256, "
		 "qop=auth, nc=00000001, cnonce=\"x\", response=\"%s\"",
		 n, resp);
	ck_assert_int_eq(cp_digest_parse(&c, v), 0);
	ck_assert(cp_digest_response_ok(&c, "SUBSCRIBE", ha1));
	ck_assert_int_eq(
		cp_digest_nonce_check(&key1, c.realm, c.nonce, 1010, 60), 0);
	/* truncated or extended responses never match */
	resp[10] = '\0';
	snprintf(v, sizeof(v),
		 "Digest username=alice, realm=conf, nonce=%s, "
		 "uri=\"sip:c1@conf\", algorithm=SHA-256, qop=auth, "
		 "nc=00000001, cnonce=x, response=%s",
		 n, resp);
	ck_assert_int_eq(cp_digest_parse(&c, v), 0);
	ck_assert(!cp_digest_response_ok(&c, "SUBSCRIBE", ha1));
}
END_TEST

/* ---- the client's side: challenges and their answers ---- */

#define RFC7616_CHAL(alg)                                                  \
	"Digest\r\n realm=\"http-auth@example.org\",\r\n"                  \
	" qop=\"auth, auth-int\",\r\n algorithm=" alg ",\r\n"              \
	" nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"     \
	" opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
#define RFC7616_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

/*
 * RFC 7616 §3.9.1's challenges (MD5, SHA-256) answered for Mufasa: the
 * RFC's responses, every parameter the server needs, and the server's
 * side (cp_digest_parse(), cp_digest_response_ok()) takes them.
 */
START_TEST(test_digest_answer_rfc_vectors)
{
	static const struct {
		const char *chal, *response, *alg_out;
		enum cp_digest_alg alg;
	} v[] = {
		{ RFC7616_CHAL("MD5"), "8ca523f5e9506fed4657c9700eebdbec",
		  "MD5", CP_DIGEST_MD5 },
		{ RFC7616_CHAL("SHA-256"),
		  "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db58"
		  "56cb6c1",
		  "SHA-256", CP_DIGEST_SHA256 },
	};
	struct cp_digest_chal ch;
	struct cp_digest_creds c;
	char buf[1024], buf2[1024], want[128], ha1[CP_DIGEST_HEX_MAX];

	ck_assert_int_eq(cp_digest_chal_parse(&ch, v[_i].chal), 0);
	ck_assert_str_eq(ch.realm, "http-auth@example.org");
	ck_assert_str_eq(ch.nonce,
			 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
	ck_assert_str_eq(ch.opaque,
			 "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
	ck_assert(ch.qop_auth);
	ck_assert(!ch.stale && !ch.sess);
	ck_assert_int_eq(ch.alg, v[_i].alg);
	ck_assert_int_eq(cp_digest_answer(buf, sizeof(buf), &ch, "Mufasa",
					  "Circle of Life", "GET",
					  "/dir/index.html", RFC7616_CNONCE,
					  1),
			 0);
	snprintf(want, sizeof(want), "response=\"%s\"", v[_i].response);
	ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);
	snprintf(want, sizeof(want), "algorithm=%s,", v[_i].alg_out);
	ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "qop=auth, nc=00000001") != NULL, "%s", buf);
	ck_assert_int_eq(cp_digest_parse(&c, buf), 0);
	ck_assert_str_eq(c.username, "Mufasa");
	ck_assert_str_eq(c.realm, "http-auth@example.org");
	ck_assert_str_eq(c.uri, "/dir/index.html");
	ck_assert_str_eq(c.cnonce, RFC7616_CNONCE);
	ck_assert_str_eq(c.nc, "00000001");
	ck_assert_str_eq(c.opaque,
			 "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
	cp_digest_ha1(v[_i].alg, "Mufasa", "http-auth@example.org",
		      "Circle of Life", ha1);
	ck_assert(cp_digest_response_ok(&c, "GET", ha1));
	ck_assert(!cp_digest_response_ok(&c, "POST", ha1));
	/* from the HA1 instead of the password: the same answer */
	ck_assert_int_eq(cp_digest_answer_ha1(buf2, sizeof(buf2), &ch,
					      "Mufasa", ha1, "GET",
					      "/dir/index.html",
					      RFC7616_CNONCE, 1),
			 0);
	ck_assert_str_eq(buf2, buf);
	/* an HA1 of the other algorithm's length, or not lower-case hex */
	ha1[v[_i].alg == CP_DIGEST_SHA256 ? 32 : 31] = '\0';
	ck_assert_int_eq(cp_digest_answer_ha1(buf2, sizeof(buf2), &ch,
					      "Mufasa", ha1, "GET",
					      "/dir/index.html",
					      RFC7616_CNONCE, 1),
			 -EINVAL);
	ck_assert_str_eq(buf2, "");
	cp_digest_ha1(v[_i].alg, "Mufasa", "http-auth@example.org",
		      "Circle of Life", ha1);
	ha1[0] = 'G';
	ck_assert_int_eq(cp_digest_answer_ha1(buf2, sizeof(buf2), &ch,
					      "Mufasa", ha1, "GET",
					      "/dir/index.html",
					      RFC7616_CNONCE, 1),
			 -EINVAL);
}
END_TEST

/*
 * Without qop (RFC 2069, as RFC 2617 §3.5's server could ask): no cnonce,
 * nc or qop in the answer, and the response RFC 2069 gives; -sess and
 * stale; a realm with a quote and a backslash goes back escaped.
 */
START_TEST(test_digest_answer_forms)
{
	struct cp_digest_chal ch;
	struct cp_digest_creds c;
	char buf[1024], ha1[CP_DIGEST_HEX_MAX], want[CP_DIGEST_HEX_MAX];

	ck_assert_int_eq(cp_digest_chal_parse(
				 &ch, "Digest realm=\"testrealm@host.com\", "
				      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\""),
			 0);
	ck_assert(!ch.qop_auth);
	ck_assert_int_eq(ch.alg, CP_DIGEST_MD5);
	ck_assert_ptr_null(ch.opaque);
	ck_assert_int_eq(cp_digest_answer(buf, sizeof(buf), &ch, "Mufasa",
					  "Circle Of Life", "INVITE",
					  "sip:bob@example.com", NULL, 1),
			 0);
	ck_assert_msg(strstr(buf, "cnonce") == NULL &&
		      strstr(buf, "qop") == NULL && strstr(buf, "nc=") == NULL &&
		      strstr(buf, "opaque") == NULL, "%s", buf);
	cp_digest_ha1(CP_DIGEST_MD5, "Mufasa", "testrealm@host.com",
		      "Circle Of Life", ha1);
	cp_digest_response(CP_DIGEST_MD5, false, ha1,
			   "dcd98b7102dd2f0e8b11d0f600bfb0c093", NULL, NULL,
			   false, "INVITE", "sip:bob@example.com", want);
	ck_assert_int_eq(cp_digest_parse(&c, buf), 0);
	ck_assert_str_eq(c.response, want);
	ck_assert(cp_digest_response_ok(&c, "INVITE", ha1));

	ck_assert_int_eq(cp_digest_chal_parse(
				 &ch, "Digest realm=\"a\\\"b\\\\c\", nonce=n1, "
				      "algorithm=SHA-256-sess, qop=\"auth\", "
				      "stale=TRUE, domain=\"sip:x\", "
				      "charset=UTF-8, userhash=true"),
			 0);
	ck_assert_str_eq(ch.realm, "a\"b\\c");
	ck_assert(ch.sess && ch.stale && ch.qop_auth);
	ck_assert_int_eq(ch.alg, CP_DIGEST_SHA256);
	ck_assert_int_eq(cp_digest_answer(buf, sizeof(buf), &ch, "u", "pw",
					  "INVITE", "sip:c@h", "abc", 2),
			 0);
	ck_assert_msg(strstr(buf, "realm=\"a\\\"b\\\\c\"") != NULL &&
		      strstr(buf, "algorithm=SHA-256-sess,") != NULL &&
		      strstr(buf, "nc=00000002") != NULL, "%s", buf);
	ck_assert_int_eq(cp_digest_parse(&c, buf), 0);
	ck_assert_str_eq(c.realm, "a\"b\\c");
	ck_assert(c.sess);
	cp_digest_ha1(CP_DIGEST_SHA256, "u", "a\"b\\c", "pw", ha1);
	ck_assert(cp_digest_response_ok(&c, "INVITE", ha1));
	/* a wrong password gives a response the server refuses */
	ck_assert_int_eq(cp_digest_answer(buf, sizeof(buf), &ch, "u", "pW",
					  "INVITE", "sip:c@h", "abc", 2),
			 0);
	ck_assert_int_eq(cp_digest_parse(&c, buf), 0);
	ck_assert(!cp_digest_response_ok(&c, "INVITE", ha1));
}
END_TEST

/* What a challenge must have, and what we cannot answer. */
static const struct {
	const char *value;
	int rc;
} bad_chal[] = {
	{ "Basic realm=\"x\"", -ENOTSUP },
	{ "Digest realm=\"x\"", -EINVAL },
	{ "Digest nonce=\"n\"", -EINVAL },
	{ "Digest realm=x, nonce=n, algorithm=SHA-512-256", -ENOTSUP },
	{ "Digest realm=x, nonce=n, algorithm=AKAv1-MD5", -ENOTSUP },
	{ "Digest realm=x, nonce=n, qop=\"auth-int\"", -ENOTSUP },
	{ "Digest realm=x, realm=y, nonce=n", -EINVAL },
	{ "Digest realm=x, nonce=n, nonce=m", -EINVAL },
	{ "Digest realm=\"x, nonce=n", -EINVAL },
	{ "Digest realm=x nonce=n", -EINVAL },
	{ "Digest realm=x, nonce=n,", -EINVAL },
	{ "Digest realm=, nonce=n", -EINVAL },
	{ "", -ENOTSUP },
};

START_TEST(test_digest_chal_refuses)
{
	struct cp_digest_chal ch;

	ck_assert_int_eq(cp_digest_chal_parse(&ch, bad_chal[_i].value),
			 bad_chal[_i].rc);
	ck_assert_ptr_null(ch.realm);
	ck_assert_ptr_null(ch.nonce);
}
END_TEST

/* Too long a challenge; an answer that does not fit or holds a control
 * character. */
START_TEST(test_digest_chal_and_answer_limits)
{
	static char big[CP_DIGEST_VALUE_MAX + 16];
	struct cp_digest_chal ch;
	char buf[512];

	memset(big, 'n', sizeof(big) - 1);
	memcpy(big, "Digest realm=x, nonce=", 22);
	ck_assert_int_eq(cp_digest_chal_parse(&ch, big), -E2BIG);
	ck_assert_int_eq(cp_digest_chal_parse(
				 &ch, "Digest realm=r, nonce=n, qop=auth"),
			 0);
	ck_assert_int_eq(cp_digest_answer(buf, sizeof(buf), &ch, "u\r\nX: y",
					  "pw", "INVITE", "sip:c@h", "abc", 1),
			 -EINVAL);
	ck_assert_int_eq(cp_digest_answer(buf, sizeof(buf), &ch, "u", "pw",
					  "INVITE", "sip:c@h", NULL, 1),
			 -EINVAL);
	ck_assert_int_eq(cp_digest_answer(buf, 100, &ch, "u", "pw", "INVITE",
					  "sip:c@h", "abc", 1),
			 -ENOSPC);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(cp_digest_answer(buf, sizeof(buf), &ch, "u", "pw",
					  "INVITE", "sip:c@h", "abc", 1),
			 0);
	ck_assert_int_eq(cp_digest_answer(buf, strlen(buf), &ch, "u", "pw",
					  "INVITE", "sip:c@h", "abc", 1),
			 -ENOSPC);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("rfc_vectors");

	tcase_add_loop_test(tc, test_digest_rfc_vectors_verify, 0,
			    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, test_digest_ha1_known_values);
	tcase_add_test(tc, test_digest_rfc2069_and_sess);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_test(tc, test_digest_parse_unescapes_and_ignores_unknown);
	tcase_add_loop_test(tc, test_digest_parse_refuses, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_digest_parse_refuses_too_long);
	suite_add_tcase(s, tc);
	tc = tcase_create("nonce");
	tcase_add_test(tc, test_digest_nonce_fresh_stale_forged);
	tcase_add_test(tc, test_digest_random_keys_differ);
	suite_add_tcase(s, tc);
	tc = tcase_create("challenge");
	tcase_add_test(tc, test_digest_challenge_values);
	tcase_add_test(tc, test_digest_round_trip_through_challenge);
	suite_add_tcase(s, tc);
	tc = tcase_create("answer");
	tcase_add_loop_test(tc, test_digest_answer_rfc_vectors, 0, 2);
	tcase_add_test(tc, test_digest_answer_forms);
	tcase_add_loop_test(tc, test_digest_chal_refuses, 0,
			    sizeof(bad_chal) / sizeof(bad_chal[0]));
	tcase_add_test(tc, test_digest_chal_and_answer_limits);
	suite_add_tcase(s, tc);
	return s;
}
