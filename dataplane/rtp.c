/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtp.c: RTP validation, per-leg receive state (latching, SSRC, RFC 3550
 * A.1 sequence and A.8 jitter, A.3 report blocks) and the header writer.
 * Policies are explained in rtp.h. Dataplane, owning worker lcore, hot
 * path: no allocation, no logging.
 */
#include "rtp.h"

#include <errno.h>
#include <string.h>

#include "net.h"

#define SEQ_MOD	    (1u << 16)
#define RTCP_MUX_LO 192 /* RFC 5761 4: second octet 192..223 */
#define RTCP_MUX_HI 223
#define LOST_MAX    0x7fffff /* 24-bit signed report field */
#define LOST_MIN    (-0x800000)

bool
dp_rtp_is_rtcp(const uint8_t *buf, uint32_t len)
{
	return len >= 2 && buf[1] >= RTCP_MUX_LO && buf[1] <= RTCP_MUX_HI;
}

static int
bad(struct dp_rtp_pkt *out, enum dp_rtp_drop why)
{
	out->drop = why;
	return -EPROTO;
}

int
dp_rtp_parse(const uint8_t *buf, uint32_t len, struct dp_rtp_pkt *out)
{
	uint32_t hdr, pad = 0;

	out->flags = 0;
	if (len < DP_RTP_HDR_LEN)
		return bad(out, DP_RTP_DROP_SHORT);
	if ((buf[0] >> 6) != 2)
		return bad(out, DP_RTP_DROP_VERSION);
	if (dp_rtp_is_rtcp(buf, len))
		return bad(out, DP_RTP_DROP_RTCP);
	out->n_csrc = buf[0] & 0x0f;
	hdr = DP_RTP_HDR_LEN + 4u * out->n_csrc;
	if (hdr > len)
		return bad(out, DP_RTP_DROP_CSRC);
	if (buf[0] & 0x10) {
		if (hdr + 4 > len)
			return bad(out, DP_RTP_DROP_EXT);
		hdr += 4 + 4u * dp_net_get16(buf + hdr + 2);
		if (hdr > len)
			return bad(out, DP_RTP_DROP_EXT);
	}
	if (buf[0] & 0x20) {
		pad = buf[len - 1];
		if (pad == 0 || pad > len - hdr)
			return bad(out, DP_RTP_DROP_PADDING);
	}
	out->marker = (buf[1] & 0x80) != 0;
	out->pt = buf[1] & 0x7f;
	out->seq = dp_net_get16(buf + 2);
	out->ts = dp_net_get32(buf + 4);
	out->ssrc = dp_net_get32(buf + 8);
	out->payload = buf + hdr;
	out->len_bytes = len - hdr - pad;
	return 0;
}

static bool
is_rtcp_pt(uint8_t pt)
{
	return pt >= (RTCP_MUX_LO & 0x7f) && pt <= (RTCP_MUX_HI & 0x7f);
}

int
dp_rtp_rx_init(struct dp_rtp_rx *rx, const struct dp_rtp_rx_cfg *cfg)
{
	if (cfg->rate_hz == 0 || cfg->clock_hz == 0 || cfg->pt >= 128 ||
	    is_rtcp_pt(cfg->pt) || cfg->dtmf_pt >= 128 ||
	    (cfg->dtmf_pt != 0 &&
	     (cfg->dtmf_pt == cfg->pt || is_rtcp_pt(cfg->dtmf_pt))))
		return -EINVAL;
	if (cfg->latch != DP_RTP_LATCH_FIXED &&
	    cfg->latch != DP_RTP_LATCH_FIRST)
		return -EINVAL;
	if (cfg->latch == DP_RTP_LATCH_FIXED &&
	    (cfg->remote_ip_be == 0 || cfg->remote_port_be == 0))
		return -EINVAL;
	memset(rx, 0, sizeof(*rx));
	rx->cfg = *cfg;
	/* rounded up: whole timestamp units stay whole (see update_jitter) */
	rx->now_mult_q40 = (uint64_t)((((unsigned __int128)cfg->rate_hz << 40) +
				       cfg->clock_hz - 1) /
				      cfg->clock_hz);
	if (cfg->latch == DP_RTP_LATCH_FIXED) {
		rx->latched = true;
		rx->src_ip_be = cfg->remote_ip_be;
		rx->src_port_be = cfg->remote_port_be;
	}
	return 0;
}

