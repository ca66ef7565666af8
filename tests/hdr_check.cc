// SPDX-License-Identifier: BSD-3-Clause
// hdr_check.cc: the public headers compile as C++ (see hdr_check.c).
#include HDR_UNDER_TEST

int hdr_check_anchor_cc();

int
hdr_check_anchor_cc()
{
	return 0;
}
