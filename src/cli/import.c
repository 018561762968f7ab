/* `zeues import --db F --dir D`: reads the four sheets as CSV files, finds columns by header
 * name, reports bad rows with their line number and skips them, and writes everything in one
 * store transaction (all or nothing on a fatal error). */
#include <errno.h>
#include <stdarg.h>
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
#include "util/csv.h"
#include "util/tz.h"

typedef struct report {
    const char *file;
    int errors;
} report_t;

static void row_error(report_t *rep, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void row_error(report_t *rep, size_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s línea %zu: ", rep->file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (fila omitida)\n");
    va_end(ap);
    rep->errors++;
}

char *cli__read_file(const char *path, size_t *len, int *missing)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (missing) *missing = errno == ENOENT;
        return NULL;
    }
    buf_t b = BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        buf_deinit(&b);
        return NULL;
    }
    *len = b.len;
    return buf_take(&b);
}

static char **copy_fields(const csv_row_t *row)
{
    char **v = xcalloc(row->count ? row->count : 1, sizeof *v);
    for (size_t i = 0; i < row->count; i++) v[i] = xstrdup(row->fields[i]);
    return v;
}

static const char *cell(const csv_row_t *row, int idx)
{
    return idx >= 0 && (size_t)idx < row->count ? row->fields[idx] : "";
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return 0;
    return 1;
}

