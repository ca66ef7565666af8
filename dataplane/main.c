/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c: tutti-dp start-up and shutdown: EAL init, options, the shared
 * region, one struct dp_lcore per worker lcore, signals, and the main
 * lcore's housekeeping (heartbeat, watching for the control plane). No
 * packet logic here.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "capture.h"
#include "io.h"
#include "lcore.h"
#include "log.h"
#include "port.h"
#include "csum.h"
#include "ctl.h"
#include "shm_prov.h"
#include "shm_msg.h"
#include "shm_region.h"
#include "simd.h"
#include "srtp.h"
#include "steer.h"

#define DP_VERSION "0.1.0"
/* rte_flow requests applied per 10 ms of the main lcore's loop */
#define STEER_BUDGET	256

struct dp_opts {
	const char *region;
	uint32_t ring_slots;
	uint32_t n_legs;
	uint32_t max_confs;
	uint64_t idle_sleep_us;
	uint64_t rx_hold_us;	/* --rx-hold-us */
	uint32_t admit_busy_pct;
	enum dp_simd simd;
	const char *provision;	/* file of conferences and legs, or NULL */
	const char *capture_dir;	/* tuttictl capture's files, or NULL */
	/* --addr's ports, in the order first given (dp_io_key()'s
	 * addresses: the first port's, then the next's), with their
	 * addresses and prefixes, and --gateway once checked against them,
	 * kept (and checked) as the ports will have them */
	struct dp_port net[DP_PORTS_MAX];
	unsigned int n_ports;
	unsigned int n_addrs;	/* of all ports */
	/* --gateway (network order) and --vlan by ethdev port (0: none),
	 * checked against --addr when all options are read */
	uint32_t gw_be[RTE_MAX_ETHPORTS];
	uint16_t vlan[RTE_MAX_ETHPORTS];
	uint8_t dscp;		/* --dscp */
	uint32_t n_mbufs;
	uint16_t rx_desc, tx_desc;
	bool tx_zero_copy;	/* shared payloads attached, not copied */
	bool no_steer;		/* --no-steer: software dispatch only */
};

static struct dp_port ports[DP_PORTS_MAX];
static unsigned int n_ports;
static struct rte_mempool *pool;

static struct shm_region region;
static struct dp_lcore *lcores;		/* one per worker */
static unsigned int n_workers;
static char worker_list[256];		/* "1,2": worker lcores, for logs */

/* What the main lcore knows about the control plane. */
static struct {
	uint32_t pid;		/* 0 = none seen */
	bool lost;		/* heartbeat stopped */
	uint64_t lost_beat;	/* its last heartbeat when it was lost */
	uint64_t next_ns;	/* next housekeeping, CLOCK_MONOTONIC */
} cp;
static uint64_t ports_next_ns;	/* next publish of the ports' counters */
static int8_t port_link[DP_PORTS_MAX];	/* last logged: 1 up, 0 down, -1 not
					 * yet */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tutti-dp [EAL options] -- [options]\n"
