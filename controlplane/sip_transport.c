/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_transport.c: see sip_transport.h. Control-plane main thread, cold
 * path (signalling rates). TCP sends are non-blocking. What the socket
 * does not take at once (a connection we opened and that is still
 * connecting, or a full socket buffer) waits in the connection's output
 * queue of up to 4 messages' worth, flushed when epoll says writable;
 * beyond that the connection is closed and the message counted in drop_tx,
 * which at signalling rates means a dead peer. TLS (OpenSSL, the only
 * user) runs in the same loop: the handshake on the connection's events,
 * what goes out before it is done waiting in the queue, a write OpenSSL
 * must repeat repeated from the queue's head.
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
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"

#define TAG_UDP	       0ULL
#define TAG_LISTEN     1ULL
#define TAG_WATCH      2ULL /* cp_sip_transport_watch()'s */
#define TAG_TLS_LISTEN 3ULL
#define TAG_CONN0      4ULL /* + connection slot */
#define MAX_EVENTS     32
#define TLS_FAIL_LOGS	10
#define TLS_FAIL_LOG_MS 10000

struct conn {
	int fd; /* -1 = free slot */
	uint32_t id;
	bool connecting; /* ours, connect() in progress */
	/* TLS: the session (NULL: plain TCP); up once the handshake is done;
	 * wants_out: OpenSSL waits for the socket to take bytes */
	SSL *ssl;
	bool tls_up, tls_wants_out;
	bool trusted; /* its certificate names a trust name (up) */
	bool ours;		  /* opened by us (else accepted) */
	uint64_t tls_deadline_ms; /* the handshake's, while not up */
	/* accepted: its first whole message is due by then, else it closes
	 * (closed_quiet); 0 once one came, and for ours */
	uint64_t quiet_deadline_ms;
	uint64_t last_ms;	  /* the last byte in or out (or the open) */
	char *buf;	 /* max_msg_bytes + 1 */
	size_t len;
	char *out; /* output queue, 4 * max_msg_bytes, NULL when empty */
	size_t out_len;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	/* accepted: in the chain of its address's bucket (by_addr), as
	 * slot indices plus 1 (0: none) */
	bool chained;
	uint32_t a_prev, a_next;
};

struct cp_sip_transport {
	int ep, udp, lis;
	int family;
	uint16_t port;
	struct sockaddr_storage bound; /* the address, port 0 */
	socklen_t bound_len;
	int tls_lis; /* -1: no TLS */
	uint16_t tls_port;
	uint32_t tls_hs_ms;	   /* cp_sip_tls_conf.handshake_ms */
	/* failed handshakes said in the log: at most TLS_FAIL_LOGS in a
	 * TLS_FAIL_LOG_MS window (a scanner's hundreds a second are
	 * counted, and summed up when the next window opens) */
	uint64_t tls_log_ms; /* the window's start */
	uint32_t tls_logged, tls_unlogged;
	uint32_t idle_ms;	   /* cp_sip_transport_conf.idle_ms */
	uint32_t max_per_addr;	   /* .max_conns_per_addr */
	uint32_t quiet_ms;	   /* .first_msg_ms */
	uint64_t sweep_ms; /* the next look for late handshakes, quiet and
			    * idle connections */
	SSL_CTX *tls_srv, *tls_cli; /* accepted, and our connections */
	/* cp_sip_tls_conf.trust_names: a peer's certificate naming one puts
	 * it in the trust domain (conn.trusted) */
	char trust_names[CP_SIP_TLS_TRUST_MAX][CP_SIP_TLS_NAME_MAX + 1];
	size_t n_trust_names;
	BIO_METHOD *tls_bio;	    /* sockets written with MSG_NOSIGNAL */
	size_t max_msg;
	uint32_t max_conns;
	uint32_t next_gen; /* conn_id()'s count */
	struct conn *conns;
	/* the free slots' indices, a stack: n_free of them */
	uint32_t *free_slots, n_free;
	/* the accepted connections by address: chains of slot indices
	 * plus 1 (0: empty), by_addr_mask + 1 of them */
	uint32_t *by_addr, by_addr_mask;
	char *udp_buf; /* max_msg + 2: one more byte tells too big */
	cp_sip_transport_rx_fn rx;
	void *ctx;
	struct cp_sip_transport_stats st;
};

/* "tls" or "tcp", for the log. */
static const char *
conn_kind(const struct conn *c)
{
	return c->ssl != NULL ? "tls" : "tcp";
}

