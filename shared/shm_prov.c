/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_prov.c: the provisioning file parser (see shm_prov.h). Cold path:
 * tutti-dp's main lcore before the workers start, tutti-cp's main thread.
 * Every error names the file, the line and the
 * reason, and nothing is applied from a file with an error.
 */
#include "shm_prov.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler.h"
#include "shm_msg.h"

#define PROV_MAX_TOKENS	32
#define PROV_MAX_RANGE	1000000u	/* legs in one "legs" line */

struct parser {
	struct shm_prov *p;
	const char *name;	/* file name for messages */
	unsigned int line;
	uint16_t n_workers;
	size_t cap;		/* allocated cmds */
	char *err;
	size_t errlen;
	uint32_t *conf_ids;	/* conferences so far, with their workers */
	uint16_t *conf_workers;
	uint32_t *conf_legs;	/* legs per conference so far */
	uint32_t *conf_max;	/* its max-legs, 0 = no limit */
	uint32_t n_confs_cap;
};

static int TUTTI_PRINTF(2, 3)
fail(struct parser *ps, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err != NULL && ps->errlen > 0)
		snprintf(ps->err, ps->errlen, "%s:%u: %s", ps->name, ps->line,
			 msg);
	return -EINVAL;
}

static int
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* realloc() that wipes what it leaves behind (the file's text and the
 * commands may hold SRTP keys): old's first used bytes are copied to a new
 * block of size bytes, and wiped; NULL (old kept) without memory. */
static void *
grow_wiped(void *old, size_t used, size_t size)
{
	void *n = malloc(size);

	if (n == NULL)
		return NULL;
	if (old != NULL) {
		memcpy(n, old, used);
		explicit_bzero(old, used);
		free(old);
	}
	return n;
}

static struct shm_prov_cmd *
push(struct parser *ps)
{
	struct shm_prov *p = ps->p;

	if (p->n_cmds == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 64;
		struct shm_prov_cmd *c = grow_wiped(p->cmds, p->n_cmds *
						    sizeof(*c),
						    cap * sizeof(*c));

		if (c == NULL)
			return NULL;
		p->cmds = c;
		ps->cap = cap;
	}
	memset(&p->cmds[p->n_cmds], 0, sizeof(p->cmds[0]));
	p->cmds[p->n_cmds].line = ps->line;
	return &p->cmds[p->n_cmds++];
}

static int
conf_index(const struct parser *ps, uint32_t id)
{
	for (uint32_t i = 0; i < ps->p->n_confs; i++)
		if (ps->conf_ids[i] == id)
			return (int)i;
	return -1;
}

/* key=value lookup among tokens[first..n); flags are bare words. */
static const char *
opt(char **tok, int n, const char *key)
{
	size_t kl = strlen(key);

	for (int i = 0; i < n; i++)
		if (strncmp(tok[i], key, kl) == 0 && tok[i][kl] == '=')
			return tok[i] + kl + 1;
	return NULL;
}

static bool
flag(char **tok, int n, const char *word)
{
	for (int i = 0; i < n; i++)
		if (strcmp(tok[i], word) == 0)
			return true;
	return false;
}

/* Every token must be a known key=value or flag. */
static int
check_known(struct parser *ps, char **tok, int n, const char *const *keys,
	    const char *const *flags)
{
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(tok[i], '=');
		bool ok = false;

		for (int k = 0; keys[k] != NULL && !ok; k++)
			ok = eq != NULL &&
			     (size_t)(eq - tok[i]) == strlen(keys[k]) &&
			     strncmp(tok[i], keys[k], strlen(keys[k])) == 0;
		for (int k = 0; flags[k] != NULL && !ok; k++)
			ok = strcmp(tok[i], flags[k]) == 0;
		if (!ok)
			return fail(ps, "unknown option '%s'", tok[i]);
	}
	return 0;
}

