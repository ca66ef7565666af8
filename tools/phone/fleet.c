/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fleet.c: tutti-gen --functional (see fleet.h).
 */
#include "fleet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <spandsp.h>

#include "g711.h"
#include "sipcall.h"

#define FS		160	/* samples of 20 ms: the shortest analysed */
#define FS_MAX		320	/* a packet of 40 ms */
#define MAX_PHONES	512
#define MAX_TONES	32
#define WINDOW		(8000 * 2)	/* samples analysed: the last 2 s */
#define PASS_OTHERS_DB	(-10.0)	/* a talker heard at least this loud */
#define PASS_OWN_DB	(-30.0)	/* one's own tone at most this loud */
#define GAP_MS		60.0	/* no packet for this long: a gap */
#define REPORT_MIN_MS	200	/* --report-ms bounds: at least 10 frames, */
#define REPORT_MAX_MS	2000	/* at most what the ring holds (WINDOW) */

static volatile sig_atomic_t quit;
/* participant 0 moves: 1 (SIGUSR1) to a new port, 2 (SIGUSR2) to a new
 * port at --move-addr */
static volatile sig_atomic_t move_req;

struct phone {
	int fd;
	struct sockaddr_in local, remote;
	struct sipcall call;
	double tone_hz;		/* 0: speech file or silence */
	bool speech;
	bool in_call, joined_once, left;
	bool bye_rx;		/* the focus hung up (a BYE came) */
	uint64_t join_ms, leave_ms;
	unsigned int ptime_ms;	/* what it offers and sends */
	uint64_t next_ms;	/* its next packet is due */
	uint32_t n;		/* packets sent */
	/* what it received */
	uint64_t rx;
	bool have_seq;
	uint32_t first_ext, max_ext;	/* extended sequence numbers */
	uint16_t max_seq;
	uint32_t cycles;
	double last_ms, jitter_ts;
	uint32_t last_ts;
	uint32_t gaps;
	/* where it came from: the last packet's source, and how many came
	 * from anywhere else than where it sends (the answer's c= and m=) */
	struct sockaddr_in rx_from;
	uint64_t rx_stray;
	int16_t ring[WINDOW];
	uint32_t ring_pos, ring_fill;
	/* the current --report-ms window */
	uint32_t win_fill;	/* samples in it (at most WINDOW) */
	uint64_t win_rx;	/* packets in it */
	/* the verdict */
	double others_min_db, own_db, loss_pct;
	bool pass;
	char why[96];
};

static struct phone ph[MAX_PHONES];
#define MAX_PTIMES	8
/* --ptime: what each one offers and sends, given in turn */
static unsigned int ptimes[MAX_PTIMES] = { 20 };
static int n_ptimes = 1;
static int16_t *speech;
static uint32_t speech_len;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
on_move(int sig)
{
	move_req = sig == SIGUSR2 ? 2 : 1;
}

/* Participant p (in a call) moves its RTP to port at addr (NULL: its
 * address now): a new socket, a re-INVITE offering it, then the old socket
 * goes and its --report-ms window starts again. 0, or what
 * sipcall_reinvite() returned (p goes on as it was). */
static int
move_media(struct phone *p, const struct in_addr *addr, uint16_t port,
	   uint8_t pt)
{
	struct sockaddr_in l = p->local, r;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), rc;

	l.sin_port = htons(port);
	if (addr != NULL)
		l.sin_addr = *addr;
	if (fd < 0 || bind(fd, (struct sockaddr *)&l, sizeof(l)) != 0) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	rc = sipcall_reinvite(&p->call, addr, port, pt, p->ptime_ms, &r,
			      5000);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	close(p->fd);
	p->fd = fd;
	p->local = l;
	p->remote = r;
	p->win_fill = 0;	/* the next window hears the new port only */
	p->win_rx = 0;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tutti-gen --functional --local A.B.C.D --count N\n"