/* How many bytes at the start of buf are CR or LF. */
static size_t
crlf_span(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i;
}

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

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
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
	tp->ep = tp->udp = tp->lis = tp->tls_lis = -1;
	tp->family = ss.ss_family;
	tp->bound = ss;
	tp->bound_len = len;
	tp->max_msg = conf->max_msg_bytes ? conf->max_msg_bytes : 65535;
	tp->max_conns = conf->max_conns ? conf->max_conns : 256;
	tp->idle_ms = conf->idle_ms ? conf->idle_ms : 3600000;
	tp->max_per_addr = conf->max_conns_per_addr ? conf->max_conns_per_addr
						    : 64;
	tp->quiet_ms = conf->first_msg_ms ? conf->first_msg_ms : 30000;
	tp->rx = rx;
	tp->ctx = ctx;
	rc = -ENOMEM;
	tp->conns = calloc(tp->max_conns, sizeof(*tp->conns));
	tp->free_slots = calloc(tp->max_conns, sizeof(*tp->free_slots));
	for (tp->by_addr_mask = 1; tp->by_addr_mask < tp->max_conns;)
		tp->by_addr_mask <<= 1;
	tp->by_addr = calloc(tp->by_addr_mask--, sizeof(*tp->by_addr));
	tp->udp_buf = malloc(tp->max_msg + 2);
	if (tp->conns == NULL || tp->free_slots == NULL ||
	    tp->by_addr == NULL || tp->udp_buf == NULL)
		goto out_free;
	for (uint32_t i = 0; i < tp->max_conns; i++) {
		tp->conns[i].fd = -1;
		/* slot 0 on top: the lowest free slot first */
		tp->free_slots[tp->n_free++] = tp->max_conns - 1 - i;
	}
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
	free(tp->by_addr);
	free(tp->free_slots);
	free(tp->conns);
	free(tp);
	return rc;
}

/* The address bytes of ss (IPv4 or IPv6), and their length in *len. */
static const void *
addr_bytes(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = 4;
		return &((const struct sockaddr_in *)ss)->sin_addr;
	}
	*len = 16;
	return &((const struct sockaddr_in6 *)ss)->sin6_addr;
}

/* The bucket of by_addr that holds ss's address (FNV-1a of its bytes). */
static uint32_t
addr_bucket(const struct cp_sip_transport *tp,
	    const struct sockaddr_storage *ss)
{
	size_t len;
	const uint8_t *a = addr_bytes(ss, &len);
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ a[i]) * 16777619u;
	return (h ^ (h >> 16)) & tp->by_addr_mask;
}

/* How many of the connections accepted are from ss's address (any
 * port): those in its bucket's chain with that address. */
static uint32_t
conns_from(const struct cp_sip_transport *tp,
	   const struct sockaddr_storage *ss)
{
	size_t len, n;
	const void *a = addr_bytes(ss, &len);
	uint32_t k = 0;

	for (uint32_t i = tp->by_addr[addr_bucket(tp, ss)]; i != 0;) {
		const struct conn *c = &tp->conns[i - 1];

		if (c->addr.ss_family == ss->ss_family &&
		    memcmp(addr_bytes(&c->addr, &n), a, len) == 0)
			k++;
		i = c->a_next;
	}
	return k;
}

/* Accepted connection c (its addr set) into its address's chain. */
static void
addr_chain(struct cp_sip_transport *tp, struct conn *c)
{
	uint32_t *head = &tp->by_addr[addr_bucket(tp, &c->addr)];
	uint32_t self = (uint32_t)(c - tp->conns) + 1;

	c->a_prev = 0;
	c->a_next = *head;
	if (*head != 0)
		tp->conns[*head - 1].a_prev = self;
	*head = self;
	c->chained = true;
}

/* c out of its address's chain, if in one. */
static void
addr_unchain(struct cp_sip_transport *tp, struct conn *c)
{
	if (!c->chained)
		return;
	if (c->a_prev != 0)
		tp->conns[c->a_prev - 1].a_next = c->a_next;
	else
		tp->by_addr[addr_bucket(tp, &c->addr)] = c->a_next;
	if (c->a_next != 0)
		tp->conns[c->a_next - 1].a_prev = c->a_prev;
	c->chained = false;
}

/* A free slot, taken (NULL: none). */
static struct conn *
slot_take(struct cp_sip_transport *tp)
{
	return tp->n_free == 0 ? NULL
			       : &tp->conns[tp->free_slots[--tp->n_free]];
}

/* Slot c (its connection closed, or never opened) free again. */
static void
slot_put(struct cp_sip_transport *tp, struct conn *c)
{
	tp->free_slots[tp->n_free++] = (uint32_t)(c - tp->conns);
}

static void
conn_close(struct cp_sip_transport *tp, struct conn *c)
{
	if (c->fd < 0)
		return;
	addr_unchain(tp, c);
	if (c->ssl != NULL) {
		if (c->tls_up)
			SSL_shutdown(c->ssl); /* close_notify, if it goes */
		SSL_free(c->ssl);
		c->ssl = NULL;
		c->tls_up = c->tls_wants_out = c->trusted = false;
	}
	close(c->fd); /* also leaves the epoll set */
	free(c->buf);
	c->buf = NULL;
	if (c->out != NULL)
		tp->st.drop_tx++; /* what was still queued */
	free(c->out);
	c->out = NULL;
	c->out_len = 0;
	c->connecting = c->ours = false;
	c->quiet_deadline_ms = 0;
	c->fd = -1;
	c->len = 0;
	slot_put(tp, c);
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
	if (tp->tls_lis >= 0)
		close(tp->tls_lis);
	SSL_CTX_free(tp->tls_srv);
	SSL_CTX_free(tp->tls_cli);
	BIO_meth_free(tp->tls_bio); /* (every connection is closed) */
	close(tp->lis);
	close(tp->udp);
	close(tp->ep);
	free(tp->udp_buf);
	free(tp->by_addr);
	free(tp->free_slots);
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

	p += crlf_span(p, len);
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
		/* CRLFs alone, or nothing: a NAT keepalive, not SIP */
		if (crlf_span(tp->udp_buf, (size_t)n) == (size_t)n) {
			tp->st.keepalives++;
			continue;
		}
		tp->udp_buf[n] = '\0';
		tp->st.rx_udp++;
		n_msgs++;
		tp->rx(tp->ctx, &from, tp->udp_buf, (size_t)n);
	}
}