static int
do_conference(struct parser *ps, char **tok, int n)
{
	static const char *const keys[] = { "worker", "rate", "ptime",
					    "talkers", "max-legs", NULL };
	static const char *const flags[] = { "limiter", NULL };
	struct shm_prov_cmd *c;
	const char *v;
	uint32_t id, x;

	if (n < 2 || parse_u32(tok[1], 1, UINT32_MAX, &id) < 0)
		return fail(ps, "conference: expected a numeric id >= 1");
	if (check_known(ps, tok + 2, n - 2, keys, flags) < 0)
		return -EINVAL;
	if (conf_index(ps, id) >= 0)
		return fail(ps, "conference %u is defined twice", id);
	if (ps->p->n_confs == ps->n_confs_cap) {
		uint32_t cap = ps->n_confs_cap ? 2 * ps->n_confs_cap : 16;
		uint32_t *ids = realloc(ps->conf_ids, cap * sizeof(*ids));
		uint16_t *ws;
		uint32_t *ls;

		if (ids == NULL)
			return -ENOMEM;
		ps->conf_ids = ids;
		ws = realloc(ps->conf_workers, cap * sizeof(*ws));
		if (ws == NULL)
			return -ENOMEM;
		ps->conf_workers = ws;
		ls = realloc(ps->conf_legs, cap * sizeof(*ls));
		if (ls == NULL)
			return -ENOMEM;
		ps->conf_legs = ls;
		ls = realloc(ps->conf_max, cap * sizeof(*ls));
		if (ls == NULL)
			return -ENOMEM;
		ps->conf_max = ls;
		ps->n_confs_cap = cap;
	}
	c = push(ps);
	if (c == NULL)
		return -ENOMEM;
	shm_msg_init(&c->msg, SHM_CMD_CONF_CREATE, 0, id);
	c->msg.body.conf.rate_hz = 8000;
	c->msg.body.conf.ptime_ms = 20;
	c->worker = (uint16_t)(ps->p->n_confs % ps->n_workers);
	if ((v = opt(tok, n, "worker")) != NULL) {
		if (parse_u32(v, 0, ps->n_workers - 1u, &x) < 0)
			return fail(ps, "conference %u: worker=%s: there %s "
				    "%u worker%s (0..%u)", id, v,
				    ps->n_workers == 1 ? "is" : "are",
				    ps->n_workers, ps->n_workers == 1 ? "" :
				    "s", ps->n_workers - 1u);
		c->worker = (uint16_t)x;
		c->worker_given = true;
	}
	if ((v = opt(tok, n, "rate")) != NULL) {
		if (parse_u32(v, 8000, 16000, &x) < 0 ||
		    (x != 8000 && x != 16000))
			return fail(ps, "conference %u: rate=%s: a conference "
				    "mixes at 8000 or 16000 Hz", id, v);
		c->msg.body.conf.rate_hz = x;
	}
	if ((v = opt(tok, n, "ptime")) != NULL) {
		if (parse_u32(v, 10, 40, &x) < 0 || x % 10 != 0)
			return fail(ps, "conference %u: ptime=%s: expected 10, "
				    "20, 30 or 40 ms", id, v);
		c->msg.body.conf.ptime_ms = (uint8_t)x;
	}
	if ((v = opt(tok, n, "talkers")) != NULL) {
		if (parse_u32(v, 1, 255, &x) < 0)
			return fail(ps, "conference %u: talkers=%s: expected "
				    "1..255", id, v);
		c->msg.body.conf.n_talkers = (uint8_t)x;
	}
	if ((v = opt(tok, n, "max-legs")) != NULL) {
		if (parse_u32(v, 1, UINT32_MAX, &x) < 0)
			return fail(ps, "conference %u: max-legs=%s: expected "
				    "a number >= 1", id, v);
		c->msg.body.conf.max_legs = x;
	}
	if (flag(tok, n, "limiter"))
		c->msg.body.conf.flags |= SHM_CONF_LIMITER;
	if (shm_msg_validate(&c->msg) != 0)
		return fail(ps, "conference %u: invalid", id);
	ps->conf_ids[ps->p->n_confs] = id;
	ps->conf_workers[ps->p->n_confs] = c->worker;
	ps->conf_legs[ps->p->n_confs] = 0;
	ps->conf_max[ps->p->n_confs] = c->msg.body.conf.max_legs;
	ps->p->n_confs++;
	return 0;
}

static int
parse_endpoint(const char *s, struct in_addr *a, uint32_t *port)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, a) != 1 || a->s_addr == 0)
		return -EINVAL;
	return parse_u32(colon + 1, 1, 65535, port);
}

/* A leg's SRTP, as its line gives it: suite NONE for none. */
struct prov_srtp {
	uint8_t suite;
	uint8_t key[2][SHM_SRTP_KEY_BYTES];	/* [SHM_SRTP_RX], [_TX] */
};

