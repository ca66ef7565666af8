/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy.c: the conference policy (policy.h): load a policy file with
 * libxml2, validate it against the compiled-in policy.xsd, check what the
 * schema cannot (reporting every problem as FILE:LINE: reason), resolve
 * each conference's rules against <default> and the built-in defaults,
 * and decide requests. Control plane, cold path.
 *
 * Every string of a loaded policy lives in its arena, so resolved rule
 * sets share pointers freely and cp_policy_destroy() frees one list.
 */
#include "policy.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "compiler.h"
#include "digest.h"

extern const char cp_policy_xsd[]; /* policy_xsd.c, made from policy.xsd */

#define POLICY_NS	 "urn:tutti:params:xml:ns:conference-policy"
#define MAX_FILE_BYTES	 (1024 * 1024)
#define MAX_ERRORS	 50  /* reported; then "more errors" */
#define URI_MAX		 256 /* normalised URI or pattern, with NUL */
#define MAX_PARTICIPANTS 100000
#define MAX_TIMEOUT_S	 86400 /* empty-timeout, nonce-lifetime */
#define NONCE_LIFETIME_S 300   /* when <credentials> does not say */
#define SUBJECT_MAX	 255

/* The operations with an access rule, in rules.access[]. */
enum access_op {
	ACC_JOIN = 0,
	ACC_CREATE,
	ACC_REFER,
	ACC_REFER_BYE,
	ACC_SUBSCRIBE,
	ACC_N_
};

/* Which fields a rule set gives (bits of rules.set). */
enum field {
	F_SUBJECT = 0,
	F_MAX,
	F_LOCKED,
	F_PIN,
	F_LIFETIME,
	F_MODERATORS,
	F_DTMF,
	F_DIAL_OUT,
	F_ACCESS_, /* + enum access_op */
	F_N_ = F_ACCESS_ + ACC_N_
};

/* Element names, in enum field order. */
static const char *const field_names[F_N_] = {
	"subject",   "max-participants",
	"locked",    "pin",
	"lifetime",  "moderators",
	"dtmf",	     "dial-out",
	"join",
	"create",    "refer",
	"refer-bye", "subscribe",
};

struct patterns {
	size_t n;
	const char *const *v; /* normalised globs */
};

struct access {
	bool auth;	 /* Digest required */
	bool moderators; /* moderators pass */
	struct patterns allow;
	struct patterns deny;
	struct patterns confirm; /* subscribe only: pending until approved */
};

struct dtmf_cmd {
	char digits[CP_POLICY_DTMF_MAX + 1];
	enum cp_policy_dtmf_action action;
};

struct rules {
	uint32_t set; /* bits of enum field given here */
	const char *subject;
	uint32_t max_participants;
	bool locked;
	char pin[CP_POLICY_PIN_MAX + 1]; /* "" = none */
	enum cp_policy_lifetime lifetime;
	uint32_t empty_timeout_s;
	struct patterns moderators;
	const char *dial_out[CP_POLICY_DIAL_MAX]; /* sip: URIs */
	size_t n_dial_out;
	struct access access[ACC_N_];
	size_t n_dtmf;
	const struct dtmf_cmd *dtmf;
};

struct conf_entry {
	const char *uri;  /* normalised, or NULL */
	const char *user; /* user part, or NULL */
	unsigned int line;
	struct rules r; /* resolved */
};

struct user {
	const char *name;
	const char *uri; /* normalised identity, or NULL */
	const char *password;
	char ha1[2][CP_DIGEST_HEX_MAX]; /* by enum cp_digest_alg; "" = none */
};

struct arena_block {
	struct arena_block *next;
	max_align_t data[];
};

struct cp_policy {
	struct arena_block *arena;
	struct rules dflt; /* resolved */
	size_t n_confs;
	struct conf_entry *confs;
	bool has_creds;
	const char *realm;
	uint32_t nonce_lifetime_s;
	size_t n_users;
	struct user *users;
	struct cp_digest_key key;
};

/* ---- built-in defaults ---- */

static const char *const star[] = { "*" };

static const struct rules builtin = {
	.max_participants = UINT32_MAX,
	.lifetime = CP_POLICY_END_CREATOR_LEAVES,
	.access = {
		[ACC_JOIN] = { .moderators = true, .allow = { 1, star } },
		[ACC_CREATE] = { .moderators = true, .allow = { 1, star } },
		[ACC_REFER] = { .moderators = true },
		[ACC_REFER_BYE] = { .moderators = true },
		[ACC_SUBSCRIBE] = { .moderators = true, .allow = { 1, star } },
	},
	.n_dtmf = 4,
	.dtmf = (const struct dtmf_cmd[]){
		{ "*6", CP_POLICY_DTMF_TOGGLE_MUTE_SELF },
		{ "*1", CP_POLICY_DTMF_TOGGLE_LOCK },
		{ "*9", CP_POLICY_DTMF_MUTE_ALL },
		{ "*0", CP_POLICY_DTMF_UNMUTE_ALL },
	},
};

static const char *const action_names[] = {
	[CP_POLICY_DTMF_MUTE_SELF] = "mute-self",
	[CP_POLICY_DTMF_UNMUTE_SELF] = "unmute-self",
	[CP_POLICY_DTMF_TOGGLE_MUTE_SELF] = "toggle-mute-self",
	[CP_POLICY_DTMF_LOCK] = "lock",
	[CP_POLICY_DTMF_UNLOCK] = "unlock",
	[CP_POLICY_DTMF_TOGGLE_LOCK] = "toggle-lock",
	[CP_POLICY_DTMF_MUTE_ALL] = "mute-all",
	[CP_POLICY_DTMF_UNMUTE_ALL] = "unmute-all",
	[CP_POLICY_DTMF_END] = "end",
};
#define N_ACTIONS (sizeof(action_names) / sizeof(action_names[0]))

static const char *const lifetime_names[] = {
	[CP_POLICY_END_CREATOR_LEAVES] = "creator-leaves",
	[CP_POLICY_END_EMPTY] = "empty",
	[CP_POLICY_END_NEVER] = "never",
};

/* ---- arena ---- */

static void *
arena_alloc(struct cp_policy *p, size_t n)
{
	struct arena_block *b = calloc(1, sizeof(*b) + n);

	if (b == NULL)
		return NULL;
	b->next = p->arena;
	p->arena = b;
	return b->data;
}

