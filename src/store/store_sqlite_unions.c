/* Union and Notas reads of the SQLite backend (store.h, "v4 unions"). Their writes are part of
 * the one commit transaction (store_sqlite_commit.c) and of import (store_sqlite_bulk_unions.c). */
#include <sqlite3.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/log.h"

#define LOG_MODULE "store"

int store_sqlite__unions_get(store_t *st, const char *tag, zunion_t *out, size_t *n)
{
    *n = 0;
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_UNIONS_OF);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
    int rc;
    /* N_UNION is 1..ZUNION_MAX and the key is (tag, n): a spool has at most ZUNION_MAX. */
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < ZUNION_MAX)
        store_sqlite__read_union(q, 0, &out[(*n)++]);
    int ret = rc == SQLITE_ROW || rc == SQLITE_DONE ? ZE_OK : ZE_STORE_UNAVAILABLE;
    if (ret != ZE_OK) {
        LOG_ERROR("unions_get: %s", sqlite3_errmsg(c->db));
        *n = 0;
    }
    sqlite3_reset(q);
    return ret;
}

int store_sqlite__unions_foreach(store_t *st, union_visit_fn fn, void *ud)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_UNIONS_ALL);
    if (!q) return ZE_STORE_UNAVAILABLE;
    /* Streamed: a plant has tens of thousands of unions. The visitor may read the store (other
     * statements of this connection), not visit the unions again from inside. */
    int ret = ZE_OK, rc;
    zunion_t u;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        store_sqlite__read_union(q, 0, &u);
        if ((ret = fn(ud, &u)) != 0) break;
    }
    if (ret == ZE_OK && rc != SQLITE_DONE) {
        LOG_ERROR("unions_foreach: %s", sqlite3_errmsg(c->db));
        ret = ZE_STORE_UNAVAILABLE;
    }
    sqlite3_reset(q);
    return ret;
}

/* Copies src into out (n bytes), cut at a UTF-8 character boundary when it does not fit. */
static void copy_utf8(char *out, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80) len--;
    }
    memcpy(out, src, len);
    out[len] = '\0';
}

int store_sqlite__notas_get(store_t *st, const char *tag, char *out, size_t n)
{
    if (n) out[0] = '\0';
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_NOTAS_GET);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret;
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        if (n) copy_utf8(out, n, t ? (const char *)t : "");
        ret = ZE_OK;
    } else {
        ret = rc == SQLITE_DONE ? ZE_SPOOL_NO_ENCONTRADO : ZE_STORE_UNAVAILABLE;
    }
    sqlite3_reset(q);
    return ret;
}
