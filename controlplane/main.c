/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c: tutti-cp start-up, signals and the event loop. It attaches to the
 * region tutti-dp created, says hello to every worker, learns what the data
 * plane is already running from the leg table, and keeps watch: if the data
 * plane goes away it waits for the next one. With --sip it also serves SIP
 * (sip.h) from the same loop: every wait is a poll of the SIP sockets.
 * SDP, policy and notifications join this loop with the focus issues.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "conf.h"
#include "creds.h"
#include "ctlsock.h"
#include "metrics.h"
#include "policy.h"
#include "dpctl.h"
#include "dns.h"
#include "log.h"
#include "shm_msg.h"
#include "sip.h"
#include "sip_transport.h"
#include "stimer.h"

#define CP_VERSION	"0.1.0"
#define CP_LOOP_NS	(10ULL * 1000 * 1000)	/* event loop period */
#define CP_RETRY_NS	(200ULL * 1000 * 1000)	/* attach retry period */

/* Long options without a short letter. */
enum {
	OPT_TLS_CERT = 256,
	OPT_TLS_KEY,
	OPT_TLS_CA,
	OPT_TLS_PORT,
	OPT_TLS_VERIFY,
	OPT_REGISTER,
	OPT_REGISTER_EXPIRES,
	OPT_MAX_CONNS,
	OPT_CONN_IDLE,
	OPT_CONNS_PER_ADDR,
	OPT_RING_TIMEOUT,
	OPT_SRTP,
	OPT_SRTP_CLEAR,
	OPT_TRUST,
	OPT_TRUST_TLS,
	OPT_ASSERT_IDENTITY,
	OPT_CREDENTIALS,
};

struct cp_opts {
	const char *region;
	uint64_t wait_s;	/* how long to wait for tutti-dp at start */
	char sip_addr[64];	/* --sip address; "" = no SIP */
	uint16_t sip_port;
	struct cp_focus_cfg focus;
	char ctl_path[108];	/* operator socket */
	char state_path[4096];	/* --state FILE */
	char metrics_addr[64];	/* --metrics address; "" = none */
	const char *policy_path;	/* --policy FILE, or NULL */
	const char *creds_path;		/* --credentials FILE, or NULL */
	uint16_t metrics_port;
	bool names_given;	/* --conference used: replace the default */
	bool media_given;	/* --media-ip used: not the --sip address */
	uint32_t rate_limit;	/* new SIP requests/s per source; 0 = off */
	uint32_t rate_burst;	/* 0 = twice rate_limit */
	uint32_t max_txn;	/* server transactions before 503 */
	uint32_t max_conns;	/* --max-conns: TCP and TLS */
	bool max_conns_given;	/* else lowered to the open files limit */
	uint32_t conns_per_addr; /* --max-conns-per-addr */
	uint32_t conn_idle_ms;	/* --conn-idle; UINT32_MAX = never */
	/* --outbound-proxy URIs, in order, up to the first NULL */
	const char *outbound_proxy[CP_SIP_MAX_PROXIES];
	const char *dns;		/* --dns, NULL: resolv.conf's */
	struct cp_sip_tls_conf tls;	/* --tls-*: cert NULL = none */
	unsigned n_proxies;
	/* --register AORs, in order, up to the first NULL */
	const char *register_aor[CP_SIP_MAX_REGS];
	unsigned n_regs;
	uint32_t register_expires_s;	/* --register-expires */
	uint32_t proxy_timeout_ms;	/* --proxy-timeout */
	uint32_t proxy_ping_ms;		/* --proxy-ping, 0 = none */
	uint32_t session_expires_s;	/* --session-expires, 0 = off */
	uint32_t min_se_s;		/* --min-se */
	/* --trust: the networks whose P-Asserted-Identity is believed */
	struct cp_trust_net trust[CP_TRUST_NETS_MAX];
	size_t n_trust;
	const char *trust_text;		/* as given, for the log */
	/* --trust-tls: the names whose certificates are in it too (tls's
	 * trust_names point into trust_tls, split at its commas) */
	char trust_tls[CP_SIP_TLS_TRUST_MAX * (CP_SIP_TLS_NAME_MAX + 1)];
	const char *trust_names[CP_SIP_TLS_TRUST_MAX];
	const char *trust_tls_text;	/* as given, for the log */
	/* --assert-identity: dial-outs to --trust's networks assert their
	 * From (cp_sip_conf.assert_identity) */
	bool assert_identity;
};

static volatile sig_atomic_t quit;
static volatile sig_atomic_t reload;	/* SIGHUP: policy, TLS files again */
static struct cp_policy *policy;
static struct cp_creds creds;	/* --credentials: the SIP layer reads it */
static struct cp_sip *sip;	/* NULL without --sip */
static struct cp_focus *focus;
static struct cp_ctlsock *ctl;
static struct cp_metrics *metrics;

