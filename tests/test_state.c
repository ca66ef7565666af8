/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_state.c: tutti-cp's state file (controlplane/state.c): what is
 * written reads back the same, values with spaces, '%' and UTF-8 survive,
 * records and fields of a newer tutti-cp are skipped and counted, and a
 * file of another version, a truncated or corrupt one is refused with
 * FILE:LINE: reason and leaves nothing behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "check_main.h"
#include "proc.h"
#include "state.h"

static char path[64];

static void
setup(void)
{
	char tmp[80];

	snprintf(path, sizeof(path), "/tmp/test_state-%d", (int)getpid());
	/* teardown() does not run after a failed check: the reaper then
	 * removes the file, and the writer's temporary one */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	proc_unlink_at_exit(path);
	proc_unlink_at_exit(tmp);
}

static void
teardown(void)
{
	unlink(path);
}

static void
sample(struct cp_state *st)
{
	struct cp_state_conf *c;
	struct cp_state_part *p;
	struct cp_state_dial *d;

	memset(st, 0, sizeof(*st));
	st->dp_generation = 0x8d2c00000000beefULL;
	st->drained = 0x8000000000000005ULL;	/* workers 0, 2 and 63 */
	c = cp_state_add_conf(st);
	ck_assert_ptr_nonnull(c);
	snprintf(c->name, sizeof(c->name), "conf-00112233aabbccdd");
	snprintf(c->uri, sizeof(c->uri), "sip:%s@198.18.0.1", c->name);
	c->conf_id = 7;
	c->worker = 1;
	c->adhoc = true;
	c->on_dp = true;
	c->creator_asserted = true;
	snprintf(c->creator, sizeof(c->creator), "sip:alice@198.18.0.1");
	d = cp_state_add_dial(st);
	ck_assert_ptr_nonnull(d);
	snprintf(d->conf, sizeof(d->conf), "%s", c->name);
	snprintf(d->uri, sizeof(d->uri), "sip:bob@198.18.0.1:5070;x=a%%20b");
	p = cp_state_add_part(st);
	ck_assert_ptr_nonnull(p);
	snprintf(p->conf, sizeof(p->conf), "%s", c->name);
	p->leg_id = p->leg.leg_id = 42;
	p->port = 20084;
	snprintf(p->from, sizeof(p->from), "sip:alice@198.18.0.1:5062");
	snprintf(p->display, sizeof(p->display), "Ålice 100%% =x");
	p->moderator = true;
	p->pin_pending = true;
	p->anon = true;
	p->asserted = true;
	p->op_flags = SHM_LEG_MUTE;
	p->sdp_id = 123456789012345ULL;
	p->sdp_version = 3;
	p->sdp_hash = 0xfedcba9876543210ULL;
	p->srtp_suite = SHM_SRTP_AES_CM_128_HMAC_SHA1_32;
	for (int i = 0; i < SHM_SRTP_KEY_BYTES; i++) {
		p->srtp_key[i] = (uint8_t)(i + 1);
		p->srtp_rx_key[i] = (uint8_t)(0xf0 - i);
	}
	p->leg.ssrc = 0xdeadbeef;
	p->leg.codec = SHM_CODEC_L16;
	p->leg.pt = 96;
	p->leg.dtmf_pt = 101;
	p->leg.rate_hz = 16000;
	p->leg.ptime_ms = 20;
	p->leg.dir = SHM_DIR_RECVONLY;
	p->leg.addr[10] = p->leg.addr[11] = 0xff;
	inet_pton(AF_INET, "198.18.0.1", p->leg.addr + 12);
	p->leg.remote_port = htons(41000);
	p->leg.local_port = htons(20084);
	inet_pton(AF_INET, "198.18.0.3", p->leg.local_addr);
	p->leg.flags = SHM_LEG_MUTE | SHM_LEG_LATCH;
	p->leg.gain_db_q8 = -768;
	p->leg.timeout_ms = 30000;
	snprintf(p->dlg.call_id, sizeof(p->dlg.call_id), "a84b4c76e66710@x");
	snprintf(p->dlg.local_tag, sizeof(p->dlg.local_tag), "f0c8a2e1");
	snprintf(p->dlg.remote_tag, sizeof(p->dlg.remote_tag), "1928301774");
	snprintf(p->dlg.local_uri, sizeof(p->dlg.local_uri),
		 "<sip:conf@198.18.0.1>;tag=f0c8a2e1");
	snprintf(p->dlg.remote_uri, sizeof(p->dlg.remote_uri),
		 "\"Ålice 100%% =x\" "
		 "<sip:alice@198.18.0.1:5062>;tag=1928301774");
	snprintf(p->dlg.remote_display, sizeof(p->dlg.remote_display), "%s",
		 p->display);
	snprintf(p->dlg.remote_target, sizeof(p->dlg.remote_target),
		 "sip:alice@198.18.0.1:5062;transport=udp");
	snprintf(p->dlg.route_set, sizeof(p->dlg.route_set),
		 "<sip:p1.example;lr>, <sip:p2.example;lr>");
	p->dlg.local_cseq = 1;
	p->dlg.remote_cseq = 102;
	p->dlg.se_s = 1800; /* its session timer, refreshed by UPDATE */
	p->dlg.se_refresh = true;
	p->dlg.se_update = true;
	snprintf(p->dlg.peer, sizeof(p->dlg.peer), "198.18.0.1:5062");
	snprintf(p->dlg.contact_user, sizeof(p->dlg.contact_user), "%s",
		 c->name);
	/* our SDP, for a refresh by re-INVITE: CRLFs, spaces, a % */
	p->dlg.local_sdp = strdup("v=0\r\no=tutti 1 3 IN IP4 198.18.0.3\r\n"
				  "s=tutti\r\nc=IN IP4 198.18.0.3\r\nt=0 0\r\n"
				  "m=audio 20084 RTP/AVP 96 101\r\n"
				  "a=rtpmap:96 L16/16000\r\n"
				  "a=x-note:100%\r\n");
	ck_assert_ptr_nonnull(p->dlg.local_sdp);
}

