/* Device enrolment, supervisor sign-in and the per-request check (see auth.h). Codes come from
 * an alphabet without look-alike characters, drawn uniformly with randombytes_uniform; device
 * and session tokens are 32 random bytes. They are stored as BLAKE2b-256 hashes
 * (crypto_generichash) under distinct keys, so a stolen database gives neither a working token
 * nor a usable code, and lookups are by hash: the comparison of a secret the client sends is
 * never a byte-by-byte compare of the secret. Passwords, which people choose and which are
 * therefore guessable offline, are stored as Argon2id hashes (crypto_pwhash_str) and checked
 * with crypto_pwhash_str_verify, itself constant-time. */
#include "app/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/attempts.h"
#include "core/errors.h"
#include "core/pin_event.h"
#include "util/log.h"
#include "util/uuid.h"

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
#define SESSION_DOMAIN "zeues-supervisor-session-v1"

/* A fresh 32-byte token as unpadded base64url into token (AUTH_TOKEN_TEXT bytes). */
static void new_token(char *token)
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2base64(token, AUTH_TOKEN_TEXT, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bytes, sizeof bytes);
}

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

static int enroll(store_t *st, const char *typed_code, int64_t now, char *token, device_t *dev);

/* Wrong enrolment codes per client address (in this process). */
static attempts_t *enroll_attempts;
static pthread_once_t enroll_once = PTHREAD_ONCE_INIT;
static void enroll_init(void) { enroll_attempts = attempts_new(); }
static const throttle_rule_t enroll_rule = {.free_failures = AUTH_ENROLL_FREE,
                                            .max_delay = AUTH_ENROLL_MAX_WAIT};

int auth_enroll(store_t *st, const char *client, const char *typed_code, int64_t now,
                char *token, device_t *dev, int64_t *retry_after)
{
    pthread_once(&enroll_once, enroll_init);
    *retry_after = attempts_wait(enroll_attempts, client, &enroll_rule, now);
    if (*retry_after > 0) return ZE_TOO_MANY_ATTEMPTS;
    int rc = enroll(st, typed_code, now, token, dev);
    if (rc == ZE_UNAUTHORIZED) {
        attempts_fail(enroll_attempts, client, now);
        LOG_WARN("device enrolment from %s refused (unknown, used or expired code)",
                 client[0] ? client : "an unknown address");
    } else if (rc == ZE_OK) {
        attempts_clear(enroll_attempts, client);
    }
    return rc;
}

static int enroll(store_t *st, const char *typed_code, int64_t now, char *token, device_t *dev)
{
    char code[ACCESS_CODE_LEN + 1];
    if (access_code_normalize(typed_code, code, sizeof code) != 0) return ZE_UNAUTHORIZED;
    char code_hex[STORE_HASH_HEX], token_hex[STORE_HASH_HEX];
    secret_hash(CODE_DOMAIN, code, code_hex);
    sodium_memzero(code, sizeof code);
    new_token(token);
    secret_hash(TOKEN_DOMAIN, token, token_hex);
    int rc = st->ops->device_enroll(st, code_hex, token_hex, now, dev);
    if (rc == ZE_DEVICE_NO_ENCONTRADO) rc = ZE_UNAUTHORIZED;
    if (rc != ZE_OK) sodium_memzero(token, AUTH_TOKEN_TEXT);
    else LOG_INFO("device '%s' enrolled", dev->name);
    return rc;
}

/* The supervisor named by the session cookie in cookie into *sup: ZE_OK, ZE_NOT_FOUND (none,
 * malformed, unknown or expired) or ZE_STORE_UNAVAILABLE. */
static int session_lookup(const app_t *app, const char *cookie, supervisor_t *sup)
{
    char token[ACCESS_TOKEN_MAX + 1];
    if (access_cookie_token(cookie, ACCESS_SESSION_COOKIE, token, sizeof token) != 1)
        return ZE_NOT_FOUND;
    char hex[STORE_HASH_HEX];
    secret_hash(SESSION_DOMAIN, token, hex);
    sodium_memzero(token, sizeof token);
    return app->store->ops->session_get(app->store, hex, app_now(app), sup, NULL);
}

