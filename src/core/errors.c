/* Name and HTTP status of each error code, generated from ZEUES_ERR_MAP. */
#include "core/errors.h"

const char *zerr_name(int err)
{
    switch (err) {
    case ZE_OK: return "OK";
#define ZE_NAME(name, status) \
    case ZE_##name: return #name;
        ZEUES_ERR_MAP(ZE_NAME)
#undef ZE_NAME
    default: return "INTERNAL_SERVER_ERROR";
    }
}

int zerr_status(int err)
{
    switch (err) {
    case ZE_OK: return 200;
#define ZE_STATUS(name, status) \
    case ZE_##name: return status;
        ZEUES_ERR_MAP(ZE_STATUS)
#undef ZE_STATUS
    default: return 500;
    }
}
