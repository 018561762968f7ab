/* `zeues demo --db F [--spools N]`: a realistic plant — the full Operaciones layout, ~30 workers
 * (several with two roles, a few inactive) and spools spread over every state, with an audit
 * trail consistent with each spool's state. Seeded, so the same command gives the same plant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/errors.h"
#include "core/estado.h"
#include "core/names.h"
#include "core/sheet_map.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/tz.h"

static const char *const layout[] = {
    "id", "NV", "OT", "CT", "ITEM", "SPLIT", "TAG_SPOOL", "STATUS_NV", "Status_Spool", "Ubicación",
    "Cliente", "OC", "Item_OC", "PLANO_KRONOS N°", "Rev.", "Plano_Referencia", "Marca_Placa",
    "Prioridad", "Notas", "Fecha_Compromiso", "Fecha_Estimada_Entrega", "DIAM", "PD_Soldadura",
    "PD_Ranurado", "PD_Hilo", "Peso_Kg", "Area_m2", "Tipo Armado", "Tipo_NDT", "Tipo_PH",
    "Tipo_Revestimiento", "Tipo_Pintura", "Tipo_Embalaje", "Fecha_Ingenieria", "Fecha_Materiales",
    "Fecha_Armado", "Armador", "Fecha_Soldadura", "Soldador", "Fecha_QC_Metrología", "Fecha_NDT",
    "OK NDT si/no/Rep", "N°_nforme_PT", "N°_Informe_UT_ RX", "Fecha_PH", "N°_Informe_PH",
    "Fecha_Revestimiento", "Fecha_QC_Revestimiento", "Fecha_Envio_Pintura", "GD_envio_Pintura",
    "Fecha_Pintura", "Taller_Pintura", "Informe_Pintura", "Fecha_QC_Pintura", "Fecha_Liberación",
    "N°_Acta_Libración", "Packing_list", "Fecha_GD", "Guia_Despacho", "Precio Fabricación",
    "Precio Revestimiento", "Precio Pintura", "Precio Embalaje", "Precio Total", "FLAG", "MatSys",
    "Ocupado_Por", "Fecha_Ocupacion", "version", "Estado_Detalle"};
#define NLAYOUT (sizeof layout / sizeof layout[0])

static const char *const nombres[] = {
    "Mauricio", "Juan Carlos", "María José", "Nicolás", "Pedro", "Carolina", "Luis", "Andrés",
    "Sebastián", "Camila", "Jorge", "Felipe", "Rodrigo", "Valentina", "Cristián", "Patricio",
    "Ignacio", "Daniela", "Héctor", "Álvaro", "Francisca", "Tomás", "Gonzalo", "Javiera",
    "Matías", "Claudio", "Ricardo", "Fernanda", "Esteban", "Óscar"};
static const char *const apellidos[] = {
    "Rodriguez", "Pérez López", "García", "Muñoz", "Soto", "Contreras", "Silva", "Martínez",
    "Sepúlveda", "Morales", "Rojas", "Fuentes", "Araya", "Espinoza", "Valenzuela", "Castillo",
    "Tapia", "Reyes", "Gutiérrez", "Castro", "Pizarro", "Álvarez", "Vásquez", "Sánchez",
    "Fernández", "Ramírez", "Carrasco", "Gómez", "Cortés", "Herrera"};
static const char *const clientes[] = {"Codelco", "Antofagasta Minerals", "BHP", "ENAP",
                                       "Anglo American", "Arauco"};

/* xorshift32: deterministic across platforms, unlike rand(). */
static unsigned rng(unsigned *s)
{
    unsigned x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static int pick(unsigned *s, int n) { return (int)(rng(s) % (unsigned)n); }

typedef struct demo {
    sheets_t sh;
    size_t cap_events;
    unsigned seed;
    int64_t now;
} demo_t;

static void add_event(demo_t *d, const char *tipo, const spool_t *s, const worker_t *w,
                      const char *op, const char *accion, int64_t ts, const char *meta)
{
    if (d->sh.n_events == d->cap_events)
        d->sh.events = xrealloc(d->sh.events, (d->cap_events *= 2) * sizeof *d->sh.events);
    event_rec_t *e = &d->sh.events[d->sh.n_events++];
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%08x-%04x-4%03x-8%03x-%08x%04x", rng(&d->seed),
             rng(&d->seed) & 0xffff, rng(&d->seed) & 0xfff, rng(&d->seed) & 0xfff, rng(&d->seed),
             rng(&d->seed) & 0xffff);
    e->ts = ts;
    snprintf(e->tipo, sizeof e->tipo, "%s", tipo);
    snprintf(e->tag, sizeof e->tag, "%s", s->tag);
    e->worker_id = w->id;
    snprintf(e->worker_nombre, sizeof e->worker_nombre, "%s", w->display);
    snprintf(e->operacion, sizeof e->operacion, "%s", op);
    snprintf(e->accion, sizeof e->accion, "%s", accion);
    e->fecha_operacion = tz_date(ts);
    snprintf(e->metadata_json, sizeof e->metadata_json, "%s", meta);
}

