/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics.c: the Prometheus endpoint (see metrics.h). Control-plane main
 * thread.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctlsock.h"

#define WAIT_MS		200

struct cp_metrics {
	int fd;
	uint16_t port;
	cp_metrics_fn fn;
	void *ctx;
	char *buf;		/* the exposition, grown by fn as it needs */
	size_t cap;
};

int
cp_metrics_open(struct cp_metrics **out, const char *addr, uint16_t port,
		cp_metrics_fn fn, void *ctx)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	socklen_t alen = sizeof(a);
	struct cp_metrics *m;
	int one = 1, rc;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->buf = malloc(CP_METRICS_MIN)) == NULL) {
		free(m);
		return -ENOMEM;
	}
	m->cap = CP_METRICS_MIN;
	m->fn = fn;
	m->ctx = ctx;
	m->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		goto fail;
	setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(m->fd, 16) != 0 ||
	    getsockname(m->fd, (struct sockaddr *)&a, &alen) != 0)
		goto fail;
	m->port = ntohs(a.sin_port);
	*out = m;
	return 0;
fail:
	rc = -errno;
	if (m->fd >= 0)
		close(m->fd);
	free(m->buf);
	free(m);
	return rc;
}

uint16_t
cp_metrics_port(const struct cp_metrics *m)
{
	return m->port;
}

static void
serve(struct cp_metrics *m, int c)
{
	char req[2048];
	bool ok;

	cp_sock_read_until(c, req, sizeof(req), "\r\n\r\n", WAIT_MS);
	ok = strncmp(req, "GET /metrics ", 13) == 0 ||
	     strncmp(req, "GET /metrics?", 13) == 0;
	if (!ok) {
		static const char nf[] = "HTTP/1.0 404 Not Found\r\n"
			"Content-Type: text/plain\r\nContent-Length: 25\r\n"
			"Connection: close\r\n\r\nonly GET /metrics here\r\n\r\n";

		cp_sock_write_all(c, nf, sizeof(nf) - 1, WAIT_MS);
		return;
	}
	{
		size_t body = m->fn(m->ctx, &m->buf, &m->cap);
		char head[256];
		int h = snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\n"
				 "Content-Type: text/plain; version=0.0.4\r\n"
				 "Content-Length: %zu\r\nConnection: close"
				 "\r\n\r\n", body);

		cp_sock_write_all(c, head, (size_t)h, WAIT_MS);
		cp_sock_write_all(c, m->buf, body, WAIT_MS);
	}
}

void
cp_metrics_poll(struct cp_metrics *m)
{
	int c;

	if (m == NULL)
		return;
	while ((c = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >=
	       0) {
		serve(m, c);
		close(c);
	}
}

void
cp_metrics_close(struct cp_metrics *m)
{
	if (m == NULL)
		return;
	close(m->fd);
	free(m->buf);
	free(m);
}
