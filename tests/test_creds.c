/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_creds.c: the focus's own credentials file (controlplane/creds.c):
 * lines, quoting, comments, the any-realm entry, HA1s instead of a
 * password, and each refusal with its line and reason; reading a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "creds.h"

/* HA1s of the right lengths (any hex will do for parsing) */
#define H32 "8d8d1b5a2a5a0f1f8c7e4b1c1e1b6c3d"
#define H31 "8d8d1b5a2a5a0f1f8c7e4b1c1e1b6c3"
#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* text parsed, with no error (a static result: the next call's). */
static const struct cp_creds *
parsed(const char *text)
{
	static struct cp_creds c;
	char err[256] = "";

	ck_assert_msg(cp_creds_parse(&c, text, "creds", err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_str_eq(err, "");
	return &c;
}

START_TEST(test_creds_lines_quotes_comments)
{
	const struct cp_creds *c;
	const struct cp_cred *k;

	c = parsed("# the carrier's proxies\r\n"
		   "\n"
		   "carrier.example  tutti\ts3cret#1\r\n"
		   "   # indented comment\n"
		   "\"Asterisk PBX\" \"conf bridge\" \"a \\\"b\\\" \\\\c\"\n"
		   "* fallback pw");
	ck_assert_uint_eq(c->n, 3);
	k = cp_creds_find(c, "carrier.example");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->user, "tutti");
	ck_assert_str_eq(k->password, "s3cret#1");
	k = cp_creds_find(c, "Asterisk PBX");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->user, "conf bridge");
	ck_assert_str_eq(k->password, "a \"b\" \\c");
	/* realms are compared exactly; others get the * entry */
	k = cp_creds_find(c, "CARRIER.example");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->realm, "*");
	ck_assert_str_eq(k->user, "fallback");
	ck_assert_ptr_null(cp_creds_find(NULL, "carrier.example"));
	c = parsed("a u p\n");
	ck_assert_ptr_null(cp_creds_find(c, "b"));
}
END_TEST

/*
 * HA1s instead of a password (RFC 7616 §3.4.2): MD5, SHA-256 or both, in
 * either order; upper-case hex taken as lower.
 */
START_TEST(test_creds_ha1)
{
	const struct cp_creds *c;
	const struct cp_cred *k;

	c = parsed("a.test u ha1-md5 8D8D1B5A2A5A0F1F8C7E4B1C1E1B6C3D\n"
		   "b.test u ha1-sha256 " H64 " ha1-md5 " H32 "\n"
		   "c.test u ha1-sha256 " H64 "\n"
		   "d.test u ha1-md5\n");
	ck_assert_uint_eq(c->n, 4);
	k = cp_creds_find(c, "a.test");
	ck_assert_str_eq(k->password, "");
	ck_assert_str_eq(k->ha1_md5, H32);
	ck_assert_str_eq(k->ha1_sha256, "");
	k = cp_creds_find(c, "b.test");
	ck_assert_str_eq(k->ha1_md5, H32);
	ck_assert_str_eq(k->ha1_sha256, H64);
	k = cp_creds_find(c, "c.test");
	ck_assert_str_eq(k->ha1_md5, "");
	ck_assert_str_eq(k->ha1_sha256, H64);
	/* three fields: a password, whatever it says */
	k = cp_creds_find(c, "d.test");
	ck_assert_str_eq(k->password, "ha1-md5");
	ck_assert_str_eq(k->ha1_md5, "");
}
END_TEST

