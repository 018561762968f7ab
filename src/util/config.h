/* Server configuration: one table drives flag parsing, environment variables, defaults,
 * validation, --help and the redacted dump. Parsed once at start-up into an immutable struct. */
#ifndef ZEUES_UTIL_CONFIG_H
#define ZEUES_UTIL_CONFIG_H
#include <stddef.h>
#include <stdio.h>

typedef struct config {
    int port;
    char db[512];
    char store_url[600];  /* "" = sqlite:// of db */
    char instance_id[64]; /* "" = derived from host, port and store */
    char redis_url[512];
    int lock_ttl_seconds;
    char allowed_origins[1024];
    char timezone[64];
    int threads;
    int max_body_bytes;
    int redis_pool;
    int redis_timeout_ms;
    int conn_timeout_seconds;
    int max_connections;
    int max_connections_per_address;
    char trusted_addresses[256]; /* IPv4 list exempt from the per-address cap */
    int sse_max_clients;
    char environment[32];
    char bind[64];
    char log_level[16];
    char log_format[8];   /* "text" (default) or "json" */
    char compat[8];       /* "v5" (default) or "v3": which app a contradicting route serves */
    char auth[16];        /* "off" (default), "devices" or "devices+pin": who may call the API
                             (core/access.h) */
    char tls_cert[512];   /* PEM file of the server certificate (chain); "" = plain HTTP */
    char tls_key[512];    /* PEM file of its private key */
    int https_redirect_port; /* with TLS: a plain-HTTP port answering 308 to HTTPS; 0 = none */
    /* Google Sheets sync (app/sheets.h): off unless both the key and the sheet id are set. */
    char sheets_key[512];      /* service-account JSON key file */
    char sheet_id[256];        /* spreadsheet id */
    char sheets_api_url[256];  /* Sheets API base URL */
    int sheets_writes_per_min; /* write requests a minute (Google's per-user quota: 60) */
    int sheets_reads_per_min;  /* read requests a minute (Google's per-user quota: 60) */
    int sheets_push_interval_ms; /* pause between push cycles */
    int sheets_pull_interval;  /* seconds between scheduled pulls; 0 = only at start */
    int sheets_backoff_max_ms; /* longest wait between retries (truncated backoff) */
    int sheets_timeout_ms;     /* whole-request timeout of one Google call */
} config_t;

/**
 * Fills cfg from defaults, then the environment, then flags in argv (--name value or
 * --name=value; flags win). Returns 0, or -1 with a message naming the offending key in err.
 */
int config_load(config_t *cfg, int argc, char **argv, char *err, size_t errlen);
/** The default of --threads for a machine with cpus CPU cores online: two per core, at least 4
 *  and at most 16. libmicrohttpd's workers are event loops, and no request waits on one for
 *  Redis or a sync (those run on threads of their own), so more loops than cores only add
 *  context switches; two per core leave room for a read that waits on the disk. */
int config_auto_threads(long cpus);
/** 0 DEBUG, 1 INFO, 2 WARN, 3 ERROR (case-insensitive), or -1 for anything else. */
int config_log_level(const char *name);
/** Prints every option with its flag, environment variable and default. */
void config_print_help(FILE *out);
/** Prints the effective configuration, secrets (password in REDIS_URL) redacted. */
void config_dump(const config_t *cfg, FILE *out);

#endif
