/* Per-spool locks in Redis: key "spool_lock:{tag}" holding "{worker_id}:{token}" with a TTL.
 * Release and extend are compare-and-act Lua scripts so a worker whose lock expired and was
 * taken by someone else can never delete or prolong the new holder's lock. The mutation
 * pipeline's variants do their whole Redis step in one script, hence one round trip: take the
 * lock or read its holder, and extend or release it together with publishing the events. */
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

/* Takes a free lock or reports who holds it, so that a TOMAR needs one round trip whether it
 * wins or not: 1 when set, else {value, pttl} of the holder. */
static const script_t ACQUIRE_OR_GET = {
    "6926f9f3a9d45119771123a0bc759f10a84b2cf9",
    "local v=redis.call('get',KEYS[1]) if v then return {v,redis.call('pttl',KEYS[1])} end "
    "redis.call('set',KEYS[1],ARGV[1],'PX',ARGV[2]) return 1",
};
/* EXTEND and RELEASE followed by the PUBLISH of every message after the fixed arguments, in
 * the same round trip. The messages go out whatever the lock answer: they tell of a commit
 * that already happened. They come last, so a script that fails (a non-string key) published
 * nothing and the caller may publish them itself. */
static const script_t EXTEND_PUBLISH = {
    "dd39725f7b7e5e4bdb51a0f9e076fc200b3421c8",
    "local r=0 if redis.call('get',KEYS[1])==ARGV[1] then r=redis.call('pexpire',KEYS[1],ARGV[2]) "
    "end for i=4,#ARGV do redis.call('publish',ARGV[3],ARGV[i]) end return r",
};
static const script_t RELEASE_PUBLISH = {
    "91d54b9c1f96bdd47e1ced9ac39847f6f79b9f51",
    "local r=0 if redis.call('get',KEYS[1])==ARGV[1] then r=redis.call('del',KEYS[1]) end for "
    "i=3,#ARGV do redis.call('publish',ARGV[2],ARGV[i]) end return r",
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

/* Runs script s on one key with ARGV = args[0..nargs) (args[i] is lens[i] bytes): EVALSHA, and
 * EVAL when the server does not know the script (which also loads it). On ZE_OK *out is the
 * reply, never an error reply (caller frees with freeReplyObject); otherwise *out is NULL. */
static int eval_script(rpool_t *p, const script_t *s, const char *tag, const char *const *args,
                       const size_t *lens, size_t nargs, redisReply **out)
{
    redisReply *r = NULL;
    size_t klen;
    int rc;

    *out = NULL;
    char *key = lock_key(tag, &klen);
    const size_t argc = 4 + nargs;
    const char **argv = xmalloc(argc * sizeof *argv);
    size_t *argl = xmalloc(argc * sizeof *argl);
    argv[0] = "EVALSHA", argl[0] = 7;
    argv[1] = s->sha, argl[1] = strlen(s->sha);
    argv[2] = "1", argl[2] = 1;
    argv[3] = key, argl[3] = klen;
    for (size_t i = 0; i < nargs; i++) {
        argv[4 + i] = args[i];
        argl[4 + i] = lens[i];
    }

    if ((rc = rpool__pipelined(p, (int)argc, argv, argl, &r)) != ZE_OK) goto out;
    if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(r);
        argv[0] = "EVAL", argl[0] = 4;
        argv[1] = s->text, argl[1] = strlen(s->text);
        if ((rc = rpool__pipelined(p, (int)argc, argv, argl, &r)) != ZE_OK) goto out;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        freeReplyObject(r);
        rc = ZE_REDIS_UNAVAILABLE;
        goto out;
    }
    *out = r;
out:
    free(argl);
    free(argv);
    free(key);
    return rc;
}

/* Runs a compare-and-act script whose answer is an integer (1: done, 0: absent or another
 * value): ZE_OK, ZE_NOT_FOUND or ZE_REDIS_UNAVAILABLE. */
static int eval_cas(rpool_t *p, const script_t *s, const char *tag, const char *const *args,
                    const size_t *lens, size_t nargs)
{
    redisReply *r;
    int rc = eval_script(p, s, tag, args, lens, nargs, &r);

    if (rc != ZE_OK) return rc;
    if (r->type != REDIS_REPLY_INTEGER) rc = ZE_REDIS_UNAVAILABLE;
    else rc = r->integer == 1 ? ZE_OK : ZE_NOT_FOUND;
    freeReplyObject(r);
    return rc;
}

/* eval_cas with ARGV = {value[, arg2], channel, msgs...}; channel and msgs only when nmsgs > 0
 * (a script run without messages publishes nothing). */
