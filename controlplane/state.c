/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * state.c: see state.h. The records' fields are described once, in tables
 * (name, kind, offset), which both the writer and the parser walk, so the
 * two cannot drift apart. Control-plane main thread, cold path.
 *
 *   tutti-cp-state 1
 *   dp generation=0x8d2c...
 *   conf name=demo uri=sip:demo@198.18.0.1 id=1 worker=0 adhoc=0 ...
 *   dial conf=demo uri=sip:bob@198.18.0.1:5070   (only while one waits)
 *   part conf=demo leg=3 port=30004 from=sip:alice@198.18.0.1:5062 ...
 *   end confs=1 parts=1
 */
#include "state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler.h"
#include "log.h"
#include "shm_msg.h"

enum kind {
	K_STR, /* char[size] */
	K_DSTR, /* char *, malloc'ed, NULL written as no field at all: an
		 * optional field, at most CP_SIP_STATE_SDP_MAX bytes */
	K_BOOL,
	K_U8,
	K_U16,
	K_U32,
	K_U64,
	K_HEX64, /* uint64_t written 0x... */
	K_I16,
	K_NPORT, /* uint16_t in network order, written in host order */
	K_CODEC, /* uint8_t enum shm_codec by name */
	K_DIR,	 /* uint8_t enum shm_dir by name */
	K_ADDR,	 /* shm_msg_leg addr[16] + remote_port: A.B.C.D:P */
	K_IP4,	 /* uint8_t[4], IPv4 in network order: A.B.C.D */
	K_SUITE, /* uint8_t enum shm_srtp_suite by name, SHM_SRTP_NONE
		  * written as no field at all */
	K_HEXB,	 /* uint8_t[size], 2 * size hex digits; all zero written as
		  * no field at all */
};

struct field {
	const char *key;
	enum kind kind;
	size_t off;
	size_t size;   /* K_STR and K_HEXB only */
	bool optional; /* added to version 1 later: an older tutti-cp's
			* files lack it, and it then reads as zero */
};

#define FO(key, kind, type, member, opt)                                       \
	{                                                                      \
		key, kind, offsetof(type, member),                             \
			sizeof(((type *)0)->member), opt                       \
	}
#define F(key, kind, type, member) FO(key, kind, type, member, false)
#define CF(key, kind, member) F(key, kind, struct cp_state_conf, member)
#define PF(key, kind, member) F(key, kind, struct cp_state_part, member)
#define PF_OPT(key, kind, member)                                              \
	FO(key, kind, struct cp_state_part, member, true)
#define CF_OPT(key, kind, member)                                              \
	FO(key, kind, struct cp_state_conf, member, true)

static const struct field conf_fields[] = {
	CF("name", K_STR, name),    CF("uri", K_STR, uri),
	CF("id", K_U32, conf_id),   CF("worker", K_U32, worker),
	CF("adhoc", K_BOOL, adhoc), CF("locked", K_BOOL, locked),
	CF("on_dp", K_BOOL, on_dp), CF("creator", K_STR, creator),
	/* added later (optional): provisioned, and the mixing parameters */
	CF_OPT("prov", K_BOOL, prov),
	CF_OPT("creator_asserted", K_BOOL, creator_asserted),
	CF_OPT("rate", K_U32, params.rate_hz),
	CF_OPT("ptime", K_U8, params.ptime_ms),
	CF_OPT("talkers", K_U8, params.n_talkers),
	CF_OPT("cflags", K_U8, params.flags),
	CF_OPT("max_legs", K_U32, params.max_legs),
};

static const struct field dial_fields[] = {
	F("conf", K_STR, struct cp_state_dial, conf),
	F("uri", K_STR, struct cp_state_dial, uri),
};

