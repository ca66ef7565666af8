/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * roster.c: the conference roster model and its change journal (see
 * roster.h). Control plane, main thread, cold path: lookups are linear in
 * the number of users and endpoints, which is fine at conference sizes and
 * keeps the document order the order of arrival.
 */
#include "roster.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "roster_priv.h"

#define DEFAULT_MAX_TOMBS	1024

/* ---- strings ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s encoding an XML 1.0 Char, or 0. */
static size_t
xml_char_len(const unsigned char *s)
{
	uint32_t c;
	size_t n;

	if (s[0] < 0x80)
		return (s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' ||
			s[0] == '\r') ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		c = s[0] & 0x1f;
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		c = s[0] & 0x0f;
		n = 3;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		c = s[0] & 0x07;
		n = 4;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff)
		return 0;			/* overlong, out of range */
	if ((c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;			/* surrogate, not a Char */
	return n;
}

/* A copy of s that is valid UTF-8 made of XML Chars (else U+FFFD). */
static char *
text_dup(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), o = 0;
	char *d;

	if (len > (SIZE_MAX - 1) / 3 || (d = malloc(3 * len + 1)) == NULL)
		return NULL;
	while (*p != '\0') {
		size_t n = xml_char_len(p);

		if (n == 0) {
			memcpy(d + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(d + o, p, n);
		o += n;
		p += n;
	}
	d[o] = '\0';
	return d;
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* *dst = sanitised copy of src (NULL allowed); -ENOMEM leaves *dst. */
static int
str_set(char **dst, const char *src)
{
	char *c = NULL;

	if (src != NULL && (c = text_dup(src)) == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/*
 * Set *dst to src if different. Returns 1 if changed (and *cleared if it
 * went from present to absent), 0 if not, -ENOMEM.
 */
static int
str_update(char **dst, const char *src, bool *cleared)
{
	char *c = NULL;

	if (src != NULL && (c = text_dup(src)) == NULL)
		return -ENOMEM;
	if (str_eq(*dst, c)) {
		free(c);
		return 0;
	}
	if (c == NULL && cleared != NULL)
		*cleared = true;
	free(*dst);
	*dst = c;
	return 1;
}

/*
 * arr (n of *cap elements in use) with room for one more: arr itself, or
 * a larger copy (*cap updated). NULL if out of memory, arr untouched.
 */
static void *
grow(void *arr, size_t *cap, size_t n, size_t elem_bytes)
{
	size_t c = *cap ? 2 * *cap : 4;
	void *a;

	if (n < *cap)
		return arr;
	if ((a = realloc(arr, c * elem_bytes)) != NULL)
		*cap = c;
	return a;
}

/* ---- conference-level pieces -------------------------------------------- */

static void
exec_clear(struct rs_exec *x)
{
	free(x->reason);
	free(x->by);
	memset(x, 0, sizeof(*x));
}

static int
exec_copy(struct rs_exec *x, const struct cp_roster_exec *in)
{
	memset(x, 0, sizeof(*x));
	if (in == NULL)
		return 0;
	x->present = true;
	x->when_s = in->when_s < 0 ? -1 : in->when_s;
	if (str_set(&x->reason, in->reason) < 0 || str_set(&x->by, in->by) < 0) {
		exec_clear(x);
		return -ENOMEM;
	}
	return 0;
}

static bool
exec_eq(const struct rs_exec *a, const struct rs_exec *b)
{
	if (!a->present || !b->present)
		return a->present == b->present;
	return a->when_s == b->when_s && str_eq(a->reason, b->reason) &&
	       str_eq(a->by, b->by);
}

static void
uris_free(struct rs_uri *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].uri);
		free(u[i].display_text);
		free(u[i].purpose);
	}
	free(u);
}

static int
uris_copy(struct rs_uri **out, const struct cp_roster_uri *in, size_t n)
{
	struct rs_uri *u;

	*out = NULL;
	if (n == 0)
		return 0;
	if (in == NULL)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (in[i].uri == NULL)
			return -EINVAL;
	if ((u = calloc(n, sizeof(*u))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (str_set(&u[i].uri, in[i].uri) < 0 ||
		    str_set(&u[i].display_text, in[i].display_text) < 0 ||
		    str_set(&u[i].purpose, in[i].purpose) < 0) {
			uris_free(u, n);
			return -ENOMEM;
		}
	}
	*out = u;
	return 0;
}

static bool
uris_eq(const struct rs_uri *a, size_t na, const struct rs_uri *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_eq(a[i].uri, b[i].uri) ||
		    !str_eq(a[i].display_text, b[i].display_text) ||
		    !str_eq(a[i].purpose, b[i].purpose))
			return false;
	return true;
}

static void
desc_free(struct rs_desc *d)
{
	free(d->display_text);
	free(d->subject);
	uris_free(d->conf_uris, d->n_conf_uris);
	uris_free(d->service_uris, d->n_service_uris);
	for (size_t i = 0; i < d->n_media; i++) {
		free(d->media[i].label);
		free(d->media[i].display_text);
		free(d->media[i].type);
	}
	free(d->media);
	memset(d, 0, sizeof(*d));
}

static int
desc_copy(struct rs_desc *d, const struct cp_roster_desc *in)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if (in->n_media != 0 && in->media == NULL)
		return -EINVAL;
	for (size_t i = 0; i < in->n_media; i++)
		if (in->media[i].label == NULL || in->media[i].type == NULL ||
		    (unsigned int)in->media[i].status >= CP_ROSTER_MEDIA_N_DIR)
			return -EINVAL;
	d->maximum_user_count = in->maximum_user_count;
	if ((rc = uris_copy(&d->conf_uris, in->conf_uris,
			    in->n_conf_uris)) < 0)
		return rc;
	d->n_conf_uris = in->n_conf_uris;
	if ((rc = uris_copy(&d->service_uris, in->service_uris,
			    in->n_service_uris)) < 0)
		goto out_free;
	d->n_service_uris = in->n_service_uris;
	rc = -ENOMEM;
	if (str_set(&d->display_text, in->display_text) < 0 ||
	    str_set(&d->subject, in->subject) < 0)
		goto out_free;
	if (in->n_media != 0 &&
	    (d->media = calloc(in->n_media, sizeof(*d->media))) == NULL)
		goto out_free;
	d->n_media = in->n_media;
	for (size_t i = 0; i < in->n_media; i++) {
		d->media[i].status = in->media[i].status;
		if (str_set(&d->media[i].label, in->media[i].label) < 0 ||
		    str_set(&d->media[i].display_text,
			    in->media[i].display_text) < 0 ||
		    str_set(&d->media[i].type, in->media[i].type) < 0)
			goto out_free;
	}
	return 0;
out_free:
	desc_free(d);
	return rc;
}

static bool
desc_eq(const struct rs_desc *a, const struct rs_desc *b)
{
	if (!str_eq(a->display_text, b->display_text) ||
	    !str_eq(a->subject, b->subject) ||
	    a->maximum_user_count != b->maximum_user_count ||
	    !uris_eq(a->conf_uris, a->n_conf_uris, b->conf_uris,
		     b->n_conf_uris) ||
	    !uris_eq(a->service_uris, a->n_service_uris, b->service_uris,
		     b->n_service_uris) ||
	    a->n_media != b->n_media)
		return false;
	for (size_t i = 0; i < a->n_media; i++)
		if (!str_eq(a->media[i].label, b->media[i].label) ||
		    !str_eq(a->media[i].display_text,
			    b->media[i].display_text) ||
		    !str_eq(a->media[i].type, b->media[i].type) ||
		    a->media[i].status != b->media[i].status)
			return false;
	return true;
}

static void
host_free(struct rs_host *h)
{
	free(h->display_text);
	free(h->web_page);
	uris_free(h->uris, h->n_uris);
	memset(h, 0, sizeof(*h));
}

static int
host_copy(struct rs_host *h, const struct cp_roster_host *in)
{
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = uris_copy(&h->uris, in->uris, in->n_uris)) < 0)
		return rc;
	h->n_uris = in->n_uris;
	if (str_set(&h->display_text, in->display_text) < 0 ||
	    str_set(&h->web_page, in->web_page) < 0) {
		host_free(h);
		return -ENOMEM;
	}
	return 0;
}