"\n"
"The Tutti data plane: a DPDK application that mixes conference audio on\n"
"pinned worker lcores and is programmed by tutti-cp through a shared-memory\n"
"region (POSIX shm, /dev/shm/<name>). It creates the region; start tutti-cp\n"
"with the same --region. Every EAL lcore but the main one is a worker; with\n"
"a single lcore the main lcore is the only worker.\n"
"\n"
"EAL options (DPDK's): e.g. -l 1 --no-huge -m 128 --no-pci --no-shconf\n"
"  --vdev net_af_packet0,iface=veth0   (see the DPDK EAL documentation)\n"
"\n"
"Options:\n"
"  --region NAME          shared region name (default %s)\n"
"  --ring-slots N         command/event ring size per worker, power of two\n"
"                         (default %u)\n"
"  --legs N               leg table entries, all workers (default %u)\n"
"  --confs-per-worker N   conferences one worker can own (default 1024)\n"
"  --idle-sleep-us N      sleep N us when a worker has been idle for 1024\n"
"                         polls (default 0: poll without sleeping, as in\n"
"                         production; the demo and tests use 100)\n"
"  --rx-hold-us N         after a receive poll that brought fewer than %u\n"
"                         packets, leave the queue N us, so that the next\n"
"                         poll takes a burst: the legs of a burst are\n"
"                         fetched from memory side by side, those of\n"
"                         single packets one after another. A packet\n"
"                         waits up to N us more, so keep N well below the\n"
"                         time the queue's descriptors (--rx-desc) last at\n"
"                         full rate. 0-%u; default %u; 0: poll every loop\n"
"  --admit-busy PCT       refuse new legs on a worker whose last second was\n"
"                         busy PCT %% or more of its time, or ran a tick\n"
"                         late, until a second that was neither (tutti-cp\n"
"                         answers 503 with Retry-After); within a second,\n"
"                         the legs admitted since count at the last\n"
"                         second's cost of a leg, so a burst of joins\n"
"                         stops short of PCT; the legs it has keep going\n"
"                         (1-100; default 0: never refuse)\n"
"  --simd ISA             highest SIMD kernels to use: auto, scalar, avx2,\n"
"                         avx512 (default auto: the best this CPU has)\n"
"  --addr PORT=A.B.C.D[/LEN][,A.B.C.D[/LEN]...]\n"
"                         own IPv4 address A.B.C.D on ethdev PORT (e.g.\n"
"                         0=198.18.0.2/24), on a link of prefix length LEN\n"
"                         (default 32: the address alone; see --gateway):\n"
"                         answer ARP and ping there, take RTP for the\n"
"                         legs' ports, send the mixes; without\n"
"                         --addr no port is used (control only). Up to\n"
"                         %d ports (--addr again for each: e.g. an\n"
"                         access and a core network), every worker\n"
"                         polling each, and up to %d addresses in all (a\n"
"                         list, or --addr again): a leg's local port is\n"
"                         one of 65536 of its address, so each address\n"
"                         adds room for 32,256 legs (even ports\n"
"                         1024-65534); a leg names its address (tutti-cp\n"
"                         --media-ip, the provisioning file's\n"
"                         local=A.B.C.D:PORT), and its packets go out of\n"
"                         that address's port; the first port's first\n"
"                         address if it names none\n"
"  --gateway PORT=A.B.C.D\n"
"                         send what goes outside the prefixes of PORT's\n"
"                         addresses through the router A.B.C.D, which must\n"
"                         lie inside one of them (e.g. --addr\n"
"                         0=198.18.0.2/24 --gateway 0=198.18.0.254);\n"
"                         without it every destination is asked for by\n"
"                         ARP directly (a link of its own, or a router's\n"
"                         proxy ARP). Either way a leg's packets go back\n"
"                         to the MAC its packets come from\n"
"  --mbufs N              packet buffers (default: what the queues and\n"
"                         each worker's transmit backlog hold and 2048\n"
"                         more, at least 8191)\n"
"  --rx-desc N            receive descriptors per queue (default 4096:\n"
"                         80 ms of 1,000 legs, 4 ms of 20,000)\n"
"  --tx-desc N            transmit descriptors per queue (default 1024)\n"
"  --vlan PORT=ID         PORT's frames are 802.1Q-tagged with VLAN ID\n"
"                         (1-4094), as on a switch's trunk: tags taken off\n"
"                         what comes in (untagged frames and other VLANs'\n"
"                         dropped) and put on what goes out, by the port\n"
"                         where its driver offers it, else in software\n"
"  --dscp N               DSCP of the RTP and RTCP sent, 0-63 (default 46:\n"
"                         EF, RFC 4594 telephony; 34 is AF41, 0 none)\n"
"  --tx-zero-copy         send a shared mix to its listeners as a segment\n"
"                         attached to one copy, not copied per packet, if\n"
"                         the port takes chained mbufs (for NICs that DMA\n"
"                         them; PMDs that copy anyway, memif, af_packet,\n"
"                         are faster without: bench_io io/frame_zc)\n"
"  --no-steer             no rte_flow rules: with several workers, packets\n"
"                         reach the worker owning their leg by software\n"
"                         dispatch only (default: rules per leg where the\n"
"                         port takes them, dispatch for the rest)\n"
"  --provision FILE       create the conferences and legs in FILE at start,\n"
"                         without SIP (for packet generators); the format is\n"
"                         in shared/shm_prov.h and the README\n"
"  --capture-dir DIR      let 'tuttictl capture CONF WHO' write a leg's\n"
"                         packets, in and out, as it receives and sends\n"
"                         them, into DIR/leg-LEG-SERIAL.pcap (the log says\n"
"                         when each is done); default: no capture\n"
"  --log-level LEVEL      error, warn, info (default), debug\n"
"  -h, --help             this help\n"
"  --version              print the version\n"
"\n"
"Signals: SIGINT or SIGTERM stop it, with each worker's totals and each\n"
"port's driver counters (packets the port missed: its receive queues\n"
"full) in the log; SIGUSR1 logs them now ('snapshot: worker ...', as\n"
"last published, at most 100 ms old; 'snapshot: port ...') and goes on,\n"
"its maxima (worst tick, longest gap between polls) started afresh: at\n"
"stop they cover the time since.\n"
"\n"
"Example (no hugepages, no NIC, one worker):\n"
"  tutti-dp -l 1 --no-huge -m 128 --no-pci --no-shconf --no-telemetry \\\n"
"      -- --region /tutti\n"
"With a veth (tools/lab) through af_packet:\n"
"  tutti-dp -l 1 --no-huge -m 256 --no-pci --vdev \\\n"
"      net_af_packet0,iface=tutti-dp0 -- --addr 0=198.18.0.2\n"
"Two ports, an access network and a core network behind a router:\n"
"  tutti-dp -l 1 --no-huge -m 256 --no-pci \\\n"
"      --vdev net_af_packet0,iface=veth0 --vdev net_af_packet1,iface=veth1 \\\n"
"      -- --addr 0=198.18.0.2/24 --addr 1=198.19.0.2/24 \\\n"
"      --gateway 1=198.19.0.1\n",
		SHM_DEFAULT_NAME, SHM_RING_SLOTS_DEFAULT, SHM_LEGS_DEFAULT,
		DP_RX_HOLD_BELOW, DP_RX_HOLD_US_MAX, DP_RX_HOLD_US_DEFAULT,
		DP_PORTS_MAX, DP_NET_ADDRS_MAX);
}

