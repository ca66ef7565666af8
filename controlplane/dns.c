/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns.c: RFC 3263 §4 server location over c-ares (see dns.h).
 *
 * One resolution goes through up to three steps, each a set of queries
 * answered in any order: NAPTR (when neither port nor transport is
 * given), SRV (one or two names), and the addresses of each SRV target
 * (or of the host itself). A step's queries all answered, the next one
 * starts; the last one's answers, put in the SRV order, are the targets.
 * c-ares's sockets sit in an epoll set of our own, whose descriptor the
 * SIP loop watches.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#define T_A_	 1
#define T_AAAA_	 28
#define T_SRV_	 33
#define T_NAPTR_ 35
#define C_IN_	 1

/* a query's wait, and how often it is sent (to each server in turn) */
#define QUERY_TIMEOUT_MS 1500
#define QUERY_TRIES	 2

struct cp_dns {
	ares_channel ch;
	int ep;
	int family;
	unsigned busy;
	bool closing;
};

/* SRV records of one name, with their transport; then each one's
 * addresses (or the host's own, as one record at 5060 or the port). */
struct srv_set {
	enum cp_dns_tp tp;
	char name[300];
	struct cp_dns_srv rec[CP_DNS_MAX_SRV];
	unsigned n;
	bool answered; /* with records (else: fall back) */
};

struct res {
	struct cp_dns *dns;
	cp_dns_done_fn done;
	void *arg;
	char host[256];
	uint16_t port;
	enum cp_dns_tp tp;
	unsigned pending; /* queries of this step not answered yet */
	struct srv_set set[2];
	unsigned n_set;
	/* the address step: one slot per SRV record of each set */
	struct cp_dns_target out[CP_DNS_MAX_TARGETS];
	struct {
		unsigned n_addr;
		uint8_t addr[CP_DNS_MAX_TARGETS][16];
	} got[2][CP_DNS_MAX_SRV];
	uint32_t ttl;
	bool naptr_asked; /* NAPTR was asked (no port, no transport) */
	bool fallback;	  /* no SRV records: the host's own addresses */
	bool not_found;	  /* the last failure: no such name or records */
	char why[400];
};

/* -- the rules -- */

static int
srv_cmp(const void *a, const void *b)
{
	const struct cp_dns_srv *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	/* weight 0 first within a priority, as RFC 2782 lays them out */
	return (x->weight != 0) - (y->weight != 0);
}

unsigned
cp_dns_srv_order(struct cp_dns_srv *s, unsigned n, uint32_t (*rnd)(void *ctx),
		 void *ctx)
{
	if (n == 1 && strcmp(s[0].target, ".") == 0)
		return 0; /* "decidedly not available" */
	/* a stable sort: insertion, n is small */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && srv_cmp(&s[j - 1], &s[j]) > 0;
		     j--) {
			struct cp_dns_srv t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	/* each priority: pick by running sums of weights, to the front */
	for (unsigned lo = 0; lo < n;) {
		unsigned hi = lo;

		while (hi < n && s[hi].priority == s[lo].priority)
			hi++;
		for (unsigned k = lo; k + 1 < hi; k++) {
			uint64_t sum = 0, pick;
			unsigned j;

			for (j = k; j < hi; j++)
				sum += s[j].weight;
			pick = sum ? rnd(ctx) % (sum + 1) : 0;
			sum = 0;
			for (j = k; j < hi; j++) {
				sum += s[j].weight;
				if (sum >= pick)
					break;
			}
			if (j >= hi)
				j = hi - 1;
			if (j != k) {
				struct cp_dns_srv t = s[j];

				memmove(&s[k + 1], &s[k],
					(j - k) * sizeof(*s));
				s[k] = t;
			}
		}
		lo = hi;
	}
	return n;
}

static int
naptr_cmp(const void *a, const void *b)
{
	const struct cp_dns_naptr *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return 0;
}

unsigned
cp_dns_naptr_pick(struct cp_dns_naptr *r, unsigned n, enum cp_dns_tp want,
		  enum cp_dns_tp *tps)
{
	unsigned k = 0;
	bool have[4] = { false, false, false, false };
	bool tls = want == CP_DNS_TLS;

	qsort(r, n, sizeof(*r), naptr_cmp);
	for (unsigned i = 0; i < n; i++) {
		enum cp_dns_tp tp;

		if (strcasecmp(r[i].flags, "s") != 0 || r[i].replacement[0] == 0)
			continue;
		if (!tls && strcasecmp(r[i].service, "SIP+D2U") == 0)
			tp = CP_DNS_UDP;
		else if (!tls && strcasecmp(r[i].service, "SIP+D2T") == 0)
			tp = CP_DNS_TCP;
		else if (tls && strcasecmp(r[i].service, "SIPS+D2T") == 0)
			tp = CP_DNS_TLS;
		else
			continue;
		if (have[tp])
			continue;
		have[tp] = true;
		tps[k] = tp;
		r[k++] = r[i];
	}
	return k;
}

