/* The store: where spools, workers, roles and the audit log live. A backend is a struct of
 * function pointers (SQLite now, PostgreSQL next), chosen by store_open from a URL.
 *
 * The contract every backend keeps (tests/store/ checks it against each compiled backend):
 *   1. Errors. Every function returns ZE_OK or a negative zerr_t: ZE_DATA_CORRUPT for a stored
 *      row that fails spool_check, ZE_SPOOL_NO_ENCONTRADO / ZE_WORKER_NO_ENCONTRADO for absent
 *      rows, ZE_VERSION_CONFLICT for a lost compare-and-set, ZE_STORE_UNAVAILABLE for any I/O
 *      failure; for devices ZE_DEVICE_NO_ENCONTRADO (no such device or pending code) and
 *      ZE_DEVICE_EXISTS (an enrolled device has the name); for supervisors and their sessions
 *      ZE_NOT_FOUND (no such account, or no live session); for PINs ZE_NOT_FOUND (no PIN, or
 *      no verified pair). Nothing else.
 *   2. Threads. A store may be used from any thread at once, and by several processes (several
 *      server instances, a supervisor command) on the same data.
 *   3. Atomicity. spool_commit writes the spool's tracked fields and its audit events in one
 *      transaction, or nothing; a failed compare-and-set writes nothing. import likewise.
 *   4. Versions. Each committed spool_commit raises the spool's version by exactly one; a
 *      commit whose expected version is not the stored one is ZE_VERSION_CONFLICT.
 *   5. Sequence. Every event gets a sequence number (seq) larger than that of every event
 *      committed before it, in any process; numbers are never reused.
 *   6. Sequence visibility. An event with sequence N is never visible (to event_foreach_since,
 *      event_last_seq, or any other reader) before every event with a smaller sequence that
 *      will ever exist is visible. Readers may therefore keep a cursor "everything up to N
 *      seen" and never miss an event: the SSE hub and Last-Event-ID replay rely on it. (SQLite
 *      has it for free: one writer at a time. A backend with concurrent writers must take the
 *      number from a row updated first in the transaction, or an equivalent.)
 *   7. Durability. A commit that returned ZE_OK is on stable storage: it survives a crash of
 *      the process and a power loss. Concurrent commits may share one transaction and one
 *      sync (group commit); each keeps its own compare-and-set and its own outcome.
 *   8. Append-only audit. No function edits or deletes an event.
 *   9. Generation. generation() changes with every committed write by any process (device,
 *      supervisor, session and PIN writes excepted, unless they append events: no cached
 *      answer is derived from them). */
#ifndef ZEUES_STORE_STORE_H
#define ZEUES_STORE_STORE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/access.h"
#include "core/event.h"
#include "core/spool.h"
#include "core/unions.h"

typedef struct store store_t;

/* ---- v4/v5 records beside the spools ---- */

/** One spool of the supervisor's tracked list (the v5 home page; domain-v4 §10 "Lista"). */
typedef struct tracked {
    char tag[ZTAG_MAX];
    int64_t added_at, updated_at; /* unix seconds */
    char notes[ZTEXT_MAX];        /* "" = null */
} tracked_t;

/** One UI telemetry event of the audit book (domain-v4 §10 "Audit"); not the Metadata log. */
typedef struct audit_ev {
    char id[64];
    int64_t ts;                   /* unix seconds */
    char session_id[128];
    char event_type[32];
    char tag[ZTAG_MAX];           /* "" = null */
    char modal[64];               /* "" = null */
    char route[256];              /* "" = null */
    char *payload_json;           /* verbatim, NULL = null; borrowed by audit_append, owned
                                     (free()) by what audit_since hands out for the call */
} audit_ev_t;

/** A verbatim dump of an old browser list (domain-v4 §10 "Snapshots_Legacy"). */
typedef struct snapshot {
    const char *id;
    int64_t captured_at;
    const char *raw;
    const char *user_agent;       /* NULL = empty */
} snapshot_t;

/** An enrolled tablet, or one with a pending enrolment code. The store only ever sees hashes of
 *  its secrets (STORE_HASH_HEX: hex text), never a code or token. */
typedef struct device {
    int64_t id;
    char name[ACCESS_DEVICE_NAME_MAX + 1];
    int64_t created_at;   /* unix seconds */
    int64_t code_expires; /* the pending code's expiry; 0 = no pending code */
    int64_t enrolled_at;  /* 0 = not enrolled yet */
    int64_t last_seen;    /* 0 = never */
    int64_t revoked_at;   /* 0 = not revoked */
} device_t;
#define STORE_PWHASH_MAX 128 /* a password hash text with its NUL */
#define STORE_HASH_HEX 65 /* a 32-byte hash as lower-case hex, with its NUL */

