/*
 * upload: the manifest side of stage-put (upload.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "upload.h"

#define DEFAULT_BUCKET "./stage-bucket"

static int
bad_line(const struct mline *m, const char *field, const char *why)
{
	log_err("%s:%zu: field '%s' %s", m->src, m->lineno, field, why);
	return -1;
}

int
upload_line(const struct mline *m, struct mfile *f)
{
	memset(f, 0, sizeof *f);
	if (mline_need(m, mf_name[MF_FILE], JSON_STRING) ||
	    mline_need(m, mf_name[MF_SHA256], JSON_STRING))
		return -1;
	if (mfile_parse(m, f) < 0) {
		mfile_free(f);
		return -1;
	}
	if (strlen(f->sha256) != 64 ||
	    strspn(f->sha256, "0123456789abcdef") != 64) {
		mfile_free(f);
		return bad_line(m, mf_name[MF_SHA256],
		    "is not 64 lower-case hex digits");
	}
	if (!*f->file) {
		mfile_free(f);
		return bad_line(m, mf_name[MF_FILE], "is empty");
	}
	return 0;
}

void
upload_emit(const struct storage *st, const char *text, size_t len,
    const char *url)
{
	struct mline m = { 0 };
	struct buf out = BUF_INIT, u = BUF_INIT;
	struct storage_member sm[STORAGE_MAXM];
	struct mfield f[1 + STORAGE_MAXM];
	size_t nm;

	m.text = (char *)text;
	m.len = len;
	if (json_parse(&m.doc, m.text, m.len))
		die(EXIT_FAIL, "internal error: a manifest line reparsed badly");
	json_put_str(&u, url, strlen(url));
	f[0] = (struct mfield){ mf_name[MF_URL], u.p, u.len };
	nm = storage_members(st, sm);
	for (size_t i = 0; i < nm; i++)
		f[1 + i] = (struct mfield){ sm[i].name, sm[i].json.p,
		    sm[i].json.len };
	mline_rebuild(&out, &m, f, 1 + nm);
	manifest_emit(&out);
	m.text = NULL;
	mline_free(&m);
	buf_free(&out);
	buf_free(&u);
	storage_members_free(sm, nm);
}

const char *
upload_default_bucket(const struct config *cfg)
{
	const char *v = cfg ? config_get(cfg,
	    "destination.filesystem.bucket_url") : NULL;

	if (v && *v)
		return v;
	v = getenv("STAGE_BUCKET_URL");
	return v && *v ? v : DEFAULT_BUCKET;
}

int
upload_root_usable(const struct storage *st)
{
	const char *root = st->url + strlen("file://");
	struct stat sb;
	char *parent;
	int r = 0;

	if (strncmp(st->url, "file://", 7) != 0 || stat(root, &sb) == 0)
		return 0;
	parent = xstrdup(root);
	if (strrchr(parent, '/'))
		*strrchr(parent, '/') = '\0';
	if (*parent && (stat(parent, &sb) < 0 || !S_ISDIR(sb.st_mode))) {
		log_err("%s: its parent directory %s does not exist (a typo? "
		    "create it first to stage there)", root, parent);
		r = -1;
	}
	free(parent);
	return r;
}
