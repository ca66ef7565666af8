/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_stimer.c: session timers without SIP messages (controlplane/
 * stimer.c): Session-Expires and Min-SE parsing, option-tag lists, and
 * the UAS's answer of RFC 4028 §9 (its Table 2, 422, never raising the
 * interval asked, never going below the request's Min-SE).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "stimer.h"

START_TEST(test_stimer_parses_session_expires)
{
	enum cp_stimer_refresher r;
	uint32_t se = 0;

	ck_assert_int_eq(cp_stimer_parse_se("1800", &se, &r), 0);
	ck_assert_uint_eq(se, 1800);
	ck_assert_int_eq(r, CP_STIMER_NONE);
	ck_assert_int_eq(cp_stimer_parse_se(" 90 ; refresher = UAS", &se, &r),
			 0);
	ck_assert_uint_eq(se, 90);
	ck_assert_int_eq(r, CP_STIMER_UAS);
	ck_assert_int_eq(cp_stimer_parse_se("4000;x=y;refresher=uac;lr", &se,
					    &r),
			 0);
	ck_assert_uint_eq(se, 4000);
	ck_assert_int_eq(r, CP_STIMER_UAC);
	/* refused: no number, zero, beyond 2^31-1, a bad refresher, junk */
	ck_assert_int_eq(cp_stimer_parse_se("", &se, &r), -EINVAL);
	ck_assert_int_eq(cp_stimer_parse_se("abc", &se, &r), -EINVAL);
	ck_assert_int_eq(cp_stimer_parse_se("0", &se, &r), -EINVAL);
	ck_assert_int_eq(cp_stimer_parse_se("2147483648", &se, &r), -EINVAL);
	ck_assert_int_eq(cp_stimer_parse_se("2147483647", &se, &r), 0);
	ck_assert_int_eq(cp_stimer_parse_se("90;refresher=both", &se, &r),
			 -EINVAL);
	ck_assert_int_eq(cp_stimer_parse_se("90;refresher=", &se, &r),
			 -EINVAL);
	ck_assert_int_eq(cp_stimer_parse_se("90 x", &se, &r), -EINVAL);
	ck_assert_int_eq(cp_stimer_parse_se("90;", &se, &r), -EINVAL);
	ck_assert_int_eq(cp_stimer_parse_se("-90", &se, &r), -EINVAL);
	ck_assert_int_eq(cp_stimer_parse_se(NULL, &se, &r), -EINVAL);
	/* Min-SE: the same shape, any parameter let be */
	ck_assert_int_eq(cp_stimer_parse_min_se("120", &se), 0);
	ck_assert_uint_eq(se, 120);
	ck_assert_int_eq(cp_stimer_parse_min_se("150;refresher=x", &se), 0);
	ck_assert_uint_eq(se, 150);
	ck_assert_int_eq(cp_stimer_parse_min_se("x", &se), -EINVAL);
}
END_TEST

START_TEST(test_stimer_finds_tokens)
{
	ck_assert(cp_stimer_has_token("timer", "timer"));
	ck_assert(cp_stimer_has_token("100rel, TIMER ,replaces", "timer"));
	ck_assert(cp_stimer_has_token("INVITE,ACK,UPDATE", "UPDATE"));
	ck_assert(!cp_stimer_has_token("timers, xtimer", "timer"));
	ck_assert(!cp_stimer_has_token("", "timer"));
	ck_assert(!cp_stimer_has_token(NULL, "timer"));
}
END_TEST

START_TEST(test_stimer_walks_tokens)
{
	const char *p = " timer,,100rel ,\tx-y\t", *t;
	size_t k;

	ck_assert_ptr_nonnull(t = cp_stimer_next_token(&p, CP_LIST_COMMA, &k));
	ck_assert_int_eq(strncmp(t, "timer", k), 0);
	ck_assert_uint_eq(k, 5);
	ck_assert_ptr_nonnull(t = cp_stimer_next_token(&p, CP_LIST_COMMA, &k));
	ck_assert_int_eq(strncmp(t, "100rel", k), 0);
	ck_assert_uint_eq(k, 6);
	ck_assert_ptr_nonnull(t = cp_stimer_next_token(&p, CP_LIST_COMMA, &k));
	ck_assert_int_eq(strncmp(t, "x-y", k), 0);
	ck_assert_uint_eq(k, 3);
	ck_assert_ptr_null(cp_stimer_next_token(&p, CP_LIST_COMMA, &k));
	ck_assert_ptr_null(cp_stimer_next_token(&p, CP_LIST_COMMA, &k));
	p = " , ";
	ck_assert_ptr_null(cp_stimer_next_token(&p, CP_LIST_COMMA, &k));
	/* Privacy's values are separated by semicolons. */
	p = "id;user ; header";
	ck_assert_ptr_nonnull(t = cp_stimer_next_token(&p, CP_LIST_SEMI, &k));
	ck_assert_uint_eq(k, 2);
	ck_assert_ptr_nonnull(t = cp_stimer_next_token(&p, CP_LIST_SEMI, &k));
	ck_assert_int_eq(strncmp(t, "user", k), 0);
	ck_assert_ptr_nonnull(t = cp_stimer_next_token(&p, CP_LIST_SEMI, &k));
	ck_assert_int_eq(strncmp(t, "header", k), 0);
	ck_assert_uint_eq(k, 6);
	ck_assert_ptr_null(cp_stimer_next_token(&p, CP_LIST_SEMI, &k));
	p = "id;user";
	ck_assert_ptr_nonnull(t = cp_stimer_next_token(&p, CP_LIST_COMMA, &k));
	ck_assert_uint_eq(k, 7);
}
END_TEST

