/* Integration tests of src/redis against a real redis-server that this program starts on a free
 * loopback port (never 6379), kills and restarts. Run one case with: test_redis <name-glob>.
 * A direct hiredis connection ("admin") checks what the module wrote, independently of it. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include "redis/redis.h"
#include "redis/rlock.h"
#include "redis/redis_int.h"

/* ---- The server under test (test-process state only) ---- */

static int g_port;
static pid_t g_pid = -1;
static char g_url[64];

static int64_t now_ms(void)
{
    return rconn_now_ms();
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Binds port 0 on loopback to let the kernel pick a free port. */
static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

static redisContext *admin_connect(void)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", g_port, tv);

    if (c && c->err) {
        redisFree(c);
        return NULL;
    }
    if (c) redisSetTimeout(c, tv);
    return c;
}

/* Runs a command on a fresh admin connection and returns its integer reply (or -999). */
static long long admin_int(const char *fmt, ...)
{
    redisContext *c = admin_connect();
    long long v = -999;
    va_list ap;

    if (!c) return v;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r && r->type == REDIS_REPLY_INTEGER) v = r->integer;
    freeReplyObject(r);
    redisFree(c);
    return v;
}

/* Runs a command and returns 0 when it did not fail. */
static int admin_do(const char *fmt, ...)
{
    redisContext *c = admin_connect();
    int rc = -1;
    va_list ap;

    if (!c) return rc;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r && r->type != REDIS_REPLY_ERROR) rc = 0;
    freeReplyObject(r);
    redisFree(c);
    return rc;
}

/* Copies the text reply of a command (INFO, CLIENT LIST) into a malloc'd string. */
static char *admin_text(redisContext *c, const char *cmd)
{
    redisReply *r = redisCommand(c, cmd);
    char *s = NULL;

    if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
        s = strndup(r->str, r->len);
    freeReplyObject(r);
    return s;
}

static int server_start(void)
{
    char port[16];
    const char *bin = getenv("REDIS_SERVER") ? getenv("REDIS_SERVER") : "/usr/bin/redis-server";

    snprintf(port, sizeof port, "%d", g_port);
    g_pid = fork();
    if (g_pid < 0) return -1;
    if (g_pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        /* If the test crashes, the server must not outlive it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execl(bin, "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
              "--appendonly", "no", "--daemonize", "no", "--dir", "/tmp", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        redisContext *c = admin_connect();
        if (c) {
            redisReply *r = redisCommand(c, "PING");
            int ok = r && r->type == REDIS_REPLY_STATUS;
            freeReplyObject(r);
            redisFree(c);
            if (ok) return 0;
        }
        sleep_ms(10);
    }
    return -1;
}

static void server_kill(void)
{
    if (g_pid <= 0) return;
    kill(g_pid, SIGKILL);
    waitpid(g_pid, NULL, 0);
    g_pid = -1;
}

static int group_setup(void **state)
{
    (void)state;
    g_port = free_port();
    if (g_port <= 0 || g_port == 6379) return -1;
    snprintf(g_url, sizeof g_url, "redis://127.0.0.1:%d", g_port);
    return server_start();
}

static int group_teardown(void **state)
{
    (void)state;
    server_kill();
    return 0;
}

/* Every case starts with an empty database and a running server. */
static int case_setup(void **state)
{
    (void)state;
    if (g_pid <= 0 && server_start() != 0) return -1;
    return admin_do("FLUSHALL");
}

/* ---- Subscriber recorder ---- */

typedef struct sub_log {
    pthread_mutex_t mu;
    int states[16];
    int nstates;
    char msgs[16][64];
    size_t lens[16];
    int nmsgs;
} sub_log_t;

static void on_state(void *ud, int connected)
{
    sub_log_t *l = ud;

    pthread_mutex_lock(&l->mu);
    if (l->nstates < 16) l->states[l->nstates++] = connected;
    pthread_mutex_unlock(&l->mu);
}

static void on_message(void *ud, const char *msg, size_t len)
{
    sub_log_t *l = ud;

    pthread_mutex_lock(&l->mu);
    if (l->nmsgs < 16 && len <= sizeof l->msgs[0]) {
        memcpy(l->msgs[l->nmsgs], msg, len);
        l->lens[l->nmsgs++] = len;
    }
    pthread_mutex_unlock(&l->mu);
}

/* Polls until *count (read under the log's mutex) reaches want; 0 when it did in time. */
static int wait_count(sub_log_t *l, const int *count, int want, int timeout_ms)
{
    const int64_t end = now_ms() + timeout_ms;

    for (;;) {
        pthread_mutex_lock(&l->mu);
        int have = *count;
        pthread_mutex_unlock(&l->mu);
        if (have >= want) return 0;
        if (now_ms() > end) return -1;
        sleep_ms(5);
    }
}

static void sub_log_init(sub_log_t *l)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
}

/* ---- URL parsing ---- */

static void test_url_parse(void **state)
{
    static const char *bad[] = {
        "", "http://x", "redis://", "redis://:6379", "redis://h:0", "redis://h:70000",
        "redis://h:12a", "redis://h/abc", "redis://user@h", "redis://h?timeout=1",
        "rediss://h", "redis://:@h", "redis://:p%4@h", "redis://[::1", "redis://h h",
    };
    rconn_url_t u;
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(rpool_new(bad[i], 2, 100));
        assert_int_equal(rconn_url_parse(bad[i], &u), ZE_BAD_REQUEST);
    }
    assert_null(rpool_new(NULL, 2, 100));
    assert_null(rsub_start("nope://x", "ch", NULL, NULL, NULL));

    rpool_t *p = rpool_new("redis://localhost", 2, 100);
    assert_non_null(p);
    assert_string_equal(rpool_host(p), "localhost");
    assert_int_equal(rpool_port(p), 6379);
    rpool_free(p);

    assert_int_equal(rconn_url_parse("redis://10.0.0.1:7000/3", &u), ZE_OK);
    assert_string_equal(u.host, "10.0.0.1");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 3);
    assert_null(u.password);
    rconn_url_deinit(&u);

    assert_int_equal(rconn_url_parse("redis://:p%40ss:w@@redis-1.local:1/", &u), ZE_OK);
    assert_null(u.user);
    assert_string_equal(u.password, "p@ss:w@");
    assert_string_equal(u.host, "redis-1.local");
    assert_int_equal(u.db, 0);
    rconn_url_deinit(&u);

    assert_int_equal(rconn_url_parse("redis://ops:pw@[::1]:7001/15", &u), ZE_OK);
    assert_string_equal(u.user, "ops");
    assert_string_equal(u.password, "pw");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 7001);
    assert_int_equal(u.db, 15);
    rconn_url_deinit(&u);
    rconn_url_deinit(NULL);
    rpool_free(NULL);
    rsub_stop(NULL);
}

