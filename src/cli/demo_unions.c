/* Demo spools tracked per union (domain-v4 §3-§5): 1..12 unions of realistic types and
 * diameters, ARM then SOLD registered on them in FINALIZAR-like sessions (an INICIAR_SPOOL, then
 * the spool-level UNION_*_REGISTRADA and one per union with its N_UNION), the Operaciones
 * counters and PD computed from the unions by the codec's rule, and the spool's columns and
 * Estado_Detalle as the v4 flow leaves them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/demo_int.h"
#include "core/estado.h"
#include "core/unions.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/tz.h"

/* The DN the plant's unions have (hundredths of an inch), and the types, BW and SO first. */
static const int64_t dn_choices[] = {50, 75, 100, 150, 200, 250, 300, 400, 600, 800, 1000, 1200};
static const char *const tipo_choices[] = {"BW", "BW",   "BW",   "BW", "BW",  "BW",  "BW",
                                           "BW", "SO",   "SO",   "SO", "SO",  "SO",  "FILL",
                                           "FILL", "BR", "MIT",  "LET", "FW", "SW",  "TW"};
#define N_DN (sizeof dn_choices / sizeof dn_choices[0])
#define N_TIPO (sizeof tipo_choices / sizeof tipo_choices[0])

/* The types whose unions are welded after assembly: the core's rule (domain-v4 §3.3). */
static int needs_sold(const char *tipo) { return zunion_tipo_needs_sold(tipo); }

/* One spool being built: its unions are d->sh.unions[first .. first + n). */
typedef struct uspool {
    demo_t *d;
    spool_t *s;
    const char *ot;
    size_t first;
    int n;
} uspool_t;

static zunion_t *uat(const uspool_t *us, int i)
{
    return &us->d->sh.unions[us->first + (size_t)i].u;
}

static int pick(demo_t *d, int n) { return cli__demo_pick(&d->seed, n); }

/* The union's wire id "{OT}+{N}". */
static void union_id(const uspool_t *us, int i, char *out, size_t n)
{
    snprintf(out, n, "%s+%d", us->ot, uat(us, i)->n);
}

/* Appends the n unions of the spool to the Uniones sheet, with their verbatim cells (ID and
 * version written the way the original's guardar wrote them). */
static void make_unions(uspool_t *us, int n)
{
    demo_t *d = us->d;
    sheets_t *sh = &d->sh;
    if (sh->n_unions + (size_t)n > d->cap_unions) {
        d->cap_unions = d->cap_unions ? d->cap_unions * 2 : 1024;
        while (d->cap_unions < sh->n_unions + (size_t)n) d->cap_unions *= 2;
        sh->unions = xrealloc(sh->unions, d->cap_unions * sizeof *sh->unions);
    }
    us->first = sh->n_unions;
    us->n = n;
    for (int i = 0; i < n; i++) {
        sheet_union_t *su = &sh->unions[sh->n_unions++];
        memset(su, 0, sizeof *su);
        zunion_t *u = &su->u;
        snprintf(u->tag, sizeof u->tag, "%s", us->s->tag);
        snprintf(u->ot, sizeof u->ot, "%s", us->ot);
        u->n = i + 1;
        u->dn_c = dn_choices[pick(d, (int)N_DN)];
        snprintf(u->tipo, sizeof u->tipo, "%s", tipo_choices[pick(d, (int)N_TIPO)]);
        su->extra = xcalloc(SHEET_UNIONES_COLS, sizeof(char *));
        for (size_t j = 0; j < SHEET_UNIONES_COLS; j++) {
            const char *h = sheet_codec_uniones_header(j);
            char v[64] = "";
            if (strcmp(h, "ID") == 0) {
                union_id(us, i, v, sizeof v);
            } else if (strcmp(h, "version") == 0) {
                snprintf(v, sizeof v, "%08x-%04x-4%03x-8%03x-%08x%04x", cli__demo_rng(&d->seed),
                         cli__demo_rng(&d->seed) & 0xffff, cli__demo_rng(&d->seed) & 0xfff,
                         cli__demo_rng(&d->seed) & 0xfff, cli__demo_rng(&d->seed),
                         cli__demo_rng(&d->seed) & 0xffff);
            } else if (strncmp(h, "NDT_", 4) != 0 && strcmp(h, "R_NDT_UNION") != 0) {
                continue; /* a tracked column */
            }
            su->extra[j] = xstrdup(v);
        }
    }
}

/* The unions of the spool whose type needs SOLD, their indexes into out; returns how many. */
static int sold_unions(const uspool_t *us, int *out)
{
    int m = 0;
    for (int i = 0; i < us->n; i++)
        if (needs_sold(uat(us, i)->tipo)) out[m++] = i;
    return m;
}

