/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_transport.h: the SIP transport of tutti-cp (RFC 3261 §18): one UDP
 * socket and one TCP listener on the same address and port, and with
 * cp_sip_transport_tls() a TLS listener on another (§26), accepted
 * connections framed by Content-Length, and sending back to a peer (over
 * the connection a request came on, for TCP and TLS). Non-blocking;
 * everything sits behind one epoll fd that the caller's loop polls (or
 * calls cp_sip_transport_poll() with a timeout). Knows nothing of
 * libosip2: it hands whole messages up as bytes. Control-plane main
 * thread only.
 */
#ifndef TUTTI_CP_SIP_TRANSPORT_H
#define TUTTI_CP_SIP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cp_sip_proto {
	CP_SIP_UDP = 0,
	CP_SIP_TCP = 1,
	CP_SIP_TLS = 2, /* TCP with TLS (RFC 3261 §26.2; RFC 5922) */
};

/* "UDP", "TCP" or "TLS": the Via's transport (§18.2.1, §20.42). */
const char *cp_sip_proto_name(enum cp_sip_proto proto);

/* Where a message came from, or where one goes. */
struct cp_sip_peer {
	enum cp_sip_proto proto;
	uint32_t conn_id; /* TCP, TLS: the connection (0 = none); UDP: 0 */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	/* received: over TLS from a peer whose certificate names one of
	 * cp_sip_tls_conf.trust_names (the trust domain, RFC 3325) */
	bool tls_trusted;
};

struct cp_sip_transport_conf {
	const char *addr;     /* numeric IPv4 or IPv6 address to bind */
	uint16_t port;	      /* 0 = any free port (see _port()) */
	size_t max_msg_bytes; /* 0 = 65535 (RFC 3261 §18.1.1) */
	uint32_t max_conns;   /* TCP connections at once; 0 = 256 */
	/* a TCP or TLS connection that carried no byte either way for this
	 * long is closed (closed_idle; RFC 3261 §18.3 leaves it to us): a
	 * peer that keeps one up through a NAT sends keepalives; 0 = an
	 * hour, UINT32_MAX = never */
	uint32_t idle_ms;
	/* accepted connections from one address at once; one more is
	 * closed (drop_conn_per_addr): one host cannot take every slot;
	 * 0 = 64 */
	uint32_t max_conns_per_addr;
	/* an accepted connection whose first whole message (a keepalive is
	 * not one) has not come this long after it opened is closed
	 * (closed_quiet); 0 = 30000 */
	uint32_t first_msg_ms;
};

/* Counters; every dropped byte stream or datagram lands in one of them. */
#define CP_SIP_TRANSPORT_STATS(X)					\
	X(rx_udp) X(rx_tcp)	/* messages handed up */		\
	X(tx_udp) X(tx_tcp)	/* messages sent */			\
	X(tcp_accepted)		/* TCP and TLS connections: accepted, */ \
	X(tcp_connected)	/* opened by us, */			\
	X(tcp_closed)		/* closed */				\
	X(drop_too_big)		/* datagram or TCP message over max */	\
	X(drop_conn_limit)	/* connections refused at max_conns */	\
	X(drop_conn_per_addr)	/* and at max_conns_per_addr */		\
	X(drop_tcp_framing)	/* no or bad Content-Length on TCP */	\
	X(drop_tx)		/* send failed or connection gone */	\
	X(tls_accepted)		/* TLS handshakes done: accepted, */	\
	X(tls_connected)	/* and ours */				\
	X(drop_tls)		/* TLS handshakes or records that failed */ \
	/* a double CRLF on a connection (RFC 5626 §3.5.1's ping, answered \
	 * with a CRLF, its pong), or a datagram of CRLFs alone, or empty \
	 * (not SIP, not counted as malformed) */			\
	X(keepalives)							\
	X(closed_idle)		/* connections closed after idle_ms */	\
	X(closed_quiet)		/* and with no message in first_msg_ms */

