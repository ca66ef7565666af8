/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_msg.c: message construction and validation for both processes. The
 * validator is the gate every received slot passes through, so it is strict:
 * whatever v1 does not define is refused rather than ignored. It is also a
 * fuzz target (tests/fuzz/fuzz_shm_msg.c).
 */
#include "shm_msg.h"

#include <errno.h>
#include <string.h>

#include "compiler.h"

void
shm_msg_init(struct shm_msg *m, enum shm_msg_type type, uint32_t seq,
	     uint32_t conf_id)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = (uint16_t)type;
	m->hdr.seq = seq;
	m->hdr.conf_id = conf_id;
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Is the named padding field of the body all zero? */
#define PAD_ZERO(m, type, field)                                              \
	all_zero(&(m)->body.type.field, sizeof((m)->body.type.field))

static bool
rate_ok(uint8_t codec, uint32_t rate_hz)
{
	if (codec == SHM_CODEC_PCMU || codec == SHM_CODEC_PCMA)
		return rate_hz == 8000;
	switch (rate_hz) {	/* L16, RFC 3551 and dynamic rtpmap rates */
	case 8000:
	case 16000:
	case 32000:
	case 44100:
	case 48000:
		return true;
	default:
		return false;
	}
}

static bool
ptime_ok(uint8_t ptime_ms)
{
	return ptime_ms == 10 || ptime_ms == 20 || ptime_ms == 30 ||
	       ptime_ms == 40;
}

/* LEG_SRTP's flags known; SHM_SRTP_F_INDEX only for rx, the rx_* fields
 * 0 without it. */
static bool
srtp_index_ok(const struct shm_msg_srtp *b)
{
	if (b->flags & ~SHM_SRTP_FLAGS_KNOWN)
		return false;
	if (b->flags & SHM_SRTP_F_INDEX)
		return b->dir == SHM_SRTP_RX;
	return b->rx_seq == 0 && b->rx_ssrc == 0 && b->rx_roc == 0;
}

static int
validate_leg(const struct shm_msg *m)
{
	const struct shm_msg_leg *l = &m->body.leg;

	if (!PAD_ZERO(m, leg, _pad0) || l->leg_id == 0)
		return -EINVAL;
	if (m->hdr.type == SHM_CMD_LEG_REMOVE)
		return 0;	/* only leg_id matters */
	if (l->codec >= SHM_CODEC_MAX_ || l->dir >= SHM_DIR_MAX_ ||
	    (l->flags & ~SHM_LEG_FLAGS_KNOWN) != 0 || l->pt > 127 ||
	    l->dtmf_pt > 127 || !rate_ok(l->codec, l->rate_hz) ||
	    !ptime_ok(l->ptime_ms) || l->remote_port == 0 ||
	    l->local_port == 0)
		return -EINVAL;
	if (l->dtmf_pt != 0 && l->dtmf_pt == l->pt)
		return -EINVAL;
	return 0;
}

static int
validate_conf(const struct shm_msg *m)
{
	const struct shm_msg_conf *c = &m->body.conf;

	if (!PAD_ZERO(m, conf, _pad0) || !PAD_ZERO(m, conf, _pad1))
		return -EINVAL;
	if (m->hdr.type == SHM_CMD_CONF_DESTROY)
		return 0;
	if ((c->rate_hz != 8000 && c->rate_hz != 16000) ||
	    !ptime_ok(c->ptime_ms) || (c->flags & ~SHM_CONF_FLAGS_KNOWN) != 0)
		return -EINVAL;
	return 0;
}

