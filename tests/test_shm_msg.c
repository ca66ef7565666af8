/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_shm_msg.c: the ring message validator and builders (shared/shm_msg.c):
 * every v1 message type accepted when well formed, and refused for unknown
 * types, unknown flag bits, non-zero padding and out-of-range fields.
 */
#include <errno.h>
#include <string.h>

#include "check_main.h"
#include "compiler.h"
#include "shm_msg.h"

static struct shm_msg
good_leg(enum shm_msg_type type)
{
	struct shm_msg m;

	shm_msg_init(&m, type, 7, 3);
	m.body.leg.leg_id = 11;
	m.body.leg.ssrc = 0xdeadbeef;
	m.body.leg.addr[10] = 0xff;
	m.body.leg.addr[11] = 0xff;
	m.body.leg.addr[12] = 198;
	m.body.leg.addr[13] = 18;
	m.body.leg.addr[15] = 10;
	m.body.leg.remote_port = 0x1027;
	m.body.leg.local_port = 0x2027;
	m.body.leg.codec = SHM_CODEC_PCMU;
	m.body.leg.pt = 0;
	m.body.leg.dtmf_pt = 101;
	m.body.leg.rate_hz = 8000;
	m.body.leg.ptime_ms = 20;
	m.body.leg.flags = SHM_LEG_LATCH;
	return m;
}

static struct shm_msg
good_conf(void)
{
	struct shm_msg m;

	shm_msg_init(&m, SHM_CMD_CONF_CREATE, 1, 3);
	m.body.conf.rate_hz = 16000;
	m.body.conf.ptime_ms = 20;
	m.body.conf.n_talkers = 4;
	m.body.conf.flags = SHM_CONF_LIMITER;
	return m;
}

static struct shm_msg
good_msg(int i)
{
	struct shm_msg m;

	switch (i) {
	case 0:
		shm_msg_init(&m, SHM_CMD_HELLO, 1, 0);
		m.body.hello.cp_pid = 42;
		m.body.hello.cp_start_ns = 123;
		return m;
	case 1:
		return good_conf();
	case 2:
		shm_msg_init(&m, SHM_CMD_CONF_DESTROY, 2, 3);
		return m;
	case 3:
		return good_leg(SHM_CMD_LEG_ADD);
	case 4:
		return good_leg(SHM_CMD_LEG_UPDATE);
	case 5:
		shm_msg_init(&m, SHM_CMD_LEG_REMOVE, 5, 0);
		m.body.leg.leg_id = 11;
		return m;
	case 6:
		shm_msg_init(&m, SHM_EVT_STATUS, 5, 3);
		m.body.status.status = -ENOENT;
		m.body.status.cmd_type = SHM_CMD_LEG_REMOVE;
		m.body.status.generation = 99;
		return m;
	case 7:
		shm_msg_init(&m, SHM_EVT_MEDIA_TIMEOUT, 0, 3);
		m.body.timeout.leg_id = 11;
		m.body.timeout.idle_ms = 30000;
		return m;
	case 8:
		shm_msg_init(&m, SHM_EVT_DTMF, 0, 3);
		m.body.dtmf.leg_id = 11;
		m.body.dtmf.digit = '#';
		m.body.dtmf.duration_ms = 120;
		m.body.dtmf.volume_dbm0 = 10;
		return m;
	case 10:
		shm_msg_init(&m, SHM_CMD_CAPTURE, 6, 3);
		m.body.capture.leg_id = 11;
		m.body.capture.packets = SHM_CAPTURE_MAX;
		m.body.capture.serial = 7;
		return m;
	case 11:
		shm_msg_init(&m, SHM_CMD_LEG_SRTP, 8, 3);
		m.body.srtp.leg_id = 11;
		m.body.srtp.dir = SHM_SRTP_TX;
		m.body.srtp.suite = SHM_SRTP_AES_CM_128_HMAC_SHA1_32;
		memset(m.body.srtp.key, 0xa5, sizeof(m.body.srtp.key));
		return m;
	case 9:
		shm_msg_init(&m, SHM_EVT_TALKER, 0, 3);
		m.body.talker.leg_id = 11;
		m.body.talker.talking = 1;
		m.body.talker.level_dbov_q8 = -20 * 256;
		return m;
	default:
		shm_msg_init(&m, SHM_EVT_STATS, 0, 0);
		m.body.stats.worker = 1;
		m.body.stats.rx_pkts = 1000;
		return m;
	}
}
#define N_GOOD 13

