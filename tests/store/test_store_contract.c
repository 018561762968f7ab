/* The store contract (src/store/store.h) checked against every compiled backend: the same
 * cases run once per row of BACKENDS (SQLite today; each new backend adds its row). Each case
 * opens a fresh store from a URL in a temporary directory, the way `zeues serve --store` does,
 * and several cases open a second handle on the same data, as a second server instance or a
 * supervisor command would. This file holds the spool and event cases and main;
 * contract_unions.c the unions, the general commit and Notas, contract_supervisor.c the
 * tracked list, audit book and snapshots, contract_devices.c the enrolled devices,
 * contract_sync.c the spreadsheet sync state (helpers
 * shared through contract.h). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "contract.h"
#include "core/errors.h"
#include "store/store.h"

static void sqlite_url(const char *dir, char *out, size_t n)
{
    snprintf(out, n, "sqlite://%s/contract.db", dir);
}

#ifdef ZEUES_WITH_PG
/* A fresh database on the server of tests/pg/pg_server.py (ZEUES_PG_URL, no database; PGHOST
 * and friends let createdb reach it), named after the case's temporary directory. */
static void postgres_url(const char *dir, char *out, size_t n)
{
    const char *base = getenv("ZEUES_PG_URL"), *bin = getenv("ZEUES_PG_BIN");
    if (!base || !bin) fail_msg("ZEUES_PG_URL / ZEUES_PG_BIN not set: run under tests/pg/pg_server.py");
    const char *slash = strrchr(dir, '/');
    char name[64];
    snprintf(name, sizeof name, "c_%s", slash ? slash + 1 : dir);
    for (char *p = name; *p; p++)
        if (*p == '-') *p = '_';
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s/createdb' '%s'", bin, name);
    if (system(cmd) != 0) fail_msg("%s failed", cmd);
    snprintf(out, n, "%s/%s", base, name);
}
#endif

static const backend_t BACKENDS[] = {
    {"sqlite", sqlite_url},
#ifdef ZEUES_WITH_PG
    {"postgres", postgres_url},
#endif
};
#define N_BACKENDS (sizeof BACKENDS / sizeof BACKENDS[0])

static int setup_for(void **state, const backend_t *be)
{
    ctx_t *c = test_calloc(1, sizeof *c);
    c->be = be;
    temp_dir(c->dir, sizeof c->dir, "store");
    be->make_url(c->dir, c->url, sizeof c->url);
    c->st = open_or_fail(c->url);
    seed(c->st);
    *state = c;
    return 0;
}

int teardown(void **state)
{
    ctx_t *c = *state;
    store_close(c->st);
    if (remove_dir(c->dir) != 0) fprintf(stderr, "could not remove %s\n", c->dir);
    test_free(c);
    return 0;
}

/* ---- the cases ---- */

static void reads_and_absent_rows(void **state)
{
    ctx_t *c = *state;
    spool_t s;
    worker_t w;
    assert_int_equal(c->st->ops->spool_get(c->st, "T-3", &s), ZE_OK);
    assert_string_equal(s.tag, "T-3");
    assert_int_equal(c->st->ops->spool_get(c->st, "NOPE", &s), ZE_SPOOL_NO_ENCONTRADO);
    assert_int_equal(c->st->ops->worker_get(c->st, 93, &w), ZE_OK);
    assert_true(w.roles & ZROLE_ARMADOR);
    assert_int_equal(c->st->ops->worker_get(c->st, 4242, &w), ZE_WORKER_NO_ENCONTRADO);
    assert_int_equal(c->st->ops->ping(c->st), ZE_OK);
}

static void commit_raises_version_by_one_and_appends_its_event(void **state)
{
    ctx_t *c = *state;
    spool_t before, after;
    assert_int_equal(c->st->ops->spool_get(c->st, "T-1", &before), ZE_OK);
    int64_t seq = -1;
    assert_int_equal(take(c->st, "T-1", 1, &seq), ZE_OK);
    assert_true(seq > 0);
    assert_int_equal(c->st->ops->spool_get(c->st, "T-1", &after), ZE_OK);
    assert_int_equal(after.version, before.version + 1);
    assert_string_equal(after.ocupado_por, "MR(93)");
    assert_int_equal(events_of(c->st, "T-1"), 1);
    int64_t last;
    assert_int_equal(c->st->ops->event_last_seq(c->st, &last), ZE_OK);
    assert_int_equal(last, seq);
}

