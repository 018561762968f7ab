/* The enrolled devices in the PostgreSQL backend (store.h, device_t). Only hashes of enrolment
 * codes and tokens are stored. Device writes take the counters row like every write (so that
 * device_add's read-then-write is not raced by another instance) but do not raise the
 * generation: no cached answer is derived from them. */
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_pg_int.h"

#define DEVICE_COLS "id, name, created_at, code_expires, enrolled_at, last_seen, revoked_at"

static void read_device(const PGresult *r, int i, device_t *d)
{
    memset(d, 0, sizeof *d);
    d->id = store_pg__int(r, i, 0);
    store_pg__copy(d->name, sizeof d->name, r, i, 1);
    d->created_at = store_pg__int(r, i, 2);
    d->code_expires = store_pg__int(r, i, 3);
    d->enrolled_at = store_pg__int(r, i, 4);
    d->last_seen = store_pg__int(r, i, 5);
    d->revoked_at = store_pg__int(r, i, 6);
}

int store_pg__device_add(store_t *st, const char *name, const char *code_hash,
                         int64_t code_expires, int64_t now)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = store_pg__write_begin(c, NULL);
    PGresult *r = NULL;
    pgp_t k = {0};
    pgp_text(&k, name);
    if (ret == ZE_OK &&
        !(r = store_pg__q(c, "SELECT enrolled_at, revoked_at FROM devices WHERE name = $1", &k)))
        ret = ZE_STORE_UNAVAILABLE;
    if (ret == ZE_OK) {
        pgp_t p = {0};
        pgp_text(&p, name);
        pgp_text(&p, code_hash);
        pgp_int(&p, code_expires);
        if (PQntuples(r) == 1) {
            /* An enrolled, unrevoked device keeps its name: re-adding it would silently lock
             * a working tablet out. Any other device of that name gets the new code. */
            if (store_pg__int(r, 0, 0) != 0 && store_pg__int(r, 0, 1) == 0)
                ret = ZE_DEVICE_EXISTS;
            else
                ret = store_pg__cmd(c,
                                    "UPDATE devices SET code_hash = $2, code_expires = $3,"
                                    " token_hash = NULL, enrolled_at = 0, revoked_at = 0"
                                    " WHERE name = $1",
                                    &p, NULL);
        } else {
            pgp_int(&p, now);
            ret = store_pg__cmd(c,
                                "INSERT INTO devices(name, code_hash, code_expires, created_at)"
                                " VALUES($1, $2, $3, $4)",
                                &p, NULL);
        }
    }
    PQclear(r);
    ret = store_pg__write_end(ps, c, ret, 0, -1);
    store_pg__release(ps, c);
    return ret;
}

int store_pg__device_enroll(store_t *st, const char *code_hash, const char *token_hash,
                            int64_t now, device_t *out)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = store_pg__write_begin(c, NULL);
    pgp_t p = {0};
    pgp_text(&p, code_hash);
    pgp_text(&p, token_hash);
    pgp_int(&p, now);
    PGresult *r = NULL;
    if (ret == ZE_OK &&
        !(r = store_pg__q(c,
                          "UPDATE devices SET token_hash = $2, code_hash = NULL,"
                          " code_expires = 0, enrolled_at = $3, last_seen = $3"
                          " WHERE code_hash = $1 AND code_expires > $3 AND revoked_at = 0"
                          " RETURNING " DEVICE_COLS,
                          &p)))
        ret = ZE_STORE_UNAVAILABLE;
    if (ret == ZE_OK && PQntuples(r) != 1) ret = ZE_DEVICE_NO_ENCONTRADO;
    if (ret == ZE_OK && out) read_device(r, 0, out);
    PQclear(r);
    ret = store_pg__write_end(ps, c, ret, 0, -1);
    store_pg__release(ps, c);
    return ret;
}

int store_pg__device_by_token(store_t *st, const char *token_hash, device_t *out)
{
    pgp_t p = {0};
    pgp_text(&p, token_hash);
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT " DEVICE_COLS " FROM devices WHERE token_hash = $1", &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = PQntuples(r) == 1 ? ZE_OK : ZE_DEVICE_NO_ENCONTRADO;
    if (ret == ZE_OK) read_device(r, 0, out);
    PQclear(r);
    return ret;
}

/* One write statement in its own write transaction (no generation bump). */
static int write1(pg_store_t *ps, const char *sql, const pgp_t *p, long *rows)
{
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = store_pg__write_begin(c, NULL);
    if (ret == ZE_OK) ret = store_pg__cmd(c, sql, p, rows);
    ret = store_pg__write_end(ps, c, ret, 0, -1);
    store_pg__release(ps, c);
    return ret;
}

int store_pg__device_touch(store_t *st, int64_t id, int64_t now)
{
    pgp_t p = {0};
    pgp_int(&p, id);
    pgp_int(&p, now);
    /* A plain update: last_seen needs no ordering against other writers. */
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = store_pg__cmd(c, "UPDATE devices SET last_seen = $2 WHERE id = $1", &p, NULL);
    store_pg__release(ps, c);
    return ret;
}

int store_pg__device_revoke(store_t *st, const char *name, int64_t now)
{
    pgp_t p = {0};
    pgp_text(&p, name);
    pgp_int(&p, now);
    long rows = 0;
    /* The token stays stored (a revoked device's requests are then told so, not "unknown");
     * the pending code goes. */
    int ret = write1((pg_store_t *)st,
                     "UPDATE devices SET code_hash = NULL, code_expires = 0,"
                     " revoked_at = CASE WHEN revoked_at = 0 THEN $2::bigint ELSE revoked_at END"
                     " WHERE name = $1",
                     &p, &rows);
    if (ret == ZE_OK && rows == 0) ret = ZE_DEVICE_NO_ENCONTRADO;
    return ret;
}

int store_pg__device_foreach(store_t *st, device_visit_fn fn, void *ud)
{
    PGresult *r =
        store_pg__read((pg_store_t *)st, "SELECT " DEVICE_COLS " FROM devices ORDER BY id", NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK, n = PQntuples(r);
    device_t d;
    for (int i = 0; i < n; i++) {
        read_device(r, i, &d);
        if ((ret = fn(ud, &d)) != 0) break;
    }
    PQclear(r);
    return ret;
}
