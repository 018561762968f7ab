/* The tracked columns of the Operaciones sheet, located by normalised header name (domain §1.1):
 * the v3 ones and the union counters and Notas of v4 (domain-v4 §2.1). */
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
    /* v4: a sheet without them still reads (they are never appended to its layout on import) */
    COL_OT,
    COL_TOTAL_UNIONES,
    COL_UNIONES_ARM,
    COL_UNIONES_SOLD,
    COL_PULGADAS_ARM,
    COL_PULGADAS_SOLD,
    COL_NOTAS,
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
/** 1 for the v4 columns (OT .. Notas): a layout that lacks them keeps lacking them until a
 *  spool has a value to show there (see sheet_codec_write_operaciones). */
int sheet_col_v4(sheet_col_t c);
/** Builds the map from a header row: normalised names, right-most duplicate wins, tag column
 *  found as TAG_SPOOL, then SPLIT. */
void sheet_map_build(sheet_map_t *m, const char *const *headers, size_t n);
/** The tracked column at header index i, or -1 when that column is kept verbatim. */
int sheet_map_col_at(const sheet_map_t *m, size_t i);

#endif
