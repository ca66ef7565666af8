/* SPDX-License-Identifier: BSD-3-Clause */
/* proc.c: see proc.h. Test helper, any test process. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
proc_start(struct proc *p, char *const argv[])
{
	int fds[2];

	pid_t parent = getpid();

	memset(p, 0, sizeof(*p));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	p->pid = fork();
	if (p->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (p->pid == 0) {
		/* a failed check ends the test's process at once, without
		 * its teardown: what it started must not outlive it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	p->fd = fds[0];
	fcntl(p->fd, F_SETFL, O_NONBLOCK);
	return 0;
}

static void
drain(struct proc *p, int wait_ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	if (p->fd < 0 || poll(&pfd, 1, wait_ms) <= 0)
		return;
	for (;;) {
		ssize_t n;

		if (p->len + 1 >= sizeof(p->out))
			return;
		n = read(p->fd, p->out + p->len, sizeof(p->out) - 1 - p->len);
		if (n <= 0) {
			if (n == 0) {
				close(p->fd);
				p->fd = -1;
			}
			return;
		}
		p->len += (size_t)n;
		p->out[p->len] = '\0';
	}
}

bool
proc_expect(struct proc *p, const char *needle, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		if (strstr(p->out, needle) != NULL)
			return true;
		if (now_ms() >= end || p->fd < 0)
			return strstr(p->out, needle) != NULL;
		drain(p, 50);
	}
}

int
proc_wait(struct proc *p, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		drain(p, 0);
		if (r == p->pid)
			break;
		if (r < 0 || now_ms() >= end) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			return -1;
		}
		drain(p, 20);
	}
	while (p->fd >= 0 && p->len + 1 < sizeof(p->out))
		drain(p, 100);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int
proc_stop(struct proc *p, int sig, int timeout_ms)
{
	kill(p->pid, sig);
	return proc_wait(p, timeout_ms);
}

#define AT_EXIT_MAX	16

enum at_exit_kind { AT_EXIT_SHM, AT_EXIT_FILE, AT_EXIT_LAB };

static struct {
	enum at_exit_kind kind;
	char name[128];		/* LAB: the namespace */
	char dp_if[32], lab_if[32];
	pid_t owner;
} at_exit[AT_EXIT_MAX];
static unsigned int n_at_exit;
static bool at_exit_registered;

static void
remove_at_exit(void)
{
	/* the latest first: a lab after what ran in it */
	for (unsigned int i = n_at_exit; i-- > 0;) {
		if (at_exit[i].owner != getpid())
			continue;
		if (at_exit[i].kind == AT_EXIT_SHM)
			shm_unlink(at_exit[i].name);
		else if (at_exit[i].kind == AT_EXIT_FILE)
			unlink(at_exit[i].name);
		else
			proc_lab("down", at_exit[i].name, at_exit[i].dp_if,
				 at_exit[i].lab_if);
	}
}

static void
add_at_exit(enum at_exit_kind kind, const char *name, const char *dp_if,
	    const char *lab_if)
{
	if (!at_exit_registered) {
		atexit(remove_at_exit);
#ifdef __SANITIZE_ADDRESS__
		/* a sanitizer's report ends in abort(), past atexit */
		__sanitizer_set_death_callback(remove_at_exit);
#endif
		at_exit_registered = true;
	}
	for (unsigned int i = 0; i < n_at_exit; i++)
		if (at_exit[i].kind == kind && at_exit[i].owner == getpid() &&
		    strcmp(at_exit[i].name, name) == 0)
			return;
	if (n_at_exit == AT_EXIT_MAX)
		return;
	at_exit[n_at_exit].kind = kind;
	snprintf(at_exit[n_at_exit].name, sizeof(at_exit[0].name), "%s",
		 name);
	snprintf(at_exit[n_at_exit].dp_if, sizeof(at_exit[0].dp_if), "%s",
		 dp_if);
	snprintf(at_exit[n_at_exit].lab_if, sizeof(at_exit[0].lab_if), "%s",
		 lab_if);
	at_exit[n_at_exit].owner = getpid();
	n_at_exit++;
}

void
proc_shm_unlink_at_exit(const char *name)
{
	add_at_exit(AT_EXIT_SHM, name, "", "");
}

void
proc_unlink_at_exit(const char *path)
{
	add_at_exit(AT_EXIT_FILE, path, "", "");
}

void
proc_lab_down_at_exit(const char *ns, const char *dp_if, const char *lab_if)
{
	add_at_exit(AT_EXIT_LAB, ns, dp_if, lab_if);
}

int
proc_first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				return i;
	return 0;
}

int
proc_capture(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	size_t n = 0;
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	out[0] = '\0';
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	while (n + 1 < len && fgets(out + n, (int)(len - n), f) != NULL)
		n += strlen(out + n);
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int
proc_lab(const char *verb, const char *ns, const char *dp_if,
	 const char *lab_if)
{
	const char *tool = getenv("TUTTI_LAB");
	char cmd[512];

	if (tool == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "%s %s --ns %s --dp-if %s --lab-if %s >/dev/null 2>&1", tool,
		 verb, ns, dp_if, lab_if);
	return system(cmd);
}
