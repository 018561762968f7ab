/* A pass-through SQLite VFS that counts the syncs (fsync / fdatasync) the store asks of the
 * operating system. Group commit is judged by that number: syncs per acknowledged change.
 * Every call goes to the VFS that was the default when the shim was registered (the unix VFS
 * in the server; a crash-simulating one in the power-loss test), unchanged. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>

#include "store/store_sqlite_int.h"

#define SHIM_NAME "zeues-count"

typedef struct shim_file {
    sqlite3_file base; /* pMethods = &shim_io (or NULL when the real open failed) */
    sqlite3_file *real; /* follows this struct in the same allocation */
} shim_file_t;

static sqlite3_vfs shim_vfs;
static sqlite3_vfs *real_vfs;
static atomic_llong syncs;

#define REAL(f) (((shim_file_t *)(f))->real)

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
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int x_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int x_sync(sqlite3_file *f, int flags)
{
    atomic_fetch_add_explicit(&syncs, 1, memory_order_relaxed);
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int x_size(sqlite3_file *f, sqlite3_int64 *out)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), out);
}
static int x_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int x_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int x_check_lock(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int x_fcntl(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int x_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int x_caps(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int x_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}
static int x_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void x_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int x_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int x_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), o, n, pp);
}
static int x_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), o, p);
}

/* One table per io_methods version of the real file, so SQLite never calls a method the real
 * file does not have. */
#define SHIM_IO(v)                                                                             \
    {                                                                                          \
        v, x_close, x_read, x_write, x_truncate, x_sync, x_size, x_lock, x_unlock,             \
            x_check_lock, x_fcntl, x_sector, x_caps, v >= 2 ? x_shm_map : NULL,                \
            v >= 2 ? x_shm_lock : NULL, v >= 2 ? x_shm_barrier : NULL,                         \
            v >= 2 ? x_shm_unmap : NULL, v >= 3 ? x_fetch : NULL, v >= 3 ? x_unfetch : NULL    \
    }
static const sqlite3_io_methods shim_io[3] = {SHIM_IO(1), SHIM_IO(2), SHIM_IO(3)};

static int x_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    shim_file_t *s = (shim_file_t *)f;
    s->real = (sqlite3_file *)(s + 1);
    memset(s->real, 0, (size_t)real_vfs->szOsFile);
    f->pMethods = NULL;
    int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out);
    if (s->real->pMethods) {
        int v = s->real->pMethods->iVersion;
        f->pMethods = &shim_io[(v < 1 ? 1 : v > 3 ? 3 : v) - 1];
    }
    return rc;
}

static int x_delete(sqlite3_vfs *v, const char *n, int dir)
{
    (void)v;
    return real_vfs->xDelete(real_vfs, n, dir);
}
static int x_access(sqlite3_vfs *v, const char *n, int flags, int *out)
{
    (void)v;
    return real_vfs->xAccess(real_vfs, n, flags, out);
}
static int x_full(sqlite3_vfs *v, const char *n, int len, char *out)
{
    (void)v;
    return real_vfs->xFullPathname(real_vfs, n, len, out);
}
static void *x_dlopen(sqlite3_vfs *v, const char *n)
{
    (void)v;
    return real_vfs->xDlOpen(real_vfs, n);
}
static void x_dlerror(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    real_vfs->xDlError(real_vfs, n, out);
}
static void (*x_dlsym(sqlite3_vfs *v, void *h, const char *s))(void)
{
    (void)v;
    return real_vfs->xDlSym(real_vfs, h, s);
}
static void x_dlclose(sqlite3_vfs *v, void *h)
{
    (void)v;
    real_vfs->xDlClose(real_vfs, h);
}
static int x_random(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xRandomness(real_vfs, n, out);
}
static int x_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return real_vfs->xSleep(real_vfs, us);
}
static int x_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return real_vfs->xCurrentTime(real_vfs, out);
}
static int x_lasterr(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}
static int x_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    if (real_vfs->iVersion >= 2 && real_vfs->xCurrentTimeInt64)
        return real_vfs->xCurrentTimeInt64(real_vfs, out);
    double d;
    int rc = real_vfs->xCurrentTime(real_vfs, &d);
    *out = (sqlite3_int64)(d * 86400000.0);
    return rc;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int registered;

static void shim_register(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    if (!real_vfs) return;
    shim_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(shim_file_t) + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = SHIM_NAME,
        .xOpen = x_open,
        .xDelete = x_delete,
        .xAccess = x_access,
        .xFullPathname = x_full,
        .xDlOpen = x_dlopen,
        .xDlError = x_dlerror,
        .xDlSym = x_dlsym,
        .xDlClose = x_dlclose,
        .xRandomness = x_random,
        .xSleep = x_sleep,
        .xCurrentTime = x_time,
        .xGetLastError = x_lasterr,
        .xCurrentTimeInt64 = x_time64,
    };
    registered = sqlite3_vfs_register(&shim_vfs, 0) == SQLITE_OK;
}

const char *store_sqlite__vfs(void)
{
    pthread_once(&once, shim_register);
    return registered ? SHIM_NAME : NULL;
}

int64_t store_sqlite__syncs(void)
{
    return atomic_load_explicit(&syncs, memory_order_relaxed);
}
