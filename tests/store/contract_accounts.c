/* The store contract for supervisors and their sessions (store.h, supervisor_t) and for worker
 * PINs (pin_state_t: failures, a lock-out written with its audit event, verified pairs): an
 * account is
 * created once and its password replaced after, a replaced password ends every session of the
 * account, sessions are found by their hash across handles only before they expire, sign-out
 * ends one session, expired sessions are swept by the next sign-in, and none of these writes
 * moves the generation. Hashes are plain text here: the store never sees a secret. */
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

/* A 64-hex-digit token hash of one repeated digit, in storage of its own per digit. */
static const char *T(char digit)
{
    static char bufs[16][STORE_HASH_HEX];
    int i = digit <= '9' ? digit - '0' : digit - 'a' + 10;
    memset(bufs[i], digit, STORE_HASH_HEX - 1);
    bufs[i][STORE_HASH_HEX - 1] = '\0';
    return bufs[i];
}

static const char PW1[] = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdDE$aGFzaDE";
static const char PW2[] = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdDI$aGFzaDI";

void supervisor_accounts_are_created_once(void **state)
{
    ctx_t *c = *state;
    store_t *a = c->st, *b = open_or_fail(c->url);
    int64_t gen0 = 0, gen1 = 0;
    assert_int_equal(a->ops->generation(a, &gen0), ZE_OK);
    supervisor_t s;
    assert_int_equal(a->ops->supervisor_get(a, "Ana Soto", &s), ZE_NOT_FOUND);
    int created = -1;
    assert_int_equal(a->ops->supervisor_put(a, "Ana Soto", PW1, 1000, &created), ZE_OK);
    assert_int_equal(created, 1);
    assert_int_equal(b->ops->supervisor_get(b, "Ana Soto", &s), ZE_OK);
    assert_string_equal(s.name, "Ana Soto");
    assert_string_equal(s.pw_hash, PW1);
    assert_int_equal(s.created_at, 1000);
    assert_int_equal(s.updated_at, 1000);
    int64_t id = s.id;
    assert_int_equal(b->ops->supervisor_put(b, "Ana Soto", PW2, 2000, &created), ZE_OK);
    assert_int_equal(created, 0);
    assert_int_equal(a->ops->supervisor_get(a, "Ana Soto", &s), ZE_OK);
    assert_int_equal(s.id, id);
    assert_string_equal(s.pw_hash, PW2);
    assert_int_equal(s.created_at, 1000);
    assert_int_equal(s.updated_at, 2000);
    /* Names are exact (no case folding): another account. */
    assert_int_equal(a->ops->supervisor_get(a, "ana soto", &s), ZE_NOT_FOUND);
    assert_int_equal(a->ops->generation(a, &gen1), ZE_OK);
    assert_int_equal(gen1, gen0);
    store_close(b);
}

