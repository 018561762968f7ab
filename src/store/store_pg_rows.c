/* Reads of the PostgreSQL backend: spools, workers with their roles, audit events, unions and
 * Notas. Each read is one statement (one snapshot) on a pooled connection; its rows are in
 * memory before any visitor runs, so a visitor may use the store itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/names.h"
#include "core/sheet_codec.h"
#include "store/store_pg_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "store"

/* ------------------------------------------------------------------------------------------ */
/* Spools                                                                                      */
/* ------------------------------------------------------------------------------------------ */

int store_pg__spool_get(store_t *st, const char *tag, spool_t *out)
{
    pgp_t p = {0};
    pgp_text(&p, tag);
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT " PG_SPOOL_COLS " FROM spools WHERE tag = $1", &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_SPOOL_NO_ENCONTRADO;
    if (PQntuples(r) == 1) {
        store_pg__read_spool(r, 0, out);
        char why[64];
        ret = ZE_OK;
        if (spool_check(out, why, sizeof why) != 0) {
            LOG_ERROR("spool %s: corrupt row (%s)", out->tag, why);
            ret = ZE_DATA_CORRUPT;
        }
    }
    PQclear(r);
    return ret;
}

int store_pg__spool_foreach(store_t *st, spool_visit_fn fn, void *ud)
{
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT " PG_SPOOL_COLS " FROM spools ORDER BY row, tag", NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK, n = PQntuples(r);
    spool_t s;
    char why[64];
    for (int i = 0; i < n; i++) {
        store_pg__read_spool(r, i, &s);
        /* A corrupt row is reported and left out of every list (as in the SQLite backend). */
        if (spool_check(&s, why, sizeof why) != 0) {
            LOG_ERROR("spool %s: corrupt row (%s) left out", s.tag, why);
            continue;
        }
        if ((ret = fn(ud, &s)) != 0) break;
    }
    PQclear(r);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Workers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void read_worker(const PGresult *r, int i, worker_t *w)
{
    memset(w, 0, sizeof *w);
    w->id = store_pg__int(r, i, 0);
    store_pg__copy(w->nombre, sizeof w->nombre, r, i, 1);
    store_pg__copy(w->apellido, sizeof w->apellido, r, i, 2);
    store_pg__copy(w->rol, sizeof w->rol, r, i, 3);
    const char *act = store_pg__text(r, i, 4);
    w->activo = sheet_codec_activo(act ? act : "");
    if (names_worker_display(w->nombre, w->apellido, w->id, w->display, sizeof w->display) != 0)
        snprintf(w->display, sizeof w->display, "(%lld)", (long long)w->id);
}

/* Adds to w the active roles among the rows of roles (worker_id, rol, activo) that are its. */
static void add_roles(worker_t *w, const PGresult *roles)
{
    w->roles = 0;
    w->roles_count = 0;
    int n = PQntuples(roles);
    for (int i = 0; i < n; i++) {
        if (store_pg__int(roles, i, 0) != w->id) continue;
        const char *rol = store_pg__text(roles, i, 1);
        const char *act = store_pg__text(roles, i, 2);
        int idx = zrole_parse(rol ? rol : "");
        if (idx < 0 || !sheet_codec_activo(act ? act : "")) continue;
        if (w->roles & (1u << idx)) continue;
        w->roles |= 1u << idx;
        w->roles_order[w->roles_count++] = (char)idx;
    }
}

#define WORKER_COLS "id, nombre, apellido, rol, activo"

int store_pg__worker_get(store_t *st, int64_t id, worker_t *out)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    pgp_t p = {0};
    pgp_int(&p, id);
    /* One snapshot for the worker and its roles. */
    int ret = store_pg__cmd(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, NULL);
    PGresult *w = NULL, *roles = NULL;
    if (ret == ZE_OK &&
        !(w = store_pg__q(c, "SELECT " WORKER_COLS " FROM workers WHERE id = $1::bigint", &p)))
        ret = ZE_STORE_UNAVAILABLE;
    if (ret == ZE_OK && !(roles = store_pg__q(c,
                                              "SELECT worker_id, rol, activo FROM roles"
                                              " WHERE worker_id = $1::bigint ORDER BY pos",
                                              &p)))
        ret = ZE_STORE_UNAVAILABLE;
    if (ret == ZE_OK) store_pg__cmd(c, "COMMIT", NULL, NULL);
    store_pg__release(ps, c);
    if (ret == ZE_OK && PQntuples(w) != 1) ret = ZE_WORKER_NO_ENCONTRADO;
    if (ret == ZE_OK) {
        read_worker(w, 0, out);
        add_roles(out, roles);
    }
    PQclear(w);
    PQclear(roles);
    return ret;
}

