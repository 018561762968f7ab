/* The one error vocabulary of ZEUES: codes, wire names and HTTP statuses from one table.
 * Success is 0 (ZE_OK); every error is a negative zerr_t. */
#ifndef ZEUES_CORE_ERRORS_H
#define ZEUES_CORE_ERRORS_H

/* X(name, http_status). The name is the wire code of the error body ("error" field). */
#define ZEUES_ERR_MAP(X)                 \
    X(SPOOL_NO_ENCONTRADO, 404)          \
    X(WORKER_NO_ENCONTRADO, 404)         \
    X(OPERACION_YA_INICIADA, 400)        \
    X(OPERACION_YA_COMPLETADA, 400)      \
    X(DEPENDENCIAS_NO_SATISFECHAS, 400)  \
    X(OPERACION_NO_PENDIENTE, 400)       \
    X(OPERACION_NO_INICIADA, 400)        \
    X(OPERACION_NO_DISPONIBLE, 400)      \
    X(WORKER_NOMBRE_NO_COINCIDE, 400)    \
    X(NO_AUTORIZADO, 403)                \
    X(ARM_PREREQUISITE, 403)             \
    X(ROL_NO_AUTORIZADO, 403)            \
    X(SPOOL_BLOQUEADO, 403)              \
    X(SPOOL_OCCUPIED, 409)               \
    X(VERSION_CONFLICT, 409)             \
    X(INVALID_STATE_TRANSITION, 409)     \
    X(RACE_CONDITION, 409)               \
    X(LOCK_EXPIRED, 410)                 \
    X(VALIDATION_ERROR, 422)             \
    X(BAD_REQUEST, 400)                  \
    X(NOT_FOUND, 404)                    \
    X(METHOD_NOT_ALLOWED, 405)           \
    X(PAYLOAD_TOO_LARGE, 413)            \
    X(URI_TOO_LONG, 414)                 \
    X(HEADERS_TOO_LARGE, 431)            \
    X(NOT_IMPLEMENTED, 501)              \
    X(HTTP_VERSION_NOT_SUPPORTED, 505)   \
    X(UNAUTHORIZED, 401)                 \
    X(FORBIDDEN, 403)                    \
    X(DEVICE_NO_ENCONTRADO, 404)         \
    X(DEVICE_EXISTS, 409)                \
    X(TOO_MANY_ATTEMPTS, 429)            \
    X(PIN_REQUIRED, 401)                 \
    X(PIN_INVALID, 401)                  \
    X(PIN_NOT_SET, 403)                  \
    X(PIN_LOCKED, 423)                   \
    X(REDIS_UNAVAILABLE, 503)            \
    X(STORE_UNAVAILABLE, 503)            \
    X(SSE_CAPACITY, 503)                 \
    X(TOO_MANY_CONNECTIONS, 503)         \
    X(DATA_CORRUPT, 500)                 \
    X(INTERNAL_SERVER_ERROR, 500)

typedef enum zerr {
    ZE_OK = 0,
    ZE__FIRST = -1000,
#define ZE_ENUM(name, status) ZE_##name,
    ZEUES_ERR_MAP(ZE_ENUM)
#undef ZE_ENUM
    ZE__LAST
} zerr_t;

/** Wire code of an error ("SPOOL_OCCUPIED"); "OK" for ZE_OK; static storage. */
const char *zerr_name(int err);
/** HTTP status of an error; 200 for ZE_OK and 500 for unknown values. */
int zerr_status(int err);

#endif
