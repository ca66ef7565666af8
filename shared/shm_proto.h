/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_proto.h: the shared-memory protocol between tutti-cp (control plane)
 * and tutti-dp (data plane). The single source of truth for every message
 * and for the layout of the region both processes map: compiled unchanged by
 * both, no pointers (offsets from the region base only), fixed-width types,
 * explicit padding, host byte order except where a field says "network
 * order". No code lives here.
 *
 * Region layout (all offsets are from the region base, 4 KiB aligned):
 *
 *   +--------------------------+ 0
 *   | struct shm_region_hdr    |  magic, version, fingerprint, generation,
 *   |                          |  peer pids and heartbeats, section offsets
 *   +--------------------------+ hdr.ring_off
 *   | cmd ring, worker 0       |  rte_ring of struct shm_msg, cp -> dp, SP/SC
 *   | evt ring, worker 0       |  rte_ring of struct shm_msg, dp -> cp, SP/SC
 *   | ... one pair per worker  |  each ring hdr.ring_bytes long
 *   +--------------------------+ hdr.stats_off
 *   | struct shm_worker_stats  |  one per worker, published by that worker
 *   +--------------------------+ hdr.leg_off
 *   | struct shm_leg_entry     |  hdr.n_legs entries: what the dp is running
 *   +--------------------------+ hdr.size
 *
 * Compatibility rules: a change of any struct here changes the layout
 * fingerprint and needs SHM_VER_MAJOR bumped; minor versions only append
 * message types. Enum values are explicit and never renumbered; retired
 * values stay as placeholders. Receivers reject unknown types, unknown flag
 * bits and non-zero padding (shm_msg_validate()).
 */
#ifndef TUTTI_SHM_PROTO_H
#define TUTTI_SHM_PROTO_H

#include <arpa/inet.h>
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define SHM_STATIC_ASSERT static_assert
extern "C" {
#else
#define SHM_STATIC_ASSERT _Static_assert
#endif

#define SHM_MAGIC		0x5455545449534d31ULL	/* "TUTTISM1" */
#define SHM_VER_MAJOR		5	/* 4: shm_msg_leg.local_addr;
					 * 5: shm_region_hdr.addr_plen,
					 * ports */
#define SHM_VER_MINOR		4	/* 1: SHM_CMD_CAPTURE (a 5.0 data
					 * plane refuses it) and
					 * shm_region_hdr.capture_dir and
					 * captures (in what was padding:
					 * "" and none there); 2: a capture
					 * of a whole conference (leg_id 0;
					 * shm_capture.conference); 3:
					 * SHM_CMD_LEG_SRTP and
					 * SHM_LEG_SRTP (a 5.2 data plane
					 * refuses both); 4: LEG_SRTP's
					 * SHM_SRTP_F_INDEX and the leg
					 * table's srtp_rx_* (a 5.3 data
					 * plane refuses the flag and
					 * leaves the fields 0) */

#define SHM_MAX_WORKERS		64	/* worker lcores per data plane */
#define SHM_MAX_PORTS		4	/* ethdev ports of the data plane */
#define SHM_MAX_ADDRS		16	/* IPv4 addresses on the data plane's
					 * port (struct shm_region_hdr) */
#define SHM_MSG_BYTES		64	/* one slot, one cache line */
#define SHM_RING_SLOTS_DEFAULT	4096	/* power of two */
#define SHM_LEGS_DEFAULT	65536	/* leg table entries */
#define SHM_NAME_MAX		64	/* region name incl. leading '/' and NUL */
#define SHM_DEFAULT_NAME	"/tutti"
#define SHM_ALIGN		4096	/* section alignment, bytes */

/* Region lifecycle, written by the data plane only. */
enum shm_state {
	SHM_STATE_INIT = 0,	/* being built: do not attach yet */
	SHM_STATE_READY = 1,	/* data plane running */
	SHM_STATE_CLOSED = 2,	/* data plane exited cleanly */
};