/*
 * srtp=SUITE srtp-key-in=B64 srtp-key-out=B64 (RFC 4568's suite names and
 * inline: key form, 30 bytes of master key and salt in base64): the key
 * of what tutti-dp receives and of what it sends. Both keys or none. A
 * range's legs share the keys, so they must not share an SSRC (ssrc=).
 */
static int
leg_srtp(struct parser *ps, char **tok, int n, const char *what,
	 uint32_t count, struct shm_msg_leg *l, struct prov_srtp *sr)
{
	static const char *const dirs[2] = { "srtp-key-in", "srtp-key-out" };
	const char *v = opt(tok, n, "srtp");

	memset(sr, 0, sizeof(*sr));
	if (v == NULL) {
		for (int d = 0; d < 2; d++)
			if (opt(tok, n, dirs[d]) != NULL)
				return fail(ps, "%s: %s= without srtp=SUITE",
					    what, dirs[d]);
		return 0;
	}
	sr->suite = (uint8_t)shm_srtp_suite_of(v, strlen(v));
	if (sr->suite == SHM_SRTP_NONE)
		return fail(ps, "%s: srtp=%s: expected %s or %s", what, v,
			    shm_srtp_suite_name(SHM_SRTP_AES_CM_128_HMAC_SHA1_80),
			    shm_srtp_suite_name(SHM_SRTP_AES_CM_128_HMAC_SHA1_32));
	for (int d = 0; d < 2; d++) {
		const char *k = opt(tok, n, dirs[d]);
		int len;

		if (k == NULL)
			return fail(ps, "%s: srtp=%s needs %s=KEY (base64 of "
				    "%d bytes, master key and salt, as in "
				    "a=crypto's inline:)", what, v, dirs[d],
				    SHM_SRTP_KEY_BYTES);
		len = shm_b64_decode(k, strlen(k), sr->key[d],
				     sizeof(sr->key[d]));
		if (len != SHM_SRTP_KEY_BYTES)
			return fail(ps, "%s: %s= is %s (not shown: it is a "
				    "key)", what, dirs[d], len < 0 ?
				    "not base64" : "not 30 bytes (16 of master "
				    "key, 14 of salt)");
	}
	if (count > 1 && opt(tok, n, "ssrc") != NULL)
		return fail(ps, "%s: ssrc= with srtp=: the range's legs share "
			    "their keys, and would send one keystream", what);
	l->flags |= SHM_LEG_SRTP;
	return 0;
}

