/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctlsock.c: the operator socket (see ctlsock.h). Control-plane main
 * thread.
 */
#include "ctlsock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define READ_WAIT_MS	200	/* a client has this long to send its line */

struct cp_ctlsock {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	cp_ctlsock_fn fn;
	void *ctx;
	char *out;		/* the answer, grown by fn as it needs */
	size_t out_cap;
};

int
cp_ctlsock_open(struct cp_ctlsock **out, const char *path, cp_ctlsock_fn fn,
		void *ctx)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct cp_ctlsock *s;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->out = malloc(CP_CTLSOCK_RESP_MIN)) == NULL) {
		free(s);
		return -ENOMEM;
	}
	s->out_cap = CP_CTLSOCK_RESP_MIN;
	memcpy(a.sun_path, path, strlen(path) + 1);
	memcpy(s->path, path, strlen(path) + 1);
	s->fn = fn;
	s->ctx = ctx;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	unlink(path);	/* a socket left by an earlier run */
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    chmod(path, 0660) != 0 || listen(s->fd, 16) != 0)
		goto fail;
	*out = s;
	return 0;
fail:;
	int rc = -errno;

	if (s->fd >= 0)
		close(s->fd);
	free(s->out);
	free(s);
	return rc;
}

/*
 * Read from the non-blocking socket c into buf (cap bytes, NUL-terminated)
 * until it holds end or is full, waiting at most wait_ms for each piece;
 * returns the length.
 */
static size_t
sock_read_until(int c, char *buf, size_t cap, const char *end, int wait_ms)
{
	size_t len = 0;

	buf[0] = '\0';
	while (len < cap - 1 && strstr(buf, end) == NULL) {
		struct pollfd p = { .fd = c, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, wait_ms) <= 0)
			break;
		n = read(c, buf + len, cap - 1 - len);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return len;
}

/* Write len bytes, waiting at most wait_ms whenever the socket is full. */
static void
sock_write_all(int c, const char *p, size_t len, int wait_ms)
{
	while (len > 0) {
		struct pollfd pf = { .fd = c, .events = POLLOUT };
		ssize_t n = write(c, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (!(n < 0 && errno == EAGAIN &&
			     poll(&pf, 1, wait_ms) > 0)) {
			return;	/* the client went away */
		}
	}
}

static void
serve(struct cp_ctlsock *s, int c)
{
	char req[CP_CTLSOCK_REQ_MAX];
	size_t len = sock_read_until(c, req, sizeof(req), "\n", READ_WAIT_MS);
	char *nl = strchr(req, '\n');

	if (nl != NULL)
		*nl = '\0';
	if (nl == NULL && len == sizeof(req) - 1)
		snprintf(s->out, s->out_cap,
			 "{\"error\":\"request longer than %d bytes\"}",
			 CP_CTLSOCK_REQ_MAX - 1);
	else
		s->fn(s->ctx, req, &s->out, &s->out_cap);
	len = strlen(s->out);
	if (len + 1 < s->out_cap) {
		s->out[len++] = '\n';
		sock_write_all(c, s->out, len, READ_WAIT_MS);
	} else {
		sock_write_all(c, s->out, len, READ_WAIT_MS);
		sock_write_all(c, "\n", 1, READ_WAIT_MS);
	}
}

void
cp_ctlsock_poll(struct cp_ctlsock *s)
{
	int c;

	if (s == NULL)
		return;
	while ((c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		serve(s, c);
		close(c);
	}
}

void
cp_ctlsock_close(struct cp_ctlsock *s)
{
	if (s == NULL)
		return;
	close(s->fd);
	unlink(s->path);
	free(s->out);
	free(s);
}
