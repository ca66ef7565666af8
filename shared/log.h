/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h: one-line logs for both processes and the tools, to stderr (a
 * control byte in a message, CR or LF or ESC, is written as '?'):
 *   2026-11-25T11:52:17.123Z tutti-dp[1234] info: found tutti-cp pid 99
 * Cold path only: the data plane never logs per packet or per frame.
 */
#ifndef TUTTI_LOG_H
#define TUTTI_LOG_H

#include <stddef.h>

#include "compiler.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tutti_log_level {
	TUTTI_LOG_ERR = 0,
	TUTTI_LOG_WARN = 1,
	TUTTI_LOG_INFO = 2,
	TUTTI_LOG_DEBUG = 3,
};

/* Program name in every line, and the most verbose level printed. */
void tutti_log_init(const char *prog, enum tutti_log_level max);

/* Parse "error", "warn", "info" or "debug". Returns 0 or -EINVAL. */
int tutti_log_parse(const char *s, enum tutti_log_level *out);

void tutti_log(enum tutti_log_level level, const char *fmt, ...)
	TUTTI_PRINTF(2, 3);

/* Write an error message for the caller into err (errlen bytes, may be
 * NULL or 0: nothing written), printf-style, cut to fit. */
void tutti_errf(char *err, size_t errlen, const char *fmt, ...)
	TUTTI_PRINTF(3, 4);

#define LOG_ERR(...)	tutti_log(TUTTI_LOG_ERR, __VA_ARGS__)
#define LOG_WARN(...)	tutti_log(TUTTI_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(...)	tutti_log(TUTTI_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...)	tutti_log(TUTTI_LOG_DEBUG, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_LOG_H */
