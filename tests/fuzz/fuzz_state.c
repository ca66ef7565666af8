/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_state.c: libFuzzer target for controlplane/state.c, the state file
 * a restarted tutti-cp reads at start (a file that any crash, disk error
 * or hand edit may have left in any shape). The input is the file's text.
 * Beyond "no crash, no sanitizer report": a refusal is -EPROTO with a
 * "name:LINE: reason" or "name: reason" message and leaves nothing; what
 * is accepted writes back (cp_state_print()) to a text that reads again
 * into exactly the same records. Seeds: tests/fuzz/corpus/fuzz_state/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "state.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_dup(data, size);
	struct cp_state a, b;
	char err[512] = "", *text = NULL;
	size_t len = 0;
	FILE *f = fmemopen(copy, size, "r");
	int rc;

	if (f == NULL) { /* glibc: an empty buffer */
		free(copy);
		return 0;
	}
	rc = cp_state_parse(f, "in", &a, err, sizeof(err));
	fclose(f);
	free(copy);
	if (rc != 0) {
		FUZZ_CHECK(rc == -EPROTO || rc == -ENOMEM);
		FUZZ_CHECK(rc == -ENOMEM || strncmp(err, "in:", 3) == 0);
		FUZZ_CHECK(a.n_confs == 0 && a.n_parts == 0);
		FUZZ_CHECK(a.confs == NULL && a.parts == NULL);
		return 0;
	}
	f = open_memstream(&text, &len);
	FUZZ_CHECK(f != NULL);
	cp_state_print(f, &a);
	FUZZ_CHECK(fclose(f) == 0);
	f = fmemopen(text, len, "r");
	FUZZ_CHECK(f != NULL);
	rc = cp_state_parse(f, "again", &b, err, sizeof(err));
	fclose(f);
	if (rc != 0)
		fprintf(stderr, "written back, refused: %s\n%s", err, text);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(b.skipped == 0);	/* it writes only what it knows */
	FUZZ_CHECK(b.dp_generation == a.dp_generation);
	FUZZ_CHECK(b.n_confs == a.n_confs && b.n_parts == a.n_parts);
	FUZZ_CHECK(a.n_confs == 0 ||
		   memcmp(a.confs, b.confs, a.n_confs * sizeof(*a.confs)) == 0);
	for (uint32_t i = 0; i < a.n_parts; i++) {
		/* the same, but for the one field on the heap: the same
		 * text there */
		struct cp_state_part pa = a.parts[i], pb = b.parts[i];

		FUZZ_CHECK((pa.dlg.local_sdp == NULL) ==
			   (pb.dlg.local_sdp == NULL));
		FUZZ_CHECK(pa.dlg.local_sdp == NULL ||
			   strcmp(pa.dlg.local_sdp, pb.dlg.local_sdp) == 0);
		pa.dlg.local_sdp = pb.dlg.local_sdp = NULL;
		FUZZ_CHECK(memcmp(&pa, &pb, sizeof(pa)) == 0);
	}
	free(text);
	cp_state_clear(&a);
	cp_state_clear(&b);
	return 0;
}
