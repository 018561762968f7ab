/* The store contract for the spreadsheet sync: its named integers (store.h sync_get /
 * sync_put: absent names read as 0, a put replaces, values survive a reopen and are seen by
 * another handle at once, the generation is left alone), the pull's import with only_current
 * (a row the sheet has not caught up with does not undo a change) and with deleted_after (a
 * union deleted after the sheet was brought up to date does not come back from it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"
#include "core/errors.h"
#include "core/dates.h"
#include "store/store.h"

void sync_state_reads_zero_then_what_was_put(void **state)
{
    ctx_t *c = *state;
    int64_t v = 77;
    assert_int_equal(c->st->ops->sync_get(c->st, "metadata_seq", &v), ZE_OK);
    assert_int_equal(v, 0);
    int64_t gen0 = 0, gen1 = 0;
    assert_int_equal(c->st->ops->generation(c->st, &gen0), ZE_OK);
    assert_int_equal(c->st->ops->sync_put(c->st, "metadata_seq", 41), ZE_OK);
    assert_int_equal(c->st->ops->sync_put(c->st, "metadata_seq", 42), ZE_OK);
    assert_int_equal(c->st->ops->sync_put(c->st, "ops_seq", -5), ZE_OK);
    assert_int_equal(c->st->ops->generation(c->st, &gen1), ZE_OK);
    assert_true(gen0 == gen1);
    assert_int_equal(c->st->ops->sync_get(c->st, "metadata_seq", &v), ZE_OK);
    assert_int_equal(v, 42);
    assert_int_equal(c->st->ops->sync_get(c->st, "ops_seq", &v), ZE_OK);
    assert_int_equal(v, -5);
    assert_int_equal(c->st->ops->sync_get(c->st, "metadata", &v), ZE_OK); /* no prefix match */
    assert_int_equal(v, 0);
}

void sync_state_is_shared_and_survives_reopen(void **state)
{
    ctx_t *c = *state;
    store_t *other = open_or_fail(c->url);
    assert_int_equal(c->st->ops->sync_put(c->st, "metadata_seq", (int64_t)1 << 40), ZE_OK);
    int64_t v = 0;
    assert_int_equal(other->ops->sync_get(other, "metadata_seq", &v), ZE_OK);
    assert_true(v == (int64_t)1 << 40);
    assert_int_equal(other->ops->sync_put(other, "metadata_seq", 7), ZE_OK);
    store_close(other);
    store_close(c->st);
    c->st = open_or_fail(c->url);
    assert_int_equal(c->st->ops->sync_get(c->st, "metadata_seq", &v), ZE_OK);
    assert_int_equal(v, 7);
}

/* An Operaciones row with a Notas cell and its one union, as the spreadsheet sync's pull
 * hands them over, the row carrying version. */
static void pull_one(store_t *st, const char *tag, int64_t version, char *notas, int64_t dn_c,
                     const char *nv)
{
    static char *op_h[] = {"TAG_SPOOL", "NV", "Fecha_Materiales", "version", "Notas"};
    static char *u_h[] = {"ID", "OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION"};
    sheet_spool_t sp;
    memset(&sp, 0, sizeof sp);
    snprintf(sp.spool.tag, sizeof sp.spool.tag, "%s", tag);
    snprintf(sp.spool.nv, sizeof sp.spool.nv, "%s", nv);
    sp.spool.row = 1;
    sp.spool.version = version;
    zdate_make(2026, 1, 5, &sp.spool.fecha_materiales);
    sp.spool.total_uniones = sp.spool.uniones_arm_done = sp.spool.uniones_sold_done = -1;
    sp.spool.pulgadas_arm_c = sp.spool.pulgadas_sold_c = -1;
    sp.notas = notas;
    sheet_union_t su;
    memset(&su, 0, sizeof su);
    snprintf(su.u.tag, sizeof su.u.tag, "%s", tag);
    su.u.n = 1;
    snprintf(su.u.ot, sizeof su.u.ot, "77");
    su.u.dn_c = dn_c;
    snprintf(su.u.tipo, sizeof su.u.tipo, "BW");
    sheets_t in = {.op_headers = op_h, .n_op_headers = 5, .spools = &sp, .n_spools = 1,
                   .union_headers = u_h, .n_union_headers = 6, .unions = &su, .n_unions = 1,
                   .has_unions = 1, .only_current = 1};
    char err[256] = "";
    assert_int_equal(st->ops->import(st, &in, err, sizeof err), ZE_OK);
}

