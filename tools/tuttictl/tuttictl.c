/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuttictl: the operator's command line for a running tutti-cp, over its
 * Unix socket (tutti-cp --ctl). Tables for people, --json for machines.
 *
 *   tuttictl list                     conferences
 *   tuttictl show CONF [AFTER [COUNT]] its participants, with media counters
 *   tuttictl roster CONF              its RFC 4575 conference-info document
 *   tuttictl mute|unmute|deaf|undeaf|kick CONF WHO
 *   tuttictl dial CONF URI [SECONDS]  the focus calls URI into CONF
 *   tuttictl lock|unlock CONF         refuse / admit new participants
 *   tuttictl end CONF                 hang up everyone in CONF
 *   tuttictl capture CONF WHO|all|next[:PART] [N|stop]
 *                                     packets into a pcap file
 *   tuttictl captures                 the newest captures, done or not
 *   tuttictl proxies                  the outbound proxies, up or down
 *   tuttictl registrations            the focus's bindings at registrars
 *   tuttictl watchers CONF            subscribers; approve|reject CONF ID
 *   tuttictl stats                    per-worker load, ticks, packets, drops
 *   tuttictl drain|undrain WORKER     no new conferences there / again
 *   tuttictl provision FILE           conferences and legs without SIP
 *   tuttictl unprovision FILE         the file's legs go (and its
 *                                     conferences, unless others' legs stay)
 *
 * WHO is a leg id, a From URI, or a unique part of one. The answers are
 * tutti-cp's JSON; the tables are made from it with a small reader of the
 * flat shapes tutti-cp writes (no JSON library needed for that).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define RESP_MIN	(256 * 1024)	/* the answer's buffer, at first */
#define RESP_MAX	(64 * 1024 * 1024 + 2)	/* tutti-cp's longest, and \n */
#define WAIT_MS		5000

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tuttictl [--socket PATH | --region NAME] [--json] [--page N] COMMAND\n"
"                [ARGS]\n"
"\n"
"Talks to a running tutti-cp over its operator socket.\n"
"\n"
"Commands:\n"
"  list                      the conferences\n"
"  show CONF [AFTER [COUNT]]\n"
"                            its participants by leg id, with their media\n"
"                            counters; those after leg AFTER, at most COUNT\n"
"                            (--json's next: the AFTER of the next page; the\n"
"                            table is asked for --page at a time)\n"
"  roster CONF               its RFC 4575 conference-info document (full)\n"
"  mute CONF WHO, unmute CONF WHO\n"
"                            stop / start mixing WHO's voice\n"
"  deaf CONF WHO, undeaf CONF WHO\n"
"                            stop / start sending WHO the mix\n"
"  kick CONF WHO             hang up WHO (a BYE from the focus; a CANCEL\n"
"                            while a dial-out rings, 603 while a caller\n"
"                            is not answered yet)\n"
"  capture CONF WHO [PACKETS|stop]\n"
"                            WHO's next PACKETS (default 1000, at most\n"
"                            65535) in and out, as tutti-dp receives and\n"
"                            sends them, into a pcap file in tutti-dp's\n"
"                            --capture-dir (its log says when it is done);\n"
"                            stop ends it with what it has. WHO 'all':\n"
"                            every participant's, those who join\n"
"                            meanwhile too, into one file (default 1000\n"
"                            a participant). WHO 'next' (or 'next:PART':\n"
"                            whose From has PART): the next participant\n"
"                            to join, from its first packet; stop: not\n"
"                            any more\n"
"  captures                  the newest 32 captures: leg ('all': a whole\n"
"                            conference), state (writing, done, failed),\n"
"                            packets written and not kept, file\n"
"  dial CONF URI [SECONDS]   the focus calls URI (sip:user@A.B.C.D[:port],\n"
"                            or a name: sip:+15551234@carrier.example,\n"
"                            resolved by its proxy or tutti-cp) into CONF;\n"
"                            SECONDS: how long it rings before the focus\n"
"                            gives up (0..600, 0: never; default: tutti-cp\n"
"                            --ring-timeout)\n"
"  proxies                   tutti-cp's outbound proxies in order: up or\n"
"                            DOWN (for how long, and why), dial-outs each\n"
"                            failed that went on to the next, keepalives\n"
"                            unanswered in a row\n"
"  registrations             tutti-cp --register's addresses of record:\n"
"                            registered (for how long yet), registering,\n"
"                            failed (the last code and why, and when it\n"
"                            goes again), where the last REGISTER went\n"
"  lock CONF, unlock CONF    refuse new participants (403; the policy's\n"
"                            moderators still join) / admit them again\n"
"  end CONF                  hang up everyone in CONF\n"
"  watchers CONF             its RFC 4575 subscribers, pending ones first\n"
"  approve CONF ID, reject CONF ID\n"
"                            a pending subscription (policy <confirm>)\n"
"  stats                     per worker: load and packets/s over the last\n"
"                            second, busy share since start, ticks, late\n"
"                            ticks, tick time, packets, packets a receive\n"
"                            poll took, drops by reason; per port of\n"
"                            tutti-dp's, its link (up or DOWN) and its\n"
"                            driver's counters: packets, missed (its\n"
"                            receive queues full), errors\n"
"  drain WORKER, undrain WORKER\n"
"                            new conferences go to the other workers (its\n"
"                            own keep their calls and take newcomers) /\n"
"                            to any worker again\n"
"  provision FILE            conferences and legs without SIP, from a file\n"
"                            of tutti-dp --provision's format (for a packet\n"
"                            generator): each conference named by its id\n"
"                            in the file, each leg with its addresses and\n"
"                            ports; all or nothing (an error names the\n"
"                            file's line). A conference provisioned before\n"
"                            (same parameters) takes the file's legs.\n"
"                            'kick' and 'end' remove them\n"
"  unprovision FILE          the legs FILE names go at once; each of its\n"
"                            conferences ends, unless legs another file\n"
"                            added stay in it (a conference FILE names\n"
"                            with none of its legs ends whole)\n"
"WHO is a leg id, a From URI, or a unique part of one ('all': capture's\n"
"whole conference).\n"
"\n"
"Options:\n"
"  --socket PATH   tutti-cp's operator socket (its --ctl)\n"
"  --region NAME   find the socket from tutti-cp's region name (default\n"
"                  /tutti): /run/tutti-cp.NAME.sock as root, else /tmp\n"
"  --json          print tutti-cp's JSON answer as it is\n"
"  --page N        show's table: N participants an answer (default 1000)\n"
"  --wait S        capture: then wait, at most S seconds, until tutti-dp\n"
"                  says the file is done (exit status 0) or failed (1);\n"
"                  a line every 5 s meanwhile, on stderr\n"
"  -h, --help      this help\n");
}

