/* zeues migrate --from SQLITE-URL --to POSTGRES-URL [--force]: the one-time move of a plant
 * from the embedded SQLite store to PostgreSQL (store_pg_migrate_from_sqlite does the copy). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/errors.h"
#include "store/store.h"

static int is_postgres(const char *url)
{
    return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

int cli_migrate(const char *from, const char *to, int force)
{
    if (!from || !to) {
        fprintf(stderr, "zeues migrate: --from SQLITE-URL and --to POSTGRES-URL are required\n");
        return 2;
    }
    if (is_postgres(from) || (strstr(from, "://") && strncmp(from, "sqlite:", 7) != 0)) {
        fprintf(stderr, "zeues migrate: --from must be a SQLite store (sqlite:///path or a file)\n");
        return 2;
    }
    if (!is_postgres(to)) {
        fprintf(stderr, "zeues migrate: --to must be a postgres:// or postgresql:// URL\n");
        return 2;
    }
    char path[1024], safe[1024], err[1024];
    store_location(from, path, sizeof path);
    store_location(to, safe, sizeof safe);
    int rc = store_pg_migrate_from_sqlite(path, to, force, stdout, err, sizeof err);
    if (rc != ZE_OK) {
        fprintf(stderr, "zeues migrate: %s\n", err);
        return rc == ZE_BAD_REQUEST ? 2 : 1;
    }
    printf("zeues migrate: %s copied into %s; every table's row count verified\n", path, safe);
    return 0;
}
