/* Unit tests of dlt's stored schema (dltschema.h): the JSON text that
 * tests/f16-dlt.bats has dlt itself read back. */
#include <string.h>

#include "dltschema.h"
#include "tap.h"

int
main(void)
{
	struct dltschema s;
	struct buf b = BUF_INIT;
	char h1[65], h2[65];

	dltschema_init(&s);
	dltschema_add(&s, "_dlt_loads", "load_id", CT_TEXT, 0);
	dltschema_add(&s, "t\"x", "id", CT_BIGINT, 0);
	dltschema_add(&s, "t\"x", "odd", CT_NONE, 1);
	dltschema_add(&s, "t\"x", "v", CT_DECIMAL, 1);
	dltschema_hash(&s, h1);
	dltschema_insert_sql(&s, &b, "ds", "ds", 3, h1, "now()");
	ok(strstr(b.p, "INSERT INTO \"ds\".\"_dlt_version\" (version, "
	    "engine_version, inserted_at, schema_name, version_hash, \"schema\") "
	    "VALUES (3, 11, now(), 'ds', '") == b.p, "the insert: %s", b.p);
	ok(strstr(b.p, "'{\"version\":3,\"version_hash\":\"") != NULL,
	    "the version and hash lead the JSON");
	ok(strstr(b.p, "\"engine_version\":11,\"name\":\"ds\","
	    "\"previous_hashes\":[],\"tables\":{\"_dlt_loads\":{\"name\":"
	    "\"_dlt_loads\",\"columns\":{\"load_id\":{\"name\":\"load_id\","
	    "\"data_type\":\"text\",\"nullable\":false}},"
	    "\"write_disposition\":\"skip\"},\"t\\\"x\":{\"name\":\"t\\\"x\","
	    "\"columns\":{\"id\":{\"name\":\"id\",\"data_type\":\"bigint\","
	    "\"nullable\":false},\"v\":{\"name\":\"v\",\"data_type\":"
	    "\"decimal\",\"nullable\":true}},\"write_disposition\":"
	    "\"append\"}}}')") != NULL,
	    "tables, columns, types, a name quoted in JSON, a column of no "
	    "dlt type left out");
	dltschema_free(&s);
	buf_free(&b);

	dltschema_init(&s);
	dltschema_add(&s, "t\"x", "id", CT_BIGINT, 0);
	dltschema_add(&s, "t\"x", "v", CT_DECIMAL, 1);
	dltschema_add(&s, "_dlt_loads", "load_id", CT_TEXT, 0);
	dltschema_hash(&s, h2);
	ok(strcmp(h1, h2) != 0, "another order is another version");
	dltschema_free(&s);

	dltschema_init(&s);
	dltschema_add(&s, "_dlt_loads", "load_id", CT_TEXT, 0);
	dltschema_add(&s, "t\"x", "id", CT_BIGINT, 0);
	dltschema_add(&s, "t\"x", "v", CT_DECIMAL, 1);
	dltschema_hash(&s, h2);
	ok(strcmp(h1, h2) == 0, "the same tables, the same hash");
	dltschema_free(&s);

	dltschema_init(&s);
	dltschema_hash(&s, h2);
	dltschema_insert_sql(&s, &b, "ds", "ds", 1, h2, "now()");
	ok(strstr(b.p, "\"tables\":{}}'") != NULL, "no tables: %s", b.p);
	dltschema_free(&s);
	buf_free(&b);
	ok(dltschema_ours(h1), "a hash of ours is ours");
	ok(!dltschema_ours("+pIb606/GDMWa6McSJVc8lGf1coluIOQm6OcjCp0Pyk="),
	    "dlt's base64 hash is not");
	return tap_done();
}