/* Copies a cell trimmed into a fixed field; -1 when it does not fit. */
static int put(char *dst, size_t n, const char *src)
{
    while (*src == ' ' || *src == '\t') src++;
    size_t len = strlen(src);
    while (len && (src[len - 1] == ' ' || src[len - 1] == '\t')) len--;
    if (len >= n) return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

static int date_cell(report_t *rep, const csv_row_t *row, const sheet_map_t *m, sheet_col_t c,
                     zdate_t *out)
{
    const char *v = cell(row, m->index[c]);
    if (zdate_parse(v, out) != 0) {
        row_error(rep, row->line, "%s '%s' no es una fecha válida", sheet_col_header(c), v);
        return -1;
    }
    return 0;
}

/* Restores the repair loop and metrología outcome from Estado_Detalle, where the original kept
 * them; from then on they live in their own columns. */
static void derive_tracking(spool_t *s)
{
    const char *e = s->estado_detalle;
    int cycle = estado_parse_cycle(e);
    if (strstr(e, "BLOQUEADO")) {
        s->repair = ZREP_BLOQUEADO;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = ZMAX_CYCLES;
    } else if (strstr(e, "EN_REPARACION")) {
        s->repair = s->ocupado_por[0] ? ZREP_EN_REPARACION : ZREP_PAUSADA;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = cycle;
    } else if (strstr(e, "REPARACION_PAUSADA")) {
        s->repair = ZREP_PAUSADA;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = cycle;
    } else if (strstr(e, "PENDIENTE_METROLOGIA")) {
        s->repair = ZREP_PENDIENTE_METROLOGIA;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = cycle;
    } else if (strstr(e, "RECHAZADO")) {
        s->repair = ZREP_RECHAZADO;
        s->metrologia = ZMET_RECHAZADO;
        s->repair_cycle = cycle ? cycle : 1;
    } else if (strstr(e, "APROBADO")) {
        s->metrologia = ZMET_APROBADO;
    }
    if (!s->ocupado_por[0]) return;
    s->ocupado_worker_id = names_id_from_display(s->ocupado_por);
    if (s->repair == ZREP_EN_REPARACION) s->ocupado_op = ZOP_REPARACION;
    else if (strstr(e, "trabajando SOLD")) s->ocupado_op = ZOP_SOLD;
    else if (strstr(e, "trabajando ARM")) s->ocupado_op = ZOP_ARM;
    else if (!s->fecha_armado) s->ocupado_op = ZOP_ARM;
    else s->ocupado_op = ZOP_SOLD;
}

static int parse_spool_row(report_t *rep, const csv_row_t *row, const sheet_map_t *m,
                           int64_t position, sheet_spool_t *out)
{
    spool_t *s = &out->spool;
    memset(out, 0, sizeof *out);
    s->row = position;
    const char *tag = cell(row, m->index[COL_TAG]);
    if (put(s->tag, sizeof s->tag, tag) != 0) {
        row_error(rep, row->line, "TAG_SPOOL demasiado largo (máx. %d bytes)", ZTAG_MAX - 1);
        return -1;
    }
    if (put(s->nv, sizeof s->nv, cell(row, m->index[COL_NV])) != 0 ||
        put(s->armador, sizeof s->armador, cell(row, m->index[COL_ARMADOR])) != 0 ||
        put(s->soldador, sizeof s->soldador, cell(row, m->index[COL_SOLDADOR])) != 0 ||
        put(s->ocupado_por, sizeof s->ocupado_por, cell(row, m->index[COL_OCUPADO_POR])) != 0 ||
        put(s->estado_detalle, sizeof s->estado_detalle,
            cell(row, m->index[COL_ESTADO_DETALLE])) != 0) {
        row_error(rep, row->line, "un texto supera el largo admitido");
        return -1;
    }
    if (date_cell(rep, row, m, COL_FECHA_MATERIALES, &s->fecha_materiales) ||
        date_cell(rep, row, m, COL_FECHA_ARMADO, &s->fecha_armado) ||
        date_cell(rep, row, m, COL_FECHA_SOLDADURA, &s->fecha_soldadura) ||
        date_cell(rep, row, m, COL_FECHA_QC, &s->fecha_qc))
        return -1;
    const char *fo = cell(row, m->index[COL_FECHA_OCUPACION]);
    if (!blank(fo)) {
        zdatetime_t dt;
        if (zdatetime_parse(fo, &dt) != 0 || dt.date == ZDATE_NONE) {
            row_error(rep, row->line, "Fecha_Ocupacion '%s' no es una fecha y hora válida", fo);
            return -1;
        }
        s->fecha_ocupacion = tz_from_datetime(&dt);
    }
    /* The original wrote UUIDs here; only our own integer versions are kept. */
    const char *ver = cell(row, m->index[COL_VERSION]);
    char *end;
    long long v = strtoll(ver, &end, 10);
    s->version = (*ver && !*end && v >= 0) ? v : 0;
    derive_tracking(s);
    if (s->ocupado_por[0] && !s->fecha_ocupacion) s->fecha_ocupacion = 0;
    return 0;
}

static int import_operaciones(const char *dir, sheets_t *sh, report_t *rep)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/Operaciones.csv", dir);
    size_t len;
    int missing = 0;
    char *data = cli__read_file(path, &len, &missing);
    if (!data) {
        fprintf(stderr, "zeues import: no se pudo leer %s\n", path);
        return -1;
    }
    int ret = -1;
    size_t errline = 0;
    csv_row_t row;
    csv_reader_t *rd = csv_reader_new(data, len);
    int rc = csv_next(rd, &row, &errline);
    if (rc != 1) {
        fprintf(stderr, "zeues import: %s no tiene fila de encabezados\n", path);
        goto out;
    }
    sheet_map_t m;
    sheet_map_build(&m, (const char *const *)row.fields, row.count);
    for (int c = 0; c < COL_COUNT; c++)
        if (sheet_col_required(c) && m.index[c] < 0) {
            fprintf(stderr, "zeues import: %s: falta la columna obligatoria '%s'\n", path,
                    sheet_col_header(c));
            goto out;
        }
    /* The layout: the sheet's own headers, then any tracked column it lacks (pre-v3 sheets). */
    size_t nh = row.count;
    sh->op_headers = copy_fields(&row);
    for (int c = 0; c < COL_COUNT; c++)
        if (m.index[c] < 0) {
            sh->op_headers = xrealloc(sh->op_headers, (nh + 1) * sizeof(char *));
            sh->op_headers[nh] = xstrdup(sheet_col_header(c));
            m.index[c] = (int)nh;
            nh++;
        }
    sh->n_op_headers = nh;
    size_t cap = 1024;
    sh->spools = xmalloc(cap * sizeof *sh->spools);
    while ((rc = csv_next(rd, &row, &errline)) == 1) {
        const char *tag = cell(&row, m.index[COL_TAG]);
        if (blank(tag)) continue; /* rows without a TAG are not spools */
        if (!names_utf8_valid(tag, strlen(tag))) {
            row_error(rep, row.line, "TAG_SPOOL no es UTF-8 válido");
            continue;
        }
        if (sh->n_spools == cap) sh->spools = xrealloc(sh->spools, (cap *= 2) * sizeof *sh->spools);
        sheet_spool_t *sp = &sh->spools[sh->n_spools];
        if (parse_spool_row(rep, &row, &m, (int64_t)sh->n_spools + 1, sp) != 0) continue;
        int dup = 0;
        for (size_t i = 0; i < sh->n_spools && !dup; i++)
            dup = strcmp(sh->spools[i].spool.tag, sp->spool.tag) == 0;
        if (dup) {
            row_error(rep, row.line, "TAG_SPOOL '%s' repetido", sp->spool.tag);
            continue;
        }
        sp->extra = xcalloc(nh, sizeof(char *));
        for (size_t i = 0; i < row.count && i < nh; i++)
            if (sheet_map_col_at(&m, i) < 0) sp->extra[i] = xstrdup(row.fields[i]);
        sh->n_spools++;
    }
    if (rc < 0) {
        fprintf(stderr, "zeues import: %s línea %zu: registro CSV mal formado (comillas sin cerrar)\n",
                path, errline);
        goto out;
    }
    ret = 0;
out:
    csv_reader_free(rd);
    free(data);
    return ret;
}

