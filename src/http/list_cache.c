/* Generation-keyed response cache (see list_cache.h). A handful of entries, linear search. */
#include "http/list_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define MAX_ENTRIES 64

typedef struct entry {
    char *key;
    int64_t gen;
    char *body;
    size_t len;
    uint64_t used; /* last use, for eviction */
} entry_t;

struct list_cache {
    pthread_mutex_t mu;
    entry_t e[MAX_ENTRIES];
    size_t bytes, max_bytes;
    uint64_t clock;
};

list_cache_t *list_cache_new(size_t max_bytes)
{
    list_cache_t *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->max_bytes = max_bytes;
    return c;
}

static void drop(list_cache_t *c, entry_t *e)
{
    c->bytes -= e->len;
    free(e->key);
    free(e->body);
    memset(e, 0, sizeof *e);
}

void list_cache_free(list_cache_t *c)
{
    if (!c) return;
    for (int i = 0; i < MAX_ENTRIES; i++)
        if (c->e[i].key) drop(c, &c->e[i]);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int list_cache_get(list_cache_t *c, const char *key, int64_t gen, buf_t *out)
{
    if (!c) return 0;
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < MAX_ENTRIES; i++) {
        entry_t *e = &c->e[i];
        if (!e->key || strcmp(e->key, key) != 0) continue;
        if (e->gen == gen) {
            buf_reset(out);
            buf_append(out, e->body, e->len);
            e->used = ++c->clock;
            hit = 1;
        } else {
            drop(c, e);
        }
        break;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void list_cache_put(list_cache_t *c, const char *key, int64_t gen, const char *body, size_t len)
{
    if (!c || len > c->max_bytes / 4) return;
    pthread_mutex_lock(&c->mu);
    entry_t *slot = NULL;
    for (int i = 0; i < MAX_ENTRIES; i++)
        if (c->e[i].key && strcmp(c->e[i].key, key) == 0) drop(c, &c->e[i]);
    while (1) {
        entry_t *oldest = NULL, *empty = NULL;
        for (int i = 0; i < MAX_ENTRIES; i++) {
            entry_t *e = &c->e[i];
            if (!e->key) {
                if (!empty) empty = e;
            } else if (!oldest || e->used < oldest->used) {
                oldest = e;
            }
        }
        if (empty && c->bytes + len <= c->max_bytes) {
            slot = empty;
            break;
        }
        if (!oldest) break;
        drop(c, oldest);
    }
    if (slot) {
        slot->key = xstrdup(key);
        slot->gen = gen;
        slot->body = xstrndup(body, len);
        slot->len = len;
        slot->used = ++c->clock;
        c->bytes += len;
    }
    pthread_mutex_unlock(&c->mu);
}
