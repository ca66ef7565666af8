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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

uint64_t
proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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

void
proc_forget(struct proc *p)
{
	p->out[0] = '\0';
	p->len = 0;
}

bool
proc_expect(struct proc *p, const char *needle, int timeout_ms)
{
	uint64_t end = proc_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		if (strstr(p->out, needle) != NULL)
			return true;
		if (proc_now_ms() >= end || p->fd < 0)
			return strstr(p->out, needle) != NULL;
		drain(p, 50);
	}
}

int
proc_wait(struct proc *p, int timeout_ms)
{
	uint64_t end = proc_now_ms() + (uint64_t)timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		drain(p, 0);
		if (r == p->pid)
			break;
		if (r < 0 || proc_now_ms() >= end) {
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

#define AT_EXIT_MAX	64

enum at_exit_kind { AT_EXIT_SHM, AT_EXIT_FILE, AT_EXIT_LAB, AT_EXIT_DONE };

/* One registration; also a record (a packet) on the reaper's socket. */
struct at_exit_rec {
	uint32_t kind;		/* enum at_exit_kind */
	char name[128];		/* LAB: the namespace */
	char dp_if[32], lab_if[32];
};

static struct at_exit_rec at_exit[AT_EXIT_MAX];
static pid_t at_exit_owner[AT_EXIT_MAX];
static unsigned int n_at_exit;
static bool at_exit_registered;

/*
 * The reaper: a process of its own that removes what this process
 * registered once it has gone, however it ended. A failed check in
 * check's fork mode ends the test's process with _exit(), past atexit and
 * the teardown (so do abort() and a signal); without the reaper, its
 * shared-memory objects, files and labs stayed behind. It is forked
 * twice (not this process's child: no wait of a test reaps it) into a
 * session of its own (a signal to the test's process group does not end
 * it), reads each registration from a socket pair, and acts when the
 * other end, which only this process holds (close-on-exec, so not what it
 * starts), is closed. A normal exit removes everything itself first
 * (remove_at_exit(): gone by the time the test's status is known) and
 * then tells the reaper so (AT_EXIT_DONE).
 */
static int reaper_fd = -1;
static pid_t reaper_owner;

static void
remove_one(const struct at_exit_rec *r)
{
	if (r->kind == AT_EXIT_SHM)
		shm_unlink(r->name);
	else if (r->kind == AT_EXIT_FILE)
		remove(r->name);	/* a file, or an empty directory */
	else if (r->kind == AT_EXIT_LAB)
		proc_lab("down", r->name, r->dp_if, r->lab_if);
}

static __attribute__((noreturn)) void
reaper_run(int fd)
{
	struct at_exit_rec r[AT_EXIT_MAX], x;
	unsigned int n = 0;

	for (;;) {
		ssize_t k = read(fd, &x, sizeof(x));

		if (k < 0 && errno == EINTR)
			continue;
		if (k != (ssize_t)sizeof(x))
			break;		/* end of file: the process is gone */
		if (x.kind == AT_EXIT_DONE)
			_exit(0);	/* it removed them itself */
		if (n < AT_EXIT_MAX)
			r[n++] = x;
	}
	while (n-- > 0)		/* the latest first */
		remove_one(&r[n]);
	_exit(0);
}

static void
reaper_start(void)
{
	int fds[2], st;
	pid_t mid;

	if (reaper_fd >= 0) {	/* a parent's, inherited through fork() */
		close(reaper_fd);
		reaper_fd = -1;
	}
	/* a socket, not a pipe: a send to a reaper that is gone fails
	 * (MSG_NOSIGNAL) instead of raising SIGPIPE in the test */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return;
	mid = fork();
	if (mid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (mid == 0) {
		if (fork() == 0) {
			int null = open("/dev/null", O_RDWR);

			setsid();
			signal(SIGINT, SIG_IGN);
			signal(SIGTERM, SIG_IGN);
			signal(SIGHUP, SIG_IGN);
			/* nothing into the TAP stream */
			if (null >= 0) {
				dup2(null, STDIN_FILENO);
				dup2(null, STDOUT_FILENO);
				dup2(null, STDERR_FILENO);
			}
			/* only its end: no pipe or socket of the test's
			 * kept open by the reaper */
			dup2(fds[0], 3);
			close_range(4, ~0u, 0);
			reaper_run(3);
		}
		_exit(0);
	}
	close(fds[0]);
	waitpid(mid, &st, 0);
	reaper_fd = fds[1];
	reaper_owner = getpid();
}

static void
reaper_send(const struct at_exit_rec *r)
{
	ssize_t k;

	if (reaper_fd < 0 || reaper_owner != getpid())
		return;
	do
		k = send(reaper_fd, r, sizeof(*r), MSG_NOSIGNAL);
	while (k < 0 && errno == EINTR);
}

static void
remove_at_exit(void)
{
	const struct at_exit_rec done = { .kind = AT_EXIT_DONE };

	/* the latest first: a lab after what ran in it */
	for (unsigned int i = n_at_exit; i-- > 0;)
		if (at_exit_owner[i] == getpid())
			remove_one(&at_exit[i]);
	reaper_send(&done);
}

static void
add_at_exit(enum at_exit_kind kind, const char *name, const char *dp_if,
	    const char *lab_if)
{
	struct at_exit_rec *r;

	if (!at_exit_registered) {
		atexit(remove_at_exit);
#ifdef __SANITIZE_ADDRESS__
		/* a sanitizer's report ends in abort(), past atexit */
		__sanitizer_set_death_callback(remove_at_exit);
#endif
		at_exit_registered = true;
	}
	for (unsigned int i = 0; i < n_at_exit; i++)
		if (at_exit[i].kind == kind && at_exit_owner[i] == getpid() &&
		    strcmp(at_exit[i].name, name) == 0)
			return;
	if (n_at_exit == AT_EXIT_MAX)
		return;
	if (reaper_owner != getpid())	/* this process's own */
		reaper_start();
	r = &at_exit[n_at_exit];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->dp_if, sizeof(r->dp_if), "%s", dp_if);
	snprintf(r->lab_if, sizeof(r->lab_if), "%s", lab_if);
	at_exit_owner[n_at_exit] = getpid();
	n_at_exit++;
	reaper_send(r);
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
proc_state_unlink_at_exit(const char *path)
{
	char tmp[sizeof(((struct at_exit_rec *)0)->name)];

	add_at_exit(AT_EXIT_FILE, path, "", "");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	add_at_exit(AT_EXIT_FILE, tmp, "", "");
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

int
proc_dnsmasq(struct proc *p, const char *addr, uint16_t port,
	     const char *const records[])
{
	char *argv[48], la[64], pt[16];
	unsigned n = 0;
	int rc;

	snprintf(la, sizeof(la), "--listen-address=%s", addr);
	snprintf(pt, sizeof(pt), "--port=%u", port);
	argv[n++] = "/usr/sbin/dnsmasq";
	argv[n++] = "--keep-in-foreground";
	argv[n++] = "--conf-file=/dev/null";
	argv[n++] = "--no-resolv";
	argv[n++] = "--no-hosts";
	argv[n++] = "--bind-interfaces";
	argv[n++] = "--user=root"; /* stays killed with the test */
	argv[n++] = "--pid-file=";
	argv[n++] = "--log-facility=-";
	argv[n++] = "--local=/test/";
	argv[n++] = la;
	argv[n++] = pt;
	for (unsigned i = 0; records[i] != NULL && n < 47; i++)
		argv[n++] = (char *)records[i];
	argv[n] = NULL;
	if ((rc = proc_start(p, argv)) < 0)
		return rc;
	if (!proc_expect(p, "started, version", 10000)) {
		fprintf(stderr, "dnsmasq did not start:\n%s\n", p->out);
		proc_stop(p, SIGKILL, 2000);
		return -EIO;
	}
	return 0;
}