struct hello_state {
	uint32_t want;		/* HELLOs sent */
	uint32_t answered;	/* statuses received */
	uint32_t ok;		/* of which status 0 */
	uint32_t unsent;	/* HELLOs the ring refused */
	uint64_t sent_ns;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tutti-cp [options]\n"
"\n"
"The Tutti control plane: the SIP conference focus. It programs tutti-dp\n"
"(the DPDK data plane) through the shared-memory region tutti-dp creates,\n"
"and keeps running when tutti-dp restarts.\n"
"\n"
"Options:\n"
"  --region NAME      shared region of tutti-dp (default %s)\n"
"  --wait SECONDS     how long to wait at start for tutti-dp to create the\n"
"                     region (default 30; 0 = do not wait)\n"
"  --sip ADDR:PORT    serve SIP over UDP and TCP on this address and port,\n"
"                     e.g. 198.18.0.1:5060 or [::1]:5060; a specific numeric\n"
"                     address, as it goes in Via and Contact (default: no\n"
"                     SIP, so that tests may run several tutti-cp at once)\n"
"  --media-ip A.B.C.D[,A.B.C.D...]  up to %d addresses tutti-dp owns\n"
"                     (its --addr; several in any order, one alone must\n"
"                     be its first), offered in SDP as where participants\n"
"                     send RTP; each adds room for as many legs as\n"
"                     --rtp-ports has ports, the first address's taken\n"
"                     first, then the next's; but a participant whose SDP\n"
"                     address lies inside the prefix tutti-dp gives one\n"
"                     of them (--addr 1=A.B.C.D/24: a port on its\n"
"                     network) gets that one, and so does a dial-out to\n"
"                     sip:USER@HOST with HOST an address inside it\n"
"                     (default: the --sip address)\n"
"  --rtp-ports MIN-MAX  tutti-dp's RTP ports for legs, even, on each media\n"
"                     address (default 20000-29998)\n"
"  --conference NAME  a standing conference, sip:NAME@<sip address>\n"
"                     (repeatable; default: demo)\n"
"  --factory NAME     the conference factory, sip:NAME@... (RFC 4579:\n"
"                     an INVITE there creates a conference; default\n"
"                     factory)\n"
"  --codecs LIST      codec preference, e.g. PCMU,PCMA,L16/16000\n"
"                     (default PCMU,PCMA)\n"
"  --srtp MODE        SRTP (RFC 3711) with SDES keys (RFC 4568), which\n"
"                     go only over TLS: optional (default: an RTP/SAVP\n"
"                     offer with a=crypto AES_CM_128_HMAC_SHA1_80 or _32\n"
"                     that came over TLS gets SRTP, any other offer plain\n"
"                     RTP), mandatory (needs --tls-cert: plain RTP is\n"
"                     refused with 488; dial-outs offer RTP/SAVP and go\n"
"                     only to sips: or ;transport=tls), off (RTP/SAVP\n"
"                     refused)\n"
"  --srtp-keys-in-clear  SDES keys over UDP and TCP too, not only over\n"
"                     TLS: only where the signalling path is protected\n"
"                     otherwise (IPsec, a private network); anyone who\n"
"                     reads the SIP can decrypt the media\n"
"  --notify-interval-ms MS  RFC 4575 partial notifications: at most one\n"
"                     per subscriber per MS (default 1000)\n"
"  --mix-rate HZ      mixing rate of conferences: 8000 (default) or 16000\n"
"  --ptime MS         their tick: 10, 20 (default), 30 or 40\n"
"  --talkers K        mix the K loudest talkers, 1..64, or all (default 4)\n"
"  --limiter          soft limiter instead of hard clipping on loud mixes\n"
"  --media-timeout S  hang up a participant after S seconds without RTP\n"
"                     (default 30; 0 = never)\n"
"  --ring-timeout S   cancel a dial-out unanswered after S seconds, its\n"
"                     CANCEL saying Q.850 cause 19, no answer (default\n"
"                     30, 1..600; 0 = never: the callee or a proxy ends\n"
"                     it)\n"
"  --policy FILE      the conference policy (XML, schema policy.xsd): who\n"
"                     may join, create, refer, subscribe; PINs, Digest,\n"
"                     DTMF commands, lifetimes; a bad file is refused\n"
"                     with FILE:LINE: reason; SIGHUP reads it again (a\n"
"                     bad file then keeps the policy in force). Default:\n"
"                     anyone may join and create\n"
"  --rate-limit N     new SIP requests (INVITE, OPTIONS, SUBSCRIBE, ...)\n"
"                     per second from one source address (default 200;\n"
"                     0 = no limit); more get 503 with Retry-After, and\n"
"                     past 10 of those a second nothing. Responses, ACKs,\n"
"                     requests in a dialog and CANCELs of a pending INVITE\n"
"                     are never limited; malformed requests and a BYE or\n"
"                     CANCEL matching nothing count\n"
"  --rate-burst B     how many a source may send at once above that rate\n"
"                     (default: twice the rate)\n"
"  --max-transactions N  live SIP server transactions before new requests\n"
"                     get 503 (default 32768; each ended one lives 32 s\n"
"                     more: allow 64 x the calls/s you expect); requests\n"
"                     in a dialog and CANCELs may use as many again\n"
"  --max-conns N      TCP and TLS connections at once, in and out\n"
"                     (default 1024); past it, new ones are refused\n"
"  --max-conns-per-addr N  of those, accepted from one address at once\n"
"                     (default 64): no one host takes every slot. A\n"
"                     connection that sends no whole message in its\n"
"                     first 30 s is closed too\n"
"  --conn-idle S      close a TCP or TLS connection after S seconds with\n"
"                     no byte either way (default 3600, longer than\n"
"                     the session timers' refresh; 0: never). Its\n"
"                     dialogs go on: the focus connects to the peer's\n"
"                     Contact when it has a request to send. Peers\n"
"                     behind a NAT keep theirs up with keepalives: a\n"
"                     double CRLF is answered with a CRLF (RFC 5626)\n"
"  --outbound-proxy URI  send dial-outs (REFER, tuttictl dial, the\n"
"                     policy's dial-out) to this SIP proxy (RFC 3261\n"
"                     8.1.2), e.g. sip:198.18.0.5:5060,\n"
"                     sip:198.18.0.5;transport=tcp,\n"
"                     sips:sbc.carrier.example (TLS, with --tls-cert:\n"
"                     its certificate must name sbc.carrier.example) or\n"
"                     sip:sip.carrier.example, with a Route to it;\n"
"                     their targets may then name hosts (the proxy\n"
"                     resolves them: sip:+15551234@carrier.example).\n"
"                     Without it tutti-cp resolves them (RFC 3263).\n"
"                     Up to 4, in order of preference: a proxy that\n"
"                     answers a dial-out 503, says nothing for\n"
"                     --proxy-timeout or loses its TCP connection is\n"
"                     down, and the dial-out goes on to the next one\n"
"                     (tuttictl proxies lists them). A host name is\n"
"                     found as RFC 3263 says: NAPTR, SRV, then A or\n"
"                     AAAA records (sip:carrier.example: NAPTR first;\n"
"                     ;transport=tcp: SRV _sip._tcp; a port: A only);\n"
"                     each address it gives is one more proxy to go\n"
"                     down, in SRV's order, and it is asked again\n"
"                     after its TTL (10 s to an hour; 30 s after a\n"
"                     failure, keeping the addresses it had)\n"
"  --credentials FILE  the focus's own Digest credentials (RFC 3261\n"
"                     22.2): a dial-out that a proxy or the callee\n"
"                     challenges (407, 401) goes again with the user\n"
"                     and password of the challenge's realm (MD5 or\n"
"                     SHA-256); so does, once, a challenged request\n"
"                     in a dialog (BYE, session refresh, NOTIFY).\n"
"                     A line per realm: REALM USER PASSWORD\n"
"                     (\"quoted\" with blanks; REALM * for any other;\n"
"                     # comments), or, to keep no password there,\n"
"                     REALM USER ha1-md5 HEX [ha1-sha256 HEX] (HEX:\n"
"                     H(USER:REALM:PASSWORD)); a bad file is refused with\n"
"                     FILE:LINE: reason. Keep it mode 600. SIGHUP\n"
"                     reads it again (a bad one keeps those in force)\n"
"  --register AOR     register the focus at a carrier's registrar (RFC\n"
"                     3261 10), e.g. sip:conf@carrier.example: its\n"
"                     Contact sip:conf@<--sip address> is bound to the\n"
"                     AOR, so that calls to it reach the focus for\n"
"                     conference conf (the AOR's user). The REGISTERs\n"
"                     go through the outbound proxies, else to the\n"
"                     AOR's domain (RFC 3263 for a name; a port,\n"
"                     ;transport=tcp or tls, sips: taken), answer its\n"
"                     challenges with --credentials, take a 423's\n"
"                     Min-Expires, and refresh the binding 2 minutes\n"
"                     before it lapses. One that fails goes again\n"
"                     after its Retry-After or 30 s, doubling up to\n"
"                     30 min (RFC 5626 4.5). A clean stop unregisters.\n"
"                     Up to 8; tuttictl registrations lists them\n"
"  --register-expires S  the binding's lifetime asked (default 3600;\n"
"                     10..604800); the registrar may grant less\n"
"  --dns ADDR[:PORT][,...]  the DNS servers for those names (default:\n"
"                     /etc/resolv.conf's)\n"
"  --tls-cert FILE    SIP over TLS too (RFC 3261 26): our certificate\n"
"                     (PEM, then its chain), with --tls-key FILE, its\n"
"                     private key (PEM). A TLS listener on --tls-port\n"
"                     (default: the SIP port + 1, 5061); calls and\n"
"                     subscriptions that come in TLS stay in TLS, and\n"
"                     dial-outs to sips:USER@HOST or ;transport=tls go\n"
"                     in TLS (through outbound proxies only if they all\n"
"                     are sips:): the callee's certificate must name\n"
"                     HOST (a name is found by NAPTR SIPS+D2T, SRV\n"
"                     _sips._tcp or A). A file that does not load, or a\n"
"                     key not the certificate's, is refused at start.\n"
"                     SIGHUP reads the files again (a renewed\n"
"                     certificate: new connections get it; bad files\n"
"                     keep the old one)\n"
"  --tls-port N       the TLS listener's port\n"
"  --tls-ca FILE      the CAs (PEM) a peer's certificate must come from\n"
"                     (default: the system's)\n"
"  --tls-verify-client  mutual TLS: callers must show a certificate of\n"
"                     those CAs too (RFC 4579 6), else their\n"
"                     handshake fails\n"
"  --proxy-timeout MS how long a proxy may leave a dial-out or a\n"
"                     keepalive unanswered (not even 100 Trying) before\n"
"                     it counts as down (default 4000: the INVITE and\n"
"                     three retransmissions)\n"
"  --proxy-ping S     OPTIONS keepalive to each outbound proxy every S\n"
"                     seconds (default 30): any answer but 503 brings a\n"
"                     proxy that is down back (after its Retry-After).\n"
"                     0: none; a proxy down is then tried again after\n"
"                     30 s\n"
"  --session-expires S  session timers (RFC 4028): the interval a call\n"
"                     is refreshed in, at most (default 1800; 0: off,\n"
"                     and a Require: timer gets 420). A caller that\n"
"                     supports timers refreshes; else the focus does,\n"
"                     if the caller allows UPDATE or a proxy on the\n"
"                     way asked for timers: by UPDATE, or by re-INVITE\n"
"                     where UPDATE is not allowed or got 405 or 501.\n"
"                     A call not refreshed in time is hung up\n"
"  --min-se S         the shortest interval taken (default 90, the\n"
"                     RFC's least): shorter asked gets 422\n"
"  --trust NET[,NET...]  the trust domain (RFC 3325): the proxies and\n"
"                     SBCs, A.B.C.D[/N] or [X::Y][/N], up to 32, whose\n"
"                     P-Asserted-Identity says who calls, subscribes or\n"
"                     REFERs: the policy's patterns, moderators and\n"
"                     auth=\"true\" (it counts as authenticated), the\n"
"                     roster and the log take it in place of From. A\n"
"                     source address is only as good as the network:\n"
"                     trust those proxies' own; tcp:NET believes NET\n"
"                     over TCP or TLS only, where UDP sources can be\n"
"                     forged on the way. Elsewhere's\n"
"                     P-Asserted-Identity is ignored (default: none is\n"
"                     believed)\n"
"  --trust-tls NAME[,NAME...]  the trust domain by certificate (RFC 3325,\n"
"                     RFC 5922 7.1), with --tls-cert: a peer whose TLS\n"
"                     certificate (checked against --tls-ca) names one\n"
"                     of NAMEs (sbc.carrier.example: a certificate for\n"
"                     it or for *.carrier.example; up to 8) is in it,\n"
"                     wherever it connects from.\n"
"                     Callers are then asked for a certificate: one\n"
"                     that does not check out fails the handshake\n"
"  --assert-identity  with --trust: a dial-out sent to a next hop in its\n"
"                     networks (an outbound proxy, an S-CSCF) carries\n"
"                     P-Asserted-Identity: its From, the conference's\n"
"                     URI (RFC 3325 9.1, the focus as an application\n"
"                     server of the domain); to any other hop, never\n"
"  --metrics ADDR:PORT  Prometheus metrics over HTTP: GET /metrics\n"
"                     (default: none)\n"
"  --ctl PATH         the operator socket tuttictl talks to (default\n"
"                     /run/tutti-cp.<region>.sock as root, else in /tmp)\n"
"  --state FILE       the calls in progress, kept so that a restarted\n"
"                     tutti-cp takes them over while tutti-dp keeps their\n"
"                     audio running (default /run/tutti-cp.<region>.state\n"
"                     as root, else in /tmp). Written (atomically) on\n"
"                     joins, leaves, re-INVITEs, mutes, drains and\n"
"                     dial-outs waiting for a worker; read at start:\n"
"                     participants whose legs still run are taken over,\n"
"                     other legs are removed, calls whose legs are gone\n"
"                     get a BYE, waiting dial-outs are tried again. A\n"
"                     file of another version or a corrupt one is\n"
"                     refused with FILE:LINE: reason, set aside as\n"
"                     FILE.refused, and the legs are left alone\n"
"  --log-level LEVEL  error, warn, info (default), debug\n"
"  -h, --help         this help\n"
"  --version          print the version\n",
		SHM_DEFAULT_NAME, CP_CONF_MAX_MEDIA_ADDR);
}

