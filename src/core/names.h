/* Names derived from sheet text: the worker display name and normalised header keys. */
#ifndef ZEUES_CORE_NAMES_H
#define ZEUES_CORE_NAMES_H
#include <stddef.h>
#include <stdint.h>

/**
 * Writes the worker display name `XY(ID)` into out: X = first character (a whole UTF-8
 * character, upper-cased; Latin-1 letters such as é → É included) of the first
 * whitespace-separated word of nombre, Y = same for apellido. Mauricio Rodriguez 93 → MR(93).
 * Returns 0, or -1 when nombre or apellido is blank or out is too small.
 */
int names_worker_display(const char *nombre, const char *apellido, int64_t id, char *out, size_t n);

/**
 * Normalises a header for lookup: lower-case (ASCII and UTF-8 Latin-1 capitals), then every
 * space and underscore removed. `Fecha_QC_Metrología` → `fechaqcmetrología`. Accents are kept.
 * Writes a NUL-terminated result into out (truncated to n-1 bytes).
 */
void names_header_normalize(const char *header, char *out, size_t n);

/**
 * The header key of domain-v4 §1.1 (the sheets at HEAD): accents dropped (a Latin-1 letter
 * becomes its base letter, ª/º become a/o, combining marks U+0300..U+036F are removed: what
 * NFKD plus "drop combining marks" does to the Spanish sheets' text), lower-case, every space,
 * `_` and `/` removed. `Fecha_QC_Metrología` → `fechaqcmetrologia`, `Unión N°` → `unionn°`.
 * Other characters pass through. Writes a NUL-terminated result into out (truncated to n-1
 * bytes on a character boundary). The alias of a header with a `/` (the text before it) is
 * the caller's to compute.
 */
void names_header_key(const char *header, char *out, size_t n);

/**
 * Parses the id of a display name `XY(ID)`: the integer between the last '(' and a trailing ')'.
 * Returns the id, or 0 when the text has no such part.
 */
int64_t names_id_from_display(const char *display);

/** 1 when s is valid UTF-8 of exactly len bytes (no NUL bytes, no overlongs, no surrogates). */
int names_utf8_valid(const char *s, size_t len);

#endif