static void lost_compare_and_set_writes_nothing(void **state)
{
    ctx_t *c = *state;
    spool_t s;
    assert_int_equal(c->st->ops->spool_get(c->st, "T-2", &s), ZE_OK);
    int64_t stale = s.version;
    assert_int_equal(take(c->st, "T-2", 1, NULL), ZE_OK);
    snprintf(s.ocupado_por, sizeof s.ocupado_por, "NR(94)");
    s.ocupado_worker_id = 94;
    s.ocupado_op = ZOP_SOLD;
    event_rec_t e = event_for("T-2", 2);
    int64_t last_before;
    assert_int_equal(c->st->ops->event_last_seq(c->st, &last_before), ZE_OK);
    assert_int_equal(c->st->ops->spool_commit(c->st, &s, stale, &e, 1), ZE_VERSION_CONFLICT);
    spool_t now;
    assert_int_equal(c->st->ops->spool_get(c->st, "T-2", &now), ZE_OK);
    assert_string_equal(now.ocupado_por, "MR(93)");
    int64_t last_after;
    assert_int_equal(c->st->ops->event_last_seq(c->st, &last_after), ZE_OK);
    assert_int_equal(last_after, last_before); /* its event was not appended */
    assert_int_equal(events_of(c->st, "T-2"), 1);
}

static void commit_of_absent_spool_writes_nothing(void **state)
{
    ctx_t *c = *state;
    spool_t s;
    assert_int_equal(c->st->ops->spool_get(c->st, "T-0", &s), ZE_OK);
    snprintf(s.tag, sizeof s.tag, "GHOST");
    event_rec_t e = event_for("GHOST", 3);
    int rc = c->st->ops->spool_commit(c->st, &s, s.version, &e, 1);
    assert_true(rc == ZE_SPOOL_NO_ENCONTRADO || rc == ZE_VERSION_CONFLICT);
    assert_int_equal(events_of(c->st, "GHOST"), 0);
}

static void sequence_grows_across_handles_and_survives_reopen(void **state)
{
    ctx_t *c = *state;
    store_t *other = open_or_fail(c->url); /* a second instance on the same data */
    int64_t a, b, d;
    assert_int_equal(take(c->st, "T-4", 1, &a), ZE_OK);
    assert_int_equal(take(other, "T-5", 2, &b), ZE_OK);
    assert_int_equal(take(c->st, "T-6", 3, &d), ZE_OK);
    assert_true(a < b && b < d);
    int64_t g1, g2;
    assert_int_equal(c->st->ops->generation(c->st, &g1), ZE_OK);
    assert_int_equal(take(other, "T-7", 4, NULL), ZE_OK);
    assert_int_equal(c->st->ops->generation(c->st, &g2), ZE_OK);
    assert_true(g1 != g2); /* a write by another handle changes the generation */
    store_close(other);
    store_close(c->st);
    c->st = open_or_fail(c->url);
    spool_t s;
    assert_int_equal(c->st->ops->spool_get(c->st, "T-5", &s), ZE_OK);
    assert_string_equal(s.ocupado_por, "MR(93)");
    int64_t last;
    assert_int_equal(c->st->ops->event_last_seq(c->st, &last), ZE_OK);
    assert_true(last > d);
}

typedef struct collect {
    int64_t seqs[256];
    int n;
} collect_t;

static int collect_seq(void *ud, const event_rec_t *e)
{
    collect_t *c = ud;
    if (c->n < 256) c->seqs[c->n++] = e->seq;
    return 0;
}

static void since_and_tag_visit_in_sequence_order(void **state)
{
    ctx_t *c = *state;
    for (int i = 0; i < 6; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "T-%d", i);
        assert_int_equal(take(c->st, tag, 10 + i, NULL), ZE_OK);
    }
    collect_t all = {0}, lim = {0};
    assert_int_equal(c->st->ops->event_foreach_since(c->st, 0, 100, collect_seq, &all), ZE_OK);
    assert_int_equal(all.n, 6);
    for (int i = 1; i < all.n; i++) assert_true(all.seqs[i] > all.seqs[i - 1]);
    assert_int_equal(c->st->ops->event_foreach_since(c->st, all.seqs[1], 2, collect_seq, &lim), ZE_OK);
    assert_int_equal(lim.n, 2);
    assert_int_equal(lim.seqs[0], all.seqs[2]);
    assert_int_equal(lim.seqs[1], all.seqs[3]);
}