int store_pg__worker_foreach(store_t *st, worker_visit_fn fn, void *ud)
{
    pg_store_t *ps = (pg_store_t *)st;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    int ret = store_pg__cmd(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, NULL);
    PGresult *w = NULL, *roles = NULL;
    if (ret == ZE_OK && !(w = store_pg__q(c, "SELECT " WORKER_COLS " FROM workers ORDER BY pos",
                                          NULL)))
        ret = ZE_STORE_UNAVAILABLE;
    if (ret == ZE_OK &&
        !(roles = store_pg__q(c, "SELECT worker_id, rol, activo FROM roles ORDER BY pos", NULL)))
        ret = ZE_STORE_UNAVAILABLE;
    if (ret == ZE_OK) store_pg__cmd(c, "COMMIT", NULL, NULL);
    store_pg__release(ps, c);
    int n = ret == ZE_OK ? PQntuples(w) : 0;
    worker_t wk;
    for (int i = 0; i < n; i++) {
        read_worker(w, i, &wk);
        add_roles(&wk, roles);
        if ((ret = fn(ud, &wk)) != 0) break;
    }
    PQclear(w);
    PQclear(roles);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Events                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static int visit_events(PGresult *r, event_visit_fn fn, void *ud)
{
    if (!r) return ZE_STORE_UNAVAILABLE;
    event_rec_t *e = xmalloc(sizeof *e);
    int ret = ZE_OK, n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        store_pg__read_event(r, i, e);
        if ((ret = fn(ud, e)) != 0) break;
    }
    free(e);
    PQclear(r);
    return ret;
}

int store_pg__event_foreach_tag(store_t *st, const char *tag, event_visit_fn fn, void *ud)
{
    pgp_t p = {0};
    pgp_text(&p, tag);
    return visit_events(store_pg__read((pg_store_t *)st,
                                       "SELECT " PG_EVENT_COLS
                                       " FROM events WHERE tag = $1 ORDER BY seq",
                                       &p),
                        fn, ud);
}

int store_pg__event_foreach_since(store_t *st, int64_t after, size_t limit, event_visit_fn fn,
                                  void *ud)
{
    pgp_t p = {0};
    pgp_int(&p, after);
    pgp_int(&p, limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
    return visit_events(store_pg__read((pg_store_t *)st,
                                       "SELECT " PG_EVENT_COLS " FROM events WHERE seq > $1::bigint"
                                       " ORDER BY seq LIMIT $2::bigint",
                                       &p),
                        fn, ud);
}

int store_pg__event_last_seq(store_t *st, int64_t *out)
{
    /* Not counters.seq: that is the last number handed out, which a transaction still
     * committing may hold. The largest visible event is what a cursor may rely on. */
    PGresult *r =
        store_pg__read((pg_store_t *)st, "SELECT COALESCE(MAX(seq), 0) FROM events", NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    *out = store_pg__int(r, 0, 0);
    PQclear(r);
    return ZE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Unions and Notas                                                                            */
/* ------------------------------------------------------------------------------------------ */

int store_pg__unions_get(store_t *st, const char *tag, zunion_t *out, size_t *n)
{
    *n = 0;
    pgp_t p = {0};
    pgp_text(&p, tag);
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT " PG_UNION_COLS " FROM uniones WHERE tag = $1 ORDER BY n",
                                 &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && *n < ZUNION_MAX; i++) store_pg__read_union(r, i, 0, &out[(*n)++]);
    PQclear(r);
    return ZE_OK;
}

int store_pg__unions_foreach(store_t *st, union_visit_fn fn, void *ud)
{
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT " PG_UNION_COLS " FROM uniones ORDER BY pos, tag, n", NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK, rows = PQntuples(r);
    zunion_t u;
    for (int i = 0; i < rows; i++) {
        store_pg__read_union(r, i, 0, &u);
        if ((ret = fn(ud, &u)) != 0) break;
    }
    PQclear(r);
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

int store_pg__notas_get(store_t *st, const char *tag, char *out, size_t n)
{
    if (n) out[0] = '\0';
    pgp_t p = {0};
    pgp_text(&p, tag);
    PGresult *r = store_pg__read((pg_store_t *)st, "SELECT notas FROM spools WHERE tag = $1", &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = PQntuples(r) == 1 ? ZE_OK : ZE_SPOOL_NO_ENCONTRADO;
    if (ret == ZE_OK && n) {
        const char *t = store_pg__text(r, 0, 0);
        copy_utf8(out, n, t ? t : "");
    }
    PQclear(r);
    return ret;
}
