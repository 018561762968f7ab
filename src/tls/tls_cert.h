/* A private certificate authority for a plant without a PKI (`zeues cert`): one CA and a server
 * certificate it signs, so the tablets can trust the server's HTTPS once (by installing ca.pem)
 * and the browser's camera scanner, which needs a secure context, works on the LAN. This
 * directory is the only one that includes GnuTLS. */
#ifndef ZEUES_TLS_TLS_CERT_H
#define ZEUES_TLS_TLS_CERT_H
#include <stddef.h>

/** Days a server certificate is valid; the CA lasts TLS_CA_DAYS. */
#define TLS_SERVER_DAYS 825
#define TLS_CA_DAYS 3650
/** At most this many IP addresses in the certificate (SAN). */
#define TLS_MAX_IPS 16

typedef struct tls_cert_result {
    int ca_created;              /* 0: an existing dir/ca.pem + ca.key signed it */
    char ca_fingerprint[100];    /* SHA-256 of ca.pem, "AB:CD:..." */
    char sans[1024];             /* what the server certificate names, for the message */
} tls_cert_result_t;

/**
 * Writes into dir (created if missing): ca.pem and ca.key (the CA: ECDSA P-256, TLS_CA_DAYS;
 * kept and reused when both exist already, so tablets need not install a new one), server.pem
 * (the server certificate, then the CA's: the chain for --tls-cert) and server.key (for
 * --tls-key). The server certificate names host (a DNS name or an IP literal) and the IP
 * addresses host resolves to, plus ips (n_ips text IPv4/IPv6 addresses; may be 0). Keys are
 * written with mode 0600, each file replaced atomically. 0 and *res filled, or -1 with the
 * reason in err.
 */
int tls_cert_make(const char *host, const char *const *ips, size_t n_ips, const char *dir,
                  tls_cert_result_t *res, char *err, size_t errlen);

#endif
