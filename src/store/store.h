/* The store: where spools, workers, roles and the audit log live. A backend is a struct of
 * function pointers (SQLite now; PostgreSQL and Google Sheets later), chosen at open time.
 *
 * Every function returns ZE_OK or a negative zerr_t: ZE_DATA_CORRUPT for a stored row that fails
 * spool_check, ZE_SPOOL_NO_ENCONTRADO /
 * ZE_WORKER_NO_ENCONTRADO for absent rows, ZE_VERSION_CONFLICT for a lost compare-and-set,
 * ZE_STORE_UNAVAILABLE for any I/O failure. A store may be used from any thread at once. */
#ifndef ZEUES_STORE_STORE_H
#define ZEUES_STORE_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/spool.h"

typedef struct store store_t;

/** Visitors return 0 to continue, non-zero to stop (that value is then returned). */
typedef int (*spool_visit_fn)(void *ud, const spool_t *s);
typedef int (*worker_visit_fn)(void *ud, const worker_t *w);
typedef int (*event_visit_fn)(void *ud, const event_rec_t *e);

/* ---- Bulk sheets, for import / export (CSV now, Google Sheets sync later): sheets_t, its row
 * types and sheets_free belong to the sheet codec, which reads and writes them. ---- */
#include "core/sheet_codec.h"

struct store_ops {
    const char *name;
    void (*close)(store_t *st);
    int (*spool_get)(store_t *st, const char *tag, spool_t *out);
    /** Visits spools in sheet order. */
    int (*spool_foreach)(store_t *st, spool_visit_fn fn, void *ud);
    /** One transaction: if the stored version of s->tag equals expected_version, write every
     *  tracked field of s with version = expected_version + 1 (s->version is updated) and append
     *  the events (their seq is set). Else ZE_VERSION_CONFLICT and nothing is written. */
    int (*spool_commit)(store_t *st, spool_t *s, int64_t expected_version, event_rec_t *ev,
                        size_t nev);
    int (*worker_get)(store_t *st, int64_t id, worker_t *out);
    /** Visits every worker (active or not) in sheet order, roles filled. */
    int (*worker_foreach)(store_t *st, worker_visit_fn fn, void *ud);
    /** Visits the events of one tag in sequence order. */
    int (*event_foreach_tag)(store_t *st, const char *tag, event_visit_fn fn, void *ud);
    /** Visits at most limit events with seq > after_seq in sequence order. */
    int (*event_foreach_since)(store_t *st, int64_t after_seq, size_t limit, event_visit_fn fn,
                               void *ud);
    int (*event_last_seq)(store_t *st, int64_t *out);
    /** Replaces engineering data from sheets in one transaction; tracking state of spools that
     *  already exist is kept unless the sheet carries it. Events are appended when has_events
     *  and the store has none yet with the same id. */
    int (*import)(store_t *st, const sheets_t *in, char *err, size_t errlen);
    /** Reads the four sheets (caller frees with sheets_free). */
    int (*export)(store_t *st, sheets_t *out);
    /** 1 when the backend answers a trivial query now. */
    int (*ping)(store_t *st);
    /** A number that changes with every committed write (any process): cached answers derived
     *  from the store are current while it is unchanged. */
    int (*generation)(store_t *st, int64_t *out);
};

struct store {
    const struct store_ops *ops;
};

/** Opens the SQLite store at path, creating and migrating its schema. NULL on failure with a
 *  message in err. Caller closes with store_close. */
store_t *store_sqlite_open(const char *path, char *err, size_t errlen);

static inline void store_close(store_t *st)
{
    if (st) st->ops->close(st);
}

#endif
