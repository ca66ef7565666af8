/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * creds.h: the focus's own credentials, for the Digest challenges (401,
 * 407) its dial-outs meet at a carrier's proxy or a callee (RFC 3261
 * §22.2, §22.3): a realm's user and password, read from a file
 * (tutti-cp --credentials). Control plane, cold path; libc only.
 *
 * The file: a line per realm, "REALM USER PASSWORD", fields apart by
 * blanks; a field with blanks, '"' or '\' is quoted ("..", with \" and
 * \\ inside); REALM * is any realm not named; blank lines and lines whose
 * first non-blank is '#' are skipped. Instead of the password, a line may
 * give its HA1s (RFC 7616 §3.4.2: H(USER:REALM:PASSWORD), so that the file
 * holds no password): "REALM USER ha1-md5 HEX", "... ha1-sha256 HEX", or
 * both pairs (not for REALM *: an HA1 holds its realm). A line that does
 * not parse, a realm named twice, an empty file, more than CP_CREDS_MAX
 * lines or a field longer than CP_CREDS_FIELD_MAX - 1 bytes refuse the
 * whole file, with FILE:LINE: reason.
 */
#ifndef TUTTI_CP_CREDS_H
#define TUTTI_CP_CREDS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CP_CREDS_MAX	   64
#define CP_CREDS_FIELD_MAX 128

struct cp_cred {
	char realm[CP_CREDS_FIELD_MAX]; /* "*": any other */
	char user[CP_CREDS_FIELD_MAX];
	char password[CP_CREDS_FIELD_MAX]; /* "": HA1s instead */
	char ha1_md5[33];		   /* lower-case hex, or "" */
	char ha1_sha256[65];
};

/* A file's credentials; plain data (copy it to keep them). */
struct cp_creds {
	unsigned n;
	struct cp_cred c[CP_CREDS_MAX];
};

/*
 * Parse text (a file's contents; name for the messages) into *out.
 * Returns 0, or -EINVAL with "NAME:LINE: reason" (or "NAME: reason") in
 * err. *out is written only on success.
 */
int cp_creds_parse(struct cp_creds *out, const char *text, const char *name,
		   char *err, size_t err_len);

/*
 * Read and parse the file at path. Returns 0, -EINVAL as
 * cp_creds_parse(), or -errno when it cannot be read (err says so), or
 * -EFBIG when over 64 kB.
 */
int cp_creds_load(struct cp_creds *out, const char *path, char *err,
		  size_t err_len);

/*
 * The credentials for realm (compared exactly, as RFC 7616 §3.3 has
 * realms compared), else those of "*", else NULL. c may be NULL.
 */
const struct cp_cred *cp_creds_find(const struct cp_creds *c,
				    const char *realm);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_CREDS_H */