/** A supervisor account. pw_hash is the text of a password hash made for the purpose (the app
 *  layer writes libsodium's crypto_pwhash_str: Argon2id with its salt and parameters); the
 *  store keeps it verbatim and never sees a password. */
typedef struct supervisor {
    int64_t id;
    char name[ACCESS_DEVICE_NAME_MAX + 1];
    char pw_hash[STORE_PWHASH_MAX];
    int64_t created_at, updated_at; /* unix seconds; updated_at: the last password change */
} supervisor_t;

/** A worker's PIN (--auth devices+pin): its hash (crypto_pwhash_str text, made by the app
 *  layer) and the run of failed attempts that the throttle and the lock-out read. */
typedef struct pin_state {
    int64_t worker_id;
    char pin_hash[STORE_PWHASH_MAX];
    int64_t set_at;       /* unix seconds */
    int failures;         /* failed attempts since the last success, set or unlock */
    int64_t last_failure; /* 0 = none */
    int64_t locked_at;    /* 0 = not locked out */
} pin_state_t;

/** Everything one state change writes, in one transaction (see commit below). */
typedef struct store_change {
    spool_t *spool;               /* written with version compare-and-set; version updated */
    int64_t expected_version;
    zunion_t *puts;               /* unions created or changed: each with its own
                                     compare-and-set (version 0 = must not exist yet); their
                                     version is updated */
    size_t n_puts;
    const int *deletes;           /* N_UNION of unions of spool->tag to delete (must exist) */
    size_t n_deletes;
    const char *notas_line;       /* appended to the spool's Notas ("\n" between lines); NULL =
                                     none */
    event_rec_t *events;          /* appended in order; their seq is set */
    size_t n_events;
} store_change_t;

/** What the last write attempt of this process met (store_stats_t.write_state). */
typedef enum store_write_state {
    STORE_WRITE_OK,        /* it committed */
    STORE_WRITE_READ_ONLY, /* the file or its file system refuses writes */
    STORE_WRITE_FULL,      /* no space left on the device */
    STORE_WRITE_ERROR      /* any other I/O failure */
} store_write_state_t;

/** Counters of a store since it was opened, for /api/health and the benchmark. */
typedef struct store_stats {
    int write_state;          /* store_write_state_t */
    int64_t changes;          /* state changes committed (commit / spool_commit = ZE_OK) */
    int64_t transactions;     /* write transactions committed (several changes each) */
    int64_t syncs;            /* syncs (fsync) asked of the operating system, -1 = unknown */
    int64_t max_batch;        /* most changes one transaction carried */
    int64_t wal_bytes;        /* size of the write-ahead log now, -1 = none */
    int64_t ckpt_hold_max_us; /* longest time a checkpoint kept writers waiting */
} store_stats_t;

/** Visitors return 0 to continue, non-zero to stop (that value is then returned). */
typedef int (*spool_visit_fn)(void *ud, const spool_t *s);
typedef int (*worker_visit_fn)(void *ud, const worker_t *w);
typedef int (*event_visit_fn)(void *ud, const event_rec_t *e);
typedef int (*union_visit_fn)(void *ud, const zunion_t *u);
typedef int (*tracked_visit_fn)(void *ud, const tracked_t *t);
typedef int (*audit_visit_fn)(void *ud, const audit_ev_t *e);
typedef int (*device_visit_fn)(void *ud, const device_t *d);

/* ---- Bulk sheets, for import / export (CSV now, Google Sheets sync later): sheets_t, its row
 * types and sheets_free belong to the sheet codec, which reads and writes them. ---- */
#include "core/sheet_codec.h"