/* The INICIAR_SPOOL of a session: worker w occupies the spool for op at `at`. */
static void iniciar(uspool_t *us, zop_t op, const worker_t *w, int64_t at, const char *token)
{
    char fo[32], meta[256];
    tz_format_dmy_hms(at, fo, sizeof fo);
    if (token)
        snprintf(meta, sizeof meta,
                 "{\"ocupado_por\": \"%s\", \"fecha_ocupacion\": \"%s\", \"lock_token\": \"%s\"}",
                 w->display, fo, token);
    else
        snprintf(meta, sizeof meta, "{\"ocupado_por\": \"%s\", \"fecha_ocupacion\": \"%s\"}",
                 w->display, fo);
    cli__demo_event(us->d, "INICIAR_SPOOL", us->s, w, zop_name(op), "INICIAR", at, meta);
}

/* One FINALIZAR session: w registers op on the unions idx[0..k) it worked on from start to
 * end; the spool-level event carries their count, PD (one decimal, as HEAD writes it) and ids,
 * then one event per union with its N_UNION. */
static void session(uspool_t *us, zop_t op, const worker_t *w, const int *idx, int k,
                    int64_t start, int64_t end)
{
    iniciar(us, op, w, start, NULL);
    const char *tipo = op == ZOP_ARM ? "UNION_ARM_REGISTRADA" : "UNION_SOLD_REGISTRADA";
    buf_t ids = BUF_INIT;
    int64_t pd = 0;
    for (int j = 0; j < k; j++) {
        zunion_t *u = uat(us, idx[j]);
        int64_t *ini = op == ZOP_ARM ? &u->arm_inicio : &u->sol_inicio;
        int64_t *fin = op == ZOP_ARM ? &u->arm_fin : &u->sol_fin;
        char *who = op == ZOP_ARM ? u->arm_worker : u->sol_worker;
        *ini = start;
        *fin = end;
        snprintf(who, sizeof u->arm_worker, "%s", w->display);
        pd += u->dn_c;
        char id[ZOT_MAX + 8];
        union_id(us, idx[j], id, sizeof id);
        buf_printf(&ids, "%s\"%s\"", j ? ", " : "", id);
    }
    int64_t tenths = (pd + 5) / 10;
    char meta[ZEVENT_JSON_MAX];
    snprintf(meta, sizeof meta,
             "{\"union_count\": %d, \"pulgadas\": %lld.%lld, \"union_ids\": [%s]}", k,
             (long long)(tenths / 10), (long long)(tenths % 10), buf_str(&ids));
    buf_deinit(&ids);
    cli__demo_event(us->d, tipo, us->s, w, zop_name(op), "COMPLETAR", end, meta);
    for (int j = 0; j < k; j++) {
        char id[ZOT_MAX + 8];
        union_id(us, idx[j], id, sizeof id);
        snprintf(meta, sizeof meta, "{\"union_id\": \"%s\"}", id);
        event_rec_t *e =
            cli__demo_event(us->d, tipo, us->s, w, zop_name(op), "COMPLETAR", end, meta);
        e->n_union = uat(us, idx[j])->n;
    }
}

/* Worker w is on the spool for op right now (after earlier sessions), with a lock token. */
static void working(uspool_t *us, zop_t op, const worker_t *w, int64_t since)
{
    cli__demo_occupy(us->d, us->s, w, op, since);
    iniciar(us, op, w, since, us->s->lock_token);
}

/* Registers op on all of idx[0..m) in one or two sessions from *t on; *t becomes the end. */
static const worker_t *complete(uspool_t *us, zop_t op, const int *idx, int m, int64_t *t)
{
    demo_t *d = us->d;
    const worker_t *w = op == ZOP_ARM ? cli__demo_armador(d) : cli__demo_soldador(d);
    int first = m > 1 && pick(d, 2) ? 1 + pick(d, m - 1) : m;
    int64_t end = *t + 3600 * (1 + pick(d, 5));
    session(us, op, w, idx, first, *t, end);
    if (first < m) { /* finished the next day, maybe by someone else */
        *t = end + 86400 - 3600 * pick(d, 6);
        w = op == ZOP_ARM ? cli__demo_armador(d) : cli__demo_soldador(d);
        end = *t + 3600 * (1 + pick(d, 4));
        session(us, op, w, idx + first, m - first, *t, end);
    }
    *t = end;
    return w;
}

/* The spool's counters from its unions (the codec's rule: what import keeps in the store). */
static void counters(uspool_t *us)
{
    zunion_t u[ZUNION_MAX];
    for (int i = 0; i < us->n; i++) u[i] = *uat(us, i);
    sheet_codec_union_counters(u, (size_t)us->n, us->s);
}