/* Message types. Commands go cp -> dp, events dp -> cp. */
enum shm_msg_type {
	SHM_MSG_NONE = 0,		/* never sent: catches zeroed slots */
	/* commands, 1..63 */
	SHM_CMD_HELLO = 1,		/* cp announces itself; body hello */
	SHM_CMD_CONF_CREATE = 2,	/* body conf */
	SHM_CMD_CONF_DESTROY = 3,	/* body conf (only conf_id used) */
	SHM_CMD_LEG_ADD = 4,		/* body leg */
	SHM_CMD_LEG_UPDATE = 5,		/* body leg */
	SHM_CMD_LEG_REMOVE = 6,		/* body leg (only leg_id used) */
	SHM_CMD_CAPTURE = 7,		/* body capture */
	SHM_CMD_LEG_SRTP = 8,		/* body srtp (5.3) */
	SHM_CMD_MAX_ = 9,		/* first unassigned command value */
	/* events, 64..127 */
	SHM_EVT_STATUS = 64,		/* answer to any command; body status */
	SHM_EVT_MEDIA_TIMEOUT = 65,	/* body timeout */
	SHM_EVT_DTMF = 66,		/* body dtmf */
	SHM_EVT_TALKER = 67,		/* body talker */
	SHM_EVT_STATS = 68,		/* body stats: periodic summary */
	SHM_EVT_MAX_ = 69,		/* first unassigned event value */
};

/* Header flags: none defined in v1; any set bit is rejected. */
#define SHM_MSG_FLAGS_KNOWN	0x0000u

/* Codecs a leg can use. */
enum shm_codec {
	SHM_CODEC_PCMU = 0,	/* G.711 mu-law, static PT 0 */
	SHM_CODEC_PCMA = 1,	/* G.711 A-law, static PT 8 */
	SHM_CODEC_L16 = 2,	/* linear 16-bit big-endian, mono */
	SHM_CODEC_MAX_ = 3,
};

/* Media direction from the focus's point of view of the leg (SDP terms). */
enum shm_dir {
	SHM_DIR_SENDRECV = 0,
	SHM_DIR_SENDONLY = 1,	/* focus sends, ignores what it receives */
	SHM_DIR_RECVONLY = 2,	/* focus receives, sends nothing */
	SHM_DIR_INACTIVE = 3,
	SHM_DIR_MAX_ = 4,
};

/* Leg flags (struct shm_msg_leg.flags). */
enum shm_leg_flag {
	SHM_LEG_MUTE = 1u << 0,		/* never mixed */
	SHM_LEG_DEAF = 1u << 1,		/* hears nothing */
	SHM_LEG_LATCH = 1u << 2,	/* symmetric RTP: latch to the source */
	SHM_LEG_INBAND_DTMF = 1u << 3,	/* run the in-band DTMF detector */
	SHM_LEG_SRTP = 1u << 4,		/* media is SRTP (RFC 3711): keys by
					 * SHM_CMD_LEG_SRTP; until both are
					 * set nothing is taken or sent (5.3) */
};
#define SHM_LEG_FLAGS_KNOWN	0x1fu

/* SRTP protection profiles (RFC 4568 6.2 crypto-suites), 5.3. */
enum shm_srtp_suite {
	SHM_SRTP_NONE = 0,
	SHM_SRTP_AES_CM_128_HMAC_SHA1_80 = 1,
	SHM_SRTP_AES_CM_128_HMAC_SHA1_32 = 2,
	SHM_SRTP_MAX_ = 3,
};
#define SHM_SRTP_KEY_BYTES	30	/* master key (16) and salt (14) */

/* Conference flags (struct shm_msg_conf.flags). */
enum shm_conf_flag {
	SHM_CONF_LIMITER = 1u << 0,	/* soft limiter on the mix */
};
#define SHM_CONF_FLAGS_KNOWN	0x01u

