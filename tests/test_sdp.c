/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sdp.c: SDP offer/answer (controlplane/sdp.c). Offers shaped like
 * those of real user agents are answered line by line; hold, resume and
 * address changes move the o= version only when the answer changes; no
 * common codec, no audio, other transports and IP6 are 488 with their
 * Warning; every malformed body is refused with its exact reason; the
 * focus's own offer and the processing of its answer; hostile bytes and
 * every truncation of an offer are refused without a crash; SDES-SRTP
 * (RTP/SAVP with a=crypto) by policy, answered, offered and its answer
 * processed, every unusable a=crypto refused with its reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sdp.h"

/* The first lines of every SDP the focus writes in these tests. */
#define STD_HEAD                                             \
	"v=0", "o=tutti 1000 1 IN IP4 192.0.2.1", "s=tutti", \
		"c=IN IP4 192.0.2.1", "t=0 0"

/* A valid session part for offers and answers (lines 1-5). */
#define GOOD_HEAD                                                        \
	"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n" \
	"t=0 0\r\n"

static struct cp_sdp_cfg cfg;
static struct cp_sdp_local local;
static struct cp_sdp_sess sess;
static struct cp_sdp_result res;
static char ans[CP_SDP_OUT_MAX];
static char err[256];

static void
setup(void)
{
	static const uint8_t ip[16] = {
		[10] = 0xff, [11] = 0xff, 192, 0, 2, 1
	};

	cp_sdp_cfg_init(&cfg);
	memset(&local, 0, sizeof(local));
	memcpy(local.addr, ip, sizeof(ip));
	local.port = 40000;
	local.dir = SHM_DIR_SENDRECV;
	cp_sdp_sess_init(&sess, 1000, 1);
	memset(&res, 0xa5, sizeof(res));
	ans[0] = err[0] = '\0';
}

static void
prefs(const char *list)
{
	ck_assert_msg(cp_sdp_cfg_set_codecs(&cfg, list, err, sizeof(err)) == 0,
		      "%s", err);
}

static int
answer(const char *offer)
{
	err[0] = '\0';
	return cp_sdp_answer(&cfg, &local, &sess, offer, strlen(offer), &res,
			     ans, sizeof(ans), err, sizeof(err));
}

/* Answer offer successfully, or fail the test with the reason. */
static void
answer_ok(const char *offer)
{
	int rc = answer(offer);

	ck_assert_msg(rc == 0, "rc %d: %s", rc, err);
}

/* sdp is exactly the CRLF-terminated lines of want (NULL-terminated). */
static void
check_lines(const char *sdp, const char *const *want)
{
	const char *p = sdp;
	unsigned int i;

	for (i = 0; want[i] != NULL; i++) {
		const char *eol = strstr(p, "\r\n");

		ck_assert_msg(eol != NULL, "line %u missing, want '%s'", i + 1,
			      want[i]);
		ck_assert_msg((size_t)(eol - p) == strlen(want[i]) &&
				      memcmp(p, want[i], strlen(want[i])) == 0,
			      "line %u: got '%.*s', want '%s'", i + 1,
			      (int)(eol - p), p, want[i]);
		p = eol + 2;
	}
	ck_assert_msg(*p == '\0', "extra lines after %u: '%s'", i, p);
}

static void
check_remote(const char *ip4, unsigned int port)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, ip4, &a), 1);
	ck_assert_uint_eq(res.addr[10], 0xff);
	ck_assert_uint_eq(res.addr[11], 0xff);
	ck_assert_int_eq(memcmp(&res.addr[12], &a, 4), 0);
	ck_assert_uint_eq(ntohs(res.remote_port), port);
}

/* ---- real-world offers ---- */

START_TEST(test_sdp_answers_baresip)
{
	static const char offer[] =
		"v=0\r\n"
		"o=- 1985063425 3042462419 IN IP4 10.0.0.2\r\n"
		"s=-\r\n"
		"c=IN IP4 10.0.0.2\r\n"
		"t=0 0\r\n"
		"a=tool:baresip 3.10.1\r\n"
		"m=audio 10000 RTP/AVP 96 9 0 8 101\r\n"
		"b=AS:128\r\n"
		"a=rtpmap:96 opus/48000/2\r\n"
		"a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
		"a=rtpmap:9 G722/8000\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=rtcp-rsize\r\n"
		"a=sendrecv\r\n"
		"a=label:1\r\n"
		"a=ssrc:2412003381 cname:b7f8c0ad-2d41-4ab3\r\n";
	static const char *const want[] = {
		STD_HEAD,
		"m=audio 40000 RTP/AVP 0 101",
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-15",
		"a=ptime:20",
		"a=sendrecv",
		NULL,
	};

	answer_ok(offer);
	check_lines(ans, want);
	ck_assert_uint_eq(res.codec, SHM_CODEC_PCMU);
	ck_assert_uint_eq(res.pt, 0);
	ck_assert_uint_eq(res.dtmf_pt, 101);
	ck_assert_uint_eq(res.rate_hz, 8000);
	ck_assert_uint_eq(res.ptime_ms, 20);
	ck_assert_uint_eq(res.dir, SHM_DIR_SENDRECV);
	ck_assert_uint_eq(res.media_idx, 0);
	ck_assert(res.sdp_changed);
	ck_assert(!res.held);
	check_remote("10.0.0.2", 10000);
}
END_TEST

/* Linphone offers telephone-event at 48000, 16000 and 8000: the one at the
 * chosen codec's clock is taken. */
static const char linphone_offer[] =
	"v=0\r\n"
	"o=alice 1983 678 IN IP4 192.168.0.11\r\n"
	"s=Talk\r\n"
	"c=IN IP4 192.168.0.11\r\n"
	"t=0 0\r\n"
	"a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL "
	"voip-metrics\r\n"
	"m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=fmtp:96 useinbandfec=1\r\n"
	"a=rtpmap:97 speex/16000\r\n"
	"a=fmtp:97 vbr=on\r\n"
	"a=rtpmap:98 speex/8000\r\n"
	"a=fmtp:98 vbr=on\r\n"
	"a=fmtp:18 annexb=yes\r\n"
	"a=rtpmap:101 telephone-event/48000\r\n"
	"a=rtpmap:99 telephone-event/16000\r\n"
	"a=rtpmap:100 telephone-event/8000\r\n"
	"a=rtcp-fb:* trr-int 1000\r\n"
	"a=rtcp-fb:* ccm tmmbr\r\n";

START_TEST(test_sdp_answers_linphone_by_preference)
{
	static const char *const want[] = {
		STD_HEAD,
		"m=audio 40000 RTP/AVP 8 100",
		"a=rtpmap:8 PCMA/8000",
		"a=rtpmap:100 telephone-event/8000",
		"a=fmtp:100 0-15",
		"a=ptime:20",
		"a=sendrecv",
		NULL,
	};

	prefs("L16/16000, PCMA, PCMU");
	answer_ok(linphone_offer);
	check_lines(ans, want);
	ck_assert_uint_eq(res.codec, SHM_CODEC_PCMA);
	ck_assert_uint_eq(res.pt, 8);
	ck_assert_uint_eq(res.dtmf_pt, 100);
	check_remote("192.168.0.11", 7078);
}
END_TEST

START_TEST(test_sdp_answers_asterisk_maxptime)
{
	static const char offer[] =
		"v=0\r\n"
		"o=- 1698164263 1698164265 IN IP4 10.0.0.5\r\n"
		"s=Asterisk\r\n"
		"c=IN IP4 10.0.0.5\r\n"
		"t=0 0\r\n"
		"m=audio 10018 RTP/AVP 8 0 3 111 101\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:3 GSM/8000\r\n"
		"a=rtpmap:111 G726-32/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\n"
		"a=ptime:30\r\n"
		"a=maxptime:150\r\n"
		"a=sendrecv\r\n";

	answer_ok(offer);
	/* cfg order (PCMU first) beats the offer's order */
	ck_assert_uint_eq(res.codec, SHM_CODEC_PCMU);
	ck_assert_uint_eq(res.dtmf_pt, 101);
	/* a whole number of the 20 ms tick: 30 ms is not (tutti-dp refused
	 * such a leg, and Asterisk's call got a 503) */
	ck_assert_uint_eq(res.ptime_ms, 20);
	ck_assert_ptr_nonnull(strstr(ans, "\r\na=ptime:20\r\n"));
	cfg.ptime_ms = 10;
	answer_ok(offer);
	ck_assert_uint_eq(res.ptime_ms, 30);
	check_remote("10.0.0.5", 10018);
	ck_assert_ptr_nonnull(strstr(ans, "m=audio 40000 RTP/AVP 0 101\r\n"));
}
END_TEST

/* Kamailio + rtpengine: the media-level c= (rtpengine's) wins over the
 * session one; ICE and rtcp attributes are ignored. */
START_TEST(test_sdp_answers_rtpengine_media_level_c)
{
	static const char offer[] =
		"v=0\r\n"
		"o=- 3888118254 3888118254 IN IP4 172.16.5.20\r\n"
		"s=Kamailio\r\n"
		"c=IN IP4 172.16.5.20\r\n"
		"t=0 0\r\n"
		"m=audio 30400 RTP/AVP 0 8 101\r\n"
		"c=IN IP4 203.0.113.5\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\n"
		"a=sendrecv\r\n"
		"a=rtcp:30401\r\n"
		"a=ice-ufrag:Xs8SXq0a\r\n"
		"a=ice-pwd:sCXXpxyIW4EYrYNq3YVzkiFpiYF\r\n"
		"a=candidate:XgNAGz4N4dAn9ybB 1 UDP 2130706431 203.0.113.5 "
		"30400 typ host\r\n"
		"a=ptime:20\r\n";

	answer_ok(offer);
	check_remote("203.0.113.5", 30400);
	ck_assert_uint_eq(res.pt, 0);
	ck_assert_uint_eq(res.dtmf_pt, 101);
}
END_TEST

/* SIPp's built-in uac scenario: one codec, no telephone-event. */
START_TEST(test_sdp_answers_sipp_default)
{
	static const char offer[] = "v=0\r\n"
				    "o=user1 53655765 2353687637 IN IP4 "
				    "127.0.0.1\r\n"
				    "s=-\r\n"
				    "c=IN IP4 127.0.0.1\r\n"
				    "t=0 0\r\n"
				    "m=audio 6000 RTP/AVP 0\r\n"
				    "a=rtpmap:0 PCMU/8000\r\n";
	static const char *const want[] = {
		STD_HEAD,
		"m=audio 40000 RTP/AVP 0",
		"a=rtpmap:0 PCMU/8000",
		"a=ptime:20",
		"a=sendrecv",
		NULL,
	};

	answer_ok(offer);
	check_lines(ans, want);
	ck_assert_uint_eq(res.dtmf_pt, 0);
	check_remote("127.0.0.1", 6000);
}
END_TEST

/* Polycom/Yealink-like: many codecs, session-level direction, t= copied,
 * rtpmap lines in any order. */
START_TEST(test_sdp_answers_desk_phone_many_codecs)
{
	static const char offer[] = "v=0\r\n"
				    "o=- 1290196386 1290196386 IN IP4 "
				    "192.168.1.100\r\n"
				    "s=Polycom IP Phone\r\n"
				    "c=IN IP4 192.168.1.100\r\n"
				    "t=3034423619 3042462419\r\n"
				    "a=sendrecv\r\n"
				    "m=audio 2222 RTP/AVP 9 102 103 104 0 8 "
				    "18 127\r\n"
				    "a=rtpmap:9 G722/8000\r\n"
				    "a=rtpmap:102 G7221/16000\r\n"
				    "a=fmtp:102 bitrate=32000\r\n"
				    "a=rtpmap:103 G7221/16000\r\n"
				    "a=fmtp:103 bitrate=24000\r\n"
				    "a=rtpmap:104 G7221/32000\r\n"
				    "a=fmtp:104 bitrate=48000\r\n"
				    "a=rtpmap:127 telephone-event/8000\r\n"
				    "a=rtpmap:18 G729/8000\r\n"
				    "a=fmtp:18 annexb=no\r\n"
				    "a=rtpmap:8 PCMA/8000\r\n"
				    "a=rtpmap:0 PCMU/8000\r\n";

	prefs("pcma,pcmu");
	answer_ok(offer);
	ck_assert_uint_eq(res.codec, SHM_CODEC_PCMA);
	ck_assert_uint_eq(res.dtmf_pt, 127);
	ck_assert_ptr_nonnull(strstr(ans, "\r\nt=3034423619 3042462419\r\n"));
	ck_assert_ptr_nonnull(strstr(ans, "m=audio 40000 RTP/AVP 8 127\r\n"));
}
END_TEST

