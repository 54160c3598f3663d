/*
 * config: configuration as dlt users know it, one module for all four
 * programs.
 *
 * Sources, lowest to highest precedence: ~/.dlt/config.toml,
 * ~/.dlt/secrets.toml, <project>/.dlt/config.toml,
 * <project>/.dlt/secrets.toml (project = $DLT_PROJECT_DIR or the current
 * directory), then environment variables named after the dotted key in
 * dlt's style (destination.filesystem.bucket_url ->
 * DESTINATION__FILESYSTEM__BUCKET_URL).  Flags override all of it in each
 * program.  Only the TOML that dlt configs use is accepted, strictly: an
 * error names the file and line.
 */
#ifndef STAGE_CONFIG_H
#define STAGE_CONFIG_H

struct config;

/* NULL after reporting "file:line: why" (the caller exits 2). */
struct config *config_load(void);
void config_free(struct config *c);

/* The value of a dotted key as text (strings unquoted, numbers and
 * booleans as written), or NULL.  Owned by c. */
const char *config_get(const struct config *c, const char *key);
/* 1 if key names a table (e.g. destination.postgres.credentials given as
 * fields rather than as one URL), counting env variables below it. */
int config_is_table(const struct config *c, const char *key);
/* Where the value came from, for messages: "the environment",
 * ".dlt/secrets.toml:12", or NULL. */
const char *config_origin(const struct config *c, const char *key);

#endif
