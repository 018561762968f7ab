/* Random version-4 UUIDs for lock tokens and audit event ids. */
#ifndef ZEUES_UTIL_UUID_H
#define ZEUES_UTIL_UUID_H

#define UUID_STR_LEN 37

/** Writes a lower-case uuid4 ("550e8400-e29b-41d4-a716-446655440000") into out (37 bytes). */
void uuid4(char out[UUID_STR_LEN]);

#endif
