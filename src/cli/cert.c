/* `zeues cert --host NAME --dir DIR [--ip ADDR]...`: a private CA and a server certificate for
 * HTTPS on a plant network without a PKI (src/tls/). Prints what to do next: the serve flags and
 * the CA file to install on each tablet. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "tls/tls_cert.h"

int cli_cert(int argc, char **argv)
{
    const char *host = NULL, *dir = NULL, *ips[TLS_MAX_IPS + 1];
    size_t n_ips = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "zeues cert: option %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--host") == 0) host = v;
        else if (strcmp(a, "--dir") == 0) dir = v;
        else if (strcmp(a, "--ip") == 0 && n_ips <= TLS_MAX_IPS) ips[n_ips++] = v;
        else {
            fprintf(stderr, "zeues cert: unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    if (!host || !dir) {
        fprintf(stderr, "zeues cert: --host NAME and --dir DIR are required\n");
        return 2;
    }
    tls_cert_result_t res;
    char err[512];
    if (tls_cert_make(host, ips, n_ips, dir, &res, err, sizeof err) != 0) {
        fprintf(stderr, "zeues cert: %s\n", err);
        return 1;
    }
    printf("%s %s/ca.pem (SHA-256 %s)\n"
           "Server certificate %s/server.pem + key %s/server.key for: %s (valid %d days)\n"
           "Serve HTTPS:  zeues serve --tls-cert %s/server.pem --tls-key %s/server.key\n"
           "On each tablet install %s/ca.pem as a CA certificate (see README, HTTPS).\n"
           "Keep %s/ca.key private: it signs certificates the tablets will trust.\n",
           res.ca_created ? "New CA" : "Existing CA kept:", dir, res.ca_fingerprint, dir, dir,
           res.sans, TLS_SERVER_DAYS, dir, dir, dir, dir);
    return 0;
}