/* Send req to tutti-cp at path and read its one-line answer into *resp
 * (malloc'd, grown as it needs up to RESP_MAX; newline taken off). */
static int
ask(const char *path, const char *req, char **resp)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t off = 0, len = RESP_MIN;
	char *r = malloc(len);
	int fd;

	if (r == NULL)
		return -ENOMEM;
	*resp = r;
	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (off == len - 1 && len < RESP_MAX) {
			size_t cap = 2 * len < RESP_MAX ? 2 * len : RESP_MAX;
			char *g = realloc(r, cap);

			if (g == NULL)
				break;
			*resp = r = g;
			len = cap;
		}
		if (poll(&p, 1, WAIT_MS) <= 0)
			break;
		n = read(fd, r + off, len - 1 - off);
		if (n <= 0)
			break;
		off += (size_t)n;
		/* the answer is one line: its newline ends it */
		if (off == len - 1 && len == RESP_MAX)
			break;
		if (r[off - 1] == '\n')
			break;
	}
	close(fd);
	r[off] = '\0';
	if (off > 0 && r[off - 1] == '\n')
		r[off - 1] = '\0';
	return off > 0 ? 0 : -ETIMEDOUT;
}

/* The value of "key": in the object starting at p (string without quotes,
 * or number/true/false), into out. Returns a pointer past it or NULL. */
static const char *
get(const char *p, const char *end, const char *key, char *out, size_t len)
{
	char k[64];
	const char *v;
	size_t n = 0;

	snprintf(k, sizeof(k), "\"%s\":", key);
	v = strstr(p, k);
	if (v == NULL || (end != NULL && v >= end))
		return NULL;
	v += strlen(k);
	if (*v == '"') {
		for (v++; *v != '\0' && *v != '"' && n + 1 < len; v++) {
			if (*v == '\\' && v[1] != '\0')
				v++;
			out[n++] = *v;
		}
	} else {
		while (*v != '\0' && *v != ',' && *v != '}' && n + 1 < len)
			out[n++] = *v++;
	}
	out[n] = '\0';
	return v;
}

/* Each object of the array named key: calls row(obj, obj_end). */
static void
each(const char *resp, const char *key, void (*row)(const char *, const char *))
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":[", key);
	p = strstr(resp, k);
	if (p == NULL)
		return;
	p += strlen(k);
	while (*p == '{' || *p == ',') {
		const char *q;
		int depth = 0;

		if (*p == ',')
			p++;
		for (q = p; *q != '\0'; q++) {
			if (*q == '{')
				depth++;
			else if (*q == '}' && --depth == 0)
				break;
		}
		if (*q == '\0')
			return;
		row(p, q);
		p = q + 1;
	}
}

static void
row_conf(const char *o, const char *e)
{
	char name[64], id[16], w[8], ad[8], n[16], t[16], lk[8] = "",
	     pv[8] = "";

	get(o, e, "name", name, sizeof(name));
	get(o, e, "conf_id", id, sizeof(id));
	get(o, e, "worker", w, sizeof(w));
	get(o, e, "adhoc", ad, sizeof(ad));
	get(o, e, "participants", n, sizeof(n));
	get(o, e, "talkers", t, sizeof(t));
	get(o, e, "locked", lk, sizeof(lk));
	get(o, e, "provisioned", pv, sizeof(pv));
	printf("%-28s %7s %6s %-11s %12s %8s  %s\n", name, id, w,
	       strcmp(pv, "true") == 0 ? "provisioned" :
	       strcmp(ad, "true") == 0 ? "ad hoc" : "standing", n, t,
	       strcmp(lk, "true") == 0 ? "locked" : "");
}

