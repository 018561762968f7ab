/* Authentication: enrolment codes and device tokens, supervisor passwords and sign-in sessions,
 * and the per-request check that core/access decides. The secrets themselves never leave this
 * module except to the one who asked for them (the CLI prints a code, the enrolment and sign-in
 * answers carry a token): the store keeps their hashes, logs never see them. app/auth.c is the
 * only file that includes sodium.h. */
#ifndef ZEUES_APP_AUTH_H
#define ZEUES_APP_AUTH_H
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "core/access.h"
#include "store/store.h"

#define AUTH_CODE_TTL_SECONDS (24 * 3600)
/** "ABCD-EFGH" and its NUL. */
#define AUTH_CODE_TEXT (ACCESS_CODE_LEN + 2)
/** A token: 32 random bytes as unpadded base64url (43 characters) and its NUL. */
#define AUTH_TOKEN_TEXT 44
/** last_seen is written at most this often per device. */
#define AUTH_TOUCH_SECONDS 60
/** A supervisor's sign-in lasts this long (a shift and a half); sign-out ends it earlier. */
#define AUTH_SESSION_SECONDS (12 * 3600)
/** Supervisor passwords: this many bytes at least, and at most. */
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 128
/** Sign-in attempts per supervisor name: AUTH_SIGNIN_FREE failures cost nothing, then each
 *  one doubles the wait before the next attempt is heard, up to AUTH_SIGNIN_MAX_WAIT seconds. */
#define AUTH_SIGNIN_FREE 5
#define AUTH_SIGNIN_MAX_WAIT 900

/** Worker PINs (devices+pin): a right PIN lets that worker act from that tablet this long. */
#define AUTH_PIN_SESSION_SECONDS (30 * 60)
/** Wrong PINs of one worker: AUTH_PIN_FREE cost nothing, then the wait before the next one is
 *  heard doubles from 2 s; the AUTH_PIN_LOCK_AFTER-th locks the PIN out until a supervisor
 *  lifts it. Wrong PINs typed on one device (for any worker): AUTH_PIN_DEVICE_FREE free, then
 *  the same doubling, up to AUTH_PIN_MAX_WAIT. */
#define AUTH_PIN_FREE 3
#define AUTH_PIN_LOCK_AFTER 6
#define AUTH_PIN_DEVICE_FREE 5
#define AUTH_PIN_MAX_WAIT 900

/** Who a request comes from, as the access check found it. */
typedef struct auth_who {
    char device[ACCESS_DEVICE_NAME_MAX + 1];     /* enrolled device, "" when none */
    int64_t device_id;                           /* its store id, 0 when none */
    char supervisor[ACCESS_DEVICE_NAME_MAX + 1]; /* signed-in supervisor, "" when none */
    int pin_needed; /* devices+pin: the worker the request acts for must have a verified PIN
                       on this device (auth_pin_check) */
} auth_who_t;

/** Initialises the crypto library once (any thread, idempotent). 0, or -1 when it cannot. */
int auth_init(void);

/** The authentication mode of app's configuration. */
access_mode_t auth_mode(const app_t *app);

/**
 * Creates device name (or re-issues its code: see store_ops.device_add) with a fresh one-time
 * enrolment code, written as "ABCD-EFGH" into code (AUTH_CODE_TEXT bytes); *expires gets its
 * expiry (now + AUTH_CODE_TTL_SECONDS). ZE_OK, ZE_VALIDATION_ERROR for a bad name,
 * ZE_DEVICE_EXISTS, ZE_STORE_UNAVAILABLE.
 */
int auth_device_add(store_t *st, const char *name, int64_t now, char *code, int64_t *expires);

/** Wrong enrolment codes per client address: AUTH_ENROLL_FREE cost nothing, then each one
 *  doubles the wait before the next code from that address is heard, up to
 *  AUTH_ENROLL_MAX_WAIT seconds. A code has 40 bits; this keeps guessing at a few per minute. */
#define AUTH_ENROLL_FREE 10
#define AUTH_ENROLL_MAX_WAIT 300

/**
 * Exchanges a typed enrolment code (any case, spaces and '-' ignored) for a new device token,
 * written into token (AUTH_TOKEN_TEXT bytes); *dev gets the device. The code is used up.
 * client (the address, "" when unknown) is the key of the wrong-code throttle (in this
 * process). ZE_OK, ZE_UNAUTHORIZED (unknown, used, expired or revoked code; malformed),
 * ZE_TOO_MANY_ATTEMPTS (client must wait *retry_after seconds; the code was not looked at),
 * or ZE_STORE_UNAVAILABLE.
 */
int auth_enroll(store_t *st, const char *client, const char *typed_code, int64_t now,
                char *token, device_t *dev, int64_t *retry_after);

