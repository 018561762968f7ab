/* Supervisor accounts and their sign-in sessions in the SQLite backend (store.h, supervisor_t).
 * Only a password hash (made by the app layer) and hashes of session tokens are stored. Like the
 * device statements, these are prepared per call: sign-ins and sign-outs are rare, and the one
 * per-request read, session_get, is a single lookup by primary key. None of these writes bumps
 * the generation: no cached answer is derived from them. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/log.h"

#define LOG_MODULE "store"

#define SUP_COLS "s.id, s.name, s.pw_hash, s.created_at, s.updated_at"

static sqlite3_stmt *prepare(conn_t *c, const char *sql)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) {
        LOG_ERROR("accounts: prepare: %s", sqlite3_errmsg(c->db));
        sqlite3_finalize(q);
        return NULL;
    }
    return q;
}

static void read_supervisor(sqlite3_stmt *q, supervisor_t *s)
{
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(q, 0);
    store_sqlite__copy_col(s->name, sizeof s->name, q, 1);
    store_sqlite__copy_col(s->pw_hash, sizeof s->pw_hash, q, 2);
    s->created_at = sqlite3_column_int64(q, 3);
    s->updated_at = sqlite3_column_int64(q, 4);
}

/* Runs one write statement to its end; *changes (may be NULL) gets the rows it changed. */
static int step_done(conn_t *c, sqlite3_stmt *q, int *changes)
{
    if (!q) return ZE_STORE_UNAVAILABLE;
    if (sqlite3_step(q) != SQLITE_DONE) {
        LOG_ERROR("accounts: write: %s", sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    if (changes) *changes = sqlite3_changes(c->db);
    return ZE_OK;
}

int store_sqlite__supervisor_put(store_t *st, const char *name, const char *pw_hash,
                                 int64_t now, int *created)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int changes = 0;
    *created = 0;
    sqlite3_stmt *upd = prepare(c, "UPDATE supervisors SET pw_hash = ?2, updated_at = ?3"
                                   " WHERE name = ?1");
    sqlite3_stmt *ins = NULL, *end = NULL;
    if (upd) {
        sqlite3_bind_text(upd, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(upd, 2, pw_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(upd, 3, now);
    }
    int ret = step_done(c, upd, &changes);
    if (ret == ZE_OK && changes == 0) {
        ins = prepare(c, "INSERT INTO supervisors(name, pw_hash, created_at, updated_at)"
                         " VALUES(?1, ?2, ?3, ?3)");
        if (ins) {
            sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, pw_hash, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 3, now);
        }
        ret = step_done(c, ins, NULL);
        if (ret == ZE_OK) *created = 1;
    } else if (ret == ZE_OK) {
        /* A new password ends every session of the old one (a password changed because it
         * leaked must not leave the thief signed in). */
        end = prepare(c, "DELETE FROM sessions WHERE supervisor_id ="
                         " (SELECT id FROM supervisors WHERE name = ?1)");
        if (end) sqlite3_bind_text(end, 1, name, -1, SQLITE_STATIC);
        ret = step_done(c, end, NULL);
    }
    sqlite3_finalize(upd);
    sqlite3_finalize(ins);
    sqlite3_finalize(end);
    return store_sqlite__write_end(ss, c, ret, 0);
}

int store_sqlite__supervisor_get(store_t *st, const char *name, supervisor_t *out)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = prepare(c, "SELECT " SUP_COLS " FROM supervisors s WHERE s.name = ?1");
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret = ZE_OK;
    if (rc == SQLITE_ROW) read_supervisor(q, out);
    else if (rc == SQLITE_DONE) ret = ZE_NOT_FOUND;
    else ret = ZE_STORE_UNAVAILABLE;
    sqlite3_finalize(q);
    return ret;
}

int store_sqlite__session_add(store_t *st, int64_t supervisor_id, const char *token_hash,
                              int64_t expires_at, int64_t now)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int changes = 0;
    sqlite3_stmt *sweep = prepare(c, "DELETE FROM sessions WHERE expires_at <= ?1");
    sqlite3_stmt *ins = NULL;
    if (sweep) sqlite3_bind_int64(sweep, 1, now);
    int ret = step_done(c, sweep, NULL);
    if (ret == ZE_OK) {
        ins = prepare(c, "INSERT INTO sessions(token_hash, supervisor_id, created_at, expires_at)"
                         " SELECT ?1, id, ?3, ?4 FROM supervisors WHERE id = ?2");
        if (ins) {
            sqlite3_bind_text(ins, 1, token_hash, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 2, supervisor_id);
            sqlite3_bind_int64(ins, 3, now);
            sqlite3_bind_int64(ins, 4, expires_at);
        }
        ret = step_done(c, ins, &changes);
        if (ret == ZE_OK && changes != 1) ret = ZE_NOT_FOUND;
    }
    sqlite3_finalize(sweep);
    sqlite3_finalize(ins);
    return store_sqlite__write_end(ss, c, ret, 0);
}

int store_sqlite__session_get(store_t *st, const char *token_hash, int64_t now,
                              supervisor_t *out, int64_t *expires_at)
{
    conn_t *c = store_sqlite__conn_get((sqlite_store_t *)st);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = prepare(c, "SELECT " SUP_COLS ", x.expires_at FROM sessions x"
                                 " JOIN supervisors s ON s.id = x.supervisor_id"
                                 " WHERE x.token_hash = ?1 AND x.expires_at > ?2");
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, token_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, now);
    int rc = sqlite3_step(q), ret = ZE_OK;
    if (rc == SQLITE_ROW) {
        read_supervisor(q, out);
        if (expires_at) *expires_at = sqlite3_column_int64(q, 5);
    } else if (rc == SQLITE_DONE) {
        ret = ZE_NOT_FOUND;
    } else {
        ret = ZE_STORE_UNAVAILABLE;
    }
    sqlite3_finalize(q);
    return ret;
}

int store_sqlite__session_end(store_t *st, const char *token_hash)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__write_begin(ss);
    if (!c) return ZE_STORE_UNAVAILABLE;
    sqlite3_stmt *q = prepare(c, "DELETE FROM sessions WHERE token_hash = ?1");
    if (q) sqlite3_bind_text(q, 1, token_hash, -1, SQLITE_STATIC);
    int ret = step_done(c, q, NULL);
    sqlite3_finalize(q);
    return store_sqlite__write_end(ss, c, ret, 0);
}
