/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctlsock.h: tutti-cp's operator socket (tuttictl talks to it): a Unix
 * stream socket; a client writes one request line ("show demo\n"), gets one
 * JSON object line back, and the connection closes. Non-blocking, served
 * from the main loop; a slow or silent client is dropped after a bounded
 * wait, never blocks SIP. Control-plane main thread.
 */
#ifndef TUTTI_CP_CTLSOCK_H
#define TUTTI_CP_CTLSOCK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CP_CTLSOCK_REQ_MAX	512	/* bytes of a request line */
#define CP_CTLSOCK_RESP_MIN	(256 * 1024)	/* an answer's first buffer */
#define CP_CTLSOCK_RESP_MAX	(64 * 1024 * 1024)	/* bytes of an answer */

/*
 * Answer one request line (NUL-terminated, no newline) into *out (JSON,
 * NUL-terminated, no newline): a malloc'd buffer of *out_cap bytes, which
 * the callee may realloc, up to CP_CTLSOCK_RESP_MAX bytes (tuttictl show of
 * a conference of thousands of legs), setting *out and *out_cap.
 */
typedef void (*cp_ctlsock_fn)(void *ctx, const char *req, char **out,
			      size_t *out_cap);

struct cp_ctlsock;

/* Listen on path (an old socket file there is replaced). Returns 0 and
 * *out, or -errno. */
int cp_ctlsock_open(struct cp_ctlsock **out, const char *path,
		    cp_ctlsock_fn fn, void *ctx);

/* Serve what is waiting (accept, read, answer); never waits long. */
void cp_ctlsock_poll(struct cp_ctlsock *s);

/* Close and remove the socket file. NULL is a no-op. */
void cp_ctlsock_close(struct cp_ctlsock *s);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_CTLSOCK_H */
