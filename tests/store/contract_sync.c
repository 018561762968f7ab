/* The store contract for the spreadsheet sync's named integers (store.h sync_get / sync_put):
 * absent names read as 0, a put replaces, values survive a reopen and are seen by another
 * handle at once (the CLI's `zeues sheets status` beside the server), and they leave the
 * generation alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "contract.h"
#include "core/errors.h"
#include "store/store.h"

void sync_state_reads_zero_then_what_was_put(void **state)
{
    ctx_t *c = *state;
    int64_t v = 77;
    assert_int_equal(c->st->ops->sync_get(c->st, "metadata_seq", &v), ZE_OK);
    assert_int_equal(v, 0);
    int64_t gen0 = 0, gen1 = 0;
    assert_int_equal(c->st->ops->generation(c->st, &gen0), ZE_OK);
    assert_int_equal(c->st->ops->sync_put(c->st, "metadata_seq", 41), ZE_OK);
    assert_int_equal(c->st->ops->sync_put(c->st, "metadata_seq", 42), ZE_OK);
    assert_int_equal(c->st->ops->sync_put(c->st, "ops_seq", -5), ZE_OK);
    assert_int_equal(c->st->ops->generation(c->st, &gen1), ZE_OK);
    assert_true(gen0 == gen1);
    assert_int_equal(c->st->ops->sync_get(c->st, "metadata_seq", &v), ZE_OK);
    assert_int_equal(v, 42);
    assert_int_equal(c->st->ops->sync_get(c->st, "ops_seq", &v), ZE_OK);
    assert_int_equal(v, -5);
    assert_int_equal(c->st->ops->sync_get(c->st, "metadata", &v), ZE_OK); /* no prefix match */
    assert_int_equal(v, 0);
}

void sync_state_is_shared_and_survives_reopen(void **state)
{
    ctx_t *c = *state;
    store_t *other = open_or_fail(c->url);
    assert_int_equal(c->st->ops->sync_put(c->st, "metadata_seq", (int64_t)1 << 40), ZE_OK);
    int64_t v = 0;
    assert_int_equal(other->ops->sync_get(other, "metadata_seq", &v), ZE_OK);
    assert_true(v == (int64_t)1 << 40);
    assert_int_equal(other->ops->sync_put(other, "metadata_seq", 7), ZE_OK);
    store_close(other);
    store_close(c->st);
    c->st = open_or_fail(c->url);
    assert_int_equal(c->st->ops->sync_get(c->st, "metadata_seq", &v), ZE_OK);
    assert_int_equal(v, 7);
}
