/* The certificate and key of --tls-cert / --tls-key, read whole into memory for the HTTP
 * library (libmicrohttpd keeps pointers to them while its daemon runs). The key's bytes are
 * wiped when freed, and reading them leaves no other copy behind. */
#ifndef ZEUES_HTTP_TLS_FILES_H
#define ZEUES_HTTP_TLS_FILES_H
#include <stddef.h>

typedef struct tls_files {
    char *cert, *key; /* NUL-terminated PEM text; NULL when not loaded */
    size_t key_len;
} tls_files_t;

/** Reads both PEM files (regular files under 1 MiB, each holding a "-----BEGIN " line).
 *  Returns 0, or -1 with a message naming the setting and the file in err (nothing stays
 *  loaded). */
int tls_files_load(tls_files_t *t, const char *cert_path, const char *key_path, char *err,
                   size_t errlen);

/** Frees both, wiping the key first. Idempotent. */
void tls_files_free(tls_files_t *t);

#endif
