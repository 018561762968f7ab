/* `zeues worker pin ID` (the PIN read from stdin, like a supervisor's password: never from
 * argv) and `zeues worker unlock ID --by NAME --reason TEXT` (lifts a PIN lock-out, audited as
 * PIN_DESBLOQUEADO in the same transaction, exactly as the console does). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/auth.h"
#include "cli/cli.h"
#include "core/errors.h"
#include "store/store.h"
#include "util/tz.h"

static int worker_pin(store_t *st, long long id)
{
    char pin[32], again[32];
    int status = 1;
    if (cli__read_secret("PIN (4 a 6 dígitos): ", pin, sizeof pin) != 0) {
        fprintf(stderr, "zeues worker pin: no PIN on standard input\n");
        goto out;
    }
    if (isatty(STDIN_FILENO) &&
        (cli__read_secret("Repite el PIN: ", again, sizeof again) != 0 || strcmp(pin, again) != 0)) {
        fprintf(stderr, "zeues worker pin: the two PINs differ; nothing changed\n");
        goto out;
    }
    int rc = auth_pin_set(st, id, pin, tz_now());
    if (rc == ZE_VALIDATION_ERROR) {
        fprintf(stderr, "zeues worker pin: a PIN is 4 to 6 digits\n");
        status = 2;
    } else if (rc == ZE_WORKER_NO_ENCONTRADO) {
        fprintf(stderr, "zeues worker pin: no worker %lld\n", id);
    } else if (rc != ZE_OK) {
        fprintf(stderr, "zeues worker pin: %s\n", zerr_name(rc));
    } else {
        printf("Trabajador %lld: PIN asignado (bloqueo y sesiones de PIN anteriores borrados).\n",
               id);
        status = 0;
    }
out:
    cli__wipe(pin, sizeof pin);
    cli__wipe(again, sizeof again);
    return status;
}

static int worker_unlock(store_t *st, long long id, const char *by, const char *reason)
{
    if (!by || !*by || !reason || !*reason) {
        fprintf(stderr, "zeues worker unlock: --by NAME and --reason TEXT are required (they go "
                        "to the audit log)\n");
        return 2;
    }
    config_t cfg;
    char err[256];
    if (config_load(&cfg, 0, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "zeues worker unlock: %s\n", err);
        return 2;
    }
    app_t app = {.cfg = &cfg, .store = st};
    int was = 0;
    int rc = auth_pin_unlock(&app, id, by, reason, NULL, &was);
    if (rc != ZE_OK) {
        fprintf(stderr, "zeues worker unlock: %s\n", zerr_name(rc));
        return 1;
    }
    printf("Trabajador %lld: %s\n", id,
           was ? "PIN desbloqueado (auditado)." : "el PIN no estaba bloqueado (auditado igual).");
    return 0;
}

int cli_worker(store_t *st, const char *action, long long worker_id, const char *by,
               const char *reason)
{
    if (auth_init() != 0) {
        fprintf(stderr, "zeues worker: the crypto library (libsodium) cannot start\n");
        return 1;
    }
    if (strcmp(action, "pin") == 0) return worker_pin(st, worker_id);
    return worker_unlock(st, worker_id, by, reason);
}
