/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dtmf.c: RFC 4733 telephone-event receiver and SpanDSP in-band DTMF
 * detection, one report format (policy in dtmf.h). The only file of this
 * module that includes SpanDSP. Dataplane, owning worker lcore, hot path:
 * no allocation, no logging.
 */
#include "dtmf.h"

#include <errno.h>
#include <string.h>

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

_Static_assert(sizeof(dtmf_rx_state_t) <= DP_DTMF_RX_STATE_BYTES,
	       "DP_DTMF_RX_STATE_BYTES too small for dtmf_rx_state_t");
_Static_assert(_Alignof(dtmf_rx_state_t) <= 8, "dtmf_rx_state_t alignment");

static const char digit_chars[16] = "0123456789*#ABCD";

#define EVT_E		0x80u	/* end bit */
#define EVT_VOLUME	0x3fu	/* -dBm0; the R bit (0x40) is ignored */
#define DUR_MAX		0xffffu
#define WRAP_GAP	0x8000u	/* a duration this much smaller wrapped */

int
dp_dtmf_4733_init(struct dp_dtmf_4733 *d, uint32_t rate_hz, uint64_t timeout)
{
	if (d == NULL || rate_hz == 0 || rate_hz > 192000)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->rate_hz = rate_hz;
	d->timeout = timeout;
	return 0;
}

static uint16_t
ts_to_ms(uint64_t dur, uint32_t rate_hz)
{
	uint64_t ms = dur * 1000u / rate_hz;

	return ms > UINT16_MAX ? UINT16_MAX : (uint16_t)ms;
}

/* Report the current event and remember it as done. */
static void
finish(struct dp_dtmf_4733 *d, struct dp_dtmf_digit *out)
{
	out->digit = (uint8_t)digit_chars[d->event];
	out->source = DP_DTMF_SRC_RFC4733;
	out->duration_ms = ts_to_ms(d->base_dur + d->seg_dur, d->rate_hz);
	out->volume_dbm0 = d->volume;
	d->active = false;
	d->have_done = true;
	d->done_ts = d->ts;
	d->st.n_digits++;
}

/* A new timestamp for the same, unfinished event: the next segment? */
static bool
is_next_segment(const struct dp_dtmf_4733 *d, uint8_t event, uint32_t ts)
{
	uint32_t delta = ts - d->ts;

	/* the old segment ran (within 100 ms) up to the field's limit */
	return event == d->event && delta != 0 && delta <= DUR_MAX &&
	       (uint32_t)d->seg_dur + d->rate_hz / 10 >= DUR_MAX;
}

int
dp_dtmf_4733_rx(struct dp_dtmf_4733 *d, uint32_t ts, const uint8_t *payload,
		uint32_t len_bytes, uint64_t now,
		struct dp_dtmf_digit out[DP_DTMF_REPORTS_MAX])
{
	uint8_t event, flags;
	uint16_t dur;
	int n = 0;

	d->st.n_pkts++;
	if (len_bytes < 4) {
		d->st.n_short++;
		return 0;
	}
	event = payload[0];
	flags = payload[1];
	dur = (uint16_t)(payload[2] << 8 | payload[3]);
	if (event > 15) {
		d->st.n_other_event++;
		return 0;
	}
	if (d->have_done && ts == d->done_ts) {
		d->st.n_after_end++;	/* redundant end, or late */
		return 0;
	}
	if (d->active && ts != d->ts) {
		if (is_next_segment(d, event, ts)) {
			d->base_dur += ts - d->ts;
			d->ts = ts;
			d->seg_dur = 0;
			d->st.n_segments++;
		} else {
			d->st.n_end_lost++;
			finish(d, &out[n++]);
		}
	}
	if (!d->active) {
		d->active = true;
		d->event = event;
		d->ts = ts;
		d->base_dur = 0;
		d->seg_dur = dur;
	}
	if (dur >= d->seg_dur)
		d->seg_dur = dur;
	else if ((uint32_t)(d->seg_dur - dur) > WRAP_GAP) {	/* field wrapped */
		d->base_dur += DUR_MAX + 1u;
		d->seg_dur = dur;
	}			/* else: reordered, older duration */
	d->volume = flags & EVT_VOLUME;
	d->last_now = now;
	if (flags & EVT_E)
		finish(d, &out[n++]);
	return n;
}

int
dp_dtmf_4733_poll(struct dp_dtmf_4733 *d, uint64_t now,
		  struct dp_dtmf_digit *out)
{
	if (!d->active || d->timeout == 0 || now - d->last_now < d->timeout)
		return 0;
	d->st.n_timeout++;
	finish(d, out);
	return 1;
}

static dtmf_rx_state_t *
span(struct dp_dtmf_inband *d)
{
	return (dtmf_rx_state_t *)(void *)d->spandsp;
}

/* SpanDSP digit callback: unused (reports come from the realtime one), but
 * set so digits do not pile up in its internal buffer. */
static void
ignore_digits(void *user, const char *digits, int len)
{
	(void)user;
	(void)digits;
	(void)len;
}

/*
 * SpanDSP realtime callback, run inside dtmf_rx(): code = the digit when a
 * tone starts (level = its power in dBm0), 0 when it stops (duration = the
 * tone's length in samples).
 */
static void
on_tone(void *user, int code, int level, int duration)
{
	struct dp_dtmf_inband *d = user;
	struct dp_dtmf_digit *o;

	if (code != 0) {
		d->digit = (uint8_t)code;
		d->volume = level >= 0 ? 0 : level <= -63 ? 63 :
			    (uint8_t)-level;
		return;
	}
	if (d->digit == 0)
		return;
	d->n_digits++;
	if (d->n_out >= d->max_out) {
		d->n_overflow++;
		d->digit = 0;
		return;
	}
	o = &d->out[d->n_out++];
	o->digit = d->digit;
	o->source = DP_DTMF_SRC_INBAND;
	o->duration_ms = ts_to_ms(duration > 0 ? (uint64_t)duration : 0,
				  SAMPLE_RATE);
	o->volume_dbm0 = d->volume;
	d->digit = 0;
}

void
dp_dtmf_inband_init(struct dp_dtmf_inband *d)
{
	memset(d, 0, sizeof(*d));
	dtmf_rx_init(span(d), ignore_digits, NULL);
	dtmf_rx_set_realtime_callback(span(d), on_tone, d);
}

int
dp_dtmf_inband_rx(struct dp_dtmf_inband *d, const int16_t *pcm, uint32_t n,
		  struct dp_dtmf_digit *out, uint32_t max_out)
{
	d->out = out;
	d->max_out = max_out;
	d->n_out = 0;
	if (n != 0)
		dtmf_rx(span(d), pcm, (int)n);
	d->out = NULL;
	return d->n_out;
}
