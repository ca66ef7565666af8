/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipcall.c: a minimal SIP UAC over UDP for tutti-phone (see sipcall.h).
 */
#include "sipcall.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define T1_MS	500

/* n - 1 random hex digits and a NUL: Call-IDs, tags and branches, which
 * must differ between the calls a process (or several) makes in the same
 * millisecond, so from the kernel's generator, not rand() seeded by the
 * clock (two participants dialling 2 ms apart got the same seed, and the
 * focus took the second INVITE for the first one's retransmission). */
static void
rnd_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[64];
	size_t k = n - 1 < sizeof(r) ? n - 1 : sizeof(r);

	if (getrandom(r, k, 0) != (ssize_t)k)
		for (size_t i = 0; i < k; i++)
			r[i] = (uint8_t)rand();
	for (size_t i = 0; i < k; i++)
		out[i] = hex[r[i] & 15];
	out[k] = '\0';
}

/* The value of header name (case-insensitive, at a line start) in msg. */
static int
header(const char *msg, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);

	for (const char *p = msg; p != NULL && *p != '\0';
	     p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
		if (p[0] == '\r' && p[1] == '\n')
			break;	/* end of headers */
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e = strstr(v, "\r\n");
			size_t n;

			while (*v == ' ')
				v++;
			n = e ? (size_t)(e - v) : strlen(v);
			if (n >= len)
				n = len - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

static int
send_msg(struct sipcall *c, const char *msg)
{
	return sendto(c->fd, msg, strlen(msg), 0,
		      (const struct sockaddr *)&c->focus,
		      sizeof(c->focus)) < 0 ? -errno : 0;
}

static void
request(struct sipcall *c, char *buf, size_t len, const char *method,
	const char *branch, uint32_t cseq, const char *ctype,
	const char *body)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->local.sin_addr, ip, sizeof(ip));
	snprintf(buf, len,
		 "%s %s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%s;rport\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:phone@%s:%u>;tag=%s\r\n"
		 "To: <%s>%s%s\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %u %s\r\n"
		 "Contact: <sip:phone@%s:%u>\r\n"
		 "User-Agent: tutti-phone\r\n"
		 "%s%s%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 method, c->uri, ip, ntohs(c->local.sin_port), branch, ip,
		 ntohs(c->local.sin_port), c->from_tag, c->uri,
		 c->to_tag[0] ? ";tag=" : "", c->to_tag, c->call_id, cseq,
		 method, ip, ntohs(c->local.sin_port),
		 ctype ? "Content-Type: " : "", ctype ? ctype : "",
		 ctype ? "\r\n" : "", body ? strlen(body) : 0,
		 body ? body : "");
}

/* Wait for a response to cseq/method, resending msg on timer A; its
 * status, or 0 on timeout. The response is left in resp. */
static int
transact(struct sipcall *c, const char *msg, const char *method, uint32_t cseq,
	 char *resp, size_t len, int wait_ms)
{
	uint64_t end = phone_now_ms() + (uint64_t)wait_ms, next = 0;
	uint32_t t = T1_MS;
	char want[64];

	snprintf(want, sizeof(want), "%u %s", cseq, method);
	while (phone_now_ms() < end) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		char cs[64];
		ssize_t n;
		int code;

		if (phone_now_ms() >= next) {
			send_msg(c, msg);
			next = phone_now_ms() + t;
			t = t * 2 > 4000 ? 4000 : t * 2;
		}
		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recv(c->fd, resp, len - 1, 0);
		if (n <= 0)
			continue;
		resp[n] = '\0';
		if (sscanf(resp, "SIP/2.0 %d", &code) != 1 ||
		    header(resp, "CSeq", cs, sizeof(cs)) < 0 ||
		    strcmp(cs, want) != 0)
			continue;	/* a request, or another transaction */
		if (code >= 200)
			return code;
		next = end;	/* provisional: stop resending */
	}
	return 0;
}

/* The SDP offer of c: payload type pt on rtp_port at c->media, a=ptime;
 * its o= line's version goes up with each offer (RFC 3264 section 8). */
static void
offer(struct sipcall *c, char *sdp, size_t len, uint16_t rtp_port, uint8_t pt,
      unsigned int ptime_ms)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->media, ip, sizeof(ip));
	snprintf(sdp, len,
		 "v=0\r\no=phone 1 %u IN IP4 %s\r\ns=tutti-phone\r\n"
		 "c=IN IP4 %s\r\nt=0 0\r\nm=audio %u RTP/AVP %u\r\n"
		 "a=rtpmap:%u %s/8000\r\na=ptime:%u\r\na=%s\r\n",
		 ++c->sdp_ver, ip, ip, rtp_port, pt, pt,
		 pt == 8 ? "PCMA" : "PCMU", ptime_ms,
		 c->recvonly ? "recvonly" : "sendrecv");
}

/* Where the answer in resp says to send RTP (its c= and m=). */
static int
answer_remote(const char *resp, struct sockaddr_in *remote)
{
	const char *body = strstr(resp, "\r\n\r\n"), *m, *cl;
	unsigned int rport;
	char host[64];

	if (body == NULL || (cl = strstr(body, "c=IN IP4 ")) == NULL ||
	    (m = strstr(body, "m=audio ")) == NULL ||
	    sscanf(cl + 9, "%63[0-9.]", host) != 1 ||
	    sscanf(m + 8, "%u", &rport) != 1)
		return -EPROTO;
	memset(remote, 0, sizeof(*remote));
	remote->sin_family = AF_INET;
	remote->sin_port = htons((uint16_t)rport);
	return inet_pton(AF_INET, host, &remote->sin_addr) == 1 ? 0 : -EPROTO;
}