static const char *
arena_strdup(struct cp_policy *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = arena_alloc(p, n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

void
cp_policy_destroy(struct cp_policy *p)
{
	if (p == NULL)
		return;
	while (p->arena != NULL) {
		struct arena_block *b = p->arena;

		p->arena = b->next;
		free(b);
	}
	free(p);
}

/* ---- URIs and patterns ---- */

static char
lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Past a leading quoted display name, which may hold '<' or '@'. */
static const char *
skip_display_name(const char *s)
{
	s += strspn(s, " \t");
	if (*s != '"')
		return s;
	for (s++; *s != '\0' && *s != '"'; s++)
		if (*s == '\\' && s[1] != '\0')
			s++;
	return *s == '"' ? s + 1 : s;
}

/*
 * Normalise a URI (or, with glob, a pattern) into out (URI_MAX): the part
 * inside <> if any (after a quoted display name), trimmed; parameters and
 * headers after the host dropped (a pattern keeps its '?' globs: it has
 * no parameters, pattern_problem() sees to that); scheme and host
 * lower-cased. Returns false when it does not fit, has no closing '>' or
 * more than one '@' (not a SIP URI: "sip:x@evil;p=@example.com" must not
 * look like example.com).
 */
static bool
norm_uri(const char *in, char *out, bool glob_pattern)
{
	const char *b, *e;
	size_t n, host, i;
	const char *at, *colon;

	in = skip_display_name(in);
	if ((b = strchr(in, '<')) != NULL) {
		if ((e = strchr(++b, '>')) == NULL)
			return false;
	} else {
		b = in;
		e = in + strlen(in);
	}
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	n = (size_t)(e - b);
	if (n >= URI_MAX)
		return false;
	memcpy(out, b, n);
	out[n] = '\0';
	/* the host starts after the '@', else after "scheme:" */
	at = strchr(out, '@');
	if (at != NULL && strchr(at + 1, '@') != NULL)
		return false;
	colon = strchr(out, ':');
	host = at != NULL      ? (size_t)(at - out) + 1
	       : colon != NULL ? (size_t)(colon - out) + 1
			       : 0;
	out[host + strcspn(out + host, glob_pattern ? ";" : ";?")] = '\0';
	for (i = 0; colon != NULL && out + i < colon; i++)
		out[i] = lower(out[i]);
	for (i = host; out[i] != '\0'; i++)
		out[i] = lower(out[i]);
	return true;
}

/*
 * Glob: '*' any run (also empty), '?' one character. Backtracks only to
 * the last '*': O(len(pat) * len(s)) at worst, both under URI_MAX.
 */
static bool
glob(const char *pat, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star_p = ++pat;
			star_s = s;
		} else if (*pat != '\0' && (*pat == '?' || *pat == *s)) {
			pat++;
			s++;
		} else if (star_p != NULL) {
			pat = star_p;
			s = ++star_s;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

bool
cp_policy_uri_matches(const char *pattern, const char *uri)
{
	char p[URI_MAX], u[URI_MAX];

	if (pattern == NULL || uri == NULL || !norm_uri(pattern, p, true))
		return false;
	if (!norm_uri(uri, u, false))
		u[0] = '\0'; /* matches only patterns that take anything */
	return glob(p, u);
}

static bool
any_match(const struct patterns *ps, const char *norm)
{
	for (size_t i = 0; i < ps->n; i++)
		if (glob(ps->v[i], norm))
			return true;
	return false;
}

/* NULL when pattern is fine, else why not. */
static const char *
pattern_problem(const char *pat)
{
	size_t i;

	if (pat[0] == '\0')
		return "empty";
	if (strlen(pat) >= URI_MAX)
		return "longer than 255 characters";
	for (i = 0; pat[i] != '\0'; i++)
		if ((unsigned char)pat[i] <= ' ' || pat[i] == 0x7f ||
		    strchr("<>\"", pat[i]) != NULL)
			return "has a space, control character, <, > or \"";
	if (strcmp(pat, "*") == 0)
		return NULL;
	for (i = 0; pat[i] != ':'; i++)
		if (pat[i] == '\0' || strchr("*?@", pat[i]) != NULL)
			return "expected * or SCHEME:..., e.g. "
			       "sip:*@example.com";
	if (i == 0 || !((pat[0] >= 'a' && pat[0] <= 'z') ||
			(pat[0] >= 'A' && pat[0] <= 'Z')))
		return "expected * or SCHEME:..., e.g. sip:*@example.com";
	if (strpbrk(pat, ";") != NULL)
		return "URI parameters are not compared: leave them out";
	if (strchr(pat, '@') != strrchr(pat, '@'))
		return "more than one '@'";
	return NULL;
}

static bool
is_sip_uri(const char *norm)
{
	return strncmp(norm, "sip:", 4) == 0 || strncmp(norm, "sips:", 5) == 0;
}

/* The user part of a normalised SIP URI into out (URI_MAX), or false. */
static bool
user_part(const char *norm, char *out)
{
	const char *b = strchr(norm, ':'), *at = strrchr(norm, '@');
	size_t n;

	if (b == NULL || at == NULL || at < b)
		return false;
	n = (size_t)(at - b - 1);
	memcpy(out, b + 1, n);
	out[n] = '\0';
	out[strcspn(out, ":")] = '\0'; /* user:password */
	return true;
}

/* ---- errors ---- */

struct errs {
	const char *name;
	char *buf;
	size_t len;
	size_t used;
	unsigned int n; /* problems found */
	bool full;	/* buf took all it can */
};

/*
 * Append one line to the caller's buffer. Only whole lines go after the
 * first (which is cut to fit rather than lost): a reader never sees half
 * a reason.
 */
static void
err_append(struct errs *e, long line, const char *msg)
{
	char one[1200];
	size_t n;

	if (e->buf == NULL || e->len == 0 || e->full)
		return;
	if (line > 0)
		snprintf(one, sizeof(one), "%s%s:%ld: %s",
			 e->used != 0 ? "\n" : "", e->name, line, msg);
	else
		snprintf(one, sizeof(one), "%s%s: %s", e->used != 0 ? "\n" : "",
			 e->name, msg);
	/* one problem, one line: quoted file text may hold line breaks */
	for (n = e->used != 0; one[n] != '\0'; n++)
		if ((unsigned char)one[n] < 0x20 || one[n] == 0x7f)
			one[n] = '?';
	if (e->used + n >= e->len) {
		e->full = true;
		if (e->used != 0)
			return;
		n = e->len - 1;
	}
	memcpy(e->buf + e->used, one, n);
	e->used += n;
	e->buf[e->used] = '\0';
}

/* One problem: "NAME:LINE: msg" (line <= 0: "NAME: msg"). */
static void TUTTI_PRINTF(3, 4)
err_add(struct errs *e, long line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (e->n++ >= MAX_ERRORS) {
		if (e->n == MAX_ERRORS + 1)
			err_append(e, 0, "more errors not shown");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_append(e, line, msg);
}

/* libxml2's parser and schema errors, namespace braces dropped. */
static void
xml_error(void *ctx, xmlErrorPtr xe)
{
	static const char ns[] = "{" POLICY_NS "}";
	char msg[2048], *q;

	if (xe == NULL || xe->level < XML_ERR_ERROR)
		return;
	snprintf(msg, sizeof(msg), "%s", xe->message ? xe->message : "error");
	while ((q = strstr(msg, ns)) != NULL)
		memmove(q, q + sizeof(ns) - 1, strlen(q + sizeof(ns) - 1) + 1);
	msg[strcspn(msg, "\n")] = '\0';
	err_add(ctx, xe->line, "%s", msg);
}

/* ---- reading the tree ---- */

struct loader {
	struct cp_policy *p;
	struct errs *e;
	int rc; /* -ENOMEM sticks */
};

static long
line_of(const xmlNode *n)
{
	return xmlGetLineNo(n);
}

static bool
is_el(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

/* An attribute or the element's text copied to the arena; NULL if absent
 * (or out of memory: l->rc). */
static const char *
take(struct loader *l, xmlChar *x)
{
	const char *s;

	if (x == NULL)
		return NULL;
	s = arena_strdup(l->p, (const char *)x);
	xmlFree(x);
	if (s == NULL)
		l->rc = -ENOMEM;
	return s;
}

static const char *
attr(struct loader *l, const xmlNode *n, const char *name)
{
	return take(l, xmlGetProp(n, BAD_CAST name));
}

/* The element's text, white space trimmed (validation does not change
 * the tree: an xs:token may still have it). */
static const char *
text(struct loader *l, const xmlNode *n)
{
	char *s = (char *)take(l, xmlNodeGetContent(n));
	size_t b, e;

	if (s == NULL)
		return "";
	b = strspn(s, " \t\r\n");
	e = strlen(s);
	while (e > b && strchr(" \t\r\n", s[e - 1]) != NULL)
		e--;
	s[e] = '\0';
	return s + b;
}

static size_t
count_el(const xmlNode *n, const char *name)
{
	size_t k = 0;

	for (const xmlNode *c = n->children; c != NULL; c = c->next)
		k += is_el(c, name);
	return k;
}

/* "true"/"1" (xs:boolean; the schema refused anything else). */
static bool
truthy(const char *s, bool dflt)
{
	if (s == NULL)
		return dflt;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s[0] == '1' || s[0] == 't';
}

/* An xs:unsignedInt (validated), trimmed. */
static uint32_t
number(const char *s)
{
	unsigned long v = strtoul(s, NULL, 10);

	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The <name> children of n as a pattern list, each checked. */
static void
read_patterns(struct loader *l, const xmlNode *n, const char *name,
	      const char *what, struct patterns *out)
{
	size_t k = count_el(n, name), i = 0;
	const char **v;

	out->n = 0;
	out->v = NULL;
	if (k == 0)
		return;
	if ((v = arena_alloc(l->p, k * sizeof(*v))) == NULL) {
		l->rc = -ENOMEM;
		return;
	}
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		const char *pat, *why;
		char norm[URI_MAX];

		if (!is_el(c, name))
			continue;
		pat = text(l, c);
		if ((why = pattern_problem(pat)) != NULL) {
			err_add(l->e, line_of(c), "%s pattern '%s': %s", what,
				pat, why);
			continue;
		}
		norm_uri(pat, norm, true);
		if ((v[i] = arena_strdup(l->p, norm)) == NULL) {
			l->rc = -ENOMEM;
			return;
		}
		i++;
	}
	out->n = i;
	out->v = v;
}

static void
read_access(struct loader *l, const xmlNode *n, enum access_op op, bool in_conf,
	    struct access *a)
{
	a->auth = truthy(attr(l, n, "auth"), false);
	a->moderators = truthy(attr(l, n, "moderators"), true);
	if (op == ACC_CREATE && in_conf)
		err_add(l->e, line_of(n),
			"create: only in <default> (the "
			"factory makes new conferences)");
	if (a->auth && !l->p->has_creds)
		err_add(l->e, line_of(n),
			"%s: auth=\"true\" needs "
			"<credentials>",
			field_names[F_ACCESS_ + op]);
	read_patterns(l, n, "allow", field_names[F_ACCESS_ + op], &a->allow);
	read_patterns(l, n, "deny", field_names[F_ACCESS_ + op], &a->deny);
	read_patterns(l, n, "confirm", field_names[F_ACCESS_ + op],
		      &a->confirm);
	if (a->confirm.n > 0 && op != ACC_SUBSCRIBE)
		err_add(l->e, line_of(n),
			"%s: <confirm> is only for <subscribe> (a pending "
			"subscription waits for the operator)",
			field_names[F_ACCESS_ + op]);
}

static bool
dtmf_digits_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CP_POLICY_DTMF_MAX &&
	       strspn(s, "0123456789*#ABCD") == n;
}

static void
read_dtmf(struct loader *l, const xmlNode *n, struct rules *r)
{
	size_t k = count_el(n, "command");
	struct dtmf_cmd *v;
	long *lines;

	r->n_dtmf = 0;
	r->dtmf = NULL;
	if (k == 0)
		return;
	v = arena_alloc(l->p, k * sizeof(*v));
	lines = arena_alloc(l->p, k * sizeof(*lines));
	if (v == NULL || lines == NULL) {
		l->rc = -ENOMEM;
		return;
	}
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		const char *digits, *action;
		size_t a, i = r->n_dtmf;
		bool ok = true;

		if (!is_el(c, "command"))
			continue;
		digits = attr(l, c, "digits");
		action = attr(l, c, "action");
		if (digits == NULL || action == NULL)
			return; /* out of memory (the schema requires both) */
		if (!dtmf_digits_ok(digits)) {
			err_add(l->e, line_of(c),
				"dtmf digits '%s': expected "
				"1 to %d of 0-9, *, #, A-D",
				digits, CP_POLICY_DTMF_MAX);
			ok = false;
		}
		for (a = 1; a < N_ACTIONS; a++)
			if (strcmp(action, action_names[a]) == 0)
				break;
		if (a == N_ACTIONS) {
			err_add(l->e, line_of(c),
				"dtmf action '%s': unknown "
				"(mute-self, unmute-self, toggle-mute-self, "
				"lock, unlock, toggle-lock, mute-all, "
				"unmute-all, end)",
				action);
			ok = false;
		}
		for (size_t j = 0; ok && j < i; j++) {
			size_t nj = strlen(v[j].digits);
			size_t nd = strlen(digits);

			if (strcmp(v[j].digits, digits) == 0) {
				err_add(l->e, line_of(c),
					"dtmf digits '%s' "
					"given twice (first at line %ld)",
					digits, lines[j]);
				ok = false;
			} else if (strncmp(v[j].digits, digits,
					   nj < nd ? nj : nd) == 0) {
				err_add(l->e, line_of(c),
					"dtmf digits '%s' "
					"and '%s' (line %ld): one is a prefix "
					"of the other",
					digits, v[j].digits, lines[j]);
				ok = false;
			}
		}
		if (!ok)
			continue;
		snprintf(v[i].digits, sizeof(v[i].digits), "%s", digits);
		v[i].action = (enum cp_policy_dtmf_action)a;
		lines[i] = line_of(c);
		r->n_dtmf++;
	}
	r->dtmf = v;
}

static void
read_lifetime(struct loader *l, const xmlNode *n, struct rules *r)
{
	const char *t = attr(l, n, "empty-timeout");
	char v[32];
	size_t i;

	/* xs:token: the schema collapsed the white space */
	snprintf(v, sizeof(v), "%s", text(l, n));
	for (i = 0; i < 3; i++)
		if (strcmp(v, lifetime_names[i]) == 0)
			break;
	if (i == 3) {
		err_add(l->e, line_of(n),
			"lifetime '%s': expected "
			"creator-leaves, empty or never",
			v);
		return;
	}
	r->lifetime = (enum cp_policy_lifetime)i;
	r->empty_timeout_s = 0;
	if (t == NULL)
		return;
	r->empty_timeout_s = number(t);
	if (r->lifetime != CP_POLICY_END_EMPTY)
		err_add(l->e, line_of(n),
			"lifetime: empty-timeout goes only "
			"with 'empty'");
	else if (r->empty_timeout_s > MAX_TIMEOUT_S)
		err_add(l->e, line_of(n),
			"lifetime: empty-timeout %s: at "
			"most %d seconds",
			t, MAX_TIMEOUT_S);
}

/* <dial-out>: whom the focus calls when the conference starts. */
static void
read_dial_out(struct loader *l, const xmlNode *n, bool in_conf,
	      struct rules *r)
{
	if (!in_conf)
		err_add(l->e, line_of(n),
			"dial-out: only in a <conference> (it names whom "
			"that conference calls)");
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		const char *u, *at;

		if (!is_el(c, "uri"))
			continue;
		u = text(l, c);
		at = strchr(u, '@');
		if (strncmp(u, "sip:", 4) != 0 || at == NULL || at == u + 4 ||
		    at[1] == '\0' || strlen(u) >= CP_POLICY_URI_MAX ||
		    strpbrk(u, " <>\"*") != NULL)
			err_add(l->e, line_of(c),
				"dial-out uri '%s': expected a SIP URI such "
				"as sip:alice@192.0.2.10:5060", u);
		else if (r->n_dial_out == CP_POLICY_DIAL_MAX)
			err_add(l->e, line_of(c),
				"dial-out: at most %d URIs",
				CP_POLICY_DIAL_MAX);
		else
			r->dial_out[r->n_dial_out++] = u;
	}
}

static void
read_field(struct loader *l, const xmlNode *c, enum field f, bool in_conf,
	   struct rules *r)
{
	const char *s;

	switch (f) {
	case F_SUBJECT:
		r->subject = text(l, c);
		if (strlen(r->subject) > SUBJECT_MAX)
			err_add(l->e, line_of(c),
				"subject longer than %d "
				"bytes",
				SUBJECT_MAX);
		break;
	case F_MAX:
		s = text(l, c);
		r->max_participants = number(s);
		if (r->max_participants == 0 ||
		    r->max_participants > MAX_PARTICIPANTS)
			err_add(l->e, line_of(c),
				"max-participants %s: "
				"expected 1 to %d",
				s, MAX_PARTICIPANTS);
		break;
	case F_LOCKED:
		r->locked = truthy(text(l, c), false);
		break;
	case F_PIN:
		s = text(l, c);
		if (strlen(s) < 1 || strlen(s) > CP_POLICY_PIN_MAX ||
		    strspn(s, "0123456789") != strlen(s))
			err_add(l->e, line_of(c),
				"pin '%s': expected 1 to %d "
				"digits",
				s, CP_POLICY_PIN_MAX);
		else
			snprintf(r->pin, sizeof(r->pin), "%s", s);
		break;
	case F_LIFETIME:
		read_lifetime(l, c, r);
		break;
	case F_MODERATORS:
		read_patterns(l, c, "uri", "moderators", &r->moderators);
		break;
	case F_DTMF:
		read_dtmf(l, c, r);
		break;
	case F_DIAL_OUT:
		read_dial_out(l, c, in_conf, r);
		break;
	default:
		read_access(l, c, (enum access_op)(f - F_ACCESS_), in_conf,
			    &r->access[f - F_ACCESS_]);
		break;
	}
}

/* A <default> or <conference>: its own fields into r (r->set says which). */
static void
read_rules(struct loader *l, const xmlNode *n, bool in_conf, struct rules *r)
{
	long first[F_N_] = { 0 };

	memset(r, 0, sizeof(*r));
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		int f;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (f = 0; f < F_N_; f++)
			if (is_el(c, field_names[f]))
				break;
		if (f == F_N_)
			continue; /* the schema allows none */
		if (r->set & (1u << f)) {
			err_add(l->e, line_of(c),
				"<%s> given twice in one "
				"rule set (first at line %ld)",
				field_names[f], first[f]);
			continue;
		}
		r->set |= 1u << f;
		first[f] = line_of(c);
		read_field(l, c, (enum field)f, in_conf, r);
	}
}

/* dst = over's fields where over sets them, else base's. */
static void
merge(struct rules *dst, const struct rules *base, const struct rules *over)
{
	struct rules m = *base;

	if (over->set & (1u << F_SUBJECT))
		m.subject = over->subject;
	if (over->set & (1u << F_MAX))
		m.max_participants = over->max_participants;
	if (over->set & (1u << F_LOCKED))
		m.locked = over->locked;
	if (over->set & (1u << F_PIN))
		memcpy(m.pin, over->pin, sizeof(m.pin));
	if (over->set & (1u << F_LIFETIME)) {
		m.lifetime = over->lifetime;
		m.empty_timeout_s = over->empty_timeout_s;
	}
	if (over->set & (1u << F_MODERATORS))
		m.moderators = over->moderators;
	if (over->set & (1u << F_DTMF)) {
		m.n_dtmf = over->n_dtmf;
		m.dtmf = over->dtmf;
	}
	if (over->set & (1u << F_DIAL_OUT)) {
		m.n_dial_out = over->n_dial_out;
		memcpy(m.dial_out, over->dial_out, sizeof(m.dial_out));
	}
	for (int a = 0; a < ACC_N_; a++)
		if (over->set & (1u << (F_ACCESS_ + a)))
			m.access[a] = over->access[a];
	m.set = base->set | over->set;
	*dst = m;
}

static bool
is_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdefABCDEF") == n;
}