/* BIO write of a TLS connection's socket: send() with MSG_NOSIGNAL, as
 * plain TCP's, so that a peer gone raises no SIGPIPE (the socket BIO's
 * write() would). */
static int
bio_send(BIO *b, const char *buf, int len)
{
	int fd = -1;
	ssize_t n;

	BIO_get_fd(b, &fd);
	BIO_clear_retry_flags(b);
	n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int
bio_puts(BIO *b, const char *s)
{
	return bio_send(b, s, (int)strlen(s));
}

/* The socket BIO with bio_send() for writes (once per transport). */
static BIO_METHOD *
bio_method(void)
{
	const BIO_METHOD *sock = BIO_s_socket();
	BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOCKET, "sip socket");

	if (m == NULL)
		return NULL;
	if (BIO_meth_set_write(m, bio_send) != 1 ||
	    BIO_meth_set_puts(m, bio_puts) != 1 ||
	    BIO_meth_set_read(m, BIO_meth_get_read(sock)) != 1 ||
	    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(sock)) != 1 ||
	    BIO_meth_set_create(m, BIO_meth_get_create(sock)) != 1 ||
	    BIO_meth_set_destroy(m, BIO_meth_get_destroy(sock)) != 1) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}

/* c's session in tls, on its socket. */
static bool
tls_new(struct cp_sip_transport *tp, struct conn *c, SSL_CTX *tls)
{
	BIO *b;

	if ((c->ssl = SSL_new(tls)) == NULL ||
	    (b = BIO_new(tp->tls_bio)) == NULL)
		return false;
	BIO_set_fd(b, c->fd, BIO_NOCLOSE);
	SSL_set_bio(c->ssl, b, b);
	return true;
}

/* A new id for the connection in slot c: a count of the connections
 * opened, times max_conns, plus the slot's index, so find_conn() goes
 * straight to the slot; a slot's ids come round again after UINT32_MAX /
 * max_conns openings (65,535 at least); never 0. */
static uint32_t
conn_id(struct cp_sip_transport *tp, const struct conn *c)
{
	uint32_t gens = UINT32_MAX / tp->max_conns;

	tp->next_gen = tp->next_gen + 1 < gens ? tp->next_gen + 1 : 1;
	return tp->next_gen * tp->max_conns + (uint32_t)(c - tp->conns);
}

/* Connections waiting on listener lis (TLS: in a session of tls's). */
static void
accept_conns(struct cp_sip_transport *tp, int lis, SSL_CTX *tls)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct conn *c = NULL;
		int one = 1;
		int fd = accept4(lis, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		uint32_t i;

		if (fd < 0)
			return;
		if (conns_from(tp, &ss) >= tp->max_per_addr) {
			tp->st.drop_conn_per_addr++;
			close(fd);
			continue;
		}
		if ((c = slot_take(tp)) != NULL &&
		    (c->buf = malloc(tp->max_msg + 1)) == NULL) {
			slot_put(tp, c);
			c = NULL;
		}
		if (c == NULL) {
			tp->st.drop_conn_limit++;
			close(fd);
			continue;
		}
		i = (uint32_t)(c - tp->conns) + 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->id = conn_id(tp, c);
		c->len = 0;
		c->last_ms = now_ms();
		c->quiet_deadline_ms = c->last_ms + tp->quiet_ms;
		c->addr = ss;
		c->addr_len = len;
		addr_chain(tp, c);
		if (tls != NULL && !tls_new(tp, c, tls)) {
			tp->st.drop_tls++;
			conn_close(tp, c);
			continue;
		}
		if (c->ssl != NULL) {
			SSL_set_accept_state(c->ssl);
			c->tls_deadline_ms = now_ms() + tp->tls_hs_ms;
		}
		if (ep_add(tp->ep, fd, TAG_CONN0 + (uint64_t)(i - 1)) < 0) {
			conn_close(tp, c);
			continue;
		}
		tp->st.tcp_accepted++;
	}
}

static int conn_send(struct cp_sip_transport *tp, struct conn *c,
		     const char *buf, size_t len);

/* Hand up every whole message in c->buf, and answer each ping before
 * one; false if c had to be closed. */