/* ---- Locks ---- */

static void test_acquire_twice(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    (void)state;

    assert_int_equal(rlock_acquire(p, "S1", "7:a", 10000), ZE_OK);
    assert_int_equal(rlock_acquire(p, "S1", "8:b", 10000), ZE_SPOOL_OCCUPIED);
    assert_int_equal(rlock_acquire(p, "S1", "7:a", 10000), ZE_SPOOL_OCCUPIED);
    assert_int_equal(rlock_acquire(p, "S2", "8:b", 10000), ZE_OK);
    assert_int_equal(rlock_acquire(p, "S3", "8:b", 0), ZE_BAD_REQUEST);
    assert_int_equal(rlock_acquire(p, NULL, "8:b", 10), ZE_BAD_REQUEST);
    assert_int_equal(rlock_acquire(p, "", "8:b", 10), ZE_BAD_REQUEST);
    rpool_free(p);
}

static void test_get(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    char v[64], small[4];
    (void)state;

    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_NOT_FOUND);
    assert_string_equal(v, "");
    assert_int_equal(rlock_acquire(p, "S1", "42:tok", 10000), ZE_OK);
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_OK);
    assert_string_equal(v, "42:tok");
    /* Too small a buffer truncates and stays NUL-terminated. */
    assert_int_equal(rlock_get(p, "S1", small, sizeof small), ZE_OK);
    assert_string_equal(small, "42:");
    rpool_free(p);
}

/* User text goes in as binary-safe arguments: format directives and spaces are just bytes. */
static void test_binary_safe_args(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    const char *tag = "a b\"c%s%b*", *value = "%s %b %d\r\nSET x y";
    char v[64];
    (void)state;

    assert_int_equal(rlock_acquire(p, tag, value, 10000), ZE_OK);
    assert_int_equal(rlock_get(p, tag, v, sizeof v), ZE_OK);
    assert_string_equal(v, value);
    assert_int_equal(admin_int("EXISTS %s", "spool_lock:a b\"c%s%b*"), 1);
    assert_int_equal(admin_int("EXISTS x"), 0);
    assert_int_equal(rlock_release(p, tag, value), ZE_OK);
    rpool_free(p);
}

static void test_release_wrong_value(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    char v[64];
    (void)state;

    assert_int_equal(rlock_acquire(p, "S1", "7:a", 10000), ZE_OK);
    assert_int_equal(rlock_release(p, "S1", "8:b"), ZE_NOT_FOUND);
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_OK);
    assert_string_equal(v, "7:a");
    assert_int_equal(rlock_release(p, "absent", "8:b"), ZE_NOT_FOUND);
    rpool_free(p);
}

static void test_release_right_value(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    char v[64];
    (void)state;

    assert_int_equal(rlock_acquire(p, "S1", "7:a", 10000), ZE_OK);
    assert_int_equal(rlock_release(p, "S1", "7:a"), ZE_OK);
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_NOT_FOUND);
    assert_int_equal(rlock_release(p, "S1", "7:a"), ZE_NOT_FOUND);
    assert_int_equal(rlock_acquire(p, "S1", "8:b", 10000), ZE_OK);
    assert_int_equal(rlock_force_delete(p, "S1"), ZE_OK);
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_NOT_FOUND);
    assert_int_equal(rlock_force_delete(p, "S1"), ZE_OK);
    rpool_free(p);
}

static void test_extend(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    (void)state;

    assert_int_equal(rlock_acquire(p, "S1", "7:a", 10000), ZE_OK);
    long long before = admin_int("PTTL spool_lock:S1");
    assert_true(before > 0 && before <= 10000);
    assert_int_equal(rlock_extend(p, "S1", "7:a", 60000), ZE_OK);
    long long after = admin_int("PTTL spool_lock:S1");
    assert_true(after > 50000 && after <= 60000);
    assert_int_equal(rlock_extend(p, "S1", "8:b", 120000), ZE_NOT_FOUND);
    long long other = admin_int("PTTL spool_lock:S1");
    assert_true(other > 0 && other <= 60000);
    assert_int_equal(rlock_extend(p, "absent", "7:a", 1000), ZE_NOT_FOUND);
    assert_int_equal(admin_int("EXISTS spool_lock:absent"), 0);
    assert_int_equal(rlock_extend(p, "S1", "7:a", 0), ZE_BAD_REQUEST);
    rpool_free(p);
}

static void test_ttl_expires(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    char v[64];
    (void)state;

    assert_int_equal(rlock_acquire(p, "S1", "7:a", 50), ZE_OK);
    assert_int_equal(rlock_acquire(p, "S1", "8:b", 50), ZE_SPOOL_OCCUPIED);
    sleep_ms(200);
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_NOT_FOUND);
    assert_int_equal(rlock_acquire(p, "S1", "8:b", 10000), ZE_OK);
    rpool_free(p);
}

/* EVALSHA must hit after one EVAL per script: the compiled-in SHA1s are right. */
static void test_script_sha(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    redisContext *c = admin_connect();
    (void)state;

    assert_non_null(c);
    assert_int_equal(admin_do("SCRIPT FLUSH"), 0);
    assert_int_equal(admin_do("CONFIG RESETSTAT"), 0);
    const char *const msg[] = {"m"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rlock_acquire(p, "S1", "7:a", 10000), ZE_OK);
        assert_int_equal(rlock_extend(p, "S1", "7:a", 20000), ZE_OK);
        assert_int_equal(rlock_release(p, "S1", "7:a"), ZE_OK);
        assert_int_equal(rlock_acquire_or_get(p, "S1", "7:a", 10000, NULL, 0, NULL), ZE_OK);
        assert_int_equal(rlock_extend_publish(p, "S1", "7:a", 20000, "ch", msg, 1), ZE_OK);
        assert_int_equal(rlock_release_publish(p, "S1", "7:a", "ch", msg, 1), ZE_OK);
    }
    char *stats = admin_text(c, "INFO commandstats");
    assert_non_null(stats);
    const char *eval = strstr(stats, "cmdstat_eval:calls=");
    assert_non_null(eval);
    assert_int_equal(atoi(eval + strlen("cmdstat_eval:calls=")), 5); /* one per script */
    free(stats);
    redisFree(c);
    rpool_free(p);
}

