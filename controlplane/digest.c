/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * digest.c: Digest authentication (RFC 7616, RFC 2617, RFC 3261 §22.4):
 * Authorization parsing, HA1 and response hashing with nettle's MD5 and
 * SHA-256, stateless HMAC nonces, WWW-Authenticate values. Control plane,
 * cold path; no global state.
 */
#include "digest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#define NONCE_TS_HEX	16 /* 64-bit timestamp */
#define NONCE_MAC_BYTES 16 /* truncated HMAC-SHA-256 */
#define NONCE_SKEW_S	5  /* a nonce from the future we still accept */

/* One hash of either algorithm, fed piece by piece. */
struct hash {
	enum cp_digest_alg alg;
	union {
		struct md5_ctx md5;
		struct sha256_ctx sha256;
	} u;
};

static void
hash_init(struct hash *h, enum cp_digest_alg alg)
{
	h->alg = alg;
	if (alg == CP_DIGEST_SHA256)
		sha256_init(&h->u.sha256);
	else
		md5_init(&h->u.md5);
}

static void
hash_str(struct hash *h, const char *s)
{
	size_t n = strlen(s);

	if (h->alg == CP_DIGEST_SHA256)
		sha256_update(&h->u.sha256, n, (const uint8_t *)s);
	else
		md5_update(&h->u.md5, n, (const uint8_t *)s);
}

