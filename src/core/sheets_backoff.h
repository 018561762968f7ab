/* When the Sheets client may send its next request: the truncated exponential backoff with
 * jitter Google asks for after a 429 or a 5xx (reference google-sheets.md §3.2), and the
 * per-minute request budget (§3.1: one service account is one user, 60 reads and 60 writes a
 * minute). Pure: the clock and the random numbers are passed in. */
#ifndef ZEUES_CORE_SHEETS_BACKOFF_H
#define ZEUES_CORE_SHEETS_BACKOFF_H
#include <stddef.h>
#include <stdint.h>

/** The wait before retry number attempt (0 = the first retry) in milliseconds:
 *  min(2^attempt s + (rnd % 1001) ms, max_ms). */
int64_t sheets_backoff_ms(int attempt, uint32_t rnd, int64_t max_ms);

#define SHEETS_BUDGET_MAX 1200 /* the most requests a minute a budget can allow */

/** A sliding one-minute window of the requests sent: never more than per_min in any 60 s,
 *  so no fixed minute Google counts in can see more either. Storage the caller owns; set up
 *  with sheets_budget_init. Not thread-safe. */
typedef struct sheets_budget {
    int per_min;
    int64_t sent[SHEETS_BUDGET_MAX]; /* send times (ms), a ring */
    size_t head, count;
} sheets_budget_t;

/** per_min is clamped to 1..SHEETS_BUDGET_MAX. */
void sheets_budget_init(sheets_budget_t *b, int per_min);
/** Milliseconds from now_ms until n more requests fit in the window (0 = now). n larger than
 *  per_min is treated as per_min. */
int64_t sheets_budget_wait_ms(const sheets_budget_t *b, int64_t now_ms, int n);
/** Records a request sent at now_ms. */
void sheets_budget_take(sheets_budget_t *b, int64_t now_ms);
/** Requests sent in the minute before now_ms. */
int sheets_budget_used(const sheets_budget_t *b, int64_t now_ms);

#endif
