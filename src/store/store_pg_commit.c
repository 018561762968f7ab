/* State changes in the PostgreSQL backend (store.h, commit and spool_commit): the spool with its
 * version compare-and-set, each union put with its own, the union deletes, the Notas line and
 * the audit events, in one transaction.
 *
 * Group commit, as in the SQLite backend: a commit is acknowledged once the server flushed its
 * transaction, and a flush costs the same for one change as for fifty. Each change queues
 * (util/group.h); one thread at a time in this process, the leader, takes what is queued (up
 * to PG_GC_MAX_BATCH) and writes it in one transaction, each change inside its
 * own savepoint so that a lost compare-and-set rolls back that change alone. The transaction
 * begins by locking the counters row (store_pg_int.h): sequence numbers are handed out in
 * commit order across every process. */
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "store/store_pg_int.h"
#include "util/alloc.h"
#include "util/group.h"
#include "util/log.h"

#define LOG_MODULE "store"

#define PG_GC_MAX_BATCH 64

typedef struct pg_gc_item {
    group_item_t q; /* first: the queue's batches are lists of these */
    store_change_t *ch;
    int64_t spool_version; /* as the caller passed them, restored when not committed */
    int64_t *put_versions;
    int ret;
} pg_gc_item_t;

static pg_gc_item_t *next_of(pg_gc_item_t *it)
{
    return (pg_gc_item_t *)it->q.next;
}

/* ------------------------------------------------------------------------------------------ */
/* The writes of one change                                                                    */
/* ------------------------------------------------------------------------------------------ */

static int insert_event(pgc_t *c, event_rec_t *e, int64_t seq)
{
    pgp_t p = {0};
    pgp_opt(&p, e->id);
    pgp_int(&p, e->ts);
    pgp_text(&p, e->tipo);
    pgp_text(&p, e->tag);
    pgp_int(&p, e->worker_id);
    pgp_text(&p, e->worker_nombre);
    pgp_text(&p, e->operacion);
    pgp_text(&p, e->accion);
    pgp_int(&p, e->fecha_operacion);
    pgp_text(&p, e->metadata_json);
    pgp_text(&p, e->live_json);
    pgp_int(&p, e->n_union);
    pgp_int(&p, seq);
    /* Any failure, a constraint included, fails the change it belongs to: an audit event that
     * cannot be written is never swallowed. */
    int ret = store_pg__cmd(c,
                            "INSERT INTO events(id, ts, tipo, tag, worker_id, worker_nombre,"
                            " operacion, accion, fecha_operacion, metadata_json, live_json,"
                            " n_union, seq) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
                            &p, NULL);
    if (ret == ZE_OK) e->seq = seq;
    return ret;
}

int store_pg__append_events(pgc_t *c, event_rec_t *ev, size_t n, int64_t *seq)
{
    for (size_t i = 0; i < n; i++) {
        int ret = insert_event(c, &ev[i], *seq + 1);
        if (ret != ZE_OK) return ret;
        ++*seq;
    }
    return ZE_OK;
}

static int update_spool(pgc_t *c, const spool_t *s, int64_t expected)
{
    pgp_t p = {0};
    pgp_text(&p, s->tag);
    store_pg__params_tracking(&p, s);
    pgp_int(&p, expected);
    long rows = 0;
    int ret = store_pg__cmd(
        c,
        "UPDATE spools SET fecha_armado=$2, fecha_soldadura=$3, fecha_qc=$4, armador=$5,"
        " soldador=$6, ocupado_por=$7, ocupado_worker_id=$8, ocupado_op=$9,"
        " fecha_ocupacion=$10, lock_token=$11, version=$12, metrologia=$13, repair=$14,"
        " repair_cycle=$15, estado_detalle=$16, total_uniones=$17,"
        " uniones_arm_completadas=$18, uniones_sold_completadas=$19, pulgadas_arm_c=$20,"
        " pulgadas_sold_c=$21 WHERE tag=$1 AND version=$22",
        &p, &rows);
    if (ret != ZE_OK || rows == 1) return ret;
    /* Nothing matched: an absent spool, or one whose version moved on. */
    pgp_t q = {0};
    pgp_text(&q, s->tag);
    PGresult *r = store_pg__q(c, "SELECT 1 FROM spools WHERE tag = $1", &q);
    if (!r) return ZE_STORE_UNAVAILABLE;
    ret = PQntuples(r) ? ZE_VERSION_CONFLICT : ZE_SPOOL_NO_ENCONTRADO;
    PQclear(r);
    return ret;
}

static void params_union(pgp_t *p, const zunion_t *u)
{
    pgp_text(p, u->tag);
    pgp_int(p, u->n);
    pgp_text(p, u->ot);
    pgp_int(p, u->dn_c);
    pgp_text(p, u->tipo);
    pgp_int(p, u->arm_inicio);
    pgp_int(p, u->arm_fin);
    pgp_text(p, u->arm_worker);
    pgp_int(p, u->sol_inicio);
    pgp_int(p, u->sol_fin);
    pgp_text(p, u->sol_worker);
}

