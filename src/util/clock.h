/* Monotonic time for timeouts, deadlines and timed waits. Wall-clock time (what is stored and
 * shown) comes from tz_now(); everything that measures an interval uses this instead, so a
 * clock step (NTP, a manual date change) never shortens or stretches a wait. */
#ifndef ZEUES_UTIL_CLOCK_H
#define ZEUES_UTIL_CLOCK_H
#include <pthread.h>
#include <stdint.h>
#include <time.h>

/** Milliseconds on CLOCK_MONOTONIC (an arbitrary origin; only differences mean anything). */
int64_t clock_mono_ms(void);
/** Nanoseconds on CLOCK_MONOTONIC (request timing). */
int64_t clock_mono_ns(void);
/** Initialises cv so that pthread_cond_timedwait measures CLOCK_MONOTONIC. Pair with
 *  pthread_cond_destroy. */
void clock_cond_init(pthread_cond_t *cv);
/** The absolute CLOCK_MONOTONIC time ms milliseconds from now (ms < 0 is taken as 0), for
 *  pthread_cond_timedwait on a condition made by clock_cond_init. */
struct timespec clock_deadline_in(int64_t ms);
/** Waits on cv (made by clock_cond_init, mu held) for at most ms milliseconds. Returns like
 *  pthread_cond_timedwait (0, or ETIMEDOUT). */
int clock_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms);

#endif