void sessions_live_until_expiry_sign_out_or_a_new_password(void **state)
{
    ctx_t *c = *state;
    store_t *a = c->st, *b = open_or_fail(c->url);
    int created;
    supervisor_t ana, luis, s;
    assert_int_equal(a->ops->supervisor_put(a, "Ana Soto", PW1, 1000, &created), ZE_OK);
    assert_int_equal(a->ops->supervisor_put(a, "Luis Rojas", PW1, 1000, &created), ZE_OK);
    assert_int_equal(a->ops->supervisor_get(a, "Ana Soto", &ana), ZE_OK);
    assert_int_equal(a->ops->supervisor_get(a, "Luis Rojas", &luis), ZE_OK);
    int64_t gen0 = 0, gen1 = 0;
    assert_int_equal(a->ops->generation(a, &gen0), ZE_OK);
    /* No session for an account that does not exist. */
    assert_int_equal(a->ops->session_add(a, ana.id + luis.id + 100, T('9'), 5000, 1000),
                     ZE_NOT_FOUND);
    assert_int_equal(a->ops->session_add(a, ana.id, T('1'), 5000, 1000), ZE_OK);
    assert_int_equal(a->ops->session_add(a, ana.id, T('2'), 1500, 1000), ZE_OK);
    assert_int_equal(a->ops->session_add(a, luis.id, T('3'), 5000, 1000), ZE_OK);
    int64_t exp = 0;
    assert_int_equal(b->ops->session_get(b, T('1'), 1001, &s, &exp), ZE_OK);
    assert_string_equal(s.name, "Ana Soto");
    assert_int_equal(exp, 5000);
    assert_int_equal(b->ops->session_get(b, T('3'), 1001, &s, NULL), ZE_OK);
    assert_string_equal(s.name, "Luis Rojas");
    assert_int_equal(b->ops->session_get(b, T('9'), 1001, &s, NULL), ZE_NOT_FOUND);
    /* Expiry: valid while now < expires_at. */
    assert_int_equal(b->ops->session_get(b, T('2'), 1499, &s, NULL), ZE_OK);
    assert_int_equal(b->ops->session_get(b, T('2'), 1500, &s, NULL), ZE_NOT_FOUND);
    /* Sign-out ends exactly that session, and doing it twice is fine. */
    assert_int_equal(b->ops->session_end(b, T('1')), ZE_OK);
    assert_int_equal(b->ops->session_end(b, T('1')), ZE_OK);
    assert_int_equal(a->ops->session_get(a, T('1'), 1002, &s, NULL), ZE_NOT_FOUND);
    assert_int_equal(a->ops->session_get(a, T('3'), 1002, &s, NULL), ZE_OK);
    /* A new password ends all sessions of that account, none of another. */
    assert_int_equal(a->ops->session_add(a, ana.id, T('4'), 5000, 1003), ZE_OK);
    assert_int_equal(b->ops->supervisor_put(b, "Ana Soto", PW2, 1004, &created), ZE_OK);
    assert_int_equal(a->ops->session_get(a, T('4'), 1005, &s, NULL), ZE_NOT_FOUND);
    assert_int_equal(a->ops->session_get(a, T('3'), 1005, &s, NULL), ZE_OK);
    assert_int_equal(a->ops->generation(a, &gen1), ZE_OK);
    assert_int_equal(gen1, gen0);
    store_close(b);
}

/* ---- worker PINs ---- */

static event_rec_t lock_event(int64_t worker_id)
{
    event_rec_t e;
    memset(&e, 0, sizeof e);
    snprintf(e.id, sizeof e.id, "pin-lock-%lld", (long long)worker_id);
    e.ts = 3000;
    snprintf(e.tipo, sizeof e.tipo, "PIN_BLOQUEADO");
    e.worker_id = worker_id;
    snprintf(e.worker_nombre, sizeof e.worker_nombre, "MR(93)");
    snprintf(e.accion, sizeof e.accion, "BLOQUEO");
    snprintf(e.metadata_json, sizeof e.metadata_json, "{\"failures\": 3}");
    return e;
}

static int count_type(void *ud, const event_rec_t *e)
{
    if (strcmp(e->tipo, "PIN_BLOQUEADO") == 0 || strcmp(e->tipo, "PIN_DESBLOQUEADO") == 0)
        (*(int *)ud)++;
    return 0;
}

static int pin_events(store_t *st)
{
    int n = 0;
    assert_int_equal(st->ops->event_foreach_since(st, 0, 100000, count_type, &n), ZE_OK);
    return n;
}

