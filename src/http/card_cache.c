/* Rendered spool cards keyed by their exact inputs (see card_cache.h). A chained hash table
 * on the tag; a lock per stripe of buckets. */
#include "http/card_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define BUCKETS 16384 /* a power of two; the 10,000-spool demo plant fits with short chains */
#define STRIPES 64

/* One allocation per card, so a hit touches the bucket, then one block: the key (the tag
 * first) and the JSON right after it. */
typedef struct card {
    struct card *next;
    uint64_t epoch;
    uint64_t gen;  /* the list generation (http/list_cache.h) at which the card was last known
                      current; 0 = never */
    size_t key_len, len;
    char data[];   /* key_len bytes of key (key_of), then len bytes of JSON and a NUL */
} card_t;

static const char *card_json(const card_t *k) { return k->data + k->key_len; }

struct card_cache {
    pthread_mutex_t stripe[STRIPES];
    card_t *bucket[BUCKETS];
    atomic_size_t bytes;
    size_t max_bytes;

    pthread_mutex_t workers_mu;
    char *workers;        /* the previous request's workers, as names_of made them */
    size_t workers_len;
    uint64_t epoch;
};

card_cache_t *card_cache_new(size_t max_bytes)
{
    card_cache_t *c = xcalloc(1, sizeof *c);
    for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&c->stripe[i], NULL);
    pthread_mutex_init(&c->workers_mu, NULL);
    c->max_bytes = max_bytes;
    c->epoch = 1;
    return c;
}

void card_cache_free(card_cache_t *c)
{
    if (!c) return;
    for (size_t b = 0; b < BUCKETS; b++)
        for (card_t *k = c->bucket[b], *next; k; k = next) {
            next = k->next;
            free(k);
        }
    for (int i = 0; i < STRIPES; i++) pthread_mutex_destroy(&c->stripe[i]);
    pthread_mutex_destroy(&c->workers_mu);
    free(c->workers);
    free(c);
}

static void put_s(buf_t *b, const char *s)
{
    buf_puts(b, s);
    buf_putc(b, '\0');
}

static void put_i(buf_t *b, int64_t v) { buf_append(b, (const char *)&v, sizeof v); }

/* What of the workers a card shows (core/status.c status_display): id, active flag and names,
 * as one byte string. Field by field, so padding never makes equal lists differ. */
static void names_of(const worker_t *w, size_t n, buf_t *out)
{
    for (size_t i = 0; i < n; i++) {
        put_i(out, w[i].id);
        buf_putc(out, w[i].activo ? 'A' : 'I');
        put_s(out, w[i].nombre);
        put_s(out, w[i].apellido);
    }
}

uint64_t card_cache_workers_epoch(card_cache_t *c, const worker_t *w, size_t n)
{
    buf_t now = {0};
    names_of(w, n, &now);
    const char *s = buf_str(&now);
    pthread_mutex_lock(&c->workers_mu);
    if (!c->workers || c->workers_len != now.len || memcmp(c->workers, s, now.len) != 0) {
        free(c->workers);
        c->workers_len = now.len;
        c->workers = xmalloc(now.len + 1);
        memcpy(c->workers, s, now.len + 1);
        c->epoch++;
    }
    uint64_t e = c->epoch;
    pthread_mutex_unlock(&c->workers_mu);
    buf_deinit(&now);
    return e;
}

/* Every field of the spool row, field by field (so padding and the bytes after a string's end
 * never make equal rows differ), the tag first. */
static void key_of(const spool_t *s, buf_t *b)
{
    put_s(b, s->tag);
    put_i(b, s->row);
    put_s(b, s->nv);
    put_i(b, s->fecha_materiales);
    put_i(b, s->fecha_armado);
    put_i(b, s->fecha_soldadura);
    put_i(b, s->fecha_qc);
    put_s(b, s->armador);
    put_s(b, s->soldador);
    put_s(b, s->ocupado_por);
    put_i(b, s->ocupado_worker_id);
    put_i(b, (int64_t)s->ocupado_op);
    put_i(b, s->fecha_ocupacion);
    put_s(b, s->lock_token);
    put_i(b, s->version);
    put_i(b, (int64_t)s->metrologia);
    put_i(b, (int64_t)s->repair);
    put_i(b, s->repair_cycle);
    put_s(b, s->estado_detalle);
    put_s(b, s->ot);
    put_i(b, s->total_uniones);
    put_i(b, s->uniones_arm_done);
    put_i(b, s->uniones_sold_done);
    put_i(b, s->pulgadas_arm_c);
    put_i(b, s->pulgadas_sold_c);
}

static size_t bucket_of(const char *tag)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)tag; *p; p++) h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h & (BUCKETS - 1));
}

int card_cache_get_current(card_cache_t *c, const char *tag, uint64_t gen, buf_t *out)
{
    if (gen == 0) return 0;
    size_t b = bucket_of(tag);
    pthread_mutex_t *mu = &c->stripe[b % STRIPES];
    int hit = 0;
    pthread_mutex_lock(mu);
    for (card_t *k = c->bucket[b]; k; k = k->next)
        if (strcmp(k->data, tag) == 0) {
            if (k->gen == gen) {
                buf_append(out, card_json(k), k->len);
                hit = 1;
            }
            break;
        }
    pthread_mutex_unlock(mu);
    return hit;
}

int card_cache_get(card_cache_t *c, const spool_t *s, uint64_t epoch, uint64_t gen, buf_t *out)
{
    buf_t key = {0};
    key_of(s, &key);
    size_t b = bucket_of(s->tag);
    pthread_mutex_t *mu = &c->stripe[b % STRIPES];
    int hit = 0;
    pthread_mutex_lock(mu);
    for (card_t *k = c->bucket[b]; k; k = k->next)
        if (strcmp(k->data, s->tag) == 0) {
            if (k->epoch == epoch && k->key_len == key.len && memcmp(k->data, key.data, key.len) == 0) {
                buf_append(out, card_json(k), k->len);
                if (gen > k->gen) k->gen = gen;
                hit = 1;
            }
            break;
        }
    pthread_mutex_unlock(mu);
    buf_deinit(&key);
    return hit;
}

void card_cache_put(card_cache_t *c, const spool_t *s, uint64_t epoch, uint64_t gen,
                    const char *json, size_t len)
{
    size_t b = bucket_of(s->tag);
    pthread_mutex_t *mu = &c->stripe[b % STRIPES];
    buf_t key = {0};
    key_of(s, &key);
    size_t size = sizeof(card_t) + key.len + len + 1;
    card_t *n = xmalloc(size);
    n->epoch = epoch;
    n->gen = gen;
    n->key_len = key.len;
    n->len = len;
    memcpy(n->data, key.data, key.len);
    memcpy(n->data + key.len, json, len);
    n->data[key.len + len] = '\0';
    buf_deinit(&key);
    pthread_mutex_lock(mu);
    card_t **at = &c->bucket[b];
    while (*at && strcmp((*at)->data, s->tag) != 0) at = &(*at)->next;
    card_t *old = *at;
    if (!old && atomic_load(&c->bytes) + size > c->max_bytes) {
        pthread_mutex_unlock(mu);
        free(n);
        return;
    }
    n->next = old ? old->next : NULL;
    *at = n;
    atomic_fetch_add(&c->bytes, size);
    if (old) atomic_fetch_sub(&c->bytes, sizeof(card_t) + old->key_len + old->len + 1);
    pthread_mutex_unlock(mu);
    free(old);
}
