/* libFuzzer harness for what az:// parses: the connection string
 * (AZURE_STORAGE_CONNECTION_STRING: its parts, BlobEndpoint, the base64
 * account key) up to the first newline, and after it a query string the
 * SharedKey string to sign canonicalizes (percent-decoding, sorting,
 * joining repeated names).  Any input must load or fail with a message
 * (exit 2 for the user, never a crash), a loaded endpoint must be
 * http[s]://host, and the string to sign must end in the resource. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "az.h"
#include "azsign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
load(const char *cs)
{
	struct az_cfg c = { 0 };
	struct buf err = BUF_INIT;
	int rc;

	setenv("AZURE_STORAGE_CONNECTION_STRING", cs, 1);
	rc = az_cfg_load(&c, "ctr", NULL, NULL, NULL, NULL, NULL, &err);
	if (rc && !err.len)
		abort();
	if (!rc && (!c.host || !*c.host || (strcmp(c.scheme, "http") &&
	    strcmp(c.scheme, "https"))))
		abort();
	if (!rc && !c.key.len && !c.sas)
		abort();
	free(c.scheme);
	free(c.host);
	free(c.base);
	free(c.account);
	free(c.container);
	buf_free(&c.key);
	free(c.sas);
	buf_free(&err);
}

static void
sign(const char *query)
{
	struct azsign_hdr h[] = { { "x-ms-date", "d" }, { "x-ms-meta-a", "b" } };
	struct azsign_req r = { "GET", "/ctr/k", query, h, 2, 0 };
	struct buf s = BUF_INIT;

	azsign_string(&r, "acct", &s);
	if (!s.p || strncmp(s.p, "GET\n", 4) != 0 ||
	    !strstr(s.p, "\n/acct/ctr/k"))
		abort();
	buf_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *nl;

	memcpy(in, data, size);
	in[size] = '\0';
	unsetenv("AZURE_STORAGE_ACCOUNT_NAME");
	unsetenv("AZURE_STORAGE_ACCOUNT_KEY");
	unsetenv("AZURE_STORAGE_SAS_TOKEN");
	nl = strchr(in, '\n');
	if (nl)
		*nl = '\0';
	load(in);
	sign(nl ? nl + 1 : "");
	free(in);
	return 0;
}
