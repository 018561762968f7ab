/* Keeping the office's Google spreadsheet in sync with the store (issue 16; reference
 * google-sheets.md). The append-only events table is the outbox: a push writes every event
 * after the cursor "metadata_seq" to the Metadata sheet (exactly once: the cursor moves only
 * after Google answered 2xx, and after a crash or an unanswered append the sheet's last ids
 * are read back first), deletes the Uniones rows of the unions those events deleted, and
 * writes the tracking columns of the spools (and unions) they touched to the rows found by
 * TAG_SPOOL (+ N_UNION) in a fresh read of the header row and key columns. A pull reads the
 * sheets, brings new spools, unions, workers and edited engineering columns in through the
 * store's import (same codec as CSV; never a union deleted in ZEUES that the sheet may still
 * show), and puts back any tracking cell a person changed (a logged conflict: the store
 * wins).
 *
 * sheets_sync_* runs this on a thread of its own inside the server: start-up never waits for
 * Google, and no tablet request ever waits for the sync. The one-shot functions below are
 * what `zeues sheets push|pull|init|status` and the worker share. */
#ifndef ZEUES_APP_SHEETS_H
#define ZEUES_APP_SHEETS_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sync/sync.h"
#include "util/config.h"

struct store;

/** Names of the cursors kept with the store's sync_get / sync_put. */
#define SHEETS_CUR_METADATA "metadata_seq" /* events up to this seq are in the Metadata sheet */
#define SHEETS_CUR_ROWS "ops_seq"          /* tracking cells written for events up to here */
#define SHEETS_LAST_PUSH "last_push_at"    /* unix seconds of the last complete push */
#define SHEETS_LAST_PULL "last_pull_at"    /* unix seconds of the last complete pull */

/** One push or pull session: the client, the store and what the sync remembers between
 *  cycles (never a row or column position it writes to). Storage the caller owns. */
typedef struct sheets_ctx {
    sync_client_t *client; /* borrowed */
    struct store *store;   /* borrowed */
    int metadata_uncertain; /* 1: read the sheet's last ids back before appending (at start,
                               and after an append whose outcome is unknown) */
    int key_guess[3];       /* column letters read with the header row (verified each read) */
    int64_t conflicts;      /* tracking cells a person changed, put back, since start */
} sheets_ctx_t;

/** What one push cycle did. */
typedef struct sheets_push_result {
    size_t events_appended, events_confirmed, cells_written, rows_appended;
    size_t rows_deleted; /* Uniones rows of unions deleted in ZEUES */
    int more; /* events are still pending (the batch was full) */
} sheets_push_result_t;

/** Sets up ctx for a client and store (both borrowed). */
void sheets_ctx_init(sheets_ctx_t *ctx, sync_client_t *client, struct store *st);

/** One push cycle (see the top of this file). SYNC_OK or a sync_kind_t with e filled; a
 *  store failure is SYNC_E_RETRY with its message. */
int sheets_push_once(sheets_ctx_t *ctx, sheets_push_result_t *r, sync_err_t *e);
/** One pull (see the top). A sheet whose header row lacks a required column stops the pull
 *  with SYNC_E_BAD_RANGE and a message naming it; nothing is changed then. */
int sheets_pull_once(sheets_ctx_t *ctx, sync_err_t *e);
/** Creates the missing sheets of the five, writes the header row of each sheet that has none
 *  (the store's layout), fills empty Trabajadores/Roles sheets and appends the spools and
 *  unions the sheet lacks. Metadata rows are left to the push. */
int sheets_init(sheets_ctx_t *ctx, sync_err_t *e);
/** Events not yet in the Metadata sheet, and the age in seconds of the oldest of them at now
 *  (0 when none). ZE_OK or a store error. */
int sheets_pending(struct store *st, int64_t now, int64_t *events, int64_t *behind_s);

/* ---- the worker inside the server ---- */

typedef struct sheets_sync sheets_sync_t;

/** Starts the worker when cfg has a key and a sheet id: NULL without them (sync off, *err
 *  empty). When the key file cannot be used the message is in err and the object returned
 *  runs nothing but reports that error in health. NULL with err set only when the thread
 *  cannot start. Never talks to Google on the caller's thread. cfg and st are borrowed and
 *  must outlive the worker. */
sheets_sync_t *sheets_sync_start(const config_t *cfg, struct store *st, char *err, size_t n);
/** Stops the worker (an in-flight request ends within its timeout) and frees it. NULL ok. */
void sheets_sync_stop(sheets_sync_t *s);
/** The sync's state for /api/health: {"state": "off"} for NULL, else state, last push and
 *  pull, events pending, how far behind, last error. New reference. Thread-safe. */
json_t *sheets_sync_health(sheets_sync_t *s, struct store *st, int64_t now);

#endif