/* ---- The pipeline's one-round-trip scripts ---- */

static void test_acquire_or_get(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    char holder[64], small[4];
    int64_t pttl = 0;
    (void)state;

    assert_int_equal(rlock_acquire_or_get(p, "S1", "7:a", 10000, holder, sizeof holder, &pttl),
                     ZE_OK);
    assert_string_equal(holder, "");
    assert_int_equal(pttl, -1);
    long long t = admin_int("PTTL spool_lock:S1");
    assert_true(t > 0 && t <= 10000);
    /* Taken: nothing changes and the holder is reported, with its remaining TTL. */
    assert_int_equal(rlock_acquire_or_get(p, "S1", "8:b", 60000, holder, sizeof holder, &pttl),
                     ZE_SPOOL_OCCUPIED);
    assert_string_equal(holder, "7:a");
    assert_true(pttl > 0 && pttl <= 10000);
    assert_true(admin_int("PTTL spool_lock:S1") <= 10000);
    /* The same value again is still "occupied" (the caller compares the holder). */
    assert_int_equal(rlock_acquire_or_get(p, "S1", "7:a", 10000, holder, sizeof holder, NULL),
                     ZE_SPOOL_OCCUPIED);
    assert_string_equal(holder, "7:a");
    assert_int_equal(rlock_acquire_or_get(p, "S1", "8:b", 10000, NULL, 0, NULL), ZE_SPOOL_OCCUPIED);
    assert_int_equal(rlock_acquire_or_get(p, "S1", "8:b", 10000, small, sizeof small, NULL),
                     ZE_SPOOL_OCCUPIED);
    assert_string_equal(small, "7:a");
    /* A lock without expiry reports -1; a key that is not a string is a Redis failure. */
    assert_int_equal(admin_do("SET spool_lock:noexp 5:x"), 0);
    assert_int_equal(rlock_acquire_or_get(p, "noexp", "8:b", 10000, holder, sizeof holder, &pttl),
                     ZE_SPOOL_OCCUPIED);
    assert_string_equal(holder, "5:x");
    assert_int_equal(pttl, -1);
    assert_int_equal(admin_do("HSET spool_lock:hash f v"), 0);
    assert_int_equal(rlock_acquire_or_get(p, "hash", "8:b", 10000, holder, sizeof holder, NULL),
                     ZE_REDIS_UNAVAILABLE);
    assert_int_equal(rlock_acquire_or_get(p, "S2", "8:b", 0, NULL, 0, NULL), ZE_BAD_REQUEST);
    assert_int_equal(rlock_acquire_or_get(p, "", "8:b", 10, NULL, 0, NULL), ZE_BAD_REQUEST);
    assert_int_equal(rlock_acquire_or_get(p, "S2", "8:b", 10, holder, 0, NULL), ZE_BAD_REQUEST);
    assert_int_equal(admin_int("EXISTS spool_lock:S2"), 0);
    rpool_free(p);
}

/* A subscriber on "zeues-events", connected; the caller stops it. */
static rsub_t *subscribed(sub_log_t *log)
{
    sub_log_init(log);
    rsub_t *s = rsub_start(g_url, "zeues-events", on_message, on_state, log);
    assert_non_null(s);
    assert_int_equal(wait_count(log, &log->nstates, 1, 3000), 0);
    return s;
}

/* Waits for message number i (0-based) and checks its text. */
static void assert_message(sub_log_t *log, int i, const char *want)
{
    assert_int_equal(wait_count(log, &log->nmsgs, i + 1, 2000), 0);
    pthread_mutex_lock(&log->mu);
    assert_int_equal(log->lens[i], strlen(want));
    assert_memory_equal(log->msgs[i], want, strlen(want));
    pthread_mutex_unlock(&log->mu);
}

static void test_extend_publish(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    sub_log_t log;
    const char *const two[] = {"{\"a\": 1}", "{\"b\": 2}"}, *const one[] = {"lost-lock"};
    const char *const gone[] = {"no-lock"}, *const none[] = {"never"};
    (void)state;

    rsub_t *s = subscribed(&log);
    assert_int_equal(rlock_acquire(p, "S1", "7:a", 10000), ZE_OK);
    assert_int_equal(rlock_extend_publish(p, "S1", "7:a", 60000, "zeues-events", two, 2), ZE_OK);
    assert_true(admin_int("PTTL spool_lock:S1") > 50000);
    assert_message(&log, 0, two[0]);
    assert_message(&log, 1, two[1]);
    /* Another holder: its lock is neither prolonged nor touched, the event still goes out. */
    assert_int_equal(admin_do("SET spool_lock:S1 8:b PX 10000"), 0);
    assert_int_equal(rlock_extend_publish(p, "S1", "7:a", 60000, "zeues-events", one, 1),
                     ZE_NOT_FOUND);
    assert_true(admin_int("PTTL spool_lock:S1") <= 10000);
    assert_message(&log, 2, one[0]);
    /* No lock at all: none is created, the event still goes out. */
    assert_int_equal(rlock_extend_publish(p, "absent", "7:a", 60000, "zeues-events", gone, 1),
                     ZE_NOT_FOUND);
    assert_int_equal(admin_int("EXISTS spool_lock:absent"), 0);
    assert_message(&log, 3, gone[0]);
    /* A script that fails publishes nothing: the next message seen is the marker after it. */
    assert_int_equal(admin_do("HSET spool_lock:hash f v"), 0);
    assert_int_equal(rlock_extend_publish(p, "hash", "7:a", 60000, "zeues-events", none, 1),
                     ZE_REDIS_UNAVAILABLE);
    assert_int_equal(rpool_publish(p, "zeues-events", "marker", 6), ZE_OK);
    assert_message(&log, 4, "marker");
    /* Without messages it is a plain extend (and channel may be NULL). */
    assert_int_equal(rlock_acquire(p, "S3", "7:a", 10000), ZE_OK);
    assert_int_equal(rlock_extend_publish(p, "S3", "7:a", 60000, NULL, NULL, 0), ZE_OK);
    assert_true(admin_int("PTTL spool_lock:S3") > 50000);
    assert_int_equal(rlock_extend_publish(p, "S3", "7:a", 60000, NULL, one, 1), ZE_BAD_REQUEST);
    assert_int_equal(rlock_extend_publish(p, "S3", "7:a", 0, "zeues-events", one, 1),
                     ZE_BAD_REQUEST);
    sleep_ms(50);
    rsub_stop(s);
    assert_int_equal(log.nmsgs, 5);
    pthread_mutex_destroy(&log.mu);
    rpool_free(p);
}