/* 16 bytes at the start of every slot. */
struct shm_msg_hdr {
	uint16_t type;		/* enum shm_msg_type */
	uint16_t flags;		/* SHM_MSG_FLAGS_KNOWN */
	uint32_t seq;		/* command: cp's sequence; status: echoed */
	uint32_t conf_id;	/* conference the message is about, or 0 */
	uint32_t _pad0;
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_hdr) == 16, "ABI: msg hdr");

struct shm_msg_hello {		/* SHM_CMD_HELLO */
	uint32_t cp_pid;
	uint32_t _pad0;
	uint64_t cp_start_ns;	/* CLOCK_MONOTONIC at cp start */
	uint8_t _pad1[32];
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_hello) == 48, "ABI: hello");

struct shm_msg_conf {		/* SHM_CMD_CONF_CREATE, _DESTROY */
	uint32_t rate_hz;	/* mixing rate: 8000 or 16000 */
	uint8_t ptime_ms;	/* tick: 10, 20, 30 or 40 */
	uint8_t n_talkers;	/* K loudest legs mixed; 0 = default (4) */
	uint8_t flags;		/* enum shm_conf_flag */
	uint8_t _pad0;
	uint32_t max_legs;	/* 0 = no limit beyond the leg table */
	uint8_t _pad1[36];
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_conf) == 48, "ABI: conf");

struct shm_msg_leg {		/* SHM_CMD_LEG_ADD, _UPDATE, _REMOVE */
	uint32_t leg_id;	/* cp-chosen, unique per region, != 0 */
	uint32_t ssrc;		/* SSRC the focus sends with */
	uint8_t addr[16];	/* remote RTP address, IPv4-mapped IPv6 */
	uint16_t remote_port;	/* remote RTP port, network order */
	uint16_t local_port;	/* focus RTP port, network order */
	uint8_t codec;		/* enum shm_codec */
	uint8_t pt;		/* RTP payload type of the codec */
	uint8_t dtmf_pt;	/* telephone-event PT, 0 = none */
	uint8_t dir;		/* enum shm_dir */
	uint32_t rate_hz;	/* codec clock rate */
	uint8_t ptime_ms;	/* packetisation of what the focus sends */
	uint8_t flags;		/* enum shm_leg_flag */
	int16_t gain_db_q8;	/* gain applied to the leg's voice, dB * 256 */
	uint16_t timeout_ms;	/* media timeout, 0 = never */
	uint8_t local_addr[4];	/* focus RTP address, IPv4 (network
				 * order), one of those tutti-dp owns on
				 * its port; 0.0.0.0 = the first */
	uint8_t _pad0[2];
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_leg) == 48, "ABI: leg");
SHM_STATIC_ASSERT(offsetof(struct shm_msg_leg, remote_port) == 24,
		  "ABI: leg port");
SHM_STATIC_ASSERT(offsetof(struct shm_msg_leg, local_addr) == 42,
		  "ABI: leg local address");

/*
 * A capture tutti-dp writes or wrote (tuttictl captures), in
 * shm_region_hdr.captures: the newest SHM_CAPTURES, each slot taken in
 * turn by a new file. Written by tutti-dp's housekeeping lcore (seqlock:
 * shm_pub_begin()/shm_read_capture()): at its file's opening, as it
 * writes, and at its end.
 */
#define SHM_CAPTURES		32
enum shm_capture_state {
	SHM_CAPTURE_NONE = 0,		/* slot never used */
	SHM_CAPTURE_WRITING = 1,
	SHM_CAPTURE_DONE = 2,		/* its file is whole and closed */
	SHM_CAPTURE_FAILED = 3,		/* its file could not be written */
};
struct shm_capture {
	uint64_t pub_seq;
	uint32_t leg_id;
	uint16_t serial;	/* leg-LEG_ID-SERIAL.pcap */
	uint8_t state;		/* enum shm_capture_state */
	uint8_t conference;	/* 1: leg_id is a conference's conf_id, the
				 * file conf-CONF_ID-SERIAL.pcap (5.2) */
	uint32_t packets;	/* written */
	uint32_t lost;		/* frames not kept (records all taken) */
};
SHM_STATIC_ASSERT(sizeof(struct shm_capture) == 24, "ABI: capture state");

