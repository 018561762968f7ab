/* The store contract for the union model (store.h, "v4 unions"): union reads and their order,
 * the general commit (spool, unions, deletes, Notas and events in one transaction, each
 * compare-and-set or nothing), Notas appends from several handles, and import keeping the
 * counters of Operaciones equal to the unions they count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"
#include "core/errors.h"
#include "store/store.h"

/* ---- helpers ---- */

static zunion_t mk_union(const char *tag, int n, int64_t dn_c, const char *tipo)
{
    zunion_t u;
    memset(&u, 0, sizeof u);
    snprintf(u.tag, sizeof u.tag, "%s", tag);
    u.n = n;
    snprintf(u.ot, sizeof u.ot, "1234");
    u.dn_c = dn_c;
    snprintf(u.tipo, sizeof u.tipo, "%s", tipo);
    return u;
}

static spool_t get_spool(store_t *st, const char *tag)
{
    spool_t s;
    assert_int_equal(st->ops->spool_get(st, tag, &s), ZE_OK);
    return s;
}

/* Commits puts (and nothing else but the spool itself, unchanged) on tag's current version. */
static int put_unions(store_t *st, const char *tag, zunion_t *puts, size_t n)
{
    spool_t s = get_spool(st, tag);
    store_change_t ch = {
        .spool = &s, .expected_version = s.version, .puts = puts, .n_puts = n};
    return st->ops->commit(st, &ch);
}

static size_t unions_of(store_t *st, const char *tag, zunion_t out[ZUNION_MAX])
{
    size_t n = 99;
    assert_int_equal(st->ops->unions_get(st, tag, out, &n), ZE_OK);
    return n;
}

static int64_t last_seq(store_t *st)
{
    int64_t s;
    assert_int_equal(st->ops->event_last_seq(st, &s), ZE_OK);
    return s;
}

static void notas_of(store_t *st, const char *tag, char *out, size_t n)
{
    assert_int_equal(st->ops->notas_get(st, tag, out, n), ZE_OK);
}

typedef struct seen_unions {
    char key[64][ZTAG_MAX + 16];
    int n;
} seen_unions_t;

static int on_union(void *ud, const zunion_t *u)
{
    seen_unions_t *s = ud;
    if (s->n < 64) snprintf(s->key[s->n++], sizeof s->key[0], "%s/%d", u->tag, u->n);
    return 0;
}

/* ---- the cases ---- */

void unions_get_in_n_order_and_foreach_in_sheet_order(void **state)
{
    ctx_t *c = *state;
    store_t *st = c->st;
    zunion_t out[ZUNION_MAX];
    assert_int_equal(unions_of(st, "T-1", out), 0);  /* a spool without unions */
    assert_int_equal(unions_of(st, "NOPE", out), 0); /* an unknown tag: no unions, no error */
    zunion_t p[3] = {mk_union("T-1", 3, 250, "BW"), mk_union("T-1", 1, 100, "SO"),
                     mk_union("T-1", 2, 75, "")};
    assert_int_equal(put_unions(st, "T-1", p, 3), ZE_OK);
    for (int i = 0; i < 3; i++) assert_int_equal(p[i].version, 1); /* created: version 1 */
    zunion_t q = mk_union("T-2", 1, 400, "FW");
    assert_int_equal(put_unions(st, "T-2", &q, 1), ZE_OK);
    assert_int_equal(unions_of(st, "T-1", out), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(out[i].n, i + 1);
        assert_string_equal(out[i].tag, "T-1");
        assert_int_equal(out[i].version, 1);
    }
    assert_int_equal(out[0].dn_c, 100);
    assert_string_equal(out[0].tipo, "SO");
    assert_string_equal(out[1].tipo, "");
    assert_string_equal(out[2].ot, "1234");
    seen_unions_t seen = {0};
    assert_int_equal(st->ops->unions_foreach(st, on_union, &seen), ZE_OK);
    assert_int_equal(seen.n, 4);
    /* sheet order: the order they were created in (a new union is a new last row) */
    assert_string_equal(seen.key[0], "T-1/3");
    assert_string_equal(seen.key[1], "T-1/1");
    assert_string_equal(seen.key[2], "T-1/2");
    assert_string_equal(seen.key[3], "T-2/1");
}

