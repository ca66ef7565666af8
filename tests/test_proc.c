/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_proc.c: the integration tests' helper (proc.c) removes what a test
 * process registered however that process ends: exit(), _exit() as check's
 * fork mode ends a failed case, a signal. Each case runs the registering
 * process as a child of its own and looks at /dev/shm and /tmp after it.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "proc.h"

#define GONE_MS	3000	/* bound on waiting for the reaper (under check's
			 * own default timeout, 4 s, for a clear message) */

static pid_t runner;	/* check's process, which forks each case's */
static char shm_name[64], file_path[96];

/* Each case's names: the runner's pid and the case process's. */
static void
setup(void)
{
	snprintf(shm_name, sizeof(shm_name), "/tutti-test-proc-%d-%d",
		 (int)runner, (int)getpid());
	snprintf(file_path, sizeof(file_path), "/tmp%s", shm_name);
}

static void
teardown(void)
{
	shm_unlink(shm_name);
	unlink(file_path);
}

static void
runner_setup(void)
{
	runner = getpid();
}

/* In the runner, after the cases: what a failed case left (its own
 * teardown does not run then), under the runner's prefix. */
static void
runner_teardown(void)
{
	const char *dirs[] = { "/dev/shm", "/tmp" };
	char prefix[48], path[512];

	snprintf(prefix, sizeof(prefix), "tutti-test-proc-%d-", (int)runner);
	for (unsigned int i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i],
				 e->d_name);
			unlink(path);
		}
		closedir(d);
	}
}

static bool
shm_exists(void)
{
	int fd = shm_open(shm_name, O_RDONLY, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool
file_exists(void)
{
	struct stat st;

	return stat(file_path, &st) == 0;
}

/* Both made, and registered for removal, by the calling process. */
static void
make_both(void)
{
	int fd = shm_open(shm_name, O_CREAT | O_RDWR, 0600);

	if (fd >= 0)
		close(fd);
	fd = open(file_path, O_CREAT | O_WRONLY, 0600);
	if (fd >= 0)
		close(fd);
	proc_shm_unlink_at_exit(shm_name);
	proc_unlink_at_exit(file_path);
}

/* True once both are gone; false if either is still there after GONE_MS
 * (a bound on waiting for another process, not a timing assertion). */
static bool
both_gone_within_bound(void)
{
	uint64_t end = proc_now_ms() + GONE_MS;
	const struct timespec pause = { 0, 5000000 };

	while (shm_exists() || file_exists()) {
		if (proc_now_ms() >= end)
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

/* Fork a child that makes both, registers them and ends by how (0: exit,
 * 1: _exit, 2: SIGKILL); returns its wait status. */
static int
child_ends(int how)
{
	int st;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		make_both();
		if (!shm_exists() || !file_exists())
			_exit(9);
		if (how == 0)
			exit(0);
		if (how == 1)
			_exit(1);	/* as check's fork mode, failed case */
		kill(getpid(), SIGKILL);
		_exit(8);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

START_TEST(test_proc_at_exit_removes_before_the_status)
{
	int st = child_ends(0);

	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* exit() removed them itself: gone when its status is known */
	ck_assert_msg(!shm_exists(), "%s still exists", shm_name);
	ck_assert_msg(!file_exists(), "%s still exists", file_path);
}
END_TEST

START_TEST(test_proc_at_exit_after_a_failed_check_in_fork_mode)
{
	int st = child_ends(1);

	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	ck_assert_msg(both_gone_within_bound(), "%s or %s left behind",
		      shm_name, file_path);
}
END_TEST

START_TEST(test_proc_at_exit_after_a_signal)
{
	int st = child_ends(2);

	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ck_assert_msg(both_gone_within_bound(), "%s or %s left behind",
		      shm_name, file_path);
}
END_TEST

/* A child forked after the registration ends first: what its parent
 * registered stays until the parent ends. */
START_TEST(test_proc_at_exit_only_the_registering_process)
{
	int st;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pid_t kid;

		make_both();
		kid = fork();
		if (kid == 0)
			exit(0);	/* runs the inherited atexit */
		if (kid < 0 || waitpid(kid, &st, 0) != kid)
			_exit(9);
		if (!shm_exists() || !file_exists())
			_exit(10);	/* the child removed its parent's */
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1,
		      "the registering process ended with status %d "
		      "(10: a child forked later removed what it registered)",
		      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	ck_assert_msg(both_gone_within_bound(), "%s or %s left behind",
		      shm_name, file_path);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("at_exit");

	tcase_add_unchecked_fixture(tc, runner_setup, runner_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_proc_at_exit_removes_before_the_status);
	tcase_add_test(tc, test_proc_at_exit_after_a_failed_check_in_fork_mode);
	tcase_add_test(tc, test_proc_at_exit_after_a_signal);
	tcase_add_test(tc, test_proc_at_exit_only_the_registering_process);
	suite_add_tcase(s, tc);
	return s;
}