"                 (--call URI | --remote A.B.C.D:PORT) [options]\n"
"\n"
"N participants from kernel sockets: each calls in (SIP INVITE with its\n"
"SDP; or sends to a provisioned leg), sends RTP with its talk pattern and\n"
"measures what it gets back. A progress line a second on stderr; at the\n"
"end a table (or --json) and a verdict per participant: PASS when it got\n"
"the mix with < 1 %% loss, every other talker's tone at least %.0f dB and\n"
"its own at most %.0f dB (relative to the tone sent). Exit status 1 if any\n"
"fails.\n"
"\n"
"  --local A.B.C.D      the participants' address\n"
"  --base-port P        participant i uses RTP port P + 2i, SIP P + 2i + 1\n"
"                       (default 40000)\n"
"  --count N            participants (1..%d)\n"
"  --call URI           call this conference, e.g. sip:demo@198.18.0.1:5060\n"
"  --remote A.B.C.D:P   or send to provisioned legs: participant i to port\n"
"                       P + 2i\n"
"  --codec C            PCMU (default) or PCMA\n"
"  --ptime MS[,MS...]   10, 20 (default), 30 or 40 ms a packet, offered\n"
"                       (a=ptime) and sent; a list goes to the\n"
"                       participants in turn, e.g. 10,20,30,40\n"
"  --tones LIST         Hz per participant, in turn (0 = silent), e.g.\n"
"                       450,800,1300,0 (default: 450,800,1300 then silent)\n"
"  --speech FILE        a WAV (8 kHz, 16-bit, mono) the silent ones play\n"
"  --stagger-ms MS      participant i joins at i * MS (default 0)\n"
"  --leave-after S      participants leave after S s (default: at the end)\n"
"  --duration S         seconds in all (default 10; SIGINT or SIGTERM\n"
"                       end it early, with the summary)\n"
"  --json               JSON summary on stdout\n"
"  --report-ms MS       also judge what each participant hears in windows\n"
"                       of MS ms (%d..%d): a JSON line per window on\n"
"                       stdout (whatever --json says), e.g.\n"
"                       {\"window\":3,\"t_ms\":2000,\"participants\":[{\"id\":0,\n"
"                       \"in_call\":true,\"sip_status\":200,\n"
"                       \"bye_from_focus\":false,\n"
"                       \"rtp_addr\":\"198.18.0.1\",\"rtp_port\":40000,\n"
"                       \"rx\":25,\"levels_db\":{\"450\":-81.0,\"800\":-0.4,\n"
"                       \"1300\":-0.3}}]}\n"
"                       levels_db: each tone's level in the window (dB\n"
"                       re the tone sent; -99 when nothing came);\n"
"                       rtp_addr, rtp_port: where it receives RTP now\n"
"  --move-addr A.B.C.D  where SIGUSR2 moves participant 0 (below)\n"
"  --also-hear LIST     more tones (Hz) for levels_db, e.g. another\n"
"                       fleet's participants in the same conference\n"
"  -h, --help           this help\n"
"\n"
"The final JSON's results also give each participant's sip_status (the\n"
"answer to its INVITE, 0: none), bye_from_focus, focus_rtp (where it\n"
"sends RTP: the answer's c= and m=, or --remote's), rx_from (the source\n"
"of the last RTP it received, \"\" if none) and rx_stray (RTP received\n"
"from anywhere else than focus_rtp; the verdict does not judge them).\n"
"\n"
"SIGUSR1 moves participant 0's RTP (with --call) to a new port, P + 2N\n"
"for the first move (P + 2N + 2 for the next, ...): it binds the port,\n"
"sends a re-INVITE offering it and, once answered, receives there and\n"
"sends to where the answer says; its --report-ms window starts again.\n"
"SIGUSR2 does the same at --move-addr (an address of this host). A line\n"
"on stderr tells the outcome.\n",
		PASS_OTHERS_DB, PASS_OWN_DB, MAX_PHONES, REPORT_MIN_MS,
		REPORT_MAX_MS);
}

static int
load_wav(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t h[44];
	long sz;

	if (f == NULL || fread(h, 1, 44, f) != 44 || memcmp(h, "RIFF", 4) ||
	    memcmp(h + 8, "WAVE", 4) || h[22] != 1 || h[34] != 16 ||
	    (h[24] | h[25] << 8) != 8000) {
		if (f)
			fclose(f);
		return -EINVAL;
	}
	fseek(f, 0, SEEK_END);
	sz = ftell(f) - 44;
	fseek(f, 44, SEEK_SET);
	speech = malloc((size_t)sz);
	if (speech == NULL || sz < 2 * FS) {
		fclose(f);
		return -EINVAL;
	}
	speech_len = (uint32_t)(fread(speech, 2, (size_t)sz / 2, f));
	fclose(f);
	return 0;
}

