/* The JWT assertion of the service-account flow (reference google-sheets.md §1.2): header and
 * claims as unpadded base64url JSON, joined by '.'; the RS256 signature over that text is made
 * in src/sync (OpenSSL). Pure: the time is passed in. */
#ifndef ZEUES_CORE_SHEETS_JWT_H
#define ZEUES_CORE_SHEETS_JWT_H
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define SHEETS_SCOPE "https://www.googleapis.com/auth/spreadsheets"
#define SHEETS_JWT_LIFETIME 3600 /* exp - iat: the most Google accepts */
#define SHEETS_JWT_SKEW 10       /* iat is backdated this much, as Google's Go library does */

/** Appends unpadded base64url of data[0..n) to out. */
void sheets_b64url(buf_t *out, const unsigned char *data, size_t n);
/** Appends the signing input base64url(header) "." base64url(claims) for a key: header
 *  {"alg":"RS256","typ":"JWT","kid":kid} (kid omitted when empty), claims {"iss":email,
 *  "scope":scope,"aud":aud,"iat":now-SKEW,"exp":iat+LIFETIME}. now is unix seconds. */
void sheets_jwt_signing_input(buf_t *out, const char *email, const char *kid,
                              const char *scope, const char *aud, int64_t now);

#endif
