/* Uniones: the weld joints of a spool (domain-v4 §3-§5) and the pure rules over them. A union
 * is keyed by its spool's TAG_SPOOL and its N_UNION (never by OT alone: spools may share an
 * OT); its wire id "{OT}+{N_UNION}" is resolved within the request's spool. ARM then SOLD per
 * union; which types need SOLD; availability, PD (pulgadas-diámetro) and counters.
 *
 * Pure: no I/O, no clock. Times are unix seconds passed in; text is UTF-8. */
#ifndef ZEUES_CORE_UNIONS_H
#define ZEUES_CORE_UNIONS_H
#include <stddef.h>
#include <stdint.h>

#include "core/spool.h"

#define ZUNION_MAX 20  /* N_UNION is 1..20; at most 20 unions per spool */
#define ZTIPO_MAX 8    /* longest TIPO_UNION code, NUL included */
#define ZOT_MAX 64     /* OT cell */

/** One row of the Uniones sheet as tracked. Cells ZEUES does not interpret (ID, NDT_*,
 *  version, unknown columns) are kept verbatim by the store beside it (sheet_codec.h). */
typedef struct zunion {
    char tag[ZTAG_MAX];       /* TAG_SPOOL */
    int n;                    /* N_UNION, 1..ZUNION_MAX */
    char ot[ZOT_MAX];         /* OT as text (a numeric cell in canonical form: 1234, not 1234.0) */
    int64_t dn_c;             /* DN_UNION in hundredths of an inch (250 = 2.5"); 0 = empty */
    char tipo[ZTIPO_MAX];     /* TIPO_UNION; "" = empty */
    int64_t arm_inicio, arm_fin; /* unix seconds; 0 = empty. arm_fin set = union ARM done */
    char arm_worker[ZNAME_MAX];  /* XY(ID) of who registered ARM; "" = none */
    int64_t sol_inicio, sol_fin; /* same for SOLD */
    char sol_worker[ZNAME_MAX];
    int64_t version;          /* bumped by every change (compare-and-set, like spools) */
} zunion_t;

/** Progress of a spool's unions (domain-v4 §5). Only complete unions (DN and TIPO set) count. */
typedef struct zunion_metrics {
    int total;          /* complete unions */
    int arm_done;       /* complete unions with arm_fin */
    int sold_done;      /* complete unions with sol_fin (any type) */
    int sold_required;  /* complete unions whose type needs SOLD */
    int sold_required_done;
    int64_t pulgadas_arm_c;  /* Σ dn_c over arm_done unions */
    int64_t pulgadas_sold_c; /* Σ dn_c over sold_done unions */
} zunion_metrics_t;

/** The plant's calendar date of a unix time (util/tz.h's tz_date fits). The core never
 *  converts time zones itself: whoever needs a union time as a plant date passes this in. */
typedef zdate_t (*zunion_date_fn)(int64_t t);

/** 1 when tipo needs SOLD: BW, BR, SO, FILL, LET (exact, case-sensitive). Every union needs
 *  ARM; FW, MIT and any other code are ARM-only. */
int zunion_tipo_needs_sold(const char *tipo);
/** 1 for the codes ZEUES accepts in a union row: BW SO FILL BR MIT LET FW SW TW. */
int zunion_tipo_known(const char *tipo);
/** 1 when u has both DN and TIPO (a "full" union: the only kind progress logic sees). */
int zunion_complete(const zunion_t *u);
/** 1 when u has work registered (ARM or SOLD worker set): it can be neither deleted nor have
 *  its DN/TIPO changed. */
int zunion_has_work(const zunion_t *u);
/** 1 when the whole spool is in "legacy SOLD" mode: ARM was done at spool level
 *  (Fecha_Armado set) and no union has arm_fin. */
int zunion_legacy_sold(const spool_t *s, const zunion_t *u, size_t n);
/** 1 when u can be registered now for op (ZOP_ARM / ZOP_SOLD): complete, and ARM: not ARM
 *  done; SOLD: type needs SOLD, not SOLD done, and ARM done (or legacy_sold). */
int zunion_available(const zunion_t *u, zop_t op, int legacy_sold);
/** Writes the wire id "{OT}+{N}" (OT trimmed); "" when the OT is empty. */
void zunion_id(const zunion_t *u, char *out, size_t n);
/** Index in u[0..n) of the union whose wire id is id ("{OT}+{N}" of this spool's union; the
 *  OT part is compared trimmed and numerically when both are numbers, so "1234+3" matches an
 *  OT cell 1234.0), or -1. */
int zunion_find_id(const zunion_t *u, size_t n, const char *id);
/** Metrics over u[0..n). */
void zunion_metrics(const zunion_t *u, size_t n, zunion_metrics_t *m);
/** Writes hundredths as the sheet shows a number: "2.5", "12", "0.75" (no trailing zeros). */
void zunion_format_c(int64_t c, char *out, size_t n);
/** Parses "2.5", "2,5", "2", " 12.50 " into hundredths (rounded half away from zero).
 *  0 on success, -1 for anything else (empty, negative, text, more than 1e9). */
int zunion_parse_c(const char *s, int64_t *out);

#endif
