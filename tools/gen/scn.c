/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * scn.c: scenario checks and the provisioning file writer (see scn.h).
 * Cold path: tutti-gen's start-up, or --write-provision alone.
 */
#include "scn.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "compiler.h"
#include "shm_msg.h"

_Static_assert(GEN_SCN_KEY_BYTES == SHM_SRTP_KEY_BYTES, "SRTP key size");

void
gen_scn_defaults(struct gen_scn *s)
{
	*s = (struct gen_scn){
		.n_legs = 100,
		.n_confs = 10,
		.n_talkers = 3,
		.legs_per_ip = 16384,
		.gen_ip = (198u << 24) | (18u << 16) | 2,	/* 198.18.0.2 */
		.dp_ip = (198u << 24) | (18u << 16) | 1,	/* 198.18.0.1 */
		.n_dp_ips = 1,
		.gen_port = 20000,
		.dp_port = 1024,
		.ptime_ms = 20,
		.srtp_seed = 1,
	};
}

/* splitmix64 (Steele, Lea, Flood 2014): a seed's bytes, well spread. */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
gen_scn_srtp_keys(const struct gen_scn *s, uint8_t in[GEN_SCN_KEY_BYTES],
		  uint8_t out[GEN_SCN_KEY_BYTES])
{
	uint64_t x = s->srtp_seed;

	for (int k = 0; k < 2 * GEN_SCN_KEY_BYTES; k += 8) {
		uint64_t v = splitmix64(&x);

		for (int b = 0; b < 8 && k + b < 2 * GEN_SCN_KEY_BYTES; b++) {
			uint8_t *d = k + b < GEN_SCN_KEY_BYTES ?
				     &in[k + b] :
				     &out[k + b - GEN_SCN_KEY_BYTES];

			*d = (uint8_t)(v >> (8 * b));
		}
	}
}

uint32_t
gen_scn_n_ips(const struct gen_scn *s)
{
	return (s->n_legs + s->legs_per_ip - 1) / s->legs_per_ip;
}

static int TUTTI_PRINTF(3, 4)
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int
gen_scn_check(const struct gen_scn *s, char *err, size_t errlen)
{
	uint32_t span;

	if (s->n_legs == 0 || s->n_legs > GEN_SCN_MAX_LEGS)
		return bad(err, errlen, "--legs %u: expected 1..%u", s->n_legs,
			   GEN_SCN_MAX_LEGS);
	if (s->n_confs == 0 || s->n_confs > s->n_legs)
		return bad(err, errlen, "--confs %u: expected 1..%u (at most "
			   "one conference per leg)", s->n_confs, s->n_legs);
	if (s->n_talkers > 255)
		return bad(err, errlen, "--talkers %u: expected 0..255",
			   s->n_talkers);
	if (s->ptime_ms < 10 || s->ptime_ms > 40 || s->ptime_ms % 10 != 0)
		return bad(err, errlen, "--ptime %u: expected 10, 20, 30 or "
			   "40 ms", s->ptime_ms);
	if (s->legs_per_ip == 0)
		return bad(err, errlen, "--legs-per-ip: expected >= 1");
	span = 2 * ((s->n_legs < s->legs_per_ip ? s->n_legs :
		     s->legs_per_ip) - 1);
	if ((uint32_t)s->gen_port + span > 65535)
		return bad(err, errlen, "ports run past 65535: %u legs per "
			   "address take %u ports from %u (generator); lower "
			   "--legs-per-ip or --gen-port", s->legs_per_ip,
			   span + 1, s->gen_port);
	if (s->dp_port > 65534)
		return bad(err, errlen, "--dp-port %u: expected 1..65534 (RTCP "
			   "on the next port)", s->dp_port);
	if (s->gen_ip == 0 || s->gen_ip + gen_scn_n_ips(s) - 1 < s->gen_ip)
		return bad(err, errlen, "--ip: the source addresses wrap");
	if (s->n_dp_ips == 0 || s->n_dp_ips > GEN_SCN_MAX_DP_IPS)
		return bad(err, errlen, "--dst-ips %u: expected 1..%u",
			   s->n_dp_ips, GEN_SCN_MAX_DP_IPS);
	if (s->dp_ip == 0 || s->dp_ip + s->n_dp_ips - 1 < s->dp_ip)
		return bad(err, errlen, "--dst-ip: the target addresses wrap");
	/* the two blocks of addresses do not overlap */
	if (s->dp_ip < s->gen_ip + gen_scn_n_ips(s) &&
	    s->gen_ip < s->dp_ip + s->n_dp_ips)
		return bad(err, errlen, "--dst-ip and --dst-ips %u: a target "
			   "address is one of the %u source addresses from "
			   "--ip", s->n_dp_ips, gen_scn_n_ips(s));
	return 0;
}

