/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check_main.c: the one runner shared by every check test executable. Each
 * test_<module>.c defines test_suite(); this runs it with CK_ENV settings
 * (meson sets TAP on stdout), and exits non-zero on any failure.
 *
 * A test executable may also define test_skip_reason(): when it returns a
 * reason (a SIMD variant the CPU lacks, a tool not installed), the whole
 * executable reports itself skipped by name in TAP ("1..0 # SKIP ...") and
 * meson counts it as SKIP, never as a pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"

int test_argc;
char **test_argv;

const char *test_skip_reason(void) __attribute__((weak));

int
test_count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

size_t
test_read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

void
test_write_dial_policy(const char *path, const char *uri)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fprintf(f, "<conference-policy xmlns=\"urn:tutti:params:xml:ns:"
		"conference-policy\">\n"
		"  <conference user=\"conf\">\n"
		"    <dial-out>\n"
		"      <uri>%s</uri>\n"
		"    </dial-out>\n"
		"  </conference>\n"
		"</conference-policy>\n", uri);
	ck_assert_int_eq(fclose(f), 0);
}

const char *
test_env(const char *var)
{
	const char *p = getenv(var);

	ck_assert_msg(p != NULL, "%s not set (run through meson test)", var);
	return p;
}

int
main(int argc, char **argv)
{
	SRunner *sr;
	int nfailed;

	test_argc = argc;
	test_argv = argv;
	if (test_skip_reason != NULL) {
		const char *why = test_skip_reason();

		if (why != NULL) {
			printf("1..0 # SKIP %s\n", why);
			return 0;
		}
	}
	sr = srunner_create(test_suite());
	srunner_run_all(sr, CK_ENV);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
