/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * digest.h: HTTP Digest authentication as SIP uses it (RFC 3261 §22.4,
 * RFC 7616, RFC 2617, RFC 8760): parse an Authorization header value,
 * compute HA1 and the expected response (MD5 and SHA-256, and their -sess
 * forms; qop=auth or none as in RFC 2069), build a WWW-Authenticate value,
 * parse one and answer it (the client's side, for the focus's own
 * requests), and make and check stateless nonces: hex(timestamp) followed
 * by an HMAC-SHA-256 over the timestamp and the realm under a server
 * secret, so a nonce needs no table and a forged one is told apart from a
 * stale one.
 * Hashes come from nettle. Control plane, cold path, any thread (no
 * global state).
 *
 * A stateless nonce cannot see a replay within its lifetime: the response
 * binds the method and the Request-URI, so a replayed header only repeats
 * the same request, and only until the nonce goes stale.
 */
#ifndef TUTTI_CP_DIGEST_H
#define TUTTI_CP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Hex of the longest hash (SHA-256) and its NUL. */
#define CP_DIGEST_HEX_MAX 65
/* Our nonces: 16 hex digits of time, 32 of HMAC; plus the NUL. */
#define CP_DIGEST_NONCE_LEN 48
/* Longest Authorization value cp_digest_parse() takes, in bytes. */
#define CP_DIGEST_VALUE_MAX  2048
#define CP_DIGEST_SECRET_LEN 32

enum cp_digest_alg {
	CP_DIGEST_MD5 = 0,
	CP_DIGEST_SHA256 = 1,
};

/* The server secret behind nonces. Plain data: copy it to keep nonces. */
struct cp_digest_key {
	uint8_t secret[CP_DIGEST_SECRET_LEN];
};

/*
 * A parsed Authorization value. Every string points into buf and is NULL
 * when the parameter was absent; quoted strings are unescaped.
 */
struct cp_digest_creds {
	const char *username;
	const char *realm;
	const char *nonce;
	const char *uri;
	const char *response;
	const char *cnonce;
	const char *nc; /* 8 hex digits when qop is present */
	const char *opaque;
	bool qop_auth; /* qop=auth (else no qop: RFC 2069) */
	bool sess;     /* algorithm MD5-sess or SHA-256-sess */
	enum cp_digest_alg alg;
	char buf[CP_DIGEST_VALUE_MAX];
};

/*
 * Fill k from the kernel's random source (getrandom). Returns 0 or -errno.
 */
int cp_digest_key_random(struct cp_digest_key *k);

/*
 * Parse an Authorization (or Proxy-Authorization) header value:
 * 'Digest username="..", realm="..", ...'. Needs username, realm, nonce,
 * uri and response; with qop also cnonce and nc. Returns 0, -EINVAL for bad
 * syntax or a missing or repeated parameter, -ENOTSUP for another scheme,
 * algorithm, qop (auth-int) or userhash=true, -E2BIG when longer than
 * CP_DIGEST_VALUE_MAX. *c is written in every case (zeroed on error).
 */
int cp_digest_parse(struct cp_digest_creds *c, const char *value);

/*
 * HA1 = H(user ":" realm ":" password) as lower-case hex into out
 * (CP_DIGEST_HEX_MAX bytes). Cannot fail.
 */
void cp_digest_ha1(enum cp_digest_alg alg, const char *user, const char *realm,
		   const char *password, char *out);

/*
 * The response the client should send, lower-case hex into out
 * (CP_DIGEST_HEX_MAX bytes). ha1_hex is the plain HA1 (the -sess HA1 is
 * derived here when sess). qop_auth false gives the RFC 2069 form and
 * ignores nc and cnonce (which may then be NULL).
 */
void cp_digest_response(enum cp_digest_alg alg, bool sess, const char *ha1_hex,
			const char *nonce, const char *nc, const char *cnonce,
			bool qop_auth, const char *method, const char *uri,
			char *out);

/*
 * Whether c->response is right for this method and the user's plain HA1
 * (hex, of c->alg). Compares in constant time. Does not look at the
 * nonce's freshness (cp_digest_nonce_check()).
 */
