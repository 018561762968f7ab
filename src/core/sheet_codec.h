/* The sheet row codec: the sheets of the plant's spreadsheet (Operaciones, Trabajadores, Roles,
 * Metadata, and Uniones since v4) as tables of strings, and the typed records ZEUES keeps for
 * them. One reader and one writer per sheet; CSV files (cli/import.c, cli/export.c) and the
 * Google Sheets sync both go through here, so a row means the same thing whichever way it
 * arrives. sheet_codec.c holds the tables, reports and Operaciones/Trabajadores/Roles,
 * sheet_codec_metadata.c the audit log, sheet_codec_uniones.c the unions and their counters.
 *
 * Pure: no file I/O, no clock, no logging. Failures are returned as a zerr_t code with a message
 * in a sheet_report_t. Dates and times are converted in the process zone chosen once by tz_init
 * (util/tz.h). Not thread-safe per object; distinct objects may be used from any thread. */
#ifndef ZEUES_CORE_SHEET_CODEC_H
#define ZEUES_CORE_SHEET_CODEC_H
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/spool.h"
#include "core/unions.h"

/* ------------------------------------------------------------------------------------------ */
/* Tables of strings                                                                           */
/* ------------------------------------------------------------------------------------------ */

/** One row of a sheet as text. Rows may be ragged: a cell past count reads as "". */
typedef struct sheet_row {
    char **cells; /* count NUL-terminated cells; owned by the table */
    size_t count;
    size_t line;  /* where the row came from (CSV physical line, sheet row number), for reports */
} sheet_row_t;

/** A sheet as rows of strings: rows[0] is the header row, data rows follow in sheet order.
 *  Storage the caller owns: initialise with SHEET_TABLE_INIT, release with sheet_table_deinit. */
typedef struct sheet_table {
    sheet_row_t *rows;
    size_t count;
    size_t cap;
} sheet_table_t;

#define SHEET_TABLE_INIT {NULL, 0, 0}

/** Appends a row of n cells to t, copying them (cells is borrowed; a NULL cell is stored as "").
 *  line is kept for reports. Never fails (out of memory aborts, see util/alloc.h). */
void sheet_table_append(sheet_table_t *t, const char *const *cells, size_t n, size_t line);
/** Frees every row of t and leaves it empty (reusable). NULL is accepted. */
void sheet_table_deinit(sheet_table_t *t);
/** Cell i of row (borrowed from the table), "" when the row is shorter. */
const char *sheet_row_cell(const sheet_row_t *row, size_t i);

/* ------------------------------------------------------------------------------------------ */
/* Typed sheets                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** One Operaciones row: the tracked columns as typed fields plus every other cell verbatim. */
typedef struct sheet_spool {
    spool_t spool;
    char **extra; /* one per header of the layout; NULL where the column is tracked */
    char *notas;  /* the Notas cell verbatim (multi-line text); NULL = empty; owned */
    size_t line;  /* where the row came from (reports); 0 when it did not come from a sheet */
} sheet_spool_t;

/** One Uniones row: the tracked columns as a zunion_t plus every other cell (ID, NDT_*,
 *  version, unknown columns) verbatim. */
typedef struct sheet_union {
    zunion_t u;
    char **extra; /* one per header of the union layout, NULL where the column is tracked. The
                   * array itself is NULL for a union that has no cells of its own yet (created
                   * by ZEUES, not read from a sheet): its ID is then written as {OT}+{N}. */
    size_t line;  /* where the row came from (reports) */
} sheet_union_t;

typedef struct sheet_role {
    int64_t worker_id;
    char rol[32];
    char activo[16]; /* verbatim cell ("TRUE") */
} sheet_role_t;

typedef struct sheet_worker {
    worker_t worker;
    char activo[16]; /* verbatim cell */
} sheet_worker_t;

/** The sheets. Arrays are owned by whoever filled the struct (see sheets_free). */
typedef struct sheets {
    char **op_headers;
    size_t n_op_headers;
    sheet_spool_t *spools;
    size_t n_spools;
    char **worker_headers;
    size_t n_worker_headers;
    sheet_worker_t *workers;
    size_t n_workers;
    char **role_headers;
    size_t n_role_headers;
    sheet_role_t *roles;
    size_t n_roles;
    event_rec_t *events;
    size_t n_events;
    int has_events; /* the Metadata sheet was given (import) */
    int metadata_n_union; /* Metadata has column K N_UNION (import: the sheet had it; export:
                             write it, as the writer also does when an event has an N_UNION) */
    char **union_headers;
    size_t n_union_headers;
    sheet_union_t *unions;
    size_t n_unions;
    int has_unions; /* the Uniones sheet was given (import) */
    int only_current; /* import (the spreadsheet sync's pull): a spool the store has takes the
                         sheet's Notas and OT, and its unions the sheet's rows, only when the
                         row's version cell equals the stored version, i.e. when the sheet
                         shows the spool as it is now; otherwise the sheet has not caught up
                         with a change made in ZEUES and the store keeps its values */
    int64_t deleted_after; /* with only_current: a union the store does not have and deleted
                              by an event whose seq is above this one is not inserted (the
                              sheet was read before its row left the sheet); the pull passes
                              the rows cursor as it was before it read the sheet */
} sheets_t;