static void
row_part(const char *o, const char *e)
{
	char id[16], from[96], st[16], codec[16], rate[16], addr[16] = "",
	     port[8], mu[8], de[8], rx[24], tx[24], lost[24], jit[16],
	     conc[24], sr[32] = "";

	get(o, e, "leg_id", id, sizeof(id));
	get(o, e, "from", from, sizeof(from));
	get(o, e, "state", st, sizeof(st));
	get(o, e, "codec", codec, sizeof(codec));
	get(o, e, "rate_hz", rate, sizeof(rate));
	get(o, e, "rtp_addr", addr, sizeof(addr));
	get(o, e, "rtp_port", port, sizeof(port));
	get(o, e, "muted", mu, sizeof(mu));
	get(o, e, "deaf", de, sizeof(de));
	get(o, e, "rx_pkts", rx, sizeof(rx));
	get(o, e, "tx_pkts", tx, sizeof(tx));
	get(o, e, "lost", lost, sizeof(lost));
	get(o, e, "jitter_us", jit, sizeof(jit));
	get(o, e, "concealed", conc, sizeof(conc));
	get(o, e, "srtp", sr, sizeof(sr));
	printf("%6s  %-32s %-10s %-4s/%-5s %15s %5s %-5s %-5s %-4s %9s %9s %6s "
	       "%8s %9s\n", id, from, st, codec, rate, addr, port,
	       strcmp(mu, "true") ? "" : "muted",
	       strcmp(de, "true") ? "" : "deaf",
	       sr[0] == '\0' || strcmp(sr, "none") == 0 ? "" : "srtp", rx, tx,
	       lost, jit, conc);
}

/* An on/off answer (lock, drain): "KEY VALUE: on" where resp's flag is
 * true, else "KEY VALUE: off". */
static void
print_switch(const char *resp, const char *key, const char *flag,
	     const char *off, const char *on)
{
	char id[64] = "", v[8] = "";

	get(resp, NULL, key, id, sizeof(id));
	get(resp, NULL, flag, v, sizeof(v));
	printf("%s %s: %s\n", key, id, strcmp(v, "true") ? off : on);
}

static void
row_prov(const char *o, const char *e)
{
	char name[64], w[8], n[16], a[16], nw[8];

	get(o, e, "name", name, sizeof(name));
	get(o, e, "worker", w, sizeof(w));
	get(o, e, "legs", n, sizeof(n));
	get(o, e, "added", a, sizeof(a));
	get(o, e, "new", nw, sizeof(nw));
	printf("%-28s %6s %8s %8s%s\n", name, w, n, a,
	       strcmp(nw, "true") == 0 ? "" : "  (was running)");
}

static void
row_capture(const char *o, const char *e)
{
	char id[16], st[16], n[16], lost[16], file[PATH_MAX], from[160] = "";

	get(o, e, "leg_id", id, sizeof(id));
	if (strcmp(id, "0") == 0)	/* a conference captured whole */
		snprintf(id, sizeof(id), "all");
	get(o, e, "state", st, sizeof(st));
	get(o, e, "packets", n, sizeof(n));
	get(o, e, "not_kept", lost, sizeof(lost));
	get(o, e, "file", file, sizeof(file));
	get(o, e, "from", from, sizeof(from));
	if (from[0] == '\0') {
		char conf[64] = "";	/* a name: at most 39 characters */

		get(o, e, "conference", conf, sizeof(conf));
		if (conf[0] != '\0')
			snprintf(from, sizeof(from), "conference %s", conf);
	}
	printf("%8s %-8s %8s %8s  %s%s%s%s\n", id, st, n, lost, file,
	       from[0] ? " (" : "", from, from[0] ? ")" : "");
}

/* A capture of the next participant to join, waiting (captures). */
static void
row_armed(const char *o, const char *e)
{
	char conf[160], match[80], n[16];

	get(o, e, "conference", conf, sizeof(conf));
	get(o, e, "match", match, sizeof(match));
	get(o, e, "packets", n, sizeof(n));
	printf("%8s %-8s %8s %8s  (the next to join conference %s%s%s%s)\n",
	       "next", "waiting", n, "-", conf,
	       match[0] ? " whose From has '" : "", match,
	       match[0] ? "'" : "");
}

/* tuttictl stats' lines of SIP counters: key and words before it; a line
 * ends after an entry whose words are NULL. */