static void
write_text(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* b, read back, holds what sample() put in a. */
static void
same_as_sample(const struct cp_state *b, const struct cp_state *a)
{
	struct cp_state_part pa, pb;

	ck_assert_uint_eq(b->dp_generation, a->dp_generation);
	ck_assert_uint_eq(b->drained, a->drained);
	ck_assert_uint_eq(b->n_confs, 1);
	ck_assert_uint_eq(b->n_parts, 1);
	ck_assert_uint_eq(b->n_dials, 1);
	ck_assert_mem_eq(&b->dials[0], &a->dials[0], sizeof(a->dials[0]));
	ck_assert_mem_eq(&b->confs[0], &a->confs[0], sizeof(a->confs[0]));
	ck_assert_str_eq(b->parts[0].display, a->parts[0].display);
	ck_assert_str_eq(b->parts[0].dlg.remote_uri,
			 a->parts[0].dlg.remote_uri);
	/* the one field on the heap: the same text, another copy */
	pa = a->parts[0];
	pb = b->parts[0];
	if (pa.dlg.local_sdp == NULL) {
		ck_assert_ptr_null(pb.dlg.local_sdp);
	} else {
		ck_assert_ptr_nonnull(pb.dlg.local_sdp);
		ck_assert_str_eq(pb.dlg.local_sdp, pa.dlg.local_sdp);
	}
	pa.dlg.local_sdp = pb.dlg.local_sdp = NULL;
	ck_assert_mem_eq(&pb, &pa, sizeof(pa));
}

/* a (sample()'s, changed) written has no field of name: it reads back
 * whole, nothing skipped. a is cleared. */
static void
none_written(struct cp_state *a, const char *name)
{
	struct cp_state b;
	char err[256] = "", text[8192];

	ck_assert_int_eq(cp_state_write(path, a, err, sizeof(err)), 0);
	test_read_file(path, text, sizeof(text));
	ck_assert_msg(strstr(text, name) == NULL, "%s", text);
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.skipped, 0);
	same_as_sample(&b, a);
	cp_state_clear(a);
	cp_state_clear(&b);
}

START_TEST(test_state_round_trip)
{
	struct cp_state a, b;
	char err[256] = "";

	sample(&a);
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), 0);
	same_as_sample(&b, &a);
	cp_state_clear(&a);
	cp_state_clear(&b);
	/* no temporary file left behind */
	snprintf(err, sizeof(err), "%s.tmp", path);
	ck_assert_int_ne(access(err, F_OK), 0);
}
END_TEST