static int
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
	  uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || *s == '-' || v < min ||
	    v > max) {
		LOG_ERR("--%s %s: expected a number in %" PRIu64 "..%" PRIu64,
			opt, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/*
 * The default pool: every worker's receive and transmit descriptors full
 * (a NIC keeps its receive ring stocked), its transmit stash and backlog
 * (DP_TX_BACKLOG: held while the port takes nothing, they must not starve
 * its receive queue), a mempool cache per lcore, and 2048 in flight; at
 * least 8191 (what one worker with --no-huge -m 128 has always had), as
 * 2^k - 1 (mempool's best).
 */
static uint32_t
pool_size(const struct dp_opts *o)
{
	uint32_t need = n_workers * (o->n_ports * ((uint32_t)o->rx_desc +
						   o->tx_desc + DP_TX_BACKLOG) +
				     DP_TX_STASH) +
			rte_lcore_count() * 256u + 2048u, n = 8191;

	while (n < need)
		n = n * 2 + 1;
	return n;
}

/* The index in o->net of ethdev port pt, or -1 if --addr gave it none. */
static int
opt_port_find(const struct dp_opts *o, uint16_t pt)
{
	for (unsigned int i = 0; i < o->n_ports; i++)
		if (o->net[i].port_id == pt)
			return (int)i;
	return -1;
}

/* true if one of o's ports has ip_be already. */
static bool
opt_addr_given(const struct dp_opts *o, uint32_t ip_be)
{
	for (unsigned int i = 0; i < o->n_ports; i++)
		for (unsigned int a = 0; a < o->net[i].n_addrs; a++)
			if (o->net[i].ipv4[a] == ip_be)
				return true;
	return false;
}

/* --addr PORT=...: the addresses and prefixes (n of them) onto o's port
 * pt, a new one if it has none yet. */
static int
opt_addr(struct dp_opts *o, const char *arg, uint16_t pt, const uint32_t *ip,
	 const uint8_t *plen, unsigned int n)
{
	int k = opt_port_find(o, pt);

	if (k < 0 && o->n_ports == DP_PORTS_MAX) {
		LOG_ERR("--addr %s: at most %d ports", arg, DP_PORTS_MAX);
		return -EINVAL;
	}
	if (k < 0) {
		k = (int)o->n_ports++;
		memset(&o->net[k], 0, sizeof(o->net[k]));
		o->net[k].port_id = pt;
	}
	for (unsigned int i = 0; i < n; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &ip[i], a, sizeof(a));
		if (opt_addr_given(o, ip[i])) {
			LOG_ERR("--addr %s: %s given twice", arg, a);
			return -EINVAL;
		}
		if (o->n_addrs == DP_NET_ADDRS_MAX) {
			LOG_ERR("--addr %s: at most %d addresses in all", arg,
				DP_NET_ADDRS_MAX);
			return -EINVAL;
		}
		dp_port_add_addr(&o->net[k], ip[i], plen[i]);
		o->n_addrs++;
	}
	return 0;
}

/* --vlan and --gateway of port pt against --addr: a port with
 * addresses; the gateway on a link of them, not one of them. */
static int
check_port_opts(struct dp_opts *o, uint16_t pt)
{
	int k = opt_port_find(o, pt), rc;
	char gw[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &o->gw_be[pt], gw, sizeof(gw));
	if (k < 0 && o->vlan[pt] != 0)
		LOG_ERR("--vlan %u=%u: port %u has no --addr", pt, o->vlan[pt],
			pt);
	if (k < 0 && o->gw_be[pt] != 0)
		LOG_ERR("--gateway %u=%s: port %u has no --addr", pt, gw, pt);
	if (k < 0)
		return o->vlan[pt] != 0 || o->gw_be[pt] != 0 ? -EINVAL : 0;
	o->net[k].vlan = o->vlan[pt];
	if (o->gw_be[pt] == 0)
		return 0;
	rc = dp_port_set_gateway(&o->net[k], o->gw_be[pt]);
	if (rc == -ENETUNREACH)
		LOG_ERR("--gateway %u=%s: not inside the prefix of any of port "
			"%u's addresses (give them one: --addr %u=A.B.C.D/LEN)",
			pt, gw, pt, pt);
	else if (rc == -EADDRINUSE || (rc == 0 && opt_addr_given(o,
								 o->gw_be[pt])))
		LOG_ERR("--gateway %u=%s: an address of tutti-dp's own", pt,
			gw);
	else if (rc < 0)
		LOG_ERR("--gateway %u=%s: not a host's address (a network, "
			"broadcast or multicast address)", pt, gw);
	else
		return 0;
	return -EINVAL;
}

static int
parse_opts(int argc, char **argv, struct dp_opts *o)
{
	static const struct option longs[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "ring-slots", required_argument, NULL, 's' },
		{ "legs", required_argument, NULL, 'L' },
		{ "confs-per-worker", required_argument, NULL, 'c' },
		{ "idle-sleep-us", required_argument, NULL, 'i' },
		{ "rx-hold-us", required_argument, NULL, 'H' },
		{ "admit-busy", required_argument, NULL, 'b' },
		{ "simd", required_argument, NULL, 'S' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "provision", required_argument, NULL, 'P' },
		{ "capture-dir", required_argument, NULL, 'C' },
		{ "addr", required_argument, NULL, 'a' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "dscp", required_argument, NULL, 'D' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "rx-desc", required_argument, NULL, 'R' },
		{ "no-steer", no_argument, NULL, 'F' },
		{ "tx-desc", required_argument, NULL, 'T' },
		{ "tx-zero-copy", no_argument, NULL, 'Z' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	enum tutti_log_level lvl;
	uint64_t v;
	int c, rc;

	o->region = SHM_DEFAULT_NAME;
	o->ring_slots = SHM_RING_SLOTS_DEFAULT;
	o->n_legs = SHM_LEGS_DEFAULT;
	o->max_confs = 1024;
	o->idle_sleep_us = 0;
	o->rx_hold_us = DP_RX_HOLD_US_DEFAULT;
	o->admit_busy_pct = 0;
	o->simd = dp_simd_best();
	o->provision = NULL;
	o->capture_dir = NULL;
	o->n_ports = 0;
	o->n_addrs = 0;
	memset(o->gw_be, 0, sizeof(o->gw_be));
	memset(o->vlan, 0, sizeof(o->vlan));
	o->dscp = 46;
	o->n_mbufs = 0;		/* from the queues: pool_size() */
	o->rx_desc = 4096;
	o->tx_desc = 1024;
	o->tx_zero_copy = false;
	o->no_steer = false;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->region = optarg;
			break;
		case 's':
			if (parse_u64("ring-slots", optarg, 64, 1u << 20, &v))
				return -EINVAL;
			if ((v & (v - 1)) != 0) {
				LOG_ERR("--ring-slots %s: must be a power of "
					"two", optarg);
				return -EINVAL;
			}
			o->ring_slots = (uint32_t)v;
			break;
		case 'L':
			if (parse_u64("legs", optarg, 1, 1u << 24, &v))
				return -EINVAL;
			o->n_legs = (uint32_t)v;
			break;
		case 'c':
			if (parse_u64("confs-per-worker", optarg, 1, 1u << 20,
				      &v))
				return -EINVAL;
			o->max_confs = (uint32_t)v;
			break;
		case 'i':
			if (parse_u64("idle-sleep-us", optarg, 0, 100000, &v))
				return -EINVAL;
			o->idle_sleep_us = v;
			break;
		case 'H':
			if (parse_u64("rx-hold-us", optarg, 0,
				      DP_RX_HOLD_US_MAX, &v))
				return -EINVAL;
			o->rx_hold_us = v;
			break;
		case 'b':
			if (parse_u64("admit-busy", optarg, 0, 100, &v))
				return -EINVAL;
			o->admit_busy_pct = (uint32_t)v;
			break;
		case 'S':
			if (dp_simd_parse(optarg, &o->simd) < 0) {
				LOG_ERR("--simd %s: expected auto, scalar, "
					"avx2 or avx512", optarg);
				return -EINVAL;
			}
			break;
		case 'l':
			if (tutti_log_parse(optarg, &lvl) < 0) {
				LOG_ERR("--log-level %s: expected error, warn, "
					"info or debug", optarg);
				return -EINVAL;
			}
			tutti_log_init("tutti-dp", lvl);
			break;
		case 'P':
			o->provision = optarg;
			break;
		case 'C':
			o->capture_dir = optarg;
			break;
		case 'a': {
			uint32_t ip[DP_NET_ADDRS_MAX];
			uint8_t plen[DP_NET_ADDRS_MAX];
			unsigned int n = 0;
			uint16_t pt;

			rc = dp_port_parse_addr(optarg, &pt, ip, plen,
						DP_NET_ADDRS_MAX, &n);
			if (rc == -EINVAL) {
				LOG_ERR("--addr %s: expected PORT=A.B.C.D[/LEN] "
					"or PORT=A.B.C.D[/LEN],A.B.C.D..., "
					"LEN 0-32, e.g. 0=198.18.0.2/24",
					optarg);
				return -EINVAL;
			}
			if (rc == -ENOSPC) {
				LOG_ERR("--addr %s: at most %d addresses in all",
					optarg, DP_NET_ADDRS_MAX);
				return -EINVAL;
			}
			if (opt_addr(o, optarg, pt, ip, plen, n) < 0)
				return -EINVAL;
			break;
		}
		case 'g': {
			unsigned int n = 0;
			uint32_t gw;
			uint16_t pt;

			if (dp_port_parse_addr(optarg, &pt, &gw, NULL, 1,
					       &n) != 0) {
				LOG_ERR("--gateway %s: expected PORT=A.B.C.D, "
					"e.g. 0=198.18.0.254", optarg);
				return -EINVAL;
			}
			o->gw_be[pt] = gw;
			break;
		}
		case 'm':
			if (parse_u64("mbufs", optarg, 511, 1u << 24, &v))
				return -EINVAL;
			o->n_mbufs = (uint32_t)v;
			break;
		case 'R':
		case 'T':
			if (parse_u64(c == 'R' ? "rx-desc" : "tx-desc", optarg,
				      64, 16384, &v))
				return -EINVAL;
			if (c == 'R')
				o->rx_desc = (uint16_t)v;
			else
				o->tx_desc = (uint16_t)v;
			break;
		case 'Z':
			o->tx_zero_copy = true;
			break;
		case 'D':
			if (parse_u64("dscp", optarg, 0, 63, &v))
				return -EINVAL;
			o->dscp = (uint8_t)v;
			break;
		case 'v': {
			unsigned int pt, id;
			char tail;

			if (sscanf(optarg, "%u=%u%c", &pt, &id, &tail) != 2 ||
			    !isdigit((unsigned char)optarg[0]) ||
			    pt >= RTE_MAX_ETHPORTS || id < 1 || id > 4094) {
				LOG_ERR("--vlan %s: expected PORT=ID, ID 1-4094, "
					"e.g. 0=100", optarg);
				return -EINVAL;
			}
			o->vlan[pt] = (uint16_t)id;
			break;
		}
		case 'F':
			o->no_steer = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("tutti-dp %s\n", DP_VERSION);
			exit(0);
		default:
			fprintf(stderr, "try 'tutti-dp -- --help'\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		LOG_ERR("unexpected argument '%s' (try 'tutti-dp -- --help')",
			argv[optind]);
		return -EINVAL;
	}
	for (uint16_t pt = 0; pt < RTE_MAX_ETHPORTS; pt++)
		if (check_port_opts(o, pt) < 0)
			return -EINVAL;
	return 0;
}


_Static_assert(SHM_TICK_LATE_BUCKETS == 6, "log_worker() prints six");

/* One line per worker: its totals (the stop log; the snapshot on SIGUSR1
 * says 'snapshot' first, from the stats each worker publishes). */
static void
log_worker(unsigned int w, const struct shm_worker_stats *s, const char *what)
{
	uint64_t drops = 0;

	for (int i = 0; i < SHM_DROP_MAX_; i++)
		drops += s->drops[i];
	/* busy and total TSC cycles, and the time in ticks, as counters: a
	 * benchmark takes the difference between a snapshot and the stop */
	LOG_INFO("%sworker %u (lcore %u): %" PRIu64 " commands, %" PRIu64
		 " events, %u conferences, %u legs; %" PRIu64 " ticks, %"
		 PRIu64 " late ticks, worst tick %" PRIu64 " us, %" PRIu64
		 " us in ticks, "
		 "longest gap between polls %" PRIu64 " us, %" PRIu64
		 " concealments shed, %" PRIu64 " frames concealed, %"
		 PRIu64 " DTMF digits lost; %"
		 PRIu64 " busy of %" PRIu64
		 " TSC cycles; %" PRIu64 " packets in (%" PRIu64
		 " receive polls), %" PRIu64
		 " out, %" PRIu64 " drops (%" PRIu64 " not sent: the port "
		 "full); ticks started late by <1/1-2/"
		 "2-5/5-10/10-20/>=20 ms: %" PRIu64 "/%" PRIu64 "/%" PRIu64
		 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64, what, w, s->lcore,
		 s->cmds, s->evts, s->n_confs, s->n_legs, s->ticks,
		 s->late_ticks, s->tick_ns_max / 1000, s->tick_ns_sum / 1000,
		 s->poll_gap_ns_max / 1000, s->plc_shed, s->concealed,
		 s->dtmf_lost, s->busy_cycles,
		 s->total_cycles, s->rx_pkts, s->rx_polls, s->tx_pkts, drops,
		 s->drops[SHM_DROP_TX_FULL],
		 s->tick_late[0], s->tick_late[1], s->tick_late[2],
		 s->tick_late[3], s->tick_late[4], s->tick_late[5]);
}

/* One line per port: its driver's counters (rte_eth_stats_get(), cold:
 * the main lcore, at a snapshot and at stop), what the port itself saw
 * and lost before any worker did (a receive queue full: missed). */
static void
log_ports(const char *what)
{
	for (unsigned int k = 0; k < n_ports; k++) {
		struct rte_eth_stats st;
		int rc = rte_eth_stats_get(ports[k].port_id, &st);

		if (rc != 0) {
			LOG_WARN("%sport %u (%s): no counters from its driver "
				 "(%s)", what, ports[k].port_id, ports[k].name,
				 strerror(-rc));
			continue;
		}
		LOG_INFO("%sport %u (%s): %" PRIu64 " packets in, %" PRIu64
			 " out; %" PRIu64 " missed (its receive queues full), %"
			 PRIu64 " receive errors, %" PRIu64 " without a receive "
			 "buffer, %" PRIu64 " transmit errors", what,
			 ports[k].port_id, ports[k].name, st.ipackets,
			 st.opackets, st.imissed, st.ierrors, st.rx_nombuf,
			 st.oerrors);
	}
}

/* Port k's link now (all zeros if its driver cannot say); a change from
 * what was last logged is logged. */
static struct rte_eth_link
port_link_check(unsigned int k)
{
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(ports[k].port_id, &link) != 0)
		memset(&link, 0, sizeof(link));
	if (link.link_status == port_link[k])
		return link;
	if (link.link_status && (link.link_speed == RTE_ETH_SPEED_NUM_NONE ||
				 link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN))
		LOG_INFO("port %u (%s): link up", ports[k].port_id,
			 ports[k].name);
	else if (link.link_status)
		LOG_INFO("port %u (%s): link up, %u Mb/s", ports[k].port_id,
			 ports[k].name, link.link_speed);
	else
		LOG_WARN("port %u (%s): link down: nothing goes in or out",
			 ports[k].port_id, ports[k].name);
	port_link[k] = (int8_t)link.link_status;
	return link;
}