static int eval_cas_publish(rpool_t *p, const script_t *s, const char *tag, const char *value,
                            const char *arg2, const char *channel, const char *const *msgs,
                            size_t nmsgs)
{
    const size_t fixed = arg2 ? 3 : 2, nargs = fixed + nmsgs;
    const char **args = xmalloc(nargs * sizeof *args);
    size_t *lens = xmalloc(nargs * sizeof *lens);
    size_t n = 0;

    args[n] = value, lens[n++] = strlen(value);
    if (arg2) args[n] = arg2, lens[n++] = strlen(arg2);
    args[n] = channel, lens[n++] = strlen(channel);
    for (size_t i = 0; i < nmsgs; i++) args[n] = msgs[i], lens[n++] = strlen(msgs[i]);
    int rc = eval_cas(p, s, tag, args, lens, nargs);
    free(lens);
    free(args);
    return rc;
}

int rlock_release(rpool_t *p, const char *tag, const char *value)
{
    if (!tag || !*tag || !value) return ZE_BAD_REQUEST;
    const char *args[] = {value};
    const size_t lens[] = {strlen(value)};
    return eval_cas(p, &RELEASE, tag, args, lens, 1);
}

int rlock_extend(rpool_t *p, const char *tag, const char *value, int64_t ttl_ms)
{
    char ttl[24];

    if (!tag || !*tag || !value || ttl_ms <= 0) return ZE_BAD_REQUEST;
    snprintf(ttl, sizeof ttl, "%lld", (long long)ttl_ms);
    const char *args[] = {value, ttl};
    const size_t lens[] = {strlen(value), strlen(ttl)};
    return eval_cas(p, &EXTEND, tag, args, lens, 2);
}

/* The messages of a *_publish call are well formed: a channel when there are messages, and
 * no NULL among them. */
static int msgs_ok(const char *channel, const char *const *msgs, size_t nmsgs)
{
    if (nmsgs == 0) return 1;
    if (!channel || !*channel || !msgs) return 0;
    for (size_t i = 0; i < nmsgs; i++)
        if (!msgs[i]) return 0;
    return 1;
}

int rlock_extend_publish(rpool_t *p, const char *tag, const char *value, int64_t ttl_ms,
                         const char *channel, const char *const *msgs, size_t nmsgs)
{
    char ttl[24];

    if (!tag || !*tag || !value || ttl_ms <= 0 || !msgs_ok(channel, msgs, nmsgs))
        return ZE_BAD_REQUEST;
    if (nmsgs == 0) return rlock_extend(p, tag, value, ttl_ms);
    snprintf(ttl, sizeof ttl, "%lld", (long long)ttl_ms);
    return eval_cas_publish(p, &EXTEND_PUBLISH, tag, value, ttl, channel, msgs, nmsgs);
}

int rlock_release_publish(rpool_t *p, const char *tag, const char *value, const char *channel,
                          const char *const *msgs, size_t nmsgs)
{
    if (!tag || !*tag || !value || !msgs_ok(channel, msgs, nmsgs)) return ZE_BAD_REQUEST;
    if (nmsgs == 0) return rlock_release(p, tag, value);
    return eval_cas_publish(p, &RELEASE_PUBLISH, tag, value, NULL, channel, msgs, nmsgs);
}

int rlock_acquire_or_get(rpool_t *p, const char *tag, const char *value, int64_t ttl_ms,
                         char *holder, size_t n, int64_t *holder_pttl_ms)
{
    char ttl[24];
    redisReply *r;
    int rc;

    if (!tag || !*tag || !value || ttl_ms <= 0 || (holder && n == 0)) return ZE_BAD_REQUEST;
    if (holder) holder[0] = '\0';
    if (holder_pttl_ms) *holder_pttl_ms = -1;
    snprintf(ttl, sizeof ttl, "%lld", (long long)ttl_ms);
    const char *args[] = {value, ttl};
    const size_t lens[] = {strlen(value), strlen(ttl)};
    if ((rc = eval_script(p, &ACQUIRE_OR_GET, tag, args, lens, 2, &r)) != ZE_OK) return rc;
    if (r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
        rc = ZE_OK;
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
               r->element[0]->type == REDIS_REPLY_STRING &&
               r->element[1]->type == REDIS_REPLY_INTEGER) {
        rc = ZE_SPOOL_OCCUPIED;
        if (holder) {
            size_t m = r->element[0]->len < n - 1 ? r->element[0]->len : n - 1;
            memcpy(holder, r->element[0]->str, m);
            holder[m] = '\0';
        }
        if (holder_pttl_ms) *holder_pttl_ms = r->element[1]->integer;
    } else {
        rc = ZE_REDIS_UNAVAILABLE;
    }
    freeReplyObject(r);
    return rc;
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
