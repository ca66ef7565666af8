/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_prov.c: libFuzzer target for shared/shm_prov.c, the provisioning
 * file tutti-dp reads at start (--provision: written by hand, by tutti-gen
 * or by a carrier's own tools, in any shape). The input's first byte picks
 * the workers (1-4), the rest is the file's text. Beyond "no crash, no
 * sanitizer report": a refusal is -EINVAL or -ENOMEM with an "in:LINE:
 * reason" message and returns nothing; what is accepted is commands that
 * each pass shm_msg_validate(), on a worker that exists, from a line of
 * the file, a conference created before its legs and on the same worker,
 * counted as they come.
 * Seeds: tests/fuzz/corpus/fuzz_prov/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shm_prov.h"
#include "shm_msg.h"

#define MAX_CONFS 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t conf_id[MAX_CONFS];
	static uint16_t conf_worker[MAX_CONFS];
	uint16_t workers = size != 0 ? (uint16_t)(1 + data[0] % 4) : 1;
	size_t n = size != 0 ? size - 1 : 0;
	char *text = malloc(n + 1);
	uint32_t confs = 0, legs = 0;
	struct shm_prov p;
	char err[512] = "";
	int rc;

	FUZZ_CHECK(text != NULL);
	if (n != 0)
		memcpy(text, data + 1, n);
	text[n] = '\0';
	rc = shm_prov_parse(&p, text, "in", workers, err, sizeof(err));
	free(text);
	if (rc != 0) {
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_CHECK(rc == -ENOMEM || strncmp(err, "in:", 3) == 0);
		FUZZ_CHECK(p.cmds == NULL && p.n_cmds == 0);
		return 0;
	}
	for (size_t i = 0; i < p.n_cmds; i++) {
		const struct shm_msg *m = &p.cmds[i].msg;
		uint32_t c = 0;

		FUZZ_CHECK(shm_msg_validate(m) == 0);
		FUZZ_CHECK(p.cmds[i].worker < workers);
		FUZZ_CHECK(p.cmds[i].line >= 1);	/* where it came from */
		if (m->hdr.type == SHM_CMD_CONF_CREATE) {
			FUZZ_CHECK(confs < MAX_CONFS);
			conf_id[confs] = m->hdr.conf_id;
			conf_worker[confs++] = p.cmds[i].worker;
			continue;
		}
		FUZZ_CHECK(m->hdr.type == SHM_CMD_LEG_ADD);
		while (c < confs && conf_id[c] != m->hdr.conf_id)
			c++;
		FUZZ_CHECK(c < confs);	/* created above it */
		FUZZ_CHECK(conf_worker[c] == p.cmds[i].worker);
		legs++;
	}
	FUZZ_CHECK(confs == p.n_confs && legs == p.n_legs);
	shm_prov_free(&p);
	return 0;
}
