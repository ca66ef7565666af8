/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tutti-phone: a plain kernel-socket RTP phone for demos and checks. It
 * sends a G.711 tone (or silence) every 20 ms from one UDP port to the
 * focus, receives what the focus sends back, and once a second prints what
 * it hears: packets, sequence gaps, and the level of each listed frequency
 * (SpanDSP's Goertzel filter), so one sees at a glance that it hears the
 * others and not itself. --json prints one object per second instead.
 * No DPDK, no SIP (the focus is provisioned: tutti-dp --provision).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <spandsp.h>

#include "g711.h"
#include "sipcall.h"

#define FS		160
#define MAX_LISTEN	8

static volatile sig_atomic_t quit;

struct opts {
	struct sockaddr_in local, remote;
	enum dp_law law;
	uint8_t pt;
	double tone_hz;		/* 0: silence */
	double amp;
	double listen[MAX_LISTEN];
	int n_listen;
	int duration_s;		/* 0: until a signal */
	bool json;
	bool listen_only;	/* send nothing (offer a=recvonly) */
	const char *name;
	const char *sip_uri;	/* call in, or NULL (--remote given) */
	uint16_t sip_port;	/* its SIP port; 0 = RTP port + 1 */
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tutti-phone --local A.B.C.D:PORT (--remote A.B.C.D:PORT | --call URI)\n"
"                   [options]\n"
"\n"
"A kernel-socket RTP phone: sends a tone in G.711 every 20 ms to --remote\n"
"(the focus) from --local, and prints once a second what it receives:\n"
"packets, sequence gaps and the level of each --listen frequency in dB\n"
"relative to a full-level (-15 dBov) tone.\n"
"\n"
"  --local A:P        address and port to send from and listen on\n"
"  --remote A:P       where to send (tutti-dp's address and leg port), for\n"
"                     a provisioned leg (tutti-dp --provision)\n"
"  --call URI         call in over SIP instead, e.g. sip:demo@198.18.0.1:5060\n"
"                     (numeric address): INVITE with this phone's RTP\n"
"                     port, the answer says where to send; BYE at the end\n"
"  --sip-port N       the phone's SIP port (default: its RTP port + 1)\n"
"  --codec C          PCMU (default) or PCMA\n"
"  --tone HZ          frequency to send (default 0: silence)\n"
"  --level DBOV       its level (default -15)\n"
"  --listen HZ,HZ...  frequencies to report (up to %d)\n"
"  --listen-only      send no RTP (with --call: offer a=recvonly), as a\n"
"                     listen-only participant; the focus must still reach\n"
"                     this phone, though it never hears from it\n"
"  --name NAME        label for the output (default: the local port)\n"
"  --duration S       stop after S seconds (default: until Ctrl-C)\n"
"  --json             one JSON object per second instead of a line\n"
"  -h, --help         this help\n", MAX_LISTEN);
}

