/* The PEM files of --tls-cert / --tls-key (see tls_files.h). */
#include "http/tls_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/alloc.h"

#define PEM_MAX (1024 * 1024)

/* The whole of a PEM file as a NUL-terminated string (caller frees); NULL with err set. Read
 * into one buffer of the file's size, so no copy of a key is left behind in freed memory (a
 * growing buffer would leave one at each move); a refused file's bytes are wiped. */
static char *read_pem(const char *path, const char *what, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open '%s'", what, path);
        return NULL;
    }
    setvbuf(f, NULL, _IONBF, 0); /* straight into out: no stdio buffer holding key bytes */
    struct stat st;
    char *out = NULL;
    size_t n = 0;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        st.st_size < PEM_MAX) {
        out = xmalloc((size_t)st.st_size + 1);
        n = fread(out, 1, (size_t)st.st_size, f);
        out[n] = '\0';
    }
    int bad = !out || ferror(f) || n == 0 || !memmem(out, n, "-----BEGIN ", 11);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: '%s' is not a PEM file", what, path);
        if (out) explicit_bzero(out, n);
        free(out);
        return NULL;
    }
    *len = n;
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
        explicit_bzero(t->key, t->key_len);
        free(t->key);
    }
    *t = (tls_files_t){0};
}
