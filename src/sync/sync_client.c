/* The Sheets v4 calls over libcurl (see sync.h): one curl handle per client (connections are
 * kept alive), the token cached and refreshed ahead of expiry, one refresh on a 401, budgets
 * spent before every request, Google's error bodies turned into sync_err_t. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sheets_a1.h"
#include "sync/sync_int.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

#define LOG_MODULE "sheets"
#define CONNECT_TIMEOUT_MS 5000L
#define MAX_BODY (64L * 1024 * 1024)

int sync_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }
void sync_global_deinit(void) { curl_global_cleanup(); }

static int sleep_plain(void *ud, int64_t ms)
{
    (void)ud;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return 0;
}

sync_client_t *sync_client_new(const sync_opts_t *o, char *err, size_t errlen)
{
    sync_client_t *c = xcalloc(1, sizeof *c);
    if (sync__key_load(&c->key, o->key_file, err, errlen) != 0) {
        free(c);
        return NULL;
    }
    c->curl = curl_easy_init();
    if (!c->curl) {
        snprintf(err, errlen, "sheets: libcurl cannot start");
        sync__key_deinit(&c->key);
        free(c);
        return NULL;
    }
    c->sheet_id = xstrdup(o->sheet_id);
    const char *api = o->api_url && o->api_url[0] ? o->api_url : "https://sheets.googleapis.com";
    size_t n = strlen(api);
    while (n && api[n - 1] == '/') n--;
    c->api_url = xstrndup(api, n);
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    sheets_budget_init(&c->reads, o->reads_per_min > 0 ? o->reads_per_min : 60);
    sheets_budget_init(&c->writes, o->writes_per_min > 0 ? o->writes_per_min : 60);
    c->sleep = o->sleep ? o->sleep : sleep_plain;
    c->sleep_ud = o->sleep_ud;
    return c;
}

void sync_client_free(sync_client_t *c)
{
    if (!c) return;
    curl_easy_cleanup(c->curl);
    sync__key_deinit(&c->key);
    free(c->sheet_id);
    free(c->api_url);
    free(c);
}

const char *sync_client_email(const sync_client_t *c) { return c->key.email; }

void sync_client_usage(sync_client_t *c, int *reads, int *writes)
{
    int64_t now = clock_mono_ms();
    *reads = sheets_budget_used(&c->reads, now);
    *writes = sheets_budget_used(&c->writes, now);
}

/* ------------------------------------------------------------------------------------------ */
/* HTTP                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Ends a transfer in progress when the owner is shutting down (its sleep says stop). */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    sync_client_t *c = ud;
    return c->sleep != sleep_plain && c->sleep(c->sleep_ud, 0) ? 1 : 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    buf_t *b = ud;
    if (b->len + size * n > (size_t)MAX_BODY) return 0;
    buf_append(b, p, size * n);
    return size * n;
}

/* One request; *status = the HTTP status or 0 when no answer came (then e says why). The
 * body goes into resp (reset first). */
static int http(sync_client_t *c, const char *method, const char *url, const char *ctype,
                const char *auth, const char *body, int fresh, buf_t *resp, long *status,
                sync_err_t *e)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    buf_reset(resp);
    struct curl_slist *hdr = NULL;
    char line[4200];
    if (ctype) {
        snprintf(line, sizeof line, "Content-Type: %s", ctype);
        hdr = curl_slist_append(hdr, line);
    }
    if (auth) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", auth);
        hdr = curl_slist_append(hdr, line);
    }
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* libcurl silently sends a request again when a kept-alive connection turns out dead
     * before any answer; for an append (not idempotent) that would write its rows twice.
     * A fresh connection is never retried that way. */
    if (fresh) curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "zeues-sheets/1");
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdr);
    *status = 0;
    if (rc != CURLE_OK) {
        e->kind = SYNC_E_RETRY;
        e->http = 0;
        snprintf(e->msg, sizeof e->msg, "%s %s: %s", method, url, curl_easy_strerror(rc));
        return SYNC_E_RETRY;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    return SYNC_OK;
}