/* The SDP the focus keeps for a refresh by re-INVITE is one field on the
 * part's line, escaped; a dialog without one (the peer refreshes, or no
 * session timer) writes no field, and a file without it (from before it
 * was kept) reads as none, nothing skipped. */
START_TEST(test_state_local_sdp_is_optional)
{
	struct cp_state a;
	char err[256] = "", text[8192];

	sample(&a);
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	test_read_file(path, text, sizeof(text));
	ck_assert_msg(strstr(text, " local_sdp=v=0%0D%0Ao=tutti%201%203%20IN"
				   "%20IP4%20198.18.0.3%0D%0A") != NULL &&
		      strstr(text, "a=x-note:100%25%0D%0A\n") != NULL,
		      "%s", text);
	free(a.parts[0].dlg.local_sdp);
	a.parts[0].dlg.local_sdp = NULL;
	none_written(&a, "local_sdp");
}
END_TEST

/*
 * An SRTP leg's suite and keys are three fields, the keys in hex; a plain
 * one writes none, and a file without them (from before) reads as plain,
 * nothing skipped. A key not of 60 hex digits, a suite not known: the
 * file is refused, saying which field and why.
 */
START_TEST(test_state_srtp_keys)
{
	static const struct {
		const char *from, *to, *why;
	} bad_srtp[] = {
		{ " srtp_key=0102", " srtp_key=0X02", "srtp_key: expected hex "
		  "digits, two a byte" },
		{ " srtp_rx_key=f0ef", " srtp_rx_key=f0e", "srtp_rx_key: "
		  "expected hex digits, two a byte" },
		{ "srtp_suite=AES_CM_128_HMAC_SHA1_32",
		  "srtp_suite=AES_256_CM_HMAC_SHA1_80",
		  "srtp_suite: unknown SRTP suite" },
	};
	struct cp_state a, b;
	char err[512] = "", text[8192], out[8192];
	const char *at;

	sample(&a);
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	test_read_file(path, text, sizeof(text));
	ck_assert_msg(strstr(text, " srtp_suite=AES_CM_128_HMAC_SHA1_32 "
			     "srtp_key=0102030405060708090a0b0c0d0e0f10111213"
			     "1415161718191a1b1c1d1e srtp_rx_key=f0efeeedecebea"
			     "e9e8e7e6e5e4e3e2e1e0dfdedddcdbdad9d8d7d6d5d4d3 ")
		      != NULL, "%s", text);
	for (size_t i = 0; i < sizeof(bad_srtp) / sizeof(bad_srtp[0]); i++) {
		at = strstr(text, bad_srtp[i].from);
		ck_assert_ptr_nonnull(at);
		snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text,
			 bad_srtp[i].to, at + strlen(bad_srtp[i].from));
		write_text(out);
		ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)),
				 -EPROTO);
		ck_assert_msg(strstr(err, bad_srtp[i].why) != NULL, "%s", err);
	}
	a.parts[0].srtp_suite = SHM_SRTP_NONE;
	memset(a.parts[0].srtp_key, 0, SHM_SRTP_KEY_BYTES);
	memset(a.parts[0].srtp_rx_key, 0, SHM_SRTP_KEY_BYTES);
	none_written(&a, "srtp");
}
END_TEST

/* With no worker drained there is no drain record, and with no dial-out
 * waiting no dial record: the file reads as one written before the
 * records were added, and one of those reads as none drained and none
 * waiting. */
START_TEST(test_state_no_drain_record)
{
	struct cp_state a = { .dp_generation = 0x1 }, b;
	char err[256] = "", text[256];

	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	test_read_file(path, text, sizeof(text));
	ck_assert_msg(strstr(text, "drain") == NULL, "%s", text);
	ck_assert_msg(strstr(text, "\ndial ") == NULL, "%s", text);
	write_text("tutti-cp-state 1\ndp generation=0x1\n"
		   "end confs=0 parts=0\n");
	b.drained = 1;
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.drained, 0);
	ck_assert_uint_eq(b.n_dials, 0);
}
END_TEST

/*
 * What a newer tutti-cp may add, a record and fields this one does not
 * know, is skipped and counted, and the rest reads as written: a downgrade
 * keeps the calls. What this one knows is still checked (the table
 * below).
 */
