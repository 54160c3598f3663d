/*
 * xml: just enough XML to read the small, flat answers of storage APIs
 * (S3's <Error><Code>, <UploadId>, <Upload><Key>...): find an element by
 * name and decode its text.  No namespaces, attributes or nesting rules:
 * an element's text is everything up to its closing tag.
 */
#ifndef STAGE_XML_H
#define STAGE_XML_H

#include <stddef.h>

#include "buf.h"

/* Finds the first <tag>...</tag> (or <tag attr...>...) in p[0..n).
 * Sets *inner and *len to its raw content and returns the offset just past
 * the closing tag, or 0 if there is none. */
size_t xml_find(const char *p, size_t n, const char *tag,
    const char **inner, size_t *len);
/* Like xml_find, with the text entity-decoded and appended to out
 * (which is reset first); -1 if absent. */
int xml_text(const char *p, size_t n, const char *tag, struct buf *out);
/* Appends s[0..n) with &, <, >, " and ' escaped. */
void xml_escape(struct buf *out, const char *s, size_t n);

#endif
