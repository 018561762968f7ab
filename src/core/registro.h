/* Mi Registro (domain-v4 §9, api-v4v5 §2.9): what one worker registered on one day, from the
 * unions alone. A union contributes an ARM record when the worker is its ARM_WORKER, a SOLD
 * record when they are its SOL_WORKER (both, when they did both), if that operation finished
 * on the day, in the plant's zone, compared as a date (the original compared cell text, so
 * dates stored as spreadsheet serials never matched), or has not finished yet. Records are
 * grouped by (spool, operation) in first-seen order. Pure; PD in hundredths, not rounded. */
#ifndef ZEUES_CORE_REGISTRO_H
#define ZEUES_CORE_REGISTRO_H
#include <stddef.h>
#include <stdint.h>

#include "core/unions.h"

typedef struct registro_rec {
    const zunion_t *u; /* borrowed from the unions passed to registro_init */
    zop_t op;          /* ZOP_ARM or ZOP_SOLD: which half of u this record is */
    size_t group;      /* index into groups */
} registro_rec_t;

typedef struct registro_group {
    const char *tag; /* borrowed (the first record's union) */
    zop_t op;
    int64_t pd_total_c;          /* Σ DN of its records (an empty DN counts 0) */
    const char *otro_trabajador; /* the first record's other worker cell (SOL_WORKER for an
                                    ARM group, ARM_WORKER for SOLD), or "Pendiente"; borrowed */
    size_t n_recs;
} registro_group_t;

typedef struct registro {
    registro_rec_t *recs;     /* in sheet order, ARM before SOLD within a union */
    size_t n_recs;            /* = resumen.total_uniones */
    registro_group_t *groups; /* first-seen order */
    size_t n_groups;
    int64_t pd_total_c;  /* Σ of the groups' PD */
    size_t total_spools; /* distinct tags among the records */
} registro_t;

/**
 * Builds the day's registro of worker_id over u[0..n) (every union, in sheet order; borrowed,
 * must outlive r). A worker cell matches by the first "(digits)" it contains (XY(ID)). fecha
 * is the plant date asked for; local_date converts a union time into the plant's date (must
 * not be NULL). Storage the caller owns: release with registro_deinit. Never fails (the
 * process's OOM policy aborts).
 */
void registro_init(registro_t *r, const zunion_t *u, size_t n, int64_t worker_id, zdate_t fecha,
                   zunion_date_fn local_date);
/** Frees what registro_init allocated; r may be zeroed or already released. */
void registro_deinit(registro_t *r);

/** The worker id of a worker cell: the number of its first "(digits)", or 0 for none. */
int64_t registro_worker_id(const char *cell);

#endif
