/* The writes of one state change in the SQLite backend (store.h, commit): the spool with its
 * version compare-and-set, each union put with its own, the union deletes, the Notas line and
 * the audit events. store_sqlite_group.c runs them, several changes to a transaction.
 * spool_commit is a change without unions. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/alloc.h"
#include "util/log.h"

#define LOG_MODULE "store"

static int insert_event(conn_t *c, event_rec_t *e)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_EVENT_INSERT);
    if (!q) return ZE_STORE_UNAVAILABLE;
    if (e->id[0]) sqlite3_bind_text(q, 1, e->id, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 1);
    sqlite3_bind_int64(q, 2, e->ts);
    sqlite3_bind_text(q, 3, e->tipo, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, e->tag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, e->worker_id);
    sqlite3_bind_text(q, 6, e->worker_nombre, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, e->operacion, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, e->accion, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 9, e->fecha_operacion);
    sqlite3_bind_text(q, 10, e->metadata_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 11, e->live_json, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 12, e->n_union);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    /* Any failure, a constraint included, fails the change it belongs to: an audit event that
     * cannot be written is never swallowed, and never passed off as a version conflict. */
    if (rc != SQLITE_DONE) {
        LOG_ERROR("event insert: %s", sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    e->seq = sqlite3_last_insert_rowid(c->db);
    return ZE_OK;
}

/* The spool's compare-and-set: ZE_OK when its stored version is expected. */
static int spool_cas(conn_t *c, const char *tag, int64_t expected)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_SPOOL_VERSION);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret = ZE_OK;
    if (rc == SQLITE_DONE) ret = ZE_SPOOL_NO_ENCONTRADO;
    else if (rc != SQLITE_ROW) ret = ZE_STORE_UNAVAILABLE;
    else if (sqlite3_column_int64(q, 0) != expected) ret = ZE_VERSION_CONFLICT;
    sqlite3_reset(q);
    return ret;
}

void store_sqlite__bind_tracking(sqlite3_stmt *q, int i, const spool_t *s)
{
    sqlite3_bind_int(q, i++, s->fecha_armado);
    sqlite3_bind_int(q, i++, s->fecha_soldadura);
    sqlite3_bind_int(q, i++, s->fecha_qc);
    sqlite3_bind_text(q, i++, s->armador, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, s->soldador, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, i++, s->ocupado_por, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, i++, s->ocupado_worker_id);
    sqlite3_bind_int(q, i++, (int)s->ocupado_op);
    sqlite3_bind_int64(q, i++, s->fecha_ocupacion);
    sqlite3_bind_text(q, i++, s->lock_token, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, i++, s->version);
    sqlite3_bind_int(q, i++, (int)s->metrologia);
    sqlite3_bind_int(q, i++, (int)s->repair);
    sqlite3_bind_int(q, i++, s->repair_cycle);
    sqlite3_bind_text(q, i++, s->estado_detalle, -1, SQLITE_STATIC);
    store_sqlite__bind_count(q, i++, s->total_uniones);
    store_sqlite__bind_count(q, i++, s->uniones_arm_done);
    store_sqlite__bind_count(q, i++, s->uniones_sold_done);
    store_sqlite__bind_count(q, i++, s->pulgadas_arm_c);
    store_sqlite__bind_count(q, i, s->pulgadas_sold_c);
}

static int update_spool(conn_t *c, const spool_t *s)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_SPOOL_UPDATE);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, s->tag, -1, SQLITE_STATIC);
    store_sqlite__bind_tracking(q, 2, s);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        LOG_ERROR("spool update: %s", sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    return sqlite3_changes(c->db) == 1 ? ZE_OK : ZE_SPOOL_NO_ENCONTRADO;
}

static void bind_union_fields(sqlite3_stmt *q, const zunion_t *u)
{
    sqlite3_bind_text(q, 1, u->tag, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, u->n);
    sqlite3_bind_text(q, 3, u->ot, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, u->dn_c);
    sqlite3_bind_text(q, 5, u->tipo, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, u->arm_inicio);
    sqlite3_bind_int64(q, 7, u->arm_fin);
    sqlite3_bind_text(q, 8, u->arm_worker, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 9, u->sol_inicio);
    sqlite3_bind_int64(q, 10, u->sol_fin);
    sqlite3_bind_text(q, 11, u->sol_worker, -1, SQLITE_STATIC);
}

/* One union put with its compare-and-set: u->version is the version the caller read (0 = the
 * union must not exist yet). On success u->version is the new one. */