void commit_writes_spool_unions_notas_and_events_together(void **state)
{
    ctx_t *c = *state;
    store_t *st = c->st;
    spool_t s = get_spool(st, "T-3");
    int64_t v = s.version, g0, g1;
    assert_int_equal(st->ops->generation(st, &g0), ZE_OK);
    snprintf(s.armador, sizeof s.armador, "MR(93)");
    s.total_uniones = 2;
    s.uniones_arm_done = 2;
    s.uniones_sold_done = 0;
    s.pulgadas_arm_c = 650;
    s.pulgadas_sold_c = 0;
    zunion_t p[2] = {mk_union("T-3", 1, 250, "BW"), mk_union("T-3", 2, 400, "SO")};
    for (int i = 0; i < 2; i++) {
        p[i].arm_inicio = 1767355200;
        p[i].arm_fin = 1767358800;
        snprintf(p[i].arm_worker, sizeof p[i].arm_worker, "MR(93)");
    }
    event_rec_t ev[3] = {event_for("T-3", 31), event_for("T-3", 32), event_for("T-3", 33)};
    ev[1].n_union = 1;
    ev[2].n_union = 2;
    store_change_t ch = {.spool = &s, .expected_version = v, .puts = p, .n_puts = 2,
                         .notas_line = "20260415: lanzada a producción", .events = ev,
                         .n_events = 3};
    assert_int_equal(st->ops->commit(st, &ch), ZE_OK);
    assert_int_equal(s.version, v + 1);
    assert_true(ev[0].seq > 0 && ev[1].seq > ev[0].seq && ev[2].seq > ev[1].seq);
    spool_t after = get_spool(st, "T-3");
    assert_int_equal(after.version, v + 1);
    assert_string_equal(after.armador, "MR(93)");
    assert_int_equal(after.total_uniones, 2);
    assert_int_equal(after.uniones_arm_done, 2);
    assert_int_equal(after.uniones_sold_done, 0);
    assert_int_equal(after.pulgadas_arm_c, 650);
    assert_int_equal(after.pulgadas_sold_c, 0);
    zunion_t out[ZUNION_MAX];
    assert_int_equal(unions_of(st, "T-3", out), 2);
    assert_int_equal(out[1].arm_fin, 1767358800);
    assert_string_equal(out[1].arm_worker, "MR(93)");
    assert_int_equal(events_of(st, "T-3"), 3);
    char notas[128];
    notas_of(st, "T-3", notas, sizeof notas);
    assert_string_equal(notas, "20260415: lanzada a producción");
    assert_int_equal(st->ops->generation(st, &g1), ZE_OK);
    assert_true(g1 != g0);
    /* An update of a union: its version goes up by one, counters written as given. */
    out[0].sol_fin = 1767362400;
    snprintf(out[0].sol_worker, sizeof out[0].sol_worker, "NR(94)");
    after.uniones_sold_done = 1;
    after.pulgadas_sold_c = 250;
    ch = (store_change_t){.spool = &after, .expected_version = after.version, .puts = &out[0],
                          .n_puts = 1};
    assert_int_equal(st->ops->commit(st, &ch), ZE_OK);
    assert_int_equal(out[0].version, 2);
    zunion_t again[ZUNION_MAX];
    assert_int_equal(unions_of(st, "T-3", again), 2);
    assert_int_equal(again[0].version, 2);
    assert_int_equal(again[1].version, 1);
    assert_string_equal(again[0].sol_worker, "NR(94)");
    assert_int_equal(get_spool(st, "T-3").pulgadas_sold_c, 250);
    /* spool_commit is the same transaction: it writes the counters too */
    spool_t t = get_spool(st, "T-3");
    t.uniones_sold_done = 2;
    assert_int_equal(st->ops->spool_commit(st, &t, t.version, NULL, 0), ZE_OK);
    assert_int_equal(get_spool(st, "T-3").uniones_sold_done, 2);
}

/* Everything of a change that loses one compare-and-set stays unwritten: the spool, the other
 * unions, the deletes, the Notas line and the events; the caller's versions are as it read
 * them. */