START_TEST(test_msg_accepts_every_wellformed_type)
{
	struct shm_msg m = good_msg(_i);

	ck_assert_int_eq(shm_msg_validate(&m), 0);
	ck_assert_str_ne(shm_msg_type_name(m.hdr.type), "?");
}
END_TEST

START_TEST(test_msg_rejects_unknown_header_flag)
{
	struct shm_msg m = good_msg(_i);

	m.hdr.flags = 0x8000;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(_i);
	m.hdr._pad0 = 1;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
}
END_TEST

START_TEST(test_msg_rejects_unknown_types)
{
	static const uint16_t bad[] = { SHM_MSG_NONE, SHM_CMD_MAX_, 63,
					SHM_EVT_MAX_, 200, 0xffff };
	struct shm_msg m = good_msg(0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.hdr.type = bad[i];
		ck_assert_int_eq(shm_msg_validate(&m), -ENOTSUP);
		ck_assert_str_eq(shm_msg_type_name(bad[i]), "?");
	}
}
END_TEST

/* Setting any single byte of a leg's padding makes it invalid. */
START_TEST(test_msg_rejects_nonzero_leg_padding)
{
	struct shm_msg m = good_leg(SHM_CMD_LEG_ADD);
	size_t off = offsetof(struct shm_msg, body) +
		     offsetof(struct shm_msg_leg, _pad0) + (size_t)_i;

	((uint8_t *)&m)[off] = 0x01;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
}
END_TEST

START_TEST(test_msg_rejects_nonzero_conf_padding)
{
	struct shm_msg m = good_conf();

	m.body.conf._pad1[_i] = 0x80;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
}
END_TEST

/* Each row breaks one field of an otherwise good LEG_ADD. */
static void
break_leg(struct shm_msg_leg *l, int which)
{
	switch (which) {
	case 0: l->leg_id = 0; break;
	case 1: l->codec = SHM_CODEC_MAX_; break;
	case 2: l->dir = SHM_DIR_MAX_; break;
	case 3: l->flags = 0x20; break;	/* 0x10: SHM_LEG_SRTP (5.3) */
	case 4: l->rate_hz = 16000; break;		/* PCMU is 8 kHz only */
	case 5: l->codec = SHM_CODEC_L16; l->rate_hz = 22050; break;
	case 6: l->ptime_ms = 25; break;
	case 7: l->pt = 128; break;
	case 8: l->dtmf_pt = l->pt = 101; break;
	case 9: l->remote_port = 0; break;
	case 10: l->local_port = 0; break;
	default: l->ptime_ms = 0; break;
	}
}

START_TEST(test_msg_rejects_bad_leg_fields)
{
	struct shm_msg m = good_leg(SHM_CMD_LEG_ADD);

	break_leg(&m.body.leg, _i);
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
}
END_TEST

START_TEST(test_msg_accepts_l16_rates)
{
	static const uint32_t rates[] = { 8000, 16000, 32000, 44100, 48000 };
	struct shm_msg m = good_leg(SHM_CMD_LEG_ADD);

	m.body.leg.codec = SHM_CODEC_L16;
	m.body.leg.pt = 96;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		m.body.leg.rate_hz = rates[i];
		ck_assert_int_eq(shm_msg_validate(&m), 0);
	}
}
END_TEST