static int
parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *c = strrchr(s, ':');
	char *end;
	long port;

	if (c == NULL || (size_t)(c - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(c - s));
	host[c - s] = '\0';
	port = strtol(c + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -EINVAL;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "local", required_argument, NULL, 'l' },
		{ "remote", required_argument, NULL, 'r' },
		{ "codec", required_argument, NULL, 'c' },
		{ "tone", required_argument, NULL, 't' },
		{ "level", required_argument, NULL, 'v' },
		{ "listen", required_argument, NULL, 'L' },
		{ "listen-only", no_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "call", required_argument, NULL, 'C' },
		{ "sip-port", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_l = false, have_r = false;
	char *end, *tok, *save;
	int c;

	memset(o, 0, sizeof(*o));
	o->law = DP_LAW_ULAW;
	o->amp = 32768.0 * pow(10.0, -15.0 / 20.0) * sqrt(2.0);
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'l':
		case 'r':
			if (parse_addr(optarg, c == 'l' ? &o->local :
				       &o->remote) < 0) {
				fprintf(stderr, "tutti-phone: --%s %s: expected "
					"A.B.C.D:PORT\n", c == 'l' ? "local" :
					"remote", optarg);
				return -EINVAL;
			}
			*(c == 'l' ? &have_l : &have_r) = true;
			break;
		case 'c':
			if (strcasecmp(optarg, "PCMU") == 0) {
				o->law = DP_LAW_ULAW;
			} else if (strcasecmp(optarg, "PCMA") == 0) {
				o->law = DP_LAW_ALAW;
			} else {
				fprintf(stderr, "tutti-phone: --codec %s: "
					"PCMU or PCMA\n", optarg);
				return -EINVAL;
			}
			break;
		case 't':
			o->tone_hz = strtod(optarg, &end);
			if (*end != '\0' || o->tone_hz < 0 ||
			    o->tone_hz >= 4000) {
				fprintf(stderr, "tutti-phone: --tone %s: 0 to "
					"3999 Hz\n", optarg);
				return -EINVAL;
			}
			break;
		case 'v': {
			double db = strtod(optarg, &end);

			if (*end != '\0' || db > -3 || db < -60) {
				fprintf(stderr, "tutti-phone: --level %s: -60 "
					"to -3 dBov\n", optarg);
				return -EINVAL;
			}
			o->amp = 32768.0 * pow(10.0, db / 20.0) * sqrt(2.0);
			break;
		}
		case 'L':
			for (tok = strtok_r(optarg, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				double f = strtod(tok, &end);

				if (*end != '\0' || f <= 0 || f >= 4000 ||
				    o->n_listen == MAX_LISTEN) {
					fprintf(stderr, "tutti-phone: --listen:"
						" up to %d frequencies below "
						"4000 Hz\n", MAX_LISTEN);
					return -EINVAL;
				}
				o->listen[o->n_listen++] = f;
			}
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'd':
			o->duration_s = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o->duration_s < 0) {
				fprintf(stderr, "tutti-phone: --duration %s: "
					"seconds\n", optarg);
				return -EINVAL;
			}
			break;
		case 'j':
			o->json = true;
			break;
		case 'o':
			o->listen_only = true;
			break;
		case 'C':
			o->sip_uri = optarg;
			have_r = true;
			break;
		case 'P': {
			long p = strtol(optarg, &end, 10);

			if (*end != '\0' || p <= 0 || p > 65535) {
				fprintf(stderr, "tutti-phone: --sip-port %s: a "
					"port number\n", optarg);
				return -EINVAL;
			}
			o->sip_port = (uint16_t)p;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "try 'tutti-phone --help'\n");
			return -EINVAL;
		}
	}
	if (!have_l || !have_r) {
		fprintf(stderr, "tutti-phone: --local and --remote or --call are "
			"needed (try --help)\n");
		return -EINVAL;
	}
	o->pt = o->law == DP_LAW_ALAW ? 8 : 0;
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* dB of freq in x[n] relative to a tone at the phone's own level. */
static double
level_db(const int16_t *x, int n, double freq, double amp)
{
	goertzel_descriptor_t d;
	goertzel_state_t s;
	/* SpanDSP's Goertzel gives (A n / sqrt 2)^2 / 2 for a tone of
	 * amplitude A centred in the bin */
	double ref = (amp * n) * (amp * n) / 4.0 * 2.0;

	make_goertzel_descriptor(&d, (float)freq, n);
	goertzel_init(&s, &d);
	goertzel_update(&s, x, n);
	return 10.0 * log10((goertzel_result(&s) + 1e-9) / ref);
}

