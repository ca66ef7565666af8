/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtcp.c: compound RTCP parsing (RFC 3550 A.2 validation), SR/RR + SDES
 * building and the A.7 transmission interval in integer arithmetic. See
 * rtcp.h for what is accepted. Dataplane, owning worker lcore.
 */
#include "rtcp.h"

#include <errno.h>
#include <string.h>

#include "net.h"

#define HDR_LEN		4  /* V P count, PT, length */
#define SENDER_INFO_LEN 20 /* NTP, RTP ts, packet and octet counts */
#define RB_LEN		24
#define APP_MIN_LEN	12

static void
read_rb(const uint8_t *p, struct dp_rtp_report *rb)
{
	uint32_t lost = (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];

	rb->ssrc = dp_net_get32(p);
	rb->fraction_lost = p[4];
	/* sign-extend the 24-bit field */
	rb->cum_lost = (int32_t)(lost ^ 0x800000u) - 0x800000;
	rb->ext_max_seq = dp_net_get32(p + 8);
	rb->jitter = dp_net_get32(p + 12);
	rb->lsr = dp_net_get32(p + 16);
	rb->dlsr = dp_net_get32(p + 20);
}

static void
write_rb(uint8_t *p, const struct dp_rtp_report *rb)
{
	uint32_t lost = (uint32_t)rb->cum_lost & 0xffffffu;

	dp_net_put32(p, rb->ssrc);
	p[4] = rb->fraction_lost;
	p[5] = (uint8_t)(lost >> 16);
	p[6] = (uint8_t)(lost >> 8);
	p[7] = (uint8_t)lost;
	dp_net_put32(p + 8, rb->ext_max_seq);
	dp_net_put32(p + 12, rb->jitter);
	dp_net_put32(p + 16, rb->lsr);
	dp_net_put32(p + 20, rb->dlsr);
}

/* The report blocks of an SR or RR: the one about our_ssrc, if any. */
static void
find_rb(const uint8_t *p, uint32_t n, uint32_t our_ssrc,
	struct dp_rtcp_info *out)
{
	for (uint32_t i = 0; i < n && !out->has_rb; i++, p += RB_LEN) {
		if (dp_net_get32(p) == our_ssrc) {
			read_rb(p, &out->rb);
			out->has_rb = true;
		}
	}
}

/* SDES chunks of p[0..len) (after the header); false if malformed. */
static bool
parse_sdes(const uint8_t *p, uint32_t len, uint32_t n_chunks,
	   struct dp_rtcp_info *out)
{
	uint32_t pos = 0;

	for (uint32_t c = 0; c < n_chunks; c++) {
		uint32_t ssrc;

		if (pos + 4 > len)
			return false;
		ssrc = dp_net_get32(p + pos);
		pos += 4;
		for (;;) {
			if (pos >= len)
				return false;
			if (p[pos] == 0) { /* end: pad to a word */
				pos = (pos + 4) & ~3u;
				break;
			}
			if (pos + 2 > len || pos + 2 + p[pos + 1] > len)
				return false;
			if (p[pos] == DP_RTCP_SDES_CNAME && ssrc == out->ssrc &&
			    out->cname_len == 0) {
				out->cname = p + pos + 2;
				out->cname_len = p[pos + 1];
			}
			pos += 2 + p[pos + 1];
		}
	}
	return pos <= len;
}

/* BYE: n SSRCs, then an optional reason; false if malformed. */
static bool
parse_bye(const uint8_t *p, uint32_t len, uint32_t n, struct dp_rtcp_info *out)
{
	if (4 * n > len)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (dp_net_get32(p + 4 * i) == out->ssrc)
			out->bye = true;
	if (4 * n < len && 4 * n + 1 + p[4 * n] > len)
		return false;
	return true;
}

static int
refuse(struct dp_rtcp_info *out, struct dp_rtcp_stats *st,
       enum dp_rtcp_drop why)
{
	out->drop = why;
	st->n_drop[why]++;
	return -EPROTO;
}

int
dp_rtcp_parse(const uint8_t *buf, uint32_t len, uint32_t our_ssrc,
	      struct dp_rtcp_info *out, struct dp_rtcp_stats *st)
{
	struct dp_rtcp_stats n = { 0 };
	uint32_t off = 0;