static int parse_int(const char *s, int64_t *out)
{
    while (*s == ' ') s++;
    if (!*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ') end++;
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int import_workers(const char *dir, sheets_t *sh, report_t *rep)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/Trabajadores.csv", dir);
    size_t len;
    char *data = cli__read_file(path, &len, NULL);
    if (!data) {
        fprintf(stderr, "zeues import: no se pudo leer %s\n", path);
        return -1;
    }
    csv_row_t row;
    size_t errline = 0;
    int ret = -1;
    csv_reader_t *rd = csv_reader_new(data, len);
    if (csv_next(rd, &row, &errline) != 1 || row.count < 4) {
        fprintf(stderr, "zeues import: %s necesita encabezados Id, Nombre, Apellido, Activo\n", path);
        goto out;
    }
    /* The layout is decided by the header row, not by the length of each data row (a padded
     * row once made every worker disappear in the original). */
    char key[64];
    names_header_normalize(row.count >= 5 ? row.fields[3] : "", key, sizeof key);
    int legacy = row.count >= 5 && strcmp(key, "rol") == 0;
    sh->worker_headers = copy_fields(&row);
    sh->n_worker_headers = row.count;
    size_t cap = 64;
    sh->workers = xmalloc(cap * sizeof *sh->workers);
    int rc;
    while ((rc = csv_next(rd, &row, &errline)) == 1) {
        if (row.count == 1 && blank(row.fields[0])) continue;
        sheet_worker_t w = {0};
        int64_t id;
        if (parse_int(cell(&row, 0), &id) != 0 || id <= 0) {
            row_error(rep, row.line, "Id '%s' no es un entero positivo", cell(&row, 0));
            continue;
        }
        w.worker.id = id;
        if (put(w.worker.nombre, sizeof w.worker.nombre, cell(&row, 1)) || blank(w.worker.nombre) ||
            put(w.worker.apellido, sizeof w.worker.apellido, cell(&row, 2)) ||
            blank(w.worker.apellido)) {
            row_error(rep, row.line, "Nombre y Apellido son obligatorios");
            continue;
        }
        if (legacy && (put(w.worker.rol, sizeof w.worker.rol, cell(&row, 3)) ||
                       zrole_parse(w.worker.rol) < 0)) {
            row_error(rep, row.line, "Rol '%s' desconocido", cell(&row, 3));
            continue;
        }
        if (put(w.activo, sizeof w.activo, cell(&row, legacy ? 4 : 3))) {
            row_error(rep, row.line, "Activo debe ser TRUE o FALSE");
            continue;
        }
        int dup = 0;
        for (size_t i = 0; i < sh->n_workers && !dup; i++) dup = sh->workers[i].worker.id == id;
        if (dup) {
            row_error(rep, row.line, "Id %lld repetido", (long long)id);
            continue;
        }
        if (sh->n_workers == cap) sh->workers = xrealloc(sh->workers, (cap *= 2) * sizeof *sh->workers);
        sh->workers[sh->n_workers++] = w;
    }
    if (rc < 0) {
        fprintf(stderr, "zeues import: %s línea %zu: registro CSV mal formado\n", path, errline);
        goto out;
    }
    ret = 0;
out:
    csv_reader_free(rd);
    free(data);
    return ret;
}

static int import_roles(const char *dir, sheets_t *sh, report_t *rep)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/Roles.csv", dir);
    size_t len;
    char *data = cli__read_file(path, &len, NULL);
    if (!data) {
        fprintf(stderr, "zeues import: no se pudo leer %s\n", path);
        return -1;
    }
    csv_row_t row;
    size_t errline = 0;
    int ret = -1, rc;
    csv_reader_t *rd = csv_reader_new(data, len);
    if (csv_next(rd, &row, &errline) != 1 || row.count < 3) {
        fprintf(stderr, "zeues import: %s necesita encabezados Id, Rol, Activo\n", path);
        goto out;
    }
    sh->role_headers = copy_fields(&row);
    sh->n_role_headers = row.count;
    size_t cap = 64;
    sh->roles = xmalloc(cap * sizeof *sh->roles);
    while ((rc = csv_next(rd, &row, &errline)) == 1) {
        if (row.count == 1 && blank(row.fields[0])) continue;
        sheet_role_t r = {0};
        if (row.count < 3 || parse_int(cell(&row, 0), &r.worker_id) != 0 || r.worker_id <= 0) {
            row_error(rep, row.line, "Id '%s' no es un entero positivo", cell(&row, 0));
            continue;
        }
        if (put(r.rol, sizeof r.rol, cell(&row, 1)) || zrole_parse(r.rol) < 0) {
            row_error(rep, row.line, "Rol '%s' desconocido", cell(&row, 1));
            continue;
        }
        if (put(r.activo, sizeof r.activo, cell(&row, 2))) {
            row_error(rep, row.line, "Activo debe ser TRUE o FALSE");
            continue;
        }
        if (sh->n_roles == cap) sh->roles = xrealloc(sh->roles, (cap *= 2) * sizeof *sh->roles);
        sh->roles[sh->n_roles++] = r;
    }
    if (rc < 0) {
        fprintf(stderr, "zeues import: %s línea %zu: registro CSV mal formado\n", path, errline);
        goto out;
    }
    ret = 0;
out:
    csv_reader_free(rd);
    free(data);
    return ret;
}

