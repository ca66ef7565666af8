/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proc.h: run the project's programs from integration tests: spawn with
 * stderr (and stdout) captured through a pipe, wait for a log line with a
 * deadline (a bound on waiting, never a timing assertion), signal and reap.
 */
#ifndef TUTTI_TEST_PROC_H
#define TUTTI_TEST_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc {
	pid_t pid;
	int fd;			/* read end of stdout+stderr */
	char out[65536];	/* everything read so far, NUL terminated */
	size_t len;
};

/*
 * Start argv[0] (a path) with argv. It is killed (SIGKILL) if the calling
 * process ends first, e.g. on a failed check. Returns 0 or -errno.
 */
int proc_start(struct proc *p, char *const argv[]);

/*
 * Read output until it contains needle or timeout_ms pass. Returns true if
 * found. The output stays in p->out for later assertions.
 */
bool proc_expect(struct proc *p, const char *needle, int timeout_ms);

/* Forget the output read so far: proc_expect() and p->out then hold only
 * what comes after. */
void proc_forget(struct proc *p);

/* Send sig and reap. Returns the exit status (0..255), 128+signal, -1. */
int proc_stop(struct proc *p, int sig, int timeout_ms);

/* Wait for exit without signalling. Returns as proc_stop. */
int proc_wait(struct proc *p, int timeout_ms);

/*
 * Run a shell command (printf-style), its stdout and stderr into out
 * (NUL terminated, cut to len - 1). Returns its exit status, 128 if it did
 * not exit, -1 if it could not run.
 */
int proc_capture(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Remove a shared-memory object (shm_unlink) or a file (remove(): also an
 * empty directory; the latest registered goes first, so a directory's
 * files registered after it go before it) when the
 * calling process exits, however it ends: exit() (before its status is
 * known), and also a failed check, which ends the test's process without
 * its teardown and, in check's fork mode, with _exit(), past atexit (then
 * a reaper process removes them just after; abort() and signals too).
 * What proc_start() started is killed then and cannot clean up after
 * itself. Only the registering process's end counts, not that of children
 * forked later. Up to 64 names a process.
 */
void proc_shm_unlink_at_exit(const char *name);
void proc_unlink_at_exit(const char *path);
/* A tutti-cp state file at path, and its path.tmp: a tutti-cp killed while
 * writing it (cp_state_write()) leaves that. */
void proc_state_unlink_at_exit(const char *path);
/* The same for a lab: proc_lab("down", ...) at exit. Everything goes in
 * the reverse order of registration (a lab after what ran in it). */
void proc_lab_down_at_exit(const char *ns, const char *dp_if,
			   const char *lab_if);

/* Milliseconds on CLOCK_MONOTONIC: deadlines for bounded waits. */
uint64_t proc_now_ms(void);

/* First CPU this process may run on (for EAL -l). */
int proc_first_cpu(void);

/*
 * tools/lab VERB (up, down) for a lab of the test's own names: namespace
 * ns, veth ends dp_if (tutti-dp's) and lab_if (the namespace's). The tool
 * is $TUTTI_LAB (meson test sets it). Returns its exit status, -1 without
 * TUTTI_LAB.
 */
int proc_lab(const char *verb, const char *ns, const char *dp_if,
	     const char *lab_if);

/*
 * A DNS server of the test's own: dnsmasq (dnsmasq-base) on addr:port,
 * answering for names under .test only (the rest: NXDOMAIN, nothing
 * asked upstream) from records, its options each (e.g.
 * "--srv-host=_sip._udp.x.test,p1.x.test,5071,10,0"), up to the first
 * NULL. Returns 0 once it serves (its "started" line), or -errno.
 */
int proc_dnsmasq(struct proc *p, const char *addr, uint16_t port,
		 const char *const records[]);

#endif /* TUTTI_TEST_PROC_H */