int
gen_scn_check_prov(const struct gen_scn *s, char *err, size_t errlen)
{
	uint64_t room = (uint64_t)gen_scn_dp_legs(s) * s->n_dp_ips;

	if (s->n_legs > room)
		return bad(err, errlen, "%u legs need %u target ports from "
			   "--dp-port %u: tutti-dp tells legs apart by local "
			   "address and port, so each of the %u target "
			   "address%s (--dst-ips) holds at most %u legs from "
			   "that port; give more addresses (--dst-ips %u), "
			   "lower --dp-port or --legs", s->n_legs,
			   2 * s->n_legs, s->dp_port, s->n_dp_ips,
			   s->n_dp_ips == 1 ? "" : "es", gen_scn_dp_legs(s),
			   (uint32_t)((s->n_legs + gen_scn_dp_legs(s) - 1) /
				      gen_scn_dp_legs(s)));
	return 0;
}

static void
ip_str(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
		 (ip >> 8) & 255, ip & 255);
}

int
gen_scn_write_prov(const struct gen_scn *s, FILE *f)
{
	char ip[16], dp[16];
	char srtp[192] = "", b_in[SHM_B64_LEN(GEN_SCN_KEY_BYTES) + 1];
	char b_out[sizeof(b_in)];
	uint8_t k_in[GEN_SCN_KEY_BYTES], k_out[GEN_SCN_KEY_BYTES];
	uint32_t dp_legs = gen_scn_dp_legs(s);

	if (s->srtp_suite != SHM_SRTP_NONE) {
		gen_scn_srtp_keys(s, k_in, k_out);
		shm_b64_encode(k_in, sizeof(k_in), b_in);
		shm_b64_encode(k_out, sizeof(k_out), b_out);
		snprintf(srtp, sizeof(srtp), " srtp=%s srtp-key-in=%s "
			 "srtp-key-out=%s", shm_srtp_suite_name(s->srtp_suite),
			 b_in, b_out);
	}

	ip_str(s->dp_ip, dp, sizeof(dp));
	fprintf(f, "# tutti-gen scenario: %u legs in %u conferences, %u "
		"talker%s each, ptime %u ms\n# target %s (%u address%s), "
		"first port %u; generator from the address and port in each "
		"remote=\n", s->n_legs, s->n_confs, s->n_talkers,
		s->n_talkers == 1 ? "" : "s", s->ptime_ms, dp, s->n_dp_ips,
		s->n_dp_ips == 1 ? "" : "es", s->dp_port);
	if (s->srtp_suite != SHM_SRTP_NONE)
		fprintf(f, "# SRTP: benchmark keys from tutti-gen --srtp-seed "
			"%u, not secret\n", s->srtp_seed);
	for (uint32_t c = 0; c < s->n_confs; c++) {
		uint32_t i = gen_scn_conf_first(s, c);
		uint32_t end = gen_scn_conf_first(s, c + 1);

		fprintf(f, "conference %u ptime=%u", c + 1, s->ptime_ms);
		if (s->n_talkers > 0)
			fprintf(f, " talkers=%u", s->n_talkers);
		fputc('\n', f);
		while (i < end) {
			/* a run stays inside one source-address block,
			 * and one target address's */
			uint32_t blk_end = (i / s->legs_per_ip + 1) *
					   s->legs_per_ip;
			uint32_t dp_end = (i / dp_legs + 1) * dp_legs;
			uint32_t last = end;

			if (blk_end < last)
				last = blk_end;
			if (dp_end < last)
				last = dp_end;
			last--;
			ip_str(gen_scn_leg_ip(s, i), ip, sizeof(ip));
			fprintf(f, "legs %u-%u conference=%u remote=%s:%u "
				"local=", i + 1, last + 1, c + 1, ip,
				s->gen_port + gen_scn_leg_port_off(s, i));
			/* one address: tutti-dp's first, as before */
			if (s->n_dp_ips > 1) {
				ip_str(gen_scn_leg_dp_ip(s, i), dp,
				       sizeof(dp));
				fprintf(f, "%s:", dp);
			}
			fprintf(f, "%u codec=PCMU ptime=%u%s\n",
				gen_scn_leg_dp_port(s, i), s->ptime_ms, srtp);
			i = last + 1;
		}
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}
