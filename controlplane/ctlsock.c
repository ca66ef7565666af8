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
	char *out;
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
	if (s == NULL || (s->out = malloc(CP_CTLSOCK_RESP_MAX)) == NULL) {
		free(s);
		return -ENOMEM;
	}
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

static void
serve(struct cp_ctlsock *s, int c)
{
	char req[CP_CTLSOCK_REQ_MAX];
	size_t len = 0, off = 0;
	char *nl = NULL;

	while (len < sizeof(req) - 1) {
		struct pollfd p = { .fd = c, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, READ_WAIT_MS) <= 0)
			break;
		n = read(c, req + len, sizeof(req) - 1 - len);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		if ((nl = strchr(req, '\n')) != NULL)
			break;
	}
	req[len] = '\0';
	if (nl != NULL)
		*nl = '\0';
	if (nl == NULL && len == sizeof(req) - 1)
		snprintf(s->out, CP_CTLSOCK_RESP_MAX,
			 "{\"error\":\"request longer than %d bytes\"}",
			 CP_CTLSOCK_REQ_MAX - 1);
	else
		s->fn(s->ctx, req, s->out, CP_CTLSOCK_RESP_MAX - 1);
	len = strlen(s->out);
	s->out[len++] = '\n';
	while (off < len) {
		struct pollfd p = { .fd = c, .events = POLLOUT };
		ssize_t n = write(c, s->out + off, len - off);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EAGAIN && poll(&p, 1, READ_WAIT_MS) > 0)
			continue;
		break;	/* the client went away */
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