/* Sequence visibility: writers on two handles commit while a reader follows with a cursor
 * ("everything up to N seen"). If an event N were ever visible before an earlier one, the
 * cursor would pass the earlier one and the reader would miss it. */
#define VIS_WRITERS 2
#define VIS_COMMITS 150

typedef struct vis {
    const char *url;
    int id;
    volatile int *done;
    pthread_mutex_t *mu;
} vis_t;

static void *vis_writer(void *arg)
{
    vis_t *v = arg;
    char err[512];
    store_t *st = store_open(v->url, err, sizeof err);
    if (!st) return (void *)1;
    intptr_t bad = 0;
    for (int i = 0; i < VIS_COMMITS && !bad; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "T-%d", (v->id * 4 + i) % N_SPOOLS);
        int rc;
        do rc = take(st, tag, v->id * 100000 + i, NULL);
        while (rc == ZE_VERSION_CONFLICT);
        bad = rc != ZE_OK;
    }
    store_close(st);
    pthread_mutex_lock(v->mu);
    (*v->done)++;
    pthread_mutex_unlock(v->mu);
    return (void *)bad;
}

typedef struct follow {
    int64_t cursor;
    int seen;
} follow_t;

static int on_follow(void *ud, const event_rec_t *e)
{
    follow_t *f = ud;
    if (e->seq <= f->cursor) fail_msg("event %lld visited again after cursor %lld", (long long)e->seq,
                                      (long long)f->cursor);
    f->cursor = e->seq;
    f->seen++;
    return 0;
}

static void a_cursor_never_misses_an_event(void **state)
{
    ctx_t *c = *state;
    int64_t start;
    assert_int_equal(c->st->ops->event_last_seq(c->st, &start), ZE_OK);
    volatile int done = 0;
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_t t[VIS_WRITERS];
    vis_t v[VIS_WRITERS];
    for (int i = 0; i < VIS_WRITERS; i++) {
        v[i] = (vis_t){c->url, i, &done, &mu};
        assert_int_equal(pthread_create(&t[i], NULL, vis_writer, &v[i]), 0);
    }
    follow_t f = {start, 0};
    for (;;) {
        pthread_mutex_lock(&mu);
        int finished = done == VIS_WRITERS;
        pthread_mutex_unlock(&mu);
        assert_int_equal(c->st->ops->event_foreach_since(c->st, f.cursor, 50, on_follow, &f), ZE_OK);
        if (finished) {
            int before = f.seen;
            assert_int_equal(c->st->ops->event_foreach_since(c->st, f.cursor, 100000, on_follow, &f), ZE_OK);
            if (f.seen == before) break;
        }
    }
    for (int i = 0; i < VIS_WRITERS; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        assert_null(rv);
    }
    int total = 0;
    for (int i = 0; i < N_SPOOLS; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "T-%d", i);
        total += events_of(c->st, tag);
    }
    assert_int_equal(total, VIS_WRITERS * VIS_COMMITS);
    assert_int_equal(f.seen, VIS_WRITERS * VIS_COMMITS); /* the follower saw every one */
}

static void reimport_keeps_tracking_and_the_audit_log(void **state)
{
    ctx_t *c = *state;
    assert_int_equal(take(c->st, "T-3", 7, NULL), ZE_OK);
    seed(c->st); /* the office re-imports its engineering data */
    spool_t s;
    assert_int_equal(c->st->ops->spool_get(c->st, "T-3", &s), ZE_OK);
    assert_string_equal(s.ocupado_por, "MR(93)");
    assert_int_equal(events_of(c->st, "T-3"), 1);
}