START_TEST(test_state_skips_what_it_does_not_know)
{
	struct cp_state a, b;
	char err[256] = "", text[8192], *out, *at;
	size_t n;

	sample(&a);
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	n = test_read_file(path, text, sizeof(text));
	out = malloc(n + 256);
	ck_assert_ptr_nonnull(out);
	/* line 3 (after the version and dp lines): a record of its own;
	 * a field at the end of the conf record and one amid the part's */
	at = strchr(strchr(text, '\n') + 1, '\n') + 1;
	snprintf(out, n + 256, "%.*smcu id=3 x=%%20\n%s", (int)(at - text),
		 text, at);
	at = strstr(out, "\nconf ");
	ck_assert_ptr_nonnull(at);
	at = strchr(at + 1, '\n');
	memmove(at + 10, at, strlen(at) + 1);
	memcpy(at, " colour=1 ", 10);
	at = strstr(out, "\npart ");
	ck_assert_ptr_nonnull(at);
	at = strchr(at + 1, ' ');
	memmove(at + 9, at, strlen(at) + 1);
	memcpy(at, " srtp=on ", 9);
	write_text(out);
	free(out);
	ck_assert_msg(cp_state_read(path, &b, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(b.skipped, 3);
	ck_assert_uint_eq(b.skipped_line, 3);
	ck_assert_str_eq(b.skipped_what, "record 'mcu'");
	same_as_sample(&b, &a);
	cp_state_clear(&b);
	/* the first skipped is a field: its record is named */
	write_text("tutti-cp-state 1\ndp generation=0x1 epoch=4\n"
		   "end confs=0 parts=0\n");
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.skipped, 1);
	ck_assert_uint_eq(b.skipped_line, 2);
	ck_assert_str_eq(b.skipped_what, "field 'epoch' of a dp record");
	ck_assert_uint_eq(b.dp_generation, 1);
	/* what this tutti-cp writes it knows all of */
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.skipped, 0);
	cp_state_clear(&a);
	cp_state_clear(&b);
}
END_TEST

