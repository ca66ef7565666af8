/* SPDX-License-Identifier: BSD-3-Clause */
/* trust.c: the trust domain's networks (see trust.h). */
#include "trust.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest network written out: an IPv6 address in brackets, /128. */
#define NET_TEXT_MAX (INET6_ADDRSTRLEN + 8)

/* Whether the bits of a (len bytes) past the first bits are all zero. */
static bool
host_bits_zero(const uint8_t *a, size_t len, unsigned int bits)
{
	for (size_t i = bits / 8; i < len; i++) {
		uint8_t keep = i == bits / 8 && bits % 8 != 0
				       ? (uint8_t)(0xffu << (8 - bits % 8))
				       : 0;

		if ((a[i] & (uint8_t)~keep) != 0)
			return false;
	}
	return true;
}

/* One network, text s (NUL-terminated; "tcp:" before it: stream_only),
 * into *net. */
static int
parse_net(const char *s, struct cp_trust_net *net, char *why, size_t why_len)
{
	bool stream = strncmp(s, "tcp:", 4) == 0;
	const char *in = stream ? s + 4 : s;
	char host[NET_TEXT_MAX];
	const char *slash = strchr(in, '/');
	size_t hlen = slash != NULL ? (size_t)(slash - in) : strlen(in);
	unsigned int max_len, bits;
	char *end = NULL;

	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(why, why_len, "'%s': not an address or a network", s);
		return -EINVAL;
	}
	memcpy(host, in, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, host, net->addr) == 1) {
		net->family = AF_INET;
		max_len = 32;
	} else if (inet_pton(AF_INET6, host, net->addr) == 1) {
		net->family = AF_INET6;
		max_len = 128;
	} else {
		snprintf(why, why_len,
			 "'%s': not an address or a network (A.B.C.D/N, "
			 "[X::Y]/N)", s);
		return -EINVAL;
	}
	bits = max_len;
	if (slash != NULL) {
		unsigned long v;

		errno = 0;
		if (slash[1] < '0' || slash[1] > '9' ||
		    (v = strtoul(slash + 1, &end, 10)) > max_len ||
		    *end != '\0' || errno != 0) {
			snprintf(why, why_len,
				 "'%s': the prefix length is 0..%u", s,
				 max_len);
			return -EINVAL;
		}
		bits = (unsigned int)v;
	}
	if (!host_bits_zero(net->addr, max_len / 8, bits)) {
		snprintf(why, why_len,
			 "'%s': address bits set past the /%u prefix", s,
			 bits);
		return -EINVAL;
	}
	net->prefix_len = (uint8_t)bits;
	net->stream_only = stream;
	return 0;
}

int
cp_trust_parse(const char *list, struct cp_trust_net *nets, size_t max,
	       size_t *n, char *why, size_t why_len)
{
	const char *p = list;

	if (list == NULL || nets == NULL || n == NULL || why == NULL)
		return -EINVAL;
	*n = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char one[NET_TEXT_MAX + 1];
		int rc;

		if (len == 0 || len >= sizeof(one)) {
			snprintf(why, why_len, "'%.*s': not an address or a "
				 "network", (int)(len < 64 ? len : 64), p);
			return -EINVAL;
		}
		if (*n == max) {
			snprintf(why, why_len, "more than %zu networks", max);
			return -E2BIG;
		}
		memcpy(one, p, len);
		one[len] = '\0';
		if ((rc = parse_net(one, &nets[*n], why, why_len)) < 0)
			return rc;
		(*n)++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* Whether a's first bits equal b's. */
static bool
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));

	return memcmp(a, b, whole) == 0 &&
	       (rest == 0 || ((a[whole] ^ b[whole]) & mask) == 0);
}

bool
cp_trust_has(const struct cp_trust_net *nets, size_t n,
	     const struct sockaddr *addr, bool stream)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0,
					    0, 0, 0, 0, 0xff, 0xff };
	const uint8_t *a;
	int family;

	if (addr == NULL)
		return false;
	if (addr->sa_family == AF_INET) {
		family = AF_INET;
		a = (const uint8_t *)&((const struct sockaddr_in *)
					       (const void *)addr)->sin_addr;
	} else if (addr->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)(const void *)addr)
			    ->sin6_addr.s6_addr;
		family = AF_INET6;
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			family = AF_INET;
			a += 12;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (nets[i].family == family &&
		    (stream || !nets[i].stream_only) &&
		    prefix_eq(a, nets[i].addr, nets[i].prefix_len))
			return true;
	return false;
}
