/* A1 notation and percent-encoding for the Sheets API (see sheets_a1.h). */
#include "core/sheets_a1.h"

#include <stdio.h>
#include <string.h>

const char *sheets_a1_col(int col, char *out, size_t n)
{
    char tmp[8];
    size_t k = 0;
    if (n) out[0] = '\0';
    if (col < 0) return out;
    for (int c = col + 1; c > 0 && k < sizeof tmp; c = (c - 1) / 26)
        tmp[k++] = (char)('A' + (c - 1) % 26);
    if (k + 1 > n) return out;
    for (size_t i = 0; i < k; i++) out[i] = tmp[k - 1 - i];
    out[k] = '\0';
    return out;
}

static int plain_title(const char *t)
{
    if (!t[0] || (t[0] >= '0' && t[0] <= '9')) return 0;
    for (const char *p = t; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

void sheets_a1_sheet(buf_t *out, const char *title)
{
    if (plain_title(title)) {
        buf_puts(out, title);
        return;
    }
    buf_putc(out, '\'');
    for (const char *p = title; *p; p++) {
        if (*p == '\'') buf_putc(out, '\'');
        buf_putc(out, *p);
    }
    buf_putc(out, '\'');
}

void sheets_a1_cell(buf_t *out, const char *title, int row, int col)
{
    char c[8];
    sheets_a1_sheet(out, title);
    buf_printf(out, "!%s%d", sheets_a1_col(col, c, sizeof c), row);
}

void sheets_a1_row_span(buf_t *out, const char *title, int row, int c0, int c1)
{
    char a[8], b[8];
    sheets_a1_sheet(out, title);
    buf_printf(out, "!%s%d:%s%d", sheets_a1_col(c0, a, sizeof a), row,
               sheets_a1_col(c1, b, sizeof b), row);
}

void sheets_a1_column(buf_t *out, const char *title, int col)
{
    char a[8];
    sheets_a1_sheet(out, title);
    if (col < 0) buf_puts(out, "!1:1");
    else {
        sheets_a1_col(col, a, sizeof a);
        buf_printf(out, "!%s:%s", a, a);
    }
}

void sheets_url_escape(buf_t *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            buf_putc(out, (char)c);
        } else {
            buf_putc(out, '%');
            buf_putc(out, hex[c >> 4]);
            buf_putc(out, hex[c & 15]);
        }
    }
}