START_TEST(test_sdp_answers_yealink)
{
	static const char offer[] = "v=0\r\n"
				    "o=- 20083 20083 IN IP4 192.168.1.55\r\n"
				    "s=SDP data\r\n"
				    "c=IN IP4 192.168.1.55\r\n"
				    "t=0 0\r\n"
				    "m=audio 11780 RTP/AVP 0 8 9 18 101\r\n"
				    "a=rtpmap:0 PCMU/8000\r\n"
				    "a=rtpmap:8 PCMA/8000\r\n"
				    "a=rtpmap:9 G722/8000\r\n"
				    "a=rtpmap:18 G729/8000\r\n"
				    "a=fmtp:18 annexb=no\r\n"
				    "a=ptime:20\r\n"
				    "a=sendrecv\r\n"
				    "a=rtpmap:101 telephone-event/8000\r\n"
				    "a=fmtp:101 0-15\r\n";

	answer_ok(offer);
	ck_assert_uint_eq(res.pt, 0);
	ck_assert_uint_eq(res.dtmf_pt, 101);
	check_remote("192.168.1.55", 11780);
}
END_TEST

/* FreeSWITCH-like: c= only at media level (the video m= line has none and
 * is rejected anyway), comfort noise, a=rtcp with an address. */
START_TEST(test_sdp_answers_media_level_c_only)
{
	static const char offer[] = "v=0\r\n"
				    "o=FreeSWITCH 1700000000 1700000001 IN "
				    "IP4 10.9.8.7\r\n"
				    "s=FreeSWITCH\r\n"
				    "t=0 0\r\n"
				    "m=video 0 RTP/AVP 102\r\n"
				    "m=audio 16384 RTP/AVP 8 0 101 13\r\n"
				    "c=IN IP4 10.9.8.7\r\n"
				    "a=rtpmap:101 telephone-event/8000\r\n"
				    "a=fmtp:101 0-16\r\n"
				    "a=rtpmap:13 CN/8000\r\n"
				    "a=silenceSupp:off - - - -\r\n"
				    "a=ptime:20\r\n"
				    "a=rtcp:16385 IN IP4 10.9.8.7\r\n"
				    "a=sendrecv\r\n";

	answer_ok(offer);
	ck_assert_uint_eq(res.media_idx, 1);
	ck_assert_uint_eq(res.pt, 0);
	ck_assert_uint_eq(res.dtmf_pt, 101);
	check_remote("10.9.8.7", 16384);
	ck_assert_ptr_nonnull(strstr(ans, "\r\nm=video 0 RTP/AVP 102\r\n"
					  "m=audio 40000 RTP/AVP 0 101\r\n"));
}
END_TEST

/* ---- hold, resume, address change, o= version ---- */

#define HOLD_HEAD                                     \
	"v=0\r\n"                                     \
	"o=bob 2890844526 %u IN IP4 198.51.100.7\r\n" \
	"s=-\r\n"                                     \
	"c=IN IP4 %s\r\n"                             \
	"t=0 0\r\n"                                   \
	"m=audio %u RTP/AVP 0 101\r\n"                \
	"a=rtpmap:101 telephone-event/8000\r\n"       \
	"a=%s\r\n"

static const char *
reoffer(unsigned int version, const char *ip, unsigned int port,
	const char *dir)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), HOLD_HEAD, version, ip, port, dir);
	return buf;
}

START_TEST(test_sdp_hold_resume_versions)
{
	static const char *const hold_want[] = {
		"v=0",
		"o=tutti 1000 2 IN IP4 192.0.2.1",
		"s=tutti",
		"c=IN IP4 192.0.2.1",
		"t=0 0",
		"m=audio 40000 RTP/AVP 0 101",
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-15",
		"a=ptime:20",
		"a=recvonly",
		NULL,
	};

	answer_ok(reoffer(1, "198.51.100.7", 5000, "sendrecv"));
	ck_assert(res.sdp_changed);
	ck_assert_ptr_nonnull(strstr(ans, "o=tutti 1000 1 IN"));
	/* hold with sendonly: answer recvonly, version 2 */
	answer_ok(reoffer(2, "198.51.100.7", 5000, "sendonly"));
	ck_assert_uint_eq(res.dir, SHM_DIR_RECVONLY);
	ck_assert(res.sdp_changed);
	ck_assert(res.held);
	check_lines(ans, hold_want);
	/* the same hold again (session refresh): nothing changes */
	answer_ok(reoffer(2, "198.51.100.7", 5000, "sendonly"));
	ck_assert(!res.sdp_changed);
	ck_assert_ptr_nonnull(strstr(ans, "o=tutti 1000 2 IN"));
	/* inactive */
	answer_ok(reoffer(3, "198.51.100.7", 5000, "inactive"));
	ck_assert_uint_eq(res.dir, SHM_DIR_INACTIVE);
	ck_assert(res.held);
	ck_assert_ptr_nonnull(strstr(ans, "o=tutti 1000 3 IN"));
	ck_assert_ptr_nonnull(strstr(ans, "\r\na=inactive\r\n"));
	/* recvonly offer: the focus only sends */
	answer_ok(reoffer(4, "198.51.100.7", 5000, "recvonly"));
	ck_assert_uint_eq(res.dir, SHM_DIR_SENDONLY);
	ck_assert(!res.held); /* it listens: not a hold */
	ck_assert_ptr_nonnull(strstr(ans, "\r\na=sendonly\r\n"));
	/* resume */
	answer_ok(reoffer(5, "198.51.100.7", 5000, "sendrecv"));
	ck_assert_uint_eq(res.dir, SHM_DIR_SENDRECV);
	ck_assert(!res.held);
	ck_assert_ptr_nonnull(strstr(ans, "o=tutti 1000 5 IN"));
	ck_assert_uint_eq(sess.id, 1000);
}
END_TEST

/* RFC 2543 hold: c=0.0.0.0 means send nothing; the answer says recvonly
 * (what the focus will do), not a hold of its own. */
START_TEST(test_sdp_hold_rfc2543_zero_address)
{
	answer_ok(reoffer(1, "0.0.0.0", 5000, "sendrecv"));
	ck_assert_uint_eq(res.dir, SHM_DIR_RECVONLY);
	ck_assert(res.held);
	check_remote("0.0.0.0", 5000);
	ck_assert_ptr_nonnull(strstr(ans, "\r\na=recvonly\r\n"));
	answer_ok(reoffer(2, "0.0.0.0", 5000, "recvonly"));
	ck_assert_uint_eq(res.dir, SHM_DIR_INACTIVE);
}
END_TEST

/* A new address and port change the leg, not the focus's answer: the
 * version stays (RFC 3264 section 8). */
START_TEST(test_sdp_address_change_keeps_answer)
{
	answer_ok(reoffer(1, "198.51.100.7", 5000, "sendrecv"));
	check_remote("198.51.100.7", 5000);
	answer_ok(reoffer(2, "198.51.100.99", 6002, "sendrecv"));
	check_remote("198.51.100.99", 6002);
	ck_assert(!res.sdp_changed);
	ck_assert_ptr_nonnull(strstr(ans, "o=tutti 1000 1 IN"));
	/* a local change (the focus moved its port) is an answer change */
	local.port = 40002;
	answer_ok(reoffer(3, "198.51.100.99", 6002, "sendrecv"));
	ck_assert(res.sdp_changed);
	ck_assert_ptr_nonnull(strstr(ans, "o=tutti 1000 2 IN"));
}
END_TEST

/* A refused re-offer (488) leaves the session as it was. */
START_TEST(test_sdp_refused_reoffer_keeps_session)
{
	struct cp_sdp_sess before;
	struct cp_sdp_result kept;
	static const char g729[] = "v=0\r\n"
				   "o=bob 2890844526 3 IN IP4 198.51.100.7\r\n"
				   "s=-\r\n"
				   "c=IN IP4 198.51.100.7\r\n"
				   "t=0 0\r\n"
				   "m=audio 5000 RTP/AVP 18\r\n";

	answer_ok(reoffer(1, "198.51.100.7", 5000, "sendrecv"));
	before = sess;
	kept = res;
	ck_assert_int_eq(answer(g729), -ENOTSUP);
	ck_assert_int_eq(memcmp(&before, &sess, sizeof(sess)), 0);
	ck_assert_int_eq(memcmp(&kept, &res, sizeof(res)), 0);
}
END_TEST

/* ---- 488 ---- */

START_TEST(test_sdp_no_common_codec_is_488)
{
	static const char offer[] =
		GOOD_HEAD "m=audio 4000 RTP/AVP 96 18 101\r\n"
			  "a=rtpmap:96 opus/48000/2\r\n"
			  "a=rtpmap:18 G729/8000\r\n"
			  "a=rtpmap:101 telephone-event/8000\r\n";

	ck_assert_int_eq(answer(offer), -ENOTSUP);
	ck_assert_str_eq(err, "line 6: no common codec: offered 96 "
			      "opus/48000/2, 18 G729/8000, 101 "
			      "telephone-event/8000; accepted PCMU/8000, "
			      "PCMA/8000");
	ck_assert_int_eq(cp_sdp_sip_status(-ENOTSUP), 488);
	ck_assert_int_eq(cp_sdp_warning_code(-ENOTSUP), 305);
	ck_assert_uint_eq(res.pt, 0xa5); /* res untouched */
	ck_assert_uint_eq(ans[0], '\0');
}
END_TEST

START_TEST(test_sdp_unusable_streams_are_488)
{
	static const struct {
		const char *media;
		int rc;
		int warning;
		const char *err;
	} t[] = {
		{ "m=video 5002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n",
		  -EMEDIUMTYPE, 304, "no audio stream in the offer" },
		{ "m=audio 0 RTP/AVP 0\r\n", -EMEDIUMTYPE, 304,
		  "no audio stream in the offer" },
		{ "m=audio 5000 RTP/SAVP 0\r\n", -EPROTONOSUPPORT, 302,
		  "line 6: SRTP is off (RTP/SAVP refused)" },
		{ "m=audio 5000 RTP/SAVPF 0\r\n", -EPROTONOSUPPORT, 302,
		  "line 6: transport RTP/SAVPF is not supported (RTP/AVP "
		  "only)" },
		{ "m=audio 5000 RTP/AVP 0\r\nc=IN IP6 2001:db8::1\r\n",
		  -EAFNOSUPPORT, 301,
		  "line 7: c= address is IP6 (the focus is IPv4 only)" },
		{ "m=audio 5000 RTP/AVP 0\r\nc=IN IP4 media.example.com\r\n",
		  -EAFNOSUPPORT, 301,
		  "line 7: c= address is a host name, not an IPv4 address" },
		{ "m=audio 5000 RTP/AVP 0\r\nc=IN IP4 239.1.2.3/127\r\n",
		  -EAFNOSUPPORT, 301,
		  "line 7: c= address is an IPv4 multicast group" },
		{ "m=audio 5000/2 RTP/AVP 0\r\n", -ENOTSUP, 305,
		  "line 6: m= port count 2 is not supported" },
		{ "m=audio 5000 RTP/AVP 10\r\n", -ENOTSUP, 305,
		  "line 6: no common codec: offered 10 L16/44100/2; "
		  "accepted PCMU/8000, PCMA/8000" },
	};
	char offer[512];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(offer, sizeof(offer), GOOD_HEAD "%s", t[i].media);
		ck_assert_int_eq(answer(offer), t[i].rc);
		ck_assert_str_eq(err, t[i].err);
		ck_assert_int_eq(cp_sdp_sip_status(t[i].rc), 488);
		ck_assert_int_eq(cp_sdp_warning_code(t[i].rc), t[i].warning);
	}
}
END_TEST

/* ---- L16, telephone-event rates, ptime ---- */

