/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns.h: locating SIP servers (RFC 3263 §4) for the outbound proxies: a
 * host name becomes an ordered list of transport, address and port, by
 * NAPTR, SRV (RFC 2782) and A or AAAA queries, asynchronously, with
 * c-ares. The SIP layer (sip.c) polls it from its own loop: cp_dns_fd()
 * is readable when there is something to do, cp_dns_next_ms() says when
 * a query times out, cp_dns_process() does it and calls back.
 *
 * The ordering rules (which NAPTR records name SIP over UDP or TCP, SRV
 * records by priority and weight) are pure functions, tested on their own.
 * Control-plane main thread only.
 */
#ifndef TUTTI_CP_DNS_H
#define TUTTI_CP_DNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Targets one resolution yields, at most (in order). */
#define CP_DNS_MAX_TARGETS 8
/* SRV records of one name that are looked at, at most */
#define CP_DNS_MAX_SRV 8

/* The transport a URI asks for (its transport parameter, or TLS for a
 * sips: URI), or any. */
enum cp_dns_tp {
	CP_DNS_ANY = 0,
	CP_DNS_UDP = 1,
	CP_DNS_TCP = 2,
	CP_DNS_TLS = 3,
};

/* One place to send to. */
struct cp_dns_target {
	enum cp_dns_tp tp; /* UDP, TCP or TLS */
	struct sockaddr_storage addr; /* port included */
	char name[256];	   /* the host it is an address of */
};

/* One SRV record (RFC 2782). */
struct cp_dns_srv {
	uint16_t priority, weight, port;
	char target[256];
};

/* One NAPTR record (RFC 3403), as far as RFC 3263 looks at it. */
struct cp_dns_naptr {
	uint16_t order, preference;
	char flags[8];
	char service[32];
	char replacement[256];
};

/*
 * A resolution's end: err 0 and targets t[0..n-1] (n >= 1), in the order
 * to try them, and the least TTL of the address records they came from;
 * or err < 0 and why ("no SRV or A records for x.example", "x.example:
 * timeout"), n 0.
 */
typedef void (*cp_dns_done_fn)(void *arg, int err, const char *why,
			       const struct cp_dns_target *t, unsigned n,
			       uint32_t ttl_s);

struct cp_dns;

/*
 * A resolver for addresses of family (AF_INET: A, AF_INET6: AAAA).
 * servers: "ADDR[:PORT],..." (IPv6 in brackets with a port), or NULL for
 * /etc/resolv.conf's. 0, or -errno and why in err.
 */
int cp_dns_open(struct cp_dns **out, const char *servers, int family,
		char *err, size_t err_len);
/* Ends every resolution under way without calling back. NULL: nothing. */
void cp_dns_close(struct cp_dns *dns);

/* A descriptor readable when cp_dns_process() has something to do. */
int cp_dns_fd(const struct cp_dns *dns);
/* Milliseconds until cp_dns_process() must run even if cp_dns_fd() says
 * nothing (a query's timeout), or -1: nothing under way. */
int cp_dns_next_ms(struct cp_dns *dns);
/* Reads answers and times queries out; calls back those that ended. */
void cp_dns_process(struct cp_dns *dns);
/* Resolutions under way. */
unsigned cp_dns_busy(const struct cp_dns *dns);

/*
 * RFC 3263 §4 for a sip: URI's host (a name, not an address), its port
 * (0: none given) and transport parameter:
 *  - a port: A (or AAAA) of host, over tp (UDP if any);
 *  - no port, a transport: SRV _sip._udp or _sip._tcp of host; without
 *    SRV records, host's addresses at 5060;
 *  - neither: NAPTR of host, SIP+D2U and SIP+D2T ("s" flag) in order and
 *    preference, then the SRV they name; without such NAPTR records, SRV
 *    _sip._udp then _sip._tcp of host; without SRV records, host's
 *    addresses at 5060 over UDP.
 * TLS (a sips: URI, or ;transport=tls) with no port: NAPTR SIPS+D2T, or
 * else SRV _sips._tcp, or else the addresses at 5061; TLS only.
 * SRV records are tried by priority, and by weight within one (RFC
 * 2782). done is called once: from cp_dns_process(), or before this
 * returns if no query could be sent. 0, or -ENOMEM (done not called).
 */
int cp_dns_resolve_sip(struct cp_dns *dns, const char *host, uint16_t port,
		       enum cp_dns_tp tp, cp_dns_done_fn done, void *arg);

/* -- the rules, pure -- */

/*
 * The order RFC 2782 tries SRV records in: by priority, lowest first;
 * within one priority, by a weighted random choice (weight 0 records
 * last but not never), rnd() giving uniform 32-bit numbers. A lone "."
 * target (service not offered) empties the list: n then 0. Returns n.
 */
unsigned cp_dns_srv_order(struct cp_dns_srv *s, unsigned n,
			  uint32_t (*rnd)(void *ctx), void *ctx);

/*
 * The NAPTR records RFC 3263 §4.1 follows, in the order to follow them:
 * flag "s", service SIP+D2U or SIP+D2T, or with want CP_DNS_TLS (a sips:
 * URI) SIPS+D2T only, by order then preference; one per transport (the
 * first). Each one's transport into tps[]. Returns how many are left in
 * r[0..].
 */
unsigned cp_dns_naptr_pick(struct cp_dns_naptr *r, unsigned n,
			   enum cp_dns_tp want, enum cp_dns_tp *tps);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_DNS_H */