/* --ptime's list, e.g. "10,20,30,40": -EINVAL unless each is 10, 20, 30
 * or 40 and there are 1..MAX_PTIMES. */
static int
parse_ptimes(const char *s)
{
	int n = 0;

	for (;;) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v % 10 != 0 || v < 10 || v > 40 ||
		    n == MAX_PTIMES || (*end != ',' && *end != '\0'))
			return -EINVAL;
		ptimes[n++] = (unsigned int)v;
		if (*end == '\0')
			break;
		s = end + 1;
	}
	n_ptimes = n;
	return 0;
}

static void
send_frame(struct phone *p, enum dp_law law, uint8_t pt)
{
	uint32_t fs = 8 * p->ptime_ms;
	uint8_t pkt[12 + FS_MAX];
	int16_t pcm[FS_MAX];
	double amp = 32768.0 * pow(10.0, -15.0 / 20.0) * sqrt(2.0);
	uint32_t n = p->n++;

	pkt[0] = 0x80;
	pkt[1] = (uint8_t)(pt | (n == 0 ? 0x80 : 0));
	pkt[2] = (uint8_t)(n >> 8);
	pkt[3] = (uint8_t)n;
	for (int k = 0; k < 4; k++) {
		pkt[4 + k] = (uint8_t)((n * fs) >> (24 - 8 * k));
		pkt[8 + k] = (uint8_t)(ntohs(p->local.sin_port) >> (24 - 8 * k));
	}
	for (uint32_t k = 0; k < fs; k++)
		pcm[k] = p->tone_hz > 0 ? (int16_t)lrint(amp * sin(2.0 * M_PI *
			p->tone_hz * (n * fs + k) / 8000.0)) :
			 p->speech ? speech[(n * fs + k) % speech_len] : 0;
	dp_g711_encode(law, pkt + 12, pcm, fs);
	sendto(p->fd, pkt, 12 + fs, 0, (struct sockaddr *)&p->remote,
	       sizeof(p->remote));
}

static void
receive(struct phone *p, enum dp_law law)
{
	uint8_t buf[2048];
	struct sockaddr_in from;
	socklen_t from_len = sizeof(from);
	ssize_t len;

	while ((len = recvfrom(p->fd, buf, sizeof(buf), 0,
			       (struct sockaddr *)&from, &from_len)) > 12) {
		uint16_t seq = (uint16_t)(buf[2] << 8 | buf[3]);
		uint32_t ts = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
			      (uint32_t)buf[6] << 8 | buf[7];
		double t = (double)phone_now_ms();
		int16_t pcm[FS_MAX];
		uint32_t m = (uint32_t)len - 12;

		from_len = sizeof(from);
		p->rx_from = from;
		if (from.sin_addr.s_addr != p->remote.sin_addr.s_addr ||
		    from.sin_port != p->remote.sin_port)
			p->rx_stray++;
		if (!p->have_seq) {
			p->have_seq = true;
			p->max_seq = seq;
			p->first_ext = seq;
			p->max_ext = seq;
		} else {
			if (seq < p->max_seq && p->max_seq - seq > 30000)
				p->cycles += 65536;	/* wrapped */
			if ((uint16_t)(seq - p->max_seq) < 30000) {
				p->max_seq = seq;
				p->max_ext = p->cycles + seq;
			}
			/* RFC 3550 A.8 interarrival jitter, in ts units */
			{
				double d = (t - p->last_ms) * 8.0 -
					   (double)(int32_t)(ts - p->last_ts);

				p->jitter_ts += (fabs(d) - p->jitter_ts) / 16.0;
			}
			if (t - p->last_ms > GAP_MS)
				p->gaps++;
		}
		p->last_ms = t;
		p->last_ts = ts;
		p->rx++;
		/* a whole number of 10 ms, up to 40: the focus sends each
		 * a multiple of its tick */
		if (m == 0 || m % 80 != 0 || m > FS_MAX)
			continue;
		dp_g711_decode(law, pcm, buf + 12, m);
		for (uint32_t k = 0; k < m; k++) {
			p->ring[p->ring_pos] = pcm[k];
			p->ring_pos = (p->ring_pos + 1) % WINDOW;
		}
		p->ring_fill = p->ring_fill + m > WINDOW ? WINDOW :
			       p->ring_fill + m;
		p->win_fill = p->win_fill + m > WINDOW ? WINDOW :
			      p->win_fill + m;
		p->win_rx++;
	}
}