static bool
frame_conn(struct cp_sip_transport *tp, struct conn *c, int *n_msgs)
{
	static const char ping[] = "\r\n\r\n";

	for (;;) {
		size_t skip = 0;
		long n = cp_sip_transport_frame(c->buf, c->len, tp->max_msg,
						&skip);
		struct cp_sip_peer from = {
			.proto = c->ssl != NULL ? CP_SIP_TLS : CP_SIP_TCP,
			.conn_id = c->id,
			.tls_trusted = c->trusted
		};
		char saved;

		if (c->len >= 4 && memcmp(c->buf, ping, 4) == 0) {
			/* RFC 5626 §3.5.1: a ping, and its pong */
			tp->st.keepalives++;
			c->len -= 4;
			memmove(c->buf, c->buf + 4, c->len);
			if (conn_send(tp, c, ping, 2) < 0)
				return false;
			continue;
		}
		if (c->len < 4 && memcmp(c->buf, ping, c->len) == 0)
			return true; /* nothing, or a ping's first bytes */
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
			LOG_DEBUG("sip: %s connection %u closed: %s",
				  conn_kind(c), c->id,
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
		c->quiet_deadline_ms = 0;
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

/* OpenSSL's reason for what just failed, in buf (its error queue emptied). */
static const char *
tls_why(SSL *ssl, char *buf, size_t len)
{
	unsigned long e = ERR_get_error();
	long v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;

	if (v != X509_V_OK)
		snprintf(buf, len, "%s", X509_verify_cert_error_string(v));
	else if (e != 0)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "%s", errno != 0 ? strerror(errno)
						    : "the peer closed it");
	ERR_clear_error();
	return buf;
}

/* Bytes read from c into buf: > 0, 0 if the peer closed it, -EAGAIN when
 * none are ready, or another -errno (c to close). */
static ssize_t
conn_read(struct conn *c, char *buf, size_t len)
{
	ssize_t n;
	int r;

	if (c->ssl == NULL) {
		n = read(c->fd, buf, len);
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		return n;
	}
	ERR_clear_error();
	if ((r = SSL_read(c->ssl, buf, (int)len)) > 0)
		return r;
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_WRITE: /* a key update going out */
		c->tls_wants_out = true;
		/* fall through */
	case SSL_ERROR_WANT_READ:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN: /* close_notify */
		return 0;
	case SSL_ERROR_SYSCALL:
		return errno != 0 ? -errno : 0;
	default:
		return -EPROTO;
	}
}

/* Bytes of buf that c took now (0: none, it is full), or -errno (c to
 * close). TLS: a write that waits is repeated with the same bytes first
 * (the output queue's head), which OpenSSL asks for. */
static ssize_t
conn_write(struct conn *c, const char *buf, size_t len)
{
	ssize_t n;
	int r;

	if (c->ssl == NULL) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0
								       : -errno;
		if (n > 0)
			c->last_ms = now_ms();
		return n;
	}
	ERR_clear_error();
	if ((r = SSL_write(c->ssl, buf, (int)len)) > 0) {
		c->last_ms = now_ms();
		return r;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_WRITE:
		c->tls_wants_out = true;
		return 0;
	case SSL_ERROR_WANT_READ: /* EPOLLIN is always asked for */
		return 0;
	default:
		return -EPROTO;
	}
}

/* The events c waits for: always input; output while it connects, while
 * OpenSSL waits to write, or while its queue waits (TLS: once up). */
static void
conn_mask(struct cp_sip_transport *tp, struct conn *c, uint64_t tag)
{
	bool out = c->connecting || c->tls_wants_out ||
		   (c->out_len > 0 && (c->ssl == NULL || c->tls_up));

	ep_ctl(tp->ep, EPOLL_CTL_MOD, c->fd, tag,
	       EPOLLIN | (out ? EPOLLOUT : 0u));
}

static void
rx_conn(struct cp_sip_transport *tp, struct conn *c, int *n_msgs)
{
	for (;;) {
		ssize_t n = conn_read(c, c->buf + c->len,
				      tp->max_msg - c->len);

		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			if (n == -EPROTO) { /* TLS's own: a bad record */
				char why[160];

				tp->st.drop_tls++;
				LOG_INFO("sip: tls connection %u closed: %s",
					 c->id, tls_why(c->ssl, why,
							sizeof(why)));
			} else if (n < 0) { /* the peer's reset, say */
				LOG_DEBUG("sip: %s connection %u closed: %s",
					  conn_kind(c),
					  c->id, strerror((int)-n));
			}
			conn_close(tp, c);
			return;
		}
		c->len += (size_t)n;
		c->last_ms = now_ms();
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
	conn_mask(tp, c, tag);
	return true;
}

/* Send what c's queue holds; false if c had to be closed. */
static bool
conn_flush(struct cp_sip_transport *tp, struct conn *c)
{
	ssize_t n;

	while (c->out_len > 0) {
		if ((n = conn_write(c, c->out, c->out_len)) < 0) {
			conn_close(tp, c);
			return false;
		}
		if (n == 0)
			break;
		c->out_len -= (size_t)n;
		memmove(c->out, c->out + n, c->out_len);
	}
	if (c->out_len == 0) {
		free(c->out);
		c->out = NULL;
	}
	return true;
}

