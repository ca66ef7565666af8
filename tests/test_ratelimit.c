/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_ratelimit.c: the per-source rate limit of tutti-cp's SIP layer
 * (controlplane/ratelimit.c) with time injected: bucket, refill, the 503
 * budget, independent sources, eviction of the least recently seen source
 * when the table is full, one report per source and interval.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "ratelimit.h"

static struct cp_ratelimit *rl;

static struct sockaddr_in
v4(const char *ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	ck_assert_int_eq(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

static enum cp_ratelimit_verdict
check_at(const char *ip, uint64_t now_ms, uint64_t *report)
{
	struct sockaddr_in a = v4(ip);
	uint64_t r;

	return cp_ratelimit_check(rl, (struct sockaddr *)&a, now_ms,
				  report != NULL ? report : &r);
}

/* n requests from ip at now_ms; how many got each verdict. */
static void
burst(const char *ip, uint64_t now_ms, unsigned int n, unsigned int got[3])
{
	memset(got, 0, 3 * sizeof(got[0]));
	for (unsigned int i = 0; i < n; i++)
		got[check_at(ip, now_ms, NULL)]++;
}

static void
open_rl(uint32_t rate, uint32_t burst_n, uint32_t n_sources)
{
	struct cp_ratelimit_conf c = { .rate_per_s = rate,
				       .burst = burst_n,
				       .refuse_per_s = 3,
				       .n_sources = n_sources,
				       .log_interval_ms = 1000 };

	ck_assert_int_eq(cp_ratelimit_new(&rl, &c), 0);
}

static void
teardown(void)
{
	cp_ratelimit_free(rl);
	rl = NULL;
}

START_TEST(test_ratelimit_rejects_rate_zero)
{
	struct cp_ratelimit_conf c = { 0 };

	ck_assert_int_eq(cp_ratelimit_new(&rl, &c), -EINVAL);
	cp_ratelimit_free(NULL);
}
END_TEST

/* The burst passes, 3 are refused (503), the rest dropped. */
START_TEST(test_ratelimit_burst_then_refuse_then_drop)
{
	unsigned int got[3];

	open_rl(10, 5, 0);
	burst("192.0.2.1", 1000, 20, got);
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 5);
	ck_assert_uint_eq(got[CP_RATELIMIT_REFUSE], 3);
	ck_assert_uint_eq(got[CP_RATELIMIT_DROP], 12);
	teardown();
}
END_TEST

/* 10/s: after 300 ms three more pass; after a long pause, the burst. */
START_TEST(test_ratelimit_refills_at_the_rate)
{
	unsigned int got[3];

	open_rl(10, 5, 0);
	burst("192.0.2.1", 1000, 5, got);
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 5);
	burst("192.0.2.1", 1300, 5, got);
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 3);
	burst("192.0.2.1", 1399, 1, got);
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 0);
	burst("192.0.2.1", 1400, 1, got);
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 1);
	burst("192.0.2.1", 3600000, 9, got);
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 5); /* capped at burst */
	teardown();
}
END_TEST

/* One source over its limit leaves another (and IPv6) alone. */
START_TEST(test_ratelimit_sources_are_independent)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	unsigned int got[3];
	uint64_t r;

	open_rl(1, 2, 0);
	burst("192.0.2.1", 5, 50, got);
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 2);
	burst("192.0.2.2", 5, 2, got);
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 2);
	inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
	ck_assert_int_eq(cp_ratelimit_check(rl, (struct sockaddr *)&a6, 5, &r),
			 CP_RATELIMIT_PASS);
	ck_assert_uint_eq(cp_ratelimit_sources(rl), 3);
	teardown();
}
END_TEST

/*
 * A table of 8: 8 sources fill it, a 9th takes the slot of the one seen
 * least recently, which comes back later with a fresh bucket.
 */
START_TEST(test_ratelimit_full_table_evicts_least_recent)
{
	char ip[32];
	unsigned int got[3];

	open_rl(1, 1, 8);
	for (int i = 0; i < 8; i++) {
		snprintf(ip, sizeof(ip), "198.18.0.%d", i);
		burst(ip, 100 + (uint64_t)i, 2, got);
		ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 1);
	}
	ck_assert_uint_eq(cp_ratelimit_sources(rl), 8);
	burst("198.18.0.1", 200, 1, got); /* 198.18.0.0 is now the oldest */
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 0);
	burst("198.18.1.1", 201, 1, got);
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 1);
	ck_assert_uint_eq(cp_ratelimit_evictions(rl), 1);
	ck_assert_uint_eq(cp_ratelimit_sources(rl), 8);
	burst("198.18.0.1", 202, 1, got); /* still there, still empty */
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 0);
	burst("198.18.0.0", 203, 1, got); /* evicted: starts again full */
	ck_assert_uint_eq(got[CP_RATELIMIT_PASS], 1);
	teardown();
}
END_TEST

/* One report per source and interval, with the count since the last. */
START_TEST(test_ratelimit_reports_once_per_interval)
{
	uint64_t r = 99;

	open_rl(1, 1, 0);
	ck_assert_int_eq(check_at("192.0.2.9", 10, &r), CP_RATELIMIT_PASS);
	ck_assert_uint_eq(r, 0);
	ck_assert_int_eq(check_at("192.0.2.9", 10, &r), CP_RATELIMIT_REFUSE);
	ck_assert_uint_eq(r, 1);
	for (int i = 0; i < 6; i++) {
		check_at("192.0.2.9", 20, &r);
		ck_assert_uint_eq(r, 0);
	}
	check_at("192.0.2.8", 20, &r); /* another source: its own */
	ck_assert_uint_eq(r, 0);
	check_at("192.0.2.8", 20, &r);
	ck_assert_uint_eq(r, 1);
	ck_assert_int_ne(check_at("192.0.2.9", 1009, &r), CP_RATELIMIT_PASS);
	ck_assert_uint_eq(r, 0); /* 999 ms after the report: not yet */
	check_at("192.0.2.9", 1010, &r);
	ck_assert_uint_eq(r, 0); /* a token came back: passes, no report */
	check_at("192.0.2.9", 1010, &r);
	ck_assert_uint_eq(r, 8);
	teardown();
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("bucket");

	tcase_add_test(tc, test_ratelimit_rejects_rate_zero);
	tcase_add_test(tc, test_ratelimit_burst_then_refuse_then_drop);
	tcase_add_test(tc, test_ratelimit_refills_at_the_rate);
	tcase_add_test(tc, test_ratelimit_sources_are_independent);
	tcase_add_test(tc, test_ratelimit_full_table_evicts_least_recent);
	tcase_add_test(tc, test_ratelimit_reports_once_per_interval);
	suite_add_tcase(s, tc);
	return s;
}
