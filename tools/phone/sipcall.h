/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipcall.h: the smallest SIP UAC a test phone needs (tools only, not the
 * focus): one call over UDP to a numeric IPv4 address, INVITE with an SDP
 * offer of one G.711 codec, retransmitted on the RFC 3261 timer A schedule
 * until a final answer; ACK; the answer's c= and m= give where to send
 * RTP; a re-INVITE that moves the media; BYE at the end (or a BYE from the
 * far end answered 200).
 */
#ifndef TUTTI_PHONE_SIPCALL_H
#define TUTTI_PHONE_SIPCALL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds (the phones' clock). */
static inline uint64_t
phone_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

struct sipcall {
	int fd;				/* UDP, bound to the phone's address */
	struct sockaddr_in local;	/* SIP address and port */
	struct sockaddr_in focus;	/* where the INVITE goes */
	char uri[128];			/* Request-URI, sip:user@host[:port] */
	char call_id[64], from_tag[24], to_tag[64];
	uint32_t cseq;
	uint32_t sdp_ver;		/* of the last offer (o= line) */
	struct in_addr media;		/* the offer's c= address */
	int status;			/* final answer to the INVITE, 0 = none */
	bool recvonly;			/* set before sipcall_dial(): offer
					 * a=recvonly (a listen-only phone) */
	bool ended;			/* BYE sent and answered, or received */
	char bye_reason[128];		/* a received BYE's Reason, "" none */
};

/*
 * Call uri (sip:user@A.B.C.D[:port]) from local (SIP port: rtp_port + 1
 * unless given) with an offer of payload type pt (0 PCMU, 8 PCMA) on
 * rtp_port, packets of ptime_ms (a=ptime). Waits up to wait_ms for the
 * answer. Returns 0 with *remote the RTP address to send to, or -errno /
 * a SIP status >= 300.
 */
int sipcall_dial(struct sipcall *c, const char *uri,
		 const struct sockaddr_in *local, uint16_t rtp_port,
		 uint8_t pt, unsigned int ptime_ms, struct sockaddr_in *remote,
		 int wait_ms);

/*
 * Move the call's media: a re-INVITE in its dialog offering rtp_port at
 * rtp_addr (NULL: where it is now; and pt, ptime_ms), ACKed. Waits up to
 * wait_ms for the answer. Returns 0 with
 * *remote the RTP address to send to from now on, -ENOTCONN without an
 * established call, or -errno / a SIP status >= 300 (the call goes on as
 * it was).
 */
int sipcall_reinvite(struct sipcall *c, const struct in_addr *rtp_addr,
		     uint16_t rtp_port, uint8_t pt, unsigned int ptime_ms,
		     struct sockaddr_in *remote, int wait_ms);

/* Handle what arrived on c->fd (a BYE: answer 200, ended). */
void sipcall_input(struct sipcall *c);

/*
 * Hang up: BYE, waiting up to wait_ms for its 200. Returns the BYE's final
 * status, 0 if none came or no BYE was due (the call had ended).
 */
int sipcall_hangup(struct sipcall *c, int wait_ms);

#endif /* TUTTI_PHONE_SIPCALL_H */
