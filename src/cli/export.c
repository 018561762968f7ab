/* `zeues export --db F --dir D`: the four sheets back to CSV in their imported header layout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/errors.h"
#include "core/sheet_map.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/csv.h"
#include "util/tz.h"

static const char *const default_worker_headers[] = {"Id", "Nombre", "Apellido", "Activo"};
static const char *const default_role_headers[] = {"Id", "Rol", "Activo"};
static const char *const metadata_headers[] = {"id", "timestamp", "evento_tipo", "tag_spool",
                                               "worker_id", "worker_nombre", "operacion",
                                               "accion", "fecha_operacion", "metadata_json"};

static int write_atomic(const char *dir, const char *name, const buf_t *b)
{
    char path[1024], tmp[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "zeues export: no se pudo escribir %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    int ok = fwrite(buf_str(b), 1, b->len, f) == b->len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "zeues export: no se pudo escribir %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void date_dmy(zdate_t d, char *out, size_t n) { zdate_format_dmy(d, out, n); }

/* Text of tracked column c for spool s. */
static void tracked_cell(const spool_t *s, int c, char *out, size_t n)
{
    out[0] = '\0';
    switch ((sheet_col_t)c) {
    case COL_TAG: snprintf(out, n, "%s", s->tag); break;
    case COL_NV: snprintf(out, n, "%s", s->nv); break;
    case COL_FECHA_MATERIALES: date_dmy(s->fecha_materiales, out, n); break;
    case COL_FECHA_ARMADO: date_dmy(s->fecha_armado, out, n); break;
    case COL_ARMADOR: snprintf(out, n, "%s", s->armador); break;
    case COL_FECHA_SOLDADURA: date_dmy(s->fecha_soldadura, out, n); break;
    case COL_SOLDADOR: snprintf(out, n, "%s", s->soldador); break;
    case COL_FECHA_QC: date_dmy(s->fecha_qc, out, n); break;
    case COL_OCUPADO_POR: snprintf(out, n, "%s", s->ocupado_por); break;
    case COL_FECHA_OCUPACION:
        if (s->ocupado_por[0] && s->fecha_ocupacion) tz_format_dmy_hms(s->fecha_ocupacion, out, n);
        break;
    case COL_VERSION: snprintf(out, n, "%lld", (long long)s->version); break;
    case COL_ESTADO_DETALLE: snprintf(out, n, "%s", s->estado_detalle); break;
    case COL_COUNT: break;
    }
}

static void write_operaciones(const sheets_t *sh, buf_t *b)
{
    char **headers = sh->op_headers;
    size_t nh = sh->n_op_headers;
    char *defaults[COL_COUNT];
    if (nh == 0) {
        for (int c = 0; c < COL_COUNT; c++) defaults[c] = (char *)sheet_col_header(c);
        headers = defaults;
        nh = COL_COUNT;
    }
    sheet_map_t m;
    sheet_map_build(&m, (const char *const *)headers, nh);
    csv_write_row(b, (const char *const *)headers, nh);
    const char **row = xcalloc(nh, sizeof *row);
    char(*cells)[320] = xcalloc(nh, sizeof *cells);
    for (size_t i = 0; i < sh->n_spools; i++) {
        const sheet_spool_t *sp = &sh->spools[i];
        for (size_t j = 0; j < nh; j++) {
            int c = sheet_map_col_at(&m, j);
            if (c >= 0) {
                tracked_cell(&sp->spool, c, cells[j], sizeof cells[j]);
                row[j] = cells[j];
            } else {
                row[j] = sp->extra && sp->extra[j] ? sp->extra[j] : "";
            }
        }
        csv_write_row(b, row, nh);
    }
    free(cells);
    free(row);
}

static void write_workers(const sheets_t *sh, buf_t *b)
{
    size_t nh = sh->n_worker_headers;
    const char *const *headers = (const char *const *)sh->worker_headers;
    if (nh < 4) {
        headers = default_worker_headers;
        nh = 4;
    }
    csv_write_row(b, headers, nh);
    int legacy = nh >= 5;
    for (size_t i = 0; i < sh->n_workers; i++) {
        const sheet_worker_t *w = &sh->workers[i];
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)w->worker.id);
        const char *row[5] = {id, w->worker.nombre, w->worker.apellido,
                              legacy ? w->worker.rol : w->activo, w->activo};
        csv_write_row(b, row, legacy ? 5 : 4);
    }
}

static void write_roles(const sheets_t *sh, buf_t *b)
{
    size_t nh = sh->n_role_headers;
    const char *const *headers = (const char *const *)sh->role_headers;
    if (nh < 3) {
        headers = default_role_headers;
        nh = 3;
    }
    csv_write_row(b, headers, nh);
    for (size_t i = 0; i < sh->n_roles; i++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)sh->roles[i].worker_id);
        const char *row[3] = {id, sh->roles[i].rol, sh->roles[i].activo};
        csv_write_row(b, row, 3);
    }
}

static void write_metadata(const sheets_t *sh, buf_t *b)
{
    csv_write_row(b, metadata_headers, 10);
    for (size_t i = 0; i < sh->n_events; i++) {
        const event_rec_t *e = &sh->events[i];
        char ts[32], wid[24], fecha[16];
        tz_format_dmy_hms(e->ts, ts, sizeof ts);
        snprintf(wid, sizeof wid, "%lld", (long long)e->worker_id);
        zdate_format_dmy(e->fecha_operacion, fecha, sizeof fecha);
        const char *row[10] = {e->id,        ts,       e->tipo,  e->tag,
                               wid,          e->worker_nombre, e->operacion,
                               e->accion,    fecha,    e->metadata_json};
        csv_write_row(b, row, 10);
    }
}

int cli_export(store_t *st, const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "zeues export: no se pudo crear %s: %s\n", dir, strerror(errno));
        return 1;
    }
    sheets_t sh;
    if (st->ops->export(st, &sh) != ZE_OK) {
        fprintf(stderr, "zeues export: no se pudo leer la base de datos\n");
        return 1;
    }
    buf_t b = BUF_INIT;
    int ret = 0;
    write_operaciones(&sh, &b);
    ret |= write_atomic(dir, "Operaciones.csv", &b);
    buf_reset(&b);
    write_workers(&sh, &b);
    ret |= write_atomic(dir, "Trabajadores.csv", &b);
    buf_reset(&b);
    write_roles(&sh, &b);
    ret |= write_atomic(dir, "Roles.csv", &b);
    buf_reset(&b);
    write_metadata(&sh, &b);
    ret |= write_atomic(dir, "Metadata.csv", &b);
    buf_deinit(&b);
    if (!ret)
        printf("Exportado a %s: %zu spools, %zu trabajadores, %zu roles, %zu eventos\n", dir,
               sh.n_spools, sh.n_workers, sh.n_roles, sh.n_events);
    sheets_free(&sh);
    return ret ? 1 : 0;
}