/* Google's message of an error body ({"error":{"message":...}} or the token endpoint's
 * {"error":..,"error_description":..}) into e->msg. */
static void error_text(const buf_t *resp, long status, const char *what, sync_err_t *e)
{
    json_error_t je;
    json_t *j = resp->len ? json_loadb(resp->data, resp->len, 0, &je) : NULL;
    json_t *err = json_object_get(j, "error");
    const char *msg = NULL, *code = NULL;
    if (json_is_object(err)) {
        msg = json_string_value(json_object_get(err, "message"));
        code = json_string_value(json_object_get(err, "status"));
    } else if (json_is_string(err)) {
        code = json_string_value(err);
        msg = json_string_value(json_object_get(j, "error_description"));
    }
    snprintf(e->msg, sizeof e->msg, "%s: HTTP %ld%s%s%s%s", what, status, code ? " " : "",
             code ? code : "", msg ? ": " : "", msg ? msg : "");
    json_decref(j);
}

static int kind_of(long status)
{
    if (status == 429 || status == 408 || status >= 500) return SYNC_E_RETRY;
    if (status == 403) return SYNC_E_DENIED;
    if (status == 404) return SYNC_E_NOT_FOUND;
    return SYNC_E_BAD_RANGE;
}

/* ------------------------------------------------------------------------------------------ */
/* Token                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static int token_fetch(sync_client_t *c, sync_err_t *e)
{
    buf_t jwt = BUF_INIT, form = BUF_INIT, resp = BUF_INIT;
    int64_t now = (int64_t)time(NULL);
    int ret = SYNC_E_CONFIG;
    if (sync__jwt_make(&c->key, now, &jwt) != 0) {
        e->kind = SYNC_E_CONFIG;
        e->http = 0;
        snprintf(e->msg, sizeof e->msg, "sheets key: cannot sign the token request");
        goto out;
    }
    buf_puts(&form, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=");
    buf_puts(&form, buf_str(&jwt));
    long status = 0;
    ret = http(c, "POST", c->key.token_uri, "application/x-www-form-urlencoded", NULL,
               buf_str(&form), 0, &resp, &status, e);
    if (ret != SYNC_OK) goto out;
    if (status != 200) {
        error_text(&resp, status, "token", e);
        e->http = status;
        /* Google's libraries retry the token POST on 5xx/408/429 only; a refusal
         * (invalid_grant, ...) needs a person. */
        e->kind = (status == 429 || status == 408 || status >= 500) ? SYNC_E_RETRY : SYNC_E_AUTH;
        ret = e->kind;
        goto out;
    }
    json_error_t je;
    json_t *j = json_loadb(resp.data ? resp.data : "", resp.len, 0, &je);
    const char *tok = json_string_value(json_object_get(j, "access_token"));
    json_t *exp = json_object_get(j, "expires_in");
    int64_t life = json_is_integer(exp) ? (int64_t)json_integer_value(exp)
                   : json_is_string(exp) ? atoll(json_string_value(exp))
                   : json_is_real(exp)   ? (int64_t)json_real_value(exp)
                                         : 3600;
    if (!tok || strlen(tok) >= sizeof c->token || life <= 0) {
        e->kind = SYNC_E_AUTH;
        e->http = status;
        snprintf(e->msg, sizeof e->msg, "token: the answer has no usable access_token");
        json_decref(j);
        ret = SYNC_E_AUTH;
        goto out;
    }
    snprintf(c->token, sizeof c->token, "%s", tok);
    c->token_expires = now + life;
    /* Ahead of expiry, as Google's Python library does (3 min 45 s), or at a quarter of the
     * lifetime for short-lived tokens. */
    int64_t margin = life / 4 < 225 ? life / 4 : 225;
    c->token_refresh_at = now + life - margin;
    LOG_INFO("token for %s valid for %lld s", c->key.email, (long long)life);
    json_decref(j);
    ret = SYNC_OK;