static const struct cp_stimer_conf on = { .session_expires_s = 1800,
					  .min_se_s = 90 };

static struct cp_stimer_answer
answer(const struct cp_stimer_conf *c, uint32_t se, uint32_t min_se,
       enum cp_stimer_refresher r, bool supported, bool update)
{
	struct cp_stimer_req q = { .se_s = se,
				   .min_se_s = min_se,
				   .refresher = r,
				   .supported = supported,
				   .update = update };
	struct cp_stimer_answer a;

	memset(&a, 0x5a, sizeof(a));
	cp_stimer_answer(c, &q, &a);
	return a;
}

START_TEST(test_stimer_answers_table_2)
{
	struct cp_stimer_answer a;

	/* a UAC with timers that names no refresher: it refreshes (uac),
	 * told so by Require: timer */
	a = answer(&on, 1800, 0, CP_STIMER_NONE, true, true);
	ck_assert_int_eq(a.code, 0);
	ck_assert_uint_eq(a.se_s, 1800);
	ck_assert(!a.uas_refresh);
	ck_assert(a.require);
	/* it names one: that one */
	a = answer(&on, 600, 0, CP_STIMER_UAS, true, true);
	ck_assert_uint_eq(a.se_s, 600);
	ck_assert(a.uas_refresh);
	ck_assert(a.require);
	a = answer(&on, 600, 0, CP_STIMER_UAC, true, false);
	ck_assert_uint_eq(a.se_s, 600);
	ck_assert(!a.uas_refresh);
	/* uas named though its Allow lacks UPDATE: still uas (it asked) */
	a = answer(&on, 600, 0, CP_STIMER_UAS, true, false);
	ck_assert_uint_eq(a.se_s, 600);
	ck_assert(a.uas_refresh);
	/* a UAC without timers: we refresh, no Require (it would not know
	 * the tag); a proxy's Session-Expires is kept even without UPDATE */
	a = answer(&on, 900, 0, CP_STIMER_NONE, false, true);
	ck_assert_uint_eq(a.se_s, 900);
	ck_assert(a.uas_refresh);
	ck_assert(!a.require);
	a = answer(&on, 900, 0, CP_STIMER_NONE, false, false);
	ck_assert_uint_eq(a.se_s, 900);
	ck_assert(a.uas_refresh);
	/* nothing asked: our interval, by us where UPDATE is allowed, else
	 * by the UAC that supports timers, else none */
	a = answer(&on, 0, 0, CP_STIMER_NONE, false, true);
	ck_assert_uint_eq(a.se_s, 1800);
	ck_assert(a.uas_refresh);
	a = answer(&on, 0, 0, CP_STIMER_NONE, true, false);
	ck_assert_uint_eq(a.se_s, 1800);
	ck_assert(!a.uas_refresh);
	ck_assert(a.require);
	a = answer(&on, 0, 0, CP_STIMER_NONE, false, false);
	ck_assert_int_eq(a.code, 0);
	ck_assert_uint_eq(a.se_s, 0);
}
END_TEST

START_TEST(test_stimer_bounds_the_interval)
{
	struct cp_stimer_conf off = { 0 };
	struct cp_stimer_answer a;

	/* below our minimum: 422 with it */
	a = answer(&on, 89, 0, CP_STIMER_NONE, true, true);
	ck_assert_int_eq(a.code, 422);
	ck_assert_uint_eq(a.min_se_s, 90);
	a = answer(&(struct cp_stimer_conf){ 1800, 300 }, 200, 0,
		   CP_STIMER_NONE, true, true);
	ck_assert_int_eq(a.code, 422);
	ck_assert_uint_eq(a.min_se_s, 300);
	/* above ours: lowered to ours, not below the request's Min-SE */
	a = answer(&on, 7200, 0, CP_STIMER_NONE, true, true);
	ck_assert_uint_eq(a.se_s, 1800);
	a = answer(&on, 7200, 3600, CP_STIMER_NONE, true, true);
	ck_assert_uint_eq(a.se_s, 3600);
	/* never raised (§9), below ours: kept */
	a = answer(&on, 120, 0, CP_STIMER_NONE, true, true);
	ck_assert_uint_eq(a.se_s, 120);
	/* none asked, a Min-SE above ours: that */
	a = answer(&on, 0, 2400, CP_STIMER_NONE, true, true);
	ck_assert_uint_eq(a.se_s, 2400);
	/* timers off: nothing, whatever is asked */
	a = answer(&off, 10, 0, CP_STIMER_UAS, true, true);
	ck_assert_int_eq(a.code, 0);
	ck_assert_uint_eq(a.se_s, 0);
	ck_assert(!a.require);
	/* the non-refresher's deadline: a third, at most 32 s, early */
	ck_assert_uint_eq(cp_stimer_deadline_ms(90), 60000);
	ck_assert_uint_eq(cp_stimer_deadline_ms(1800), 1768000);
	ck_assert_uint_eq(cp_stimer_deadline_ms(6), 4000);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("stimer");
	TCase *tc = tcase_create("rfc4028");

	tcase_add_test(tc, test_stimer_parses_session_expires);
	tcase_add_test(tc, test_stimer_finds_tokens);
	tcase_add_test(tc, test_stimer_walks_tokens);
	tcase_add_test(tc, test_stimer_answers_table_2);
	tcase_add_test(tc, test_stimer_bounds_the_interval);
	suite_add_tcase(s, tc);
	return s;
}
