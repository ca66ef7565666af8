/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cevt.c: conference-info documents written with libxml2's xmlTextWriter
 * (which escapes every text and attribute; the roster already holds only
 * valid UTF-8 made of XML characters), and the per-subscription version
 * and rate control (see cevt.h). Control plane, main thread, cold path.
 */
#include "cevt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlwriter.h>

#include "roster_priv.h"

/* A writer that remembers its first error, so calls can be chained. */
struct wctx {
	xmlTextWriterPtr w;
	const struct cp_cevt_cfg *cfg;
	int err;		/* 0 or -ENOMEM */
	uint64_t since;		/* partial: changes after this */
	size_t n_items;		/* partial: top-level pieces written */
};

static void
el_start(struct wctx *c, const char *name)
{
	if (c->err == 0 && xmlTextWriterStartElement(c->w, BAD_CAST name) < 0)
		c->err = -ENOMEM;
}

static void
el_end(struct wctx *c)
{
	if (c->err == 0 && xmlTextWriterEndElement(c->w) < 0)
		c->err = -ENOMEM;
}

static void
attr(struct wctx *c, const char *name, const char *value)
{
	if (c->err == 0 && xmlTextWriterWriteAttribute(c->w, BAD_CAST name,
						       BAD_CAST value) < 0)
		c->err = -ENOMEM;
}

/* <name>text</name>, nothing if text is NULL. */
static void
el_text(struct wctx *c, const char *name, const char *text)
{
	if (c->err == 0 && text != NULL &&
	    xmlTextWriterWriteElement(c->w, BAD_CAST name, BAD_CAST text) < 0)
		c->err = -ENOMEM;
}

static void
el_u32(struct wctx *c, const char *name, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%" PRIu32, v);
	el_text(c, name, buf);
}

static void
el_bool(struct wctx *c, const char *name, bool v)
{
	el_text(c, name, v ? "true" : "false");
}

/* ---- pieces ------------------------------------------------------------- */

static void
write_uris(struct wctx *c, const char *name, const struct rs_uri *u, size_t n)
{
	if (n == 0)
		return;
	el_start(c, name);
	for (size_t i = 0; i < n; i++) {
		el_start(c, "entry");
		el_text(c, "uri", u[i].uri);
		el_text(c, "display-text", u[i].display_text);
		el_text(c, "purpose", u[i].purpose);
		el_end(c);
	}
	el_end(c);
}

static void
write_desc(struct wctx *c, const struct cp_roster *r)
{
	const struct rs_desc *d = &r->desc;

	el_start(c, "conference-description");
	el_text(c, "display-text", d->display_text);
	el_text(c, "subject", d->subject);
	write_uris(c, "conf-uris", d->conf_uris, d->n_conf_uris);
	write_uris(c, "service-uris", d->service_uris, d->n_service_uris);
	if (d->maximum_user_count != 0)
		el_u32(c, "maximum-user-count", d->maximum_user_count);
	if (d->n_media != 0) {
		el_start(c, "available-media");
		for (size_t i = 0; i < d->n_media; i++) {
			el_start(c, "entry");
			attr(c, "label", d->media[i].label);
			el_text(c, "display-text", d->media[i].display_text);
			el_text(c, "type", d->media[i].type);
			el_text(c, "status",
				cp_roster_media_dir_name(d->media[i].status));
			el_end(c);
		}
		el_end(c);
	}
	el_end(c);
}

static void
write_host(struct wctx *c, const struct cp_roster *r)
{
	el_start(c, "host-info");
	el_text(c, "display-text", r->host.display_text);
	el_text(c, "web-page", r->host.web_page);
	write_uris(c, "uris", r->host.uris, r->host.n_uris);
	el_end(c);
}

static void
write_state(struct wctx *c, const struct cp_roster *r)
{
	el_start(c, "conference-state");
	el_u32(c, "user-count", r->user_count);
	el_bool(c, "active", r->active);
	el_bool(c, "locked", r->locked);
	el_end(c);
}