static const struct {
	const char *text, *says;
} bad[] = {
	{ "a u p\nb u\n", "creds:2: want REALM USER PASSWORD, found fewer "
			  "fields" },
	{ "a u p x\n", "creds:1: want REALM USER PASSWORD, found more "
		       "fields (quote a field with blanks)" },
	{ "a u \"p\n", "creds:1: a quote not closed" },
	{ "a u \"p\"x\n", "creds:1: text right after a closing quote" },
	{ "a u \"\"\n", "creds:1: an empty field" },
	{ "a u p\"q\n", "creds:1: '\"' or '\\' in a field not quoted" },
	{ "a u p\x01q\n", "creds:1: a control character" },
	{ "a u \"p\x7fq\"\n", "creds:1: a control character" },
	{ "# x\na u p\n\na v q\n", "creds:4: realm \"a\" again (line 2 "
				   "names it)" },
	{ "", "creds: no credentials in it (want lines REALM USER "
	      "PASSWORD)" },
	{ "# only a comment\n\n", "creds: no credentials in it" },
	{ "a u ha1-md5 " H32 "x\n", "creds:1: ha1-md5 wants 32 hex digits" },
	{ "a u ha1-md5 " H31 "g\n", "creds:1: ha1-md5 wants 32 hex digits" },
	{ "a u ha1-sha256 " H32 "\n", "creds:1: ha1-sha256 wants 64 hex "
				   "digits" },
	{ "a u ha1-md5 " H32 " ha1-md5 " H32 "\n", "creds:1: ha1-md5 twice" },
	{ "a u ha1-md5 " H32 " x\n", "creds:1: want REALM USER, then ha1-md5 "
				  "HEX and/or ha1-sha256 HEX" },
	{ "a u ha1-md5 " H32 " p q\n", "creds:1: want REALM USER, then "
				    "ha1-md5 HEX" },
	{ "* u ha1-md5 " H32 "\n", "creds:1: an HA1 holds its realm: not for "
				"realm *" },
};

START_TEST(test_creds_refused)
{
	struct cp_creds *c = malloc(sizeof(*c));
	char err[256] = "";

	ck_assert_ptr_nonnull(c);
	c->n = 7; /* untouched on failure */
	ck_assert_int_eq(cp_creds_parse(c, bad[_i].text, "creds", err,
					sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strncmp(err, bad[_i].says, strlen(bad[_i].says)) == 0,
		      "%s", err);
	ck_assert_uint_eq(c->n, 7);
	free(c);
}
END_TEST

/* 64 realms at most; 127 bytes a field at most. */
START_TEST(test_creds_limits)
{
	static char text[CP_CREDS_MAX * 32 + 400];
	static struct cp_creds c;
	char err[256], field[CP_CREDS_FIELD_MAX + 1];
	size_t n = 0;

	for (int i = 0; i < CP_CREDS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "realm%d u p\n", i);
	ck_assert_int_eq(cp_creds_parse(&c, text, "creds", err, sizeof(err)),
			 0);
	ck_assert_uint_eq(c.n, CP_CREDS_MAX);
	snprintf(text + n, sizeof(text) - n, "one-more u p\n");
	ck_assert_int_eq(cp_creds_parse(&c, text, "creds", err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "creds:65: more than 64 realms");
	memset(field, 'x', CP_CREDS_FIELD_MAX - 1);
	field[CP_CREDS_FIELD_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "r u %s\n", field);
	ck_assert_int_eq(cp_creds_parse(&c, text, "creds", err, sizeof(err)),
			 0);
	ck_assert_uint_eq(strlen(c.c[0].password), CP_CREDS_FIELD_MAX - 1);
	snprintf(text, sizeof(text), "r u %sx\n", field);
	ck_assert_int_eq(cp_creds_parse(&c, text, "creds", err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "creds:1: a field longer than 127 bytes");
	snprintf(text, sizeof(text), "r \"%sx\" p\n", field);
	ck_assert_int_eq(cp_creds_parse(&c, text, "creds", err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "creds:1: a field longer than 127 bytes");
}
END_TEST

/* A file: read, missing, with a NUL byte, too big. */
START_TEST(test_creds_load)
{
	static struct cp_creds c;
	char path[] = "/tmp/test_creds.XXXXXX", err[512];
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fputs("carrier.example tutti s3cret\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(cp_creds_load(&c, path, err, sizeof(err)), 0);
	ck_assert_str_eq(cp_creds_find(&c, "carrier.example")->password,
			 "s3cret");

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("a u p\n", f);
	fputc('\0', f);
	fputs("b u p\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(cp_creds_load(&c, path, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, ": a NUL byte in it") != NULL, "%s", err);

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (int i = 0; i < 70 * 1024 / 8; i++)
		fputs("# ......", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(cp_creds_load(&c, path, err, sizeof(err)), -EFBIG);
	ck_assert_msg(strstr(err, ": longer than 64 kB") != NULL, "%s", err);

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(cp_creds_load(&c, path, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, path) == err &&
		      strstr(err, ": No such file or directory") != NULL,
		      "%s", err);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("creds");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_creds_lines_quotes_comments);
	tcase_add_test(tc, test_creds_ha1);
	tcase_add_loop_test(tc, test_creds_refused, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_creds_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_test(tc, test_creds_load);
	suite_add_tcase(s, tc);
	return s;
}
