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
/** Writes a consistent copy of the store to the file `to` (0, 1 on failure, 2 when the
 *  backend is backed up with its own tools). */
int cli_backup(struct store *st, const char *to);
/** Copies the SQLite store from into the empty PostgreSQL store to (force: replace what it
 *  holds). 0, 1 (failed) or 2 (refused: usage, or a target that is not empty). */
int cli_migrate(const char *from, const char *to, int force);
/** `zeues sheets ACTION [serve options]`: status, push, pull or init against the Google
 *  spreadsheet (app/sheets.h). Exit code. */
int cli_sheets(const char *action, int argc, char **argv);
/** Creates supervisor name (or sets its new password), the password read from stdin (a
 *  terminal without echo, asked twice, or one line of a pipe). 0, 1 or 2. */
int cli_supervisor_add(struct store *st, const char *name);
/** Prints the spool's full audit trail. */
int cli_log(struct store *st, const char *tag);

/** Worker PINs: action "pin" sets worker_id's PIN (read from stdin like a supervisor's
 *  password), "unlock" lifts its lock-out, audited with by and reason. 0, 1 or 2. */
int cli_worker(struct store *st, const char *action, long long worker_id, const char *by,
               const char *reason);

/** `zeues cert --host NAME --dir DIR [--ip ADDR]...` (argv: the options). 0, 1 or 2. */
int cli_cert(int argc, char **argv);

/** Reads one line of stdin into buf (n bytes) without its line end, with echo off and
 *  prompt on stderr when stdin is a terminal; 0, or -1 at end of input or when the line does
 *  not fit. */
int cli__read_secret(const char *prompt, char *buf, size_t n);
/** Overwrites n bytes of p with zeros (not optimised away). */
void cli__wipe(char *p, size_t n);

/** Reads a whole file (caller frees); NULL on error, *missing set when it does not exist. */
char *cli__read_file(const char *path, size_t *len, int *missing);

#endif
