/* static200: the smallest HTTP/1.1 server we can write, used as the "loopback + load generator"
 * ceiling of the benchmark. Every request (any method, any path, no body expected) gets the same
 * fixed 200 response on a keep-alive connection; pipelined requests are answered in order.
 * One epoll loop per thread, each with its own SO_REUSEPORT listening socket.
 *
 *   cc -O2 -o static200 bench/static200.c -lpthread
 *   static200 [-p PORT (0 = any free port)] [-t THREADS]
 * Prints "static200: listening on PORT" on stdout once it accepts connections. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char RESP[] = "HTTP/1.1 200 OK\r\n"
                           "Content-Type: text/plain\r\n"
                           "Content-Length: 2\r\n"
                           "\r\n"
                           "ok";
#define RESP_LEN (sizeof RESP - 1)
#define BUFSZ 16384

typedef struct {
    int fd;
    int crlf_state; /* progress through "\r\n\r\n" across reads */
} conn_t;

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4096) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Counts complete request heads ("\r\n\r\n") in data, carrying the match state across reads. */
static int count_requests(conn_t *c, const char *data, size_t n)
{
    static const char pat[4] = {'\r', '\n', '\r', '\n'};
    int found = 0, st = c->crlf_state;
    for (size_t i = 0; i < n; i++) {
        if (data[i] == pat[st]) {
            if (++st == 4) {
                found++;
                st = 0;
            }
        } else {
            st = data[i] == '\r' ? 1 : 0;
        }
    }
    c->crlf_state = st;
    return found;
}

static void *serve(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    struct epoll_event evs[256];
    char buf[BUFSZ];
    char out[RESP_LEN * 64];
    for (int i = 0; i < 64; i++) memcpy(out + i * RESP_LEN, RESP, RESP_LEN);
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno == EINTR) continue;
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (!c) {
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
                    if (fd < 0) break;
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_t *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            int closed = 0;
            for (;;) {
                ssize_t r = read(c->fd, buf, sizeof buf);
                if (r == 0) { closed = 1; break; }
                if (r < 0) {
                    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) closed = 1;
                    break;
                }
                int reqs = count_requests(c, buf, (size_t)r);
                while (reqs > 0) {
                    int k = reqs > 64 ? 64 : reqs;
                    size_t len = (size_t)k * RESP_LEN, off = 0;
                    while (off < len) { /* tiny responses: the socket buffer takes them */
                        ssize_t w = write(c->fd, out + off, len - off);
                        if (w < 0) {
                            if (errno == EINTR || errno == EAGAIN) continue;
                            closed = 1;
                            break;
                        }
                        off += (size_t)w;
                    }
                    if (closed) break;
                    reqs -= k;
                }
                if (closed || (size_t)r < sizeof buf) break;
            }
            if (closed || (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                free(c);
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int port = 0, threads = 1, opt;
    while ((opt = getopt(argc, argv, "p:t:")) != -1) {
        if (opt == 'p') port = atoi(optarg);
        else if (opt == 't') threads = atoi(optarg);
        else {
            fprintf(stderr, "usage: static200 [-p PORT] [-t THREADS]\n");
            return 2;
        }
    }
    if (threads < 1) threads = 1;
    signal(SIGPIPE, SIG_IGN);
    int fds[64];
    if (threads > 64) threads = 64;
    fds[0] = listen_on(port);
    if (fds[0] < 0) {
        perror("static200: listen");
        return 1;
    }
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    getsockname(fds[0], (struct sockaddr *)&a, &al);
    port = ntohs(a.sin_port);
    for (int i = 1; i < threads; i++) {
        fds[i] = listen_on(port);
        if (fds[i] < 0) {
            perror("static200: listen");
            return 1;
        }
    }
    printf("static200: listening on %d\n", port);
    fflush(stdout);
    pthread_t th;
    for (int i = 1; i < threads; i++) pthread_create(&th, NULL, serve, (void *)(intptr_t)fds[i]);
    serve((void *)(intptr_t)fds[0]);
    return 0;
}
