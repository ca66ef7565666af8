/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_msg.h: building, validating and naming ring messages. Both processes;
 * the data plane validates every command before applying it and the control
 * plane every event before acting on it. libc only.
 */
#ifndef TUTTI_SHM_MSG_H
#define TUTTI_SHM_MSG_H

#include <stdbool.h>
#include <stddef.h>
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

/* The SRTP suite named by the n bytes at name (case as RFC 4568 writes
 * it), SHM_SRTP_NONE if none of ours. */
unsigned int shm_srtp_suite_of(const char *name, size_t n);

/*
 * Base64 (RFC 4648 section 4), as SDES keys are written (RFC 4568's
 * inline:, a provisioning file's srtp-key-in=). shm_b64_encode() writes the
 * base64 of n bytes, padded and NUL-terminated, to o, which has room for
 * SHM_B64_LEN(n) + 1 bytes. shm_b64_decode() decodes the n characters at
 * s strictly (the standard alphabet only, '=' only as the padding of a
 * last group of 4 or none at all, the last character's unused bits zero):
 * returns how many bytes they hold, written to out only if they fit in cap;
 * -1 if s is not base64.
 */
#define SHM_B64_LEN(n)	(4 * (((n) + 2) / 3))
void shm_b64_encode(const uint8_t *in, size_t n, char *o);
int shm_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_SHM_MSG_H */