static void make_workers(demo_t *d)
{
    static const char *const worker_headers[] = {"Id", "Nombre", "Apellido", "Activo"};
    static const char *const role_headers[] = {"Id", "Rol", "Activo"};
    sheets_t *sh = &d->sh;
    sh->n_worker_headers = 4;
    sh->worker_headers = xcalloc(4, sizeof(char *));
    for (int i = 0; i < 4; i++) sh->worker_headers[i] = xstrdup(worker_headers[i]);
    sh->n_role_headers = 3;
    sh->role_headers = xcalloc(3, sizeof(char *));
    for (int i = 0; i < 3; i++) sh->role_headers[i] = xstrdup(role_headers[i]);
    size_t n = sizeof nombres / sizeof nombres[0];
    sh->workers = xcalloc(n, sizeof *sh->workers);
    sh->roles = xcalloc(n * 3, sizeof *sh->roles);
    for (size_t i = 0; i < n; i++) {
        sheet_worker_t *w = &sh->workers[sh->n_workers++];
        w->worker.id = 93 + (int64_t)i;
        snprintf(w->worker.nombre, sizeof w->worker.nombre, "%s", nombres[i]);
        snprintf(w->worker.apellido, sizeof w->worker.apellido, "%s", apellidos[i]);
        names_worker_display(w->worker.nombre, w->worker.apellido, w->worker.id, w->worker.display,
                             sizeof w->worker.display);
        /* Workers 27..29 left the plant. */
        w->worker.activo = i < 27;
        snprintf(w->activo, sizeof w->activo, "%s", i < 27 ? "TRUE" : "FALSE");
        /* 10 Armadores, 10 Soldadores, 4 Ayudantes, 3 Metrología, 3 others; some with two roles. */
        const char *r1 = i < 10 ? "Armador" : i < 20 ? "Soldador" : i < 24 ? "Ayudante"
                         : i < 27 ? "Metrologia" : i == 27 ? "Pintura" : "Despacho";
        sheet_role_t *r = &sh->roles[sh->n_roles++];
        r->worker_id = w->worker.id;
        snprintf(r->rol, sizeof r->rol, "%s", r1);
        snprintf(r->activo, sizeof r->activo, "TRUE");
        if (i % 4 == 1 && i < 20) {
            r = &sh->roles[sh->n_roles++];
            r->worker_id = w->worker.id;
            snprintf(r->rol, sizeof r->rol, "%s", i < 10 ? "Soldador" : "Armador");
            snprintf(r->activo, sizeof r->activo, "TRUE");
        }
        if (i == 5) { /* a role that was withdrawn stays in the sheet, inactive */
            r = &sh->roles[sh->n_roles++];
            r->worker_id = w->worker.id;
            snprintf(r->rol, sizeof r->rol, "Metrologia");
            snprintf(r->activo, sizeof r->activo, "FALSE");
        }
    }
}

static const worker_t *armador(demo_t *d) { return &d->sh.workers[pick(&d->seed, 10)].worker; }
static const worker_t *soldador(demo_t *d) { return &d->sh.workers[10 + pick(&d->seed, 10)].worker; }
static const worker_t *inspector(demo_t *d) { return &d->sh.workers[24 + pick(&d->seed, 3)].worker; }

/* The spool's last event is the TOMAR of its current occupation: make it agree with the
 * occupation's start so history and dashboard tell the same time. */
static void occupied_since(demo_t *d, const spool_t *s)
{
    event_rec_t *e = &d->sh.events[d->sh.n_events - 1];
    char fo[32];
    tz_format_dmy_hms(s->fecha_ocupacion, fo, sizeof fo);
    e->ts = s->fecha_ocupacion;
    e->fecha_operacion = tz_date(s->fecha_ocupacion);
    snprintf(e->metadata_json, sizeof e->metadata_json,
             "{\"lock_token\": \"%s\", \"fecha_ocupacion\": \"%s\"}", s->lock_token, fo);
}