static bool
host_eq(const struct rs_host *a, const struct rs_host *b)
{
	return str_eq(a->display_text, b->display_text) &&
	       str_eq(a->web_page, b->web_page) &&
	       uris_eq(a->uris, a->n_uris, b->uris, b->n_uris);
}

/* ---- lookups and stamps ------------------------------------------------- */

struct rs_user *
cp_roster_user_find(const struct cp_roster *r, const char *entity,
		    size_t *idx)
{
	for (size_t i = 0; i < r->n_users; i++) {
		if (strcmp(r->users[i]->entity, entity) == 0) {
			if (idx != NULL)
				*idx = i;
			return r->users[i];
		}
	}
	return NULL;
}

struct rs_ep *
cp_roster_ep_find(const struct rs_user *u, const char *entity, size_t *idx)
{
	for (size_t i = 0; i < u->n_eps; i++) {
		if (strcmp(u->eps[i]->entity, entity) == 0) {
			if (idx != NULL)
				*idx = i;
			return u->eps[i];
		}
	}
	return NULL;
}

/*
 * Keys are stored sanitised: look up with the sanitised form too, so a
 * caller passing the same raw bytes twice always finds the same entry.
 */
static int
key_dup(char **out, const char *key)
{
	if (key == NULL)
		return -EINVAL;
	return (*out = text_dup(key)) == NULL ? -ENOMEM : 0;
}

/* Find user and endpoint by raw keys; -EINVAL, -ENOMEM, -ENOENT. */
static int
lookup(const struct cp_roster *r, const char *user, const char *ep,
       struct rs_user **u_out, struct rs_ep **e_out)
{
	char *uk = NULL, *ek = NULL;
	struct rs_user *u;
	int rc;

