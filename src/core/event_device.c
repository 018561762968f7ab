/* Stamping the sending device into an audit event's metadata (see event.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/json_map.h"

int event_stamp_device(event_rec_t *e, const char *device)
{
    if (!device || !device[0]) return 0;
    json_t *m = e->metadata_json[0] ? json_loads(e->metadata_json, 0, NULL) : json_object();
    if (!json_is_object(m)) {
        json_decref(m);
        return -1;
    }
    json_object_set_new(m, "device", json_string(device));
    char *text = json_map_dumps_python(m);
    json_decref(m);
    int rc = -1;
    if (text && strlen(text) < sizeof e->metadata_json) {
        memcpy(e->metadata_json, text, strlen(text) + 1);
        rc = 0;
    }
    free(text);
    return rc;
}
