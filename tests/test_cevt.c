/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_cevt.c: the roster (controlplane/roster.c) and its RFC 4575
 * conference-info documents (controlplane/cevt.c). Every document a test
 * makes is validated against the RFC 4575 schema (tests/vectors/
 * conference-info.xsd, loaded without network) and against the rules the
 * schema cannot express (version present, full documents complete, state
 * consistency, unique keys). Full and partial documents are byte-compared
 * with golden files (tests/vectors/cevt/; CEVT_REGEN=1 rewrites them).
 * The reconstruction checker replays seeded random roster histories,
 * applies every partial to the subscriber's copy with the RFC 4575 §4.6
 * algorithm (parsed back with libxml2) and requires that copy to equal a
 * fresh full document after every notification, with versions rising by
 * exactly one. Checklist IDs: F-55..F-63 (versions, states, partial
 * rules), F-56 (coalescing), F-67 (conference-state), F-73 (media).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "cevt.h"
#include "check_main.h"
#include "xsd_check.h"
#include "roster.h"

#define XSD_PATH	CEVT_VECTORS_DIR "/conference-info.xsd"
#define GOLDEN_DIR	CEVT_VECTORS_DIR "/cevt"

/* ---- schema and the checks it cannot do --------------------------------- */

static xmlSchemaPtr schema;
static char xml_err[4096];

static void
schema_load(void)
{
	schema = xsd_load(XSD_PATH, xml_err, sizeof(xml_err));
	if (schema == NULL) {
		fprintf(stderr, "test_cevt: cannot load %s: %s\n", XSD_PATH,
			xml_err);
		abort();
	}
}

static void
schema_free(void)
{
	xmlSchemaFree(schema);
	schema = NULL;
}