static const char *const sip_counters[][2] = {
	{ "rx_requests", "SIP: requests " },
	{ "parse_bad", ", malformed " },
	{ "ratelimited", ", refused by the rate limit " },
	{ "ratelimit_drop", ", dropped by it " },
	{ NULL, NULL },
	{ "proxy_failovers", "SIP outbound proxies: dial-outs failed over " },
	{ "proxy_down", ", proxies found down " },
	{ "proxy_pings", ", keepalives " },
	{ "proxy_dns_failed", ", DNS failures " },
	{ NULL, NULL },
	{ "dial_failovers", "SIP dial-outs by name: sent on to the next "
			    "address " },
	{ "dial_dns_failed", ", DNS failures " },
	{ NULL, NULL },
	{ "prack_sent", "SIP reliable provisionals (RFC 3262) to dial-outs: "
			"acknowledged (PRACK) " },
	{ NULL, NULL },
	{ "reg_sent", "SIP registrations: REGISTERs sent " },
	{ "reg_ok", ", accepted " },
	{ "reg_failed", ", failed " },
	{ NULL, NULL },
	{ "auth_sent", "SIP challenges (401, 407) to dial-outs, registrations "
		       "and requests in dialogs: answered with credentials " },
	{ "auth_failed", ", not (no credentials for the realm, or "
			 "refused) " },
	{ NULL, NULL },
	{ "tcp_accepted", "SIP connections (TCP and TLS): accepted " },
	{ "tcp_connected", ", opened " },
	{ "drop_conn_limit", "; refused at --max-conns " },
	{ "drop_conn_per_addr", ", at --max-conns-per-addr " },
	{ "closed_idle", "; closed idle " },
	{ "closed_quiet", ", with no message in 30 s " },
	{ "keepalives", "; keepalives (CRLF) " },
	{ NULL, NULL },
	{ "tls_accepted", "SIP over TLS: connections accepted " },
	{ "tls_connected", ", opened " },
	{ "drop_tls", ", failed (handshake or record) " },
	{ "sips_in_clear", "; sips: requests refused in clear (416) " },
	{ NULL, NULL },
	{ "session_refreshes", "SIP session timers: refreshes sent " },
	{ "session_refreshed", ", received " },
	{ "session_expired", ", calls hung up unrefreshed " },
	{ "session_too_small", ", 422 Session Interval Too Small " },
	{ NULL, NULL },
	{ "asserted", "SIP asserted identities (RFC 3325): believed " },
	{ "asserted_ignored", ", ignored (not from the trust domain) " },
	{ "asserted_sent", "; asserted by dial-outs " },
	{ NULL, NULL },
};

/* The counters of c[0..n-1] in resp, a line each group; none (tutti-cp
 * serves no SIP): nothing. */
static void
print_counters(const char *resp, const char *const c[][2], size_t n)
{
	bool mid = false; /* a line begun */
	char v[32];

	for (size_t i = 0; i < n; i++) {
		if (c[i][0] == NULL) {
			printf("\n");
			mid = false;
		} else if (get(resp, NULL, c[i][0], v, sizeof(v)) != NULL) {
			printf("%s%s", c[i][1], v);
			mid = true;
		} else {
			break;
		}
	}
	if (mid)
		printf("\n");
}

static void
row_proxy(const char *o, const char *e)
{
	char uri[170], addr[64], up[8], since[24], why[170], fo[24], pu[16];

	get(o, e, "uri", uri, sizeof(uri));
	if (get(o, e, "addr", addr, sizeof(addr)) == NULL || !addr[0])
		snprintf(addr, sizeof(addr), "-");
	get(o, e, "up", up, sizeof(up));
	get(o, e, "down_for_s", since, sizeof(since));
	get(o, e, "reason", why, sizeof(why));
	get(o, e, "failovers", fo, sizeof(fo));
	get(o, e, "pings_unanswered", pu, sizeof(pu));
	if (strcmp(up, "true") == 0)
		snprintf(since, sizeof(since), "-");
	else
		strncat(since, " s", sizeof(since) - strlen(since) - 1);
	printf("%-32s %-24s %-5s %9s %9s %10s  %s%s\n", uri, addr,
	       strcmp(up, "true") == 0 ? "up" : "DOWN", since, fo, pu,
	       why[0] != '\0' && strcmp(up, "true") == 0 ? "last down: " : "",
	       why);
}

static void
row_reg(const char *o, const char *e)
{
	char aor[170], st[16], exp[24], next[24], code[8], why[170],
	     addr[64], when[40];

	get(o, e, "aor", aor, sizeof(aor));
	get(o, e, "state", st, sizeof(st));
	get(o, e, "expires_in_s", exp, sizeof(exp));
	get(o, e, "next_in_s", next, sizeof(next));
	get(o, e, "last_code", code, sizeof(code));
	get(o, e, "reason", why, sizeof(why));
	if (get(o, e, "addr", addr, sizeof(addr)) == NULL || !addr[0])
		snprintf(addr, sizeof(addr), "-");
	if (strcmp(st, "registered") == 0 || strcmp(st, "failed") == 0)
		snprintf(when, sizeof(when), "%s s", next);
	else
		snprintf(when, sizeof(when), "-");
	if (strcmp(st, "registered") != 0 && strcmp(exp, "0") == 0)
		snprintf(exp, sizeof(exp), "-");
	else
		strncat(exp, " s", sizeof(exp) - strlen(exp) - 1);
	printf("%-36s %-13s %10s %9s %4s %-24s  %s\n", aor, st, exp, when,
	       strcmp(code, "0") == 0 ? "-" : code, addr, why);
}

