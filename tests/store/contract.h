/* What the files of the store contract suite share (tests/store/): the per-case context, the
 * seeded plant, helpers, and the case lists of contract_unions.c, contract_supervisor.c,
 * contract_devices.c and contract_accounts.c that main (test_store_contract.c) runs against
 * every backend. */
#ifndef ZEUES_TESTS_STORE_CONTRACT_H
#define ZEUES_TESTS_STORE_CONTRACT_H
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct backend {
    const char *name;
    /* Writes the URL of a fresh, empty store under dir into out. */
    void (*make_url)(const char *dir, char *out, size_t n);
} backend_t;

#define N_SPOOLS 8

/* One case: a fresh store seeded by seed() in its own temporary directory. */
typedef struct ctx {
    const backend_t *be;
    char dir[256];
    char url[512];
    store_t *st;
} ctx_t;

/** Makes a fresh temporary directory $TMPDIR/zeues-NAME-XXXXXX into dir (fails the case if
 *  it cannot). */
void temp_dir(char *dir, size_t n, const char *name);
/** Removes dir and everything in it; 0 on success. */
int remove_dir(const char *dir);
/** store_open that fails the case with the backend's message. Caller closes. */
store_t *open_or_fail(const char *url);
/** Imports the small plant: spools T-0..T-7 (materials in), workers 93 and 94 with roles. */
void seed(store_t *st);
/** A TOMAR-like event for tag with a recognisable id (n). */
event_rec_t event_for(const char *tag, int n);
/** Takes tag for worker 93 at its current version: one spool_commit with one event. */
int take(store_t *st, const char *tag, int n, int64_t *seq);
/** The number of events of tag. */
int events_of(store_t *st, const char *tag);
/** cmocka setup/teardown of a case (fresh seeded store of the backend being run). */
int setup(void **state);
int teardown(void **state);

/* contract_unions.c */
void unions_get_in_n_order_and_foreach_in_sheet_order(void **state);
void commit_writes_spool_unions_notas_and_events_together(void **state);
void a_lost_union_compare_and_set_writes_nothing(void **state);
void union_deletes_must_find_their_union(void **state);
void commit_refuses_unions_of_another_spool(void **state);
void notas_append_across_handles(void **state);
void import_keeps_counters_equal_to_unions(void **state);
void events_keep_their_n_union(void **state);

#define CONTRACT_UNIONS_TESTS                                                                 \
    cmocka_unit_test_setup_teardown(unions_get_in_n_order_and_foreach_in_sheet_order, setup,  \
                                    teardown),                                                \
        cmocka_unit_test_setup_teardown(commit_writes_spool_unions_notas_and_events_together, \
                                        setup, teardown),                                     \
        cmocka_unit_test_setup_teardown(a_lost_union_compare_and_set_writes_nothing, setup,   \
                                        teardown),                                            \
        cmocka_unit_test_setup_teardown(union_deletes_must_find_their_union, setup, teardown), \
        cmocka_unit_test_setup_teardown(commit_refuses_unions_of_another_spool, setup,        \
                                        teardown),                                            \
        cmocka_unit_test_setup_teardown(notas_append_across_handles, setup, teardown),        \
        cmocka_unit_test_setup_teardown(import_keeps_counters_equal_to_unions, setup,         \
                                        teardown),                                            \
        cmocka_unit_test_setup_teardown(events_keep_their_n_union, setup, teardown)

/* contract_supervisor.c */
void tracked_list_is_idempotent(void **state);
void audit_book_dedupes_by_id(void **state);
void snapshots_are_written_once(void **state);

#define CONTRACT_SUPERVISOR_TESTS                                                             \
    cmocka_unit_test_setup_teardown(tracked_list_is_idempotent, setup, teardown),             \
        cmocka_unit_test_setup_teardown(audit_book_dedupes_by_id, setup, teardown),           \
        cmocka_unit_test_setup_teardown(snapshots_are_written_once, setup, teardown)

/* contract_devices.c */
void device_code_works_once_and_tokens_are_found_by_hash(void **state);
void device_revocation_and_names(void **state);

#define CONTRACT_DEVICES_TESTS                                                                \
    cmocka_unit_test_setup_teardown(device_code_works_once_and_tokens_are_found_by_hash,      \
                                    setup, teardown),                                         \
        cmocka_unit_test_setup_teardown(device_revocation_and_names, setup, teardown)

/* contract_sync.c */
void sync_state_reads_zero_then_what_was_put(void **state);
void sync_state_is_shared_and_survives_reopen(void **state);
void import_only_current_keeps_what_the_sheet_has_not_caught_up_with(void **state);
void a_deleted_union_does_not_come_back_from_a_sheet_read_before_its_row_left(void **state);

#define CONTRACT_SYNC_TESTS                                                                   \
    cmocka_unit_test_setup_teardown(sync_state_reads_zero_then_what_was_put, setup, teardown), \
        cmocka_unit_test_setup_teardown(sync_state_is_shared_and_survives_reopen, setup,      \
                                        teardown),                                            \
        cmocka_unit_test_setup_teardown(                                                      \
            import_only_current_keeps_what_the_sheet_has_not_caught_up_with, setup, teardown), \
        cmocka_unit_test_setup_teardown(                                                      \
            a_deleted_union_does_not_come_back_from_a_sheet_read_before_its_row_left, setup,  \
            teardown)

/* contract_accounts.c */
void supervisor_accounts_are_created_once(void **state);
void sessions_live_until_expiry_sign_out_or_a_new_password(void **state);
void pins_count_failures_lock_out_once_and_verify_pairs(void **state);

#define CONTRACT_ACCOUNTS_TESTS                                                               \
    cmocka_unit_test_setup_teardown(supervisor_accounts_are_created_once, setup, teardown),   \
        cmocka_unit_test_setup_teardown(sessions_live_until_expiry_sign_out_or_a_new_password, \
                                        setup, teardown),                                     \
        cmocka_unit_test_setup_teardown(pins_count_failures_lock_out_once_and_verify_pairs,    \
                                        setup, teardown)

#endif
