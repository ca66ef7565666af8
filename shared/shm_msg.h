/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_msg.h: building, validating and naming ring messages. Both processes;
 * the data plane validates every command before applying it and the control
 * plane every event before acting on it. libc only.
 */
#ifndef TUTTI_SHM_MSG_H
#define TUTTI_SHM_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "shm_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Zero m and fill its header. Any thread. */
void shm_msg_init(struct shm_msg *m, enum shm_msg_type type, uint32_t seq,
		  uint32_t conf_id);

/*
 * Check a received message: known type, no unknown flag bits, all padding
 * zero, every enum field in range, values within their documented sets.
 * Returns 0, -ENOTSUP for an unknown type, or -EINVAL for anything else.
 * Any thread; reads exactly sizeof(*m) bytes.
 */
int shm_msg_validate(const struct shm_msg *m);

/* true for command types (cp -> dp). */
bool shm_msg_is_cmd(uint16_t type);

/* Static name of a message type ("LEG_ADD"), "?" if unknown. */
const char *shm_msg_type_name(uint16_t type);

/* Static name of a drop reason ("bad_rtp"), "?" if unknown. */
const char *shm_drop_name(unsigned int reason);

/* Static name of shm_worker_stats.tick_late's bucket b, its range in ms
 * ("2-5", "20+"), "?" if none. */
const char *shm_tick_late_name(unsigned int b);

/* Static name of a codec ("PCMU"), "?" if unknown. */
const char *shm_codec_name(unsigned int codec);

/* Static name of an SRTP suite ("AES_CM_128_HMAC_SHA1_80"; "none" for
 * SHM_SRTP_NONE), "?" if unknown. */
const char *shm_srtp_suite_name(unsigned int suite);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_SHM_MSG_H */
