/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_log.c: the one-line logger (shared/log.c): a line whatever its
 * arguments hold (a peer's CR, LF, ESC and other control bytes written as
 * '?', UTF-8 kept), its prefix, the level filter, and a message too long
 * for a line cut with "...".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "log.h"

/* What one tutti_log() call wrote to stderr (a pipe meanwhile). */
static char *
logged(enum tutti_log_level level, const char *arg)
{
	static char out[8192];
	int p[2], saved;
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	tutti_log(level, "peer said \"%s\"", arg);
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

START_TEST(test_log_control_bytes)
{
	const char *l;

	tutti_log_init("tutti-test", TUTTI_LOG_INFO);
	l = logged(TUTTI_LOG_INFO,
		   "a\r\n2026-01-01T00:00:00.000Z tutti-cp[1] err: forged"
		   "\x1b[2J\t\x7f caf\xc3\xa9");
	ck_assert_msg(strstr(l, " tutti-test[") != NULL, "%s", l);
	ck_assert_msg(strstr(l, "] info: peer said \"a??2026-01-01T00:00:00"
				".000Z tutti-cp[1] err: forged?[2J?? "
				"caf\xc3\xa9\"\n") != NULL,
		      "%s", l);
	ck_assert_ptr_eq(strchr(l, '\n'), l + strlen(l) - 1);
	/* below the level: nothing */
	ck_assert_str_eq(logged(TUTTI_LOG_DEBUG, "x"), "");
}
END_TEST

START_TEST(test_log_cut)
{
	static char big[6000];
	const char *l;
	size_t n;

	memset(big, 'x', sizeof(big) - 1);
	big[100] = '\r';
	tutti_log_init("tutti-test", TUTTI_LOG_INFO);
	l = logged(TUTTI_LOG_WARN, big);
	n = strlen(l);
	ck_assert_uint_eq(n, 4095);
	ck_assert_msg(strcmp(l + n - 4, "...\n") == 0, "%s", l + n - 8);
	ck_assert_ptr_nonnull(strstr(l, "xx?xx"));
	ck_assert_ptr_null(strchr(l, '\r'));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("line");

	tcase_add_test(tc, test_log_control_bytes);
	tcase_add_test(tc, test_log_cut);
	suite_add_tcase(s, tc);
	return s;
}