static xmlNodePtr
first_el(xmlNodePtr n)
{
	while (n != NULL && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static xmlNodePtr
next_el(xmlNodePtr n)
{
	return first_el(n->next);
}

static bool
is(xmlNodePtr n, const char *name)
{
	return xmlStrcmp(n->name, BAD_CAST name) == 0;
}

/* Attribute value as a C string compare; NULL if absent. */
static bool
prop_is(xmlNodePtr n, const char *name, const char *value)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	bool eq = v != NULL && strcmp((char *)v, value) == 0;

	xmlFree(v);
	return eq;
}

static const char *
key_attr(xmlNodePtr n)
{
	if (is(n, "user") || is(n, "endpoint"))
		return "entity";
	if (is(n, "media"))
		return "id";
	return NULL;
}

static bool
has_state(xmlNodePtr n)
{
	return is(n, "users") || is(n, "user") || is(n, "endpoint");
}

/*
 * RFC 4575 rules beyond the schema: children of a full element are full;
 * partial-capable elements carry an explicit state; keys are present and
 * unique among siblings; a deleted element is empty.
 */
static void
check_tree(xmlNodePtr n, bool parent_full, const char *doc)
{
	for (xmlNodePtr c = first_el(n->children); c != NULL; c = next_el(c)) {
		const char *k = key_attr(c);
		bool full = parent_full;

		if (has_state(c)) {
			xmlChar *st = xmlGetProp(c, BAD_CAST "state");

			ck_assert_msg(st != NULL, "no explicit state on %s:\n%s",
				      c->name, doc);
			ck_assert_msg(!parent_full ||
					      strcmp((char *)st, "full") == 0,
				      "%s under a full parent is %s:\n%s",
				      c->name, st, doc);
			if (strcmp((char *)st, "deleted") == 0)
				ck_assert_ptr_null(first_el(c->children));
			full = strcmp((char *)st, "full") == 0;
			xmlFree(st);
		}
		if (k != NULL) {
			xmlChar *kv = xmlGetProp(c, BAD_CAST k);

			ck_assert_msg(kv != NULL, "%s without key:\n%s",
				      c->name, doc);
			for (xmlNodePtr d = next_el(c); d != NULL;
			     d = next_el(d))
				ck_assert_msg(!is(d, (const char *)c->name) ||
						      !prop_is(d, k,
							       (char *)kv),
					      "duplicate key %s:\n%s", kv, doc);
			xmlFree(kv);
		}
		check_tree(c, full, doc);
	}
}

/* xmlSchemaValidateDoc(): 0 if valid; messages in xml_err. */
static int
schema_validate(xmlDocPtr x)
{
	int rc = xsd_validate(schema, x, xml_err, sizeof(xml_err));

	ck_assert_int_ge(rc, 0);	/* -1: no validation context */
	return rc;
}

/* Parse d, validate against the schema and the rules; caller frees. */
static xmlDocPtr
check_doc(const struct cp_cevt_doc *d)
{
	static const char *const states[] = { "full", "partial", "deleted" };
	xmlNodePtr root;
	xmlDocPtr x;
	char ver[16];
	int rc;

	ck_assert_ptr_nonnull(d->xml);
	ck_assert_uint_eq(strlen(d->xml), d->len_bytes);
	x = xmlReadMemory(d->xml, (int)d->len_bytes, "doc.xml", NULL,
			  XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	ck_assert_msg(x != NULL, "not well-formed:\n%s", d->xml);
	rc = schema_validate(x);
	ck_assert_msg(rc == 0, "invalid (%d): %s\n%s", rc, xml_err, d->xml);

	root = xmlDocGetRootElement(x);
	snprintf(ver, sizeof(ver), "%u", d->version);
	ck_assert_msg(prop_is(root, "version", ver), "version %s:\n%s", ver,
		      d->xml);
	ck_assert_msg(prop_is(root, "state", states[d->state]), "state:\n%s",
		      d->xml);
	if (d->state == CP_CEVT_FULL) {
		xmlNodePtr c = first_el(root->children);

		ck_assert_msg(c != NULL && is(c, "conference-description"),
			      "full without conference-description:\n%s",
			      d->xml);
		while (c != NULL && !is(c, "users"))
			c = next_el(c);
		ck_assert_msg(c != NULL, "full without users:\n%s", d->xml);
	}
	if (d->state == CP_CEVT_DELETED)
		ck_assert_ptr_null(first_el(root->children));
	check_tree(root, d->state == CP_CEVT_FULL, d->xml);
	return x;
}

static void
check_and_free(struct cp_cevt_doc *d)
{
	xmlFreeDoc(check_doc(d));
	cp_cevt_doc_free(d);
}

/* ---- golden files ------------------------------------------------------- */

static void
golden(const char *name, const struct cp_cevt_doc *d)
{
	char path[512];
	char *want = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (getenv("CEVT_REGEN") != NULL) {
		f = fopen(path, "w");
		ck_assert_msg(f != NULL, "cannot write %s", path);
		fwrite(d->xml, 1, d->len_bytes, f);
		fclose(f);
		return;
	}
	want = malloc(1 << 16);
	ck_assert_ptr_nonnull(want);
	len = test_read_file(path, want, 1 << 16);	/* the golden file */
	ck_assert_msg(len == d->len_bytes && memcmp(want, d->xml, len) == 0,
		      "%s differs; got:\n%s", name, d->xml);
	free(want);
}

/* ---- a conference like the checklist's example -------------------------- */

#define CONF	"sip:conf-7f3a9c2e41b8@conf.example.net"
#define T0	1748872800	/* 2025-06-02T14:00:00Z */

static const struct cp_roster_uri conf_uris[] = {
	{ CONF, "SIP dial-in", "participation" },
};
static const struct cp_roster_uri service_uris[] = {
	{ CONF, NULL, "event" },
};
static const struct cp_roster_avail_media avail[] = {
	{ "a1", "main audio", "audio", CP_ROSTER_MEDIA_SENDRECV },
};
static const struct cp_roster_uri host_uris[] = {
	{ "sip:conference-factory@conf.example.net", NULL, "participation" },
};

static void
media(struct cp_roster *r, const char *u, const char *e, uint32_t ssrc,
      enum cp_roster_media_dir dir)
{
	struct cp_roster_media m = {
		.id = "1", .type = "audio", .label = "a1", .has_src_id = true,
		.src_id = ssrc, .dir = dir,
	};

	ck_assert_int_eq(cp_roster_media_set(r, u, e, &m), 0);
}

/* A user with one endpoint that dialed in at t and is connected. */
static void
join(struct cp_roster *r, const char *u, const char *name, const char *e,
     int64_t t, uint32_t ssrc)
{
	struct cp_roster_exec ji = { .when_s = t };

	ck_assert_int_eq(cp_roster_user_add(r, u, name), 0);
	ck_assert_int_eq(cp_roster_ep_add(r, u, e, NULL,
					  CP_ROSTER_EP_DIALING_IN), 0);
	ck_assert_int_eq(cp_roster_ep_set_status(r, u, e,
						 CP_ROSTER_EP_CONNECTED), 0);
	ck_assert_int_eq(cp_roster_ep_set_joining(r, u, e,
						  CP_ROSTER_JOIN_DIALED_IN,
						  &ji), 0);
	media(r, u, e, ssrc, CP_ROSTER_MEDIA_SENDRECV);
}

static struct cp_roster *
example_roster(void)
{
	static const char *const roles[] = { "creator", "participant" };
	struct cp_roster_desc d = {
		.display_text = "Release planning bridge",
		.subject = "Q3 release go/no-go",
		.conf_uris = conf_uris, .n_conf_uris = 1,
		.service_uris = service_uris, .n_service_uris = 1,
		.maximum_user_count = 50, .media = avail, .n_media = 1,
	};
	struct cp_roster_host h = {
		.display_text = "Example conferencing service",
		.web_page = "https://conf.example.net/",
		.uris = host_uris, .n_uris = 1,
	};
	struct cp_roster_exec ref = {
		.when_s = T0 + 100,
		.reason = "Reason: SIP;text=\"Conference invitation\"",
		.by = "sip:alice@example.com",
	};
	struct cp_roster_exec ji = { .when_s = T0 + 112,
				     .by = "sip:alice@example.com" };
	struct cp_roster *r;

	ck_assert_int_eq(cp_roster_create(&r, CONF, 0), 0);
	ck_assert_int_eq(cp_roster_set_desc(r, &d), 0);
	ck_assert_int_eq(cp_roster_set_host(r, &h), 0);
	join(r, "sip:alice@example.com", "Alice",
	     "sip:alice@198.51.100.10:5060", T0 + 3, 2882400001u);
	ck_assert_int_eq(cp_roster_user_set_roles(r, "sip:alice@example.com",
						  roles, 2), 0);
	ck_assert_int_eq(cp_roster_ep_set_call_info(
				 r, "sip:alice@example.com",
				 "sip:alice@198.51.100.10:5060",
				 "a84b4c76e66710@198.51.100.10", "1928301774",
				 "f0c8a2e1"), 0);
	ck_assert_int_eq(cp_roster_user_add(r, "sip:bob@example.org", "Bob"),
			 0);
	ck_assert_int_eq(cp_roster_ep_add(r, "sip:bob@example.org",
					  "sip:bob@203.0.113.20:5070", NULL,
					  CP_ROSTER_EP_PENDING), 0);
	ck_assert_int_eq(cp_roster_ep_set_referred(r, "sip:bob@example.org",
						   "sip:bob@203.0.113.20:5070",
						   &ref), 0);
	ck_assert_int_eq(cp_roster_ep_set_status(r, "sip:bob@example.org",
						 "sip:bob@203.0.113.20:5070",
						 CP_ROSTER_EP_CONNECTED), 0);
	ck_assert_int_eq(cp_roster_ep_set_joining(r, "sip:bob@example.org",
						  "sip:bob@203.0.113.20:5070",
						  CP_ROSTER_JOIN_DIALED_OUT,
						  &ji), 0);
	media(r, "sip:bob@example.org", "sip:bob@203.0.113.20:5070",
	      3735928559u, CP_ROSTER_MEDIA_SENDRECV);
	join(r, "sip:anonymous1@anonymous.invalid", "Anonymous 1",
	     "sip:anonymous1@anonymous.invalid", T0 + 130, 305419896);
	return r;
}

/* A subscriber that notifies at once (golden partials, one per change). */
static struct cp_cevt_sub *
sub_now(struct cp_roster *r, bool indent)
{
	struct cp_cevt_cfg cfg;
	struct cp_cevt_sub *s;

	cp_cevt_cfg_default(&cfg);
	cfg.interval_ms = 0;
	cfg.indent = indent;
	ck_assert_int_eq(cp_cevt_sub_create(&s, r, &cfg), 0);
	return s;
}

/* The next document for s at now, checked, compared with a golden file. */
static void
due_golden(struct cp_cevt_sub *s, uint64_t now, uint32_t version,
	   const char *name)
{
	struct cp_cevt_doc d;

	cp_cevt_sub_note_change(s, now);
	ck_assert_int_eq(cp_cevt_sub_due(s, now, &d), 1);
	ck_assert_uint_eq(d.version, version);
	ck_assert_int_eq(d.state, CP_CEVT_PARTIAL);
	golden(name, &d);
	check_and_free(&d);
}

START_TEST(test_cevt_golden_full_and_partials)
{
	struct cp_roster *r = example_roster();
	struct cp_cevt_sub *s = sub_now(r, true);
	struct cp_roster_exec di = {
		.when_s = T0 + 320, .reason = "Reason: SIP;text=\"BYE\"",
	};
	struct cp_cevt_doc d;

	ck_assert_uint_eq(cp_roster_user_count(r), 3);
	ck_assert_int_eq(cp_cevt_sub_full(s, 0, &d), 0);
	ck_assert_uint_eq(d.version, 1);
	ck_assert(d.needs_tcp);		/* 3 users are far over 1300 bytes */
	golden("full.xml", &d);
	check_and_free(&d);

	join(r, "sip:carol@example.net", "Carol", "sip:carol@192.0.2.7",
	     T0 + 310, 0x1234abcd);
	due_golden(s, 1000, 2, "join.xml");

	ck_assert_int_eq(cp_roster_ep_set_muted(r, "sip:bob@example.org",
						"sip:bob@203.0.113.20:5070",
						true), 0);
	ck_assert_int_eq(cp_roster_ep_status(r, "sip:bob@example.org",
					     "sip:bob@203.0.113.20:5070"),
			 CP_ROSTER_EP_MUTED_VIA_FOCUS);
	due_golden(s, 2000, 3, "mute.xml");

	ck_assert_int_eq(cp_roster_ep_set_held(r, "sip:alice@example.com",
					       "sip:alice@198.51.100.10:5060",
					       true), 0);
	media(r, "sip:alice@example.com", "sip:alice@198.51.100.10:5060",
	      2882400001u, CP_ROSTER_MEDIA_SENDONLY);
	due_golden(s, 3000, 4, "hold.xml");
	ck_assert_uint_eq(cp_roster_user_count(r), 4);	/* held still in */

	ck_assert_int_eq(cp_roster_ep_set_status(r, "sip:carol@example.net",
						 "sip:carol@192.0.2.7",
						 CP_ROSTER_EP_DISCONNECTED), 0);
	ck_assert_int_eq(cp_roster_ep_set_disconnection(
				 r, "sip:carol@example.net",
				 "sip:carol@192.0.2.7",
				 CP_ROSTER_DISC_DEPARTED, &di), 0);
	due_golden(s, 4000, 5, "leave.xml");
	ck_assert_uint_eq(cp_roster_user_count(r), 3);

	ck_assert_int_eq(cp_roster_user_remove(
				 r, "sip:anonymous1@anonymous.invalid"), 0);
	due_golden(s, 5000, 6, "remove.xml");

	ck_assert_int_eq(cp_roster_set_locked(r, true), 0);
	due_golden(s, 6000, 7, "lock.xml");

	ck_assert_int_eq(cp_cevt_sub_deleted(s, &d), 0);
	ck_assert_uint_eq(d.version, 8);
	ck_assert_int_eq(d.state, CP_CEVT_DELETED);
	golden("deleted.xml", &d);
	check_and_free(&d);
	cp_cevt_sub_destroy(s);
	cp_roster_destroy(r);
}
END_TEST

/* ---- escaping ----------------------------------------------------------- */

START_TEST(test_cevt_escapes_text_and_attributes)
{
	static const char nasty[] = "<b>\"Tom\" & 'Jerry'</b> \xc3\xa9\xe2\x82"
				    "\xac\xf0\x9f\x8e\xb5\r\n\tend";
	static const char bad_utf8[] = "a\xff" "b\xc0\xaf" "c\x01"
				       "d\xed\xa0\x80" "e";
	static const char bad_clean[] = "a\xef\xbf\xbd" "b\xef\xbf\xbd"
					"\xef\xbf\xbd" "c\xef\xbf\xbd"
					"d\xef\xbf\xbd\xef\xbf\xbd"
					"\xef\xbf\xbd" "e";
	const char *ent = "sip:o'brien&co@example.com;x=\"<>\"";
	const char *ep = "<ep \"1\" & 'é'>";
	struct cp_roster *r;
	struct cp_cevt_doc d;
	xmlNodePtr n;
	xmlDocPtr x;
	xmlChar *v;

	ck_assert_int_eq(cp_roster_create(&r, CONF, 0), 0);
	ck_assert_int_eq(cp_roster_user_add(r, ent, nasty), 0);
	ck_assert_int_eq(cp_roster_ep_add(r, ent, ep, bad_utf8,
					  CP_ROSTER_EP_CONNECTED), 0);
	ck_assert(cp_roster_has_user(r, ent));
	ck_assert_int_eq(cp_cevt_build_full(r, 1, NULL, &d), 0);
	x = check_doc(&d);
	n = first_el(xmlDocGetRootElement(x)->children);
	while (!is(n, "users"))
		n = next_el(n);
	n = first_el(n->children);		/* user */
	ck_assert(prop_is(n, "entity", ent));
	v = xmlNodeGetContent(first_el(n->children));
	/* \r survives as a character reference; the rest byte for byte */
	ck_assert_str_eq((char *)v, nasty);
	xmlFree(v);
	n = next_el(first_el(n->children));	/* endpoint */
	ck_assert(prop_is(n, "entity", ep));
	v = xmlNodeGetContent(first_el(n->children));
	ck_assert_str_eq((char *)v, bad_clean);
	xmlFree(v);
	xmlFreeDoc(x);
	cp_cevt_doc_free(&d);
	cp_roster_destroy(r);
}
END_TEST

/* The harness itself: the checklist's known-invalid documents fail. */
START_TEST(test_cevt_schema_rejects_known_bad_documents)
{
	static const char *const bad[] = {
		/* no namespace, as in the RFC 4579 examples */
		"<conference-info entity=\"sip:c@x\" version=\"1\"/>",
		"<conference-info xmlns=\"" CP_CEVT_NS "\" entity=\"sip:c@x\""
		" version=\"1\"><users><user entity=\"sip:a@x\"><endpoint"
		" entity=\"e\"><status>held</status></endpoint></user>"
		"</users></conference-info>",
		"<conference-info xmlns=\"" CP_CEVT_NS "\" version=\"1\"/>",
	};
	static const char good[] = "<conference-info xmlns=\"" CP_CEVT_NS
				   "\" entity=\"sip:c@x\" version=\"1\"/>";
	xmlDocPtr x;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		x = xmlReadMemory(bad[i], (int)strlen(bad[i]), "bad.xml", NULL,
				  XML_PARSE_NONET);
		ck_assert_ptr_nonnull(x);
		ck_assert_msg(schema_validate(x) != 0, "accepted: %s", bad[i]);
		xmlFreeDoc(x);
	}
	x = xmlReadMemory(good, (int)strlen(good), "good.xml", NULL,
			  XML_PARSE_NONET);
	ck_assert_int_eq(schema_validate(x), 0);
	xmlFreeDoc(x);
}
END_TEST

/* The next partial of s (interval 0), checked; caller frees. */
static void
next_partial(struct cp_cevt_sub *s, uint64_t now, struct cp_cevt_doc *d)
{
	cp_cevt_sub_note_change(s, now);
	ck_assert_int_eq(cp_cevt_sub_due(s, now, d), 1);
	ck_assert_int_eq(d->state, CP_CEVT_PARTIAL);
	xmlFreeDoc(check_doc(d));
}

START_TEST(test_cevt_removals_and_returns)
{
	struct cp_roster *r = example_roster();
	struct cp_cevt_sub *s = sub_now(r, false);
	const char *anon = "sip:anonymous1@anonymous.invalid";
	const char *alice = "sip:alice@example.com";
	const char *alice_ep = "sip:alice@198.51.100.10:5060";
	struct cp_cevt_doc d;

	ck_assert_int_eq(cp_cevt_sub_full(s, 0, &d), 0);
	cp_cevt_doc_free(&d);

	/* an endpoint goes: deleted inside a partial user */
	ck_assert_int_eq(cp_roster_ep_remove(r, "sip:bob@example.org",
					     "sip:bob@203.0.113.20:5070"), 0);
	next_partial(s, 1, &d);
	ck_assert_ptr_nonnull(strstr(d.xml,
		"<user entity=\"sip:bob@example.org\" state=\"partial\">"
		"<endpoint entity=\"sip:bob@203.0.113.20:5070\" "
		"state=\"deleted\"/></user>"));
	cp_cevt_doc_free(&d);

	/* a stream goes: its endpoint is resent whole, without it */
	ck_assert_int_eq(cp_roster_media_remove(r, alice, alice_ep, "1"), 0);
	next_partial(s, 2, &d);
	ck_assert_ptr_nonnull(strstr(d.xml, "<endpoint entity=\"sip:alice@"
					    "198.51.100.10:5060\" state=\""
					    "full\">"));
	ck_assert_ptr_null(strstr(d.xml, "<media"));
	ck_assert_ptr_nonnull(strstr(d.xml, "<call-info>"));
	cp_cevt_doc_free(&d);

	/* a field goes (display-text): the user is resent whole */
	ck_assert_int_eq(cp_roster_user_set_display(r, alice, NULL), 0);
	next_partial(s, 3, &d);
	ck_assert_ptr_nonnull(strstr(d.xml, "<user entity=\"sip:alice@"
					    "example.com\" state=\"full\">"));
	ck_assert_ptr_nonnull(strstr(d.xml, "<entry>creator</entry>"));
	cp_cevt_doc_free(&d);

	/* leaves and comes back within one window: once, whole */
	ck_assert_int_eq(cp_roster_user_remove(r, anon), 0);
	join(r, anon, "Anonymous 1", anon, T0 + 400, 99);
	next_partial(s, 4, &d);
	ck_assert_int_eq(test_count(d.xml, anon), 2);	/* user + endpoint */
	ck_assert_ptr_null(strstr(d.xml, "deleted"));
	ck_assert_ptr_nonnull(strstr(d.xml, "state=\"full\"><display-text>"
					    "Anonymous 1"));
	cp_cevt_doc_free(&d);

	/* and leaves for good */
	ck_assert_int_eq(cp_roster_user_remove(r, anon), 0);
	next_partial(s, 5, &d);
	ck_assert_ptr_nonnull(strstr(d.xml, "<user entity=\"sip:anonymous1@"
					    "anonymous.invalid\" state=\""
					    "deleted\"/>"));
	ck_assert_uint_eq(d.version, 6);
	cp_cevt_doc_free(&d);
	cp_cevt_sub_destroy(s);
	cp_roster_destroy(r);
}
END_TEST

/*
 * The document due for s at now: valid, of this state and version, holding
 * needle (if not NULL). Freed.
 */
static void
due_expect(struct cp_cevt_sub *s, uint64_t now, enum cp_cevt_state state,
	   uint32_t version, const char *needle)
{
	struct cp_cevt_doc d;

	ck_assert_int_eq(cp_cevt_sub_due(s, now, &d), 1);
	ck_assert_int_eq(d.state, state);
	ck_assert_uint_eq(d.version, version);
	if (needle != NULL)
		ck_assert_msg(strstr(d.xml, needle) != NULL, "no %s in:\n%s",
			      needle, d.xml);
	check_and_free(&d);
}

/* A bounded journal: past its horizon a partial is refused, full sent. */
START_TEST(test_cevt_journal_horizon_forces_full)
{
	struct cp_cevt_sub *s;
	struct cp_roster *r;
	struct cp_cevt_doc d;
	uint64_t seq;

	ck_assert_int_eq(cp_roster_create(&r, CONF, 1), 0);	/* 1 tomb */
	join(r, "sip:a@x", NULL, "a", T0, 1);
	join(r, "sip:b@x", NULL, "b", T0, 2);
	ck_assert_int_eq(cp_cevt_sub_create(&s, r, NULL), 0);
	ck_assert_int_eq(cp_cevt_sub_full(s, 0, &d), 0);
	cp_cevt_doc_free(&d);
	seq = cp_roster_seq(r);
	ck_assert(cp_roster_can_diff(r, seq));
	ck_assert_int_eq(cp_roster_user_remove(r, "sip:a@x"), 0);
	ck_assert(cp_roster_can_diff(r, seq));
	ck_assert_int_eq(cp_roster_user_remove(r, "sip:b@x"), 0);
	ck_assert(!cp_roster_can_diff(r, seq));		/* a's tomb dropped */
	ck_assert_int_eq(cp_cevt_build_partial(r, seq, 2, NULL, &d), -ESTALE);
	cp_cevt_sub_note_change(s, 1);
	due_expect(s, 5000, CP_CEVT_FULL, 2, "<users state=\"full\"/>");
	cp_cevt_sub_destroy(s);
	cp_roster_destroy(r);
}
END_TEST

/* ---- sizes -------------------------------------------------------------- */

START_TEST(test_cevt_size_limits)
{
	struct cp_roster *r = example_roster();
	struct cp_cevt_cfg cfg;
	struct cp_cevt_sub *s;
	struct cp_cevt_doc d;
	size_t full_len;

	cp_cevt_cfg_default(&cfg);
	ck_assert_int_eq(cp_cevt_build_full(r, 1, &cfg, &d), 0);
	full_len = d.len_bytes;
	ck_assert(d.needs_tcp);
	check_and_free(&d);

	cfg.udp_max_bytes = full_len;		/* exactly fits */
	ck_assert_int_eq(cp_cevt_build_full(r, 1, &cfg, &d), 0);
	ck_assert(!d.needs_tcp);
	check_and_free(&d);

	cfg.max_bytes = full_len - 1;		/* one byte too many */
	ck_assert_int_eq(cp_cevt_sub_create(&s, r, &cfg), 0);
	ck_assert_int_eq(cp_cevt_sub_full(s, 0, &d), -EMSGSIZE);
	ck_assert_uint_eq(cp_cevt_sub_version(s), 0);	/* not consumed */
	cp_cevt_sub_destroy(s);

	/* a small partial goes over UDP */
	cp_cevt_cfg_default(&cfg);
	ck_assert_int_eq(cp_cevt_sub_create(&s, r, &cfg), 0);
	ck_assert_int_eq(cp_cevt_sub_full(s, 0, &d), 0);
	cp_cevt_doc_free(&d);
	ck_assert_int_eq(cp_roster_set_locked(r, true), 0);
	cp_cevt_sub_note_change(s, 10);
	ck_assert_int_eq(cp_cevt_sub_due(s, 5000, &d), 1);
	ck_assert(!d.needs_tcp);
	ck_assert_uint_lt(d.len_bytes, 400);
	check_and_free(&d);
	cp_cevt_sub_destroy(s);
	cp_roster_destroy(r);
}
END_TEST

/* The benchmark's size: 1,000 users, full and one-change partial. */
START_TEST(test_cevt_thousand_users)
{
	struct cp_roster *r;
	struct cp_cevt_sub *s;
	struct cp_cevt_doc d;
	char u[64];

	ck_assert_int_eq(cp_roster_create(&r, CONF, 0), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(u, sizeof(u), "sip:user%d@example.com", i);
		join(r, u, "Participant", u, T0 + i, (uint32_t)i * 7919u);
	}
	ck_assert_uint_eq(cp_roster_user_count(r), 1000);
	s = sub_now(r, false);
	ck_assert_int_eq(cp_cevt_sub_full(s, 0, &d), 0);
	ck_assert(d.needs_tcp);
	ck_assert_ptr_nonnull(strstr(d.xml, "<user-count>1000</user-count>"));
	check_and_free(&d);
	ck_assert_int_eq(cp_roster_ep_set_muted(r, "sip:user500@example.com",
						"sip:user500@example.com",
						true), 0);
	cp_cevt_sub_note_change(s, 1);
	ck_assert_int_eq(cp_cevt_sub_due(s, 1, &d), 1);
	ck_assert(!d.needs_tcp);
	ck_assert_int_eq(test_count(d.xml, "<user "), 1);
	check_and_free(&d);
	cp_cevt_sub_destroy(s);
	cp_roster_destroy(r);
}
END_TEST

/* ---- rate control and versions ------------------------------------------ */

START_TEST(test_cevt_coalesces_burst_into_one_partial)
{
	struct cp_roster *r = example_roster();
	struct cp_cevt_sub *s;
	struct cp_cevt_doc d;
	char u[64];

	ck_assert_int_eq(cp_cevt_sub_create(&s, r, NULL), 0);
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), UINT64_MAX);
	cp_cevt_sub_note_change(s, 5);		/* before SUBSCRIBE: ignored */
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), UINT64_MAX);
	ck_assert_int_eq(cp_cevt_sub_full(s, 1000, &d), 0);
	check_and_free(&d);
	/* 20 joins in the 5 s after the full document */
	for (int i = 0; i < 20; i++) {
		snprintf(u, sizeof(u), "sip:u%d@example.com", i);
		join(r, u, NULL, u, T0 + i, (uint32_t)i + 1);
		cp_cevt_sub_note_change(s, 1100 + 100 * (uint64_t)i);
		ck_assert_int_eq(cp_cevt_sub_due(s, 1100 + 100 * (uint64_t)i,
						 &d), 0);
	}
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), 6000);
	ck_assert_int_eq(cp_cevt_sub_due(s, 5999, &d), 0);
	ck_assert_int_eq(cp_cevt_sub_due(s, 6000, &d), 1);
	ck_assert_uint_eq(d.version, 2);
	ck_assert_int_eq(d.state, CP_CEVT_PARTIAL);
	for (int i = 0; i < 20; i++) {	/* all 20 in the one document */
		snprintf(u, sizeof(u), "entity=\"sip:u%d@example.com\"", i);
		ck_assert_ptr_nonnull(strstr(d.xml, u));
	}
	ck_assert_ptr_nonnull(strstr(d.xml, "<user-count>23</user-count>"));
	check_and_free(&d);
	ck_assert_int_eq(cp_cevt_sub_due(s, 6001, &d), 0);
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), UINT64_MAX);

	/* quiet for long: a change waits only hold_ms (0 here) */
	ck_assert_int_eq(cp_roster_set_locked(r, true), 0);
	cp_cevt_sub_note_change(s, 60000);
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), 60000);
	due_expect(s, 60000, CP_CEVT_PARTIAL, 3, "<locked>true</locked>");
	/* a change nobody noted is picked up by due(), interval kept */
	ck_assert_int_eq(cp_roster_set_locked(r, false), 0);
	ck_assert_int_eq(cp_cevt_sub_due(s, 61000, &d), 0);
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), 65000);
	due_expect(s, 65000, CP_CEVT_PARTIAL, 4, "<locked>false</locked>");
	cp_cevt_sub_destroy(s);
	cp_roster_destroy(r);
}
END_TEST