/* -- c-ares in our loop -- */

static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct cp_dns *dns = data;
	struct epoll_event ev = {
		.events = (readable ? EPOLLIN : 0u) |
			  (writable ? EPOLLOUT : 0u),
		.data.fd = fd,
	};

	if (!readable && !writable) {
		epoll_ctl(dns->ep, EPOLL_CTL_DEL, fd, NULL);
		return;
	}
	if (epoll_ctl(dns->ep, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT)
		epoll_ctl(dns->ep, EPOLL_CTL_ADD, fd, &ev);
}

int
cp_dns_open(struct cp_dns **out, const char *servers, int family, char *err,
	    size_t err_len)
{
	static bool lib_ready;
	struct ares_options o = { 0 };
	struct cp_dns *dns;
	int rc;

	if (!lib_ready) {
		if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
			snprintf(err, err_len, "c-ares: %s", ares_strerror(rc));
			return -ENOMEM;
		}
		lib_ready = true;
	}
	if ((dns = calloc(1, sizeof(*dns))) == NULL) {
		snprintf(err, err_len, "no memory");
		return -ENOMEM;
	}
	dns->family = family;
	if ((dns->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = -errno;
		snprintf(err, err_len, "epoll: %s", strerror(errno));
		free(dns);
		return rc;
	}
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = dns;
	o.timeout = QUERY_TIMEOUT_MS;
	o.tries = QUERY_TRIES;
	rc = ares_init_options(&dns->ch, &o,
			       ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
				       ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		snprintf(err, err_len, "c-ares: %s", ares_strerror(rc));
		close(dns->ep);
		free(dns);
		return -EINVAL;
	}
	if (servers != NULL &&
	    (rc = ares_set_servers_ports_csv(dns->ch, servers)) !=
		    ARES_SUCCESS) {
		snprintf(err, err_len, "DNS servers '%s': %s", servers,
			 ares_strerror(rc));
		cp_dns_close(dns);
		return -EINVAL;
	}
	*out = dns;
	return 0;
}

void
cp_dns_close(struct cp_dns *dns)
{
	if (dns == NULL)
		return;
	dns->closing = true;
	ares_destroy(dns->ch); /* calls back ARES_EDESTRUCTION: freed */
	close(dns->ep);
	free(dns);
}

int
cp_dns_fd(const struct cp_dns *dns)
{
	return dns->ep;
}

unsigned
cp_dns_busy(const struct cp_dns *dns)
{
	return dns->busy;
}

