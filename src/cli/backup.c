/* `zeues backup --to FILE`: a consistent copy of the store while the server keeps running. */
#include <stdio.h>

#include "cli/cli.h"
#include "core/errors.h"
#include "store/store.h"

int cli_backup(store_t *st, const char *to)
{
    if (!st->ops->backup) {
        fprintf(stderr, "zeues backup: the %s store is backed up with its own tools (for "
                        "PostgreSQL: pg_dump), not by zeues\n", st->ops->name);
        return 2;
    }
    char err[512] = "";
    if (st->ops->backup(st, to, err, sizeof err) != ZE_OK) {
        fprintf(stderr, "zeues backup: %s\n", err[0] ? err : "failed");
        return 1;
    }
    printf("zeues backup: wrote %s\n", to);
    return 0;
}