/* The device of the request's token into *d: 1 found and unrevoked, 0 no token, -1 a token that
 * is malformed, unknown or revoked, ZE_STORE_UNAVAILABLE. */
static int device_lookup(const app_t *app, const char *authorization, const char *cookie,
                         device_t *d)
{
    char token[ACCESS_TOKEN_MAX + 1];
    int found = access_token_from_headers(authorization, cookie, token, sizeof token);
    if (found != 1) return found;
    char hex[STORE_HASH_HEX];
    secret_hash(TOKEN_DOMAIN, token, hex);
    sodium_memzero(token, sizeof token);
    int rc = app->store->ops->device_by_token(app->store, hex, d);
    if (rc == ZE_STORE_UNAVAILABLE) return rc;
    return rc == ZE_OK && d->revoked_at == 0 ? 1 : -1;
}

static const char STORE_DOWN_WHY[] = "La base de datos no está disponible: no se pudo verificar "
                                     "la credencial. Intenta nuevamente.";

int auth_request(const app_t *app, access_role_t role, const char *authorization,
                 const char *cookie, auth_who_t *who, const char **why)
{
    who->device[0] = who->supervisor[0] = '\0';
    who->device_id = 0;
    who->pin_needed = 0;
    *why = "";
    access_mode_t mode = auth_mode(app);
    if (access_decide(mode, role, ACCESS_CRED_NONE) == ZE_OK)
        return ZE_OK; /* nothing to check: mode off or a public route */
    access_cred_t cred = ACCESS_CRED_NONE;
    supervisor_t sup;
    int src = session_lookup(app, cookie, &sup);
    if (src == ZE_STORE_UNAVAILABLE) {
        *why = STORE_DOWN_WHY;
        return src;
    }
    device_t d;
    int found = device_lookup(app, authorization, cookie, &d);
    if (found == ZE_STORE_UNAVAILABLE) {
        *why = STORE_DOWN_WHY;
        return found;
    }
    if (found == 1) cred = ACCESS_CRED_DEVICE;
    else if (found == -1) cred = ACCESS_CRED_INVALID;
    if (src == ZE_OK) cred = ACCESS_CRED_SUPERVISOR;
    int rc = access_decide(mode, role, cred);
    if (rc == ZE_UNAUTHORIZED) {
        if (role == ACCESS_CONSOLE)
            *why = "Esta acción necesita un supervisor con sesión iniciada: ingresa en "
                   "/app/login.";
        else
            *why = cred == ACCESS_CRED_NONE
                       ? "Este dispositivo no está enrolado: abre /app/enroll e ingresa el "
                         "código que te dio el supervisor."
                       : "La credencial de este dispositivo no es válida o fue revocada: pide "
                         "un código nuevo al supervisor y enrólalo en /app/enroll.";
        return rc;
    }
    if (rc == ZE_FORBIDDEN) {
        *why = "Esta acción es solo para supervisores: un dispositivo enrolado no puede "
               "realizarla; un supervisor ingresa en /app/login.";
        return rc;
    }
    if (cred == ACCESS_CRED_SUPERVISOR) snprintf(who->supervisor, sizeof who->supervisor, "%s",
                                                 sup.name);
    who->pin_needed = access_pin_needed(mode, role, cred);
    if (found == 1) {
        snprintf(who->device, sizeof who->device, "%s", d.name);
        who->device_id = d.id;
        int64_t now = app_now(app);
        if (now - d.last_seen >= AUTH_TOUCH_SECONDS &&
            app->store->ops->device_touch(app->store, d.id, now) != ZE_OK)
            LOG_WARN("device '%s': last seen not updated", d.name);
    }
    return ZE_OK;
}

