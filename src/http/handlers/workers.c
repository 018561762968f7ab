/* GET /api/workers: the active roster with roles. */
#include "core/errors.h"
#include "core/json_map.h"
#include "http/handlers/handlers.h"
#include "http/list_cache.h"
#include "store/store.h"

static int collect(void *ud, const worker_t *w)
{
    if (w->activo) json_array_append_new(ud, json_map_worker(w));
    return 0;
}

int h_workers(req_t *r)
{
    list_cache_t *lc = r->env->lists;
    uint64_t gen = lc ? list_cache_generation(lc) : 0;
    int builder = 0;
    list_body_t *b = list_cache_claim(lc, "workers", gen, &builder);
    if (b) return reply_list_body(r, b);
    json_t *arr = json_array();
    int rc = r->app->store->ops->worker_foreach(r->app->store, collect, arr);
    if (rc != ZE_OK) {
        json_decref(arr);
        if (builder) list_cache_abandon(lc, "workers", gen);
        return reply_error(r, ZE_STORE_UNAVAILABLE, NULL, "No se pudo leer Trabajadores");
    }
    json_t *o = json_object();
    json_object_set_new(o, "workers", arr);
    json_object_set_new(o, "total", json_integer((json_int_t)json_array_size(arr)));
    reply_json(r, 200, o);
    if (lc) reply_list_body(r, list_cache_put(lc, "workers", gen, &r->out));
    return 0;
}