out:
    buf_deinit(&jwt);
    buf_deinit(&form);
    buf_deinit(&resp);
    return ret;
}

static int token_ensure(sync_client_t *c, sync_err_t *e)
{
    if (c->token_expires && (int64_t)time(NULL) < c->token_refresh_at) return SYNC_OK;
    return token_fetch(c, e);
}

/* ------------------------------------------------------------------------------------------ */
/* Calls                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Waits for room in budget b; SYNC_E_STOPPED when the sleep was interrupted. */
static int budget_wait(sync_client_t *c, sheets_budget_t *b)
{
    for (;;) {
        int64_t w = sheets_budget_wait_ms(b, clock_mono_ms(), 1);
        if (w <= 0) return SYNC_OK;
        if (c->sleep(c->sleep_ud, w)) return SYNC_E_STOPPED;
    }
}

/* One Sheets call (fresh: on a new connection, for requests that must never be sent twice):
 * path after /v4/spreadsheets/{id}, query already escaped. *out gets the
 * parsed JSON answer (new reference) when out is not NULL. */
static int call_x(sync_client_t *c, int write, int fresh, const char *method, const char *path,
                  json_t *body, json_t **out, sync_err_t *e)
{
    memset(e, 0, sizeof *e);
    if (out) *out = NULL;
    buf_t url = BUF_INIT, resp = BUF_INIT;
    buf_printf(&url, "%s/v4/spreadsheets/", c->api_url);
    sheets_url_escape(&url, c->sheet_id);
    buf_puts(&url, path);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    int ret = SYNC_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        ret = token_ensure(c, e);
        if (ret != SYNC_OK) break;
        ret = budget_wait(c, write ? &c->writes : &c->reads);
        if (ret != SYNC_OK) {
            e->kind = ret;
            snprintf(e->msg, sizeof e->msg, "stopping");
            break;
        }
        sheets_budget_take(write ? &c->writes : &c->reads, clock_mono_ms());
        long status = 0;
        ret = http(c, method, buf_str(&url), text ? "application/json" : NULL, c->token, text,
                   fresh, &resp, &status, e);
        if (ret != SYNC_OK) break;
        if (status == 401 && attempt == 0) {
            /* Refresh once (the token expired early or was revoked), then try again. */
            c->token_expires = 0;
            continue;
        }
        if (status < 200 || status > 299) {
            error_text(&resp, status, method, e);
            e->http = status;
            e->kind = status == 401 ? SYNC_E_AUTH : kind_of(status);
            ret = e->kind;
            break;
        }
        if (out) {
            json_error_t je;
            *out = json_loadb(resp.data ? resp.data : "{}", resp.len ? resp.len : 2, 0, &je);
            if (!*out) {
                e->kind = SYNC_E_RETRY;
                e->http = status;
                snprintf(e->msg, sizeof e->msg, "%s: unreadable answer: %s", method, je.text);
                ret = SYNC_E_RETRY;
            }
        }
        break;
    }
    free(text);
    buf_deinit(&url);
    buf_deinit(&resp);
    return ret;
}

static int call(sync_client_t *c, int write, const char *method, const char *path,
                json_t *body, json_t **out, sync_err_t *e)
{
    return call_x(c, write, 0, method, path, body, out, e);
}