static void
row_worker(const char *o, const char *e)
{
	char w[8], lc[8], c[16], l[16], busy[16], ticks[24], late[24],
	     tmax[16], tmean[16], rx[24], tx[24], load[16], rxr[24], txr[24],
	     polls[24] = "", per_poll[16] = "-", over[8] = "",
	     refused[24] = "", drain[8] = "", waited[24] = "",
	     waited_max[24] = "", dtmf_lost[24] = "", srtp[24] = "",
	     spills[24] = "";
	const char *d;

	get(o, e, "worker", w, sizeof(w));
	get(o, e, "lcore", lc, sizeof(lc));
	get(o, e, "confs", c, sizeof(c));
	get(o, e, "legs", l, sizeof(l));
	get(o, e, "busy_pct", busy, sizeof(busy));
	get(o, e, "ticks", ticks, sizeof(ticks));
	get(o, e, "late_ticks", late, sizeof(late));
	get(o, e, "tick_us_max", tmax, sizeof(tmax));
	get(o, e, "tick_us_mean", tmean, sizeof(tmean));
	get(o, e, "rx_pkts", rx, sizeof(rx));
	get(o, e, "tx_pkts", tx, sizeof(tx));
	get(o, e, "rx_polls", polls, sizeof(polls));
	if (strtoull(polls, NULL, 10) != 0)	/* the mean burst taken */
		snprintf(per_poll, sizeof(per_poll), "%.1f",
			 (double)strtoull(rx, NULL, 10) /
			 (double)strtoull(polls, NULL, 10));
	get(o, e, "load_pct_1s", load, sizeof(load));
	get(o, e, "rx_pps", rxr, sizeof(rxr));
	get(o, e, "tx_pps", txr, sizeof(txr));
	get(o, e, "overloaded", over, sizeof(over));
	get(o, e, "new_legs_refused", refused, sizeof(refused));
	get(o, e, "draining", drain, sizeof(drain));
	get(o, e, "tx_deferred", waited, sizeof(waited));
	get(o, e, "tx_backlog_max", waited_max, sizeof(waited_max));
	get(o, e, "dtmf_lost", dtmf_lost, sizeof(dtmf_lost));
	get(o, e, "srtp_drops", srtp, sizeof(srtp));
	get(o, e, "srtp_spills", spills, sizeof(spills));
	printf("%6s %5s %6s %7s %6s%% %6s%% %9s %9s %10s %6s %8s %8s %11s %11s "
	       "%8s", w, lc, c, l, load, busy, rxr, txr, ticks, late, tmean,
	       tmax, rx, tx, per_poll);
	d = strstr(o, "\"drops\":{");
	if (d != NULL && d < e) {
		const char *q = d + strlen("\"drops\":{");
		const char *z = strchr(q, '}');

		printf("  %.*s", z ? (int)(z - q) : 0, q);
	}
	/* tutti-dp --admit-busy */
	if (strcmp(over, "true") == 0)
		printf("  OVERLOADED");
	if (refused[0] != '\0' && strcmp(refused, "0") != 0)
		printf("  new legs refused: %s", refused);
	/* tuttictl drain */
	if (strcmp(drain, "true") == 0)
		printf("  DRAINING");
	/* the port full for a moment: packets delayed, not lost */
	if (waited[0] != '\0' && strcmp(waited, "0") != 0)
		printf("  waited for the port: %s (at most %s at once)", waited,
		       waited_max);
	/* the event ring full for long: digits a caller pressed, lost */
	if (dtmf_lost[0] != '\0' && strcmp(dtmf_lost, "0") != 0)
		printf("  DTMF digits lost: %s", dtmf_lost);
	/* SRTP legs: packets refused or held (tutti-dp's log says why) */
	if (srtp[0] != '\0' && strcmp(srtp, "0") != 0)
		printf("  SRTP refused: %s", srtp);
	/* SRTP state outside its sessions' blocks: costlier packets */
	if (spills[0] != '\0' && strcmp(spills, "0") != 0)
		printf("  SRTP spills: %s", spills);
	printf("\n");
}

/* One of tutti-dp's ports: its driver's counters. */
static void
row_port(const char *o, const char *e)
{
	static const char *const keys[] = { "port", "device", "link_up",
		"rx_pkts", "tx_pkts", "missed", "rx_errors", "tx_errors",
		"rx_nombuf" };
	char v[9][40];

	for (size_t i = 0; i < 9; i++)
		if (get(o, e, keys[i], v[i], sizeof(v[i])) == NULL)
			snprintf(v[i], sizeof(v[i]), "-");
	printf("%6s  %-20s %4s %11s %11s %9s %9s %9s %9s\n", v[0], v[1],
	       strcmp(v[2], "true") == 0 ? "up" : "DOWN", v[3], v[4], v[5],
	       v[6], v[7], v[8]);
}

/* tutti-cp's answer resp to command cmd (file: its file argument, made
 * absolute, for provision and unprovision), printed: as it is (--json),
 * or as tables and lines for people. Returns the exit status. */
