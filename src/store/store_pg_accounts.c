/* Supervisor accounts and their sign-in sessions in the PostgreSQL backend (store.h,
 * supervisor_t): the same two tables as SQLite's (schema v3). Only a password hash made by the
 * app layer and hashes of session tokens are stored. None of these writes needs a place in the
 * event order or changes the generation (no cached answer is derived from them), so each is
 * one short transaction of its own without the counters-row lock; commits are durable
 * (synchronous_commit=on on every connection). */
#include <libpq-fe.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_pg_int.h"

#define SUP_COLS "s.id, s.name, s.pw_hash, s.created_at, s.updated_at"

static void read_supervisor(const PGresult *r, int row, supervisor_t *s)
{
    memset(s, 0, sizeof *s);
    s->id = store_pg__int(r, row, 0);
    store_pg__copy(s->name, sizeof s->name, r, row, 1);
    store_pg__copy(s->pw_hash, sizeof s->pw_hash, r, row, 2);
    s->created_at = store_pg__int(r, row, 3);
    s->updated_at = store_pg__int(r, row, 4);
}

/* BEGIN on c; ZE_OK or ZE_STORE_UNAVAILABLE. */
static int begin(pgc_t *c) { return store_pg__cmd(c, "BEGIN", NULL, NULL); }

/* COMMIT when ret is ZE_OK, else ROLLBACK; returns ret, or ZE_STORE_UNAVAILABLE when the
 * commit failed. */
static int end(pgc_t *c, int ret)
{
    if (ret == ZE_OK) return store_pg__cmd(c, "COMMIT", NULL, NULL);
    store_pg__cmd(c, "ROLLBACK", NULL, NULL);
    return ret;
}

int store_pg__supervisor_put(store_t *st, const char *name, const char *pw_hash, int64_t now,
                             int *created)
{
    pg_store_t *ps = (pg_store_t *)st;
    *created = 0;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    pgp_t p = {0};
    pgp_text(&p, name);
    pgp_text(&p, pw_hash);
    pgp_int(&p, now);
    /* One statement decides new or replaced, also when two instances add the same name at
     * once: the unique name makes the second an update. */
    int ret = begin(c);
    PGresult *r = NULL;
    if (ret == ZE_OK) {
        r = store_pg__q(c,
                        "INSERT INTO supervisors(name, pw_hash, created_at, updated_at)"
                        " VALUES($1, $2, $3::bigint, $3::bigint) ON CONFLICT(name) DO UPDATE SET"
                        " pw_hash = EXCLUDED.pw_hash, updated_at = EXCLUDED.updated_at"
                        " RETURNING id, (xmax = 0)",
                        &p);
        if (!r || PQntuples(r) != 1) ret = ZE_STORE_UNAVAILABLE;
    }
    if (ret == ZE_OK) {
        int64_t id = store_pg__int(r, 0, 0);
        *created = strcmp(store_pg__text(r, 0, 1), "t") == 0;
        /* A new password ends every session of the old one (a password changed because it
         * leaked must not leave the thief signed in). */
        if (!*created) {
            pgp_t q = {0};
            pgp_int(&q, id);
            ret = store_pg__cmd(c, "DELETE FROM sessions WHERE supervisor_id = $1", &q, NULL);
        }
    }
    PQclear(r);
    ret = end(c, ret);
    if (ret != ZE_OK) *created = 0;
    store_pg__release(ps, c);
    return ret;
}

int store_pg__supervisor_get(store_t *st, const char *name, supervisor_t *out)
{
    pgp_t p = {0};
    pgp_text(&p, name);
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT " SUP_COLS " FROM supervisors s WHERE s.name = $1", &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = PQntuples(r) == 1 ? ZE_OK : ZE_NOT_FOUND;
    if (ret == ZE_OK) read_supervisor(r, 0, out);
    PQclear(r);
    return ret;
}

int store_pg__session_add(store_t *st, int64_t supervisor_id, const char *token_hash,
                          int64_t expires_at, int64_t now)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    pgp_t sweep = {0};
    pgp_int(&sweep, now);
    pgp_t p = {0};
    pgp_text(&p, token_hash);
    pgp_int(&p, supervisor_id);
    pgp_int(&p, now);
    pgp_int(&p, expires_at);
    long rows = 0;
    int ret = begin(c);
    if (ret == ZE_OK)
        ret = store_pg__cmd(c, "DELETE FROM sessions WHERE expires_at <= $1", &sweep, NULL);
    if (ret == ZE_OK)
        ret = store_pg__cmd(c,
                            "INSERT INTO sessions(token_hash, supervisor_id, created_at,"
                            " expires_at) SELECT $1, id, $3::bigint, $4::bigint FROM supervisors"
                            " WHERE id = $2",
                            &p, &rows);
    if (ret == ZE_OK && rows != 1) ret = ZE_NOT_FOUND;
    ret = end(c, ret);
    store_pg__release(ps, c);
    return ret;
}

int store_pg__session_get(store_t *st, const char *token_hash, int64_t now, supervisor_t *out,
                          int64_t *expires_at)
{
    pgp_t p = {0};
    pgp_text(&p, token_hash);
    pgp_int(&p, now);
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT " SUP_COLS ", x.expires_at FROM sessions x"
                                 " JOIN supervisors s ON s.id = x.supervisor_id"
                                 " WHERE x.token_hash = $1 AND x.expires_at > $2",
                                 &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = PQntuples(r) == 1 ? ZE_OK : ZE_NOT_FOUND;
    if (ret == ZE_OK) {
        read_supervisor(r, 0, out);
        if (expires_at) *expires_at = store_pg__int(r, 0, 5);
    }
    PQclear(r);
    return ret;
}

int store_pg__session_end(store_t *st, const char *token_hash)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    pgp_t p = {0};
    pgp_text(&p, token_hash);
    int ret = store_pg__cmd(c, "DELETE FROM sessions WHERE token_hash = $1", &p, NULL);
    store_pg__release(ps, c);
    return ret;
}