int
dp_rtp_rx_cfg_from_leg(struct dp_rtp_rx_cfg *cfg, const struct shm_msg_leg *leg,
		       uint64_t clock_hz)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0,	0,
					      0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t zero[16];
	bool latch = (leg->flags & SHM_LEG_LATCH) != 0;

	memset(cfg, 0, sizeof(*cfg));
	if (memcmp(leg->addr, v4mapped, 12) == 0)
		memcpy(&cfg->remote_ip_be, leg->addr + 12, 4);
	else if (!latch || memcmp(leg->addr, zero, 16) != 0)
		return -EAFNOSUPPORT;
	cfg->remote_port_be = leg->remote_port;
	cfg->rate_hz = leg->rate_hz;
	cfg->clock_hz = clock_hz;
	cfg->pt = leg->pt;
	cfg->dtmf_pt = leg->dtmf_pt;
	cfg->latch = latch ? DP_RTP_LATCH_FIRST : DP_RTP_LATCH_FIXED;
	return 0;
}

static int64_t
run_lost(const struct dp_rtp_rx *rx)
{
	uint32_t ext_max = rx->cycles + rx->max_seq;
	int64_t expected = (int64_t)ext_max - rx->base_seq + 1;

	return expected - rx->received;
}

/* RFC 3550 A.1 init_seq(), keeping the loss of the run before. */
static void
init_seq(struct dp_rtp_rx *rx, uint16_t seq)
{
	if (rx->have_src)
		rx->lost_before += run_lost(rx);
	rx->base_seq = seq;
	rx->max_seq = seq;
	rx->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
	rx->cycles = 0;
	rx->received = 0;
	rx->received_prior = 0;
	rx->expected_prior = 0;
}

/* RFC 3550 A.1 update_seq() without probation; false: drop it. */
static bool
update_seq(struct dp_rtp_rx *rx, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - rx->max_seq);

	if (udelta < DP_RTP_MAX_DROPOUT) {
		if (seq < rx->max_seq)
			rx->cycles += SEQ_MOD;
		rx->max_seq = seq;
	} else if (udelta <= SEQ_MOD - DP_RTP_MAX_MISORDER) {
		if (seq != rx->bad_seq) {
			rx->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
			return false;
		}
		init_seq(rx, seq); /* two in a row: the sender restarted */
		rx->st.n_seq_resync++;
	}
	/* else: duplicate or reordered, counted as received (A.1) */
	rx->received++;
	return true;
}

/* A new SSRC (the first, or a change): fresh per-source statistics. */
static void
new_source(struct dp_rtp_rx *rx, const struct dp_rtp_pkt *p)
{
	init_seq(rx, p->seq);
	if (rx->have_src) {
		rx->old_ssrc = rx->ssrc;
		rx->have_old_ssrc = true;
		rx->st.n_ssrc_change++;
	}
	rx->have_src = true;
	rx->ssrc = p->ssrc;
	rx->have_transit = false;
	rx->jitter_q4 = 0;
	rx->have_sr = false;
}

static enum dp_rtp_verdict
rx_drop(struct dp_rtp_rx *rx, struct dp_rtp_pkt *p, enum dp_rtp_drop why)
{
	p->drop = why;
	rx->st.n_drop[why]++;
	return DP_RTP_DROP;
}

/*
 * RFC 3550 A.8, with the arrival time in timestamp units (mod 2^32). The
 * Q40 factor is rounded up by less than 2^-40, so arrivals carry an error
 * of under now / 2^40 units that grows by under 2e-5 units over 20 ms:
 * differences of arrivals come out right to within one unit. |D| is
 * clamped to 2^27 units (over 45 minutes at 48 kHz: a timestamp jump, not
 * jitter) so that J * 16 never overflows.
 */
