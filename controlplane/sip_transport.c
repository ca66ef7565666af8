/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_transport.c: see sip_transport.h. Control-plane main thread, cold
 * path (signalling rates). TCP sends are non-blocking. What the socket
 * does not take at once (a connection we opened and that is still
 * connecting, or a full socket buffer) waits in the connection's output
 * queue of up to 4 messages' worth, flushed when epoll says writable;
 * beyond that the connection is closed and the message counted in drop_tx,
 * which at signalling rates means a dead peer.
 */
#include "sip_transport.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"

#define TAG_UDP	   0ULL
#define TAG_LISTEN 1ULL
#define TAG_WATCH  2ULL /* cp_sip_transport_watch()'s */
#define TAG_CONN0  3ULL /* + connection slot */
#define MAX_EVENTS 32

struct conn {
	int fd; /* -1 = free slot */
	uint32_t id;
	bool connecting; /* ours, connect() in progress */
	char *buf;	 /* max_msg_bytes + 1 */
	size_t len;
	char *out; /* output queue, 4 * max_msg_bytes, NULL when empty */
	size_t out_len;
	struct sockaddr_storage addr;
	socklen_t addr_len;
};

struct cp_sip_transport {
	int ep, udp, lis;
	int family;
	uint16_t port;
	size_t max_msg;
	uint32_t max_conns;
	uint32_t next_id;
	struct conn *conns;
	char *udp_buf; /* max_msg + 2: one more byte tells too big */
	cp_sip_transport_rx_fn rx;
	void *ctx;
	struct cp_sip_transport_stats st;
};

static int
ep_ctl(int ep, int op, int fd, uint64_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(ep, op, fd, &ev) < 0 ? -errno : 0;
}

static int
ep_add(int ep, int fd, uint64_t tag)
{
	return ep_ctl(ep, EPOLL_CTL_ADD, fd, tag, EPOLLIN);
}

static int
make_addr(const char *s, uint16_t port, struct sockaddr_storage *ss,
	  socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
	return -EINVAL;
}

static int
bind_socket(int family, int type, const struct sockaddr_storage *ss,
	    socklen_t len)
{
	int one = 1;
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -errno;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
cp_sip_transport_open(struct cp_sip_transport **out,
		      const struct cp_sip_transport_conf *conf,
		      cp_sip_transport_rx_fn rx, void *ctx)
{
	struct cp_sip_transport *tp;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	if (out == NULL || conf == NULL || conf->addr == NULL || rx == NULL)
		return -EINVAL;
	if ((rc = make_addr(conf->addr, conf->port, &ss, &len)) < 0)
		return rc;
	if ((tp = calloc(1, sizeof(*tp))) == NULL)
		return -ENOMEM;
	tp->ep = tp->udp = tp->lis = -1;
	tp->family = ss.ss_family;
	tp->max_msg = conf->max_msg_bytes ? conf->max_msg_bytes : 65535;
	tp->max_conns = conf->max_conns ? conf->max_conns : 256;
	tp->rx = rx;
	tp->ctx = ctx;
	rc = -ENOMEM;
	tp->conns = calloc(tp->max_conns, sizeof(*tp->conns));
	tp->udp_buf = malloc(tp->max_msg + 2);
	if (tp->conns == NULL || tp->udp_buf == NULL)
		goto out_free;
	for (uint32_t i = 0; i < tp->max_conns; i++)
		tp->conns[i].fd = -1;
	if ((tp->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = -errno;
		goto out_free;
	}
	/*
	 * Port 0: TCP takes the port the kernel gave UDP (RFC 3261 §18).
	 * The kernel picks a UDP port without looking at TCP's, which a TCP
	 * socket may hold (a connection's local port): then another, a few
	 * times.
	 */
	for (int tries = 0;; tries++) {
		struct sockaddr_storage got = ss;
		socklen_t got_len = len;

		if ((tp->udp = bind_socket(tp->family, SOCK_DGRAM, &ss,
					   len)) < 0) {
			rc = tp->udp;
			goto out_close;
		}
		if (getsockname(tp->udp, (struct sockaddr *)&got,
				&got_len) < 0) {
			rc = -errno;
			goto out_close;
		}
		tp->port = ntohs(tp->family == AF_INET
			? ((struct sockaddr_in *)&got)->sin_port
			: ((struct sockaddr_in6 *)&got)->sin6_port);
		tp->lis = bind_socket(tp->family, SOCK_STREAM, &got, got_len);
		if (tp->lis >= 0)
			break;
		rc = tp->lis;
		if (rc != -EADDRINUSE || conf->port != 0 || tries == 15)
			goto out_close;
		close(tp->udp);
		tp->udp = -1;
	}
	if (listen(tp->lis, 64) < 0) {
		rc = -errno;
		goto out_close;
	}
	if ((rc = ep_add(tp->ep, tp->udp, TAG_UDP)) < 0 ||
	    (rc = ep_add(tp->ep, tp->lis, TAG_LISTEN)) < 0)
		goto out_close;
	*out = tp;
	return 0;
out_close:
	if (tp->lis >= 0)
		close(tp->lis);
	if (tp->udp >= 0)
		close(tp->udp);
	if (tp->ep >= 0)
		close(tp->ep);
out_free:
	free(tp->udp_buf);
	free(tp->conns);
	free(tp);
	return rc;
}

static void
conn_close(struct cp_sip_transport *tp, struct conn *c)
{
	close(c->fd); /* also leaves the epoll set */
	free(c->buf);
	c->buf = NULL;
	if (c->out != NULL)
		tp->st.drop_tx++; /* what was still queued */
	free(c->out);
	c->out = NULL;
	c->out_len = 0;
	c->connecting = false;
	c->fd = -1;
	c->len = 0;
	tp->st.tcp_closed++;
}

void
cp_sip_transport_close(struct cp_sip_transport *tp)
{
	if (tp == NULL)
		return;
	for (uint32_t i = 0; i < tp->max_conns; i++)
		if (tp->conns[i].fd >= 0)
			conn_close(tp, &tp->conns[i]);
	close(tp->lis);
	close(tp->udp);
	close(tp->ep);
	free(tp->udp_buf);
	free(tp->conns);
	free(tp);
}

int
cp_sip_transport_fd(const struct cp_sip_transport *tp)
{
	return tp->ep;
}

uint16_t
cp_sip_transport_port(const struct cp_sip_transport *tp)
{
	return tp->port;
}

int
cp_sip_transport_family(const struct cp_sip_transport *tp)
{
	return tp->family;
}

const struct cp_sip_transport_stats *
cp_sip_transport_stats(const struct cp_sip_transport *tp)
{
	return &tp->st;
}

/* Header name at line start (case-insensitive), then optional WSP and ':'. */
static const char *
header_value(const char *line, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - line) <= n || strncasecmp(line, name, n) != 0)
		return NULL;
	line += n;
	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	return line < end && *line == ':' ? line + 1 : NULL;
}

