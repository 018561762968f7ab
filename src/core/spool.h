/* The spool record as ZEUES tracks it, its derived states, and the worker record.
 * Everything here is data plus pure functions of it. */
#ifndef ZEUES_CORE_SPOOL_H
#define ZEUES_CORE_SPOOL_H
#include <stddef.h>
#include <stdint.h>

#include "core/dates.h"

#define ZTAG_MAX 128      /* longest accepted TAG_SPOOL, bytes incl. NUL */
#define ZNAME_MAX 96      /* worker display names and short texts */
#define ZTEXT_MAX 256     /* Estado_Detalle */
#define ZTOKEN_MAX 64     /* lock token ("{instance}.{boot}.{uuid}", see redis/rlock.h) */

/** Operations (ActionType on the wire). ZOP_NONE = no operation. */
typedef enum zop { ZOP_NONE = 0, ZOP_ARM, ZOP_SOLD, ZOP_METROLOGIA, ZOP_REPARACION } zop_t;

/** ARM / SOLD machine states. */
typedef enum zstate { ZST_PENDIENTE = 0, ZST_EN_PROGRESO, ZST_PAUSADO, ZST_COMPLETADO } zstate_t;

/** Metrología outcome of the latest inspection. */
typedef enum zmetro { ZMET_NONE = 0, ZMET_APROBADO, ZMET_RECHAZADO } zmetro_t;

/** Reparación machine state; ZREP_NONE when the spool is not in the repair loop. */
typedef enum zrepair {
    ZREP_NONE = 0,
    ZREP_RECHAZADO,           /* waiting for a repair */
    ZREP_EN_REPARACION,       /* occupied by a repairer */
    ZREP_PAUSADA,             /* repair paused, resumable */
    ZREP_PENDIENTE_METROLOGIA,/* repaired, back in the metrología queue */
    ZREP_BLOQUEADO            /* 3rd consecutive rejection: supervisor must act */
} zrepair_t;

#define ZMAX_CYCLES 3

typedef struct spool {
    int64_t row;                     /* position in the Operaciones sheet (1 = first data row) */
    char tag[ZTAG_MAX];
    char nv[ZNAME_MAX];              /* "" = null */
    zdate_t fecha_materiales;
    zdate_t fecha_armado;
    zdate_t fecha_soldadura;
    zdate_t fecha_qc;                /* Fecha_QC_Metrología */
    char armador[ZNAME_MAX];         /* "" = empty */
    char soldador[ZNAME_MAX];
    char ocupado_por[ZNAME_MAX];     /* "" = free */
    int64_t ocupado_worker_id;       /* 0 when free */
    zop_t ocupado_op;                /* operation the occupant works on */
    int64_t fecha_ocupacion;         /* unix seconds, 0 when free */
    char lock_token[ZTOKEN_MAX];     /* token of the Redis lock that guards the occupation */
    int64_t version;                 /* bumped by every change (compare-and-set) */
    zmetro_t metrologia;
    zrepair_t repair;
    int repair_cycle;                /* consecutive rejections, 0..3 */
    char estado_detalle[ZTEXT_MAX];
    /* v4: the union counters of Operaciones, kept equal to the spool's Uniones rows by every
     * commit that writes unions (core/unions.h). -1 = empty cell (a spool without unions). */
    char ot[64];                     /* OT (work order) as text; "" = empty */
    int total_uniones;               /* Total_Uniones: union rows of the spool */
    int uniones_arm_done;            /* Uniones_ARM_Completadas */
    int uniones_sold_done;           /* Uniones_SOLD_Completadas */
    int64_t pulgadas_arm_c;          /* Pulgadas_ARM in hundredths (1250 = 12.5) */
    int64_t pulgadas_sold_c;         /* Pulgadas_SOLD in hundredths */
} spool_t;

/** Worker roles as a bit set. */
enum {
    ZROLE_ARMADOR = 1 << 0,
    ZROLE_SOLDADOR = 1 << 1,
    ZROLE_AYUDANTE = 1 << 2,
    ZROLE_METROLOGIA = 1 << 3,
    ZROLE_REVESTIMIENTO = 1 << 4,
    ZROLE_PINTURA = 1 << 5,
    ZROLE_DESPACHO = 1 << 6,
};
#define ZROLE_COUNT 7

typedef struct worker {
    int64_t id;
    char nombre[ZNAME_MAX];
    char apellido[ZNAME_MAX];
    char rol[32];                    /* deprecated single role ("" = null) */
    unsigned roles;                  /* active roles (ZROLE_ bits) */
    char roles_order[ZROLE_COUNT];   /* role indexes in Roles-sheet order */
    int roles_count;
    int activo;
    char display[ZNAME_MAX];         /* XY(ID) */
} worker_t;

/** Wire name of an operation ("ARM"); "" for ZOP_NONE. */
const char *zop_name(zop_t op);
/** Parses an exact, case-sensitive operation name; ZOP_NONE when unknown. */
zop_t zop_parse(const char *s);
/** Lower-case state word of §4.6 ("en progreso"). */
const char *zstate_word(zstate_t st);
/** State id as used in SSE payloads ("en_progreso"). */
const char *zstate_id(zstate_t st);
/** Role name ("Armador") of a role index 0..ZROLE_COUNT-1. */
const char *zrole_name(int index);
/** Role index of an exact role name, or -1. */
int zrole_parse(const char *s);
/** Roles that may work on an operation (ARM: Armador|Ayudante, ...). */
unsigned zop_required_roles(zop_t op);

/** ARM state derived from the columns: completado if Fecha_Armado, else en_progreso when the
 *  occupant works on ARM, pausado when Armador is set, else pendiente. */
zstate_t spool_arm_state(const spool_t *s);
/** SOLD state, symmetric with Fecha_Soldadura / Soldador. */
zstate_t spool_sold_state(const spool_t *s);
/** 0 when every field of s holds a value the tracker can produce (real dates, known enum
 *  values, a cycle of 0..3, an occupant with a name and an operation); otherwise -1 and a short
 *  description of the first bad field in why. A row that fails is corrupt, never "not found". */
int spool_check(const spool_t *s, char *why, size_t n);
/** 1 when someone occupies the spool. */
int spool_is_occupied(const spool_t *s);

#endif
