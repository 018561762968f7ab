/* `zeues supervisor add NAME`: creates a supervisor account for the console of the built-in UI,
 * or sets a new password for an existing one (which signs it out everywhere). The password is
 * read from the terminal without echo (asked twice), or as one line from standard input when it
 * is not a terminal (scripts: `printf '%s\n' "$PW" | zeues supervisor add ...`); never from the
 * command line, where every user of the machine could read it in the process list. */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "app/auth.h"
#include "cli/cli.h"
#include "core/errors.h"
#include "store/store.h"
#include "util/tz.h"

int cli__read_secret(const char *prompt, char *buf, size_t n)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        } else {
            tty = 0;
        }
    }
    char *got = fgets(buf, (int)n, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (!got) return -1;
    size_t len = strcspn(buf, "\n");
    if (buf[len] != '\n' && !feof(stdin)) return -1; /* longer than the buffer */
    buf[len] = '\0';
    if (len > 0 && buf[len - 1] == '\r') buf[len - 1] = '\0';
    return 0;
}

void cli__wipe(char *p, size_t n)
{
    volatile char *v = p;
    while (n--) *v++ = 0;
}

int cli_supervisor_add(store_t *st, const char *name)
{
    if (auth_init() != 0) {
        fprintf(stderr, "zeues supervisor: the crypto library (libsodium) cannot start\n");
        return 1;
    }
    char pw[AUTH_PASSWORD_MAX + 2], again[AUTH_PASSWORD_MAX + 2];
    int status = 1;
    if (cli__read_secret("Contraseña: ", pw, sizeof pw) != 0) {
        fprintf(stderr, "zeues supervisor add: no password on standard input (one line, at most "
                        "%d bytes)\n",
                AUTH_PASSWORD_MAX);
        goto out;
    }
    if (isatty(STDIN_FILENO)) {
        if (cli__read_secret("Repite la contraseña: ", again, sizeof again) != 0 ||
            strcmp(pw, again) != 0) {
            fprintf(stderr, "zeues supervisor add: the two passwords differ; nothing changed\n");
            goto out;
        }
    }
    int created = 0;
    int rc = auth_supervisor_set(st, name, pw, tz_now(), &created);
    if (rc == ZE_VALIDATION_ERROR) {
        fprintf(stderr, "zeues supervisor add: the name must be 1 to %d bytes of text without "
                        "control characters or spaces at either end, and the password %d to %d "
                        "bytes\n",
                ACCESS_DEVICE_NAME_MAX, AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
        status = 2;
        goto out;
    }
    if (rc != ZE_OK) {
        fprintf(stderr, "zeues supervisor add: %s\n", zerr_name(rc));
        goto out;
    }
    printf(created ? "Supervisor '%s' creado: ingresa en /app/login.\n"
                   : "Supervisor '%s': contraseña cambiada; sus sesiones abiertas se cerraron.\n",
           name);
    status = 0;
out:
    cli__wipe(pw, sizeof pw);
    cli__wipe(again, sizeof again);
    return status;
}
