/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_baresip.c: the focus end to end with real SIP phones. The test
 * builds a lab of its own names (tools/lab: a network namespace and a veth
 * pair; tutti-dp on the root side through af_packet, owning 198.18.0.2),
 * starts tutti-cp inside the namespace (SIP on 198.18.0.1:5060, standing
 * conference sip:demo@198.18.0.1), and three baresip instances there, each
 * with a config directory of its own that the test writes: one SIP port,
 * PCMU only, its own tone (450, 800, 1300 Hz at -15 dBov, WAV files the
 * test generates) as the audio source. Each dials sip:demo@198.18.0.1,
 * talks for the length of its file (6 s) and hangs up. The last one calls
 * over TLS (sip:demo@198.18.0.1;transport=tls: tutti-cp with --tls-cert,
 * a certificate of tests/certs.sh), so one dialog's INVITE, 200, ACK and
 * BYE are in TLS. (Debian 12's baresip 1.0.0 does not check the focus's
 * certificate, sip_cafile or not: test_sip's own TLS ends check it.) Its
 * media are SRTP or nothing (mediaenc=srtp-mand: RTP/SAVP, SDES keys in
 * a=crypto, baresip's own SRTP in libre), which tutti-cp takes (--srtp
 * optional, the default) and tutti-dp runs: its join says SRTP, the
 * others' not, and tutti-dp refused none of its packets as forged or
 * replayed.
 * Then each one's
 * recording of what it heard holds the other two tones at full level and
 * its own at least 30 dB below them (SpanDSP's Goertzel filter), and
 * tutti-cp logged three joins and three leaves. A second case kills
 * tutti-dp in the middle of a plain call and an SRTP one and starts
 * another: in the calls' last seconds the two hear each other again. The lab, the region and the
 * files go also when the test fails (unchecked fixture; check kills the
 * test's process group, which holds every program it started). Needs root
 * (network namespaces): skipped by name otherwise; baresip (Debian
 * baresip-core) missing is a failure (tools/deps installs it).
 *
 * What Debian 12's baresip 1.0.0 does, and how the test uses it:
 * - aufile is a source only (aufile as a player came with later
 *   versions): "audio_source aufile,FILE" plays a WAV that must be S16LE
 *   at ausrc_srate and ausrc_channels (8000 Hz, 1 here); when the file
 *   ends the call ends (BYE), which is the hang-up.
 * - The recording is the sndfile filter module: it writes what the phone
 *   hears (after decoding) to <snd_path>/dump-<time>-dec.wav and what it
 *   sends to ...-enc.wav.
 * - No audio_player at all: the decoder and sndfile run without one (the
 *   receive pipeline reads "(play) <--- sndfile <--- PCMU"), so no sound
 *   card, no ALSA null device.
 * - No stdio UI module: with stdin not a terminal it fails to register fd
 *   0 (EPERM). The menu module alone runs "-e /dial ..." at start.
 * - "audio_codecs=PCMU" in the account line restricts the offer to PCMU;
 *   net_interface pins the address it advertises; SIP ports are 2 apart
 *   (baresip may take TLS on port+1) and RTP port ranges disjoint;
 *   "-t SECONDS" ends the process.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <spandsp.h>

#include "check_main.h"
#include "proc.h"

#define WAIT_MS	     20000
#define PHONES	     3
#define RATE	     8000
#define TONE_S	     6		/* each phone talks this long */
#define QUIT_S	     12		/* baresip -t: ends the process */
#define LONG_TONE_S  12		/* ... across a restart of tutti-dp */
#define LONG_QUIT_S  18
#define TAIL_FROM    (4 * RATE) /* analysed there: the last 4 s .. */
#define TAIL_TO	     (RATE / 2) /* .. 0.5 s of the recording */
#define WIN_FROM     RATE	/* analysed: 1 s .. 4 s, when all */
#define WIN_LEN	     (3 * RATE) /* three talk */
#define SIP_PORT0    5072	/* the phones' SIP ports, 2 apart */
#define TLS_PHONE    (PHONES - 1) /* the one that calls over TLS */
#define RTP_PORT0    42000	/* and RTP ranges, 100 ports each */
#define OWN_BELOW_DB 30.0	/* own tone this far under others */
#define OTHER_MIN_DB -6.0	/* others' tones, re the sent level */
#define OTHER_MAX_DB 3.0

static const int tone_hz[PHONES] = { 450, 800, 1300 };
static char ns[32], dp_if[16], lab_if[16], region[64], dir[64];
static bool have_dir, have_lab, have_certs; /* what setup made, for the test
					     * to check */

/* name's path in PATH or the system folders, in buf; NULL if not there. */
static const char *
find_exe(const char *name, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	char dirs[4096], *save;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/usr/bin:/sbin:/bin",
		 path != NULL ? path : "");
	for (char *d = strtok_r(dirs, ":", &save); d != NULL;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, size, "%s/%s", d, name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

const char *
test_skip_reason(void)
{
	if (geteuid() != 0)
		return "needs root to create a network namespace";
	return NULL;
}

/* tools/lab verb with the test's names; its exit status (-1: no lab). */
static int
lab(const char *verb)
{
	return proc_lab(verb, ns, dp_if, lab_if);
}

/* A mono S16LE WAV file of n samples at RATE. Returns 0 or -errno. */
static int
write_wav(const char *path, const int16_t *x, uint32_t n)
{
	uint8_t h[44];
	uint32_t data = n * 2;
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (f == NULL)
		return -errno;
#define LE16(o, v) (h[o] = (uint8_t)(v), h[(o) + 1] = (uint8_t)((v) >> 8))
#define LE32(o, v) (LE16(o, (v)&0xffff), LE16((o) + 2, (v) >> 16))
	memcpy(h, "RIFF", 4);
	LE32(4, 36 + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	LE32(16, 16u);
	LE16(20, 1u); /* PCM */
	LE16(22, 1u); /* channels */
	LE32(24, (uint32_t)RATE);
	LE32(28, (uint32_t)RATE * 2); /* bytes per second */
	LE16(32, 2u);		      /* block align */
	LE16(34, 16u);		      /* bits per sample */
	memcpy(h + 36, "data", 4);
	LE32(40, data);
#undef LE32
#undef LE16
	if (fwrite(h, sizeof(h), 1, f) != 1)
		rc = -EIO;
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		uint8_t s[2] = { (uint8_t)x[i],
				 (uint8_t)((uint16_t)x[i] >> 8) };

		if (fwrite(s, 2, 1, f) != 1)
			rc = -EIO;
	}
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Read a mono 16-bit PCM WAV file at RATE into a new buffer (*x, *n
 * samples). Returns 0, or -errno (-EPROTO: not that format).
 */
static int
read_wav(const char *path, int16_t **x, uint32_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t h[12], ck[8], fmt[16];
	bool have_fmt = false;
	int rc = -EPROTO;

	if (f == NULL)
		return -errno;
	if (fread(h, sizeof(h), 1, f) != 1 || memcmp(h, "RIFF", 4) != 0 ||
	    memcmp(h + 8, "WAVE", 4) != 0)
		goto out_close;
	while (fread(ck, sizeof(ck), 1, f) == 1) {
		uint32_t len = le32(ck + 4);

		if (memcmp(ck, "fmt ", 4) == 0 && len >= sizeof(fmt)) {
			if (fread(fmt, sizeof(fmt), 1, f) != 1)
				goto out_close;
			/* PCM (or extensible), mono, RATE, 16 bits */
			if ((fmt[0] != 1 && fmt[0] != 0xfe) || fmt[2] != 1 ||
			    le32(fmt + 4) != RATE || fmt[14] != 16)
				goto out_close;
			have_fmt = true;
			len -= sizeof(fmt);
		} else if (memcmp(ck, "data", 4) == 0 && have_fmt) {
			uint8_t *raw = malloc(len);

			*x = malloc(len / 2 * sizeof(**x) + 1);
			if (raw == NULL || *x == NULL) {
				free(raw);
				free(*x);
				rc = -ENOMEM;
				goto out_close;
			}
			/* a recording cut short has a data length beyond
			 * the end: take what is there */
			len = (uint32_t)fread(raw, 1, len, f);
			*n = len / 2;
			for (uint32_t i = 0; i < *n; i++)
				(*x)[i] = (int16_t)(raw[2 * i] | raw[2 * i + 1]
									 << 8);
			free(raw);
			rc = 0;
			goto out_close;
		}
		if (fseek(f, (long)(len + (len & 1)), SEEK_CUR) != 0)
			goto out_close;
	}
out_close:
	fclose(f);
	return rc;
}

/* A tone at -15 dBov, as tools/phone sends. */
static void
tone(int16_t *x, uint32_t n, double hz)
{
	double amp = 32768.0 * pow(10.0, -15.0 / 20.0) * sqrt(2.0);

	for (uint32_t k = 0; k < n; k++)
		x[k] = (int16_t)lrint(amp * sin(2.0 * M_PI * hz * k / RATE));
}

static double
goertzel_power(const int16_t *x, uint32_t n, double hz)
{
	goertzel_descriptor_t d;
	goertzel_state_t s;

	make_goertzel_descriptor(&d, (float)hz, (int)n);
	goertzel_init(&s, &d);
	goertzel_update(&s, x, (int)n);
	return goertzel_result(&s);
}

/* Level of hz in x, in dB relative to the -15 dBov tone the phones send. */
static double
level_db(const int16_t *x, uint32_t n, double hz)
{
	static int16_t ref[WIN_LEN > TAIL_FROM ? WIN_LEN : TAIL_FROM];

	ck_assert_uint_le(n, sizeof(ref) / sizeof(ref[0]));
	tone(ref, n, hz);
	return 10.0 * log10((goertzel_power(x, n, hz) + 1e-9) /
			    goertzel_power(ref, n, hz));
}

static void
setup(void)
{
	int id = (int)getpid() % 100000;

	snprintf(ns, sizeof(ns), "tutti-b%d", id);
	snprintf(dp_if, sizeof(dp_if), "tbd%d", id);
	snprintf(lab_if, sizeof(lab_if), "tbl%d", id);
	snprintf(region, sizeof(region), "/tutti-baresip-%d", id);
	snprintf(dir, sizeof(dir), "/tmp/tutti-baresip-XXXXXX");
	/* no assertions here: the runner runs this, the test checks */
	have_dir = mkdtemp(dir) != NULL;
	have_lab = lab("up") == 0;
	if (have_dir) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "%s %s focus=IP:198.18.0.1",
			 getenv("TUTTI_CERTS") != NULL ? getenv("TUTTI_CERTS")
						       : "false",
			 dir);
		have_certs = system(cmd) == 0;
	}
}

static void
teardown(void)
{
	char cmd[128];

	lab("down");
	shm_unlink(region);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (have_dir && system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
}

/* Phone i's config directory: config, accounts, its tone (tone_s long)
 * and recordings. */
static void
write_phone(int i, int tone_s)
{
	static int16_t pcm[LONG_TONE_S * RATE];
	uint32_t n = (uint32_t)tone_s * RATE;
	char path[160];
	FILE *f;

	ck_assert_int_le(tone_s, LONG_TONE_S);
	snprintf(path, sizeof(path), "%s/b%d", dir, i);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/b%d/rec", dir, i);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	tone(pcm, n, tone_hz[i]);
	snprintf(path, sizeof(path), "%s/b%d/tone.wav", dir, i);
	ck_assert_int_eq(write_wav(path, pcm, n), 0);

	snprintf(path, sizeof(path), "%s/b%d/config", dir, i);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"# test_baresip: phone %d, %d Hz\n"
		"poll_method\t\tepoll\n"
		"sip_listen\t\t198.18.0.1:%d\n"
		"net_interface\t\t198.18.0.1\n"
		"call_local_timeout\t20\n"
		"audio_source\t\taufile,%s/b%d/tone.wav\n"
		"ausrc_srate\t\t%d\n"
		"ausrc_channels\t\t1\n"
		"auplay_srate\t\t%d\n"
		"auplay_channels\t\t1\n"
		"rtp_ports\t\t%d-%d\n"
		"jitter_buffer_delay\t1-5\n"
		"snd_path\t\t%s/b%d/rec\n"
		"module_path\t\t/usr/lib/baresip/modules\n"
		"module\t\t\tg711.so\n"
		"module\t\t\tsndfile.so\n"
		"module\t\t\taufile.so\n"
		"module\t\t\tsrtp.so\n"
		"module_tmp\t\taccount.so\n"
		"module_app\t\tmenu.so\n",
		i, tone_hz[i], SIP_PORT0 + 2 * i, dir, i, RATE, RATE,
		RTP_PORT0 + 100 * i, RTP_PORT0 + 100 * i + 99, dir, i);
	ck_assert_int_eq(fclose(f), 0);

	snprintf(path, sizeof(path), "%s/b%d/accounts", dir, i);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	/* the TLS phone's media are SRTP or nothing (srtp-mand: RTP/SAVP
	 * and a=crypto, SDES keys) */
	fprintf(f, "<sip:t%d@198.18.0.1>;regint=0;audio_codecs=PCMU%s\n",
		tone_hz[i], i == TLS_PHONE ? ";mediaenc=srtp-mand" : "");
	ck_assert_int_eq(fclose(f), 0);
}

/* Wait up to ms for n occurrences of needle in p's output. */
static bool
expect_n(struct proc *p, const char *needle, int n, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (test_count(p->out, needle) >= n)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
				    (t.tv_nsec - t0.tv_nsec) / 1000000 >
			    ms ||
		    p->fd < 0)
			return test_count(p->out, needle) >= n;
		proc_expect(p, "\001", 100); /* read for 100 ms */
	}
}

/* The recording of what phone i heard; fails the test if there is none. */
static void
load_heard(int i, int16_t **x, uint32_t *n)
{
	char pat[160];
	glob_t g;
	int rc;

	snprintf(pat, sizeof(pat), "%s/b%d/rec/dump-*-dec.wav", dir, i);
	ck_assert_msg(glob(pat, 0, NULL, &g) == 0 && g.gl_pathc == 1,
		      "phone %d (%d Hz): no single recording %s", i, tone_hz[i],
		      pat);
	rc = read_wav(g.gl_pathv[0], x, n);
	ck_assert_msg(rc == 0, "%s: %s", g.gl_pathv[0], strerror(-rc));
	globfree(&g);
}

/* The programs' arguments, as start_focus() makes them. */
static char cpu[16], vdev[96], state[96], cert_pem[96], cert_key[96],
	ca_pem[96], ip_buf[256], baresip_buf[256];
static const char *ip, *baresip;

/* A tutti-dp on the lab's veth (af_packet), owning 198.18.0.2, ready. */
static void
start_dp(struct proc *dp)
{
	char *dp_argv[] = { (char *)test_env("TUTTI_DP"),
			    "-l",
			    cpu,
			    "--no-huge",
			    "-m",
			    "256",
			    "--no-pci",
			    "--no-shconf",
			    "--no-telemetry",
			    "--log-level=lib.eal:warning",
			    "--vdev",
			    vdev,
			    "--",
			    "--region",
			    region,
			    "--legs",
			    "64",
			    "--idle-sleep-us",
			    "50",
			    "--addr",
			    "0=198.18.0.2",
			    NULL };

	ck_assert_int_eq(proc_start(dp, dp_argv), 0);
	ck_assert_msg(proc_expect(dp, "ready: region", WAIT_MS),
		      "tutti-dp did not start:\n%s", dp->out);
}

/*
 * The lab's checks, then tutti-dp and tutti-cp in it (SIP on
 * 198.18.0.1:5060, TLS on 5061, the standing conference demo), both
 * ready.
 */
static void
start_focus(struct proc *dp, struct proc *cp)
{
	char *cp_argv[] = { NULL,
			    "netns",
			    "exec",
			    ns,
			    (char *)test_env("TUTTI_CP"),
			    "--region",
			    region,
			    "--wait",
			    "30",
			    "--sip",
			    "198.18.0.1:5060",
			    "--media-ip",
			    "198.18.0.2",
			    "--conference",
			    "demo",
			    "--state",
			    state,
			    "--tls-cert",
			    cert_pem,
			    "--tls-key",
			    cert_key,
			    "--tls-ca",
			    ca_pem,
			    NULL };

	ip = find_exe("ip", ip_buf, sizeof(ip_buf));
	baresip = find_exe("baresip", baresip_buf, sizeof(baresip_buf));
	ck_assert_msg(have_dir, "mkdtemp %s failed", dir);
	ck_assert_msg(have_lab, "tools/lab up --ns %s failed (TUTTI_LAB %s)",
		      ns,
		      getenv("TUTTI_LAB") != NULL
			      ? getenv("TUTTI_LAB")
			      : "not set: run through meson test");
	ck_assert_msg(have_certs, "tests/certs.sh %s failed (TUTTI_CERTS %s)",
		      dir,
		      getenv("TUTTI_CERTS") != NULL ? getenv("TUTTI_CERTS")
						    : "not set");
	ck_assert_msg(ip != NULL, "no ip (iproute2) in PATH");
	ck_assert_msg(baresip != NULL, "no baresip in PATH: install Debian's "
				       "baresip-core (tools/deps)");
	snprintf(cpu, sizeof(cpu), "%d", proc_first_cpu());
	snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s", dp_if);
	snprintf(state, sizeof(state), "%s/cp.state", dir);
	snprintf(cert_pem, sizeof(cert_pem), "%s/focus.pem", dir);
	snprintf(cert_key, sizeof(cert_key), "%s/focus.key", dir);
	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", dir);
	cp_argv[0] = (char *)ip;
	start_dp(dp);
	ck_assert_int_eq(proc_start(cp, cp_argv), 0);
	ck_assert_msg(proc_expect(cp, "answered on all", WAIT_MS),
		      "tutti-cp did not find tutti-dp:\n%s", cp->out);
}

/* Phone i (write_phone()'s) dials the demo, the TLS phone over TLS; its
 * process ends after quit_s seconds. */
static void
start_phone(struct proc *ph, int i, int quit_s)
{
	char conf[96], quit[16];
	char *argv[] = { (char *)ip,
			 "netns",
			 "exec",
			 ns,
			 (char *)baresip,
			 "-f",
			 conf,
			 "-t",
			 quit,
			 "-e",
			 i == TLS_PHONE ? "/dial sip:demo@198.18.0.1;"
					  "transport=tls"
					: "/dial sip:demo@198.18.0.1",
			 NULL };

	snprintf(conf, sizeof(conf), "%s/b%d", dir, i);
	snprintf(quit, sizeof(quit), "%d", quit_s);
	ck_assert_int_eq(proc_start(ph, argv), 0);
}

/* Phone i's call was established and ended, its process exited well. */
static void
phone_done(struct proc *ph, int i, int quit_s)
{
	int st = proc_wait(ph, quit_s * 1000 + WAIT_MS);

	ck_assert_msg(st == 0, "baresip %d Hz exited with %d:\n%s",
		      tone_hz[i], st, ph->out);
	ck_assert_msg(strstr(ph->out, "Call established") != NULL &&
			      strstr(ph->out, "terminated") != NULL,
		      "baresip %d Hz: no call established and ended:\n%s",
		      tone_hz[i], ph->out);
}

/* p (what) stops at SIGTERM, exit status 0; else its output says why. */
static void
stopped(struct proc *p, const char *what)
{
	int st = proc_stop(p, SIGTERM, WAIT_MS);

	ck_assert_msg(st == 0, "%s exited with %d:\n%s", what, st, p->out);
}

/* tutti-dp refused none of the SRTP phone's packets as forged or
 * replayed (its stop log). */
static void
no_srtp_refused(const struct proc *dp)
{
	ck_assert_msg(strstr(dp->out, "SRTP packets refused: auth") == NULL &&
		      strstr(dp->out, "SRTP packets refused: replay") == NULL,
		      "tutti-dp refused SRTP packets:\n%s", dp->out);
}

/* Phone i's recording from sample from, len samples: the level of each
 * phone's tone in it (dB re -15 dBov), said on stderr. */
static void
heard(int i, int32_t from, uint32_t len, double db[PHONES])
{
	int16_t *x = NULL;
	uint32_t n = 0;

	load_heard(i, &x, &n);
	if (from < 0)
		from += (int32_t)n;	/* from the end */
	ck_assert_msg(from >= 0 && (uint32_t)from + len <= n,
		      "phone %d Hz recorded %u samples, too few", tone_hz[i],
		      n);
	for (int j = 0; j < PHONES; j++)
		db[j] = level_db(x + from, len, tone_hz[j]);
	free(x);
	fprintf(stderr,
		"# baresip %4d Hz hears: %d Hz %6.1f dB, %d Hz %6.1f dB, "
		"%d Hz %6.1f dB (re -15 dBov)\n",
		tone_hz[i], tone_hz[0], db[0], tone_hz[1], db[1], tone_hz[2],
		db[2]);
}

/* Phone i hears phone j at full level, and itself far down. */
static void
hears(int i, int j, const double db[PHONES])
{
	ck_assert_msg(db[j] > OTHER_MIN_DB && db[j] < OTHER_MAX_DB,
		      "phone %d Hz hears %d Hz at %.1f dB", tone_hz[i],
		      tone_hz[j], db[j]);
	ck_assert_msg(db[i] <= db[j] - OWN_BELOW_DB,
		      "phone %d Hz hears itself at %.1f dB, %d Hz at %.1f dB",
		      tone_hz[i], db[i], tone_hz[j], db[j]);
}

START_TEST(test_baresip_three_callers_hear_the_others)
{
	static struct proc dp, cp, ph[PHONES];
	double db[PHONES][PHONES];

	start_focus(&dp, &cp);
	for (int i = 0; i < PHONES; i++)
		write_phone(i, TONE_S);
	for (int i = 0; i < PHONES; i++)
		start_phone(&ph[i], i, QUIT_S);
	for (int i = 0; i < PHONES; i++)
		phone_done(&ph[i], i, QUIT_S);

	/* tutti-cp: three joins and three leaves, by name */
	ck_assert_msg(expect_n(&cp, "left conference demo", PHONES, WAIT_MS),
		      "tutti-cp did not log %d leaves:\n%s", PHONES, cp.out);
	ck_assert_int_eq(test_count(cp.out, "joined conference demo"), PHONES);
	ck_assert_int_eq(test_count(cp.out, "left conference demo"), PHONES);
	for (int i = 0; i < PHONES; i++) {
		char line[96];

		snprintf(line, sizeof(line),
			 "sip:t%d@198.18.0.1 joined "
			 "conference demo",
			 tone_hz[i]);
		ck_assert_msg(strstr(cp.out, line) != NULL, "no '%s':\n%s",
			      line, cp.out);
		snprintf(line, sizeof(line),
			 "sip:t%d@198.18.0.1 left "
			 "conference demo (hung up)",
			 tone_hz[i]);
		ck_assert_msg(strstr(cp.out, line) != NULL, "no '%s':\n%s",
			      line, cp.out);
	}
	stopped(&cp, "tutti-cp");
	stopped(&dp, "tutti-dp");
	/* the TLS phone's media were SRTP, the others' plain RTP, and
	 * tutti-dp refused none of its packets as forged or replayed */
	for (int i = 0; i < PHONES; i++) {
		static const char srtp[] = ", SRTP AES_CM_128_HMAC_SHA1_";
		char who[80];
		const char *j, *e;

		snprintf(who, sizeof(who), "sip:t%d@198.18.0.1 joined "
			 "conference demo (", tone_hz[i]);
		j = strstr(cp.out, who);
		ck_assert_msg(j != NULL, "no '%s':\n%s", who, cp.out);
		e = strchr(j, '\n');
		ck_assert_ptr_nonnull(e);
		ck_assert_msg((memmem(j, (size_t)(e - j), srtp,
				      sizeof(srtp) - 1) != NULL) ==
			      (i == TLS_PHONE), "%.*s: SRTP only over TLS",
			      (int)(e - j), j);
	}
	no_srtp_refused(&dp);
	/* one call came in TLS, and nothing failed in TLS */
	ck_assert_msg(strstr(cp.out, "TLS on port 5061") != NULL,
		      "tutti-cp did not say TLS:\n%s", cp.out);
	ck_assert_msg(strstr(cp.out, "\"tls_accepted\":1,") != NULL &&
			      strstr(cp.out, "\"drop_tls\":0,") != NULL,
		      "tutti-cp's counters: not one TLS connection, none "
		      "failed:\n%s",
		      cp.out);

	/* each heard the others, and itself far down */
	for (int i = 0; i < PHONES; i++)
		heard(i, WIN_FROM, WIN_LEN, db[i]);
	for (int i = 0; i < PHONES; i++)
		for (int j = 0; j < PHONES; j++)
			if (j != i)
				hears(i, j, db[i]);
}
END_TEST

/*
 * tutti-dp dies (SIGKILL) in the middle of two calls, the TLS phone's SRTP,
 * and a new one starts: tutti-cp gives it the legs, with a new key of the
 * focus's for the SRTP leg (the new tutti-dp's packet index starts again,
 * and a key must never see an index twice, RFC 3711 9.1), which it offers
 * baresip in a re-INVITE. In the last seconds of the calls the two hear
 * each other again at full level, and the new tutti-dp refused none of
 * the SRTP phone's packets as forged or replayed.
 */
START_TEST(test_baresip_srtp_goes_on_with_a_new_tutti_dp)
{
	static const int who[2] = { 0, TLS_PHONE };
	static struct proc dp, dp2, cp, ph[PHONES];
	double db[PHONES];

	start_focus(&dp, &cp);
	for (int k = 0; k < 2; k++)
		write_phone(who[k], LONG_TONE_S);
	for (int k = 0; k < 2; k++)
		start_phone(&ph[who[k]], who[k], LONG_QUIT_S);
	ck_assert_msg(expect_n(&cp, "joined conference demo", 2, WAIT_MS),
		      "the two phones did not join:\n%s", cp.out);
	ck_assert_int_eq(proc_stop(&dp, SIGKILL, WAIT_MS), 128 + SIGKILL);
	start_dp(&dp2);
	ck_assert_msg(proc_expect(&cp, "told the new tutti-dp about 1 "
				  "conference and 2 legs", WAIT_MS),
		      "tutti-cp did not tell the new tutti-dp:\n%s", cp.out);
	for (int k = 0; k < 2; k++)
		phone_done(&ph[who[k]], who[k], LONG_QUIT_S);
	ck_assert_msg(expect_n(&cp, "left conference demo", 2, WAIT_MS),
		      "tutti-cp did not log 2 leaves:\n%s", cp.out);
	stopped(&cp, "tutti-cp");
	stopped(&dp2, "the new tutti-dp");
	no_srtp_refused(&dp2);
	for (int k = 0; k < 2; k++) {
		heard(who[k], -TAIL_FROM, TAIL_FROM - TAIL_TO, db);
		hears(who[k], who[1 - k], db);
	}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("baresip");
	TCase *tc = tcase_create("lab");

	/* unchecked: set up and torn down by the runner, so the lab goes
	 * also when the test fails or times out */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_baresip_three_callers_hear_the_others);
	suite_add_tcase(s, tc);
	tc = tcase_create("new_tutti_dp");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_baresip_srtp_goes_on_with_a_new_tutti_dp);
	suite_add_tcase(s, tc);
	return s;
}