int
cp_dns_next_ms(struct cp_dns *dns)
{
	struct timeval tv, *t;

	if (dns->busy == 0 || (t = ares_timeout(dns->ch, NULL, &tv)) == NULL)
		return -1;
	return (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
}

void
cp_dns_process(struct cp_dns *dns)
{
	struct epoll_event evs[16];
	int n = epoll_wait(dns->ep, evs, 16, 0);

	for (int i = 0; i < n; i++)
		ares_process_fd(dns->ch,
				evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)
					? evs[i].data.fd
					: ARES_SOCKET_BAD,
				evs[i].events & EPOLLOUT ? evs[i].data.fd
							 : ARES_SOCKET_BAD);
	/* and the timeouts */
	ares_process_fd(dns->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* -- one resolution -- */

/* SRV weights' choice: a number from the kernel (resolutions are rare),
 * so that a fleet of focuses does not pick the same target first. */
static uint32_t
rnd32(void *ctx)
{
	uint32_t v;

	(void)ctx;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)random();
	return v;
}

static void step_srv(struct res *r);
static void step_addr(struct res *r);

static void
finish(struct res *r)
{
	struct cp_dns *dns = r->dns;
	unsigned n = 0;

	for (unsigned s = 0; s < r->n_set; s++)
		for (unsigned k = 0; k < r->set[s].n; k++)
			for (unsigned a = 0; a < r->got[s][k].n_addr &&
					     n < CP_DNS_MAX_TARGETS;
			     a++) {
				struct cp_dns_target *t = &r->out[n++];
				const struct cp_dns_srv *rec = &r->set[s].rec[k];

				memset(t, 0, sizeof(*t));
				t->tp = r->set[s].tp;
				snprintf(t->name, sizeof(t->name), "%s",
					 rec->target);
				if (dns->family == AF_INET6) {
					struct sockaddr_in6 *a6 =
						(struct sockaddr_in6 *)&t->addr;

					a6->sin6_family = AF_INET6;
					a6->sin6_port = htons(rec->port);
					memcpy(&a6->sin6_addr,
					       r->got[s][k].addr[a], 16);
				} else {
					struct sockaddr_in *a4 =
						(struct sockaddr_in *)&t->addr;

					a4->sin_family = AF_INET;
					a4->sin_port = htons(rec->port);
					memcpy(&a4->sin_addr,
					       r->got[s][k].addr[a], 4);
				}
			}
	dns->busy--;
	if (!dns->closing) {
		if (n == 0 && r->fallback && r->port == 0 && r->not_found)
			snprintf(r->why, sizeof(r->why),
				 "no %sSRV or %s records for %s",
				 r->naptr_asked ? "NAPTR, " : "",
				 dns->family == AF_INET6 ? "AAAA" : "A",
				 r->host);
		if (n == 0 && r->why[0] == 0)
			snprintf(r->why, sizeof(r->why),
				 "no addresses for %s", r->host);
		r->done(r->arg, n ? 0 : -ENOENT, n ? "" : r->why, r->out, n,
			r->ttl);
	}
	free(r);
}

/* A query's failure, kept as the reason if nothing comes of the rest. */
static void
note_fail(struct res *r, const char *what, const char *name, int status)
{
	if (status == ARES_EDESTRUCTION)
		return;
	r->not_found = status == ARES_ENOTFOUND || status == ARES_ENODATA;
	snprintf(r->why, sizeof(r->why), "%s %s: %s", what, name,
		 status == ARES_ENOTFOUND || status == ARES_ENODATA
			 ? "no such records"
			 : ares_strerror(status));
}

/* the address query of SRV record k of set s */
struct addr_q {
	struct res *r;
	unsigned s, k;
};

/* Address i (len bytes at a) of SRV record k of set s; its TTL counts. */
static void
keep_addr(struct res *r, unsigned s, unsigned k, int i, const void *a,
	  size_t len, int ttl)
{
	memcpy(r->got[s][k].addr[i], a, len);
	if (ttl >= 0 && (uint32_t)ttl < r->ttl)
		r->ttl = (uint32_t)ttl;
}

static void
addr_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct addr_q *q = arg;
	struct res *r = q->r;
	unsigned s = q->s, k = q->k;

	(void)timeouts;
	free(q);
	if (status == ARES_SUCCESS) {
		int n = CP_DNS_MAX_TARGETS;

		if (r->dns->family == AF_INET6) {
			struct ares_addr6ttl t6[CP_DNS_MAX_TARGETS];

			if (ares_parse_aaaa_reply(abuf, alen, NULL, t6, &n) !=
			    ARES_SUCCESS)
				n = 0;
			for (int i = 0; i < n; i++)
				keep_addr(r, s, k, i, &t6[i].ip6addr, 16,
					  t6[i].ttl);
		} else {
			struct ares_addrttl t4[CP_DNS_MAX_TARGETS];

			if (ares_parse_a_reply(abuf, alen, NULL, t4, &n) !=
			    ARES_SUCCESS)
				n = 0;
			for (int i = 0; i < n; i++)
				keep_addr(r, s, k, i, &t4[i].ipaddr, 4,
					  t4[i].ttl);
		}
		r->got[s][k].n_addr = n > 0 ? (unsigned)n : 0;
	} else {
		note_fail(r, r->dns->family == AF_INET6 ? "AAAA" : "A",
			  r->set[s].rec[k].target, status);
	}
	if (--r->pending == 0)
		finish(r);
}

static void
step_addr(struct res *r)
{
	r->ttl = UINT32_MAX;
	/* no SRV records at all: the host itself, at its port or 5060 */
	if (r->n_set == 0 || (r->set[0].n == 0 && r->set[1].n == 0)) {
		r->fallback = true;
		r->n_set = 1;
		r->set[0].tp = r->tp == CP_DNS_ANY ? CP_DNS_UDP : r->tp;
		r->set[0].n = 1;
		r->set[0].rec[0] = (struct cp_dns_srv){
			.port = r->port		      ? r->port
				: r->tp == CP_DNS_TLS ? 5061
						      : 5060,
		};
		snprintf(r->set[0].rec[0].target,
			 sizeof(r->set[0].rec[0].target), "%s", r->host);
	}
	r->pending = 1; /* held until every query is out */
	for (unsigned s = 0; s < r->n_set; s++)
		for (unsigned k = 0; k < r->set[s].n; k++) {
			struct addr_q *q = malloc(sizeof(*q));

			if (q == NULL)
				continue;
			*q = (struct addr_q){ .r = r, .s = s, .k = k };
			r->pending++;
			ares_query(r->dns->ch, r->set[s].rec[k].target, C_IN_,
				   r->dns->family == AF_INET6 ? T_AAAA_ : T_A_,
				   addr_done, q);
		}
	if (--r->pending == 0)
		finish(r);
}

struct srv_q {
	struct res *r;
	unsigned s;
};