/*
 * F-81: a view without the dialog identifiers. The same roster, full and
 * partial, has no <call-info> (and no Call-ID) in that view, and is still
 * valid; a cache filled for one view serves none of the other.
 */
START_TEST(test_cevt_view_hides_call_info)
{
	struct cp_roster *r = example_roster();
	struct cp_cevt_cfg hide;
	struct cp_cevt_sub *s[2];
	struct cp_cevt_cache cache = { 0 };
	struct cp_cevt_doc d[2];

	cp_cevt_cfg_default(&hide);
	hide.hide_call_info = true;
	ck_assert_int_eq(cp_cevt_build_full(r, 1, NULL, &d[0]), 0);
	ck_assert_int_eq(cp_cevt_build_full(r, 1, &hide, &d[1]), 0);
	ck_assert_ptr_nonnull(strstr(d[0].xml, "<call-info>"));
	ck_assert_ptr_null(strstr(d[1].xml, "<call-info>"));
	ck_assert_ptr_null(strstr(d[1].xml, "a84b4c76e66710"));
	ck_assert_ptr_nonnull(strstr(d[1].xml, "<endpoint entity=\"sip:alice@"
					       "198.51.100.10:5060\""));
	check_and_free(&d[0]);
	check_and_free(&d[1]);

	/* a new dialog: the full view's partial, cached, is not the other's */
	ck_assert_int_eq(cp_cevt_sub_create(&s[0], r, NULL), 0);
	ck_assert_int_eq(cp_cevt_sub_create(&s[1], r, &hide), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(cp_cevt_sub_full(s[i], 1000, &d[i]), 0);
		check_and_free(&d[i]);
	}
	join(r, "sip:c@example.com", NULL, "sip:c@example.com", T0, 7);
	ck_assert_int_eq(cp_roster_ep_set_call_info(r, "sip:c@example.com",
						    "sip:c@example.com",
						    "c-call@example.com", "ft",
						    "tt"), 0);
	for (int i = 0; i < 2; i++) {
		cp_cevt_sub_note_change(s[i], 7000);
		ck_assert_int_eq(cp_cevt_sub_due_cached(s[i], 20000, &cache,
							&d[i]), 1);
	}
	ck_assert_ptr_nonnull(strstr(d[0].xml, "c-call@example.com"));
	ck_assert_ptr_null(strstr(d[1].xml, "<call-info>"));
	ck_assert_ptr_nonnull(strstr(d[1].xml, "sip:c@example.com"));
	for (int i = 0; i < 2; i++) {
		check_and_free(&d[i]);
		cp_cevt_sub_destroy(s[i]);
	}
	cp_cevt_cache_clear(&cache);
	cp_roster_destroy(r);
}
END_TEST

