/*
 * az_cfg_test: where az:// finds its account, credentials and endpoint
 * (az_cfg_load): connection strings (Azurite's BlobEndpoint,
 * EndpointSuffix, DefaultEndpointsProtocol, UseDevelopmentStorage, a SAS),
 * abfss://'s dfs host mapped to the blob host, dlt's settings before the
 * environment before the connection string, --endpoint over all, and the
 * errors, which never hold the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "az.h"
#include "log.h"
#include "tap.h"

#define KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6" \
	"tq/K1SZFPTOtr/KBHBeksoGMGw=="

static const char *dlt_name, *dlt_key;

static const char *
dlt(void *ctx, const char *k)
{
	(void)ctx;
	if (strcmp(k, "destination.filesystem.credentials."
	    "azure_storage_account_name") == 0)
		return dlt_name;
	if (strcmp(k, "destination.filesystem.credentials."
	    "azure_storage_account_key") == 0)
		return dlt_key;
	return NULL;
}

static void
clear_env(void)
{
	unsetenv("AZURE_STORAGE_CONNECTION_STRING");
	unsetenv("AZURE_STORAGE_ACCOUNT_NAME");
	unsetenv("AZURE_STORAGE_ACCOUNT_KEY");
	unsetenv("AZURE_STORAGE_SAS_TOKEN");
	unsetenv("AZURE_STORAGE_ACCOUNT");
	unsetenv("AZURE_STORAGE_KEY");
	dlt_name = dlt_key = NULL;
}

/* Loads with url_account/url_host/flag; "scheme://host|base|account|
 * key-or-sas" into out, or "error: ..." */
static void
load(const char *ua, const char *uh, const char *flag, struct buf *out)
{
	struct az a = { 0 };
	struct buf err = BUF_INIT;

	buf_reset(out);
	if (az_cfg_load(&a.cfg, "ctr", ua, uh, flag, dlt, NULL, &err)) {
		buf_printf(out, "error: %s", err.p);
	} else {
		buf_printf(out, "%s://%s|%s|%s|%s", a.cfg.scheme, a.cfg.host,
		    a.cfg.base, a.cfg.account ? a.cfg.account : "-",
		    a.cfg.key.len ? "key" : a.cfg.sas ? a.cfg.sas : "-");
	}
	buf_free(&err);
	az_free(&a);
}

static void
connection_strings(struct buf *o)
{
	clear_env();
	setenv("AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol="
	    "http;AccountName=devstoreaccount1;AccountKey=" KEY ";BlobEndpoint="
	    "http://127.0.0.1:10000/devstoreaccount1/;", 1);
	load(NULL, NULL, NULL, o);
	ok(strcmp(o->p, "http://127.0.0.1:10000|/devstoreaccount1|"
	    "devstoreaccount1|key") == 0, "Azurite's connection string: %s",
	    o->p);
	setenv("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true",
	    1);
	load(NULL, NULL, NULL, o);
	ok(strcmp(o->p, "http://127.0.0.1:10000|/devstoreaccount1|"
	    "devstoreaccount1|key") == 0, "UseDevelopmentStorage=true: %s",
	    o->p);
	setenv("AZURE_STORAGE_CONNECTION_STRING", "accountname=acct;"
	    "SharedAccessSignature=sv=1&sig=x%3D;EndpointSuffix="
	    "core.chinacloudapi.cn", 1);
	load(NULL, NULL, NULL, o);
	ok(strcmp(o->p, "https://acct.blob.core.chinacloudapi.cn||acct|"
	    "sv=1&sig=x%3D") == 0, "a SAS, another cloud's suffix, names in "
	    "any case: %s", o->p);
	setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=a;s3cr3t", 1);
	load(NULL, NULL, NULL, o);
	ok(strstr(o->p, "a part without '='") && !strstr(o->p, "s3cr3t"),
	    "a malformed one is named, its parts are not printed");
}

static void
precedence(struct buf *o)
{
	clear_env();
	setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=cs;"
	    "AccountKey=" KEY, 1);
	setenv("AZURE_STORAGE_ACCOUNT_NAME", "env", 1);
	load(NULL, NULL, NULL, o);
	ok(strcmp(o->p, "https://env.blob.core.windows.net||env|key") == 0,
	    "the environment's account before the connection string's: %s",
	    o->p);
	dlt_name = "dltacct";
	load(NULL, NULL, NULL, o);
	ok(strcmp(o->p, "https://dltacct.blob.core.windows.net||dltacct|key")
	    == 0, "dlt's before the environment's: %s", o->p);
	setenv("AZURE_STORAGE_SAS_TOKEN", "?sv=2&sig=y", 1);
	load(NULL, NULL, NULL, o);
	ok(strcmp(o->p, "https://dltacct.blob.core.windows.net||dltacct|"
	    "sv=2&sig=y") == 0, "the environment's SAS (its '?' dropped) "
	    "before the connection string's key: %s", o->p);
	load("urlacct", "urlacct.dfs.core.usgovcloudapi.net", NULL, o);
	ok(strcmp(o->p, "https://urlacct.blob.core.usgovcloudapi.net||"
	    "urlacct|sv=2&sig=y") == 0, "abfss://'s account and dfs host, "
	    "mapped to the blob host: %s", o->p);
	load("urlacct", "urlacct.dfs.core.windows.net",
	    "http://127.0.0.1:9/x/", o);
	ok(strcmp(o->p, "http://127.0.0.1:9|/x|urlacct|sv=2&sig=y") == 0,
	    "--endpoint over all: %s", o->p);
}

static void
errors(struct buf *o)
{
	clear_env();
	load(NULL, NULL, NULL, o);
	ok(strstr(o->p, "error: no Azure storage account") != NULL,
	    "nothing configured: %s", o->p);
	setenv("AZURE_STORAGE_ACCOUNT_NAME", "a", 1);
	load(NULL, NULL, NULL, o);
	ok(strstr(o->p, "error: no Azure credentials") != NULL,
	    "an account without a key or SAS");
	setenv("AZURE_STORAGE_ACCOUNT_KEY", "sekrit-not-base64", 1);
	load(NULL, NULL, NULL, o);
	ok(strstr(o->p, "not base64") && !strstr(o->p, "sekrit"),
	    "a key that is not base64, not printed: %s", o->p);
	clear_env();
	setenv("AZURE_STORAGE_ACCOUNT_KEY", KEY, 1);
	load(NULL, NULL, "http://127.0.0.1:9/x", o);
	ok(strstr(o->p, "no account name to sign with") != NULL,
	    "a key without an account name: %s", o->p);
	load(NULL, NULL, "ftp://h", o);
	ok(strstr(o->p, "--endpoint ftp://h: not an http") != NULL,
	    "an endpoint that is not http(s): %s", o->p);
}

int
main(void)
{
	struct buf o = BUF_INIT;

	log_init("az_cfg_test");
	connection_strings(&o);
	precedence(&o);
	errors(&o);
	buf_free(&o);
	clear_env();
	return tap_done();
}
