/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cevt.h: RFC 4575 conference-info documents (application/
 * conference-info+xml) from a roster (roster.h), and the per-subscription
 * state the conference event package needs: the version counter, what the
 * subscriber was last told, and the rate control that coalesces bursts of
 * changes into one partial notification.
 *
 * Documents: a full document holds the whole roster (on SUBSCRIBE and on
 * each refresh, RFC 6665 §4.2.1.2); a partial one holds what changed since
 * the subscriber's previous document, with state="partial" written
 * explicitly on <conference-info>, <users> and each changed <user> and
 * <endpoint>, state="full" on added (or rewritten) ones and
 * state="deleted" on removed ones (RFC 4575 §4.4, §4.6). Atomic elements
 * (conference-description, host-info, conference-state, and each endpoint
 * field) are always sent whole. Every text and attribute is escaped.
 * Versions are per subscription: 1 for the first document, then exactly
 * one more for every document (full, partial or deleted).
 *
 * Rate control, deterministic: time is the caller's now_ms (any monotonic
 * millisecond clock); the library reads no clock and sets no timer.
 *
 *   roster change  -> cp_cevt_sub_note_change(sub, now) for each subscriber
 *   timer / loop   -> cp_cevt_sub_due(sub, now, &doc): a document once
 *                     now >= cp_cevt_sub_next_ms(sub), else nothing
 *
 * Partial notifications are sent no sooner than hold_ms after the first
 * change of a burst and interval_ms after the previous document (RFC 4575
 * §3.9 recommends 5 s), so all changes in between make one partial.
 *
 * Wiring, for the SIP layer (one roster per conference, one sub per
 * SUBSCRIBE dialog):
 *
 *   conference created   cp_roster_create(&r, conference_uri, 0)
 *   SUBSCRIBE, refresh   cp_cevt_sub_create(&s, r, &cfg) (first time);
 *                        cp_cevt_sub_full(s, now, &doc): NOTIFY body
 *   roster event         cp_roster_*(r, ...), then for every sub of r:
 *                        cp_cevt_sub_note_change(s, now)
 *   timer / loop tick    cp_cevt_sub_due(s, now, &doc) == 1: NOTIFY body
 *                        (arm the timer at cp_cevt_sub_next_ms(s))
 *   doc.needs_tcp        send that NOTIFY over TCP (RFC 3261 §18.1.1)
 *   unsubscribe, expiry  cp_cevt_sub_destroy(s)
 *   conference ends      cp_cevt_sub_deleted(s, &doc) in the NOTIFY with
 *                        terminated;reason=noresource, then destroy all
 *
 * libxml2 appears only in cevt.c. Control-plane main thread only.
 */
#ifndef TUTTI_CP_CEVT_H
#define TUTTI_CP_CEVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "roster.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CP_CEVT_MIME		"application/conference-info+xml"
#define CP_CEVT_NS		"urn:ietf:params:xml:ns:conference-info"
/*
 * RFC 3261 §18.1.1: a message over 1300 bytes (path MTU unknown) goes over
 * TCP. The default body limit; a caller that knows its header size passes
 * udp_max_bytes = 1300 - headers.
 */
#define CP_CEVT_UDP_MAX_BYTES	1300
#define CP_CEVT_INTERVAL_MS	5000	/* RFC 4575 §3.9 */

struct cp_cevt_cfg {
	uint32_t interval_ms;	/* least time between two documents */
	uint32_t hold_ms;	/* wait after a burst's first change */
	/*
	 * Hard limit on a document (0: none). A larger document is refused
	 * with -EMSGSIZE and nothing is consumed.
	 */
	size_t max_bytes;
	/*
	 * Largest body that may go over UDP (0: CP_CEVT_UDP_MAX_BYTES). The
	 * caller subtracts its SIP headers from the path limit; a larger
	 * body sets cp_cevt_doc.needs_tcp.
	 */
	size_t udp_max_bytes;
	bool indent;		/* pretty-print (two spaces per level) */
	/*
	 * The subscriber's view (RFC 4575 §8.2, checklist F-81): leave out
	 * every <call-info>, the dialog identifiers with which a Replaces
	 * or Join (RFC 3891, 3911) could take over a participant's call.
	 */
	bool hide_call_info;
};

enum cp_cevt_state {
	CP_CEVT_FULL = 0,
	CP_CEVT_PARTIAL,
	CP_CEVT_DELETED,
};

/* A document, ready to be a NOTIFY body. Free with cp_cevt_doc_free(). */
struct cp_cevt_doc {
	char *xml;		/* UTF-8, NUL-terminated, owned */
	size_t len_bytes;	/* without the NUL */
	uint32_t version;
	enum cp_cevt_state state;
	bool needs_tcp;		/* len_bytes > udp_max_bytes */
};

/* Free d->xml and zero d. NULL, or a zeroed doc, is a no-op. */
void cp_cevt_doc_free(struct cp_cevt_doc *d);

/* Defaults: interval 5 s, hold 0, no hard limit, 1300-byte UDP body. */
void cp_cevt_cfg_default(struct cp_cevt_cfg *cfg);