/* One union put with its compare-and-set: u->version is the version the caller read (0 = the
 * union must not exist yet). On success u->version is the new one. */
static int put_union(pgc_t *c, zunion_t *u)
{
    pgp_t k = {0};
    pgp_text(&k, u->tag);
    pgp_int(&k, u->n);
    PGresult *r = store_pg__q(c, "SELECT version FROM uniones WHERE tag = $1 AND n = $2", &k);
    if (!r) return ZE_STORE_UNAVAILABLE;
    int64_t stored = PQntuples(r) ? store_pg__int(r, 0, 0) : 0;
    PQclear(r);
    if (stored != u->version) return ZE_VERSION_CONFLICT; /* created, changed or deleted since */
    pgp_t p = {0};
    params_union(&p, u);
    long rows = 0;
    int ret;
    if (stored) {
        pgp_int(&p, stored);
        ret = store_pg__cmd(c,
                            "UPDATE uniones SET ot=$3, dn_c=$4, tipo=$5, arm_inicio=$6,"
                            " arm_fin=$7, arm_worker=$8, sol_inicio=$9, sol_fin=$10,"
                            " sol_worker=$11, version = version + 1"
                            " WHERE tag=$1 AND n=$2 AND version=$12",
                            &p, &rows);
    } else {
        ret = store_pg__cmd(c,
                            "INSERT INTO uniones(tag, n, pos, ot, dn_c, tipo, arm_inicio,"
                            " arm_fin, arm_worker, sol_inicio, sol_fin, sol_worker, version)"
                            " VALUES($1, $2, (SELECT COALESCE(MAX(pos), 0) + 1 FROM uniones),"
                            " $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)",
                            &p, &rows);
    }
    if (ret != ZE_OK) return ret;
    if (rows != 1) return ZE_VERSION_CONFLICT;
    u->version = stored + 1;
    return ZE_OK;
}

static int delete_union(pgc_t *c, const char *tag, int n)
{
    pgp_t p = {0};
    pgp_text(&p, tag);
    pgp_int(&p, n);
    long rows = 0;
    int ret = store_pg__cmd(c, "DELETE FROM uniones WHERE tag = $1 AND n = $2", &p, &rows);
    if (ret != ZE_OK) return ret;
    return rows == 1 ? ZE_OK : ZE_VERSION_CONFLICT; /* not there any more: a lost race */
}

/* Records that union n of tag was deleted by the change whose last event is ev (NULL: a change
 * without events, seq 0), replacing an older record of the key (store.h import). */
static int note_deletion(pgc_t *c, const char *tag, int n, const event_rec_t *ev)
{
    pgp_t p = {0};
    pgp_text(&p, tag);
    pgp_int(&p, n);
    pgp_int(&p, ev ? ev->seq : 0);
    pgp_int(&p, ev ? ev->ts : 0);
    return store_pg__cmd(c,
                         "INSERT INTO union_deletions(tag, n, seq, deleted_at)"
                         " VALUES($1, $2::integer, $3::bigint, $4::bigint)"
                         " ON CONFLICT(tag, n) DO UPDATE SET seq = excluded.seq,"
                         " deleted_at = excluded.deleted_at",
                         &p, NULL);
}

static int append_notas(pgc_t *c, const char *tag, const char *line)
{
    pgp_t p = {0};
    pgp_text(&p, tag);
    pgp_text(&p, line);
    long rows = 0;
    int ret = store_pg__cmd(c,
                            "UPDATE spools SET notas = CASE WHEN notas = '' THEN $2"
                            " ELSE notas || chr(10) || $2 END WHERE tag = $1",
                            &p, &rows);
    if (ret != ZE_OK) return ret;
    return rows == 1 ? ZE_OK : ZE_SPOOL_NO_ENCONTRADO;
}

static int change_valid(const store_change_t *c)
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

/* The writes of ch inside the open transaction of c; *seq is the last sequence number handed
 * out, advanced by the events written. */