/* The connect() of c is over: true if it worked, else c is closed. */
static bool
conn_connected(struct cp_sip_transport *tp, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
	    err != 0) {
		LOG_DEBUG("sip: %s connection %u failed: %s",
			  conn_kind(c), c->id,
			  strerror(err));
		conn_close(tp, c);
		return false;
	}
	c->connecting = false;
	return true;
}

/* Connected (or failed), or room again in the socket: flush the queue. */
static void
conn_writable(struct cp_sip_transport *tp, struct conn *c, uint64_t tag)
{
	if (c->connecting && !conn_connected(tp, c))
		return;
	if (conn_flush(tp, c))
		conn_mask(tp, c, tag);
}

/* The window of failed handshakes' log lines is over at now: how many
 * went unsaid in it is said, and a new one may open. */
static void
tls_log_window(struct cp_sip_transport *tp, uint64_t now)
{
	if (now - tp->tls_log_ms < TLS_FAIL_LOG_MS)
		return;
	if (tp->tls_unlogged != 0)
		LOG_INFO("sip: %u more tls handshakes failed, not logged "
			 "(drop_tls counts them all)", tp->tls_unlogged);
	tp->tls_log_ms = now;
	tp->tls_logged = tp->tls_unlogged = 0;
}

/* c's handshake failed (why): counted, said (TLS_FAIL_LOGS a window),
 * c closed. */
static void
tls_fail(struct cp_sip_transport *tp, struct conn *c, const char *why)
{
	static const char last[] = " (the next in 10 s: counted, not logged)";
	char who[INET6_ADDRSTRLEN] = "?";
	size_t len;

	tp->st.drop_tls++;
	tls_log_window(tp, now_ms());
	if (tp->tls_logged == TLS_FAIL_LOGS) {
		tp->tls_unlogged++;
		conn_close(tp, c);
		return;
	}
	tp->tls_logged++;
	inet_ntop(c->addr.ss_family, addr_bytes(&c->addr, &len), who,
		  sizeof(who));
	LOG_INFO("sip: tls connection %u %s %s failed its handshake: %s%s",
		 c->id, c->ours ? "to" : "from", who, why,
		 tp->tls_logged == TLS_FAIL_LOGS ? last : "");
	conn_close(tp, c);
}

/* Whether cert (checked against the CAs) names one of tp's trust names. */
static bool
cert_trusted(const struct cp_sip_transport *tp, X509 *cert)
{
	for (size_t i = 0; i < tp->n_trust_names; i++)
		if (X509_check_host(cert, tp->trust_names[i], 0, 0, NULL) == 1)
			return true;
	return false;
}

/* The TLS handshake of c, on: true once it is done (c's queue may go);
 * false while it waits, or when it failed (c closed: c->fd < 0). */
static bool
tls_handshake(struct cp_sip_transport *tp, struct conn *c)
{
	char why[160];
	X509 *cert;
	int r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_do_handshake(c->ssl)) == 1) {
		c->tls_up = true;
		c->tls_deadline_ms = 0;
		if (c->ours)
			tp->st.tls_connected++;
		else
			tp->st.tls_accepted++;
		if ((cert = SSL_get1_peer_certificate(c->ssl)) != NULL) {
			X509_NAME_oneline(X509_get_subject_name(cert), why,
					  sizeof(why));
			/* checked against the CAs (else no handshake) */
			c->trusted = SSL_get_verify_result(c->ssl) ==
					     X509_V_OK &&
				     cert_trusted(tp, cert);
			X509_free(cert);
		} else {
			snprintf(why, sizeof(why), "no certificate");
		}
		LOG_DEBUG("sip: tls connection %u up (%s, %s; peer: %s%s)",
			  c->id, SSL_get_version(c->ssl),
			  SSL_get_cipher_name(c->ssl), why,
			  c->trusted ? ", in the trust domain" : "");
		return true;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_WRITE:
		c->tls_wants_out = true;
		return false;
	case SSL_ERROR_WANT_READ:
		return false;
	default:
		break;
	}
	tls_fail(tp, c, tls_why(c->ssl, why, sizeof(why)));
	return false;
}

/* Handshakes not done in time, connections with no message in time,
 * and connections idle too long: they close. At most every 100 ms. */
static void
conn_sweep(struct cp_sip_transport *tp)
{
	uint64_t now = now_ms();
	char why[64];

	if (now < tp->sweep_ms)
		return;
	tp->sweep_ms = now + 100;
	if (tp->tls_unlogged != 0)
		tls_log_window(tp, now);
	/* until every open connection has been looked at */
	for (uint32_t i = 0, left = tp->max_conns - tp->n_free;
	     i < tp->max_conns && left > 0; i++) {
		struct conn *c = &tp->conns[i];

		if (c->fd < 0)
			continue;
		left--;
		if (c->ssl != NULL && !c->tls_up) {
			if (now < c->tls_deadline_ms)
				continue;
			snprintf(why, sizeof(why), "not done in %u ms",
				 tp->tls_hs_ms);
			tls_fail(tp, c, why);
		} else if (c->quiet_deadline_ms != 0 &&
			   now >= c->quiet_deadline_ms) {
			tp->st.closed_quiet++;
			LOG_DEBUG("sip: %s connection %u closed: no message in "
				  "%u ms", conn_kind(c),
				  c->id, tp->quiet_ms);
			conn_close(tp, c);
		} else if (tp->idle_ms != UINT32_MAX &&
			   now - c->last_ms >= tp->idle_ms) {
			tp->st.closed_idle++;
			LOG_DEBUG("sip: %s connection %u closed: idle for %u s",
				  conn_kind(c), c->id,
				  (unsigned)((now - c->last_ms) / 1000));
			conn_close(tp, c);
		}
	}
}