	if ((rc = key_dup(&uk, user)) < 0)
		return rc;
	if (e_out != NULL && (rc = key_dup(&ek, ep)) < 0)
		goto out_free;
	rc = -ENOENT;
	if ((u = cp_roster_user_find(r, uk, NULL)) == NULL)
		goto out_free;
	if (e_out != NULL && (*e_out = cp_roster_ep_find(u, ek, NULL)) == NULL)
		goto out_free;
	*u_out = u;
	rc = 0;
out_free:
	free(ek);
	free(uk);
	return rc;
}

static uint64_t
stamp(struct cp_roster *r)
{
	return ++r->seq;
}

static void
ep_stamp(struct cp_roster *r, struct rs_user *u, struct rs_ep *e,
	 enum rs_ep_field f, bool cleared)
{
	uint64_t s = stamp(r);

	e->field_seq[f] = s;
	if (cleared)
		e->full_seq = s;	/* a partial cannot remove an element */
	e->mod_seq = s;
	u->mod_seq = s;
}

static void
user_stamp(struct cp_roster *r, struct rs_user *u, enum rs_user_field f,
	   bool cleared)
{
	uint64_t s = stamp(r);

	u->field_seq[f] = s;
	if (cleared)
		u->full_seq = s;
	u->mod_seq = s;
}

/* Counted in <user-count>: in the conference, whatever hold and mute. */
static bool
ep_present(const struct rs_ep *e)
{
	return e->status == CP_ROSTER_EP_CONNECTED;
}

/* Account for e's presence going from was to is (user-count). */
static void
presence_update(struct cp_roster *r, struct rs_user *u, bool was, bool is)
{
	uint32_t before = r->user_count;

	if (was == is)
		return;
	if (is && u->n_present++ == 0)
		r->user_count++;
	if (!is && --u->n_present == 0)
		r->user_count--;
	if (r->user_count != before)
		r->state_seq = stamp(r);
}

/* ---- tombstones --------------------------------------------------------- */

static void
tomb_drop(struct cp_roster *r, size_t i)
{
	free(r->tombs[i].user);
	free(r->tombs[i].ep);
	memmove(&r->tombs[i], &r->tombs[i + 1],
		(r->n_tombs - i - 1) * sizeof(r->tombs[0]));
	r->n_tombs--;
}

/*
 * Remember a removal. Keeps at most max_tombs: dropping the oldest moves
 * the horizon so that subscribers who would need it get a full document.
 */
static int
tomb_add(struct cp_roster *r, const char *user, const char *ep,
	 uint64_t origin_seq, uint64_t seq)
{
	struct rs_tomb t = { .origin_seq = origin_seq, .seq = seq };
	struct rs_tomb *tombs;

	if ((t.user = strdup(user)) == NULL ||
	    (ep != NULL && (t.ep = strdup(ep)) == NULL))
		goto out_nomem;
	if (r->n_tombs == r->max_tombs) {
		if (r->tombs[0].seq > r->horizon_seq)
			r->horizon_seq = r->tombs[0].seq;
		tomb_drop(r, 0);
	}
	if ((tombs = grow(r->tombs, &r->cap_tombs, r->n_tombs,
			  sizeof(*tombs))) == NULL)
		goto out_nomem;
	r->tombs = tombs;
	r->tombs[r->n_tombs++] = t;
	return 0;
out_nomem:
	/*
	 * Without the tombstone no partial can report this removal: make
	 * every subscriber that knew the entry take a full document.
	 */
	free(t.user);
	free(t.ep);
	r->horizon_seq = seq;
	return 0;
}

/* Drop the tombstones of user's endpoints (the user's own covers them). */
static void
tomb_drop_user_eps(struct cp_roster *r, const char *user)
{
	for (size_t i = r->n_tombs; i-- > 0;)
		if (r->tombs[i].ep != NULL &&
		    strcmp(r->tombs[i].user, user) == 0)
			tomb_drop(r, i);
}

/* ---- create / destroy --------------------------------------------------- */

static void
media_free(struct rs_media *m)
{
	free(m->id);
	free(m->display_text);
	free(m->type);
	free(m->label);
}

static void
ep_free(struct rs_ep *e)
{
	if (e == NULL)
		return;
	free(e->entity);
	free(e->display_text);
	exec_clear(&e->referred);
	exec_clear(&e->join_info);
	exec_clear(&e->disc_info);
	free(e->call_id);
	free(e->from_tag);
	free(e->to_tag);
	for (size_t i = 0; i < e->n_media; i++)
		media_free(&e->media[i]);
	free(e->media);
	free(e);
}

static void
roles_free(char **roles, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(roles[i]);
	free(roles);
}

static void
user_free(struct rs_user *u)
{
	if (u == NULL)
		return;
	for (size_t i = 0; i < u->n_eps; i++)
		ep_free(u->eps[i]);
	free(u->eps);
	roles_free(u->roles, u->n_roles);
	free(u->entity);
	free(u->display_text);
	free(u);
}