/* The ports' links and driver counters into the region, for tutti-cp
 * (tuttictl stats, Prometheus): main lcore, once a second (driver calls;
 * on a single worker that is also the main lcore, so not more often). */
static void
publish_ports(void)
{
	for (unsigned int k = 0; k < n_ports; k++) {
		struct shm_port_stats *p = &region.hdr->ports[k];
		struct rte_eth_link link = port_link_check(k);
		struct rte_eth_stats st;

		if (rte_eth_stats_get(ports[k].port_id, &st) != 0)
			continue;
		shm_pub_begin(&p->pub_seq);
		p->link_up = link.link_status != 0;
		p->speed_mbps = link.link_status != 0 &&
				link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN ?
				link.link_speed : 0;
		p->ipackets = st.ipackets;
		p->opackets = st.opackets;
		p->ibytes = st.ibytes;
		p->obytes = st.obytes;
		p->imissed = st.imissed;
		p->ierrors = st.ierrors;
		p->oerrors = st.oerrors;
		p->rx_nombuf = st.rx_nombuf;
		shm_pub_end(&p->pub_seq);
	}
}

static volatile sig_atomic_t snapshot_asked;

/* SIGUSR1: each worker's totals as last published (at most 100 ms old),
 * logged by the main lcore: a benchmark's measurement window starts from
 * them (bench/sysbench, tutti-gen --warmup-signal). The workers' maxima
 * then start afresh, at their next publish. */
