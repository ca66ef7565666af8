/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics.c: the Prometheus endpoint (see metrics.h). Control-plane main
 * thread.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shm_region.h"

/* Clients at once; one more evicts the oldest that has not yet sent its
 * request (a silent one cannot keep a scraper out), or is refused when
 * all are being answered. */
#define CONNS_MAX 8
/* A client has this long from its connection to send its request, and
 * this long to take the answer (a big exposition to a slow scraper). */
#define ASK_MS	5000
#define TAKE_MS 30000
#define REQ_MAX 2048

/* A client: its request read, then its answer sent, a bit each poll. */
struct conn {
	int fd;		   /* -1: a free slot */
	uint64_t seq;	   /* the how-manyth accepted */
	uint64_t since_ms; /* when */
	size_t req_len;
	char req[REQ_MAX];
	bool answering;
	char head[256];
	size_t head_len;
	char *body; /* its own copy of the exposition, or NULL */
	size_t body_len;
	size_t sent; /* of head, then of body */
};

struct cp_metrics {
	int fd;
	uint16_t port;
	cp_metrics_fn fn;
	void *ctx;
	char *buf;		/* the exposition, grown by fn as it needs */
	size_t cap;
	struct conn conns[CONNS_MAX];
	uint64_t n_accepted;
};

static void
conn_close(struct conn *k)
{
	close(k->fd);
	free(k->body);
	k->fd = -1;
	k->body = NULL;
}

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
	for (int i = 0; i < CONNS_MAX; i++)
		m->conns[i].fd = -1;
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

/* A slot for a new client: a free one, else the oldest still silent's
 * (closed), else NULL. */
static struct conn *
slot_for_new(struct cp_metrics *m)
{
	struct conn *old = NULL;

	for (int i = 0; i < CONNS_MAX; i++) {
		struct conn *k = &m->conns[i];

		if (k->fd < 0)
			return k;
		if (!k->answering && (old == NULL || k->seq < old->seq))
			old = k;
	}
	if (old != NULL)
		conn_close(old);
	return old;
}

/* The answer to k's whole request: the exposition for GET /metrics (its
 * own copy: another scrape may come meanwhile), else 404. */
static void
answer(struct cp_metrics *m, struct conn *k)
{
	static const char nf[] =
		"HTTP/1.0 404 Not Found\r\n"
		"Content-Type: text/plain\r\nContent-Length: 25\r\n"
		"Connection: close\r\n\r\nonly GET /metrics here\r\n\r\n";
	size_t len;

	k->answering = true;
	if (strncmp(k->req, "GET /metrics ", 13) != 0 &&
	    strncmp(k->req, "GET /metrics?", 13) != 0) {
		memcpy(k->head, nf, sizeof(nf) - 1);
		k->head_len = sizeof(nf) - 1;
		return;
	}
	len = m->fn(m->ctx, &m->buf, &m->cap);
	if ((k->body = malloc(len != 0 ? len : 1)) == NULL) {
		conn_close(k);
		return;
	}
	memcpy(k->body, m->buf, len);
	k->body_len = len;
	k->head_len = (size_t)snprintf(k->head, sizeof(k->head),
				       "HTTP/1.0 200 OK\r\n"
				       "Content-Type: text/plain; version=0.0.4"
				       "\r\nContent-Length: %zu\r\n"
				       "Connection: close\r\n\r\n",
				       len);
}

/* Read what k sent, without waiting; its request whole (or REQ_MAX): the
 * answer is made. */
static void
take_request(struct cp_metrics *m, struct conn *k)
{
	ssize_t n = recv(k->fd, k->req + k->req_len, REQ_MAX - 1 - k->req_len,
			 MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		       errno != EINTR)) {
		conn_close(k); /* gone before asking */
		return;
	}
	if (n < 0)
		return;
	k->req_len += (size_t)n;
	k->req[k->req_len] = '\0';
	if (strstr(k->req, "\r\n\r\n") != NULL || k->req_len == REQ_MAX - 1)
		answer(m, k);
}

/* Send what the socket takes of k's answer, without waiting; all sent:
 * closed. */
static void
give_answer(struct conn *k)
{
	while (k->sent < k->head_len + k->body_len) {
		const char *p = k->sent < k->head_len
					? k->head + k->sent
					: k->body + (k->sent - k->head_len);
		size_t left = k->sent < k->head_len
				      ? k->head_len - k->sent
				      : k->head_len + k->body_len - k->sent;
		ssize_t n = send(k->fd, p, left, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 &&
		    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0)
			break; /* the client went away */
		k->sent += (size_t)n;
	}
	conn_close(k);
}

void
cp_metrics_poll(struct cp_metrics *m)
{
	uint64_t now;
	int c;

	if (m == NULL)
		return;
	now = shm_now_ns() / 1000000;
	while ((c = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >=
	       0) {
		struct conn *k = slot_for_new(m);

		if (k == NULL) { /* all being answered: come back later */
			close(c);
			continue;
		}
		memset(k, 0, sizeof(*k));
		k->fd = c;
		k->seq = ++m->n_accepted;
		k->since_ms = now;
	}
	for (int i = 0; i < CONNS_MAX; i++) {
		struct conn *k = &m->conns[i];

		if (k->fd >= 0 && !k->answering)
			take_request(m, k);
		if (k->fd >= 0 && k->answering)
			give_answer(k);
		if (k->fd >= 0 &&
		    now - k->since_ms >= (k->answering ? TAKE_MS : ASK_MS))
			conn_close(k); /* too slow to ask, or to read */
	}
}

void
cp_metrics_close(struct cp_metrics *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < CONNS_MAX; i++)
		if (m->conns[i].fd >= 0)
			conn_close(&m->conns[i]);
	close(m->fd);
	free(m->buf);
	free(m);
}
