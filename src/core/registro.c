/* Mi Registro: records, groups and totals of one worker's day (see registro.h). */
#include "core/registro.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

int64_t registro_worker_id(const char *cell)
{
    if (!cell) return 0;
    for (const char *p = strchr(cell, '('); p; p = strchr(p + 1, '(')) {
        const char *q = p + 1;
        int64_t v = 0;
        int digits = 0;
        while (*q >= '0' && *q <= '9' && digits < 18) {
            v = v * 10 + (*q - '0');
            q++;
            digits++;
        }
        if (digits && *q == ')') return v;
    }
    return 0;
}

/* 1 when u's op half belongs to worker_id's day. */
static int matches(const zunion_t *u, zop_t op, int64_t worker_id, zdate_t fecha,
                   zunion_date_fn local_date)
{
    const char *who = op == ZOP_ARM ? u->arm_worker : u->sol_worker;
    int64_t fin = op == ZOP_ARM ? u->arm_fin : u->sol_fin;
    if (registro_worker_id(who) != worker_id) return 0;
    return fin == 0 || local_date(fin) == fecha; /* work not finished yet is always listed */
}

static size_t group_of(registro_t *r, const zunion_t *u, zop_t op)
{
    for (size_t g = 0; g < r->n_groups; g++)
        if (r->groups[g].op == op && strcmp(r->groups[g].tag, u->tag) == 0) return g;
    registro_group_t *g = &r->groups[r->n_groups];
    g->tag = u->tag;
    g->op = op;
    const char *other = op == ZOP_ARM ? u->sol_worker : u->arm_worker;
    g->otro_trabajador = other[0] ? other : "Pendiente";
    return r->n_groups++;
}

void registro_init(registro_t *r, const zunion_t *u, size_t n, int64_t worker_id, zdate_t fecha,
                   zunion_date_fn local_date)
{
    memset(r, 0, sizeof *r);
    if (worker_id <= 0) return; /* "(0)" is nobody */
    static const zop_t ops[2] = {ZOP_ARM, ZOP_SOLD};
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++)
            count += u[i].n >= 1 && matches(&u[i], ops[k], worker_id, fecha, local_date);
    if (count == 0) return;
    r->recs = xcalloc(count, sizeof *r->recs);
    r->groups = xcalloc(count, sizeof *r->groups);
    for (size_t i = 0; i < n; i++) {
        if (u[i].n < 1) continue; /* not a union number: skipped, as the original did */
        for (int k = 0; k < 2; k++) {
            if (!matches(&u[i], ops[k], worker_id, fecha, local_date)) continue;
            size_t g = group_of(r, &u[i], ops[k]);
            registro_rec_t *rec = &r->recs[r->n_recs++];
            rec->u = &u[i];
            rec->op = ops[k];
            rec->group = g;
            r->groups[g].n_recs++;
            r->groups[g].pd_total_c += u[i].dn_c;
            r->pd_total_c += u[i].dn_c;
        }
    }
    for (size_t g = 0; g < r->n_groups; g++) {
        int seen = 0;
        for (size_t h = 0; h < g && !seen; h++)
            seen = strcmp(r->groups[h].tag, r->groups[g].tag) == 0;
        r->total_spools += !seen;
    }
}

void registro_deinit(registro_t *r)
{
    if (!r) return;
    free(r->recs);
    free(r->groups);
    memset(r, 0, sizeof *r);
}