static void unknown_scheme_is_refused_by_name(void **state)
{
    (void)state;
    char err[512] = "";
    assert_null(store_open("mysql://x/y", err, sizeof err));
    assert_non_null(strstr(err, "mysql"));
    assert_null(store_open("", err, sizeof err));
    char loc[64];
    assert_string_equal(store_location("sqlite:///var/lib/z.db", loc, sizeof loc), "/var/lib/z.db");
    assert_string_equal(store_location("sqlite://rel.db", loc, sizeof loc), "rel.db");
    assert_string_equal(store_location("plain.db", loc, sizeof loc), "plain.db");
    /* a PostgreSQL URL is shown without its password */
    assert_string_equal(store_location("postgres://u:secret@h:5432/z", loc, sizeof loc),
                        "postgres://u@h:5432/z");
}

/* ---- one group per backend ---- */

static const backend_t *CURRENT;
int setup(void **state) { return setup_for(state, CURRENT); }

/* Concurrent commits, as request threads make them: whatever the backend batches together,
 * each commit has its own outcome. 8 threads x 60 read-modify-commit rounds over 3 spools:
 * every ZE_OK raised its spool's version by one and wrote its event, every conflict wrote
 * nothing. */
typedef struct racer {
    store_t *st;
    int id, ok, conflicts, other;
} racer_t;

static void *race_commits(void *arg)
{
    racer_t *r = arg;
    for (int i = 0; i < 60; i++) {
        char tag[ZTAG_MAX];
        snprintf(tag, sizeof tag, "T-%d", (r->id + i) % 3);
        int rc = take(r->st, tag, r->id * 1000 + i, NULL);
        if (rc == ZE_OK) r->ok++;
        else if (rc == ZE_VERSION_CONFLICT) r->conflicts++;
        else r->other++;
    }
    return NULL;
}

static void concurrent_commits_each_keep_their_own_outcome(void **state)
{
    ctx_t *c = *state;
    int64_t before[3];
    for (int i = 0; i < 3; i++) {
        char tag[ZTAG_MAX];
        spool_t s;
        snprintf(tag, sizeof tag, "T-%d", i);
        assert_int_equal(c->st->ops->spool_get(c->st, tag, &s), ZE_OK);
        before[i] = s.version;
    }
    racer_t r[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (racer_t){.st = c->st, .id = i + 1};
        assert_int_equal(pthread_create(&th[i], NULL, race_commits, &r[i]), 0);
    }
    int ok = 0, other = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ok += r[i].ok;
        other += r[i].other;
    }
    assert_int_equal(other, 0);
    int64_t steps = 0;
    int events = 0;
    for (int i = 0; i < 3; i++) {
        char tag[ZTAG_MAX];
        spool_t s;
        snprintf(tag, sizeof tag, "T-%d", i);
        assert_int_equal(c->st->ops->spool_get(c->st, tag, &s), ZE_OK);
        steps += s.version - before[i];
        events += events_of(c->st, tag);
    }
    assert_true(ok > 0);
    assert_int_equal(steps, ok);
    assert_int_equal(events, ok);
    store_stats_t st;
    c->st->ops->stats(c->st, &st);
    assert_int_equal(st.write_state, STORE_WRITE_OK);
    assert_true(st.changes >= ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reads_and_absent_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_raises_version_by_one_and_appends_its_event, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_compare_and_set_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_of_absent_spool_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(sequence_grows_across_handles_and_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(since_and_tag_visit_in_sequence_order, setup, teardown),
        cmocka_unit_test_setup_teardown(a_cursor_never_misses_an_event, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_commits_each_keep_their_own_outcome, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(reimport_keeps_tracking_and_the_audit_log, setup, teardown),
        cmocka_unit_test(unknown_scheme_is_refused_by_name),
        CONTRACT_UNIONS_TESTS,
        CONTRACT_SUPERVISOR_TESTS,
        CONTRACT_DEVICES_TESTS,
        CONTRACT_SYNC_TESTS,
        CONTRACT_ACCOUNTS_TESTS,
    };
    const char *only = getenv("ZEUES_STORE_BACKEND"); /* run one row: ctest store.<name> */
    int failed = 0, ran = 0;
    for (size_t i = 0; i < N_BACKENDS; i++) {
        if (only && *only && strcmp(only, BACKENDS[i].name) != 0) continue;
        CURRENT = &BACKENDS[i];
        char group[64];
        snprintf(group, sizeof group, "store_contract_%s", BACKENDS[i].name);
        failed += cmocka_run_group_tests_name(group, tests, NULL, NULL);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "no compiled backend is named '%s'\n", only);
        return 1;
    }
    return failed ? 1 : 0;
}
