/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sdp.c: SDP offer/answer for the focus's audio legs (see sdp.h). Control
 * plane, cold path (once per INVITE/re-INVITE/2xx), any thread.
 *
 * The parser is our own rather than libosip2's sdp_message_*: osip_* types
 * stay in sip.c (STYLE.md section 3), and libosip2's parser is lenient and
 * reports no reason, where a 400 or 488 here must say what was wrong. It
 * works in two passes over the caller's buffer, copying nothing: first the
 * lines (bounded count, CRLF or LF, no NUL, closed set of types, structure
 * of the session and media sections, o= c= t= m= syntax), then, per audio
 * m= line, its attributes (rtpmap, ptime, maxptime, direction; crypto on
 * an RTP/SAVP line). Every number is parsed with its bound; every read is
 * within the given length.
 */
#include "sdp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "shm_msg.h"

/* A span of the input: not NUL-terminated. */
struct str {
	const char *p;
	size_t n;
};

struct line {
	const char *v; /* the value, after "x=" */
	uint16_t n;    /* bytes of the value */
	char type;     /* the letter before '=' */
};

enum conn_kind {
	CONN_NONE = 0, /* no c= line at this level */
	CONN_IP4,      /* a unicast IPv4 address, in ip[] */
	CONN_IP6,
	CONN_HOST,  /* a host name: needs DNS */
	CONN_MCAST, /* an IPv4 multicast group */
};

struct conn {
	uint8_t kind; /* enum conn_kind */
	uint8_t ip[4];
	unsigned int line; /* 1-based line of the c= */
};

struct media {
	struct str name;  /* "audio", "video", ... */
	struct str proto; /* "RTP/AVP", ... */
	struct str fmt0;  /* first format, for a rejecting answer */
	struct str fmts;  /* all formats, space separated */
	unsigned int port;
	unsigned int n_ports; /* the "/2" of "49170/2"; 1 if absent */
	unsigned int line;    /* 1-based line of the m= */
	unsigned int first;   /* index of its first attribute line */
	unsigned int end;     /* index past its last line */
	struct conn c;	      /* media-level c= */
	bool rtp_avp;	      /* proto is RTP/AVP: formats are PTs */
	bool rtp_savp;	      /* proto is RTP/SAVP: formats should be PTs,
			       * checked when the line is evaluated */
};

struct sdp {
	struct line lines[CP_SDP_MAX_LINES];
	unsigned int n_lines;
	unsigned int sess_end;	    /* index of the first m= line */
	struct conn c;		    /* session-level c= */
	struct str t_start, t_stop; /* first t= line */
	struct media m[CP_SDP_MAX_MEDIA];
	unsigned int n_media;
};

/* A payload type's meaning: from a=rtpmap or the static table. */
struct fmtmap {
	bool set;
	struct str name; /* encoding name, case-insensitive */
	uint32_t rate;	 /* clock rate, Hz */
	uint8_t ch;	 /* channels, 1 if absent */
};

/* The attributes of one level (session, then a media overriding it). */
struct attrs {
	struct fmtmap map[128]; /* by PT; media level only */
	int dir;		/* enum shm_dir, -1 = not given */
	unsigned int ptime_ms;	/* 0 = not given */
	unsigned int maxptime_ms;
};

/* An audio m= line's payload types, in the offer's order, no repeats. */
struct pts {
	uint8_t pt[128];
	unsigned int n;
};

/* What the focus offers: cp_sdp_offer() writes it, process_answer reads. */
struct ofmt {
	uint8_t pt;
	bool dtmf;     /* telephone-event at rate_hz */
	uint8_t codec; /* enum shm_codec, if !dtmf */
	uint32_t rate_hz;
};

/* An a=crypto line the focus can use (RFC 4568). */
struct crypto {
	uint32_t tag;	/* 1..999999999 */
	uint8_t suite;	/* enum shm_srtp_suite */
	uint8_t key[SHM_SRTP_KEY_BYTES]; /* master key then salt */
};

/* A writer into a caller's buffer; full once anything did not fit. */
struct out {
	char *p;
	size_t cap;
	size_t n;
	bool full;
};

static const char *const dir_name[SHM_DIR_MAX_] = {
	[SHM_DIR_SENDRECV] = "sendrecv",
	[SHM_DIR_SENDONLY] = "sendonly",
	[SHM_DIR_RECVONLY] = "recvonly",
	[SHM_DIR_INACTIVE] = "inactive",
};

static const char *const codec_name[SHM_CODEC_MAX_] = {
	[SHM_CODEC_PCMU] = "PCMU",
	[SHM_CODEC_PCMA] = "PCMA",
	[SHM_CODEC_L16] = "L16",
};


/* The suite cp_sdp_offer() offers under each a=crypto tag (1 and 2). */
static const uint8_t offer_suite[3] = {
	[1] = SHM_SRTP_AES_CM_128_HMAC_SHA1_80,
	[2] = SHM_SRTP_AES_CM_128_HMAC_SHA1_32,
};

/* The L16 rates the data plane runs (dataplane/l16.h,
 * dp_l16_rate_is_supported(); the control plane links no media code). */
static const uint32_t l16_rates[] = { 8000, 16000, 32000, 44100, 48000 };

/* ---- errors ---- */

/* Make err safe for a Warning header's quoted text: printable ASCII
 * without '"' or '\'. */
static void
sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			*s = '?';
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Write the reason into err (if any) and return rc. */
static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	sanitize(err);
	return rc;
}

/* A short printable copy of input bytes for an error message. */
struct echo {
	char s[40];
};

static const char *
echo(struct echo *e, const char *p, size_t n)
{
	size_t max = 24;

	if (n > max) {
		memcpy(e->s, p, max);
		memcpy(e->s + max, "...", 4);
	} else {
		memcpy(e->s, p, n);
		e->s[n] = '\0';
	}
	sanitize(e->s);
	return e->s;
}

/* ---- small parsers over spans ---- */