/** Frees every array of s (and the strings they hold) and zeroes it; s itself is caller-owned.
 *  NULL is accepted. */
void sheets_free(sheets_t *s);

/* ------------------------------------------------------------------------------------------ */
/* Reports                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** A data row a reader skipped, and why ("Fecha_Armado 'x' no es una fecha válida"). */
typedef struct sheet_bad_row {
    size_t line; /* sheet_row_t.line of the row */
    char *msg;   /* owned by the report */
} sheet_bad_row_t;

/** What a reader says about one sheet. Initialise with {.source = "..."} (every other field
 *  zero); release with sheet_report_deinit. */
typedef struct sheet_report {
    const char *source;   /* borrowed: names the sheet in err ("D/Operaciones.csv") */
    sheet_bad_row_t *bad; /* rows skipped, in sheet order; owned by the report */
    size_t n_bad;
    sheet_bad_row_t *warn; /* rows kept but corrected (sheet_codec_reconcile_counters); owned */
    size_t n_warn;
    char *err;            /* why the whole sheet was refused (NULL unless a reader failed);
                           * owned by the report */
} sheet_report_t;

/** Frees what rep owns (bad rows, warnings, err) and leaves it empty with its source. NULL is
 *  accepted. */
void sheet_report_deinit(sheet_report_t *rep);

/* ------------------------------------------------------------------------------------------ */
/* Readers: table -> typed sheets                                                              */
/* ------------------------------------------------------------------------------------------ */

/**
 * The readers take a table (borrowed; rows[0] is the header row) and fill their part of out,
 * which the caller frees with sheets_free (also after a failure). A data row that cannot be
 * read is skipped and listed in rep->bad; the others are kept. They return ZE_OK, or
 * ZE_VALIDATION_ERROR with rep->err set (naming rep->source) when the header row makes the sheet
 * unreadable (then no data row was read).
 */

/** Operaciones: columns found by normalised header name (domain-v3 §1.1; TAG_SPOOL, else SPLIT),
 *  the required ones must exist. The layout (out->op_headers) is the sheet's header row plus
 *  any v3 tracked column it lacks, appended (the v4 columns are not: see sheet_col_v4). Rows
 *  with a blank TAG are not spools and are skipped silently; a repeated TAG is a bad row.
 *  Tracked cells are trimmed and typed (dates parsed, tracking state derived with
 *  sheet_codec_derive_tracking); OT and Notas are kept verbatim (spool.ot, sheet_spool_t.notas),
 *  Total_Uniones and the Uniones_*_Completadas counters are integers >= 0, the Pulgadas columns
 *  numbers >= 0 in hundredths (empty cell or absent column: -1; anything else: a bad row);
 *  every other cell is kept verbatim in out->spools[i].extra. spool.row is the 1-based position
 *  among the kept spools. */
int sheet_codec_read_operaciones(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep);
/** Trabajadores, positional (domain-v3 §1.3): Id, Nombre, Apellido, Activo; or the legacy
 *  layout Id, Nombre, Apellido, Rol, Activo when the header row has a 4th column named Rol.
 *  Activo is kept verbatim and typed with sheet_codec_activo; a repeated Id is a bad row. */
int sheet_codec_read_trabajadores(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep);
/** Roles, positional (domain-v3 §1.4): Id, Rol (exact role name), Activo (verbatim). */
int sheet_codec_read_roles(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep);
/** Metadata, positional (domain-v3 §2.1): the 10 columns id..metadata_json, then N_UNION
 *  (domain-v4 §12) when a later header is named so (out->metadata_n_union): empty or 1..20.
 *  Sets out->has_events. timestamp is a local or offset date-time; worker_id may be blank (0). */
int sheet_codec_read_metadata(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep);
/** Uniones (domain-v4 §3.1): columns found by the v4 header key (names_header_key; the text
 *  before a '/' is an alias too; right-most duplicate wins), in any order; TAG_SPOOL and N_UNION
 *  must exist, any other tracked column it lacks is appended to the layout
 *  (out->union_headers). Tracked cells: OT (trimmed; a number in canonical form, 1234.0 ->
 *  1234), N_UNION 1..20, TAG_SPOOL, DN_UNION a number > 0 and <= 50 or empty, TIPO_UNION one of
 *  BW SO FILL BR MIT LET FW SW TW or empty, the four dates as date-time text or spreadsheet
 *  serials (zdatetime_parse: local wall time) or empty, the two workers as text. A row failing
 *  any of these, repeating a TAG_SPOOL + N_UNION, or naming a TAG_SPOOL that is not a spool of
 *  out (only checked when Operaciones was read into out first) is a bad row. Every other cell
 *  is kept verbatim in out->unions[i].extra. Sets out->has_unions. */