int
shm_msg_validate(const struct shm_msg *m)
{
	if (m->hdr.flags & ~SHM_MSG_FLAGS_KNOWN || m->hdr._pad0 != 0)
		return -EINVAL;
	switch (m->hdr.type) {
	case SHM_CMD_HELLO:
		if (!PAD_ZERO(m, hello, _pad0) || !PAD_ZERO(m, hello, _pad1) ||
		    m->body.hello.cp_pid == 0)
			return -EINVAL;
		return 0;
	case SHM_CMD_CONF_CREATE:
	case SHM_CMD_CONF_DESTROY:
		if (m->hdr.conf_id == 0)
			return -EINVAL;
		return validate_conf(m);
	case SHM_CMD_LEG_ADD:
	case SHM_CMD_LEG_UPDATE:
	case SHM_CMD_LEG_REMOVE:
		if (m->hdr.type != SHM_CMD_LEG_REMOVE && m->hdr.conf_id == 0)
			return -EINVAL;
		return validate_leg(m);
	case SHM_CMD_CAPTURE:
		return PAD_ZERO(m, capture, _pad0) &&
		       (m->body.capture.leg_id != 0 || m->hdr.conf_id != 0) &&
		       m->body.capture.packets <= SHM_CAPTURE_MAX ? 0 : -EINVAL;
	case SHM_CMD_LEG_SRTP:
		return PAD_ZERO(m, srtp, _pad0) && srtp_index_ok(&m->body.srtp) &&
		       m->body.srtp.leg_id != 0 &&
		       m->body.srtp.dir <= SHM_SRTP_TX &&
		       m->body.srtp.suite != SHM_SRTP_NONE &&
		       m->body.srtp.suite < SHM_SRTP_MAX_ ? 0 : -EINVAL;
	case SHM_EVT_STATUS:
		if (!PAD_ZERO(m, status, _pad0) || !PAD_ZERO(m, status, _pad1) ||
		    m->body.status.status > 0)
			return -EINVAL;
		return 0;
	case SHM_EVT_MEDIA_TIMEOUT:
		return PAD_ZERO(m, timeout, _pad0) &&
				       m->body.timeout.leg_id != 0 ? 0 : -EINVAL;
	case SHM_EVT_DTMF:
		if (!PAD_ZERO(m, dtmf, _pad0) || m->body.dtmf.leg_id == 0 ||
		    m->body.dtmf.source > SHM_DTMF_INBAND ||
		    m->body.dtmf.volume_dbm0 > 63 ||
		    strchr("0123456789*#ABCD", m->body.dtmf.digit) == NULL ||
		    m->body.dtmf.digit == 0)
			return -EINVAL;
		return 0;
	case SHM_EVT_TALKER:
		if (!PAD_ZERO(m, talker, _pad0) || !PAD_ZERO(m, talker, _pad1) ||
		    m->body.talker.leg_id == 0 || m->body.talker.talking > 1)
			return -EINVAL;
		return 0;
	case SHM_EVT_STATS:
		if (!PAD_ZERO(m, stats, _pad0) || !PAD_ZERO(m, stats, _pad1) ||
		    m->body.stats.worker >= SHM_MAX_WORKERS)
			return -EINVAL;
		return 0;
	default:
		return -ENOTSUP;
	}
}

bool
shm_msg_is_cmd(uint16_t type)
{
	return type >= SHM_CMD_HELLO && type < SHM_CMD_MAX_;
}

const char *
shm_msg_type_name(uint16_t type)
{
	static const char *const names[] = {
		[SHM_CMD_HELLO] = "HELLO",
		[SHM_CMD_CONF_CREATE] = "CONF_CREATE",
		[SHM_CMD_CONF_DESTROY] = "CONF_DESTROY",
		[SHM_CMD_LEG_ADD] = "LEG_ADD",
		[SHM_CMD_LEG_UPDATE] = "LEG_UPDATE",
		[SHM_CMD_LEG_REMOVE] = "LEG_REMOVE",
		[SHM_CMD_CAPTURE] = "CAPTURE",
		[SHM_CMD_LEG_SRTP] = "LEG_SRTP",
		[SHM_EVT_STATUS] = "STATUS",
		[SHM_EVT_MEDIA_TIMEOUT] = "MEDIA_TIMEOUT",
		[SHM_EVT_DTMF] = "DTMF",
		[SHM_EVT_TALKER] = "TALKER",
		[SHM_EVT_STATS] = "STATS",
	};

	if (type >= TUTTI_ARRAY_SIZE(names) || names[type] == NULL)
		return "?";
	return names[type];
}