/* The line's fields after its record type, in the opposite order. */
static void
reverse_fields(char *line, size_t len)
{
	char *tok[64], *copy = strndup(line, len), *out = malloc(len + 1);
	char *save = NULL, *t;
	size_t n = 0, off;

	ck_assert_ptr_nonnull(copy);
	ck_assert_ptr_nonnull(out);
	for (t = strtok_r(copy, " ", &save); t != NULL && n < 64;
	     t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	ck_assert_uint_gt(n, 2);
	off = (size_t)snprintf(out, len + 1, "%s", tok[0]);
	for (size_t i = n; i-- > 1;)
		off += (size_t)snprintf(out + off, len + 1 - off, " %s", tok[i]);
	ck_assert_uint_eq(off, len);
	memcpy(line, out, len);	/* the newline after it stays */
	free(out);
	free(copy);
}

/* The fields of a record may come in any order (the reader looks for
 * each from where the last was: the writer's order is only the usual
 * one): every conf and part record's reversed reads as written. */
START_TEST(test_state_fields_in_any_order)
{
	struct cp_state a, b;
	char err[256] = "", text[8192];
	unsigned int n_rev = 0;

	sample(&a);
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	test_read_file(path, text, sizeof(text));
	for (char *l = text; *l != '\0';) {
		char *e = strchr(l, '\n');

		ck_assert_ptr_nonnull(e);
		if (strncmp(l, "conf ", 5) == 0 || strncmp(l, "part ", 5) == 0) {
			reverse_fields(l, (size_t)(e - l));
			n_rev++;
		}
		l = e + 1;
	}
	ck_assert_uint_eq(n_rev, 2);
	write_text(text);
	ck_assert_msg(cp_state_read(path, &b, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(b.skipped, 0);
	same_as_sample(&b, &a);
	cp_state_clear(&a);
	cp_state_clear(&b);
}
END_TEST

/*
 * A part's local_addr came after the first files: one without it (from a
 * tutti-cp of one media address) reads as 0.0.0.0, tutti-dp's first
 * address, and nothing is skipped; one that is not A.B.C.D is refused.
 */
START_TEST(test_state_local_addr_is_optional)
{
	struct cp_state a, b;
	char err[512] = "", text[8192], *at;
	const char *field = " local_addr=198.18.0.3";

	sample(&a);
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	test_read_file(path, text, sizeof(text));
	at = strstr(text, field);
	ck_assert_ptr_nonnull(at);
	memmove(at, at + strlen(field), strlen(at + strlen(field)) + 1);
	write_text(text);
	ck_assert_msg(cp_state_read(path, &b, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(b.skipped, 0);
	memset(a.parts[0].leg.local_addr, 0, 4);
	same_as_sample(&b, &a);
	cp_state_clear(&b);
	memmove(at + strlen(field), at, strlen(at) + 1);
	memcpy(at, " local_addr=198.18.0.x", strlen(field));
	write_text(text);
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), -EPROTO);
	ck_assert_msg(strstr(err, ": local_addr: expected A.B.C.D") != NULL,
		      "%s", err);
	cp_state_clear(&a);
}
END_TEST

START_TEST(test_state_missing_file_is_enoent)
{
	struct cp_state st;
	char err[256];

	ck_assert_int_eq(cp_state_read(path, &st, err, sizeof(err)), -ENOENT);
	ck_assert_uint_eq(st.n_parts, 0);
}
END_TEST

/* Refused files: what they hold, and the FILE:LINE: reason expected. */
static const struct {
	const char *text;
	const char *why; /* after "PATH" */
} bad[] = {
	{ "tutti-cp-state 2\ndp generation=0x1\nend confs=0 parts=0\n",
	  ":1: version 2; this tutti-cp reads version 1" },
	{ "hello\n", ":1: not a tutti-cp state file" },
	{ "tutti-cp-state 1x\n", ":1: not a tutti-cp state file" },
	{ "", ":1: empty file" },
	{ "tutti-cp-state 1\ndp generation=0x1\n"
	  "conf name=demo uri=x id=1 worker=0 adhoc=0 locked=0 on_dp=1 "
	  "creator=\n",
	  ":4: no end line (truncated?)" },
	{ "tutti-cp-state 1\n# c\ndp generation=0x1\n"
	  "conf name=demo uri=x id=1 worker=0 adhoc=0 locked=0 on_dp=1 "
	  "creator= colour\nend confs=1 parts=0\n",
	  ":4: 'colour' is not key=value" },
	{ "tutti-cp-state 1\ndp generation=0x1\nConf name=demo\n"
	  "end confs=0 parts=0\n",
	  ":3: 'Conf' is not a record" },
	{ "tutti-cp-state 1\ndp generation=0x1\n name=demo\n"
	  "end confs=0 parts=0\n",
	  ":3: '' is not a record" },
	{ "tutti-cp-state 1\ndp generation=0x1\nconf\n"
	  "end confs=0 parts=0\n",
	  ":3: 'conf' record without fields" },
	{ "tutti-cp-state 1\ndp generation=0x1\ndp generation=0x2\n"
	  "end confs=0 parts=0\n",
	  ":3: a second dp record" },
	{ "tutti-cp-state 1\ndp generation=0x1\n"
	  "conf name=demo uri=x id=1 worker=0 adhoc=2 locked=0 on_dp=1 "
	  "creator=\nend confs=1 parts=0\n",
	  ":3: adhoc: expected 0 or 1" },
	{ "tutti-cp-state 1\ndp generation=0x1\n"
	  "conf name=demo uri=x id=1 worker=0 adhoc=0 locked=0 on_dp=1\n"
	  "end confs=1 parts=0\n",
	  ":3: field 'creator' missing" },
	{ "tutti-cp-state 1\ndp generation=0x1\n"
	  "conf name=demo uri=x id=1 worker=0 adhoc=0 locked=0 on_dp=1 "
	  "creator=\nend confs=2 parts=0\n",
	  ":4: the end line does not count" },
	{ "tutti-cp-state 1\ndp generation=0x1\nend confs=0 parts=0\nx\n",
	  ":4: text after the end line" },
	{ "tutti-cp-state 1\ndp generation=0x1\n"
	  "conf name=de%2 uri=x id=1 worker=0 adhoc=0 locked=0 on_dp=1 "
	  "creator=\nend confs=1 parts=0\n",
	  ":3: name: bad %-escape" },
	{ "tutti-cp-state 1\ndp generation=0x1\ndrain workers=0x1\n"
	  "drain workers=0x2\nend confs=0 parts=0\n",
	  ":4: a second drain record" },
	{ "tutti-cp-state 1\ndp generation=0x1\ndrain workers=5\n"
	  "end confs=0 parts=0\n",
	  ":3: workers: expected 0x and hex digits" },
	{ "tutti-cp-state 1\ndp generation=0x1\n"
	  "dial conf=demo uri=sip:bob@h\nend confs=0 parts=0\n",
	  ": a dial-out to sip:bob@h waits in conference 'demo', which has "
	  "no conf record" },
	{ "tutti-cp-state 1\ndp generation=0x1\n"
	  "conf name=demo uri=x id=1 worker=0 adhoc=0 locked=0 on_dp=1 "
	  "creator=\ndial conf=demo uri=sip:bob@h\n"
	  "dial conf=demo uri=sip:bob@h\nend confs=1 parts=0\n",
	  ": the dial-out to sip:bob@h in conference 'demo' twice" },
	{ "tutti-cp-state 1\ndp generation=0x1\n"
	  "conf name=demo uri=x id=1 worker=0 adhoc=0 locked=0 on_dp=1 "
	  "creator=\ndial conf=demo\nend confs=1 parts=0\n",
	  ":4: field 'uri' missing" },
};

START_TEST(test_state_refuses_bad_files)
{
	struct cp_state st;
	char err[512], want[512];

	write_text(bad[_i].text);
	snprintf(want, sizeof(want), "%s%s", path, bad[_i].why);
	ck_assert_int_eq(cp_state_read(path, &st, err, sizeof(err)), -EPROTO);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		      "got '%s', "
		      "want '%s'",
		      err, want);
	ck_assert_uint_eq(st.n_confs, 0);
	ck_assert_ptr_null(st.confs);
}
END_TEST

/* A part whose conference has no record is refused as a whole. */
START_TEST(test_state_refuses_part_without_conf)
{
	struct cp_state a, b;
	char err[512];

	sample(&a);
	snprintf(a.parts[0].conf, sizeof(a.parts[0].conf), "other");
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), -EPROTO);
	ck_assert_msg(strstr(err, "conference 'other', which has no conf "
				  "record"),
		      "%s", err);
	cp_state_clear(&a);
}
END_TEST

