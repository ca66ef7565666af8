/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_prov.c: the provisioning file parser (shared/shm_prov.c): a good file
 * becomes the expected validated commands on the expected workers; every
 * bad line is refused with FILE:LINE: and the reason, and nothing is
 * returned.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "shm_prov.h"
#include "shm_msg.h"

static char err[512];

START_TEST(test_prov_good_file)
{
	static const char text[] =
		"# two conferences\n"
		"conference 7 worker=1 rate=16000 ptime=20 talkers=3 limiter\n"
		"conference 8\n"
		"\n"
		"leg 101 conference=7 remote=198.18.0.10:20000 local=40000 "
		"codec=PCMA dtmf=101 ssrc=0x1234 mute latch gain=-6\n"
		"leg 102 conference=7 remote=198.18.0.11:20002 local=40002 "
		"codec=L16 rate=44100 dir=recvonly   # a comment\n"
		"legs 200-202 conference=8 remote=198.18.0.20:30000 "
		"local=198.18.0.3:50000\n";
	struct shm_prov p;
	const struct shm_msg_leg *l;

	ck_assert_msg(shm_prov_parse(&p, text, "t.prov", 2, err,
				    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(p.n_confs, 2);
	ck_assert_uint_eq(p.n_legs, 5);
	ck_assert_uint_eq(p.n_cmds, 7);
	for (size_t i = 0; i < p.n_cmds; i++)
		ck_assert_int_eq(shm_msg_validate(&p.cmds[i].msg), 0);
	/* conference 7 on worker 1 as asked; 8 placed round-robin */
	ck_assert_uint_eq(p.cmds[0].msg.hdr.type, SHM_CMD_CONF_CREATE);
	ck_assert_uint_eq(p.cmds[0].worker, 1);
	ck_assert_uint_eq(p.cmds[0].msg.body.conf.rate_hz, 16000);
	ck_assert_uint_eq(p.cmds[0].msg.body.conf.n_talkers, 3);
	ck_assert_uint_eq(p.cmds[0].msg.body.conf.flags, SHM_CONF_LIMITER);
	ck_assert_uint_eq(p.cmds[1].worker, 1);	/* 2nd conf: 1 % 2 */
	l = &p.cmds[2].msg.body.leg;
	ck_assert_uint_eq(p.cmds[2].worker, 1);
	ck_assert_uint_eq(l->leg_id, 101);
	ck_assert_uint_eq(l->codec, SHM_CODEC_PCMA);
	ck_assert_uint_eq(l->pt, 8);
	ck_assert_uint_eq(l->dtmf_pt, 101);
	ck_assert_uint_eq(l->ssrc, 0x1234);
	ck_assert_uint_eq(l->flags, SHM_LEG_MUTE | SHM_LEG_LATCH);
	ck_assert_int_eq(l->gain_db_q8, -6 * 256);
	ck_assert_uint_eq(ntohs(l->remote_port), 20000);
	ck_assert_uint_eq(ntohs(l->local_port), 40000);
	ck_assert_uint_eq(l->addr[10], 0xff);
	ck_assert_uint_eq(l->addr[12], 198);
	ck_assert_uint_eq(l->addr[15], 10);
	ck_assert_mem_eq(l->local_addr, "\0\0\0\0", 4);	/* the first */
	l = &p.cmds[3].msg.body.leg;
	ck_assert_uint_eq(l->codec, SHM_CODEC_L16);
	ck_assert_uint_eq(l->pt, 11);		/* RFC 3551 static PT */
	ck_assert_uint_eq(l->rate_hz, 44100);
	ck_assert_uint_eq(l->dir, SHM_DIR_RECVONLY);
	/* a range: consecutive ids, ports two apart, distinct SSRCs */
	for (int i = 0; i < 3; i++) {
		l = &p.cmds[4 + i].msg.body.leg;
		ck_assert_uint_eq(l->leg_id, 200 + i);
		ck_assert_uint_eq(p.cmds[4 + i].msg.hdr.conf_id, 8);
		ck_assert_uint_eq(ntohs(l->remote_port), 30000 + 2 * i);
		ck_assert_uint_eq(ntohs(l->local_port), 50000 + 2 * i);
		ck_assert_mem_eq(l->local_addr, "\xc6\x12\x00\x03", 4);
		ck_assert_uint_eq(l->codec, SHM_CODEC_PCMU);
	}
	ck_assert_uint_ne(p.cmds[4].msg.body.leg.ssrc,
			  p.cmds[5].msg.body.leg.ssrc);
	shm_prov_free(&p);
}
END_TEST

/* Two keys in a=crypto's inline: form: bytes 1..30 and 101..130. */
#define KEY_IN	"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"
#define KEY_OUT	"ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGC"

/* srtp=: the leg's LEG_ADD has SHM_LEG_SRTP and is followed by its keys,
 * in, then out; a range's legs each get theirs; legs without stay plain. */
START_TEST(test_prov_srtp_keys)
{
	static const char text[] =
		"conference 1\n"
		"leg 5 conference=1 remote=198.18.0.1:5 local=6 "
		"srtp=AES_CM_128_HMAC_SHA1_32 srtp-key-in=" KEY_IN
		" srtp-key-out=" KEY_OUT "\n"
		"legs 10-11 conference=1 remote=198.18.0.1:20 local=20 "
		"srtp=AES_CM_128_HMAC_SHA1_80 srtp-key-out=" KEY_OUT
		" srtp-key-in=" KEY_IN "\n"
		"leg 12 conference=1 remote=198.18.0.1:30 local=30\n";
	static const uint32_t ids[] = { 5, 10, 11 };
	uint8_t in[SHM_SRTP_KEY_BYTES], out[SHM_SRTP_KEY_BYTES];
	struct shm_prov p;

	for (int i = 0; i < SHM_SRTP_KEY_BYTES; i++) {
		in[i] = (uint8_t)(1 + i);
		out[i] = (uint8_t)(101 + i);
	}
	ck_assert_msg(shm_prov_parse(&p, text, "t.prov", 1, err,
				    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(p.n_legs, 4);
	ck_assert_uint_eq(p.n_srtp_legs, 3);
	ck_assert_uint_eq(p.n_cmds, 1 + 3 * 3 + 1);
	for (size_t i = 0; i < p.n_cmds; i++)
		ck_assert_int_eq(shm_msg_validate(&p.cmds[i].msg), 0);
	for (int j = 0; j < 3; j++) {
		const struct shm_prov_cmd *c = &p.cmds[1 + 3 * j];

		ck_assert_uint_eq(c[0].msg.hdr.type, SHM_CMD_LEG_ADD);
		ck_assert_uint_eq(c[0].msg.body.leg.leg_id, ids[j]);
		ck_assert(c[0].msg.body.leg.flags & SHM_LEG_SRTP);
		for (int d = 0; d < 2; d++) {
			const struct shm_msg_srtp *k = &c[1 + d].msg.body.srtp;

			ck_assert_uint_eq(c[1 + d].msg.hdr.type,
					  SHM_CMD_LEG_SRTP);
			ck_assert_uint_eq(c[1 + d].msg.hdr.conf_id, 1);
			ck_assert_uint_eq(c[1 + d].line, c[0].line);
			ck_assert_uint_eq(k->leg_id, ids[j]);
			ck_assert_uint_eq(k->dir, d == 0 ? SHM_SRTP_RX :
					  SHM_SRTP_TX);
			ck_assert_uint_eq(k->suite, j == 0 ?
					  SHM_SRTP_AES_CM_128_HMAC_SHA1_32 :
					  SHM_SRTP_AES_CM_128_HMAC_SHA1_80);
			ck_assert_mem_eq(k->key, d == 0 ? in : out,
					 SHM_SRTP_KEY_BYTES);
		}
	}
	ck_assert_uint_eq(p.cmds[10].msg.hdr.type, SHM_CMD_LEG_ADD);
	ck_assert_uint_eq(p.cmds[10].msg.body.leg.leg_id, 12);
	ck_assert(!(p.cmds[10].msg.body.leg.flags & SHM_LEG_SRTP));
	shm_prov_free(&p);
	ck_assert_ptr_null(p.cmds);
}
END_TEST

/* [text, expected message fragment]: each must be refused. */
static const char *const bad[][2] = {
	{ "conference\n", "t.prov:1: conference: expected a numeric id" },
	{ "conference 0\n", "t.prov:1: conference: expected a numeric id" },
	{ "conference 1\nconference 1\n", "t.prov:2: conference 1 is defined "
	  "twice" },
	{ "conference 1 worker=2\n", "t.prov:1: conference 1: worker=2: "
	  "there are 2 workers" },
	{ "conference 1 rate=44100\n", "mixes at 8000 or 16000 Hz" },
	{ "conference 1 ptime=25\n", "ptime=25: expected 10, 20, 30 or 40" },
	{ "conference 1 colour=red\n", "t.prov:1: unknown option 'colour=red'" },
	{ "bridge 1\n", "t.prov:1: unknown directive 'bridge'" },
	{ "conference 1\nleg 5 remote=198.18.0.1:5 local=6\n",
	  "t.prov:2: leg 5: needs conference=ID" },
	{ "leg 5 conference=9 remote=198.18.0.1:5 local=6\n",
	  "t.prov:1: leg 5: conference 9 is not defined above" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1 local=6\n",
	  "needs remote=A.B.C.D:PORT" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=0\n",
	  "needs local=PORT" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "codec=G729\n", "codec=G729: expected PCMU, PCMA or L16" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "rate=16000\n", "t.prov:2: leg 5: invalid combination" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "dtmf=8\n", "dtmf=8: telephone-event takes a dynamic" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "gain=loud\n", "gain=loud: expected dB" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6\n"
	  "leg 5 conference=1 remote=198.18.0.1:7 local=8\n",
	  "t.prov: leg 5 is defined twice" },
	{ "conference 1\nlegs 9-3 conference=1 remote=198.18.0.1:5 "
	  "local=6\n", "legs: expected FIRST-LAST" },
	{ "conference 1\nlegs 1-40000 conference=1 remote=198.18.0.1:5 "
	  "local=6\n", "ports run past 65535" },
	{ "conference 1 max-legs=2\nlegs 1-3 conference=1 "
	  "remote=198.18.0.1:5 local=6\n", "allows max-legs=2" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "dir=sideways\n", "dir=sideways: expected sendrecv" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 "
	  "local=198.18.0:6\n", "t.prov:2: leg 5: needs local=PORT or "
	  "local=A.B.C.D:PORT" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 "
	  "local=0.0.0.0:6\n", "needs local=PORT or local=A.B.C.D:PORT" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "srtp=AES_CM_128_HMAC_SHA1_80 srtp-key-in=" KEY_IN "\n",
	  "t.prov:2: leg 5: srtp=AES_CM_128_HMAC_SHA1_80 needs "
	  "srtp-key-out=KEY" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "srtp-key-in=" KEY_IN " srtp-key-out=" KEY_OUT "\n",
	  "t.prov:2: leg 5: srtp-key-in= without srtp=SUITE" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "srtp=AES_GCM_128 srtp-key-in=" KEY_IN " srtp-key-out=" KEY_OUT
	  "\n", "srtp=AES_GCM_128: expected AES_CM_128_HMAC_SHA1_80 or "
	  "AES_CM_128_HMAC_SHA1_32" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "srtp=AES_CM_128_HMAC_SHA1_80 srtp-key-in=" KEY_IN
	  " srtp-key-out=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0-\n",
	  "srtp-key-out= is not base64 (not shown" },
	{ "conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
	  "srtp=AES_CM_128_HMAC_SHA1_80 srtp-key-in=AQIDBAUGBwgJCgsMDQ4P "
	  "srtp-key-out=" KEY_OUT "\n",
	  "srtp-key-in= is not 30 bytes (16 of master key" },
	{ "conference 1\nlegs 5-6 conference=1 remote=198.18.0.1:5 local=6 "
	  "ssrc=7 srtp=AES_CM_128_HMAC_SHA1_80 srtp-key-in=" KEY_IN
	  " srtp-key-out=" KEY_OUT "\n",
	  "legs 5-6: ssrc= with srtp=: the range's legs share" },
};

START_TEST(test_prov_refuses_bad_lines)
{
	struct shm_prov p;

	ck_assert_int_eq(shm_prov_parse(&p, bad[_i][0], "t.prov", 2, err,
				       sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, bad[_i][1]) != NULL,
		      "for:\n%s\ngot: %s\nwant: %s", bad[_i][0], err,
		      bad[_i][1]);
	ck_assert_ptr_null(p.cmds);
	ck_assert_uint_eq(p.n_cmds, 0);
}
END_TEST

/* A file of SRTP keys that others than its owner may read is said to be
 * (the callers warn); one of its owner's alone, or without keys, is not. */
START_TEST(test_prov_load_says_keys_exposed)
{
	static const char *const text[] = {
		"conference 1\nleg 5 conference=1 remote=198.18.0.1:5 local=6 "
		"srtp=AES_CM_128_HMAC_SHA1_80 srtp-key-in=" KEY_IN
		" srtp-key-out=" KEY_OUT "\n",
		"conference 1\nleg 5 conference=1 remote=198.18.0.1:5 "
		"local=6\n",
	};
	static const struct { int text; mode_t mode; bool exposed; } c[] = {
		{ 0, 0644, true }, { 0, 0640, true }, { 0, 0604, true },
		{ 0, 0600, false }, { 0, 0400, false }, { 1, 0644, false },
	};
	char path[] = "/tmp/test_prov.XXXXXX";
	struct shm_prov p;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *t = text[c[i].text];

		ck_assert_int_eq(ftruncate(fd, 0), 0);
		ck_assert_int_eq(pwrite(fd, t, strlen(t), 0),
				 (ssize_t)strlen(t));
		ck_assert_int_eq(fchmod(fd, c[i].mode), 0);
		ck_assert_msg(shm_prov_load(&p, path, 1, err, sizeof(err)) == 0,
			      "%s", err);
		ck_assert_msg(p.keys_exposed == c[i].exposed, "case %zu", i);
		shm_prov_free(&p);
	}
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(test_prov_load_reports_missing_file)
{
	struct shm_prov p;

	ck_assert_int_eq(shm_prov_load(&p, "/nonexistent/x.prov", 1, err,
				      sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.prov"));
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("prov");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_prov_good_file);
	tcase_add_test(tc, test_prov_srtp_keys);
	tcase_add_loop_test(tc, test_prov_refuses_bad_lines, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_prov_load_reports_missing_file);
	tcase_add_test(tc, test_prov_load_says_keys_exposed);
	suite_add_tcase(s, tc);
	return s;
}
