/*
 * sfput: the client side of Snowflake's PUT (sfput.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "json.h"
#include "sfcse.h"
#include "sfput.h"
#include "sha256.h"

/* Frees a secret after overwriting it. */
static void
wipe(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

void
sfput_free(struct sfput *p)
{
	free(p->type);
	free(p->location);
	free(p->presigned);
	free(p->command);
	free(p->region);
	free(p->endpoint);
	free(p->account);
	free(p->key_id);
	free(p->query_id);
	free(p->smk_id);
	wipe(p->secret);
	wipe(p->token);
	wipe(p->sas);
	wipe(p->gcs_token);
	wipe(p->smk);
	memset(p, 0, sizeof *p);
}

static void
refusal(const struct json_doc *d, struct buf *why)
{
	char *msg = json_obj_str(d, 0, "message");
	char *code = json_obj_str(d, 0, "code");

	buf_printf(why, "PUT refused: %s", msg ? msg : "no message");
	if (code)
		buf_printf(why, " (code %s)", code);
	free(msg);
	free(code);
}

/* A string member, NULL when absent or empty. */
static char *
str_nz(const struct json_doc *d, int obj, const char *key)
{
	char *v = json_obj_str(d, obj, key);

	if (v && !*v) {
		free(v);
		v = NULL;
	}
	return v;
}

static void
parse_stage(const struct json_doc *d, int si, struct sfput *p)
{
	int creds = json_obj_get(d, si, "creds");

	p->type = json_obj_str(d, si, "locationType");
	p->location = json_obj_str(d, si, "location");
	p->presigned = str_nz(d, si, "presignedUrl");
	p->region = str_nz(d, si, "region");
	p->endpoint = str_nz(d, si, "endPoint");
	p->account = str_nz(d, si, "storageAccount");
	if (creds < 0 || d->tok[creds].type != JSON_OBJECT)
		return;
	p->key_id = str_nz(d, creds, "AWS_KEY_ID");
	p->secret = str_nz(d, creds, "AWS_SECRET_KEY");
	p->token = str_nz(d, creds, "AWS_TOKEN");
	p->sas = str_nz(d, creds, "AZURE_SAS_TOKEN");
	p->gcs_token = str_nz(d, creds, "GCS_ACCESS_TOKEN");
}

/* encryptionMaterial: an object, or (several source files) an array of
 * them, of which the first is this file's; null or empty: none. */
static void
parse_material(const struct json_doc *d, int data, struct sfput *p)
{
	int em = json_obj_get(d, data, "encryptionMaterial"), sid;
	struct buf b = BUF_INIT;

	if (em >= 0 && d->tok[em].type == JSON_ARRAY &&
	    d->tok[em].end > (uint32_t)em + 1)
		em++;
	if (em < 0 || d->tok[em].type != JSON_OBJECT ||
	    d->tok[em].end == (uint32_t)em + 1)
		return;
	p->encrypted = 1;
	p->smk = json_obj_str(d, em, "queryStageMasterKey");
	p->query_id = json_obj_str(d, em, "queryId");
	sid = json_obj_get(d, em, "smkId");
	if (sid >= 0 && d->tok[sid].type == JSON_STRING)
		p->smk_id = json_obj_str(d, em, "smkId");
	else if (sid >= 0 && d->tok[sid].type == JSON_NUMBER) {
		json_put_raw(&b, &d->tok[sid]);
		p->smk_id = strdup(b.p);
	}
	buf_free(&b);
}

int
sfput_parse(const char *body, size_t n, struct sfput *p, struct buf *why)
{
	struct json_doc d = { 0 };
	int ok, data, si, r = -1;

	memset(p, 0, sizeof *p);
	if (json_parse(&d, body, n) < 0 || d.tok[0].type != JSON_OBJECT) {
		buf_printf(why, "PUT: the answer is not JSON (%s)", d.err);
		goto out;
	}
	ok = json_obj_get(&d, 0, "success");
	if (ok < 0 || d.tok[ok].type != JSON_TRUE) {
		refusal(&d, why);
		r = 1;
		goto out;
	}
	data = json_obj_get(&d, 0, "data");
	if (data < 0 || d.tok[data].type != JSON_OBJECT ||
	    (si = json_obj_get(&d, data, "stageInfo")) < 0 ||
	    d.tok[si].type != JSON_OBJECT) {
		buf_adds(why, "PUT: the answer has no stageInfo (is this a "
		    "Snowflake that stages files?)");
		goto out;
	}
	parse_stage(&d, si, p);
	p->command = json_obj_str(&d, data, "command");
	parse_material(&d, data, p);
	if (!p->type || !p->location) {
		buf_adds(why, "PUT: stageInfo lacks locationType or location");
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		sfput_free(p);
	json_doc_free(&d);
	return r;
}

/* What a cloud stage lacks for stage to upload to it, or NULL. */
static const char *
cloud_lacks(const struct sfput *p)
{
	if (strcmp(p->type, "S3") == 0)
		return p->key_id && p->secret ? NULL :
		    "S3 stage without AWS_KEY_ID and AWS_SECRET_KEY in its creds";
	if (strcmp(p->type, "AZURE") == 0)
		return p->account && p->sas && p->endpoint ? NULL :
		    "AZURE stage without storageAccount, endPoint or "
		    "AZURE_SAS_TOKEN";
	if (strcmp(p->type, "GCS") == 0)
		return p->presigned || p->gcs_token ? NULL :
		    "GCS stage without a presigned URL or GCS_ACCESS_TOKEN";
	return "";
}

int
sfput_check(const struct sfput *p, struct buf *why)
{
	const char *lack;

	if (p->command && strcmp(p->command, "UPLOAD") != 0) {
		buf_printf(why, "PUT answered command %s, not UPLOAD",
		    p->command);
		return -1;
	}
	if (strcmp(p->type, "LOCAL_FS") == 0)
		return 0;
	if ((lack = cloud_lacks(p)) && !*lack) {
		buf_printf(why, "stage location type %s is not supported "
		    "(LOCAL_FS, S3, AZURE and GCS are)", p->type);
		return -1;
	}
	if (lack) {
		buf_printf(why, "the PUT's answer names an %s", lack);
		return -1;
	}
	return 0;
}

/* mkdir -p of dir. */
static int
mkdirs(const char *dir)
{
	char *d = strdup(dir);
	int r = 0;

	if (!d)
		return -1;
	for (char *s = d + 1; r == 0 && *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(d, 0777) < 0 && errno != EEXIST)
			r = -1;
		*s = '/';
	}
	if (r == 0 && mkdir(d, 0777) < 0 && errno != EEXIST)
		r = -1;
	free(d);
	return r;
}

static int
copy_fd(int in, int out)
{
	char b[1 << 16];
	ssize_t n;

	while ((n = read(in, b, sizeof b)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fd_write_all(out, b, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* LOCAL_FS: a copy into location, made under a temporary name and
 * renamed, so that a reader never sees half a file. */
static int
local_copy(const struct sfput *p, const char *path, const char *name,
    struct buf *why)
{
	struct buf dst = BUF_INIT, tmp = BUF_INIT;
	int in = -1, out = -1, r = -1;
	size_t l = strlen(p->location);

	buf_printf(&dst, "%s%s%s", p->location, l && p->location[l - 1] ==
	    '/' ? "" : "/", name);
	buf_printf(&tmp, "%s.part%ld", dst.p, (long)getpid());
	if (mkdirs(p->location) < 0) {
		buf_printf(why, "PUT: cannot make %s: %s", p->location,
		    strerror(errno));
		goto out;
	}
	if ((in = open(path, O_RDONLY)) < 0 ||
	    (out = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0 ||
	    copy_fd(in, out) < 0 || close(out) < 0 ||
	    rename(tmp.p, dst.p) < 0) {
		buf_printf(why, "PUT: cannot copy %s to %s: %s", path, dst.p,
		    strerror(errno));
		out = -1;
		unlink(tmp.p);
		goto out;
	}
	out = -1;
	r = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	buf_free(&dst);
	buf_free(&tmp);
	return r;
}

/* The file to send: path itself, or its encryption into path.enc
 * (meta filled) when the stage asks for it; its size and, for S3, the
 * hex SHA-256 of the bytes sent. */
struct upfile {
	int fd;
	uint64_t size;
	char sha256[65];
	struct buf enc;		/* the encrypted copy's path, or empty */
	struct sfcse_meta meta;
	int has_meta;
};

/* Encrypts the file open on in into path.enc, which f then sends. */
static int
encrypt_to(const struct sfput *p, int in, const char *path,
    struct upfile *f, struct buf *why)
{
	struct sfcse_key k;
	int out;

	if (sfcse_key_set(&k, p->smk, p->query_id, p->smk_id, why) < 0)
		return -1;
	buf_printf(&f->enc, "%s.enc", path);
	out = open(f->enc.p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (out < 0) {
		buf_printf(why, "PUT: cannot write %s: %s", f->enc.p,
		    strerror(errno));
		sfcse_key_free(&k);
		return -1;
	}
	f->fd = out;
	if (sfcse_encrypt(&k, in, out, NULL, NULL, &f->meta, why) < 0 ||
	    lseek(out, 0, SEEK_SET) < 0) {
		sfcse_key_free(&k);
		return -1;
	}
	sfcse_key_free(&k);
	f->has_meta = 1;
	f->size = f->meta.size;
	memcpy(f->sha256, f->meta.sha256, sizeof f->sha256);
	return 0;
}

static int
upfile_open(const struct sfput *p, const char *path, struct upfile *f,
    struct buf *why)
{
	struct stat st;
	int in = open(path, O_RDONLY), r;

	memset(f, 0, sizeof *f);
	f->fd = -1;
	if (in < 0 || fstat(in, &st) < 0) {
		buf_printf(why, "PUT: cannot read %s: %s", path,
		    strerror(errno));
		if (in >= 0)
			close(in);
		return -1;
	}
	if (p->encrypted) {
		r = encrypt_to(p, in, path, f, why);
		close(in);
		return r;
	}
	f->fd = in;
	f->size = (uint64_t)st.st_size;
	if (strcmp(p->type, "S3") != 0 || sha256_file(path, f->sha256,
	    NULL) == 0)
		return 0;
	buf_printf(why, "PUT: cannot read %s: %s", path, strerror(errno));
	return -1;
}

static void
upfile_close(struct upfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->enc.len)
		unlink(f->enc.p);
	buf_free(&f->enc);
}

int
sfput_upload(const struct sfput *p, const char *path, const char *name,
    struct buf *why)
{
	struct upfile f;
	const struct sfcse_meta *m;
	int r = -1;

	if (sfput_check(p, why) < 0)
		return -1;
	if (strcmp(p->type, "LOCAL_FS") == 0)
		return local_copy(p, path, name, why);
	if (upfile_open(p, path, &f, why) == 0) {
		m = f.has_meta ? &f.meta : NULL;
		if (strcmp(p->type, "S3") == 0)
			r = sfput_s3(p, f.fd, f.size, m, f.sha256, name, why);
		else if (strcmp(p->type, "AZURE") == 0)
			r = sfput_azure(p, f.fd, f.size, m, name, why);
		else
			r = sfput_gcs(p, f.fd, f.size, m, name, why);
	}
	upfile_close(&f);
	return r;
}
