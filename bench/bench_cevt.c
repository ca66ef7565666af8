/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_cevt.c: cost of conference-info documents (controlplane/cevt.c) for
 * a roster of N users, each with one connected endpoint and one audio
 * stream. Items = documents; "bytes/doc" is the document size.
 *
 *   cevt/full/N            a full document (SUBSCRIBE, refresh)
 *   cevt/partial_one/N     the partial after one change (a mute toggled),
 *                          the change itself outside the timing
 *   cevt/change/N          the roster change alone (mute toggle: lookup by
 *                          entity, stamp), no document
 */
#include <stdio.h>

#include "cevt.h"
#include "gb_shim.h"
#include "roster.h"

enum kind {
	FULL,
	PARTIAL_ONE,
	CHANGE,
};

/* User i's entity (ep false) or its endpoint's. */
static void
entity(char *buf, size_t len, bool ep, int64_t i)
{
	if (ep)
		snprintf(buf, len, "sip:user%lld@198.51.100.1:5060",
			 (long long)i);
	else
		snprintf(buf, len, "sip:user%lld@example.com", (long long)i);
}

static struct cp_roster *
make_roster(int64_t n_users)
{
	static const struct cp_roster_uri uri = {
		"sip:conf-7f3a9c2e41b8@conf.example.net", NULL, "participation",
	};
	struct cp_roster_desc d = { .subject = "bench", .conf_uris = &uri,
				    .n_conf_uris = 1 };
	struct cp_roster_exec ji = { .when_s = 1748872800 };
	struct cp_roster *r;
	char u[64], e[64];

	if (cp_roster_create(&r, uri.uri, 0) != 0)
		return NULL;
	cp_roster_set_desc(r, &d);
	for (int64_t i = 0; i < n_users; i++) {
		struct cp_roster_media m = {
			.id = "1", .type = "audio", .label = "a1",
			.has_src_id = true, .src_id = (uint32_t)(i * 7919),
			.dir = CP_ROSTER_MEDIA_SENDRECV,
		};

		entity(u, sizeof(u), false, i);
		entity(e, sizeof(e), true, i);
		if (cp_roster_user_add(r, u, "Participant") != 0 ||
		    cp_roster_ep_add(r, u, e, NULL,
				     CP_ROSTER_EP_CONNECTED) != 0 ||
		    cp_roster_ep_set_joining(r, u, e, CP_ROSTER_JOIN_DIALED_IN,
					     &ji) != 0 ||
		    cp_roster_media_set(r, u, e, &m) != 0) {
			cp_roster_destroy(r);
			return NULL;
		}
	}
	return r;
}

static void
run(struct gb_state *st, void *arg)
{
	enum kind k = (enum kind)(uintptr_t)arg;
	int64_t n = gb_range(st, 0);
	struct cp_roster *r = make_roster(n);
	struct cp_cevt_doc d = { 0 };
	uint64_t bytes = 0, docs = 0;
	char u[64], e[64];
	bool muted = false;

	if (r == NULL) {
		gb_skip_with_error(st, "roster setup failed");
		return;
	}
	entity(u, sizeof(u), false, n / 2);
	entity(e, sizeof(e), true, n / 2);
	while (gb_keep_running(st)) {
		uint64_t since = cp_roster_seq(r);
		int rc = 0;

		switch (k) {
		case FULL:
			rc = cp_cevt_build_full(r, 1, NULL, &d);
			break;
		case PARTIAL_ONE:
			gb_pause_timing(st);
			muted = !muted;
			cp_roster_ep_set_muted(r, u, e, muted);
			gb_resume_timing(st);
			rc = cp_cevt_build_partial(r, since, 2, NULL, &d);
			break;
		case CHANGE:
			muted = !muted;
			rc = cp_roster_ep_set_muted(r, u, e, muted);
			break;
		}
		if (rc != 0) {
			gb_skip_with_error(st, "build failed");
			break;
		}
		bytes += d.len_bytes;
		docs++;
		gb_do_not_optimize(d.xml);
		cp_cevt_doc_free(&d);
	}
	gb_set_items(st, gb_iterations(st));
	if (k != CHANGE)
		gb_counter(st, "bytes/doc", (double)bytes / (double)(docs ?
			   docs : 1), false, false);
	cp_roster_destroy(r);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		enum kind k;
	} b[] = {
		{ "cevt/full", FULL },
		{ "cevt/partial_one", PARTIAL_ONE },
		{ "cevt/change", CHANGE },
	};

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		struct gb_bench *gb = gb_register(b[i].name, run,
						  (void *)(uintptr_t)b[i].k);

		gb_arg(gb, 10);
		gb_arg(gb, 1000);
	}
	return gb_main(argc, argv);
}
