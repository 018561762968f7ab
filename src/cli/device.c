/* `zeues device add NAME | list | revoke NAME`: the supervisor's side of device enrolment. add
 * prints the one-time code the tablet types at /app/enroll; the code itself is stored only as a
 * hash, so it is shown once and never again. revoke works on a running server at once: the
 * server looks the device up on every request. */
#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "cli/cli.h"
#include "core/errors.h"
#include "store/store.h"
#include "util/tz.h"

static int device_add(store_t *st, const char *name)
{
    char code[AUTH_CODE_TEXT], until[32];
    int64_t expires = 0;
    int rc = auth_device_add(st, name, tz_now(), code, &expires);
    if (rc == ZE_VALIDATION_ERROR) {
        fprintf(stderr, "zeues device add: the name must be 1 to %d bytes of text without control "
                        "characters or spaces at either end\n",
                ACCESS_DEVICE_NAME_MAX);
        return 2;
    }
    if (rc == ZE_DEVICE_EXISTS) {
        fprintf(stderr, "zeues device add: '%s' is an enrolled device; revoke it first "
                        "(zeues device revoke) to enrol it again\n",
                name);
        return 1;
    }
    if (rc != ZE_OK) {
        fprintf(stderr, "zeues device add: %s\n", zerr_name(rc));
        return 1;
    }
    tz_format_dmy_hms(expires, until, sizeof until);
    printf("Dispositivo: %s\nCódigo de enrolamiento: %s\nVálido hasta %s, una sola vez: "
           "ingrésalo en /app/enroll de la tablet (o POST /api/devices/enroll).\n",
           name, code, until);
    return 0;
}

static void print_time(const char *label, int64_t t)
{
    char buf[32];
    if (t) tz_format_dmy_hms(t, buf, sizeof buf);
    printf("  %s %-19s", label, t ? buf : "-");
}

static int print_device(void *ud, const device_t *d)
{
    int *n = ud;
    const char *state = d->revoked_at ? "revocado" : d->enrolled_at ? "activo" : "código pendiente";
    printf("%-24s %-16s", d->name, state);
    print_time("creado", d->created_at);
    print_time("visto", d->last_seen);
    if (d->revoked_at) print_time("revocado", d->revoked_at);
    printf("\n");
    (*n)++;
    return 0;
}

static int device_list(store_t *st)
{
    int n = 0;
    if (st->ops->device_foreach(st, print_device, &n) != ZE_OK) {
        fprintf(stderr, "zeues device list: the store cannot be read\n");
        return 1;
    }
    printf("%d dispositivos\n", n);
    return 0;
}

static int device_revoke(store_t *st, const char *name)
{
    int rc = st->ops->device_revoke(st, name, tz_now());
    if (rc == ZE_DEVICE_NO_ENCONTRADO) {
        fprintf(stderr, "zeues device revoke: no device is named '%s' (see zeues device list)\n",
                name);
        return 1;
    }
    if (rc != ZE_OK) {
        fprintf(stderr, "zeues device revoke: %s\n", zerr_name(rc));
        return 1;
    }
    printf("Dispositivo '%s' revocado: sus solicitudes son rechazadas (401) desde ahora.\n", name);
    return 0;
}

int cli_device(store_t *st, const char *action, const char *name)
{
    if (auth_init() != 0) {
        fprintf(stderr, "zeues device: the crypto library (libsodium) cannot start\n");
        return 1;
    }
    if (strcmp(action, "add") == 0) return device_add(st, name);
    if (strcmp(action, "revoke") == 0) return device_revoke(st, name);
    return device_list(st);
}
