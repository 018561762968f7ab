/* Request-header deadline watchdog (see header_deadline.h). */
#include "http/header_deadline.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"

#define LOG_MODULE "http"

struct hdl_conn {
    int fd;
    int64_t deadline_ms; /* 0: no deadline (headers complete) */
    hdl_conn_t *prev, *next;
};

struct hdl {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    hdl_conn_t *head;
    int timeout_ms, stop;
    pthread_t thread;
};

static void *watch(void *arg)
{
    hdl_t *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        clock_cond_wait_ms(&h->cv, &h->mu, 1000);
        int64_t now = clock_mono_ms();
        int cut = 0;
        for (hdl_conn_t *c = h->head; c; c = c->next) {
            if (!c->deadline_ms || now < c->deadline_ms) continue;
            /* The socket stays open (and its fd reserved) until libmicrohttpd reports the
             * close through hdl_close, which takes this mutex first. */
            shutdown(c->fd, SHUT_RDWR);
            c->deadline_ms = 0;
            cut++;
        }
        if (cut) LOG_WARN("cut %d connection(s) whose request headers did not arrive in %d ms",
                          cut, h->timeout_ms);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

hdl_t *hdl_start(int timeout_ms)
{
    hdl_t *h = xcalloc(1, sizeof *h);
    h->timeout_ms = timeout_ms;
    pthread_mutex_init(&h->mu, NULL);
    clock_cond_init(&h->cv);
    if (thread_start(&h->thread, "zeues-hdr-wd", watch, h) != 0) {
        pthread_mutex_destroy(&h->mu);
        pthread_cond_destroy(&h->cv);
        free(h);
        return NULL;
    }
    return h;
}

void hdl_stop(hdl_t *h)
{
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->stop = 1;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    while (h->head) {
        hdl_conn_t *c = h->head;
        h->head = c->next;
        free(c);
    }
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}

hdl_conn_t *hdl_open(hdl_t *h, int fd)
{
    if (!h) return NULL;
    hdl_conn_t *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    pthread_mutex_lock(&h->mu);
    c->deadline_ms = clock_mono_ms() + h->timeout_ms;
    c->next = h->head;
    if (h->head) h->head->prev = c;
    h->head = c;
    pthread_mutex_unlock(&h->mu);
    return c;
}

void hdl_close(hdl_t *h, hdl_conn_t *c)
{
    if (!h || !c) return;
    pthread_mutex_lock(&h->mu);
    if (c->prev) c->prev->next = c->next;
    else h->head = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&h->mu);
    free(c);
}

void hdl_headers_done(hdl_t *h, hdl_conn_t *c)
{
    if (!h || !c) return;
    pthread_mutex_lock(&h->mu);
    c->deadline_ms = 0;
    pthread_mutex_unlock(&h->mu);
}

void hdl_request_done(hdl_t *h, hdl_conn_t *c)
{
    if (!h || !c) return;
    pthread_mutex_lock(&h->mu);
    c->deadline_ms = clock_mono_ms() + h->timeout_ms;
    pthread_mutex_unlock(&h->mu);
}
