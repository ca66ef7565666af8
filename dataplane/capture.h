/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture.h: tuttictl capture, a leg's packets in and out into a pcap
 * file, as tutti-dp received and sent them (the operator's tcpdump, which
 * cannot see a DPDK port). A worker copies each frame of a leg being
 * captured (dp_leg_rt.cap_left != 0: one compare on a line the packet
 * path reads anyway; on receive, a burst's frames are looked at only if
 * some leg of the worker's is: lc->n_cap) into a record from a shared
 * pool and queues it on one
 * multi-producer ring; the housekeeping lcore (dp_cap_drain()) writes the
 * records out, a file a capture, leg-LEG_ID-SERIAL.pcap in tutti-dp's
 * --capture-dir. Without that directory nothing is made and
 * SHM_CMD_CAPTURE is refused (-ENOTSUP). A capture of a whole conference
 * (dp_cap_conf_start()) counts its frames in its dp_conf and writes
 * conf-CONF_ID-SERIAL.pcap; each of its legs has cap_left 1 and cap_conf.
 *
 * A capture ends with its last packet (the record says so), or when
 * stopped or its leg removed (an end token on a ring of its own, read
 * before the records so that every record of it is written first); every
 * file is closed at dp_cap_fini(). A frame that finds the pool or ring
 * full is not captured and is counted lost, and the capture goes on
 * until it has its packets.
 */
#ifndef TUTTI_DP_CAPTURE_H
#define TUTTI_DP_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "lcore.h"
#include "shm_proto.h"

#define DP_CAP_SNAP	512	/* bytes of a frame kept (pcap snaplen) */
#define DP_CAP_RECS	4096	/* records in flight, all workers */
#define DP_CAP_FILES	16	/* captures written at once */

/*
 * Capture into dir (NULL or "": capture off; dp_cap_frame() and
 * dp_cap_start() then refuse). Main lcore, before the workers run.
 * Returns 0, -ENAMETOOLONG, -ENOTDIR (not a directory it can write in)
 * or -ENOMEM.
 */
int dp_cap_init(const char *dir);

/* Write what is queued, close every file (logging what each holds), free
 * the pool and rings. After the workers stopped. */
void dp_cap_fini(void);

/* Say each file's state in slots[SHM_CAPTURES] (the region's), each new
 * file in the next slot (NULL: nowhere). Main lcore. */
void dp_cap_publish(struct shm_capture *slots);

/* The directory, or NULL with capture off. */
const char *dp_cap_dir(void);

/*
 * SHM_CMD_CAPTURE on rt, leg leg_id: capture its next packets (0: stop)
 * into a file of serial. A capture of rt going on ends first. Worker
 * lcore. Returns 0, -ENOTSUP (capture off) or -EBUSY (rt's conference
 * is captured whole).
 */
int dp_cap_start(struct dp_lcore *lc, struct dp_leg_rt *rt, uint32_t leg_id,
		 uint32_t packets, uint16_t serial);

/* The capture of rt, leg leg_id, ends (stopped, or its leg goes): its
 * file is closed; or rt leaves its conference's capture. Worker lcore. */
void dp_cap_stop(struct dp_lcore *lc, struct dp_leg_rt *rt, uint32_t leg_id);

/*
 * SHM_CMD_CAPTURE of conference c whole (leg_id 0): the next packets of
 * its legs, in and out, those that join meanwhile (dp_cap_join()) too,
 * into one file of serial (conf-CONF_ID-SERIAL.pcap); 0 stops it. Its
 * legs' own captures end (and a leg's is refused while it runs:
 * dp_cap_start()). A capture of c going on ends first. Each of its legs
 * is taken in (rt->cap_left 1, rt->cap_conf), and leaves at its next
 * frame once c->cap_left is spent. Cold: looks through the worker's leg
 * slots. Worker lcore. Returns 0 or -ENOTSUP (capture off).
 */
int dp_cap_conf_start(struct dp_lcore *lc, struct dp_conf *c,
		      uint32_t packets, uint16_t serial);

/* c's whole capture ends (stopped, or c goes): its file is closed, its
 * legs leave it. Worker lcore. */
void dp_cap_conf_stop(struct dp_lcore *lc, struct dp_conf *c);

/* rt (cap_conf) leaves its conference's capture if that ended (at
 * housekeeping: a leg with no frames to take leaves too). */
void dp_cap_left(struct dp_lcore *lc, struct dp_leg_rt *rt);

/* rt, leg leg_id, is new in c: into c's capture, if one runs. */
void dp_cap_join(struct dp_lcore *lc, const struct dp_conf *c,
		 struct dp_leg_rt *rt, uint32_t leg_id);

/* m, rt's frame received or sent at TSC tsc, into rt's capture; only
 * while rt->cap_left != 0. Worker lcore. */
void dp_cap_frame(struct dp_lcore *lc, struct dp_leg_rt *rt,
		  const struct rte_mbuf *m, uint64_t tsc);

/* Write what the workers queued, at most budget records; close the
 * captures that ended. Housekeeping lcore. Returns the records written. */
unsigned int dp_cap_drain(unsigned int budget);

#endif /* TUTTI_DP_CAPTURE_H */
