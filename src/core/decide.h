/* The decisions of the core: given a spool as stored and a command (clock, ids and the acting
 * worker passed in), either a failure (code + Spanish message + data) or the spool as it must
 * be stored afterwards, the audit event to append in the same transaction, what to do with the
 * Redis lock, and the live payloads to publish after commit. No I/O, no clock, no randomness. */
#ifndef ZEUES_CORE_DECIDE_H
#define ZEUES_CORE_DECIDE_H
#include <jansson.h>
#include <stdint.h>

#include "core/event.h"
#include "core/spool.h"
#include "core/unions.h"

typedef enum zaction {
    ZACT_TOMAR = 0,
    ZACT_PAUSAR,
    ZACT_COMPLETAR,
    ZACT_CANCELAR,
} zaction_t;

/** What the caller must do with the spool's Redis lock around the commit. */
typedef enum zlock_op {
    ZLOCK_NONE = 0, /* no occupation involved (metrología, v2.1 on a free spool) */
    ZLOCK_ACQUIRE,  /* take the lock before committing (TOMAR) */
    ZLOCK_RELEASE,  /* the occupant's lock must be held; release it after commit */
} zlock_op_t;

/** FINALIZAR's action_override. */
typedef enum zoverride { ZOVR_NONE = 0, ZOVR_PAUSAR, ZOVR_COMPLETAR } zoverride_t;

/** What FINALIZAR did (action_taken). */
typedef enum zfinal { ZFIN_NONE = 0, ZFIN_CANCELADO, ZFIN_PAUSAR, ZFIN_COMPLETAR } zfinal_t;

/** One row of a guardar request. */
typedef struct zunion_edit {
    int n;                    /* 1..ZUNION_MAX */
    int64_t dn_c;             /* hundredths; 0 = null */
    char tipo[ZTIPO_MAX];     /* "" = null */
} zunion_edit_t;

/** Events one decision may append beyond the first (FINALIZAR of 20 unions: the spool-level
 *  UNION event, one per union, the spool-level completion and the metrología trigger). */
#define ZOUT_MORE_EVENTS (ZUNION_MAX + 4)

typedef struct zcmd {
    zaction_t action;
    zop_t op;                 /* ZOP_NONE: COMPLETAR takes it from the worker's occupation */
    const worker_t *worker;   /* the acting worker (active, looked up by id) */
    int64_t now;              /* unix seconds */
    zdate_t today;            /* the plant's local date at now */
    const char *now_text;     /* now as "DD-MM-YYYY HH:MM:SS" in the plant's zone */
    zdate_t fecha;            /* COMPLETAR date; ZDATE_NONE = today */
    const char *lock_token;   /* token for a new lock (TOMAR) */
    const char *event_id;     /* uuid of the audit event */
    int resultado_aprobado;   /* metrología: 1 APROBADO, 0 RECHAZADO */
    const char *reason;       /* supervisor actions: why */
    /* v4 (unions). app/mutate fills unions/n_unions with the spool's stored unions when the
     * decision asks for them (see mutate.h). */
    const zunion_t *unions;
    size_t n_unions;
    const char *const *selected; /* FINALIZAR: union wire ids "{OT}+{N}" as sent */
    size_t n_selected;
    zoverride_t override;        /* FINALIZAR action_override */
    const zunion_edit_t *edits;  /* guardar: the complete desired list */
    size_t n_edits;
    const char *texto;           /* notas: the text to append (trimmed, 1..500 characters) */
    zunion_date_fn local_date;   /* plant date of a union time (FINALIZAR's reconciled
                                    completion date); NULL = the UTC offset of now_text */
    const char *device;          /* the enrolled device that sent the request (its name), or
                                    NULL (authentication off, the CLI): app/mutate writes it
                                    into every event's metadata */
} zcmd_t;

typedef struct zfail {
    int code;           /* negative zerr_t */
    char message[512];
    json_t *data;       /* owned; NULL for none */
} zfail_t;