START_TEST(test_msg_rejects_bad_conf_and_events)
{
	struct shm_msg m = good_conf();

	m.body.conf.rate_hz = 44100;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_conf();
	m.hdr.conf_id = 0;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_conf();
	m.body.conf.flags = 0x02;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(6);
	m.body.status.status = 1;		/* statuses are 0 or -errno */
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(6);
	m.body.status.generation = 0;
	m.body.status._pad0 = 1;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(8);
	m.body.dtmf.digit = 'E';
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(8);
	m.body.dtmf.volume_dbm0 = 64;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(9);
	m.body.talker.talking = 2;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(0);
	m.body.hello.cp_pid = 0;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(10);
	m.body.capture.packets = 0;		/* stop */
	ck_assert_int_eq(shm_msg_validate(&m), 0);
	m.body.capture.packets = SHM_CAPTURE_MAX + 1;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(10);
	m.body.capture.leg_id = 0;		/* the whole conference */
	ck_assert_uint_ne(m.hdr.conf_id, 0);
	ck_assert_int_eq(shm_msg_validate(&m), 0);
	m.hdr.conf_id = 0;			/* ... of no conference */
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(10);
	m.body.capture._pad0[37] = 1;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	/* LEG_SRTP: a leg, a direction, a suite, padding zero */
	m = good_msg(11);
	m.body.srtp.leg_id = 0;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(11);
	m.body.srtp.dir = 2;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(11);
	m.body.srtp.suite = SHM_SRTP_NONE;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m.body.srtp.suite = SHM_SRTP_MAX_;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m = good_msg(11);
	m.body.srtp._pad0 = 1;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	/* the peer's index (5.4): rx only, its fields 0 without the flag,
	 * no other flag */
	m = good_msg(11);
	m.body.srtp.rx_roc = 1;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	m.body.srtp.flags = SHM_SRTP_F_INDEX;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);	/* tx */
	m.body.srtp.dir = SHM_SRTP_RX;
	ck_assert_int_eq(shm_msg_validate(&m), 0);
	m.body.srtp.rx_ssrc = 0xffffffffu;
	m.body.srtp.rx_seq = 0xffff;
	ck_assert_int_eq(shm_msg_validate(&m), 0);
	m.body.srtp.flags = SHM_SRTP_F_INDEX << 1;
	ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	for (int f = 0; f < 3; f++) {
		m = good_msg(11);
		m.body.srtp.dir = SHM_SRTP_RX;
		if (f == 0)
			m.body.srtp.rx_seq = 1;
		else if (f == 1)
			m.body.srtp.rx_ssrc = 1;
		else
			m.body.srtp.rx_roc = 1;
		ck_assert_int_eq(shm_msg_validate(&m), -EINVAL);
	}
}
END_TEST

START_TEST(test_msg_names)
{
	ck_assert_str_eq(shm_msg_type_name(SHM_CMD_LEG_ADD), "LEG_ADD");
	ck_assert_str_eq(shm_msg_type_name(SHM_CMD_CAPTURE), "CAPTURE");
	ck_assert_str_eq(shm_drop_name(SHM_DROP_BAD_RTP), "bad_rtp");
	ck_assert_str_eq(shm_drop_name(SHM_DROP_MAX_), "?");
	ck_assert_str_eq(shm_codec_name(SHM_CODEC_PCMA), "PCMA");
	ck_assert_str_eq(shm_codec_name(9), "?");
	ck_assert(shm_msg_is_cmd(SHM_CMD_HELLO));
	ck_assert(!shm_msg_is_cmd(SHM_EVT_STATUS));
}
END_TEST

/* RFC 4648 section 10's vectors, every length's round trip, and what a
 * strict decoder refuses. */
