/* Named threads with signals blocked (see thread.h). */
#include "util/thread.h"

#include <signal.h>
#include <string.h>

static void set_name(pthread_t t, const char *name)
{
    char n[THREAD_NAME_MAX + 1];
    strncpy(n, name, THREAD_NAME_MAX);
    n[THREAD_NAME_MAX] = '\0';
    pthread_setname_np(t, n);
}

int thread_start(pthread_t *t, const char *name, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0) set_name(*t, name);
    return rc;
}

void thread_name_self(const char *name) { set_name(pthread_self(), name); }