struct store_ops {
    const char *name;
    void (*close)(store_t *st);
    int (*spool_get)(store_t *st, const char *tag, spool_t *out);
    /** Optional (NULL: call fn directly). Runs fn(ud) with every read this thread makes in it
     *  inside one read transaction: one snapshot, and the cost of beginning a read paid once
     *  instead of per statement (POST /api/spools/batch-status reads up to 100 spools). fn
     *  must only read. Returns fn's result, or ZE_STORE_UNAVAILABLE when the transaction
     *  could not begin (then fn did not run). */
    int (*read_snapshot)(store_t *st, int (*fn)(void *ud), void *ud);
    /** Visits spools in sheet order. */
    int (*spool_foreach)(store_t *st, spool_visit_fn fn, void *ud);
    /** One transaction: if the stored version of s->tag equals expected_version, write every
     *  tracked field of s with version = expected_version + 1 (s->version is updated) and append
     *  the events (their seq is set). Else ZE_VERSION_CONFLICT and nothing is written. */
    int (*spool_commit)(store_t *st, spool_t *s, int64_t expected_version, event_rec_t *ev,
                        size_t nev);
    int (*worker_get)(store_t *st, int64_t id, worker_t *out);
    /** Visits every worker (active or not) in sheet order, roles filled. */
    int (*worker_foreach)(store_t *st, worker_visit_fn fn, void *ud);
    /** Visits the events of one tag in sequence order. */
    int (*event_foreach_tag)(store_t *st, const char *tag, event_visit_fn fn, void *ud);
    /** Visits at most limit events with seq > after_seq in sequence order. */
    int (*event_foreach_since)(store_t *st, int64_t after_seq, size_t limit, event_visit_fn fn,
                               void *ud);
    int (*event_last_seq)(store_t *st, int64_t *out);
    /** Replaces engineering data from sheets in one transaction; tracking state of spools that
     *  already exist is kept unless the sheet carries it. Events are appended when has_events
     *  and the store has none yet with the same id. Unions (when has_unions) of known spools
     *  are inserted, or, when stored already, take the sheet's OT, DN, TIPO, position and
     *  verbatim cells and keep their tracking (ARM/SOLD dates and workers); unions the sheet
     *  no longer lists are kept. Afterwards the counters of every spool with unions equal what
     *  its unions give (sheet_codec_union_counters); a spool without unions takes the counter
     *  cells of its sheet. A spool whose counters or a union whose OT/DN/TIPO change this way
     *  gets version + 1. With in->only_current, a stored spool whose version is not the one
     *  its row carries (spool.version) keeps its Notas and OT and none of its unions is
     *  inserted or changed (the versions are compared inside the transaction); and a union
     *  the store does not have whose last deletion (by commit) came with an event of seq >
     *  in->deleted_after is not inserted, whatever its spool's row says (compared inside the
     *  transaction too: a deletion committed while the sheet was being read counts). */
    int (*import)(store_t *st, const sheets_t *in, char *err, size_t errlen);
    /** Reads the sheets, Uniones included (caller frees with sheets_free). */
    int (*export)(store_t *st, sheets_t *out);
    /** ZE_OK when the backend answers a trivial query now, else ZE_STORE_UNAVAILABLE. */
    int (*ping)(store_t *st);
    /** A number that changes with every committed write (any process): cached answers derived
     *  from the store are current while it is unchanged. */
    int (*generation)(store_t *st, int64_t *out);
    /** Fills *out (never fails; unknown counters are -1). */
    void (*stats)(store_t *st, store_stats_t *out);

    /* ---- v4 unions ---- */
    /** The unions of tag in N_UNION order into out (room for ZUNION_MAX); *n set. A spool
     *  without unions, or an unknown tag, gives ZE_OK and *n = 0. */
    int (*unions_get)(store_t *st, const char *tag, zunion_t *out, size_t *n);
    /** Visits every union in sheet order (Mi Registro). */
    int (*unions_foreach)(store_t *st, union_visit_fn fn, void *ud);
    /** One transaction writing everything in c: the spool (if c->spool) with its version
     *  compare-and-set, each union put with its own, the deletes, the Notas line and the
     *  events. Each deleted union is recorded (TAG_SPOOL + N_UNION, with the seq of the last
     *  event of c, 0 when it has none; one record per key, the last deletion's) for import's
     *  deleted_after. Any lost compare-and-set: ZE_VERSION_CONFLICT and nothing is written. A
     *  put or delete of a union whose tag is not c->spool->tag is ZE_BAD_REQUEST. */
    int (*commit)(store_t *st, store_change_t *c);
    /** The Notas cell of tag into out (n bytes, truncated at a character boundary).
     *  ZE_SPOOL_NO_ENCONTRADO for an unknown tag. */
    int (*notas_get)(store_t *st, const char *tag, char *out, size_t n);

