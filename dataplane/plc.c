/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * plc.c: loss concealment over SpanDSP's plc_rx()/plc_fillin(), state in
 * caller storage (see plc.h). The only file of this module that includes
 * SpanDSP. Dataplane, owning worker lcore, hot path: no allocation.
 */
#include "plc.h"

#include <string.h>

#include <spandsp.h>

_Static_assert(sizeof(plc_state_t) <= DP_PLC_STATE_BYTES,
	       "DP_PLC_STATE_BYTES too small for SpanDSP's plc_state_t");
_Static_assert(_Alignof(plc_state_t) <= 8, "plc_state_t alignment");
_Static_assert(PLC_HISTORY_LEN == DP_PLC_HISTORY_SAMPLES,
	       "DP_PLC_HISTORY_SAMPLES is not SpanDSP's PLC_HISTORY_LEN");

#define FADE_SAMPLES	(DP_PLC_RATE_HZ / 1000 * DP_PLC_FADE_MS)

static plc_state_t *
span(struct dp_plc *p)
{
	return (plc_state_t *)(void *)p->spandsp;
}

void
dp_plc_init(struct dp_plc *p)
{
	memset(p, 0, sizeof(*p));
	plc_init(span(p));
}

void
dp_plc_good(struct dp_plc *p, int16_t *pcm, uint32_t n)
{
	if (n == 0)
		return;
	plc_rx(span(p), pcm, (int)n);
	p->missing_samples = 0;
	p->n_good_samples += n;
}

void
dp_plc_fill(struct dp_plc *p, int16_t *pcm, uint32_t n)
{
	uint32_t synth = 0;

	if (p->missing_samples < FADE_SAMPLES) {
		synth = FADE_SAMPLES - p->missing_samples;
		if (synth > n)
			synth = n;
		plc_fillin(span(p), pcm, (int)synth);
	}
	/* SpanDSP is silent by now: skip its work. Its own missing count
	 * stops here, which still makes plc_rx() fade the next good frame in
	 * from silence. */
	if (synth < n)
		memset(pcm + synth, 0, (n - synth) * sizeof(*pcm));
	/* saturates: beyond the fade the count no longer matters */
	if (n >= FADE_SAMPLES - p->missing_samples)
		p->missing_samples = FADE_SAMPLES;
	else
		p->missing_samples += n;
	p->n_filled_samples += n;
}
