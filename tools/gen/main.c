/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c: tutti-gen, the DPDK packet generator of the system benchmark
 * (issue 4): options, EAL, the port, the run, and the reports (a progress
 * line a second on stderr, a table or JSON on stdout at the end). Cold
 * path; the packet loops are in loop.c and run on the main lcore.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "compiler.h"
#include "fleet.h"
#include "gen.h"
#include "log.h"
#include "port.h"
#include "scn.h"
#include "shm_msg.h"
#include "srtp.h"

#define GEN_VERSION	"0.1.0"

struct gen_opts {
	enum gen_mode mode;
	struct gen_scn scn;
	uint16_t port_id;
	struct rte_ether_addr dst_mac;
	bool have_dst_mac;
	double duration_s;	/* 0 = until a signal */
	double warmup_s;	/* sent before the measured window */
	uint32_t warmup_pid;	/* SIGUSR1 to it when the window opens */
	double drain_s;
	double hold_s;		/* link kept up after the report */
	double rotate_s;
	double link_wait_s;
	uint32_t n_mbufs;
	uint32_t window;	/* blast: packets in flight at most */
	bool json;
	bool quiet;
	const char *write_prov;	/* write the provisioning file and exit */
	const char *per_leg;	/* CSV of the per-leg counters at the end */
};

static const char *const mode_names[GEN_MODE_N_] = {
	"rtp", "reflect", "blast", "bounce"
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tutti-gen [EAL options] -- [options]\n"
"       tutti-gen --functional [options]   (kernel sockets and SIP: N\n"
"                 participants that call in and judge what they hear;\n"
"                 tutti-gen --functional --help)\n"
"\n"
"The packet generator of Tutti's system benchmark. On one DPDK port (memif\n"
"towards tutti-dp or another tutti-gen) it\n"
"  --mode rtp      emulates N participants in M conferences: each leg sends\n"
"                  G.711 PCMU RTP (ptime 20 ms: 50 pps, 160 bytes) from its\n"
"                  own address:port with its own SSRC, spread evenly over\n"
"                  the ptime; K talkers per conference send a tone, the\n"
"                  others mu-law silence, and the talkers rotate. It counts\n"
"                  what comes back per leg (loss, out of order, gaps).\n"
"  --mode reflect  sends back everything it receives, addresses swapped\n"
"                  (the partner for a forwarding ceiling)\n"
"  --mode blast    sends the same legs' packets as fast as the link takes\n"
"                  them and counts what comes back (against reflect: what\n"
"                  this generator can offer, in packets/s: it builds every\n"
"                  packet, so it runs at its limit before the reflector)\n"
"  --mode bounce   sends --window packets as blast does, then sends back\n"
"                  every packet that comes back, as reflect does (against\n"
"                  reflect: the link's forwarding ceiling, in packets/s,\n"
"                  with no side building packets; the two sides do the\n"
"                  same work, so neither holds the other back)\n"
"It answers ARP for its addresses and finds the target's MAC with ARP\n"
"unless --dst-mac is given. Leg i (0-based, leg id i+1) sends from\n"
"--ip + i/--legs-per-ip, port --gen-port + 2*(i mod --legs-per-ip), to\n"
"--dst-ip, port --dp-port + 2*i (a local port per leg, as tutti-dp tells\n"
"legs apart by address and port: at most 32,256 legs from port 1024 on\n"
"an address; with --dst-ips K, the next 32,256 go to --dst-ip + 1, and so\n"
"on): the legs written by --write-provision for tutti-dp --provision.\n"
"\n"
"EAL options (DPDK's): e.g. -l 1 --no-huge -m 128 --no-pci --no-shconf\n"
"  --file-prefix gen1 --vdev net_memif0,role=server,socket=/tmp/gen.sock\n"
"\n"
"Options:\n"
"  --mode MODE            rtp (default), reflect, blast or bounce\n"
"  --port N               DPDK port (default 0)\n"
"  --legs N               participants N (default 100)\n"
"  --confs M              conferences M (default 10)\n"
"  --talkers K            talkers per conference at a time (default 3)\n"
"  --rotate-s S           talkers change every S seconds (default 5)\n"
"  --ptime MS             10, 20 (default), 30 or 40\n"
"  --ip A.B.C.D           first source address (default 198.18.0.2)\n"
"  --dst-ip A.B.C.D       the target's address (default 198.18.0.1)\n"
"  --dst-ips K            the target's addresses: --dst-ip and the K-1\n"
"                         after it, filled in order (1..16, default 1;\n"
"                         tutti-dp --addr 0=A,B,... owns them)\n"
"  --dst-mac MAC          the target's MAC (default: ask with ARP)\n"
"  --gen-port P           first source UDP port (default 20000)\n"
"  --dp-port P            first target UDP port (default 1024)\n"
"  --legs-per-ip N        legs per source address (default 16384)\n"
"  --duration S           seconds of traffic, 0 = until Ctrl-C (default 10;\n"
"                         reflect: default 0)\n"
"  --warmup-s S           rtp: send for S seconds before --duration,\n"
"                         counting nothing: the report is of --duration\n"
"                         alone, exactly its schedule's packets, even when\n"
"                         the loop ran late (default 0)\n"
"  --warmup-signal PID    when the warm-up ends, send PID a SIGUSR1, and\n"
"                         another when sending stops (tutti-dp then logs\n"
"                         its totals: the window's start and end)\n"
"  --drain-s S            keep receiving after sending stops (default 0.3)\n"
"  --hold-s S             after the report, keep the link up (not polled)\n"
"                         for up to S seconds or until SIGINT/SIGTERM, so\n"
"                         that the peer can be stopped first (default 0).\n"
"                         A memif peer must not see the link go away while\n"
"                         it runs: DPDK 22.11's memif unmaps the rings on a\n"
"                         disconnect while its data path may be in them\n"
"  --link-wait S          wait for the link to come up (default 10)\n"
"  --mbufs N              mbufs in the pool (default 8191)\n"
"  --window N             blast, bounce: at most N packets in flight\n"
"                         (default 512, half a memif ring: the reflector\n"
"                         never finds its ring full); blast: 0 = open loop,\n"
"                         as fast as the NIC takes them\n"
"  --srtp SUITE           rtp, blast: every leg SRTP (RFC 3711) with SUITE,\n"
"                         AES_CM_128_HMAC_SHA1_80 or AES_CM_128_HMAC_SHA1_32:\n"
"                         what a leg sends is protected, what comes back is\n"
"                         authenticated and decrypted before it is counted\n"
"                         (refused: rx_bad_srtp). Give the same --srtp and\n"
"                         --srtp-seed to --write-provision, so that tutti-dp\n"
"                         gets the same keys\n"
"  --srtp-seed N          the legs' SRTP keys come from N (default 1): one\n"
"                         key each way, the same for every leg (each has\n"
"                         its own SSRC); benchmark keys, not secrets\n"
"  --write-provision FILE write the tutti-dp provisioning file of the\n"
"                         scenario (--legs, --confs, ...) and exit; needs\n"
"                         no EAL options\n"
"  --per-leg FILE         rtp, blast: at the end, write every leg's\n"
"                         counters to FILE (CSV: leg id, conference id,\n"
"                         received, expected, lost, out of order, gaps,\n"
"                         duplicates)\n"
"  --json                 the final report as one JSON object\n"
"  --quiet                no progress lines\n"
"  -h, --help             this help\n"
"  --version              print the version\n"
"\n"
"Example (two processes, no hugepages; start the memif server first; the\n"
"benchmark is bench/sysbench):\n"
"  tutti-gen -l 0 --no-huge -m 128 --no-pci --no-shconf --file-prefix r \\\n"
"      --vdev net_memif0,role=server,socket=/tmp/t.sock -- --mode reflect\n"
"  tutti-gen -l 1 --no-huge -m 128 --no-pci --no-shconf --file-prefix g \\\n"
"      --vdev net_memif0,role=client,socket=/tmp/t.sock -- --legs 1000 \\\n"
"      --confs 100 --duration 5\n");
}