    /* ---- v5 supervisor list and audit book (idempotent by design: the UI retries) ---- */
    /** Visits the tracked list in the order spools were first added. */
    int (*tracked_foreach)(store_t *st, tracked_visit_fn fn, void *ud);
    /** Adds tag (or, when present, resets its added_at/updated_at to now and clears notes);
     *  *out gets the row as written. */
    int (*tracked_put)(store_t *st, const char *tag, int64_t now, tracked_t *out);
    /** Removes tag; *removed = 1 when it was there, 0 when not (still ZE_OK). */
    int (*tracked_remove)(store_t *st, const char *tag, int *removed);
    /** Appends the events whose id is not stored yet (in one transaction); *appended counts
     *  them. */
    int (*audit_append)(store_t *st, const audit_ev_t *ev, size_t n, size_t *appended);
    /** Visits the audit events with ts >= since in ascending ts order. */
    int (*audit_since)(store_t *st, int64_t since, audit_visit_fn fn, void *ud);
    /** Stores a legacy snapshot unless its id is stored already; *written says which. */
    int (*snapshot_put)(store_t *st, const snapshot_t *snap, int *written);

    /* ---- enrolled devices (authentication; secrets arrive hashed, see device_t) ---- */
    /** Gives device name a pending enrolment code (its hash) valid while now < code_expires,
     *  creating the device. A device of that name that is revoked or not enrolled yet is given
     *  the new code instead (token cleared, no longer revoked); an enrolled, unrevoked one is
     *  ZE_DEVICE_EXISTS and nothing changes. */
    int (*device_add)(store_t *st, const char *name, const char *code_hash, int64_t code_expires,
                      int64_t now);
    /** Single use, one transaction: the unrevoked device whose pending code has code_hash and
     *  has not expired at now gets token_hash, enrolled_at = last_seen = now and no pending code
     *  any more; *out gets it. ZE_DEVICE_NO_ENCONTRADO when there is no such code (unknown,
     *  used, expired or revoked) and nothing changes. */
    int (*device_enroll)(store_t *st, const char *code_hash, const char *token_hash, int64_t now,
                         device_t *out);
    /** The device holding token_hash into *out, revoked ones included (revoked_at says so);
     *  ZE_DEVICE_NO_ENCONTRADO when none. A read: safe on every request. */
    int (*device_by_token)(store_t *st, const char *token_hash, device_t *out);
    /** Sets last_seen = now of device id (ZE_OK also when it does not exist). */
    int (*device_touch)(store_t *st, int64_t id, int64_t now);
    /** Revokes device name: its token and any pending code stop working at once. Revoking a
     *  revoked device is ZE_OK (revoked_at kept); ZE_DEVICE_NO_ENCONTRADO for an unknown name. */
    int (*device_revoke)(store_t *st, const char *name, int64_t now);
    /** Visits every device in the order they were created. */
    int (*device_foreach)(store_t *st, device_visit_fn fn, void *ud);

    /* ---- supervisors and their sign-in sessions (secrets arrive hashed, see supervisor_t;
     *      tokens as STORE_HASH_HEX text). Five operations, each one statement or one short
     *      transaction: a backend needs two tables, names unique, tokens primary keys. ---- */
    /** Creates supervisor name with pw_hash (created_at = updated_at = now), or, when the name
     *  exists, replaces its password hash (updated_at = now) and ends all its sessions, in one
     *  transaction. *created = 1 when the account is new, 0 when its password was replaced. */
    int (*supervisor_put)(store_t *st, const char *name, const char *pw_hash, int64_t now,
                          int *created);
    /** The supervisor named name into *out; ZE_NOT_FOUND when none. */
    int (*supervisor_get)(store_t *st, const char *name, supervisor_t *out);
    /** Stores a session: token_hash signs supervisor_id in while now < expires_at. Sessions
     *  that expired before now are deleted in the same transaction (so the table stays small
     *  without a sweeper). ZE_NOT_FOUND when supervisor_id does not exist. */
    int (*session_add)(store_t *st, int64_t supervisor_id, const char *token_hash,
                       int64_t expires_at, int64_t now);
    /** The supervisor signed in by the session token_hash when it has not expired at now, into
     *  *out (and its expiry into *expires_at, may be NULL); ZE_NOT_FOUND otherwise. A read:
     *  safe on every request. */
    int (*session_get)(store_t *st, const char *token_hash, int64_t now, supervisor_t *out,
                       int64_t *expires_at);
    /** Ends the session token_hash (sign-out); ZE_OK whether it existed or not. */
    int (*session_end)(store_t *st, const char *token_hash);

