/* Locks that may exist without anyone knowing: a lock request that timed out may still have
 * been executed by a slow Redis once it woke up. Each such (tag, value) is remembered here and
 * removed with compare-and-delete as soon as Redis answers (by the reconciler, or by the next
 * TOMAR that finds it in its way), so a failed TOMAR never leaves a lock behind. Thread-safe. */
#ifndef ZEUES_LOCKS_ORPHANS_H
#define ZEUES_LOCKS_ORPHANS_H
#include <stddef.h>

struct locks;
typedef struct orphans orphans_t;

/** Creates an empty set (bounded; the oldest entries give way). Caller frees with orphans_free. */
orphans_t *orphans_new(void);
void orphans_free(orphans_t *o);
/** Remembers a lock value that may have been set. NULL o is allowed (nothing remembered). */
void orphans_add(orphans_t *o, const char *tag, const char *value);
/** 1 when (tag, value) is a remembered orphan. */
int orphans_has(orphans_t *o, const char *tag, const char *value);
/** Tries to delete every remembered lock (compare-and-delete); entries are forgotten once Redis
 *  answered for them. Returns how many remain. */
size_t orphans_drain(orphans_t *o, struct locks *locks);

#endif