static int import_metadata(const char *dir, sheets_t *sh, report_t *rep)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/Metadata.csv", dir);
    size_t len;
    int missing = 0;
    char *data = cli__read_file(path, &len, &missing);
    if (!data) {
        if (missing) return 0; /* optional */
        fprintf(stderr, "zeues import: no se pudo leer %s\n", path);
        return -1;
    }
    sh->has_events = 1;
    csv_row_t row;
    size_t errline = 0;
    int ret = -1, rc;
    csv_reader_t *rd = csv_reader_new(data, len);
    if (csv_next(rd, &row, &errline) != 1 || row.count < 10) {
        fprintf(stderr, "zeues import: %s necesita las 10 columnas id..metadata_json\n", path);
        goto out;
    }
    size_t cap = 256;
    sh->events = xmalloc(cap * sizeof *sh->events);
    while ((rc = csv_next(rd, &row, &errline)) == 1) {
        if (row.count == 1 && blank(row.fields[0])) continue;
        event_rec_t e;
        memset(&e, 0, sizeof e);
        zdatetime_t dt;
        if (row.count < 10) {
            row_error(rep, row.line, "se esperaban 10 columnas, hay %zu", row.count);
            continue;
        }
        if (zdatetime_parse(row.fields[1], &dt) != 0 || dt.date == ZDATE_NONE) {
            row_error(rep, row.line, "timestamp '%s' no es válido", row.fields[1]);
            continue;
        }
        e.ts = tz_from_datetime(&dt);
        int64_t wid = 0;
        if (!blank(row.fields[4]) && (parse_int(row.fields[4], &wid) != 0 || wid < 0)) {
            row_error(rep, row.line, "worker_id '%s' no es un entero", row.fields[4]);
            continue;
        }
        e.worker_id = wid;
        if (zdate_parse(row.fields[8], &e.fecha_operacion) != 0) {
            row_error(rep, row.line, "fecha_operacion '%s' no es una fecha válida", row.fields[8]);
            continue;
        }
        if (put(e.id, sizeof e.id, row.fields[0]) || put(e.tipo, sizeof e.tipo, row.fields[2]) ||
            put(e.tag, sizeof e.tag, row.fields[3]) ||
            put(e.worker_nombre, sizeof e.worker_nombre, row.fields[5]) ||
            put(e.operacion, sizeof e.operacion, row.fields[6]) ||
            put(e.accion, sizeof e.accion, row.fields[7]) ||
            strlen(row.fields[9]) >= sizeof e.metadata_json) {
            row_error(rep, row.line, "un campo supera el largo admitido");
            continue;
        }
        memcpy(e.metadata_json, row.fields[9], strlen(row.fields[9]) + 1);
        if (sh->n_events == cap) sh->events = xrealloc(sh->events, (cap *= 2) * sizeof *sh->events);
        sh->events[sh->n_events++] = e;
    }
    if (rc < 0) {
        fprintf(stderr, "zeues import: %s línea %zu: registro CSV mal formado\n", path, errline);
        goto out;
    }
    ret = 0;