/* "ADDR:PORT" or "[V6ADDR]:PORT" into o->sip_addr and o->sip_port. */
/* --trust-tls's list into o->tls.trust_names (o->trust_tls holds them,
 * split at the commas): false if it is not 1..CP_SIP_TLS_TRUST_MAX
 * names of 1..CP_SIP_TLS_NAME_MAX characters. */
static bool
split_names(const char *list, struct cp_opts *o)
{
	char *p = o->trust_tls;
	size_t n = 0;

	if (strlen(list) >= sizeof(o->trust_tls))
		return false;
	strcpy(o->trust_tls, list);
	for (;;) {
		char *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		if (p[0] == '\0' || strlen(p) > CP_SIP_TLS_NAME_MAX ||
		    n == CP_SIP_TLS_TRUST_MAX)
			return false;
		o->trust_names[n++] = p;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	o->tls.trust_names = o->trust_names;
	o->tls.n_trust_names = n;
	return true;
}

/* A whole number of lo..hi in s: digits only (no sign, no space, not
 * empty), into *v. */
static bool
opt_num(const char *s, unsigned long lo, unsigned long hi, unsigned long *v)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *v >= lo && *v <= hi;
}

static int
parse_sip(const char *arg, struct cp_opts *o)
{
	const char *colon = strrchr(arg, ':');
	const char *a = arg;
	size_t alen;
	unsigned long port;

	if (colon == NULL)
		return -EINVAL;
	alen = (size_t)(colon - arg);
	if (alen >= 2 && arg[0] == '[' && arg[alen - 1] == ']') {
		a++;
		alen -= 2;
	}
	if (alen == 0 || alen >= sizeof(o->sip_addr) ||
	    !opt_num(colon + 1, 0, 65535, &port))
		return -EINVAL;
	memcpy(o->sip_addr, a, alen);
	o->sip_addr[alen] = '\0';
	o->sip_port = (uint16_t)port;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct cp_opts *o)
{
	static const struct option longs[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "wait", required_argument, NULL, 'w' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "sip", required_argument, NULL, 's' },
		{ "media-ip", required_argument, NULL, 'm' },
		{ "rtp-ports", required_argument, NULL, 'p' },
		{ "conference", required_argument, NULL, 'c' },
		{ "factory", required_argument, NULL, 'f' },
		{ "codecs", required_argument, NULL, 'C' },
		{ "srtp", required_argument, NULL, OPT_SRTP },
		{ "srtp-keys-in-clear", no_argument, NULL, OPT_SRTP_CLEAR },
		{ "media-timeout", required_argument, NULL, 't' },
		{ "ring-timeout", required_argument, NULL, OPT_RING_TIMEOUT },
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "trust-tls", required_argument, NULL, OPT_TRUST_TLS },
		{ "assert-identity", no_argument, NULL, OPT_ASSERT_IDENTITY },
		{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
		{ "ctl", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 'S' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "mix-rate", required_argument, NULL, 'R' },
		{ "ptime", required_argument, NULL, 'T' },
		{ "talkers", required_argument, NULL, 'K' },
		{ "limiter", no_argument, NULL, 'L' },
		{ "policy", required_argument, NULL, 'y' },
		{ "notify-interval-ms", required_argument, NULL, 'N' },
		{ "rate-limit", required_argument, NULL, 'Q' },
		{ "rate-burst", required_argument, NULL, 'B' },
		{ "max-transactions", required_argument, NULL, 'X' },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "conn-idle", required_argument, NULL, OPT_CONN_IDLE },
		{ "max-conns-per-addr", required_argument, NULL,
		  OPT_CONNS_PER_ADDR },
		{ "outbound-proxy", required_argument, NULL, 'O' },
		{ "register", required_argument, NULL, OPT_REGISTER },
		{ "register-expires", required_argument, NULL,
		  OPT_REGISTER_EXPIRES },
		{ "dns", required_argument, NULL, 'D' },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
		{ "tls-port", required_argument, NULL, OPT_TLS_PORT },
		{ "tls-verify-client", no_argument, NULL, OPT_TLS_VERIFY },
		{ "proxy-timeout", required_argument, NULL, 'P' },
		{ "proxy-ping", required_argument, NULL, 'G' },
		{ "session-expires", required_argument, NULL, 'E' },
		{ "min-se", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	enum tutti_log_level lvl;
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o)); /* what no option sets is 0, NULL, false */
	o->region = SHM_DEFAULT_NAME;
	o->wait_s = 30;
	o->sip_addr[0] = '\0';
	cp_focus_cfg_init(&o->focus);
	o->focus.sdp.srtp = CP_SDP_SRTP_OPTIONAL;
	o->names_given = false;
	o->media_given = false;
	o->ctl_path[0] = '\0';
	o->state_path[0] = '\0';
	o->metrics_addr[0] = '\0';
	o->policy_path = NULL;
	o->rate_limit = 200;
	o->rate_burst = 0;
	o->max_txn = 32768;
	o->max_conns = 1024;
	o->conn_idle_ms = 3600 * 1000;
	o->conns_per_addr = 64;
	memset(o->outbound_proxy, 0, sizeof(o->outbound_proxy));
	o->n_proxies = 0;
	o->register_expires_s = CP_SIP_REG_EXPIRES_S;
	o->proxy_timeout_ms = 4000;
	o->proxy_ping_ms = 30000;
	o->session_expires_s = 1800;
	o->min_se_s = CP_STIMER_FLOOR_S;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'R':
			if (!opt_num(optarg, 8000, 16000, &v) ||
			    (v != 8000 && v != 16000)) {
				LOG_ERR("--mix-rate %s: 8000 or 16000", optarg);
				return -EINVAL;
			}
			o->focus.rate_hz = (uint32_t)v;
			break;
		case 'T':
			if (!opt_num(optarg, 10, 40, &v) || v % 10 != 0) {
				LOG_ERR("--ptime %s: 10, 20, 30 or 40", optarg);
				return -EINVAL;
			}
			o->focus.ptime_ms = (uint8_t)v;
			break;
		case 'K':
			if (strcmp(optarg, "all") == 0) {
				o->focus.talkers = 255;
				break;
			}
			if (!opt_num(optarg, 1, 64, &v)) {
				LOG_ERR("--talkers %s: 1..64, or all", optarg);
				return -EINVAL;
			}
			o->focus.talkers = (uint8_t)v;
			break;
		case 'L':
			o->focus.limiter = true;
			break;
		case 'y':
			o->policy_path = optarg;
			break;
		case 'Q':
		case 'B':
			if (!opt_num(optarg, c == 'B', 1000000, &v)) {
				LOG_ERR("--rate-%s %s: %s", c == 'Q' ? "limit" :
					"burst", optarg, c == 'Q' ?
					"0..1000000" : "1..1000000");
				return -EINVAL;
			}
			*(c == 'Q' ? &o->rate_limit : &o->rate_burst) =
				(uint32_t)v;
			break;
		case 'O':
			if (o->n_proxies == CP_SIP_MAX_PROXIES) {
				LOG_ERR("--outbound-proxy %s: at most %d "
					"proxies", optarg, CP_SIP_MAX_PROXIES);
				return -EINVAL;
			}
			/* checked below, with --sip */
			o->outbound_proxy[o->n_proxies++] = optarg;
			break;
		case 'D':
			o->dns = optarg; /* checked below */
			break;
		case OPT_REGISTER:
			if (o->n_regs == CP_SIP_MAX_REGS) {
				LOG_ERR("--register %s: at most %d "
					"registrations", optarg,
					CP_SIP_MAX_REGS);
				return -EINVAL;
			}
			/* checked below, with --sip */
			o->register_aor[o->n_regs++] = optarg;
			break;
		case OPT_REGISTER_EXPIRES:
			if (!opt_num(optarg, 10, 604800, &v)) {
				LOG_ERR("--register-expires %s: 10..604800 s",
					optarg);
				return -EINVAL;
			}
			o->register_expires_s = (uint32_t)v;
			break;
		case OPT_TLS_CERT:
			o->tls.cert = optarg; /* read by open_sip() */
			break;
		case OPT_TLS_KEY:
			o->tls.key = optarg;
			break;
		case OPT_TLS_CA:
			o->tls.ca = optarg;
			break;
		case OPT_TLS_PORT:
			if (!opt_num(optarg, 1, 65535, &v)) {
				LOG_ERR("--tls-port %s: 1..65535", optarg);
				return -EINVAL;
			}
			o->tls.port = (uint16_t)v;
			break;
		case OPT_TLS_VERIFY:
			o->tls.verify_client = true;
			break;
		case OPT_TRUST: {
			char why[160];

			if (cp_trust_parse(optarg, o->trust, CP_TRUST_NETS_MAX,
					   &o->n_trust, why, sizeof(why)) < 0) {
				LOG_ERR("--trust %s: %s", optarg, why);
				return -EINVAL;
			}
			o->trust_text = optarg;
			break;
		}
		case OPT_CREDENTIALS:
			o->creds_path = optarg; /* read by main() */
			break;
		case OPT_TRUST_TLS:
			if (!split_names(optarg, o)) {
				LOG_ERR("--trust-tls %s: 1 to %d names of 1 to "
					"%d characters, separated by commas",
					optarg, CP_SIP_TLS_TRUST_MAX,
					CP_SIP_TLS_NAME_MAX);
				return -EINVAL;
			}
			o->trust_tls_text = optarg;
			break;
		case OPT_ASSERT_IDENTITY:
			o->assert_identity = true;
			break;
		case 'P':
			if (!opt_num(optarg, 100, 32000, &v)) {
				LOG_ERR("--proxy-timeout %s: 100..32000 ms",
					optarg);
				return -EINVAL;
			}
			o->proxy_timeout_ms = (uint32_t)v;
			break;
		case 'G':
			if (!opt_num(optarg, 0, 3600, &v)) {
				LOG_ERR("--proxy-ping %s: 0..3600 s (0: none)",
					optarg);
				return -EINVAL;
			}
			o->proxy_ping_ms = (uint32_t)v * 1000;
			break;
		case 'E':
			if (!opt_num(optarg, 0, 86400, &v) ||
			    (v != 0 && v < CP_STIMER_FLOOR_S)) {
				LOG_ERR("--session-expires %s: 90..86400 s (0: "
					"no session timers)", optarg);
				return -EINVAL;
			}
			o->session_expires_s = (uint32_t)v;
			break;
		case 'e':
			if (!opt_num(optarg, CP_STIMER_FLOOR_S, 86400, &v)) {
				LOG_ERR("--min-se %s: 90..86400 s (RFC 4028 "
					"5: not below 90)", optarg);
				return -EINVAL;
			}
			o->min_se_s = (uint32_t)v;
			break;
		case 'X':
			if (!opt_num(optarg, 16, 1000000, &v)) {
				LOG_ERR("--max-transactions %s: 16..1000000",
					optarg);
				return -EINVAL;
			}
			o->max_txn = (uint32_t)v;
			break;
		case OPT_MAX_CONNS:
			if (!opt_num(optarg, 1, 65536, &v)) {
				LOG_ERR("--max-conns %s: 1..65536", optarg);
				return -EINVAL;
			}
			o->max_conns = (uint32_t)v;
			o->max_conns_given = true;
			break;
		case OPT_CONNS_PER_ADDR:
			if (!opt_num(optarg, 1, 65536, &v)) {
				LOG_ERR("--max-conns-per-addr %s: 1..65536",
					optarg);
				return -EINVAL;
			}
			o->conns_per_addr = (uint32_t)v;
			break;
		case OPT_CONN_IDLE:
			if (!opt_num(optarg, 0, 86400, &v)) {
				LOG_ERR("--conn-idle %s: 0..86400 s", optarg);
				return -EINVAL;
			}
			o->conn_idle_ms = v == 0 ? UINT32_MAX
						 : (uint32_t)v * 1000;
			break;
		case 'N':
			if (!opt_num(optarg, 10, 600000, &v)) {
				LOG_ERR("--notify-interval-ms %s: 10..600000",
					optarg);
				return -EINVAL;
			}
			o->focus.notify_interval_ms = (uint32_t)v;
			break;
		case 'M': {
			struct cp_opts t;

			if (parse_sip(optarg, &t) < 0 ||
			    strchr(t.sip_addr, ':') != NULL) {
				LOG_ERR("--metrics %s: expected A.B.C.D:PORT",
					optarg);
				return -EINVAL;
			}
			memcpy(o->metrics_addr, t.sip_addr,
			       sizeof(o->metrics_addr));
			o->metrics_port = t.sip_port;
			break;
		}
		case 'k':
			if (strlen(optarg) >= sizeof(o->ctl_path)) {
				LOG_ERR("--ctl %s: longer than %zu characters",
					optarg, sizeof(o->ctl_path) - 1);
				return -EINVAL;
			}
			snprintf(o->ctl_path, sizeof(o->ctl_path), "%s",
				 optarg);
			break;
		case 'S':
			if (strlen(optarg) >= sizeof(o->state_path) ||
			    optarg[0] == '\0') {
				LOG_ERR("--state %s: a path of 1 to %zu "
					"characters", optarg,
					sizeof(o->state_path) - 1);
				return -EINVAL;
			}
			snprintf(o->state_path, sizeof(o->state_path), "%s",
				 optarg);
			break;
		case 'm': {
			char e[160];

			if (cp_focus_cfg_set_media_addrs(&o->focus, optarg, e,
							 sizeof(e)) < 0) {
				LOG_ERR("--media-ip %s: %s", optarg, e);
				return -EINVAL;
			}
			o->media_given = true;
			break;
		}
		case 'p': {
			unsigned int lo, hi;
			char tail;

			if (sscanf(optarg, "%u-%u%c", &lo, &hi, &tail) != 2 ||
			    lo < 1024 || lo % 2 != 0 || hi < lo || hi > 65534) {
				LOG_ERR("--rtp-ports %s: expected MIN-MAX, MIN "
					"even, 1024..65534", optarg);
				return -EINVAL;
			}
			o->focus.rtp_port_min = (uint16_t)lo;
			o->focus.rtp_port_max = (uint16_t)hi;
			break;
		}
		case 'c':
			if (!o->names_given)
				o->focus.n_names = 0;
			o->names_given = true;
			if (o->focus.n_names == CP_CONF_MAX_STATIC ||
			    strlen(optarg) >= CP_CONF_NAME_MAX ||
			    strpbrk(optarg, "@:;<> ") != NULL ||
			    optarg[0] == '\0') {
				LOG_ERR("--conference %s: a user part of up to "
					"%d characters, at most %d of them",
					optarg, CP_CONF_NAME_MAX - 1,
					CP_CONF_MAX_STATIC);
				return -EINVAL;
			}
			snprintf(o->focus.names[o->focus.n_names++],
				 CP_CONF_NAME_MAX, "%s", optarg);
			break;
		case 'f':
			if (strlen(optarg) >= CP_CONF_NAME_MAX ||
			    strpbrk(optarg, "@:;<> ") != NULL ||
			    optarg[0] == '\0') {
				LOG_ERR("--factory %s: a user part of up to %d "
					"characters", optarg,
					CP_CONF_NAME_MAX - 1);
				return -EINVAL;
			}
			snprintf(o->focus.factory, CP_CONF_NAME_MAX, "%s",
				 optarg);
			break;
		case OPT_SRTP:
			if (strcmp(optarg, "optional") == 0)
				o->focus.sdp.srtp = CP_SDP_SRTP_OPTIONAL;
			else if (strcmp(optarg, "mandatory") == 0)
				o->focus.sdp.srtp = CP_SDP_SRTP_MANDATORY;
			else if (strcmp(optarg, "off") == 0)
				o->focus.sdp.srtp = CP_SDP_SRTP_OFF;
			else {
				LOG_ERR("--srtp %s: optional, mandatory or off",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_SRTP_CLEAR:
			o->focus.srtp_keys_in_clear = true;
			break;
		case 'C': {
			char e[160];

			if (cp_sdp_cfg_set_codecs(&o->focus.sdp, optarg, e,
						  sizeof(e)) < 0) {
				LOG_ERR("--codecs %s: %s", optarg, e);
				return -EINVAL;
			}
			break;
		}
		case 't':
			if (!opt_num(optarg, 0, 65, &v)) {
				LOG_ERR("--media-timeout %s: seconds, 0..65",
					optarg);
				return -EINVAL;
			}
			o->focus.media_timeout_ms = (uint16_t)(v * 1000);
			break;
		case OPT_RING_TIMEOUT:
			if (!opt_num(optarg, 0, CP_FOCUS_RING_MAX_S, &v)) {
				LOG_ERR("--ring-timeout %s: seconds, 0..%d (0: "
					"never)",
					optarg, CP_FOCUS_RING_MAX_S);
				return -EINVAL;
			}
			o->focus.ring_timeout_ms = (uint32_t)(v * 1000);
			break;
		case 'r':
			o->region = optarg;
			break;
		case 'w':
			if (!opt_num(optarg, 0, 86400, &v)) {
				LOG_ERR("--wait %s: expected seconds, 0..86400",
					optarg);
				return -EINVAL;
			}
			o->wait_s = v;
			break;
		case 's':
			if (parse_sip(optarg, o) < 0) {
				LOG_ERR("--sip %s: expected ADDR:PORT with a "
					"numeric address", optarg);
				return -EINVAL;
			}
			break;
		case 'l':
			if (tutti_log_parse(optarg, &lvl) < 0) {
				LOG_ERR("--log-level %s: expected error, warn, "
					"info or debug", optarg);
				return -EINVAL;
			}
			tutti_log_init("tutti-cp", lvl);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("tutti-cp %s\n", CP_VERSION);
			exit(0);
		default:
			fprintf(stderr, "try 'tutti-cp --help'\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		LOG_ERR("unexpected argument '%s' (try 'tutti-cp --help')",
			argv[optind]);
		return -EINVAL;
	}
	{
		/* the codecs against the tick, as cp_focus_new() sets it */
		struct cp_sdp_cfg sc = o->focus.sdp;
		char e[256];

		sc.ptime_ms = o->focus.ptime_ms;
		if (cp_sdp_cfg_check(&sc, e, sizeof(e)) < 0) {
			LOG_ERR("--codecs with --ptime %u: %s",
				o->focus.ptime_ms, e);
			return -EINVAL;
		}
	}
	if (o->session_expires_s != 0 && o->min_se_s > o->session_expires_s) {
		LOG_ERR("--min-se %u above --session-expires %u",
			o->min_se_s, o->session_expires_s);
		return -EINVAL;
	}
	if (o->focus.sdp.srtp == CP_SDP_SRTP_MANDATORY && o->tls.cert == NULL &&
	    !o->focus.srtp_keys_in_clear) {
		LOG_ERR("--srtp mandatory needs --tls-cert: SRTP's SDES keys go "
			"only over TLS (RFC 4568 8.3), unless "
			"--srtp-keys-in-clear");
		return -EINVAL;
	}
	if (o->focus.srtp_keys_in_clear && o->focus.sdp.srtp == CP_SDP_SRTP_OFF) {
		LOG_ERR("--srtp-keys-in-clear with --srtp off: no SRTP to key");
		return -EINVAL;
	}
	if (o->focus.srtp_keys_in_clear)
		LOG_WARN("--srtp-keys-in-clear: SRTP keys go over UDP and TCP "
			 "in the clear: anyone who reads the SIP can decrypt "
			 "the media");
	if (o->assert_identity && o->n_trust == 0) {
		LOG_ERR("--assert-identity needs --trust: the networks of the "
			"next hops a dial-out may assert its identity to");
		return -EINVAL;
	}
	if ((o->tls.cert == NULL) != (o->tls.key == NULL)) {
		LOG_ERR("--tls-cert and --tls-key go together (the "
			"certificate, and its private key)");
		return -EINVAL;
	}
	if (o->tls.cert == NULL &&
	    (o->tls.ca != NULL || o->tls.port != 0 || o->tls.verify_client ||
	     o->tls.n_trust_names > 0)) {
		LOG_ERR("--tls-ca, --tls-port, --tls-verify-client and "
			"--trust-tls need --tls-cert and --tls-key");
		return -EINVAL;
	}
	if (o->tls.cert != NULL && o->sip_addr[0] == '\0') {
		LOG_ERR("--tls-cert needs --sip (TLS is one of its "
			"transports)");
		return -EINVAL;
	}
	if (o->creds_path != NULL && o->sip_addr[0] == '\0') {
		LOG_ERR("--credentials needs --sip (they answer its "
			"dial-outs' challenges)");
		return -EINVAL;
	}
	if (o->n_proxies > 0 && o->sip_addr[0] == '\0') {
		LOG_ERR("--outbound-proxy needs --sip (it takes SIP's "
			"dial-outs)");
		return -EINVAL;
	}
	for (unsigned i = 0; i < o->n_proxies; i++)
		if (!cp_sip_proxy_ok(o->outbound_proxy[i], o->sip_addr)) {
			LOG_ERR("--outbound-proxy %s: not a sip: or sips: URI "
				"with a host name or a numeric address of "
				"--sip %s's family (and a port, or none), over "
				"UDP, ;transport=tcp or tls, e.g. "
				"sip:198.18.0.5:5060 or sips:sbc.carrier.example",
				o->outbound_proxy[i], o->sip_addr);
			return -EINVAL;
		} else if (o->tls.cert == NULL &&
			   cp_sip_proxy_is_tls(o->outbound_proxy[i])) {
			LOG_ERR("--outbound-proxy %s: TLS needs --tls-cert and "
				"--tls-key",
				o->outbound_proxy[i]);
			return -EINVAL;
		}
	if (o->n_regs > 0 && o->sip_addr[0] == '\0') {
		LOG_ERR("--register needs --sip (it registers SIP's "
			"address)");
		return -EINVAL;
	}
	for (unsigned i = 0; i < o->n_regs; i++) {
		char why[160];
		bool tls;

		if (!cp_sip_register_ok(o->register_aor[i], o->sip_addr, &tls,
					why, sizeof(why))) {
			LOG_ERR("--register %s: %s (e.g. "
				"sip:conf@carrier.example or "
				"sip:+15551230000@198.18.0.5;transport=tcp)",
				o->register_aor[i], why);
			return -EINVAL;
		}
		if (o->tls.cert == NULL && tls) {
			LOG_ERR("--register %s: TLS needs --tls-cert and "
				"--tls-key", o->register_aor[i]);
			return -EINVAL;
		}
	}
	if (o->dns != NULL) {
		struct cp_dns *d = NULL;
		char err[200];

		if (cp_dns_open(&d, o->dns, AF_INET, err, sizeof(err)) < 0) {
			LOG_ERR("--dns %s: %s (e.g. 198.18.0.53 or "
				"198.18.0.53:5353,[2001:db8::53]:53)",
				o->dns, err);
			return -EINVAL;
		}
		cp_dns_close(d);
	}
	if (o->sip_addr[0] != '\0')
		snprintf(o->focus.host, sizeof(o->focus.host), "%s",
			 o->sip_addr);
	if (o->ctl_path[0] == '\0')
		snprintf(o->ctl_path, sizeof(o->ctl_path), "%s/tutti-cp.%s.sock",
			 geteuid() == 0 ? "/run" : "/tmp", o->region + 1);
	if (o->state_path[0] == '\0')
		snprintf(o->state_path, sizeof(o->state_path),
			 "%s/tutti-cp.%s.state",
			 geteuid() == 0 ? "/run" : "/tmp", o->region + 1);
	o->focus.state_path = o->state_path;
	if (!o->media_given && o->sip_addr[0] != '\0' &&
	    inet_pton(AF_INET, o->sip_addr, o->focus.media_addr[0] + 12) != 1) {
		LOG_ERR("--media-ip is needed: the --sip address is not IPv4");
		return -EINVAL;
	}
	return 0;
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		quit = 1;
}

