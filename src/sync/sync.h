/* The Google Sheets v4 client: service-account key, OAuth token (RS256 JWT signed with
 * OpenSSL, POSTed to the key's own token_uri), and the few Sheets calls the sync makes, over
 * libcurl with timeouts (reference google-sheets.md). This directory is the only one that
 * includes libcurl and OpenSSL; this header exposes neither.
 *
 * A call sends at most one request per attempt and spends the per-minute budgets (reads and
 * writes separately) before it sends; a 401 refreshes the token and retries once. It never
 * sleeps through a backoff itself: a 429, a 5xx or a network failure comes back as
 * SYNC_E_RETRY and the caller (app/sheets_worker.c) decides when to try again (truncated
 * exponential backoff, core/sheets_backoff.h); 400/403/404 and token refusals come back as
 * errors that need a person. A client is used by one thread at a time. */
#ifndef ZEUES_SYNC_SYNC_H
#define ZEUES_SYNC_SYNC_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sync_kind {
    SYNC_OK = 0,
    SYNC_E_RETRY = -1,     /* 429, 5xx, timeout, connection refused: try again later */
    SYNC_E_AUTH = -2,      /* the token endpoint refused the key (invalid_grant, ...) */
    SYNC_E_DENIED = -3,    /* 403: the sheet is not shared with the service account */
    SYNC_E_NOT_FOUND = -4, /* 404: no spreadsheet with that id */
    SYNC_E_BAD_RANGE = -5, /* 400: a sheet is missing or renamed (Unable to parse range) or the
                              request was refused as invalid */
    SYNC_E_STOPPED = -6,   /* the wait for the budget was interrupted by shutdown */
    SYNC_E_CONFIG = -7     /* the key file cannot be used */
} sync_kind_t;

/** What went wrong with the last call: its kind, the HTTP status (0 = no answer) and a short
 *  text (Google's message, or curl's). */
typedef struct sync_err {
    int kind;
    long http;
    char msg[512];
} sync_err_t;

typedef struct sync_client sync_client_t;

/** Waits up to ms milliseconds; returns non-zero when the caller should stop (shutdown). */
typedef int (*sync_sleep_fn)(void *ud, int64_t ms);

typedef struct sync_opts {
    const char *key_file;      /* service-account JSON key */
    const char *sheet_id;      /* spreadsheet id */
    const char *api_url;       /* https://sheets.googleapis.com (no trailing slash needed) */
    int writes_per_min;        /* budget of write requests a minute (Google: 60 per user) */
    int reads_per_min;         /* budget of read requests a minute (Google: 60 per user) */
    long timeout_ms;           /* whole-request timeout */
    sync_sleep_fn sleep;       /* how budget waits sleep (NULL: nanosleep, never stops) */
    void *sleep_ud;
} sync_opts_t;

/** Process-wide set-up of libcurl; call once before any thread starts (main). 0 or -1. */
int sync_global_init(void);
void sync_global_deinit(void);

/** Loads the key file and prepares a client; NULL with a message in err (the file, the
 *  missing field) when the key cannot be used. Talks to nobody. Caller frees with
 *  sync_client_free. */
sync_client_t *sync_client_new(const sync_opts_t *o, char *err, size_t errlen);
void sync_client_free(sync_client_t *c);
/** The service account's address (client_email; borrowed). */
const char *sync_client_email(const sync_client_t *c);
/** Requests sent in the last minute: reads, writes. */
void sync_client_usage(sync_client_t *c, int *reads, int *writes);

/** values:batchGet of ranges (A1, not yet escaped) with UNFORMATTED_VALUE + SERIAL_NUMBER;
 *  *out gets the response's valueRanges array (new reference). */
int sync_values_batch_get(sync_client_t *c, const char *const *ranges, size_t n, json_t **out,
                          sync_err_t *e);
/** values:batchUpdate of data (an array of ValueRange; borrowed) with valueInputOption RAW in
 *  the body. */
int sync_values_batch_update(sync_client_t *c, json_t *data, sync_err_t *e);
/** values:append of rows (array of arrays; borrowed) after the table at range, RAW,
 *  INSERT_ROWS; the updatedRange Google reports goes into updated (may be NULL). */
int sync_values_append(sync_client_t *c, const char *range, json_t *rows, char *updated,
                       size_t n, sync_err_t *e);
/** spreadsheets.get of the sheets: *sheets gets a JSON array of {"title", "sheetId",
 *  "rowCount", "columnCount"} objects in sheet order (new reference). */
int sync_sheet_list(sync_client_t *c, json_t **sheets, sync_err_t *e);
/** spreadsheets.batchUpdate of requests (an array of Request objects such as addSheet,
 *  appendDimension or deleteDimension; borrowed), applied by Google all together or not at
 *  all. Sent at most once (a fresh connection, which libcurl never sends again by itself):
 *  after an error with no answer the caller must read the sheet before trying again. */
int sync_structure(sync_client_t *c, json_t *requests, sync_err_t *e);

#endif