START_TEST(test_sdp_dynamic_l16_and_dtmf_16000)
{
	static const char offer[] = "v=0\r\n"
				    "o=- 7 7 IN IP4 10.1.1.1\r\n"
				    "s=-\r\n"
				    "c=IN IP4 10.1.1.1\r\n"
				    "t=0 0\r\n"
				    "m=audio 5004 RTP/AVP 97 96 0 101 102\r\n"
				    "a=rtpmap:97 L16/48000\r\n"
				    "a=rtpmap:96 l16/16000/1\r\n"
				    "a=rtpmap:101 telephone-event/8000\r\n"
				    "a=rtpmap:102 telephone-event/16000\r\n"
				    "a=fmtp:102 0-15\r\n";
	static const char *const want[] = {
		STD_HEAD,
		"m=audio 40000 RTP/AVP 96 102",
		"a=rtpmap:96 L16/16000",
		"a=rtpmap:102 telephone-event/16000",
		"a=fmtp:102 0-15",
		"a=ptime:20",
		"a=sendrecv",
		NULL,
	};

	prefs("L16/16000,PCMU");
	answer_ok(offer);
	check_lines(ans, want);
	ck_assert_uint_eq(res.codec, SHM_CODEC_L16);
	ck_assert_uint_eq(res.rate_hz, 16000);
	ck_assert_uint_eq(res.pt, 96);
	ck_assert_uint_eq(res.dtmf_pt, 102);
	/* PCMU preferred: telephone-event/8000 goes with it */
	prefs("PCMU,L16/16000");
	answer_ok(offer);
	ck_assert_uint_eq(res.pt, 0);
	ck_assert_uint_eq(res.dtmf_pt, 101);
	/* L16/48000 with only telephone-event at 8000/16000: no DTMF; in
	 * a 10 ms conference (20 ms of it does not fit a packet), sent
	 * 10 ms a packet */
	prefs("L16/48000");
	cfg.ptime_ms = 10;
	answer_ok(offer);
	ck_assert_uint_eq(res.pt, 97);
	ck_assert_uint_eq(res.rate_hz, 48000);
	ck_assert_uint_eq(res.dtmf_pt, 0);
	ck_assert_uint_eq(res.ptime_ms, 10);
	cfg.ptime_ms = 20;
	/* DTMF switched off */
	prefs("PCMU");
	cfg.dtmf = false;
	answer_ok(offer);
	ck_assert_uint_eq(res.dtmf_pt, 0);
	ck_assert_ptr_null(strstr(ans, "telephone-event"));
}
END_TEST

START_TEST(test_sdp_static_l16_pt11_not_stereo)
{
	static const char offer[] = "v=0\r\n"
				    "o=- 7 7 IN IP4 10.1.1.1\r\n"
				    "s=-\r\n"
				    "c=IN IP4 10.1.1.1\r\n"
				    "t=0 0\r\n"
				    "m=audio 5004 RTP/AVP 10 98 11\r\n"
				    "a=rtpmap:98 L16/44100/2\r\n";

	prefs("L16/44100");
	cfg.ptime_ms = 10;	/* 20 ms of it does not fit a packet */
	answer_ok(offer);
	ck_assert_uint_eq(res.pt, 11);
	ck_assert_uint_eq(res.codec, SHM_CODEC_L16);
	ck_assert_uint_eq(res.rate_hz, 44100);
	ck_assert_ptr_nonnull(strstr(ans, "\r\na=rtpmap:11 L16/44100\r\n"));
}
END_TEST

/* One tick of every configured codec must fit one packet (1460 bytes of
 * RTP payload): the configuration is refused with the reason otherwise;
 * and what the focus sends stays within it, whatever the offer asks. */
static const struct {
	const char *codecs;
	unsigned int tick;
	bool ok;
} fits[] = {
	{ "PCMU,PCMA", 40, true },
	{ "L16/16000", 40, true },	/* 1280 bytes */
	{ "L16/32000", 20, true },	/* 1280 */
	{ "L16/32000", 30, false },	/* 1920 */
	{ "L16/44100", 10, true },	/* 882 */
	{ "L16/44100", 20, false },	/* 1764 */
	{ "PCMU,L16/48000", 10, true },	/* 960 */
	{ "PCMU,L16/48000", 20, false },	/* 1920 */
};

START_TEST(test_sdp_codec_must_fit_packet)
{
	prefs(fits[_i].codecs);
	cfg.ptime_ms = (uint8_t)fits[_i].tick;
	err[0] = '\0';
	ck_assert_int_eq(cp_sdp_cfg_check(&cfg, err, sizeof(err)),
			 fits[_i].ok ? 0 : -EINVAL);
	if (!fits[_i].ok) {
		ck_assert_msg(strstr(err, "1460") != NULL &&
			      strstr(err, "L16/") != NULL, "%s", err);
		/* and no answer is made with it */
		ck_assert_int_eq(answer("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n"
					"s=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0"
					"\r\nm=audio 4000 RTP/AVP 0\r\n"),
				 -EINVAL);
	}
}
END_TEST

START_TEST(test_sdp_sent_ptime_fits_packet)
{
	/* L16/32000 in a 10 ms conference, the phone asking for 40 ms:
	 * 40 and 30 ms would be 2560 and 1920 bytes, so 20 */
	prefs("L16/32000");
	cfg.ptime_ms = 10;
	answer_ok("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n"
		  "c=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 96\r\n"
		  "a=rtpmap:96 L16/32000\r\na=ptime:40\r\n");
	ck_assert_uint_eq(res.rate_hz, 32000);
	ck_assert_uint_eq(res.ptime_ms, 20);
	/* PCMU the same: 40 (320 bytes) */
	prefs("PCMU");
	answer_ok("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n"
		  "c=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
		  "a=ptime:40\r\n");
	ck_assert_uint_eq(res.ptime_ms, 40);
}
END_TEST

/* What the focus sends: a multiple of its tick (cfg.ptime_ms, the
 * conference's) up to 40, nearest the offer's ptime within its maxptime. */
static const struct {
	const char *attrs;
	unsigned int tick;
	unsigned int ptime_ms;
} ptimes[] = {
	/* a 10 ms tick: any of 10, 20, 30, 40 */
	{ "", 10, 20 },
	{ "a=ptime:10\r\n", 10, 10 },
	{ "a=ptime:30\r\n", 10, 30 },
	{ "a=ptime:40\r\n", 10, 40 },
	{ "a=ptime:60\r\n", 10, 40 },
	{ "a=ptime:5\r\n", 10, 10 },
	{ "a=ptime:25\r\n", 10, 20 },
	{ "a=ptime:20.0\r\n", 10, 20 },
	{ "a=ptime:60\r\na=maxptime:30\r\n", 10, 30 },
	{ "a=maxptime:10\r\n", 10, 10 },
	{ "a=maxptime:5\r\n", 10, 10 },
	{ "a=maxptime:35\r\na=ptime:40\r\n", 10, 30 },
	/* the default 20 ms tick: 20 or 40 (10 and 30 would be refused by
	 * the data plane: not a whole number of ticks) */
	{ "", 20, 20 },
	{ "a=ptime:10\r\n", 20, 20 },
	{ "a=ptime:30\r\n", 20, 20 },
	{ "a=ptime:35\r\n", 20, 40 },
	{ "a=ptime:60\r\n", 20, 40 },
	{ "a=ptime:60\r\na=maxptime:30\r\n", 20, 20 },
	{ "a=maxptime:10\r\n", 20, 20 },
	/* 30 and 40 ms ticks: only the tick fits in 40 ms */
	{ "", 30, 30 },
	{ "a=ptime:10\r\n", 30, 30 },
	{ "a=ptime:20\r\na=maxptime:20\r\n", 40, 40 },
};

START_TEST(test_sdp_ptime_maxptime)
{
	char offer[512];

	snprintf(offer, sizeof(offer),
		 "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n"
		 "c=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n%s",
		 ptimes[_i].attrs);
	cfg.ptime_ms = (uint8_t)ptimes[_i].tick;
	answer_ok(offer);
	ck_assert_msg(res.ptime_ms == ptimes[_i].ptime_ms, "tick %u, offer "
		      "'%s': sends %u ms, want %u", ptimes[_i].tick,
		      ptimes[_i].attrs, res.ptime_ms, ptimes[_i].ptime_ms);
	ck_assert_uint_eq(res.ptime_ms % ptimes[_i].tick, 0);
	/* and asks for its tick */
	{
		char want[32];

		snprintf(want, sizeof(want), "\r\na=ptime:%u\r\n",
			 ptimes[_i].tick);
		ck_assert_ptr_nonnull(strstr(ans, want));
	}
}
END_TEST

START_TEST(test_sdp_session_level_ptime_and_direction)
{
	static const char offer[] = GOOD_HEAD "a=ptime:30\r\n"
					      "a=sendonly\r\n"
					      "m=audio 4000 RTP/AVP 0\r\n";

	cfg.ptime_ms = 10;		/* a tick 30 is a multiple of */
	answer_ok(offer);
	ck_assert_uint_eq(res.ptime_ms, 30);
	ck_assert_uint_eq(res.dir, SHM_DIR_RECVONLY);
	/* the focus asks for its own ptime, and sends a multiple of it */
	cfg.ptime_ms = 40;
	answer_ok(offer);
	ck_assert_ptr_nonnull(strstr(ans, "\r\na=ptime:40\r\n"));
	ck_assert_uint_eq(res.ptime_ms, 40);
}
END_TEST

/* ---- several m= lines ---- */

START_TEST(test_sdp_audio_video_keeps_order_and_count)
{
	static const char offer[] =
		GOOD_HEAD "m=video 5002 RTP/AVP 96 97\r\n"
			  "a=rtpmap:96 H264/90000\r\n"
			  "m=audio 0 RTP/AVP 0\r\n"
			  "m=audio 5004 RTP/AVP 18\r\n"
			  "m=audio 5006 RTP/AVP 8\r\n"
			  "c=IN IP4 10.0.0.9\r\n"
			  "m=application 5008 UDP/BFCP *\r\n"
			  "m=audio 5010 RTP/AVP 0\r\n";
	static const char *const want[] = {
		STD_HEAD,
		"m=video 0 RTP/AVP 96",
		"m=audio 0 RTP/AVP 0",
		"m=audio 0 RTP/AVP 18",
		"m=audio 40000 RTP/AVP 8",
		"a=rtpmap:8 PCMA/8000",
		"a=ptime:20",
		"a=sendrecv",
		"m=application 0 UDP/BFCP *",
		"m=audio 0 RTP/AVP 0",
		NULL,
	};

	answer_ok(offer);
	check_lines(ans, want);
	ck_assert_uint_eq(res.media_idx, 3);
	check_remote("10.0.0.9", 5006);
}
END_TEST

/* ---- malformed bodies ---- */