void import_only_current_keeps_what_the_sheet_has_not_caught_up_with(void **state)
{
    ctx_t *c = *state;
    store_t *st = c->st;
    spool_t s;
    assert_int_equal(st->ops->spool_get(st, "T-1", &s), ZE_OK);
    /* The sheet shows T-1 as it is now: its Notas and union come in. */
    pull_one(st, "T-1", s.version, "20260415: de la oficina", 400, "NV-1");
    char notas[128];
    assert_int_equal(st->ops->notas_get(st, "T-1", notas, sizeof notas), ZE_OK);
    assert_string_equal(notas, "20260415: de la oficina");
    zunion_t u[ZUNION_MAX];
    size_t n = 0;
    assert_int_equal(st->ops->unions_get(st, "T-1", u, &n), ZE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(u[0].dn_c, 400);
    /* A tablet changes T-1 (its version moves on); a pull of the older row must not undo the
     * change: Notas and the union stay, the engineering cells (NV) still come in. */
    assert_int_equal(st->ops->spool_get(st, "T-1", &s), ZE_OK);
    int64_t old = s.version;
    assert_int_equal(take(st, "T-1", 1, NULL), ZE_OK);
    pull_one(st, "T-1", old, "", 600, "NV-2");
    assert_int_equal(st->ops->notas_get(st, "T-1", notas, sizeof notas), ZE_OK);
    assert_string_equal(notas, "20260415: de la oficina");
    assert_int_equal(st->ops->unions_get(st, "T-1", u, &n), ZE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(u[0].dn_c, 400);
    assert_int_equal(st->ops->spool_get(st, "T-1", &s), ZE_OK);
    assert_string_equal(s.nv, "NV-2");
    assert_true(s.ocupado_worker_id != 0); /* and its tracking, as every import keeps it */
}

/* ---- deleted unions ---- */

static zunion_t union_of(const char *tag, int n, int64_t dn_c)
{
    zunion_t u;
    memset(&u, 0, sizeof u);
    snprintf(u.tag, sizeof u.tag, "%s", tag);
    u.n = n;
    snprintf(u.ot, sizeof u.ot, "55");
    u.dn_c = dn_c;
    snprintf(u.tipo, sizeof u.tipo, "BW");
    return u;
}

/* One commit on tag's current version with puts, deletes and one event; the event's seq. */
static int64_t change_unions(store_t *st, const char *tag, zunion_t *puts, size_t n_puts,
                             const int *deletes, size_t n_deletes, int id)
{
    spool_t s;
    assert_int_equal(st->ops->spool_get(st, tag, &s), ZE_OK);
    event_rec_t ev = event_for(tag, id);
    store_change_t ch = {.spool = &s, .expected_version = s.version, .puts = puts,
                         .n_puts = n_puts, .deletes = deletes, .n_deletes = n_deletes,
                         .events = &ev, .n_events = 1};
    assert_int_equal(st->ops->commit(st, &ch), ZE_OK);
    return ev.seq;
}

/* A pull of a Uniones sheet listing unions ns[0..n) of tag (DN dn_c each) and no Operaciones
 * rows: no spool is stale, only deleted_after stands between a sheet row and the store. */
static void pull_unions(store_t *st, const char *tag, const int *ns, size_t n, int64_t dn_c,
                        int64_t deleted_after)
{
    static char *u_h[] = {"ID", "OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION"};
    sheet_union_t su[ZUNION_MAX];
    memset(su, 0, sizeof su);
    for (size_t i = 0; i < n; i++) su[i].u = union_of(tag, ns[i], dn_c);
    sheets_t in = {.union_headers = u_h, .n_union_headers = 6, .unions = su, .n_unions = n,
                   .has_unions = 1, .only_current = 1, .deleted_after = deleted_after};
    char err[256] = "";
    assert_int_equal(st->ops->import(st, &in, err, sizeof err), ZE_OK);
}

/* unions of tag as a bit set of N_UNION, and the DN of union 1 into *dn1 */
static unsigned unions_set(store_t *st, const char *tag, int64_t *dn1)
{
    zunion_t u[ZUNION_MAX];
    size_t n = 0;
    unsigned set = 0;
    assert_int_equal(st->ops->unions_get(st, tag, u, &n), ZE_OK);
    for (size_t i = 0; i < n; i++) {
        set |= 1u << u[i].n;
        if (u[i].n == 1 && dn1) *dn1 = u[i].dn_c;
    }
    return set;
}

void a_deleted_union_does_not_come_back_from_a_sheet_read_before_its_row_left(void **state)
{
    ctx_t *c = *state;
    store_t *st = c->st;
    const int all[3] = {1, 2, 3}, two = 2;
    zunion_t p[3] = {union_of("T-5", 1, 100), union_of("T-5", 2, 100), union_of("T-5", 3, 100)};
    int64_t made = change_unions(st, "T-5", p, 3, NULL, 0, 51);
    /* The tablet deletes union 2; the sheet, last brought up to date at `made`, still lists
     * it: a pull takes union 1's new DN and leaves union 2 deleted. */
    int64_t gone = change_unions(st, "T-5", NULL, 0, &two, 1, 52);
    assert_true(gone > made);
    int64_t dn1 = 0;
    pull_unions(st, "T-5", all, 3, 250, made);
    assert_int_equal(unions_set(st, "T-5", &dn1), (1u << 1) | (1u << 3));
    assert_int_equal(dn1, 250);
    /* The same from another handle (another process of the plant): the record is stored. */
    store_t *other = open_or_fail(c->url);
    pull_unions(other, "T-5", all, 3, 250, gone - 1);
    store_close(other);
    assert_int_equal(unions_set(st, "T-5", NULL), (1u << 1) | (1u << 3));
    /* Once the sheet has caught up with the deletion (the push took the row out), a row the
     * office types back with that key is a new union: it comes in. */
    pull_unions(st, "T-5", all, 3, 250, gone);
    assert_int_equal(unions_set(st, "T-5", NULL), (1u << 1) | (1u << 2) | (1u << 3));
    /* Deleted again: the record is the last deletion's, so an older sheet stays out again. */
    int64_t again = change_unions(st, "T-5", NULL, 0, &two, 1, 53);
    pull_unions(st, "T-5", all, 3, 250, gone);
    assert_int_equal(unions_set(st, "T-5", NULL), (1u << 1) | (1u << 3));
    /* Created again on the tablet: the union exists, so the sheet's cells come in as for any
     * union (nothing is resurrected). */
    zunion_t back = union_of("T-5", 2, 300);
    change_unions(st, "T-5", &back, 1, NULL, 0, 54);
    static char *u_h[] = {"ID", "OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION"};
    sheet_union_t su = {.u = union_of("T-5", 2, 450)};
    sheets_t in = {.union_headers = u_h, .n_union_headers = 6, .unions = &su, .n_unions = 1,
                   .has_unions = 1, .only_current = 1, .deleted_after = again - 1};
    char err[256] = "";
    assert_int_equal(st->ops->import(st, &in, err, sizeof err), ZE_OK);
    zunion_t u[ZUNION_MAX];
    size_t n = 0;
    assert_int_equal(st->ops->unions_get(st, "T-5", u, &n), ZE_OK);
    assert_int_equal(n, 3);
    assert_int_equal(u[1].n, 2);
    assert_int_equal(u[1].dn_c, 450);
}
