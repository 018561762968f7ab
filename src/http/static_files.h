/* The web UI files embedded into the binary at build time (cmake/embed_web.cmake). */
#ifndef ZEUES_HTTP_STATIC_FILES_H
#define ZEUES_HTTP_STATIC_FILES_H
#include <stddef.h>

typedef struct static_file {
    const char *path; /* "/index.html" */
    const char *type; /* content type */
    const unsigned char *data;
    size_t size;
} static_file_t;

/** Table ending with a {NULL} row. */
extern const static_file_t static_files[];

/** Exact lookup of "/name"; NULL when absent (no path ever reaches the file system). */
const static_file_t *static_find(const char *path);

#endif