static void
read_user(struct loader *l, const xmlNode *c, struct user *u)
{
	const char *md5 = attr(l, c, "ha1-md5"),
		   *sha = attr(l, c, "ha1-sha256");
	const char *uri = attr(l, c, "uri");
	char norm[URI_MAX];

	u->name = attr(l, c, "name");
	u->password = attr(l, c, "password");
	if (u->name == NULL)
		return; /* out of memory */
	if (u->name[0] == '\0' || strlen(u->name) >= CP_POLICY_USER_MAX)
		err_add(l->e, line_of(c),
			"user '%s': expected a name of 1 to "
			"%d characters",
			u->name, CP_POLICY_USER_MAX - 1);
	if (u->password == NULL && md5 == NULL && sha == NULL)
		err_add(l->e, line_of(c),
			"user '%s': needs password, ha1-md5 "
			"or ha1-sha256",
			u->name);
	if (u->password != NULL && (md5 != NULL || sha != NULL))
		err_add(l->e, line_of(c),
			"user '%s': password and ha1-* "
			"exclude each other",
			u->name);
	if (md5 != NULL && !is_hex(md5, 32))
		err_add(l->e, line_of(c),
			"user '%s': ha1-md5 must be 32 hex "
			"digits",
			u->name);
	else if (md5 != NULL)
		for (size_t i = 0; i <= 32; i++)
			u->ha1[CP_DIGEST_MD5][i] = lower(md5[i]);
	if (sha != NULL && !is_hex(sha, 64))
		err_add(l->e, line_of(c),
			"user '%s': ha1-sha256 must be 64 "
			"hex digits",
			u->name);
	else if (sha != NULL)
		for (size_t i = 0; i <= 64; i++)
			u->ha1[CP_DIGEST_SHA256][i] = lower(sha[i]);
	if (uri != NULL) {
		if (!norm_uri(uri, norm, false) ||
		    strpbrk(norm, "*?") != NULL ||
		    pattern_problem(norm) != NULL || strcmp(norm, "*") == 0)
			err_add(l->e, line_of(c),
				"user '%s': uri '%s': "
				"expected a URI such as sip:alice@example.com",
				u->name, uri);
		else if ((u->uri = arena_strdup(l->p, norm)) == NULL)
			l->rc = -ENOMEM;
	}
}