static void arm_stages(uspool_t *us, int stage, int64_t *t)
{
    demo_t *d = us->d;
    spool_t *s = us->s;
    int all[ZUNION_MAX] = {0}; /* zeroed: gcc -O2 cannot see that us->n >= 1 */
    for (int i = 0; i < us->n; i++) all[i] = i;
    if (stage == DEMO_ARM_PAUSED) { /* a partial FINALIZAR: k of n, then nobody */
        const worker_t *a = cli__demo_armador(d);
        int k = 1 + pick(d, us->n - 1);
        session(us, ZOP_ARM, a, all, k, *t, *t + 3600 * (1 + pick(d, 5)));
        snprintf(s->armador, sizeof s->armador, "%s", a->display);
        snprintf(s->estado_detalle, sizeof s->estado_detalle, "ARM parcial %d/%d (pausado)", k,
                 us->n);
        return;
    }
    if (stage == DEMO_ARM_WORKING) { /* maybe some unions done before, someone on it now */
        int k = pick(d, us->n);
        if (k) session(us, ZOP_ARM, cli__demo_armador(d), all, k, *t, *t + 3600 * 3);
        const worker_t *a = cli__demo_armador(d);
        working(us, ZOP_ARM, a, d->now - 600 - pick(d, 7200));
        snprintf(s->armador, sizeof s->armador, "%s", a->display);
        estado_detalle(s, s->estado_detalle, sizeof s->estado_detalle);
        return;
    }
    const worker_t *a = complete(us, ZOP_ARM, all, us->n, t);
    s->fecha_armado = tz_date(*t);
    snprintf(s->armador, sizeof s->armador, "%s", a->display);
    snprintf(s->estado_detalle, sizeof s->estado_detalle, "ARM completado - Disponible");
}

static void sold_stages(uspool_t *us, int stage, int64_t *t)
{
    demo_t *d = us->d;
    spool_t *s = us->s;
    int req[ZUNION_MAX];
    int m = sold_unions(us, req);
    *t += 3600;
    if (stage == DEMO_SOLD_PAUSED) {
        const worker_t *w = cli__demo_soldador(d);
        int k = 1 + pick(d, m - 1);
        session(us, ZOP_SOLD, w, req, k, *t, *t + 3600 * (1 + pick(d, 6)));
        snprintf(s->soldador, sizeof s->soldador, "%s", w->display);
        snprintf(s->estado_detalle, sizeof s->estado_detalle, "SOLD parcial %d/%d (pausado)", k, m);
        return;
    }
    if (stage == DEMO_SOLD_WORKING) {
        int k = pick(d, m);
        if (k) session(us, ZOP_SOLD, cli__demo_soldador(d), req, k, *t, *t + 3600 * 4);
        const worker_t *w = cli__demo_soldador(d);
        working(us, ZOP_SOLD, w, d->now - 300 - pick(d, 5400));
        snprintf(s->soldador, sizeof s->soldador, "%s", w->display);
        estado_detalle(s, s->estado_detalle, sizeof s->estado_detalle);
        return;
    }
    const worker_t *w = complete(us, ZOP_SOLD, req, m, t);
    s->fecha_soldadura = tz_date(*t);
    snprintf(s->soldador, sizeof s->soldador, "%s", w->display);
    /* The last union made the spool ready: the metrología trigger, in the same FINALIZAR. */
    char meta[256];
    snprintf(meta, sizeof meta,
             "{\"trigger_reason\": \"all_unions_complete\", \"operacion_completed\": \"SOLD\","
             " \"unions_processed\": %d, \"new_state\": \"pendiente\"}",
             m);
    cli__demo_event(d, "METROLOGIA_AUTO_TRIGGERED", s, w, "SOLD", "AUTO_TRIGGER", *t, meta);
    snprintf(s->estado_detalle, sizeof s->estado_detalle, "En Cola Metrología");
}

void cli__demo_union_spool(demo_t *d, sheet_spool_t *sp, const char *ot, int stage, int64_t t)
{
    uspool_t us = {.d = d, .s = &sp->spool, .ot = ot};
    int partial = stage == DEMO_ARM_PAUSED || stage == DEMO_SOLD_PAUSED;
    int n = 1 + pick(d, 12);
    if (partial && n < 2) n = 2;
    make_unions(&us, n);
    /* Every spool has something to weld (an ARM-only spool never reaches metrología), and a
     * paused SOLD has welded some of at least two. */
    if (!needs_sold(uat(&us, 0)->tipo)) snprintf(uat(&us, 0)->tipo, ZTIPO_MAX, "BW");
    if (stage == DEMO_SOLD_PAUSED && !needs_sold(uat(&us, 1)->tipo))
        snprintf(uat(&us, 1)->tipo, ZTIPO_MAX, "SO");
    if (stage >= DEMO_ARM_PAUSED) arm_stages(&us, stage, &t);
    if (stage >= DEMO_SOLD_PAUSED) sold_stages(&us, stage, &t);
    if (stage > DEMO_SOLD_DONE) {
        cli__demo_after_sold(d, us.s, stage, t);
        estado_detalle(us.s, us.s->estado_detalle, sizeof us.s->estado_detalle);
    } else if (stage < DEMO_ARM_PAUSED) {
        estado_detalle(us.s, us.s->estado_detalle, sizeof us.s->estado_detalle);
    }
    counters(&us);
}