/* ":" then s. */
static void
hash_field(struct hash *h, const char *s)
{
	hash_str(h, ":");
	hash_str(h, s);
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Finish h as lower-case hex into out (CP_DIGEST_HEX_MAX bytes). */
static void
hash_hex(struct hash *h, char *out)
{
	uint8_t d[SHA256_DIGEST_SIZE];

	if (h->alg == CP_DIGEST_SHA256) {
		sha256_digest(&h->u.sha256, SHA256_DIGEST_SIZE, d);
		hex(d, SHA256_DIGEST_SIZE, out);
	} else {
		md5_digest(&h->u.md5, MD5_DIGEST_SIZE, d);
		hex(d, MD5_DIGEST_SIZE, out);
	}
}

const char *
cp_digest_alg_name(enum cp_digest_alg alg)
{
	return alg == CP_DIGEST_SHA256 ? "SHA-256" : "MD5";
}

int
cp_digest_key_random(struct cp_digest_key *k)
{
	size_t got = 0;

	while (got < sizeof(k->secret)) {
		ssize_t n =
			getrandom(k->secret + got, sizeof(k->secret) - got, 0);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

void
cp_digest_ha1(enum cp_digest_alg alg, const char *user, const char *realm,
	      const char *password, char *out)
{
	struct hash h;

	hash_init(&h, alg);
	hash_str(&h, user);
	hash_field(&h, realm);
	hash_field(&h, password);
	hash_hex(&h, out);
}

void
cp_digest_response(enum cp_digest_alg alg, bool sess, const char *ha1_hex,
		   const char *nonce, const char *nc, const char *cnonce,
		   bool qop_auth, const char *method, const char *uri,
		   char *out)
{
	char ha1[CP_DIGEST_HEX_MAX], ha2[CP_DIGEST_HEX_MAX];
	struct hash h;

	if (sess) { /* RFC 7616 §3.4.2 */
		hash_init(&h, alg);
		hash_str(&h, ha1_hex);
		hash_field(&h, nonce);
		hash_field(&h, cnonce != NULL ? cnonce : "");
		hash_hex(&h, ha1);
	} else {
		snprintf(ha1, sizeof(ha1), "%s", ha1_hex);
	}
	hash_init(&h, alg);
	hash_str(&h, method);
	hash_field(&h, uri);
	hash_hex(&h, ha2);
	hash_init(&h, alg);
	hash_str(&h, ha1);
	hash_field(&h, nonce);
	if (qop_auth) {
		hash_field(&h, nc != NULL ? nc : "");
		hash_field(&h, cnonce != NULL ? cnonce : "");
		hash_field(&h, "auth");
	}
	hash_field(&h, ha2);
	hash_hex(&h, out);
}

bool
cp_digest_response_ok(const struct cp_digest_creds *c, const char *method,
		      const char *ha1_hex)
{
	char want[CP_DIGEST_HEX_MAX];
	size_t n;

	if (c->response == NULL || c->nonce == NULL || c->uri == NULL)
		return false;
	cp_digest_response(c->alg, c->sess, ha1_hex, c->nonce, c->nc, c->cnonce,
			   c->qop_auth, method, c->uri, want);
	n = strlen(want);
	return strlen(c->response) == n && memeql_sec(want, c->response, n);
}

/* ---- nonces ---- */

static void
nonce_mac(const struct cp_digest_key *k, const char *realm, const char *ts_hex,
	  uint8_t *mac)
{
	struct hmac_sha256_ctx h;

	hmac_sha256_set_key(&h, sizeof(k->secret), k->secret);
	hmac_sha256_update(&h, NONCE_TS_HEX, (const uint8_t *)ts_hex);
	hmac_sha256_update(&h, strlen(realm), (const uint8_t *)realm);
	hmac_sha256_digest(&h, NONCE_MAC_BYTES, mac);
}

void
cp_digest_nonce_make(const struct cp_digest_key *k, const char *realm,
		     uint64_t now_s, char *out)
{
	uint8_t mac[NONCE_MAC_BYTES];

	snprintf(out, NONCE_TS_HEX + 1, "%016llx", (unsigned long long)now_s);
	nonce_mac(k, realm, out, mac);
	hex(mac, sizeof(mac), out + NONCE_TS_HEX);
}

int
cp_digest_nonce_check(const struct cp_digest_key *k, const char *realm,
		      const char *nonce, uint64_t now_s, uint32_t lifetime_s)
{
	uint8_t mac[NONCE_MAC_BYTES];
	char want[2 * NONCE_MAC_BYTES + 1];
	uint64_t ts = 0;

	if (strlen(nonce) != CP_DIGEST_NONCE_LEN)
		return -EBADMSG;
	for (int i = 0; i < NONCE_TS_HEX; i++) {
		char ch = nonce[i];
		unsigned int v;

		if (ch >= '0' && ch <= '9')
			v = (unsigned int)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = (unsigned int)(ch - 'a' + 10);
		else
			return -EBADMSG;
		ts = ts << 4 | v;
	}
	nonce_mac(k, realm, nonce, mac);
	hex(mac, sizeof(mac), want);
	if (!memeql_sec(want, nonce + NONCE_TS_HEX, sizeof(want) - 1))
		return -EBADMSG;
	if (ts > now_s + NONCE_SKEW_S)
		return -EBADMSG;
	if (ts + lifetime_s < now_s)
		return -ESTALE;
	return 0;
}

/* ---- WWW-Authenticate ---- */

static bool
quotable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 ||
		    *s == 0x7f)
			return false;
	return true;
}

int
cp_digest_challenge(char *buf, size_t len, const char *realm, const char *nonce,
		    enum cp_digest_alg alg, bool stale)
{
	int n;

	if (!quotable(realm) || !quotable(nonce))
		return -EINVAL;
	n = snprintf(buf, len,
		     "Digest realm=\"%s\", nonce=\"%s\", algorithm=%s, "
		     "qop=\"auth\"%s",
		     realm, nonce, cp_digest_alg_name(alg),
		     stale ? ", stale=true" : "");
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

/* ---- Authorization parsing (RFC 7616 §3.4, RFC 7235 §2.1) ---- */

static bool
is_tchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || strchr("!#$%&'*+-.^_`|~", ch);
}

static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

/*
 * One "name=value" at *sp: name and value are copied, NUL-terminated, to
 * *wp (value unquoted), advancing both. Returns 0 or -EINVAL.
 */
static int
param(const char **sp, char **wp, const char **name, const char **value)
{
	const char *s = *sp;
	char *w = *wp;

	*name = w;
	while (*s != '\0' && is_tchar(*s))
		*w++ = *s++;
	if (w == *name)
		return -EINVAL;
	*w++ = '\0';
	s = skip_ws(s);
	if (*s++ != '=')
		return -EINVAL;
	s = skip_ws(s);
	*value = w;
	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (*s == '\0')
				return -EINVAL;
			*w++ = *s;
		}
		s++;
	} else {
		while (*s != '\0' && is_tchar(*s))
			*w++ = *s++;
		if (w == *value)
			return -EINVAL;
	}
	*w++ = '\0';
	*sp = s;
	*wp = w;
	return 0;
}