static void test_release_publish(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    sub_log_t log;
    const char *const two[] = {"{\"seq\": 1}", "{\"seq\": 2}"}, *const one[] = {"other"};
    const char *const gone[] = {"no-lock"}, *const none[] = {"never"};
    char v[64];
    (void)state;

    rsub_t *s = subscribed(&log);
    assert_int_equal(rlock_acquire(p, "S1", "7:a", 10000), ZE_OK);
    assert_int_equal(rlock_release_publish(p, "S1", "7:a", "zeues-events", two, 2), ZE_OK);
    assert_int_equal(admin_int("EXISTS spool_lock:S1"), 0);
    assert_message(&log, 0, two[0]);
    assert_message(&log, 1, two[1]);
    /* Another holder keeps its lock; the event still goes out. */
    assert_int_equal(rlock_acquire(p, "S1", "8:b", 10000), ZE_OK);
    assert_int_equal(rlock_release_publish(p, "S1", "7:a", "zeues-events", one, 1), ZE_NOT_FOUND);
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_OK);
    assert_string_equal(v, "8:b");
    assert_message(&log, 2, one[0]);
    /* No lock at all. */
    assert_int_equal(rlock_release_publish(p, "absent", "7:a", "zeues-events", gone, 1),
                     ZE_NOT_FOUND);
    assert_message(&log, 3, gone[0]);
    /* A failing script publishes nothing. */
    assert_int_equal(admin_do("HSET spool_lock:hash f v"), 0);
    assert_int_equal(rlock_release_publish(p, "hash", "7:a", "zeues-events", none, 1),
                     ZE_REDIS_UNAVAILABLE);
    assert_int_equal(admin_int("EXISTS spool_lock:hash"), 1);
    assert_int_equal(rpool_publish(p, "zeues-events", "marker", 6), ZE_OK);
    assert_message(&log, 4, "marker");
    /* Without messages it is a plain release. */
    assert_int_equal(rlock_release_publish(p, "S1", "8:b", NULL, NULL, 0), ZE_OK);
    assert_int_equal(admin_int("EXISTS spool_lock:S1"), 0);
    assert_int_equal(rlock_release_publish(p, "", "8:b", "zeues-events", one, 1), ZE_BAD_REQUEST);
    sleep_ms(50);
    rsub_stop(s);
    assert_int_equal(log.nmsgs, 5);
    pthread_mutex_destroy(&log.mu);
    rpool_free(p);
}

/* Each script is one round trip: one EVALSHA (or EVAL) per call, nothing else sent. */
static void test_one_round_trip(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    redisContext *c = admin_connect();
    const char *const msg[] = {"m"};
    (void)state;

    assert_non_null(c);
    assert_int_equal(rlock_acquire_or_get(p, "S1", "7:a", 10000, NULL, 0, NULL), ZE_OK);
    assert_int_equal(rlock_extend_publish(p, "S1", "7:a", 20000, "ch", msg, 1), ZE_OK);
    assert_int_equal(rlock_release_publish(p, "S1", "7:a", "ch", msg, 1), ZE_OK);
    assert_int_equal(admin_do("CONFIG RESETSTAT"), 0);
    assert_int_equal(rlock_acquire_or_get(p, "S1", "7:a", 10000, NULL, 0, NULL), ZE_OK);
    assert_int_equal(rlock_acquire_or_get(p, "S1", "8:b", 10000, NULL, 0, NULL), ZE_SPOOL_OCCUPIED);
    assert_int_equal(rlock_extend_publish(p, "S1", "7:a", 20000, "ch", msg, 1), ZE_OK);
    assert_int_equal(rlock_release_publish(p, "S1", "7:a", "ch", msg, 1), ZE_OK);
    char *stats = admin_text(c, "INFO commandstats");
    assert_non_null(stats);
    const char *e = strstr(stats, "cmdstat_evalsha:calls=");
    assert_non_null(e);
    assert_int_equal(atoi(e + strlen("cmdstat_evalsha:calls=")), 4);
    assert_null(strstr(stats, "cmdstat_eval:"));
    free(stats);
    redisFree(c);
    rpool_free(p);
}

/* Lock scripts sent by many threads at once share round trips (rpool__pipelined): every caller
 * still gets its own reply. Each thread takes its own key, sees itself as the holder from a
 * second value, and releases it; a reply handed to the wrong caller would show as a wrong
 * holder or a failed release. */
#define PIPE_THREADS 16
#define PIPE_ROUNDS 200

typedef struct pipe_job {
    rpool_t *p;
    int id;
    int wrong;
} pipe_job_t;

static void *pipe_caller(void *arg)
{
    pipe_job_t *j = arg;
    char tag[32], mine[32], holder[64];
    for (int r = 0; r < PIPE_ROUNDS; r++) {
        snprintf(tag, sizeof tag, "P%d", j->id);
        snprintf(mine, sizeof mine, "%d:%d", j->id, r);
        if (rlock_acquire_or_get(j->p, tag, mine, 10000, holder, sizeof holder, NULL) != ZE_OK)
            j->wrong++;
        if (rlock_acquire_or_get(j->p, tag, "0:other", 10000, holder, sizeof holder, NULL) !=
                ZE_SPOOL_OCCUPIED ||
            strcmp(holder, mine) != 0)
            j->wrong++;
        const char *const msg[] = {mine};
        if (rlock_release_publish(j->p, tag, mine, "ch", msg, 1) != ZE_OK) j->wrong++;
    }
    return NULL;
}

