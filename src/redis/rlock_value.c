/* The lock value and token codec (see rlock.h): pure string functions, no Redis. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "redis/rlock.h"

int rlock_value_format(char *out, size_t n, int64_t worker_id, const char *token)
{
    if (n) out[0] = '\0';
    if (!out || n == 0 || worker_id < 0 || !token) return ZE_BAD_REQUEST;
    int len = snprintf(out, n, "%lld:%s", (long long)worker_id, token);
    if (len < 0 || (size_t)len >= n) {
        out[0] = '\0';
        return ZE_BAD_REQUEST;
    }
    return ZE_OK;
}

int rlock_value_parse(const char *value, int64_t *worker_id, const char **token)
{
    if (!value) return ZE_BAD_REQUEST;
    const char *colon = strchr(value, ':');
    if (!colon || colon == value || colon - value > 19) return ZE_BAD_REQUEST;
    int64_t id = 0;
    for (const char *p = value; p < colon; p++) {
        if (*p < '0' || *p > '9') return ZE_BAD_REQUEST;
        id = id * 10 + (*p - '0');
    }
    if (worker_id) *worker_id = id;
    if (token) *token = colon + 1;
    return ZE_OK;
}

static int is_origin(const char *s)
{
    for (int i = 0; i < RLOCK_ORIGIN_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

int rlock_token_format(char *out, size_t n, const char *instance, const char *boot,
                       const char *uuid)
{
    if (!out || n < RLOCK_TOKEN_MAX) return ZE_BAD_REQUEST;
    out[0] = '\0';
    if (!instance || !boot || !uuid || strlen(instance) != RLOCK_ORIGIN_LEN ||
        strlen(boot) != RLOCK_ORIGIN_LEN || !is_origin(instance) || !is_origin(boot) || !*uuid)
        return ZE_BAD_REQUEST;
    int len = snprintf(out, n, "%s.%s.%s", instance, boot, uuid);
    if (len < 0 || (size_t)len >= n) {
        out[0] = '\0';
        return ZE_BAD_REQUEST;
    }
    return ZE_OK;
}

int rlock_token_from_past_life(const char *token, const char *instance, const char *boot)
{
    if (!token || !instance || !boot) return 0;
    const size_t k = RLOCK_ORIGIN_LEN;
    if (strlen(token) < 2 * k + 3 || token[k] != '.' || token[2 * k + 1] != '.') return 0;
    if (!is_origin(token) || !is_origin(token + k + 1)) return 0;
    return strncmp(token, instance, k) == 0 && strncmp(token + k + 1, boot, k) != 0;
}

int rlock_value_from_past_life(const char *value, const char *instance, const char *boot)
{
    int64_t id;
    const char *token;
    return instance && *instance && boot && *boot &&
           rlock_value_parse(value, &id, &token) == ZE_OK &&
           rlock_token_from_past_life(token, instance, boot);
}