static void
srv_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct srv_q *q = arg;
	struct res *r = q->r;
	struct srv_set *set = &r->set[q->s];
	struct ares_srv_reply *rep = NULL;

	(void)timeouts;
	free(q);
	if (status == ARES_SUCCESS &&
	    ares_parse_srv_reply(abuf, alen, &rep) == ARES_SUCCESS) {
		for (struct ares_srv_reply *p = rep;
		     p != NULL && set->n < CP_DNS_MAX_SRV; p = p->next) {
			struct cp_dns_srv *s = &set->rec[set->n++];

			s->priority = p->priority;
			s->weight = p->weight;
			s->port = p->port;
			snprintf(s->target, sizeof(s->target), "%s",
				 p->host[0] ? p->host : ".");
		}
		ares_free_data(rep);
		set->n = cp_dns_srv_order(set->rec, set->n, rnd32, NULL);
	} else {
		note_fail(r, "SRV", set->name, status);
	}
	if (--r->pending == 0 && !r->dns->closing)
		step_addr(r);
	else if (r->pending == 0)
		finish(r);
}

static void
step_srv(struct res *r)
{
	r->pending = 1;
	for (unsigned s = 0; s < r->n_set; s++) {
		struct srv_q *q = malloc(sizeof(*q));

		if (q == NULL)
			continue;
		*q = (struct srv_q){ .r = r, .s = s };
		r->pending++;
		ares_query(r->dns->ch, r->set[s].name, C_IN_, T_SRV_, srv_done,
			   q);
	}
	if (--r->pending == 0)
		step_addr(r);
}

/* the SRV names to ask without NAPTR: as the URI's transport says, or
 * both, UDP first */
static void
srv_default(struct res *r)
{
	r->n_set = 0;
	if (r->tp == CP_DNS_TLS) {
		r->set[r->n_set].tp = CP_DNS_TLS;
		snprintf(r->set[r->n_set++].name, sizeof(r->set[0].name),
			 "_sips._tcp.%s", r->host);
		return;
	}
	if (r->tp != CP_DNS_TCP) {
		r->set[r->n_set].tp = CP_DNS_UDP;
		snprintf(r->set[r->n_set++].name, sizeof(r->set[0].name),
			 "_sip._udp.%s", r->host);
	}
	if (r->tp != CP_DNS_UDP) {
		r->set[r->n_set].tp = CP_DNS_TCP;
		snprintf(r->set[r->n_set++].name, sizeof(r->set[0].name),
			 "_sip._tcp.%s", r->host);
	}
}

static void
naptr_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct res *r = arg;
	struct ares_naptr_reply *rep = NULL;
	struct cp_dns_naptr nr[16];
	enum cp_dns_tp tps[16];
	unsigned n = 0;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || r->dns->closing) {
		finish(r);
		return;
	}
	if (status == ARES_SUCCESS &&
	    ares_parse_naptr_reply(abuf, alen, &rep) == ARES_SUCCESS) {
		for (struct ares_naptr_reply *p = rep; p != NULL && n < 16;
		     p = p->next) {
			nr[n].order = p->order;
			nr[n].preference = p->preference;
			snprintf(nr[n].flags, sizeof(nr[n].flags), "%s",
				 (const char *)p->flags);
			snprintf(nr[n].service, sizeof(nr[n].service), "%s",
				 (const char *)p->service);
			snprintf(nr[n].replacement,
				 sizeof(nr[n].replacement), "%s",
				 p->replacement);
			n++;
		}
		ares_free_data(rep);
	}
	n = cp_dns_naptr_pick(nr, n, r->tp, tps);
	if (n == 0) {
		srv_default(r);
	} else {
		r->n_set = n > 2 ? 2 : n;
		for (unsigned i = 0; i < r->n_set; i++) {
			r->set[i].tp = tps[i];
			snprintf(r->set[i].name, sizeof(r->set[i].name), "%s",
				 nr[i].replacement);
		}
	}
	step_srv(r);
}

int
cp_dns_resolve_sip(struct cp_dns *dns, const char *host, uint16_t port,
		   enum cp_dns_tp tp, cp_dns_done_fn done, void *arg)
{
	struct res *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	r->dns = dns;
	r->done = done;
	r->arg = arg;
	snprintf(r->host, sizeof(r->host), "%s", host);
	r->port = port;
	r->tp = tp;
	dns->busy++;
	if (port != 0) {
		r->n_set = 0; /* the host's addresses */
		step_addr(r);
	} else if (tp != CP_DNS_ANY && tp != CP_DNS_TLS) {
		srv_default(r);
		step_srv(r);
	} else { /* (a sips: URI's NAPTR may name its own SRV) */
		r->naptr_asked = true;
		ares_query(dns->ch, host, C_IN_, T_NAPTR_, naptr_done, r);
	}
	return 0;
}
