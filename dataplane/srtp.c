/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * srtp.c: a leg's SRTP and SRTCP through libsrtp2 (see srtp.h).
 */
#include "srtp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

/* A leg's two sessions and what makes them. */
struct dp_srtp {
	srtp_t rx, tx;		/* NULL: no key for that direction yet */
	uint8_t rx_suite, tx_suite;	/* enum shm_srtp_suite */
	uint32_t tx_ssrc;
	/* the keys of rx and tx: one given again changes nothing; tx's for
	 * dp_srtp_set_ssrc() too */
	uint8_t rx_key[SHM_SRTP_KEY_BYTES];
	uint8_t tx_key[SHM_SRTP_KEY_BYTES];
};

/* SRTCP's tag is 80 bits with either suite (RFC 4568 6.2.1-6.2.2); its
 * trailer adds the 4-byte E flag and index. */
static bool
policy_of(srtp_policy_t *p, uint8_t suite)
{
	memset(p, 0, sizeof(*p));
	switch (suite) {
	case SHM_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		break;
	case SHM_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		break;
	default:
		return false;
	}
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	p->window_size = 128;	/* RFC 3711 3.3.2: at least 64 */
	p->allow_repeat_tx = 0;
	return true;
}

/* A session for one direction: what the peer sends (any SSRC: a stream is
 * made at each new one's first authenticated packet), or what tutti-dp
 * sends with ssrc. */
static int
session_make(srtp_t *out, uint8_t dir, uint8_t suite,
	     const uint8_t key[SHM_SRTP_KEY_BYTES], uint32_t ssrc)
{
	uint8_t k[SHM_SRTP_KEY_BYTES];
	srtp_policy_t p;
	srtp_err_status_t st;

	if (!policy_of(&p, suite))
		return -EINVAL;
	if (dir == SHM_SRTP_RX) {
		p.ssrc.type = ssrc_any_inbound;
	} else {
		p.ssrc.type = ssrc_specific;
		p.ssrc.value = ssrc;
	}
	memcpy(k, key, sizeof(k));	/* libsrtp's key is not const */
	p.key = k;
	st = srtp_create(out, &p);
	memset(k, 0, sizeof(k));
	return st == srtp_err_status_ok ? 0 : -EIO;
}

int
dp_srtp_init(void)
{
	static const uint8_t key[SHM_SRTP_KEY_BYTES];
	srtp_t s;

	if (srtp_init() != srtp_err_status_ok)
		return -EIO;
	if (session_make(&s, SHM_SRTP_TX, SHM_SRTP_AES_CM_128_HMAC_SHA1_80,
			 key, 1) != 0) {
		srtp_shutdown();
		return -EIO;
	}
	srtp_dealloc(s);
	return 0;
}

void
dp_srtp_fini(void)
{
	srtp_shutdown();
}

struct dp_srtp *
dp_srtp_new(void)
{
	return calloc(1, sizeof(struct dp_srtp));
}