/* Subscribers due together share one build: each copy equals what it
 * would have been built alone, but for its own version; a subscriber at
 * another starting point gets its own document. */
START_TEST(test_cevt_cache_shares_one_partial)
{
	struct cp_roster *r = example_roster();
	struct cp_cevt_sub *s[3];
	struct cp_cevt_cache cache = { 0 };
	struct cp_cevt_doc d[3], alone;
	uint64_t seq0;
	char u[64], *v;

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(cp_cevt_sub_create(&s[i], r, NULL), 0);
		ck_assert_int_eq(cp_cevt_sub_full(s[i], 1000, &d[i]), 0);
		check_and_free(&d[i]);
	}
	/* s[2] is a version ahead, s[1] has seen the first join already */
	ck_assert_int_eq(cp_cevt_sub_full(s[2], 1000, &d[2]), 0);
	check_and_free(&d[2]);
	seq0 = cp_roster_seq(r);
	join(r, "sip:a@example.com", NULL, "sip:a@example.com", T0, 1);
	cp_cevt_sub_note_change(s[1], 1100);
	ck_assert_int_eq(cp_cevt_sub_due(s[1], 6000, &d[1]), 1);
	check_and_free(&d[1]);
	for (int i = 0; i < 5; i++) {
		snprintf(u, sizeof(u), "sip:b%d@example.com", i);
		join(r, u, NULL, u, T0 + i, (uint32_t)i + 2);
	}
	for (int i = 0; i < 3; i++)
		cp_cevt_sub_note_change(s[i], 7000);
	/* what s[0] would get alone, from the same starting point */
	ck_assert_int_eq(cp_cevt_build_partial(r, seq0, 2, NULL, &alone), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(cp_cevt_sub_due_cached(s[i], 20000, &cache,
							&d[i]), 1);
	ck_assert_uint_eq(d[0].version, 2);
	ck_assert_uint_eq(d[2].version, 3);
	ck_assert_str_eq(d[0].xml, alone.xml);
	ck_assert_ptr_nonnull(strstr(d[2].xml, " version=\"3\""));
	ck_assert_uint_eq(d[2].len_bytes, strlen(d[2].xml));
	/* same changes as s[0]: the same document but its version */
	ck_assert_uint_eq(d[2].len_bytes, d[0].len_bytes);
	v = strstr(d[2].xml, " version=\"3\"");
	v[10] = '2';
	ck_assert_str_eq(d[2].xml, d[0].xml);
	v[10] = '3';
	/* s[1] started later: no sip:a in its partial */
	ck_assert_ptr_null(strstr(d[1].xml, "sip:a@example.com"));
	ck_assert_ptr_nonnull(strstr(d[0].xml, "sip:a@example.com"));
	for (int i = 0; i < 3; i++) {
		check_and_free(&d[i]);
		cp_cevt_sub_destroy(s[i]);
	}
	cp_cevt_doc_free(&alone);
	cp_cevt_cache_clear(&cache);
	cp_roster_destroy(r);
}
END_TEST

