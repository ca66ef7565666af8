/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_csum.c: the Internet checksum's ones' complement sum of one ISA
 * (--isa=..., see test_isa.h): RFC 1071's worked example and a real IPv4
 * header, then the ISA against the scalar twin (folded: the contract) for
 * every length up to 300 bytes and some long ones, at four alignments,
 * with edge-case partial sums and all-zero and all-one data; the unfolded
 * value's bound; a buffer that ends where an unmapped page starts; and the
 * choice dp_csum() follows. Unit test: plain arrays, no DPDK.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <check.h>

#include "check_main.h"
#include "csum.h"
#include "net.h"
#include "test_isa.h"

#define MAX_LEN 65535u

static dp_csum_fn *
fn_under_test(void)
{
	dp_csum_fn *f = dp_csum_for(test_isa());

	ck_assert_msg(f != NULL, "no checksum sum for %s",
		      dp_simd_name(test_isa()));
	return f;
}

/* The folded sum, as the bytes it is stored as (memory order). */
static void
folded_bytes(uint64_t s, uint8_t out[2])
{
	uint16_t f = dp_net_fold(s);

	memcpy(out, &f, 2);
}

/* RFC 1071 section 3's example: 00 01 f2 03 f4 f5 f6 f7 sums to dd f2;
 * repeated so that the vector loops run (eight copies still fold to it
 * times eight, end-around: checked against the scalar twin below). */
START_TEST(test_csum_rfc1071_example)
{
	static const uint8_t b[8] = { 0x00, 0x01, 0xf2, 0x03,
				      0xf4, 0xf5, 0xf6, 0xf7 };
	dp_csum_fn *f = fn_under_test();
	uint8_t got[2];

	folded_bytes(f(b, sizeof(b), 0), got);
	ck_assert_int_eq(got[0], 0xdd);
	ck_assert_int_eq(got[1], 0xf2);
}
END_TEST

/* A captured IPv4 header with its checksum (b8 61) sums to ff ff; put
 * after 64 bytes of zeros, so that it is the vector loop's tail. */
START_TEST(test_csum_ipv4_header_verifies)
{
	static uint8_t buf[64 + 20] = {
		[64] = 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40,
		0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00,
		0xc7,
	};
	dp_csum_fn *f = fn_under_test();

	ck_assert_uint_eq(dp_net_fold(f(buf + 64, 20, 0)), 0xffff);
	ck_assert_uint_eq(dp_net_fold(f(buf, sizeof(buf), 0)), 0xffff);
	buf[70] ^= 0x01;	/* one flipped bit no longer verifies */
	ck_assert_uint_ne(dp_net_fold(f(buf, sizeof(buf), 0)), 0xffff);
	buf[70] ^= 0x01;
}
END_TEST

static const uint64_t accs[] = {
	0, 1, 0xffff, 0x10000, 0xffffffffu, 0x123456789abcdefULL,
	0xfffffffffffffffeULL, UINT64_MAX,
};

static uint8_t data[MAX_LEN + 64];

/* Every length to 300, at offsets 0-3, with each partial sum: the fold of
 * the ISA's sum is the scalar's; and the unfolded sum stays below 2^34.
 * _i picks the data: seeded random, all 0x00, all 0xff. */
START_TEST(test_csum_matches_scalar_short)
{
	dp_csum_fn *f = fn_under_test();
	uint32_t seed = 0xc5u + (uint32_t)_i;

	for (size_t i = 0; i < 300 + 3; i++)
		data[i] = _i == 0 ? (uint8_t)test_xorshift32(&seed) :
			  _i == 1 ? 0x00 : 0xff;
	for (uint32_t len = 0; len <= 300; len++)
		for (uint32_t off = 0; off < 4; off++)
			for (size_t a = 0; a < sizeof(accs) / sizeof(accs[0]);
			     a++) {
				uint64_t want = dp_csum_scalar(data + off, len,
							       accs[a]);
				uint64_t got = f(data + off, len, accs[a]);

				ck_assert_msg(dp_net_fold(got) ==
					      dp_net_fold(want),
					      "len %u off %u acc %#llx: "
					      "%#x, scalar %#x", len, off,
					      (unsigned long long)accs[a],
					      dp_net_fold(got),
					      dp_net_fold(want));
				ck_assert_uint_lt(got, 1ULL << 34);
			}
}
END_TEST

