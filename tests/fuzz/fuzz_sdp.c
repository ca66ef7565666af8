/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_sdp.c: libFuzzer target for controlplane/sdp.c. The input is an SDP
 * body, given with its exact length (not NUL-terminated), answered as an
 * offer and processed as the answer to the focus's offer. Beyond "no crash,
 * no sanitizer report" it checks the module's promises: return codes from
 * the documented set, err clean for a Warning header, results written only
 * on success, and on success an answer that is well formed (CRLF lines,
 * NUL-terminated), deterministic (the same offer again changes nothing,
 * not even the o= version) and acceptable to the focus itself as an offer,
 * with the same codec and, for RTP/SAVP, the same suite and tag and the
 * focus's own key. SRTP is OPTIONAL over TLS, so both RTP/AVP and
 * RTP/SAVP with a=crypto are answered; the answer is also processed as
 * the answer to a MANDATORY (RTP/SAVP) offer. Seeds: tests/vectors/sdp/
 * (tests/fuzz/corpus/fuzz_sdp links there).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static struct cp_sdp_cfg cfg, cfg_savp;
static struct cp_sdp_local local;

static void
init_once(void)
{
	static const uint8_t ip[16] = {
		[10] = 0xff, [11] = 0xff, 192, 0, 2, 1
	};

	if (cfg.n_prefs != 0)
		return;
	cp_sdp_cfg_init(&cfg);
	CHECK(cp_sdp_cfg_set_codecs(&cfg, "PCMU,PCMA,L16/16000,L16/44100", NULL,
				    0) == 0);
	cfg.ptime_ms = 10;	/* 20 ms of L16/44100 does not fit a packet */
	CHECK(cp_sdp_cfg_check(&cfg, NULL, 0) == 0);
	cfg.srtp = CP_SDP_SRTP_OPTIONAL;
	cfg_savp = cfg;
	cfg_savp.srtp = CP_SDP_SRTP_MANDATORY;
	CHECK(cp_sdp_cfg_check(&cfg_savp, NULL, 0) == 0);
	memcpy(local.addr, ip, sizeof(ip));
	local.port = 40000;
	local.dir = SHM_DIR_SENDRECV;
	local.secure = true;
	for (int i = 0; i < SHM_SRTP_KEY_BYTES; i++)
		local.srtp_key[i] = (uint8_t)(0xf0 + i * 7);
}

static bool
rc_known(int rc)
{
	return rc == 0 || rc == -EPROTO || rc == -EMSGSIZE || rc == -ENOTSUP ||
	       rc == -EMEDIUMTYPE || rc == -EPROTONOSUPPORT ||
	       rc == -EAFNOSUPPORT;
}

static void
check_err(const char *err, size_t cap)
{
	CHECK(memchr(err, '\0', cap) != NULL);
	for (; *err != '\0'; err++)
		CHECK(*err >= 0x20 && *err <= 0x7e && *err != '"' &&
		      *err != '\\');
}

/* CRLF-terminated lines of printable ASCII. */
static void
check_sdp_text(const char *s, size_t cap)
{
	size_t n;

	CHECK(memchr(s, '\0', cap) != NULL);
	n = strlen(s);
	CHECK(n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			CHECK(s[i + 1] == '\n');
		else if (s[i] == '\n')
			CHECK(i > 0 && s[i - 1] == '\r');
		else
			CHECK(s[i] >= 0x20 && s[i] <= 0x7e);
	}
}

static void
fuzz_answer(const char *body, size_t size)
{
	static char ans[CP_SDP_OUT_MAX], again[CP_SDP_OUT_MAX];
	static char ans2[CP_SDP_OUT_MAX];
	char err[256];
	struct cp_sdp_sess sess, after, self;
	struct cp_sdp_result res, res2, mine;
	int rc;

	cp_sdp_sess_init(&sess, 1, 1);
	memset(&res, 0x5a, sizeof(res));
	memset(err, 'x', sizeof(err));
	ans[0] = '\0';
	rc = cp_sdp_answer(&cfg, &local, &sess, body, size, &res, ans,
			   sizeof(ans), err, sizeof(err));
	CHECK(rc_known(rc));
	if (rc < 0) {
		check_err(err, sizeof(err));
		CHECK(!sess.sent && res.pt == 0x5a);
		return;
	}
	check_sdp_text(ans, sizeof(ans));
	CHECK(sess.sent && res.sdp_changed);
	CHECK(res.codec < SHM_CODEC_MAX_ && res.dir < SHM_DIR_MAX_);
	CHECK(res.ptime_ms % 10 == 0 && res.ptime_ms >= 10 &&
	      res.ptime_ms <= 40);
	CHECK(res.srtp_suite < SHM_SRTP_MAX_);
	CHECK((res.srtp_suite == SHM_SRTP_NONE) ==
	      (res.srtp_tag == 0 && strstr(ans, "\r\na=crypto:") == NULL));
	/* the same offer again: the same answer, the same version */
	after = sess;
	CHECK(cp_sdp_answer(&cfg, &local, &sess, body, size, &res2, again,
			    sizeof(again), err, sizeof(err)) == 0);
	CHECK(strcmp(ans, again) == 0 && !res2.sdp_changed);
	CHECK(memcmp(&after, &sess, sizeof(sess)) == 0);
	/* the focus takes its own answer as an offer, with the same codec */
	cp_sdp_sess_init(&self, 2, 1);
	CHECK(cp_sdp_answer(&cfg, &local, &self, ans, strlen(ans), &mine, ans2,
			    sizeof(ans2), err, sizeof(err)) == 0);
	CHECK(mine.codec == res.codec && mine.pt == res.pt &&
	      mine.rate_hz == res.rate_hz && mine.dtmf_pt == res.dtmf_pt);
	CHECK(mine.srtp_suite == res.srtp_suite &&
	      mine.srtp_tag == res.srtp_tag);
	CHECK(res.srtp_suite == SHM_SRTP_NONE ||
	      memcmp(mine.srtp_key_rx, local.srtp_key,
		     SHM_SRTP_KEY_BYTES) == 0);
}

/* The answer to the offer made with c (RTP/AVP, or RTP/SAVP). */
static void
fuzz_process_answer(const struct cp_sdp_cfg *c, const char *body,
		    size_t size)
{
	char err[256];
	struct cp_sdp_result res;
	int rc;

	memset(&res, 0x5a, sizeof(res));
	memset(err, 'x', sizeof(err));
	rc = cp_sdp_process_answer(c, &local, body, size, &res, err,
				   sizeof(err));
	CHECK(rc_known(rc));
	if (rc < 0) {
		check_err(err, sizeof(err));
		CHECK(res.pt == 0x5a);
		return;
	}
	CHECK(res.codec < SHM_CODEC_MAX_ && res.dir < SHM_DIR_MAX_ &&
	      !res.sdp_changed);
	if (c->srtp == CP_SDP_SRTP_MANDATORY)
		CHECK((res.srtp_tag == 1 &&
		       res.srtp_suite == SHM_SRTP_AES_CM_128_HMAC_SHA1_80) ||
		      (res.srtp_tag == 2 &&
		       res.srtp_suite == SHM_SRTP_AES_CM_128_HMAC_SHA1_32));
	else
		CHECK(res.srtp_suite == SHM_SRTP_NONE && res.srtp_tag == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	fuzz_answer((const char *)data, size);
	fuzz_process_answer(&cfg, (const char *)data, size);
	fuzz_process_answer(&cfg_savp, (const char *)data, size);
	return 0;
}