START_TEST(test_cevt_hold_ms_gathers_and_refresh_is_immediate)
{
	struct cp_roster *r = example_roster();
	struct cp_cevt_cfg cfg;
	struct cp_cevt_sub *s;
	struct cp_cevt_doc d;

	cp_cevt_cfg_default(&cfg);
	cfg.hold_ms = 300;
	ck_assert_int_eq(cp_cevt_sub_create(&s, r, &cfg), 0);
	ck_assert_int_eq(cp_cevt_sub_full(s, 0, &d), 0);
	cp_cevt_doc_free(&d);
	ck_assert_int_eq(cp_roster_set_locked(r, true), 0);
	cp_cevt_sub_note_change(s, 10000);
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), 10300);
	ck_assert_int_eq(cp_roster_set_active(r, false), 0);
	cp_cevt_sub_note_change(s, 10200);	/* same window */
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), 10300);
	ck_assert_int_eq(cp_cevt_sub_due(s, 10299, &d), 0);
	/* a refresh before it is due: full at once, covers the change */
	ck_assert_int_eq(cp_cevt_sub_full(s, 10250, &d), 0);
	ck_assert_uint_eq(d.version, 2);
	ck_assert_ptr_nonnull(strstr(d.xml, "<locked>true</locked>"));
	ck_assert_ptr_nonnull(strstr(d.xml, "<active>false</active>"));
	check_and_free(&d);
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), UINT64_MAX);
	ck_assert_int_eq(cp_cevt_sub_due(s, 20000, &d), 0);
	/* next change: interval counted from the refresh */
	ck_assert_int_eq(cp_roster_set_locked(r, false), 0);
	cp_cevt_sub_note_change(s, 11000);
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), 15250);
	due_expect(s, 15250, CP_CEVT_PARTIAL, 3, "<locked>false</locked>");
	ck_assert_int_eq(cp_cevt_sub_deleted(s, &d), 0);
	ck_assert_uint_eq(d.version, 4);
	check_and_free(&d);
	cp_cevt_sub_destroy(s);
	cp_roster_destroy(r);
}
END_TEST