/*
 * SHM_CMD_CAPTURE: the leg's next packets, in and out, into a pcap file
 * tutti-dp writes in its capture directory (shm_region_hdr.capture_dir)
 * as leg-LEG_ID-SERIAL.pcap; packets 0 stops a capture. -ENOTSUP if
 * tutti-dp has no capture directory, -ENOENT for an unknown leg, -EBUSY
 * for a leg whose conference is captured whole.
 * leg_id 0 (5.2): the next packets of every leg of conference
 * hdr.conf_id, those that join meanwhile too, into one file,
 * conf-CONF_ID-SERIAL.pcap; its legs' own captures end.
 */
#define SHM_CAPTURE_MAX		65535	/* packets one capture takes */
/* a capture's file: printf format of the directory, leg id and serial */
#define SHM_CAPTURE_FILE	"%s/leg-%u-%u.pcap"
/* a whole conference's: of the directory, conf_id and serial */
#define SHM_CAPTURE_CONF_FILE	"%s/conf-%u-%u.pcap"
struct shm_msg_capture {
	uint32_t leg_id;	/* 0: the whole conference (5.2) */
	uint32_t packets;	/* 1..SHM_CAPTURE_MAX; 0: stop */
	uint16_t serial;	/* in the file's name (cp-chosen) */
	uint8_t _pad0[38];
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_capture) == 48, "ABI: capture");

/*
 * SHM_CMD_LEG_SRTP (5.3): one direction's SRTP master key and salt for a
 * leg that has SHM_LEG_SRTP, sent after its LEG_ADD (or the LEG_UPDATE
 * that set the flag), once for what the peer sends (rx: what tutti-dp
 * unprotects with) and once for what tutti-dp sends (tx). A key sent again
 * replaces the old one (a re-INVITE's new key): that direction starts over
 * (rollover counter 0, replay window empty). -ENOENT for an unknown leg,
 * -EINVAL for a leg without SHM_LEG_SRTP or a bad suite. The key is kept
 * by the worker only: the leg table does not publish it.
 *
 * SHM_SRTP_F_INDEX (5.4, rx only): where the peer's stream was, as the
 * tutti-dp before this one last published it in the leg table
 * (shm_leg_entry.srtp_rx_*), given by a control plane to a new tutti-dp:
 * the stream of SSRC rx_ssrc starts at the index nearest to rx_roc and
 * rx_seq (RFC 3711 3.3.1's estimate from its first packet), not at
 * rollover counter 0, so that a peer past its first 65,536 packets is
 * still heard after a restart of tutti-dp. Ignored where the key is the
 * one the session has (the session goes on); rx_* are 0 without the flag.
 */
enum shm_srtp_dir {
	SHM_SRTP_RX = 0,
	SHM_SRTP_TX = 1,
};
#define SHM_SRTP_F_INDEX	(1u << 0)	/* rx_* set (5.4) */
#define SHM_SRTP_FLAGS_KNOWN	0x01u
struct shm_msg_srtp {
	uint32_t leg_id;
	uint8_t dir;		/* enum shm_srtp_dir */
	uint8_t suite;		/* enum shm_srtp_suite, not NONE */
	uint8_t flags;		/* SHM_SRTP_F_* (5.4) */
	uint8_t _pad0;
	uint8_t key[SHM_SRTP_KEY_BYTES]; /* master key, then master salt */
	uint16_t rx_seq;	/* SHM_SRTP_F_INDEX: the highest sequence
				 * number, */
	uint32_t rx_ssrc;	/* of this SSRC, */
	uint32_t rx_roc;	/* under this rollover counter */
};
SHM_STATIC_ASSERT(offsetof(struct shm_msg_srtp, rx_seq) == 38,
		  "ABI: srtp index");
SHM_STATIC_ASSERT(sizeof(struct shm_msg_srtp) == 48, "ABI: srtp");

