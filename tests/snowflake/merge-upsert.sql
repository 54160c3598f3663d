CREATE SCHEMA IF NOT EXISTS "golden";
CREATE TABLE IF NOT EXISTS "golden"."_dlt_loads" (load_id VARCHAR NOT NULL, schema_name VARCHAR, status NUMBER(38,0) NOT NULL, inserted_at TIMESTAMP_TZ NOT NULL, schema_version_hash VARCHAR);
CREATE TABLE IF NOT EXISTS "golden"."_dlt_version" (version NUMBER(38,0) NOT NULL, engine_version NUMBER(38,0) NOT NULL, inserted_at TIMESTAMP_TZ NOT NULL, schema_name VARCHAR NOT NULL, version_hash VARCHAR NOT NULL, "schema" VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS "golden"."_stage_loads" (load_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL, "rows" NUMBER(38,0) NOT NULL, PRIMARY KEY (load_id, table_name));
CREATE TABLE IF NOT EXISTS "golden"."_stage_locks" (name VARCHAR NOT NULL, holder VARCHAR, locked_at TIMESTAMP_TZ);
INSERT INTO "golden"."_stage_locks" (name) SELECT 'merge' FROM (SELECT 1 AS one) AS o WHERE NOT EXISTS (SELECT 1 FROM "golden"."_stage_locks" WHERE name = 'merge');
CREATE TABLE IF NOT EXISTS "golden"."users" ("id" NUMBER(38,0) NOT NULL, "s" VARCHAR, "i" NUMBER(38,0), "f" FLOAT, "b" BOOLEAN, "ts" TIMESTAMP_TZ, "d" DATE, "t" TIME, "n" NUMBER(38,9), "j" VARIANT, "x" BINARY, "_dlt_load_id" VARCHAR NOT NULL, "_dlt_id" VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS "golden"."events" ("s" VARCHAR, "i" NUMBER(38,0), "f" FLOAT, "b" BOOLEAN, "ts" TIMESTAMP_TZ, "d" DATE, "t" TIME, "n" NUMBER(38,9), "j" VARIANT, "x" BINARY, "_dlt_load_id" VARCHAR NOT NULL, "_dlt_id" VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS "golden"."clicks" ("id" NUMBER(38,0), "j" VARIANT, "at" TIMESTAMP_TZ, "_dlt_load_id" VARCHAR NOT NULL, "_dlt_id" VARCHAR NOT NULL);
BEGIN;
UPDATE "golden"."_stage_locks" SET holder = '1700000000.000001', locked_at = CURRENT_TIMESTAMP() WHERE name = 'merge';
SELECT t.table_name, t."rows" FROM "golden"."_dlt_loads" AS l LEFT JOIN "golden"."_stage_loads" AS t ON t.load_id = l.load_id WHERE l.load_id = '1700000000.000001' AND l.status = 0;
-- check: rows mean load 1700000000.000001 was merged before: then only its tables and files are checked, nothing is merged
SELECT count(*) FROM "golden_staging"."users" AS s JOIN "golden_staging"."_stage_files" AS f ON f.file_no = FLOOR(s."_stage_row" / 4294967296) WHERE f.load_id = '1700000000.000001' AND f.table_name = 'users';
-- check: must be 5, the rows of users the manifest lists, else ROLLBACK
SELECT count(*) FROM "golden_staging"."events" AS s JOIN "golden_staging"."_stage_files" AS f ON f.file_no = FLOOR(s."_stage_row" / 4294967296) WHERE f.load_id = '1700000000.000001' AND f.table_name = 'events';
-- check: must be 4, the rows of events the manifest lists, else ROLLBACK
SELECT count(*) FROM "golden_staging"."clicks" AS s JOIN "golden_staging"."_stage_files" AS f ON f.file_no = FLOOR(s."_stage_row" / 4294967296) WHERE f.load_id = '1700000000.000001' AND f.table_name = 'clicks';
-- check: must be 5, the rows of clicks the manifest lists, else ROLLBACK
SELECT count(*) FROM "golden_staging"."_stage_files" WHERE load_id = '1700000000.000001' AND table_name = 'users';
-- check: must be 2, the files of users the manifest lists, else ROLLBACK
SELECT count(*) FROM "golden_staging"."_stage_files" WHERE load_id = '1700000000.000001' AND table_name = 'events';
-- check: must be 1, the files of events the manifest lists, else ROLLBACK
SELECT count(*) FROM "golden_staging"."_stage_files" WHERE load_id = '1700000000.000001' AND table_name = 'clicks';
-- check: must be 1, the files of clicks the manifest lists, else ROLLBACK
MERGE INTO "golden"."users" AS d USING (SELECT s."id", s."s", s."i", s."f", s."b", s."ts", s."d", s."t", s."n", s."j", s."x", '1700000000.000001' AS "_dlt_load_id", '1700000000.000001' || '.' || s."_stage_row" AS "_dlt_id" FROM (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s."id" ORDER BY f.seq DESC, s."_stage_row" DESC) AS "_stage_rn" FROM "golden_staging"."users" AS s JOIN "golden_staging"."_stage_files" AS f ON f.file_no = FLOOR(s."_stage_row" / 4294967296) WHERE f.load_id = '1700000000.000001' AND f.table_name = 'users') AS s WHERE s."_stage_rn" = 1) AS s ON (s."id" = d."id") WHEN MATCHED THEN UPDATE SET "s" = s."s", "i" = s."i", "f" = s."f", "b" = s."b", "ts" = s."ts", "d" = s."d", "t" = s."t", "n" = s."n", "j" = s."j", "x" = s."x", "_dlt_load_id" = s."_dlt_load_id" WHEN NOT MATCHED THEN INSERT ("id", "s", "i", "f", "b", "ts", "d", "t", "n", "j", "x", "_dlt_load_id", "_dlt_id") VALUES (s."id", s."s", s."i", s."f", s."b", s."ts", s."d", s."t", s."n", s."j", s."x", s."_dlt_load_id", s."_dlt_id");
INSERT INTO "golden"."events" ("s", "i", "f", "b", "ts", "d", "t", "n", "j", "x", "_dlt_load_id", "_dlt_id") SELECT s."s", s."i", s."f", s."b", s."ts", s."d", s."t", s."n", s."j", s."x", '1700000000.000001', '1700000000.000001' || '.' || s."_stage_row" FROM "golden_staging"."events" AS s JOIN "golden_staging"."_stage_files" AS f ON f.file_no = FLOOR(s."_stage_row" / 4294967296) WHERE f.load_id = '1700000000.000001' AND f.table_name = 'events';
DELETE FROM "golden"."clicks";
INSERT INTO "golden"."clicks" ("id", "j", "at", "_dlt_load_id", "_dlt_id") SELECT s."id", s."j", s."at", '1700000000.000001', '1700000000.000001' || '.' || s."_stage_row" FROM "golden_staging"."clicks" AS s JOIN "golden_staging"."_stage_files" AS f ON f.file_no = FLOOR(s."_stage_row" / 4294967296) WHERE f.load_id = '1700000000.000001' AND f.table_name = 'clicks';
INSERT INTO "golden"."_dlt_loads" (load_id, schema_name, status, inserted_at, schema_version_hash) VALUES ('1700000000.000001', 'golden', 0, CURRENT_TIMESTAMP(), '33c6e493537a3e7ff0f153c09f0f64d181e8d089fcb4e1c7191170f0eb1e0ae0');
INSERT INTO "golden"."_stage_loads" (load_id, table_name, "rows") VALUES ('1700000000.000001', 'users', 5);
INSERT INTO "golden"."_stage_loads" (load_id, table_name, "rows") VALUES ('1700000000.000001', 'events', 4);
INSERT INTO "golden"."_stage_loads" (load_id, table_name, "rows") VALUES ('1700000000.000001', 'clicks', 5);
-- 1700000000.000001: INSERT INTO _dlt_version: dlt's schema of the dataset, when its tables or columns changed
DELETE FROM "golden_staging"."users" WHERE FLOOR("_stage_row" / 4294967296) IN (SELECT file_no FROM "golden_staging"."_stage_files" WHERE load_id = '1700000000.000001' AND table_name = 'users');
DELETE FROM "golden_staging"."events" WHERE FLOOR("_stage_row" / 4294967296) IN (SELECT file_no FROM "golden_staging"."_stage_files" WHERE load_id = '1700000000.000001' AND table_name = 'events');
DELETE FROM "golden_staging"."clicks" WHERE FLOOR("_stage_row" / 4294967296) IN (SELECT file_no FROM "golden_staging"."_stage_files" WHERE load_id = '1700000000.000001' AND table_name = 'clicks');
COMMIT;