static void test_concurrent_scripts_get_their_own_replies(void **state)
{
    rpool_t *p = rpool_new(g_url, 4, 2000);
    pthread_t t[PIPE_THREADS];
    pipe_job_t jobs[PIPE_THREADS];
    (void)state;

    for (int i = 0; i < PIPE_THREADS; i++) {
        jobs[i] = (pipe_job_t){.p = p, .id = i + 1};
        assert_int_equal(pthread_create(&t[i], NULL, pipe_caller, &jobs[i]), 0);
    }
    for (int i = 0; i < PIPE_THREADS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < PIPE_THREADS; i++) assert_int_equal(jobs[i].wrong, 0);
    for (int i = 0; i < PIPE_THREADS; i++)
        assert_int_equal(admin_int("EXISTS spool_lock:P%d", i + 1), 0);
    rpool_free(p);
}

/* ---- SCAN ---- */

#define SCAN_LOCKS 450

typedef struct scan_seen {
    int count[SCAN_LOCKS];
    int bad_value, bad_ttl, foreign, noexp, visits;
} scan_seen_t;

static int on_visit(void *ud, const char *tag, const char *value, int64_t pttl)
{
    scan_seen_t *s = ud;
    char want[32];
    int i;

    s->visits++;
    if (strcmp(tag, "noexp") == 0) {
        s->noexp++;
        if (pttl != -1) s->bad_ttl++;
        return 0;
    }
    if (sscanf(tag, "S%d", &i) != 1 || i < 0 || i >= SCAN_LOCKS) {
        s->foreign++;
        return 0;
    }
    s->count[i]++;
    snprintf(want, sizeof want, "v%d", i);
    if (strcmp(value, want) != 0) s->bad_value++;
    if (pttl <= 0 || pttl > 60000) s->bad_ttl++;
    return 0;
}

static int on_visit_stop(void *ud, const char *tag, const char *value, int64_t pttl)
{
    int *n = ud;
    (void)tag, (void)value, (void)pttl;
    return ++*n >= 5;
}

static void test_scan(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    scan_seen_t *seen = calloc(1, sizeof *seen);
    char tag[16], value[16];
    int stopped = 0;
    (void)state;

    for (int i = 0; i < SCAN_LOCKS; i++) {
        snprintf(tag, sizeof tag, "S%d", i);
        snprintf(value, sizeof value, "v%d", i);
        assert_int_equal(rlock_acquire(p, tag, value, 60000), ZE_OK);
    }
    assert_int_equal(admin_do("SET spool_lock:noexp x"), 0);
    assert_int_equal(admin_do("SET other:1 x"), 0);
    assert_int_equal(admin_do("SET spool_lockx:1 x"), 0);
    assert_int_equal(admin_do("HSET spool_lock:hash f v"), 0);

    assert_int_equal(rlock_scan(p, on_visit, seen), ZE_OK);
    for (int i = 0; i < SCAN_LOCKS; i++)
        assert_true(seen->count[i] >= 1);
    assert_int_equal(seen->noexp, 1);
    assert_int_equal(seen->foreign, 0);
    assert_int_equal(seen->bad_value, 0);
    assert_int_equal(seen->bad_ttl, 0);

    assert_int_equal(rlock_scan(p, on_visit_stop, &stopped), ZE_OK);
    assert_int_equal(stopped, 5);
    free(seen);
    rpool_free(p);
}

/* ---- Publish / subscribe ---- */

static void test_publish_subscribe(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    sub_log_t log;
    static const char msg[] = "hello\0world"; /* 11 bytes with a NUL inside */
    (void)state;

    sub_log_init(&log);
    rsub_t *s = rsub_start(g_url, "zeues-events", on_message, on_state, &log);
    assert_non_null(s);
    assert_int_equal(wait_count(&log, &log.nstates, 1, 3000), 0);
    assert_int_equal(log.states[0], 1);
    assert_int_equal(rpool_publish(p, "other-channel", "x", 1), ZE_OK);
    assert_int_equal(rpool_publish(p, "zeues-events", msg, sizeof msg - 1), ZE_OK);
    assert_int_equal(rpool_publish(p, "zeues-events", "", 0), ZE_OK);
    assert_int_equal(wait_count(&log, &log.nmsgs, 2, 2000), 0);
    sleep_ms(50);
    int64_t t0 = now_ms();
    rsub_stop(s);
    assert_true(now_ms() - t0 < 1500);

    assert_int_equal(log.nmsgs, 2);
    assert_int_equal(log.lens[0], sizeof msg - 1);
    assert_memory_equal(log.msgs[0], msg, sizeof msg - 1);
    assert_int_equal(log.lens[1], 0);
    assert_int_equal(log.nstates, 1);
    pthread_mutex_destroy(&log.mu);
    rpool_free(p);
}

/* A subscriber that never reaches Redis still stops promptly and reports nothing. */
static void test_subscriber_stop_while_down(void **state)
{
    char url[64];
    sub_log_t log;
    (void)state;

    sub_log_init(&log);
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", free_port());
    rsub_t *s = rsub_start(url, "ch", on_message, on_state, &log);
    assert_non_null(s);
    sleep_ms(1300);
    int64_t t0 = now_ms();
    rsub_stop(s);
    assert_true(now_ms() - t0 < 1500);
    assert_int_equal(log.nstates, 0);
    pthread_mutex_destroy(&log.mu);
}

/* ---- Concurrency ---- */

#define RACE_THREADS 16
#define RACE_ITERS 200
#define RACE_TAGS 5

typedef struct race {
    rpool_t *p;
    atomic_int holders[RACE_TAGS];
    atomic_int violations, acquired, occupied, errors;
} race_t;

typedef struct race_arg {
    race_t *r;
    int id;
} race_arg_t;

static void *race_worker(void *arg)
{
    race_arg_t *a = arg;
    race_t *r = a->r;
    char tag[8], value[32];

    for (int i = 0; i < RACE_ITERS; i++) {
        int t = (i + a->id) % RACE_TAGS;
        snprintf(tag, sizeof tag, "T%d", t);
        snprintf(value, sizeof value, "%d:%d", a->id, i);
        int rc = rlock_acquire(r->p, tag, value, 10000);
        if (rc == ZE_OK) {
            if (atomic_fetch_add(&r->holders[t], 1) != 0) atomic_fetch_add(&r->violations, 1);
            sched_yield();
            /* Leave before releasing, or the next holder could count us too. */
            atomic_fetch_sub(&r->holders[t], 1);
            if (rlock_release(r->p, tag, value) != ZE_OK) atomic_fetch_add(&r->errors, 1);
            atomic_fetch_add(&r->acquired, 1);
        } else if (rc == ZE_SPOOL_OCCUPIED) {
            atomic_fetch_add(&r->occupied, 1);
        } else {
            atomic_fetch_add(&r->errors, 1);
        }
    }
    return NULL;
}