static int
leg_template(struct parser *ps, char **tok, int n, const char *what,
	     uint32_t count, struct shm_msg *m, struct prov_srtp *sr,
	     uint16_t *worker, struct in_addr *ra, uint32_t *rport,
	     uint32_t *lport)
{
	static const char *const keys[] = { "conference", "remote", "local",
					    "codec", "pt", "rate", "dtmf",
					    "ssrc", "ptime", "dir", "gain",
					    "timeout", "srtp", "srtp-key-in",
					    "srtp-key-out", NULL };
	static const char *const flags[] = { "mute", "deaf", "latch",
					     "inband-dtmf", NULL };
	static const char *const dirs[] = { "sendrecv", "sendonly",
					    "recvonly", "inactive" };
	struct shm_msg_leg *l = &m->body.leg;
	struct in_addr la = { 0 };	/* 0.0.0.0: tutti-dp's first */
	const char *v;
	uint32_t conf, x;
	int ci;

	if (check_known(ps, tok, n, keys, flags) < 0)
		return -EINVAL;
	if ((v = opt(tok, n, "conference")) == NULL ||
	    parse_u32(v, 1, UINT32_MAX, &conf) < 0)
		return fail(ps, "%s: needs conference=ID", what);
	ci = conf_index(ps, conf);
	if (ci < 0)
		return fail(ps, "%s: conference %u is not defined above",
			    what, conf);
	*worker = ps->conf_workers[ci];
	ps->conf_legs[ci] += count;
	if (ps->conf_max[ci] != 0 && ps->conf_legs[ci] > ps->conf_max[ci])
		return fail(ps, "%s: conference %u allows max-legs=%u", what,
			    conf, ps->conf_max[ci]);
	shm_msg_init(m, SHM_CMD_LEG_ADD, 0, conf);
	if ((v = opt(tok, n, "remote")) == NULL ||
	    parse_endpoint(v, ra, rport) < 0)
		return fail(ps, "%s: needs remote=A.B.C.D:PORT", what);
	if ((v = opt(tok, n, "local")) == NULL ||
	    (strchr(v, ':') == NULL ? parse_u32(v, 1, 65535, lport) :
	     parse_endpoint(v, &la, lport)) < 0)
		return fail(ps, "%s: needs local=PORT or local=A.B.C.D:PORT "
			    "(1..65535)", what);
	memcpy(l->local_addr, &la.s_addr, 4);
	l->codec = SHM_CODEC_PCMU;
	l->pt = 0;
	l->rate_hz = 8000;
	l->ptime_ms = 20;
	if ((v = opt(tok, n, "codec")) != NULL) {
		if (strcmp(v, "PCMU") == 0) {
			l->codec = SHM_CODEC_PCMU;
		} else if (strcmp(v, "PCMA") == 0) {
			l->codec = SHM_CODEC_PCMA;
			l->pt = 8;
		} else if (strcmp(v, "L16") == 0) {
			l->codec = SHM_CODEC_L16;
			l->pt = 96;
		} else {
			return fail(ps, "%s: codec=%s: expected PCMU, PCMA or "
				    "L16", what, v);
		}
	}
	if ((v = opt(tok, n, "rate")) != NULL) {
		if (parse_u32(v, 1, 48000, &x) < 0)
			return fail(ps, "%s: rate=%s: expected a clock rate "
				    "in Hz", what, v);
		l->rate_hz = x;
		if (l->codec == SHM_CODEC_L16 && x == 44100 &&
		    opt(tok, n, "pt") == NULL)
			l->pt = 11;	/* RFC 3551: L16 mono 44.1 kHz */
	}
	if ((v = opt(tok, n, "pt")) != NULL) {
		if (parse_u32(v, 0, 127, &x) < 0)
			return fail(ps, "%s: pt=%s: expected 0..127", what, v);
		l->pt = (uint8_t)x;
	}
	if ((v = opt(tok, n, "dtmf")) != NULL) {
		if (parse_u32(v, 96, 127, &x) < 0)
			return fail(ps, "%s: dtmf=%s: telephone-event takes a "
				    "dynamic payload type, 96..127", what, v);
		l->dtmf_pt = (uint8_t)x;
	}
	if ((v = opt(tok, n, "ssrc")) != NULL) {
		if (parse_u32(v, 0, UINT32_MAX, &x) < 0)
			return fail(ps, "%s: ssrc=%s: expected a 32-bit number",
				    what, v);
		l->ssrc = x;
	}
	if ((v = opt(tok, n, "ptime")) != NULL) {
		if (parse_u32(v, 10, 40, &x) < 0 || x % 10 != 0)
			return fail(ps, "%s: ptime=%s: expected 10, 20, 30 or "
				    "40 ms", what, v);
		l->ptime_ms = (uint8_t)x;
	}
	if ((v = opt(tok, n, "dir")) != NULL) {
		size_t d;

		for (d = 0; d < TUTTI_ARRAY_SIZE(dirs); d++)
			if (strcmp(v, dirs[d]) == 0)
				break;
		if (d == TUTTI_ARRAY_SIZE(dirs))
			return fail(ps, "%s: dir=%s: expected sendrecv, "
				    "sendonly, recvonly or inactive", what, v);
		l->dir = (uint8_t)d;
	}
	if ((v = opt(tok, n, "gain")) != NULL) {
		char *end;
		double db;

		errno = 0;
		db = strtod(v, &end);
		if (errno != 0 || *end != '\0' || end == v || db < -96.0 ||
		    db > 24.0)
			return fail(ps, "%s: gain=%s: expected dB in -96..24",
				    what, v);
		l->gain_db_q8 = (int16_t)(db * 256.0);
	}
	if ((v = opt(tok, n, "timeout")) != NULL) {
		if (parse_u32(v, 0, 65535, &x) < 0)
			return fail(ps, "%s: timeout=%s: expected 0..65535 ms",
				    what, v);
		l->timeout_ms = (uint16_t)x;
	}
	l->flags = (uint8_t)((flag(tok, n, "mute") ? SHM_LEG_MUTE : 0) |
			     (flag(tok, n, "deaf") ? SHM_LEG_DEAF : 0) |
			     (flag(tok, n, "latch") ? SHM_LEG_LATCH : 0) |
			     (flag(tok, n, "inband-dtmf") ?
			      SHM_LEG_INBAND_DTMF : 0));
	return leg_srtp(ps, tok, n, what, count, l, sr);
}