/* Walks one spool through its history up to `stage`, writing columns and events as it goes. */
static void advance(demo_t *d, spool_t *s, int stage)
{
    int64_t t = d->now - 86400 * (int64_t)(3 + pick(&d->seed, 20)) - pick(&d->seed, 36000);
    char meta[256];
    if (stage < 1) return;
    s->fecha_materiales = tz_date(t - 86400 * 5);
    if (stage < 2) return;
    const worker_t *a = armador(d);
    snprintf(s->armador, sizeof s->armador, "%s", a->display);
    snprintf(meta, sizeof meta, "{\"lock_token\": \"demo\", \"fecha_ocupacion\": \"\"}");
    add_event(d, "TOMAR_SPOOL", s, a, "ARM", "TOMAR", t, meta);
    t += 3600 * (1 + pick(&d->seed, 5));
    if (stage == 2) { /* ARM paused */
        add_event(d, "PAUSAR_SPOOL", s, a, "ARM", "PAUSAR", t,
                  "{\"estado\": \"ARM parcial (pausado)\", \"lock_released\": true}");
        return;
    }
    if (stage == 3) { /* ARM being worked on right now */
        snprintf(s->ocupado_por, sizeof s->ocupado_por, "%s", a->display);
        s->ocupado_worker_id = a->id;
        s->ocupado_op = ZOP_ARM;
        s->fecha_ocupacion = d->now - 600 - pick(&d->seed, 7200);
        snprintf(s->lock_token, sizeof s->lock_token, "demo-%08x", rng(&d->seed));
        occupied_since(d, s);
        return;
    }
    s->fecha_armado = tz_date(t);
    char fecha[16];
    zdate_format_dmy(s->fecha_armado, fecha, sizeof fecha);
    snprintf(meta, sizeof meta, "{\"fecha_operacion\": \"%s\", \"completed\": true}", fecha);
    add_event(d, "COMPLETAR_ARM", s, a, "ARM", "COMPLETAR", t, meta);
    if (stage == 4) return;
    const worker_t *w = soldador(d);
    t += 3600;
    snprintf(s->soldador, sizeof s->soldador, "%s", w->display);
    add_event(d, "TOMAR_SPOOL", s, w, "SOLD", "TOMAR", t,
              "{\"lock_token\": \"demo\", \"fecha_ocupacion\": \"\"}");
    t += 3600 * (1 + pick(&d->seed, 6));
    if (stage == 5) {
        add_event(d, "PAUSAR_SPOOL", s, w, "SOLD", "PAUSAR", t,
                  "{\"estado\": \"SOLD parcial (pausado)\", \"lock_released\": true}");
        return;
    }
    if (stage == 6) {
        snprintf(s->ocupado_por, sizeof s->ocupado_por, "%s", w->display);
        s->ocupado_worker_id = w->id;
        s->ocupado_op = ZOP_SOLD;
        s->fecha_ocupacion = d->now - 300 - pick(&d->seed, 5400);
        snprintf(s->lock_token, sizeof s->lock_token, "demo-%08x", rng(&d->seed));
        occupied_since(d, s);
        return;
    }
    s->fecha_soldadura = tz_date(t);
    zdate_format_dmy(s->fecha_soldadura, fecha, sizeof fecha);
    snprintf(meta, sizeof meta, "{\"fecha_operacion\": \"%s\", \"completed\": true}", fecha);
    add_event(d, "COMPLETAR_SOLD", s, w, "SOLD", "COMPLETAR", t, meta);
    if (stage == 7) return;
    const worker_t *m = inspector(d);
    t += 7200;
    s->fecha_qc = tz_date(t);
    if (stage == 8) {
        s->metrologia = ZMET_APROBADO;
        add_event(d, "COMPLETAR_METROLOGIA", s, m, "METROLOGIA", "COMPLETAR", t,
                  "{\"resultado\": \"APROBADO\", \"state\": \"aprobado\"}");
        return;
    }
    /* Rejected once (9), twice (10) or three times: blocked (11). */
    int rejections = stage - 8;
    s->metrologia = ZMET_RECHAZADO;
    for (int k = 1; k <= rejections; k++) {
        snprintf(meta, sizeof meta,
                 "{\"resultado\": \"RECHAZADO\", \"state\": \"rechazado\", \"cycle\": %d}", k);
        add_event(d, "COMPLETAR_METROLOGIA", s, m, "METROLOGIA", "COMPLETAR", t, meta);
        t += 3600;
        if (k < rejections) {
            const worker_t *rep = armador(d);
            snprintf(meta, sizeof meta, "{\"cycle\": %d, \"max_cycles\": 3, \"state\": \"en_reparacion\"}", k);
            add_event(d, "TOMAR_REPARACION", s, rep, "REPARACION", "TOMAR", t, meta);
            t += 3600;
            snprintf(meta, sizeof meta,
                     "{\"cycle\": %d, \"max_cycles\": 3, \"state\": \"pendiente_metrologia\","
                     " \"next_state\": \"PENDIENTE_METROLOGIA\"}", k);
            add_event(d, "COMPLETAR_REPARACION", s, rep, "REPARACION", "COMPLETAR", t, meta);
            t += 3600;
        }
    }
    s->repair_cycle = rejections;
    s->repair = rejections >= ZMAX_CYCLES ? ZREP_BLOQUEADO : ZREP_RECHAZADO;
}

