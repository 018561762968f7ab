/* Starting the process's threads: each one named (what `top -H`, gdb and sanitizer reports
 * show) and with every signal blocked, so process signals (SIGINT, SIGTERM) reach the thread
 * that waits for them (`zeues serve`'s main thread, in sigwait).
 *
 * The threads of `zeues serve`, their owner and what each may touch:
 *   main             cli/serve.c      wiring; waits for SIGINT/SIGTERM, then shuts down in order
 *   MHD-worker (N)   http/server.c    one request at a time each: the read handlers, store
 *                                     reads (libmicrohttpd's pool; it names them)
 *   zeues-offload (<= 32)  http/server.c  the handlers of state changes and of the reads that
 *                                     wait on Redis (health, metrics) while their connection
 *                                     is suspended: app/mutate, store, locks, notify
 *                                     (util/runner.c; started when one is needed)
 *   zeues-edge       http/edge.c      accepts, caps per address, peeks at first requests,
 *                                     answers refusals, hands sockets to libmicrohttpd
 *   zeues-hdr-wd     http/header_deadline.c  closes connections whose headers are too slow
 *   zeues-sse-watch  http/sse.c       ends live streams whose peer hung up
 *   zeues-sse-hub    http/sse_hub.c   reads new events from the store, fans them out to streams
 *   zeues-redis-sub  redis/rsub.c     its own Redis connection; only wakes the hub
 *   zeues-reconcile  locks/reconcile.c  store reads and lock calls; never writes the store
 *   zeues-wal-ckpt   store/store_sqlite.c  checkpoints the SQLite WAL on its own connection
 *   zeues-log        util/log.c       writes the access-log lines the HTTP threads buffered
 *   zeues-list-gz    http/list_cache.c  compresses hot cached lists again at a higher level
 *                                     (started with the first one); touches only the cache
 *   zeues-sheets     app/sheets_sync.c  the Google Sheets sync: store reads, its cursors
 *                                     (sync_put), the import of a pull; HTTPS to Google
 * Shared objects are thread-safe by their own locks (store, rpool, locks, notify, list cache,
 * orphans); the app context itself is immutable after start-up. */
#ifndef ZEUES_UTIL_THREAD_H
#define ZEUES_UTIL_THREAD_H
#include <pthread.h>

/** Longest thread name, NUL excluded (the kernel's limit). */
#define THREAD_NAME_MAX 15

/** pthread_create with every signal blocked in the new thread, named name (at most
 *  THREAD_NAME_MAX characters; longer names are cut). Returns 0 or the pthread_create error. */
int thread_start(pthread_t *t, const char *name, void *(*fn)(void *), void *arg);
/** Names the calling thread (for threads a library created). */
void thread_name_self(const char *name);

#endif
