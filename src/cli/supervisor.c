/* Supervisor tools: `zeues unblock|release TAG --by NAME --reason TEXT` and `zeues log TAG`.
 * They use the same application function as the console of the built-in UI (app/supervise:
 * decision, one transaction with its audit event, notify): the event is published on Redis, so
 * a running server streams it at once; release also removes the spool's Redis lock. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/decide.h"
#include "core/errors.h"
#include "app/app.h"
#include "app/supervise.h"
#include "app/notify.h"
#include "locks/locks.h"
#include "redis/redis.h"
#include "store/store.h"
#include "util/config.h"
#include "util/tz.h"

int cli_supervise(store_t *st, const char *action, const char *tag, const char *by,
                  const char *reason)
{
    if (!by || !*by || !reason || !*reason) {
        fprintf(stderr, "zeues %s: --by NAME and --reason TEXT are required (they go to the audit log)\n",
                action);
        return 2;
    }
    config_t cfg;
    char err[256];
    if (config_load(&cfg, 0, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "zeues %s: %s\n", action, err);
        return 2;
    }
    int release = strcmp(action, "release") == 0;
    /* As in `serve`: a write to a Redis that reset the connection fails with EPIPE instead of
     * killing the command, and the pool then needs no SIGPIPE guard per command (redis.h). */
    signal(SIGPIPE, SIG_IGN);
    rpool_t *redis = rpool_new(cfg.redis_url, 1, cfg.redis_timeout_ms);
    app_t app = {.cfg = &cfg, .store = st, .redis = redis};
    app.locks = redis ? locks_redis_new(redis) : NULL;
    app.notify = notify_new(redis);
    zoutcome_t out;
    zfail_t fail = {0};
    int lock_left = 0;
    int rc = supervise_apply(&app, release ? SUPERVISE_RELEASE : SUPERVISE_UNBLOCK, tag, by,
                             reason, NULL, &out, &fail, &lock_left);
    int status = 0;
    if (rc != ZE_OK) {
        fprintf(stderr, "zeues %s: %s: %s\n", action, zerr_name(rc), fail.message);
        zfail_clear(&fail);
        status = 1;
        goto out;
    }
    if (lock_left)
        fprintf(stderr, "zeues release: Redis unreachable; the server's reconciliation removes the "
                        "lock within seconds\n");
    printf("%s: %s (evento %lld %s)\n", tag, out.after.estado_detalle, (long long)out.event.seq,
           out.event.tipo);
out:
    notify_free(app.notify);
    locks_free(app.locks);
    rpool_free(redis);
    return status;
}

static int print_event(void *ud, const event_rec_t *e)
{
    int *n = ud;
    char ts[32], fecha[16];
    tz_format_dmy_hms(e->ts, ts, sizeof ts);
    zdate_format_dmy(e->fecha_operacion, fecha, sizeof fecha);
    printf("#%-6lld %s  %-22s %-10s %-9s %-14s (id %lld)  fecha %s\n", (long long)e->seq, ts,
           e->tipo, e->operacion, e->accion, e->worker_nombre, (long long)e->worker_id,
           fecha[0] ? fecha : "-");
    if (e->metadata_json[0]) printf("        %s\n", e->metadata_json);
    (*n)++;
    return 0;
}

int cli_log(store_t *st, const char *tag)
{
    spool_t s;
    int rc = st->ops->spool_get(st, tag, &s);
    if (rc == ZE_DATA_CORRUPT) {
        printf("Spool %s: la fila tiene datos inválidos (ver el log); su auditoría sigue:\n", tag);
    } else if (rc != ZE_OK) {
        fprintf(stderr, "zeues log: Spool '%s' no encontrado en hoja Operaciones\n", tag);
        return 1;
    }
    printf("Spool %s  (NV %s)  estado: %s\n", s.tag, s.nv[0] ? s.nv : "-", s.estado_detalle);
    if (s.ocupado_por[0]) {
        char since[32];
        tz_format_dmy_hms(s.fecha_ocupacion, since, sizeof since);
        printf("Ocupado por %s desde %s (%s)\n", s.ocupado_por, since, zop_name(s.ocupado_op));
    }
    int n = 0;
    if (st->ops->event_foreach_tag(st, tag, print_event, &n) != ZE_OK) {
        fprintf(stderr, "zeues log: no se pudo leer Metadata\n");
        return 1;
    }
    printf("%d eventos\n", n);
    return 0;
}
