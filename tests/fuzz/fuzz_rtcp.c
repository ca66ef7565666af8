/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_rtcp.c: libFuzzer target for compound RTCP (dataplane/rtcp.c).
 * Input: a compound packet. Properties: accepted or refused for one
 * counted reason; a CNAME lies inside the packet; what was accepted, built
 * again (SR or RR, its block, its CNAME), parses back to the same; the
 * interval computation is defined for inputs taken from the packet.
 */
#include "fuzz.h"
#include "net.h"
#include "rtcp.h"

static void
rebuild(const struct dp_rtcp_info *in)
{
	static uint8_t out[DP_RTCP_BUILD_MAX];
	struct dp_rtcp_sender s = {
		.ssrc = in->ssrc,
		.ntp = in->ntp,
		.rtp_ts = in->rtp_ts,
		.n_pkts = in->n_pkts,
		.n_octets = in->n_octets,
	};
	struct dp_rtcp_stats st = { 0 };
	struct dp_rtcp_info back;
	int len;

	if (in->cname_len == 0)
		return;
	if (in->has_sr)
		len = dp_rtcp_build_sr(out, sizeof(out), &s,
				       in->has_rb ? &in->rb : NULL, in->cname,
				       in->cname_len);
	else
		len = dp_rtcp_build_rr(out, sizeof(out), in->ssrc,
				       in->has_rb ? &in->rb : NULL, in->cname,
				       in->cname_len);
	FUZZ_CHECK(len > 0 && len <= DP_RTCP_BUILD_MAX && len % 4 == 0);
	FUZZ_CHECK(dp_rtcp_parse(out, (uint32_t)len, in->rb.ssrc, &back, &st) ==
		   0);
	FUZZ_CHECK(back.ssrc == in->ssrc && back.has_sr == in->has_sr);
	FUZZ_CHECK(back.ntp == in->ntp && back.n_octets == in->n_octets);
	FUZZ_CHECK(back.has_rb == in->has_rb);
	FUZZ_CHECK(!in->has_rb || (back.rb.cum_lost == in->rb.cum_lost &&
				   back.rb.dlsr == in->rb.dlsr));
	FUZZ_CHECK(back.cname_len == in->cname_len);
	FUZZ_CHECK(memcmp(back.cname, in->cname, in->cname_len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_rtcp_stats st = { 0 };
	struct dp_rtcp_info info;
	uint64_t n_drop = 0;
	uint8_t *b;

	if (size > 65536)
		return 0;
	b = fuzz_dup(data, size);
	if (dp_rtcp_parse(b, (uint32_t)size,
			  size >= 12 ? dp_net_get32(b + 8) : 0, &info,
			  &st) == 0) {
		/* led by SR or RR, or reduced-size (RFC 5506) */
		FUZZ_CHECK(st.n_compound == 1 &&
			   (st.n_sr + st.n_rr >= 1 || st.n_reduced == 1));
		FUZZ_CHECK(info.cname_len == 0 ||
			   (info.cname >= b &&
			    info.cname + info.cname_len <= b + size));
		rebuild(&info);
	} else {
		FUZZ_CHECK(info.drop < DP_RTCP_DROP_MAX_);
		FUZZ_CHECK(st.n_drop[info.drop] == 1);
	}
	for (int i = 0; i < DP_RTCP_DROP_MAX_; i++)
		n_drop += st.n_drop[i];
	FUZZ_CHECK(n_drop + st.n_compound == 1);
	if (size >= 16) {
		struct dp_rtcp_interval in = {
			.members = dp_net_get32(b),
			.senders = dp_net_get32(b + 4),
			.rtcp_bw = dp_net_get32(b + 8),
			.avg_rtcp_size = dp_net_get32(b + 12),
			.we_sent = b[0] & 1,
			.initial = b[1] & 1,
		};
		uint64_t t = dp_rtcp_interval_us(&in, dp_net_get32(b + 4));

		FUZZ_CHECK(t >= (in.initial ? 1026000u : 2052000u));
	}
	free(b);
	return 0;
}