static void
read_credentials(struct loader *l, const xmlNode *n)
{
	struct cp_policy *p = l->p;
	const char *lt = attr(l, n, "nonce-lifetime");
	size_t k = count_el(n, "user");
	char buf[CP_POLICY_CHALLENGE_MAX];

	p->realm = attr(l, n, "realm");
	if (p->realm == NULL)
		return;
	/* it goes into every challenge, quoted */
	if (p->realm[0] == '\0' || strlen(p->realm) > 128 ||
	    cp_digest_challenge(buf, sizeof(buf), p->realm, "", CP_DIGEST_MD5,
				false) < 0)
		err_add(l->e, line_of(n),
			"credentials: realm '%s': 1 to 128 "
			"characters without '\"', '\\' or control characters",
			p->realm);
	p->nonce_lifetime_s = lt != NULL ? number(lt) : NONCE_LIFETIME_S;
	if (p->nonce_lifetime_s == 0 || p->nonce_lifetime_s > MAX_TIMEOUT_S)
		err_add(l->e, line_of(n),
			"credentials: nonce-lifetime %s: "
			"expected 1 to %d seconds",
			lt, MAX_TIMEOUT_S);
	if (k == 0)
		err_add(l->e, line_of(n), "credentials: no <user>");
	if (k != 0 &&
	    (p->users = arena_alloc(p, k * sizeof(*p->users))) == NULL) {
		l->rc = -ENOMEM;
		return;
	}
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		struct user *u;

		if (!is_el(c, "user"))
			continue;
		u = &p->users[p->n_users];
		read_user(l, c, u);
		if (u->name == NULL)
			return;
		for (size_t j = 0; j < p->n_users; j++)
			if (strcmp(p->users[j].name, u->name) == 0)
				err_add(l->e, line_of(c),
					"user '%s' is "
					"defined twice",
					u->name);
		p->n_users++;
	}
	p->has_creds = true;
}

