/* sfput: the reading of PUT answers (what fakesnow and Snowflake send),
 * the stage kinds stage uploads to, and the LOCAL_FS copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfput.h"
#include "tap.h"

static int
parse(const char *body, struct sfput *p, struct buf *why)
{
	buf_reset(why);
	return sfput_parse(body, strlen(body), p, why);
}

int
main(void)
{
	struct sfput p;
	struct buf why = BUF_INIT;
	char dir[] = "/tmp/sfput_test.XXXXXX", path[512], dst[600];
	FILE *f;

	ok(parse("{\"data\":{\"stageInfo\":{\"locationType\":\"GCS\","
	    "\"location\":\"DB.S.%T/\",\"creds\":{},\"presignedUrl\":"
	    "\"http://h/fs_bucket/x.csv\"},\"src_locations\":[\"/x.csv\"],"
	    "\"command\":\"UPLOAD\"},\"success\":true}", &p, &why) == 0,
	    "fakesnow's answer parses");
	ok(strcmp(p.type, "GCS") == 0 && strcmp(p.presigned,
	    "http://h/fs_bucket/x.csv") == 0 && !p.encrypted,
	    "GCS with its presigned URL, not encrypted");
	ok(sfput_check(&p, &why) == 0, "GCS with a presigned URL: supported");
	sfput_free(&p);
	ok(parse("{\"data\":{\"stageInfo\":{\"locationType\":\"S3\","
	    "\"location\":\"b/p/\",\"region\":\"eu-west-1\",\"endPoint\":null,"
	    "\"useS3RegionalUrl\":true,\"creds\":{\"AWS_KEY_ID\":\"k\","
	    "\"AWS_SECRET_KEY\":\"s\",\"AWS_TOKEN\":\"t\"}},"
	    "\"encryptionMaterial\":{\"queryStageMasterKey\":\"a2V5\","
	    "\"queryId\":\"q\",\"smkId\":12345},\"command\":\"UPLOAD\"},"
	    "\"success\":true}", &p, &why) == 0 && p.encrypted,
	    "S3 with encryption material parses, encrypted");
	ok(strcmp(p.smk, "a2V5") == 0 && strcmp(p.query_id, "q") == 0 &&
	    strcmp(p.smk_id, "12345") == 0, "the material: key, queryId, "
	    "smkId (a number, kept as written)");
	ok(strcmp(p.key_id, "k") == 0 && strcmp(p.secret, "s") == 0 &&
	    strcmp(p.token, "t") == 0 && strcmp(p.region, "eu-west-1") == 0 &&
	    !p.endpoint, "S3's creds and region");
	buf_reset(&why);
	ok(sfput_check(&p, &why) == 0, "S3 with creds, encrypted: supported");
	free(p.secret);
	p.secret = NULL;
	buf_reset(&why);
	ok(sfput_check(&p, &why) < 0 && strstr(why.p, "AWS_SECRET_KEY"),
	    "S3 without its secret is refused, saying why: %s", why.p);
	free(p.type);
	p.type = strdup("ORACLE");
	buf_reset(&why);
	ok(sfput_check(&p, &why) < 0 && strstr(why.p, "ORACLE is not "
	    "supported"), "an unknown location type is refused: %s", why.p);
	sfput_free(&p);
	ok(parse("{\"data\":{\"stageInfo\":{\"locationType\":\"AZURE\","
	    "\"location\":\"c/p/\",\"storageAccount\":\"acct\",\"endPoint\":"
	    "\"core.windows.net\",\"creds\":{\"AZURE_SAS_TOKEN\":\"?sv=1&sig=x\"}},"
	    "\"encryptionMaterial\":[{\"queryStageMasterKey\":\"a2V5\","
	    "\"queryId\":\"q2\",\"smkId\":\"7\"}]},\"success\":true}", &p,
	    &why) == 0 && p.encrypted && strcmp(p.query_id, "q2") == 0 &&
	    strcmp(p.smk_id, "7") == 0 && strcmp(p.sas, "?sv=1&sig=x") == 0 &&
	    sfput_check(&p, &why) == 0, "AZURE with a SAS token, material in "
	    "an array: supported");
	sfput_free(&p);
	ok(parse("{\"data\":{\"stageInfo\":{\"locationType\":\"GCS\","
	    "\"location\":\"b/p/\",\"creds\":{}},\"encryptionMaterial\":[]},"
	    "\"success\":true}", &p, &why) == 0 && !p.encrypted &&
	    sfput_check(&p, &why) < 0 && strstr(why.p, "GCS_ACCESS_TOKEN"),
	    "GCS with neither presigned URL nor token: refused, saying why");
	sfput_free(&p);
	ok(parse("{\"data\":{\"stageInfo\":{\"locationType\":\"LOCAL_FS\","
	    "\"location\":\"/l/\"},\"encryptionMaterial\":null},"
	    "\"success\":true}", &p, &why) == 0 && !p.encrypted &&
	    sfput_check(&p, &why) == 0, "LOCAL_FS, null encryption: supported");
	sfput_free(&p);
	ok(parse("{\"data\":{\"errorCode\":\"002003\"},\"code\":\"002003\","
	    "\"message\":\"Stage 'X' does not exist\",\"success\":false}", &p,
	    &why) == 1 && strstr(why.p, "does not exist") && strstr(why.p,
	    "002003"), "a refusal (1) gives Snowflake's message and code");
	ok(parse("{\"data\":{\"rowtype\":[]},\"success\":true}", &p, &why) < 0
	    && strstr(why.p, "no stageInfo"), "no stageInfo: said");
	ok(parse("{\"data\":{\"stageInfo\":{\"location\":\"x\"}},"
	    "\"success\":true}", &p, &why) < 0, "no locationType: refused");
	ok(parse("not json", &p, &why) < 0 && strstr(why.p, "not JSON"),
	    "not JSON: said");
	ok(parse("{\"data\":{\"stageInfo\":{\"locationType\":1,\"location\":"
	    "[]}},\"success\":true}", &p, &why) < 0, "wrong types: refused");

	/* LOCAL_FS: a copy into a directory made on the way */
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/src.csv", dir);
	f = fopen(path, "w");
	fputs("a,b\n1,2\n", f);
	fclose(f);
	memset(&p, 0, sizeof p);
	p.type = strdup("LOCAL_FS");
	snprintf(dst, sizeof dst, "%s/stage/sub/", dir);
	p.location = strdup(dst);
	buf_reset(&why);
	ok(sfput_upload(&p, path, "f1.csv", &why) == 0, "LOCAL_FS copies: %s",
	    why.p ? why.p : "");
	snprintf(dst, sizeof dst, "%s/stage/sub/f1.csv", dir);
	{
		char got[32] = { 0 };
		FILE *g = fopen(dst, "r");
		size_t n = g ? fread(got, 1, sizeof got - 1, g) : 0;
		if (g)
			fclose(g);
		ok(n == 8 && strcmp(got, "a,b\n1,2\n") == 0,
		    "the copy has the bytes");
		unlink(dst);
	}
	buf_reset(&why);
	ok(sfput_upload(&p, "/nonexistent/x", "f2.csv", &why) < 0 &&
	    strstr(why.p, "/nonexistent/x"), "a missing source names it");
	sfput_free(&p);
	unlink(path);
	snprintf(dst, sizeof dst, "%s/stage/sub", dir);
	rmdir(dst);
	snprintf(dst, sizeof dst, "%s/stage", dir);
	rmdir(dst);
	rmdir(dir);
	buf_free(&why);
	return tap_done();
}