/* Long buffers (jumbo frames, the largest datagram), random and all 0xff. */
START_TEST(test_csum_matches_scalar_long)
{
	static const uint32_t lens[] = { 1499, 1500, 9000, 65534, MAX_LEN };
	dp_csum_fn *f = fn_under_test();
	uint32_t seed = 0x10ca1u;

	for (int fill = 0; fill < 2; fill++) {
		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = fill == 0 ? (uint8_t)test_xorshift32(&seed) :
				  0xff;
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
			for (uint32_t off = 0; off < 2; off++) {
				uint64_t got = f(data + off, lens[k],
						 UINT64_MAX);

				ck_assert_uint_eq(
					dp_net_fold(got),
					dp_net_fold(dp_csum_scalar(
						data + off, lens[k],
						UINT64_MAX)));
				ck_assert_uint_lt(got, 1ULL << 34);
			}
	}
}
END_TEST

/* Zero only when everything is: the fold tells 0 from 0xffff. */
START_TEST(test_csum_zero_only_when_all_zero)
{
	static const uint8_t zeros[200];
	static const uint8_t ffff[2] = { 0xff, 0xff };
	dp_csum_fn *f = fn_under_test();

	ck_assert_uint_eq(f(zeros, sizeof(zeros), 0), 0);
	ck_assert_uint_eq(f(zeros, 0, 0), 0);
	ck_assert_uint_eq(dp_net_fold(f(zeros, sizeof(zeros), 0xffff)),
			  0xffff);
	ck_assert_uint_eq(dp_net_fold(f(ffff, 2, 0)), 0xffff);
	ck_assert_uint_eq(dp_net_fold(f(zeros, 7, 0x10000)), 1);
}
END_TEST

/* The last 1-63 bytes of a page with no page after it: nothing is read
 * past the end (the AVX-512 tail is a masked load; others step down). */
START_TEST(test_csum_reads_nothing_past_the_end)
{
	long pg = sysconf(_SC_PAGESIZE);
	dp_csum_fn *f = fn_under_test();
	uint8_t *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(m, MAP_FAILED);
	ck_assert_int_eq(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	memset(m, 0xa7, (size_t)pg);
	for (uint32_t len = 1; len < 200; len++) {
		const uint8_t *p = m + pg - len;

		ck_assert_uint_eq(dp_net_fold(f(p, len, 0)),
				  dp_net_fold(dp_csum_scalar(p, len, 0)));
	}
	munmap(m, (size_t)pg * 2);
}
END_TEST

/* dp_csum() calls what dp_csum_use() set, and the scalar one for NULL. */
START_TEST(test_csum_use_sets_dp_csum)
{
	dp_csum_fn *f = fn_under_test();

	dp_csum_use(f);
	ck_assert_ptr_eq(dp_csum_cur, f);
	ck_assert_uint_eq(dp_net_fold(dp_csum("\x12\x34\x56", 3, 0)),
			  dp_net_fold(dp_csum_scalar("\x12\x34\x56", 3, 0)));
	dp_csum_use(NULL);
	ck_assert_ptr_eq(dp_csum_cur, dp_csum_scalar);
	ck_assert_ptr_eq(dp_csum_for(DP_SIMD_SCALAR), dp_csum_scalar);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("csum");
	TCase *tc = tcase_create("sum");

	tcase_add_test(tc, test_csum_rfc1071_example);
	tcase_add_test(tc, test_csum_ipv4_header_verifies);
	tcase_add_loop_test(tc, test_csum_matches_scalar_short, 0, 3);
	tcase_add_test(tc, test_csum_matches_scalar_long);
	tcase_add_test(tc, test_csum_zero_only_when_all_zero);
	tcase_add_test(tc, test_csum_reads_nothing_past_the_end);
	tcase_add_test(tc, test_csum_use_sets_dp_csum);
	suite_add_tcase(s, tc);
	return s;
}