START_TEST(test_msg_base64)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Zg=", "Zg===", "Z", "Zh==", "Zm9=", "Zm-v", "Zm_v", "Z=g=",
		"Zm 9v",
	};
	uint8_t in[SHM_SRTP_KEY_BYTES + 2], out[sizeof(in)];
	char o[SHM_B64_LEN(sizeof(in)) + 1];

	for (size_t i = 0; i < TUTTI_ARRAY_SIZE(vec); i++) {
		size_t n = strlen(vec[i][0]);

		shm_b64_encode((const uint8_t *)vec[i][0], n, o);
		ck_assert_str_eq(o, vec[i][1]);
		memset(out, 0, sizeof(out));
		ck_assert_int_eq(shm_b64_decode(o, strlen(o), out, sizeof(out)),
				 (int)n);
		ck_assert_int_eq(memcmp(out, vec[i][0], n), 0);
	}
	for (size_t n = 0; n <= sizeof(in); n++) {
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(i * 37 + n * 11 + 0xa5);
		shm_b64_encode(in, n, o);
		ck_assert_uint_eq(strlen(o), SHM_B64_LEN(n));
		memset(out, 0, sizeof(out));
		ck_assert_int_eq(shm_b64_decode(o, strlen(o), out, sizeof(out)),
				 (int)n);
		ck_assert_int_eq(memcmp(out, in, n), 0);
	}
	/* unpadded is taken; too long for out: counted, not written */
	ck_assert_int_eq(shm_b64_decode("Zm8", 3, out, sizeof(out)), 2);
	out[0] = 0;
	ck_assert_int_eq(shm_b64_decode("Zm9vYmFy", 8, out, 1), 6);
	ck_assert_uint_eq(out[0], 0);
	for (size_t i = 0; i < TUTTI_ARRAY_SIZE(bad); i++)
		ck_assert_msg(shm_b64_decode(bad[i], strlen(bad[i]), out,
					     sizeof(out)) == -1,
			      "'%s' taken", bad[i]);
}
END_TEST

START_TEST(test_msg_srtp_suite_names)
{
	for (unsigned int i = SHM_SRTP_NONE + 1; i < SHM_SRTP_MAX_; i++) {
		const char *k = shm_srtp_suite_name(i);

		ck_assert_uint_eq(shm_srtp_suite_of(k, strlen(k)), i);
		/* a prefix, or the name in lower case, is none */
		ck_assert_uint_eq(shm_srtp_suite_of(k, strlen(k) - 1),
				  SHM_SRTP_NONE);
	}
	ck_assert_uint_eq(shm_srtp_suite_of("aes_cm_128_hmac_sha1_80", 23),
			  SHM_SRTP_NONE);
	ck_assert_uint_eq(shm_srtp_suite_of("none", 4), SHM_SRTP_NONE);
	ck_assert_str_eq(shm_srtp_suite_name(SHM_SRTP_MAX_), "?");
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("shm_msg");
	TCase *tc = tcase_create("validate");

	tcase_add_loop_test(tc, test_msg_accepts_every_wellformed_type, 0,
			    N_GOOD);
	tcase_add_loop_test(tc, test_msg_rejects_unknown_header_flag, 0,
			    N_GOOD);
	tcase_add_test(tc, test_msg_rejects_unknown_types);
	tcase_add_loop_test(tc, test_msg_rejects_nonzero_leg_padding, 0,
			    (int)sizeof(((struct shm_msg_leg *)0)->_pad0));
	tcase_add_loop_test(tc, test_msg_rejects_nonzero_conf_padding, 0,
			    (int)sizeof(((struct shm_msg_conf *)0)->_pad1));
	tcase_add_loop_test(tc, test_msg_rejects_bad_leg_fields, 0, 12);
	tcase_add_test(tc, test_msg_accepts_l16_rates);
	tcase_add_test(tc, test_msg_rejects_bad_conf_and_events);
	tcase_add_test(tc, test_msg_names);
	tcase_add_test(tc, test_msg_base64);
	tcase_add_test(tc, test_msg_srtp_suite_names);
	suite_add_tcase(s, tc);
	return s;
}