/* A <conference>'s uri or user: checked, normalised, unique. */
static void
read_conf_key(struct loader *l, const xmlNode *n, struct conf_entry *ce,
	      size_t n_before)
{
	const char *uri = attr(l, n, "uri"), *user = attr(l, n, "user");
	char norm[URI_MAX];

	if (uri == NULL && user == NULL) {
		err_add(l->e, ce->line, "conference: needs uri or user");
		return;
	}
	if (uri != NULL && user != NULL) {
		err_add(l->e, ce->line, "conference: uri or user, not both");
		return;
	}
	if (uri != NULL) {
		if (!norm_uri(uri, norm, false) || !is_sip_uri(norm) ||
		    strpbrk(norm, "*? ") != NULL || strchr(norm, '@') == NULL) {
			err_add(l->e, ce->line,
				"conference uri '%s': expected "
				"sip:USER@HOST or sips:USER@HOST",
				uri);
			return;
		}
		ce->uri = arena_strdup(l->p, norm);
	} else {
		if (user[0] == '\0' || strpbrk(user, "@:<>*?; \t\"") != NULL ||
		    strlen(user) >= URI_MAX) {
			err_add(l->e, ce->line,
				"conference user '%s': "
				"expected the user part of a URI",
				user);
			return;
		}
		ce->user = user;
	}
	if (ce->uri == NULL && ce->user == NULL) {
		l->rc = -ENOMEM;
		return;
	}
	for (size_t j = 0; j < n_before; j++) {
		const struct conf_entry *o = &l->p->confs[j];

		if ((ce->uri != NULL && o->uri != NULL &&
		     strcmp(ce->uri, o->uri) == 0) ||
		    (ce->user != NULL && o->user != NULL &&
		     strcmp(ce->user, o->user) == 0)) {
			err_add(l->e, ce->line,
				"conference %s is defined "
				"twice (first at line %u)",
				ce->uri != NULL ? ce->uri : ce->user, o->line);
			return;
		}
	}
}

