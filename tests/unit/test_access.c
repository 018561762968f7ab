/* Table-driven tests of core/access: the access decision for every mode, role and credential,
 * the token found in Authorization / Cookie headers, enrolment-code normalisation, device names,
 * and the device stamped into an audit event's metadata (core/event.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/access.h"
#include "core/errors.h"
#include "core/event.h"

typedef struct decide_case {
    access_mode_t mode;
    access_role_t role;
    access_cred_t cred;
    int want;
} decide_case_t;

static void test_decide_table(void **state)
{
    (void)state;
    static const access_role_t roles[] = {ACCESS_PUBLIC, ACCESS_READ, ACCESS_WORKER,
                                          ACCESS_INSPECTOR, ACCESS_SUPERVISOR};
    static const access_cred_t creds[] = {ACCESS_CRED_NONE, ACCESS_CRED_INVALID,
                                          ACCESS_CRED_DEVICE, ACCESS_CRED_SUPERVISOR};
    /* Mode off: everything goes, whatever was presented (the original apps send nothing); the
     * console is the exception (below). */
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 4; j++)
            assert_int_equal(access_decide(ACCESS_OFF, roles[i], creds[j]), ZE_OK);
    static const decide_case_t cases[] = {
        {ACCESS_DEVICES, ACCESS_PUBLIC, ACCESS_CRED_NONE, ZE_OK},
        {ACCESS_DEVICES, ACCESS_PUBLIC, ACCESS_CRED_INVALID, ZE_OK},
        {ACCESS_DEVICES, ACCESS_PUBLIC, ACCESS_CRED_DEVICE, ZE_OK},
        {ACCESS_DEVICES, ACCESS_READ, ACCESS_CRED_NONE, ZE_UNAUTHORIZED},
        {ACCESS_DEVICES, ACCESS_READ, ACCESS_CRED_INVALID, ZE_UNAUTHORIZED},
        {ACCESS_DEVICES, ACCESS_READ, ACCESS_CRED_DEVICE, ZE_OK},
        {ACCESS_DEVICES, ACCESS_WORKER, ACCESS_CRED_NONE, ZE_UNAUTHORIZED},
        {ACCESS_DEVICES, ACCESS_WORKER, ACCESS_CRED_INVALID, ZE_UNAUTHORIZED},
        {ACCESS_DEVICES, ACCESS_WORKER, ACCESS_CRED_DEVICE, ZE_OK},
        {ACCESS_DEVICES, ACCESS_INSPECTOR, ACCESS_CRED_NONE, ZE_UNAUTHORIZED},
        {ACCESS_DEVICES, ACCESS_INSPECTOR, ACCESS_CRED_DEVICE, ZE_OK},
        /* No credential at all is a 401 even on a supervisor route; a device's is a 403. */
        {ACCESS_DEVICES, ACCESS_SUPERVISOR, ACCESS_CRED_NONE, ZE_UNAUTHORIZED},
        {ACCESS_DEVICES, ACCESS_SUPERVISOR, ACCESS_CRED_INVALID, ZE_UNAUTHORIZED},
        {ACCESS_DEVICES, ACCESS_SUPERVISOR, ACCESS_CRED_DEVICE, ZE_FORBIDDEN},
        /* A supervisor's session carries every role. */
        {ACCESS_DEVICES, ACCESS_READ, ACCESS_CRED_SUPERVISOR, ZE_OK},
        {ACCESS_DEVICES, ACCESS_WORKER, ACCESS_CRED_SUPERVISOR, ZE_OK},
        {ACCESS_DEVICES, ACCESS_INSPECTOR, ACCESS_CRED_SUPERVISOR, ZE_OK},
        {ACCESS_DEVICES, ACCESS_SUPERVISOR, ACCESS_CRED_SUPERVISOR, ZE_OK},
        {ACCESS_DEVICES, ACCESS_CONSOLE, ACCESS_CRED_SUPERVISOR, ZE_OK},
        /* The console needs a signed-in supervisor in every mode: its events name who. */
        {ACCESS_DEVICES, ACCESS_CONSOLE, ACCESS_CRED_NONE, ZE_UNAUTHORIZED},
        {ACCESS_DEVICES, ACCESS_CONSOLE, ACCESS_CRED_INVALID, ZE_UNAUTHORIZED},
        {ACCESS_DEVICES, ACCESS_CONSOLE, ACCESS_CRED_DEVICE, ZE_FORBIDDEN},
        {ACCESS_OFF, ACCESS_CONSOLE, ACCESS_CRED_NONE, ZE_UNAUTHORIZED},
        {ACCESS_OFF, ACCESS_CONSOLE, ACCESS_CRED_INVALID, ZE_UNAUTHORIZED},
        {ACCESS_OFF, ACCESS_CONSOLE, ACCESS_CRED_SUPERVISOR, ZE_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const decide_case_t *c = &cases[i];
        int got = access_decide(c->mode, c->role, c->cred);
        if (got != c->want) fail_msg("case %zu: role %s cred %d: got %s want %s", i,
                                     access_role_name(c->role), c->cred, zerr_name(got),
                                     zerr_name(c->want));
    }
}

