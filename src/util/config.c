/* The configuration table and its single parser (see config.h). */
#include "util/config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef enum { CFG_INT, CFG_STR } cfg_type_t;

typedef struct cfg_row {
    const char *flag; /* without the leading -- */
    const char *env;
    cfg_type_t type;
    const char *def;
    size_t offset;
    size_t size; /* buffer size for strings */
    long min, max;
    const char *help;
} cfg_row_t;

#define INT_ROW(flag, env, def, field, lo, hi, help) \
    {flag, env, CFG_INT, def, offsetof(config_t, field), 0, lo, hi, help}
#define STR_ROW(flag, env, def, field, help) \
    {flag, env, CFG_STR, def, offsetof(config_t, field), sizeof(((config_t *)0)->field), 0, 0, help}

static const cfg_row_t rows[] = {
    INT_ROW("port", "PORT", "8000", port, 0, 65535, "TCP port to listen on (0 = any free port)"),
    STR_ROW("bind", "ZEUES_BIND", "0.0.0.0", bind, "IPv4 address to listen on"),
    STR_ROW("db", "ZEUES_DB", "./zeues.db", db, "SQLite database file"),
    STR_ROW("store", "ZEUES_STORE", "", store_url,
            "store URL (sqlite:///path/to/file.db); overrides --db"),
    STR_ROW("instance", "ZEUES_INSTANCE", "", instance_id,
            "name of this server instance in lock tokens (default: host, port and store)"),
    STR_ROW("redis-url", "REDIS_URL", "redis://127.0.0.1:6379", redis_url, "Redis server"),
    INT_ROW("lock-ttl", "REDIS_LOCK_TTL_SECONDS", "3600", lock_ttl_seconds, 60, 30 * 86400,
            "expiry of a spool lock in seconds (renewed while occupied)"),
    STR_ROW("allowed-origins", "ALLOWED_ORIGINS", "http://localhost:3000", allowed_origins,
            "CORS origins, comma separated"),
    STR_ROW("timezone", "TIMEZONE", "America/Santiago", timezone, "time zone of the plant"),
    INT_ROW("threads", "ZEUES_THREADS", "0", threads, 0, 128,
            "HTTP worker threads (0 = two per CPU core, at least 4 and at most 16)"),
    INT_ROW("max-body", "ZEUES_MAX_BODY", "65536", max_body_bytes, 1024, 16 * 1024 * 1024,
            "largest accepted request body in bytes"),
    INT_ROW("redis-pool", "REDIS_MAX_CONNECTIONS", "16", redis_pool, 1, 256,
            "Redis connections of this process (plus one subscriber)"),
    INT_ROW("redis-timeout-ms", "REDIS_TIMEOUT_MS", "500", redis_timeout_ms, 10, 10000,
            "timeout of each Redis connect and command"),
    INT_ROW("conn-timeout", "ZEUES_CONN_TIMEOUT", "30", conn_timeout_seconds, 1, 3600,
            "seconds an idle or slow HTTP connection is kept"),
    INT_ROW("max-connections", "ZEUES_MAX_CONNECTIONS", "4096", max_connections, 16, 60000,
            "simultaneous HTTP connections"),
    INT_ROW("max-connections-per-address", "ZEUES_MAX_CONNECTIONS_PER_ADDRESS", "512",
            max_connections_per_address, 1, 60000,
            "simultaneous HTTP connections from one client address (a NAT of 50 tablets "
            "needs about 350)"),
    STR_ROW("trusted-addresses", "ZEUES_TRUSTED_ADDRESSES", "127.0.0.1", trusted_addresses,
            "client addresses exempt from the per-address cap, comma separated (a reverse proxy "
            "speaks for everyone behind it)"),
    INT_ROW("sse-max-clients", "ZEUES_SSE_MAX_CLIENTS", "2000", sse_max_clients, 1, 50000,
            "simultaneous live streams"),
    STR_ROW("environment", "ENVIRONMENT", "development", environment,
            "name reported by /api/health"),
    STR_ROW("log-level", "LOG_LEVEL", "INFO", log_level, "DEBUG, INFO, WARN or ERROR"),
    STR_ROW("log-format", "ZEUES_LOG_FORMAT", "text", log_format,
            "text, or json: one JSON object per line (ts, level, module, msg) for log shippers"),
    STR_ROW("compat", "ZEUES_COMPAT", "v5", compat,
            "v5 or v3: the tablet app whose meaning wins where a shared route contradicts"),
    STR_ROW("auth", "ZEUES_AUTH", "off", auth,
            "off, devices or devices+pin: off lets anyone call the API; devices needs an "
            "enrolled tablet; devices+pin also each worker's PIN"),
    STR_ROW("tls-cert", "ZEUES_TLS_CERT", "", tls_cert,
            "PEM certificate (chain) file: serve HTTPS (with --tls-key; see zeues cert)"),
    STR_ROW("tls-key", "ZEUES_TLS_KEY", "", tls_key, "PEM private key file of --tls-cert"),
    INT_ROW("https-redirect-port", "ZEUES_HTTPS_REDIRECT_PORT", "0", https_redirect_port, 0,
            65535, "with TLS: also listen on this plain-HTTP port, answering 308 to HTTPS"),
    STR_ROW("sheets-key", "ZEUES_SHEETS_KEY", "", sheets_key,
            "Google service-account JSON key file (with --sheet-id: keeps the spreadsheet in sync)"),
    STR_ROW("sheet-id", "ZEUES_SHEET_ID", "", sheet_id, "id of the Google spreadsheet to keep in sync"),
    STR_ROW("sheets-api-url", "ZEUES_SHEETS_API_URL", "https://sheets.googleapis.com",
            sheets_api_url, "Sheets API base URL (the token URL is the key file's token_uri)"),
    INT_ROW("sheets-writes-per-min", "ZEUES_SHEETS_WRITES_PER_MIN", "60", sheets_writes_per_min,
            1, 1200, "write requests a minute the sync may send (Google: 60 per service account)"),
    INT_ROW("sheets-reads-per-min", "ZEUES_SHEETS_READS_PER_MIN", "60", sheets_reads_per_min, 1,
            1200, "read requests a minute the sync may send (Google: 60 per service account)"),
    INT_ROW("sheets-push-interval-ms", "ZEUES_SHEETS_PUSH_INTERVAL_MS", "2000",
            sheets_push_interval_ms, 50, 600000,
            "pause between push cycles (changes in between go in one batch)"),
    INT_ROW("sheets-pull-interval", "ZEUES_SHEETS_PULL_INTERVAL", "300", sheets_pull_interval, 0,
            86400, "seconds between reads of the spreadsheet into the store (0 = only at start)"),
    INT_ROW("sheets-backoff-max-ms", "ZEUES_SHEETS_BACKOFF_MAX_MS", "32000", sheets_backoff_max_ms,
            100, 3600000, "longest wait between retries when Google refuses or is away"),
    INT_ROW("sheets-timeout-ms", "ZEUES_SHEETS_TIMEOUT_MS", "30000", sheets_timeout_ms, 100,
            600000, "timeout of one request to Google"),
};
#define NROWS (sizeof rows / sizeof rows[0])

