/* SPDX-License-Identifier: BSD-3-Clause */
#include "xsd_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlIO.h>

struct msgs {
	char *buf;
	size_t len;
};

/* libxml2's message callback: appended to the caller's buffer. */
static void __attribute__((format(printf, 2, 3)))
collect(void *ctx, const char *fmt, ...)
{
	struct msgs *m = ctx;
	size_t n;
	va_list ap;

	if (m == NULL || m->buf == NULL || m->len == 0)
		return;
	n = strlen(m->buf);
	va_start(ap, fmt);
	vsnprintf(m->buf + n, m->len - n, fmt, ap);
	va_end(ap);
}

static void
quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

xmlSchemaPtr
xsd_load(const char *path, char *err, size_t errlen)
{
	struct msgs m = { err, errlen };
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr s;

	if (errlen > 0)
		err[0] = '\0';
	/*
	 * No network, ever: an import of a remote schema (the conference
	 * schema's xml.xsd) fails as an I/O error, which libxml2 reports as
	 * a warning and skips.
	 */
	xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
	xmlSetGenericErrorFunc(NULL, quiet);
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL)
		return NULL;
	xmlSchemaSetParserErrors(pc, quiet, quiet, NULL);
	s = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (s == NULL)
		collect(&m, "%s: not a schema libxml2 can load", path);
	return s;
}

int
xsd_validate(xmlSchemaPtr schema, xmlDocPtr doc, char *err, size_t errlen)
{
	struct msgs m = { err, errlen };
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	if (vc == NULL)
		return -1;
	xmlSchemaSetValidErrors(vc, collect, collect, &m);
	rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	return rc;
}