static void
log_snapshot(void)
{
	for (unsigned int w = 0; w < n_workers; w++) {
		struct shm_worker_stats s;

		shm_read_stats(shm_region_stats(&region, w), &s);
		log_worker(w, &s, "snapshot: ");
	}
	log_ports("snapshot: ");
	/* Release: the workers start their maxima afresh (lcore.h). */
	__atomic_add_fetch(&dp_snapshot_seq, 1, __ATOMIC_RELEASE);
}

/* Main lcore, every publish period (100 ms): called from its loop. */
void
dp_housekeeping(uint64_t now_tsc)
{
	struct shm_region_hdr *h = region.hdr;
	uint64_t now = shm_now_ns();
	uint32_t pid;
	uint64_t beat;

	(void)now_tsc;
	dp_cap_drain(DP_CAP_RECS);	/* tuttictl capture's files */
	if (snapshot_asked) {
		snapshot_asked = 0;
		log_snapshot();
	}
	if (now >= ports_next_ns) {
		ports_next_ns = now + 1000000000u;
		publish_ports();
	}
	if (now < cp.next_ns)
		return;
	cp.next_ns = now + SHM_HEARTBEAT_NS;
	/* Release: pairs with the control plane's acquire in its check. */
	__atomic_store_n(&h->dp_heartbeat_ns, now, __ATOMIC_RELEASE);
	/* Acquire: pairs with the control plane's release stores. */
	pid = __atomic_load_n(&h->cp_pid, __ATOMIC_ACQUIRE);
	beat = __atomic_load_n(&h->cp_heartbeat_ns, __ATOMIC_ACQUIRE);
	if (pid != 0 && pid != cp.pid) {
		cp.pid = pid;
		cp.lost = false;
		dp_ctl_set_cp_lost(0);
		LOG_INFO("found tutti-cp pid %u attached to region %s", pid,
			 region.name);
	} else if (pid == 0 && cp.pid != 0) {
		LOG_INFO("tutti-cp pid %u detached; media continues, waiting "
			 "for a control plane", cp.pid);
		cp.pid = 0;
	} else if (pid != 0 && !cp.lost &&
		   ((now > beat && now - beat > SHM_HEARTBEAT_STALE_NS) ||
		    !shm_pid_alive(pid))) {
		cp.lost = true;
		cp.lost_beat = beat;
		dp_ctl_set_cp_lost(pid);	/* its workers stop events */
		LOG_WARN("tutti-cp pid %u stopped (no heartbeat for %" PRIu64
			 " ms); media continues, waiting for a control plane",
			 pid, (now - beat) / 1000000);
	} else if (cp.lost && beat != cp.lost_beat && shm_pid_alive(pid) &&
		   now > beat && now - beat < SHM_HEARTBEAT_NS * 5) {
		/* a new beat from a live process: not the last one of a
		 * process that died (SIGKILL) a moment ago */
		cp.lost = false;
		dp_ctl_set_cp_lost(0);
		LOG_INFO("tutti-cp pid %u is back", pid);
	}
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		snapshot_asked = 1;
	else
		dp_quit = true;
}

