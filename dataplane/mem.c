/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem.c: the media library's allocator for hot state (see mem.h).
 */
#include "mem.h"

#include <stdlib.h>

#include "compiler.h"

static void *
default_alloc(size_t size)
{
	return aligned_alloc(TUTTI_CACHE_LINE, tutti_lines_of(size));
}

static void *(*mem_alloc)(size_t size) = default_alloc;
static void (*mem_release)(void *p) = free;

void
dp_mem_set_allocator(void *(*alloc)(size_t size), void (*release)(void *p))
{
	mem_alloc = alloc != NULL ? alloc : default_alloc;
	mem_release = release != NULL ? release : free;
}

void *
dp_mem_alloc(size_t size)
{
	return mem_alloc(size);
}

void
dp_mem_free(void *p)
{
	if (p != NULL)
		mem_release(p);
}
