/* The service-account key file and the OAuth token made from it (reference google-sheets.md
 * §1): the JSON key (client_email, private_key, private_key_id, token_uri), the RS256
 * signature of the JWT assertion with OpenSSL's EVP interface, and the token exchange. */
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sheets_jwt.h"
#include "sync/sync_int.h"
#include "util/alloc.h"

int sync__key_load(sync_key_t *k, const char *path, char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        snprintf(err, errlen, "sheets key %s: %s", path, je.text);
        return -1;
    }
    const char *email = json_string_value(json_object_get(j, "client_email"));
    const char *pem = json_string_value(json_object_get(j, "private_key"));
    const char *kid = json_string_value(json_object_get(j, "private_key_id"));
    const char *uri = json_string_value(json_object_get(j, "token_uri"));
    const char *missing = !email ? "client_email" : !pem ? "private_key" : !uri ? "token_uri" : NULL;
    if (missing) {
        snprintf(err, errlen, "sheets key %s: no %s field (a service-account JSON key has it)",
                 path, missing);
        json_decref(j);
        return -1;
    }
    BIO *bio = BIO_new_mem_buf(pem, -1);
    k->pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!k->pkey || EVP_PKEY_get_base_id(k->pkey) != EVP_PKEY_RSA) {
        snprintf(err, errlen, "sheets key %s: private_key is not an RSA key in PEM", path);
        EVP_PKEY_free(k->pkey);
        k->pkey = NULL;
        json_decref(j);
        return -1;
    }
    k->email = xstrdup(email);
    k->kid = xstrdup(kid ? kid : "");
    k->token_uri = xstrdup(uri);
    json_decref(j);
    return 0;
}

void sync__key_deinit(sync_key_t *k)
{
    EVP_PKEY_free(k->pkey);
    free(k->email);
    free(k->kid);
    free(k->token_uri);
    memset(k, 0, sizeof *k);
}

int sync__jwt_make(const sync_key_t *k, int64_t now, buf_t *out)
{
    buf_reset(out);
    sheets_jwt_signing_input(out, k->email, k->kid, SHEETS_SCOPE, k->token_uri, now);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[1024];
    size_t siglen = sizeof sig;
    int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
             EVP_DigestSign(md, sig, &siglen, (const unsigned char *)buf_str(out), out->len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) return -1;
    buf_putc(out, '.');
    sheets_b64url(out, sig, siglen);
    return 0;
}