static void
write_exec(struct wctx *c, const char *name, const struct rs_exec *x)
{
	char when[40];
	struct tm tm;
	time_t t;

	if (!x->present)
		return;
	el_start(c, name);
	t = (time_t)x->when_s;
	if (x->when_s >= 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) != 0)
		el_text(c, "when", when);
	el_text(c, "reason", x->reason);
	el_text(c, "by", x->by);
	el_end(c);
}

/*
 * A stream, whole (full endpoint, or added after since), or only its
 * sub-elements changed after since: <media> has no state attribute, and
 * a subscriber replaces a known stream's sub-elements one by one.
 */
static void
write_media(struct wctx *c, const struct rs_ep *e, const struct rs_media *m,
	    uint64_t since)
{
	bool whole = m->created_seq > since;	/* since 0: a full document */
	const uint64_t *f = m->field_seq;

	el_start(c, "media");
	attr(c, "id", m->id);
	if (whole || f[RS_MEDIA_DISPLAY] > since)
		el_text(c, "display-text", m->display_text);
	if (whole || f[RS_MEDIA_TYPE] > since)
		el_text(c, "type", m->type);
	if (whole || f[RS_MEDIA_LABEL] > since)
		el_text(c, "label", m->label);
	if ((whole || f[RS_MEDIA_SRC_ID] > since) && m->has_src_id)
		el_u32(c, "src-id", m->src_id);
	if (whole || f[RS_MEDIA_STATUS] > since)
		el_text(c, "status", cp_roster_media_dir_name(
					     cp_roster_media_report(e, m)));
	el_end(c);
}

/*
 * An endpoint, whole (since == 0 on a full one: every stamp is above it)
 * or only the fields and media changed after c->since.
 */
static void
write_ep(struct wctx *c, const struct rs_ep *e, bool full)
{
	uint64_t since = full ? 0 : c->since;
	const uint64_t *f = e->field_seq;

	el_start(c, "endpoint");
	attr(c, "entity", e->entity);
	attr(c, "state", full ? "full" : "partial");
	if (full || f[RS_EP_DISPLAY] > since)
		el_text(c, "display-text", e->display_text);
	if (full || f[RS_EP_REFERRED] > since)
		write_exec(c, "referred", &e->referred);
	if (full || f[RS_EP_STATUS] > since)
		el_text(c, "status",
			cp_roster_ep_status_name(cp_roster_ep_report(e)));
	if (full || f[RS_EP_JOIN_METHOD] > since)
		el_text(c, "joining-method",
			cp_roster_joining_name(e->join_method));
	if (full || f[RS_EP_JOIN_INFO] > since)
		write_exec(c, "joining-info", &e->join_info);
	if (full || f[RS_EP_DISC_METHOD] > since)
		el_text(c, "disconnection-method",
			cp_roster_disconnection_name(e->disc_method));
	if (full || f[RS_EP_DISC_INFO] > since)
		write_exec(c, "disconnection-info", &e->disc_info);
	for (size_t i = 0; i < e->n_media; i++)
		if (e->media[i].seq > since)
			write_media(c, e, &e->media[i], since);
	if ((full || f[RS_EP_CALL_INFO] > since) && e->call_id != NULL &&
	    !c->cfg->hide_call_info) {
		el_start(c, "call-info");
		el_start(c, "sip");
		el_text(c, "call-id", e->call_id);
		el_text(c, "from-tag", e->from_tag);
		el_text(c, "to-tag", e->to_tag);
		el_end(c);
		el_end(c);
	}
	el_end(c);
}

static void
write_deleted(struct wctx *c, const char *name, const char *entity)
{
	el_start(c, name);
	attr(c, "entity", entity);
	attr(c, "state", "deleted");
	el_end(c);
}

/* A removal the subscriber must hear of: it knew the entry. */
static bool
tomb_news(const struct rs_tomb *t, uint64_t since)
{
	return t->seq > since && t->origin_seq <= since;
}