static int set_value(config_t *cfg, const cfg_row_t *r, const char *val, const char *source,
                     char *err, size_t errlen)
{
    char *field = (char *)cfg + r->offset;
    if (r->type == CFG_STR) {
        if (strlen(val) >= r->size) {
            snprintf(err, errlen, "%s: value too long (max %zu bytes)", source, r->size - 1);
            return -1;
        }
        memcpy(field, val, strlen(val) + 1);
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || end == val || *end || v < r->min || v > r->max) {
        snprintf(err, errlen, "%s: '%s' is not an integer between %ld and %ld", source, val,
                 r->min, r->max);
        return -1;
    }
    *(int *)(void *)field = (int)v;
    return 0;
}

static const cfg_row_t *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strlen(rows[i].flag) == len && strncmp(rows[i].flag, name, len) == 0) return &rows[i];
    return NULL;
}

int config_load(config_t *cfg, int argc, char **argv, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    char source[128];
    for (size_t i = 0; i < NROWS; i++) {
        snprintf(source, sizeof source, "default of --%s", rows[i].flag);
        if (set_value(cfg, &rows[i], rows[i].def, source, err, errlen)) return -1;
        const char *env = getenv(rows[i].env);
        if (env && *env) {
            snprintf(source, sizeof source, "environment variable %s", rows[i].env);
            if (set_value(cfg, &rows[i], env, source, err, errlen)) return -1;
        }
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%s'", a);
            return -1;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const cfg_row_t *r = find_flag(name, len);
        if (!r) {
            snprintf(err, errlen, "unknown option '--%.*s' (see --help)", (int)len, name);
            return -1;
        }
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val) {
            snprintf(err, errlen, "option --%s needs a value", r->flag);
            return -1;
        }
        snprintf(source, sizeof source, "option --%s", r->flag);
        if (set_value(cfg, r, val, source, err, errlen)) return -1;
    }
    if (!cfg->sheets_key[0] != !cfg->sheet_id[0]) {
        snprintf(err, errlen, "%s", cfg->sheets_key[0]
                                        ? "--sheets-key needs --sheet-id (ZEUES_SHEET_ID)"
                                        : "--sheet-id needs --sheets-key (ZEUES_SHEETS_KEY)");
        return -1;
    }
    if (strcmp(cfg->compat, "v3") != 0 && strcmp(cfg->compat, "v5") != 0) {
        snprintf(err, errlen, "ZEUES_COMPAT / --compat: '%s' is not v3 or v5", cfg->compat);
        return -1;
    }
    if (strcmp(cfg->auth, "off") != 0 && strcmp(cfg->auth, "devices") != 0 &&
        strcmp(cfg->auth, "devices+pin") != 0) {
        snprintf(err, errlen, "ZEUES_AUTH / --auth: '%s' is not off, devices or devices+pin",
                 cfg->auth);
        return -1;
    }
    if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
        snprintf(err, errlen, "ZEUES_TLS_CERT / --tls-cert and ZEUES_TLS_KEY / --tls-key go "
                              "together: give both or neither");
        return -1;
    }
    if (cfg->https_redirect_port && !cfg->tls_cert[0]) {
        snprintf(err, errlen, "ZEUES_HTTPS_REDIRECT_PORT / --https-redirect-port needs "
                              "--tls-cert and --tls-key");
        return -1;
    }
    if (strcmp(cfg->log_format, "text") != 0 && strcmp(cfg->log_format, "json") != 0) {
        snprintf(err, errlen, "ZEUES_LOG_FORMAT / --log-format: '%s' is not text or json",
                 cfg->log_format);
        return -1;
    }
    if (config_log_level(cfg->log_level) < 0) {
        snprintf(err, errlen, "LOG_LEVEL / --log-level: '%s' is not DEBUG, INFO, WARN or ERROR",
                 cfg->log_level);
        return -1;
    }
    if (cfg->threads == 0) cfg->threads = config_auto_threads(sysconf(_SC_NPROCESSORS_ONLN));
    return 0;
}