static void
read_policy(struct loader *l, const xmlNode *root)
{
	struct cp_policy *p = l->p;
	size_t k = count_el(root, "conference");
	struct rules own;

	p->dflt = builtin;
	p->nonce_lifetime_s = NONCE_LIFETIME_S;
	/* credentials first: auth="true" below needs them */
	for (const xmlNode *c = root->children; c != NULL; c = c->next)
		if (is_el(c, "credentials"))
			read_credentials(l, c);
	for (const xmlNode *c = root->children; c != NULL; c = c->next)
		if (is_el(c, "default")) {
			read_rules(l, c, false, &own);
			merge(&p->dflt, &builtin, &own);
		}
	if (k != 0 &&
	    (p->confs = arena_alloc(p, k * sizeof(*p->confs))) == NULL) {
		l->rc = -ENOMEM;
		return;
	}
	for (const xmlNode *c = root->children; c != NULL; c = c->next) {
		struct conf_entry *ce;

		if (!is_el(c, "conference"))
			continue;
		ce = &p->confs[p->n_confs];
		ce->line = (unsigned int)line_of(c);
		read_conf_key(l, c, ce, p->n_confs);
		read_rules(l, c, true, &own);
		merge(&ce->r, &p->dflt, &own);
		p->n_confs++;
	}
}