struct cp_sip_transport_stats {
#define CP_SIP_TRANSPORT_STAT_FIELD(n) uint64_t n;
	CP_SIP_TRANSPORT_STATS(CP_SIP_TRANSPORT_STAT_FIELD)
#undef CP_SIP_TRANSPORT_STAT_FIELD
};

/*
 * TLS (cp_sip_transport_tls()): a second listener, on its own port of the
 * same address, whose connections carry SIP in TLS (RFC 3261 §26.2), and
 * the connections we open for sips: and ;transport=tls next hops.
 */
struct cp_sip_tls_conf {
	const char *cert; /* PEM: our certificate, then its chain */
	const char *key;  /* PEM: its private key */
	const char *ca;	  /* PEM: the CAs peers' certificates are checked
			   * against; NULL: the system's (/etc/ssl/certs) */
	uint16_t port;	  /* 0: the SIP port + 1 (5061 beside 5060) */
	bool verify_client; /* clients must show a certificate of ca
			     * (mutual TLS, RFC 4579 §6) */
	/* a connection whose handshake is not done this long after it
	 * opened is closed (drop_tls): a peer cannot hold a connection
	 * slot without TLS; 0 = 10000 */
	uint32_t handshake_ms;
	/*
	 * The trust domain's names (RFC 3325, RFC 5922 7.1): a peer whose
	 * certificate, checked against ca, names one of them (a DNS
	 * subjectAltName; wildcards as RFC 6125 has them) is in it: its
	 * messages come up with cp_sip_peer.tls_trusted. Callers are then
	 * asked for a certificate (one that does not check out fails the
	 * handshake; none is fine, unless verify_client). At most
	 * CP_SIP_TLS_TRUST_MAX (copied), each at most CP_SIP_TLS_NAME_MAX
	 * characters.
	 */
	const char *const *trust_names;
	size_t n_trust_names;
};

/* Most cp_sip_tls_conf.trust_names. */
#define CP_SIP_TLS_TRUST_MAX 8
/* A DNS name at most (RFC 1035 2.3.4: 253 characters written out). */
#define CP_SIP_TLS_NAME_MAX 253

struct cp_sip_transport;

/*
 * Called for each whole message (one datagram, or one Content-Length framed
 * message from a TCP stream). msg is borrowed for the call only and is NUL
 * terminated at msg[len]. The callback may call cp_sip_transport_send().
 */
typedef void (*cp_sip_transport_rx_fn)(void *ctx,
				       const struct cp_sip_peer *from,
				       const char *msg, size_t len);

/*
 * Bind UDP and TCP on conf->addr:conf->port (the same port: with port 0 the
 * UDP port picked by the kernel is reused for TCP). Returns 0 and *out, or
 * -errno (-EINVAL for a bad address, -EADDRINUSE, ...).
 */
int cp_sip_transport_open(struct cp_sip_transport **out,
			  const struct cp_sip_transport_conf *conf,
			  cp_sip_transport_rx_fn rx, void *ctx);

/*
 * Add TLS to tp (once): load tc's certificate and key (they must match),
 * the CAs, and listen on tc->port. Returns 0, or -errno with why (the file
 * and OpenSSL's reason, for the operator) filled.
 */
int cp_sip_transport_tls(struct cp_sip_transport *tp,
			 const struct cp_sip_tls_conf *tc, char *why,
			 size_t why_len);

/*
 * Load tc's certificate, key and CAs again (a certificate renewed): new
 * connections get them, those up keep theirs. tc->port and handshake_ms
 * stay as they were. 0, or -errno with why filled and the old ones kept;
 * -ENOTCONN without cp_sip_transport_tls().
 */
int cp_sip_transport_tls_reload(struct cp_sip_transport *tp,
				const struct cp_sip_tls_conf *tc, char *why,
				size_t why_len);

/* The TLS listener's port (host order); 0 without TLS. */
uint16_t cp_sip_transport_tls_port(const struct cp_sip_transport *tp);