static const struct {
	const char *body;
	const char *err;
} malformed[] = {
	{ "", "empty SDP body" },
	{ "\r\n\r\n", "empty SDP body" },
	{ "o=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n",
	  "line 1: the SDP must start with v=0, not 'o='" },
	{ "v=1\r\n", "line 1: SDP version '1' is not 0" },
	{ "v=0\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n", "no o= line" },
	{ "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nt=0 0\r\n", "no s= line" },
	{ "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n", "no t= line" },
	{ "v=0\r\no=- 1 IN IP4 10.0.0.1\r\n",
	  "line 2: bad o= line: '- 1 IN IP4 10.0.0.1'" },
	{ "v=0\r\nv=0\r\n", "line 2: a second v= line" },
	{ "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 1.2.3\r\n",
	  "line 4: c= bad IPv4 address '1.2.3'" },
	{ "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 300.1.1.1\r\n",
	  "line 4: c= bad IPv4 address '300.1.1.1'" },
	{ "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4\r\n",
	  "line 4: c= needs 3 fields: 'IN IP4'" },
	{ "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=ATM NSAP 1\r\n",
	  "line 4: c= network type 'ATM' is not IN" },
	{ "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 10.0.0.1/127\r\n",
	  "line 4: c= TTL on a unicast address" },
	{ GOOD_HEAD "c=IN IP4 10.0.0.2\r\n",
	  "line 6: a second c= line at this level" },
	{ "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nt=0 0\r\n"
	  "m=audio 4000 RTP/AVP 0\r\n",
	  "line 5: m= line without a c= line" },
	{ GOOD_HEAD "m=audio 4000 RTP/", "line 6: m= needs media, port, "
					 "proto and a format: 'audio 4000 "
					 "RTP/'" },
	{ GOOD_HEAD "m=audio 70000 RTP/AVP 0\r\n",
	  "line 6: bad m= port '70000'" },
	{ GOOD_HEAD "m=audio 4000 RTP/AVP 0 abc\r\n",
	  "line 6: m= format 'abc' is not an RTP payload type" },
	{ GOOD_HEAD "m=audio 4000 RTP/AVP 128\r\n",
	  "line 6: m= format '128' is not an RTP payload type" },
	{ GOOD_HEAD "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n",
	  "line 7: bad a=rtpmap:0 PCMU" },
	{ GOOD_HEAD "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
		    "a=rtpmap:0 PCMU/8000\r\n",
	  "line 8: a second a=rtpmap for PT 0" },
	{ GOOD_HEAD "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\na=sendrecv\r\n",
	  "line 8: a second direction attribute" },
	{ GOOD_HEAD "m=audio 4000 RTP/AVP 0\r\na=ptime:0\r\n",
	  "line 7: bad a=ptime:0" },
	{ GOOD_HEAD "m=audio 4000 RTP/AVP 0\r\na=maxptime:x\r\n",
	  "line 7: bad a=maxptime:x" },
	{ GOOD_HEAD "m=audio 4000 RTP/AVP 0\r\ns=late\r\n",
	  "line 7: s= is not allowed after m=" },
	{ GOOD_HEAD "x=unknown\r\n", "line 6: unknown line type 'x'" },
	{ GOOD_HEAD "novalue\r\n",
	  "line 6: not a <type>=<value> line: 'novalue'" },
	{ "v=0\r\n\r\no=- 1 1 IN IP4 10.0.0.1\r\n",
	  "line 2: empty line inside the SDP" },
	{ "v=0\ro=- 1 1 IN IP4 10.0.0.1\r\n", "line 1: CR not followed by LF" },
	{ "v=0\r\no=- 1\0 1 IN IP4 10.0.0.1\r\n",
	  "line 2: NUL byte in the SDP" },
	{ "\xff\xfe\x01\x80 binary", "line 1: not a <type>=<value> line: "
				     "'???? binary'" },
	{ "v=0\r\ns=\"quoted\\\"\r\n\x7f=1\r\n",
	  "line 3: unknown line type '?'" },
};

START_TEST(test_sdp_refuses_malformed)
{
	const char *b = malformed[_i].body;
	size_t len = strlen(b);
	int rc;

	if (strstr(malformed[_i].err, "NUL") != NULL)
		len += 1 + strlen(b + len + 1); /* the bytes past the NUL */
	rc = cp_sdp_answer(&cfg, &local, &sess, b, len, &res, ans, sizeof(ans),
			   err, sizeof(err));
	ck_assert_int_eq(rc, -EPROTO);
	ck_assert_str_eq(err, malformed[_i].err);
	ck_assert_int_eq(cp_sdp_sip_status(rc), 400);
	ck_assert_uint_eq(sess.sent, false);
}
END_TEST

START_TEST(test_sdp_refuses_oversized)
{
	size_t n = CP_SDP_MAX_BODY + 1;
	char *big = malloc(n);
	char many[CP_SDP_MAX_MEDIA * 32 + 256];
	size_t off;

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	ck_assert_int_eq(cp_sdp_answer(&cfg, &local, &sess, big, n, &res, ans,
				       sizeof(ans), err, sizeof(err)),
			 -EMSGSIZE);
	ck_assert_str_eq(err, "SDP body of 32769 bytes, more than 32768");
	ck_assert_int_eq(cp_sdp_sip_status(-EMSGSIZE), 413);
	/* 2000 short lines: within the bytes, over the line count */
	for (size_t i = 0; i + 4 <= 8000; i += 4)
		memcpy(big + i, "a=x\n", 4);
	memcpy(big, "v=0\n", 4);
	ck_assert_int_eq(cp_sdp_answer(&cfg, &local, &sess, big, 8000, &res,
				       ans, sizeof(ans), err, sizeof(err)),
			 -EMSGSIZE);
	ck_assert_str_eq(err, "SDP of more than 1024 lines");
	free(big);
	off = (size_t)snprintf(many, sizeof(many), "%s", GOOD_HEAD);
	for (int i = 0; i <= CP_SDP_MAX_MEDIA; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off,
					"m=audio %d RTP/AVP 0\r\n", 4000 + i);
	ck_assert_int_eq(answer(many), -EMSGSIZE);
	ck_assert_str_eq(err, "line 22: more than 16 m= lines");
}
END_TEST

/* LF-only line ends, trailing empty lines and a missing final line end
 * give the same answer as CRLF. */
START_TEST(test_sdp_crlf_lf_equivalent)
{
	char lf[sizeof(linphone_offer)], crlf_ans[sizeof(ans)];
	char padded[sizeof(linphone_offer) + 8];
	size_t n = 0;

	answer_ok(linphone_offer);
	memcpy(crlf_ans, ans, sizeof(ans));
	for (const char *p = linphone_offer; *p != '\0'; p++)
		if (*p != '\r')
			lf[n++] = *p;
	lf[n] = '\0';
	answer_ok(lf);
	ck_assert_str_eq(ans, crlf_ans);
	ck_assert(!res.sdp_changed);
	lf[n - 1] = '\0'; /* no final LF */
	answer_ok(lf);
	ck_assert_str_eq(ans, crlf_ans);
	/* blank lines at the end (some stacks add a CRLF) */
	snprintf(padded, sizeof(padded), "%s\r\n\r\n", linphone_offer);
	answer_ok(padded);
	ck_assert_str_eq(ans, crlf_ans);
}
END_TEST

START_TEST(test_sdp_answer_buffer_too_small)
{
	char small[64];

	ck_assert_int_eq(cp_sdp_answer(&cfg, &local, &sess, linphone_offer,
				       strlen(linphone_offer), &res, small,
				       sizeof(small), err, sizeof(err)),
			 -ENOSPC);
	ck_assert_int_eq(cp_sdp_sip_status(-ENOSPC), 500);
	ck_assert(!sess.sent);
}
END_TEST

/* ---- hostile input ---- */

/* err is one line of printable ASCII, no '"' or '\'. */
static void
check_err_clean(void)
{
	for (const char *p = err; *p != '\0'; p++)
		ck_assert_msg(*p >= 0x20 && *p <= 0x7e && *p != '"' &&
				      *p != '\\',
			      "bad byte 0x%02x in err", (unsigned char)*p);
}

/* Every prefix of offer answered: 0, -EPROTO, -EMEDIUMTYPE or also_ok,
 * and a clean err, never a read past the prefix (ASan). */
static void
every_truncation(const char *offer, int also_ok)
{
	size_t n = strlen(offer);

	for (size_t len = 0; len <= n; len++) {
		char *copy = malloc(len + 1); /* exact size for ASan */
		int rc;

		ck_assert_ptr_nonnull(copy);
		memcpy(copy, offer, len);
		err[0] = '\0';
		rc = cp_sdp_answer(&cfg, &local, &sess, copy, len, &res, ans,
				   sizeof(ans), err, sizeof(err));
		ck_assert_msg(rc == 0 || rc == -EPROTO || rc == also_ok ||
				      rc == -EMEDIUMTYPE,
			      "len %zu: rc %d", len, rc);
		check_err_clean();
		free(copy);
	}
}

START_TEST(test_sdp_every_truncation)
{
	every_truncation(linphone_offer, -ENOTSUP);
}
END_TEST

START_TEST(test_sdp_random_bytes)
{
	uint32_t x = 0x12345678u;
	char buf[512];

	for (int round = 0; round < 20000; round++) {
		size_t len = 0;
		int rc;

		x = x * 1103515245u + 12345u;
		len = (x >> 8) % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (char)(x >> 16);
		}
		if ((round & 1) && len > strlen(GOOD_HEAD)) /* valid head */
			memcpy(buf, GOOD_HEAD, strlen(GOOD_HEAD));
		rc = cp_sdp_answer(&cfg, &local, &sess, buf, len, &res, ans,
				   sizeof(ans), err, sizeof(err));
		ck_assert_int_le(rc, 0);
		check_err_clean();
	}
}
END_TEST

/* ---- the focus's offer and its answer ---- */

START_TEST(test_sdp_offer_default)
{
	static char off[CP_SDP_OUT_MAX];
	static const char *const want[] = {
		STD_HEAD,
		"m=audio 40000 RTP/AVP 0 8 101",
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-15",
		"a=ptime:20",
		"a=sendrecv",
		NULL,
	};
	bool changed = false;

	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off), &changed),
		0);
	check_lines(off, want);
	ck_assert(changed);
	/* the same offer again (re-INVITE refresh): version stays */
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off), &changed),
		0);
	ck_assert(!changed);
	ck_assert_ptr_nonnull(strstr(off, "o=tutti 1000 1 IN"));
	/* the focus holds the leg: version 2 */
	local.dir = SHM_DIR_SENDONLY;
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off), &changed),
		0);
	ck_assert(changed);
	ck_assert_ptr_nonnull(strstr(off, "o=tutti 1000 2 IN"));
	ck_assert_ptr_nonnull(strstr(off, "\r\na=sendonly\r\n"));
	ck_assert_int_eq(cp_sdp_offer(&cfg, &local, &sess, off, 32, NULL),
			 -ENOSPC);
}
END_TEST

START_TEST(test_sdp_offer_l16_rates)
{
	static char off[CP_SDP_OUT_MAX];
	static const char *const want[] = {
		STD_HEAD,
		"m=audio 40000 RTP/AVP 96 0 11 97 101 102 103 104",
		"a=rtpmap:96 L16/16000",
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:11 L16/44100",
		"a=rtpmap:97 L16/48000",
		"a=rtpmap:101 telephone-event/16000",
		"a=fmtp:101 0-15",
		"a=rtpmap:102 telephone-event/8000",
		"a=fmtp:102 0-15",
		"a=rtpmap:103 telephone-event/44100",
		"a=fmtp:103 0-15",
		"a=rtpmap:104 telephone-event/48000",
		"a=fmtp:104 0-15",
		"a=ptime:10",
		"a=sendrecv",
		NULL,
	};

	prefs("L16/16000,PCMU,L16/44100,L16/48000");
	cfg.ptime_ms = 10;	/* 20 ms of the last two does not fit */
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off), NULL), 0);
	check_lines(off, want);
}
END_TEST

static int
process(const char *a)
{
	err[0] = '\0';
	return cp_sdp_process_answer(&cfg, &local, a, strlen(a), &res, err,
				     sizeof(err));
}

#define ANSWER_HEAD                                      \
	"v=0\r\no=- 5 5 IN IP4 198.51.100.20\r\ns=-\r\n" \
	"c=IN IP4 198.51.100.20\r\nt=0 0\r\n"

START_TEST(test_sdp_process_answer)
{
	ck_assert_int_eq(process(ANSWER_HEAD
				 "m=audio 7000 RTP/AVP 8 101\r\n"
				 "a=rtpmap:8 PCMA/8000\r\n"
				 "a=rtpmap:101 telephone-event/8000\r\n"
				 "a=ptime:30\r\n"),
			 0);
	ck_assert_uint_eq(res.codec, SHM_CODEC_PCMA);
	ck_assert_uint_eq(res.pt, 8);
	ck_assert_uint_eq(res.dtmf_pt, 101);
	ck_assert_uint_eq(res.ptime_ms, 20);	/* whole 20 ms ticks */
	ck_assert_uint_eq(res.dir, SHM_DIR_SENDRECV);
	ck_assert(!res.sdp_changed);
	check_remote("198.51.100.20", 7000);
	/* the answerer's first known codec; extra PTs ignored; recvonly */
	ck_assert_int_eq(process(ANSWER_HEAD
				 "m=audio 7000 RTP/AVP 18 13 0 8\r\n"
				 "a=recvonly\r\n"),
			 0);
	ck_assert_uint_eq(res.pt, 0);
	ck_assert_uint_eq(res.dtmf_pt, 0);
	ck_assert_uint_eq(res.dir, SHM_DIR_SENDONLY);
}
END_TEST

