/* The Prometheus text exposition format (version 0.0.4), pure: builders that append metric
 * families to a buffer. Names are the caller's constants; label values are escaped here. */
#ifndef ZEUES_CORE_PROM_H
#define ZEUES_CORE_PROM_H
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/** "# HELP name help\n# TYPE name type\n" (type: counter, gauge, histogram). */
void prom_family(buf_t *out, const char *name, const char *type, const char *help);

/** One sample "name{k1="v1",...} value\n". labels is NULL or a NULL-terminated list of
 *  key, value pairs; values are escaped (backslash, double quote, line feed). */
void prom_sample(buf_t *out, const char *name, const char *const *labels, double value);

/** Appends v escaped for a label value. */
void prom_escape(buf_t *out, const char *v);

/** A histogram's samples: name_bucket{labels,le="..."} cumulative counts for each bound (in
 *  the unit of the metric), then le="+Inf", name_sum and name_count. counts[i] holds the
 *  observations in (bounds[i-1], bounds[i]]; counts[n] those above the last bound. */
void prom_histogram(buf_t *out, const char *name, const char *const *labels, const double *bounds,
                    const uint64_t *counts, size_t n, double sum);

#endif
