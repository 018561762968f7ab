/* Occupation history (domain-v3.md §7, intended: durations are total elapsed time) and the
 * America/Santiago wall-clock conversions of util/tz (real rules from the system tz database:
 * -03:00 in summer, -04:00 in winter, never the LMT -04:43). Unix times below were computed
 * independently (calendar.timegm) and cross-checked with `zdump -v America/Santiago`:
 *   2026-04-05 03:00:00 UTC: -03 → -04 (local 23:59:59 → 23:00:00 on Apr 4, a 1 h fold)
 *   2026-09-06 04:00:00 UTC: -04 → -03 (local 00:00:00 → 01:00:00 on Sep 6, a 1 h gap) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/history.h"
#include "util/tz.h"

#define T0 1769520600 /* 2026-01-27 10:30:00 -03:00 */

static event_rec_t g_ev[32];
static size_t g_nev;

static void ev_reset(void)
{
    memset(g_ev, 0, sizeof g_ev);
    g_nev = 0;
}

static void ev(const char *tipo, int64_t worker_id, const char *worker, const char *op, int64_t ts)
{
    assert_true(g_nev < sizeof g_ev / sizeof g_ev[0]);
    event_rec_t *e = &g_ev[g_nev];
    e->seq = (int64_t)g_nev + 1;
    snprintf(e->id, sizeof e->id, "ev-%zu", g_nev);
    e->ts = ts;
    snprintf(e->tipo, sizeof e->tipo, "%s", tipo);
    snprintf(e->tag, sizeof e->tag, "MK-1335-CW-25238-011");
    e->worker_id = worker_id;
    snprintf(e->worker_nombre, sizeof e->worker_nombre, "%s", worker);
    snprintf(e->operacion, sizeof e->operacion, "%s", op);
    snprintf(e->accion, sizeof e->accion, "%s", strchr(tipo, '_') ? "X" : tipo);
    g_nev++;
}

static hsession_t g_s[32];

static size_t sessions(void)
{
    memset(g_s, 0xAB, sizeof g_s);
    size_t n = history_sessions(g_ev, g_nev, g_s, sizeof g_s / sizeof g_s[0]);
    assert_true(n <= sizeof g_s / sizeof g_s[0]);
    return n;
}

static const char *dur(const hsession_t *s)
{
    static char out[32];
    if (!s->end) return "(open)";
    history_format_duration(s->end - s->start, out, sizeof out);
    return out;
}

static void assert_session(const hsession_t *s, const char *worker, int64_t id, const char *op,
                           int64_t start, int64_t end, const char *closing, const char *closed_by,
                           const char *duration)
{
    assert_string_equal(s->worker_nombre, worker);
    assert_int_equal(s->worker_id, id);
    assert_string_equal(s->operacion, op);
    assert_int_equal(s->start, start);
    assert_int_equal(s->end, end);
    assert_string_equal(s->closing_event, closing);
    assert_string_equal(s->closed_by, closed_by);
    assert_string_equal(dur(s), duration);
}

