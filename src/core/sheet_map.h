/* The tracked columns of the Operaciones sheet, located by normalised header name (domain §1.1). */
#ifndef ZEUES_CORE_SHEET_MAP_H
#define ZEUES_CORE_SHEET_MAP_H
#include <stddef.h>

typedef enum sheet_col {
    COL_TAG = 0,
    COL_NV,
    COL_FECHA_MATERIALES,
    COL_FECHA_ARMADO,
    COL_ARMADOR,
    COL_FECHA_SOLDADURA,
    COL_SOLDADOR,
    COL_FECHA_QC,
    COL_OCUPADO_POR,
    COL_FECHA_OCUPACION,
    COL_VERSION,
    COL_ESTADO_DETALLE,
    COL_COUNT
} sheet_col_t;

/** Where each tracked column is in a header row; -1 when absent. */
typedef struct sheet_map {
    int index[COL_COUNT];
} sheet_map_t;

/** Canonical header text of a tracked column ("Fecha_QC_Metrología"). */
const char *sheet_col_header(sheet_col_t c);
/** 1 when the column must exist for an import to make sense. */
int sheet_col_required(sheet_col_t c);
/** Builds the map from a header row: normalised names, right-most duplicate wins, tag column
 *  found as TAG_SPOOL, then SPLIT. */
void sheet_map_build(sheet_map_t *m, const char *const *headers, size_t n);
/** The tracked column at header index i, or -1 when that column is kept verbatim. */
int sheet_map_col_at(const sheet_map_t *m, size_t i);

#endif
