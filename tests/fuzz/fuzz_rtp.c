/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_rtp.c: libFuzzer target for one leg's RTP receive state
 * (dataplane/rtp.c). Input: a config byte (bit 0: symmetric latching,
 * bit 1: a telephone-event PT), the audio PT byte, then records of
 * [length: 2 bytes LE][source: 1][arrival step: 1][packet]. Properties:
 * every packet is counted once (accepted or one drop reason); accepted
 * packets carry the leg's PTs and a payload inside the packet; once
 * latched, other sources are refused; report blocks stay in range.
 */
#include "fuzz.h"
#include "rtp.h"

#define N_SRC 4

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t ips[N_SRC] = { 0x0200a8c0, 0x0300a8c0, 0x0400a8c0,
					     0x0500a8c0 };
	static struct dp_rtp_rx rx;
	struct dp_rtp_rx_cfg cfg = {
		.rate_hz = 8000,
		.clock_hz = 1000000,
		.remote_ip_be = ips[0],
		.remote_port_be = 0x409c,
	};
	struct dp_rtp_report rb;
	uint64_t now = 0, calls = 0, counted;
	size_t off = 2;

	if (size < 2)
		return 0;
	cfg.latch = (data[0] & 1) ? DP_RTP_LATCH_FIRST : DP_RTP_LATCH_FIXED;
	cfg.pt = data[1] & 0x7f;
	cfg.dtmf_pt = (data[0] & 2) ? (uint8_t)((cfg.pt + 93) & 0x7f) : 0;
	if (dp_rtp_rx_init(&rx, &cfg) != 0)
		return 0;
	while (off + 4 <= size) {
		uint32_t len = data[off] | (uint32_t)data[off + 1] << 8;
		uint32_t ip = ips[data[off + 2] % N_SRC];
		uint16_t port = (data[off + 2] & 0x80) ? 0x419c : 0x409c;
		bool was_latched = rx.latched;
		uint32_t lip = rx.src_ip_be;
		uint16_t lport = rx.src_port_be;
		struct dp_rtp_pkt p;
		enum dp_rtp_verdict v;
		uint8_t *b;

		now += (uint64_t)data[off + 3] * 1000;
		off += 4;
		if (len > size - off)
			len = (uint32_t)(size - off);
		b = fuzz_dup(data + off, len);
		off += len;
		v = dp_rtp_rx(&rx, b, len, ip, port, now, &p);
		calls++;
		if (v == DP_RTP_DROP) {
			FUZZ_CHECK(p.drop < DP_RTP_DROP_MAX_);
		} else {
			FUZZ_CHECK(v == DP_RTP_AUDIO ? p.pt == cfg.pt
						     : p.pt == cfg.dtmf_pt);
			FUZZ_CHECK(p.payload >= b + DP_RTP_HDR_LEN);
			FUZZ_CHECK(p.payload + p.len_bytes <= b + len);
			FUZZ_CHECK(!dp_rtp_is_rtcp(b, len));
			FUZZ_CHECK(!was_latched ||
				   (ip == lip && port == lport));
			FUZZ_CHECK(rx.latched && rx.ssrc == p.ssrc);
		}
		free(b);
	}
	counted = rx.st.n_pkts;
	for (int i = 0; i < DP_RTP_DROP_MAX_; i++)
		counted += rx.st.n_drop[i];
	FUZZ_CHECK(counted == calls);
	if (dp_rtp_rx_report(&rx, now, &rb) == 0) {
		FUZZ_CHECK(rb.cum_lost <= 0x7fffff && rb.cum_lost >= -0x800000);
		FUZZ_CHECK(rb.ssrc == rx.ssrc);
	} else {
		FUZZ_CHECK(rx.st.n_pkts == 0);
	}
	(void)dp_rtp_rx_lost(&rx);
	(void)dp_rtp_rx_jitter_us(&rx);
	return 0;
}
