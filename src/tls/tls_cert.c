/* The private CA and the server certificate of `zeues cert` (see tls_cert.h), with GnuTLS's
 * x509 API: ECDSA P-256 keys (fast to make, accepted by every current browser and by Android),
 * SHA-256 signatures, X.509 v3 with the extensions browsers require: CA basic constraints and
 * key usage on the CA; subjectAltName, serverAuth and authority/subject key ids on the
 * server certificate. */
#include "tls/tls_cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400

/* Writes len bytes to dir/name with mode through a temporary file and a rename, so a reader
 * never sees half a key. 0, or -1 with err set. */
static int write_file(const char *dir, const char *name, const void *data, size_t len,
                      mode_t mode, char *err, size_t errlen)
{
    char path[1024], tmp[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        left -= (size_t)w;
    }
    int bad = left != 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0;
    if (close(fd) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Reads dir/name into *d (gnutls_free it); 0, 1 when it does not exist, -1 on error. */
static int read_file(const char *dir, const char *name, gnutls_datum_t *d)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (access(path, F_OK) != 0) return 1;
    return gnutls_load_file(path, d) == GNUTLS_E_SUCCESS ? 0 : -1;
}

static int fail(int rc, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, gnutls_strerror(rc));
    return -1;
}

/* A random positive 16-byte serial number. */
static int set_serial(gnutls_x509_crt_t crt)
{
    unsigned char serial[16];
    if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial) != 0) return -1;
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    return gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
}

static int new_key(gnutls_x509_privkey_t *key)
{
    int rc = gnutls_x509_privkey_init(key);
    if (rc == 0)
        rc = gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    return rc;
}

/* Creates the CA certificate of key for host (self-signed). */
static int make_ca(gnutls_x509_crt_t ca, gnutls_x509_privkey_t key, const char *host, time_t now)
{
    char cn[300];
    snprintf(cn, sizeof cn, "ZEUES CA (%s)", host);
    unsigned char id[64];
    size_t idlen = sizeof id;
    int rc;
    if ((rc = gnutls_x509_crt_set_version(ca, 3)) < 0 || (rc = set_serial(ca)) < 0 ||
        (rc = gnutls_x509_crt_set_activation_time(ca, now - DAY)) < 0 ||
        (rc = gnutls_x509_crt_set_expiration_time(ca, now + (time_t)TLS_CA_DAYS * DAY)) < 0 ||
        (rc = gnutls_x509_crt_set_dn_by_oid(ca, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "ZEUES",
                                            5)) < 0 ||
        (rc = gnutls_x509_crt_set_dn_by_oid(ca, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                            (unsigned)strlen(cn))) < 0 ||
        (rc = gnutls_x509_crt_set_key(ca, key)) < 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(ca, 1, 0)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
                                                    GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (rc = gnutls_x509_crt_get_key_id(ca, 0, id, &idlen)) < 0 ||
        (rc = gnutls_x509_crt_set_subject_key_id(ca, id, idlen)) < 0)
        return rc;
    return gnutls_x509_crt_sign2(ca, ca, key, GNUTLS_DIG_SHA256, 0);
}

/* Adds one IP literal to crt's subjectAltName; 1 when text is not an IP address. */
static int add_ip(gnutls_x509_crt_t crt, const char *text, char *sans, size_t n)
{
    unsigned char bin[16];
    unsigned len = 0;
    if (inet_pton(AF_INET, text, bin) == 1) len = 4;
    else if (inet_pton(AF_INET6, text, bin) == 1) len = 16;
    else return 1;
    int rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, bin, len,
                                                  GNUTLS_FSAN_APPEND);
    if (rc == 0 && !strstr(sans, text)) {
        size_t l = strlen(sans);
        snprintf(sans + l, n - l, "%sIP:%s", l ? ", " : "", text);
    }
    return rc;
}

