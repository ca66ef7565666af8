/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsd_check.h: XML Schema validation for the tests (libxml2), with no
 * network ever and libxml2's messages kept for the failure report instead
 * of on stdout (where TAP reads).
 */
#ifndef TUTTI_TEST_XSD_CHECK_H
#define TUTTI_TEST_XSD_CHECK_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

/* Load the schema at path; NULL if it does not load (messages in err). */
xmlSchemaPtr xsd_load(const char *path, char *err, size_t errlen);

/* 0 if doc is valid, else libxml2's code with its messages in err. */
int xsd_validate(xmlSchemaPtr schema, xmlDocPtr doc, char *err,
		 size_t errlen);

#endif /* TUTTI_TEST_XSD_CHECK_H */