int
main(int argc, char **argv)
{
	static int16_t heard[8000];
	struct opts o;
	struct timespec next;
	uint64_t n_tx = 0, n_rx = 0, gaps = 0, sec_rx = 0;
	uint16_t last_seq = 0;
	bool have_seq = false;
	int n_heard = 0, sec = 0, s;
	struct sipcall call = { .fd = -1 };
	char label[32];

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	snprintf(label, sizeof(label), "%s", o.name ? o.name : "");
	if (o.name == NULL)
		snprintf(label, sizeof(label), "%u", ntohs(o.local.sin_port));
	s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&o.local, sizeof(o.local))) {
		fprintf(stderr, "tutti-phone: cannot use %s:%u: %s\n",
			inet_ntoa(o.local.sin_addr), ntohs(o.local.sin_port),
			strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (o.sip_uri != NULL) {
		struct sockaddr_in sl = o.local;
		int rc;

		sl.sin_port = htons(o.sip_port ? o.sip_port :
				    (uint16_t)(ntohs(o.local.sin_port) + 1));
		call.recvonly = o.listen_only;
		rc = sipcall_dial(&call, o.sip_uri, &sl,
				  ntohs(o.local.sin_port), o.pt, 20,
				  &o.remote, 10000);
		if (rc != 0) {
			fprintf(stderr, "tutti-phone %s: call to %s failed: "
				"%s%d%s\n", label, o.sip_uri, rc > 0 ?
				"SIP " : "", rc > 0 ? rc : -rc, rc > 0 ? "" :
				" (errno)");
			sipcall_hangup(&call, 0);
			return 1;
		}
		printf("tutti-phone %s: in the conference %s: RTP to %s:%u\n",
		       label, o.sip_uri, inet_ntoa(o.remote.sin_addr),
		       ntohs(o.remote.sin_port));
		fflush(stdout);
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint32_t n = 0; !quit && !call.ended; n++) {
		uint8_t pkt[12 + FS];
		int16_t pcm[FS];

		pkt[0] = 0x80;
		pkt[1] = (uint8_t)(o.pt | (n == 0 ? 0x80 : 0));
		pkt[2] = (uint8_t)(n >> 8);
		pkt[3] = (uint8_t)n;
		for (int k = 0; k < 4; k++) {
			pkt[4 + k] = (uint8_t)((n * FS) >> (24 - 8 * k));
			pkt[8 + k] = (uint8_t)(ntohs(o.local.sin_port) >>
					       (24 - 8 * k));
		}
		for (int k = 0; k < FS; k++)
			pcm[k] = (int16_t)lrint(o.tone_hz > 0 ? o.amp *
				sin(2.0 * M_PI * o.tone_hz * (n * FS + k) /
				    8000.0) : 0);
		dp_g711_encode(o.law, pkt + 12, pcm, FS);
		if (!o.listen_only && sendto(s, pkt, sizeof(pkt), 0,
			   (struct sockaddr *)&o.remote,
			   sizeof(o.remote)) > 0)
			n_tx++;
		next.tv_nsec += 20000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		for (;;) {
			struct pollfd p = { .fd = s, .events = POLLIN };
			struct timespec now;
			uint8_t buf[2048];
			ssize_t len;
			long ms;

			clock_gettime(CLOCK_MONOTONIC, &now);
			ms = (next.tv_sec - now.tv_sec) * 1000 +
			     (next.tv_nsec - now.tv_nsec) / 1000000;
			if (call.fd > 0)
				sipcall_input(&call);
			if (ms < 0 || quit || poll(&p, 1, (int)ms) <= 0)
				break;
			while ((len = recv(s, buf, sizeof(buf), 0)) > 12) {
				uint16_t sq = (uint16_t)(buf[2] << 8 | buf[3]);

				if (have_seq && sq != (uint16_t)(last_seq + 1))
					gaps++;
				have_seq = true;
				last_seq = sq;
				n_rx++;
				sec_rx++;
				if (len == 12 + FS && n_heard + FS <= 8000) {
					dp_g711_decode(o.law, heard + n_heard,
						       buf + 12, FS);
					n_heard += FS;
				}
			}
		}
		if ((n + 1) % 50 != 0)
			continue;
		sec++;
		if (o.json) {
			printf("{\"phone\":\"%s\",\"second\":%d,\"tx\":%llu,"
			       "\"rx\":%llu,\"rx_last_s\":%llu,\"gaps\":%llu,"
			       "\"levels_db\":{", label, sec,
			       (unsigned long long)n_tx,
			       (unsigned long long)n_rx,
			       (unsigned long long)sec_rx,
			       (unsigned long long)gaps);
			for (int i = 0; i < o.n_listen; i++)
				printf("%s\"%g\":%.1f", i ? "," : "",
				       o.listen[i], n_heard ? level_db(heard,
				       n_heard, o.listen[i], o.amp) : -99.0);
			printf("}}\n");
		} else {
			printf("tutti-phone %s: %2ds sent %llu, got %llu (%llu "
			       "this second), %llu gaps; hears", label, sec,
			       (unsigned long long)n_tx,
			       (unsigned long long)n_rx,
			       (unsigned long long)sec_rx,
			       (unsigned long long)gaps);
			for (int i = 0; i < o.n_listen; i++)
				printf(" %g Hz %+.0f dB%s", o.listen[i],
				       n_heard ? level_db(heard, n_heard,
				       o.listen[i], o.amp) : -99.0,
				       o.listen[i] == o.tone_hz ? " (own)" :
				       "");
			printf("\n");
		}
		fflush(stdout);
		sec_rx = 0;
		n_heard = 0;
		if (o.duration_s > 0 && sec >= o.duration_s)
			break;
	}
	if (call.ended) {
		printf("tutti-phone %s: the focus hung up%s%s%s\n", label,
		       call.bye_reason[0] ? " (Reason: " : "",
		       call.bye_reason, call.bye_reason[0] ? ")" : "");
	} else if (call.fd > 0) {
		int code = sipcall_hangup(&call, 2000);

		if (code != 0)
			printf("tutti-phone %s: hung up: BYE answered %d\n",
			       label, code);
		else
			printf("tutti-phone %s: hung up: no answer to BYE\n",
			       label);
	}
	fflush(stdout);
	sipcall_hangup(&call, 2000);
	close(s);
	return 0;
}