void pins_count_failures_lock_out_once_and_verify_pairs(void **state)
{
    ctx_t *c = *state;
    store_t *a = c->st, *b = open_or_fail(c->url);
    pin_state_t p;
    assert_int_equal(a->ops->pin_get(a, 93, &p), ZE_NOT_FOUND);
    assert_int_equal(a->ops->pin_attempt(a, 93, 1, 0, 1000, 0, 3, NULL, &p), ZE_NOT_FOUND);
    assert_int_equal(a->ops->pin_set(a, 93, PW1, 1000, NULL, 0), ZE_OK);
    assert_int_equal(b->ops->pin_get(b, 93, &p), ZE_OK);
    assert_string_equal(p.pin_hash, PW1);
    assert_int_equal(p.set_at, 1000);
    assert_int_equal(p.failures, 0);
    /* A right PIN verifies the pair (device 1, worker 93) until its expiry, on every handle. */
    assert_int_equal(b->ops->pin_session_check(b, 1, 93, 1001), ZE_NOT_FOUND);
    assert_int_equal(a->ops->pin_attempt(a, 93, 1, 1, 1001, 2000, 3, NULL, &p), ZE_OK);
    assert_int_equal(b->ops->pin_session_check(b, 1, 93, 1999), ZE_OK);
    assert_int_equal(b->ops->pin_session_check(b, 1, 93, 2000), ZE_NOT_FOUND);
    assert_int_equal(b->ops->pin_session_check(b, 2, 93, 1500), ZE_NOT_FOUND);
    assert_int_equal(b->ops->pin_session_check(b, 1, 94, 1500), ZE_NOT_FOUND);
    /* Failures count up with their time; the third (lock_after) locks out, with its event in
     * the same write; later failures neither lock again nor append again. */
    int64_t gen0 = 0, gen1 = 0;
    assert_int_equal(a->ops->generation(a, &gen0), ZE_OK);
    event_rec_t ev = lock_event(93);
    assert_int_equal(a->ops->pin_attempt(a, 93, 2, 0, 1100, 0, 3, &ev, &p), ZE_OK);
    assert_int_equal(p.failures, 1);
    assert_int_equal(p.last_failure, 1100);
    assert_int_equal(p.locked_at, 0);
    assert_int_equal(a->ops->pin_attempt(a, 93, 2, 0, 1101, 0, 3, &ev, &p), ZE_OK);
    assert_int_equal(a->ops->generation(a, &gen1), ZE_OK);
    assert_int_equal(gen1, gen0); /* no event yet: the generation stays */
    assert_int_equal(pin_events(b), 0);
    assert_int_equal(a->ops->pin_attempt(a, 93, 2, 0, 1102, 0, 3, &ev, &p), ZE_OK);
    assert_int_equal(p.failures, 3);
    assert_int_equal(p.locked_at, 1102);
    assert_true(ev.seq > 0);
    assert_int_equal(pin_events(b), 1);
    event_rec_t ev2 = lock_event(930);
    assert_int_equal(a->ops->pin_attempt(a, 93, 2, 0, 1103, 0, 3, &ev2, &p), ZE_OK);
    assert_int_equal(p.failures, 4);
    assert_int_equal(p.locked_at, 1102);
    assert_int_equal(pin_events(b), 1);
    /* A locked-out PIN verifies no pair, even one verified before. */
    assert_int_equal(b->ops->pin_session_check(b, 1, 93, 1500), ZE_NOT_FOUND);
    /* Setting the PIN again (a supervisor's unlock) clears failures and lock, ends every pair,
     * and appends its own audit event. */
    assert_int_equal(a->ops->pin_attempt(a, 93, 1, 1, 1104, 2000, 3, NULL, &p), ZE_OK);
    event_rec_t un = lock_event(93);
    snprintf(un.id, sizeof un.id, "pin-unlock-93");
    snprintf(un.tipo, sizeof un.tipo, "PIN_DESBLOQUEADO");
    assert_int_equal(b->ops->pin_set(b, 93, PW2, 1200, &un, 1), ZE_OK);
    assert_int_equal(pin_events(a), 2);
    assert_int_equal(a->ops->pin_get(a, 93, &p), ZE_OK);
    assert_string_equal(p.pin_hash, PW2);
    assert_int_equal(p.failures, 0);
    assert_int_equal(p.locked_at, 0);
    assert_int_equal(a->ops->pin_session_check(a, 1, 93, 1500), ZE_NOT_FOUND);
    store_close(b);
}