static const struct field part_fields[] = {
	PF("conf", K_STR, conf),
	PF("leg", K_U32, leg_id),
	PF("port", K_U16, port),
	PF("from", K_STR, from),
	PF("display", K_STR, display),
	PF("dialed_out", K_BOOL, dialed_out),
	PF("moderator", K_BOOL, moderator),
	PF("held", K_BOOL, held),
	PF("pin_pending", K_BOOL, pin_pending),
	PF("op_flags", K_U8, op_flags),
	PF_OPT("prov", K_BOOL, prov),
	PF_OPT("anon", K_BOOL, anon),
	PF_OPT("asserted", K_BOOL, asserted),
	PF("auth_user", K_STR, auth_user),
	PF("sdp_id", K_U64, sdp_id),
	PF("sdp_version", K_U64, sdp_version),
	PF("sdp_hash", K_HEX64, sdp_hash),
	/* added later (optional): SRTP's suite and keys */
	PF_OPT("srtp_suite", K_SUITE, srtp_suite),
	PF_OPT("srtp_key", K_HEXB, srtp_key),
	PF_OPT("srtp_rx_key", K_HEXB, srtp_rx_key),
	/* the negotiated media */
	PF("ssrc", K_U32, leg.ssrc),
	PF("codec", K_CODEC, leg.codec),
	PF("pt", K_U8, leg.pt),
	PF("dtmf_pt", K_U8, leg.dtmf_pt),
	PF("rate", K_U32, leg.rate_hz),
	PF("ptime", K_U8, leg.ptime_ms),
	PF("dir", K_DIR, leg.dir),
	PF("remote", K_ADDR, leg.addr),
	PF("local_port", K_NPORT, leg.local_port),
	/* 0.0.0.0 (or absent: a file from before several media addresses)
	 * is tutti-dp's first */
	PF_OPT("local_addr", K_IP4, leg.local_addr),
	PF("flags", K_U8, leg.flags),
	PF("gain_q8", K_I16, leg.gain_db_q8),
	PF("timeout_ms", K_U16, leg.timeout_ms),
	/* the SIP dialog */
	PF("uac", K_BOOL, dlg.uac),
	PF("tcp", K_BOOL, dlg.tcp),
	PF_OPT("tls", K_BOOL, dlg.tls),
	PF("call_id", K_STR, dlg.call_id),
	PF("local_tag", K_STR, dlg.local_tag),
	PF("remote_tag", K_STR, dlg.remote_tag),
	PF("local_uri", K_STR, dlg.local_uri),
	PF("remote_uri", K_STR, dlg.remote_uri),
	PF("remote_display", K_STR, dlg.remote_display),
	PF("target", K_STR, dlg.remote_target),
	PF("routes", K_STR, dlg.route_set),
	PF("local_cseq", K_U32, dlg.local_cseq),
	PF("remote_cseq", K_U32, dlg.remote_cseq),
	PF("peer", K_STR, dlg.peer),
	PF("contact_user", K_STR, dlg.contact_user),
	/* added later (optional): its session timer (RFC 4028) */
	PF_OPT("session_expires", K_U32, dlg.se_s),
	PF_OPT("se_refresh", K_BOOL, dlg.se_refresh),
	PF_OPT("se_update", K_BOOL, dlg.se_update),
	/* added later (optional): our SDP, where we refresh the session */
	PF_OPT("local_sdp", K_DSTR, dlg.local_sdp),
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const codec_names[SHM_CODEC_MAX_] = { "PCMU", "PCMA",
							 "L16" };
static const char *const dir_names[SHM_DIR_MAX_] = { "sendrecv", "sendonly",
						     "recvonly", "inactive" };

/* Are the n bytes at p all zero? */
static bool
all_zero(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != 0)
			return false;
	return true;
}

/* A new zeroed element at the end of *arr (n elements of size bytes),
 * which doubles when full. NULL without memory (*arr is left alone). */
static void *
append(void **arr, uint32_t *n, size_t size)
{
	char *a = *arr;

	if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4, ...: full */
		a = realloc(a, (*n != 0 ? 2 * (size_t)*n : 1) * size);
		if (a == NULL)
			return NULL;
		*arr = a;
	}
	memset(a + *n * size, 0, size);
	return a + (size_t)(*n)++ * size;
}

struct cp_state_conf *
cp_state_add_conf(struct cp_state *st)
{
	void *a = st->confs;
	struct cp_state_conf *c = append(&a, &st->n_confs, sizeof(*c));

	st->confs = a;
	return c;
}

struct cp_state_part *
cp_state_add_part(struct cp_state *st)
{
	void *a = st->parts;
	struct cp_state_part *p = append(&a, &st->n_parts, sizeof(*p));

	st->parts = a;
	return p;
}

struct cp_state_dial *
cp_state_add_dial(struct cp_state *st)
{
	void *a = st->dials;
	struct cp_state_dial *d = append(&a, &st->n_dials, sizeof(*d));

	st->dials = a;
	return d;
}