int
sipcall_dial(struct sipcall *c, const char *uri,
	     const struct sockaddr_in *local, uint16_t rtp_port, uint8_t pt,
	     unsigned int ptime_ms, struct sockaddr_in *remote, int wait_ms)
{
	char host[64], sdp[512], msg[2048], branch[24];
	static char resp[8192];
	const char *at;
	unsigned int port = 5060;
	char to[256];
	int code;

	bool recvonly = c->recvonly;

	memset(c, 0, sizeof(*c));
	c->recvonly = recvonly;
	if (strncmp(uri, "sip:", 4) != 0 || (at = strchr(uri, '@')) == NULL ||
	    strlen(uri) >= sizeof(c->uri) ||
	    sscanf(at + 1, "%63[0-9.]:%u", host, &port) < 1)
		return -EINVAL;
	snprintf(c->uri, sizeof(c->uri), "%s", uri);
	c->focus.sin_family = AF_INET;
	c->focus.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &c->focus.sin_addr) != 1)
		return -EINVAL;
	c->local = *local;
	c->media = local->sin_addr;
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0 || bind(c->fd, (const struct sockaddr *)&c->local,
			      sizeof(c->local)) != 0)
		return -errno;
	rnd_hex(c->call_id, 25);
	rnd_hex(c->from_tag, 13);
	offer(c, sdp, sizeof(sdp), rtp_port, pt, ptime_ms);
	rnd_hex(branch, 17);
	c->cseq = 1;
	request(c, msg, sizeof(msg), "INVITE", branch, 1, "application/sdp",
		sdp);
	code = transact(c, msg, "INVITE", 1, resp, sizeof(resp), wait_ms);
	c->status = code;
	if (code == 0)
		return -ETIMEDOUT;
	/* the To tag of the answer, for the ACK and the dialog */
	if (header(resp, "To", to, sizeof(to)) == 0 &&
	    (at = strstr(to, "tag=")) != NULL)
		sscanf(at + 4, "%63[^;> ]", c->to_tag);
	if (code >= 300) {
		/* ACK for a non-2xx: same branch as the INVITE */
		request(c, msg, sizeof(msg), "ACK", branch, 1, NULL, NULL);
		send_msg(c, msg);
		return code;
	}
	rnd_hex(branch, 17);
	request(c, msg, sizeof(msg), "ACK", branch, 1, NULL, NULL);
	send_msg(c, msg);
	return answer_remote(resp, remote);
}

int
sipcall_reinvite(struct sipcall *c, const struct in_addr *rtp_addr,
		 uint16_t rtp_port, uint8_t pt, unsigned int ptime_ms,
		 struct sockaddr_in *remote, int wait_ms)
{
	char sdp[512], msg[2048], branch[24];
	static char resp[8192];
	struct in_addr was = c->media;
	int code;

	if (c->fd <= 0 || c->ended || c->status < 200 || c->status >= 300)
		return -ENOTCONN;
	if (rtp_addr != NULL)
		c->media = *rtp_addr;
	offer(c, sdp, sizeof(sdp), rtp_port, pt, ptime_ms);
	rnd_hex(branch, 17);
	request(c, msg, sizeof(msg), "INVITE", branch, ++c->cseq,
		"application/sdp", sdp);
	code = transact(c, msg, "INVITE", c->cseq, resp, sizeof(resp),
			wait_ms);
	if (code == 0 || code >= 300)
		c->media = was;		/* the offer was not taken */
	if (code == 0)
		return -ETIMEDOUT;
	if (code < 300)	/* a 2xx's ACK is a transaction of its own */
		rnd_hex(branch, 17);
	request(c, msg, sizeof(msg), "ACK", branch, c->cseq, NULL, NULL);
	send_msg(c, msg);
	return code >= 300 ? code : answer_remote(resp, remote);
}

void
sipcall_input(struct sipcall *c)
{
	char buf[4096], via[256], from[256], to[256], cid[128], cs[64],
	     resp[2048];
	ssize_t n;

	while ((n = recv(c->fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		if (strncmp(buf, "BYE ", 4) != 0)
			continue;	/* retransmitted 200s and the like */
		if (header(buf, "Via", via, sizeof(via)) < 0 ||
		    header(buf, "From", from, sizeof(from)) < 0 ||
		    header(buf, "To", to, sizeof(to)) < 0 ||
		    header(buf, "Call-ID", cid, sizeof(cid)) < 0 ||
		    header(buf, "CSeq", cs, sizeof(cs)) < 0)
			continue;
		snprintf(resp, sizeof(resp), "SIP/2.0 200 OK\r\nVia: %s\r\n"
			 "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
			 "Content-Length: 0\r\n\r\n", via, from, to, cid, cs);
		send_msg(c, resp);
		if (header(buf, "Reason", c->bye_reason,
			   sizeof(c->bye_reason)) < 0)
			c->bye_reason[0] = '\0';	/* RFC 3326: none */
		c->ended = true;
	}
}

int
sipcall_hangup(struct sipcall *c, int wait_ms)
{
	char msg[2048], branch[24];
	static char resp[8192];
	int code = 0;

	if (c->fd <= 0)
		return 0;
	if (!c->ended && c->status >= 200 && c->status < 300) {
		rnd_hex(branch, 17);
		request(c, msg, sizeof(msg), "BYE", branch, ++c->cseq, NULL,
			NULL);
		code = transact(c, msg, "BYE", c->cseq, resp, sizeof(resp),
				wait_ms);
		c->ended = true;
	}
	close(c->fd);
	c->fd = -1;
	return code;
}
