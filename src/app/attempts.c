/* The in-memory table of failed attempts (see attempts.h). One mutex: every call is a scan of
 * at most ATTEMPTS_SLOTS short entries, made only on a sign-in attempt. */
#include "app/attempts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

typedef struct slot {
    char key[ATTEMPTS_KEY_MAX + 1]; /* "" = free */
    int failures;
    int64_t last_failure;
} slot_t;

struct attempts {
    pthread_mutex_t mu;
    slot_t slots[ATTEMPTS_SLOTS];
};

attempts_t *attempts_new(void)
{
    attempts_t *a = xcalloc(1, sizeof *a);
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void attempts_free(attempts_t *a)
{
    if (!a) return;
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* The slot of key, or NULL. Called with the mutex held. */
static slot_t *find(attempts_t *a, const char *key)
{
    char k[ATTEMPTS_KEY_MAX + 1];
    snprintf(k, sizeof k, "%s", key);
    for (size_t i = 0; i < ATTEMPTS_SLOTS; i++)
        if (a->slots[i].key[0] && strcmp(a->slots[i].key, k) == 0) return &a->slots[i];
    return NULL;
}

int64_t attempts_wait(attempts_t *a, const char *key, const throttle_rule_t *rule, int64_t now)
{
    pthread_mutex_lock(&a->mu);
    slot_t *s = find(a, key);
    int64_t w = s ? throttle_wait(rule, s->failures, s->last_failure, now) : 0;
    pthread_mutex_unlock(&a->mu);
    return w;
}

void attempts_fail(attempts_t *a, const char *key, int64_t now)
{
    pthread_mutex_lock(&a->mu);
    slot_t *s = find(a, key);
    if (!s) {
        s = &a->slots[0];
        for (size_t i = 0; i < ATTEMPTS_SLOTS; i++) {
            slot_t *c = &a->slots[i];
            if (!c->key[0]) {
                s = c;
                break;
            }
            if (c->last_failure < s->last_failure) s = c;
        }
        memset(s, 0, sizeof *s);
        snprintf(s->key, sizeof s->key, "%s", key);
    }
    if (s->failures < 1000000) s->failures++;
    s->last_failure = now;
    pthread_mutex_unlock(&a->mu);
}

void attempts_clear(attempts_t *a, const char *key)
{
    pthread_mutex_lock(&a->mu);
    slot_t *s = find(a, key);
    if (s) memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&a->mu);
}