static int
print_answer(const char *cmd, const char *file, const char *resp, bool json)
{
	char err[512], armed[8] = "";

	if (get(resp, NULL, "error", err, sizeof(err)) != NULL &&
	    strncmp(resp, "{\"error\"", 8) == 0) {
		if (json)
			printf("%s\n", resp);
		fprintf(stderr, "tuttictl: %s\n", err);
		return 1;
	}
	if (json) {
		printf("%s\n", resp);
		return 0;
	}
	if (strcmp(cmd, "list") == 0) {
		printf("%-28s %7s %6s %-11s %12s %8s  %s\n", "CONFERENCE", "ID",
		       "WORKER", "KIND", "PARTICIPANTS", "TALKING", "LOCK");
		each(resp, "conferences", row_conf);
	} else if (strcmp(cmd, "show") == 0) {
		char v[8] = "";

		get(resp, NULL, "locked", v, sizeof(v));
		if (strcmp(v, "true") == 0)
			printf("locked: new participants get 403\n");
		printf("%6s  %-32s %-10s %-10s %15s %5s %-5s %-5s %-4s %9s %9s "
		       "%6s %8s %9s\n", "LEG", "FROM", "STATE", "CODEC",
		       "RTP ADDR", "PORT", "", "", "", "RX PKTS", "TX PKTS",
		       "LOST", "JITTER", "CONCEALED");
		each(resp, "participants", row_part);
	} else if (strcmp(cmd, "stats") == 0) {
		char v[32];

		get(resp, NULL, "conferences", v, sizeof(v));
		printf("conferences %s", v);
		get(resp, NULL, "participants", v, sizeof(v));
		printf(", participants %s", v);
		get(resp, NULL, "talkers", v, sizeof(v));
		printf(", talking %s", v);
		get(resp, NULL, "dp_up", v, sizeof(v));
		printf(", tutti-dp %s\n", strcmp(v, "true") ? "DOWN" : "up");
		printf("%6s %5s %6s %7s %7s %7s %9s %9s %10s %6s %8s %8s %11s "
		       "%11s %8s  %s\n", "WORKER", "LCORE", "CONFS", "LEGS",
		       "LOAD", "BUSY", "RX/s", "TX/s", "TICKS", "LATE",
		       "TICK us", "MAX us", "RX PKTS", "TX PKTS", "PER POLL",
		       "DROPS");
		each(resp, "workers", row_worker);
		/* tutti-dp's ports (missed: their receive queues full) */
		if (strstr(resp, "\"ports\":[{") != NULL) {
			printf("%6s  %-20s %4s %11s %11s %9s %9s %9s %9s\n",
			       "PORT", "DEVICE", "LINK", "RX PKTS", "TX PKTS",
			       "MISSED", "RX ERRORS", "TX ERRORS", "NO MBUF");
			each(resp, "ports", row_port);
		}
		/* the SIP layer's counters, if tutti-cp serves SIP */
		print_counters(resp, sip_counters,
			       sizeof(sip_counters) / sizeof(sip_counters[0]));
	} else if (strcmp(cmd, "lock") == 0 ||
		   strcmp(cmd, "unlock") == 0) {
		print_switch(resp, "conference", "locked",
			     "unlocked, new participants join",
			     "locked, new participants get 403 (but the "
			     "policy's moderators)");
	} else if (strcmp(cmd, "drain") == 0 ||
		   strcmp(cmd, "undrain") == 0) {
		print_switch(resp, "worker", "draining", "takes new conferences",
			     "draining: new conferences go to the other "
			     "workers, its own keep their calls");
	} else if (strcmp(cmd, "provision") == 0) {
		char v[16] = "", n[16] = "", nw[16] = "", sr[16] = "0";
		char ke[8] = "";

		get(resp, NULL, "keys_exposed", ke, sizeof(ke));
		if (strcmp(ke, "true") == 0)
			fprintf(stderr, "tuttictl: warning: %s holds SRTP keys "
				"and others than its owner may read it: chmod "
				"600 %s\n", file, file);
		get(resp, NULL, "n_conferences", n, sizeof(n));
		get(resp, NULL, "n_legs", v, sizeof(v));
		get(resp, NULL, "n_srtp_legs", sr, sizeof(sr));
		get(resp, NULL, "n_new", nw, sizeof(nw));
		printf("provisioned %s: %s conference%s, %s leg%s", file, n,
		       strcmp(n, "1") ? "s" : "", v, strcmp(v, "1") ? "s" : "");
		if (strcmp(sr, "0") != 0)
			printf(" (%s with SRTP)", sr);
		printf("; %s conference%s new, the others running (tutti-dp "
		       "takes them now: tuttictl list, show)\n", nw,
		       strcmp(nw, "1") ? "s" : "");
		printf("%-28s %6s %8s %8s\n", "CONFERENCE", "WORKER", "LEGS",
		       "ADDED");
		each(resp, "conferences", row_prov);
	} else if (strcmp(cmd, "unprovision") == 0) {
		char e[16] = "", l[16] = "", m[16] = "", k[16] = "0";

		get(resp, NULL, "ended", e, sizeof(e));
		get(resp, NULL, "legs", l, sizeof(l));
		get(resp, NULL, "not_provisioned", m, sizeof(m));
		get(resp, NULL, "kept", k, sizeof(k));
		printf("unprovisioned %s: %s conference%s ended, %s provisioned "
		       "leg%s removed; %s of its conferences not provisioned "
		       "here", file, e, strcmp(e, "1") ? "s" : "", l,
		       strcmp(l, "1") ? "s" : "", m);
		if (strcmp(k, "0") != 0)
			printf("; %s kept, with legs other files added", k);
		printf("\n");
	} else if (strcmp(cmd, "captures") == 0) {
		printf("%8s %-8s %8s %8s  %s\n", "LEG", "STATE", "PACKETS",
		       "NOT-KEPT", "FILE");
		each(resp, "captures", row_capture);
		each(resp, "armed", row_armed);
	} else if (strcmp(cmd, "proxies") == 0) {
		if (strstr(resp, "\"proxies\":[]") != NULL) {
			printf("no outbound proxies (tutti-cp "
			       "--outbound-proxy)\n");
		} else {
			printf("%-32s %-24s %-5s %9s %9s %10s  %s\n", "PROXY",
			       "ADDRESS", "STATE", "DOWN-FOR", "FAILOVERS",
			       "UNANSWERED",
			       "REASON");
			each(resp, "proxies", row_proxy);
		}
	} else if (strcmp(cmd, "registrations") == 0) {
		if (strstr(resp, "\"registrations\":[]") != NULL) {
			printf("no registrations (tutti-cp --register)\n");
		} else {
			printf("%-36s %-13s %10s %9s %4s %-24s  %s\n", "AOR",
			       "STATE", "EXPIRES-IN", "NEXT-IN", "LAST",
			       "ADDRESS", "REASON");
			each(resp, "registrations", row_reg);
		}
	} else if (strcmp(cmd, "capture") == 0 &&
		   get(resp, NULL, "armed", armed, sizeof(armed)) != NULL) {
		char conf[160] = "", match[80] = "", n[16] = "", was[8] = "";

		get(resp, NULL, "conference", conf, sizeof(conf));
		get(resp, NULL, "match", match, sizeof(match));
		get(resp, NULL, "packets", n, sizeof(n));
		get(resp, NULL, "was_armed", was, sizeof(was));
		if (strcmp(armed, "true") == 0)
			printf("the next participant to join conference %s%s%s%s"
			       " is captured from its first packet, %s "
			       "packets (tutti-cp logs its file when it "
			       "joins; tuttictl captures)\n", conf,
			       match[0] ? " whose From has '" : "", match,
			       match[0] ? "'" : "", n);
		else
			printf("conference %s: %s\n", conf,
			       strcmp(was, "true") == 0 ? "the next participant "
			       "to join is not captured any more" :
			       "no capture of the next participant was "
			       "waiting");
	} else if (strcmp(cmd, "capture") == 0) {
		char id[16] = "", from[160] = "", n[16] = "",
		     f[PATH_MAX] = "";

		get(resp, NULL, "leg_id", id, sizeof(id));
		get(resp, NULL, "from", from, sizeof(from));
		get(resp, NULL, "packets", n, sizeof(n));
		get(resp, NULL, "file", f, sizeof(f));
		if (strcmp(id, "0") == 0) {	/* the whole conference */
			get(resp, NULL, "conference", from, sizeof(from));
			if (n[0] == '\0')
				printf("capture of conference %s stopped\n",
				       from);
			else
				printf("capturing %s packets of conference %s "
				       "(all its participants) into %s "
				       "(tutti-dp writes it, and logs when it "
				       "is done)\n", n, from, f);
		} else if (n[0] == '\0')
			printf("capture of leg %s (%s) stopped\n", id, from);
		else
			printf("capturing %s packets of leg %s (%s) into %s "
			       "(tutti-dp writes it, and logs when it is "
			       "done)\n", n, id, from, f);
	} else if (strcmp(cmd, "roster") == 0) {
		/* the conference-info document, unescaped from its JSON */
		const char *v = strstr(resp, "\"conference_info\":\"");

		for (v = v ? v + 19 : ""; *v != '\0' && *v != '"'; v++) {
			unsigned int u;

			if (*v != '\\') {
				putchar(*v);
			} else if (v[1] == 'u' && sscanf(v + 2, "%4x", &u) == 1) {
				putchar((int)u);
				v += 5;
			} else if (v[1] != '\0') {
				putchar(*++v);
			}
		}
	} else {
		printf("%s\n", resp);
	}
	return 0;
}