/* An endpoint of u removed since, and not back under the same key. */
static bool
ep_tomb_news(const struct rs_tomb *t, const struct rs_user *u,
	     uint64_t since)
{
	return t->ep != NULL && tomb_news(t, since) &&
	       strcmp(t->user, u->entity) == 0 && cp_roster_ep_find(u, t->ep, NULL) == NULL;
}

/* A user removed since, and not back under the same key. */
static bool
user_tomb_news(const struct cp_roster *r, const struct rs_tomb *t,
	       uint64_t since)
{
	return t->ep == NULL && tomb_news(t, since) &&
	       cp_roster_user_find(r, t->user, NULL) == NULL;
}

static bool
user_has_ep_tombs(const struct cp_roster *r, const struct rs_user *u,
		  uint64_t since)
{
	for (size_t i = 0; i < r->n_tombs; i++)
		if (ep_tomb_news(&r->tombs[i], u, since))
			return true;
	return false;
}

/* Whether a partial <user> for u has anything to say. */
static bool
user_news(const struct cp_roster *r, const struct rs_user *u, uint64_t since)
{
	if (u->mod_seq <= since)
		return false;
	if (u->full_seq > since)
		return true;
	for (size_t i = 0; i < RS_USER_N_FIELDS; i++)
		if (u->field_seq[i] > since)
			return true;
	for (size_t i = 0; i < u->n_eps; i++)
		if (u->eps[i]->mod_seq > since)
			return true;
	return user_has_ep_tombs(r, u, since);
}

static void
write_user(struct wctx *c, const struct cp_roster *r, const struct rs_user *u,
	   bool full)
{
	uint64_t since = full ? 0 : c->since;

	el_start(c, "user");
	attr(c, "entity", u->entity);
	attr(c, "state", full ? "full" : "partial");
	if (full || u->field_seq[RS_USER_DISPLAY] > since)
		el_text(c, "display-text", u->display_text);
	if ((full || u->field_seq[RS_USER_ROLES] > since) && u->n_roles != 0) {
		el_start(c, "roles");
		for (size_t i = 0; i < u->n_roles; i++)
			el_text(c, "entry", u->roles[i]);
		el_end(c);
	}
	for (size_t i = 0; i < u->n_eps; i++) {
		const struct rs_ep *e = u->eps[i];

		if (full || e->full_seq > since)
			write_ep(c, e, true);
		else if (e->mod_seq > since)
			write_ep(c, e, false);
	}
	for (size_t i = 0; !full && i < r->n_tombs; i++) {
		const struct rs_tomb *t = &r->tombs[i];

		if (ep_tomb_news(t, u, since))
			write_deleted(c, "endpoint", t->ep);
	}
	el_end(c);
}

static bool
users_news(const struct cp_roster *r, uint64_t since)
{
	for (size_t i = 0; i < r->n_users; i++)
		if (user_news(r, r->users[i], since))
			return true;
	for (size_t i = 0; i < r->n_tombs; i++)
		if (user_tomb_news(r, &r->tombs[i], since))
			return true;
	return false;
}

static void
write_users(struct wctx *c, const struct cp_roster *r, bool full)
{
	el_start(c, "users");
	attr(c, "state", full ? "full" : "partial");
	for (size_t i = 0; i < r->n_users; i++) {
		const struct rs_user *u = r->users[i];

		if (full || u->full_seq > c->since)
			write_user(c, r, u, true);
		else if (user_news(r, u, c->since))
			write_user(c, r, u, false);
	}
	for (size_t i = 0; !full && i < r->n_tombs; i++) {
		const struct rs_tomb *t = &r->tombs[i];

		if (user_tomb_news(r, t, c->since))
			write_deleted(c, "user", t->user);
	}
	el_end(c);
}

/* ---- documents ---------------------------------------------------------- */

