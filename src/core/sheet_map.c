/* Header-name mapping of the tracked Operaciones columns. */
#include "core/sheet_map.h"

#include <string.h>

#include "core/names.h"

static const char *const headers[COL_COUNT] = {
    [COL_TAG] = "TAG_SPOOL",
    [COL_NV] = "NV",
    [COL_FECHA_MATERIALES] = "Fecha_Materiales",
    [COL_FECHA_ARMADO] = "Fecha_Armado",
    [COL_ARMADOR] = "Armador",
    [COL_FECHA_SOLDADURA] = "Fecha_Soldadura",
    [COL_SOLDADOR] = "Soldador",
    [COL_FECHA_QC] = "Fecha_QC_Metrología",
    [COL_OCUPADO_POR] = "Ocupado_Por",
    [COL_FECHA_OCUPACION] = "Fecha_Ocupacion",
    [COL_VERSION] = "version",
    [COL_ESTADO_DETALLE] = "Estado_Detalle",
    [COL_OT] = "OT",
    [COL_TOTAL_UNIONES] = "Total_Uniones",
    [COL_UNIONES_ARM] = "Uniones_ARM_Completadas",
    [COL_UNIONES_SOLD] = "Uniones_SOLD_Completadas",
    [COL_PULGADAS_ARM] = "Pulgadas_ARM",
    [COL_PULGADAS_SOLD] = "Pulgadas_SOLD",
    [COL_NOTAS] = "Notas",
};

const char *sheet_col_header(sheet_col_t c) { return headers[c]; }

int sheet_col_v4(sheet_col_t c) { return c >= COL_OT && c < COL_COUNT; }

int sheet_col_required(sheet_col_t c)
{
    return c == COL_TAG || c == COL_FECHA_MATERIALES || c == COL_FECHA_ARMADO ||
           c == COL_ARMADOR || c == COL_FECHA_SOLDADURA || c == COL_SOLDADOR || c == COL_FECHA_QC;
}

void sheet_map_build(sheet_map_t *m, const char *const *row, size_t n)
{
    char key[256], want[256];
    int split = -1;
    for (int c = 0; c < COL_COUNT; c++) m->index[c] = -1;
    for (size_t i = 0; i < n; i++) {
        if (!row[i] || !row[i][0]) continue;
        names_header_normalize(row[i], key, sizeof key);
        if (strcmp(key, "split") == 0) split = (int)i;
        for (int c = 0; c < COL_COUNT; c++) {
            names_header_normalize(headers[c], want, sizeof want);
            if (strcmp(key, want) == 0) m->index[c] = (int)i;
        }
    }
    if (m->index[COL_TAG] < 0) m->index[COL_TAG] = split;
}

int sheet_map_col_at(const sheet_map_t *m, size_t i)
{
    for (int c = 0; c < COL_COUNT; c++)
        if (m->index[c] == (int)i) return c;
    return -1;
}