static int
start_workers(const struct dp_opts *o)
{
	unsigned int lcore, w = 0;
	bool main_works = rte_lcore_count() == 1;
	char err[256];
	char *list = worker_list;
	struct shm_region_cfg cfg;
	size_t len = 0;
	int rc;

	n_workers = main_works ? 1 : rte_lcore_count() - 1;
	if (n_workers > SHM_MAX_WORKERS) {
		LOG_ERR("%u worker lcores: at most %d are supported",
			n_workers, SHM_MAX_WORKERS);
		return -EINVAL;
	}
	cfg = (struct shm_region_cfg){ .name = o->region,
				       .n_workers = n_workers,
				       .ring_slots = o->ring_slots,
				       .n_legs = o->n_legs };
	rc = shm_region_create(&region, &cfg, err, sizeof(err));
	if (rc < 0) {
		LOG_ERR("cannot create the shared region: %s", err);
		return rc;
	}
	if (err[0] != '\0')
		LOG_INFO("%s (an earlier tutti-dp did not stop cleanly)", err);
	snprintf(region.hdr->dp_version, sizeof(region.hdr->dp_version),
		 "%s", DP_VERSION);
	if (dp_cap_dir() != NULL) {
		snprintf(region.hdr->capture_dir,
			 sizeof(region.hdr->capture_dir), "%s", dp_cap_dir());
		dp_cap_publish(region.hdr->captures);
	}
	lcores = rte_zmalloc("dp_lcores", sizeof(*lcores) * n_workers,
			     RTE_CACHE_LINE_SIZE);
	if (lcores == NULL)
		return -ENOMEM;
	list[0] = '\0';
	RTE_LCORE_FOREACH(lcore) {
		if (!main_works && lcore == rte_get_main_lcore())
			continue;
		rc = dp_lcore_init(&lcores[w], &region, w, lcore,
				   o->max_confs);
		if (rc < 0) {
			LOG_ERR("worker %u on lcore %u: %s (raise -m?)", w,
				lcore, strerror(-rc));
			return rc;
		}
		lcores[w].idle_sleep_us = o->idle_sleep_us;
		lcores[w].rx_hold_tsc = lcores[w].tsc_hz / 1000000u *
					o->rx_hold_us;
		lcores[w].admit_busy_pct = o->admit_busy_pct;
		lcores[w].is_main = main_works;
		region.hdr->worker_lcore[w] = (uint16_t)lcore;
		len += (size_t)snprintf(list + len, sizeof(worker_list) - len,
					"%s%u", w ? "," : "", lcore);
		if (len >= sizeof(worker_list))
			len = sizeof(worker_list) - 1;
		w++;
	}
	return 0;
}

/* What port p is and does, in the log (cold). */
static void
log_port(const struct dp_opts *o, const struct dp_port *p)
{
	char ip[DP_NET_ADDRS_MAX * (INET_ADDRSTRLEN + 5)];
	size_t at = 0;

	for (unsigned int i = 0; i < p->n_addrs; i++) {
		if (i != 0)
			at += (size_t)snprintf(ip + at, sizeof(ip) - at, ", ");
		inet_ntop(AF_INET, &p->ipv4[i], ip + at,
			  (socklen_t)(sizeof(ip) - at));
		at += strlen(ip + at);
		if (p->plen[i] != 32 && at < sizeof(ip))
			at += (size_t)snprintf(ip + at, sizeof(ip) - at, "/%u",
					       p->plen[i]);
	}
	if (p->gw_be != 0) {
		char gw[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &p->gw_be, gw, sizeof(gw));
		LOG_INFO("port %u: gateway %s: what goes outside the addresses' "
			 "prefixes goes through it", p->port_id, gw);
	}
	if (p->vlan != 0)
		LOG_INFO("port %u: VLAN %u: tags taken off %s, put on %s; "
			 "untagged frames and other VLANs' dropped", p->port_id,
			 p->vlan, p->vlan_strip ? "by the port" : "in software",
			 p->vlan_insert ? "by the port" : "in software");
	LOG_INFO("port %u (%s, %s): MAC " RTE_ETHER_ADDR_PRT_FMT ", owns %s; "
		 "%u receive queue%s (%s), checksums in %s, out %s",
		 p->port_id, p->name, p->driver,
		 RTE_ETHER_ADDR_BYTES(&p->mac), ip, p->n_rxq,
		 p->n_rxq == 1 ? "" : "s", p->n_rxq < n_workers ?
		 "workers without one get their packets by software "
		 "dispatch" : "one per worker", p->rx_cksum ? "NIC" :
		 "software", p->tx_cksum ? "NIC" : "software");
	if (o->rx_hold_us != 0)
		LOG_INFO("port %u: a receive poll that brought fewer than %u "
			 "packets is followed by a wait of %" PRIu64 " us, so "
			 "that bursts gather (--rx-hold-us; 0: poll every "
			 "loop)", p->port_id, DP_RX_HOLD_BELOW,
			 o->rx_hold_us);
}

/* Port k of --addr, started with what parse_opts() checked (cold). */
static int
start_port(const struct dp_opts *o, unsigned int k)
{
	const struct dp_port *want = &o->net[k];
	struct dp_port *p = &ports[k];
	char err[256];
	int rc;

	rc = dp_port_init(p, want->port_id, (uint16_t)n_workers,
			  want->ipv4[0], want->vlan, pool, o->rx_desc,
			  o->tx_desc, err, sizeof(err));
	if (rc < 0) {
		LOG_ERR("%s", err);
		return rc;
	}
	n_ports = k + 1;
	dp_port_set_plen(p, want->plen[0]);
	for (unsigned int i = 1; i < want->n_addrs; i++)
		dp_port_add_addr(p, want->ipv4[i], want->plen[i]);
	p->gw_be = want->gw_be;
	p->dscp = o->dscp;
	if (o->tx_zero_copy && !p->tx_multi_seg)
		LOG_WARN("--tx-zero-copy: port %u (%s) cannot send chained "
			 "mbufs: shared mixes are copied", p->port_id,
			 p->driver);
	return 0;
}

