/* The small plant and the helpers every store test shares (contract.h): opening a store,
 * seeding it, TOMAR-like commits and event counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"
#include "core/errors.h"
#include "store/store.h"

void temp_dir(char *dir, size_t n, const char *name)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, n, "%s/zeues-%s-XXXXXX", tmp, name);
    if (!mkdtemp(dir)) fail_msg("mkdtemp %s failed", dir);
}

int remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

store_t *open_or_fail(const char *url)
{
    char err[512] = "";
    store_t *st = store_open(url, err, sizeof err);
    if (!st) fail_msg("store_open(%s): %s", url, err);
    return st;
}

/* A small plant: N_SPOOLS spools T-0..T-7 (materials in), two workers with roles. */
void seed(store_t *st)
{
    sheets_t in = {0};
    sheet_spool_t sp[N_SPOOLS];
    memset(sp, 0, sizeof sp);
    for (int i = 0; i < N_SPOOLS; i++) {
        spool_t *s = &sp[i].spool;
        s->row = i + 1;
        snprintf(s->tag, sizeof s->tag, "T-%d", i);
        zdate_make(2026, 1, 5, &s->fecha_materiales);
        snprintf(s->estado_detalle, sizeof s->estado_detalle, "%s", "");
        /* no union columns in this sheet: the counters read as empty cells */
        s->total_uniones = s->uniones_arm_done = s->uniones_sold_done = -1;
        s->pulgadas_arm_c = s->pulgadas_sold_c = -1;
    }
    sheet_worker_t w[2];
    memset(w, 0, sizeof w);
    w[0].worker.id = 93;
    snprintf(w[0].worker.nombre, sizeof w[0].worker.nombre, "Mauricio");
    snprintf(w[0].worker.apellido, sizeof w[0].worker.apellido, "Rodriguez");
    snprintf(w[0].activo, sizeof w[0].activo, "TRUE");
    w[0].worker.activo = 1;
    w[1] = w[0];
    w[1].worker.id = 94;
    snprintf(w[1].worker.nombre, sizeof w[1].worker.nombre, "Nicolas");
    sheet_role_t r[2] = {{93, "Armador", "TRUE"}, {94, "Soldador", "TRUE"}};
    static char *op_h[] = {"TAG_SPOOL", "NV", "Fecha_Materiales"};
    static char *w_h[] = {"Id", "Nombre", "Apellido", "Activo"};
    static char *r_h[] = {"Id", "Rol", "Activo"};
    in.op_headers = op_h;
    in.n_op_headers = 3;
    in.worker_headers = w_h;
    in.n_worker_headers = 4;
    in.role_headers = r_h;
    in.n_role_headers = 3;
    in.spools = sp;
    in.n_spools = N_SPOOLS;
    in.workers = w;
    in.n_workers = 2;
    in.roles = r;
    in.n_roles = 2;
    char err[512] = "";
    int rc = st->ops->import(st, &in, err, sizeof err);
    if (rc != ZE_OK) fail_msg("import: %s (%s)", zerr_name(rc), err);
}

/* One event for tag (TOMAR-like), with a recognisable id. */
event_rec_t event_for(const char *tag, int n)
{
    event_rec_t e;
    memset(&e, 0, sizeof e);
    snprintf(e.id, sizeof e.id, "00000000-0000-4000-8000-%012d", n);
    e.ts = 1767355200 + n;
    snprintf(e.tipo, sizeof e.tipo, "TOMAR_SPOOL");
    snprintf(e.tag, sizeof e.tag, "%s", tag);
    e.worker_id = 93;
    snprintf(e.worker_nombre, sizeof e.worker_nombre, "MR(93)");
    snprintf(e.operacion, sizeof e.operacion, "ARM");
    snprintf(e.accion, sizeof e.accion, "TOMAR");
    return e;
}

/* Takes tag for worker 93 at its current version: one commit with one event. */
int take(store_t *st, const char *tag, int n, int64_t *seq)
{
    spool_t s;
    int rc = st->ops->spool_get(st, tag, &s);
    if (rc != ZE_OK) return rc;
    int64_t v = s.version;
    snprintf(s.ocupado_por, sizeof s.ocupado_por, "MR(93)");
    s.ocupado_worker_id = 93;
    s.ocupado_op = ZOP_ARM;
    s.fecha_ocupacion = 1767355200;
    snprintf(s.lock_token, sizeof s.lock_token, "tok-%d", n);
    snprintf(s.armador, sizeof s.armador, "MR(93)");
    snprintf(s.estado_detalle, sizeof s.estado_detalle, "MR(93) trabajando ARM (ARM en progreso, SOLD pendiente)");
    event_rec_t e = event_for(tag, n);
    rc = st->ops->spool_commit(st, &s, v, &e, 1);
    if (rc == ZE_OK && seq) *seq = e.seq;
    return rc;
}

static int count_event(void *ud, const event_rec_t *e)
{
    (void)e;
    (*(int *)ud)++;
    return 0;
}

int events_of(store_t *st, const char *tag)
{
    int n = 0;
    assert_int_equal(st->ops->event_foreach_tag(st, tag, count_event, &n), ZE_OK);
    return n;
}