int sync_values_batch_get(sync_client_t *c, const char *const *ranges, size_t n, json_t **out,
                          sync_err_t *e)
{
    buf_t p = BUF_INIT;
    buf_puts(&p, "/values:batchGet?valueRenderOption=UNFORMATTED_VALUE"
                 "&dateTimeRenderOption=SERIAL_NUMBER&majorDimension=ROWS&prettyPrint=false");
    for (size_t i = 0; i < n; i++) {
        buf_puts(&p, "&ranges=");
        sheets_url_escape(&p, ranges[i]);
    }
    json_t *j = NULL;
    int ret = call(c, 0, "GET", buf_str(&p), NULL, &j, e);
    buf_deinit(&p);
    *out = NULL;
    if (ret != SYNC_OK) return ret;
    json_t *vr = json_object_get(j, "valueRanges");
    if (!json_is_array(vr) || json_array_size(vr) != n) {
        json_decref(j);
        e->kind = SYNC_E_RETRY;
        snprintf(e->msg, sizeof e->msg, "batchGet: the answer has no valueRanges for %zu ranges", n);
        return SYNC_E_RETRY;
    }
    *out = json_incref(vr);
    json_decref(j);
    return SYNC_OK;
}

int sync_values_batch_update(sync_client_t *c, json_t *data, sync_err_t *e)
{
    json_t *body = json_pack("{s:s,s:O,s:b}", "valueInputOption", "RAW", "data", data,
                             "includeValuesInResponse", 0);
    json_t *j = NULL;
    int ret = call(c, 1, "POST", "/values:batchUpdate?prettyPrint=false", body, &j, e);
    json_decref(body);
    json_decref(j);
    return ret;
}

int sync_values_append(sync_client_t *c, const char *range, json_t *rows, char *updated,
                       size_t n, sync_err_t *e)
{
    buf_t p = BUF_INIT;
    buf_puts(&p, "/values/");
    sheets_url_escape(&p, range);
    buf_puts(&p, ":append?valueInputOption=RAW&insertDataOption=INSERT_ROWS&prettyPrint=false");
    json_t *body = json_pack("{s:s,s:s,s:O}", "range", range, "majorDimension", "ROWS", "values",
                             rows);
    json_t *j = NULL;
    int ret = call_x(c, 1, 1, "POST", buf_str(&p), body, &j, e);
    if (ret == SYNC_OK && updated && n) {
        const char *u = json_string_value(
            json_object_get(json_object_get(j, "updates"), "updatedRange"));
        snprintf(updated, n, "%s", u ? u : "");
    }
    json_decref(body);
    json_decref(j);
    buf_deinit(&p);
    return ret;
}

int sync_sheet_list(sync_client_t *c, json_t **sheets, sync_err_t *e)
{
    json_t *j = NULL;
    *sheets = NULL;
    int ret = call(c, 0, "GET",
                   "?fields=sheets.properties(sheetId%2Ctitle%2CgridProperties)&prettyPrint=false",
                   NULL, &j, e);
    if (ret != SYNC_OK) return ret;
    json_t *out = json_array(), *s;
    size_t i;
    json_array_foreach(json_object_get(j, "sheets"), i, s)
    {
        json_t *p = json_object_get(s, "properties"), *g = json_object_get(p, "gridProperties");
        const char *t = json_string_value(json_object_get(p, "title"));
        if (!t) continue;
        json_array_append_new(
            out, json_pack("{s:s,s:I,s:I,s:I}", "title", t, "sheetId",
                           json_integer_value(json_object_get(p, "sheetId")), "rowCount",
                           json_integer_value(json_object_get(g, "rowCount")), "columnCount",
                           json_integer_value(json_object_get(g, "columnCount"))));
    }
    json_decref(j);
    *sheets = out;
    return SYNC_OK;
}

int sync_structure(sync_client_t *c, json_t *requests, sync_err_t *e)
{
    json_t *body = json_pack("{s:O,s:b}", "requests", requests, "includeSpreadsheetInResponse", 0);
    json_t *j = NULL;
    /* On a fresh connection, like an append: a deleteDimension sent twice deletes two rows. */
    int ret = call_x(c, 1, 1, "POST", ":batchUpdate?prettyPrint=false", body, &j, e);
    json_decref(body);
    json_decref(j);
    return ret;
}
