/* The store contract for the v5 supervisor's records (store.h, domain-v4 §10): the tracked
 * list, the audit book and the legacy snapshots, idempotent by design because the UI retries,
 * across handles as with two server instances. */
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

typedef struct tracked_seen {
    tracked_t t[16];
    int n;
} tracked_seen_t;

static int on_tracked(void *ud, const tracked_t *t)
{
    tracked_seen_t *s = ud;
    if (s->n < 16) s->t[s->n++] = *t;
    return 0;
}

static tracked_seen_t tracked_list(store_t *st)
{
    tracked_seen_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->tracked_foreach(st, on_tracked, &s), ZE_OK);
    return s;
}

void tracked_list_is_idempotent(void **state)
{
    ctx_t *c = *state;
    store_t *a = c->st, *b = open_or_fail(c->url);
    tracked_t out;
    int64_t g0, g1;
    assert_int_equal(a->ops->generation(a, &g0), ZE_OK);
    assert_int_equal(a->ops->tracked_put(a, "T-1", 1000, &out), ZE_OK);
    assert_string_equal(out.tag, "T-1");
    assert_int_equal(out.added_at, 1000);
    assert_int_equal(out.updated_at, 1000);
    assert_string_equal(out.notes, "");
    assert_int_equal(a->ops->generation(a, &g1), ZE_OK);
    assert_true(g1 != g0);
    assert_int_equal(b->ops->tracked_put(b, "T-2", 1001, &out), ZE_OK);
    assert_int_equal(b->ops->tracked_put(b, "NOT-A-SPOOL", 1002, &out), ZE_OK); /* unchecked */
    /* the UI retries: the same add again is one row, reset to now, still first */
    assert_int_equal(b->ops->tracked_put(b, "T-1", 2000, &out), ZE_OK);
    assert_int_equal(a->ops->tracked_put(a, "T-1", 2001, &out), ZE_OK);
    tracked_seen_t s = tracked_list(a);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.t[0].tag, "T-1");
    assert_int_equal(s.t[0].added_at, 2001);
    assert_int_equal(s.t[0].updated_at, 2001);
    assert_string_equal(s.t[1].tag, "T-2");
    assert_string_equal(s.t[2].tag, "NOT-A-SPOOL");
    int removed = -1;
    assert_int_equal(a->ops->tracked_remove(a, "T-1", &removed), ZE_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(b->ops->tracked_remove(b, "T-1", &removed), ZE_OK);
    assert_int_equal(removed, 0); /* not there: still fine */
    assert_int_equal(a->ops->tracked_put(a, "T-1", 3000, NULL), ZE_OK);
    s = tracked_list(b);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.t[0].tag, "T-2");
    assert_string_equal(s.t[2].tag, "T-1"); /* added again: now the last one */
    store_close(b);
}

static audit_ev_t audit_ev(const char *id, int64_t ts, const char *payload)
{
    audit_ev_t e;
    memset(&e, 0, sizeof e);
    snprintf(e.id, sizeof e.id, "%s", id);
    e.ts = ts;
    snprintf(e.session_id, sizeof e.session_id, "tab-1");
    snprintf(e.event_type, sizeof e.event_type, "MODAL_OPEN");
    e.payload_json = (char *)payload;
    return e;
}

typedef struct audit_seen {
    char id[16][64];
    int64_t ts[16];
    char payload[16][64];
    int null_payload[16];
    char tag[16][ZTAG_MAX];
    int n;
} audit_seen_t;

static int on_audit(void *ud, const audit_ev_t *e)
{
    audit_seen_t *s = ud;
    if (s->n >= 16) return 0;
    snprintf(s->id[s->n], sizeof s->id[0], "%s", e->id);
    s->ts[s->n] = e->ts;
    s->null_payload[s->n] = e->payload_json == NULL;
    snprintf(s->payload[s->n], sizeof s->payload[0], "%s", e->payload_json ? e->payload_json : "");
    snprintf(s->tag[s->n], sizeof s->tag[0], "%s", e->tag);
    s->n++;
    return 0;
}

void audit_book_dedupes_by_id(void **state)
{
    ctx_t *c = *state;
    store_t *a = c->st, *b = open_or_fail(c->url);
    audit_ev_t batch1[3] = {audit_ev("e1", 300, " {\"modal\": \"x\"} "), audit_ev("e2", 100, NULL),
                            audit_ev("e1", 300, "{}")};
    snprintf(batch1[1].tag, sizeof batch1[1].tag, "T-1");
    size_t appended = 99;
    assert_int_equal(a->ops->audit_append(a, batch1, 3, &appended), ZE_OK);
    assert_int_equal(appended, 2); /* e1 twice in one batch: once */
    audit_ev_t batch2[2] = {audit_ev("e2", 100, NULL), audit_ev("e3", 200, "[1]")};
    assert_int_equal(b->ops->audit_append(b, batch2, 2, &appended), ZE_OK);
    assert_int_equal(appended, 1);
    assert_int_equal(a->ops->audit_append(a, batch2, 2, &appended), ZE_OK);
    assert_int_equal(appended, 0); /* the UI's retry of the whole batch writes nothing */
    int64_t g0, g1;
    assert_int_equal(a->ops->generation(a, &g0), ZE_OK);
    assert_int_equal(a->ops->audit_append(a, batch2, 2, &appended), ZE_OK);
    assert_int_equal(a->ops->generation(a, &g1), ZE_OK);
    assert_int_equal(g1, g0); /* nothing written, nothing changed */
    audit_seen_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(b->ops->audit_since(b, 0, on_audit, &s), ZE_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.id[0], "e2"); /* ascending timestamp, not insertion order */
    assert_string_equal(s.id[1], "e3");
    assert_string_equal(s.id[2], "e1");
    assert_string_equal(s.tag[0], "T-1");
    assert_true(s.null_payload[0]);
    assert_string_equal(s.payload[1], "[1]");
    assert_string_equal(s.payload[2], " {\"modal\": \"x\"} "); /* verbatim, the first one kept */
    memset(&s, 0, sizeof s);
    assert_int_equal(a->ops->audit_since(a, 200, on_audit, &s), ZE_OK);
    assert_int_equal(s.n, 2); /* ts >= since */
    assert_string_equal(s.id[0], "e3");
    store_close(b);
}

void snapshots_are_written_once(void **state)
{
    ctx_t *c = *state;
    store_t *a = c->st, *b = open_or_fail(c->url);
    snapshot_t snap = {"snap-1", 1000, "[\"T-1\",\"T-2\"]", "Mozilla/5.0"};
    int written = -1;
    assert_int_equal(a->ops->snapshot_put(a, &snap, &written), ZE_OK);
    assert_int_equal(written, 1);
    snapshot_t again = {"snap-1", 2000, "[]", NULL};
    assert_int_equal(b->ops->snapshot_put(b, &again, &written), ZE_OK);
    assert_int_equal(written, 0);
    assert_int_equal(a->ops->snapshot_put(a, &snap, &written), ZE_OK);
    assert_int_equal(written, 0);
    snapshot_t other = {"snap-2", 2000, "[]", NULL};
    assert_int_equal(b->ops->snapshot_put(b, &other, &written), ZE_OK);
    assert_int_equal(written, 1);
    store_close(b);
}