/* Leg id's SRTP keys, after its LEG_ADD: a LEG_SRTP each way. */
static int
emit_keys(struct parser *ps, const struct shm_msg *tmpl,
	  const struct prov_srtp *sr, uint16_t worker, uint32_t id)
{
	for (uint8_t d = SHM_SRTP_RX; d <= SHM_SRTP_TX; d++) {
		struct shm_prov_cmd *c = push(ps);
		struct shm_msg_srtp *k;

		if (c == NULL)
			return -ENOMEM;
		shm_msg_init(&c->msg, SHM_CMD_LEG_SRTP, 0, tmpl->hdr.conf_id);
		c->worker = worker;
		k = &c->msg.body.srtp;
		k->leg_id = id;
		k->dir = d;
		k->suite = sr->suite;
		memcpy(k->key, sr->key[d], sizeof(k->key));
		if (shm_msg_validate(&c->msg) != 0)
			return fail(ps, "leg %u: invalid SRTP key", id);
	}
	return 0;
}

static int
emit_leg(struct parser *ps, const struct shm_msg *tmpl,
	 const struct prov_srtp *sr, uint16_t worker, uint32_t id,
	 struct in_addr ra, uint32_t rport, uint32_t lport, bool ssrc_given)
{
	struct shm_prov_cmd *c = push(ps);
	struct shm_msg_leg *l;

	if (c == NULL)
		return -ENOMEM;
	c->msg = *tmpl;
	c->worker = worker;
	l = &c->msg.body.leg;
	l->leg_id = id;
	l->addr[10] = 0xff;
	l->addr[11] = 0xff;
	memcpy(&l->addr[12], &ra.s_addr, 4);
	l->remote_port = htons((uint16_t)rport);
	l->local_port = htons((uint16_t)lport);
	if (!ssrc_given)
		l->ssrc = id * 2654435761u;	/* distinct per leg */
	if (shm_msg_validate(&c->msg) != 0)
		return fail(ps, "leg %u: invalid combination (e.g. codec %s "
			    "at %u Hz, or dtmf equal to pt)", id,
			    shm_codec_name(l->codec), l->rate_hz);
	ps->p->n_legs++;
	if (sr->suite == SHM_SRTP_NONE)
		return 0;
	ps->p->n_srtp_legs++;
	return emit_keys(ps, tmpl, sr, worker, id);
}

static int
do_leg(struct parser *ps, char **tok, int n, bool range)
{
	uint32_t first, last, rport, lport;
	char what[48];
	struct shm_msg tmpl;
	struct prov_srtp sr;
	struct in_addr ra;
	uint16_t worker = 0;
	int rc;

	if (n < 2)
		return fail(ps, "%s: expected an id", tok[0]);
	if (range) {
		char *dash = strchr(tok[1], '-');

		if (dash == NULL)
			return fail(ps, "legs: expected FIRST-LAST");
		*dash = '\0';
		if (parse_u32(tok[1], 1, UINT32_MAX, &first) < 0 ||
		    parse_u32(dash + 1, 1, UINT32_MAX, &last) < 0 ||
		    last < first || last - first >= PROV_MAX_RANGE)
			return fail(ps, "legs: expected FIRST-LAST with 1 <= "
				    "FIRST <= LAST and at most %u legs",
				    PROV_MAX_RANGE);
	} else if (parse_u32(tok[1], 1, UINT32_MAX, &first) < 0) {
		return fail(ps, "leg: expected a numeric id >= 1");
	} else {
		last = first;
	}
	if (range)
		snprintf(what, sizeof(what), "legs %u-%u", first, last);
	else
		snprintf(what, sizeof(what), "leg %u", first);
	rc = leg_template(ps, tok + 2, n - 2, what, last - first + 1, &tmpl,
			  &sr, &worker, &ra, &rport, &lport);
	if (rc < 0) {
		explicit_bzero(&sr, sizeof(sr));
		return rc;
	}
	if (rport + 2ULL * (last - first) > 65535 ||
	    lport + 2ULL * (last - first) > 65535)
		rc = fail(ps, "%s: ports run past 65535 (each leg takes the "
			  "next even port)", what);
	for (uint32_t id = first; rc == 0; id++) {
		rc = emit_leg(ps, &tmpl, &sr, worker, id, ra,
			      rport + 2 * (id - first),
			      lport + 2 * (id - first),
			      opt(tok + 2, n - 2, "ssrc") != NULL);
		if (rc < 0 || id == last)
			break;
	}
	explicit_bzero(&sr, sizeof(sr));
	return rc;
}