    /* ---- worker PINs (--auth devices+pin). Four operations on two tables: worker_pins keyed
     *      by worker id, pin_sessions keyed by (device id, worker id). ---- */
    /** Sets worker_id's PIN hash (set_at = now), clearing its failures and lock-out and ending
     *  its PIN sessions on every device; the events (the audit of a supervisor's unlock, may
     *  be none) are appended in the same transaction, their seq set. */
    int (*pin_set)(store_t *st, int64_t worker_id, const char *pin_hash, int64_t now,
                   event_rec_t *ev, size_t nev);
    /** worker_id's PIN state into *out; ZE_NOT_FOUND when the worker has no PIN. */
    int (*pin_get)(store_t *st, int64_t worker_id, pin_state_t *out);
    /** Records one checked attempt, in one transaction. ok: failures = 0 and the pair
     *  (device_id, worker_id) is verified while now < session_expires. Not ok: failures + 1,
     *  last_failure = now, and when failures reaches lock_after on an unlocked PIN, locked_at =
     *  now and lock_ev (may be NULL) is appended (its seq set): the lock-out and its audit
     *  event are one write. *out gets the state after. ZE_NOT_FOUND when no PIN. */
    int (*pin_attempt)(store_t *st, int64_t worker_id, int64_t device_id, int ok, int64_t now,
                       int64_t session_expires, int lock_after, event_rec_t *lock_ev,
                       pin_state_t *out);
    /** ZE_OK when (device_id, worker_id) is verified at now and the PIN is not locked out;
     *  ZE_NOT_FOUND otherwise. A read: safe on every request. */
    int (*pin_session_check)(store_t *st, int64_t device_id, int64_t worker_id, int64_t now);

    /* ---- spreadsheet sync state (src/sync): a few named integers, e.g. the cursor "up to
     * event seq N is in the Metadata sheet". Durable like a commit; no generation change. ---- */
    /** The value stored under name into *out; ZE_OK and *out = 0 when none was ever stored. */
    int (*sync_get)(store_t *st, const char *name, int64_t *out);
    /** Stores value under name (replacing any previous value), durably, in one transaction. */
    int (*sync_put)(store_t *st, const char *name, int64_t value);

    /* ---- operations ---- */
    /** Writes a consistent copy of the whole store, taken at one moment while others keep
     *  writing, to the file `to` (replaced whole, never left half-written), synced. NULL for a
     *  backend whose own tools do it (PostgreSQL: pg_dump). A message in err on failure. */
    int (*backup)(store_t *st, const char *to, char *err, size_t errlen);
};

struct store {
    const struct store_ops *ops;
};

/**
 * Opens the store named by url, creating and migrating its schema:
 *   "sqlite:///abs/path.db", "sqlite://rel/path.db", "sqlite:rel.db" or a plain path (SQLite);
 *   "postgres://user[:password]@host[:port]/db[?param=value...]" or "postgresql://..."
 *   (PostgreSQL, when built with ZEUES_WITH_PG; libpq's URI syntax and parameters).
 * NULL on failure, with a message in err that names the URL (an unknown scheme included).
 * Caller closes with store_close.
 */
store_t *store_open(const char *url, char *err, size_t errlen);
/** The location part of url that store_open would open (for log lines and the instance id),
 *  written into out: the file of a SQLite URL, a PostgreSQL URL without its password.
 *  Returns out. */
const char *store_location(const char *url, char *out, size_t n);

/** Opens the SQLite store at path (store_open's SQLite backend). */
store_t *store_sqlite_open(const char *path, char *err, size_t errlen);

/** Opens the PostgreSQL store at url (store_open's PostgreSQL backend; NULL with a message
 *  when this build has none). */
store_t *store_pg_open(const char *url, char *err, size_t errlen);
/** zeues migrate: copies everything of the SQLite store at sqlite_path (spools with their
 *  verbatim cells, unions and the record of deleted ones, workers, roles, events with their
 *  sequence numbers, tracked list, audit book, snapshots, devices, sheet layouts) into the
 *  PostgreSQL store at pg_url in one transaction, verifies the row counts of every table
 *  before committing and prints them to out. A target that holds any row is refused
 *  (ZE_BAD_REQUEST) unless force, which first drops everything in it. ZE_OK, else an error with a message in err. */
int store_pg_migrate_from_sqlite(const char *sqlite_path, const char *pg_url, int force,
                                 FILE *out, char *err, size_t errlen);
/** url with its password (if any) left out, into out. Returns out. */
const char *store_pg_safe_url(const char *url, char *out, size_t n);

static inline void store_close(store_t *st)
{
    if (st) st->ops->close(st);
}

#endif