static int put_union(conn_t *c, zunion_t *u)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_UNION_VERSION);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, u->tag, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, u->n);
    int rc = sqlite3_step(q);
    int64_t stored = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ZE_STORE_UNAVAILABLE;
    if (stored != u->version) return ZE_VERSION_CONFLICT; /* created, changed or deleted since */
    q = store_sqlite__stmt_get(c, stored ? STMT_UNION_UPDATE : STMT_UNION_INSERT);
    if (!q) return ZE_STORE_UNAVAILABLE;
    bind_union_fields(q, u);
    if (stored) sqlite3_bind_int64(q, 12, stored);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        LOG_ERROR("union put %s/%d: %s", u->tag, u->n, sqlite3_errmsg(c->db));
        return ZE_STORE_UNAVAILABLE;
    }
    if (sqlite3_changes(c->db) != 1) return ZE_VERSION_CONFLICT;
    u->version = stored + 1;
    return ZE_OK;
}

/* Deletes union n of tag; a union that is not there any more is a lost race. */
static int delete_union(conn_t *c, const char *tag, int n)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_UNION_DELETE);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, n);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return ZE_STORE_UNAVAILABLE;
    return sqlite3_changes(c->db) == 1 ? ZE_OK : ZE_VERSION_CONFLICT;
}

/* Records that union n of tag was deleted by the change whose last event is ev (NULL: a change
 * without events, seq 0), replacing an older record of the key (store.h import). */
static int note_deletion(conn_t *c, const char *tag, int n, const event_rec_t *ev)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_UNION_DELETED);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, n);
    sqlite3_bind_int64(q, 3, ev ? ev->seq : 0);
    sqlite3_bind_int64(q, 4, ev ? ev->ts : 0);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ZE_OK : ZE_STORE_UNAVAILABLE;
}

static int append_notas(conn_t *c, const char *tag, const char *line)
{
    sqlite3_stmt *q = store_sqlite__stmt_get(c, STMT_NOTAS_APPEND);
    if (!q) return ZE_STORE_UNAVAILABLE;
    sqlite3_bind_text(q, 1, tag, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, line, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return ZE_STORE_UNAVAILABLE;
    return sqlite3_changes(c->db) == 1 ? ZE_OK : ZE_SPOOL_NO_ENCONTRADO;
}

/* What a change asks for, checked before anything is locked: unions only of the change's own
 * spool, N_UNION in range. */
int store_sqlite__change_valid(const store_change_t *c)
{
    if (!c->spool && (c->n_puts || c->n_deletes || c->notas_line)) return ZE_BAD_REQUEST;
    for (size_t i = 0; i < c->n_puts; i++)
        if (strcmp(c->puts[i].tag, c->spool->tag) != 0 || c->puts[i].n < 1 ||
            c->puts[i].n > ZUNION_MAX)
            return ZE_BAD_REQUEST;
    for (size_t i = 0; i < c->n_deletes; i++)
        if (c->deletes[i] < 1 || c->deletes[i] > ZUNION_MAX) return ZE_BAD_REQUEST;
    return ZE_OK;
}

int store_sqlite__write_change(conn_t *c, store_change_t *ch)
{
    int ret = ZE_OK;
    if (ch->spool) {
        if ((ret = spool_cas(c, ch->spool->tag, ch->expected_version)) != ZE_OK) return ret;
        ch->spool->version = ch->expected_version + 1;
        if ((ret = update_spool(c, ch->spool)) != ZE_OK) return ret;
    }
    for (size_t i = 0; i < ch->n_puts; i++)
        if ((ret = put_union(c, &ch->puts[i])) != ZE_OK) return ret;
    for (size_t i = 0; i < ch->n_deletes; i++)
        if ((ret = delete_union(c, ch->spool->tag, ch->deletes[i])) != ZE_OK) return ret;
    if (ch->notas_line && (ret = append_notas(c, ch->spool->tag, ch->notas_line)) != ZE_OK)
        return ret;
    for (size_t i = 0; i < ch->n_events; i++)
        if ((ret = insert_event(c, &ch->events[i])) != ZE_OK) return ret;
    /* After the events: a deletion is recorded with the seq of the change's last one. */
    const event_rec_t *last = ch->n_events ? &ch->events[ch->n_events - 1] : NULL;
    for (size_t i = 0; i < ch->n_deletes; i++)
        if ((ret = note_deletion(c, ch->spool->tag, ch->deletes[i], last)) != ZE_OK) return ret;
    return ZE_OK;
}

int store_sqlite__spool_commit(store_t *st, spool_t *s, int64_t expected_version,
                               event_rec_t *ev, size_t nev)
{
    store_change_t ch = {
        .spool = s, .expected_version = expected_version, .events = ev, .n_events = nev};
    return store_sqlite__commit(st, &ch);
}
