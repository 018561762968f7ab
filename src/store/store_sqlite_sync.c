/* The spreadsheet sync's named integers in the SQLite backend (store.h sync_get / sync_put):
 * one row per name in sync_state. Written a few times a minute by the sync worker, so the
 * statements are prepared per call like the device ones; no generation change (no cached
 * answer derives from them). */
#include <sqlite3.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/log.h"

#define LOG_MODULE "store"

int store_sqlite__sync_get(store_t *st, const char *name, int64_t *out)
{
    *out = 0;
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT value FROM sync_state WHERE name = ?1", -1, &q,
                           NULL) != SQLITE_OK) {
        LOG_ERROR("sync_get: prepare: %s", sqlite3_errmsg(c->db));
        sqlite3_finalize(q);
        return ZE_STORE_UNAVAILABLE;
    }
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret = ZE_OK;
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(q, 0);
    else if (rc != SQLITE_DONE) ret = ZE_STORE_UNAVAILABLE;
    sqlite3_finalize(q);
    return ret;
}

int store_sqlite__sync_put(store_t *st, const char *name, int64_t value)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db,
                           "INSERT INTO sync_state(name, value) VALUES(?1, ?2)"
                           " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, value);
        ret = sqlite3_step(q) == SQLITE_DONE ? ZE_OK : ZE_STORE_UNAVAILABLE;
    }
    if (ret != ZE_OK) LOG_ERROR("sync_put: %s", sqlite3_errmsg(c->db));
    sqlite3_finalize(q);
    return store_sqlite__write_end(ss, c, ret, 0);
}
