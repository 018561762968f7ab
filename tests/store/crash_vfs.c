/* The power-cut VFS of crash_vfs.h. Durability is tracked per file name, not per handle: an
 * fsync through any descriptor makes everything written to that file durable (POSIX), and
 * several connections write the same WAL. The undo log of a file holds, for each write or
 * truncate since its last sync, the bytes it replaced and the size before it; the cut replays
 * them newest first. Shared memory (-shm) is not durable and not tracked: the test removes it
 * after the cut, as a reboot would. */
#include "crash_vfs.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct undo {
    sqlite3_int64 off, old_size;
    int len; /* bytes of old data (the part of the range that existed before) */
    struct undo *prev;
    unsigned char data[];
} undo_t;

typedef struct tracked {
    char *path;
    undo_t *last; /* newest first */
    struct tracked *next;
} tracked_t;

typedef struct cfile {
    sqlite3_file base;
    sqlite3_file *real;
    tracked_t *t; /* NULL: not tracked (temporary files) */
} cfile_t;

static sqlite3_vfs vfs, *real;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static tracked_t *files;
static int dead;

#define REAL(f) (((cfile_t *)(f))->real)

static tracked_t *tracked_for(const char *path)
{
    for (tracked_t *t = files; t; t = t->next)
        if (strcmp(t->path, path) == 0) return t;
    tracked_t *t = calloc(1, sizeof *t);
    t->path = strdup(path);
    t->next = files;
    files = t;
    return t;
}

static void forget(tracked_t *t)
{
    while (t->last) {
        undo_t *u = t->last;
        t->last = u->prev;
        free(u);
    }
}

/* Remembers what [off, off+len) holds now (and the file size), before it is overwritten. */
static void remember(cfile_t *f, sqlite3_int64 off, sqlite3_int64 len)
{
    sqlite3_int64 size = 0;
    REAL(f)->pMethods->xFileSize(REAL(f), &size);
    sqlite3_int64 have = off < size ? (off + len < size ? len : size - off) : 0;
    undo_t *u = malloc(sizeof *u + (size_t)have);
    u->off = off;
    u->old_size = size;
    u->len = (int)have;
    if (have > 0) REAL(f)->pMethods->xRead(REAL(f), u->data, (int)have, off);
    u->prev = f->t->last;
    f->t->last = u;
}

static int x_close(sqlite3_file *f)
{
    int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
    f->pMethods = NULL;
    return rc;
}
static int x_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int x_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    cfile_t *c = (cfile_t *)f;
    pthread_mutex_lock(&mu);
    int rc = SQLITE_IOERR_WRITE;
    if (!dead) {
        if (c->t) remember(c, o, n);
        rc = REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}
static int x_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    cfile_t *c = (cfile_t *)f;
    pthread_mutex_lock(&mu);
    int rc = SQLITE_IOERR_TRUNCATE;
    if (!dead) {
        sqlite3_int64 cur = 0;
        REAL(f)->pMethods->xFileSize(REAL(f), &cur);
        if (c->t && cur > size) remember(c, size, cur - size);
        else if (c->t) remember(c, cur, 0);
        rc = REAL(f)->pMethods->xTruncate(REAL(f), size);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}
static int x_sync(sqlite3_file *f, int flags)
{
    cfile_t *c = (cfile_t *)f;
    pthread_mutex_lock(&mu);
    int rc = SQLITE_IOERR_FSYNC;
    if (!dead) {
        rc = REAL(f)->pMethods->xSync(REAL(f), flags);
        if (rc == SQLITE_OK && c->t) forget(c->t);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}
static int x_size(sqlite3_file *f, sqlite3_int64 *o) { return REAL(f)->pMethods->xFileSize(REAL(f), o); }
static int x_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int x_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int x_check(sqlite3_file *f, int *o) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), o); }
static int x_fcntl(sqlite3_file *f, int op, void *a) { return REAL(f)->pMethods->xFileControl(REAL(f), op, a); }
static int x_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
/* No SAFE_APPEND / POWERSAFE_OVERWRITE promises: the cut does not honour them. */
static int x_caps(sqlite3_file *f) { (void)f; return 0; }
static int x_shm_map(sqlite3_file *f, int p, int s, int e, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), p, s, e, pp);
}
static int x_shm_lock(sqlite3_file *f, int o, int n, int fl) { return REAL(f)->pMethods->xShmLock(REAL(f), o, n, fl); }
static void x_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int x_shm_unmap(sqlite3_file *f, int d) { return REAL(f)->pMethods->xShmUnmap(REAL(f), d); }