/* The level of freq in the last n_samples p received (n_samples <=
 * p->ring_fill), in dB relative to the tone a participant sends. */
static double
level_db(const struct phone *p, double freq, uint32_t n_samples)
{
	static int16_t lin[WINDOW];
	double amp = 32768.0 * pow(10.0, -15.0 / 20.0) * sqrt(2.0);
	int n = (int)n_samples;
	goertzel_descriptor_t d;
	goertzel_state_t s;

	if (n < FS)
		return -99.0;
	for (int i = 0; i < n; i++)	/* oldest first */
		lin[i] = p->ring[(p->ring_pos + WINDOW - (uint32_t)n +
				  (uint32_t)i) % WINDOW];
	make_goertzel_descriptor(&d, (float)freq, n);
	goertzel_init(&s, &d);
	goertzel_update(&s, lin, n);
	/* SpanDSP's Goertzel: (A n / sqrt 2)^2 / 2 for a centred tone */
	return 10.0 * log10((goertzel_result(&s) + 1e-9) /
			    ((amp * n) * (amp * n) / 2.0));
}

static void
judge(struct phone *p, int n)
{
	uint32_t expected = p->have_seq ? p->max_ext - p->first_ext + 1 : 0;

	p->loss_pct = expected ? 100.0 * (double)(expected > p->rx ?
				 expected - p->rx : 0) / expected : 100.0;
	p->others_min_db = 99.0;
	p->own_db = p->tone_hz > 0 ? level_db(p, p->tone_hz, p->ring_fill) :
		    -99.0;
	for (int j = 0; j < n; j++)
		if (&ph[j] != p && ph[j].tone_hz > 0 && ph[j].in_call &&
		    ph[j].tone_hz != p->tone_hz) {
			double db = level_db(p, ph[j].tone_hz, p->ring_fill);

			if (db < p->others_min_db)
				p->others_min_db = db;
		}
	p->pass = false;
	if (p->rx == 0)
		snprintf(p->why, sizeof(p->why), "received nothing");
	else if (p->loss_pct >= 1.0)
		snprintf(p->why, sizeof(p->why), "loss %.2f %%", p->loss_pct);
	else if (p->others_min_db < PASS_OTHERS_DB)
		snprintf(p->why, sizeof(p->why), "a talker missing (%.0f dB)",
			 p->others_min_db);
	else if (p->own_db > PASS_OWN_DB)
		snprintf(p->why, sizeof(p->why), "hears itself (%.0f dB)",
			 p->own_db);
	else
		p->pass = true;
}

/* One --report-ms line: what each participant heard since the last one
 * (the tones of tones[0..n_tones), all of them, own included); then a new
 * window starts. */
static void
report_window(int count, uint64_t window, uint64_t t_ms, const double *tones,
	      int n_tones)
{
	printf("{\"window\":%" PRIu64 ",\"t_ms\":%" PRIu64
	       ",\"participants\":[", window, t_ms);
	for (int i = 0; i < count; i++) {
		struct phone *p = &ph[i];
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &p->local.sin_addr, ip, sizeof(ip));
		printf("%s{\"id\":%d,\"tone_hz\":%g,\"in_call\":%s,"
		       "\"sip_status\":%d,\"bye_from_focus\":%s,"
		       "\"rtp_addr\":\"%s\",\"rtp_port\":%u,\"rx\":%" PRIu64
		       ",\"levels_db\":{",
		       i ? "," : "", i, p->tone_hz,
		       p->in_call ? "true" : "false", p->call.status,
		       p->bye_rx ? "true" : "false", ip,
		       ntohs(p->local.sin_port), p->win_rx);
		for (int k = 0; k < n_tones; k++)
			printf("%s\"%g\":%.1f", k ? "," : "", tones[k],
			       level_db(p, tones[k], p->win_fill));
		printf("}}");
		p->win_fill = 0;
		p->win_rx = 0;
	}
	printf("]}\n");
	fflush(stdout);
}

/* A.B.C.D:PORT of a, or "" when a is unset (family 0). */
static void
addr_port(const struct sockaddr_in *a, char *out, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	if (a->sin_family != AF_INET) {
		out[0] = '\0';
		return;
	}
	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(out, len, "%s:%u", ip, ntohs(a->sin_port));
}

