/* Names of enums and the derived ARM/SOLD states of a spool. */
#include "core/spool.h"

#include <stdio.h>
#include <string.h>

static const char *const op_names[] = {"", "ARM", "SOLD", "METROLOGIA", "REPARACION"};
static const char *const role_names[ZROLE_COUNT] = {
    "Armador", "Soldador", "Ayudante", "Metrologia", "Revestimiento", "Pintura", "Despacho"};

const char *zop_name(zop_t op)
{
    if ((int)op < 0 || (size_t)op >= sizeof op_names / sizeof op_names[0]) return "";
    return op_names[op];
}

zop_t zop_parse(const char *s)
{
    if (!s) return ZOP_NONE;
    for (int i = 1; i < (int)(sizeof op_names / sizeof op_names[0]); i++)
        if (strcmp(s, op_names[i]) == 0) return (zop_t)i;
    return ZOP_NONE;
}

const char *zstate_word(zstate_t st)
{
    switch (st) {
    case ZST_PENDIENTE: return "pendiente";
    case ZST_EN_PROGRESO: return "en progreso";
    case ZST_PAUSADO: return "pausado";
    case ZST_COMPLETADO: return "completado";
    }
    return "pendiente";
}

const char *zstate_id(zstate_t st)
{
    switch (st) {
    case ZST_PENDIENTE: return "pendiente";
    case ZST_EN_PROGRESO: return "en_progreso";
    case ZST_PAUSADO: return "pausado";
    case ZST_COMPLETADO: return "completado";
    }
    return "pendiente";
}

const char *zrole_name(int index)
{
    if (index < 0 || index >= ZROLE_COUNT) return "";
    return role_names[index];
}

int zrole_parse(const char *s)
{
    for (int i = 0; i < ZROLE_COUNT; i++)
        if (strcmp(s, role_names[i]) == 0) return i;
    return -1;
}

unsigned zop_required_roles(zop_t op)
{
    switch (op) {
    case ZOP_ARM: return ZROLE_ARMADOR | ZROLE_AYUDANTE;
    case ZOP_SOLD: return ZROLE_SOLDADOR | ZROLE_AYUDANTE;
    case ZOP_METROLOGIA: return ZROLE_METROLOGIA;
    case ZOP_REPARACION: return ZROLE_ARMADOR | ZROLE_SOLDADOR;
    case ZOP_NONE: break;
    }
    return 0;
}

int spool_is_occupied(const spool_t *s) { return s->ocupado_por[0] != '\0'; }

static int date_ok(zdate_t d)
{
    zdate_t back;
    return d == ZDATE_NONE ||
           (zdate_make(zdate_year(d), zdate_month(d), zdate_day(d), &back) == 0 && back == d);
}

int spool_check(const spool_t *s, char *why, size_t n)
{
    const char *bad = NULL;
    if (!s->tag[0]) bad = "TAG_SPOOL vacío";
    else if (!date_ok(s->fecha_materiales)) bad = "Fecha_Materiales";
    else if (!date_ok(s->fecha_armado)) bad = "Fecha_Armado";
    else if (!date_ok(s->fecha_soldadura)) bad = "Fecha_Soldadura";
    else if (!date_ok(s->fecha_qc)) bad = "Fecha_QC_Metrología";
    else if ((int)s->ocupado_op < ZOP_NONE || (int)s->ocupado_op > ZOP_REPARACION) bad = "operación ocupada";
    else if ((int)s->metrologia < ZMET_NONE || (int)s->metrologia > ZMET_RECHAZADO) bad = "resultado de metrología";
    else if ((int)s->repair < ZREP_NONE || (int)s->repair > ZREP_BLOQUEADO) bad = "estado de reparación";
    else if (s->repair_cycle < 0 || s->repair_cycle > ZMAX_CYCLES) bad = "ciclo de reparación";
    else if (spool_is_occupied(s) && (s->ocupado_op == ZOP_NONE || s->fecha_ocupacion <= 0))
        bad = "ocupación sin operación o sin fecha";
    else if (!spool_is_occupied(s) && s->ocupado_op != ZOP_NONE) bad = "operación sin ocupante";
    if (!bad) return 0;
    snprintf(why, n, "%s", bad);
    return -1;
}

static zstate_t derive(const spool_t *s, zdate_t done, const char *worker, zop_t op)
{
    if (done != ZDATE_NONE) return ZST_COMPLETADO;
    if (spool_is_occupied(s) && s->ocupado_op == op) return ZST_EN_PROGRESO;
    if (worker[0] != '\0') return ZST_PAUSADO;
    return ZST_PENDIENTE;
}

zstate_t spool_arm_state(const spool_t *s)
{
    return derive(s, s->fecha_armado, s->armador, ZOP_ARM);
}

zstate_t spool_sold_state(const spool_t *s)
{
    return derive(s, s->fecha_soldadura, s->soldador, ZOP_SOLD);
}
