/* The v5 supervisor's records in the PostgreSQL backend (store.h, domain-v4 §10): the tracked
 * list, the UI audit book (append-only, one row per id) and the legacy snapshots. Every write
 * is idempotent, because the UI retries, and is a write transaction like a commit (counters row
 * first, generation raised when something changed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_pg_int.h"
#include "util/alloc.h"

/* One write statement in its own write transaction; *rows gets the rows it changed and the
 * generation is raised when there were any. */
static int write1(pg_store_t *ps, const char *sql, const pgp_t *p, long *rows)
{
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    *rows = 0;
    int ret = store_pg__write_begin(c, NULL);
    if (ret == ZE_OK) ret = store_pg__cmd(c, sql, p, rows);
    ret = store_pg__write_end(ps, c, ret, *rows > 0, -1);
    store_pg__release(ps, c);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Tracked list                                                                                */
/* ------------------------------------------------------------------------------------------ */

int store_pg__tracked_foreach(store_t *st, tracked_visit_fn fn, void *ud)
{
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT tag, added_at, updated_at, notes FROM tracked"
                                 " ORDER BY pos, tag",
                                 NULL);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK, n = PQntuples(r);
    tracked_t t;
    for (int i = 0; i < n; i++) {
        memset(&t, 0, sizeof t);
        store_pg__copy(t.tag, sizeof t.tag, r, i, 0);
        t.added_at = store_pg__int(r, i, 1);
        t.updated_at = store_pg__int(r, i, 2);
        store_pg__copy(t.notes, sizeof t.notes, r, i, 3);
        if ((ret = fn(ud, &t)) != 0) break;
    }
    PQclear(r);
    return ret;
}

int store_pg__tracked_put(store_t *st, const char *tag, int64_t now, tracked_t *out)
{
    pgp_t p = {0};
    pgp_text(&p, tag);
    pgp_int(&p, now);
    long rows = 0;
    int ret = write1((pg_store_t *)st,
                     "INSERT INTO tracked(tag, pos, added_at, updated_at, notes)"
                     " VALUES($1, (SELECT COALESCE(MAX(pos), 0) + 1 FROM tracked), $2, $2, NULL)"
                     " ON CONFLICT(tag) DO UPDATE SET added_at = excluded.added_at,"
                     " updated_at = excluded.updated_at, notes = NULL",
                     &p, &rows);
    if (ret == ZE_OK && out) {
        memset(out, 0, sizeof *out);
        snprintf(out->tag, sizeof out->tag, "%s", tag);
        out->added_at = out->updated_at = now;
    }
    return ret;
}

int store_pg__tracked_remove(store_t *st, const char *tag, int *removed)
{
    *removed = 0;
    pgp_t p = {0};
    pgp_text(&p, tag);
    long rows = 0;
    int ret = write1((pg_store_t *)st, "DELETE FROM tracked WHERE tag = $1", &p, &rows);
    if (ret == ZE_OK) *removed = rows > 0;
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Audit book                                                                                  */
/* ------------------------------------------------------------------------------------------ */

int store_pg__audit_append(store_t *st, const audit_ev_t *ev, size_t n, size_t *appended)
{
    pg_store_t *ps = (pg_store_t *)st;
    *appended = 0;
    pgc_t *c = store_pg__acquire(ps);
    if (!c) return ZE_STORE_UNAVAILABLE;
    size_t added = 0;
    int ret = store_pg__write_begin(c, NULL);
    for (size_t i = 0; ret == ZE_OK && i < n; i++) {
        const audit_ev_t *e = &ev[i];
        pgp_t p = {0};
        pgp_text(&p, e->id);
        pgp_int(&p, e->ts);
        pgp_text(&p, e->session_id);
        pgp_text(&p, e->event_type);
        pgp_opt(&p, e->tag);
        pgp_opt(&p, e->modal);
        pgp_opt(&p, e->route);
        p.v[p.n++] = e->payload_json; /* verbatim; NULL stays NULL */
        long rows = 0;
        ret = store_pg__cmd(c,
                            "INSERT INTO audit(id, ts, session_id, event_type, tag, modal, route,"
                            " payload_json) VALUES($1, $2, $3, $4, $5, $6, $7, $8)"
                            " ON CONFLICT(id) DO NOTHING",
                            &p, &rows);
        added += (size_t)rows; /* a repeated id (in the book or the batch) is 0 */
    }
    ret = store_pg__write_end(ps, c, ret, added > 0, -1);
    store_pg__release(ps, c);
    if (ret == ZE_OK) *appended = added;
    return ret;
}

int store_pg__audit_since(store_t *st, int64_t since, audit_visit_fn fn, void *ud)
{
    pgp_t p = {0};
    pgp_int(&p, since);
    PGresult *r = store_pg__read((pg_store_t *)st,
                                 "SELECT id, ts, session_id, event_type, tag, modal, route,"
                                 " payload_json FROM audit WHERE ts >= $1::bigint ORDER BY ts, seq",
                                 &p);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int ret = ZE_OK, rows = PQntuples(r);
    audit_ev_t e;
    for (int i = 0; i < rows; i++) {
        memset(&e, 0, sizeof e);
        store_pg__copy(e.id, sizeof e.id, r, i, 0);
        e.ts = store_pg__int(r, i, 1);
        store_pg__copy(e.session_id, sizeof e.session_id, r, i, 2);
        store_pg__copy(e.event_type, sizeof e.event_type, r, i, 3);
        store_pg__copy(e.tag, sizeof e.tag, r, i, 4);
        store_pg__copy(e.modal, sizeof e.modal, r, i, 5);
        store_pg__copy(e.route, sizeof e.route, r, i, 6);
        const char *payload = store_pg__text(r, i, 7);
        /* the payload is verbatim and unbounded: a heap copy valid for the call */
        e.payload_json = payload ? xstrdup(payload) : NULL;
        ret = fn(ud, &e);
        free(e.payload_json);
        if (ret != 0) break;
    }
    PQclear(r);
    return ret;
}

/* ------------------------------------------------------------------------------------------ */
/* Legacy snapshots                                                                            */
/* ------------------------------------------------------------------------------------------ */

int store_pg__snapshot_put(store_t *st, const snapshot_t *snap, int *written)
{
    *written = 0;
    pgp_t p = {0};
    pgp_text(&p, snap->id);
    pgp_int(&p, snap->captured_at);
    pgp_text(&p, snap->raw ? snap->raw : "");
    pgp_opt(&p, snap->user_agent);
    long rows = 0;
    int ret = write1((pg_store_t *)st,
                     "INSERT INTO snapshots(id, captured_at, raw, user_agent)"
                     " VALUES($1, $2, $3, $4) ON CONFLICT(id) DO NOTHING",
                     &p, &rows);
    if (ret == ZE_OK) *written = rows > 0;
    return ret;
}
