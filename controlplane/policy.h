/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy.h: the conference policy of tutti-cp. A policy file (XML,
 * validated against controlplane/policy.xsd, which is compiled in) holds a
 * <default> rule set, per-conference rule sets (<conference uri=".."> or
 * <conference user="..">) and the Digest credentials. cp_policy_decide()
 * turns one request (join, create, REFER dial-out, REFER BYE, SUBSCRIBE,
 * a DTMF command) into a verdict with the SIP response to send:
 *
 *   404 unknown conference (RFC 4353 §5.4, checklist F-06)
 *   401 + WWW-Authenticate when the operation needs Digest (D5, never 407)
 *   403 not allowed, or conference locked (F-15, F-21, F-22, F-23, F-29)
 *   486 conference full (F-15; roster "busy")
 *   "collect": answer and collect a PIN, or more DTMF digits
 *
 * Order of checks: conference, authentication, authorization, lock, size,
 * PIN. Who asks is the uri of the user Digest authenticated, else the
 * identity the trust domain asserted (RFC 3325, P-Asserted-Identity from a
 * proxy tutti-cp --trust names: from_asserted), else the From URI, which
 * anyone can forge: give operations that grant rights auth="true" (an
 * asserted identity passes it, as a Digest user does). A <deny> pattern
 * match refuses anyone; then moderators (a pattern list, or the
 * conference's creator) pass unless the rule says moderators="false"; then
 * an <allow> match passes. Moderators also pass a lock, not the size
 * limit.
 *
 * A field a conference leaves out comes from <default>, and one <default>
 * leaves out from the built-in defaults: anyone may join, create and
 * subscribe, only moderators may REFER (dial out or BYE), no limit, no PIN,
 * no Digest, lifetime creator-leaves (RFC 4579 §5.12, D4), DTMF *6 toggles
 * one's own mute, *1 toggles the lock, *9 mutes all, *0 unmutes all.
 *
 * How the SIP layer uses it (one request):
 *
 *	struct cp_policy_req r = { .op = CP_POLICY_JOIN, .from_uri = from,
 *		.conf_uri = request_uri, .authorization = authz_or_null,
 *		.n_participants = n, .conf_active = exists, .locked = locked,
 *		.now_s = time(NULL) };
 *	struct cp_policy_decision d;
 *
 *	switch (cp_policy_decide(policy, &r, &d)) {
 *	case CP_POLICY_ALLOW:	  go on; keep d.auth_user on the dialog
 *	case CP_POLICY_CHALLENGE: 401, one WWW-Authenticate per
 *				  d.www_authenticate[0 .. d.n_challenges-1]
 *	case CP_POLICY_DENY:	  reply d.status d.reason (d.cause: roster)
 *	case CP_POLICY_COLLECT:	  answer, prompt, collect digits ('#' ends a
 *				  PIN), decide again with r.pin or r.dtmf
 *	}
 *
 * On SIGHUP set a flag; in the event loop call cp_policy_reload() and log
 * each line of err when it fails (the old policy stays in force).
 *
 * Pure library: no SIP stack, no clock (time is passed in), no global
 * state but libxml2's. Control-plane main thread (cp_policy_decide() may
 * run on any thread while nothing reloads the same policy).
 */
#ifndef TUTTI_CP_POLICY_H
#define TUTTI_CP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cp_policy;

/* Longest WWW-Authenticate value a decision carries, with its NUL. */
#define CP_POLICY_CHALLENGE_MAX 256
/* Longest authenticated user name a decision carries, with its NUL. */
#define CP_POLICY_USER_MAX 64
/* Longest DTMF command sequence, digits. */
#define CP_POLICY_DTMF_MAX 8
/* Longest PIN, digits. */
#define CP_POLICY_PIN_MAX 16
/* Most URIs a conference dials when it starts (<dial-out>). */
#define CP_POLICY_DIAL_MAX 8
/* Longest such URI, with its NUL. */
#define CP_POLICY_URI_MAX 128

enum cp_policy_op {
	CP_POLICY_JOIN = 0,	    /* INVITE to a conference URI */
	CP_POLICY_CREATE = 1,	    /* INVITE to the conference factory URI */
	CP_POLICY_REFER_INVITE = 2, /* REFER: dial out to target_uri */
	CP_POLICY_REFER_BYE = 3,    /* REFER method=BYE: remove target_uri */
	CP_POLICY_SUBSCRIBE = 4,    /* SUBSCRIBE Event: conference */
	CP_POLICY_DTMF = 5,	    /* digits from a participant */
};