/* subjectAltName: host (DNS name or IP), the addresses it resolves to, and the extra ips. */
static int add_sans(gnutls_x509_crt_t crt, const char *host, const char *const *ips,
                    size_t n_ips, char *sans, size_t n)
{
    sans[0] = '\0';
    int rc = add_ip(crt, host, sans, n);
    if (rc < 0) return rc;
    if (rc == 1) {
        rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host,
                                                  (unsigned)strlen(host), GNUTLS_FSAN_APPEND);
        if (rc < 0) return rc;
        snprintf(sans, n, "DNS:%s", host);
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
        if (getaddrinfo(host, NULL, &hints, &res) == 0) {
            for (struct addrinfo *a = res; a; a = a->ai_next) {
                char txt[INET6_ADDRSTRLEN];
                const void *src = a->ai_family == AF_INET
                                      ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
                                      : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
                if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) &&
                    inet_ntop(a->ai_family, src, txt, sizeof txt) && add_ip(crt, txt, sans, n) < 0) {
                    freeaddrinfo(res);
                    return -1;
                }
            }
            freeaddrinfo(res);
        }
    }
    for (size_t i = 0; i < n_ips; i++)
        if ((rc = add_ip(crt, ips[i], sans, n)) != 0) return rc < 0 ? rc : GNUTLS_E_INVALID_REQUEST;
    return 0;
}

static int make_server(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, gnutls_x509_crt_t ca,
                       gnutls_x509_privkey_t cakey, const char *host, const char *const *ips,
                       size_t n_ips, time_t now, char *sans, size_t n)
{
    unsigned char id[64], caid[64];
    size_t idlen = sizeof id, caidlen = sizeof caid;
    int rc;
    if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 || (rc = set_serial(crt)) < 0 ||
        (rc = gnutls_x509_crt_set_activation_time(crt, now - DAY)) < 0 ||
        (rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)TLS_SERVER_DAYS * DAY)) < 0 ||
        (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, host,
                                            (unsigned)strlen(host))) < 0 ||
        (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
        (rc = add_sans(crt, host, ips, n_ips, sans, n)) < 0 ||
        (rc = gnutls_x509_crt_get_key_id(crt, 0, id, &idlen)) < 0 ||
        (rc = gnutls_x509_crt_set_subject_key_id(crt, id, idlen)) < 0 ||
        (rc = gnutls_x509_crt_get_subject_key_id(ca, caid, &caidlen, NULL)) < 0 ||
        (rc = gnutls_x509_crt_set_authority_key_id(crt, caid, caidlen)) < 0)
        return rc;
    return gnutls_x509_crt_sign2(crt, ca, cakey, GNUTLS_DIG_SHA256, 0);
}

static void fingerprint(gnutls_x509_crt_t ca, char *out, size_t n)
{
    unsigned char fp[32];
    size_t len = sizeof fp;
    out[0] = '\0';
    if (gnutls_x509_crt_get_fingerprint(ca, GNUTLS_DIG_SHA256, fp, &len) < 0) return;
    for (size_t i = 0, o = 0; i < len && o + 4 < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%02X", i ? ":" : "", fp[i]);
}

/* PEM export of a certificate into out (caller frees out->data with gnutls_free). */
static int export_crt(gnutls_x509_crt_t crt, gnutls_datum_t *out)
{
    return gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, out);
}