static void
write_body(struct wctx *c, const struct cp_roster *r, enum cp_cevt_state st)
{
	bool full = st == CP_CEVT_FULL;

	if (st == CP_CEVT_DELETED)
		return;
	if (full || (r->has_desc && r->desc_seq > c->since)) {
		write_desc(c, r);
		c->n_items++;
	}
	if (r->has_host && (full || r->host_seq > c->since)) {
		write_host(c, r);
		c->n_items++;
	}
	if (full || r->state_seq > c->since) {
		write_state(c, r);
		c->n_items++;
	}
	if (full || users_news(r, c->since)) {
		write_users(c, r, full);
		c->n_items++;
	}
}

static size_t
udp_limit(const struct cp_cevt_cfg *cfg)
{
	return cfg->udp_max_bytes ? cfg->udp_max_bytes : CP_CEVT_UDP_MAX_BYTES;
}

static int
build(const struct cp_roster *r, enum cp_cevt_state st, uint64_t since,
      uint32_t version, const struct cp_cevt_cfg *cfg,
      struct cp_cevt_doc *out)
{
	static const char *const names[] = { "full", "partial", "deleted" };
	struct cp_cevt_cfg dflt;
	struct wctx c = { .since = since };
	xmlBufferPtr buf;
	char ver[16];
	int rc = -ENOMEM;

	if (r == NULL || out == NULL)
		return -EINVAL;
	if (cfg == NULL) {
		cp_cevt_cfg_default(&dflt);
		cfg = &dflt;
	}
	c.cfg = cfg;
	if ((buf = xmlBufferCreate()) == NULL)
		return -ENOMEM;
	if ((c.w = xmlNewTextWriterMemory(buf, 0)) == NULL)
		goto out_free_buf;
	if (cfg->indent && (xmlTextWriterSetIndent(c.w, 1) < 0 ||
			    xmlTextWriterSetIndentString(c.w,
							 BAD_CAST "  ") < 0))
		goto out_free_writer;
	if (xmlTextWriterStartDocument(c.w, NULL, "UTF-8", NULL) < 0)
		goto out_free_writer;
	snprintf(ver, sizeof(ver), "%" PRIu32, version);
	el_start(&c, "conference-info");
	attr(&c, "xmlns", CP_CEVT_NS);
	attr(&c, "entity", r->entity);
	attr(&c, "state", names[st]);
	attr(&c, "version", ver);
	write_body(&c, r, st);
	el_end(&c);
	if (c.err != 0 || xmlTextWriterEndDocument(c.w) < 0)
		goto out_free_writer;
	rc = -ENODATA;
	if (st == CP_CEVT_PARTIAL && c.n_items == 0)
		goto out_free_writer;
	/* the writer flushes into buf when freed */
	xmlFreeTextWriter(c.w);
	c.w = NULL;
	rc = -EMSGSIZE;
	if (cfg->max_bytes != 0 && (size_t)xmlBufferLength(buf) > cfg->max_bytes)
		goto out_free_buf;
	out->len_bytes = (size_t)xmlBufferLength(buf);
	out->xml = (char *)xmlBufferDetach(buf);
	out->version = version;
	out->state = st;
	out->needs_tcp = out->len_bytes > udp_limit(cfg);
	xmlBufferFree(buf);
	return 0;
out_free_writer:
	xmlFreeTextWriter(c.w);
out_free_buf:
	xmlBufferFree(buf);
	return rc;
}

void
cp_cevt_doc_free(struct cp_cevt_doc *d)
{
	if (d == NULL)
		return;
	xmlFree(d->xml);
	memset(d, 0, sizeof(*d));
}

void
cp_cevt_cfg_default(struct cp_cevt_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_ms = CP_CEVT_INTERVAL_MS;
	cfg->udp_max_bytes = CP_CEVT_UDP_MAX_BYTES;
}

int
cp_cevt_build_full(const struct cp_roster *r, uint32_t version,
		   const struct cp_cevt_cfg *cfg, struct cp_cevt_doc *out)
{
	return build(r, CP_CEVT_FULL, 0, version, cfg, out);
}

