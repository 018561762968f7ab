/* `zeues export --db F --dir D`: the sheets back to CSV in their imported header layout,
 * store -> sheet codec (core/sheet_codec.c) -> string tables -> CSV files replaced atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/errors.h"
#include "core/sheet_codec.h"
#include "store/store.h"
#include "util/csv.h"

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

typedef void (*sheet_writer_fn)(const sheets_t *in, sheet_table_t *out);

/* The files of an export, in the order they are written, with their codec writer. */
static const struct {
    const char *file;
    sheet_writer_fn write;
} sheet_files[] = {
    {"Operaciones.csv", sheet_codec_write_operaciones},
    {"Trabajadores.csv", sheet_codec_write_trabajadores},
    {"Roles.csv", sheet_codec_write_roles},
    {"Uniones.csv", sheet_codec_write_uniones},
    {"Metadata.csv", sheet_codec_write_metadata},
};

/* One sheet as CSV text into b (reset first). */
static void sheet_to_csv(const sheets_t *sh, sheet_writer_fn write, buf_t *b)
{
    sheet_table_t t = SHEET_TABLE_INIT;
    write(sh, &t);
    buf_reset(b);
    for (size_t i = 0; i < t.count; i++)
        csv_write_row(b, (const char *const *)t.rows[i].cells, t.rows[i].count);
    sheet_table_deinit(&t);
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
    for (size_t i = 0; i < sizeof sheet_files / sizeof sheet_files[0]; i++) {
        sheet_to_csv(&sh, sheet_files[i].write, &b);
        ret |= write_atomic(dir, sheet_files[i].file, &b);
    }
    buf_deinit(&b);
    if (!ret)
        printf("Exportado a %s: %zu spools, %zu uniones, %zu trabajadores, %zu roles, %zu "
               "eventos\n",
               dir, sh.n_spools, sh.n_unions, sh.n_workers, sh.n_roles, sh.n_events);
    sheets_free(&sh);
    return ret ? 1 : 0;
}
