/* The client a request speaks for (core/client_addr): the socket's address unless it is a
 * trusted proxy, then X-Forwarded-For read from the right over the trusted hops. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/client_addr.h"

typedef struct addr_case {
    const char *peer, *trusted, *forwarded;
    int rc;
    const char *want;
} addr_case_t;

static const addr_case_t cases[] = {
    /* No proxy, or one that is not trusted: the socket, whatever the header says. */
    {"10.0.0.5", "127.0.0.1", NULL, 0, "10.0.0.5"},
    {"10.0.0.5", "127.0.0.1", "10.9.9.9", 0, "10.0.0.5"},
    {"10.0.0.5", "", "10.9.9.9", 0, "10.0.0.5"},
    {"10.0.0.5", NULL, "10.9.9.9", 0, "10.0.0.5"},
    {"127.0.0.1", "127.0.0.2", "10.9.9.9", 0, "127.0.0.1"},
    /* A trusted proxy without the header speaks for itself. */
    {"127.0.0.1", "127.0.0.1", NULL, 0, "127.0.0.1"},
    /* The proxy appended the address it saw: that one, not what the client wrote before it. */
    {"127.0.0.1", "127.0.0.1", "10.0.0.7", 1, "10.0.0.7"},
    {"127.0.0.1", "127.0.0.1", "6.6.6.6, 10.0.0.7", 1, "10.0.0.7"},
    {"127.0.0.1", "127.0.0.1", "6.6.6.6,10.0.0.7", 1, "10.0.0.7"},
    {"127.0.0.1", "10.1.1.1,127.0.0.1", " 10.0.0.7 ", 1, "10.0.0.7"},
    /* Two trusted proxies in a row: the walk passes over the inner one. */
    {"127.0.0.1", "127.0.0.1,10.1.1.1", "6.6.6.6, 10.0.0.7, 10.1.1.1", 1, "10.0.0.7"},
    {"127.0.0.1", "127.0.0.1,10.1.1.1", "10.1.1.1", 1, "10.1.1.1"},
    /* IPv6 clients, written in their normal form. */
    {"127.0.0.1", "127.0.0.1", "2001:DB8:0:0:0:0:0:1", 1, "2001:db8::1"},
    {"127.0.0.1", "127.0.0.1", "10.0.0.7, ::ffff:10.0.0.8", 1, "::ffff:10.0.0.8"},
    /* Leading zeros and other spellings are not addresses (inet_pton's rule). */
    {"127.0.0.1", "127.0.0.1", "unknown", 0, "127.0.0.1"},
    {"127.0.0.1", "127.0.0.1", "10.0.0.7, unknown", 0, "127.0.0.1"},
    {"127.0.0.1", "127.0.0.1", "10.0.0.7,", 0, "127.0.0.1"},
    {"127.0.0.1", "127.0.0.1", "", 0, "127.0.0.1"},
    {"127.0.0.1", "127.0.0.1", "10.0.0.7:5555", 0, "127.0.0.1"},
    {"127.0.0.1", "127.0.0.1", "[2001:db8::1]", 0, "127.0.0.1"},
    {"127.0.0.1", "127.0.0.1", "010.000.000.007", 0, "127.0.0.1"},
    {"127.0.0.1", "127.0.0.1",
     "1111:2222:3333:4444:5555:6666:7777:8888:9999:0000:1111:2222:3333:4444", 0, "127.0.0.1"},
    /* An entry that is not an address stops the walk at the last hop believed. */
    {"127.0.0.1", "127.0.0.1,10.1.1.1", "garbage, 10.1.1.1", 1, "10.1.1.1"},
    /* The list as the operator writes it: blanks around entries, empty entries. */
    {"127.0.0.1", " 10.1.1.1 ,\t127.0.0.1 ,", "10.0.0.7", 1, "10.0.0.7"},
    /* A list that does not parse trusts nobody (the server refuses to start with it). */
    {"127.0.0.1", "127.0.0.1,nonsense", "10.0.0.7", 0, "127.0.0.1"},
    /* A peer that is no IPv4 text is never a proxy. */
    {"", "127.0.0.1", "10.0.0.7", 0, ""},
    {"::1", "127.0.0.1", "10.0.0.7", 0, "::1"},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const addr_case_t *c = &cases[i];
        char out[CLIENT_ADDR_MAX];
        int rc = client_addr(c->peer, c->trusted, c->forwarded, out, sizeof out);
        if (rc != c->rc || strcmp(out, c->want) != 0)
            fail_msg("case %zu (peer %s, trusted %s, forwarded %s): got %d '%s', want %d '%s'", i,
                     c->peer, c->trusted ? c->trusted : "(null)",
                     c->forwarded ? c->forwarded : "(null)", rc, out, c->rc, c->want);
    }
}

static void test_small_output_is_cut_not_overrun(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'x', sizeof out);
    client_addr("127.0.0.1", "127.0.0.1", "2001:db8::1234", out, 5);
    assert_string_equal(out, "2001");
    assert_int_equal(out[5], 'x');
}

static void test_trusted_list(void **state)
{
    (void)state;
    uint32_t a[CLIENT_TRUSTED_MAX];
    char bad[32] = "";
    assert_int_equal(client_addr_list(NULL, a, bad, sizeof bad), 0);
    assert_int_equal(client_addr_list("", a, bad, sizeof bad), 0);
    assert_int_equal(client_addr_list(" , ,", a, bad, sizeof bad), 0);
    assert_int_equal(client_addr_list("127.0.0.1, 10.0.0.20 ,10.0.0.21", a, bad, sizeof bad), 3);
    assert_int_equal(a[0], htonl(0x7F000001));
    assert_int_equal(a[1], htonl(0x0A000014));
    assert_int_equal(a[2], htonl(0x0A000015));
    assert_int_equal(client_addr_list("127.0.0.1, 10.0.0.300", a, bad, sizeof bad), -1);
    assert_string_equal(bad, "10.0.0.300");
    assert_int_equal(client_addr_list("::1", a, bad, sizeof bad), -1);
    assert_string_equal(bad, "::1");
    char many[400] = "";
    for (int i = 0; i <= CLIENT_TRUSTED_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "10.0.0.%d,", i + 1);
    assert_int_equal(client_addr_list(many, a, bad, sizeof bad), -1);
    assert_string_equal(bad, "10.0.0.17");
    many[strlen(many) - strlen("10.0.0.17,")] = '\0';
    assert_int_equal(client_addr_list(many, a, bad, sizeof bad), CLIENT_TRUSTED_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_small_output_is_cut_not_overrun),
        cmocka_unit_test(test_trusted_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