/* Each line of a policy loader's message, logged as an error. */
static void
log_lines(const char *what, const char *err)
{
	const char *p = err;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		LOG_ERR("%s%.*s", what, n, p);
		p += n + (nl != NULL);
	}
}

/*
 * --credentials read into creds (again: by SIGHUP), and said: the realms
 * and users (never a password), and a warning if others than its owner
 * may read the file. -EINVAL: refused (said; creds as they were).
 */
static int
load_creds(const char *path, bool again)
{
	static struct cp_creds fresh; /* 24 kB */
	char err[512], realms[400] = "";
	struct stat st;
	size_t n = 0;

	if (cp_creds_load(&fresh, path, err, sizeof(err)) < 0) {
		if (again)
			LOG_ERR("credentials reload refused, those in force "
				"stay: %s", err);
		else
			LOG_ERR("--credentials refused: %s", err);
		return -EINVAL;
	}
	creds = fresh;
	memset(&fresh, 0, sizeof(fresh));
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		LOG_WARN("--credentials %s: others than its owner may read it "
			 "(mode %03o): chmod 600 it",
			 path, (unsigned)(st.st_mode & 0777));
	for (unsigned i = 0; i < creds.n && n < sizeof(realms); i++) {
		const struct cp_cred *c = &creds.c[i];
		bool md5 = c->ha1_md5[0] != '\0', sha = c->ha1_sha256[0] != '\0';
		const char *how = c->password[0] != '\0' ? ""
				  : md5 && sha	     ? ", HA1s MD5, SHA-256"
				  : md5		     ? ", HA1 MD5"
						     : ", HA1 SHA-256";
		bool any = c->realm[0] == '*';

		n += (size_t)snprintf(realms + n, sizeof(realms) - n,
				      "%s%s%s%s (user %s%s)", i ? ", " : "",
				      any ? "" : "\"", c->realm, any ? "" : "\"",
				      c->user, how);
	}
	LOG_INFO("credentials %s%s: %u realm%s, %s; a dial-out, or a request "
		 "in a dialog, challenged (401, 407) goes again with its "
		 "realm's",
		 path, again ? " read again" : "", creds.n,
		 creds.n == 1 ? "" : "s", realms);
	return 0;
}