void
cp_state_clear(struct cp_state *st)
{
	free(st->confs);
	for (uint32_t i = 0; i < st->n_parts; i++)
		free(st->parts[i].dlg.local_sdp);
	free(st->parts);
	free(st->dials);
	memset(st, 0, sizeof(*st));
}

/* ---- writing ---- */

/* A value: bytes that would end or split a field as %XX. */
static void
put_escaped(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c >= 0x7f || c == '%')
			fprintf(f, "%%%02X", c);
		else
			fputc(c, f);
	}
}

static void
put_addr(FILE *f, const struct shm_msg_leg *leg)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char host[INET6_ADDRSTRLEN];

	if (memcmp(leg->addr, mapped, 12) == 0) {
		inet_ntop(AF_INET, leg->addr + 12, host, sizeof(host));
		fprintf(f, "%s:%u", host, ntohs(leg->remote_port));
	} else {
		inet_ntop(AF_INET6, leg->addr, host, sizeof(host));
		fprintf(f, "[%s]:%u", host, ntohs(leg->remote_port));
	}
}

static void
put_record(FILE *f, const char *type, const void *rec,
	   const struct field *fields, size_t n)
{
	const char *base = rec;

	fputs(type, f);
	for (size_t i = 0; i < n; i++) {
		const void *v = base + fields[i].off;
		uint16_t u16;
		int16_t i16;
		uint32_t u32;
		uint64_t u64;

		if ((fields[i].kind == K_DSTR && *(char *const *)v == NULL) ||
		    (fields[i].kind == K_SUITE &&
		     *(const uint8_t *)v == SHM_SRTP_NONE) ||
		    (fields[i].kind == K_HEXB && all_zero(v, fields[i].size)))
			continue;
		fprintf(f, " %s=", fields[i].key);
		switch (fields[i].kind) {
		case K_STR:
			put_escaped(f, v);
			break;
		case K_DSTR:
			put_escaped(f, *(char *const *)v);
			break;
		case K_BOOL:
			fputc(*(const bool *)v ? '1' : '0', f);
			break;
		case K_U8:
			fprintf(f, "%u", *(const uint8_t *)v);
			break;
		case K_U16:
			memcpy(&u16, v, sizeof(u16));
			fprintf(f, "%u", u16);
			break;
		case K_NPORT:
			memcpy(&u16, v, sizeof(u16));
			fprintf(f, "%u", ntohs(u16));
			break;
		case K_I16:
			memcpy(&i16, v, sizeof(i16));
			fprintf(f, "%d", i16);
			break;
		case K_U32:
			memcpy(&u32, v, sizeof(u32));
			fprintf(f, "%" PRIu32, u32);
			break;
		case K_U64:
		case K_HEX64:
			memcpy(&u64, v, sizeof(u64));
			fprintf(f,
				fields[i].kind == K_U64 ? "%" PRIu64
							: "0x%" PRIx64,
				u64);
			break;
		case K_CODEC:
			fputs(*(const uint8_t *)v < SHM_CODEC_MAX_
				      ? codec_names[*(const uint8_t *)v]
				      : "?",
			      f);
			break;
		case K_DIR:
			fputs(*(const uint8_t *)v < SHM_DIR_MAX_
				      ? dir_names[*(const uint8_t *)v]
				      : "?",
			      f);
			break;
		case K_ADDR:
			put_addr(f, (const struct shm_msg_leg
					     *)((const char *)v -
						offsetof(struct shm_msg_leg,
							 addr)));
			break;
		case K_IP4: {
			char ip[INET_ADDRSTRLEN];

			fputs(inet_ntop(AF_INET, v, ip, sizeof(ip)), f);
			break;
		}
		case K_SUITE:
			fputs(shm_srtp_suite_name(*(const uint8_t *)v), f);
			break;
		case K_HEXB:
			for (size_t k = 0; k < fields[i].size; k++)
				fprintf(f, "%02x", ((const uint8_t *)v)[k]);
			break;
		}
	}
	fputc('\n', f);
}