int sheet_codec_read_uniones(const sheet_table_t *t, sheets_t *out, sheet_report_t *rep);

/* ------------------------------------------------------------------------------------------ */
/* Writers: typed sheets -> table                                                              */
/* ------------------------------------------------------------------------------------------ */

/**
 * The writers append the header row and one row per record to out (caller releases with
 * sheet_table_deinit); in is borrowed. Cells are what a reader accepts back unchanged, so
 * read -> write reproduces every untracked cell byte for byte and every tracked cell in its
 * canonical form (dates DD-MM-YYYY, Fecha_Ocupacion DD-MM-YYYY HH:MM:SS local time). Never fail.
 */

/** Operaciones in in's layout (the tracked columns alone, canonical names, when it has none). */
void sheet_codec_write_operaciones(const sheets_t *in, sheet_table_t *out);
/* (The Operaciones writer also appends each v4 column the layout lacks once a spool has
 * something to show there: an OT, a Notas text, or, for the counter columns, a spool with
 * unions (Total_Uniones > 0) and a value in that column. A layout without them round-trips
 * unchanged.) */
/** Trabajadores with in's headers (Id, Nombre, Apellido, Activo when it has fewer than 4);
 *  the legacy 5-column rows when the layout has 5 or more columns. */
void sheet_codec_write_trabajadores(const sheets_t *in, sheet_table_t *out);
/** Roles with in's headers (Id, Rol, Activo when it has fewer than 3). */
void sheet_codec_write_roles(const sheets_t *in, sheet_table_t *out);
/** Metadata with its 10 fixed headers, or 11 (N_UNION) when in->metadata_n_union or an event
 *  has an N_UNION; timestamps as DD-MM-YYYY HH:MM:SS local time. */
void sheet_codec_write_metadata(const sheets_t *in, sheet_table_t *out);
/** Uniones in in's union layout (the 17 headers of domain-v4 §3.1 when it has none); dates as
 *  DD-MM-YYYY HH:MM:SS local time, DN as zunion_format_c writes it. */
void sheet_codec_write_uniones(const sheets_t *in, sheet_table_t *out);
/** Number of headers of the default Uniones layout (domain-v4 §3.1). */
#define SHEET_UNIONES_COLS 17
/** Header i (0..SHEET_UNIONES_COLS-1) of the default Uniones layout ("ID", "OT", ...). */
const char *sheet_codec_uniones_header(size_t i);

/* ------------------------------------------------------------------------------------------ */
/* Rules                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** The Activo rule of Trabajadores and Roles: 1 when the cell, trimmed of spaces and tabs and
 *  upper-cased, is exactly TRUE; else 0 (FALSE, empty, SI, ...). cell is borrowed; NULL is 0. */
int sheet_codec_activo(const char *cell);

/**
 * Derives the tracking state of s from its Estado_Detalle text and tracked columns, where the
 * original kept the repair loop and metrología outcome: BLOQUEADO, EN_REPARACION (paused when
 * nobody occupies the spool), REPARACION_PAUSADA, PENDIENTE_METROLOGIA, RECHAZADO (cycle at
 * least 1), APROBADO. For an occupied spool it sets ocupado_worker_id from the `XY(ID)` name and
 * ocupado_op: REPARACION while in repair, else SOLD or ARM as the text says (`trabajando SOLD`
 * / `trabajando ARM`), else ARM until Fecha_Armado is set and SOLD after. Reads estado_detalle,
 * ocupado_por and fecha_armado; writes repair, metrologia, repair_cycle, ocupado_worker_id and
 * ocupado_op (fields it has no rule for are left as they are).
 */
void sheet_codec_derive_tracking(spool_t *s);

/** The counter cells of Operaciones: "" (blank) -> -1; an integer >= 0 (12, 12.0) -> it.
 *  0, or -1 for anything else (negative, fractional, text). cell is borrowed. */
int sheet_codec_count_cell(const char *cell, int *out);
/** The Pulgadas cells: "" (blank) -> -1; a number >= 0 (zunion_parse_c) -> its hundredths.
 *  0, or -1 for anything else. */
int sheet_codec_pulgadas_cell(const char *cell, int64_t *out);

/** Sets the five counters of s (Total_Uniones = n, the union rows; Uniones_ARM/SOLD_Completadas
 *  and Pulgadas_ARM/SOLD over the complete unions, DN and TIPO set, with ARM_FECHA_FIN /
 *  SOL_FECHA_FIN: domain-v4 §5) from u[0..n), the unions of s. */
void sheet_codec_union_counters(const zunion_t *u, size_t n, spool_t *s);
/** The counters of every spool of sh that has union rows in sh are set to the values its
 *  unions give (sheet_codec_union_counters); each spool whose cells said otherwise is listed in
 *  rep->warn (its Operaciones line, the cells and the values stored). Spools without union rows
 *  keep their cells. Returns the number of spools corrected. */
size_t sheet_codec_reconcile_counters(sheets_t *sh, sheet_report_t *rep);

#endif
