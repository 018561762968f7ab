/* The rules over a spool's unions (domain-v4 §3-§5): which types need SOLD, which unions can be
 * registered now, the wire id "{OT}+{N}" and its resolution within one spool, and the counters
 * and PD (pulgadas-diámetro) of Operaciones. */
#include "core/unions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sold_types[] = {"BW", "BR", "SO", "FILL", "LET"};
static const char *const known_types[] = {"BW", "SO", "FILL", "BR", "MIT", "LET", "FW", "SW", "TW"};

static int in_list(const char *tipo, const char *const *list, size_t n)
{
    if (!tipo) return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(tipo, list[i]) == 0) return 1;
    return 0;
}

int zunion_tipo_needs_sold(const char *tipo)
{
    return in_list(tipo, sold_types, sizeof sold_types / sizeof sold_types[0]);
}

int zunion_tipo_known(const char *tipo)
{
    return in_list(tipo, known_types, sizeof known_types / sizeof known_types[0]);
}

int zunion_complete(const zunion_t *u)
{
    return u->dn_c > 0 && u->tipo[0] != '\0';
}

int zunion_has_work(const zunion_t *u)
{
    return u->arm_worker[0] != '\0' || u->sol_worker[0] != '\0';
}

int zunion_legacy_sold(const spool_t *s, const zunion_t *u, size_t n)
{
    if (s->fecha_armado == ZDATE_NONE) return 0;
    for (size_t i = 0; i < n; i++)
        if (u[i].arm_fin) return 0;
    return 1;
}

int zunion_available(const zunion_t *u, zop_t op, int legacy_sold)
{
    if (!zunion_complete(u)) return 0;
    switch (op) {
    case ZOP_ARM:
        return u->arm_fin == 0;
    case ZOP_SOLD:
        return zunion_tipo_needs_sold(u->tipo) && u->sol_fin == 0 &&
               (u->arm_fin != 0 || legacy_sold);
    default:
        return 0;
    }
}

/* [*b, *e) = s without surrounding white space. */
static void trim(const char *s, const char **b, const char **e)
{
    const char *p = s, *q = s + strlen(s);
    while (p < q && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r' || q[-1] == '\n'))
        q--;
    *b = p;
    *e = q;
}

void zunion_id(const zunion_t *u, char *out, size_t n)
{
    const char *b, *e;
    trim(u->ot, &b, &e);
    if (n == 0) return;
    if (b == e) {
        out[0] = '\0';
        return;
    }
    snprintf(out, n, "%.*s+%d", (int)(e - b), b, u->n);
}

/* The number spelled exactly by [b, e) (decimal, optional fraction), or 0 when it is not one. */
static int as_number(const char *b, const char *e, double *v)
{
    char buf[ZOT_MAX];
    size_t len = (size_t)(e - b);
    if (len == 0 || len >= sizeof buf) return 0;
    int digits = 0, dots = 0;
    for (const char *p = b; p < e; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.')
            dots++;
        else
            return 0;
    }
    if (!digits || dots > 1) return 0;
    memcpy(buf, b, len);
    buf[len] = '\0';
    *v = strtod(buf, NULL);
    return 1;
}

static int same_ot(const char *ab, const char *ae, const char *bb, const char *be)
{
    if (ae - ab == be - bb && memcmp(ab, bb, (size_t)(ae - ab)) == 0) return 1;
    double x, y;
    return as_number(ab, ae, &x) && as_number(bb, be, &y) && x == y;
}

int zunion_find_id(const zunion_t *u, size_t n, const char *id)
{
    if (!id) return -1;
    const char *plus = strrchr(id, '+');
    if (!plus) return -1;
    const char *nb, *ne;
    trim(plus + 1, &nb, &ne);
    if (nb == ne || ne - nb > 3) return -1;
    int num = 0;
    for (const char *p = nb; p < ne; p++) {
        if (*p < '0' || *p > '9') return -1;
        num = num * 10 + (*p - '0');
    }
    /* The OT part: everything before the last '+', trimmed. */
    const char *ob = id, *oe = plus;
    while (ob < oe && (*ob == ' ' || *ob == '\t'))
        ob++;
    while (oe > ob && (oe[-1] == ' ' || oe[-1] == '\t'))
        oe--;
    if (ob == oe) return -1;
    for (size_t i = 0; i < n; i++) {
        if (u[i].n != num) continue;
        const char *b, *e;
        trim(u[i].ot, &b, &e);
        if (b != e && same_ot(ob, oe, b, e)) return (int)i;
    }
    return -1;
}

void zunion_metrics(const zunion_t *u, size_t n, zunion_metrics_t *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        if (!zunion_complete(&u[i])) continue;
        m->total++;
        if (u[i].arm_fin) {
            m->arm_done++;
            m->pulgadas_arm_c += u[i].dn_c;
        }
        if (u[i].sol_fin) {
            m->sold_done++;
            m->pulgadas_sold_c += u[i].dn_c;
        }
        if (zunion_tipo_needs_sold(u[i].tipo)) {
            m->sold_required++;
            if (u[i].sol_fin) m->sold_required_done++;
        }
    }
}
