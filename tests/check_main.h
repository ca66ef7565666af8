/* SPDX-License-Identifier: BSD-3-Clause */
/* check_main.h: what each test_<module>.c provides to check_main.c. */
#ifndef TUTTI_CHECK_MAIN_H
#define TUTTI_CHECK_MAIN_H

#include <check.h>

/* The suite of this executable. */
Suite *test_suite(void);

/* Optional: non-NULL = skip the whole executable, with this reason. */
const char *test_skip_reason(void);

/* The value of environment variable var, which meson test sets (the path
 * of a program or file under test); fails the test if it is not set. */
const char *test_env(const char *var);

/* How many times needle occurs in hay (overlapping ones too). */
int test_count(const char *hay, const char *needle);

/* The text of the file at path in buf (at most len - 1 bytes, then a
 * NUL); fails the test if it cannot be opened. Returns its length. */
size_t test_read_file(const char *path, char *buf, size_t len);

/* A conference policy file at path whose conference conf dials uri out
 * when it starts (<dial-out>); fails the test if it cannot be written. */
void test_write_dial_policy(const char *path, const char *uri);

/* The executable's arguments (meson test args), for parameterised runs. */
extern int test_argc;
extern char **test_argv;

#endif /* TUTTI_CHECK_MAIN_H */