enum cp_policy_verdict {
	CP_POLICY_ALLOW = 0,
	CP_POLICY_CHALLENGE = 1, /* send 401 with d->www_authenticate[] */
	CP_POLICY_DENY = 2,	 /* send d->status with d->reason */
	CP_POLICY_COLLECT = 3,	 /* collect DTMF (d->collect), decide again */
	/*
	 * SUBSCRIBE from a <confirm> match: accept the subscription as
	 * pending (RFC 6665 4.2.1) until the operator approves or rejects it.
	 */
	CP_POLICY_CONFIRM = 4,
};

/* Why a request was denied: what a roster entry says (RFC 4575 §5.7.6). */
enum cp_policy_cause {
	CP_POLICY_CAUSE_NONE = 0,
	CP_POLICY_CAUSE_UNKNOWN_CONF = 1, /* 404 */
	CP_POLICY_CAUSE_NOT_ALLOWED = 2,  /* 403, roster "booted" */
	CP_POLICY_CAUSE_LOCKED = 3,	  /* 403, roster "booted" */
	CP_POLICY_CAUSE_FULL = 4,	  /* 486, roster "busy" */
	CP_POLICY_CAUSE_BAD_PIN = 5,	  /* 403, roster "booted" */
	CP_POLICY_CAUSE_BAD_TARGET = 6,	  /* 403: scheme or loop, F-22/23 */
	CP_POLICY_CAUSE_UNKNOWN_DTMF = 7, /* no such command (status 404) */
	CP_POLICY_CAUSE_BAD_REQUEST = 8,  /* the caller's bug (status 500) */
};

/* What COLLECT asks for. */
enum cp_policy_collect {
	CP_POLICY_COLLECT_NONE = 0,
	CP_POLICY_COLLECT_PIN = 1,  /* PIN then '#'; decide with req->pin */
	CP_POLICY_COLLECT_MORE = 2, /* req->dtmf is a prefix of a command */
};

enum cp_policy_dtmf_action {
	CP_POLICY_DTMF_NONE = 0,
	CP_POLICY_DTMF_MUTE_SELF = 1,
	CP_POLICY_DTMF_UNMUTE_SELF = 2,
	CP_POLICY_DTMF_TOGGLE_MUTE_SELF = 3,
	/* moderators only from here */
	CP_POLICY_DTMF_LOCK = 4,
	CP_POLICY_DTMF_UNLOCK = 5,
	CP_POLICY_DTMF_TOGGLE_LOCK = 6,
	CP_POLICY_DTMF_MUTE_ALL = 7, /* everyone but the moderator */
	CP_POLICY_DTMF_UNMUTE_ALL = 8,
	CP_POLICY_DTMF_END = 9, /* end the conference */
};

/* When a conference ends (RFC 4579 §5.12, checklist D4). */
enum cp_policy_lifetime {
	CP_POLICY_END_CREATOR_LEAVES = 0,
	CP_POLICY_END_EMPTY = 1, /* after empty_timeout_s with nobody in it */
	CP_POLICY_END_NEVER = 2,
};

/*
 * One request. Strings are borrowed for the call; URIs may be bare
 * ("sip:a@b") or name-addr ("Alice <sip:a@b;transport=tcp>"): the display
 * name, URI parameters and headers are ignored, scheme and host compared
 * without case, the user part with case.
 */
struct cp_policy_req {
	enum cp_policy_op op;
	const char *from_uri; /* the requester: From header, or ... */
	/* ... the identity the trust domain asserted (RFC 3325): it counts
	 * as authenticated, as a Digest user's URI does */
	bool from_asserted;
	const char *conf_uri; /* the Request-URI (factory URI for CREATE) */
	const char
		*target_uri; /* REFER: Refer-To (no method param); else NULL */
	/*
	 * The Authorization header value, or NULL. Verified against the
	 * policy's credentials, the request's method (from op) and
	 * conf_uri.
	 */
	const char *authorization;
	/*
	 * A user name authenticated earlier (e.g. on the INVITE of the
	 * dialog that now sends DTMF), or NULL: then authorization counts.
	 */
	const char *auth_user;
	const char *pin;  /* JOIN: digits entered, NULL = not asked yet */
	const char *dtmf; /* DTMF: digits collected so far ('*', '#', 0-9) */
	uint32_t n_participants; /* in the conference now (JOIN) */
	bool conf_active; /* the conference exists now (factory-made ones) */
	bool locked;	  /* its lock state now (set by DTMF or moderator) */
	bool is_creator;  /* the requester created it: a moderator */
	uint64_t now_s;	  /* wall clock, seconds: Digest nonce ages */
};