/* Events on TLS connection c: the TCP connect, the handshake, then the
 * queue out and the messages in (OpenSSL may want either way for each). */
static void
tls_event(struct cp_sip_transport *tp, struct conn *c, uint64_t tag,
	  uint32_t events, int *n_msgs)
{
	if (c->connecting &&
	    (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) ||
	     !conn_connected(tp, c)))
		return;
	c->tls_wants_out = false;
	if (!c->tls_up && !tls_handshake(tp, c)) {
		if (c->fd >= 0)
			conn_mask(tp, c, tag);
		return;
	}
	if (!conn_flush(tp, c))
		return;
	rx_conn(tp, c, n_msgs);
	if (c->fd >= 0 && !conn_flush(tp, c)) /* what the messages sent */
		return;
	if (c->fd >= 0)
		conn_mask(tp, c, tag);
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
			accept_conns(tp, tp->lis, NULL);
		else if (tag == TAG_TLS_LISTEN)
			accept_conns(tp, tp->tls_lis, tp->tls_srv);
		else if (tag == TAG_WATCH)
			continue; /* it woke us: the caller looks */
		else if (tag - TAG_CONN0 < tp->max_conns &&
			 tp->conns[tag - TAG_CONN0].fd >= 0) {
			struct conn *c = &tp->conns[tag - TAG_CONN0];

			if (c->ssl != NULL) {
				tls_event(tp, c, tag, evs[i].events, &n_msgs);
				continue;
			}
			if (evs[i].events & (EPOLLOUT | EPOLLERR))
				conn_writable(tp, c, tag);
			if (c->fd >= 0 && !c->connecting &&
			    (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				rx_conn(tp, c, &n_msgs);
		}
	}
	conn_sweep(tp);
	return n_msgs;
}

/* The open connection of id (conn_id()), or NULL. */
static struct conn *
find_conn(const struct cp_sip_transport *tp, uint32_t id)
{
	struct conn *c = &tp->conns[id % tp->max_conns];

	return id != 0 && c->fd >= 0 && c->id == id ? c : NULL;
}

bool
cp_sip_transport_conn_is_open(const struct cp_sip_transport *tp,
			      uint32_t conn_id)
{
	return find_conn(tp, conn_id) != NULL;
}

/* Send buf on c, or queue what it does not take now: 0, or -errno (c
 * closed). */
static int
conn_send(struct cp_sip_transport *tp, struct conn *c, const char *buf,
	  size_t len)
{
	uint64_t tag = TAG_CONN0 + (uint64_t)(c - tp->conns);
	ssize_t n;

	if (c->connecting || c->out_len > 0 ||
	    (c->ssl != NULL && !c->tls_up)) {
		n = 0; /* after what waits */
	} else if ((n = conn_write(c, buf, len)) < 0) {
		conn_close(tp, c);
		return (int)n;
	}
	if ((size_t)n < len &&
	    !conn_queue(tp, c, tag, buf + n, len - (size_t)n))
		return -ENOBUFS;
	return 0;
}

int
cp_sip_transport_send(struct cp_sip_transport *tp, const struct cp_sip_peer *to,
		      const char *buf, size_t len)
{
	struct conn *c;
	ssize_t n;
	int rc;

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
	if ((rc = conn_send(tp, c, buf, len)) < 0) {
		tp->st.drop_tx++;
		return rc;
	}
	tp->st.tx_tcp++;
	return 0;
}

/* c's client session in tls: the server's certificate must name host (a
 * DNS name, also sent as SNI) or hold c's address. */
static bool
tls_client(struct cp_sip_transport *tp, struct conn *c, SSL_CTX *tls,
	   const char *host)
{
	X509_VERIFY_PARAM *vp;
	const void *a;
	size_t a_len;

	if (!tls_new(tp, c, tls))
		return false;
	SSL_set_connect_state(c->ssl);
	if (host != NULL)
		return SSL_set_tlsext_host_name(c->ssl, host) == 1 &&
		       SSL_set1_host(c->ssl, host) == 1;
	a = addr_bytes(&c->addr, &a_len);
	vp = SSL_get0_param(c->ssl);
	return X509_VERIFY_PARAM_set1_ip(vp, a, a_len) == 1;
}

/* Open a connection to peer->addr: TCP, or TLS in a session of tls whose
 * server must be host (a name; NULL: peer->addr's address). */
