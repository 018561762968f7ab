/* What the files of src/sync share: the key and the client's inner state. Includes OpenSSL
 * and libcurl types, so only src/sync/ includes this header. */
#ifndef ZEUES_SYNC_SYNC_INT_H
#define ZEUES_SYNC_SYNC_INT_H
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdint.h>

#include "core/sheets_backoff.h"
#include "sync/sync.h"
#include "util/buf.h"

typedef struct sync_key {
    char *email, *kid, *token_uri;
    EVP_PKEY *pkey;
} sync_key_t;

/** Loads the key file at path; 0, or -1 with a message in err. Release with sync__key_deinit. */
int sync__key_load(sync_key_t *k, const char *path, char *err, size_t errlen);
void sync__key_deinit(sync_key_t *k);
/** The signed assertion (header.claims.signature) for now (unix seconds) into out. 0 or -1. */
int sync__jwt_make(const sync_key_t *k, int64_t now, buf_t *out);

struct sync_client {
    sync_key_t key;
    char *sheet_id, *api_url;
    CURL *curl;
    long timeout_ms;
    char token[4096];
    int64_t token_expires; /* unix seconds; 0 = no token */
    int64_t token_refresh_at;
    sheets_budget_t reads, writes;
    sync_sleep_fn sleep;
    void *sleep_ud;
};

#endif
