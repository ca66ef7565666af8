/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_prov.h: static provisioning of conferences and legs from a file,
 * without any SIP, so an external packet generator (TRex, pktgen-dpdk, a
 * pcap replay, tutti-gen) can drive tutti-dp. The file is turned into the
 * same commands the control plane sends (struct shm_msg), each validated
 * with shm_msg_validate(). Both processes read it: tutti-dp at start
 * (--provision: applied on the owning worker before the workers start),
 * tutti-cp when the operator asks (tuttictl provision: it gives the
 * conferences and legs ids of its own and sends them on the rings). Cold
 * path. libc only.
 *
 * Format: one directive per line, '#' starts a comment, key=value options:
 *
 *   conference ID [worker=W] [rate=8000|16000] [ptime=10|20|30|40]
 *              [talkers=K] [max-legs=N] [limiter]
 *   leg ID conference=ID remote=A.B.C.D:PORT local=[A.B.C.D:]PORT
 *       [codec=PCMU|PCMA|L16] [pt=N] [rate=HZ] [dtmf=PT] [ssrc=N]
 *       [ptime=MS] [dir=sendrecv|sendonly|recvonly|inactive]
 *       [gain=DB] [timeout=MS] [mute] [deaf] [latch] [inband-dtmf]
 *       [srtp=SUITE srtp-key-in=KEY srtp-key-out=KEY]
 *   legs FIRST-LAST conference=ID remote=A.B.C.D:PORT
 *       local=[A.B.C.D:]PORT ...
 *       (a range: leg i gets remote port PORT+2*(i-FIRST) and local port
 *        PORT+2*(i-FIRST); for thousands of generator legs)
 *
 * srtp= makes the leg's media SRTP (RFC 3711) with SDES's suites
 * (AES_CM_128_HMAC_SHA1_80 or _32) and keys in their a=crypto inline: form
 * (base64 of the 30 bytes of master key and salt): srtp-key-in= for what
 * tutti-dp receives, srtp-key-out= for what it sends; each becomes a
 * SHM_CMD_LEG_SRTP after the leg's LEG_ADD. A range's legs share the keys
 * (each leg's SSRC differs: ssrc= is refused there). The keys are wiped
 * from what the parser read and from the commands when they are freed;
 * a file of keys others may read is taken, and said (keys_exposed).
 *
 * local= names the leg's address among those tutti-dp owns (--addr); without
 * one it is the first. A local port is taken once per address: beyond the
 * 32,256 even ports of one, legs go on another.
 */
#ifndef TUTTI_SHM_PROV_H
#define TUTTI_SHM_PROV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm_proto.h"

struct shm_prov_cmd {
	struct shm_msg msg;	/* a validated command */
	uint16_t worker;	/* the worker that owns its conference */
	bool worker_given;	/* CONF_CREATE: worker= said so (else the
				 * conferences take the workers in turn) */
	uint32_t line;		/* of the file: where a refusal points */
};

struct shm_prov {
	struct shm_prov_cmd *cmds;	/* malloc'd, n_cmds entries */
	size_t n_cmds;
	uint32_t n_confs;
	uint32_t n_legs;
	uint32_t n_srtp_legs;	/* of them, with srtp= */
	bool keys_exposed;	/* shm_prov_load(): SRTP keys in a file that
				 * others than its owner may read (mode
				 * & 044): the callers warn */
};

/*
 * Parse the file at path for a data plane with n_workers workers. On error
 * err holds "FILE:LINE: reason" and nothing is returned. Returns 0,
 * -ENOENT/-EACCES (cannot open), -EINVAL (bad content), -ENOMEM.
 * The caller frees with shm_prov_free().
 */
int shm_prov_load(struct shm_prov *p, const char *path, uint16_t n_workers,
		 char *err, size_t errlen);

/* As shm_prov_load() on a string; name is used in error messages. */
int shm_prov_parse(struct shm_prov *p, const char *text, const char *name,
		  uint16_t n_workers, char *err, size_t errlen);

/* Free what shm_prov_load()/_parse() returned; safe on a zeroed struct. */
void shm_prov_free(struct shm_prov *p);

#endif /* TUTTI_SHM_PROV_H */
