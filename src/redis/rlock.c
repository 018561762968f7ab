/* Per-spool locks in Redis: key "spool_lock:{tag}" holding "{worker_id}:{token}" with a TTL.
 * Release and extend are compare-and-act Lua scripts so a worker whose lock expired and was
 * taken by someone else can never delete or prolong the new holder's lock. */
#include "redis/redis_int.h"
#include "redis/rlock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define KEY_PREFIX "spool_lock:"
#define SCAN_COUNT "200"

/* The scripts and their SHA1 (printf '%s' SCRIPT | sha1sum). EVALSHA saves sending the text
 * on every call; NOSCRIPT (after a restart or SCRIPT FLUSH) falls back to EVAL, which also
 * loads the script again. A wrong SHA would only cost speed, and a test checks it. */
typedef struct script {
    const char *sha;
    const char *text;
} script_t;

static const script_t RELEASE = {
    "b998f9dfb154cdbea8cda65ad5177aadf0e945a2",
    "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end",
};
static const script_t EXTEND = {
    "53f2c61c14d7b92a6f44852b306cc8ed3636d4db",
    "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) "
    "else return 0 end",
};

/* Builds "spool_lock:{tag}"; caller frees with free(). */
static char *lock_key(const char *tag, size_t *len)
{
    const size_t plen = strlen(KEY_PREFIX), tlen = strlen(tag);
    char *k = xmalloc(plen + tlen + 1);

    memcpy(k, KEY_PREFIX, plen);
    memcpy(k + plen, tag, tlen + 1);
    *len = plen + tlen;
    return k;
}

int rlock_acquire(rpool_t *p, const char *tag, const char *value, int64_t ttl_ms)
{
    redisReply *r;
    size_t klen;
    int rc;

    if (!tag || !*tag || !value || ttl_ms <= 0) return ZE_BAD_REQUEST;
    char *key = lock_key(tag, &klen);
    rc = rpool__command(p, &r, NULL, 0, "SET %b %b NX PX %lld", key, klen, value, strlen(value),
                        (long long)ttl_ms);
    if (rc == ZE_OK) {
        /* NX answers nil when the key exists and +OK when it was set. */
        if (r->type == REDIS_REPLY_NIL)
            rc = ZE_SPOOL_OCCUPIED;
        else if (r->type != REDIS_REPLY_STATUS)
            rc = ZE_REDIS_UNAVAILABLE;
        freeReplyObject(r);
    }
    free(key);
    return rc;
}

int rlock_get(rpool_t *p, const char *tag, char *value, size_t n)
{
    redisReply *r;
    size_t klen;
    int rc;

    if (!tag || !*tag || !value || n == 0) return ZE_BAD_REQUEST;
    value[0] = '\0';
    char *key = lock_key(tag, &klen);
    rc = rpool__command(p, &r, NULL, 0, "GET %b", key, klen);
    if (rc == ZE_OK) {
        if (r->type == REDIS_REPLY_NIL) {
            rc = ZE_NOT_FOUND;
        } else if (r->type == REDIS_REPLY_STRING) {
            size_t m = r->len < n - 1 ? r->len : n - 1;
            memcpy(value, r->str, m);
            value[m] = '\0';
        } else {
            rc = ZE_REDIS_UNAVAILABLE;
        }
        freeReplyObject(r);
    }
    free(key);
    return rc;
}

/* Runs script s on one key with ARGV = {value[, arg2]}; *result is its integer answer. */
static int eval_cas(rpool_t *p, const script_t *s, const char *tag, const char *value,
                    const char *arg2, long long *result)
{
    rpool_lease_t l;
    redisReply *r = NULL;
    size_t klen;
    int rc;

    char *key = lock_key(tag, &klen);
    const char *argv[6] = {"EVALSHA", s->sha, "1", key, value, arg2};
    size_t argl[6] = {7, strlen(s->sha), 1, klen, strlen(value), arg2 ? strlen(arg2) : 0};
    const int argc = arg2 ? 6 : 5;

    if ((rc = rpool__checkout(p, &l, NULL, 0)) != ZE_OK) goto out;
    r = redisCommandArgv(l.c, argc, argv, argl);
    if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(r);
        argv[0] = "EVAL";
        argl[0] = 4;
        argv[1] = s->text;
        argl[1] = strlen(s->text);
        r = redisCommandArgv(l.c, argc, argv, argl);
    }
    rpool__checkin(p, &l);
    if (!r || r->type != REDIS_REPLY_INTEGER) {
        rc = ZE_REDIS_UNAVAILABLE;
        goto out;
    }
    *result = r->integer;
out:
    freeReplyObject(r);
    free(key);
    return rc;
}

int rlock_release(rpool_t *p, const char *tag, const char *value)
{
    long long n = 0;
    int rc;

    if (!tag || !*tag || !value) return ZE_BAD_REQUEST;
    if ((rc = eval_cas(p, &RELEASE, tag, value, NULL, &n)) != ZE_OK) return rc;
    return n == 1 ? ZE_OK : ZE_NOT_FOUND;
}