#define JITTER_D_MAX (1u << 27)

static void
update_jitter(struct dp_rtp_rx *rx, uint32_t ts, uint64_t now)
{
	uint32_t arrival =
		(uint32_t)(((unsigned __int128)now * rx->now_mult_q40) >> 40);
	uint32_t transit = arrival - ts;
	uint32_t d = transit - rx->transit;

	rx->transit = transit;
	if (!rx->have_transit) {
		rx->have_transit = true;
		return;
	}
	if (d & 0x80000000u) /* negative: |D| in unsigned arithmetic */
		d = 0u - d;
	if (d > JITTER_D_MAX)
		d = JITTER_D_MAX;
	rx->jitter_q4 += d - ((rx->jitter_q4 + 8) >> 4);
}

enum dp_rtp_verdict
dp_rtp_rx(struct dp_rtp_rx *rx, const uint8_t *buf, uint32_t len,
	  uint32_t src_ip_be, uint16_t src_port_be, uint64_t now,
	  struct dp_rtp_pkt *p)
{
	bool event;

	if (dp_rtp_parse(buf, len, p) != 0)
		return rx_drop(rx, p, p->drop);
	if (rx->latched &&
	    (src_ip_be != rx->src_ip_be || src_port_be != rx->src_port_be))
		return rx_drop(rx, p, DP_RTP_DROP_SRC);
	event = rx->cfg.dtmf_pt != 0 && p->pt == rx->cfg.dtmf_pt;
	if (p->pt != rx->cfg.pt && !event)
		return rx_drop(rx, p, DP_RTP_DROP_PT);
	if (rx->have_old_ssrc && p->ssrc == rx->old_ssrc && p->ssrc != rx->ssrc)
		return rx_drop(rx, p, DP_RTP_DROP_OLD_SSRC);
	if (!rx->have_src || p->ssrc != rx->ssrc) {
		new_source(rx, p);
		p->flags |= DP_RTP_RX_NEW_SSRC;
		rx->received = 1;
	} else if (!update_seq(rx, p->seq)) {
		return rx_drop(rx, p, DP_RTP_DROP_SEQ_JUMP);
	}
	if (!rx->latched) {
		rx->latched = true;
		rx->src_ip_be = src_ip_be;
		rx->src_port_be = src_port_be;
		rx->st.n_latch++;
		p->flags |= DP_RTP_RX_LATCHED;
	}
	if (event)
		rx->st.n_events++;
	else
		update_jitter(rx, p->ts, now);
	rx->last_now = now;
	rx->st.n_pkts++;
	rx->st.n_bytes += p->len_bytes;
	return event ? DP_RTP_EVENT : DP_RTP_AUDIO;
}

void
dp_rtp_rx_unlatch(struct dp_rtp_rx *rx)
{
	if (rx->cfg.latch == DP_RTP_LATCH_FIRST)
		rx->latched = false;
}

int64_t
dp_rtp_rx_lost(const struct dp_rtp_rx *rx)
{
	return rx->lost_before + (rx->have_src ? run_lost(rx) : 0);
}

uint32_t
dp_rtp_rx_jitter_ts(const struct dp_rtp_rx *rx)
{
	return rx->jitter_q4 >> 4;
}

uint32_t
dp_rtp_rx_jitter_us(const struct dp_rtp_rx *rx)
{
	return (uint32_t)((uint64_t)dp_rtp_rx_jitter_ts(rx) * 1000000u /
			  rx->cfg.rate_hz);
}

void
dp_rtp_rx_note_sr(struct dp_rtp_rx *rx, uint32_t ssrc, uint64_t ntp,
		  uint64_t now)
{
	if (!rx->have_src || ssrc != rx->ssrc)
		return;
	rx->lsr = (uint32_t)(ntp >> 16);
	rx->sr_now = now;
	rx->have_sr = true;
}