int
cp_roster_create(struct cp_roster **out, const char *entity,
		 size_t max_tombstones)
{
	struct cp_roster *r;

	if (out == NULL || entity == NULL || entity[0] == '\0')
		return -EINVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	if ((r->entity = text_dup(entity)) == NULL) {
		free(r);
		return -ENOMEM;
	}
	r->active = true;
	r->max_tombs = max_tombstones ? max_tombstones : DEFAULT_MAX_TOMBS;
	*out = r;
	return 0;
}

void
cp_roster_destroy(struct cp_roster *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_users; i++)
		user_free(r->users[i]);
	free(r->users);
	while (r->n_tombs > 0)
		tomb_drop(r, r->n_tombs - 1);
	free(r->tombs);
	desc_free(&r->desc);
	host_free(&r->host);
	free(r->entity);
	free(r);
}

const char *
cp_roster_entity(const struct cp_roster *r)
{
	return r->entity;
}

/* ---- conference level --------------------------------------------------- */

int
cp_roster_set_desc(struct cp_roster *r, const struct cp_roster_desc *d)
{
	struct rs_desc n;
	int rc;

	if (r == NULL || d == NULL)
		return -EINVAL;
	if ((rc = desc_copy(&n, d)) < 0)
		return rc;
	if (r->has_desc && desc_eq(&r->desc, &n)) {
		desc_free(&n);
		return 0;
	}
	desc_free(&r->desc);
	r->desc = n;
	r->has_desc = true;
	r->desc_seq = stamp(r);
	return 0;
}

int
cp_roster_set_host(struct cp_roster *r, const struct cp_roster_host *h)
{
	struct rs_host n;
	bool has;
	int rc;

	if (r == NULL || h == NULL)
		return -EINVAL;
	if ((rc = host_copy(&n, h)) < 0)
		return rc;
	has = n.display_text != NULL || n.web_page != NULL || n.n_uris != 0;
	if (has == r->has_host && (!has || host_eq(&r->host, &n))) {
		host_free(&n);
		return 0;
	}
	host_free(&r->host);
	r->host = n;
	r->has_host = has;
	r->host_seq = stamp(r);
	return 0;
}

/* A <conference-state> flag (the element is atomic: stamped whole). */
static void
state_flag_set(struct cp_roster *r, bool *flag, bool v)
{
	if (*flag != v) {
		*flag = v;
		r->state_seq = stamp(r);
	}
}

int
cp_roster_set_active(struct cp_roster *r, bool active)
{
	if (r == NULL)
		return -EINVAL;
	state_flag_set(r, &r->active, active);
	return 0;
}

int
cp_roster_set_locked(struct cp_roster *r, bool locked)
{
	if (r == NULL)
		return -EINVAL;
	state_flag_set(r, &r->locked, locked);
	return 0;
}

uint32_t
cp_roster_user_count(const struct cp_roster *r)
{
	return r->user_count;
}

size_t
cp_roster_n_users(const struct cp_roster *r)
{
	return r->n_users;
}

/* ---- users -------------------------------------------------------------- */

int
cp_roster_user_add(struct cp_roster *r, const char *entity,
		   const char *display_text)
{
	struct rs_user *u, **users;
	int rc = -ENOMEM;

	if (r == NULL || entity == NULL || entity[0] == '\0')
		return -EINVAL;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return -ENOMEM;
	if ((u->entity = text_dup(entity)) == NULL ||
	    str_set(&u->display_text, display_text) < 0)
		goto out_free;
	rc = -EEXIST;
	if (cp_roster_user_find(r, u->entity, NULL) != NULL)
		goto out_free;
	rc = -ENOMEM;
	if ((users = grow(r->users, &r->cap_users, r->n_users,
			  sizeof(*users))) == NULL)
		goto out_free;
	r->users = users;
	u->origin_seq = u->full_seq = u->mod_seq = stamp(r);
	r->users[r->n_users++] = u;
	return 0;
out_free:
	user_free(u);
	return rc;
}

int
cp_roster_user_remove(struct cp_roster *r, const char *entity)
{
	struct rs_user *u;
	char *key = NULL;
	size_t i;
	int rc;

	if (r == NULL)
		return -EINVAL;
	if ((rc = key_dup(&key, entity)) < 0)
		return rc;
	if ((u = cp_roster_user_find(r, key, &i)) == NULL) {
		free(key);
		return -ENOENT;
	}
	free(key);
	if (u->n_present != 0) {
		r->user_count--;
		r->state_seq = stamp(r);
	}
	tomb_drop_user_eps(r, u->entity);
	tomb_add(r, u->entity, NULL, u->origin_seq, stamp(r));
	memmove(&r->users[i], &r->users[i + 1],
		(r->n_users - i - 1) * sizeof(r->users[0]));
	r->n_users--;
	user_free(u);
	return 0;
}

bool
cp_roster_has_user(const struct cp_roster *r, const char *entity)
{
	struct rs_user *u;

	return r != NULL && lookup(r, entity, NULL, &u, NULL) == 0;
}

