/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * resample.c: the speexdsp resampler behind resample.h, one mono state per
 * leg and direction. Setup and teardown on the cold path (leg add and
 * remove; speexdsp allocates there), frames on the owning lcore's hot
 * path. The only file that includes speexdsp.
 */
#include "resample.h"

#include <errno.h>
#include <string.h>

#include <speex/speex_resampler.h>

#include "l16.h"

int
dp_resample_init(struct dp_resample *rs, uint32_t in_rate_hz,
		 uint32_t out_rate_hz, unsigned int ptime_ms, int quality)
{
	int n_in = dp_l16_frame_samples(in_rate_hz, ptime_ms);
	int n_out = dp_l16_frame_samples(out_rate_hz, ptime_ms);
	SpeexResamplerState *st = NULL;
	int err = RESAMPLER_ERR_SUCCESS;

	if (n_in < 0 || n_out < 0 || quality < DP_RESAMPLE_QUALITY_MIN ||
	    quality > DP_RESAMPLE_QUALITY_MAX)
		return -EINVAL;
	if (in_rate_hz != out_rate_hz) {
		st = speex_resampler_init(1, in_rate_hz, out_rate_hz, quality,
					  &err);
		if (st == NULL)
			return err == RESAMPLER_ERR_ALLOC_FAILED ? -ENOMEM :
								   -EINVAL;
	}
	*rs = (struct dp_resample){
		.st = st,
		.in_rate_hz = in_rate_hz,
		.out_rate_hz = out_rate_hz,
		.n_in = (uint32_t)n_in,
		.n_out = (uint32_t)n_out,
	};
	return 0;
}

void
dp_resample_fini(struct dp_resample *rs)
{
	if (rs == NULL || rs->st == NULL)
		return;
	speex_resampler_destroy(rs->st);
	rs->st = NULL;
}

size_t
dp_resample_frame(struct dp_resample *rs, int16_t *restrict out,
		  const int16_t *restrict in)
{
	spx_uint32_t n_in = rs->n_in, n_out = rs->n_out;
	spx_uint32_t n_extra = 0;

	if (rs->st == NULL) {
		for (uint32_t i = 0; i < rs->n_in; i++)
			out[i] = in[i];
		return rs->n_in;
	}
	/*
	 * A frame is a whole number of the rate ratio's periods (whole
	 * frames at both rates), so one input frame gives exactly one output
	 * frame. speexdsp works through its input in chunks and stops as soon
	 * as the output is full, which can leave the frame's last few input
	 * samples unread (44.1 -> 8 kHz at 40 ms: 1760 of 1764 on the first
	 * frame). Those yield no output, so feed them with room for one
	 * sample that should stay unused.
	 */
	speex_resampler_process_int(rs->st, 0, in, &n_in, out, &n_out);
	if (n_in < rs->n_in && n_out == rs->n_out) {
		spx_uint32_t n_rest = rs->n_in - n_in;
		int16_t spare[1];

		n_extra = 1;
		speex_resampler_process_int(rs->st, 0, in + n_in, &n_rest,
					    spare, &n_extra);
		n_in += n_rest;
	}
	/* never seen; keep the frame length fixed anyway, and count it */
	if (n_in != rs->n_in || n_out != rs->n_out || n_extra != 0) {
		for (uint32_t i = n_out; i < rs->n_out; i++)
			out[i] = 0;
		rs->n_short++;
	}
	return rs->n_out;
}

void
dp_resample_reset(struct dp_resample *rs)
{
	if (rs->st != NULL)
		speex_resampler_reset_mem(rs->st);
}

bool
dp_resample_is_passthrough(const struct dp_resample *rs)
{
	return rs->st == NULL;
}

uint32_t
dp_resample_delay_us(const struct dp_resample *rs)
{
	int in_samples;

	if (rs->st == NULL)
		return 0;
	in_samples = speex_resampler_get_input_latency(rs->st);
	return (uint32_t)((uint64_t)in_samples * 1000000u / rs->in_rate_hz);
}

int
dp_resample_leg_init(struct dp_resample_leg *leg, uint32_t leg_rate_hz,
		     uint32_t conf_rate_hz, unsigned int ptime_ms, int quality)
{
	struct dp_resample to_conf;
	int rc;

	if (conf_rate_hz != 8000 && conf_rate_hz != 16000)
		return -EINVAL;
	rc = dp_resample_init(&to_conf, leg_rate_hz, conf_rate_hz, ptime_ms,
			      quality);
	if (rc < 0)
		return rc;
	rc = dp_resample_init(&leg->to_leg, conf_rate_hz, leg_rate_hz,
			      ptime_ms, quality);
	if (rc < 0)
		goto out_fini_to_conf;
	leg->to_conf = to_conf;
	return 0;
out_fini_to_conf:
	dp_resample_fini(&to_conf);
	return rc;
}

void
dp_resample_leg_fini(struct dp_resample_leg *leg)
{
	if (leg == NULL)
		return;
	dp_resample_fini(&leg->to_conf);
	dp_resample_fini(&leg->to_leg);
}