/* Content-Length within the header block [h, end); -1 if none, -2 bad. */
static long
content_length(const char *h, const char *end)
{
	long found = -1;

	while (h < end) {
		const char *eol = memchr(h, '\n', (size_t)(end - h));
		const char *v;

		if (eol == NULL)
			eol = end;
		v = header_value(h, eol, "Content-Length");
		if (v == NULL)
			v = header_value(h, eol, "l");
		if (v != NULL) {
			long cl = 0;
			int digits = 0;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			for (; v < eol && isdigit((unsigned char)*v); v++) {
				if (cl > 100000000L)
					return -2;
				cl = cl * 10 + (*v - '0');
				digits++;
			}
			while (v < eol && isspace((unsigned char)*v))
				v++;
			if (digits == 0 || v != eol ||
			    (found >= 0 && found != cl))
				return -2;
			found = cl;
		}
		h = eol + 1;
	}
	return found;
}

long
cp_sip_transport_frame(const char *buf, size_t len, size_t max_bytes,
		       size_t *skip)
{
	const char *p = buf, *end = buf + len, *hend;
	long cl;
	size_t total;

	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	*skip += (size_t)(p - buf);
	hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
	if (hend == NULL)
		return (size_t)(end - p) >= max_bytes ? -EMSGSIZE : 0;
	cl = content_length(p, hend + 2);
	if (cl < 0)
		return -EPROTO;
	total = (size_t)(hend + 4 - p) + (size_t)cl;
	if (total > max_bytes)
		return -EMSGSIZE;
	return (size_t)(end - p) < total ? 0 : (long)total;
}

int
cp_sip_transport_addr(struct cp_sip_peer *peer, const char *host, uint16_t port)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' &&
	    n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	return make_addr(host, port, &peer->addr, &peer->addr_len);
}

