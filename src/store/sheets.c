/* Ownership helpers of the bulk sheets structure shared by import, export and the backends. */
#include <stdlib.h>

#include "store/store.h"

static void free_strv(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void sheets_free(sheets_t *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_spools; i++) free_strv(s->spools[i].extra, s->n_op_headers);
    free(s->spools);
    free_strv(s->op_headers, s->n_op_headers);
    free_strv(s->worker_headers, s->n_worker_headers);
    free_strv(s->role_headers, s->n_role_headers);
    free(s->workers);
    free(s->roles);
    free(s->events);
    *s = (sheets_t){0};
}