/* Close every socket and free. NULL is a no-op. */
void cp_sip_transport_close(struct cp_sip_transport *tp);

/* The epoll fd: readable when cp_sip_transport_poll() has work. */
int cp_sip_transport_fd(const struct cp_sip_transport *tp);

/* The bound port (host order) and address family. */
uint16_t cp_sip_transport_port(const struct cp_sip_transport *tp);
int cp_sip_transport_family(const struct cp_sip_transport *tp);

/*
 * Another descriptor (level-triggered, readable) that ends
 * cp_sip_transport_poll()'s wait: the caller then looks at it itself.
 * One only (the resolver's, dns.h). 0 or -errno.
 */
int cp_sip_transport_watch(struct cp_sip_transport *tp, int fd);

/*
 * Wait up to timeout_ms (0 = do not wait, -1 = forever) for socket events,
 * then receive, accept and frame everything ready, calling rx per message.
 * Returns the number of messages handed up, or -errno on an epoll failure.
 */
int cp_sip_transport_poll(struct cp_sip_transport *tp, int timeout_ms);

/*
 * Send one message. UDP: to->addr, from the listening socket (so the source
 * port is the one peers know, RFC 3581 §4). TCP: on connection to->conn_id
 * if it is still open (else -ENOTCONN); what the socket does not take now
 * (still connecting, buffer full) is queued, up to 4 * max_msg_bytes, else
 * the connection closes (-ENOBUFS). Returns 0 or -errno; failures are
 * counted.
 */
int cp_sip_transport_send(struct cp_sip_transport *tp,
			  const struct cp_sip_peer *to, const char *buf,
			  size_t len);

/*
 * Fill peer->addr/addr_len from a numeric host (IPv4, IPv6 with or without
 * brackets) and port; proto and conn_id are left alone. Returns 0 or
 * -EINVAL (not numeric: this layer resolves no names).
 */
int cp_sip_transport_addr(struct cp_sip_peer *peer, const char *host,
			  uint16_t port);

/*
 * Open a TCP connection to peer->addr (non-blocking: messages sent before
 * it is up wait in its queue; if it fails it closes, and they count in
 * drop_tx). Sets peer->proto = CP_SIP_TCP and peer->conn_id. Its incoming
 * messages are handed up like those of accepted connections. Returns 0 or
 * -errno (-EMFILE at max_conns, -EAFNOSUPPORT for the other family).
 */
int cp_sip_transport_connect(struct cp_sip_transport *tp,
			     struct cp_sip_peer *peer);

/*
 * The same in TLS (peer->proto = CP_SIP_TLS): the server's certificate must
 * be signed by the CAs and name host (a DNS name, RFC 5922 §7.2), or with
 * host NULL hold peer->addr's IP address; else the connection closes
 * before anything is sent. -EPROTONOSUPPORT without cp_sip_transport_tls().
 */
int cp_sip_transport_connect_tls(struct cp_sip_transport *tp,
				 struct cp_sip_peer *peer, const char *host);

/* True while TCP or TLS connection conn_id is open. */
bool cp_sip_transport_conn_is_open(const struct cp_sip_transport *tp,
				   uint32_t conn_id);

const struct cp_sip_transport_stats *cp_sip_transport_stats(
	const struct cp_sip_transport *tp);

/*
 * TCP framing of a stream buffer (exposed for tests): look for one whole
 * message at the start of buf[0..len). Leading CRLFs (keep-alives) are
 * skipped and their count is added to *skip. Returns the message length
 * (> 0, starting at buf + *skip), 0 when more bytes are needed, -EPROTO
 * when the headers have no valid Content-Length, -EMSGSIZE when the
 * message would exceed max_bytes.
 */
long cp_sip_transport_frame(const char *buf, size_t len, size_t max_bytes,
			    size_t *skip);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_SIP_TRANSPORT_H */
