/* The subscriber: one thread with its own connection, SUBSCRIBEd to one channel, that hands
 * each message to a callback and reconnects by itself. It waits with poll() on the socket and
 * on a wake-up pipe instead of relying on SO_RCVTIMEO, because in hiredis 0.14 a read timeout
 * marks the context as failed for good, and the pipe lets rsub_stop return at once. */
#include "redis/redis_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/thread.h"

/* Connect and SUBSCRIBE timeout; also the poll slice. */
#define SUB_TIMEOUT_MS 1000
/* Pause between reconnect attempts, so a dead Redis is not hammered. */
#define SUB_BACKOFF_MS 1000
/* After this much silence we PING, and if the PING is not answered within as long again the
 * connection is declared lost: TCP keep-alive alone would take about a minute to notice a
 * vanished peer. */
#define SUB_IDLE_PING_MS 5000

struct rsub {
    rconn_url_t url;
    char *channel;
    rsub_message_fn on_message;
    rsub_state_fn on_state;
    void *ud;

    pthread_t thread;
    int wake[2];      /* rsub_stop writes a byte to wake[1]; the thread polls wake[0] */
    atomic_int stop;
};

static int stopping(rsub_t *s)
{
    return atomic_load(&s->stop);
}

/* Sleeps up to ms, returning early when rsub_stop is called. */
static void sleep_or_stop(rsub_t *s, int ms)
{
    struct pollfd pf = {s->wake[0], POLLIN, 0};
    const int64_t end = rconn_now_ms() + ms;
    int64_t left;

    while (!stopping(s) && (left = end - rconn_now_ms()) > 0) {
        if (poll(&pf, 1, (int)left) > 0) return;
    }
}

/* Connects and subscribes; NULL when either fails. */
static redisContext *sub_connect(rsub_t *s)
{
    char err[160];
    redisContext *c = rconn_open(&s->url, SUB_TIMEOUT_MS, err, sizeof err);
    redisReply *r;

    if (!c) return NULL;
    r = redisCommand(c, "SUBSCRIBE %b", s->channel, strlen(s->channel));
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        r->element[0]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, "subscribe") != 0) {
        freeReplyObject(r);
        redisFree(c);
        return NULL;
    }
    freeReplyObject(r);
    return c;
}

/* Delivers a "message" push; PING answers and (un)subscribe confirmations are ignored. */
static void on_reply(rsub_t *s, const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
    const redisReply *kind = r->element[0], *msg = r->element[2];
    if (kind->type == REDIS_REPLY_STRING && strcmp(kind->str, "message") == 0 &&
        msg->type == REDIS_REPLY_STRING && s->on_message)
        s->on_message(s->ud, msg->str, msg->len);
}

/* Sends PING without waiting for the answer (it arrives as an ordinary reply). */
static int send_ping(redisContext *c)
{
    int done = 0;

    if (redisAppendCommand(c, "PING") != REDIS_OK) return -1;
    do {
        if (redisBufferWrite(c, &done) != REDIS_OK) return -1;
    } while (!done);
    return 0;
}

/* Reads and delivers messages until the connection fails or rsub_stop is called. */
static void sub_pump(rsub_t *s, redisContext *c)
{
    int64_t last_rx = rconn_now_ms(), ping_at = 0;

    while (!stopping(s)) {
        void *reply = NULL;
        /* Replies already buffered (several may arrive in one read) come first. */
        if (redisGetReplyFromReader(c, &reply) != REDIS_OK) return;
        if (reply) {
            on_reply(s, reply);
            freeReplyObject(reply);
            last_rx = rconn_now_ms();
            ping_at = 0;
            continue;
        }
        struct pollfd pf[2] = {{c->fd, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
        int n = poll(pf, 2, SUB_TIMEOUT_MS);
        if (n < 0 && errno != EINTR) return;
        if (n <= 0) {
            const int64_t now = rconn_now_ms();
            if (ping_at == 0 && now - last_rx >= SUB_IDLE_PING_MS) {
                if (send_ping(c) != 0) return;
                ping_at = now;
            } else if (ping_at != 0 && now - ping_at >= SUB_IDLE_PING_MS) {
                return;
            }
            continue;
        }
        if (pf[1].revents) return;
        /* POLLHUP and POLLERR also land here: the read reports EOF or the error. */
        if (redisBufferRead(c) != REDIS_OK) return;
    }
}

static void *sub_main(void *arg)
{
    rsub_t *s = arg;
    int connected = 0;

    while (!stopping(s)) {
        redisContext *c = sub_connect(s);
        if (c && !stopping(s)) {
            connected = 1;
            if (s->on_state) s->on_state(s->ud, 1);
            sub_pump(s, c);
        }
        if (c) redisFree(c);
        if (stopping(s)) break;
        /* Report the loss once, not once per failed reconnect attempt. */
        if (connected && s->on_state) s->on_state(s->ud, 0);
        connected = 0;
        sleep_or_stop(s, SUB_BACKOFF_MS);
    }
    return NULL;
}

rsub_t *rsub_start(const char *url, const char *channel, rsub_message_fn on_message,
                   rsub_state_fn on_state, void *ud)
{
    rsub_t *s;
    int rc;

    if (!channel) return NULL;
    s = xcalloc(1, sizeof *s);
    if (rconn_url_parse(url, &s->url) != ZE_OK) goto fail_url;
    if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) goto fail_pipe;
    s->channel = xstrdup(channel);
    s->on_message = on_message;
    s->on_state = on_state;
    s->ud = ud;
    atomic_init(&s->stop, 0);
    /* The thread starts with a full signal mask: process signals (SIGINT, SIGTERM) go to the
     * threads that handle them, and a SIGPIPE from a write to a reset socket stays pending
     * here instead of killing the process. */
    rc = thread_start(&s->thread, "zeues-redis-sub", sub_main, s);
    if (rc != 0) goto fail_thread;
    return s;

fail_thread:
    free(s->channel);
    close(s->wake[0]);
    close(s->wake[1]);
fail_pipe:
    rconn_url_deinit(&s->url);
fail_url:
    free(s);
    return NULL;
}

void rsub_stop(rsub_t *s)
{
    const char byte = 1;

    if (!s) return;
    atomic_store(&s->stop, 1);
    /* The pipe is non-blocking and only ever gets this one byte, so the write cannot block. */
    while (write(s->wake[1], &byte, 1) < 0 && errno == EINTR) {
    }
    pthread_join(s->thread, NULL);
    close(s->wake[0]);
    close(s->wake[1]);
    free(s->channel);
    rconn_url_deinit(&s->url);
    free(s);
}