static int write_change(pgc_t *c, store_change_t *ch, int64_t *seq)
{
    int ret = ZE_OK;
    if (ch->spool) {
        ch->spool->version = ch->expected_version + 1;
        if ((ret = update_spool(c, ch->spool, ch->expected_version)) != ZE_OK) return ret;
    }
    for (size_t i = 0; i < ch->n_puts; i++)
        if ((ret = put_union(c, &ch->puts[i])) != ZE_OK) return ret;
    for (size_t i = 0; i < ch->n_deletes; i++)
        if ((ret = delete_union(c, ch->spool->tag, ch->deletes[i])) != ZE_OK) return ret;
    if (ch->notas_line && (ret = append_notas(c, ch->spool->tag, ch->notas_line)) != ZE_OK)
        return ret;
    for (size_t i = 0; i < ch->n_events; i++) {
        if ((ret = insert_event(c, &ch->events[i], *seq + 1)) != ZE_OK) return ret;
        ++*seq;
    }
    /* After the events: a deletion is recorded with the seq of the change's last one. */
    const event_rec_t *last = ch->n_events ? &ch->events[ch->n_events - 1] : NULL;
    for (size_t i = 0; i < ch->n_deletes; i++)
        if ((ret = note_deletion(c, ch->spool->tag, ch->deletes[i], last)) != ZE_OK) return ret;
    return ZE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Group commit                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void restore(pg_gc_item_t *it)
{
    store_change_t *ch = it->ch;
    if (ch->spool) ch->spool->version = it->spool_version;
    for (size_t i = 0; i < ch->n_puts; i++) ch->puts[i].version = it->put_versions[i];
    for (size_t i = 0; i < ch->n_events; i++) ch->events[i].seq = 0;
}

/* One transaction for the whole batch. ZE_OK when it ended as it should (committed, or rolled
 * back because no change in it succeeded), with each item's ret set; else nothing was
 * written. */
static int try_batch(pg_store_t *ps, pgc_t *c, pg_gc_item_t *batch)
{
    int single = batch->q.next == NULL, any = 0;
    int64_t seq = 0;
    if (store_pg__write_begin(c, &seq) != ZE_OK) goto abort;
    for (pg_gc_item_t *it = batch; it; it = next_of(it)) {
        if (!single && store_pg__cmd(c, "SAVEPOINT gc", NULL, NULL) != ZE_OK) goto abort;
        int64_t seq_before = seq;
        int r = write_change(c, it->ch, &seq);
        if (r == ZE_STORE_UNAVAILABLE && store_pg__db_failure(c)) goto abort;
        if (r != ZE_OK) {
            seq = seq_before;
            restore(it);
            if (!single && store_pg__cmd(c, "ROLLBACK TO SAVEPOINT gc", NULL, NULL) != ZE_OK)
                goto abort;
        }
        if (!single && store_pg__cmd(c, "RELEASE SAVEPOINT gc", NULL, NULL) != ZE_OK) goto abort;
        it->ret = r;
        any |= r == ZE_OK;
    }
    if (!any) {
        store_pg__write_end(ps, c, ZE_VERSION_CONFLICT, 0, -1); /* rolls back */
        atomic_store(&ps->write_state, STORE_WRITE_OK);
        return ZE_OK;
    }
    return store_pg__write_end(ps, c, ZE_OK, 1, seq);
abort:
    LOG_WARN("group commit of %s failed", single ? "1 change" : "a batch");
    store_pg__write_end(ps, c, ZE_STORE_UNAVAILABLE, 0, -1);
    return ZE_STORE_UNAVAILABLE;
}

static void run_batch(group_item_t *first, long long n, void *ud)
{
    pg_store_t *ps = ud;
    pg_gc_item_t *batch = (pg_gc_item_t *)first;
    for (pg_gc_item_t *it = batch; it; it = next_of(it)) {
        restore(it);
        it->ret = ZE_STORE_UNAVAILABLE;
    }
    pgc_t *c = store_pg__acquire(ps);
    int ret = c ? try_batch(ps, c, batch) : ZE_STORE_UNAVAILABLE;
    store_pg__release(ps, c);
    long long ok = 0;
    for (pg_gc_item_t *it = batch; it; it = next_of(it)) {
        if (ret != ZE_OK) {
            restore(it);
            it->ret = ZE_STORE_UNAVAILABLE;
        }
        ok += it->ret == ZE_OK;
    }
    if (ret == ZE_OK && ok) {
        atomic_fetch_add(&ps->n_transactions, 1);
        atomic_fetch_add(&ps->n_changes, ok);
        long long m = atomic_load(&ps->max_batch);
        while (n > m && !atomic_compare_exchange_weak(&ps->max_batch, &m, n)) {}
    }
}

int store_pg__commit(store_t *st, store_change_t *ch)
{
    int ret = change_valid(ch);
    if (ret != ZE_OK) return ret;
    pg_store_t *ps = (pg_store_t *)st;
    pg_gc_item_t me = {.ch = ch, .spool_version = ch->spool ? ch->spool->version : 0};
    me.put_versions = xmalloc((ch->n_puts ? ch->n_puts : 1) * sizeof *me.put_versions);
    for (size_t i = 0; i < ch->n_puts; i++) me.put_versions[i] = ch->puts[i].version;

    group_join(&ps->gc, &me.q, PG_GC_MAX_BATCH, run_batch, ps);
    free(me.put_versions);
    return me.ret;
}

int store_pg__spool_commit(store_t *st, spool_t *s, int64_t expected_version, event_rec_t *ev,
                           size_t nev)
{
    store_change_t ch = {
        .spool = s, .expected_version = expected_version, .events = ev, .n_events = nev};
    return store_pg__commit(st, &ch);
}
