/* `zeues demo --db F [--spools N]`: a realistic plant — the full Operaciones layout, ~30 workers
 * (several with two roles, a few inactive) and spools spread over every state, with an audit
 * trail consistent with each spool's state. About half the spools are tracked per union
 * (demo_unions.c), the others as a whole, as the plant's older spools are. Seeded, so the same
 * command gives the same plant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/errors.h"
#include "core/estado.h"
#include "core/names.h"
#include "core/sheet_map.h"
#include "cli/demo_int.h"
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
    "Ocupado_Por", "Fecha_Ocupacion", "version", "Estado_Detalle", "Total_Uniones",
    "Uniones_ARM_Completadas", "Uniones_SOLD_Completadas", "Pulgadas_ARM", "Pulgadas_SOLD"};
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

unsigned cli__demo_rng(unsigned *s) { return rng(s); }
int cli__demo_pick(unsigned *s, int n) { return pick(s, n); }

static event_rec_t *add_event(demo_t *d, const char *tipo, const spool_t *s, const worker_t *w,
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
    return e;
}

event_rec_t *cli__demo_event(demo_t *d, const char *tipo, const spool_t *s, const worker_t *w,
                             const char *op, const char *accion, int64_t ts, const char *meta)
{
    return add_event(d, tipo, s, w, op, accion, ts, meta);
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
static const worker_t *soldador(demo_t *d)
{
    return &d->sh.workers[10 + pick(&d->seed, 10)].worker;
}

static const worker_t *inspector(demo_t *d)
{
    return &d->sh.workers[24 + pick(&d->seed, 3)].worker;
}

const worker_t *cli__demo_armador(demo_t *d) { return armador(d); }
const worker_t *cli__demo_soldador(demo_t *d) { return soldador(d); }
const worker_t *cli__demo_inspector(demo_t *d) { return inspector(d); }

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

void cli__demo_occupy(demo_t *d, spool_t *s, const worker_t *w, zop_t op, int64_t since)
{
    snprintf(s->ocupado_por, sizeof s->ocupado_por, "%s", w->display);
    s->ocupado_worker_id = w->id;
    s->ocupado_op = op;
    s->fecha_ocupacion = since;
    snprintf(s->lock_token, sizeof s->lock_token, "demo-%08x", rng(&d->seed));
}

/* Walks one spool tracked as a whole through its history up to `stage`, writing columns and
 * events as it goes. */
static void advance(demo_t *d, spool_t *s, int stage, int64_t t)
{
    char meta[256];
    if (stage < DEMO_ARM_PAUSED) return;
    const worker_t *a = armador(d);
    snprintf(s->armador, sizeof s->armador, "%s", a->display);
    snprintf(meta, sizeof meta, "{\"lock_token\": \"demo\", \"fecha_ocupacion\": \"\"}");
    add_event(d, "TOMAR_SPOOL", s, a, "ARM", "TOMAR", t, meta);
    t += 3600 * (1 + pick(&d->seed, 5));
    if (stage == DEMO_ARM_PAUSED) {
        add_event(d, "PAUSAR_SPOOL", s, a, "ARM", "PAUSAR", t,
                  "{\"estado\": \"ARM parcial (pausado)\", \"lock_released\": true}");
        return;
    }
    if (stage == DEMO_ARM_WORKING) {
        cli__demo_occupy(d, s, a, ZOP_ARM, d->now - 600 - pick(&d->seed, 7200));
        occupied_since(d, s);
        return;
    }
    s->fecha_armado = tz_date(t);
    char fecha[16];
    zdate_format_dmy(s->fecha_armado, fecha, sizeof fecha);
    snprintf(meta, sizeof meta, "{\"fecha_operacion\": \"%s\", \"completed\": true}", fecha);
    add_event(d, "COMPLETAR_ARM", s, a, "ARM", "COMPLETAR", t, meta);
    if (stage == DEMO_ARM_DONE) return;
    const worker_t *w = soldador(d);
    t += 3600;
    snprintf(s->soldador, sizeof s->soldador, "%s", w->display);
    add_event(d, "TOMAR_SPOOL", s, w, "SOLD", "TOMAR", t,
              "{\"lock_token\": \"demo\", \"fecha_ocupacion\": \"\"}");
    t += 3600 * (1 + pick(&d->seed, 6));
    if (stage == DEMO_SOLD_PAUSED) {
        add_event(d, "PAUSAR_SPOOL", s, w, "SOLD", "PAUSAR", t,
                  "{\"estado\": \"SOLD parcial (pausado)\", \"lock_released\": true}");
        return;
    }
    if (stage == DEMO_SOLD_WORKING) {
        cli__demo_occupy(d, s, w, ZOP_SOLD, d->now - 300 - pick(&d->seed, 5400));
        occupied_since(d, s);
        return;
    }
    s->fecha_soldadura = tz_date(t);
    zdate_format_dmy(s->fecha_soldadura, fecha, sizeof fecha);
    snprintf(meta, sizeof meta, "{\"fecha_operacion\": \"%s\", \"completed\": true}", fecha);
    add_event(d, "COMPLETAR_SOLD", s, w, "SOLD", "COMPLETAR", t, meta);
    cli__demo_after_sold(d, s, stage, t);
}