static void test_mode_parse(void **state)
{
    (void)state;
    access_mode_t m = ACCESS_DEVICES;
    assert_int_equal(access_mode_parse("off", &m), 0);
    assert_int_equal(m, ACCESS_OFF);
    assert_int_equal(access_mode_parse("devices", &m), 0);
    assert_int_equal(m, ACCESS_DEVICES);
    assert_string_equal(access_mode_name(m), "devices");
    assert_string_equal(access_mode_name(ACCESS_OFF), "off");
    assert_int_equal(access_mode_parse("devices+pin", &m), 0);
    assert_int_equal(m, ACCESS_DEVICES_PIN);
    assert_string_equal(access_mode_name(m), "devices+pin");
    static const char *const bad[] = {"", "OFF", "Devices", "devices+PIN", "on", "devices ",
                                      NULL};
    for (size_t i = 0; bad[i]; i++) assert_int_equal(access_mode_parse(bad[i], &m), -1);
}

typedef struct token_case {
    const char *authorization, *cookie;
    int rc;
    const char *want;
} token_case_t;

#define T43 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_x"

static void test_token_table(void **state)
{
    (void)state;
    static const token_case_t cases[] = {
        {NULL, NULL, 0, ""},
        {"Bearer " T43, NULL, 1, T43},
        {"bearer " T43, NULL, 1, T43},
        {"BEARER   " T43 "  ", NULL, 1, T43},
        {"  Bearer " T43, NULL, 1, T43},
        {"Bearer", NULL, -1, ""},
        {"Bearer ", NULL, -1, ""},
        {"Bearer a b", NULL, -1, ""},
        {"Bearer ab;c", NULL, -1, ""},
        {"Bearer ab\"c", NULL, -1, ""},
        {"Bearerx abc", NULL, 0, ""},          /* another scheme: not ours */
        {"Basic dXNlcjpwYXNz", NULL, 0, ""},
        {"Basic dXNlcjpwYXNz", "zeues_device=abc", 1, "abc"},
        {NULL, "zeues_device=" T43, 1, T43},
        {NULL, "a=1; zeues_device=" T43 "; b=2", 1, T43},
        {NULL, "a=1;zeues_device=xyz", 1, "xyz"},
        {NULL, "xzeues_device=abc", 0, ""},
        {NULL, "zeues_device_old=abc", 0, ""},
        {NULL, "zeues_device=", -1, ""},
        {NULL, "zeues_device=a%20b", -1, ""},
        {NULL, "other=1", 0, ""},
        /* Authorization wins over the cookie. */
        {"Bearer first", "zeues_device=second", 1, "first"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[ACCESS_TOKEN_MAX + 1] = "";
        int rc = access_token_from_headers(cases[i].authorization, cases[i].cookie, out,
                                           sizeof out);
        if (rc != cases[i].rc) fail_msg("case %zu: rc %d want %d", i, rc, cases[i].rc);
        if (rc == 1 && strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu: token '%s' want '%s'", i, out, cases[i].want);
    }
}

/* The supervisor session cookie is read by name, beside the device cookie. */
static void test_session_cookie(void **state)
{
    (void)state;
    char out[ACCESS_TOKEN_MAX + 1] = "";
    const char *both = "zeues_device=dev1; zeues_session=" T43;
    assert_int_equal(access_cookie_token(both, ACCESS_SESSION_COOKIE, out, sizeof out), 1);
    assert_string_equal(out, T43);
    assert_int_equal(access_cookie_token(both, ACCESS_COOKIE, out, sizeof out), 1);
    assert_string_equal(out, "dev1");
    assert_int_equal(access_cookie_token("zeues_sessionx=abc", ACCESS_SESSION_COOKIE, out,
                                         sizeof out), 0);
    assert_int_equal(access_cookie_token("zeues_session=", ACCESS_SESSION_COOKIE, out,
                                         sizeof out), -1);
    assert_int_equal(access_cookie_token(NULL, ACCESS_SESSION_COOKIE, out, sizeof out), 0);
}

/* devices+pin: worker and inspector routes need the worker's PIN, unless a supervisor signed
 * in; nothing else does, and no other mode asks for one. */
static void test_pin_needed(void **state)
{
    (void)state;
    assert_true(access_pin_needed(ACCESS_DEVICES_PIN, ACCESS_WORKER, ACCESS_CRED_DEVICE));
    assert_true(access_pin_needed(ACCESS_DEVICES_PIN, ACCESS_INSPECTOR, ACCESS_CRED_DEVICE));
    assert_false(access_pin_needed(ACCESS_DEVICES_PIN, ACCESS_READ, ACCESS_CRED_DEVICE));
    assert_false(access_pin_needed(ACCESS_DEVICES_PIN, ACCESS_PUBLIC, ACCESS_CRED_NONE));
    assert_false(access_pin_needed(ACCESS_DEVICES_PIN, ACCESS_CONSOLE, ACCESS_CRED_SUPERVISOR));
    assert_false(access_pin_needed(ACCESS_DEVICES_PIN, ACCESS_WORKER, ACCESS_CRED_SUPERVISOR));
    assert_false(access_pin_needed(ACCESS_DEVICES, ACCESS_WORKER, ACCESS_CRED_DEVICE));
    assert_false(access_pin_needed(ACCESS_OFF, ACCESS_WORKER, ACCESS_CRED_NONE));
    /* Otherwise devices+pin decides like devices. */
    assert_int_equal(access_decide(ACCESS_DEVICES_PIN, ACCESS_WORKER, ACCESS_CRED_NONE),
                     ZE_UNAUTHORIZED);
    assert_int_equal(access_decide(ACCESS_DEVICES_PIN, ACCESS_SUPERVISOR, ACCESS_CRED_DEVICE),
                     ZE_FORBIDDEN);
    static const char *const good[] = {"0000", "12345", "999999", NULL};
    static const char *const bad[] = {"", "123", "1234567", "12a4", " 1234", "1234 ", "-123",
                                      "１２３４", NULL};
    for (size_t i = 0; good[i]; i++) assert_int_equal(access_pin_check(good[i]), 0);
    for (size_t i = 0; bad[i]; i++) assert_int_equal(access_pin_check(bad[i]), -1);
}

static void test_token_too_long(void **state)
{
    (void)state;
    char hdr[ACCESS_TOKEN_MAX + 32], out[ACCESS_TOKEN_MAX + 1];
    memset(hdr, 'a', sizeof hdr);
    memcpy(hdr, "Bearer ", 7);
    hdr[7 + ACCESS_TOKEN_MAX] = '\0';
    assert_int_equal(access_token_from_headers(hdr, NULL, out, sizeof out), 1);
    hdr[7 + ACCESS_TOKEN_MAX] = 'a';
    hdr[8 + ACCESS_TOKEN_MAX] = '\0';
    assert_int_equal(access_token_from_headers(hdr, NULL, out, sizeof out), -1);
    /* An output buffer too small is a refusal, never a cut token. */
    char small[8];
    assert_int_equal(access_token_from_headers("Bearer abcdefgh", NULL, small, sizeof small), -1);
}

typedef struct code_case {
    const char *in;
    int rc;
    const char *want;
} code_case_t;

static void test_code_table(void **state)
{
    (void)state;
    static const code_case_t cases[] = {
        {"ABCD-EFGH", 0, "ABCDEFGH"},
        {"abcd-efgh", 0, "ABCDEFGH"},
        {" abcd efgh ", 0, "ABCDEFGH"},
        {"2345-6789", 0, "23456789"},
        {"AB-CD-EF-GH", 0, "ABCDEFGH"},
        {"ABCDEFG", -1, ""},        /* short */
        {"ABCDEFGHJ", -1, ""},      /* long */
        {"ABCD-EFG0", -1, ""},      /* 0, O, 1, I, L are not in the alphabet */
        {"ABCD-EFGO", -1, ""},
        {"ABCD-EFG1", -1, ""},
        {"ABCD-EFGI", -1, ""},
        {"ABCD-EFGL", -1, ""},
        {"ABCD_EFGH", -1, ""},
        {"ÁBCD-EFGH", -1, ""},
        {"", -1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[ACCESS_CODE_LEN + 1] = "";
        int rc = access_code_normalize(cases[i].in, out, sizeof out);
        if (rc != cases[i].rc) fail_msg("case %zu '%s': rc %d want %d", i, cases[i].in, rc,
                                        cases[i].rc);
        if (rc == 0 && strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu: '%s' want '%s'", i, out, cases[i].want);
    }
    char tiny[ACCESS_CODE_LEN];
    assert_int_equal(access_code_normalize("ABCDEFGH", tiny, sizeof tiny), -1);
    /* Every character of the alphabet survives normalisation. */
    assert_int_equal((int)strlen(ACCESS_CODE_ALPHABET), 31);
}

static void test_device_names(void **state)
{
    (void)state;
    assert_int_equal(access_device_name_check("Tablet ARM-1"), 0);
    assert_int_equal(access_device_name_check("Tablet Soldadura ñ"), 0);
    assert_int_equal(access_device_name_check(""), -1);
    assert_int_equal(access_device_name_check(" Tablet"), -1);
    assert_int_equal(access_device_name_check("Tablet "), -1);
    assert_int_equal(access_device_name_check("Tab\nlet"), -1);
    assert_int_equal(access_device_name_check("Tab\xFFlet"), -1);
    char longname[ACCESS_DEVICE_NAME_MAX + 2];
    memset(longname, 'x', sizeof longname);
    longname[ACCESS_DEVICE_NAME_MAX] = '\0';
    assert_int_equal(access_device_name_check(longname), 0);
    longname[ACCESS_DEVICE_NAME_MAX] = 'x';
    longname[ACCESS_DEVICE_NAME_MAX + 1] = '\0';
    assert_int_equal(access_device_name_check(longname), -1);
}

static void test_stamp_device(void **state)
{
    (void)state;
    event_rec_t e;
    memset(&e, 0, sizeof e);
    assert_int_equal(event_stamp_device(&e, NULL), 0);
    assert_string_equal(e.metadata_json, "");
    assert_int_equal(event_stamp_device(&e, "Tablet ARM-1"), 0);
    assert_string_equal(e.metadata_json, "{\"device\": \"Tablet ARM-1\"}");
    snprintf(e.metadata_json, sizeof e.metadata_json, "{\"b\": 1, \"a\": \"x\"}");
    assert_int_equal(event_stamp_device(&e, "Tablet ñ"), 0);
    assert_string_equal(e.metadata_json, "{\"b\": 1, \"a\": \"x\", \"device\": \"Tablet \\u00f1\"}");
    /* Not an object, or too big once stamped: unchanged. */
    snprintf(e.metadata_json, sizeof e.metadata_json, "[1]");
    assert_int_equal(event_stamp_device(&e, "T"), -1);
    assert_string_equal(e.metadata_json, "[1]");
    memset(e.metadata_json, 0, sizeof e.metadata_json);
    size_t n = sizeof e.metadata_json - 16;
    e.metadata_json[0] = '{';
    e.metadata_json[1] = '"';
    e.metadata_json[2] = 'k';
    memcpy(e.metadata_json + 3, "\": \"", 4);
    memset(e.metadata_json + 7, 'v', n - 9);
    memcpy(e.metadata_json + n - 2, "\"}", 3);
    char before[sizeof e.metadata_json];
    memcpy(before, e.metadata_json, sizeof before);
    assert_int_equal(event_stamp_device(&e, "Tablet ARM-1"), -1);
    assert_memory_equal(before, e.metadata_json, sizeof before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide_table),
        cmocka_unit_test(test_mode_parse),
        cmocka_unit_test(test_token_table),
        cmocka_unit_test(test_token_too_long),
        cmocka_unit_test(test_session_cookie),
        cmocka_unit_test(test_pin_needed),
        cmocka_unit_test(test_code_table),
        cmocka_unit_test(test_device_names),
        cmocka_unit_test(test_stamp_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
