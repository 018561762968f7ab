/* Internals of `zeues demo` shared by demo.c (the plant, the roster, spools tracked as a whole)
 * and demo_unions.c (spools tracked per union). Nothing else includes this. */
#ifndef ZEUES_CLI_DEMO_INT_H
#define ZEUES_CLI_DEMO_INT_H
#include <stddef.h>
#include <stdint.h>

#include "core/sheet_codec.h"

/* The stages a demo spool is walked to (the states of the plant's floor). */
enum {
    DEMO_NO_MATERIALS = 0,
    DEMO_FREE,          /* materials in, nothing done */
    DEMO_ARM_PAUSED,    /* ARM partial, nobody on it */
    DEMO_ARM_WORKING,   /* ARM in progress: occupied, with its lock token */
    DEMO_ARM_DONE,
    DEMO_SOLD_PAUSED,
    DEMO_SOLD_WORKING,
    DEMO_SOLD_DONE,     /* ready for metrología */
    DEMO_APPROVED,
    DEMO_REJECTED_1,
    DEMO_REJECTED_2,
    DEMO_BLOCKED,       /* third rejection */
    DEMO_IN_REPAIR,     /* occupied by a repairer */
    DEMO_REPAIR_PAUSED,
    DEMO_STAGES
};

typedef struct demo {
    sheets_t sh;
    size_t cap_events, cap_unions;
    unsigned seed;
    int64_t now;
} demo_t;

/** xorshift32 step of *s: deterministic across platforms, unlike rand(). */
unsigned cli__demo_rng(unsigned *s);
/** 0..n-1 from *s. */
int cli__demo_pick(unsigned *s, int n);
/** Appends an event to the demo's Metadata; returns it (borrowed, valid until the next event)
 *  so the caller can set n_union. */
event_rec_t *cli__demo_event(demo_t *d, const char *tipo, const spool_t *s, const worker_t *w,
                             const char *op, const char *accion, int64_t ts, const char *meta);
/** A random Armador / Soldador / Metrología worker of the demo roster (borrowed). */
const worker_t *cli__demo_armador(demo_t *d);
const worker_t *cli__demo_soldador(demo_t *d);
const worker_t *cli__demo_inspector(demo_t *d);
/** Makes w the occupant of s for op since `since`, with a lock token like a real TOMAR. */
void cli__demo_occupy(demo_t *d, spool_t *s, const worker_t *w, zop_t op, int64_t since);
/** Walks a spool whose ARM and SOLD are complete (at time t) on to stage: approved, rejected
 *  once or twice, blocked, in repair or with its repair paused. */
void cli__demo_after_sold(demo_t *d, spool_t *s, int stage, int64_t t);
/** Gives the spool of sp 1..12 unions and walks them to stage (ARM and SOLD per union, the
 *  UNION_*_REGISTRADA events, the counters), then on like any spool. t: when work began. */
void cli__demo_union_spool(demo_t *d, sheet_spool_t *sp, const char *ot, int stage, int64_t t);

#endif