/* SIGHUP: TLS's files again; bad ones keep those in force. */
static void
reload_tls(const struct cp_opts *o)
{
	char why[256];

	if (o->tls.cert == NULL || sip == NULL)
		return;
	if (cp_sip_tls_reload(sip, &o->tls, why, sizeof(why)) < 0) {
		LOG_ERR("TLS reload refused, the old certificate stays: %s",
			why);
		return;
	}
	LOG_INFO("TLS certificate %s, key %s%s%s read again: new "
		 "connections get them",
		 o->tls.cert, o->tls.key, o->tls.ca != NULL ? ", CAs " : "",
		 o->tls.ca != NULL ? o->tls.ca : "");
}

/* SIGHUP: the policy file again, and TLS's; a bad one keeps the one in
 * force. */
static void
reload_files(const struct cp_opts *o)
{
	static char err[8192];

	reload = 0;
	reload_tls(o);
	if (o->creds_path != NULL && sip != NULL)
		(void)load_creds(o->creds_path, true);
	if (o->policy_path == NULL) {
		if (o->tls.cert == NULL && o->creds_path == NULL)
			LOG_INFO("SIGHUP: no --policy, --tls-cert or "
				 "--credentials to read again");
		return;
	}
	if (cp_policy_reload(&policy, o->policy_path, err, sizeof(err)) < 0) {
		log_lines("policy reload refused, the old one stays: ", err);
		return;
	}
	cp_focus_set_policy(focus, policy);
	LOG_INFO("policy %s read again", o->policy_path);
}

