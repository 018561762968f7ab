/* zeues backup on SQLite: the online backup API copies a consistent snapshot of the database
 * while the server keeps writing (WAL: the copy's read transaction does not block writers).
 * The copy goes to a temporary file beside the target, is synced and checked, and only then
 * renamed over it: a backup file is always whole. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/errors.h"
#include "store/store_sqlite_int.h"
#include "util/alloc.h"

#define LOG_MODULE "store"
#include "util/log.h"

/* fsync of a file, then of the directory holding it (so the rename survives power loss). */
static int sync_path(const char *path, int dir)
{
    char *copy = xstrdup(path);
    int fd = open(dir ? dirname(copy) : path, O_RDONLY | O_CLOEXEC);
    free(copy);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* "ok" from PRAGMA quick_check of the file at path. */
static int check_copy(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *st = NULL;
    int ok = rc == SQLITE_OK &&
             sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    if (!ok) snprintf(err, errlen, "the copy fails its integrity check: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok ? 0 : -1;
}

int store_sqlite__backup(store_t *st, const char *to, char *err, size_t errlen)
{
    sqlite_store_t *ss = (sqlite_store_t *)st;
    conn_t *c = store_sqlite__conn_get(ss);
    if (!c) {
        snprintf(err, errlen, "cannot open the database %s", ss->path);
        return ZE_STORE_UNAVAILABLE;
    }
    size_t n = strlen(to) + 32;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.tmp-%ld", to, (long)getpid());
    unlink(tmp);
    sqlite3 *dst = NULL;
    int ret = ZE_STORE_UNAVAILABLE;
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, sqlite3_errmsg(dst));
        goto out;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", c->db, "main");
    if (!b) {
        snprintf(err, errlen, "backup cannot start: %s", sqlite3_errmsg(dst));
        goto out;
    }
    /* One step over every page: one read transaction, so the copy is one consistent moment. */
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "backup failed: %s", sqlite3_errstr(rc));
        goto out;
    }
    /* The copy is a standalone file: no write-ahead log beside it. */
    if (store_sqlite__exec(dst, "PRAGMA journal_mode=DELETE") != ZE_OK) {
        snprintf(err, errlen, "cannot finish the copy: %s", sqlite3_errmsg(dst));
        goto out;
    }
    sqlite3_close(dst);
    dst = NULL;
    if (check_copy(tmp, err, errlen) != 0) goto out;
    if (sync_path(tmp, 0) != 0 || rename(tmp, to) != 0 || sync_path(to, 1) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", to, strerror(errno));
        goto out;
    }
    ret = ZE_OK;
out:
    if (dst) sqlite3_close(dst);
    if (ret != ZE_OK) unlink(tmp);
    free(tmp);
    return ret;
}