int
cp_roster_user_set_display(struct cp_roster *r, const char *entity,
			   const char *display_text)
{
	bool cleared = false;
	struct rs_user *u;
	int rc;

	if (r == NULL)
		return -EINVAL;
	if ((rc = lookup(r, entity, NULL, &u, NULL)) < 0)
		return rc;
	if ((rc = str_update(&u->display_text, display_text, &cleared)) > 0)
		user_stamp(r, u, RS_USER_DISPLAY, cleared);
	return rc < 0 ? rc : 0;
}

int
cp_roster_user_set_roles(struct cp_roster *r, const char *entity,
			 const char *const *roles, size_t n_roles)
{
	struct rs_user *u;
	char **n = NULL;
	bool same;
	int rc;

	if (r == NULL || (n_roles != 0 && roles == NULL))
		return -EINVAL;
	for (size_t i = 0; i < n_roles; i++)
		if (roles[i] == NULL)
			return -EINVAL;
	if ((rc = lookup(r, entity, NULL, &u, NULL)) < 0)
		return rc;
	if (n_roles != 0 && (n = calloc(n_roles, sizeof(*n))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n_roles; i++) {
		if ((n[i] = text_dup(roles[i])) == NULL) {
			roles_free(n, n_roles);
			return -ENOMEM;
		}
	}
	same = n_roles == u->n_roles;
	for (size_t i = 0; same && i < n_roles; i++)
		same = strcmp(n[i], u->roles[i]) == 0;
	if (same) {
		roles_free(n, n_roles);
		return 0;
	}
	roles_free(u->roles, u->n_roles);
	u->roles = n;
	u->n_roles = n_roles;
	user_stamp(r, u, RS_USER_ROLES, n_roles == 0);
	return 0;
}

/* ---- endpoints ---------------------------------------------------------- */

enum cp_roster_ep_status
cp_roster_ep_report(const struct rs_ep *e)
{
	if (e->status != CP_ROSTER_EP_CONNECTED)
		return e->status;
	if (e->held)
		return CP_ROSTER_EP_ON_HOLD;
	return e->muted ? CP_ROSTER_EP_MUTED_VIA_FOCUS : CP_ROSTER_EP_CONNECTED;
}

enum cp_roster_media_dir
cp_roster_media_report(const struct rs_ep *e, const struct rs_media *m)
{
	if (!e->muted)
		return m->dir;
	switch (m->dir) {
	case CP_ROSTER_MEDIA_SENDRECV:
		return CP_ROSTER_MEDIA_RECVONLY;
	case CP_ROSTER_MEDIA_SENDONLY:
		return CP_ROSTER_MEDIA_INACTIVE;
	default:
		return m->dir;
	}
}

static bool
signalling_status_ok(enum cp_roster_ep_status s)
{
	return (unsigned int)s < CP_ROSTER_EP_N_STATUS &&
	       s != CP_ROSTER_EP_ON_HOLD && s != CP_ROSTER_EP_MUTED_VIA_FOCUS;
}

int
cp_roster_ep_add(struct cp_roster *r, const char *user, const char *ep,
		 const char *display_text, enum cp_roster_ep_status status)
{
	struct rs_user *u;
	struct rs_ep *e, **eps;
	int rc;

	if (r == NULL || ep == NULL || ep[0] == '\0' ||
	    !signalling_status_ok(status))
		return -EINVAL;
	if ((rc = lookup(r, user, NULL, &u, NULL)) < 0)
		return rc;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	rc = -ENOMEM;
	if ((e->entity = text_dup(ep)) == NULL ||
	    str_set(&e->display_text, display_text) < 0)
		goto out_free;
	rc = -EEXIST;
	if (cp_roster_ep_find(u, e->entity, NULL) != NULL)
		goto out_free;
	rc = -ENOMEM;
	if ((eps = grow(u->eps, &u->cap_eps, u->n_eps, sizeof(*eps))) == NULL)
		goto out_free;
	u->eps = eps;
	e->status = status;
	e->origin_seq = e->full_seq = e->mod_seq = u->mod_seq = stamp(r);
	u->eps[u->n_eps++] = e;
	presence_update(r, u, false, ep_present(e));
	return 0;
out_free:
	ep_free(e);
	return rc;
}

int
cp_roster_ep_remove(struct cp_roster *r, const char *user, const char *ep)
{
	struct rs_user *u;
	struct rs_ep *e;
	size_t i = 0;
	int rc;

	if (r == NULL)
		return -EINVAL;
	if ((rc = lookup(r, user, ep, &u, &e)) < 0)
		return rc;
	(void)cp_roster_ep_find(u, e->entity, &i);
	presence_update(r, u, ep_present(e), false);
	u->mod_seq = stamp(r);
	tomb_add(r, u->entity, e->entity, e->origin_seq, u->mod_seq);
	memmove(&u->eps[i], &u->eps[i + 1],
		(u->n_eps - i - 1) * sizeof(u->eps[0]));
	u->n_eps--;
	ep_free(e);
	return 0;
}

/* Stamp what a change of status/mute/hold altered in the report. */
static void
ep_report_diff(struct cp_roster *r, struct rs_user *u, struct rs_ep *e,
	       enum cp_roster_ep_status old_status,
	       const enum cp_roster_media_dir *old_dirs)
{
	if (cp_roster_ep_report(e) != old_status)
		ep_stamp(r, u, e, RS_EP_STATUS, false);
	for (size_t i = 0; old_dirs != NULL && i < e->n_media; i++) {
		if (cp_roster_media_report(e, &e->media[i]) != old_dirs[i]) {
			struct rs_media *m = &e->media[i];

			m->field_seq[RS_MEDIA_STATUS] = m->seq = stamp(r);
			e->mod_seq = u->mod_seq = m->seq;
		}
	}
}

int
cp_roster_ep_set_status(struct cp_roster *r, const char *user,
			const char *ep, enum cp_roster_ep_status status)
{
	enum cp_roster_ep_status old;
	struct rs_user *u;
	struct rs_ep *e;
	bool was;
	int rc;

	if (r == NULL || !signalling_status_ok(status))
		return -EINVAL;
	if ((rc = lookup(r, user, ep, &u, &e)) < 0)
		return rc;
	old = cp_roster_ep_report(e);
	was = ep_present(e);
	e->status = status;
	ep_report_diff(r, u, e, old, NULL);
	presence_update(r, u, was, ep_present(e));
	return 0;
}

/* Apply a mute or hold flag change, stamping what the report shows. */
static int
ep_set_flag(struct cp_roster *r, const char *user, const char *ep,
	    bool muted_flag, bool on)
{
	enum cp_roster_media_dir *old_dirs = NULL;
	enum cp_roster_ep_status old;
	struct rs_user *u;
	struct rs_ep *e;
	int rc;

	if (r == NULL)
		return -EINVAL;
	if ((rc = lookup(r, user, ep, &u, &e)) < 0)
		return rc;
	if ((muted_flag ? e->muted : e->held) == on)
		return 0;
	if (e->n_media != 0 &&
	    (old_dirs = malloc(e->n_media * sizeof(*old_dirs))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_media; i++)
		old_dirs[i] = cp_roster_media_report(e, &e->media[i]);
	old = cp_roster_ep_report(e);
	if (muted_flag)
		e->muted = on;
	else
		e->held = on;
	ep_report_diff(r, u, e, old, old_dirs);
	free(old_dirs);
	return 0;
}

int
cp_roster_ep_set_muted(struct cp_roster *r, const char *user, const char *ep,
		       bool muted)
{
	return ep_set_flag(r, user, ep, true, muted);
}

int
cp_roster_ep_set_held(struct cp_roster *r, const char *user, const char *ep,
		      bool held)
{
	return ep_set_flag(r, user, ep, false, held);
}

enum cp_roster_ep_status
cp_roster_ep_status(const struct cp_roster *r, const char *user,
		    const char *ep)
{
	struct rs_user *u;
	struct rs_ep *e;

	if (r == NULL || lookup(r, user, ep, &u, &e) < 0)
		return CP_ROSTER_EP_N_STATUS;
	return cp_roster_ep_report(e);
}

/* Replace *x with in (NULL: absent); stamp field f if it changed. */
static int
ep_exec_update(struct cp_roster *r, struct rs_user *u, struct rs_ep *e,
	       struct rs_exec *x, const struct cp_roster_exec *in,
	       enum rs_ep_field f)
{
	struct rs_exec n;
	bool cleared;

	if (exec_copy(&n, in) < 0)
		return -ENOMEM;
	if (exec_eq(x, &n)) {
		exec_clear(&n);
		return 0;
	}
	cleared = x->present && !n.present;
	exec_clear(x);
	*x = n;
	ep_stamp(r, u, e, f, cleared);
	return 0;
}

/* Joining (disc false) or disconnection method and info. */
static int
ep_set_method(struct cp_roster *r, const char *user, const char *ep,
	      bool disc, unsigned int method,
	      const struct cp_roster_exec *info)
{
	unsigned int old;
	struct rs_user *u;
	struct rs_ep *e;
	int rc;

	if (r == NULL || method >= (disc ? CP_ROSTER_DISC_N : CP_ROSTER_JOIN_N))
		return -EINVAL;
	if ((rc = lookup(r, user, ep, &u, &e)) < 0)
		return rc;
	if (method == 0)	/* JOIN_NONE, DISC_NONE: both elements go */
		info = NULL;
	old = disc ? (unsigned int)e->disc_method : (unsigned int)e->join_method;
	if (old != method) {
		if (disc)
			e->disc_method = (enum cp_roster_disconnection)method;
		else
			e->join_method = (enum cp_roster_joining)method;
		ep_stamp(r, u, e, disc ? RS_EP_DISC_METHOD : RS_EP_JOIN_METHOD,
			 method == 0);
	}
	return ep_exec_update(r, u, e, disc ? &e->disc_info : &e->join_info,
			      info, disc ? RS_EP_DISC_INFO : RS_EP_JOIN_INFO);
}

int
cp_roster_ep_set_joining(struct cp_roster *r, const char *user,
			 const char *ep, enum cp_roster_joining method,
			 const struct cp_roster_exec *info)
{
	return ep_set_method(r, user, ep, false, (unsigned int)method, info);
}

int
cp_roster_ep_set_disconnection(struct cp_roster *r, const char *user,
			       const char *ep,
			       enum cp_roster_disconnection method,
			       const struct cp_roster_exec *info)
{
	return ep_set_method(r, user, ep, true, (unsigned int)method, info);
}

int
cp_roster_ep_set_referred(struct cp_roster *r, const char *user,
			  const char *ep, const struct cp_roster_exec *referred)
{
	struct rs_user *u;
	struct rs_ep *e;
	int rc;

	if (r == NULL)
		return -EINVAL;
	if ((rc = lookup(r, user, ep, &u, &e)) < 0)
		return rc;
	return ep_exec_update(r, u, e, &e->referred, referred, RS_EP_REFERRED);
}

int
cp_roster_ep_set_call_info(struct cp_roster *r, const char *user,
			   const char *ep, const char *call_id,
			   const char *from_tag, const char *to_tag)
{
	char *c = NULL, *f = NULL, *t = NULL;
	struct rs_user *u;
	struct rs_ep *e;
	bool cleared;
	int rc;

	if (r == NULL || (call_id == NULL) != (from_tag == NULL) ||
	    (call_id == NULL) != (to_tag == NULL))
		return -EINVAL;
	if ((rc = lookup(r, user, ep, &u, &e)) < 0)
		return rc;
	if (str_set(&c, call_id) < 0 || str_set(&f, from_tag) < 0 ||
	    str_set(&t, to_tag) < 0) {
		free(c);
		free(f);
		return -ENOMEM;
	}
	if (str_eq(c, e->call_id) && str_eq(f, e->from_tag) &&
	    str_eq(t, e->to_tag)) {
		free(c);
		free(f);
		free(t);
		return 0;
	}
	cleared = e->call_id != NULL && c == NULL;
	free(e->call_id);
	free(e->from_tag);
	free(e->to_tag);
	e->call_id = c;
	e->from_tag = f;
	e->to_tag = t;
	ep_stamp(r, u, e, RS_EP_CALL_INFO, cleared);
	return 0;
}

/* ---- media -------------------------------------------------------------- */

static int
media_copy(struct rs_media *m, const struct cp_roster_media *in)
{
	memset(m, 0, sizeof(*m));
	m->has_src_id = in->has_src_id;
	m->src_id = in->has_src_id ? in->src_id : 0;
	m->dir = in->dir;
	if (str_set(&m->id, in->id) < 0 ||
	    str_set(&m->display_text, in->display_text) < 0 ||
	    str_set(&m->type, in->type) < 0 ||
	    str_set(&m->label, in->label) < 0) {
		media_free(m);
		return -ENOMEM;
	}
	return 0;
}

/* A present sub-element of a went absent in b. */
static bool
media_lost_field(const struct rs_media *a, const struct rs_media *b)
{
	return (a->display_text != NULL && b->display_text == NULL) ||
	       (a->type != NULL && b->type == NULL) ||
	       (a->label != NULL && b->label == NULL) ||
	       (a->has_src_id && !b->has_src_id);
}

/*
 * Stamp in b the sub-elements that differ from a (b inherits a's stamps);
 * a negotiated direction change the report does not show stamps nothing.
 * Returns whether anything was stamped.
 */
static bool
media_stamp_diff(struct cp_roster *r, const struct rs_ep *e,
		 const struct rs_media *a, struct rs_media *b)
{
	bool ch[RS_MEDIA_N_FIELDS] = {
		[RS_MEDIA_DISPLAY] = !str_eq(a->display_text, b->display_text),
		[RS_MEDIA_TYPE] = !str_eq(a->type, b->type),
		[RS_MEDIA_LABEL] = !str_eq(a->label, b->label),
		[RS_MEDIA_SRC_ID] = a->has_src_id != b->has_src_id ||
				    a->src_id != b->src_id,
		[RS_MEDIA_STATUS] = cp_roster_media_report(e, a) !=
				    cp_roster_media_report(e, b),
	};
	uint64_t s = 0;

	b->created_seq = a->created_seq;
	b->seq = a->seq;
	memcpy(b->field_seq, a->field_seq, sizeof(b->field_seq));
	for (size_t f = 0; f < RS_MEDIA_N_FIELDS; f++) {
		if (!ch[f])
			continue;
		if (s == 0)
			s = stamp(r);
		b->field_seq[f] = b->seq = s;
	}
	return s != 0;
}

static struct rs_media *
media_find(const struct rs_ep *e, const char *id, size_t *idx)
{
	for (size_t i = 0; i < e->n_media; i++) {
		if (strcmp(e->media[i].id, id) == 0) {
			if (idx != NULL)
				*idx = i;
			return &e->media[i];
		}
	}
	return NULL;
}

int
cp_roster_media_set(struct cp_roster *r, const char *user, const char *ep,
		    const struct cp_roster_media *m)
{
	struct rs_media n, *old;
	struct rs_user *u;
	struct rs_ep *e;
	int rc;

	if (r == NULL || m == NULL || m->id == NULL || m->id[0] == '\0' ||
	    (unsigned int)m->dir >= CP_ROSTER_MEDIA_N_DIR)
		return -EINVAL;
	if ((rc = lookup(r, user, ep, &u, &e)) < 0)
		return rc;
	if ((rc = media_copy(&n, m)) < 0)
		return rc;
	if ((old = media_find(e, n.id, NULL)) != NULL) {
		bool changed = media_stamp_diff(r, e, old, &n);

		if (changed && media_lost_field(old, &n))
			e->full_seq = n.seq;
		media_free(old);
		*old = n;
		if (!changed)
			return 0;
	} else {
		struct rs_media *a = grow(e->media, &e->cap_media, e->n_media,
					  sizeof(*a));

		if (a == NULL) {
			media_free(&n);
			return -ENOMEM;
		}
		e->media = a;
		n.created_seq = n.seq = stamp(r);
		e->media[e->n_media++] = n;
	}
	e->mod_seq = u->mod_seq = n.seq;
	return 0;
}

int
cp_roster_media_remove(struct cp_roster *r, const char *user, const char *ep,
		       const char *id)
{
	struct rs_media *m;
	struct rs_user *u;
	struct rs_ep *e;
	char *key = NULL;
	size_t i;
	int rc;

	if (r == NULL)
		return -EINVAL;
	if ((rc = lookup(r, user, ep, &u, &e)) < 0)
		return rc;
	if ((rc = key_dup(&key, id)) < 0)
		return rc;
	m = media_find(e, key, &i);
	free(key);
	if (m == NULL)
		return -ENOENT;
	media_free(m);
	memmove(&e->media[i], &e->media[i + 1],
		(e->n_media - i - 1) * sizeof(e->media[0]));
	e->n_media--;
	e->full_seq = e->mod_seq = u->mod_seq = stamp(r);
	return 0;
}

/* ---- journal and names -------------------------------------------------- */

uint64_t
cp_roster_seq(const struct cp_roster *r)
{
	return r->seq;
}

bool
cp_roster_can_diff(const struct cp_roster *r, uint64_t since_seq)
{
	return since_seq >= r->horizon_seq && since_seq <= r->seq;
}

static const char *const status_names[CP_ROSTER_EP_N_STATUS] = {
	[CP_ROSTER_EP_PENDING] = "pending",
	[CP_ROSTER_EP_DIALING_OUT] = "dialing-out",
	[CP_ROSTER_EP_DIALING_IN] = "dialing-in",
	[CP_ROSTER_EP_ALERTING] = "alerting",
	[CP_ROSTER_EP_CONNECTED] = "connected",
	[CP_ROSTER_EP_DISCONNECTING] = "disconnecting",
	[CP_ROSTER_EP_DISCONNECTED] = "disconnected",
	[CP_ROSTER_EP_ON_HOLD] = "on-hold",
	[CP_ROSTER_EP_MUTED_VIA_FOCUS] = "muted-via-focus",
};
static const char *const joining_names[CP_ROSTER_JOIN_N] = {
	[CP_ROSTER_JOIN_DIALED_IN] = "dialed-in",
	[CP_ROSTER_JOIN_DIALED_OUT] = "dialed-out",
	[CP_ROSTER_JOIN_FOCUS_OWNER] = "focus-owner",
};
static const char *const disc_names[CP_ROSTER_DISC_N] = {
	[CP_ROSTER_DISC_DEPARTED] = "departed",
	[CP_ROSTER_DISC_BOOTED] = "booted",
	[CP_ROSTER_DISC_FAILED] = "failed",
	[CP_ROSTER_DISC_BUSY] = "busy",
};
static const char *const dir_names[CP_ROSTER_MEDIA_N_DIR] = {
	[CP_ROSTER_MEDIA_SENDRECV] = "sendrecv",
	[CP_ROSTER_MEDIA_SENDONLY] = "sendonly",
	[CP_ROSTER_MEDIA_RECVONLY] = "recvonly",
	[CP_ROSTER_MEDIA_INACTIVE] = "inactive",
};

/* names[v], NULL past the end (an enum cast from anything). */
static const char *
name_at(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : NULL;
}

const char *
cp_roster_ep_status_name(enum cp_roster_ep_status s)
{
	return name_at(status_names, CP_ROSTER_EP_N_STATUS, s);
}

const char *
cp_roster_joining_name(enum cp_roster_joining m)
{
	return name_at(joining_names, CP_ROSTER_JOIN_N, m);
}

const char *
cp_roster_disconnection_name(enum cp_roster_disconnection m)
{
	return name_at(disc_names, CP_ROSTER_DISC_N, m);
}

const char *
cp_roster_media_dir_name(enum cp_roster_media_dir d)
{
	return name_at(dir_names, CP_ROSTER_MEDIA_N_DIR, d);
}
