/*
 * mask: connection strings and URLs as they may be printed (messages,
 * manifests, dry runs), every password replaced by "***".
 *
 * mask_conninfo reads a PostgreSQL connection string (a postgresql:// URI
 * or keyword=value pairs) the way libpq does, with libpq's own parser, so
 * that whatever libpq would send as the password is masked however it is
 * spelled.  What does not parse, or does not check out, is masked whole.
 */
#ifndef STAGE_MASK_H
#define STAGE_MASK_H

#include "buf.h"

/* A URL with the password of its user info and the values of its
 * "password" query parameters (key percent-decoded) masked.  *had is set
 * when something was masked.  Returns a new string. */
char *mask_url(const char *url, int *had);
/* A URL with all of its user info, if any, masked ("***@host"). */
char *mask_userinfo(const char *url);
/* A libpq connection string masked; *had is set when it holds a
 * password.  Returns a new string. */
char *mask_conninfo(const char *conninfo, int *had);
/* Appends the first line of msg with every double-quoted piece replaced
 * by "***": libpq's parse errors quote the token they stumbled on. */
void mask_quoted(struct buf *out, const char *msg);

#endif
