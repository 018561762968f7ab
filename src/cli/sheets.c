/* `zeues sheets status|push|pull|init`: the spreadsheet sync by hand (app/sheets.h), with the
 * serve options (--sheets-key, --sheet-id, --sheets-api-url, --db / --store, budgets). push
 * runs cycles until nothing is pending; it must not run while a server pushes to the same
 * spreadsheet (both would append the same Metadata rows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sheets.h"
#include "cli/cli.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/config.h"
#include "util/tz.h"

static int fail(const char *what, const sync_err_t *e)
{
    fprintf(stderr, "zeues sheets %s: %s\n", what, e->msg);
    return 1;
}

static int status(store_t *st, sheets_ctx_t *ctx)
{
    int64_t pending = 0, behind = 0, meta = 0, rows = 0, push = 0, pull = 0;
    if (sheets_pending(st, tz_now(), &pending, &behind) != 0) {
        fprintf(stderr, "zeues sheets status: the store cannot be read\n");
        return 1;
    }
    st->ops->sync_get(st, SHEETS_CUR_METADATA, &meta);
    st->ops->sync_get(st, SHEETS_CUR_ROWS, &rows);
    st->ops->sync_get(st, SHEETS_LAST_PUSH, &push);
    st->ops->sync_get(st, SHEETS_LAST_PULL, &pull);
    printf("service account: %s\n", sync_client_email(ctx->client));
    printf("events pending: %lld (oldest %lld s ago)\n", (long long)pending, (long long)behind);
    printf("cursors: Metadata up to event %lld, tracking cells up to event %lld\n",
           (long long)meta, (long long)rows);
    printf("last push: %lld, last pull: %lld (unix seconds, 0 = never)\n", (long long)push,
           (long long)pull);
    json_t *titles = NULL;
    sync_err_t e;
    if (sync_sheet_list(ctx->client, &titles, &e) != SYNC_OK) {
        printf("spreadsheet: not reachable: %s\n", e.msg);
        return 1;
    }
    printf("spreadsheet: reachable, sheets:");
    size_t i;
    json_t *v;
    json_array_foreach(titles, i, v) printf(" %s", json_string_value(json_object_get(v, "title")));
    printf("\n");
    json_decref(titles);
    return 0;
}

int cli_sheets(const char *action, int argc, char **argv)
{
    config_t cfg;
    char err[512];
    if (config_load(&cfg, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "zeues sheets: %s\n", err);
        return 2;
    }
    if (!cfg.sheets_key[0]) {
        fprintf(stderr, "zeues sheets: --sheets-key FILE and --sheet-id ID are required "
                        "(or ZEUES_SHEETS_KEY and ZEUES_SHEET_ID)\n");
        return 2;
    }
    tz_init(cfg.timezone);
    const char *url = cfg.store_url[0] ? cfg.store_url : cfg.db;
    store_t *st = store_open(url, err, sizeof err);
    if (!st) {
        fprintf(stderr, "zeues sheets: %s\n", err);
        return 1;
    }
    sync_opts_t o = {.key_file = cfg.sheets_key,
                     .sheet_id = cfg.sheet_id,
                     .api_url = cfg.sheets_api_url,
                     .writes_per_min = cfg.sheets_writes_per_min,
                     .reads_per_min = cfg.sheets_reads_per_min,
                     .timeout_ms = cfg.sheets_timeout_ms};
    sync_client_t *c = sync_client_new(&o, err, sizeof err);
    if (!c) {
        fprintf(stderr, "zeues sheets: %s\n", err);
        store_close(st);
        return 1;
    }
    sheets_ctx_t ctx;
    sheets_ctx_init(&ctx, c, st);
    sync_err_t e;
    int rc = 0;
    if (strcmp(action, "status") == 0) {
        rc = status(st, &ctx);
    } else if (strcmp(action, "init") == 0) {
        rc = sheets_init(&ctx, &e) == SYNC_OK ? 0 : fail("init", &e);
        if (!rc) printf("spreadsheet ready: Operaciones, Trabajadores, Roles, Uniones, Metadata\n");
    } else if (strcmp(action, "pull") == 0) {
        rc = sheets_pull_once(&ctx, &e) == SYNC_OK ? 0 : fail("pull", &e);
        if (!rc) printf("pulled; %lld tracking cells put back\n", (long long)ctx.conflicts);
    } else {
        sheets_push_result_t r;
        size_t events = 0, cells = 0, rows = 0, deleted = 0;
        do {
            if (sheets_push_once(&ctx, &r, &e) != SYNC_OK) {
                rc = fail("push", &e);
                break;
            }
            events += r.events_appended;
            cells += r.cells_written;
            rows += r.rows_appended;
            deleted += r.rows_deleted;
        } while (r.more);
        if (!rc)
            printf("pushed: %zu events to Metadata, %zu cells, %zu rows appended, %zu deleted\n",
                   events, cells, rows, deleted);
    }
    sync_client_free(c);
    store_close(st);
    return rc;
}
