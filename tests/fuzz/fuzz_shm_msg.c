/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_shm_msg.c: libFuzzer target for shm_msg_validate() (shared/
 * shm_msg.c), the gate of every ring slot. Input: up to one 64-byte slot
 * (zero-filled). Properties: the verdict is 0, -EINVAL or -ENOTSUP, the
 * latter exactly for unnamed types; a valid leg command gives an RTP
 * receive configuration without crashing dp_rtp_rx_init().
 */
#include <errno.h>

#include "fuzz.h"
#include "rtp.h"
#include "shm_msg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shm_msg *m;
	int rc;

	if (size > sizeof(*m))
		return 0;
	m = calloc(1, sizeof(*m));
	FUZZ_CHECK(m != NULL);
	memcpy(m, data, size);
	rc = shm_msg_validate(m);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOTSUP);
	if (m->hdr.flags == 0 && m->hdr._pad0 == 0)
		FUZZ_CHECK((rc == -ENOTSUP) ==
			   (shm_msg_type_name(m->hdr.type)[0] == '?'));
	else
		FUZZ_CHECK(rc == -EINVAL);
	if (rc == 0 && (m->hdr.type == SHM_CMD_LEG_ADD ||
			m->hdr.type == SHM_CMD_LEG_UPDATE)) {
		struct dp_rtp_rx_cfg cfg;
		static struct dp_rtp_rx rx;

		if (dp_rtp_rx_cfg_from_leg(&cfg, &m->body.leg, 1000000000) == 0)
			(void)dp_rtp_rx_init(&rx, &cfg);
	}
	(void)shm_msg_is_cmd(m->hdr.type);
	(void)shm_drop_name(data[0]);
	(void)shm_codec_name(m->body.leg.codec);
	free(m);
	return 0;
}