static bool
is_hex8(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return false;
	return i == 8;
}

/* The fields whose place in struct cp_digest_creds a name picks. */
static const char **
field_for(struct cp_digest_creds *c, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "username", offsetof(struct cp_digest_creds, username) },
		{ "realm", offsetof(struct cp_digest_creds, realm) },
		{ "nonce", offsetof(struct cp_digest_creds, nonce) },
		{ "uri", offsetof(struct cp_digest_creds, uri) },
		{ "response", offsetof(struct cp_digest_creds, response) },
		{ "cnonce", offsetof(struct cp_digest_creds, cnonce) },
		{ "nc", offsetof(struct cp_digest_creds, nc) },
		{ "opaque", offsetof(struct cp_digest_creds, opaque) },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcasecmp(name, fields[i].name) == 0)
			return (const char **)((char *)c + fields[i].off);
	return NULL;
}

/* algorithm, qop, userhash. */
static int
option(struct cp_digest_creds *c, const char *name, const char *value,
       unsigned int *seen)
{
	unsigned int bit;

	if (strcasecmp(name, "algorithm") == 0)
		bit = 1;
	else if (strcasecmp(name, "qop") == 0)
		bit = 2;
	else if (strcasecmp(name, "userhash") == 0)
		bit = 4;
	else
		return 0; /* unknown parameters are ignored (§3.4) */
	if (*seen & bit)
		return -EINVAL;
	*seen |= bit;
	if (bit == 1) {
		if (strcasecmp(value, "MD5") == 0 ||
		    strcasecmp(value, "MD5-sess") == 0)
			c->alg = CP_DIGEST_MD5;
		else if (strcasecmp(value, "SHA-256") == 0 ||
			 strcasecmp(value, "SHA-256-sess") == 0)
			c->alg = CP_DIGEST_SHA256;
		else
			return -ENOTSUP;
		c->sess = strlen(value) > 5 &&
			  strcasecmp(value + strlen(value) - 5, "-sess") == 0;
	} else if (bit == 2) {
		if (strcasecmp(value, "auth") != 0)
			return -ENOTSUP;
		c->qop_auth = true;
	} else if (strcasecmp(value, "false") != 0) {
		return -ENOTSUP;
	}
	return 0;
}

/*
 * The parameters of the Digest value s ('Digest name=value, ...'), copied
 * to w unquoted, each handed to each(ctx, name, value) in turn. 0,
 * -ENOTSUP for another scheme, -EINVAL for bad syntax, or each's error.
 */
static int
each_param(const char *s, char *w,
	   int (*each)(void *ctx, const char *name, const char *value),
	   void *ctx)
{
	int rc;

	s = skip_ws(s);
	if (strncasecmp(s, "Digest", 6) != 0 || s[6] == '\0' ||
	    skip_ws(s + 6) == s + 6) /* folded lines are blanks too */
		return -ENOTSUP;
	s = skip_ws(s + 6);
	for (;;) {
		const char *name, *value;

		if ((rc = param(&s, &w, &name, &value)) < 0 ||
		    (rc = each(ctx, name, value)) < 0)
			return rc;
		s = skip_ws(s);
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return -EINVAL;
		s = skip_ws(s);
	}
}

/* An Authorization value's parameters as each_param() reads them. */
struct creds_read {
	struct cp_digest_creds *c;
	unsigned int seen; /* option()'s */
};