static int
parse_num(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		LOG_ERR("--%s %s: expected a number in %.10g..%.10g", opt, s, min,
			max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_ip(const char *opt, const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1 || a.s_addr == 0) {
		LOG_ERR("--%s %s: expected an IPv4 address", opt, s);
		return -EINVAL;
	}
	*out = ntohl(a.s_addr);
	return 0;
}

/* Numeric options: where each goes in struct gen_opts, and its range. */
enum num_type { NUM_U8, NUM_U16, NUM_U32, NUM_DBL };

struct num_opt {
	const char *name;
	double min, max;
	enum num_type type;
	size_t off;		/* offsetof(struct gen_opts, ...) */
};

#define NUM_OPT_BASE	1000	/* getopt value of num_opts[0] */

static const struct num_opt num_opts[] = {
	{ "port", 0, RTE_MAX_ETHPORTS - 1, NUM_U16,
	  offsetof(struct gen_opts, port_id) },
	{ "legs", 1, GEN_SCN_MAX_LEGS, NUM_U32,
	  offsetof(struct gen_opts, scn.n_legs) },
	{ "confs", 1, GEN_SCN_MAX_LEGS, NUM_U32,
	  offsetof(struct gen_opts, scn.n_confs) },
	{ "talkers", 0, 255, NUM_U32,
	  offsetof(struct gen_opts, scn.n_talkers) },
	{ "rotate-s", 0.02, 3600, NUM_DBL,
	  offsetof(struct gen_opts, rotate_s) },
	{ "ptime", 10, 40, NUM_U8, offsetof(struct gen_opts, scn.ptime_ms) },
	{ "gen-port", 1, 65535, NUM_U16,
	  offsetof(struct gen_opts, scn.gen_port) },
	{ "dp-port", 1, 65535, NUM_U16,
	  offsetof(struct gen_opts, scn.dp_port) },
	{ "dst-ips", 1, GEN_SCN_MAX_DP_IPS, NUM_U32,
	  offsetof(struct gen_opts, scn.n_dp_ips) },
	{ "legs-per-ip", 1, 32768, NUM_U32,
	  offsetof(struct gen_opts, scn.legs_per_ip) },
	{ "duration", 0, 1e6, NUM_DBL,
	  offsetof(struct gen_opts, duration_s) },
	{ "warmup-s", 0, 3600, NUM_DBL,
	  offsetof(struct gen_opts, warmup_s) },
	{ "warmup-signal", 1, 4194304, NUM_U32,
	  offsetof(struct gen_opts, warmup_pid) },
	{ "drain-s", 0, 60, NUM_DBL, offsetof(struct gen_opts, drain_s) },
	{ "hold-s", 0, 3600, NUM_DBL, offsetof(struct gen_opts, hold_s) },
	{ "link-wait", 0, 3600, NUM_DBL,
	  offsetof(struct gen_opts, link_wait_s) },
	{ "mbufs", 1023, 1 << 22, NUM_U32,
	  offsetof(struct gen_opts, n_mbufs) },
	{ "window", 0, 1 << 20, NUM_U32, offsetof(struct gen_opts, window) },
	{ "srtp-seed", 0, UINT32_MAX, NUM_U32,
	  offsetof(struct gen_opts, scn.srtp_seed) },
};

static int
set_num(struct gen_opts *o, const struct num_opt *n, const char *arg)
{
	char *field = (char *)o + n->off;
	double v;

	if (parse_num(n->name, arg, n->min, n->max, &v) < 0)
		return -EINVAL;
	switch (n->type) {
	case NUM_U8:
		*(uint8_t *)field = (uint8_t)v;
		break;
	case NUM_U16:
		*(uint16_t *)field = (uint16_t)v;
		break;
	case NUM_U32:
		*(uint32_t *)field = (uint32_t)v;
		break;
	case NUM_DBL:
		*(double *)field = v;
		break;
	}
	return 0;
}

static int
parse_opts(int argc, char **argv, struct gen_opts *o)
{
	struct option longs[TUTTI_ARRAY_SIZE(num_opts) + 16] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "ip", required_argument, NULL, 'i' },
		{ "dst-ip", required_argument, NULL, 'I' },
		{ "dst-mac", required_argument, NULL, 'M' },
		{ "write-provision", required_argument, NULL, 'W' },
		{ "per-leg", required_argument, NULL, 'P' },
		{ "srtp", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	size_t n_longs = 11;
	bool duration_given = false;
	int c, m;

	for (size_t i = 0; i < TUTTI_ARRAY_SIZE(num_opts); i++)
		longs[n_longs++] = (struct option){ num_opts[i].name,
						    required_argument, NULL,
						    NUM_OPT_BASE + (int)i };
	memset(o, 0, sizeof(*o));
	gen_scn_defaults(&o->scn);
	o->duration_s = 10;
	o->drain_s = 0.3;
	o->rotate_s = 5;
	o->link_wait_s = 10;
	o->n_mbufs = 8191;
	o->window = 512;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		if (c >= NUM_OPT_BASE) {
			if (set_num(o, &num_opts[c - NUM_OPT_BASE], optarg))
				return -EINVAL;
			duration_given |= strcmp(num_opts[c - NUM_OPT_BASE].name,
						 "duration") == 0;
			continue;
		}
		switch (c) {
		case 'm':
			for (m = 0; m < GEN_MODE_N_; m++)
				if (strcmp(optarg, mode_names[m]) == 0)
					break;
			if (m == GEN_MODE_N_) {
				LOG_ERR("--mode %s: expected rtp, reflect, "
					"blast or bounce", optarg);
				return -EINVAL;
			}
			o->mode = (enum gen_mode)m;
			break;
		case 'i':
			if (parse_ip("ip", optarg, &o->scn.gen_ip))
				return -EINVAL;
			break;
		case 'I':
			if (parse_ip("dst-ip", optarg, &o->scn.dp_ip))
				return -EINVAL;
			break;
		case 'M':
			if (rte_ether_unformat_addr(optarg, &o->dst_mac) < 0) {
				LOG_ERR("--dst-mac %s: expected a MAC such as "
					"02:00:00:00:00:01", optarg);
				return -EINVAL;
			}
			o->have_dst_mac = true;
			break;
		case 'W':
			o->write_prov = optarg;
			break;
		case 'P':
			o->per_leg = optarg;
			break;
		case 'S':
			o->scn.srtp_suite = (uint8_t)shm_srtp_suite_of(optarg,
							strlen(optarg));
			if (o->scn.srtp_suite == SHM_SRTP_NONE) {
				LOG_ERR("--srtp %s: expected %s or %s", optarg,
					shm_srtp_suite_name(
					SHM_SRTP_AES_CM_128_HMAC_SHA1_80),
					shm_srtp_suite_name(
					SHM_SRTP_AES_CM_128_HMAC_SHA1_32));
				return -EINVAL;
			}
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("tutti-gen %s\n", GEN_VERSION);
			exit(0);
		default:
			fprintf(stderr, "try 'tutti-gen -- --help'\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		LOG_ERR("unexpected argument '%s' (try 'tutti-gen -- --help')",
			argv[optind]);
		return -EINVAL;
	}
	if (o->mode == GEN_MODE_REFLECT && !duration_given)
		o->duration_s = 0;
	if (o->per_leg != NULL && (o->mode == GEN_MODE_REFLECT ||
				   o->mode == GEN_MODE_BOUNCE)) {
		LOG_ERR("--per-leg: rtp or blast only (%s counts no leg)",
			mode_names[o->mode]);
		return -EINVAL;
	}
	if (o->scn.srtp_suite != SHM_SRTP_NONE &&
	    (o->mode == GEN_MODE_REFLECT || o->mode == GEN_MODE_BOUNCE)) {
		LOG_ERR("--srtp: rtp or blast only (%s sends back what it "
			"gets, untouched)", mode_names[o->mode]);
		return -EINVAL;
	}
	if (o->mode == GEN_MODE_BOUNCE && o->window == 0) {
		LOG_ERR("--mode bounce: --window 0 would build packets "
			"without end; give it the packets to send round");
		return -EINVAL;
	}
	if ((o->warmup_s > 0 || o->warmup_pid != 0) &&
	    o->mode != GEN_MODE_RTP) {
		LOG_ERR("--warmup-s and --warmup-signal: --mode rtp only");
		return -EINVAL;
	}
	return 0;
}

static int
write_prov(const struct gen_opts *o)
{
	char err[256];
	FILE *f;
	int rc;

	if (gen_scn_check_prov(&o->scn, err, sizeof(err)) < 0) {
		LOG_ERR("--write-provision: %s", err);
		return -EINVAL;
	}
	f = fopen(o->write_prov, "w");
	if (f == NULL) {
		LOG_ERR("--write-provision %s: %s", o->write_prov,
			strerror(errno));
		return -errno;
	}
	/* keys in it: its owner's alone (tutti-dp and tutti-cp warn of a
	 * file of keys that others may read) */
	if (o->scn.srtp_suite != SHM_SRTP_NONE && fchmod(fileno(f), 0600) < 0)
		LOG_WARN("--write-provision %s: chmod 600: %s", o->write_prov,
			 strerror(errno));
	rc = gen_scn_write_prov(&o->scn, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc < 0)
		LOG_ERR("--write-provision %s: write error", o->write_prov);
	return rc;
}

static int
write_per_leg(const struct gen_ctx *g, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL) {
		LOG_ERR("--per-leg %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "leg,conference,rx,expected,lost,ooo,gaps,dups\n");
	for (uint32_t i = 0; i < g->scn.n_legs; i++) {
		const struct gen_leg_rx *l = &g->legs[i];
		uint64_t exp = gen_leg_expected(l);

		fprintf(f, "%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%u,%u,%u\n", i + 1,
			gen_scn_leg_conf(&g->scn, i) + 1, l->rx, exp,
			exp > l->rx ? exp - l->rx : 0, l->ooo, l->gaps,
			l->dups);
	}
	if (fclose(f) != 0) {
		LOG_ERR("--per-leg %s: write error", path);
		rc = -EIO;
	}
	return rc;
}

static void
on_signal(int sig)
{
	(void)sig;
	gen_quit = true;
}

/*
 * Wait for the link. A memif client that started before its server's
 * socket existed never retries by itself: restart the port every second
 * (harmless for a server or another PMD whose link is down anyway).
 */
static int
wait_link(uint16_t port, double wait_s, struct rte_eth_link *link)
{
	uint64_t hz = rte_get_timer_hz(), now = rte_get_timer_cycles();
	uint64_t end = now + (uint64_t)(wait_s * (double)hz);
	uint64_t retry = now + hz;

	for (;;) {
		memset(link, 0, sizeof(*link));
		if (rte_eth_link_get_nowait(port, link) == 0 &&
		    link->link_status == RTE_ETH_LINK_UP)
			return 0;
		if (gen_quit)
			return -EINTR;
		now = rte_get_timer_cycles();
		if (now >= end)
			return -ETIMEDOUT;
		if (now >= retry) {
			rte_eth_dev_stop(port);
			if (rte_eth_dev_start(port) < 0)
				return -EIO;
			retry = now + hz;
		}
		rte_delay_us_sleep(10 * 1000);
	}
}

struct report {
	const struct gen_ctx *g;
	const struct dp_port *port;
	const struct rte_eth_link *link;
	struct gen_rx_sum s;
	double tx_s;		/* seconds of sending */
	double run_s;		/* seconds of the whole run, drain included */
	double gap_max_ms;	/* the longest stall of the loop */
	double loss_pct;
	double busy_pct;	/* of the sending seconds (reflect: from
				 * the first packet received to the last) */
	double busy_per_pkt;	/* busy TSC ticks per packet received in
				 * them: reflect, what forwarding one cost */
};

static void
print_json(const struct report *r)
{
	const struct gen_ctx *g = r->g;
	const struct gen_scn *s = &g->scn;
	double target = (double)s->n_legs * 1000.0 / s->ptime_ms;

	printf("{\"tool\":\"tutti-gen\",\"version\":\"%s\",\"mode\":\"%s\","
	       "\"legs\":%u,\"confs\":%u,\"talkers\":%u,\"ptime_ms\":%u,"
	       "\"duration_s\":%.3f,\"warmup_s\":%.3f,\"run_s\":%.3f,"
	       "\"lcore\":%u,"
	       "\"link\":{\"port\":%u,\"name\":\"%s\",\"driver\":\"%s\","
	       "\"up\":%s,\"speed_mbps\":%u},",
	       GEN_VERSION, mode_names[g->mode], s->n_legs, s->n_confs,
	       s->n_talkers, s->ptime_ms, r->tx_s,
	       (double)(g->window_tsc - g->start_tsc) / (double)g->tsc_hz,
	       r->run_s, rte_lcore_id(),
	       r->port->port_id, r->port->name, r->port->driver,
	       r->link->link_status ? "true" : "false",
	       r->link->link_speed);
	printf("\"tx_pkts\":%" PRIu64 ",\"rx_pkts\":%" PRIu64 ","
	       "\"rx_pkts_sending\":%" PRIu64 ","
	       "\"tx_pps\":%.0f,\"rx_pps\":%.0f,\"target_pps\":%.0f,",
	       g->tx_pkts, g->rx_pkts, g->rx_at_stop,
	       r->tx_s > 0 ? (double)g->tx_pkts / r->tx_s : 0.0,
	       r->tx_s > 0 ? (double)g->rx_at_stop / r->tx_s : 0.0,
	       g->mode == GEN_MODE_RTP ? target : 0.0);
	printf("\"expected_by_time\":%.0f,", g->mode == GEN_MODE_RTP ?
	       target * r->tx_s : 0.0);
	printf("\"legs_seen\":%u,\"rx_rtp\":%" PRIu64 ",\"expected\":%" PRIu64
	       ",\"lost\":%" PRIu64 ",\"loss_pct\":%.6f,\"ooo\":%" PRIu64
	       ",\"gaps\":%" PRIu64 ",\"dups\":%" PRIu64 ",",
	       r->s.legs_seen, g->rx_rtp, r->s.expected, r->s.lost,
	       r->loss_pct, r->s.ooo, r->s.gaps, r->s.dups);
	printf("\"srtp\":\"%s\",\"rx_bad_srtp\":%" PRIu64
	       ",\"tx_srtp_fail\":%" PRIu64 ",",
	       shm_srtp_suite_name(s->srtp_suite), g->rx_bad_srtp,
	       g->tx_srtp_fail);
	printf("\"rx_bad_cksum\":%" PRIu64 ",\"rx_bad_rtp\":%" PRIu64
	       ",\"rx_other\":%" PRIu64 ",\"tx_late\":%" PRIu64
	       ",\"tx_full\":%" PRIu64 ",\"tx_drop\":%" PRIu64
	       ",\"no_mbuf\":%" PRIu64 ",\"arp_rx\":%" PRIu64
	       ",\"arp_tx\":%" PRIu64 ",\"window\":%u,\"stalls\":%" PRIu64
	       ",\"loop_gaps_1ms\":%" PRIu64 ",\"loop_gap_ms_max\":%.1f,"
	       "\"busy_pct\":%.1f,\"busy_tsc_per_pkt\":%.1f}\n",
	       g->rx_bad_cksum, g->rx_bad_rtp, g->rx_other, g->tx_late,
	       g->tx_full, g->tx_drop, g->no_mbuf, g->arp_rx, g->arp_tx,
	       g->mode == GEN_MODE_BLAST || g->mode == GEN_MODE_BOUNCE ?
	       g->window : 0, g->stalls, g->gaps_1ms, r->gap_max_ms,
	       r->busy_pct, r->busy_per_pkt);
}

static void
print_table(const struct report *r)
{
	const struct gen_ctx *g = r->g;
	const struct gen_scn *s = &g->scn;
	double tx_s = r->tx_s > 0 ? r->tx_s : 1;

	printf("tutti-gen %s, mode %s", GEN_VERSION, mode_names[g->mode]);
	if (g->mode != GEN_MODE_REFLECT)
		printf(": %u legs in %u conferences, %u talker%s each, ptime "
		       "%u ms", s->n_legs, s->n_confs, s->n_talkers,
		       s->n_talkers == 1 ? "" : "s", s->ptime_ms);
	printf("\n  %-14s %s (%s), port %u, %s, lcore %u\n", "link",
	       r->port->name, r->port->driver, r->port->port_id,
	       r->link->link_status ? "up" : "down", rte_lcore_id());
	printf("  %-14s %.2f s (%.2f s with the drain)\n", "duration",
	       r->tx_s, r->run_s);
	printf("  %-14s %" PRIu64 " packets, %.0f pps", "sent", g->tx_pkts,
	       (double)g->tx_pkts / tx_s);
	if (g->mode == GEN_MODE_RTP)
		printf(" (target %.0f)", (double)s->n_legs * 1000.0 /
		       s->ptime_ms);
	printf("\n  %-14s %" PRIu64 " packets, %.0f pps (of those before "
	       "the drain)\n", "received", g->rx_pkts,
	       (double)g->rx_at_stop / tx_s);
	printf("  %-14s %.1f %% of its loop's time receiving or sending%s; "
	       "%.0f TSC ticks a packet received\n", "busy", r->busy_pct,
	       g->mode == GEN_MODE_REFLECT ?
	       " (from the first packet to the last)" : "", r->busy_per_pkt);
	if (g->mode != GEN_MODE_REFLECT) {
		if (g->mode != GEN_MODE_BOUNCE)
			printf("  %-14s %u of %u\n", "legs seen",
			       r->s.legs_seen, s->n_legs);
		printf("  %-14s %" PRIu64 " of %" PRIu64 " %s (%.4f %%)\n",
		       "lost", r->s.lost, r->s.expected,
		       g->mode == GEN_MODE_BOUNCE ? "sent" : "expected",
		       r->loss_pct);
		if (g->mode != GEN_MODE_BOUNCE)
			printf("  %-14s %" PRIu64 " out of order, %" PRIu64
			       " gaps, %" PRIu64 " duplicates\n", "sequence",
			       r->s.ooo, r->s.gaps, r->s.dups);
		printf("  %-14s %" PRIu64 " bad checksum, %" PRIu64 " bad RTP, "
		       "%" PRIu64 " not for a leg\n", "refused",
		       g->rx_bad_cksum, g->rx_bad_rtp, g->rx_other);
		if (s->srtp_suite != SHM_SRTP_NONE)
			printf("  %-14s %s: %" PRIu64 " received that did not "
			       "authenticate, %" PRIu64 " not protected (not "
			       "sent)\n", "SRTP", shm_srtp_suite_name(
			       s->srtp_suite), g->rx_bad_srtp,
			       g->tx_srtp_fail);
		printf("  %-14s %" PRIu64 " late sends (> 1 ptime), %" PRIu64
		       " NIC-full bursts, %" PRIu64 " no mbuf; %" PRIu64
		       " stalls of its loop of 1 ms or more, the longest "
		       "%.1f ms\n", "generator", g->tx_late, g->tx_full,
		       g->no_mbuf, g->gaps_1ms, r->gap_max_ms);
	} else {
		printf("  %-14s %" PRIu64 " dropped (NIC full), %" PRIu64
		       " not IPv4\n", "refused", g->tx_drop, g->rx_other);
	}
}

static void
report(const struct gen_ctx *g, const struct dp_port *port, bool json)
{
	struct rte_eth_link link;
	struct report r = { .g = g, .port = port, .link = &link };
	uint64_t busy_span, rx_span;

	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(port->port_id, &link);
	if (g->mode == GEN_MODE_BOUNCE) {
		/* the same packets go round and round, so sequence numbers
		 * say nothing: each packet sent, built or sent back, should
		 * come back once (the drain brings the last ones home) */
		r.s = (struct gen_rx_sum){ .rx = g->rx_pkts,
					   .expected = g->tx_pkts };
		r.s.lost = g->tx_pkts > g->rx_pkts ? g->tx_pkts - g->rx_pkts :
						     0;
	} else {
		gen_rx_sum(g, &r.s);
	}
	r.tx_s = (double)(g->stop_tsc - g->window_tsc) / (double)g->tsc_hz;
	if (g->mode == GEN_MODE_REFLECT) {	/* while it had packets */
		busy_span = g->last_rx_tsc - g->first_rx_tsc;
		rx_span = g->rx_pkts;
	} else {
		busy_span = g->stop_tsc - g->window_tsc;
		rx_span = g->rx_at_stop;
	}
	r.busy_per_pkt = rx_span != 0 ? (double)g->busy_at_stop /
					(double)rx_span : 0.0;
	r.busy_pct = busy_span != 0 ? 100.0 * (double)g->busy_at_stop /
				      (double)busy_span : 0.0;
	r.run_s = (double)(g->end_tsc - g->start_tsc) / (double)g->tsc_hz;
	r.gap_max_ms = (double)g->gap_max_tsc * 1000.0 / (double)g->tsc_hz;
	r.loss_pct = r.s.expected ? 100.0 * (double)r.s.lost /
				    (double)r.s.expected : 0.0;
	if (json)
		print_json(&r);
	else
		print_table(&r);
	fflush(stdout);
}

/* Every leg's SRTP: it sends with the scenario's in key and its own SSRC,
 * and takes tutti-dp's packets with the out key. */
static int
srtp_setup(struct gen_ctx *g)
{
	uint8_t k_in[GEN_SCN_KEY_BYTES], k_out[GEN_SCN_KEY_BYTES];
	uint8_t suite = g->scn.srtp_suite;
	int rc = 0;

	if (dp_srtp_init() < 0) {
		LOG_ERR("--srtp: libsrtp did not start");
		return -EIO;
	}
	g->srtp = calloc(g->scn.n_legs, sizeof(*g->srtp));
	if (g->srtp == NULL)
		return -ENOMEM;
	gen_scn_srtp_keys(&g->scn, k_in, k_out);
	for (uint32_t i = 0; i < g->scn.n_legs && rc == 0; i++) {
		g->srtp[i] = dp_srtp_new();
		if (g->srtp[i] == NULL)
			rc = -ENOMEM;
		else if ((rc = dp_srtp_set_key(g->srtp[i], SHM_SRTP_TX, suite,
					       k_in, gen_leg_ssrc(i))) == 0)
			rc = dp_srtp_set_key(g->srtp[i], SHM_SRTP_RX, suite,
					     k_out, 0);
	}
	if (rc < 0)
		LOG_ERR("--srtp: the legs' SRTP sessions: %s", strerror(-rc));
	else
		LOG_INFO("SRTP %s on every leg (keys from --srtp-seed %u)",
			 shm_srtp_suite_name(suite), g->scn.srtp_seed);
	return rc;
}

static void
srtp_teardown(struct gen_ctx *g)
{
	if (g->srtp == NULL)
		return;
	for (uint32_t i = 0; i < g->scn.n_legs; i++)
		dp_srtp_free(g->srtp[i]);
	free(g->srtp);
	g->srtp = NULL;
	dp_srtp_fini();
}

static int
setup(struct gen_ctx *g, const struct gen_opts *o, struct dp_port *port)
{
	struct rte_eth_link link;
	char err[256];
	int rc;

	g->mode = o->mode;
	g->scn = o->scn;
	g->port_id = o->port_id;
	g->dst_mac = o->dst_mac;
	g->have_dst_mac = o->have_dst_mac;
	g->window = o->window;
	g->tsc_hz = rte_get_tsc_hz();
	g->period_tsc = g->tsc_hz * g->scn.ptime_ms / 1000;
	g->rotate_tsc = (uint64_t)(o->rotate_s * (double)g->tsc_hz);
	g->duration_tsc = (uint64_t)(o->duration_s * (double)g->tsc_hz);
	g->warmup_tsc = (uint64_t)(o->warmup_s * (double)g->tsc_hz);
	g->warmup_pid = (int)o->warmup_pid;
	g->drain_tsc = (uint64_t)(o->drain_s * (double)g->tsc_hz);
	g->report_tsc = o->quiet ? 0 : g->tsc_hz;
	gen_payload_init(g);
	g->legs = rte_zmalloc("gen_legs", sizeof(*g->legs) * g->scn.n_legs,
			      RTE_CACHE_LINE_SIZE);
	g->pool = rte_pktmbuf_pool_create("gen_pool", o->n_mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (g->legs == NULL || g->pool == NULL) {
		LOG_ERR("out of DPDK memory for %u legs and %u mbufs (raise "
			"-m)", g->scn.n_legs, o->n_mbufs);
		return -ENOMEM;
	}
	if (g->scn.srtp_suite != SHM_SRTP_NONE &&
	    (rc = srtp_setup(g)) < 0)
		return rc;
	rc = dp_port_init(port, o->port_id, 1, htonl(g->scn.gen_ip), 0, g->pool,
			  1024, 1024, err, sizeof(err));
	if (rc < 0) {
		LOG_ERR("%s%s", err, strstr(err, "memif") == NULL ? "" :
			" (a memif client needs its server's socket: start "
			"the server first)");
		return rc;
	}
	g->mac = port->mac;
	LOG_INFO("port %u (%s): waiting up to %.0f s for the link", o->port_id,
		 port->name, o->link_wait_s);
	rc = wait_link(o->port_id, o->link_wait_s, &link);
	if (rc < 0) {
		LOG_ERR("port %u (%s): link %s after %.0f s: is the peer "
			"running (memif: the other role, same socket)?",
			o->port_id, port->name,
			rc == -EINTR ? "interrupted" : "still down",
			o->link_wait_s);
		return rc;
	}
	if (g->mode != GEN_MODE_REFLECT && !g->have_dst_mac) {
		struct in_addr a = { .s_addr = htonl(g->scn.dp_ip) };

		rc = gen_arp_resolve(g, 5000);
		if (rc < 0) {
			LOG_ERR("no ARP answer for %s in 5 s: give --dst-mac, "
				"or make the target answer ARP", inet_ntoa(a));
			return rc;
		}
	}
	return 0;
}

/* --hold-s: the link stays up, unpolled, until a signal or s seconds. */
static void
hold(double s)
{
	uint64_t end = rte_get_tsc_cycles() +
		       (uint64_t)(s * (double)rte_get_tsc_hz());

	while (!gen_quit && rte_get_tsc_cycles() < end)
		rte_delay_us_sleep(10000);
}

int
main(int argc, char **argv)
{
	struct gen_opts o;
	struct gen_ctx *g = NULL;
	struct dp_port port = { .started = false };
	int dd = argc, eal_args, rc;
	char err[256];

	tutti_log_init("tutti-gen", TUTTI_LOG_INFO);
	/* the functional mode: SIP and kernel sockets, no EAL (fleet.h) */
	if (argc > 1 && strcmp(argv[1], "--functional") == 0)
		return fleet_main(argc - 1, argv + 1);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0 && dd == argc)
			dd = i;
		else if (strcmp(argv[i], "--help") == 0 ||
			 strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("tutti-gen %s\n", GEN_VERSION);
			return 0;
		}
	/* our options first (after "--"): --write-provision needs no EAL */
	if (dd < argc) {
		argv[dd] = (char *)"tutti-gen";
		rc = parse_opts(argc - dd, argv + dd, &o);
		argv[dd] = (char *)"--";
	} else {
		char *none[] = { (char *)"tutti-gen", NULL };

		rc = parse_opts(1, none, &o);
	}
	if (rc < 0)
		return 1;
	if (gen_scn_check(&o.scn, err, sizeof(err)) < 0) {
		LOG_ERR("%s", err);
		return 1;
	}
	if (o.write_prov != NULL)
		return write_prov(&o) < 0 ? 1 : 0;
	eal_args = rte_eal_init(dd, argv);
	if (eal_args < 0) {
		LOG_ERR("EAL initialisation failed: %s (see the EAL messages "
			"above; try 'tutti-gen --help')",
			rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rte_lcore_count() > 1)
		LOG_WARN("%u lcores given: tutti-gen runs on the main lcore "
			 "(%u) only", rte_lcore_count(), rte_get_main_lcore());
	g = rte_zmalloc("gen_ctx", sizeof(*g), RTE_CACHE_LINE_SIZE);
	if (g == NULL) {
		LOG_ERR("out of DPDK memory (raise -m)");
		rc = -ENOMEM;
		goto out;
	}
	rc = setup(g, &o, &port);
	if (rc < 0)
		goto out;
	LOG_INFO("%s on %s (port %u), lcore %u: %s", mode_names[g->mode],
		 port.name, port.port_id, rte_lcore_id(),
		 g->mode == GEN_MODE_REFLECT ? "reflecting" : "sending");
	gen_run(g);
	report(g, &port, o.json);
	if (o.per_leg != NULL)	/* rtp or blast (parse_opts()) */
		rc = write_per_leg(g, o.per_leg);
	/* the report out, the per-leg file written: a caller may act on
	 * them while the link is held */
	fflush(stdout);
	hold(o.hold_s);
out:
	dp_port_fini(&port);
	if (g != NULL) {
		srtp_teardown(g);
		rte_free(g->legs);
		rte_mempool_free(g->pool);
	}
	rte_free(g);
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