START_TEST(test_sdp_process_answer_l16_dynamic)
{
	prefs("L16/16000,PCMU");
	/* 96 mapped as offered, or without rtpmap (assumed as offered) */
	ck_assert_int_eq(process(ANSWER_HEAD
				 "m=audio 7000 RTP/AVP 96 101\r\n"
				 "a=rtpmap:96 L16/16000\r\n"
				 "a=rtpmap:101 telephone-event/16000\r\n"),
			 0);
	ck_assert_uint_eq(res.codec, SHM_CODEC_L16);
	ck_assert_uint_eq(res.rate_hz, 16000);
	ck_assert_uint_eq(res.pt, 96);
	ck_assert_uint_eq(res.dtmf_pt, 101);
	ck_assert_int_eq(process(ANSWER_HEAD "m=audio 7000 RTP/AVP 96\r\n"), 0);
	ck_assert_uint_eq(res.pt, 96);
	/* 96 remapped to another codec: not ours, PCMU taken instead */
	ck_assert_int_eq(process(ANSWER_HEAD
				 "m=audio 7000 RTP/AVP 96 0 102\r\n"
				 "a=rtpmap:96 opus/48000/2\r\n"
				 "a=rtpmap:102 telephone-event/8000\r\n"),
			 0);
	ck_assert_uint_eq(res.pt, 0);
	ck_assert_uint_eq(res.dtmf_pt, 102);
}
END_TEST

static const struct {
	const char *media;
	int rc;
	const char *err;
} bad_answers[] = {
	{ "", -EPROTO, "the answer has 0 m= lines, the offer had 1" },
	{ "m=audio 7000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n", -EPROTO,
	  "the answer has 2 m= lines, the offer had 1" },
	{ "m=video 7000 RTP/AVP 96\r\n", -EPROTO,
	  "line 6: the answer's m= line is not audio RTP/AVP like the "
	  "offer's: 'video 7000 RTP/AVP 96'" },
	{ "m=audio 0 RTP/AVP 0\r\n", -EMEDIUMTYPE,
	  "line 6: the answer rejected the audio stream (port 0)" },
	{ "m=audio 7000 RTP/AVP 18\r\n", -ENOTSUP,
	  "line 6: the answer has no codec of the offer" },
	{ "m=audio 7000 RTP/AVP 0\r\nc=IN IP6 ::1\r\n", -EAFNOSUPPORT,
	  "line 7: c= address is IP6 (the focus is IPv4 only)" },
};

START_TEST(test_sdp_process_answer_refused)
{
	char a[512];

	snprintf(a, sizeof(a), ANSWER_HEAD "%s", bad_answers[_i].media);
	ck_assert_int_eq(process(a), bad_answers[_i].rc);
	ck_assert_str_eq(err, bad_answers[_i].err);
	ck_assert_uint_eq(res.pt, 0xa5);
}
END_TEST

/* RFC 3264 section 6.1 from the offerer's side. */
START_TEST(test_sdp_process_answer_direction_rules)
{
	local.dir = SHM_DIR_SENDONLY; /* the focus holds the peer */
	ck_assert_int_eq(process(ANSWER_HEAD "m=audio 7000 RTP/AVP 0\r\n"
					     "a=sendrecv\r\n"),
			 -EPROTO);
	ck_assert_str_eq(err, "the answer's sendrecv does not fit the offer's "
			      "sendonly");
	ck_assert_int_eq(process(ANSWER_HEAD "m=audio 7000 RTP/AVP 0\r\n"
					     "a=recvonly\r\n"),
			 0);
	ck_assert_uint_eq(res.dir, SHM_DIR_SENDONLY);
	ck_assert(!res.held);
	local.dir = SHM_DIR_INACTIVE;
	ck_assert_int_eq(process(ANSWER_HEAD "m=audio 7000 RTP/AVP 0\r\n"
					     "a=recvonly\r\n"),
			 -EPROTO);
	ck_assert_int_eq(process(ANSWER_HEAD "m=audio 7000 RTP/AVP 0\r\n"
					     "a=inactive\r\n"),
			 0);
	ck_assert_uint_eq(res.dir, SHM_DIR_INACTIVE);
	ck_assert(res.held);
	/* an answer at 0.0.0.0: the focus sends nothing */
	local.dir = SHM_DIR_SENDRECV;
	ck_assert_int_eq(process("v=0\r\no=- 5 5 IN IP4 1.1.1.1\r\ns=-\r\n"
				 "c=IN IP4 0.0.0.0\r\nt=0 0\r\n"
				 "m=audio 7000 RTP/AVP 0\r\n"),
			 0);
	ck_assert_uint_eq(res.dir, SHM_DIR_RECVONLY);
}
END_TEST

/* The focus's offer answered by its own answerer: both ends agree. */
START_TEST(test_sdp_offer_answer_round_trip)
{
	static char off[CP_SDP_OUT_MAX];
	struct cp_sdp_sess peer;
	struct cp_sdp_result offered;

	prefs("L16/48000,PCMA");
	cfg.ptime_ms = 10;	/* 20 ms of L16/48000 does not fit */
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off), NULL), 0);
	cp_sdp_sess_init(&peer, 77, 1);
	ck_assert_int_eq(cp_sdp_answer(&cfg, &local, &peer, off, strlen(off),
				       &offered, ans, sizeof(ans), err,
				       sizeof(err)),
			 0);
	ck_assert_int_eq(process(ans), 0);
	ck_assert_uint_eq(res.codec, offered.codec);
	ck_assert_uint_eq(res.pt, offered.pt);
	ck_assert_uint_eq(res.pt, 96);
	ck_assert_uint_eq(res.dtmf_pt, offered.dtmf_pt);
	ck_assert_uint_eq(res.dtmf_pt, 101);
	ck_assert_uint_eq(res.rate_hz, 48000);
}
END_TEST

/* ---- SDES-SRTP (RFC 4568, RFC 3711) ---- */

#define SUITE80 "AES_CM_128_HMAC_SHA1_80"
#define SUITE32 "AES_CM_128_HMAC_SHA1_32"

/* RFC 4568 section 7's example key and salt: 30 bytes of ASCII. */
#define PEER_KEY64 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
static const char peer_key[] = "YS___semctl () {\t220;}\n}\nunles";

/* RFC 4568 section 4's example key and salt. */
#define PEER_KEY2_64 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
static const char peer_key2[] = "=-n@%^x!Bjufr9)?,#5h\\`=&]{qiPQ";

/* The focus's key of srtp_on(), bytes 1 to 30, in base64. */
#define LOCAL_KEY64 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"

#define NO_CRYPTO                                                     \
	"line 6: no a=crypto with a supported suite "                 \
	"(AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32)"

/* An RTP/SAVP line 6 with one a=crypto (line 7) of value v. */
#define SAVP_CRYPTO(v) "m=audio 5000 RTP/SAVP 0\r\na=crypto:" v "\r\n"

static void
srtp_on(uint8_t mode)
{
	cfg.srtp = mode;
	local.secure = true;
	for (int i = 0; i < SHM_SRTP_KEY_BYTES; i++)
		local.srtp_key[i] = (uint8_t)(i + 1);
}

static void
check_no_srtp(void)
{
	static const uint8_t zero[SHM_SRTP_KEY_BYTES];

	ck_assert_uint_eq(res.srtp_suite, SHM_SRTP_NONE);
	ck_assert_uint_eq(res.srtp_tag, 0);
	ck_assert_int_eq(memcmp(res.srtp_key_rx, zero, sizeof(zero)), 0);
}

/* The first a=crypto the focus can use, in the offer's order: an unknown
 * suite is skipped; the answer echoes its tag and suite with our key. */
START_TEST(test_sdp_srtp_answers_first_usable_crypto)
{
	static const char offer[] =
		GOOD_HEAD "m=audio 5000 RTP/SAVP 0 101\r\n"
			  "a=rtpmap:101 telephone-event/8000\r\n"
			  "a=crypto:1 AES_256_CM_HMAC_SHA1_80 "
			  "inline:" PEER_KEY2_64 "\r\n"
			  "a=crypto:7 " SUITE32 " inline:" PEER_KEY64 "\r\n"
			  "a=crypto:2 " SUITE80 " inline:" PEER_KEY2_64 "\r\n"
			  "a=sendrecv\r\n";
	static const char *const want[] = {
		STD_HEAD,
		"m=audio 40000 RTP/SAVP 0 101",
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-15",
		"a=ptime:20",
		"a=sendrecv",
		"a=crypto:7 " SUITE32 " inline:" LOCAL_KEY64,
		NULL,
	};

	srtp_on((uint8_t)_i);
	answer_ok(offer);
	check_lines(ans, want);
	ck_assert_uint_eq(res.srtp_suite, SHM_SRTP_AES_CM_128_HMAC_SHA1_32);
	ck_assert_uint_eq(res.srtp_tag, 7);
	ck_assert_int_eq(memcmp(res.srtp_key_rx, peer_key, 30), 0);
	ck_assert_uint_eq(res.codec, SHM_CODEC_PCMU);
	ck_assert_uint_eq(res.dtmf_pt, 101);
	ck_assert(res.sdp_changed);
	check_remote("10.0.0.1", 5000);
}
END_TEST

/* Forms of a=crypto that are accepted: a lifetime of 2^31 or more, the
 * longest tag, tabs between fields, "inline" in any case (ABNF). */
static const struct {
	const char *crypto;
	uint32_t tag;
} srtp_ok[] = {
	{ "1 " SUITE80 " inline:" PEER_KEY64, 1 },
	{ "1 " SUITE80 " inline:" PEER_KEY64 "|2^31", 1 },
	{ "1 " SUITE80 " inline:" PEER_KEY64 "|2147483648", 1 },
	{ "1 " SUITE80 " inline:" PEER_KEY64 "|2^48", 1 },
	{ "999999999 " SUITE80 " inline:" PEER_KEY64, 999999999 },
	{ "5\t" SUITE80 "\tINLINE:" PEER_KEY64, 5 },
};

START_TEST(test_sdp_srtp_accepts_key_forms)
{
	char offer[512], want[128];

	srtp_on(CP_SDP_SRTP_OPTIONAL);
	snprintf(offer, sizeof(offer), GOOD_HEAD SAVP_CRYPTO("%s"),
		 srtp_ok[_i].crypto);
	answer_ok(offer);
	ck_assert_uint_eq(res.srtp_suite, SHM_SRTP_AES_CM_128_HMAC_SHA1_80);
	ck_assert_uint_eq(res.srtp_tag, srtp_ok[_i].tag);
	ck_assert_int_eq(memcmp(res.srtp_key_rx, peer_key, 30), 0);
	/* the answer has neither lifetime nor MKI */
	snprintf(want, sizeof(want), "\r\na=crypto:%u " SUITE80
		 " inline:" LOCAL_KEY64 "\r\n", srtp_ok[_i].tag);
	ck_assert_ptr_nonnull(strstr(ans, want));
}
END_TEST

