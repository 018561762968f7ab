/* Backoff schedule and per-minute budget of the Sheets client (see sheets_backoff.h). */
#include "core/sheets_backoff.h"

#define WINDOW_MS 60000

int64_t sheets_backoff_ms(int attempt, uint32_t rnd, int64_t max_ms)
{
    if (attempt < 0) attempt = 0;
    int64_t base = attempt >= 20 ? ((int64_t)1 << 20) * 1000 : ((int64_t)1 << attempt) * 1000;
    int64_t w = base + (int64_t)(rnd % 1001u);
    return w < max_ms ? w : max_ms;
}

void sheets_budget_init(sheets_budget_t *b, int per_min)
{
    b->per_min = per_min < 1 ? 1 : per_min > SHEETS_BUDGET_MAX ? SHEETS_BUDGET_MAX : per_min;
    b->head = b->count = 0;
}

/* The i-th oldest send time still recorded. */
static int64_t nth(const sheets_budget_t *b, size_t i)
{
    return b->sent[(b->head + i) % SHEETS_BUDGET_MAX];
}

int sheets_budget_used(const sheets_budget_t *b, int64_t now_ms)
{
    int used = 0;
    for (size_t i = 0; i < b->count; i++)
        if (nth(b, i) > now_ms - WINDOW_MS) used++;
    return used;
}

int64_t sheets_budget_wait_ms(const sheets_budget_t *b, int64_t now_ms, int n)
{
    if (n > b->per_min) n = b->per_min;
    if (n < 1) n = 1;
    /* The sends still inside the window, oldest first: the (used + n - per_min)-th oldest of
     * them must leave it before n more fit. */
    size_t first = 0;
    while (first < b->count && nth(b, first) <= now_ms - WINDOW_MS) first++;
    int used = (int)(b->count - first);
    int excess = used + n - b->per_min;
    if (excess <= 0) return 0;
    int64_t leaves = nth(b, first + (size_t)excess - 1) + WINDOW_MS;
    return leaves - now_ms + 1;
}

void sheets_budget_take(sheets_budget_t *b, int64_t now_ms)
{
    /* Drop what left the window, then keep at most per_min entries (older ones no longer
     * matter once per_min newer ones exist). */
    while (b->count && nth(b, 0) <= now_ms - WINDOW_MS) {
        b->head = (b->head + 1) % SHEETS_BUDGET_MAX;
        b->count--;
    }
    if (b->count == (size_t)b->per_min || b->count == SHEETS_BUDGET_MAX) {
        b->head = (b->head + 1) % SHEETS_BUDGET_MAX;
        b->count--;
    }
    b->sent[(b->head + b->count) % SHEETS_BUDGET_MAX] = now_ms;
    b->count++;
}