static int
conn_open(struct cp_sip_transport *tp, struct cp_sip_peer *peer, SSL_CTX *tls,
	  const char *host)
{
	struct conn *c;
	int one = 1, fd;
	uint32_t i;

	if (peer->addr.ss_family != tp->family)
		return -EAFNOSUPPORT;
	if ((c = slot_take(tp)) == NULL) {
		tp->st.drop_conn_limit++;
		return -EMFILE;
	}
	i = (uint32_t)(c - tp->conns) + 1;
	fd = socket(tp->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fd = -errno;
		slot_put(tp, c);
		return fd;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&peer->addr, peer->addr_len) <
		    0 &&
	    errno != EINPROGRESS) {
		int rc = -errno;

		close(fd);
		slot_put(tp, c);
		return rc;
	}
	if ((c->buf = malloc(tp->max_msg + 1)) == NULL) {
		close(fd);
		slot_put(tp, c);
		return -ENOMEM;
	}
	c->fd = fd;
	c->id = conn_id(tp, c);
	c->len = 0;
	c->last_ms = now_ms();
	c->ours = true;
	c->connecting = true; /* the first EPOLLOUT tells how it went */
	c->addr = peer->addr;
	c->addr_len = peer->addr_len;
	if (tls != NULL && !tls_client(tp, c, tls, host)) {
		tp->st.drop_tls++;
		conn_close(tp, c);
		return -ENOMEM;
	}
	c->tls_deadline_ms = tls != NULL ? now_ms() + tp->tls_hs_ms : 0;
	if (ep_ctl(tp->ep, EPOLL_CTL_ADD, fd, TAG_CONN0 + (uint64_t)(i - 1),
		   EPOLLIN | EPOLLOUT) < 0) {
		conn_close(tp, c);
		return -ENOMEM;
	}
	tp->st.tcp_connected++;
	peer->proto = tls != NULL ? CP_SIP_TLS : CP_SIP_TCP;
	peer->conn_id = c->id;
	return 0;
}

int
cp_sip_transport_connect(struct cp_sip_transport *tp, struct cp_sip_peer *peer)
{
	return conn_open(tp, peer, NULL, NULL);
}

int
cp_sip_transport_connect_tls(struct cp_sip_transport *tp,
			     struct cp_sip_peer *peer, const char *host)
{
	if (tp->tls_cli == NULL)
		return -EPROTONOSUPPORT;
	return conn_open(tp, peer, tp->tls_cli, host);
}

const char *
cp_sip_proto_name(enum cp_sip_proto proto)
{
	return proto == CP_SIP_TLS ? "TLS" : proto == CP_SIP_TCP ? "TCP"
								 : "UDP";
}

uint16_t
cp_sip_transport_tls_port(const struct cp_sip_transport *tp)
{
	return tp->tls_lis >= 0 ? tp->tls_port : 0;
}

/* One side's context: TLS 1.2 or later, our certificate and key, the CAs.
 * NULL with why filled. */