static const struct {
	uint8_t mode;	/* enum cp_sdp_srtp_mode */
	bool secure;
	const char *media;
	int rc;
	const char *err;
} srtp_refused[] = {
	/* policy and transport */
	{ CP_SDP_SRTP_OFF, true, SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64),
	  -EPROTONOSUPPORT, "line 6: SRTP is off (RTP/SAVP refused)" },
	{ CP_SDP_SRTP_OPTIONAL, false,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64), -EPROTONOSUPPORT,
	  "line 6: RTP/SAVP needs SIP over TLS for its keys" },
	{ CP_SDP_SRTP_MANDATORY, false,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64), -EPROTONOSUPPORT,
	  "line 6: RTP/SAVP needs SIP over TLS for its keys" },
	{ CP_SDP_SRTP_MANDATORY, true, "m=audio 5000 RTP/AVP 0\r\n",
	  -EPROTONOSUPPORT, "line 6: SRTP is required (RTP/AVP refused)" },
	{ CP_SDP_SRTP_MANDATORY, true,
	  "m=audio 5000 RTP/AVP 0\r\na=crypto:1 " SUITE80 " inline:" PEER_KEY64
	  "\r\n",
	  -EPROTONOSUPPORT, "line 6: SRTP is required (RTP/AVP refused)" },
	{ CP_SDP_SRTP_OPTIONAL, true, "m=audio 5000 RTP/SAVPF 0\r\n",
	  -EPROTONOSUPPORT, "line 6: transport RTP/SAVPF is not supported "
			    "(RTP/AVP or RTP/SAVP only)" },
	{ CP_SDP_SRTP_MANDATORY, true, "m=audio 5000 UDP/TLS/RTP/SAVP 0\r\n",
	  -EPROTONOSUPPORT, "line 6: transport UDP/TLS/RTP/SAVP is not "
			    "supported (RTP/SAVP only)" },
	/* no a=crypto of a suite of ours; malformed ones are just unusable */
	{ CP_SDP_SRTP_OPTIONAL, true, "m=audio 5000 RTP/SAVP 0\r\n",
	  -EPROTONOSUPPORT, NO_CRYPTO },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  "m=audio 5000 RTP/SAVP 0\r\n"
	  "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" PEER_KEY64 "\r\n"
	  "a=crypto:2 aes_cm_128_hmac_sha1_80 inline:" PEER_KEY64 "\r\n"
	  "a=crypto:3 F8_128_HMAC_SHA1_80 inline:" PEER_KEY64 "\r\n"
	  "a=crypto:4\r\n"
	  "a=crypto:\r\n"
	  "a=crypto\r\n",
	  -EPROTONOSUPPORT, NO_CRYPTO },
	/* a suite of ours, the rest not acceptable */
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64 "|2^20"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: lifetime '2^20' is not 2^31 or more" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64 "|1048576"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: lifetime '1048576' is not 2^31 or "
	  "more" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64 "|2147483647"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: lifetime '2147483647' is not 2^31 or "
	  "more" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64 "|2^"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: lifetime '2^' is not 2^31 or more" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64 "|2^31|1:4"),
	  -EPROTONOSUPPORT, "line 7: a=crypto refused: MKI is not supported" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64 "|1:4"),
	  -EPROTONOSUPPORT, "line 7: a=crypto refused: MKI is not supported" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64 " UNENCRYPTED_SRTP"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: session parameter 'UNENCRYPTED_SRTP' "
	  "is not supported" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64 " KDR=0"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: session parameter 'KDR=0' is not "
	  "supported" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64 " WSH=128"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: session parameter 'WSH=128' is not "
	  "supported" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64
		      " FEC_ORDER=FEC_SRTP"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: session parameter 'FEC_ORDER=FEC_SRTP' "
	  "is not supported" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80 " inline:" PEER_KEY64
		      ";inline:" PEER_KEY2_64),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: more than one key parameter" },
	{ CP_SDP_SRTP_OPTIONAL, true, SAVP_CRYPTO("1 " SUITE80 " uri:sip:k"),
	  -EPROTONOSUPPORT, "line 7: a=crypto refused: key method is not "
			    "inline:" },
	{ CP_SDP_SRTP_OPTIONAL, true, SAVP_CRYPTO("1 " SUITE80),
	  -EPROTONOSUPPORT, "line 7: a=crypto refused: no key parameter" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("0 " SUITE80 " inline:" PEER_KEY64), -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: tag '0' is not 1 to 999999999" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1234567890 " SUITE80 " inline:" PEER_KEY64),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: tag '1234567890' is not 1 to "
	  "999999999" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("0000000001 " SUITE80 " inline:" PEER_KEY64),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: tag '0000000001' is not 1 to "
	  "999999999" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("x1 " SUITE80 " inline:" PEER_KEY64), -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: tag 'x1' is not 1 to 999999999" },
	/* base64: bad characters (URL-safe alphabet too), misplaced '=',
	 * bits past the last byte, and lengths other than 30 */
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80
		      " inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGV!"),
	  -EPROTONOSUPPORT, "line 7: a=crypto refused: key is not base64" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80
		      " inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGV-"),
	  -EPROTONOSUPPORT, "line 7: a=crypto refused: key is not base64" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80
		      " inline:AQ==AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRob"),
	  -EPROTONOSUPPORT, "line 7: a=crypto refused: key is not base64" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80
		      " inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobH==="),
	  -EPROTONOSUPPORT, "line 7: a=crypto refused: key is not base64" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80
		      " inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB1"),
	  -EPROTONOSUPPORT, "line 7: a=crypto refused: key is not base64" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80
		      " inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0="),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: key and salt are 29 bytes, not 30" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80
		      " inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: key and salt are 29 bytes, not 30" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE80
		      " inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw=="),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: key and salt are 31 bytes, not 30" },
	{ CP_SDP_SRTP_OPTIONAL, true,
	  SAVP_CRYPTO("1 " SUITE32 " inline:AQIDBAUGBwgJCgsMDQ4PEA=="),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: key and salt are 16 bytes, not 30" },
	{ CP_SDP_SRTP_OPTIONAL, true, SAVP_CRYPTO("1 " SUITE80 " inline:"),
	  -EPROTONOSUPPORT,
	  "line 7: a=crypto refused: key and salt are 0 bytes, not 30" },
	/* the first refused a=crypto of a suite of ours is the reason */
	{ CP_SDP_SRTP_OPTIONAL, true,
	  "m=audio 5000 RTP/SAVP 0\r\n"
	  "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" PEER_KEY64 "\r\n"
	  "a=crypto:2 " SUITE80 " inline:" PEER_KEY64 "|1:4\r\n"
	  "a=crypto:3 " SUITE32 " inline:" PEER_KEY64 " KDR=1\r\n",
	  -EPROTONOSUPPORT, "line 8: a=crypto refused: MKI is not supported" },
	/* RTP/SAVP's formats are payload types (RFC 4566 section 5.14) */
	{ CP_SDP_SRTP_OPTIONAL, true, "m=audio 5000 RTP/SAVP abc\r\n", -EPROTO,
	  "line 6: m= format 'abc' is not an RTP payload type" },
	{ CP_SDP_SRTP_OFF, true, "m=audio 5000 RTP/SAVP abc\r\n",
	  -EPROTONOSUPPORT, "line 6: SRTP is off (RTP/SAVP refused)" },
};

START_TEST(test_sdp_srtp_refused)
{
	char offer[1024];
	int rc;

	srtp_on(srtp_refused[_i].mode);
	local.secure = srtp_refused[_i].secure;
	snprintf(offer, sizeof(offer), GOOD_HEAD "%s", srtp_refused[_i].media);
	rc = answer(offer);
	ck_assert_int_eq(rc, srtp_refused[_i].rc);
	ck_assert_str_eq(err, srtp_refused[_i].err);
	if (rc == -EPROTONOSUPPORT) {
		ck_assert_int_eq(cp_sdp_sip_status(rc), 488);
		ck_assert_int_eq(cp_sdp_warning_code(rc), 302);
	} else {
		ck_assert_int_eq(cp_sdp_sip_status(rc), 400);
	}
	ck_assert(!sess.sent);
	ck_assert_uint_eq(res.pt, 0xa5); /* res untouched */
	ck_assert_uint_eq(res.srtp_suite, 0xa5);
}
END_TEST

/* MANDATORY skips an RTP/AVP stream for a later RTP/SAVP one; OPTIONAL
 * takes the first acceptable, whichever its transport. */
START_TEST(test_sdp_srtp_policy_picks_stream)
{
	static const char avp_first[] =
		GOOD_HEAD "m=audio 5000 RTP/AVP 0\r\n"
			  "m=audio 5002 RTP/SAVP 8\r\n"
			  "a=crypto:3 " SUITE80 " inline:" PEER_KEY64 "\r\n";
	static const char savp_first[] =
		GOOD_HEAD "m=audio 5002 RTP/SAVP 8\r\n"
			  "a=crypto:3 " SUITE80 " inline:" PEER_KEY64 "\r\n"
			  "m=audio 5000 RTP/AVP 0\r\n";
	static const char *const want_m[] = {
		STD_HEAD,
		"m=audio 0 RTP/AVP 0",
		"m=audio 40000 RTP/SAVP 8",
		"a=rtpmap:8 PCMA/8000",
		"a=ptime:20",
		"a=sendrecv",
		"a=crypto:3 " SUITE80 " inline:" LOCAL_KEY64,
		NULL,
	};
	static const char *const want_o[] = {
		STD_HEAD,
		"m=audio 40000 RTP/AVP 0",
		"a=rtpmap:0 PCMU/8000",
		"a=ptime:20",
		"a=sendrecv",
		"m=audio 0 RTP/SAVP 8",
		NULL,
	};

	srtp_on(CP_SDP_SRTP_MANDATORY);
	answer_ok(avp_first);
	check_lines(ans, want_m);
	ck_assert_uint_eq(res.media_idx, 1);
	ck_assert_uint_eq(res.srtp_tag, 3);
	ck_assert_uint_eq(res.srtp_suite, SHM_SRTP_AES_CM_128_HMAC_SHA1_80);
	check_remote("10.0.0.1", 5002);
	cp_sdp_sess_init(&sess, 1000, 1);
	cfg.srtp = CP_SDP_SRTP_OPTIONAL;
	answer_ok(avp_first);
	check_lines(ans, want_o);
	ck_assert_uint_eq(res.media_idx, 0);
	check_no_srtp();
	answer_ok(savp_first);
	ck_assert_uint_eq(res.media_idx, 0);
	ck_assert_uint_eq(res.srtp_tag, 3);
	/* not over TLS: the RTP/SAVP stream is not acceptable */
	local.secure = false;
	answer_ok(savp_first);
	ck_assert_uint_eq(res.media_idx, 1);
	check_no_srtp();
}
END_TEST

/* An RTP/AVP stream with a=crypto is plain RTP: the keys are ignored. */
START_TEST(test_sdp_srtp_avp_with_crypto_is_plain)
{
	static const char offer[] =
		GOOD_HEAD "m=audio 5000 RTP/AVP 0\r\n"
			  "a=crypto:1 " SUITE80 " inline:" PEER_KEY64 "\r\n";
	static const char *const want[] = {
		STD_HEAD,
		"m=audio 40000 RTP/AVP 0",
		"a=rtpmap:0 PCMU/8000",
		"a=ptime:20",
		"a=sendrecv",
		NULL,
	};

	srtp_on(CP_SDP_SRTP_OPTIONAL);
	answer_ok(offer);
	check_lines(ans, want);
	check_no_srtp();
	cfg.srtp = CP_SDP_SRTP_OFF;
	answer_ok(offer);
	check_lines(ans, want);
	check_no_srtp();
}
END_TEST

#define SRTP_REOFFER(tag, suite, key)                                  \
	GOOD_HEAD "m=audio 5000 RTP/SAVP 0\r\na=crypto:" tag " " suite \
		  " inline:" key "\r\n"

/* The peer's new key in a re-offer is taken; the focus's answer, with
 * its key for the dialog, stays the same and so does its o= version. */
START_TEST(test_sdp_srtp_reoffer_versions)
{
	srtp_on(CP_SDP_SRTP_MANDATORY);
	answer_ok(SRTP_REOFFER("1", SUITE80, PEER_KEY64));
	ck_assert(res.sdp_changed);
	ck_assert_int_eq(memcmp(res.srtp_key_rx, peer_key, 30), 0);
	answer_ok(SRTP_REOFFER("1", SUITE80, PEER_KEY64));
	ck_assert(!res.sdp_changed);
	answer_ok(SRTP_REOFFER("1", SUITE80, PEER_KEY2_64));
	ck_assert(!res.sdp_changed);
	ck_assert_int_eq(memcmp(res.srtp_key_rx, peer_key2, 30), 0);
	ck_assert_ptr_nonnull(strstr(ans, "o=tutti 1000 1 IN"));
	/* another tag and suite: another crypto line, version 2 */
	answer_ok(SRTP_REOFFER("2", SUITE32, PEER_KEY2_64));
	ck_assert(res.sdp_changed);
	ck_assert_uint_eq(res.srtp_tag, 2);
	ck_assert_ptr_nonnull(strstr(ans, "o=tutti 1000 2 IN"));
	/* a new key of the focus's: version 3 */
	local.srtp_key[0] ^= 0xff;
	answer_ok(SRTP_REOFFER("2", SUITE32, PEER_KEY2_64));
	ck_assert(res.sdp_changed);
	ck_assert_ptr_nonnull(strstr(ans, "o=tutti 1000 3 IN"));
	ck_assert_ptr_null(strstr(ans, LOCAL_KEY64));
}
END_TEST