struct shm_msg_status {		/* SHM_EVT_STATUS; hdr.seq = the command's */
	int32_t status;		/* 0 or -errno */
	uint16_t cmd_type;	/* type of the command, as received */
	uint16_t worker;	/* worker that handled it */
	uint32_t dp_pid;	/* answering data plane */
	uint32_t _pad0;
	uint64_t generation;	/* region generation it was handled in */
	uint8_t _pad1[24];
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_status) == 48, "ABI: status");

struct shm_msg_timeout {	/* SHM_EVT_MEDIA_TIMEOUT */
	uint32_t leg_id;
	uint32_t idle_ms;	/* time since the last valid RTP packet */
	uint8_t _pad0[40];
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_timeout) == 48, "ABI: timeout");

enum shm_dtmf_src {
	SHM_DTMF_RFC4733 = 0,
	SHM_DTMF_INBAND = 1,
};

struct shm_msg_dtmf {		/* SHM_EVT_DTMF: one digit, reported once */
	uint32_t leg_id;
	uint8_t digit;		/* ASCII: 0-9 * # A-D */
	uint8_t source;		/* enum shm_dtmf_src */
	uint16_t duration_ms;
	uint8_t volume_dbm0;	/* RFC 4733 volume, 0..63 (as -dBm0) */
	uint8_t _pad0[39];
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_dtmf) == 48, "ABI: dtmf");

struct shm_msg_talker {		/* SHM_EVT_TALKER: a leg starts/stops talking */
	uint32_t leg_id;
	uint8_t talking;	/* 1 = became a contributor, 0 = stopped */
	uint8_t _pad0;
	int16_t level_dbov_q8;	/* short-term level, dBov * 256 */
	uint8_t _pad1[40];
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_talker) == 48, "ABI: talker");

struct shm_msg_stats {		/* SHM_EVT_STATS: periodic per-worker summary */
	uint16_t worker;
	uint16_t _pad0;
	uint32_t n_confs;
	uint32_t n_legs;
	uint32_t late_ticks;	/* since the previous summary */
	uint64_t rx_pkts;	/* totals since start */
	uint64_t tx_pkts;
	uint64_t drops;
	uint8_t _pad1[8];
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg_stats) == 48, "ABI: stats msg");

/* One ring slot. */
struct shm_msg {
	struct shm_msg_hdr hdr;
	union {
		struct shm_msg_hello hello;
		struct shm_msg_conf conf;
		struct shm_msg_leg leg;
		struct shm_msg_capture capture;
		struct shm_msg_srtp srtp;
		struct shm_msg_status status;
		struct shm_msg_timeout timeout;
		struct shm_msg_dtmf dtmf;
		struct shm_msg_talker talker;
		struct shm_msg_stats stats;
		uint8_t raw[48];
	} body;
};
SHM_STATIC_ASSERT(sizeof(struct shm_msg) == SHM_MSG_BYTES,
		  "ABI: slot is one cache line");
SHM_STATIC_ASSERT(offsetof(struct shm_msg, body) == 16, "ABI: header size");

/* Drop reasons counted by the data plane, indexes into drops[]. */
enum shm_drop {
	SHM_DROP_NOT_FOR_US = 0,	/* wrong MAC/IP/port, or not UDP/ARP */
	SHM_DROP_BAD_IP = 1,		/* IPv4 header or checksum */
	SHM_DROP_BAD_UDP = 2,		/* UDP length or checksum */
	SHM_DROP_BAD_RTP = 3,		/* RTP header validation, or a
					 * payload the codec cannot frame */
	SHM_DROP_BAD_PT = 4,		/* payload type not signalled */
	SHM_DROP_BAD_SRC = 5,		/* source address not latched */
	SHM_DROP_JB_LATE = 6,		/* too late for the jitter buffer,
					 * or of an SSRC since replaced */
	SHM_DROP_JB_DUP = 7,		/* duplicate */
	SHM_DROP_JB_FULL = 8,		/* outside the window */
	SHM_DROP_NO_MBUF = 9,		/* mempool empty */
	SHM_DROP_TX_FULL = 10,		/* NIC queue full */
	SHM_DROP_BAD_CMD = 11,		/* rejected control message */
	SHM_DROP_EVT_FULL = 12,		/* event ring full: an event
					 * refused. A media timeout, talker
					 * change or DTMF digit is said
					 * again at its leg's next tick (and
					 * counted again if refused again);
					 * a stats event is not */
	SHM_DROP_NO_ARP = 13,		/* next hop's MAC not known yet */
	SHM_DROP_BAD_RTCP = 14,		/* RTCP validation */
	SHM_DROP_EVT_NO_CP = 15,	/* no control plane: event not offered */
	SHM_DROP_MAX_ = 16,		/* size of the drops[] arrays */
};