int tls_cert_make(const char *host, const char *const *ips, size_t n_ips, const char *dir,
                  tls_cert_result_t *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof res[0]);
    if (!host || !*host || strlen(host) > 253 || strspn(host, "abcdefghijklmnopqrstuvwxyz"
                                                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                              "0123456789.-:") != strlen(host)) {
        snprintf(err, errlen, "--host: '%s' is not a host name or IP address", host ? host : "");
        return -1;
    }
    if (n_ips > TLS_MAX_IPS) {
        snprintf(err, errlen, "--ip: at most %d addresses", TLS_MAX_IPS);
        return -1;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    int ret = -1, rc;
    gnutls_x509_privkey_t cakey = NULL, key = NULL;
    gnutls_x509_crt_t ca = NULL, crt = NULL;
    gnutls_datum_t ca_pem = {0}, ca_key = {0}, crt_pem = {0}, key_pem = {0};
    time_t now = time(NULL);
    if ((rc = gnutls_global_init()) < 0) return fail(rc, "GnuTLS", err, errlen);
    if ((rc = gnutls_x509_crt_init(&ca)) < 0 || (rc = gnutls_x509_crt_init(&crt)) < 0) {
        fail(rc, "certificate", err, errlen);
        goto out;
    }
    int have_ca = read_file(dir, "ca.pem", &ca_pem), have_key = read_file(dir, "ca.key", &ca_key);
    if (have_ca < 0 || have_key < 0 || (have_ca == 0) != (have_key == 0)) {
        snprintf(err, errlen, "%s has only one of ca.pem and ca.key (or cannot read it): move "
                              "it away to start a new CA", dir);
        goto out;
    }
    if (have_ca == 0) {
        if ((rc = gnutls_x509_privkey_init(&cakey)) < 0 ||
            (rc = gnutls_x509_privkey_import(cakey, &ca_key, GNUTLS_X509_FMT_PEM)) < 0 ||
            (rc = gnutls_x509_crt_import(ca, &ca_pem, GNUTLS_X509_FMT_PEM)) < 0) {
            fail(rc, "the existing ca.pem / ca.key", err, errlen);
            goto out;
        }
    } else {
        res->ca_created = 1;
        if ((rc = new_key(&cakey)) < 0 || (rc = make_ca(ca, cakey, host, now)) < 0) {
            fail(rc, "making the CA", err, errlen);
            goto out;
        }
        gnutls_free(ca_pem.data);
        gnutls_free(ca_key.data);
        ca_pem.data = ca_key.data = NULL;
        if ((rc = export_crt(ca, &ca_pem)) < 0 ||
            (rc = gnutls_x509_privkey_export2(cakey, GNUTLS_X509_FMT_PEM, &ca_key)) < 0) {
            fail(rc, "exporting the CA", err, errlen);
            goto out;
        }
    }
    if ((rc = new_key(&key)) < 0 ||
        (rc = make_server(crt, key, ca, cakey, host, ips, n_ips, now, res->sans,
                          sizeof res->sans)) < 0) {
        fail(rc, "making the server certificate", err, errlen);
        goto out;
    }
    if ((rc = export_crt(crt, &crt_pem)) < 0 ||
        (rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &key_pem)) < 0) {
        fail(rc, "exporting the server certificate", err, errlen);
        goto out;
    }
    /* server.pem is the chain a client needs: the server certificate, then its CA. */
    size_t chain_len = crt_pem.size + ca_pem.size;
    char *chain = malloc(chain_len);
    if (!chain) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    memcpy(chain, crt_pem.data, crt_pem.size);
    memcpy(chain + crt_pem.size, ca_pem.data, ca_pem.size);
    int wrote = (res->ca_created && (write_file(dir, "ca.key", ca_key.data, ca_key.size, 0600,
                                                err, errlen) != 0 ||
                                     write_file(dir, "ca.pem", ca_pem.data, ca_pem.size, 0644,
                                                err, errlen) != 0)) ||
                        write_file(dir, "server.key", key_pem.data, key_pem.size, 0600, err,
                                   errlen) != 0 ||
                        write_file(dir, "server.pem", chain, chain_len, 0644, err, errlen) != 0
                    ? -1
                    : 0;
    free(chain);
    if (wrote != 0) goto out;
    fingerprint(ca, res->ca_fingerprint, sizeof res->ca_fingerprint);
    ret = 0;
out:
    if (ca_key.data) {
        gnutls_memset(ca_key.data, 0, ca_key.size);
        gnutls_free(ca_key.data);
    }
    if (key_pem.data) {
        gnutls_memset(key_pem.data, 0, key_pem.size);
        gnutls_free(key_pem.data);
    }
    gnutls_free(ca_pem.data);
    gnutls_free(crt_pem.data);
    if (key) gnutls_x509_privkey_deinit(key);
    if (cakey) gnutls_x509_privkey_deinit(cakey);
    if (crt) gnutls_x509_crt_deinit(crt);
    if (ca) gnutls_x509_crt_deinit(ca);
    gnutls_global_deinit();
    return ret;
}