const char *
shm_tick_late_name(unsigned int b)
{
	static const char *const names[SHM_TICK_LATE_BUCKETS] = {
		"0-1", "1-2", "2-5", "5-10", "10-20", "20+",
	};

	return b < SHM_TICK_LATE_BUCKETS ? names[b] : "?";
}

const char *
shm_drop_name(unsigned int reason)
{
	static const char *const names[SHM_DROP_MAX_] = {
		[SHM_DROP_NOT_FOR_US] = "not_for_us",
		[SHM_DROP_BAD_IP] = "bad_ip",
		[SHM_DROP_BAD_UDP] = "bad_udp",
		[SHM_DROP_BAD_RTP] = "bad_rtp",
		[SHM_DROP_BAD_PT] = "bad_pt",
		[SHM_DROP_BAD_SRC] = "bad_src",
		[SHM_DROP_JB_LATE] = "jb_late",
		[SHM_DROP_JB_DUP] = "jb_dup",
		[SHM_DROP_JB_FULL] = "jb_full",
		[SHM_DROP_NO_MBUF] = "no_mbuf",
		[SHM_DROP_TX_FULL] = "tx_full",
		[SHM_DROP_BAD_CMD] = "bad_cmd",
		[SHM_DROP_EVT_FULL] = "evt_full",
		[SHM_DROP_NO_ARP] = "no_arp",
		[SHM_DROP_BAD_RTCP] = "bad_rtcp",
		[SHM_DROP_EVT_NO_CP] = "evt_no_cp",
	};

	if (reason >= SHM_DROP_MAX_ || names[reason] == NULL)
		return "?";
	return names[reason];
}

const char *
shm_codec_name(unsigned int codec)
{
	static const char *const names[SHM_CODEC_MAX_] = {
		[SHM_CODEC_PCMU] = "PCMU",
		[SHM_CODEC_PCMA] = "PCMA",
		[SHM_CODEC_L16] = "L16",
	};

	return codec < SHM_CODEC_MAX_ ? names[codec] : "?";
}

const char *
shm_srtp_suite_name(unsigned int suite)
{
	static const char *const names[SHM_SRTP_MAX_] = {
		[SHM_SRTP_NONE] = "none",
		[SHM_SRTP_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
		[SHM_SRTP_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
	};

	return suite < SHM_SRTP_MAX_ ? names[suite] : "?";
}

unsigned int
shm_srtp_suite_of(const char *name, size_t n)
{
	for (unsigned int i = SHM_SRTP_NONE + 1; i < SHM_SRTP_MAX_; i++) {
		const char *k = shm_srtp_suite_name(i);

		if (strlen(k) == n && memcmp(name, k, n) == 0)
			return i;
	}
	return SHM_SRTP_NONE;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
shm_b64_encode(const uint8_t *in, size_t n, char *o)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		o[j++] = b64_alphabet[(v >> 18) & 63];
		o[j++] = b64_alphabet[(v >> 12) & 63];
		o[j++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		o[j++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	o[j] = '\0';
}

/* The 6 bits of a base64 character, -1 if it is none. */
static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
shm_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t pad = 0, len, j = 0;
	uint32_t v = 0;

	while (pad < 2 && n > 0 && s[n - 1] == '=') {
		n--;
		pad++;
	}
	if (n % 4 == 1 || (pad != 0 && (n + pad) % 4 != 0))
		return -1;
	len = n / 4 * 3 + (n % 4 != 0 ? n % 4 - 1 : 0);
	for (size_t i = 0; i < n; i++) {
		int x = b64_value(s[i]);

		if (x < 0)
			return -1;
		v = v << 6 | (uint32_t)x;
		if (i % 4 == 3 || i + 1 == n) {
			unsigned int k = (unsigned int)(i % 4) + 1; /* chars */
			unsigned int extra = k * 6 % 8; /* bits past bytes */

			if ((v & ((1u << extra) - 1)) != 0)
				return -1;
			v >>= extra;
			for (unsigned int b = k * 6 / 8; b > 0; b--, j++)
				if (len <= cap)
					out[j] = (uint8_t)(v >> (8 * (b - 1)));
			v = 0;
		}
	}
	return (int)len;
}