/* fsync the directory of path, so that the rename itself is durable. */
static void
sync_dir(const char *path)
{
	char buf[4096];
	int fd;

	snprintf(buf, sizeof(buf), "%s", path);
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

void
cp_state_print(FILE *f, const struct cp_state *st)
{
	fprintf(f,
		"tutti-cp-state %d\n"
		"# the calls tutti-cp runs, for a restarted tutti-cp to take "
		"over (see tutti-cp --help)\n",
		CP_STATE_VERSION);
	fprintf(f, "dp generation=0x%" PRIx64 "\n", st->dp_generation);
	if (st->drained != 0)
		fprintf(f, "drain workers=0x%" PRIx64 "\n", st->drained);
	for (uint32_t i = 0; i < st->n_confs; i++)
		put_record(f, "conf", &st->confs[i], conf_fields,
			   N_OF(conf_fields));
	for (uint32_t i = 0; i < st->n_dials; i++)
		put_record(f, "dial", &st->dials[i], dial_fields,
			   N_OF(dial_fields));
	for (uint32_t i = 0; i < st->n_parts; i++)
		put_record(f, "part", &st->parts[i], part_fields,
			   N_OF(part_fields));
	fprintf(f, "end confs=%u parts=%u\n", st->n_confs, st->n_parts);
}

int
cp_state_write(const char *path, const struct cp_state *st, char *err,
	       size_t errlen)
{
	char tmp[4096];
	FILE *f;
	int fd, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		tutti_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	cp_state_print(f, st);
	if (fflush(f) != 0 || fsync(fd) != 0) {
		rc = -errno;
		tutti_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return rc;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		rc = -errno;
		tutti_errf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	sync_dir(path);
	return 0;
}

/* ---- reading ---- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undo put_escaped() in place. Returns the length, or -1 on a bad %. */
static long
unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p != '\0'; p++) {
		int hi, lo;

		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		if ((hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0 ||
		    (hi == 0 && lo == 0))
			return -1;
		*o++ = (char)(hi << 4 | lo);
		p += 2;
	}
	*o = '\0';
	return o - s;
}

static bool
parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoull(s, &end, base);
	return errno == 0 && *end == '\0' && *out <= max;
}

/* Exactly 2 * n hex digits, lower-case as put_record() writes them, into
 * out[n]. */
static bool
parse_hexb(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < 2 * n; i++)
		if (hexval(s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F'))
			return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
	return true;
}

static bool
parse_name(const char *s, const char *const *names, unsigned int n,
	   uint8_t *out)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (uint8_t)i;
			return true;
		}
	return false;
}

static bool
parse_addr(const char *s, struct shm_msg_leg *leg)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	uint64_t port;
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - s)) == 0 ||
	    n >= sizeof(host) || !parse_u64(colon + 1, 10, 65535, &port))
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(leg->addr, 0, sizeof(leg->addr));
	leg->remote_port = htons((uint16_t)port);
	if (host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		return inet_pton(AF_INET6, host + 1, leg->addr) == 1;
	}
	leg->addr[10] = leg->addr[11] = 0xff;
	return inet_pton(AF_INET, host, leg->addr + 12) == 1;
}

