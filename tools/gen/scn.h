/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * scn.h: the scenario tutti-gen emulates, N participants (legs) in M
 * conferences, and the provisioning file (shared/shm_prov.h format) that
 * makes tutti-dp run the same legs without SIP. Pure arithmetic, no DPDK:
 * the generator's hot path maps legs to addresses with it, and the unit
 * test (tests/test_gen_prov.c) parses the file back with shared/shm_prov.c.
 *
 * Layout: leg i (0-based; its leg id is i + 1) belongs to conference
 * c = the one whose range [c*N/M, (c+1)*N/M) holds i, id c + 1. Legs are
 * spread over source addresses in blocks of legs_per_ip: leg i sends from
 * gen_ip + i / legs_per_ip, UDP port gen_port + 2 * (i % legs_per_ip), to
 * the target's port dp_port + 2 * i. Every leg has a local port of its own
 * on the target, as a focus gives each leg in its SDP answer: tutti-dp
 * tells legs apart by local address and port. So one target address
 * holds at most gen_scn_dp_legs() legs (32,256 from the default port
 * 1024), and the target has n_dp_ips addresses from dp_ip, filled in
 * order: leg i goes to dp_ip + i / gen_scn_dp_legs(), port dp_port + 2 *
 * (i % gen_scn_dp_legs()). Beyond them all the target addresses wrap,
 * which only a reflector accepts, and the provisioning file is refused
 * (gen_scn_check_prov()).
 */
#ifndef TUTTI_GEN_SCN_H
#define TUTTI_GEN_SCN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEN_SCN_MAX_LEGS	(1u << 22)
#define GEN_SCN_MAX_DP_IPS	16	/* tutti-dp's addresses on a port */

struct gen_scn {
	uint32_t n_legs;	/* N */
	uint32_t n_confs;	/* M, 1..N */
	uint32_t n_talkers;	/* K talkers per conference at a time */
	uint32_t legs_per_ip;	/* legs sharing one source address */
	uint32_t gen_ip;	/* first source address, host order */
	uint32_t dp_ip;		/* the target's first address, host order */
	uint32_t n_dp_ips;	/* the target's addresses from dp_ip, 1..16 */
	uint16_t gen_port;	/* first source UDP port */
	uint16_t dp_port;	/* first target UDP port */
	uint8_t ptime_ms;	/* 10, 20, 30 or 40 */
	uint8_t srtp_suite;	/* enum shm_srtp_suite: SHM_SRTP_NONE (0)
				 * for plain RTP */
	uint32_t srtp_seed;	/* the legs' SRTP keys come from it */
};

/* Master key and salt (RFC 3711), as shm_proto.h's SHM_SRTP_KEY_BYTES. */
#define GEN_SCN_KEY_BYTES	30

/*
 * The scenario's SRTP keys (srtp_suite set): in, what the legs send
 * (tutti-dp's receive key), and out, what tutti-dp sends them; every leg
 * has the same two (each leg's SSRC differs). They come from srtp_seed
 * alone, so that tutti-gen --write-provision and the tutti-gen that runs
 * the legs agree without a file between them: benchmark keys, known to
 * anyone who knows the seed, not secrets.
 */
void gen_scn_srtp_keys(const struct gen_scn *s, uint8_t in[GEN_SCN_KEY_BYTES],
		       uint8_t out[GEN_SCN_KEY_BYTES]);

/* Defaults: 100 legs, 10 conferences, 3 talkers, 198.18.0.2 -> .1. */
void gen_scn_defaults(struct gen_scn *s);

/*
 * Check that the scenario is consistent (counts, ports within 65535, the
 * target outside the source block). Returns 0 or -EINVAL with err set.
 */
int gen_scn_check(const struct gen_scn *s, char *err, size_t errlen);

/* Number of source addresses the scenario uses. */
uint32_t gen_scn_n_ips(const struct gen_scn *s);