int auth_whoami(const app_t *app, const char *authorization, const char *cookie,
                auth_who_t *who)
{
    who->device[0] = who->supervisor[0] = '\0';
    who->device_id = 0;
    who->pin_needed = 0;
    supervisor_t sup;
    int rc = session_lookup(app, cookie, &sup);
    if (rc == ZE_STORE_UNAVAILABLE) return rc;
    if (rc == ZE_OK) snprintf(who->supervisor, sizeof who->supervisor, "%s", sup.name);
    device_t d;
    int found = device_lookup(app, authorization, cookie, &d);
    if (found == ZE_STORE_UNAVAILABLE) return found;
    if (found == 1) {
        snprintf(who->device, sizeof who->device, "%s", d.name);
        who->device_id = d.id;
    }
    return ZE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Supervisors                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* One Argon2id computation at a time in the process: each needs
 * crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MB), so concurrent sign-ins cannot multiply that. */
static pthread_mutex_t pwhash_mu = PTHREAD_MUTEX_INITIALIZER;

/* Failed sign-ins per supervisor name (in this process). */
static attempts_t *signin_attempts;
/* A hash of a random password, verified against when the name is unknown, so that an unknown
 * name takes as long to refuse as a wrong password (no enumeration of accounts by timing). */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t signin_once = PTHREAD_ONCE_INIT;