/* One "key=value" into rec. Returns NULL or why not. */
static const char *
parse_field(void *rec, const struct field *fd, char *val)
{
	char *v = (char *)rec + fd->off;
	uint64_t u;
	long long ll;
	char *end;

	if (unescape(val) < 0)
		return "bad %-escape";
	switch (fd->kind) {
	case K_STR:
		if (strlen(val) >= fd->size)
			return "value too long";
		memcpy(v, val, strlen(val) + 1);
		return NULL;
	case K_DSTR:
		if (strlen(val) > CP_SIP_STATE_SDP_MAX)
			return "value too long";
		/* a field comes once (parse_fields()): nothing to free */
		if (val[0] != '\0' && (*(char **)v = strdup(val)) == NULL)
			return "out of memory";
		return NULL;
	case K_BOOL:
		if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
			return "expected 0 or 1";
		*(bool *)v = val[0] == '1';
		return NULL;
	case K_U8:
		if (!parse_u64(val, 10, UINT8_MAX, &u))
			return "expected 0..255";
		*(uint8_t *)v = (uint8_t)u;
		return NULL;
	case K_U16:
	case K_NPORT: {
		uint16_t x;

		if (!parse_u64(val, 10, UINT16_MAX, &u))
			return "expected 0..65535";
		x = fd->kind == K_NPORT ? htons((uint16_t)u) : (uint16_t)u;
		memcpy(v, &x, sizeof(x));
		return NULL;
	}
	case K_I16: {
		int16_t x;

		errno = 0;
		ll = strtoll(val, &end, 10);
		if (*val == '\0' || *end != '\0' || errno != 0 ||
		    ll < INT16_MIN || ll > INT16_MAX)
			return "expected -32768..32767";
		x = (int16_t)ll;
		memcpy(v, &x, sizeof(x));
		return NULL;
	}
	case K_U32: {
		uint32_t x;

		if (!parse_u64(val, 10, UINT32_MAX, &u))
			return "expected a 32-bit number";
		x = (uint32_t)u;
		memcpy(v, &x, sizeof(x));
		return NULL;
	}
	case K_U64:
	case K_HEX64:
		if (fd->kind == K_HEX64 && strncmp(val, "0x", 2) != 0)
			return "expected 0x and hex digits";
		if (!parse_u64(val + (fd->kind == K_HEX64 ? 2 : 0),
			       fd->kind == K_HEX64 ? 16 : 10, UINT64_MAX, &u))
			return "expected a 64-bit number";
		memcpy(v, &u, sizeof(u));
		return NULL;
	case K_CODEC:
		return parse_name(val, codec_names, SHM_CODEC_MAX_,
				  (uint8_t *)v)
			       ? NULL
			       : "unknown codec";
	case K_DIR:
		return parse_name(val, dir_names, SHM_DIR_MAX_, (uint8_t *)v)
			       ? NULL
			       : "unknown direction";
	case K_ADDR:
		return parse_addr(val,
				  (struct shm_msg_leg
					   *)(v - offsetof(struct shm_msg_leg,
							   addr)))
			       ? NULL
			       : "expected A.B.C.D:PORT or [V6]:PORT";
	case K_IP4:
		return inet_pton(AF_INET, val, v) == 1 ? NULL
						       : "expected A.B.C.D";
	case K_SUITE:
		*(uint8_t *)v = (uint8_t)shm_srtp_suite_of(val, strlen(val));
		return *(uint8_t *)v != SHM_SRTP_NONE ? NULL
						      : "unknown SRTP suite";
	case K_HEXB:
		return parse_hexb(val, (uint8_t *)v, fd->size) ? NULL
			: "expected hex digits, two a byte";
	}
	return "internal: unknown field kind";
}

/* The line being parsed: what is skipped is counted in st, and why a
 * line is refused is written in why. */
struct line_ctx {
	struct cp_state *st;
	unsigned long lineno;
	const char *type;	/* the record's type, its first word */
	char *why;
	size_t whylen;
};

/* Count a record (field NULL) or a field of one skipped as unknown
 * (state.h). */
static void
skipped(const struct line_ctx *lx, const char *field)
{
	struct cp_state *st = lx->st;

	if (st->skipped++ != 0)
		return;
	st->skipped_line = lx->lineno;
	if (field == NULL)
		snprintf(st->skipped_what, sizeof(st->skipped_what),
			 "record '%.40s'", lx->type);
	else
		snprintf(st->skipped_what, sizeof(st->skipped_what),
			 "field '%.32s' of a %s record", field, lx->type);
}

/*
 * The fields after a record's type (rest, NULL if none) into rec (NULL:
 * it could not be allocated): each key of fields exactly once; another
 * key is skipped (counted). Returns NULL or why not (in lx->why, with
 * the key).
 */