START_TEST(test_cevt_change_that_cancels_out_sends_nothing)
{
	struct cp_roster *r = example_roster();
	struct cp_cevt_sub *s = sub_now(r, false);
	struct cp_cevt_doc d;

	ck_assert_int_eq(cp_cevt_sub_full(s, 0, &d), 0);
	cp_cevt_doc_free(&d);
	/* a user comes and goes before the subscriber hears of it */
	ck_assert_int_eq(cp_roster_user_add(r, "sip:x@example.com", "X"), 0);
	ck_assert_int_eq(cp_roster_ep_add(r, "sip:x@example.com", "x", NULL,
					  CP_ROSTER_EP_DIALING_IN), 0);
	ck_assert_int_eq(cp_roster_user_remove(r, "sip:x@example.com"), 0);
	cp_cevt_sub_note_change(s, 10);
	ck_assert_int_eq(cp_cevt_sub_due(s, 10, &d), 0);
	ck_assert_uint_eq(cp_cevt_sub_next_ms(s), UINT64_MAX);
	ck_assert_uint_eq(cp_cevt_sub_version(s), 1);
	/* setters that change nothing record nothing */
	uint64_t seq = cp_roster_seq(r);
	ck_assert_int_eq(cp_roster_set_locked(r, false), 0);
	ck_assert_int_eq(cp_roster_user_set_display(r, "sip:bob@example.org",
						    "Bob"), 0);
	media(r, "sip:bob@example.org", "sip:bob@203.0.113.20:5070",
	      3735928559u, CP_ROSTER_MEDIA_SENDRECV);
	ck_assert_uint_eq(cp_roster_seq(r), seq);
	ck_assert_int_eq(cp_cevt_build_partial(r, seq, 2, NULL, &d), -ENODATA);
	cp_cevt_sub_destroy(s);
	cp_roster_destroy(r);
}
END_TEST

/* ---- roster API --------------------------------------------------------- */

START_TEST(test_cevt_roster_rejects_bad_arguments)
{
	struct cp_roster *r;
	struct cp_roster_media m = { .id = "1", .dir = CP_ROSTER_MEDIA_N_DIR };
	const char *u = "sip:a@example.com";

	ck_assert_int_eq(cp_roster_create(&r, "", 0), -EINVAL);
	ck_assert_int_eq(cp_roster_create(&r, CONF, 0), 0);
	ck_assert_int_eq(cp_roster_user_add(r, u, NULL), 0);
	ck_assert_int_eq(cp_roster_user_add(r, u, "again"), -EEXIST);
	ck_assert_int_eq(cp_roster_user_add(r, NULL, NULL), -EINVAL);
	ck_assert_int_eq(cp_roster_user_remove(r, "sip:nobody@x"), -ENOENT);
	ck_assert_int_eq(cp_roster_ep_add(r, u, "e", NULL,
					  CP_ROSTER_EP_ON_HOLD), -EINVAL);
	ck_assert_int_eq(cp_roster_ep_add(r, u, "e", NULL,
					  CP_ROSTER_EP_N_STATUS), -EINVAL);
	ck_assert_int_eq(cp_roster_ep_add(r, "sip:nobody@x", "e", NULL,
					  CP_ROSTER_EP_PENDING), -ENOENT);
	ck_assert_int_eq(cp_roster_ep_add(r, u, "e", NULL,
					  CP_ROSTER_EP_PENDING), 0);
	ck_assert_int_eq(cp_roster_ep_add(r, u, "e", NULL,
					  CP_ROSTER_EP_PENDING), -EEXIST);
	ck_assert_int_eq(cp_roster_ep_set_status(r, u, "e",
						 CP_ROSTER_EP_MUTED_VIA_FOCUS),
			 -EINVAL);
	ck_assert_int_eq(cp_roster_ep_set_status(r, u, "nope",
						 CP_ROSTER_EP_CONNECTED),
			 -ENOENT);
	ck_assert_int_eq(cp_roster_ep_set_joining(r, u, "e",
						  CP_ROSTER_JOIN_N, NULL),
			 -EINVAL);
	ck_assert_int_eq(cp_roster_ep_set_disconnection(r, u, "e",
							(enum cp_roster_disconnection)-1,
							NULL),
			 -EINVAL);
	ck_assert_int_eq(cp_roster_ep_set_call_info(r, u, "e", "c", NULL,
						    "t"), -EINVAL);
	ck_assert_int_eq(cp_roster_media_set(r, u, "e", &m), -EINVAL);
	ck_assert_int_eq(cp_roster_media_remove(r, u, "e", "1"), -ENOENT);
	ck_assert_ptr_null(cp_roster_ep_status_name(CP_ROSTER_EP_N_STATUS));
	ck_assert_str_eq(cp_roster_ep_status_name(CP_ROSTER_EP_ON_HOLD),
			 "on-hold");
	ck_assert_int_eq(cp_roster_ep_status(r, u, "nope"),
			 CP_ROSTER_EP_N_STATUS);
	cp_roster_destroy(r);
	cp_roster_destroy(NULL);
	cp_cevt_sub_destroy(NULL);
	cp_cevt_doc_free(NULL);
}
END_TEST

START_TEST(test_cevt_user_count_follows_endpoints)
{
	struct cp_roster *r;
	const char *u = "sip:a@example.com";

	ck_assert_int_eq(cp_roster_create(&r, CONF, 0), 0);
	ck_assert_int_eq(cp_roster_user_add(r, u, NULL), 0);
	ck_assert_uint_eq(cp_roster_user_count(r), 0);
	ck_assert_int_eq(cp_roster_ep_add(r, u, "e1", NULL,
					  CP_ROSTER_EP_ALERTING), 0);
	ck_assert_uint_eq(cp_roster_user_count(r), 0);
	ck_assert_int_eq(cp_roster_ep_set_status(r, u, "e1",
						 CP_ROSTER_EP_CONNECTED), 0);
	ck_assert_uint_eq(cp_roster_user_count(r), 1);
	ck_assert_int_eq(cp_roster_ep_add(r, u, "e2", NULL,
					  CP_ROSTER_EP_CONNECTED), 0);
	ck_assert_uint_eq(cp_roster_user_count(r), 1);	/* users, not eps */
	ck_assert_int_eq(cp_roster_ep_set_held(r, u, "e1", true), 0);
	ck_assert_int_eq(cp_roster_ep_set_muted(r, u, "e2", true), 0);
	ck_assert_uint_eq(cp_roster_user_count(r), 1);
	ck_assert_int_eq(cp_roster_ep_remove(r, u, "e1"), 0);
	ck_assert_uint_eq(cp_roster_user_count(r), 1);
	ck_assert_int_eq(cp_roster_ep_set_status(r, u, "e2",
						 CP_ROSTER_EP_DISCONNECTING),
			 0);
	ck_assert_uint_eq(cp_roster_user_count(r), 0);
	ck_assert_int_eq(cp_roster_ep_set_status(r, u, "e2",
						 CP_ROSTER_EP_CONNECTED), 0);
	ck_assert_uint_eq(cp_roster_user_count(r), 1);
	ck_assert_int_eq(cp_roster_user_remove(r, u), 0);
	ck_assert_uint_eq(cp_roster_user_count(r), 0);
	ck_assert_uint_eq(cp_roster_n_users(r), 0);
	cp_roster_destroy(r);
}
END_TEST

/* ---- the reconstruction checker ----------------------------------------- */

/* Schema order of every element name the roster writes (siblings only). */
static int
rank(const xmlChar *name)
{
	static const char *const order[] = {
		"display-text", "conference-description", "host-info",
		"conference-state", "users", "associated-aors", "roles",
		"languages", "cascaded-focus", "referred", "type", "label",
		"src-id", "status", "joining-method", "joining-info",
		"disconnection-method", "disconnection-info", "endpoint",
		"user", "media", "call-info",
	};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (xmlStrcmp(name, BAD_CAST order[i]) == 0)
			return (int)i;
	ck_abort_msg("no rank for <%s>", name);
	return -1;
}

/* Insert a copy of src under parent, after the last sibling of rank <=. */
static void
insert_copy(xmlNodePtr parent, xmlNodePtr src)
{
	xmlNodePtr copy = xmlDocCopyNode(src, parent->doc, 1);
	xmlNodePtr after = NULL;
	int rk = rank(src->name);

	ck_assert_ptr_nonnull(copy);
	for (xmlNodePtr c = first_el(parent->children); c != NULL;
	     c = next_el(c))
		if (rank(c->name) <= rk)
			after = c;
	if (after == NULL && parent->children != NULL)
		xmlAddPrevSibling(parent->children, copy);
	else if (after == NULL)
		xmlAddChild(parent, copy);
	else
		xmlAddNextSibling(after, copy);
}