typedef struct zoutcome {
    spool_t after;
    int noop;             /* a repeated request: answer success, change nothing */
    zlock_op_t lock;
    zop_t op;             /* the operation acted on (COMPLETAR resolves ZOP_NONE) */
    event_rec_t event;    /* tipo..metadata_json and live_json filled; seq by the store */
    char shown[ZTEXT_MAX]; /* Estado_Detalle as the response shows it (metrología suffix) */
    /* v4: more events after `event` (appended in order, same transaction), union writes and
     * the facts the v4 responses report. */
    event_rec_t more[ZOUT_MORE_EVENTS];
    size_t n_more;
    zunion_t puts[ZUNION_MAX];   /* unions created or changed (version = as read; 0 = new) */
    size_t n_puts;
    int deletes[ZUNION_MAX];     /* N_UNION of unions to delete */
    size_t n_deletes;
    char notas_line[2048];       /* a line to append to Notas; "" = none ("YYYYMMDD: " and
                                    500 characters of up to 4 UTF-8 bytes each) */
    zfinal_t action;             /* FINALIZAR: action_taken */
    int unions_processed;        /* FINALIZAR: unions written */
    int64_t pulgadas_c;          /* FINALIZAR: spool-wide PD of the operation after the write;
                                    -1 = null */
    int metrologia_triggered;    /* FINALIZAR: the last union made the spool ready */
    int created, updated, deleted; /* guardar counts */
} zoutcome_t;

/** Releases fail->data. */
void zfail_clear(zfail_t *fail);

/** TOMAR / PAUSAR / COMPLETAR / CANCELAR on ARM, SOLD or REPARACION (occupation endpoints and
 *  the reparación endpoints). Returns ZE_OK with *out filled, or a negative code with *fail. */
int decide_occupation(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);

/** Instant metrología inspection (APROBADO / RECHAZADO). */
int decide_metrologia(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);

/** v2.1 INICIAR / COMPLETAR / CANCELAR (action ZACT_TOMAR means INICIAR here). */
int decide_v21(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);

/** Supervisor: a BLOQUEADO spool goes back to the repair queue (one more rejection allowed).
 *  cmd->worker is the supervisor (id 0, display = the name given); reason is recorded. */
int decide_unblock(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);
/** Supervisor: ends a stuck occupation (the work stays paused, resumable by anyone qualified). */
int decide_release(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);

/* ---- v4 (unions; domain-v4 §4) ---- */
/** v4 INICIAR on ARM or SOLD: the spool's lock like TOMAR (ZLOCK_ACQUIRE), role enforced,
 *  SOLD only after ARM (per union, or Fecha_Armado for spools without unions), 409 when
 *  someone else occupies it, double tap a no-op. Needs cmd->unions. */
int decide_iniciar(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);
/** v4 FINALIZAR (domain-v4 §4.5 as intended): only the occupant; CANCELADO / PAUSAR /
 *  COMPLETAR derived from the selection and the spool's unions; union writes, counters,
 *  reconciled completion date, UNION_*_REGISTRADA events and the metrología trigger in one
 *  outcome. Needs cmd->unions. */
int decide_finalizar(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);
/** guardar: the spool's union list becomes cmd->edits (create / update / delete; unions with
 *  work keep DN/TIPO and are not deleted: 400). Needs cmd->unions. */
int decide_guardar(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);
/** The N_UNIONs a UNIONES_GUARDADAS event (as decide_guardar writes it) deleted, into out
 *  (room for ZUNION_MAX), in the order the event lists them; returns how many. 0 for any other
 *  event, and for metadata that does not parse (nothing is guessed). */
size_t decide_guardar_deleted(const event_rec_t *e, int out[ZUNION_MAX]);
/** Notas append: out->notas_line = "{YYYYMMDD}: {texto}" (cmd->today), NOTAS_ACTUALIZADA. */
int decide_notas(const spool_t *s, const zcmd_t *cmd, zoutcome_t *out, zfail_t *fail);

/** Fails with a formatted message (helper shared by the decision files). Returns code. */
int zfail_set(zfail_t *fail, int code, json_t *data, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