static const char *
parse_fields(void *rec, const struct field *fields, size_t n, char *rest,
	     const struct line_ctx *lx)
{
	char *why = lx->why;
	size_t whylen = lx->whylen;
	uint64_t seen = 0;
	char *save = NULL;
	size_t next = 0;	/* where the key after the last one is */

	if (rec == NULL)
		return "out of memory";
	if (rest == NULL) {
		snprintf(why, whylen, "'%s' record without fields", lx->type);
		return why;
	}
	for (char *tok = strtok_r(rest, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		const char *e;
		size_t i, k;

		if (eq == NULL) {
			snprintf(why, whylen, "'%.40s' is not key=value", tok);
			return why;
		}
		*eq = '\0';
		/* looked for from the key after the last: the writer's order
		 * is the table's, so the first is usually it (a part record
		 * has 42 fields, a file 20,000 records) */
		for (k = 0; k < n && strcmp(fields[(next + k) % n].key, tok) != 0;
		     k++)
			;
		if (k == n) {	/* a newer tutti-cp's: skipped */
			skipped(lx, tok);
			continue;
		}
		i = (next + k) % n;
		next = i + 1;
		if (seen & (1ULL << i)) {
			snprintf(why, whylen, "field '%s' twice", tok);
			return why;
		}
		seen |= 1ULL << i;
		if ((e = parse_field(rec, &fields[i], eq + 1)) != NULL) {
			snprintf(why, whylen, "%s: %s", tok, e);
			return why;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!(seen & (1ULL << i)) && !fields[i].optional) {
			snprintf(why, whylen, "field '%s' missing",
				 fields[i].key);
			return why;
		}
	return NULL;
}

_Static_assert(offsetof(struct cp_state_conf, name) == 0,
	       "check_records() finds a conf record from its name");

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Whether names (n conf records' names, sorted) has name. */
static bool
has_conf(const char *const *names, uint32_t n, const char *name)
{
	return bsearch(&name, names, n, sizeof(*names), cmp_name) != NULL;
}

/*
 * Checks across records, once they are all read: sorted, so that a file
 * of 20,000 legs in 2,000 conferences takes milliseconds (a scan of every
 * record for each took most of a second).
 */
static const char *
check_records(const struct cp_state *st, char *why, size_t whylen)
{
	const char **names = malloc((st->n_confs + 1) * sizeof(*names));
	uint32_t *ids = malloc((st->n_parts + 1) * sizeof(*ids));
	const char *bad = NULL;

	if (names == NULL || ids == NULL) {
		snprintf(why, whylen, "out of memory");
		bad = why;
		goto out;
	}
	for (uint32_t k = 0; k < st->n_confs; k++)
		names[k] = st->confs[k].name;
	qsort(names, st->n_confs, sizeof(*names), cmp_name);
	for (uint32_t i = 0; i < st->n_parts && bad == NULL; i++) {
		const struct cp_state_part *p = &st->parts[i];

		if (!has_conf(names, st->n_confs, p->conf)) {
			snprintf(why, whylen,
				 "leg %u is in conference '%s', "
				 "which has no conf record",
				 p->leg_id, p->conf);
			bad = why;
		} else if (p->leg_id == 0) {
			snprintf(why, whylen, "leg 0 (ids start at 1)");
			bad = why;
		}
		ids[i] = p->leg_id;
	}
	qsort(ids, st->n_parts, sizeof(*ids), cmp_u32);
	for (uint32_t i = 1; i < st->n_parts && bad == NULL; i++)
		if (ids[i] == ids[i - 1]) {
			snprintf(why, whylen, "leg %u twice", ids[i]);
			bad = why;
		}
	for (uint32_t i = 0; i < st->n_dials && bad == NULL; i++) {
		const struct cp_state_dial *d = &st->dials[i];

		if (!has_conf(names, st->n_confs, d->conf)) {
			snprintf(why, whylen,
				 "a dial-out to %s waits in conference '%s', "
				 "which has no conf record", d->uri, d->conf);
			bad = why;
		}
		/* a few at most: a scan of those before is fine */
		for (uint32_t k = 0; k < i && bad == NULL; k++)
			if (strcmp(st->dials[k].conf, d->conf) == 0 &&
			    strcmp(st->dials[k].uri, d->uri) == 0) {
				snprintf(why, whylen,
					 "the dial-out to %s in conference "
					 "'%s' twice", d->uri, d->conf);
				bad = why;
			}
	}
	/* a conference's name or id twice: adjacent once sorted (names[]
	 * point at each record's name, its first member) */
	for (uint32_t k = 1; k < st->n_confs && bad == NULL; k++)
		if (strcmp(names[k], names[k - 1]) == 0) {
			const struct cp_state_conf *c =
				(const struct cp_state_conf *)(const void *)
				names[k];

			snprintf(why, whylen, "conference '%s' (id %u) twice",
				 c->name, c->conf_id);
			bad = why;
		}
	if (bad == NULL && st->n_confs > 0) {
		uint32_t *c_ids = realloc(ids, st->n_confs * sizeof(*ids));

		if (c_ids == NULL) {
			snprintf(why, whylen, "out of memory");
			bad = why;
			goto out;
		}
		ids = c_ids;
		for (uint32_t k = 0; k < st->n_confs; k++)
			ids[k] = st->confs[k].conf_id;
		qsort(ids, st->n_confs, sizeof(*ids), cmp_u32);
		for (uint32_t k = 1; k < st->n_confs && bad == NULL; k++)
			if (ids[k] == ids[k - 1]) {
				snprintf(why, whylen,
					 "conference id %u twice", ids[k]);
				bad = why;
			}
	}
out:
	free(names);
	free(ids);
	return bad;
}


int
cp_state_read(const char *path, struct cp_state *st, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	int rc;

	memset(st, 0, sizeof(*st));
	if (f == NULL) {
		rc = -errno;
		tutti_errf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	rc = cp_state_parse(f, path, st, err, errlen);
	fclose(f);
	return rc;
}

/* Whether s can name a record: [a-z0-9_-]+. */
static bool
is_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

int
cp_state_parse(FILE *f, const char *path, struct cp_state *st, char *err,
	       size_t errlen)
{
	char why[256];
	const char *bad = NULL;
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	bool have_version = false, have_dp = false, have_drain = false;
	bool ended = false;
	ssize_t n;
	struct line_ctx lx = { .st = st, .why = why, .whylen = sizeof(why) };

	memset(st, 0, sizeof(*st));
	while (bad == NULL && (n = getline(&line, &cap, f)) >= 0) {
		char *rest, tail;
		int ver;

		lineno++;
		if (strlen(line) != (size_t)n) {
			bad = "a NUL byte";
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!have_version) {
			if (sscanf(line, "tutti-cp-state %d%c", &ver, &tail) !=
			    1)
				bad = "not a tutti-cp state file (no "
				      "'tutti-cp-state VERSION' line)";
			else if (ver != CP_STATE_VERSION) {
				snprintf(why, sizeof(why),
					 "version %d; this "
					 "tutti-cp reads version %d",
					 ver, CP_STATE_VERSION);
				bad = why;
			}
			have_version = true;
			continue;
		}
		if (ended) {
			bad = "text after the end line";
			break;
		}
		rest = strchr(line, ' ');
		if (rest != NULL)
			*rest++ = '\0';
		lx.lineno = lineno;
		lx.type = line;
		/* each record this tutti-cp reads has its branch; the last
		 * skips another (a newer tutti-cp's: state.h) */
		if (!is_name(line)) {
			snprintf(why, sizeof(why), "'%.40s' is not a record",
				 line);
			bad = why;
		} else if (strcmp(line, "dp") == 0) {
			static const struct field dpf[] = {
				F("generation", K_HEX64, struct cp_state,
				  dp_generation),
			};

			bad = have_dp ? "a second dp record" :
			      parse_fields(st, dpf, 1, rest, &lx);
			have_dp = true;
		} else if (strcmp(line, "drain") == 0) {
			static const struct field drf[] = {
				F("workers", K_HEX64, struct cp_state,
				  drained),
			};

			bad = have_drain ? "a second drain record" :
			      parse_fields(st, drf, 1, rest, &lx);
			have_drain = true;
		} else if (strcmp(line, "conf") == 0) {
			bad = parse_fields(cp_state_add_conf(st), conf_fields,
					   N_OF(conf_fields), rest, &lx);
		} else if (strcmp(line, "dial") == 0) {
			bad = parse_fields(cp_state_add_dial(st), dial_fields,
					   N_OF(dial_fields), rest, &lx);
		} else if (strcmp(line, "part") == 0) {
			struct cp_state_part *p = cp_state_add_part(st);

			bad = parse_fields(p, part_fields, N_OF(part_fields),
					   rest, &lx);
			if (p != NULL)
				p->leg.leg_id = p->leg_id; /* one field */
		} else if (strcmp(line, "end") != 0) {
			skipped(&lx, NULL);
		} else if (rest == NULL) {
			bad = "'end' record without fields";
		} else {
			unsigned int nc, np;

			if (sscanf(rest, "confs=%u parts=%u%c", &nc, &np,
				   &tail) != 2 ||
			    nc != st->n_confs || np != st->n_parts) {
				snprintf(why, sizeof(why),
					 "the end line does "
					 "not count the %u conf and %u part "
					 "records above",
					 st->n_confs, st->n_parts);
				bad = why;
			}
			ended = true;
		}
	}
	free(line);
	if (bad == NULL && !ended) {
		lineno++;
		bad = !have_version ? "empty file" : "no end line (truncated?)";
	}
	if (bad == NULL && !have_dp)
		bad = "no dp record";
	if (bad == NULL && (bad = check_records(st, why, sizeof(why))) != NULL)
		lineno = 0;
	if (bad != NULL) {
		if (lineno != 0)
			tutti_errf(err, errlen, "%s:%lu: %s", path, lineno, bad);
		else
			tutti_errf(err, errlen, "%s: %s", path, bad);
		cp_state_clear(st);
		return -EPROTO;
	}
	return 0;
}
