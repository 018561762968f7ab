/* The store contract for the spreadsheet sync: its named integers (store.h sync_get /
 * sync_put: absent names read as 0, a put replaces, values survive a reopen and are seen by
 * another handle at once, the generation is left alone) and the pull's import with
 * only_current (a row the sheet has not caught up with does not undo a change). */
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
