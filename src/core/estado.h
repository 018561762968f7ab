/* Estado_Detalle: the human-readable combined state written with every change (domain §4.6). */
#ifndef ZEUES_CORE_ESTADO_H
#define ZEUES_CORE_ESTADO_H
#include <stddef.h>

#include "core/spool.h"

/** Writes the Estado_Detalle text that describes s as it is now (repair texts win, then the
 *  approved metrología text, then the occupied / available ARM+SOLD text). */
void estado_detalle(const spool_t *s, char *out, size_t n);
/** "ARM {a}, SOLD {s}" pair of the occupied/available formats. */
void estado_pair(const spool_t *s, char *out, size_t n);
/** Parses a repair cycle from a text: BLOQUEADO → 3, "Ciclo N/3" → N, else 0 (domain §5.2). */
int estado_parse_cycle(const char *text);

#endif
