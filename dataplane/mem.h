/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem.h: where the media library keeps the state its hot path reads every
 * tick: legs (tick.c), each conference's arrays of them, and the shared
 * mix's encoded payloads (mix_enc.c). By default aligned_alloc/free;
 * tutti-dp hands in its NUMA-local heap, on hugepages, so that these
 * lines cost no 4 kB page walks (a conference's arrays and payloads on
 * the C heap took about three pages a conference tick). Cold path.
 */
#ifndef TUTTI_DP_MEM_H
#define TUTTI_DP_MEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Set once, before anything is allocated; NULL: the default. */
void dp_mem_set_allocator(void *(*alloc)(size_t size),
			  void (*release)(void *p));

/* size bytes, 64-byte aligned, in whole cache lines; NULL if out of
 * memory. */
void *dp_mem_alloc(size_t size);

/* Give back what dp_mem_alloc() gave (NULL: nothing). */
void dp_mem_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* TUTTI_DP_MEM_H */