static void
replace_copy(xmlNodePtr local, xmlNodePtr src)
{
	xmlNodePtr copy = xmlDocCopyNode(src, local->doc, 1);

	ck_assert_ptr_nonnull(copy);
	xmlReplaceNode(local, copy);
	xmlFreeNode(local);
}

/* The local child of parent that matches remote child rc (name and key). */
static xmlNodePtr
find_match(xmlNodePtr parent, xmlNodePtr rc)
{
	const char *k = key_attr(rc);
	xmlChar *kv = k != NULL ? xmlGetProp(rc, BAD_CAST k) : NULL;
	xmlNodePtr found = NULL;

	for (xmlNodePtr c = first_el(parent->children); c != NULL && !found;
	     c = next_el(c))
		if (xmlStrcmp(c->name, rc->name) == 0 &&
		    (k == NULL || prop_is(c, k, (char *)kv)))
			found = c;
	xmlFree(kv);
	return found;
}

/* RFC 4575 §4.6: merge the children of a partial remote element. */
static void
merge(xmlNodePtr local, xmlNodePtr remote)
{
	for (xmlNodePtr rc = first_el(remote->children); rc != NULL;
	     rc = next_el(rc)) {
		xmlNodePtr lc = find_match(local, rc);

		if (has_state(rc) && prop_is(rc, "state", "deleted")) {
			ck_assert_msg(lc != NULL, "delete of unknown <%s>",
				      rc->name);
			xmlUnlinkNode(lc);
			xmlFreeNode(lc);
		} else if (has_state(rc) && prop_is(rc, "state", "partial")) {
			ck_assert_msg(lc != NULL, "partial for unknown <%s>",
				      rc->name);
			merge(lc, rc);
		} else if (is(rc, "media") && lc != NULL) {
			merge(lc, rc);	/* sub-elements replaced one by one */
		} else if (lc != NULL) {
			replace_copy(lc, rc);	/* full or atomic */
		} else {
			insert_copy(local, rc);
		}
	}
}

static int
n_children(xmlNodePtr n)
{
	int k = 0;

	for (xmlNodePtr c = first_el(n->children); c != NULL; c = next_el(c))
		k++;
	return k;
}

/* The next unkeyed element from c on (c included). */
static xmlNodePtr
unkeyed(xmlNodePtr c)
{
	while (c != NULL && key_attr(c) != NULL)
		c = next_el(c);
	return c;
}

/*
 * Structural equality: attributes as sets, namespaces by URI, unkeyed
 * children in order, keyed ones (users, endpoints, media) matched by key:
 * RFC 4575 gives their order no meaning, and a user who left and came
 * back is last in the focus's list but in place in a subscriber's copy.
 */
static void
same_tree(xmlNodePtr a, xmlNodePtr b, const char *path)
{
	char sub[1024];
	xmlNodePtr ca, cb;
	int na = 0, nb = 0;

	ck_assert_msg(xmlStrcmp(a->name, b->name) == 0, "%s: <%s> vs <%s>",
		      path, a->name, b->name);
	ck_assert_msg(a->ns != NULL && b->ns != NULL &&
			      xmlStrcmp(a->ns->href, b->ns->href) == 0,
		      "%s: namespace", path);
	for (xmlAttrPtr p = a->properties; p != NULL; p = p->next, na++) {
		xmlChar *va = xmlGetProp(a, p->name);

		if (xmlStrcmp(p->name, BAD_CAST "version") != 0)
			ck_assert_msg(prop_is(b, (const char *)p->name,
					      (const char *)va),
				      "%s: @%s=%s differs", path, p->name, va);
		xmlFree(va);
	}
	for (xmlAttrPtr p = b->properties; p != NULL; p = p->next)
		nb++;
	ck_assert_msg(na == nb, "%s: attribute count %d vs %d", path, na, nb);
	ck_assert_msg(n_children(a) == n_children(b),
		      "%s: %d children vs %d", path, n_children(a),
		      n_children(b));
	if (first_el(a->children) == NULL) {
		xmlChar *ta = xmlNodeGetContent(a), *tb = xmlNodeGetContent(b);

		ck_assert_msg(xmlStrcmp(ta, tb) == 0, "%s: '%s' vs '%s'",
			      path, ta, tb);
		xmlFree(ta);
		xmlFree(tb);
		return;
	}
	for (ca = first_el(a->children); ca != NULL; ca = next_el(ca)) {
		if (key_attr(ca) == NULL)
			continue;
		cb = find_match(b, ca);
		ck_assert_msg(cb != NULL, "%s: <%s> missing", path, ca->name);
		snprintf(sub, sizeof(sub), "%s/%s[%s]", path, ca->name,
			 key_attr(ca));
		same_tree(ca, cb, sub);
	}
	ca = unkeyed(first_el(a->children));
	cb = unkeyed(first_el(b->children));
	for (int i = 0; ca != NULL || cb != NULL; i++) {
		ck_assert_msg(ca != NULL && cb != NULL,
			      "%s: child %d: %s vs %s", path, i,
			      ca ? (char *)ca->name : "(none)",
			      cb ? (char *)cb->name : "(none)");
		snprintf(sub, sizeof(sub), "%s/%s[%d]", path, ca->name, i);
		same_tree(ca, cb, sub);
		ca = unkeyed(next_el(ca));
		cb = unkeyed(next_el(cb));
	}
}

/* What a subscriber knows: its copy of the full state and the version. */
struct replica {
	struct cp_cevt_sub *sub;
	xmlDocPtr doc;
	uint32_t version;
	unsigned int n_full, n_partial;
};

/* Apply a document to the replica; it must then equal the roster. */
static void
replica_apply(struct replica *p, const struct cp_roster *r,
	      struct cp_cevt_doc *d)
{
	xmlDocPtr x = check_doc(d);
	struct cp_cevt_doc fresh;
	xmlDocPtr fx;

	ck_assert_uint_eq(d->version, p->version + 1);	/* exactly one */
	p->version = d->version;
	if (d->state == CP_CEVT_FULL) {
		xmlFreeDoc(p->doc);
		p->doc = x;
		p->n_full++;
	} else {
		ck_assert_ptr_nonnull(p->doc);
		merge(xmlDocGetRootElement(p->doc), xmlDocGetRootElement(x));
		xmlFreeDoc(x);
		p->n_partial++;
	}
	ck_assert_int_eq(cp_cevt_build_full(r, d->version, NULL, &fresh), 0);
	fx = check_doc(&fresh);
	same_tree(xmlDocGetRootElement(p->doc), xmlDocGetRootElement(fx),
		  "/conference-info");
	xmlFreeDoc(fx);
	cp_cevt_doc_free(&fresh);
	cp_cevt_doc_free(d);
}

static uint64_t rng;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

#define N_POOL	10

static const char *const names[] = {
	"Ann", "B<&>b", "Ch\xc3\xa9rie", "\"D\"", "Ed 'the' Head",
	"Fran\xc3\xa7ois", "\xe6\x9d\x8e\xe5\x9b\x9b", "H&amp;", "Ivy\xff",
	NULL,
};

