/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fleet.h: tutti-gen's functional mode: N emulated participants in one
 * process that really call in over SIP (or use provisioned legs) and send
 * RTP from kernel sockets with a talk pattern (distinct tones, a speech
 * file, silence; joining one after another, leaving early), and measure
 * what each receives: loss, jitter, gaps, and whether the other talkers'
 * tones are there and its own is not (SpanDSP's Goertzel). A progress line
 * a second; with --report-ms, a JSON line per window of what each one
 * heard (for tests that change the conference while it runs); a summary
 * table, or JSON, and a verdict per participant at the end (exit status 1
 * if any fails).
 */
#ifndef TUTTI_PHONE_FLEET_H
#define TUTTI_PHONE_FLEET_H

/* The whole mode: options in argv (see --help). Returns the exit status. */
int fleet_main(int argc, char **argv);

#endif /* TUTTI_PHONE_FLEET_H */