bool cp_digest_response_ok(const struct cp_digest_creds *c, const char *method,
			   const char *ha1_hex);

/*
 * A nonce for realm at now_s (seconds, any epoch the checker shares) into
 * out (CP_DIGEST_NONCE_LEN + 1 bytes).
 */
void cp_digest_nonce_make(const struct cp_digest_key *k, const char *realm,
			  uint64_t now_s, char *out);

/*
 * Check a nonce made by cp_digest_nonce_make() with the same key and
 * realm: 0 when at most lifetime_s old, -ESTALE when older, -EBADMSG when
 * it is not ours (wrong length or HMAC, other key or realm, or from more
 * than 5 s in the future).
 */
int cp_digest_nonce_check(const struct cp_digest_key *k, const char *realm,
			  const char *nonce, uint64_t now_s,
			  uint32_t lifetime_s);

/*
 * Write a WWW-Authenticate value into buf:
 *   Digest realm="R", nonce="N", algorithm=SHA-256, qop="auth"[, stale=true]
 * Returns 0, -EINVAL when realm holds '"', '\\' or a control character,
 * -ENOSPC when it does not fit (buf is then an empty string if len > 0).
 */
int cp_digest_challenge(char *buf, size_t len, const char *realm,
			const char *nonce, enum cp_digest_alg alg, bool stale);

/*
 * The client's side (RFC 3261 §22.2, RFC 7616 §3.3, §3.4): a parsed
 * challenge, the value of a WWW-Authenticate (401) or Proxy-Authenticate
 * (407). Strings point into buf; opaque is NULL when absent.
 */
struct cp_digest_chal {
	const char *realm;
	const char *nonce;
	const char *opaque;
	bool qop_auth; /* qop offered with auth among it (else RFC 2069) */
	bool stale;    /* stale=true: the nonce, not the password, failed */
	bool sess;     /* algorithm MD5-sess or SHA-256-sess */
	enum cp_digest_alg alg; /* MD5 when none is named */
	char buf[CP_DIGEST_VALUE_MAX];
};

/*
 * Parse a challenge: 'Digest realm="..", nonce="..", ...'. Needs realm
 * and nonce; other parameters (domain, charset, userhash, ...) are
 * ignored. Returns 0, -EINVAL for bad syntax, realm or nonce missing or a
 * parameter repeated, -ENOTSUP for another scheme, an algorithm other
 * than MD5, SHA-256 and their -sess forms, or a qop list without auth,
 * -E2BIG when longer than CP_DIGEST_VALUE_MAX. *c is written in every
 * case (zeroed on error).
 */
int cp_digest_chal_parse(struct cp_digest_chal *c, const char *value);

/*
 * The Authorization (401) or Proxy-Authorization (407) value answering ch
 * for user and password on a request of method to uri (the Request-URI as
 * sent), into buf: Digest username, realm, nonce, uri, response,
 * algorithm, with qop (or -sess) cnonce, with qop qop=auth and nc (nc as
 * 8 hex digits), and ch's opaque. cnonce, the client's own nonce, is
 * needed with qop or -sess. Returns 0, -EINVAL for a control character in
 * a value or no cnonce where one is needed, -ENOSPC when it does not fit
 * (buf is then an empty string if len > 0).
 */
int cp_digest_answer(char *buf, size_t len, const struct cp_digest_chal *ch,
		     const char *user, const char *password, const char *method,
		     const char *uri, const char *cnonce, uint32_t nc);

/*
 * cp_digest_answer() from the plain HA1 of user, ch's realm and the
 * password (lower-case hex of ch's algorithm: 32 digits for MD5, 64 for
 * SHA-256; else -EINVAL), not the password.
 */
int cp_digest_answer_ha1(char *buf, size_t len,
			 const struct cp_digest_chal *ch, const char *user,
			 const char *ha1, const char *method, const char *uri,
			 const char *cnonce, uint32_t nc);

/* "MD5" or "SHA-256". */
const char *cp_digest_alg_name(enum cp_digest_alg alg);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_DIGEST_H */