/*
 * Per-worker counters, written only by that worker and published with a
 * seqlock: the worker makes pub_seq odd, writes, makes it even (release);
 * readers retry while it is odd or changed (acquire).
 */
/* The upper edges of shm_worker_stats.tick_late's buckets, ms; the last
 * bucket has none. */
#define SHM_TICK_LATE_BUCKETS	6
#define SHM_TICK_LATE_EDGES_MS	{ 1, 2, 5, 10, 20 }

struct shm_worker_stats {
	uint64_t pub_seq;	/* seqlock: odd while being written */
	uint32_t lcore;		/* DPDK lcore id of the worker */
	uint32_t n_confs;
	uint32_t n_legs;
	/* allocations of the worker's SRTP sessions that did not fit their
	 * session's block (a peer sending from a third SSRC: each such
	 * packet then costs what SRTP cost before the blocks); 5.4, in what
	 * was padding: an older data plane leaves it 0 */
	uint32_t srtp_spills;
	uint64_t loops;		/* main-loop iterations */
	uint64_t busy_cycles;	/* TSC cycles spent doing work */
	uint64_t total_cycles;	/* TSC cycles since start */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t ticks;		/* conference ticks run */
	uint64_t late_ticks;	/* ticks started more than a ptime late */
	uint64_t tick_ns_max;	/* worst tick duration, ns (since start or
				 * tutti-dp's last SIGUSR1 snapshot) */
	uint64_t tick_ns_sum;	/* for the mean: sum / ticks */
	uint64_t cmds;		/* commands applied */
	uint64_t evts;		/* events sent */
	uint64_t drops[SHM_DROP_MAX_];
	/* the longest time between two polls (receive queue and ticks),
	 * ns: a stall of the worker's CPU (preemption, a hypervisor's steal)
	 * shows here; a whole ptime of it makes late ticks. With
	 * --idle-sleep-us the sleeps count too. Since start or tutti-dp's
	 * last SIGUSR1 snapshot. */
	uint64_t poll_gap_ns_max;
	/* losses left silent rather than concealed because their tick ran
	 * more than DP_PLC_SHED_US behind time (see dp_tick_conf) */
	uint64_t plc_shed;
	/* ticks by how late they started after their due time: under 1 ms,
	 * 1-2, 2-5, 5-10, 10-20, 20 ms or more (SHM_TICK_LATE_EDGES_MS) */
	uint64_t tick_late[SHM_TICK_LATE_BUCKETS];
	/* ticks a leg played by concealment or silence because its frame
	 * was not there: lost, late, or its packet still in the receive
	 * queue when its tick ran (the legs' shm_leg_entry.concealed
	 * together, as the ticks count them) */
	uint64_t concealed;
	/* tutti-dp --admit-busy: new legs refused (-EAGAIN; the control
	 * plane answers 503) because the worker's last second was busy at
	 * or above the limit or ran a tick late, or would have been with
	 * the legs admitted since; and 1 while it refuses */
	uint64_t new_legs_refused;
	uint64_t overloaded;
	/* polls of the receive queue (and dispatch ring) that brought
	 * packets: rx_pkts / rx_polls is the mean burst taken */
	uint64_t rx_polls;
	/* packets the port's transmit queue did not take at once, kept in
	 * the worker's backlog and sent later, oldest first (what did not
	 * fit is drops[SHM_DROP_TX_FULL]); and the most it held at once
	 * (since start or tutti-dp's last SIGUSR1 snapshot) */
	uint64_t tx_deferred;
	uint64_t tx_backlog_max;
	/* DTMF digits lost: pressed while the event ring had no room, with
	 * DP_TICK_DTMF_PEND of the leg's already waiting (a digit that finds
	 * no room is said again at its leg's next tick; see
	 * SHM_DROP_EVT_FULL). In what was padding: a control plane that
	 * does not know it reads nothing there. */
	uint64_t dtmf_lost;
	/* SRTP and SRTCP packets refused (authentication, replay, no key
	 * yet) or not sent (no key yet) on legs with SHM_LEG_SRTP (5.3, in
	 * what was padding) */
	uint64_t srtp_drops;
};
SHM_STATIC_ASSERT(sizeof(struct shm_worker_stats) == 384, "ABI: wstats");
SHM_STATIC_ASSERT(sizeof(struct shm_worker_stats) % 64 == 0,
		  "ABI: wstats cache aligned");