/* The ports, their pool and every worker's queues (cold). */
static int
start_ports(const struct dp_opts *o)
{
	unsigned int n_addrs = 0;
	bool zc = o->tx_zero_copy;
	int rc = dp_io_init(n_workers);
	uint32_t n_mbufs;

	if (rc < 0) {
		LOG_ERR("cannot create the dispatch rings: %s (raise -m?)",
			strerror(-rc));
		return rc;
	}
	if (o->n_ports == 0)
		return 0;
	n_mbufs = o->n_mbufs != 0 ? o->n_mbufs : pool_size(o);
	pool = rte_pktmbuf_pool_create("dp_mbufs", n_mbufs, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL) {
		LOG_ERR("cannot create %u packet buffers: %s (raise -m, or "
			"lower --mbufs)", n_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned int k = 0; k < o->n_ports; k++) {
		if ((rc = start_port(o, k)) < 0)
			return rc;
		zc = zc && ports[k].tx_multi_seg;
	}
	/* for tutti-cp: which addresses it may give legs, in dp_io_key()'s
	 * order */
	_Static_assert(DP_NET_ADDRS_MAX == SHM_MAX_ADDRS, "addresses");
	memset(region.hdr->addrs, 0, sizeof(region.hdr->addrs));
	for (unsigned int k = 0; k < n_ports; k++) {
		memcpy(region.hdr->addrs + n_addrs, ports[k].ipv4,
		       ports[k].n_addrs * sizeof(ports[k].ipv4[0]));
		memcpy(region.hdr->addr_plen + n_addrs, ports[k].plen,
		       ports[k].n_addrs);
		n_addrs += ports[k].n_addrs;
	}
	region.hdr->n_addrs = n_addrs;
	_Static_assert(DP_PORTS_MAX == SHM_MAX_PORTS, "ports");
	for (unsigned int k = 0; k < n_ports; k++) {
		region.hdr->ports[k].port_id = ports[k].port_id;
		/* cut to the region's 31 characters, as snprintf() did */
		snprintf(region.hdr->ports[k].name,
			 sizeof(region.hdr->ports[k].name), "%.*s",
			 (int)sizeof(region.hdr->ports[k].name) - 1,
			 ports[k].name);
	}
	region.hdr->n_ports = n_ports;
	memset(port_link, -1, sizeof(port_link));	/* each logged once */
	for (unsigned int w = 0; w < n_workers; w++) {
		if (dp_io_attach(&lcores[w], ports, n_ports, pool) < 0) {
			LOG_ERR("worker %u: no room for the legs of %u "
				"addresses (raise -m?)", w, n_addrs);
			return -ENOMEM;
		}
		lcores[w].tx_zc = zc;
	}
	n_addrs = 0;
	for (unsigned int k = 0; k < n_ports; k++) {
		const struct dp_port *p = &ports[k];
		char why[256];

		if (n_workers > 1 && !o->no_steer) {
			rc = dp_steer_add_port(p->port_id, p->n_rxq, p->ipv4,
					       n_addrs, p->n_addrs, why,
					       sizeof(why));
			if (rc < 0) {
				LOG_ERR("port %u: steering requests: %s (raise "
					"-m?)", p->port_id, strerror(-rc));
				return rc;
			}
			LOG_INFO("port %u: %s%s", p->port_id, rc == 1 ?
				 "legs steered to their worker by " :
				 "no steering: ", why);
		}
		n_addrs += p->n_addrs;
		log_port(o, p);
	}
	return 0;
}

/* --capture-dir: checked, made absolute (tutti-cp tells operators where
 * the files are). Returns 0 or -errno, said. */
static int
capture_start(const char *dir)
{
	char abs[PATH_MAX];
	int rc;

	if (dir == NULL)
		return 0;
	if (realpath(dir, abs) == NULL) {
		rc = -errno;
		LOG_ERR("--capture-dir %s: %s", dir, strerror(-rc));
		return rc;
	}
	if (strlen(abs) >= sizeof(region.hdr->capture_dir) - 40) {
		LOG_ERR("--capture-dir %s: longer than %zu characters", abs,
			sizeof(region.hdr->capture_dir) - 41);
		return -ENAMETOOLONG;
	}
	rc = dp_cap_init(abs);
	if (rc == -ENOTDIR)
		LOG_ERR("--capture-dir %s: not a directory tutti-dp can write "
			"in", abs);
	else if (rc < 0)
		LOG_ERR("--capture-dir %s: %s", abs, strerror(-rc));
	else
		LOG_INFO("capture: tuttictl capture writes into %s", abs);
	return rc;
}

/* Attachers may come in from now on. */
static void
announce_ready(const struct dp_opts *o)
{
	shm_region_set_state(&region, SHM_STATE_READY);
	if (o->admit_busy_pct != 0)
		LOG_INFO("admission: a worker refuses new legs after a second "
			 "%u %% busy or more, or with a late tick "
			 "(--admit-busy)", o->admit_busy_pct);
	/* what turns the stop log's times into TSC cycles (a benchmark's
	 * split of a participant frame's cycles: the ticks' share) */
	LOG_INFO("worker clock: TSC at %" PRIu64 " Hz", rte_get_tsc_hz());
	LOG_INFO("tutti-dp %s ready: region %s generation %#" PRIx64
		 ", %u worker%s on lcore%s %s, %u ring slots, %u legs, simd %s"
		 "; waiting for tutti-cp", DP_VERSION, region.name,
		 region.hdr->generation, n_workers, n_workers == 1 ? "" : "s",
		 n_workers == 1 ? "" : "s", worker_list, o->ring_slots,
		 o->n_legs, dp_simd_name(dp_simd_active()));
}

/*
 * Apply the provisioning file on the owning workers before they run: the
 * same handlers as the control plane's commands. Main lcore, cold path.
 */
static int
provision(const char *path)
{
	struct shm_prov p;
	char err[512], srtp[32];
	int rc;

	rc = shm_prov_load(&p, path, (uint16_t)n_workers, err, sizeof(err));
	if (rc < 0) {
		LOG_ERR("provisioning refused: %s", err);
		return rc;
	}
	for (size_t i = 0; i < p.n_cmds; i++) {
		const struct shm_msg *m = &p.cmds[i].msg;

		rc = dp_ctl_apply(&lcores[p.cmds[i].worker], m);
		if (rc < 0) {
			LOG_ERR("provisioning refused: %s:%u: %s %u "
				"(conference %u) on worker %u: %s", path,
				p.cmds[i].line,
				m->hdr.type == SHM_CMD_LEG_ADD ? "leg" :
				m->hdr.type == SHM_CMD_LEG_SRTP ?
				"the SRTP keys of leg" : "conference",
				m->hdr.type == SHM_CMD_LEG_ADD ?
				m->body.leg.leg_id :
				m->hdr.type == SHM_CMD_LEG_SRTP ?
				m->body.srtp.leg_id : m->hdr.conf_id,
				m->hdr.conf_id, p.cmds[i].worker,
				rc == -ENOSPC ? "no room left (raise --legs or "
				"--confs-per-worker)" : rc == -EADDRNOTAVAIL ?
				"its local address is not one tutti-dp owns "
				"(--addr)" : rc == -EADDRINUSE ? "its local "
				"address and port are another leg's" :
				strerror(-rc));
			shm_prov_free(&p);
			return rc;
		}
	}
	if (p.keys_exposed)
		LOG_WARN("%s holds SRTP keys and others than its owner may read "
			 "it: chmod 600 %s", path, path);
	snprintf(srtp, sizeof(srtp), " (%u with SRTP)", p.n_srtp_legs);
	LOG_INFO("provisioned %u conference%s and %u leg%s%s from %s",
		 p.n_confs, p.n_confs == 1 ? "" : "s", p.n_legs,
		 p.n_legs == 1 ? "" : "s", p.n_srtp_legs != 0 ? srtp : "",
		 path);
	shm_prov_free(&p);
	return 0;
}

static void
log_totals(void)
{
	struct dp_steer_stats ss;

	dp_steer_stats(&ss);
	if (dp_steer_is_on())
		LOG_INFO("steering: %" PRIu64 " requests (%" PRIu64 " lost), "
			 "%" PRIu64 " rules created, %" PRIu64 " destroyed, %"
			 PRIu64 " refused by the driver, %" PRIu64 " not asked "
			 "for, %u in place", ss.requests, ss.lost, ss.created,
			 ss.destroyed, ss.failed, ss.skipped, ss.rules);
	log_ports("");
	for (unsigned int w = 0; w < n_workers; w++) {
		const struct shm_worker_stats *s = &lcores[w].st;

		log_worker(w, s, "");
		if (lcores[w].n_dispatched != 0)
			LOG_INFO("worker %u: %" PRIu64 " packets passed to the "
				 "worker owning their leg", w,
				 lcores[w].n_dispatched);
		if (s->tx_deferred != 0)
			LOG_INFO("worker %u: %" PRIu64 " packets waited for "
				 "room in the port's transmit queue (at most %"
				 PRIu64 " at once; %u still waiting, dropped at "
				 "stop)", w, s->tx_deferred, s->tx_backlog_max,
				 dp_lcore_tx_backlog(&lcores[w]));
		for (int i = 0; i < SHM_DROP_MAX_; i++)
			if (s->drops[i] != 0)
				LOG_INFO("worker %u: %" PRIu64 " dropped: %s", w,
					 s->drops[i], shm_drop_name(i));
		for (unsigned int i = 0; i < DP_SRTP_DROP_MAX_; i++)
			if (lcores[w].srtp_drops[i] != 0)
				LOG_INFO("worker %u: %" PRIu64 " SRTP packets "
					 "refused: %s", w,
					 lcores[w].srtp_drops[i],
					 dp_srtp_drop_name(i));
		if (s->srtp_spills != 0)
			LOG_INFO("worker %u: %u SRTP allocations outside their "
				 "session's block (peers sending from more "
				 "SSRCs than it holds: their packets cost more)",
				 w, s->srtp_spills);
	}
}

int
main(int argc, char **argv)
{
	struct dp_opts o;
	int eal_args, rc;

	tutti_log_init("tutti-dp", TUTTI_LOG_INFO);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("tutti-dp %s\n", DP_VERSION);
			return 0;
		}
	eal_args = rte_eal_init(argc, argv);
	if (eal_args < 0) {
		LOG_ERR("EAL initialisation failed: %s (see the EAL messages "
			"above; try 'tutti-dp --help')",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= eal_args;
	argv += eal_args;
	argv[0] = (char *)"tutti-dp";
	rc = parse_opts(argc, argv, &o);
	if (rc < 0)
		goto out_eal;
	dp_simd_select(o.simd);
	dp_csum_use(dp_csum_for(dp_simd_active()));
	if ((rc = capture_start(o.capture_dir)) < 0)
		goto out_eal;
	if ((rc = dp_srtp_init()) < 0) {
		LOG_ERR("libsrtp2 would not start: SRTP legs cannot run");
		dp_cap_fini();
		goto out_eal;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = start_workers(&o);
	if (rc == 0)
		rc = start_ports(&o);
	if (rc < 0)
		goto out_region;
	if (o.provision != NULL && (rc = provision(o.provision)) < 0)
		goto out_region;
	announce_ready(&o);
	for (unsigned int w = 0; w < n_workers; w++)
		if (lcores[w].lcore_id != rte_get_main_lcore())
			rte_eal_remote_launch(dp_lcore_run, &lcores[w],
					      lcores[w].lcore_id);
	if (n_workers == 1 && lcores[0].is_main) {
		dp_lcore_run(&lcores[0]);
	} else {
		while (!dp_quit) {
			dp_housekeeping(rte_rdtsc());
			dp_steer_service(STEER_BUDGET);
			rte_delay_us_sleep(10 * 1000);
		}
	}
	LOG_INFO("stopping");
	rte_eal_mp_wait_lcore();
	log_totals();
out_region:
	dp_cap_fini();		/* the workers have stopped */
	if (lcores != NULL)
		for (unsigned int w = 0; w < n_workers; w++)
			dp_io_detach(&lcores[w]);
	dp_steer_fini();
	for (unsigned int k = 0; k < n_ports; k++)
		dp_port_fini(&ports[k]);
	dp_io_fini();
	if (lcores != NULL)
		for (unsigned int w = 0; w < n_workers; w++)
			dp_lcore_fini(&lcores[w]);
	dp_srtp_fini();		/* after the legs' sessions went */
	rte_mempool_free(pool);
	rte_free(lcores);
	shm_region_detach(&region);
out_eal:
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