int
cp_cevt_build_partial(const struct cp_roster *r, uint64_t since_seq,
		      uint32_t version, const struct cp_cevt_cfg *cfg,
		      struct cp_cevt_doc *out)
{
	if (r == NULL)
		return -EINVAL;
	if (!cp_roster_can_diff(r, since_seq))
		return -ESTALE;
	if (since_seq == cp_roster_seq(r))
		return -ENODATA;
	return build(r, CP_CEVT_PARTIAL, since_seq, version, cfg, out);
}

int
cp_cevt_build_deleted(const struct cp_roster *r, uint32_t version,
		      const struct cp_cevt_cfg *cfg, struct cp_cevt_doc *out)
{
	return build(r, CP_CEVT_DELETED, 0, version, cfg, out);
}

/* ---- subscriptions ------------------------------------------------------ */

struct cp_cevt_sub {
	const struct cp_roster *r;	/* borrowed */
	struct cp_cevt_cfg cfg;
	uint32_t version;		/* of the last document */
	bool started;			/* the first full one went out */
	bool pending;			/* changes noted, not yet sent */
	uint64_t sent_seq;		/* roster seq the last one covered */
	uint64_t sent_ms;		/* when the last one went out */
	uint64_t first_change_ms;	/* of the pending burst */
};

int
cp_cevt_sub_create(struct cp_cevt_sub **out, const struct cp_roster *r,
		   const struct cp_cevt_cfg *cfg)
{
	struct cp_cevt_sub *s;

	if (out == NULL || r == NULL)
		return -EINVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->r = r;
	if (cfg != NULL)
		s->cfg = *cfg;
	else
		cp_cevt_cfg_default(&s->cfg);
	*out = s;
	return 0;
}

void
cp_cevt_sub_destroy(struct cp_cevt_sub *s)
{
	free(s);
}

/* A document went out at now_ms covering the roster as it is. */
static void
sent(struct cp_cevt_sub *s, uint64_t now_ms)
{
	s->version++;
	s->started = true;
	s->pending = false;
	s->sent_seq = cp_roster_seq(s->r);
	s->sent_ms = now_ms;
}

int
cp_cevt_sub_full(struct cp_cevt_sub *s, uint64_t now_ms,
		 struct cp_cevt_doc *out)
{
	int rc;

	if (s == NULL || out == NULL)
		return -EINVAL;
	if ((rc = cp_cevt_build_full(s->r, s->version + 1, &s->cfg, out)) < 0)
		return rc;
	sent(s, now_ms);
	return 0;
}

void
cp_cevt_sub_note_change(struct cp_cevt_sub *s, uint64_t now_ms)
{
	if (s == NULL || !s->started || s->pending)
		return;
	s->pending = true;
	s->first_change_ms = now_ms;
}

uint64_t
cp_cevt_sub_next_ms(const struct cp_cevt_sub *s)
{
	uint64_t a, b;

	if (s == NULL || !s->pending)
		return UINT64_MAX;
	a = s->first_change_ms + s->cfg.hold_ms;
	b = s->sent_ms + s->cfg.interval_ms;
	return a > b ? a : b;
}

int
cp_cevt_sub_due(struct cp_cevt_sub *s, uint64_t now_ms,
		struct cp_cevt_doc *out)
{
	return cp_cevt_sub_due_cached(s, now_ms, NULL, out);
}

void
cp_cevt_cache_clear(struct cp_cevt_cache *c)
{
	if (c == NULL)
		return;
	cp_cevt_doc_free(&c->doc);
	memset(c, 0, sizeof(*c));
}

