/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_gen_prov.c: tutti-gen's scenario (tools/gen/scn.c). The provisioning
 * file it writes is parsed back with the parser both processes use
 * (shared/shm_prov.c) and must give exactly the generator's legs: conference, remote address and
 * port, local address and port, codec, ptime; the address -> leg mapping
 * the receiver
 * uses inverts the layout; each conference has K talkers at a time and
 * they rotate; inconsistent scenarios are refused; with SRTP, every leg
 * has the seed's keys.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "shm_prov.h"
#include "scn.h"
#include "shm_msg.h"

/* [legs, confs, talkers, legs_per_ip, ptime, target addresses] */
static const uint32_t scenarios[][6] = {
	{ 100, 10, 3, 16384, 20, 1 },	/* the defaults */
	{ 1, 1, 1, 16384, 20, 1 },
	{ 10, 3, 1, 16384, 30, 1 },	/* uneven conferences */
	{ 23, 4, 2, 5, 20, 1 },		/* conferences cross address blocks */
	{ 32256, 3226, 3, 12000, 20, 1 },	/* three source addresses, and
						 * the most legs one target
						 * address holds */
	{ 50, 50, 0, 7, 10, 1 },	/* one leg each, nobody talks */
	{ 70000, 7001, 3, 16384, 20, 3 },	/* three target addresses,
						 * conferences across them */
};

static void
scenario(struct gen_scn *s, int i)
{
	gen_scn_defaults(s);
	s->n_legs = scenarios[i][0];
	s->n_confs = scenarios[i][1];
	s->n_talkers = scenarios[i][2];
	s->legs_per_ip = scenarios[i][3];
	s->ptime_ms = (uint8_t)scenarios[i][4];
	s->n_dp_ips = scenarios[i][5];
	if (s->n_dp_ips > 1)	/* past the source addresses */
		s->dp_ip = (198u << 24) | (18u << 16) | (1u << 8) | 1;
}

/* s's provisioning file, written as tutti-gen writes it, parsed back into
 * p with the parser both processes use (its text in the failure). */
static void
write_and_parse(const struct gen_scn *s, struct shm_prov *p)
{
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(gen_scn_write_prov(s, f), 0);
	fclose(f);
	ck_assert_msg(shm_prov_parse(p, text, "gen.prov", 1, err,
				    sizeof(err)) == 0, "%s\n%s", err, text);
	free(text);
}

START_TEST(test_gen_prov_parses_back_to_the_same_legs)
{
	struct gen_scn s;
	struct shm_prov p;
	char err[512];
	size_t confs = 0, legs = 0;

	scenario(&s, _i);
	ck_assert_int_eq(gen_scn_check(&s, err, sizeof(err)), 0);
	ck_assert_int_eq(gen_scn_check_prov(&s, err, sizeof(err)), 0);
	write_and_parse(&s, &p);
	ck_assert_uint_eq(p.n_confs, s.n_confs);
	ck_assert_uint_eq(p.n_legs, s.n_legs);
	for (size_t k = 0; k < p.n_cmds; k++) {
		const struct shm_msg *m = &p.cmds[k].msg;
		const struct shm_msg_leg *l = &m->body.leg;
		uint32_t i, ip;

		ck_assert_int_eq(shm_msg_validate(m), 0);
		if (m->hdr.type == SHM_CMD_CONF_CREATE) {
			/* conferences come in order, ids from 1 */
			ck_assert_uint_eq(m->hdr.conf_id, ++confs);
			ck_assert_uint_eq(m->body.conf.n_talkers, s.n_talkers);
			ck_assert_uint_eq(m->body.conf.ptime_ms, s.ptime_ms);
			continue;
		}
		ck_assert_uint_eq(m->hdr.type, SHM_CMD_LEG_ADD);
		i = l->leg_id - 1;
		ck_assert_uint_eq(i, legs++);	/* every leg, in order */
		ck_assert_uint_eq(m->hdr.conf_id, gen_scn_leg_conf(&s, i) + 1);
		memcpy(&ip, &l->addr[12], 4);
		ck_assert_uint_eq(ntohl(ip), gen_scn_leg_ip(&s, i));
		ck_assert_uint_eq(ntohs(l->remote_port),
				  s.gen_port + gen_scn_leg_port_off(&s, i));
		/* a local address and port of its own: dp_port + 2i on
		 * the first address, on from dp_port on the next past the
		 * last port; never shared */
		ck_assert_uint_eq(ntohs(l->local_port), s.dp_port + 2 *
				  (i % gen_scn_dp_legs(&s)));
		ck_assert_uint_eq(ntohs(l->local_port),
				  gen_scn_leg_dp_port(&s, i));
		memcpy(&ip, l->local_addr, 4);
		if (s.n_dp_ips == 1)	/* tutti-dp's first, unnamed */
			ck_assert_uint_eq(ip, 0);
		else
			ck_assert_uint_eq(ntohl(ip), s.dp_ip + i /
					  gen_scn_dp_legs(&s));
		ck_assert_uint_eq(l->codec, SHM_CODEC_PCMU);
		ck_assert_uint_eq(l->pt, 0);
		ck_assert_uint_eq(l->ptime_ms, s.ptime_ms);
	}
	ck_assert_uint_eq(legs, s.n_legs);
	shm_prov_free(&p);
}
END_TEST

