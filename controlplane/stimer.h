/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stimer.h: SIP session timers (RFC 4028), the part without SIP messages:
 * parsing Session-Expires and Min-SE, option-tag lists, and what a UAS
 * answers (§9). sip.c reads the headers and keeps each dialog's timer.
 * Pure: no I/O, no time, no allocation. Control-plane main thread.
 */
#ifndef TUTTI_CP_STIMER_H
#define TUTTI_CP_STIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 4028 §5: the lowest Min-SE a UA may have (tutti-cp refuses less). */
#define CP_STIMER_FLOOR_S 90u

/* Who refreshes: the refresher parameter (§4), relative to one request. */
enum cp_stimer_refresher {
	CP_STIMER_NONE = 0, /* not said */
	CP_STIMER_UAC = 1,
	CP_STIMER_UAS = 2,
};

/* What a session-refreshing request (INVITE, re-INVITE, UPDATE) asked. */
struct cp_stimer_req {
	uint32_t se_s;	   /* its Session-Expires, 0 = none */
	uint32_t min_se_s; /* its Min-SE, 0 = none */
	enum cp_stimer_refresher refresher;
	bool supported; /* "timer" in its Supported (or Require) */
	bool update;	/* "UPDATE" in its Allow: we may refresh by UPDATE */
};

/* The UAS's policy (cp_sip_conf). */
struct cp_stimer_conf {
	uint32_t session_expires_s; /* the interval wanted; 0 = timers off */
	/* the lowest taken: CP_STIMER_FLOOR_S or more on the wire; less
	 * only in tests, which cannot wait minutes */
	uint32_t min_se_s;
};

/* The UAS's answer to one request. */
struct cp_stimer_answer {
	int code;	   /* 0 = go on; 422 (Min-SE: min_se_s) */
	uint32_t se_s;	   /* the 2xx's Session-Expires; 0 = no timer */
	bool uas_refresh;  /* refresher=uas: this UAS refreshes */
	bool require;	   /* the 2xx says Require: timer */
	uint32_t min_se_s; /* 422: the Min-SE to send */
};

/*
 * "delta-seconds *(;param)" of Session-Expires (or x), its refresher
 * parameter into *r (CP_STIMER_NONE without one). Returns 0, or -EINVAL:
 * not a number of seconds (1 to 2^31-1), or a refresher other than uac or
 * uas.
 */
int cp_stimer_parse_se(const char *v, uint32_t *se_s,
		       enum cp_stimer_refresher *r);

/* Min-SE's "delta-seconds *(;param)". Returns 0 or -EINVAL. */
int cp_stimer_parse_min_se(const char *v, uint32_t *min_se_s);

/* Separators of header value lists: CP_LIST_COMMA for Supported, Require
 * and Allow (RFC 3261 7.3.1), CP_LIST_SEMI for Privacy (RFC 3323 4.2). */
#define CP_LIST_COMMA " \t,"
#define CP_LIST_SEMI " \t;,"

/* The next token at *p of a list separated by any of seps (blanks
 * included): its start, its length in *len, *p moved past it; NULL at
 * the end. */
const char *cp_stimer_next_token(const char **p, const char *seps,
				 size_t *len);

/* Is tag (any case) among the comma-separated tokens of list? */
bool cp_stimer_has_token(const char *list, const char *tag);

/*
 * RFC 4028 §9 for request q under policy c:
 * - timers off: no timer (and "timer" in a Require is the caller's 420);
 * - a Session-Expires below c's minimum: 422 with Min-SE;
 * - a Session-Expires asked is kept, or lowered to c's interval, never
 *   below q's Min-SE; none asked: c's interval, or q's Min-SE if higher;
 * - the refresher: uas for a UAC without "timer"; else the one q names,
 *   else uac (the caller refreshes: nothing sent by us);
 * - where this UAS would refresh but q's Allow lacks UPDATE and q did not
 *   name uas: no timer (a caller that asked for none is not made to take
 *   re-INVITEs every few minutes), unless q asked for one without
 *   supporting timers (a proxy's Session-Expires), then still uas (sip.c
 *   refreshes by re-INVITE there).
 */
void cp_stimer_answer(const struct cp_stimer_conf *c,
		      const struct cp_stimer_req *q,
		      struct cp_stimer_answer *a);

/*
 * When the side that does not refresh gives up (§10): the smaller of 32 s
 * and a third of the interval before it ends. Milliseconds after the
 * refresh.
 */
uint64_t cp_stimer_deadline_ms(uint32_t se_s);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_STIMER_H */