/* The outcome. Self-contained: valid after the policy is reloaded. */
struct cp_policy_decision {
	enum cp_policy_verdict verdict;
	int status;	    /* SIP status: 200, 401, 403, 404, 486; 0 COLLECT */
	const char *reason; /* reason phrase for status (static string) */
	enum cp_policy_cause cause;
	enum cp_policy_collect collect;
	enum cp_policy_dtmf_action action; /* DTMF + ALLOW: what to do */
	bool moderator; /* the requester counts as one (not CHALLENGE) */
	/* ALLOW after Digest: the user name (else ""). */
	char auth_user[CP_POLICY_USER_MAX];
	/* CHALLENGE: one WWW-Authenticate header per entry, preferred first. */
	unsigned int n_challenges;
	char www_authenticate[2][CP_POLICY_CHALLENGE_MAX];
};

/* What the integrator needs to set a conference up (cp_policy_conf()). */
struct cp_policy_conf_info {
	char subject[256];	   /* "" when none */
	uint32_t max_participants; /* UINT32_MAX = no limit */
	bool locked;		   /* its lock state when created */
	bool has_pin;
	enum cp_policy_lifetime lifetime;
	uint32_t empty_timeout_s; /* END_EMPTY: grace before the end */
	bool reserved;		  /* named by a <conference> entry */
	/* <dial-out>: whom the focus calls when the conference starts */
	unsigned int n_dial_out;
	char dial_out[CP_POLICY_DIAL_MAX][CP_POLICY_URI_MAX];
};

/*
 * Load and check a policy file. Each problem is reported as one line
 * "FILE:LINE: reason" (XML syntax, schema, then meaning: a duplicate
 * conference, a bad URI pattern, max-participants 0, a PIN that is not
 * digits, an unknown DTMF action, a bad lifetime, ...), lines separated
 * by '\n' in err (truncated to errlen). Schema errors stop the check
 * before the meaning is looked at. A new random nonce key is made.
 * Returns 0 and *out (a new policy: cp_policy_destroy() it), -ENOENT or
 * another -errno when the file cannot be read, -EINVAL when it is bad,
 * -ENOMEM. *out is written only on success.
 */
int cp_policy_load(const char *path, struct cp_policy **out, char *err,
		   size_t errlen);

/*
 * cp_policy_load() from memory; name is the FILE in messages. For tests
 * and the fuzzer.
 */
int cp_policy_parse(const char *text, size_t len, const char *name,
		    struct cp_policy **out, char *err, size_t errlen);

/*
 * SIGHUP: load path; on success replace *cur (the old policy is
 * destroyed, its nonce key kept so outstanding nonces stay valid) and
 * return 0; on error keep *cur untouched and return as cp_policy_load().
 * The caller makes sure no decision is running on *cur meanwhile.
 */
int cp_policy_reload(struct cp_policy **cur, const char *path, char *err,
		     size_t errlen);

/* Free p. NULL is a no-op. */
void cp_policy_destroy(struct cp_policy *p);

/*
 * Decide on req, filling *d (always written). Returns d->verdict. A bad
 * req (unknown op, NULL from_uri or conf_uri, REFER without target_uri,
 * DTMF without dtmf: a caller's bug) is denied with 500 and cause
 * CP_POLICY_CAUSE_BAD_REQUEST. Does not allocate.
 */
enum cp_policy_verdict cp_policy_decide(const struct cp_policy *p,
					const struct cp_policy_req *req,
					struct cp_policy_decision *d);

/*
 * The settings of the conference conf_uri: its <conference> entry if one
 * matches (reserved = true), else <default>. Always succeeds.
 */
void cp_policy_conf(const struct cp_policy *p, const char *conf_uri,
		    struct cp_policy_conf_info *out);

/* Whether uri matches glob pattern ('*' any run, '?' one character), after
 * both are normalised as in struct cp_policy_req. */
bool cp_policy_uri_matches(const char *pattern, const char *uri);

/* Stable names for logs: "allow", "challenge", "deny", "collect"; "join"... */
const char *cp_policy_verdict_name(enum cp_policy_verdict v);
const char *cp_policy_op_name(enum cp_policy_op op);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_POLICY_H */
