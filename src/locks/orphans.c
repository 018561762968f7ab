/* The set of possibly-orphaned lock values (see orphans.h): a small ring, linear search. */
#include "locks/orphans.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/spool.h"
#include "locks/locks.h"
#include "util/alloc.h"

#define MAX_ORPHANS 256

typedef struct entry {
    char tag[ZTAG_MAX];
    char value[RLOCK_VALUE_MAX];
    int used;
} entry_t;

struct orphans {
    pthread_mutex_t mu;
    entry_t e[MAX_ORPHANS];
    size_t next;
};

orphans_t *orphans_new(void)
{
    orphans_t *o = xcalloc(1, sizeof *o);
    pthread_mutex_init(&o->mu, NULL);
    return o;
}

void orphans_free(orphans_t *o)
{
    if (!o) return;
    pthread_mutex_destroy(&o->mu);
    free(o);
}

/* Bounded copy that always terminates (a longer source is cut; lock values never are). */
static void copy_str(char *dst, size_t n, const char *src)
{
    size_t len = strnlen(src, n - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

void orphans_add(orphans_t *o, const char *tag, const char *value)
{
    if (!o) return;
    pthread_mutex_lock(&o->mu);
    entry_t *e = &o->e[o->next];
    o->next = (o->next + 1) % MAX_ORPHANS;
    copy_str(e->tag, sizeof e->tag, tag);
    copy_str(e->value, sizeof e->value, value);
    e->used = 1;
    pthread_mutex_unlock(&o->mu);
}

int orphans_has(orphans_t *o, const char *tag, const char *value)
{
    if (!o) return 0;
    int found = 0;
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < MAX_ORPHANS && !found; i++)
        found = o->e[i].used && strcmp(o->e[i].tag, tag) == 0 && strcmp(o->e[i].value, value) == 0;
    pthread_mutex_unlock(&o->mu);
    return found;
}

size_t orphans_drain(orphans_t *o, locks_t *locks)
{
    if (!o || !locks) return 0;
    entry_t batch[MAX_ORPHANS];
    size_t n = 0, left = 0;
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < MAX_ORPHANS; i++)
        if (o->e[i].used) {
            batch[n++] = o->e[i];
            o->e[i].used = 0;
        }
    pthread_mutex_unlock(&o->mu);
    for (size_t i = 0; i < n; i++) {
        /* Compare-and-delete: a lock that now holds another value is someone else's. */
        if (locks->ops->release(locks, batch[i].tag, batch[i].value) == ZE_REDIS_UNAVAILABLE) {
            orphans_add(o, batch[i].tag, batch[i].value);
            left++;
        }
    }
    return left;
}
