/* `zeues import --db F --dir D`: reads the sheets as CSV files into string tables, lets the
 * sheet codec (core/sheet_codec.c) type them, reports the rows it skipped with their line
 * number and the union counters it corrected, and writes everything in one store transaction
 * (all or nothing on a fatal error). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/errors.h"
#include "core/sheet_codec.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/csv.h"

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

typedef int (*sheet_reader_fn)(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep);

/* One sheet of the import: its file, its codec reader, and how a malformed record is named. */
typedef struct sheet_file {
    const char *file;
    sheet_reader_fn read;
    int optional;            /* a missing file is no error (Metadata) */
    const char *csv_problem; /* appended to "registro CSV mal formado" */
} sheet_file_t;

/* Uniones comes after Operaciones: its rows must name spools of that sheet. */
static const sheet_file_t sheet_files[] = {
    {"Operaciones.csv", sheet_codec_read_operaciones, 0, " (comillas sin cerrar)"},
    {"Trabajadores.csv", sheet_codec_read_trabajadores, 0, ""},
    {"Roles.csv", sheet_codec_read_roles, 0, ""},
    {"Uniones.csv", sheet_codec_read_uniones, 1, " (comillas sin cerrar)"},
    {"Metadata.csv", sheet_codec_read_metadata, 1, ""},
};
enum { F_OPERACIONES, F_TRABAJADORES, F_ROLES, F_UNIONES, F_METADATA };
#define N_SHEET_FILES (sizeof sheet_files / sizeof sheet_files[0])

/* The records of a CSV text into t, up to the first malformed one: 0 when all were read, else
 * -1 with the physical line where the malformed record starts in *badline (t then holds the
 * records before it). */
static int csv_to_table(const char *data, size_t len, sheet_table_t *t, size_t *badline)
{
    csv_reader_t *rd = csv_reader_new(data, len);
    csv_row_t row;
    int rc;
    while ((rc = csv_next(rd, &row, badline)) == 1)
        sheet_table_append(t, (const char *const *)row.fields, row.count, row.line);
    csv_reader_free(rd);
    return rc < 0 ? -1 : 0;
}

/* Imports one sheet into sh; 0, or -1 after printing why the import must stop. The codec reads
 * the records before a malformed one, so their bad rows are reported before the fatal error,
 * in file order. *errors is the number of rows skipped. */
static int import_sheet(const char *dir, const sheet_file_t *sf, sheets_t *sh, int *errors)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, sf->file);
    size_t len = 0;
    int missing = 0;
    char *data = cli__read_file(path, &len, &missing);
    if (!data) {
        if (sf->optional && missing) return 0;
        fprintf(stderr, "zeues import: no se pudo leer %s\n", path);
        return -1;
    }
    sheet_table_t t = SHEET_TABLE_INIT;
    size_t badline = 0;
    int malformed = csv_to_table(data, len, &t, &badline) != 0;
    free(data);
    sheet_report_t rep = {.source = path};
    int ret = sf->read(&t, sh, &rep) == ZE_OK ? 0 : -1;
    for (size_t i = 0; i < rep.n_bad; i++)
        fprintf(stderr, "%s línea %zu: %s (fila omitida)\n", sf->file, rep.bad[i].line,
                rep.bad[i].msg);
    *errors = (int)rep.n_bad;
    if (ret != 0) {
        fprintf(stderr, "zeues import: %s\n", rep.err);
    } else if (malformed) {
        fprintf(stderr, "zeues import: %s línea %zu: registro CSV mal formado%s\n", path, badline,
                sf->csv_problem);
        ret = -1;
    }
    sheet_report_deinit(&rep);
    sheet_table_deinit(&t);
    return ret;
}

/* The union counters of Operaciones are not trusted blindly: where a spool's cells disagree
 * with its Uniones rows, say so and store what the unions give. Returns the spools corrected. */
static size_t reconcile_counters(sheets_t *sh)
{
    sheet_report_t rep = {.source = "Operaciones.csv"};
    size_t fixed = sheet_codec_reconcile_counters(sh, &rep);
    for (size_t i = 0; i < rep.n_warn; i++)
        fprintf(stderr, "%s línea %zu: aviso: %s\n", sheet_files[F_OPERACIONES].file,
                rep.warn[i].line, rep.warn[i].msg);
    sheet_report_deinit(&rep);
    return fixed;
}

int cli_import(store_t *st, const char *dir)
{
    sheets_t sh = {0};
    int errors[N_SHEET_FILES] = {0};
    int ret = 1;
    for (size_t i = 0; i < N_SHEET_FILES; i++)
        if (import_sheet(dir, &sheet_files[i], &sh, &errors[i]) != 0) goto out;
    size_t fixed = sh.has_unions ? reconcile_counters(&sh) : 0;
    char err[512] = "";
    if (st->ops->import(st, &sh, err, sizeof err) != ZE_OK) {
        fprintf(stderr, "zeues import: nada fue importado: %s\n", err);
        goto out;
    }
    printf("Operaciones: %zu spools importados, %d filas con errores\n", sh.n_spools,
           errors[F_OPERACIONES]);
    printf("Trabajadores: %zu importados, %d filas con errores\n", sh.n_workers,
           errors[F_TRABAJADORES]);
    printf("Roles: %zu importados, %d filas con errores\n", sh.n_roles, errors[F_ROLES]);
    if (sh.has_unions)
        printf("Uniones: %zu importadas, %d filas con errores, %zu spools con contadores "
               "corregidos\n",
               sh.n_unions, errors[F_UNIONES], fixed);
    if (sh.has_events)
        printf("Metadata: %zu eventos leídos, %d filas con errores\n", sh.n_events,
               errors[F_METADATA]);
    ret = 0;
out:
    sheets_free(&sh);
    return ret;
}
