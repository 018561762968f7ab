/* The PEM files of --tls-cert / --tls-key (see tls_files.h). */
#include "http/tls_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"

#define PEM_MAX (1024 * 1024)

static void wipe(void *p, size_t n)
{
    volatile char *v = p;
    for (size_t i = 0; i < n; i++) v[i] = 0;
}

/* The whole of a PEM file as a NUL-terminated string (caller frees); NULL with err set. */
static char *read_pem(const char *path, const char *what, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    buf_t b = BUF_INIT;
    char chunk[4096];
    size_t n;
    if (!f) {
        snprintf(err, errlen, "%s: cannot open '%s'", what, path);
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < PEM_MAX) buf_append(&b, chunk, n);
    wipe(chunk, sizeof chunk);
    int bad = ferror(f) || b.len == 0 || b.len >= PEM_MAX || !b.data ||
              !memmem(b.data, b.len, "-----BEGIN ", 11);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: '%s' is not a PEM file", what, path);
        if (b.data) wipe(b.data, b.len);
        buf_deinit(&b);
        return NULL;
    }
    char *out = xmalloc(b.len + 1);
    memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    *len = b.len;
    wipe(b.data, b.len);
    buf_deinit(&b);
    return out;
}

int tls_files_load(tls_files_t *t, const char *cert_path, const char *key_path, char *err,
                   size_t errlen)
{
    size_t n;
    *t = (tls_files_t){0};
    t->cert = read_pem(cert_path, "ZEUES_TLS_CERT / --tls-cert", &n, err, errlen);
    if (!t->cert) return -1;
    t->key = read_pem(key_path, "ZEUES_TLS_KEY / --tls-key", &t->key_len, err, errlen);
    if (t->key) return 0;
    tls_files_free(t);
    return -1;
}

void tls_files_free(tls_files_t *t)
{
    free(t->cert);
    if (t->key) {
        wipe(t->key, t->key_len);
        free(t->key);
    }
    *t = (tls_files_t){0};
}
