/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c: the one-line logger of log.h. One write(2) per line so lines from
 * several threads do not interleave. Cold path, any thread.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "tutti";
static enum tutti_log_level log_max = TUTTI_LOG_INFO;
static const char *const level_names[] = { "error", "warn", "info",
					   "debug" };

void
tutti_log_init(const char *prog, enum tutti_log_level max)
{
	log_prog = prog;
	log_max = max;
}

int
tutti_log_parse(const char *s, enum tutti_log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0 ||
		    (i == 0 && strcmp(s, "err") == 0)) {
			*out = (enum tutti_log_level)i;
			return 0;
		}
	return -EINVAL;
}

/*
 * A message is one line of text whatever its arguments hold: what a peer
 * wrote (a SIP header, a URI, a name) may carry CR, LF, ESC or other
 * control bytes, which would forge a line of the log or drive the
 * terminal that shows it. Each becomes '?'; UTF-8 is left alone.
 */
static void
printable(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			p[i] = '?';
}

void
tutti_log(enum tutti_log_level level, const char *fmt, ...)
{
	char line[4096]; /* the SIP layer's counters at exit fill 1 kB */
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n, m;
	bool cut;

	if (level > log_max)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
		     "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s[%d] %s: ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000), log_prog,
		     (int)getpid(), level_names[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	cut = (size_t)(n + m) > sizeof(line) - 2;
	if (cut)
		m = (int)sizeof(line) - 2 - n;
	printable(line + n, (size_t)m);
	n += m;
	if (cut) /* say so */
		memcpy(line + n - 3, "...", 3);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;	/* nowhere left to report it */
}

void
tutti_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