static int
creds_param(void *ctx, const char *name, const char *value)
{
	struct creds_read *r = ctx;
	const char **field = field_for(r->c, name);

	if (field == NULL)
		return option(r->c, name, value, &r->seen);
	if (*field != NULL)
		return -EINVAL;
	*field = value;
	return 0;
}

static int
parse(struct cp_digest_creds *c, const char *s)
{
	struct creds_read r = { .c = c };
	int rc;

	if ((rc = each_param(s, c->buf, creds_param, &r)) < 0)
		return rc;
	if (c->username == NULL || c->realm == NULL || c->nonce == NULL ||
	    c->uri == NULL || c->response == NULL)
		return -EINVAL;
	if (c->qop_auth &&
	    (c->cnonce == NULL || c->nc == NULL || !is_hex8(c->nc)))
		return -EINVAL;
	if (c->sess && c->cnonce == NULL)
		return -EINVAL;
	return 0;
}

int
cp_digest_parse(struct cp_digest_creds *c, const char *value)
{
	int rc;

	memset(c, 0, sizeof(*c));
	/* The copy is never longer than the value (quotes are dropped). */
	if (strlen(value) >= sizeof(c->buf))
		return -E2BIG;
	if ((rc = parse(c, value)) < 0)
		memset(c, 0, sizeof(*c));
	return rc;
}

/* ---- the client's side: challenges and their answers (RFC 7616 §3.3) ---- */

/* Whether the comma-separated list holds the token auth (qop="auth,auth-int"). */
static bool
list_has_auth(const char *list)
{
	const char *p = list;

	while (*p != '\0') {
		size_t n;

		p = skip_ws(p);
		n = strcspn(p, ", \t");
		if (n == 4 && strncasecmp(p, "auth", 4) == 0)
			return true;
		p += n;
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
	}
	return false;
}

/* A challenge's parameters as each_param() reads them. */
struct chal_read {
	struct cp_digest_chal *c;
	unsigned int seen; /* a bit per known parameter met: once each */
};

/* One parameter of a challenge: into r->c, or ignored. */
static int
chal_param(void *ctx, const char *name, const char *value)
{
	struct chal_read *r = ctx;
	struct cp_digest_chal *c = r->c;
	static const char *const known[] = { "realm", "nonce", "opaque",
					     "algorithm", "qop", "stale" };
	unsigned int i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(name, known[i]) == 0)
			break;
	if (i == sizeof(known) / sizeof(known[0]))
		return 0; /* domain, charset, userhash, ...: §3.3 */
	if (r->seen & (1u << i))
		return -EINVAL;
	r->seen |= 1u << i;
	switch (i) {
	case 0:
		c->realm = value;
		break;
	case 1:
		c->nonce = value;
		break;
	case 2:
		c->opaque = value;
		break;
	case 3:
		if (strcasecmp(value, "MD5") == 0 ||
		    strcasecmp(value, "MD5-sess") == 0)
			c->alg = CP_DIGEST_MD5;
		else if (strcasecmp(value, "SHA-256") == 0 ||
			 strcasecmp(value, "SHA-256-sess") == 0)
			c->alg = CP_DIGEST_SHA256;
		else
			return -ENOTSUP;
		c->sess = strlen(value) > 5 &&
			  strcasecmp(value + strlen(value) - 5, "-sess") == 0;
		break;
	case 4: /* offered: without auth (auth-int alone) we cannot */
		if (!list_has_auth(value))
			return -ENOTSUP;
		c->qop_auth = true;
		break;
	default:
		c->stale = strcasecmp(value, "true") == 0;
		break;
	}
	return 0;
}

static int
chal_parse(struct cp_digest_chal *c, const char *s)
{
	struct chal_read r = { .c = c };
	int rc;

	if ((rc = each_param(s, c->buf, chal_param, &r)) < 0)
		return rc;
	return c->realm != NULL && c->nonce != NULL ? 0 : -EINVAL;
}