/* tuttictl's message when tutti-cp at sock cannot be asked (rc) */
static void
unreachable(const char *sock, int rc)
{
	fprintf(stderr, "tuttictl: cannot reach tutti-cp at %s: %s (is it "
		"running? see its --ctl, or give --socket)\n", sock,
		strerror(-rc));
}

/*
 * tuttictl show CONF as a table: page participants an answer (show CONF
 * AFTER COUNT), so that a conference of 20,000 does not hold tutti-cp
 * for one 6 MB answer. Returns the exit status.
 */
static int
show_paged(const char *sock, const char *conf, unsigned long page)
{
	char req[256], next[16] = "0", prev[16] = "";
	int rc = 0;

	if (strlen(conf) > 64) {	/* (tutti-cp's names are shorter) */
		fprintf(stderr, "tuttictl: no conference '%s'\n", conf);
		return 1;
	}
	for (bool first = true; rc == 0 && strcmp(next, prev) != 0;
	     first = false) {
		char *resp = NULL;
		int r;

		snprintf(req, sizeof(req), "show %s %s %lu\n", conf, next,
			 page);
		snprintf(prev, sizeof(prev), "%s", next);
		r = ask(sock, req, &resp);
		if (r < 0) {
			unreachable(sock, r);
			free(resp);
			return 1;
		}
		if (first || strncmp(resp, "{\"error\"", 8) == 0)
			rc = print_answer("show", "", resp, false);
		else
			each(resp, "participants", row_part);
		if (get(resp, NULL, "next", next, sizeof(next)) == NULL)
			snprintf(next, sizeof(next), "%s", prev);
		free(resp);
	}
	return rc;
}

/* --wait: the capture waited for, and what tutti-cp's captures says */
static struct {
	char file[PATH_MAX];
	char state[16], packets[16], not_kept[16];
	bool seen;
} cw;

static void
row_wait(const char *o, const char *e)
{
	char f[PATH_MAX];

	get(o, e, "file", f, sizeof(f));
	if (strcmp(f, cw.file) != 0)
		return;
	cw.seen = true;
	get(o, e, "state", cw.state, sizeof(cw.state));
	get(o, e, "packets", cw.packets, sizeof(cw.packets));
	get(o, e, "not_kept", cw.not_kept, sizeof(cw.not_kept));
}