/* A leg id twice, and a conference's name twice, are refused. */
START_TEST(test_state_refuses_records_twice)
{
	struct cp_state a, b;
	struct cp_state_part *p;
	struct cp_state_conf *c;
	char err[512];

	sample(&a);
	p = cp_state_add_part(&a);
	ck_assert_ptr_nonnull(p);
	*p = a.parts[0];	/* the same leg id, again */
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), -EPROTO);
	ck_assert_msg(strstr(err, "leg 42 twice") != NULL, "%s", err);
	a.n_parts--;
	c = cp_state_add_conf(&a);
	ck_assert_ptr_nonnull(c);
	*c = a.confs[0];
	c->conf_id++;		/* another id, the same name */
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), -EPROTO);
	ck_assert_msg(strstr(err, "conference 'conf-00112233aabbccdd' (id ")
		      != NULL, "%s", err);
	snprintf(c->name, sizeof(c->name), "other");
	c->conf_id--;		/* another name, the same id */
	ck_assert_int_eq(cp_state_write(path, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(cp_state_read(path, &b, err, sizeof(err)), -EPROTO);
	ck_assert_msg(strstr(err, "conference id ") != NULL, "%s", err);
	cp_state_clear(&a);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_state_round_trip);
	tcase_add_test(tc, test_state_local_sdp_is_optional);
	tcase_add_test(tc, test_state_srtp_keys);
	tcase_add_test(tc, test_state_missing_file_is_enoent);
	tcase_add_test(tc, test_state_no_drain_record);
	tcase_add_test(tc, test_state_skips_what_it_does_not_know);
	tcase_add_test(tc, test_state_fields_in_any_order);
	tcase_add_test(tc, test_state_local_addr_is_optional);
	tcase_add_loop_test(tc, test_state_refuses_bad_files, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_state_refuses_part_without_conf);
	tcase_add_test(tc, test_state_refuses_records_twice);
	suite_add_tcase(s, tc);
	return s;
}