int
dp_rtp_rx_report(struct dp_rtp_rx *rx, uint64_t now, struct dp_rtp_report *rb)
{
	uint32_t ext_max = rx->cycles + rx->max_seq;
	uint32_t expected, exp_int, rec_int;
	int64_t lost, lost_int;

	if (!rx->have_src)
		return -ENODATA;
	expected = ext_max - rx->base_seq + 1;
	lost = (int64_t)expected - rx->received;
	exp_int = expected - rx->expected_prior;
	rec_int = rx->received - rx->received_prior;
	lost_int = (int64_t)exp_int - rec_int;
	rx->expected_prior = expected;
	rx->received_prior = rx->received;
	rb->ssrc = rx->ssrc;
	if (exp_int == 0 || lost_int <= 0)
		rb->fraction_lost = 0;
	else if (lost_int >= exp_int) /* 256/256 does not fit: 255 */
		rb->fraction_lost = 255;
	else
		rb->fraction_lost = (uint8_t)((lost_int << 8) / exp_int);
	rb->cum_lost = (int32_t)(lost > LOST_MAX   ? LOST_MAX
				 : lost < LOST_MIN ? LOST_MIN
						   : lost);
	rb->ext_max_seq = ext_max;
	rb->jitter = dp_rtp_rx_jitter_ts(rx);
	rb->lsr = rx->have_sr ? rx->lsr : 0;
	rb->dlsr = 0;
	if (rx->have_sr && now >= rx->sr_now) {
		unsigned __int128 d = (unsigned __int128)(now - rx->sr_now)
				      << 16;

		d /= rx->cfg.clock_hz;
		rb->dlsr = d > 0xffffffffu ? 0xffffffffu : (uint32_t)d;
	}
	return 0;
}

static const char *const drop_names[DP_RTP_DROP_MAX_] = {
	[DP_RTP_DROP_SHORT] = "short",
	[DP_RTP_DROP_VERSION] = "version",
	[DP_RTP_DROP_RTCP] = "rtcp",
	[DP_RTP_DROP_CSRC] = "csrc",
	[DP_RTP_DROP_EXT] = "ext",
	[DP_RTP_DROP_PADDING] = "padding",
	[DP_RTP_DROP_SRC] = "src",
	[DP_RTP_DROP_PT] = "pt",
	[DP_RTP_DROP_OLD_SSRC] = "old_ssrc",
	[DP_RTP_DROP_SEQ_JUMP] = "seq_jump",
};

const char *
dp_rtp_drop_name(unsigned int reason)
{
	if (reason >= DP_RTP_DROP_MAX_ || drop_names[reason] == NULL)
		return "?";
	return drop_names[reason];
}

unsigned int
dp_rtp_drop_shm(enum dp_rtp_drop reason)
{
	switch (reason) {
	case DP_RTP_DROP_PT:
		return SHM_DROP_BAD_PT;
	case DP_RTP_DROP_SRC:
		return SHM_DROP_BAD_SRC;
	default:
		return SHM_DROP_BAD_RTP;
	}
}

void
dp_rtp_tx_init(struct dp_rtp_tx *tx, uint32_t ssrc, uint16_t seq0)
{
	memset(tx, 0, sizeof(*tx));
	tx->ssrc = ssrc;
	tx->seq = seq0;
}

void
dp_rtp_write_hdr(uint8_t *buf, uint8_t pt, bool marker, uint16_t seq,
		 uint32_t ts, uint32_t ssrc)
{
	buf[0] = 0x80;
	buf[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	dp_net_put16(buf + 2, seq);
	dp_net_put32(buf + 4, ts);
	dp_net_put32(buf + 8, ssrc);
}

void
dp_rtp_tx_next(struct dp_rtp_tx *tx, uint8_t *buf, uint8_t pt, bool marker,
	       uint32_t ts, uint32_t payload_len)
{
	dp_rtp_write_hdr(buf, pt, marker, tx->seq, ts, tx->ssrc);
	tx->seq++;
	tx->n_pkts++;
	tx->n_octets += payload_len;
	tx->last_ts = ts;
}