/*
 * tuttictl --wait S capture ...: ask captures every 100 ms until tutti-dp
 * says the file of the capture that answered resp is done (0) or failed
 * (1), or S seconds pass (1); a line on stderr every 5 s meanwhile.
 */
static int
capture_wait(const char *sock, const char *resp, unsigned long wait_s,
	     bool json)
{
	struct timespec t0, now;
	unsigned long said = 0;
	char *r = NULL;
	int rc;

	memset(&cw, 0, sizeof(cw));
	if (get(resp, NULL, "file", cw.file, sizeof(cw.file)) == NULL) {
		fprintf(stderr, "tuttictl: --wait: no file to wait for (a "
			"capture stopped, or one of the next to join)\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		unsigned long s;

		if ((rc = ask(sock, "captures\n", &r)) < 0) {
			unreachable(sock, rc);
			free(r);
			return 1;
		}
		cw.seen = false;
		each(r, "captures", row_wait);
		free(r);
		r = NULL;
		if (cw.seen && (strcmp(cw.state, "done") == 0 ||
				strcmp(cw.state, "failed") == 0))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		s = (unsigned long)(now.tv_sec - t0.tv_sec);
		if (s >= wait_s) {
			fprintf(stderr, "tuttictl: --wait: %s still %s after %lu "
				"s (%s packets)\n", cw.file,
				cw.seen ? cw.state : "not begun", wait_s,
				cw.seen ? cw.packets : "no");
			return 1;
		}
		if (s / 5 > said) {	/* a long one: how it goes */
			said = s / 5;
			fprintf(stderr, "tuttictl: %s: %s, %s packets so far\n",
				cw.file, cw.seen ? cw.state : "not begun",
				cw.seen ? cw.packets : "no");
		}
		poll(NULL, 0, 100);
	}
	if (json) {
		printf("{\"file\":\"");
		for (const char *c = cw.file; *c != '\0'; c++)
			printf(*c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
		printf("\",\"state\":\"%s\",\"packets\":%s,\"not_kept\":%s}\n",
		       cw.state, cw.packets, cw.not_kept);
	} else
		printf("%s: %s, %s packets (%s not kept)\n", cw.file, cw.state,
		       cw.packets, cw.not_kept);
	return strcmp(cw.state, "done") == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "region", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "page", required_argument, NULL, 'p' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *region = "/tutti";
	char path[128], req[512], file[PATH_MAX];
	char *resp = NULL;
	bool json = false;
	unsigned long page = 1000, wait_s = 0;
	size_t off = 0;
	char *end;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'r': region = optarg; break;
		case 'j': json = true; break;
		case 'p':
			errno = 0;
			page = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    page == 0 || page > 1000000) {
				fprintf(stderr, "tuttictl: --page %s: expected "
					"1 to 1000000 participants\n", optarg);
				return 2;
			}
			break;
		case 'w':
			errno = 0;
			wait_s = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    wait_s == 0 || wait_s > 86400) {
				fprintf(stderr, "tuttictl: --wait %s: expected "
					"1 to 86400 seconds\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "try 'tuttictl --help'\n");
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (sock == NULL) {
		snprintf(path, sizeof(path), "%s/tutti-cp.%s.sock",
			 geteuid() == 0 ? "/run" : "/tmp",
			 region[0] == '/' ? region + 1 : region);
		sock = path;
	}
	if (strcmp(argv[optind], "provision") == 0 ||
	    strcmp(argv[optind], "unprovision") == 0) {
		/* tutti-cp reads the file: give it the whole path */
		if (optind + 2 != argc) {
			fprintf(stderr, "tuttictl: usage: %s FILE\n",
				argv[optind]);
			return 2;
		}
		if (realpath(argv[optind + 1], file) == NULL) {
			fprintf(stderr, "tuttictl: %s: %s\n", argv[optind + 1],
				strerror(errno));
			return 1;
		}
		if (strlen(file) + sizeof("provision \n") > sizeof(req)) {
			fprintf(stderr, "tuttictl: %s: path too long\n", file);
			return 1;
		}
		argv[optind + 1] = file;
	}
	if (wait_s != 0 && strcmp(argv[optind], "capture") != 0) {
		fprintf(stderr, "tuttictl: --wait is for capture (until its "
			"file is done)\n");
		return 2;
	}
	if (!json && strcmp(argv[optind], "show") == 0 && optind + 2 == argc)
		return show_paged(sock, argv[optind + 1], page);
	for (int i = optind; i < argc && off < sizeof(req) - 2; i++)
		off += (size_t)snprintf(req + off, sizeof(req) - off, "%s%s",
					i > optind ? " " : "", argv[i]);
	snprintf(req + off, sizeof(req) - off, "\n");
	rc = ask(sock, req, &resp);
	if (rc < 0) {
		unreachable(sock, rc);
		free(resp);
		return 1;
	}
	rc = print_answer(argv[optind], optind + 1 < argc ? argv[optind + 1] :
			  "", resp, json);
	if (rc == 0 && wait_s != 0)
		rc = capture_wait(sock, resp, wait_s, json);
	free(resp);
	return rc;
}
