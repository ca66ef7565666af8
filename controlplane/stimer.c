/* SPDX-License-Identifier: BSD-3-Clause */
/* stimer.c: SIP session timers (RFC 4028) without SIP messages. */
#include "stimer.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#define SE_MAX_S 2147483647u /* delta-seconds: 2^31 - 1 (RFC 3261 25.1) */

/* Leading delta-seconds of v (after white space) into *out; *end after
 * them and any white space. Returns 0 or -EINVAL. */
static int
delta(const char *v, uint32_t *out, const char **end)
{
	uint64_t n = 0;
	const char *p = v + strspn(v, " \t");

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > SE_MAX_S)
			return -EINVAL;
	}
	if (n == 0)
		return -EINVAL;
	*out = (uint32_t)n;
	*end = p + strspn(p, " \t");
	return 0;
}

/* delta-seconds *(;param) into *out; with r, the refresher parameter
 * (uac or uas, else -EINVAL) into *r. Returns 0 or -EINVAL. */
static int
parse(const char *v, uint32_t *out, enum cp_stimer_refresher *r)
{
	const char *p;

	if (v == NULL || delta(v, out, &p) != 0)
		return -EINVAL;
	while (*p == ';') {
		const char *name = p + 1 + strspn(p + 1, " \t");
		size_t n = strcspn(name, "= \t;");
		const char *val = name + n + strspn(name + n, " \t");
		size_t vn = 0;

		if (n == 0)
			return -EINVAL;
		if (*val == '=') {
			val++;
			val += strspn(val, " \t");
			vn = strcspn(val, " \t;");
			if (vn == 0)
				return -EINVAL;
		}
		if (r != NULL && n == 9 && strncasecmp(name, "refresher", 9) == 0) {
			if (vn == 3 && strncasecmp(val, "uac", 3) == 0)
				*r = CP_STIMER_UAC;
			else if (vn == 3 && strncasecmp(val, "uas", 3) == 0)
				*r = CP_STIMER_UAS;
			else
				return -EINVAL;
		}
		p = vn != 0 ? val + vn : name + n;
		p += strspn(p, " \t");
	}
	return *p == '\0' ? 0 : -EINVAL;
}

int
cp_stimer_parse_se(const char *v, uint32_t *se_s, enum cp_stimer_refresher *r)
{
	*r = CP_STIMER_NONE;
	return parse(v, se_s, r);
}

int
cp_stimer_parse_min_se(const char *v, uint32_t *min_se_s)
{
	return parse(v, min_se_s, NULL);
}

const char *
cp_stimer_next_token(const char **p, const char *seps, size_t *len)
{
	const char *t = *p + strspn(*p, seps);

	if (*t == '\0')
		return NULL;
	*len = strcspn(t, seps);
	*p = t + *len;
	return t;
}

bool
cp_stimer_has_token(const char *list, const char *tag)
{
	size_t n = strlen(tag), k;
	const char *p = list, *t;

	if (list == NULL)
		return false;
	while ((t = cp_stimer_next_token(&p, CP_LIST_COMMA, &k)) != NULL)
		if (k == n && strncasecmp(t, tag, n) == 0)
			return true;
	return false;
}

static uint32_t
max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

void
cp_stimer_answer(const struct cp_stimer_conf *c, const struct cp_stimer_req *q,
		 struct cp_stimer_answer *a)
{
	uint32_t floor_s = c->min_se_s;
	uint32_t lowest = max_u32(q->min_se_s, floor_s);
	uint32_t se;

	memset(a, 0, sizeof(*a));
	if (c->session_expires_s == 0)
		return;
	if (q->se_s != 0 && q->se_s < floor_s) {
		a->code = 422;
		a->min_se_s = floor_s;
		return;
	}
	if (q->se_s != 0) {
		se = q->se_s; /* never raised (§9) */
		if (se > c->session_expires_s)
			se = max_u32(c->session_expires_s, lowest);
		if (se > q->se_s)
			se = q->se_s;
	} else {
		se = max_u32(c->session_expires_s, lowest);
	}
	if (!q->supported)
		a->uas_refresh = true;
	else
		a->uas_refresh = q->refresher == CP_STIMER_UAS;
	if (a->uas_refresh && !q->update && q->refresher != CP_STIMER_UAS &&
	    (q->supported || q->se_s == 0))
		return; /* we could not refresh it: no timer */
	a->se_s = se;
	/* §9: MUST when the UAC refreshes; SHOULD when it supports it */
	a->require = q->supported;
}

uint64_t
cp_stimer_deadline_ms(uint32_t se_s)
{
	uint64_t margin = se_s / 3 < 32 ? se_s / 3 : 32;

	return ((uint64_t)se_s - margin) * 1000u;
}