static int setup_tz(void **state)
{
    (void)state;
    return tz_init("America/Santiago") == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------------------------------- */

static void test_three_workers_in_turn(void **state)
{
    (void)state;
    ev_reset();
    ev("TOMAR_SPOOL", 93, "MR(93)", "ARM", T0);
    ev("PAUSAR_SPOOL", 93, "MR(93)", "ARM", T0 + 2 * 3600 + 15 * 60);
    ev("TOMAR_SPOOL", 94, "NR(94)", "ARM", T0 + 9000);
    ev("PAUSAR_SPOOL", 94, "NR(94)", "ARM", T0 + 9000 + 45 * 60);
    ev("TOMAR_SPOOL", 95, "MG(95)", "ARM", T0 + 14400);
    ev("COMPLETAR_ARM", 95, "MG(95)", "ARM", T0 + 14400 + 3 * 3600);
    ev("TOMAR_SPOOL", 103, "JR(103)", "SOLD", T0 + 30000);
    assert_int_equal(sessions(), 4);
    assert_session(&g_s[0], "MR(93)", 93, "ARM", T0, T0 + 8100, "PAUSAR_SPOOL", "MR(93)", "2h 15m");
    assert_session(&g_s[1], "NR(94)", 94, "ARM", T0 + 9000, T0 + 11700, "PAUSAR_SPOOL", "NR(94)",
                   "45m");
    assert_session(&g_s[2], "MG(95)", 95, "ARM", T0 + 14400, T0 + 25200, "COMPLETAR_ARM", "MG(95)",
                   "3h 0m");
    assert_session(&g_s[3], "JR(103)", 103, "SOLD", T0 + 30000, 0, "", "", "(open)");

    char iso[40];
    tz_format_iso(g_s[0].start, iso, sizeof iso);
    assert_string_equal(iso, "2026-01-27T10:30:00-03:00");
    tz_format_iso(g_s[0].end, iso, sizeof iso);
    assert_string_equal(iso, "2026-01-27T12:45:00-03:00");
}

static void test_session_spanning_midnight(void **state)
{
    (void)state;
    ev_reset();
    ev("TOMAR_SPOOL", 93, "MR(93)", "SOLD", 1769567400);  /* 27-01 23:30 */
    ev("PAUSAR_SPOOL", 93, "MR(93)", "SOLD", 1769573700); /* 28-01 01:15 */
    assert_int_equal(sessions(), 1);
    assert_session(&g_s[0], "MR(93)", 93, "SOLD", 1769567400, 1769573700, "PAUSAR_SPOOL", "MR(93)",
                   "1h 45m");
    char iso[40];
    tz_format_iso(g_s[0].start, iso, sizeof iso);
    assert_string_equal(iso, "2026-01-27T23:30:00-03:00");
    tz_format_iso(g_s[0].end, iso, sizeof iso);
    assert_string_equal(iso, "2026-01-28T01:15:00-03:00");
    assert_int_equal(tz_date(g_s[0].start), 20260127);
    assert_int_equal(tz_date(g_s[0].end), 20260128);
}

static void test_sessions_over_a_day(void **state)
{
    (void)state;
    ev_reset();
    ev("TOMAR_SPOOL", 93, "MR(93)", "SOLD", T0);
    ev("COMPLETAR_SOLD", 93, "MR(93)", "SOLD", T0 + 26 * 3600);
    ev("TOMAR_SPOOL", 94, "NR(94)", "ARM", T0 + 100000);
    ev("PAUSAR_SPOOL", 94, "NR(94)", "ARM", T0 + 100000 + 3 * 86400 + 5 * 60 + 59);
    assert_int_equal(sessions(), 2);
    assert_session(&g_s[0], "MR(93)", 93, "SOLD", T0, T0 + 93600, "COMPLETAR_SOLD", "MR(93)",
                   "26h 0m");
    assert_string_equal(dur(&g_s[1]), "72h 5m");
}

static void test_duration_format(void **state)
{
    (void)state;
    static const struct {
        int64_t s;
        const char *want;
    } cases[] = {
        {0, "0m"},           {59, "0m"},          {60, "1m"},
        {45 * 60, "45m"},    {3599, "59m"},       {3600, "1h 0m"},
        {3660, "1h 1m"},     {8100, "2h 15m"},    {86399, "23h 59m"},
        {86400, "24h 0m"},   {93600, "26h 0m"},   {90061, "25h 1m"},
        {10 * 86400, "240h 0m"},                  {-1, "0m"},
        {-86400, "0m"},      {(int64_t)1 << 40, "305419896h 36m"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32];
        history_format_duration(cases[i].s, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("duration(%lld) = '%s', expected '%s'", (long long)cases[i].s, out, cases[i].want);
    }
    char small[4];
    history_format_duration(8100, small, sizeof small);
    assert_string_equal(small, "2h ");
}

static void test_completar_other_op_does_not_close(void **state)
{
    (void)state;
    ev_reset();
    ev("TOMAR_SPOOL", 93, "MR(93)", "ARM", T0);
    ev("COMPLETAR_SOLD", 94, "NR(94)", "SOLD", T0 + 600); /* ignored: the session is ARM */
    ev("PAUSAR_REPARACION", 94, "NR(94)", "REPARACION", T0 + 700); /* ignored too */
    ev("PAUSAR_SPOOL", 93, "MR(93)", "ARM", T0 + 1200);
    ev("TOMAR_SPOOL", 93, "MR(93)", "SOLD", T0 + 2000);
    ev("COMPLETAR_ARM", 93, "MR(93)", "ARM", T0 + 2100); /* ignored: the session is SOLD */
    assert_int_equal(sessions(), 2);
    assert_session(&g_s[0], "MR(93)", 93, "ARM", T0, T0 + 1200, "PAUSAR_SPOOL", "MR(93)", "20m");
    assert_session(&g_s[1], "MR(93)", 93, "SOLD", T0 + 2000, 0, "", "", "(open)");
}

static void test_orphan_closers_ignored(void **state)
{
    (void)state;
    ev_reset();
    ev("PAUSAR_SPOOL", 93, "MR(93)", "ARM", T0);
    ev("COMPLETAR_ARM", 93, "MR(93)", "ARM", T0 + 10); /* v2.1 COMPLETAR, no session */
    ev("COMPLETAR_REPARACION", 93, "MR(93)", "REPARACION", T0 + 20);
    ev("TOMAR_SPOOL", 94, "NR(94)", "ARM", T0 + 100);
    ev("PAUSAR_SPOOL", 94, "NR(94)", "ARM", T0 + 160);
    ev("PAUSAR_SPOOL", 94, "NR(94)", "ARM", T0 + 200);  /* second tap */
    ev("COMPLETAR_ARM", 94, "NR(94)", "ARM", T0 + 300); /* orphan */
    assert_int_equal(sessions(), 1);
    assert_session(&g_s[0], "NR(94)", 94, "ARM", T0 + 100, T0 + 160, "PAUSAR_SPOOL", "NR(94)", "1m");
}

static void test_tomar_while_open(void **state)
{
    (void)state;
    ev_reset();
    ev("TOMAR_SPOOL", 93, "MR(93)", "ARM", T0);
    ev("TOMAR_SPOOL", 94, "NR(94)", "ARM", T0 + 100);
    ev("PAUSAR_SPOOL", 94, "NR(94)", "ARM", T0 + 200);
    ev("TOMAR_SPOOL", 95, "MG(95)", "SOLD", T0 + 300);
    ev("TOMAR_SPOOL", 96, "JP(96)", "SOLD", T0 + 400);
    assert_int_equal(sessions(), 4);
    assert_session(&g_s[0], "MR(93)", 93, "ARM", T0, 0, "", "", "(open)");
    assert_session(&g_s[1], "NR(94)", 94, "ARM", T0 + 100, T0 + 200, "PAUSAR_SPOOL", "NR(94)", "1m");
    assert_session(&g_s[2], "MG(95)", 95, "SOLD", T0 + 300, 0, "", "", "(open)");
    assert_session(&g_s[3], "JP(96)", 96, "SOLD", T0 + 400, 0, "", "", "(open)");
}

/* The session stays attributed to who opened it; closed_by tells who ended it. */
static void test_closed_by_someone_else(void **state)
{
    (void)state;
    ev_reset();
    ev("TOMAR_SPOOL", 93, "MR(93)", "ARM", T0);
    ev("COMPLETAR_ARM", 94, "NR(94)", "ARM", T0 + 3 * 3600 + 7 * 60);
    assert_int_equal(sessions(), 1);
    assert_session(&g_s[0], "MR(93)", 93, "ARM", T0, T0 + 11220, "COMPLETAR_ARM", "NR(94)", "3h 7m");
}

static void test_other_events_ignored(void **state)
{
    (void)state;
    ev_reset();
    ev("INICIAR_ARM", 93, "MR(93)", "ARM", T0 - 100);
    ev("TOMAR_SPOOL", 93, "MR(93)", "ARM", T0);
    ev("INICIAR_SOLD", 94, "NR(94)", "SOLD", T0 + 10);
    ev("CANCELAR_ARM", 94, "NR(94)", "ARM", T0 + 20);
    ev("COMPLETAR_METROLOGIA", 117, "CS(117)", "METROLOGIA", T0 + 30);
    ev("INICIAR_METROLOGIA", 117, "CS(117)", "METROLOGIA", T0 + 40);
    ev("PAUSAR_SPOOL", 93, "MR(93)", "ARM", T0 + 3600);
    ev("COMPLETAR_METROLOGIA", 117, "CS(117)", "METROLOGIA", T0 + 4000);
    assert_int_equal(sessions(), 1);
    assert_session(&g_s[0], "MR(93)", 93, "ARM", T0, T0 + 3600, "PAUSAR_SPOOL", "MR(93)", "1h 0m");
}

static void test_repair_sessions(void **state)
{
    (void)state;
    ev_reset();
    ev("COMPLETAR_METROLOGIA", 117, "CS(117)", "METROLOGIA", T0 - 3600);
    ev("TOMAR_REPARACION", 93, "MR(93)", "REPARACION", T0);
    ev("PAUSAR_REPARACION", 93, "MR(93)", "REPARACION", T0 + 1800);
    ev("TOMAR_REPARACION", 103, "JR(103)", "REPARACION", T0 + 2000);
    ev("COMPLETAR_REPARACION", 103, "JR(103)", "REPARACION", T0 + 2000 + 5400);
    ev("COMPLETAR_METROLOGIA", 117, "CS(117)", "METROLOGIA", T0 + 9000);
    ev("TOMAR_REPARACION", 94, "NR(94)", "REPARACION", T0 + 10000);
    ev("CANCELAR_REPARACION", 94, "NR(94)", "REPARACION", T0 + 10059);
    ev("TOMAR_REPARACION", 95, "MG(95)", "REPARACION", T0 + 20000);
    ev("PAUSAR_SPOOL", 95, "MG(95)", "REPARACION", T0 + 20600); /* PAUSAR_SPOOL closes any */
    ev("TOMAR_REPARACION", 96, "JP(96)", "REPARACION", T0 + 30000);
    ev("COMPLETAR_ARM", 96, "JP(96)", "ARM", T0 + 30100); /* not a repair closer */
    assert_int_equal(sessions(), 5);
    assert_session(&g_s[0], "MR(93)", 93, "REPARACION", T0, T0 + 1800, "PAUSAR_REPARACION", "MR(93)",
                   "30m");
    assert_session(&g_s[1], "JR(103)", 103, "REPARACION", T0 + 2000, T0 + 7400,
                   "COMPLETAR_REPARACION", "JR(103)", "1h 30m");
    assert_session(&g_s[2], "NR(94)", 94, "REPARACION", T0 + 10000, T0 + 10059,
                   "CANCELAR_REPARACION", "NR(94)", "0m");
    assert_session(&g_s[3], "MG(95)", 95, "REPARACION", T0 + 20000, T0 + 20600, "PAUSAR_SPOOL",
                   "MG(95)", "10m");
    assert_session(&g_s[4], "JP(96)", 96, "REPARACION", T0 + 30000, 0, "", "", "(open)");
}

/* v4 sessions: INICIAR_SPOOL opens; FINALIZAR's PAUSAR_SPOOL / COMPLETAR_SPOOL /
 * CANCELAR_SPOOL close it (the last two only for the same operation); union events in between
 * are progress, not session boundaries. */
static void test_v4_sessions(void **state)
{
    (void)state;
    ev_reset();
    ev("INICIAR_SPOOL", 93, "MR(93)", "ARM", T0);
    ev("UNION_ARM_REGISTRADA", 93, "MR(93)", "ARM", T0 + 3600);
    ev("PAUSAR_SPOOL", 93, "MR(93)", "ARM", T0 + 3600);
    ev("INICIAR_SPOOL", 94, "NR(94)", "ARM", T0 + 7200);
    ev("COMPLETAR_SPOOL", 94, "NR(94)", "SOLD", T0 + 8000); /* another operation: stays open */
    ev("UNION_ARM_REGISTRADA", 94, "NR(94)", "ARM", T0 + 9000);
    ev("COMPLETAR_SPOOL", 94, "NR(94)", "ARM", T0 + 9000);
    ev("METROLOGIA_AUTO_TRIGGERED", 94, "NR(94)", "ARM", T0 + 9000);
    ev("INICIAR_SPOOL", 11, "MM(11)", "SOLD", T0 + 10000);
    ev("CANCELAR_SPOOL", 11, "MM(11)", "SOLD", T0 + 10600);
    ev("INICIAR_SPOOL", 11, "MM(11)", "SOLD", T0 + 20000);
    assert_int_equal(sessions(), 4);
    assert_session(&g_s[0], "MR(93)", 93, "ARM", T0, T0 + 3600, "PAUSAR_SPOOL", "MR(93)", "1h 0m");
    assert_session(&g_s[1], "NR(94)", 94, "ARM", T0 + 7200, T0 + 9000, "COMPLETAR_SPOOL", "NR(94)",
                   "30m");
    assert_session(&g_s[2], "MM(11)", 11, "SOLD", T0 + 10000, T0 + 10600, "CANCELAR_SPOOL",
                   "MM(11)", "10m");
    assert_session(&g_s[3], "MM(11)", 11, "SOLD", T0 + 20000, 0, "", "", "(open)");
}

static void test_counting_and_cap(void **state)
{
    (void)state;
    ev_reset();
    assert_int_equal(history_sessions(g_ev, 0, NULL, 0), 0);
    ev("TOMAR_SPOOL", 93, "MR(93)", "ARM", T0);
    ev("PAUSAR_SPOOL", 93, "MR(93)", "ARM", T0 + 60);
    ev("TOMAR_SPOOL", 94, "NR(94)", "ARM", T0 + 120);
    ev("TOMAR_SPOOL", 95, "MG(95)", "ARM", T0 + 180);
    assert_int_equal(history_sessions(g_ev, g_nev, NULL, 0), 3);
    hsession_t one[2];
    memset(one, 0x5A, sizeof one);
    assert_int_equal(history_sessions(g_ev, g_nev, one, 1), 3);
    assert_string_equal(one[0].worker_nombre, "MR(93)");
    /* nothing written past the cap */
    const unsigned char *p = (const unsigned char *)&one[1];
    for (size_t i = 0; i < sizeof one[1]; i++) assert_int_equal(p[i], 0x5A);
}

/* ---------------------------------------------------------------------------------------- */
/* DST and util/tz                                                                           */

static const char *iso_of(int64_t t)
{
    static char out[40];
    tz_format_iso(t, out, sizeof out);
    return out;
}

static void test_session_across_fall_back(void **state)
{
    (void)state;
    ev_reset();
    ev("TOMAR_SPOOL", 93, "MR(93)", "ARM", 1775343600);  /* 2026-04-04 20:00 -03:00 */
    ev("PAUSAR_SPOOL", 93, "MR(93)", "ARM", 1775390400); /* 2026-04-05 08:00 -04:00 */
    assert_int_equal(sessions(), 1);
    /* 12 h on the wall clock, 13 h really elapsed */
    assert_string_equal(dur(&g_s[0]), "13h 0m");
    assert_string_equal(iso_of(g_s[0].start), "2026-04-04T20:00:00-03:00");
    assert_string_equal(iso_of(g_s[0].end), "2026-04-05T08:00:00-04:00");
}

static void test_session_across_spring_forward(void **state)
{
    (void)state;
    ev_reset();
    ev("TOMAR_SPOOL", 94, "NR(94)", "SOLD", 1788660000);     /* 2026-09-05 22:00 -04:00 */
    ev("COMPLETAR_SOLD", 94, "NR(94)", "SOLD", 1788696000);  /* 2026-09-06 09:00 -03:00 */
    assert_int_equal(sessions(), 1);
    /* 11 h on the wall clock, 10 h really elapsed */
    assert_string_equal(dur(&g_s[0]), "10h 0m");
    assert_string_equal(iso_of(g_s[0].start), "2026-09-05T22:00:00-04:00");
    assert_string_equal(iso_of(g_s[0].end), "2026-09-06T09:00:00-03:00");
}

static void test_tz_transition_edges(void **state)
{
    (void)state;
    assert_string_equal(iso_of(1775357999), "2026-04-04T23:59:59-03:00");
    assert_string_equal(iso_of(1775358000), "2026-04-04T23:00:00-04:00");
    assert_int_equal(tz_offset(1775357999), -10800);
    assert_int_equal(tz_offset(1775358000), -14400);
    assert_string_equal(iso_of(1788667199), "2026-09-05T23:59:59-04:00");
    assert_string_equal(iso_of(1788667200), "2026-09-06T01:00:00-03:00");
    assert_int_equal(tz_offset(1788667199), -14400);
    assert_int_equal(tz_offset(1788667200), -10800);
    assert_string_equal(iso_of(1769794200), "2026-01-30T14:30:00-03:00");
    assert_string_equal(iso_of(1784088000), "2026-07-15T00:00:00-04:00");
    char dmy[32];
    tz_format_dmy_hms(1769794200, dmy, sizeof dmy);
    assert_string_equal(dmy, "30-01-2026 14:30:00");
    tz_format_dmy_hms(1775358000, dmy, sizeof dmy);
    assert_string_equal(dmy, "04-04-2026 23:00:00");
}

/* Every hour of 2026 (and the minutes around both transitions): the offset is -03:00 or -04:00,
 * the ISO text agrees with tz_offset and tz_format_dmy_hms, and local → unix round-trips (in the
 * fold, to the earlier instant). */
static void test_tz_sweep_2026(void **state)
{
    (void)state;
    const int64_t start = 1767225600; /* 2026-01-01 00:00:00 UTC */
    const int64_t end = 1798761600;   /* 2027-01-01 00:00:00 UTC */
    const int64_t fold_lo = 1775358000, fold_hi = 1775361600; /* second pass of 23:xx on Apr 4 */
    int summer = 0, winter = 0, bad = 0;
    for (int64_t t = start; t < end; t += 3600) {
        for (int k = 0; k < 2; k++) {
            int64_t u = k ? t + 1799 : t;
            char iso[40];
            snprintf(iso, sizeof iso, "%s", iso_of(u));
            int32_t off = tz_offset(u);
            if (off != -10800 && off != -14400)
                fail_msg("offset %d at %lld (%s)", (int)off, (long long)u, iso);
            if (strstr(iso, "-04:43") || strlen(iso) != 25)
                fail_msg("bad ISO %s at %lld", iso, (long long)u);
            assert_string_equal(iso + 19, off == -10800 ? "-03:00" : "-04:00");
            if (off == -10800) summer++;
            else winter++;
            /* local wall time back to unix */
            int y, mo, d, h, mi, s;
            char dmy[32];
            tz_format_dmy_hms(u, dmy, sizeof dmy);
            assert_int_equal(sscanf(dmy, "%d-%d-%d %d:%d:%d", &d, &mo, &y, &h, &mi, &s), 6);
            zdate_t date = y * 10000 + mo * 100 + d;
            assert_int_equal(tz_date(u), date);
            int64_t back = tz_from_local(date, h * 3600 + mi * 60 + s);
            int64_t want = (u >= fold_lo && u < fold_hi) ? u - 3600 : u;
            if (back != want) {
                if (bad < 12)
                    print_message("tz_from_local(%s) = %lld (%s), expected %lld\n", dmy,
                                  (long long)back, iso_of(back), (long long)want);
                bad++;
            }
            /* the ISO text carries the same wall time */
            char wall[32];
            snprintf(wall, sizeof wall, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
            assert_memory_equal(iso, wall, 19);
        }
    }
    assert_true(summer > 2000 && winter > 2000);
    if (bad) fail_msg("%d local wall times of 2026 do not round-trip through tz_from_local", bad);
}

static void test_tz_from_local_gap_and_fold(void **state)
{
    (void)state;
    /* gap: 2026-09-06 00:30 does not exist; the later instant (04:30 UTC, shown 01:30 -03) */
    assert_int_equal(tz_from_local(20260906, 1800), 1788669000);
    assert_string_equal(iso_of(1788669000), "2026-09-06T01:30:00-03:00");
    /* local midnight of Sep 6 falls in the gap too */
    assert_int_equal(tz_from_local(20260906, 0), 1788667200);
    assert_int_equal(tz_from_local(20260906, 3600), 1788667200);
    /* fold: 2026-04-04 23:30 happens twice; the earlier one (02:30 UTC, -03) */
    assert_int_equal(tz_from_local(20260404, 23 * 3600 + 1800), 1775356200);
    /* unambiguous times on both sides */
    assert_int_equal(tz_from_local(20260404, 20 * 3600), 1775343600);
    assert_int_equal(tz_from_local(20260405, 8 * 3600), 1775390400);
    assert_int_equal(tz_from_local(20260130, 0), 1769742000);
    assert_int_equal(tz_from_local(20260715, 0), 1784088000);
    /* explicit offsets win over the zone */
    zdatetime_t dt = {.date = 20260127, .sec_of_day = 10 * 3600 + 1800, .has_offset = 1,
                      .offset_sec = -10800};
    assert_int_equal(tz_from_datetime(&dt), T0);
    dt.offset_sec = 0;
    assert_int_equal(tz_from_datetime(&dt), T0 - 10800);
    dt.has_offset = 0;
    assert_int_equal(tz_from_datetime(&dt), T0);
}

/* The three hours after the fold (2026-04-05 00:00 to 02:59:59, all -04:00, unambiguous). */
static void test_tz_from_local_after_fold(void **state)
{
    (void)state;
    static const struct {
        int32_t sec;
        int64_t want;
    } cases[] = {
        {0, 1775361600},                /* 00:00:00 -04 = 04:00 UTC */
        {3600 + 1800, 1775367000},      /* 01:30:00 -04 */
        {2 * 3600 + 3599, 1775372399},  /* 02:59:59 -04 */
        {3 * 3600, 1775372400},         /* 03:00:00 -04 */
        {12 * 3600, 1775404800},        /* 12:00:00 -04 */
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = tz_from_local(20260405, cases[i].sec);
        if (got != cases[i].want) {
            print_message("tz_from_local(2026-04-05, %d) = %lld (%s), expected %lld\n",
                          (int)cases[i].sec, (long long)got, iso_of(got), (long long)cases[i].want);
            bad++;
        }
    }
    if (bad) fail_msg("%d wall times after the fall-back transition map to the wrong instant", bad);
}

static void test_tz_date_at_midnight(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        zdate_t want;
    } cases[] = {
        {1769742000, 20260130},     /* 2026-01-30 00:00:00 -03 */
        {1769742000 - 1, 20260129}, /* 23:59:59 the day before */
        {1784088000, 20260715},     /* 2026-07-15 00:00:00 -04 */
        {1784088000 - 1, 20260714},
        {1788667200, 20260906}, /* after the gap: 01:00 -03 */
        {1788667199, 20260905}, /* 23:59:59 -04 */
        {1775359800, 20260404}, /* in the fold: 23:30 -04 on Apr 4 */
        {1775361599, 20260404},
        {1775361600, 20260405}, /* 00:00 -04 */
        {1769742000 + 86400 - 1, 20260130},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zdate_t got = tz_date(cases[i].t);
        if (got != cases[i].want)
            fail_msg("tz_date(%lld) = %d, expected %d", (long long)cases[i].t, (int)got,
                     (int)cases[i].want);
    }
}

/* Runs last: an unknown zone is refused (UTC meanwhile), then Santiago again. */
static void test_tz_unknown_zone(void **state)
{
    (void)state;
    assert_int_equal(tz_init("Nowhere/Atlantis"), -1);
    assert_int_equal(tz_offset(1769794200), 0);
    assert_int_equal(tz_init("../../etc/passwd"), -1);
    assert_int_equal(tz_init("America/Santiago"), 0);
    assert_int_equal(tz_offset(1769794200), -10800);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_workers_in_turn),
        cmocka_unit_test(test_session_spanning_midnight),
        cmocka_unit_test(test_sessions_over_a_day),
        cmocka_unit_test(test_duration_format),
        cmocka_unit_test(test_completar_other_op_does_not_close),
        cmocka_unit_test(test_orphan_closers_ignored),
        cmocka_unit_test(test_tomar_while_open),
        cmocka_unit_test(test_closed_by_someone_else),
        cmocka_unit_test(test_other_events_ignored),
        cmocka_unit_test(test_repair_sessions),
        cmocka_unit_test(test_v4_sessions),
        cmocka_unit_test(test_counting_and_cap),
        cmocka_unit_test(test_session_across_fall_back),
        cmocka_unit_test(test_session_across_spring_forward),
        cmocka_unit_test(test_tz_transition_edges),
        cmocka_unit_test(test_tz_sweep_2026),
        cmocka_unit_test(test_tz_from_local_gap_and_fold),
        cmocka_unit_test(test_tz_from_local_after_fold),
        cmocka_unit_test(test_tz_date_at_midnight),
        cmocka_unit_test(test_tz_unknown_zone),
    };
    return cmocka_run_group_tests(tests, setup_tz, NULL);
}