/* Leg table entry states. */
enum shm_leg_state {
	SHM_LEG_FREE = 0,
	SHM_LEG_ACTIVE = 1,
};

/*
 * One leg as the data plane runs it, so a restarted control plane can learn
 * what is running. Written only by the worker owning the leg, seqlock as for
 * shm_worker_stats. Indexed by (leg_id % n_legs) with linear probing done by
 * the data plane; readers scan the whole table.
 */
struct shm_leg_entry {
	uint64_t pub_seq;	/* seqlock: odd while being written */
	uint32_t state;		/* enum shm_leg_state */
	uint32_t conf_id;
	uint16_t worker;
	uint16_t _pad0;
	uint32_t _pad1;
	struct shm_msg_leg leg;	/* as last applied */
	/* counters, totals since the leg was added */
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t lost;		/* sequence gaps */
	uint32_t jitter_us;	/* RFC 3550 interarrival jitter */
	uint32_t _pad2;
	uint64_t concealed;	/* ticks played by concealment or silence
				 * for want of its frame (lost, late, or
				 * incomplete: dp_jitter_stats.n_missing) */
	/* SRTP legs (5.4), with the counters: the peer's stream (its SSRC,
	 * the rollover counter and highest sequence number it has reached)
	 * once a packet of it authenticated; srtp_rx_known 1 then, else 0
	 * and the three 0. What a control plane gives a new tutti-dp
	 * (SHM_SRTP_F_INDEX). */
	uint32_t srtp_rx_ssrc;
	uint32_t srtp_rx_roc;
	uint16_t srtp_rx_seq;
	uint8_t srtp_rx_known;
	uint8_t _pad3[5];
};
SHM_STATIC_ASSERT(sizeof(struct shm_leg_entry) == 128, "ABI: leg entry");
SHM_STATIC_ASSERT(offsetof(struct shm_leg_entry, leg) == 24,
		  "ABI: leg entry body");

/* A port's driver counters (rte_eth_stats), published by tutti-dp's main
 * lcore once a second (seqlock: shm_pub_begin()/shm_read_port()), with
 * its link's state. */
struct shm_port_stats {
	uint64_t pub_seq;
	uint16_t port_id;	/* the ethdev port */
	uint8_t link_up;	/* 1: its link is up */
	uint8_t _pad;
	uint32_t speed_mbps;	/* the link's speed, 0: unknown */
	char name[32];		/* its device, e.g. net_af_packet0 */
	uint64_t ipackets, opackets;
	uint64_t ibytes, obytes;
	uint64_t imissed;	/* dropped by the port: its receive queues
				 * full (tutti-dp polled too slowly) */
	uint64_t ierrors, oerrors;
	uint64_t rx_nombuf;	/* no receive buffer from the pool */
};
SHM_STATIC_ASSERT(sizeof(struct shm_port_stats) == 112, "ABI: port stats");