static void run_race(race_t *r)
{
    pthread_t th[RACE_THREADS];
    race_arg_t args[RACE_THREADS];

    for (int i = 0; i < RACE_THREADS; i++) {
        args[i] = (race_arg_t){r, i};
        assert_int_equal(pthread_create(&th[i], NULL, race_worker, &args[i]), 0);
    }
    for (int i = 0; i < RACE_THREADS; i++)
        pthread_join(th[i], NULL);
}

static void test_mutual_exclusion(void **state)
{
    race_t r;
    (void)state;

    memset(&r, 0, sizeof r);
    r.p = rpool_new(g_url, 8, 2000);
    run_race(&r);
    assert_int_equal(atomic_load(&r.violations), 0);
    assert_int_equal(atomic_load(&r.errors), 0);
    assert_true(atomic_load(&r.acquired) > 0);
    assert_int_equal(atomic_load(&r.acquired) + atomic_load(&r.occupied),
                     RACE_THREADS * RACE_ITERS);
    assert_int_equal(admin_int("DBSIZE"), 0);
    rpool_free(r.p);
}

typedef struct monitor {
    atomic_int stop;
    int max_clients;
    int samples;
} monitor_t;

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Samples CLIENT LIST on its own connection (which is one of the clients it counts). */
static void *monitor_main(void *arg)
{
    monitor_t *m = arg;
    redisContext *c = admin_connect();

    while (c && !atomic_load(&m->stop)) {
        char *list = admin_text(c, "CLIENT LIST");
        if (!list) break;
        int n = count_lines(list);
        free(list);
        if (n > m->max_clients) m->max_clients = n;
        m->samples++;
        sleep_ms(1);
    }
    redisFree(c);
    return NULL;
}

/* Wait until earlier cases' connections are gone from the server's client list. */
static int wait_clients_at_most(int n)
{
    redisContext *c = admin_connect();
    int have = -1;

    for (int i = 0; c && i < 200; i++) {
        char *list = admin_text(c, "CLIENT LIST");
        have = list ? count_lines(list) : -1;
        free(list);
        if (have >= 0 && have <= n) break;
        sleep_ms(5);
    }
    redisFree(c);
    return have;
}

static void test_pool_bounds_connections(void **state)
{
    monitor_t m = {0};
    pthread_t mt;
    race_t r;
    (void)state;

    assert_true(wait_clients_at_most(1) <= 1);
    memset(&r, 0, sizeof r);
    r.p = rpool_new(g_url, 4, 3000);
    assert_int_equal(pthread_create(&mt, NULL, monitor_main, &m), 0);
    run_race(&r);
    atomic_store(&m.stop, 1);
    pthread_join(mt, NULL);

    assert_int_equal(atomic_load(&r.errors), 0);
    assert_int_equal(atomic_load(&r.violations), 0);
    assert_true(m.samples > 10);
    /* 4 pool connections plus the monitor's own. */
    assert_true(m.max_clients <= 4 + 1);
    assert_true(m.max_clients >= 2);
    rpool_free(r.p);
}

/* With every connection checked out, a caller waits for the timeout and then fails; PING
 * still answers 1 because Redis itself is fine. */
static void test_pool_exhausted(void **state)
{
    rpool_t *p = rpool_new(g_url, 1, 200);
    rpool_lease_t l;
    char v[16], err[160] = "";
    (void)state;

    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_OK);
    assert_int_equal(rpool__checkout(p, &l, err, sizeof err), ZE_OK);
    int64_t t0 = now_ms();
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_REDIS_UNAVAILABLE);
    int64_t waited = now_ms() - t0;
    assert_true(waited >= 150 && waited < 1000);
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_OK);
    rpool__checkin(p, &l);
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_NOT_FOUND);
    rpool_free(p);
}

/* ---- Failure, timeouts and recovery ---- */

/* A server that stops answering (CLIENT PAUSE) costs one timeout, then calls fail fast, and the
 * pool recovers by itself once it answers again. */
static void test_command_timeout(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 200);
    char v[16];
    (void)state;

    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_NOT_FOUND);
    assert_int_equal(admin_do("CLIENT PAUSE 700 ALL"), 0);
    int64_t t0 = now_ms();
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_REDIS_UNAVAILABLE);
    int64_t took = now_ms() - t0;
    assert_true(took >= 150 && took < 600);
    t0 = now_ms();
    assert_int_equal(rlock_acquire(p, "S1", "1:a", 1000), ZE_REDIS_UNAVAILABLE);
    assert_true(now_ms() - t0 < 50);
    int rc;
    while ((rc = rlock_get(p, "S1", v, sizeof v)) == ZE_REDIS_UNAVAILABLE && now_ms() - t0 < 3000)
        sleep_ms(20);
    assert_int_equal(rc, ZE_NOT_FOUND);
    assert_true(now_ms() - t0 < 2000);
    rpool_free(p);
}