/* First leg index of conference c (0-based); c == n_confs gives n_legs. */
static inline uint32_t
gen_scn_conf_first(const struct gen_scn *s, uint32_t c)
{
	return (uint32_t)((uint64_t)c * s->n_legs / s->n_confs);
}

/* Conference index (0-based) of leg i. */
static inline uint32_t
gen_scn_leg_conf(const struct gen_scn *s, uint32_t i)
{
	return (uint32_t)(((uint64_t)i + 1) * s->n_confs - 1) / s->n_legs;
}

/* Source address (host order) of leg i. */
static inline uint32_t
gen_scn_leg_ip(const struct gen_scn *s, uint32_t i)
{
	return s->gen_ip + i / s->legs_per_ip;
}

/* Port offset of leg i from gen_port. */
static inline uint32_t
gen_scn_leg_port_off(const struct gen_scn *s, uint32_t i)
{
	return 2 * (i % s->legs_per_ip);
}

/* Legs with local ports of their own from dp_port, RTP on dp_port + 2i
 * and RTCP on the next: (65534 - dp_port) / 2 + 1 (gen_scn_check() keeps
 * dp_port <= 65534). */
static inline uint32_t
gen_scn_dp_legs(const struct gen_scn *s)
{
	return (65534u - s->dp_port) / 2 + 1;
}

/* The target's UDP port for leg i: dp_port + 2 * i, wrapping past the
 * gen_scn_dp_legs() legs the port range holds (on to the next address). */
static inline uint16_t
gen_scn_leg_dp_port(const struct gen_scn *s, uint32_t i)
{
	return (uint16_t)(s->dp_port + 2 * (i % gen_scn_dp_legs(s)));
}

/* The target's address (host order) for leg i: the next one every
 * gen_scn_dp_legs() legs, wrapping past the last (reflector scenarios). */
static inline uint32_t
gen_scn_leg_dp_ip(const struct gen_scn *s, uint32_t i)
{
	return s->dp_ip + (i / gen_scn_dp_legs(s)) % s->n_dp_ips;
}

/* Whether ip (host order) is one of the target's addresses. */
static inline bool
gen_scn_is_dp_ip(const struct gen_scn *s, uint32_t ip)
{
	return ip >= s->dp_ip && ip - s->dp_ip < s->n_dp_ips;
}

/*
 * The leg that owns source address ip, port (host order), or -1: what
 * comes back to the generator is addressed to it.
 */
static inline int64_t
gen_scn_leg_of(const struct gen_scn *s, uint32_t ip, uint16_t port)
{
	uint32_t b = ip - s->gen_ip, off = (uint32_t)(port - s->gen_port);
	uint64_t i;

	if (ip < s->gen_ip || port < s->gen_port || (off & 1) != 0 ||
	    off / 2 >= s->legs_per_ip)
		return -1;
	i = (uint64_t)b * s->legs_per_ip + off / 2;
	return i < s->n_legs ? (int64_t)i : -1;
}

/*
 * Whether leg i talks during rotation epoch e: each conference's K talkers
 * are a window of consecutive members that moves on by K every epoch.
 */
static inline bool
gen_scn_is_talker(const struct gen_scn *s, uint32_t i, uint64_t epoch)
{
	uint32_t c = gen_scn_leg_conf(s, i);
	uint32_t first = gen_scn_conf_first(s, c);
	uint32_t size = gen_scn_conf_first(s, c + 1) - first;
	uint32_t start = (uint32_t)((epoch * s->n_talkers) % size);

	return (i - first + size - start) % size < s->n_talkers;
}

/*
 * Check that tutti-dp can run the scenario: a local port per leg on its
 * n_dp_ips addresses. Returns 0 or -EINVAL with err set.
 */
int gen_scn_check_prov(const struct gen_scn *s, char *err, size_t errlen);

/*
 * Write the provisioning file for the scenario to f: one "conference" line
 * per conference (talkers=K, ptime) and "legs" ranges, split where a
 * conference crosses a source-address block. Returns 0 or -EIO.
 */
int gen_scn_write_prov(const struct gen_scn *s, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_GEN_SCN_H */
