/* Prometheus text exposition (see prom.h). */
#include "core/prom.h"

#include <math.h>
#include <stdio.h>

void prom_family(buf_t *out, const char *name, const char *type, const char *help)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_escape(buf_t *out, const char *v)
{
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\') buf_puts(out, "\\\\");
        else if (*p == '"') buf_puts(out, "\\\"");
        else if (*p == '\n') buf_puts(out, "\\n");
        else buf_putc(out, *p);
    }
}

static void labels_put(buf_t *out, const char *const *labels, const char *le)
{
    int any = 0;
    for (size_t i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
        buf_puts(out, any ? "," : "{");
        buf_printf(out, "%s=\"", labels[i]);
        prom_escape(out, labels[i + 1]);
        buf_putc(out, '"');
        any = 1;
    }
    if (le) {
        buf_puts(out, any ? "," : "{");
        buf_printf(out, "le=\"%s\"", le);
        any = 1;
    }
    if (any) buf_putc(out, '}');
}

/* Integers print as integers; others with enough digits to round-trip. */
static void value_put(buf_t *out, double v)
{
    if (isnan(v)) buf_puts(out, "NaN");
    else if (isinf(v)) buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    else if (v == (double)(int64_t)v && fabs(v) < 9e15) buf_printf(out, "%lld", (long long)v);
    else buf_printf(out, "%.15g", v);
}

void prom_sample(buf_t *out, const char *name, const char *const *labels, double value)
{
    buf_puts(out, name);
    labels_put(out, labels, NULL);
    buf_putc(out, ' ');
    value_put(out, value);
    buf_putc(out, '\n');
}

void prom_histogram(buf_t *out, const char *name, const char *const *labels, const double *bounds,
                    const uint64_t *counts, size_t n, double sum)
{
    uint64_t cum = 0;
    char le[48];
    for (size_t i = 0; i <= n; i++) {
        cum += counts[i];
        if (i < n) snprintf(le, sizeof le, "%g", bounds[i]);
        else snprintf(le, sizeof le, "+Inf");
        buf_printf(out, "%s_bucket", name);
        labels_put(out, labels, le);
        buf_printf(out, " %llu\n", (unsigned long long)cum);
    }
    buf_printf(out, "%s_sum", name);
    labels_put(out, labels, NULL);
    buf_putc(out, ' ');
    value_put(out, sum);
    buf_printf(out, "\n%s_count", name);
    labels_put(out, labels, NULL);
    buf_printf(out, " %llu\n", (unsigned long long)cum);
}