static void test_kill_and_restart(void **state)
{
    rpool_t *p = rpool_new(g_url, 4, 300);
    sub_log_t log;
    char v[16], err[160];
    rinfo_t info;
    (void)state;

    sub_log_init(&log);
    rsub_t *s = rsub_start(g_url, "zeues-events", on_message, on_state, &log);
    assert_non_null(s);
    assert_int_equal(wait_count(&log, &log.nstates, 1, 3000), 0);
    assert_int_equal(rlock_acquire(p, "S1", "1:a", 60000), ZE_OK);
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_OK);

    server_kill();
    /* Every kind of call fails, each well under a second, for longer than one reconnect
     * interval (so the once-a-second attempts against a refused port are exercised too). */
    int64_t start = now_ms();
    int calls = 0;
    while (now_ms() - start < 1500) {
        int64_t t0 = now_ms();
        assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_REDIS_UNAVAILABLE);
        assert_int_equal(rlock_acquire(p, "S2", "1:a", 1000), ZE_REDIS_UNAVAILABLE);
        assert_int_equal(rlock_release(p, "S1", "1:a"), ZE_REDIS_UNAVAILABLE);
        assert_int_equal(rlock_scan(p, on_visit_stop, &calls), ZE_REDIS_UNAVAILABLE);
        assert_int_equal(rpool_publish(p, "zeues-events", "x", 1), ZE_REDIS_UNAVAILABLE);
        err[0] = '\0';
        assert_int_equal(rpool_ping(p, err, sizeof err), ZE_REDIS_UNAVAILABLE);
        assert_true(err[0] != '\0');
        assert_int_equal(rpool_info(p, &info, err, sizeof err), ZE_REDIS_UNAVAILABLE);
        assert_true(now_ms() - t0 < 1000);
        sleep_ms(50);
    }
    assert_int_equal(wait_count(&log, &log.nstates, 2, 3000), 0);
    assert_int_equal(log.states[1], 0);

    assert_int_equal(server_start(), 0);
    int64_t t0 = now_ms();
    int rc;
    while ((rc = rlock_get(p, "S1", v, sizeof v)) == ZE_REDIS_UNAVAILABLE && now_ms() - t0 < 4000)
        sleep_ms(20);
    /* The server started empty (no persistence), so the old lock is gone. */
    assert_int_equal(rc, ZE_NOT_FOUND);
    assert_true(now_ms() - t0 <= 2000);
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_OK);

    assert_int_equal(wait_count(&log, &log.nstates, 3, 3000), 0);
    assert_int_equal(log.states[2], 1);
    assert_int_equal(rpool_publish(p, "zeues-events", "back", 4), ZE_OK);
    assert_int_equal(wait_count(&log, &log.nmsgs, 1, 2000), 0);
    assert_int_equal(log.lens[0], 4);
    assert_memory_equal(log.msgs[0], "back", 4);
    rsub_stop(s);
    pthread_mutex_destroy(&log.mu);
    rpool_free(p);
}

/* Several messages pipelined in one round trip arrive in order; none is ZE_OK and sends
 * nothing; a NULL message refuses the whole call before anything is sent. */
static void test_publish_many(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    sub_log_t log;
    const char *const three[] = {"one", "two", "three"}, *const bad[] = {"x", NULL};
    (void)state;

    rsub_t *s = subscribed(&log);
    assert_int_equal(rpool_publish_many(p, "zeues-events", three, 3), ZE_OK);
    assert_int_equal(rpool_publish_many(p, "zeues-events", NULL, 0), ZE_OK);
    assert_int_equal(rpool_publish_many(p, "zeues-events", bad, 2), ZE_BAD_REQUEST);
    assert_int_equal(rpool_publish_many(p, NULL, three, 3), ZE_BAD_REQUEST);
    assert_int_equal(rpool_publish(p, "zeues-events", "marker", 6), ZE_OK);
    assert_message(&log, 0, "one");
    assert_message(&log, 1, "two");
    assert_message(&log, 2, "three");
    assert_message(&log, 3, "marker");
    /* The connection is still in step afterwards. */
    char v[16];
    assert_int_equal(rlock_acquire(p, "S1", "7:a", 10000), ZE_OK);
    assert_int_equal(rlock_get(p, "S1", v, sizeof v), ZE_OK);
    assert_string_equal(v, "7:a");
    sleep_ms(50);
    rsub_stop(s);
    assert_int_equal(log.nmsgs, 4);
    pthread_mutex_destroy(&log.mu);
    rpool_free(p);
}

/* Writing a large command to a server that just died makes the kernel raise SIGPIPE (the
 * second write hits the reset connection). The default action would kill this process; the
 * pool must turn it into ZE_REDIS_UNAVAILABLE. SIGPIPE stays at SIG_DFL in this program. */
static void test_sigpipe_guard(void **state)
{
    const size_t big = 16u << 20;
    rpool_t *p = rpool_new(g_url, 1, 500);
    char *value = malloc(big + 1), err[160];
    struct sigaction sa;
    (void)state;

    assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
    assert_true(sa.sa_handler == SIG_DFL);
    memset(value, 'x', big);
    value[big] = '\0';
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_OK);
    server_kill();
    sleep_ms(50);
    assert_int_equal(rlock_acquire(p, "S1", value, 1000), ZE_REDIS_UNAVAILABLE);
    sigset_t pending;
    sigpending(&pending);
    assert_false(sigismember(&pending, SIGPIPE));
    free(value);
    rpool_free(p);
    assert_int_equal(server_start(), 0);
}

/* With SIGPIPE ignored when the pool is made, the pool adds no guard: the same write to a dead
 * server fails with EPIPE and the call answers ZE_REDIS_UNAVAILABLE. That no guard is left is
 * shown by breaking the documented assumption in a child: a pool made while SIGPIPE was
 * ignored, used after the default action is back, dies of SIGPIPE. */
static void test_sigpipe_ignored(void **state)
{
    const size_t big = 16u << 20;
    struct sigaction ign = {.sa_handler = SIG_IGN}, dfl = {.sa_handler = SIG_DFL}, old;
    char *value = malloc(big + 1), err[160];
    sigset_t pending;
    (void)state;

    sigemptyset(&ign.sa_mask);
    sigemptyset(&dfl.sa_mask);
    memset(value, 'x', big);
    value[big] = '\0';
    assert_int_equal(sigaction(SIGPIPE, &ign, &old), 0);
    rpool_t *p = rpool_new(g_url, 1, 500);
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_OK);
    server_kill();
    sleep_ms(50);
    assert_int_equal(rlock_acquire(p, "S1", value, 1000), ZE_REDIS_UNAVAILABLE);
    sigpending(&pending);
    assert_false(sigismember(&pending, SIGPIPE));
    rpool_free(p);
    assert_int_equal(server_start(), 0);

    int ready[2], go[2];
    char b = 0;
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        rpool_t *cp = rpool_new(g_url, 1, 500);
        if (rpool_ping(cp, err, sizeof err) != ZE_OK) _exit(3);
        sigaction(SIGPIPE, &dfl, NULL);
        if (write(ready[1], "r", 1) != 1 || read(go[0], &b, 1) != 1) _exit(4);
        rlock_acquire(cp, "S1", value, 1000);
        _exit(0); /* not reached when no guard is left */
    }
    assert_int_equal(read(ready[0], &b, 1), 1);
    server_kill();
    sleep_ms(50);
    assert_int_equal(write(go[1], "g", 1), 1);
    int st = 0;
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGPIPE);
    close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
    free(value);
    assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);
    assert_int_equal(server_start(), 0);
}

/* ---- URL options against the live server ---- */

