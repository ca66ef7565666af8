/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hdr_check.c: every public header of shared/ and controlplane/ compiles on
 * its own (each is included first in its own translation unit by meson, see
 * tests/meson.build) and, through hdr_check.cc, as C++. Compile-only.
 */
#include HDR_UNDER_TEST

int hdr_check_anchor(void);

int
hdr_check_anchor(void)
{
	return 0;
}