/* --srtp: every leg of the file SRTP with the scenario's keys (in: what
 * tutti-dp receives), each leg's keys right after it; the keys are the
 * seed's, the same for the same seed and others for another. */
START_TEST(test_gen_prov_srtp_keys)
{
	uint8_t in[GEN_SCN_KEY_BYTES], out[GEN_SCN_KEY_BYTES];
	uint8_t in2[GEN_SCN_KEY_BYTES], out2[GEN_SCN_KEY_BYTES];
	struct gen_scn s;
	struct shm_prov p;
	size_t n_keys = 0;

	scenario(&s, 3);	/* conferences across address blocks */
	s.srtp_suite = SHM_SRTP_AES_CM_128_HMAC_SHA1_32;
	s.srtp_seed = 42;
	write_and_parse(&s, &p);
	ck_assert_uint_eq(p.n_srtp_legs, s.n_legs);
	gen_scn_srtp_keys(&s, in, out);
	ck_assert_int_ne(memcmp(in, out, sizeof(in)), 0);
	for (size_t k = 0; k < p.n_cmds; k++) {
		const struct shm_msg *m = &p.cmds[k].msg;

		if (m->hdr.type == SHM_CMD_LEG_ADD) {
			ck_assert(m->body.leg.flags & SHM_LEG_SRTP);
			continue;
		}
		if (m->hdr.type != SHM_CMD_LEG_SRTP)
			continue;
		ck_assert_uint_eq(m->body.srtp.suite, s.srtp_suite);
		ck_assert_mem_eq(m->body.srtp.key, m->body.srtp.dir ==
				 SHM_SRTP_RX ? in : out, sizeof(in));
		ck_assert_uint_eq(m->body.srtp.leg_id,
				  p.cmds[k - 1 - m->body.srtp.dir].msg.body.leg
				  .leg_id);
		n_keys++;
	}
	ck_assert_uint_eq(n_keys, 2 * s.n_legs);
	gen_scn_srtp_keys(&s, in2, out2);
	ck_assert_mem_eq(in2, in, sizeof(in));
	s.srtp_seed = 43;
	gen_scn_srtp_keys(&s, in2, out2);
	ck_assert_int_ne(memcmp(in2, in, sizeof(in)), 0);
	ck_assert_int_ne(memcmp(out2, out, sizeof(out)), 0);
	shm_prov_free(&p);
}
END_TEST

START_TEST(test_gen_leg_of_inverts_the_layout)
{
	struct gen_scn s;

	scenario(&s, _i);
	for (uint32_t i = 0; i < s.n_legs; i++) {
		uint32_t ip = gen_scn_leg_ip(&s, i);
		uint16_t port = (uint16_t)(s.gen_port +
					   gen_scn_leg_port_off(&s, i));

		ck_assert_int_eq(gen_scn_leg_of(&s, ip, port), i);
		ck_assert_int_eq(gen_scn_leg_of(&s, ip, port + 1), -1);
	}
	ck_assert_int_eq(gen_scn_leg_of(&s, s.gen_ip - 1, s.gen_port), -1);
	ck_assert_int_eq(gen_scn_leg_of(&s, s.gen_ip, s.gen_port - 2), -1);
	ck_assert_int_eq(gen_scn_leg_of(&s, s.dp_ip, s.gen_port), -1);
	/* one past the last leg */
	ck_assert_int_eq(gen_scn_leg_of(&s, gen_scn_leg_ip(&s, s.n_legs),
					(uint16_t)(s.gen_port +
						   gen_scn_leg_port_off(
							   &s, s.n_legs))),
			 -1);
}
END_TEST

