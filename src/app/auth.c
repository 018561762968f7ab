/* Device enrolment and the per-request check (see auth.h). Codes come from an alphabet without
 * look-alike characters, drawn uniformly with randombytes_uniform; tokens are 32 random bytes.
 * Both are stored as BLAKE2b-256 hashes (crypto_generichash) under distinct keys, so a stolen
 * database gives neither a working token nor a usable code, and lookups are by hash: the
 * comparison of a secret the client sends is never a byte-by-byte compare of the secret. */
#include "app/auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "util/log.h"

#define LOG_MODULE "auth"

int auth_init(void) { return sodium_init() < 0 ? -1 : 0; }

access_mode_t auth_mode(const app_t *app)
{
    access_mode_t m = ACCESS_OFF;
    if (app->cfg && access_mode_parse(app->cfg->auth, &m) != 0) m = ACCESS_OFF;
    return m;
}

/* hex(BLAKE2b-256(secret) keyed with domain) into hex (STORE_HASH_HEX bytes). The domain keeps
 * a code's hash from ever matching a token's. */
static void secret_hash(const char *domain, const char *secret, char *hex)
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret),
                       (const unsigned char *)domain, strlen(domain));
    sodium_bin2hex(hex, STORE_HASH_HEX, h, sizeof h);
    sodium_memzero(h, sizeof h);
}

#define CODE_DOMAIN "zeues-enrolment-code-v1"
#define TOKEN_DOMAIN "zeues-device-token-v1"

int auth_device_add(store_t *st, const char *name, int64_t now, char *code, int64_t *expires)
{
    if (access_device_name_check(name) != 0) return ZE_VALIDATION_ERROR;
    static const char alphabet[] = ACCESS_CODE_ALPHABET;
    char raw[ACCESS_CODE_LEN + 1];
    for (int i = 0; i < ACCESS_CODE_LEN; i++)
        raw[i] = alphabet[randombytes_uniform((uint32_t)(sizeof alphabet - 1))];
    raw[ACCESS_CODE_LEN] = '\0';
    char hex[STORE_HASH_HEX];
    secret_hash(CODE_DOMAIN, raw, hex);
    *expires = now + AUTH_CODE_TTL_SECONDS;
    int rc = st->ops->device_add(st, name, hex, *expires, now);
    if (rc == ZE_OK) snprintf(code, AUTH_CODE_TEXT, "%.4s-%.4s", raw, raw + 4);
    sodium_memzero(raw, sizeof raw);
    return rc;
}

int auth_enroll(store_t *st, const char *typed_code, int64_t now, char *token, device_t *dev)
{
    char code[ACCESS_CODE_LEN + 1];
    if (access_code_normalize(typed_code, code, sizeof code) != 0) return ZE_UNAUTHORIZED;
    char code_hex[STORE_HASH_HEX], token_hex[STORE_HASH_HEX];
    secret_hash(CODE_DOMAIN, code, code_hex);
    sodium_memzero(code, sizeof code);
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2base64(token, AUTH_TOKEN_TEXT, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bytes, sizeof bytes);
    secret_hash(TOKEN_DOMAIN, token, token_hex);
    int rc = st->ops->device_enroll(st, code_hex, token_hex, now, dev);
    if (rc == ZE_DEVICE_NO_ENCONTRADO) rc = ZE_UNAUTHORIZED;
    if (rc != ZE_OK) sodium_memzero(token, AUTH_TOKEN_TEXT);
    else LOG_INFO("device '%s' enrolled", dev->name);
    return rc;
}

int auth_request(const app_t *app, access_role_t role, const char *authorization,
                 const char *cookie, char *device, const char **why)
{
    device[0] = '\0';
    *why = "";
    access_mode_t mode = auth_mode(app);
    if (access_decide(mode, role, ACCESS_CRED_NONE) == ZE_OK)
        return ZE_OK; /* nothing to check: mode off or a public route */
    char token[ACCESS_TOKEN_MAX + 1];
    int found = access_token_from_headers(authorization, cookie, token, sizeof token);
    access_cred_t cred = found == 0 ? ACCESS_CRED_NONE : ACCESS_CRED_INVALID;
    device_t d;
    if (found == 1) {
        char hex[STORE_HASH_HEX];
        secret_hash(TOKEN_DOMAIN, token, hex);
        sodium_memzero(token, sizeof token);
        int rc = app->store->ops->device_by_token(app->store, hex, &d);
        if (rc == ZE_STORE_UNAVAILABLE) {
            *why = "La base de datos no está disponible: no se pudo verificar el dispositivo. "
                   "Intenta nuevamente.";
            return rc;
        }
        if (rc == ZE_OK && d.revoked_at == 0) cred = ACCESS_CRED_DEVICE;
    }
    int rc = access_decide(mode, role, cred);
    if (rc == ZE_UNAUTHORIZED) {
        *why = cred == ACCESS_CRED_NONE
                   ? "Este dispositivo no está enrolado: abre /app/enroll e ingresa el código "
                     "que te dio el supervisor."
                   : "La credencial de este dispositivo no es válida o fue revocada: pide un "
                     "código nuevo al supervisor y enrólalo en /app/enroll.";
        return rc;
    }
    if (rc == ZE_FORBIDDEN) {
        *why = "Esta acción es solo para supervisores: un dispositivo enrolado no puede "
               "realizarla.";
        return rc;
    }
    if (cred == ACCESS_CRED_DEVICE) {
        snprintf(device, ACCESS_DEVICE_NAME_MAX + 1, "%s", d.name);
        int64_t now = app_now(app);
        if (now - d.last_seen >= AUTH_TOUCH_SECONDS &&
            app->store->ops->device_touch(app->store, d.id, now) != ZE_OK)
            LOG_WARN("device '%s': last seen not updated", d.name);
    }
    return ZE_OK;
}
