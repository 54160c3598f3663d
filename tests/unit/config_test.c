/* Unit tests of the configuration lookup and its precedence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/.dlt", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/.dlt/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static int
is(const struct config *c, const char *key, const char *want)
{
	const char *v = config_get(c, key);

	return v && strcmp(v, want) == 0;
}

int
main(void)
{
	char home[] = "/tmp/stage-config-home.XXXXXX";
	char proj[] = "/tmp/stage-config-proj.XXXXXX";
	struct config *c;
	char cmd[256];

	if (!mkdtemp(home) || !mkdtemp(proj))
		return 1;
	setenv("HOME", home, 1);
	setenv("DLT_PROJECT_DIR", proj, 1);
	unsetenv("DESTINATION__FILESYSTEM__BUCKET_URL");
	put(home, "config.toml", "[a]\nx = 'home-config'\ny = 'home-config'\n"
	    "z = 'home-config'\nw = 'home-config'\n");
	put(home, "secrets.toml", "[a]\ny = 'home-secrets'\nz = 'home-secrets'\n"
	    "w = 'home-secrets'\n");
	put(proj, "config.toml", "[a]\nz = 'proj-config'\nw = 'proj-config'\n"
	    "[destination.postgres.credentials]\nhost = 'h'\n");
	put(proj, "secrets.toml", "[a]\nw = 'proj-secrets'\n"
	    "[destination.postgres.credentials]\npassword = 's3cret'\n");
	c = config_load();
	ok(c != NULL, "loads four files");
	ok(is(c, "a.x", "home-config"), "home config.toml is read");
	ok(is(c, "a.y", "home-secrets"), "home secrets.toml beats it");
	ok(is(c, "a.z", "proj-config"), "project config.toml beats home");
	ok(is(c, "a.w", "proj-secrets"), "project secrets.toml beats all files");
	setenv("A__W", "env", 1);
	ok(is(c, "a.w", "env"), "an environment variable beats every file");
	ok(strcmp(config_origin(c, "a.w"), "the environment") == 0,
	    "origin names the environment");
	unsetenv("A__W");
	ok(strstr(config_origin(c, "a.w"), "/.dlt/secrets.toml:2") != NULL,
	    "origin names file and line");
	ok(config_is_table(c, "destination.postgres.credentials"),
	    "credentials given as fields is a table");
	ok(!config_is_table(c, "destination.filesystem"), "absent is no table");
	setenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID", "k", 1);
	ok(config_is_table(c, "destination.filesystem.credentials"),
	    "env variables below a key make it a table");
	ok(config_get(c, "nope.nothing") == NULL, "absent key is NULL");
	config_free(c);

	put(proj, "config.toml", "[a]\nok = 1\nbad = \n");
	fflush(stdout);
	c = config_load();
	ok(c == NULL, "a syntax error fails the load (file:line on stderr)");
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", home, proj);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
