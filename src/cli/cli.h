/* The command-line commands of the zeues binary; main.c only parses argv and calls these. */
#ifndef ZEUES_CLI_CLI_H
#define ZEUES_CLI_CLI_H
#include <stddef.h>

struct store;

/** Imports dir/{Operaciones,Trabajadores,Roles}.csv (and Uniones.csv, Metadata.csv if
 *  present). 0 or 1. */
int cli_import(struct store *st, const char *dir);
/** Writes the five sheets as CSV into dir (created if missing), each file replaced atomically. */
int cli_export(struct store *st, const char *dir);
/** Creates a demo plant of n spools and ~30 workers (seeded, reproducible). 0 or 1. */
int cli_demo(struct store *st, int n_spools, unsigned seed);
/** Runs the server until SIGINT/SIGTERM; argc/argv are the serve options. Exit code. */
int cli_serve(int argc, char **argv);

/** Supervisor action "unblock" or "release" on tag, audited with by and reason. 0, 1 or 2. */
int cli_supervise(struct store *st, const char *action, const char *tag, const char *by,
                  const char *reason);
/** Device enrolment: action "add" (prints name's one-time code), "revoke" (name) or "list"
 *  (name unused). 0, 1 or 2. */
int cli_device(struct store *st, const char *action, const char *name);
/** Copies the SQLite store from into the empty PostgreSQL store to (force: replace what it
 *  holds). 0, 1 (failed) or 2 (refused: usage, or a target that is not empty). */
int cli_migrate(const char *from, const char *to, int force);
/** Prints the spool's full audit trail. */
int cli_log(struct store *st, const char *tag);

/** Reads a whole file (caller frees); NULL on error, *missing set when it does not exist. */
char *cli__read_file(const char *path, size_t *len, int *missing);

#endif