void
dp_srtp_free(struct dp_srtp *s)
{
	if (s == NULL)
		return;
	if (s->rx != NULL)
		srtp_dealloc(s->rx);
	if (s->tx != NULL)
		srtp_dealloc(s->tx);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

int
dp_srtp_set_key(struct dp_srtp *s, uint8_t dir, uint8_t suite,
		const uint8_t key[SHM_SRTP_KEY_BYTES], uint32_t ssrc)
{
	srtp_t n;
	int rc;

	if (dir != SHM_SRTP_RX && dir != SHM_SRTP_TX)
		return -EINVAL;
	/* the key it has: its session goes on (rollover counter, replay
	 * window), as a control plane sending its legs again expects */
	if (dir == SHM_SRTP_RX ? s->rx != NULL && s->rx_suite == suite &&
				 memcmp(s->rx_key, key, sizeof(s->rx_key)) == 0 :
				 s->tx != NULL && s->tx_suite == suite &&
				 s->tx_ssrc == ssrc &&
				 memcmp(s->tx_key, key, sizeof(s->tx_key)) == 0)
		return 0;
	rc = session_make(&n, dir, suite, key, ssrc);
	if (rc < 0)
		return rc;
	if (dir == SHM_SRTP_RX) {
		if (s->rx != NULL)
			srtp_dealloc(s->rx);
		s->rx = n;
		s->rx_suite = suite;
		memcpy(s->rx_key, key, sizeof(s->rx_key));
	} else {
		if (s->tx != NULL)
			srtp_dealloc(s->tx);
		s->tx = n;
		s->tx_suite = suite;
		s->tx_ssrc = ssrc;
		memcpy(s->tx_key, key, sizeof(s->tx_key));
	}
	return 0;
}

int
dp_srtp_set_ssrc(struct dp_srtp *s, uint32_t ssrc)
{
	if (s->tx == NULL || s->tx_ssrc == ssrc)
		return 0;
	return dp_srtp_set_key(s, SHM_SRTP_TX, s->tx_suite, s->tx_key, ssrc);
}

bool
dp_srtp_ready(const struct dp_srtp *s)
{
	return s->rx != NULL && s->tx != NULL;
}

static unsigned int
why_of(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_auth_fail:
		return DP_SRTP_DROP_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return DP_SRTP_DROP_REPLAY;
	default:
		return DP_SRTP_DROP_OTHER;
	}
}

/* libsrtp's call for a packet in (unprotect) or out, RTP or RTCP */
static int
srtp_run(struct dp_srtp *s, bool in, bool rtcp, uint8_t *p, uint32_t *len,
	 unsigned int *why)
{
	srtp_err_status_t st;
	int n = (int)*len;

	if (s->rx == NULL || s->tx == NULL) {
		*why = in ? DP_SRTP_DROP_NO_KEY : DP_SRTP_DROP_TX_NO_KEY;
		return -1;
	}
	/* in: shorter than an RTP header and a tag, or than an RTCP header,
	 * an index and a tag (libsrtp would say so too, as a parse error) */
	if (in && n < (rtcp ? 8 + 4 + 10 : 12 + 4)) {
		*why = DP_SRTP_DROP_OTHER;
		return -1;
	}
	if (in)
		st = rtcp ? srtp_unprotect_rtcp(s->rx, p, &n) :
			    srtp_unprotect(s->rx, p, &n);
	else
		st = rtcp ? srtp_protect_rtcp(s->tx, p, &n) :
			    srtp_protect(s->tx, p, &n);
	if (st != srtp_err_status_ok) {
		*why = why_of(st);
		return -1;
	}
	*len = (uint32_t)n;
	return 0;
}

int
dp_srtp_unprotect(struct dp_srtp *s, bool rtcp, uint8_t *p, uint32_t *len,
		  unsigned int *why)
{
	return srtp_run(s, true, rtcp, p, len, why);
}

int
dp_srtp_protect(struct dp_srtp *s, bool rtcp, uint8_t *p, uint32_t *len,
		unsigned int *why)
{
	return srtp_run(s, false, rtcp, p, len, why);
}

uint32_t
dp_srtp_tag_len(uint8_t suite)
{
	return suite == SHM_SRTP_AES_CM_128_HMAC_SHA1_32 ? 4 : 10;
}

uint8_t
dp_srtp_tx_suite(const struct dp_srtp *s)
{
	return s->tx != NULL ? s->tx_suite : SHM_SRTP_NONE;
}

const char *
dp_srtp_drop_name(unsigned int why)
{
	static const char *const names[DP_SRTP_DROP_MAX_] = {
		[DP_SRTP_DROP_AUTH] = "auth",
		[DP_SRTP_DROP_REPLAY] = "replay",
		[DP_SRTP_DROP_NO_KEY] = "no_key",
		[DP_SRTP_DROP_TX_NO_KEY] = "tx_no_key",
		[DP_SRTP_DROP_OTHER] = "other",
	};

	return why < DP_SRTP_DROP_MAX_ ? names[why] : "?";
}