void a_lost_union_compare_and_set_writes_nothing(void **state)
{
    ctx_t *c = *state;
    store_t *st = c->st;
    zunion_t one = mk_union("T-4", 1, 100, "BW"), two = mk_union("T-4", 2, 100, "BW");
    zunion_t pair[2] = {one, two};
    assert_int_equal(put_unions(st, "T-4", pair, 2), ZE_OK);
    /* someone else changes union 1 (version 1 -> 2) */
    zunion_t theirs = pair[0];
    theirs.arm_fin = 5;
    snprintf(theirs.arm_worker, sizeof theirs.arm_worker, "NR(94)");
    assert_int_equal(put_unions(st, "T-4", &theirs, 1), ZE_OK);
    assert_int_equal(theirs.version, 2);

    struct {
        const char *name;
        int64_t stale_v1;  /* version the loser read of union 1 */
        int spool_stale;   /* the spool's own compare-and-set is the one that loses */
    } cases[] = {
        {"stale union version", 1, 0},
        {"union created meanwhile", 0, 0},
        {"stale spool, unions fine", 2, 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        spool_t s = get_spool(st, "T-4");
        int64_t v = s.version, seq0 = last_seq(st), g0, g1;
        assert_int_equal(st->ops->generation(st, &g0), ZE_OK);
        snprintf(s.ocupado_por, sizeof s.ocupado_por, "MR(93)");
        s.ocupado_worker_id = 93;
        s.ocupado_op = ZOP_ARM;
        s.fecha_ocupacion = 1767355200;
        zunion_t mine[2] = {pair[0], mk_union("T-4", 3, 200, "SO")};
        mine[0].version = cases[k].stale_v1;
        mine[0].arm_fin = 9;
        snprintf(mine[0].arm_worker, sizeof mine[0].arm_worker, "MR(93)");
        const int del[1] = {2};
        event_rec_t ev[2] = {event_for("T-4", 40 + (int)k * 2), event_for("T-4", 41 + (int)k * 2)};
        ev[1].n_union = 1;
        store_change_t ch = {.spool = &s, .expected_version = cases[k].spool_stale ? v + 1 : v,
                             .puts = mine, .n_puts = 2, .deletes = del, .n_deletes = 1,
                             .notas_line = "20260101: no debe quedar", .events = ev,
                             .n_events = 2};
        print_message("case: %s\n", cases[k].name);
        assert_int_equal(st->ops->commit(st, &ch), ZE_VERSION_CONFLICT);
        assert_int_equal(s.version, v);                        /* caller's versions restored */
        assert_int_equal(mine[0].version, cases[k].stale_v1);
        assert_int_equal(mine[1].version, 0);
        spool_t now = get_spool(st, "T-4");
        assert_int_equal(now.version, v);
        assert_string_equal(now.ocupado_por, "");
        zunion_t out[ZUNION_MAX];
        assert_int_equal(unions_of(st, "T-4", out), 2);        /* 3 not created, 2 not deleted */
        assert_int_equal(out[0].version, 2);
        assert_string_equal(out[0].arm_worker, "NR(94)");      /* theirs, not mine */
        assert_int_equal(out[1].n, 2);
        char notas[64];
        notas_of(st, "T-4", notas, sizeof notas);
        assert_string_equal(notas, "");
        assert_int_equal(last_seq(st), seq0);
        assert_int_equal(events_of(st, "T-4"), 0);
        assert_int_equal(st->ops->generation(st, &g1), ZE_OK);
        assert_int_equal(g1, g0);
    }
}

void union_deletes_must_find_their_union(void **state)
{
    ctx_t *c = *state;
    store_t *st = c->st;
    zunion_t p[2] = {mk_union("T-5", 1, 100, "BW"), mk_union("T-5", 2, 200, "BW")};
    assert_int_equal(put_unions(st, "T-5", p, 2), ZE_OK);
    spool_t s = get_spool(st, "T-5");
    const int del[1] = {1};
    event_rec_t ev = event_for("T-5", 50);
    store_change_t ch = {.spool = &s, .expected_version = s.version, .deletes = del,
                         .n_deletes = 1, .events = &ev, .n_events = 1};
    assert_int_equal(st->ops->commit(st, &ch), ZE_OK);
    zunion_t out[ZUNION_MAX];
    assert_int_equal(unions_of(st, "T-5", out), 1);
    assert_int_equal(out[0].n, 2);
    /* deleting it again (a lost race with another delete): nothing is written */
    s = get_spool(st, "T-5");
    int64_t v = s.version;
    event_rec_t ev2 = event_for("T-5", 51);
    ch = (store_change_t){.spool = &s, .expected_version = v, .deletes = del, .n_deletes = 1,
                          .events = &ev2, .n_events = 1};
    assert_int_equal(st->ops->commit(st, &ch), ZE_VERSION_CONFLICT);
    assert_int_equal(get_spool(st, "T-5").version, v);
    assert_int_equal(events_of(st, "T-5"), 1);
    /* a deleted N_UNION may be created again (version 0: must not exist) */
    zunion_t back = mk_union("T-5", 1, 300, "SO");
    assert_int_equal(put_unions(st, "T-5", &back, 1), ZE_OK);
    assert_int_equal(unions_of(st, "T-5", out), 2);
    assert_int_equal(out[0].dn_c, 300);
}

void commit_refuses_unions_of_another_spool(void **state)
{
    ctx_t *c = *state;
    store_t *st = c->st;
    spool_t s = get_spool(st, "T-6");
    int64_t v = s.version;
    zunion_t other = mk_union("T-7", 1, 100, "BW");
    event_rec_t ev = event_for("T-6", 60);
    store_change_t ch = {.spool = &s, .expected_version = v, .puts = &other, .n_puts = 1,
                         .events = &ev, .n_events = 1};
    assert_int_equal(st->ops->commit(st, &ch), ZE_BAD_REQUEST);
    zunion_t bad_n = mk_union("T-6", ZUNION_MAX + 1, 100, "BW");
    ch.puts = &bad_n;
    assert_int_equal(st->ops->commit(st, &ch), ZE_BAD_REQUEST);
    zunion_t mine = mk_union("T-6", 1, 100, "BW");
    store_change_t no_spool = {.puts = &mine, .n_puts = 1};
    assert_int_equal(st->ops->commit(st, &no_spool), ZE_BAD_REQUEST);
    store_change_t notas_alone = {.notas_line = "x"};
    assert_int_equal(st->ops->commit(st, &notas_alone), ZE_BAD_REQUEST);
    zunion_t out[ZUNION_MAX];
    assert_int_equal(unions_of(st, "T-6", out), 0);
    assert_int_equal(unions_of(st, "T-7", out), 0);
    assert_int_equal(get_spool(st, "T-6").version, v);
    assert_int_equal(events_of(st, "T-6"), 0);
}

/* Notas lines from two instances: both kept, in commit order, "\n" between them, never a
 * leading newline; a re-import of a sheet without a Notas column keeps them. */
void notas_append_across_handles(void **state)
{
    ctx_t *c = *state;
    store_t *a = c->st, *b = open_or_fail(c->url);
    const char *lines[] = {"20260415: uno", "20260416: dos ñandú", "20260417: tres"};
    for (int i = 0; i < 3; i++) {
        store_t *st = i % 2 ? b : a;
        int rc;
        do { /* each instance reads the spool and appends its line (CAS on the spool) */
            spool_t s = get_spool(st, "T-0");
            store_change_t ch = {.spool = &s, .expected_version = s.version,
                                 .notas_line = lines[i]};
            rc = st->ops->commit(st, &ch);
        } while (rc == ZE_VERSION_CONFLICT);
        assert_int_equal(rc, ZE_OK);
    }
    char notas[256];
    notas_of(b, "T-0", notas, sizeof notas);
    assert_string_equal(notas, "20260415: uno\n20260416: dos ñandú\n20260417: tres");
    /* truncated at a character boundary: "ñ" is two bytes and is not cut in half */
    char small[30];
    notas_of(a, "T-0", small, sizeof small);
    assert_string_equal(small, "20260415: uno\n20260416: dos ");
    assert_int_equal(a->ops->notas_get(a, "NOPE", notas, sizeof notas), ZE_SPOOL_NO_ENCONTRADO);
    seed(a); /* the seed's sheet has no Notas column */
    notas_of(a, "T-0", notas, sizeof notas);
    assert_string_equal(notas, "20260415: uno\n20260416: dos ñandú\n20260417: tres");
    store_close(b);
}

/* The Uniones sheet through import: counters of spools with unions are what their unions
 * give, whatever the Operaciones cells said; a spool without unions keeps its cells; on
 * re-import a union keeps its tracking and takes the sheet's engineering cells. */
void import_keeps_counters_equal_to_unions(void **state)
{
    ctx_t *c = *state;
    store_t *st = c->st;
    static char *op_h[] = {"TAG_SPOOL", "OT", "Total_Uniones", "Uniones_ARM_Completadas",
                           "Pulgadas_ARM", "Notas"};
    static char *u_h[] = {"ID", "OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION",
                          "ARM_FECHA_FIN", "ARM_WORKER", "NDT_STATUS"};
    sheet_spool_t sp[2];
    memset(sp, 0, sizeof sp);
    for (int i = 0; i < 2; i++) {
        spool_t *s = &sp[i].spool;
        snprintf(s->tag, sizeof s->tag, "U-%d", i);
        s->row = i + 1;
        snprintf(s->ot, sizeof s->ot, "1234");
        s->total_uniones = 9; /* wrong for U-0; for U-1 (no unions) its plain cells */
        s->uniones_arm_done = 0;
        s->pulgadas_arm_c = 1;
        s->uniones_sold_done = -1;
        s->pulgadas_sold_c = -1;
    }
    sp[0].notas = "20260415: lanzada";
    char *ex0[9] = {"1234+1", NULL, NULL, NULL, NULL, NULL, NULL, NULL, "OK"};
    char *ex1[9] = {"1234+2", NULL, NULL, NULL, NULL, NULL, NULL, NULL, ""};
    sheet_union_t su[3];
    memset(su, 0, sizeof su);
    su[0].u = mk_union("U-0", 1, 250, "BW");
    su[0].u.arm_fin = 1767358800;
    snprintf(su[0].u.arm_worker, sizeof su[0].u.arm_worker, "MR(93)");
    su[0].extra = ex0;
    su[1].u = mk_union("U-0", 2, 150, "SO");
    su[1].extra = ex1;
    su[2].u = mk_union("GHOST", 1, 100, "BW"); /* not a spool: not stored */
    su[2].extra = ex1;
    sheets_t in = {.op_headers = op_h, .n_op_headers = 6, .spools = sp, .n_spools = 2,
                   .union_headers = u_h, .n_union_headers = 9, .unions = su, .n_unions = 3,
                   .has_unions = 1};
    char err[256] = "";
    assert_int_equal(st->ops->import(st, &in, err, sizeof err), ZE_OK);
    spool_t u0 = get_spool(st, "U-0"), u1 = get_spool(st, "U-1");
    assert_int_equal(u0.total_uniones, 2);
    assert_int_equal(u0.uniones_arm_done, 1);
    assert_int_equal(u0.pulgadas_arm_c, 250);
    assert_int_equal(u0.uniones_sold_done, 0);
    assert_int_equal(u0.pulgadas_sold_c, 0);
    assert_string_equal(u0.ot, "1234");
    assert_int_equal(u1.total_uniones, 9); /* no union rows: its cells verbatim */
    assert_int_equal(u1.pulgadas_arm_c, 1);
    assert_int_equal(u1.uniones_sold_done, -1);
    zunion_t out[ZUNION_MAX];
    assert_int_equal(unions_of(st, "GHOST", out), 0);
    /* The store's own work after the import: union 2 gets ARM on a tablet. */
    assert_int_equal(unions_of(st, "U-0", out), 2);
    out[1].arm_fin = 1767362400;
    snprintf(out[1].arm_worker, sizeof out[1].arm_worker, "NR(94)");
    u0.uniones_arm_done = 2;
    u0.pulgadas_arm_c = 400;
    store_change_t ch = {.spool = &u0, .expected_version = u0.version, .puts = &out[1],
                         .n_puts = 1};
    assert_int_equal(st->ops->commit(st, &ch), ZE_OK);
    /* The office re-imports its (older) sheet with union 1's DN changed. */
    su[0].u.dn_c = 300;
    su[0].u.arm_fin = 0;
    su[0].u.arm_worker[0] = '\0';
    in.n_unions = 1; /* and union 2 missing from it */
    int64_t v_before = get_spool(st, "U-0").version;
    assert_int_equal(st->ops->import(st, &in, err, sizeof err), ZE_OK);
    assert_int_equal(unions_of(st, "U-0", out), 2);         /* union 2 kept */
    assert_int_equal(out[0].dn_c, 300);                       /* engineering from the sheet */
    assert_int_equal(out[0].arm_fin, 1767358800);             /* tracking kept */
    assert_string_equal(out[0].arm_worker, "MR(93)");
    assert_int_equal(out[0].version, 2);                      /* DN changed: version + 1 */
    assert_string_equal(out[1].arm_worker, "NR(94)");
    spool_t again = get_spool(st, "U-0");
    assert_int_equal(again.uniones_arm_done, 2);
    assert_int_equal(again.pulgadas_arm_c, 450);              /* recomputed: 3 + 1.5 */
    assert_int_equal(again.version, v_before + 1);            /* its counters changed */
    char notas[64];
    notas_of(st, "U-0", notas, sizeof notas);
    assert_string_equal(notas, "20260415: lanzada");
    /* Importing the same sheet again changes nothing. */
    assert_int_equal(st->ops->import(st, &in, err, sizeof err), ZE_OK);
    assert_int_equal(get_spool(st, "U-0").version, again.version);
    assert_int_equal(unions_of(st, "U-0", out), 2);
    assert_int_equal(out[0].version, 2);

    /* Export: the unions in sheet order with their verbatim cells; the layouts kept. */
    sheets_t ex;
    assert_int_equal(st->ops->export(st, &ex), ZE_OK);
    assert_int_equal(ex.has_unions, 1);
    assert_int_equal(ex.n_union_headers, 9);
    assert_int_equal(ex.n_unions, 2);
    assert_string_equal(ex.unions[0].u.tag, "U-0");
    assert_int_equal(ex.unions[0].u.n, 1);
    assert_string_equal(ex.unions[0].extra[0], "1234+1");
    assert_string_equal(ex.unions[0].extra[8], "OK");
    assert_null(ex.unions[0].extra[2]);
    assert_int_equal(ex.unions[1].u.n, 2); /* unlisted by the last sheet: after the listed */
    int found = 0;
    for (size_t i = 0; i < ex.n_spools; i++)
        if (strcmp(ex.spools[i].spool.tag, "U-0") == 0) {
            found = 1;
            assert_string_equal(ex.spools[i].notas, "20260415: lanzada");
            assert_int_equal(ex.spools[i].spool.pulgadas_arm_c, 450);
        }
    assert_true(found);
    sheets_free(&ex);
}

typedef struct n_unions {
    int n[16];
    int count;
} n_unions_t;

static int on_event_n_union(void *ud, const event_rec_t *e)
{
    n_unions_t *s = ud;
    if (s->count < 16) s->n[s->count++] = e->n_union;
    return 0;
}

/* Metadata column K: a per-union event keeps its N_UNION through commit, reads, import and
 * export; the Metadata layout the sheet came in (10 or 11 columns) is kept. */
void events_keep_their_n_union(void **state)
{
    ctx_t *c = *state;
    store_t *st = c->st;
    spool_t s = get_spool(st, "T-1");
    event_rec_t ev[2] = {event_for("T-1", 70), event_for("T-1", 71)};
    ev[1].n_union = 7;
    store_change_t ch = {.spool = &s, .expected_version = s.version, .events = ev, .n_events = 2};
    assert_int_equal(st->ops->commit(st, &ch), ZE_OK);
    n_unions_t got = {{0}, 0};
    assert_int_equal(st->ops->event_foreach_tag(st, "T-1", on_event_n_union, &got), ZE_OK);
    assert_int_equal(got.count, 2);
    assert_int_equal(got.n[0], 0);
    assert_int_equal(got.n[1], 7);
    got.count = 0;
    assert_int_equal(st->ops->event_foreach_since(st, 0, 10, on_event_n_union, &got), ZE_OK);
    assert_int_equal(got.n[1], 7);
    /* imported events keep theirs; an 11-column layout is remembered */
    event_rec_t imp = event_for("T-2", 72);
    imp.n_union = 3;
    sheets_t in = {.events = &imp, .n_events = 1, .has_events = 1, .metadata_n_union = 1};
    char err[256];
    assert_int_equal(st->ops->import(st, &in, err, sizeof err), ZE_OK);
    sheets_t ex;
    assert_int_equal(st->ops->export(st, &ex), ZE_OK);
    assert_int_equal(ex.metadata_n_union, 1);
    assert_int_equal(ex.n_events, 3);
    assert_int_equal(ex.events[1].n_union, 7);
    assert_int_equal(ex.events[2].n_union, 3);
    sheets_free(&ex);
    in.metadata_n_union = 0; /* the office went back to ten columns */
    assert_int_equal(st->ops->import(st, &in, err, sizeof err), ZE_OK);
    assert_int_equal(st->ops->export(st, &ex), ZE_OK);
    assert_int_equal(ex.metadata_n_union, 0);
    assert_int_equal(ex.n_events, 3); /* not imported twice */
    sheets_free(&ex);
}