/* Wait ns; with SIP, the wait is spent serving it. */
static void
sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL),
			       .tv_nsec = (long)(ns % 1000000000ULL) };

	cp_ctlsock_poll(ctl);
	cp_metrics_poll(metrics);
	if (focus != NULL)
		cp_focus_poll(focus);
	if (sip != NULL && ns >= 1000000ULL) {
		cp_sip_poll(sip, (int)(ns / 1000000ULL));
		return;
	}
	if (sip != NULL)
		cp_sip_poll(sip, 0);
	nanosleep(&ts, NULL);	/* a signal cuts it short: fine */
}

/*
 * At a clean stop: the dial-outs still ringing are cancelled and the
 * registrations unregistered, and SIP is served until the 487s come
 * (each ACKed) and the registrars answer, 2 s at most; the operator
 * socket is closed first (no new dial-out meanwhile).
 */
static void
stop_dialling(void)
{
	uint64_t end = shm_now_ns() + 2000000000ULL;
	unsigned int n = 0, u = 0;

	cp_ctlsock_close(ctl);
	ctl = NULL;
	if (focus != NULL && sip != NULL &&
	    (n = cp_focus_stop_dialling(focus)) > 0)
		LOG_INFO("stopping: %u dial-out%s ringing: cancelled", n,
			 n == 1 ? "" : "s");
	if (sip != NULL && (u = cp_sip_unregister(sip)) > 0)
		LOG_INFO("stopping: %u registration%s: unregistering", u,
			 u == 1 ? "" : "s");
	while ((n > 0 || u > 0) && shm_now_ns() < end) {
		sleep_ns(CP_LOOP_NS);
		if (n > 0)
			n = cp_focus_stop_dialling(focus);
		if (u > 0)
			u = cp_sip_unregister(sip);
	}
	if (u > 0)
		LOG_WARN("stopping: %u registration%s not unregistered in 2 s "
			 "(each lapses at its registrar)", u,
			 u == 1 ? "" : "s");
}

/* Files the rest of tutti-cp may hold open beside its SIP connections
 * (listeners, epoll, DNS, the operator socket's and metrics' clients). */
#define CP_SPARE_FILES 128

/*
 * Each SIP connection is a file: the open files limit is raised to its
 * hard limit as far as --max-conns needs; a --max-conns beyond it is
 * refused, the default lowered to it (with a warning). Without it, the
 * connection after the limit would fail in accept(), which the listener
 * would then ask again and again.
 */
static int
files_for_conns(struct cp_opts *o)
{
	rlim_t want = (rlim_t)o->max_conns + CP_SPARE_FILES;
	struct rlimit rl;

	if (o->sip_addr[0] == '\0')
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0; /* nothing known: left as it is */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
				      rl.rlim_max > want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 ||
		    getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return 0;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return 0;
	if (o->max_conns_given || rl.rlim_cur <= 2 * CP_SPARE_FILES) {
		LOG_ERR("--max-conns %u needs %llu open files; this process "
			"may have %llu (raise it: ulimit -n, or LimitNOFILE= "
			"in a systemd unit)", o->max_conns,
			(unsigned long long)want,
			(unsigned long long)rl.rlim_cur);
		return -EMFILE;
	}
	o->max_conns = (uint32_t)(rl.rlim_cur - CP_SPARE_FILES);
	LOG_WARN("SIP connections limited to %u by the open files limit "
		 "(%llu): raise it for --max-conns' default, 1024",
		 o->max_conns, (unsigned long long)rl.rlim_cur);
	return 0;
}