/*
 * The region header, at offset 0. Its first 32 bytes are the same in every
 * version, so any tutti-dp can tell whether a region is in use by a live
 * data plane before replacing it, whatever version made it.
 */
struct shm_region_hdr {
	/* version-independent prefix */
	uint64_t magic;		/* SHM_MAGIC, written last by the creator */
	uint16_t ver_major;	/* SHM_VER_MAJOR */
	uint16_t ver_minor;	/* SHM_VER_MINOR */
	uint32_t fingerprint;	/* shm_layout_fingerprint() of the creator */
	uint64_t generation;	/* random, new for every region created */
	uint32_t dp_pid;	/* creator */
	uint32_t state;		/* enum shm_state (atomic, dp writes) */
	/* layout */
	uint64_t size;		/* bytes mapped */
	uint32_t n_workers;	/* ring pairs and stats slots in use */
	uint32_t ring_slots;	/* capacity of every ring, power of two */
	uint32_t n_legs;	/* leg table entries */
	uint32_t cp_pid;	/* attached control plane, 0 = none (atomic) */
	uint64_t ring_off;	/* first ring */
	uint64_t ring_bytes;	/* bytes per ring, SHM_ALIGN multiple */
	uint64_t stats_off;	/* struct shm_worker_stats[n_workers] */
	uint64_t leg_off;	/* struct shm_leg_entry[n_legs] */
	/* liveness */
	uint64_t dp_heartbeat_ns; /* CLOCK_MONOTONIC, dp main loop (atomic) */
	uint64_t cp_heartbeat_ns; /* CLOCK_MONOTONIC, cp main loop (atomic) */
	uint64_t dp_start_ns;	/* CLOCK_MONOTONIC at dp start */
	uint64_t cp_generation;	/* cp's own random id, to tell restarts */
	uint16_t worker_lcore[SHM_MAX_WORKERS]; /* DPDK lcore per worker */
	char dp_version[32];	/* tutti-dp version string, NUL terminated */
	/* the addresses tutti-dp owns on its ports (--addr), IPv4 network
	 * order, the first port's first, [0] its first (a leg's local_addr
	 * 0.0.0.0); 0: no port; and the prefix length of each (32: the
	 * address alone; tutti-cp gives a participant on the link of one
	 * that address). Written before SHM_STATE_READY, then fixed */
	uint32_t n_addrs;
	uint32_t addrs[SHM_MAX_ADDRS];
	uint8_t addr_plen[SHM_MAX_ADDRS];
	/* tutti-dp's ports (--addr's order; 0: none), names written before
	 * SHM_STATE_READY, their counters once a second */
	uint32_t n_ports;
	uint32_t _pad1;
	struct shm_port_stats ports[SHM_MAX_PORTS];
	/* tutti-dp --capture-dir, NUL terminated ("": no capture), written
	 * before SHM_STATE_READY */
	char capture_dir[256];
	struct shm_capture captures[SHM_CAPTURES];
	uint8_t _pad0[2248];
};
SHM_STATIC_ASSERT(sizeof(struct shm_region_hdr) == SHM_ALIGN,
		  "ABI: region header is one page");
SHM_STATIC_ASSERT(offsetof(struct shm_region_hdr, generation) == 16,
		  "ABI: generation offset (version-independent)");
SHM_STATIC_ASSERT(offsetof(struct shm_region_hdr, dp_pid) == 24,
		  "ABI: dp_pid offset (version-independent)");
SHM_STATIC_ASSERT(offsetof(struct shm_region_hdr, state) == 28,
		  "ABI: state offset (version-independent)");

/* The mask of a prefix of plen bits (0-32, more reads as 32), network
 * order: of an address's addr_plen, as tutti-dp and tutti-cp read it. */
static inline uint32_t
shm_prefix_mask(unsigned int plen)
{
	return plen == 0 ? 0 : htonl(~0u << (32 - (plen > 32 ? 32 : plen)));
}

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_SHM_PROTO_H */
