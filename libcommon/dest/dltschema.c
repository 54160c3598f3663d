/*
 * dltschema: dlt's stored schema of a dataset (dltschema.h).
 */
#include <stdlib.h>
#include <string.h>

#include "dltschema.h"
#include "json.h"
#include "log.h"
#include "sha256.h"
#include "sql.h"

void
dltschema_init(struct dltschema *s)
{
	memset(s, 0, sizeof *s);
}

void
dltschema_free(struct dltschema *s)
{
	buf_free(&s->tables);
	free(s->table);
	s->table = NULL;
}

static void
put_str(struct buf *b, const char *s)
{
	json_put_str(b, s, strlen(s));
}

/* Closes the table being written: its columns, then its disposition
 * (dlt's own tables are "skip": dlt never loads them from data). */
static void
close_table(struct dltschema *s)
{
	if (!s->table)
		return;
	buf_printf(&s->tables, "},\"write_disposition\":\"%s\"}",
	    strncmp(s->table, "_dlt_", 5) == 0 ? "skip" : "append");
	free(s->table);
	s->table = NULL;
}

void
dltschema_add(struct dltschema *s, const char *table, const char *col,
    enum coltype t, int nullable)
{
	struct buf *b = &s->tables;

	if (!s->table || strcmp(s->table, table) != 0) {
		if (s->table) {
			close_table(s);
			buf_addc(b, ',');
		}
		s->table = xstrdup(table);
		put_str(b, table);
		buf_adds(b, ":{\"name\":");
		put_str(b, table);
		buf_adds(b, ",\"columns\":{");
	} else if (t != CT_NONE && b->p[b->len - 1] != '{') {
		buf_addc(b, ',');
	}
	if (t == CT_NONE)
		return;
	put_str(b, col);
	buf_adds(b, ":{\"name\":");
	put_str(b, col);
	buf_printf(b, ",\"data_type\":\"%s\",\"nullable\":%s}",
	    coltype_name(t), nullable ? "true" : "false");
}

void
dltschema_hash(struct dltschema *s, char hex[65])
{
	close_table(s);
	sha256_hex(s->tables.p ? s->tables.p : "", s->tables.len, hex);
}

void
dltschema_insert_sql(struct dltschema *s, struct buf *b, const char *dataset,
    const char *name, int64_t version, const char *hash, const char *now)
{
	struct buf j = BUF_INIT;

	close_table(s);
	buf_printf(&j, "{\"version\":%lld,\"version_hash\":\"%s\","
	    "\"engine_version\":%d,\"name\":", (long long)version, hash,
	    DLTSCHEMA_ENGINE_VERSION);
	put_str(&j, name);
	buf_adds(&j, ",\"previous_hashes\":[],\"tables\":{");
	if (s->tables.p)
		buf_add(&j, s->tables.p, s->tables.len);
	buf_adds(&j, "}}");
	buf_adds(b, "INSERT INTO ");
	sql_qname(b, dataset, "_dlt_version");
	buf_printf(b, " (version, engine_version, inserted_at, schema_name, "
	    "version_hash, \"schema\") VALUES (%lld, %d, %s, ", (long long)version,
	    DLTSCHEMA_ENGINE_VERSION, now);
	sql_str(b, name);
	buf_adds(b, ", ");
	sql_str(b, hash);
	buf_adds(b, ", ");
	sql_str(b, j.p);
	buf_addc(b, ')');
	buf_free(&j);
}

int
dltschema_ours(const char *hash)
{
	size_t n = strspn(hash, "0123456789abcdef");

	return n == 64 && hash[n] == '\0';
}

void
dltschema_warn_theirs(const char *dataset)
{
	log_warn("%s: _dlt_version's newest schema named %s is dlt's (a dlt "
	    "pipeline named like the dataset): stage's tables are not added "
	    "to it; give the dlt pipeline another name for "
	    "pipeline.dataset() to see them", dataset, dataset);
}
