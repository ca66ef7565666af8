/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trust.h: the trust domain of tutti-cp's SIP layer (RFC 3325 2.3, its
 * Spec(T)): the networks (--trust) whose requests' P-Asserted-Identity the
 * focus believes. A request from elsewhere has its P-Asserted-Identity
 * ignored: From and Digest say who asks, as without a trust domain.
 *
 *	struct cp_trust_net nets[CP_TRUST_NETS_MAX];
 *	size_t n;
 *	char why[128];
 *
 *	if (cp_trust_parse("198.18.0.0/24,[2001:db8::]/32,192.0.2.7", nets,
 *			   CP_TRUST_NETS_MAX, &n, why, sizeof(why)) < 0)
 *		refuse the option, saying why;
 *	if (cp_trust_has(nets, n, (struct sockaddr *)&src, over_tcp))
 *		src is in the trust domain;
 *
 * Pure (libc only). Control-plane main thread.
 */
#ifndef TUTTI_CP_TRUST_H
#define TUTTI_CP_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most networks in a trust domain. */
#define CP_TRUST_NETS_MAX 32

/* One network: an IPv4 or IPv6 prefix. */
struct cp_trust_net {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* IPv4: the first 4 bytes; host bits zero */
	uint8_t prefix_len; /* 0..32, 0..128 */
	bool stream_only;   /* "tcp:": over TCP or TLS only, not UDP */
};

/*
 * Parse list, networks separated by commas: A.B.C.D[/N] or an IPv6 address
 * ([X::Y] or X::Y) with /N; no /N: that address alone; "tcp:" before one:
 * trusted over TCP or TLS only (a UDP source address can be forged on the
 * way). Host bits set under the prefix are refused (198.18.0.1/24 is a
 * typo for /32 or .0/24).
 * Returns 0 with *n networks in nets, or -EINVAL with why ("198.18.0.0/33:
 * the prefix length is 0..32"), -E2BIG past max.
 */
int cp_trust_parse(const char *list, struct cp_trust_net *nets, size_t max,
		   size_t *n, char *why, size_t why_len);

/* Is addr (AF_INET or AF_INET6; an IPv4-mapped IPv6 address counts as
 * its IPv4 one), a request's source over TCP or TLS if stream, else over
 * UDP, in one of nets[0..n-1] (a "tcp:" one only if stream)? */
bool cp_trust_has(const struct cp_trust_net *nets, size_t n,
		  const struct sockaddr *addr, bool stream);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_TRUST_H */
