/* The supervisor actions, the same for the command line (`zeues unblock|release`) and the
 * console of the built-in UI: the pure decision (core/supervisor.c), one transaction with its
 * audit event naming who and why, the notify, and for a release the removal of the spool's
 * Redis lock. */
#ifndef ZEUES_APP_SUPERVISE_H
#define ZEUES_APP_SUPERVISE_H

#include "app/app.h"
#include "core/decide.h"

typedef enum supervise_action {
    SUPERVISE_UNBLOCK, /* BLOQUEADO (3 rejections) back to the repair queue */
    SUPERVISE_RELEASE  /* end a stuck occupation; the work stays paused */
} supervise_action_t;

/** Longest reason kept (bytes). */
#define SUPERVISE_REASON_MAX 500

/**
 * Applies action to tag as supervisor by (the name the audit event records), for reason, from
 * device (may be NULL: the CLI). ZE_OK with out filled; *lock_left = 1 when a release could
 * not remove the Redis lock (Redis unreachable: reconciliation removes it within seconds).
 * Errors as mutate_apply, and ZE_VALIDATION_ERROR when by or reason is empty or too long; fail
 * gets the message (caller clears it with zfail_clear). Thread-safe.
 */
int supervise_apply(app_t *app, supervise_action_t action, const char *tag, const char *by,
                    const char *reason, const char *device, zoutcome_t *out, zfail_t *fail,
                    int *lock_left);

#endif
