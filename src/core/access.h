/* Who may call what: the authentication modes, the role each route needs, and the pure decision
 * between them (no I/O, no clock). app/auth.c runs it for every request before the handler;
 * the credential parsing and the enrolment-code rules live here too so they can be unit-tested. */
#ifndef ZEUES_CORE_ACCESS_H
#define ZEUES_CORE_ACCESS_H
#include <stddef.h>

/** `--auth`: off (no credentials, the original apps' behaviour), devices (enrolled tablets) or
 *  devices+pin (enrolled tablets, and each worker's PIN before the first action of a session
 *  on a tablet). */
typedef enum access_mode { ACCESS_OFF = 0, ACCESS_DEVICES, ACCESS_DEVICES_PIN } access_mode_t;

/** The role a route needs, one per row of the route table (http/routes.c). */
typedef enum access_role {
    ACCESS_PUBLIC = 0, /* anyone: health, enrolment, the UI's files, the API documents */
    ACCESS_READ,       /* reads of the plant's data */
    ACCESS_WORKER,     /* a worker's action on the floor (TOMAR, PAUSAR, unions, notes, ...) */
    ACCESS_INSPECTOR,  /* metrología results */
    ACCESS_SUPERVISOR, /* supervisor tools; no device credential carries this role */
    ACCESS_CONSOLE     /* the supervisor console's actions: a signed-in supervisor in EVERY
                          mode, off included, because their audit event names who did it */
} access_role_t;

/** What the request presented, as the app layer found it in the store. */
typedef enum access_cred {
    ACCESS_CRED_NONE = 0, /* no credential at all */
    ACCESS_CRED_INVALID,  /* malformed, unknown or revoked */
    ACCESS_CRED_DEVICE,   /* an enrolled, unrevoked device */
    ACCESS_CRED_SUPERVISOR /* a live supervisor session (with or without a device): every role */
} access_cred_t;

/** Name of the device credential cookie of the built-in UI. */
#define ACCESS_COOKIE "zeues_device"
/** Name of the supervisor session cookie of the built-in UI. */
#define ACCESS_SESSION_COOKIE "zeues_session"
/** Longest token text accepted from a client (ours are 43 characters). */
#define ACCESS_TOKEN_MAX 128
/** Enrolment codes: ACCESS_CODE_LEN characters of an alphabet without 0/O, 1/I/L, shown as
 *  "ABCD-EFGH" (gloves, tablet keyboards). */
#define ACCESS_CODE_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#define ACCESS_CODE_LEN 8
/** Longest device name (bytes, without the NUL). */
#define ACCESS_DEVICE_NAME_MAX 64

/** "off", "devices" or "devices+pin" into *out: 0; anything else: -1. */
int access_mode_parse(const char *name, access_mode_t *out);
/** "off" / "devices" / "devices+pin" (static storage). */
const char *access_mode_name(access_mode_t mode);
/** "public", "read", "worker", "inspector", "supervisor", "console" (static storage). */
const char *access_role_name(access_role_t role);

/**
 * The decision: ZE_OK when a request with credential cred may call a route needing role in
 * mode; ZE_UNAUTHORIZED (401) when it presented no valid credential; ZE_FORBIDDEN (403) when
 * its credential does not carry the role. With mode off everything is allowed but the console
 * (ACCESS_CONSOLE needs a supervisor session in every mode). A supervisor session carries
 * every role; a device every role but supervisor and console.
 */
int access_decide(access_mode_t mode, access_role_t role, access_cred_t cred);

/**
 * Finds the device token of a request: `Authorization: Bearer TOKEN` first, else the
 * ACCESS_COOKIE cookie. Either header may be NULL. Returns 1 with the token in out (n bytes),
 * 0 when neither carries one, -1 when one is there but malformed (empty, longer than
 * ACCESS_TOKEN_MAX, or characters outside [A-Za-z0-9_-]).
 */
int access_token_from_headers(const char *authorization, const char *cookie, char *out,
                              size_t n);

/**
 * The value of cookie name in a Cookie header (may be NULL) as a token, like
 * access_token_from_headers: 1 with it in out (n bytes), 0 when absent, -1 when malformed.
 */
int access_cookie_token(const char *cookie, const char *name, char *out, size_t n);

/**
 * Normalises a typed enrolment code: ASCII letters upper-cased, spaces and '-' dropped. 0 with
 * ACCESS_CODE_LEN characters of ACCESS_CODE_ALPHABET in out (n >= ACCESS_CODE_LEN + 1), -1
 * for anything else.
 */
int access_code_normalize(const char *in, char *out, size_t n);

/** Whether a request in mode, to a route needing role, from a request that presented cred,
 *  must also carry a verified PIN of the worker it acts for: devices+pin, a worker or
 *  inspector route, and no supervisor session (a supervisor answers for what they do). */
int access_pin_needed(access_mode_t mode, access_role_t role, access_cred_t cred);

/** A PIN is 4 to 6 ASCII digits: 0 when pin is one, else -1. */
int access_pin_check(const char *pin);

/** A device name is 1..ACCESS_DEVICE_NAME_MAX bytes of valid UTF-8 without control
 *  characters, not starting or ending with a space. 0 when valid, else -1. */
int access_device_name_check(const char *name);

#endif