out:
    csv_reader_free(rd);
    free(data);
    return ret;
}

int cli_import(store_t *st, const char *dir)
{
    sheets_t sh = {0};
    report_t rop = {"Operaciones.csv", 0}, rw = {"Trabajadores.csv", 0}, rr = {"Roles.csv", 0},
             rm = {"Metadata.csv", 0};
    int ret = 1;
    if (import_operaciones(dir, &sh, &rop) || import_workers(dir, &sh, &rw) ||
        import_roles(dir, &sh, &rr) || import_metadata(dir, &sh, &rm))
        goto out;
    char err[512] = "";
    if (st->ops->import(st, &sh, err, sizeof err) != ZE_OK) {
        fprintf(stderr, "zeues import: nada fue importado: %s\n", err);
        goto out;
    }
    printf("Operaciones: %zu spools importados, %d filas con errores\n", sh.n_spools, rop.errors);
    printf("Trabajadores: %zu importados, %d filas con errores\n", sh.n_workers, rw.errors);
    printf("Roles: %zu importados, %d filas con errores\n", sh.n_roles, rr.errors);
    if (sh.has_events)
        printf("Metadata: %zu eventos leídos, %d filas con errores\n", sh.n_events, rm.errors);
    ret = 0;
out:
    sheets_free(&sh);
    return ret;
}
