/* The supervisor actions (see supervise.h). */
#include "app/supervise.h"

#include <stdio.h>
#include <string.h>

#include "app/mutate.h"
#include "core/errors.h"
#include "locks/locks.h"

int supervise_apply(app_t *app, supervise_action_t action, const char *tag, const char *by,
                    const char *reason, const char *device, zoutcome_t *out, zfail_t *fail,
                    int *lock_left)
{
    *lock_left = 0;
    if (!by || !*by || !reason || !*reason || strlen(reason) > SUPERVISE_REASON_MAX)
        return zfail_set(fail, ZE_VALIDATION_ERROR, NULL,
                         "Se requieren el supervisor y el motivo (1 a %d bytes): quedan en la "
                         "auditoría",
                         SUPERVISE_REASON_MAX);
    worker_t sup = {.id = 0, .activo = 1};
    snprintf(sup.display, sizeof sup.display, "%s", by);
    snprintf(sup.nombre, sizeof sup.nombre, "%s", by);
    zcmd_t cmd = {.worker = &sup, .reason = reason, .device = device};
    int release = action == SUPERVISE_RELEASE;
    int rc = mutate_apply(app, tag, &cmd, release ? decide_release : decide_unblock, out, fail);
    if (rc == ZE_OK && release &&
        (!app->locks || app->locks->ops->force_delete(app->locks, tag) != ZE_OK))
        *lock_left = 1;
    return rc;
}