/* The cached document with version v: a copy with the digits replaced. */
static int
from_cache(const struct cp_cevt_cache *c, const struct cp_cevt_sub *s,
	   uint32_t v, struct cp_cevt_doc *out)
{
	char digits[12];
	size_t n = (size_t)snprintf(digits, sizeof(digits), "%u", v);
	size_t len = c->doc.len_bytes - c->ver_len + n;
	char *x = xmlMalloc(len + 1);

	if (x == NULL)
		return -ENOMEM;
	memcpy(x, c->doc.xml, c->ver_at);
	memcpy(x + c->ver_at, digits, n);
	memcpy(x + c->ver_at + n, c->doc.xml + c->ver_at + c->ver_len,
	       c->doc.len_bytes - c->ver_at - c->ver_len + 1);
	*out = c->doc;
	out->xml = x;
	out->len_bytes = len;
	out->version = v;
	out->needs_tcp = len > udp_limit(&s->cfg);
	return 0;
}

/* Keep a copy of a partial just built in cache, for the next ones. */
static void
to_cache(struct cp_cevt_cache *c, const struct cp_cevt_sub *s,
	 uint64_t from_seq, const struct cp_cevt_doc *d)
{
	const char *root = strstr(d->xml, "<conference-info");
	const char *at = root != NULL ? strstr(root, " version=\"") : NULL;

	cp_cevt_cache_clear(c);
	if (at == NULL || (c->doc.xml = (char *)xmlStrdup(
				   (const xmlChar *)d->xml)) == NULL)
		return;
	c->r = s->r;
	c->hide_call_info = s->cfg.hide_call_info;
	c->from_seq = from_seq;
	c->to_seq = cp_roster_seq(s->r);
	c->doc.len_bytes = d->len_bytes;
	c->doc.version = d->version;
	c->doc.state = d->state;
	c->doc.needs_tcp = d->needs_tcp;
	c->ver_at = (size_t)(at + strlen(" version=\"") - d->xml);
	c->ver_len = strspn(d->xml + c->ver_at, "0123456789");
}

int
cp_cevt_sub_due_cached(struct cp_cevt_sub *s, uint64_t now_ms,
		       struct cp_cevt_cache *cache, struct cp_cevt_doc *out)
{
	uint64_t from;
	uint32_t v;
	int rc;

	if (s == NULL || out == NULL)
		return -EINVAL;
	/* a change nobody noted: its window opens now */
	if (s->started && !s->pending && cp_roster_seq(s->r) != s->sent_seq)
		cp_cevt_sub_note_change(s, now_ms);
	if (!s->pending || now_ms < cp_cevt_sub_next_ms(s))
		return 0;
	v = s->version + 1;
	from = s->sent_seq;
	if (cache != NULL && cache->doc.xml != NULL &&
	    cache->hide_call_info != s->cfg.hide_call_info)
		cache = NULL; /* another view's */
	if (cache != NULL && cache->doc.xml != NULL && cache->r == s->r &&
	    cache->from_seq == from && cache->to_seq == cp_roster_seq(s->r)) {
		if ((rc = from_cache(cache, s, v, out)) < 0)
			return rc;
		sent(s, now_ms);
		return 1;
	}
	rc = cp_cevt_build_partial(s->r, s->sent_seq, v, &s->cfg, out);
	if (rc == 0 && cache != NULL)
		to_cache(cache, s, from, out);
	if (rc == -ESTALE)
		rc = cp_cevt_build_full(s->r, v, &s->cfg, out);
	if (rc == -ENODATA) {
		/* added and removed within the window: nothing to tell */
		s->pending = false;
		s->sent_seq = cp_roster_seq(s->r);
		return 0;
	}
	if (rc < 0)
		return rc;
	sent(s, now_ms);
	return 1;
}

int
cp_cevt_sub_deleted(struct cp_cevt_sub *s, struct cp_cevt_doc *out)
{
	int rc;

	if (s == NULL || out == NULL)
		return -EINVAL;
	if ((rc = cp_cevt_build_deleted(s->r, s->version + 1, &s->cfg,
					out)) < 0)
		return rc;
	s->version++;
	s->pending = false;
	return 0;
}

uint32_t
cp_cevt_sub_version(const struct cp_cevt_sub *s)
{
	return s->version;
}
