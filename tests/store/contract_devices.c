/* The store contract for enrolled devices (store.h, device_t): a code works once and only
 * before its expiry, tokens are found by their hash across handles (a CLI process and the
 * server), revocation counts at once for every handle, a name of an enrolled device is not
 * taken over, and device writes leave the generation alone. Hashes here are plain hex text:
 * the store never sees a secret, so it cannot tell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"
#include "core/errors.h"
#include "store/store.h"

/* A 64-hex-digit "hash" made of one repeated digit, in storage of its own per digit (so two
 * of them can be arguments of one call). */
static const char *H(char digit)
{
    static char bufs[16][STORE_HASH_HEX];
    int i = digit <= '9' ? digit - '0' : digit - 'a' + 10;
    memset(bufs[i], digit, STORE_HASH_HEX - 1);
    bufs[i][STORE_HASH_HEX - 1] = '\0';
    return bufs[i];
}

typedef struct devices_seen {
    device_t d[8];
    int n;
} devices_seen_t;

static int on_device(void *ud, const device_t *d)
{
    devices_seen_t *s = ud;
    if (s->n < 8) s->d[s->n++] = *d;
    return 0;
}

void device_code_works_once_and_tokens_are_found_by_hash(void **state)
{
    ctx_t *c = *state;
    store_t *a = c->st, *b = open_or_fail(c->url);
    int64_t g0, g1;
    assert_int_equal(a->ops->generation(a, &g0), ZE_OK);
    assert_int_equal(a->ops->device_add(a, "Tablet ARM-1", H('1'), 5000, 1000), ZE_OK);
    device_t d;
    /* Unknown code, expired code: nothing. */
    assert_int_equal(b->ops->device_enroll(b, H('9'), H('2'), 1001, &d),
                     ZE_DEVICE_NO_ENCONTRADO);
    assert_int_equal(b->ops->device_enroll(b, H('1'), H('2'), 5000, &d),
                     ZE_DEVICE_NO_ENCONTRADO);
    /* Before its expiry, from another handle: enrolled, once. */
    assert_int_equal(b->ops->device_enroll(b, H('1'), H('2'), 1100, &d), ZE_OK);
    assert_string_equal(d.name, "Tablet ARM-1");
    assert_int_equal(d.created_at, 1000);
    assert_int_equal(d.enrolled_at, 1100);
    assert_int_equal(d.last_seen, 1100);
    assert_int_equal(d.revoked_at, 0);
    assert_int_equal(d.code_expires, 0);
    assert_int_equal(a->ops->device_enroll(a, H('1'), H('3'), 1200, &d),
                     ZE_DEVICE_NO_ENCONTRADO);
    device_t t;
    assert_int_equal(a->ops->device_by_token(a, H('2'), &t), ZE_OK);
    assert_string_equal(t.name, "Tablet ARM-1");
    assert_int_equal(a->ops->device_by_token(a, H('3'), &t), ZE_DEVICE_NO_ENCONTRADO);
    assert_int_equal(a->ops->device_touch(a, t.id, 1300), ZE_OK);
    assert_int_equal(b->ops->device_by_token(b, H('2'), &t), ZE_OK);
    assert_int_equal(t.last_seen, 1300);
    assert_int_equal(a->ops->device_touch(a, 999999, 1300), ZE_OK); /* gone: still ZE_OK */
    assert_int_equal(a->ops->generation(a, &g1), ZE_OK);
    assert_int_equal(g1, g0);
    store_close(b);
}

void device_revocation_and_names(void **state)
{
    ctx_t *c = *state;
    store_t *a = c->st, *b = open_or_fail(c->url);
    device_t d;
    assert_int_equal(a->ops->device_add(a, "T1", H('a'), 9000, 1000), ZE_OK);
    assert_int_equal(a->ops->device_enroll(a, H('a'), H('b'), 1001, &d), ZE_OK);
    /* An enrolled, unrevoked name is not taken over. */
    assert_int_equal(a->ops->device_add(a, "T1", H('c'), 9000, 1002), ZE_DEVICE_EXISTS);
    assert_int_equal(a->ops->device_enroll(a, H('c'), H('d'), 1003, &d),
                     ZE_DEVICE_NO_ENCONTRADO);
    /* A pending code is replaced by a new one (the old stops working). */
    assert_int_equal(a->ops->device_add(a, "T2", H('e'), 9000, 1004), ZE_OK);
    assert_int_equal(a->ops->device_add(a, "T2", H('f'), 9000, 1005), ZE_OK);
    assert_int_equal(a->ops->device_enroll(a, H('e'), H('0'), 1006, &d),
                     ZE_DEVICE_NO_ENCONTRADO);
    /* Revocation from one handle counts at once for the other; twice is fine. */
    assert_int_equal(b->ops->device_revoke(b, "T1", 2000), ZE_OK);
    assert_int_equal(b->ops->device_revoke(b, "T1", 3000), ZE_OK);
    assert_int_equal(a->ops->device_by_token(a, H('b'), &d), ZE_OK);
    assert_int_equal(d.revoked_at, 2000);
    assert_int_equal(a->ops->device_revoke(a, "nobody", 2000), ZE_DEVICE_NO_ENCONTRADO);
    /* A revoked device's pending code is gone too. */
    assert_int_equal(b->ops->device_revoke(b, "T2", 2001), ZE_OK);
    assert_int_equal(a->ops->device_enroll(a, H('f'), H('0'), 2002, &d),
                     ZE_DEVICE_NO_ENCONTRADO);
    /* Re-adding a revoked name gives a fresh code; the old token stays dead. */
    assert_int_equal(a->ops->device_add(a, "T1", H('7'), 9000, 2100), ZE_OK);
    assert_int_equal(a->ops->device_by_token(a, H('b'), &d), ZE_DEVICE_NO_ENCONTRADO);
    assert_int_equal(a->ops->device_enroll(a, H('7'), H('8'), 2200, &d), ZE_OK);
    assert_int_equal(d.revoked_at, 0);
    assert_int_equal(d.created_at, 1000);
    devices_seen_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(b->ops->device_foreach(b, on_device, &s), ZE_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.d[0].name, "T1");
    assert_int_equal(s.d[0].revoked_at, 0);
    assert_string_equal(s.d[1].name, "T2");
    assert_int_equal(s.d[1].revoked_at, 2001);
    assert_int_equal(s.d[1].enrolled_at, 0);
    store_close(b);
}