int
cp_digest_chal_parse(struct cp_digest_chal *c, const char *value)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (strlen(value) >= sizeof(c->buf))
		return -E2BIG;
	if ((rc = chal_parse(c, value)) < 0)
		memset(c, 0, sizeof(*c));
	return rc;
}

/* Whether s is free of control characters (NULL is). */
static bool
no_ctl(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* s quoted (RFC 7230 quoted-string: '"' and '\\' escaped) at *w, within
 * end; false if it does not fit. */
static bool
put_quoted(char **w, const char *end, const char *s)
{
	char *p = *w;

	if (p >= end)
		return false;
	*p++ = '"';
	for (; *s != '\0'; s++) {
		if ((*s == '"' || *s == '\\') && p < end)
			*p++ = '\\';
		if (p >= end)
			return false;
		*p++ = *s;
	}
	if (p >= end)
		return false;
	*p++ = '"';
	*w = p;
	return true;
}

/* s at *w, within end; false if it does not fit. */
static bool
put_text(char **w, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *w) < n)
		return false;
	memcpy(*w, s, n);
	*w += n;
	return true;
}

int
cp_digest_answer(char *buf, size_t len, const struct cp_digest_chal *ch,
		 const char *user, const char *password, const char *method,
		 const char *uri, const char *cnonce, uint32_t nc)
{
	char ha1[CP_DIGEST_HEX_MAX];

	cp_digest_ha1(ch->alg, user, ch->realm, password, ha1);
	return cp_digest_answer_ha1(buf, len, ch, user, ha1, method, uri,
				    cnonce, nc);
}

int
cp_digest_answer_ha1(char *buf, size_t len, const struct cp_digest_chal *ch,
		     const char *user, const char *ha1, const char *method,
		     const char *uri, const char *cnonce, uint32_t nc)
{
	char resp[CP_DIGEST_HEX_MAX], ncs[9];
	char *w = buf, *end = buf + (len > 0 ? len - 1 : 0);
	size_t hex = ch->alg == CP_DIGEST_SHA256 ? 64 : 32;
	bool ok;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (strlen(ha1) != hex || strspn(ha1, "0123456789abcdef") != hex)
		return -EINVAL;
	if (((ch->qop_auth || ch->sess) &&
	     (cnonce == NULL || cnonce[0] == '\0')) ||
	    !no_ctl(user) || !no_ctl(uri) || !no_ctl(cnonce) ||
	    !no_ctl(ch->realm) || !no_ctl(ch->nonce) || !no_ctl(ch->opaque))
		return -EINVAL;
	snprintf(ncs, sizeof(ncs), "%08x", nc);
	cp_digest_response(ch->alg, ch->sess, ha1, ch->nonce, ncs, cnonce,
			   ch->qop_auth, method, uri, resp);
	ok = put_text(&w, end, "Digest username=") &&
	     put_quoted(&w, end, user) && put_text(&w, end, ", realm=") &&
	     put_quoted(&w, end, ch->realm) && put_text(&w, end, ", nonce=") &&
	     put_quoted(&w, end, ch->nonce) && put_text(&w, end, ", uri=") &&
	     put_quoted(&w, end, uri) && put_text(&w, end, ", response=\"") &&
	     put_text(&w, end, resp) && put_text(&w, end, "\", algorithm=") &&
	     put_text(&w, end, cp_digest_alg_name(ch->alg)) &&
	     (!ch->sess || put_text(&w, end, "-sess"));
	if (ok && (ch->qop_auth || ch->sess))
		ok = put_text(&w, end, ", cnonce=") &&
		     put_quoted(&w, end, cnonce);
	if (ok && ch->qop_auth)
		ok = put_text(&w, end, ", qop=auth, nc=") &&
		     put_text(&w, end, ncs);
	if (ok && ch->opaque != NULL)
		ok = put_text(&w, end, ", opaque=") &&
		     put_quoted(&w, end, ch->opaque);
	if (!ok) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	*w = '\0';
	return 0;
}