int config_auto_threads(long cpus)
{
    long n = cpus > 0 ? 2 * cpus : 4;
    return n < 4 ? 4 : n > 16 ? 16 : (int)n;
}

int config_log_level(const char *name)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, names[i]) == 0) return i;
    return -1;
}

void config_print_help(FILE *out)
{
    fprintf(out, "Options of 'zeues serve' (flags override environment variables):\n");
    for (size_t i = 0; i < NROWS; i++)
        fprintf(out, "  --%-18s %-24s default %-24s %s\n", rows[i].flag, rows[i].env, rows[i].def,
                rows[i].help);
}

void config_dump(const config_t *cfg, FILE *out)
{
    for (size_t i = 0; i < NROWS; i++) {
        const char *field = (const char *)cfg + rows[i].offset;
        if (rows[i].type == CFG_INT) {
            fprintf(out, "  %s=%d\n", rows[i].env, *(const int *)(const void *)field);
        } else if (strstr(field, "://") && strchr(field, '@')) {
            /* A URL with credentials (Redis, a database server): the user part never shows. */
            const char *sep = strstr(field, "://"), *at = strrchr(field, '@');
            fprintf(out, "  %s=%.*s://***%s\n", rows[i].env, (int)(sep - field), field, at);
        } else {
            fprintf(out, "  %s=%s\n", rows[i].env, field);
        }
    }
}