	memset(out, 0, sizeof(*out));
	if (len < 8 || (len & 3) != 0)
		return refuse(out, st, DP_RTCP_DROP_SHORT);
	if ((buf[0] >> 6) != 2)
		return refuse(out, st, DP_RTCP_DROP_VERSION);
	/* RFC 3550 A.2 wants SR or RR first; reduced-size RTCP (RFC 5506)
	 * may start with any RTCP type, and peers send a lone BYE or APP
	 * (baresip does): accepted and counted, if it is an RTCP type */
	if (buf[1] < DP_RTCP_SR || buf[1] > DP_RTCP_XR)
		return refuse(out, st, DP_RTCP_DROP_FIRST);
	out->ssrc = dp_net_get32(buf + 4);
	while (off < len) {
		const uint8_t *h = buf + off;
		uint32_t plen, body, count;

		if ((h[0] >> 6) != 2)
			return refuse(out, st, DP_RTCP_DROP_VERSION);
		plen = 4 * ((uint32_t)h[2] << 8 | h[3]) + 4;
		if (plen > len - off)
			return refuse(out, st, DP_RTCP_DROP_LENGTH);
		body = plen - HDR_LEN;
		if (h[0] & 0x20) { /* padding: last packet only, not first */
			uint32_t pad = h[plen - 1];

			if (off == 0 || off + plen != len || pad == 0 ||
			    pad > body)
				return refuse(out, st, DP_RTCP_DROP_PADDING);
			body -= pad;
		}
		count = h[0] & 0x1f;
		switch (h[1]) {
		case DP_RTCP_SR:
			if (body < 4 + SENDER_INFO_LEN + RB_LEN * count)
				return refuse(out, st, DP_RTCP_DROP_SR);
			if (off == 0) {
				out->has_sr = true;
				out->ntp = (uint64_t)dp_net_get32(h + 8) << 32 |
					   dp_net_get32(h + 12);
				out->rtp_ts = dp_net_get32(h + 16);
				out->n_pkts = dp_net_get32(h + 20);
				out->n_octets = dp_net_get32(h + 24);
			}
			if (dp_net_get32(h + 4) == out->ssrc)
				find_rb(h + 28, count, our_ssrc, out);
			n.n_sr++;
			break;
		case DP_RTCP_RR:
			if (body < 4 + RB_LEN * count)
				return refuse(out, st, DP_RTCP_DROP_RR);
			if (dp_net_get32(h + 4) == out->ssrc)
				find_rb(h + 8, count, our_ssrc, out);
			n.n_rr++;
			break;
		case DP_RTCP_SDES:
			if (!parse_sdes(h + HDR_LEN, body, count, out))
				return refuse(out, st, DP_RTCP_DROP_SDES);
			n.n_sdes++;
			break;
		case DP_RTCP_BYE:
			if (!parse_bye(h + HDR_LEN, body, count, out))
				return refuse(out, st, DP_RTCP_DROP_BYE);
			n.n_bye++;
			break;
		case DP_RTCP_APP:
			if (plen < APP_MIN_LEN)
				return refuse(out, st, DP_RTCP_DROP_APP);
			n.n_app++;
			break;
		default:
			n.n_other++;
			break;
		}
		off += plen;
	}
	st->n_compound++;
	st->n_reduced += buf[1] != DP_RTCP_SR && buf[1] != DP_RTCP_RR;
	st->n_sr += n.n_sr;
	st->n_rr += n.n_rr;
	st->n_sdes += n.n_sdes;
	st->n_bye += n.n_bye;
	st->n_app += n.n_app;
	st->n_other += n.n_other;
	return 0;
}

static const char *const drop_names[DP_RTCP_DROP_MAX_] = {
	[DP_RTCP_DROP_SHORT] = "short",	  [DP_RTCP_DROP_VERSION] = "version",
	[DP_RTCP_DROP_FIRST] = "first",	  [DP_RTCP_DROP_PADDING] = "padding",
	[DP_RTCP_DROP_LENGTH] = "length", [DP_RTCP_DROP_SR] = "sr",
	[DP_RTCP_DROP_RR] = "rr",	  [DP_RTCP_DROP_SDES] = "sdes",
	[DP_RTCP_DROP_BYE] = "bye",	  [DP_RTCP_DROP_APP] = "app",
};

const char *
dp_rtcp_drop_name(unsigned int reason)
{
	if (reason >= DP_RTCP_DROP_MAX_ || drop_names[reason] == NULL)
		return "?";
	return drop_names[reason];
}

