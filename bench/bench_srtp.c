/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_srtp.c: what SRTP costs a leg's packet (dataplane/srtp.c over
 * libsrtp2), a 20 ms G.711 frame (12 + 160 bytes of RTP), per suite
 * (1: AES_CM_128_HMAC_SHA1_80, 2: AES_CM_128_HMAC_SHA1_32):
 *
 *   srtp/protect/S      a packet sent: dp_srtp_protect() of one built
 *                       afresh (its sequence number one up)
 *   srtp/round_trip/S   that, then the peer's dp_srtp_unprotect() of it:
 *                       a packet out and one in, what an SRTP leg adds to
 *                       a participant frame (bench_io's io/ benchmarks
 *                       give the frame's cost without it)
 *   srtp/copy/0         the baseline: the same packet built (header and
 *                       payload copied) and nothing else
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gb_shim.h"
#include "rtp.h"
#include "srtp.h"

#define PAYLOAD	160

enum which { PROTECT, ROUND_TRIP, COPY };

static void
key_fill(uint8_t *k, uint8_t seed)
{
	for (int i = 0; i < SHM_SRTP_KEY_BYTES; i++)
		k[i] = (uint8_t)(seed * 29 + i * 7);
}

static void
run(struct gb_state *st, void *arg)
{
	enum which w = (enum which)(uintptr_t)arg;
	uint8_t suite = (uint8_t)gb_range(st, 0);
	uint8_t k1[SHM_SRTP_KEY_BYTES], k2[SHM_SRTP_KEY_BYTES];
	uint8_t payload[PAYLOAD], pkt[12 + PAYLOAD + DP_SRTP_TRAILER_ROOM];
	struct dp_srtp *a = dp_srtp_new(), *b = dp_srtp_new();
	uint16_t seq = 1;
	unsigned int why;

	memset(payload, 0xd5, sizeof(payload));
	key_fill(k1, 1);
	key_fill(k2, 2);
	if (a == NULL || b == NULL ||
	    (w != COPY &&
	     (dp_srtp_set_key(a, SHM_SRTP_RX, suite, k1, 0) != 0 ||
	      dp_srtp_set_key(a, SHM_SRTP_TX, suite, k2, 0x7000) != 0 ||
	      dp_srtp_set_key(b, SHM_SRTP_RX, suite, k2, 0) != 0 ||
	      dp_srtp_set_key(b, SHM_SRTP_TX, suite, k1, 0xa0) != 0))) {
		gb_skip_with_error(st, "no SRTP session");
		goto out;
	}
	while (gb_keep_running(st)) {
		uint32_t len = 12 + PAYLOAD;

		dp_rtp_write_hdr(pkt, 0, false, seq, (uint32_t)seq * PAYLOAD,
				 0x7000);
		memcpy(pkt + 12, payload, PAYLOAD);
		seq++;
		if (w != COPY &&
		    dp_srtp_protect(a, false, pkt, &len, &why) != 0) {
			gb_skip_with_error(st, dp_srtp_drop_name(why));
			break;
		}
		if (w == ROUND_TRIP &&
		    dp_srtp_unprotect(b, false, pkt, &len, &why) != 0) {
			gb_skip_with_error(st, dp_srtp_drop_name(why));
			break;
		}
		gb_do_not_optimize(pkt);
	}
	gb_set_items(st, gb_iterations(st));
out:
	dp_srtp_free(a);
	dp_srtp_free(b);
}

int
main(int argc, char **argv)
{
	if (dp_srtp_init() != 0) {
		fprintf(stderr, "bench_srtp: libsrtp2 would not start\n");
		return 1;
	}
	for (uint8_t s = SHM_SRTP_AES_CM_128_HMAC_SHA1_80;
	     s <= SHM_SRTP_AES_CM_128_HMAC_SHA1_32; s++) {
		gb_arg(gb_register("srtp/protect", run, (void *)PROTECT), s);
		gb_arg(gb_register("srtp/round_trip", run,
				   (void *)ROUND_TRIP), s);
	}
	gb_arg(gb_register("srtp/copy", run, (void *)COPY), 0);
	return gb_main(argc, argv);
}