static bool
str_eq(struct str s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static bool
str_caseeq(struct str s, const char *lit)
{
	return s.n == strlen(lit) && strncasecmp(s.p, lit, s.n) == 0;
}

/* Next space-separated field of *rest (runs of spaces or tabs count as
 * one separator; trailing ones are ignored). false when none is left. */
static bool
next_field(struct str *rest, struct str *tok)
{
	size_t i = 0, j;

	while (i < rest->n && (rest->p[i] == ' ' || rest->p[i] == '\t'))
		i++;
	if (i == rest->n)
		return false;
	j = i;
	while (j < rest->n && rest->p[j] != ' ' && rest->p[j] != '\t')
		j++;
	tok->p = rest->p + i;
	tok->n = j - i;
	rest->p += j;
	rest->n -= j;
	return true;
}

/* Split s at the first c: head before, tail after. false if no c. */
static bool
split_at(struct str s, char c, struct str *head, struct str *tail)
{
	const char *x = memchr(s.p, c, s.n);

	if (x == NULL)
		return false;
	head->p = s.p;
	head->n = (size_t)(x - s.p);
	tail->p = x + 1;
	tail->n = s.n - head->n - 1;
	return true;
}

/* Decimal digits only, at most 10 of them, value <= max. */
static bool
parse_uint(struct str s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (s.n == 0 || s.n > 10)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* 1 to 20 decimal digits (o= sess-id/version, t= times: not kept). */
static bool
is_digits(struct str s)
{
	if (s.n == 0 || s.n > 20)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return true;
}

/* An SDP token (m= media, proto, fmt; rtpmap name): printable, no quote or
 * backslash, at most CP_SDP_MAX_TOKEN bytes; slash only if allowed. */
static bool
is_token(struct str s, bool slash)
{
	if (s.n == 0 || s.n > CP_SDP_MAX_TOKEN)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
			return false;
		if (c == '/' && !slash)
			return false;
	}
	return true;
}

/* A strict dotted quad: four decimal octets of 1-3 digits each. */
static bool
parse_ip4(struct str s, uint8_t ip[4])
{
	struct str rest = s, oct;

	for (int i = 0; i < 4; i++) {
		uint32_t v;

		if (i < 3) {
			if (!split_at(rest, '.', &oct, &rest))
				return false;
		} else {
			oct = rest;
		}
		if (oct.n > 3 || !parse_uint(oct, 255, &v))
			return false;
		ip[i] = (uint8_t)v;
	}
	return true;
}

/* A packet time: digits, optionally ".digits" (dropped), 1..1000 ms. */
static bool
parse_ms(struct str s, unsigned int *out)
{
	struct str ip, frac;
	uint32_t v;

	if (split_at(s, '.', &ip, &frac)) {
		if (frac.n == 0 || frac.n > 3)
			return false;
		for (size_t i = 0; i < frac.n; i++)
			if (frac.p[i] < '0' || frac.p[i] > '9')
				return false;
		s = ip;
	}
	if (!parse_uint(s, 1000, &v) || v == 0)
		return false;
	*out = v;
	return true;
}

/* ---- SDES keys (RFC 4568) ---- */

/* An SRTP key lifetime in packets (RFC 4568 section 6.1): decimal or
 * "2^"decimal. At least 2^31 (what SRTCP's index allows) is accepted. */
static bool
lifetime_ok(struct str s)
{
	uint64_t v = 0;
	uint32_t e;

	if (s.n > 2 && s.p[0] == '2' && s.p[1] == '^') {
		struct str x = { s.p + 2, s.n - 2 };

		return x.n <= 2 && parse_uint(x, 99, &e) && e >= 31;
	}
	if (!is_digits(s))
		return false;
	for (size_t i = 0; i < s.n && v < (1ULL << 31); i++)
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	return v >= (1ULL << 31);
}

/*
 * a=crypto:<tag> <crypto-suite> <key-params> [<session-params>] (RFC 4568
 * section 9.1; v is the value after "crypto:"). 0 if the focus can use it,
 * with c filled; -ENOTSUP if the suite is none of ours (or missing);
 * -EINVAL, the reason in why, if the suite is ours but the rest is not
 * acceptable: a bad tag, not exactly one key-param "inline:", a key and
 * salt that are not 30 bytes of base64, a lifetime below 2^31, an MKI, a
 * session parameter.
 */
static int
parse_crypto(struct str v, struct crypto *c, char *why, size_t cap)
{
	struct str tag, suite, kp, extra, method, info, key, tail;
	struct echo e;
	bool has_tail;
	int n;

	if (!next_field(&v, &tag) || !next_field(&v, &suite))
		return -ENOTSUP;
	c->suite = (uint8_t)shm_srtp_suite_of(suite.p, suite.n);
	if (c->suite == SHM_SRTP_NONE)
		return -ENOTSUP;
	if (tag.n > 9 || !parse_uint(tag, 999999999, &c->tag) || c->tag == 0)
		return fail(why, cap, -EINVAL, "tag '%s' is not 1 to 999999999",
			    echo(&e, tag.p, tag.n));
	if (!next_field(&v, &kp))
		return fail(why, cap, -EINVAL, "no key parameter");
	if (next_field(&v, &extra))
		return fail(why, cap, -EINVAL,
			    "session parameter '%s' is not supported",
			    echo(&e, extra.p, extra.n));
	if (memchr(kp.p, ';', kp.n) != NULL)
		return fail(why, cap, -EINVAL, "more than one key parameter");
	if (!split_at(kp, ':', &method, &info) || !str_caseeq(method, "inline"))
		return fail(why, cap, -EINVAL, "key method is not inline:");
	/* key-salt ["|" lifetime] ["|" mki-value ":" mki-length] */
	has_tail = split_at(info, '|', &key, &tail);
	if (!has_tail)
		key = info;
	if (memchr(info.p, ':', info.n) != NULL) /* only an MKI has one */
		return fail(why, cap, -EINVAL, "MKI is not supported");
	if (has_tail && (memchr(tail.p, '|', tail.n) != NULL ||
			 !lifetime_ok(tail)))
		return fail(why, cap, -EINVAL,
			    "lifetime '%s' is not 2^31 or more",
			    echo(&e, tail.p, tail.n));
	n = shm_b64_decode(key.p, key.n, c->key, sizeof(c->key));
	if (n < 0)
		return fail(why, cap, -EINVAL, "key is not base64");
	if (n != SHM_SRTP_KEY_BYTES)
		return fail(why, cap, -EINVAL,
			    "key and salt are %d bytes, not %d", n,
			    SHM_SRTP_KEY_BYTES);
	return 0;
}

/* ---- pass 1: lines and structure ---- */

static int
split_lines(struct sdp *s, const char *b, size_t len, char *err, size_t errlen)
{
	unsigned int no = 0, empty_at = 0;
	size_t i = 0;
	struct echo e;

	while (i < len) {
		size_t start = i;
		struct line *l;

		while (i < len && b[i] != '\n' && b[i] != '\r' && b[i] != '\0')
			i++;
		no++;
		if (i < len && b[i] == '\0')
			return fail(err, errlen, -EPROTO,
				    "line %u: NUL byte in the SDP", no);
		if (i < len && b[i] == '\r' &&
		    (i + 1 == len || b[i + 1] != '\n'))
			return fail(err, errlen, -EPROTO,
				    "line %u: CR not followed by LF", no);
		if (i == start) { /* empty: only at the end */
			if (empty_at == 0)
				empty_at = no;
			i += (i < len && b[i] == '\r') ? 2 : 1;
			continue;
		}
		if (empty_at != 0)
			return fail(err, errlen, -EPROTO,
				    "line %u: empty line inside the SDP",
				    empty_at);
		if (s->n_lines == CP_SDP_MAX_LINES)
			return fail(err, errlen, -EMSGSIZE,
				    "SDP of more than %d lines",
				    CP_SDP_MAX_LINES);
		if (i - start < 2 || b[start + 1] != '=')
			return fail(err, errlen, -EPROTO,
				    "line %u: not a <type>=<value> line: '%s'",
				    no, echo(&e, b + start, i - start));
		if (strchr("vosiuepcbtrzkam", b[start]) == NULL)
			return fail(err, errlen, -EPROTO,
				    "line %u: unknown line type '%s'", no,
				    echo(&e, b + start, 1));
		l = &s->lines[s->n_lines++];
		l->type = b[start];
		l->v = b + start + 2;
		l->n = (uint16_t)(i - start - 2);
		if (i < len)
			i += b[i] == '\r' ? 2 : 1;
	}
	return 0;
}

static struct str
line_str(const struct line *l)
{
	struct str s = { l->v, l->n };

	return s;
}

/* c=<nettype> <addrtype> <address>[/ttl[/n]] */
static int
parse_conn(const struct line *l, unsigned int no, struct conn *c, char *err,
	   size_t errlen)
{
	struct str rest = line_str(l), net, atype, addr, extra, host, ttl;
	struct echo e;

	if (c->kind != CONN_NONE)
		return fail(err, errlen, -EPROTO,
			    "line %u: a second c= line at this level", no);
	if (!next_field(&rest, &net) || !next_field(&rest, &atype) ||
	    !next_field(&rest, &addr) || next_field(&rest, &extra))
		return fail(err, errlen, -EPROTO,
			    "line %u: c= needs 3 fields: '%s'", no,
			    echo(&e, l->v, l->n));
	if (!str_eq(net, "IN"))
		return fail(err, errlen, -EPROTO,
			    "line %u: c= network type '%s' is not IN", no,
			    echo(&e, net.p, net.n));
	c->line = no;
	if (str_eq(atype, "IP6")) {
		c->kind = CONN_IP6;
		return 0;
	}
	if (!str_eq(atype, "IP4"))
		return fail(err, errlen, -EPROTO,
			    "line %u: c= address type '%s' is not IP4 or IP6",
			    no, echo(&e, atype.p, atype.n));
	if (!split_at(addr, '/', &host, &ttl))
		host = addr;
	if (parse_ip4(host, c->ip)) {
		if (c->ip[0] >= 224 && c->ip[0] <= 239) {
			c->kind = CONN_MCAST;
			return 0;
		}
		if (host.n != addr.n)
			return fail(err, errlen, -EPROTO,
				    "line %u: c= TTL on a unicast address", no);
		c->kind = CONN_IP4;
		return 0;
	}
	for (size_t i = 0; i < host.n; i++) {
		char ch = host.p[i];

		if (!(ch == '.' || ch == '-' || (ch >= '0' && ch <= '9') ||
		      (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
			goto bad;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
			c->kind = CONN_HOST;
	}
	if (c->kind == CONN_HOST && host.n == addr.n)
		return 0;
bad:
	c->kind = CONN_NONE;
	return fail(err, errlen, -EPROTO, "line %u: c= bad IPv4 address '%s'",
		    no, echo(&e, addr.p, addr.n));
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
static int
parse_origin(const struct line *l, unsigned int no, char *err, size_t errlen)
{
	struct str rest = line_str(l), f[6], extra;
	struct echo e;

	for (int i = 0; i < 6; i++)
		if (!next_field(&rest, &f[i]))
			goto bad;
	if (next_field(&rest, &extra) || !is_digits(f[1]) || !is_digits(f[2]) ||
	    !str_eq(f[3], "IN"))
		goto bad;
	return 0;
bad:
	return fail(err, errlen, -EPROTO, "line %u: bad o= line: '%s'", no,
		    echo(&e, l->v, l->n));
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
static int
parse_mline(const struct line *l, unsigned int no, struct media *m, char *err,
	    size_t errlen)
{
	struct str rest = line_str(l), port, cnt, fmt;
	uint32_t v;
	struct echo e;

	memset(m, 0, sizeof(*m));
	m->line = no;
	m->n_ports = 1;
	if (!next_field(&rest, &m->name) || !next_field(&rest, &port) ||
	    !next_field(&rest, &m->proto) || !next_field(&rest, &m->fmt0))
		return fail(err, errlen, -EPROTO,
			    "line %u: m= needs media, port, proto and a "
			    "format: '%s'",
			    no, echo(&e, l->v, l->n));
	if (!is_token(m->name, false) || !is_token(m->proto, true))
		return fail(err, errlen, -EPROTO,
			    "line %u: bad m= media or proto: '%s'", no,
			    echo(&e, l->v, l->n));
	if (split_at(port, '/', &port, &cnt)) {
		if (!parse_uint(cnt, 65535, &v) || v == 0)
			return fail(err, errlen, -EPROTO,
				    "line %u: bad m= port count", no);
		m->n_ports = v;
	}
	if (!parse_uint(port, 65535, &v))
		return fail(err, errlen, -EPROTO, "line %u: bad m= port '%s'",
			    no, echo(&e, port.p, port.n));
	m->port = v;
	m->rtp_avp = str_caseeq(m->proto, "RTP/AVP");
	m->rtp_savp = str_caseeq(m->proto, "RTP/SAVP");
	m->fmts.p = m->fmt0.p;
	m->fmts.n = (size_t)(rest.p + rest.n - m->fmt0.p);
	rest = m->fmts;
	while (next_field(&rest, &fmt)) {
		if (!is_token(fmt, true))
			return fail(err, errlen, -EPROTO,
				    "line %u: bad m= format '%s'", no,
				    echo(&e, fmt.p, fmt.n));
		if (m->rtp_avp && !parse_uint(fmt, 127, &v))
			return fail(err, errlen, -EPROTO,
				    "line %u: m= format '%s' is not an RTP "
				    "payload type",
				    no, echo(&e, fmt.p, fmt.n));
	}
	return 0;
}

static int
parse_session(struct sdp *s, unsigned int *i, char *err, size_t errlen)
{
	unsigned int n_o = 0, n_s = 0, n_t = 0;
	struct str rest, a, b, extra;
	int rc;

	for (; *i < s->n_lines && s->lines[*i].type != 'm'; (*i)++) {
		const struct line *l = &s->lines[*i];
		unsigned int no = *i + 1;

		switch (l->type) {
		case 'v':
			return fail(err, errlen, -EPROTO,
				    "line %u: a second v= line", no);
		case 'o':
			if (n_o++ != 0)
				return fail(err, errlen, -EPROTO,
					    "line %u: a second o= line", no);
			if ((rc = parse_origin(l, no, err, errlen)) < 0)
				return rc;
			break;
		case 's':
			if (n_s++ != 0)
				return fail(err, errlen, -EPROTO,
					    "line %u: a second s= line", no);
			break;
		case 'c':
			if ((rc = parse_conn(l, no, &s->c, err, errlen)) < 0)
				return rc;
			break;
		case 't':
			rest = line_str(l);
			if (!next_field(&rest, &a) || !next_field(&rest, &b) ||
			    next_field(&rest, &extra) || !is_digits(a) ||
			    !is_digits(b))
				return fail(err, errlen, -EPROTO,
					    "line %u: bad t= line", no);
			if (n_t++ == 0) {
				s->t_start = a;
				s->t_stop = b;
			}
			break;
		default: /* i u e p b r z k a: not used */
			break;
		}
	}
	if (n_o == 0)
		return fail(err, errlen, -EPROTO, "no o= line");
	if (n_s == 0)
		return fail(err, errlen, -EPROTO, "no s= line");
	if (n_t == 0)
		return fail(err, errlen, -EPROTO, "no t= line");
	return 0;
}

static int
parse_sdp(struct sdp *s, const char *b, size_t len, char *err, size_t errlen)
{
	unsigned int i = 1;
	int rc;
	struct echo e;

	s->n_lines = s->sess_end = s->n_media = 0;
	memset(&s->c, 0, sizeof(s->c));
	s->t_start.n = s->t_stop.n = 0;
	if (len > CP_SDP_MAX_BODY)
		return fail(err, errlen, -EMSGSIZE,
			    "SDP body of %zu bytes, more than %d", len,
			    CP_SDP_MAX_BODY);
	if ((rc = split_lines(s, b, len, err, errlen)) < 0)
		return rc;
	if (s->n_lines == 0)
		return fail(err, errlen, -EPROTO, "empty SDP body");
	if (s->lines[0].type != 'v')
		return fail(err, errlen, -EPROTO,
			    "line 1: the SDP must start with v=0, not '%s='",
			    echo(&e, &s->lines[0].type, 1));
	if (s->lines[0].n != 1 || s->lines[0].v[0] != '0')
		return fail(err, errlen, -EPROTO,
			    "line 1: SDP version '%s' is not 0",
			    echo(&e, s->lines[0].v, s->lines[0].n));
	if ((rc = parse_session(s, &i, err, errlen)) < 0)
		return rc;
	s->sess_end = i;
	while (i < s->n_lines) {
		struct media *m;

		if (s->n_media == CP_SDP_MAX_MEDIA)
			return fail(err, errlen, -EMSGSIZE,
				    "line %u: more than %d m= lines", i + 1,
				    CP_SDP_MAX_MEDIA);
		m = &s->m[s->n_media++];
		if ((rc = parse_mline(&s->lines[i], i + 1, m, err, errlen)) < 0)
			return rc;
		m->first = ++i;
		for (; i < s->n_lines && s->lines[i].type != 'm'; i++) {
			const struct line *l = &s->lines[i];

			if (l->type == 'c') {
				rc = parse_conn(l, i + 1, &m->c, err, errlen);
				if (rc < 0)
					return rc;
			} else if (strchr("icbka", l->type) == NULL) {
				return fail(err, errlen, -EPROTO,
					    "line %u: %c= is not allowed after "
					    "m=",
					    i + 1, l->type);
			}
		}
		m->end = i;
	}
	return 0;
}

/* ---- pass 2: the attributes of one audio m= line ---- */

/* a=rtpmap:<pt> <name>/<rate>[/<channels>] */
static int
parse_rtpmap(struct attrs *a, struct str v, unsigned int no, char *err,
	     size_t errlen)
{
	struct str all = v, pt, enc, name, rate, ch, extra;
	uint32_t n_pt, n_rate, n_ch = 1;
	struct fmtmap *f;
	struct echo e;

	if (!next_field(&v, &pt) || !next_field(&v, &enc) ||
	    next_field(&v, &extra) || !parse_uint(pt, 127, &n_pt) ||
	    !split_at(enc, '/', &name, &rate) || !is_token(name, false))
		goto bad;
	if (split_at(rate, '/', &rate, &ch) &&
	    (!parse_uint(ch, 255, &n_ch) || n_ch == 0))
		goto bad;
	if (!parse_uint(rate, 1000000000, &n_rate) || n_rate == 0)
		goto bad;
	f = &a->map[n_pt];
	if (f->set)
		return fail(err, errlen, -EPROTO,
			    "line %u: a second a=rtpmap for PT %u", no, n_pt);
	f->set = true;
	f->name = name;
	f->rate = n_rate;
	f->ch = (uint8_t)n_ch;
	return 0;
bad:
	return fail(err, errlen, -EPROTO, "line %u: bad a=rtpmap:%s", no,
		    echo(&e, all.p, all.n));
}

/* The attributes of lines [first, end): direction, ptime, maxptime, and
 * rtpmap if want_map. */
static int
parse_attrs(const struct sdp *s, unsigned int first, unsigned int end,
	    bool want_map, struct attrs *a, char *err, size_t errlen)
{
	for (unsigned int i = first; i < end; i++) {
		const struct line *l = &s->lines[i];
		struct str v = line_str(l), name, val;
		unsigned int no = i + 1;
		struct echo e;
		int rc;

		if (l->type != 'a')
			continue;
		if (!split_at(v, ':', &name, &val)) {
			name = v;
			val.p = v.p + v.n;
			val.n = 0;
		}
		for (int d = 0; d < SHM_DIR_MAX_; d++) {
			if (!str_eq(name, dir_name[d]))
				continue;
			if (a->dir >= 0)
				return fail(err, errlen, -EPROTO,
					    "line %u: a second direction "
					    "attribute",
					    no);
			a->dir = d;
		}
		if (str_eq(name, "ptime") && !parse_ms(val, &a->ptime_ms))
			return fail(err, errlen, -EPROTO,
				    "line %u: bad a=ptime:%s", no,
				    echo(&e, val.p, val.n));
		if (str_eq(name, "maxptime") && !parse_ms(val, &a->maxptime_ms))
			return fail(err, errlen, -EPROTO,
				    "line %u: bad a=maxptime:%s", no,
				    echo(&e, val.p, val.n));
		if (want_map && str_eq(name, "rtpmap") &&
		    (rc = parse_rtpmap(a, val, no, err, errlen)) < 0)
			return rc;
	}
	return 0;
}

/* Session attributes, then the media's on top. */
static int
media_attrs(const struct sdp *s, const struct media *m, struct attrs *a,
	    char *err, size_t errlen)
{
	struct attrs sa;
	int rc;

	sa.dir = -1; /* sa.map is not used at session level */
	sa.ptime_ms = sa.maxptime_ms = 0;
	if ((rc = parse_attrs(s, 1, s->sess_end, false, &sa, err, errlen)) < 0)
		return rc;
	memset(a, 0, sizeof(*a));
	a->dir = -1;
	if ((rc = parse_attrs(s, m->first, m->end, true, a, err, errlen)) < 0)
		return rc;
	if (a->dir < 0)
		a->dir = sa.dir < 0 ? SHM_DIR_SENDRECV : sa.dir;
	if (a->ptime_ms == 0)
		a->ptime_ms = sa.ptime_ms;
	if (a->maxptime_ms == 0)
		a->maxptime_ms = sa.maxptime_ms;
	return 0;
}

static void
media_pts(const struct media *m, struct pts *p)
{
	struct str rest = m->fmts, fmt;
	bool seen[128] = { false };
	uint32_t v;

	p->n = 0;
	while (next_field(&rest, &fmt))
		if (parse_uint(fmt, 127, &v) && !seen[v]) {
			seen[v] = true;
			p->pt[p->n++] = (uint8_t)v;
		}
}

/* What pt means in this m= line: its rtpmap, else RFC 3551's table. */
static bool
fmt_of(const struct attrs *a, unsigned int pt, struct fmtmap *f)
{
	static const struct {
		uint8_t pt;
		const char *name;
		uint32_t rate;
		uint8_t ch;
	} stat[] = {
		{ 0, "PCMU", 8000, 1 },
		{ 8, "PCMA", 8000, 1 },
		{ 10, "L16", 44100, 2 },
		{ 11, "L16", 44100, 1 },
	};

	if (a->map[pt].set) {
		*f = a->map[pt];
		return true;
	}
	for (size_t i = 0; i < sizeof(stat) / sizeof(stat[0]); i++) {
		if (stat[i].pt != pt)
			continue;
		f->set = true;
		f->name.p = stat[i].name;
		f->name.n = strlen(stat[i].name);
		f->rate = stat[i].rate;
		f->ch = stat[i].ch;
		return true;
	}
	return false;
}

static bool
fmt_is_codec(const struct fmtmap *f, const struct cp_sdp_codec *c)
{
	return str_caseeq(f->name, codec_name[c->codec]) &&
	       f->rate == c->rate_hz && f->ch == 1;
}

static bool
fmt_is_dtmf(const struct fmtmap *f, uint32_t rate_hz)
{
	return str_caseeq(f->name, "telephone-event") && f->rate == rate_hz &&
	       f->ch == 1;
}

/* RTP payload bytes of ms milliseconds of a codec at rate_hz. */
static uint32_t
payload_bytes(unsigned int codec, uint32_t rate_hz, unsigned int ms)
{
	return rate_hz * ms / 1000u * (codec == SHM_CODEC_L16 ? 2u : 1u);
}

/* What the focus sends a leg of codec at rate_hz: of the multiples of its
 * tick up to 40 ms (the data plane sends a whole number of ticks a
 * packet) whose packet fits CP_SDP_RTP_PAYLOAD_MAX, the nearest to
 * ptime_ms (0 = 20), not above maxptime_ms (0 = none); ties go to the
 * shorter. The tick itself if every multiple is above maxptime_ms. */
static uint8_t
map_ptime(unsigned int ptime_ms, unsigned int maxptime_ms, unsigned int tick,
	  unsigned int codec, uint32_t rate_hz)
{
	unsigned int want = ptime_ms != 0 ? ptime_ms : 20;
	unsigned int best = tick, best_d = ~0u;

	for (unsigned int p = tick; p <= 40; p += tick) {
		unsigned int d = p > want ? p - want : want - p;

		if ((maxptime_ms != 0 && p > maxptime_ms) ||
		    payload_bytes(codec, rate_hz, p) > CP_SDP_RTP_PAYLOAD_MAX)
			break;
		if (d < best_d) {
			best = p;
			best_d = d;
		}
	}
	return (uint8_t)best;
}

static bool
dir_sends(unsigned int d)
{
	return d == SHM_DIR_SENDRECV || d == SHM_DIR_SENDONLY;
}

static bool
dir_recvs(unsigned int d)
{
	return d == SHM_DIR_SENDRECV || d == SHM_DIR_RECVONLY;
}

static uint8_t
dir_make(bool send, bool recv)
{
	if (send)
		return recv ? SHM_DIR_SENDRECV : SHM_DIR_SENDONLY;
	return recv ? SHM_DIR_RECVONLY : SHM_DIR_INACTIVE;
}

/* The peer's direction seen from the focus. */
static uint8_t
dir_mirror(unsigned int d)
{
	return dir_make(dir_recvs(d), dir_sends(d));
}

static uint8_t
dir_and(unsigned int a, unsigned int b)
{
	return dir_make(dir_sends(a) && dir_sends(b),
			dir_recvs(a) && dir_recvs(b));
}

/*
 * The usable address of m into r (addr, remote_port); for c=0.0.0.0 clears
 * the focus's sending from r->dir and sets r->held. -EPROTO when m has no
 * c= at all, -EAFNOSUPPORT when it is not unicast IPv4.
 */
static int
media_conn(const struct sdp *s, const struct media *m, struct cp_sdp_result *r,
	   char *err, size_t errlen)
{
	const struct conn *c = m->c.kind != CONN_NONE ? &m->c : &s->c;
	static const char *const why[] = {
		[CONN_IP6] = "IP6 (the focus is IPv4 only)",
		[CONN_HOST] = "a host name, not an IPv4 address",
		[CONN_MCAST] = "an IPv4 multicast group",
	};

	switch (c->kind) {
	case CONN_NONE:
		return fail(err, errlen, -EPROTO,
			    "line %u: m= line without a c= line", m->line);
	case CONN_IP4:
		break;
	default:
		return fail(err, errlen, -EAFNOSUPPORT,
			    "line %u: c= address is %s", c->line, why[c->kind]);
	}
	memset(r->addr, 0, sizeof(r->addr));
	r->addr[10] = r->addr[11] = 0xff;
	memcpy(&r->addr[12], c->ip, 4);
	r->remote_port = htons((uint16_t)m->port);
	if (memcmp(c->ip, "\0\0\0\0", 4) == 0) {
		r->dir = dir_and(r->dir, SHM_DIR_RECVONLY);
		r->held = true;
	}
	return 0;
}

/* "96 opus/48000/2, 9 G722/8000" into o, for a 488's reason. */
static void
describe_pts(const struct attrs *a, const struct pts *p, char *o, size_t cap)
{
	size_t n = 0;

	o[0] = '\0';
	for (unsigned int i = 0; i < p->n && n < cap; i++) {
		const char *sep = i ? ", " : "";
		struct fmtmap f;
		int w;

		if (!fmt_of(a, p->pt[i], &f))
			w = snprintf(o + n, cap - n, "%s%u", sep, p->pt[i]);
		else if (f.ch == 1)
			w = snprintf(o + n, cap - n, "%s%u %.*s/%u", sep,
				     p->pt[i], (int)f.name.n, f.name.p, f.rate);
		else
			w = snprintf(o + n, cap - n, "%s%u %.*s/%u/%u", sep,
				     p->pt[i], (int)f.name.n, f.name.p, f.rate,
				     f.ch);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

static void
describe_prefs(const struct cp_sdp_cfg *cfg, char *o, size_t cap)
{
	size_t n = 0;

	o[0] = '\0';
	for (unsigned int i = 0; i < cfg->n_prefs && n < cap; i++) {
		int w = snprintf(o + n, cap - n, "%s%s/%u", i ? ", " : "",
				 codec_name[cfg->prefs[i].codec],
				 cfg->prefs[i].rate_hz);

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/*
 * The formats of an RTP/SAVP line are payload types (RFC 4566 section
 * 5.14), as parse_mline() checks those of RTP/AVP; checked only when the
 * line is evaluated, so a line refused for its transport stays refused
 * for that. 0 or -EPROTO.
 */
static int
check_pts(const struct media *m, char *err, size_t errlen)
{
	struct str rest = m->fmts, fmt;
	struct echo e;
	uint32_t v;

	while (next_field(&rest, &fmt))
		if (!parse_uint(fmt, 127, &v))
			return fail(err, errlen, -EPROTO,
				    "line %u: m= format '%s' is not an RTP "
				    "payload type",
				    m->line, echo(&e, fmt.p, fmt.n));
	return 0;
}

/* The value of a=crypto line l into v; false if l is none. */
static bool
crypto_value(const struct line *l, struct str *v)
{
	struct str name;

	return l->type == 'a' && split_at(line_str(l), ':', &name, v) &&
	       str_eq(name, "crypto");
}

/*
 * The first acceptable a=crypto of an offered RTP/SAVP line into c: 0, or
 * -EPROTONOSUPPORT with the reason in err (the first refused a=crypto of
 * a suite of ours, else that there is none).
 */
static int
offer_crypto(const struct sdp *s, const struct media *m, struct crypto *c,
	     char *err, size_t errlen)
{
	char why[96];
	unsigned int refused = 0; /* index of the first one refused, + 1 */

	for (unsigned int i = m->first; i < m->end; i++) {
		struct str v;
		int rc;

		if (!crypto_value(&s->lines[i], &v))
			continue;
		rc = parse_crypto(v, c, why, sizeof(why));
		if (rc == 0)
			return 0;
		if (rc == -EINVAL && refused == 0) {
			refused = i + 1;
			fail(err, errlen, rc, "line %u: a=crypto refused: %s",
			     refused, why);
		}
	}
	if (refused != 0)
		return -EPROTONOSUPPORT;
	return fail(err, errlen, -EPROTONOSUPPORT,
		    "line %u: no a=crypto with a supported suite (%s, %s)",
		    m->line, shm_srtp_suite_name(SHM_SRTP_AES_CM_128_HMAC_SHA1_80),
		    shm_srtp_suite_name(SHM_SRTP_AES_CM_128_HMAC_SHA1_32));
}

/*
 * Can the focus take this offered audio m= line's transport? 0 (with c
 * filled for RTP/SAVP, c->suite NONE for RTP/AVP), -EPROTO for a
 * malformed RTP/SAVP line, -EPROTONOSUPPORT with the reason in err.
 */
static int
eval_transport(const struct sdp *s, const struct media *m,
	       const struct cp_sdp_cfg *cfg, const struct cp_sdp_local *local,
	       struct crypto *c, char *err, size_t errlen)
{
	static const char *const only[] = {
		[CP_SDP_SRTP_OFF] = "RTP/AVP only",
		[CP_SDP_SRTP_OPTIONAL] = "RTP/AVP or RTP/SAVP only",
		[CP_SDP_SRTP_MANDATORY] = "RTP/SAVP only",
	};
	struct echo e;
	int rc;

	c->suite = SHM_SRTP_NONE;
	if (!m->rtp_avp && !m->rtp_savp)
		return fail(err, errlen, -EPROTONOSUPPORT,
			    "line %u: transport %s is not supported (%s)",
			    m->line, echo(&e, m->proto.p, m->proto.n),
			    only[cfg->srtp]);
	if (m->rtp_avp && cfg->srtp == CP_SDP_SRTP_MANDATORY)
		return fail(err, errlen, -EPROTONOSUPPORT,
			    "line %u: SRTP is required (RTP/AVP refused)",
			    m->line);
	if (m->rtp_avp)
		return 0;
	if (cfg->srtp == CP_SDP_SRTP_OFF)
		return fail(err, errlen, -EPROTONOSUPPORT,
			    "line %u: SRTP is off (RTP/SAVP refused)", m->line);
	if (!local->secure)
		return fail(err, errlen, -EPROTONOSUPPORT,
			    "line %u: RTP/SAVP needs SIP over TLS for its keys",
			    m->line);
	if ((rc = check_pts(m, err, errlen)) < 0)
		return rc;
	return offer_crypto(s, m, c, err, errlen);
}

/*
 * Can the focus take this offered audio m= line? 0 with r filled (all but
 * media_idx and sdp_changed), -EPROTO for a malformed line (the whole SDP
 * is refused), other codes for an unacceptable one, reason in err.
 */
static int
eval_audio(const struct sdp *s, const struct media *m,
	   const struct cp_sdp_cfg *cfg, const struct cp_sdp_local *local,
	   struct cp_sdp_result *r, char *err, size_t errlen)
{
	struct attrs a;
	struct pts p;
	struct fmtmap f;
	struct crypto c;
	char offered[160], accepted[96];
	int rc;

	if ((rc = eval_transport(s, m, cfg, local, &c, err, errlen)) < 0)
		return rc;
	if ((rc = media_attrs(s, m, &a, err, errlen)) < 0)
		return rc;
	if (m->n_ports != 1)
		return fail(err, errlen, -ENOTSUP,
			    "line %u: m= port count %u is not supported",
			    m->line, m->n_ports);
	memset(r, 0, sizeof(*r));
	r->dir = dir_and(dir_mirror((unsigned int)a.dir), local->dir);
	r->held = !dir_recvs((unsigned int)a.dir);
	if (c.suite != SHM_SRTP_NONE) {
		r->srtp_suite = c.suite;
		r->srtp_tag = c.tag;
		memcpy(r->srtp_key_rx, c.key, sizeof(r->srtp_key_rx));
	}
	if ((rc = media_conn(s, m, r, err, errlen)) < 0)
		return rc;
	media_pts(m, &p);
	for (unsigned int k = 0; k < cfg->n_prefs && r->rate_hz == 0; k++)
		for (unsigned int i = 0; i < p.n; i++) {
			if (!fmt_of(&a, p.pt[i], &f) ||
			    !fmt_is_codec(&f, &cfg->prefs[k]))
				continue;
			r->codec = cfg->prefs[k].codec;
			r->rate_hz = cfg->prefs[k].rate_hz;
			r->pt = p.pt[i];
			break;
		}
	if (r->rate_hz == 0) {
		describe_pts(&a, &p, offered, sizeof(offered));
		describe_prefs(cfg, accepted, sizeof(accepted));
		return fail(err, errlen, -ENOTSUP,
			    "line %u: no common codec: offered %s; accepted %s",
			    m->line, offered, accepted);
	}
	for (unsigned int i = 0; cfg->dtmf && i < p.n && !r->dtmf_pt; i++)
		if (p.pt[i] != 0 && fmt_of(&a, p.pt[i], &f) &&
		    fmt_is_dtmf(&f, r->rate_hz))
			r->dtmf_pt = p.pt[i];
	r->ptime_ms = map_ptime(a.ptime_ms, a.maxptime_ms, cfg->ptime_ms,
				r->codec, r->rate_hz);
	return 0;
}

/* ---- writing ---- */

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (o->full)
		return;
	va_start(ap, fmt);
	w = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= o->cap - o->n)
		o->full = true;
	else
		o->n += (size_t)w;
}

static uint64_t
fnv1a(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
ip4_text(const uint8_t addr[16], char txt[16])
{
	snprintf(txt, 16, "%u.%u.%u.%u", addr[12], addr[13], addr[14],
		 addr[15]);
}

/*
 * Write v= and o= (version bumped when body, the rest of the SDP, differs
 * from the last SDP sent), then body. sess advanced, *changed set, only if
 * it all fits.
 */
static int
finish(const struct cp_sdp_cfg *cfg, const struct cp_sdp_local *local,
       struct cp_sdp_sess *sess, const struct out *body, char *buf, size_t cap,
       bool *changed)
{
	struct out o = { buf, cap, 0, false };
	char ip[16], origin[96];
	uint64_t h, version = sess->version;
	int n;

	if (body->full || cap == 0)
		return -ENOSPC;
	ip4_text(local->addr, ip);
	n = snprintf(origin, sizeof(origin), "%s %llu IN IP4 %s", cfg->user,
		     (unsigned long long)sess->id, ip);
	h = fnv1a(0xcbf29ce484222325ULL, origin, (size_t)n);
	h = fnv1a(h, body->p, body->n);
	if (sess->sent && h != sess->last_hash)
		version++;
	put(&o, "v=0\r\no=%s %llu %llu IN IP4 %s\r\n", cfg->user,
	    (unsigned long long)sess->id, (unsigned long long)version, ip);
	put(&o, "%.*s", (int)body->n, body->p);
	if (o.full)
		return -ENOSPC;
	*changed = !sess->sent || version != sess->version;
	sess->version = version;
	sess->last_hash = h;
	sess->sent = true;
	return 0;
}

static void
put_audio(struct out *o, const struct cp_sdp_cfg *cfg,
	  const struct cp_sdp_result *r)
{
	put(o, "a=rtpmap:%u %s/%u\r\n", r->pt, codec_name[r->codec],
	    r->rate_hz);
	if (r->dtmf_pt != 0)
		put(o, "a=rtpmap:%u telephone-event/%u\r\na=fmtp:%u 0-15\r\n",
		    r->dtmf_pt, r->rate_hz, r->dtmf_pt);
	put(o, "a=ptime:%u\r\na=%s\r\n", cfg->ptime_ms, dir_name[r->dir]);
}

/* a=crypto with the focus's key (no lifetime, no MKI). */
static void
put_crypto(struct out *o, const struct cp_sdp_local *local, uint32_t tag,
	   unsigned int suite)
{
	char key[SHM_B64_LEN(SHM_SRTP_KEY_BYTES) + 1];

	shm_b64_encode(local->srtp_key, sizeof(local->srtp_key), key);
	put(o, "a=crypto:%u %s inline:%s\r\n", tag, shm_srtp_suite_name(suite),
	    key);
}

/* ---- configuration ---- */

static bool
l16_rate_ok(uint32_t rate_hz)
{
	for (size_t i = 0; i < sizeof(l16_rates) / sizeof(l16_rates[0]); i++)
		if (l16_rates[i] == rate_hz)
			return true;
	return false;
}

static bool
codec_ok(const struct cp_sdp_codec *c)
{
	if (c->codec == SHM_CODEC_PCMU || c->codec == SHM_CODEC_PCMA)
		return c->rate_hz == 8000;
	return c->codec == SHM_CODEC_L16 && l16_rate_ok(c->rate_hz);
}

/* A NUL-terminated string of printable ASCII within cap bytes; spaces
 * only if allowed. */
static bool
is_text(const char *s, size_t cap, bool spaces)
{
	if (memchr(s, '\0', cap) == NULL)
		return false;
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || (*s == ' ' && !spaces))
			return false;
	return true;
}

int
cp_sdp_cfg_check(const struct cp_sdp_cfg *cfg, char *err, size_t errlen)
{
	if (cfg->n_prefs == 0 || cfg->n_prefs > CP_SDP_MAX_CODECS)
		return fail(err, errlen, -EINVAL, "no codec configured");
	for (unsigned int i = 0; i < cfg->n_prefs; i++)
		if (!codec_ok(&cfg->prefs[i]))
			return fail(err, errlen, -EINVAL,
				    "configured codec %u is invalid", i);
	if (cfg->ptime_ms == 0 || cfg->ptime_ms > 40 || cfg->ptime_ms % 10)
		return fail(err, errlen, -EINVAL,
			    "configured ptime %u is not 10, 20, 30 or 40",
			    cfg->ptime_ms);
	if (cfg->srtp > CP_SDP_SRTP_MANDATORY)
		return fail(err, errlen, -EINVAL,
			    "configured SRTP mode %u is invalid", cfg->srtp);
	for (unsigned int i = 0; i < cfg->n_prefs; i++) {
		const struct cp_sdp_codec *c = &cfg->prefs[i];
		uint32_t n = payload_bytes(c->codec, c->rate_hz,
					   cfg->ptime_ms);

		if (n > CP_SDP_RTP_PAYLOAD_MAX)
			return fail(err, errlen, -EINVAL,
				    "%s/%u at a %u ms tick is %u bytes of "
				    "RTP payload a packet, more than the %u a "
				    "1500-byte IPv4 packet carries (use a "
				    "10 ms ptime or a lower rate)",
				    codec_name[c->codec], c->rate_hz,
				    cfg->ptime_ms, n, CP_SDP_RTP_PAYLOAD_MAX);
	}
	return 0;
}

static int
check_args(const struct cp_sdp_cfg *cfg, const struct cp_sdp_local *local,
	   char *err, size_t errlen)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	int rc;

	if ((rc = cp_sdp_cfg_check(cfg, err, errlen)) < 0)
		return rc;
	if (!is_text(cfg->user, sizeof(cfg->user), false) ||
	    cfg->user[0] == '\0' ||
	    !is_text(cfg->session, sizeof(cfg->session), true) ||
	    cfg->session[0] == '\0')
		return fail(err, errlen, -EINVAL,
			    "configured o= user or s= text is invalid");
	if (memcmp(local->addr, v4mapped, sizeof(v4mapped)) != 0 ||
	    local->port == 0 || local->dir >= SHM_DIR_MAX_)
		return fail(err, errlen, -EINVAL,
			    "local address, port or direction is invalid");
	return 0;
}

int
cp_sdp_own_key(const char *sdp, uint8_t key[SHM_SRTP_KEY_BYTES])
{
	const char *a = sdp != NULL ? strstr(sdp, "\na=crypto:") : NULL;
	const char *k = a != NULL ? strstr(a, " inline:") : NULL;
	const char *eol = a != NULL ? strchr(a + 1, '\n') : NULL;
	struct str s;

	if (k == NULL || (eol != NULL && k > eol))
		return -ENOENT;
	s.p = k + strlen(" inline:");
	s.n = strcspn(s.p, "| \r\n");
	return shm_b64_decode(s.p, s.n, key, SHM_SRTP_KEY_BYTES) ==
	       SHM_SRTP_KEY_BYTES ?
	       0 : -ENOENT;
}

void
cp_sdp_cfg_init(struct cp_sdp_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->prefs[0].codec = SHM_CODEC_PCMU;
	cfg->prefs[0].rate_hz = 8000;
	cfg->prefs[1].codec = SHM_CODEC_PCMA;
	cfg->prefs[1].rate_hz = 8000;
	cfg->n_prefs = 2;
	cfg->dtmf = true;
	cfg->ptime_ms = 20;
	snprintf(cfg->user, sizeof(cfg->user), "tutti");
	snprintf(cfg->session, sizeof(cfg->session), "tutti");
}

int
cp_sdp_cfg_set_codecs(struct cp_sdp_cfg *cfg, const char *list, char *err,
		      size_t errlen)
{
	struct cp_sdp_codec prefs[CP_SDP_MAX_CODECS];
	unsigned int n = 0;
	const char *p = list;
	struct echo e;

	if (cfg == NULL || list == NULL)
		return fail(err, errlen, -EINVAL, "no codec list");
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		struct str item = { p, len }, name, rate;
		struct cp_sdp_codec c = { SHM_CODEC_MAX_, 0 };
		uint32_t v;

		while (item.n && (item.p[0] == ' ' || item.p[0] == '\t')) {
			item.p++;
			item.n--;
		}
		while (item.n && (item.p[item.n - 1] == ' ' ||
				  item.p[item.n - 1] == '\t'))
			item.n--;
		if (!split_at(item, '/', &name, &rate)) {
			name = item;
			rate.p = item.p + item.n;
			rate.n = 0;
		}
		for (int k = 0; k < SHM_CODEC_MAX_; k++)
			if (str_caseeq(name, codec_name[k]))
				c.codec = (uint8_t)k;
		if (c.codec == SHM_CODEC_MAX_)
			return fail(err, errlen, -EINVAL,
				    "unknown codec '%s' (PCMU, PCMA, "
				    "L16/<rate>)",
				    echo(&e, item.p, item.n));
		if (rate.n == 0 && c.codec == SHM_CODEC_L16)
			return fail(err, errlen, -EINVAL,
				    "L16 needs its rate: L16/8000, /16000, "
				    "/32000, /44100 or /48000");
		c.rate_hz = 8000;
		if (rate.n != 0 && !parse_uint(rate, 1000000, &v))
			return fail(err, errlen, -EINVAL, "bad rate in '%s'",
				    echo(&e, item.p, item.n));
		if (rate.n != 0)
			c.rate_hz = v;
		if (!codec_ok(&c))
			return fail(err, errlen, -EINVAL,
				    "%s does not run at %u Hz",
				    codec_name[c.codec], c.rate_hz);
		for (unsigned int k = 0; k < n; k++)
			if (prefs[k].codec == c.codec &&
			    prefs[k].rate_hz == c.rate_hz)
				return fail(err, errlen, -EINVAL,
					    "'%s' is listed twice",
					    echo(&e, item.p, item.n));
		prefs[n++] = c; /* 7 distinct codecs exist: never full */
		p += len;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		return fail(err, errlen, -EINVAL, "empty codec list");
	memcpy(cfg->prefs, prefs, n * sizeof(prefs[0]));
	cfg->n_prefs = n;
	return 0;
}

void
cp_sdp_sess_init(struct cp_sdp_sess *sess, uint64_t id, uint64_t version)
{
	memset(sess, 0, sizeof(*sess));
	sess->id = id;
	sess->version = version;
}

/* ---- answering ---- */

int
cp_sdp_answer(const struct cp_sdp_cfg *cfg, const struct cp_sdp_local *local,
	      struct cp_sdp_sess *sess, const char *offer, size_t len,
	      struct cp_sdp_result *res, char *answer, size_t answer_len,
	      char *err, size_t errlen)
{
	struct sdp s;
	struct cp_sdp_result r, cand;
	char body_buf[CP_SDP_OUT_MAX], ip[16], why[256];
	struct out body = { body_buf, sizeof(body_buf), 0, false };
	int chosen = -1, first_rc = 0, rc;
	bool any_audio = false;

	if (cfg == NULL || local == NULL || sess == NULL || res == NULL ||
	    answer == NULL || (offer == NULL && len != 0))
		return fail(err, errlen, -EINVAL, "missing argument");
	if ((rc = check_args(cfg, local, err, errlen)) < 0)
		return rc;
	if ((rc = parse_sdp(&s, offer, len, err, errlen)) < 0)
		return rc;
	for (unsigned int i = 0; i < s.n_media; i++) {
		const struct media *m = &s.m[i];

		if (!str_caseeq(m->name, "audio") || m->port == 0)
			continue;
		any_audio = true;
		rc = eval_audio(&s, m, cfg, local, &cand, why, sizeof(why));
		if (rc == -EPROTO)
			return fail(err, errlen, rc, "%s", why);
		if (rc == 0 && chosen < 0) {
			chosen = (int)i;
			r = cand;
		} else if (rc < 0 && first_rc == 0) {
			first_rc = rc;
			fail(err, errlen, rc, "%s", why);
		}
	}
	if (chosen < 0 && !any_audio)
		return fail(err, errlen, -EMEDIUMTYPE,
			    s.n_media ? "no audio stream in the offer"
				      : "no m= line in the offer");
	if (chosen < 0)
		return first_rc;
	ip4_text(local->addr, ip);
	put(&body, "s=%s\r\nc=IN IP4 %s\r\nt=%.*s %.*s\r\n", cfg->session, ip,
	    (int)s.t_start.n, s.t_start.p, (int)s.t_stop.n, s.t_stop.p);
	for (unsigned int i = 0; i < s.n_media; i++) {
		const struct media *m = &s.m[i];

		if ((int)i != chosen) {
			put(&body, "m=%.*s 0 %.*s %.*s\r\n", (int)m->name.n,
			    m->name.p, (int)m->proto.n, m->proto.p,
			    (int)m->fmt0.n, m->fmt0.p);
			continue;
		}
		put(&body, "m=%.*s %u %.*s %u", (int)m->name.n, m->name.p,
		    local->port, (int)m->proto.n, m->proto.p, r.pt);
		if (r.dtmf_pt != 0)
			put(&body, " %u", r.dtmf_pt);
		put(&body, "\r\n");
		put_audio(&body, cfg, &r);
		if (r.srtp_suite != SHM_SRTP_NONE)
			put_crypto(&body, local, r.srtp_tag, r.srtp_suite);
	}
	r.media_idx = (uint16_t)chosen;
	if ((rc = finish(cfg, local, sess, &body, answer, answer_len,
			 &r.sdp_changed)) < 0)
		return fail(err, errlen, rc,
			    "answer buffer of %zu bytes is "
			    "too small",
			    answer_len);
	*res = r;
	return 0;
}

/* ---- offering ---- */

/* The formats cp_sdp_offer() offers for cfg, in order; returns how many. */
static unsigned int
offer_fmts(const struct cp_sdp_cfg *cfg, struct ofmt f[2 * CP_SDP_MAX_CODECS])
{
	unsigned int n = 0, dyn = CP_SDP_OFFER_DYN_PT;
	unsigned int dtmf = CP_SDP_OFFER_DTMF_PT;

	for (unsigned int i = 0; i < cfg->n_prefs; i++) {
		const struct cp_sdp_codec *c = &cfg->prefs[i];

		f[n].dtmf = false;
		f[n].codec = c->codec;
		f[n].rate_hz = c->rate_hz;
		if (c->codec == SHM_CODEC_PCMU)
			f[n].pt = 0;
		else if (c->codec == SHM_CODEC_PCMA)
			f[n].pt = 8;
		else if (c->rate_hz == 44100)
			f[n].pt = 11;
		else
			f[n].pt = (uint8_t)dyn++;
		n++;
	}
	for (unsigned int i = 0; cfg->dtmf && i < cfg->n_prefs; i++) {
		bool seen = false;

		for (unsigned int k = 0; k < i; k++)
			seen |= cfg->prefs[k].rate_hz == cfg->prefs[i].rate_hz;
		if (seen)
			continue;
		f[n].dtmf = true;
		f[n].codec = SHM_CODEC_MAX_;
		f[n].rate_hz = cfg->prefs[i].rate_hz;
		f[n].pt = (uint8_t)dtmf++;
		n++;
	}
	return n;
}

int
cp_sdp_offer(const struct cp_sdp_cfg *cfg, const struct cp_sdp_local *local,
	     struct cp_sdp_sess *sess, char *offer, size_t offer_len,
	     bool *changed)
{
	struct ofmt f[2 * CP_SDP_MAX_CODECS];
	char body_buf[CP_SDP_OUT_MAX], ip[16];
	struct out body = { body_buf, sizeof(body_buf), 0, false };
	bool savp, ch;
	unsigned int n;
	int rc;

	if (cfg == NULL || local == NULL || sess == NULL || offer == NULL)
		return -EINVAL;
	if ((rc = check_args(cfg, local, NULL, 0)) < 0)
		return rc;
	savp = cfg->srtp == CP_SDP_SRTP_MANDATORY;
	if (savp && !local->secure) /* no key over an unprotected hop */
		return -EPROTONOSUPPORT;
	n = offer_fmts(cfg, f);
	ip4_text(local->addr, ip);
	put(&body, "s=%s\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %u %s",
	    cfg->session, ip, local->port, savp ? "RTP/SAVP" : "RTP/AVP");
	for (unsigned int i = 0; i < n; i++)
		put(&body, " %u", f[i].pt);
	put(&body, "\r\n");
	for (unsigned int i = 0; i < n; i++)
		if (f[i].dtmf)
			put(&body,
			    "a=rtpmap:%u telephone-event/%u\r\n"
			    "a=fmtp:%u 0-15\r\n",
			    f[i].pt, f[i].rate_hz, f[i].pt);
		else
			put(&body, "a=rtpmap:%u %s/%u\r\n", f[i].pt,
			    codec_name[f[i].codec], f[i].rate_hz);
	put(&body, "a=ptime:%u\r\na=%s\r\n", cfg->ptime_ms,
	    dir_name[local->dir]);
	for (uint32_t tag = 1; savp && tag <= 2; tag++)
		put_crypto(&body, local, tag, offer_suite[tag]);
	if ((rc = finish(cfg, local, sess, &body, offer, offer_len, &ch)) < 0)
		return rc;
	if (changed != NULL)
		*changed = ch;
	return 0;
}

/* May an answer say ans (its own point of view) to an offer of off? */
static bool
answer_dir_ok(unsigned int off, unsigned int ans)
{
	return (dir_sends(ans) ? dir_recvs(off) : true) &&
	       (dir_recvs(ans) ? dir_sends(off) : true);
}

/*
 * The one a=crypto of the answer to the focus's RTP/SAVP offer into c: 0,
 * or -EPROTO with the reason in err.
 */
static int
answer_crypto(const struct sdp *s, const struct media *m, struct crypto *c,
	      char *err, size_t errlen)
{
	unsigned int at = 0; /* its line */
	struct str v, val = { NULL, 0 };
	char why[96];
	struct echo e;
	int rc;

	for (unsigned int i = m->first; i < m->end; i++) {
		if (!crypto_value(&s->lines[i], &v))
			continue;
		if (at != 0)
			return fail(err, errlen, -EPROTO,
				    "line %u: a second a=crypto in the answer",
				    i + 1);
		at = i + 1;
		val = v;
	}
	if (at == 0)
		return fail(err, errlen, -EPROTO,
			    "line %u: the answer has no a=crypto", m->line);
	rc = parse_crypto(val, c, why, sizeof(why));
	if (rc == -ENOTSUP)
		return fail(err, errlen, -EPROTO,
			    "line %u: a=crypto without a suite of the offer: "
			    "'%s'",
			    at, echo(&e, val.p, val.n));
	if (rc < 0)
		return fail(err, errlen, -EPROTO,
			    "line %u: a=crypto refused: %s", at, why);
	if (c->tag > 2)
		return fail(err, errlen, -EPROTO,
			    "line %u: a=crypto tag %u was not offered (1 or 2)",
			    at, c->tag);
	if (c->suite != offer_suite[c->tag])
		return fail(err, errlen, -EPROTO,
			    "line %u: a=crypto:%u is %s, the offer's tag %u "
			    "was %s",
			    at, c->tag, shm_srtp_suite_name(c->suite), c->tag,
			    shm_srtp_suite_name(offer_suite[c->tag]));
	return 0;
}

int
cp_sdp_process_answer(const struct cp_sdp_cfg *cfg,
		      const struct cp_sdp_local *local, const char *answer,
		      size_t len, struct cp_sdp_result *res, char *err,
		      size_t errlen)
{
	struct sdp s;
	struct attrs a;
	struct pts p;
	struct fmtmap fm;
	struct ofmt f[2 * CP_SDP_MAX_CODECS];
	struct cp_sdp_result r;
	struct crypto cr;
	const struct media *m;
	unsigned int n_f;
	struct echo e;
	bool savp;
	int rc;

	if (cfg == NULL || local == NULL || res == NULL ||
	    (answer == NULL && len != 0))
		return fail(err, errlen, -EINVAL, "missing argument");
	if ((rc = check_args(cfg, local, err, errlen)) < 0)
		return rc;
	savp = cfg->srtp == CP_SDP_SRTP_MANDATORY;
	if (savp && !local->secure) /* cp_sdp_offer() refused to offer */
		return fail(err, errlen, -EPROTONOSUPPORT,
			    "RTP/SAVP needs SIP over TLS for its keys");
	if ((rc = parse_sdp(&s, answer, len, err, errlen)) < 0)
		return rc;
	if (s.n_media != 1)
		return fail(err, errlen, -EPROTO,
			    "the answer has %u m= lines, the offer had 1",
			    s.n_media);
	m = &s.m[0];
	if (savp && str_caseeq(m->name, "audio") && m->rtp_avp)
		return fail(err, errlen, -EPROTONOSUPPORT,
			    "line %u: the answer is RTP/AVP, the offer "
			    "RTP/SAVP (SRTP is required)",
			    m->line);
	if (!str_caseeq(m->name, "audio") || !(savp ? m->rtp_savp : m->rtp_avp))
		return fail(err, errlen, -EPROTO,
			    "line %u: the answer's m= line is not audio "
			    "%s like the offer's: '%s'",
			    m->line, savp ? "RTP/SAVP" : "RTP/AVP",
			    echo(&e, s.lines[m->first - 1].v,
				 s.lines[m->first - 1].n));
	if (m->port == 0)
		return fail(err, errlen, -EMEDIUMTYPE,
			    "line %u: the answer rejected the audio stream "
			    "(port 0)",
			    m->line);
	cr.suite = SHM_SRTP_NONE;
	if (savp && ((rc = check_pts(m, err, errlen)) < 0 ||
		     (rc = answer_crypto(&s, m, &cr, err, errlen)) < 0))
		return rc;
	if ((rc = media_attrs(&s, m, &a, err, errlen)) < 0)
		return rc;
	if (!answer_dir_ok(local->dir, (unsigned int)a.dir))
		return fail(err, errlen, -EPROTO,
			    "the answer's %s does not fit the offer's %s",
			    dir_name[a.dir], dir_name[local->dir]);
	memset(&r, 0, sizeof(r));
	r.dir = dir_and(dir_mirror((unsigned int)a.dir), local->dir);
	r.held = !dir_recvs((unsigned int)a.dir);
	if (cr.suite != SHM_SRTP_NONE) {
		r.srtp_suite = cr.suite;
		r.srtp_tag = cr.tag;
		memcpy(r.srtp_key_rx, cr.key, sizeof(r.srtp_key_rx));
	}
	if ((rc = media_conn(&s, m, &r, err, errlen)) < 0)
		return rc;
	n_f = offer_fmts(cfg, f);
	media_pts(m, &p);
	for (unsigned int i = 0; i < p.n && r.rate_hz == 0; i++)
		for (unsigned int k = 0; k < n_f; k++) {
			struct cp_sdp_codec c = { f[k].codec, f[k].rate_hz };

			if (f[k].dtmf || f[k].pt != p.pt[i] ||
			    (fmt_of(&a, p.pt[i], &fm) &&
			     !fmt_is_codec(&fm, &c)))
				continue;
			r.codec = f[k].codec;
			r.rate_hz = f[k].rate_hz;
			r.pt = f[k].pt;
			break;
		}
	if (r.rate_hz == 0)
		return fail(err, errlen, -ENOTSUP,
			    "line %u: the answer has no codec of the offer",
			    m->line);
	for (unsigned int i = 0; cfg->dtmf && i < p.n && !r.dtmf_pt; i++)
		for (unsigned int k = 0; k < n_f; k++)
			if (f[k].dtmf && f[k].pt == p.pt[i] &&
			    f[k].rate_hz == r.rate_hz &&
			    (!fmt_of(&a, p.pt[i], &fm) ||
			     fmt_is_dtmf(&fm, r.rate_hz)))
				r.dtmf_pt = f[k].pt;
	r.ptime_ms = map_ptime(a.ptime_ms, a.maxptime_ms, cfg->ptime_ms,
			       r.codec, r.rate_hz);
	*res = r;
	return 0;
}

/* ---- glue ---- */

void
cp_sdp_result_to_leg(const struct cp_sdp_result *res, struct shm_msg_leg *leg)
{
	memcpy(leg->addr, res->addr, sizeof(leg->addr));
	leg->remote_port = res->remote_port;
	leg->codec = res->codec;
	leg->pt = res->pt;
	leg->dtmf_pt = res->dtmf_pt;
	leg->dir = res->dir;
	leg->rate_hz = res->rate_hz;
	leg->ptime_ms = res->ptime_ms;
	if (res->srtp_suite != SHM_SRTP_NONE)
		leg->flags = (uint8_t)(leg->flags | SHM_LEG_SRTP);
	else
		leg->flags = (uint8_t)(leg->flags & ~SHM_LEG_SRTP);
}

int
cp_sdp_sip_status(int rc)
{
	switch (rc) {
	case 0:
		return 200;
	case -EPROTO:
		return 400;
	case -EMSGSIZE:
		return 413;
	case -ENOTSUP:
	case -EMEDIUMTYPE:
	case -EPROTONOSUPPORT:
	case -EAFNOSUPPORT:
		return 488;
	default:
		return 500;
	}
}

int
cp_sdp_warning_code(int rc)
{
	switch (rc) {
	case -ENOTSUP:
		return 305; /* Incompatible media format */
	case -EMEDIUMTYPE:
		return 304; /* Media type not available */
	case -EPROTONOSUPPORT:
		return 302; /* Incompatible transport protocol */
	case -EAFNOSUPPORT:
		return 301; /* Incompatible network address formats */
	default:
		return 0;
	}
}