/* Version 2: no memory-mapped I/O, so every write goes through x_write. */
static const sqlite3_io_methods io = {
    2, x_close, x_read, x_write, x_truncate, x_sync, x_size, x_lock, x_unlock, x_check,
    x_fcntl, x_sector, x_caps, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, NULL, NULL};

static int x_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)v;
    cfile_t *c = (cfile_t *)f;
    c->real = (sqlite3_file *)(c + 1);
    memset(c->real, 0, (size_t)real->szOsFile);
    f->pMethods = NULL;
    int rc = real->xOpen(real, name, c->real, flags, out);
    if (!c->real->pMethods) return rc;
    pthread_mutex_lock(&mu);
    c->t = name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) ? tracked_for(name) : NULL;
    pthread_mutex_unlock(&mu);
    f->pMethods = &io;
    return rc;
}

static int x_delete(sqlite3_vfs *v, const char *name, int dir)
{
    (void)v;
    pthread_mutex_lock(&mu);
    int rc = SQLITE_IOERR_DELETE;
    if (!dead) {
        for (tracked_t *t = files; t; t = t->next)
            if (strcmp(t->path, name) == 0) forget(t);
        rc = real->xDelete(real, name, dir);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}
static int x_access(sqlite3_vfs *v, const char *n, int fl, int *o) { (void)v; return real->xAccess(real, n, fl, o); }
static int x_full(sqlite3_vfs *v, const char *n, int l, char *o) { (void)v; return real->xFullPathname(real, n, l, o); }
static void *x_dlopen(sqlite3_vfs *v, const char *n) { (void)v; return real->xDlOpen(real, n); }
static void x_dlerror(sqlite3_vfs *v, int n, char *o) { (void)v; real->xDlError(real, n, o); }
static void (*x_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return real->xDlSym(real, h, s); }
static void x_dlclose(sqlite3_vfs *v, void *h) { (void)v; real->xDlClose(real, h); }
static int x_random(sqlite3_vfs *v, int n, char *o) { (void)v; return real->xRandomness(real, n, o); }
static int x_sleep(sqlite3_vfs *v, int us) { (void)v; return real->xSleep(real, us); }
static int x_time(sqlite3_vfs *v, double *o) { (void)v; return real->xCurrentTime(real, o); }
static int x_lasterr(sqlite3_vfs *v, int n, char *o) { (void)v; return real->xGetLastError(real, n, o); }
static int x_time64(sqlite3_vfs *v, sqlite3_int64 *o) { (void)v; return real->xCurrentTimeInt64(real, o); }

int crash_vfs_register(void)
{
    real = sqlite3_vfs_find("unix");
    if (!real) return -1;
    vfs = (sqlite3_vfs){2, (int)sizeof(cfile_t) + real->szOsFile, real->mxPathname, NULL,
                        "crash", NULL, x_open, x_delete, x_access, x_full, x_dlopen,
                        x_dlerror, x_dlsym, x_dlclose, x_random, x_sleep, x_time, x_lasterr,
                        x_time64, NULL, NULL, NULL};
    return sqlite3_vfs_register(&vfs, 1) == SQLITE_OK ? 0 : -1;
}

long crash_vfs_cut(void)
{
    long undone = 0;
    pthread_mutex_lock(&mu);
    dead = 1;
    for (tracked_t *t = files; t; t = t->next) {
        int fd = open(t->path, O_RDWR);
        for (undo_t *u = t->last; u; u = u->prev, undone++) {
            if (fd < 0) continue;
            if (u->len > 0 && pwrite(fd, u->data, (size_t)u->len, u->off) != u->len) abort();
            struct stat sb;
            if (fstat(fd, &sb) == 0 && sb.st_size != u->old_size &&
                ftruncate(fd, u->old_size) != 0)
                abort();
        }
        if (fd >= 0) close(fd);
        forget(t);
    }
    pthread_mutex_unlock(&mu);
    return undone;
}

void crash_vfs_revive(void)
{
    pthread_mutex_lock(&mu);
    dead = 0;
    for (tracked_t *t = files; t; t = t->next) forget(t);
    pthread_mutex_unlock(&mu);
}