static int
open_sip(const struct cp_opts *o)
{
	char tls_why[256] = "";
	struct cp_sip_conf conf = { .addr = o->sip_addr,
				    .port = o->sip_port,
				    .contact_params = ";isfocus",
				    .rate_limit_per_s = o->rate_limit,
				    .rate_burst = o->rate_burst,
				    .max_transactions = o->max_txn,
				    .max_conns = o->max_conns,
				    .conn_idle_ms = o->conn_idle_ms,
				    .max_conns_per_addr = o->conns_per_addr,
				    .proxy_timeout_ms = o->proxy_timeout_ms,
				    .proxy_ping_ms = o->proxy_ping_ms,
				    .dns_servers = o->dns,
				    .tls = o->tls.cert != NULL ? &o->tls : NULL,
				    .tls_why = tls_why,
				    .tls_why_len = sizeof(tls_why),
				    .session_expires_s = o->session_expires_s,
				    .min_se_s = o->min_se_s,
				    .trust = o->trust,
				    .n_trust = o->n_trust,
				    .assert_identity = o->assert_identity };
	struct cp_sip_app app;
	char proxies[CP_SIP_MAX_PROXIES * 170] = "";
	char tls[400] = "";
	int rc;

	memcpy(conf.outbound_proxy, o->outbound_proxy,
	       sizeof(conf.outbound_proxy));
	memcpy(conf.register_aor, o->register_aor, sizeof(conf.register_aor));
	conf.register_expires_s = o->register_expires_s;
	for (unsigned i = 0, n = 0; i < o->n_proxies; i++)
		n += (unsigned)snprintf(proxies + n, sizeof(proxies) - n,
					"%s%s", i ? ", then " : "",
					o->outbound_proxy[i]);

	if (o->sip_addr[0] == '\0')
		return 0;
	cp_focus_sip_app(focus, &app);
	if ((rc = cp_sip_open(&sip, &conf, &app)) < 0) {
		if (tls_why[0] != '\0')
			LOG_ERR("--tls-cert %s --tls-key %s: %s", o->tls.cert,
				o->tls.key, tls_why);
		else
			LOG_ERR("--sip %s:%u: %s", o->sip_addr, o->sip_port,
				rc == -EINVAL ? "not a specific numeric "
						"address"
					      : strerror(-rc));
		return rc;
	}
	cp_focus_set_sip(focus, sip);
	if (o->creds_path != NULL)
		cp_sip_set_creds(sip, &creds);
	if (o->tls.cert != NULL)
		snprintf(tls, sizeof(tls),
			 ", TLS on port %u (certificate %s; peers checked "
			 "against %s%s)",
			 cp_sip_tls_port(sip), o->tls.cert,
			 o->tls.ca != NULL ? o->tls.ca : "the system's CAs",
			 o->tls.verify_client ? ", clients too" : "");
	LOG_INFO("SIP on %s port %u, UDP and TCP%s; conference factory "
		 "sip:%s@%s, %u standing conference%s (first sip:%s@%s)%s%s",
		 o->sip_addr, cp_sip_port(sip), tls, o->focus.factory,
		 o->sip_addr,
		 o->focus.n_names, o->focus.n_names == 1 ? "" : "s",
		 o->focus.n_names ? o->focus.names[0] : "-", o->sip_addr,
		 o->n_proxies > 1 ? "; dial-outs through the outbound "
		 "proxies " : o->n_proxies ? "; dial-outs through the "
		 "outbound proxy " : "", proxies);
	if (o->conn_idle_ms == UINT32_MAX)
		LOG_INFO("TCP and TLS connections: at most %u (%u from one "
			 "address), kept however long idle", o->max_conns,
			 o->conns_per_addr);
	else
		LOG_INFO("TCP and TLS connections: at most %u (%u from one "
			 "address), closed after %u s idle", o->max_conns,
			 o->conns_per_addr, o->conn_idle_ms / 1000);
	if (o->n_trust > 0 || o->tls.n_trust_names > 0) {
		const char *names = o->tls.n_trust_names > 0 ? o->trust_tls_text
							      : "";

		LOG_INFO("trust domain (RFC 3325): %s%s%s%s; the "
			 "P-Asserted-Identity of requests from there says who "
			 "calls, elsewhere's is ignored%s",
			 o->n_trust > 0 ? o->trust_text : "",
			 o->n_trust > 0 && names[0] != '\0' ? " and " : "",
			 names[0] != '\0' ? "TLS certificates naming " : "",
			 names,
			 o->assert_identity ? "; dial-outs to its networks "
					      "assert their conference's URI"
					    : "");
	}
	if (o->session_expires_s != 0)
		LOG_INFO("session timers: at most %u s, at least %u s; calls "
			 "not refreshed in time are hung up",
			 o->session_expires_s, o->min_se_s);
	else
		LOG_INFO("session timers off");
	if (o->n_proxies > 0 && o->proxy_ping_ms != 0)
		LOG_INFO("outbound proxies: OPTIONS keepalives every %u s; "
			 "a dial-out goes on to the next proxy on 503, or "
			 "after %u ms without an answer",
			 o->proxy_ping_ms / 1000, o->proxy_timeout_ms);
	else if (o->n_proxies > 0)
		LOG_INFO("outbound proxies: no keepalives (a proxy found down "
			 "is tried again after 30 s); a dial-out goes on to "
			 "the next proxy on 503, or after %u ms without an "
			 "answer", o->proxy_timeout_ms);
	for (unsigned i = 0; i < o->n_regs; i++)
		LOG_INFO("registration %s: %u s asked%s", o->register_aor[i],
			 o->register_expires_s,
			 o->n_proxies > 0 ? ", through the outbound proxies"
					  : "");

	return 0;
}

static void
close_sip(void)
{
	char json[4096];

	if (sip == NULL)
		return;
	cp_sip_stats_json(sip, json, sizeof(json));
	LOG_INFO("SIP counters: %s", json);
	cp_sip_close(sip);
	sip = NULL;
}

static void
on_hello(void *cookie, const struct shm_msg *cmd, int status)
{
	struct hello_state *hs = cookie;

	(void)cmd;
	hs->answered++;
	if (status == 0)
		hs->ok++;
}

static void
on_event(void *ctx, unsigned int worker, const struct shm_msg *ev)
{
	(void)ctx;
	if (focus != NULL)
		cp_focus_on_event(focus, worker, ev);
	if (ev->hdr.type == SHM_EVT_STATS)
		LOG_DEBUG("worker %u: %u conferences, %u legs, %" PRIu64
			  " rx, %" PRIu64 " tx, %" PRIu64 " drops, %u late "
			  "ticks", worker, ev->body.stats.n_confs,
			  ev->body.stats.n_legs, ev->body.stats.rx_pkts,
			  ev->body.stats.tx_pkts, ev->body.stats.drops,
			  ev->body.stats.late_ticks);
	else
		LOG_DEBUG("worker %u: event %s", worker,
			  shm_msg_type_name(ev->hdr.type));
}

/* The legs tutti-dp runs, and their conferences' ids (all of them:
 * counted distinct once read). */
struct learn {
	uint32_t legs;
	uint32_t n, cap;
	uint32_t *conf;
	bool oom;
};

static void
learn_leg(void *ctx, const struct shm_leg_entry *e)
{
	struct learn *l = ctx;

	l->legs++;
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 256;
		uint32_t *c = realloc(l->conf, cap * sizeof(*c));

		if (c == NULL) {
			l->oom = true;
			return;
		}
		l->conf = c;
		l->cap = cap;
	}
	l->conf[l->n++] = e->conf_id;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* How many distinct conferences l's legs are in. */
static uint32_t
learn_confs(struct learn *l)
{
	uint32_t k = 0;

	if (l->n == 0)
		return 0;	/* l->conf is NULL: not for qsort() */
	qsort(l->conf, l->n, sizeof(*l->conf), cmp_u32);
	for (uint32_t i = 0; i < l->n; i++)
		k += i == 0 || l->conf[i] != l->conf[i - 1];
	return k;
}

/*
 * Attach, retrying while the region is missing or still starting, until
 * the deadline (0 = try once). Returns 0 or the error; err says why.
 */