/*
 * Stateless builders (a subscription uses these). A full document of r
 * with this version; or the partial document of what changed in r after
 * roster sequence number since_seq. Return 0 and fill *out, -ENODATA if
 * nothing changed since since_seq (no document), -ESTALE if a partial
 * cannot be built from since_seq (cp_roster_can_diff(): send a full one),
 * -EMSGSIZE over cfg->max_bytes, -EINVAL, -ENOMEM. cfg may be NULL
 * (defaults). *out is written only on success.
 */
int cp_cevt_build_full(const struct cp_roster *r, uint32_t version,
		       const struct cp_cevt_cfg *cfg, struct cp_cevt_doc *out);
int cp_cevt_build_partial(const struct cp_roster *r, uint64_t since_seq,
			  uint32_t version, const struct cp_cevt_cfg *cfg,
			  struct cp_cevt_doc *out);
/* <conference-info entity=... state="deleted" version=.../> */
int cp_cevt_build_deleted(const struct cp_roster *r, uint32_t version,
			  const struct cp_cevt_cfg *cfg,
			  struct cp_cevt_doc *out);

struct cp_cevt_sub;

/*
 * A subscription to r's conference. r is borrowed and must outlive the
 * subscription. cfg is copied; NULL means cp_cevt_cfg_default(). Returns 0
 * and *out (owned: cp_cevt_sub_destroy()), -EINVAL or -ENOMEM.
 */
int cp_cevt_sub_create(struct cp_cevt_sub **out, const struct cp_roster *r,
		       const struct cp_cevt_cfg *cfg);
/* NULL is a no-op. */
void cp_cevt_sub_destroy(struct cp_cevt_sub *s);

/*
 * The full document for a SUBSCRIBE or a refresh: immediate, whatever the
 * rate control says. It covers every change so far (pending ones too) and
 * counts as the last document sent at now_ms. Returns 0 and *out, or
 * -EMSGSIZE, -ENOMEM (nothing consumed).
 */
int cp_cevt_sub_full(struct cp_cevt_sub *s, uint64_t now_ms,
		     struct cp_cevt_doc *out);

/*
 * The roster changed at now_ms: starts the coalescing window if none is
 * open. Ignored before the first full document.
 */
void cp_cevt_sub_note_change(struct cp_cevt_sub *s, uint64_t now_ms);

/*
 * When the pending changes may be sent: UINT64_MAX if none are pending.
 * For arming the caller's timer.
 */
uint64_t cp_cevt_sub_next_ms(const struct cp_cevt_sub *s);

/*
 * If changes are pending and now_ms >= cp_cevt_sub_next_ms(): build their
 * document (partial; full if the roster no longer has what a partial
 * needs) and return 1 with *out. Returns 0 if nothing is due (or the
 * changes cancelled out: then nothing stays pending), -EMSGSIZE or -ENOMEM
 * (the changes stay pending; on -EMSGSIZE the subscription cannot be
 * served under max_bytes, so the caller ends it or raises the limit).
 * A roster change that was never noted is noticed here, its window
 * opening at now_ms. Call it only when no NOTIFY of this subscription is
 * in flight (one at a time per dialog, checklist F-57): changes made
 * meanwhile simply wait for the next call.
 */
int cp_cevt_sub_due(struct cp_cevt_sub *s, uint64_t now_ms,
		    struct cp_cevt_doc *out);

/*
 * A partial document shared by the subscribers due together: they cover
 * the same roster changes (same sent_seq to the same roster seq), so the
 * document is built once and each gets a copy with its own version. One
 * cache per roster, view and loop pass (a subscription of another view
 * neither uses nor fills it); otherwise the subscriptions that share it
 * must have the same cfg. Zero it before use, cp_cevt_cache_clear()
 * after.
 */
struct cp_cevt_cache {
	const struct cp_roster *r;
	uint64_t from_seq, to_seq;
	bool hide_call_info;	/* the view it was built for */
	struct cp_cevt_doc doc;	/* as built for its first subscriber */
	size_t ver_at, ver_len;	/* the digits of version="..." in doc.xml */
};

/* As cp_cevt_sub_due(), through cache (NULL: as cp_cevt_sub_due()). */
int cp_cevt_sub_due_cached(struct cp_cevt_sub *s, uint64_t now_ms,
			   struct cp_cevt_cache *cache,
			   struct cp_cevt_doc *out);
void cp_cevt_cache_clear(struct cp_cevt_cache *c);

/*
 * The last document of the subscription when the conference ends
 * (state="deleted", RFC 4575 §4.6; goes with Subscription-State:
 * terminated;reason=noresource). Returns 0 and *out, or -ENOMEM.
 */
int cp_cevt_sub_deleted(struct cp_cevt_sub *s, struct cp_cevt_doc *out);

/* Version of the last document given out (0: none yet). */
uint32_t cp_cevt_sub_version(const struct cp_cevt_sub *s);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_CP_CEVT_H */