static int
rx_udp(struct cp_sip_transport *tp)
{
	int n_msgs = 0;

	for (;;) {
		struct cp_sip_peer from = { .proto = CP_SIP_UDP };
		ssize_t n;

		from.addr_len = sizeof(from.addr);
		n = recvfrom(tp->udp, tp->udp_buf, tp->max_msg + 1, MSG_TRUNC,
			     (struct sockaddr *)&from.addr, &from.addr_len);
		if (n < 0)
			return n_msgs;
		if ((size_t)n > tp->max_msg) {
			tp->st.drop_too_big++;
			continue;
		}
		tp->udp_buf[n] = '\0';
		tp->st.rx_udp++;
		n_msgs++;
		tp->rx(tp->ctx, &from, tp->udp_buf, (size_t)n);
	}
}

static void
accept_conns(struct cp_sip_transport *tp)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct conn *c = NULL;
		int one = 1;
		int fd = accept4(tp->lis, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		uint32_t i;

		if (fd < 0)
			return;
		for (i = 0; i < tp->max_conns && c == NULL; i++)
			if (tp->conns[i].fd < 0)
				c = &tp->conns[i];
		if (c == NULL || (c->buf = malloc(tp->max_msg + 1)) == NULL) {
			tp->st.drop_conn_limit++;
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->id = ++tp->next_id ? tp->next_id : ++tp->next_id;
		c->len = 0;
		c->addr = ss;
		c->addr_len = len;
		if (ep_add(tp->ep, fd, TAG_CONN0 + (uint64_t)(i - 1)) < 0) {
			conn_close(tp, c);
			continue;
		}
		tp->st.tcp_accepted++;
	}
}

/* Hand up every whole message in c->buf; false if c had to be closed. */
static bool
frame_conn(struct cp_sip_transport *tp, struct conn *c, int *n_msgs)
{
	for (;;) {
		size_t skip = 0;
		long n = cp_sip_transport_frame(c->buf, c->len, tp->max_msg,
						&skip);
		struct cp_sip_peer from = { .proto = CP_SIP_TCP,
					    .conn_id = c->id };
		char saved;

		if (n == 0) {
			memmove(c->buf, c->buf + skip, c->len - skip);
			c->len -= skip;
			return true;
		}
		if (n < 0) {
			if (n == -EMSGSIZE)
				tp->st.drop_too_big++;
			else
				tp->st.drop_tcp_framing++;
			LOG_DEBUG("sip: tcp connection %u closed: %s", c->id,
				  n == -EMSGSIZE ? "message too big"
						 : "no valid Content-Length");
			conn_close(tp, c);
			return false;
		}
		from.addr = c->addr;
		from.addr_len = c->addr_len;
		saved = c->buf[skip + (size_t)n]; /* buf has +1 byte */
		c->buf[skip + (size_t)n] = '\0';
		tp->st.rx_tcp++;
		(*n_msgs)++;
		tp->rx(tp->ctx, &from, c->buf + skip, (size_t)n);
		/* The callback may have closed c through a failed send. */
		if (c->fd < 0)
			return false;
		c->buf[skip + (size_t)n] = saved;
		c->len -= skip + (size_t)n;
		memmove(c->buf, c->buf + skip + (size_t)n, c->len);
	}
}

static void
rx_conn(struct cp_sip_transport *tp, struct conn *c, int *n_msgs)
{
	for (;;) {
		ssize_t n = read(c->fd, c->buf + c->len, tp->max_msg - c->len);

		if (n == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			conn_close(tp, c);
			return;
		}
		if (n < 0)
			return;
		c->len += (size_t)n;
		if (!frame_conn(tp, c, n_msgs))
			return;
	}
}

/* Queue the bytes the socket did not take; false (c closed) if full. */
static bool
conn_queue(struct cp_sip_transport *tp, struct conn *c, uint64_t tag,
	   const char *buf, size_t len)
{
	size_t cap = 4 * tp->max_msg;

	if (c->out_len + len > cap ||
	    (c->out == NULL && (c->out = malloc(cap)) == NULL)) {
		conn_close(tp, c);
		return false;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	ep_ctl(tp->ep, EPOLL_CTL_MOD, c->fd, tag, EPOLLIN | EPOLLOUT);
	return true;
}

/* Connected (or failed), or room again in the socket: flush the queue. */
static void
conn_writable(struct cp_sip_transport *tp, struct conn *c, uint64_t tag)
{
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	if (c->connecting) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
		    err != 0) {
			LOG_DEBUG("sip: tcp connection %u failed: %s", c->id,
				  strerror(err));
			conn_close(tp, c);
			return;
		}
		c->connecting = false;
	}
	if (c->out_len > 0) {
		n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			conn_close(tp, c);
			return;
		}
		if (n > 0) {
			c->out_len -= (size_t)n;
			memmove(c->out, c->out + n, c->out_len);
		}
	}
	if (c->out_len == 0) {
		free(c->out);
		c->out = NULL;
		ep_ctl(tp->ep, EPOLL_CTL_MOD, c->fd, tag, EPOLLIN);
	}
}