static void test_url_db_and_hostname(void **state)
{
    char url[96], err[160];
    (void)state;

    snprintf(url, sizeof url, "redis://localhost:%d/3", g_port);
    rpool_t *p = rpool_new(url, 2, 500);
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_OK);
    assert_int_equal(rlock_acquire(p, "DB", "1:a", 10000), ZE_OK);
    assert_int_equal(admin_int("EXISTS spool_lock:DB"), 0);
    redisContext *c = admin_connect();
    redisReply *r = redisCommand(c, "SELECT 3");
    freeReplyObject(r);
    r = redisCommand(c, "EXISTS spool_lock:DB");
    assert_non_null(r);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
    redisFree(c);
    rpool_free(p);
}

static void test_url_password(void **state)
{
    char url[96], err[160];
    redisContext *c = admin_connect();
    (void)state;

    assert_non_null(c);
    freeReplyObject(redisCommand(c, "CONFIG SET requirepass s3cr3t"));

    snprintf(url, sizeof url, "redis://:s3cr3t@127.0.0.1:%d", g_port);
    rpool_t *p = rpool_new(url, 2, 500);
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_OK);
    assert_int_equal(rlock_acquire(p, "PW", "1:a", 10000), ZE_OK);
    rpool_free(p);

    snprintf(url, sizeof url, "redis://default:s3cr3t@127.0.0.1:%d", g_port);
    p = rpool_new(url, 2, 500);
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_OK);
    rpool_free(p);

    snprintf(url, sizeof url, "redis://:wrong@127.0.0.1:%d", g_port);
    p = rpool_new(url, 2, 500);
    err[0] = '\0';
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_REDIS_UNAVAILABLE);
    assert_non_null(strstr(err, "AUTH"));
    rpool_free(p);

    p = rpool_new(g_url, 2, 500);
    err[0] = '\0';
    assert_int_equal(rpool_ping(p, err, sizeof err), ZE_REDIS_UNAVAILABLE);
    assert_non_null(strstr(err, "NOAUTH"));
    rpool_free(p);

    /* This connection authenticated before the password was set, so it may clear it. */
    freeReplyObject(redisCommand(c, "CONFIG SET requirepass %s", ""));
    redisFree(c);
    assert_int_equal(admin_do("PING"), 0);
}

/* ---- INFO ---- */

static void test_info(void **state)
{
    rpool_t *p = rpool_new(g_url, 2, 500);
    redisContext *c = admin_connect();
    rinfo_t info;
    char err[160];
    (void)state;

    assert_int_equal(rpool_info(p, &info, err, sizeof err), ZE_OK);
    char *text = admin_text(c, "INFO server");
    const char *ver = strstr(text, "redis_version:");
    assert_non_null(ver);
    assert_memory_equal(ver + strlen("redis_version:"), info.version, strlen(info.version));
    assert_true(strlen(info.version) >= 5);
    assert_true(info.connected_clients >= 2); /* the pool and the admin connection */
    assert_true(strlen(info.used_memory_human) >= 2);
    assert_true(info.uptime_in_seconds >= 0);
    free(text);
    redisFree(c);
    rpool_free(p);
}

static void test_info_parse(void **state)
{
    static const char text[] =
        "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\n"
        "uptime_in_seconds:123456\r\n\r\n# Clients\r\nconnected_clients:17\r\n"
        "connected_clients_extra:99\r\n# Memory\r\nused_memory:1048576\r\n"
        "used_memory_human:1.00M";
    rinfo_t info;
    (void)state;

    rinfo_parse(text, sizeof text - 1, &info);
    assert_string_equal(info.version, "7.0.15");
    assert_int_equal(info.uptime_in_seconds, 123456);
    assert_int_equal(info.connected_clients, 17);
    assert_string_equal(info.used_memory_human, "1.00M");

    static const char odd[] =
        "redis_version:12345678901234567890123456789012345678\nconnected_clients:x\n";
    rinfo_parse(odd, sizeof odd - 1, &info);
    assert_int_equal(strlen(info.version), sizeof info.version - 1);
    assert_int_equal(info.connected_clients, -1);
    assert_int_equal(info.uptime_in_seconds, -1);
    assert_string_equal(info.used_memory_human, "");
}

int main(int argc, char **argv)
{
    /* The kill/restart case goes last but one: it leaves a fresh server for the URL cases. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_parse),
        cmocka_unit_test(test_info_parse),
        cmocka_unit_test_setup(test_acquire_twice, case_setup),
        cmocka_unit_test_setup(test_get, case_setup),
        cmocka_unit_test_setup(test_binary_safe_args, case_setup),
        cmocka_unit_test_setup(test_release_wrong_value, case_setup),
        cmocka_unit_test_setup(test_release_right_value, case_setup),
        cmocka_unit_test_setup(test_extend, case_setup),
        cmocka_unit_test_setup(test_ttl_expires, case_setup),
        cmocka_unit_test_setup(test_script_sha, case_setup),
        cmocka_unit_test_setup(test_acquire_or_get, case_setup),
        cmocka_unit_test_setup(test_extend_publish, case_setup),
        cmocka_unit_test_setup(test_release_publish, case_setup),
        cmocka_unit_test_setup(test_one_round_trip, case_setup),
        cmocka_unit_test_setup(test_scan, case_setup),
        cmocka_unit_test_setup(test_publish_subscribe, case_setup),
        cmocka_unit_test_setup(test_publish_many, case_setup),
        cmocka_unit_test_setup(test_subscriber_stop_while_down, case_setup),
        cmocka_unit_test_setup(test_mutual_exclusion, case_setup),
        cmocka_unit_test_setup(test_pool_bounds_connections, case_setup),
        cmocka_unit_test_setup(test_pool_exhausted, case_setup),
        cmocka_unit_test_setup(test_info, case_setup),
        cmocka_unit_test_setup(test_command_timeout, case_setup),
        cmocka_unit_test_setup(test_concurrent_scripts_get_their_own_replies, case_setup),
        cmocka_unit_test_setup(test_kill_and_restart, case_setup),
        cmocka_unit_test_setup(test_sigpipe_guard, case_setup),
        cmocka_unit_test_setup(test_sigpipe_ignored, case_setup),
        cmocka_unit_test_setup(test_url_db_and_hostname, case_setup),
        cmocka_unit_test_setup(test_url_password, case_setup),
    };

    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