static void
write_hdr(uint8_t *p, uint8_t count, uint8_t pt, uint32_t len_bytes)
{
	uint32_t words = len_bytes / 4 - 1;

	p[0] = (uint8_t)(0x80 | count);
	p[1] = pt;
	p[2] = (uint8_t)(words >> 8);
	p[3] = (uint8_t)words;
}

/* SR (s != NULL) or RR from ssrc, then SDES CNAME. */
static int
build(uint8_t *buf, uint32_t cap, uint32_t ssrc, const struct dp_rtcp_sender *s,
      const struct dp_rtp_report *rb, const uint8_t *cname, uint32_t cname_len)
{
	uint32_t rep_len = 8 + (s ? SENDER_INFO_LEN : 0) + (rb ? RB_LEN : 0);
	/* SSRC, CNAME item, at least one null octet, padded to a word */
	uint32_t sdes_len = HDR_LEN + ((4 + 2 + cname_len + 1 + 3) & ~3u);
	uint8_t *p = buf;

	if (cname_len == 0 || cname_len > DP_RTCP_CNAME_MAX)
		return -EINVAL;
	if (cap < rep_len + sdes_len)
		return -EMSGSIZE;
	write_hdr(p, rb ? 1 : 0, s ? DP_RTCP_SR : DP_RTCP_RR, rep_len);
	dp_net_put32(p + 4, ssrc);
	p += 8;
	if (s) {
		dp_net_put32(p, (uint32_t)(s->ntp >> 32));
		dp_net_put32(p + 4, (uint32_t)s->ntp);
		dp_net_put32(p + 8, s->rtp_ts);
		dp_net_put32(p + 12, s->n_pkts);
		dp_net_put32(p + 16, s->n_octets);
		p += SENDER_INFO_LEN;
	}
	if (rb) {
		write_rb(p, rb);
		p += RB_LEN;
	}
	memset(p, 0, sdes_len);
	write_hdr(p, 1, DP_RTCP_SDES, sdes_len);
	dp_net_put32(p + 4, ssrc);
	p[8] = DP_RTCP_SDES_CNAME;
	p[9] = (uint8_t)cname_len;
	memcpy(p + 10, cname, cname_len);
	return (int)(rep_len + sdes_len);
}

int
dp_rtcp_build_sr(uint8_t *buf, uint32_t cap, const struct dp_rtcp_sender *s,
		 const struct dp_rtp_report *rb, const uint8_t *cname,
		 uint32_t cname_len)
{
	return build(buf, cap, s->ssrc, s, rb, cname, cname_len);
}

int
dp_rtcp_build_rr(uint8_t *buf, uint32_t cap, uint32_t ssrc,
		 const struct dp_rtp_report *rb, const uint8_t *cname,
		 uint32_t cname_len)
{
	return build(buf, cap, ssrc, NULL, rb, cname, cname_len);
}

/*
 * A.7 in microseconds. The bandwidth share is kept as a fraction
 * (rtcp_bw * share_num / 4) so nothing is rounded before the last step;
 * e - 3/2 is COMP_NUM / COMP_DEN to 12 digits.
 */
#define MIN_TIME_US 5000000u
#define COMP_NUM    121828182846ull
#define COMP_DEN    100000000000ull

uint64_t
dp_rtcp_interval_us(const struct dp_rtcp_interval *in, uint32_t rnd)
{
	uint64_t min_us = in->initial ? MIN_TIME_US / 2 : MIN_TIME_US;
	uint64_t n = in->members, share_num = 4; /* of 4: all */
	unsigned __int128 t;

	if ((uint64_t)in->senders * 4 <= in->members) {
		if (in->we_sent) {
			share_num = 1; /* senders: 25% */
			n = in->senders;
		} else {
			share_num = 3; /* receivers: 75% */
			n = in->members - in->senders;
		}
	}
	if (in->rtcp_bw == 0) {
		t = min_us;
	} else {
		t = (unsigned __int128)in->avg_rtcp_size * n * 4 * 1000000u /
		    ((uint64_t)in->rtcp_bw * share_num);
		if (t < min_us)
			t = min_us;
	}
	t = (t * ((uint64_t)rnd + (1ull << 31))) >> 32; /* [0.5, 1.5) */
	t = t * COMP_DEN / COMP_NUM;
	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

uint32_t
dp_rtcp_avg_size(uint32_t avg, uint32_t size)
{
	return (uint32_t)(((uint64_t)size + 15ull * avg) / 16);
}
