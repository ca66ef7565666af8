/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * state.h: tutti-cp's state file, what a restarted tutti-cp needs to take
 * over the calls in progress while tutti-dp keeps their legs running: per
 * conference its name, id, worker, kind and mixing parameters, per
 * participant its leg, RTP address and port, From, SIP dialog (sip.h's
 * struct cp_sip_dialog_state: with the focus's last SDP where the focus
 * refreshes the session, for a refresh by re-INVITE), the SDP it
 * negotiated and the operator's mute and deaf; a leg provisioned without
 * SIP (tuttictl provision) has prov=1 and no dialog (an older tutti-cp
 * skips that field, finds no dialog to restore and removes the leg: a
 * downgrade keeps the calls, not the provisioned legs). conf.c fills and
 * reads struct cp_state; this module only writes and parses the file.
 *
 * The file is text, one record per line, "key=value" fields with
 * %XX-escaped values, under a version line ("tutti-cp-state 1") and ending
 * with a line that counts the records. The workers the operator drained
 * (tuttictl drain) are a "drain" record, and each dial-out of a
 * conference's policy still waiting for its worker (tutti-dp
 * --admit-busy) a "dial" record, each written only while there is one: a
 * file without them reads as before they were added. It is replaced atomically
 * (a temporary file, fsync, rename, fsync of the directory). A file of
 * another version, or one that does not parse, is refused with FILE:LINE:
 * reason.
 *
 * A record or a field this tutti-cp does not know is skipped, and counted
 * (struct cp_state's skipped): a newer tutti-cp may have written it, and a
 * downgrade then keeps the calls. So a later version adds only records and
 * fields that an older one may go without (and a field it adds must be
 * optional: a file of the version before has none); a change an older
 * tutti-cp must not skip raises CP_STATE_VERSION.
 *
 * Control-plane main thread, cold path (joins, leaves, re-INVITEs, mutes:
 * never per packet).
 */
#ifndef TUTTI_CP_STATE_H
#define TUTTI_CP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shm_proto.h"
#include "sip.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CP_STATE_VERSION 1

struct cp_state_conf {
	char name[40];	  /* user part of its URI */
	char uri[128];	  /* its URI, for the log */
	uint32_t conf_id; /* on the data plane */
	uint32_t worker;  /* the worker that runs it */
	bool adhoc;	  /* made by the factory */
	bool locked;
	bool on_dp;	  /* CONF_CREATE was sent */
	char creator[96]; /* From of who made it, "" = standing */
	bool creator_asserted; /* creator: asserted (RFC 3325), not From */
	bool prov;	  /* made by tuttictl provision */
	struct shm_msg_conf params; /* as sent (rate_hz 0: a file from
				     * before they were kept: tutti-cp's
				     * defaults) */
};

struct cp_state_part {
	char conf[40]; /* its conference's name */
	uint32_t leg_id;
	uint16_t port;	  /* focus RTP port, host order */
	char from[96];	  /* From URI */
	char display[96]; /* From display name, "" = none */
	bool dialed_out;  /* the focus called it */
	bool moderator;
	bool held;	    /* its SDP put the focus on hold */
	bool pin_pending;   /* in, deaf and mute, until its PIN */
	uint8_t op_flags;   /* SHM_LEG_MUTE | SHM_LEG_DEAF by the operator */
	bool prov;	    /* provisioned (tuttictl provision): no dialog */
	bool anon;	    /* asked for privacy: anonymous in the roster */
	bool asserted;	    /* from: asserted (RFC 3325), not From */
	char auth_user[64]; /* Digest user, "" = none */
	uint64_t sdp_id;    /* o= of the SDP the focus sent */
	uint64_t sdp_version;
	uint64_t sdp_hash;	/* of that SDP (struct cp_sdp_sess) */
	/* SRTP (SDES, RFC 4568), for a leg with SHM_LEG_SRTP: the suite
	 * (SHM_SRTP_NONE where not known: plain RTP, keys not known, a file
	 * from before), the focus's key and the peer's (master key, salt) */
	uint8_t srtp_suite;
	uint8_t srtp_key[SHM_SRTP_KEY_BYTES];
	uint8_t srtp_rx_key[SHM_SRTP_KEY_BYTES];
	struct shm_msg_leg leg; /* negotiated media, as sent to tutti-dp;
				 * leg.leg_id is leg_id */
	struct cp_sip_dialog_state dlg;
};

/* A dial-out of a conference's policy not made yet: its worker was at its
 * limit, and it is tried again until it is made. */
struct cp_state_dial {
	char conf[40];	/* its conference's name */
	char uri[128];	/* whom to call, as the policy has it */
};

struct cp_state {
	uint64_t dp_generation; /* region generation the legs ran in */
	uint64_t drained;	/* workers drained (tuttictl drain), bit w
				 * for worker w */
	uint32_t n_confs, n_parts, n_dials;
	/* records and fields skipped as unknown, and the first one's line
	 * and what it was ("record 'x'", "field 'y' of a conf record") */
	uint32_t skipped;
	unsigned long skipped_line;
	char skipped_what[64];
	struct cp_state_conf *confs; /* owned */
	struct cp_state_part *parts; /* owned */
	struct cp_state_dial *dials; /* owned */
};

/*
 * Append one record (grows the arrays). Returns a zeroed record to fill,
 * or NULL without memory.
 */
struct cp_state_conf *cp_state_add_conf(struct cp_state *st);
struct cp_state_part *cp_state_add_part(struct cp_state *st);
struct cp_state_dial *cp_state_add_dial(struct cp_state *st);

/* Free the records (st itself is the caller's); st is left empty. */
void cp_state_clear(struct cp_state *st);

/*
 * Replace path with st, atomically (path.tmp, fsync, rename). Returns 0 or
 * -errno; err says what failed.
 */
int cp_state_write(const char *path, const struct cp_state *st, char *err,
		   size_t errlen);

/*
 * Read path into st (empty on entry; left empty on failure). Returns 0,
 * -ENOENT (no file), -EPROTO (another version or a corrupt file: err is
 * "PATH:LINE: reason"), other -errno.
 */
int cp_state_read(const char *path, struct cp_state *st, char *err,
		  size_t errlen);

/*
 * The two halves of the above on an open stream (tests, fuzzing):
 * cp_state_print() writes st's text to f; cp_state_parse() reads f as
 * cp_state_read() reads a file, name standing for its path in err.
 */
void cp_state_print(FILE *f, const struct cp_state *st);
int cp_state_parse(FILE *f, const char *name, struct cp_state *st, char *err,
		   size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_STATE_H */