int
cp_sip_transport_watch(struct cp_sip_transport *tp, int fd)
{
	return ep_add(tp->ep, fd, TAG_WATCH);
}

int
cp_sip_transport_poll(struct cp_sip_transport *tp, int timeout_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int n_msgs = 0;
	int n = epoll_wait(tp->ep, evs, MAX_EVENTS, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;

		if (tag == TAG_UDP)
			n_msgs += rx_udp(tp);
		else if (tag == TAG_LISTEN)
			accept_conns(tp);
		else if (tag == TAG_WATCH)
			continue; /* it woke us: the caller looks */
		else if (tag - TAG_CONN0 < tp->max_conns &&
			 tp->conns[tag - TAG_CONN0].fd >= 0) {
			struct conn *c = &tp->conns[tag - TAG_CONN0];

			if (evs[i].events & (EPOLLOUT | EPOLLERR))
				conn_writable(tp, c, tag);
			if (c->fd >= 0 && !c->connecting &&
			    (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				rx_conn(tp, c, &n_msgs);
		}
	}
	return n_msgs;
}

static struct conn *
find_conn(const struct cp_sip_transport *tp, uint32_t id)
{
	for (uint32_t i = 0; i < tp->max_conns && id != 0; i++)
		if (tp->conns[i].fd >= 0 && tp->conns[i].id == id)
			return &tp->conns[i];
	return NULL;
}

bool
cp_sip_transport_conn_is_open(const struct cp_sip_transport *tp,
			      uint32_t conn_id)
{
	return find_conn(tp, conn_id) != NULL;
}

int
cp_sip_transport_send(struct cp_sip_transport *tp, const struct cp_sip_peer *to,
		      const char *buf, size_t len)
{
	struct conn *c;
	uint64_t tag;
	ssize_t n;

	if (to->proto == CP_SIP_UDP) {
		n = sendto(tp->udp, buf, len, 0,
			   (const struct sockaddr *)&to->addr, to->addr_len);
		if (n != (ssize_t)len) {
			tp->st.drop_tx++;
			return n < 0 ? -errno : -EIO;
		}
		tp->st.tx_udp++;
		return 0;
	}
	if ((c = find_conn(tp, to->conn_id)) == NULL) {
		tp->st.drop_tx++;
		return -ENOTCONN;
	}
	tag = TAG_CONN0 + (uint64_t)(c - tp->conns);
	if (c->connecting || c->out_len > 0) {
		n = 0; /* after what waits */
	} else {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			int rc = -errno;

			tp->st.drop_tx++;
			conn_close(tp, c);
			return rc;
		}
		n = n < 0 ? 0 : n;
	}
	if ((size_t)n < len &&
	    !conn_queue(tp, c, tag, buf + n, len - (size_t)n)) {
		tp->st.drop_tx++;
		return -ENOBUFS;
	}
	tp->st.tx_tcp++;
	return 0;
}

int
cp_sip_transport_connect(struct cp_sip_transport *tp, struct cp_sip_peer *peer)
{
	struct conn *c = NULL;
	int one = 1, fd;
	uint32_t i;

	if (peer->addr.ss_family != tp->family)
		return -EAFNOSUPPORT;
	for (i = 0; i < tp->max_conns && c == NULL; i++)
		if (tp->conns[i].fd < 0)
			c = &tp->conns[i];
	if (c == NULL) {
		tp->st.drop_conn_limit++;
		return -EMFILE;
	}
	fd = socket(tp->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&peer->addr, peer->addr_len) <
		    0 &&
	    errno != EINPROGRESS) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if ((c->buf = malloc(tp->max_msg + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->id = ++tp->next_id ? tp->next_id : ++tp->next_id;
	c->len = 0;
	c->connecting = true; /* the first EPOLLOUT tells how it went */
	c->addr = peer->addr;
	c->addr_len = peer->addr_len;
	if (ep_ctl(tp->ep, EPOLL_CTL_ADD, fd, TAG_CONN0 + (uint64_t)(i - 1),
		   EPOLLIN | EPOLLOUT) < 0) {
		conn_close(tp, c);
		return -ENOMEM;
	}
	tp->st.tcp_connected++;
	peer->proto = CP_SIP_TCP;
	peer->conn_id = c->id;
	return 0;
}