START_TEST(test_sdp_srtp_offer)
{
	static char off[CP_SDP_OUT_MAX], plain[CP_SDP_OUT_MAX];
	static const char *const want[] = {
		STD_HEAD,
		"m=audio 40000 RTP/SAVP 0 8 101",
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-15",
		"a=ptime:20",
		"a=sendrecv",
		"a=crypto:1 " SUITE80 " inline:" LOCAL_KEY64,
		"a=crypto:2 " SUITE32 " inline:" LOCAL_KEY64,
		NULL,
	};
	struct cp_sdp_sess before, fresh;
	bool changed = false;

	fresh = sess;
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, plain, sizeof(plain), NULL),
		0);
	srtp_on(CP_SDP_SRTP_MANDATORY);
	sess = fresh;
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off), &changed),
		0);
	check_lines(off, want);
	ck_assert(changed);
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off), &changed),
		0);
	ck_assert(!changed);
	/* no keys over a hop that is not TLS: nothing written or changed */
	local.secure = false;
	before = sess;
	off[0] = 'X';
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off), &changed),
		-EPROTONOSUPPORT);
	ck_assert_int_eq(memcmp(&before, &sess, sizeof(sess)), 0);
	ck_assert_int_eq(off[0], 'X');
	/* OPTIONAL offers plain RTP/AVP, as OFF does */
	local.secure = true;
	cfg.srtp = CP_SDP_SRTP_OPTIONAL;
	sess = fresh;
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off), NULL), 0);
	ck_assert_str_eq(off, plain);
	ck_assert_ptr_null(strstr(off, "crypto"));
}
END_TEST

/* cp_sdp_own_key(): the focus's key read back from an offer and an
 * answer it wrote (a restarted tutti-cp's); -ENOENT without one. */
START_TEST(test_sdp_srtp_own_key)
{
	static char off[CP_SDP_OUT_MAX];
	uint8_t k[SHM_SRTP_KEY_BYTES];

	ck_assert_int_eq(cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off),
				      NULL), 0);
	ck_assert_int_eq(cp_sdp_own_key(off, k), -ENOENT);	/* plain */
	ck_assert_int_eq(cp_sdp_own_key(NULL, k), -ENOENT);
	srtp_on(CP_SDP_SRTP_MANDATORY);
	ck_assert_int_eq(cp_sdp_offer(&cfg, &local, &sess, off, sizeof(off),
				      NULL), 0);
	memset(k, 0, sizeof(k));
	ck_assert_int_eq(cp_sdp_own_key(off, k), 0);
	ck_assert_int_eq(memcmp(k, local.srtp_key, sizeof(k)), 0);
	ck_assert_int_eq(answer(GOOD_HEAD SAVP_CRYPTO("7 " SUITE32 " inline:"
						      PEER_KEY64)), 0);
	memset(k, 0, sizeof(k));
	ck_assert_int_eq(cp_sdp_own_key(ans, k), 0);
	ck_assert_int_eq(memcmp(k, local.srtp_key, sizeof(k)), 0);
	/* a key not of 30 bytes is none */
	ck_assert_int_eq(cp_sdp_own_key("v=0\r\na=crypto:1 " SUITE80
					" inline:QUJD\r\n", k), -ENOENT);
}
END_TEST

START_TEST(test_sdp_srtp_process_answer)
{
	srtp_on(CP_SDP_SRTP_MANDATORY);
	ck_assert_int_eq(process(ANSWER_HEAD
				 "m=audio 7000 RTP/SAVP 0\r\n"
				 "a=crypto:1 " SUITE80 " inline:" PEER_KEY64
				 "\r\n"),
			 0);
	ck_assert_uint_eq(res.srtp_suite, SHM_SRTP_AES_CM_128_HMAC_SHA1_80);
	ck_assert_uint_eq(res.srtp_tag, 1);
	ck_assert_int_eq(memcmp(res.srtp_key_rx, peer_key, 30), 0);
	ck_assert_uint_eq(res.pt, 0);
	check_remote("198.51.100.20", 7000);
	ck_assert_int_eq(process(ANSWER_HEAD
				 "m=audio 7000 RTP/SAVP 8\r\n"
				 "a=sendrecv\r\n"
				 "a=crypto:2 " SUITE32 " inline:" PEER_KEY2_64
				 "|2^31\r\n"),
			 0);
	ck_assert_uint_eq(res.srtp_suite, SHM_SRTP_AES_CM_128_HMAC_SHA1_32);
	ck_assert_uint_eq(res.srtp_tag, 2);
	ck_assert_int_eq(memcmp(res.srtp_key_rx, peer_key2, 30), 0);
	ck_assert_uint_eq(res.pt, 8);
	/* to the plain offer of OPTIONAL, a=crypto is ignored */
	cfg.srtp = CP_SDP_SRTP_OPTIONAL;
	ck_assert_int_eq(process(ANSWER_HEAD
				 "m=audio 7000 RTP/AVP 0\r\n"
				 "a=crypto:1 " SUITE80 " inline:" PEER_KEY64
				 "\r\n"),
			 0);
	check_no_srtp();
}
END_TEST

static const struct {
	const char *media;
	int rc;
	const char *err;
} srtp_bad_answers[] = {
	{ "m=audio 7000 RTP/SAVP 0\r\na=crypto:3 " SUITE80 " inline:" PEER_KEY64
	  "\r\n",
	  -EPROTO, "line 7: a=crypto tag 3 was not offered (1 or 2)" },
	{ "m=audio 7000 RTP/SAVP 0\r\na=crypto:1 " SUITE32 " inline:" PEER_KEY64
	  "\r\n",
	  -EPROTO, "line 7: a=crypto:1 is AES_CM_128_HMAC_SHA1_32, the offer's "
		   "tag 1 was AES_CM_128_HMAC_SHA1_80" },
	{ "m=audio 7000 RTP/SAVP 0\r\na=crypto:2 " SUITE80 " inline:" PEER_KEY64
	  "\r\n",
	  -EPROTO, "line 7: a=crypto:2 is AES_CM_128_HMAC_SHA1_80, the offer's "
		   "tag 2 was AES_CM_128_HMAC_SHA1_32" },
	{ "m=audio 7000 RTP/SAVP 0\r\n", -EPROTO,
	  "line 6: the answer has no a=crypto" },
	{ "m=audio 7000 RTP/SAVP 0\r\na=crypto:1 " SUITE80 " inline:" PEER_KEY64
	  "\r\na=crypto:2 " SUITE32 " inline:" PEER_KEY64 "\r\n",
	  -EPROTO, "line 8: a second a=crypto in the answer" },
	{ "m=audio 7000 RTP/SAVP 0\r\na=crypto:1 " SUITE80 " inline:" PEER_KEY64
	  "|2^31|1:4\r\n",
	  -EPROTO, "line 7: a=crypto refused: MKI is not supported" },
	{ "m=audio 7000 RTP/SAVP 0\r\na=crypto:1 AES_256_CM_HMAC_SHA1_80 "
	  "inline:" PEER_KEY64 "\r\n",
	  -EPROTO, "line 7: a=crypto without a suite of the offer: "
		   "'1 AES_256_CM_HMAC_SHA1_8...'" },
	{ "m=audio 7000 RTP/AVP 0\r\n", -EPROTONOSUPPORT,
	  "line 6: the answer is RTP/AVP, the offer RTP/SAVP (SRTP is "
	  "required)" },
	{ "m=audio 7000 RTP/SAVPF 0\r\na=crypto:1 " SUITE80
	  " inline:" PEER_KEY64 "\r\n",
	  -EPROTO, "line 6: the answer's m= line is not audio RTP/SAVP like "
		   "the offer's: 'audio 7000 RTP/SAVPF 0'" },
	{ "m=audio 7000 RTP/SAVP x\r\na=crypto:1 " SUITE80 " inline:" PEER_KEY64
	  "\r\n",
	  -EPROTO, "line 6: m= format 'x' is not an RTP payload type" },
	{ "m=audio 0 RTP/SAVP 0\r\n", -EMEDIUMTYPE,
	  "line 6: the answer rejected the audio stream (port 0)" },
};

START_TEST(test_sdp_srtp_process_answer_refused)
{
	char a[512];

	srtp_on(CP_SDP_SRTP_MANDATORY);
	snprintf(a, sizeof(a), ANSWER_HEAD "%s", srtp_bad_answers[_i].media);
	ck_assert_int_eq(process(a), srtp_bad_answers[_i].rc);
	ck_assert_str_eq(err, srtp_bad_answers[_i].err);
	ck_assert_uint_eq(res.pt, 0xa5);
}
END_TEST

/* Answers that do not fit how the offer was made. */
START_TEST(test_sdp_srtp_process_answer_wrong_offer)
{
	static const char savp[] = ANSWER_HEAD
		"m=audio 7000 RTP/SAVP 0\r\n"
		"a=crypto:1 " SUITE80 " inline:" PEER_KEY64 "\r\n";

	/* MANDATORY without TLS: no offer can have been sent */
	srtp_on(CP_SDP_SRTP_MANDATORY);
	local.secure = false;
	ck_assert_int_eq(process(savp), -EPROTONOSUPPORT);
	ck_assert_str_eq(err, "RTP/SAVP needs SIP over TLS for its keys");
	/* OPTIONAL offered RTP/AVP: an RTP/SAVP answer breaks RFC 3264 */
	local.secure = true;
	cfg.srtp = CP_SDP_SRTP_OPTIONAL;
	ck_assert_int_eq(process(savp), -EPROTO);
	ck_assert_str_eq(err, "line 6: the answer's m= line is not audio "
			      "RTP/AVP like the offer's: 'audio 7000 "
			      "RTP/SAVP 0'");
	ck_assert_uint_eq(res.pt, 0xa5);
}
END_TEST

/* The focus's SRTP offer answered by its own answerer, for many keys (all
 * of base64's alphabet): each end gets the other's key. */
START_TEST(test_sdp_srtp_round_trip_keys)
{
	static char off[CP_SDP_OUT_MAX];
	struct cp_sdp_local peer;
	struct cp_sdp_sess peer_sess;
	struct cp_sdp_result offered;
	uint32_t x = 0x2545f491u;

	srtp_on(CP_SDP_SRTP_MANDATORY);
	peer = local;
	peer.port = 40002;
	for (int round = 0; round < 300; round++) {
		for (int i = 0; i < SHM_SRTP_KEY_BYTES; i++) {
			x = x * 1103515245u + 12345u;
			local.srtp_key[i] = (uint8_t)(x >> 16);
			x = x * 1103515245u + 12345u;
			peer.srtp_key[i] = (uint8_t)(x >> 16);
			if (round == 0)
				local.srtp_key[i] = 0xff;
			if (round == 1)
				peer.srtp_key[i] = "\xfb\xef\xbe"[i % 3];
		}
		ck_assert_int_eq(cp_sdp_offer(&cfg, &local, &sess, off,
					      sizeof(off), NULL),
				 0);
		cp_sdp_sess_init(&peer_sess, 77, 1);
		ck_assert_int_eq(cp_sdp_answer(&cfg, &peer, &peer_sess, off,
					       strlen(off), &offered, ans,
					       sizeof(ans), err, sizeof(err)),
				 0);
		ck_assert_uint_eq(offered.srtp_tag, 1);
		ck_assert_int_eq(memcmp(offered.srtp_key_rx, local.srtp_key,
					SHM_SRTP_KEY_BYTES),
				 0);
		ck_assert_int_eq(process(ans), 0);
		ck_assert_uint_eq(res.srtp_tag, 1);
		ck_assert_uint_eq(res.srtp_suite,
				  SHM_SRTP_AES_CM_128_HMAC_SHA1_80);
		ck_assert_int_eq(memcmp(res.srtp_key_rx, peer.srtp_key,
					SHM_SRTP_KEY_BYTES),
				 0);
		if (round == 0)
			ck_assert_ptr_nonnull(strstr(off, "inline:////////"));
		if (round == 1)
			ck_assert_ptr_nonnull(strstr(ans, "inline:++++++++"));
	}
}
END_TEST