static SSL_CTX *
tls_ctx(const SSL_METHOD *method, const struct cp_sip_tls_conf *tc,
	char *why, size_t why_len)
{
	SSL_CTX *ctx = SSL_CTX_new(method);
	char e[160];

	ERR_clear_error();
	if (ctx == NULL) {
		snprintf(why, why_len, "OpenSSL: %s", tls_why(NULL, e,
							      sizeof(e)));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* a peer that closes without close_notify just closed: each SIP
	 * message is whole by its Content-Length, none is cut short */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(ctx, tc->cert) != 1) {
		snprintf(why, why_len, "%s: not a PEM certificate (%s)",
			 tc->cert, tls_why(NULL, e, sizeof(e)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, tc->key, SSL_FILETYPE_PEM) != 1) {
		unsigned long k = ERR_peek_error();

		if (ERR_GET_LIB(k) == ERR_LIB_X509 &&
		    ERR_GET_REASON(k) == X509_R_KEY_VALUES_MISMATCH)
			snprintf(why, why_len, "%s is not the key of %s",
				 tc->key, tc->cert);
		else
			snprintf(why, why_len, "%s: not a PEM private key (%s)",
				 tc->key, tls_why(NULL, e, sizeof(e)));
		ERR_clear_error();
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(why, why_len, "%s is not the key of %s", tc->key,
			 tc->cert);
		goto fail;
	}
	if (tc->ca != NULL
		    ? SSL_CTX_load_verify_locations(ctx, tc->ca, NULL) != 1
		    : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(why, why_len, "%s: no PEM certificates (%s)",
			 tc->ca != NULL ? tc->ca : "the system's CAs",
			 tls_why(NULL, e, sizeof(e)));
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The server's and the client's contexts for tc, in *srv and *cli: the
 * files first, for the plainest reason. 0, or -errno and why. */
static int
tls_contexts(const struct cp_sip_tls_conf *tc, SSL_CTX **srv, SSL_CTX **cli,
	     char *why, size_t why_len)
{
	const char *f = NULL;
	int rc;

	*srv = *cli = NULL;
	if (tc->cert == NULL || tc->key == NULL) {
		snprintf(why, why_len, "TLS needs a certificate and its key");
		return -EINVAL;
	}
	if (access(tc->cert, R_OK) != 0)
		f = tc->cert;
	else if (access(tc->key, R_OK) != 0)
		f = tc->key;
	else if (tc->ca != NULL && access(tc->ca, R_OK) != 0)
		f = tc->ca;
	if (f != NULL) {
		rc = -errno;
		snprintf(why, why_len, "%s: %s", f, strerror(-rc));
		return rc;
	}
	if ((*srv = tls_ctx(TLS_server_method(), tc, why, why_len)) == NULL ||
	    (*cli = tls_ctx(TLS_client_method(), tc, why, why_len)) == NULL) {
		SSL_CTX_free(*srv);
		*srv = NULL;
		return -EINVAL;
	}
	if (tc->verify_client || tc->n_trust_names > 0) {
		/* callers asked for a certificate: one they must show, or one
		 * that puts them in the trust domain */
		STACK_OF(X509_NAME) *names =
			tc->ca != NULL ? SSL_load_client_CA_file(tc->ca) : NULL;

		if (names != NULL)
			SSL_CTX_set_client_CA_list(*srv, names);
		SSL_CTX_set_verify(*srv, SSL_VERIFY_PEER |
				   (tc->verify_client ?
				    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	}
	SSL_CTX_set_verify(*cli, SSL_VERIFY_PEER, NULL);
	return 0;
}

/* tc's trust names into tp's (RFC 3325 by certificate): 0, or -EINVAL
 * saying why (too many, empty, longer than a DNS name). */
static int
trust_names_set(struct cp_sip_transport *tp, const struct cp_sip_tls_conf *tc,
		char *why, size_t why_len)
{
	if (tc->n_trust_names > CP_SIP_TLS_TRUST_MAX ||
	    (tc->n_trust_names > 0 && tc->trust_names == NULL)) {
		snprintf(why, why_len, "at most %d trusted names",
			 CP_SIP_TLS_TRUST_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < tc->n_trust_names; i++) {
		const char *n = tc->trust_names[i];

		if (n == NULL || n[0] == '\0' ||
		    strlen(n) >= sizeof(tp->trust_names[0])) {
			snprintf(why, why_len, "trusted name '%.64s': 1 to %zu "
				 "characters", n != NULL ? n : "",
				 sizeof(tp->trust_names[0]) - 1);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < tc->n_trust_names; i++)
		strcpy(tp->trust_names[i], tc->trust_names[i]);
	tp->n_trust_names = tc->n_trust_names;
	return 0;
}

int
cp_sip_transport_tls_reload(struct cp_sip_transport *tp,
			    const struct cp_sip_tls_conf *tc, char *why,
			    size_t why_len)
{
	SSL_CTX *srv, *cli;
	int rc;

	if (tp->tls_srv == NULL)
		return -ENOTCONN;
	if ((rc = tls_contexts(tc, &srv, &cli, why, why_len)) < 0)
		return rc;
	if ((rc = trust_names_set(tp, tc, why, why_len)) < 0) {
		SSL_CTX_free(srv);
		SSL_CTX_free(cli);
		return rc;
	}
	/* each session holds a reference to its context: those up go on */
	SSL_CTX_free(tp->tls_srv);
	SSL_CTX_free(tp->tls_cli);
	tp->tls_srv = srv;
	tp->tls_cli = cli;
	return 0;
}

int
cp_sip_transport_tls(struct cp_sip_transport *tp,
		     const struct cp_sip_tls_conf *tc, char *why, size_t why_len)
{
	struct sockaddr_storage ss = tp->bound;
	uint32_t port = tc->port != 0 ? tc->port : (uint32_t)tp->port + 1u;
	int rc;

	if (tp->tls_srv != NULL)
		return -EALREADY;
	if (port > 65535) {
		snprintf(why, why_len, "no port above %u for TLS", tp->port);
		return -EINVAL;
	}
	if ((rc = tls_contexts(tc, &tp->tls_srv, &tp->tls_cli, why,
			       why_len)) < 0)
		return rc;
	if ((rc = trust_names_set(tp, tc, why, why_len)) < 0)
		goto fail;
	if (tp->tls_bio == NULL && (tp->tls_bio = bio_method()) == NULL) {
		snprintf(why, why_len, "OpenSSL: no BIO method");
		rc = -ENOMEM;
		goto fail;
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	if ((rc = bind_socket(tp->family, SOCK_STREAM, &ss, tp->bound_len)) <
	    0) {
		snprintf(why, why_len, "TCP port %u for TLS: %s", port,
			 strerror(-rc));
		goto fail;
	}
	tp->tls_lis = rc;
	if (listen(tp->tls_lis, 64) < 0 ||
	    ep_add(tp->ep, tp->tls_lis, TAG_TLS_LISTEN) < 0) {
		rc = -errno;
		snprintf(why, why_len, "TCP port %u for TLS: %s", port,
			 strerror(-rc));
		close(tp->tls_lis);
		tp->tls_lis = -1;
		goto fail;
	}
	tp->tls_port = (uint16_t)port;
	tp->tls_hs_ms = tc->handshake_ms != 0 ? tc->handshake_ms : 10000;
	return 0;
fail:
	SSL_CTX_free(tp->tls_srv);
	SSL_CTX_free(tp->tls_cli);
	tp->tls_srv = tp->tls_cli = NULL;
	return rc;
}