static int
attach_wait(struct cp_dpctl *d, const char *name, uint64_t wait_ns,
	    bool restart, char *err, size_t errlen)
{
	uint64_t deadline = shm_now_ns() + wait_ns;
	bool said = false;
	int rc;

	for (;;) {
		rc = cp_dpctl_attach(d, name, shm_now_ns(), err, errlen);
		if (rc == 0 || quit)
			return rc;
		/* A stale region is final at start; after a loss, wait on. */
		if (rc != -ENOENT && rc != -EAGAIN && !(restart &&
							rc == -ESTALE))
			return rc;
		if (!restart && shm_now_ns() >= deadline)
			return rc;
		if (!said) {
			LOG_INFO("waiting for tutti-dp: %s", err);
			said = true;
		}
		sleep_ns(CP_RETRY_NS);
	}
}

static void
say_found(struct cp_dpctl *d, uint64_t prev_gen)
{
	const struct shm_region_hdr *h = d->region.hdr;
	char lcores[256];
	size_t len = 0;
	struct learn l = { 0 };
	uint32_t confs;

	lcores[0] = '\0';
	for (uint32_t w = 0; w < h->n_workers && len < sizeof(lcores); w++)
		len += (size_t)snprintf(lcores + len, sizeof(lcores) - len,
					"%s%u", w ? "," : "",
					h->worker_lcore[w]);
	cp_dpctl_legs(d, learn_leg, &l);
	confs = learn_confs(&l);
	free(l.conf);
	if (prev_gen != 0)
		LOG_INFO("tutti-dp restarted: generation %#" PRIx64 " -> %#"
			 PRIx64, prev_gen, h->generation);
	LOG_INFO("found tutti-dp %s pid %u: region %s generation %#" PRIx64
		 ", protocol %u.%u, %u worker%s on lcore%s %s; it runs %u "
		 "leg%s in %u%s conference%s", h->dp_version, h->dp_pid,
		 d->region.name, h->generation, h->ver_major, h->ver_minor,
		 h->n_workers, h->n_workers == 1 ? "" : "s",
		 h->n_workers == 1 ? "" : "s", lcores, l.legs,
		 l.legs == 1 ? "" : "s", confs, l.oom ? " or more" : "",
		 confs == 1 ? "" : "s");
}

/*
 * HELLO every worker and wait (bounded) for the answers, so the log line
 * that says both processes found each other carries a real round trip.
 */
static void
say_hello(struct cp_dpctl *d)
{
	/* Static: a late answer after the deadline still finds its cookie. */
	static struct hello_state hs;
	uint64_t deadline;
	char err[256];

	memset(&hs, 0, sizeof(hs));
	hs.sent_ns = shm_now_ns();
	deadline = hs.sent_ns + 2000000000ULL;

	for (uint32_t w = 0; w < d->region.hdr->n_workers; w++) {
		struct shm_msg m;

		shm_msg_init(&m, SHM_CMD_HELLO, 0, 0);
		m.body.hello.cp_pid = (uint32_t)getpid();
		m.body.hello.cp_start_ns = hs.sent_ns;
		if (cp_dpctl_send(d, w, &m, on_hello, &hs) > 0)
			hs.want++;
		else
			hs.unsent++;
	}
	/* Nothing else is served meanwhile (no sleep_ns()): a call or a
	 * provisioning taken between the attach and the takeover would be
	 * given leg ids the state file's calls hold, and the takeover would
	 * find its legs on tutti-dp and not in the state. SIP and tuttictl
	 * wait in their sockets, at most the deadline. */
	while (hs.answered < hs.want && !quit && shm_now_ns() < deadline) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 20000 };

		if (cp_dpctl_poll(d, shm_now_ns(), err, sizeof(err)) < 0)
			break;
		nanosleep(&ts, NULL);
	}
	if (hs.ok == hs.want && hs.unsent == 0)
		LOG_INFO("tutti-dp answered on all %u worker ring%s (round "
			 "trip %" PRIu64 " us)", hs.want,
			 hs.want == 1 ? "" : "s",
			 (shm_now_ns() - hs.sent_ns) / 1000);
	else
		LOG_ERR("tutti-dp answered HELLO on %u of %u worker rings",
			hs.ok, hs.want + hs.unsent);
}

int
main(int argc, char **argv)
{
	struct cp_dpctl d;
	struct cp_opts o;
	char err[512];
	uint64_t gen = 0;
	int rc;

	tutti_log_init("tutti-cp", TUTTI_LOG_INFO);
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (o.policy_path != NULL) {
		static char perr[8192];

		if (cp_policy_load(o.policy_path, &policy, perr,
				   sizeof(perr)) < 0) {
			log_lines("", perr);
			LOG_ERR("policy %s refused (see above)", o.policy_path);
			return 2;
		}
		LOG_INFO("policy %s", o.policy_path);
	}
	if (o.creds_path != NULL && load_creds(o.creds_path, false) < 0) {
		cp_policy_destroy(policy);
		return 2;
	}
	cp_dpctl_init(&d, on_event, NULL);
	LOG_INFO("tutti-cp %s starting: region %s", CP_VERSION, o.region);
	rc = cp_focus_new(&focus, &o.focus, &d);
	if (rc < 0) {
		LOG_ERR("cannot set up the focus: %s", strerror(-rc));
		cp_policy_destroy(policy);
		return 1;
	}
	if (policy != NULL)
		cp_focus_set_policy(focus, policy);
	if (files_for_conns(&o) < 0 || open_sip(&o) < 0) {
		cp_focus_free(focus);
		return 1;
	}
	rc = cp_ctlsock_open(&ctl, o.ctl_path, cp_focus_ctl, focus);
	if (rc < 0)
		LOG_WARN("no operator socket at %s: %s (tuttictl will not "
			 "reach this tutti-cp)", o.ctl_path, strerror(-rc));
	else
		LOG_INFO("operator socket %s (tuttictl --socket %s)",
			 o.ctl_path, o.ctl_path);
	if (o.metrics_addr[0] != '\0') {
		rc = cp_metrics_open(&metrics, o.metrics_addr, o.metrics_port,
				     cp_focus_metrics, focus);
		if (rc < 0) {
			LOG_ERR("--metrics %s:%u: %s", o.metrics_addr,
				o.metrics_port, strerror(-rc));
			cp_ctlsock_close(ctl);
			close_sip();
			cp_focus_free(focus);
			return 1;
		}
		LOG_INFO("metrics on http://%s:%u/metrics", o.metrics_addr,
			 cp_metrics_port(metrics));
	}
	rc = attach_wait(&d, o.region, o.wait_s * 1000000000ULL, false, err,
			 sizeof(err));
	if (rc < 0) {
		close_sip();
		cp_ctlsock_close(ctl);
		ctl = NULL;
		if (quit)
			return 0;
		LOG_ERR("cannot attach to tutti-dp: %s", err);
		return 1;
	}
	say_found(&d, 0);
	cp_focus_check_media(focus);
	gen = d.generation;
	say_hello(&d);
	LOG_INFO("state file %s", o.state_path);
	cp_focus_takeover(focus);
	while (!quit) {
		rc = cp_dpctl_poll(&d, shm_now_ns(), err, sizeof(err));
		if (rc == -ENOTCONN) {
			LOG_WARN("lost tutti-dp: %s; waiting for it to come "
				 "back", err);
			cp_focus_dp_lost(focus);
			cp_dpctl_detach(&d);
			if (attach_wait(&d, o.region, 0, true, err,
					sizeof(err)) < 0) {
				if (quit)
					break;
				LOG_ERR("cannot attach to tutti-dp: %s", err);
				cp_focus_flush(focus);
				close_sip();
				cp_ctlsock_close(ctl);
				ctl = NULL;
				return 1;
			}
			say_found(&d, gen);
			cp_focus_check_media(focus);
			gen = d.generation;
			say_hello(&d);
			cp_focus_replay(focus);
			continue;
		}
		if (reload)
			reload_files(&o);
		sleep_ns(CP_LOOP_NS);
	}
	LOG_INFO("stopping: %" PRIu64 " commands sent, %" PRIu64
		 " answered, %" PRIu64 " events", d.n_sent, d.n_status,
		 d.n_events);
	stop_dialling();
	cp_focus_flush(focus);	/* before the SIP layer and its dialogs go */
	cp_dpctl_detach(&d);
	close_sip();
	cp_ctlsock_close(ctl);
	cp_metrics_close(metrics);
	cp_focus_free(focus);
	cp_policy_destroy(policy);
	return 0;
}