START_TEST(test_gen_talkers_per_conference_rotate)
{
	struct gen_scn s;

	scenario(&s, _i);
	for (uint32_t c = 0; c < s.n_confs; c++) {
		uint32_t first = gen_scn_conf_first(&s, c);
		uint32_t size = gen_scn_conf_first(&s, c + 1) - first;
		uint32_t want = s.n_talkers < size ? s.n_talkers : size;
		bool moved = size <= s.n_talkers || s.n_talkers == 0;

		ck_assert_uint_ge(size, 1);
		for (uint64_t e = 0; e < 5; e++) {
			uint32_t n = 0;

			for (uint32_t i = first; i < first + size; i++) {
				ck_assert_uint_eq(gen_scn_leg_conf(&s, i), c);
				n += gen_scn_is_talker(&s, i, e);
				moved |= gen_scn_is_talker(&s, i, e) !=
					 gen_scn_is_talker(&s, i, e + 1);
			}
			ck_assert_uint_eq(n, want);
		}
		ck_assert_msg(moved, "conference %u: talkers never change", c);
	}
}
END_TEST

START_TEST(test_gen_scn_refuses_inconsistent)
{
	struct gen_scn s;
	char err[256];

	gen_scn_defaults(&s);
	s.dp_ip = s.gen_ip;
	ck_assert_int_lt(gen_scn_check(&s, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "--dst-ip"));
	gen_scn_defaults(&s);
	s.n_legs = 40000;
	s.legs_per_ip = 30000;
	ck_assert_int_lt(gen_scn_check(&s, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "ports run past 65535"));
	/* tutti-dp holds 32,256 legs from port 1024, one port each: more
	 * is a scenario for a reflector only, and no provisioning file */
	gen_scn_defaults(&s);
	s.n_legs = 32257;
	ck_assert_int_eq(gen_scn_check(&s, err, sizeof(err)), 0);
	ck_assert_int_lt(gen_scn_check_prov(&s, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "at most 32256 legs"));
	ck_assert_uint_eq(gen_scn_leg_dp_port(&s, 32255), 65534);
	ck_assert_uint_eq(gen_scn_leg_dp_port(&s, 32256), 1024);
	s.n_legs = 32256;
	ck_assert_int_eq(gen_scn_check_prov(&s, err, sizeof(err)), 0);
	s.dp_port = 1025;	/* 1025 + 2 * 32255 = 65535: no RTCP port */
	ck_assert_int_lt(gen_scn_check_prov(&s, err, sizeof(err)), 0);
	s.dp_port = 65535;
	ck_assert_int_lt(gen_scn_check(&s, err, sizeof(err)), 0);
	/* more target addresses hold more: 32,256 each */
	gen_scn_defaults(&s);
	s.n_legs = 64513;
	s.n_dp_ips = 2;
	ck_assert_int_lt(gen_scn_check(&s, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "--dst-ips 2: a target address "
					  "is one of the 4 source"));
	s.dp_ip = s.gen_ip + 4;		/* just past them */
	ck_assert_int_eq(gen_scn_check(&s, err, sizeof(err)), 0);
	ck_assert_int_lt(gen_scn_check_prov(&s, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "give more addresses (--dst-ips "
					  "3)"));
	ck_assert_uint_eq(gen_scn_leg_dp_ip(&s, 32255), s.dp_ip);
	ck_assert_uint_eq(gen_scn_leg_dp_ip(&s, 32256), s.dp_ip + 1);
	ck_assert_uint_eq(gen_scn_leg_dp_port(&s, 32256), 1024);
	s.n_legs = 64512;
	ck_assert_int_eq(gen_scn_check_prov(&s, err, sizeof(err)), 0);
	s.n_dp_ips = GEN_SCN_MAX_DP_IPS + 1;
	ck_assert_int_lt(gen_scn_check(&s, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "--dst-ips 17: expected 1..16"));
	gen_scn_defaults(&s);
	s.n_confs = s.n_legs + 1;
	ck_assert_int_lt(gen_scn_check(&s, err, sizeof(err)), 0);
	gen_scn_defaults(&s);
	s.ptime_ms = 25;
	ck_assert_int_lt(gen_scn_check(&s, err, sizeof(err)), 0);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("gen_prov");
	TCase *tc = tcase_create("scenario");
	int n = (int)(sizeof(scenarios) / sizeof(scenarios[0]));

	tcase_add_loop_test(tc, test_gen_prov_parses_back_to_the_same_legs, 0,
			    n);
	tcase_add_loop_test(tc, test_gen_leg_of_inverts_the_layout, 0, n);
	tcase_add_loop_test(tc, test_gen_talkers_per_conference_rotate, 0, n);
	tcase_add_test(tc, test_gen_scn_refuses_inconsistent);
	tcase_add_test(tc, test_gen_prov_srtp_keys);
	suite_add_tcase(s, tc);
	return s;
}