static int
cmp_leg(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Leg ids are unique in a region: report the first duplicate. */
static int
check_duplicates(struct parser *ps)
{
	uint32_t *ids = malloc(sizeof(*ids) * (ps->p->n_legs + 1));
	size_t k = 0;
	int rc = 0;

	if (ids == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < ps->p->n_cmds; i++)
		if (ps->p->cmds[i].msg.hdr.type == SHM_CMD_LEG_ADD)
			ids[k++] = ps->p->cmds[i].msg.body.leg.leg_id;
	qsort(ids, k, sizeof(*ids), cmp_leg);
	for (size_t i = 1; i < k; i++)
		if (ids[i] == ids[i - 1]) {
			ps->line = 0;
			if (ps->err != NULL && ps->errlen > 0)
				snprintf(ps->err, ps->errlen, "%s: leg %u is "
					 "defined twice", ps->name, ids[i]);
			rc = -EINVAL;
			break;
		}
	free(ids);
	return rc;
}

/* One line's directive, its words in tok[0..n). */
static int
directive(struct parser *ps, char **tok, int n)
{
	if (strcmp(tok[0], "conference") == 0)
		return do_conference(ps, tok, n);
	if (strcmp(tok[0], "leg") == 0)
		return do_leg(ps, tok, n, false);
	if (strcmp(tok[0], "legs") == 0)
		return do_leg(ps, tok, n, true);
	return fail(ps, "unknown directive '%s' (expected conference, leg or "
		    "legs)", tok[0]);
}

int
shm_prov_parse(struct shm_prov *p, const char *text, const char *name,
	      uint16_t n_workers, char *err, size_t errlen)
{
	struct parser ps = { .p = p, .name = name, .n_workers = n_workers,
			     .err = err, .errlen = errlen };
	const char *s = text;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (n_workers == 0)
		return -EINVAL;
	while (*s != '\0' && rc == 0) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char buf[1024], *tok[PROV_MAX_TOKENS], *save = NULL, *t;
		int n = 0;

		ps.line++;
		if (len >= sizeof(buf)) {
			rc = fail(&ps, "line longer than %zu bytes",
				  sizeof(buf) - 1);
			break;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		s += len + (nl != NULL);
		if ((t = strchr(buf, '#')) != NULL)
			*t = '\0';
		for (t = strtok_r(buf, " \t\r", &save); t != NULL;
		     t = strtok_r(NULL, " \t\r", &save)) {
			if (n == PROV_MAX_TOKENS) {
				rc = fail(&ps, "more than %d words",
					  PROV_MAX_TOKENS);
				break;
			}
			tok[n++] = t;
		}
		if (rc == 0 && n > 0)
			rc = directive(&ps, tok, n);
		explicit_bzero(buf, len);	/* it may hold SRTP keys */
	}
	if (rc == 0)
		rc = check_duplicates(&ps);
	free(ps.conf_ids);
	free(ps.conf_workers);
	free(ps.conf_legs);
	free(ps.conf_max);
	if (rc < 0) {
		if (rc == -ENOMEM && err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory", name);
		shm_prov_free(p);
	}
	return rc;
}

int
shm_prov_load(struct shm_prov *p, const char *path, uint16_t n_workers,
	     char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *t;

			cap = cap ? 2 * cap : 65536;
			t = grow_wiped(text, len, cap);
			if (t == NULL) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			text = t;
		}
		size_t n = fread(text + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: contains a NUL byte: not a "
			 "provisioning file", path);
		goto out;
	}
	rc = shm_prov_parse(p, text, path, n_workers, err, errlen);
	if (rc == 0 && p->n_srtp_legs != 0 && fstat(fileno(f), &st) == 0)
		p->keys_exposed = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
out:
	if (text != NULL)
		explicit_bzero(text, len);	/* it may hold SRTP keys */
	free(text);
	fclose(f);
	return rc;
}

void
shm_prov_free(struct shm_prov *p)
{
	if (p->cmds != NULL)	/* LEG_SRTP commands hold keys */
		explicit_bzero(p->cmds, p->n_cmds * sizeof(p->cmds[0]));
	free(p->cmds);
	memset(p, 0, sizeof(*p));
}
