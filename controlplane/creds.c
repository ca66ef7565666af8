/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * creds.c: the focus's own Digest credentials, from a file (creds.h).
 * Control plane, cold path; libc only.
 */
#include "creds.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CREDS_FILE_MAX (64 * 1024)

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/*
 * The field at *sp (up to the line's end at end) into out: a bare word, or
 * a quoted one. Returns 1 with one, 0 at the line's end, or -1 with why.
 */
static int
field(const char **sp, const char *end, char *out, const char **why)
{
	const char *s = *sp;
	size_t n = 0;

	while (s < end && is_blank(*s))
		s++;
	if (s == end) {
		*sp = s;
		return 0;
	}
	if (*s == '"') {
		for (s++;; s++) {
			if (s == end) {
				*why = "a quote not closed";
				return -1;
			}
			if (*s == '"')
				break;
			if (*s == '\\' && s + 1 < end)
				s++;
			if ((unsigned char)*s < 0x20 || *s == 0x7f) {
				*why = "a control character";
				return -1;
			}
			if (n + 1 >= CP_CREDS_FIELD_MAX) {
				*why = "a field longer than 127 bytes";
				return -1;
			}
			out[n++] = *s;
		}
		s++;
		if (s < end && !is_blank(*s)) {
			*why = "text right after a closing quote";
			return -1;
		}
		if (n == 0) {
			*why = "an empty field";
			return -1;
		}
	} else {
		for (; s < end && !is_blank(*s); s++) {
			if ((unsigned char)*s < 0x20 || *s == 0x7f) {
				*why = "a control character";
				return -1;
			}
			if (*s == '"' || *s == '\\') {
				*why = "'\"' or '\\' in a field not quoted";
				return -1;
			}
			if (n + 1 >= CP_CREDS_FIELD_MAX) {
				*why = "a field longer than 127 bytes";
				return -1;
			}
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	*sp = s;
	return 1;
}

static bool
is_ha1_key(const char *k)
{
	return strcmp(k, "ha1-md5") == 0 || strcmp(k, "ha1-sha256") == 0;
}

/* An HA1 of c: key (is_ha1_key()) and its hex. 0, or -1 with why. */
static int
ha1(struct cp_cred *c, const char *key, const char *hex, const char **why)
{
	bool md5 = strcmp(key, "ha1-md5") == 0;
	char *out = md5 ? c->ha1_md5 : c->ha1_sha256;
	size_t want = md5 ? 32 : 64;

	if (out[0] != '\0') {
		*why = md5 ? "ha1-md5 twice" : "ha1-sha256 twice";
		return -1;
	}
	if (strlen(hex) != want ||
	    strspn(hex, "0123456789abcdefABCDEF") != want) {
		*why = md5 ? "ha1-md5 wants 32 hex digits"
			   : "ha1-sha256 wants 64 hex digits";
		return -1;
	}
	for (size_t i = 0; i <= want; i++)
		out[i] = (char)tolower((unsigned char)hex[i]);
	return 0;
}

/* One line, [s, end), into *c: REALM USER PASSWORD, or REALM USER and one
 * or two HA1s (KEY HEX). 0: credentials; 1: nothing on it; -1: why says
 * what is wrong. */
static int
line(const char *s, const char *end, struct cp_cred *c, const char **why)
{
	char f[7][CP_CREDS_FIELD_MAX];
	int rc, n;

	memset(c, 0, sizeof(*c));
	while (s < end && is_blank(*s))
		s++;
	if (s == end || *s == '#')
		return 1;
	for (n = 0; n < 7; n++) {
		if ((rc = field(&s, end, f[n], why)) < 0)
			return -1;
		if (rc == 0)
			break;
	}
	if (n < 3) {
		*why = "want REALM USER PASSWORD, found fewer fields";
		return -1;
	}
	if (n > 3 && (!is_ha1_key(f[2]) || (n != 4 && n != 6) ||
		      (n == 6 && !is_ha1_key(f[4])))) {
		*why = is_ha1_key(f[2]) ? "want REALM USER, then ha1-md5 HEX "
					  "and/or ha1-sha256 HEX"
					: "want REALM USER PASSWORD, found "
					  "more fields (quote a field with "
					  "blanks)";
		return -1;
	}
	if (n > 3 && strcmp(f[0], "*") == 0) {
		*why = "an HA1 holds its realm: not for realm *";
		return -1;
	}
	memcpy(c->realm, f[0], sizeof(c->realm));
	memcpy(c->user, f[1], sizeof(c->user));
	if (n == 3)
		memcpy(c->password, f[2], sizeof(c->password));
	for (int i = 2; i + 1 < n; i += 2)
		if (ha1(c, f[i], f[i + 1], why) < 0)
			return -1;
	return 0;
}

int
cp_creds_parse(struct cp_creds *out, const char *text, const char *name,
	       char *err, size_t err_len)
{
	struct cp_creds *c = calloc(1, sizeof(*c));
	const char *s = text, *why = NULL;
	unsigned lineno = 0, at[CP_CREDS_MAX];

	if (c == NULL) {
		snprintf(err, err_len, "%s: out of memory", name);
		return -ENOMEM;
	}
	while (*s != '\0') {
		const char *end = strchr(s, '\n');
		struct cp_cred one;
		int rc;

		if (end == NULL)
			end = s + strlen(s);
		lineno++;
		rc = line(s, end, &one, &why);
		if (rc == 0 && c->n == CP_CREDS_MAX) {
			why = "more than 64 realms";
			rc = -1;
		}
		for (unsigned i = 0; rc == 0 && i < c->n; i++)
			if (strcmp(c->c[i].realm, one.realm) == 0) {
				snprintf(err, err_len,
					 "%s:%u: realm \"%s\" again (line %u "
					 "names it)",
					 name, lineno, one.realm, at[i]);
				free(c);
				return -EINVAL;
			}
		if (rc < 0) {
			snprintf(err, err_len, "%s:%u: %s", name, lineno, why);
			free(c);
			return -EINVAL;
		}
		if (rc == 0) {
			at[c->n] = lineno;
			c->c[c->n++] = one;
		}
		s = *end == '\n' ? end + 1 : end;
	}
	if (c->n == 0) {
		snprintf(err, err_len, "%s: no credentials in it (want lines "
			 "REALM USER PASSWORD)", name);
		free(c);
		return -EINVAL;
	}
	*out = *c;
	free(c);
	return 0;
}

int
cp_creds_load(struct cp_creds *out, const char *path, char *err,
	      size_t err_len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int rc;

	if (f == NULL) {
		rc = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if ((buf = malloc(CREDS_FILE_MAX + 1)) == NULL) {
		fclose(f);
		snprintf(err, err_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	n = fread(buf, 1, CREDS_FILE_MAX + 1, f);
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, err_len, "%s: read error", path);
	} else if (n > CREDS_FILE_MAX) {
		rc = -EFBIG;
		snprintf(err, err_len, "%s: longer than 64 kB", path);
	} else if (memchr(buf, '\0', n) != NULL) {
		rc = -EINVAL;
		snprintf(err, err_len, "%s: a NUL byte in it", path);
	} else {
		buf[n] = '\0';
		rc = cp_creds_parse(out, buf, path, err, err_len);
	}
	fclose(f);
	free(buf);
	return rc;
}

const struct cp_cred *
cp_creds_find(const struct cp_creds *c, const char *realm)
{
	const struct cp_cred *any = NULL;

	if (c == NULL || realm == NULL)
		return NULL;
	for (unsigned i = 0; i < c->n; i++) {
		if (strcmp(c->c[i].realm, realm) == 0)
			return &c->c[i];
		if (strcmp(c->c[i].realm, "*") == 0)
			any = &c->c[i];
	}
	return any;
}
