/* The spreadsheet sync's named integers in the PostgreSQL backend (store.h sync_get /
 * sync_put): one row per name in sync_state. A put is one upsert in its own transaction,
 * durable when it returns (synchronous_commit=on on every connection); it needs no place in
 * the event order, so it does not lock the counters row, and changes no generation. */
#include <libpq-fe.h>

#include "core/errors.h"
#include "store/store_pg_int.h"

int store_pg__sync_get(store_t *st, const char *name, int64_t *out)
{
    pgp_t p = {0};
    pgp_text(&p, name);
    PGresult *r =
        store_pg__read((pg_store_t *)st, "SELECT value FROM sync_state WHERE name = $1", &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    *out = PQntuples(r) == 1 ? store_pg__int(r, 0, 0) : 0;
    PQclear(r);
    return ZE_OK;
}

int store_pg__sync_put(store_t *st, const char *name, int64_t value)
{
    pgp_t p = {0};
    pgp_text(&p, name);
    pgp_int(&p, value);
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = store_pg__cmd(c,
                            "INSERT INTO sync_state(name, value) VALUES($1, $2::bigint)"
                            " ON CONFLICT(name) DO UPDATE SET value = EXCLUDED.value",
                            &p, NULL);
    store_pg__release(ps, c);
    return ret;
}