/**
 * The check that runs before every handler: in app's mode, may a request with these
 * Authorization and Cookie header values (either NULL) call a route needing role? Looks the
 * supervisor session and the device up in the store on every call (so a sign-out or a
 * revocation counts at once) and updates a device's last_seen at most every
 * AUTH_TOUCH_SECONDS. Returns ZE_OK (with *who filled: the names are "" when none was
 * needed), ZE_UNAUTHORIZED, ZE_FORBIDDEN or ZE_STORE_UNAVAILABLE; *why gets a Spanish message
 * for the error body (static storage). Thread-safe.
 */
int auth_request(const app_t *app, access_role_t role, const char *authorization,
                 const char *cookie, auth_who_t *who, const char **why);

/**
 * Creates supervisor name with password (or replaces the password of an existing one, which
 * ends its sessions), stored as an Argon2id hash (crypto_pwhash_str, interactive limits).
 * *created says which. ZE_OK, ZE_VALIDATION_ERROR (name as for devices; password not
 * AUTH_PASSWORD_MIN..AUTH_PASSWORD_MAX bytes), ZE_INTERNAL_SERVER_ERROR (no memory for the
 * hash), ZE_STORE_UNAVAILABLE.
 */
int auth_supervisor_set(store_t *st, const char *name, const char *password, int64_t now,
                        int *created);

/**
 * A supervisor's sign-in: when the name's attempts are not throttled, verifies password against
 * the stored hash (an unknown name costs the same time as a wrong password) and on success
 * stores a new session, with its token (AUTH_TOKEN_TEXT bytes, for the cookie) in token, the
 * account's name in name_out (ACCESS_DEVICE_NAME_MAX + 1 bytes) and its end in *expires.
 * ZE_OK; ZE_UNAUTHORIZED (unknown name or wrong password: one answer for both);
 * ZE_TOO_MANY_ATTEMPTS with *retry_after seconds; ZE_STORE_UNAVAILABLE. One verification runs
 * at a time in the process (each takes 64 MB for a tenth of a second). Thread-safe.
 */
int auth_sign_in(const app_t *app, const char *name, const char *password, char *token,
                 char *name_out, int64_t *expires, int64_t *retry_after);

/** Ends the session of the session cookie in cookie (may be NULL) when it is supervisor
 *  name's (a stale tab of a shared tablet must not sign out whoever signed in after it):
 *  *ended says whether it did. ZE_OK also when there was none; ZE_STORE_UNAVAILABLE. */
int auth_sign_out(const app_t *app, const char *cookie, const char *name, int *ended);

/** Who the headers name, without deciding anything (for /api/auth/session): *who filled, the
 *  names "" when absent or not valid. ZE_OK or ZE_STORE_UNAVAILABLE. */
int auth_whoami(const app_t *app, const char *authorization, const char *cookie,
                auth_who_t *who);

/**
 * Sets worker_id's PIN (4 to 6 digits), stored as an Argon2id hash; clears its failures and
 * lock-out and ends its verified sessions. ZE_OK, ZE_VALIDATION_ERROR (not a PIN),
 * ZE_WORKER_NO_ENCONTRADO, ZE_INTERNAL_SERVER_ERROR (no memory), ZE_STORE_UNAVAILABLE.
 */
int auth_pin_set(store_t *st, int64_t worker_id, const char *pin, int64_t now);

/**
 * A worker types their PIN on the device of who (an enrolled one): when neither the worker's
 * nor the device's failures make it wait, checks it; a right PIN lets the worker act from this
 * device for AUTH_PIN_SESSION_SECONDS. Returns ZE_OK; ZE_PIN_INVALID (*left = wrong PINs left
 * before the lock-out); ZE_TOO_MANY_ATTEMPTS (*retry_after seconds); ZE_PIN_LOCKED (locked out
 * now or before; the lock-out's audit event is written with it); ZE_PIN_NOT_SET;
 * ZE_WORKER_NO_ENCONTRADO; ZE_STORE_UNAVAILABLE. The PIN is never logged. Checks run one at a
 * time in the process, so parallel guesses cannot pass the count. Thread-safe.
 */
int auth_pin_verify(const app_t *app, const auth_who_t *who, int64_t worker_id, const char *pin,
                    int64_t *retry_after, int *left);

/** May the worker act from device_id now? ZE_OK, ZE_PIN_REQUIRED (no verified PIN on this
 *  device, or it expired), ZE_PIN_LOCKED, ZE_PIN_NOT_SET, ZE_STORE_UNAVAILABLE. */
int auth_pin_check(const app_t *app, int64_t device_id, int64_t worker_id);

/**
 * A supervisor lifts worker_id's PIN lock-out (the PIN stays; failures are cleared), audited
 * as PIN_DESBLOQUEADO with by, reason and device (may be NULL) in the same transaction.
 * ZE_OK (*was_locked says whether it was), ZE_PIN_NOT_SET, ZE_WORKER_NO_ENCONTRADO,
 * ZE_VALIDATION_ERROR (empty by or reason), ZE_STORE_UNAVAILABLE.
 */
int auth_pin_unlock(const app_t *app, int64_t worker_id, const char *by, const char *reason,
                    const char *device, int *was_locked);

#endif