/* Parse and validate text into *doc; errors into e. */
static int
parse_xml(const char *text, size_t len, struct errs *e, xmlDocPtr *doc)
{
	xmlStructuredErrorFunc old = xmlStructuredError;
	void *old_ctx = xmlStructuredErrorContext;
	xmlSchemaParserCtxtPtr pc = NULL;
	xmlSchemaValidCtxtPtr vc = NULL;
	xmlSchemaPtr schema = NULL;
	int rc = -EINVAL;

	xmlSetStructuredErrorFunc(e, xml_error);
	*doc = xmlReadMemory(text, (int)len, e->name, NULL,
			     XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	if (*doc == NULL || e->n != 0)
		goto out;
	if ((*doc)->intSubset != NULL) {
		err_add(e, 1, "a DOCTYPE is not allowed");
		goto out;
	}
	xmlSetStructuredErrorFunc(NULL, NULL);
	rc = -ENOMEM;
	pc = xmlSchemaNewMemParserCtxt(cp_policy_xsd,
				       (int)strlen(cp_policy_xsd));
	if (pc == NULL || (schema = xmlSchemaParse(pc)) == NULL ||
	    (vc = xmlSchemaNewValidCtxt(schema)) == NULL)
		goto out;
	xmlSchemaSetValidStructuredErrors(vc, xml_error, e);
	rc = xmlSchemaValidateDoc(vc, *doc) == 0 && e->n == 0 ? 0 : -EINVAL;
	if (rc < 0 && e->n == 0)
		err_add(e, 0, "does not match the policy schema");
out:
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	xmlSetStructuredErrorFunc(old_ctx, old);
	if (rc < 0 && *doc == NULL && e->n == 0)
		err_add(e, 0, "not an XML document");
	if (rc < 0) {
		xmlFreeDoc(*doc);
		*doc = NULL;
	}
	return rc;
}

int
cp_policy_parse(const char *text, size_t len, const char *name,
		struct cp_policy **out, char *err, size_t errlen)
{
	struct errs e = { .name = name, .buf = err, .len = errlen };
	struct loader l = { .e = &e };
	xmlDocPtr doc = NULL;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	if (len > MAX_FILE_BYTES) {
		err_add(&e, 0, "larger than %d bytes", MAX_FILE_BYTES);
		return -EINVAL;
	}
	if (len == 0) {
		err_add(&e, 1, "the file is empty");
		return -EINVAL;
	}
	if ((l.p = calloc(1, sizeof(*l.p))) == NULL)
		return -ENOMEM;
	if ((rc = cp_digest_key_random(&l.p->key)) < 0) {
		err_add(&e, 0, "no random nonce key: %s", strerror(-rc));
		goto out_free;
	}
	if ((rc = parse_xml(text, len, &e, &doc)) < 0)
		goto out_free;
	read_policy(&l, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	rc = l.rc < 0 ? l.rc : e.n != 0 ? -EINVAL : 0;
	if (rc < 0)
		goto out_free;
	*out = l.p;
	return 0;
out_free:
	if (rc == -ENOMEM && e.n == 0)
		err_add(&e, 0, "out of memory");
	cp_policy_destroy(l.p);
	return rc;
}

int
cp_policy_load(const char *path, struct cp_policy **out, char *err,
	       size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	buf = malloc(MAX_FILE_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	n = fread(buf, 1, MAX_FILE_BYTES + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -EIO;
	} else {
		rc = cp_policy_parse(buf, n, path, out, err, errlen);
	}
	fclose(f);
	free(buf);
	return rc;
}

int
cp_policy_reload(struct cp_policy **cur, const char *path, char *err,
		 size_t errlen)
{
	struct cp_policy *p;
	int rc;

	if ((rc = cp_policy_load(path, &p, err, errlen)) < 0)
		return rc;
	if (*cur != NULL)
		p->key = (*cur)->key; /* outstanding nonces stay valid */
	cp_policy_destroy(*cur);
	*cur = p;
	return 0;
}

/* ---- decisions ---- */

static const struct conf_entry *
find_conf(const struct cp_policy *p, const char *norm)
{
	char user[URI_MAX];

	for (size_t i = 0; i < p->n_confs; i++)
		if (p->confs[i].uri != NULL &&
		    strcmp(p->confs[i].uri, norm) == 0)
			return &p->confs[i];
	if (!user_part(norm, user))
		return NULL;
	for (size_t i = 0; i < p->n_confs; i++)
		if (p->confs[i].user != NULL &&
		    strcmp(p->confs[i].user, user) == 0)
			return &p->confs[i];
	return NULL;
}

void
cp_policy_conf(const struct cp_policy *p, const char *conf_uri,
	       struct cp_policy_conf_info *out)
{
	char norm[URI_MAX];
	const struct conf_entry *ce = NULL;
	const struct rules *r;

	if (conf_uri != NULL && norm_uri(conf_uri, norm, false))
		ce = find_conf(p, norm);
	r = ce != NULL ? &ce->r : &p->dflt;
	memset(out, 0, sizeof(*out));
	snprintf(out->subject, sizeof(out->subject), "%s",
		 r->subject != NULL ? r->subject : "");
	out->max_participants = r->max_participants;
	out->locked = r->locked;
	out->has_pin = r->pin[0] != '\0';
	out->lifetime = r->lifetime;
	out->empty_timeout_s = r->empty_timeout_s;
	out->reserved = ce != NULL;
	for (size_t i = 0; i < r->n_dial_out; i++)
		snprintf(out->dial_out[i], sizeof(out->dial_out[i]), "%s",
			 r->dial_out[i]);
	out->n_dial_out = (unsigned int)r->n_dial_out;
}

static const struct user *
find_user(const struct cp_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_users; i++)
		if (strcmp(p->users[i].name, name) == 0)
			return &p->users[i];
	return NULL;
}

static const char *
method_of(enum cp_policy_op op)
{
	switch (op) {
	case CP_POLICY_JOIN:
	case CP_POLICY_CREATE:
		return "INVITE";
	case CP_POLICY_REFER_INVITE:
	case CP_POLICY_REFER_BYE:
		return "REFER";
	default:
		return "SUBSCRIBE";
	}
}

/*
 * Verify req->authorization: the user on success, else NULL with *stale
 * set when only the nonce's age was wrong.
 */
static const struct user *
verify(const struct cp_policy *p, const struct cp_policy_req *req, bool *stale)
{
	struct cp_digest_creds c;
	char ha1[CP_DIGEST_HEX_MAX], a[URI_MAX], b[URI_MAX];
	const struct user *u;
	int nonce;

	if (!p->has_creds || cp_digest_parse(&c, req->authorization) < 0 ||
	    strcmp(c.realm, p->realm) != 0 ||
	    (u = find_user(p, c.username)) == NULL)
		return NULL;
	if (!norm_uri(c.uri, a, false) || !norm_uri(req->conf_uri, b, false) ||
	    strcmp(a, b) != 0)
		return NULL;
	nonce = cp_digest_nonce_check(&p->key, p->realm, c.nonce, req->now_s,
				      p->nonce_lifetime_s);
	if (nonce == -EBADMSG)
		return NULL;
	if (u->password != NULL)
		cp_digest_ha1(c.alg, u->name, p->realm, u->password, ha1);
	else
		memcpy(ha1, u->ha1[c.alg], sizeof(ha1));
	if (ha1[0] == '\0' ||
	    !cp_digest_response_ok(&c, method_of(req->op), ha1))
		return NULL;
	if (nonce == -ESTALE) {
		*stale = true;
		return NULL;
	}
	return u;
}

static enum cp_policy_verdict
verdict(struct cp_policy_decision *d, enum cp_policy_verdict v, int status,
	const char *reason, enum cp_policy_cause cause)
{
	d->verdict = v;
	d->status = status;
	d->reason = reason;
	d->cause = cause;
	return v;
}

static enum cp_policy_verdict
challenge(const struct cp_policy *p, const struct cp_policy_req *req,
	  bool stale, struct cp_policy_decision *d)
{
	char nonce[CP_DIGEST_NONCE_LEN + 1];
	bool has[2] = { false, false };

	for (size_t i = 0; i < p->n_users; i++)
		for (int a = 0; a < 2; a++)
			has[a] |= p->users[i].password != NULL ||
				  p->users[i].ha1[a][0] != '\0';
	d->moderator = false; /* nobody is anything before authenticating */
	cp_digest_nonce_make(&p->key, p->realm, req->now_s, nonce);
	/* SHA-256 first: RFC 7616 §3.7, RFC 8760 §2.4 */
	for (int a = CP_DIGEST_SHA256; a >= CP_DIGEST_MD5; a--)
		if (has[a] && cp_digest_challenge(
				      d->www_authenticate[d->n_challenges],
				      CP_POLICY_CHALLENGE_MAX, p->realm, nonce,
				      (enum cp_digest_alg)a, stale) == 0)
			d->n_challenges++;
	return verdict(d, CP_POLICY_CHALLENGE, 401, "Unauthorized",
		       CP_POLICY_CAUSE_NONE);
}

static enum cp_policy_verdict
decide_dtmf(const struct rules *r, const struct cp_policy_req *req,
	    struct cp_policy_decision *d)
{
	size_t n = strlen(req->dtmf);
	bool prefix = false;

	for (size_t i = 0; i < r->n_dtmf; i++) {
		const struct dtmf_cmd *c = &r->dtmf[i];

		if (strcmp(c->digits, req->dtmf) == 0) {
			if (c->action >= CP_POLICY_DTMF_LOCK && !d->moderator)
				return verdict(d, CP_POLICY_DENY, 403,
					       "Moderators Only",
					       CP_POLICY_CAUSE_NOT_ALLOWED);
			d->action = c->action;
			return verdict(d, CP_POLICY_ALLOW, 200, "OK",
				       CP_POLICY_CAUSE_NONE);
		}
		prefix |= n < strlen(c->digits) &&
			  strncmp(c->digits, req->dtmf, n) == 0;
	}
	if (prefix) {
		d->collect = CP_POLICY_COLLECT_MORE;
		return verdict(d, CP_POLICY_COLLECT, 0, "Collect Digits",
			       CP_POLICY_CAUSE_NONE);
	}
	return verdict(d, CP_POLICY_DENY, 404, "Unknown DTMF Command",
		       CP_POLICY_CAUSE_UNKNOWN_DTMF);
}

/* F-22, F-23: a REFER target the focus can reach and that is not itself. */
static bool
target_ok(const struct cp_policy *p, const struct cp_policy_req *req,
	  const char *conf_norm)
{
	char t[URI_MAX];

	if (!norm_uri(req->target_uri, t, false) || !is_sip_uri(t))
		return false;
	if (req->op == CP_POLICY_REFER_INVITE &&
	    (strcmp(t, conf_norm) == 0 || find_conf(p, t) != NULL))
		return false;
	return true;
}

static bool
pin_ok(const char *want, const char *got)
{
	size_t n = strlen(want);
	unsigned char diff = 0;

	if (strlen(got) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(want[i] ^ got[i]);
	return diff == 0;
}

static bool
req_ok(const struct cp_policy_req *req)
{
	if (req->from_uri == NULL || req->conf_uri == NULL ||
	    (unsigned int)req->op > CP_POLICY_DTMF)
		return false;
	if ((req->op == CP_POLICY_REFER_INVITE ||
	     req->op == CP_POLICY_REFER_BYE) &&
	    req->target_uri == NULL)
		return false;
	return req->op != CP_POLICY_DTMF || req->dtmf != NULL;
}

static const enum access_op op_access[] = {
	[CP_POLICY_JOIN] = ACC_JOIN,
	[CP_POLICY_CREATE] = ACC_CREATE,
	[CP_POLICY_REFER_INVITE] = ACC_REFER,
	[CP_POLICY_REFER_BYE] = ACC_REFER_BYE,
	[CP_POLICY_SUBSCRIBE] = ACC_SUBSCRIBE,
};

enum cp_policy_verdict
cp_policy_decide(const struct cp_policy *p, const struct cp_policy_req *req,
		 struct cp_policy_decision *d)
{
	char conf[URI_MAX], who[URI_MAX];
	const struct conf_entry *ce = NULL;
	const struct user *u = NULL;
	const struct rules *r;
	const struct access *acc;
	bool stale = false;

	memset(d, 0, sizeof(*d));
	if (p == NULL || req == NULL || !req_ok(req) ||
	    !norm_uri(req->conf_uri, conf, false))
		return verdict(d, CP_POLICY_DENY, 500, "Server Internal Error",
			       CP_POLICY_CAUSE_BAD_REQUEST);
	if (req->op != CP_POLICY_CREATE)
		ce = find_conf(p, conf);
	if (ce == NULL && req->op != CP_POLICY_CREATE && !req->conf_active)
		return verdict(d, CP_POLICY_DENY, 404, "Conference Not Found",
			       CP_POLICY_CAUSE_UNKNOWN_CONF);
	r = ce != NULL ? &ce->r : &p->dflt;

	/* who is asking: an authenticated user's own URI, else From (or the
	 * identity asserted for it) */
	if (req->auth_user != NULL)
		u = find_user(p, req->auth_user);
	else if (req->authorization != NULL)
		u = verify(p, req, &stale);
	if (u != NULL)
		snprintf(d->auth_user, sizeof(d->auth_user), "%s", u->name);
	if (u == NULL || u->uri == NULL || !norm_uri(u->uri, who, false))
		if (!norm_uri(req->from_uri, who, false))
			who[0] = '\0';
	d->moderator = req->is_creator || any_match(&r->moderators, who);
	if (req->op == CP_POLICY_DTMF)
		return decide_dtmf(r, req, d);

	acc = &r->access[op_access[req->op]];
	if (acc->auth && u == NULL && !req->from_asserted)
		return challenge(p, req, stale, d);
	if (!any_match(&acc->deny, who) &&
	    !((d->moderator && acc->moderators) ||
	      any_match(&acc->allow, who)) &&
	    any_match(&acc->confirm, who))
		return verdict(d, CP_POLICY_CONFIRM, 200, "OK",
			       CP_POLICY_CAUSE_NONE);
	if (any_match(&acc->deny, who) ||
	    !((d->moderator && acc->moderators) || any_match(&acc->allow, who)))
		return verdict(d, CP_POLICY_DENY, 403, "Forbidden",
			       CP_POLICY_CAUSE_NOT_ALLOWED);
	if ((req->op == CP_POLICY_REFER_INVITE ||
	     req->op == CP_POLICY_REFER_BYE) &&
	    !target_ok(p, req, conf))
		return verdict(d, CP_POLICY_DENY, 403, "Refer-To Not Allowed",
			       CP_POLICY_CAUSE_BAD_TARGET);
	if (req->op == CP_POLICY_JOIN) {
		if (req->locked && !d->moderator)
			return verdict(d, CP_POLICY_DENY, 403,
				       "Conference Locked",
				       CP_POLICY_CAUSE_LOCKED);
		if (req->n_participants >= r->max_participants)
			return verdict(d, CP_POLICY_DENY, 486,
				       "Conference Full", CP_POLICY_CAUSE_FULL);
		if (r->pin[0] != '\0' && req->pin == NULL) {
			d->collect = CP_POLICY_COLLECT_PIN;
			return verdict(d, CP_POLICY_COLLECT, 0, "Enter PIN",
				       CP_POLICY_CAUSE_NONE);
		}
		if (r->pin[0] != '\0' && !pin_ok(r->pin, req->pin))
			return verdict(d, CP_POLICY_DENY, 403, "Wrong PIN",
				       CP_POLICY_CAUSE_BAD_PIN);
	}
	return verdict(d, CP_POLICY_ALLOW, 200, "OK", CP_POLICY_CAUSE_NONE);
}

const char *
cp_policy_verdict_name(enum cp_policy_verdict v)
{
	static const char *const names[] = { "allow", "challenge", "deny",
					     "collect", "confirm" };

	return (unsigned int)v < 5 ? names[v] : "?";
}

const char *
cp_policy_op_name(enum cp_policy_op op)
{
	static const char *const names[] = { "join",	     "create",
					     "refer-invite", "refer-bye",
					     "subscribe",    "dtmf" };

	return (unsigned int)op <= CP_POLICY_DTMF ? names[op] : "?";
}