/* Parse a comma-separated list of Hz into out (at most max); the count. */
static int
parse_tones(char *list, double *out, int max)
{
	int n = 0;

	for (char *tok = strtok(list, ","); tok != NULL && n < max;
	     tok = strtok(NULL, ","))
		out[n++] = atof(tok);
	return n;
}

int
fleet_main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "local", required_argument, NULL, 'l' },
		{ "base-port", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "call", required_argument, NULL, 'C' },
		{ "remote", required_argument, NULL, 'r' },
		{ "codec", required_argument, NULL, 'c' },
		{ "ptime", required_argument, NULL, 'P' },
		{ "tones", required_argument, NULL, 't' },
		{ "speech", required_argument, NULL, 's' },
		{ "stagger-ms", required_argument, NULL, 'S' },
		{ "leave-after", required_argument, NULL, 'L' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "report-ms", required_argument, NULL, 'R' },
		{ "also-hear", required_argument, NULL, 'A' },
		{ "move-addr", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *local = NULL, *call = NULL, *remote = NULL;
	double tones[MAX_TONES] = { 450, 800, 1300 };
	double heard[2 * MAX_TONES];	/* tones the window lines report */
	int n_tones = 3, count = 0, base = 40000, c, n_pass = 0, n_heard = 0;
	int n_also = 0;
	double also[MAX_TONES];
	uint64_t stagger = 0, leave_s = 0, duration_s = 10, t0, next, last_s;
	uint64_t report_ms = 0, next_report = 0, n_windows = 0;
	int n_moves = 0;
	enum dp_law law = DP_LAW_ULAW;
	struct sockaddr_in rem = { 0 };
	struct in_addr move_addr = { 0 };
	bool json = false, have_move_addr = false;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'l': local = optarg; break;
		case 'b': base = atoi(optarg); break;
		case 'n': count = atoi(optarg); break;
		case 'C': call = optarg; break;
		case 'r': remote = optarg; break;
		case 'c':
			law = strcasecmp(optarg, "PCMA") == 0 ? DP_LAW_ALAW :
			      DP_LAW_ULAW;
			break;
		case 't':
			n_tones = parse_tones(optarg, tones, MAX_TONES);
			break;
		case 'A':
			n_also = parse_tones(optarg, also, MAX_TONES);
			break;
		case 'R': report_ms = strtoull(optarg, NULL, 10); break;
		case 'M':
			if (inet_pton(AF_INET, optarg, &move_addr) != 1) {
				fprintf(stderr, "tutti-gen: --move-addr %s: "
					"A.B.C.D\n", optarg);
				return 2;
			}
			have_move_addr = true;
			break;
		case 'P':
			if (parse_ptimes(optarg) < 0) {
				fprintf(stderr, "tutti-gen: --ptime %s: 10, "
					"20, 30 or 40, or up to %d of them "
					"with commas\n", optarg, MAX_PTIMES);
				return 2;
			}
			break;
		case 's':
			if (load_wav(optarg) < 0) {
				fprintf(stderr, "tutti-gen: --speech %s: not "
					"an 8 kHz 16-bit mono WAV\n", optarg);
				return 2;
			}
			break;
		case 'S': stagger = strtoull(optarg, NULL, 10); break;
		case 'L': leave_s = strtoull(optarg, NULL, 10); break;
		case 'd': duration_s = strtoull(optarg, NULL, 10); break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "try 'tutti-gen --functional --help'\n");
			return 2;
		}
	}
	if (local == NULL || count < 1 || count > MAX_PHONES ||
	    (call == NULL) == (remote == NULL) || base < 1024 ||
	    base + 2 * count > 65535 || duration_s == 0) {
		fprintf(stderr, "tutti-gen --functional: --local, --count 1..%d "
			"and one of --call and --remote are needed (try "
			"--help)\n", MAX_PHONES);
		return 2;
	}
	if (report_ms != 0 && (report_ms < REPORT_MIN_MS ||
			       report_ms > REPORT_MAX_MS)) {
		fprintf(stderr, "tutti-gen --functional: --report-ms %" PRIu64
			": %d..%d\n", report_ms, REPORT_MIN_MS, REPORT_MAX_MS);
		return 2;
	}
	/* the window lines: the fleet's tones, then the others asked for */
	for (int i = 0; i < count && i < n_tones; i++) {
		bool dup = tones[i] <= 0;

		for (int k = 0; k < n_heard && !dup; k++)
			dup = heard[k] == tones[i];
		if (!dup)
			heard[n_heard++] = tones[i];
	}
	for (int i = 0; i < n_also; i++)
		if (also[i] > 0)
			heard[n_heard++] = also[i];
	if (remote != NULL) {
		char host[64];
		unsigned int port;

		if (sscanf(remote, "%63[0-9.]:%u", host, &port) != 2 ||
		    inet_pton(AF_INET, host, &rem.sin_addr) != 1) {
			fprintf(stderr, "tutti-gen: --remote %s: A.B.C.D:PORT\n",
				remote);
			return 2;
		}
		rem.sin_family = AF_INET;
		rem.sin_port = htons((uint16_t)port);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_move);
	signal(SIGUSR2, on_move);
	for (int i = 0; i < count; i++) {
		struct phone *p = &ph[i];

		memset(p, 0, sizeof(*p));
		p->call.fd = -1;
		p->tone_hz = tones[i % n_tones];
		if (i >= n_tones)
			p->tone_hz = 0;
		p->speech = p->tone_hz == 0 && speech != NULL;
		p->ptime_ms = ptimes[i % n_ptimes];
		p->local.sin_family = AF_INET;
		p->local.sin_port = htons((uint16_t)(base + 2 * i));
		if (inet_pton(AF_INET, local, &p->local.sin_addr) != 1) {
			fprintf(stderr, "tutti-gen: --local %s: an IPv4 "
				"address\n", local);
			return 2;
		}
		p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&p->local,
				      sizeof(p->local)) != 0) {
			fprintf(stderr, "tutti-gen: participant %d: port %d: "
				"%s\n", i, base + 2 * i, strerror(errno));
			return 1;
		}
	}
	t0 = phone_now_ms();
	next_report = report_ms;
	last_s = 0;
	while (!quit) {
		uint64_t now = phone_now_ms(), el = now - t0;
		struct pollfd pf[MAX_PHONES];

		if (el >= duration_s * 1000)
			break;
		for (int i = 0; i < count; i++) {
			struct phone *p = &ph[i];

			if (!p->joined_once && el >= (uint64_t)i * stagger) {
				p->joined_once = true;
				if (call != NULL) {
					struct sockaddr_in sl = p->local;
					int rc;

					sl.sin_port = htons((uint16_t)(base +
								       2 * i + 1));
					rc = sipcall_dial(&p->call, call, &sl,
						ntohs(p->local.sin_port),
						law == DP_LAW_ALAW ? 8 : 0,
						p->ptime_ms, &p->remote, 5000);
					if (rc != 0) {
						fprintf(stderr, "tutti-gen: "
							"participant %d: call "
							"failed: %d\n", i, rc);
						sipcall_hangup(&p->call, 0);
						continue;
					}
				} else {
					p->remote = rem;
					p->remote.sin_port = htons((uint16_t)(
						ntohs(rem.sin_port) + 2 * i));
				}
				p->in_call = true;
				p->join_ms = now;
				p->next_ms = now;
			}
			if (p->in_call && leave_s > 0 &&
			    now - p->join_ms >= leave_s * 1000) {
				sipcall_hangup(&p->call, 1000);
				p->in_call = false;
				p->left = true;
			}
		}
		if (move_req) {
			struct phone *p = &ph[0];
			uint16_t port = (uint16_t)(base + 2 * count +
						   2 * n_moves);
			const struct in_addr *to = move_req == 2 ?
						   &move_addr : NULL;
			bool no_addr = to != NULL && !have_move_addr;
			char ip[INET_ADDRSTRLEN];
			int rc = call == NULL || !p->in_call ? -ENOTCONN :
				 no_addr ? -EINVAL :
				 move_media(p, to, port,
					    law == DP_LAW_ALAW ? 8 : 0);

			move_req = 0;
			inet_ntop(AF_INET, to != NULL ? to :
				  &p->local.sin_addr, ip, sizeof(ip));
			if (rc == 0) {
				n_moves++;
				fprintf(stderr, "tutti-gen: participant 0: "
					"RTP moved to %s port %u "
					"(re-INVITE)\n", ip, port);
			} else {
				fprintf(stderr, "tutti-gen: participant 0: "
					"move to %s port %u failed: %d%s\n",
					ip, port, rc, no_addr ?
					" (SIGUSR2 without --move-addr)" : "");
			}
		}
		/* one packet per participant per its ptime; the poll waits
		 * for the next one due */
		next = now + 20;
		for (int i = 0; i < count; i++) {
			struct phone *p = &ph[i];

			if (!p->in_call)
				continue;
			if (now >= p->next_ms) {
				send_frame(p, law, law == DP_LAW_ALAW ? 8 : 0);
				p->next_ms += p->ptime_ms;
			}
			if (p->next_ms < next)
				next = p->next_ms;
		}
		for (int i = 0; i < count; i++)
			pf[i] = (struct pollfd){ .fd = ph[i].fd,
						 .events = POLLIN };
		poll(pf, (nfds_t)count, next > now ? (int)(next - now) : 0);
		for (int i = 0; i < count; i++) {
			receive(&ph[i], law);
			if (ph[i].call.fd > 0) {
				sipcall_input(&ph[i].call);
				if (ph[i].call.ended && ph[i].in_call) {
					ph[i].in_call = false;
					ph[i].left = true;
					ph[i].bye_rx = true;
				}
			}
		}
		if (report_ms != 0 && el >= next_report) {
			report_window(count, ++n_windows, el, heard, n_heard);
			next_report += report_ms;
		}
		if (el / 1000 > last_s) {
			uint64_t rx = 0, tx = 0;
			int in = 0;

			last_s = el / 1000;
			for (int i = 0; i < count; i++) {
				rx += ph[i].rx;
				tx += ph[i].n;
				in += ph[i].in_call;
			}
			fprintf(stderr, "tutti-gen functional: %3" PRIu64 "s  %d/%d"
				" in the call, sent %" PRIu64 ", got %" PRIu64
				"\n", last_s, in, count, tx, rx);
		}
	}
	for (int i = 0; i < count; i++) {
		judge(&ph[i], count);
		n_pass += ph[i].pass;
	}
	if (json) {
		printf("{\"tool\":\"tutti-gen\",\"mode\":\"functional\","
		       "\"participants\":%d,\"passed\":%d,\"results\":[",
		       count, n_pass);
		for (int i = 0; i < count; i++) {
			const struct phone *p = &ph[i];
			char to[24], from[24];

			addr_port(&p->remote, to, sizeof(to));
			addr_port(&p->rx_from, from, sizeof(from));
			printf("%s{\"id\":%d,\"port\":%d,\"tone_hz\":%g,"
			       "\"ptime_ms\":%u,"
			       "\"rx\":%" PRIu64 ",\"loss_pct\":%.3f,"
			       "\"jitter_ms\":%.2f,\"gaps\":%u,"
			       "\"others_min_db\":%.1f,\"own_db\":%.1f,"
			       "\"sip_status\":%d,\"bye_from_focus\":%s,"
			       "\"focus_rtp\":\"%s\",\"rx_from\":\"%s\","
			       "\"rx_stray\":%" PRIu64 ","
			       "\"pass\":%s,\"why\":\"%s\"}", i ? "," : "", i,
			       base + 2 * i, p->tone_hz, p->ptime_ms, p->rx,
			       p->loss_pct,
			       p->jitter_ts / 8.0, p->gaps, p->others_min_db,
			       p->own_db, p->call.status,
			       p->bye_rx ? "true" : "false", to, from,
			       p->rx_stray,
			       p->pass ? "true" : "false", p->why);
		}
		printf("]}\n");
	} else {
		printf("%4s %6s %6s %7s %7s %9s %5s %11s %7s  %s\n", "#",
		       "PORT", "TONE", "RX", "LOSS%", "JITTER ms", "GAPS",
		       "OTHERS dB", "OWN dB", "VERDICT");
		for (int i = 0; i < count; i++) {
			const struct phone *p = &ph[i];

			printf("%4d %6d %6g %7" PRIu64 " %7.2f %9.2f %5u %11.1f"
			       " %7.1f  %s%s%s\n", i, base + 2 * i, p->tone_hz,
			       p->rx, p->loss_pct, p->jitter_ts / 8.0, p->gaps,
			       p->others_min_db, p->own_db, p->pass ? "PASS" :
			       "FAIL", p->pass ? "" : ": ", p->why);
		}
		printf("%d of %d passed\n", n_pass, count);
	}
	for (int i = 0; i < count; i++) {
		sipcall_hangup(&ph[i].call, 1000);
		close(ph[i].fd);
	}
	free(speech);
	return n_pass == count ? 0 : 1;
}
