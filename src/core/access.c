/* The authentication modes, route roles and the access decision (see access.h). */
#include "core/access.h"

#include <string.h>
#include <strings.h>

#include "core/errors.h"
#include "core/names.h"

int access_mode_parse(const char *name, access_mode_t *out)
{
    if (strcmp(name, "off") == 0) *out = ACCESS_OFF;
    else if (strcmp(name, "devices") == 0) *out = ACCESS_DEVICES;
    else if (strcmp(name, "devices+pin") == 0) *out = ACCESS_DEVICES_PIN;
    else return -1;
    return 0;
}

const char *access_mode_name(access_mode_t mode)
{
    return mode == ACCESS_DEVICES_PIN ? "devices+pin" : mode == ACCESS_DEVICES ? "devices" : "off";
}

const char *access_role_name(access_role_t role)
{
    switch (role) {
    case ACCESS_PUBLIC: return "public";
    case ACCESS_READ: return "read";
    case ACCESS_WORKER: return "worker";
    case ACCESS_INSPECTOR: return "inspector";
    case ACCESS_SUPERVISOR: return "supervisor";
    case ACCESS_CONSOLE: return "console";
    }
    return "supervisor";
}

int access_decide(access_mode_t mode, access_role_t role, access_cred_t cred)
{
    if (role == ACCESS_PUBLIC) return ZE_OK;
    if (role == ACCESS_CONSOLE) {
        if (cred == ACCESS_CRED_SUPERVISOR) return ZE_OK;
        return cred == ACCESS_CRED_DEVICE ? ZE_FORBIDDEN : ZE_UNAUTHORIZED;
    }
    if (mode == ACCESS_OFF || cred == ACCESS_CRED_SUPERVISOR) return ZE_OK;
    if (cred != ACCESS_CRED_DEVICE) return ZE_UNAUTHORIZED;
    /* A tablet acts for the workers at it; supervisor tools need a supervisor's sign-in. */
    if (role == ACCESS_SUPERVISOR) return ZE_FORBIDDEN;
    return ZE_OK;
}

int access_pin_needed(access_mode_t mode, access_role_t role, access_cred_t cred)
{
    return mode == ACCESS_DEVICES_PIN && (role == ACCESS_WORKER || role == ACCESS_INSPECTOR) &&
           cred != ACCESS_CRED_SUPERVISOR;
}

int access_pin_check(const char *pin)
{
    size_t len = strlen(pin);
    if (len < 4 || len > 6) return -1;
    for (size_t i = 0; i < len; i++)
        if (pin[i] < '0' || pin[i] > '9') return -1;
    return 0;
}

static int token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* Copies the len bytes at p into out as a token: 1, or -1 when they are not one. */
static int copy_token(const char *p, size_t len, char *out, size_t n)
{
    if (len == 0 || len > ACCESS_TOKEN_MAX || len >= n) return -1;
    for (size_t i = 0; i < len; i++)
        if (!token_char(p[i])) return -1;
    memcpy(out, p, len);
    out[len] = '\0';
    return 1;
}

int access_token_from_headers(const char *authorization, const char *cookie, char *out,
                              size_t n)
{
    if (authorization) {
        const char *a = authorization;
        while (*a == ' ') a++;
        if (strncasecmp(a, "Bearer", 6) == 0 && (a[6] == ' ' || a[6] == '\0')) {
            a += 6;
            while (*a == ' ') a++;
            size_t len = strlen(a);
            while (len > 0 && a[len - 1] == ' ') len--;
            return copy_token(a, len, out, n);
        }
    }
    return access_cookie_token(cookie, ACCESS_COOKIE, out, n);
}

int access_cookie_token(const char *cookie, const char *name, char *out, size_t n)
{
    if (!cookie) return 0;
    const size_t nl = strlen(name);
    for (const char *p = cookie; *p;) {
        while (*p == ' ' || *p == ';') p++;
        size_t len = strcspn(p, ";");
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = len - nl - 1;
            while (vl > 0 && p[nl + 1 + vl - 1] == ' ') vl--;
            return copy_token(p + nl + 1, vl, out, n);
        }
        p += len;
    }
    return 0;
}

int access_code_normalize(const char *in, char *out, size_t n)
{
    if (n < ACCESS_CODE_LEN + 1) return -1;
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-') continue;
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (!strchr(ACCESS_CODE_ALPHABET, c) || c == '\0' || o >= ACCESS_CODE_LEN) return -1;
        out[o++] = c;
    }
    if (o != ACCESS_CODE_LEN) return -1;
    out[o] = '\0';
    return 0;
}

int access_device_name_check(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > ACCESS_DEVICE_NAME_MAX) return -1;
    if (name[0] == ' ' || name[len - 1] == ' ') return -1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) return -1;
    return names_utf8_valid(name, len) ? 0 : -1;
}