void cli__demo_after_sold(demo_t *d, spool_t *s, int stage, int64_t t)
{
    char meta[256];
    if (stage <= DEMO_SOLD_DONE) return;
    const worker_t *m = inspector(d);
    t += 7200;
    s->fecha_qc = tz_date(t);
    if (stage == DEMO_APPROVED) {
        s->metrologia = ZMET_APROBADO;
        add_event(d, "COMPLETAR_METROLOGIA", s, m, "METROLOGIA", "COMPLETAR", t,
                  "{\"resultado\": \"APROBADO\", \"state\": \"aprobado\"}");
        return;
    }
    /* Rejected once, twice or three times (blocked); in repair after one rejection. */
    int rejections = stage == DEMO_REJECTED_1   ? 1
                     : stage == DEMO_REJECTED_2 ? 2
                     : stage == DEMO_BLOCKED    ? 3
                                                : 1 + pick(&d->seed, 2);
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
    if (stage != DEMO_IN_REPAIR && stage != DEMO_REPAIR_PAUSED) return;
    const worker_t *rep = armador(d);
    snprintf(meta, sizeof meta, "{\"cycle\": %d, \"max_cycles\": 3, \"state\": \"en_reparacion\"}",
             rejections);
    add_event(d, "TOMAR_REPARACION", s, rep, "REPARACION", "TOMAR", t, meta);
    if (stage == DEMO_IN_REPAIR) {
        cli__demo_occupy(d, s, rep, ZOP_REPARACION, d->now - 900 - pick(&d->seed, 3600));
        occupied_since(d, s);
        s->repair = ZREP_EN_REPARACION;
        return;
    }
    snprintf(meta, sizeof meta,
             "{\"cycle\": %d, \"max_cycles\": 3, \"state\": \"reparacion_pausada\"}",
             rejections);
    add_event(d, "PAUSAR_REPARACION", s, rep, "REPARACION", "PAUSAR", t + 3600, meta);
    s->repair = ZREP_PAUSADA;
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

/* The union sheet's layout: the 17 headers of domain-v4 §3.1. */
static void union_layout(sheets_t *sh)
{
    sh->has_unions = 1;
    sh->n_union_headers = SHEET_UNIONES_COLS;
    sh->union_headers = xcalloc(SHEET_UNIONES_COLS, sizeof(char *));
    for (size_t i = 0; i < SHEET_UNIONES_COLS; i++)
        sh->union_headers[i] = xstrdup(sheet_codec_uniones_header(i));
}

/* Every stage once per kind first (so even a small plant shows all of them), then weighted:
 * most spools early in the line. */
static int stage_of(demo_t *d, int i)
{
    static const int weighted[] = {
        DEMO_NO_MATERIALS, DEMO_FREE,        DEMO_FREE,         DEMO_FREE,       DEMO_FREE,
        DEMO_FREE,         DEMO_ARM_PAUSED,  DEMO_ARM_PAUSED,   DEMO_ARM_WORKING, DEMO_ARM_DONE,
        DEMO_ARM_DONE,     DEMO_ARM_DONE,    DEMO_SOLD_PAUSED,  DEMO_SOLD_WORKING, DEMO_SOLD_DONE,
        DEMO_SOLD_DONE,    DEMO_APPROVED,    DEMO_APPROVED,     DEMO_APPROVED,   DEMO_REJECTED_1,
        DEMO_REJECTED_2,   DEMO_BLOCKED,     DEMO_IN_REPAIR,    DEMO_REPAIR_PAUSED};
    if (i < 2 * DEMO_STAGES) return i / 2;
    return weighted[pick(&d->seed, (int)(sizeof weighted / sizeof weighted[0]))];
}

/* A planning note on some spools, the way the office writes them. */
static void add_notas(demo_t *d, sheet_spool_t *sp)
{
    static const char *const notes[] = {"lanzada a producción", "prioridad alta: entrega parcial",
                                        "revisar soporte con ingeniería",
                                        "cliente pide cambio de pintura"};
    if (pick(&d->seed, 5) || !sp->spool.fecha_materiales) return;
    zdate_t f = sp->spool.fecha_materiales;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%08d: %s", (int)f, notes[pick(&d->seed, 4)]);
    if (!pick(&d->seed, 3) && n > 0 && (size_t)n < sizeof buf)
        snprintf(buf + n, sizeof buf - (size_t)n, "\n%08d: %s", (int)f, notes[pick(&d->seed, 4)]);
    sp->notas = xstrdup(buf);
}

int cli_demo(store_t *st, int n_spools, unsigned seed)
{
    demo_t d = {.seed = seed ? seed : 2026, .now = tz_now(), .cap_events = 1024, .cap_unions = 0};
    d.sh.events = xmalloc(d.cap_events * sizeof *d.sh.events);
    d.sh.has_events = 1;
    d.sh.metadata_n_union = 1;
    d.sh.n_op_headers = NLAYOUT;
    d.sh.op_headers = xcalloc(NLAYOUT, sizeof(char *));
    for (size_t i = 0; i < NLAYOUT; i++) d.sh.op_headers[i] = xstrdup(layout[i]);
    union_layout(&d.sh);
    make_workers(&d);
    d.sh.spools = xcalloc((size_t)n_spools, sizeof *d.sh.spools);
    for (int i = 0; i < n_spools; i++) {
        sheet_spool_t *sp = &d.sh.spools[d.sh.n_spools++];
        spool_t *s = &sp->spool;
        int nv = 1300 + i / 40;
        /* Twelve spools to a work order; the OT cells are numbers, as the plant's are. */
        char ot[32];
        snprintf(ot, sizeof ot, "%d", 25000 + i / 12);
        snprintf(s->tag, sizeof s->tag, "MK-%d-%s-%d-%03d", nv,
                 (i / 7) % 3 == 0 ? "CW" : (i / 7) % 3 == 1 ? "FW" : "SW", 25000 + i / 12,
                 i % 12 + 1);
        snprintf(s->nv, sizeof s->nv, "%d", nv);
        snprintf(s->ot, sizeof s->ot, "%s", ot);
        s->row = i + 1;
        s->total_uniones = s->uniones_arm_done = s->uniones_sold_done = -1;
        s->pulgadas_arm_c = s->pulgadas_sold_c = -1;
        int stage = stage_of(&d, i);
        int by_union = i < 2 * DEMO_STAGES ? i % 2 : pick(&d.seed, 2);
        int64_t t = d.now - 86400 * (int64_t)(3 + pick(&d.seed, 20)) - pick(&d.seed, 36000);
        if (stage > DEMO_NO_MATERIALS) s->fecha_materiales = tz_date(t - 86400 * 5);
        if (by_union) {
            cli__demo_union_spool(&d, sp, ot, stage, t);
        } else {
            advance(&d, s, stage, t);
            estado_detalle(s, s->estado_detalle, sizeof s->estado_detalle);
        }
        add_notas(&d, sp);
        fill_extra(&d, sp, (size_t)i);
    }
    char err[512] = "";
    int rc = st->ops->import(st, &d.sh, err, sizeof err);
    if (rc != ZE_OK) fprintf(stderr, "zeues demo: %s\n", err);
    else
        printf("Planta de demostración: %zu spools, %zu uniones, %zu trabajadores, %zu eventos\n",
               d.sh.n_spools, d.sh.n_unions, d.sh.n_workers, d.sh.n_events);
    sheets_free(&d.sh);
    return rc == ZE_OK ? 0 : 1;
}