/* One random roster change, as a focus might make it. */
static void
random_step(struct cp_roster *r)
{
	char u[48], e[48], e2[48];
	int k = (int)rnd(N_POOL);
	struct cp_roster_exec x = { .when_s = T0 + rnd(100000),
				    .reason = rnd(2) ? "Reason: SIP;cause=200"
						     : NULL,
				    .by = rnd(2) ? "sip:mod@example.com"
						 : NULL };
	static const char *const roles[] = { "participant", "moderator" };
	struct cp_roster_desc d = {
		.subject = names[rnd(N_POOL)], .conf_uris = conf_uris,
		.n_conf_uris = 1, .service_uris = service_uris,
		.n_service_uris = 1, .media = avail, .n_media = 1,
	};

	snprintf(u, sizeof(u), "sip:user%d@example.com", k);
	snprintf(e, sizeof(e), "sip:user%d@10.0.0.%d:5060", k, k);
	snprintf(e2, sizeof(e2), "sip:user%d@10.0.1.%d:5062", k, k);
	if (!cp_roster_has_user(r, u)) {
		if (rnd(4) == 0)
			return;
		join(r, u, names[rnd(N_POOL)], e, T0 + rnd(1000),
		     rnd(UINT32_MAX));
		return;
	}
	switch (rnd(16)) {
	case 0:
		(void)cp_roster_user_remove(r, u);
		break;
	case 1:
		(void)cp_roster_ep_set_status(r, u, e,
					      CP_ROSTER_EP_DISCONNECTED);
		(void)cp_roster_ep_set_disconnection(r, u, e,
						     1 + rnd(4), &x);
		break;
	case 2:
		(void)cp_roster_ep_set_muted(r, u, e, rnd(2));
		break;
	case 3:
		(void)cp_roster_ep_set_held(r, u, e, rnd(2));
		if (cp_roster_ep_status(r, u, e) == CP_ROSTER_EP_ON_HOLD)
			media(r, u, e, 77, CP_ROSTER_MEDIA_SENDONLY);
		break;
	case 4:
		(void)cp_roster_set_locked(r, rnd(2));
		break;
	case 5:
		(void)cp_roster_set_active(r, rnd(2));
		break;
	case 6:
		(void)cp_roster_user_set_display(r, u, names[rnd(N_POOL)]);
		break;
	case 7:
		(void)cp_roster_user_set_roles(r, u, roles, rnd(3));
		break;
	case 8:
		(void)cp_roster_ep_add(r, u, e2, names[rnd(N_POOL)],
				       1 + rnd(6));
		break;
	case 9:
		(void)cp_roster_ep_remove(r, u, rnd(2) ? e : e2);
		break;
	case 10:
		(void)cp_roster_ep_set_status(r, u, rnd(2) ? e : e2,
					      rnd(CP_ROSTER_EP_ON_HOLD));
		(void)cp_roster_ep_set_joining(r, u, rnd(2) ? e : e2,
					       rnd(CP_ROSTER_JOIN_N),
					       rnd(2) ? &x : NULL);
		break;
	case 11:
		(void)cp_roster_ep_set_referred(r, u, e, rnd(2) ? &x : NULL);
		(void)cp_roster_ep_set_call_info(r, u, e2,
						 rnd(2) ? "cid@h" : NULL,
						 rnd(2) ? "ft" : NULL,
						 rnd(2) ? "tt" : NULL);
		break;
	case 12: {
		struct cp_roster_media m = {
			.id = rnd(2) ? "1" : "2", .type = "audio",
			.label = rnd(2) ? "a1" : NULL,
			.has_src_id = rnd(2), .src_id = rnd(UINT32_MAX),
			.dir = rnd(CP_ROSTER_MEDIA_N_DIR),
			.display_text = names[rnd(N_POOL)],
		};

		(void)cp_roster_media_set(r, u, rnd(2) ? e : e2, &m);
		break;
	}
	case 13:
		(void)cp_roster_media_remove(r, u, rnd(2) ? e : e2,
					     rnd(2) ? "1" : "2");
		break;
	case 14:
		(void)cp_roster_set_desc(r, &d);
		break;
	default:
		(void)cp_roster_ep_set_status(r, u, e, CP_ROSTER_EP_CONNECTED);
		(void)cp_roster_ep_set_disconnection(r, u, e,
						     CP_ROSTER_DISC_NONE,
						     NULL);
		break;
	}
}

#define N_REPLICAS	4

static void
reconstruct(uint64_t seed, size_t max_tombs, int n_steps)
{
	struct replica p[N_REPLICAS] = { 0 };
	struct cp_cevt_cfg cfg;
	struct cp_roster *r;
	struct cp_cevt_doc d;
	unsigned int n_docs = 0, n_asked_full = 0, n_full = 0;
	uint64_t now = 0;

	rng = seed;
	ck_assert_int_eq(cp_roster_create(&r, CONF, max_tombs), 0);
	for (int i = 0; i < N_REPLICAS; i++) {
		cp_cevt_cfg_default(&cfg);
		cfg.interval_ms = (uint32_t)i * 2500;	/* 0, 2.5, 5, 7.5 s */
		cfg.hold_ms = (uint32_t)i * 100;
		cfg.indent = i == 1;
		ck_assert_int_eq(cp_cevt_sub_create(&p[i].sub, r, &cfg), 0);
	}
	for (int step = 0; step < n_steps; step++) {
		random_step(r);
		now += rnd(1500);
		for (int i = 0; i < N_REPLICAS; i++) {
			int rc;

			/* late subscribers and the odd refresh */
			if ((p[i].doc == NULL && step >= 50 * i) ||
			    rnd(500) == 0) {
				ck_assert_int_eq(cp_cevt_sub_full(p[i].sub,
								  now, &d),
						 0);
				replica_apply(&p[i], r, &d);
				n_docs++;
				n_asked_full++;
				continue;
			}
			cp_cevt_sub_note_change(p[i].sub, now);
			rc = cp_cevt_sub_due(p[i].sub, now, &d);
			ck_assert_int_ge(rc, 0);
			if (rc == 1) {
				replica_apply(&p[i], r, &d);
				n_docs++;
			}
		}
	}
	for (int i = 0; i < N_REPLICAS; i++) {
		ck_assert_uint_gt(p[i].n_partial, 10);
		n_full += p[i].n_full;
		xmlFreeDoc(p[i].doc);
		cp_cevt_sub_destroy(p[i].sub);
	}
	ck_assert_uint_gt(n_docs, (unsigned int)n_steps / 4);
	/* few tombstones: some partials had to become full documents */
	if (max_tombs != 0)
		ck_assert_uint_gt(n_full, n_asked_full);
	else
		ck_assert_uint_eq(n_full, n_asked_full);
	cp_roster_destroy(r);
}

static const struct {
	uint64_t seed;
	size_t max_tombs;
} runs[] = {
	{ 0x9e3779b97f4a7c15ull, 0 },
	{ 0x1234567887654321ull, 0 },
	{ 0xdeadbeefcafef00dull, 2 },	/* tombstones dropped: full fallback */
	{ 0x0123456789abcdefull, 3 },
};

START_TEST(test_cevt_reconstruction_matches_full_state)
{
	reconstruct(runs[_i].seed, runs[_i].max_tombs, 3000);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("cevt");
	TCase *tc;

	tc = tcase_create("documents");
	tcase_add_unchecked_fixture(tc, schema_load, schema_free);
	tcase_add_test(tc, test_cevt_golden_full_and_partials);
	tcase_add_test(tc, test_cevt_escapes_text_and_attributes);
	tcase_add_test(tc, test_cevt_schema_rejects_known_bad_documents);
	tcase_add_test(tc, test_cevt_removals_and_returns);
	tcase_add_test(tc, test_cevt_journal_horizon_forces_full);
	tcase_add_test(tc, test_cevt_size_limits);
	tcase_add_test(tc, test_cevt_thousand_users);
	suite_add_tcase(s, tc);

	tc = tcase_create("rate");
	tcase_add_unchecked_fixture(tc, schema_load, schema_free);
	tcase_add_test(tc, test_cevt_coalesces_burst_into_one_partial);
	tcase_add_test(tc, test_cevt_cache_shares_one_partial);
	tcase_add_test(tc, test_cevt_view_hides_call_info);
	tcase_add_test(tc, test_cevt_hold_ms_gathers_and_refresh_is_immediate);
	tcase_add_test(tc, test_cevt_change_that_cancels_out_sends_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("roster");
	tcase_add_test(tc, test_cevt_roster_rejects_bad_arguments);
	tcase_add_test(tc, test_cevt_user_count_follows_endpoints);
	suite_add_tcase(s, tc);

	tc = tcase_create("reconstruction");
	tcase_add_unchecked_fixture(tc, schema_load, schema_free);
	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, test_cevt_reconstruction_matches_full_state,
			    0, (int)(sizeof(runs) / sizeof(runs[0])));
	suite_add_tcase(s, tc);
	return s;
}