static int pwhash(const char *password, char *out)
{
    pthread_mutex_lock(&pwhash_mu);
    int rc = crypto_pwhash_str(out, password, strlen(password),
                               crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    pthread_mutex_unlock(&pwhash_mu);
    return rc;
}

static int pwverify(const char *hash, const char *password)
{
    pthread_mutex_lock(&pwhash_mu);
    int rc = crypto_pwhash_str_verify(hash, password, strlen(password));
    pthread_mutex_unlock(&pwhash_mu);
    return rc;
}

static void signin_init(void)
{
    signin_attempts = attempts_new();
    char pw[AUTH_TOKEN_TEXT];
    new_token(pw);
    if (pwhash(pw, dummy_hash) != 0) dummy_hash[0] = '\0';
    sodium_memzero(pw, sizeof pw);
}

int auth_supervisor_set(store_t *st, const char *name, const char *password, int64_t now,
                        int *created)
{
    size_t len = strlen(password);
    if (access_device_name_check(name) != 0 || len < AUTH_PASSWORD_MIN ||
        len > AUTH_PASSWORD_MAX)
        return ZE_VALIDATION_ERROR;
    char hash[crypto_pwhash_STRBYTES];
    if (pwhash(password, hash) != 0) return ZE_INTERNAL_SERVER_ERROR;
    int rc = st->ops->supervisor_put(st, name, hash, now, created);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

static const throttle_rule_t signin_rule = {.free_failures = AUTH_SIGNIN_FREE,
                                            .max_delay = AUTH_SIGNIN_MAX_WAIT};

int auth_sign_in(const app_t *app, const char *name, const char *password, char *token,
                 char *name_out, int64_t *expires, int64_t *retry_after)
{
    pthread_once(&signin_once, signin_init);
    int64_t now = app_now(app);
    *retry_after = attempts_wait(signin_attempts, name, &signin_rule, now);
    if (*retry_after > 0) return ZE_TOO_MANY_ATTEMPTS;
    supervisor_t sup;
    int rc = app->store->ops->supervisor_get(app->store, name, &sup);
    if (rc == ZE_STORE_UNAVAILABLE) return rc;
    int ok = 0;
    if (strlen(password) <= AUTH_PASSWORD_MAX) {
        if (rc == ZE_OK) ok = pwverify(sup.pw_hash, password) == 0;
        else if (dummy_hash[0]) (void)pwverify(dummy_hash, password);
    }
    if (rc == ZE_OK) sodium_memzero(sup.pw_hash, sizeof sup.pw_hash);
    if (!ok) {
        /* Counted from when the refusal goes out, not from when the request came in: the
         * verification itself may have taken a while on a busy machine. */
        attempts_fail(signin_attempts, name, app_now(app));
        LOG_WARN("supervisor sign-in refused (wrong name or password)");
        return ZE_UNAUTHORIZED;
    }
    attempts_clear(signin_attempts, name);
    new_token(token);
    char hex[STORE_HASH_HEX];
    secret_hash(SESSION_DOMAIN, token, hex);
    *expires = now + AUTH_SESSION_SECONDS;
    rc = app->store->ops->session_add(app->store, sup.id, hex, *expires, now);
    if (rc != ZE_OK) {
        sodium_memzero(token, AUTH_TOKEN_TEXT);
        return rc == ZE_NOT_FOUND ? ZE_UNAUTHORIZED : ZE_STORE_UNAVAILABLE;
    }
    snprintf(name_out, ACCESS_DEVICE_NAME_MAX + 1, "%s", sup.name);
    LOG_INFO("supervisor '%s' signed in", sup.name);
    return ZE_OK;
}

int auth_sign_out(const app_t *app, const char *cookie, const char *name, int *ended)
{
    *ended = 0;
    char token[ACCESS_TOKEN_MAX + 1];
    if (access_cookie_token(cookie, ACCESS_SESSION_COOKIE, token, sizeof token) != 1)
        return ZE_OK;
    char hex[STORE_HASH_HEX];
    secret_hash(SESSION_DOMAIN, token, hex);
    sodium_memzero(token, sizeof token);
    supervisor_t sup;
    int rc = app->store->ops->session_get(app->store, hex, app_now(app), &sup, NULL);
    if (rc == ZE_NOT_FOUND) return ZE_OK;
    if (rc != ZE_OK) return rc;
    if (strcmp(sup.name, name) != 0) return ZE_OK;
    rc = app->store->ops->session_end(app->store, hex);
    if (rc == ZE_OK) {
        *ended = 1;
        LOG_INFO("supervisor '%s' signed out", sup.name);
    }
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Worker PINs                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Wrong PINs per device (in this process); the per-worker count is in the store. */
static attempts_t *pin_device_attempts;
static pthread_once_t pin_once = PTHREAD_ONCE_INIT;
/* One PIN check at a time: the throttle read, the verification and the recorded outcome form
 * one step, so parallel guesses cannot all pass the count before the first is recorded. */
static pthread_mutex_t pin_mu = PTHREAD_MUTEX_INITIALIZER;

static void pin_init(void) { pin_device_attempts = attempts_new(); }

static const throttle_rule_t pin_worker_rule = {.free_failures = AUTH_PIN_FREE,
                                                .max_delay = AUTH_PIN_MAX_WAIT};
static const throttle_rule_t pin_device_rule = {.free_failures = AUTH_PIN_DEVICE_FREE,
                                                .max_delay = AUTH_PIN_MAX_WAIT};

static void new_event_id(const app_t *app, char *out)
{
    if (app->new_id) app->new_id(out);
    else uuid4(out);
}

int auth_pin_set(store_t *st, int64_t worker_id, const char *pin, int64_t now)
{
    if (access_pin_check(pin) != 0) return ZE_VALIDATION_ERROR;
    worker_t w;
    int rc = st->ops->worker_get(st, worker_id, &w);
    if (rc == ZE_STORE_UNAVAILABLE) return rc;
    if (rc != ZE_OK) return ZE_WORKER_NO_ENCONTRADO;
    char hash[crypto_pwhash_STRBYTES];
    if (pwhash(pin, hash) != 0) return ZE_INTERNAL_SERVER_ERROR;
    rc = st->ops->pin_set(st, worker_id, hash, now, NULL, 0);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int auth_pin_verify(const app_t *app, const auth_who_t *who, int64_t worker_id, const char *pin,
                    int64_t *retry_after, int *left)
{
    pthread_once(&pin_once, pin_init);
    *retry_after = 0;
    *left = 0;
    store_t *st = app->store;
    worker_t w;
    int rc = st->ops->worker_get(st, worker_id, &w);
    if (rc == ZE_STORE_UNAVAILABLE) return rc;
    if (rc != ZE_OK || !w.activo) return ZE_WORKER_NO_ENCONTRADO;
    char dev_key[32];
    snprintf(dev_key, sizeof dev_key, "device:%lld", (long long)who->device_id);
    pthread_mutex_lock(&pin_mu);
    pin_state_t p;
    rc = st->ops->pin_get(st, worker_id, &p);
    if (rc == ZE_NOT_FOUND) rc = ZE_PIN_NOT_SET;
    if (rc != ZE_OK) goto out;
    if (p.locked_at) {
        rc = ZE_PIN_LOCKED;
        goto out;
    }
    int64_t now = app_now(app);
    int64_t ww = throttle_wait(&pin_worker_rule, p.failures, p.last_failure, now);
    int64_t dw = attempts_wait(pin_device_attempts, dev_key, &pin_device_rule, now);
    *retry_after = ww > dw ? ww : dw;
    if (*retry_after > 0) {
        rc = ZE_TOO_MANY_ATTEMPTS;
        goto out;
    }
    /* An over-long input is not hashed (access_pin_check bounds it); it is a wrong PIN. */
    int ok = access_pin_check(pin) == 0 && pwverify(p.pin_hash, pin) == 0;
    now = app_now(app);
    event_rec_t ev;
    char id[UUID_STR_LEN];
    new_event_id(app, id);
    pin_event_lock(&ev, id, now, &w, p.failures + 1, who->device);
    pin_state_t after;
    rc = st->ops->pin_attempt(st, worker_id, who->device_id, ok, now,
                              now + AUTH_PIN_SESSION_SECONDS, AUTH_PIN_LOCK_AFTER, &ev, &after);
    if (rc == ZE_NOT_FOUND) rc = ZE_PIN_NOT_SET;
    if (rc != ZE_OK) goto out;
    if (ok) {
        attempts_clear(pin_device_attempts, dev_key);
        goto out;
    }
    attempts_fail(pin_device_attempts, dev_key, now);
    if (after.locked_at) {
        LOG_WARN("worker %lld: PIN locked out after %d wrong PINs (device '%s')",
                 (long long)worker_id, after.failures, who->device);
        rc = ZE_PIN_LOCKED;
    } else {
        *left = AUTH_PIN_LOCK_AFTER - after.failures;
        *retry_after = throttle_wait(&pin_worker_rule, after.failures, after.last_failure, now);
        rc = ZE_PIN_INVALID;
    }
out:
    sodium_memzero(p.pin_hash, sizeof p.pin_hash);
    pthread_mutex_unlock(&pin_mu);
    return rc;
}

int auth_pin_check(const app_t *app, int64_t device_id, int64_t worker_id)
{
    store_t *st = app->store;
    int rc = st->ops->pin_session_check(st, device_id, worker_id, app_now(app));
    if (rc != ZE_NOT_FOUND) return rc;
    pin_state_t p;
    rc = st->ops->pin_get(st, worker_id, &p);
    sodium_memzero(p.pin_hash, sizeof p.pin_hash);
    if (rc == ZE_NOT_FOUND) return ZE_PIN_NOT_SET;
    if (rc != ZE_OK) return rc;
    return p.locked_at ? ZE_PIN_LOCKED : ZE_PIN_REQUIRED;
}

int auth_pin_unlock(const app_t *app, int64_t worker_id, const char *by, const char *reason,
                    const char *device, int *was_locked)
{
    *was_locked = 0;
    if (!by || !*by || !reason || !*reason) return ZE_VALIDATION_ERROR;
    store_t *st = app->store;
    worker_t w;
    int rc = st->ops->worker_get(st, worker_id, &w);
    if (rc == ZE_STORE_UNAVAILABLE) return rc;
    if (rc != ZE_OK) return ZE_WORKER_NO_ENCONTRADO;
    pthread_mutex_lock(&pin_mu);
    pin_state_t p;
    rc = st->ops->pin_get(st, worker_id, &p);
    if (rc == ZE_NOT_FOUND) rc = ZE_PIN_NOT_SET;
    if (rc == ZE_OK) {
        *was_locked = p.locked_at != 0;
        event_rec_t ev;
        char id[UUID_STR_LEN];
        new_event_id(app, id);
        int64_t now = app_now(app);
        pin_event_unlock(&ev, id, now, &w, by, reason, device);
        rc = st->ops->pin_set(st, worker_id, p.pin_hash, now, &ev, 1);
        if (rc == ZE_OK) LOG_INFO("worker %lld: PIN lock-out lifted by supervisor '%s'",
                                  (long long)worker_id, by);
    }
    sodium_memzero(p.pin_hash, sizeof p.pin_hash);
    pthread_mutex_unlock(&pin_mu);
    return rc;
}