int rlock_extend(rpool_t *p, const char *tag, const char *value, int64_t ttl_ms)
{
    char ttl[24];
    long long n = 0;
    int rc;

    if (!tag || !*tag || !value || ttl_ms <= 0) return ZE_BAD_REQUEST;
    snprintf(ttl, sizeof ttl, "%lld", (long long)ttl_ms);
    if ((rc = eval_cas(p, &EXTEND, tag, value, ttl, &n)) != ZE_OK) return rc;
    return n == 1 ? ZE_OK : ZE_NOT_FOUND;
}

int rlock_force_delete(rpool_t *p, const char *tag)
{
    redisReply *r;
    size_t klen;
    int rc;

    if (!tag || !*tag) return ZE_BAD_REQUEST;
    char *key = lock_key(tag, &klen);
    rc = rpool__command(p, &r, NULL, 0, "DEL %b", key, klen);
    if (rc == ZE_OK) freeReplyObject(r);
    free(key);
    return rc;
}

/* ---- SCAN ---- */

/* One lock found by a SCAN step, kept until the connection is back in the pool. */
typedef struct found {
    char *tag;
    char *value;
    int64_t pttl;
} found_t;

/* One SCAN step plus a pipelined GET and PTTL per key, on one leased connection. Fills
 * *items and *n (caller frees) and the next cursor. Keys that vanished or are not strings are
 * skipped, but every pipelined reply is read so the connection stays in step. */
static int scan_step(rpool_t *p, char *cursor, size_t cursor_cap, found_t **items, size_t *n)
{
    rpool_lease_t l;
    redisReply *r, *keys, *get = NULL, *ttl = NULL;
    int rc = ZE_REDIS_UNAVAILABLE;

    *items = NULL;
    *n = 0;
    if (rpool__checkout(p, &l, NULL, 0) != ZE_OK) return ZE_REDIS_UNAVAILABLE;
    r = redisCommand(l.c, "SCAN %s MATCH " KEY_PREFIX "* COUNT " SCAN_COUNT, cursor);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY ||
        r->element[0]->len >= cursor_cap)
        goto out;
    memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
    keys = r->element[1];
    for (size_t i = 0; i < keys->elements; i++) {
        const redisReply *k = keys->element[i];
        if (k->type != REDIS_REPLY_STRING || k->len < strlen(KEY_PREFIX)) goto out;
    }
    for (size_t i = 0; i < keys->elements; i++) {
        const redisReply *k = keys->element[i];
        redisAppendCommand(l.c, "GET %b", k->str, k->len);
        redisAppendCommand(l.c, "PTTL %b", k->str, k->len);
    }
    *items = xcalloc(keys->elements, sizeof **items);
    for (size_t i = 0; i < keys->elements; i++) {
        const redisReply *k = keys->element[i];
        if (redisGetReply(l.c, (void **)&get) != REDIS_OK ||
            redisGetReply(l.c, (void **)&ttl) != REDIS_OK)
            goto out;
        if (get->type == REDIS_REPLY_STRING &&
            ttl->type == REDIS_REPLY_INTEGER && ttl->integer != -2) {
            found_t *f = &(*items)[(*n)++];
            f->tag = xstrndup(k->str + strlen(KEY_PREFIX), k->len - strlen(KEY_PREFIX));
            f->value = xstrndup(get->str, get->len);
            f->pttl = ttl->integer;
        }
        freeReplyObject(get);
        freeReplyObject(ttl);
        get = ttl = NULL;
    }
    rc = ZE_OK;
out:
    freeReplyObject(get);
    freeReplyObject(ttl);
    freeReplyObject(r);
    rpool__checkin(p, &l);
    return rc;
}

static void found_free(found_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].tag);
        free(items[i].value);
    }
    free(items);
}

int rlock_scan(rpool_t *p, rlock_visit_fn fn, void *ud)
{
    char cursor[32] = "0";
    found_t *items;
    size_t n;
    int stop = 0, rc;

    if (!fn) return ZE_BAD_REQUEST;
    do {
        if ((rc = scan_step(p, cursor, sizeof cursor, &items, &n)) != ZE_OK) {
            found_free(items, n);
            return rc;
        }
        /* Callbacks run with the connection back in the pool, so they may use it themselves. */
        for (size_t i = 0; i < n && !stop; i++)
            stop = fn(ud, items[i].tag, items[i].value, items[i].pttl) != 0;
        found_free(items, n);
    } while (!stop && strcmp(cursor, "0") != 0);
    return ZE_OK;
}

int rlock_pttl(rpool_t *p, const char *tag, int64_t *pttl_ms)
{
    redisReply *r;
    size_t klen;
    if (!tag || !*tag || !pttl_ms) return ZE_BAD_REQUEST;
    char *key = lock_key(tag, &klen);
    int rc = rpool__command(p, &r, NULL, 0, "PTTL %b", key, klen);
    if (rc == ZE_OK) {
        if (r->type != REDIS_REPLY_INTEGER) rc = ZE_REDIS_UNAVAILABLE;
        else if (r->integer == -2) rc = ZE_NOT_FOUND;
        else *pttl_ms = r->integer;
        freeReplyObject(r);
    }
    free(key);
    return rc;
}
