/* The zeues binary: parses the command and its options and hands over to src/cli/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "util/tz.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage:\n"
            "  zeues serve [--port N] [--db FILE | --store URL] [options]   run the server (--help lists options)\n"
            "  zeues import --db FILE --dir DIR                import DIR/{Operaciones,Trabajadores,Roles,Uniones,Metadata}.csv\n"
            "  zeues export --db FILE --dir DIR                write the five sheets as CSV into DIR\n"
            "  zeues demo --db FILE [--spools N] [--seed S]    create a demo plant (default 2000 spools)\n"
            "  zeues unblock TAG --db FILE --by NAME --reason TEXT   supervisor: BLOQUEADO back to repair\n"
            "  zeues release TAG --db FILE --by NAME --reason TEXT   supervisor: end a stuck occupation\n"
            "  zeues log TAG --db FILE                         the spool's full audit trail\n"
            "  zeues device add NAME --db FILE                 enrol a tablet: prints its one-time code (24 h)\n"
            "  zeues device list --db FILE                     enrolled tablets, last seen, revoked\n"
            "  zeues device revoke NAME --db FILE              the tablet's requests are refused at once\n"
            "  zeues migrate --from sqlite:///F.db --to postgres://U@H:P/DB [--force]\n"
            "                                                  copy a SQLite store into an empty PostgreSQL one\n"
            "Every --db FILE may be given as --store URL (sqlite:///path/to/file.db or\n"
            "postgres://user@host:port/db); the environment variables ZEUES_DB and ZEUES_STORE\n"
            "set the default.\n");
}

/* Options of the store commands: --db / --store, --dir, --spools, --seed, --by, --reason. */
typedef struct opts {
    const char *db, *dir, *by, *reason;
    int spools;
    unsigned seed;
} opts_t;

static int parse_opts(int argc, char **argv, opts_t *o)
{
    const char *env_db = getenv("ZEUES_DB"), *env_store = getenv("ZEUES_STORE");
    *o = (opts_t){.db = env_db && *env_db ? env_db : "./zeues.db", .spools = 2000, .seed = 2026};
    if (env_store && *env_store) o->db = env_store;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "zeues: option %s needs a value\n", a);
            return -1;
        }
        if (strcmp(a, "--db") == 0 || strcmp(a, "--store") == 0) o->db = v;
        else if (strcmp(a, "--dir") == 0) o->dir = v;
        else if (strcmp(a, "--spools") == 0) o->spools = atoi(v);
        else if (strcmp(a, "--seed") == 0) o->seed = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(a, "--by") == 0) o->by = v;
        else if (strcmp(a, "--reason") == 0) o->reason = v;
        else {
            fprintf(stderr, "zeues: unknown option %s\n", a);
            return -1;
        }
        i++;
    }
    if (o->spools < 1 || o->spools > 1000000) {
        fprintf(stderr, "zeues: --spools must be between 1 and 1000000\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) return cli_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "migrate") == 0) {
        const char *from = NULL, *to = NULL;
        int force = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--force") == 0) force = 1;
            else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) from = argv[++i];
            else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) to = argv[++i];
            else {
                fprintf(stderr, "zeues migrate: unknown or incomplete option %s\n", argv[i]);
                return 2;
            }
        }
        return cli_migrate(from, to, force);
    }

    /* Supervisor commands take the TAG right after the command. */
    const char *tag = NULL;
    int supervisor = strcmp(cmd, "unblock") == 0 || strcmp(cmd, "release") == 0 ||
                     strcmp(cmd, "log") == 0;
    if (supervisor) {
        if (argc < 3 || strncmp(argv[2], "--", 2) == 0) {
            fprintf(stderr, "zeues %s: TAG is required\n", cmd);
            return 2;
        }
        tag = argv[2];
        argv++;
        argc--;
    }
    /* zeues device add|revoke NAME | list: the action, then the name, then options. */
    const char *dev_action = NULL, *dev_name = NULL;
    if (strcmp(cmd, "device") == 0) {
        dev_action = argc >= 3 ? argv[2] : "";
        int named = strcmp(dev_action, "add") == 0 || strcmp(dev_action, "revoke") == 0;
        if (!named && strcmp(dev_action, "list") != 0) {
            fprintf(stderr, "zeues device: add NAME, list or revoke NAME\n");
            return 2;
        }
        if (named && (argc < 4 || strncmp(argv[3], "--", 2) == 0)) {
            fprintf(stderr, "zeues device %s: NAME is required\n", dev_action);
            return 2;
        }
        dev_name = named ? argv[3] : NULL;
        argv += named ? 2 : 1;
        argc -= named ? 2 : 1;
    }
    opts_t o;
    if (parse_opts(argc - 2, argv + 2, &o) != 0) return 2;
    const char *tzname = getenv("TIMEZONE");
    tz_init(tzname && *tzname ? tzname : "America/Santiago");
    int need_dir = strcmp(cmd, "import") == 0 || strcmp(cmd, "export") == 0;
    if (!need_dir && !supervisor && !dev_action && strcmp(cmd, "demo") != 0) {
        fprintf(stderr, "zeues: unknown command '%s'\n", cmd);
        usage(stderr);
        return 2;
    }
    if (need_dir && !o.dir) {
        fprintf(stderr, "zeues %s: --dir is required\n", cmd);
        return 2;
    }
    char err[512];
    store_t *st = store_open(o.db, err, sizeof err);
    if (!st) {
        fprintf(stderr, "zeues %s: %s\n", cmd, err);
        return 1;
    }
    int rc;
    if (strcmp(cmd, "import") == 0) rc = cli_import(st, o.dir);
    else if (strcmp(cmd, "export") == 0) rc = cli_export(st, o.dir);
    else if (strcmp(cmd, "log") == 0) rc = cli_log(st, tag);
    else if (supervisor) rc = cli_supervise(st, cmd, tag, o.by, o.reason);
    else if (dev_action) rc = cli_device(st, dev_action, dev_name);
    else rc = cli_demo(st, o.spools, o.seed);
    store_close(st);
    return rc;
}