START_TEST(test_sdp_srtp_result_to_leg)
{
	struct shm_msg_leg leg;

	memset(&leg, 0, sizeof(leg));
	leg.flags = SHM_LEG_MUTE | SHM_LEG_LATCH;
	srtp_on(CP_SDP_SRTP_OPTIONAL);
	answer_ok(SRTP_REOFFER("1", SUITE80, PEER_KEY64));
	cp_sdp_result_to_leg(&res, &leg);
	ck_assert_uint_eq(leg.flags,
			  SHM_LEG_MUTE | SHM_LEG_LATCH | SHM_LEG_SRTP);
	answer_ok(GOOD_HEAD "m=audio 5000 RTP/AVP 0\r\n");
	cp_sdp_result_to_leg(&res, &leg);
	ck_assert_uint_eq(leg.flags, SHM_LEG_MUTE | SHM_LEG_LATCH);
}
END_TEST

START_TEST(test_sdp_srtp_mode_checked)
{
	struct cp_sdp_cfg fresh;

	cp_sdp_cfg_init(&fresh);
	ck_assert_uint_eq(fresh.srtp, CP_SDP_SRTP_OFF);
	cfg.srtp = CP_SDP_SRTP_MANDATORY + 1;
	ck_assert_int_eq(cp_sdp_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "configured SRTP mode 3 is invalid");
	ck_assert_int_eq(answer(linphone_offer), -EINVAL);
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, ans, sizeof(ans), NULL),
		-EINVAL);
}
END_TEST

/* Every truncation of an offer with a=crypto: no read past the end. */
START_TEST(test_sdp_srtp_every_truncation)
{
	static const char offer[] =
		GOOD_HEAD "m=audio 5000 RTP/SAVP 0\r\n"
			  "a=crypto:1 " SUITE80 " inline:" PEER_KEY64
			  "|2^31\r\n"
			  "a=crypto:22 " SUITE32 " inline:" PEER_KEY2_64 "\r\n";

	srtp_on(CP_SDP_SRTP_OPTIONAL);
	every_truncation(offer, -EPROTONOSUPPORT);
	ck_assert_uint_eq(res.srtp_tag, 1);
}
END_TEST

/* ---- configuration and glue ---- */

static const struct {
	const char *list;
	const char *err;
} bad_lists[] = {
	{ "", "empty codec list" },
	{ "G722", "unknown codec 'G722' (PCMU, PCMA, L16/<rate>)" },
	{ "PCMU,L16", "L16 needs its rate: L16/8000, /16000, /32000, /44100 "
		      "or /48000" },
	{ "L16/22050", "L16 does not run at 22050 Hz" },
	{ "PCMU/16000", "PCMU does not run at 16000 Hz" },
	{ "PCMU/x", "bad rate in 'PCMU/x'" },
	{ "pcmu, PCMU/8000", "'PCMU/8000' is listed twice" },
	{ "PCMU,,PCMA", "unknown codec '' (PCMU, PCMA, L16/<rate>)" },
};

START_TEST(test_sdp_cfg_codec_lists)
{
	struct cp_sdp_cfg before;

	prefs(" PCMA/8000 ,l16/32000,L16/8000,pcmu ");
	ck_assert_uint_eq(cfg.n_prefs, 4);
	ck_assert_uint_eq(cfg.prefs[0].codec, SHM_CODEC_PCMA);
	ck_assert_uint_eq(cfg.prefs[1].codec, SHM_CODEC_L16);
	ck_assert_uint_eq(cfg.prefs[1].rate_hz, 32000);
	ck_assert_uint_eq(cfg.prefs[2].rate_hz, 8000);
	ck_assert_uint_eq(cfg.prefs[3].codec, SHM_CODEC_PCMU);
	before = cfg;
	for (size_t i = 0; i < sizeof(bad_lists) / sizeof(bad_lists[0]); i++) {
		ck_assert_int_eq(cp_sdp_cfg_set_codecs(&cfg, bad_lists[i].list,
						       err, sizeof(err)),
				 -EINVAL);
		ck_assert_str_eq(err, bad_lists[i].err);
		ck_assert_int_eq(memcmp(&before, &cfg, sizeof(cfg)), 0);
	}
}
END_TEST

START_TEST(test_sdp_bad_arguments)
{
	ck_assert_int_eq(cp_sdp_answer(&cfg, &local, &sess, NULL, 1, &res, ans,
				       sizeof(ans), err, sizeof(err)),
			 -EINVAL);
	local.port = 0;
	ck_assert_int_eq(answer(linphone_offer), -EINVAL);
	ck_assert_str_eq(err, "local address, port or direction is invalid");
	local.port = 40000;
	local.addr[10] = 0;
	ck_assert_int_eq(
		cp_sdp_offer(&cfg, &local, &sess, ans, sizeof(ans), NULL),
		-EINVAL);
	local.addr[10] = 0xff;
	cfg.ptime_ms = 25;
	ck_assert_int_eq(answer(linphone_offer), -EINVAL);
	ck_assert_str_eq(err, "configured ptime 25 is not 10, 20, 30 or 40");
	cfg.ptime_ms = 20;
	snprintf(cfg.user, sizeof(cfg.user), "two words");
	ck_assert_int_eq(answer(linphone_offer), -EINVAL);
	ck_assert_str_eq(err, "configured o= user or s= text is invalid");
	snprintf(cfg.user, sizeof(cfg.user), "tutti");
	snprintf(cfg.session, sizeof(cfg.session), "x\r\nm=video 1 RTP/AVP 0");
	ck_assert_int_eq(answer(linphone_offer), -EINVAL);
	cfg.session[0] = '\0'; /* s= must not be empty (RFC 4566) */
	ck_assert_int_eq(answer(linphone_offer), -EINVAL);
	cfg.ptime_ms = 25;
	ck_assert_int_eq(cp_sdp_sip_status(-EINVAL), 500);
	ck_assert_int_eq(cp_sdp_warning_code(-EPROTO), 0);
	/* err may be absent */
	ck_assert_int_eq(cp_sdp_answer(&cfg, &local, &sess, "x", 1, &res, ans,
				       sizeof(ans), NULL, 0),
			 -EINVAL);
}
END_TEST

START_TEST(test_sdp_result_to_leg)
{
	struct shm_msg_leg leg;

	memset(&leg, 0x5a, sizeof(leg));
	answer_ok(linphone_offer);
	cp_sdp_result_to_leg(&res, &leg);
	ck_assert_uint_eq(leg.codec, SHM_CODEC_PCMU);
	ck_assert_uint_eq(leg.pt, 0);
	ck_assert_uint_eq(leg.dtmf_pt, 100);
	ck_assert_uint_eq(leg.dir, SHM_DIR_SENDRECV);
	ck_assert_uint_eq(leg.rate_hz, 8000);
	ck_assert_uint_eq(leg.ptime_ms, 20);
	ck_assert_uint_eq(leg.remote_port, htons(7078));
	ck_assert_int_eq(memcmp(leg.addr, res.addr, 16), 0);
	/* the cp's own fields are not touched; SHM_LEG_SRTP (0x10) is
	 * cleared for plain RTP */
	ck_assert_uint_eq(leg.leg_id, 0x5a5a5a5a);
	ck_assert_uint_eq(leg.local_port, 0x5a5a);
	ck_assert_uint_eq(leg.flags, 0x5a & ~SHM_LEG_SRTP);
}
END_TEST

/* A test case of s, each test starting from setup(). */
static TCase *
new_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, NULL);
	suite_add_tcase(s, tc);
	return tc;
}

Suite *
test_suite(void)
{
	Suite *s = suite_create("sdp");
	TCase *tc;

	tc = new_tcase(s, "real_world");
	tcase_add_test(tc, test_sdp_answers_baresip);
	tcase_add_test(tc, test_sdp_answers_linphone_by_preference);
	tcase_add_test(tc, test_sdp_answers_asterisk_maxptime);
	tcase_add_test(tc, test_sdp_answers_rtpengine_media_level_c);
	tcase_add_test(tc, test_sdp_answers_sipp_default);
	tcase_add_test(tc, test_sdp_answers_desk_phone_many_codecs);
	tcase_add_test(tc, test_sdp_answers_yealink);
	tcase_add_test(tc, test_sdp_answers_media_level_c_only);

	tc = new_tcase(s, "reinvite");
	tcase_add_test(tc, test_sdp_hold_resume_versions);
	tcase_add_test(tc, test_sdp_hold_rfc2543_zero_address);
	tcase_add_test(tc, test_sdp_address_change_keeps_answer);
	tcase_add_test(tc, test_sdp_refused_reoffer_keeps_session);

	tc = new_tcase(s, "negotiation");
	tcase_add_test(tc, test_sdp_no_common_codec_is_488);
	tcase_add_test(tc, test_sdp_unusable_streams_are_488);
	tcase_add_test(tc, test_sdp_dynamic_l16_and_dtmf_16000);
	tcase_add_test(tc, test_sdp_static_l16_pt11_not_stereo);
	tcase_add_loop_test(tc, test_sdp_ptime_maxptime, 0,
			    sizeof(ptimes) / sizeof(ptimes[0]));
	tcase_add_loop_test(tc, test_sdp_codec_must_fit_packet, 0,
			    sizeof(fits) / sizeof(fits[0]));
	tcase_add_test(tc, test_sdp_sent_ptime_fits_packet);
	tcase_add_test(tc, test_sdp_session_level_ptime_and_direction);
	tcase_add_test(tc, test_sdp_audio_video_keeps_order_and_count);

	tc = new_tcase(s, "malformed");
	tcase_add_loop_test(tc, test_sdp_refuses_malformed, 0,
			    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(tc, test_sdp_refuses_oversized);
	tcase_add_test(tc, test_sdp_crlf_lf_equivalent);
	tcase_add_test(tc, test_sdp_answer_buffer_too_small);
	tcase_add_test(tc, test_sdp_every_truncation);
	tcase_add_test(tc, test_sdp_random_bytes);

	tc = new_tcase(s, "offer");
	tcase_add_test(tc, test_sdp_offer_default);
	tcase_add_test(tc, test_sdp_offer_l16_rates);
	tcase_add_test(tc, test_sdp_process_answer);
	tcase_add_test(tc, test_sdp_process_answer_l16_dynamic);
	tcase_add_loop_test(tc, test_sdp_process_answer_refused, 0,
			    sizeof(bad_answers) / sizeof(bad_answers[0]));
	tcase_add_test(tc, test_sdp_process_answer_direction_rules);
	tcase_add_test(tc, test_sdp_offer_answer_round_trip);

	tc = new_tcase(s, "srtp");
	tcase_add_loop_test(tc, test_sdp_srtp_answers_first_usable_crypto,
			    CP_SDP_SRTP_OPTIONAL, CP_SDP_SRTP_MANDATORY + 1);
	tcase_add_loop_test(tc, test_sdp_srtp_accepts_key_forms, 0,
			    sizeof(srtp_ok) / sizeof(srtp_ok[0]));
	tcase_add_loop_test(tc, test_sdp_srtp_refused, 0,
			    sizeof(srtp_refused) / sizeof(srtp_refused[0]));
	tcase_add_test(tc, test_sdp_srtp_policy_picks_stream);
	tcase_add_test(tc, test_sdp_srtp_avp_with_crypto_is_plain);
	tcase_add_test(tc, test_sdp_srtp_reoffer_versions);
	tcase_add_test(tc, test_sdp_srtp_offer);
	tcase_add_test(tc, test_sdp_srtp_own_key);
	tcase_add_test(tc, test_sdp_srtp_process_answer);
	tcase_add_loop_test(tc, test_sdp_srtp_process_answer_refused, 0,
			    sizeof(srtp_bad_answers) /
				    sizeof(srtp_bad_answers[0]));
	tcase_add_test(tc, test_sdp_srtp_process_answer_wrong_offer);
	tcase_add_test(tc, test_sdp_srtp_round_trip_keys);
	tcase_add_test(tc, test_sdp_srtp_result_to_leg);
	tcase_add_test(tc, test_sdp_srtp_mode_checked);
	tcase_add_test(tc, test_sdp_srtp_every_truncation);

	tc = new_tcase(s, "config");
	tcase_add_test(tc, test_sdp_cfg_codec_lists);
	tcase_add_test(tc, test_sdp_bad_arguments);
	tcase_add_test(tc, test_sdp_result_to_leg);
	return s;
}