static void fill_extra(demo_t *d, sheet_spool_t *sp, size_t i)
{
    sheet_map_t m;
    sheet_map_build(&m, layout, NLAYOUT);
    sp->extra = xcalloc(NLAYOUT, sizeof(char *));
    char v[96];
    for (size_t j = 0; j < NLAYOUT; j++) {
        if (sheet_map_col_at(&m, j) >= 0) continue;
        v[0] = '\0';
        const char *h = layout[j];
        if (strcmp(h, "id") == 0) snprintf(v, sizeof v, "%zu", i + 1);
        else if (strcmp(h, "SPLIT") == 0) snprintf(v, sizeof v, "%zu", 1 + i % 3);
        else if (strcmp(h, "Cliente") == 0) snprintf(v, sizeof v, "%s", clientes[i % 6]);
        else if (strcmp(h, "DIAM") == 0) snprintf(v, sizeof v, "%d\"", 2 + pick(&d->seed, 22));
        else if (strcmp(h, "Peso_Kg") == 0)
            snprintf(v, sizeof v, "%d,%d", 20 + pick(&d->seed, 400), pick(&d->seed, 10));
        else if (strcmp(h, "Prioridad") == 0) snprintf(v, sizeof v, "%s", pick(&d->seed, 5) ? "Normal" : "Alta");
        else if (strcmp(h, "Tipo_NDT") == 0) snprintf(v, sizeof v, "%s", pick(&d->seed, 2) ? "RX" : "PT");
        else if (strcmp(h, "Ubicación") == 0) snprintf(v, sizeof v, "Nave %d", 1 + pick(&d->seed, 3));
        sp->extra[j] = xstrdup(v);
    }
}

int cli_demo(store_t *st, int n_spools, unsigned seed)
{
    demo_t d = {.seed = seed ? seed : 2026, .now = tz_now(), .cap_events = 1024};
    d.sh.events = xmalloc(d.cap_events * sizeof *d.sh.events);
    d.sh.has_events = 1;
    d.sh.n_op_headers = NLAYOUT;
    d.sh.op_headers = xcalloc(NLAYOUT, sizeof(char *));
    for (size_t i = 0; i < NLAYOUT; i++) d.sh.op_headers[i] = xstrdup(layout[i]);
    make_workers(&d);
    d.sh.spools = xcalloc((size_t)n_spools, sizeof *d.sh.spools);
    /* Stage weights: most spools early in the line, every state represented. */
    static const int stages[] = {0, 1, 1, 1, 1, 1, 2, 2, 3, 4, 4, 4, 5, 6, 7, 7, 8, 8, 8, 9, 10, 11};
    for (int i = 0; i < n_spools; i++) {
        sheet_spool_t *sp = &d.sh.spools[d.sh.n_spools++];
        spool_t *s = &sp->spool;
        int nv = 1300 + i / 40;
        char ot[32];
        snprintf(ot, sizeof ot, "%d", 25000 + i / 12);
        snprintf(s->tag, sizeof s->tag, "MK-%d-%s-%d-%03d", nv,
                 (i / 7) % 3 == 0 ? "CW" : (i / 7) % 3 == 1 ? "FW" : "SW", 25000 + i / 12,
                 i % 12 + 1);
        snprintf(s->nv, sizeof s->nv, "%d", nv);
        s->row = i + 1;
        int stage = i < (int)(sizeof stages / sizeof stages[0])
                        ? stages[i]
                        : stages[pick(&d.seed, (int)(sizeof stages / sizeof stages[0]))];
        advance(&d, s, stage);
        estado_detalle(s, s->estado_detalle, sizeof s->estado_detalle);
        snprintf(s->ot, sizeof s->ot, "%s", ot);
        s->total_uniones = s->uniones_arm_done = s->uniones_sold_done = -1;
        s->pulgadas_arm_c = s->pulgadas_sold_c = -1;
        fill_extra(&d, sp, (size_t)i);
    }
    char err[512] = "";
    int rc = st->ops->import(st, &d.sh, err, sizeof err);
    if (rc != ZE_OK) fprintf(stderr, "zeues demo: %s\n", err);
    else
        printf("Planta de demostración: %zu spools, %zu trabajadores, %zu eventos\n",
               d.sh.n_spools, d.sh.n_workers, d.sh.n_events);
    sheets_free(&d.sh);
    return rc == ZE_OK ? 0 : 1;
}
