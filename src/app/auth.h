/* Authentication of enrolled devices: enrolment codes, device tokens and the per-request check
 * that core/access decides. The secrets themselves never leave this module except to the one
 * who asked for them (the CLI prints a code, the enrolment answer carries a token): the store
 * keeps their hashes, logs never see them. app/auth.c is the only file that includes sodium.h. */
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

/**
 * Exchanges a typed enrolment code (any case, spaces and '-' ignored) for a new device token,
 * written into token (AUTH_TOKEN_TEXT bytes); *dev gets the device. The code is used up.
 * ZE_OK, ZE_UNAUTHORIZED (unknown, used, expired or revoked code; malformed), or
 * ZE_STORE_UNAVAILABLE.
 */
int auth_enroll(store_t *st, const char *typed_code, int64_t now, char *token, device_t *dev);

/**
 * The check that runs before every handler: in app's mode, may a request with these
 * Authorization and Cookie header values (either NULL) call a route needing role? Looks the
 * device up in the store on every call (so a revocation counts at once) and updates its
 * last_seen at most every AUTH_TOUCH_SECONDS. Returns ZE_OK (with the device's name in
 * device, ACCESS_DEVICE_NAME_MAX + 1 bytes, "" when none was needed), ZE_UNAUTHORIZED,
 * ZE_FORBIDDEN or ZE_STORE_UNAVAILABLE; *why gets a Spanish message for the error body (static
 * storage). Thread-safe.
 */
int auth_request(const app_t *app, access_role_t role, const char *authorization,
                 const char *cookie, char *device, const char **why);

#endif
